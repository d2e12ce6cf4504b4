/* Aging and date boundaries against hand-computed tables.
 *
 * One issued invoice per age, each of a distinct power-of-two amount so a
 * bucket's sum says exactly which invoices fell in it. The due dates below
 * were counted by hand (and checked with date(1)) for days past due
 * 0, 1, 30, 31, 60, 61, 90, 91 on 2027-03-01 (after a 28-day February) and
 * on 2028-03-01 (after a 29-day February); the clock is fixed with
 * BILLING_CLOCK_FILE, so no expectation depends on the wall clock.
 *
 * Buckets: Current = not yet past due (0 days), then 1-30, 31-60, 61-90 and
 * over 90 days past due. At 2027-03-01 00:00:00 UTC the table is AT; one
 * second earlier (2027-02-28 23:59:59 UTC) every invoice is one day younger,
 * which gives BEFORE. Checked on the statement (page and API), the A/R page
 * and the API's A/R, and the Financial tab's "overdue" badges. */
#include "common.h"

#include <ctype.h>

#include "buf.h"
#include "clock.h"
#include "fixture.h"
#include "str.h"

#define TC_TIMEOUT	300
#define NAGES		8
#define NBUCKETS	5

struct age {
	int		 days;		/* past due on the "today" of its column */
	const char	*due2027;	/* due date 'days' before 2027-03-01 */
	const char	*due2028;	/* due date 'days' before 2028-03-01 */
	const char	*rate;		/* the invoice's amount */
};

static const struct age ages[NAGES] = {
	{ 0, "2027-03-01", "2028-03-01", "1.00" },
	{ 1, "2027-02-28", "2028-02-29", "2.00" },
	{ 30, "2027-01-30", "2028-01-31", "4.00" },
	{ 31, "2027-01-29", "2028-01-30", "8.00" },
	{ 60, "2026-12-31", "2028-01-01", "16.00" },
	{ 61, "2026-12-30", "2027-12-31", "32.00" },
	{ 90, "2026-12-01", "2027-12-02", "64.00" },
	{ 91, "2026-11-30", "2027-12-01", "128.00" },
};

/* Cents per bucket: Current, 1-30, 31-60, 61-90, over 90. */
static const int64_t AT[NBUCKETS] = { 100, 200 + 400, 800 + 1600, 3200 + 6400, 12800 };
/* One day earlier: 0->current, 1->current, 30->1-30, 31->1-30 (30), 60->31-60, ... */
static const int64_t BEFORE[NBUCKETS] = { 100 + 200, 400 + 800, 1600 + 3200,
    6400 + 12800, 0 };

static const char *const labels[NBUCKETS] = {
	"Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days",
};
static const char *const api_keys[NBUCKETS] = {
	"current_cents", "days_1_30_cents", "days_31_60_cents",
	"days_61_90_cents", "over_90_cents",
};

static char admin_key[FX_KEY_MAX], billing_key[FX_KEY_MAX];

static void
setup(void)
{
	fx_apikey("admin", admin_key);
	fx_apikey("billing", billing_key);
}

static void
teardown(void)
{
	fx_clock_real();
}

/* --- reading figures ----------------------------------------------------------- */

/* "$1,234.56" (up to the next '<') in cents. */
static int64_t
money_at(const char *p, const char *where)
{
	char digits[32];
	size_t n = 0;
	int64_t v = 0;

	for (; *p && *p != '<' && n < sizeof(digits) - 1; p++)
		if (isdigit((unsigned char)*p))
			digits[n++] = *p;
		else if (*p == '-' && n == 0)
			digits[n++] = '-';
	digits[n] = '\0';
	ck_assert_msg(n > 0 && str_to_i64(digits, INT64_MIN, INT64_MAX, &v) == 0,
	    "%s: no amount at %.80s", where, p);
	return v;
}

static const char *
find(const char *hay, const char *needle, const char *where)
{
	const char *p = strstr(hay, needle);

	ck_assert_msg(p != NULL, "%s: no %s in the page", where, needle);
	return p + strlen(needle);
}

static void
expect(const char *where, const int64_t got[NBUCKETS], const int64_t want[NBUCKETS])
{
	for (int b = 0; b < NBUCKETS; b++)
		ck_assert_msg(got[b] == want[b], "%s: %s is %" PRId64 " cents, want "
		    "%" PRId64, where, labels[b], got[b], want[b]);
}

