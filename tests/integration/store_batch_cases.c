/* Many accounts at once against the test MariaDB: the A/R summary; bulk
 * statements: concurrent steps, and a step whose accounts are read many
 * at once making each statement exactly as the one-account computation
 * does (store_batch_cases_add, test_store). */
#include "common.h"

#include <check.h>
#include <pthread.h>

#include "catalog.h"
#include "clock.h"
#include "db.h"
#include "statement.h"
#include "store_cases.h"
#include "str.h"

/* Accounts in a fresh location: a1 owes 5000 (2000 due 10 days ago, 3000
 * due in 5 days), a2 owes 100 (due 45 days ago), a3 has no entries, a5 has
 * 700 credit; a4 owes 9000 elsewhere. */
void
mk_ar_fixture(struct ar_fixture *f)
{
	struct location l;
	char num[40], d1[11], d2[11], d3[11];
	int64_t inv, pay;

	tag_new(f->tag, sizeof(f->tag));
	memset(&l, 0, sizeof(l));
	str_copy(l.name, sizeof(l.name), f->tag);
	l.active = 1;
	ck_assert_int_eq(location_save(db, &staff, &l), CAT_OK);
	f->loc = l.id;
	f->a1 = mk_account("ar one", f->loc);
	f->a2 = mk_account("ar two", f->loc);
	f->a3 = mk_account("ar three", f->loc);
	f->a4 = mk_account("ar four", 0);
	f->a5 = mk_account("ar five", f->loc);
	date_rel(-10, d1);
	date_rel(5, d2);
	date_rel(-45, d3);
	inv = mk_invoice(num, f->a1, 0, "issued", d3, d1);
	mk_entry("charge", 2000, d3, f->a1, 0, inv, 0, "x");
	inv = mk_invoice(num, f->a1, 0, "issued", d3, d2);
	mk_entry("charge", 3000, d3, f->a1, 0, inv, 0, "y");
	inv = mk_invoice(num, f->a2, 0, "issued", d3, d3);
	mk_entry("charge", 100, d3, f->a2, 0, inv, 0, "z");
	inv = mk_invoice(num, f->a4, 0, "issued", d3, d3);
	mk_entry("charge", 9000, d3, f->a4, 0, inv, 0, "w");
	pay = mk_payment(f->a5, 0, "cash", 700, d3, "");
	mk_entry("payment", -700, d3, f->a5, 0, 0, pay, "cash");
}

START_TEST(ar_summary_by_location)
{
	struct ar_fixture f;
	struct ar_summary s;

	mk_ar_fixture(&f);
	ck_assert_msg(ar_summary(db, f.loc, &s) == ST_OK, "%s", db_error(db));
	ck_assert(s.total == 5100 && s.credit == 700);
	ck_assert(s.accounts_with_balance == 2);
	ck_assert(s.ntop == 2 && s.top[0].account_id == f.a1 &&
	    s.top[0].balance == 5000 && s.top[1].account_id == f.a2);
	ck_assert_str_eq(s.top[0].account_name, "ar one");
	ck_assert(s.aging[0] == 3000 && s.aging[1] == 2000 && s.aging[2] == 100 &&
	    s.aging[3] == 0 && s.aging[4] == 0);
	/* Everything: at least this location's figures plus a4. */
	ck_assert_msg(ar_summary(db, 0, &s) == ST_OK, "%s", db_error(db));
	ck_assert(s.total >= 14100 && s.accounts_with_balance >= 3);
	ck_assert(s.ntop <= 20);
	for (size_t i = 1; i < s.ntop; i++)
		ck_assert(s.top[i - 1].balance >= s.top[i].balance);
}
END_TEST

struct step_thread {
	int64_t	 batch;
	int	 rc;
};

static void *
step_thread(void *arg)
{
	struct step_thread *t = arg;
	struct db *own = db_new(&cfg);

	t->rc = own ? statement_batch_step(own, &staff, t->batch, 1) : ST_DB;
	db_close(own);
	return NULL;
}

