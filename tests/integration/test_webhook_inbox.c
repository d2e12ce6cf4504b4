/* The webhook inbox (issue 12): POST /stripe/webhook stores the verified
 * event (one INSERT) and answers 200; billing-jobs applies it. Proves that
 * a stored event waits for the applier and survives a killed billing-jobs
 * (and a runner that died holding its lease), that the same event three
 * times and events out of order change the payment once, that two runners
 * apply a batch exactly once, that a failed apply is kept, shown by
 * `billingctl jobs status` and retried, that a chunk in which one event
 * fails applies the others exactly once, that the applier stays within a
 * statement budget per event (and the receiver applying inline within one
 * per delivery, in one durable commit), and that an event the database
 * refused to store is answered non-2xx (Stripe retries it). These run with
 * webhook_apply_inline = 0 (the receiver only stores); the first case runs
 * with the default (1): the receiver applies what it stored before its 200,
 * and the inbox is the safety net. */
#include "common.h"

#include <check.h>
#include <signal.h>
#include <json-c/json.h>

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "itest.h"
#include "sp_fixture.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

#define TC_TIMEOUT	300
#define WAIT_MS		30000

/* env.sh jobs-stop / jobs-start (a restart: whatever an earlier failed
 * test left). */
static void
env_jobs(const char *what)
{
	const char *sh = getenv("ITEST_ENV_SH"), *dir = getenv("ITEST_DIR");
	struct buf out;
	int rc;

	buf_init(&out, 1 << 16);
	if (strcmp(what, "jobs-start") == 0)
		rc = itest_sh(&out, "%s jobs-stop %s && %s jobs-start %s", sh, dir, sh,
		    dir);
	else
		rc = itest_sh(&out, "%s %s %s", sh, what, dir);
	ck_assert_msg(rc == 0, "env.sh %s: %s", what, buf_cstr(&out));
	buf_free(&out);
}

static int
pid_gone(void *arg)
{
	return !itest_pid_alive(*(pid_t *)arg);
}

/* billing-jobs killed (SIGKILL: no chance to finish anything). */
static void
jobs_kill(void)
{
	FILE *f = fopen(getenv("ITEST_JOBS_PIDFILE"), "r");
	long pid = 0;
	pid_t p;

	ck_assert(f != NULL);
	ck_assert(fscanf(f, "%ld", &pid) == 1 && pid > 1);
	fclose(f);
	p = (pid_t)pid;
	ck_assert(kill(p, SIGKILL) == 0);
	ck_assert(itest_wait_until(10000, 20, pid_gone, &p) == 0);
}

/* A pending card payment whose intent Stripe (the sandbox) holds as
 * succeeded; the sandbox sends no webhooks of its own (spf_setup again
 * restores them for the next test). */
static void
paid_at_stripe(int64_t account, int64_t amount, struct sp_result *res)
{
	char pm[80];

	ck_assert_int_eq(spf_start_card(account, amount, res), SP_OK);
	ck_assert_str_eq(res->status, "pending");
	spf_browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(spf_browser_confirm(res->intent, res->client_secret, pm), 200);
}

/* A Stripe-shaped payment_intent.<what> event for the payment (a new id
 * into evid). */
static void
event_body(const struct sp_result *res, const char *what, int64_t amount,
    int64_t created, char *evid, size_t evidsz, char *body, size_t bodysz)
{
	char key[64];
	const char *status = strcmp(what, "payment_failed") == 0 ?
	    "requires_payment_method" : what;

	spf_attempt_key(key, sizeof(key));
	str_fmt(evid, evidsz, "evt_%s", key);
	str_fmt(body, bodysz, "{\"id\":\"%s\",\"object\":\"event\","
	    "\"type\":\"payment_intent.%s\",\"created\":%" PRId64 ","
	    "\"data\":{\"object\":{\"id\":\"%s\",\"object\":\"payment_intent\","
	    "\"amount\":%" PRId64 ",\"amount_received\":%" PRId64 ",\"currency\":"
	    "\"usd\",\"status\":\"%s\",\"metadata\":{\"payment_id\":\"%" PRId64
	    "\"}}}}", evid, what, created, res->intent, amount, amount, status,
	    res->payment_id);
}

