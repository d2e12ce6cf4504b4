/* Autopay of payment plans and dunning (autopay.h). */
#include "common.h"

#include "audit.h"
#include "autopay.h"
#include "autopay_int.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "plan_int.h"
#include "store_autopay.h"
#include "str.h"
#include "stripe_pay.h"

/* Stripe decline codes after which a retry cannot succeed (the issuer
 * says never, or the client must act): docs.stripe.com/declines/codes. */
static const char *const hard_codes[] = {
	"stolen_card", "lost_card", "pickup_card", "do_not_honor", "fraudulent",
	"restricted_card", "security_violation", "merchant_blacklist",
	"revocation_of_authorization", "revocation_of_all_authorizations",
	"stop_payment_order", "transaction_not_allowed", "invalid_account",
	"new_account_information_available", "card_not_supported",
	"expired_card", "authentication_required", "no_consent",
	"method_removed", "account_closed", "no_account", "debit_not_authorized",
	"invalid_account_number", "R02", "R03", "R04", "R07", "R08", "R10",
	"R16", "R29",
};

int
autopay_hard_decline(const char *code)
{
	for (size_t i = 0; i < ARRAY_LEN(hard_codes); i++)
		if (strcmp(code, hard_codes[i]) == 0)
			return 1;
	return 0;
}

int
autopay_ach_retryable(const char *code)
{
	return strcmp(code, "insufficient_funds") == 0 || strcmp(code, "R01") == 0;
}

/* --- claiming ------------------------------------------------------------- */

struct work {
	const struct autopay_env *env;
	int64_t	 inst_id, plan_id, account_id, client_id, method_id, amount;
	int	 number, attempt, failures, found;
	char	 first_failed[11];
	char	 key[80];
	struct sp_result res;
	int	 rc;		/* stripe_pay_charge_installment's */
};

static int
claim_tx(struct db *db, void *arg)
{
	struct work *w = arg;
	struct store_autopay_due d;
	int64_t now = clock_now();
	char today[11];
	int rc;

	w->found = 0;
	if (clock_fmt_date(now, today, sizeof(today)) == -1)
		return DB_ERR;
	if ((rc = store_autopay_claim_next(db, today, now, &d)) != 1)
		return rc;
	w->inst_id = d.inst_id;
	w->plan_id = d.plan_id;
	w->number = d.number;
	w->amount = d.amount;
	w->failures = d.failures;
	/* A claim left by a dead runner, or an attempt whose failure came
	 * later (ACH): the same attempt again, never a new charge. */
	w->attempt = d.attempts;
	if (!d.inflight && w->attempt <= w->failures)
		w->attempt++;
	w->account_id = d.account_id;
	w->client_id = d.client_id;
	w->method_id = d.method_id;
	str_copy(w->first_failed, sizeof(w->first_failed), d.first_failed);
	rc = store_autopay_lease(db, w->inst_id, w->env->runner,
	    now + AUTOPAY_LEASE, w->attempt, now);
	w->found = rc == DB_OK;
	return rc;
}

/* --- charging (no transaction open) ---------------------------------------- */

/* This attempt already has a settled payment (an ACH debit that failed
 * days later, a runner that died after Stripe answered): its outcome is
 * recorded, nothing is charged again. */
static int
settled_before(struct work *w)
{
	struct sp_payment prev;

	if (stripe_pay_by_attempt(w->env->db, w->key, &prev) != SP_OK ||
	    strcmp(prev.status, "pending") == 0)
		return 0;
	w->rc = SP_OK;
	w->res.payment_id = prev.id;
	str_copy(w->res.status, sizeof(w->res.status), prev.status);
	str_copy(w->res.failure_code, sizeof(w->res.failure_code),
	    prev.failure_code);
	str_copy(w->res.message, sizeof(w->res.message), prev.failure_message);
	return 1;
}

