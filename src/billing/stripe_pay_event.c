/* Webhook events: the event id is stored in the same transaction as its
 * effect, so a duplicate (or a retry after we answered) changes nothing.
 * Events may arrive late, twice or out of order: settlement never moves a
 * payment backwards, and what we cannot judge from the event we ask
 * Stripe (the transaction is rolled back, the object fetched, and the
 * transaction run again). */
#include "common.h"

#include <unistd.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "str.h"
#include "stripe_types.h"
#include "gateway.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "store_stripe_event.h"

/* event_tx's answers besides a db_status and SP_TX_NEED. */
#define EV_SKIP		(-110)	/* no longer pending or leased to us */
#define EV_DEFER	(-111)	/* an earlier event of its subject is pending */
#define INBOX_LEASE	60	/* seconds a claimed batch is ours */
#define INBOX_CHUNK	32	/* events applied in one transaction */

enum ev_need { NEED_NONE, NEED_PI, NEED_PM, NEED_REFUNDS };

struct ev_args {
	const struct sp		*sp;
	const struct stripe_event_info *ev;
	const struct store_stripe_event *row;	/* its inbox row */
	const char		*token;		/* our claim */
	/* Fetched from Stripe on an earlier round (refunds: owned). */
	const struct stripe_payment_intent *pi;		/* &fetched_pi or NULL */
	const struct stripe_payment_method *pm;		/* &fetched_pm or NULL */
	const struct stripe_refund_list	*refunds;	/* &fetched_refunds or NULL */
	struct stripe_payment_intent	 fetched_pi;
	struct stripe_payment_method	 fetched_pm;
	struct stripe_refund_list	 fetched_refunds;
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
	const struct stripe_payment_intent *pi = a->pi ? a->pi :
	    a->ev->kind == STRIPE_OBJ_PAYMENT_INTENT ? &a->ev->obj.pi : NULL;
	/* Authoritative only when fetched from Stripe (a->pi): the event body
	 * alone never posts money (sp_settle_row asks for the retrieve). */
	struct sp_settle_in in = { pi, a->pi != NULL, a->pm, NULL };
	struct sp_settle_out out;
	struct sp_payment row;
	const char *intent = pi != NULL ? pi->id : "";
	int64_t id = 0;
	int rc, found = 0;

	if (intent[0] == '\0')
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

/* One event's transaction: its inbox row locked first (still pending and
 * leased to us, else EV_SKIP: another runner has it or applied it), then
 * EV_DEFER when an earlier event of its subject is still pending, else the
 * effect and the row marked applied. That write is what makes it exactly
 * once, also on Galera (two nodes writing the row cannot both commit). */
static int
event_tx(struct db *db, void *arg)
{
	struct ev_args *a = arg;
	ev_fn fn = ev_handler(a->ev->type);
	int rc, pending = 0, held = 0;

	a->duplicate = a->ignored = a->cancel = 0;
	a->need = NEED_NONE;
	a->outcome[0] = '\0';
	rc = store_stripe_event_lock(db, a->row->id, a->token, &pending, &held);
	if (rc < 0)
		return rc;
	if (rc == 0 || !pending || !held) {
		a->duplicate = 1;
		return EV_SKIP;
	}
	rc = store_stripe_event_earlier(db, a->row->subject, a->row->created,
	    a->row->seq);
	if (rc != 0)
		return rc < 0 ? rc : EV_DEFER;
	rc = fn != NULL ? fn(db, a) : ignore(a, "event type not handled");
	if (rc != DB_OK)
		return rc;
	return store_stripe_event_applied(db, a->row->id, a->outcome, clock_now());
}

/* Fetches what the transaction asked for. 0 / -1. */
static int
ev_fetch(struct ev_args *a)
{
	struct stripe_error err;
	int rc;

	switch (a->need) {
	case NEED_PI:
		a->pi = NULL;
		if ((rc = gateway_attempt_retrieve(a->sp->stripe, a->need_id,
		    &a->fetched_pi, &err)) == 0)
			a->pi = &a->fetched_pi;
		break;
	case NEED_PM:
		a->pm = NULL;
		if ((rc = gateway_method_retrieve(a->sp->stripe, a->need_id,
		    &a->fetched_pm, &err)) == 0)
			a->pm = &a->fetched_pm;
		break;
	case NEED_REFUNDS:
		a->refunds = NULL;
		stripe_refund_list_free(&a->fetched_refunds);
		if ((rc = gateway_refunds_of(a->sp->stripe, a->need_id,
		    &a->fetched_refunds, &err)) == 0)
			a->refunds = &a->fetched_refunds;
		break;
	default:
		return -1;
	}
	if (rc == -1)
		log_warn("stripe: event %s: fetching %s: %s %s", a->ev->id, a->need_id,
		    err.code, err.message);
	return rc;
}

/* Seconds until a failed event is tried again: 5, 10, 20 ... 600. */
static int64_t
retry_after(int64_t attempts)
{
	return attempts >= 7 ? 600 : (int64_t)5 << attempts;
}

/* A failed apply: kept pending, tried again later, visible in `billingctl
 * jobs status`. */
static void
event_failed(const struct sp *sp, const struct ev_args *a, int rc,
    struct sp_inbox_stats *st)
{
	char why[200];

