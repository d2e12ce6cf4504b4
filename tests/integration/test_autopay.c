/* Autopay of payment plans through the job runner, against the running
 * stack (tests/integration/run: MariaDB, the Stripe sandbox, billing-jobs):
 * the stack-wide clock (BILLING_CLOCK_FILE) moves to each due date and
 * `billingctl jobs run --once` runs every due job (the stack's own
 * billing-jobs runs alongside, as a second runner). What is checked is
 * what the client and the practice see: installments paid on their dates,
 * the notice before, the receipt after, failure notices with the
 * update-card link, retries +1/+3/+7 days, a hard decline stopping at
 * once with the plan past due, card-expiry reminders once each, exactly
 * one charge per installment at the sandbox with three runners at once
 * over 500 installments, and after a week of downtime each missed
 * installment charged once. `billingctl ledger verify` stays clean.
 *
 * Plans are written with SQL (the plan pages have their own tests): an
 * active autopay plan on one issued invoice, its saved card, and the
 * client's consent scoped to that plan. */
#include "common.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "itest.h"
#include "sp_fixture.h"
#include "str.h"

#define TC_TIMEOUT	900
#define DAY		86400
#define WAIT_MS		120000

static const char *ctl;		/* billingctl -c CONFIG */

/* --- the clock and the runner ------------------------------------------------ */

/* Unix seconds of day YYYY-MM-DD at 12:00 UTC. */
static int64_t
noon(const char *ymd)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert(strptime(ymd, "%Y-%m-%d", &tm) != NULL);
	tm.tm_hour = 12;
	return (int64_t)timegm(&tm);
}

static void
clock_to(int64_t t)
{
	const char *path = getenv("BILLING_CLOCK_FILE");
	FILE *f;

	ck_assert_msg(path != NULL, "BILLING_CLOCK_FILE not set");
	ck_assert((f = fopen(path, "w")) != NULL);
	fprintf(f, "@%" PRId64 "\n", t);
	ck_assert(fclose(f) == 0);
	ck_assert_int_eq(clock_now(), t);
}

static void
clock_real(void)
{
	const char *path = getenv("BILLING_CLOCK_FILE");

	if (path != NULL)
		(void)unlink(path);
}

