/* The stripe_events table: the webhook inbox keyed by Stripe's event id
 * (db/migrations/0029_webhook_inbox.sql). POST /stripe/webhook inserts a
 * pending event with its body; the applier (billing-jobs) claims pending
 * rows with a lease written to the row, applies up to 32 in one
 * transaction (store_stripe_event_lock_many first,
 * store_stripe_event_applied_many last) and records failures for a later
 * retry. Also the two lookups the
 * event handlers make that belong to no other family yet. Functions return
 * a db_status (0 is DB_OK, negative on error) unless said otherwise. */
#ifndef STORE_STRIPE_EVENT_H
#define STORE_STRIPE_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* An event as received. pending 0: stored as already done (an event type
 * nobody applies) with outcome; body is then not kept. */
struct store_stripe_event_new {
	const char	*id;
	const char	*type;
	const char	*object_id;
	const char	*subject;	/* what its order is kept per */
	int64_t		 created;	/* Stripe's, seconds */
	int64_t		 received_at;
	int		 pending;
	const char	*body;
	const char	*outcome;
	/* pending and applied by its receiver at once: stored leased to it
	 * (no claim needed), else NULL and 0 */
	const char	*claimed_by;
	int64_t		 lease_until;
};

/* DB_OK (*seq: its arrival order), DB_DUP when the id is stored already,
 * or another db_status. */
int	 store_stripe_event_insert(struct db *, const struct store_stripe_event_new *,
	    int64_t *seq);

/* A claimed pending event (store_stripe_event_claimed). */
struct store_stripe_event {
	char	 id[65];
	char	 subject[65];
	int64_t	 seq, created, attempts;
	char	*body;		/* malloc'd */
};

/* Leases up to limit pending events whose lease ran out (oldest first by
 * created, seq) to token until lease_until; *n gets how many. */
int	 store_stripe_event_claim(struct db *, const char *token, int64_t now,
	    int64_t lease_until, size_t limit, size_t *n);
/* The pending events leased to token, in order (created, seq), into a
 * malloc'd array; store_stripe_event_free() frees it. */
int	 store_stripe_event_claimed(struct db *, const char *token,
	    struct store_stripe_event **out, size_t *n);
void	 store_stripe_event_free(struct store_stripe_event *, size_t n);
/* Chunks of events handled by one statement: at most this many ids. */
#define STORE_STRIPE_EVENT_CHUNK	32

/* What store_stripe_event_lock_many found of one id. */
enum store_stripe_event_state {
	SSE_GONE,	/* no row */
	SSE_DONE,	/* not pending (applied) */
	SSE_OTHER,	/* pending, leased to another token */
	SSE_HELD,	/* pending, leased to token */
};
/* Locks the rows of ids[0..n) (n <= STORE_STRIPE_EVENT_CHUNK) in one
 * statement, in primary key order, in the caller's transaction; state[i]
 * gets what was found of ids[i]. */
int	 store_stripe_event_lock_many(struct db *, const char *const *ids,
	    size_t n, const char *token, enum store_stripe_event_state *state);
/* The earliest pending event (created, seq) of a subject. */
struct store_stripe_event_first {
	char	 subject[65];
	int64_t	 created, seq;
};
/* For each of subjects[0..n) that has pending events other than ids[0..n)
 * (a chunk: n <= STORE_STRIPE_EVENT_CHUNK), the earliest of those into
 * out[] (caller's array of n); *nout how many: the order per subject,
 * asked once for a chunk. */
int	 store_stripe_event_first_pending(struct db *, const char *const *subjects,
	    const char *const *ids, size_t n, struct store_stripe_event_first *out,
	    size_t *nout);
/* The events ids[0..n) (n <= STORE_STRIPE_EVENT_CHUNK) are done, in one
 * statement: pending = 0, their outcomes[], applied_at = now, bodies
 * dropped, leases released. */
int	 store_stripe_event_applied_many(struct db *, const char *const *ids,
	    const char *const *outcomes, size_t n, int64_t now);
/* A failed apply by token: attempts + 1, last_error, retried at retry_at. */
int	 store_stripe_event_failed(struct db *, const char *id, const char *token,
	    const char *error, int64_t retry_at);
/* Gives back token's still pending events (deferred), due again at due_at. */
int	 store_stripe_event_release(struct db *, const char *token, int64_t due_at);
/* 1 when a pending event is due (lease ran out) at now, else 0. */
int	 store_stripe_event_due(struct db *, int64_t now);

struct store_stripe_event_counts {
	int64_t	 pending;	/* stored, not applied yet */
	int64_t	 failing;	/* of those, with at least one failed apply */
	int64_t	 oldest;	/* received_at of the oldest pending, 0 none */
};
int	 store_stripe_event_counts(struct db *, struct store_stripe_event_counts *);

/* A pending event whose apply failed (store_stripe_event_failing). */
struct store_stripe_event_stuck {
	char	 id[65];
	char	 type[65];
	int64_t	 received_at, attempts, retry_at;
	char	 last_error[201];
};
/* Up to limit failing pending events, oldest first, into *out (caller
 * frees). */
int	 store_stripe_event_failing(struct db *, size_t limit,
	    struct store_stripe_event_stuck **out, size_t *n);

/* The recorded payment method with Stripe id pm_id: *id, 0 when none. */
int	 store_stripe_event_method_id(struct db *, const char *pm_id, int64_t *id);
/* Flags the payment disputed. */
int	 store_stripe_event_dispute(struct db *, int64_t payment_id);

#endif
