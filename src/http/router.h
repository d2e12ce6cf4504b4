/* Method + path pattern matching. Patterns are literal segments and
 * ":name" parameters, e.g. "/clients/:id/invoices". A last segment of "*"
 * ("/static/" followed by "*") matches the rest of the path as parameter "*". */
#ifndef ROUTER_H
#define ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS	4
#define ROUTER_MAX_PATH		1024

struct route_pattern {
	const char	*method;	/* "GET", "POST", ... */
	const char	*pattern;
};

struct route_param {
	const char	*name;		/* points into the pattern (not NUL-terminated at ':' end) */
	size_t		 namelen;
	char		*value;		/* percent-decoded, malloc'd */
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_METHOD_NOT_ALLOWED,
	ROUTE_BAD_PATH,		/* bad percent-encoding, too long, ".." segment */
};

struct route_match {
	size_t			 index;		/* into the table (ROUTE_FOUND) */
	size_t			 nparams;
	struct route_param	 params[ROUTER_MAX_PARAMS];
	char			 allow[64];	/* "GET, POST" for 405 */
};

/* table: array of n elements of `stride` bytes, each starting with a
 * struct route_pattern (so callers embed it first in their own route struct).
 * HEAD matches GET routes. path excludes the query string. */
enum route_result router_match(const void *table, size_t n, size_t stride,
	    const char *method, const char *path, struct route_match *);
/* Parameter value by name, or NULL. */
const char *route_param(const struct route_match *, const char *name);
void	 route_match_free(struct route_match *);

#endif
