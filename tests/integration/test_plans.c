/* Payment plans over HTTP against the running stack (tests/integration/run:
 * MariaDB, billingd, nginx, the Stripe sandbox, the SMTP catcher and
 * billing-jobs, whose mail lands in ITEST_MAILDIR): staff create a plan
 * with its preview, edit it (a new version each time), pause / resume /
 * cancel, send it; the client signs it in the portal and pays the next
 * installment through the ordinary portal payment flow at the sandbox;
 * another account's ids answer 404; bad input answers 422 naming the field.
 *
 * The fixtures (a browser with its cookie jar, accounts, invoices, portal
 * activation, paying at the sandbox) are those of test_portal.c. */
#include "common.h"

#include <ctype.h>
#include <dirent.h>

#include <check.h>

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "itest.h"
#include "str.h"

#define TC_TIMEOUT	300
#define MAIL_WAIT_MS	20000
#define PORTAL_PW	"tulip river mountain 42"

static struct {
	const char	*base;
	const char	*password;
	const char	*billing;
	const char	*maildir;
	const char	*sandbox;
} env;

static struct config cfg;
static struct db *db;

#define EXPECT_STATUS(r, want, what)					\
	ck_assert_msg((r)->status == (want),				\
	    "%s: HTTP %ld, want %d%s%s; body: %.1200s", (what),		\
	    (r)->status, (want), (r)->error[0] ? "; " : "", (r)->error,	\
	    buf_cstr(&(r)->body))

/* --- a browser: cookie jar + the CSRF token of the last page ---------------- */

struct who {
	struct itest_client	*c;
	char			 csrf[256];
	char			 name[64];
};

static void
who_new(struct who *w, const char *name)
{
	memset(w, 0, sizeof(*w));
	str_copy(w->name, sizeof(w->name), name);
	w->c = itest_client_new(env.base);
	ck_assert(w->c != NULL);
}

static void
who_free(struct who *w)
{
	itest_client_free(w->c);
	w->c = NULL;
}

/* GET path, assert the status, keep the page's _csrf (if any). */
static void
get(struct who *w, const char *path, struct itest_resp *r, int want)
{
	char what[400];

	itest_get(w->c, path, r);
	str_fmt(what, sizeof(what), "%s: GET %s", w->name, path);
	EXPECT_STATUS(r, want, what);
	(void)itest_csrf(buf_cstr(&r->body), w->csrf, sizeof(w->csrf));
}

/* POST path with csrf (NULL: the page's; "" none) and NULL-terminated
 * pairs; asserts the status. */
static void
post(struct who *w, const char *path, const char *csrf, struct itest_resp *r,
    int want, ...)
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

static const char *
location(const struct itest_resp *r)
{
	const char *l = itest_header(r, "Location");

	ck_assert_msg(l != NULL, "no Location (HTTP %ld)", r->status);
	return l;
}

/* The id after prefix in the 303's Location. */
static int64_t
location_id(const struct itest_resp *r, const char *prefix)
{
	const char *p = strstr(location(r), prefix);
	char num[24];
	size_t n = 0;
	int64_t id = 0;

	ck_assert_msg(p != NULL, "Location %s has no %s", location(r), prefix);
	for (p += strlen(prefix); isdigit((unsigned char)*p) && n < sizeof(num) - 1;)
		num[n++] = *p++;
	num[n] = '\0';
	ck_assert(str_to_i64(num, 1, INT64_MAX, &id) == 0);
	return id;
}