/* Posts body; expects status and (if needle) an answer containing it. */
static void
post(const char *body, long status, const char *needle)
{
	struct itest_resp r;
	long st;

	itest_resp_init(&r);
	st = spf_post_webhook_nowait(body, &r);
	ck_assert_msg(st == status, "webhook: HTTP %ld (want %ld): %s", st, status,
	    buf_cstr(&r.body));
	if (needle != NULL)
		ck_assert_msg(itest_body_has(&r, needle), "%s", buf_cstr(&r.body));
	itest_resp_free(&r);
}

/* n payments of amount each paid at Stripe, per_account of them to an
 * account with one invoice for them all; then billing-jobs stopped and
 * their payment_intent.succeeded events stored (ids into evid). */
static void
paid_and_stored(const char *name, int n, int per_account, int64_t amount,
    struct sp_result *res, char (*evid)[96])
{
	char body[1400];
	int64_t account = 0;

	spf_sbx_config("webhook_url=");
	for (int i = 0; i < n; i++) {
		if (i % per_account == 0) {
			account = spf_new_account(name, NULL, 0);
			spf_new_invoice(account, per_account * amount);
		}
		paid_at_stripe(account, amount, &res[i]);
	}
	env_jobs("jobs-stop");
	for (int i = 0; i < n; i++) {
		event_body(&res[i], "succeeded", amount, clock_now(), evid[i], 96,
		    body, sizeof(body));
		post(body, 200, "\"outcome\":\"received\"");
	}
}

static int64_t
pending_of(const char *evid)
{
	return spf_q_str_i64("SELECT pending FROM stripe_events WHERE id = ?", evid);
}

static int
applied(void *arg)
{
	return pending_of(arg) == 0;
}

static void
wait_applied(const char *evid)
{
	ck_assert_msg(itest_wait_until(WAIT_MS, 50, applied, (void *)evid) == 0,
	    "event %s not applied", evid);
}

static void
expect_status(int64_t payment_id, const char *status)
{
	struct sp_payment p;

	ck_assert_int_eq(stripe_pay_get(spf_db, payment_id, &p), SP_OK);
	ck_assert_msg(strcmp(p.status, status) == 0, "payment %" PRId64 " is %s, "
	    "want %s", payment_id, p.status, status);
}

/* Each of the n payments succeeded with one ledger entry; the ledger
 * verifies. */
static void
expect_paid_once(const struct sp_result *res, int n)
{
	for (int i = 0; i < n; i++) {
		expect_status(res[i].payment_id, "succeeded");
		ck_assert_int_eq(spf_ledger_payment_entries(res[i].payment_id), 1);
	}
	spf_expect_ledger_ok();
}

/* The same event three times while billing-jobs is down: one row, two
 * duplicates, nothing applied yet; once it runs, paid once. */
START_TEST(test_inbox_duplicates)
{
	int64_t account = spf_new_account("dup3", NULL, 0);
	struct sp_result res;
	char evid[96], body[1400];

	spf_new_invoice(account, 7000);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 7000, &res);
	env_jobs("jobs-stop");
	event_body(&res, "succeeded", 7000, clock_now(), evid, sizeof(evid), body,
	    sizeof(body));
	post(body, 200, "\"outcome\":\"received\"");
	post(body, 200, "duplicate");
	post(body, 200, "duplicate");
	ck_assert_int_eq(spf_q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE"
	    " id = ?", evid), 1);
	ck_assert_int_eq(pending_of(evid), 1);
	expect_status(res.payment_id, "pending");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 0);
	env_jobs("jobs-start");
	wait_applied(evid);
	post(body, 200, "duplicate");
	expect_status(res.payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
	spf_expect_ledger_ok();
}
END_TEST

