/* Stored statements: generating (numbering, storing and auditing a
 * computed statement), reading a snapshot back, the lists (statement.h).
 * The rows and the snapshot codec are the store's (store_statement.h). */
#include "common.h"

#include "audit.h"
#include "billing_conv.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "statement.h"
#include "statement_int.h"
#include "store_statement.h"
#include "str.h"

_Static_assert(STORE_STATEMENT_AGING == AGING_BUCKETS, "aging buckets");

/* The header fields (no lines) of s into d; the other way round below. */
#define STATEMENT_HEAD_COPY(d, s) do {					\
	(d)->id = (s)->id;						\
	memcpy((d)->number, (s)->number, sizeof((d)->number));		\
	(d)->account_id = (s)->account_id;				\
	(d)->client_id = (s)->client_id;				\
	memcpy((d)->account_name, (s)->account_name,			\
	    sizeof((d)->account_name));					\
	memcpy((d)->address, (s)->address, sizeof((d)->address));	\
	memcpy((d)->client_name, (s)->client_name, sizeof((d)->client_name)); \
	memcpy((d)->period_start, (s)->period_start,			\
	    sizeof((d)->period_start));					\
	memcpy((d)->period_end, (s)->period_end, sizeof((d)->period_end)); \
	memcpy((d)->statement_date, (s)->statement_date,		\
	    sizeof((d)->statement_date));				\
	memcpy((d)->due_date, (s)->due_date, sizeof((d)->due_date));	\
	(d)->opening = (s)->opening;					\
	(d)->closing = (s)->closing;					\
	(d)->amount_due = (s)->amount_due;				\
	memcpy((d)->aging, (s)->aging, sizeof((d)->aging));		\
	(d)->unapplied = (s)->unapplied;				\
	(d)->account_credit = (s)->account_credit;			\
} while (0)

#define LINE_COPY(d, s) do {						\
	memcpy((d)->date, (s)->date, sizeof((d)->date));		\
	memcpy((d)->kind, (s)->kind, sizeof((d)->kind));		\
	memcpy((d)->description, (s)->description,			\
	    sizeof((d)->description));					\
	(d)->amount = (s)->amount;					\
	(d)->running = (s)->running;					\
} while (0)

_Static_assert(sizeof(((struct statement *)0)->address) ==
    sizeof(((struct store_statement *)0)->address), "address");
_Static_assert(sizeof(((struct statement *)0)->client_name) ==
    sizeof(((struct store_statement *)0)->client_name), "client name");
_Static_assert(sizeof(((struct statement_line *)0)->description) ==
    sizeof(((struct store_statement_line *)0)->description), "lines");

int64_t
statement_created_by(const struct actor *a)
{
	if (a != NULL && a->id > 0 && a->kind != NULL &&
	    strcmp(a->kind, "staff") == 0)
		return a->id;
	return 0;
}

/* A whole statement, header and lines, from s into d (a struct statement
 * and a struct store_statement, either way round); rc: 0, or -1 when the
 * lines cannot be allocated. */
#define STATEMENT_COPY(rc, d, s) do {					\
	(rc) = 0;							\
	memset((d), 0, sizeof(*(d)));					\
	STATEMENT_HEAD_COPY(d, s);					\
	if ((s)->nlines > 0 &&						\
	    ((d)->lines = calloc((s)->nlines, sizeof(*(d)->lines))) == NULL) \
		(rc) = -1;						\
	for (size_t i_ = 0; (rc) == 0 && i_ < (s)->nlines; i_++)	\
		LINE_COPY(&(d)->lines[i_], &(s)->lines[i_]);		\
	if ((rc) == 0)							\
		(d)->nlines = (s)->nlines;				\
} while (0)

static int
from_store(struct statement *d, const struct store_statement *s)
{
	int rc;

	STATEMENT_COPY(rc, d, s);
	return rc;
}

static int
to_store(struct store_statement *d, const struct statement *s)
{
	int rc;

	STATEMENT_COPY(rc, d, s);
	d->has_unapplied = 1;
	return rc;
}

int
statement_store(struct db *db, const struct actor *actor, int64_t batch_id,
    const struct statement *st, int64_t *id)
{
	struct store_statement s;
	char detail[300];
	int rc;

	if (to_store(&s, st) == -1) {
		store_statement_free(&s);
		return DB_ERR;
	}
	rc = store_statement_insert(db, &s, batch_id,
	    statement_created_by(actor), clock_now(), id);
	store_statement_free(&s);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "number=%s account_id=%" PRId64
	    " client_id=%" PRId64 " period=%s..%s closing=%" PRId64,
	    st->number, st->account_id, st->client_id, st->period_start,
	    st->period_end, st->closing);
	return audit_record(db, actor, "statement.generate", "statement", *id,
	    detail);
}

