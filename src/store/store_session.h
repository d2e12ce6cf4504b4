/* Sessions table: rows keyed by the SHA-256 (hex) of the session token.
 * The token itself never reaches the store. Every function returns a
 * db_status (0 is DB_OK) unless said otherwise. */
#ifndef STORE_SESSION_H
#define STORE_SESSION_H

#include <stdint.h>

struct db;

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
/* 1 with *subject_id and *last_seen when a session of this kind exists,
 * expires after now and was seen after idle_since; 0 when not; a negative
 * db_status on error. */
int	 store_session_find(struct db *, const char *id_hash, const char *kind,
	    int64_t now, int64_t idle_since, int64_t *subject_id,
	    int64_t *last_seen);
int	 store_session_touch(struct db *, const char *id_hash, int64_t now);
int	 store_session_delete(struct db *, const char *id_hash);
/* Every session of a subject (password change, disabled user, reset). */
int	 store_session_delete_subject(struct db *, const char *kind,
	    int64_t subject_id);

#endif
