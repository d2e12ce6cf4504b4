/* The ledger under load, through the domain API against the test MariaDB
 * (tests/integration/run passes ITEST_CONFIG and ITEST_BILLINGCTL):
 *
 *   random:     thousands of random operations (drafts with random lines and
 *               discounts, issue, manual payments with automatic or chosen
 *               allocations, allocate, apply credit, adjust, write off, void)
 *               checked against an independent in-memory model; afterwards
 *               ledger_verify and `billingctl ledger verify` pass, every
 *               balance equals the model, and a row corrupted on purpose is
 *               named by both.
 *   concurrency: processes race to allocate the same invoice's open amount
 *               from different payments, and the same payment to different
 *               invoices; a mixed free-for-all on shared accounts; concurrent
 *               issuing of many drafts keeps invoice numbers unique and
 *               gap-free (ledger_race_cases.c).
 *   limits:     the largest amounts, UTF-8 and over-long texts
 *               (ledger_limit_cases.c).
 *
 * The seed is printed; LEDGER_SEED=n repeats a run, LEDGER_OPS=n changes its
 * length (default 3000). */
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

#define TC_TIMEOUT	LEDGER_TC_TIMEOUT
#define NACC		6	/* accounts of the random run */
#define MAX_INV		4096
#define MAX_PAY		4096
#define MAX_ALLOC	16384

struct config cfg;
static const char *ctl;		/* billingctl -c CONFIG */
struct db *db;
const struct actor actor = { "system", 0, "127.0.0.1" };

/* --- setup ------------------------------------------------------------- */

void
db_open(void)
{
	db = db_new(&cfg);
	ck_assert_msg(db != NULL, "db_new failed");
	ck_assert_msg(db_ensure(db) == DB_OK, "cannot connect: %s", db_error(db));
}

void
db_shut(void)
{
	if (db != NULL)
		db_close(db);
	db = NULL;
}

static void
setup(void)
{
	char err[512];
	const char *path = getenv("ITEST_CONFIG");

	if (path == NULL || (ctl = getenv("ITEST_BILLINGCTL")) == NULL) {
		fprintf(stderr, "ITEST_CONFIG/ITEST_BILLINGCTL not set: run "
		    "tests/integration/run\n");
		exit(2);
	}
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "config_load %s: %s\n", path, err);
		exit(2);
	}
}

/* One integer from SQL (fixture checks only, never input). */
int64_t
sql_i64(const char *sql, const struct db_param *p, size_t n)
{
	struct db_result r;
	int rc = db_query(db, sql, p, n, &r);
	int64_t v;

	ck_assert_msg(rc == DB_OK, "query failed (%d): %s", rc, db_error(db));
	v = r.nrows > 0 ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return v;
}

/* Runs a shell command, stdout and stderr into out; its exit status, or -1. */
static int PRINTF_LIKE(2, 3)
run_cmd(struct buf *out, const char *fmt, ...)
{
	char cmd[2048], line[512];
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	if (vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap) >= (int)sizeof(cmd) - 8) {
		va_end(ap);
		return -1;
	}
	va_end(ap);
	str_fmt(cmd + strlen(cmd), 8, " 2>&1");
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		buf_puts(out, line);
	st = pclose(f);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --- deterministic randomness -------------------------------------------- */

static uint64_t rng_state;

static uint64_t
rnd64(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* Uniform in [lo, hi]. */
static int64_t
rnd(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd64() % (uint64_t)(hi - lo + 1));
}

static int
chance(int percent)
{
	return rnd(1, 100) <= percent;
}

/* --- fixtures ------------------------------------------------------------ */

void
make_fixtures(struct fixtures *fx, const char *prefix)
{
	char tag[32];
	struct location l;
	struct service s;
	struct payment_type *pt = NULL;
	size_t npt = 0;
	static const int64_t rates[3] = { 15000, 12345, 999 };

	/* unique per run: a rerun on the same database must not collide */
	str_fmt(tag, sizeof(tag), "%s%" PRId64 "p%d", prefix, clock_now() % 100000,
	    (int)getpid());
	memset(&l, 0, sizeof(l));
	str_fmt(l.name, sizeof(l.name), "Ledger test %s", tag);
	l.active = 1;
	ck_assert_int_eq(location_save(db, &actor, &l), CAT_OK);
	fx->location = l.id;
	for (int i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		str_fmt(s.code, sizeof(s.code), "LT%s%d", tag, i);
		str_fmt(s.name, sizeof(s.name), "Ledger service %s %d", tag, i);
		s.default_rate = rates[i];
		s.active = 1;
		ck_assert_int_eq(service_save(db, &actor, &s), CAT_OK);
		fx->service[i] = s.id;
		fx->service_rate[i] = rates[i];
	}
	ck_assert_int_eq(payment_type_list(db, 1, &pt, &npt), CAT_OK);
	ck_assert_msg(npt > 0, "no payment types seeded");
	fx->ptype = pt[0].id;
	free(pt);
}

int64_t
make_account(const char *name, int64_t location)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	str_copy(a.name, sizeof(a.name), name);
	a.location_id = location;
	ck_assert_int_eq(account_save(db, &actor, &a), PROF_OK);
	ck_assert(a.id > 0);
	return a.id;
}

static int64_t
make_client(int64_t account, const char *first, const char *last)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	c.account_id = account;
	str_copy(c.stage, sizeof(c.stage), "client");
	str_copy(c.first_name, sizeof(c.first_name), first);
	str_copy(c.last_name, sizeof(c.last_name), last);
	ck_assert_int_eq(client_save(db, &actor, &c), PROF_OK);
	ck_assert(c.id > 0);
	return c.id;
}

/* --- the model's own arithmetic (not calc.c) ----------------------------- *
 * Rounding rule of src/core/money.h: percentages in basis points, exact in
 * integers, rounded half away from zero; here amounts are never negative. */

static int64_t
model_percent(int64_t amount, int64_t bp)
{
	return (amount * bp + 5000) / 10000;
}

struct mline {
	int64_t	 service;
	int64_t	 qty, rate;
	int	 dk;		/* 0 none, 1 percent, 2 fixed */
	int64_t	 dv;
};

/* Totals of a draft; 0, or -1 when the domain must refuse it. */
static int
model_totals(const struct mline *l, size_t n, int dk, int64_t dv,
    int64_t *gross, int64_t *ldisc, int64_t *idisc)
{
	int64_t sub = 0, d;

	*gross = *ldisc = *idisc = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t g = l[i].qty * l[i].rate;

		d = 0;
		if (l[i].dk == 1) {
			if (l[i].dv < 0 || l[i].dv > 10000)
				return -1;
			d = model_percent(g, l[i].dv);
		} else if (l[i].dk == 2) {
			if (l[i].dv < 0 || l[i].dv > g)
				return -1;
			d = l[i].dv;
		}
		*gross += g;
		*ldisc += d;
		sub += g - d;
	}
	if (dk == 1) {
		if (dv < 0 || dv > 10000)
			return -1;
		*idisc = model_percent(sub, dv);
	} else if (dk == 2) {
		if (dv < 0 || dv > sub)
			return -1;
		*idisc = dv;
	}
	return 0;
}

/* --- the model ------------------------------------------------------------ */

enum { MS_DRAFT, MS_ISSUED, MS_VOID };

struct minv {
	int64_t	 id;
	int	 acc;
	int64_t	 client;
	int	 status;
	int	 nlines;
	int64_t	 due_day;
	int64_t	 gross, ldisc, idisc;	/* of the lines (the draft) */
	int64_t	 total;			/* what the ledger sums to */
	int64_t	 adj;			/* adjustments + write-offs */
	int64_t	 reversal;		/* the void's reversing entries */
	int64_t	 paid;			/* allocations */
};

