/* Statements on a schedule (issue 10), through the real stack with the
 * stack-wide clock moved forward: the practice default set on its Settings
 * page, `billingctl statements run-scheduled --once` run twice at the same
 * time (and billing-jobs running the same job meanwhile), the email caught
 * by the SMTP catcher with the PDF attached and a pay link that opens the
 * portal's payment page for the balance; an account under the minimum gets
 * nothing; the next period gets the next statement, once. */
#include "common.h"

#include <time.h>

#include "buf.h"
#include "clock.h"
#include "fixture.h"
#include "str.h"

#define TC_TIMEOUT	300

static void
teardown(void)
{
	fx_clock_real();
}

/* Two runners at once; both must succeed. */
static void
run_twice_concurrently(void)
{
	struct buf out;
	int rc;

	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "(%s statements run-scheduled --once & "
	    "%s statements run-scheduled --once & wait %%1 && wait %%2)",
	    fx.ctl, fx.ctl);
	ck_assert_msg(rc == 0, "run-scheduled: %d: %s", rc, out.data ? out.data : "");
	buf_free(&out);
}

static void
set_default(struct fx_who *a, const char *day, const char *min, int want)
{
	struct itest_resp r;

	itest_resp_init(&r);
	fx_get(a, "/admin/statement-schedule", &r, 200);
	fx_post(a, "/admin/statement-schedule", NULL, &r, want, "enabled", "1",
	    "cadence", "monthly", "day_of_month", day, "every_weeks", "4",
	    "anchor_date", "2027-01-04", "min_balance", min, "deliver_email", "1",
	    NULL);
	if (want == 422)
		ck_assert_msg(strstr(r.body.data, "Day of the month") != NULL,
		    "the 422 names the field: %.500s", r.body.data);
	itest_resp_free(&r);
}

#define N_STMT	"SELECT COUNT(*) FROM statements WHERE account_id = ?"
#define N_MAIL	"SELECT COUNT(*) FROM outbox o JOIN accounts a ON a.email = " \
		"o.to_addr WHERE o.kind = 'statement' AND a.id = ?"

START_TEST(test_scheduled_statements)
{
	struct fx_who adm, s, c;
	struct itest_resp r;
	char email_a[200], email_b[200], path[2048];
	int64_t acc_a, acc_b;
	char *m;

	fx_clock_at(fx_utc("2027-02-20 12:00:00"));
	itest_resp_init(&r);
	fx_staff(&adm, fx.admin);
	fx_staff(&s, fx.billing);
	acc_a = fx_account(&s, 0, email_a, sizeof(email_a), "sched-a");
	acc_b = fx_account(&s, 0, email_b, sizeof(email_b), "sched-b");
	fx_invoice(&s, acc_a, "120.00", "2027-02-15", "2027-03-15");
	fx_invoice(&s, acc_b, "5.00", "2027-02-15", "2027-03-15");

	/* bad input changes nothing */
	set_default(&adm, "40", "10.00", 422);
	ck_assert_int_eq(fx_sql_i64("SELECT enabled FROM "
	    "statement_schedule_settings WHERE id = ?", 1), 0);
	/* monthly on the 1st, only above $10.00, by email */
	set_default(&adm, "1", "10.00", 200);
	ck_assert_int_eq(fx_sql_i64("SELECT enabled FROM "
	    "statement_schedule_settings WHERE id = ?", 1), 1);

	/* February's period (January) had no balance: nothing made */
	run_twice_concurrently();
	ck_assert_int_eq(fx_sql_i64(N_STMT, acc_a), 0);

	/* March 1st: A's statement for February, once; B under the minimum */
	fx_clock_at(fx_utc("2027-03-01 09:00:00"));
	run_twice_concurrently();
	run_twice_concurrently();
	ck_assert_int_eq(fx_sql_i64(N_STMT, acc_a), 1);
	ck_assert_int_eq(fx_sql_i64(N_MAIL, acc_a), 1);
	ck_assert_int_eq(fx_sql_i64(N_STMT, acc_b), 0);
	ck_assert_int_eq(fx_sql_i64(N_MAIL, acc_b), 0);
	ck_assert_int_eq(fx_sql_i64("SELECT COUNT(*) FROM statement_schedule_runs "
	    "WHERE account_id = ? AND status = 'skipped' AND period_key = "
	    "'M2027-03'", acc_b), 1);

	m = fx_mail_wait(email_a, "Content-Disposition: attachment", 1);
	ck_assert_msg(strstr(m, "application/pdf") != NULL, "PDF part: %.3000s", m);
	ck_assert_msg(strstr(m, "\r\nJVBERi0") != NULL, "a PDF (%%PDF-) attached");
	ck_assert_msg(strstr(m, "$120.00") != NULL, "balance in the body");
	ck_assert_msg(strstr(m, "February 1, 2027 to February 28, 2027") != NULL, "period");
	fx_mail_link(m, "/portal/pay?invoice=", path, sizeof(path));
	free(m);

	/* the pay link opens the portal's payment page for the balance (a
	 * jump of days ends staff sessions: sign in again) */
	fx_who_free(&s);
	fx_staff(&s, fx.billing);
	fx_portal_client(&s, acc_a, email_a, &c, 1);
	fx_get(&c, path, &r, 200);
	ck_assert_msg(strstr(r.body.data, "120.00") != NULL, "pay page: %.2000s", r.body.data);

	/* later in March: nothing new; April 1st: the next statement, once */
	fx_clock_at(fx_utc("2027-03-20 09:00:00"));
	run_twice_concurrently();
	ck_assert_int_eq(fx_sql_i64(N_STMT, acc_a), 1);
	fx_clock_at(fx_utc("2027-04-01 09:00:00"));
	run_twice_concurrently();
	ck_assert_int_eq(fx_sql_i64(N_STMT, acc_a), 2);
	ck_assert_int_eq(fx_sql_i64(N_MAIL, acc_a), 2);
	free(fx_mail_wait(email_a, "March 1, 2027 to March 31, 2027", 1));

	/* an account set to "off" gets none */
	fx_who_free(&s);
	fx_staff(&s, fx.billing);
	{
		char p2[80];
		str_fmt(p2, sizeof(p2), "/accounts/%" PRId64 "/statement-schedule",
		    acc_a);
		fx_get(&s, p2, &r, 200);
		fx_post(&s, p2, NULL, &r, 200, "mode", "off", "cadence", "monthly",
		    "day_of_month", "1", "every_weeks", "4", "anchor_date",
		    "2027-01-04", "min_balance", "0.00", NULL);
	}
	fx_clock_at(fx_utc("2027-05-01 09:00:00"));
	run_twice_concurrently();
	ck_assert_int_eq(fx_sql_i64(N_STMT, acc_a), 2);

	itest_resp_free(&r);
	fx_who_free(&c);
	fx_who_free(&s);
	fx_who_free(&adm);
}
END_TEST

