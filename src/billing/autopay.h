/* Autopay of payment plans, dunning and card-expiry reminders: the work
 * of the billing-jobs jobs "plan_autopay", "plan_notices" and
 * "card_expiry". SQL and rules, no HTTP.
 *
 * Autopay: a due installment (status scheduled, due date or retry date
 * today or earlier) of an active autopay plan is claimed in a short
 * transaction (SELECT ... FOR UPDATE SKIP LOCKED, then claimed_by /
 * lease_until / attempts written on the row), charged off-session with no
 * transaction open (stripe_pay_charge_installment: it reserves the money
 * like every payment and needs the plan's consent), and the outcome
 * recorded in a new transaction. The attempt key
 * "autopay-plan-<plan>-inst-<id>-try-<n>" names (plan, installment,
 * attempt); a claim whose runner died (lease expired, claimed_by still
 * set) is taken over with the SAME attempt number, so the retry replays
 * the first charge instead of making a second one. After downtime each
 * installment is one row claimed once: it is charged once.
 *
 * Dunning: a failed charge is retried on the days of the settings
 * (default 1, 3 and 7 days after the first failure); a hard decline
 * (autopay_hard_decline) stops at once; ACH is retried only for
 * insufficient funds (R01), at most twice. When retries stop the plan is
 * past_due (it then shows on the staff home). Each notice (upcoming,
 * receipt, failed, past due, card expiring 30 / 7 days before) is written
 * once: plan_notices' unique key in the transaction that queues the
 * email. Return values: db_status (< 0 on database errors) or 0. */
#ifndef AUTOPAY_H
#define AUTOPAY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct config;
struct stripe_client;

#define AUTOPAY_RETRIES_MAX	8
#define AUTOPAY_ACH_RETRIES	2
#define AUTOPAY_LEASE		300	/* seconds a claim is held */

struct autopay_settings {
	int	 notice_days;			/* 0..30 */
	int	 retry_days[AUTOPAY_RETRIES_MAX];	/* ascending, 1..60 */
	size_t	 nretry;
};

struct autopay_env {
	struct db		*db;
	struct stripe_client	*stripe;
	const struct config	*cfg;
	const char		*runner;	/* "host:pid" */
	volatile sig_atomic_t	*stop;		/* may be NULL */
};

struct autopay_stats {
	size_t	 claimed, succeeded, pending, failed, stopped, errors, notices;
};

int	 autopay_settings_get(struct db *, struct autopay_settings *);
/* Parses "1,3,7" (ascending days, 0..AUTOPAY_RETRIES_MAX of them). 0 / -1
 * with msg. */
int	 autopay_retry_parse(const char *, struct autopay_settings *, char *msg,
	    size_t msgsz);
/* Saves the settings (audited); -1 with msg when invalid. */
struct actor;
int	 autopay_settings_set(struct db *, const struct actor *, int notice_days,
	    const char *retry_days, char *msg, size_t msgsz);

/* 1 when Stripe's decline code means: never retry. */
int	 autopay_hard_decline(const char *code);
/* 1 when an ACH failure may be retried (insufficient funds, R01). */
int	 autopay_ach_retryable(const char *code);

/* Charges due installments until none is left (at most max). */
int	 autopay_run(const struct autopay_env *, size_t max, struct autopay_stats *);
/* Queues the notice before each autopay charge (settings.notice_days). */
int	 autopay_notices_run(const struct autopay_env *, struct autopay_stats *);
/* Queues card-expiry reminders 30 and 7 days before a plan's card expires. */
int	 autopay_card_expiry_run(const struct autopay_env *, struct autopay_stats *);


/* Plans past due (the staff home's work list): worklist.h. */

#endif
