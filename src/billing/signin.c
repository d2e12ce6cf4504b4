/* Signed-in requests in one statement (see signin.h; rows in
 * store_session.c). */
#include "common.h"

#include "branding.h"
#include "clock.h"
#include "crypto.h"
#include "profiles.h"
#include "signin.h"
#include "billing_conv.h"
#include "store_session.h"
#include "users.h"

/* The token's hash into hash, or 0 when it cannot be a session token. */
static int
token_hash(const char *token, char hash[CRYPTO_SHA256_HEX])
{
	size_t n = token != NULL ? strlen(token) : 0;

	if (n < 20 || n >= 64)
		return 0;
	crypto_sha256_hex(token, n, hash);
	return 1;
}

/* The store's answer rc; touches the session when found and stale. */
static int
signin_done(struct db *db, int rc, const char *hash, int64_t now,
    int64_t last_seen)
{
	if (rc == 1 && store_session_seen(db, hash, now, last_seen) != 0)
		rc = -1;
	return rc < 0 ? -1 : rc;
}

int
signin_staff(struct db *db, const char *token, int64_t idle, struct user *u,
    struct branding *b)
{
	char hash[CRYPTO_SHA256_HEX];
	struct store_session_staff s;
	int64_t now = clock_now();
	int rc;

	if (!token_hash(token, hash))
		return 0;
	rc = store_session_staff(db, hash, now, now - idle, &s);
	if (rc == 1) {
		user_from_store(&s.user, u);
		branding_from_store(&s.brand, b);
	}
	return signin_done(db, rc, hash, now, s.last_seen);
}

int
signin_portal(struct db *db, const char *token, int64_t idle,
    struct account *a, struct branding *b)
{
	char hash[CRYPTO_SHA256_HEX];
	struct store_session_portal s;
	int64_t now = clock_now();
	int rc;

	if (!token_hash(token, hash))
		return 0;
	rc = store_session_portal(db, hash, now, now - idle, &s);
	if (rc == 1) {
		account_from_store(&s.acct, a);
		branding_from_store(&s.brand, b);
	}
	return signin_done(db, rc, hash, now, s.last_seen);
}