/* billingctl args; asserts exit status 0. */
static void
run_ctl(const char *args)
{
	char cmd[1024];
	int st;

	str_fmt(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", ctl, args);
	st = system(cmd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: exit %d", cmd,
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void
jobs_once(void)
{
	run_ctl("jobs run --once");
}

/* Polls sql (one id) until it answers want. */
static void
wait_eq(const char *sql, int64_t id, int64_t want, const char *what)
{
	int64_t v = -1;

	for (int waited = 0; waited <= WAIT_MS; waited += 200) {
		if ((v = spf_q_i64(sql, id)) == want)
			return;
		itest_sleep_ms(200);
	}
	ck_abort_msg("%s: %" PRId64 ", want %" PRId64, what, v, want);
}

/* --- plans ---------------------------------------------------------------------- */

struct aplan {
	int64_t	 account, invoice, method, plan;
	char	 email[128];
};

/* An active autopay plan of n installments of amount, the first due on
 * first (YYYY-MM-DD), then every step days; paid with the test PM. */
static void
aplan_make(struct aplan *a, const char *tag, const char *test_pm, int n,
    int64_t amount, const char *first, int step)
{
	int64_t now = clock_now();

	memset(a, 0, sizeof(*a));
	a->account = spf_new_account(tag, a->email, sizeof(a->email));
	a->invoice = spf_new_invoice(a->account, amount * n);
	a->method = spf_saved_method(a->account, "card", test_pm);
	{
		struct db_param p[] = { DB_I64(a->account), DB_I64(amount * n), DB_I64(n),
		    DB_STR(first), DB_I64(a->method), DB_I64(now), DB_I64(now) };
		uint64_t id = 0;
		ck_assert_msg(db_exec(spf_db, "INSERT INTO payment_plans (account_id,"
		    " status, basis, total, installments, frequency, start_date,"
		    " payment_method_id, autopay, accepted_at, created_at, updated_at)"
		    " VALUES (?, 'active', 'invoices', ?, ?, 'weekly', ?, ?, 1, 0, ?, ?)",
		    p, 7, NULL, &id) == DB_OK, "plan: %s", db_error(spf_db));
		a->plan = (int64_t)id;
	}
	{
		struct db_param p[] = { DB_I64(a->plan), DB_I64(a->invoice) };
		ck_assert(db_exec(spf_db, "INSERT INTO payment_plan_invoices (plan_id,"
		    " invoice_id, added_in_version) VALUES (?, ?, 1)", p, 2, NULL,
		    NULL) == DB_OK);
	}
	/* The consent before any installment exists: a runner may look. */
	spf_consent(a->account, a->method, "payment_plan", 0, a->plan);
	for (int i = 1; i <= n; i++) {
		struct db_param p[] = { DB_I64(a->plan), DB_I64(i), DB_STR(first),
		    DB_I64((int64_t)(i - 1) * step), DB_I64(amount) };
		ck_assert(db_exec(spf_db, "INSERT INTO payment_plan_installments"
		    " (plan_id, number, due_date, amount) VALUES (?, ?, DATE_ADD(?,"
		    " INTERVAL ? DAY), ?)", p, 5, NULL, NULL) == DB_OK);
	}
}

/* The saved method charges as test_pm from now on (a card that attaches
 * fine at the sandbox, then declines). */
static void
method_becomes(int64_t method, const char *test_pm)
{
	struct db_param p[] = { DB_STR(test_pm), DB_I64(method) };

	ck_assert(db_exec(spf_db, "UPDATE payment_methods SET stripe_pm_id = ? WHERE"
	    " id = ?", p, 2, NULL, NULL) == DB_OK);
}

static int64_t
inst_id(const struct aplan *a, int number)
{
	struct db_param p[] = { DB_I64(a->plan), DB_I64(number) };
	struct db_result r;
	int64_t id;

	ck_assert(db_query(spf_db, "SELECT id FROM payment_plan_installments WHERE"
	    " plan_id = ? AND number = ?", p, 2, &r) == DB_OK && r.nrows == 1);
	id = db_i64(&r, 0, 0);
	db_result_free(&r);
	return id;
}

#define Q_INST_STATUS	"SELECT status = 'paid' FROM payment_plan_installments WHERE id = ?"
#define Q_PLAN_PAYMENTS	"SELECT COUNT(*) FROM payments WHERE attempt_key LIKE" \
	" CONCAT('autopay-plan-', ?, '-%')"
#define Q_PLAN_STATUS	"SELECT status FROM payment_plans WHERE id = ?"

/* Emails queued to the account whose subject holds needle. */
static int64_t
mails(const struct aplan *a, const char *needle)
{
	struct db_param p[] = { DB_STR(a->email), DB_STR(needle) };
	struct db_result r;
	int64_t n;

	ck_assert(db_query(spf_db, "SELECT COUNT(*) FROM outbox WHERE to_addr = ?"
	    " AND subject LIKE CONCAT('%', ?, '%')", p, 2, &r) == DB_OK);
	n = db_i64(&r, 0, 0);
	db_result_free(&r);
	return n;
}

static int64_t
plan_status_is(const struct aplan *a, const char *st)
{
	struct db_param p[] = { DB_I64(a->plan), DB_STR(st) };
	struct db_result r;
	int64_t n;

	ck_assert(db_query(spf_db, "SELECT COUNT(*) FROM payment_plans WHERE id = ?"
	    " AND status = ?", p, 2, &r) == DB_OK);
	n = db_i64(&r, 0, 0);
	db_result_free(&r);
	return n;
}

#define Q_FAILURES	"SELECT failures FROM payment_plan_installments WHERE id = ?"
#define Q_RETRY_ON	"SELECT COALESCE(DATEDIFF(retry_on, '2030-01-01'), -1) FROM" \
	" payment_plan_installments WHERE id = ?"

static int64_t
days_since_2030(const char *ymd)
{
	return (noon(ymd) - noon("2030-01-01")) / DAY;
}

/* Notice 3 days before, the charge on the due date (once however often the
 * jobs run), the receipt, two missed installments charged once each after
 * the runner was away, the plan completed; the ledger verifies. */
START_TEST(test_schedule_charges_on_due_dates)
{
	struct aplan a;
	int64_t i1;

	clock_to(noon("2030-06-01"));
	aplan_make(&a, "ap-life", "pm_card_visa", 3, 2500, "2030-06-10", 7);
	i1 = inst_id(&a, 1);
	clock_to(noon("2030-06-06"));
	jobs_once();
	ck_assert_int_eq(mails(&a, "will be charged on June 10, 2030"), 0);
	clock_to(noon("2030-06-07"));
	jobs_once();
	jobs_once();
	ck_assert_int_eq(mails(&a, "$25.00 will be charged on June 10, 2030"), 1);
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 0);

	clock_to(noon("2030-06-10"));
	jobs_once();
	wait_eq(Q_INST_STATUS, i1, 1, "installment 1 paid");
	jobs_once();
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 1);
	ck_assert_int_eq(mails(&a, "installment 1 paid"), 1);
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM payments WHERE account_id = ?"
	    " AND status = 'succeeded'", a.account), 1);

	/* Away for two weeks: installments 2 and 3 are charged once each. */
	clock_to(noon("2030-06-24"));
	jobs_once();
	wait_eq("SELECT COUNT(*) FROM payment_plans WHERE id = ? AND status ="
	    " 'completed'", a.plan, 1, "plan completed");
	jobs_once();
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 3);
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM payment_plan_installments"
	    " WHERE plan_id = ? AND status = 'paid' AND attempts = 1", a.plan), 3);
	ck_assert_int_eq(spf_q_i64("SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE invoice_id = ?", a.invoice), 7500);
	run_ctl("ledger verify");
	clock_real();
}
END_TEST

