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

struct store_ar_location {
	int64_t	 location_id;	/* 0 = accounts without a location */
	int64_t	 owed;
	int64_t	 credit;
	int64_t	 accounts_owing;
};

/* Aging cut dates, latest first: money due after cut[0], in
 * (cut[k], cut[k - 1]], and on or before cut[3]. */
#define STORE_AR_CUTS	4

/* The A/R page of a location (location_id 0: every account) in one
 * statement that reads ar_totals (at most 16 rows per location), at most
 * maxtop entries of an account balance index and ar_open_due, never the
 * ledger nor every account, and creates no temporary table. */
struct store_ar_view {
	/* in */
	char			 cut[STORE_AR_CUTS][11];	/* YYYY-MM-DD */
	struct store_ar_location *loc;	/* location_id 0: each location with */
	size_t			 maxloc;	/* a balance, in id order */
	struct store_ar_account	*top;	/* the largest positive balances, */
	size_t			 maxtop;	/* largest first */
	/* out */
	struct store_ar_totals	 totals;	/* every location's when 0 */
	size_t			 nloc;
	int			 more;		/* locations beyond maxloc */
	size_t			 ntop;
	int64_t			 aging[STORE_AR_CUTS + 1];	/* latest first */
};
/* A db_status. */
int	 store_receivables_view(struct db *, int64_t location_id,
	    struct store_ar_view *);

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