int
statement_generate_in_tx(struct db *db, struct statement_gen *g)
{
	struct statement st;
	int64_t number = 0;
	int rc;

	rc = statement_compute(db, g->account_id, g->client_id, g->from, g->to,
	    &st);
	if (rc == DB_OK)
		rc = store_statement_number_take(db, 1, &number);
	if (rc == DB_OK) {
		str_fmt(st.number, sizeof(st.number), "STMT-%06" PRId64, number);
		rc = statement_store(db, g->actor, g->batch_id, &st, &g->id);
	}
	statement_free(&st);
	return rc;
}

static int
generate_tx(struct db *db, void *arg)
{
	return statement_generate_in_tx(db, arg);
}

int
statement_generate_tx(struct db *db, const struct actor *actor,
    int64_t account_id, int64_t client_id, const char *from, const char *to,
    int64_t batch_id, int64_t *id_out)
{
	struct statement_gen g = { actor, account_id, client_id, batch_id, from,
	    to, 0 };
	int rc = statement_generate_in_tx(db, &g);

	if (rc == DB_OK && id_out)
		*id_out = g.id;
	return rc;
}

int
statement_generate(struct db *db, const struct actor *actor, int64_t account_id,
    int64_t client_id, const char *from, const char *to, int64_t batch_id,
    int64_t *id_out)
{
	struct statement_gen g = { actor, account_id, client_id, batch_id, from,
	    to, 0 };
	int rc = statement_status(db_tx(db, generate_tx, &g));

	if (rc == ST_OK && id_out)
		*id_out = g.id;
	return rc;
}

int
statement_get(struct db *db, int64_t id, struct statement *st)
{
	struct store_statement s;
	int64_t total;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = store_statement_get(db, id, &s);
	if (rc == 0)
		return ST_NOT_FOUND;
	if (rc < 0)
		return ST_DB;
	/* Version 1 snapshots did not store the difference: it is printed
	 * all the same, computed from what they say. */
	if (!s.has_unapplied && calc_statement_reconcile(s.closing, s.aging,
	    &total, &s.unapplied) == -1)
		rc = -1;
	if (rc == -1 || from_store(st, &s) == -1) {
		statement_free(st);
		rc = -1;
	}
	store_statement_free(&s);
	return rc == -1 ? ST_DB : ST_OK;
}

/* Headers of the store's rows, at most lim of them, into *out. */
static int
heads(struct store_statement *s, size_t ns, size_t lim, struct statement **out,
    size_t *n)
{
	size_t k = ns < lim ? ns : lim;

	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < k; i++)
		STATEMENT_HEAD_COPY(&(*out)[i], &s[i]);
	*n = k;
	return 0;
}

int
statement_heads_from_store(struct store_statement *s, size_t ns,
    struct statement **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return heads(s, ns, ns, out, n) == -1 ? ST_DB : ST_OK;
}

int
statement_list(struct db *db, int64_t account_id, struct statement **out,
    size_t *n)
{
	struct store_statement *s = NULL;
	size_t ns = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_statement_find(db, account_id, 0, INT64_MAX, INT64_MAX, &s,
	    &ns);
	if (rc == DB_OK && heads(s, ns, ns, out, n) == -1)
		rc = DB_ERR;
	free(s);
	return rc == DB_OK ? ST_OK : ST_DB;
}

int
statement_find(struct db *db, const struct statement_filter *f,
    struct statement **out, size_t *n, int *more)
{
	size_t lim = f->limit < 1 ? 1 : f->limit > STATEMENT_FIND_MAX ?
	    STATEMENT_FIND_MAX : f->limit, ns = 0;
	int64_t before = f->before_id > 0 ? f->before_id : INT64_MAX;
	struct store_statement *s = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	/* One row more than asked tells whether an older page exists. */
	rc = store_statement_find(db, f->batch_id ? 0 : f->account_id,
	    f->batch_id, before, (int64_t)lim + 1, &s, &ns);
	if (rc == DB_OK && heads(s, ns, lim, out, n) == -1)
		rc = DB_ERR;
	if (rc == DB_OK)
		*more = ns > lim;
	free(s);
	return rc == DB_OK ? ST_OK : ST_DB;
}