/* A soft decline: the failure notice with the update-card link, retries 1,
 * 3 and 7 days after the first failure (never twice a day), then the plan
 * is past due with its notice. */
START_TEST(test_dunning_retries_then_past_due)
{
	static const struct { const char *day; int failures; const char *retry; }
	    steps[] = {
		{ "2030-07-10", 1, "2030-07-11" }, { "2030-07-11", 2, "2030-07-13" },
		{ "2030-07-13", 3, "2030-07-17" }, { "2030-07-17", 4, NULL },
	};
	struct aplan a;
	int64_t i1;
	char *m;

	clock_to(noon("2030-07-01"));
	aplan_make(&a, "ap-dun", "pm_card_visa", 2, 4000, "2030-07-10", 30);
	method_becomes(a.method, "pm_card_chargeDeclined");
	i1 = inst_id(&a, 1);
	for (size_t k = 0; k < ARRAY_LEN(steps); k++) {
		clock_to(noon(steps[k].day));
		jobs_once();
		wait_eq(Q_FAILURES, i1, steps[k].failures, steps[k].day);
		jobs_once();	/* the same day again: no second try */
		ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), steps[k].failures);
		ck_assert_int_eq(spf_q_i64(Q_RETRY_ON, i1), steps[k].retry ?
		    days_since_2030(steps[k].retry) : -1);
	}
	ck_assert_int_eq(plan_status_is(&a, "past_due"), 1);
	ck_assert_int_eq(mails(&a, "did not go through"), 3);
	ck_assert_int_eq(mails(&a, "is past due"), 1);
	m = spf_mail_wait(a.email, "We will try again on July 13, 2030", 30000);
	ck_assert_msg(m != NULL, "no failure notice naming the next try");
	ck_assert_msg(strstr(m, "/plan-card/") != NULL, "no update-card link");
	free(m);
	clock_to(noon("2030-07-30"));
	jobs_once();
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 4);
	run_ctl("ledger verify");
	clock_real();
}
END_TEST

static void mail_path(const char *, const char *, char *, size_t);

/* A stolen card: no retry at all, the plan past due at once. The client
 * reads Spanish: the past-due email and its update-card page are Spanish. */
START_TEST(test_hard_decline_stops)
{
	struct aplan a;
	int64_t i1;
	char *m, path[200];

	clock_to(noon("2030-08-01"));
	aplan_make(&a, "ap-hard", "pm_card_visa", 2, 3000, "2030-08-10", 30);
	{
		struct db_param p[] = { DB_I64(a.account) };
		ck_assert(db_exec(spf_db, "UPDATE accounts SET language = 'es' WHERE"
		    " id = ?", p, 1, NULL, NULL) == DB_OK);
	}
	method_becomes(a.method, "pm_card_visa_chargeDeclinedStolenCard");
	i1 = inst_id(&a, 1);
	clock_to(noon("2030-08-10"));
	jobs_once();
	wait_eq("SELECT dunning_stopped FROM payment_plan_installments WHERE id = ?",
	    i1, 1, "retries stopped");
	ck_assert_int_eq(plan_status_is(&a, "past_due"), 1);
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM payment_plan_installments"
	    " WHERE id = ? AND last_failure_code = 'stolen_card'", i1), 1);
	for (const char *d = "2030-08-11"; d != NULL;
	    d = strcmp(d, "2030-08-11") == 0 ? "2030-08-17" : NULL) {
		clock_to(noon(d));
		jobs_once();
	}
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 1);
	ck_assert_int_eq(mails(&a, "no se pudo procesar"), 0);
	ck_assert_int_eq(mails(&a, "tiene un pago vencido"), 1);
	ck_assert_int_eq(mails(&a, "is past due"), 0);
	m = spf_mail_wait(a.email, "Su plan tiene un pago vencido.", 30000);
	ck_assert_msg(m != NULL, "no past-due notice in Spanish");
	ck_assert(strstr(m, "Visa terminada en") != NULL);
	ck_assert(strstr(m, "We could not charge") == NULL);
	mail_path(m, "/plan-card/", path, sizeof(path));
	free(m);
	{
		/* the update-card page follows the account's language */
		struct itest_client *c = itest_client_new(spf.base);
		struct itest_resp r;

		ck_assert(c != NULL);
		itest_resp_init(&r);
		ck_assert_int_eq(itest_get(c, path, &r), 200);
		ck_assert(itest_body_has(&r, "Actualizar la tarjeta del plan de pago"));
		ck_assert(!itest_body_has(&r, "Update the card"));
		itest_resp_free(&r);
		itest_client_free(c);
	}
	{
		/* The staff home's work list names it. */
		struct itest_client *c = spf_staff_client();
		struct itest_resp r;
		char want[64];

		itest_resp_init(&r);
		ck_assert_int_eq(itest_get(c, "/", &r), 200);
		str_fmt(want, sizeof(want), "href=\"/plans/%" PRId64 "\"", a.plan);
		ck_assert_msg(strstr(buf_cstr(&r.body), "Plans past due") != NULL &&
		    strstr(buf_cstr(&r.body), want) != NULL, "home: no past-due plan");
		ck_assert(strstr(buf_cstr(&r.body), "stolen_card") != NULL);
		itest_resp_free(&r);
		itest_client_free(c);
	}
	clock_real();
}
END_TEST

