/* Portal logins and their activation/reset tokens (portal_logins,
 * portal_tokens). Functions return a db_status (0 is DB_OK). */
#ifndef STORE_PORTAL_LOGIN_H
#define STORE_PORTAL_LOGIN_H

#include <stdint.h>

struct db;

/* Drops the password and activation of the account's login; *had is 1 when
 * it had a password (was active), else 0. */
int	 store_portal_login_clear_password(struct db *, int64_t account_id,
	    int64_t now, int *had);
/* Supersedes every unused, not yet superseded token of the account. */
int	 store_portal_login_supersede_tokens(struct db *, int64_t account_id,
	    int64_t now);

#endif
