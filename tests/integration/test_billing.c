/* The staff billing flow over HTTP against the running stack (started by
 * tests/integration/run, which passes the ITEST_* variables): the seeds'
 * whole story through the staff pages, what front desk may and may not do,
 * refusals of bad input, and unknown ids.
 *
 * Amounts are asserted as users read them ("$1,234.56"), next to their
 * label on the page. Counts that prove "nothing was created" are read from
 * the database directly. Every test makes its own catalog, location and
 * accounts (names unique per run), so the tests do not depend on each
 * other or on what other suites left on the stack. */
#include "common.h"

#include <ctype.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "itest.h"
#include "str.h"

#define TC_TIMEOUT	180

static struct {
	const char	*base;
	const char	*password;
	const char	*admin;
	const char	*billing;
	const char	*frontdesk;
	const char	*config;
} env;

/* --- HTTP helpers -------------------------------------------------------- */

#define EXPECT_STATUS(r, want, what)					\
	ck_assert_msg((r)->status == (want),				\
	    "%s: HTTP %ld, want %d%s%s; body: %.1500s", (what),		\
	    (r)->status, (want), (r)->error[0] ? "; " : "", (r)->error,	\
	    buf_cstr(&(r)->body))

/* A signed-in staff session and its CSRF token. */
struct staff {
	struct itest_client	*c;
	char			 csrf[256];
	const char		*email;
};

