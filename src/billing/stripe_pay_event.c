/* Webhook events: the event id is stored in the same transaction as its
 * effect, so a duplicate (or a retry after we answered) changes nothing.
 * Every apply runs through one chunk transaction (chunk_tx), for 32
 * events of the applier or the one event the receiver stores (its INSERT
 * in that transaction: one commit for the row and its effect).
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
#include "payment.h"
#include "portal.h"
#include "str.h"
#include "stripe_types.h"
#include "gateway.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "stripe_pay_event_int.h"
#include "store_stripe_event.h"

/* An event's answer inside a chunk besides a db_status and SP_TX_NEED. */
#define EV_SKIP		(-110)	/* no longer pending or leased to us */
#define EV_DEFER	(-111)	/* an earlier event of its subject is pending */
#define INBOX_LEASE	60	/* seconds a claimed batch is ours */
#define INBOX_CHUNK	STORE_STRIPE_EVENT_CHUNK	/* events in one transaction */

static void
ev_reset(struct ev_args *a)
{
	a->duplicate = a->ignored = a->cancel = 0;
	a->need = NEED_NONE;
	a->outcome[0] = '\0';
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

/* One claimed event: its decoded body and its transaction's state. */
struct ev_slot {
	struct stripe_event_info ev;
	struct ev_args		 a;
	int			 rc;	/* its answer inside a chunk transaction */
	int			 done;	/* nothing left to do */
	int			 waits;	/* inside a chunk: still pending after it */
	struct sp_payment	 pre;	/* its payment, read by the chunk */
};

/* payment_intent.succeeded of one of our payments: settlement asks for the
 * intent as Stripe holds it, so it is fetched first (outside every
 * transaction), saving a transaction rolled back only to ask. */
static int
prefetch_wanted(const struct ev_args *a)
{
	return strcmp(a->ev->type, "payment_intent.succeeded") == 0 &&
	    a->ev->kind == STRIPE_OBJ_PAYMENT_INTENT && a->ev->payment_id > 0 &&
	    a->ev->obj.pi.id[0] != '\0';
}

/* The prefetched intent (f) is used only when Stripe's intent says what
 * the event says: otherwise (and when the fetch failed) the transaction
 * judges the event's own claims first (a mismatch is audited) and asks
 * again, as without the fetch. */
static void
prefetch_use(struct ev_args *a, const struct stripe_payment_intent *f)
{
	const struct stripe_payment_intent *e = &a->ev->obj.pi;

	a->pi = NULL;
	if (strcmp(e->id, f->id) != 0 || strcmp(e->status, f->status) != 0 ||
	    e->amount != f->amount || e->amount_received != f->amount_received ||
	    strcasecmp(e->currency, f->currency) != 0)
		return;
	a->fetched_pi = *f;
	a->pi = &a->fetched_pi;
}

/* The intents of a chunk's payment_intent.succeeded events fetched at the
 * same time (one request each, concurrently, before any transaction); one
 * that could not be fetched is asked for again by its transaction. */
static void
chunk_prefetch(const struct sp *sp, struct ev_slot *s, size_t n)
{
	struct stripe_payment_intent *pi = calloc(n ? n : 1, sizeof(*pi));
	const char *ids[INBOX_CHUNK];
	size_t at[INBOX_CHUNK], m = 0;
	int ok[INBOX_CHUNK];

	for (size_t k = 0; k < n && pi != NULL; k++)
		if (!s[k].done && prefetch_wanted(&s[k].a)) {
			ids[m] = s[k].ev.obj.pi.id;
			at[m++] = k;
		}
	if (m > 0)
		(void)gateway_attempts_retrieve(sp->stripe, ids, m, pi, ok);
	for (size_t i = 0; i < m; i++)
		if (ok[i])
			prefetch_use(&s[at[i]].a, &pi[i]);
	free(pi);
}

/* Decodes the claimed row into s (a body that is no event is marked
 * done). */
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
		const char *id = row->id, *why = "not a Stripe event";

		(void)store_stripe_event_applied_many(sp->db, &id, &why, 1,
		    clock_now());
		st->ignored++;
		s->done = 1;
	}
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

/* Is slot k of the chunk to wait: an event of its subject before it in
 * the chunk still pending, or one outside the chunk earlier (first[])? */
