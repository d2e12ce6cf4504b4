/* What a statement is computed from (store_statement.h): a statement's
 * parties, opening balance, lines, open invoices and unallocated money,
 * of an account or of one client's invoices, or of a bulk run's accounts
 * many at a time. */
#include "common.h"

#include "db.h"
#include "store_statement.h"
#include "str.h"

typedef void (*map_fn)(const struct db_result *, size_t, void *);

/* Every row of the query mapped by f into a malloc'd array of size-byte
 * elements. */
static int
read_all(struct db *db, const char *sql, const struct db_param *p, size_t np,
    size_t size, map_fn f, void **out, size_t *n)
{
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, sql, p, np, &r);
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, size)) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		f(&r, i, (char *)*out + i * size);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

int
store_statement_client_get(struct db *db, int64_t client_id,
    int64_t *account_id, char *name, size_t namesz)
{
	struct db_param p[] = { DB_I64(client_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT account_id, CONCAT(first_name, ' ',"
	    " last_name) FROM clients WHERE id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0) {
		*account_id = db_i64(&r, 0, 0);
		str_copy(name, namesz, db_str(&r, 0, 1));
	}
	if (rc == DB_OK)
		rc = r.nrows > 0;
	db_result_free(&r);
	return rc;
}

#define PARTY_COLS "a.id, a.name, a.address1, a.address2, a.city, a.region," \
	" a.postal_code"

static void
party_map(const struct db_result *r, size_t i, void *out)
{
	struct store_statement_party *a = out;

	a->account_id = db_i64(r, i, 0);
	str_copy(a->name, sizeof(a->name), db_str(r, i, 1));
	str_copy(a->address1, sizeof(a->address1), db_str(r, i, 2));
	str_copy(a->address2, sizeof(a->address2), db_str(r, i, 3));
	str_copy(a->city, sizeof(a->city), db_str(r, i, 4));
	str_copy(a->region, sizeof(a->region), db_str(r, i, 5));
	str_copy(a->postal_code, sizeof(a->postal_code), db_str(r, i, 6));
}

int
store_statement_party_get(struct db *db, int64_t account_id,
    struct store_statement_party *a)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct store_statement_party *v = NULL;
	size_t n = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = read_all(db, "SELECT " PARTY_COLS " FROM accounts a WHERE a.id = ?",
	    p, 1, sizeof(*v), party_map, (void **)&v, &n);
	if (rc == DB_OK && n > 0)
		*a = v[0];
	free(v);
	return rc == DB_OK ? n > 0 : rc;
}

int
store_statement_opening(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, int64_t *out)
{
	if (client_id != 0) {
		/* Its invoices' entries less the money applied to them. */
		struct db_param p[] = { DB_I64(client_id), DB_STR(from),
		    DB_I64(client_id), DB_STR(from) };
		return db_query_i64(db, "SELECT (SELECT COALESCE(SUM(amount), 0)"
		    " FROM ledger_entries WHERE client_id = ? AND invoice_id IS NOT NULL"
		    " AND entry_date < ?) - (SELECT COALESCE(SUM(x.amount), 0)"
		    " FROM allocations x JOIN invoices i ON i.id = x.invoice_id"
		    " JOIN payments p ON p.id = x.payment_id WHERE i.client_id = ?"
		    " AND p.received_date < ?)", p, ARRAY_LEN(p), out);
	}
	struct db_param p[] = { DB_I64(account_id), DB_STR(from) };
	return db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE account_id = ? AND entry_date < ?", p, 2, out);
}

/* Columns: account, kind, amount, date, invoice number(s), memo, payment
 * method, payment reference. */
static void
row_map(const struct db_result *r, size_t i, void *out)
{
	struct store_statement_row *w = out;

	w->account_id = db_i64(r, i, 0);
	str_copy(w->kind, sizeof(w->kind), db_str(r, i, 1));
	w->amount = db_i64(r, i, 2);
	str_copy(w->date, sizeof(w->date), db_str(r, i, 3));
	str_copy(w->number, sizeof(w->number), db_str(r, i, 4));
	str_copy(w->memo, sizeof(w->memo), db_str(r, i, 5));
	str_copy(w->method, sizeof(w->method), db_str(r, i, 6));
	str_copy(w->reference, sizeof(w->reference), db_str(r, i, 7));
}

/* An account's entries: the lines of its statement. */
#define ACCOUNT_ROWS "SELECT e.account_id, e.kind, e.amount, e.entry_date," \
	" COALESCE(i.number, ''), e.memo, COALESCE(p.method, '')," \
	" COALESCE(p.reference, '') FROM "
#define ACCOUNT_ROWS_JOIN " LEFT JOIN invoices i ON i.id = e.invoice_id" \
	" LEFT JOIN payments p ON p.id = e.payment_id"

int
store_statement_rows(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct store_statement_row **out,
    size_t *n)
{
	if (client_id != 0) {
		/* Its invoices' entries, and each payment for what it applied to
		 * its invoices (net of releases), dated by the payment. */
		struct db_param p[] = { DB_I64(client_id), DB_STR(from),
		    DB_STR(to), DB_I64(client_id), DB_STR(from), DB_STR(to) };
		return read_all(db, "SELECT 0, kind, amount, d, num, memo, method,"
		    " ref FROM (SELECT e.kind, e.amount, e.entry_date AS d,"
		    " COALESCE(i.number, '') AS num, e.memo, '' AS method, '' AS ref,"
		    " 0 AS grp, e.id AS sid FROM ledger_entries e"
		    " JOIN invoices i ON i.id = e.invoice_id"
		    " WHERE e.client_id = ? AND e.entry_date BETWEEN ? AND ?"
		    " UNION ALL SELECT 'payment', -SUM(x.amount), p.received_date,"
		    " GROUP_CONCAT(DISTINCT i.number ORDER BY i.number SEPARATOR ', '),"
		    " p.memo, p.method, p.reference, 1, p.id FROM allocations x"
		    " JOIN invoices i ON i.id = x.invoice_id"
		    " JOIN payments p ON p.id = x.payment_id"
		    " WHERE i.client_id = ? AND p.received_date BETWEEN ? AND ?"
		    " GROUP BY p.id, p.received_date, p.memo, p.method, p.reference"
		    " HAVING SUM(x.amount) <> 0) u ORDER BY d, grp, sid",
		    p, ARRAY_LEN(p), sizeof(**out), row_map, (void **)out, n);
	}
	struct db_param p[] = { DB_I64(account_id), DB_STR(from), DB_STR(to) };
	return read_all(db, ACCOUNT_ROWS "ledger_entries e" ACCOUNT_ROWS_JOIN
	    " WHERE e.account_id = ? AND e.entry_date BETWEEN ? AND ?"
	    " ORDER BY e.entry_date, e.id", p, ARRAY_LEN(p), sizeof(**out),
	    row_map, (void **)out, n);
}

#define OPEN_AT_END "SELECT i.account_id, i.due_date," \
	" (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	"  WHERE e.invoice_id = i.id AND e.entry_date <= ?) -" \
	" (SELECT COALESCE(SUM(x.amount), 0) FROM allocations x" \
	"  JOIN payments p ON p.id = x.payment_id" \
	"  WHERE x.invoice_id = i.id AND p.received_date <= ?) AS open FROM "

