#include "common.h"

#include "audit.h"
#include "buf.h"
#include "catalog.h"
#include "clock.h"
#include "db.h"
#include "str.h"

/* Audit detail of an update: "field: old -> new; ..." for what changed. */
static void
diff_str(struct buf *b, const char *field, const char *was, const char *now)
{
	if (strcmp(was, now) != 0)
		buf_printf(b, "%s%s: %s -> %s", b->len ? "; " : "", field, was, now);
}

static void
diff_i64(struct buf *b, const char *field, int64_t was, int64_t now)
{
	if (was != now)
		buf_printf(b, "%s%s: %" PRId64 " -> %" PRId64, b->len ? "; " : "",
		    field, was, now);
}

/* Maps a transaction result to a catalog status (positive = our own). */
static int
cat_status(int rc)
{
	if (rc == DB_OK)
		return CAT_OK;
	if (rc == DB_DUP)
		return CAT_DUP;
	if (rc == CAT_NOT_FOUND)
		return CAT_NOT_FOUND;
	return CAT_DB;
}

/* The rows of r as a calloc'd array of elsz-byte elements filled by
 * from_row (caller frees); NULL for no rows or out of memory. */
static void *
rows_to_array(const struct db_result *r, size_t elsz,
    void (*from_row)(const struct db_result *, size_t, void *))
{
	char *a;

	if (r->nrows == 0 || (a = calloc(r->nrows, elsz)) == NULL)
		return NULL;
	for (size_t i = 0; i < r->nrows; i++)
		from_row(r, i, a + i * elsz);
	return a;
}

/* Shared tail of the list functions. */
static int
list_finish(int rc, struct db_result *r, void *arr, size_t *n)
{
	*n = 0;
	if (rc != DB_OK || (r->nrows > 0 && arr == NULL)) {
		db_result_free(r);
		return CAT_DB;
	}
	*n = r->nrows;
	db_result_free(r);
	return CAT_OK;
}

struct save_args {
	const struct actor	*actor;
	void			*obj;
};

/* --- locations ----------------------------------------------------------- */

#define LOC_COLS "id, name, address, active"

static void
location_from_row(const struct db_result *r, size_t i, void *p)
{
	struct location *l = p;

	l->id = db_i64(r, i, 0);
	str_copy(l->name, sizeof(l->name), db_str(r, i, 1));
	str_copy(l->address, sizeof(l->address), db_str(r, i, 2));
	l->active = db_i64(r, i, 3) != 0;
}

static int
location_create_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct location *l = a->obj;
	struct db_param p[] = { DB_STR(l->name), DB_STR(l->address),
	    DB_I64(l->active ? 1 : 0), DB_I64(clock_now()) };
	uint64_t id = 0;
	char detail[800];
	int rc;

	rc = db_exec(db, "INSERT INTO locations (name, address, active, created_at)"
	    " VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, &id);
	if (rc != DB_OK)
		return rc;
	l->id = (int64_t)id;
	str_fmt(detail, sizeof(detail), "name=%s address=%s active=%d", l->name,
	    l->address, l->active ? 1 : 0);
	return audit_record(db, a->actor, "location.create", "location", l->id,
	    detail);
}

