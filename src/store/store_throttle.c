/* Login attempts table (see store_throttle.h). */
#include "common.h"

#include "db.h"
#include "store_throttle.h"

/* Runs a COUNT(*), MIN(created_at) query. */
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
store_throttle_failures_email(struct db *db, const char *kind,
    const char *email, int64_t since, int64_t *count, int64_t *oldest)
{
	struct db_param p[] = { DB_STR(kind), DB_STR(email), DB_I64(since),
	    DB_STR(kind), DB_STR(email), DB_I64(since) };

	return count_failures(db, "SELECT COUNT(*), COALESCE(MIN(created_at), 0)"
	    " FROM login_attempts WHERE kind = ? AND email = ? AND success = 0"
	    " AND created_at > GREATEST(?, COALESCE((SELECT MAX(created_at)"
	    " FROM login_attempts WHERE kind = ? AND email = ? AND success = 1"
	    " AND created_at > ?), 0))", p, ARRAY_LEN(p), count, oldest);
}

int
store_throttle_failures_ip(struct db *db, const char *ip, int64_t since,
    int64_t *count, int64_t *oldest)
{
	struct db_param p[] = { DB_STR(ip), DB_I64(since) };

	return count_failures(db, "SELECT COUNT(*), COALESCE(MIN(created_at), 0)"
	    " FROM login_attempts WHERE ip = ? AND success = 0"
	    " AND created_at > ?", p, ARRAY_LEN(p), count, oldest);
}

int
store_throttle_record(struct db *db, const char *kind, const char *email,
    const char *ip, int success, int64_t now)
{
	struct db_param p[] = { DB_STR(kind), DB_STR(email), DB_STR(ip),
	    DB_I64(success ? 1 : 0), DB_I64(now) };

	return db_exec(db, "INSERT INTO login_attempts (kind, email, ip, success,"
	    " created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}