static void
open_map(const struct db_result *r, size_t i, void *out)
{
	struct store_statement_open *o = out;

	o->account_id = db_i64(r, i, 0);
	str_copy(o->due_date, sizeof(o->due_date), db_str(r, i, 1));
	o->open = db_i64(r, i, 2);
}

int
store_statement_open_invoices(struct db *db, int64_t account_id,
    int64_t client_id, const char *to, struct store_statement_open **out,
    size_t *n)
{
	struct db_param p[] = { DB_STR(to), DB_STR(to),
	    DB_I64(client_id ? client_id : account_id) };

	return read_all(db, client_id ? OPEN_AT_END "invoices i WHERE"
	    " i.client_id = ? AND i.status <> 'draft' HAVING open > 0" :
	    OPEN_AT_END "invoices i WHERE i.account_id = ?"
	    " AND i.status <> 'draft' HAVING open > 0", p, ARRAY_LEN(p),
	    sizeof(**out), open_map, (void **)out, n);
}

int
store_statement_unallocated(struct db *db, int64_t account_id, const char *to,
    int64_t *out)
{
	struct db_param p[] = { DB_I64(account_id), DB_STR(to),
	    DB_I64(account_id), DB_STR(to) };

	return db_query_i64(db, "SELECT (SELECT COALESCE(-SUM(amount), 0)"
	    " FROM ledger_entries WHERE account_id = ? AND entry_date <= ?"
	    " AND kind IN ('payment', 'refund')) - (SELECT COALESCE(SUM(x.amount), 0)"
	    " FROM allocations x JOIN payments p ON p.id = x.payment_id"
	    " WHERE p.account_id = ? AND p.received_date <= ?)",
	    p, ARRAY_LEN(p), out);
}