static void
charge(struct work *w)
{
	const struct actor sys = { "system", 0, "autopay" };
	struct sp sp = { w->env->db, w->env->stripe, w->env->cfg, &sys };
	struct plan_pay pay;
	struct alloc_req al[SP_PLAN_MAX];
	char plan[2001], memo[120];
	size_t n;

	str_fmt(w->key, sizeof(w->key), "autopay-plan-%" PRId64 "-inst-%" PRId64
	    "-try-%d", w->plan_id, w->inst_id, w->attempt);
	memset(&w->res, 0, sizeof(w->res));
	if (settled_before(w))
		return;
	if (w->method_id == 0) {
		w->rc = SP_NO_CONSENT;
		str_copy(w->res.failure_code, sizeof(w->res.failure_code), "method_removed");
		return;
	}
	if (plan_pay_alloc(w->env->db, w->plan_id, w->amount, &pay) != PLAN_OK) {
		w->rc = SP_DB;
		return;
	}
	n = pay.n < SP_PLAN_MAX ? pay.n : SP_PLAN_MAX;
	for (size_t i = 0; i < n; i++) {
		al[i].invoice_id = pay.invoice_ids[i];
		al[i].amount = pay.amounts[i];
	}
	if (pay.total == 0 || stripe_pay_plan_write(0, al, n, plan, sizeof(plan)) == -1) {
		w->rc = SP_INVALID;	/* nothing open: plan_sync shrinks it */
		return;
	}
	str_fmt(memo, sizeof(memo), "Payment plan #%" PRId64 ", installment %d (autopay)",
	    w->plan_id, w->number);
	{
		struct sp_start q = { w->account_id, w->client_id, NULL, pay.total,
		    w->key, plan, 0, memo, w->method_id };
		w->rc = stripe_pay_charge_installment(&sp, &q, w->plan_id, &w->res);
	}
	if (w->rc == SP_NO_CONSENT)
		str_copy(w->res.failure_code, sizeof(w->res.failure_code), "no_consent");
	else if (w->rc == SP_NOT_FOUND)
		str_copy(w->res.failure_code, sizeof(w->res.failure_code), "method_removed");
}

/* --- the outcome ------------------------------------------------------------ */

/* How many retries a failure with code on this method may have. */
static int
retries_allowed(struct db *db, const struct autopay_settings *st,
    int64_t method_id, const char *code)
{
	int ach = 0;

	if (autopay_hard_decline(code))
		return 0;
	if (store_autopay_method_ach(db, method_id, &ach) != DB_OK)
		return -1;
	if (ach)
		return autopay_ach_retryable(code) ? (int)(st->nretry <
		    AUTOPAY_ACH_RETRIES ? st->nretry : AUTOPAY_ACH_RETRIES) : 0;
	return (int)st->nretry;
}

static int
record_failure(struct db *db, struct work *w, const char *code)
{
	struct autopay_settings st;
	struct autopay_facts f;
	char today[11];
	int allowed, rc;

	if (autopay_settings_get(db, &st) != DB_OK ||
	    (allowed = retries_allowed(db, &st, w->method_id, code)) < 0 ||
	    clock_fmt_date(clock_now(), today, sizeof(today)) == -1)
		return DB_ERR;
	{
		int retry = w->attempt <= allowed;
		struct store_autopay_failure sf = { w->inst_id, w->attempt, today,
		    code, retry, retry ? st.retry_days[w->attempt - 1] : 0 };

		if ((rc = store_autopay_failed(db, &sf)) != DB_OK)
			return rc;
		memset(&f, 0, sizeof(f));
		f.plan_id = w->plan_id;
		f.inst_id = w->inst_id;
		f.attempt = w->attempt;
		str_copy(f.code, sizeof(f.code), code);
		str_copy(f.message, sizeof(f.message), w->res.message);
		if (!retry) {
			if ((rc = plan_set_state(db, w->plan_id, PLAN_PAST_DUE)) != DB_OK)
				return rc;
			return autopay_notice(w->env, db, "past_due", &f);
		}
		return autopay_notice(w->env, db, "failed", &f);
	}
}

