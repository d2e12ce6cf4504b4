/* Client portal and one-time pay links over HTTP against the running stack
 * (tests/integration/run: MariaDB, billingd, nginx, the Stripe sandbox, the
 * SMTP catcher and billing-jobs, whose mail lands in ITEST_MAILDIR).
 *
 * Every test makes its own accounts (unique emails) through the staff
 * pages, reads the emails the client would get from the Maildir, and plays
 * the client in its own cookie jar. Card and bank details are confirmed at
 * the sandbox with the publishable key and the PaymentIntent's client
 * secret, exactly as Stripe.js does in the browser. Facts that prove
 * "nothing changed" are read from the database.
 *
 * Sign-in failures count per address for the whole suite (login_max_ip):
 * this file makes exactly PORTAL_LOCKOUT of them. */
#include "common.h"

#include <ctype.h>
#include <dirent.h>
#include <unistd.h>

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

static void
sql_exec(const char *sql, int64_t a, int64_t b)
{
	struct db_param p[] = { DB_I64(a), DB_I64(b) };

	ck_assert_msg(db_exec(dbh(), sql, p, 2, NULL, NULL) == DB_OK, "%s: %s",
	    sql, db_error(dbh()));
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

/* GET /portal/pay for ids (0-terminated): the payment page (200) or the
 * refusal (want). */
static void
pay_page(struct who *c, struct itest_resp *r, int want, const int64_t *ids)
{
	char path[400] = "/portal/pay";
	size_t off = strlen(path);

	for (size_t i = 0; ids[i]; i++) {
		str_fmt(path + off, sizeof(path) - off, "%sinvoice=%" PRId64,
		    i ? "&" : "?", ids[i]);
		off = strlen(path);
	}
	get(c, path, r, want);
}

/* Posts the payment page in r with pay_with (and extra pairs). */
static void
pay_submit(struct who *c, struct itest_resp *r, int want, const char *pay_with,
    const char *k1, const char *v1, const char *k2, const char *v2,
    const char *k3, const char *v3)
{
	char invoices[400], total[32], key[80];

	input_value(buf_cstr(&r->body), "invoices", invoices, sizeof(invoices));
	input_value(buf_cstr(&r->body), "total", total, sizeof(total));
	input_value(buf_cstr(&r->body), "attempt_key", key, sizeof(key));
	post(c, "/portal/pay", NULL, r, want, "invoices", invoices, "total", total,
	    "attempt_key", key, "pay_with", pay_with, k1, v1, k2, v2, k3, v3, NULL);
}

/* ---------------------------------------------------------------------------- */

START_TEST(test_activation)
{
	struct who s, c, c2;
	struct itest_resp r;
	char email[120], first[200], second[200], *m;
	int64_t acc;

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "act");

	/* two links: the newer supersedes the older */
	send_activation(&s, acc);
	m = mail_wait(email, "/portal/activate/", 1);
	mail_link(m, "/portal/activate/", first, sizeof(first));
	free(m);
	send_activation(&s, acc);
	m = mail_wait(email, "/portal/activate/", 2);
	mail_link(m, "/portal/activate/", second, sizeof(second));
	ck_assert_msg(strstr(m, "72 hours") != NULL, "expiry not in the email");
	free(m);
	ck_assert_str_ne(first, second);
	who_new(&c, email);
	get(&c, first, &r, 410);
	ck_assert(itest_body_has(&r, "replaced by a newer one"));

	/* password rules, then a good one */
	get(&c, second, &r, 200);
	ck_assert(itest_body_has(&r, email));
	post(&c, second, NULL, &r, 422, "password", "short pw", "password2",
	    "short pw", NULL);
	ck_assert(itest_body_has(&r, "at least 12 characters"));
	post(&c, second, NULL, &r, 422, "password", email, "password2", email, NULL);
	ck_assert(itest_body_has(&r, "cannot be your email"));
	post(&c, second, NULL, &r, 422, "password", "password1234", "password2",
	    "password1234", NULL);
	ck_assert(itest_body_has(&r, "too common"));
	post(&c, second, NULL, &r, 422, "password", PORTAL_PW, "password2",
	    "something else entirely", NULL);
	ck_assert(itest_body_has(&r, "do not match"));
	post(&c, second, NULL, &r, 303, "password", PORTAL_PW, "password2", PORTAL_PW,
	    NULL);
	ck_assert_str_eq(location(&r), "/portal/billing?notice=welcome");
	get(&c, "/portal/billing?notice=welcome", &r, 200);
	ck_assert(itest_body_has(&r, "Your portal access is ready"));
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM portal_logins WHERE account_id = ?"
	    " AND password_hash LIKE '$argon2id$%'", acc), 1);

	/* reused */
	who_new(&c2, email);
	get(&c2, second, &r, 410);
	who_free(&c2);

	/* expired: a third link aged past 72 h by SQL */
	send_activation(&s, acc);
	m = mail_wait(email, "/portal/activate/", 3);
	mail_link(m, "/portal/activate/", first, sizeof(first));
	free(m);
	sql_exec("UPDATE portal_tokens SET expires_at = ? WHERE account_id = ?"
	    " AND used_at IS NULL AND superseded_at IS NULL", clock_now() - 1, acc);
	who_new(&c2, email);
	get(&c2, "/portal/login", &r, 200);	/* the pre-login CSRF token */
	get(&c2, first, &r, 410);
	post(&c2, first, NULL, &r, 410, "password", "another fine passphrase",
	    "password2", "another fine passphrase", NULL);
	who_free(&c2);

	/* the staff page tells the state; sign-in with the new password works */
	{
		char path[80];
		str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal", acc);
		get(&s, path, &r, 200);
		ck_assert(itest_body_has(&r, "Active"));
	}
	who_new(&c2, email);
	get(&c2, "/portal/login", &r, 200);
	post(&c2, "/portal/login", NULL, &r, 303, "email", email, "password",
	    PORTAL_PW, NULL);
	ck_assert_str_eq(location(&r), "/portal/billing");
	who_free(&c2);

	/* a new primary email ends portal access until it is activated again */
	{
		char path[80], newmail[140], name[140];
		str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/edit", acc);
		str_fmt(newmail, sizeof(newmail), "new-%s", email);
		str_fmt(name, sizeof(name), "Client %s", email);
		get(&s, path, &r, 200);
		post(&s, path, NULL, &r, 303, "name", name, "email", newmail, NULL);
		get(&c, "/portal/billing", &r, 303);
		ck_assert_str_eq(location(&r), "/portal/login");
		str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal", acc);
		get(&s, path, &r, 200);
		ck_assert(itest_body_has(&r, "Not activated"));
	}
	itest_resp_free(&r);
	who_free(&c);
	who_free(&s);
}
END_TEST

