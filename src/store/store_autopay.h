/* Autopay of payment plans: the installment claims of the autopay runner
 * (lease columns of payment_plan_installments), their outcomes, the autopay
 * settings of plan_settings, plan_notices and what the notice jobs look
 * for. Functions return a db_status (0 is DB_OK) unless said otherwise; a
 * "get" returns 1 when found, 0 when not. Dates are "YYYY-MM-DD" text.
 * The caller (billing/autopay*.c) holds the transactions. */
#ifndef STORE_AUTOPAY_H
#define STORE_AUTOPAY_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* --- claims and outcomes ----------------------------------------------------- */

/* An installment due for autopay with its plan's facts. */
struct store_autopay_due {
	int64_t	 inst_id, plan_id;
	int	 number;
	int64_t	 amount;
	int	 attempts, failures;
	int	 inflight;		/* claimed_by set: a runner died */
	int64_t	 account_id, client_id, method_id;	/* 0: none */
	char	 first_failed[11];	/* "" = never */
};

/* Locks the first due installment (retry_on or due_date <= today, no live
 * lease at now) of an active autopay plan, FOR UPDATE SKIP LOCKED so
 * runners on other hosts pass it by: 1 and *d, 0 none due. */
int	 store_autopay_claim_next(struct db *, const char *today, int64_t now,
	    struct store_autopay_due *d);
/* The claim written to the locked row: runner, lease, attempt number. */
int	 store_autopay_lease(struct db *, int64_t inst_id, const char *runner,
	    int64_t lease_until, int attempt, int64_t now);
/* SELECT ... FOR UPDATE of the installment: 1 locked, 0 no such row. */
int	 store_autopay_lock(struct db *, int64_t inst_id);
/* Charged (succeeded or pending): processing with payment_id, claim gone. */
int	 store_autopay_charged(struct db *, int64_t inst_id, int64_t payment_id);

struct store_autopay_failure {
	int64_t	 inst_id;
	int	 failures;
	const char *today;
	const char *code;
	int	 retry;			/* 0: dunning stops */
	int	 retry_days;		/* after the first failure */
};

/* Scheduled again with the failure counted and the next retry date. */
int	 store_autopay_failed(struct db *, const struct store_autopay_failure *);
/* Nothing charged: claim given back, lease until `until`, attempt undone. */
int	 store_autopay_release(struct db *, int64_t inst_id, int64_t until);
/* *ach 1 when the payment method is a bank account. */
int	 store_autopay_method_ach(struct db *, int64_t method_id, int *ach);
/* Plans with a processing installment whose payment settled (at most
 * 500), into a malloc'd array. */
int	 store_autopay_settled_plans(struct db *, int64_t **ids, size_t *n);

/* --- settings ------------------------------------------------------------------ */

/* notice_days (3 when no row) and retry_days text ("1,3,7"). */
int	 store_autopay_settings_get(struct db *, int *notice_days, char *retry,
	    size_t retrysz);
int	 store_autopay_settings_set(struct db *, int notice_days,
	    const char *retry);

/* --- notices --------------------------------------------------------------------- */

/* What a notice says: the account, the method, the installment (none for a
 * card notice: number 0, due "", amount 0). */
struct store_autopay_notice {
	char	 account_name[201];
	char	 email[255];
	char	 mkind[16], brand[33], last4[5];
	int64_t	 exp_month, exp_year;
	int64_t	 number;
	char	 due[11];
	int64_t	 amount;
	char	 retry_on[11];
	char	 language[9];
	int64_t	 account_id;
};

/* inst_id 0: of the method method_id, else of installment inst_id of
 * plan_id. 1 found, 0 not. */
int	 store_autopay_notice_get(struct db *, int64_t inst_id, int64_t plan_id,
	    int64_t method_id, struct store_autopay_notice *);
/* The notice row (0 ids: NULL); DB_DUP when that notice exists. */
int	 store_autopay_notice_insert(struct db *, const char *kind,
	    int64_t plan_id, int64_t inst_id, int64_t method_id, int attempt,
	    const char *subject_key, int64_t now);

struct store_autopay_upcoming {
	int64_t	 inst_id, plan_id;
	int	 autopay;
};

/* Scheduled installments of active plans due from today to today + days
 * with no upcoming/due notice yet (at most 1000), malloc'd. */
int	 store_autopay_upcoming(struct db *, const char *today, int days,
	    struct store_autopay_upcoming **out, size_t *n);

struct store_autopay_expiring {
	int64_t	 method_id, plan_id;
	int64_t	 exp_year, exp_month;
	int64_t	 days;			/* until the card's last day */
};

/* Active cards of live plans ending within 30 days (at most 1000). */
int	 store_autopay_expiring(struct db *, const char *today,
	    struct store_autopay_expiring **out, size_t *n);
/* Plans past due: store_worklist_read (the staff home). */

#endif
