/* Store cases of payment plans and autopay (src/store/store_plan*.c,
 * store_autopay.c) against the test MariaDB: a plan written and read back
 * as it was given, two runners never claiming the same installment, and a
 * failed charge scheduling its retry or stopping dunning. Added to the
 * store suite with store_plan_cases_add(). */
#include "common.h"

#include <check.h>

#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "store_autopay.h"
#include "store_plan.h"
#include "store_worklist.h"
#include "str.h"

void	 store_plan_cases_add(Suite *);

static struct config pcfg;
static struct db *pdb;

static void
plan_setup(void)
{
	const char *path = getenv("ITEST_CONFIG");
	char err[256];

	ck_assert_msg(path != NULL, "ITEST_CONFIG is not set (source the env)");
	ck_assert_msg(config_load(&pcfg, path, err, sizeof(err)) == 0, "%s", err);
	pdb = db_new(&pcfg);
	ck_assert(pdb != NULL);
	ck_assert_msg(db_ensure(pdb) == DB_OK, "%s", db_error(pdb));
}

static void
plan_teardown(void)
{
	db_close(pdb);
	pdb = NULL;
	config_free(&pcfg);
}

static int64_t
new_account(const char *name)
{
	struct db_param p[] = { DB_STR(name), DB_I64(clock_now()),
	    DB_I64(clock_now()) };
	uint64_t id = 0;

	ck_assert_msg(db_exec(pdb, "INSERT INTO accounts (name, created_at,"
	    " updated_at) VALUES (?, ?, ?)", p, 3, NULL, &id) == DB_OK, "%s",
	    db_error(pdb));
	return (int64_t)id;
}

/* An active plan of a new account with installments 1..n due `due`. */
static int64_t
new_plan(int autopay, const char *due, int n, int64_t amount)
{
	struct store_plan p;
	int64_t id = 0;

	memset(&p, 0, sizeof(p));
	p.account_id = new_account("Plan Store Case");
	str_copy(p.basis, sizeof(p.basis), "amount");
	p.total = amount * n;
	p.count = n;
	str_copy(p.freq, sizeof(p.freq), "monthly");
	p.day = 15;
	str_copy(p.start, sizeof(p.start), due);
	p.autopay = autopay;
	str_copy(p.override_reason, sizeof(p.override_reason), "store case");
	ck_assert_int_eq(store_plan_insert(pdb, &p, 0, clock_now(), &id), DB_OK);
	ck_assert_int_eq(store_plan_status_set(pdb, id, "active", clock_now()),
	    DB_OK);
	for (int i = 1; i <= n; i++) {
		struct store_plan_inst t;

		memset(&t, 0, sizeof(t));
		t.number = i;
		str_copy(t.due, sizeof(t.due), due);
		t.amount = amount;
		ck_assert_int_eq(store_plan_inst_insert(pdb, id, &t), DB_OK);
	}
	return id;
}