struct mpay {
	int64_t	 id;
	int	 acc;
	int64_t	 amount;
	int64_t	 allocated;
};

struct malloc_row {
	int	 pay, inv;
	int64_t	 amount;
};

struct model {
	int64_t			 acc_id[NACC];
	int64_t			 client_id[NACC][2];
	struct minv		 inv[MAX_INV];
	size_t			 ninv;
	struct mpay		 pay[MAX_PAY];
	size_t			 npay;
	struct malloc_row	 al[MAX_ALLOC];
	size_t			 nal;
	struct fixtures		 fx;
	int64_t			 day0;
	/* statistics */
	int64_t			 nops[16], nrefused;
};

static int64_t
inv_open(const struct minv *v)
{
	return v->status == MS_ISSUED ? v->total - v->paid : 0;
}

static void
model_alloc(struct model *m, int p, int i, int64_t amount)
{
	ck_assert_msg(m->nal < MAX_ALLOC, "model: too many allocations");
	m->al[m->nal++] = (struct malloc_row){ p, i, amount };
	m->pay[p].allocated += amount;
	m->inv[i].paid += amount;
}

/* Oldest due first (due date, then invoice id) from payment p; returns the
 * total moved. */
static int64_t
model_auto_allocate(struct model *m, int p)
{
	int64_t avail = m->pay[p].amount - m->pay[p].allocated, moved = 0;

	while (avail > 0) {
		int best = -1;

		for (size_t i = 0; i < m->ninv; i++) {
			const struct minv *v = &m->inv[i];
			if (v->acc != m->pay[p].acc || inv_open(v) <= 0)
				continue;
			if (best < 0 || v->due_day < m->inv[best].due_day ||
			    (v->due_day == m->inv[best].due_day && v->id < m->inv[best].id))
				best = (int)i;
		}
		if (best < 0)
			break;
		{
			int64_t take = inv_open(&m->inv[best]) < avail ?
			    inv_open(&m->inv[best]) : avail;
			model_alloc(m, p, best, take);
			avail -= take;
			moved += take;
		}
	}
	return moved;
}

struct mbal {
	int64_t	 charged, discounts, adjusted, paid, balance, open, credit;
};

static void
model_account(const struct model *m, int acc, struct mbal *b)
{
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < m->ninv; i++) {
		const struct minv *v = &m->inv[i];
		if (v->acc != acc || v->status == MS_DRAFT)
			continue;
		b->charged += v->gross;
		b->discounts += v->ldisc + v->idisc;
		b->adjusted += v->adj + v->reversal;
		b->open += inv_open(v);
	}
	for (size_t p = 0; p < m->npay; p++) {
		if (m->pay[p].acc != acc)
			continue;
		b->paid += m->pay[p].amount;
		b->credit += m->pay[p].amount - m->pay[p].allocated;
	}
	b->balance = b->charged - b->discounts + b->adjusted - b->paid;
	/* the model agrees with itself: owed = open invoices - credit */
	ck_assert_msg(b->balance == b->open - b->credit,
	    "model inconsistent for account %d: %" PRId64 " vs %" PRId64 " - %" PRId64,
	    acc, b->balance, b->open, b->credit);
}

static void
check_invoice(const struct model *m, size_t i)
{
	const struct minv *v = &m->inv[i];
	static const char *const st[] = { "draft", "issued", "void" };
	struct invoice inv;
	int rc = invoice_get(db, v->id, &inv);

	ck_assert_msg(rc == INV_OK, "invoice_get %" PRId64 ": %d", v->id, rc);
	ck_assert_msg(strcmp(inv.status, st[v->status]) == 0,
	    "invoice %" PRId64 ": status %s, model %s", v->id, inv.status, st[v->status]);
	ck_assert_msg(inv.totals.gross == v->gross &&
	    inv.totals.line_discounts == v->ldisc && inv.totals.discount == v->idisc,
	    "invoice %" PRId64 ": lines gross/ldisc/idisc %" PRId64 "/%" PRId64 "/%"
	    PRId64 ", model %" PRId64 "/%" PRId64 "/%" PRId64, v->id, inv.totals.gross,
	    inv.totals.line_discounts, inv.totals.discount, v->gross, v->ldisc, v->idisc);
	if (v->status == MS_DRAFT) {
		ck_assert_msg(inv.total == v->gross - v->ldisc - v->idisc,
		    "draft %" PRId64 ": total %" PRId64, v->id, inv.total);
		ck_assert_str_eq(inv.number, "");
	} else {
		ck_assert_msg(inv.total == v->total && inv.paid == v->paid &&
		    inv.open == inv_open(v),
		    "invoice %" PRId64 " (%s): total/paid/open %" PRId64 "/%" PRId64 "/%"
		    PRId64 ", model %" PRId64 "/%" PRId64 "/%" PRId64, v->id, inv.status,
		    inv.total, inv.paid, inv.open, v->total, v->paid, inv_open(v));
		ck_assert_msg(strncmp(inv.number, "INV-", 4) == 0,
		    "invoice %" PRId64 " number \"%s\"", v->id, inv.number);
	}
	if (v->status == MS_ISSUED) {
		const char *want = inv_open(v) <= 0 ? "paid" : v->paid > 0 ? "partial" :
		    "open";
		ck_assert_msg(strcmp(inv.display_status, want) == 0,
		    "invoice %" PRId64 ": display status %s, model %s", v->id,
		    inv.display_status, want);
	}
	invoice_free(&inv);
}

/* The A/R aging read model (migrations 0031, 0033) equals the open invoices
 * summed by (account location, due date, account id % 4): open money, the
 * number of invoices owing and what they owe; it keeps no empty row. */
static void
check_aging(const char *when)
{
	struct db_result r;

	ck_assert_int_eq(db_query(db, "SELECT COUNT(*), COALESCE(SUM(z), 0) FROM"
	    " (SELECT SUM(v) d, SUM(n) n, SUM(o) o, SUM(z) z FROM (SELECT location_id l,"
	    " due_date u, shard h, open_amount v, owing_count n, owing_amount o,"
	    " open_amount = 0 AND owing_count = 0 z FROM ar_open_due UNION ALL"
	    " SELECT COALESCE(a.location_id, 0), i.fig_open_due, i.account_id % 4,"
	    " -(i.fig_total - i.fig_paid), -(i.fig_total > i.fig_paid),"
	    " -GREATEST(i.fig_total - i.fig_paid, 0), 0 FROM invoices i JOIN accounts a"
	    " ON a.id = i.account_id WHERE i.fig_open_due IS NOT NULL) x"
	    " GROUP BY l, u, h) g WHERE d <> 0 OR n <> 0 OR o <> 0 OR z <> 0",
	    NULL, 0, &r), DB_OK);
	ck_assert_msg(db_i64(&r, 0, 0) == 0, "%s: %" PRId64 " A/R aging rows differ"
	    " from the open invoices (%" PRId64 " zero rows kept)", when,
	    db_i64(&r, 0, 0), db_i64(&r, 0, 1));
	db_result_free(&r);
	/* and by month (ar_owing_month, 0033, 0034): the owing invoices and
	 * the open money of every open invoice */
	ck_assert_int_eq(db_query(db, "SELECT COUNT(*) FROM (SELECT SUM(n) n, SUM(o) o,"
	    " SUM(v) v, SUM(z) z FROM (SELECT location_id l, month u, shard h,"
	    " owing_count n, owing_amount o, open_amount v, owing_count = 0 AND"
	    " open_amount = 0 z FROM ar_owing_month UNION ALL"
	    " SELECT COALESCE(a.location_id, 0), i.fig_open_due - INTERVAL"
	    " (DAY(i.fig_open_due) - 1) DAY, i.account_id % 4,"
	    " -(i.fig_total > i.fig_paid), -GREATEST(i.fig_total - i.fig_paid, 0),"
	    " -(i.fig_total - i.fig_paid), 0 FROM invoices i JOIN accounts a"
	    " ON a.id = i.account_id WHERE i.fig_open_due IS NOT NULL) x"
	    " GROUP BY l, u, h) g WHERE n <> 0 OR o <> 0 OR v <> 0 OR z <> 0",
	    NULL, 0, &r), DB_OK);
	ck_assert_msg(db_i64(&r, 0, 0) == 0, "%s: %" PRId64 " A/R month rows"
	    " differ from the open invoices", when, db_i64(&r, 0, 0));
	db_result_free(&r);
}