/* &amp; &quot; &lt; &gt; &#NN; &#xNN; decoded in place (ASCII). */
static void
html_decode(char *s)
{
	static const struct { const char *e; char c; } named[] = {
		{ "&amp;", '&' }, { "&quot;", '"' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&#39;", '\'' } };
	char *r = s, *w = s, *end;
	long cp;

	while (*r) {
		size_t i;

		if (r[0] == '&' && r[1] == '#') {
			int hex = r[2] == 'x' || r[2] == 'X';
			cp = strtol(r + 2 + hex, &end, hex ? 16 : 10);
			if (*end == ';' && cp > 0 && cp < 128) {
				*w++ = (char)cp;
				r = end + 1;
				continue;
			}
		}
		for (i = 0; i < ARRAY_LEN(named); i++)
			if (strncmp(r, named[i].e, strlen(named[i].e)) == 0)
				break;
		if (i < ARRAY_LEN(named)) {
			*w++ = named[i].c;
			r += strlen(named[i].e);
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* The value of attribute attr of the first tag that has it. */
static void
attr_value(const char *html, const char *attr, char *out, size_t outsz)
{
	char pat[80];
	const char *p, *q;

	str_fmt(pat, sizeof(pat), " %s=\"", attr);
	p = strstr(html, pat);
	ck_assert_msg(p != NULL, "no %s in the page", attr);
	p += strlen(pat);
	q = strchr(p, '"');
	ck_assert(q != NULL && (size_t)(q - p) < outsz);
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	html_decode(out);
}

static void
input_value(const char *html, const char *name, char *out, size_t outsz)
{
	ck_assert_msg(itest_input_value(html, name, out, outsz) == 0,
	    "no input %s in the page", name);
}

/* --- database --------------------------------------------------------------- */

static struct db *
dbh(void)
{
	if (db == NULL) {
		db = db_new(&cfg);
		ck_assert(db != NULL);
	}
	return db;
}

static int64_t
sql_i64(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int64_t v;

	ck_assert_msg(db_query(dbh(), sql, p, 1, &r) == DB_OK, "%s: %s", sql,
	    db_error(dbh()));
	v = r.nrows ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return v;
}


#define PAYMENTS_OF(acc)	sql_i64("SELECT COUNT(*) FROM payments WHERE account_id = ?", acc)
#define OPEN_OF(inv)		sql_i64("SELECT (SELECT COALESCE(SUM(amount), 0) FROM" \
	" ledger_entries WHERE invoice_id = i.id) - (SELECT COALESCE(SUM(amount), 0)" \
	" FROM allocations WHERE invoice_id = i.id) FROM invoices i WHERE i.id = ?", inv)

/* --- mail (the SMTP catcher's Maildir) ------------------------------------ */

/* Quoted-printable soft breaks and =XX decoded, in place (whole message:
 * good enough to search headers and both parts). */
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

/* Messages to `to` containing needle (decoded), oldest first; returns how
 * many; *last (may be NULL) gets a copy of the newest (caller frees). */
static int
mail_find(const char *to, const char *needle, char **last)
{
	char dir[600], path[900], hdr[400], *names[2048];
	struct dirent *e;
	size_t n = 0;
	int count = 0;
	DIR *d;

	if (last)
		*last = NULL;
	str_fmt(dir, sizeof(dir), "%s/new", env.maildir);
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
			if (last) {
				free(*last);
				*last = m;
				continue;
			}
		}
		free(m);
	}
	return count;
}

/* Waits for the count-th message to `to` with needle; returns it. */
static char *
mail_wait(const char *to, const char *needle, int count)
{
	char *m = NULL;

	for (int waited = 0; waited < MAIL_WAIT_MS; waited += 200) {
		if (mail_find(to, needle, &m) >= count)
			return m;
		free(m);
		itest_sleep_ms(200);
	}
	ck_abort_msg("no email %d to %s with \"%s\" after %d ms", count, to, needle,
	    MAIL_WAIT_MS);
	return NULL;
}

/* The first URL in mail m starting with base + prefix, as a path. */
static void
mail_link(const char *m, const char *prefix, char *path, size_t pathsz)
{
	char want[300];
	const char *p;
	size_t n;

	str_fmt(want, sizeof(want), "%s%s", env.base, prefix);
	p = strstr(m, want);
	ck_assert_msg(p != NULL, "no link %s in the email: %.2000s", want, m);
	p += strlen(env.base);
	n = strcspn(p, " \r\n\"<>");
	ck_assert(n < pathsz);
	memcpy(path, p, n);
	path[n] = '\0';
}

/* --- staff fixtures ------------------------------------------------------------ */

static void
staff_login(struct who *s)
{
	struct itest_resp r;

	who_new(s, "staff");
	ck_assert_int_eq(itest_login(s->c, env.billing, env.password), 303);
	itest_resp_init(&r);
	get(s, "/", &r, 200);
	itest_resp_free(&r);
}

static void
day(char out[11], int64_t offset)
{
	date_fmt(date_today() + offset, out, 11);
}

/* An account with a unique primary email (into email). */
static int64_t
new_account(struct who *s, char *email, size_t emailsz, const char *tag)
{
	struct itest_resp r;
	char u[40], name[80];
	int64_t id;

	itest_unique(u, sizeof(u), tag);
	str_fmt(email, emailsz, "%s@example.com", u);
	str_fmt(name, sizeof(name), "Client %s", u);
	itest_resp_init(&r);
	post(s, "/accounts/new", NULL, &r, 303, "name", name, "email", email, NULL);
	id = location_id(&r, "/accounts/");
	itest_resp_free(&r);
	return id;
}

/* An issued one-line invoice of rate; sent with how ("post", "email",
 * "both", NULL: not sent). */
static int64_t
new_invoice(struct who *s, int64_t account, const char *rate, const char *how)
{
	struct itest_resp r;
	char acc[24], path[80], d0[11], d1[11];
	int64_t id;

	str_fmt(acc, sizeof(acc), "%" PRId64, account);
	day(d0, -3);
	day(d1, 11);
	itest_resp_init(&r);
	post(s, "/invoices/new", NULL, &r, 303, "account_id", acc,
	    "payment_type_id", "1", "invoice_date", d0, "due_date", d1,
	    "line1_description", "Therapy session", "line1_quantity", "1",
	    "line1_rate", rate, NULL);
	id = location_id(&r, "/invoices/");
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", id);
	post(s, path, NULL, &r, 303, "confirm", "1", NULL);
	if (how != NULL) {
		int email = strcmp(how, "post") != 0;
		str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", id);
		if (email)
			post(s, path, NULL, &r, 303, "email", "1", "post", "1", NULL);
		else
			post(s, path, NULL, &r, 303, "post", "1", NULL);
	}
	itest_resp_free(&r);
	return id;
}

static void
send_activation(struct who *s, int64_t account)
{
	struct itest_resp r;
	char path[80];

	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation", account);
	itest_resp_init(&r);
	post(s, path, NULL, &r, 303, NULL);
	itest_resp_free(&r);
}

/* Activates the account's portal from its count-th activation email and
 * returns a signed-in client. */
static void
activate(struct who *c, const char *email, int count)
{
	struct itest_resp r;
	char path[200], *m;

	m = mail_wait(email, "/portal/activate/", count);
	mail_link(m, "/portal/activate/", path, sizeof(path));
	free(m);
	who_new(c, email);
	itest_resp_init(&r);
	get(c, path, &r, 200);
	post(c, path, NULL, &r, 303, "password", PORTAL_PW, "password2", PORTAL_PW,
	    NULL);
	ck_assert_str_eq(location(&r), "/portal/billing?notice=welcome");
	get(c, "/portal/billing", &r, 200);
	itest_resp_free(&r);
}

/* A client of a fresh account with portal access. */
static int64_t
client_with_portal(struct who *s, struct who *c, char *email, size_t emailsz,
    const char *tag)
{
	int64_t acc = new_account(s, email, emailsz, tag);

	send_activation(s, acc);
	activate(c, email, 1);
	return acc;
}

/* --- paying ----------------------------------------------------------------- */

/* Confirms a PaymentIntent at the sandbox as Stripe.js does (publishable
 * key + client secret) with a test PaymentMethod. Returns the HTTP status. */
static long
sandbox_confirm(const char *client_secret, const char *pm)
{
	struct itest_client *sb = itest_client_new(env.sandbox);
	struct itest_resp r;
	char auth[200], path[200], pi[80];
	const char *cut = strstr(client_secret, "_secret_");
	long st;

	ck_assert(sb != NULL && cut != NULL && (size_t)(cut - client_secret) < sizeof(pi));
	memcpy(pi, client_secret, (size_t)(cut - client_secret));
	pi[cut - client_secret] = '\0';
	str_fmt(auth, sizeof(auth), "Authorization: Bearer %s",
	    cfg.stripe_publishable_key);
	itest_client_add_header(sb, auth);
	str_fmt(path, sizeof(path), "/v1/%s/%s/confirm", strncmp(pi, "seti_", 5) == 0 ?
	    "setup_intents" : "payment_intents", pi);
	itest_resp_init(&r);
	{
		const struct itest_kv kv[] = { { "client_secret", client_secret },
		    { "payment_method", pm } };
		st = itest_post_form(sb, path, kv, ARRAY_LEN(kv), &r);
	}
	itest_resp_free(&r);
	itest_client_free(sb);
	return st;
}

/* The Stripe Element page: confirm with pm, follow the return URL; the
 * page of the payment (receipt / confirmation) ends in r. Returns the
 * payment id. */
static int64_t
element_pay(struct who *c, struct itest_resp *r, const char *pm)
{
	char cs[300], ret[700];
	int64_t pid;

	attr_value(buf_cstr(&r->body), "data-client-secret", cs, sizeof(cs));
	attr_value(buf_cstr(&r->body), "data-return-url", ret, sizeof(ret));
	ck_assert(str_starts(ret, env.base));
	ck_assert_int_eq(sandbox_confirm(cs, pm), 200);
	get(c, ret + strlen(env.base), r, 303);
	pid = location_id(r, "/payments/");
	{
		char path[300];
		str_copy(path, sizeof(path), location(r));
		get(c, path, r, 200);
	}
	return pid;
}

/* --- plans ------------------------------------------------------------------- */

#define PLAN_COL(col, id)	sql_i64("SELECT " col " FROM payment_plans WHERE id = ?", id)
#define PLAN_STATUS_IS(id, st)	sql_i64("SELECT COUNT(*) FROM payment_plans WHERE" \
	" id = ? AND status = '" st "'", id)
#define INST_COUNT(id, where)	sql_i64("SELECT COUNT(*) FROM payment_plan_installments" \
	" WHERE plan_id = ? AND " where, id)
#define INST_SUM(id, where)	sql_i64("SELECT COALESCE(SUM(amount), 0) FROM" \
	" payment_plan_installments WHERE plan_id = ? AND " where, id)

static const char *
idstr(char *out, size_t outsz, int64_t id)
{
	str_fmt(out, outsz, "%" PRId64, id);
	return out;
}

/* A plan of one invoice in n monthly installments from start (staff form). */
static int64_t
new_plan(struct who *s, int64_t acc, int64_t inv, const char *n, const char *start)
{
	struct itest_resp r;
	char path[80], i[24];
	int64_t id;

	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/plans", acc);
	itest_resp_init(&r);
	post(s, path, NULL, &r, 303, "invoice_id", idstr(i, sizeof(i), inv),
	    "schedule_by", "count", "installments", n, "frequency", "monthly",
	    "day_of_month", "0", "start_date", start, NULL);
	id = location_id(&r, "/plans/");
	itest_resp_free(&r);
	return id;
}

