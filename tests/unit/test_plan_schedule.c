/* Unit tests: payment-plan schedules, by hand-computed tables. */
#include "common.h"

#include <check.h>

#include "clock.h"
#include "plan_schedule.h"

static int64_t
D(const char *s)
{
	int64_t d = -1;

	ck_assert_msg(date_parse(s, &d) == 0, "bad date %s", s);
	return d;
}

struct amounts_case {
	int64_t		 total, down, count, amount;
	int		 rc;
	size_t		 n;
	int64_t		 want[8];	/* first 8 amounts */
	int64_t		 last;		/* the last amount */
};

static const struct amounts_case amounts_cases[] = {
	/* $100.00 in 3: remainder on the last */
	{ 10000, 0, 3, 0, PLAN_SCHED_OK, 3, { 3333, 3333, 3334 }, 3334 },
	/* $1.00 in 7: 14c x 6, last 16c */
	{ 100, 0, 7, 0, PLAN_SCHED_OK, 7, { 14, 14, 14, 14, 14, 14, 16 }, 16 },
	/* $100.00 by $30: 30, 30, 30, 10 */
	{ 10000, 0, 0, 3000, PLAN_SCHED_OK, 4, { 3000, 3000, 3000, 1000 }, 1000 },
	/* down payment first: $100 - $25 down in 4 -> 18.75 each */
	{ 10000, 2500, 4, 0, PLAN_SCHED_OK, 4, { 1875, 1875, 1875, 1875 }, 1875 },
	/* one cent in one installment */
	{ 1, 0, 1, 0, PLAN_SCHED_OK, 1, { 1 }, 1 },
	/* one cent by a one-cent installment */
	{ 1, 0, 0, 1, PLAN_SCHED_OK, 1, { 1 }, 1 },
	/* one installment */
	{ 123457, 0, 1, 0, PLAN_SCHED_OK, 1, { 123457 }, 123457 },
	/* installment amount larger than the total: one installment */
	{ 5000, 0, 0, 9999, PLAN_SCHED_OK, 1, { 5000 }, 5000 },
	/* not divisible by amount: $10.01 by $5 -> 5, 5, 0.01 */
	{ 1001, 0, 0, 500, PLAN_SCHED_OK, 3, { 500, 500, 1 }, 1 },
	/* down payment covers everything: no installments */
	{ 1000, 1000, 2, 0, PLAN_SCHED_OK, 0, { 0 }, 0 },
	/* 1 cent in 2 installments would make one of $0.00 */
	{ 1, 0, 2, 0, PLAN_SCHED_BAD_COUNT, 0, { 0 }, 0 },
	/* neither / both */
	{ 1000, 0, 0, 0, PLAN_SCHED_COUNT_OR_AMOUNT, 0, { 0 }, 0 },
	{ 1000, 0, 2, 500, PLAN_SCHED_COUNT_OR_AMOUNT, 0, { 0 }, 0 },
	{ 0, 0, 1, 0, PLAN_SCHED_BAD_TOTAL, 0, { 0 }, 0 },
	{ 1000, 1001, 1, 0, PLAN_SCHED_BAD_DOWN, 0, { 0 }, 0 },
	{ 1000, -1, 1, 0, PLAN_SCHED_BAD_DOWN, 0, { 0 }, 0 },
	{ 100000, 0, 521, 0, PLAN_SCHED_BAD_COUNT, 0, { 0 }, 0 },
	/* $1,000.00 by $1: 100000 installments, over the ceiling */
	{ 100000, 0, 0, 1, PLAN_SCHED_BAD_AMOUNT, 0, { 0 }, 0 },
};

START_TEST(amounts_table)
{
	const struct amounts_case *c = &amounts_cases[_i];
	struct plan_terms t = { c->total, c->down, c->count, c->amount,
	    PLAN_FREQ_WEEKLY, 0, D("2025-01-01") };
	struct plan_slot s[PLAN_MAX_INSTALLMENTS];
	int64_t sum = 0;
	size_t n = 99;

	ck_assert_int_eq(plan_schedule(&t, s, ARRAY_LEN(s), &n), c->rc);
	ck_assert_uint_eq(n, c->n);
	for (size_t i = 0; i < n; i++) {
		if (i < 8)
			ck_assert_int_eq(s[i].amount, c->want[i]);
		ck_assert_int_gt(s[i].amount, 0);
		sum += s[i].amount;
	}
	if (n > 0) {
		ck_assert_int_eq(s[n - 1].amount, c->last);
		ck_assert_int_eq(sum, c->total - c->down);	/* exact to the cent */
	}
}
END_TEST

