/* Statements: an itemized snapshot of an account (or one client) over a date
 * range, stored immutably with its number; bulk generation in batches; the
 * A/R summary.
 *
 * A client's statement itemizes its invoices' entries and the payments
 * applied to its invoices (whoever paid them), each for the amount applied,
 * dated by the payment. Aging and balances are as of the period end:
 * entries dated up to then, allocations of payments received up to then. */
#ifndef STATEMENT_H
#define STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "calc.h"

struct db;
struct actor;

struct statement_line {
	char	 date[11];
	char	 kind[12];		/* ledger kind */
	char	 description[300];	/* "INV-000012 Individual therapy", "Payment (check 1001)" */
	int64_t	 amount;		/* signed, ledger convention */
	int64_t	 running;		/* balance after this line */
};

struct statement {
	int64_t			 id;		/* 0 for a preview */
	char			 number[33];	/* STMT-000045 */
	int64_t			 account_id;
	int64_t			 client_id;	/* 0 = whole account */
	char			 account_name[201];
	char			 address[4][201];	/* printable address lines */
	char			 client_name[203];
	char			 period_start[11];
	char			 period_end[11];
	char			 statement_date[11];
	char			 due_date[11];
	int64_t			 opening;
	int64_t			 closing;
	int64_t			 amount_due;	/* max(closing, 0) */
	int64_t			 aging[AGING_BUCKETS];	/* open amounts by age at period_end */
	/* aging total - closing: money paid but applied to no invoice open
	 * at period end (unapplied credit), printed as its own line, so
	 * closing == aging total - unapplied on every statement. */
	int64_t			 unapplied;
	/* Client statements: the account's unallocated credit at period end,
	 * available to the client, shown but not subtracted. */
	int64_t			 account_credit;
	struct statement_line	*lines;		/* malloc'd */
	size_t			 nlines;
};

enum statement_status {
	ST_OK = 0,
	ST_NOT_FOUND = 1,
	ST_INVALID = 2,		/* bad range */
	ST_DB = -1,
};

#define STATEMENT_DUE_DAYS	30	/* due date = statement date + 30 days */

void	 statement_free(struct statement *);
/* Computes (does not store) the statement for [from, to]. */
int	 statement_preview(struct db *, int64_t account_id, int64_t client_id,
	    const char *from, const char *to, struct statement *);
/* Computes and stores a snapshot with the next number; *id_out gets its id. */
int	 statement_generate(struct db *, const struct actor *, int64_t account_id,
	    int64_t client_id, const char *from, const char *to, int64_t batch_id,
	    int64_t *id_out);
/* statement_generate() inside the caller's transaction (a db_status). */
int	 statement_generate_tx(struct db *, const struct actor *,
	    int64_t account_id, int64_t client_id, const char *from,
	    const char *to, int64_t batch_id, int64_t *id_out);
/* Loads a stored snapshot exactly as generated. */
int	 statement_get(struct db *, int64_t id, struct statement *);
/* Stored statements of an account, newest first (headers only). */
int	 statement_list(struct db *, int64_t account_id, struct statement **out,
	    size_t *n);

/* Stored statements (headers only, as statement_list fills them), newest
 * first, a page at a time: every account's, one account's or one batch's. */
#define STATEMENT_FIND_MAX	200
struct statement_filter {
	int64_t	 account_id;	/* 0 = any */
	int64_t	 batch_id;	/* 0 = any */
	int64_t	 before_id;	/* keyset: 0 = newest */
	size_t	 limit;		/* 1..STATEMENT_FIND_MAX */
};
/* *more = 1 when an older page exists. Caller frees *out (statement_free
 * each row is not needed: headers own no memory). */
int	 statement_find(struct db *, const struct statement_filter *,
	    struct statement **out, size_t *n, int *more);

struct statement_batch {
	int64_t	 id;
	char	 status[8];	/* running | done */
	char	 period_start[11];
	char	 period_end[11];
	int64_t	 location_id;
	int64_t	 min_balance;
	int64_t	 total;
	int64_t	 done;
	int64_t	 created_at;
};
/* Selects every account with balance >= min_balance (and location, if set)
 * and records them as batch items. */
int	 statement_batch_create(struct db *, const struct actor *, const char *from,
	    const char *to, int64_t location_id, int64_t min_balance, int64_t *id_out);
/* Generates up to max pending statements of the batch (items are claimed with
 * FOR UPDATE SKIP LOCKED, so concurrent callers never duplicate work). */
int	 statement_batch_step(struct db *, const struct actor *, int64_t batch_id,
	    size_t max);
int	 statement_batch_get(struct db *, int64_t id, struct statement_batch *);

struct ar_row {
	int64_t	 account_id;
	char	 account_name[201];
	int64_t	 balance;
};
/* Receivables of one location (accounts owing money there). */
struct ar_location {
	int64_t	 location_id;
	int64_t	 total;
	int64_t	 accounts_with_balance;
};
#define AR_MAX_LOCATIONS	1000
struct ar_summary {
	int64_t		 total;			/* sum of positive account balances */
	int64_t		 credit;		/* sum of negative balances (as positive) */
	int64_t		 aging[AGING_BUCKETS];	/* open invoice amounts by age today */
	/* Payments not applied to an invoice yet, all accounts': the aging's
	 * total less this is total - credit (each balance is its open
	 * invoices less its unapplied money, a rule ledger verify checks). */
	int64_t		 unapplied;
	int64_t		 accounts_with_balance;
	struct ar_row	 top[20];
	size_t		 ntop;
	/* Without a location: each location's part (from the same read as
	 * the totals); loc_complete when none was left out. */
	struct ar_location loc[AR_MAX_LOCATIONS];
	size_t		 nloc;
	int		 loc_complete;
};
int	 ar_summary(struct db *, int64_t location_id, struct ar_summary *);

#endif
