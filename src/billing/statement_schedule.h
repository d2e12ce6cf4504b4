/* Statements on a schedule (issue 10): a practice default and per-account
 * overrides, monthly on day N or every N weeks, only when the balance is
 * above a minimum; delivered to the portal (every stored statement is
 * listed there) and, when asked, by email with the PDF attached and a link
 * that pays the statement's balance.
 *
 * Periods (day numbers, clock.h):
 *   monthly on day N: run dates are day N of each month (the 29th-31st fall
 *     back to the month's last day); the period of run date R is
 *     [previous run date, R - 1]; key "M<YYYY-MM>" of R.
 *   every W weeks from anchor A: run dates A + k*7W (k >= 0); the period of
 *     R is [R - 7W, R - 1]; key "W<YYYY-MM-DD>" of R.
 * A run makes the statement of the latest period whose run date is today
 * or earlier; a missed period (downtime) is not made afterwards, the
 * current one is, once.
 *
 * Exactly once: each account's period is claimed by inserting its row in
 * statement_schedule_runs (unique on account + period) in the transaction
 * that makes the statement and queues the email; a second runner's insert
 * waits for the first and then finds the row, and moves on. */
#ifndef STATEMENT_SCHEDULE_H
#define STATEMENT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;
struct buf;
struct config;
struct statement;

enum ss_cadence { SS_MONTHLY, SS_WEEKLY, SS_CADENCE__MAX };
enum ss_mode { SS_DEFAULT, SS_CUSTOM, SS_OFF, SS_MODE__MAX };	/* per account */

extern const char *const ss_cadence_names[SS_CADENCE__MAX];	/* "monthly", "weekly" */
extern const char *const ss_mode_names[SS_MODE__MAX];	/* "default", "custom", "off" */

struct stmt_schedule {
	int		 enabled;	/* the default: on or off; an account: mode != off */
	enum ss_cadence	 cadence;
	int		 day_of_month;	/* 1..31 */
	int		 every_weeks;	/* 1..52 */
	char		 anchor_date[11];	/* YYYY-MM-DD, weekly */
	int64_t		 min_balance;	/* cents; a statement when balance > it */
	int		 deliver_email;	/* email it (with the PDF) besides the portal */
};

enum ss_status {
	SS_OK = 0,
	SS_INVALID = 1,		/* field named in *bad */
	SS_NOT_FOUND = 2,
	SS_DB = -1,
};

/* The latest period of s whose run date is on or before today (a day
 * number): key (17 bytes), from and to (11 bytes each). 0, or -1 when no
 * run date has come yet (weekly, anchor in the future). Pure. */
int	 statement_schedule_period(const struct stmt_schedule *, int64_t today,
	    char *key, char *from, char *to);
/* Checks the fields; *bad gets the form field name of the first wrong one. */
int	 statement_schedule_check(const struct stmt_schedule *, const char **bad);

int	 statement_schedule_default_get(struct db *, struct stmt_schedule *);
int	 statement_schedule_default_set(struct db *, const struct actor *,
	    const struct stmt_schedule *, const char **bad);
/* An account's own setting (SS_DEFAULT: no row; *s then holds the default). */
int	 statement_schedule_account_get(struct db *, int64_t account_id,
	    enum ss_mode *, struct stmt_schedule *);
int	 statement_schedule_account_set(struct db *, const struct actor *,
	    int64_t account_id, enum ss_mode, const struct stmt_schedule *,
	    const char **bad);

/* What the run needs beyond the database: the config. The email is a
 * notice the mailer renders at send time, PDF included (the mailer's
 * attacher, web/pdf_receipt.c); render_pdf is no longer read here (kept
 * for the callers that fill it). */
struct ss_env {
	const struct config	*cfg;
	int			(*render_pdf)(const struct statement *,
				    const struct config *, struct buf *out);
};

struct ss_run_stats {
	size_t	 examined;	/* accounts with a schedule */
	size_t	 emailed, generated, skipped, already;	/* already: done before */
	size_t	 errors;
};

/* Makes each due statement once (see above), at most max of them; safe to
 * call every tick from several runners. SS_OK or SS_DB. */
int	 statement_schedule_run(struct db *, const struct ss_env *, int64_t now,
	    size_t max, struct ss_run_stats *);

/* Queues the email of stored statement id to its account (a notice with
 * the statement's figures and pay link frozen; the mailer attaches its PDF)
 * inside the caller's transaction; *outbox_id (may be NULL) gets the
 * row, 0 when the account has no email. A db_status. */
int	 statement_email_in_tx(struct db *, const struct ss_env *,
	    const struct statement *, int64_t *outbox_id);

/* Bulk runs that email (statement_batch_create() then this flag): each
 * statement the run generated is emailed once, like a scheduled one, by
 * statement_batch_email() (at most max per call; concurrent callers share
 * the work). Counts for the run page: email on, mails still to queue,
 * mails queued. */
int	 statement_batch_set_email(struct db *, int64_t batch_id);
int	 statement_batch_email(struct db *, const struct ss_env *,
	    int64_t batch_id, size_t max, size_t *sent);
int	 statement_batch_mail_counts(struct db *, int64_t batch_id, int *email,
	    int64_t *pending, int64_t *sent);

#endif