static int
chunk_waits(const struct chunk *c, size_t k,
    const struct store_stripe_event_first *first, size_t nfirst)
{
	const struct store_stripe_event *r = c->s[k].a.row;

	for (size_t j = 0; j < k; j++)
		if (c->s[j].waits && strcmp(c->s[j].a.row->subject, r->subject) == 0)
			return 1;
	for (size_t i = 0; i < nfirst; i++)
		if (strcmp(first[i].subject, r->subject) == 0 &&
		    (first[i].created < r->created ||
		    (first[i].created == r->created && first[i].seq < r->seq)))
			return 1;
	return 0;
}

/* The intent of a payment_intent event the chunk reads the payment of,
 * or NULL. */
static const char *
slot_intent(const struct ev_slot *s)
{
	const struct stripe_event_info *ev = &s->ev;

	if (s->done || !sp_event_settles(ev->type) ||
	    ev->kind != STRIPE_OBJ_PAYMENT_INTENT || ev->obj.pi.id[0] == '\0')
		return NULL;
	return ev->obj.pi.id;
}

/* Does an event before slot k of the chunk name intent (its subject, its
 * intent or its object)? It may change that payment first: slot k must
 * read it again then. */
static int
named_before(const struct chunk *c, size_t k, const char *intent)
{
	for (size_t j = 0; j < k; j++) {
		const struct ev_slot *s = &c->s[j];

		if (!s->done && (strcmp(s->a.row->subject, intent) == 0 ||
		    strcmp(s->ev.payment_intent, intent) == 0 ||
		    strcmp(s->ev.object_id, intent) == 0))
			return 1;
	}
	return 0;
}

/* Which of the chunk's locked payments were made in the portal (one
 * statement; their settlement reads nothing more for the others). */
static int
chunk_portal_known(struct db *db, const struct sp_payment *rows, size_t n)
{
	int64_t ids[INBOX_CHUNK];

	for (size_t i = 0; i < n && i < INBOX_CHUNK; i++)
		ids[i] = rows[i].id;
	return portal_payments_known(db, ids, n <= INBOX_CHUNK ? n : 0);
}

/* The payments of the chunk's intent events, locked and read by one
 * statement (id order); each given to the event of its intent that comes
 * first, when no event before it names the intent. */
static int
chunk_payments(struct db *db, struct chunk *c)
{
	const char *intents[INBOX_CHUNK], *in;
	struct sp_payment *rows;
	size_t n = 0, nrows = 0;
	int rc;

	for (size_t k = 0; k < c->n; k++) {
		c->s[k].a.pre = NULL;
		if ((in = slot_intent(&c->s[k])) != NULL)
			intents[n++] = in;
	}
	if (n == 0)
		return DB_OK;
	if ((rows = calloc(n, sizeof(*rows))) == NULL)
		return DB_ERR;
	rc = sp_payments_lock_intents(db, intents, n, rows, &nrows);
	if (rc == DB_OK)
		rc = chunk_portal_known(db, rows, nrows);
	for (size_t i = 0; rc == DB_OK && i < nrows; i++)
		for (size_t k = 0; k < c->n; k++)
			if ((in = slot_intent(&c->s[k])) != NULL &&
			    strcmp(in, rows[i].intent) == 0) {
				if (!named_before(c, k, in)) {
					c->s[k].pre = rows[i];
					c->s[k].a.pre = &c->s[k].pre;
				}
				break;
			}
	free(rows);
	return rc;
}

/* The chunk's own rows locked (one statement), the order per subject
 * read once, its payments locked: the live slots' indexes into live[],
 * what their rows are into state[], the earliest pending events of their
 * subjects outside the chunk into first[]. */
static int
chunk_lock(struct db *db, struct chunk *c, size_t *live, size_t *m,
    enum store_stripe_event_state *state,
    struct store_stripe_event_first *first, size_t *nfirst)
{
	const char *ids[INBOX_CHUNK], *subjects[INBOX_CHUNK];
	int rc;

	*m = *nfirst = 0;
	for (size_t k = 0; k < c->n; k++)
		if (!c->s[k].done) {
			ids[*m] = c->s[k].a.row->id;
			subjects[*m] = c->s[k].a.row->subject;
			live[(*m)++] = k;
		}
	if (*m == 0)
		return DB_OK;
	if ((rc = store_stripe_event_lock_many(db, ids, *m, c->s[live[0]].a.token,
	    state)) != DB_OK)
		return rc;
	if ((rc = store_stripe_event_first_pending(db, subjects, ids, *m, first,
	    nfirst)) != DB_OK)
		return rc;
	return chunk_payments(db, c);
}

/* A chunk of events in ONE transaction (one commit for all): its rows
 * locked, the order per subject and the payments read once, its audit
 * rows written together at the end; an event
 * another runner has, or that waits for an earlier one of its subject, is
 * passed over (nothing written for it); any other answer (Stripe to ask,
 * an error) rolls the whole chunk back. The applied rows are marked by
 * one statement at the end. */
