/* Shared integration-test fixtures (fixture.h). */
#include "common.h"

#include <ctype.h>
#include <dirent.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "fixture.h"
#include "str.h"

struct fx_env fx;

static struct config cfg;
static struct db *db;

#define EXPECT_STATUS(r, want, what)					\
	ck_assert_msg((want) < 0 || (r)->status == (want),		\
	    "%s: HTTP %ld, want %d%s%s; body: %.1200s", (what),		\
	    (r)->status, (want), (r)->error[0] ? "; " : "", (r)->error,	\
	    buf_cstr(&(r)->body))

static const char *
need(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "%s is not set (run tests/integration/run, or source "
		    "the env file of tests/integration/env.sh start)\n", name);
		exit(2);
	}
	return v;
}

void
fx_init(void)
{
	char err[512];

	fx.base = need("ITEST_BASE_URL");
	fx.password = need("ITEST_PASSWORD");
	fx.admin = need("ITEST_ADMIN_EMAIL");
	fx.billing = need("ITEST_BILLING_EMAIL");
	fx.frontdesk = need("ITEST_FRONTDESK_EMAIL");
	fx.maildir = need("ITEST_MAILDIR");
	fx.sandbox = need("ITEST_SANDBOX_URL");
	fx.ctl = need("ITEST_BILLINGCTL");
	fx.clock_file = need("BILLING_CLOCK_FILE");
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, need("ITEST_CONFIG"), err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		exit(2);
	}
	/* Before forking the test children: not thread-safe, once per process. */
	if (crypto_init() == -1 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		exit(2);
}

static int tests_added;

void
fx_add_test(TCase *tc, const TTest *t)
{
	const char *only = getenv("ITEST_TEST");

	if (only != NULL && *only != '\0' && strcmp(only, t->name) != 0)
		return;
	tcase_add_test(tc, t);
	tests_added++;
}

const struct config *
fx_config(void)
{
	return &cfg;
}

int
fx_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nfail = 1;

	if (tests_added == 0)	/* selecting nothing must not pass */
		fprintf(stderr, "no test named ITEST_TEST=%s\n", getenv("ITEST_TEST"));
	else {
		srunner_run_all(sr, CK_NORMAL);
		nfail = srunner_ntests_failed(sr);
	}
	srunner_free(sr);
	db_close(db);
	config_free(&cfg);
	curl_global_cleanup();
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* --- a browser ------------------------------------------------------------- */

void
fx_who_new(struct fx_who *w, const char *name)
{
	memset(w, 0, sizeof(*w));
	str_copy(w->name, sizeof(w->name), name);
	w->c = itest_client_new(fx.base);
	ck_assert(w->c != NULL);
}

void
fx_who_free(struct fx_who *w)
{
	itest_client_free(w->c);
	w->c = NULL;
}

void
fx_get(struct fx_who *w, const char *path, struct itest_resp *r, int want)
{
	char what[400];

	itest_get(w->c, path, r);
	str_fmt(what, sizeof(what), "%s: GET %s", w->name, path);
	EXPECT_STATUS(r, want, what);
	(void)itest_csrf(buf_cstr(&r->body), w->csrf, sizeof(w->csrf));
}

void
fx_post(struct fx_who *w, const char *path, const char *csrf,
    struct itest_resp *r, int want, ...)
{
	struct itest_kv kv[32];
	const char *k;
	char what[400];
	size_t n = 0;
	va_list ap;

