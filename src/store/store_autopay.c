/* Autopay claims, outcomes, settings and notices (see store_autopay.h). */
#include "common.h"

#include "db.h"
#include "store_autopay.h"
#include "store_rows.h"
#include "str.h"

#define COPY(dst, r, i, c)	str_copy((dst), sizeof(dst), db_str((r), (i), (c)))

/* --- claims and outcomes ----------------------------------------------------- */

int
store_autopay_claim_next(struct db *db, const char *today, int64_t now,
    struct store_autopay_due *d)
{
	struct db_param q[] = { DB_STR(today), DB_I64(now) };
	struct db_result r;
	int rc = db_query(db, "SELECT i.id, i.plan_id, i.number, i.amount, i.attempts,"
	    " i.failures, i.claimed_by IS NOT NULL, p.account_id,"
	    " COALESCE(p.client_id, 0), COALESCE(p.payment_method_id, 0),"
	    " COALESCE(DATE_FORMAT(i.first_failed_on, '%Y-%m-%d'), '')"
	    " FROM payment_plan_installments i JOIN payment_plans p ON"
	    " p.id = i.plan_id WHERE i.status = 'scheduled' AND"
	    " i.dunning_stopped = 0 AND i.amount > 0 AND p.autopay = 1 AND"
	    " p.status = 'active' AND COALESCE(i.retry_on, i.due_date) <= ?"
	    " AND (i.lease_until IS NULL OR i.lease_until < ?)"
	    " ORDER BY i.due_date, i.id LIMIT 1 FOR UPDATE SKIP LOCKED",
	    q, 2, &r);

