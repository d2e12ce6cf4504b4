/* Sessions and tokens end on time, checked by moving the stack-wide clock
 * (BILLING_CLOCK_FILE, read by billingd, billing-jobs and this process):
 * every case fixes "now" at T0 and steps it exactly, so the boundaries are
 * to the second and no case waits for real time to pass.
 *
 * The stack's settings (tests/integration/env.sh: the defaults) are a
 * 1800 s idle window and a 43200 s absolute limit for staff and portal
 * sessions; activation and reset links live 72 h; a pay link lives until
 * the end of the UTC day 30 days after the invoice's due date. */
#include "common.h"

#include <time.h>

#include "buf.h"
#include "clock.h"
#include "fixture.h"
#include "str.h"

#define TC_TIMEOUT	300
#define IDLE		1800
#define ABSOLUTE	43200
#define TOKEN_TTL	(72 * 3600)
#define NEW_PW		"meadow lantern copper 77"

static int64_t T0;

static void
setup(void)
{
	T0 = (int64_t)time(NULL);
	fx_clock_at(T0);
}

static void
teardown(void)
{
	fx_clock_real();
}

/* At T0 + t, path answers want (303: to login). */
static void
at(struct fx_who *w, int64_t t, const char *path, int want, const char *login)
{
	struct itest_resp r;
	char what[200];

	fx_clock_at(T0 + t);
	itest_resp_init(&r);
	itest_get(w->c, path, &r);
	str_fmt(what, sizeof(what), "GET %s at T0%+" PRId64 " s", path, t);
	ck_assert_msg(r.status == want, "%s: HTTP %ld, want %d", what, r.status, want);
	if (want == 303)
		ck_assert_msg(strcmp(fx_location(&r), login) == 0,
		    "%s: to %s, want %s", what, fx_location(&r), login);
	itest_resp_free(&r);
}

static void
staff_at(struct fx_who *w, int64_t t, int want)
{
	at(w, t, "/", want, "/login");
}

static void
portal_at(struct fx_who *w, int64_t t, int want)
{
	at(w, t, "/portal/billing", want, "/portal/login");
}

/* A portal client signed in at T0 (its account made by billing staff). */
static void
portal_client(struct fx_who *c, char *email, size_t emailsz)
{
	struct fx_who s;
	int64_t acc;

	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, email, emailsz, "expiry");
	fx_portal_client(&s, acc, email, c, 1);
	fx_who_free(&s);
}

START_TEST(test_staff_idle)
{
	struct fx_who s;

	fx_staff(&s, fx.frontdesk);
	/* each request inside the window keeps the session alive ... */
	staff_at(&s, IDLE - 1, 200);
	staff_at(&s, 2 * (IDLE - 1), 200);
	/* ... a full idle window after the last one ends it */
	staff_at(&s, 2 * (IDLE - 1) + IDLE, 303);
	/* and it stays ended when activity resumes */
	staff_at(&s, 2 * (IDLE - 1) + IDLE + 1, 303);
	fx_who_free(&s);
}
END_TEST

START_TEST(test_staff_absolute)
{
	struct fx_who s;

	fx_staff(&s, fx.billing);
	for (int64_t t = 1500; t < ABSOLUTE; t += 1500)
		staff_at(&s, t, 200);
	staff_at(&s, ABSOLUTE - 1, 200);
	staff_at(&s, ABSOLUTE, 303);
	fx_who_free(&s);
}
END_TEST

START_TEST(test_portal_idle)
{
	struct fx_who c;
	char email[160];

	portal_client(&c, email, sizeof(email));
	portal_at(&c, IDLE - 1, 200);
	portal_at(&c, 2 * (IDLE - 1), 200);
	portal_at(&c, 2 * (IDLE - 1) + IDLE, 303);
	fx_who_free(&c);
}
END_TEST

START_TEST(test_portal_absolute)
{
	struct fx_who c;
	char email[160];

	portal_client(&c, email, sizeof(email));
	for (int64_t t = 1500; t < ABSOLUTE; t += 1500)
		portal_at(&c, t, 200);
	portal_at(&c, ABSOLUTE - 1, 200);
	portal_at(&c, ABSOLUTE, 303);
	fx_who_free(&c);
}
END_TEST

/* A password reset (from a signed-out browser) ends the client's other
 * sessions; the new password signs in, the old one does not. */
