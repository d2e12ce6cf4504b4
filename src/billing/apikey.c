/* API keys: creation, bearer lookup, revocation (rows in store_apikey.c). */
#include "common.h"

#include "apikey.h"
#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "store_apikey.h"
#include "str.h"

#define KEY_PREFIX_BYTES	4	/* 8 hex digits: shown in lists to tell keys apart */
#define KEY_SECRET_BYTES	32
#define KEY_TOKEN_MAX		128	/* longer bearer tokens are not ours */
#define LAST_USED_EVERY		60	/* seconds between last_used_at writes */

static const struct actor system_actor = { "system", 0, NULL };

struct create_args {
	const char	*name, *role, *hash, *prefix;
	int64_t		 id;
};

static int
create_tx(struct db *db, void *arg)
{
	struct create_args *a = arg;
	char detail[200];
	int rc;

	rc = store_apikey_insert(db, a->name, a->role, a->hash, a->prefix,
	    clock_now(), &a->id);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "name=%s role=%s prefix=%s", a->name,
	    a->role, a->prefix);
	return audit_record(db, &system_actor, "apikey.create", "api_key", a->id,
	    detail);
}

int
apikey_create(struct db *db, const char *name, const char *role, char *token,
    size_t tokensz, int64_t *id_out)
{
	unsigned char raw[KEY_PREFIX_BYTES];
	char prefix[2 * KEY_PREFIX_BYTES + 1], secret[CRYPTO_TOKEN_MAX];
	char hash[CRYPTO_SHA256_HEX];
	struct create_args a = { name, role, hash, prefix, 0 };
	int rc;

	if (strcmp(role, "admin") != 0 && strcmp(role, "billing") != 0 &&
	    strcmp(role, "frontdesk") != 0)
		return -1;
	if (crypto_random(raw, sizeof(raw)) == -1 ||
	    crypto_token(secret, sizeof(secret), KEY_SECRET_BYTES) == -1)
		return -1;
	crypto_hex(raw, sizeof(raw), prefix);
	if (str_fmt(token, tokensz, "bk_%s_%s", prefix, secret) == -1)
		return -1;
	crypto_sha256_hex(token, strlen(token), hash);
	rc = db_tx(db, create_tx, &a);
	if (rc != DB_OK) {
		memset(token, 0, tokensz);
		return rc < 0 ? rc : -1;
	}
	if (id_out)
		*id_out = a.id;
	return 0;
}

int
apikey_lookup(struct db *db, const char *token, struct api_key *k)
{
	char hash[CRYPTO_SHA256_HEX];
	struct store_apikey row;
	int64_t now = clock_now();
	size_t len = strlen(token);
	int rc;

	if (len > KEY_TOKEN_MAX || !str_starts(token, "bk_"))
		return 0;
	crypto_sha256_hex(token, len, hash);
	rc = store_apikey_find_live(db, hash, &row);
	if (rc != 1)
		return rc;
	k->id = row.id;
	str_copy(k->name, sizeof(k->name), row.name);
	str_copy(k->role, sizeof(k->role), row.role);
	str_copy(k->prefix, sizeof(k->prefix), row.prefix);
	if (now - row.last_used_at >= LAST_USED_EVERY &&
	    (rc = store_apikey_set_used(db, k->id, now, now - LAST_USED_EVERY))
	    != DB_OK)
		return rc < 0 ? rc : -1;
	return 1;
}

struct revoke_args {
	int64_t	 id;
	int	 found;
};

static int
revoke_tx(struct db *db, void *arg)
{
	struct revoke_args *a = arg;
	int rc;

	if ((rc = store_apikey_revoke(db, a->id, clock_now())) <= 0)
		return rc;
	a->found = 1;
	return audit_record(db, &system_actor, "apikey.revoke", "api_key", a->id,
	    "");
}

/* 0 when revoked now, 1 when there is no such live key, <0 db error. */
int
apikey_revoke(struct db *db, int64_t id)
{
	struct revoke_args a = { id, 0 };
	int rc = db_tx(db, revoke_tx, &a);

	if (rc != DB_OK)
		return rc < 0 ? rc : -1;
	return a.found ? 0 : 1;
}
