/* Client figures that add up (issue 9, section 5), over HTTP against the
 * running stack (tests/integration/run passes the ITEST_* variables).
 *
 * One account, two clients (Ann and Ben), built through the staff pages:
 *
 *   INV1  Ann  $300.00  dated -40, due -30
 *   INV2  Ann  $200.00  dated -20, due -10
 *   INV3  Ben  $150.00  dated -25, due -15
 *   P1    the ACCOUNT's check $250.00 (received -35), applied to INV1
 *   P2    Ann's cash $50.00 (received -15), applied to INV2 (partial)
 *   P3    the ACCOUNT's check $100.00 (received -5), applied to nothing
 *
 * Worked by hand:
 *   Ann:     charged 500.00 - paid (applied) 300.00 = due 200.00
 *            (INV1 50.00 + INV2 150.00 open), account credit available 100.00
 *   Ben:     charged 150.00 - paid 0.00 = due 150.00
 *   Account: charged 650.00 - paid 400.00 = balance 250.00
 *            = due 350.00 (200.00 + 150.00) - credit 100.00
 * Every figure a user reads is asserted against these numbers: Financial
 * tabs, payments lists, payment history, the suggested amount on
 * "+ New payment", the API's balance, statements (preview, stored, print,
 * PDF: amount due = closing = aging total, or the difference printed) and
 * `billingctl ledger verify`. */
#include "common.h"

#include <ctype.h>
#include <stdarg.h>

#include <check.h>
#include <json-c/json.h>

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
	const char	*billing;
	const char	*ctl;
	char		 key[128];	/* a billing API key */
} env;

static struct config cfg;

/* --- a signed-in staff session ------------------------------------------ */

struct staff {
	struct itest_client	*c;
	char			 csrf[256];
	struct itest_resp	 r;
};

static void
staff_login(struct staff *s)
{
	memset(s, 0, sizeof(*s));
	s->c = itest_client_new(env.base);
	ck_assert(s->c != NULL);
	ck_assert_int_eq(itest_login(s->c, env.billing, env.password), 303);
	itest_resp_init(&s->r);
	ck_assert_int_eq(itest_get(s->c, "/", &s->r), 200);
	ck_assert(itest_csrf(buf_cstr(&s->r.body), s->csrf, sizeof(s->csrf)) == 0);
}

static void
staff_logout(struct staff *s)
{
	itest_resp_free(&s->r);
	itest_client_free(s->c);
}

/* GET path (printf format) into s->r; asserts 200. */
static void
get_page(struct staff *s, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void
get_page(struct staff *s, const char *fmt, ...)
{
	char path[300];
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vsnprintf(path, sizeof(path), fmt, ap) < (int)sizeof(path));
	va_end(ap);
	itest_get(s->c, path, &s->r);
	ck_assert_msg(s->r.status == 200, "GET %s: HTTP %ld: %.800s", path,
	    s->r.status, buf_cstr(&s->r.body));
}

/* POSTs path with _csrf and NULL-terminated name/value pairs; expects a
 * 303 and returns the id after prefix in its Location. */
static int64_t
post_303(struct staff *s, const char *path, const char *prefix, ...)
{
	struct itest_kv kv[40];
	const char *k, *loc, *p;
	size_t n = 0;
	int64_t id = 0;
	va_list ap;

	kv[n++] = (struct itest_kv){ "_csrf", s->csrf };
	va_start(ap, prefix);
	while ((k = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < ARRAY_LEN(kv));
		kv[n].key = k;
		kv[n++].value = va_arg(ap, const char *);
	}
	va_end(ap);
	itest_post_form(s->c, path, kv, n, &s->r);
	ck_assert_msg(s->r.status == 303, "POST %s: HTTP %ld: %.1500s", path,
	    s->r.status, buf_cstr(&s->r.body));
	loc = itest_header(&s->r, "Location");
	ck_assert_msg(loc != NULL && (p = strstr(loc, prefix)) != NULL,
	    "POST %s: Location %s", path, loc ? loc : "(none)");
	for (p += strlen(prefix); isdigit((unsigned char)*p); p++)
		id = id * 10 + (*p - '0');
	ck_assert(id > 0);
	return id;
}

