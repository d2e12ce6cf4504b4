/* Card/ACH payment attempts: the pending row with its reservation, then the
 * PaymentIntent (claim, call, record); saved-method charges and refresh. */
#include "common.h"

#include <time.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "payment.h"
#include "str.h"
#include "portal.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "gateway.h"
#include "store_attempt.h"
#include "store_method.h"
#include "store_payment.h"

/* --- attempts: the pending row, then the PaymentIntent ---------------------- */

struct attempt {
	const struct sp		*sp;
	const struct sp_start	*req;
	const struct sp_consent_req *consent;	/* with save_method, or NULL */
	const char		*method;
	int64_t			 payment_id;
	int			 st;
	char			 msg[200];
	struct sp_reserve	 rv;	/* what it reserves, or why refused */
};

static int
refuse(struct attempt *a, int st, const char *msg)
{
	a->st = st;
	(void)str_copy(a->msg, sizeof(a->msg), msg);
	return DB_ERR;
}

/* Inside the attempt's transaction, before anything is written: the
 * account (locked: its attempts take turns), the form not used meanwhile
 * (DB_DUP: answered with its payment), the client of the account. */
static int
attempt_preconditions(struct db *db, struct attempt *a)
{
	const struct sp_start *q = a->req;
	int64_t seen = 0;
	int rc;

	if ((rc = store_payment_account_exists(db, q->account_id, 1)) <= 0)
		return rc < 0 ? rc : refuse(a, SP_NOT_FOUND,
		    "The account does not exist.");
	if ((rc = store_payment_by_attempt_lock(db, q->attempt_key, &seen)) !=
	    DB_OK)
		return rc;
	if (seen != 0)
		return DB_DUP;
	if (q->client_id &&
	    (rc = store_payment_client_of(db, q->client_id, q->account_id)) <= 0)
		return rc < 0 ? rc : refuse(a, SP_INVALID,
		    "The client does not belong to this account.");
	return DB_OK;
}

/* The pending row of the attempt, with the consent given to save its
 * method (only when this payment saves it). */
static int
attempt_insert(struct db *db, struct attempt *a, const char *today)
{
	const struct sp_start *q = a->req;
	const struct sp_consent_req *k = q->save_method ? a->consent : NULL;
	struct store_attempt s;
	char ua[256] = "";

	memset(&s, 0, sizeof(s));
	s.account_id = q->account_id;
	s.client_id = q->client_id;
	s.method = a->method;
	s.amount = q->amount;
	s.received_date = today;
	s.memo = q->memo;
	s.created_by = sp_staff_id(a->sp->actor);
	s.created_at = clock_now();
	s.attempt_key = q->attempt_key;
	s.payment_method_id = q->payment_method_id;
	s.save_method = q->save_method;
	s.alloc_plan = a->rv.plan;
	if (k != NULL) {
		sp_utf8_cut(ua, sizeof(ua), k->user_agent ? k->user_agent : "");
		s.consent = 1;
		s.signer = k->signer_name;
		s.scope = k->scope;
		s.max_amount = k->max_amount;
		s.text_version = k->text_version;
		s.ip = k->ip;
		s.user_agent = ua;
		s.recorded_by = k->recorded_by;
	}
	return store_attempt_insert(db, &s, &a->payment_id);
}

