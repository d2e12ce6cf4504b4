/* Portal logins and tokens (see store_portal_login.h). */
#include "common.h"

#include "db.h"
#include "store_portal_login.h"

int
store_portal_login_clear_password(struct db *db, int64_t account_id,
    int64_t now, int *had)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "UPDATE portal_logins SET password_hash = NULL,"
	    " activated_at = NULL, updated_at = ? WHERE account_id = ?"
	    " AND password_hash IS NOT NULL", p, 2, &n, NULL);
	*had = n > 0;
	return rc;
}

int
store_portal_login_supersede_tokens(struct db *db, int64_t account_id,
    int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };

	return db_exec(db, "UPDATE portal_tokens SET superseded_at = ?"
	    " WHERE account_id = ? AND used_at IS NULL"
	    " AND superseded_at IS NULL", p, 2, NULL, NULL);
}
