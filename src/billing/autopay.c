/* Autopay of payment plans and dunning (autopay.h). */
#include "common.h"

#include "audit.h"
#include "autopay.h"
#include "autopay_int.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "plan_int.h"
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
	int64_t now = clock_now();
	char today[11];
	struct db_result r;
	int rc, inflight;

	w->found = 0;
	if (clock_fmt_date(now, today, sizeof(today)) == -1)
		return DB_ERR;
	{
		struct db_param q[] = { DB_STR(today), DB_I64(now) };
		rc = db_query(db, "SELECT i.id, i.plan_id, i.number, i.amount, i.attempts,"
		    " i.failures, i.claimed_by IS NOT NULL, p.account_id,"
		    " COALESCE(p.client_id, 0), COALESCE(p.payment_method_id, 0),"
		    " COALESCE(DATE_FORMAT(i.first_failed_on, '%Y-%m-%d'), '')"
		    " FROM payment_plan_installments i JOIN payment_plans p ON"
		    " p.id = i.plan_id WHERE i.status = 'scheduled' AND"
		    " i.dunning_stopped = 0 AND i.amount > 0 AND p.autopay = 1 AND"
		    " p.status = 'active' AND COALESCE(i.retry_on, i.due_date) <= ?"
		    " AND (i.lease_until IS NULL OR i.lease_until < ?)"
		    " ORDER BY i.due_date, i.id LIMIT 1 FOR UPDATE SKIP LOCKED",
		    q, 2, &r);
	}
	if (rc != DB_OK || r.nrows == 0) {
		db_result_free(&r);
		return rc;
	}
	w->inst_id = db_i64(&r, 0, 0);
	w->plan_id = db_i64(&r, 0, 1);
	w->number = (int)db_i64(&r, 0, 2);
	w->amount = db_i64(&r, 0, 3);
	w->failures = (int)db_i64(&r, 0, 5);
	inflight = db_i64(&r, 0, 6) != 0;
	/* A claim left by a dead runner, or an attempt whose failure came
	 * later (ACH): the same attempt again, never a new charge. */
	w->attempt = (int)db_i64(&r, 0, 4);
	if (!inflight && w->attempt <= w->failures)
		w->attempt++;
	w->account_id = db_i64(&r, 0, 7);
	w->client_id = db_i64(&r, 0, 8);
	w->method_id = db_i64(&r, 0, 9);
	str_copy(w->first_failed, sizeof(w->first_failed), db_str(&r, 0, 10));
	db_result_free(&r);
	{
		struct db_param u[] = { DB_STR(w->env->runner),
		    DB_I64(now + AUTOPAY_LEASE), DB_I64(w->attempt), DB_I64(now),
		    DB_I64(w->inst_id) };
		rc = db_exec(db, "UPDATE payment_plan_installments SET claimed_by = ?,"
		    " lease_until = ?, attempts = ?, last_attempt_at = ? WHERE id = ?",
		    u, 5, NULL, NULL);
	}
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
	struct db_param p[] = { DB_I64(method_id) };
	int64_t ach = 0;

	if (autopay_hard_decline(code))
		return 0;
	if (db_query_i64(db, "SELECT kind = 'us_bank_account' FROM payment_methods"
	    " WHERE id = ?", p, 1, &ach) != DB_OK)
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
		struct db_param q[] = { DB_I64(w->attempt), DB_STR(today), DB_STR(code),
		    DB_I64(retry), DB_I64(retry ? st.retry_days[w->attempt - 1] : 0),
		    DB_STR(today), DB_I64(!retry), DB_I64(w->inst_id) };

		rc = db_exec(db, "UPDATE payment_plan_installments SET status ="
		    " 'scheduled', payment_id = NULL, claimed_by = NULL, lease_until ="
		    " NULL, failures = ?, first_failed_on = COALESCE(first_failed_on, ?),"
		    " last_failure_code = ?, retry_on = IF(?, GREATEST(DATE_ADD("
		    "first_failed_on, INTERVAL ? DAY), DATE_ADD(?, INTERVAL 1 DAY)),"
		    " NULL), dunning_stopped = ? WHERE id = ?", q, 8, NULL, NULL);
		if (rc != DB_OK)
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
	struct db_param lk[] = { DB_I64(w->inst_id) };
	struct db_result r;
	const char *st = w->res.status;
	int rc;

	/* The row we depend on, locked and written (Galera). */
	if ((rc = db_query(db, "SELECT status FROM payment_plan_installments WHERE"
	    " id = ? FOR UPDATE", lk, 1, &r)) != DB_OK || r.nrows != 1) {
		db_result_free(&r);
		return rc != DB_OK ? rc : DB_ERR;
	}
	db_result_free(&r);
	if (w->rc == SP_OK && (strcmp(st, "succeeded") == 0 ||
	    strcmp(st, "pending") == 0)) {
		struct db_param u[] = { DB_I64(w->res.payment_id), DB_I64(w->inst_id) };
		struct autopay_facts f;

		if ((rc = db_exec(db, "UPDATE payment_plan_installments SET status ="
		    " 'processing', payment_id = ?, claimed_by = NULL, lease_until ="
		    " NULL, retry_on = NULL WHERE id = ?", u, 2, NULL, NULL)) != DB_OK)
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
	{
		/* Nothing charged (busy: another payment holds the money;
		 * nothing open): the claim is given back, tried again later. */
		struct db_param u[] = { DB_I64(clock_now() + (w->rc == SP_BUSY ? 60 :
		    3600)), DB_I64(w->inst_id) };
		return db_exec(db, "UPDATE payment_plan_installments SET claimed_by ="
		    " NULL, lease_until = ?, attempts = failures WHERE id = ?", u, 2,
		    NULL, NULL);
	}
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
	struct db_result r;
	int rc = db_query(env->db, "SELECT DISTINCT i.plan_id FROM"
	    " payment_plan_installments i JOIN payments p ON p.id = i.payment_id"
	    " WHERE i.status = 'processing' AND p.status <> 'pending' LIMIT 500",
	    NULL, 0, &r);

	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		if (plan_sync(env->db, &sys, db_i64(&r, i, 0)) == PLAN_DB)
			rc = DB_ERR;
	db_result_free(&r);
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
