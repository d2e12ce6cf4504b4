/* The ledger under concurrency (part of test_ledger_random): processes
 * race to allocate the same invoice's open amount from different payments,
 * and the same payment to different invoices; a mixed free-for-all on
 * shared accounts; concurrent issuing of many drafts keeps invoice numbers
 * unique and gap-free. */
#include "common.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "audit.h"
#include "buf.h"
#include "catalog.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "invoice.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"

#include "ledger_random.h"

#define MAX_CHILD	8

/* --- concurrency ----------------------------------------------------------- */

struct race_result {
	int64_t	 ok, over_invoice, over_payment, not_draft, refused, dberr;
};

typedef void (*race_fn)(struct db *, int child, void *arg, struct race_result *);

static void
tally_pay(int rc, struct race_result *r)
{
	if (rc == PAY_OK)
		r->ok++;
	else if (rc == PAY_OVER_INVOICE)
		r->over_invoice++;
	else if (rc == PAY_OVER_PAYMENT)
		r->over_payment++;
	else if (rc < 0)
		r->dberr++;
	else
		r->refused++;
}

/* Runs fn in n child processes, each on its own connection, released at
 * once after all have connected; collects their tallies in out[]. The
 * parent's connection is closed around the fork and opened again. */
static void
race(int n, race_fn fn, void *arg, struct race_result *out)
{
	int ready[2], go[2], res[MAX_CHILD][2];
	pid_t pid[MAX_CHILD];
	char c;

	ck_assert(n <= MAX_CHILD);
	db_shut();
	ck_assert(pipe(ready) == 0 && pipe(go) == 0);
	for (int i = 0; i < n; i++) {
		ck_assert(pipe(res[i]) == 0);
		fflush(NULL);
		pid[i] = fork();
		ck_assert(pid[i] >= 0);
		if (pid[i] == 0) {
			struct race_result r;
			struct db *cdb = db_new(&cfg);

			memset(&r, 0, sizeof(r));
			close(ready[0]);
			close(go[1]);
			if (cdb == NULL || db_ensure(cdb) != DB_OK)
				_exit(3);
			c = 'r';
			if (write(ready[1], &c, 1) != 1)
				_exit(4);
			/* EOF on go: the parent closed it, everyone starts */
			if (read(go[0], &c, 1) != 0)
				_exit(5);
			fn(cdb, i, arg, &r);
			db_close(cdb);
			if (write(res[i][1], &r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(6);
			_exit(0);
		}
		close(res[i][1]);
	}
	close(ready[1]);
	close(go[0]);
	for (int i = 0; i < n; i++)
		ck_assert_msg(read(ready[0], &c, 1) == 1, "a racer did not connect");
	close(go[1]);
	for (int i = 0; i < n; i++) {
		int st;

		ck_assert(waitpid(pid[i], &st, 0) == pid[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "racer %d failed (status %d)", i, st);
		ck_assert(read(res[i][0], &out[i], sizeof(out[i])) == (ssize_t)sizeof(out[i]));
		close(res[i][0]);
	}
	close(ready[0]);
	db_open();
}

/* An issued invoice of total cents on account (one line). */
int64_t
issued_invoice(const struct fixtures *fx, int64_t account, int64_t cents,
    const char *due)
{
	struct invoice inv;
	char msg[256];

	memset(&inv, 0, sizeof(inv));
	inv.account_id = account;
	inv.location_id = fx->location;
	inv.payment_type_id = fx->ptype;
	str_copy(inv.invoice_date, sizeof(inv.invoice_date), "2024-03-01");
	str_copy(inv.due_date, sizeof(inv.due_date), due);
	inv.nlines = 1;
	inv.lines = calloc(1, sizeof(*inv.lines));
	ck_assert(inv.lines != NULL);
	inv.lines[0].service_id = fx->service[0];
	str_copy(inv.lines[0].description, sizeof(inv.lines[0].description), "Session");
	inv.lines[0].quantity = 1;
	inv.lines[0].rate = cents;
	ck_assert_msg(invoice_save_draft(db, &actor, &inv, msg, sizeof(msg)) == INV_OK,
	    "draft: %s", msg);
	invoice_free(&inv);
	ck_assert_int_eq(invoice_issue(db, &actor, inv.id), INV_OK);
	return inv.id;
}

/* A payment of cents on account with nothing allocated (all credit). */
static int64_t
credit_payment(int64_t account, int64_t cents)
{
	struct payment pm;
	char msg[256];

	memset(&pm, 0, sizeof(pm));
	pm.account_id = account;
	str_copy(pm.method, sizeof(pm.method), "terminal");
	pm.amount = cents;
	str_copy(pm.received_date, sizeof(pm.received_date), "2024-03-02");
	ck_assert_msg(payment_record(db, &actor, &pm, 0, NULL, 0, msg, sizeof(msg)) ==
	    PAY_OK, "payment: %s", msg);
	return pm.id;
}

static int64_t
invoice_allocated(int64_t id)
{
	struct db_param p[] = { DB_I64(id) };

	return sql_i64("SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE invoice_id = ?", p, 1);
}

static int64_t
payment_allocated(int64_t id)
{
	struct db_param p[] = { DB_I64(id) };

	return sql_i64("SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE payment_id = ?", p, 1);
}

struct pair_race {
	int64_t	 payment[MAX_CHILD];
	int64_t	 invoice[MAX_CHILD];
	int64_t	 amount;
};

static void
race_allocate(struct db *cdb, int child, void *arg, struct race_result *r)
{
	const struct pair_race *pr = arg;
	char msg[256];

	tally_pay(payment_allocate(cdb, &actor, pr->payment[child], pr->invoice[child],
	    pr->amount, msg, sizeof(msg)), r);
}

static void
sum_results(const struct race_result *rs, int n, struct race_result *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < n; i++) {
		sum->ok += rs[i].ok;
		sum->over_invoice += rs[i].over_invoice;
		sum->over_payment += rs[i].over_payment;
		sum->not_draft += rs[i].not_draft;
		sum->refused += rs[i].refused;
		sum->dberr += rs[i].dberr;
	}
}

#define RACE_ROUNDS	25
#define RACERS		3

START_TEST(test_race_same_invoice)
{
	struct fixtures fx;
	struct race_result rs[MAX_CHILD], sum;
	struct pair_race pr;
	int64_t acc;

	db_open();
	make_fixtures(&fx, "C1");
	acc = make_account("Race same invoice", fx.location);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		int64_t total = 10000 + round * 137;
		int64_t inv = issued_invoice(&fx, acc, total, "2024-03-31");

		pr.amount = total;
		for (int i = 0; i < RACERS; i++) {
			pr.payment[i] = credit_payment(acc, total);
			pr.invoice[i] = inv;
		}
		race(RACERS, race_allocate, &pr, rs);
		sum_results(rs, RACERS, &sum);
		ck_assert_msg(sum.ok == 1 && sum.over_invoice == RACERS - 1 &&
		    sum.dberr == 0 && sum.refused == 0, "round %d: %" PRId64 " won, %"
		    PRId64 " over-invoice, %" PRId64 " db errors, %" PRId64 " other",
		    round, sum.ok, sum.over_invoice, sum.dberr, sum.refused);
		ck_assert_msg(invoice_allocated(inv) == total, "round %d: invoice %" PRId64
		    " allocated %" PRId64 " of %" PRId64, round, inv,
		    invoice_allocated(inv), total);
	}
	expect_verify_ok("after racing payments for one invoice");
	db_shut();
}
END_TEST

START_TEST(test_race_same_payment)
{
	struct fixtures fx;
	struct race_result rs[MAX_CHILD], sum;
	struct pair_race pr;
	int64_t acc;

	db_open();
	make_fixtures(&fx, "C2");
	acc = make_account("Race same payment", fx.location);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		int64_t total = 20000 + round * 71, pay;

		pr.amount = total;
		pay = credit_payment(acc, total);
		for (int i = 0; i < RACERS; i++) {
			pr.payment[i] = pay;
			pr.invoice[i] = issued_invoice(&fx, acc, total, "2024-04-30");
		}
		race(RACERS, race_allocate, &pr, rs);
		sum_results(rs, RACERS, &sum);
		ck_assert_msg(sum.ok == 1 && sum.over_payment == RACERS - 1 &&
		    sum.dberr == 0 && sum.refused == 0, "round %d: %" PRId64 " won, %"
		    PRId64 " over-payment, %" PRId64 " db errors, %" PRId64 " other",
		    round, sum.ok, sum.over_payment, sum.dberr, sum.refused);
		ck_assert_msg(payment_allocated(pay) == total, "round %d: payment %" PRId64
		    " allocated %" PRId64 " of %" PRId64, round, pay, payment_allocated(pay),
		    total);
	}
	expect_verify_ok("after racing invoices for one payment");
	db_shut();
}
END_TEST