static int
attempt_insert_tx(struct db *db, void *arg)
{
	struct attempt *a = arg;
	const struct sp_start *q = a->req;
	char today[11], detail[300];
	int rc;

	if ((rc = attempt_preconditions(db, a)) != DB_OK)
		return rc;
	if (date_fmt(date_today(), today, sizeof(today)) == -1)
		return DB_ERR;
	if ((rc = sp_reserve_check(db, q->account_id, q->amount, q->alloc_plan,
	    &a->rv)) != DB_OK)
		return rc;
	/* attempt_preconditions() looked for this form's row after locking
	 * the account: a twin that got there first has answered already. */
	if (a->rv.refused)
		return refuse(a, a->rv.refused, a->rv.msg);
	if ((rc = attempt_insert(db, a, today)) != DB_OK)
		return rc;
	if ((rc = sp_reserve_record(db, a->payment_id, q->account_id,
	    &a->rv)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "%s payment of %" PRId64 " cents"
	    " started%s", a->method, q->amount, q->payment_method_id ?
	    " (saved method, off-session)" : "");
	return audit_record(db, a->sp->actor, "payment.start", "payment",
	    a->payment_id, detail);
}

/* The row for the form's attempt_key: new, or the one made before (which
 * must be the same payment). SP_OK with a->payment_id, or a refusal. */
static int
attempt_row(struct attempt *a)
{
	const struct sp_start *q = a->req;
	struct sp_payment *row;
	int64_t seen = 0;
	int rc, found = 0;

	a->st = SP_OK;
	rc = store_payment_by_attempt(a->sp->db, q->attempt_key, &seen);
	if (rc != DB_OK)
		return SP_DB;
	rc = seen ? DB_DUP : db_tx(a->sp->db, attempt_insert_tx, a);
	if (rc == DB_OK)
		return SP_OK;
	if (rc != DB_DUP)
		return a->st > 0 ? a->st : SP_DB;
	if (store_payment_by_attempt(a->sp->db, q->attempt_key, &seen) != DB_OK ||
	    seen == 0 || (row = malloc(sizeof(*row))) == NULL)
		return SP_DB;
	if (sp_payment_read(a->sp->db, seen, row, &found) != DB_OK || !found) {
		free(row);
		return SP_DB;
	}
	a->payment_id = row->id;
	rc = row->account_id != q->account_id || row->amount != q->amount ||
	    strcmp(row->method, a->method) != 0 ||
	    row->payment_method_id != q->payment_method_id;
	free(row);
	if (rc) {
		(void)str_copy(a->msg, sizeof(a->msg), "This payment form was already "
		    "used for a different payment. Reload the page and try again.");
		return SP_CONFLICT;
	}
	return SP_OK;
}

/* The client secret of an intent made before (a resubmitted form). */
static int
intent_secret(const struct sp *sp, const char *intent, struct sp_result *out)
{
	struct stripe_payment_intent pi;
	struct stripe_error err;
	int rc = gateway_attempt_retrieve(sp->stripe, intent, &pi, &err);

	if (rc == 0)
		(void)str_copy(out->client_secret, sizeof(out->client_secret),
		    pi.client_secret);
	else
		(void)str_copy(out->message, sizeof(out->message),
		    stripe_error_friendly(&err));
	return rc == 0 ? SP_OK : SP_STRIPE;
}

/* Two-phase PaymentIntent creation (no network call inside a transaction):
 * claim the row (short transaction: intent_claimed_at), call Stripe with
 * no transaction open, record the answer in a new short transaction. The
 * Idempotency-Key "pi-<payment_id>" makes any retry (a later claim,
 * refresh, reconcile) a replay; the webhook settles the row meanwhile. */
struct create_args {
	const struct sp		*sp;
	int64_t			 payment_id;
	const char		*customer;
	int			 force;		/* refresh/reconcile: ignore a claim */
	struct sp_payment	 row;
	int			 found;
	int			 done;		/* has its intent, or settled */
	int			 claimed;	/* ours to call Stripe for */
	char			 pm[65];	/* saved method's Stripe id */
	struct stripe_payment_intent pi;	/* Stripe's answer (phase 2) */
	struct stripe_error	 err;
	struct stripe_payment_method fetched_pm;
	int			 created;	/* Stripe answered our create */
	int			 uncertain;
	char			 client_secret[256];
	struct sp_settle_in	 in;
	struct sp_settle_out	 out;
};

/* The saved method's Stripe id and kind, if active. */
static int
method_stripe_id(struct db *db, int64_t method_id, int64_t account_id, char *pm,
    size_t pmsz, char *kind, size_t kindsz, int *active)
{
	struct store_method m;
	int rc = store_method_get(db, method_id, &m);

	*active = 0;
	if (rc == 1 && m.account_id == account_id) {
		(void)str_copy(pm, pmsz, m.stripe_pm_id);
		(void)str_copy(kind, kindsz, m.kind);
		*active = strcmp(m.status, "active") == 0;
	}
	return rc < 0 ? rc : DB_OK;
}

/* A definite refusal without a PaymentIntent: the row fails, no money. */
static int
fail_without_intent(struct db *db, struct create_args *c,
    const struct stripe_error *r)
{
	const char *code = r->decline_code[0] ? r->decline_code :
	    r->code[0] ? r->code : "stripe_error";

	log_warn("stripe: payment %" PRId64 " refused: http %ld type %s code %s "
	    "decline %s: %s", c->row.id, r->http_status, r->type, r->code,
	    r->decline_code, r->message);
	c->out.changed = 1;
	return sp_row_update(db, c->sp->actor, &c->row, "failed", "", code,
	    stripe_error_friendly(r));
}

/* How long a claim keeps others from calling Stripe for the same row:
 * longer than one create with its retries may take. */
static int64_t
claim_ttl(const struct sp *sp)
{
	int64_t t = sp->cfg->stripe_timeout > 0 ? sp->cfg->stripe_timeout : 30;

	return 2 * t + 5;
}

/* Phase 1: the row is ours to create the intent for, unless it has one,
 * is settled, or another worker's claim is still fresh. */
static int
claim_tx(struct db *db, void *arg)
{
	struct create_args *c = arg;
	char kind[16] = "";
	int64_t now = clock_now();
	int rc, active = 0;

	c->done = c->claimed = 0;
	memset(&c->out, 0, sizeof(c->out));
	if ((rc = sp_payment_lock(db, c->payment_id, &c->row, &c->found)) != DB_OK ||
	    !c->found)
		return rc;
	if (c->row.intent[0] != '\0' || strcmp(c->row.status, "pending") != 0) {
		c->done = 1;
		return DB_OK;
	}
	if ((rc = store_attempt_claim_fresh(db, c->row.id,
	    now - claim_ttl(c->sp))) < 0)
		return rc;
	if (rc && !c->force)
		return DB_OK;
	if (c->row.payment_method_id != 0) {
		if ((rc = method_stripe_id(db, c->row.payment_method_id,
		    c->row.account_id, c->pm, sizeof(c->pm), kind, sizeof(kind),
		    &active)) != DB_OK)
			return rc;
		if (!active) {
			c->done = 1;
			c->out.changed = 1;
			return sp_row_update(db, c->sp->actor, &c->row, "failed", "",
			    "payment_method_removed",
			    "That saved payment method was removed. Use another one.");
		}
	}
	if ((rc = store_attempt_claim(db, c->row.id, now)) != DB_OK)
		return rc;
	c->claimed = 1;
	return DB_OK;
}

/* Phase 2, outside any transaction: POST /v1/payment_intents. */
static void
create_call(struct create_args *c)
{
	struct gateway_attempt ga;
	char key[48];

	memset(&ga, 0, sizeof(ga));
	ga.amount = c->row.amount;
	ga.customer = c->customer;
	ga.payment_id = c->row.id;
	ga.description = c->row.memo[0] ? c->row.memo : NULL;
	ga.method_type = strcmp(c->row.method, "ach") == 0 ?
	    "us_bank_account" : "card";
	if (c->row.payment_method_id != 0)
		ga.payment_method = c->pm;
	else
		ga.save_method = c->row.save_method != 0;
	(void)str_fmt(key, sizeof(key), "pi-%" PRId64, c->row.id);
	c->created = gateway_attempt_create(c->sp->stripe, &ga, key, &c->pi,
	    &c->err) == 0;
	c->uncertain = !c->created && c->err.uncertain;
	if (c->uncertain)
		log_warn("stripe: payment %" PRId64 ": no certain answer (%s %s); "
		    "left pending for reconcile", c->row.id, c->err.type,
		    c->err.message);
}

/* The PaymentIntent of Stripe's answer (NULL: none, a plain refusal). */
static const struct stripe_payment_intent *
create_pi(const struct create_args *c)
{
	if (c->created)
		return &c->pi;
	return c->err.has_payment_intent ? &c->err.payment_intent : NULL;
}

/* Phase 3: the answer recorded on the row (settled from the intent, or
 * failed without one); an uncertain answer gives the claim back. */
static int
record_tx(struct db *db, void *arg)
{
	struct create_args *c = arg;
	const struct stripe_payment_intent *pi = create_pi(c);
	int rc;

	memset(&c->out, 0, sizeof(c->out));
	if ((rc = sp_payment_lock(db, c->payment_id, &c->row, &c->found)) != DB_OK ||
	    !c->found)
		return rc;
	if (c->uncertain)
		return store_attempt_claim(db, c->row.id, 0);
	if (pi == NULL) {
		if (c->row.intent[0] != '\0' || strcmp(c->row.status, "pending") != 0)
			return DB_OK;	/* settled meanwhile (webhook) */
		return fail_without_intent(db, c, &c->err);
	}
	(void)str_copy(c->client_secret, sizeof(c->client_secret), pi->client_secret);
	c->in.pi = pi;
	c->in.authoritative = 1;
	rc = sp_settle_notify(db, c->sp, &c->row, &c->in, &c->out);
	c->in.pi = NULL;
	return rc;
}

/* Phase 3 with the PaymentMethod fetched when settlement asks for it. */
static int
record_run(struct create_args *c)
{
	int rc = DB_ERR;

	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		rc = db_tx(c->sp->db, record_tx, c);
		if (rc != SP_TX_NEED)
			break;
		c->in.pm = NULL;
		if (sp_fetch_pm(c->sp, c->out.need_pm, &c->fetched_pm) == -1)
			break;
		c->in.pm = &c->fetched_pm;
	}
	c->in.pm = NULL;
	if (rc == SP_TX_NEED) {
		/* Settled later by refresh/webhook/reconcile. */
		rc = DB_OK;
		c->uncertain = 1;
	}
	return rc;
}

