/* Fixture of test_reserve: the stack, the sandbox, browsers sharing a
 * session, accounts with a saved card, invoices with a pay link. */
#include "common.h"

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "app.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "itest.h"
#include "ledger.h"
#include "audit.h"
#include "portal.h"
#include "portal_int.h"
#include "profiles.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

#include "reserve_fixture.h"

#define PORTAL_PW	"tulip river mountain 42"
#define SANDBOX_SK	"sk_test_sandbox"
#define SANDBOX_PK	"pk_test_sandbox"

struct reserve_env env;

struct config cfg;
struct db *db;
struct stripe_client *sc;
struct actor staff = { "staff", 0, "127.0.0.1" };
struct sp sp;

/* --- fixture ------------------------------------------------------------------ */

int64_t
q_i64(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	int64_t v = -1;

	ck_assert_msg(db_query_i64(db, sql, p, 1, &v) == DB_OK, "%s: %s", sql,
	    db_error(db));
	return v;
}

void
setup(void)
{
	char err[512];

	ck_assert_msg(config_load(&cfg, env.config, err, sizeof(err)) == 0, "%s", err);
	ck_assert(crypto_init() == 0);
	ck_assert((db = db_new(&cfg)) != NULL);
	ck_assert_msg(db_ensure(db) == DB_OK, "db: %s", db_error(db));
	ck_assert((sc = stripe_client_new(&cfg)) != NULL);
	{
		struct db_param p[] = { DB_STR(env.email) };
		ck_assert(db_query_i64(db, "SELECT id FROM users WHERE email = ?", p,
		    1, &staff.id) == DB_OK && staff.id > 0);
	}
	sp = (struct sp){ db, sc, &cfg, &staff };
	/* Pay-link lookups are limited per address: this file makes many. */
	ck_assert(db_exec(db, "DELETE FROM pay_link_hits", NULL, 0, NULL, NULL) ==
	    DB_OK);
}

void
teardown(void)
{
	stripe_client_free(sc);
	db_close(db);
	config_free(&cfg);
}

/* --- the sandbox ---------------------------------------------------------------- */

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) == 0 ? size * n : 0;
}