static void
staff_login(struct staff *s, const char *email)
{
	struct itest_resp r;
	long st;

	memset(s, 0, sizeof(*s));
	s->email = email;
	s->c = itest_client_new(env.base);
	ck_assert_msg(s->c != NULL, "no client for %s", env.base);
	st = itest_login(s->c, email, env.password);
	ck_assert_msg(st == 303, "sign-in as %s: HTTP %ld", email, st);
	itest_resp_init(&r);
	itest_get(s->c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / after sign-in");
	ck_assert_msg(itest_csrf(buf_cstr(&r.body), s->csrf, sizeof(s->csrf)) == 0,
	    "no _csrf on / for %s", email);
	itest_resp_free(&r);
}

static void
staff_logout(struct staff *s)
{
	itest_client_free(s->c);
	s->c = NULL;
}

static void
get_page(struct staff *s, const char *path, struct itest_resp *r, int want)
{
	char what[300];

	itest_get(s->c, path, r);
	str_fmt(what, sizeof(what), "%s: GET %s", s->email, path);
	EXPECT_STATUS(r, want, what);
}

/* POSTs path with the session's _csrf and NULL-terminated name/value
 * pairs; asserts the status. */
static void
post_form(struct staff *s, const char *path, struct itest_resp *r, int want, ...)
{
	struct itest_kv kv[64];
	size_t n = 0;
	const char *k;
	char what[300];
	va_list ap;

	kv[n++] = (struct itest_kv){ "_csrf", s->csrf };
	va_start(ap, want);
	while ((k = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < ARRAY_LEN(kv));
		kv[n].key = k;
		kv[n].value = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	itest_post_form(s->c, path, kv, n, r);
	str_fmt(what, sizeof(what), "%s: POST %s", s->email, path);
	EXPECT_STATUS(r, want, what);
}

/* The id in a 303's Location ".../prefix/<id>[?...]" (asserts it is there). */
static int64_t
redirect_id(const struct itest_resp *r, const char *prefix)
{
	const char *loc = itest_header(r, "Location"), *p;
	char num[32];
	size_t n = 0;
	int64_t id = 0;

	ck_assert_msg(r->status == 303 && loc != NULL, "no redirect (HTTP %ld)", r->status);
	p = strstr(loc, prefix);
	ck_assert_msg(p != NULL, "Location %s does not lead to %s", loc, prefix);
	p += strlen(prefix);
	while (isdigit((unsigned char)p[n]) && n < sizeof(num) - 1) {
		num[n] = p[n];
		n++;
	}
	num[n] = '\0';
	ck_assert_msg(str_to_i64(num, 1, INT64_MAX, &id) == 0, "no id in %s", loc);
	return id;
}

/* Follows a 303 with a GET (asserts 200). */
static void
follow(struct staff *s, struct itest_resp *r)
{
	char path[512];
	const char *loc = itest_header(r, "Location");
	size_t blen = strlen(env.base);

	ck_assert_msg(loc != NULL, "no Location to follow");
	str_copy(path, sizeof(path), strncmp(loc, env.base, blen) == 0 ? loc + blen : loc);
	get_page(s, path, r, 200);
}

/* The page as a user reads it: tags dropped, entities decoded, white space
 * collapsed. Caller frees. */
static char *
page_text(const struct itest_resp *r)
{
	const char *h = buf_cstr(&r->body);
	struct buf b;
	int space = 0;

	buf_init(&b, ITEST_BODY_MAX);
	/* skip <head>: titles and styles are not what the page says */
	if (strstr(h, "</head>") != NULL)
		h = strstr(h, "</head>") + 7;
	while (*h) {
		if (*h == '<') {
			const char *e = strchr(h, '>');
			if (e == NULL)
				break;
			h = e + 1;
			space = 1;
			continue;
		}
		if (isspace((unsigned char)*h)) {
			space = 1;
			h++;
			continue;
		}
		if (space && b.len > 0)
			buf_putc(&b, ' ');
		space = 0;
		if (*h == '&') {
			const char *e = strchr(h, ';');
			long cp = -1;
			if (e != NULL && e - h < 10) {
				if (h[1] == '#')
					cp = h[2] == 'x' || h[2] == 'X' ? strtol(h + 3, NULL, 16) :
					    strtol(h + 2, NULL, 10);
				else if (strncmp(h, "&amp;", 5) == 0)
					cp = '&';
				else if (strncmp(h, "&lt;", 4) == 0)
					cp = '<';
				else if (strncmp(h, "&gt;", 4) == 0)
					cp = '>';
				else if (strncmp(h, "&quot;", 6) == 0)
					cp = '"';
			}
			if (cp > 0 && cp < 128) {
				buf_putc(&b, (char)cp);
				h = e + 1;
				continue;
			}
		}
		buf_putc(&b, *h++);
	}
	return buf_detach(&b);
}

static void
expect_text(const struct itest_resp *r, const char *needle, const char *what)
{
	char *t = page_text(r);

	ck_assert_msg(strstr(t, needle) != NULL, "%s: page lacks \"%s\": %.2500s", what,
	    needle, t);
	free(t);
}

static void
expect_no_text(const struct itest_resp *r, const char *needle, const char *what)
{
	char *t = page_text(r);

	ck_assert_msg(strstr(t, needle) == NULL, "%s: page shows \"%s\": %.2500s", what,
	    needle, t);
	free(t);
}

/* The first amount ("$1,234.56", "-$5.00") after label (searching from the
 * first occurrence of `after`, when given) is want. */
static void
expect_amount(const struct itest_resp *r, const char *after, const char *label,
    const char *want, const char *what)
{
	char *t = page_text(r), got[48];
	const char *p = t, *q;
	size_t n = 0;

	if (after != NULL) {
		p = strstr(t, after);
		ck_assert_msg(p != NULL, "%s: page lacks \"%s\": %.2500s", what, after, t);
	}
	q = strstr(p, label);
	ck_assert_msg(q != NULL, "%s: page lacks \"%s\"%s%s: %.2500s", what, label,
	    after ? " after " : "", after ? after : "", t);
	q += strlen(label);
	while (*q && *q != '$')
		q++;
	ck_assert_msg(*q == '$', "%s: no amount after \"%s\"", what, label);
	if (q[-1] == '-' || q[-1] == '(')
		q--;
	while (n < sizeof(got) - 1 && (*q == '-' || *q == '$' || *q == ',' || *q == '.' ||
	    isdigit((unsigned char)*q)))
		got[n++] = *q++;
	got[n] = '\0';
	if (n > 0 && got[n - 1] == '.')
		got[--n] = '\0';
	ck_assert_msg(strcmp(got, want) == 0, "%s: \"%s\" shows %s, want %s; page: %.2500s",
	    what, label, got, want, t);
	free(t);
}

/* --- database checks ("nothing was created") ------------------------------ */

static struct config cfg;
static struct db *db;

static int64_t
count_rows(const char *sql, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int64_t n;

	if (db == NULL) {
		db = db_new(&cfg);
		ck_assert(db != NULL);
	}
	ck_assert_msg(db_query(db, sql, p, 1, &r) == DB_OK, "query: %s", db_error(db));
	n = db_i64(&r, 0, 0);
	db_result_free(&r);
	return n;
}

#define INVOICES_OF(acc)	count_rows("SELECT COUNT(*) FROM invoices WHERE account_id = ?", (acc))
#define PAYMENTS_OF(acc)	count_rows("SELECT COUNT(*) FROM payments WHERE account_id = ?", (acc))
#define ENTRIES_OF(acc)		count_rows("SELECT COUNT(*) FROM ledger_entries WHERE account_id = ?", (acc))
#define ALLOCATED_TO(inv)	count_rows("SELECT COALESCE(SUM(amount), 0) FROM allocations WHERE invoice_id = ?", (inv))

/* --- fixtures through the pages ------------------------------------------ */

struct catalog {
	char	 tag[40];
	int64_t	 location;
	int64_t	 therapy;	/* $150.00 */
	int64_t	 group;		/* $85.50 */
	char	 location_name[80];
};

/* The id of the row whose text column equals value (fixture look-ups). */
static int64_t
id_where(const char *sql, const char *value)
{
	struct db_param p[] = { DB_STR(value) };
	struct db_result r;
	int64_t id;

	if (db == NULL) {
		db = db_new(&cfg);
		ck_assert(db != NULL);
	}
	ck_assert_msg(db_query(db, sql, p, 1, &r) == DB_OK, "query: %s", db_error(db));
	ck_assert_msg(r.nrows == 1, "no row for %s", value);
	id = db_i64(&r, 0, 0);
	db_result_free(&r);
	return id;
}

/* pattern with every ":id" replaced by id. */
static void
path_id(char *out, size_t outsz, const char *pattern, const char *id)
{
	struct buf b;
	const char *p = pattern, *q;

	buf_init(&b, 4096);
	while ((q = strstr(p, ":id")) != NULL) {
		buf_append(&b, p, (size_t)(q - p));
		buf_puts(&b, id);
		p = q + 3;
	}
	buf_puts(&b, p);
	str_copy(out, outsz, buf_cstr(&b));
	buf_free(&b);
}

/* Admin creates a location and the two services (unique per call). */
static void
make_catalog(struct catalog *cat)
{
	struct staff admin;
	struct itest_resp r;
	char code1[40], code2[40];

	itest_unique(cat->tag, sizeof(cat->tag), "t");
	/* codes: letters and digits are enough and are not escaped anywhere */
	for (char *p = cat->tag; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = 'x';
	cat->tag[12] = '\0';
	str_fmt(cat->location_name, sizeof(cat->location_name), "Loc %s", cat->tag);
	str_fmt(code1, sizeof(code1), "I%s", cat->tag);
	str_fmt(code2, sizeof(code2), "G%s", cat->tag);
	staff_login(&admin, env.admin);
	itest_resp_init(&r);
	post_form(&admin, "/admin/locations", &r, 303, "name", cat->location_name,
	    "address", "12 Elm Street", "active", "1", NULL);
	post_form(&admin, "/admin/services", &r, 303, "code", code1, "name",
	    "Individual therapy", "default_rate", "150.00", "active", "1", NULL);
	post_form(&admin, "/admin/services", &r, 303, "code", code2, "name",
	    "Group session", "default_rate", "85.50", "active", "1", NULL);
	itest_resp_free(&r);
	cat->therapy = id_where("SELECT id FROM services WHERE code = ?", code1);
	cat->group = id_where("SELECT id FROM services WHERE code = ?", code2);
	cat->location = id_where("SELECT id FROM locations WHERE name = ?",
	    cat->location_name);
	staff_logout(&admin);
}

static void
fmt_id(char *out, size_t outsz, int64_t id)
{
	str_fmt(out, outsz, "%" PRId64, id);
}

/* A date relative to today, "YYYY-MM-DD". */
static void
day(char out[11], int64_t offset)
{
	date_fmt(date_today() + offset, out, 11);
}

static int64_t
new_account(struct staff *s, const char *name, int64_t location)
{
	struct itest_resp r;
	char loc[24];
	int64_t id;

	fmt_id(loc, sizeof(loc), location);
	itest_resp_init(&r);
	post_form(s, "/accounts/new", &r, 303, "name", name, "phone", "555-0100",
	    "location_id", loc, NULL);
	id = redirect_id(&r, "/accounts/");
	itest_resp_free(&r);
	return id;
}

/* A one-line issued invoice of rate on account; returns its id. */
static int64_t
new_issued_invoice(struct staff *s, int64_t account, const char *rate,
    const char *date, const char *due)
{
	struct itest_resp r;
	char acc[24], path[64];
	int64_t id;

	fmt_id(acc, sizeof(acc), account);
	itest_resp_init(&r);
	post_form(s, "/invoices/new", &r, 303, "account_id", acc, "payment_type_id", "1",
	    "invoice_date", date, "due_date", due, "line1_description", "Consultation",
	    "line1_quantity", "1", "line1_rate", rate, NULL);
	id = redirect_id(&r, "/invoices/");
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", id);
	post_form(s, path, &r, 303, "confirm", "1", NULL);
	itest_resp_free(&r);
	return id;
}

/* --- the staff flow ---------------------------------------------------------- */

START_TEST(test_staff_flow)
{
	struct catalog cat;
	struct staff b;
	struct itest_resp r;
	char path[160], loc[24], svc1[24], svc2[24], acc_s[24], cli_s[24], inv_s[24];
	char d_inv[11], d_due[11], d_pay[11], d_b[11], d_bdue[11], d_pay2[11], d_from[11],
	    d_today[11], d_mid[11], last[80], num_a[40];
	int64_t inquiry, account, inv_a, inv_b, pay1, pay2, stmt, batch;

	make_catalog(&cat);
	fmt_id(loc, sizeof(loc), cat.location);
	fmt_id(svc1, sizeof(svc1), cat.therapy);
	fmt_id(svc2, sizeof(svc2), cat.group);
	day(d_inv, -60);
	day(d_due, -30);
	day(d_pay, -15);
	day(d_b, -20);
	day(d_bdue, 10);
	day(d_pay2, -5);
	day(d_from, -90);
	day(d_mid, -16);
	day(d_today, 0);
	str_fmt(last, sizeof(last), "Lopez%s", cat.tag);
	staff_login(&b, env.billing);
	itest_resp_init(&r);

	/* 1. an inquiry: its Financial tab starts at zero */
	get_page(&b, "/inquiries/new", &r, 200);
	post_form(&b, "/inquiries/new", &r, 303, "first_name", "Maya", "last_name", last,
	    "phone", "555-0101", "location_id", loc, NULL);
	inquiry = redirect_id(&r, "/inquiries/");
	follow(&b, &r);
	expect_text(&r, last, "inquiry page");
	expect_text(&r, "Financial", "inquiry page");
	expect_amount(&r, "Financial", "Balance due", "$0.00", "new inquiry");
	{
		/* the inquiry page links to its account */
		const char *p = strstr(buf_cstr(&r.body), "href=\"/accounts/");
		ck_assert_msg(p != NULL, "inquiry page does not link to its account");
		account = 0;
		for (p += strlen("href=\"/accounts/"); isdigit((unsigned char)*p); p++)
			account = account * 10 + (*p - '0');
		ck_assert(account > 0);
	}
	fmt_id(acc_s, sizeof(acc_s), account);
	fmt_id(cli_s, sizeof(cli_s), inquiry);

	/* 2. invoice from the inquiry: two services, 10% off the first line,
	 * $20.00 off the invoice: 2 x 150.00 - 30.00 + 85.50 - 20.00 = 335.50 */
	str_fmt(path, sizeof(path), "/invoices/new?client_id=%" PRId64, inquiry);
	get_page(&b, path, &r, 200);
	ck_assert_msg(itest_body_has(&r, "name=\"line1_service_id\"") &&
	    itest_body_has(&r, "name=\"line2_discount_kind\""), "invoice form fields");
	post_form(&b, "/invoices/new", &r, 303, "account_id", acc_s, "client_id", cli_s,
	    "location_id", loc, "payment_type_id", "1", "invoice_date", d_inv,
	    "due_date", d_due, "notes", "Intake and first sessions",
	    "line1_service_id", svc1, "line1_quantity", "2",
	    "line1_discount_kind", "percent", "line1_discount_value", "10",
	    "line2_service_id", svc2, "line2_description", "Group session",
	    "line2_quantity", "1", "line2_rate", "85.50",
	    "discount_kind", "fixed", "discount_value", "20.00", NULL);
	inv_a = redirect_id(&r, "/invoices/");
	fmt_id(inv_s, sizeof(inv_s), inv_a);
	follow(&b, &r);
	expect_text(&r, "Individual therapy", "draft");
	expect_text(&r, "$270.00", "draft line 1 after 10%");
	expect_text(&r, "-$30.00", "draft line discount");
	expect_amount(&r, NULL, "Subtotal", "$355.50", "draft");
	expect_amount(&r, "Subtotal", "Total", "$335.50", "draft");
	ck_assert_int_eq(ENTRIES_OF(account), 0);	/* a draft is not money yet */

	/* 3. convert the inquiry; the invoice stays attached */
	str_fmt(path, sizeof(path), "/inquiries/%" PRId64, inquiry);
	get_page(&b, path, &r, 200);
	str_fmt(path, sizeof(path), "/inquiries/%" PRId64 "/convert", inquiry);
	post_form(&b, path, &r, 303, NULL);
	ck_assert_msg(redirect_id(&r, "/clients/") == inquiry, "convert keeps the id");
	follow(&b, &r);
	expect_text(&r, "Client", "converted client");

	/* 4. issue */
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", inv_a);
	post_form(&b, path, &r, 200, NULL);	/* confirmation page */
	expect_text(&r, "$335.50", "issue confirmation");
	post_form(&b, path, &r, 303, "confirm", "1", NULL);
	follow(&b, &r);
	{
		char *t = page_text(&r), *p = strstr(t, "INV-");
		ck_assert_msg(p != NULL, "issued invoice has no number: %.2000s", t);
		str_copy(num_a, sizeof(num_a), p);
		num_a[strcspn(num_a, " ")] = '\0';
		free(t);
	}
	expect_amount(&r, NULL, "Open", "$335.50", "issued invoice");
	expect_no_text(&r, "-$0.00", "issued invoice without payments");
	str_fmt(path, sizeof(path), "/clients/%" PRId64, inquiry);
	get_page(&b, path, &r, 200);
	expect_text(&r, num_a, "client Financial tab lists the invoice");
	expect_amount(&r, "Financial", "Charged", "$335.50", "client after issue");
	expect_amount(&r, "Financial", "Balance due", "$335.50", "client after issue");

	/* 5. partial payment: check $200.00, $150.00 applied, $50.00 kept */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", account);
	get_page(&b, path, &r, 200);
	ck_assert_msg(itest_body_has(&r, "335.50"), "amount prefilled with the balance");
	post_form(&b, path, &r, 303, "method", "check", "amount", "200.00",
	    "received_date", d_pay, "reference", "1001", "client_id", cli_s,
	    "allocation", "choose", "alloc1_invoice_id", inv_s, "alloc1_amount",
	    "150.00", NULL);
	pay1 = redirect_id(&r, "/payments/");
	follow(&b, &r);
	expect_amount(&r, NULL, "Applied to invoices", "$150.00", "payment");
	expect_amount(&r, NULL, "Unapplied", "$50.00", "payment");

	/* 6. allocate the rest to the invoice */
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/allocate", pay1);
	post_form(&b, path, &r, 303, "invoice_id", inv_s, "amount", "50.00", NULL);
	follow(&b, &r);
	expect_amount(&r, NULL, "Unapplied", "$0.00", "payment after allocation");
	ck_assert_int_eq(ALLOCATED_TO(inv_a), 20000);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64, inv_a);
	get_page(&b, path, &r, 200);
	expect_text(&r, "partial", "invoice status");
	expect_amount(&r, NULL, "Open", "$135.50", "invoice after payment");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, account);
	get_page(&b, path, &r, 200);
	expect_amount(&r, "Financial", "Charged", "$335.50", "account");
	expect_amount(&r, "Financial", "Paid", "$200.00", "account");
	expect_amount(&r, "Financial", "Balance due", "$135.50", "account");
	expect_amount(&r, "Financial", "Unallocated credit", "$0.00", "account");

	/* 7. statement: preview over the whole story, then a later period with an
	 * opening balance; generate */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements/new?from=%s&to=%s",
	    account, d_from, d_today);
	get_page(&b, path, &r, 200);
	expect_amount(&r, NULL, "Opening balance", "$0.00", "statement preview");
	expect_text(&r, "$300.00", "statement charge");
	expect_text(&r, "-$30.00", "statement line discount");
	expect_text(&r, "$85.50", "statement charge 2");
	expect_text(&r, "-$20.00", "statement invoice discount");
	expect_text(&r, "-$200.00", "statement payment");
	expect_amount(&r, NULL, "Closing balance", "$135.50", "statement preview");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements/new?from=%s&to=%s",
	    account, d_mid, d_today);
	get_page(&b, path, &r, 200);
	expect_amount(&r, NULL, "Opening balance", "$335.50", "later statement preview");
	expect_amount(&r, NULL, "Closing balance", "$135.50", "later statement preview");
	expect_no_text(&r, "$85.50", "later statement: charges before the period");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements", account);
	post_form(&b, path, &r, 303, "from", d_mid, "to", d_today, NULL);
	stmt = redirect_id(&r, "/statements/");
	follow(&b, &r);
	expect_text(&r, "STMT-", "generated statement");
	expect_amount(&r, NULL, "Opening balance", "$335.50", "generated statement");
	expect_amount(&r, NULL, "Closing balance", "$135.50", "generated statement");
	expect_amount(&r, NULL, "Amount due", "$135.50", "generated statement");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, account);
	get_page(&b, path, &r, 200);
	expect_text(&r, "STMT-", "account lists its statement");
	(void)stmt;

	/* 8. another invoice, $25.00 paid on it, voided: the $25.00 becomes
	 * credit, which is then applied to the first invoice */
	inv_b = new_issued_invoice(&b, account, "40.00", d_b, d_bdue);
	fmt_id(inv_s, sizeof(inv_s), inv_b);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", account);
	post_form(&b, path, &r, 303, "method", "cash", "amount", "25.00", "received_date",
	    d_pay2, "allocation", "choose", "alloc1_invoice_id", inv_s, "alloc1_amount",
	    "25.00", NULL);
	pay2 = redirect_id(&r, "/payments/");
	ck_assert(pay2 > pay1);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/void", inv_b);
	post_form(&b, path, &r, 303, "reason", "Entered twice", NULL);
	follow(&b, &r);
	expect_text(&r, "void", "voided invoice");
	expect_text(&r, "Entered twice", "void reason shown");
	ck_assert_int_eq(ALLOCATED_TO(inv_b), 0);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, account);
	get_page(&b, path, &r, 200);
	expect_amount(&r, "Financial", "Balance due", "$135.50", "after void");
	expect_amount(&r, "Financial", "Unallocated credit", "$25.00", "after void");
	/* A/R adds up while the credit is unapplied: open $135.50 in the
	 * aging, less the $25.00 not yet applied, is the $110.50 owed */
	str_fmt(path, sizeof(path), "/ar?location_id=%" PRId64, cat.location);
	get_page(&b, path, &r, 200);
	expect_amount(&r, NULL, "Total receivables", "$110.50", "A/R, credit unapplied");
	expect_amount(&r, "Aging", "Total open", "$135.50", "A/R, credit unapplied");
	expect_amount(&r, "Total open", "Payments not yet applied", "-$25.00",
	    "A/R, credit unapplied");
	expect_amount(&r, "Payments not yet applied", "Net receivables", "$110.50",
	    "A/R, credit unapplied");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/apply-credit", account);
	post_form(&b, path, &r, 303, NULL);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, account);
	get_page(&b, path, &r, 200);
	expect_amount(&r, "Financial", "Paid", "$225.00", "after applying credit");
	expect_amount(&r, "Financial", "Balance due", "$110.50", "after applying credit");
	expect_amount(&r, "Financial", "Unallocated credit", "$0.00", "after applying credit");
	ck_assert_int_eq(ALLOCATED_TO(inv_a), 22500);

	/* 9. bulk statements for the location, polled to completion */
	get_page(&b, "/statements", &r, 200);
	post_form(&b, "/statements/batches", &r, 303, "from", d_from, "to", d_today,
	    "location_id", loc, "min_balance", "0.01", NULL);
	batch = redirect_id(&r, "/statements/batches/");
	for (int i = 0; ; i++) {
		str_fmt(path, sizeof(path), "/statements/batches/%" PRId64, batch);
		get_page(&b, path, &r, 200);
		if (!itest_body_has(&r, "http-equiv=\"refresh\""))
			break;
		ck_assert_msg(i < 60, "statement run %" PRId64 " never finished", batch);
		itest_sleep_ms(200);
	}
	expect_text(&r, "1 of 1", "statement run for one account");
	expect_text(&r, "100%", "statement run done");

	/* 10. A/R for the location: the account owes $110.50, 1-30 days late */
	str_fmt(path, sizeof(path), "/ar?location_id=%" PRId64, cat.location);
	get_page(&b, path, &r, 200);
	expect_amount(&r, NULL, "Total receivables", "$110.50", "A/R");
	expect_amount(&r, NULL, "Accounts in credit", "$0.00", "A/R");
	expect_amount(&r, "Aging", "1-30 days", "$110.50", "A/R aging");
	expect_amount(&r, "Aging", "Over 90 days", "$0.00", "A/R aging");
	ck_assert_msg(!itest_body_has(&r, "Payments not yet applied"),
	    "A/R: no unapplied line once the credit is applied");
	expect_amount(&r, "Top balances", last, "$110.50", "A/R top balances");

	/* the ledger still adds up */
	{
		struct buf out;
		int rc;
		const char *ctl = getenv("ITEST_BILLINGCTL");

		buf_init(&out, 1 << 16);
		rc = itest_sh(&out, "%s ledger verify", ctl);
		ck_assert_msg(rc == 0, "ledger verify: %s", buf_cstr(&out));
		buf_free(&out);
	}
	itest_resp_free(&r);
	staff_logout(&b);
}
END_TEST

