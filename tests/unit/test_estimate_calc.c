/* Unit tests: the estimate rule (src/billing/estimate_calc.h), as tables
 * computed by hand. Amounts in cents. */
#include "common.h"

#include <check.h>

#include "clock.h"
#include "estimate_calc.h"

#define MAXL	4

struct exp_line {
	int64_t	 allowed, deductible, coinsurance, copay, patient, insurer;
};

struct calc_case {
	const char		*name;
	struct est_coverage	 cov;
	size_t			 n;
	struct {
		int64_t	 quantity, rate;
		int	 copay_applies;
	}			 in[MAXL];
	struct exp_line		 out[MAXL];
	int64_t			 patient_total, insurer_total;
};

/* $1,000 deductible, 20% coinsurance, $30 copay, $3,000 out-of-pocket max. */
#define PLAN(met, oopmet) { 1, 100000, met, 0, 0, 2000, 3000, 300000, oopmet, 0, 0 }

static const struct calc_case cases[] = {
	{ "deductible not met: $1,500 visit", PLAN(0, 0), 1,
	    { { 1, 150000, 0 } },
	    /* deductible $1,000; 20% of the other $500 = $100 */
	    { { 150000, 100000, 10000, 0, 110000, 40000 } }, 110000, 40000 },
	{ "deductible not met, used up over two lines", PLAN(0, 0), 2,
	    { { 1, 30000, 0 }, { 1, 80000, 0 } },
	    /* $300 all deductible; then $700 deductible + 20% of $100 */
	    { { 30000, 30000, 0, 0, 30000, 0 },
	      { 80000, 70000, 2000, 0, 72000, 8000 } }, 102000, 8000 },
	{ "deductible fully met", PLAN(100000, 100000), 1,
	    { { 1, 150000, 0 } },
	    { { 150000, 0, 30000, 0, 30000, 120000 } }, 30000, 120000 },
	{ "deductible partly met ($400 left), quantity 2", PLAN(60000, 60000), 1,
	    { { 2, 25000, 0 } },
	    /* allowed $500: $400 deductible, 20% of $100 */
	    { { 50000, 40000, 2000, 0, 42000, 8000 } }, 42000, 8000 },
	{ "copay lines leave the deductible alone", PLAN(0, 0), 3,
	    { { 1, 12000, 1 }, { 1, 2000, 1 }, { 1, 5000, 0 } },
	    /* $30 copay; $20 visit: copay capped at allowed; then deductible */
	    { { 12000, 0, 0, 3000, 3000, 9000 },
	      { 2000, 0, 0, 2000, 2000, 0 },
	      { 5000, 5000, 0, 0, 5000, 0 } }, 10000, 9000 },
	{ "out-of-pocket reached mid-line, then nothing", PLAN(100000, 290000), 4,
	    { { 1, 30000, 0 }, { 1, 50000, 0 }, { 1, 12000, 1 }, { 1, 9000, 0 } },
	    /* $100 left: $60 coinsurance; $100 coinsurance cut to $40; then 0 */
	    { { 30000, 0, 6000, 0, 6000, 24000 },
	      { 50000, 0, 4000, 0, 4000, 46000 },
	      { 12000, 0, 0, 0, 0, 12000 },
	      { 9000, 0, 0, 0, 0, 9000 } }, 10000, 91000 },
	{ "out-of-pocket cap cuts the deductible part", PLAN(0, 250000), 1,
	    { { 1, 150000, 0 } },
	    /* $500 left of the maximum: deductible $1,000 cut to $500 */
	    { { 150000, 50000, 0, 0, 50000, 100000 } }, 50000, 100000 },
	{ "copay counts toward the out-of-pocket maximum", PLAN(0, 298000), 2,
	    { { 1, 12000, 1 }, { 1, 12000, 1 } },
	    /* $20 left: the first $30 copay is cut to $20, the next is 0 */
	    { { 12000, 0, 0, 2000, 2000, 10000 },
	      { 12000, 0, 0, 0, 0, 12000 } }, 2000, 22000 },
	{ "family deductible remaining is lower: it wins",
	    { 1, 200000, 0, 400000, 350000, 2000, 0, 0, 0, 0, 0 }, 1,
	    { { 1, 100000, 0 } },
	    /* individual $2,000 left, family $500 left: $500; 20% of $500 */
	    { { 100000, 50000, 10000, 0, 60000, 40000 } }, 60000, 40000 },
	{ "individual deductible remaining is lower: it wins",
	    { 1, 100000, 90000, 300000, 0, 2000, 0, 0, 0, 0, 0 }, 1,
	    { { 1, 100000, 0 } },
	    { { 100000, 10000, 18000, 0, 28000, 72000 } }, 28000, 72000 },
	{ "family out-of-pocket caps the individual maximum",
	    { 1, 0, 0, 0, 0, 2000, 0, 600000, 0, 1000000, 985000 }, 2,
	    { { 1, 50000, 0 }, { 1, 50000, 0 } },
	    /* family has $150 left: $100, then $50 of $100 */
	    { { 50000, 0, 10000, 0, 10000, 40000 },
	      { 50000, 0, 5000, 0, 5000, 45000 } }, 15000, 85000 },
	{ "coinsurance rounds half up per line (12.5%)",
	    { 1, 0, 0, 0, 0, 1250, 0, 0, 0, 0, 0 }, 3,
	    { { 1, 1004, 0 }, { 1, 1004, 0 }, { 1, 1003, 0 } },
	    /* 125.5c -> 126c twice (not 251c for 2008c); 125.375c -> 125c */
	    { { 1004, 0, 126, 0, 126, 878 },
	      { 1004, 0, 126, 0, 126, 878 },
	      { 1003, 0, 125, 0, 125, 878 } }, 377, 2634 },
	{ "coinsurance rounding: 33.33% of 15c", { 1, 0, 0, 0, 0, 3333, 0, 0, 0, 0, 0 },
	    1, { { 1, 15, 0 } },
	    /* 4.9995c -> 5c */
	    { { 15, 0, 5, 0, 5, 10 } }, 5, 10 },
	{ "zero-rate lines cost nothing and keep the deductible", PLAN(0, 0), 3,
	    { { 3, 0, 0 }, { 1, 0, 1 }, { 1, 10000, 0 } },
	    { { 0, 0, 0, 0, 0, 0 },
	      { 0, 0, 0, 0, 0, 0 },
	      { 10000, 10000, 0, 0, 10000, 0 } }, 10000, 0 },
	{ "no out-of-pocket maximum given: no cap",
	    { 1, 0, 0, 0, 0, 10000, 0, 0, 0, 0, 0 }, 1, { { 1, 500000, 0 } },
	    { { 500000, 0, 500000, 0, 500000, 0 } }, 500000, 0 },
};