/* The amount a user reads after label (after `after`, when given). */
static void
expect_amount(const struct itest_resp *r, const char *after, const char *label,
    const char *want, const char *what)
{
	char *t = itest_page_text(buf_cstr(&r->body)), got[48];

	ck_assert_msg(itest_amount_after(t, after, label, got, sizeof(got)) == 0,
	    "%s: no amount after \"%s\" (after \"%s\"): %.3000s", what, label,
	    after ? after : "", t);
	ck_assert_msg(strcmp(got, want) == 0, "%s: \"%s\" shows %s, want %s: %.3000s",
	    what, label, got, want, t);
	free(t);
}

/* The six amounts after `after` (the aging row: current, 1-30, 31-60,
 * 61-90, over 90, total) are want[]. */
static void
expect_aging(const char *t, const char *after, const char *const want[6],
    const char *what)
{
	const char *p = strstr(t, after), *q;
	char got[48];

	ck_assert_msg(p != NULL, "%s: no \"%s\": %.3000s", what, after, t);
	p += strlen(after);
	for (int i = 0; i < 6; i++, p = q + 1) {
		q = strchr(p, '$');
		ck_assert_msg(q != NULL, "%s: aging amount %d missing: %.3000s", what,
		    i, t);
		ck_assert(itest_amount_after(q > p ? q - 1 : q, NULL, "", got,
		    sizeof(got)) == 0);
		ck_assert_msg(strcmp(got, want[i]) == 0, "%s: aging column %d shows %s,"
		    " want %s: %.3000s", what, i, got, want[i], t);
	}
}

static void
expect_page_aging(const struct itest_resp *r, const char *const want[6],
    const char *what)
{
	char *t = itest_page_text(buf_cstr(&r->body));

	expect_aging(t, "Aging of open invoices", want, what);
	free(t);
}

static void
expect_text(const struct itest_resp *r, const char *needle, const char *what)
{
	char *t = itest_page_text(buf_cstr(&r->body));

	ck_assert_msg(strstr(t, needle) != NULL, "%s: page lacks \"%s\": %.3000s",
	    what, needle, t);
	free(t);
}

static void
day(char out[11], int64_t offset)
{
	date_fmt(date_today() + offset, out, 11);
}

/* --- the scenario --------------------------------------------------------- */

struct scenario {
	char	 tag[40];
	char	 acc_s[24], ann_s[24], ben_s[24];
	int64_t	 acc, ann, ben, inv1, inv2, inv3, p1, p2, p3;
	char	 d_from[11], d_today[11];
};

static int64_t
new_client(struct staff *s, const char *acc_s, const char *first, const char *last)
{
	return post_303(s, "/clients/new", "/clients/", "account_id", acc_s,
	    "first_name", first, "last_name", last, NULL);
}

static int64_t
new_issued_invoice(struct staff *s, const char *acc_s, const char *cli_s,
    const char *rate, int64_t date, int64_t due)
{
	char d[11], dd[11], path[80];
	int64_t id;

	day(d, date);
	day(dd, due);
	id = post_303(s, "/invoices/new", "/invoices/", "account_id", acc_s,
	    "client_id", cli_s, "payment_type_id", "1", "invoice_date", d,
	    "due_date", dd, "line1_description", "Session", "line1_quantity", "1",
	    "line1_rate", rate, NULL);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", id);
	post_303(s, path, "/invoices/", "confirm", "1", NULL);
	return id;
}

/* A manual payment; inv 0: applied to nothing (kept as credit). */
static int64_t
new_payment(struct staff *s, const struct scenario *sc, const char *client_s,
    const char *method, const char *amount, int64_t received, const char *ref,
    int64_t inv, const char *applied)
{
	char path[80], d[11], inv_s[24];

	day(d, received);
	str_fmt(inv_s, sizeof(inv_s), "%" PRId64, inv);
	str_fmt(path, sizeof(path), "/accounts/%s/payments/new", sc->acc_s);
	return post_303(s, path, "/payments/", "method", method, "amount", amount,
	    "received_date", d, "reference", ref, "client_id", client_s,
	    "allocation", "choose", "alloc1_invoice_id", inv ? inv_s : "",
	    "alloc1_amount", inv ? applied : "", NULL);
}