/* The A/R totals read model (migration 0032) equals the account balances
 * summed by (account location, account id % 16): owed, credit, accounts
 * owing. Rows at zero may be kept (a moved or paid-up account's shard). */
static void
check_totals(const char *when)
{
	struct db_result r;

	ck_assert_int_eq(db_query(db, "SELECT COUNT(*), COALESCE(MIN(CONCAT(l, '/', h)), '')"
	    " FROM (SELECT l, h, SUM(o) o, SUM(c) c, SUM(n) n FROM (SELECT location_id l,"
	    " shard h, owed o, credit c, accounts_owing n FROM ar_totals UNION ALL"
	    " SELECT COALESCE(location_id, 0), id % 16, -GREATEST(fig_balance, 0),"
	    " -GREATEST(-fig_balance, 0), -(fig_balance > 0) FROM accounts) x"
	    " GROUP BY l, h) g WHERE o <> 0 OR c <> 0 OR n <> 0", NULL, 0, &r), DB_OK);
	ck_assert_msg(db_i64(&r, 0, 0) == 0, "%s: %" PRId64 " A/R totals rows differ"
	    " from the account balances (first: location/shard %s)", when,
	    db_i64(&r, 0, 0), db_str(&r, 0, 1));
	db_result_free(&r);
}

/* The figures kept for speed (migration 0023) of invoice i and its account
 * equal the sums they stand for, after every step. */
static void
check_figures(const struct model *m, size_t i)
{
	struct db_param p[] = { DB_I64(m->inv[i].id) };
	struct db_result r;

	ck_assert_int_eq(db_query(db, "SELECT i.fig_total, (SELECT COALESCE(SUM(amount), 0)"
	    " FROM ledger_entries WHERE invoice_id = i.id), i.fig_paid,"
	    " (SELECT COALESCE(SUM(amount), 0) FROM allocations WHERE invoice_id = i.id),"
	    " a.fig_balance, (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE account_id = a.id) FROM invoices i JOIN accounts a"
	    " ON a.id = i.account_id WHERE i.id = ?", p, 1, &r), DB_OK);
	ck_assert_int_eq((int)r.nrows, 1);
	ck_assert_msg(db_i64(&r, 0, 0) == db_i64(&r, 0, 1) &&
	    db_i64(&r, 0, 2) == db_i64(&r, 0, 3) && db_i64(&r, 0, 4) == db_i64(&r, 0, 5),
	    "invoice %" PRId64 ": stored total/paid %" PRId64 "/%" PRId64 ", sums %"
	    PRId64 "/%" PRId64 "; account stored balance %" PRId64 ", sum %" PRId64,
	    m->inv[i].id, db_i64(&r, 0, 0), db_i64(&r, 0, 2), db_i64(&r, 0, 1),
	    db_i64(&r, 0, 3), db_i64(&r, 0, 4), db_i64(&r, 0, 5));
	db_result_free(&r);
	check_aging("after a step");
	check_totals("after a step");
}

static void
check_payment(const struct model *m, size_t p)
{
	const struct mpay *mp = &m->pay[p];
	struct payment pm;

	ck_assert_int_eq(payment_get(db, mp->id, &pm), PAY_OK);
	ck_assert_msg(pm.amount == mp->amount && pm.allocated == mp->allocated &&
	    pm.unallocated == mp->amount - mp->allocated,
	    "payment %" PRId64 ": amount/allocated/unallocated %" PRId64 "/%" PRId64
	    "/%" PRId64 ", model %" PRId64 "/%" PRId64, mp->id, pm.amount,
	    pm.allocated, pm.unallocated, mp->amount, mp->allocated);
	ck_assert_str_eq(pm.status, "succeeded");
}

static void
check_account(const struct model *m, int acc)
{
	struct mbal w;
	struct balance b;

	model_account(m, acc, &w);
	ck_assert_int_eq(ledger_balance_account(db, m->acc_id[acc], &b), DB_OK);
	ck_assert_msg(b.charged == w.charged && b.discounts == w.discounts &&
	    b.adjusted == w.adjusted && b.paid == w.paid && b.balance == w.balance &&
	    b.open == w.open && b.credit == w.credit && b.refunded == 0,
	    "account %" PRId64 ": charged %" PRId64 " discounts %" PRId64 " adjusted %"
	    PRId64 " paid %" PRId64 " balance %" PRId64 " open %" PRId64 " credit %"
	    PRId64 "; model %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
	    " %" PRId64 " %" PRId64, m->acc_id[acc], b.charged, b.discounts,
	    b.adjusted, b.paid, b.balance, b.open, b.credit, w.charged, w.discounts,
	    w.adjusted, w.paid, w.balance, w.open, w.credit);
}

/* Clients carry their invoices' entries and the money applied to them
 * (payments here are account-level): charged - discounts + adjusted - paid
 * = balance = open, and the account's credit shows beside. */
static void
check_client(const struct model *m, int acc, int k)
{
	int64_t cid = m->client_id[acc][k], charged = 0, disc = 0, adj = 0, open = 0;
	int64_t paid = 0;
	struct balance b;
	struct mbal w;

	for (size_t i = 0; i < m->ninv; i++) {
		const struct minv *v = &m->inv[i];
		if (v->client != cid || v->status == MS_DRAFT)
			continue;
		charged += v->gross;
		disc += v->ldisc + v->idisc;
		adj += v->adj + v->reversal;
		paid += v->paid;
		open += inv_open(v);
	}
	model_account(m, acc, &w);
	ck_assert_int_eq(ledger_balance_client(db, cid, &b), DB_OK);
	ck_assert_msg(b.charged == charged && b.discounts == disc && b.adjusted == adj &&
	    b.paid == paid && b.balance == charged - disc + adj - paid &&
	    b.open == open && b.balance == b.open && b.credit == 0 &&
	    b.account_credit == w.credit,
	    "client %" PRId64 ": charged %" PRId64 " discounts %" PRId64 " adjusted %"
	    PRId64 " paid %" PRId64 " balance %" PRId64 " open %" PRId64
	    " account credit %" PRId64 "; model %" PRId64 " %" PRId64 " %" PRId64
	    " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, cid, b.charged,
	    b.discounts, b.adjusted, b.paid, b.balance, b.open, b.account_credit,
	    charged, disc, adj, paid, charged - disc + adj - paid, open, w.credit);
}

static void
check_all(const struct model *m)
{
	for (size_t i = 0; i < m->ninv; i++)
		check_invoice(m, i);
	for (size_t p = 0; p < m->npay; p++)
		check_payment(m, p);
	for (int a = 0; a < NACC; a++) {
		check_account(m, a);
		check_client(m, a, 0);
		check_client(m, a, 1);
	}
}

/* Every numbered invoice in the database: INV-000001 .. INV-N, no gaps, no
 * duplicates, and the sequence is at N + 1. */