/* Out of order: succeeded arrives first, then an older processing, then a
 * canceled and a payment_failed that Stripe's own object contradicts: all
 * applied (in created order per intent), the payment paid once, never
 * moved back. */
START_TEST(test_inbox_reordered)
{
	int64_t account = spf_new_account("reorder", NULL, 0);
	static const char *const what[] = { "succeeded", "processing", "canceled",
	    "payment_failed" };
	static const int64_t age[] = { 5, 10, 1, 0 };
	struct sp_result res;
	char evid[4][96], body[1400];
	int64_t now = clock_now();

	spf_new_invoice(account, 4000);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 4000, &res);
	env_jobs("jobs-stop");
	for (size_t i = 0; i < ARRAY_LEN(what); i++) {
		event_body(&res, what[i], 4000, now - age[i], evid[i], sizeof(evid[i]),
		    body, sizeof(body));
		post(body, 200, "\"outcome\":\"received\"");
	}
	env_jobs("jobs-start");
	for (size_t i = 0; i < ARRAY_LEN(what); i++)
		wait_applied(evid[i]);
	expect_status(res.payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
	ck_assert_int_eq(spf_q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE"
	    " subject = ? AND pending = 0 AND applied_at IS NOT NULL", res.intent), 4);
	/* processing, the oldest, came second but was applied first: it found
	 * the payment still pending */
	ck_assert_int_eq(spf_q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE"
	    " id = ? AND outcome LIKE '%pending: processing'", evid[1]), 1);
	spf_expect_ledger_ok();
}
END_TEST

/* Stored, not applied: billing-jobs is killed (SIGKILL), an event comes,
 * another one is held by a runner that died with its lease; after the
 * restart both are applied (the dead lease once it runs out). */
START_TEST(test_inbox_survives_kill)
{
	int64_t account = spf_new_account("killed", NULL, 0);
	struct sp_result a, b;
	char evid[2][96], body[1400];

	spf_new_invoice(account, 9000);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 3000, &a);
	paid_at_stripe(account, 2500, &b);
	jobs_kill();
	event_body(&a, "succeeded", 3000, clock_now(), evid[0], sizeof(evid[0]),
	    body, sizeof(body));
	post(body, 200, "\"outcome\":\"received\"");
	event_body(&b, "succeeded", 2500, clock_now(), evid[1], sizeof(evid[1]),
	    body, sizeof(body));
	post(body, 200, "\"outcome\":\"received\"");
	{
		struct db_param p[] = { DB_I64(clock_now() + 2), DB_STR(evid[1]) };
		ck_assert_int_eq(db_exec(spf_db, "UPDATE stripe_events SET claimed_by ="
		    " 'deadhost:1:1', lease_until = ? WHERE id = ?", p, 2, NULL, NULL),
		    DB_OK);
	}
	ck_assert_int_eq(pending_of(evid[0]), 1);
	expect_status(a.payment_id, "pending");
	env_jobs("jobs-start");
	wait_applied(evid[0]);
	wait_applied(evid[1]);
	expect_status(a.payment_id, "succeeded");
	expect_status(b.payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(a.payment_id), 1);
	ck_assert_int_eq(spf_ledger_payment_entries(b.payment_id), 1);
	spf_expect_ledger_ok();
}
END_TEST

#define RUNNERS_PAYMENTS	24

