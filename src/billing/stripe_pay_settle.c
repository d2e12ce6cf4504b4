/* Settlement of card/ACH payments: one function for every path (page
 * callback, webhook, reconciliation) moves a payment row from a PaymentIntent. */
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
#include "store_method.h"
#include "store_payment.h"
#include "gateway.h"

/* --- settlement ------------------------------------------------------------- */

/* The row (stored already) moved to status: audited, and row updated. */
static int
row_moved(struct db *db, const struct actor *actor, struct sp_payment *row,
    const char *status, const char *stripe_status, const char *code,
    const char *message)
{
	int settled = strcmp(status, "pending") != 0;
	char detail[700];
	int rc;

	if (strcmp(row->status, status) != 0) {
		(void)str_fmt(detail, sizeof(detail), "%s %s -> %s (Stripe %s%s%s)",
		    row->intent[0] ? row->intent : "no intent", row->status, status,
		    stripe_status, code[0] ? ", " : "", code);
		if ((rc = audit_record(db, actor, settled ? "payment.settle" :
		    "payment.reopen", "payment", row->id, detail)) != DB_OK)
			return rc;
	}
	(void)str_copy(row->status, sizeof(row->status), status);
	(void)str_copy(row->stripe_status, sizeof(row->stripe_status), stripe_status);
	(void)str_copy(row->failure_code, sizeof(row->failure_code), code);
	(void)str_copy(row->failure_message, sizeof(row->failure_message), message);
	return DB_OK;
}

/* The row moves to status with Stripe's status and a failure, if any. */
int
sp_row_update(struct db *db, const struct actor *actor, struct sp_payment *row,
    const char *status, const char *stripe_status, const char *code,
    const char *message)
{
	int settled = strcmp(status, "pending") != 0;
	int rc = store_payment_set_status(db, row->id, status, stripe_status, code,
	    message, settled ? clock_now() : 0);

	if (rc != DB_OK)
		return rc;
	return row_moved(db, actor, row, status, stripe_status, code, message);
}

static int
row_stripe_status(struct db *db, struct sp_payment *row, const char *stripe_status)
{
	if (strcmp(row->stripe_status, stripe_status) == 0)
		return DB_OK;
	(void)str_copy(row->stripe_status, sizeof(row->stripe_status), stripe_status);
	return store_payment_set_stripe_status(db, row->id, stripe_status);
}

/* The PaymentMethod details for saving: the PI's expanded object, or the
 * fetched one. NULL when they must be fetched. */
static const struct stripe_payment_method *
settle_pm(const struct sp_settle_in *in, const char **pm_id)
{
	*pm_id = NULL;
	if (in->pi->has_payment_method) {
		*pm_id = in->pi->payment_method.id;
		return &in->pi->payment_method;
	}
	if (in->pi->payment_method_id[0] == '\0')
		return NULL;
	*pm_id = in->pi->payment_method_id;
	if (in->pm != NULL && strcmp(in->pm->id, *pm_id) == 0)
		return in->pm;
	return NULL;
}

