/* Internals shared by the portal store files (portal*.c); not an API. */
#ifndef PORTAL_INT_H
#define PORTAL_INT_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct config;

/* A db_tx() body's outcome: db statuses are <= 0, ours are the positive
 * enum portal_status values (db_tx rolls back and hands them through). */
int	 portal_status_of(int rc);

/* New random token (PORTAL_TOKEN_BYTES) and its SHA-256 hex. 0 / -1. */
int	 portal_token_new(char token[], size_t tokensz, char hash[65]);
/* SHA-256 hex of a token given by a visitor; -1 when it cannot be one of
 * ours (wrong length or characters), so no query is made. */
int	 portal_token_hash(const char *token, char hash[65]);

#endif