/* The aging object of an API answer. */
static void
api_aging(const char *json, int64_t got[NBUCKETS], const char *where)
{
	const char *a = find(json, "\"aging\"", where);

	for (int b = 0; b < NBUCKETS; b++)
		got[b] = fx_json_i64(a, api_keys[b]);
}

/* The statement page's aging table (statement_body.html): one body row,
 * a cell per bucket in order, then the total. */
static void
statement_page_aging(const char *html, int64_t got[NBUCKETS], const char *where)
{
	const char *t = find(find(html, "aging-table", where), "<tbody>", where);

	for (int b = 0; b < NBUCKETS; b++) {
		t = find(find(t, "<td ", where), ">", where);
		got[b] = money_at(t, where);
	}
}

/* The A/R page's aging table (ar.html). */
static void
ar_page_aging(const char *html, int64_t got[NBUCKETS], const char *where)
{
	const char *t = find(html, "aging-bars", where);
	char cell[80];

	for (int b = 0; b < NBUCKETS; b++) {
		str_fmt(cell, sizeof(cell), ">%s</td>", labels[b]);
		got[b] = money_at(find(find(t, cell, where),
		    "data-label=\"Amount\" class=\"num\">", where), where);
	}
}

/* Moves the clock to datetime (UTC) and signs staff s in afresh (a jump of
 * months ends every session). */
static void
clock_to(struct fx_who *s, const char *datetime)
{
	fx_clock_at(fx_utc(datetime));
	fx_who_free(s);
	fx_staff(s, fx.billing);
}

/* --- making the data ------------------------------------------------------------- */

/* An account in location (0: none) with one invoice per age dated
 * 2026-11-01, due on the 2027 or 2028 dates; issued with the clock at noon
 * of issue_day. */
static int64_t
aged_account(struct fx_who *s, int64_t location, int year, const char *issue_day)
{
	char noon[40];
	int64_t acc;

	str_fmt(noon, sizeof(noon), "%s 12:00:00", issue_day);
	clock_to(s, noon);
	acc = fx_account(s, location, NULL, 0, "aging");
	for (int i = 0; i < NAGES; i++) {
		const char *due = year == 2027 ? ages[i].due2027 : ages[i].due2028;
		fx_invoice(s, acc, ages[i].rate, "2026-11-01", due);
	}
	return acc;
}

/* --- statements: aged as of the period's end, whatever today is ----------- */

static void
statement_page(struct fx_who *s, int64_t acc, const char *to,
    const int64_t want[NBUCKETS])
{
	struct itest_resp r;
	char path[80], where[120];
	int64_t got[NBUCKETS];

	str_fmt(where, sizeof(where), "statement page to %s", to);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/statements", acc);
	itest_resp_init(&r);
	fx_get(s, "/", &r, 200);
	fx_post(s, path, NULL, &r, 303, "from", "2026-11-01", "to", to, NULL);
	str_copy(path, sizeof(path), fx_location(&r));
	fx_get(s, path, &r, 200);
	statement_page_aging(buf_cstr(&r.body), got, where);
	expect(where, got, want);
	itest_resp_free(&r);
}

static void
statement_api(int64_t acc, const char *to, const int64_t want[NBUCKETS])
{
	struct itest_client *c = fx_api_client(billing_key);
	struct itest_resp r;
	char path[80], body[120], where[120];
	int64_t got[NBUCKETS];

	str_fmt(where, sizeof(where), "API statement to %s", to);
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64 "/statements", acc);
	str_fmt(body, sizeof(body), "{\"from\":\"2026-11-01\",\"to\":\"%s\"}", to);
	itest_resp_init(&r);
	itest_request(c, "POST", path, body, &r);
	ck_assert_msg(r.status == 201 || r.status == 200, "%s: HTTP %ld %s", where,
	    r.status, buf_cstr(&r.body));
	api_aging(buf_cstr(&r.body), got, where);
	expect(where, got, want);
	itest_resp_free(&r);
	itest_client_free(c);
}

START_TEST(test_statement_aging)
{
	struct fx_who s;
	int64_t a27, a28;

	fx_staff(&s, fx.billing);
	a27 = aged_account(&s, 0, 2027, "2027-03-01");
	/* made after the period: the statement still ages as of its end */
	clock_to(&s, "2027-04-15 09:00:00");
	statement_page(&s, a27, "2027-03-01", AT);
	statement_api(a27, "2027-03-01", AT);
	statement_page(&s, a27, "2027-02-28", BEFORE);
	statement_api(a27, "2027-02-28", BEFORE);

	/* a leap February */
	a28 = aged_account(&s, 0, 2028, "2028-03-01");
	statement_page(&s, a28, "2028-03-01", AT);
	statement_api(a28, "2028-03-01", AT);
	statement_page(&s, a28, "2028-02-29", BEFORE);
	fx_who_free(&s);
}
END_TEST

