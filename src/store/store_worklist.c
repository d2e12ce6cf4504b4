/* The staff work list's reads (see store_worklist.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"
#include "store_worklist.h"
#include "str.h"

static void
overdue_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_overdue *v = out;

	v->id = db_i64(r, i, 0);
	str_copy(v->number, sizeof(v->number), db_str(r, i, 1));
	v->account_id = db_i64(r, i, 2);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 3));
	str_copy(v->due_date, sizeof(v->due_date), db_str(r, i, 4));
	v->open = db_i64(r, i, 5);
}

int
store_worklist_overdue(struct db *db, const char *before, size_t max,
    struct store_wl_overdue **out, size_t *n)
{
	struct db_param p[] = { DB_STR(before), DB_I64((int64_t)max) };
	int rc;

	/* Issued invoices with money open have fig_open_due (migration 0023):
	 * the oldest due are the first entries of invoices_open_due. */
	*out = store_rows_query(db, "SELECT i.id, COALESCE(i.number, ''), i.account_id,"
	    " a.name, i.fig_open_due, i.fig_total - i.fig_paid FROM invoices i"
	    " JOIN accounts a ON a.id = i.account_id WHERE i.fig_open_due < ?"
	    " AND i.fig_total > i.fig_paid ORDER BY i.fig_open_due, i.id LIMIT ?",
	    p, ARRAY_LEN(p), sizeof(**out), overdue_from_row, n, &rc);
	return rc;
}

static void
payment_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_payment *v = out;

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->method, sizeof(v->method), db_str(r, i, 3));
	v->amount = db_i64(r, i, 4);
	v->created_at = db_i64(r, i, 5);
	str_copy(v->status, sizeof(v->status), db_str(r, i, 6));
	str_copy(v->stripe_status, sizeof(v->stripe_status), db_str(r, i, 7));
	str_copy(v->failure, sizeof(v->failure), db_str(r, i, 8));
}

int
store_worklist_payments(struct db *db, int64_t failed_since, int64_t ach_before,
    int64_t now, size_t max, struct store_wl_payment **out, size_t *n)
{
	struct db_param p[] = { DB_I64(failed_since), DB_I64(now),
	    DB_I64(ach_before), DB_I64(now), DB_I64((int64_t)max) };
	int rc;

	*out = store_rows_query(db, "SELECT p.id, p.account_id, a.name, p.method, p.amount,"
	    " p.created_at, p.status, p.stripe_status, p.failure_message"
	    " FROM payments p JOIN accounts a ON a.id = p.account_id"
	    " WHERE p.status = 'failed' AND p.created_at BETWEEN ? AND ?"
	    " AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.account_id ="
	    " p.account_id AND q.id > p.id AND q.status = 'succeeded')"
	    " UNION ALL SELECT p.id, p.account_id, a.name, p.method, p.amount,"
	    " p.created_at, p.status, p.stripe_status, p.failure_message"
	    " FROM payments p JOIN accounts a ON a.id = p.account_id"
	    " WHERE p.status = 'pending' AND (p.stripe_status = 'requires_action'"
	    " OR (p.method = 'ach' AND p.created_at < ?)) AND p.created_at <= ?"
	    " ORDER BY created_at DESC, id DESC LIMIT ?", p, ARRAY_LEN(p),
	    sizeof(**out), payment_from_row, n, &rc);
	return rc;
}

static void
card_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_card *v = out;

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->brand, sizeof(v->brand), db_str(r, i, 3));
	str_copy(v->last4, sizeof(v->last4), db_str(r, i, 4));
	v->exp_month = (int)db_i64(r, i, 5);
	v->exp_year = (int)db_i64(r, i, 6);
}

int
store_worklist_cards(struct db *db, int year, int month, size_t max,
    struct store_wl_card **out, size_t *n)
{
	struct db_param p[] = { DB_I64(year), DB_I64(year), DB_I64(month),
	    DB_I64((int64_t)max) };
	int rc;

	*out = store_rows_query(db, "SELECT m.id, m.account_id, a.name, m.brand, m.last4,"
	    " m.exp_month, m.exp_year FROM payment_methods m"
	    " JOIN accounts a ON a.id = m.account_id"
	    " WHERE m.status = 'active' AND m.kind = 'card'"
	    " AND (m.exp_year < ? OR (m.exp_year = ? AND m.exp_month < ?))"
	    " ORDER BY m.exp_year DESC, m.exp_month DESC, m.id LIMIT ?",
	    p, ARRAY_LEN(p), sizeof(**out), card_from_row, n, &rc);
	return rc;
}

static void
plan_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_plan *v = out;

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->first_due, sizeof(v->first_due), db_str(r, i, 3));
	v->count = db_i64(r, i, 4);
	v->amount = db_i64(r, i, 5);
}

int
store_worklist_plans(struct db *db, const char *before, size_t max,
    struct store_wl_plan **out, size_t *n)
{
	struct db_param p[] = { DB_STR(before), DB_I64((int64_t)max) };
	int rc;

	*out = store_rows_query(db, "SELECT p.id, p.account_id, a.name, MIN(i.due_date),"
	    " COUNT(*), SUM(i.amount) FROM payment_plan_installments i"
	    " JOIN payment_plans p ON p.id = i.plan_id"
	    " JOIN accounts a ON a.id = p.account_id"
	    " WHERE i.status = 'scheduled' AND i.due_date < ?"
	    " AND p.status IN ('active', 'past_due')"
	    " GROUP BY p.id, p.account_id, a.name ORDER BY MIN(i.due_date), p.id"
	    " LIMIT ?", p, ARRAY_LEN(p), sizeof(**out), plan_from_row, n, &rc);
	return rc;
}
