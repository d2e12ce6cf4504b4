/* Staff users: passwords, sign-in, disabling (rows in store_user.c). */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "store_session.h"
#include "store_user.h"
#include "billing_conv.h"
#include "str.h"
#include "users.h"

void
user_from_store(const struct store_user *s, struct user *u)
{
	u->id = s->id;
	str_copy(u->email, sizeof(u->email), s->email);
	str_copy(u->name, sizeof(u->name), s->name);
	str_copy(u->role, sizeof(u->role), s->role);
	u->disabled = s->disabled;
	u->created_at = s->created_at;
	u->last_login_at = s->last_login_at;
}

/* A store answer (1 found, 0 not, < 0 error) as a user_status. */
static int
user_found(int rc, const struct store_user *s, struct user *u)
{
	if (rc < 0)
		return USER_DB;
	if (rc == 0)
		return USER_NOT_FOUND;
	user_from_store(s, u);
	return USER_OK;
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
	char detail[600];
	int rc;

	rc = store_user_insert(db, a->email, a->name, a->role, a->hash,
	    clock_now(), &a->id);
	if (rc != DB_OK)
		return rc;
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
	struct store_user s;

	return user_found(store_user_get(db, id, &s), &s, u);
}

int
user_get_by_email(struct db *db, const char *email, struct user *u,
    char *hash, size_t hashsz)
{
	struct store_user s;

	return user_found(store_user_get_by_email(db, email, &s, hash, hashsz),
	    &s, u);
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
	if (store_user_set_login(db, u->id, clock_now()) != DB_OK)
		return USER_DB;
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
	int64_t id = 0;
	int rc;

	rc = store_user_disable(db, a->email, clock_now(), &id);
	if (rc <= 0)
		return rc;
	a->found = 1;
	/* A disabled user is signed out everywhere. */
	if ((rc = store_session_delete_subject(db, "staff", id)) != DB_OK)
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
	struct store_user *s = NULL;
	size_t ns = 0;

	*out = NULL;
	*n = 0;
	if (store_user_list(db, &s, &ns) != DB_OK)
		return USER_DB;
	if (ns > 0 && (*out = calloc(ns, sizeof(**out))) == NULL) {
		free(s);
		return USER_DB;
	}
	for (size_t i = 0; i < ns; i++)
		user_from_store(&s[i], &(*out)[i]);
	*n = ns;
	free(s);
	return USER_OK;
}