/* --- today's figures: A/R and the Financial tab, either side of midnight -- */

static void
ar_now(struct fx_who *s, int64_t location, const char *when,
    const int64_t want[NBUCKETS])
{
	struct itest_client *c = fx_api_client(billing_key);
	struct itest_resp r;
	char path[80], where[120];
	int64_t got[NBUCKETS];

	str_fmt(where, sizeof(where), "A/R page at %s", when);
	str_fmt(path, sizeof(path), "/ar?location_id=%" PRId64, location);
	itest_resp_init(&r);
	fx_get(s, path, &r, 200);
	ar_page_aging(buf_cstr(&r.body), got, where);
	expect(where, got, want);

	str_fmt(where, sizeof(where), "API A/R at %s", when);
	str_fmt(path, sizeof(path), "/api/v1/ar?location_id=%" PRId64, location);
	itest_request(c, "GET", path, NULL, &r);
	ck_assert_msg(r.status == 200, "%s: HTTP %ld", where, r.status);
	api_aging(buf_cstr(&r.body), got, where);
	expect(where, got, want);
	itest_resp_free(&r);
	itest_client_free(c);
}

/* The Financial tab flags an invoice "overdue" once its due date is past:
 * from 1 day past due on. */
static void
financial_badges(struct fx_who *s, int64_t acc, const char *when, int shift)
{
	struct itest_resp r;
	char path[80], cell[80], where[120];

	str_fmt(path, sizeof(path), "/accounts/%" PRId64, acc);
	itest_resp_init(&r);
	fx_get(s, path, &r, 200);
	for (int i = 0; i < NAGES; i++) {
		const char *row, *end;
		int overdue, want = ages[i].days - shift >= 1;

		str_fmt(where, sizeof(where), "Financial tab at %s, due %s", when,
		    ages[i].due2027);
		str_fmt(cell, sizeof(cell), "<td data-label=\"Due\">%s</td>",
		    ages[i].due2027);
		row = find(buf_cstr(&r.body), cell, where);
		end = strstr(row, "</tr>");
		ck_assert(end != NULL);
		overdue = memmem(row, (size_t)(end - row), "pf-st-overdue", 13) != NULL;
		ck_assert_msg(overdue == want, "%s: overdue badge %s, want %s", where,
		    overdue ? "shown" : "absent", want ? "shown" : "absent");
	}
	itest_resp_free(&r);
}

START_TEST(test_today_around_midnight)
{
	struct fx_who s;
	int64_t loc, acc;

	loc = fx_location_new(admin_key);
	fx_staff(&s, fx.billing);
	acc = aged_account(&s, loc, 2027, "2027-02-20");

	clock_to(&s, "2027-02-28 23:59:59");
	ar_now(&s, loc, "2027-02-28 23:59:59", BEFORE);
	financial_badges(&s, acc, "2027-02-28 23:59:59", 1);

	clock_to(&s, "2027-03-01 00:00:00");
	ar_now(&s, loc, "2027-03-01 00:00:00", AT);
	financial_badges(&s, acc, "2027-03-01 00:00:00", 0);

	clock_to(&s, "2027-03-01 23:59:59");
	ar_now(&s, loc, "2027-03-01 23:59:59", AT);
	fx_who_free(&s);
}
END_TEST

/* --- A/R totals: the accounts' balances, whatever moved the money ------------ */

/* Over the accounts at location (0: every account), from their ledger
 * entries: the sum of positive balances, of negative ones (as a positive
 * number), the accounts owing. */
#define LEDGER_AR(what) "SELECT COALESCE(SUM(" what "), 0) FROM (SELECT" \
	" SUM(e.amount) b FROM accounts a JOIN ledger_entries e" \
	" ON e.account_id = a.id WHERE ? IN (0, COALESCE(a.location_id, 0))" \
	" GROUP BY a.id) x"

static void
ledger_ar(int64_t location, int64_t want[3])
{
	/* literals: the statement cache knows a query by its text's address */
	want[0] = fx_sql_i64(LEDGER_AR("GREATEST(b, 0)"), location);
	want[1] = fx_sql_i64(LEDGER_AR("GREATEST(-b, 0)"), location);
	want[2] = fx_sql_i64(LEDGER_AR("b > 0"), location);
}

