/* Webhook events: the event id is stored in the same transaction as its
 * effect, so a duplicate (or a retry after we answered) changes nothing.
 * Events may arrive late, twice or out of order: settlement never moves a
 * payment backwards, and what we cannot judge from the event we ask
 * Stripe (the transaction is rolled back, the object fetched, and the
 * transaction run again). */
#include "common.h"

#include <json-c/json.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "kv.h"
#include "str.h"
#include "stripe.h"
#include "stripe_event.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"

enum ev_need { NEED_NONE, NEED_PI, NEED_PM, NEED_REFUNDS };

struct ev_args {
	const struct sp		*sp;
	struct stripe_event	*ev;
	/* Fetched from Stripe on an earlier round (owned). */
	struct json_object	*pi;
	struct json_object	*pm;
	struct json_object	*refunds;
	enum ev_need		 need;
	char			 need_id[256];
	int			 duplicate;
	int			 ignored;
	int			 cancel;
	int64_t			 cancel_payment;
	char			 cancel_intent[65];
	char			 outcome[200];
};

typedef int (*ev_fn)(struct db *, struct ev_args *);

static int
need(struct ev_args *a, enum ev_need what, const char *id)
{
	a->need = what;
	(void)str_copy(a->need_id, sizeof(a->need_id), id ? id : "");
	return SP_TX_NEED;
}

static int
ignore(struct ev_args *a, const char *why)
{
	a->ignored = 1;
	(void)str_copy(a->outcome, sizeof(a->outcome), why);
	return DB_OK;
}

/* payment_intent.succeeded / .payment_failed / .canceled / .processing */
static int
ev_intent(struct db *db, struct ev_args *a)
{
	struct json_object *pi = a->pi ? a->pi : a->ev->object;
	/* Authoritative only when fetched from Stripe (a->pi): the event body
	 * alone never posts money (sp_settle_row asks for the retrieve). */
	struct sp_settle_in in = { pi, a->pi != NULL, a->pm, NULL };
	struct sp_settle_out out;
	struct sp_payment row;
	const char *intent = stripe_obj_str(pi, "id");
	int64_t id = 0;
	int rc, found = 0;

	if (intent == NULL)
		return ignore(a, "no intent id");
	if ((rc = sp_payment_by_intent(db, intent, &id)) != DB_OK)
		return rc;
	if (id == 0)
		id = a->ev->payment_id;
	if (id == 0)
		return ignore(a, "not one of our payments");
	if ((rc = sp_payment_lock(db, id, &row, &found)) != DB_OK)
		return rc;
	if (!found || (strcmp(row.method, "card") != 0 && strcmp(row.method, "ach") != 0))
		return ignore(a, "not one of our payments");
	if (row.intent[0] != '\0' && strcmp(row.intent, intent) != 0)
		return ignore(a, "another intent of the payment");
	/* Our row has no intent id yet (its insert is in flight or its
	 * worker died): judge by Stripe's current state, not the event. */
	if (row.intent[0] == '\0' && a->pi == NULL)
		return need(a, NEED_PI, intent);
	memset(&out, 0, sizeof(out));
	rc = sp_settle_notify(db, a->sp, &row, &in, &out);
	if (rc == SP_TX_NEED && out.need_pi)
		return need(a, NEED_PI, intent);
	if (rc == SP_TX_NEED)
		return need(a, NEED_PM, out.need_pm);
	if (out.cancel) {
		a->cancel = 1;
		a->cancel_payment = row.id;
		(void)str_copy(a->cancel_intent, sizeof(a->cancel_intent), intent);
	}
	(void)str_fmt(a->outcome, sizeof(a->outcome), "payment %" PRId64 ": %s",
	    row.id, out.note);
	return rc;
}

