/* Stripe payments against the running stack and the bundled Stripe sandbox
 * (started by tests/integration/env.sh: ITEST_CONFIG points billing.conf at
 * it, ITEST_SANDBOX_URL is its base URL).
 *
 * The tests play the browser's Stripe.js part themselves: they create
 * PaymentMethods AT THE SANDBOX with test card numbers (publishable key)
 * and confirm PaymentIntents there with the client_secret, then call our
 * refresh path. Where no staff page exists the domain API (stripe_pay.h) is
 * called directly with a connection of its own; webhooks travel the real
 * way: sandbox -> nginx -> billingd -> /stripe/webhook. Every test makes
 * its own account, so tests do not depend on each other. */
#include "common.h"

#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "app.h"
#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "itest.h"
#include "ledger.h"
#include "profiles.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"
#include "stripe_sig.h"

#define TC_TIMEOUT	240
#define SANDBOX_PK	"pk_test_sandbox"
#define SANDBOX_SK	"sk_test_sandbox"

static struct {
	const char	*base;
	const char	*config;
	const char	*sandbox;
	const char	*billingctl;
	const char	*billing_email;
	const char	*frontdesk_email;
	const char	*password;
} env;

/* Per test (each test runs in its own process). */
static struct config cfg;
static struct db *db;
static struct stripe_client *sc;
static struct actor staff = { "staff", 0, "127.0.0.1" };
static struct sp sp;

/* --- fixture --------------------------------------------------------------- */

static int64_t q_i64(const char *sql, int64_t id);

static void sbx_config(const char *form);

static void
setup(void)
{
	char err[512], form[400];

	/* Whatever an earlier (failed) test left: the sandbox's defaults. */
	str_fmt(form, sizeof(form), "webhook_url=%s/stripe/webhook&pi_create_delay_ms=0"
	    "&duplicate_webhooks=false&shuffle_webhooks=false&ach_delay_ms=3000",
	    env.base);
	sbx_config(form);

	ck_assert_msg(config_load(&cfg, env.config, err, sizeof(err)) == 0,
	    "config: %s", err);
	ck_assert(crypto_init() == 0);
	db = db_new(&cfg);
	ck_assert(db != NULL);
	ck_assert_msg(db_ensure(db) == DB_OK, "db: %s", db_error(db));
	sc = stripe_client_new(&cfg);
	ck_assert(sc != NULL);
	sc->max_retries = 1;
	sc->backoff_ms = 100;
	{
		struct db_param p[] = { DB_STR(env.billing_email) };
		struct db_result r;
		ck_assert(db_query(db, "SELECT id FROM users WHERE email = ?", p, 1,
		    &r) == DB_OK && r.nrows == 1);
		staff.id = db_i64(&r, 0, 0);
		db_result_free(&r);
	}
	sp.db = db;
	sp.stripe = sc;
	sp.cfg = &cfg;
	sp.actor = &staff;
}

static void
teardown(void)
{
	stripe_client_free(sc);
	db_close(db);
	config_free(&cfg);
}

/* --- database helpers --------------------------------------------------------- */

/* First column of the first row of sql with one id parameter. */
static int64_t
q_i64(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int64_t v = -1;

	ck_assert_msg(db_query(db, sql, p, 1, &r) == DB_OK, "%s: %s", sql,
	    db_error(db));
	if (r.nrows > 0)
		v = db_i64(&r, 0, 0);
	db_result_free(&r);
	return v;
}

/* The same without parameters. */
static int64_t
q0_i64(const char *sql)
{
	struct db_result r;
	int64_t v = -1;

	ck_assert_msg(db_query(db, sql, NULL, 0, &r) == DB_OK, "%s: %s", sql,
	    db_error(db));
	if (r.nrows > 0)
		v = db_i64(&r, 0, 0);
	db_result_free(&r);
	return v;
}

static int64_t
q_str_i64(const char *sql, const char *s)
{
	struct db_param p[] = { DB_STR(s) };
	struct db_result r;
	int64_t v = -1;

	ck_assert_msg(db_query(db, sql, p, 1, &r) == DB_OK, "%s: %s", sql,
	    db_error(db));
	if (r.nrows > 0)
		v = db_i64(&r, 0, 0);
	db_result_free(&r);
	return v;
}

static int64_t
ledger_payment_entries(int64_t payment_id)
{
	return q_i64("SELECT COUNT(*) FROM ledger_entries WHERE payment_id = ?"
	    " AND kind = 'payment'", payment_id);
}

static int64_t
account_balance(int64_t account_id)
{
	struct balance b;

	ck_assert(ledger_balance_account(db, account_id, &b) == DB_OK);
	return b.balance;
}

static int64_t
invoice_open(int64_t invoice_id)
{
	return q_i64("SELECT (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE invoice_id = i.id) - (SELECT COALESCE(SUM(amount), 0) FROM"
	    " allocations WHERE invoice_id = i.id) FROM invoices i WHERE i.id = ?",
	    invoice_id);
}

static void
expect_ledger_ok(void)
{
	char msg[1024];
	int rc = ledger_verify(db, msg, sizeof(msg));

	ck_assert_msg(rc == 0, "ledger_verify: %s", msg);
}

static int64_t
new_account(const char *prefix)
{
	struct account a;
	char name[64];

	memset(&a, 0, sizeof(a));
	itest_unique(name, sizeof(name), prefix);
	str_copy(a.name, sizeof(a.name), name);
	ck_assert_msg(account_save(db, &staff, &a) == PROF_OK, "account_save");
	ck_assert(a.id > 0);
	return a.id;
}

/* An issued invoice of one line for cents. */
static int64_t
new_invoice(int64_t account_id, int64_t cents)
{
	struct invoice inv;
	struct invoice_line line;
	char today[11], msg[300];
	int64_t id;

	memset(&inv, 0, sizeof(inv));
	memset(&line, 0, sizeof(line));
	date_fmt(date_today(), today, sizeof(today));
	inv.account_id = account_id;
	inv.payment_type_id = q0_i64("SELECT MIN(id) FROM payment_types");
	str_copy(inv.invoice_date, sizeof(inv.invoice_date), today);
	str_copy(inv.due_date, sizeof(inv.due_date), today);
	str_copy(line.description, sizeof(line.description), "Session");
	line.quantity = 1;
	line.rate = cents;
	inv.lines = &line;
	inv.nlines = 1;
	ck_assert_msg(invoice_save_draft(db, &staff, &inv, msg, sizeof(msg)) == INV_OK,
	    "invoice_save_draft: %s", msg);
	id = inv.id;
	ck_assert(invoice_issue(db, &staff, id) == INV_OK);
	return id;
}

static void
new_attempt_key(char *out, size_t outsz)
{
	ck_assert(crypto_token(out, outsz, 24) == 0);
}

/* --- the sandbox over plain libcurl --------------------------------------------- */

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) == 0 ? size * n : 0;
}

enum sbx_auth { SBX_NONE, SBX_SECRET, SBX_PUBLISHABLE };

