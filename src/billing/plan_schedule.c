/* Payment-plan schedule arithmetic (rules in plan_schedule.h). */
#include "common.h"

#include "clock.h"
#include "money.h"
#include "plan_schedule.h"
#include "str.h"

const char *const plan_freq_names[PLAN_FREQ__MAX] = {
	"weekly", "biweekly", "semimonthly", "monthly",
};
const char *const plan_freq_labels[PLAN_FREQ__MAX] = {
	"Weekly", "Every 2 weeks", "Twice a month (1st and 15th)", "Monthly",
};

int
plan_freq_parse(const char *s, enum plan_freq *f)
{
	for (int i = 0; i < PLAN_FREQ__MAX; i++)
		if (s != NULL && strcmp(s, plan_freq_names[i]) == 0) {
			*f = (enum plan_freq)i;
			return 0;
		}
	return -1;
}

/* The calendar of clock.c's date_parse/date_fmt. */
void
plan_date_split(int64_t z, int *y, int *m, int *d)
{
	date_split(z, y, m, d);
}

int64_t
plan_date_make(int y, int m, int d)
{
	if (d > date_month_days(y, m))
		d = date_month_days(y, m);
	return date_make(y, m, d);
}

/* The first date on day `day` (clamped) in or after the month of `from`
 * that is >= from (> from unless inclusive). */