START_TEST(calculation_table)
{
	const struct calc_case *k = &cases[_i];
	struct est_line l[MAXL];
	struct est_totals t;
	size_t bad;

	memset(l, 0, sizeof(l));
	for (size_t i = 0; i < k->n; i++) {
		l[i].quantity = k->in[i].quantity;
		l[i].rate = k->in[i].rate;
		l[i].copay_applies = k->in[i].copay_applies;
	}
	ck_assert_msg(est_calc(&k->cov, l, k->n, &t, &bad) == EST_OK, "%s", k->name);
	for (size_t i = 0; i < k->n; i++) {
		const struct exp_line *e = &k->out[i];
		ck_assert_msg(l[i].allowed == e->allowed && l[i].deductible ==
		    e->deductible && l[i].coinsurance == e->coinsurance &&
		    l[i].copay == e->copay && l[i].patient == e->patient &&
		    l[i].insurer == e->insurer,
		    "%s, line %zu: got allowed %" PRId64 " ded %" PRId64 " coins %"
		    PRId64 " copay %" PRId64 " patient %" PRId64 " insurer %" PRId64,
		    k->name, i, l[i].allowed, l[i].deductible, l[i].coinsurance,
		    l[i].copay, l[i].patient, l[i].insurer);
	}
	ck_assert_msg(t.patient == k->patient_total && t.insurer ==
	    k->insurer_total, "%s: totals %" PRId64 "/%" PRId64, k->name,
	    t.patient, t.insurer);
}
END_TEST

START_TEST(remaining_amounts_after_the_lines)
{
	struct est_coverage cov = PLAN(60000, 60000);
	struct est_line l[1] = { { .quantity = 1, .rate = 50000 } };
	struct est_totals t;
	size_t bad;

	ck_assert_int_eq(est_calc(&cov, l, 1, &t, &bad), EST_OK);
	/* $400 deductible + 20% of $100 = $420 */
	ck_assert(t.deductible_left == 0);
	ck_assert(t.oop_left == 300000 - 60000 - 42000);
}
END_TEST

START_TEST(out_of_network_uses_the_standard_rate)
{
	struct est_coverage cov = PLAN(100000, 100000);
	struct est_line l[1] = { { .quantity = 2 } };
	struct est_totals t;
	size_t bad;

	ck_assert(est_rate_pick(EST_IN_NETWORK, 20000, 15000, -1) == 15000);
	ck_assert(est_rate_pick(EST_IN_NETWORK, 20000, -1, -1) == 20000);
	ck_assert(est_rate_pick(EST_OUT_OF_NETWORK, 20000, 15000, 9000) == 20000);
	cov.in_network = 0;
	l[0].rate = est_rate_pick(EST_OUT_OF_NETWORK, 20000, 15000, -1);
	ck_assert_int_eq(est_calc(&cov, l, 1, &t, &bad), EST_OK);
	/* $400 allowed, deductible met: 20% = $80 */
	ck_assert(l[0].allowed == 40000 && l[0].patient == 8000 &&
	    l[0].insurer == 32000);
}
END_TEST

