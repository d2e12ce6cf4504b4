/* Shared fixture of the Stripe payment tests (see sp_fixture.h). */
#include "common.h"

#include <ctype.h>
#include <dirent.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "app.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "itest.h"
#include "ledger.h"
#include "profiles.h"
#include "sp_fixture.h"
#include "str.h"
#include "stripe.h"
#include "stripe_sig.h"

#define SANDBOX_PK	"pk_test_sandbox"
#define SANDBOX_SK	"sk_test_sandbox"

struct spf_env	 spf;
struct config	 spf_cfg;
struct db	*spf_db;
struct sp	 spf_sp;
struct actor	 spf_staff = { "staff", 0, "127.0.0.1" };
static struct stripe_client *sc;

static const char *
need(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "%s not set: run tests/integration/run\n", name);
		exit(77);
	}
	return v;
}

void
spf_env_load(void)
{
	spf.base = need("ITEST_BASE_URL");
	spf.config = need("ITEST_CONFIG");
	spf.sandbox = need("ITEST_SANDBOX_URL");
	spf.billing_email = need("ITEST_BILLING_EMAIL");
	spf.password = need("ITEST_PASSWORD");
	spf.maildir = need("ITEST_MAILDIR");
}

void
spf_setup(void)
{
	char err[512], form[400];

	str_fmt(form, sizeof(form), "webhook_url=%s/stripe/webhook&pi_create_delay_ms=0"
	    "&duplicate_webhooks=false&shuffle_webhooks=false&ach_delay_ms=3000",
	    spf.base);
	spf_sbx_config(form);
	ck_assert_msg(config_load(&spf_cfg, spf.config, err, sizeof(err)) == 0,
	    "config: %s", err);
	ck_assert(crypto_init() == 0);
	spf_db = db_new(&spf_cfg);
	ck_assert(spf_db != NULL);
	ck_assert_msg(db_ensure(spf_db) == DB_OK, "db: %s", db_error(spf_db));
	sc = stripe_client_new(&spf_cfg);
	ck_assert(sc != NULL);
	sc->max_retries = 1;
	sc->backoff_ms = 100;
	spf_staff.id = spf_q_str_i64("SELECT id FROM users WHERE email = ?",
	    spf.billing_email);
	ck_assert(spf_staff.id > 0);
	spf_sp.db = spf_db;
	spf_sp.stripe = sc;
	spf_sp.cfg = &spf_cfg;
	spf_sp.actor = &spf_staff;
}

void
spf_teardown(void)
{
	stripe_client_free(sc);
	db_close(spf_db);
	config_free(&spf_cfg);
}

/* --- database ------------------------------------------------------------- */

static int64_t
q_one(const char *sql, const struct db_param *p)
{
	struct db_result r;
	int64_t v = -1;

	ck_assert_msg(db_query(spf_db, sql, p, 1, &r) == DB_OK, "%s: %s", sql,
	    db_error(spf_db));
	if (r.nrows > 0)
		v = db_i64(&r, 0, 0);
	db_result_free(&r);
	return v;
}

int64_t
spf_q_i64(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };

	return q_one(sql, p);
}

int64_t
spf_q_str_i64(const char *sql, const char *s)
{
	struct db_param p[] = { DB_STR(s) };

	return q_one(sql, p);
}

int64_t
spf_new_account(const char *prefix, char *email, size_t emailsz)
{
	struct account a;
	char name[64];

	memset(&a, 0, sizeof(a));
	itest_unique(name, sizeof(name), prefix);
	str_copy(a.name, sizeof(a.name), name);
	if (email != NULL) {
		str_fmt(email, emailsz, "%s@example.com", name);
		str_copy(a.email, sizeof(a.email), email);
	}
	ck_assert_msg(account_save(spf_db, &spf_staff, &a) == PROF_OK, "account_save");
	ck_assert(a.id > 0);
	return a.id;
}

