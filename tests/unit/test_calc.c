/* Unit tests: invoice totals, percent discounts, aging, allocation rules,
 * statement balances, dates. */
#include "common.h"

#include <check.h>

#include "calc.h"
#include "clock.h"

START_TEST(invoice_totals_with_line_and_invoice_discounts)
{
	struct calc_line l[] = {
		{ 2, 15000, DISC_NONE, 0, 0, 0, 0 },		/* 2 x $150 */
		{ 1, 9999, DISC_PERCENT, 1000, 0, 0, 0 },	/* $99.99 - 10% */
		{ 3, 2500, DISC_FIXED, 500, 0, 0, 0 },		/* 3 x $25 - $5 */
	};
	struct calc_invoice inv = { DISC_PERCENT, 500, 0, 0, 0, 0, 0 };	/* 5% */
	size_t bad;

	ck_assert_int_eq(calc_invoice(l, 3, &inv, &bad), CALC_OK);
	ck_assert(l[0].net == 30000);
	ck_assert(l[1].discount == 1000);	/* 999.9c -> 1000c (half up) */
	ck_assert(l[1].net == 8999);
	ck_assert(l[2].net == 7000);
	ck_assert(inv.gross == 30000 + 9999 + 7500);
	ck_assert(inv.line_discounts == 1500);
	ck_assert(inv.subtotal == 45999);
	ck_assert(inv.discount == 2300);	/* 2299.95c -> 2300c */
	ck_assert(inv.total == 43699);
}
END_TEST

START_TEST(percent_rounding_half_away_from_zero)
{
	struct calc_line l[] = { { 1, 5, DISC_PERCENT, 1000, 0, 0, 0 } };
	struct calc_invoice inv = { DISC_NONE, 0, 0, 0, 0, 0, 0 };
	size_t bad;

	ck_assert_int_eq(calc_invoice(l, 1, &inv, &bad), CALC_OK);
	ck_assert(l[0].discount == 1);	/* 0.5c rounds to 1c */
	ck_assert(inv.total == 4);
	l[0].rate = 4;
	calc_invoice(l, 1, &inv, &bad);
	ck_assert(l[0].discount == 0);	/* 0.4c rounds to 0 */
	l[0].dv = 10000;
	calc_invoice(l, 1, &inv, &bad);
	ck_assert(inv.total == 0);	/* 100% */
}
END_TEST

START_TEST(invalid_lines_are_named)
{
	struct calc_line l[] = {
		{ 1, 100, DISC_NONE, 0, 0, 0, 0 },
		{ 0, 100, DISC_NONE, 0, 0, 0, 0 },
	};
	struct calc_invoice inv = { DISC_NONE, 0, 0, 0, 0, 0, 0 };
	size_t bad;

	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_BAD_QUANTITY);
	ck_assert_uint_eq(bad, 1);
	l[1].quantity = 1;
	l[1].rate = -1;
	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_BAD_RATE);
	l[1].rate = 100;
	l[1].dk = DISC_FIXED;
	l[1].dv = 101;
	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_DISCOUNT_TOO_LARGE);
	l[1].dk = DISC_PERCENT;
	l[1].dv = 10001;
	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_BAD_DISCOUNT);
	l[1].dk = DISC_NONE;
	inv.dk = DISC_FIXED;
	inv.dv = 201;
	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_DISCOUNT_TOO_LARGE);
	ck_assert_uint_eq(bad, 2);
	inv.dv = 200;
	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_OK);
	ck_assert(inv.total == 0);
	l[0].quantity = 100000;
	l[0].rate = INT64_C(99999999999999);
	ck_assert_int_eq(calc_invoice(l, 2, &inv, &bad), CALC_OVERFLOW);
}
END_TEST

START_TEST(aging_buckets)
{
	ck_assert_int_eq(calc_aging_bucket(-5), 0);
	ck_assert_int_eq(calc_aging_bucket(0), 0);
	ck_assert_int_eq(calc_aging_bucket(1), 1);
	ck_assert_int_eq(calc_aging_bucket(30), 1);
	ck_assert_int_eq(calc_aging_bucket(31), 2);
	ck_assert_int_eq(calc_aging_bucket(60), 2);
	ck_assert_int_eq(calc_aging_bucket(61), 3);
	ck_assert_int_eq(calc_aging_bucket(90), 3);
	ck_assert_int_eq(calc_aging_bucket(91), 4);
	ck_assert_str_eq(aging_labels[4], "Over 90 days");
}
END_TEST