/* pending|failed -> succeeded: posted and allocated in this transaction. */
static int
mark_succeeded(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct sp_settle_in *in, struct sp_settle_out *out)
{
	struct alloc_req plan[SP_PLAN_MAX];
	struct ledger_entry e;
	const struct stripe_payment_method *pm = NULL;
	const char *pm_id = NULL;
	int64_t method_id = 0, moved = 0;
	char today[11];
	size_t n = 0;
	int auto_alloc = 1, rc;

	if (row->save_method && row->payment_method_id == 0) {
		pm = settle_pm(in, &pm_id);
		if (pm_id != NULL && (rc = store_method_by_stripe_id(db, pm_id,
		    &method_id)) != DB_OK)
			return rc;
		if (pm_id != NULL && method_id == 0 && pm == NULL) {
			(void)str_copy(out->need_pm, sizeof(out->need_pm), pm_id);
			return SP_TX_NEED;
		}
	}
	if (date_fmt(date_today(), today, sizeof(today)) == -1)
		return DB_ERR;
	/* one UPDATE: status and the date received */
	if ((rc = store_payment_set_succeeded(db, row->id, today,
	    clock_now())) != DB_OK || (rc = row_moved(db, actor, row, "succeeded",
	    "succeeded", "", "")) != DB_OK)
		return rc;
	memset(&e, 0, sizeof(e));
	(void)str_copy(e.kind, sizeof(e.kind), ledger_kind_names[LK_PAYMENT]);
	e.amount = -row->amount;
	(void)str_copy(e.entry_date, sizeof(e.entry_date), today);
	e.account_id = row->account_id;
	e.client_id = row->client_id;
	e.payment_id = row->id;
	(void)str_fmt(e.memo, sizeof(e.memo), "%s %s", row->method, row->intent);
	if ((rc = ledger_post(db, &e, sp_staff_id(actor), NULL)) != DB_OK)
		return rc;
	if (stripe_pay_plan_parse(row->alloc_plan, &auto_alloc, plan,
	    ARRAY_LEN(plan), &n) == -1) {
		log_warn("payment %" PRId64 ": bad allocation plan, allocating"
		    " automatically", row->id);
		auto_alloc = 1;
	}
	if ((rc = payment_apply_plan(db, actor, row->id, row->account_id,
	    auto_alloc, plan, n, &moved)) != DB_OK)
		return rc;
	if (pm != NULL && method_id == 0 &&
	    (rc = sp_method_record(db, actor, row->account_id, pm, &method_id)) != DB_OK)
		return rc;
	if (method_id != 0) {
		if ((rc = store_payment_set_method(db, row->id, method_id)) != DB_OK)
			return rc;
		row->payment_method_id = method_id;
		/* The authorization given with the payment, with the method. */
		if ((rc = sp_payment_consent(db, actor, in->cfg, row,
		    method_id)) != DB_OK)
			return rc;
	}
	out->changed = 1;
	(void)str_fmt(out->note, sizeof(out->note), "succeeded: posted %" PRId64
	    " cents, allocated %" PRId64, row->amount, moved);
	return DB_OK;
}

/* The failure Stripe reports on a PaymentIntent. */
static void
pi_failure(const struct stripe_payment_intent *pi, char *code, size_t codesz,
    const char **msg)
{
	const struct stripe_last_error *e = &pi->last_payment_error;

	(void)str_copy(code, codesz, stripe_last_error_code(e, "payment_failed"));
	*msg = stripe_reason_message(stripe_last_error_reason(e));
}

/* The intent is for another amount or currency than the row: logged and
 * audited, nothing else changes (note says why). 1 mismatch, 0 not,
 * db_status (< 0) on error. */
static int
pi_mismatch(struct db *db, const struct actor *actor, const struct sp_payment *row,
    const struct stripe_payment_intent *pi, struct sp_settle_out *out)
{
	const char *cur = pi->currency;
	int64_t amount = pi->amount;
	char detail[300];
	int rc;

	/* A succeeded intent must also have received the whole amount. */
	if (strcmp(pi->status, "succeeded") == 0 && pi->amount_received >= 0)
		amount = pi->amount_received;
	if (strcasecmp(cur, SP_CURRENCY) == 0 && amount == row->amount)
		return 0;
	(void)str_fmt(detail, sizeof(detail), "%s is for %" PRId64 " %s, not %"
	    PRId64 " %s: not settled", pi->id, amount, cur[0] ? cur : "(no currency)",
	    row->amount, SP_CURRENCY);
	log_err("payment %" PRId64 ": intent %s", row->id, detail);
	(void)str_copy(out->note, sizeof(out->note), amount != row->amount ?
	    "amount mismatch" : "currency mismatch");
	rc = audit_record(db, actor, "payment.mismatch", "payment", row->id, detail);
	return rc != DB_OK ? rc : 1;
}

/* Is this intent the row's, for the amount and currency it charges? The
 * row adopts it (its intent id recorded) when it is. 1 yes, 0 no (note
 * says why), db_status (< 0) on error. */
static int
settle_adopt(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct stripe_payment_intent *pi, struct sp_settle_out *out)
{
	int rc;

	if (pi->id[0] == '\0' || pi->status[0] == '\0' || pi->amount < 0) {
		(void)str_copy(out->note, sizeof(out->note), "not a PaymentIntent");
		return 0;
	}
	if (row->intent[0] == '\0') {
		/* Adopt only our own intent: its metadata names this row. */
		if (pi->metadata_payment_id != row->id) {
			(void)str_copy(out->note, sizeof(out->note),
			    "intent is not this payment's");
			return 0;
		}
	} else if (strcmp(row->intent, pi->id) != 0) {
		(void)str_copy(out->note, sizeof(out->note), "another intent");
		return 0;
	}
	/* Every path, before anything moves: Stripe's amount and currency. */
	if ((rc = pi_mismatch(db, actor, row, pi, out)) != 0)
		return rc < 0 ? rc : 0;
	if (row->intent[0] == '\0') {
		if ((rc = store_payment_set_intent(db, row->id, pi->id)) != DB_OK)
			return rc;
		(void)str_copy(row->intent, sizeof(row->intent), pi->id);
	}
	return 1;
}