static void
plan_post(struct who *s, int64_t plan, const char *what, struct itest_resp *r,
    int want)
{
	char path[80];

	str_fmt(path, sizeof(path), "/plans/%" PRId64 "/%s", plan, what);
	post(s, path, NULL, r, want, NULL);
}

START_TEST(test_create_with_preview)
{
	struct itest_resp r;
	struct who s;
	char email[120], path[80], i1[24], i2[24];
	int64_t acc, inv1, inv2, plan;

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "plan");
	inv1 = new_invoice(&s, acc, "100.00", NULL);
	inv2 = new_invoice(&s, acc, "250.01", NULL);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/plans/new", acc);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "New payment plan"));

	/* preview: $350.01 - $50.00 down in 3, monthly on the 31st; nothing saved */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/plans", acc);
	post(&s, path, NULL, &r, 200, "invoice_id", idstr(i1, sizeof(i1), inv1),
	    "invoice_id", idstr(i2, sizeof(i2), inv2), "down_payment", "50.00",
	    "schedule_by", "count", "installments", "3", "frequency", "monthly",
	    "day_of_month", "31", "start_date", "2031-01-31", "preview", "1", NULL);
	ck_assert(itest_body_has(&r, "Schedule preview"));
	ck_assert(itest_body_has(&r, "$350.01"));
	ck_assert(itest_body_has(&r, "2031-02-28"));	/* month-end fallback */
	ck_assert(itest_body_has(&r, ">$100.01<"));	/* remainder on the last */
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plans WHERE"
	    " account_id = ?", acc), 0);

	/* over the practice maximum (36): refused until a reason is given */
	post(&s, path, NULL, &r, 422, "invoice_id", i1, "schedule_by", "count",
	    "installments", "40", "frequency", "weekly", "start_date", "2031-01-01",
	    NULL);
	ck_assert(itest_body_has(&r, "practice maximum is 36"));
	ck_assert(itest_body_has(&r, "give a reason for the override"));
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plans WHERE"
	    " account_id = ?", acc), 0);
	/* with a reason: made, the reason kept on the plan and in the audit */
	{
		int64_t acc2 = new_account(&s, email, sizeof(email), "override");
		int64_t inv3 = new_invoice(&s, acc2, "400.00", NULL), p2;
		char i3[24], path2[80];

		str_fmt(path2, sizeof(path2), "/accounts/%" PRId64 "/plans", acc2);
		post(&s, path2, NULL, &r, 303, "invoice_id", idstr(i3, sizeof(i3), inv3),
		    "schedule_by", "count", "installments", "40", "frequency", "weekly",
		    "start_date", "2031-01-01", "override_reason", "hardship approved",
		    NULL);
		p2 = location_id(&r, "/plans/");
		ck_assert_int_eq(INST_COUNT(p2, "status = 'scheduled'"), 40);
		ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM audit_log WHERE action ="
		    " 'plan.create' AND object_id = ? AND detail LIKE"
		    " '%overridden: hardship approved%'", p2), 1);
	}

	/* saved: a draft with the down payment and 3 installments, version 1 */
	post(&s, path, NULL, &r, 303, "invoice_id", i1, "invoice_id", i2,
	    "down_payment", "50.00", "schedule_by", "count", "installments", "3",
	    "frequency", "monthly", "day_of_month", "31", "start_date", "2031-01-31",
	    NULL);
	plan = location_id(&r, "/plans/");
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "Draft"));
	ck_assert(itest_body_has(&r, "2031-03-31"));
	ck_assert(itest_body_has(&r, "$350.01"));
	ck_assert_int_eq(INST_COUNT(plan, "status = 'scheduled'"), 4);
	ck_assert_int_eq(INST_SUM(plan, "number > 0"), 30001);
	ck_assert_int_eq(INST_SUM(plan, "number = 0"), 5000);
	ck_assert_int_eq(PLAN_COL("version", plan), 1);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM audit_log WHERE action ="
	    " 'plan.create' AND object_id = ?", plan), 1);

	/* the Financial tab lists it */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, acc);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "Payment plans"));
	str_fmt(path, sizeof(path), "Plan #%" PRId64, plan);
	ck_assert(itest_body_has(&r, path));
	itest_resp_free(&r);
	who_free(&s);
}
END_TEST

START_TEST(test_edit_makes_version)
{
	struct itest_resp r;
	struct who s;
	char email[120], path[80], num[16];
	int64_t acc, inv, plan, first;

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "edit");
	inv = new_invoice(&s, acc, "300.01", NULL);
	plan = new_plan(&s, acc, inv, "3", "2031-01-10");

	/* 3 monthly -> 2 weekly: a new version, what changed, an audit row */
	str_fmt(path, sizeof(path), "/plans/%" PRId64 "/edit", plan);
	post(&s, path, NULL, &r, 303, "schedule_by", "count", "installments", "2",
	    "frequency", "weekly", "day_of_month", "0", "start_date", "2031-01-06",
	    NULL);
	ck_assert_int_eq(PLAN_COL("version", plan), 2);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_versions WHERE"
	    " plan_id = ? AND version = 2 AND changes LIKE '%3 -> 2%'", plan), 1);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM audit_log WHERE action ="
	    " 'plan.edit' AND object_id = ?", plan), 1);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'scheduled'"), 2);
	ck_assert_int_eq(INST_SUM(plan, "status = 'scheduled'"), 30001);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_installments"
	    " WHERE plan_id = ? AND status = 'scheduled' AND due_date IN"
	    " ('2031-01-06', '2031-01-13')", plan), 2);

	/* bad input changes nothing */
	post(&s, path, NULL, &r, 422, "schedule_by", "count", "installments", "0",
	    "frequency", "weekly", "start_date", "2031-01-06", NULL);
	ck_assert(itest_body_has(&r, "Number of installments"));
	post(&s, path, NULL, &r, 422, "schedule_by", "count", "installments", "2",
	    "frequency", "weekly", "start_date", "2001-01-06", NULL);
	ck_assert(itest_body_has(&r, "cannot be in the past"));
	ck_assert_int_eq(PLAN_COL("version", plan), 2);

	/* skip the first: it moves to a new one at the end */
	first = sql_i64("SELECT MIN(number) FROM payment_plan_installments WHERE"
	    " plan_id = ? AND status = 'scheduled'", plan);
	str_fmt(path, sizeof(path), "/plans/%" PRId64 "/skip", plan);
	post(&s, path, NULL, &r, 303, "number", idstr(num, sizeof(num), first), NULL);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'skipped'"), 1);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'scheduled'"), 2);
	ck_assert_int_eq(INST_SUM(plan, "status = 'scheduled'"), 30001);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_installments"
	    " WHERE plan_id = ? AND status = 'scheduled' AND due_date = '2031-01-20'",
	    plan), 1);
	ck_assert_int_eq(PLAN_COL("version", plan), 3);
	/* a skipped one cannot be skipped again */
	post(&s, path, NULL, &r, 409, "number", num, NULL);

	/* the down payment is not skipped (it has none here: no row 0) */
	post(&s, path, NULL, &r, 409, "number", "0", NULL);
	ck_assert(itest_body_has(&r, "down payment cannot be"));

	/* move one */
	str_fmt(path, sizeof(path), "/plans/%" PRId64 "/move", plan);
	post(&s, path, NULL, &r, 303, "number", idstr(num, sizeof(num), first + 1),
	    "due_date", "2031-06-01", NULL);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_installments"
	    " WHERE plan_id = ? AND due_date = '2031-06-01'", plan), 1);
	ck_assert_int_eq(PLAN_COL("version", plan), 4);
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "skipped; its $150.00 moved"));

	/* add an invoice: what is scheduled grows by its open amount */
	{
		int64_t inv2 = new_invoice(&s, acc, "50.00", NULL);
		char i2[24];

		get(&s, path, &r, 200);
		idstr(i2, sizeof(i2), inv2);
		ck_assert(itest_body_has(&r, "Add open invoices"));
		str_fmt(path, sizeof(path), "/plans/%" PRId64 "/edit", plan);
		post(&s, path, NULL, &r, 303, "invoice_id", i2, "schedule_by", "count",
		    "installments", "2", "frequency", "weekly", "start_date",
		    "2031-01-06", NULL);
		ck_assert_int_eq(INST_SUM(plan, "status = 'scheduled'"), 35001);
		ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_invoices"
		    " WHERE plan_id = ?", plan), 2);
		ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_versions"
		    " WHERE plan_id = ? AND changes LIKE '%added%'", plan), 1);
	}
	itest_resp_free(&r);
	who_free(&s);
}
END_TEST

