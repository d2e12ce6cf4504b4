/* One invoice: header, lines, draft writes, locks, numbering (see
 * store_invoice.h). */
#include "common.h"

#include "db.h"
#include "store_invoice.h"
#include "store_invoice_row.h"
#include "str.h"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)

/* --- reads ---------------------------------------------------------------- */

int
store_invoice_get(struct db *db, int64_t id, struct store_invoice_row *o,
    char **notes)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	*notes = NULL;
	/* column 19 (posted_at of the lists) is 0 here; the notes follow */
	rc = db_query(db, STORE_INVOICE_ROW_COLS ", 0, i.notes"
	    STORE_INVOICE_ROW_FROM " WHERE i.id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		store_invoice_list_row_from(&r, 0, o);
		rc = (*notes = strdup(db_str(&r, 0, 20))) == NULL ? DB_ERR : 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_invoice_lines(struct db *db, int64_t invoice_id,
    struct store_invoice_line **out, size_t *n)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT id, COALESCE(service_id, 0), description, quantity,"
	    " rate, discount_kind, discount_value FROM invoice_lines"
	    " WHERE invoice_id = ? ORDER BY position, id", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_invoice_line *l = &(*out)[i];

		l->id = db_i64(&r, i, 0);
		l->service_id = db_i64(&r, i, 1);
		str_copy(l->description, sizeof(l->description), db_str(&r, i, 2));
		l->quantity = db_i64(&r, i, 3);
		l->rate = db_i64(&r, i, 4);
		str_copy(l->discount_kind, sizeof(l->discount_kind), db_str(&r, i, 5));
		l->discount_value = db_i64(&r, i, 6);
	}
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

/* 1 when the one-integer answer of sql for p is not 0, 0 when it is. */
static int
nonzero(struct db *db, const char *sql, const struct db_param *p, size_t np)
{
	int64_t v = 0;
	int rc = db_query_i64(db, sql, p, np, &v);

	return rc != DB_OK ? rc : v != 0;
}

int
store_invoice_account_exists(struct db *db, int64_t account_id)
{
	struct db_param p[] = { DB_I64(account_id) };

	return nonzero(db, "SELECT COUNT(*) FROM accounts WHERE id = ?", p, 1);
}

int
store_invoice_client_of(struct db *db, int64_t client_id, int64_t account_id)
{
	struct db_param p[] = { DB_I64(client_id), DB_I64(account_id) };

	return nonzero(db, "SELECT COUNT(*) FROM clients WHERE id = ?"
	    " AND account_id = ?", p, 2);
}

/* --- drafts --------------------------------------------------------------- */

int
store_invoice_lines_delete(struct db *db, int64_t invoice_id)
{
	struct db_param d[] = { DB_I64(invoice_id) };

	return db_exec(db, "DELETE FROM invoice_lines WHERE invoice_id = ?",
	    d, 1, NULL, NULL);
}

