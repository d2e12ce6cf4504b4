/* Sessions (staff and portal) stored in MariaDB by the SHA-256 of their id
 * (rows in src/store/store_session.c, attempts in store_throttle.c),
 * CSRF tokens derived from the session, and login throttling that holds
 * across workers and hosts (counters live in MariaDB). */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct config;

#define SESSION_TOKEN_MAX	64
#define CSRF_TOKEN_MAX		80

/* Creates a session; token gets the cookie value (43 chars of base64url).
 * Returns a db_status. */
int	 session_create(struct db *, const char *kind, int64_t subject_id,
	    int64_t absolute_ttl, const char *ip, const char *ua,
	    char token[SESSION_TOKEN_MAX]);
/* Reading a session back (with its user or portal account, one statement)
 * is signin_staff() / signin_portal() in src/billing/signin.h. */
int	 session_destroy(struct db *, const char *token);

/* HMAC(secret, purpose ":" binding) as hex: bound to a session token (or to
 * the pre-login cookie), so it needs no storage and dies with the session. */
void	 csrf_token(const char *secret, const char *purpose, const char *binding,
	    char out[CSRF_TOKEN_MAX]);
int	 csrf_valid(const char *secret, const char *purpose, const char *binding,
	    const char *given);

/* 0: allowed; 1: throttled (*retry_after seconds until allowed);
 * negative db_status on error. Counts failures in the window after the
 * account's last success (per account) and per IP. */
int	 throttle_check(struct db *, const struct config *, const char *kind,
	    const char *email, const char *ip, int64_t *retry_after);
int	 throttle_record(struct db *, const char *kind, const char *email,
	    const char *ip, int success);

#endif