START_TEST(test_pause_resume_cancel)
{
	struct itest_resp r;
	struct who s;
	char email[120], *m;
	int64_t acc, inv, plan;

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "pause");
	inv = new_invoice(&s, acc, "120.00", NULL);
	plan = new_plan(&s, acc, inv, "4", "2031-01-10");

	plan_post(&s, plan, "pause", &r, 409);		/* a draft is not running */
	ck_assert(itest_body_has(&r, "cannot be paused"));
	plan_post(&s, plan, "send", &r, 303);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "sent"), 1);
	m = mail_wait(email, "ready to sign", 1);
	ck_assert_msg(strstr(m, "$30.00") != NULL, "schedule in the email");
	free(m);
	plan_post(&s, plan, "pause", &r, 303);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "paused"), 1);
	free(mail_wait(email, "has changed", 1));	/* the client is told */
	plan_post(&s, plan, "resume", &r, 303);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "sent"), 1);
	/* the new-plan form shows the invoice taken, not ticked */
	{
		char path[80], taken[40];

		str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/plans/new", acc);
		get(&s, path, &r, 200);
		str_fmt(taken, sizeof(taken), "in plan #%" PRId64, plan);
		ck_assert(itest_body_has(&r, taken));
	}
	plan_post(&s, plan, "cancel", &r, 303);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "cancelled"), 1);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'scheduled'"), 0);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'cancelled'"), 4);
	plan_post(&s, plan, "resume", &r, 409);
	plan_post(&s, plan, "cancel", &r, 409);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM audit_log WHERE object_type ="
	    " 'payment_plan' AND object_id = ? AND action IN ('plan.pause',"
	    " 'plan.resume', 'plan.cancel')", plan), 3);
	/* the invoice is free for a new plan again */
	new_plan(&s, acc, inv, "2", "2031-01-10");
	itest_resp_free(&r);
	who_free(&s);
}
END_TEST

/* Staff send the plan; the client opens the emailed link and signs. */
static void
sign_plan(struct who *s, struct who *c, const char *email, int64_t plan)
{
	struct itest_resp r;
	char link[200], *m;

	itest_resp_init(&r);
	plan_post(s, plan, "send", &r, 303);
	m = mail_wait(email, "/portal/plans/", 1);
	mail_link(m, "/portal/plans/", link, sizeof(link));
	free(m);
	get(c, link, &r, 200);
	ck_assert(itest_body_has(&r, "Review and sign"));
	ck_assert(itest_body_has(&r, "I authorize"));
	str_fmt(link + strlen(link), sizeof(link) - strlen(link), "/accept");
	post(c, link, NULL, &r, 422, "signer_name", "Pat Client", NULL);
	ck_assert(itest_body_has(&r, "Tick the box"));
	post(c, link, NULL, &r, 422, "authorize", "1", "signer_name", " ", NULL);
	ck_assert(itest_body_has(&r, "Type your full name"));
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "sent"), 1);
	post(c, link, NULL, &r, 303, "authorize", "1", "signer_name", "Pat Client",
	    NULL);
	ck_assert(strstr(location(&r), "notice=signed") != NULL);
	itest_resp_free(&r);
}

START_TEST(test_portal_accept_and_pay_next)
{
	struct itest_resp r;
	struct who s, c;
	char email[120], path[120], start[11], invs[400], total[32], key[80],
	    pl[24], what[16];
	int64_t acc, inv, plan, pid;

	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "sign");
	inv = new_invoice(&s, acc, "300.00", NULL);
	day(start, 0);
	plan = new_plan(&s, acc, inv, "3", start);
	sign_plan(&s, &c, email, plan);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "active"), 1);
	/* sending posted the plan's invoice to the portal */
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM portal_invoices WHERE"
	    " invoice_id = ?", inv), 1);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_versions WHERE"
	    " plan_id = ? AND signed_name = 'Pat Client' AND signed_at > 0 AND"
	    " signed_ip <> '' AND signed_user_agent IS NOT NULL AND consent_text"
	    " LIKE '%$300.00%'", plan), 1);
	/* staff see it active */
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "Active"));
	ck_assert(itest_body_has(&r, "Signed by <strong>Pat Client</strong>"));

	/* Billing shows the plan; pay the next installment through the
	 * ordinary flow: the server prices it ($100.00), not the form */
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "Pay next installment now"));
	str_fmt(path, sizeof(path), "/portal/pay?plan=%" PRId64 "&what=next", plan);
	get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "Pay the next installment"));
	ck_assert(itest_body_has(&r, "$100.00"));
	input_value(buf_cstr(&r.body), "invoices", invs, sizeof(invs));
	input_value(buf_cstr(&r.body), "total", total, sizeof(total));
	input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
	input_value(buf_cstr(&r.body), "plan", pl, sizeof(pl));
	input_value(buf_cstr(&r.body), "plan_what", what, sizeof(what));
	ck_assert_str_eq(total, "10000");
	post(&c, "/portal/pay", NULL, &r, 200, "invoices", invs, "total", total,
	    "attempt_key", key, "pay_with", "card", "plan", pl, "plan_what", what,
	    NULL);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'processing'"), 1);
	pid = element_pay(&c, &r, "pm_card_visa");
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payments WHERE id = ? AND"
	    " status = 'succeeded' AND amount = 10000", pid), 1);

	/* the plan page: installment 1 paid by that payment, $200.00 left */
	str_fmt(path, sizeof(path), "/portal/plans/%" PRId64, plan);
	get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "Paid"));
	ck_assert(itest_body_has(&r, "$200.00"));
	ck_assert_int_eq(sql_i64("SELECT payment_id FROM payment_plan_installments"
	    " WHERE plan_id = ? AND number = 1 AND status = 'paid'", plan), pid);
	ck_assert_int_eq(OPEN_OF(inv), 20000);
	/* pay off: what is left */
	str_fmt(path, sizeof(path), "/portal/pay?plan=%" PRId64 "&what=payoff", plan);
	get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "Pay off the plan"));
	input_value(buf_cstr(&r.body), "total", total, sizeof(total));
	ck_assert_str_eq(total, "20000");
	/* started with a new card but never confirmed: both installments wait
	 * for it (a second payment is refused) until the checkout is an hour
	 * old, then they are free again */
	input_value(buf_cstr(&r.body), "invoices", invs, sizeof(invs));
	input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
	post(&c, "/portal/pay", NULL, &r, 200, "invoices", invs, "total", total,
	    "attempt_key", key, "pay_with", "card", "plan", pl, "plan_what",
	    "payoff", NULL);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'processing'"), 2);
	str_fmt(path, sizeof(path), "/portal/pay?plan=%" PRId64 "&what=next", plan);
	get(&c, path, &r, 409);
	ck_assert(itest_body_has(&r, "is in progress"));
	{
		struct db_param p[] = { DB_I64(clock_now() - 7200), DB_I64(plan) };
		ck_assert(db_exec(dbh(), "UPDATE payments SET created_at = ? WHERE id ="
		    " (SELECT MAX(payment_id) FROM payment_plan_installments WHERE"
		    " plan_id = ?)", p, 2, NULL, NULL) == DB_OK);
	}
	get(&c, path, &r, 200);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'processing'"), 0);
	ck_assert_int_eq(INST_COUNT(plan, "status = 'scheduled'"), 2);
	itest_resp_free(&r);
	who_free(&s);
	who_free(&c);
}
END_TEST

