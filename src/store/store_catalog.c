/* Locations, services, payment types (see store_catalog.h). */
#include "common.h"

#include "db.h"
#include "store_catalog.h"
#include "store_rows.h"
#include "str.h"

/* One row by id, read with from_row; 1, 0 (none) or < 0. */
static int
get_one(struct db *db, const char *sql, int64_t id,
    void (*from_row)(const struct db_result *, size_t, void *), void *out)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, sql, k, 1, &r);

	if (rc == DB_OK && r.nrows == 1) {
		from_row(&r, 0, out);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

/* Every row of sql (one parameter: active_only) as a calloc'd array of
 * elsz-byte elements filled by from_row. */
static int
list_all(struct db *db, const char *sql, int active_only, size_t elsz,
    void (*from_row)(const struct db_result *, size_t, void *), void **out,
    size_t *n)
{
	struct db_param k[] = { DB_I64(active_only ? 1 : 0) };
	int rc;

	*out = store_rows_query(db, sql, k, 1, elsz, from_row, n, &rc);
	return rc;
}

static int
insert_id(struct db *db, const char *sql, const struct db_param *p, size_t np,
    int64_t *id)
{
	uint64_t newid = 0;
	int rc = db_exec(db, sql, p, np, NULL, &newid);

	*id = (int64_t)newid;
	return rc;
}

/* --- locations ----------------------------------------------------------- */

#define LOC_SELECT "SELECT id, name, address, active FROM locations"

static void
location_from_row(const struct db_result *r, size_t i, void *p)
{
	struct store_location *l = p;

	l->id = db_i64(r, i, 0);
	str_copy(l->name, sizeof(l->name), db_str(r, i, 1));
	str_copy(l->address, sizeof(l->address), db_str(r, i, 2));
	l->active = db_i64(r, i, 3) != 0;
}

int
store_catalog_location_insert(struct db *db, const struct store_location *l,
    int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_STR(l->name), DB_STR(l->address),
	    DB_I64(l->active ? 1 : 0), DB_I64(now) };

	return insert_id(db, "INSERT INTO locations (name, address, active,"
	    " created_at) VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p), id);
}

int
store_catalog_location_update(struct db *db, const struct store_location *l)
{
	struct db_param p[] = { DB_STR(l->name), DB_STR(l->address),
	    DB_I64(l->active ? 1 : 0), DB_I64(l->id) };

	return db_exec(db, "UPDATE locations SET name = ?, address = ?, active = ?"
	    " WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_catalog_location_get(struct db *db, int64_t id, int lock,
    struct store_location *l)
{
	return get_one(db, lock ? LOC_SELECT " WHERE id = ? FOR UPDATE" :
	    LOC_SELECT " WHERE id = ?", id, location_from_row, l);
}

int
store_catalog_location_list(struct db *db, int active_only,
    struct store_location **out, size_t *n)
{
	void *a;
	int rc = list_all(db, LOC_SELECT " WHERE active = 1 OR ? = 0 ORDER BY name",
	    active_only, sizeof(**out), location_from_row, &a, n);

	*out = a;
	return rc;
}

/* --- services ------------------------------------------------------------ */

#define SVC_SELECT "SELECT id, code, name, default_rate, active FROM services"

static void
service_from_row(const struct db_result *r, size_t i, void *p)
{
	struct store_service *s = p;

	s->id = db_i64(r, i, 0);
	str_copy(s->code, sizeof(s->code), db_str(r, i, 1));
	str_copy(s->name, sizeof(s->name), db_str(r, i, 2));
	s->default_rate = db_i64(r, i, 3);
	s->active = db_i64(r, i, 4) != 0;
}

int
store_catalog_service_insert(struct db *db, const struct store_service *s,
    int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_STR(s->code), DB_STR(s->name),
	    DB_I64(s->default_rate), DB_I64(s->active ? 1 : 0), DB_I64(now) };

	return insert_id(db, "INSERT INTO services (code, name, default_rate,"
	    " active, created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), id);
}

int
store_catalog_service_update(struct db *db, const struct store_service *s)
{
	struct db_param p[] = { DB_STR(s->code), DB_STR(s->name),
	    DB_I64(s->default_rate), DB_I64(s->active ? 1 : 0), DB_I64(s->id) };

	return db_exec(db, "UPDATE services SET code = ?, name = ?, default_rate = ?,"
	    " active = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_catalog_service_get(struct db *db, int64_t id, int lock,
    struct store_service *s)
{
	return get_one(db, lock ? SVC_SELECT " WHERE id = ? FOR UPDATE" :
	    SVC_SELECT " WHERE id = ?", id, service_from_row, s);
}

int
store_catalog_service_list(struct db *db, int active_only,
    struct store_service **out, size_t *n)
{
	void *a;
	int rc = list_all(db, SVC_SELECT " WHERE active = 1 OR ? = 0 ORDER BY code",
	    active_only, sizeof(**out), service_from_row, &a, n);

	*out = a;
	return rc;
}

/* --- payment types ------------------------------------------------------- */

#define PT_SELECT "SELECT id, code, name, active, sort FROM payment_types"

static void
payment_type_from_row(const struct db_result *r, size_t i, void *p)
{
	struct store_payment_type *t = p;

	t->id = db_i64(r, i, 0);
	str_copy(t->code, sizeof(t->code), db_str(r, i, 1));
	str_copy(t->name, sizeof(t->name), db_str(r, i, 2));
	t->active = db_i64(r, i, 3) != 0;
	t->sort = (int)db_i64(r, i, 4);
}

int
store_catalog_payment_type_insert(struct db *db,
    const struct store_payment_type *t, int64_t *id)
{
	struct db_param p[] = { DB_STR(t->code), DB_STR(t->name),
	    DB_I64(t->active ? 1 : 0), DB_I64(t->sort) };

	return insert_id(db, "INSERT INTO payment_types (code, name, active, sort)"
	    " VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p), id);
}

int
store_catalog_payment_type_update(struct db *db,
    const struct store_payment_type *t)
{
	struct db_param p[] = { DB_STR(t->code), DB_STR(t->name),
	    DB_I64(t->active ? 1 : 0), DB_I64(t->sort), DB_I64(t->id) };

	return db_exec(db, "UPDATE payment_types SET code = ?, name = ?,"
	    " active = ?, sort = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_catalog_payment_type_get(struct db *db, int64_t id, int lock,
    struct store_payment_type *t)
{
	return get_one(db, lock ? PT_SELECT " WHERE id = ? FOR UPDATE" :
	    PT_SELECT " WHERE id = ?", id, payment_type_from_row, t);
}

int
store_catalog_payment_type_list(struct db *db, int active_only,
    struct store_payment_type **out, size_t *n)
{
	void *a;
	int rc = list_all(db, PT_SELECT " WHERE active = 1 OR ? = 0"
	    " ORDER BY sort, name", active_only, sizeof(**out),
	    payment_type_from_row, &a, n);

	*out = a;
	return rc;
}