START_TEST(test_reset_ends_sessions)
{
	struct fx_who c1, c2, x;
	struct itest_resp r;
	char email[160], path[200], *m;

	portal_client(&c1, email, sizeof(email));
	fx_who_new(&c2, "second browser");
	ck_assert_int_eq(fx_portal_login(&c2, email), 303);
	portal_at(&c1, 10, 200);
	portal_at(&c2, 10, 200);

	fx_who_new(&x, "reset browser");
	itest_resp_init(&r);
	fx_get(&x, "/portal/forgot", &r, 200);
	fx_post(&x, "/portal/forgot", NULL, &r, 303, "email", email, NULL);
	m = fx_mail_wait(email, "/portal/reset/", 1);
	fx_mail_link(m, "/portal/reset/", path, sizeof(path));
	free(m);
	fx_get(&x, path, &r, 200);
	fx_post(&x, path, NULL, &r, 303, "password", NEW_PW, "password2", NEW_PW,
	    NULL);

	portal_at(&c1, 20, 303);
	portal_at(&c2, 20, 303);
	portal_at(&x, 20, 200);	/* the browser that reset is signed in */
	fx_who_free(&c2);
	fx_who_new(&c2, "old password");
	ck_assert_int_ne(fx_portal_login(&c2, email), 303);
	fx_get(&c2, "/portal/login", &r, 200);
	fx_post(&c2, "/portal/login", NULL, &r, 303, "email", email, "password",
	    NEW_PW, NULL);
	itest_resp_free(&r);
	fx_who_free(&c1);
	fx_who_free(&c2);
	fx_who_free(&x);
}
END_TEST

/* Activation links work until 72 h after they were sent, not a second more. */
START_TEST(test_activation_link_expires)
{
	struct fx_who s, c;
	struct itest_resp r;
	char email[160], path[200], *m;
	int64_t acc;

	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, email, sizeof(email), "actexp");
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation", acc);
	fx_post(&s, path, NULL, &r, 303, NULL);
	m = fx_mail_wait(email, "/portal/activate/", 1);
	fx_mail_link(m, "/portal/activate/", path, sizeof(path));
	free(m);
	fx_who_new(&c, email);
	fx_clock_at(T0 + TOKEN_TTL - 1);
	fx_get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "name=\"password2\""));
	fx_clock_at(T0 + TOKEN_TTL);
	fx_get(&c, path, &r, 410);
	ck_assert(!itest_body_has(&r, "name=\"password2\""));
	/* and it cannot be used either */
	fx_post(&c, path, NULL, &r, 410, "password", NEW_PW, "password2", NEW_PW,
	    NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT COUNT(*) FROM portal_logins"
	    " WHERE account_id = ? AND password_hash IS NOT NULL", acc), 0);
	itest_resp_free(&r);
	fx_who_free(&s);
	fx_who_free(&c);
}
END_TEST

/* A pay link of an invoice due D lives until the end of day D + 30 (UTC). */
START_TEST(test_paylink_expires)
{
	struct fx_who s, x;
	struct itest_resp r;
	char email[160], path[200], d0[11], d1[11], *m;
	int64_t acc, inv, today = T0 / 86400, end;

	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, email, sizeof(email), "payexp");
	ck_assert(date_fmt(today, d0, sizeof(d0)) == 0);
	ck_assert(date_fmt(today + 10, d1, sizeof(d1)) == 0);
	inv = fx_invoice(&s, acc, "40.00", d0, d1);
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", inv);
	fx_get(&s, path, &r, 200);
	fx_post(&s, path, NULL, &r, 303, "email", "1", NULL);
	m = fx_mail_wait(email, "/pay/", 1);
	fx_mail_link(m, "/pay/", path, sizeof(path));
	free(m);
	end = (today + 10 + 30 + 1) * 86400;	/* midnight after due + 30 */
	fx_who_new(&x, "link holder");
	fx_clock_at(end - 1);
	fx_get(&x, path, &r, 200);
	fx_clock_at(end);
	fx_get(&x, path, &r, 404);
	T0 = end;	/* teardown: back to the real clock */
	itest_resp_free(&r);
	fx_who_free(&s);
	fx_who_free(&x);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("expiry");
	TCase *tc = tcase_create("expiry");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	fx_add_test(tc, test_staff_idle);
	fx_add_test(tc, test_staff_absolute);
	fx_add_test(tc, test_portal_idle);
	fx_add_test(tc, test_portal_absolute);
	fx_add_test(tc, test_reset_ends_sessions);
	fx_add_test(tc, test_activation_link_expires);
	fx_add_test(tc, test_paylink_expires);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