/* --- front desk: read-only on money ---------------------------------------------- */

START_TEST(test_frontdesk_read_only)
{
	struct catalog cat;
	struct staff b, f;
	struct itest_resp r;
	char path[160], acc_s[24], d1[11], d2[11], loc[24];
	int64_t account, draft, issued, pay, client;
	int64_t inv_before, pay_before, entries_before;

	make_catalog(&cat);
	fmt_id(loc, sizeof(loc), cat.location);
	day(d1, -10);
	day(d2, 20);
	staff_login(&b, env.billing);
	itest_resp_init(&r);
	account = new_account(&b, "Frontdesk Check", cat.location);
	fmt_id(acc_s, sizeof(acc_s), account);
	post_form(&b, "/clients/new", &r, 303, "account_id", acc_s, "first_name", "Ray",
	    "last_name", "Reader", NULL);
	client = redirect_id(&r, "/clients/");
	post_form(&b, "/invoices/new", &r, 303, "account_id", acc_s, "payment_type_id", "1",
	    "invoice_date", d1, "due_date", d2, "line1_description", "Draft line",
	    "line1_rate", "10.00", NULL);
	draft = redirect_id(&r, "/invoices/");
	issued = new_issued_invoice(&b, account, "99.99", d1, d2);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", account);
	post_form(&b, path, &r, 303, "method", "cash", "amount", "10.00", "received_date",
	    d1, "allocation", "choose", NULL);
	pay = redirect_id(&r, "/payments/");
	staff_logout(&b);

	staff_login(&f, env.frontdesk);
	{
		static const struct { const char *pattern; int which; } gets[] = {
			{ "/inquiries", 0 }, { "/clients", 0 }, { "/accounts", 0 },
			{ "/invoices", 0 }, { "/statements", 0 }, { "/ar", 0 },
			{ "/admin/services", 0 }, { "/admin/locations", 0 },
			{ "/accounts/:id", 'A' }, { "/accounts/:id/audit", 'A' },
			{ "/accounts/:id/statements/new", 'A' },
			{ "/accounts/:id/payments/new", 'A' },
			{ "/clients/:id", 'C' }, { "/invoices/:id", 'D' },
			{ "/invoices/:id", 'I' }, { "/invoices/:id/print", 'I' },
			{ "/invoices/:id/audit", 'I' }, { "/payments/:id", 'P' },
		};
		for (size_t i = 0; i < ARRAY_LEN(gets); i++) {
			char id[24];
			int w = gets[i].which;
			fmt_id(id, sizeof(id), w == 'A' ? account : w == 'C' ? client :
			    w == 'D' ? draft : w == 'I' ? issued : pay);
			path_id(path, sizeof(path), gets[i].pattern, id);
			get_page(&f, path, &r, 200);
		}
		/* the balance is visible to front desk */
		str_fmt(path, sizeof(path), "/accounts/%" PRId64, account);
		get_page(&f, path, &r, 200);
		expect_amount(&r, "Financial", "Balance due", "$99.99", "front desk view");
	}
	inv_before = INVOICES_OF(account);
	pay_before = PAYMENTS_OF(account);
	entries_before = ENTRIES_OF(account);
	{
		char iss[24];
		static const struct {
			const char *pattern;
			int which;
			const char *k1, *v1, *k2, *v2;
		} posts[] = {
			{ "/inquiries/new", 0, "first_name", "No", "last_name", "Way" },
			{ "/accounts/new", 0, "name", "Nope", NULL, NULL },
			{ "/clients/new", 0, "first_name", "X", "last_name", "Y" },
			{ "/invoices/new", 0, "payment_type_id", "1", NULL, NULL },
			{ "/invoices/:id/edit", 'D', "payment_type_id", "1", NULL, NULL },
			{ "/invoices/:id/issue", 'D', "confirm", "1", NULL, NULL },
			{ "/invoices/:id/void", 'I', "reason", "no", NULL, NULL },
			{ "/invoices/:id/adjust", 'I', "amount", "-5.00", "memo", "x" },
			{ "/accounts/:id/payments/new", 'A', "method", "cash", "amount", "5.00" },
			{ "/payments/:id/allocate", 'P', "amount", "1.00", NULL, NULL },
			{ "/accounts/:id/apply-credit", 'A', NULL, NULL, NULL, NULL },
			{ "/accounts/:id/statements", 'A', "client_id", "", NULL, NULL },
			{ "/statements/batches", 0, "min_balance", "1.00", NULL, NULL },
			{ "/inquiries/:id/convert", 'C', NULL, NULL, NULL, NULL },
			{ "/accounts/:id/edit", 'A', "name", "Renamed", NULL, NULL },
			{ "/clients/:id/edit", 'C', "first_name", "Renamed", "last_name", "X" },
			{ "/admin/services", 0, "code", "FD1", "name", "x" },
			{ "/admin/locations", 0, "name", "FD location", NULL, NULL },
			{ "/admin/payment-types", 0, "code", "fd", "name", "x" },
		};
		fmt_id(iss, sizeof(iss), issued);
		for (size_t i = 0; i < ARRAY_LEN(posts); i++) {
			char id[24];
			int w = posts[i].which;
			fmt_id(id, sizeof(id), w == 'A' ? account : w == 'C' ? client :
			    w == 'D' ? draft : w == 'I' ? issued : pay);
			path_id(path, sizeof(path), posts[i].pattern, id);
			/* a complete form where it matters: the role alone must refuse */
			if (w == 'P')
				post_form(&f, path, &r, 403, "invoice_id", iss, posts[i].k1,
				    posts[i].v1, NULL);
			else if (strstr(path, "statements") != NULL)
				post_form(&f, path, &r, 403, "from", d1, "to", d1,
				    posts[i].k1, posts[i].v1, NULL);
			else if (strcmp(posts[i].pattern, "/invoices/new") == 0 ||
			    strcmp(posts[i].pattern, "/clients/new") == 0)
				post_form(&f, path, &r, 403, "account_id", acc_s, posts[i].k1,
				    posts[i].v1, posts[i].k2, posts[i].v2, NULL);
			else
				post_form(&f, path, &r, 403, posts[i].k1, posts[i].v1,
				    posts[i].k2, posts[i].v2, NULL);
		}
	}
	ck_assert_int_eq(INVOICES_OF(account), inv_before);
	ck_assert_int_eq(PAYMENTS_OF(account), pay_before);
	ck_assert_int_eq(ENTRIES_OF(account), entries_before);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64, draft);
	get_page(&f, path, &r, 200);
	expect_text(&r, "draft", "draft stays a draft");
	staff_logout(&f);

	/* billing staff may not change the catalog */
	staff_login(&b, env.billing);
	post_form(&b, "/admin/services", &r, 403, "code", "BL1", "name", "x",
	    "default_rate", "1.00", NULL);
	staff_logout(&b);
	itest_resp_free(&r);
}
END_TEST