int64_t
spf_new_invoice(int64_t account_id, int64_t cents)
{
	struct invoice inv;
	struct invoice_line line;
	char today[11], msg[300];

	memset(&inv, 0, sizeof(inv));
	memset(&line, 0, sizeof(line));
	date_fmt(date_today(), today, sizeof(today));
	inv.account_id = account_id;
	inv.payment_type_id = spf_q_i64("SELECT MIN(id) FROM payment_types WHERE"
	    " id > ?", 0);
	str_copy(inv.invoice_date, sizeof(inv.invoice_date), today);
	str_copy(inv.due_date, sizeof(inv.due_date), today);
	str_copy(line.description, sizeof(line.description), "Session");
	line.quantity = 1;
	line.rate = cents;
	inv.lines = &line;
	inv.nlines = 1;
	ck_assert_msg(invoice_save_draft(spf_db, &spf_staff, &inv, msg,
	    sizeof(msg)) == INV_OK, "invoice_save_draft: %s", msg);
	ck_assert(invoice_issue(spf_db, &spf_staff, inv.id) == INV_OK);
	return inv.id;
}

void
spf_attempt_key(char *out, size_t outsz)
{
	ck_assert(crypto_token(out, outsz, 24) == 0);
}

int64_t
spf_ledger_payment_entries(int64_t payment_id)
{
	return spf_q_i64("SELECT COUNT(*) FROM ledger_entries WHERE payment_id = ?"
	    " AND kind = 'payment'", payment_id);
}

void
spf_expect_ledger_ok(void)
{
	char msg[1024];

	ck_assert_msg(ledger_verify(spf_db, msg, sizeof(msg)) == 0,
	    "ledger_verify: %s", msg);
}

/* --- the sandbox ------------------------------------------------------------ */

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) == 0 ? size * n : 0;
}

