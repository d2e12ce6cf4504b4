#include "common.h"

#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "session.h"
#include "store_session.h"
#include "store_throttle.h"
#include "str.h"

int
session_create(struct db *db, const char *kind, int64_t subject_id,
    int64_t absolute_ttl, const char *ip, const char *ua,
    char token[SESSION_TOKEN_MAX])
{
	char hash[CRYPTO_SHA256_HEX], uacut[256];
	struct store_session s;

	if (crypto_token(token, SESSION_TOKEN_MAX, 32) == -1)
		return -1;	/* DB_ERR */
	crypto_sha256_hex(token, strlen(token), hash);
	str_copy(uacut, sizeof(uacut), ua);
	s = (struct store_session){ .id_hash = hash, .kind = kind,
	    .subject_id = subject_id, .created_at = clock_now(), .ip = ip,
	    .user_agent = uacut };
	s.expires_at = s.created_at + absolute_ttl;
	return store_session_insert(db, &s);
}

int
session_destroy(struct db *db, const char *token)
{
	char hash[CRYPTO_SHA256_HEX];

	crypto_sha256_hex(token, strlen(token), hash);
	return store_session_delete(db, hash);
}

void
csrf_token(const char *secret, const char *purpose, const char *binding,
    char out[CSRF_TOKEN_MAX])
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char msg[256];

	str_fmt(msg, sizeof(msg), "csrf:%s:%s", purpose, binding);
	crypto_hmac_sha256(secret, strlen(secret), msg, strlen(msg), mac);
	crypto_hex(mac, sizeof(mac), out);
}

int
csrf_valid(const char *secret, const char *purpose, const char *binding,
    const char *given)
{
	char want[CSRF_TOKEN_MAX];

	if (given == NULL || binding == NULL || *binding == '\0')
		return 0;
	csrf_token(secret, purpose, binding, want);
	return crypto_streq(want, given);
}

int
throttle_check(struct db *db, const struct config *cfg, const char *kind,
    const char *email, const char *ip, int64_t *retry_after)
{
	int64_t now = clock_now(), since = now - cfg->login_window;
	int64_t n = 0, oldest = 0;
	int rc;

	rc = store_throttle_failures_email(db, kind, email, since, &n, &oldest);
	if (rc != 0)
		return rc;
	if (n >= cfg->login_max_account) {
		*retry_after = oldest + cfg->login_window - now;
		return 1;
	}
	rc = store_throttle_failures_ip(db, ip, since, &n, &oldest);
	if (rc != 0)
		return rc;
	if (n >= cfg->login_max_ip) {
		*retry_after = oldest + cfg->login_window - now;
		return 1;
	}
	return 0;
}

int
throttle_record(struct db *db, const char *kind, const char *email,
    const char *ip, int success)
{
	return store_throttle_record(db, kind, email, ip, success, clock_now());
}