/* Automatic allocation racing automatic allocation: recording a payment with
 * "oldest due first" while another process applies the account's credit to
 * the same invoice. Both are legitimate and must succeed: whoever comes
 * second finds the invoice paid and keeps its money as credit. */
struct auto_race {
	int64_t	 account;
	int64_t	 amount;
	int64_t	 moved[2];
};

static void
race_auto(struct db *cdb, int child, void *arg, struct race_result *r)
{
	struct auto_race *ar = arg;
	char msg[256];
	int64_t moved = 0;

	if (child == 0) {
		tally_pay(account_apply_credit(cdb, &actor, ar->account, &moved), r);
	} else {
		struct payment pm;
		memset(&pm, 0, sizeof(pm));
		pm.account_id = ar->account;
		str_copy(pm.method, sizeof(pm.method), "cash");
		pm.amount = ar->amount;
		str_copy(pm.received_date, sizeof(pm.received_date), "2024-05-02");
		tally_pay(payment_record(cdb, &actor, &pm, 1, NULL, 0, msg, sizeof(msg)), r);
		if (r->ok == 0)
			fprintf(stderr, "payment_record (auto) refused: %s\n", msg);
	}
}

START_TEST(test_race_auto_allocation)
{
	struct fixtures fx;
	struct race_result rs[MAX_CHILD], sum;
	struct auto_race ar;

	db_open();
	make_fixtures(&fx, "C5");
	ar.account = make_account("Race auto allocation", fx.location);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		int64_t inv;

		ar.amount = 30000 + round * 11;
		inv = issued_invoice(&fx, ar.account, ar.amount, "2024-05-31");
		credit_payment(ar.account, ar.amount);
		race(2, race_auto, &ar, rs);
		sum_results(rs, 2, &sum);
		ck_assert_msg(sum.ok == 2, "round %d: apply credit %s, record payment %s (%"
		    PRId64 " over-invoice, %" PRId64 " over-payment, %" PRId64 " db errors)",
		    round, rs[0].ok ? "ok" : "REFUSED", rs[1].ok ? "ok" : "REFUSED",
		    sum.over_invoice, sum.over_payment, sum.dberr);
		ck_assert_int_eq(invoice_allocated(inv), ar.amount);
	}
	expect_verify_ok("after racing automatic allocations");
	db_shut();
}
END_TEST