static void
mk_scenario(struct staff *s, struct scenario *sc)
{
	char name[80];

	memset(sc, 0, sizeof(*sc));
	itest_unique(sc->tag, sizeof(sc->tag), "fig");
	str_fmt(name, sizeof(name), "Figures %s", sc->tag);
	sc->acc = post_303(s, "/accounts/new", "/accounts/", "name", name,
	    "phone", "555-0199", NULL);
	str_fmt(sc->acc_s, sizeof(sc->acc_s), "%" PRId64, sc->acc);
	sc->ann = new_client(s, sc->acc_s, "Ann", sc->tag);
	sc->ben = new_client(s, sc->acc_s, "Ben", sc->tag);
	str_fmt(sc->ann_s, sizeof(sc->ann_s), "%" PRId64, sc->ann);
	str_fmt(sc->ben_s, sizeof(sc->ben_s), "%" PRId64, sc->ben);
	sc->inv1 = new_issued_invoice(s, sc->acc_s, sc->ann_s, "300.00", -40, -30);
	sc->inv2 = new_issued_invoice(s, sc->acc_s, sc->ann_s, "200.00", -20, -10);
	sc->inv3 = new_issued_invoice(s, sc->acc_s, sc->ben_s, "150.00", -25, -15);
	sc->p1 = new_payment(s, sc, "", "check", "250.00", -35, "ACCT-250",
	    sc->inv1, "250.00");
	sc->p2 = new_payment(s, sc, sc->ann_s, "cash", "50.00", -15, "", sc->inv2,
	    "50.00");
	sc->p3 = new_payment(s, sc, "", "check", "100.00", -5, "ACCT-100", 0, NULL);
	day(sc->d_from, -60);
	day(sc->d_today, 0);
}

/* --- API ------------------------------------------------------------------ */

/* GET path with the billing key; returns the parsed body (caller puts it). */
static struct json_object *
api_get(const char *path)
{
	struct itest_client *cl = itest_client_new(env.base);
	struct itest_resp r;
	struct json_object *j;
	char h[200];

	ck_assert(cl != NULL);
	str_fmt(h, sizeof(h), "Authorization: Bearer %s", env.key);
	ck_assert(itest_client_add_header(cl, h) == 0);
	itest_resp_init(&r);
	ck_assert_msg(itest_get(cl, path, &r) == 200, "GET %s: HTTP %ld: %.500s",
	    path, r.status, buf_cstr(&r.body));
	j = json_tokener_parse(buf_cstr(&r.body));
	ck_assert(j != NULL);
	itest_resp_free(&r);
	itest_client_free(cl);
	return j;
}

static int64_t
jbal(struct json_object *j, const char *key)
{
	struct json_object *b, *v;

	ck_assert(json_object_object_get_ex(j, "balance", &b));
	ck_assert_msg(json_object_object_get_ex(b, key, &v), "no balance.%s", key);
	return json_object_get_int64(v);
}

/* --- the tests ------------------------------------------------------------- */

