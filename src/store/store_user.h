/* Staff users table. Functions return a db_status (0 is DB_OK; DB_DUP for
 * an email taken) unless said otherwise. */
#ifndef STORE_USER_H
#define STORE_USER_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_user {
	int64_t	 id;
	char	 email[256];
	char	 name[256];
	char	 role[16];
	int	 disabled;
	int64_t	 created_at;
	int64_t	 last_login_at;	/* 0: never */
};

int	 store_user_insert(struct db *, const char *email, const char *name,
	    const char *role, const char *password_hash, int64_t now,
	    int64_t *id);
/* 1 and *u when found, 0 when not, or a negative db_status. */
int	 store_user_get(struct db *, int64_t id, struct store_user *u);
/* The same by email; hash (when not NULL) gets the password hash. */
int	 store_user_get_by_email(struct db *, const char *email,
	    struct store_user *u, char *hash, size_t hashsz);
int	 store_user_set_login(struct db *, int64_t id, int64_t now);
/* Disables the enabled user of that email: 1 and *id when one was, 0 when
 * none (unknown or already disabled), or a negative db_status. */
int	 store_user_disable(struct db *, const char *email, int64_t now,
	    int64_t *id);
/* Every user ordered by email into a malloc'd array (caller frees). */
int	 store_user_list(struct db *, struct store_user **out, size_t *n);

#endif