/* setup_intent.succeeded: the method is recorded (if the page did not). */
static int
ev_setup(struct db *db, struct ev_args *a)
{
	struct json_object *si = a->ev->object;
	const char *cus = stripe_obj_str(si, "customer");
	const char *st = stripe_obj_str(si, "status");
	struct json_object *pmv = stripe_obj_get(si, "payment_method");
	struct json_object *pm = NULL;
	const char *pm_id = NULL;
	int64_t account_id = 0, id = 0;
	int rc;

	if (cus == NULL || st == NULL || strcmp(st, "succeeded") != 0 || pmv == NULL)
		return ignore(a, "no succeeded setup with a method");
	if ((rc = sp_customer_account(db, cus, &account_id)) != DB_OK)
		return rc;
	if (account_id == 0)
		return ignore(a, "customer is not ours");
	if (json_object_is_type(pmv, json_type_object)) {
		pm = pmv;
		pm_id = stripe_obj_str(pmv, "id");
	} else
		pm_id = json_object_get_string(pmv);
	if (pm == NULL && a->pm != NULL && pm_id != NULL &&
	    stripe_obj_str(a->pm, "id") != NULL &&
	    strcmp(stripe_obj_str(a->pm, "id"), pm_id) == 0)
		pm = a->pm;
	if (pm == NULL) {
		struct db_param p[] = { DB_STR(pm_id ? pm_id : "") };
		struct db_result r;
		if ((rc = db_query(db, "SELECT id FROM payment_methods WHERE"
		    " stripe_pm_id = ?", p, 1, &r)) != DB_OK) {
			db_result_free(&r);
			return rc;
		}
		id = r.nrows == 1 ? db_i64(&r, 0, 0) : 0;
		db_result_free(&r);
		if (id != 0) {
			(void)str_fmt(a->outcome, sizeof(a->outcome), "method %" PRId64
			    " already recorded", id);
			return DB_OK;
		}
		return need(a, NEED_PM, pm_id);
	}
	if (stripe_obj_str(pm, "customer") != NULL &&
	    strcmp(stripe_obj_str(pm, "customer"), cus) != 0)
		return ignore(a, "method belongs to another customer");
	if ((rc = sp_method_record(db, a->sp->actor, account_id, pm, &id)) != DB_OK)
		return rc;
	(void)str_fmt(a->outcome, sizeof(a->outcome), "method %" PRId64 " recorded", id);
	return DB_OK;
}

/* Refund events may overtake the payment's own: settle it from Stripe's
 * current state first (refunds apply to succeeded payments only). */
static int
ensure_settled(struct db *db, struct ev_args *a, struct sp_payment *row)
{
	struct sp_settle_in in = { a->pi, 1, a->pm, NULL };
	struct sp_settle_out out;
	int rc;

	if (strcmp(row->status, "succeeded") == 0)
		return DB_OK;
	if (a->pi == NULL)
		return need(a, NEED_PI, row->intent);
	memset(&out, 0, sizeof(out));
	rc = sp_settle_notify(db, a->sp, row, &in, &out);
	if (rc == SP_TX_NEED)
		return need(a, NEED_PM, out.need_pm);
	if (rc == DB_OK && out.cancel) {
		a->cancel = 1;
		a->cancel_payment = row->id;
		(void)str_copy(a->cancel_intent, sizeof(a->cancel_intent), row->intent);
	}
	return rc;
}

/* The locked, succeeded payment of a refund/charge event's intent; *id = 0
 * (and the outcome says why) when there is none. */
static int
refund_payment(struct db *db, struct ev_args *a, struct sp_payment *row, int64_t *id)
{
	const char *intent = a->ev->payment_intent;
	int rc, found = 0;

	*id = 0;
	if (intent == NULL)
		return ignore(a, "no intent");
	if ((rc = sp_payment_by_intent(db, intent, id)) != DB_OK)
		return rc;
	if (*id == 0)
		return ignore(a, "not one of our payments");
	if ((rc = sp_payment_lock(db, *id, row, &found)) != DB_OK || !found) {
		*id = 0;
		return rc;
	}
	if ((rc = ensure_settled(db, a, row)) != DB_OK) {
		*id = 0;
		return rc;
	}
	if (strcmp(row->status, "succeeded") != 0) {
		*id = 0;
		return ignore(a, "payment not succeeded");
	}
	return DB_OK;
}

/* refund.created / refund.updated / charge.refund.updated / charge.refunded:
 * the refunds of the intent as Stripe lists them (fetched outside the
 * transaction), never the event's own object: a refund Stripe does not
 * hold changes nothing. */