#define PORTAL_LOCKOUT	5	/* = login_max_account (default) */

START_TEST(test_login_throttle)
{
	struct who s, c, x;
	struct itest_resp r;
	char email[120];

	staff_login(&s);
	itest_resp_init(&r);
	client_with_portal(&s, &c, email, sizeof(email), "thr");
	who_new(&x, "attacker");
	get(&x, "/portal/login", &r, 200);
	for (int i = 0; i < PORTAL_LOCKOUT; i++) {
		post(&x, "/portal/login", NULL, &r, 401, "email", email, "password",
		    "not the password at all", NULL);
		ck_assert(itest_body_has(&r, "email or password is not correct"));
	}
	/* locked: even the right password is refused, with the notice */
	post(&x, "/portal/login", NULL, &r, 429, "email", email, "password",
	    PORTAL_PW, NULL);
	ck_assert(itest_body_has(&r, "Too many failed sign-in attempts"));
	ck_assert(itest_body_has(&r, "locked for"));
	ck_assert(itest_body_has(&r, "/portal/forgot"));
	ck_assert(itest_header(&r, "Set-Cookie") == NULL ||
	    strstr(itest_header(&r, "Set-Cookie"), "bportal=") == NULL);
	/* the session signed in before keeps working */
	get(&c, "/portal/billing", &r, 200);
	/* give this address its failure allowance back (login_max_ip is shared
	 * by every suite on the stack) */
	{
		struct db_param p[] = { DB_STR(email) };
		ck_assert(db_exec(dbh(), "DELETE FROM login_attempts WHERE kind ="
		    " 'portal' AND email = ?", p, 1, NULL, NULL) == DB_OK);
	}
	itest_resp_free(&r);
	who_free(&x);
	who_free(&c);
	who_free(&s);
}
END_TEST

START_TEST(test_password_reset)
{
	struct who s, c, y;
	struct itest_resp r;
	char email[120], path[200], *m;

	staff_login(&s);
	itest_resp_init(&r);
	client_with_portal(&s, &c, email, sizeof(email), "rst");

	who_new(&y, email);
	/* unknown email: the same answer, no mail */
	get(&y, "/portal/forgot", &r, 200);
	post(&y, "/portal/forgot", NULL, &r, 303, "email", "nobody-here@example.com",
	    NULL);
	ck_assert_str_eq(location(&r), "/portal/login?notice=reset_sent");
	get(&y, "/portal/forgot", &r, 200);
	post(&y, "/portal/forgot", NULL, &r, 303, "email", email, NULL);
	ck_assert_str_eq(location(&r), "/portal/login?notice=reset_sent");
	m = mail_wait(email, "/portal/reset/", 1);
	mail_link(m, "/portal/reset/", path, sizeof(path));
	free(m);
	ck_assert_int_eq(mail_find("nobody-here@example.com", "", NULL), 0);

	get(&y, path, &r, 200);
	post(&y, path, NULL, &r, 422, "password", "tiny", "password2", "tiny", NULL);
	post(&y, path, NULL, &r, 303, "password", "a brand new passphrase",
	    "password2", "a brand new passphrase", NULL);
	/* a reset says so: it is not a first activation */
	ck_assert_str_eq(location(&r), "/portal/billing?notice=password_reset");
	get(&y, "/portal/billing?notice=password_reset", &r, 200);
	ck_assert(itest_body_has(&r, "Your password was changed"));
	ck_assert(!itest_body_has(&r, "Welcome!"));
	get(&y, "/portal/billing", &r, 200);
	/* the older session ended; the link is single use */
	get(&c, "/portal/billing", &r, 303);
	ck_assert_str_eq(location(&r), "/portal/login");
	get(&c, path, &r, 410);
	ck_assert(itest_body_has(&r, "/portal/forgot"));
	/* the new password signs in */
	who_free(&c);
	who_new(&c, email);
	get(&c, "/portal/login", &r, 200);
	post(&c, "/portal/login", NULL, &r, 303, "email", email, "password",
	    "a brand new passphrase", NULL);
	itest_resp_free(&r);
	who_free(&y);
	who_free(&c);
	who_free(&s);
}
END_TEST