/* The path of the first base_url + prefix link in mail m. */
static void
mail_path(const char *m, const char *prefix, char *out, size_t outsz)
{
	char want[300];
	const char *p;
	size_t n;

	str_fmt(want, sizeof(want), "%s%s", spf.base, prefix);
	ck_assert_msg((p = strstr(m, want)) != NULL, "no %s link in the mail", want);
	p += strlen(spf.base);
	n = strcspn(p, " \r\n\"<>");
	ck_assert(n < outsz);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* &#xNN; (the attribute escaper's form) decoded in place. */
static void
attr_decode(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		unsigned v;
		int n = 0;

		if (strncmp(r, "&#x", 3) == 0 && sscanf(r + 3, "%x;%n", &v, &n) == 1 &&
		    n > 0 && v < 128) {
			*w++ = (char)v;
			r += 3 + n;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* (Each test swaps in another declining PM: stripe_pm_id is unique.)
 * The past-due email's update-card link: the client signs, saves a new
 * card through the SetupIntent at the sandbox; the plan is active again
 * on the new card, its stopped installment is charged, the link is spent. */
START_TEST(test_update_card_link)
{
	struct itest_client *c = itest_client_new(spf.base);
	struct itest_resp r;
	struct aplan a;
	char path[200], form_path[260], csrf[256], key[80], secret[256], seti[80];
	char sbx[200], body[400];
	const char *s, *e;
	char *m;
	int64_t i1, old_method;

	ck_assert(c != NULL);
	clock_to(noon("2030-12-01"));
	aplan_make(&a, "ap-card", "pm_card_visa", 2, 3500, "2030-12-10", 30);
	old_method = a.method;
	method_becomes(a.method, "pm_card_visa_chargeDeclinedLostCard");
	i1 = inst_id(&a, 1);
	clock_to(noon("2030-12-10"));
	jobs_once();
	wait_eq("SELECT dunning_stopped FROM payment_plan_installments WHERE id = ?",
	    i1, 1, "retries stopped");
	m = spf_mail_wait(a.email, "/plan-card/", 30000);
	ck_assert_msg(m != NULL, "no update-card link mailed");
	mail_path(m, "/plan-card/", path, sizeof(path));
	free(m);

	itest_resp_init(&r);
	ck_assert_int_eq(itest_get(c, path, &r), 200);
	ck_assert(strstr(buf_cstr(&r.body), "Update the card for payment plan") != NULL);
	ck_assert(itest_csrf(buf_cstr(&r.body), csrf, sizeof(csrf)) == 0);
	spf_attempt_key(key, sizeof(key));
	{
		struct itest_kv kv[] = { { "_csrf", csrf }, { "attempt_key", key },
		    { "signer_name", "" }, { "authorize", "1" } };
		ck_assert_int_eq(itest_post_form(c, path, kv, 4, &r), 422);
		ck_assert(strstr(buf_cstr(&r.body), "type your full name") != NULL);
		kv[2].value = "Pat Payer";
		ck_assert_int_eq(itest_post_form(c, path, kv, 4, &r), 200);
	}
	s = strstr(buf_cstr(&r.body), "data-client-secret=\"");
	ck_assert_msg(s != NULL, "no SetupIntent on the page");
	s += strlen("data-client-secret=\"");
	e = strchr(s, '"');
	ck_assert(e != NULL && (size_t)(e - s) < sizeof(secret));
	memcpy(secret, s, (size_t)(e - s));
	secret[e - s] = '\0';
	attr_decode(secret);
	ck_assert_msg((e = strstr(secret, "_secret_")) != NULL, "secret %s", secret);
	memcpy(seti, secret, (size_t)(e - secret));
	seti[e - secret] = '\0';
	str_fmt(sbx, sizeof(sbx), "/v1/setup_intents/%s/confirm", seti);
	str_fmt(body, sizeof(body), "client_secret=%s&payment_method=pm_card_mastercard",
	    secret);
	ck_assert_int_eq(spf_sbx("POST", sbx, body, 2, NULL), 200);
	str_fmt(form_path, sizeof(form_path), "%s/return?setup_intent=%s", path, seti);
	ck_assert_int_eq(itest_get(c, form_path, &r), 200);
	ck_assert(strstr(buf_cstr(&r.body), "Card updated") != NULL);

	ck_assert_int_eq(plan_status_is(&a, "active"), 1);
	ck_assert(spf_q_i64("SELECT payment_method_id FROM payment_plans WHERE id = ?",
	    a.plan) != old_method);
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM consents WHERE plan_id = ?"
	    " AND revoked_at IS NULL AND signer_name = 'Pat Payer' AND"
	    " payment_method_id = (SELECT payment_method_id FROM payment_plans WHERE"
	    " id = plan_id)", a.plan), 1);
	jobs_once();
	wait_eq(Q_INST_STATUS, i1, 1, "installment 1 paid on the new card");
	ck_assert_int_eq(itest_get(c, path, &r), 404);	/* spent */
	itest_resp_free(&r);
	itest_client_free(c);
	run_ctl("ledger verify");
	clock_real();
}
END_TEST

/* Settings > Jobs: each job's runs for an admin; the retry days refused
 * when not ascending (nothing saved), saved when right. */
START_TEST(test_settings_jobs_page)
{
	struct itest_client *c = itest_client_new(spf.base);
	const char *admin = getenv("ITEST_ADMIN_EMAIL");
	struct itest_resp r;
	char csrf[256];

	jobs_once();
	ck_assert(c != NULL && admin != NULL);
	ck_assert_int_eq(itest_login(c, admin, spf.password), 303);
	itest_resp_init(&r);
	ck_assert_int_eq(itest_get(c, "/admin/jobs", &r), 200);
	for (const char *const *n = (const char *const[]){ "plan_autopay",
	    "plan_notices", "card_expiry", "mailer", NULL }; *n; n++)
		ck_assert_msg(strstr(buf_cstr(&r.body), *n) != NULL, "no job %s", *n);
	/* the attribute escaper writes the commas as &#x2C; */
	ck_assert(strstr(buf_cstr(&r.body), "value=\"1&#x2C;3&#x2C;7\"") != NULL);
	ck_assert(itest_csrf(buf_cstr(&r.body), csrf, sizeof(csrf)) == 0);
	{
		struct itest_kv kv[] = { { "_csrf", csrf }, { "notice_days", "5" },
		    { "retry_days", "7,3" } };
		itest_resp_free(&r);
		itest_resp_init(&r);
		ck_assert_int_eq(itest_post_form(c, "/admin/jobs", kv, 3, &r), 422);
		ck_assert(strstr(buf_cstr(&r.body), "ascending") != NULL);
		ck_assert_int_eq(spf_q_i64("SELECT notice_days FROM plan_settings WHERE"
		    " id = ?", 1), 3);
		kv[2].value = "2, 4";
		itest_resp_free(&r);
		itest_resp_init(&r);
		ck_assert_int_eq(itest_post_form(c, "/admin/jobs", kv, 3, &r), 303);
		ck_assert_int_eq(spf_q_i64("SELECT notice_days FROM plan_settings WHERE"
		    " id = ?", 1), 5);
		ck_assert_int_eq(spf_q_i64("SELECT retry_days = '2,4' FROM plan_settings"
		    " WHERE id = ?", 1), 1);
		kv[1].value = "3";
		kv[2].value = "1,3,7";
		itest_resp_free(&r);
		itest_resp_init(&r);
		ck_assert_int_eq(itest_post_form(c, "/admin/jobs", kv, 3, &r), 303);
	}
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* An ACH plan: the debit fails later (3 s at the sandbox). Its webhook is
 * refused here (signed with the real time while the stack's clock is in
 * 2031), so reconciliation finds it: ten minutes later by the clock, the
 * jobs run until the failure is recorded. */
static void
ach_fails(const struct aplan *a, int64_t inst, int64_t failures, const char *day)
{
	clock_to(noon(day) + 600);
	for (int waited = 0; waited <= WAIT_MS; waited += 500) {
		jobs_once();
		if (spf_q_i64(Q_FAILURES, inst) == failures)
			return;
		itest_sleep_ms(500);
	}
	ck_abort_msg("plan %" PRId64 ": %" PRId64 " ACH failures recorded, want %"
	    PRId64, a->plan, spf_q_i64(Q_FAILURES, inst), failures);
}

static void
ach_plan(struct aplan *a, const char *tag, const char *first)
{
	int64_t now = clock_now();

	memset(a, 0, sizeof(*a));
	a->account = spf_new_account(tag, a->email, sizeof(a->email));
	a->invoice = spf_new_invoice(a->account, 9000);
	a->method = spf_saved_method(a->account, "us_bank_account",
	    "pm_usBankAccount_success");
	{
		struct db_param p[] = { DB_I64(a->account), DB_STR(first),
		    DB_I64(a->method), DB_I64(now), DB_I64(now) };
		uint64_t id = 0;
		ck_assert(db_exec(spf_db, "INSERT INTO payment_plans (account_id, status,"
		    " basis, total, installments, frequency, start_date,"
		    " payment_method_id, autopay, created_at, updated_at) VALUES (?,"
		    " 'active', 'invoices', 9000, 1, 'weekly', ?, ?, 1, ?, ?)", p, 5,
		    NULL, &id) == DB_OK);
		a->plan = (int64_t)id;
	}
	{
		struct db_param p[] = { DB_I64(a->plan), DB_I64(a->invoice) };
		ck_assert(db_exec(spf_db, "INSERT INTO payment_plan_invoices (plan_id,"
		    " invoice_id, added_in_version) VALUES (?, ?, 1)", p, 2, NULL,
		    NULL) == DB_OK);
	}
	spf_consent(a->account, a->method, "payment_plan", 0, a->plan);
	{
		struct db_param p[] = { DB_I64(a->plan), DB_STR(first) };
		ck_assert(db_exec(spf_db, "INSERT INTO payment_plan_installments"
		    " (plan_id, number, due_date, amount) VALUES (?, 1, ?, 9000)", p, 2,
		    NULL, NULL) == DB_OK);
	}
}

/* ACH: insufficient funds (R01) retried at most twice, then past due;
 * account closed never retried. */
START_TEST(test_ach_dunning)
{
	struct aplan a, b;
	int64_t ia, ib;

	clock_to(noon("2031-01-01"));
	ach_plan(&a, "ap-ach-nsf", "2031-01-10");
	ach_plan(&b, "ap-ach-closed", "2031-01-10");
	method_becomes(a.method, "pm_usBankAccount_insufficientFunds");
	method_becomes(b.method, "pm_usBankAccount_accountClosed");
	ia = inst_id(&a, 1);
	ib = inst_id(&b, 1);
	clock_to(noon("2031-01-10"));
	jobs_once();
	ach_fails(&a, ia, 1, "2031-01-10");
	ach_fails(&b, ib, 1, "2031-01-10");
	ck_assert_int_eq(plan_status_is(&b, "past_due"), 1);
	ck_assert_int_eq(spf_q_i64(Q_RETRY_ON, ia), days_since_2030("2031-01-11"));
	clock_to(noon("2031-01-11"));
	jobs_once();
	ach_fails(&a, ia, 2, "2031-01-11");
	ck_assert_int_eq(spf_q_i64(Q_RETRY_ON, ia), days_since_2030("2031-01-13"));
	clock_to(noon("2031-01-13"));
	jobs_once();
	ach_fails(&a, ia, 3, "2031-01-13");
	ck_assert_int_eq(plan_status_is(&a, "past_due"), 1);
	clock_to(noon("2031-01-17"));
	jobs_once();
	jobs_once();
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 3);	/* 1 + 2 retries */
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, b.plan), 1);
	ck_assert_int_eq(mails(&a, "is past due"), 1);
	ck_assert_int_eq(mails(&b, "is past due"), 1);
	run_ctl("ledger verify");
	clock_real();
}
END_TEST