/* --- many accounts at once ------------------------------------------------- */

/* The run's items in [lo, hi], joined on account_id by alias t. */
#define ITEMS "statement_batch_items b JOIN "
#define ITEMS_WHERE " WHERE b.batch_id = ? AND b.account_id BETWEEN ? AND ?"

static void
balance_map(const struct db_result *r, size_t i, void *out)
{
	struct store_statement_balance *b = out;

	b->account_id = db_i64(r, i, 0);
	b->amount = db_i64(r, i, 1);
}

int
store_statement_batch_read(struct db *db, int64_t batch_id, int64_t lo,
    int64_t hi, const char *from, const char *to, struct store_statement_many *m)
{
	struct db_param pi[] = { DB_I64(batch_id), DB_I64(lo), DB_I64(hi) };
	struct db_param po[] = { DB_STR(from), DB_I64(batch_id), DB_I64(lo),
	    DB_I64(hi) };
	struct db_param pa[] = { DB_STR(to), DB_STR(to), DB_I64(batch_id),
	    DB_I64(lo), DB_I64(hi) };
	int rc;

	memset(m, 0, sizeof(*m));
	rc = read_all(db, "SELECT " PARTY_COLS " FROM " ITEMS "accounts a"
	    " ON a.id = b.account_id" ITEMS_WHERE " ORDER BY a.id", pi,
	    ARRAY_LEN(pi), sizeof(*m->parties), party_map,
	    (void **)&m->parties, &m->nparties);
	/* Each account's whole ledger sum, from the index alone (account_id,
	 * amount): with the entries from `from` on, the opening balance. */
	if (rc == DB_OK)
		rc = read_all(db, "SELECT e.account_id, SUM(e.amount) FROM " ITEMS
		    "ledger_entries e FORCE INDEX (ledger_account_amount)"
		    " ON e.account_id = b.account_id" ITEMS_WHERE
		    " GROUP BY e.account_id ORDER BY e.account_id", pi,
		    ARRAY_LEN(pi), sizeof(*m->totals), balance_map,
		    (void **)&m->totals, &m->ntotals);
	/* Entries from `from` on (those after `to` too), through the index
	 * on (account_id, entry_date): each account's a range. */
	if (rc == DB_OK)
		rc = read_all(db, ACCOUNT_ROWS ITEMS "ledger_entries e"
		    " FORCE INDEX (ledger_account_date) ON e.account_id ="
		    " b.account_id AND e.entry_date >= ?" ACCOUNT_ROWS_JOIN
		    ITEMS_WHERE " ORDER BY e.account_id, e.entry_date, e.id", po,
		    ARRAY_LEN(po), sizeof(*m->rows), row_map, (void **)&m->rows,
		    &m->nrows);
	if (rc == DB_OK)
		rc = read_all(db, OPEN_AT_END ITEMS "invoices i"
		    " ON i.account_id = b.account_id" ITEMS_WHERE
		    " AND i.status <> 'draft' HAVING open > 0 ORDER BY i.account_id",
		    pa, ARRAY_LEN(pa), sizeof(*m->opens), open_map,
		    (void **)&m->opens, &m->nopens);
	return rc;
}

void
store_statement_many_free(struct store_statement_many *m)
{
	free(m->parties);
	free(m->totals);
	free(m->rows);
	free(m->opens);
	memset(m, 0, sizeof(*m));
}