void
check_numbers_gap_free(void)
{
	struct db_result r;
	int64_t n, next, prev = 0;

	ck_assert_int_eq(db_query(db, "SELECT number FROM invoices WHERE number IS NOT"
	    " NULL ORDER BY number", NULL, 0, &r), DB_OK);
	n = (int64_t)r.nrows;
	for (size_t i = 0; i < r.nrows; i++) {
		int64_t v = 0;
		const char *s = db_str(&r, i, 0);

		ck_assert_msg(strncmp(s, "INV-", 4) == 0 &&
		    str_to_i64(s + 4, 1, INT64_MAX, &v) == 0, "bad number %s", s);
		ck_assert_msg(v == prev + 1, "invoice numbers: %s follows %" PRId64
		    " (gap or duplicate)", s, prev);
		prev = v;
	}
	db_result_free(&r);
	next = sql_i64("SELECT next_value FROM sequences WHERE name = 'invoice'", NULL, 0);
	ck_assert_msg(next == n + 1, "%" PRId64 " numbered invoices, sequence at %" PRId64,
	    n, next);
}

void
expect_verify_ok(const char *when)
{
	char msg[1024];
	struct buf out;
	int rc;

	rc = ledger_verify(db, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "%s: ledger_verify %d: %s", when, rc, msg);
	buf_init(&out, 1 << 16);
	rc = run_cmd(&out, "%s ledger verify", ctl);
	ck_assert_msg(rc == 0, "%s: billingctl ledger verify exit %d: %s", when, rc,
	    buf_cstr(&out));
	buf_free(&out);
}

/* --- random operations ----------------------------------------------------- */

enum { OP_DRAFT, OP_EDIT, OP_ISSUE, OP_PAY, OP_ALLOC, OP_CREDIT, OP_ADJUST, OP_VOID,
	OP__MAX };
static const char *const op_names[OP__MAX] = { "draft", "edit", "issue", "pay",
	"allocate", "apply-credit", "adjust", "void" };
static const int op_weights[OP__MAX] = { 20, 4, 18, 16, 14, 4, 12, 6 };

/* A random index of an invoice with that status (account acc, or any when
 * acc < 0), or -1. */
static int
pick_inv(const struct model *m, int status, int acc, int need_open)
{
	size_t start;

	if (m->ninv == 0)
		return -1;
	start = (size_t)rnd(0, (int64_t)m->ninv - 1);
	for (size_t k = 0; k < m->ninv; k++) {
		size_t i = (start + k) % m->ninv;
		const struct minv *v = &m->inv[i];
		if (v->status == status && (acc < 0 || v->acc == acc) &&
		    (!need_open || inv_open(v) > 0))
			return (int)i;
	}
	return -1;
}

static int64_t
acc_open(const struct model *m, int acc)
{
	int64_t open = 0;

	for (size_t i = 0; i < m->ninv; i++)
		if (m->inv[i].acc == acc)
			open += inv_open(&m->inv[i]);
	return open;
}

/* Random lines and invoice discount; sometimes invalid on purpose. */
static size_t
random_lines(const struct model *m, struct mline *l, int *dk, int64_t *dv)
{
	size_t n = chance(4) ? 0 : (size_t)rnd(1, 4);
	int64_t sub = 0;

	for (size_t i = 0; i < n; i++) {
		int s = (int)rnd(0, 2);
		int64_t g, r;

		memset(&l[i], 0, sizeof(l[i]));
		if (chance(60)) {
			l[i].service = m->fx.service[s];
			l[i].rate = chance(70) ? m->fx.service_rate[s] : rnd(0, 60000);
		} else {
			l[i].rate = chance(5) ? 0 : rnd(1, 60000);
		}
		l[i].qty = chance(70) ? 1 : rnd(2, 5);
		g = l[i].qty * l[i].rate;
		r = rnd(1, 100);
		if (r <= 55) {
			l[i].dk = 0;
		} else if (r <= 80) {
			static const int64_t bps[] = { 1, 333, 1000, 1250, 3333, 5000,
			    6667, 9999, 10000 };
			l[i].dk = 1;
			l[i].dv = chance(50) ? bps[rnd(0, ARRAY_LEN(bps) - 1)] : rnd(0, 10000);
			if (chance(3))
				l[i].dv = chance(50) ? 10001 : -1;
		} else {
			l[i].dk = 2;
			l[i].dv = rnd(0, g);
			if (chance(3))
				l[i].dv = g + 1;
		}
		sub += g - (l[i].dk == 1 ? model_percent(g, l[i].dv < 0 ? 0 : l[i].dv) :
		    l[i].dk == 2 ? l[i].dv : 0);
	}
	*dk = 0;
	*dv = 0;
	if (chance(15)) {
		*dk = 1;
		*dv = rnd(0, 10000);
	} else if (chance(15) && sub > 0) {
		*dk = 2;
		*dv = chance(3) ? sub + 1 : rnd(0, sub);
	}
	return n;
}

static int
save_draft(const struct model *m, int64_t id, int acc, int64_t client,
    const struct mline *l, size_t n, int dk, int64_t dv, int64_t day, int64_t due,
    int64_t *id_out, char *msg, size_t msgsz)
{
	static const enum discount_kind kinds[] = { DISC_NONE, DISC_PERCENT, DISC_FIXED };
	struct invoice inv;
	int rc;

	memset(&inv, 0, sizeof(inv));
	inv.id = id;
	inv.account_id = m->acc_id[acc];
	inv.client_id = client;
	inv.location_id = chance(80) ? m->fx.location : 0;
	inv.payment_type_id = m->fx.ptype;
	date_fmt(day, inv.invoice_date, sizeof(inv.invoice_date));
	date_fmt(due, inv.due_date, sizeof(inv.due_date));
	inv.dk = kinds[dk];
	inv.dv = dv;
	inv.nlines = n;
	inv.lines = calloc(n > 0 ? n : 1, sizeof(*inv.lines));
	ck_assert(inv.lines != NULL);
	for (size_t i = 0; i < n; i++) {
		inv.lines[i].service_id = l[i].service;
		str_fmt(inv.lines[i].description, sizeof(inv.lines[i].description),
		    "Random line %zu", i + 1);
		inv.lines[i].quantity = l[i].qty;
		inv.lines[i].rate = l[i].rate;
		inv.lines[i].dk = kinds[l[i].dk];
		inv.lines[i].dv = l[i].dv;
	}
	rc = invoice_save_draft(db, &actor, &inv, msg, msgsz);
	*id_out = inv.id;
	invoice_free(&inv);
	return rc;
}

/* Returns the index of the invoice touched (for a quick check), or -1. */
static int
op_draft(struct model *m, int edit)
{
	struct mline l[8];
	int dk, acc, idx = -1, want, rc;
	int64_t dv, gross, ldisc, idisc, day, due, id = 0, client = 0;
	size_t n;
	char msg[256];

	if (edit) {
		if ((idx = pick_inv(m, chance(90) ? MS_DRAFT : MS_ISSUED, -1, 0)) < 0)
			return -1;
		acc = m->inv[idx].acc;
		client = m->inv[idx].client;
		id = m->inv[idx].id;
	} else {
		acc = (int)rnd(0, NACC - 1);
		client = chance(34) ? 0 : m->client_id[acc][rnd(0, 1)];
	}
	n = random_lines(m, l, &dk, &dv);
	day = m->day0 + rnd(0, 365);
	due = chance(2) ? day - 1 : day + rnd(0, 45);
	want = model_totals(l, n, dk, dv, &gross, &ldisc, &idisc) == -1 || due < day ?
	    INV_INVALID : INV_OK;
	if (want == INV_OK && edit && m->inv[idx].status != MS_DRAFT)
		want = INV_NOT_DRAFT;
	rc = save_draft(m, id, acc, client, l, n, dk, dv, day, due, &id, msg,
	    sizeof(msg));
	ck_assert_msg(rc == want, "%s: invoice_save_draft %d, model %d (%s)",
	    edit ? "edit" : "draft", rc, want, msg);
	if (rc != INV_OK) {
		m->nrefused++;
		if (rc == INV_INVALID)
			ck_assert_msg(msg[0] != '\0', "refusal without a message");
		return idx;
	}
	if (!edit) {
		ck_assert_msg(m->ninv < MAX_INV, "model: too many invoices");
		ck_assert(id > 0);
		idx = (int)m->ninv++;
		memset(&m->inv[idx], 0, sizeof(m->inv[idx]));
		m->inv[idx].id = id;
		m->inv[idx].acc = acc;
		m->inv[idx].client = client;
		m->inv[idx].status = MS_DRAFT;
	}
	m->inv[idx].nlines = (int)n;
	m->inv[idx].due_day = due;
	m->inv[idx].gross = gross;
	m->inv[idx].ldisc = ldisc;
	m->inv[idx].idisc = idisc;
	return idx;
}