/* 30 and 7 days before the plan's card expires: one reminder each. */
START_TEST(test_card_expiry_reminders)
{
	static const struct { const char *day; int64_t want; } steps[] = {
		{ "2030-08-30", 0 }, { "2030-09-01", 1 }, { "2030-09-02", 1 },
		{ "2030-09-20", 1 }, { "2030-09-24", 2 }, { "2030-09-29", 2 },
	};
	struct aplan a;

	clock_to(noon("2030-08-20"));
	aplan_make(&a, "ap-exp", "pm_card_visa", 1, 2000, "2031-03-01", 7);
	{
		struct db_param p[] = { DB_I64(a.method) };
		ck_assert(db_exec(spf_db, "UPDATE payment_methods SET exp_month = 9,"
		    " exp_year = 2030 WHERE id = ?", p, 1, NULL, NULL) == DB_OK);
	}
	for (size_t k = 0; k < ARRAY_LEN(steps); k++) {
		clock_to(noon(steps[k].day));
		jobs_once();
		jobs_once();
		ck_assert_msg(mails(&a, "expires soon") == steps[k].want, "%s: %" PRId64
		    " reminders, want %" PRId64, steps[k].day, mails(&a, "expires soon"),
		    steps[k].want);
	}
	clock_real();
}
END_TEST

