/* Key/value list: an ordered list of owned string pairs (form fields,
 * query parameters, cookies, Stripe form parameters). Keys may repeat. */
#ifndef KV_H
#define KV_H

#include <stddef.h>

struct kv {
	char	*key;
	char	*val;
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
	size_t		 cap;
};

void	 kvlist_init(struct kvlist *);
void	 kvlist_free(struct kvlist *);
/* Appends copies of key and val. 0, or -1 on ENOMEM. */
int	 kvlist_add(struct kvlist *, const char *key, const char *val);
/* Appends key and val, taking ownership of both (freed on failure, and a
 * NULL key or val is a failure). 0 or -1. */
int	 kvlist_push(struct kvlist *, char *key, char *val);
/* Drops entries from index n on (undoes a failed parse). */
void	 kvlist_truncate(struct kvlist *, size_t n);
/* First value for key, or NULL. */
const char *kvlist_get(const struct kvlist *, const char *key);
size_t	 kvlist_count(const struct kvlist *, const char *key);

#endif
