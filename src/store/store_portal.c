/* Portal invoices, statements, the minimum payment (see store_portal.h;
 * payments and setups in store_portal_pay.c). */
#include "common.h"

#include "db.h"
#include "store_portal.h"
#include "store_receivables.h"
#include "str.h"

int
store_portal_min_payment(struct db *db, int64_t *cents)
{
	struct db_result r;
	int rc;

	*cents = 0;
	rc = db_query(db, "SELECT min_payment FROM payment_settings WHERE id = 1",
	    NULL, 0, &r);
	if (rc == DB_OK && r.nrows == 1)
		*cents = db_i64(&r, 0, 0);
	db_result_free(&r);
	return rc;
}

int
store_portal_min_payment_set(struct db *db, int64_t cents, int64_t now,
    int64_t by)
{
	struct db_param p[] = { DB_I64(cents), DB_I64(now),
	    by > 0 ? DB_I64(by) : DB_NULL };

	return db_exec(db, "INSERT INTO payment_settings (id, min_payment, updated_at,"
	    " updated_by) VALUES (1, ?, ?, ?) ON DUPLICATE KEY UPDATE"
	    " min_payment = VALUES(min_payment), updated_at = VALUES(updated_at),"
	    " updated_by = VALUES(updated_by)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_portal_statement_owned(struct db *db, int64_t statement_id,
    int64_t account_id)
{
	struct db_param p[] = { DB_I64(statement_id), DB_I64(account_id) };
	int64_t found = 0;
	int rc;

	rc = db_query_i64(db, "SELECT COUNT(*) FROM statements WHERE id = ? AND"
	    " account_id = ?", p, 2, &found);
	return rc != DB_OK ? rc : found != 0;
}

int
store_portal_invoice_ids(struct db *db, int64_t account_id,
    int64_t statement_id, int64_t **ids, size_t *n)
{
	struct db_param p[] = { DB_I64(statement_id), DB_I64(account_id) };
	struct db_result r;
	int rc;

	*ids = NULL;
	*n = 0;
	if (statement_id > 0)
		rc = db_query(db, "SELECT i.id FROM invoices i JOIN statements s"
		    " ON s.id = ? AND s.account_id = i.account_id JOIN"
		    " portal_invoices pi ON pi.invoice_id = i.id WHERE"
		    " i.account_id = ? AND i.status = 'issued' AND i.invoice_date"
		    " <= s.period_end AND (s.client_id IS NULL OR i.client_id ="
		    " s.client_id) ORDER BY i.due_date, i.id", p, 2, &r);
	else
		rc = db_query(db, "SELECT i.id FROM invoices i JOIN portal_invoices pi"
		    " ON pi.invoice_id = i.id WHERE i.account_id = ? AND i.status ="
		    " 'issued' ORDER BY i.due_date, i.id", p + 1, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*ids = calloc(r.nrows, sizeof(**ids))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		(*ids)[i] = db_i64(&r, i, 0);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

int
store_portal_invoice_posted_at(struct db *db, int64_t invoice_id,
    int64_t account_id, int64_t *posted_at)
{
	struct db_param p[] = { DB_I64(invoice_id), DB_I64(account_id) };
	struct db_result r;
	int rc;

	*posted_at = 0;
	rc = db_query(db, "SELECT pi.posted_at FROM portal_invoices pi"
	    " JOIN invoices i ON i.id = pi.invoice_id AND i.account_id = pi.account_id"
	    " WHERE pi.invoice_id = ? AND pi.account_id = ? AND i.status <> 'draft'",
	    p, 2, &r);
	if (rc == DB_OK && r.nrows == 1) {
		*posted_at = db_i64(&r, 0, 0);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_invoice_sent(struct db *db, int64_t invoice_id,
    int64_t *posted_at, int64_t *emailed_at)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	struct db_result r;
	int rc;

	*posted_at = *emailed_at = 0;
	rc = db_query(db, "SELECT posted_at, COALESCE(emailed_at, 0) FROM"
	    " portal_invoices WHERE invoice_id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		*posted_at = db_i64(&r, 0, 0);
		*emailed_at = db_i64(&r, 0, 1);
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_invoice_post(struct db *db, int64_t invoice_id,
    int64_t account_id, int64_t now, int64_t by, int emailed)
{
	struct db_param p[] = { DB_I64(invoice_id), DB_I64(account_id),
	    DB_I64(now), by > 0 ? DB_I64(by) : DB_NULL,
	    emailed ? DB_I64(now) : DB_NULL };

	return db_exec(db, "INSERT INTO portal_invoices (invoice_id, account_id,"
	    " posted_at, posted_by, emailed_at) VALUES (?, ?, ?, ?, ?)"
	    " ON DUPLICATE KEY UPDATE"
	    " emailed_at = COALESCE(VALUES(emailed_at), emailed_at)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

/* 1/0: the row of id locked by sql (SELECT ... FOR UPDATE). */
static int
row_lock(struct db *db, const char *sql, int64_t id)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, sql, k, 1, &r);
	if (rc == DB_OK)
		rc = r.nrows > 0;
	db_result_free(&r);
	return rc;
}

int
store_portal_invoice_lock(struct db *db, int64_t invoice_id)
{
	return row_lock(db, "SELECT id FROM invoices WHERE id = ? FOR UPDATE",
	    invoice_id);
}

int
store_portal_payment_lock(struct db *db, int64_t payment_id)
{
	return row_lock(db, "SELECT id FROM payments WHERE id = ? FOR UPDATE",
	    payment_id);
}

int
store_portal_ach_plans(struct db *db, int64_t account_id, char ***plans,
    size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	size_t k = 0;
	int rc;

	*plans = NULL;
	*n = 0;
	rc = db_query(db, "SELECT alloc_plan FROM payments WHERE account_id = ?"
	    " AND method = 'ach' AND status = 'pending'"
	    " AND stripe_status = 'processing'", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*plans = calloc(r.nrows, sizeof(**plans))) == NULL)
		rc = DB_ERR;
	for (; rc == DB_OK && k < r.nrows; k++)
		if (((*plans)[k] = str_dup(db_str(&r, k, 0))) == NULL)
			rc = DB_ERR;
	db_result_free(&r);
	if (rc != DB_OK) {
		store_portal_plans_free(*plans, k);
		*plans = NULL;
		return rc;
	}
	*n = k;
	return DB_OK;
}

void
store_portal_plans_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static int
id_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Row i of the money query into m (kind in column 0). */
static int
money_row(const struct db_result *r, size_t i, struct store_portal_money *m)
{
	switch (db_i64(r, i, 0)) {
	case 1:
		if ((m->ach_plans[m->nach] = str_dup(db_str(r, i, 3))) == NULL)
			return DB_ERR;
		m->nach++;
		break;
	case 2:
		m->res[m->nres].invoice_id = db_i64(r, i, 1);
		m->res[m->nres++].amount = db_i64(r, i, 2);
		break;
	case 4:
		m->plan_ids[m->nplans++] = db_i64(r, i, 1);
		break;
	default:
		m->credit = db_i64(r, i, 2);
	}
	return DB_OK;
}

int
store_portal_money(struct db *db, int64_t account_id,
    struct store_portal_money *m)
{
	struct db_param p[] = { DB_I64(account_id), DB_I64(account_id),
	    DB_I64(account_id), DB_I64(account_id), DB_I64(account_id) };
	struct db_result r;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = db_query(db, "SELECT 1, 0, 0, alloc_plan FROM payments"
	    " WHERE account_id = ? AND method = 'ach' AND status = 'pending'"
	    " AND stripe_status = 'processing'"
	    " UNION ALL SELECT 2, r.invoice_id, r.amount, ''"
	    " FROM payment_reservations r"
	    " JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"
	    " WHERE r.account_id = ? AND r.invoice_id IS NOT NULL"
	    " UNION ALL SELECT 3, 0, (SELECT COALESCE(-SUM(amount), 0)"
	    " FROM ledger_entries WHERE account_id = ?"
	    " AND kind IN ('payment', 'refund')) - (SELECT COALESCE(SUM(a.amount), 0)"
	    " FROM allocations a JOIN payments p ON p.id = a.payment_id"
	    " WHERE p.account_id = ?), ''"
	    " UNION ALL (SELECT 4, id, 0, '' FROM payment_plans"
	    " WHERE account_id = ? AND status NOT IN ('draft')"
	    " ORDER BY id DESC LIMIT 100)", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    ((m->ach_plans = calloc(r.nrows, sizeof(*m->ach_plans))) == NULL ||
	    (m->res = calloc(r.nrows, sizeof(*m->res))) == NULL ||
	    (m->plan_ids = calloc(r.nrows, sizeof(*m->plan_ids))) == NULL))
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		rc = money_row(&r, i, m);
	/* newest plan first (a UNION promises no order) */
	if (rc == DB_OK)
		qsort(m->plan_ids, m->nplans, sizeof(*m->plan_ids), id_desc);
	db_result_free(&r);
	if (rc != DB_OK)
		store_portal_money_free(m);
	return rc;
}

void
store_portal_money_free(struct store_portal_money *m)
{
	store_portal_plans_free(m->ach_plans, m->nach);
	free(m->res);
	free(m->plan_ids);
	memset(m, 0, sizeof(*m));
}