START_TEST(self_pay_rate_less_discount)
{
	struct est_line l[3] = {
		{ .quantity = 3, .rate = 12000, .discount_bp = 1500 },
		{ .quantity = 1, .rate = 999, .discount_bp = 1250 },
		{ .quantity = 1, .rate = 0, .discount_bp = 5000 },
	};
	struct est_totals t;
	size_t bad;

	ck_assert(est_rate_pick(EST_SELF_PAY, 20000, 15000, 12000) == 12000);
	ck_assert(est_rate_pick(EST_SELF_PAY, 20000, 15000, -1) == 20000);
	ck_assert_int_eq(est_calc_self_pay(l, 3, &t, &bad), EST_OK);
	/* $360 - 15% ($54) = $306 */
	ck_assert(l[0].allowed == 36000 && l[0].discount == 5400 &&
	    l[0].patient == 30600 && l[0].insurer == 0);
	/* 12.5% of 999c = 124.875c -> 125c */
	ck_assert(l[1].discount == 125 && l[1].patient == 874);
	ck_assert(l[2].patient == 0);
	ck_assert(t.patient == 31474 && t.insurer == 0 && t.discount == 5525);
}
END_TEST

START_TEST(bad_input_is_named)
{
	struct est_coverage cov = PLAN(0, 0);
	struct est_line l[2] = { { .quantity = 1, .rate = 100 },
	    { .quantity = 0, .rate = 100 } };
	struct est_totals t;
	size_t bad;

	ck_assert_int_eq(est_calc(&cov, l, 2, &t, &bad), EST_BAD_QUANTITY);
	ck_assert(bad == 1);
	l[1].quantity = 1;
	l[1].rate = -1;
	ck_assert_int_eq(est_calc(&cov, l, 2, &t, &bad), EST_BAD_RATE);
	cov.coinsurance_bp = 10001;
	ck_assert_int_eq(est_calc(&cov, l, 2, &t, &bad), EST_BAD_COVERAGE);
	ck_assert_str_eq(est_coverage_problem(&cov), "coinsurance_bp");
	cov.coinsurance_bp = 0;
	cov.deductible_met = -5;
	ck_assert_str_eq(est_coverage_problem(&cov), "deductible_met_cents");
	l[0].discount_bp = 10001;
	l[1].rate = 1;
	ck_assert_int_eq(est_calc_self_pay(l, 2, &t, &bad), EST_BAD_DISCOUNT);
	ck_assert(bad == 0);
}
END_TEST

static int64_t
day(const char *s)
{
	int64_t d;

	ck_assert_int_eq(date_parse(s, &d), 0);
	return d;
}

START_TEST(gfe_due_in_business_days)
{
	int64_t fri = day("2026-12-04");

	/* booked Friday for Wednesday: Mon, Tue, Wed = 3 business days ahead:
	 * due 1 business day later, Monday */
	ck_assert(est_gfe_due(fri, day("2026-12-09"), 0) == day("2026-12-07"));
	/* only 2 business days ahead: no GFE deadline */
	ck_assert(est_gfe_due(fri, day("2026-12-08"), 0) == -1);
	/* 10 business days ahead: 3 business days, Wednesday */
	ck_assert(est_gfe_due(fri, day("2026-12-18"), 0) == day("2026-12-09"));
	/* on request: 3 business days */
	ck_assert(est_gfe_due(fri, 0, 1) == day("2026-12-09"));
}
END_TEST

START_TEST(gfe_400_dollar_rule)
{
	ck_assert(est_gfe_exceeded(100000, 140000));
	ck_assert(!est_gfe_exceeded(100000, 139999));
	ck_assert(!est_gfe_exceeded(100000, 50000));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("estimate_calc");
	TCase *tc = tcase_create("estimate_calc");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, calculation_table, 0, (int)ARRAY_LEN(cases));
	tcase_add_test(tc, remaining_amounts_after_the_lines);
	tcase_add_test(tc, out_of_network_uses_the_standard_rate);
	tcase_add_test(tc, self_pay_rate_less_discount);
	tcase_add_test(tc, bad_input_is_named);
	tcase_add_test(tc, gfe_due_in_business_days);
	tcase_add_test(tc, gfe_400_dollar_rule);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