/* Another worker holds the claim: wait (holding nothing) until the row has
 * its outcome or the claim can be taken over. 1 go on, 0 gave up. */
static int
claim_wait(struct create_args *c)
{
	int64_t until = clock_now() + claim_ttl(c->sp) + 1;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	while (clock_now() < until) {
		int rc = db_tx(c->sp->db, claim_tx, c);

		if (rc != DB_OK)
			return -1;
		if (!c->found || c->done || c->claimed)
			return 1;
		(void)nanosleep(&ts, NULL);
	}
	return 0;
}

/* Creates the intent of a pending row once: claim, Stripe, record. A
 * concurrent submission of the same row waits for the first's outcome. */
static int
attempt_intent_run(const struct sp *sp, int64_t payment_id, const char *customer,
    int force, struct sp_result *out)
{
	struct create_args c;
	int rc, waited = 0;

	memset(&c, 0, sizeof(c));
	c.sp = sp;
	c.payment_id = payment_id;
	c.customer = customer;
	c.force = force;
	if (db_tx(sp->db, claim_tx, &c) != DB_OK)
		return SP_DB;
	if (c.found && !c.done && !c.claimed) {
		waited = 1;
		if ((rc = claim_wait(&c)) == -1)
			return SP_DB;
		c.uncertain = rc == 0;
	}
	if (!c.found)
		return SP_NOT_FOUND;
	if (c.claimed) {
		create_call(&c);
		rc = record_run(&c);
		if (rc != DB_OK)
			return SP_DB;
	} else if (waited && c.done && sp_payment_read(sp->db, payment_id, &c.row,
	    &c.found) != DB_OK)
		return SP_DB;
	if (c.out.cancel && c.row.intent[0])
		sp_cancel_intent(sp, c.row.id, c.row.intent);
	sp_result_from(out, &c.row);
	(void)str_copy(out->client_secret, sizeof(out->client_secret), c.client_secret);
	if (c.uncertain && c.row.intent[0] == '\0' &&
	    strcmp(c.row.status, "pending") == 0) {
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer in time. The payment is checked again automatically; do "
		    "not take it again before it shows as failed.");
		return SP_STRIPE;
	}
	/* A page payment another submission made: its client secret. */
	if (!c.claimed && c.row.intent[0] && strcmp(c.row.status, "pending") == 0 &&
	    c.row.payment_method_id == 0 && strcmp(c.row.stripe_status,
	    "processing") != 0)
		return intent_secret(sp, c.row.intent, out);
	return SP_OK;
}

