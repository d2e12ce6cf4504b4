/* API keys table (see store_apikey.h). */
#include "common.h"

#include "db.h"
#include "store_apikey.h"
#include "str.h"

int
store_apikey_insert(struct db *db, const char *name, const char *role,
    const char *key_hash, const char *prefix, int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_STR(name), DB_STR(role), DB_STR(key_hash),
	    DB_STR(prefix), DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO api_keys (name, role, key_hash, prefix,"
	    " created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_apikey_find_live(struct db *db, const char *key_hash,
    struct store_apikey *k)
{
	struct db_param p[] = { DB_STR(key_hash) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT id, name, role, prefix, COALESCE(last_used_at, 0)"
	    " FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0) {
		memset(k, 0, sizeof(*k));
		k->id = db_i64(&r, 0, 0);
		str_copy(k->name, sizeof(k->name), db_str(&r, 0, 1));
		str_copy(k->role, sizeof(k->role), db_str(&r, 0, 2));
		str_copy(k->prefix, sizeof(k->prefix), db_str(&r, 0, 3));
		k->last_used_at = db_i64(&r, 0, 4);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_apikey_set_used(struct db *db, int64_t id, int64_t now,
    int64_t not_before)
{
	/* The condition makes concurrent requests write at most once. */
	struct db_param p[] = { DB_I64(now), DB_I64(id), DB_I64(not_before) };

	return db_exec(db, "UPDATE api_keys SET last_used_at = ? WHERE id = ?"
	    " AND (last_used_at IS NULL OR last_used_at <= ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_apikey_revoke(struct db *db, int64_t id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(id) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "UPDATE api_keys SET revoked_at = ? WHERE id = ?"
	    " AND revoked_at IS NULL", p, ARRAY_LEN(p), &n, NULL);
	return rc == DB_OK ? n > 0 : rc;
}

int
store_apikey_list(struct db *db, struct store_apikey **out, size_t *n)
{
	struct db_result r;
	struct store_apikey *v = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT id, name, role, prefix, created_at,"
	    " COALESCE(last_used_at, 0), COALESCE(revoked_at, 0)"
	    " FROM api_keys ORDER BY id", NULL, 0, &r);
	if (rc == DB_OK && r.nrows > 0 && (v = calloc(r.nrows, sizeof(*v))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		v[i].id = db_i64(&r, i, 0);
		str_copy(v[i].name, sizeof(v[i].name), db_str(&r, i, 1));
		str_copy(v[i].role, sizeof(v[i].role), db_str(&r, i, 2));
		str_copy(v[i].prefix, sizeof(v[i].prefix), db_str(&r, i, 3));
		v[i].created_at = db_i64(&r, i, 4);
		v[i].last_used_at = db_i64(&r, i, 5);
		v[i].revoked_at = db_i64(&r, i, 6);
	}
	if (rc == DB_OK) {
		*out = v;
		*n = r.nrows;
	}
	db_result_free(&r);
	return rc;
}