static int
op_issue(struct model *m)
{
	int idx, want, rc;

	if (chance(2)) {
		ck_assert_int_eq(invoice_issue(db, &actor, INT64_C(900000000000)),
		    INV_NOT_FOUND);
		return -1;
	}
	idx = pick_inv(m, chance(93) ? MS_DRAFT : chance(70) ? MS_ISSUED : MS_VOID, -1, 0);
	if (idx < 0)
		return -1;
	want = m->inv[idx].status != MS_DRAFT ? INV_NOT_DRAFT :
	    m->inv[idx].nlines == 0 ? INV_EMPTY : INV_OK;
	rc = invoice_issue(db, &actor, m->inv[idx].id);
	ck_assert_msg(rc == want, "invoice_issue %" PRId64 ": %d, model %d",
	    m->inv[idx].id, rc, want);
	if (rc == INV_OK) {
		struct minv *v = &m->inv[idx];
		v->status = MS_ISSUED;
		v->total = v->gross - v->ldisc - v->idisc;
	} else {
		m->nrefused++;
	}
	return idx;
}

/* The refusal alloc_one must give for amount to invoice idx (of account acc),
 * given what is still open / unallocated; PAY_OK when allowed. */
static int
alloc_verdict(const struct model *m, int acc, int idx, int64_t amount,
    int64_t open, int64_t unalloc)
{
	if (amount <= 0)
		return PAY_INVALID;
	if (m->inv[idx].acc != acc)
		return PAY_NOT_FOUND;
	if (m->inv[idx].status != MS_ISSUED)
		return PAY_INVALID;
	if (amount > open)
		return PAY_OVER_INVOICE;
	if (amount > unalloc)
		return PAY_OVER_PAYMENT;
	return PAY_OK;
}

/* A target for an allocation from account acc: mostly an open issued invoice
 * of acc, sometimes a refusal (draft/void, another account's). */
static int
alloc_target(const struct model *m, int acc)
{
	int r = (int)rnd(1, 100), idx = -1;

	if (r <= 6)
		idx = pick_inv(m, chance(50) ? MS_DRAFT : MS_VOID, acc, 0);
	else if (r <= 12)
		idx = pick_inv(m, MS_ISSUED, (acc + (int)rnd(1, NACC - 1)) % NACC, 0);
	if (idx < 0)
		idx = pick_inv(m, MS_ISSUED, acc, 1);
	return idx;
}

static int64_t
alloc_amount(int64_t open, int64_t unalloc)
{
	int r = (int)rnd(1, 100);
	int64_t cap = open < unalloc ? open : unalloc;

	if (r <= 3)
		return chance(50) ? 0 : -rnd(1, 500);
	if (r <= 13)
		return open + 1;
	if (r <= 20)
		return unalloc + rnd(1, 100);
	if (r <= 45 || cap <= 0)
		return cap > 0 ? cap : 1;
	return rnd(1, cap);
}

static int
op_pay(struct model *m)
{
	static const char *const methods[] = { "cash", "check", "terminal", "other" };
	struct alloc_req req[4];
	struct payment pm;
	int acc = (int)rnd(0, NACC - 1), mode = (int)rnd(1, 100), want = PAY_OK, rc;
	int tidx[4];
	int64_t open = acc_open(m, acc), amount, tentative[4];
	size_t nreq = 0;
	char msg[256];

	memset(&pm, 0, sizeof(pm));
	pm.account_id = m->acc_id[acc];
	str_copy(pm.method, sizeof(pm.method), methods[rnd(0, 3)]);
	if (strcmp(pm.method, "check") == 0 && chance(95))
		str_fmt(pm.reference, sizeof(pm.reference), "%" PRId64, rnd(1000, 9999));
	amount = chance(40) && open > 0 ? rnd(1, open) : chance(50) ? open + rnd(1, 20000) :
	    rnd(1, 30000);
	if (chance(2))
		amount = 0;
	pm.amount = amount;
	date_fmt(m->day0 + rnd(0, 400), pm.received_date, sizeof(pm.received_date));
	if (amount <= 0 || (strcmp(pm.method, "check") == 0 && pm.reference[0] == '\0'))
		want = PAY_INVALID;
	if (mode > 45 && mode <= 80) {
		/* chosen allocations, checked in order like the domain does */
		nreq = (size_t)rnd(1, 3);
		for (size_t k = 0; k < nreq; k++) {
			int64_t o, u = amount;
			if ((tidx[k] = alloc_target(m, acc)) < 0) {
				nreq = k;
				break;
			}
			o = inv_open(&m->inv[tidx[k]]);
			for (size_t j = 0; j < k; j++) {
				u -= tentative[j];
				if (tidx[j] == tidx[k])
					o -= tentative[j];
			}
			req[k].invoice_id = m->inv[tidx[k]].id;
			req[k].amount = alloc_amount(o, u);
			tentative[k] = req[k].amount;
			if (req[k].amount == 0)
				continue;
			if (want == PAY_OK)
				want = alloc_verdict(m, acc, tidx[k], req[k].amount, o, u);
		}
	}
	rc = payment_record(db, &actor, &pm, mode <= 45, req, nreq, msg, sizeof(msg));
	ck_assert_msg(rc == want, "payment_record %" PRId64 " (mode %d, %zu allocations):"
	    " %d, model %d (%s)", amount, mode, nreq, rc, want, msg);
	if (rc != PAY_OK) {
		m->nrefused++;
		ck_assert_msg(msg[0] != '\0', "payment refusal %d without a message", rc);
		return -1;
	}
	ck_assert(pm.id > 0);
	ck_assert_msg(m->npay < MAX_PAY, "model: too many payments");
	m->pay[m->npay] = (struct mpay){ pm.id, acc, amount, 0 };
	m->npay++;
	if (mode <= 45)
		model_auto_allocate(m, (int)m->npay - 1);
	else
		for (size_t k = 0; k < nreq; k++)
			if (req[k].amount != 0)
				model_alloc(m, (int)m->npay - 1, tidx[k], req[k].amount);
	check_payment(m, m->npay - 1);
	return nreq > 0 ? tidx[0] : -1;
}

static int
pick_pay_with_money(const struct model *m)
{
	size_t start;

	if (m->npay == 0)
		return -1;
	start = (size_t)rnd(0, (int64_t)m->npay - 1);
	for (size_t k = 0; k < m->npay; k++) {
		size_t p = (start + k) % m->npay;
		if (m->pay[p].amount > m->pay[p].allocated)
			return (int)p;
	}
	return -1;
}

