/* Payments and their allocations: the payments rows (manual, card, ACH),
 * allocations, and the invoice facts an allocation is checked against.
 * Functions return a db_status (0 is DB_OK) unless said otherwise; a
 * "get" / "lock" returns 1 when found, 0 when not, or a negative db_status.
 * Locks (FOR UPDATE) are taken inside the caller's transaction; the lock
 * order is the caller's rule (payments before invoices). */
#ifndef STORE_PAYMENT_H
#define STORE_PAYMENT_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* One payments row with its derived sums. Strings "" when NULL. */
struct store_payment {
	int64_t	 id;
	int64_t	 account_id;
	int64_t	 client_id;		/* 0 = none */
	char	 method[12];
	int64_t	 amount;
	char	 status[12];
	char	 received_date[11];
	char	 reference[101];
	char	 memo[2001];
	int64_t	 created_at;
	char	 attempt_key[65];
	char	 intent[65];
	char	 stripe_status[33];
	int64_t	 payment_method_id;	/* 0 = none */
	int	 save_method;
	char	 failure_code[65];
	char	 failure_message[501];
	int	 disputed;
	int64_t	 settled_at;		/* 0 = NULL */
	char	 alloc_plan[2001];
	int64_t	 checked_at;
	char	 consent_signer[201];
	char	 consent_scope[16];
	int64_t	 consent_max_amount;
	char	 consent_text_version[33];
	char	 consent_ip[65];
	char	 consent_user_agent[256];
	int64_t	 consent_recorded_by;
	int64_t	 consent_id;
	/* derived */
	int64_t	 allocated;		/* allocations */
	int64_t	 refunded;		/* refund ledger entries */
	int64_t	 refund_pending;	/* refunds rows still pending */
	int64_t	 applied_client;	/* list: allocated to the filter's client */
};

/* A manual payment row (status 'succeeded'), created_by 0 = NULL. */
int	 store_payment_insert_manual(struct db *, const struct store_payment *,
	    int64_t created_by, int64_t now, int64_t *id);
int	 store_payment_get(struct db *, int64_t id, struct store_payment *);
/* Locks the row FOR UPDATE, then reads it. */
int	 store_payment_lock(struct db *, int64_t id, struct store_payment *);
/* The id of the row holding a PaymentIntent id, locked FOR UPDATE (0: none). */
int	 store_payment_by_intent(struct db *, const char *intent, int64_t *id);
/* The payments whose intent is one of intents[0..n) (n <= 32: a webhook
 * chunk), locked FOR UPDATE in id order in one statement, then read like
 * store_payment_lock into out[] (the caller's n elements); *nout how many. */
int	 store_payment_lock_intents(struct db *, const char *const *intents,
	    size_t n, struct store_payment *out, size_t *nout);
/* The newest row carrying an attempt key (0: none); no lock. */
int	 store_payment_by_attempt(struct db *, const char *attempt_key,
	    int64_t *id);
/* The same, a locking read (inside the attempt's transaction: sees a twin
 * committed just before this one took the account's lock). */
int	 store_payment_by_attempt_lock(struct db *, const char *attempt_key,
	    int64_t *id);
/* The ids of the account's succeeded payments, locked FOR UPDATE, oldest
 * first (malloc'd, *ids NULL when none). */
int	 store_payment_lock_succeeded(struct db *, int64_t account_id,
	    int64_t **ids, size_t *n);

struct store_payment_filter {
	int64_t	 account_id;	/* 0 = all */
	int64_t	 client_id;	/* its own and those applied to its invoices */
	int64_t	 before_id;	/* 0 = from the newest */
	size_t	 limit;		/* rows asked (the caller asks one more) */
};
/* Newest first, malloc'd array. */
int	 store_payment_list(struct db *, const struct store_payment_filter *,
	    struct store_payment **out, size_t *n);
/* Pending card/ACH rows created at or before created_max, least recently
 * checked first (with checked_at). */
int	 store_payment_list_pending(struct db *, int64_t created_max, size_t limit,
	    struct store_payment **out, size_t *n);

/* Column updates of one row. */
/* status, Stripe's status, the failure; settled_at 0 stores NULL. */
int	 store_payment_set_status(struct db *, int64_t id, const char *status,
	    const char *stripe_status, const char *code, const char *message,
	    int64_t settled_at);
int	 store_payment_set_stripe_status(struct db *, int64_t id,
	    const char *stripe_status);
/* Succeeded (Stripe's status too, no failure) on date, settled at
 * settled_at: one UPDATE. */
int	 store_payment_set_succeeded(struct db *, int64_t id, const char *date,
	    int64_t settled_at);
int	 store_payment_set_method(struct db *, int64_t id, int64_t method_id);
int	 store_payment_set_intent(struct db *, int64_t id, const char *intent);
int	 store_payment_set_consent(struct db *, int64_t id, int64_t consent_id);

/* Money of a payment not yet allocated: amount - refunds - allocations. */
int	 store_payment_unallocated(struct db *, int64_t payment_id, int64_t *out);
/* accounts.reservation_seq + 1: a write, not only a lock, of the account
 * whose money moves, so two Galera nodes' allocations / reservations of
 * the same account conflict at certification and the loser retries. */
