/* Listing API keys for administration (rows in store_apikey.c). */
#include "common.h"

#include "apikey_admin.h"
#include "db.h"
#include "store_apikey.h"
#include "str.h"

int
apikey_list(struct db *db, struct api_key_info **out, size_t *n)
{
	struct store_apikey *s = NULL;
	struct api_key_info *v = NULL;
	size_t ns = 0;

	*out = NULL;
	*n = 0;
	if (store_apikey_list(db, &s, &ns) != DB_OK)
		return -1;
	if (ns > 0 && (v = calloc(ns, sizeof(*v))) == NULL) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i < ns; i++) {
		v[i].id = s[i].id;
		str_copy(v[i].name, sizeof(v[i].name), s[i].name);
		str_copy(v[i].role, sizeof(v[i].role), s[i].role);
		str_copy(v[i].prefix, sizeof(v[i].prefix), s[i].prefix);
		v[i].created_at = s[i].created_at;
		v[i].last_used_at = s[i].last_used_at;
		v[i].revoked_at = s[i].revoked_at;
	}
	free(s);
	*out = v;
	*n = ns;
	return 0;
}
