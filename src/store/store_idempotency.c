/* Idempotency-Key records (see store_idempotency.h). */
#include "common.h"

#include "db.h"
#include "store_idempotency.h"
#include "str.h"

int
store_idempotency_expire(struct db *db, int64_t api_key_id, const char *key,
    int64_t before)
{
	struct db_param p[] = { DB_I64(api_key_id), DB_STR(key), DB_I64(before) };

	return db_exec(db, "DELETE FROM idempotency_keys WHERE api_key_id = ?"
	    " AND idem_key = ? AND created_at < ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_idempotency_claim(struct db *db, int64_t api_key_id, const char *key,
    const char *request_hash, int64_t now)
{
	struct db_param p[] = { DB_I64(api_key_id), DB_STR(key),
	    DB_STR(request_hash), DB_I64(now) };

	return db_exec(db, "INSERT INTO idempotency_keys (api_key_id, idem_key,"
	    " request_hash, status, response, created_at) VALUES (?, ?, ?, NULL,"
	    " NULL, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_idempotency_get(struct db *db, int64_t api_key_id, const char *key,
    struct store_idem *out)
{
	struct db_param p[] = { DB_I64(api_key_id), DB_STR(key) };
	struct db_result r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_query(db, "SELECT request_hash, status, response FROM idempotency_keys"
	    " WHERE api_key_id = ? AND idem_key = ?", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows > 0) {
		str_copy(out->request_hash, sizeof(out->request_hash),
		    db_str(&r, 0, 0));
		out->done = !db_isnull(&r, 0, 1);
		out->status = (int)db_i64(&r, 0, 1);
		rc = 1;
		if (out->done && (out->response = str_dup(db_str(&r, 0, 2))) == NULL)
			rc = DB_ERR;
	}
	db_result_free(&r);
	return rc;
}

int
store_idempotency_finish(struct db *db, int64_t api_key_id, const char *key,
    int status, const char *response)
{
	struct db_param p[] = { DB_I64(status), DB_STR(response),
	    DB_I64(api_key_id), DB_STR(key) };

	return db_exec(db, "UPDATE idempotency_keys SET status = ?, response = ?"
	    " WHERE api_key_id = ? AND idem_key = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_idempotency_release(struct db *db, int64_t api_key_id, const char *key)
{
	struct db_param p[] = { DB_I64(api_key_id), DB_STR(key) };

	return db_exec(db, "DELETE FROM idempotency_keys WHERE api_key_id = ?"
	    " AND idem_key = ? AND status IS NULL", p, ARRAY_LEN(p), NULL, NULL);
}