/* method path [form body]; *out gets the JSON answer (NULL if none). */
static long
sbx(const char *method, const char *path, const char *form, enum sbx_auth auth,
    struct json_object **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf body;
	char url[1024], hdr[128];
	long status = 0;

	ck_assert(c != NULL);
	buf_init(&body, 16u * 1024 * 1024);
	str_fmt(url, sizeof(url), "%s%s", env.sandbox, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (form != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
	}
	if (auth != SBX_NONE) {
		str_fmt(hdr, sizeof(hdr), "Authorization: Bearer %s",
		    auth == SBX_SECRET ? SANDBOX_SK : SANDBOX_PK);
		h = curl_slist_append(h, hdr);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	ck_assert_msg(curl_easy_perform(c) == CURLE_OK, "sandbox %s %s", method, path);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (out != NULL) {
		*out = NULL;
		if (body.len > 0)
			stripe_json_parse(body.data, body.len, out);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	buf_free(&body);
	return status;
}

static void
sbx_config(const char *form)
{
	long st = sbx("POST", "/_sandbox/config", form, SBX_NONE, NULL);

	ck_assert_msg(st == 200, "sandbox config %s: %ld", form, st);
}

static void
sbx_flush(void)
{
	sbx("POST", "/_sandbox/webhooks/flush", "timeout_ms=20000", SBX_NONE, NULL);
}

/* How many requests the sandbox logged for path (POST) with that key. */
static size_t
sbx_posts(const char *path, const char *idempotency_key)
{
	struct json_object *o;
	char q[512];
	int64_t n = -1;

	str_fmt(q, sizeof(q), "/_sandbox/requests?method=POST&path=%s"
	    "&idempotency_key=%s", path, idempotency_key);
	ck_assert(sbx("GET", q, NULL, SBX_NONE, &o) == 200);
	stripe_obj_i64(o, "count", &n);
	json_object_put(o);
	return (size_t)n;
}

/* PaymentIntents at the sandbox whose metadata names the payment. */
static size_t
sbx_intents_of(int64_t payment_id)
{
	struct json_object *o;
	char q[256];
	size_t n;

	str_fmt(q, sizeof(q), "/v1/payment_intents/search?query=metadata%%5B%%27payment_id"
	    "%%27%%5D%%3A%%27%" PRId64 "%%27&limit=100", payment_id);
	ck_assert(sbx("GET", q, NULL, SBX_SECRET, &o) == 200);
	n = stripe_obj_array_len(o, "data");
	json_object_put(o);
	return n;
}

/* The browser: a card PaymentMethod made at the sandbox with Stripe.js's key. */
static void
browser_card(const char *number, char *pm, size_t pmsz)
{
	struct json_object *o;
	char form[256];
	long st;

	str_fmt(form, sizeof(form), "type=card&card%%5Bnumber%%5D=%s&card%%5Bexp_month%%5D=12"
	    "&card%%5Bexp_year%%5D=2034&card%%5Bcvc%%5D=123", number);
	st = sbx("POST", "/v1/payment_methods", form, SBX_PUBLISHABLE, &o);
	ck_assert_msg(st == 200 && stripe_obj_str(o, "id") != NULL,
	    "create card %s: %ld", number, st);
	str_copy(pm, pmsz, stripe_obj_str(o, "id"));
	json_object_put(o);
}

/* The browser: confirmPayment with the client secret. HTTP status. */
static long
browser_confirm(const char *intent, const char *secret, const char *pm)
{
	char path[160], form[512];

	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/confirm", intent);
	str_fmt(form, sizeof(form), "client_secret=%s&payment_method=%s", secret, pm);
	return sbx("POST", path, form, SBX_PUBLISHABLE, NULL);
}

/* The browser: confirmSetup, completing 3-D Secure when the card asks for
 * it (the sandbox's test page, button "Complete"). HTTP status. */
static long
browser_confirm_setup(const char *si, const char *secret, const char *pm)
{
	struct json_object *o;
	char path[160], form[512];
	const char *st;
	long status;

	str_fmt(path, sizeof(path), "/v1/setup_intents/%s/confirm", si);
	str_fmt(form, sizeof(form), "client_secret=%s&payment_method=%s", secret, pm);
	status = sbx("POST", path, form, SBX_PUBLISHABLE, &o);
	st = stripe_obj_str(o, "status");
	if (status == 200 && st != NULL && strcmp(st, "requires_action") == 0) {
		str_fmt(form, sizeof(form), "intent=%s&client_secret=%s&outcome=complete",
		    si, secret);
		status = sbx("POST", "/v3/authenticate", form, SBX_NONE, NULL);
	}
	json_object_put(o);
	return status;
}

/* --- flows ------------------------------------------------------------------- */

static int
start_payment(int64_t account, const char *method, int64_t amount, const char *plan,
    int save, const char *key, struct sp_result *res)
{
	struct sp_start q;

	memset(&q, 0, sizeof(q));
	q.account_id = account;
	q.method = method;
	q.amount = amount;
	q.attempt_key = key;
	q.alloc_plan = plan;
	q.save_method = save;
	return stripe_pay_start(&sp, &q, res);
}

/* Staff takes a new card: start, the browser confirms, the page refreshes. */
static void
card_payment(int64_t account, int64_t amount, const char *plan, int save,
    const char *number, struct sp_result *res)
{
	char key[64], pm[80];
	int rc;

	new_attempt_key(key, sizeof(key));
	rc = start_payment(account, "card", amount, plan, save, key, res);
	ck_assert_msg(rc == SP_OK, "start: %d %s", rc, res->message);
	ck_assert_str_eq(res->status, "pending");
	ck_assert_msg(str_starts(res->client_secret, res->intent) &&
	    strstr(res->client_secret, "_secret_") != NULL, "client secret %s",
	    res->client_secret);
	browser_card(number, pm, sizeof(pm));
	browser_confirm(res->intent, res->client_secret, pm);
	{
		int64_t id = res->payment_id;
		rc = stripe_pay_refresh(&sp, id, res);
		ck_assert_msg(rc == SP_OK, "refresh: %d %s", rc, res->message);
		ck_assert(res->payment_id == id);
	}
}

/* A saved method through a SetupIntent confirmed at the sandbox with a
 * test PaymentMethod id (pm_card_visa, ...). */
static int64_t
saved_method(int64_t account, const char *kind, const char *test_pm)
{
	char key[64], secret[256], si[80], msg[300];
	int64_t id = 0;
	int rc;

	new_attempt_key(key, sizeof(key));
	rc = stripe_pay_setup_start(&sp, account, kind, key, secret, sizeof(secret),
	    si, sizeof(si), msg, sizeof(msg));
	ck_assert_msg(rc == SP_OK, "setup start: %d %s", rc, msg);
	ck_assert_int_eq(browser_confirm_setup(si, secret, test_pm), 200);
	rc = stripe_pay_setup_complete(&sp, account, si, &id, msg, sizeof(msg));
	ck_assert_msg(rc == SP_OK && id > 0, "setup complete: %d %s", rc, msg);
	return id;
}

static int64_t
consent(int64_t account, int64_t method, const char *scope, int64_t max)
{
	struct sp_consent_req q;
	int64_t id = 0;
	char msg[300];

	memset(&q, 0, sizeof(q));
	q.account_id = account;
	q.payment_method_id = method;
	q.scope = scope;
	q.max_amount = max;
	q.text_version = "2026-01";
	q.signer_name = "Pat Payer";
	q.ip = "203.0.113.7";
	q.user_agent = "Mozilla/5.0 (test)";
	q.recorded_by = staff.id;
	ck_assert_msg(stripe_pay_consent_record(&sp, &q, &id, msg, sizeof(msg)) == SP_OK,
	    "consent: %s", msg);
	return id;
}

static int
charge_saved(int64_t account, int64_t method, int64_t amount, const char *key,
    struct sp_result *res)
{
	struct sp_start q;

	memset(&q, 0, sizeof(q));
	q.account_id = account;
	q.payment_method_id = method;
	q.amount = amount;
	q.attempt_key = key;
	q.alloc_plan = "auto";
	return stripe_pay_charge_saved(&sp, &q, res);
}

struct wait_status {
	int64_t		 payment_id;
	const char	*status;
};

static int
payment_has_status(void *arg)
{
	struct wait_status *w = arg;
	struct sp_payment p;

	return stripe_pay_get(db, w->payment_id, &p) == SP_OK &&
	    strcmp(p.status, w->status) == 0;
}

static void
wait_status(int64_t payment_id, const char *status, int ms)
{
	struct wait_status w = { payment_id, status };
	struct sp_payment p;

	if (itest_wait_until(ms, 100, payment_has_status, &w) == -1) {
		stripe_pay_get(db, payment_id, &p);
		ck_abort_msg("payment %" PRId64 " is %s (%s), want %s", payment_id,
		    p.status, p.stripe_status, status);
	}
}

/* --- tests: cards ------------------------------------------------------------- */

static const struct {
	const char		*number;
	const char		*status;
	enum stripe_reason	 reason;
	const char		*code;
} cards[] = {
	{ "4242424242424242", "succeeded", STRIPE_REASON_NONE, "" },
	{ "4000000000000002", "failed", STRIPE_REASON_CARD_DECLINED, "generic_decline" },
	{ "4000000000009995", "failed", STRIPE_REASON_INSUFFICIENT_FUNDS, "insufficient_funds" },
	{ "4000000000000069", "failed", STRIPE_REASON_EXPIRED_CARD, "expired_card" },
	{ "4000000000000127", "failed", STRIPE_REASON_INCORRECT_CVC, "incorrect_cvc" },
	{ "4000000000000119", "failed", STRIPE_REASON_PROCESSING, "processing_error" },
};

START_TEST(test_card_outcomes)
{
	int64_t account = new_account("cards");
	int64_t inv = new_invoice(account, 50000);
	struct sp_result res;
	struct sp_payment p;

	for (size_t i = 0; i < ARRAY_LEN(cards); i++) {
		int64_t before = account_balance(account);
		card_payment(account, 2500, "auto", 0, cards[i].number, &res);
		ck_assert_msg(strcmp(res.status, cards[i].status) == 0,
		    "card %s: status %s (%s), want %s", cards[i].number, res.status,
		    res.message, cards[i].status);
		ck_assert_msg(strcmp(res.message, stripe_reason_message(cards[i].reason)) == 0,
		    "card %s: message \"%s\"", cards[i].number, res.message);
		ck_assert_msg(strcmp(res.failure_code, cards[i].code) == 0,
		    "card %s: code %s, want %s", cards[i].number, res.failure_code,
		    cards[i].code);
		ck_assert_int_eq(stripe_pay_get(db, res.payment_id, &p), SP_OK);
		if (cards[i].reason == STRIPE_REASON_NONE) {
			ck_assert_int_eq(ledger_payment_entries(res.payment_id), 1);
			ck_assert_int_eq(account_balance(account), before - 2500);
			ck_assert_int_eq(invoice_open(inv), 50000 - 2500);
			ck_assert_str_eq(p.stripe_status, "succeeded");
		} else {
			/* Nothing posted for a failure. */
			ck_assert_int_eq(ledger_payment_entries(res.payment_id), 0);
			ck_assert_int_eq(account_balance(account), before);
			ck_assert_str_eq(p.failure_message, res.message);
		}
		/* Asking again changes nothing. */
		ck_assert_int_eq(stripe_pay_refresh(&sp, res.payment_id, &res), SP_OK);
		ck_assert_str_eq(res.status, cards[i].status);
		ck_assert_int_eq(ledger_payment_entries(res.payment_id),
		    cards[i].reason == STRIPE_REASON_NONE ? 1 : 0);
	}
	expect_ledger_ok();
}
END_TEST

/* Card saved with the payment (setup_future_usage), then charged again. */
START_TEST(test_card_saved_with_payment)
{
	int64_t account = new_account("save");
	struct sp_result res;
	struct sp_method *m = NULL;
	size_t n = 0;

	new_invoice(account, 20000);
	card_payment(account, 5000, "auto", 1, "4242424242424242", &res);
	ck_assert_str_eq(res.status, "succeeded");
	ck_assert_int_eq(stripe_pay_methods(db, account, &m, &n), SP_OK);
	ck_assert_msg(n == 1, "%zu methods", n);
	ck_assert_str_eq(m[0].kind, "card");
	ck_assert_str_eq(m[0].last4, "4242");
	ck_assert_str_eq(m[0].brand, "visa");
	ck_assert_int_eq(m[0].exp_year, 2034);
	ck_assert_int_eq(m[0].is_default, 1);
	ck_assert_int_eq(q_i64("SELECT payment_method_id FROM payments WHERE id = ?",
	    res.payment_id), m[0].id);
	free(m);
}
END_TEST

/* --- tests: saved methods and consents -------------------------------------- */

START_TEST(test_saved_card_consent)
{
	int64_t account = new_account("consent");
	int64_t inv = new_invoice(account, 30000);
	int64_t visa = saved_method(account, "card", "pm_card_visa");
	int64_t c;
	struct sp_result res;
	char key[64];

	/* No consent: refused, nothing made. */
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(charge_saved(account, visa, 10000, key, &res), SP_NO_CONSENT);
	ck_assert_int_eq(q_str_i64("SELECT COUNT(*) FROM payments WHERE attempt_key = ?",
	    key), 0);
	/* A consent for up to $50 does not cover $100. */
	c = consent(account, visa, "up_to_amount", 5000);
	ck_assert_int_eq(stripe_pay_consent_covers(db, visa, 10000, NULL, 0), 0);
	ck_assert_int_eq(stripe_pay_consent_covers(db, visa, 5000, NULL, 0), 1);
	ck_assert_int_eq(charge_saved(account, visa, 10000, key, &res), SP_NO_CONSENT);
	ck_assert_int_eq(stripe_pay_consent_active(db, visa), 1);
	ck_assert_int_eq(stripe_pay_consent_revoke(&sp, account, c, staff.id), SP_OK);
	ck_assert_int_eq(stripe_pay_consent_active(db, visa), 0);
	ck_assert_int_eq(stripe_pay_consent_revoke(&sp, account, c, staff.id),
	    SP_NOT_FOUND);
	ck_assert_int_eq(stripe_pay_consent_covers(db, visa, 100, NULL, 0), 0);
	/* Any balance: up to what is owed ($300). */
	consent(account, visa, "any_balance", 0);
	ck_assert_int_eq(stripe_pay_consent_covers(db, visa, 30001, NULL, 0), 0);
	ck_assert_int_eq(charge_saved(account, visa, 10000, key, &res), SP_OK);
	ck_assert_msg(strcmp(res.status, "succeeded") == 0, "%s %s", res.status,
	    res.message);
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 1);
	ck_assert_int_eq(invoice_open(inv), 20000);
	/* The same form again: the same payment, no second charge. */
	{
		int64_t id = res.payment_id;
		ck_assert_int_eq(charge_saved(account, visa, 10000, key, &res), SP_OK);
		ck_assert(res.payment_id == id);
		ck_assert_str_eq(res.status, "succeeded");
		ck_assert_int_eq(ledger_payment_entries(id), 1);
		ck_assert_uint_eq(sbx_intents_of(id), 1);
	}
	/* Audit rows in the same transactions. */
	ck_assert(q_i64("SELECT COUNT(*) FROM audit_log WHERE object_type = 'account'"
	    " AND object_id = ? AND action IN ('consent.record', 'consent.revoke',"
	    " 'payment_method.add')", account) >= 4);
	expect_ledger_ok();
}
END_TEST

START_TEST(test_saved_card_failures)
{
	int64_t account = new_account("savedfail");
	int64_t fail, auth;
	struct sp_result res;
	char key[64];

	new_invoice(account, 30000);
	fail = saved_method(account, "card", "pm_card_chargeCustomerFail");
	auth = saved_method(account, "card", "pm_card_authenticationRequired");
	consent(account, fail, "any_balance", 0);
	consent(account, auth, "any_balance", 0);
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(charge_saved(account, fail, 7000, key, &res), SP_OK);
	ck_assert_str_eq(res.status, "failed");
	ck_assert_str_eq(res.message, stripe_reason_message(STRIPE_REASON_CARD_DECLINED));
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 0);
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(charge_saved(account, auth, 7000, key, &res), SP_OK);
	ck_assert_str_eq(res.status, "failed");
	ck_assert_str_eq(res.message, stripe_reason_message(STRIPE_REASON_AUTHENTICATION));
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 0);
	ck_assert_int_eq(account_balance(account), 30000);
}
END_TEST