/* A week of downtime: seven installments due on seven days, the runner
 * back on the eighth: each charged once. */
START_TEST(test_week_of_downtime)
{
	struct aplan a;

	clock_to(noon("2030-09-25"));
	aplan_make(&a, "ap-down", "pm_card_visa", 7, 1500, "2030-10-01", 1);
	clock_to(noon("2030-10-08"));
	jobs_once();
	wait_eq("SELECT COUNT(*) FROM payment_plan_installments WHERE plan_id = ?"
	    " AND status = 'paid'", a.plan, 7, "seven installments paid");
	jobs_once();
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 7);
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM payments WHERE account_id = ?"
	    " AND status = 'succeeded'", a.account), 7);
	ck_assert_int_eq(mails(&a, "paid"), 7);	/* one receipt each */
	ck_assert_int_eq(mails(&a, "will be charged"), 0);	/* too late to announce */
	run_ctl("ledger verify");
	clock_real();
}
END_TEST

/* --- many runners ------------------------------------------------------------- */

#define MANY_PLANS	100
#define MANY_EACH	5

static pid_t
spawn(const char *shell_cmd)
{
	pid_t pid = fork();

	ck_assert(pid != -1);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", shell_cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Succeeded PaymentIntents of the account's customer at the sandbox. */
static int64_t
sandbox_succeeded(int64_t account)
{
	struct db_param p[] = { DB_I64(account) };
	struct db_result r;
	struct json_object *o = NULL, *data;
	char path[200];
	int64_t n = 0;

	ck_assert(db_query(spf_db, "SELECT customer_id FROM stripe_customers WHERE"
	    " account_id = ?", p, 1, &r) == DB_OK && r.nrows == 1);
	str_fmt(path, sizeof(path), "/v1/payment_intents?customer=%s&limit=100",
	    db_str(&r, 0, 0));
	db_result_free(&r);
	ck_assert_int_eq(spf_sbx("GET", path, NULL, 1, &o), 200);
	ck_assert(json_object_object_get_ex(o, "data", &data));
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		struct json_object *pi = json_object_array_get_idx(data, i), *st;
		if (json_object_object_get_ex(pi, "status", &st) &&
		    strcmp(json_object_get_string(st), "succeeded") == 0)
			n++;
	}
	json_object_put(o);
	return n;
}

