/* What a client may pay online besides whole invoices (issue 13): part of
 * an invoice (Settings minimum $1.00 up to what is open, checked by the
 * server; bad amounts get the form again naming the problem and nothing is
 * charged), a statement's invoices as open today, everything due; PDF
 * receipts (download and email attachment, checked with pdftotext); the
 * payment history by 20 with declined attempts under the payment they
 * preceded. Every amount below is computed by hand from the invoices made
 * in the test. */
#include "common.h"

#include <pthread.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "fixture.h"
#include "str.h"

#define TC_TIMEOUT	600
#define NRACE		6

static struct fx_who staff;

static void
setup(void)
{
	fx_staff(&staff, fx.billing);
}

static void
teardown(void)
{
	fx_who_free(&staff);
}

/* --- helpers ---------------------------------------------------------------- */

/* An attribute's value (ESCAPE=attr entities decoded) into out. */
static void
attr(const char *html, const char *name, char *out, size_t outsz)
{
	char pat[80];
	const char *p, *q;
	size_t n = 0;

	str_fmt(pat, sizeof(pat), " %s=\"", name);
	p = strstr(html, pat);
	ck_assert_msg(p != NULL, "no %s in the page: %.1500s", name, html);
	p += strlen(pat);
	q = strchr(p, '"');
	ck_assert(q != NULL);
	while (p < q && n < outsz - 1) {
		if (strncmp(p, "&#x", 3) == 0) {
			out[n++] = (char)strtol(p + 3, NULL, 16);
			p = strchr(p, ';') + 1;
		} else if (strncmp(p, "&amp;", 5) == 0) {
			out[n++] = '&';
			p += 5;
		} else
			out[n++] = *p++;
	}
	out[n] = '\0';
}

/* Confirms the PaymentIntent of client_secret at the sandbox with pm, as
 * Stripe.js does (a declined card answers 402: not asserted). */
static void
confirm(const char *client_secret, const char *pm)
{
	struct itest_client *sb = itest_client_new(fx.sandbox);
	const char *cut = strstr(client_secret, "_secret_");
	const struct config *cfg = fx_config();
	char auth[200], path[200], pi[80];
	struct itest_resp r;

	ck_assert(sb != NULL && cut != NULL);
	str_fmt(pi, sizeof(pi), "%.*s", (int)(cut - client_secret), client_secret);
	str_fmt(auth, sizeof(auth), "Authorization: Bearer %s",
	    cfg->stripe_publishable_key);
	ck_assert(itest_client_add_header(sb, auth) == 0);
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s/confirm", pi);
	itest_resp_init(&r);
	{
		const struct itest_kv kv[] = { { "client_secret", client_secret },
		    { "payment_method", pm } };
		ck_assert(itest_post_form(sb, path, kv, ARRAY_LEN(kv), &r) > 0);
	}
	itest_resp_free(&r);
	itest_client_free(sb);
}

/* From a Stripe Element page: confirm with pm, come back; the payment id. */
static int64_t
checkout(struct fx_who *c, struct itest_resp *r, const char *pm)
{
	char cs[300], ret[700];

	attr(buf_cstr(&r->body), "data-client-secret", cs, sizeof(cs));
	attr(buf_cstr(&r->body), "data-return-url", ret, sizeof(ret));
	ck_assert(strncmp(ret, fx.base, strlen(fx.base)) == 0);
	confirm(cs, pm);
	fx_get(c, ret + strlen(fx.base), r, 303);
	return fx_location_id(r, "/payments/");
}

/* The pay page of query (e.g. "invoice=12"): its hidden fields. */
struct payform {
	char	 invoices[400];
	char	 total[32];
	char	 key[80];
	char	 csrf[256];
};

static void
pay_form(struct fx_who *c, const char *query, struct payform *f,
    struct itest_resp *r)
{
	char path[300];

	str_fmt(path, sizeof(path), "/portal/pay?%s", query);
	fx_get(c, path, r, 200);
	ck_assert(itest_input_value(buf_cstr(&r->body), "invoices", f->invoices,
	    sizeof(f->invoices)) == 0);
	ck_assert(itest_input_value(buf_cstr(&r->body), "total", f->total,
	    sizeof(f->total)) == 0);
	ck_assert(itest_input_value(buf_cstr(&r->body), "attempt_key", f->key,
	    sizeof(f->key)) == 0);
	str_copy(f->csrf, sizeof(f->csrf), c->csrf);
}

