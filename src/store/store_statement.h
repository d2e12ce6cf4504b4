/* Statements: stored statements (statements, with their snapshot),
 * the statement number sequence, the reads a statement is computed from
 * (ledger_entries, allocations, payments, invoices, accounts, clients),
 * bulk runs (statement_batches, statement_batch_items) and schedules
 * (statement_schedule_settings, statement_schedules,
 * statement_schedule_runs). The snapshot codec (JSON, json-c) is
 * store_statement_snapshot.c. Functions return a db_status (0 is DB_OK;
 * DB_DUP for a duplicate) unless said otherwise; a "get" returns 1 when
 * found, 0 when not, or a negative db_status. */
#ifndef STORE_STATEMENT_H
#define STORE_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define STORE_STATEMENT_AGING	5	/* calc.h AGING_BUCKETS */

struct store_statement_line {
	char	 date[11];
	char	 kind[12];
	char	 description[300];
	int64_t	 amount;
	int64_t	 running;
};

/* A statement as stored: the snapshot (get) or the header columns only
 * (find: lines NULL, address, aging, unapplied, account_credit zero). */
struct store_statement {
	int64_t				 id;
	char				 number[33];
	int64_t				 account_id;
	int64_t				 client_id;	/* 0: whole account */
	char				 account_name[201];
	char				 address[4][201];
	char				 client_name[203];
	char				 period_start[11];
	char				 period_end[11];
	char				 statement_date[11];
	char				 due_date[11];
	int64_t				 opening, closing, amount_due;
	int64_t				 aging[STORE_STATEMENT_AGING];
	int64_t				 unapplied, account_credit;
	/* get: 0 for a version-1 snapshot, which stored no unapplied /
	 * account_credit (the caller derives the former). */
	int				 has_unapplied;
	struct store_statement_line	*lines;		/* malloc'd */
	size_t				 nlines;
};

void	 store_statement_free(struct store_statement *);
/* Computes the next number of the 'statement' sequence and bumps it
 * (the row stays locked until the caller's transaction ends: gap-free).
 * count numbers are taken: *first, *first + 1, ... */
int	 store_statement_number_take(struct db *, int64_t count, int64_t *first);
/* Stores st with its snapshot; created_by 0: NULL; batch_id 0: none. */
int	 store_statement_insert(struct db *, const struct store_statement *st,
	    int64_t batch_id, int64_t created_by, int64_t now, int64_t *id);
/* The stored snapshot, exactly as generated (store_statement_free it). */
int	 store_statement_get(struct db *, int64_t id, struct store_statement *);
/* Headers, newest first, id < before, at most limit: of one batch (batch_id
 * set), else of one account (account_id set), else all (malloc'd array). */
int	 store_statement_find(struct db *, int64_t account_id, int64_t batch_id,
	    int64_t before, int64_t limit, struct store_statement **out,
	    size_t *n);

/* The snapshot codec (store_statement_snapshot.c): the whole statement as
 * JSON text (malloc'd; NULL on ENOMEM), and back (0, or -1 when malformed;
 * store_statement_free *st either way). */
char	*store_statement_snapshot_encode(const struct store_statement *);
int	 store_statement_snapshot_decode(const char *, struct store_statement *);

/* --- what a statement is computed from (store_statement_read.c) ----------- */
/* client_id 0 in the reads below: the whole account's. */

struct store_statement_party {
	int64_t	 account_id;
	char	 name[201];
	char	 address1[201];
	char	 address2[201];
	char	 city[201];
	char	 region[201];
	char	 postal_code[81];
};
/* A client's account and "first last" name (1, 0 when no such client). */
int	 store_statement_client_get(struct db *, int64_t client_id,
	    int64_t *account_id, char *name, size_t namesz);
int	 store_statement_party_get(struct db *, int64_t account_id,
	    struct store_statement_party *);
/* Balance before from: the account's entries, or a client's invoices'
 * entries less the money applied to them. */
int	 store_statement_opening(struct db *, int64_t account_id,
	    int64_t client_id, const char *from, int64_t *out);

/* One line's facts, in statement order (date, then entry). For a client,
 * a payment is one row for what it applied to the client's invoices, its
 * number the invoices' numbers ("INV-1, INV-2"). */
struct store_statement_row {
	int64_t	 account_id;
	char	 kind[12];
	int64_t	 amount;
	char	 date[11];
	char	 number[300];
	char	 memo[300];
	char	 method[16];
	char	 reference[300];
};
int	 store_statement_rows(struct db *, int64_t account_id, int64_t client_id,
	    const char *from, const char *to, struct store_statement_row **out,
	    size_t *n);
/* Non-draft invoices open at the end of to (entries dated up to then less
 * allocations of payments received up to then), open > 0 only. */
struct store_statement_open {
	int64_t	 account_id;
	char	 due_date[11];
	int64_t	 open;
};
int	 store_statement_open_invoices(struct db *, int64_t account_id,
	    int64_t client_id, const char *to, struct store_statement_open **out,
	    size_t *n);
/* The account's payments and refunds up to to, less what they applied. */
int	 store_statement_unallocated(struct db *, int64_t account_id,
	    const char *to, int64_t *out);

/* The same facts for many accounts at once, for the whole-account
 * statements of a bulk run's items with account_id in [lo, hi] (items
 * claimed by another step included: the caller picks its own): each array
 * by account, one query each. totals: each account's sum of every entry;
 * rows: its entries dated from `from` on, those after `to` included (the
 * caller leaves them out of the lines; opening = total - their sum). */