START_TEST(financial_tabs_count_money_applied_to_each_client)
{
	struct staff s;
	struct scenario sc;

	staff_login(&s);
	mk_scenario(&s, &sc);

	/* Ann: the account's $250.00 check paid her INV1: it is hers. */
	get_page(&s, "/clients/%" PRId64, sc.ann);
	expect_amount(&s.r, "Financial", "Charged", "$500.00", "Ann");
	expect_amount(&s.r, "Financial", "Paid", "$300.00", "Ann");
	expect_amount(&s.r, "Financial", "Adjusted", "$0.00", "Ann");
	expect_amount(&s.r, "Financial", "Balance due", "$200.00", "Ann");
	expect_amount(&s.r, "Financial", "Account credit available",
	    "$100.00", "Ann");
	/* its payments list shows the account's check, with what it applied */
	expect_text(&s.r, "ACCT-250", "Ann's payments list");
	expect_amount(&s.r, "ACCT-250", "ACCT-250", "$250.00", "Ann: P1 amount");
	expect_text(&s.r, "Applied here", "Ann's payments list");

	/* Ben: nothing paid on his invoice. */
	get_page(&s, "/clients/%" PRId64, sc.ben);
	expect_amount(&s.r, "Financial", "Charged", "$150.00", "Ben");
	expect_amount(&s.r, "Financial", "Paid", "$0.00", "Ben");
	expect_amount(&s.r, "Financial", "Balance due", "$150.00", "Ben");
	expect_amount(&s.r, "Financial", "Account credit available",
	    "$100.00", "Ben");

	/* The account: 650.00 - 400.00 = 250.00 = 350.00 due - 100.00 credit. */
	get_page(&s, "/accounts/%" PRId64, sc.acc);
	expect_amount(&s.r, "Financial", "Charged", "$650.00", "account");
	expect_amount(&s.r, "Financial", "Paid", "$400.00", "account");
	expect_amount(&s.r, "Financial", "Balance due", "$350.00", "account");
	expect_amount(&s.r, "Financial", "Unallocated credit", "$100.00",
	    "account");

	/* Payment history of Ann lists the account's check applied to her. */
	get_page(&s, "/accounts/%" PRId64 "/payments?client_id=%" PRId64, sc.acc,
	    sc.ann);
	{
		char want[40];
		str_fmt(want, sizeof(want), "#%" PRId64, sc.p1);
		expect_text(&s.r, want, "Ann's payment history lists P1");
	}
	staff_logout(&s);
}
END_TEST

START_TEST(new_payment_suggests_what_is_open)
{
	struct staff s;
	struct scenario sc;
	char v[40];

	staff_login(&s);
	mk_scenario(&s, &sc);
	/* From Ann's page: her open amount, not 500.00 - 50.00 = 450.00. */
	get_page(&s, "/accounts/%" PRId64 "/payments/new?client_id=%" PRId64,
	    sc.acc, sc.ann);
	ck_assert(itest_input_value(buf_cstr(&s.r.body), "amount", v, sizeof(v)) == 0);
	ck_assert_msg(strcmp(v, "200.00") == 0, "Ann's suggested amount %s, want 200.00", v);
	expect_amount(&s.r, NULL, "Balance due", "$200.00", "Ann's payment form");
	expect_amount(&s.r, NULL, "Account credit available", "$100.00",
	    "Ann's payment form");
	get_page(&s, "/accounts/%" PRId64 "/payments/new?client_id=%" PRId64,
	    sc.acc, sc.ben);
	ck_assert(itest_input_value(buf_cstr(&s.r.body), "amount", v, sizeof(v)) == 0);
	ck_assert_msg(strcmp(v, "150.00") == 0, "Ben's suggested amount %s", v);
	/* From the account: 350.00 open less its 100.00 credit. */
	get_page(&s, "/accounts/%" PRId64 "/payments/new", sc.acc);
	ck_assert(itest_input_value(buf_cstr(&s.r.body), "amount", v, sizeof(v)) == 0);
	ck_assert_msg(strcmp(v, "250.00") == 0, "account's suggested amount %s", v);
	staff_logout(&s);
}
END_TEST

START_TEST(api_balance_of_a_client_counts_applied_money)
{
	struct staff s;
	struct scenario sc;
	struct json_object *j;
	char path[80];

	staff_login(&s);
	mk_scenario(&s, &sc);
	str_fmt(path, sizeof(path), "/api/v1/clients/%" PRId64, sc.ann);
	j = api_get(path);
	ck_assert_int_eq(jbal(j, "charged_cents"), 50000);
	ck_assert_int_eq(jbal(j, "paid_cents"), 30000);
	ck_assert_int_eq(jbal(j, "refunded_cents"), 0);
	ck_assert_int_eq(jbal(j, "balance_cents"), 20000);
	ck_assert_int_eq(jbal(j, "due_cents"), 20000);
	ck_assert_int_eq(jbal(j, "credit_cents"), 0);
	ck_assert_int_eq(jbal(j, "account_credit_cents"), 10000);
	json_object_put(j);
	str_fmt(path, sizeof(path), "/api/v1/clients/%" PRId64, sc.ben);
	j = api_get(path);
	ck_assert_int_eq(jbal(j, "paid_cents"), 0);
	ck_assert_int_eq(jbal(j, "balance_cents"), 15000);
	ck_assert_int_eq(jbal(j, "due_cents"), 15000);
	json_object_put(j);
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, sc.acc);
	j = api_get(path);
	ck_assert_int_eq(jbal(j, "charged_cents"), 65000);
	ck_assert_int_eq(jbal(j, "paid_cents"), 40000);
	ck_assert_int_eq(jbal(j, "balance_cents"), 25000);
	ck_assert_int_eq(jbal(j, "due_cents"), 35000);
	ck_assert_int_eq(jbal(j, "credit_cents"), 10000);
	json_object_put(j);
	staff_logout(&s);
}
END_TEST

