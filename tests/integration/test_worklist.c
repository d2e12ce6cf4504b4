/* The staff home work list, the A/R pictures, Apply credit on the account
 * page, the Consent tab of a client, and "+ New payment" suggestions
 * (issue 13, Staff), through the real stack.
 *
 * Each case fixes the stack-wide clock to a day of its own (2031-2033), so
 * the days past due and "today's / this month's collections" are counted
 * by hand below and no other case's money lands on those days. Lists are
 * global (every account), so the cases assert their own rows and, for
 * collections, a month nobody else touches. */
#include "common.h"

#include <ctype.h>

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "fixture.h"
#include "money.h"
#include "str.h"

#define TC_TIMEOUT	300

static struct db *wdb;

static void
setup(void)
{
}

static void
teardown(void)
{
	fx_clock_real();
	if (wdb != NULL) {
		db_close(wdb);
		wdb = NULL;
	}
}

/* Rows the work list reads that no page makes on demand (a saved card of a
 * given expiry, a payment in a given state at a given time). */
static void
sql_exec(const char *sql, const struct db_param *p, size_t n)
{
	if (wdb == NULL)
		ck_assert((wdb = db_new(fx_config())) != NULL);
	ck_assert_msg(db_exec(wdb, sql, p, n, NULL, NULL) == DB_OK, "%s: %s", sql,
	    db_error(wdb));
}

static void
at(const char *datetime)
{
	fx_clock_at(fx_utc(datetime));
}

/* The text of the page from needle on, to the end of the element holding it
 * (the next "</section>"), asserted present. Caller frees. */
static char *
section(const struct itest_resp *r, const char *needle)
{
	const char *b = buf_cstr(&r->body), *p = strstr(b, needle), *e;

	ck_assert_msg(p != NULL, "page lacks %s", needle);
	e = strstr(p, "</section>");
	ck_assert(e != NULL);
	return strndup(p, (size_t)(e - p));
}

/* The row (<tr> or <li>) of html holding needle. Caller frees. */
static char *
row_of(const char *html, const char *needle)
{
	const char *p = strstr(html, needle), *s, *e;

	ck_assert_msg(p != NULL, "no row holds %s in %.1500s", needle, html);
	for (s = p; s > html && strncmp(s, "<tr", 3) != 0 &&
	    strncmp(s, "<li", 3) != 0; s--)
		;
	e = strstr(p, strncmp(s, "<tr", 3) == 0 ? "</tr>" : "</li>");
	ck_assert(e != NULL);
	return strndup(s, (size_t)(e - s));
}

/* The page with attribute escapes of URL characters ("&#x2F;" for "/",
 * "&#x2D;" for "-", ...) read as the characters. */
static const char *
body(struct itest_resp *r)
{
	char *b = (char *)buf_cstr(&r->body), *w = b;
	unsigned int ch;
	int n;

	if (*b == '\0')
		return b;
	for (const char *p = b; *p; )
		if (strncmp(p, "&#x", 3) == 0 && sscanf(p + 3, "%2x;%n", &ch, &n) == 1 &&
		    n == 3 && ch < 128 && strchr("/-=?_.:", (int)ch) != NULL) {
			*w++ = (char)ch;
			p += 3 + n;
		} else
			*w++ = *p++;
	*w = '\0';
	return b;
}

static void
has(const char *hay, const char *needle, const char *what)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "%s: no \"%s\" in %.2000s",
	    what, needle, hay);
}

static void
lacks(const char *hay, const char *needle, const char *what)
{
	ck_assert_msg(strstr(hay, needle) == NULL, "%s: \"%s\" should not be in "
	    "%.2000s", what, needle, hay);
}

static const char *
num_of(int64_t inv, char *out, size_t outsz)
{
	struct db_param p[] = { DB_I64(inv) };
	struct db_result r;

	if (wdb == NULL)
		ck_assert((wdb = db_new(fx_config())) != NULL);
	ck_assert(db_query(wdb, "SELECT number FROM invoices WHERE id = ?", p, 1,
	    &r) == DB_OK && r.nrows == 1);
	str_copy(out, outsz, db_str(&r, 0, 0));
	db_result_free(&r);
	return out;
}