START_TEST(test_sign_records_plan_consent)
{
	struct itest_resp r;
	struct who s, c;
	char email[120], path[80], i[24], m[24], pm[64];
	int64_t acc, inv, plan, mid;

	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "consent");
	inv = new_invoice(&s, acc, "200.00", NULL);
	/* a saved card (as a SetupIntent would leave it) */
	itest_unique(pm, sizeof(pm), "pm_itest");
	{
		struct db_param p[] = { DB_I64(acc), DB_STR(pm), DB_I64(clock_now()) };
		uint64_t id = 0;
		ck_assert(db_exec(dbh(), "INSERT INTO payment_methods (account_id,"
		    " stripe_pm_id, kind, brand, last4, exp_month, exp_year, created_at)"
		    " VALUES (?, ?, 'card', 'visa', '4242', 12, 2034, ?)", p, 3, NULL,
		    &id) == DB_OK);
		mid = (int64_t)id;
	}
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/plans", acc);
	post(&s, path, NULL, &r, 303, "invoice_id", idstr(i, sizeof(i), inv),
	    "schedule_by", "amount", "installment_amount", "75.00", "frequency",
	    "monthly", "day_of_month", "31", "start_date", "2031-01-01",
	    "payment_method_id", idstr(m, sizeof(m), mid), "autopay", "1", NULL);
	plan = location_id(&r, "/plans/");
	ck_assert_int_eq(INST_SUM(plan, "number = 3"), 5000);	/* 75, 75, 50 */
	sign_plan(&s, &c, email, plan);
	/* the signature is the card's consent for this plan's installments only */
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM consents WHERE plan_id = ? AND"
	    " scope = 'payment_plan' AND max_amount = 7500 AND signer_name ="
	    " 'Pat Client' AND revoked_at IS NULL", plan), 1);
	/* an autopay date moved: back to awaiting signature, consent revoked */
	str_fmt(path, sizeof(path), "/plans/%" PRId64 "/move", plan);
	get(&s, "/", &r, 200);
	post(&s, path, NULL, &r, 303, "number", "2", "due_date", "2031-03-15", NULL);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "sent"), 1);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM consents WHERE plan_id = ? AND"
	    " revoked_at IS NULL", plan), 0);
	str_fmt(path, sizeof(path), "/portal/plans/%" PRId64, plan);
	get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "Review and sign"));
	ck_assert(itest_body_has(&r, "Visa ending 4242"));
	ck_assert(itest_body_has(&r, "automatic payments") ||
	    itest_body_has(&r, "automatically"));
	itest_resp_free(&r);
	who_free(&s);
	who_free(&c);
}
END_TEST

START_TEST(test_other_accounts_plan_is_404)
{
	struct itest_resp r;
	struct who s, a, b;
	char ea[120], eb[120], path[120], i[24];
	int64_t acc_a, acc_b, inv_a, plan;

	staff_login(&s);
	itest_resp_init(&r);
	acc_a = client_with_portal(&s, &a, ea, sizeof(ea), "owner");
	acc_b = client_with_portal(&s, &b, eb, sizeof(eb), "other");
	inv_a = new_invoice(&s, acc_a, "90.00", NULL);
	plan = new_plan(&s, acc_a, inv_a, "3", "2031-01-10");
	plan_post(&s, plan, "send", &r, 303);

	/* B sees none of A's plan, cannot sign it, cannot pay it */
	str_fmt(path, sizeof(path), "/portal/plans/%" PRId64, plan);
	get(&b, path, &r, 404);
	get(&b, "/portal/billing", &r, 200);	/* B's portal CSRF token */
	str_fmt(path, sizeof(path), "/portal/plans/%" PRId64 "/accept", plan);
	post(&b, path, NULL, &r, 404, "authorize", "1", "signer_name", "Mallory", NULL);
	str_fmt(path, sizeof(path), "/portal/pay?plan=%" PRId64 "&what=next", plan);
	get(&b, path, &r, 404);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "sent"), 1);
	/* a draft is not shown to its own client either */
	str_fmt(path, sizeof(path), "/portal/plans/%" PRId64, new_plan(&s, acc_a,
	    new_invoice(&s, acc_a, "10.00", NULL), "1", "2031-01-10"));
	get(&a, path, &r, 404);

	/* staff: A's invoice in a plan of B's account */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/plans", acc_b);
	post(&s, path, NULL, &r, 404, "invoice_id", idstr(i, sizeof(i), inv_a),
	    "schedule_by", "count", "installments", "2", "frequency", "weekly",
	    "start_date", "2031-01-01", NULL);
	ck_assert(itest_body_has(&r, "is not one of this account"));
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plans WHERE"
	    " account_id = ?", acc_b), 0);
	itest_resp_free(&r);
	who_free(&s);
	who_free(&a);
	who_free(&b);
}
END_TEST

START_TEST(test_paid_outside_shrinks)
{
	struct itest_resp r;
	struct who s;
	char email[120], path[120], i[24], d[11];
	int64_t acc, inv, plan;

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "outside");
	inv = new_invoice(&s, acc, "300.00", NULL);
	plan = new_plan(&s, acc, inv, "3", "2031-01-10");

	/* $150.00 by check on the invoice, outside the plan */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", acc);
	get(&s, path, &r, 200);
	day(d, 0);
	post(&s, path, NULL, &r, 303, "method", "check", "amount", "150.00",
	    "received_date", d, "reference", "2001", "allocation", "choose",
	    "alloc1_invoice_id", idstr(i, sizeof(i), inv), "alloc1_amount", "150.00",
	    NULL);
	/* the plan asks only for what is open: 100.00 + 50.00, the last gone */
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "Paid outside the plan: $150.00 less"));
	ck_assert_int_eq(INST_SUM(plan, "status = 'scheduled'"), 15000);
	ck_assert_int_eq(sql_i64("SELECT amount FROM payment_plan_installments WHERE"
	    " plan_id = ? AND number = 2", plan), 5000);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_installments WHERE"
	    " plan_id = ? AND number = 3 AND status = 'cancelled'", plan), 1);
	itest_resp_free(&r);
	who_free(&s);
}
END_TEST

/* --- self-service proposals ------------------------------------------------- */

