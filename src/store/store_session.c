/* Sessions table (see store_session.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"
#include "store_session.h"

int
store_session_insert(struct db *db, const struct store_session *s)
{
	struct db_param p[] = { DB_STR(s->id_hash), DB_STR(s->kind),
	    DB_I64(s->subject_id), DB_I64(s->created_at), DB_I64(s->created_at),
	    DB_I64(s->expires_at), DB_STR(s->ip), DB_STR(s->user_agent) };

	return db_exec(db, "INSERT INTO sessions (id_hash, kind, subject_id,"
	    " created_at, last_seen_at, expires_at, ip, user_agent)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

/* The session query (parameters: hash, kind, now, idle_since) into *r; 1
 * when it found a row. Galera: a session created through another node a
 * moment ago may not be applied here yet; only a miss pays for the causal
 * read. */
static int
session_query(struct db *db, const char *sql, const char *id_hash,
    const char *kind, int64_t now, int64_t idle_since, struct db_result *r)
{
	struct db_param p[] = { DB_STR(id_hash), DB_STR(kind), DB_I64(now),
	    DB_I64(idle_since) };
	int rc;

	rc = db_query(db, sql, p, ARRAY_LEN(p), r);
	if (rc == DB_OK && r->nrows == 0 && db_galera(db)) {
		db_result_free(r);
		rc = db_causal(db, 1);
		if (rc == DB_OK)
			rc = db_query(db, sql, p, ARRAY_LEN(p), r);
		(void)db_causal(db, 0);
	}
	if (rc == DB_OK)
		rc = r->nrows > 0;
	return rc;
}

#define SESSION_LIVE " WHERE s.id_hash = ? AND s.kind = ? AND s.expires_at > ?" \
	" AND s.last_seen_at > ?"

int
store_session_staff(struct db *db, const char *id_hash, int64_t now,
    int64_t idle_since, struct store_session_staff *out)
{
	static const char sql[] = "SELECT " STORE_USER_COLS ", s.last_seen_at, "
	    STORE_BRANDING_COLS " FROM sessions s JOIN users u"
	    " ON u.id = s.subject_id LEFT JOIN branding b ON b.id = 1"
	    SESSION_LIVE;
	struct db_result r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = session_query(db, sql, id_hash, "staff", now, idle_since, &r);
	if (rc == 1) {
		store_user_from_row(&r, 0, &out->user);
		out->last_seen = db_i64(&r, 0, 7);
		store_branding_from_row(&r, 0, 8, &out->brand);
	}
	db_result_free(&r);
	return rc;
}

int
store_session_portal(struct db *db, const char *id_hash, int64_t now,
    int64_t idle_since, struct store_session_portal *out)
{
	static const char sql[] = "SELECT " STORE_ACCOUNT_COLS ", s.last_seen_at, "
	    STORE_BRANDING_COLS " FROM sessions s JOIN portal_logins l"
	    " ON l.account_id = s.subject_id AND l.password_hash IS NOT NULL"
	    " JOIN accounts a ON a.id = l.account_id AND a.email = l.email"
	    " LEFT JOIN branding b ON b.id = 1"
	    SESSION_LIVE;
	struct db_result r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = session_query(db, sql, id_hash, "portal", now, idle_since, &r);
	if (rc == 1) {
		store_profile_account_from_row(&r, 0, &out->acct);
		out->last_seen = db_i64(&r, 0, 12);
		store_branding_from_row(&r, 0, 13, &out->brand);
	}
	db_result_free(&r);
	return rc;
}

static int
session_touch(struct db *db, const char *id_hash, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_STR(id_hash) };

	return db_exec(db, "UPDATE sessions SET last_seen_at = ?"
	    " WHERE id_hash = ?", p, 2, NULL, NULL);
}

int
store_session_seen(struct db *db, const char *id_hash, int64_t now,
    int64_t last_seen)
{
	if (now - last_seen < STORE_SESSION_TOUCH_EVERY)
		return DB_OK;
	return session_touch(db, id_hash, now);
}

int
store_session_delete(struct db *db, const char *id_hash)
{
	struct db_param p[] = { DB_STR(id_hash) };

	return db_exec(db, "DELETE FROM sessions WHERE id_hash = ?", p, 1,
	    NULL, NULL);
}

int
store_session_delete_subject(struct db *db, const char *kind,
    int64_t subject_id)
{
	struct db_param p[] = { DB_STR(kind), DB_I64(subject_id) };

	return db_exec(db, "DELETE FROM sessions WHERE kind = ? AND subject_id = ?",
	    p, 2, NULL, NULL);
}