/* Two runners at once over a backlog: every event applied exactly once. */
START_TEST(test_inbox_two_runners)
{
	struct sp_result res[RUNNERS_PAYMENTS];
	char evid[RUNNERS_PAYMENTS][96];
	struct buf out;
	int rc;

	paid_and_stored("runners", RUNNERS_PAYMENTS, 4, 1000, res, evid);
	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s jobs run --job webhook_apply --once & p=$!; "
	    "%s jobs run --job webhook_apply --once; b=$?; wait $p && exit $b",
	    getenv("ITEST_BILLINGCTL"), getenv("ITEST_BILLINGCTL"));
	ck_assert_msg(rc == 0, "two runners: %d %s", rc, buf_cstr(&out));
	/* what the two runners applied adds up to the backlog, no more */
	{
		const char *at = buf_cstr(&out);
		long sum = 0;
		while ((at = strstr(at, "webhook_apply: ")) != NULL) {
			at += strlen("webhook_apply: ");
			if (*at >= '0' && *at <= '9')
				sum += strtol(at, NULL, 10);
		}
		ck_assert_msg(sum == RUNNERS_PAYMENTS, "applied %ld: %s", sum,
		    buf_cstr(&out));
	}
	buf_free(&out);
	env_jobs("jobs-start");
	for (int i = 0; i < RUNNERS_PAYMENTS; i++) {
		wait_applied(evid[i]);
		expect_status(res[i].payment_id, "succeeded");
		ck_assert_int_eq(spf_ledger_payment_entries(res[i].payment_id), 1);
	}
	spf_expect_ledger_ok();
}
END_TEST

/* Stripe unreachable for the applier: the event stays pending with its
 * error, `billingctl jobs status` shows it, and it is applied on a later
 * try. */
START_TEST(test_inbox_failure_visible)
{
	int64_t account = spf_new_account("stuck", NULL, 0);
	struct sp_inbox_stats st;
	struct stripe_client *closed;
	struct config dead;
	struct sp sp_dead;
	struct sp_result res;
	struct buf out;
	char evid[96], body[1400], err[256];
	int rc;

	spf_new_invoice(account, 5000);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 5000, &res);
	env_jobs("jobs-stop");
	event_body(&res, "succeeded", 5000, clock_now(), evid, sizeof(evid), body,
	    sizeof(body));
	post(body, 200, "\"outcome\":\"received\"");
	ck_assert(config_load(&dead, spf.config, err, sizeof(err)) == 0);
	free(dead.stripe_api_base);
	dead.stripe_api_base = strdup("http://127.0.0.1:1");
	closed = stripe_client_new(&dead);
	ck_assert(closed != NULL);
	closed->max_retries = 0;
	sp_dead = spf_sp;
	sp_dead.stripe = closed;
	sp_dead.cfg = &dead;
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(stripe_pay_inbox_run(&sp_dead, "test:1", 500, NULL, &st), SP_OK);
	ck_assert_uint_ge(st.failed, 1);
	stripe_client_free(closed);
	config_free(&dead);
	ck_assert_int_eq(pending_of(evid), 1);
	ck_assert_int_eq(spf_q_str_i64("SELECT attempts FROM stripe_events WHERE"
	    " id = ?", evid), 1);
	expect_status(res.payment_id, "pending");
	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s jobs status", getenv("ITEST_BILLINGCTL"));
	ck_assert_msg(rc == 0 && strstr(buf_cstr(&out), evid) != NULL &&
	    strstr(buf_cstr(&out), "Stripe unreachable") != NULL, "%s", buf_cstr(&out));
	buf_free(&out);
	env_jobs("jobs-start");
	wait_applied(evid);	/* the retry comes 5 s later */
	expect_status(res.payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
}
END_TEST

/* One chunk (one transaction) holding events of several intents, two of
 * them for one intent (processing, then succeeded), and one event whose
 * effect the database refuses (a trigger on its ledger entry stands in for
 * any failure): the chunk is rolled back and its events applied one by
 * one, so every other payment is paid exactly once, the intent with two
 * events ends succeeded (its events in order), and the refused event stays
 * pending with its error until a later try applies it. */
