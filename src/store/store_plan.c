/* Payment plans and their installments (see store_plan.h). */
#include "common.h"

#include "db.h"
#include "store_plan.h"
#include "store_rows.h"
#include "str.h"

/* An invoice's open cents: what was posted to it less what was allocated. */
#define OPEN_EXPR "((SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	" WHERE e.invoice_id = i.id) - (SELECT COALESCE(SUM(x.amount), 0)" \
	" FROM allocations x WHERE x.invoice_id = i.id))"

/* --- plans ------------------------------------------------------------------ */

#define PLAN_COLS "p.id, p.account_id, COALESCE(p.client_id, 0), p.status, p.basis," \
	" p.total, p.down_payment, p.installments, p.installment_amount, p.frequency," \
	" p.day_of_month, p.start_date, COALESCE(p.payment_method_id, 0), p.autopay," \
	" p.version, p.override_reason, COALESCE(p.sent_at, 0), COALESCE(p.accepted_at, 0)," \
	" p.created_at, p.updated_at, a.name, COALESCE(a.email, '')," \
	" COALESCE(CONCAT(c.first_name, ' ', c.last_name), '')," \
	" COALESCE(m.kind, ''), COALESCE(m.brand, ''), COALESCE(m.last4, '')"
#define PLAN_FROM " FROM payment_plans p JOIN accounts a ON a.id = p.account_id" \
	" LEFT JOIN clients c ON c.id = p.client_id" \
	" LEFT JOIN payment_methods m ON m.id = p.payment_method_id"

#define COPY(dst, r, i, c)	str_copy((dst), sizeof(dst), db_str((r), (i), (c)))

static void
plan_from_row(const struct db_result *r, struct store_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->id = db_i64(r, 0, 0);
	p->account_id = db_i64(r, 0, 1);
	p->client_id = db_i64(r, 0, 2);
	COPY(p->status, r, 0, 3);
	COPY(p->basis, r, 0, 4);
	p->total = db_i64(r, 0, 5);
	p->down = db_i64(r, 0, 6);
	p->count = db_i64(r, 0, 7);
	p->amount = db_i64(r, 0, 8);
	COPY(p->freq, r, 0, 9);
	p->day = db_i64(r, 0, 10);
	COPY(p->start, r, 0, 11);
	p->method_id = db_i64(r, 0, 12);
	p->autopay = db_i64(r, 0, 13) != 0;
	p->version = db_i64(r, 0, 14);
	COPY(p->override_reason, r, 0, 15);
	p->sent_at = db_i64(r, 0, 16);
	p->accepted_at = db_i64(r, 0, 17);
	p->created_at = db_i64(r, 0, 18);
	p->updated_at = db_i64(r, 0, 19);
	COPY(p->account_name, r, 0, 20);
	COPY(p->account_email, r, 0, 21);
	COPY(p->client_name, r, 0, 22);
	COPY(p->method_kind, r, 0, 23);
	COPY(p->method_brand, r, 0, 24);
	COPY(p->method_last4, r, 0, 25);
}