/* Pays query's selection (amount "" = all of it) with a new card pm; the
 * payment id. */
static int64_t
portal_pay(struct fx_who *c, const char *query, const char *amount, const char *pm)
{
	struct itest_resp r;
	struct payform f;
	int64_t pid;

	itest_resp_init(&r);
	pay_form(c, query, &f, &r);
	fx_post(c, "/portal/pay", NULL, &r, 200, "invoices", f.invoices, "total",
	    f.total, "attempt_key", f.key, "pay_with", "card", "amount", amount, NULL);
	pid = checkout(c, &r, pm);
	itest_resp_free(&r);
	return pid;
}

/* An account with a portal client and an issued invoice of rate posted to
 * the portal (email = 1: emailed, with a pay link). */
static int64_t
client_with_invoice(struct fx_who *c, char *email, size_t emailsz,
    int64_t *account, const char *rate, int send_email)
{
	struct itest_resp r;
	char path[80];
	int64_t inv;

	*account = fx_account(&staff, 0, email, emailsz, "pp");
	inv = fx_invoice(&staff, *account, rate, "2026-10-05", "2026-11-04");
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", inv);
	fx_get(&staff, path, &r, 200);
	fx_post(&staff, path, NULL, &r, 303, send_email ? "email" : "post", "1", NULL);
	itest_resp_free(&r);
	if (c != NULL)
		fx_portal_client(&staff, *account, email, c, 1);
	return inv;
}

static int64_t
account_payments(int64_t account)
{
	return fx_sql_i64("SELECT COUNT(*) FROM payments WHERE account_id = ?",
	    account);
}

/* pdftotext of a PDF. Caller frees. */
static char *
pdf_text(const char *data, size_t len)
{
	char path[] = "/tmp/it-receipt-XXXXXX";
	struct buf out;
	int fd = mkstemp(path);

	ck_assert(fd >= 0);
	ck_assert(write(fd, data, len) == (ssize_t)len);
	close(fd);
	buf_init(&out, 1024 * 1024);
	ck_assert_int_eq(itest_sh(&out, "pdftotext -layout %s -", path), 0);
	unlink(path);
	return buf_detach(&out);
}

/* The PDF at path (asserted 200, application/pdf) as text. */
static char *
pdf_get_text(struct fx_who *c, const char *path)
{
	struct itest_resp r;
	char *t;

	itest_resp_init(&r);
	fx_get(c, path, &r, 200);
	ck_assert_str_eq(itest_header(&r, "Content-Type"), "application/pdf");
	t = pdf_text(r.body.data, r.body.len);
	itest_resp_free(&r);
	return t;
}

/* The base64 attachment after marker in a mail, decoded (padding and line
 * breaks may have been touched by the catcher's decoding: ignored). */
