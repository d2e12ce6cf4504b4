/* Large-database generator for the benchmarks (tests/bench/bench-billing).
 *
 *   seed --config FILE [--accounts N] [--seed S]
 *	Adds N accounts (default 100,000) with their clients, ~10 invoices each
 *	(one draft, ~5% void, the rest issued: paid, partly paid with some
 *	write-offs, or open; the newest issued one always open), ~3 lines and
 *	~5 ledger entries per invoice, manual payments and their allocations,
 *	some over-payments left as credit. Everything follows the ledger rules,
 *	so `billingctl ledger verify` passes on the result. Accounts are spread
 *	over 10 locations (account i at the (i mod 10)-th), so one location
 *	holds a tenth of them.
 *
 *   seed --config FILE --portal ACCOUNT_ID EMAIL PASSWORD
 *	Gives the account a portal login (activated, with that password and
 *	primary email) and posts its issued and void invoices to the portal,
 *	so a benchmark can sign in to /portal/login and load /portal/billing.
 *
 *   seed --config FILE --statements [--location-id L] [--from D] [--to D]
 *	Times a bulk statement run (statement_batch_create, then
 *	statement_batch_step until done) for the accounts with a balance.
 *
 * Loading uses MariaDB Connector/C array binding: one prepared INSERT per
 * table executed with thousands of rows of bound values at a time, foreign
 * key checks off for the session, a commit every ~200,000 rows. Ids are
 * assigned here (after the current maximum of each table), so rows can
 * reference each other without round trips. No SQL text is built from
 * input: the statements are fixed, values are bound. */
#include "common.h"

#include <mysql.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "statement.h"
#include "str.h"

#define BATCH_ROWS	5000	/* rows per execution */
#define COMMIT_ROWS	200000
#define NLOCATIONS	10
#define INVOICES	10	/* per account */
#define STR_MAX		96	/* longest generated string + NUL */

/* --- array-bound tables -------------------------------------------------- */

enum coltype { T_I64, T_STR };

struct col {
	const char	*name;
	enum coltype	 type;
};

struct table {
	const char		*name;
	const struct col	*cols;
	size_t			 ncols;
	MYSQL_STMT		*st;
	MYSQL_BIND		*bind;
	int64_t			**i64;		/* [col][row] */
	char			***str;		/* [col][row] -> pool */
	char			**ind;		/* [col][row] indicator */
	char			*pool;		/* BATCH_ROWS * ncols * STR_MAX */
	size_t			 n;		/* rows buffered */
	int64_t			 total;
	int64_t			 next_id;	/* first free id */
};

static MYSQL *conn;
static int64_t rows_since_commit;

static void PRINTF_LIKE(1, 2)
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "seed: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

static void
sql_simple(const char *sql)
{
	if (mysql_query(conn, sql) != 0)
		fatal("%s: %s", sql, mysql_error(conn));
}

static int64_t
sql_one(const char *sql)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int64_t v = 0;

	if (mysql_query(conn, sql) != 0 || (res = mysql_store_result(conn)) == NULL)
		fatal("%s: %s", sql, mysql_error(conn));
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL &&
	    str_to_i64(row[0], INT64_MIN, INT64_MAX, &v) == -1)
		fatal("%s: not a number: %s", sql, row[0]);
	mysql_free_result(res);
	return v;
}

/* The INSERT for t: fixed text from the column table, values bound. */
static void
table_open(struct table *t, const char *name, const struct col *cols, size_t ncols,
    const char *maxid_sql)
{
	char sql[2048];
	size_t len;

	t->name = name;
	t->cols = cols;
	t->ncols = ncols;
	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", name);
	for (size_t c = 0; c < ncols; c++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", c ? ", " : "",
		    cols[c].name);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, ") VALUES (");
	for (size_t c = 0; c < ncols; c++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?", c ? ", " : "");
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
	if (len >= sizeof(sql))
		fatal("SQL for %s too long", name);
	if ((t->st = mysql_stmt_init(conn)) == NULL ||
	    mysql_stmt_prepare(t->st, sql, (unsigned long)len) != 0)
		fatal("prepare %s: %s", name, t->st ? mysql_stmt_error(t->st) :
		    mysql_error(conn));
	t->bind = xcalloc(ncols, sizeof(*t->bind));
	t->i64 = xcalloc(ncols, sizeof(*t->i64));
	t->str = xcalloc(ncols, sizeof(*t->str));
	t->ind = xcalloc(ncols, sizeof(*t->ind));
	t->pool = xcalloc((size_t)BATCH_ROWS * ncols, STR_MAX);
	for (size_t c = 0; c < ncols; c++) {
		t->ind[c] = xcalloc(BATCH_ROWS, 1);
		if (cols[c].type == T_I64) {
			t->i64[c] = xcalloc(BATCH_ROWS, sizeof(int64_t));
			t->bind[c].buffer_type = MYSQL_TYPE_LONGLONG;
			t->bind[c].buffer = t->i64[c];
		} else {
			t->str[c] = xcalloc(BATCH_ROWS, sizeof(char *));
			for (size_t r = 0; r < BATCH_ROWS; r++)
				t->str[c][r] = t->pool + (r * ncols + c) * STR_MAX;
			t->bind[c].buffer_type = MYSQL_TYPE_STRING;
			t->bind[c].buffer = t->str[c];
		}
		t->bind[c].u.indicator = t->ind[c];
	}
	t->next_id = sql_one(maxid_sql) + 1;
}