static int
chunk_tx(struct db *db, void *arg)
{
	struct chunk *c = arg;
	enum store_stripe_event_state state[INBOX_CHUNK];
	struct store_stripe_event_first first[INBOX_CHUNK];
	const char *ids[INBOX_CHUNK], *outcomes[INBOX_CHUNK];
	size_t live[INBOX_CHUNK], m, nfirst, done = 0;
	int rc;

	for (size_t k = 0; k < c->n; k++)
		c->s[k].waits = 0;
	audit_defer_begin();	/* the chunk's audit rows: a few INSERTs */
	payment_tx_memo_begin();	/* each account written once */
	portal_payments_known_end();	/* chunk_payments reads them again */
	if ((rc = chunk_lock(db, c, live, &m, state, first, &nfirst)) != DB_OK)
		return rc;
	for (size_t i = 0; i < m; i++) {
		struct ev_slot *s = &c->s[live[i]];

		ev_reset(&s->a);
		if (state[i] != SSE_HELD) {
			s->a.duplicate = 1;
			s->waits = state[i] == SSE_OTHER;
			s->rc = EV_SKIP;
			continue;
		}
		if (chunk_waits(c, live[i], first, nfirst)) {
			s->waits = 1;
			s->rc = EV_DEFER;
			continue;
		}
		if ((s->rc = sp_event_effect(db, &s->a)) != DB_OK)
			return s->rc;
		ids[done] = s->a.row->id;
		outcomes[done++] = s->a.outcome;
	}
	if ((rc = audit_defer_flush(db)) != DB_OK)
		return rc;
	return store_stripe_event_applied_many(db, ids, outcomes, done, clock_now());
}

/* fn (chunk_tx, or one that runs it) in its transaction; what a rolled
 * back chunk held of audit rows dropped. */
static int
chunk_run_with(struct db *db, int (*fn)(struct db *, void *), void *arg)
{
	int rc = db_tx(db, fn, arg);

	audit_defer_discard();
	payment_tx_memo_end();
	portal_payments_known_end();
	return rc;
}

static int
chunk_run(struct db *db, struct chunk *c)
{
	return chunk_run_with(db, chunk_tx, c);
}

/* One event alone: a chunk of one, run again after each fetch from Stripe
 * it asks for (no network call inside a transaction). Its answer. */