static int
op_alloc(struct model *m)
{
	int p, idx, want, rc;
	int64_t amount, unalloc;
	char msg[256];

	if (chance(2)) {
		rc = payment_allocate(db, &actor, INT64_C(900000000000), 1, 100, msg,
		    sizeof(msg));
		ck_assert_int_eq(rc, PAY_NOT_FOUND);
		return -1;
	}
	if ((p = pick_pay_with_money(m)) < 0 || (idx = alloc_target(m, m->pay[p].acc)) < 0)
		return -1;
	unalloc = m->pay[p].amount - m->pay[p].allocated;
	amount = alloc_amount(inv_open(&m->inv[idx]), unalloc);
	want = alloc_verdict(m, m->pay[p].acc, idx, amount, inv_open(&m->inv[idx]), unalloc);
	rc = payment_allocate(db, &actor, m->pay[p].id, m->inv[idx].id, amount, msg,
	    sizeof(msg));
	ck_assert_msg(rc == want, "payment_allocate %" PRId64 " -> %" PRId64 " of %"
	    PRId64 " (open %" PRId64 ", unallocated %" PRId64 "): %d, model %d (%s)",
	    m->pay[p].id, m->inv[idx].id, amount, inv_open(&m->inv[idx]), unalloc, rc,
	    want, msg);
	if (rc == PAY_OK)
		model_alloc(m, p, idx, amount);
	else
		m->nrefused++;
	check_payment(m, (size_t)p);
	return idx;
}

static int
op_credit(struct model *m)
{
	int acc = (int)rnd(0, NACC - 1);
	int64_t moved = 0, got = -1;

	for (size_t p = 0; p < m->npay; p++)
		if (m->pay[p].acc == acc)
			moved += model_auto_allocate(m, (int)p);
	ck_assert_int_eq(account_apply_credit(db, &actor, m->acc_id[acc], &got), PAY_OK);
	ck_assert_msg(got == moved, "apply credit on account %" PRId64 ": moved %" PRId64
	    ", model %" PRId64, m->acc_id[acc], got, moved);
	check_account(m, acc);
	return -1;
}

static int
op_adjust(struct model *m)
{
	int idx, writeoff = chance(40), want = INV_OK, rc, r = (int)rnd(1, 100);
	int64_t amount, open;
	char msg[256];

	idx = pick_inv(m, r <= 90 ? MS_ISSUED : r <= 95 ? MS_VOID : MS_DRAFT, -1, 0);
	if (idx < 0)
		return -1;
	open = inv_open(&m->inv[idx]);
	if (writeoff)
		amount = chance(10) ? open + 1 : chance(3) ? -5 : rnd(1, open > 0 ? open : 1);
	else
		amount = chance(50) ? rnd(1, 20000) : -rnd(1, open + 500);
	if (chance(2))
		amount = 0;
	if (amount == 0 || (writeoff && amount < 0))
		want = INV_INVALID;
	else if (m->inv[idx].status == MS_VOID)
		want = INV_ALREADY_VOID;
	else if (m->inv[idx].status == MS_DRAFT)
		want = INV_NOT_ISSUED;
	else if (open + (writeoff ? -amount : amount) < 0)
		want = INV_INVALID;
	rc = invoice_adjust(db, &actor, m->inv[idx].id, writeoff, amount,
	    writeoff ? "Random write-off" : "Random adjustment", msg, sizeof(msg));
	ck_assert_msg(rc == want, "invoice_adjust %" PRId64 " %s %" PRId64 " (open %"
	    PRId64 "): %d, model %d (%s)", m->inv[idx].id, writeoff ? "writeoff" :
	    "adjust", amount, open, rc, want, msg);
	if (rc == INV_OK) {
		int64_t delta = writeoff ? -amount : amount;
		m->inv[idx].adj += delta;
		m->inv[idx].total += delta;
	} else {
		m->nrefused++;
	}
	return idx;
}

static int
op_void(struct model *m)
{
	int r = (int)rnd(1, 100), idx, want, rc;
	const char *reason = chance(2) ? "" : "Random void";
	struct minv *v;

	idx = pick_inv(m, r <= 85 ? MS_ISSUED : r <= 93 ? MS_VOID : MS_DRAFT, -1, 0);
	if (idx < 0)
		return -1;
	v = &m->inv[idx];
	want = reason[0] == '\0' ? INV_INVALID : v->status == MS_VOID ? INV_ALREADY_VOID :
	    v->status == MS_DRAFT ? INV_NOT_ISSUED : INV_OK;
	rc = invoice_void(db, &actor, v->id, reason);
	ck_assert_msg(rc == want, "invoice_void %" PRId64 ": %d, model %d", v->id, rc,
	    want);
	if (rc != INV_OK) {
		m->nrefused++;
		return idx;
	}
	/* allocations are released: the money is credit again */
	for (size_t k = 0; k < m->nal; k++)
		if (m->al[k].inv == idx && m->al[k].amount != 0) {
			m->pay[m->al[k].pay].allocated -= m->al[k].amount;
			m->al[k].amount = 0;
		}
	v->reversal = -v->total;
	v->total = 0;
	v->paid = 0;
	v->status = MS_VOID;
	return idx;
}

static int
random_op(struct model *m, int *which)
{
	int total = 0, r;

	for (int i = 0; i < OP__MAX; i++)
		total += op_weights[i];
	r = (int)rnd(1, total);
	for (*which = 0; *which < OP__MAX - 1 && r > op_weights[*which]; (*which)++)
		r -= op_weights[*which];
	m->nops[*which]++;
	switch (*which) {
	case OP_DRAFT:	return op_draft(m, 0);
	case OP_EDIT:	return op_draft(m, 1);
	case OP_ISSUE:	return op_issue(m);
	case OP_PAY:	return op_pay(m);
	case OP_ALLOC:	return op_alloc(m);
	case OP_CREDIT:	return op_credit(m);
	case OP_ADJUST:	return op_adjust(m);
	default:	return op_void(m);
	}
}

/* Corrupts the ledger with one row (or one stored figure), expects
 * ledger_verify and billingctl to name the broken invariant, then removes
 * the row (undoes the change) again. */
static void
expect_corruption_named(const char *sql, const struct db_param *p, size_t n,
    const char *undo_sql, const char *invariant, const char *detail)
{
	char msg[1024];
	struct buf out;
	uint64_t id = 0;
	int rc;

	ck_assert_int_eq(db_exec(db, sql, p, n, NULL, &id), DB_OK);
	rc = ledger_verify(db, msg, sizeof(msg));
	ck_assert_msg(rc == 1, "ledger_verify after corruption: %d (%s)", rc, msg);
	ck_assert_msg(strstr(msg, invariant) != NULL && strstr(msg, detail) != NULL,
	    "ledger_verify names \"%s\", want \"%s\" with \"%s\"", msg, invariant, detail);
	buf_init(&out, 1 << 16);
	rc = run_cmd(&out, "%s ledger verify", ctl);
	ck_assert_msg(rc != 0 && strstr(buf_cstr(&out), invariant) != NULL,
	    "billingctl ledger verify on a broken ledger: exit %d: %s", rc,
	    buf_cstr(&out));
	buf_free(&out);
	{
		/* the inserted row, or (an UPDATE) the row the first parameter named */
		struct db_param d[] = { id ? DB_I64((int64_t)id) : p[0] };
		uint64_t aff = 0;
		ck_assert_int_eq(db_exec(db, undo_sql, d, 1, &aff, NULL), DB_OK);
		ck_assert(aff == 1);
	}
	expect_verify_ok("after removing the corruption");
}

/* The A/R totals of location loc, alone and as its part of every
 * location's, are exactly one account's balance bal (none when bal is 0). */