struct dates_case {
	enum plan_freq	 freq;
	int		 day;
	const char	*start;
	const char	*want[5];
};

static const struct dates_case dates_cases[] = {
	{ PLAN_FREQ_WEEKLY, 0, "2025-12-24",
	    { "2025-12-24", "2025-12-31", "2026-01-07", "2026-01-14", "2026-01-21" } },
	{ PLAN_FREQ_BIWEEKLY, 0, "2024-02-15",
	    { "2024-02-15", "2024-02-29", "2024-03-14", "2024-03-28", "2024-04-11" } },
	/* twice a month: first 1st/15th on or after the start */
	{ PLAN_FREQ_SEMIMONTHLY, 0, "2025-01-10",
	    { "2025-01-15", "2025-02-01", "2025-02-15", "2025-03-01", "2025-03-15" } },
	{ PLAN_FREQ_SEMIMONTHLY, 0, "2025-01-01",
	    { "2025-01-01", "2025-01-15", "2025-02-01", "2025-02-15", "2025-03-01" } },
	{ PLAN_FREQ_SEMIMONTHLY, 0, "2025-12-20",
	    { "2026-01-01", "2026-01-15", "2026-02-01", "2026-02-15", "2026-03-01" } },
	/* monthly on the 31st: short months use their last day */
	{ PLAN_FREQ_MONTHLY, 31, "2025-01-31",
	    { "2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31" } },
	/* the 30th in a leap year */
	{ PLAN_FREQ_MONTHLY, 30, "2024-01-30",
	    { "2024-01-30", "2024-02-29", "2024-03-30", "2024-04-30", "2024-05-30" } },
	/* the 29th in a common year */
	{ PLAN_FREQ_MONTHLY, 29, "2025-01-01",
	    { "2025-01-29", "2025-02-28", "2025-03-29", "2025-04-29", "2025-05-29" } },
	/* day 5 after a start on the 10th: next month; across a year */
	{ PLAN_FREQ_MONTHLY, 5, "2025-11-10",
	    { "2025-12-05", "2026-01-05", "2026-02-05", "2026-03-05", "2026-04-05" } },
	/* day 0 = the start date's day */
	{ PLAN_FREQ_MONTHLY, 0, "2025-03-31",
	    { "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31" } },
	/* on 2025-02-28 asking for the 31st: the month's last day counts */
	{ PLAN_FREQ_MONTHLY, 31, "2025-02-28",
	    { "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30" } },
};

START_TEST(dates_table)
{
	const struct dates_case *c = &dates_cases[_i];
	struct plan_terms t = { 50000, 0, 5, 0, c->freq, c->day, D(c->start) };
	struct plan_slot s[8];
	size_t n = 0;

	ck_assert_int_eq(plan_schedule(&t, s, ARRAY_LEN(s), &n), PLAN_SCHED_OK);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < 5; i++) {
		char got[11];

		date_fmt(s[i].due, got, sizeof(got));
		ck_assert_str_eq(got, c->want[i]);
		ck_assert_int_eq(s[i].amount, 10000);
	}
}
END_TEST

START_TEST(bad_terms_name_their_field)
{
	struct plan_terms t = { 1000, 0, 1, 0, PLAN_FREQ__MAX, 0, D("2025-01-01") };
	struct plan_slot s[2];
	size_t n;
	int rc = plan_schedule(&t, s, ARRAY_LEN(s), &n);

	ck_assert_int_eq(rc, PLAN_SCHED_BAD_FREQ);
	ck_assert_str_eq(plan_schedule_field(rc), "frequency");
	t.freq = PLAN_FREQ_MONTHLY;
	t.day = 32;
	rc = plan_schedule(&t, s, ARRAY_LEN(s), &n);
	ck_assert_int_eq(rc, PLAN_SCHED_BAD_DAY);
	ck_assert_str_eq(plan_schedule_field(rc), "day_of_month");
	t.day = 0;
	t.count = 3;	/* more than the 2 slots given */
	ck_assert_int_eq(plan_schedule(&t, s, ARRAY_LEN(s), &n), PLAN_SCHED_BAD_COUNT);
	ck_assert_str_eq(plan_schedule_field(PLAN_SCHED_BAD_COUNT), "installments");
	ck_assert_str_eq(plan_schedule_field(PLAN_SCHED_BAD_DOWN), "down_payment_cents");
	ck_assert_str_eq(plan_schedule_field(PLAN_SCHED_BAD_AMOUNT), "installment_cents");
	ck_assert(plan_schedule_strerror(PLAN_SCHED_BAD_DOWN)[0] != '\0');
}
END_TEST