static int
record_tx(struct db *db, void *arg)
{
	struct work *w = arg;
	const char *st = w->res.status;
	int rc;

	/* The row we depend on, locked and written (Galera). */
	if ((rc = store_autopay_lock(db, w->inst_id)) != 1)
		return rc < 0 ? rc : DB_ERR;
	if (w->rc == SP_OK && (strcmp(st, "succeeded") == 0 ||
	    strcmp(st, "pending") == 0)) {
		struct autopay_facts f;

		if ((rc = store_autopay_charged(db, w->inst_id, w->res.payment_id)) !=
		    DB_OK)
			return rc;
		if (strcmp(st, "succeeded") != 0)
			return DB_OK;
		memset(&f, 0, sizeof(f));
		f.plan_id = w->plan_id;
		f.inst_id = w->inst_id;
		f.attempt = w->attempt;
		f.payment_id = w->res.payment_id;
		return autopay_notice(w->env, db, "receipt", &f);
	}
	if (w->rc == SP_OK || w->rc == SP_NO_CONSENT || w->rc == SP_NOT_FOUND)
		return record_failure(db, w, w->res.failure_code[0] ?
		    w->res.failure_code : "declined");
	/* Nothing charged (busy: another payment holds the money; nothing
	 * open): the claim is given back, tried again later. */
	return store_autopay_release(db, w->inst_id, clock_now() +
	    (w->rc == SP_BUSY ? 60 : 3600));
}

/* One installment: claim, charge, record. 1 done, 0 none due, -1 error. */
static int
autopay_one(const struct autopay_env *env, struct autopay_stats *stats)
{
	const struct actor sys = { "system", 0, "autopay" };
	struct work w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.env = env;
	if (db_tx(env->db, claim_tx, &w) != DB_OK)
		return -1;
	if (!w.found)
		return 0;
	stats->claimed++;
	charge(&w);
	if (w.rc == SP_STRIPE || w.rc == SP_DB) {
		/* Unknown outcome: the claim stays until its lease ends, then
		 * the same attempt key replays the charge. */
		stats->errors++;
		return 1;
	}
	if ((rc = db_tx(env->db, record_tx, &w)) != DB_OK) {
		/* Logged; the claim's lease keeps it from being taken again
		 * at once, and the others are not held up by it. */
		log_err("autopay: installment %" PRId64 ": recording the outcome "
		    "failed: %s", w.inst_id, db_error(env->db));
		stats->errors++;
		return 1;
	}
	if (w.rc == SP_OK && strcmp(w.res.status, "succeeded") == 0)
		stats->succeeded++;
	else if (w.rc == SP_OK && strcmp(w.res.status, "pending") == 0)
		stats->pending++;
	else if (w.rc == SP_OK || w.rc == SP_NO_CONSENT || w.rc == SP_NOT_FOUND)
		stats->failed++;
	(void)plan_sync(env->db, &sys, w.plan_id);
	return 1;
}

/* Plans with an installment whose payment has settled since (ACH results
 * come days later): plan_sync marks it paid, or scheduled again so the
 * failure is recorded when it is claimed next. */
static int
sync_settled(const struct autopay_env *env)
{
	const struct actor sys = { "system", 0, "autopay" };
	int64_t *ids;
	size_t n;
	int rc = store_autopay_settled_plans(env->db, &ids, &n);

	for (size_t i = 0; rc == DB_OK && i < n; i++)
		if (plan_sync(env->db, &sys, ids[i]) == PLAN_DB)
			rc = DB_ERR;
	free(ids);
	return rc;
}

int
autopay_run(const struct autopay_env *env, size_t max, struct autopay_stats *stats)
{
	size_t done = 0;
	int rc = 0;

	if (sync_settled(env) != DB_OK)
		return DB_ERR;

	while (done < max && (env->stop == NULL || !*env->stop)) {
		if ((rc = autopay_one(env, stats)) <= 0)
			break;
		done++;
	}
	return rc < 0 ? DB_ERR : DB_OK;
}
