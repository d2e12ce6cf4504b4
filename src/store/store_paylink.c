/* Pay links and their lookups (see store_paylink.h). */
#include "common.h"

#include "db.h"
#include "store_paylink.h"

#define LINK_COLS "l.id, l.invoice_id, i.account_id, l.created_at, l.expires_at," \
	" COALESCE(l.revoked_at, 0), COALESCE(l.last_used_at, 0)"

/* 1/0: the link of a query of one row (or none). */
static int
link_query(struct db *db, const char *sql, const struct db_param *p, size_t n,
    struct store_paylink *l)
{
	struct db_result r;
	int rc;

	rc = db_query(db, sql, p, n, &r);
	if (rc == DB_OK && r.nrows == 1) {
		l->id = db_i64(&r, 0, 0);
		l->invoice_id = db_i64(&r, 0, 1);
		l->account_id = db_i64(&r, 0, 2);
		l->created_at = db_i64(&r, 0, 3);
		l->expires_at = db_i64(&r, 0, 4);
		l->revoked_at = db_i64(&r, 0, 5);
		l->last_used_at = db_i64(&r, 0, 6);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_paylink_current(struct db *db, int64_t invoice_id, int64_t now,
    struct store_paylink *l)
{
	struct db_param p[] = { DB_I64(invoice_id), DB_I64(now) };

	return link_query(db, "SELECT " LINK_COLS " FROM pay_links l"
	    " JOIN invoices i ON i.id = l.invoice_id WHERE l.invoice_id = ?"
	    " AND l.revoked_at IS NULL AND l.expires_at > ?"
	    " ORDER BY l.id DESC LIMIT 1", p, 2, l);
}

int
store_paylink_find(struct db *db, const char *token_hash, int64_t now,
    struct store_paylink *l)
{
	struct db_param p[] = { DB_STR(token_hash), DB_I64(now) };

	return link_query(db, "SELECT " LINK_COLS " FROM pay_links l"
	    " JOIN invoices i ON i.id = l.invoice_id WHERE l.token_hash = ?"
	    " AND l.revoked_at IS NULL AND l.expires_at > ?", p, 2, l);
}

int
store_paylink_insert(struct db *db, int64_t invoice_id, const char *token_hash,
    int64_t now, int64_t expires_at, int64_t by)
{
	struct db_param p[] = { DB_I64(invoice_id), DB_STR(token_hash),
	    DB_I64(now), DB_I64(expires_at), by > 0 ? DB_I64(by) : DB_NULL };

	return db_exec(db, "INSERT INTO pay_links (invoice_id, token_hash,"
	    " created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_paylink_revoke(struct db *db, int64_t invoice_id, int64_t by,
    int64_t now, uint64_t *count)
{
	struct db_param p[] = { DB_I64(now), by > 0 ? DB_I64(by) : DB_NULL,
	    DB_I64(invoice_id), DB_I64(now) };

	return db_exec(db, "UPDATE pay_links SET revoked_at = ?, revoked_by = ?"
	    " WHERE invoice_id = ? AND revoked_at IS NULL AND expires_at > ?",
	    p, ARRAY_LEN(p), count, NULL);
}

int
store_paylink_touch(struct db *db, int64_t id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE pay_links SET last_used_at = ? WHERE id = ?",
	    p, 2, NULL, NULL);
}

int
store_paylink_hits(struct db *db, const char *ip, int64_t since, int64_t *hits,
    int64_t *fails)
{
	struct db_param p[] = { DB_STR(ip), DB_I64(since) };
	struct db_result r;
	int rc;

	*hits = *fails = 0;
	rc = db_query(db, "SELECT COUNT(*), COALESCE(SUM(ok = 0), 0) FROM"
	    " pay_link_hits WHERE ip = ? AND created_at > ?", p, 2, &r);
	if (rc == DB_OK) {
		*hits = db_i64(&r, 0, 0);
		*fails = db_i64(&r, 0, 1);
	}
	db_result_free(&r);
	return rc;
}

int
store_paylink_hit(struct db *db, const char *ip, int ok, int64_t now)
{
	struct db_param p[] = { DB_STR(ip), DB_I64(ok ? 1 : 0), DB_I64(now) };

	return db_exec(db, "INSERT INTO pay_link_hits (ip, ok, created_at)"
	    " VALUES (?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_paylink_hits_forget(struct db *db, int64_t before)
{
	struct db_param q[] = { DB_I64(before) };

	return db_exec(db, "DELETE FROM pay_link_hits WHERE created_at < ?"
	    " LIMIT 100", q, 1, NULL, NULL);
}