/* A free-for-all on two shared accounts: payments with automatic allocation,
 * manual allocations, applying credit, write-offs, voids, all at once. */
#define MIX_INVOICES	12
#define MIX_OPS		60
struct mix {
	int64_t	 account[2];
	int64_t	 invoice[2][MIX_INVOICES];
	int64_t	 payment[2][4];
};

static void
race_mix(struct db *cdb, int child, void *arg, struct race_result *r)
{
	const struct mix *mx = arg;
	uint64_t st = (uint64_t)child * 7919 + 17;
	char msg[256];

	for (int k = 0; k < MIX_OPS; k++) {
		int a, op, rc;
		int64_t x, inv, moved;

		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		a = (int)(st % 2);
		op = (int)((st >> 8) % 10);
		x = (int64_t)((st >> 16) % 5000) + 1;
		inv = mx->invoice[a][(st >> 32) % MIX_INVOICES];
		if (op <= 3) {
			rc = payment_allocate(cdb, &actor, mx->payment[a][(st >> 40) % 4], inv,
			    x, msg, sizeof(msg));
			tally_pay(rc, r);
		} else if (op <= 5) {
			struct payment pm;
			memset(&pm, 0, sizeof(pm));
			pm.account_id = mx->account[a];
			str_copy(pm.method, sizeof(pm.method), "cash");
			pm.amount = x;
			str_copy(pm.received_date, sizeof(pm.received_date), "2024-05-01");
			tally_pay(payment_record(cdb, &actor, &pm, 1, NULL, 0, msg,
			    sizeof(msg)), r);
		} else if (op == 6) {
			tally_pay(account_apply_credit(cdb, &actor, mx->account[a], &moved), r);
		} else if (op <= 8) {
			rc = invoice_adjust(cdb, &actor, inv, 1, x / 10 + 1, "race write-off",
			    msg, sizeof(msg));
			if (rc < 0)
				r->dberr++;
			else if (rc == INV_OK)
				r->ok++;
			else
				r->refused++;
		} else if ((st >> 48) % 4 == 0) {
			rc = invoice_void(cdb, &actor, inv, "race void");
			if (rc < 0)
				r->dberr++;
			else if (rc == INV_OK)
				r->ok++;
			else
				r->refused++;
		}
	}
}

