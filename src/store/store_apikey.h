/* API keys table (only the SHA-256 of a key is stored). Functions return a
 * db_status (0 is DB_OK) unless said otherwise. */
#ifndef STORE_APIKEY_H
#define STORE_APIKEY_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_apikey {
	int64_t	 id;
	char	 name[101];
	char	 role[16];
	char	 prefix[17];
	int64_t	 created_at;
	int64_t	 last_used_at;	/* 0: never */
	int64_t	 revoked_at;	/* 0: live */
};

int	 store_apikey_insert(struct db *, const char *name, const char *role,
	    const char *key_hash, const char *prefix, int64_t now, int64_t *id);
/* 1 and *k (id, name, role, prefix, last_used_at) for the live key of that
 * hash, 0 when none, or a negative db_status. */
int	 store_apikey_find_live(struct db *, const char *key_hash,
	    struct store_apikey *k);
/* last_used_at = now unless another request wrote it after not_before. */
int	 store_apikey_set_used(struct db *, int64_t id, int64_t now,
	    int64_t not_before);
/* 1 when the live key was revoked now, 0 when no such live key, or < 0. */
int	 store_apikey_revoke(struct db *, int64_t id, int64_t now);
/* Every key, oldest first, into a malloc'd array (caller frees). */
int	 store_apikey_list(struct db *, struct store_apikey **out, size_t *n);

#endif