int
store_plan_get(struct db *db, int64_t id, struct store_plan *p)
{
	struct db_param q[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " PLAN_COLS PLAN_FROM " WHERE p.id = ?", q, 1,
	    &r);

	if (rc == DB_OK && r.nrows == 1) {
		plan_from_row(&r, p);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_plan_lock(struct db *db, int64_t id)
{
	struct db_param q[] = { DB_I64(id) };
	int64_t one = 0;
	int rc = db_query_i64(db, "SELECT id FROM payment_plans WHERE id = ?"
	    " FOR UPDATE", q, 1, &one);

	return rc != DB_OK ? rc : one == id;
}

/* Rows of (id, number, open) into a malloc'd array; max 0: no limit. */
static int
invs_from(int rc, struct db_result *r, size_t max, struct store_plan_inv **out,
    size_t *n)
{
	size_t k = max && r->nrows > max ? max : r->nrows;

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < k; i++) {
		(*out)[i].id = db_i64(r, i, 0);
		COPY((*out)[i].number, r, i, 1);
		(*out)[i].open = db_i64(r, i, 2);
		*n = i + 1;
	}
	db_result_free(r);
	return rc;
}

int
store_plan_invoices(struct db *db, int64_t plan_id, struct store_plan_inv *out,
    size_t max, size_t *n)
{
	struct db_param q[] = { DB_I64(plan_id) };
	struct store_plan_inv *v;
	struct db_result r;
	int rc = db_query(db, "SELECT i.id, COALESCE(i.number, ''), IF(i.status ="
	    " 'issued', " OPEN_EXPR ", 0) FROM payment_plan_invoices pi JOIN"
	    " invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = ?"
	    " ORDER BY i.due_date, i.id", q, 1, &r);

	if ((rc = invs_from(rc, &r, max, &v, n)) == DB_OK && *n > 0)
		memcpy(out, v, *n * sizeof(*v));
	free(v);
	return rc;
}

int
store_plan_insts(struct db *db, int64_t plan_id, struct store_plan_inst **out,
    size_t *n)
{
	struct db_param q[] = { DB_I64(plan_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id, number, due_date, amount, status,"
	    " COALESCE(payment_id, 0), COALESCE(paid_at, 0) FROM"
	    " payment_plan_installments WHERE plan_id = ? ORDER BY number", q, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_plan_inst *t = &(*out)[i];

		t->id = db_i64(&r, i, 0);
		t->number = (int)db_i64(&r, i, 1);
		COPY(t->due, &r, i, 2);
		t->amount = db_i64(&r, i, 3);
		COPY(t->status, &r, i, 4);
		t->payment_id = db_i64(&r, i, 5);
		t->paid_at = db_i64(&r, i, 6);
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_plan_ids(struct db *db, int64_t account_id, int64_t client_id,
    int portal_only, int64_t **ids, size_t *n)
{
	struct db_param q[] = { DB_I64(account_id), DB_I64(client_id),
	    DB_I64(client_id), DB_I64(portal_only) };
	int rc;

	*ids = store_rows_query(db, "SELECT id FROM payment_plans WHERE"
	    " account_id = ? AND (? = 0 OR client_id = ?) AND (? = 0 OR status NOT"
	    " IN ('draft')) ORDER BY id DESC LIMIT 100", q, 4, sizeof(**ids),
	    store_rows_id, n, &rc);
	return rc;
}

int
store_plan_open(struct db *db, int by_invoices, int64_t plan_id,
    int64_t account_id, int64_t client_id, int64_t *open)
{
	struct db_param a[] = { DB_I64(plan_id) };
	struct db_param b[] = { DB_I64(account_id), DB_I64(client_id),
	    DB_I64(client_id) };

	if (by_invoices)
		return db_query_i64(db, "SELECT COALESCE(SUM(GREATEST(o, 0)), 0) FROM"
		    " (SELECT " OPEN_EXPR " AS o FROM payment_plan_invoices pi JOIN"
		    " invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = ? AND"
		    " i.status = 'issued') t", a, 1, open);
	return db_query_i64(db, "SELECT COALESCE(SUM(GREATEST(o, 0)), 0) FROM"
	    " (SELECT " OPEN_EXPR " AS o FROM invoices i WHERE i.account_id = ?"
	    " AND (? = 0 OR i.client_id = ?) AND i.status = 'issued') t", b, 3, open);
}

int
store_plan_pay_targets(struct db *db, int by_invoices, int64_t plan_id,
    int64_t account_id, int64_t client_id, struct store_plan_inv **out,
    size_t *n)
{
	struct db_param a[] = { DB_I64(plan_id) };
	struct db_param b[] = { DB_I64(account_id), DB_I64(client_id),
	    DB_I64(client_id) };
	struct db_result r;
	int rc;

	if (by_invoices)
		rc = db_query(db, "SELECT i.id, COALESCE(i.number, ''), " OPEN_EXPR
		    " AS o FROM payment_plan_invoices pi JOIN invoices i ON i.id ="
		    " pi.invoice_id WHERE pi.plan_id = ? AND i.status = 'issued'"
		    " HAVING o > 0 ORDER BY i.due_date, i.id", a, 1, &r);
	else
		rc = db_query(db, "SELECT i.id, COALESCE(i.number, ''), " OPEN_EXPR
		    " AS o FROM invoices i WHERE i.account_id = ? AND (? = 0 OR"
		    " i.client_id = ?) AND i.status = 'issued' HAVING o > 0"
		    " ORDER BY i.due_date, i.id LIMIT 50", b, 3, &r);
	return invs_from(rc, &r, 0, out, n);
}

int
store_plan_insert(struct db *db, const struct store_plan *p, int64_t created_by,
    int64_t now, int64_t *id)
{
	struct db_param v[] = { DB_I64(p->account_id),
	    p->client_id ? DB_I64(p->client_id) : DB_NULL, DB_STR(p->basis),
	    DB_I64(p->total), DB_I64(p->down), DB_I64(p->count), DB_I64(p->amount),
	    DB_STR(p->freq), DB_I64(p->day), DB_STR(p->start),
	    p->method_id ? DB_I64(p->method_id) : DB_NULL, DB_I64(p->autopay != 0),
	    DB_STR(p->override_reason), created_by ? DB_I64(created_by) : DB_NULL,
	    DB_I64(now), DB_I64(now) };
	uint64_t newid = 0;
	int rc = db_exec(db, "INSERT INTO payment_plans (account_id, client_id, basis,"
	    " total, down_payment, installments, installment_amount, frequency,"
	    " day_of_month, start_date, payment_method_id, autopay, override_reason,"
	    " created_by, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", v, ARRAY_LEN(v), NULL, &newid);

	*id = (int64_t)newid;
	return rc;
}

int
store_plan_terms_set(struct db *db, const struct store_plan *p)
{
	struct db_param q[] = { DB_I64(p->count), DB_I64(p->amount),
	    DB_STR(p->freq), DB_I64(p->day), DB_STR(p->start),
	    p->method_id ? DB_I64(p->method_id) : DB_NULL, DB_I64(p->autopay != 0),
	    DB_STR(p->override_reason), DB_I64(p->id) };

	return db_exec(db, "UPDATE payment_plans SET installments = ?,"
	    " installment_amount = ?, frequency = ?, day_of_month = ?, start_date"
	    " = ?, payment_method_id = ?, autopay = ?, override_reason = ?"
	    " WHERE id = ?", q, ARRAY_LEN(q), NULL, NULL);
}

int
store_plan_status_set(struct db *db, int64_t id, const char *status, int64_t now)
{
	struct db_param q[] = { DB_STR(status), DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE payment_plans SET status = ?, updated_at = ?"
	    " WHERE id = ?", q, 3, NULL, NULL);
}

int
store_plan_sent(struct db *db, int64_t id, int64_t now)
{
	struct db_param q[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE payment_plans SET status = 'sent', sent_at = ?"
	    " WHERE id = ?", q, 2, NULL, NULL);
}

int
store_plan_accepted(struct db *db, int64_t id, int64_t now)
{
	struct db_param q[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE payment_plans SET status = 'active',"
	    " accepted_at = ? WHERE id = ?", q, 2, NULL, NULL);
}

int
store_plan_method_set(struct db *db, int64_t id, int64_t method_id, int64_t now)
{
	struct db_param q[] = { DB_I64(method_id), DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE payment_plans SET payment_method_id = ?,"
	    " status = IF(status = 'past_due', 'active', status), updated_at = ?"
	    " WHERE id = ?", q, 3, NULL, NULL);
}

int
store_plan_consents_revoke(struct db *db, int64_t plan_id, int64_t keep_id,
    int64_t now)
{
	struct db_param q[] = { DB_I64(now), DB_I64(plan_id), DB_I64(keep_id) };

	return db_exec(db, "UPDATE consents SET revoked_at = ? WHERE plan_id = ?"
	    " AND scope = 'payment_plan' AND id <> ? AND revoked_at IS NULL", q, 3,
	    NULL, NULL);
}

int
store_plan_invoice_post(struct db *db, int64_t invoice_id, int64_t account_id,
    int64_t posted_by, int64_t now)
{
	struct db_param q[] = { DB_I64(invoice_id), DB_I64(account_id), DB_I64(now),
	    posted_by ? DB_I64(posted_by) : DB_NULL };

	return db_exec(db, "INSERT IGNORE INTO portal_invoices (invoice_id,"
	    " account_id, posted_at, posted_by) VALUES (?, ?, ?, ?)", q, 4, NULL, NULL);
}

/* --- installments ------------------------------------------------------------ */

int
store_plan_inst_insert(struct db *db, int64_t plan_id,
    const struct store_plan_inst *t)
{
	struct db_param q[] = { DB_I64(plan_id), DB_I64(t->number), DB_STR(t->due),
	    DB_I64(t->amount), DB_STR(t->status[0] ? t->status : "scheduled"),
	    t->payment_id ? DB_I64(t->payment_id) : DB_NULL,
	    t->paid_at ? DB_I64(t->paid_at) : DB_NULL };

	return db_exec(db, "INSERT INTO payment_plan_installments (plan_id, number,"
	    " due_date, amount, status, payment_id, paid_at) VALUES (?, ?, ?, ?, ?,"
	    " ?, ?)", q, ARRAY_LEN(q), NULL, NULL);
}

int
store_plan_inst_paid(struct db *db, int64_t inst_id, int64_t now)
{
	struct db_param u[] = { DB_I64(now), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET status ="
	    " 'paid', paid_at = ? WHERE id = ?", u, 2, NULL, NULL);
}

int
store_plan_inst_unpaid(struct db *db, int64_t inst_id, int64_t now)
{
	struct db_param u[] = { DB_I64(now), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET status ="
	    " 'scheduled', payment_id = NULL, last_attempt_at = ?"
	    " WHERE id = ?", u, 2, NULL, NULL);
}

int
store_plan_inst_resize(struct db *db, int64_t inst_id, int64_t amount,
    const char *status)
{
	struct db_param q[] = { DB_I64(amount), DB_STR(status), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET amount = ?,"
	    " status = ? WHERE id = ?", q, 3, NULL, NULL);
}

int
store_plan_inst_status_set(struct db *db, int64_t inst_id, const char *status)
{
	struct db_param q[] = { DB_STR(status), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET status = ?"
	    " WHERE id = ?", q, 2, NULL, NULL);
}

int
store_plan_inst_due_set(struct db *db, int64_t inst_id, const char *due)
{
	struct db_param q[] = { DB_STR(due), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET due_date"
	    " = ? WHERE id = ?", q, 2, NULL, NULL);
}

int
store_plan_inst_start(struct db *db, int64_t inst_id, int64_t payment_id,
    int64_t now)
{
	struct db_param q[] = { DB_I64(payment_id), DB_I64(now), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET status ="
	    " 'processing', payment_id = ?, attempts = attempts + 1,"
	    " last_attempt_at = ? WHERE id = ?", q, 3, NULL, NULL);
}

int
store_plan_inst_drop_scheduled(struct db *db, int64_t plan_id)
{
	struct db_param q[] = { DB_I64(plan_id) };

	return db_exec(db, "DELETE FROM payment_plan_installments WHERE"
	    " plan_id = ? AND status = 'scheduled' AND number > 0", q, 1, NULL, NULL);
}

int
store_plan_inst_cancel_scheduled(struct db *db, int64_t plan_id)
{
	struct db_param q[] = { DB_I64(plan_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET status ="
	    " 'cancelled' WHERE plan_id = ? AND status = 'scheduled'", q, 1,
	    NULL, NULL);
}

int
store_plan_inst_dunning_reset(struct db *db, int64_t plan_id, const char *today)
{
	struct db_param q[] = { DB_STR(today), DB_I64(plan_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET"
	    " dunning_stopped = 0, retry_on = IF(failures > 0, ?, retry_on)"
	    " WHERE plan_id = ? AND status = 'scheduled'", q, 2, NULL, NULL);
}

int
store_plan_payment_state(struct db *db, int64_t payment_id,
    int64_t abandoned_before, char *st, size_t stsz)
{
	struct db_param q[] = { DB_I64(abandoned_before), DB_I64(payment_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT IF(status = 'pending' AND stripe_status"
	    " IN ('', 'requires_payment_method', 'requires_confirmation',"
	    " 'requires_action') AND created_at < ?, 'abandoned', status) FROM"
	    " payments WHERE id = ?", q, 2, &r);

	if (rc == DB_OK && r.nrows == 1) {
		str_copy(st, stsz, db_str(&r, 0, 0));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}