static void
commit_maybe(int force)
{
	if (force || rows_since_commit >= COMMIT_ROWS) {
		if (mysql_commit(conn) != 0)
			fatal("commit: %s", mysql_error(conn));
		rows_since_commit = 0;
	}
}

static void
table_flush(struct table *t)
{
	unsigned int n = (unsigned int)t->n;

	if (n == 0)
		return;
	if (mysql_stmt_attr_set(t->st, STMT_ATTR_ARRAY_SIZE, &n) != 0 ||
	    mysql_stmt_bind_param(t->st, t->bind) != 0 ||
	    mysql_stmt_execute(t->st) != 0)
		fatal("insert into %s: %s", t->name, mysql_stmt_error(t->st));
	t->total += (int64_t)n;
	rows_since_commit += (int64_t)n;
	t->n = 0;
}

/* Starts a row; values are set with put_*(). Flushes a full batch first. */
static size_t
row_new(struct table *t)
{
	if (t->n == BATCH_ROWS)
		table_flush(t);
	return t->n++;
}

static void
put_i64(struct table *t, size_t c, int64_t v)
{
	t->i64[c][t->n - 1] = v;
	t->ind[c][t->n - 1] = STMT_INDICATOR_NONE;
}

/* 0 binds NULL (optional references). */
static void
put_id(struct table *t, size_t c, int64_t v)
{
	if (v == 0)
		t->ind[c][t->n - 1] = STMT_INDICATOR_NULL;
	else
		put_i64(t, c, v);
}

static void PRINTF_LIKE(3, 4)
put_str(struct table *t, size_t c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(t->str[c][t->n - 1], STR_MAX, fmt, ap) >= STR_MAX)
		fatal("%s.%s: value too long", t->name, t->cols[c].name);
	va_end(ap);
	t->ind[c][t->n - 1] = STMT_INDICATOR_NTS;
}

/* --- the tables ------------------------------------------------------------ */

enum { AC_ID, AC_NAME, AC_EMAIL, AC_PHONE, AC_ADDR, AC_CITY, AC_REGION, AC_ZIP,
	AC_LOC, AC_CREATED, AC_UPDATED };
static const struct col account_cols[] = {
	{ "id", T_I64 }, { "name", T_STR }, { "email", T_STR }, { "phone", T_STR },
	{ "address1", T_STR }, { "city", T_STR }, { "region", T_STR },
	{ "postal_code", T_STR }, { "location_id", T_I64 }, { "created_at", T_I64 },
	{ "updated_at", T_I64 },
};

enum { CL_ID, CL_ACC, CL_STAGE, CL_FIRST, CL_LAST, CL_LOC, CL_CONV, CL_CREATED,
	CL_UPDATED };
static const struct col client_cols[] = {
	{ "id", T_I64 }, { "account_id", T_I64 }, { "stage", T_STR },
	{ "first_name", T_STR }, { "last_name", T_STR }, { "location_id", T_I64 },
	{ "converted_at", T_I64 }, { "created_at", T_I64 }, { "updated_at", T_I64 },
};

enum { IN_ID, IN_NUMBER, IN_ACC, IN_CLIENT, IN_LOC, IN_PTYPE, IN_STATUS, IN_DATE,
	IN_DUE, IN_NOTES, IN_DK, IN_DV, IN_ISSUED, IN_VOIDED, IN_REASON, IN_CREATED,
	IN_UPDATED };
static const struct col invoice_cols[] = {
	{ "id", T_I64 }, { "number", T_STR }, { "account_id", T_I64 },
	{ "client_id", T_I64 }, { "location_id", T_I64 }, { "payment_type_id", T_I64 },
	{ "status", T_STR }, { "invoice_date", T_STR }, { "due_date", T_STR },
	{ "notes", T_STR }, { "discount_kind", T_STR }, { "discount_value", T_I64 },
	{ "issued_at", T_I64 }, { "voided_at", T_I64 }, { "void_reason", T_STR },
	{ "created_at", T_I64 }, { "updated_at", T_I64 },
};

enum { LN_ID, LN_INV, LN_POS, LN_SVC, LN_DESC, LN_QTY, LN_RATE, LN_DK, LN_DV };
static const struct col line_cols[] = {
	{ "id", T_I64 }, { "invoice_id", T_I64 }, { "position", T_I64 },
	{ "service_id", T_I64 }, { "description", T_STR }, { "quantity", T_I64 },
	{ "rate", T_I64 }, { "discount_kind", T_STR }, { "discount_value", T_I64 },
};