/* method path [form]; auth: NULL, or the key; *out: JSON answer. */
static long
sbx(const char *method, const char *path, const char *form, const char *key,
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
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	if (key != NULL) {
		str_fmt(hdr, sizeof(hdr), "Authorization: Bearer %s", key);
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

void
sbx_config(const char *form)
{
	ck_assert(sbx("POST", "/_sandbox/config", form, NULL, NULL) == 200);
}

/* PaymentIntents of a customer at the sandbox (status NULL: any). */
size_t
sbx_intents(const char *customer, const char *status)
{
	struct json_object *o;
	char q[400];
	size_t n;

	str_fmt(q, sizeof(q), "/v1/payment_intents/search?limit=100&query="
	    "customer%%3A%%27%s%%27%s%s%s", customer, status ? "%20AND%20status"
	    "%3A%27" : "", status ? status : "", status ? "%27" : "");
	ck_assert(sbx("GET", q, NULL, SANDBOX_SK, &o) == 200);
	n = stripe_obj_array_len(o, "data");
	json_object_put(o);
	return n;
}

/* Confirms an intent as Stripe.js does (publishable key, client secret). */
void
sbx_confirm(const char *client_secret)
{
	char path[200], form[400], pi[80];
	const char *cut = strstr(client_secret, "_secret_");

	ck_assert(cut != NULL && (size_t)(cut - client_secret) < sizeof(pi));
	memcpy(pi, client_secret, (size_t)(cut - client_secret));
	pi[cut - client_secret] = '\0';
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/confirm", pi);
	str_fmt(form, sizeof(form), "client_secret=%s&payment_method=pm_card_visa",
	    client_secret);
	ck_assert(sbx("POST", path, form, SANDBOX_PK, NULL) == 200);
}

/* --- browsers ------------------------------------------------------------------ */


void
browser_page(struct browser *b, const char *path)
{
	struct itest_resp r;

	itest_resp_init(&r);
	ck_assert_msg(itest_get(b->c, path, &r) == 200, "GET %s: %ld", path, r.status);
	ck_assert(itest_csrf(buf_cstr(&r.body), b->csrf, sizeof(b->csrf)) == 0);
	ck_assert(itest_cookie_get(b->c, b->cookie, b->value, sizeof(b->value)) == 0);
	if (itest_cookie_get(b->c, "bpre", b->pre, sizeof(b->pre)) == -1)
		b->pre[0] = '\0';
	itest_resp_free(&r);
}

void
staff_browser(struct browser *b)
{
	b->c = itest_client_new(env.base);
	b->cookie = "bsid";
	ck_assert_int_eq(itest_login(b->c, env.email, env.password), 303);
	browser_page(b, "/");
}

/* Portal access for the account: an activation link made here (the
 * fixture skips the email), used as the client would; signed in. */
void
portal_browser(struct browser *b, int64_t account, const char *email)
{
	struct itest_resp r;
	char token[PORTAL_TOKEN_MAX], hash[65], path[200];

	ck_assert(portal_token_new(token, sizeof(token), hash) == 0);
	{
		struct db_param p[] = { DB_I64(account), DB_STR(hash), DB_STR(email),
		    DB_I64(clock_now()), DB_I64(clock_now() + 3600) };
		ck_assert(db_exec(db, "INSERT INTO portal_tokens (account_id, purpose,"
		    " token_hash, email, created_at, expires_at) VALUES (?, 'activate',"
		    " ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL) == DB_OK);
	}
	str_fmt(path, sizeof(path), "/portal/activate/%s", token);
	b->c = itest_client_new(env.base);
	b->cookie = "bpre";
	browser_page(b, path);
	itest_resp_init(&r);
	{
		const struct itest_kv kv[] = { { "_csrf", b->csrf },
		    { "password", PORTAL_PW }, { "password2", PORTAL_PW } };
		ck_assert_int_eq(itest_post_form(b->c, path, kv, ARRAY_LEN(kv), &r), 303);
	}
	itest_resp_free(&r);
	b->cookie = "bportal";
	browser_page(b, "/portal/billing");
}

/* --- accounts, invoices, links ------------------------------------------------ */


/* An account with a saved card, an any_balance consent and its customer. */
void
new_debtor(struct debtor *d, const char *tag)
{
	struct account a;
	char u[40], key[64], secret[256], si[80], msg[300], form[700];
	struct db_param p[1];

	memset(d, 0, sizeof(*d));
	memset(&a, 0, sizeof(a));
	itest_unique(u, sizeof(u), tag);
	str_copy(a.name, sizeof(a.name), u);
	str_fmt(d->email, sizeof(d->email), "%s@example.com", u);
	str_copy(a.email, sizeof(a.email), d->email);
	ck_assert(account_save(db, &staff, &a) == PROF_OK);
	d->account = a.id;
	ck_assert(crypto_token(key, sizeof(key), 24) == 0);
	ck_assert(stripe_pay_setup_start(&sp, d->account, "card", key, secret,
	    sizeof(secret), si, sizeof(si), msg, sizeof(msg)) == SP_OK);
	str_fmt(form, sizeof(form), "client_secret=%s&payment_method=pm_card_visa",
	    secret);
	str_fmt(msg, sizeof(msg), "/v1/setup_intents/%s/confirm", si);
	ck_assert(sbx("POST", msg, form, SANDBOX_PK, NULL) == 200);
	ck_assert(stripe_pay_setup_complete(&sp, d->account, si, &d->method, msg,
	    sizeof(msg)) == SP_OK);
	{
		struct sp_consent_req q = { d->account, d->method, "any_balance", 0, 0,
		    "2026-01", "Pat Payer", "203.0.113.7", "test", staff.id };
		int64_t cid;
		ck_assert(stripe_pay_consent_record(&sp, &q, &cid, msg, sizeof(msg)) ==
		    SP_OK);
	}
	p[0] = DB_I64(d->account);
	{
		struct db_result r;
		ck_assert(db_query(db, "SELECT customer_id FROM stripe_customers WHERE"
		    " account_id = ?", p, 1, &r) == DB_OK && r.nrows == 1);
		str_copy(d->customer, sizeof(d->customer), db_str(&r, 0, 0));
		db_result_free(&r);
	}
}

/* An issued invoice of cents, posted to the portal, with a pay link whose
 * token goes into token. */
int64_t
new_invoice(const struct debtor *d, int64_t cents, char *token, size_t tokensz)
{
	struct invoice inv;
	struct invoice_line line;
	char today[11], msg[300], hash[65];

	memset(&inv, 0, sizeof(inv));
	memset(&line, 0, sizeof(line));
	date_fmt(date_today(), today, sizeof(today));
	inv.account_id = d->account;
	inv.payment_type_id = q_i64("SELECT MIN(id) FROM payment_types WHERE ? > 0", 1);
	str_copy(inv.invoice_date, sizeof(inv.invoice_date), today);
	str_copy(inv.due_date, sizeof(inv.due_date), today);
	str_copy(line.description, sizeof(line.description), "Session");
	line.quantity = 1;
	line.rate = cents;
	inv.lines = &line;
	inv.nlines = 1;
	ck_assert_msg(invoice_save_draft(db, &staff, &inv, msg, sizeof(msg)) == INV_OK,
	    "%s", msg);
	ck_assert(invoice_issue(db, &staff, inv.id) == INV_OK);
	ck_assert(portal_token_new(token, tokensz, hash) == 0);
	{
		struct db_param p[] = { DB_I64(inv.id), DB_I64(d->account),
		    DB_I64(clock_now()) };
		struct db_param l[] = { DB_I64(inv.id), DB_STR(hash), DB_I64(clock_now()),
		    DB_I64(clock_now() + 86400) };
		ck_assert(db_exec(db, "INSERT INTO portal_invoices (invoice_id,"
		    " account_id, posted_at) VALUES (?, ?, ?)", p, 3, NULL, NULL) == DB_OK);
		ck_assert(db_exec(db, "INSERT INTO pay_links (invoice_id, token_hash,"
		    " created_at, expires_at) VALUES (?, ?, ?, ?)", l, 4, NULL,
		    NULL) == DB_OK);
	}
	return inv.id;
}

void
expect_ledger_ok(void)
{
	char msg[1024];

	ck_assert_msg(ledger_verify(db, msg, sizeof(msg)) == 0, "ledger: %s", msg);
}