static int
attempt_intent(const struct sp *sp, int64_t payment_id, const char *customer,
    struct sp_result *out)
{
	return attempt_intent_run(sp, payment_id, customer, 0, out);
}

static int
start_check(const struct sp_start *q, const char *method,
    const struct sp_consent_req *consent, char *msg, size_t msgsz)
{
	struct alloc_req plan[SP_PLAN_MAX];
	int64_t sum = 0;
	size_t n;
	int a;

	if (strcmp(method, "card") != 0 && strcmp(method, "ach") != 0)
		sp_msg(msg, msgsz, "Method must be card or ach.");
	else if (q->amount < 1 || q->amount > SP_AMOUNT_MAX)
		sp_msg(msg, msgsz, "Amount must be between $0.01 and $999,999.99.");
	else if (!sp_attempt_key_ok(q->attempt_key))
		sp_msg(msg, msgsz, "The form is missing its attempt key. Reload the "
		    "page and try again.");
	else if (stripe_pay_plan_parse(q->alloc_plan, &a, plan, ARRAY_LEN(plan),
	    &n) == -1)
		sp_msg(msg, msgsz, "The allocation is not valid.");
	else if (q->memo != NULL && strlen(q->memo) > 500)
		sp_msg(msg, msgsz, "The description is too long (500 characters).");
	else if (consent != NULL && sp_consent_check(consent, msg, msgsz) == -1)
		;	/* msg set */
	else {
		for (size_t i = 0; i < n; i++)
			sum += plan[i].amount;
		if (sum <= q->amount)
			return 0;
		sp_msg(msg, msgsz, "The allocations add up to more than the amount.");
	}
	return -1;
}