static int64_t
cash(struct fx_who *s, int64_t acc, const char *amount, const char *date,
    int64_t inv)
{
	struct itest_resp r;
	char path[80], inv_s[24];
	int64_t id;

	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", acc);
	str_fmt(inv_s, sizeof(inv_s), "%" PRId64, inv);
	itest_resp_init(&r);
	fx_get(s, path, &r, 200);
	if (inv)
		fx_post(s, path, NULL, &r, 303, "method", "cash", "amount", amount,
		    "received_date", date, "allocation", "choose",
		    "alloc1_invoice_id", inv_s, "alloc1_amount", amount, NULL);
	else
		fx_post(s, path, NULL, &r, 303, "method", "cash", "amount", amount,
		    "received_date", date, "allocation", "auto", NULL);
	id = fx_location_id(&r, "/payments/");
	itest_resp_free(&r);
	return id;
}

/* --- the work list ------------------------------------------------------- */

/* On 2031-06-15: invoice A $100.00 due 2031-06-01 (14 days past due) with
 * $30.00 paid today; invoice B $200.00 due 2031-04-01 (30 + 31 + 14 = 75
 * days) with $45.00 paid on 2031-06-03; invoice C $50.00 due 2031-06-20
 * (not due). Home lists A under 1-30 days with $70.00 open, B under 61-90
 * with $155.00, not C; collections today $30.00, this month $75.00. */
