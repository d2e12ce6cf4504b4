/* The service's database as the request-serving processes see it: opened
 * once per worker, made ready before a request that needs it, pinged by
 * /healthz. Web handlers reach the database only through billing; this is
 * the part of that which is about the connection itself, not about data.
 * Returns 0 on success, -1 when the database cannot be reached. */
#ifndef SERVICE_H
#define SERVICE_H

#include <stddef.h>

struct config;
struct db;

/* Does not connect yet; NULL only on ENOMEM. service_close() it. */
struct db	*service_open(const struct config *);
void		 service_close(struct db *);
/* Connects (to the next of db_hosts when the node in use is lost). */
int		 service_ready(struct db *);
/* A round trip to the server; node gets the node in use ("host:port" or
 * the socket path). */
int		 service_health(struct db *, char *node, size_t nodesz);
/* The last database error, for logs. */
const char	*service_error(struct db *);

#endif