/* requires_payment_method with an error: the row fails with the reason. */
static int
settle_failed(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct sp_settle_in *in, struct sp_settle_out *out)
{
	int pending = strcmp(row->status, "pending") == 0;
	const char *msg;
	char code[65];
	int rc;

	pi_failure(in->pi, code, sizeof(code), &msg);
	/* A failed row keeps its first reason unless this is Stripe's
	 * current state (a later attempt on the same intent). */
	if (!pending && !in->authoritative) {
		(void)str_copy(out->note, sizeof(out->note), "already failed");
		return DB_OK;
	}
	if ((rc = sp_row_update(db, actor, row, "failed", in->pi->status, code,
	    msg)) != DB_OK)
		return rc;
	out->changed = pending;
	(void)str_fmt(out->note, sizeof(out->note), "failed: %s", code);
	return DB_OK;
}

/* processing, requires_action (on-session), requires_confirmation,
 * requires_payment_method without an error: still pending. A failed row
 * goes back to pending only on Stripe's current state. */
static int
settle_pending(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct sp_settle_in *in, struct sp_settle_out *out)
{
	const char *st = in->pi->status;
	int rc;

	if (strcmp(row->status, "failed") == 0) {
		if (!in->authoritative) {
			(void)str_fmt(out->note, sizeof(out->note),
			    "ignored %s (failed)", st);
			return DB_OK;
		}
		rc = sp_row_update(db, actor, row, "pending", st, "", "");
		out->changed = 1;
	} else
		rc = row_stripe_status(db, row, st);
	(void)str_fmt(out->note, sizeof(out->note), "pending: %s", st);
	return rc;
}

int
sp_settle_row(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct sp_settle_in *in, struct sp_settle_out *out)
{
	const char *st = in->pi->status;
	int pending = strcmp(row->status, "pending") == 0;
	int failed = strcmp(row->status, "failed") == 0;
	int off_session = row->payment_method_id != 0 && pending;
	int rc;

	if ((rc = settle_adopt(db, actor, row, in->pi, out)) != 1)
		return rc < 0 ? rc : DB_OK;
	/* Terminal on our side: succeeded and canceled never move. */
	if (!pending && !failed) {
		(void)str_fmt(out->note, sizeof(out->note), "already %s", row->status);
		return DB_OK;
	}
	if (strcmp(st, "succeeded") == 0 && !in->authoritative) {
		/* An event's word is not enough to post money: ask Stripe. */
		out->need_pi = 1;
		return SP_TX_NEED;
	}
	if (strcmp(st, "succeeded") == 0)
		return mark_succeeded(db, actor, row, in, out);
	if (strcmp(st, "canceled") == 0) {
		if ((rc = sp_row_update(db, actor, row, "canceled", st,
		    in->pi->cancellation_reason, failed ? row->failure_message :
		    "The payment was canceled.")) != DB_OK)
			return rc;
		out->changed = 1;
		(void)str_copy(out->note, sizeof(out->note), "canceled");
		return DB_OK;
	}
	if (strcmp(st, "requires_payment_method") == 0 &&
	    in->pi->last_payment_error.present)
		return settle_failed(db, actor, row, in, out);
	if (strcmp(st, "requires_action") == 0 && off_session) {
		/* Nobody is there to authenticate an off-session charge. */
		if ((rc = sp_row_update(db, actor, row, "failed", st,
		    "authentication_required",
		    stripe_reason_message(STRIPE_REASON_AUTHENTICATION))) != DB_OK)
			return rc;
		out->changed = 1;
		out->cancel = 1;
		(void)str_copy(out->note, sizeof(out->note),
		    "failed: authentication required");
		return DB_OK;
	}
	return settle_pending(db, actor, row, in, out);
}

/* --- stripe_pay_settle / refresh -------------------------------------------- */

struct settle_args {
	const struct sp		*sp;
	int64_t			 payment_id;
	struct sp_settle_in	 in;
	struct sp_settle_out	 out;
	struct sp_payment	 row;
	int			 found;
	struct stripe_payment_intent fetched_pi;	/* retrieved intent */
	struct stripe_payment_method fetched_pm;	/* fetched method */
};

