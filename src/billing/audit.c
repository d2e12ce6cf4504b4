/* Audit trail: rules of what is recorded and read (rows in store_audit.c). */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "store_audit.h"
#include "str.h"

/* Rows held back by audit_defer_begin (their strings owned). */
static struct {
	int			 on;
	struct store_audit_new	*rows;
	size_t			 n, cap;
} held;

void
audit_defer_discard(void)
{
	for (size_t i = 0; i < held.n; i++) {
		free((char *)held.rows[i].actor_kind);
		free((char *)held.rows[i].ip);
		free((char *)held.rows[i].action);
		free((char *)held.rows[i].object_type);
		free((char *)held.rows[i].detail);
	}
	free(held.rows);
	memset(&held, 0, sizeof(held));
}

void
audit_defer_begin(void)
{
	audit_defer_discard();
	held.on = 1;
}

int
audit_defer_flush(struct db *db)
{
	int rc = store_audit_insert_many(db, held.rows, held.n);

	audit_defer_discard();
	return rc;
}

/* The row kept for the flush. db_status. */
static int
audit_hold(const struct store_audit_new *r)
{
	struct store_audit_new *h;

	if (held.n == held.cap) {
		size_t cap = held.cap ? 2 * held.cap : 64;
		struct store_audit_new *rows = realloc(held.rows, cap * sizeof(*rows));

		if (rows == NULL)
			return DB_ERR;
		held.rows = rows;
		held.cap = cap;
	}
	h = &held.rows[held.n];
	*h = *r;
	h->actor_kind = str_dup(r->actor_kind);
	h->ip = str_dup(r->ip);
	h->action = str_dup(r->action);
	h->object_type = str_dup(r->object_type);
	h->detail = str_dup(r->detail);
	held.n++;
	if (h->actor_kind == NULL || h->ip == NULL || h->action == NULL ||
	    h->object_type == NULL || h->detail == NULL)
		return DB_ERR;
	return DB_OK;
}

int
audit_record(struct db *db, const struct actor *a, const char *action,
    const char *object_type, int64_t object_id, const char *detail)
{
	struct store_audit_new r = { clock_now(), a->kind, a->id,
	    a->ip ? a->ip : "", action, object_type, object_id,
	    detail ? detail : "" };

	if (held.on)
		return audit_hold(&r);
	return store_audit_insert(db, r.now, r.actor_kind, r.actor_id, r.ip,
	    r.action, r.object_type, r.object_id, r.detail);
}

void
audit_diff_str(struct buf *b, const char *field, const char *was, const char *now)
{
	if (strcmp(was, now) != 0)
		buf_printf(b, "%s%s: %s -> %s", b->len ? "; " : "", field, was, now);
}

void
audit_diff_i64(struct buf *b, const char *field, int64_t was, int64_t now)
{
	if (was != now)
		buf_printf(b, "%s%s: %" PRId64 " -> %" PRId64, b->len ? "; " : "",
		    field, was, now);
}

void
audit_rows_free(struct audit_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(rows[i].detail);
	free(rows);
}

/* Copies s into row and takes its detail. */
static void
audit_row_take(struct store_audit_row *s, struct audit_row *row)
{
	row->id = s->id;
	row->created_at = s->created_at;
	str_copy(row->actor_kind, sizeof(row->actor_kind), s->actor_kind);
	row->actor_id = s->actor_id;
	str_copy(row->actor_name, sizeof(row->actor_name), s->actor_name);
	str_copy(row->ip, sizeof(row->ip), s->ip);
	str_copy(row->action, sizeof(row->action), s->action);
	str_copy(row->object_type, sizeof(row->object_type), s->object_type);
	row->object_id = s->object_id;
	row->detail = s->detail;
	s->detail = NULL;
}

int
audit_list(struct db *db, const struct audit_filter *f, struct audit_row **out,
    size_t *n, int *more)
{
	struct store_audit_row *s = NULL;
	struct audit_row *rows = NULL;
	size_t lim = f->limit < 1 ? 1 : f->limit > 200 ? 200 : f->limit, ns = 0, i;
	int64_t before = f->before_id > 0 ? f->before_id : INT64_MAX;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	/* One extra row tells whether an older page exists. */
	rc = store_audit_list(db, f->object_type, f->object_id, f->related,
	    before, (int64_t)lim + 1, &s, &ns);
	if (rc != DB_OK)
		return rc;
	*more = ns > lim;
	if (ns > 0 && (rows = calloc(ns, sizeof(*rows))) == NULL) {
		store_audit_rows_free(s, ns);
		return DB_ERR;
	}
	for (i = 0; i < ns && i < lim; i++)
		audit_row_take(&s[i], &rows[i]);
	store_audit_rows_free(s, ns);
	*out = rows;
	*n = i;
	return DB_OK;
}