static void
loc_totals_are(int64_t loc, int64_t bal, const char *when)
{
	struct ar_summary *ar = calloc(1, sizeof(*ar));
	const struct ar_location *part = NULL;

	ck_assert_ptr_nonnull(ar);
	check_totals(when);
	ck_assert_int_eq(ar_summary(db, loc, ar), ST_OK);
	ck_assert_msg(ar->total == (bal > 0 ? bal : 0) && ar->credit == (bal < 0 ?
	    -bal : 0) && ar->accounts_with_balance == (bal > 0), "%s: location's"
	    " owed %" PRId64 " credit %" PRId64 " owing %" PRId64 ", the account's"
	    " balance %" PRId64, when, ar->total, ar->credit,
	    ar->accounts_with_balance, bal);
	ck_assert_int_eq(ar_summary(db, 0, ar), ST_OK);
	for (size_t i = 0; i < ar->nloc; i++)
		if (ar->loc[i].location_id == loc)
			part = &ar->loc[i];
	ck_assert_msg(bal == 0 ? part == NULL : part != NULL &&
	    part->total == (bal > 0 ? bal : 0) &&
	    part->accounts_with_balance == (bal > 0), "%s: the location's part of"
	    " the A/R page (%s), the account's balance %" PRId64, when,
	    part ? "listed" : "not listed", bal);
	free(ar);
}

/* An account moved to another location takes its open money with it: the
 * location's A/R aging is then exactly that account's open invoices, and
 * moving it back empties it again. */
static void
move_location(const struct model *m, int idx)
{
	struct ar_summary ar;
	int64_t acc = m->acc_id[m->inv[idx].acc], loc, was, bal, open = 0, aged = 0;
	uint64_t id = 0;

	{
		struct db_param p[] = { DB_I64(acc) };
		struct db_result r;
		ck_assert_int_eq(db_query(db, "SELECT COALESCE(location_id, 0),"
		    " fig_balance FROM accounts WHERE id = ?", p, 1, &r), DB_OK);
		was = db_i64(&r, 0, 0);
		bal = db_i64(&r, 0, 1);
		db_result_free(&r);
	}
	{
		struct db_param p[] = { DB_I64(clock_now()) };
		ck_assert_int_eq(db_exec(db, "INSERT INTO locations (name, created_at)"
		    " VALUES (CONCAT('Aging move ', ?), 0)", p, 1, NULL, &id), DB_OK);
		loc = (int64_t)id;
	}
	for (size_t i = 0; i < m->ninv; i++)
		if (m->inv[i].acc == m->inv[idx].acc && m->inv[i].status == MS_ISSUED)
			open += inv_open(&m->inv[i]);
	{
		struct db_param p[] = { DB_I64(loc), DB_I64(acc) };
		ck_assert_int_eq(db_exec(db, "UPDATE accounts SET location_id = ?"
		    " WHERE id = ?", p, 2, NULL, NULL), DB_OK);
	}
	check_aging("after moving an account");
	loc_totals_are(loc, bal, "after moving an account");
	ck_assert_int_eq(ar_summary(db, loc, &ar), ST_OK);
	for (size_t b = 0; b < AGING_BUCKETS; b++)
		aged += ar.aging[b];
	ck_assert_msg(aged == open && open > 0, "location's aging %" PRId64
	    ", the account's open invoices %" PRId64, aged, open);
	{
		struct db_param p[] = { DB_I64(was), DB_I64(acc) };
		ck_assert_int_eq(db_exec(db, "UPDATE accounts SET location_id ="
		    " NULLIF(?, 0) WHERE id = ?", p, 2, NULL, NULL), DB_OK);
	}
	ck_assert_int_eq(ar_summary(db, loc, &ar), ST_OK);
	for (size_t b = 0; b < AGING_BUCKETS; b++)
		ck_assert_int_eq(ar.aging[b], 0);
	loc_totals_are(loc, 0, "after moving the account back");
	expect_verify_ok("after moving an account and back");
}

/* The A/R read models (migrations 0031, 0032), each corrupted in turn:
 * money on a date or at a location no account has, and a wrong count in
 * the row of account (one with a balance). */
static void
corrupt_read_models(int64_t account)
{
	char detail[64];

	{
		/* aging money on a date no invoice is due */
		struct db_param p[] = { DB_I64(999999) };
		expect_corruption_named("INSERT INTO ar_open_due (location_id, due_date,"
		    " shard, open_amount) VALUES (?, '2001-02-03', 1, 5)", p, ARRAY_LEN(p),
		    "DELETE FROM ar_open_due WHERE location_id = ?", "stored A/R aging"
		    " equals the open invoices", "location 999999 due 2001-02-03");
	}
	{
		/* owed money at a location no account is at */
		struct db_param p[] = { DB_I64(999999) };
		expect_corruption_named("INSERT INTO ar_totals (location_id, shard,"
		    " owed, credit, accounts_owing) VALUES (?, 3, 5, 0, 1)", p,
		    ARRAY_LEN(p), "DELETE FROM ar_totals WHERE location_id = ?",
		    "stored A/R totals equal the account balances",
		    "location 999999 shard 3: stored owed 5");
	}
	{
		/* one account owing too many in the paying account's own row */
		struct db_param p[] = { DB_I64(account) };
		int64_t loc = sql_i64("SELECT COALESCE(location_id, 0) FROM accounts"
		    " WHERE id = ?", p, 1);
		str_fmt(detail, sizeof(detail), "location %" PRId64 " shard %" PRId64
		    ": stored owed", loc, account % 16);
		expect_corruption_named("UPDATE ar_totals SET accounts_owing ="
		    " accounts_owing + 1 WHERE (location_id, shard) = (SELECT"
		    " COALESCE(location_id, 0), id % 16 FROM accounts WHERE id = ?)",
		    p, ARRAY_LEN(p), "UPDATE ar_totals SET accounts_owing ="
		    " accounts_owing - 1 WHERE (location_id, shard) = (SELECT"
		    " COALESCE(location_id, 0), id % 16 FROM accounts WHERE id = ?)",
		    "stored A/R totals equal the account balances", detail);
	}
}

/* One more invoice counted as owing on invoice idx's aging row (0033):
 * verify names the row. */
static void
corrupt_owing(const struct model *m, int idx)
{
	struct db_param p[] = { DB_I64(m->inv[idx].id) };
	struct db_result r;
	char detail[96];

	ck_assert_int_eq(db_query(db, "SELECT fig_open_due, account_id % 4 FROM"
	    " invoices WHERE id = ?", p, 1, &r), DB_OK);
	ck_assert_int_eq((int)r.nrows, 1);
	str_fmt(detail, sizeof(detail), "due %s shard %" PRId64 ": stored",
	    db_str(&r, 0, 0), db_i64(&r, 0, 1));
	db_result_free(&r);
	expect_corruption_named("UPDATE ar_open_due d JOIN invoices i ON i.id = ?"
	    " AND d.due_date = i.fig_open_due AND d.shard = i.account_id % 4"
	    " JOIN accounts a ON a.id = i.account_id AND d.location_id ="
	    " COALESCE(a.location_id, 0) SET d.owing_count = d.owing_count + 1",
	    p, ARRAY_LEN(p), "UPDATE ar_open_due d JOIN invoices i ON i.id = ?"
	    " AND d.due_date = i.fig_open_due AND d.shard = i.account_id % 4"
	    " JOIN accounts a ON a.id = i.account_id AND d.location_id ="
	    " COALESCE(a.location_id, 0) SET d.owing_count = d.owing_count - 1",
	    "stored A/R aging equals the open invoices", detail);
	expect_corruption_named("INSERT INTO ar_owing_month (location_id, month,"
	    " shard, owing_count, owing_amount) VALUES (?, '2001-02-01', 1, 1, 5)",
	    (struct db_param[]){ DB_I64(999999) }, 1,
	    "DELETE FROM ar_owing_month WHERE location_id = ?", "stored A/R"
	    " by month equals the open invoices", "location 999999 month 2001-02-01");
	/* the open money of the invoice's month row (0034), one cent off */
	expect_corruption_named("UPDATE ar_owing_month d JOIN invoices i ON i.id = ?"
	    " AND d.month = i.fig_open_due - INTERVAL (DAY(i.fig_open_due) - 1) DAY"
	    " AND d.shard = i.account_id % 4 JOIN accounts a ON a.id = i.account_id"
	    " AND d.location_id = COALESCE(a.location_id, 0)"
	    " SET d.open_amount = d.open_amount + 1", p, ARRAY_LEN(p),
	    "UPDATE ar_owing_month d JOIN invoices i ON i.id = ?"
	    " AND d.month = i.fig_open_due - INTERVAL (DAY(i.fig_open_due) - 1) DAY"
	    " AND d.shard = i.account_id % 4 JOIN accounts a ON a.id = i.account_id"
	    " AND d.location_id = COALESCE(a.location_id, 0)"
	    " SET d.open_amount = d.open_amount - 1",
	    "stored A/R by month equals the open invoices", "open");
}