static void
attachment(const char *m, const char *marker, struct buf *out)
{
	const char *p = strstr(m, marker);
	unsigned acc = 0;
	int bits = 0;

	ck_assert_msg(p != NULL, "no %s in %.3000s", marker, m);
	p = strstr(p, "\r\n\r\n");
	ck_assert(p != NULL);
	for (p += 4; *p && *p != '-'; p++) {
		const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/";
		const char *k = *p ? strchr(b64, *p) : NULL;
		if (k == NULL)
			continue;
		acc = (acc << 6) | (unsigned)(k - b64);
		bits += 6;
		if (bits >= 8) {
			char ch = (char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
			ck_assert(buf_append(out, &ch, 1) == 0);
		}
	}
}

/* --- pay part of an invoice in the portal ------------------------------------ */

START_TEST(test_portal_part)
{
	struct fx_who c, other;
	struct itest_resp r;
	struct payform f;
	char email[200], email2[200], path[200], number[40], *t, *m;
	int64_t acct, acct2, inv, pid;
	struct buf pdf;

	inv = client_with_invoice(&c, email, sizeof(email), &acct, "200.00", 0);
	(void)client_with_invoice(&other, email2, sizeof(email2), &acct2, "5.00", 0);
	itest_resp_init(&r);

	/* the form offers all of it, from the $1.00 minimum */
	str_fmt(path, sizeof(path), "invoice=%" PRId64, inv);
	pay_form(&c, path, &f, &r);
	ck_assert_str_eq(f.total, "20000");
	ck_assert(itest_input_value(buf_cstr(&r.body), "amount", number,
	    sizeof(number)) == 0);
	ck_assert_str_eq(number, "200.00");
	ck_assert(itest_body_has(&r, "From $1.00 up to $200.00"));

	/* bad amounts: the form again naming the problem, nothing charged */
	static const struct { const char *amount, *says; } bad[] = {
		{ "abc", "Enter the amount to pay as dollars and cents" },
		{ "12.345", "Enter the amount to pay as dollars and cents" },
		{ "0.99", "The amount to pay must be at least $1.00." },
		{ "200.01", "cannot be more than the $200.00 open on invoice" },
		{ "-5", "The amount to pay must be at least $1.00." },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		fx_post(&c, "/portal/pay", f.csrf, &r, 422, "invoices", f.invoices,
		    "total", f.total, "attempt_key", f.key, "pay_with", "card",
		    "amount", bad[i].amount, NULL);
		ck_assert_msg(itest_body_has(&r, bad[i].says), "%s: %.3000s",
		    bad[i].amount, buf_cstr(&r.body));
		ck_assert(itest_input_value(buf_cstr(&r.body), "amount", number,
		    sizeof(number)) == 0);
		ck_assert_str_eq(number, bad[i].amount);
	}
	ck_assert_int_eq(account_payments(acct), 0);

	/* $50.00 of $200.00: reserves exactly $50.00 on the invoice */
	fx_post(&c, "/portal/pay", f.csrf, &r, 200, "invoices", f.invoices, "total",
	    f.total, "attempt_key", f.key, "pay_with", "card", "amount", "50.00", NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM "
	    "payment_reservations WHERE invoice_id = ?", inv), 5000);
	pid = checkout(&c, &r, "pm_card_visa");
	ck_assert_int_eq(fx_sql_i64("SELECT amount FROM payments WHERE id = ?", pid),
	    5000);
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM "
	    "allocations WHERE invoice_id = ?", inv), 5000);
	str_fmt(path, sizeof(path), "/portal/invoices/%" PRId64, inv);
	fx_get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "$150.00"));

	/* the receipt: page, PDF, email with the PDF attached */
	str_fmt(path, sizeof(path), "/portal/payments/%" PRId64, pid);
	fx_get(&c, path, &r, 200);
	ck_assert(itest_body_has(&r, "Download receipt (PDF)"));
	str_fmt(path, sizeof(path), "/portal/payments/%" PRId64 "/pdf", pid);
	t = pdf_get_text(&c, path);
	str_fmt(number, sizeof(number), "Receipt P-%" PRId64, pid);
	ck_assert_msg(strstr(t, number) != NULL, "%s", t);
	ck_assert_msg(strstr(t, "Amount paid") && strstr(t, "$50.00") &&
	    strstr(t, "Method") && strstr(t, "Invoice INV-"), "%s", t);
	free(t);
	str_fmt(number, sizeof(number), "filename=\"receipt-P-%" PRId64 ".pdf\"", pid);
	m = fx_mail_wait(email, number, 1);
	buf_init(&pdf, 4u * 1024 * 1024);
	attachment(m, number, &pdf);
	free(m);
	ck_assert(pdf.len > 4 && memcmp(pdf.data, "%PDF", 4) == 0);
	t = pdf_text(pdf.data, pdf.len);
	ck_assert_msg(strstr(t, "$50.00") != NULL && strstr(t, "Amount paid"), "%s", t);
	free(t);
	buf_free(&pdf);

	/* another account's payment and its PDF: 404 */
	fx_get(&other, path, &r, 404);
	str_fmt(path, sizeof(path), "/portal/payments/%" PRId64, pid);
	fx_get(&other, path, &r, 404);
	str_fmt(path, sizeof(path), "/portal/pay?invoice=%" PRId64, inv);
	fx_get(&other, path, &r, 404);

	itest_resp_free(&r);
	fx_who_free(&c);
	fx_who_free(&other);
}
END_TEST

/* --- two partial payments at once whose sum is more than is open ------------- */

struct racer {
	struct fx_who	 c;
	struct payform	 f;
	long		 status;
	int		 checkout;	/* answered with a Stripe Element page */
};

static void *
race(void *arg)
{
	struct racer *x = arg;
	struct itest_resp r;
	const struct itest_kv kv[] = { { "_csrf", x->f.csrf },
	    { "invoices", x->f.invoices }, { "total", x->f.total },
	    { "attempt_key", x->f.key }, { "pay_with", "card" },
	    { "amount", "60.00" } };

	itest_resp_init(&r);
	x->status = itest_post_form(x->c.c, "/portal/pay", kv, ARRAY_LEN(kv), &r);
	x->checkout = itest_body_has(&r, "data-client-secret");
	itest_resp_free(&r);
	return NULL;
}