enum { PY_ID, PY_ACC, PY_CLIENT, PY_METHOD, PY_AMOUNT, PY_STATUS, PY_DATE, PY_REF,
	PY_CREATED };
static const struct col payment_cols[] = {
	{ "id", T_I64 }, { "account_id", T_I64 }, { "client_id", T_I64 },
	{ "method", T_STR }, { "amount", T_I64 }, { "status", T_STR },
	{ "received_date", T_STR }, { "reference", T_STR }, { "created_at", T_I64 },
};

enum { LE_ID, LE_KIND, LE_AMOUNT, LE_DATE, LE_ACC, LE_CLIENT, LE_INV, LE_PAY,
	LE_REV, LE_CREATED, LE_MEMO };
static const struct col entry_cols[] = {
	{ "id", T_I64 }, { "kind", T_STR }, { "amount", T_I64 }, { "entry_date", T_STR },
	{ "account_id", T_I64 }, { "client_id", T_I64 }, { "invoice_id", T_I64 },
	{ "payment_id", T_I64 }, { "reverses_id", T_I64 }, { "created_at", T_I64 },
	{ "memo", T_STR },
};

enum { AL_ID, AL_PAY, AL_INV, AL_AMOUNT, AL_CREATED };
static const struct col alloc_cols[] = {
	{ "id", T_I64 }, { "payment_id", T_I64 }, { "invoice_id", T_I64 },
	{ "amount", T_I64 }, { "created_at", T_I64 },
};

static struct table accounts, clients, invoices, lines, payments, entries, allocs;

/* --- generation ------------------------------------------------------------ */

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

static const char *const first_names[] = { "Maya", "Liam", "Ava", "Noah", "Zoe",
	"Ethan", "Isla", "Omar", "Lena", "Ravi", "Chloe", "Mateo", "Nora", "Kai",
	"Aria", "Felix" };
static const char *const last_names[] = { "Lopez", "Nguyen", "Smith", "Okafor",
	"Garcia", "Kim", "Patel", "Novak", "Rossi", "Cohen", "Silva", "Brown",
	"Jensen", "Haddad", "Murphy", "Tanaka", "Walsh", "Ibrahim" };
static const char *const cities[] = { "Springfield", "Riverton", "Lakeside",
	"Fairview", "Greenville" };

struct service_def {
	int64_t		 id;
	const char	*name;
	int64_t		 rate;
};
static struct service_def services[5];
static int64_t locations[NLOCATIONS];
static int64_t payment_type;

struct gen {
	int64_t	 today;		/* day number */
	int64_t	 now;		/* unix seconds */
	int64_t	 seq;		/* next invoice number */
	int64_t	 run;		/* tag for unique emails */
};

static void
day_str(char out[11], int64_t d)
{
	date_fmt(d, out, 11);
}

/* One ledger entry; returns its id. */
static int64_t
entry(const struct gen *g, const char *kind, int64_t amount, int64_t day, int64_t acc,
    int64_t client, int64_t inv, int64_t pay, int64_t reverses, const char *memo)
{
	char d[11];
	int64_t id = entries.next_id++;

	day_str(d, day);
	row_new(&entries);
	put_i64(&entries, LE_ID, id);
	put_str(&entries, LE_KIND, "%s", kind);
	put_i64(&entries, LE_AMOUNT, amount);
	put_str(&entries, LE_DATE, "%s", d);
	put_i64(&entries, LE_ACC, acc);
	put_id(&entries, LE_CLIENT, client);
	put_id(&entries, LE_INV, inv);
	put_id(&entries, LE_PAY, pay);
	put_id(&entries, LE_REV, reverses);
	put_i64(&entries, LE_CREATED, g->now);
	put_str(&entries, LE_MEMO, "%s", memo);
	return id;
}

static const char *const methods[] = { "cash", "check", "terminal", "other" };

/* A succeeded manual payment of amount, allocated alloc to inv. */
static void
payment(const struct gen *g, int64_t acc, int64_t client, int64_t inv, int64_t amount,
    int64_t alloc, int64_t day)
{
	int64_t id = payments.next_id++;
	const char *m = methods[rnd(4)];
	char d[11], memo[40];

	day_str(d, day);
	row_new(&payments);
	put_i64(&payments, PY_ID, id);
	put_i64(&payments, PY_ACC, acc);
	put_id(&payments, PY_CLIENT, client);
	put_str(&payments, PY_METHOD, "%s", m);
	put_i64(&payments, PY_AMOUNT, amount);
	put_str(&payments, PY_STATUS, "succeeded");
	put_str(&payments, PY_DATE, "%s", d);
	if (strcmp(m, "check") == 0)
		put_str(&payments, PY_REF, "%" PRId64, 1000 + (int64_t)rnd(9000));
	else
		put_str(&payments, PY_REF, "%s", "");
	put_i64(&payments, PY_CREATED, g->now);
	str_fmt(memo, sizeof(memo), "%s", m);
	entry(g, "payment", -amount, day, acc, client, 0, id, 0, memo);
	if (alloc > 0) {
		row_new(&allocs);
		put_i64(&allocs, AL_ID, allocs.next_id++);
		put_i64(&allocs, AL_PAY, id);
		put_i64(&allocs, AL_INV, inv);
		put_i64(&allocs, AL_AMOUNT, alloc);
		put_i64(&allocs, AL_CREATED, g->now);
	}
}