	if (rc == SP_TX_NEED)
		str_copy(why, sizeof(why), a->outcome);
	else
		str_fmt(why, sizeof(why), "database error: %s", db_error(sp->db));
	log_warn("stripe: event %s not applied (attempt %" PRId64 "): %s",
	    a->row->id, a->row->attempts + 1, why);
	if (store_stripe_event_failed(sp->db, a->row->id, a->token, why,
	    clock_now() + retry_after(a->row->attempts)) != DB_OK)
		log_warn("stripe: event %s: recording the failure: %s", a->row->id,
		    db_error(sp->db));
	st->failed++;
}

/* payment_intent.succeeded of one of our payments: settlement asks for the
 * intent as Stripe holds it, so it is fetched first (outside every
 * transaction), saving a transaction rolled back only to ask. Used only
 * when Stripe's intent says what the event says: otherwise (and when the
 * fetch fails) the transaction judges the event's own claims first (a
 * mismatch is audited) and asks again, as without the fetch. */
static void
prefetch(struct ev_args *a)
{
	const struct stripe_payment_intent *e = &a->ev->obj.pi, *f = &a->fetched_pi;

	if (strcmp(a->ev->type, "payment_intent.succeeded") != 0 ||
	    a->ev->kind != STRIPE_OBJ_PAYMENT_INTENT || a->ev->payment_id <= 0 ||
	    e->id[0] == '\0')
		return;
	a->need = NEED_PI;
	str_copy(a->need_id, sizeof(a->need_id), e->id);
	if (ev_fetch(a) == 0 && (strcmp(e->id, f->id) != 0 ||
	    strcmp(e->status, f->status) != 0 || e->amount != f->amount ||
	    e->amount_received != f->amount_received ||
	    strcasecmp(e->currency, f->currency) != 0))
		a->pi = NULL;
	a->need = NEED_NONE;
}

/* One claimed event: its decoded body and its transaction's state. */
struct ev_slot {
	struct stripe_event_info ev;
	struct ev_args		 a;
	int			 rc;	/* event_tx's answer inside a chunk */
	int			 done;	/* nothing left to do */
};

/* Decodes the claimed row into s and fetches what it will need (a body
 * that is no event is marked done). */
static void
slot_prepare(const struct sp *sp, const char *token,
    const struct store_stripe_event *row, struct ev_slot *s,
    struct sp_inbox_stats *st)
{
	memset(s, 0, sizeof(*s));
	s->a.sp = sp;
	s->a.ev = &s->ev;
	s->a.row = row;
	s->a.token = token;
	if (stripe_event_decode(row->body, strlen(row->body), &s->ev) == -1 ||
	    strcmp(s->ev.id, row->id) != 0) {
		(void)store_stripe_event_applied(sp->db, row->id, "not a Stripe event",
		    clock_now());
		st->ignored++;
		s->done = 1;
		return;
	}
	prefetch(&s->a);
}

/* One event alone: its transaction, run again after each fetch from Stripe
 * it asks for (no network call inside a transaction). */
static int
slot_apply(struct ev_slot *s)
{
	int rc = DB_ERR;

	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		rc = db_tx(s->a.sp->db, event_tx, &s->a);
		if (rc != SP_TX_NEED)
			break;
		if (ev_fetch(&s->a) == -1) {
			str_copy(s->a.outcome, sizeof(s->a.outcome), "Stripe "
			    "unreachable; retried later");
			break;
		}
	}
	return rc;
}