/* Ann's statement for the last 60 days, as a user reads it: amount due =
 * closing balance = aging total = 200.00 (INV1 50.00 + INV2 150.00, both
 * 1-30 days past due); the account's 100.00 credit is named, not
 * subtracted. */
static const char *const ann_aging[6] = {
	"$0.00", "$200.00", "$0.00", "$0.00", "$0.00", "$200.00",
};
static const char *const acct_aging[6] = {
	"$0.00", "$350.00", "$0.00", "$0.00", "$0.00", "$350.00",
};

static void
expect_ann_statement(const struct itest_resp *r, const char *what)
{
	expect_amount(r, NULL, "Amount due", "$200.00", what);
	expect_amount(r, NULL, "Opening balance", "$0.00", what);
	expect_amount(r, NULL, "Closing balance", "$200.00", what);
	expect_page_aging(r, ann_aging, what);
	expect_text(r, "Payment \xe2\x80\x94 check ACCT-250, applied to INV-", what);
	expect_amount(r, "check ACCT-250", "applied to INV-", "-$250.00", what);
	expect_amount(r, NULL, "Account credit available", "$100.00", what);
}

/* The PDF's text (pdftotext), or NULL when pdftotext is missing. */
static char *
pdf_text(struct staff *s, int64_t stmt)
{
	char file[300];
	struct buf out;
	FILE *f;

	if (itest_sh(NULL, "pdftotext -v >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_figures: pdftotext missing: PDF text not checked\n");
		return NULL;
	}
	get_page(s, "/statements/%" PRId64 "/pdf", stmt);
	str_fmt(file, sizeof(file), "%s/fig-%" PRId64 ".pdf",
	    getenv("ITEST_DIR") ? getenv("ITEST_DIR") : "/tmp", stmt);
	ck_assert((f = fopen(file, "wb")) != NULL);
	ck_assert(fwrite(s->r.body.data, 1, s->r.body.len, f) == s->r.body.len);
	ck_assert(fclose(f) == 0);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(itest_sh(&out, "pdftotext -layout '%s' -", file), 0);
	return buf_detach(&out);
}