START_TEST(statement_batch_concurrent_steps)
{
	struct ar_fixture f;
	struct statement_batch b;
	struct step_thread t[2];
	pthread_t th[2];
	int64_t id = 0, small = 0;

	mk_ar_fixture(&f);
	ck_assert_int_eq(statement_batch_create(db, &staff, "2026-03-01",
	    "2026-02-01", f.loc, 1, &id), ST_INVALID);
	ck_assert_int_eq(statement_batch_create(db, &staff, "2000-01-01",
	    "2009-12-31", f.loc, 1000, &small), ST_OK);
	ck_assert_int_eq(statement_batch_get(db, small, &b), ST_OK);
	ck_assert(b.total == 1);	/* only a1 owes at least 1000 */
	ck_assert_int_eq(statement_batch_create(db, &staff, "2000-01-01",
	    "2009-12-31", f.loc, 1, &id), ST_OK);
	ck_assert_int_eq(statement_batch_get(db, id, &b), ST_OK);
	ck_assert(b.total == 2 && b.done == 0);
	ck_assert_str_eq(b.status, "running");
	ck_assert(b.location_id == f.loc && b.min_balance == 1);

	/* Two steps at once claim different accounts (SKIP LOCKED). */
	for (int i = 0; i < 2; i++) {
		t[i].batch = id;
		t[i].rc = -99;
		ck_assert(pthread_create(&th[i], NULL, step_thread, &t[i]) == 0);
	}
	for (int i = 0; i < 2; i++)
		ck_assert(pthread_join(th[i], NULL) == 0);
	ck_assert_int_eq(t[0].rc, ST_OK);
	ck_assert_int_eq(t[1].rc, ST_OK);
	ck_assert_int_eq(statement_batch_get(db, id, &b), ST_OK);
	ck_assert(b.done == 2);
	ck_assert_str_eq(b.status, "done");
	ck_assert_int_eq(statement_batch_step(db, &staff, id, 10), ST_OK);
	{
		struct db_param p[] = { DB_I64(id) };
		ck_assert(query_i64("SELECT COUNT(DISTINCT s.account_id) FROM"
		    " statement_batch_items i JOIN statements s ON s.id ="
		    " i.statement_id AND s.batch_id = i.batch_id WHERE i.batch_id = ?",
		    p, 1) == 2);
		ck_assert(query_i64("SELECT COUNT(*) FROM statements WHERE"
		    " batch_id = ?", p, 1) == 2);
		ck_assert(query_i64("SELECT COUNT(*) FROM statement_batches WHERE"
		    " id = ? AND finished_at IS NOT NULL", p, 1) == 1);
	}
	ck_assert_int_eq(statement_batch_get(db, INT64_C(999999999), &b),
	    ST_NOT_FOUND);
}
END_TEST

/* One account of the location with an opening balance, a charge and a
 * part payment in the period [-90, -10] days, a refund of credit and a
 * charge after it (after the period end: not on the statement). */
static int64_t
mk_billed(int64_t loc, const char *name, int64_t base)
{
	char num[40], d_old[11], d_in[11], d_late[11], d_due[11];
	int64_t acc = mk_account(name, loc), inv, pay;

	date_rel(-200, d_old);
	date_rel(-60, d_in);
	date_rel(-5, d_late);
	date_rel(-30, d_due);
	inv = mk_invoice(num, acc, 0, "issued", d_old, d_old);
	mk_entry("charge", base, d_old, acc, 0, inv, 0, "old visit");
	inv = mk_invoice(num, acc, 0, "issued", d_in, d_due);
	mk_entry("charge", 2 * base, d_in, acc, 0, inv, 0, "visit \xc3\xa9t\xc3\xa9");
	pay = mk_payment(acc, 0, "check", base / 2, d_in, "1001");
	mk_entry("payment", -base / 2, d_in, acc, 0, 0, pay, "");
	mk_alloc(pay, inv, base / 2);
	inv = mk_invoice(num, acc, 0, "issued", d_late, d_late);
	mk_entry("charge", 3 * base, d_late, acc, 0, inv, 0, "late visit");
	return acc;
}

static void
assert_same(const struct statement *a, const struct statement *b)
{
	ck_assert(a->account_id == b->account_id);
	ck_assert_str_eq(a->account_name, b->account_name);
	for (size_t i = 0; i < ARRAY_LEN(a->address); i++)
		ck_assert_str_eq(a->address[i], b->address[i]);
	ck_assert_str_eq(a->period_start, b->period_start);
	ck_assert_str_eq(a->period_end, b->period_end);
	ck_assert(a->opening == b->opening && a->closing == b->closing);
	ck_assert(a->amount_due == b->amount_due && a->unapplied == b->unapplied);
	for (size_t i = 0; i < ARRAY_LEN(a->aging); i++)
		ck_assert(a->aging[i] == b->aging[i]);
	ck_assert_uint_eq(a->nlines, b->nlines);
	for (size_t i = 0; i < a->nlines; i++) {
		ck_assert_str_eq(a->lines[i].date, b->lines[i].date);
		ck_assert_str_eq(a->lines[i].description, b->lines[i].description);
		ck_assert(a->lines[i].amount == b->lines[i].amount);
		ck_assert(a->lines[i].running == b->lines[i].running);
	}
}