START_TEST(test_methods_default_remove)
{
	int64_t account = new_account("methods");
	int64_t a = saved_method(account, "card", "pm_card_visa");
	int64_t b = saved_method(account, "card", "pm_card_mastercard");
	struct sp_method m, *list = NULL;
	struct json_object *o;
	char path[160], msg[300];
	size_t n;

	ck_assert_int_eq(stripe_pay_method_get(db, a, &m), SP_OK);
	ck_assert_int_eq(m.is_default, 1);
	/* Recording the same setup again finds the same row. */
	ck_assert_int_eq(stripe_pay_method_default(&sp, account, b, msg, sizeof(msg)),
	    SP_OK);
	ck_assert_int_eq(stripe_pay_methods(db, account, &list, &n), SP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert(list[0].id == b && list[0].is_default && !list[1].is_default);
	free(list);
	ck_assert_int_eq(stripe_pay_method_get(db, b, &m), SP_OK);
	{
		char cus[80];
		ck_assert_int_eq(stripe_pay_customer(&sp, account, cus, sizeof(cus)), SP_OK);
		str_fmt(path, sizeof(path), "/v1/customers/%s", cus);
		ck_assert_int_eq(sbx("GET", path, NULL, SBX_SECRET, &o), 200);
		ck_assert_str_eq(stripe_obj_str(o, "invoice_settings.default_payment_method"),
		    m.stripe_pm_id);
		json_object_put(o);
	}
	consent(account, b, "any_balance", 0);
	ck_assert_int_eq(stripe_pay_method_remove(&sp, account, b, msg, sizeof(msg)),
	    SP_OK);
	ck_assert_int_eq(stripe_pay_method_get(db, b, &m), SP_OK);
	ck_assert_str_eq(m.status, "removed");
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM consents WHERE payment_method_id = ?"
	    " AND revoked_at IS NULL", b), 0);
	str_fmt(path, sizeof(path), "/v1/payment_methods/%s", m.stripe_pm_id);
	ck_assert_int_eq(sbx("GET", path, NULL, SBX_SECRET, &o), 200);
	ck_assert(stripe_obj_get(o, "customer") == NULL ||
	    json_object_is_type(stripe_obj_get(o, "customer"), json_type_null));
	json_object_put(o);
	/* Another account cannot touch the method. */
	ck_assert_int_eq(stripe_pay_method_remove(&sp, new_account("other"), a, msg,
	    sizeof(msg)), SP_NOT_FOUND);
}
END_TEST

/* --- tests: ACH ------------------------------------------------------------------ */

static void
ach_payment(int64_t account, const char *test_pm, struct sp_result *res)
{
	char key[64];

	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "ach", 12000, "auto", 0, key, res), SP_OK);
	ck_assert_int_eq(browser_confirm(res->intent, res->client_secret, test_pm), 200);
	{
		int64_t id = res->payment_id;
		ck_assert_int_eq(stripe_pay_refresh(&sp, id, res), SP_OK);
	}
}

START_TEST(test_ach)
{
	int64_t account = new_account("ach");
	struct sp_result ok, bad;
	struct sp_payment p;

	new_invoice(account, 40000);
	sbx_config("ach_delay_ms=4000");
	ach_payment(account, "pm_usBankAccount_success", &ok);
	ach_payment(account, "pm_usBankAccount_accountClosed", &bad);
	/* Processing: pending, never paid. */
	ck_assert_str_eq(ok.status, "pending");
	ck_assert_str_eq(ok.stripe_status, "processing");
	ck_assert_str_eq(bad.status, "pending");
	ck_assert_int_eq(ledger_payment_entries(ok.payment_id), 0);
	ck_assert_int_eq(account_balance(account), 40000);
	/* The processing webhook, even late or twice, keeps it pending. */
	sbx_flush();
	ck_assert_int_eq(stripe_pay_get(db, ok.payment_id, &p), SP_OK);
	ck_assert_str_eq(p.status, "pending");
	ck_assert_int_eq(account_balance(account), 40000);
	/* The bank settles: webhooks settle both. */
	wait_status(ok.payment_id, "succeeded", 30000);
	wait_status(bad.payment_id, "failed", 30000);
	ck_assert_int_eq(ledger_payment_entries(ok.payment_id), 1);
	ck_assert_int_eq(ledger_payment_entries(bad.payment_id), 0);
	ck_assert_int_eq(account_balance(account), 40000 - 12000);
	ck_assert_int_eq(stripe_pay_get(db, bad.payment_id, &p), SP_OK);
	ck_assert_str_eq(p.failure_code, "account_closed");
	ck_assert_str_eq(p.failure_message, stripe_reason_message(STRIPE_REASON_BANK_ACCOUNT));
	/* A late 'processing' (refresh, then the replayed events) changes nothing. */
	ck_assert_int_eq(stripe_pay_refresh(&sp, ok.payment_id, &ok), SP_OK);
	ck_assert_str_eq(ok.status, "succeeded");
	ck_assert_int_eq(ledger_payment_entries(ok.payment_id), 1);
	sbx_config("ach_delay_ms=3000");
	expect_ledger_ok();
}
END_TEST

/* --- tests: concurrency, webhooks, crashes ------------------------------------- */

/* Child: its own connection and client, the same form. Exit 0 = succeeded. */
static void
child_charge(int64_t account, int64_t method, const char *key)
{
	struct config c;
	struct db *d;
	struct stripe_client *s;
	struct sp p;
	struct sp_start q;
	struct sp_result res;
	char err[256];
	int rc;

	if (config_load(&c, env.config, err, sizeof(err)) == -1 ||
	    (d = db_new(&c)) == NULL || (s = stripe_client_new(&c)) == NULL)
		_exit(10);
	p.db = d;
	p.stripe = s;
	p.cfg = &c;
	p.actor = &staff;
	memset(&q, 0, sizeof(q));
	q.account_id = account;
	q.payment_method_id = method;
	q.amount = 4200;
	q.attempt_key = key;
	q.alloc_plan = "auto";
	rc = stripe_pay_charge_saved(&p, &q, &res);
	stripe_client_free(s);
	db_close(d);
	_exit(rc != SP_OK ? 20 + rc : strcmp(res.status, "succeeded") == 0 ? 0 : 30);
}

