/* Locations, services, payment types: the rules (audit of every change);
 * the rows are in store_catalog.c. */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "catalog.h"
#include "clock.h"
#include "db.h"
#include "store_catalog.h"
#include "str.h"

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

/* A store _get result (1 found, 0 not, < 0 error) as a catalog status, or
 * inside a transaction (tx) as a db_status with CAT_NOT_FOUND. */
static int
get_status(int rc, int tx)
{
	if (rc == 1)
		return tx ? DB_OK : CAT_OK;
	if (rc == 0)
		return CAT_NOT_FOUND;
	return tx ? rc : CAT_DB;
}

/* The store's ns rows (selsz bytes each) as a calloc'd array of elsz-byte
 * elements filled by conv; frees the store's array. */
static int
list_convert(int rc, void *s, size_t ns, size_t selsz, size_t elsz,
    void (*conv)(const void *, void *), void **out, size_t *n)
{
	char *a = NULL;

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && ns > 0 && (a = calloc(ns, elsz)) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < ns; i++)
		conv((char *)s + i * selsz, a + i * elsz);
	free(s);
	if (rc != DB_OK)
		return CAT_DB;
	*out = a;
	*n = ns;
	return CAT_OK;
}

struct save_args {
	const struct actor	*actor;
	void			*obj;
};

/* --- locations ----------------------------------------------------------- */

static void
location_from_store(const void *p, void *q)
{
	const struct store_location *s = p;
	struct location *l = q;

	l->id = s->id;
	str_copy(l->name, sizeof(l->name), s->name);
	str_copy(l->address, sizeof(l->address), s->address);
	l->active = s->active;
}

static void
location_to_store(const struct location *l, struct store_location *s)
{
	memset(s, 0, sizeof(*s));
	s->id = l->id;
	str_copy(s->name, sizeof(s->name), l->name);
	str_copy(s->address, sizeof(s->address), l->address);
	s->active = l->active;
}

static int
location_create_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct location *l = a->obj;
	struct store_location s;
	char detail[800];
	int rc;

	location_to_store(l, &s);
	rc = store_catalog_location_insert(db, &s, clock_now(), &l->id);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "name=%s address=%s active=%d", l->name,
	    l->address, l->active ? 1 : 0);
	return audit_record(db, a->actor, "location.create", "location", l->id,
	    detail);
}

static int
location_update_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct location *l = a->obj;
	struct store_location old, s;
	struct buf b;
	int rc;

	rc = get_status(store_catalog_location_get(db, l->id, 1, &old), 1);
	if (rc != DB_OK)
		return rc;
	location_to_store(l, &s);
	rc = store_catalog_location_update(db, &s);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 4096);
	audit_diff_str(&b, "name", old.name, l->name);
	audit_diff_str(&b, "address", old.address, l->address);
	audit_diff_i64(&b, "active", old.active, l->active ? 1 : 0);
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
	struct store_location s;
	int rc = get_status(store_catalog_location_get(db, id, 0, &s), 0);

	if (rc == CAT_OK)
		location_from_store(&s, l);
	return rc;
}

int
location_list(struct db *db, int active_only, struct location **out, size_t *n)
{
	struct store_location *s = NULL;
	size_t ns = 0;
	void *a;
	int rc;

	rc = store_catalog_location_list(db, active_only, &s, &ns);
	rc = list_convert(rc, s, ns, sizeof(*s), sizeof(**out),
	    location_from_store, &a, n);
	*out = a;
	return rc;
}

/* --- services ------------------------------------------------------------ */

static void
service_from_store(const void *p, void *q)
{
	const struct store_service *s = p;
	struct service *v = q;

	v->id = s->id;
	str_copy(v->code, sizeof(v->code), s->code);
	str_copy(v->name, sizeof(v->name), s->name);
	v->default_rate = s->default_rate;
	v->active = s->active;
}

static void
service_to_store(const struct service *v, struct store_service *s)
{
	memset(s, 0, sizeof(*s));
	s->id = v->id;
	str_copy(s->code, sizeof(s->code), v->code);
	str_copy(s->name, sizeof(s->name), v->name);
	s->default_rate = v->default_rate;
	s->active = v->active;
}