/* --- bad input: 422 with the reason, nothing created ------------------------------ */

static void
expect_422(struct staff *s, struct itest_resp *r, const char *message, const char *what)
{
	EXPECT_STATUS(r, 422, what);
	expect_text(r, message, what);
	(void)s;
}

START_TEST(test_bad_input)
{
	struct catalog cat;
	struct staff b;
	struct itest_resp r;
	char path[160], acc_s[24], inv_s[24], d1[11], d0[11], d2[11], email[80];
	int64_t account, inv, pay;

	make_catalog(&cat);
	day(d0, -11);
	day(d1, -10);
	day(d2, 20);
	staff_login(&b, env.billing);
	itest_resp_init(&r);
	itest_unique(email, sizeof(email), "acct");
	str_fmt(email + strlen(email), sizeof(email) - strlen(email), "@example.com");
	post_form(&b, "/accounts/new", &r, 303, "name", "Bad Input", "email", email, NULL);
	account = redirect_id(&r, "/accounts/");
	fmt_id(acc_s, sizeof(acc_s), account);
	inv = new_issued_invoice(&b, account, "100.00", d1, d2);
	fmt_id(inv_s, sizeof(inv_s), inv);

	/* accounts */
	post_form(&b, "/accounts/new", &r, 422, "name", "", NULL);
	expect_422(&b, &r, "Name is required", "account without a name");
	post_form(&b, "/accounts/new", &r, 422, "name", "Copy", "email", email, NULL);
	expect_422(&b, &r, "already uses this email", "duplicate account email");
	ck_assert_int_eq(count_rows("SELECT COUNT(*) FROM accounts WHERE name = 'Copy'"
	    " AND id > ?", account), 0);

	/* invoices */
	post_form(&b, "/invoices/new", &r, 422, "account_id", acc_s, "payment_type_id", "1",
	    "invoice_date", d1, "due_date", d0, "line1_description", "X", "line1_rate",
	    "10.00", NULL);
	expect_422(&b, &r, "Due date cannot be before the invoice date", "due before date");
	post_form(&b, "/invoices/new", &r, 422, "account_id", acc_s, "payment_type_id", "1",
	    "invoice_date", d1, "due_date", d2, "line1_description", "X", "line1_rate",
	    "10.00", "line1_discount_kind", "fixed", "line1_discount_value", "10.01", NULL);
	expect_422(&b, &r, "is larger than the", "line discount too large");
	post_form(&b, "/invoices/new", &r, 422, "account_id", acc_s, "payment_type_id", "1",
	    "invoice_date", d1, "due_date", d2, "line1_description", "X", "line1_rate",
	    "10.00", "line1_discount_kind", "percent", "line1_discount_value", "150", NULL);
	EXPECT_STATUS(&r, 422, "150% discount");
	post_form(&b, "/invoices/new", &r, 422, "account_id", acc_s, "payment_type_id", "1",
	    "invoice_date", d1, "due_date", d2, "line1_description", "X", "line1_rate",
	    "ten dollars", NULL);
	EXPECT_STATUS(&r, 422, "rate not an amount");
	post_form(&b, "/invoices/new", &r, 422, "account_id", acc_s, "payment_type_id", "1",
	    "invoice_date", d1, "due_date", d2, "line1_description", "X", "line1_rate",
	    "10.00", "discount_kind", "fixed", "discount_value", "10.01", NULL);
	EXPECT_STATUS(&r, 422, "invoice discount above the subtotal");
	ck_assert_int_eq(INVOICES_OF(account), 1);

	/* payments and allocations */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", account);
	post_form(&b, path, &r, 422, "method", "check", "amount", "10.00", "received_date",
	    d1, "allocation", "auto", NULL);
	expect_422(&b, &r, "check number", "check without a number");
	post_form(&b, path, &r, 422, "method", "cash", "amount", "abc", "received_date",
	    d1, "allocation", "auto", NULL);
	expect_422(&b, &r, "Amount", "amount not a number");
	post_form(&b, path, &r, 422, "method", "cash", "amount", "0.00", "received_date",
	    d1, "allocation", "auto", NULL);
	EXPECT_STATUS(&r, 422, "zero payment");
	post_form(&b, path, &r, 422, "method", "cash", "amount", "500.00", "received_date",
	    d1, "allocation", "choose", "alloc1_invoice_id", inv_s, "alloc1_amount",
	    "100.01", NULL);
	expect_422(&b, &r, "$100.00", "allocation above the open amount");
	post_form(&b, path, &r, 422, "method", "cash", "amount", "50.00", "received_date",
	    d1, "allocation", "choose", "alloc1_invoice_id", inv_s, "alloc1_amount",
	    "60.00", NULL);
	EXPECT_STATUS(&r, 422, "allocation above the payment");
	ck_assert_int_eq(PAYMENTS_OF(account), 0);
	ck_assert_int_eq(ENTRIES_OF(account), 1);	/* the invoice's one charge */

	post_form(&b, path, &r, 303, "method", "cash", "amount", "30.00", "received_date",
	    d1, "allocation", "choose", NULL);
	pay = redirect_id(&r, "/payments/");
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/allocate", pay);
	post_form(&b, path, &r, 422, "invoice_id", inv_s, "amount", "30.01", NULL);
	expect_422(&b, &r, "$30.00", "allocate more than the payment has");
	post_form(&b, path, &r, 422, "invoice_id", inv_s, "amount", "-1.00", NULL);
	EXPECT_STATUS(&r, 422, "negative allocation");
	ck_assert_int_eq(ALLOCATED_TO(inv), 0);

	/* adjustments and voids */
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/adjust", inv);
	post_form(&b, path, &r, 422, "amount", "100.01", "memo", "Too much", "writeoff",
	    "1", NULL);
	expect_422(&b, &r, "at most $100.00", "write-off above the open amount");
	post_form(&b, path, &r, 422, "amount", "5.00", "memo", "", NULL);
	EXPECT_STATUS(&r, 422, "adjustment without a memo");
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/void", inv);
	post_form(&b, path, &r, 422, "reason", "", NULL);
	EXPECT_STATUS(&r, 422, "void without a reason");
	ck_assert_int_eq(ENTRIES_OF(account), 2);	/* + the payment */
	str_fmt(path, sizeof(path), "/invoices/%" PRId64, inv);
	get_page(&b, path, &r, 200);
	expect_amount(&r, NULL, "Open", "$100.00", "invoice unchanged");

	/* editing an issued invoice is refused */
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/edit", inv);
	itest_post_form(b.c, path, (const struct itest_kv[]){ { "_csrf", b.csrf },
	    { "payment_type_id", "1" }, { "invoice_date", d1 }, { "due_date", d2 },
	    { "line1_description", "Changed" }, { "line1_rate", "1.00" } }, 6, &r);
	ck_assert_msg(r.status >= 400 && r.status < 500, "edit of an issued invoice: %ld",
	    r.status);
	get_page(&b, "/", &r, 200);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64, inv);
	get_page(&b, path, &r, 200);
	expect_no_text(&r, "Changed", "issued invoice was not edited");
	itest_resp_free(&r);
	staff_logout(&b);
}
END_TEST