/* One invoice k of an account. */
static void
invoice(struct gen *g, int64_t acc, int64_t client, int64_t loc, int k, int is_void,
    int is_draft, int keep_open)
{
	int64_t id = invoices.next_id++, day, total = 0, ids[16], amounts[16];
	int64_t gross[8], ldisc = 0, idisc = 0, sub = 0;
	int nl = 3 + (int)rnd(3), ne = 0, line_pct = rnd(100) < 50, inv_fixed = rnd(100) < 30;
	char d[11], due[11], num[24];

	day = g->today - 700 + k * 70 + (int64_t)rnd(30);
	if (day > g->today)
		day = g->today;
	day_str(d, day);
	day_str(due, day + 30);
	for (int i = 0; i < nl; i++) {
		const struct service_def *s = &services[rnd(ARRAY_LEN(services))];
		int64_t qty = 1 + (int64_t)rnd(2);

		gross[i] = qty * s->rate;
		row_new(&lines);
		put_i64(&lines, LN_ID, lines.next_id++);
		put_i64(&lines, LN_INV, id);
		put_i64(&lines, LN_POS, i + 1);
		put_i64(&lines, LN_SVC, s->id);
		put_str(&lines, LN_DESC, "%s", s->name);
		put_i64(&lines, LN_QTY, qty);
		put_i64(&lines, LN_RATE, s->rate);
		if (i == 0 && line_pct) {
			/* 10%, rounded half away from zero (money.h) */
			ldisc = (gross[0] * 1000 + 5000) / 10000;
			put_str(&lines, LN_DK, "percent");
			put_i64(&lines, LN_DV, 1000);
		} else {
			put_str(&lines, LN_DK, "none");
			put_i64(&lines, LN_DV, 0);
		}
		sub += gross[i];
	}
	sub -= ldisc;
	if (inv_fixed)
		idisc = 500;
	row_new(&invoices);
	put_i64(&invoices, IN_ID, id);
	if (is_draft) {
		invoices.ind[IN_NUMBER][invoices.n - 1] = STMT_INDICATOR_NULL;
	} else {
		str_fmt(num, sizeof(num), "INV-%06" PRId64, g->seq++);
		put_str(&invoices, IN_NUMBER, "%s", num);
	}
	put_i64(&invoices, IN_ACC, acc);
	put_id(&invoices, IN_CLIENT, client);
	put_i64(&invoices, IN_LOC, loc);
	put_i64(&invoices, IN_PTYPE, payment_type);
	put_str(&invoices, IN_STATUS, "%s", is_draft ? "draft" : is_void ? "void" : "issued");
	put_str(&invoices, IN_DATE, "%s", d);
	put_str(&invoices, IN_DUE, "%s", due);
	put_str(&invoices, IN_NOTES, "%s", "");
	put_str(&invoices, IN_DK, "%s", inv_fixed ? "fixed" : "none");
	put_i64(&invoices, IN_DV, inv_fixed ? 500 : 0);
	put_id(&invoices, IN_ISSUED, is_draft ? 0 : g->now);
	put_id(&invoices, IN_VOIDED, is_void ? g->now : 0);
	put_str(&invoices, IN_REASON, "%s", is_void ? "Entered in error" : "");
	put_i64(&invoices, IN_CREATED, g->now);
	put_i64(&invoices, IN_UPDATED, g->now);
	if (is_draft)
		return;
	/* the lines become ledger entries */
	for (int i = 0; i < nl; i++) {
		amounts[ne] = gross[i];
		ids[ne++] = entry(g, "charge", gross[i], day, acc, client, id, 0, 0,
		    "Service");
		if (i == 0 && ldisc > 0) {
			amounts[ne] = -ldisc;
			ids[ne++] = entry(g, "discount", -ldisc, day, acc, client, id, 0, 0,
			    "Discount: Service");
		}
	}
	if (idisc > 0) {
		amounts[ne] = -idisc;
		ids[ne++] = entry(g, "discount", -idisc, day, acc, client, id, 0, 0,
		    "Invoice discount");
	}
	total = sub - idisc;
	if (is_void) {
		for (int i = 0; i < ne; i++)
			entry(g, "adjustment", -amounts[i], day + 5 > g->today ? g->today :
			    day + 5, acc, client, id, 0, ids[i], "Void: Entered in error");
		return;
	}
	if (keep_open)
		return;
	{
		int64_t r = (int64_t)rnd(100), pday = day + (int64_t)rnd(40);

		if (pday > g->today)
			pday = g->today;
		if (r < 55) {
			/* paid in full; sometimes a little over (account credit) */
			int64_t over = rnd(100) < 10 ? 100 + (int64_t)rnd(900) : 0;
			payment(g, acc, client, id, total + over, total, pday);
		} else if (r < 75) {
			int64_t part = total * (40 + (int64_t)rnd(21)) / 100;
			if (part > 0)
				payment(g, acc, client, id, part, part, pday);
			if (rnd(100) < 25 && total - part > 0) {
				int64_t wday = day + 60 > g->today ? g->today : day + 60;
				entry(g, "writeoff", -(total - part), wday, acc, client, id, 0, 0,
				    "Small balance write-off");
			}
		}
	}
}

