/* API keys for the JSON API: shown once at creation, stored as SHA-256. */
#ifndef APIKEY_H
#define APIKEY_H

#include <stdint.h>

struct db;

struct api_key {
	int64_t	 id;
	char	 name[101];
	char	 role[16];
	char	 prefix[17];
};

/* Creates a key "bk_<prefix>_<secret>" (prefix: 8 hex digits; secret: 32
 * random bytes base64url; 55 characters, tokensz >= 56); token gets the full
 * key (shown once). role: admin | billing | frontdesk. Audited as "system".
 * Returns 0, or < 0 (bad role, token too small, db error). */
int	 apikey_create(struct db *, const char *name, const char *role,
	    char *token, size_t tokensz, int64_t *id_out);
/* 1 and *k when the bearer token is a live key; 0 when not; <0 db error. */
int	 apikey_lookup(struct db *, const char *token, struct api_key *k);
/* 0 when revoked now, 1 when there is no such live key, < 0 db error. */
int	 apikey_revoke(struct db *, int64_t id);

#endif