START_TEST(test_concurrent_submissions)
{
	int64_t account = new_account("fifty");
	int64_t visa = saved_method(account, "card", "pm_card_visa");
	pid_t kids[50];
	char key[64], idem[64];
	int64_t pid_row;
	int bad = 0;

	new_invoice(account, 10000);
	consent(account, visa, "any_balance", 0);
	new_attempt_key(key, sizeof(key));
	fflush(NULL);
	for (size_t i = 0; i < ARRAY_LEN(kids); i++) {
		kids[i] = fork();
		ck_assert(kids[i] != -1);
		if (kids[i] == 0)
			child_charge(account, visa, key);
	}
	for (size_t i = 0; i < ARRAY_LEN(kids); i++) {
		int st = 0;
		ck_assert(waitpid(kids[i], &st, 0) == kids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	ck_assert_msg(bad == 0, "%d of 50 submissions did not report success", bad);
	ck_assert_int_eq(q_str_i64("SELECT COUNT(*) FROM payments WHERE attempt_key = ?",
	    key), 1);
	pid_row = q_str_i64("SELECT id FROM payments WHERE attempt_key = ?", key);
	str_fmt(idem, sizeof(idem), "pi-%" PRId64, pid_row);
	ck_assert_uint_eq(sbx_posts("/v1/payment_intents", idem), 1);
	ck_assert_uint_eq(sbx_intents_of(pid_row), 1);
	ck_assert_int_eq(ledger_payment_entries(pid_row), 1);
	ck_assert_int_eq(account_balance(account), 10000 - 4200);
	expect_ledger_ok();
}
END_TEST

/* Posts body to /stripe/webhook with a Stripe-Signature header (NULL: none). */
static long
post_webhook(const char *body, const char *content_type, const char *sig,
    struct itest_resp *r)
{
	struct itest_client *c = itest_client_new(env.base);
	char h[1200];
	long st;

	ck_assert(c != NULL);
	str_fmt(h, sizeof(h), "Content-Type: %s", content_type);
	itest_client_add_header(c, h);
	if (sig != NULL) {
		str_fmt(h, sizeof(h), "Stripe-Signature: %s", sig);
		itest_client_add_header(c, h);
	}
	st = itest_request(c, "POST", "/stripe/webhook", body, r);
	itest_client_free(c);
	return st;
}

static void
sign(const char *body, int64_t t, const char *secret, char *out, size_t outsz)
{
	ck_assert(stripe_sig_header(secret, t, body, strlen(body), out, outsz) == 0);
}

START_TEST(test_webhooks_duplicated_shuffled)
{
	int64_t account = new_account("hooks");
	struct sp_result res;
	struct json_object *o;
	char key[64], pm[80], q[256];
	size_t events;
	const char *ev_id = NULL;

	new_invoice(account, 9000);
	sbx_config("duplicate_webhooks=true&shuffle_webhooks=true&shuffle_window_ms=300");
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "card", 6000, "auto", 0, key, &res), SP_OK);
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(res.intent, res.client_secret, pm), 200);
	/* No refresh: the webhooks alone settle it. */
	sbx_flush();
	wait_status(res.payment_id, "succeeded", 30000);
	sbx_flush();
	sbx_config("duplicate_webhooks=false&shuffle_webhooks=false");
	/* A third delivery of the succeeded event, signed like Stripe's. */
	str_fmt(q, sizeof(q), "/v1/events?type=payment_intent.succeeded&limit=100");
	ck_assert_int_eq(sbx("GET", q, NULL, SBX_SECRET, &o), 200);
	events = stripe_obj_array_len(o, "data");
	for (size_t i = 0; i < events && ev_id == NULL; i++) {
		char p[32];
		str_fmt(p, sizeof(p), "data.%zu.data.object.id", i);
		if (stripe_obj_str(o, p) && strcmp(stripe_obj_str(o, p), res.intent) == 0) {
			str_fmt(p, sizeof(p), "data.%zu", i);
			struct json_object *ev = stripe_obj_get(o, p);
			const char *body = json_object_to_json_string_ext(ev,
			    JSON_C_TO_STRING_PLAIN);
			char sig[256];
			struct itest_resp r;
			itest_resp_init(&r);
			sign(body, clock_now(), cfg.stripe_webhook_secret, sig, sizeof(sig));
			ck_assert_int_eq(post_webhook(body, "application/json", sig, &r), 200);
			ck_assert_msg(itest_body_has(&r, "duplicate"), "%s", buf_cstr(&r.body));
			itest_resp_free(&r);
			ev_id = "sent";
		}
	}
	json_object_put(o);
	ck_assert_msg(ev_id != NULL, "no payment_intent.succeeded event for %s", res.intent);
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 1);
	ck_assert_int_eq(account_balance(account), 9000 - 6000);
	/* Each event stored once. */
	ck_assert_int_eq(q_str_i64("SELECT COUNT(*) - COUNT(DISTINCT id) FROM"
	    " stripe_events WHERE object_id = ?", res.intent), 0);
	ck_assert(q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE object_id = ?"
	    " AND type = 'payment_intent.succeeded'", res.intent) == 1);
	expect_ledger_ok();
}
END_TEST

/* A dispute opened at Stripe flags the payment. */
START_TEST(test_webhook_dispute)
{
	int64_t account = new_account("dispute");
	struct sp_result res;
	struct sp_payment p;
	char form[128];

	new_invoice(account, 9000);
	card_payment(account, 3000, "auto", 0, "4242424242424242", &res);
	ck_assert_str_eq(res.status, "succeeded");
	str_fmt(form, sizeof(form), "payment_intent=%s", res.intent);
	ck_assert_int_eq(sbx("POST", "/_sandbox/disputes", form, SBX_NONE, NULL), 200);
	sbx_flush();
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(stripe_pay_get(db, res.payment_id, &p), SP_OK);
		if (p.disputed)
			break;
		itest_sleep_ms(100);
	}
	ck_assert_int_eq(p.disputed, 1);
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 1);
}
END_TEST

START_TEST(test_webhook_bad_signature)
{
	int64_t account = new_account("badsig");
	struct sp_result res;
	struct itest_resp r;
	char key[64], body[1024], sig[256];
	char evid[96];

	new_invoice(account, 5000);	/* "auto" pays what is open, no more */
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "card", 5000, "auto", 0, key, &res), SP_OK);
	/* A forged "succeeded" for our pending payment. */
	str_fmt(evid, sizeof(evid), "evt_forged%s", key);
	str_fmt(body, sizeof(body), "{\"id\":\"evt_forged%s\",\"object\":\"event\","
	    "\"type\":\"payment_intent.succeeded\",\"created\":%" PRId64 ","
	    "\"data\":{\"object\":{\"id\":\"%s\",\"object\":\"payment_intent\","
	    "\"amount\":5000,\"status\":\"succeeded\",\"metadata\":{\"payment_id\":"
	    "\"%" PRId64 "\"}}}}", key, clock_now(), res.intent, res.payment_id);
	itest_resp_init(&r);
	sign(body, clock_now(), "whsec_not_the_secret", sig, sizeof(sig));
	ck_assert_int_eq(post_webhook(body, "application/json", sig, &r), 400);
	ck_assert_int_eq(post_webhook(body, "application/json", NULL, &r), 400);
	sign(body, clock_now() - 3600, cfg.stripe_webhook_secret, sig, sizeof(sig));
	ck_assert_int_eq(post_webhook(body, "application/json", sig, &r), 400);
	ck_assert_int_eq(post_webhook(body, "application/json", "t=1,v1=zz", &r), 400);
	/* Signed for another body. */
	sign("{}", clock_now(), cfg.stripe_webhook_secret, sig, sizeof(sig));
	ck_assert_int_eq(post_webhook(body, "application/json", sig, &r), 400);
	ck_assert_int_eq(q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE id = ?",
	    evid), 0);
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 0);
	wait_status(res.payment_id, "pending", 1000);
	itest_resp_free(&r);
}
END_TEST

/* Valid signatures over malformed bodies: 400 or 200, never a crash. */
START_TEST(test_webhook_malformed_json)
{
	static const char *const bodies[] = {
		"", "{", "}", "[]", "null", "\"x\"", "42", "{\"id\":1}",
		"{\"id\":\"evt_1\"}", "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}",
		"{\"id\":\"evt_1\",\"type\":7,\"data\":{\"object\":{\"id\":\"pi_1\"}}}",
		"{\"id\":\"evt_m1\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":[]}}",
		"{\"id\":\"evt_m2\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_x\",\"amount\":\"12\",\"status\":null,\"metadata\":{\"payment_id\":\"-5\"}}}}",
		"{\"id\":\"evt_m3\",\"type\":\"charge.refunded\",\"data\":{\"object\":{\"id\":\"ch_x\",\"payment_intent\":{\"a\":1},\"refunds\":{\"data\":\"x\"}}}}",
		"{\"id\":\"evt_m4\",\"type\":\"setup_intent.succeeded\",\"data\":{\"object\":{\"id\":\"seti_x\",\"customer\":7,\"status\":\"succeeded\",\"payment_method\":[1]}}}",
		"{\"id\":\"evt_m5\",\"type\":\"payment_method.detached\",\"data\":{\"object\":{\"id\":\"pm_nope\"}}}",
		"{\"id\":\"evt_m6\",\"type\":\"charge.dispute.created\",\"data\":{\"object\":{\"id\":\"dp_x\",\"payment_intent\":\"pi_unknown\"}}}",
		"{\"id\":\"evt_m7\",\"type\":\"unknown.type\",\"data\":{\"object\":{\"id\":\"x_1\"}}}",
		"{\"id\":\"evt_\\u0000\",\"type\":\"a\",\"data\":{\"object\":{\"id\":\"b\"}}}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		"\xff\xfe{\"id\":\"evt_bin\"}",
		"{\"id\":\"evt_m8\",\"type\":\"payment_intent.payment_failed\",\"data\":{\"object\":{\"id\":\"pi_y\",\"amount\":5000,\"status\":\"requires_payment_method\",\"last_payment_error\":5}}}",
	};
	static const char *const types[] = { "application/json", "text/plain" };
	struct itest_resp r;
	char sig[256];

	itest_resp_init(&r);
	for (size_t t = 0; t < ARRAY_LEN(types); t++)
		for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
			long st;
			sign(bodies[i], clock_now(), cfg.stripe_webhook_secret, sig, sizeof(sig));
			st = post_webhook(bodies[i], types[t], sig, &r);
			ck_assert_msg(st == 400 || st == 200, "body %zu (%s): HTTP %ld %s",
			    i, types[t], st, buf_cstr(&r.body));
		}
	/* A long random-ish body. */
	{
		char big[20000];
		for (size_t i = 0; i < sizeof(big) - 1; i++)
			big[i] = "{}[]\",:0a\\ "[(i * 7919) % 11];
		big[sizeof(big) - 1] = '\0';
		sign(big, clock_now(), cfg.stripe_webhook_secret, sig, sizeof(sig));
		long st = post_webhook(big, "text/plain", sig, &r);
		ck_assert_msg(st == 400 || st == 200, "big body: HTTP %ld", st);
	}
	{
		struct itest_client *c = itest_client_new(env.base);
		ck_assert_int_eq(itest_get(c, "/healthz", &r), 200);
		itest_client_free(c);
	}
	itest_resp_free(&r);
}
END_TEST