int	 store_payment_account_bump(struct db *, int64_t account_id);
/* 1 when the account exists (locked FOR UPDATE when lock), else 0. */
int	 store_payment_account_exists(struct db *, int64_t account_id, int lock);
/* 1 when the client belongs to the account, else 0. */
int	 store_payment_client_of(struct db *, int64_t client_id,
	    int64_t account_id);

/* An invoice as an allocation sees it, locked FOR UPDATE. */
struct store_alloc_invoice {
	char	 status[12];
	int64_t	 account_id;
	char	 number[33];
	/* its stored figures (migration 0023, kept by the triggers on
	 * ledger_entries / allocations): ledger total, allocated */
	int64_t	 total;
	int64_t	 paid;
};
int	 store_payment_invoice_lock(struct db *, int64_t invoice_id,
	    struct store_alloc_invoice *);
/* The account's issued invoices, oldest due first, with what is open
 * (ledger - allocations) and reserved by attempts in flight. */
struct store_open_invoice {
	int64_t	 id;
	char	 number[33];
	char	 due_date[11];
	int64_t	 open;
	int64_t	 reserved;
	int64_t	 busy_id;	/* oldest attempt in flight reserving (0: none) */
};
/* The account's issued invoices, oldest due first, locked FOR UPDATE with
 * the reservations and payments they read (a locking read: the latest
 * committed rows, never an older snapshot). */
int	 store_payment_open_invoices_lock(struct db *, int64_t account_id,
	    struct store_open_invoice **out, size_t *n);
/* The account's issued invoices locked FOR UPDATE (the rows and order of
 * store_payment_open_invoices_lock) and read by the same statement: id,
 * number, due date and open (their stored figures; reserved and busy_id 0),
 * without the reservations. */
int	 store_payment_issued_lock_open(struct db *, int64_t account_id,
	    struct store_open_invoice **out, size_t *n);

/* allocations: created_by 0 = NULL; memo NULL: none (the default). */
int	 store_payment_alloc_insert(struct db *, int64_t payment_id,
	    int64_t invoice_id, int64_t amount, int64_t created_by, int64_t now,
	    const char *memo);
/* Sum of a payment's allocations (net of releases). */
int	 store_payment_allocated(struct db *, int64_t payment_id, int64_t *out);
/* A payment's net allocation per invoice, those still > 0, most recently
 * allocated first (malloc'd). */
struct store_alloc_net {
	int64_t	 invoice_id;
	int64_t	 net;
};
int	 store_payment_alloc_net(struct db *, int64_t payment_id,
	    struct store_alloc_net **out, size_t *n);
struct store_allocation {
	int64_t	 id;
	int64_t	 payment_id;
	int64_t	 invoice_id;
	char	 invoice_number[33];
	int64_t	 amount;
	int64_t	 created_at;
};
/* Of a payment and/or an invoice (0: any), oldest first, malloc'd. */
int	 store_payment_alloc_list(struct db *, int64_t payment_id,
	    int64_t invoice_id, struct store_allocation **out, size_t *n);

/* --- refunds ------------------------------------------------------------- */

struct store_refund {
	int64_t	 id;
	int64_t	 payment_id;
	int64_t	 amount;
	char	 reason[501];
	char	 status[12];		/* pending | succeeded | failed */
	char	 stripe_refund_id[65];	/* "" = not known (yet) */
	int64_t	 created_by;		/* 0 = none */
	int64_t	 created_at;
	char	 intent[65];		/* list_pending: the payment's intent */
};
/* Refunds asked or done (pending, succeeded) of a payment. */
int	 store_payment_refunds_claimed(struct db *, int64_t payment_id,
	    int64_t *out);
/* A 'pending' refund row; created_by 0 = NULL, stripe_refund_id NULL =
 * not known yet. */
int	 store_payment_refund_insert(struct db *, int64_t payment_id,
	    int64_t amount, const char *reason, const char *stripe_refund_id,
	    int64_t created_by, int64_t now, int64_t *id);
int	 store_payment_refund_get(struct db *, int64_t id, struct store_refund *);
/* The row locked FOR UPDATE. */
int	 store_payment_refund_lock(struct db *, int64_t id, struct store_refund *);
/* By Stripe's refund id, locked FOR UPDATE. */
int	 store_payment_refund_by_stripe(struct db *, const char *stripe_refund_id,
	    struct store_refund *);
/* Row id of payment_id without a Stripe id yet, locked FOR UPDATE. */
int	 store_payment_refund_unnamed(struct db *, int64_t id, int64_t payment_id,
	    struct store_refund *);
/* Records Stripe's id on a row that has none. */
int	 store_payment_refund_name(struct db *, int64_t id,
	    const char *stripe_refund_id);
/* status succeeded / failed (failed only from pending: *changed 1 when it
 * moved; may be NULL); stripe_refund_id NULL keeps the one stored. */
int	 store_payment_refund_finish(struct db *, int64_t id, int succeeded,
	    const char *stripe_refund_id, int *changed);
/* The ids of a payment's refunds, oldest first (malloc'd). */
int	 store_payment_refund_ids(struct db *, int64_t payment_id, int64_t **ids,
	    size_t *n);
/* Pending refunds created at or before created_max with their payment's
 * intent, oldest first, at most limit (malloc'd). */
int	 store_payment_refund_pending(struct db *, int64_t created_max,
	    size_t limit, struct store_refund **out, size_t *n);

#endif