START_TEST(test_concurrent_parts)
{
	struct racer x[NRACE];
	pthread_t th[NRACE];
	struct itest_resp r;
	char email[200], q[64];
	int64_t acct, inv;
	int won = 0;

	inv = client_with_invoice(NULL, email, sizeof(email), &acct, "100.00", 0);
	str_fmt(q, sizeof(q), "invoice=%" PRId64, inv);
	itest_resp_init(&r);
	for (int i = 0; i < NRACE; i++) {
		if (i == 0)
			fx_portal_client(&staff, acct, email, &x[i].c, 1);
		else {
			fx_who_new(&x[i].c, "racer");
			ck_assert_int_eq(fx_portal_login(&x[i].c, email), 303);
		}
		pay_form(&x[i].c, q, &x[i].f, &r);
	}
	for (int i = 0; i < NRACE; i++)
		ck_assert(pthread_create(&th[i], NULL, race, &x[i]) == 0);
	for (int i = 0; i < NRACE; i++)
		ck_assert(pthread_join(th[i], NULL) == 0);
	for (int i = 0; i < NRACE; i++) {
		if (x[i].status == 200 && x[i].checkout)
			won++;
		else
			ck_assert_msg(x[i].status == 409 || x[i].status == 422,
			    "racer %d: %ld", i, x[i].status);
		fx_who_free(&x[i].c);
	}
	/* $60.00 + $60.00 > $100.00: one reserved, every other refused */
	ck_assert_int_eq(won, 1);
	ck_assert_int_eq(account_payments(acct), 1);
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM "
	    "payment_reservations WHERE invoice_id = ?", inv), 6000);
	itest_resp_free(&r);
}
END_TEST

/* --- a statement's balance as open today, everything due --------------------- */

START_TEST(test_statement_and_all)
{
	struct fx_who c;
	struct itest_resp r;
	struct payform f;
	char email[200], path[200], q[64], *text;
	int64_t acct, a, b, stmt, other_stmt, acct2;

	a = client_with_invoice(&c, email, sizeof(email), &acct, "100.00", 0);
	b = fx_invoice(&staff, acct, "40.00", "2026-11-15", "2026-12-15");
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", b);
	fx_get(&staff, path, &r, 200);
	fx_post(&staff, path, NULL, &r, 303, "post", "1", NULL);
	/* October's statement lists A ($100.00) only */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements", acct);
	fx_get(&staff, "/", &r, 200);
	fx_post(&staff, path, NULL, &r, 303, "from", "2026-10-01", "to",
	    "2026-10-31", NULL);
	stmt = fx_location_id(&r, "/statements/");

	/* $30.00 of A paid: the statement's balance today is $70.00 */
	str_fmt(q, sizeof(q), "invoice=%" PRId64, a);
	(void)portal_pay(&c, q, "30.00", "pm_card_visa");
	fx_get(&c, "/portal/billing", &r, 200);
	text = itest_page_text(buf_cstr(&r.body));
	ck_assert_msg(strstr(text, "Pay $70.00 for statement") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "Pay everything due ($110.00)") != NULL, "%s", text);
	free(text);
	str_fmt(q, sizeof(q), "statement=%" PRId64, stmt);
	pay_form(&c, q, &f, &r);
	ck_assert_str_eq(f.total, "7000");
	str_fmt(path, sizeof(path), "%" PRId64, a);
	ck_assert_str_eq(f.invoices, path);
	ck_assert(itest_body_has(&r, "Pay the statement balance"));
	(void)portal_pay(&c, q, "", "pm_card_visa");
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM "
	    "allocations WHERE invoice_id = ?", a), 10000);

	/* everything due is B's $40.00 now */
	pay_form(&c, "all=1", &f, &r);
	ck_assert_str_eq(f.total, "4000");
	ck_assert(itest_body_has(&r, "Pay everything due"));
	(void)portal_pay(&c, "all=1", "", "pm_card_visa");
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM "
	    "allocations WHERE invoice_id = ?", b), 4000);
	fx_get(&c, "/portal/pay?all=1", &r, 422);
	ck_assert(itest_body_has(&r, "Nothing is due now"));
	fx_get(&c, "/portal/pay?statement=0", &r, 404);

	/* another account's statement: 404 */
	{
		struct fx_who o;
		char e2[200];
		(void)client_with_invoice(&o, e2, sizeof(e2), &acct2, "9.00", 0);
		str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements", acct2);
		fx_post(&staff, path, NULL, &r, 303, "from", "2026-10-01", "to",
		    "2026-10-31", NULL);
		other_stmt = fx_location_id(&r, "/statements/");
		str_fmt(path, sizeof(path), "/portal/pay?statement=%" PRId64,
		    other_stmt);
		fx_get(&c, path, &r, 404);
		fx_who_free(&o);
	}
	itest_resp_free(&r);
	fx_who_free(&c);
}
END_TEST