START_TEST(test_race_mixed)
{
	struct fixtures fx;
	struct race_result rs[MAX_CHILD], sum;
	struct mix mx;

	db_open();
	make_fixtures(&fx, "C3");
	for (int a = 0; a < 2; a++) {
		mx.account[a] = make_account(a ? "Race mix B" : "Race mix A", fx.location);
		for (int i = 0; i < MIX_INVOICES; i++) {
			char due[11];
			date_fmt(19800 + i * 3, due, sizeof(due));
			mx.invoice[a][i] = issued_invoice(&fx, mx.account[a], 8000 + i * 250,
			    due);
		}
		for (int p = 0; p < 4; p++)
			mx.payment[a][p] = credit_payment(mx.account[a], 15000);
	}
	race(4, race_mix, &mx, rs);
	sum_results(rs, 4, &sum);
	printf("ledger race mix: %" PRId64 " ok, %" PRId64 " over-invoice, %" PRId64
	    " over-payment, %" PRId64 " other refusals, %" PRId64 " db errors\n", sum.ok,
	    sum.over_invoice, sum.over_payment, sum.refused, sum.dberr);
	fflush(stdout);
	ck_assert_msg(sum.dberr == 0, "%" PRId64 " operations failed with a database"
	    " error (deadlock retries exhausted?)", sum.dberr);
	ck_assert(sum.ok > 0);
	for (int a = 0; a < 2; a++) {
		for (int i = 0; i < MIX_INVOICES; i++) {
			struct invoice inv;
			ck_assert_int_eq(invoice_get(db, mx.invoice[a][i], &inv), INV_OK);
			ck_assert_msg(inv.paid >= 0 && inv.paid <= inv.total && inv.open >= 0,
			    "invoice %" PRId64 ": total %" PRId64 " paid %" PRId64,
			    inv.id, inv.total, inv.paid);
			invoice_free(&inv);
		}
		for (int p = 0; p < 4; p++) {
			struct payment pm;
			ck_assert_int_eq(payment_get(db, mx.payment[a][p], &pm), PAY_OK);
			ck_assert_msg(pm.unallocated >= 0 && pm.allocated >= 0,
			    "payment %" PRId64 ": allocated %" PRId64 " of %" PRId64, pm.id,
			    pm.allocated, pm.amount);
		}
	}
	expect_verify_ok("after the mixed race");
	db_shut();
}
END_TEST

