/* Refunds of card and bank payments through the staff pages, against the
 * running stack and the Stripe sandbox: refunds racing each other never give
 * back more than was paid, and a bank payment still processing cannot be
 * refunded (Stripe refunds a payment only after it succeeds; before that it
 * can only be canceled), until it settles. */
#include "common.h"

#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "fixture.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

#define TC_TIMEOUT	300
#define NRACERS		6	/* through billingd (2 workers) */
#define NDOMAIN		12	/* straight to the domain, one connection each */
#define NFULL		20	/* full refunds of one payment at once */

/* A portal client's paid invoice of rate; the payment's id (method pm). */
static int64_t
paid(struct fx_who *s, const char *rate, const char *pay_with, const char *pm,
    int64_t *account)
{
	struct fx_who c;
	char email[160], d0[11], d1[11];
	int64_t acc, inv, pid;

	acc = fx_account(s, 0, email, sizeof(email), "refund");
	fx_portal_client(s, acc, email, &c, 1);
	ck_assert(date_fmt(clock_now() / 86400, d0, sizeof(d0)) == 0);
	ck_assert(date_fmt(clock_now() / 86400 + 10, d1, sizeof(d1)) == 0);
	inv = fx_invoice(s, acc, rate, d0, d1);
	{	/* sent (by post): the portal shows sent invoices */
		struct itest_resp r;
		char path[80];
		itest_resp_init(&r);
		str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", inv);
		fx_post(s, path, NULL, &r, 303, "post", "1", NULL);
		itest_resp_free(&r);
	}
	pid = fx_portal_pay(&c, inv, pay_with, pm);
	fx_who_free(&c);
	if (account != NULL)
		*account = acc;
	return pid;
}

static int64_t
refunded(int64_t pid)
{
	return fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM refunds"
	    " WHERE payment_id = ? AND status IN ('pending', 'succeeded')", pid);
}

/* Refunds posted to the sandbox so far. */
static int64_t
sandbox_refund_posts(void)
{
	struct itest_client *sb = itest_client_new(fx.sandbox);
	struct itest_resp r;
	int64_t n;

	ck_assert(sb != NULL);
	itest_resp_init(&r);
	itest_get(sb, "/_sandbox/requests?method=POST&path=/v1/refunds", &r);
	ck_assert_int_eq(r.status, 200);
	n = fx_json_i64(buf_cstr(&r.body), "count");
	itest_resp_free(&r);
	itest_client_free(sb);
	return n;
}

/* Child: signs in, waits for the start, asks for a refund of amount.
 * Exit 0 = refunded (303), 1 = refused (422), other = something else. */
static void
racer(int64_t pid, const char *amount, int go)
{
	struct itest_client *c = itest_client_new(fx.base);
	struct itest_resp r;
	char path[80], csrf[256], x;

	itest_resp_init(&r);
	if (c == NULL || itest_login(c, fx.billing, fx.password) != 303)
		_exit(3);
	str_fmt(path, sizeof(path), "/payments/%" PRId64, pid);
	if (itest_get(c, path, &r) != 200 ||
	    itest_csrf(buf_cstr(&r.body), csrf, sizeof(csrf)) != 0)
		_exit(4);
	if (read(go, &x, 1) != 0)
		_exit(5);
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/refund", pid);
	{
		struct itest_kv kv[] = { { "_csrf", csrf }, { "amount", amount },
		    { "reason", "race" } };
		itest_post_form(c, path, kv, ARRAY_LEN(kv), &r);
	}
	_exit(r.status == 303 ? 0 : r.status == 422 ? 1 : 6);
}

/* Waits for the n racers: each exits 0 (its refund was made) or 1 (it
 * was refused); anything else fails the test. */
static void
reap_racers(const pid_t *kids, int n, int *made, int *refused)
{
	for (int k = 0; k < n; k++) {
		int st;
		ck_assert(waitpid(kids[k], &st, 0) == kids[k]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) <= 1, "racer %d: status %d",
		    k, st);
		*made += WEXITSTATUS(st) == 0;
		*refused += WEXITSTATUS(st) == 1;
	}
}

/* Six refunds of $30.00 at once on a $100.00 card payment: three are made,
 * the others are refused; $90.00 goes back, once, never more than was paid. */
