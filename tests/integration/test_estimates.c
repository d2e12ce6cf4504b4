/* Estimates through the real stack (tests/integration/run: MariaDB,
 * billingd, nginx, the SMTP catcher and billing-jobs):
 *   the lifecycle: admin sets up a payer, its contracted rate and a service;
 *   staff record coverage, create an estimate (the page shows the computed
 *   breakdown), send it to the portal (email link); the client activates
 *   the portal, opens it (viewed), signs; staff countersign (accepted),
 *   `billingctl estimate verify` agrees, the estimate converts to one draft
 *   invoice however often the button is pressed;
 *   a tampered estimate: its content changed in the database after the
 *   client signed is refused at countersigning and by `estimate verify`;
 *   another account's estimate ids answer 404 in the portal;
 *   editing a signed estimate makes a new version and voids the signature;
 *   the JSON API: calculate (no state), create, get, errors naming fields. */
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

#define TC_TIMEOUT	240
#define MAIL_WAIT_MS	20000
#define PORTAL_PW	"juniper canyon river 77"

static struct {
	const char	*base, *password, *admin, *billing, *maildir, *ctl;
	char		 key[200];
} env;

static struct config cfg;
static struct db *db;

#define EXPECT(r, want, what)						\
	ck_assert_msg((r)->status == (want), "%s: HTTP %ld, want %d; body: %.1500s", \
	    (what), (r)->status, (want), buf_cstr(&(r)->body))

/* --- a browser: cookie jar + the _csrf of the last page ------------------- */

struct who {
	struct itest_client	*c;
	char			 csrf[256];
};

static void
get(struct who *w, const char *path, struct itest_resp *r, int want)
{
	itest_get(w->c, path, r);
	EXPECT(r, want, path);
	(void)itest_csrf(buf_cstr(&r->body), w->csrf, sizeof(w->csrf));
}

/* POST with the page's _csrf and NULL-terminated name/value pairs. */
static void
post(struct who *w, const char *path, struct itest_resp *r, int want, ...)
{
	struct itest_kv kv[40];
	const char *k;
	size_t n = 0;
	va_list ap;

	kv[n++] = (struct itest_kv){ "_csrf", w->csrf };
	va_start(ap, want);
	while ((k = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < ARRAY_LEN(kv));
		kv[n].key = k;
		kv[n++].value = va_arg(ap, const char *);
	}
	va_end(ap);
	itest_post_form(w->c, path, kv, n, r);
	EXPECT(r, want, path);
}

static int64_t
location_id(const struct itest_resp *r, const char *prefix)
{
	const char *l = itest_header(r, "Location"), *p;
	int64_t id = 0;
	char num[24];
	size_t n = 0;

	ck_assert_msg(l != NULL && (p = strstr(l, prefix)) != NULL,
	    "Location %s has no %s", l ? l : "(none)", prefix);
	for (p += strlen(prefix); isdigit((unsigned char)*p) && n < sizeof(num) - 1;)
		num[n++] = *p++;
	num[n] = '\0';
	ck_assert(str_to_i64(num, 1, INT64_MAX, &id) == 0);
	return id;
}

static void
who_login(struct who *w, const char *email)
{
	struct itest_resp r;

	memset(w, 0, sizeof(*w));
	ck_assert((w->c = itest_client_new(env.base)) != NULL);
	ck_assert_int_eq(itest_login(w->c, email, env.password), 303);
	itest_resp_init(&r);
	get(w, "/", &r, 200);
	itest_resp_free(&r);
}

/* --- database and mail ---------------------------------------------------- */

static int64_t
sql_i64(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	int64_t v = 0;

	if (db == NULL)
		ck_assert((db = db_new(&cfg)) != NULL);
	ck_assert_msg(db_query_i64(db, sql, p, 1, &v) == DB_OK, "%s: %s", sql,
	    db_error(db));
	return v;
}

static void
sql_exec(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };

	if (db == NULL)
		ck_assert((db = db_new(&cfg)) != NULL);
	ck_assert_msg(db_exec(db, sql, p, 1, NULL, NULL) == DB_OK, "%s", sql);
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

/* Quoted-printable soft breaks and =XX decoded in place (whole message). */
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

/* The path of the first link base+prefix in a message to `to`, or 0. */
static int
mail_link_find(const char *to, const char *prefix, char *path, size_t pathsz)
{
	char dir[600], file[900], hdr[300], want[300];
	struct dirent *e;
	int found = 0;
	DIR *d;

	str_fmt(dir, sizeof(dir), "%s/new", env.maildir);
	str_fmt(hdr, sizeof(hdr), "Delivered-To: %s", to);
	str_fmt(want, sizeof(want), "%s%s", env.base, prefix);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char *m, *p;
		str_fmt(file, sizeof(file), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || (m = file_read(file)) == NULL)
			continue;
		qp_decode(m);
		if (strcasestr(m, hdr) != NULL && (p = strstr(m, want)) != NULL) {
			size_t n = strcspn(p + strlen(env.base), " \r\n\"<>");
			ck_assert(n < pathsz);
			memcpy(path, p + strlen(env.base), n);
			path[n] = '\0';
			found = 1;
		}
		free(m);
	}
	closedir(d);
	return found;
}