static void
corrupt_and_restore(struct model *m)
{
	struct payment pm;
	char msg[256], detail[64];
	int idx = pick_inv(m, MS_ISSUED, -1, 1);
	int64_t open;

	ck_assert_msg(idx >= 0, "no open invoice left to corrupt");
	open = inv_open(&m->inv[idx]);
	/* A payment with plenty of credit, so only the invoice's limit breaks. */
	memset(&pm, 0, sizeof(pm));
	pm.account_id = m->acc_id[m->inv[idx].acc];
	str_copy(pm.method, sizeof(pm.method), "cash");
	pm.amount = open + 100000;
	date_fmt(m->day0, pm.received_date, sizeof(pm.received_date));
	ck_assert_int_eq(payment_record(db, &actor, &pm, 0, NULL, 0, msg, sizeof(msg)),
	    PAY_OK);
	m->pay[m->npay++] = (struct mpay){ pm.id, m->inv[idx].acc, pm.amount, 0 };
	{
		struct db_param p[] = { DB_I64(pm.id), DB_I64(m->inv[idx].id),
		    DB_I64(open + 1), DB_I64(clock_now()) };
		str_fmt(detail, sizeof(detail), "invoice %" PRId64 " ", m->inv[idx].id);
		expect_corruption_named("INSERT INTO allocations (payment_id, invoice_id,"
		    " amount, created_at, memo) VALUES (?, ?, ?, ?, 'test: over-allocation')",
		    p, ARRAY_LEN(p), "DELETE FROM allocations WHERE id = ?",
		    "allocations stay within each invoice's total", detail);
	}
	{
		struct db_param p[] = { DB_I64(pm.account_id), DB_I64(m->inv[idx].id),
		    DB_I64(clock_now()) };
		expect_corruption_named("INSERT INTO ledger_entries (kind, amount,"
		    " entry_date, account_id, invoice_id, created_at, memo)"
		    " VALUES ('charge', -1, '2024-01-01', ?, ?, ?, 'test: negative charge')",
		    p, ARRAY_LEN(p), "DELETE FROM ledger_entries WHERE id = ?",
		    "entry signs follow the convention", "(charge) has amount -1");
	}
	{
		/* A stored figure that no longer equals its rows. */
		struct db_param p[] = { DB_I64(m->inv[idx].id) };
		str_fmt(detail, sizeof(detail), "invoice %" PRId64 ": stored total",
		    m->inv[idx].id);
		expect_corruption_named("UPDATE invoices SET fig_paid = fig_paid + 1"
		    " WHERE id = ?", p, ARRAY_LEN(p), "UPDATE invoices SET fig_paid ="
		    " fig_paid - 1 WHERE id = ?", "stored invoice figures equal their"
		    " entries and allocations", detail);
	}
	{
		struct db_param p[] = { DB_I64(pm.account_id) };
		str_fmt(detail, sizeof(detail), "account %" PRId64 ": stored balance",
		    pm.account_id);
		expect_corruption_named("UPDATE accounts SET fig_balance = fig_balance - 7"
		    " WHERE id = ?", p, ARRAY_LEN(p), "UPDATE accounts SET fig_balance ="
		    " fig_balance + 7 WHERE id = ?", "stored account balances equal their"
		    " entries", detail);
	}
	corrupt_read_models(pm.account_id);
	corrupt_owing(m, idx);
	move_location(m, idx);
}

static void
print_stats(const struct model *m, uint64_t seed, int nops, int64_t ms)
{
	size_t issued = 0, voided = 0;

	for (size_t i = 0; i < m->ninv; i++) {
		issued += m->inv[i].status == MS_ISSUED;
		voided += m->inv[i].status == MS_VOID;
	}
	printf("ledger random: seed %" PRIu64 ", %d ops in %" PRId64 " ms (", seed, nops, ms);
	for (int i = 0; i < OP__MAX; i++)
		printf("%s%s %" PRId64, i ? ", " : "", op_names[i], m->nops[i]);
	printf("); %" PRId64 " refused as the model predicted; %zu invoices (%zu issued,"
	    " %zu void), %zu payments, %zu allocations\n", m->nrefused, m->ninv, issued,
	    voided, m->npay, m->nal);
	fflush(stdout);
}

START_TEST(test_random_operations)
{
	static struct model m;	/* large: not on the stack */
	const char *s = getenv("LEDGER_SEED"), *o = getenv("LEDGER_OPS");
	int64_t seed = 20240917, nops = 3000, t0;
	char tag[32], name[64];

	if (s != NULL)
		ck_assert_msg(str_to_i64(s, 1, INT64_MAX, &seed) == 0, "bad LEDGER_SEED");
	if (o != NULL)
		ck_assert_msg(str_to_i64(o, 1, 100000, &nops) == 0, "bad LEDGER_OPS");
	printf("ledger random: seed %" PRId64 " (LEDGER_SEED=%" PRId64 " repeats it)\n",
	    seed, seed);
	fflush(stdout);
	rng_state = (uint64_t)seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
	memset(&m, 0, sizeof(m));
	db_open();
	str_copy(tag, sizeof(tag), "R");
	make_fixtures(&m.fx, tag);
	ck_assert_int_eq(date_parse("2024-01-01", &m.day0), 0);
	for (int a = 0; a < NACC; a++) {
		str_fmt(name, sizeof(name), "Random %s account %d", tag, a);
		m.acc_id[a] = make_account(name, m.fx.location);
		m.client_id[a][0] = make_client(m.acc_id[a], "Ann", name);
		m.client_id[a][1] = make_client(m.acc_id[a], "Bob", name);
	}
	t0 = clock_mono_ms();
	for (int64_t k = 0; k < nops; k++) {
		int which, idx = random_op(&m, &which);

		if (idx >= 0) {
			check_invoice(&m, (size_t)idx);
			check_figures(&m, (size_t)idx);
		}
		if (k % 100 == 99) {
			char msg[1024];
			check_account(&m, (int)rnd(0, NACC - 1));
			ck_assert_msg(ledger_verify(db, msg, sizeof(msg)) == 0,
			    "step %" PRId64 ": ledger_verify: %s", k, msg);
		}
	}
	print_stats(&m, (uint64_t)seed, (int)nops, clock_mono_ms() - t0);
	check_all(&m);
	expect_verify_ok("after the random run");
	check_numbers_gap_free();
	corrupt_and_restore(&m);
	check_all(&m);
	db_shut();
}
END_TEST

static Suite *
ledger_suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("random");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_random_operations);
	suite_add_tcase(s, tc);
	ledger_race_cases_add(s);
	ledger_limit_cases_add(s);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int nfail;

	setup();
	sr = srunner_create(ledger_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	config_free(&cfg);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