static int
service_create_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct service *v = a->obj;
	struct store_service s;
	char detail[400];
	int rc;

	service_to_store(v, &s);
	rc = store_catalog_service_insert(db, &s, clock_now(), &v->id);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "code=%s name=%s default_rate=%" PRId64
	    " active=%d", v->code, v->name, v->default_rate, v->active ? 1 : 0);
	return audit_record(db, a->actor, "service.create", "service", v->id,
	    detail);
}

static int
service_update_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct service *v = a->obj;
	struct store_service old, s;
	struct buf b;
	int rc;

	rc = get_status(store_catalog_service_get(db, v->id, 1, &old), 1);
	if (rc != DB_OK)
		return rc;
	service_to_store(v, &s);
	rc = store_catalog_service_update(db, &s);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 4096);
	audit_diff_str(&b, "code", old.code, v->code);
	audit_diff_str(&b, "name", old.name, v->name);
	audit_diff_i64(&b, "default_rate", old.default_rate, v->default_rate);
	audit_diff_i64(&b, "active", old.active, v->active ? 1 : 0);
	rc = audit_record(db, a->actor, "service.update", "service", v->id,
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
service_get(struct db *db, int64_t id, struct service *v)
{
	struct store_service s;
	int rc = get_status(store_catalog_service_get(db, id, 0, &s), 0);

	if (rc == CAT_OK)
		service_from_store(&s, v);
	return rc;
}

int
service_list(struct db *db, int active_only, struct service **out, size_t *n)
{
	struct store_service *s = NULL;
	size_t ns = 0;
	void *a;
	int rc;

	rc = store_catalog_service_list(db, active_only, &s, &ns);
	rc = list_convert(rc, s, ns, sizeof(*s), sizeof(**out),
	    service_from_store, &a, n);
	*out = a;
	return rc;
}

/* --- payment types ------------------------------------------------------- */

static void
payment_type_from_store(const void *p, void *q)
{
	const struct store_payment_type *s = p;
	struct payment_type *t = q;

	t->id = s->id;
	str_copy(t->code, sizeof(t->code), s->code);
	str_copy(t->name, sizeof(t->name), s->name);
	t->active = s->active;
	t->sort = s->sort;
}

static void
payment_type_to_store(const struct payment_type *t,
    struct store_payment_type *s)
{
	memset(s, 0, sizeof(*s));
	s->id = t->id;
	str_copy(s->code, sizeof(s->code), t->code);
	str_copy(s->name, sizeof(s->name), t->name);
	s->active = t->active;
	s->sort = t->sort;
}

static int
payment_type_create_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct payment_type *t = a->obj;
	struct store_payment_type s;
	char detail[300];
	int rc;

	payment_type_to_store(t, &s);
	rc = store_catalog_payment_type_insert(db, &s, &t->id);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "code=%s name=%s active=%d sort=%d",
	    t->code, t->name, t->active ? 1 : 0, t->sort);
	return audit_record(db, a->actor, "payment_type.create", "payment_type",
	    t->id, detail);
}

static int
payment_type_update_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct payment_type *t = a->obj;
	struct store_payment_type old, s;
	struct buf b;
	int rc;

	rc = get_status(store_catalog_payment_type_get(db, t->id, 1, &old), 1);
	if (rc != DB_OK)
		return rc;
	payment_type_to_store(t, &s);
	rc = store_catalog_payment_type_update(db, &s);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 4096);
	audit_diff_str(&b, "code", old.code, t->code);
	audit_diff_str(&b, "name", old.name, t->name);
	audit_diff_i64(&b, "active", old.active, t->active ? 1 : 0);
	audit_diff_i64(&b, "sort", old.sort, t->sort);
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
	struct store_payment_type s;
	int rc = get_status(store_catalog_payment_type_get(db, id, 0, &s), 0);

	if (rc == CAT_OK)
		payment_type_from_store(&s, t);
	return rc;
}

int
payment_type_list(struct db *db, int active_only, struct payment_type **out,
    size_t *n)
{
	struct store_payment_type *s = NULL;
	size_t ns = 0;
	void *a;
	int rc;

	rc = store_catalog_payment_type_list(db, active_only, &s, &ns);
	rc = list_convert(rc, s, ns, sizeof(*s), sizeof(**out),
	    payment_type_from_store, &a, n);
	*out = a;
	return rc;
}