#define CHUNK_PAYMENTS	6
START_TEST(test_inbox_chunk_one_fails)
{
	struct sp_result res[CHUNK_PAYMENTS];
	struct sp_inbox_stats st;
	char evid[CHUNK_PAYMENTS][96], early[96], body[1400], sql[400];
	const int bad = 3;

	paid_and_stored("chunk", CHUNK_PAYMENTS, 3, 900, res, evid);
	/* older than its succeeded, stored after it */
	event_body(&res[0], "processing", 900, clock_now() - 60, early,
	    sizeof(early), body, sizeof(body));
	post(body, 200, "\"outcome\":\"received\"");
	str_fmt(sql, sizeof(sql), "CREATE TRIGGER refuse_led BEFORE INSERT ON"
	    " ledger_entries FOR EACH ROW IF NEW.payment_id = %" PRId64 " THEN SIGNAL"
	    " SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'; END IF",
	    res[bad].payment_id);
	ck_assert_msg(db_exec_script(spf_db, sql) == DB_OK, "%s", db_error(spf_db));
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(stripe_pay_inbox_run(&spf_sp, "test:chunk", 500, NULL, &st),
	    SP_OK);
	(void)db_exec_script(spf_db, "DROP TRIGGER refuse_led");
	ck_assert_uint_eq(st.claimed, CHUNK_PAYMENTS + 1);
	ck_assert_uint_eq(st.applied, CHUNK_PAYMENTS);
	ck_assert_uint_eq(st.failed, 1);
	for (int i = 0; i < CHUNK_PAYMENTS; i++) {
		ck_assert_int_eq(pending_of(evid[i]), i == bad);
		expect_status(res[i].payment_id, i == bad ? "pending" : "succeeded");
		ck_assert_int_eq(spf_ledger_payment_entries(res[i].payment_id),
		    i == bad ? 0 : 1);
	}
	ck_assert_int_eq(spf_q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE"
	    " id = ? AND outcome LIKE '%pending: processing'", early), 1);
	ck_assert_int_eq(spf_q_str_i64("SELECT attempts FROM stripe_events WHERE"
	    " id = ? AND last_error LIKE 'database error%'", evid[bad]), 1);
	env_jobs("jobs-start");
	wait_applied(evid[bad]);	/* the retry comes 5 s later */
	expect_status(res[bad].payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(res[bad].payment_id), 1);
	spf_expect_ledger_ok();
}
END_TEST

/* This connection's statements so far (the read itself adds one). */
static int64_t
session_questions(void)
{
	struct db_result r;
	int64_t v = -1;

	ck_assert_int_eq(db_query(spf_db, "SHOW SESSION STATUS LIKE 'Questions'",
	    NULL, 0, &r), DB_OK);
	ck_assert_uint_eq(r.nrows, 1);
	v = strtoll(db_str(&r, 0, 1), NULL, 10);
	db_result_free(&r);
	return v;
}

/* The applier's statement budget: a claimed batch of 16 succeeded events
 * (4 accounts, each event allocating to an invoice) applied in one chunk
 * runs at most 7 statements per event, claim, order, locks, settlement,
 * ledger, allocation, audit and marks included (9.75 when each event
 * wrote its account again, summed its invoice's entries and allocations
 * and looked for its portal row; 18 and more when every event locked,
 * checked and marked its own rows and wrote its own audit rows). */
#define BUDGET_PAYMENTS	16
#define BUDGET_PER_EVENT	7
START_TEST(test_inbox_statement_budget)
{
	struct sp_result res[BUDGET_PAYMENTS];
	struct sp_inbox_stats st;
	char evid[BUDGET_PAYMENTS][96];
	int64_t q0, q1;

	paid_and_stored("budget", BUDGET_PAYMENTS, 4, 700, res, evid);
	memset(&st, 0, sizeof(st));
	q0 = session_questions();
	ck_assert_int_eq(stripe_pay_inbox_run(&spf_sp, "test:budget", 500, NULL,
	    &st), SP_OK);
	q1 = session_questions() - 1;
	env_jobs("jobs-start");
	ck_assert_uint_eq(st.applied, BUDGET_PAYMENTS);
	printf("webhook apply: %" PRId64 " statements for %d events (budget %d"
	    " each)\n", q1 - q0, BUDGET_PAYMENTS, BUDGET_PER_EVENT);
	ck_assert_msg(q1 - q0 <= BUDGET_PAYMENTS * BUDGET_PER_EVENT, "%" PRId64
	    " statements for %d events", q1 - q0, BUDGET_PAYMENTS);
	expect_paid_once(res, BUDGET_PAYMENTS);
}
END_TEST