/* The worker died between our insert and Stripe's answer (Stripe never got
 * the request): reconcile asks again with the same key; one charge. */
START_TEST(test_crash_before_stripe)
{
	int64_t account = new_account("crash");
	int64_t visa = saved_method(account, "card", "pm_card_visa");
	struct config dead;
	struct stripe_client *closed;
	struct sp sp_dead;
	struct sp_result res;
	struct buf out;
	char key[64], err[256], base[64];
	int64_t id;
	int rc;

	new_invoice(account, 8000);
	consent(account, visa, "any_balance", 0);
	ck_assert(config_load(&dead, env.config, err, sizeof(err)) == 0);
	{
		/* A port nobody listens on. */
		int64_t port = 1 + (clock_mono_ms() % 20000) + 40000;
		str_fmt(base, sizeof(base), "http://127.0.0.1:%" PRId64, port);
		free(dead.stripe_api_base);
		dead.stripe_api_base = strdup(base);
	}
	closed = stripe_client_new(&dead);
	ck_assert(closed != NULL);
	closed->max_retries = 0;
	sp_dead = sp;
	sp_dead.stripe = closed;
	sp_dead.cfg = &dead;
	new_attempt_key(key, sizeof(key));
	{
		struct sp_start q;
		memset(&q, 0, sizeof(q));
		q.account_id = account;
		q.payment_method_id = visa;
		q.amount = 6500;
		q.attempt_key = key;
		rc = stripe_pay_charge_saved(&sp_dead, &q, &res);
	}
	ck_assert_int_eq(rc, SP_STRIPE);
	id = res.payment_id;
	ck_assert(id > 0);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND"
	    " status = 'pending' AND stripe_payment_intent IS NULL", id), 1);
	ck_assert_uint_eq(sbx_intents_of(id), 0);
	stripe_client_free(closed);
	config_free(&dead);
	/* Reconcile against the sandbox. */
	buf_init(&out, 1 << 20);
	rc = itest_sh(&out, "%s reconcile --older-than 0", env.billingctl);
	ck_assert_msg(rc == 0, "reconcile: %d %s", rc, buf_cstr(&out));
	ck_assert_msg(strstr(buf_cstr(&out), "-> succeeded") != NULL, "%s", buf_cstr(&out));
	buf_free(&out);
	wait_status(id, "succeeded", 1000);
	ck_assert_uint_eq(sbx_intents_of(id), 1);
	ck_assert_int_eq(ledger_payment_entries(id), 1);
	ck_assert_int_eq(account_balance(account), 8000 - 6500);
	expect_ledger_ok();
}
END_TEST

/* The worker died after Stripe made the charge but before its answer
 * arrived (the sandbox answers late; the child is killed while waiting) and
 * no webhook comes: reconcile's retry with the same key is a replay. */
START_TEST(test_crash_after_stripe)
{
	int64_t account = new_account("crash2");
	int64_t visa = saved_method(account, "card", "pm_card_visa");
	char key[64], idem[64], hook[300];
	struct buf out;
	int64_t id = -1;
	pid_t kid;
	int st, rc;

	new_invoice(account, 8000);
	consent(account, visa, "any_balance", 0);
	new_attempt_key(key, sizeof(key));
	/* No webhooks for this one: "a webhook never came". */
	sbx_config("webhook_url=&pi_create_delay_ms=5000");
	fflush(NULL);
	if ((kid = fork()) == 0)
		child_charge(account, visa, key);
	ck_assert(kid > 0);
	for (int i = 0; i < 100 && id <= 0; i++) {
		itest_sleep_ms(50);
		id = q_str_i64("SELECT id FROM payments WHERE attempt_key = ?", key);
	}
	ck_assert(id > 0);
	str_fmt(idem, sizeof(idem), "pi-%" PRId64, id);
	for (int i = 0; i < 100 && sbx_posts("/v1/payment_intents", idem) == 0; i++)
		itest_sleep_ms(50);
	ck_assert_uint_eq(sbx_posts("/v1/payment_intents", idem), 1);
	kill(kid, SIGKILL);
	ck_assert(waitpid(kid, &st, 0) == kid);
	ck_assert(WIFSIGNALED(st));
	sbx_config("pi_create_delay_ms=0");
	/* The intent exists at Stripe; we never stored its id. */
	ck_assert_uint_eq(sbx_intents_of(id), 1);
	for (int i = 0; i < 50; i++) {
		if (q_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND status ="
		    " 'pending' AND stripe_payment_intent IS NULL", id) == 1)
			break;
		itest_sleep_ms(100);	/* the dead connection's rollback */
	}
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND status ="
	    " 'pending' AND stripe_payment_intent IS NULL", id), 1);
	buf_init(&out, 1 << 20);
	rc = itest_sh(&out, "%s reconcile --older-than 0", env.billingctl);
	str_fmt(hook, sizeof(hook), "webhook_url=%s/stripe/webhook", env.base);
	sbx_config(hook);
	ck_assert_msg(rc == 0, "reconcile: %d %s", rc, buf_cstr(&out));
	buf_free(&out);
	wait_status(id, "succeeded", 1000);
	ck_assert_uint_eq(sbx_intents_of(id), 1);
	ck_assert_uint_eq(sbx_posts("/v1/payment_intents", idem), 2);	/* one replay */
	ck_assert_int_eq(ledger_payment_entries(id), 1);
	ck_assert_int_eq(account_balance(account), 8000 - 4200);
	expect_ledger_ok();
}
END_TEST

/* --- tests: refunds --------------------------------------------------------------- */

/* charge.refunded events stored and applied for payment ?. */
#define REFUND_EVENTS	"SELECT COUNT(*) FROM stripe_events WHERE type ="	\
	" 'charge.refunded' AND outcome LIKE CONCAT('payment ', ?, ':%')"

START_TEST(test_refunds)
{
	int64_t account = new_account("refund");
	int64_t inv = new_invoice(account, 6000);
	struct sp_result res;
	struct sp_refund rf;
	char plan[64], msg[300];
	int64_t left = -1, id;

	str_fmt(plan, sizeof(plan), "inv:%" PRId64 ":6000", inv);
	card_payment(account, 10000, plan, 0, "4242424242424242", &res);
	ck_assert_str_eq(res.status, "succeeded");
	id = res.payment_id;
	ck_assert_int_eq(invoice_open(inv), 0);
	ck_assert_int_eq(account_balance(account), -4000);	/* $40 credit */
	/* Too much. */
	ck_assert_int_eq(stripe_pay_refund(&sp, id, 10001, "too much", &rf, msg,
	    sizeof(msg)), SP_INVALID);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM refunds WHERE payment_id = ?", id), 0);
	/* Partial: from the unallocated money first. */
	ck_assert_int_eq(stripe_pay_refund(&sp, id, 3000, "client overpaid", &rf, msg,
	    sizeof(msg)), SP_OK);
	ck_assert_str_eq(rf.status, "succeeded");
	ck_assert(str_starts(rf.stripe_refund_id, "re_"));
	ck_assert_int_eq(invoice_open(inv), 0);
	ck_assert_int_eq(account_balance(account), -1000);
	ck_assert_int_eq(stripe_pay_refundable(db, id, &left), SP_OK);
	ck_assert_int_eq(left, 7000);
	/* The rest (amount 0 = all): $10 credit, then $60 back from the invoice. */
	ck_assert_int_eq(stripe_pay_refund(&sp, id, 0, "service canceled", &rf, msg,
	    sizeof(msg)), SP_OK);
	ck_assert_int_eq(rf.amount, 7000);
	ck_assert_int_eq(invoice_open(inv), 6000);
	ck_assert_int_eq(account_balance(account), 6000);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM allocations WHERE payment_id = ?"
	    " AND amount < 0", id), 1);
	ck_assert_int_eq(stripe_pay_refund(&sp, id, 0, "again", &rf, msg, sizeof(msg)),
	    SP_INVALID);
	/* charge.refunded webhooks for refunds we recorded change nothing. */
	sbx_flush();
	for (int i = 0; i < 300 && q_i64(REFUND_EVENTS, id) < 2; i++)
		itest_sleep_ms(100);	/* until both events are applied */
	ck_assert_int_eq(q_i64(REFUND_EVENTS, id), 2);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM ledger_entries WHERE payment_id = ?"
	    " AND kind = 'refund'", id), 2);
	ck_assert_int_eq(q_i64("SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE payment_id = ? AND kind = 'refund'", id), 10000);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM refunds WHERE payment_id = ?", id), 2);
	expect_ledger_ok();
}
END_TEST

/* A refund made in the Stripe dashboard arrives by webhook and is recorded. */
START_TEST(test_refund_from_stripe)
{
	int64_t account = new_account("dashref");
	struct sp_result res;
	char form[160];
	int64_t id, n = 0;

	new_invoice(account, 5000);
	card_payment(account, 5000, "auto", 0, "4242424242424242", &res);
	ck_assert_str_eq(res.status, "succeeded");
	id = res.payment_id;
	str_fmt(form, sizeof(form), "payment_intent=%s&amount=1500", res.intent);
	ck_assert_int_eq(sbx("POST", "/v1/refunds", form, SBX_SECRET, NULL), 200);
	sbx_flush();
	for (int i = 0; i < 100 && n == 0; i++) {
		n = q_i64("SELECT COUNT(*) FROM refunds WHERE payment_id = ? AND"
		    " status = 'succeeded'", id);
		if (n == 0)
			itest_sleep_ms(100);
	}
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(q_i64("SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE payment_id = ? AND kind = 'refund'", id), 1500);
	ck_assert_int_eq(account_balance(account), 1500);
	expect_ledger_ok();
}
END_TEST

/* --- CSP for pages with Stripe.js --------------------------------------------- */