static void
mail_link(const char *to, const char *prefix, char *path, size_t pathsz)
{
	for (int waited = 0; waited < MAIL_WAIT_MS; waited += 200) {
		if (mail_link_find(to, prefix, path, pathsz))
			return;
		itest_sleep_ms(200);
	}
	ck_abort_msg("no email to %s with a %s link", to, prefix);
}

/* --- fixtures --------------------------------------------------------------- */

struct fixture {
	struct who	 admin, staff, client;
	int64_t		 account, client_id, service, payer, coverage, estimate;
	char		 email[120], code[40];
};

static void
setup_catalog(struct fixture *f)
{
	struct itest_resp r;
	char u[40], path[120], sid[24];

	itest_unique(u, sizeof(u), "est");
	who_login(&f->admin, env.admin);
	itest_resp_init(&r);
	str_fmt(f->code, sizeof(f->code), "S%.12s", u + 4);
	get(&f->admin, "/admin/services", &r, 200);
	post(&f->admin, "/admin/services", &r, 303, "code", f->code, "name",
	    "Therapy 60", "default_rate", "200.00", "active", "1", NULL);
	f->service = sql_i64("SELECT MAX(id) FROM services WHERE ? > 0", 1);
	get(&f->admin, "/admin/payers", &r, 200);
	post(&f->admin, "/admin/payers", &r, 303, "name", u, "payer_code", "P1",
	    "active", "1", NULL);
	f->payer = sql_i64("SELECT MAX(id) FROM payers WHERE ? > 0", 1);
	str_fmt(path, sizeof(path), "/admin/payers/%" PRId64 "/rates", f->payer);
	str_fmt(sid, sizeof(sid), "%" PRId64, f->service);
	get(&f->admin, path, &r, 200);
	post(&f->admin, path, &r, 303, "service_id", sid, "rate", "150.00", NULL);
	itest_resp_free(&r);
}

/* Account + client + coverage ($1,000 deductible, $900 met, 20%, $3,000
 * out-of-pocket max, $900 met) + a draft estimate of 2 x the service. */
static void
setup_estimate(struct fixture *f, const char *tag)
{
	struct itest_resp r;
	char u[40], name[80], acc[24], path[120], pid[24], sid[24];

	itest_unique(u, sizeof(u), tag);
	str_fmt(f->email, sizeof(f->email), "%s@example.com", u);
	str_fmt(name, sizeof(name), "Client %s", u);
	who_login(&f->staff, env.billing);
	itest_resp_init(&r);
	get(&f->staff, "/accounts/new", &r, 200);
	post(&f->staff, "/accounts/new", &r, 303, "name", name, "email", f->email,
	    NULL);
	f->account = location_id(&r, "/accounts/");
	str_fmt(acc, sizeof(acc), "%" PRId64, f->account);
	post(&f->staff, "/clients/new", &r, 303, "account_id", acc, "first_name",
	    "Sam", "last_name", u, "birth_date", "1988-02-03", NULL);
	f->client_id = location_id(&r, "/clients/");
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/coverage", f->client_id);
	str_fmt(pid, sizeof(pid), "%" PRId64, f->payer);
	get(&f->staff, path, &r, 200);
	post(&f->staff, path, &r, 303, "tier", "primary", "payer_id", pid,
	    "member_id", "M-1", "effective_from", "2026-01-01", "in_network", "1",
	    "deductible", "1000.00", "deductible_met", "900.00", "coinsurance_bp",
	    "2000", "copay", "30.00", "oop_max", "3000.00", "oop_met", "900.00",
	    NULL);
	f->coverage = sql_i64("SELECT MAX(id) FROM coverages WHERE client_id = ?",
	    f->client_id);
	str_fmt(pid, sizeof(pid), "%" PRId64, f->coverage);
	str_fmt(sid, sizeof(sid), "%" PRId64, f->service);
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/estimates", f->client_id);
	post(&f->staff, path, &r, 303, "coverage_id", pid, "line1_service", sid,
	    "line1_qty", "2", "line1_date", "2026-12-21", NULL);
	f->estimate = location_id(&r, "/estimates/");
	itest_resp_free(&r);
}

