/* Attempts, reservations, intent claims (see store_attempt.h). */
#include "common.h"

#include "db.h"
#include "store_attempt.h"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)
#define STR_OR_NULL(k, s)	((k) ? DB_STR((s) ? (s) : "") : DB_NULL)

int
store_attempt_insert(struct db *db, const struct store_attempt *a, int64_t *id)
{
	int k = a->consent;
	struct db_param p[] = { DB_I64(a->account_id), ID_OR_NULL(a->client_id),
	    DB_STR(a->method), DB_I64(a->amount), DB_STR(a->received_date),
	    DB_STR(a->memo ? a->memo : ""), ID_OR_NULL(a->created_by),
	    DB_I64(a->created_at), DB_STR(a->attempt_key),
	    ID_OR_NULL(a->payment_method_id), DB_I64(a->save_method ? 1 : 0),
	    DB_STR(a->alloc_plan), STR_OR_NULL(k, a->signer),
	    STR_OR_NULL(k, a->scope), k ? ID_OR_NULL(a->max_amount) : DB_NULL,
	    STR_OR_NULL(k, a->text_version), STR_OR_NULL(k, a->ip),
	    STR_OR_NULL(k, a->user_agent),
	    k ? ID_OR_NULL(a->recorded_by) : DB_NULL };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO payments (account_id, client_id, method,"
	    " amount, status, received_date, memo, created_by, created_at,"
	    " attempt_key, payment_method_id, save_method, alloc_plan,"
	    " consent_signer, consent_scope, consent_max_amount,"
	    " consent_text_version, consent_ip, consent_user_agent,"
	    " consent_recorded_by)"
	    " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

/* Reservations of attempts in flight (payments still 'pending'). */
#define INFLIGHT " FROM payment_reservations r" \
	" JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"

int
store_attempt_reserved(struct db *db, int64_t account_id, int64_t invoice_id,
    int64_t *sum, int64_t *first)
{
	struct db_param p[] = { DB_I64(invoice_id ? invoice_id : account_id) };
	int rc;

	*sum = 0;
	rc = db_query_i64(db, invoice_id ?
	    "SELECT COALESCE(SUM(r.amount), 0)" INFLIGHT " WHERE r.invoice_id = ?" :
	    "SELECT COALESCE(SUM(r.amount), 0)" INFLIGHT " WHERE r.account_id = ?",
	    p, 1, sum);
	if (rc != DB_OK || first == NULL)
		return rc;
	*first = 0;
	if (*sum <= 0)
		return DB_OK;
	return db_query_i64(db, invoice_id ?
	    "SELECT COALESCE(MIN(r.payment_id), 0)" INFLIGHT " WHERE r.invoice_id = ?" :
	    "SELECT COALESCE(MIN(r.payment_id), 0)" INFLIGHT " WHERE r.account_id = ?",
	    p, 1, first);
}

int
store_attempt_reserve(struct db *db, int64_t payment_id, int64_t account_id,
    int64_t invoice_id, int64_t amount, int64_t now)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(account_id),
	    ID_OR_NULL(invoice_id), DB_I64(amount), DB_I64(now) };

	return db_exec(db, "INSERT INTO payment_reservations (payment_id,"
	    " account_id, invoice_id, amount, created_at) VALUES (?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_attempt_claim_fresh(struct db *db, int64_t payment_id, int64_t since)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(since) };
	int64_t fresh = 0;
	int rc = db_query_i64(db, "SELECT COUNT(*) FROM payments WHERE id = ?"
	    " AND intent_claimed_at > ?", p, 2, &fresh);

	return rc != DB_OK ? rc : fresh != 0;
}

int
store_attempt_claim(struct db *db, int64_t payment_id, int64_t now)
{
	struct db_param p[] = { ID_OR_NULL(now), DB_I64(payment_id) };

	return db_exec(db, "UPDATE payments SET intent_claimed_at = ?"
	    " WHERE id = ?", p, 2, NULL, NULL);
}

int
store_attempt_checked(struct db *db, int64_t payment_id, int64_t was,
    int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(payment_id), DB_I64(was) };
	uint64_t n = 0;
	int rc;

	/* GREATEST: the stamp always moves, so "changed rows" is 1 even for a
	 * row stamped earlier in the same second. */
	rc = db_exec(db, "UPDATE payments SET checked_at = GREATEST(?, checked_at + 1)"
	    " WHERE id = ? AND checked_at = ? AND status = 'pending'", p, 3, &n,
	    NULL);
	return rc != DB_OK ? rc : n == 1;
}
