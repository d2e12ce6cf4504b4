#include "common.h"

#include "apikey_admin.h"
#include "db.h"
#include "str.h"

int
apikey_list(struct db *db, struct api_key_info **out, size_t *n)
{
	struct db_result r;
	struct api_key_info *v = NULL;

	*out = NULL;
	*n = 0;
	if (db_query(db, "SELECT id, name, role, prefix, created_at,"
	    " COALESCE(last_used_at, 0), COALESCE(revoked_at, 0)"
	    " FROM api_keys ORDER BY id", NULL, 0, &r) != DB_OK)
		goto fail;
	if (r.nrows > 0 && (v = calloc(r.nrows, sizeof(*v))) == NULL)
		goto fail;
	for (size_t i = 0; i < r.nrows; i++) {
		v[i].id = db_i64(&r, i, 0);
		str_copy(v[i].name, sizeof(v[i].name), db_str(&r, i, 1));
		str_copy(v[i].role, sizeof(v[i].role), db_str(&r, i, 2));
		str_copy(v[i].prefix, sizeof(v[i].prefix), db_str(&r, i, 3));
		v[i].created_at = db_i64(&r, i, 4);
		v[i].last_used_at = db_i64(&r, i, 5);
		v[i].revoked_at = db_i64(&r, i, 6);
	}
	*out = v;
	*n = r.nrows;
	db_result_free(&r);
	return 0;
fail:
	db_result_free(&r);
	return -1;
}