static void
send_and_activate(struct fixture *f)
{
	struct itest_resp r;
	char path[200];

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f->estimate);
	get(&f->staff, path, &r, 200);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/send", f->estimate);
	post(&f->staff, path, &r, 303, NULL);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation",
	    f->account);
	post(&f->staff, path, &r, 303, NULL);
	mail_link(f->email, "/portal/activate/", path, sizeof(path));
	memset(&f->client, 0, sizeof(f->client));
	ck_assert((f->client.c = itest_client_new(env.base)) != NULL);
	get(&f->client, path, &r, 200);
	post(&f->client, path, &r, 303, "password", PORTAL_PW, "password2",
	    PORTAL_PW, NULL);
	itest_resp_free(&r);
}

static void
client_signs(struct fixture *f)
{
	struct itest_resp r;
	char path[120];

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, f->estimate);
	get(&f->client, path, &r, 200);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64 "/sign", f->estimate);
	post(&f->client, path, &r, 303, "signer_name", "Sam Client", "method",
	    "typed", "agree", "1", NULL);
	itest_resp_free(&r);
}

static void
fixture_free(struct fixture *f)
{
	itest_client_free(f->admin.c);
	itest_client_free(f->staff.c);
	itest_client_free(f->client.c);
}

static int
verify(int64_t id, struct buf *out)
{
	buf_reset(out);
	return itest_sh(out, "%s estimate verify %" PRId64, env.ctl, id);
}

#define STATUS_IS(id, st) (sql_i64("SELECT COUNT(*) FROM estimates WHERE id = ? " \
	"AND status = '" st "'", (id)) == 1)

static long	api(const char *, const char *, const char *, struct itest_resp *);

/* --- cases -------------------------------------------------------------------- */

START_TEST(lifecycle_sign_countersign_convert)
{
	struct fixture f;
	struct itest_resp r;
	struct buf out;
	char path[120];
	int64_t inv;

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "life");
	itest_resp_init(&r);
	buf_init(&out, 1u << 16);
	/* 2 x $150 contracted = $300: $100 deductible left + 20% of $200 */
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	ck_assert_msg(itest_body_has(&r, "$140.00") && itest_body_has(&r, "$160.00"),
	    "breakdown not shown: %.2000s", buf_cstr(&r.body));
	/* the live breakdown of the form: computed, nothing stored */
	{
		char sid[24], cid[24];
		int64_t n = sql_i64("SELECT COUNT(*) FROM estimates WHERE client_id "
		    "= ?", f.client_id);
		str_fmt(sid, sizeof(sid), "%" PRId64, f.service);
		str_fmt(cid, sizeof(cid), "%" PRId64, f.coverage);
		str_fmt(path, sizeof(path), "/clients/%" PRId64 "/estimates/preview",
		    f.client_id);
		post(&f.staff, path, &r, 200, "coverage_id", cid, "line1_service",
		    sid, "line1_qty", "3", NULL);
		/* 3 x $150: $100 deductible + 20% of $350 */
		ck_assert_msg(itest_body_has(&r, "$170.00"), "%s", buf_cstr(&r.body));
		ck_assert(sql_i64("SELECT COUNT(*) FROM estimates WHERE client_id = ?",
		    f.client_id) == n);
		str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
		get(&f.staff, path, &r, 200);
	}
	/* settings and coverage edits are in the audit trail */
	ck_assert(sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = "
	    "'payer.rate' AND object_id = ?", f.payer) == 1);
	ck_assert(sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = "
	    "'coverage.create' AND object_type = 'client' AND object_id = ?",
	    f.client_id) == 1);
	/* one primary at a time; a secondary is fine */
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/coverage", f.client_id);
	get(&f.staff, path, &r, 200);
	{
		char pid[24];
		str_fmt(pid, sizeof(pid), "%" PRId64, f.payer);
		post(&f.staff, path, &r, 422, "tier", "primary", "payer_id", pid,
		    "effective_from", "2026-06-01", NULL);
		ck_assert(itest_body_has(&r, "already has a coverage"));
		post(&f.staff, path, &r, 303, "tier", "secondary", "payer_id", pid,
		    "effective_from", "2026-06-01", NULL);
	}
	send_and_activate(&f);
	ck_assert(STATUS_IS(f.estimate, "sent"));
	mail_link(f.email, "/portal/estimates/", path, sizeof(path));
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, f.estimate);
	get(&f.client, path, &r, 200);
	ck_assert(itest_body_has(&r, "$140.00"));
	ck_assert(STATUS_IS(f.estimate, "viewed"));
	/* without "I have read and agree": refused, nothing recorded */
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64 "/sign", f.estimate);
	post(&f.client, path, &r, 422, "signer_name", "Sam Client", "method",
	    "typed", NULL);
	ck_assert(sql_i64("SELECT COUNT(*) FROM estimate_signatures WHERE "
	    "estimate_id = ?", f.estimate) == 0);
	client_signs(&f);
	ck_assert(STATUS_IS(f.estimate, "signed"));
	ck_assert_int_eq(verify(f.estimate, &out), 0);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/countersign", f.estimate);
	post(&f.staff, path, &r, 303, "signer_name", "Test Billing", "agree", "1",
	    NULL);
	ck_assert(STATUS_IS(f.estimate, "accepted"));
	ck_assert_msg(verify(f.estimate, &out) == 0, "%s", buf_cstr(&out));
	/* one click, one draft invoice; a second click changes nothing */
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/invoice", f.estimate);
	post(&f.staff, path, &r, 303, NULL);
	inv = location_id(&r, "/invoices/");
	ck_assert(sql_i64("SELECT COUNT(*) FROM invoices WHERE id = ? AND status = "
	    "'draft'", inv) == 1);
	ck_assert(sql_i64("SELECT SUM(rate * quantity) FROM invoice_lines WHERE "
	    "invoice_id = ?", inv) == 14000);
	post(&f.staff, path, &r, 422, NULL);
	ck_assert(sql_i64("SELECT COUNT(*) FROM invoices WHERE client_id = ?",
	    f.client_id) == 1);
	/* the API shows the status and both signatures */
	str_fmt(path, sizeof(path), "/api/v1/estimates/%" PRId64, f.estimate);
	api("GET", path, NULL, &r);
	EXPECT(&r, 200, "GET estimate");
	ck_assert(itest_body_has(&r, "\"status\":\"accepted\""));
	ck_assert(itest_body_has(&r, "\"role\":\"client\"") &&
	    itest_body_has(&r, "\"role\":\"staff\""));
	buf_free(&out);
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