int
store_invoice_line_insert(struct db *db, int64_t invoice_id, int64_t position,
    const struct store_invoice_line *l)
{
	struct db_param p[] = { DB_I64(invoice_id), DB_I64(position),
	    ID_OR_NULL(l->service_id), DB_STR(l->description),
	    DB_I64(l->quantity), DB_I64(l->rate), DB_STR(l->discount_kind),
	    DB_I64(l->discount_value) };

	return db_exec(db, "INSERT INTO invoice_lines (invoice_id, position,"
	    " service_id, description, quantity, rate, discount_kind,"
	    " discount_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_invoice_draft_insert(struct db *db, const struct store_invoice_draft *d,
    int64_t created_by, int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_I64(d->account_id), ID_OR_NULL(d->client_id),
	    ID_OR_NULL(d->location_id), DB_I64(d->payment_type_id),
	    DB_STR(d->invoice_date), DB_STR(d->due_date),
	    DB_STR(d->notes ? d->notes : ""), DB_STR(d->discount_kind),
	    DB_I64(d->discount_value), ID_OR_NULL(created_by), DB_I64(now),
	    DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO invoices (account_id, client_id,"
	    " location_id, payment_type_id, status, invoice_date, due_date, notes,"
	    " discount_kind, discount_value, created_by, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_invoice_draft_update(struct db *db, const struct store_invoice_draft *d,
    int64_t now)
{
	struct db_param p[] = { ID_OR_NULL(d->client_id),
	    ID_OR_NULL(d->location_id), DB_I64(d->payment_type_id),
	    DB_STR(d->invoice_date), DB_STR(d->due_date),
	    DB_STR(d->notes ? d->notes : ""), DB_STR(d->discount_kind),
	    DB_I64(d->discount_value), DB_I64(now), DB_I64(d->id) };

	return db_exec(db, "UPDATE invoices SET client_id = ?,"
	    " location_id = ?, payment_type_id = ?, invoice_date = ?,"
	    " due_date = ?, notes = ?, discount_kind = ?, discount_value = ?,"
	    " updated_at = ? WHERE id = ? AND status = 'draft'",
	    p, ARRAY_LEN(p), NULL, NULL);
}

/* --- locks and life ------------------------------------------------------- */

int
store_invoice_lock(struct db *db, int64_t id, struct store_invoice_state *s)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_query(db, "SELECT status, account_id, COALESCE(client_id, 0)"
	    " FROM invoices WHERE id = ? FOR UPDATE", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		str_copy(s->status, sizeof(s->status), db_str(&r, 0, 0));
		s->account_id = db_i64(&r, 0, 1);
		s->client_id = db_i64(&r, 0, 2);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

/* An invoice never changes account, so the plain read of account_id is
 * safe before the lock. */
int
store_invoice_lock_account(struct db *db, int64_t invoice_id)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	struct db_result r;
	int64_t account_id = 0;
	int rc = db_query_i64(db, "SELECT COALESCE(MAX(account_id), 0) FROM invoices"
	    " WHERE id = ?", p, 1, &account_id);

	if (rc != DB_OK || account_id == 0)
		return rc;
	p[0] = DB_I64(account_id);
	rc = db_query(db, "SELECT id FROM accounts WHERE id = ? FOR UPDATE", p, 1, &r);
	db_result_free(&r);
	return rc;
}

int
store_invoice_number_take(struct db *db, int64_t *seq)
{
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT next_value FROM sequences WHERE name = 'invoice'"
	    " FOR UPDATE", NULL, 0, &r);
	*seq = db_i64(&r, 0, 0);
	if (rc == DB_OK && (r.nrows != 1 || *seq < 1))
		rc = DB_ERR;	/* never INV-000000 */
	db_result_free(&r);
	if (rc == DB_OK) {
		struct db_param p[] = { DB_I64(*seq + 1) };
		rc = db_exec(db, "UPDATE sequences SET next_value = ? WHERE name = 'invoice'",
		    p, 1, NULL, NULL);
	}
	return rc;
}

int
store_invoice_set_issued(struct db *db, int64_t id, const char *number,
    int64_t now)
{
	struct db_param p[] = { DB_STR(number), DB_I64(now), DB_I64(now),
	    DB_I64(id) };

	return db_exec(db, "UPDATE invoices SET status = 'issued', number = ?,"
	    " issued_at = ?, updated_at = ? WHERE id = ?", p, 4, NULL, NULL);
}

int
store_invoice_set_void(struct db *db, int64_t id, const char *reason,
    int64_t now)
{
	struct db_param q[] = { DB_I64(now), DB_STR(reason), DB_I64(now),
	    DB_I64(id) };

	return db_exec(db, "UPDATE invoices SET status = 'void', voided_at = ?,"
	    " void_reason = ?, updated_at = ? WHERE id = ?", q, 4, NULL, NULL);
}