static void
post_to_portal(struct who *s, int64_t inv)
{
	struct itest_resp r;
	char path[80];

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", inv);
	get(s, path, &r, 200);
	post(s, path, NULL, &r, 303, "post", "1", NULL);
	itest_resp_free(&r);
}

/* Admin sets "client proposals need staff approval" on Payment plan limits. */
static void
set_approval(int on)
{
	struct itest_resp r;
	struct who a;

	who_new(&a, "admin");
	ck_assert_int_eq(itest_login(a.c, getenv("ITEST_ADMIN_EMAIL"),
	    env.password), 303);
	itest_resp_init(&r);
	get(&a, "/admin/plan-limits", &r, 200);
	post(&a, "/admin/plan-limits", NULL, &r, 200, "min_installment", "25.00",
	    "max_installments", "36", "min_down_percent", "0", "client_approval",
	    on ? "1" : "0", NULL);
	itest_resp_free(&r);
	who_free(&a);
}

#define N_PLANS(acc) sql_i64("SELECT COUNT(*) FROM payment_plans WHERE " \
	"account_id = ?", (acc))

/* The client proposes a plan in the portal: over the limits, unsigned or
 * for another account's invoice it is refused and nothing is made; a
 * preview makes nothing; signed within the limits it is active at once;
 * with the approval setting it waits until staff approve (once). */
START_TEST(test_portal_self_service)
{
	struct itest_resp r;
	struct who s, c;
	char email[120], email2[120], path[120], start[11], i1[24], oi[24];
	int64_t acc, other, inv, oinv, plan, plan2;

	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "self");
	other = new_account(&s, email2, sizeof(email2), "self2");
	inv = new_invoice(&s, acc, "300.00", NULL);
	oinv = new_invoice(&s, other, "80.00", NULL);
	post_to_portal(&s, inv);
	post_to_portal(&s, oinv);
	str_fmt(i1, sizeof(i1), "%" PRId64, inv);
	str_fmt(oi, sizeof(oi), "%" PRId64, oinv);
	day(start, 30);
	set_approval(0);

	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "/portal/plan-proposals/new"));
	get(&c, "/portal/plan-proposals/new", &r, 200);
	ck_assert(itest_body_has(&r, "$25.00"));	/* the minimum is shown */
	/* over the limits: $300 in 20 is $15 < $25 */
	post(&c, "/portal/plan-proposals", NULL, &r, 422, "invoice_id", i1,
	    "installments", "20", "frequency", "monthly", "start_date", start,
	    "signer_name", "Pat Client", "authorize", "1", NULL);
	ck_assert_msg(itest_body_has(&r, "$25.00"), "%s", buf_cstr(&r.body));
	/* unsigned; another account's invoice */
	post(&c, "/portal/plan-proposals", NULL, &r, 422, "invoice_id", i1,
	    "installments", "3", "frequency", "monthly", "start_date", start,
	    "signer_name", "Pat Client", NULL);
	ck_assert(itest_body_has(&r, "Tick the box"));
	post(&c, "/portal/plan-proposals", NULL, &r, 404, "invoice_id", oi,
	    "installments", "3", "frequency", "monthly", "start_date", start,
	    "signer_name", "Pat Client", "authorize", "1", NULL);
	/* the preview shows the schedule and makes nothing */
	post(&c, "/portal/plan-proposals", NULL, &r, 200, "invoice_id", i1,
	    "installments", "3", "frequency", "monthly", "start_date", start,
	    "preview", "1", NULL);
	ck_assert(itest_body_has(&r, "$100.00"));
	ck_assert_int_eq(N_PLANS(acc), 0);
	ck_assert_int_eq(N_PLANS(other), 0);

	/* signed within the limits: active at once */
	post(&c, "/portal/plan-proposals", NULL, &r, 303, "invoice_id", i1,
	    "installments", "3", "frequency", "monthly", "start_date", start,
	    "signer_name", "Pat Client", "authorize", "1", NULL);
	plan = location_id(&r, "/portal/plans/");
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "active"), 1);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_versions WHERE"
	    " plan_id = ? AND signed_name = 'Pat Client'", plan), 1);
	str_fmt(path, sizeof(path), "/portal/plans/%" PRId64 "?notice=signed", plan);
	get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "$100.00"));

	/* with approval: waits; staff approve once */
	plan_post(&s, plan, "cancel", &r, 303);
	set_approval(1);
	post(&c, "/portal/plan-proposals", NULL, &r, 303, "invoice_id", i1,
	    "installments", "2", "frequency", "monthly", "start_date", start,
	    "signer_name", "Pat Client", "authorize", "1", NULL);
	plan2 = location_id(&r, "/portal/plan-proposals/");
	ck_assert_int_eq(PLAN_STATUS_IS(plan2, "draft"), 1);
	str_fmt(path, sizeof(path), "/portal/plan-proposals/%" PRId64, plan2);
	get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "approve"));
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan2);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "Approve the client"));
	plan_post(&s, plan2, "approve", &r, 303);
	ck_assert_int_eq(PLAN_STATUS_IS(plan2, "active"), 1);
	plan_post(&s, plan2, "approve", &r, 409);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_versions WHERE"
	    " plan_id = ? AND signed_name = 'Pat Client'", plan2), 1);
	set_approval(0);
	itest_resp_free(&r);
	who_free(&c);
	who_free(&s);
}
END_TEST

/* --- the JSON API ------------------------------------------------------------ */

static char api_key[200];

static long
api_call(const char *method, const char *path, const char *body,
    struct itest_resp *r)
{
	struct itest_client *cl = itest_client_new(env.base);
	char h[300];
	long st;

	ck_assert(cl != NULL);
	str_fmt(h, sizeof(h), "Authorization: Bearer %s", api_key);
	ck_assert(itest_client_add_header(cl, h) == 0);
	if (body != NULL)
		ck_assert(itest_client_add_header(cl, "Content-Type: application/json") == 0);
	st = itest_request(cl, method, path, body, r);
	itest_client_free(cl);
	return st;
}

/* POST body; asserts 422 naming field. */
static void
api_refused(const char *body, int want, const char *field)
{
	struct itest_resp r;
	char f[100];

	itest_resp_init(&r);
	api_call("POST", "/api/v1/payment-plans", body, &r);
	ck_assert_msg(r.status == want, "%s: HTTP %ld, want %d: %s", body, r.status,
	    want, buf_cstr(&r.body));
	str_fmt(f, sizeof(f), "\"field\": \"%s\"", field);
	ck_assert_msg(itest_body_has(&r, f) || (str_fmt(f, sizeof(f),
	    "\"field\":\"%s\"", field), itest_body_has(&r, f)),
	    "%s: no field %s in %s", body, field, buf_cstr(&r.body));
	itest_resp_free(&r);
}

static void
api_key_once(void)
{
	struct buf out;
	char *k;

	if (api_key[0] != '\0')
		return;
	buf_init(&out, 64 * 1024);
	ck_assert_int_eq(itest_sh(&out, "%s apikey create --name itest-plans2 "
	    "--role billing", getenv("ITEST_BILLINGCTL")), 0);
	k = strstr(buf_cstr(&out), "bk_");
	ck_assert(k != NULL);
	k[strcspn(k, " \r\n")] = '\0';
	str_copy(api_key, sizeof(api_key), k);
	buf_free(&out);
}