static void
account(struct gen *g, int64_t i)
{
	int64_t id = accounts.next_id++, loc = locations[i % NLOCATIONS];
	int64_t cid[2], nclients = i % 3 == 0 ? 2 : 1;
	const char *last = last_names[rnd(ARRAY_LEN(last_names))];

	row_new(&accounts);
	put_i64(&accounts, AC_ID, id);
	put_str(&accounts, AC_NAME, "%s %s %" PRId64, first_names[rnd(ARRAY_LEN(first_names))],
	    last, id);
	put_str(&accounts, AC_EMAIL, "seed%" PRId64 "-%" PRId64 "@bench.example", g->run, id);
	put_str(&accounts, AC_PHONE, "555-%04" PRId64, (int64_t)rnd(10000));
	put_str(&accounts, AC_ADDR, "%" PRId64 " Main Street", 1 + (int64_t)rnd(999));
	put_str(&accounts, AC_CITY, "%s", cities[rnd(ARRAY_LEN(cities))]);
	put_str(&accounts, AC_REGION, "%s", "CA");
	put_str(&accounts, AC_ZIP, "9%04" PRId64, (int64_t)rnd(10000));
	put_i64(&accounts, AC_LOC, loc);
	put_i64(&accounts, AC_CREATED, g->now);
	put_i64(&accounts, AC_UPDATED, g->now);
	for (int64_t c = 0; c < nclients; c++) {
		cid[c] = clients.next_id++;
		row_new(&clients);
		put_i64(&clients, CL_ID, cid[c]);
		put_i64(&clients, CL_ACC, id);
		put_str(&clients, CL_STAGE, "%s", rnd(10) == 0 ? "inquiry" : "client");
		put_str(&clients, CL_FIRST, "%s", first_names[rnd(ARRAY_LEN(first_names))]);
		put_str(&clients, CL_LAST, "%s", last);
		put_i64(&clients, CL_LOC, loc);
		put_i64(&clients, CL_CONV, g->now);
		put_i64(&clients, CL_CREATED, g->now);
		put_i64(&clients, CL_UPDATED, g->now);
	}
	for (int k = 0; k < INVOICES; k++) {
		int is_draft = k == INVOICES - 1;
		int is_void = !is_draft && k != INVOICES - 2 && rnd(100) < 5;
		/* the newest issued invoice stays open: every account owes something */
		invoice(g, id, cid[rnd((uint64_t)nclients)], loc, k, is_void, is_draft,
		    k == INVOICES - 2);
	}
	commit_maybe(0);
}

/* Runs a prepared statement with string/integer parameters (NULL-terminated
 * list of binds already set up); for an id look-up, fetches one BIGINT. */
static int64_t
stmt_run(const char *sql, MYSQL_BIND *b, int fetch)
{
	MYSQL_STMT *st = mysql_stmt_init(conn);
	MYSQL_BIND out;
	long long id = 0;

	if (st == NULL || mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0 ||
	    mysql_stmt_bind_param(st, b) != 0 || mysql_stmt_execute(st) != 0)
		fatal("%s: %s", sql, st ? mysql_stmt_error(st) : mysql_error(conn));
	if (fetch) {
		memset(&out, 0, sizeof(out));
		out.buffer_type = MYSQL_TYPE_LONGLONG;
		out.buffer = &id;
		if (mysql_stmt_bind_result(st, &out) != 0 || mysql_stmt_fetch(st) != 0)
			fatal("%s: no row", sql);
		mysql_stmt_free_result(st);
	}
	mysql_stmt_close(st);
	return id;
}

static MYSQL_BIND
bind_str(const char *s, unsigned long *len)
{
	MYSQL_BIND b;

	memset(&b, 0, sizeof(b));
	*len = strlen(s);
	b.buffer_type = MYSQL_TYPE_STRING;
	b.buffer = (void *)(uintptr_t)s;
	b.buffer_length = *len;
	b.length = len;
	return b;
}

static MYSQL_BIND
bind_i64(long long *v)
{
	MYSQL_BIND b;

	memset(&b, 0, sizeof(b));
	b.buffer_type = MYSQL_TYPE_LONGLONG;
	b.buffer = v;
	return b;
}

/* Catalog rows the invoices use: 10 locations, 5 services (created once,
 * found again on a rerun). */
