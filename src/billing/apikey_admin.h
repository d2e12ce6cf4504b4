/* Listing API keys for administration (billingctl apikey list). The key
 * itself is never readable again: only its prefix is shown. */
#ifndef APIKEY_ADMIN_H
#define APIKEY_ADMIN_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct api_key_info {
	int64_t	 id;
	char	 name[101];
	char	 role[16];
	char	 prefix[17];
	int64_t	 created_at;
	int64_t	 last_used_at;	/* 0 = never */
	int64_t	 revoked_at;	/* 0 = live */
};

/* Every key, oldest first. Caller frees *out. 0 / -1. */
int	 apikey_list(struct db *, struct api_key_info **out, size_t *n);

#endif