/* api_call() with an Idempotency-Key (NULL: none); asserts the status. */
static void
api_want(const char *method, const char *path, const char *idem,
    const char *body, struct itest_resp *r, long want, const char *field)
{
	struct itest_client *cl = itest_client_new(env.base);
	char h[300];

	ck_assert(cl != NULL);
	str_fmt(h, sizeof(h), "Authorization: Bearer %s", api_key);
	ck_assert(itest_client_add_header(cl, h) == 0);
	if (idem != NULL) {
		str_fmt(h, sizeof(h), "Idempotency-Key: %s", idem);
		ck_assert(itest_client_add_header(cl, h) == 0);
	}
	if (body != NULL)
		ck_assert(itest_client_add_header(cl, "Content-Type: application/json") == 0);
	itest_request(cl, method, path, body, r);
	itest_client_free(cl);
	ck_assert_msg(r->status == want, "%s %s %s: HTTP %ld, want %ld: %s", method,
	    path, body ? body : "", r->status, want, buf_cstr(&r->body));
	if (field != NULL) {
		char f1[100], f2[100];
		str_fmt(f1, sizeof(f1), "\"field\": \"%s\"", field);
		str_fmt(f2, sizeof(f2), "\"field\":\"%s\"", field);
		ck_assert_msg(itest_body_has(r, f1) || itest_body_has(r, f2),
		    "%s: no field %s in %s", path, field, buf_cstr(&r->body));
	}
}

#define N_METHODS "SELECT COUNT(*) FROM payment_methods WHERE account_id = ?"
#define N_CONSENTS "SELECT COUNT(*) FROM consents WHERE account_id = ?"

/* POST /api/v1/accounts/:id/payment-methods attaches at the sandbox with the
 * consent; the same Idempotency-Key answers the same; bad consent or an id
 * the sandbox does not know changes nothing; GET lists them. PATCH a plan:
 * a new version; 422 naming the field; another account's method or invoice
 * is 404. GET /api/v1/payment-plans?account_id= lists the account's plans. */
START_TEST(test_api_methods_and_plan_patch)
{
	struct itest_resp r;
	struct who s;
	struct buf body;
	char email[120], path[160], idem[64];
	int64_t acc, other, inv, oinv, plan, omid;

	api_key_once();
	staff_login(&s);
	itest_resp_init(&r);
	buf_init(&body, 4096);
	acc = new_account(&s, email, sizeof(email), "apim");
	other = new_account(&s, email, sizeof(email), "apim2");
	inv = new_invoice(&s, acc, "90.00", NULL);
	oinv = new_invoice(&s, other, "40.00", NULL);
	str_fmt(idem, sizeof(idem), "attach-%" PRId64, acc);

	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64 "/payment-methods",
	    acc);
	/* bad consent / unknown or malformed ids: nothing saved */
	api_want("POST", path, NULL, "{\"stripe_payment_method_id\": \"pm_card_visa\","
	    " \"consent_scope\": \"any_balance\", \"consent_text_version\": \"v1\"}",
	    &r, 422, "consent_signer_name");
	api_want("POST", path, NULL, "{\"stripe_payment_method_id\": \"pm_card_visa\","
	    " \"consent_scope\": \"up_to_amount\", \"consent_text_version\": \"v1\","
	    " \"consent_signer_name\": \"Pat Client\"}", &r, 422,
	    "consent_max_amount_cents");
	api_want("POST", path, NULL, "{\"stripe_payment_method_id\": \"card_4242\","
	    " \"consent_scope\": \"any_balance\", \"consent_text_version\": \"v1\","
	    " \"consent_signer_name\": \"Pat Client\"}", &r, 422,
	    "stripe_payment_method_id");
	api_want("POST", path, NULL, "{\"stripe_payment_method_id\": \"pm_nosuch1234\","
	    " \"consent_scope\": \"any_balance\", \"consent_text_version\": \"v1\","
	    " \"consent_signer_name\": \"Pat Client\"}", &r, 404,
	    "stripe_payment_method_id");
	ck_assert_int_eq(sql_i64(N_METHODS, acc), 0);
	ck_assert_int_eq(sql_i64(N_CONSENTS, acc), 0);
	api_want("POST", "/api/v1/accounts/999999999/payment-methods", NULL,
	    "{\"stripe_payment_method_id\": \"pm_card_visa\", \"consent_scope\":"
	    " \"any_balance\", \"consent_text_version\": \"v1\","
	    " \"consent_signer_name\": \"Pat Client\"}", &r, 404, NULL);
	/* attached, with its consent; the same key answers the same */
	for (int i = 0; i < 2; i++) {
		api_want("POST", path, idem, "{\"stripe_payment_method_id\": "
		    "\"pm_card_visa\", \"consent_scope\": \"any_balance\","
		    " \"consent_text_version\": \"v1\", \"consent_signer_name\":"
		    " \"Pat Client\"}", &r, 201, NULL);
		ck_assert_msg(itest_body_has(&r, "4242") &&
		    itest_body_has(&r, "any_balance") &&
		    itest_body_has(&r, "Pat Client"), "%s", buf_cstr(&r.body));
	}
	ck_assert_int_eq(sql_i64(N_METHODS, acc), 1);
	ck_assert_int_eq(sql_i64(N_CONSENTS, acc), 1);
	api_want("GET", path, NULL, NULL, &r, 200, NULL);
	ck_assert(itest_body_has(&r, "4242"));
	/* the other account's own method */
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64 "/payment-methods",
	    other);
	api_want("GET", path, NULL, NULL, &r, 200, NULL);
	ck_assert(!itest_body_has(&r, "4242"));
	api_want("POST", path, NULL, "{\"stripe_payment_method_id\": "
	    "\"pm_card_mastercard\", \"consent_scope\": \"any_balance\","
	    " \"consent_text_version\": \"v1\", \"consent_signer_name\":"
	    " \"Other Client\"}", &r, 201, NULL);
	omid = sql_i64("SELECT MAX(id) FROM payment_methods WHERE account_id = ?",
	    other);

	/* a plan, edited through PATCH: a new version */
	buf_reset(&body);
	buf_printf(&body, "{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"installments\": 3, \"frequency\": \"monthly\", \"start_date\":"
	    " \"2031-01-10\"}", acc, inv);
	api_want("POST", "/api/v1/payment-plans", NULL, buf_cstr(&body), &r, 201,
	    NULL);
	plan = sql_i64("SELECT MAX(id) FROM payment_plans WHERE account_id = ?", acc);
	str_fmt(path, sizeof(path), "/api/v1/payment-plans/%" PRId64, plan);
	api_want("PATCH", path, NULL, "{\"installments\": 0}", &r, 422,
	    "installments");
	api_want("PATCH", path, NULL, "{\"frequency\": \"yearly\"}", &r, 422,
	    "frequency");
	buf_reset(&body);
	buf_printf(&body, "{\"payment_method_id\": %" PRId64 "}", omid);
	api_want("PATCH", path, NULL, buf_cstr(&body), &r, 404, "payment_method_id");
	buf_reset(&body);
	buf_printf(&body, "{\"add_invoice_ids\": [%" PRId64 "]}", oinv);
	api_want("PATCH", path, NULL, buf_cstr(&body), &r, 404, "add_invoice_ids");
	ck_assert_int_eq(sql_i64("SELECT version FROM payment_plans WHERE id = ?",
	    plan), 1);
	api_want("PATCH", path, NULL, "{\"installments\": 2, \"start_date\":"
	    " \"2031-02-01\"}", &r, 200, NULL);
	ck_assert_int_eq(sql_i64("SELECT version FROM payment_plans WHERE id = ?",
	    plan), 2);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_versions WHERE "
	    "plan_id = ?", plan), 2);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plan_installments "
	    "WHERE plan_id = ? AND number > 0 AND status = 'scheduled'", plan), 2);
	ck_assert_msg(itest_body_has(&r, "4500"), "%s", buf_cstr(&r.body));
	api_want("PATCH", "/api/v1/payment-plans/999999999", NULL,
	    "{\"installments\": 2}", &r, 404, NULL);

	/* the account's plans */
	str_fmt(path, sizeof(path), "/api/v1/payment-plans?account_id=%" PRId64, acc);
	api_want("GET", path, NULL, NULL, &r, 200, NULL);
	str_fmt(path, sizeof(path), "%" PRId64, plan);
	ck_assert(itest_body_has(&r, path));
	str_fmt(path, sizeof(path), "/api/v1/payment-plans?account_id=%" PRId64, other);
	api_want("GET", path, NULL, NULL, &r, 200, NULL);
	ck_assert(itest_body_has(&r, "\"data\": [ ]") ||
	    itest_body_has(&r, "\"data\":[]") || itest_body_has(&r, "\"data\": []"));
	api_want("GET", "/api/v1/payment-plans?account_id=999999999", NULL, NULL, &r,
	    404, NULL);
	api_want("GET", "/api/v1/payment-plans", NULL, NULL, &r, 400, NULL);
	buf_free(&body);
	itest_resp_free(&r);
	who_free(&s);
}
END_TEST

