/* Receivables (the A/R page) from the stored figures: totals per location
 * from ar_totals (migration 0032, at most 16 rows per location), the
 * largest account balances through accounts_balance /
 * accounts_location_balance (0023), open invoice money by due date from
 * ar_open_due (0031). Each function is one statement reading a few rows or
 * an index range, never the ledger nor every account. */
#ifndef STORE_RECEIVABLES_H
#define STORE_RECEIVABLES_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_ar_totals {
	int64_t	 owed;		/* sum of positive account balances */
	int64_t	 credit;	/* sum of negative balances, as a positive number */
	int64_t	 accounts_owing;
};

struct store_ar_account {
	int64_t	 account_id;
	char	 name[201];
	int64_t	 balance;
};

struct store_ar_due {
	char	 due_date[11];
	int64_t	 open;
};

/* location_id 0 = every account. All return a db_status. */
int	 store_receivables_totals(struct db *, int64_t location_id,
	    struct store_ar_totals *);
/* The max largest positive balances, largest first. */
int	 store_receivables_top(struct db *, int64_t location_id,
	    struct store_ar_account *out, size_t max, size_t *n);
/* Open money of issued invoices per due date (by the account's location).
 * *out is malloc'd; the caller frees it. */
int	 store_receivables_open_by_due(struct db *, int64_t location_id,
	    struct store_ar_due **out, size_t *n);

struct store_ar_location {
	int64_t	 location_id;	/* 0 = accounts without a location */
	int64_t	 owed;
	int64_t	 credit;
	int64_t	 accounts_owing;
};
/* Owed money, credit and accounts owing per location (accounts with a
 * balance), from ar_totals in primary key order: their sum is
 * store_receivables_totals(0). *more is set when locations beyond max were
 * left out. */
int	 store_receivables_by_location(struct db *, struct store_ar_location *out,
	    size_t max, size_t *n, int *more);

struct store_reserved {
	int64_t	 invoice_id;
	int64_t	 amount;
};
/* Money held for each invoice of the account by card/ACH attempts in
 * flight (reservations of pending payments), one row per reservation (the
 * caller sums): one read through payment_reservations_account, no grouping.
 * *out is malloc'd; the caller frees it. */
int	 store_receivables_reserved(struct db *, int64_t account_id,
	    struct store_reserved **out, size_t *n);

#endif