static int
ev_refunds(struct db *db, struct ev_args *a)
{
	const char *intent = a->ev->payment_intent;
	struct json_object *list;
	struct sp_payment row;
	int64_t id;
	int rc, applied = 0;

	if ((rc = refund_payment(db, a, &row, &id)) != DB_OK || id == 0)
		return rc;
	if ((list = stripe_obj_get(a->refunds, "data")) == NULL)
		return need(a, NEED_REFUNDS, intent);
	if ((rc = sp_refunds_apply(db, a->sp->actor, &row, list, &applied)) != DB_OK)
		return rc;
	(void)str_fmt(a->outcome, sizeof(a->outcome), "payment %" PRId64 ": %d refund(s)"
	    " recorded", row.id, applied);
	return DB_OK;
}

/* charge.dispute.created: the payment is flagged for staff. */
static int
ev_dispute(struct db *db, struct ev_args *a)
{
	const char *intent = a->ev->payment_intent;
	const char *reason = stripe_obj_str(a->ev->object, "reason");
	struct sp_payment row;
	char detail[200];
	int64_t id = 0;
	int rc, found = 0;

	if (intent == NULL)
		return ignore(a, "dispute without an intent");
	if ((rc = sp_payment_by_intent(db, intent, &id)) != DB_OK)
		return rc;
	if (id == 0)
		return ignore(a, "not one of our payments");
	if ((rc = sp_payment_lock(db, id, &row, &found)) != DB_OK || !found)
		return rc;
	if (row.disputed) {
		(void)str_fmt(a->outcome, sizeof(a->outcome), "payment %" PRId64
		    " already disputed", id);
		return DB_OK;
	}
	{
		struct db_param p[] = { DB_I64(id) };
		if ((rc = db_exec(db, "UPDATE payments SET disputed = 1 WHERE id = ?",
		    p, 1, NULL, NULL)) != DB_OK)
			return rc;
	}
	(void)str_fmt(detail, sizeof(detail), "dispute %s opened (%s)",
	    a->ev->object_id, reason ? reason : "no reason given");
	(void)str_fmt(a->outcome, sizeof(a->outcome), "payment %" PRId64 " disputed", id);
	return audit_record(db, a->sp->actor, "payment.dispute", "payment", id, detail);
}

/* payment_method.detached: removed (e.g. in the Stripe dashboard). */
static int
ev_detached(struct db *db, struct ev_args *a)
{
	struct db_param p[] = { DB_STR(a->ev->object_id) };
	struct db_result r;
	int64_t id;
	int rc, changed = 0;

	rc = db_query(db, "SELECT id FROM payment_methods WHERE stripe_pm_id = ?",
	    p, 1, &r);
	id = rc == DB_OK && r.nrows == 1 ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	if (id == 0)
		return ignore(a, "method not recorded");
	if ((rc = sp_method_mark_removed(db, a->sp->actor, id, &changed)) != DB_OK)
		return rc;
	(void)str_fmt(a->outcome, sizeof(a->outcome), "method %" PRId64 " %s", id,
	    changed ? "removed" : "already removed");
	return DB_OK;
}

static const struct {
	const char	*type;
	ev_fn		 fn;
} ev_handlers[] = {
	{ "payment_intent.succeeded", ev_intent },
	{ "payment_intent.payment_failed", ev_intent },
	{ "payment_intent.canceled", ev_intent },
	{ "payment_intent.processing", ev_intent },
	{ "setup_intent.succeeded", ev_setup },
	{ "charge.refunded", ev_refunds },
	{ "refund.created", ev_refunds },
	{ "refund.updated", ev_refunds },
	{ "charge.refund.updated", ev_refunds },
	{ "charge.dispute.created", ev_dispute },
	{ "payment_method.detached", ev_detached },
};