START_TEST(test_pay_selected)
{
	struct who s, c;
	struct itest_resp r;
	char email[120], path[120], *m, want[80];
	int64_t acc, a, b, d, e, f, pid, before;

	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "pay");
	a = new_invoice(&s, acc, "120.00", "post");
	b = new_invoice(&s, acc, "80.50", "post");
	d = new_invoice(&s, acc, "45.00", "post");
	e = new_invoice(&s, acc, "33.00", "post");
	f = new_invoice(&s, acc, "99.00", NULL);	/* never posted */
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/void", e);
	post(&s, path, NULL, &r, 303, "reason", "Billed twice", NULL);

	/* Billing lists posted invoices with status; the unposted one is absent */
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "Void"));
	ck_assert(itest_body_has(&r, "$245.50"));	/* balance due: 120 + 80.50 + 45 */
	get(&c, "/portal/billing?status=void", &r, 200);
	ck_assert(!itest_body_has(&r, "pt-st-open"));
	{
		int64_t ids[] = { f, 0 };
		pay_page(&c, &r, 404, ids);
	}

	/* the amount is the server's: exactly the open amounts */
	{
		int64_t ids[] = { a, b, 0 };
		pay_page(&c, &r, 200, ids);
	}
	ck_assert(itest_body_has(&r, "$200.50"));
	{
		char total[32];
		input_value(buf_cstr(&r.body), "total", total, sizeof(total));
		ck_assert_str_eq(total, "20050");
	}
	/* a total that does not match what is due now is refused, nothing made */
	before = PAYMENTS_OF(acc);
	{
		char invoices[80], key[80];
		input_value(buf_cstr(&r.body), "invoices", invoices, sizeof(invoices));
		input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
		post(&c, "/portal/pay", NULL, &r, 409, "invoices", invoices, "total",
		    "100", "attempt_key", key, "pay_with", "card", NULL);
	}
	ck_assert_int_eq(PAYMENTS_OF(acc), before);
	pay_submit(&c, &r, 200, "card", "save_card", "1", "authorize", "1",
	    "signer_name", "Pat Payer");
	ck_assert(itest_body_has(&r, "data-client-secret"));
	/* the Element page's CSP admits the sandbox's origin and nothing else */
	{
		const char *csp = itest_header(&r, "Content-Security-Policy");
		char sj[300];
		str_fmt(sj, sizeof(sj), "script-src 'self' %s;", env.sandbox);
		ck_assert_msg(csp && strstr(csp, sj) && !strstr(csp, "unsafe-inline"),
		    "CSP: %s", csp ? csp : "none");
	}
	pid = element_pay(&c, &r, "pm_card_visa");
	ck_assert(itest_body_has(&r, "Payment received"));
	str_fmt(want, sizeof(want), "P-%" PRId64, pid);
	ck_assert(itest_body_has(&r, want));
	ck_assert(itest_body_has(&r, "pi_"));
	ck_assert_int_eq(sql_i64("SELECT amount FROM payments WHERE id = ?", pid), 20050);
	ck_assert_int_eq(OPEN_OF(a), 0);
	ck_assert_int_eq(OPEN_OF(b), 0);
	ck_assert_int_eq(sql_i64("SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE payment_id = ?", pid), 20050);
	/* the confirmation email carries the transaction id */
	m = mail_wait(email, want, 1);
	ck_assert(strstr(m, "Payment receipt") != NULL);
	ck_assert(strstr(m, "$200.50") != NULL);
	free(m);
	/* the card was saved with the signed authorization */
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM consents WHERE account_id = ?"
	    " AND signer_name = 'Pat Payer' AND revoked_at IS NULL", acc), 1);

	/* mixed statuses are refused: paid + open, void + open */
	before = PAYMENTS_OF(acc);
	{
		int64_t ids[] = { d, a, 0 };
		pay_page(&c, &r, 422, ids);
		ck_assert(itest_body_has(&r, "already paid"));
	}
	{
		int64_t ids[] = { e, d, 0 };
		pay_page(&c, &r, 422, ids);
		ck_assert(itest_body_has(&r, "is void"));
	}
	ck_assert_int_eq(PAYMENTS_OF(acc), before);

	/* the saved card pays the last one (authorized when it was saved) */
	{
		int64_t ids[] = { d, 0 };
		char mid[24];
		pay_page(&c, &r, 200, ids);
		str_fmt(mid, sizeof(mid), "m%" PRId64, sql_i64("SELECT MAX(id) FROM"
		    " payment_methods WHERE account_id = ?", acc));
		pay_submit(&c, &r, 303, mid, NULL, NULL, NULL, NULL, NULL, NULL);
	}
	pid = location_id(&r, "/portal/payments/");
	ck_assert_int_eq(sql_i64("SELECT amount FROM payments WHERE id = ? AND"
	    " status = 'succeeded'", pid), 4500);
	ck_assert_int_eq(OPEN_OF(d), 0);
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "$0.00"));
	itest_resp_free(&r);
	who_free(&c);
	who_free(&s);
}
END_TEST

/* POST form to the sandbox's control path; asserts 200. */
static void
sandbox_post(const char *path, const char *key, const char *value)
{
	struct itest_client *sb = itest_client_new(env.sandbox);
	struct itest_kv kv[] = { { key, value } };
	struct itest_resp r;

	ck_assert(sb != NULL);
	itest_resp_init(&r);
	itest_post_form(sb, path, kv, key != NULL ? 1 : 0, &r);
	ck_assert_msg(r.status == 200, "sandbox POST %s: %ld %s", path, r.status,
	    buf_cstr(&r.body));
	itest_resp_free(&r);
	itest_client_free(sb);
}

/* One ACH payment of a fresh invoice with the test bank account pm. The
 * sandbox holds ACH in processing until the test settles it, so the pending
 * state is checked every time, not only when the bank happens to be slow. */
static void
ach_case(const char *pm, int succeeds)
{
	struct who s, c;
	struct itest_resp r;
	char email[120], want[40], *m;
	int64_t acc, inv, pid;

	sandbox_post("/_sandbox/config", "ach_delay_ms", "3600000");
	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "ach");
	inv = new_invoice(&s, acc, "64.00", "post");
	{
		int64_t ids[] = { inv, 0 };
		pay_page(&c, &r, 200, ids);
	}
	pay_submit(&c, &r, 200, "ach", NULL, NULL, NULL, NULL, NULL, NULL);
	pid = element_pay(&c, &r, pm);
	ck_assert(itest_body_has(&r, "Bank payment submitted"));
	str_fmt(want, sizeof(want), "P-%" PRId64, pid);
	/* pending: shown, selectable no more, confirmation email */
	get(&c, "/portal/billing", &r, 200);
	ck_assert_int_eq(sql_i64("SELECT status = 'pending' FROM payments WHERE id = ?",
	    pid), 1);
	ck_assert(itest_body_has(&r, "Pending ACH"));
	{
		int64_t ids[] = { inv, 0 };
		pay_page(&c, &r, 422, ids);
		ck_assert(itest_body_has(&r, "bank payment (ACH) in progress"));
	}
	m = mail_wait(email, "(pending)", 1);
	ck_assert(strstr(m, want) != NULL);
	free(m);
	ck_assert_int_eq(OPEN_OF(inv), 6400);	/* pending is not paid */
	/* the bank's answer: settled now, delivered by webhook */
	sandbox_post("/_sandbox/ach/settle", NULL, NULL);
	sandbox_post("/_sandbox/config", "ach_delay_ms", "3000");
	m = mail_wait(email, succeeds ? "bank payment of $64.00 succeeded" :
	    "bank payment of $64.00 failed", 1);
	ck_assert(strstr(m, want) != NULL);
	if (!succeeds) {
		/* the client's words: not the staff's advice, no invoice
		 * "applied", no "contact us" above a "do not reply" */
		ck_assert_msg(strstr(m, "Your bank could not debit this account")
		    != NULL, "no client reason in the email:\n%s", m);
		ck_assert_msg(strstr(m, "Ask the client") == NULL &&
		    strstr(m, "Applied to") == NULL && strstr(m, "contact us") ==
		    NULL, "staff wording in the client's email:\n%s", m);
		ck_assert(strstr(m, "still to pay") != NULL);
	}
	free(m);
	ck_assert_int_eq(OPEN_OF(inv), succeeds ? 0 : 6400);
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, succeeds ? "pt-st-paid" : "pt-st-open"));
	{
		char path[80];
		str_fmt(path, sizeof(path), "/portal/payments/%" PRId64, pid);
		get(&c, path, &r, 200);
	}
	if (succeeds) {
		ck_assert(itest_body_has(&r, "Print receipt"));
		ck_assert(itest_body_has(&r, "Applied to"));
	} else {
		ck_assert(itest_body_has(&r, "Payment not completed"));
		ck_assert(itest_body_has(&r, "Your bank could not debit this account"));
		ck_assert(!itest_body_has(&r, "Ask the client"));
		ck_assert(!itest_body_has(&r, "Print receipt"));
		ck_assert(!itest_body_has(&r, "Applied to"));
	}
	itest_resp_free(&r);
	who_free(&c);
	who_free(&s);
}

