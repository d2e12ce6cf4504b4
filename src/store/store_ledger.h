/* The ledger family: ledger_entries (append-only), allocations (payments
 * tied to invoices), the figures read from them, and the checks behind
 * `billingctl ledger verify`. The rules (what to post, the sign of each
 * kind, what a failed check means) are billing's (ledger.h, invoice.h).
 * Functions return a db_status (0 is DB_OK) unless said otherwise; none
 * opens a transaction: writes and FOR UPDATE reads run in the caller's. */
#ifndef STORE_LEDGER_H
#define STORE_LEDGER_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* One entry; ids 0 = none (NULL). */
struct store_ledger_entry {
	int64_t	 id;
	char	 kind[12];
	int64_t	 amount;
	char	 entry_date[11];
	int64_t	 account_id;
	int64_t	 client_id;
	int64_t	 invoice_id;
	int64_t	 payment_id;
	int64_t	 reverses_id;
	char	 invoice_number[33];	/* read only: the invoice's number or "" */
	char	 memo[2001];
	int64_t	 created_by;
	int64_t	 created_at;
};

/* Inserts e (all but id and invoice_number; the memo cut to the column's
 * 500 characters). *id may be NULL. */
int	 store_ledger_insert(struct db *, const struct store_ledger_entry *e,
	    int64_t *id);

/* Signed sums of entries by kind (adjustment includes write-offs), their
 * total, and (accounts only) the unallocated credit: payment money net of
 * refunds less what is allocated of the account's payments. */
struct store_ledger_sums {
	int64_t	 charge, discount, adjustment, payment, refund, total;
	int64_t	 credit;
};
/* The account's entries and credit in one statement. */
int	 store_ledger_account_sums(struct db *, int64_t account_id,
	    struct store_ledger_sums *);
struct store_account;
/* The account's row (store_profile.h) with the same figures, in one
 * statement (the staff account page): 1, 0 when no such account, or a
 * negative db_status. */
int	 store_ledger_account_page(struct db *, int64_t account_id,
	    struct store_account *, struct store_ledger_sums *);
/* The account's credit alone (two statements). */
int	 store_ledger_account_credit(struct db *, int64_t account_id,
	    int64_t *credit);

/* A client's figures: sums of its invoices' entries (by the entries'
 * client column; credit 0), the net allocations to its invoices, its
 * issued invoices' entries and allocations, its account (0 = none). */
struct store_ledger_client {
	struct store_ledger_sums sums;
	int64_t	 applied;
	int64_t	 issued_total;
	int64_t	 issued_paid;
	int64_t	 account_id;
};
int	 store_ledger_client_figures(struct db *, int64_t client_id,
	    struct store_ledger_client *);

/* A page of entries, newest first (one of the three ids set, the first
 * set of invoice, client, account wins); from/to NULL = no bound;
 * before_id 0 = newest. Reads up to limit + 1 rows (the extra one says
 * there are more) into a malloc'd *out the caller frees. */
struct store_ledger_query {
	int64_t		 account_id;
	int64_t		 client_id;
	int64_t		 invoice_id;
	const char	*from;
	const char	*to;
	int64_t		 before_id;
	size_t		 limit;
};
int	 store_ledger_list(struct db *, const struct store_ledger_query *,
	    struct store_ledger_entry **out, size_t *n);

/* An invoice's figures from the rows: the sum of its entries (total) and
 * of its allocations (paid), in that order. */
int	 store_ledger_invoice_sums(struct db *, int64_t invoice_id,
	    int64_t *total, int64_t *paid);

/* The invoice's entries that neither reverse another nor are reversed. */
struct store_ledger_open_entry {
	int64_t	 id;
	int64_t	 amount;
	int64_t	 client_id;	/* 0 = none */
};
/* *out malloc'd; the caller frees it. */
int	 store_ledger_unreversed(struct db *, int64_t invoice_id,
	    struct store_ledger_open_entry **out, size_t *n);

/* Collections: -(payment and refund entries) per entry date from..to
 * (YYYY-MM-DD), location_id 0 = every account; a date may come more than
 * once (the caller adds). *out malloc'd. */
struct store_ledger_day {
	char	 date[11];
	int64_t	 amount;
};
int	 store_ledger_collections(struct db *, const char *from, const char *to,
	    int64_t location_id, struct store_ledger_day **out, size_t *n);

/* --- allocations ---------------------------------------------------------- */

struct store_alloc_sum {
	int64_t	 payment_id;
	int64_t	 amount;
};
/* The invoice's net allocation per payment, nonzero ones, by payment id.
 * *out malloc'd; the caller frees it. */
int	 store_ledger_invoice_allocations(struct db *, int64_t invoice_id,
	    struct store_alloc_sum **out, size_t *n);
/* One allocation row (negative amount: a release). created_by 0 = none. */
int	 store_ledger_allocation_insert(struct db *, int64_t payment_id,
	    int64_t invoice_id, int64_t amount, int64_t created_by, int64_t now,
	    const char *memo);
/* Locks (FOR UPDATE, by id) the payments allocated to the invoice. */
int	 store_ledger_lock_invoice_payments(struct db *, int64_t invoice_id);

/* --- verify --------------------------------------------------------------- */

/* The invariants, in the order they are checked; each is one query. */
size_t	 store_ledger_invariants(void);
const char *store_ledger_invariant_name(size_t i);
/* 0 when invariant i holds, 1 with the first violating row described in
 * found, or a negative db_status. */
int	 store_ledger_invariant_check(struct db *, size_t i, char *found,
	    size_t foundsz);
/* The session's split materialization on (default) or off: the checks
 * group whole tables once, which that optimization would undo. */
int	 store_ledger_verify_split(struct db *, int on);

#endif