/* The A/R page's tiles and the API's A/R of location (0: all) equal the
 * sums over the accounts' ledger entries. */
static void
ar_equals_ledger(struct fx_who *s, int64_t location, const char *when)
{
	static const char *const tiles[3] = { "Total receivables", "Accounts in credit",
	    "Accounts owing" };
	static const char *const keys[3] = { "total_cents", "credit_cents",
	    "accounts_with_balance" };
	struct itest_client *c = fx_api_client(billing_key);
	struct itest_resp r;
	char path[80], tile[120], where[160];
	int64_t want[3];

	ledger_ar(location, want);
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/ar?location_id=%" PRId64, location);
	fx_get(s, location ? path : "/ar", &r, 200);
	for (int k = 0; k < 3; k++) {
		str_fmt(where, sizeof(where), "A/R page of location %" PRId64 " %s: %s",
		    location, when, tiles[k]);
		str_fmt(tile, sizeof(tile), "%s</span><span class=\"stat-value\">",
		    tiles[k]);
		ck_assert_msg(money_at(find(buf_cstr(&r.body), tile, where), where) ==
		    want[k], "%s: want %" PRId64, where, want[k]);
	}
	str_fmt(path, sizeof(path), "/api/v1/ar?location_id=%" PRId64, location);
	itest_request(c, "GET", location ? path : "/api/v1/ar", NULL, &r);
	ck_assert_msg(r.status == 200, "API A/R %s: HTTP %ld", when, r.status);
	for (int k = 0; k < 3; k++)
		ck_assert_msg(fx_json_i64(buf_cstr(&r.body), keys[k]) == want[k],
		    "API A/R of location %" PRId64 " %s: %s %" PRId64 ", want %" PRId64,
		    location, when, keys[k], fx_json_i64(buf_cstr(&r.body), keys[k]),
		    want[k]);
	itest_resp_free(&r);
	itest_client_free(c);
}

/* On the A/R page of every location, the row of location is its money
 * owed (no row when it owes nothing). */
static void
ar_row_equals_ledger(struct fx_who *s, int64_t location, const char *when)
{
	struct itest_resp r;
	char link[80], where[160];
	const char *row;
	int64_t want[3];

	ledger_ar(location, want);
	itest_resp_init(&r);
	fx_get(s, "/ar", &r, 200);
	str_fmt(link, sizeof(link), "/ar?location_id=%" PRId64 "\">", location);
	str_fmt(where, sizeof(where), "A/R row of location %" PRId64 " %s", location,
	    when);
	row = strstr(find(buf_cstr(&r.body), "loc-table", where), link);
	if (want[0] == 0)
		ck_assert_msg(row == NULL, "%s: listed, owes nothing", where);
	else
		ck_assert_msg(money_at(find(find(row ? row : "", link, where),
		    "class=\"num\">", where), where) == want[0], "%s: want %" PRId64,
		    where, want[0]);
	itest_resp_free(&r);
}

static void
ar_all_equal_ledger(struct fx_who *s, int64_t l1, int64_t l2, const char *when)
{
	ar_equals_ledger(s, l1, when);
	ar_equals_ledger(s, l2, when);
	ar_equals_ledger(s, 0, when);
	ar_row_equals_ledger(s, l1, when);
	ar_row_equals_ledger(s, l2, when);
}

/* Payments, a card payment refunded in part, credit and a move of an
 * account to another location: after each, the A/R tiles, the API and the
 * rows per location are the sums over the accounts' ledger entries. */