	memset(d, 0, sizeof(*d));
	if (rc == DB_OK && r.nrows == 1) {
		d->inst_id = db_i64(&r, 0, 0);
		d->plan_id = db_i64(&r, 0, 1);
		d->number = (int)db_i64(&r, 0, 2);
		d->amount = db_i64(&r, 0, 3);
		d->attempts = (int)db_i64(&r, 0, 4);
		d->failures = (int)db_i64(&r, 0, 5);
		d->inflight = db_i64(&r, 0, 6) != 0;
		d->account_id = db_i64(&r, 0, 7);
		d->client_id = db_i64(&r, 0, 8);
		d->method_id = db_i64(&r, 0, 9);
		COPY(d->first_failed, &r, 0, 10);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_autopay_lease(struct db *db, int64_t inst_id, const char *runner,
    int64_t lease_until, int attempt, int64_t now)
{
	struct db_param u[] = { DB_STR(runner), DB_I64(lease_until),
	    DB_I64(attempt), DB_I64(now), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET claimed_by = ?,"
	    " lease_until = ?, attempts = ?, last_attempt_at = ? WHERE id = ?",
	    u, 5, NULL, NULL);
}

int
store_autopay_lock(struct db *db, int64_t inst_id)
{
	struct db_param lk[] = { DB_I64(inst_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT status FROM payment_plan_installments WHERE"
	    " id = ? FOR UPDATE", lk, 1, &r);

	if (rc == DB_OK)
		rc = r.nrows == 1;
	db_result_free(&r);
	return rc;
}

int
store_autopay_charged(struct db *db, int64_t inst_id, int64_t payment_id)
{
	struct db_param u[] = { DB_I64(payment_id), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET"
	    " status = 'processing', payment_id = ?, claimed_by = NULL,"
	    " lease_until = NULL, retry_on = NULL WHERE id = ?", u, 2, NULL, NULL);
}

int
store_autopay_failed(struct db *db, const struct store_autopay_failure *f)
{
	struct db_param q[] = { DB_I64(f->failures), DB_STR(f->today),
	    DB_STR(f->code), DB_I64(f->retry != 0), DB_I64(f->retry_days),
	    DB_STR(f->today), DB_I64(!f->retry), DB_I64(f->inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET status ="
	    " 'scheduled', payment_id = NULL, claimed_by = NULL, lease_until ="
	    " NULL, failures = ?, first_failed_on = COALESCE(first_failed_on, ?),"
	    " last_failure_code = ?, retry_on = IF(?, GREATEST(DATE_ADD("
	    "first_failed_on, INTERVAL ? DAY), DATE_ADD(?, INTERVAL 1 DAY)),"
	    " NULL), dunning_stopped = ? WHERE id = ?", q, 8, NULL, NULL);
}

int
store_autopay_release(struct db *db, int64_t inst_id, int64_t until)
{
	struct db_param u[] = { DB_I64(until), DB_I64(inst_id) };

	return db_exec(db, "UPDATE payment_plan_installments SET claimed_by ="
	    " NULL, lease_until = ?, attempts = failures WHERE id = ?", u, 2,
	    NULL, NULL);
}

int
store_autopay_method_ach(struct db *db, int64_t method_id, int *ach)
{
	struct db_param p[] = { DB_I64(method_id) };
	int64_t v = 0;
	int rc = db_query_i64(db, "SELECT kind = 'us_bank_account' FROM"
	    " payment_methods WHERE id = ?", p, 1, &v);

	*ach = v != 0;
	return rc;
}

int
store_autopay_settled_plans(struct db *db, int64_t **ids, size_t *n)
{
	int rc;

	*ids = store_rows_query(db, "SELECT DISTINCT i.plan_id FROM"
	    " payment_plan_installments i JOIN payments p ON p.id = i.payment_id"
	    " WHERE i.status = 'processing' AND p.status <> 'pending' LIMIT 500",
	    NULL, 0, sizeof(**ids), store_rows_id, n, &rc);
	return rc;
}

/* --- settings ------------------------------------------------------------------ */

int
store_autopay_settings_get(struct db *db, int *notice_days, char *retry,
    size_t retrysz)
{
	struct db_result r;
	int rc = db_query(db, "SELECT notice_days, retry_days FROM plan_settings"
	    " WHERE id = 1", NULL, 0, &r);

	*notice_days = 3;
	str_copy(retry, retrysz, "");
	if (rc == DB_OK && r.nrows == 1) {
		*notice_days = (int)db_i64(&r, 0, 0);
		str_copy(retry, retrysz, db_str(&r, 0, 1));
	}
	db_result_free(&r);
	return rc;
}

int
store_autopay_settings_set(struct db *db, int notice_days, const char *retry)
{
	struct db_param q[] = { DB_I64(notice_days), DB_STR(retry) };

	return db_exec(db, "UPDATE plan_settings SET notice_days = ?, retry_days"
	    " = ? WHERE id = 1", q, 2, NULL, NULL);
}

/* --- notices --------------------------------------------------------------------- */

#define NOTICE_COLS "a.name, COALESCE(a.email, ''), COALESCE(m.kind, ''),"	\
	" COALESCE(m.brand, ''), COALESCE(m.last4, ''), COALESCE(m.exp_month, 0),"	\
	" COALESCE(m.exp_year, 0)"

static void
notice_from_row(const struct db_result *r, struct store_autopay_notice *n)
{
	COPY(n->account_name, r, 0, 0);
	COPY(n->email, r, 0, 1);
	COPY(n->mkind, r, 0, 2);
	COPY(n->brand, r, 0, 3);
	COPY(n->last4, r, 0, 4);
	n->exp_month = db_i64(r, 0, 5);
	n->exp_year = db_i64(r, 0, 6);
	n->number = db_i64(r, 0, 7);
	COPY(n->due, r, 0, 8);
	n->amount = db_i64(r, 0, 9);
	COPY(n->retry_on, r, 0, 10);
	COPY(n->language, r, 0, 11);
	n->account_id = db_i64(r, 0, 12);
}

int
store_autopay_notice_get(struct db *db, int64_t inst_id, int64_t plan_id,
    int64_t method_id, struct store_autopay_notice *n)
{
	struct db_param q[] = { DB_I64(inst_id), DB_I64(plan_id) };
	struct db_param c[] = { DB_I64(method_id) };
	struct db_result r;
	int rc;

	if (inst_id == 0)
		rc = db_query(db, "SELECT " NOTICE_COLS ", 0, '', 0, '', a.language,"
		    " a.id FROM payment_methods m JOIN accounts a ON a.id ="
		    " m.account_id WHERE m.id = ?", c, 1, &r);
	else
		rc = db_query(db, "SELECT " NOTICE_COLS ", i.number,"
		    " DATE_FORMAT(i.due_date, '%Y-%m-%d'), i.amount,"
		    " COALESCE(DATE_FORMAT(i.retry_on, '%Y-%m-%d'), ''), a.language,"
		    " a.id FROM payment_plan_installments i JOIN payment_plans p ON"
		    " p.id = i.plan_id JOIN accounts a ON a.id = p.account_id LEFT"
		    " JOIN payment_methods m ON m.id = p.payment_method_id WHERE"
		    " i.id = ? AND p.id = ?", q, 2, &r);
	memset(n, 0, sizeof(*n));
	if (rc == DB_OK && r.nrows == 1) {
		notice_from_row(&r, n);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_autopay_notice_insert(struct db *db, const char *kind, int64_t plan_id,
    int64_t inst_id, int64_t method_id, int attempt, const char *subject_key,
    int64_t now)
{
	struct db_param q[] = { DB_STR(kind), plan_id ? DB_I64(plan_id) : DB_NULL,
	    inst_id ? DB_I64(inst_id) : DB_NULL, method_id ? DB_I64(method_id) :
	    DB_NULL, DB_I64(attempt), DB_STR(subject_key), DB_I64(now) };

	return db_exec(db, "INSERT INTO plan_notices (kind, plan_id,"
	    " installment_id, payment_method_id, attempt, subject_key,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", q, 7, NULL, NULL);
}

int
store_autopay_upcoming(struct db *db, const char *today, int days,
    struct store_autopay_upcoming **out, size_t *n)
{
	struct db_param q[] = { DB_STR(today), DB_STR(today), DB_I64(days) };
	struct db_result r;
	/* Autopay plans: "will be charged"; the others: "is due". */
	int rc = db_query(db, "SELECT i.id, i.plan_id, p.autopay FROM"
	    " payment_plan_installments i JOIN payment_plans p ON p.id ="
	    " i.plan_id LEFT JOIN plan_notices n ON n.kind = IF(p.autopay = 1,"
	    " 'upcoming', 'due') AND"
	    " n.subject_key = CONCAT('inst-', i.id, '-', i.due_date)"
	    " WHERE i.status = 'scheduled' AND i.failures = 0 AND i.amount > 0"
	    " AND p.status = 'active' AND i.due_date >= ?"
	    " AND i.due_date <= DATE_ADD(?, INTERVAL ? DAY) AND n.id IS NULL"
	    " ORDER BY i.due_date, i.id LIMIT 1000", q, 3, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		(*out)[i].inst_id = db_i64(&r, i, 0);
		(*out)[i].plan_id = db_i64(&r, i, 1);
		(*out)[i].autopay = db_i64(&r, i, 2) != 0;
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_autopay_expiring(struct db *db, const char *today,
    struct store_autopay_expiring **out, size_t *n)
{
	struct db_param q[] = { DB_STR(today) };
	struct db_result r;
	int rc = db_query(db, "SELECT m.id, MAX(p.id), m.exp_year, m.exp_month,"
	    " DATEDIFF(LAST_DAY(STR_TO_DATE(CONCAT(m.exp_year, '-', m.exp_month,"
	    " '-01'), '%Y-%m-%d')), ?) AS d FROM payment_methods m JOIN"
	    " payment_plans p ON p.payment_method_id = m.id WHERE m.kind ="
	    " 'card' AND m.status = 'active' AND m.exp_year > 0 AND"
	    " m.exp_month BETWEEN 1 AND 12 AND p.status IN ('sent', 'active',"
	    " 'paused', 'past_due') GROUP BY m.id, m.exp_year, m.exp_month"
	    " HAVING d BETWEEN 0 AND 30 LIMIT 1000", q, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_autopay_expiring *e = &(*out)[i];

		e->method_id = db_i64(&r, i, 0);
		e->plan_id = db_i64(&r, i, 1);
		e->exp_year = db_i64(&r, i, 2);
		e->exp_month = db_i64(&r, i, 3);
		e->days = db_i64(&r, i, 4);
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}