/* Accepted estimate -> payment plan in one click, carrying the patient
 * total ($140.00); clicking twice (the second with the same page's form)
 * makes one plan and one invoice, and lands on the same plan. */
START_TEST(accepted_estimate_converts_to_one_plan)
{
	struct fixture f;
	struct itest_resp r;
	char path[120];
	int64_t plan, plan2;

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "toplan");
	itest_resp_init(&r);
	send_and_activate(&f);
	client_signs(&f);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	/* not accepted yet: refused, nothing made */
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/plan", f.estimate);
	post(&f.staff, path, &r, 422, NULL);
	ck_assert(sql_i64("SELECT COUNT(*) FROM payment_plans WHERE client_id = ?",
	    f.client_id) == 0);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/countersign", f.estimate);
	post(&f.staff, path, &r, 303, "signer_name", "Test Billing", "agree", "1",
	    NULL);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	ck_assert(itest_body_has(&r, "Convert to payment plan"));
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/plan", f.estimate);
	post(&f.staff, path, &r, 303, NULL);
	plan = location_id(&r, "/plans/");
	post(&f.staff, path, &r, 303, NULL);
	plan2 = location_id(&r, "/plans/");
	ck_assert_int_eq(plan, plan2);
	ck_assert(sql_i64("SELECT COUNT(*) FROM payment_plans WHERE client_id = ?",
	    f.client_id) == 1);
	ck_assert(sql_i64("SELECT total FROM payment_plans WHERE id = ?", plan) ==
	    14000);
	ck_assert(sql_i64("SELECT COUNT(*) FROM invoices WHERE client_id = ? AND "
	    "status = 'issued'", f.client_id) == 1);
	ck_assert(sql_i64("SELECT COUNT(*) FROM invoices WHERE client_id = ?",
	    f.client_id) == 1);
	/* the plan page shows it; the estimate links to it and the invoice */
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan);
	get(&f.staff, path, &r, 200);
	ck_assert_msg(itest_body_has(&r, "$140.00"), "%.2000s", buf_cstr(&r.body));
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	ck_assert(!itest_body_has(&r, "Convert to payment plan"));
	ck_assert(!itest_body_has(&r, "Convert to draft invoice"));
	str_fmt(path, sizeof(path), "/plans/%" PRId64, plan);
	ck_assert(itest_body_has(&r, path));
	/* converting to an invoice afterwards makes no second invoice */
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/invoice", f.estimate);
	post(&f.staff, path, &r, 422, NULL);
	ck_assert(sql_i64("SELECT COUNT(*) FROM invoices WHERE client_id = ?",
	    f.client_id) == 1);
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