START_TEST(client_statement_due_equals_closing_equals_aging)
{
	struct staff s;
	struct scenario sc;
	char path[120];
	int64_t stmt;
	char *t;

	staff_login(&s);
	mk_scenario(&s, &sc);
	get_page(&s, "/accounts/%" PRId64 "/statements/new?client_id=%" PRId64
	    "&from=%s&to=%s", sc.acc, sc.ann, sc.d_from, sc.d_today);
	expect_ann_statement(&s.r, "Ann's statement preview");

	/* Stored (frozen), its print view and its PDF say the same. */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements", sc.acc);
	stmt = post_303(&s, path, "/statements/", "client_id", sc.ann_s, "from",
	    sc.d_from, "to", sc.d_today, NULL);
	get_page(&s, "/statements/%" PRId64, stmt);
	expect_ann_statement(&s.r, "Ann's stored statement");
	get_page(&s, "/statements/%" PRId64 "/print", stmt);
	expect_ann_statement(&s.r, "Ann's statement, print view");
	if ((t = pdf_text(&s, stmt)) != NULL) {
		char got[48];
		ck_assert_msg(itest_amount_after(t, NULL, "Closing balance", got,
		    sizeof(got)) == 0 && strcmp(got, "$200.00") == 0,
		    "PDF closing balance %s: %s", got, t);
		ck_assert_msg(itest_amount_after(t, NULL, "Amount due", got,
		    sizeof(got)) == 0 && strcmp(got, "$200.00") == 0,
		    "PDF amount due %s: %s", got, t);
		expect_aging(t, "TOTAL OPEN", ann_aging, "Ann's statement PDF");
		ck_assert_msg(itest_amount_after(t, NULL, "Account credit available",
		    got, sizeof(got)) == 0 && strcmp(got, "$100.00") == 0,
		    "PDF account credit %s: %s", got, t);
		free(t);
	}

	/* The account's statement: aging 350.00, less the printed unapplied
	 * credit 100.00, is the closing balance and amount due 250.00. */
	get_page(&s, "/accounts/%" PRId64 "/statements/new?from=%s&to=%s", sc.acc,
	    sc.d_from, sc.d_today);
	expect_amount(&s.r, NULL, "Amount due", "$250.00", "account statement");
	expect_amount(&s.r, NULL, "Closing balance", "$250.00", "account statement");
	expect_page_aging(&s.r, acct_aging, "account statement");
	expect_amount(&s.r, "Aging of open invoices", "Unapplied credit", "-$100.00",
	    "account statement");
	stmt = post_303(&s, path, "/statements/", "client_id", "", "from",
	    sc.d_from, "to", sc.d_today, NULL);
	if ((t = pdf_text(&s, stmt)) != NULL) {
		char got[48];
		ck_assert_msg(itest_amount_after(t, NULL, "unapplied credit", got,
		    sizeof(got)) == 0 && strcmp(got, "-$100.00") == 0,
		    "account PDF unapplied credit %s: %s", got, t);
		expect_aging(t, "TOTAL OPEN", acct_aging, "account statement PDF");
		free(t);
	}
	staff_logout(&s);
}
END_TEST

/* A statement frozen before this rule (snapshot version 1), as measured:
 * "Amount due $550.00" over an aging of $350.00. It stays what the client
 * was told, and prints the $200.00 difference as its own line. */
START_TEST(old_frozen_statement_prints_its_difference)
{
	static const char snap[] = "{\"version\":1,\"number\":\"%s\","
	    "\"account_id\":%" PRId64 ",\"client_id\":%" PRId64 ","
	    "\"account_name\":\"Old\",\"client_name\":\"Ann\",\"address\":[],"
	    "\"period_start\":\"%s\",\"period_end\":\"%s\","
	    "\"statement_date\":\"%s\",\"due_date\":\"%s\",\"opening\":0,"
	    "\"closing\":55000,\"amount_due\":55000,"
	    "\"aging\":[0,35000,0,0,0],\"lines\":[]}";
	struct staff s;
	struct scenario sc;
	struct db *db;
	char number[40], json[1024];
	uint64_t id = 0;

	staff_login(&s);
	mk_scenario(&s, &sc);
	str_fmt(number, sizeof(number), "OLD-%s", sc.tag);
	str_fmt(json, sizeof(json), snap, number, sc.acc, sc.ann, sc.d_from,
	    sc.d_today, sc.d_today, sc.d_today);
	ck_assert((db = db_new(&cfg)) != NULL);
	{
		struct db_param p[] = { DB_STR(number), DB_I64(sc.acc), DB_I64(sc.ann),
		    DB_STR(sc.d_from), DB_STR(sc.d_today), DB_STR(sc.d_today),
		    DB_STR(sc.d_today), DB_STR(json), DB_I64(clock_now()) };
		ck_assert_int_eq(db_exec(db, "INSERT INTO statements (number,"
		    " account_id, client_id, period_start, period_end, statement_date,"
		    " due_date, opening_balance, closing_balance, amount_due, snapshot,"
		    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 55000, 55000, ?, ?)",
		    p, ARRAY_LEN(p), NULL, &id), DB_OK);
	}
	db_close(db);
	get_page(&s, "/statements/%" PRId64, (int64_t)id);
	expect_amount(&s.r, NULL, "Amount due", "$550.00", "old statement");
	expect_amount(&s.r, "Aging of open invoices", "Open invoices (aging total)",
	    "$350.00", "old statement");
	expect_amount(&s.r, "Aging of open invoices", "Not in the aging", "$200.00",
	    "old statement");
	expect_amount(&s.r, "Not in the aging", "Closing balance", "$550.00",
	    "old statement");
	staff_logout(&s);
}
END_TEST

