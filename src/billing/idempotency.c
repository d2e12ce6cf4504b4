#include "common.h"

#include "clock.h"
#include "db.h"
#include "idempotency.h"

/* Reads the existing record of a key and classifies it. */
static int
idem_existing(struct db *db, int64_t api_key_id, const char *key,
    const char *request_hash, int *status, char **response)
{
	struct db_param p[] = { DB_I64(api_key_id), DB_STR(key) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT request_hash, status, response FROM idempotency_keys"
	    " WHERE api_key_id = ? AND idem_key = ?", p, ARRAY_LEN(p), &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return IDEM_DB;
	}
	if (r.nrows == 0)
		rc = IDEM_IN_PROGRESS;	/* released between insert and read: retry later */
	else if (strcmp(db_str(&r, 0, 0), request_hash) != 0)
		rc = IDEM_MISMATCH;
	else if (db_isnull(&r, 0, 1))
		rc = IDEM_IN_PROGRESS;
	else {
		*status = (int)db_i64(&r, 0, 1);
		*response = strdup(db_str(&r, 0, 2));
		rc = *response != NULL ? IDEM_REPLAY : IDEM_DB;
	}
	db_result_free(&r);
	return rc;
}

int
idem_begin(struct db *db, int64_t api_key_id, const char *key,
    const char *request_hash, int *status, char **response)
{
	int64_t now = clock_now();
	struct db_param old[] = { DB_I64(api_key_id), DB_STR(key),
	    DB_I64(now - IDEM_TTL) };
	struct db_param ins[] = { DB_I64(api_key_id), DB_STR(key),
	    DB_STR(request_hash), DB_I64(now) };
	int rc;

	*status = 0;
	*response = NULL;
	/* Autocommit: each statement is its own short transaction. */
	if (db_exec(db, "DELETE FROM idempotency_keys WHERE api_key_id = ?"
	    " AND idem_key = ? AND created_at < ?", old, ARRAY_LEN(old),
	    NULL, NULL) != DB_OK)
		return IDEM_DB;
	rc = db_exec(db, "INSERT INTO idempotency_keys (api_key_id, idem_key,"
	    " request_hash, status, response, created_at) VALUES (?, ?, ?, NULL,"
	    " NULL, ?)", ins, ARRAY_LEN(ins), NULL, NULL);
	if (rc == DB_OK)
		return IDEM_NEW;
	if (rc != DB_DUP)
		return IDEM_DB;
	return idem_existing(db, api_key_id, key, request_hash, status, response);
}

int
idem_finish(struct db *db, int64_t api_key_id, const char *key, int status,
    const char *response)
{
	struct db_param p[] = { DB_I64(status), DB_STR(response),
	    DB_I64(api_key_id), DB_STR(key) };

	return db_exec(db, "UPDATE idempotency_keys SET status = ?, response = ?"
	    " WHERE api_key_id = ? AND idem_key = ?", p, ARRAY_LEN(p), NULL,
	    NULL) == DB_OK ? 0 : -1;
}

int
idem_release(struct db *db, int64_t api_key_id, const char *key)
{
	struct db_param p[] = { DB_I64(api_key_id), DB_STR(key) };

	return db_exec(db, "DELETE FROM idempotency_keys WHERE api_key_id = ?"
	    " AND idem_key = ? AND status IS NULL", p, ARRAY_LEN(p), NULL,
	    NULL) == DB_OK ? 0 : -1;
}