START_TEST(test_overdue_and_collections)
{
	struct fx_who s;
	struct itest_resp r;
	int64_t acc, a, b, c;
	char na[40], nb[40], nc[40], *sec, *row;

	at("2031-06-15 12:00:00");
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-overdue");
	a = fx_invoice(&s, acc, "100.00", "2031-05-02", "2031-06-01");
	b = fx_invoice(&s, acc, "200.00", "2031-03-01", "2031-04-01");
	c = fx_invoice(&s, acc, "50.00", "2031-06-10", "2031-06-20");
	cash(&s, acc, "30.00", "2031-06-15", a);
	cash(&s, acc, "45.00", "2031-06-03", b);
	num_of(a, na, sizeof(na));
	num_of(b, nb, sizeof(nb));
	num_of(c, nc, sizeof(nc));

	itest_resp_init(&r);
	fx_get(&s, "/", &r, 200);
	sec = section(&r, "id=\"wl-overdue-h\"");
	row = row_of(strstr(sec, "1-30 days past due"), na);
	has(row, "2031-06-01", "invoice A row");
	has(row, ">14<", "invoice A days past due");
	has(row, "$70.00", "invoice A open");
	free(row);
	row = row_of(strstr(sec, "61-90 days past due"), nb);
	has(row, ">75<", "invoice B days past due");
	has(row, "$155.00", "invoice B open");
	ck_assert_msg(strstr(strstr(sec, "61-90 days past due"), "1-30 days past "
	    "due") != NULL, "the older band comes first");
	free(row);
	lacks(sec, nc, "an invoice not yet due");
	free(sec);
	has(body(&r), "id=\"collected-today\">$30.00<", "today");
	has(body(&r), "id=\"collected-month\">$75.00<", "this month");

	/* B paid in full: it leaves the list */
	cash(&s, acc, "155.00", "2031-06-15", b);
	fx_get(&s, "/", &r, 200);
	sec = section(&r, "id=\"wl-overdue-h\"");
	lacks(sec, nb, "a paid invoice");
	has(sec, na, "invoice A stays");
	free(sec);
	has(body(&r), "id=\"collected-today\">$185.00<", "today, after");
	has(body(&r), "id=\"collected-month\">$230.00<", "month, after");
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* The header of a band: every invoice owing money due from..to (exclusive),
 * counted from the invoices (the old home counted only the oldest 200). */
static void
band_has(const char *sec, const char *label, const char *from, const char *to)
{
	struct db_param p[] = { DB_STR(from), DB_STR(to) };
	struct db_result r;
	char want[160], money[32];
	int64_t n;

	if (wdb == NULL)
		ck_assert((wdb = db_new(fx_config())) != NULL);
	ck_assert(db_query(wdb, "SELECT COUNT(*), COALESCE(SUM(fig_total -"
	    " fig_paid), 0) FROM invoices WHERE fig_open_due >= ? AND"
	    " fig_open_due < ? AND fig_total > fig_paid", p, 2, &r) == DB_OK);
	n = db_i64(&r, 0, 0);
	money_format(db_i64(&r, 0, 1), money, sizeof(money));
	db_result_free(&r);
	if (n == 0) {
		str_fmt(want, sizeof(want), "%s past due", label);
		lacks(sec, want, "an empty band");
		return;
	}
	str_fmt(want, sizeof(want), "%s past due <span class=\"muted\">· %" PRId64
	    " invoice%s · %s</span>", label, n, n == 1 ? "" : "s", money);
	has(sec, want, label);
	if (n > 10) {
		str_fmt(want, sizeof(want), "and %" PRId64 " more in this band", n - 10);
		has(strstr(sec, label), want, "the band's hidden rows");
	}
}

/* 207 invoices over 90 days past due and 2 due 5 days ago: every band's
 * header counts and sums all of its invoices (the old page read the oldest
 * 201 and showed only the over-90 band, capped at 200), and the newest
 * band lists its rows. */
START_TEST(test_overdue_bands_beyond_200)
{
	struct fx_who s;
	struct itest_resp r;
	int64_t acc, recent[2];
	char n0[40], n1[40], *sec;

	at("2033-01-15 12:00:00");
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-bands");
	for (int i = 0; i < 206; i++)
		fx_invoice(&s, acc, "1.25", "2032-01-02", "2032-02-01");
	/* over 90 days, in the month the band ends in (read by day) */
	fx_invoice(&s, acc, "3.00", "2032-09-05", "2032-10-05");
	recent[0] = fx_invoice(&s, acc, "7.00", "2033-01-01", "2033-01-10");
	recent[1] = fx_invoice(&s, acc, "8.00", "2033-01-01", "2033-01-10");
	itest_resp_init(&r);
	fx_get(&s, "/", &r, 200);
	sec = section(&r, "id=\"wl-overdue-h\"");
	band_has(sec, "Over 90 days", "1000-01-01", "2032-10-17");
	band_has(sec, "61-90 days", "2032-10-17", "2032-11-16");
	band_has(sec, "31-60 days", "2032-11-16", "2032-12-16");
	band_has(sec, "1-30 days", "2032-12-16", "2033-01-15");
	has(strstr(sec, "1-30 days"), num_of(recent[0], n0, sizeof(n0)), "a new row");
	has(strstr(sec, "1-30 days"), num_of(recent[1], n1, sizeof(n1)), "a new row");
	has(sec, "1-30 days past due <span class=\"muted\">· 2 invoices · $15.00",
	    "the newest band");
	free(sec);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* A $80.00 card payment on 2031-09-10 and a $25.00 refund of it the same
 * day: $55.00 collected today and this month. */
START_TEST(test_collections_net_of_refunds)
{
	struct fx_who s, cl;
	struct itest_resp r;
	char email[160], path[80];
	int64_t acc, inv, pid;

	at("2031-09-10 15:00:00");
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, email, sizeof(email), "wl-refund");
	fx_portal_client(&s, acc, email, &cl, 1);
	inv = fx_invoice(&s, acc, "80.00", "2031-09-01", "2031-09-30");
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", inv);
	fx_post(&s, path, NULL, &r, 303, "post", "1", NULL);
	pid = fx_portal_pay(&cl, inv, "card", "pm_card_visa");
	fx_get(&s, "/", &r, 200);
	has(body(&r), "id=\"collected-today\">$80.00<", "today, paid");
	str_fmt(path, sizeof(path), "/payments/%" PRId64, pid);
	fx_get(&s, path, &r, 200);
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/refund", pid);
	fx_post(&s, path, NULL, &r, 303, "amount", "25.00", "reason", "Overbilled",
	    NULL);
	fx_get(&s, "/", &r, 200);
	has(body(&r), "id=\"collected-today\">$55.00<", "today, refunded");
	has(body(&r), "id=\"collected-month\">$55.00<", "month, refunded");
	itest_resp_free(&r);
	fx_who_free(&cl);
	fx_who_free(&s);
}
END_TEST

static void
payment_row(int64_t acc, const char *method, int64_t amount, const char *status,
    const char *stripe_status, int64_t created_at, const char *failure)
{
	struct db_param p[] = { DB_I64(acc), DB_STR(method), DB_I64(amount),
	    DB_STR(status), DB_I64(created_at), DB_STR(stripe_status),
	    DB_STR(failure) };

	sql_exec("INSERT INTO payments (account_id, method, amount, status,"
	    " received_date, created_at, stripe_status, failure_message)"
	    " VALUES (?, ?, ?, ?, '2032-01-01', ?, ?, ?)", p, ARRAY_LEN(p));
}

static void
card_row(int64_t acc, const char *pm, const char *last4, int month, int year)
{
	struct db_param p[] = { DB_I64(acc), DB_STR(pm), DB_STR(last4),
	    DB_I64(month), DB_I64(year) };

	sql_exec("INSERT INTO payment_methods (account_id, stripe_pm_id, kind,"
	    " brand, last4, exp_month, exp_year, created_at) VALUES (?, ?, 'card',"
	    " 'visa', ?, ?, ?, 1)", p, ARRAY_LEN(p));
}

/* On 2032-03-20 12:00: failed 3 days ago (listed), failed 20 days ago (too
 * old), failed then paid (not listed), requires_action (listed), ACH
 * pending 6 days (listed) and 2 days (not yet). Cards: 02/2032 expired,
 * 03/2032 (expires in 11 days), 04/2032 (the last day, 2032-04-30, is 41
 * days away: not yet since 2032-04-19 is in April), 05/2032 not listed. */
START_TEST(test_attention_and_cards)
{
	struct fx_who s;
	struct itest_resp r;
	int64_t now = fx_utc("2032-03-20 12:00:00"), acc, paid;
	char *sec, *row, u[40], pm[64];

	at("2032-03-20 12:00:00");
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-attn");
	paid = fx_account(&s, 0, NULL, 0, "wl-paid");
	payment_row(acc, "card", 1111, "failed", "requires_payment_method",
	    now - 3 * 86400, "Your card was declined.");
	payment_row(acc, "card", 2222, "failed", "", now - 20 * 86400, "old");
	payment_row(paid, "card", 3333, "failed", "", now - 2 * 86400, "x");
	payment_row(paid, "cash", 3333, "succeeded", "", now - 86400, "");
	payment_row(acc, "card", 4444, "pending", "requires_action",
	    now - 3600, "");
	payment_row(acc, "ach", 5555, "pending", "processing", now - 6 * 86400, "");
	payment_row(acc, "ach", 6666, "pending", "processing", now - 2 * 86400, "");
	itest_unique(u, sizeof(u), "pm");
	for (int m = 2; m <= 5; m++) {
		char last4[5];
		str_fmt(pm, sizeof(pm), "%s_%d", u, m);
		str_fmt(last4, sizeof(last4), "90%02d", m);
		card_row(acc, pm, last4, m, 2032);
	}

	itest_resp_init(&r);
	fx_get(&s, "/", &r, 200);
	sec = section(&r, "id=\"wl-pay-h\"");
	row = row_of(sec, "$11.11");
	has(row, "Failed", "failed 3 days ago");
	has(row, "Your card was declined.", "why it failed");
	free(row);
	lacks(sec, "$22.22", "failed 20 days ago");
	lacks(sec, "$33.33", "failed, then paid");
	row = row_of(sec, "$44.44");
	has(row, "Waiting for the client to confirm", "requires_action");
	free(row);
	row = row_of(sec, "$55.55");
	has(row, "Bank payment pending", "ACH pending 6 days");
	has(row, "(6 days ago)", "ACH age");
	free(row);
	lacks(sec, "$66.66", "ACH pending 2 days");
	free(sec);

	sec = section(&r, "id=\"wl-cards-h\"");
	row = row_of(sec, "9002");
	has(row, "02/2032", "expired card");
	has(row, ">expired<", "expired badge");
	free(row);
	str_fmt(pm, sizeof(pm), "/accounts/%" PRId64 "/payment-methods", acc);
	row = row_of(sec, pm);	/* soonest expiry first */
	has(row, "9003", "the card of this month first");
	has(row, ">expiring<", "card expiring this month");
	free(row);
	lacks(sec, "9004", "a card good for 41 more days");
	lacks(sec, "9005", "a card good for months");
	free(sec);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

static int64_t
plan_row(int64_t acc, const char *status)
{
	struct db_param p[] = { DB_I64(acc), DB_STR(status) };
	uint64_t id = 0;

	if (wdb == NULL)
		ck_assert((wdb = db_new(fx_config())) != NULL);
	ck_assert(db_exec(wdb, "INSERT INTO payment_plans (account_id, status,"
	    " basis, total, frequency, start_date, created_at, updated_at)"
	    " VALUES (?, ?, 'amount', 40000, 'monthly', '2033-04-20', 1, 1)", p,
	    ARRAY_LEN(p), NULL, &id) == DB_OK);
	return (int64_t)id;
}

static void
installment_row(int64_t plan, int number, const char *due, const char *status)
{
	struct db_param p[] = { DB_I64(plan), DB_I64(number), DB_STR(due),
	    DB_STR(status) };

	sql_exec("INSERT INTO payment_plan_installments (plan_id, number,"
	    " due_date, amount, status) VALUES (?, ?, ?, 10000, ?)", p,
	    ARRAY_LEN(p));
}

/* Plans past due, once the plans tables exist (migration 0014, merged
 * separately): before, the section is absent. On 2033-05-20 an active plan
 * has #1 (2033-04-20) paid, #2 (2033-05-05) and #3 (2033-05-19) unpaid, #4
 * (2033-06-05) to come: listed with 2 installments, $200.00, since
 * 2033-05-05 (15 days). A paused and a cancelled plan with unpaid past
 * installments are not listed. */
START_TEST(test_plans_past_due)
{
	struct fx_who s;
	struct itest_resp r;
	int64_t acc, plan, paused, cancelled;
	char link[64], *sec, *row;

	at("2033-05-20 12:00:00");
	fx_staff(&s, fx.billing);
	itest_resp_init(&r);
	if (fx_sql_i64("SELECT COUNT(*) FROM information_schema.tables WHERE"
	    " table_schema = DATABASE() AND table_name ="
	    " 'payment_plan_installments' AND ? = 0", 0) == 0) {
		fx_get(&s, "/", &r, 200);
		lacks(body(&r), "wl-plans-h", "no plans, no plans section");
		goto done;
	}
	acc = fx_account(&s, 0, NULL, 0, "wl-plan");
	plan = plan_row(acc, "active");
	installment_row(plan, 1, "2033-04-20", "paid");
	installment_row(plan, 2, "2033-05-05", "scheduled");
	installment_row(plan, 3, "2033-05-19", "scheduled");
	installment_row(plan, 4, "2033-06-05", "scheduled");
	paused = plan_row(acc, "paused");
	installment_row(paused, 1, "2033-05-01", "scheduled");
	cancelled = plan_row(acc, "cancelled");
	installment_row(cancelled, 1, "2033-05-01", "scheduled");
	fx_get(&s, "/", &r, 200);
	sec = section(&r, "id=\"wl-plans-h\"");
	str_fmt(link, sizeof(link), "href=\"/plans/%" PRId64 "\"", plan);
	row = row_of(sec, link);
	has(row, "2 installments · $200.00", "what is behind");
	has(row, "since 2033-05-05 (15 days)", "since when");
	free(row);
	str_fmt(link, sizeof(link), "href=\"/plans/%" PRId64 "\"", paused);
	lacks(sec, link, "a paused plan");
	str_fmt(link, sizeof(link), "href=\"/plans/%" PRId64 "\"", cancelled);
	lacks(sec, link, "a cancelled plan");
	free(sec);
done:
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* --- receivables as pictures -------------------------------------------------- */

/* The money after needle in html, as it is printed ("$1,234.56"). */
static void
money_after(const char *html, const char *needle, char *out, size_t outsz)
{
	const char *p = strstr(html, needle);
	size_t n = 0;

	ck_assert_msg(p != NULL, "no %s", needle);
	p = strchr(p + strlen(needle), '$');
	ck_assert(p != NULL);
	while (n + 1 < outsz && (*p == '$' || *p == ',' || *p == '.' ||
	    isdigit((unsigned char)*p)))
		out[n++] = *p++;
	out[n] = '\0';
}

/* At a new location: one account owing $120.00 (91 days past due) and
 * $60.00 (current); $40.00 collected on 2033-01-05. The A/R page draws four
 * charts; each chart's numbers are those of its table and of the A/R
 * figures. */
START_TEST(test_ar_charts)
{
	char key[FX_KEY_MAX], path[80], want[32], got[32], name[80];
	struct fx_who s;
	struct itest_resp r;
	const char *html, *svg;
	int64_t loc, acc, inv;
	int n = 0;

	at("2033-01-10 12:00:00");
	fx_apikey("admin", key);
	loc = fx_location_new(key);
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, loc, NULL, 0, "wl-ar");
	inv = fx_invoice(&s, acc, "160.00", "2032-10-01", "2032-10-11");
	(void)fx_invoice(&s, acc, "60.00", "2033-01-01", "2033-02-01");
	cash(&s, acc, "40.00", "2033-01-05", inv);

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/ar?location_id=%" PRId64, loc);
	fx_get(&s, path, &r, 200);
	html = buf_cstr(&r.body);
	for (svg = html; (svg = strstr(svg, "<svg")) != NULL; svg++)
		n++;
	ck_assert_msg(n == 3, "a location's A/R: 3 charts, got %d", n);
	has(html, "role=\"img\"", "charts are images with a name");
	/* aging: 2032-10-11 to 2033-01-10 is 21 + 30 + 31 + 9 = 91 days */
	money_after(strstr(html, "<svg"), "Over 90 days", got, sizeof(got));
	ck_assert_str_eq(got, "$120.00");
	money_after(strstr(html, "aging-bars"), ">Over 90 days</td>", want,
	    sizeof(want));
	ck_assert_str_eq(got, want);
	money_after(strstr(html, "<svg"), "Current", got, sizeof(got));
	ck_assert_str_eq(got, "$60.00");
	has(html, "<caption", "tables have captions");
	has(html, "<th scope=\"col\"", "column headers");
	/* collections: the week ending today holds the $40.00 */
	money_after(html, "weeks-table", got, sizeof(got));
	money_after(strstr(html, "weeks-table"), "2033-01-04 – 2033-01-10", got,
	    sizeof(got));
	ck_assert_str_eq(got, "$40.00");
	money_after(strstr(html, "weeks-table"), "13 weeks", got, sizeof(got));
	ck_assert_str_eq(got, "$40.00");
	/* top balances: the picture names the account and its balance */
	money_after(html, "Total receivables", want, sizeof(want));
	ck_assert_str_eq(want, "$180.00");
	svg = strstr(strstr(html, "id=\"top-h\""), "<svg");
	ck_assert(svg != NULL);
	money_after(svg, "</text>", got, sizeof(got));
	ck_assert_str_eq(got, "$180.00");

	/* every location: a fourth chart, the location's row = its A/R */
	fx_get(&s, "/ar", &r, 200);
	html = buf_cstr(&r.body);
	ck_assert(strstr(html, "id=\"loc-h\"") != NULL);
	str_fmt(name, sizeof(name), "/ar?location_id=%" PRId64 "\">", loc);
	money_after(strstr(html, "loc-table"), name, got, sizeof(got));
	ck_assert_str_eq(got, "$180.00");
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* --- the account page ---------------------------------------------------------- */

/* $40.00 paid with nothing open is credit; once a $100.00 invoice is
 * issued, the account page offers Apply credit (not to front desk); after
 * it the invoice owes $60.00 and the button is gone. */
START_TEST(test_apply_credit_on_account)
{
	struct fx_who s, f;
	struct itest_resp r;
	char path[80], form[96], today[11];
	int64_t acc, inv;

	fx_clock_real();
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-credit");
	ck_assert(date_fmt(date_today(), today, sizeof(today)) == 0);
	cash(&s, acc, "40.00", today, 0);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, acc);
	str_fmt(form, sizeof(form), "action=\"/accounts/%" PRId64 "/apply-credit\"",
	    acc);
	itest_resp_init(&r);
	fx_get(&s, path, &r, 200);
	lacks(body(&r), form, "nothing open to apply credit to");
	inv = fx_invoice(&s, acc, "100.00", "2030-01-03", "2030-02-03");
	fx_get(&s, path, &r, 200);
	has(body(&r), form, "Apply credit offered");
	has(body(&r), ">Apply credit</button>", "the button");

	fx_staff(&f, fx.frontdesk);
	fx_get(&f, path, &r, 200);
	lacks(body(&r), form, "front desk cannot apply credit");
	fx_who_free(&f);

	str_fmt(form, sizeof(form), "/accounts/%" PRId64 "/apply-credit", acc);
	fx_post(&s, form, NULL, &r, 303, NULL);
	str_copy(path, sizeof(path), fx_location(&r));
	fx_get(&s, path, &r, 200);
	has(body(&r), "unallocated credit was applied", "notice");
	lacks(body(&r), ">Apply credit</button>", "no credit left");
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM"
	    " allocations WHERE invoice_id = ?", inv), 4000);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* The Consent tab of a client (and of an inquiry) stays on the profile:
 * its own address, the profile's tabs, and a form that comes back to it. */
START_TEST(test_consent_tab_on_profile)
{
	struct fx_who s;
	struct itest_resp r;
	char acc_s[24], path[80], href[96];
	int64_t acc, cli, inq;

	fx_clock_real();
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-consent");
	str_fmt(acc_s, sizeof(acc_s), "%" PRId64, acc);
	itest_resp_init(&r);
	fx_get(&s, "/clients/new", &r, 200);
	fx_post(&s, "/clients/new", NULL, &r, 303, "account_id", acc_s,
	    "first_name", "Rosa", "last_name", "Tabb", NULL);
	cli = fx_location_id(&r, "/clients/");
	fx_get(&s, "/inquiries/new", &r, 200);
	fx_post(&s, "/inquiries/new", NULL, &r, 303, "account_id", acc_s,
	    "first_name", "Ian", "last_name", "Quill", NULL);
	inq = fx_location_id(&r, "/inquiries/");

	str_fmt(path, sizeof(path), "/clients/%" PRId64, cli);
	fx_get(&s, path, &r, 200);
	str_fmt(href, sizeof(href), "href=\"/clients/%" PRId64 "/consents\">Consent<",
	    cli);
	has(body(&r), href, "client's Consent tab");
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/consents", cli);
	fx_get(&s, path, &r, 200);
	has(body(&r), "<h1>Rosa Tabb</h1>", "the client's page");
	str_fmt(href, sizeof(href), "href=\"/clients/%" PRId64 "\">Financial<", cli);
	has(body(&r), href, "the Financial tab goes back");
	has(body(&r), "aria-selected=\"true\">Consent<", "tab selected");

	str_fmt(path, sizeof(path), "/inquiries/%" PRId64, inq);
	fx_get(&s, path, &r, 200);
	str_fmt(href, sizeof(href), "href=\"/inquiries/%" PRId64
	    "/consents\">Consent<", inq);
	has(body(&r), href, "inquiry's Consent tab");
	str_fmt(path, sizeof(path), "/inquiries/%" PRId64 "/consents", inq);
	fx_get(&s, path, &r, 200);
	has(body(&r), "<h1>Ian Quill</h1>", "the inquiry's page");
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/consents", inq);
	fx_get(&s, path, &r, 404);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* A saved card: the consent form's text names it (brand and last 4), from
 * the client's Consent tab too; the saved consent brings staff back to the
 * client's tab. */
START_TEST(test_consent_names_method)
{
	struct fx_who s;
	struct itest_resp r;
	char acc_s[24], cli_s[24], path[80], pm[64], mid[24];
	int64_t acc, cli, m;
	char *sec;

	fx_clock_real();
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-names");
	str_fmt(acc_s, sizeof(acc_s), "%" PRId64, acc);
	itest_unique(pm, sizeof(pm), "pm_card_visa");
	card_row(acc, pm, "4242", 12, 2040);
	m = fx_sql_i64("SELECT MAX(id) FROM payment_methods WHERE account_id = ?",
	    acc);
	str_fmt(mid, sizeof(mid), "%" PRId64, m);
	itest_resp_init(&r);
	fx_get(&s, "/clients/new", &r, 200);
	fx_post(&s, "/clients/new", NULL, &r, 303, "account_id", acc_s,
	    "first_name", "Nell", "last_name", "Card", NULL);
	cli = fx_location_id(&r, "/clients/");
	str_fmt(cli_s, sizeof(cli_s), "%" PRId64, cli);
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/consents", cli);
	fx_get(&s, path, &r, 200);
	sec = section(&r, "class=\"consent-text\"");
	has(sec, "4242", "the consent names the card");
	free(sec);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/consents", acc);
	fx_post(&s, path, NULL, &r, 303, "payment_method_id", mid, "scope",
	    "any_balance", "signer_name", "Nell Card", "consent_agree", "1",
	    "client_id", cli_s, NULL);
	str_fmt(path, sizeof(path), "/clients/%" PRId64 "/consents?notice=recorded",
	    cli);
	ck_assert_str_eq(fx_location(&r), path);
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* "+ New payment" from a client suggests the client's open amount; from
 * the account, the account's: client $25.00 + another invoice $40.00. */
START_TEST(test_new_payment_suggests)
{
	struct fx_who s;
	struct itest_resp r;
	char acc_s[24], cli_s[24], path[96];
	int64_t acc, cli, inv;

	fx_clock_real();
	fx_staff(&s, fx.billing);
	acc = fx_account(&s, 0, NULL, 0, "wl-suggest");
	str_fmt(acc_s, sizeof(acc_s), "%" PRId64, acc);
	itest_resp_init(&r);
	fx_get(&s, "/clients/new", &r, 200);
	fx_post(&s, "/clients/new", NULL, &r, 303, "account_id", acc_s,
	    "first_name", "Sam", "last_name", "Suggest", NULL);
	cli = fx_location_id(&r, "/clients/");
	str_fmt(cli_s, sizeof(cli_s), "%" PRId64, cli);
	fx_get(&s, "/invoices/new", &r, 200);
	fx_post(&s, "/invoices/new", NULL, &r, 303, "account_id", acc_s,
	    "client_id", cli_s, "payment_type_id", "1", "invoice_date",
	    "2030-03-01", "due_date", "2030-03-31", "line1_description", "Visit",
	    "line1_quantity", "1", "line1_rate", "25.00", NULL);
	inv = fx_location_id(&r, "/invoices/");
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/issue", inv);
	fx_post(&s, path, NULL, &r, 303, "confirm", "1", NULL);
	(void)fx_invoice(&s, acc, "40.00", "2030-03-01", "2030-03-31");

	str_fmt(path, sizeof(path), "/clients/%" PRId64, cli);
	fx_get(&s, path, &r, 200);
	str_fmt(path, sizeof(path), "href=\"/accounts/%" PRId64
	    "/payments/new?client_id=%" PRId64 "\"", acc, cli);
	has(body(&r), path, "client's + New payment");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new?client_id=%"
	    PRId64, acc, cli);
	fx_get(&s, path, &r, 200);
	has(body(&r), "value=\"25.00\"", "client's open amount");
	lacks(body(&r), "value=\"65.00\"", "not the account's");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", acc);
	fx_get(&s, path, &r, 200);
	has(body(&r), "value=\"65.00\"", "account's open amount");
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	fx_init();
	s = suite_create("worklist");
	tc = tcase_create("worklist");
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	fx_add_test(tc, test_overdue_and_collections);
	fx_add_test(tc, test_overdue_bands_beyond_200);
	fx_add_test(tc, test_collections_net_of_refunds);
	fx_add_test(tc, test_attention_and_cards);
	fx_add_test(tc, test_plans_past_due);
	fx_add_test(tc, test_ar_charts);
	fx_add_test(tc, test_apply_credit_on_account);
	fx_add_test(tc, test_consent_tab_on_profile);
	fx_add_test(tc, test_consent_names_method);
	fx_add_test(tc, test_new_payment_suggests);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