START_TEST(allocation_oldest_due_first)
{
	struct calc_open inv[] = {
		{ 30, 200, 5000 },	/* due later */
		{ 10, 100, 3000 },	/* oldest due */
		{ 20, 100, 4000 },	/* same due date, higher id */
	};
	int64_t out[3];

	ck_assert(calc_allocate_oldest(8000, inv, 3, out) == 8000);
	/* sorted: id 10 (due 100), id 20 (due 100), id 30 (due 200) */
	ck_assert(inv[0].invoice_id == 10 && out[0] == 3000);
	ck_assert(inv[1].invoice_id == 20 && out[1] == 4000);
	ck_assert(inv[2].invoice_id == 30 && out[2] == 1000);
	/* more money than owed: never over-allocates */
	ck_assert(calc_allocate_oldest(100000, inv, 3, out) == 12000);
	ck_assert(out[2] == 5000);
	ck_assert(calc_allocate_oldest(0, inv, 3, out) == 0);
	ck_assert(out[0] == 0 && out[1] == 0 && out[2] == 0);
}
END_TEST

START_TEST(statement_running_balance)
{
	int64_t amounts[] = { 15000, -5000, -2500, 1000 };
	int64_t running[4], closing;

	ck_assert_int_eq(calc_statement(2000, amounts, 4, running, &closing), 0);
	ck_assert(running[0] == 17000);
	ck_assert(running[1] == 12000);
	ck_assert(running[3] == 10500);
	ck_assert(closing == 10500);
	ck_assert_int_eq(calc_statement(-300, NULL, 0, NULL, &closing), 0);
	ck_assert(closing == -300);
	amounts[0] = INT64_MAX;
	ck_assert_int_eq(calc_statement(1, amounts, 1, NULL, &closing), -1);
}
END_TEST

/* Amount due = closing = aging total, or the difference is the printed
 * "unapplied credit" line: worked by hand. */
START_TEST(statement_aging_reconciles_with_closing)
{
	/* Open 50.00 + 150.00 (1-30) + 150.00 (31-60), 100.00 paid and not
	 * applied: closing 250.00, unapplied 100.00. */
	const int64_t aging[AGING_BUCKETS] = { 0, 20000, 15000, 0, 0 };
	const int64_t none[AGING_BUCKETS] = { 0, 0, 0, 0, 0 };
	const int64_t huge[AGING_BUCKETS] = { INT64_MAX, 1, 0, 0, 0 };
	int64_t total = -1, unapplied = -1;

	ck_assert_int_eq(calc_statement_reconcile(25000, aging, &total,
	    &unapplied), 0);
	ck_assert(total == 35000 && unapplied == 10000);
	ck_assert(total - unapplied == 25000);
	/* nothing unapplied: the aging is the closing balance */
	ck_assert_int_eq(calc_statement_reconcile(35000, aging, &total,
	    &unapplied), 0);
	ck_assert(total == 35000 && unapplied == 0);
	/* all credit: nothing open, closing -40.00 */
	ck_assert_int_eq(calc_statement_reconcile(-4000, none, &total,
	    &unapplied), 0);
	ck_assert(total == 0 && unapplied == 4000);
	/* an old statement whose closing exceeded its aging (550.00 vs
	 * 350.00): the difference is negative, still printed */
	ck_assert_int_eq(calc_statement_reconcile(55000, aging, &total,
	    &unapplied), 0);
	ck_assert(total == 35000 && unapplied == -20000);
	ck_assert_int_eq(calc_statement_reconcile(0, huge, &total, &unapplied), -1);
	{
		const int64_t big[AGING_BUCKETS] = { INT64_MAX, 0, 0, 0, 0 };
		ck_assert_int_eq(calc_statement_reconcile(-1, big, &total,
		    &unapplied), -1);
	}
}
END_TEST

START_TEST(dates_round_trip)
{
	int64_t d;
	char s[16];

	ck_assert_int_eq(date_parse("1970-01-01", &d), 0);
	ck_assert(d == 0);
	ck_assert_int_eq(date_parse("2024-02-29", &d), 0);
	date_fmt(d + 1, s, sizeof(s));
	ck_assert_str_eq(s, "2024-03-01");
	ck_assert_int_eq(date_parse("2023-02-29", &d), -1);
	ck_assert_int_eq(date_parse("2023-13-01", &d), -1);
	ck_assert_int_eq(date_parse("2023-1-01", &d), -1);
	ck_assert_int_eq(date_parse("2023-01-01x", &d), -1);
	ck_assert_int_eq(date_parse("1900-02-29", &d), -1);
	ck_assert_int_eq(date_parse("2000-02-29", &d), 0);
	date_fmt(d + 365, s, sizeof(s));
	ck_assert_str_eq(s, "2001-02-28");
	clock_set(1700000000);
	date_fmt(date_today(), s, sizeof(s));
	ck_assert_str_eq(s, "2023-11-14");
	clock_set(0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("calc");
	TCase *tc = tcase_create("calc");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, invoice_totals_with_line_and_invoice_discounts);
	tcase_add_test(tc, percent_rounding_half_away_from_zero);
	tcase_add_test(tc, invalid_lines_are_named);
	tcase_add_test(tc, aging_buckets);
	tcase_add_test(tc, allocation_oldest_due_first);
	tcase_add_test(tc, statement_running_balance);
	tcase_add_test(tc, statement_aging_reconciles_with_closing);
	tcase_add_test(tc, dates_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