/* The receiver's statement budget (webhook_apply_inline = 1, billingd's
 * default): each delivery of a succeeded event, to an account with an
 * invoice it allocates to, is stored and applied before the answer in at
 * most 16 statements: the INSERT, then in one transaction the chunk
 * path's row lock, order
 * check, payment lock, settlement, ledger, allocation (the invoice's lock
 * reading its stored figures), audit rows written together and the
 * applied mark (18 when the allocation summed the invoice's entries and
 * allocations; 20 and more when the receiver applied its event alone,
 * locking, checking and marking its own rows). Run here in the test's
 * process to count its connection's statements. */
#define INLINE_DELIVERIES	4
#define INLINE_PER_DELIVERY	16
START_TEST(test_inline_statement_budget)
{
	struct sp_result res[INLINE_DELIVERIES];
	char evid[96], body[1400], outcome[200];
	int64_t q0, q1, total = 0, most = 0;

	spf_sbx_config("webhook_url=");
	spf_cfg.webhook_apply_inline = 1;
	for (int i = 0; i < INLINE_DELIVERIES; i++) {
		int64_t account = spf_new_account("inline-budget", NULL, 0);

		spf_new_invoice(account, 900);
		paid_at_stripe(account, 900, &res[i]);
		event_body(&res[i], "succeeded", 900, clock_now(), evid, sizeof(evid),
		    body, sizeof(body));
		q0 = session_questions();
		ck_assert_int_eq(stripe_pay_event_receive(&spf_sp, body, strlen(body),
		    outcome, sizeof(outcome)), SP_EVENT_STORED);
		q1 = session_questions() - 1;
		ck_assert_str_eq(outcome, "received and applied");
		ck_assert_int_eq(pending_of(evid), 0);
		total += q1 - q0;
		most = q1 - q0 > most ? q1 - q0 : most;
	}
	spf_cfg.webhook_apply_inline = 0;
	printf("webhook inline: %" PRId64 " statements for %d deliveries, at most"
	    " %" PRId64 " (budget %d each)\n", total, INLINE_DELIVERIES, most,
	    INLINE_PER_DELIVERY);
	ck_assert_msg(most <= INLINE_PER_DELIVERY, "%" PRId64 " statements for"
	    " one inline delivery", most);
	expect_paid_once(res, INLINE_DELIVERIES);
}
END_TEST

/* A server status counter (SHOW GLOBAL STATUS). */
static int64_t
global_status(const char *name)
{
	struct db_result r;
	struct db_param p = DB_STR(name);
	int64_t v;

	ck_assert_int_eq(db_query(spf_db, "SHOW GLOBAL STATUS WHERE Variable_name = ?",
	    &p, 1, &r), DB_OK);
	ck_assert_uint_eq(r.nrows, 1);
	v = strtoll(db_str(&r, 0, 1), NULL, 10);
	db_result_free(&r);
	return v;
}

/* innodb_flush_log_at_trx_commit (the stack runs with 2; production's is
 * 1: each commit writes and flushes the redo log), as root. */
static void
flush_at_commit(int v)
{
	struct buf out;

	buf_init(&out, 4096);
	ck_assert_msg(itest_sh(&out, "mariadb --protocol=socket -S '%s' -u root -e "
	    "'SET GLOBAL innodb_flush_log_at_trx_commit = %d'",
	    getenv("ITEST_DB_SOCKET"), v) == 0, "mariadb: %s", buf_cstr(&out));
	buf_free(&out);
}

