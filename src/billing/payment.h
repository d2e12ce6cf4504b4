/* Payments and their allocation to invoices. A payment is money: posted to the
 * ledger only when it has succeeded. Allocation never exceeds the payment's
 * unallocated amount nor the invoice's open amount (row locks in one
 * transaction). Unallocated money is account credit. */
#ifndef PAYMENT_H
#define PAYMENT_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;

struct payment {
	int64_t	 id;
	int64_t	 account_id;
	int64_t	 client_id;	/* 0 = none */
	char	 method[12];	/* cash | check | terminal | other | card | ach */
	int64_t	 amount;
	char	 status[12];	/* pending | succeeded | failed | canceled */
	char	 received_date[11];
	char	 reference[101];	/* check number, terminal receipt, ... */
	char	 memo[2001];	/* 500 characters of UTF-8 */
	int64_t	 created_at;
	/* derived */
	int64_t	 allocated;
	int64_t	 refunded;
	int64_t	 unallocated;	/* amount - refunded - allocated */
	int64_t	 applied_client;	/* payment_list with client_id: net
					 * allocated to that client's invoices */
};

enum payment_status {
	PAY_OK = 0,
	PAY_NOT_FOUND = 1,
	PAY_INVALID = 2,	/* see msg */
	PAY_OVER_PAYMENT = 3,	/* more than the payment's unallocated amount */
	PAY_OVER_INVOICE = 4,	/* more than the invoice's open amount */
	PAY_DB = -1,
};

/* Records a manual (cash/check/terminal/other) payment as succeeded, posts it,
 * then allocates: auto = oldest due first; else the given allocations
 * (invoice ids and amounts, n of them). All in one transaction. */
struct alloc_req {
	int64_t	 invoice_id;
	int64_t	 amount;
};
int	 payment_record(struct db *, const struct actor *, struct payment *,
	    int auto_allocate, const struct alloc_req *, size_t n,
	    char *msg, size_t msgsz);
/* Allocation inside the caller's transaction (for payments settled
 * elsewhere, e.g. Stripe): the caller has locked the payment row FOR UPDATE,
 * the payment is succeeded and posted. auto_allocate: oldest due first;
 * else the n requested allocations, each cut to what the invoice has open
 * and what the payment has left (invoices not issued or of another account
 * are skipped): it never refuses, what does not fit stays unallocated
 * credit. Writes the audit rows. *moved (may be NULL) gets the total
 * allocated. Returns a db_status. */
int	 payment_apply_plan(struct db *, const struct actor *, int64_t payment_id,
	    int64_t account_id, int auto_allocate, const struct alloc_req *,
	    size_t n, int64_t *moved);
int	 payment_get(struct db *, int64_t id, struct payment *);
/* Inside one transaction (begin at its start, end after it): an account
 * whose money moves is written once, not at each allocation. */
void	 payment_tx_memo_begin(void);
void	 payment_tx_memo_end(void);
/* Allocates amount of a payment to an invoice of the same account. */
int	 payment_allocate(struct db *, const struct actor *, int64_t payment_id,
	    int64_t invoice_id, int64_t amount, char *msg, size_t msgsz);
/* Allocates all unallocated credit of the account, oldest due first.
 * *allocated gets the total moved. */
int	 account_apply_credit(struct db *, const struct actor *, int64_t account_id,
	    int64_t *allocated);

struct payment_filter {
	int64_t	 account_id;
	int64_t	 client_id;	/* its own payments and those applied to its invoices */
	int64_t	 before_id;
	size_t	 limit;
};
int	 payment_list(struct db *, const struct payment_filter *,
	    struct payment **out, size_t *n, int *more);

/* Allocations of a payment or of an invoice (for detail pages). */
struct allocation {
	int64_t	 id;
	int64_t	 payment_id;
	int64_t	 invoice_id;
	char	 invoice_number[33];
	int64_t	 amount;
	int64_t	 created_at;
};
int	 allocation_list(struct db *, int64_t payment_id, int64_t invoice_id,
	    struct allocation **out, size_t *n);

#endif
