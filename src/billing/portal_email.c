/* The end of a portal login when its account's primary email changes
 * (see portal_email.h). Apart from portal.c so that the accounts code
 * (profiles.c), which portal.c uses, does not call back into portal.c. */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "portal_email.h"
#include "store_portal_login.h"
#include "store_session.h"

int
portal_email_changed(struct db *db, const struct actor *actor, int64_t account_id)
{
	int64_t now = clock_now();
	int had = 0, rc;

	rc = store_portal_login_clear_password(db, account_id, now, &had);
	if (rc == DB_OK)
		rc = store_portal_login_supersede_tokens(db, account_id, now);
	if (rc == DB_OK)
		rc = store_session_delete_subject(db, "portal", account_id);
	if (rc == DB_OK && had)
		rc = audit_record(db, actor, "portal.deactivated", "account",
		    account_id, "primary email changed: new activation needed");
	return rc;
}
