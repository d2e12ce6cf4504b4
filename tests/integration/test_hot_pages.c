/* The hot pages read through indexes (issue 12): the portal Billing page,
 * the staff home, the staff account page with its Financial tab, the
 * invoice list and the A/R page each run within a statement budget and
 * create no on-disk temporary table (the account page none at all).
 *
 * Measured as deltas of the server's global counters (SHOW GLOBAL STATUS,
 * readable by the test's own connection) around each request, with
 * billing-jobs stopped so that only the page talks to MariaDB: Questions
 * (statements the server executed for clients, prepared ones included)
 * less the test's own status reads, Created_tmp_disk_tables and
 * Created_tmp_tables (less the one each status read builds). Each page
 * is requested three times and the smallest count is kept (the first
 * request of a worker also prepares its statements). A staff change to the
 * branding shows on the very next pages. */
#include "common.h"

#include "buf.h"
#include "db.h"
#include "fixture.h"
#include "str.h"

#define TC_TIMEOUT	240

static struct db *db;

struct counters {
	int64_t	 questions;
	int64_t	 tmp_disk;
	int64_t	 tmp;
};

static void
counters_read(struct counters *c)
{
	struct db_result r;

	ck_assert_int_eq(db_query(db, "SHOW GLOBAL STATUS WHERE Variable_name IN"
	    " ('Questions', 'Created_tmp_disk_tables', 'Created_tmp_tables')",
	    NULL, 0, &r), DB_OK);
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < r.nrows; i++) {
		int64_t v = 0;
		ck_assert_int_eq(str_to_i64(db_str(&r, i, 1), 0, INT64_MAX, &v), 0);
		if (strcmp(db_str(&r, i, 0), "Questions") == 0)
			c->questions = v;
		else if (strcmp(db_str(&r, i, 0), "Created_tmp_tables") == 0)
			c->tmp = v;
		else
			c->tmp_disk = v;
	}
	db_result_free(&r);
}

/* What one read of the counters itself adds to them: statements to
 * Questions, and the temporary table SHOW ... WHERE builds. */
static void
read_cost(struct counters *cost)
{
	struct counters a, b;

	counters_read(&a);
	counters_read(&b);
	cost->questions = b.questions - a.questions;
	cost->tmp = b.tmp - a.tmp;
}

/* GETs path as w three times; asserts 200, no on-disk temporary table
 * (nor any temporary table unless tmp_ok) and at most budget statements
 * for the cheapest of the three. */
static void
page_within_tmp(struct fx_who *w, const char *path, int64_t budget, int tmp_ok)
{
	int64_t best = INT64_MAX;
	struct counters cost;
	struct itest_resp r;

	read_cost(&cost);
	itest_resp_init(&r);
	for (int k = 0; k < 3; k++) {
		struct counters a, b;

		counters_read(&a);
		fx_get(w, path, &r, 200);
		counters_read(&b);
		ck_assert_msg(b.tmp_disk == a.tmp_disk, "GET %s created %" PRId64
		    " on-disk temporary table(s)", path, b.tmp_disk - a.tmp_disk);
		ck_assert_msg(tmp_ok || b.tmp - a.tmp == cost.tmp, "GET %s created %"
		    PRId64 " temporary table(s)", path, b.tmp - a.tmp - cost.tmp);
		if (b.questions - a.questions - cost.questions < best)
			best = b.questions - a.questions - cost.questions;
	}
	printf("GET %-28s %3" PRId64 " statements (budget %" PRId64 ")\n", path,
	    best, budget);
	fflush(stdout);
	ck_assert_msg(best <= budget, "GET %s ran %" PRId64 " statements; the budget"
	    " is %" PRId64, path, best, budget);
	itest_resp_free(&r);
}

static void
page_within(struct fx_who *w, const char *path, int64_t budget)
{
	page_within_tmp(w, path, budget, 1);
}

static void
env_jobs(const char *what)
{
	struct buf out;
	int rc;

	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s %s %s", getenv("ITEST_ENV_SH"), what,
	    getenv("ITEST_DIR"));
	ck_assert_msg(rc == 0, "env.sh %s: %s", what, buf_cstr(&out));
	buf_free(&out);
}

/* An issued invoice of rate, posted to the portal. */
static int64_t
posted_invoice(struct fx_who *s, int64_t account, const char *rate)
{
	struct itest_resp r;
	char path[80];
	int64_t id = fx_invoice(s, account, rate, "2026-01-05", "2026-02-04");

	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64, id);
	fx_get(s, path, &r, 200);
	str_fmt(path, sizeof(path), "/invoices/%" PRId64 "/send", id);
	fx_post(s, path, NULL, &r, 303, "post", "1", NULL);
	itest_resp_free(&r);
	return id;
}

/* The branding comes with each request's session statement, never from a
 * worker's memory: a staff change shows on the next pages of both workers,
 * the client's and the staff's. */
static void
branding_fresh(struct fx_who *s, struct fx_who *c)
{
	struct itest_resp r;

	itest_resp_init(&r);
	fx_get(s, "/admin/branding", &r, 200);
	fx_post(s, "/admin/branding", NULL, &r, 303, "org_name",
	    "Hot Pages Clinic", "org_address", "1 Main Street", "accent",
	    "#0B6E4F", NULL);
	for (int k = 0; k < 4; k++) {
		fx_get(c, "/portal/billing", &r, 200);
		ck_assert(itest_body_has(&r, "Hot Pages Clinic"));
		fx_get(s, "/", &r, 200);
		ck_assert(itest_body_has(&r, "Hot Pages Clinic"));
	}
	itest_resp_free(&r);
}

START_TEST(test_hot_pages_budget)
{
	struct fx_who s, c;
	char email[200], path[80];
	int64_t acc;

	fx_staff(&s, fx.admin);
	acc = fx_account(&s, 0, email, sizeof(email), "hot");
	for (int i = 0; i < 4; i++)
		posted_invoice(&s, acc, i % 2 ? "120.00" : "85.50");
	fx_portal_client(&s, acc, email, &c, 1);
	env_jobs("jobs-stop");
	db = db_new(fx_config());
	ck_assert_ptr_nonnull(db);

	/* Budgets: what each page runs today (issue 12's goal is 3-4; see the
	 * README's Performance section for what is left). Every signed-in page
	 * pays one statement for its session, user or portal login + account,
	 * and branding (src/billing/signin.c); the staff home reads its work
	 * lists, the month's collections and plans past due in one, its
	 * estimate flags in another; the portal page its money in flight,
	 * credit and plan ids in one beside its invoices; the account page its
	 * row with its ledger figures in one, its eight lists (members,
	 * invoices, payments, statements, saved methods, consents, plan ids,
	 * GFE flags) in another. */
	page_within(&c, "/portal/billing", 4);
	page_within(&s, "/", 3);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64, acc);
	page_within_tmp(&s, path, 3, 0);	/* not even in memory */
	str_fmt(path, sizeof(path), "/invoices?account_id=%" PRId64, acc);
	page_within(&s, path, 4);
	page_within(&s, "/invoices", 3);
	page_within(&s, "/invoices?status=open", 3);
	/* the A/R page: session, locations, its figures (totals per
	 * location, largest balances and aging from the read models of
	 * migrations 0031 and 0032) in one, collections per week */
	page_within_tmp(&s, "/ar", 4, 0);
	branding_fresh(&s, &c);

	db_close(db);
	db = NULL;
	env_jobs("jobs-start");
	fx_who_free(&c);
	fx_who_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hot_pages");
	TCase *tc = tcase_create("hot_pages");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	fx_add_test(tc, test_hot_pages_budget);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