/* An inline delivery (webhook_apply_inline = 1) stores its row and makes
 * its effect in ONE durable commit: with every commit flushed, 10
 * deliveries write the redo log about 10 times (20 and more when the
 * INSERT committed alone before the apply's transaction). Counted around
 * the receiver in the test's process, billing-jobs stopped; the bound
 * leaves room for InnoDB's own background writes. */
#define COMMIT_DELIVERIES	10
START_TEST(test_inline_one_commit)
{
	struct sp_result res[COMMIT_DELIVERIES];
	char evid[96], body[1400], outcome[200];
	int64_t w0, w1;

	spf_sbx_config("webhook_url=");
	for (int i = 0; i < COMMIT_DELIVERIES; i++) {
		int64_t account = spf_new_account("one-commit", NULL, 0);

		spf_new_invoice(account, 800);
		paid_at_stripe(account, 800, &res[i]);
	}
	env_jobs("jobs-stop");
	spf_cfg.webhook_apply_inline = 1;
	flush_at_commit(1);
	w0 = global_status("Innodb_log_writes");
	for (int i = 0; i < COMMIT_DELIVERIES; i++) {
		event_body(&res[i], "succeeded", 800, clock_now(), evid, sizeof(evid),
		    body, sizeof(body));
		ck_assert_int_eq(stripe_pay_event_receive(&spf_sp, body, strlen(body),
		    outcome, sizeof(outcome)), SP_EVENT_STORED);
		ck_assert_str_eq(outcome, "received and applied");
	}
	w1 = global_status("Innodb_log_writes");
	flush_at_commit(2);
	spf_cfg.webhook_apply_inline = 0;
	env_jobs("jobs-start");
	printf("webhook inline: %" PRId64 " redo log writes for %d deliveries\n",
	    w1 - w0, COMMIT_DELIVERIES);
	ck_assert_msg(w1 - w0 <= COMMIT_DELIVERIES * 3 / 2, "%" PRId64 " log writes"
	    " for %d deliveries", w1 - w0, COMMIT_DELIVERIES);
	expect_paid_once(res, COMMIT_DELIVERIES);
}
END_TEST

/* An inline delivery whose intent has an earlier event still pending in
 * the inbox waits for it: stored, answered 200 without being applied, and
 * applied after it by the applier (order per intent kept). */
START_TEST(test_inline_waits_for_earlier)
{
	int64_t account = spf_new_account("inline-order", NULL, 0);
	struct sp_result res;
	char early[96], late[96], body[1400], outcome[200];

	spf_new_invoice(account, 800);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 800, &res);
	env_jobs("jobs-stop");
	event_body(&res, "processing", 800, clock_now() - 60, early, sizeof(early),
	    body, sizeof(body));
	post(body, 200, "\"outcome\":\"received\"");	/* billingd only stores */
	event_body(&res, "succeeded", 800, clock_now(), late, sizeof(late), body,
	    sizeof(body));
	spf_cfg.webhook_apply_inline = 1;
	ck_assert_int_eq(stripe_pay_event_receive(&spf_sp, body, strlen(body),
	    outcome, sizeof(outcome)), SP_EVENT_STORED);
	spf_cfg.webhook_apply_inline = 0;
	ck_assert_str_eq(outcome, "received");
	ck_assert_int_eq(pending_of(late), 1);
	expect_status(res.payment_id, "pending");
	env_jobs("jobs-start");
	wait_applied(early);
	wait_applied(late);
	expect_paid_once(&res, 1);
}
END_TEST

/* The database refuses to store the event (a trigger stands in for a full
 * disk or a lost node): non-2xx, nothing stored; Stripe's retry, once the
 * database takes it, is stored and applied. */