static int
exec_ok(struct db *h, const char *sql, const struct db_param *p, size_t n)
{
	return db_exec(h, sql, p, n, NULL, NULL) == DB_OK;
}

START_TEST(statement_batch_step_skips_locked_exact)
{
	struct location l;
	struct statement_batch b;
	struct statement_filter f = { 0, 0, 0, 10 };
	struct statement *heads = NULL, got, want;
	char tag[16], name[64], from[11], to[11];
	struct db *other = db_new(&cfg);
	struct db_result r;
	int64_t acc[4], id = 0;
	size_t n = 0;
	int more = 0;

	tag_new(tag, sizeof(tag));
	memset(&l, 0, sizeof(l));
	str_copy(l.name, sizeof(l.name), tag);
	l.active = 1;
	ck_assert_int_eq(location_save(db, &staff, &l), CAT_OK);
	for (int i = 0; i < 4; i++) {
		str_fmt(name, sizeof(name), "%s batch %d", tag, i);
		acc[i] = mk_billed(l.id, name, 1000 * (i + 1));
	}
	date_rel(-90, from);
	date_rel(-10, to);
	ck_assert_int_eq(statement_batch_create(db, &staff, from, to, l.id, 1,
	    &id), ST_OK);
	ck_assert_int_eq(statement_batch_get(db, id, &b), ST_OK);
	ck_assert(b.total == 4);

	/* Another transaction holds the second account's item: a step of ten
	 * makes the three others (reading the held one's rows, not using them). */
	ck_assert(other != NULL && db_ensure(other) == DB_OK);
	ck_assert(exec_ok(other, "START TRANSACTION", NULL, 0));
	{
		struct db_param p[] = { DB_I64(id), DB_I64(acc[1]) };
		ck_assert(db_query(other, "SELECT account_id FROM"
		    " statement_batch_items WHERE batch_id = ? AND account_id = ?"
		    " FOR UPDATE", p, 2, &r) == DB_OK && r.nrows == 1);
		db_result_free(&r);
	}
	ck_assert_int_eq(statement_batch_step(db, &staff, id, 10), ST_OK);
	ck_assert_int_eq(statement_batch_get(db, id, &b), ST_OK);
	ck_assert(b.done == 3);
	ck_assert_str_eq(b.status, "running");
	ck_assert(exec_ok(other, "ROLLBACK", NULL, 0));
	db_close(other);
	ck_assert_int_eq(statement_batch_step(db, &staff, id, 10), ST_OK);
	ck_assert_int_eq(statement_batch_get(db, id, &b), ST_OK);
	ck_assert(b.done == 4);
	ck_assert_str_eq(b.status, "done");

	/* Each stored statement is the one-account computation's. */
	f.batch_id = id;
	ck_assert_int_eq(statement_find(db, &f, &heads, &n, &more), ST_OK);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(statement_get(db, heads[i].id, &got), ST_OK);
		ck_assert_int_eq(statement_preview(db, got.account_id, 0, from, to,
		    &want), ST_OK);
		ck_assert(got.nlines == 2 && got.opening > 0);
		assert_same(&got, &want);
		statement_free(&got);
		statement_free(&want);
	}
	/* The first step's three numbers follow each other. */
	ck_assert(strtoll(heads[1].number + 5, NULL, 10) ==
	    strtoll(heads[2].number + 5, NULL, 10) + 1 &&
	    strtoll(heads[2].number + 5, NULL, 10) ==
	    strtoll(heads[3].number + 5, NULL, 10) + 1);
	free(heads);
}
END_TEST

void
store_batch_cases_add(TCase *tc)
{
	tcase_add_test(tc, ar_summary_by_location);
	tcase_add_test(tc, statement_batch_concurrent_steps);
	tcase_add_test(tc, statement_batch_step_skips_locked_exact);
}