/* Common path of start and charge_saved after the method checks. */
static int
attempt_run(const struct sp *sp, const struct sp_start *q, const char *method,
    const struct sp_consent_req *consent, struct sp_result *out)
{
	struct attempt a;
	struct sp_payment row;
	char customer[65];
	int rc, found = 0;

	memset(&a, 0, sizeof(a));
	a.sp = sp;
	a.req = q;
	a.consent = consent;
	a.method = method;
	if ((rc = attempt_row(&a)) != SP_OK) {
		(void)str_copy(out->message, sizeof(out->message), a.msg[0] ? a.msg :
		    "The payment could not be saved. Please try again.");
		if (rc == SP_BUSY) {
			out->busy_payment_id = a.rv.busy_payment_id;
			out->busy_amount = a.rv.busy_amount;
			(void)str_copy(out->busy_invoice, sizeof(out->busy_invoice),
			    a.rv.busy_invoice);
		}
		return rc;
	}
	out->payment_id = a.payment_id;
	if (sp_payment_read(sp->db, a.payment_id, &row, &found) != DB_OK || !found)
		return SP_DB;
	if (row.intent[0] != '\0' || strcmp(row.status, "pending") != 0) {
		/* A resubmission: report, and for a pending page payment hand
		 * back the intent's client secret again. */
		sp_result_from(out, &row);
		if (row.intent[0] && strcmp(row.status, "pending") == 0 &&
		    row.payment_method_id == 0)
			return intent_secret(sp, row.intent, out);
		return SP_OK;
	}
	if ((rc = stripe_pay_customer(sp, q->account_id, customer,
	    sizeof(customer))) != SP_OK) {
		sp_result_from(out, &row);
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer. Nothing was charged; please try again in a moment.");
		return rc;
	}
	return attempt_intent(sp, a.payment_id, customer, out);
}

int
stripe_pay_start_consent(const struct sp *sp, const struct sp_start *q,
    const struct sp_consent_req *consent, struct sp_result *out)
{
	struct sp_start req = *q;

	memset(out, 0, sizeof(*out));
	req.payment_method_id = 0;
	if (!req.save_method)
		consent = NULL;
	if (start_check(&req, q->method ? q->method : "", consent, out->message,
	    sizeof(out->message)) == -1)
		return SP_INVALID;
	return attempt_run(sp, &req, q->method, consent, out);
}

int
stripe_pay_start(const struct sp *sp, const struct sp_start *q,
    struct sp_result *out)
{
	return stripe_pay_start_consent(sp, q, NULL, out);
}

/* A saved-method charge its consents do not cover. A twin submission of
 * the same form may have been recorded since we looked (answer with it),
 * or money may be held by a payment in flight (say so, with its link);
 * otherwise the consent's reason stands. */
static int
charge_refused(const struct sp *sp, const struct sp_start *req,
    struct sp_result *out)
{
	int64_t seen = 0, held = 0, busy = 0;
	char amt[MONEY_FMT_MAX];