START_TEST(tampered_estimate_is_refused)
{
	struct fixture f;
	struct itest_resp r;
	struct buf out;
	char path[120];

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "tamper");
	send_and_activate(&f);
	client_signs(&f);
	itest_resp_init(&r);
	buf_init(&out, 1u << 16);
	ck_assert_int_eq(verify(f.estimate, &out), 0);
	/* someone lowers the patient's share in the database */
	sql_exec("UPDATE estimate_lines SET patient = patient - 5000, insurer = "
	    "insurer + 5000 WHERE estimate_id = ?", f.estimate);
	ck_assert_int_eq(verify(f.estimate, &out), 1);
	ck_assert_msg(strstr(buf_cstr(&out), "TAMPERED") != NULL, "%s",
	    buf_cstr(&out));
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	get(&f.staff, path, &r, 200);
	ck_assert(itest_body_has(&r, "no longer matches what was signed"));
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/countersign", f.estimate);
	post(&f.staff, path, &r, 409, "signer_name", "Test Billing", "agree", "1",
	    NULL);
	ck_assert(STATUS_IS(f.estimate, "signed"));
	ck_assert(sql_i64("SELECT COUNT(*) FROM estimate_signatures WHERE "
	    "estimate_id = ? AND role = 'staff'", f.estimate) == 0);
	buf_free(&out);
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

START_TEST(other_accounts_estimates_are_404)
{
	struct fixture a, b;
	struct itest_resp r;
	char path[120];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	setup_catalog(&a);
	b.payer = a.payer;
	b.service = a.service;
	setup_estimate(&a, "own");
	setup_estimate(&b, "other");
	send_and_activate(&a);
	itest_resp_init(&r);
	/* b's estimate is still a draft; a's client asks for it, then for a
	 * sent one of another account */
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, b.estimate);
	get(&a.client, path, &r, 404);
	send_and_activate(&b);
	get(&a.client, path, &r, 404);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, a.estimate);
	get(&a.client, path, &r, 200);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64 "/sign", b.estimate);
	post(&a.client, path, &r, 404, "signer_name", "Intruder", "method", "typed",
	    "agree", "1", NULL);
	ck_assert(STATUS_IS(b.estimate, "sent"));
	/* b's own client may decline it */
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, b.estimate);
	get(&b.client, path, &r, 200);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64 "/decline",
	    b.estimate);
	post(&b.client, path, &r, 303, NULL);
	ck_assert(STATUS_IS(b.estimate, "declined"));
	get(&a.client, "/portal/estimates", &r, 200);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64 "\"", b.estimate);
	ck_assert(!itest_body_has(&r, path));
	itest_resp_free(&r);
	fixture_free(&a);
	fixture_free(&b);
}
END_TEST

START_TEST(editing_a_signed_estimate_makes_a_new_version)
{
	struct fixture f;
	struct itest_resp r;
	char path[120], sid[24], cid[24];
	int64_t v2;

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "version");
	send_and_activate(&f);
	client_signs(&f);
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/edit", f.estimate);
	get(&f.staff, path, &r, 200);
	str_fmt(sid, sizeof(sid), "%" PRId64, f.service);
	str_fmt(cid, sizeof(cid), "%" PRId64, f.coverage);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, f.estimate);
	post(&f.staff, path, &r, 303, "coverage_id", cid, "line1_service", sid,
	    "line1_qty", "3", NULL);
	v2 = location_id(&r, "/estimates/");
	ck_assert(v2 != f.estimate);
	ck_assert(STATUS_IS(f.estimate, "superseded"));
	ck_assert(STATUS_IS(v2, "draft"));
	ck_assert(sql_i64("SELECT version FROM estimates WHERE id = ?", v2) == 2);
	ck_assert(sql_i64("SELECT COUNT(*) FROM estimate_signatures WHERE "
	    "estimate_id = ? AND voided_at IS NULL", f.estimate) == 0);
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, f.estimate);
	get(&f.client, path, &r, 404);
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

/* 1 when a message to `to` holds needle (decoded). */
static int
mail_has(const char *to, const char *needle)
{
	char dir[600], file[900], hdr[300];
	struct dirent *e;
	int found = 0;
	DIR *d;

	str_fmt(dir, sizeof(dir), "%s/new", env.maildir);
	str_fmt(hdr, sizeof(hdr), "Delivered-To: %s", to);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char *m;

		str_fmt(file, sizeof(file), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || (m = file_read(file)) == NULL)
			continue;
		qp_decode(m);
		found = strcasestr(m, hdr) != NULL && strstr(m, needle) != NULL;
		free(m);
	}
	closedir(d);
	return found;
}