START_TEST(test_ar_totals_follow_money)
{
	struct fx_who s, c;
	char email[160], today[11], due[11], path[80];
	int64_t l1, l2, a, b, d, inv, pid;
	struct itest_resp r;

	fx_clock_real();
	l1 = fx_location_new(admin_key);
	l2 = fx_location_new(admin_key);
	fx_staff(&s, fx.billing);
	ck_assert(date_fmt(clock_now() / 86400, today, sizeof(today)) == 0);
	ck_assert(date_fmt(clock_now() / 86400 - 40, due, sizeof(due)) == 0);
	itest_resp_init(&r);
	/* a owes $300.00 (40 days past due) less $100.00 paid */
	a = fx_account(&s, l1, NULL, 0, "ar-owes");
	inv = fx_invoice(&s, a, "300.00", due, due);
	ar_all_equal_ledger(&s, l1, l2, "after an invoice");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", a);
	fx_get(&s, path, &r, 200);
	fx_post(&s, path, NULL, &r, 303, "method", "cash", "amount", "100.00",
	    "received_date", today, "allocation", "auto", NULL);
	/* b paid $50.00 with nothing open: credit */
	b = fx_account(&s, l1, NULL, 0, "ar-credit");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/payments/new", b);
	fx_get(&s, path, &r, 200);
	fx_post(&s, path, NULL, &r, 303, "method", "cash", "amount", "50.00",
	    "received_date", today, "allocation", "auto", NULL);
	ar_all_equal_ledger(&s, l1, l2, "after payments");
	/* d paid $80.00 by card in the portal, $30.00 refunded */
	d = fx_account(&s, l2, email, sizeof(email), "ar-refund");
	fx_portal_client(&s, d, email, &c, 1);
	inv = fx_invoice(&s, d, "80.00", today, today);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", inv);
	fx_post(&s, path, NULL, &r, 303, "post", "1", NULL);
	pid = fx_portal_pay(&c, inv, "card", "pm_card_visa");
	fx_who_free(&c);
	str_fmt(path, sizeof(path), "/payments/%" PRId64, pid);
	fx_get(&s, path, &r, 200);
	str_fmt(path, sizeof(path), "/payments/%" PRId64 "/refund", pid);
	fx_post(&s, path, NULL, &r, 303, "amount", "30.00", "reason", "test", NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT COALESCE(SUM(amount), 0) FROM"
	    " ledger_entries WHERE payment_id = ? AND kind = 'refund'", pid), 3000);
	ar_all_equal_ledger(&s, l1, l2, "after a refund");
	/* a moves to the other location with what it owes */
	{
		struct itest_client *k = fx_api_client(billing_key);
		char body[64];
		str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, a);
		str_fmt(body, sizeof(body), "{\"location_id\":%" PRId64 "}", l2);
		itest_request(k, "PATCH", path, body, &r);
		ck_assert_msg(r.status == 200, "move: HTTP %ld %s", r.status,
		    buf_cstr(&r.body));
		itest_client_free(k);
	}
	ck_assert_int_eq(fx_sql_i64("SELECT location_id FROM accounts WHERE id = ?",
	    a), l2);
	ar_all_equal_ledger(&s, l1, l2, "after a move");
	itest_resp_free(&r);
	fx_who_free(&s);
}
END_TEST

/* Money long past due (150 and 400 days) is summed from whole months of
 * the read model (migration 0034), money 40 days past due from its day
 * rows: the A/R page and API of the account's location, before and after
 * the account moves to another location. */
START_TEST(test_ar_aging_old_months)
{
	static const int64_t want[NBUCKETS] = { 0, 0, 100, 0, 200 + 400 };
	static const int64_t none[NBUCKETS] = { 0, 0, 0, 0, 0 };
	struct itest_client *k;
	struct itest_resp r;
	struct fx_who s;
	char d40[11], d150[11], d400[11], path[80], body[64];
	int64_t l1, l2, a, day;

	fx_clock_real();
	day = clock_now() / 86400;
	ck_assert(date_fmt(day - 40, d40, sizeof(d40)) == 0);
	ck_assert(date_fmt(day - 150, d150, sizeof(d150)) == 0);
	ck_assert(date_fmt(day - 400, d400, sizeof(d400)) == 0);
	l1 = fx_location_new(admin_key);
	l2 = fx_location_new(admin_key);
	fx_staff(&s, fx.billing);
	a = fx_account(&s, l1, NULL, 0, "ar-old-months");
	fx_invoice(&s, a, "1.00", d40, d40);
	fx_invoice(&s, a, "2.00", d150, d150);
	fx_invoice(&s, a, "4.00", d400, d400);
	ar_now(&s, l1, "with money 40, 150 and 400 days past due", want);
	k = fx_api_client(billing_key);
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, a);
	str_fmt(body, sizeof(body), "{\"location_id\":%" PRId64 "}", l2);
	itest_request(k, "PATCH", path, body, &r);
	ck_assert_msg(r.status == 200, "move: HTTP %ld %s", r.status,
	    buf_cstr(&r.body));
	itest_resp_free(&r);
	itest_client_free(k);
	ar_now(&s, l2, "after the account moved here", want);
	ar_now(&s, l1, "after the account moved away", none);
	fx_who_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("aging");
	TCase *tc = tcase_create("aging");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	fx_add_test(tc, test_statement_aging);
	fx_add_test(tc, test_today_around_midnight);
	fx_add_test(tc, test_ar_totals_follow_money);
	fx_add_test(tc, test_ar_aging_old_months);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