#define ISSUE_DRAFTS	60
#define ISSUERS		4
struct issue_race {
	int64_t	 draft[ISSUE_DRAFTS];
};

static void
race_issue(struct db *cdb, int child, void *arg, struct race_result *r)
{
	const struct issue_race *ir = arg;

	/* every racer tries every draft, each in its own order */
	for (int k = 0; k < ISSUE_DRAFTS; k++) {
		int i = (k * (2 * child + 1) + child * 13) % ISSUE_DRAFTS;
		int rc = invoice_issue(cdb, &actor, ir->draft[i]);

		if (rc == INV_OK)
			r->ok++;
		else if (rc == INV_NOT_DRAFT)
			r->not_draft++;
		else if (rc < 0)
			r->dberr++;
		else
			r->refused++;
	}
}

START_TEST(test_race_issue_numbers)
{
	struct fixtures fx;
	struct race_result rs[MAX_CHILD], sum;
	struct issue_race ir;
	int64_t acc, before, after;

	db_open();
	make_fixtures(&fx, "C4");
	acc = make_account("Race issue", fx.location);
	for (int i = 0; i < ISSUE_DRAFTS; i++) {
		struct invoice inv;
		char msg[256];

		memset(&inv, 0, sizeof(inv));
		inv.account_id = acc;
		inv.payment_type_id = fx.ptype;
		str_copy(inv.invoice_date, sizeof(inv.invoice_date), "2024-06-01");
		str_copy(inv.due_date, sizeof(inv.due_date), "2024-06-30");
		inv.nlines = 1;
		inv.lines = calloc(1, sizeof(*inv.lines));
		ck_assert(inv.lines != NULL);
		str_copy(inv.lines[0].description, sizeof(inv.lines[0].description), "Visit");
		inv.lines[0].quantity = 1;
		inv.lines[0].rate = 5000 + i;
		ck_assert_msg(invoice_save_draft(db, &actor, &inv, msg, sizeof(msg)) ==
		    INV_OK, "draft: %s", msg);
		ir.draft[i] = inv.id;
		invoice_free(&inv);
	}
	before = sql_i64("SELECT next_value FROM sequences WHERE name = 'invoice'", NULL, 0);
	race(ISSUERS, race_issue, &ir, rs);
	sum_results(rs, ISSUERS, &sum);
	ck_assert_msg(sum.ok == ISSUE_DRAFTS && sum.not_draft ==
	    (int64_t)ISSUE_DRAFTS * (ISSUERS - 1) && sum.dberr == 0 && sum.refused == 0,
	    "%" PRId64 " issued, %" PRId64 " already issued, %" PRId64 " db errors, %"
	    PRId64 " other", sum.ok, sum.not_draft, sum.dberr, sum.refused);
	after = sql_i64("SELECT next_value FROM sequences WHERE name = 'invoice'", NULL, 0);
	ck_assert_msg(after - before == ISSUE_DRAFTS, "sequence moved by %" PRId64,
	    after - before);
	{
		struct db_param p[] = { DB_I64(acc) };
		ck_assert_int_eq(sql_i64("SELECT COUNT(DISTINCT number) FROM invoices"
		    " WHERE account_id = ? AND status = 'issued'", p, 1), ISSUE_DRAFTS);
	}
	check_numbers_gap_free();
	expect_verify_ok("after racing issuers");
	db_shut();
}
END_TEST

void
ledger_race_cases_add(Suite *s)
{
	TCase *tc = tcase_create("concurrency");

	tcase_set_timeout(tc, LEDGER_TC_TIMEOUT);
	tcase_add_test(tc, test_race_same_invoice);
	tcase_add_test(tc, test_race_same_payment);
	tcase_add_test(tc, test_race_auto_allocation);
	tcase_add_test(tc, test_race_mixed);
	tcase_add_test(tc, test_race_issue_numbers);
	suite_add_tcase(s, tc);
}