static int
ledger_verify(struct buf *out)
{
	buf_reset(out);
	return itest_sh(out, "%s ledger verify 2>&1", env.ctl);
}

START_TEST(ledger_verify_checks_client_figures)
{
	struct staff s;
	struct scenario sc;
	struct db *db;
	struct buf out;
	uint64_t n = 0;

	staff_login(&s);
	mk_scenario(&s, &sc);
	buf_init(&out, 1 << 16);
	ck_assert_msg(ledger_verify(&out) == 0, "ledger verify: %s", buf_cstr(&out));
	ck_assert_msg(strstr(buf_cstr(&out), "client") != NULL ||
	    strstr(buf_cstr(&out), "invariants hold") != NULL, "%s", buf_cstr(&out));
	/* Ben's charge booked to Ann: every account total still adds up, but
	 * the client figures do not. Verify names it, then it is put back. */
	ck_assert((db = db_new(&cfg)) != NULL);
	{
		struct db_param p[] = { DB_I64(sc.ann), DB_I64(sc.inv3) };
		ck_assert_int_eq(db_exec(db, "UPDATE ledger_entries SET client_id = ?"
		    " WHERE invoice_id = ?", p, 2, &n, NULL), DB_OK);
		ck_assert(n == 1);
	}
	{
		int rc = ledger_verify(&out);
		struct db_param p[] = { DB_I64(sc.ben), DB_I64(sc.inv3) };
		ck_assert_int_eq(db_exec(db, "UPDATE ledger_entries SET client_id = ?"
		    " WHERE invoice_id = ?", p, 2, &n, NULL), DB_OK);
		ck_assert_msg(rc != 0, "ledger verify passed a charge booked to the"
		    " wrong client: %s", buf_cstr(&out));
		ck_assert_msg(strstr(buf_cstr(&out), "client") != NULL,
		    "ledger verify does not name the client figures: %s",
		    buf_cstr(&out));
	}
	ck_assert_msg(ledger_verify(&out) == 0, "after repair: %s", buf_cstr(&out));
	db_close(db);
	buf_free(&out);
	staff_logout(&s);
}
END_TEST

static Suite *
figures_suite(void)
{
	Suite *s = suite_create("figures");
	TCase *tc = tcase_create("figures");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, financial_tabs_count_money_applied_to_each_client);
	tcase_add_test(tc, new_payment_suggests_what_is_open);
	tcase_add_test(tc, api_balance_of_a_client_counts_applied_money);
	tcase_add_test(tc, client_statement_due_equals_closing_equals_aging);
	tcase_add_test(tc, old_frozen_statement_prints_its_difference);
	tcase_add_test(tc, ledger_verify_checks_client_figures);
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

/* billingctl apikey create prints the key once: "... bk_...". */
static int
make_key(void)
{
	struct buf out;
	char *k;
	int rc = -1;

	buf_init(&out, 64 * 1024);
	if (itest_sh(&out, "%s apikey create --name itest-figures --role billing",
	    env.ctl) == 0 && (k = strstr(buf_cstr(&out), "bk_")) != NULL) {
		k[strcspn(k, " \r\n")] = '\0';
		rc = str_copy(env.key, sizeof(env.key), k);
	}
	if (rc == -1)
		fprintf(stderr, "test_figures: apikey create failed: %s\n",
		    buf_cstr(&out));
	buf_free(&out);
	return rc;
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
	env.ctl = need("ITEST_BILLINGCTL");
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, need("ITEST_CONFIG"), err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	if (make_key() == -1)
		return 2;
	sr = srunner_create(figures_suite());
	srunner_run_all(sr, CK_VERBOSE);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	config_free(&cfg);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
