/* Portal logins and tokens (see store_portal_login.h). */
#include "common.h"

#include "db.h"
#include "store_portal_login.h"
#include "str.h"

int
store_portal_login_clear_password(struct db *db, int64_t account_id,
    int64_t now, int *had)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "UPDATE portal_logins SET password_hash = NULL,"
	    " activated_at = NULL, updated_at = ? WHERE account_id = ?"
	    " AND password_hash IS NOT NULL", p, 2, &n, NULL);
	*had = n > 0;
	return rc;
}

int
store_portal_login_supersede_tokens(struct db *db, int64_t account_id,
    int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };

	return db_exec(db, "UPDATE portal_tokens SET superseded_at = ?"
	    " WHERE account_id = ? AND used_at IS NULL"
	    " AND superseded_at IS NULL", p, 2, NULL, NULL);
}

int
store_portal_login_get(struct db *db, int64_t account_id, int64_t now,
    struct store_portal_login *l)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };
	struct db_result r;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = db_query(db, "SELECT a.id, COALESCE(a.email, ''),"
	    " (l.password_hash IS NOT NULL AND l.email = a.email),"
	    " COALESCE(l.activated_at, 0), COALESCE(l.last_login_at, 0),"
	    " COALESCE(t.created_at, 0), COALESCE(t.expires_at, 0)"
	    " FROM accounts a LEFT JOIN portal_logins l ON l.account_id = a.id"
	    " LEFT JOIN portal_tokens t ON t.id = (SELECT MAX(x.id)"
	    "   FROM portal_tokens x WHERE x.account_id = a.id"
	    "   AND x.purpose = 'activate' AND x.used_at IS NULL"
	    "   AND x.superseded_at IS NULL AND x.expires_at > ?)"
	    " WHERE a.id = ?", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows == 1) {
		l->account_id = db_i64(&r, 0, 0);
		str_copy(l->email, sizeof(l->email), db_str(&r, 0, 1));
		l->active = db_i64(&r, 0, 2) != 0;
		l->activated_at = l->active ? db_i64(&r, 0, 3) : 0;
		l->last_login_at = db_i64(&r, 0, 4);
		l->link_sent_at = db_i64(&r, 0, 5);
		l->link_expires_at = db_i64(&r, 0, 6);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_login_supersede_purpose(struct db *db, int64_t account_id,
    const char *purpose, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id),
	    DB_STR(purpose) };

	return db_exec(db, "UPDATE portal_tokens SET superseded_at = ?"
	    " WHERE account_id = ? AND purpose = ? AND used_at IS NULL"
	    " AND superseded_at IS NULL", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_portal_login_token_insert(struct db *db, int64_t account_id,
    const char *purpose, const char *token_hash, const char *email,
    int64_t now, int64_t expires_at, int64_t created_by)
{
	struct db_param p[] = { DB_I64(account_id), DB_STR(purpose),
	    DB_STR(token_hash), DB_STR(email), DB_I64(now), DB_I64(expires_at),
	    created_by > 0 ? DB_I64(created_by) : DB_NULL };

	return db_exec(db, "INSERT INTO portal_tokens (account_id, purpose,"
	    " token_hash, email, created_at, expires_at, created_by)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

#define TOKEN_FIND "SELECT t.id, t.account_id FROM portal_tokens t" \
	" JOIN accounts a ON a.id = t.account_id AND a.email = t.email" \
	" WHERE t.token_hash = ? AND t.purpose = ?" \
	" AND t.used_at IS NULL AND t.superseded_at IS NULL" \
	" AND t.expires_at > ?"

int
store_portal_login_token_find(struct db *db, const char *token_hash,
    const char *purpose, int64_t now, int lock, int64_t *id,
    int64_t *account_id)
{
	struct db_param p[] = { DB_STR(token_hash), DB_STR(purpose),
	    DB_I64(now) };
	struct db_result r;
	int rc;

	rc = db_query(db, lock ? TOKEN_FIND " FOR UPDATE" : TOKEN_FIND, p,
	    ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows > 0) {
		*id = db_i64(&r, 0, 0);
		*account_id = db_i64(&r, 0, 1);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_login_token_use(struct db *db, int64_t token_id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(token_id) };

	return db_exec(db, "UPDATE portal_tokens SET used_at = ? WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_portal_login_set_password(struct db *db, int64_t account_id,
    const char *email, const char *password_hash, int64_t now)
{
	struct db_param p[] = { DB_I64(account_id), DB_STR(email),
	    DB_STR(password_hash), DB_I64(now), DB_I64(now), DB_I64(now),
	    DB_I64(now) };

	return db_exec(db, "INSERT INTO portal_logins (account_id, email,"
	    " password_hash, activated_at, password_changed_at, created_at,"
	    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	    " ON DUPLICATE KEY UPDATE"
	    " activated_at = COALESCE(IF(portal_logins.password_hash IS NULL,"
	    "   NULL, portal_logins.activated_at), VALUES(activated_at)),"
	    " email = VALUES(email), password_hash = VALUES(password_hash),"
	    " password_changed_at = VALUES(password_changed_at),"
	    " updated_at = VALUES(updated_at)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_portal_login_reset_due(struct db *db, const char *email, int64_t since,
    int64_t *account_id)
{
	struct db_param p[] = { DB_STR(email), DB_I64(since) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT a.id FROM accounts a JOIN portal_logins l"
	    " ON l.account_id = a.id AND l.email = a.email"
	    " AND l.password_hash IS NOT NULL WHERE a.email = ?"
	    " AND NOT EXISTS (SELECT 1 FROM portal_tokens t WHERE"
	    "   t.account_id = a.id AND t.purpose = 'reset' AND t.created_at > ?)"
	    " FOR UPDATE", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows == 1) {
		*account_id = db_i64(&r, 0, 0);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_login_password(struct db *db, const char *email,
    int64_t *account_id, char *hash, size_t hashsz)
{
	struct db_param p[] = { DB_STR(email) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT a.id, l.password_hash FROM accounts a"
	    " JOIN portal_logins l ON l.account_id = a.id AND l.email = a.email"
	    " WHERE a.email = ? AND l.password_hash IS NOT NULL", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		*account_id = db_i64(&r, 0, 0);
		str_copy(hash, hashsz, db_str(&r, 0, 1));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_login_touch(struct db *db, int64_t account_id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };

	return db_exec(db, "UPDATE portal_logins SET last_login_at = ?"
	    " WHERE account_id = ?", p, 2, NULL, NULL);
}

