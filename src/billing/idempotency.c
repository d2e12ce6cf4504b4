/* Idempotency-Key rules of the JSON API (records in store_idempotency.c). */
#include "common.h"

#include "clock.h"
#include "db.h"
#include "idempotency.h"
#include "store_idempotency.h"

/* Reads the existing record of a key and classifies it. */
static int
idem_existing(struct db *db, int64_t api_key_id, const char *key,
    const char *request_hash, int *status, char **response)
{
	struct store_idem r;
	int rc;

	rc = store_idempotency_get(db, api_key_id, key, &r);
	if (rc < 0)
		return IDEM_DB;
	if (rc == 0)
		return IDEM_IN_PROGRESS;	/* released between insert and read: retry later */
	if (strcmp(r.request_hash, request_hash) != 0)
		rc = IDEM_MISMATCH;
	else if (!r.done)
		rc = IDEM_IN_PROGRESS;
	else {
		*status = r.status;
		*response = r.response;
		r.response = NULL;
		rc = IDEM_REPLAY;
	}
	free(r.response);
	return rc;
}

int
idem_begin(struct db *db, int64_t api_key_id, const char *key,
    const char *request_hash, int *status, char **response)
{
	int64_t now = clock_now();
	int rc;

	*status = 0;
	*response = NULL;
	/* Autocommit: each statement is its own short transaction. */
	if (store_idempotency_expire(db, api_key_id, key, now - IDEM_TTL) != DB_OK)
		return IDEM_DB;
	rc = store_idempotency_claim(db, api_key_id, key, request_hash, now);
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
	return store_idempotency_finish(db, api_key_id, key, status, response) ==
	    DB_OK ? 0 : -1;
}

int
idem_release(struct db *db, int64_t api_key_id, const char *key)
{
	return store_idempotency_release(db, api_key_id, key) == DB_OK ? 0 : -1;
}
