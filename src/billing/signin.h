/* A signed-in request in one statement (issue 12): the session from its
 * cookie (absolute expiry and idle timeout checked in the query, last_seen
 * touched at most once a minute) read together with the staff user, or the
 * portal account whose login is active, and the branding row the page's
 * layout shows. Nothing is cached: a logout, a password change, a disabled
 * user or a branding change shows on the next request. */
#ifndef SIGNIN_H
#define SIGNIN_H

#include <stdint.h>

struct db;
struct user;
struct account;
struct branding;

/* 1 with *u and *b when token is a live staff session (u may be disabled:
 * the caller refuses it), 0 when not, -1 when the database failed. */
int	 signin_staff(struct db *, const char *token, int64_t idle,
	    struct user *u, struct branding *b);
/* 1 with *a and *b when token is a live portal session of an account whose
 * portal login is active, 0 when not, -1 when the database failed. */
int	 signin_portal(struct db *, const char *token, int64_t idle,
	    struct account *a, struct branding *b);

#endif