/* The text of a PDF response (pdftotext), malloc'd. */
static char *
pdf_text_of(const struct itest_resp *r)
{
	char dir[] = "/tmp/itest-pdf.XXXXXX", path[80], cmd[200], chunk[4096];
	struct buf t;
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

/* An account in Spanish: its "ready to sign" email, its estimate and Good
 * Faith Estimate pages and PDFs read in Spanish (labels, state, the federal
 * notice); staff's PDF of the same estimate stays English. */
START_TEST(estimate_in_spanish)
{
	struct fixture f;
	struct itest_resp r;
	char path[120], sid[24], *txt;
	int64_t gfe;

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "esp");
	itest_resp_init(&r);
	sql_exec("UPDATE accounts SET language = 'es' WHERE id = ?", f.account);
	str_fmt(sid, sizeof(sid), "%" PRId64, f.service);
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/estimates", f.client_id);
	post(&f.staff, path, &r, 303, "line1_service", sid, "line1_qty", "2", NULL);
	gfe = location_id(&r, "/estimates/");
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/send", gfe);
	post(&f.staff, path, &r, 303, NULL);
	send_and_activate(&f);
	/* the "ready to sign" email came in Spanish (sent before activation) */
	mail_link(f.email, "/portal/estimates/", path, sizeof(path));
	ck_assert(mail_has(f.email, "Ya puede revisar y firmar el presupuesto"));
	ck_assert(!mail_has(f.email, "is ready for you to review and sign"));
	get(&f.client, "/portal/estimates", &r, 200);
	ck_assert(itest_body_has(&r, "Presupuestos"));
	ck_assert(itest_body_has(&r, "Revíselo y fírmelo"));
	ck_assert(!itest_body_has(&r, "Please review and sign"));
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, f.estimate);
	get(&f.client, path, &r, 200);
	ck_assert(itest_body_has(&r, "Se prevé que usted pague"));
	ck_assert(itest_body_has(&r, "Paga la aseguradora"));
	ck_assert(itest_body_has(&r, "Firmar este presupuesto"));
	ck_assert(itest_body_has(&r, "Dentro de la red"));
	ck_assert(!itest_body_has(&r, "You are expected to pay"));
	ck_assert(!itest_body_has(&r, "Insurer pays"));
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64, gfe);
	get(&f.client, path, &r, 200);
	ck_assert(itest_body_has(&r, "Su derecho a disputar una factura."));
	ck_assert(!itest_body_has(&r, "Your right to dispute a bill"));
	str_fmt(path, sizeof(path), "/portal/estimates/%" PRId64 "/pdf", gfe);
	get(&f.client, path, &r, 200);
	txt = pdf_text_of(&r);
	ck_assert_msg(strstr(txt, "Estimado de buena fe") != NULL &&
	    strstr(txt, "Su derecho a disputar una factura") != NULL &&
	    strstr(txt, "Sin firmar.") != NULL && strstr(txt, "Firmas") !=
	    NULL && strstr(txt, "Signatures") == NULL, "%s", txt);
	free(txt);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/pdf", gfe);
	get(&f.staff, path, &r, 200);
	txt = pdf_text_of(&r);
	ck_assert_msg(strstr(txt, "Signatures") != NULL && strstr(txt,
	    "Your right to dispute a bill") != NULL, "%s", txt);
	free(txt);
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

START_TEST(gfe_exceeded_by_400_is_flagged)
{
	struct fixture f;
	struct itest_resp r;
	char path[120], sid[24], acc[24], cli[24], d0[11], d1[11];
	int64_t gfe, inv;

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "gfe");
	itest_resp_init(&r);
	/* self-pay: 2 x $200 standard = a $400 Good Faith Estimate, sent */
	str_fmt(sid, sizeof(sid), "%" PRId64, f.service);
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/estimates", f.client_id);
	post(&f.staff, path, &r, 303, "line1_service", sid, "line1_qty", "2", NULL);
	gfe = location_id(&r, "/estimates/");
	ck_assert(sql_i64("SELECT gfe FROM estimates WHERE id = ?", gfe) == 1);
	ck_assert(sql_i64("SELECT patient_total FROM estimates WHERE id = ?", gfe) ==
	    40000);
	str_fmt(path, sizeof(path), "/estimates/%" PRId64, gfe);
	get(&f.staff, path, &r, 200);
	ck_assert(itest_body_has(&r, "Your right to dispute a bill") ||
	    itest_body_has(&r, "Good Faith Estimate"));
	str_fmt(path, sizeof(path), "/estimates/%" PRId64 "/send", gfe);
	post(&f.staff, path, &r, 303, NULL);
	/* billed $799.99: $399.99 above, not flagged; then $800.00: flagged */
	str_fmt(acc, sizeof(acc), "%" PRId64, f.account);
	str_fmt(cli, sizeof(cli), "%" PRId64, f.client_id);
	date_fmt(date_today(), d0, sizeof(d0));
	date_fmt(date_today() + 30, d1, sizeof(d1));
	for (int k = 0; k < 2; k++) {
		str_fmt(path, sizeof(path), "/accounts/%" PRId64, f.account);
		get(&f.staff, path, &r, 200);
		ck_assert(!itest_body_has(&r, "$400 or more above"));
		post(&f.staff, "/invoices/new", &r, 303, "account_id", acc,
		    "client_id", cli, "payment_type_id", "1", "invoice_date", d0,
		    "due_date", d1, "line1_description", "Therapy", "line1_quantity",
		    "1", "line1_rate", k == 0 ? "799.99" : "0.01", NULL);
		inv = location_id(&r, "/invoices/");
		str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", inv);
		post(&f.staff, path, &r, 303, "confirm", "1", NULL);
	}
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, f.account);
	get(&f.staff, path, &r, 200);
	ck_assert_msg(itest_body_has(&r, "$400 or more above"), "no flag on the "
	    "account page");
	get(&f.staff, "/", &r, 200);
	ck_assert(itest_body_has(&r, "Good Faith Estimates exceeded by $400"));
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