START_TEST(shrink_takes_from_the_last)
{
	int64_t a[] = { 3333, 3333, 3334 };
	int64_t b[] = { 500, 500 };

	/* $50.00 still open: the last goes, the second shrinks */
	ck_assert_int_eq(plan_schedule_shrink(a, 3, 5000), 5000);
	ck_assert_int_eq(a[0], 3333);
	ck_assert_int_eq(a[1], 1667);
	ck_assert_int_eq(a[2], 0);
	/* more open than scheduled: nothing changes */
	ck_assert_int_eq(plan_schedule_shrink(a, 3, 999999), 0);
	ck_assert_int_eq(a[1], 1667);
	/* nothing open at all */
	ck_assert_int_eq(plan_schedule_shrink(b, 2, 0), 1000);
	ck_assert_int_eq(b[0] + b[1], 0);
	ck_assert_int_eq(plan_schedule_shrink(b, 2, -5), 0);
}
END_TEST

START_TEST(practice_limits)
{
	struct plan_limits l = { 5000, 3, 1000 };	/* $50, 3, 10% */
	struct plan_terms t = { 10000, 500, 4, 0, PLAN_FREQ_WEEKLY, 0, D("2025-01-01") };
	struct plan_slot s[8];
	char msg[600];
	size_t n;

	ck_assert_int_eq(plan_schedule(&t, s, 8, &n), 0);	/* 4 x 23.75 */
	ck_assert_int_eq(plan_limits_check(&l, &t, s, n, msg, sizeof(msg)),
	    PLAN_LIMIT_MIN_INSTALLMENT | PLAN_LIMIT_MAX_INSTALLMENTS |
	    PLAN_LIMIT_MIN_DOWN);
	ck_assert_ptr_nonnull(strstr(msg, "$50.00"));
	ck_assert_ptr_nonnull(strstr(msg, "10.00% ($10.00)"));
	/* $100 - $10 down by $50: 50, 40: the last may be below the minimum */
	t = (struct plan_terms){ 10000, 1000, 0, 5000, PLAN_FREQ_WEEKLY, 0, D("2025-01-01") };
	ck_assert_int_eq(plan_schedule(&t, s, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(plan_limits_check(&l, &t, s, n, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	l = (struct plan_limits){ 0, 0, 0 };
	t.down = 0;
	ck_assert_int_eq(plan_limits_check(&l, &t, s, n, msg, sizeof(msg)), 0);
}
END_TEST

START_TEST(frequency_names)
{
	enum plan_freq f;

	ck_assert_int_eq(plan_freq_parse("semimonthly", &f), 0);
	ck_assert_int_eq(f, PLAN_FREQ_SEMIMONTHLY);
	ck_assert_int_eq(plan_freq_parse("Monthly", &f), -1);
	ck_assert_int_eq(plan_freq_parse(NULL, &f), -1);
	ck_assert_str_eq(plan_freq_labels[PLAN_FREQ_BIWEEKLY], "Every 2 weeks");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plan_schedule");
	TCase *tc = tcase_create("plan_schedule");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, amounts_table, 0, (int)ARRAY_LEN(amounts_cases));
	tcase_add_loop_test(tc, dates_table, 0, (int)ARRAY_LEN(dates_cases));
	tcase_add_test(tc, bad_terms_name_their_field);
	tcase_add_test(tc, shrink_takes_from_the_last);
	tcase_add_test(tc, practice_limits);
	tcase_add_test(tc, frequency_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