START_TEST(test_api_plans)
{
	struct itest_resp r;
	struct who s;
	struct buf out, body;
	char email[120], path[120];
	int64_t acc, other, inv, oinv, plan, before;
	char *k, *p;

	buf_init(&out, 64 * 1024);
	ck_assert_int_eq(itest_sh(&out, "%s apikey create --name itest-plans --role"
	    " billing", getenv("ITEST_BILLINGCTL")), 0);
	k = strstr(buf_cstr(&out), "bk_");
	ck_assert(k != NULL);
	k[strcspn(k, " \r\n")] = '\0';
	if (api_key[0] == '\0')
		str_copy(api_key, sizeof(api_key), k);
	buf_free(&out);

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "api");
	other = new_account(&s, email, sizeof(email), "api2");
	inv = new_invoice(&s, acc, "100.00", NULL);
	oinv = new_invoice(&s, other, "50.00", NULL);
	buf_init(&body, 4096);
	buf_printf(&body, "{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"installments\": 3, \"frequency\": \"semimonthly\", \"start_date\":"
	    " \"2031-01-10\"}", acc, inv);
	ck_assert_int_eq(api_call("POST", "/api/v1/payment-plans", buf_cstr(&body),
	    &r), 201);
	ck_assert(itest_body_has(&r, "\"due_date\": \"2031-01-15\"") ||
	    itest_body_has(&r, "\"due_date\":\"2031-01-15\""));
	ck_assert(itest_body_has(&r, "3334"));
	p = strstr(buf_cstr(&r.body), "\"id\"");
	ck_assert(p != NULL);
	plan = sql_i64("SELECT MAX(id) FROM payment_plans WHERE account_id = ?", acc);
	str_fmt(path, sizeof(path), "/api/v1/payment-plans/%" PRId64, plan);
	ck_assert_int_eq(api_call("GET", path, NULL, &r), 200);
	ck_assert(itest_body_has(&r, "\"status\": \"draft\"") ||
	    itest_body_has(&r, "\"status\":\"draft\""));
	str_fmt(path, sizeof(path), "/api/v1/payment-plans/%" PRId64 "/pause", plan);
	ck_assert_int_eq(api_call("POST", path, "{}", &r), 409);
	str_fmt(path, sizeof(path), "/api/v1/payment-plans/%" PRId64 "/cancel", plan);
	ck_assert_int_eq(api_call("POST", path, "{\"reason\": \"client asked\"}", &r), 200);
	ck_assert_int_eq(PLAN_STATUS_IS(plan, "cancelled"), 1);
	ck_assert_int_eq(api_call("GET", "/api/v1/payment-plans/999999999", NULL, &r),
	    404);

	/* bad input: 422 naming the field, nothing made */
	before = sql_i64("SELECT COUNT(*) FROM payment_plans WHERE account_id = ?", acc);
#define BODY(fmt, ...) (buf_reset(&body), buf_printf(&body, fmt, __VA_ARGS__), buf_cstr(&body))
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"installments\": 0, \"frequency\": \"weekly\", \"start_date\":"
	    " \"2031-01-10\"}", acc, inv), 422, "installments");
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"frequency\": \"weekly\", \"start_date\": \"2031-01-10\"}", acc, inv),
	    422, "installments");
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"installments\": 2, \"frequency\": \"yearly\", \"start_date\":"
	    " \"2031-01-10\"}", acc, inv), 422, "frequency");
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"installments\": 2, \"frequency\": \"weekly\", \"start_date\":"
	    " \"2031-02-30\"}", acc, inv), 422, "start_date");
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [\"x\"],"
	    " \"installments\": 2, \"frequency\": \"weekly\", \"start_date\":"
	    " \"2031-01-10\"}", acc), 422, "invoice_ids");
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"amount_cents\": 10001,"
	    " \"installments\": 2, \"frequency\": \"weekly\", \"start_date\":"
	    " \"2031-01-10\"}", acc), 422, "amount_cents");
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"down_payment_cents\": 20000, \"installments\": 2, \"frequency\":"
	    " \"weekly\", \"start_date\": \"2031-01-10\"}", acc, inv), 422,
	    "down_payment_cents");
	/* another account's invoice: 404 */
	api_refused(BODY("{\"account_id\": %" PRId64 ", \"invoice_ids\": [%" PRId64
	    "], \"installments\": 2, \"frequency\": \"weekly\", \"start_date\":"
	    " \"2031-01-10\"}", acc, oinv), 404, "invoice_ids");
#undef BODY
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_plans WHERE"
	    " account_id = ?", acc), before);
	buf_free(&body);
	itest_resp_free(&r);
	who_free(&s);
}
END_TEST

static Suite *
plans_suite(void)
{
	Suite *s = suite_create("plans");
	TCase *tc = tcase_create("plans");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_create_with_preview);
	tcase_add_test(tc, test_edit_makes_version);
	tcase_add_test(tc, test_pause_resume_cancel);
	tcase_add_test(tc, test_portal_accept_and_pay_next);
	tcase_add_test(tc, test_sign_records_plan_consent);
	tcase_add_test(tc, test_other_accounts_plan_is_404);
	tcase_add_test(tc, test_paid_outside_shrinks);
	tcase_add_test(tc, test_api_plans);
	tcase_add_test(tc, test_api_methods_and_plan_patch);
	tcase_add_test(tc, test_portal_self_service);
	suite_add_tcase(s, tc);
	return s;
}

static const char *
need(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "%s is not set (run tests/integration/run)\n", name);
		exit(2);
	}
	return v;
}

int
main(void)
{
	SRunner *sr;
	char err[512];
	int nfail;

	env.base = need("ITEST_BASE_URL");
	env.password = need("ITEST_PASSWORD");
	env.billing = need("ITEST_BILLING_EMAIL");
	env.maildir = need("ITEST_MAILDIR");
	env.sandbox = need("ITEST_SANDBOX_URL");
	(void)need("ITEST_BILLINGCTL");
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, need("ITEST_CONFIG"), err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	if (crypto_init() == -1)
		return 2;
	sr = srunner_create(plans_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	db_close(db);
	config_free(&cfg);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