START_TEST(test_csp_stripe)
{
	struct app a;
	struct ctx c;
	char sandbox[300];

	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	c.app = &a;
	str_fmt(sandbox, sizeof(sandbox), "%s/v3", env.sandbox);
	a.cfg.stripe_js_url = sandbox;
	app_csp_stripe(&c);
	ck_assert_ptr_nonnull(c.csp);
	{
		char want[400];
		str_fmt(want, sizeof(want), "script-src 'self' %s;", env.sandbox);
		ck_assert_msg(strstr(c.csp, want) != NULL, "%s", c.csp);
		str_fmt(want, sizeof(want), "frame-src %s;", env.sandbox);
		ck_assert_msg(strstr(c.csp, want) != NULL, "%s", c.csp);
		str_fmt(want, sizeof(want), "connect-src 'self' %s;", env.sandbox);
		ck_assert_msg(strstr(c.csp, want) != NULL, "%s", c.csp);
		ck_assert(strstr(c.csp, "/v3") == NULL);
	}
	a.cfg.stripe_js_url = (char *)"https://js.stripe.com/v3";
	app_csp_stripe(&c);
	ck_assert(strstr(c.csp, "script-src 'self' https://js.stripe.com") != NULL);
	ck_assert(strstr(c.csp, "https://hooks.stripe.com") != NULL);
	ck_assert(strstr(c.csp, "connect-src 'self' https://api.stripe.com") != NULL);
	ck_assert(strstr(c.csp, sandbox) == NULL);
	/* Nothing that could break out of a CSP source. */
	a.cfg.stripe_js_url = (char *)"https://evil.example; script-src *";
	app_csp_stripe(&c);
	ck_assert(strstr(c.csp, "evil") == NULL);
	ck_assert(strstr(c.csp, "frame-src") == NULL);
}
END_TEST

/* --- follow-ups: consent with the payment, cancel, "keep as credit" ---------------- */

/* A signed-in staff member's browser (our pages only). */
struct web {
	struct itest_client	*c;
	struct itest_resp	 r;
	char			 csrf[256];
};

static void
web_login(struct web *w, const char *email)
{
	memset(w, 0, sizeof(*w));
	itest_resp_init(&w->r);
	w->c = itest_client_new(env.base);
	ck_assert(w->c != NULL);
	ck_assert_int_eq(itest_login(w->c, email, env.password), 303);
}

static void
web_free(struct web *w)
{
	itest_client_free(w->c);
	itest_resp_free(&w->r);
}

static long
web_get(struct web *w, const char *path)
{
	long st = itest_get(w->c, path, &w->r);

	if (st == 200)
		(void)itest_csrf(buf_cstr(&w->r.body), w->csrf, sizeof(w->csrf));
	return st;
}

/* POST with the last page's _csrf (csrf 0: without) and NULL-terminated
 * name, value pairs. */
static long
web_post(struct web *w, const char *path, int csrf, ...)
{
	struct itest_kv kv[40];
	const char *k;
	size_t n = 0;
	va_list ap;

	if (csrf)
		kv[n++] = (struct itest_kv){ "_csrf", w->csrf };
	va_start(ap, csrf);
	while ((k = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < ARRAY_LEN(kv));
		kv[n].key = k;
		kv[n].value = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	return itest_post_form(w->c, path, kv, n, &w->r);
}

/* The value of attribute name="..." after its first occurrence in html. */
static void
html_attr(const char *html, const char *name, char *out, size_t outsz)
{
	char pat[80], *o;
	const char *p, *e;

	str_fmt(pat, sizeof(pat), "%s=\"", name);
	p = strstr(html, pat);
	ck_assert_msg(p != NULL, "no %s in the page", name);
	p += strlen(pat);
	e = strchr(p, '"');
	ck_assert(e != NULL && (size_t)(e - p) < outsz);
	/* ESCAPE=attr writes &#xHH; for most punctuation. */
	for (o = out; p < e; o++) {
		unsigned int ch;
		int len;
		if (sscanf(p, "&#x%x;%n", &ch, &len) == 1 && ch < 128) {
			*o = (char)ch;
			p += len;
		} else
			*o = *p++;
	}
	*o = '\0';
}

/* Staff's New Payment form for a new card: the payment step page. Returns
 * the payment id; secret and intent from the page. */
static int64_t
web_start_card(struct web *w, int64_t account, const char *amount,
    const char *allocation, const char *signer, char *secret, size_t secretsz,
    char *intent, size_t intentsz)
{
	char path[96], key[80], today[11];
	const char *sep;
	long st;

	date_fmt(date_today(), today, sizeof(today));
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", account);
	ck_assert_int_eq(web_get(w, path), 200);
	ck_assert(itest_input_value(buf_cstr(&w->r.body), "attempt_key", key,
	    sizeof(key)) == 0);
	if (signer != NULL)
		st = web_post(w, path, 1, "method", "card", "amount", amount,
		    "received_date", today, "allocation", allocation,
		    "attempt_key", key, "memo", "", "save_method", "1",
		    "consent_agree", "1", "consent_signer", signer, NULL);
	else
		st = web_post(w, path, 1, "method", "card", "amount", amount,
		    "received_date", today, "allocation", allocation,
		    "attempt_key", key, "memo", "", NULL);
	ck_assert_msg(st == 200, "New Payment: %ld %.600s", st, buf_cstr(&w->r.body));
	(void)itest_csrf(buf_cstr(&w->r.body), w->csrf, sizeof(w->csrf));
	html_attr(buf_cstr(&w->r.body), "data-client-secret", secret, secretsz);
	ck_assert_msg((sep = strstr(secret, "_secret_")) != NULL &&
	    (size_t)(sep - secret) < intentsz, "client secret \"%s\"", secret);
	memcpy(intent, secret, (size_t)(sep - secret));
	intent[sep - secret] = '\0';
	return q_str_i64("SELECT id FROM payments WHERE attempt_key = ?", key);
}

static int
start_consent(int64_t account, int64_t amount, const char *plan,
    const char *signer, const char *key, struct sp_result *res)
{
	struct sp_start q;
	struct sp_consent_req k;

	memset(&q, 0, sizeof(q));
	q.account_id = account;
	q.method = "card";
	q.amount = amount;
	q.attempt_key = key;
	q.alloc_plan = plan;
	q.save_method = 1;
	memset(&k, 0, sizeof(k));
	k.scope = "any_balance";
	k.text_version = "auth-v1";
	k.signer_name = signer;
	k.ip = "198.51.100.4";
	k.user_agent = "Mozilla/5.0 (front desk)";
	k.recorded_by = staff.id;
	return stripe_pay_start_consent(&sp, &q, &k, res);
}

/* The consents of the account: exactly one, for the method the payment
 * saved, signed by signer. */
static void
expect_one_consent(int64_t account, int64_t payment_id, const char *signer)
{
	struct sp_consent *cs = NULL;
	struct sp_payment p;
	size_t n = 0;

	ck_assert_int_eq(stripe_pay_get(db, payment_id, &p), SP_OK);
	ck_assert_str_eq(p.status, "succeeded");
	ck_assert_msg(p.payment_method_id > 0, "no method saved");
	ck_assert_int_eq(stripe_pay_consents(db, account, 1, &cs, &n), SP_OK);
	ck_assert_msg(n == 1, "%zu consents", n);
	ck_assert_str_eq(cs[0].signer_name, signer);
	ck_assert(cs[0].payment_method_id == p.payment_method_id);
	ck_assert(cs[0].revoked_at == 0);
	ck_assert(cs[0].recorded_by == staff.id);
	ck_assert_str_eq(cs[0].scope, "any_balance");
	ck_assert(p.consent_id == cs[0].id);
	ck_assert_int_eq(stripe_pay_consent_active(db, p.payment_method_id), 1);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM audit_log WHERE object_type ="
	    " 'account' AND object_id = ? AND action = 'consent.record'", account), 1);
	free(cs);
}

/* Staff's form with "save card" and the typed signature; the page never
 * comes back (no refresh): the webhook settles the payment and records
 * the consent with the method. A late refresh adds nothing. */
START_TEST(test_consent_webhook_only)
{
	int64_t account = new_account("consenthook");
	struct web w;
	char secret[256], intent[80], pm[80], path[96];
	int64_t id;

	new_invoice(account, 15000);
	web_login(&w, env.billing_email);
	id = web_start_card(&w, account, "100.00", "auto", "Robin Hook-Signer",
	    secret, sizeof(secret), intent, sizeof(intent));
	ck_assert(id > 0);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND"
	    " consent_signer = 'Robin Hook-Signer' AND consent_id IS NULL"
	    " AND save_method = 1", id), 1);
	/* The step page shows the stored authorization, no second form. */
	ck_assert(itest_body_has(&w.r, "authorized by <strong>Robin Hook-Signer"));
	ck_assert(!itest_body_has(&w.r, "name=\"consent_signer\""));
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(intent, secret, pm), 200);
	sbx_flush();
	wait_status(id, "succeeded", 30000);
	expect_one_consent(account, id, "Robin Hook-Signer");
	/* The page's refresh comes late, even with the old hidden inputs. */
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/refresh", id);
	ck_assert_int_eq(web_post(&w, path, 1, "consent_signer", "Robin Hook-Signer",
	    "consent_agree", "1", NULL), 303);
	ck_assert_msg(strstr(itest_header(&w.r, "Location"), "notice=paid_saved") != NULL,
	    "%s", itest_header(&w.r, "Location"));
	expect_one_consent(account, id, "Robin Hook-Signer");
	ck_assert_int_eq(ledger_payment_entries(id), 1);
	web_free(&w);
	expect_ledger_ok();
}
END_TEST

/* Settled by the page's refresh (the webhook racing it): exactly one
 * consent; the old refresh-path recording finds it and adds nothing. */
START_TEST(test_consent_refresh_once)
{
	int64_t account = new_account("consentrefresh");
	struct sp_consent_req k;
	struct sp_result res;
	char key[64], pm[80], msg[300];
	int64_t id, cid = 0;

	new_invoice(account, 15000);
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_consent(account, 7000, "auto", "Sam Refresh", key,
	    &res), SP_OK);
	id = res.payment_id;
	/* The same form again (double click): the same row, its consent. */
	ck_assert_int_eq(start_consent(account, 7000, "auto", "Someone Else", key,
	    &res), SP_OK);
	ck_assert(res.payment_id == id);
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(res.intent, res.client_secret, pm), 200);
	ck_assert_int_eq(stripe_pay_refresh(&sp, id, &res), SP_OK);
	ck_assert_str_eq(res.status, "succeeded");
	expect_one_consent(account, id, "Sam Refresh");
	/* Refresh again, the webhooks, the old page path: still one. */
	ck_assert_int_eq(stripe_pay_refresh(&sp, id, &res), SP_OK);
	sbx_flush();
	memset(&k, 0, sizeof(k));
	k.scope = "any_balance";
	k.text_version = "auth-v1";
	k.signer_name = "Sam Refresh";
	k.recorded_by = staff.id;
	ck_assert_int_eq(stripe_pay_consent_for_payment(&sp, id, &k, &cid, msg,
	    sizeof(msg)), SP_OK);
	ck_assert(cid == q_i64("SELECT consent_id FROM payments WHERE id = ?", id));
	expect_one_consent(account, id, "Sam Refresh");
	/* A payment that saved nothing has no consent to take. */
	card_payment(account, 1000, "auto", 0, "4242424242424242", &res);
	ck_assert_int_eq(stripe_pay_consent_for_payment(&sp, res.payment_id, &k, &cid,
	    msg, sizeof(msg)), SP_NOT_FOUND);
	expect_ledger_ok();
}
END_TEST