/* Written through the store, read back the same: terms, dates, NULLs. */
START_TEST(plan_written_reads_back)
{
	struct store_plan p;
	struct store_plan_inst *t;
	struct store_plan_version *v;
	int64_t id = new_plan(0, "2031-02-15", 2, 12345), ver = 0;
	size_t n = 0, nv = 0;

	ck_assert_int_eq(store_plan_get(pdb, id, &p), 1);
	ck_assert_str_eq(p.status, "active");
	ck_assert_str_eq(p.basis, "amount");
	ck_assert_str_eq(p.freq, "monthly");
	ck_assert_str_eq(p.start, "2031-02-15");
	ck_assert_str_eq(p.override_reason, "store case");
	ck_assert_int_eq(p.total, 24690);
	ck_assert_int_eq(p.client_id, 0);
	ck_assert_int_eq(p.method_id, 0);
	ck_assert_str_eq(p.account_name, "Plan Store Case");
	ck_assert_int_eq(store_plan_insts(pdb, id, &t, &n), DB_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(t[1].number, 2);
	ck_assert_str_eq(t[1].due, "2031-02-15");
	ck_assert_str_eq(t[1].status, "scheduled");
	ck_assert_int_eq(t[1].payment_id, 0);
	free(t);
	ck_assert_int_eq(store_plan_version_next(pdb, id, clock_now(), &ver), DB_OK);
	ck_assert_int_eq(ver, 1);
	ck_assert_int_eq(store_plan_version_insert(pdb, id, ver, "system", 0,
	    clock_now(), "Created.\n", "1:2031-02-15:12345:scheduled\n", NULL),
	    DB_OK);
	ck_assert_int_eq(store_plan_versions(pdb, id, &v, &nv), DB_OK);
	ck_assert_uint_eq(nv, 1);
	ck_assert_str_eq(v[0].changes, "Created.\n");
	ck_assert_str_eq(v[0].signed_name, "");
	store_plan_versions_free(v, nv);
	ck_assert_int_eq(store_plan_get(pdb, id + 1000000, &p), 0);
}
END_TEST

struct second_runner {
	struct db	*db;
	const char	*today;
	struct store_autopay_due d;
	int		 rc;
};

static int
second_claim_tx(struct db *db, void *arg)
{
	struct second_runner *s = arg;

	s->rc = store_autopay_claim_next(db, s->today, clock_now(), &s->d);
	return s->rc < 0 ? s->rc : DB_OK;
}

static int
first_claim_tx(struct db *db, void *arg)
{
	struct second_runner *s = arg;
	struct store_autopay_due d;
	int64_t first;

	ck_assert_int_eq(store_autopay_claim_next(db, s->today, clock_now(), &d), 1);
	first = d.inst_id;
	/* The other runner, while this one holds its rows: it does not wait
	 * (a wait would time out), and it never gets the same installment. */
	ck_assert_int_eq(db_tx(s->db, second_claim_tx, s), DB_OK);
	ck_assert_int_ge(s->rc, 0);
	ck_assert(s->rc == 0 || s->d.inst_id != first);
	return DB_OK;
}

/* Two runners (two connections) claiming at once: the second passes the
 * rows the first has locked (installment and plan, and what its sort
 * read), never waits on them, never takes the same installment; once the
 * first is done the second claims. */
START_TEST(autopay_claims_skip_a_locked_installment)
{
	struct second_runner s;
	int64_t plan1 = new_plan(1, "2001-01-01", 1, 500);
	int64_t plan2 = new_plan(1, "2001-01-01", 1, 600);
	char today[11];

	memset(&s, 0, sizeof(s));
	ck_assert(clock_fmt_date(clock_now(), today, sizeof(today)) != -1);
	s.today = today;
	s.db = db_new(&pcfg);
	ck_assert(s.db != NULL);
	ck_assert_int_eq(db_ensure(s.db), DB_OK);
	/* a claim that waits for the lock fails within a second */
	ck_assert_int_eq(db_exec(s.db, "SET SESSION innodb_lock_wait_timeout = 1",
	    NULL, 0, NULL, NULL), DB_OK);
	ck_assert_int_eq(db_tx(pdb, first_claim_tx, &s), DB_OK);
	ck_assert_int_eq(db_tx(s.db, second_claim_tx, &s), DB_OK);
	ck_assert_int_eq(s.rc, 1);
	db_close(s.db);
	ck_assert_int_eq(store_plan_inst_cancel_scheduled(pdb, plan1), DB_OK);
	ck_assert_int_eq(store_plan_inst_cancel_scheduled(pdb, plan2), DB_OK);
}
END_TEST

/* A failed charge: scheduled again for the retry day (from the first
 * failure, never before tomorrow); the last one stops dunning and the
 * past-due list names the plan with the code. */
START_TEST(autopay_failure_retry_then_stop)
{
	int64_t plan = new_plan(1, "2031-03-01", 1, 700);
	struct store_autopay_failure f = { 0, 1, "2031-03-01", "card_declined",
	    1, 3 };
	struct store_wl_args wa = { .before = "2031-03-04", .band_max = 1,
	    .band_from = { "2031-03-03", "2031-03-02", "2031-03-01", "1000-01-01" },
	    .band_to = { "2031-03-04", "2031-03-03", "2031-03-02", "2031-03-01" },
	    .month_from = "2031-03-01",
	    .now = clock_now(), .max = 1, .card_year = 2000, .card_month = 1,
	    .days_from = "2031-03-01", .past_due_max = 1000 };
	struct store_worklist wl;
	struct store_autopay_notice nt;
	struct store_plan_inst *t;
	size_t n = 0, found = 0;

	ck_assert_int_eq(store_plan_insts(pdb, plan, &t, &n), DB_OK);
	f.inst_id = t[0].id;
	free(t);
	ck_assert_int_eq(store_autopay_failed(pdb, &f), DB_OK);
	ck_assert_int_eq(store_autopay_notice_get(pdb, f.inst_id, plan, 0, &nt), 1);
	ck_assert_str_eq(nt.retry_on, "2031-03-04");
	f.failures = 2;
	f.today = "2031-03-04";
	f.retry = 0;
	ck_assert_int_eq(store_autopay_failed(pdb, &f), DB_OK);
	ck_assert_int_eq(store_autopay_notice_get(pdb, f.inst_id, plan, 0, &nt), 1);
	ck_assert_str_eq(nt.retry_on, "");
	ck_assert_int_eq(store_plan_status_set(pdb, plan, "past_due", clock_now()),
	    DB_OK);
	/* the staff home reads it with its work list */
	ck_assert_int_eq(store_worklist_read(pdb, &wa, &wl), DB_OK);
	for (size_t i = 0; i < wl.npast_due; i++)
		if (wl.past_due[i].plan_id == plan) {
			found++;
			ck_assert_str_eq(wl.past_due[i].reason, "card_declined");
			ck_assert_int_eq(wl.past_due[i].remaining, 700);
		}
	store_worklist_free(&wl);
	ck_assert_uint_eq(found, 1);
}
END_TEST

void
store_plan_cases_add(Suite *s)
{
	TCase *tc = tcase_create("plans");

	tcase_add_checked_fixture(tc, plan_setup, plan_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plan_written_reads_back);
	tcase_add_test(tc, autopay_claims_skip_a_locked_installment);
	tcase_add_test(tc, autopay_failure_retry_then_stop);
	suite_add_tcase(s, tc);
}
