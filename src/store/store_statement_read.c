/* What a statement is computed from (store_statement.h): a statement's
 * parties, opening balance, lines, open invoices and unallocated money,
 * of an account or of one client's invoices. */
#include "common.h"

#include "db.h"
#include "store_statement.h"
#include "str.h"

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

int
store_statement_party_get(struct db *db, int64_t account_id,
    struct store_statement_party *a)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = db_query(db, "SELECT name, address1, address2, city, region,"
	    " postal_code FROM accounts WHERE id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0) {
		str_copy(a->name, sizeof(a->name), db_str(&r, 0, 0));
		str_copy(a->address1, sizeof(a->address1), db_str(&r, 0, 1));
		str_copy(a->address2, sizeof(a->address2), db_str(&r, 0, 2));
		str_copy(a->city, sizeof(a->city), db_str(&r, 0, 3));
		str_copy(a->region, sizeof(a->region), db_str(&r, 0, 4));
		str_copy(a->postal_code, sizeof(a->postal_code), db_str(&r, 0, 5));
	}
	if (rc == DB_OK)
		rc = r.nrows > 0;
	db_result_free(&r);
	return rc;
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

/* Columns: kind, amount, date, invoice number(s), memo, payment method,
 * payment reference. */
static int
rows_query(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct db_result *r)
{
	if (client_id != 0) {
		/* Its invoices' entries, and each payment for what it applied to
		 * its invoices (net of releases), dated by the payment. */
		struct db_param p[] = { DB_I64(client_id), DB_STR(from),
		    DB_STR(to), DB_I64(client_id), DB_STR(from), DB_STR(to) };
		return db_query(db, "SELECT kind, amount, d, num, memo, method, ref"
		    " FROM (SELECT e.kind, e.amount, e.entry_date AS d,"
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
		    p, ARRAY_LEN(p), r);
	}
	struct db_param p[] = { DB_I64(account_id), DB_STR(from), DB_STR(to) };
	return db_query(db, "SELECT e.kind, e.amount, e.entry_date,"
	    " COALESCE(i.number, ''), e.memo, COALESCE(p.method, ''),"
	    " COALESCE(p.reference, '') FROM ledger_entries e"
	    " LEFT JOIN invoices i ON i.id = e.invoice_id"
	    " LEFT JOIN payments p ON p.id = e.payment_id"
	    " WHERE e.account_id = ? AND e.entry_date BETWEEN ? AND ?"
	    " ORDER BY e.entry_date, e.id", p, ARRAY_LEN(p), r);
}

int
store_statement_rows(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct store_statement_row **out,
    size_t *n)
{
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = rows_query(db, account_id, client_id, from, to, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_statement_row *w = &(*out)[i];

		str_copy(w->kind, sizeof(w->kind), db_str(&r, i, 0));
		w->amount = db_i64(&r, i, 1);
		str_copy(w->date, sizeof(w->date), db_str(&r, i, 2));
		str_copy(w->number, sizeof(w->number), db_str(&r, i, 3));
		str_copy(w->memo, sizeof(w->memo), db_str(&r, i, 4));
		str_copy(w->method, sizeof(w->method), db_str(&r, i, 5));
		str_copy(w->reference, sizeof(w->reference), db_str(&r, i, 6));
	}
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

#define OPEN_AT_END "SELECT i.due_date," \
	" (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	"  WHERE e.invoice_id = i.id AND e.entry_date <= ?) -" \
	" (SELECT COALESCE(SUM(x.amount), 0) FROM allocations x" \
	"  JOIN payments p ON p.id = x.payment_id" \
	"  WHERE x.invoice_id = i.id AND p.received_date <= ?) AS open" \
	" FROM invoices i WHERE "

int
store_statement_open_invoices(struct db *db, int64_t account_id,
    int64_t client_id, const char *to, struct store_statement_open **out,
    size_t *n)
{
	struct db_param p[] = { DB_STR(to), DB_STR(to),
	    DB_I64(client_id ? client_id : account_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, client_id ? OPEN_AT_END "i.client_id = ?"
	    " AND i.status <> 'draft' HAVING open > 0" : OPEN_AT_END
	    "i.account_id = ? AND i.status <> 'draft' HAVING open > 0",
	    p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		str_copy((*out)[i].due_date, sizeof((*out)[i].due_date),
		    db_str(&r, i, 0));
		(*out)[i].open = db_i64(&r, i, 1);
	}
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
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