START_TEST(test_ach_success)
{
	ach_case("pm_usBankAccount_success", 1);
}
END_TEST

START_TEST(test_ach_failure)
{
	ach_case("pm_usBankAccount_accountClosed", 0);
}
END_TEST

/* The pay link of the count-th invoice email to `to`. */
static void
pay_link(const char *to, const char *number, char *path, size_t pathsz)
{
	char *m = mail_wait(to, number, 1);

	ck_assert(strstr(m, "/portal/login") != NULL);
	mail_link(m, "/pay/", path, pathsz);
	free(m);
}

static const char *
number_of(int64_t inv, char *out, size_t outsz)
{
	struct db_param p[] = { DB_I64(inv) };
	struct db_result r;

	ck_assert(db_query(dbh(), "SELECT number FROM invoices WHERE id = ?", p, 1,
	    &r) == DB_OK && r.nrows == 1);
	str_copy(out, outsz, db_str(&r, 0, 0));
	db_result_free(&r);
	return out;
}

/* The <h1> of a page (to compare "not valid" pages). */
static void
h1_of(const struct itest_resp *r, char *out, size_t outsz)
{
	const char *p = strstr(buf_cstr(&r->body), "<h1>"), *q;

	ck_assert(p != NULL);
	p += 4;
	q = strstr(p, "</h1>");
	ck_assert(q != NULL && (size_t)(q - p) < outsz);
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
}

