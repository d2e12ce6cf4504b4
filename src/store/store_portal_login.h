/* Portal logins and their activation/reset tokens (portal_logins,
 * portal_tokens). Functions return a db_status (0 is DB_OK) unless said
 * otherwise; a "1/0" function returns 1 when found, 0 when not, or a
 * negative db_status. A login counts only while its email is the
 * account's (the joins below say so). */
#ifndef STORE_PORTAL_LOGIN_H
#define STORE_PORTAL_LOGIN_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* Drops the password and activation of the account's login; *had is 1 when
 * it had a password (was active), else 0. */
int	 store_portal_login_clear_password(struct db *, int64_t account_id,
	    int64_t now, int *had);
/* Supersedes every unused, not yet superseded token of the account. */
int	 store_portal_login_supersede_tokens(struct db *, int64_t account_id,
	    int64_t now);

/* What staff see of an account's login (1/0: 0 when no such account). */
struct store_portal_login {
	int64_t	 account_id;
	char	 email[255];		/* the account's primary email */
	int	 active;		/* password set, email still matches */
	int64_t	 activated_at;		/* 0 = none */
	int64_t	 last_login_at;
	int64_t	 link_sent_at;		/* newest usable activation link, 0 = none */
	int64_t	 link_expires_at;
};
int	 store_portal_login_get(struct db *, int64_t account_id, int64_t now,
	    struct store_portal_login *);
/* Supersedes the unused links of one purpose ("activate" | "reset"). */
int	 store_portal_login_supersede_purpose(struct db *, int64_t account_id,
	    const char *purpose, int64_t now);
/* created_by <= 0: none. */
int	 store_portal_login_token_insert(struct db *, int64_t account_id,
	    const char *purpose, const char *token_hash, const char *email,
	    int64_t now, int64_t expires_at, int64_t created_by);
/* 1/0: the usable link (unused, not superseded, not expired at now, sent
 * to the account's current email) of the hash; lock: FOR UPDATE. */
int	 store_portal_login_token_find(struct db *, const char *token_hash,
	    const char *purpose, int64_t now, int lock, int64_t *id,
	    int64_t *account_id);
int	 store_portal_login_token_use(struct db *, int64_t token_id, int64_t now);
/* Sets the password (activating the login unless it is active). */
int	 store_portal_login_set_password(struct db *, int64_t account_id,
	    const char *email, const char *password_hash, int64_t now);
/* 1/0, locked: the account of email with an active login and no reset
 * link created after since. */
int	 store_portal_login_reset_due(struct db *, const char *email,
	    int64_t since, int64_t *account_id);
/* 1/0: the account and password hash of email's active login. */
int	 store_portal_login_password(struct db *, const char *email,
	    int64_t *account_id, char *hash, size_t hashsz);
int	 store_portal_login_touch(struct db *, int64_t account_id, int64_t now);

#endif