/* How an event ended (rc: its transaction's answer). */
static void
slot_finish(const struct sp *sp, struct ev_slot *s, int rc,
    struct sp_inbox_stats *st)
{
	struct ev_args *a = &s->a;

	if (rc == DB_OK) {
		*(a->ignored ? &st->ignored : &st->applied) += 1;
		if (a->cancel)
			sp_cancel_intent(sp, a->cancel_payment, a->cancel_intent);
	} else if (rc == EV_SKIP)
		st->skipped++;
	else if (rc == EV_DEFER)
		st->deferred++;
	else
		event_failed(sp, a, rc, st);
	stripe_refund_list_free(&a->fetched_refunds);
}

struct chunk {
	struct ev_slot	*s;
	size_t		 n;
};

/* A chunk of events in ONE transaction (one commit for all): an event
 * another runner has, or that waits for an earlier one of its subject, is
 * passed over (nothing written for it); any other answer (Stripe to ask,
 * an error) rolls the whole chunk back. */
static int
chunk_tx(struct db *db, void *arg)
{
	struct chunk *c = arg;

	for (size_t i = 0; i < c->n; i++) {
		struct ev_slot *s = &c->s[i];

		if (s->done)
			continue;
		s->rc = event_tx(db, &s->a);
		if (s->rc != DB_OK && s->rc != EV_SKIP && s->rc != EV_DEFER)
			return s->rc;
	}
	return DB_OK;
}

/* Applies a chunk together, or (when that rolled back) each event alone. */
static void
chunk_apply(const struct sp *sp, struct ev_slot *s, size_t n,
    struct sp_inbox_stats *st)
{
	struct chunk c = { s, n };
	int together = n > 1 && db_tx(sp->db, chunk_tx, &c) == DB_OK;

	for (size_t i = 0; i < n; i++)
		if (!s[i].done)
			slot_finish(sp, &s[i], together ? s[i].rc : slot_apply(&s[i]),
			    st);
}

/* The claimed rows, CHUNK at a time. */
static int
apply_rows(const struct sp *sp, const char *token,
    const struct store_stripe_event *rows, size_t n, volatile sig_atomic_t *stop,
    struct sp_inbox_stats *st)
{
	struct ev_slot *slots = calloc(INBOX_CHUNK, sizeof(*slots));
	size_t i, k;

	if (slots == NULL)
		return DB_ERR;
	for (i = 0; i < n && (stop == NULL || !*stop); i += k) {
		for (k = 0; k < INBOX_CHUNK && i + k < n; k++)
			slot_prepare(sp, token, &rows[i + k], &slots[k], st);
		chunk_apply(sp, slots, k, st);
	}
	free(slots);
	return DB_OK;
}

/* Applies the events leased to token (claimed of them), then gives back
 * what is left pending (deferred, or a stop came): due again in a second. */
static int
run_claimed(const struct sp *sp, const char *token, volatile sig_atomic_t *stop,
    struct sp_inbox_stats *st)
{
	struct store_stripe_event *rows = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_stripe_event_claimed(sp->db, token, &rows, &n)) == DB_OK) {
		/* Galera: the payment an event is about may have been created or
		 * settled through another node a moment ago; read what it
		 * committed. */
		(void)db_causal(sp->db, 1);
		rc = apply_rows(sp, token, rows, n, stop, st);
		(void)db_causal(sp->db, 0);
		if (rc == DB_OK)
			rc = store_stripe_event_release(sp->db, token, clock_now() + 1);
	}
	store_stripe_event_free(rows, n);
	return rc == DB_OK ? SP_OK : SP_DB;
}