START_TEST(test_paylink)
{
	struct who s, v;
	struct itest_resp r;
	char email[120], link[200], vlink[200], elink[200], rlink[200], num[40],
	    other[40], h_unknown[200], h[200], want[40], path[120], key[80];
	int64_t acc, inv, vinv, einv, rinv, oinv, pid;

	staff_login(&s);
	itest_resp_init(&r);
	sql_exec("DELETE FROM pay_link_hits WHERE id > ? AND id > ?", 0, 0);
	acc = new_account(&s, email, sizeof(email), "link");
	oinv = new_invoice(&s, acc, "12.00", "post");	/* another invoice */
	inv = new_invoice(&s, acc, "150.00", "both");
	pay_link(email, number_of(inv, num, sizeof(num)), link, sizeof(link));
	number_of(oinv, other, sizeof(other));

	/* valid: the invoice and the payment form, nothing else of the account */
	who_new(&v, "visitor");
	get(&v, link, &r, 200);
	ck_assert(itest_body_has(&r, num));
	ck_assert(itest_body_has(&r, "$150.00"));
	ck_assert(itest_body_has(&r, "Continue to payment"));
	ck_assert(!itest_body_has(&r, other));
	ck_assert(!itest_body_has(&r, "bportal"));
	input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
	post(&v, link, NULL, &r, 200, "method", "card", "attempt_key", key, NULL);
	pid = element_pay(&v, &r, "pm_card_visa");
	ck_assert(itest_body_has(&r, "Payment received"));
	str_fmt(want, sizeof(want), "P-%" PRId64, pid);
	ck_assert(itest_body_has(&r, want));
	ck_assert_int_eq(OPEN_OF(inv), 0);
	free(mail_wait(email, want, 1));	/* receipt */
	/* paid: says so, with the receipt, and offers no payment */
	get(&v, link, &r, 200);
	ck_assert(itest_body_has(&r, "This invoice is paid"));
	ck_assert(itest_body_has(&r, want));
	ck_assert(!itest_body_has(&r, "Continue to payment"));
	post(&v, link, NULL, &r, 409, "method", "card", "attempt_key",
	    "aaaaaaaaaaaaaaaaaaaaaaaa", NULL);
	/* the invoice PDF */
	str_fmt(path, sizeof(path), "%s/pdf", link);
	get(&v, path, &r, 200);
	ck_assert(str_starts(buf_cstr(&r.body), "%PDF"));

	/* void */
	vinv = new_invoice(&s, acc, "20.00", "both");
	pay_link(email, number_of(vinv, num, sizeof(num)), vlink, sizeof(vlink));
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/void", vinv);
	post(&s, path, NULL, &r, 303, "reason", "Sent by mistake", NULL);
	get(&v, vlink, &r, 200);
	ck_assert(itest_body_has(&r, "This invoice is void"));
	ck_assert(!itest_body_has(&r, "Continue to payment"));

	/* unknown / forged / expired / revoked: one page, never a 500 */
	get(&v, "/pay/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r, 404);
	h1_of(&r, h_unknown, sizeof(h_unknown));
	ck_assert_str_eq(h_unknown, "This payment link is not valid");
	str_fmt(path, sizeof(path), "%.*sA", (int)strlen(link) - 1, link);
	if (strcmp(path, link) == 0)
		path[strlen(path) - 1] = 'B';
	get(&v, path, &r, 404);			/* forged: one character changed */
	h1_of(&r, h, sizeof(h));
	ck_assert_str_eq(h, h_unknown);
	get(&v, "/pay/%27%3Cx%3E", &r, 404);	/* not even token-shaped */
	einv = new_invoice(&s, acc, "30.00", "both");
	pay_link(email, number_of(einv, num, sizeof(num)), elink, sizeof(elink));
	get(&v, elink, &r, 200);
	sql_exec("UPDATE pay_links SET expires_at = ? WHERE invoice_id = ?",
	    clock_now() - 1, einv);
	get(&v, elink, &r, 404);
	h1_of(&r, h, sizeof(h));
	ck_assert_str_eq(h, h_unknown);
	rinv = new_invoice(&s, acc, "40.00", "both");
	pay_link(email, number_of(rinv, num, sizeof(num)), rlink, sizeof(rlink));
	get(&v, rlink, &r, 200);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", rinv);
	get(&s, path, &r, 200);
	ck_assert(itest_body_has(&r, "Revoke pay link"));
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/paylink/revoke", rinv);
	post(&s, path, NULL, &r, 303, NULL);
	get(&v, rlink, &r, 404);
	h1_of(&r, h, sizeof(h));
	ck_assert_str_eq(h, h_unknown);
	/* a revoked link cannot pay either */
	str_fmt(path, sizeof(path), "%s/return?payment=%" PRId64, rlink, pid);
	get(&v, path, &r, 404);
	/* a payment of another link is not shown through this one */
	einv = new_invoice(&s, acc, "31.00", "both");
	pay_link(email, number_of(einv, num, sizeof(num)), elink, sizeof(elink));
	str_fmt(path, sizeof(path), "%s/payments/%" PRId64, elink, pid);
	get(&v, path, &r, 404);
	itest_resp_free(&r);
	who_free(&v);
	who_free(&s);
}
END_TEST

/* A pay-link bank payment the bank refuses: the page the payer comes back
 * to speaks to them (their reason, the invoice still to pay), offers no
 * receipt, and the email says the same without "contact us". */
START_TEST(test_paylink_ach_failure)
{
	struct who s, v;
	struct itest_resp r;
	char email[120], link[200], num[40], key[80], path[300], want[40], *m;
	int64_t acc, inv, pid;

	staff_login(&s);
	itest_resp_init(&r);
	acc = new_account(&s, email, sizeof(email), "linkach");
	inv = new_invoice(&s, acc, "75.00", "both");
	pay_link(email, number_of(inv, num, sizeof(num)), link, sizeof(link));
	who_new(&v, "visitor");
	get(&v, link, &r, 200);
	input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
	post(&v, link, NULL, &r, 200, "method", "ach", "attempt_key", key, NULL);
	pid = element_pay(&v, &r, "pm_usBankAccount_accountClosed");
	ck_assert(itest_body_has(&r, "Bank payment submitted"));
	ck_assert(!itest_body_has(&r, "Applied to"));
	str_fmt(want, sizeof(want), "P-%" PRId64, pid);
	m = mail_wait(email, "bank payment of $75.00 failed", 1);
	ck_assert(strstr(m, want) != NULL);
	ck_assert_msg(strstr(m, "Your bank could not debit this account") != NULL &&
	    strstr(m, "Ask the client") == NULL && strstr(m, "Applied to") == NULL &&
	    strstr(m, "contact us") == NULL, "not the payer's words:\n%s", m);
	free(m);
	str_fmt(path, sizeof(path), "%s/payments/%" PRId64, link, pid);
	get(&v, path, &r, 200);
	ck_assert(itest_body_has(&r, "Payment not completed"));
	ck_assert(itest_body_has(&r, "Your bank could not debit this account"));
	ck_assert(!itest_body_has(&r, "Ask the client"));
	ck_assert(!itest_body_has(&r, "Applied to"));
	ck_assert(!itest_body_has(&r, "Print receipt"));
	ck_assert_int_eq(OPEN_OF(inv), 7500);
	itest_resp_free(&r);
	who_free(&v);
	who_free(&s);
}
END_TEST

/* Every portal route with another account's ids: 404, nothing changes. */
/* Spanish: the client switches the portal to Spanish (saved on the
 * account), so the portal and the pay link of the account's invoice come
 * out in Spanish, dates the Spanish way, money in US dollars; ?lang=en
 * on the pay link is the visitor's own choice and changes no account. */
START_TEST(test_spanish)
{
	struct who s, c, v;
	struct itest_resp r;
	char email[120], link[200], num[40], en_link[220];
	int64_t acc, inv;

	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "es");
	inv = new_invoice(&s, acc, "1234.56", "both");
	pay_link(email, number_of(inv, num, sizeof(num)), link, sizeof(link));
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "<html lang=\"en\">"));
	ck_assert(itest_body_has(&r, "Balance due"));
	post(&c, "/portal/language", NULL, &r, 303, "lang", "es", "next",
	    "/portal/billing", NULL);
	ck_assert_str_eq(location(&r), "/portal/billing");
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "<html lang=\"es\">"));
	ck_assert(itest_body_has(&r, "Saldo a pagar"));
	ck_assert(itest_body_has(&r, "Pagar las facturas seleccionadas"));
	ck_assert(itest_body_has(&r, "$1,234.56"));
	ck_assert(itest_body_has(&r, " de 20"));	/* "4 de diciembre de 2026" */
	ck_assert(!itest_body_has(&r, "Balance due"));
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM accounts WHERE id = ?"
	    " AND language = 'es'", acc), 1);
	/* a language we do not have: 400, the account keeps Spanish */
	post(&c, "/portal/language", NULL, &r, 400, "lang", "fr", NULL);
	/* the pay link follows the account */
	who_new(&v, "visitor");
	get(&v, link, &r, 200);
	ck_assert(itest_body_has(&r, "Continuar al pago"));
	ck_assert(itest_body_has(&r, "Factura"));
	ck_assert(itest_body_has(&r, "$1,234.56"));
	ck_assert(!itest_body_has(&r, "Continue to payment"));
	/* the visitor picks English: a cookie, not the account */
	str_fmt(en_link, sizeof(en_link), "%s?lang=en", link);
	get(&v, en_link, &r, 200);
	ck_assert(itest_body_has(&r, "Continue to payment"));
	get(&v, link, &r, 200);
	ck_assert(itest_body_has(&r, "Continue to payment"));
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM accounts WHERE id = ?"
	    " AND language = 'es'", acc), 1);
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "Saldo a pagar"));
	who_free(&v);
	who_free(&c);
	who_free(&s);
	itest_resp_free(&r);
}
END_TEST