	if (store_payment_by_attempt(sp->db, req->attempt_key, &seen) != DB_OK)
		return SP_DB;
	if (seen) {
		memset(out, 0, sizeof(*out));
		return attempt_run(sp, req, req->method, NULL, out);
	}
	if (stripe_pay_reserved(sp->db, req->account_id, 0, &held, &busy) != SP_OK)
		return SP_DB;
	if (held <= 0 || busy == 0)
		return SP_NO_CONSENT;	/* out->message says why */
	out->busy_payment_id = busy;
	out->busy_amount = held;
	money_format(held, amt, sizeof(amt));
	(void)str_fmt(out->message, sizeof(out->message), "A payment of %s for "
	    "this account is already in progress.", amt);
	return SP_BUSY;
}

static int charge_saved_run(const struct sp *, const struct sp_start *,
    int64_t plan_id, struct sp_result *);

int
stripe_pay_charge_saved(const struct sp *sp, const struct sp_start *q,
    struct sp_result *out)
{
	return charge_saved_run(sp, q, 0, out);
}

int
stripe_pay_charge_installment(const struct sp *sp, const struct sp_start *q,
    int64_t plan_id, struct sp_result *out)
{
	if (plan_id <= 0)
		return SP_INVALID;
	return charge_saved_run(sp, q, plan_id, out);
}

/* plan_id != 0: a plan's installment, whatever cfg says it needs a consent
 * scoped to that plan covering the amount. */
static int
charge_saved_run(const struct sp *sp, const struct sp_start *q, int64_t plan_id,
    struct sp_result *out)
{
	struct sp_start req = *q;
	char pm[65], kind[16];
	int active = 0, rc;

	memset(out, 0, sizeof(*out));
	req.save_method = 0;
	if (method_stripe_id(sp->db, q->payment_method_id, q->account_id, pm,
	    sizeof(pm), kind, sizeof(kind), &active) != DB_OK)
		return SP_DB;
	if (!active) {
		sp_msg(out->message, sizeof(out->message),
		    "That saved payment method is not on this account.");
		return SP_NOT_FOUND;
	}
	req.method = strcmp(kind, "us_bank_account") == 0 ? "ach" : "card";
	if (start_check(&req, req.method, NULL, out->message,
	    sizeof(out->message)) == -1)
		return SP_INVALID;
	if (sp->cfg->consent_required || plan_id != 0) {
		int64_t seen = 0;
		/* A resubmission of a charge already made is answered below. */
		if (store_payment_by_attempt(sp->db, q->attempt_key, &seen) != DB_OK)
			return SP_DB;
		if (!seen) {
			rc = plan_id != 0 ? stripe_pay_consent_covers_installment(
			    sp->db, q->payment_method_id, plan_id, q->amount,
			    out->message, sizeof(out->message)) :
			    stripe_pay_consent_covers(sp->db, q->payment_method_id,
			    q->amount, out->message, sizeof(out->message));
			if (rc < 0)
				return SP_DB;
			if (rc == 0)
				return charge_refused(sp, &req, out);
		}
	}
	return attempt_run(sp, &req, req.method, NULL, out);
}

int
stripe_pay_refresh(const struct sp *sp, int64_t payment_id, struct sp_result *out)
{
	struct sp_payment row;
	struct stripe_payment_intent pi;
	struct stripe_error err;
	char customer[65];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sp_stripe_payment_fresh(sp, payment_id, &row)) != SP_OK)
		return rc;
	if (row.intent[0] == '\0') {
		if (strcmp(row.status, "pending") != 0) {
			sp_result_from(out, &row);
			return SP_OK;
		}
		if ((rc = stripe_pay_customer(sp, row.account_id, customer,
		    sizeof(customer))) != SP_OK)
			return rc;
		/* Whoever claimed it may have died: the same key replays. */
		return attempt_intent_run(sp, payment_id, customer, 1, out);
	}
	if (gateway_attempt_retrieve(sp->stripe, row.intent, &pi, &err) == -1) {
		log_warn("stripe: retrieve %s: %s %s", row.intent, err.code,
		    err.message);
		sp_result_from(out, &row);
		(void)str_copy(out->message, sizeof(out->message),
		    stripe_error_friendly(&err));
		return SP_STRIPE;
	}
	return stripe_pay_settle(sp, payment_id, &pi, 1, out);
}