long
spf_sbx(const char *method, const char *path, const char *form, int auth,
    struct json_object **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf body;
	char url[1024], hdr[128];
	long status = 0;

	ck_assert(c != NULL);
	buf_init(&body, 16u * 1024 * 1024);
	str_fmt(url, sizeof(url), "%s%s", spf.sandbox, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (form != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
	}
	if (auth != 0) {
		str_fmt(hdr, sizeof(hdr), "Authorization: Bearer %s",
		    auth == 1 ? SANDBOX_SK : SANDBOX_PK);
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
spf_sbx_config(const char *form)
{
	long st = spf_sbx("POST", "/_sandbox/config", form, 0, NULL);

	ck_assert_msg(st == 200, "sandbox config %s: %ld", form, st);
}

void
spf_sbx_flush(void)
{
	spf_sbx("POST", "/_sandbox/webhooks/flush", "timeout_ms=20000", 0, NULL);
}

void
spf_browser_card(const char *number, char *pm, size_t pmsz)
{
	struct json_object *o;
	char form[256];
	long st;

	str_fmt(form, sizeof(form), "type=card&card%%5Bnumber%%5D=%s&card%%5Bexp_month"
	    "%%5D=12&card%%5Bexp_year%%5D=2034&card%%5Bcvc%%5D=123", number);
	st = spf_sbx("POST", "/v1/payment_methods", form, 2, &o);
	ck_assert_msg(st == 200 && stripe_obj_str(o, "id") != NULL,
	    "create card %s: %ld", number, st);
	str_copy(pm, pmsz, stripe_obj_str(o, "id"));
	json_object_put(o);
}

long
spf_browser_confirm(const char *intent, const char *secret, const char *pm)
{
	char path[160], form[512];

	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/confirm", intent);
	str_fmt(form, sizeof(form), "client_secret=%s&payment_method=%s", secret, pm);
	return spf_sbx("POST", path, form, 2, NULL);
}

int64_t
spf_saved_method(int64_t account_id, const char *kind, const char *test_pm)
{
	char key[64], secret[256], si[80], msg[300], path[160], form[512];
	struct json_object *o;
	int64_t id = 0;
	const char *st;
	long status;
	int rc;

	spf_attempt_key(key, sizeof(key));
	rc = stripe_pay_setup_start(&spf_sp, account_id, kind, key, secret,
	    sizeof(secret), si, sizeof(si), msg, sizeof(msg));
	ck_assert_msg(rc == SP_OK, "setup start: %d %s", rc, msg);
	str_fmt(path, sizeof(path), "/v1/setup_intents/%s/confirm", si);
	str_fmt(form, sizeof(form), "client_secret=%s&payment_method=%s", secret,
	    test_pm);
	status = spf_sbx("POST", path, form, 2, &o);
	st = stripe_obj_str(o, "status");
	if (status == 200 && st != NULL && strcmp(st, "requires_action") == 0) {
		str_fmt(form, sizeof(form), "intent=%s&client_secret=%s&outcome="
		    "complete", si, secret);
		status = spf_sbx("POST", "/v3/authenticate", form, 0, NULL);
	}
	json_object_put(o);
	ck_assert_int_eq(status, 200);
	rc = stripe_pay_setup_complete(&spf_sp, account_id, si, &id, msg, sizeof(msg));
	ck_assert_msg(rc == SP_OK && id > 0, "setup complete: %d %s", rc, msg);
	return id;
}

int64_t
spf_consent(int64_t account_id, int64_t method_id, const char *scope,
    int64_t max_amount, int64_t plan_id)
{
	struct sp_consent_req q;
	int64_t id = 0;
	char msg[300];

	memset(&q, 0, sizeof(q));
	q.account_id = account_id;
	q.payment_method_id = method_id;
	q.scope = scope;
	q.max_amount = max_amount;
	q.plan_id = plan_id;
	q.text_version = "2026-01";
	q.signer_name = "Pat Payer";
	q.ip = "203.0.113.7";
	q.user_agent = "Mozilla/5.0 (test)";
	q.recorded_by = spf_staff.id;
	ck_assert_msg(stripe_pay_consent_record(&spf_sp, &q, &id, msg,
	    sizeof(msg)) == SP_OK, "consent: %s", msg);
	return id;
}

int
spf_charge_saved(int64_t account_id, int64_t method_id, int64_t amount,
    struct sp_result *res)
{
	struct sp_start q;
	char key[64];

	spf_attempt_key(key, sizeof(key));
	memset(&q, 0, sizeof(q));
	q.account_id = account_id;
	q.payment_method_id = method_id;
	q.amount = amount;
	q.attempt_key = key;
	q.alloc_plan = "auto";
	return stripe_pay_charge_saved(&spf_sp, &q, res);
}

int
spf_start_card(int64_t account_id, int64_t amount, struct sp_result *res)
{
	struct sp_start q;
	char key[64];

	spf_attempt_key(key, sizeof(key));
	memset(&q, 0, sizeof(q));
	q.account_id = account_id;
	q.method = "card";
	q.amount = amount;
	q.attempt_key = key;
	q.alloc_plan = "auto";
	return stripe_pay_start(&spf_sp, &q, res);
}

/* --- webhooks ----------------------------------------------------------------- */

static int
event_applied(void *id)
{
	return spf_q_str_i64("SELECT pending FROM stripe_events WHERE id = ?",
	    id) == 0;
}

/* A stored event is applied by billing-jobs (the webhook inbox): waits
 * (polling, up to 30 s) until the event of body is no longer pending. */
static void
wait_applied(const char *body)
{
	struct json_object *o = json_tokener_parse(body), *id = NULL;
	char evid[256];

	ck_assert(o != NULL && json_object_object_get_ex(o, "id", &id));
	str_copy(evid, sizeof(evid), json_object_get_string(id));
	json_object_put(o);
	ck_assert_msg(itest_wait_until(30000, 20, event_applied, evid) == 0,
	    "event %s not applied within 30 s (is billing-jobs running?)", evid);
}

long
spf_post_webhook(const char *body, struct itest_resp *r)
{
	struct itest_resp own;
	long st;

	if (r == NULL) {
		itest_resp_init(&own);
		r = &own;
	}
	st = spf_post_webhook_nowait(body, r);
	if (st == 200 && itest_body_has(r, "\"outcome\":\"received\""))
		wait_applied(body);
	if (r == &own)
		itest_resp_free(&own);
	return st;
}

long
spf_post_webhook_nowait(const char *body, struct itest_resp *r)
{
	struct itest_client *c = itest_client_new(spf.base);
	struct itest_resp own;
	char sig[256], h[400];
	long st;

	ck_assert(c != NULL);
	ck_assert(stripe_sig_header(spf_cfg.stripe_webhook_secret, clock_now(), body,
	    strlen(body), sig, sizeof(sig)) == 0);
	itest_client_add_header(c, "Content-Type: application/json");
	str_fmt(h, sizeof(h), "Stripe-Signature: %s", sig);
	itest_client_add_header(c, h);
	if (r == NULL) {
		itest_resp_init(&own);
		r = &own;
	}
	st = itest_request(c, "POST", "/stripe/webhook", body, r);
	if (r == &own)
		itest_resp_free(&own);
	itest_client_free(c);
	return st;
}

/* --- mail ---------------------------------------------------------------------- */

/* Quoted-printable soft breaks and =XX decoded in place (the whole
 * message: enough to search it). */
static void
qp_decode(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '=' && r[1] == '\r' && r[2] == '\n')
			r += 3;
		else if (r[0] == '=' && r[1] == '\n')
			r += 2;
		else if (r[0] == '=' && isxdigit((unsigned char)r[1]) &&
		    isxdigit((unsigned char)r[2])) {
			char hx[3] = { r[1], r[2], 0 };
			*w++ = (char)strtol(hx, NULL, 16);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

static char *
file_read(const char *path)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	buf_init(&b, 4u * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

static char *
mail_find(const char *to, const char *needle)
{
	char dir[600], path[900], hdr[400], *found = NULL;
	struct dirent *e;
	DIR *d;

	str_fmt(dir, sizeof(dir), "%s/new", spf.maildir);
	str_fmt(hdr, sizeof(hdr), "Delivered-To: %s", to);
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while (found == NULL && (e = readdir(d)) != NULL) {
		char *m;
		if (e->d_name[0] == '.')
			continue;
		str_fmt(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((m = file_read(path)) == NULL)
			continue;
		qp_decode(m);
		if (strcasestr(m, hdr) != NULL && strstr(m, needle) != NULL)
			found = m;
		else
			free(m);
	}
	closedir(d);
	return found;
}

char *
spf_mail_wait(const char *to, const char *needle, int ms)
{
	char *m;

	for (int waited = 0; waited <= ms; waited += 200) {
		if ((m = mail_find(to, needle)) != NULL)
			return m;
		itest_sleep_ms(200);
	}
	return NULL;
}

struct itest_client *
spf_staff_client(void)
{
	struct itest_client *c = itest_client_new(spf.base);

	ck_assert(c != NULL);
	ck_assert_int_eq(itest_login(c, spf.billing_email, spf.password), 303);
	return c;
}

/* GET path on c into r; the page's _csrf into csrf. */
static void
get_csrf(struct itest_client *c, const char *path, struct itest_resp *r,
    char *csrf, size_t csrfsz)
{
	ck_assert_msg(itest_get(c, path, r) == 200, "GET %s: %ld", path, r->status);
	ck_assert_msg(itest_csrf(buf_cstr(&r->body), csrf, csrfsz) == 0,
	    "no _csrf on %s", path);
}

struct itest_client *
spf_portal_client(int64_t account_id, const char *email)
{
	static const char pw[] = "tulip river mountain 42";
	struct itest_client *s = spf_staff_client(), *c;
	struct itest_resp r;
	char path[256], want[300], csrf[128], *m;
	const char *p;
	size_t n;

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal", account_id);
	get_csrf(s, path, &r, csrf, sizeof(csrf));
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation",
	    account_id);
	{
		struct itest_kv kv[] = { { "_csrf", csrf } };
		ck_assert_int_eq(itest_post_form(s, path, kv, 1, &r), 303);
	}
	itest_client_free(s);
	m = spf_mail_wait(email, "/portal/activate/", 30000);
	ck_assert_msg(m != NULL, "no activation email to %s", email);
	str_fmt(want, sizeof(want), "%s/portal/activate/", spf.base);
	ck_assert((p = strstr(m, want)) != NULL);
	p += strlen(spf.base);
	n = strcspn(p, " \r\n\"<>");
	ck_assert(n < sizeof(path));
	memcpy(path, p, n);
	path[n] = '\0';
	free(m);
	c = itest_client_new(spf.base);
	ck_assert(c != NULL);
	get_csrf(c, path, &r, csrf, sizeof(csrf));
	{
		struct itest_kv kv[] = { { "_csrf", csrf }, { "password", pw },
		    { "password2", pw } };
		ck_assert_int_eq(itest_post_form(c, path, kv, ARRAY_LEN(kv), &r), 303);
	}
	itest_resp_free(&r);
	return c;
}