/* The text of a PDF response (pdftotext), malloc'd. */
static char *
pdf_text_of(const struct itest_resp *r)
{
	char dir[] = "/tmp/itest-pdf.XXXXXX", path[80], cmd[200];
	struct buf t;
	char chunk[4096];
	size_t n;
	FILE *f;

	ck_assert(str_starts(buf_cstr(&r->body), "%PDF"));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	str_fmt(path, sizeof(path), "%s/doc.pdf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(r->body.data, 1, r->body.len, f), r->body.len);
	fclose(f);
	str_fmt(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	buf_init(&t, 4u * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&t, chunk, n);
	ck_assert_int_eq(pclose(f), 0);
	unlink(path);
	rmdir(dir);
	return buf_detach(&t);
}

/* The Subject: line of mail m (decoded as mail_find() does). */
static void
subject_of(const char *m, char *out, size_t outsz)
{
	const char *p = strstr(m, "\nSubject: ");

	ck_assert_ptr_nonnull(p);
	p += strlen("\nSubject: ");
	str_fmt(out, outsz, "%.*s", (int)strcspn(p, "\r\n"), p);
}

/* An account staff set to Spanish: its activation, invoice and receipt
 * emails (subject and body), the pay link's pages and PDF, the portal's
 * pay, checkout and payment pages and its PDFs are in Spanish. */
START_TEST(test_spanish_everywhere)
{
	struct who s, c, v;
	struct itest_resp r;
	char email[120], u[40], name[80], link[200], num[40], key[80],
	    path[200], subj[300], *m, *txt;
	int64_t acc, inv, inv2;

	staff_login(&s);
	itest_resp_init(&r);
	itest_unique(u, sizeof(u), "esall");
	str_fmt(email, sizeof(email), "%s@example.com", u);
	str_fmt(name, sizeof(name), "Cliente %s", u);
	post(&s, "/accounts/new", NULL, &r, 303, "name", name, "email", email,
	    "language", "es", NULL);
	acc = location_id(&r, "/accounts/");
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM accounts WHERE id = ?"
	    " AND language = 'es'", acc), 1);
	/* activation email */
	send_activation(&s, acc);
	m = mail_wait(email, "/portal/activate/", 1);
	subject_of(m, subj, sizeof(subj));
	ck_assert_msg(strstr(subj, "Active su cuenta") != NULL, "%s", subj);
	ck_assert(strstr(m, "Hola, Cliente") != NULL);
	ck_assert(strstr(m, "72 horas") != NULL);
	ck_assert(strstr(m, "lang=\"es\"") != NULL);
	ck_assert(strstr(m, "Hello") == NULL && strstr(m, "hours") == NULL);
	free(m);
	activate(&c, email, 1);
	get(&c, "/portal/billing", &r, 200);
	ck_assert(itest_body_has(&r, "Saldo a pagar"));
	/* invoice email with its pay link */
	inv = new_invoice(&s, acc, "80.00", "both");
	number_of(inv, num, sizeof(num));
	m = mail_wait(email, num, 1);
	subject_of(m, subj, sizeof(subj));
	ck_assert_msg(str_starts(subj, "Factura ") && strstr(subj, num),
	    "%s", subj);
	ck_assert(strstr(m, "Pagar ahora") != NULL);
	ck_assert(strstr(m, "Importe a pagar") != NULL);
	ck_assert(strstr(m, "$80.00") != NULL);
	ck_assert(strstr(m, "Pay now") == NULL && strstr(m, "Amount due") == NULL);
	free(m);
	pay_link(email, num, link, sizeof(link));
	/* the pay link: page, checkout, payment page, PDF */
	who_new(&v, "visitor");
	get(&v, link, &r, 200);
	ck_assert(itest_body_has(&r, "Pagar esta factura"));
	ck_assert(!itest_body_has(&r, "Pay this invoice"));
	input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
	post(&v, link, NULL, &r, 200, "method", "card", "attempt_key", key, NULL);
	ck_assert(itest_body_has(&r, "Datos de la tarjeta"));
	ck_assert(itest_body_has(&r, "data-locale=\"es\""));
	ck_assert(itest_body_has(&r, "Pagar $80.00"));
	ck_assert(!itest_body_has(&r, "Card details"));
	element_pay(&v, &r, "pm_card_visa");
	ck_assert(itest_body_has(&r, "Pago recibido"));
	ck_assert(itest_body_has(&r, "Imprimir recibo"));
	ck_assert(!itest_body_has(&r, "Payment received"));
	/* the receipt email */
	m = mail_wait(email, "Recibo de pago", 1);
	subject_of(m, subj, sizeof(subj));
	ck_assert_msg(str_starts(subj, "Recibo de pago de "), "%s", subj);
	ck_assert(strstr(subj, "$80.00") != NULL);
	ck_assert(strstr(m, "Gracias por su pago") != NULL);
	ck_assert(strstr(m, "N.º de transacción") != NULL);
	ck_assert(strstr(m, "Aplicado a:") != NULL);
	ck_assert(strstr(m, "Tarjeta") != NULL);
	ck_assert(strstr(m, "Thank you") == NULL && strstr(m, "Applied to") == NULL);
	free(m);
	str_fmt(path, sizeof(path), "%s/pdf", link);
	get(&v, path, &r, 200);
	txt = pdf_text_of(&r);
	ck_assert_msg(strstr(txt, "FACTURAR A") != NULL && strstr(txt,
	    "Importe a pagar") != NULL && strstr(txt, "Amount due") == NULL,
	    "%s", txt);
	free(txt);
	/* the portal: pay, checkout, payment pages and the invoice PDF */
	inv2 = new_invoice(&s, acc, "45.50", "post");
	{
		int64_t ids[] = { inv2, 0 };
		pay_page(&c, &r, 200, ids);
	}
	ck_assert(itest_body_has(&r, "¿Cómo desea pagar?"));
	ck_assert(itest_body_has(&r, "Pagar 1 factura"));
	ck_assert(!itest_body_has(&r, "How do you want to pay?"));
	pay_submit(&c, &r, 200, "card", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert(itest_body_has(&r, "Pagar con tarjeta"));
	ck_assert(itest_body_has(&r, "Referencia de pago P-"));
	element_pay(&c, &r, "pm_card_visa");
	ck_assert(itest_body_has(&r, "Pago recibido"));
	ck_assert(itest_body_has(&r, "Volver a Facturación"));
	ck_assert(itest_body_has(&r, "<dd>Tarjeta</dd>"));
	get(&c, "/portal/payments", &r, 200);
	ck_assert(itest_body_has(&r, "Su historial de pagos y recibos."));
	ck_assert(itest_body_has(&r, "Pagado"));
	str_fmt(path, sizeof(path), "/portal/invoices/%" PRId64 "/pdf", inv2);
	get(&c, path, &r, 200);
	txt = pdf_text_of(&r);
	ck_assert_msg(strstr(txt, "Factura") != NULL && strstr(txt,
	    "Página 1 de 1") != NULL && strstr(txt, "Page 1") == NULL, "%s", txt);
	free(txt);
	/* staff's copy of the same invoice stays English */
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/pdf", inv2);
	get(&s, path, &r, 200);
	txt = pdf_text_of(&r);
	ck_assert_msg(strstr(txt, "Page 1 of 1") != NULL, "%s", txt);
	free(txt);
	who_free(&v);
	who_free(&c);
	who_free(&s);
	itest_resp_free(&r);
}
END_TEST

START_TEST(test_cross_account)
{
	struct who s, x, y;
	struct itest_resp r;
	char ex[120], ey[120], path[200], seti[80], csrf[256];
	int64_t ax, ay, iy, py, my, sy;
	int64_t methods_before, payments_before;

	staff_login(&s);
	itest_resp_init(&r);
	ax = client_with_portal(&s, &x, ex, sizeof(ex), "cx");
	ay = client_with_portal(&s, &y, ey, sizeof(ey), "cy");
	(void)ax;
	/* Y: an invoice, a payment that saved a card, a statement */
	iy = new_invoice(&s, ay, "70.00", "post");
	new_invoice(&s, ay, "10.00", "post");
	{
		int64_t ids[] = { iy, 0 };
		pay_page(&y, &r, 200, ids);
	}
	pay_submit(&y, &r, 200, "card", "save_card", "1", "authorize", "1",
	    "signer_name", "Yves Y");
	py = element_pay(&y, &r, "pm_card_visa");
	my = sql_i64("SELECT MAX(id) FROM payment_methods WHERE account_id = ?", ay);
	ck_assert(my > 0);
	{
		char from[11], to[11];
		day(from, -30);
		day(to, 0);
		str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements", ay);
		post(&s, path, NULL, &r, 303, "from", from, "to", to, NULL);
	}
	sy = sql_i64("SELECT MAX(id) FROM statements WHERE account_id = ?", ay);
	ck_assert(sy > 0);
	/* Y's own statement PDF works (the route is real) */
	str_fmt(path, sizeof(path), "/portal/statements/%" PRId64 "/pdf", sy);
	get(&y, path, &r, 200);
	/* a SetupIntent of Y */
	get(&y, "/portal/methods", &r, 200);
	{
		char key[80];
		input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
		post(&y, "/portal/methods", NULL, &r, 200, "kind", "card",
		    "authorize", "1", "signer_name", "Yves Y", "attempt_key", key, NULL);
		attr_value(buf_cstr(&r.body), "data-return-url", path, sizeof(path));
		str_copy(seti, sizeof(seti), strstr(path, "setup_intent=") + 13);
	}

	/* X walks every route with Y's ids */
	{
		const char *gets[] = { "/portal/invoices/%" PRId64,
		    "/portal/invoices/%" PRId64 "/pdf", "/portal/payments/%" PRId64,
		    "/portal/statements/%" PRId64 "/pdf", "/portal/pay?invoice=%" PRId64,
		    "/portal/pay/return?payment=%" PRId64 };
		int64_t ids[] = { iy, iy, py, sy, iy, py };
		for (size_t i = 0; i < ARRAY_LEN(gets); i++) {
			str_fmt(path, sizeof(path), gets[i], ids[i]);
			get(&x, path, &r, 404);
			ck_assert(!itest_body_has(&r, ey));
		}
	}
	str_fmt(path, sizeof(path), "/portal/methods/return?setup_intent=%s", seti);
	get(&x, path, &r, 404);
	get(&x, "/portal/billing", &r, 200);
	str_copy(csrf, sizeof(csrf), x.csrf);
	methods_before = sql_i64("SELECT COUNT(*) FROM payment_methods WHERE"
	    " account_id = ? AND status = 'active'", ay);
	str_fmt(path, sizeof(path), "/portal/methods/%" PRId64 "/remove", my);
	post(&x, path, csrf, &r, 404, NULL);
	str_fmt(path, sizeof(path), "/portal/methods/%" PRId64 "/default", my);
	post(&x, path, csrf, &r, 404, NULL);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM payment_methods WHERE"
	    " account_id = ? AND status = 'active'", ay), methods_before);
	payments_before = PAYMENTS_OF(ay);
	{
		char ids[40];
		int64_t second = sql_i64("SELECT MAX(id) FROM invoices WHERE account_id = ?", ay);
		str_fmt(ids, sizeof(ids), "%" PRId64, second);
		post(&x, "/portal/pay", csrf, &r, 404, "invoices", ids, "total", "1000",
		    "attempt_key", "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "pay_with", "card", NULL);
	}
	ck_assert_int_eq(PAYMENTS_OF(ay), payments_before);
	/* unknown ids are 404 too */
	get(&x, "/portal/invoices/999999999", &r, 404);
	get(&x, "/portal/payments/999999999", &r, 404);
	get(&x, "/portal/invoices/abc", &r, 404);
	itest_resp_free(&r);
	who_free(&x);
	who_free(&y);
	who_free(&s);
}
END_TEST