/* Two more billing-jobs runners and `jobs run --once` start together (the
 * stack's own runner makes four) over 500 due installments: every one
 * paid, each exactly one succeeded PaymentIntent at the sandbox. */
START_TEST(test_runners_charge_each_once)
{
	static struct aplan a[MANY_PLANS];
	char jobs_cmd[1200], once_cmd[1200], builddir[900];
	const char *sp;
	pid_t pid[3];
	int64_t t0;

	clock_to(noon("2030-11-01"));
	for (size_t i = 0; i < MANY_PLANS; i++)
		aplan_make(&a[i], "ap-many", "pm_card_visa", MANY_EACH, 1000 + (int)i,
		    "2030-11-02", 1);
	sp = strstr(ctl, "/billingctl");
	ck_assert(sp != NULL && (size_t)(sp - ctl) < sizeof(builddir));
	memcpy(builddir, ctl, (size_t)(sp - ctl));
	builddir[sp - ctl] = '\0';
	str_fmt(jobs_cmd, sizeof(jobs_cmd), "exec %s/billing-jobs -c %s >/dev/null 2>&1",
	    builddir, spf.config);
	str_fmt(once_cmd, sizeof(once_cmd), "exec %s jobs run --once >/dev/null 2>&1",
	    ctl);
	clock_to(noon("2030-11-20"));
	t0 = clock_mono_ms();
	pid[0] = spawn(jobs_cmd);
	pid[1] = spawn(jobs_cmd);
	pid[2] = spawn(once_cmd);
	for (int waited = 0; waited <= 600000; waited += 500) {
		if (spf_q_i64("SELECT COUNT(*) FROM payment_plan_installments i JOIN"
		    " payment_plans p ON p.id = i.plan_id WHERE i.status = 'paid' AND"
		    " p.id >= ?", a[0].plan) == MANY_PLANS * MANY_EACH)
			break;
		itest_sleep_ms(500);
	}
	fprintf(stderr, "test_autopay: %d installments paid by 4 runners in %"
	    PRId64 " ms\n", MANY_PLANS * MANY_EACH, clock_mono_ms() - t0);
	kill(pid[0], SIGTERM);
	kill(pid[1], SIGTERM);
	for (int i = 0; i < 3; i++)
		(void)waitpid(pid[i], NULL, 0);
	for (size_t i = 0; i < MANY_PLANS; i++) {
		ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM payment_plan_installments"
		    " WHERE plan_id = ? AND status = 'paid' AND attempts = 1", a[i].plan),
		    MANY_EACH);
		ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a[i].plan), MANY_EACH);
		ck_assert_int_eq(sandbox_succeeded(a[i].account), MANY_EACH);
	}
	run_ctl("ledger verify");
	clock_real();
}
END_TEST