int
stripe_pay_inbox_run(const struct sp *sp, const char *runner, size_t batch,
    volatile sig_atomic_t *stop, struct sp_inbox_stats *st)
{
	static uint64_t claims;	/* per process: the token is unique */
	char token[160];
	int64_t now = clock_now();
	int rc;

	str_fmt(token, sizeof(token), "%s:%" PRIu64, runner, ++claims);
	rc = store_stripe_event_claim(sp->db, token, now, now + INBOX_LEASE, batch,
	    &st->claimed);
	if (rc != DB_OK || st->claimed == 0)
		return rc == DB_OK ? SP_OK : SP_DB;
	return run_claimed(sp, token, stop, st);
}

int
stripe_pay_event_apply_now(const struct sp *sp, const char *event_id,
    struct sp_inbox_stats *st)
{
	static uint64_t claims;
	char token[160];
	int64_t now = clock_now();
	int rc;

	memset(st, 0, sizeof(*st));
	str_fmt(token, sizeof(token), "receiver:%ld:%" PRIu64, (long)getpid(),
	    ++claims);
	rc = store_stripe_event_claim_one(sp->db, event_id, token, now,
	    now + INBOX_LEASE, &st->claimed);
	if (rc != DB_OK || st->claimed == 0)
		return rc == DB_OK ? SP_OK : SP_DB;
	return run_claimed(sp, token, NULL, st);
}

int
stripe_pay_inbox_due(struct db *db)
{
	int rc = store_stripe_event_due(db, clock_now());

	return rc < 0 ? SP_DB : rc;
}

/* The inbox row of a received event: handled types pending with their
 * body; the others stored as done (a duplicate is still told apart). */
static void
receive_row(const struct stripe_event_info *ev, const char *body, int64_t now,
    struct store_stripe_event_new *e, char *type, char *object_id, char *subject)
{
	str_copy(type, 65, ev->type);
	str_copy(object_id, 65, ev->object_id);
	str_copy(subject, 65, ev->payment_intent[0] ? ev->payment_intent :
	    ev->object_id);
	memset(e, 0, sizeof(*e));
	e->id = ev->id;
	e->type = type;
	e->object_id = object_id;
	e->subject = subject;
	e->created = ev->created > 0 ? ev->created : now;
	e->received_at = now;
	e->pending = ev_handler(ev->type) != NULL;
	e->body = body;
	e->outcome = e->pending ? "" : "event type not handled";
}

/* The stored event applied before the answer when it can be (its effect
 * is then there when Stripe, or a test, sees the 200); else the applier in
 * billing-jobs takes it. The answer is 200 either way: it is stored. */
static void
receive_apply(const struct sp *sp, const char *id, char *outcome,
    size_t outcomesz)
{
	struct sp_inbox_stats st;

	if (stripe_pay_event_apply_now(sp, id, &st) != SP_OK)
		log_warn("stripe: event %s: applied later (%s)", id,
		    db_error(sp->db));
	else if (st.applied + st.ignored == 1)
		sp_msg(outcome, outcomesz, "received and applied");
}

enum sp_event_result
stripe_pay_event_receive(const struct sp *sp, const char *body, size_t len,
    char *outcome, size_t outcomesz)
{
	struct stripe_event_info ev;
	struct store_stripe_event_new e;
	char type[65], object_id[65], subject[65];
	int rc;

	if (stripe_event_decode(body, len, &ev) == -1 || ev.id[0] == '\0' ||
	    strlen(body) != len) {
		sp_msg(outcome, outcomesz, "not a Stripe event");
		return SP_EVENT_BAD;
	}
	receive_row(&ev, body, clock_now(), &e, type, object_id, subject);
	rc = store_stripe_event_insert(sp->db, &e);
	if (rc == DB_DUP) {
		sp_msg(outcome, outcomesz, "duplicate");
		return SP_EVENT_DUPLICATE;
	}
	if (rc != DB_OK) {
		sp_msg(outcome, outcomesz, "database error");
		return SP_EVENT_RETRY;
	}
	sp_msg(outcome, outcomesz, e.pending ? "received" : e.outcome);
	if (!e.pending)
		return SP_EVENT_IGNORED;
	if (sp->stripe != NULL && sp->cfg->webhook_apply_inline)
		receive_apply(sp, ev.id, outcome, outcomesz);
	return SP_EVENT_STORED;
}