START_TEST(test_concurrent_refunds)
{
	struct fx_who s;
	pid_t kids[NRACERS];
	int go[2], made = 0, refused = 0;
	int64_t pid, posts0;

	fx_staff(&s, fx.billing);
	pid = paid(&s, "100.00", "card", "pm_card_visa", NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT status = 'succeeded' FROM payments"
	    " WHERE id = ?", pid), 1);
	posts0 = sandbox_refund_posts();
	ck_assert(pipe(go) == 0);
	for (int k = 0; k < NRACERS; k++) {
		kids[k] = fork();
		ck_assert(kids[k] != -1);
		if (kids[k] == 0) {
			close(go[1]);
			racer(pid, "30.00", go[0]);
		}
	}
	close(go[0]);
	close(go[1]);	/* all at once */
	reap_racers(kids, NRACERS, &made, &refused);
	ck_assert_int_eq(made, 3);
	ck_assert_int_eq(refused, NRACERS - 3);
	ck_assert_int_eq(refunded(pid), 9000);
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM"
	    " ledger_entries WHERE payment_id = ? AND kind = 'refund'", pid), 9000);
	ck_assert_int_eq(sandbox_refund_posts() - posts0, 3);
	{
		struct buf out;
		buf_init(&out, 1 << 16);
		ck_assert_msg(itest_sh(&out, "%s ledger verify", fx.ctl) == 0, "%s",
		    buf_cstr(&out));
		buf_free(&out);
	}
	fx_who_free(&s);
}
END_TEST

/* Child: its own connection and Stripe client; waits for the start, then
 * refunds 30.00. Exit 0 = refunded, 1 = refused, other = error. */
static void
domain_racer(int64_t pid, int go)
{
	const struct actor system = { "system", 0, "127.0.0.1" };
	struct db *d = db_new(fx_config());
	struct stripe_client *s = stripe_client_new(fx_config());
	struct sp sp = { d, s, fx_config(), &system };
	struct sp_refund rf;
	char msg[300], x;
	int rc;

	if (d == NULL || s == NULL || db_ensure(d) != DB_OK)
		_exit(3);
	if (read(go, &x, 1) != 0)
		_exit(5);
	rc = stripe_pay_refund(&sp, pid, 3000, "race", &rf, msg, sizeof(msg));
	stripe_client_free(s);
	db_close(d);
	_exit(rc == SP_OK ? 0 : rc == SP_INVALID ? 1 : 6);
}

/* The same race with many more at once than billingd's workers allow:
 * twelve connections refund $30.00 of $100.00 together. */
START_TEST(test_concurrent_refunds_domain)
{
	struct fx_who s;
	pid_t kids[NDOMAIN];
	int go[2], made = 0;
	int64_t pid, posts0;

	fx_staff(&s, fx.billing);
	pid = paid(&s, "100.00", "card", "pm_card_visa", NULL);
	posts0 = sandbox_refund_posts();
	ck_assert(pipe(go) == 0);
	for (int k = 0; k < NDOMAIN; k++) {
		kids[k] = fork();
		ck_assert(kids[k] != -1);
		if (kids[k] == 0) {
			close(go[1]);
			domain_racer(pid, go[0]);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int k = 0; k < NDOMAIN; k++) {
		int st;
		ck_assert(waitpid(kids[k], &st, 0) == kids[k]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) <= 1, "racer %d: status %d",
		    k, st);
		made += WEXITSTATUS(st) == 0;
	}
	ck_assert_int_eq(made, 3);
	ck_assert_int_eq(refunded(pid), 9000);
	ck_assert_int_eq(sandbox_refund_posts() - posts0, 3);
	fx_who_free(&s);
}
END_TEST

/* Child: its own connection and Stripe client (each refund its own row,
 * so its own Stripe key); waits for the start, then refunds the whole
 * payment, as 100.00 (odd k) or as "all that is left" (0, even k).
 * Exit 0 = refunded, 1 = refused as nothing left, other = error. */
static void
full_racer(int64_t pid, int k, int go)
{
	const struct actor system = { "system", 0, "127.0.0.1" };
	struct db *d = db_new(fx_config());
	struct stripe_client *s = stripe_client_new(fx_config());
	struct sp sp = { d, s, fx_config(), &system };
	struct sp_refund rf;
	char msg[300], x;
	int rc;

	if (d == NULL || s == NULL || db_ensure(d) != DB_OK)
		_exit(3);
	if (read(go, &x, 1) != 0)
		_exit(5);
	rc = stripe_pay_refund(&sp, pid, k % 2 ? 10000 : 0, "race", &rf, msg,
	    sizeof(msg));
	stripe_client_free(s);
	db_close(d);
	if (rc == SP_OK)
		_exit(0);
	_exit(rc == SP_INVALID && strstr(msg, "Nothing is left to refund") ? 1 : 6);
}

