/* A portal login is valid only while its email equals the account's
 * primary email: a change of that email ends it. */
#ifndef PORTAL_EMAIL_H
#define PORTAL_EMAIL_H

#include <stdint.h>

struct db;
struct actor;

/* The account's primary email changed (call inside the transaction that
 * changed it): the password and every unused link are dropped, portal
 * sessions ended. Returns a db_status. */
int	 portal_email_changed(struct db *, const struct actor *, int64_t account_id);

#endif