/* Neither the page nor the webhook: reconcile settles it, with the consent. */
START_TEST(test_consent_reconcile)
{
	int64_t account = new_account("consentrecon");
	struct sp_result res;
	struct buf out;
	char key[64], pm[80];
	int rc;

	new_invoice(account, 15000);
	sbx_config("webhook_url=");
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_consent(account, 4000, "auto", "Reco N. Cile", key,
	    &res), SP_OK);
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(res.intent, res.client_secret, pm), 200);
	buf_init(&out, 1 << 20);
	rc = itest_sh(&out, "%s reconcile --older-than 0", env.billingctl);
	ck_assert_msg(rc == 0, "reconcile: %d %s", rc, buf_cstr(&out));
	buf_free(&out);
	expect_one_consent(account, res.payment_id, "Reco N. Cile");
	expect_ledger_ok();
}
END_TEST

/* Reconcile with webhooks switched off: ACH payments that stay processing
 * for days must not hide a newer card payment that succeeded at Stripe
 * (the batch was once the lowest ids, so >1000 processing ACH payments hid
 * every newer one for good). A run takes `limit` payments, those checked
 * longest ago first, so ceil(pending / limit) + 1 runs reach every one. */
START_TEST(test_reconcile_fair)
{
	const int64_t limit = 4;
	int64_t account = new_account("recofair"), pending;
	struct sp_result ach, card;
	struct buf out;
	char key[64], pm[80];
	int runs, max_runs;

	new_invoice(account, 9 * 12000 + 5000);
	sbx_config("webhook_url=&ach_delay_ms=36000000");
	for (int i = 0; i < 9; i++) {
		ach_payment(account, "pm_usBankAccount_success", &ach);
		ck_assert_str_eq(ach.stripe_status, "processing");
	}
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "card", 5000, "auto", 0, key, &card),
	    SP_OK);
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(card.intent, card.client_secret, pm), 200);
	/* stuck: succeeded at Stripe, no webhook, nobody refreshes the page */
	ck_assert_int_eq(q_i64("SELECT status = 'pending' FROM payments WHERE id = ?",
	    card.payment_id), 1);
	pending = q0_i64("SELECT COUNT(*) FROM payments WHERE status = 'pending'"
	    " AND method IN ('card', 'ach')");
	ck_assert(pending > limit);
	max_runs = (int)((pending + limit - 1) / limit) + 1;
	buf_init(&out, 1 << 20);
	for (runs = 0; runs < max_runs; runs++) {
		buf_reset(&out);
		(void)itest_sh(&out, "%s reconcile --older-than 0 --limit %" PRId64,
		    env.billingctl, limit);
		if (q_i64("SELECT status = 'succeeded' FROM payments WHERE id = ?",
		    card.payment_id) == 1)
			break;
	}
	ck_assert_msg(runs < max_runs, "the card payment is still pending after %d "
	    "reconcile runs of %" PRId64 " (%" PRId64 " pending): %s", max_runs,
	    limit, pending, buf_cstr(&out));
	buf_free(&out);
	/* the ACH payments are still processing: pending, not paid */
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM payments WHERE account_id = ?"
	    " AND method = 'ach' AND status = 'pending'", account), 9);
	ck_assert_int_eq(ledger_payment_entries(card.payment_id), 1);
	sbx_config("ach_delay_ms=3000");
	expect_ledger_ok();
}
END_TEST

/* An incomplete consent refuses the form; without save_method it is ignored. */
START_TEST(test_consent_invalid)
{
	int64_t account = new_account("consentbad");
	struct sp_result res;
	struct sp_start q;
	char key[64];

	new_invoice(account, 4000);	/* "auto" pays what is open, no more */
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_consent(account, 4000, "auto", "", key, &res),
	    SP_INVALID);
	ck_assert(strstr(res.message, "full name") != NULL);
	ck_assert_int_eq(q_str_i64("SELECT COUNT(*) FROM payments WHERE attempt_key = ?",
	    key), 0);
	memset(&q, 0, sizeof(q));
	q.account_id = account;
	q.method = "card";
	q.amount = 4000;
	q.attempt_key = key;
	{
		struct sp_consent_req k;
		memset(&k, 0, sizeof(k));
		k.signer_name = "Not Saving";
		ck_assert_int_eq(stripe_pay_start_consent(&sp, &q, &k, &res), SP_OK);
	}
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND"
	    " consent_signer IS NULL", res.payment_id), 1);
}
END_TEST

/* The intent at the sandbox. */
static void
sbx_intent_status(const char *intent, char *out, size_t outsz)
{
	struct json_object *o;
	char path[160];

	str_fmt(path, sizeof(path), "/v1/payment_intents/%s", intent);
	ck_assert_int_eq(sbx("GET", path, NULL, SBX_SECRET, &o), 200);
	str_copy(out, outsz, stripe_obj_str(o, "status"));
	json_object_put(o);
}

START_TEST(test_cancel_unconfirmed)
{
	int64_t account = new_account("cancel");
	struct sp_result res;
	struct sp_payment p;
	char key[64], pm[80], st[40], ck[64], path[160], secret[256];
	int64_t id, before;

	new_invoice(account, 9000);
	before = account_balance(account);
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "card", 3000, "auto", 0, key, &res),
	    SP_OK);
	id = res.payment_id;
	str_copy(secret, sizeof(secret), res.client_secret);
	ck_assert_int_eq(stripe_pay_cancel(&sp, id, &res), SP_OK);
	ck_assert_str_eq(res.status, "canceled");
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	ck_assert_str_eq(p.status, "canceled");
	ck_assert_str_eq(p.stripe_status, "canceled");
	ck_assert(p.settled_at > 0);
	sbx_intent_status(p.intent, st, sizeof(st));
	ck_assert_str_eq(st, "canceled");
	str_fmt(ck, sizeof(ck), "pi-cancel-%" PRId64, id);
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/cancel", p.intent);
	ck_assert_uint_eq(sbx_posts(path, ck), 1);
	ck_assert_int_eq(ledger_payment_entries(id), 0);
	ck_assert_int_eq(account_balance(account), before);
	ck_assert(q_i64("SELECT COUNT(*) FROM audit_log WHERE object_type = 'payment'"
	    " AND object_id = ? AND action = 'payment.settle'", id) == 1);
	/* Again: refused, nothing asked of Stripe. */
	ck_assert_int_eq(stripe_pay_cancel(&sp, id, &res), SP_INVALID);
	ck_assert_uint_eq(sbx_posts(path, ck), 1);
	/* The browser cannot pay it any more; the webhook changes nothing. */
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert(browser_confirm(p.intent, secret, pm) >= 400);
	sbx_flush();
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	ck_assert_str_eq(p.status, "canceled");
	/* A row whose intent id was lost (the worker died after Stripe made
	 * it): the same key finds the same intent, which is canceled. */
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "card", 2000, "auto", 0, key, &res),
	    SP_OK);
	id = res.payment_id;
	{
		struct db_param q[] = { DB_I64(id) };
		ck_assert(db_exec(db, "UPDATE payments SET stripe_payment_intent = NULL"
		    " WHERE id = ?", q, 1, NULL, NULL) == DB_OK);
	}
	ck_assert_int_eq(stripe_pay_cancel(&sp, id, &res), SP_OK);
	ck_assert_str_eq(res.status, "canceled");
	ck_assert_uint_eq(sbx_intents_of(id), 1);
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	sbx_intent_status(p.intent, st, sizeof(st));
	ck_assert_str_eq(st, "canceled");
	/* Unknown payment; a manual payment is not a card payment. */
	ck_assert_int_eq(stripe_pay_cancel(&sp, INT64_C(999999999), &res), SP_NOT_FOUND);
	expect_ledger_ok();
}
END_TEST

/* The client did confirm: Stripe says succeeded / processing, so nothing
 * is canceled and the payment is settled from Stripe's state. */
START_TEST(test_cancel_refused)
{
	int64_t account = new_account("cancelno");
	int64_t visa;
	struct sp_result res;
	struct sp_payment p;
	char key[64], pm[80], ck[64], path[160];
	int64_t id;

	new_invoice(account, 30000);
	/* No webhooks: only our cancel can learn that it was paid. */
	sbx_config("webhook_url=&ach_delay_ms=60000");
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "card", 5000, "auto", 0, key, &res),
	    SP_OK);
	id = res.payment_id;
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(res.intent, res.client_secret, pm), 200);
	ck_assert_int_eq(stripe_pay_cancel(&sp, id, &res), SP_INVALID);
	ck_assert_str_eq(res.status, "succeeded");
	ck_assert_msg(strstr(res.message, "not canceled") != NULL, "%s", res.message);
	ck_assert_int_eq(ledger_payment_entries(id), 1);
	ck_assert_int_eq(account_balance(account), 25000);
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	str_fmt(ck, sizeof(ck), "pi-cancel-%" PRId64, id);
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/cancel", p.intent);
	ck_assert_uint_eq(sbx_posts(path, ck), 0);
	/* ACH processing at the bank: not canceled, stays pending. */
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(start_payment(account, "ach", 6000, "auto", 0, key, &res),
	    SP_OK);
	id = res.payment_id;
	ck_assert_int_eq(browser_confirm(res.intent, res.client_secret,
	    "pm_usBankAccount_success"), 200);
	ck_assert_int_eq(stripe_pay_cancel(&sp, id, &res), SP_INVALID);
	ck_assert_str_eq(res.status, "pending");
	ck_assert_str_eq(res.stripe_status, "processing");
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	str_fmt(ck, sizeof(ck), "pi-cancel-%" PRId64, id);
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/cancel", p.intent);
	ck_assert_uint_eq(sbx_posts(path, ck), 0);
	ck_assert_int_eq(ledger_payment_entries(id), 0);
	/* A saved-method charge is confirmed when made: never canceled. */
	visa = saved_method(account, "card", "pm_card_visa");
	consent(account, visa, "any_balance", 0);
	new_attempt_key(key, sizeof(key));
	ck_assert_int_eq(charge_saved(account, visa, 1000, key, &res), SP_OK);
	ck_assert_int_eq(stripe_pay_cancel(&sp, res.payment_id, &res), SP_INVALID);
	ck_assert_str_eq(res.status, "succeeded");
	{
		char hook[400];
		str_fmt(hook, sizeof(hook), "webhook_url=%s/stripe/webhook"
		    "&ach_delay_ms=3000", env.base);
		sbx_config(hook);
	}
	expect_ledger_ok();
}
END_TEST

