/* Staff users: store and rules. */
#ifndef USERS_H
#define USERS_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;

struct user {
	int64_t	 id;
	char	 email[256];
	char	 name[256];
	char	 role[16];	/* "admin" | "billing" | "frontdesk" */
	int	 disabled;
	int64_t	 created_at;
	int64_t	 last_login_at;
};

enum user_status {
	USER_OK = 0,
	USER_EXISTS = 1,	/* email taken */
	USER_NOT_FOUND = 2,
	USER_WEAK_PASSWORD = 3,
	USER_DB = -1,		/* database error (see db_error) */
};

#define USER_PASSWORD_MIN	12

/* Validates password length, hashes it (argon2id), inserts, audits. */
int	 user_create(struct db *, const struct actor *, const char *email,
	    const char *name, const char *role, const char *password,
	    int64_t *id_out);
/* Fetches by id / by email (case-insensitive). */
int	 user_get(struct db *, int64_t id, struct user *);
int	 user_get_by_email(struct db *, const char *email, struct user *,
	    char *hash, size_t hashsz);
/* Checks the password of an enabled user: USER_OK with *u filled, or
 * USER_NOT_FOUND (unknown, disabled or wrong password: one answer for all,
 * and the same argon2 cost either way). */
int	 user_authenticate(struct db *, const char *email, const char *password,
	    struct user *);
int	 user_disable(struct db *, const struct actor *, const char *email);
/* Lists users ordered by email into a malloc'd array (caller frees). */
int	 user_list(struct db *, struct user **, size_t *n);

#endif