/* A bulk run made with "email" emails each statement it generated, once,
 * with the PDF attached; accounts under the run's minimum get nothing. */
START_TEST(test_bulk_run_emails)
{
	struct fx_who s;
	struct itest_resp r;
	char email_a[200], email_b[200], today[11], path[80];
	int64_t acc_a, acc_b, batch;
	char *m;
	int done = 0;

	fx_clock_real();
	clock_fmt_date(time(NULL), today, sizeof(today));
	itest_resp_init(&r);
	fx_staff(&s, fx.billing);
	acc_a = fx_account(&s, 0, email_a, sizeof(email_a), "bulk-a");
	acc_b = fx_account(&s, 0, email_b, sizeof(email_b), "bulk-b");
	fx_invoice(&s, acc_a, "75.00", today, today);
	fx_invoice(&s, acc_b, "20.00", today, today);
	fx_get(&s, "/statements", &r, 200);
	fx_post(&s, "/statements/batches", NULL, &r, 303, "from", "2020-01-01",
	    "to", today, "min_balance", "50.00", "email", "1", NULL);
	batch = fx_location_id(&r, "/statements/batches/");
	str_fmt(path, sizeof(path), "/statements/batches/%" PRId64, batch);
	/* each view of the run page does a chunk of the work */
	for (int i = 0; i < 200 && !done; i++) {
		fx_get(&s, path, &r, 200);
		done = strstr(r.body.data, "were emailed") != NULL;
	}
	ck_assert_msg(done, "the run did not finish: %.2000s", r.body.data);
	fx_get(&s, path, &r, 200);
	ck_assert_int_eq(fx_sql_i64(N_MAIL, acc_a), 1);
	ck_assert_int_eq(fx_sql_i64(N_MAIL, acc_b), 0);
	m = fx_mail_wait(email_a, "Content-Disposition: attachment", 1);
	ck_assert_msg(strstr(m, "\r\nJVBERi0") != NULL, "a PDF attached");
	ck_assert(strstr(m, "$75.00") != NULL);
	free(m);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sched_stmt");
	TCase *tc = tcase_create("sched_stmt");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, NULL, teardown);
	fx_add_test(tc, test_scheduled_statements);
	fx_add_test(tc, test_bulk_run_emails);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