/* --- the JSON API ----------------------------------------------------------------- */

static long
api(const char *method, const char *path, const char *body, struct itest_resp *r)
{
	struct itest_client *c = itest_client_new(env.base);
	char h[260];
	long st;

	ck_assert(c != NULL);
	str_fmt(h, sizeof(h), "Authorization: Bearer %s", env.key);
	itest_client_add_header(c, h);
	itest_client_add_header(c, "Content-Type: application/json");
	st = itest_request(c, method, path, body, r);
	itest_client_free(c);
	return st;
}

START_TEST(api_calculate_create_get)
{
	struct fixture f;
	struct itest_resp r;
	char body[400], path[80];
	int64_t n;

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "api");
	itest_resp_init(&r);
	n = sql_i64("SELECT COUNT(*) FROM estimates WHERE ? > 0", 1);
	api("POST", "/api/v1/estimates/calculate", "{\"deductible_cents\":100000,"
	    "\"deductible_met_cents\":60000,\"coinsurance_bp\":2000,\"copay_cents\":"
	    "3000,\"oop_max_cents\":300000,\"lines\":[{\"rate_cents\":25000,"
	    "\"quantity\":2},{\"rate_cents\":12000,\"copay_applies\":true}]}", &r);
	EXPECT(&r, 200, "calculate");
	ck_assert(itest_body_has(&r, "\"patient_total_cents\":45000"));
	ck_assert(itest_body_has(&r, "\"insurer_total_cents\":17000"));
	ck_assert(sql_i64("SELECT COUNT(*) FROM estimates WHERE ? > 0", 1) == n);
	api("POST", "/api/v1/estimates/calculate", "{\"coinsurance_bp\":10001,"
	    "\"lines\":[{\"rate_cents\":1}]}", &r);
	EXPECT(&r, 422, "calculate coinsurance");
	ck_assert(itest_body_has(&r, "\"field\":\"coinsurance_bp\""));
	api("POST", "/api/v1/estimates/calculate", "{\"lines\":[{\"rate_cents\":1},"
	    "{\"quantity\":0,\"rate_cents\":1}]}", &r);
	EXPECT(&r, 422, "calculate quantity");
	ck_assert(itest_body_has(&r, "\"field\":\"lines[1].quantity\""));
	api("POST", "/api/v1/estimates/calculate", "not json", &r);
	ck_assert_msg(r.status == 400, "HTTP %ld", r.status);
	str_fmt(body, sizeof(body), "{\"client_id\":%" PRId64 ",\"coverage_id\":%"
	    PRId64 ",\"lines\":[{\"service_id\":%" PRId64 ",\"quantity\":2}]}",
	    f.client_id, f.coverage, f.service);
	api("POST", "/api/v1/estimates", body, &r);
	EXPECT(&r, 201, "create");
	ck_assert(itest_body_has(&r, "\"patient_total_cents\":14000"));
	ck_assert(itest_body_has(&r, "\"status\":\"draft\""));
	/* a date of service before the coverage starts */
	str_fmt(body, sizeof(body), "{\"client_id\":%" PRId64 ",\"coverage_id\":%"
	    PRId64 ",\"lines\":[{\"service_id\":%" PRId64 ",\"service_date\":"
	    "\"2025-06-01\"}]}", f.client_id, f.coverage, f.service);
	api("POST", "/api/v1/estimates", body, &r);
	EXPECT(&r, 422, "create outside the coverage dates");
	ck_assert(itest_body_has(&r, "\"field\":\"lines[0].service_date\""));
	str_fmt(body, sizeof(body), "{\"client_id\":%" PRId64 ",\"lines\":[{"
	    "\"service_id\":999999999}]}", f.client_id);
	api("POST", "/api/v1/estimates", body, &r);
	EXPECT(&r, 422, "create with a bad service");
	ck_assert(itest_body_has(&r, "\"field\":\"lines[0].service_id\""));
	str_fmt(path, sizeof(path), "/api/v1/estimates/%" PRId64, f.estimate);
	api("GET", path, NULL, &r);
	EXPECT(&r, 200, "get");
	ck_assert(itest_body_has(&r, "\"signatures\":[]"));
	api("GET", "/api/v1/estimates/999999999", NULL, &r);
	EXPECT(&r, 404, "get unknown");
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

