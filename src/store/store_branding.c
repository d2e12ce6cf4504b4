/* The branding table (see store_branding.h). */
#include "common.h"

#include "db.h"
#include "store_branding.h"
#include "store_rows.h"
#include "str.h"

void
store_branding_from_row(const struct db_result *r, size_t row, size_t col,
    struct store_branding *b)
{
	str_copy(b->org_name, sizeof(b->org_name), db_str(r, row, col));
	str_copy(b->org_address, sizeof(b->org_address), db_str(r, row, col + 1));
	str_copy(b->accent, sizeof(b->accent), db_str(r, row, col + 2));
	str_copy(b->logo_sha, sizeof(b->logo_sha), db_str(r, row, col + 3));
	b->logo_w = (int)db_i64(r, row, col + 4);
	b->logo_h = (int)db_i64(r, row, col + 5);
}

int
store_branding_get(struct db *db, struct store_branding *b)
{
	struct db_result r;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = db_query(db, "SELECT " STORE_BRANDING_COLS " FROM branding b"
	    " WHERE b.id = 1", NULL, 0, &r);
	if (rc == DB_OK && r.nrows == 1) {
		store_branding_from_row(&r, 0, 0, b);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_branding_save_text(struct db *db, const char *name, const char *address,
    const char *accent)
{
	struct db_param p[] = { DB_STR(name), DB_STR(address), DB_STR(accent) };

	return db_exec(db, "INSERT INTO branding (id, org_name, org_address, accent) "
	    "VALUES (1, ?, ?, ?) ON DUPLICATE KEY UPDATE org_name = VALUES(org_name), "
	    "org_address = VALUES(org_address), accent = VALUES(accent), "
	    "updated_at = CURRENT_TIMESTAMP", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_branding_set_logo(struct db *db, const char *png_b64, const char *sha,
    int w, int h)
{
	struct db_param p[] = { DB_STR(png_b64), DB_STR(sha), DB_I64(w),
	    DB_I64(h) };

	return db_exec(db, "UPDATE branding SET logo_png_b64 = ?, logo_sha = ?, "
	    "logo_w = ?, logo_h = ?, updated_at = CURRENT_TIMESTAMP WHERE id = 1",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_branding_clear_logo(struct db *db)
{
	return db_exec(db, "UPDATE branding SET logo_png_b64 = NULL, logo_sha = '', "
	    "logo_w = 0, logo_h = 0, updated_at = CURRENT_TIMESTAMP WHERE id = 1",
	    NULL, 0, NULL, NULL);
}

int
store_branding_logo(struct db *db, const char *sha, char **png_b64)
{
	struct db_param p[] = { DB_STR(sha) };
	struct db_result r;
	int rc;

	*png_b64 = NULL;
	rc = db_query(db, "SELECT logo_png_b64 FROM branding WHERE id = 1 AND "
	    "logo_sha = ? AND logo_png_b64 IS NOT NULL", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows == 1)
		rc = (*png_b64 = str_dup(db_str(&r, 0, 0))) != NULL ? 1 : DB_ERR;
	db_result_free(&r);
	return rc;
}