/* Twenty full refunds of one $100.00 card payment at once, each its own
 * refund (own Stripe idempotency key): exactly one is made and asked of
 * Stripe, every other is refused with "Nothing is left to refund", and the
 * ledger verifies. (Galera: the reservation writes the payment row, so a
 * second node's refund fails certification and its retry refuses.) */
START_TEST(test_full_refunds_race)
{
	struct fx_who s;
	pid_t kids[NFULL];
	int go[2], made = 0, refused = 0;
	int64_t pid, posts0;

	fx_staff(&s, fx.billing);
	pid = paid(&s, "100.00", "card", "pm_card_visa", NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT amount FROM payments WHERE id = ?",
	    pid), 10000);
	posts0 = sandbox_refund_posts();
	ck_assert(pipe(go) == 0);
	for (int k = 0; k < NFULL; k++) {
		kids[k] = fork();
		ck_assert(kids[k] != -1);
		if (kids[k] == 0) {
			close(go[1]);
			full_racer(pid, k, go[0]);
		}
	}
	close(go[0]);
	close(go[1]);
	reap_racers(kids, NFULL, &made, &refused);
	ck_assert_int_eq(made, 1);
	ck_assert_int_eq(refused, NFULL - 1);
	ck_assert_int_eq(refunded(pid), 10000);
	ck_assert_int_eq(fx_sql_i64("SELECT COUNT(*) FROM refunds WHERE"
	    " payment_id = ?", pid), 1);
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM"
	    " ledger_entries WHERE payment_id = ? AND kind = 'refund'", pid), 10000);
	ck_assert_int_eq(sandbox_refund_posts() - posts0, 1);
	/* The winner's reservation wrote the payment row (what Galera
	 * certifies; a FOR UPDATE alone is node-local); the refused ones
	 * rolled their write back. */
	ck_assert_int_eq(fx_sql_i64("SELECT refund_seq FROM payments WHERE id = ?",
	    pid), 1);
	{
		struct buf out;
		buf_init(&out, 1 << 16);
		ck_assert_msg(itest_sh(&out, "%s ledger verify", fx.ctl) == 0, "%s",
		    buf_cstr(&out));
		buf_free(&out);
	}
	fx_who_free(&s);
}
END_TEST

static int64_t ach_pid;

static int
ach_settled(void *arg)
{
	(void)arg;
	return fx_sql_i64("SELECT status = 'succeeded' FROM payments WHERE id = ?",
	    ach_pid) == 1;
}

/* A bank payment still processing is refused a refund, with the reason, and
 * nothing is asked of Stripe; once the bank settles it, it can be refunded. */
START_TEST(test_pending_ach_refund_refused)
{
	struct fx_who s;
	struct itest_resp r;
	char path[80];
	int64_t posts0;

	fx_sandbox("/_sandbox/config", "ach_delay_ms=3600000");
	fx_staff(&s, fx.billing);
	ach_pid = paid(&s, "50.00", "ach", "pm_usBankAccount_success", NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT status = 'pending' FROM payments"
	    " WHERE id = ?", ach_pid), 1);
	posts0 = sandbox_refund_posts();

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/refund", ach_pid);
	fx_post(&s, path, NULL, &r, 422, "amount", "10.00", "reason", "early", NULL);
	ck_assert_msg(itest_body_has(&r, "can be refunded"), "no reason given: %.2000s",
	    buf_cstr(&r.body));
	ck_assert_int_eq(fx_sql_i64("SELECT COUNT(*) FROM refunds WHERE payment_id = ?",
	    ach_pid), 0);
	ck_assert_int_eq(sandbox_refund_posts(), posts0);

	fx_sandbox("/_sandbox/ach/settle", NULL);
	fx_sandbox("/_sandbox/config", "ach_delay_ms=3000");
	ck_assert_msg(itest_wait_until(60000, 100, ach_settled, NULL) == 0,
	    "the settled ACH payment %" PRId64 " is not succeeded after 60 s", ach_pid);
	fx_get(&s, "/", &r, 200);
	fx_post(&s, path, NULL, &r, 303, "amount", "10.00", "reason", "settled", NULL);
	ck_assert_int_eq(refunded(ach_pid), 1000);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("refunds");
	TCase *tc = tcase_create("refunds");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	fx_add_test(tc, test_concurrent_refunds);
	fx_add_test(tc, test_concurrent_refunds_domain);
	fx_add_test(tc, test_full_refunds_race);
	fx_add_test(tc, test_pending_ach_refund_refused);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
