/* Sessions table (see store_session.h). */
#include "common.h"

#include "db.h"
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

int
store_session_find(struct db *db, const char *id_hash, const char *kind,
    int64_t now, int64_t idle_since, int64_t *subject_id, int64_t *last_seen)
{
	struct db_param p[] = { DB_STR(id_hash), DB_STR(kind), DB_I64(now),
	    DB_I64(idle_since) };
	static const char sql[] = "SELECT subject_id, last_seen_at FROM sessions"
	    " WHERE id_hash = ? AND kind = ? AND expires_at > ?"
	    " AND last_seen_at > ?";
	struct db_result r;
	int rc;

	rc = db_query(db, sql, p, ARRAY_LEN(p), &r);
	/* Galera: a session created through another node a moment ago may not
	 * be applied here yet; only a miss pays for the causal read. */
	if (rc == DB_OK && r.nrows == 0 && db_galera(db)) {
		db_result_free(&r);
		rc = db_causal(db, 1);
		if (rc == DB_OK)
			rc = db_query(db, sql, p, ARRAY_LEN(p), &r);
		(void)db_causal(db, 0);
	}
	if (rc == DB_OK && r.nrows > 0) {
		*subject_id = db_i64(&r, 0, 0);
		*last_seen = db_i64(&r, 0, 1);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_session_touch(struct db *db, const char *id_hash, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_STR(id_hash) };

	return db_exec(db, "UPDATE sessions SET last_seen_at = ?"
	    " WHERE id_hash = ?", p, 2, NULL, NULL);
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
