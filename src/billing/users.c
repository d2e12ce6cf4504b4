#include "common.h"

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "str.h"
#include "users.h"

#define USER_COLS "id, email, name, role, disabled_at IS NOT NULL, created_at," \
	" COALESCE(last_login_at, 0)"

static void
user_from_row(const struct db_result *r, size_t row, struct user *u)
{
	u->id = db_i64(r, row, 0);
	str_copy(u->email, sizeof(u->email), db_str(r, row, 1));
	str_copy(u->name, sizeof(u->name), db_str(r, row, 2));
	str_copy(u->role, sizeof(u->role), db_str(r, row, 3));
	u->disabled = db_i64(r, row, 4) != 0;
	u->created_at = db_i64(r, row, 5);
	u->last_login_at = db_i64(r, row, 6);
}

struct create_args {
	const struct actor	*actor;
	const char		*email, *name, *role, *hash;
	int64_t			 id;
};

static int
create_tx(struct db *db, void *arg)
{
	struct create_args *a = arg;
	struct db_param p[] = { DB_STR(a->email), DB_STR(a->name),
	    DB_STR(a->role), DB_STR(a->hash), DB_I64(clock_now()) };
	uint64_t id = 0;
	char detail[600];
	int rc;

	rc = db_exec(db, "INSERT INTO users (email, name, role, password_hash,"
	    " created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, &id);
	if (rc != DB_OK)
		return rc;
	a->id = (int64_t)id;
	str_fmt(detail, sizeof(detail), "email=%s role=%s", a->email, a->role);
	return audit_record(db, a->actor, "user.create", "user", a->id, detail);
}

int
user_create(struct db *db, const struct actor *actor, const char *email,
    const char *name, const char *role, const char *password, int64_t *id_out)
{
	char hash[CRYPTO_PWHASH_MAX];
	struct create_args a = { actor, email, name, role, hash, 0 };
	int rc;

	if (strlen(password) < USER_PASSWORD_MIN)
		return USER_WEAK_PASSWORD;
	if (crypto_password_hash(password, hash) == -1)
		return USER_DB;
	rc = db_tx(db, create_tx, &a);
	if (rc == DB_DUP)
		return USER_EXISTS;
	if (rc != DB_OK)
		return USER_DB;
	if (id_out)
		*id_out = a.id;
	return USER_OK;
}

int
user_get(struct db *db, int64_t id, struct user *u)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " USER_COLS " FROM users WHERE id = ?",
	    p, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		user_from_row(&r, 0, u);
	else if (rc == DB_OK)
		rc = USER_NOT_FOUND;
	else
		rc = USER_DB;
	db_result_free(&r);
	return rc;
}

int
user_get_by_email(struct db *db, const char *email, struct user *u,
    char *hash, size_t hashsz)
{
	struct db_param p[] = { DB_STR(email) };
	struct db_result r;
	int rc = db_query(db, "SELECT " USER_COLS ", password_hash FROM users"
	    " WHERE email = ?", p, 1, &r);

	if (rc == DB_OK && r.nrows == 1) {
		user_from_row(&r, 0, u);
		if (hash)
			str_copy(hash, hashsz, db_str(&r, 0, 7));
	} else if (rc == DB_OK)
		rc = USER_NOT_FOUND;
	else
		rc = USER_DB;
	db_result_free(&r);
	return rc;
}

int
user_authenticate(struct db *db, const char *email, const char *password,
    struct user *u)
{
	/* A valid hash of a random password: unknown emails cost the same
	 * argon2 time as known ones, so timing tells nothing. */
	static char dummy[CRYPTO_PWHASH_MAX];
	char hash[CRYPTO_PWHASH_MAX];
	int rc, ok;

	if (dummy[0] == '\0') {
		char pw[48];
		crypto_token(pw, sizeof(pw), 24);
		crypto_password_hash(pw, dummy);
	}
	rc = user_get_by_email(db, email, u, hash, sizeof(hash));
	if (rc == USER_DB)
		return USER_DB;
	ok = crypto_password_verify(rc == USER_OK ? hash : dummy, password);
	if (rc != USER_OK || !ok || u->disabled)
		return USER_NOT_FOUND;
	{
		struct db_param p[] = { DB_I64(clock_now()), DB_I64(u->id) };
		if (db_exec(db, "UPDATE users SET last_login_at = ? WHERE id = ?",
		    p, 2, NULL, NULL) != DB_OK)
			return USER_DB;
	}
	return USER_OK;
}

struct disable_args {
	const struct actor	*actor;
	const char		*email;
	int			 found;
};

static int
disable_tx(struct db *db, void *arg)
{
	struct disable_args *a = arg;
	struct db_param p[] = { DB_I64(clock_now()), DB_STR(a->email) };
	struct db_param q[] = { DB_STR(a->email) };
	struct db_result r;
	uint64_t n = 0;
	int64_t id;
	int rc;

	rc = db_exec(db, "UPDATE users SET disabled_at = ? WHERE email = ?"
	    " AND disabled_at IS NULL", p, 2, &n, NULL);
	if (rc != DB_OK || n == 0)
		return rc;
	a->found = 1;
	if ((rc = db_query(db, "SELECT id FROM users WHERE email = ?", q, 1, &r))
	    != DB_OK) {
		db_result_free(&r);
		return rc;
	}
	id = db_i64(&r, 0, 0);
	db_result_free(&r);
	{
		struct db_param s[] = { DB_I64(id) };
		rc = db_exec(db, "DELETE FROM sessions WHERE kind = 'staff'"
		    " AND subject_id = ?", s, 1, NULL, NULL);
	}
	if (rc != DB_OK)
		return rc;
	return audit_record(db, a->actor, "user.disable", "user", id, a->email);
}

int
user_disable(struct db *db, const struct actor *actor, const char *email)
{
	struct disable_args a = { actor, email, 0 };

	if (db_tx(db, disable_tx, &a) != DB_OK)
		return USER_DB;
	return a.found ? USER_OK : USER_NOT_FOUND;
}

int
user_list(struct db *db, struct user **out, size_t *n)
{
	struct db_result r;
	int rc = db_query(db, "SELECT " USER_COLS " FROM users ORDER BY email",
	    NULL, 0, &r);

	*out = NULL;
	*n = 0;
	if (rc != DB_OK) {
		db_result_free(&r);
		return USER_DB;
	}
	if (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL) {
		db_result_free(&r);
		return USER_DB;
	}
	for (size_t i = 0; i < r.nrows; i++)
		user_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	db_result_free(&r);
	return USER_OK;
}