	if (csrf == NULL)
		csrf = w->csrf;
	if (*csrf)
		kv[n++] = (struct itest_kv){ "_csrf", csrf };
	va_start(ap, want);
	while ((k = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < ARRAY_LEN(kv));
		kv[n].key = k;
		kv[n].value = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	itest_post_form(w->c, path, kv, n, r);
	str_fmt(what, sizeof(what), "%s: POST %s", w->name, path);
	EXPECT_STATUS(r, want, what);
}

const char *
fx_location(const struct itest_resp *r)
{
	const char *l = itest_header(r, "Location");

	ck_assert_msg(l != NULL, "no Location (HTTP %ld)", r->status);
	return l;
}

int64_t
fx_location_id(const struct itest_resp *r, const char *prefix)
{
	const char *p = strstr(fx_location(r), prefix);
	char num[24];
	size_t n = 0;
	int64_t id = 0;

	ck_assert_msg(p != NULL, "Location %s has no %s", fx_location(r), prefix);
	for (p += strlen(prefix); isdigit((unsigned char)*p) && n < sizeof(num) - 1;)
		num[n++] = *p++;
	num[n] = '\0';
	ck_assert(str_to_i64(num, 1, INT64_MAX, &id) == 0);
	return id;
}

void
fx_staff(struct fx_who *s, const char *email)
{
	struct itest_resp r;

	fx_who_new(s, email);
	ck_assert_int_eq(itest_login(s->c, email, fx.password), 303);
	itest_resp_init(&r);
	fx_get(s, "/", &r, 200);
	itest_resp_free(&r);
}

int64_t
fx_account(struct fx_who *s, int64_t location, char *email, size_t emailsz,
    const char *tag)
{
	struct itest_resp r;
	char u[40], name[80], mail[120], loc[24];
	int64_t id;

	itest_unique(u, sizeof(u), tag);
	str_fmt(mail, sizeof(mail), "%s@example.com", u);
	if (email != NULL)
		str_copy(email, emailsz, mail);
	str_fmt(name, sizeof(name), "Client %s", u);
	str_fmt(loc, sizeof(loc), "%" PRId64, location);
	itest_resp_init(&r);
	fx_get(s, "/accounts/new", &r, 200);
	if (location > 0)
		fx_post(s, "/accounts/new", NULL, &r, 303, "name", name, "email", mail,
		    "location_id", loc, NULL);
	else
		fx_post(s, "/accounts/new", NULL, &r, 303, "name", name, "email", mail,
		    NULL);
	id = fx_location_id(&r, "/accounts/");
	itest_resp_free(&r);
	return id;
}

int64_t
fx_invoice(struct fx_who *s, int64_t account, const char *rate,
    const char *invoice_date, const char *due_date)
{
	struct itest_resp r;
	char acc[24], path[80];
	int64_t id;

	str_fmt(acc, sizeof(acc), "%" PRId64, account);
	itest_resp_init(&r);
	fx_get(s, "/invoices/new", &r, 200);
	fx_post(s, "/invoices/new", NULL, &r, 303, "account_id", acc,
	    "payment_type_id", "1", "invoice_date", invoice_date, "due_date",
	    due_date, "line1_description", "Therapy session", "line1_quantity", "1",
	    "line1_rate", rate, NULL);
	id = fx_location_id(&r, "/invoices/");
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", id);
	fx_post(s, path, NULL, &r, 303, "confirm", "1", NULL);
	itest_resp_free(&r);
	return id;
}

void
fx_portal_client(struct fx_who *s, int64_t account, const char *email,
    struct fx_who *c, int count)
{
	struct itest_resp r;
	char path[200], *m;

	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation", account);
	itest_resp_init(&r);
	fx_get(s, "/", &r, 200);
	fx_post(s, path, NULL, &r, 303, NULL);
	m = fx_mail_wait(email, "/portal/activate/", count);
	fx_mail_link(m, "/portal/activate/", path, sizeof(path));
	free(m);
	fx_who_new(c, email);
	fx_get(c, path, &r, 200);
	fx_post(c, path, NULL, &r, 303, "password", FX_PORTAL_PW, "password2",
	    FX_PORTAL_PW, NULL);
	fx_get(c, "/portal/billing", &r, 200);
	itest_resp_free(&r);
}

long
fx_portal_login(struct fx_who *c, const char *email)
{
	struct itest_resp r;
	long st;

	itest_resp_init(&r);
	fx_get(c, "/portal/login", &r, 200);
	fx_post(c, "/portal/login", NULL, &r, -1, "email", email, "password",
	    FX_PORTAL_PW, NULL);
	st = r.status;
	itest_resp_free(&r);
	return st;
}

/* --- paying ----------------------------------------------------------------- */

/* Attribute attr of the first tag having it, character references decoded
 * (ESCAPE=attr writes every non-alphanumeric byte as &#xHH;). */
static void
attr_of(const char *html, const char *attr, char *out, size_t outsz)
{
	static const struct { const char *ref; char c; } named[] = {
		{ "&amp;", '&' }, { "&quot;", '"' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&#39;", '\'' },
	};
	char pat[80];
	const char *p, *q;
	size_t n = 0;

	str_fmt(pat, sizeof(pat), " %s=\"", attr);
	p = strstr(html, pat);
	ck_assert_msg(p != NULL, "no %s in the page", attr);
	p += strlen(pat);
	q = strchr(p, '"');
	ck_assert(q != NULL);
	while (p < q && n < outsz - 1) {
		size_t i;
		if (strncmp(p, "&#x", 3) == 0 && strchr(p, ';') < q) {
			out[n++] = (char)strtol(p + 3, NULL, 16);
			p = strchr(p, ';') + 1;
			continue;
		}
		for (i = 0; i < ARRAY_LEN(named); i++)
			if (strncmp(p, named[i].ref, strlen(named[i].ref)) == 0)
				break;
		if (i < ARRAY_LEN(named)) {
			out[n++] = named[i].c;
			p += strlen(named[i].ref);
		} else
			out[n++] = *p++;
	}
	ck_assert(p == q);
	out[n] = '\0';
}

void
fx_sandbox(const char *path, const char *form)
{
	struct itest_client *sb = itest_client_new(fx.sandbox);
	struct itest_resp r;

	ck_assert(sb != NULL);
	itest_resp_init(&r);
	if (form != NULL)
		ck_assert(itest_client_add_header(sb,
		    "Content-Type: application/x-www-form-urlencoded") == 0);
	itest_request(sb, "POST", path, form != NULL ? form : "", &r);
	ck_assert_msg(r.status == 200, "sandbox POST %s: %ld %s", path, r.status,
	    buf_cstr(&r.body));
	itest_resp_free(&r);
	itest_client_free(sb);
}

/* Confirms PaymentIntent of client_secret with pm, as Stripe.js does. */
static void
sandbox_confirm(const char *client_secret, const char *pm)
{
	struct itest_client *sb = itest_client_new(fx.sandbox);
	struct itest_resp r;
	char auth[200], path[200], pi[80];
	const char *cut = strstr(client_secret, "_secret_");

	ck_assert(sb != NULL && cut != NULL && (size_t)(cut - client_secret) < sizeof(pi));
	memcpy(pi, client_secret, (size_t)(cut - client_secret));
	pi[cut - client_secret] = '\0';
	str_fmt(auth, sizeof(auth), "Authorization: Bearer %s", cfg.stripe_publishable_key);
	ck_assert(itest_client_add_header(sb, auth) == 0);
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/confirm", pi);
	itest_resp_init(&r);
	{
		const struct itest_kv kv[] = { { "client_secret", client_secret },
		    { "payment_method", pm } };
		itest_post_form(sb, path, kv, ARRAY_LEN(kv), &r);
	}
	ck_assert_msg(r.status == 200, "sandbox confirm: %ld %s", r.status,
	    buf_cstr(&r.body));
	itest_resp_free(&r);
	itest_client_free(sb);
}

int64_t
fx_portal_pay(struct fx_who *c, int64_t inv, const char *pay_with, const char *pm)
{
	struct itest_resp r;
	char path[300], invoices[400], total[32], key[80], cs[300], ret[700];
	int64_t pid;

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/portal/pay?invoice=%" PRId64, inv);
	fx_get(c, path, &r, 200);
	ck_assert(itest_input_value(buf_cstr(&r.body), "invoices", invoices,
	    sizeof(invoices)) == 0);
	ck_assert(itest_input_value(buf_cstr(&r.body), "total", total, sizeof(total)) == 0);
	ck_assert(itest_input_value(buf_cstr(&r.body), "attempt_key", key,
	    sizeof(key)) == 0);
	fx_post(c, "/portal/pay", NULL, &r, 200, "invoices", invoices, "total", total,
	    "attempt_key", key, "pay_with", pay_with, NULL);
	attr_of(buf_cstr(&r.body), "data-client-secret", cs, sizeof(cs));
	attr_of(buf_cstr(&r.body), "data-return-url", ret, sizeof(ret));
	ck_assert(strncmp(ret, fx.base, strlen(fx.base)) == 0);
	sandbox_confirm(cs, pm);
	fx_get(c, ret + strlen(fx.base), &r, 303);
	pid = fx_location_id(&r, "/payments/");
	itest_resp_free(&r);
	return pid;
}

/* --- API keys ------------------------------------------------------------- */

void
fx_apikey(const char *role, char *key)
{
	struct buf out;
	char *k;

	buf_init(&out, 64 * 1024);
	ck_assert_int_eq(itest_sh(&out, "%s apikey create --name fx-%s --role %s",
	    fx.ctl, role, role), 0);
	k = strstr(buf_cstr(&out), "bk_");
	ck_assert_msg(k != NULL, "apikey create: %s", buf_cstr(&out));
	k[strcspn(k, " \r\n")] = '\0';
	ck_assert(str_copy(key, FX_KEY_MAX, k) == 0);
	buf_free(&out);
}

struct itest_client *
fx_api_client(const char *key)
{
	struct itest_client *c = itest_client_new(fx.base);
	char h[FX_KEY_MAX + 40];

	ck_assert(c != NULL);
	str_fmt(h, sizeof(h), "Authorization: Bearer %s", key);
	ck_assert(itest_client_add_header(c, h) == 0);
	ck_assert(itest_client_add_header(c, "Content-Type: application/json") == 0);
	return c;
}

int64_t
fx_json_i64(const char *json, const char *name)
{
	char want[80];
	const char *p;
	int64_t v = 0;
	char num[24];
	size_t n = 0;

	str_fmt(want, sizeof(want), "\"%s\":", name);
	p = strstr(json, want);
	ck_assert_msg(p != NULL, "no %s in %.800s", name, json);
	for (p += strlen(want); *p == ' '; p++)
		;
	while ((isdigit((unsigned char)*p) || (*p == '-' && n == 0)) &&
	    n < sizeof(num) - 1)
		num[n++] = *p++;
	num[n] = '\0';
	ck_assert_msg(str_to_i64(num, INT64_MIN, INT64_MAX, &v) == 0,
	    "%s is not an integer in %.800s", name, json);
	return v;
}

int64_t
fx_location_new(const char *admin_key)
{
	struct itest_client *c = fx_api_client(admin_key);
	struct itest_resp r;
	char u[40], body[120];
	int64_t id;

	itest_unique(u, sizeof(u), "loc");
	str_fmt(body, sizeof(body), "{\"name\":\"Location %s\"}", u);
	itest_resp_init(&r);
	itest_request(c, "POST", "/api/v1/locations", body, &r);
	ck_assert_msg(r.status == 201, "POST /api/v1/locations: %ld %s", r.status,
	    buf_cstr(&r.body));
	id = fx_json_i64(buf_cstr(&r.body), "id");
	itest_resp_free(&r);
	itest_client_free(c);
	return id;
}

/* --- database ---------------------------------------------------------------- */

int64_t
fx_sql_i64(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int64_t v;

	if (db == NULL) {
		db = db_new(&cfg);
		ck_assert(db != NULL);
	}
	ck_assert_msg(db_query(db, sql, p, 1, &r) == DB_OK, "%s: %s", sql,
	    db_error(db));
	v = r.nrows ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return v;
}

/* --- mail ------------------------------------------------------------------- */

/* Quoted-printable soft breaks and =XX decoded, in place. */
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
			char h[3] = { r[1], r[2], 0 };
			*w++ = (char)strtol(h, NULL, 16);
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

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Messages to `to` holding needle, oldest first: how many; *last gets the
 * newest (caller frees). */
static int
mail_find(const char *to, const char *needle, char **last)
{
	char dir[600], path[900], hdr[400], *names[2048];
	struct dirent *e;
	size_t n = 0;
	int count = 0;
	DIR *d;

	*last = NULL;
	str_fmt(dir, sizeof(dir), "%s/new", fx.maildir);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < ARRAY_LEN(names))
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	str_fmt(hdr, sizeof(hdr), "Delivered-To: %s", to);
	for (size_t i = 0; i < n; i++) {
		char *m;

		str_fmt(path, sizeof(path), "%s/%s", dir, names[i]);
		free(names[i]);
		if ((m = file_read(path)) == NULL)
			continue;
		qp_decode(m);
		if (strcasestr(m, hdr) != NULL && strstr(m, needle) != NULL) {
			count++;
			free(*last);
			*last = m;
		} else
			free(m);
	}
	return count;
}

char *
fx_mail_wait(const char *to, const char *needle, int count)
{
	char *m = NULL;

	for (int waited = 0; waited < FX_MAIL_WAIT_MS; waited += 100) {
		if (mail_find(to, needle, &m) >= count)
			return m;
		free(m);
		itest_sleep_ms(100);
	}
	ck_abort_msg("no email %d to %s with \"%s\" after %d ms", count, to, needle,
	    FX_MAIL_WAIT_MS);
	return NULL;
}

void
fx_mail_link(const char *m, const char *prefix, char *path, size_t pathsz)
{
	char want[300];
	const char *p;
	size_t n;

	str_fmt(want, sizeof(want), "%s%s", fx.base, prefix);
	p = strstr(m, want);
	ck_assert_msg(p != NULL, "no link %s in the email: %.2000s", want, m);
	p += strlen(fx.base);
	n = strcspn(p, " \r\n\"<>");
	ck_assert(n < pathsz);
	memcpy(path, p, n);
	path[n] = '\0';
}

/* --- the stack-wide clock ---------------------------------------------------- */

static void
clock_write(const char *text)
{
	char tmp[700];
	FILE *f;

	str_fmt(tmp, sizeof(tmp), "%s.new", fx.clock_file);
	f = fopen(tmp, "w");
	ck_assert_msg(f != NULL, "%s: %s", tmp, strerror(errno));
	ck_assert(fputs(text, f) >= 0);
	ck_assert(fclose(f) == 0);
	ck_assert_msg(rename(tmp, fx.clock_file) == 0, "rename: %s", strerror(errno));
}

void
fx_clock_at(int64_t t)
{
	char text[40];

	str_fmt(text, sizeof(text), "@%" PRId64 "\n", t);
	clock_write(text);
	ck_assert_int_eq(clock_now(), t);
}

void
fx_clock_shift(int64_t delta)
{
	char text[40];

	str_fmt(text, sizeof(text), "%+" PRId64 "\n", delta);
	clock_write(text);
}

void
fx_clock_real(void)
{
	if (unlink(fx.clock_file) == -1)
		ck_assert_int_eq(errno, ENOENT);
}

int64_t
fx_utc(const char *dt)
{
	char day[11];
	int64_t d, h, m, s;

	ck_assert_msg(strlen(dt) == 19 && dt[10] == ' ', "bad datetime %s", dt);
	memcpy(day, dt, 10);
	day[10] = '\0';
	ck_assert(date_parse(day, &d) == 0);
	h = (dt[11] - '0') * 10 + (dt[12] - '0');
	m = (dt[14] - '0') * 10 + (dt[15] - '0');
	s = (dt[17] - '0') * 10 + (dt[18] - '0');
	return d * 86400 + h * 3600 + m * 60 + s;
}