static int
settle_tx(struct db *db, void *arg)
{
	struct settle_args *a = arg;
	int64_t id = a->payment_id;
	int rc;

	memset(&a->out, 0, sizeof(a->out));
	if (id == 0) {
		const char *intent = a->in.pi->id;
		if (intent[0] && (rc = sp_payment_by_intent(db, intent, &id)) != DB_OK)
			return rc;
		if (id == 0)
			id = a->in.pi->metadata_payment_id;
	}
	if (id == 0) {
		a->found = 0;
		return DB_OK;
	}
	if ((rc = sp_payment_lock(db, id, &a->row, &a->found)) != DB_OK || !a->found)
		return rc;
	return sp_settle_notify(db, a->sp, &a->row, &a->in, &a->out);
}

int
sp_fetch_pm(const struct sp *sp, const char *pm_id, struct stripe_payment_method *pm)
{
	struct stripe_error err;
	int rc = gateway_method_retrieve(sp->stripe, pm_id, pm, &err);

	if (rc == -1)
		log_warn("stripe: payment method %s: %s %s", pm_id, err.code,
		    err.message);
	return rc;
}

/* Cancels an intent we gave up on (best effort; logged). */
void
sp_cancel_intent(const struct sp *sp, int64_t payment_id, const char *intent)
{
	struct stripe_payment_intent pi;
	struct stripe_error err;
	char key[64];

	(void)str_fmt(key, sizeof(key), "pi-cancel-%" PRId64, payment_id);
	if (gateway_attempt_cancel(sp->stripe, intent, key, &pi, &err) == -1)
		log_warn("stripe: cancel %s: %s %s", intent, err.code, err.message);
}

/* Retrieves the intent the transaction asked to confirm: from then on
 * the settle judges Stripe's own object. 0 / -1. */
static int
settle_fetch_pi(struct settle_args *a)
{
	struct stripe_payment_intent pi;
	struct stripe_error err;

	if (gateway_attempt_retrieve(a->sp->stripe, a->in.pi->id, &pi, &err) == -1) {
		log_warn("stripe: retrieve %s: %s %s", a->in.pi->id, err.code,
		    err.message);
		return -1;
	}
	a->fetched_pi = pi;
	a->in.pi = &a->fetched_pi;
	a->in.authoritative = 1;
	return 0;
}

/* Runs a settle transaction, fetching the PaymentMethod or confirming the
 * intent at Stripe when asked (outside the transaction). */
static int
settle_run(struct settle_args *a)
{
	int rc = DB_ERR;

	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		rc = db_tx(a->sp->db, settle_tx, a);
		if (rc != SP_TX_NEED)
			break;
		if (a->out.need_pi) {
			if (settle_fetch_pi(a) == -1)
				break;
			continue;
		}
		a->in.pm = NULL;
		if (sp_fetch_pm(a->sp, a->out.need_pm, &a->fetched_pm) == -1) {
			rc = SP_TX_NEED;
			break;
		}
		a->in.pm = &a->fetched_pm;
	}
	a->in.pm = NULL;
	a->in.pi = NULL;
	if (rc == DB_OK && a->out.cancel && a->row.intent[0])
		sp_cancel_intent(a->sp, a->row.id, a->row.intent);
	return rc;
}

int
stripe_pay_settle(const struct sp *sp, int64_t payment_id,
    const struct stripe_payment_intent *pi, int authoritative,
    struct sp_result *out)
{
	struct settle_args a;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	a.sp = sp;
	a.payment_id = payment_id;
	a.in.pi = pi;
	a.in.authoritative = authoritative;
	rc = settle_run(&a);
	if (rc == SP_TX_NEED) {
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer; the payment will be checked again automatically.");
		return SP_STRIPE;
	}
	if (rc != DB_OK)
		return SP_DB;
	if (!a.found)
		return SP_NOT_FOUND;
	sp_result_from(out, &a.row);
	return SP_OK;
}

int
sp_settle_notify(struct db *db, const struct sp *sp, struct sp_payment *row,
    struct sp_settle_in *in, struct sp_settle_out *out)
{
	int rc;

	if (in->cfg == NULL)
		in->cfg = sp->cfg;
	rc = sp_settle_row(db, sp->actor, row, in, out);
	if (rc != DB_OK)
		return rc;
	return portal_payment_settled(db, sp->cfg, row->id);
}