/* --- pay part by pay link ---------------------------------------------------- */

START_TEST(test_paylink_part)
{
	struct itest_resp r;
	struct fx_who v;
	char email[200], link[200], path[300], key[80], amt[40], *m, *t;
	int64_t acct, inv, pid;

	inv = client_with_invoice(NULL, email, sizeof(email), &acct, "80.00", 1);
	(void)inv;
	m = fx_mail_wait(email, "/pay/", 1);
	fx_mail_link(m, "/pay/", link, sizeof(link));
	free(m);
	fx_who_new(&v, "visitor");
	itest_resp_init(&r);
	fx_get(&v, link, &r, 200);
	ck_assert(itest_input_value(buf_cstr(&r.body), "amount", amt, sizeof(amt)) == 0);
	ck_assert_str_eq(amt, "80.00");
	ck_assert(itest_input_value(buf_cstr(&r.body), "attempt_key", key,
	    sizeof(key)) == 0);
	static const struct { const char *amount, *says; } bad[] = {
		{ "xyz", "Enter the amount to pay as dollars and cents" },
		{ "0.99", "The amount to pay must be at least $1.00." },
		{ "80.01", "cannot be more than the $80.00 open on invoice" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		fx_post(&v, link, NULL, &r, 422, "method", "card", "attempt_key", key,
		    "amount", bad[i].amount, NULL);
		ck_assert_msg(itest_body_has(&r, bad[i].says), "%s", bad[i].amount);
	}
	ck_assert_int_eq(account_payments(acct), 0);
	fx_post(&v, link, NULL, &r, 200, "method", "card", "attempt_key", key,
	    "amount", "30.00", NULL);
	pid = checkout(&v, &r, "pm_card_visa");
	ck_assert_int_eq(fx_sql_i64("SELECT amount FROM payments WHERE id = ?", pid),
	    3000);
	str_fmt(path, sizeof(path), "%s/payments/%" PRId64, link, pid);
	fx_get(&v, path, &r, 200);
	ck_assert(itest_body_has(&r, "Download receipt (PDF)"));
	str_fmt(path, sizeof(path), "%s/payments/%" PRId64 "/pdf", link, pid);
	t = pdf_get_text(&v, path);
	ck_assert_msg(strstr(t, "$30.00") && strstr(t, "Amount paid"), "%s", t);
	free(t);
	/* $50.00 left to pay */
	fx_get(&v, link, &r, 200);
	ck_assert(itest_input_value(buf_cstr(&r.body), "amount", amt, sizeof(amt)) == 0);
	ck_assert_str_eq(amt, "50.00");
	/* a payment not made with this link: 404 */
	str_fmt(path, sizeof(path), "%s/payments/%" PRId64 "/pdf", link, pid + 1000);
	fx_get(&v, path, &r, 404);
	itest_resp_free(&r);
	fx_who_free(&v);
}
END_TEST

/* --- money held by payments in progress --------------------------------------- */

/* Starts a payment of amount on inv with pay_with and (pm != NULL) confirms
 * it at the sandbox; the payment stays in flight. */
static void
start_part(struct fx_who *c, int64_t inv, const char *pay_with,
    const char *amount, const char *pm)
{
	struct itest_resp r;
	struct payform f;
	char q[64];

	itest_resp_init(&r);
	str_fmt(q, sizeof(q), "invoice=%" PRId64, inv);
	pay_form(c, q, &f, &r);
	fx_post(c, "/portal/pay", f.csrf, &r, 200, "invoices", f.invoices, "total",
	    f.total, "attempt_key", f.key, "pay_with", pay_with, "amount", amount,
	    NULL);
	if (pm != NULL)
		(void)checkout(c, &r, pm);
	itest_resp_free(&r);
}

/* The page's text has want (asserted). */
static void
page_says(const struct itest_resp *r, const char *want)
{
	char *text = itest_page_text(buf_cstr(&r->body));

	ck_assert_msg(strstr(text, want) != NULL, "no \"%s\" in: %s", want, text);
	free(text);
}

static void
page_lacks(const struct itest_resp *r, const char *not)
{
	char *text = itest_page_text(buf_cstr(&r->body));

	ck_assert_msg(strstr(text, not) == NULL, "\"%s\" in: %s", not, text);
	free(text);
}

/* An ACH part payment the bank has not answered and a card payment not
 * confirmed yet hold money: each invoice says so with the amount and the
 * state, and the page explains why "Pay everything due" is less than the
 * balance due; in Spanish too; the pay link says it as well. */
START_TEST(test_inflight_label)
{
	struct fx_who c, v;
	struct itest_resp r;
	char email[200], link[200], path[80], amt[40], *m;
	int64_t acct, a, b;

	fx_sandbox("/_sandbox/config", "ach_delay_ms=3600000");
	a = client_with_invoice(&c, email, sizeof(email), &acct, "100.00", 0);
	b = fx_invoice(&staff, acct, "40.00", "2026-11-15", "2026-12-15");
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", b);
	fx_get(&staff, path, &r, 200);
	fx_post(&staff, path, NULL, &r, 303, "email", "1", "post", "1", NULL);

	/* $30.00 of A by bank (processing), $10.00 of B by card (not confirmed) */
	start_part(&c, a, "ach", "30.00", "pm_usBankAccount_success");
	start_part(&c, b, "card", "10.00", NULL);
	fx_get(&c, "/portal/billing", &r, 200);
	page_says(&r, "Balance due $140.00");
	page_says(&r, "Payment in progress: $30.00 (bank transfer processing)");
	page_says(&r, "Payment in progress: $10.00 (started, not confirmed yet)");
	/* A waits for the bank whole; B's $30.00 can be paid */
	page_says(&r, "Pay everything due ($30.00)");
	page_says(&r, "The balance due includes $110.00 on invoices with a payment "
	    "in progress, so paying everything due comes to $30.00.");

	/* the same in Spanish, with no English left of these */
	fx_post(&c, "/portal/language", NULL, &r, 303, "lang", "es", "next",
	    "/portal/billing", NULL);
	fx_get(&c, "/portal/billing", &r, 200);
	page_says(&r, "Pago en curso: $30.00 (transferencia bancaria en proceso)");
	page_says(&r, "Pago en curso: $10.00 (iniciado, aún sin confirmar)");
	page_says(&r, "Pagar todo lo pendiente ($30.00)");
	page_says(&r, "El saldo a pagar incluye $110.00 de facturas con un pago en "
	    "curso");
	page_lacks(&r, "Payment in progress");
	page_lacks(&r, "Pay everything due");

	/* B's pay link: what is held, what is left, in the account's language;
	 * a bad amount is refused in Spanish */
	m = fx_mail_wait(email, "/pay/", 1);
	fx_mail_link(m, "/pay/", link, sizeof(link));
	free(m);
	fx_who_new(&v, "visitor");
	fx_get(&v, link, &r, 200);
	page_says(&r, "Pago en curso: $10.00 (iniciado, aún sin confirmar)");
	ck_assert(itest_input_value(buf_cstr(&r.body), "amount", amt, sizeof(amt)) == 0);
	ck_assert_str_eq(amt, "30.00");
	{
		char key[80];

		ck_assert(itest_input_value(buf_cstr(&r.body), "attempt_key", key,
		    sizeof(key)) == 0);
		fx_post(&v, link, NULL, &r, 422, "method", "card", "attempt_key", key,
		    "amount", "30.01", NULL);
		page_says(&r, "El importe a pagar no puede ser mayor que los $30.00 "
		    "pendientes de la factura");
		fx_post(&v, link, NULL, &r, 422, "method", "card", "attempt_key", key,
		    "amount", "abc", NULL);
		page_says(&r, "Escriba el importe a pagar en dólares y centavos");
	}
	/* the rest of B paid: the receipt email and its PDF are Spanish, dates
	 * in words */
	{
		char q[64], fname[80], *t;
		struct buf pdf;
		int64_t pid;

		str_fmt(q, sizeof(q), "invoice=%" PRId64, b);
		pid = portal_pay(&c, q, "30.00", "pm_card_visa");
		str_fmt(fname, sizeof(fname), "filename=\"receipt-P-%" PRId64 ".pdf\"",
		    pid);
		m = fx_mail_wait(email, fname, 1);
		ck_assert_msg(strstr(m, " de 20") != NULL, "no Spanish date: %.3000s", m);
		buf_init(&pdf, 4u * 1024 * 1024);
		attachment(m, fname, &pdf);
		free(m);
		t = pdf_text(pdf.data, pdf.len);
		ck_assert_msg(strstr(t, "Importe pagado") && strstr(t, "Recibo P-") &&
		    strstr(t, "Fecha de pago") && strstr(t, " de 20") &&
		    strstr(t, "Tarjeta") && !strstr(t, "Amount paid"),
		    "%s", t);
		free(t);
		buf_free(&pdf);
	}
	fx_sandbox("/_sandbox/config", "ach_delay_ms=3000");
	itest_resp_free(&r);
	fx_who_free(&v);
	fx_who_free(&c);
}
END_TEST

/* --- history: 20 a page, declined attempts under the next payment ------------ */

START_TEST(test_history)
{
	struct itest_resp r;
	struct fx_who c;
	char email[200], q[64], *text;
	int64_t acct, inv, first = 0, pid;

	inv = client_with_invoice(&c, email, sizeof(email), &acct, "500.00", 0);
	str_fmt(q, sizeof(q), "invoice=%" PRId64, inv);
	(void)portal_pay(&c, q, "1.00", "pm_card_chargeDeclined");
	(void)portal_pay(&c, q, "1.00", "pm_card_chargeDeclined");
	for (int i = 0; i < 21; i++) {
		pid = portal_pay(&c, q, "1.00", "pm_card_visa");
		if (i == 0)
			first = pid;
	}
	(void)portal_pay(&c, q, "1.00", "pm_card_chargeDeclined");
	ck_assert_int_eq(fx_sql_i64("SELECT COUNT(*) FROM payments WHERE "
	    "account_id = ? AND status = 'failed'", acct), 3);

	itest_resp_init(&r);
	fx_get(&c, "/portal/payments", &r, 200);
	text = itest_page_text(buf_cstr(&r.body));
	ck_assert_msg(strstr(text, "Page 1 of 2") != NULL, "%s", text);
	ck_assert(strstr(text, "Your last payment attempt was declined") != NULL);
	ck_assert(strstr(text, "Failed") == NULL);
	ck_assert(strstr(text, "Ask the client") == NULL);
	free(text);
	{	/* 20 rows on the first page */
		const char *p = buf_cstr(&r.body);
		int rows = 0;
		while ((p = strstr(p, "data-label=\"Transaction\"")) != NULL) {
			rows++;
			p++;
		}
		ck_assert_int_eq(rows, 20);
	}
	fx_get(&c, "/portal/payments?page=2", &r, 200);
	text = itest_page_text(buf_cstr(&r.body));
	str_fmt(q, sizeof(q), "P-%" PRId64 " 2 earlier attempts declined", first);
	ck_assert_msg(strstr(text, q) != NULL, "%s", text);
	ck_assert(strstr(text, "Page 2 of 2") != NULL);
	ck_assert(strstr(text, "Your last payment attempt") == NULL);
	free(text);
	fx_get(&c, "/portal/payments?page=3", &r, 404);
	fx_get(&c, "/portal/payments?page=x", &r, 404);
	itest_resp_free(&r);
	fx_who_free(&c);
}
END_TEST

/* --- the Settings minimum ------------------------------------------------------ */

START_TEST(test_min_setting)
{
	struct itest_resp r;
	struct fx_who admin, c;
	struct payform f;
	char email[200], q[64];
	int64_t acct, inv;

	fx_staff(&admin, fx.admin);
	itest_resp_init(&r);
	fx_get(&admin, "/admin/online-payments", &r, 200);
	ck_assert(itest_body_has(&r, "It is now <strong>$1.00</strong>"));
	fx_post(&admin, "/admin/online-payments", NULL, &r, 422, "min_payment",
	    "five", NULL);
	ck_assert(itest_body_has(&r, "Enter the minimum as dollars and cents"));
	fx_post(&admin, "/admin/online-payments", NULL, &r, 422, "min_payment",
	    "0", NULL);
	ck_assert(itest_body_has(&r, "between $0.01 and"));
	fx_post(&admin, "/admin/online-payments", NULL, &r, 303, "min_payment",
	    "5.00", NULL);

	inv = client_with_invoice(&c, email, sizeof(email), &acct, "20.00", 0);
	str_fmt(q, sizeof(q), "invoice=%" PRId64, inv);
	pay_form(&c, q, &f, &r);
	ck_assert(itest_body_has(&r, "From $5.00 up to $20.00"));
	fx_post(&c, "/portal/pay", f.csrf, &r, 422, "invoices", f.invoices, "total",
	    f.total, "attempt_key", f.key, "pay_with", "card", "amount", "4.99", NULL);
	ck_assert(itest_body_has(&r, "The amount to pay must be at least $5.00."));
	ck_assert_int_eq(account_payments(acct), 0);
	/* $17.00 paid: the $3.00 left may be paid although under $5.00 */
	(void)portal_pay(&c, q, "17.00", "pm_card_visa");
	pay_form(&c, q, &f, &r);
	ck_assert(itest_body_has(&r, "From $3.00 up to $3.00"));
	(void)portal_pay(&c, q, "3.00", "pm_card_visa");
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM "
	    "allocations WHERE invoice_id = ?", inv), 2000);

	fx_get(&admin, "/admin/online-payments", &r, 200);
	fx_post(&admin, "/admin/online-payments", NULL, &r, 303, "min_payment",
	    "1.00", NULL);
	itest_resp_free(&r);
	fx_who_free(&c);
	fx_who_free(&admin);
}
END_TEST