static void
catalog(const struct gen *g)
{
	static const struct { const char *code, *name; int64_t rate; } svc[] = {
		{ "B90837", "Individual therapy, 60 min", 15000 },
		{ "B90834", "Individual therapy, 45 min", 12000 },
		{ "B90853", "Group session", 8550 },
		{ "B90847", "Family session", 20000 },
		{ "B99051", "Care coordination", 4500 },
	};
	long long now = g->now, rate;
	unsigned long l1, l2;
	char name[64];

	for (int i = 0; i < NLOCATIONS; i++) {
		MYSQL_BIND b[2];

		str_fmt(name, sizeof(name), "Bench location %d", i + 1);
		b[0] = bind_str(name, &l1);
		b[1] = bind_i64(&now);
		stmt_run("INSERT IGNORE INTO locations (name, created_at) VALUES (?, ?)", b, 0);
		locations[i] = stmt_run("SELECT id FROM locations WHERE name = ?", b, 1);
	}
	for (size_t i = 0; i < ARRAY_LEN(svc); i++) {
		MYSQL_BIND b[4];

		rate = svc[i].rate;
		b[0] = bind_str(svc[i].code, &l1);
		b[1] = bind_str(svc[i].name, &l2);
		b[2] = bind_i64(&rate);
		b[3] = bind_i64(&now);
		stmt_run("INSERT IGNORE INTO services (code, name, default_rate, created_at)"
		    " VALUES (?, ?, ?, ?)", b, 0);
		services[i].id = stmt_run("SELECT id FROM services WHERE code = ?", b, 1);
		services[i].name = svc[i].name;
		services[i].rate = svc[i].rate;
	}
	payment_type = sql_one("SELECT MIN(id) FROM payment_types");
	if (payment_type == 0)
		fatal("no payment types (run billingctl migrate)");
}

static void
connect_db(const struct config *cfg)
{
	unsigned int timeout = 10;

	if ((conn = mysql_init(NULL)) == NULL)
		fatal("mysql_init");
	mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(conn, cfg->db_socket && cfg->db_socket[0] ? NULL :
	    cfg->db_host, cfg->db_user, cfg->db_password, cfg->db_name,
	    cfg->db_socket && cfg->db_socket[0] ? 0 : (unsigned)cfg->db_port,
	    cfg->db_socket && cfg->db_socket[0] ? cfg->db_socket : NULL, 0) == NULL)
		fatal("connect: %s", mysql_error(conn));
	sql_simple("SET time_zone = '+00:00', sql_mode = "
	    "'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'");
	/* the generator keeps the references consistent itself */
	sql_simple("SET foreign_key_checks = 0, unique_checks = 0");
	if (mysql_autocommit(conn, 0) != 0)
		fatal("autocommit: %s", mysql_error(conn));
}

/* The stored figures (migration 0023) of the accounts and invoices loaded
 * from the given first ids on: the sums the triggers would have kept. */
static void
figures_rebuild(int64_t first_account, int64_t first_invoice)
{
	long long a = first_account, i = first_invoice;
	MYSQL_BIND b[2];

	b[0] = bind_i64(&i);
	b[1] = bind_i64(&i);
	stmt_run("UPDATE invoices i JOIN (SELECT invoice_id, SUM(amount) AS s"
	    " FROM ledger_entries WHERE invoice_id >= ? GROUP BY invoice_id) e"
	    " ON e.invoice_id = i.id SET i.fig_total = e.s WHERE i.id >= ?", b, 0);
	stmt_run("UPDATE invoices i JOIN (SELECT invoice_id, SUM(amount) AS s"
	    " FROM allocations WHERE invoice_id >= ? GROUP BY invoice_id) x"
	    " ON x.invoice_id = i.id SET i.fig_paid = x.s WHERE i.id >= ?", b, 0);
	b[0] = bind_i64(&a);
	b[1] = bind_i64(&a);
	stmt_run("UPDATE accounts a JOIN (SELECT account_id, SUM(amount) AS s"
	    " FROM ledger_entries WHERE account_id >= ? GROUP BY account_id) e"
	    " ON e.account_id = a.id SET a.fig_balance = e.s WHERE a.id >= ?", b, 0);
	/* the aging read model (0031), rebuilt whole */
	sql_simple("DELETE FROM ar_open_due");
	sql_simple("INSERT INTO ar_open_due (location_id, due_date, shard, open_amount,"
	    " owing_count, owing_amount)"
	    " SELECT COALESCE(a.location_id, 0), i.fig_open_due, i.account_id % 4,"
	    " SUM(i.fig_total - i.fig_paid), SUM(i.fig_total > i.fig_paid),"
	    " SUM(GREATEST(i.fig_total - i.fig_paid, 0)) FROM invoices i"
	    " JOIN accounts a ON a.id = i.account_id WHERE i.fig_open_due IS NOT NULL"
	    " GROUP BY 1, 2, 3 HAVING SUM(i.fig_total - i.fig_paid) <> 0"
	    " OR SUM(i.fig_total > i.fig_paid) <> 0");
	sql_simple("DELETE FROM ar_owing_month");
	sql_simple("INSERT INTO ar_owing_month (location_id, month, shard, owing_count,"
	    " owing_amount, open_amount) SELECT location_id, due_date - INTERVAL"
	    " (DAY(due_date) - 1) DAY, shard, SUM(owing_count), SUM(owing_amount),"
	    " SUM(open_amount) FROM ar_open_due GROUP BY 1, 2, 3"
	    " HAVING SUM(owing_count) <> 0 OR SUM(open_amount) <> 0");
	/* the A/R totals (0032), rebuilt whole */
	sql_simple("DELETE FROM ar_totals");
	sql_simple("INSERT INTO ar_totals (location_id, shard, owed, credit,"
	    " accounts_owing) SELECT COALESCE(location_id, 0), id % 16,"
	    " SUM(GREATEST(fig_balance, 0)), SUM(GREATEST(-fig_balance, 0)),"
	    " SUM(fig_balance > 0) FROM accounts WHERE fig_balance <> 0 GROUP BY 1, 2");
	commit_maybe(1);
}