/* The "Cancel payment" button of the payment step: money roles with the
 * form's CSRF token only. */
START_TEST(test_cancel_web)
{
	int64_t account = new_account("cancelweb");
	struct web w, fd;
	struct sp_payment p;
	char secret[256], intent[80], path[96], action[96], st[40];
	int64_t id;

	new_invoice(account, 12000);
	web_login(&w, env.billing_email);
	id = web_start_card(&w, account, "50.00", "auto", NULL, secret,
	    sizeof(secret), intent, sizeof(intent));
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/cancel", id);
	str_fmt(action, sizeof(action), "action=\"%s\"", path);
	ck_assert_msg(itest_body_has(&w.r, action), "no cancel form");
	ck_assert(itest_body_has(&w.r, "form=\"pay-cancel\""));
	ck_assert(itest_body_has(&w.r, "Cancel payment"));
	/* Front desk may look, not cancel; nobody without the token. */
	web_login(&fd, env.frontdesk_email);
	str_fmt(action, sizeof(action), "/payments/%" PRId64, id);
	ck_assert_int_eq(web_get(&fd, action), 200);
	ck_assert_int_eq(web_post(&fd, path, 1, NULL), 403);
	ck_assert_int_eq(web_post(&w, path, 0, NULL), 403);
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	ck_assert_str_eq(p.status, "pending");
	/* The payment page of a pending payment offers it too. */
	ck_assert_int_eq(web_get(&w, action), 200);
	ck_assert(itest_body_has(&w.r, "Cancel payment"));
	ck_assert_int_eq(web_post(&w, path, 1, NULL), 303);
	ck_assert_msg(strstr(itest_header(&w.r, "Location"), action) != NULL, "%s",
	    itest_header(&w.r, "Location"));
	ck_assert_int_eq(stripe_pay_get(db, id, &p), SP_OK);
	ck_assert_str_eq(p.status, "canceled");
	sbx_intent_status(intent, st, sizeof(st));
	ck_assert_str_eq(st, "canceled");
	{
		char loc[160];
		str_copy(loc, sizeof(loc), itest_header(&w.r, "Location"));
		ck_assert_int_eq(web_get(&w, loc), 200);
	}
	ck_assert(itest_body_has(&w.r, "Payment canceled"));
	ck_assert(!itest_body_has(&w.r, "/cancel\""));
	/* Once more: refused with the reason on the page. */
	ck_assert_int_eq(web_post(&w, path, 1, NULL), 409);
	ck_assert(itest_body_has(&w.r, "cannot be canceled"));
	/* A confirmed payment: the button answers with the settled payment. */
	id = web_start_card(&w, account, "20.00", "auto", NULL, secret,
	    sizeof(secret), intent, sizeof(intent));
	{
		char pm[80];
		browser_card("4242424242424242", pm, sizeof(pm));
		ck_assert_int_eq(browser_confirm(intent, secret, pm), 200);
	}
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/cancel", id);
	ck_assert_int_eq(web_post(&w, path, 1, NULL), 409);
	/* (the webhook may have settled it first) */
	ck_assert_msg(itest_body_has(&w.r, "not canceled") ||
	    itest_body_has(&w.r, "already paid"), "%.400s", buf_cstr(&w.r.body));
	ck_assert_int_eq(ledger_payment_entries(id), 1);
	web_free(&fd);
	web_free(&w);
	expect_ledger_ok();
}
END_TEST

/* "Choose invoices" with none chosen: no allocation, all kept as credit. */
START_TEST(test_plan_none)
{
	int64_t account = new_account("plannone");
	int64_t inv = new_invoice(account, 20000);
	struct alloc_req req[4];
	struct sp_result res;
	size_t n = 9;
	int a = 9;
	char text[64];

	ck_assert_int_eq(stripe_pay_plan_parse("none", &a, req, 4, &n), 0);
	ck_assert(a == 0 && n == 0);
	ck_assert_int_eq(stripe_pay_plan_parse("auto", &a, req, 4, &n), 0);
	ck_assert(a == 1 && n == 0);
	ck_assert_int_eq(stripe_pay_plan_parse("none,inv:1:2", &a, req, 4, &n), -1);
	ck_assert_int_eq(stripe_pay_plan_parse("inv:1:2,none", &a, req, 4, &n), -1);
	ck_assert_int_eq(stripe_pay_plan_parse("None", &a, req, 4, &n), -1);
	ck_assert_int_eq(stripe_pay_plan_write(0, NULL, 0, text, sizeof(text)), 0);
	ck_assert_str_eq(text, SP_PLAN_NONE);
	ck_assert_int_eq(stripe_pay_plan_write(1, NULL, 0, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "auto");
	req[0].invoice_id = 7;
	req[0].amount = 250;
	ck_assert_int_eq(stripe_pay_plan_write(0, req, 1, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "inv:7:250");
	/* The old formatter keeps its meaning (n == 0: auto). */
	ck_assert_int_eq(stripe_pay_plan_format(req, 0, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "auto");
	/* Settled: posted, nothing allocated, the invoice still open. */
	card_payment(account, 6000, SP_PLAN_NONE, 0, "4242424242424242", &res);
	ck_assert_str_eq(res.status, "succeeded");
	ck_assert_int_eq(ledger_payment_entries(res.payment_id), 1);
	ck_assert_int_eq(invoice_open(inv), 20000);
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM allocations WHERE payment_id = ?",
	    res.payment_id), 0);
	ck_assert_int_eq(account_balance(account), 20000 - 6000);
	/* The settling webhook after it changes nothing. */
	sbx_flush();
	ck_assert_int_eq(invoice_open(inv), 20000);
	expect_ledger_ok();
}
END_TEST

START_TEST(test_plan_none_web)
{
	int64_t account = new_account("plannoneweb");
	int64_t inv = new_invoice(account, 20000);
	struct web w;
	char secret[256], intent[80], pm[80];
	int64_t id;

	web_login(&w, env.billing_email);
	id = web_start_card(&w, account, "45.00", "choose", NULL, secret,
	    sizeof(secret), intent, sizeof(intent));
	ck_assert(itest_body_has(&w.r, "kept on the account as credit"));
	ck_assert_int_eq(q_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND"
	    " alloc_plan = 'none'", id), 1);
	browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(browser_confirm(intent, secret, pm), 200);
	sbx_flush();
	wait_status(id, "succeeded", 30000);
	ck_assert_int_eq(invoice_open(inv), 20000);
	ck_assert_int_eq(q_i64("SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE payment_id = ?", id), 0);
	ck_assert_int_eq(account_balance(account), 20000 - 4500);
	web_free(&w);
	expect_ledger_ok();
}
END_TEST

/* Last: every invariant still holds after everything above. */
START_TEST(test_zz_ledger_verify)
{
	struct buf out;
	int rc;

	expect_ledger_ok();
	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s ledger verify", env.billingctl);
	ck_assert_msg(rc == 0, "billingctl ledger verify: %s", buf_cstr(&out));
	buf_free(&out);
}
END_TEST

/* --- suite ------------------------------------------------------------------------- */

static Suite *
stripe_suite(void)
{
	Suite *s = suite_create("stripe");
	TCase *tc = tcase_create("stripe");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_card_outcomes);
	tcase_add_test(tc, test_card_saved_with_payment);
	tcase_add_test(tc, test_saved_card_consent);
	tcase_add_test(tc, test_saved_card_failures);
	tcase_add_test(tc, test_methods_default_remove);
	tcase_add_test(tc, test_ach);
	tcase_add_test(tc, test_concurrent_submissions);
	tcase_add_test(tc, test_webhooks_duplicated_shuffled);
	tcase_add_test(tc, test_webhook_dispute);
	tcase_add_test(tc, test_webhook_bad_signature);
	tcase_add_test(tc, test_webhook_malformed_json);
	tcase_add_test(tc, test_crash_before_stripe);
	tcase_add_test(tc, test_crash_after_stripe);
	tcase_add_test(tc, test_refunds);
	tcase_add_test(tc, test_refund_from_stripe);
	tcase_add_test(tc, test_csp_stripe);
	tcase_add_test(tc, test_consent_webhook_only);
	tcase_add_test(tc, test_consent_refresh_once);
	tcase_add_test(tc, test_consent_reconcile);
	tcase_add_test(tc, test_reconcile_fair);
	tcase_add_test(tc, test_consent_invalid);
	tcase_add_test(tc, test_cancel_unconfirmed);
	tcase_add_test(tc, test_cancel_refused);
	tcase_add_test(tc, test_cancel_web);
	tcase_add_test(tc, test_plan_none);
	tcase_add_test(tc, test_plan_none_web);
	tcase_add_test(tc, test_zz_ledger_verify);
	suite_add_tcase(s, tc);
	return s;
}

static const char *
need(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "test_stripe: %s is not set (run via tests/integration/run"
		    " or source the env file of tests/integration/env.sh)\n", name);
		exit(2);
	}
	return v;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	env.base = need("ITEST_BASE_URL");
	env.config = need("ITEST_CONFIG");
	env.sandbox = need("ITEST_SANDBOX_URL");
	env.billingctl = need("ITEST_BILLINGCTL");
	env.billing_email = need("ITEST_BILLING_EMAIL");
	env.frontdesk_email = need("ITEST_FRONTDESK_EMAIL");
	env.password = need("ITEST_PASSWORD");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(stripe_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
