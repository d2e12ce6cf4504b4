/* Payment-plan schedule arithmetic: pure, no database, no I/O
 * (unit tests: tests/unit/test_plan_schedule.c).
 *
 * The rule for amounts (exact to the cent, never more than financed):
 *   financed = total - down payment.
 *   By number of installments N: every installment is floor(financed / N);
 *     the LAST one also carries the remainder (financed mod N), so it is
 *     the largest by at most N-1 cents. $100.00 in 3 -> 33.33, 33.33, 33.34.
 *     N larger than financed in cents (an installment of $0.00) is refused.
 *   By installment amount A: N = ceil(financed / A); the first N-1 are A and
 *     the LAST one is what is left (1 cent .. A). $100.00 by $30 -> 30, 30,
 *     30, 10. A >= financed gives one installment of financed.
 * The rule for dates (day numbers, see date_parse in clock.h):
 *   weekly / every 2 weeks: the start date, then every 7 / 14 days.
 *   twice a month: the 1st and the 15th, from the first of them on or after
 *     the start date.
 *   monthly on day D (1..31, 0 = the start date's day): from the first
 *     day-D date on or after the start date, then the same day each month;
 *     a month without day D (29th-31st) uses its last day. */
#ifndef PLAN_SCHEDULE_H
#define PLAN_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_MAX_INSTALLMENTS	520	/* 10 years weekly: a hard ceiling */

enum plan_freq {
	PLAN_FREQ_WEEKLY,
	PLAN_FREQ_BIWEEKLY,
	PLAN_FREQ_SEMIMONTHLY,	/* 1st and 15th */
	PLAN_FREQ_MONTHLY,	/* day N */
	PLAN_FREQ__MAX
};
extern const char *const plan_freq_names[PLAN_FREQ__MAX];	/* "weekly", ... */
extern const char *const plan_freq_labels[PLAN_FREQ__MAX];	/* "Weekly", ... */
int	 plan_freq_parse(const char *, enum plan_freq *);

struct plan_terms {
	int64_t		 total;		/* cents the plan covers, > 0 */
	int64_t		 down;		/* down payment, 0..total */
	int64_t		 count;		/* installments, or 0 when amount is given */
	int64_t		 amount;	/* installment amount, or 0 when count is given */
	enum plan_freq	 freq;
	int		 day;		/* monthly: 1..31, 0 = the start date's day */
	int64_t		 start;		/* day number on or after which the first falls */
};

struct plan_slot {
	int64_t	 due;		/* day number */
	int64_t	 amount;	/* cents, > 0 */
};

/* Errors name the term that is wrong (plan_schedule_field). */
enum plan_sched_status {
	PLAN_SCHED_OK = 0,
	PLAN_SCHED_BAD_TOTAL = -1,	/* total <= 0 or over MONEY_MAX */
	PLAN_SCHED_BAD_DOWN = -2,	/* down < 0 or down > total */
	PLAN_SCHED_COUNT_OR_AMOUNT = -3, /* neither or both of count and amount */
	PLAN_SCHED_BAD_COUNT = -4,	/* count < 0, > max, or an installment of $0 */
	PLAN_SCHED_BAD_AMOUNT = -5,	/* amount < 0, or more than max installments */
	PLAN_SCHED_BAD_FREQ = -6,
	PLAN_SCHED_BAD_DAY = -7,	/* not 0..31 */
	PLAN_SCHED_BAD_START = -8,	/* before 1970 or beyond 9999 */
};

/* Computes the schedule into out[0..*n) (max slots). When the down payment
 * covers the whole total, *n = 0. Returns enum plan_sched_status. */
int	 plan_schedule(const struct plan_terms *, struct plan_slot *out,
	    size_t max, size_t *n);
/* The form/API field a status is about ("amount_cents", "installments",
 * ...) and a sentence for the user. */
const char *plan_schedule_field(int);
const char *plan_schedule_strerror(int);

/* The next due date of freq after `from` (the `day` of a monthly plan as in
 * plan_terms; the first date is the first on or after `from` when
 * inclusive). Used to lay out the rest of an edited schedule. */
int64_t	 plan_next_due(enum plan_freq, int day, int64_t from, int inclusive);

/* Shrinks unpaid amounts so their sum is at most `need`: the excess comes
 * off the LAST installments first (an installment reduced to 0 is dropped,
 * its amount set to 0). Returns the amount taken off (0 when nothing). */
int64_t	 plan_schedule_shrink(int64_t *amounts, size_t n, int64_t need);

/* Practice limits (Settings). 0 = no limit. */
struct plan_limits {
	int64_t	 min_installment;	/* cents */
	int64_t	 max_installments;
	int64_t	 min_down_bp;		/* basis points of the total */
};
enum plan_limit_breach {
	PLAN_LIMIT_MIN_INSTALLMENT = 1 << 0,
	PLAN_LIMIT_MAX_INSTALLMENTS = 1 << 1,
	PLAN_LIMIT_MIN_DOWN = 1 << 2,
};
/* Which limits a computed schedule breaks (bit set of plan_limit_breach; 0
 * = none). The last installment may be below the minimum (it is what is
 * left); every other one may not. msg gets one sentence per breach. */
int	 plan_limits_check(const struct plan_limits *, const struct plan_terms *,
	    const struct plan_slot *, size_t n, char *msg, size_t msgsz);

/* Calendar helpers on day numbers. */
void	 plan_date_split(int64_t days, int *y, int *m, int *d);
int64_t	 plan_date_make(int y, int m, int d);	/* d clamped to the month's end */

#endif