static int
seed(const struct config *cfg, int64_t naccounts)
{
	int64_t inv_first;
	struct gen g;
	int64_t t0, t1;
	struct table *all[] = { &accounts, &clients, &invoices, &lines, &payments,
	    &entries, &allocs };

	connect_db(cfg);
	memset(&g, 0, sizeof(g));
	g.now = clock_now();
	g.today = date_today();
	catalog(&g);
	table_open(&accounts, "accounts", account_cols, ARRAY_LEN(account_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM accounts");
	table_open(&clients, "clients", client_cols, ARRAY_LEN(client_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM clients");
	table_open(&invoices, "invoices", invoice_cols, ARRAY_LEN(invoice_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM invoices");
	table_open(&lines, "invoice_lines", line_cols, ARRAY_LEN(line_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM invoice_lines");
	table_open(&payments, "payments", payment_cols, ARRAY_LEN(payment_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM payments");
	table_open(&entries, "ledger_entries", entry_cols, ARRAY_LEN(entry_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM ledger_entries");
	table_open(&allocs, "allocations", alloc_cols, ARRAY_LEN(alloc_cols),
	    "SELECT COALESCE(MAX(id), 0) FROM allocations");
	g.seq = sql_one("SELECT next_value FROM sequences WHERE name = 'invoice'");
	g.run = accounts.next_id;
	inv_first = invoices.next_id;
	/* the figure triggers (migration 0023) stand aside; figures_rebuild()
	 * recomputes what was loaded */
	sql_simple("SET @billing_bulk_load = 1");
	t0 = clock_mono_ms();
	for (int64_t i = 0; i < naccounts; i++) {
		account(&g, i);
		if ((i + 1) % 10000 == 0 && i + 1 < naccounts) {
			fprintf(stderr, "seed: %" PRId64 " accounts, %" PRId64 " entries, %.1f s\n",
			    i + 1, entries.total + (int64_t)entries.n,
			    (double)(clock_mono_ms() - t0) / 1000.0);
		}
	}
	for (size_t k = 0; k < ARRAY_LEN(all); k++)
		table_flush(all[k]);
	{
		long long next = g.seq;
		MYSQL_BIND b[1] = { bind_i64(&next) };
		stmt_run("UPDATE sequences SET next_value = ? WHERE name = 'invoice'", b, 0);
	}
	commit_maybe(1);
	figures_rebuild(g.run, inv_first);
	t1 = clock_mono_ms();
	printf("seed: %" PRId64 " accounts in %.1f s\n", naccounts, (double)(t1 - t0) / 1000.0);
	for (size_t k = 0; k < ARRAY_LEN(all); k++)
		printf("  %-15s %10" PRId64 " rows\n", all[k]->name, all[k]->total);
	printf("  rows/s %.0f; first account id %" PRId64 "; location ids %" PRId64
	    "..%" PRId64 "\n", (double)(accounts.total + clients.total + invoices.total +
	    lines.total + payments.total + entries.total + allocs.total) * 1000.0 /
	    (double)(t1 - t0 > 0 ? t1 - t0 : 1), g.run, locations[0],
	    locations[NLOCATIONS - 1]);
	for (size_t k = 0; k < ARRAY_LEN(all); k++)
		mysql_stmt_close(all[k]->st);
	mysql_close(conn);
	return 0;
}

/* An activated portal login for one account, its invoices posted. */
static int
portal_login(const struct config *cfg, int64_t account, const char *email,
    const char *password)
{
	char hash[CRYPTO_PWHASH_MAX];
	long long acc = account, now = clock_now();
	unsigned long l1, l2;
	MYSQL_BIND b[5];

	if (crypto_password_hash(password, hash) == -1)
		fatal("password hash failed");
	connect_db(cfg);
	b[0] = bind_str(email, &l1);
	b[1] = bind_i64(&acc);
	stmt_run("UPDATE accounts SET email = ? WHERE id = ?", b, 0);
	b[0] = bind_i64(&acc);
	b[1] = bind_str(email, &l1);
	b[2] = bind_str(hash, &l2);
	b[3] = bind_i64(&now);
	stmt_run("INSERT INTO portal_logins (account_id, email, password_hash,"
	    " activated_at, password_changed_at, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)", (MYSQL_BIND[]){ b[0], b[1], b[2], b[3],
	    b[3], b[3], b[3] }, 0);
	b[0] = bind_i64(&now);
	b[1] = bind_i64(&acc);
	stmt_run("INSERT IGNORE INTO portal_invoices (invoice_id, account_id, posted_at)"
	    " SELECT id, account_id, ? FROM invoices WHERE account_id = ?"
	    " AND status <> 'draft'", b, 0);
	commit_maybe(1);
	mysql_close(conn);
	printf("portal: account %" PRId64 " signs in as %s\n", account, email);
	return 0;
}

/* Bulk statements through the domain API, timed. */
static int
statements(const struct config *cfg, int64_t location, const char *from,
    const char *to, int64_t chunk)
{
	const struct actor actor = { "system", 0, "127.0.0.1" };
	struct statement_batch b;
	struct db *db = db_new(cfg);
	int64_t id = 0, t0, t1, steps = 0;
	int rc;

	if (db == NULL || db_ensure(db) != DB_OK)
		fatal("cannot connect");
	t0 = clock_mono_ms();
	rc = statement_batch_create(db, &actor, from, to, location, 1, &id);
	if (rc != ST_OK)
		fatal("statement_batch_create: %d", rc);
	t1 = clock_mono_ms();
	if (statement_batch_get(db, id, &b) != ST_OK)
		fatal("statement_batch_get");
	printf("statements: run %" PRId64 " selected %" PRId64 " accounts in %.2f s\n", id,
	    b.total, (double)(t1 - t0) / 1000.0);
	for (;;) {
		if ((rc = statement_batch_step(db, &actor, id, (size_t)chunk)) != ST_OK)
			fatal("statement_batch_step: %d", rc);
		steps++;
		if (statement_batch_get(db, id, &b) != ST_OK)
			fatal("statement_batch_get");
		if (strcmp(b.status, "done") == 0 || b.done >= b.total)
			break;
	}
	t1 = clock_mono_ms() - t0;
	printf("statements: %" PRId64 " generated in %.2f s (%" PRId64 " steps of %" PRId64
	    "), %.0f statements/s\n", b.done, (double)t1 / 1000.0, steps, chunk,
	    (double)b.done * 1000.0 / (double)(t1 > 0 ? t1 : 1));
	db_close(db);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: seed --config FILE [--accounts N]\n"
	    "       seed --config FILE --portal ACCOUNT_ID EMAIL PASSWORD\n"
	    "       seed --config FILE --statements [--location-id L] [--from D]"
	    " [--to D] [--chunk N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const char *path = NULL, *from = NULL, *to = NULL;
	int64_t naccounts = 100000, location = 0, chunk = 200;
	int64_t portal = 0;
	const char *pemail = NULL, *ppw = NULL;
	int stmts = 0, rc;
	char err[512], dfrom[11], dto[11];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--statements") == 0) {
			stmts = 1;
			continue;
		}
		if (strcmp(a, "--portal") == 0) {
			if (i + 3 >= argc || str_to_i64(argv[i + 1], 1, INT64_MAX,
			    &portal) == -1)
				usage();
			pemail = argv[i + 2];
			ppw = argv[i + 3];
			i += 3;
			continue;
		}
		if (v == NULL)
			usage();
		if (strcmp(a, "--config") == 0)
			path = v;
		else if (strcmp(a, "--accounts") == 0) {
			if (str_to_i64(v, 1, 10000000, &naccounts) == -1)
				usage();
		} else if (strcmp(a, "--seed") == 0) {
			int64_t s;
			if (str_to_i64(v, 1, INT64_MAX, &s) == -1)
				usage();
			rng = (uint64_t)s;
		} else if (strcmp(a, "--location-id") == 0) {
			if (str_to_i64(v, 1, INT64_MAX, &location) == -1)
				usage();
		} else if (strcmp(a, "--chunk") == 0) {
			if (str_to_i64(v, 1, 100000, &chunk) == -1)
				usage();
		} else if (strcmp(a, "--from") == 0)
			from = v;
		else if (strcmp(a, "--to") == 0)
			to = v;
		else
			usage();
		i++;
	}
	if (path == NULL)
		usage();
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, path, err, sizeof(err)) == -1)
		fatal("config %s: %s", path, err);
	if (portal) {
		rc = portal_login(&cfg, portal, pemail, ppw);
	} else if (stmts) {
		date_fmt(date_today() - 365, dfrom, sizeof(dfrom));
		date_fmt(date_today(), dto, sizeof(dto));
		rc = statements(&cfg, location, from ? from : dfrom, to ? to : dto, chunk);
	} else {
		rc = seed(&cfg, naccounts);
	}
	config_free(&cfg);
	return rc;
}
