/* Staff users table (see store_user.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"
#include "store_user.h"
#include "str.h"

#define USER_COLS "id, email, name, role, disabled_at IS NOT NULL, created_at," \
	" COALESCE(last_login_at, 0)"

void
store_user_from_row(const struct db_result *r, size_t row, void *elem)
{
	struct store_user *u = elem;

	u->id = db_i64(r, row, 0);
	str_copy(u->email, sizeof(u->email), db_str(r, row, 1));
	str_copy(u->name, sizeof(u->name), db_str(r, row, 2));
	str_copy(u->role, sizeof(u->role), db_str(r, row, 3));
	u->disabled = db_i64(r, row, 4) != 0;
	u->created_at = db_i64(r, row, 5);
	u->last_login_at = db_i64(r, row, 6);
}

int
store_user_insert(struct db *db, const char *email, const char *name,
    const char *role, const char *password_hash, int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_STR(email), DB_STR(name), DB_STR(role),
	    DB_STR(password_hash), DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO users (email, name, role, password_hash,"
	    " created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

/* One user row by a query with one parameter; column 7 is the hash. */
static int
user_one(struct db *db, const char *sql, struct db_param p,
    struct store_user *u, char *hash, size_t hashsz)
{
	struct db_result r;
	int rc = db_query(db, sql, &p, 1, &r);

	if (rc == DB_OK && r.nrows == 1) {
		store_user_from_row(&r, 0, u);
		if (hash != NULL)
			str_copy(hash, hashsz, db_str(&r, 0, 7));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_user_get(struct db *db, int64_t id, struct store_user *u)
{
	return user_one(db, "SELECT " USER_COLS " FROM users WHERE id = ?",
	    DB_I64(id), u, NULL, 0);
}

int
store_user_get_by_email(struct db *db, const char *email,
    struct store_user *u, char *hash, size_t hashsz)
{
	return user_one(db, "SELECT " USER_COLS ", password_hash FROM users"
	    " WHERE email = ?", DB_STR(email), u, hash, hashsz);
}

int
store_user_set_login(struct db *db, int64_t id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE users SET last_login_at = ? WHERE id = ?",
	    p, 2, NULL, NULL);
}

int
store_user_disable(struct db *db, const char *email, int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_I64(now), DB_STR(email) };
	struct db_param q[] = { DB_STR(email) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "UPDATE users SET disabled_at = ? WHERE email = ?"
	    " AND disabled_at IS NULL", p, 2, &n, NULL);
	if (rc != DB_OK || n == 0)
		return rc;
	rc = db_query_i64(db, "SELECT id FROM users WHERE email = ?", q, 1, id);
	return rc == DB_OK ? 1 : rc;
}

int
store_user_list(struct db *db, struct store_user **out, size_t *n)
{
	struct db_result r;
	int rc = db_query(db, "SELECT " USER_COLS " FROM users ORDER BY email",
	    NULL, 0, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		store_user_from_row(&r, i, &(*out)[i]);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}
