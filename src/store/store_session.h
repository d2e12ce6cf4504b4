/* Sessions table: rows keyed by the SHA-256 (hex) of the session token.
 * The token itself never reaches the store. Every function returns a
 * db_status (0 is DB_OK) unless said otherwise. */
#ifndef STORE_SESSION_H
#define STORE_SESSION_H

#include <stdint.h>

#include "store_branding.h"
#include "store_profile.h"
#include "store_user.h"

struct db;

/* Sessions touch last_seen at most this often (saves a write per request). */
#define STORE_SESSION_TOUCH_EVERY	60

struct store_session {
	const char	*id_hash;	/* hex SHA-256 of the token */
	const char	*kind;		/* "staff" or "portal" */
	int64_t		 subject_id;
	int64_t		 created_at;
	int64_t		 expires_at;
	const char	*ip;
	const char	*user_agent;	/* cut to the column by the caller */
};

int	 store_session_insert(struct db *, const struct store_session *);
/* Touches the session when last_seen is STORE_SESSION_TOUCH_EVERY or more
 * before now; a no-op (no statement) otherwise. */
int	 store_session_seen(struct db *, const char *id_hash, int64_t now,
	    int64_t last_seen);

/* A signed-in request in one statement: the live session (as
 * store_session_find) with what every page of it needs. */
struct store_session_staff {
	int64_t			 last_seen;
	struct store_user	 user;		/* the session's user, even disabled */
	struct store_branding	 brand;		/* zeroes when the row is missing */
};
struct store_session_portal {
	int64_t			 last_seen;
	struct store_account	 acct;		/* an account whose portal login is
						 * active (password set, same email) */
	struct store_branding	 brand;
};
/* 1 and *out when a session of this kind exists, expires after now and
 * was seen after idle_since; 0 when no such session (or no such user / active login),
 * or a negative db_status. */
int	 store_session_staff(struct db *, const char *id_hash, int64_t now,
	    int64_t idle_since, struct store_session_staff *out);
int	 store_session_portal(struct db *, const char *id_hash, int64_t now,
	    int64_t idle_since, struct store_session_portal *out);
int	 store_session_delete(struct db *, const char *id_hash);
/* Every session of a subject (password change, disabled user, reset). */
int	 store_session_delete_subject(struct db *, const char *kind,
	    int64_t subject_id);

#endif
