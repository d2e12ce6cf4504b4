/* Idempotency-Key records of the JSON API (idempotency_keys). Functions
 * return a db_status (0 is DB_OK; DB_DUP when the key is claimed). */
#ifndef STORE_IDEMPOTENCY_H
#define STORE_IDEMPOTENCY_H

#include <stdint.h>

struct db;

/* A stored record. response is malloc'd when done (caller frees). */
struct store_idem {
	char	 request_hash[65];
	int	 done;		/* status and response stored */
	int	 status;
	char	*response;
};

/* Drops the record of (api_key_id, key) created before before. */
int	 store_idempotency_expire(struct db *, int64_t api_key_id,
	    const char *key, int64_t before);
/* Claims (api_key_id, key) without a response yet: DB_DUP when taken. */
int	 store_idempotency_claim(struct db *, int64_t api_key_id,
	    const char *key, const char *request_hash, int64_t now);
/* 1 and *r when the record exists, 0 when not, or a negative db_status. */
int	 store_idempotency_get(struct db *, int64_t api_key_id, const char *key,
	    struct store_idem *r);
int	 store_idempotency_finish(struct db *, int64_t api_key_id,
	    const char *key, int status, const char *response);
/* Drops a claim that has no response. */
int	 store_idempotency_release(struct db *, int64_t api_key_id,
	    const char *key);

#endif