static int
location_update_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct location *l = a->obj, old;
	struct db_param k[] = { DB_I64(l->id) };
	struct db_param p[] = { DB_STR(l->name), DB_STR(l->address),
	    DB_I64(l->active ? 1 : 0), DB_I64(l->id) };
	struct db_result r;
	struct buf b;
	int rc;

	rc = db_query(db, "SELECT " LOC_COLS " FROM locations WHERE id = ?"
	    " FOR UPDATE", k, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = CAT_NOT_FOUND;
	if (rc == DB_OK)
		location_from_row(&r, 0, &old);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, "UPDATE locations SET name = ?, address = ?, active = ?"
	    " WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 4096);
	diff_str(&b, "name", old.name, l->name);
	diff_str(&b, "address", old.address, l->address);
	diff_i64(&b, "active", old.active, l->active ? 1 : 0);
	rc = audit_record(db, a->actor, "location.update", "location", l->id,
	    buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int
location_save(struct db *db, const struct actor *actor, struct location *l)
{
	struct save_args a = { actor, l };

	return cat_status(db_tx(db, l->id == 0 ? location_create_tx :
	    location_update_tx, &a));
}

int
location_get(struct db *db, int64_t id, struct location *l)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " LOC_COLS " FROM locations WHERE id = ?",
	    p, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		location_from_row(&r, 0, l);
	rc = rc != DB_OK ? CAT_DB : r.nrows == 1 ? CAT_OK : CAT_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

int
location_list(struct db *db, int active_only, struct location **out, size_t *n)
{
	struct db_param p[] = { DB_I64(active_only ? 1 : 0) };
	struct db_result r;
	int rc = db_query(db, "SELECT " LOC_COLS " FROM locations"
	    " WHERE active = 1 OR ? = 0 ORDER BY name", p, 1, &r);

	*out = rc == DB_OK ?
	    rows_to_array(&r, sizeof(**out), location_from_row) : NULL;
	return list_finish(rc, &r, *out, n);
}

/* --- services ------------------------------------------------------------ */

#define SVC_COLS "id, code, name, default_rate, active"

static void
service_from_row(const struct db_result *r, size_t i, void *p)
{
	struct service *s = p;

	s->id = db_i64(r, i, 0);
	str_copy(s->code, sizeof(s->code), db_str(r, i, 1));
	str_copy(s->name, sizeof(s->name), db_str(r, i, 2));
	s->default_rate = db_i64(r, i, 3);
	s->active = db_i64(r, i, 4) != 0;
}

static int
service_create_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct service *s = a->obj;
	struct db_param p[] = { DB_STR(s->code), DB_STR(s->name),
	    DB_I64(s->default_rate), DB_I64(s->active ? 1 : 0),
	    DB_I64(clock_now()) };
	uint64_t id = 0;
	char detail[400];
	int rc;

	rc = db_exec(db, "INSERT INTO services (code, name, default_rate, active,"
	    " created_at) VALUES (?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, &id);
	if (rc != DB_OK)
		return rc;
	s->id = (int64_t)id;
	str_fmt(detail, sizeof(detail), "code=%s name=%s default_rate=%" PRId64
	    " active=%d", s->code, s->name, s->default_rate, s->active ? 1 : 0);
	return audit_record(db, a->actor, "service.create", "service", s->id,
	    detail);
}

static int
service_update_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct service *s = a->obj, old;
	struct db_param k[] = { DB_I64(s->id) };
	struct db_param p[] = { DB_STR(s->code), DB_STR(s->name),
	    DB_I64(s->default_rate), DB_I64(s->active ? 1 : 0), DB_I64(s->id) };
	struct db_result r;
	struct buf b;
	int rc;

	rc = db_query(db, "SELECT " SVC_COLS " FROM services WHERE id = ?"
	    " FOR UPDATE", k, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = CAT_NOT_FOUND;
	if (rc == DB_OK)
		service_from_row(&r, 0, &old);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, "UPDATE services SET code = ?, name = ?, default_rate = ?,"
	    " active = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 4096);
	diff_str(&b, "code", old.code, s->code);
	diff_str(&b, "name", old.name, s->name);
	diff_i64(&b, "default_rate", old.default_rate, s->default_rate);
	diff_i64(&b, "active", old.active, s->active ? 1 : 0);
	rc = audit_record(db, a->actor, "service.update", "service", s->id,
	    buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int
service_save(struct db *db, const struct actor *actor, struct service *s)
{
	struct save_args a = { actor, s };

	return cat_status(db_tx(db, s->id == 0 ? service_create_tx :
	    service_update_tx, &a));
}

int
service_get(struct db *db, int64_t id, struct service *s)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " SVC_COLS " FROM services WHERE id = ?",
	    p, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		service_from_row(&r, 0, s);
	rc = rc != DB_OK ? CAT_DB : r.nrows == 1 ? CAT_OK : CAT_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

int
service_list(struct db *db, int active_only, struct service **out, size_t *n)
{
	struct db_param p[] = { DB_I64(active_only ? 1 : 0) };
	struct db_result r;
	int rc = db_query(db, "SELECT " SVC_COLS " FROM services"
	    " WHERE active = 1 OR ? = 0 ORDER BY code", p, 1, &r);

	*out = rc == DB_OK ?
	    rows_to_array(&r, sizeof(**out), service_from_row) : NULL;
	return list_finish(rc, &r, *out, n);
}

/* --- payment types ------------------------------------------------------- */

#define PT_COLS "id, code, name, active, sort"

static void
payment_type_from_row(const struct db_result *r, size_t i, void *p)
{
	struct payment_type *t = p;

	t->id = db_i64(r, i, 0);
	str_copy(t->code, sizeof(t->code), db_str(r, i, 1));
	str_copy(t->name, sizeof(t->name), db_str(r, i, 2));
	t->active = db_i64(r, i, 3) != 0;
	t->sort = (int)db_i64(r, i, 4);
}

static int
payment_type_create_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct payment_type *t = a->obj;
	struct db_param p[] = { DB_STR(t->code), DB_STR(t->name),
	    DB_I64(t->active ? 1 : 0), DB_I64(t->sort) };
	uint64_t id = 0;
	char detail[300];
	int rc;

	rc = db_exec(db, "INSERT INTO payment_types (code, name, active, sort)"
	    " VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, &id);
	if (rc != DB_OK)
		return rc;
	t->id = (int64_t)id;
	str_fmt(detail, sizeof(detail), "code=%s name=%s active=%d sort=%d",
	    t->code, t->name, t->active ? 1 : 0, t->sort);
	return audit_record(db, a->actor, "payment_type.create", "payment_type",
	    t->id, detail);
}

static int
payment_type_update_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct payment_type *t = a->obj, old;
	struct db_param k[] = { DB_I64(t->id) };
	struct db_param p[] = { DB_STR(t->code), DB_STR(t->name),
	    DB_I64(t->active ? 1 : 0), DB_I64(t->sort), DB_I64(t->id) };
	struct db_result r;
	struct buf b;
	int rc;

	rc = db_query(db, "SELECT " PT_COLS " FROM payment_types WHERE id = ?"
	    " FOR UPDATE", k, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = CAT_NOT_FOUND;
	if (rc == DB_OK)
		payment_type_from_row(&r, 0, &old);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, "UPDATE payment_types SET code = ?, name = ?, active = ?,"
	    " sort = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 4096);
	diff_str(&b, "code", old.code, t->code);
	diff_str(&b, "name", old.name, t->name);
	diff_i64(&b, "active", old.active, t->active ? 1 : 0);
	diff_i64(&b, "sort", old.sort, t->sort);
	rc = audit_record(db, a->actor, "payment_type.update", "payment_type",
	    t->id, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int
payment_type_save(struct db *db, const struct actor *actor, struct payment_type *t)
{
	struct save_args a = { actor, t };

	return cat_status(db_tx(db, t->id == 0 ? payment_type_create_tx :
	    payment_type_update_tx, &a));
}

int
payment_type_get(struct db *db, int64_t id, struct payment_type *t)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " PT_COLS " FROM payment_types WHERE id = ?",
	    p, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		payment_type_from_row(&r, 0, t);
	rc = rc != DB_OK ? CAT_DB : r.nrows == 1 ? CAT_OK : CAT_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

int
payment_type_list(struct db *db, int active_only, struct payment_type **out,
    size_t *n)
{
	struct db_param p[] = { DB_I64(active_only ? 1 : 0) };
	struct db_result r;
	int rc = db_query(db, "SELECT " PT_COLS " FROM payment_types"
	    " WHERE active = 1 OR ? = 0 ORDER BY sort, name", p, 1, &r);

	*out = rc == DB_OK ?
	    rows_to_array(&r, sizeof(**out), payment_type_from_row) : NULL;
	return list_finish(rc, &r, *out, n);
}
