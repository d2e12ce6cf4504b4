/* What each Stripe event type does to our rows (inside its transaction,
 * see stripe_pay_event.c): settle a payment from its intent, record a
 * method, refunds, disputes, detached methods. What cannot be judged from
 * the event is asked of Stripe (SP_TX_NEED: fetched outside the
 * transaction, which is run again). */
#include "common.h"

#include "audit.h"
#include "db.h"
#include "str.h"
#include "stripe_types.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "stripe_pay_event_int.h"
#include "store_stripe_event.h"

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

/* The locked payment of an intent event: the chunk's pre-read row, else by
 * the intent (or the event's metadata). *found 0 when none. */
static int
intent_payment(struct db *db, struct ev_args *a, const char *intent,
    struct sp_payment *row, int *found)
{
	int64_t id = 0;
	int rc;

	*found = 0;
	if (a->pre != NULL && strcmp(a->pre->intent, intent) == 0) {
		*row = *a->pre;
		a->pre = NULL;
		*found = 1;
		return DB_OK;
	}
	if ((rc = sp_payment_by_intent(db, intent, &id)) != DB_OK)
		return rc;
	if (id == 0)
		id = a->ev->payment_id;
	if (id == 0)
		return DB_OK;
	return sp_payment_lock(db, id, row, found);
}

/* payment_intent.succeeded / .payment_failed / .canceled / .processing */
static int
ev_intent(struct db *db, struct ev_args *a)
{
	const struct stripe_payment_intent *pi = a->pi ? a->pi :
	    a->ev->kind == STRIPE_OBJ_PAYMENT_INTENT ? &a->ev->obj.pi : NULL;
	/* Authoritative only when fetched from Stripe (a->pi): the event body
	 * alone never posts money (sp_settle_row asks for the retrieve). */
	struct sp_settle_in in = { pi, a->pi != NULL, a->pm, NULL };
	struct sp_settle_out out;
	struct sp_payment row;
	const char *intent = pi != NULL ? pi->id : "";
	int rc, found = 0;

	if (intent[0] == '\0')
		return ignore(a, "no intent id");
	if ((rc = intent_payment(db, a, intent, &row, &found)) != DB_OK)
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
	const struct stripe_setup_intent *si = &a->ev->obj.si;
	const char *cus = si->customer;
	const struct stripe_payment_method *pm = NULL;
	const char *pm_id = si->payment_method_id;
	int64_t account_id = 0, id = 0;
	int rc;

	if (a->ev->kind != STRIPE_OBJ_SETUP_INTENT || cus[0] == '\0' ||
	    strcmp(si->status, "succeeded") != 0 || pm_id[0] == '\0')
		return ignore(a, "no succeeded setup with a method");
	if ((rc = sp_customer_account(db, cus, &account_id)) != DB_OK)
		return rc;
	if (account_id == 0)
		return ignore(a, "customer is not ours");
	if (si->has_payment_method)
		pm = &si->payment_method;
	else if (a->pm != NULL && strcmp(a->pm->id, pm_id) == 0)
		pm = a->pm;
	if (pm == NULL) {
		if ((rc = store_stripe_event_method_id(db, pm_id, &id)) != DB_OK)
			return rc;
		if (id != 0) {
			(void)str_fmt(a->outcome, sizeof(a->outcome), "method %" PRId64
			    " already recorded", id);
			return DB_OK;
		}
		return need(a, NEED_PM, pm_id);
	}
	if (pm->customer[0] != '\0' && strcmp(pm->customer, cus) != 0)
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
	if (intent[0] == '\0')
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
	struct sp_payment row;
	int64_t id;
	int rc, applied = 0;

	if ((rc = refund_payment(db, a, &row, &id)) != DB_OK || id == 0)
		return rc;
	if (a->refunds == NULL)
		return need(a, NEED_REFUNDS, intent);
	if ((rc = sp_refunds_apply(db, a->sp->actor, &row, a->refunds,
	    &applied)) != DB_OK)
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
	const char *reason = a->ev->kind == STRIPE_OBJ_DISPUTE ?
	    a->ev->obj.dispute.reason : "";
	struct sp_payment row;
	char detail[200];
	int64_t id = 0;
	int rc, found = 0;

	if (intent[0] == '\0')
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
	if ((rc = store_stripe_event_dispute(db, id)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "dispute %s opened (%s)",
	    a->ev->object_id, reason[0] ? reason : "no reason given");
	(void)str_fmt(a->outcome, sizeof(a->outcome), "payment %" PRId64 " disputed", id);
	return audit_record(db, a->sp->actor, "payment.dispute", "payment", id, detail);
}

/* payment_method.detached: removed (e.g. in the Stripe dashboard). */
static int
ev_detached(struct db *db, struct ev_args *a)
{
	int64_t id;
	int rc, changed = 0;

	if ((rc = store_stripe_event_method_id(db, a->ev->object_id, &id)) != DB_OK)
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

/* The handler of an event type, or NULL. */
static ev_fn
ev_handler(const char *type)
{
	for (size_t i = 0; i < ARRAY_LEN(ev_handlers); i++)
		if (strcmp(ev_handlers[i].type, type) == 0)
			return ev_handlers[i].fn;
	return NULL;
}

/* The event's effect (its row is locked and due). */
int
sp_event_effect(struct db *db, struct ev_args *a)
{
	ev_fn fn = ev_handler(a->ev->type);

	return fn != NULL ? fn(db, a) : ignore(a, "event type not handled");
}

int
sp_event_handled(const char *type)
{
	return ev_handler(type) != NULL;
}

int
sp_event_settles(const char *type)
{
	return ev_handler(type) == ev_intent;
}
