/* Unit tests: the periods of scheduled statements (statement_schedule_period),
 * by hand-computed tables. */
#include "common.h"

#include <check.h>

#include "clock.h"
#include "statement_schedule.h"
#include "str.h"

struct period_case {
	enum ss_cadence	 cadence;
	int		 day, weeks;
	const char	*anchor, *today;
	int		 rc;
	const char	*key, *from, *to;
};

static const struct period_case cases[] = {
	/* monthly on the 1st: the previous calendar month */
	{ SS_MONTHLY, 1, 0, "2027-01-04", "2027-03-01", 0, "M2027-03",
	    "2027-02-01", "2027-02-28" },
	{ SS_MONTHLY, 1, 0, "2027-01-04", "2027-03-31", 0, "M2027-03",
	    "2027-02-01", "2027-02-28" },
	/* the day before the run date: still the previous period */
	{ SS_MONTHLY, 15, 0, "2027-01-04", "2027-03-14", 0, "M2027-02",
	    "2027-01-15", "2027-02-14" },
	{ SS_MONTHLY, 15, 0, "2027-01-04", "2027-03-15", 0, "M2027-03",
	    "2027-02-15", "2027-03-14" },
	/* the 31st falls on the month's last day (leap year and not) */
	{ SS_MONTHLY, 31, 0, "2027-01-04", "2027-02-28", 0, "M2027-02",
	    "2027-01-31", "2027-02-27" },
	{ SS_MONTHLY, 31, 0, "2027-01-04", "2028-02-29", 0, "M2028-02",
	    "2028-01-31", "2028-02-28" },
	{ SS_MONTHLY, 31, 0, "2027-01-04", "2027-03-30", 0, "M2027-02",
	    "2027-01-31", "2027-02-27" },
	/* January: the period starts in December of the year before */
	{ SS_MONTHLY, 5, 0, "2027-01-04", "2027-01-05", 0, "M2027-01",
	    "2026-12-05", "2027-01-04" },
	{ SS_MONTHLY, 5, 0, "2027-01-04", "2027-01-04", 0, "M2026-12",
	    "2026-11-05", "2026-12-04" },
	/* every 2 weeks from a Monday */
	{ SS_WEEKLY, 1, 2, "2027-01-04", "2027-01-04", 0, "W2027-01-04",
	    "2026-12-21", "2027-01-03" },
	{ SS_WEEKLY, 1, 2, "2027-01-04", "2027-01-17", 0, "W2027-01-04",
	    "2026-12-21", "2027-01-03" },
	{ SS_WEEKLY, 1, 2, "2027-01-04", "2027-01-18", 0, "W2027-01-18",
	    "2027-01-04", "2027-01-17" },
	/* before the first date: nothing yet */
	{ SS_WEEKLY, 1, 4, "2027-01-04", "2027-01-03", -1, NULL, NULL, NULL },
};

START_TEST(test_periods)
{
	const struct period_case *c = &cases[_i];
	struct stmt_schedule s;
	char key[17], from[11], to[11];
	int64_t today;

	memset(&s, 0, sizeof(s));
	s.cadence = c->cadence;
	s.day_of_month = c->day;
	s.every_weeks = c->weeks;
	str_copy(s.anchor_date, sizeof(s.anchor_date), c->anchor);
	ck_assert(date_parse(c->today, &today) == 0);
	ck_assert_int_eq(statement_schedule_period(&s, today, key, from, to), c->rc);
	if (c->rc != 0)
		return;
	ck_assert_str_eq(key, c->key);
	ck_assert_str_eq(from, c->from);
	ck_assert_str_eq(to, c->to);
}
END_TEST

START_TEST(test_check_names_the_field)
{
	struct stmt_schedule s = { 1, SS_MONTHLY, 1, 4, "2027-01-04", 0, 1 };
	const char *bad = NULL;

	ck_assert_int_eq(statement_schedule_check(&s, &bad), SS_OK);
	s.day_of_month = 32;
	ck_assert_int_eq(statement_schedule_check(&s, &bad), SS_INVALID);
	ck_assert_str_eq(bad, "day_of_month");
	s.day_of_month = 1;
	s.every_weeks = 0;
	ck_assert_int_eq(statement_schedule_check(&s, &bad), SS_INVALID);
	ck_assert_str_eq(bad, "every_weeks");
	s.every_weeks = 4;
	str_copy(s.anchor_date, sizeof(s.anchor_date), "2027-02-30");
	ck_assert_int_eq(statement_schedule_check(&s, &bad), SS_INVALID);
	ck_assert_str_eq(bad, "anchor_date");
	str_copy(s.anchor_date, sizeof(s.anchor_date), "2027-01-04");
	s.min_balance = -1;
	ck_assert_int_eq(statement_schedule_check(&s, &bad), SS_INVALID);
	ck_assert_str_eq(bad, "min_balance");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stmt_schedule");
	TCase *tc = tcase_create("periods");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_periods, 0, (int)ARRAY_LEN(cases));
	tcase_add_test(tc, test_check_names_the_field);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