/* Portal forms without the portal CSRF token (or with another one): 403,
 * nothing done. */
START_TEST(test_csrf)
{
	struct who s, c, d;
	struct itest_resp r;
	char email[120], email2[120], path[120], good[256], key[80], invoices[40],
	    total[24];
	int64_t acc, inv, mid, before;

	staff_login(&s);
	itest_resp_init(&r);
	acc = client_with_portal(&s, &c, email, sizeof(email), "csrf");
	client_with_portal(&s, &d, email2, sizeof(email2), "csrf2");
	inv = new_invoice(&s, acc, "55.00", "post");
	{
		int64_t ids[] = { inv, 0 };
		pay_page(&c, &r, 200, ids);
	}
	str_copy(good, sizeof(good), c.csrf);
	input_value(buf_cstr(&r.body), "invoices", invoices, sizeof(invoices));
	input_value(buf_cstr(&r.body), "total", total, sizeof(total));
	input_value(buf_cstr(&r.body), "attempt_key", key, sizeof(key));
	before = PAYMENTS_OF(acc);
	/* missing, wrong, another client's, the staff one */
	post(&c, "/portal/pay", "", &r, 403, "invoices", invoices, "total", total,
	    "attempt_key", key, "pay_with", "card", NULL);
	post(&c, "/portal/pay", "0123456789abcdef", &r, 403, "invoices", invoices,
	    "total", total, "attempt_key", key, "pay_with", "card", NULL);
	post(&c, "/portal/pay", d.csrf, &r, 403, "invoices", invoices,
	    "total", total, "attempt_key", key, "pay_with", "card", NULL);
	post(&c, "/portal/pay", s.csrf, &r, 403, "invoices", invoices,
	    "total", total, "attempt_key", key, "pay_with", "card", NULL);
	ck_assert_int_eq(PAYMENTS_OF(acc), before);
	/* a saved method: remove/default without the token change nothing */
	{
		int64_t ids[] = { inv, 0 };
		pay_page(&c, &r, 200, ids);
	}
	pay_submit(&c, &r, 200, "card", "save_card", "1", "authorize", "1",
	    "signer_name", "Cee Client");
	element_pay(&c, &r, "pm_card_visa");
	mid = sql_i64("SELECT MAX(id) FROM payment_methods WHERE account_id = ?", acc);
	str_fmt(path, sizeof(path), "/portal/methods/%" PRId64 "/remove", mid);
	post(&c, path, "", &r, 403, NULL);
	post(&c, path, "bad", &r, 403, NULL);
	ck_assert_int_eq(sql_i64("SELECT status = 'active' FROM payment_methods"
	    " WHERE id = ?", mid), 1);
	post(&c, "/portal/methods", "", &r, 403, "kind", "card", "authorize", "1",
	    "signer_name", "X", "attempt_key", key, NULL);
	ck_assert_int_eq(sql_i64("SELECT COUNT(*) FROM portal_setups WHERE"
	    " account_id = ?", acc), 0);
	post(&c, "/portal/logout", "", &r, 403, NULL);
	get(&c, "/portal/billing", &r, 200);	/* still signed in */
	/* with the token: works */
	post(&c, path, good, &r, 303, NULL);
	ck_assert_int_eq(sql_i64("SELECT status = 'removed' FROM payment_methods"
	    " WHERE id = ?", mid), 1);
	get(&c, "/portal/billing", &r, 200);
	post(&c, "/portal/logout", NULL, &r, 303, NULL);
	get(&c, "/portal/billing", &r, 303);
	/* staff side: the activation button needs the staff token */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation", acc);
	post(&s, path, "", &r, 403, NULL);
	itest_resp_free(&r);
	who_free(&c);
	who_free(&d);
	who_free(&s);
}
END_TEST