static int
event_tx(struct db *db, void *arg)
{
	struct ev_args *a = arg;
	struct stripe_event *ev = a->ev;
	char object_id[65];
	int rc = DB_OK;

	a->duplicate = a->ignored = a->cancel = 0;
	a->need = NEED_NONE;
	a->outcome[0] = '\0';
	(void)str_copy(object_id, sizeof(object_id), ev->object_id);
	{
		char type[65];
		(void)str_copy(type, sizeof(type), ev->type);
		struct db_param p[] = { DB_STR(ev->id), DB_STR(type), DB_STR(object_id),
		    DB_I64(clock_now()) };
		rc = db_exec(db, "INSERT INTO stripe_events (id, type, object_id,"
		    " received_at) VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
		if (rc == DB_DUP)
			a->duplicate = 1;
		if (rc != DB_OK)
			return rc;
	}
	size_t i;
	for (i = 0; i < ARRAY_LEN(ev_handlers); i++)
		if (strcmp(ev_handlers[i].type, ev->type) == 0)
			break;
	if (i == ARRAY_LEN(ev_handlers))
		rc = ignore(a, "event type not handled");
	else
		rc = ev_handlers[i].fn(db, a);
	if (rc != DB_OK)
		return rc;
	{
		struct db_param p[] = { DB_STR(a->outcome), DB_STR(ev->id) };
		return db_exec(db, "UPDATE stripe_events SET outcome = ? WHERE id = ?",
		    p, 2, NULL, NULL);
	}
}

/* Fetches what the transaction asked for. 0 / -1. */
static int
ev_fetch(struct ev_args *a)
{
	struct stripe_result r;
	struct json_object **slot;
	int rc;

	switch (a->need) {
	case NEED_PI:
		slot = &a->pi;
		rc = stripe_payment_intent_retrieve(a->sp->stripe, a->need_id, &r);
		break;
	case NEED_PM:
		slot = &a->pm;
		rc = sp_stripe_retrieve(a->sp, "payment_methods", a->need_id, &r);
		break;
	case NEED_REFUNDS: {
		struct kvlist q;
		slot = &a->refunds;
		kvlist_init(&q);
		if (kvlist_add(&q, "payment_intent", a->need_id) == -1 ||
		    kvlist_add(&q, "limit", "100") == -1) {
			kvlist_free(&q);
			return -1;
		}
		rc = stripe_get(a->sp->stripe, "/v1/refunds", &q, &r);
		kvlist_free(&q);
		break;
	}
	default:
		return -1;
	}
	if (rc == -1) {
		log_warn("stripe: event %s: fetching %s: %s %s", a->ev->id, a->need_id,
		    r.code, r.message);
		stripe_result_free(&r);
		return -1;
	}
	if (*slot != NULL)
		json_object_put(*slot);
	*slot = r.json;
	r.json = NULL;
	stripe_result_free(&r);
	return 0;
}

enum sp_event_result
stripe_pay_event(const struct sp *sp, const char *body, size_t len, char *outcome,
    size_t outcomesz)
{
	struct stripe_event ev;
	struct ev_args a;
	enum sp_event_result res = SP_EVENT_RETRY;
	int rc = DB_ERR;

	sp_msg(outcome, outcomesz, "");
	if (stripe_event_parse(body, len, &ev) == -1) {
		sp_msg(outcome, outcomesz, "not a Stripe event");
		return SP_EVENT_BAD;
	}
	memset(&a, 0, sizeof(a));
	a.sp = sp;
	a.ev = &ev;
	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		rc = db_tx(sp->db, event_tx, &a);
		if (rc != SP_TX_NEED)
			break;
		if (ev_fetch(&a) == -1) {
			(void)str_copy(a.outcome, sizeof(a.outcome),
			    "Stripe unreachable; retry later");
			break;
		}
	}
	if (rc == DB_OK)
		res = a.ignored ? SP_EVENT_IGNORED : SP_EVENT_APPLIED;
	else if (rc == DB_DUP && a.duplicate) {
		res = SP_EVENT_DUPLICATE;
		(void)str_copy(a.outcome, sizeof(a.outcome), "duplicate");
	} else if (rc != SP_TX_NEED)
		(void)str_copy(a.outcome, sizeof(a.outcome), "database error");
	if (rc == DB_OK && a.cancel)
		sp_cancel_intent(sp, a.cancel_payment, a.cancel_intent);
	sp_msg(outcome, outcomesz, a.outcome);
	if (a.pi)
		json_object_put(a.pi);
	if (a.pm)
		json_object_put(a.pm);
	if (a.refunds)
		json_object_put(a.refunds);
	stripe_event_free(&ev);
	return res;
}
