#include "common.h"

#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "session.h"
#include "str.h"

/* Sessions touch last_seen at most this often (saves a write per request). */
#define SESSION_TOUCH_EVERY	60

int
session_create(struct db *db, const char *kind, int64_t subject_id,
    int64_t absolute_ttl, const char *ip, const char *ua,
    char token[SESSION_TOKEN_MAX])
{
	char hash[CRYPTO_SHA256_HEX], uacut[256];
	int64_t now = clock_now();

	if (crypto_token(token, SESSION_TOKEN_MAX, 32) == -1)
		return DB_ERR;
	crypto_sha256_hex(token, strlen(token), hash);
	str_copy(uacut, sizeof(uacut), ua);
	{
		struct db_param p[] = { DB_STR(hash), DB_STR(kind),
		    DB_I64(subject_id), DB_I64(now), DB_I64(now),
		    DB_I64(now + absolute_ttl), DB_STR(ip), DB_STR(uacut) };
		return db_exec(db, "INSERT INTO sessions (id_hash, kind, subject_id,"
		    " created_at, last_seen_at, expires_at, ip, user_agent)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
	}
}

static int
session_find(struct db *db, const char *hash, const char *kind, int64_t now,
    int64_t idle, struct db_result *r)
{
	struct db_param p[] = { DB_STR(hash), DB_STR(kind), DB_I64(now),
	    DB_I64(now - idle) };

	return db_query(db, "SELECT subject_id, last_seen_at FROM sessions"
	    " WHERE id_hash = ? AND kind = ? AND expires_at > ?"
	    " AND last_seen_at > ?", p, ARRAY_LEN(p), r);
}

int
session_lookup(struct db *db, const char *kind, const char *token,
    int64_t idle, int64_t *subject_id)
{
	char hash[CRYPTO_SHA256_HEX];
	int64_t now = clock_now(), last;
	struct db_result r;
	int rc;

	if (token == NULL || strlen(token) < 20 || strlen(token) >= SESSION_TOKEN_MAX)
		return 0;
	crypto_sha256_hex(token, strlen(token), hash);
	rc = session_find(db, hash, kind, now, idle, &r);
	/* Galera: a session created through another node a moment ago may not
	 * be applied here yet; only a miss pays for the causal read. */
	if (rc == DB_OK && r.nrows == 0 && db_galera(db)) {
		db_result_free(&r);
		rc = db_causal(db, 1);
		if (rc == DB_OK)
			rc = session_find(db, hash, kind, now, idle, &r);
		(void)db_causal(db, 0);
	}
	if (rc != DB_OK || r.nrows == 0) {
		db_result_free(&r);
		return rc != DB_OK ? rc : 0;
	}
	*subject_id = db_i64(&r, 0, 0);
	last = db_i64(&r, 0, 1);
	db_result_free(&r);
	if (now - last >= SESSION_TOUCH_EVERY) {
		struct db_param p[] = { DB_I64(now), DB_STR(hash) };
		if ((rc = db_exec(db, "UPDATE sessions SET last_seen_at = ?"
		    " WHERE id_hash = ?", p, 2, NULL, NULL)) != DB_OK)
			return rc;
	}
	return 1;
}

int
session_destroy(struct db *db, const char *token)
{
	char hash[CRYPTO_SHA256_HEX];
	struct db_param p[1];

	crypto_sha256_hex(token, strlen(token), hash);
	p[0] = DB_STR(hash);
	return db_exec(db, "DELETE FROM sessions WHERE id_hash = ?", p, 1,
	    NULL, NULL);
}

int
session_destroy_subject(struct db *db, const char *kind, int64_t subject_id)
{
	struct db_param p[] = { DB_STR(kind), DB_I64(subject_id) };

	return db_exec(db, "DELETE FROM sessions WHERE kind = ? AND subject_id = ?",
	    p, 2, NULL, NULL);
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

/* Failures since max(window start, last success), and the oldest of them. */
static int
count_failures(struct db *db, const char *sql, const struct db_param *p,
    size_t n, int64_t *count, int64_t *oldest)
{
	struct db_result r;
	int rc = db_query(db, sql, p, n, &r);

	if (rc == DB_OK) {
		*count = db_i64(&r, 0, 0);
		*oldest = db_i64(&r, 0, 1);
	}
	db_result_free(&r);
	return rc;
}

int
throttle_check(struct db *db, const struct config *cfg, const char *kind,
    const char *email, const char *ip, int64_t *retry_after)
{
	int64_t now = clock_now(), since = now - cfg->login_window;
	int64_t n = 0, oldest = 0;
	int rc;

	{
		struct db_param p[] = { DB_STR(kind), DB_STR(email), DB_I64(since),
		    DB_STR(kind), DB_STR(email), DB_I64(since) };
		rc = count_failures(db, "SELECT COUNT(*), COALESCE(MIN(created_at), 0)"
		    " FROM login_attempts WHERE kind = ? AND email = ? AND success = 0"
		    " AND created_at > GREATEST(?, COALESCE((SELECT MAX(created_at)"
		    " FROM login_attempts WHERE kind = ? AND email = ? AND success = 1"
		    " AND created_at > ?), 0))", p, ARRAY_LEN(p), &n, &oldest);
	}
	if (rc != DB_OK)
		return rc;
	if (n >= cfg->login_max_account) {
		*retry_after = oldest + cfg->login_window - now;
		return 1;
	}
	{
		struct db_param p[] = { DB_STR(ip), DB_I64(since) };
		rc = count_failures(db, "SELECT COUNT(*), COALESCE(MIN(created_at), 0)"
		    " FROM login_attempts WHERE ip = ? AND success = 0"
		    " AND created_at > ?", p, ARRAY_LEN(p), &n, &oldest);
	}
	if (rc != DB_OK)
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
	struct db_param p[] = { DB_STR(kind), DB_STR(email), DB_STR(ip),
	    DB_I64(success ? 1 : 0), DB_I64(clock_now()) };

	return db_exec(db, "INSERT INTO login_attempts (kind, email, ip, success,"
	    " created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}