static int
slot_apply(struct ev_slot *s)
{
	struct chunk one = { s, 1 };
	int rc = DB_ERR;

	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		if ((rc = chunk_run(s->a.sp->db, &one)) == DB_OK)
			return s->rc;
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

/* Applies a chunk together, or (when that rolled back) each event alone. */
static void
chunk_apply(const struct sp *sp, struct ev_slot *s, size_t n,
    struct sp_inbox_stats *st)
{
	struct chunk c = { s, n };
	int together = n > 1 && chunk_run(sp->db, &c) == DB_OK;

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
	struct ev_slot *slots = calloc(n < INBOX_CHUNK ? (n ? n : 1) : INBOX_CHUNK,
	    sizeof(*slots));
	size_t i, k;

	if (slots == NULL)
		return DB_ERR;
	for (i = 0; i < n && (stop == NULL || !*stop); i += k) {
		for (k = 0; k < INBOX_CHUNK && i + k < n; k++)
			slot_prepare(sp, token, &rows[i + k], &slots[k], st);
		chunk_prefetch(sp, slots, k);
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

/* A receiver's claim token (unique: pid and a count). */
static void
receiver_token(char *token, size_t tokensz)
{
	static uint64_t claims;

	str_fmt(token, tokensz, "receiver:%ld:%" PRIu64, (long)getpid(), ++claims);
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
	e->pending = sp_event_handled(ev->type);
	e->body = body;
	e->outcome = e->pending ? "" : "event type not handled";
}

/* The inbox row the receiver holds of e (as a claim would read it). */
static void
receive_claimed_row(const struct store_stripe_event_new *e, int64_t seq,
    struct store_stripe_event *row)
{
	memset(row, 0, sizeof(*row));
	str_copy(row->id, sizeof(row->id), e->id);
	str_copy(row->subject, sizeof(row->subject), e->subject);
	row->seq = seq;
	row->created = e->created;
	row->body = (char *)(uintptr_t)e->body;	/* read only */
}

/* The receiver's transaction: the row stored (leased to the receiver) and
 * its chunk of one applied, one commit (one log flush) for both. */
struct stored_chunk {
	struct chunk				 c;
	const struct store_stripe_event_new	*e;
	struct store_stripe_event		*row;
};

static int
insert_chunk_tx(struct db *db, void *arg)
{
	struct stored_chunk *sc = arg;
	int rc = store_stripe_event_insert(db, sc->e, &sc->row->seq);

	return rc != DB_OK ? rc : chunk_tx(db, &sc->c);
}

/* Stores the pending event e WITH its effect in one transaction (its
 * intent fetched from Stripe first, outside it). SP_EVENT_STORED (the
 * commit holds the row: applied, or given back to wait for an earlier
 * event), SP_EVENT_DUPLICATE, or -1: nothing stored (the transaction
 * needed Stripe or failed), the caller stores the row alone. */
static int
receive_with_effect(const struct sp *sp, const char *token,
    const struct store_stripe_event_new *e, char *outcome, size_t outcomesz)
{
	struct store_stripe_event row;
	struct sp_inbox_stats st;
	struct ev_slot slot;
	struct stored_chunk sc;
	int rc;

	memset(&st, 0, sizeof(st));
	receive_claimed_row(e, 0, &row);
	slot_prepare(sp, token, &row, &slot, &st);
	if (slot.done)
		return -1;
	chunk_prefetch(sp, &slot, 1);
	sc.c.s = &slot;
	sc.c.n = 1;
	sc.e = e;
	sc.row = &row;
	(void)db_causal(sp->db, 1);
	rc = chunk_run_with(sp->db, insert_chunk_tx, &sc);
	(void)db_causal(sp->db, 0);
	if (rc == DB_DUP) {
		stripe_refund_list_free(&slot.a.fetched_refunds);
		sp_msg(outcome, outcomesz, "duplicate");
		return SP_EVENT_DUPLICATE;
	}
	if (rc != DB_OK) {
		stripe_refund_list_free(&slot.a.fetched_refunds);
		return -1;
	}
	st.claimed = 1;
	slot_finish(sp, &slot, slot.rc, &st);
	if (st.deferred > 0 && store_stripe_event_release(sp->db, token,
	    clock_now() + 1) != DB_OK)
		log_warn("stripe: event %s: applied later (%s)", e->id,
		    db_error(sp->db));
	sp_msg(outcome, outcomesz, st.applied + st.ignored == 1 ?
	    "received and applied" : "received");
	return SP_EVENT_STORED;
}

/* The stored event applied before the answer when it can be (its effect
 * is then there when Stripe, or a test, sees the 200); else the applier in
 * billing-jobs takes it. The answer is 200 either way: it is stored. The
 * row e (arrival order seq) was stored leased to token: no claim to write
 * or read back; given back only when it has to wait for an earlier event. */
static void
receive_apply(const struct sp *sp, const char *token,
    const struct store_stripe_event_new *e, int64_t seq, char *outcome,
    size_t outcomesz)
{
	struct store_stripe_event row;
	struct sp_inbox_stats st;
	const char *id = e->id;
	int rc;

	memset(&st, 0, sizeof(st));
	receive_claimed_row(e, seq, &row);
	st.claimed = 1;
	(void)db_causal(sp->db, 1);
	rc = apply_rows(sp, token, &row, 1, NULL, &st);
	(void)db_causal(sp->db, 0);
	if (rc != DB_OK || st.deferred > 0)
		rc = store_stripe_event_release(sp->db, token, clock_now() + 1);
	if (rc != DB_OK)
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
	char type[65], object_id[65], subject[65], token[160];
	int inline_apply = sp->stripe != NULL && sp->cfg->webhook_apply_inline;
	int64_t seq = 0;
	int rc;

	if (stripe_event_decode(body, len, &ev) == -1 || ev.id[0] == '\0' ||
	    strlen(body) != len) {
		sp_msg(outcome, outcomesz, "not a Stripe event");
		return SP_EVENT_BAD;
	}
	receive_row(&ev, body, clock_now(), &e, type, object_id, subject);
	if (inline_apply) {
		receiver_token(token, sizeof(token));
		e.claimed_by = token;
		e.lease_until = e.received_at + INBOX_LEASE;
		/* one durable commit for the row and its effect; the row alone
		 * (then applied as below) when that could not be */
		if (e.pending && (rc = receive_with_effect(sp, token, &e, outcome,
		    outcomesz)) != -1)
			return (enum sp_event_result)rc;
	}
	rc = store_stripe_event_insert(sp->db, &e, &seq);
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
	if (inline_apply)
		receive_apply(sp, token, &e, seq, outcome, outcomesz);
	return SP_EVENT_STORED;
}