struct store_statement_balance {
	int64_t	 account_id;
	int64_t	 amount;
};
struct store_statement_many {
	struct store_statement_party	*parties;
	size_t				 nparties;
	struct store_statement_balance	*totals;	/* accounts with entries */
	size_t				 ntotals;
	struct store_statement_row	*rows;
	size_t				 nrows;
	struct store_statement_open	*opens;
	size_t				 nopens;
};
int	 store_statement_batch_read(struct db *, int64_t batch_id, int64_t lo,
	    int64_t hi, const char *from, const char *to,
	    struct store_statement_many *);
void	 store_statement_many_free(struct store_statement_many *);

/* --- bulk runs (store_statement_batch.c) ---------------------------------- */

struct store_statement_batch {
	int64_t	 id;
	char	 status[8];	/* running | done */
	char	 period_start[11];
	char	 period_end[11];
	int64_t	 location_id;	/* 0: every location */
	int64_t	 min_balance;
	int64_t	 total;
	int64_t	 done;
	int64_t	 created_at;
};
/* Accounts (of location_id, 0: any) whose ledger sums to min_balance or
 * more, by id (malloc'd). A plain, non-locking read. */
int	 store_statement_batch_accounts(struct db *, int64_t location_id,
	    int64_t min_balance, int64_t **out, size_t *n);
/* finished_at 0: NULL; created_by 0: NULL. */
int	 store_statement_batch_insert(struct db *,
	    const struct store_statement_batch *, int64_t created_by,
	    int64_t finished_at, int64_t *id);
int	 store_statement_batch_items_insert(struct db *, int64_t batch_id,
	    const int64_t *account_ids, size_t n);
int	 store_statement_batch_get(struct db *, int64_t id,
	    struct store_statement_batch *);
/* Up to max items without a statement, by account, locked FOR UPDATE SKIP
 * LOCKED (a concurrent caller skips them). */
int	 store_statement_batch_claim(struct db *, int64_t batch_id, size_t max,
	    int64_t **account_ids, size_t *n);
struct store_statement_item {
	int64_t	 account_id;
	int64_t	 statement_id;
};
/* Records each item's statement (items the caller claimed). */
int	 store_statement_batch_items_done(struct db *, int64_t batch_id,
	    const struct store_statement_item *, size_t n);
/* done += n; status done (finished_at = now) once done reaches total. */
int	 store_statement_batch_advance(struct db *, int64_t batch_id, int64_t n,
	    int64_t now);
int	 store_statement_batch_set_email(struct db *, int64_t batch_id);
/* Up to max generated, unmailed items of an emailing batch, by account,
 * FOR UPDATE SKIP LOCKED. */
int	 store_statement_batch_mail_claim(struct db *, int64_t batch_id,
	    size_t max, struct store_statement_item **out, size_t *n);
/* outbox_id 0: NULL (nothing was due). */
int	 store_statement_batch_item_mailed(struct db *, int64_t batch_id,
	    int64_t account_id, int64_t outbox_id);
int	 store_statement_batch_mail_counts(struct db *, int64_t batch_id,
	    int *email, int64_t *pending, int64_t *sent);

/* --- schedules (store_statement_schedule.c) ------------------------------- */

struct store_statement_schedule {
	int	 enabled;	/* the default's flag */
	char	 mode[8];	/* an account's: custom | off */
	char	 cadence[8];	/* monthly | weekly */
	int	 day_of_month;
	int	 every_weeks;
	char	 anchor_date[11];
	int64_t	 min_balance;
	int	 deliver_email;
};
int	 store_statement_schedule_default_get(struct db *,
	    struct store_statement_schedule *);
/* updated_by 0: NULL. */
int	 store_statement_schedule_default_set(struct db *,
	    const struct store_statement_schedule *, int64_t updated_by,
	    int64_t now);
int	 store_statement_schedule_account_get(struct db *, int64_t account_id,
	    struct store_statement_schedule *);
int	 store_statement_schedule_account_put(struct db *, int64_t account_id,
	    const struct store_statement_schedule *, int64_t updated_by,
	    int64_t now);
int	 store_statement_schedule_account_delete(struct db *, int64_t account_id);
/* Accounts with a schedule, their own (custom) or the default (when it is
 * on), by account (malloc'd). */
struct store_statement_due {
	int64_t				 account_id;
	struct store_statement_schedule	 s;
};
int	 store_statement_schedule_due(struct db *,
	    struct store_statement_due **out, size_t *n);
/* 1 when the account's period key has its run row, else 0. */
int	 store_statement_schedule_run_get(struct db *, int64_t account_id,
	    const char *key);
/* Claims the period: DB_DUP when another run has it. */
int	 store_statement_schedule_run_claim(struct db *, int64_t account_id,
	    const char *key, int64_t now);
/* statement_id, outbox_id 0: NULL. */
int	 store_statement_schedule_run_finish(struct db *, int64_t account_id,
	    const char *key, const char *status, int64_t statement_id,
	    int64_t outbox_id, int64_t balance);
/* The account's email and language ("" when none). */
int	 store_statement_account_contact(struct db *, int64_t account_id,
	    char *email, size_t emailsz, char *lang, size_t langsz);
/* Posts the account's issued invoices to the portal (those not yet there). */
int	 store_statement_portal_post(struct db *, int64_t account_id,
	    int64_t now);

#endif