/* AP_ONLY=<test name> runs only that test (debugging one case). */
static void
add(TCase *tc, const TTest *t)
{
	const char *only = getenv("AP_ONLY");

	if (only == NULL || *only == '\0' || strcmp(only, t->name) == 0)
		tcase_add_test(tc, t);
}

/* Autopay off: no charge, but the client is told 3 days before each due
 * date, once, with a link that opens the portal's payment of the plan's
 * next installment. */
START_TEST(test_autopay_off_due_notice)
{
	struct aplan a;
	struct db_result r;

	clock_to(noon("2030-06-01"));
	aplan_make(&a, "ap-off", "pm_card_visa", 2, 4000, "2030-06-10", 7);
	{
		struct db_param p[] = { DB_I64(a.plan) };
		ck_assert(db_exec(spf_db, "UPDATE payment_plans SET autopay = 0 WHERE"
		    " id = ?", p, 1, NULL, NULL) == DB_OK);
	}
	clock_to(noon("2030-06-06"));
	jobs_once();
	ck_assert_int_eq(mails(&a, "is due on June 10, 2030"), 0);
	clock_to(noon("2030-06-07"));
	jobs_once();
	jobs_once();
	ck_assert_int_eq(mails(&a, "$40.00 is due on June 10, 2030"), 1);
	ck_assert_int_eq(mails(&a, "will be charged"), 0);
	{
		struct db_param p[] = { DB_STR(a.email) };
		char want[96];
		ck_assert(db_query(spf_db, "SELECT text_body FROM outbox WHERE"
		    " to_addr = ? AND subject LIKE '%is due on%'", p, 1, &r) == DB_OK &&
		    r.nrows == 1);
		str_fmt(want, sizeof(want), "/portal/pay?plan=%" PRId64 "&what=next",
		    a.plan);
		ck_assert_msg(strstr(db_str(&r, 0, 0), want) != NULL,
		    "no pay link in: %s", db_str(&r, 0, 0));
		db_result_free(&r);
	}
	/* the due date passes: nothing is charged without autopay */
	clock_to(noon("2030-06-10"));
	jobs_once();
	ck_assert_int_eq(spf_q_i64(Q_PLAN_PAYMENTS, a.plan), 0);
	clock_real();
}
END_TEST

static Suite *
autopay_suite(void)
{
	Suite *s = suite_create("autopay");
	TCase *tc = tcase_create("autopay");

	tcase_add_checked_fixture(tc, spf_setup, spf_teardown);
	tcase_set_timeout(tc, TC_TIMEOUT);
	add(tc, test_schedule_charges_on_due_dates);
	add(tc, test_autopay_off_due_notice);
	add(tc, test_dunning_retries_then_past_due);
	add(tc, test_hard_decline_stops);
	add(tc, test_ach_dunning);
	add(tc, test_card_expiry_reminders);
	add(tc, test_week_of_downtime);
	add(tc, test_update_card_link);
	add(tc, test_settings_jobs_page);
	add(tc, test_runners_charge_each_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	spf_env_load();
	if ((ctl = getenv("ITEST_BILLINGCTL")) == NULL) {
		fprintf(stderr, "ITEST_BILLINGCTL not set: run tests/integration/run\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(autopay_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	clock_real();
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