/* The first pass of a new coverage's save fails with a deadlock (a trigger
 * refuses its audit row once, errno 1213, as InnoDB or Galera certification
 * would), so db_tx runs it again: the coverage is still created (not an
 * update of the rolled-back row), once, and listed. */
START_TEST(coverage_saved_after_a_deadlock_retry)
{
	struct fixture f;
	struct itest_resp r;
	char path[120], pid[24];

	memset(&f, 0, sizeof(f));
	setup_catalog(&f);
	setup_estimate(&f, "covdl");
	if (db == NULL)
		ck_assert((db = db_new(&cfg)) != NULL);
	ck_assert_msg(db_exec_script(db,
	    "DROP TRIGGER IF EXISTS itest_cov_deadlock;"
	    "DROP TABLE IF EXISTS itest_fault_once;"
	    "CREATE TABLE itest_fault_once (n INT NOT NULL) ENGINE=MEMORY;"
	    "INSERT INTO itest_fault_once VALUES (1);"
	    "CREATE TRIGGER itest_cov_deadlock BEFORE INSERT ON audit_log"
	    " FOR EACH ROW BEGIN"
	    "  IF NEW.action = 'coverage.create' AND"
	    "   (SELECT n FROM itest_fault_once) > 0 THEN"
	    "   UPDATE itest_fault_once SET n = n - 1;"
	    "   SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213,"
	    "    MESSAGE_TEXT = 'Deadlock found (forced by the test)';"
	    "  END IF;"
	    " END") == DB_OK, "%s", db_error(db));
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/coverage", f.client_id);
	str_fmt(pid, sizeof(pid), "%" PRId64, f.payer);
	get(&f.staff, path, &r, 200);
	post(&f.staff, path, &r, 303, "tier", "secondary", "payer_id", pid,
	    "member_id", "SEC-77", "effective_from", "2026-02-01", NULL);
	/* the forced deadlock happened (the first pass was rolled back) */
	ck_assert(sql_i64("SELECT n FROM itest_fault_once WHERE ? > 0", 1) == 0);
	ck_assert(db_exec_script(db, "DROP TRIGGER itest_cov_deadlock;"
	    "DROP TABLE itest_fault_once") == DB_OK);
	ck_assert_msg(sql_i64("SELECT COUNT(*) FROM coverages WHERE client_id = ?"
	    " AND tier = 'secondary'", f.client_id) == 1,
	    "the secondary coverage was lost on the retry");
	ck_assert(sql_i64("SELECT COUNT(*) FROM audit_log WHERE action ="
	    " 'coverage.create' AND object_type = 'client' AND object_id = ?",
	    f.client_id) == 2);
	get(&f.staff, path, &r, 200);
	ck_assert(itest_body_has(&r, "SEC-77"));
	itest_resp_free(&r);
	fixture_free(&f);
}
END_TEST

static Suite *
estimates_suite(void)
{
	Suite *s = suite_create("estimates");
	TCase *tc = tcase_create("estimates");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, lifecycle_sign_countersign_convert);
	tcase_add_test(tc, accepted_estimate_converts_to_one_plan);
	tcase_add_test(tc, estimate_in_spanish);
	tcase_add_test(tc, tampered_estimate_is_refused);
	tcase_add_test(tc, other_accounts_estimates_are_404);
	tcase_add_test(tc, editing_a_signed_estimate_makes_a_new_version);
	tcase_add_test(tc, gfe_exceeded_by_400_is_flagged);
	tcase_add_test(tc, api_calculate_create_get);
	tcase_add_test(tc, coverage_saved_after_a_deadlock_retry);
	suite_add_tcase(s, tc);
	return s;
}

static const char *
need(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "test_estimates: %s is not set (run tests/integration/run)\n",
		    name);
		exit(2);
	}
	return v;
}

int
main(void)
{
	SRunner *sr;
	struct buf out;
	char err[512];
	const char *k;
	int nfail;

	env.base = need("ITEST_BASE_URL");
	env.password = need("ITEST_PASSWORD");
	env.admin = need("ITEST_ADMIN_EMAIL");
	env.billing = need("ITEST_BILLING_EMAIL");
	env.maildir = need("ITEST_MAILDIR");
	env.ctl = need("ITEST_BILLINGCTL");
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, need("ITEST_CONFIG"), err, sizeof(err)) == -1 ||
	    crypto_init() == -1) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	buf_init(&out, 4096);
	if (itest_sh(&out, "%s apikey create --name itest-est --role billing",
	    env.ctl) != 0 || (k = strstr(buf_cstr(&out), "bk_")) == NULL) {
		fprintf(stderr, "apikey create failed: %s\n", buf_cstr(&out));
		return 2;
	}
	str_copy(env.key, sizeof(env.key), k);
	env.key[strcspn(env.key, " \r\n")] = '\0';
	buf_free(&out);
	sr = srunner_create(estimates_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	db_close(db);
	config_free(&cfg);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