/* Staff email the receipt of a payment to an address they name: a card
 * payment made in the portal and a check recorded at the desk. The mailer
 * renders it when it sends it: amount, method, the invoices it paid. */
START_TEST(test_staff_email_receipt)
{
	struct fx_who c;
	struct itest_resp r;
	char email[200], path[200], to[80], *m;
	int64_t acct, inv, pid, check;

	inv = client_with_invoice(&c, email, sizeof(email), &acct, "120.00", 0);
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "invoice=%" PRId64, inv);
	pid = portal_pay(&c, path, "45.00", "pm_card_visa");
	str_fmt(to, sizeof(to), "front-%" PRId64 "@example.test", acct);
	str_fmt(path, sizeof(path), "/payments/%" PRId64, pid);
	fx_get(&staff, path, &r, 200);
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/email-receipt", pid);
	fx_post(&staff, path, NULL, &r, 422, "to", "not an address", NULL);
	ck_assert_msg(itest_body_has(&r, "email address"), "%.2000s",
	    buf_cstr(&r.body));
	fx_post(&staff, path, NULL, &r, 303, "to", to, NULL);
	m = fx_mail_wait(to, "$45.00", 1);
	ck_assert_msg(strstr(m, "Method:         Card") != NULL, "card receipt names the card: %.1500s", m);
	ck_assert_msg(strstr(m, "INV-") != NULL, "card receipt names the invoice: %.1500s", m);
	free(m);

	/* a check for the rest, recorded by staff, applied to the invoice */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", acct);
	fx_get(&staff, path, &r, 200);
	fx_post(&staff, path, NULL, &r, 303, "method", "check", "amount", "75.00",
	    "received_date", "2026-11-20", "reference", "2002", "allocation",
	    "auto", NULL);
	check = fx_location_id(&r, "/payments/");
	str_fmt(path, sizeof(path), "/payments/%" PRId64, check);
	fx_get(&staff, path, &r, 200);
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/email-receipt", check);
	fx_post(&staff, path, NULL, &r, 303, "to", to, NULL);
	m = fx_mail_wait(to, "$75.00", 1);
	ck_assert_msg(strstr(m, "Check") != NULL, "check receipt says Check: %.1500s", m);
	ck_assert_msg(strstr(m, "Card") == NULL, "check receipt never says Card: %.1500s", m);
	ck_assert_msg(strstr(m, "INV-") != NULL, "check receipt names the invoice: %.1500s", m);
	free(m);
	itest_resp_free(&r);
	fx_who_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("portal_pay");
	TCase *tc = tcase_create("portal_pay");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	fx_add_test(tc, test_portal_part);
	fx_add_test(tc, test_concurrent_parts);
	fx_add_test(tc, test_statement_and_all);
	fx_add_test(tc, test_paylink_part);
	fx_add_test(tc, test_history);
	fx_add_test(tc, test_min_setting);
	fx_add_test(tc, test_inflight_label);
	fx_add_test(tc, test_staff_email_receipt);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
