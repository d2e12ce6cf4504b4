/* Idempotency-Key records of the JSON API (table idempotency_keys): the
 * first request with a key claims it, runs, then stores its response; a
 * repeat with the same request replays that response. */
#ifndef IDEMPOTENCY_H
#define IDEMPOTENCY_H

#include <stdint.h>

struct db;

#define IDEM_KEY_MAX	255
#define IDEM_TTL	(24 * 3600)	/* a key may be reused after this many seconds */

enum idem_status {
	IDEM_NEW = 0,		/* claimed: run the request, then idem_finish/idem_release */
	IDEM_REPLAY = 1,	/* done before: *status and *response hold the answer */
	IDEM_MISMATCH = 2,	/* same key, different request */
	IDEM_IN_PROGRESS = 3,	/* same key, first request still running */
	IDEM_DB = -1,
};

/* Claims (api_key_id, key) for the request with this hash (64 hex digits),
 * committed on its own so a concurrent duplicate sees the claim at once.
 * On IDEM_REPLAY *response is malloc'd (caller frees). */
int	 idem_begin(struct db *, int64_t api_key_id, const char *key,
	    const char *request_hash, int *status, char **response);
/* Stores the final response of a claimed key. 0 / -1. */
int	 idem_finish(struct db *, int64_t api_key_id, const char *key, int status,
	    const char *response);
/* Drops a claim whose request failed without a result (5xx): a retry may run. */
int	 idem_release(struct db *, int64_t api_key_id, const char *key);

#endif