static int64_t
next_monthly(int day, int64_t from, int inclusive)
{
	int y, m, d;
	int64_t t;

	plan_date_split(from, &y, &m, &d);
	if (day == 0)
		day = d;
	for (;;) {
		t = plan_date_make(y, m, day);
		if (t > from || (inclusive && t == from))
			return t;
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
}

static int64_t
next_semimonthly(int64_t from, int inclusive)
{
	int y, m, d;

	plan_date_split(from, &y, &m, &d);
	if (d == 1 && inclusive)
		return from;
	if (d < 15 || (d == 15 && inclusive))
		return plan_date_make(y, m, 15);
	return m == 12 ? plan_date_make(y + 1, 1, 1) : plan_date_make(y, m + 1, 1);
}

int64_t
plan_next_due(enum plan_freq f, int day, int64_t from, int inclusive)
{
	switch (f) {
	case PLAN_FREQ_WEEKLY:
		return inclusive ? from : from + 7;
	case PLAN_FREQ_BIWEEKLY:
		return inclusive ? from : from + 14;
	case PLAN_FREQ_SEMIMONTHLY:
		return next_semimonthly(from, inclusive);
	default:
		return next_monthly(day, from, inclusive);
	}
}

static int
check_terms(const struct plan_terms *t)
{
	if (t->total <= 0 || t->total > MONEY_MAX)
		return PLAN_SCHED_BAD_TOTAL;
	if (t->down < 0 || t->down > t->total)
		return PLAN_SCHED_BAD_DOWN;
	if (t->count < 0 || t->count > PLAN_MAX_INSTALLMENTS)
		return PLAN_SCHED_BAD_COUNT;
	if (t->amount < 0 || t->amount > MONEY_MAX)
		return PLAN_SCHED_BAD_AMOUNT;
	if ((t->count == 0) == (t->amount == 0))
		return PLAN_SCHED_COUNT_OR_AMOUNT;
	if ((int)t->freq < 0 || t->freq >= PLAN_FREQ__MAX)
		return PLAN_SCHED_BAD_FREQ;
	if (t->day < 0 || t->day > 31)
		return PLAN_SCHED_BAD_DAY;
	/* 1970-01-01 .. 9999-12-31, and room for 10 years after it */
	if (t->start < 0 || t->start > 2932896 - 3700)
		return PLAN_SCHED_BAD_START;
	return PLAN_SCHED_OK;
}

/* Splits financed into *n amounts by the rule in the header. */
static int
split_amounts(const struct plan_terms *t, int64_t financed, struct plan_slot *out,
    size_t max, size_t *n)
{
	int64_t cnt, each;

	if (t->count > 0) {
		cnt = t->count;
		if (financed / cnt == 0)
			return PLAN_SCHED_BAD_COUNT;
		each = financed / cnt;
	} else {
		each = t->amount < financed ? t->amount : financed;
		cnt = financed / each + (financed % each != 0);
		if (cnt > PLAN_MAX_INSTALLMENTS)
			return PLAN_SCHED_BAD_AMOUNT;
	}
	if ((size_t)cnt > max)
		return t->count > 0 ? PLAN_SCHED_BAD_COUNT : PLAN_SCHED_BAD_AMOUNT;
	for (int64_t i = 0; i < cnt; i++)
		out[i].amount = each;
	out[cnt - 1].amount = financed - each * (cnt - 1);
	*n = (size_t)cnt;
	return PLAN_SCHED_OK;
}

int
plan_schedule(const struct plan_terms *t, struct plan_slot *out, size_t max,
    size_t *n)
{
	int64_t financed, due;
	int rc, day;

	*n = 0;
	if ((rc = check_terms(t)) != PLAN_SCHED_OK)
		return rc;
	financed = t->total - t->down;
	if (financed == 0)
		return PLAN_SCHED_OK;
	if ((rc = split_amounts(t, financed, out, max, n)) != PLAN_SCHED_OK) {
		*n = 0;
		return rc;
	}
	day = t->day;
	if (day == 0) {		/* the start date's day, for every month */
		int y, m;
		plan_date_split(t->start, &y, &m, &day);
	}
	due = plan_next_due(t->freq, day, t->start, 1);
	for (size_t i = 0; i < *n; i++) {
		out[i].due = due;
		due = plan_next_due(t->freq, day, due, 0);
	}
	return PLAN_SCHED_OK;
}

int64_t
plan_schedule_shrink(int64_t *amounts, size_t n, int64_t need)
{
	int64_t sum = 0, excess, taken = 0;

	for (size_t i = 0; i < n; i++)
		sum += amounts[i];
	if (need < 0)
		need = 0;
	excess = sum - need;
	for (size_t i = n; i > 0 && excess > 0; i--) {
		int64_t cut = amounts[i - 1] < excess ? amounts[i - 1] : excess;

		amounts[i - 1] -= cut;
		excess -= cut;
		taken += cut;
	}
	return taken;
}

static const struct {
	const char	*field;
	const char	*msg;
} sched_errors[] = {
	{ "", "" },
	{ "amount_cents", "The amount must be more than $0.00." },
	{ "down_payment_cents", "The down payment must be between $0.00 and the plan's total." },
	{ "installments", "Give either a number of installments or an installment amount." },
	{ "installments", "The number of installments must be 1 to 520, and no installment may be $0.00." },
	{ "installment_cents", "The installment amount must be more than $0.00 and make at most 520 installments." },
	{ "frequency", "Choose a frequency: weekly, every 2 weeks, twice a month or monthly." },
	{ "day_of_month", "The day of the month must be 1 to 31." },
	{ "start_date", "The start date is not a valid date." },
};

const char *
plan_schedule_field(int rc)
{
	rc = -rc;
	return rc >= 0 && (size_t)rc < ARRAY_LEN(sched_errors) ?
	    sched_errors[rc].field : "";
}

const char *
plan_schedule_strerror(int rc)
{
	rc = -rc;
	return rc >= 0 && (size_t)rc < ARRAY_LEN(sched_errors) ?
	    sched_errors[rc].msg : "The schedule could not be computed.";
}

static void
breach(char *msg, size_t msgsz, const char *what)
{
	size_t len = strlen(msg);

	str_fmt(msg + len, msgsz - len, "%s%s", len ? " " : "", what);
}

int
plan_limits_check(const struct plan_limits *l, const struct plan_terms *t,
    const struct plan_slot *s, size_t n, char *msg, size_t msgsz)
{
	char a[MONEY_FMT_MAX], line[200];
	int64_t min_down = 0;
	int out = 0;

	msg[0] = '\0';
	for (size_t i = 0; l->min_installment > 0 && i + 1 < n; i++)
		if (s[i].amount < l->min_installment) {
			money_format(l->min_installment, a, sizeof(a));
			str_fmt(line, sizeof(line), "Installments are below the "
			    "practice minimum of %s.", a);
			breach(msg, msgsz, line);
			out |= PLAN_LIMIT_MIN_INSTALLMENT;
			break;
		}
	if (l->max_installments > 0 && (int64_t)n > l->max_installments) {
		str_fmt(line, sizeof(line), "The plan has %zu installments; the "
		    "practice maximum is %" PRId64 ".", n, l->max_installments);
		breach(msg, msgsz, line);
		out |= PLAN_LIMIT_MAX_INSTALLMENTS;
	}
	if (l->min_down_bp > 0 && money_percent(t->total, l->min_down_bp,
	    &min_down) == 0 && t->down < min_down) {
		money_format(min_down, a, sizeof(a));
		str_fmt(line, sizeof(line), "The down payment is below the practice "
		    "minimum of %" PRId64 ".%02" PRId64 "%% (%s).",
		    l->min_down_bp / 100, l->min_down_bp % 100, a);
		breach(msg, msgsz, line);
		out |= PLAN_LIMIT_MIN_DOWN;
	}
	return out;
}