/* Long text with non-ASCII characters is valid input (limits count
 * characters, the columns hold 500 characters): saving or voiding with it
 * must not fail with a 500. */
static void
accented(char *out, size_t outsz, size_t nchars)
{
	size_t n = 0;

	out[n++] = 'x';
	for (size_t i = 1; i < nchars && n + 3 < outsz; i++) {
		out[n++] = (char)0xc3;	/* é */
		out[n++] = (char)0xa9;
	}
	out[n] = '\0';
}

START_TEST(test_long_text_invoice_line)
{
	struct catalog cat;
	struct staff b;
	struct itest_resp r;
	char acc_s[24], d1[11], d2[11], text[1200];
	int64_t account;

	make_catalog(&cat);
	day(d1, -3);
	day(d2, 27);
	accented(text, sizeof(text), 500);	/* 500 characters, 999 bytes */
	staff_login(&b, env.billing);
	itest_resp_init(&r);
	account = new_account(&b, "Accents Account", cat.location);
	fmt_id(acc_s, sizeof(acc_s), account);
	itest_post_form(b.c, "/invoices/new", (const struct itest_kv[]){ { "_csrf", b.csrf },
	    { "account_id", acc_s }, { "payment_type_id", "1" }, { "invoice_date", d1 },
	    { "due_date", d2 }, { "line1_description", text }, { "line1_rate", "10.00" } },
	    7, &r);
	ck_assert_msg(r.status == 303, "invoice line of 500 non-ASCII characters: HTTP %ld",
	    r.status);
	follow(&b, &r);
	ck_assert_msg(itest_body_has(&r, text), "the description is shown whole");
	itest_resp_free(&r);
	staff_logout(&b);
}
END_TEST