/* Pay-link lookups are counted per address: enough unknown tokens and the
 * address gets 429 (runs last: it spends this address's allowance). */
START_TEST(test_paylink_rate_limit)
{
	struct who v;
	struct itest_resp r;
	char path[80];
	int got429 = 0;

	who_new(&v, "scanner");
	itest_resp_init(&r);
	sql_exec("DELETE FROM pay_link_hits WHERE id > ? AND id > ?", 0, 0);
	for (int i = 0; i < 40 && !got429; i++) {
		str_fmt(path, sizeof(path), "/pay/%043d", i);
		itest_get(v.c, path, &r);
		ck_assert_msg(r.status == 404 || r.status == 429, "HTTP %ld", r.status);
		got429 = r.status == 429;
	}
	ck_assert_msg(got429, "no 429 after 40 unknown pay links");
	ck_assert(itest_body_has(&r, "Too many attempts"));
	itest_resp_free(&r);
	who_free(&v);
}
END_TEST

static Suite *
portal_suite(void)
{
	Suite *s = suite_create("portal");
	TCase *tc = tcase_create("portal");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_activation);
	tcase_add_test(tc, test_login_throttle);
	tcase_add_test(tc, test_password_reset);
	tcase_add_test(tc, test_pay_selected);
	tcase_add_test(tc, test_ach_success);
	tcase_add_test(tc, test_ach_failure);
	tcase_add_test(tc, test_paylink);
	tcase_add_test(tc, test_paylink_ach_failure);
	tcase_add_test(tc, test_cross_account);
	tcase_add_test(tc, test_spanish);
	tcase_add_test(tc, test_spanish_everywhere);
	tcase_add_test(tc, test_csrf);
	tcase_add_test(tc, test_paylink_rate_limit);
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
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, need("ITEST_CONFIG"), err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	if (crypto_init() == -1)
		return 2;
	sr = srunner_create(portal_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	db_close(db);
	config_free(&cfg);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