START_TEST(test_inbox_not_stored_not_200)
{
	int64_t account = spf_new_account("refused", NULL, 0);
	struct sp_result res;
	char evid[96], body[1400], sql[400];
	struct itest_resp r;
	long st;

	spf_new_invoice(account, 6000);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 6000, &res);
	event_body(&res, "succeeded", 6000, clock_now(), evid, sizeof(evid), body,
	    sizeof(body));
	str_fmt(sql, sizeof(sql), "CREATE TRIGGER refuse_evt BEFORE INSERT ON"
	    " stripe_events FOR EACH ROW IF NEW.id = '%s' THEN SIGNAL SQLSTATE"
	    " '45000' SET MESSAGE_TEXT = 'refused'; END IF", evid);
	ck_assert_msg(db_exec_script(spf_db, sql) == DB_OK, "%s", db_error(spf_db));
	itest_resp_init(&r);
	st = spf_post_webhook_nowait(body, &r);
	itest_resp_free(&r);
	(void)db_exec_script(spf_db, "DROP TRIGGER refuse_evt");
	ck_assert_msg(st >= 500, "refused event answered %ld", st);
	ck_assert_int_eq(spf_q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE"
	    " id = ?", evid), 0);
	expect_status(res.payment_id, "pending");
	post(body, 200, "\"outcome\":\"received\"");
	wait_applied(evid);
	expect_status(res.payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
}
END_TEST

/* webhook_apply_inline on or off for billingd (a later line of the
 * config wins; billingd re-reads it on a restart). */
static void
apply_inline(int on)
{
	const char *sh = getenv("ITEST_ENV_SH"), *dir = getenv("ITEST_DIR");
	FILE *f = fopen(getenv("ITEST_CONFIG"), "a");
	struct buf out;
	int rc;

	ck_assert(f != NULL);
	ck_assert(fprintf(f, "webhook_apply_inline = %d\n", on) > 0);
	ck_assert(fclose(f) == 0);
	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s billingd-restart %s", sh, dir);
	ck_assert_msg(rc == 0, "env.sh billingd-restart: %s", buf_cstr(&out));
	buf_free(&out);
}

/* The default: the receiver applies the event it stored before answering,
 * so the payment is paid when Stripe (or anyone) sees the 200, with no
 * applier running; the duplicate changes nothing. */
START_TEST(test_inline_applied_before_200)
{
	int64_t account = spf_new_account("inline", NULL, 0);
	struct sp_result res;
	char evid[96], body[1400];

	apply_inline(1);
	spf_new_invoice(account, 6500);
	spf_sbx_config("webhook_url=");
	paid_at_stripe(account, 6500, &res);
	env_jobs("jobs-stop");
	event_body(&res, "succeeded", 6500, clock_now(), evid, sizeof(evid), body,
	    sizeof(body));
	post(body, 200, "received and applied");
	ck_assert_int_eq(pending_of(evid), 0);
	expect_status(res.payment_id, "succeeded");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
	post(body, 200, "duplicate");
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
	env_jobs("jobs-start");
	spf_expect_ledger_ok();
	apply_inline(0);
}
END_TEST

/* The cases below need the receiver to only store. */
static void
queue_only(void)
{
	apply_inline(0);
}

static Suite *
suite(void)
{
	Suite *s = suite_create("webhook_inbox");
	TCase *tc = tcase_create("inbox");

	tcase_add_checked_fixture(tc, spf_setup, spf_teardown);
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_inline_applied_before_200);
	tcase_add_unchecked_fixture(tc, queue_only, NULL);
	tcase_add_test(tc, test_inbox_duplicates);
	tcase_add_test(tc, test_inbox_reordered);
	tcase_add_test(tc, test_inbox_survives_kill);
	tcase_add_test(tc, test_inbox_two_runners);
	tcase_add_test(tc, test_inbox_failure_visible);
	tcase_add_test(tc, test_inbox_chunk_one_fails);
	tcase_add_test(tc, test_inbox_statement_budget);
	tcase_add_test(tc, test_inline_statement_budget);
	tcase_add_test(tc, test_inline_one_commit);
	tcase_add_test(tc, test_inline_waits_for_earlier);
	tcase_add_test(tc, test_inbox_not_stored_not_200);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	spf_env_load();
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