START_TEST(test_long_text_void_reason)
{
	struct catalog cat;
	struct staff b;
	struct itest_resp r;
	char path[160], d1[11], d2[11], text[1200];
	int64_t account, inv;

	make_catalog(&cat);
	day(d1, -3);
	day(d2, 27);
	accented(text, sizeof(text), 500);	/* 500 characters, 999 bytes */
	staff_login(&b, env.billing);
	itest_resp_init(&r);
	account = new_account(&b, "Accents Void", cat.location);
	inv = new_issued_invoice(&b, account, "10.00", d1, d2);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/void", inv);
	itest_post_form(b.c, path, (const struct itest_kv[]){ { "_csrf", b.csrf },
	    { "reason", text } }, 2, &r);
	ck_assert_msg(r.status == 303, "void with a 500-character non-ASCII reason: HTTP %ld",
	    r.status);
	follow(&b, &r);
	ck_assert_msg(itest_body_has(&r, text), "the void reason is shown whole");
	itest_resp_free(&r);
	staff_logout(&b);
}
END_TEST

/* --- unknown ids: 404 ---------------------------------------------------------------- */

START_TEST(test_unknown_ids)
{
	struct catalog cat;
	struct staff b;
	struct itest_resp r;
	char path[160], d1[11], d2[11], inv_s[24];
	int64_t acc1, acc2, inv2, pay1;
	static const char *const gets[] = {
		"/invoices/:id", "/invoices/:id/print", "/invoices/:id/edit",
		"/invoices/:id/audit", "/accounts/:id", "/accounts/:id/edit",
		"/accounts/:id/payments/new", "/accounts/:id/statements/new",
		"/accounts/:id/audit", "/clients/:id", "/clients/:id/edit",
		"/clients/:id/audit", "/inquiries/:id", "/payments/:id", "/statements/:id",
		"/statements/:id/print", "/statements/batches/:id",
	};
	static const char *const posts[] = {
		"/invoices/:id/issue", "/invoices/:id/void", "/invoices/:id/adjust",
		"/payments/:id/allocate", "/accounts/:id/apply-credit",
		"/accounts/:id/payments/new", "/inquiries/:id/convert",
	};
	static const char *const ids[] = { "987654321", "0", "abc" };

	make_catalog(&cat);
	day(d1, -3);
	day(d2, 27);
	staff_login(&b, env.billing);
	itest_resp_init(&r);
	for (size_t k = 0; k < ARRAY_LEN(ids); k++) {
		for (size_t i = 0; i < ARRAY_LEN(gets); i++) {
			path_id(path, sizeof(path), gets[i], ids[k]);
			get_page(&b, path, &r, 404);
		}
		for (size_t i = 0; i < ARRAY_LEN(posts); i++) {
			path_id(path, sizeof(path), posts[i], ids[k]);
			itest_post_form(b.c, path, (const struct itest_kv[]){ { "_csrf", b.csrf },
			    { "reason", "x" } }, 1, &r);
			ck_assert_msg(r.status == 404, "POST %s: HTTP %ld, want 404", path,
			    r.status);
		}
	}

	/* a payment of one account cannot be applied to another account's invoice */
	acc1 = new_account(&b, "Owner One", cat.location);
	acc2 = new_account(&b, "Owner Two", cat.location);
	inv2 = new_issued_invoice(&b, acc2, "70.00", d1, d2);
	fmt_id(inv_s, sizeof(inv_s), inv2);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", acc1);
	post_form(&b, path, &r, 303, "method", "cash", "amount", "70.00", "received_date",
	    d1, "allocation", "choose", NULL);
	pay1 = redirect_id(&r, "/payments/");
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/allocate", pay1);
	itest_post_form(b.c, path, (const struct itest_kv[]){ { "_csrf", b.csrf },
	    { "invoice_id", inv_s }, { "amount", "70.00" } }, 3, &r);
	ck_assert_msg(r.status == 404 || r.status == 422,
	    "allocation to another account's invoice: HTTP %ld", r.status);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", acc1);
	itest_post_form(b.c, path, (const struct itest_kv[]){ { "_csrf", b.csrf },
	    { "method", "cash" }, { "amount", "70.00" }, { "received_date", d1 },
	    { "allocation", "choose" }, { "alloc1_invoice_id", inv_s },
	    { "alloc1_amount", "70.00" } }, 7, &r);
	ck_assert_msg(r.status == 404 || r.status == 422,
	    "payment applied to another account's invoice: HTTP %ld", r.status);
	ck_assert_int_eq(ALLOCATED_TO(inv2), 0);
	ck_assert_int_eq(PAYMENTS_OF(acc1), 1);
	/* an invoice naming one account and a client of another bills the
	 * client's own account (or is refused), never the named one */
	{
		char a1[24], c2[24];
		int64_t client2;
		fmt_id(a1, sizeof(a1), acc1);
		str_fmt(path, sizeof(path), "%" PRId64, acc2);
		post_form(&b, "/clients/new", &r, 303, "account_id", path, "first_name",
		    "Other", "last_name", "Client", NULL);
		client2 = redirect_id(&r, "/clients/");
		fmt_id(c2, sizeof(c2), client2);
		itest_post_form(b.c, "/invoices/new", (const struct itest_kv[]){
		    { "_csrf", b.csrf }, { "account_id", a1 }, { "client_id", c2 },
		    { "payment_type_id", "1" }, { "invoice_date", d1 }, { "due_date", d2 },
		    { "line1_description", "X" }, { "line1_rate", "1.00" } }, 8, &r);
		ck_assert_msg(r.status == 303 || r.status == 404 || r.status == 422,
		    "invoice on account %s for a client of another account: HTTP %ld", a1,
		    r.status);
		ck_assert_int_eq(INVOICES_OF(acc1), 0);
		if (r.status == 303)
			ck_assert_int_eq(count_rows("SELECT COUNT(*) FROM invoices i"
			    " JOIN clients c ON c.id = i.client_id WHERE i.client_id = ?"
			    " AND i.account_id = c.account_id", client2), 1);
	}
	itest_resp_free(&r);
	staff_logout(&b);
}
END_TEST

static Suite *
billing_suite(void)
{
	Suite *s = suite_create("billing");
	TCase *tc = tcase_create("staff");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_staff_flow);
	tcase_add_test(tc, test_frontdesk_read_only);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_unknown_ids);
	tcase_add_test(tc, test_long_text_invoice_line);
	tcase_add_test(tc, test_long_text_void_reason);
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
	env.admin = need("ITEST_ADMIN_EMAIL");
	env.billing = need("ITEST_BILLING_EMAIL");
	env.frontdesk = need("ITEST_FRONTDESK_EMAIL");
	env.config = need("ITEST_CONFIG");
	need("ITEST_BILLINGCTL");
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, env.config, err, sizeof(err)) == -1) {
		fprintf(stderr, "config %s: %s\n", env.config, err);
		return 2;
	}
	sr = srunner_create(billing_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	config_free(&cfg);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
