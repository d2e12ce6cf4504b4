/* The stripe_events table, the webhook inbox (see store_stripe_event.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"
#include "store_stripe_event.h"
#include "str.h"

int
store_stripe_event_insert(struct db *db, const struct store_stripe_event_new *e,
    int64_t *seq)
{
	uint64_t id = 0;
	int rc;

	struct db_param p[] = { DB_STR(e->id), DB_STR(e->type), DB_STR(e->object_id),
	    DB_STR(e->subject), DB_I64(e->created), DB_I64(e->received_at),
	    DB_I64(e->pending ? 1 : 0), DB_STRN(e->pending ? e->body : NULL),
	    DB_STR(e->outcome ? e->outcome : ""),
	    e->pending ? DB_NULL : DB_I64(e->received_at),
	    DB_STRN(e->pending ? e->claimed_by : NULL),
	    DB_I64(e->pending && e->claimed_by ? e->lease_until : 0) };

	rc = db_exec(db, "INSERT INTO stripe_events (id, type, object_id, subject,"
	    " created, received_at, pending, body, outcome, applied_at, claimed_by,"
	    " lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p,
	    ARRAY_LEN(p), NULL, &id);
	*seq = (int64_t)id;
	return rc;
}

int
store_stripe_event_claim(struct db *db, const char *token, int64_t now,
    int64_t lease_until, size_t limit, size_t *n)
{
	struct db_param p[] = { DB_STR(token), DB_I64(lease_until), DB_I64(now),
	    DB_I64((int64_t)limit) };
	uint64_t affected = 0;
	int rc;

	rc = db_exec(db, "UPDATE stripe_events SET claimed_by = ?, lease_until = ?"
	    " WHERE pending = 1 AND lease_until <= ? ORDER BY created, seq LIMIT ?",
	    p, ARRAY_LEN(p), &affected, NULL);
	*n = rc == DB_OK ? (size_t)affected : 0;
	return rc;
}

int
store_stripe_event_claimed(struct db *db, const char *token,
    struct store_stripe_event **out, size_t *n)
{
	struct db_param p[] = { DB_STR(token) };
	struct db_result r;
	int rc = db_query(db, "SELECT id, subject, seq, created, attempts, body FROM"
	    " stripe_events WHERE claimed_by = ? AND pending = 1 ORDER BY created, seq",
	    p, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_stripe_event *e = &(*out)[i];

		str_copy(e->id, sizeof(e->id), db_str(&r, i, 0));
		str_copy(e->subject, sizeof(e->subject), db_str(&r, i, 1));
		e->seq = db_i64(&r, i, 2);
		e->created = db_i64(&r, i, 3);
		e->attempts = db_i64(&r, i, 4);
		if ((e->body = strdup(db_str(&r, i, 5))) == NULL)
			rc = DB_ERR;
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}

void
store_stripe_event_free(struct store_stripe_event *e, size_t n)
{
	for (size_t i = 0; e != NULL && i < n; i++)
		free(e[i].body);
	free(e);
}

/* STORE_STRIPE_EVENT_CHUNK placeholders (a chunk smaller than that pads
 * its list with ids no event has: the statement text stays one, cached). */
#define Q32	STORE_Q32
#define W4	" WHEN ? THEN ? WHEN ? THEN ? WHEN ? THEN ? WHEN ? THEN ?"
#define W32	W4 W4 W4 W4 W4 W4 W4 W4
#define CHUNK	STORE_STRIPE_EVENT_CHUNK
_Static_assert(CHUNK == STORE_Q32_N, "one placeholder per event of a chunk");

/* p[0..CHUNK) = s[0..n), padded with "" (no event id, no subject). */
static void
chunk_params(struct db_param *p, const char *const *s, size_t n)
{
	for (size_t i = 0; i < CHUNK; i++)
		p[i] = DB_STR(i < n ? s[i] : "");
}

int
store_stripe_event_lock_many(struct db *db, const char *const *ids, size_t n,
    const char *token, enum store_stripe_event_state *state)
{
	struct db_param p[CHUNK];
	struct db_result r;
	int rc;

	if (n == 0 || n > CHUNK)
		return n == 0 ? DB_OK : DB_ERR;
	chunk_params(p, ids, n);
	rc = db_query(db, "SELECT id, pending, COALESCE(claimed_by, '') FROM"
	    " stripe_events WHERE id IN (" Q32 ") ORDER BY id FOR UPDATE", p, CHUNK,
	    &r);
	for (size_t i = 0; i < n; i++)
		state[i] = SSE_GONE;
	for (size_t k = 0; rc == DB_OK && k < r.nrows; k++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(ids[i], db_str(&r, k, 0)) == 0)
				state[i] = db_i64(&r, k, 1) == 0 ? SSE_DONE :
				    strcmp(db_str(&r, k, 2), token) == 0 ? SSE_HELD :
				    SSE_OTHER;
	db_result_free(&r);
	return rc;
}

int
store_stripe_event_first_pending(struct db *db, const char *const *subjects,
    const char *const *ids, size_t n, struct store_stripe_event_first *out,
    size_t *nout)
{
	struct db_param p[3 * CHUNK];
	struct db_result r;
	int rc;

	*nout = 0;
	if (n == 0 || n > CHUNK)
		return n == 0 ? DB_OK : DB_ERR;
	chunk_params(p, subjects, n);
	chunk_params(p + CHUNK, ids, n);
	chunk_params(p + 2 * CHUNK, ids, n);
	rc = db_query(db, "SELECT t.subject, t.created, MIN(t.seq) FROM"
	    " stripe_events t JOIN (SELECT subject, MIN(created) AS c FROM"
	    " stripe_events WHERE subject IN (" Q32 ") AND pending = 1 AND id NOT IN"
	    " (" Q32 ") GROUP BY subject) m ON m.subject = t.subject AND m.c ="
	    " t.created WHERE t.pending = 1 AND t.id NOT IN (" Q32 ") GROUP BY"
	    " t.subject, t.created", p, ARRAY_LEN(p), &r);
	for (size_t k = 0; rc == DB_OK && k < r.nrows && k < n; k++) {
		str_copy(out[k].subject, sizeof(out[k].subject), db_str(&r, k, 0));
		out[k].created = db_i64(&r, k, 1);
		out[k].seq = db_i64(&r, k, 2);
		*nout = k + 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_stripe_event_applied_many(struct db *db, const char *const *ids,
    const char *const *outcomes, size_t n, int64_t now)
{
	struct db_param p[3 * CHUNK + 1];

	if (n == 0 || n > CHUNK)
		return n == 0 ? DB_OK : DB_ERR;
	for (size_t i = 0; i < CHUNK; i++) {
		p[2 * i] = DB_STR(i < n ? ids[i] : "");
		p[2 * i + 1] = DB_STR(i < n ? outcomes[i] : "");
	}
	p[2 * CHUNK] = DB_I64(now);
	chunk_params(p + 2 * CHUNK + 1, ids, n);
	return db_exec(db, "UPDATE stripe_events SET pending = 0, outcome = CASE id"
	    W32 " END, applied_at = ?, body = NULL, claimed_by = NULL,"
	    " lease_until = 0 WHERE id IN (" Q32 ")", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_stripe_event_failed(struct db *db, const char *id, const char *token,
    const char *error, int64_t retry_at)
{
	char line[201];
	struct db_param p[] = { DB_STR(line), DB_I64(retry_at), DB_STR(id),
	    DB_STR(token) };

	str_copy(line, sizeof(line), error);
	return db_exec(db, "UPDATE stripe_events SET attempts = attempts + 1,"
	    " last_error = ?, claimed_by = NULL, lease_until = ? WHERE id = ? AND"
	    " pending = 1 AND claimed_by = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_stripe_event_release(struct db *db, const char *token, int64_t due_at)
{
	struct db_param p[] = { DB_I64(due_at), DB_STR(token) };

	return db_exec(db, "UPDATE stripe_events SET claimed_by = NULL, lease_until = ?"
	    " WHERE pending = 1 AND claimed_by = ?", p, 2, NULL, NULL);
}

int
store_stripe_event_due(struct db *db, int64_t now)
{
	struct db_param p[] = { DB_I64(now) };
	int64_t v = 0;
	int rc = db_query_i64(db, "SELECT COUNT(*) FROM (SELECT 1 FROM stripe_events"
	    " WHERE pending = 1 AND lease_until <= ? LIMIT 1) t", p, 1, &v);

	return rc != DB_OK ? rc : v > 0;
}

int
store_stripe_event_counts(struct db *db, struct store_stripe_event_counts *c)
{
	struct db_result r;
	int rc = db_query(db, "SELECT COUNT(*), COALESCE(SUM(attempts > 0), 0),"
	    " COALESCE(MIN(received_at), 0) FROM stripe_events WHERE pending = 1",
	    NULL, 0, &r);

	memset(c, 0, sizeof(*c));
	if (rc == DB_OK && r.nrows == 1) {
		c->pending = db_i64(&r, 0, 0);
		c->failing = db_i64(&r, 0, 1);
		c->oldest = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc;
}

int
store_stripe_event_failing(struct db *db, size_t limit,
    struct store_stripe_event_stuck **out, size_t *n)
{
	struct db_param p[] = { DB_I64((int64_t)limit) };
	struct db_result r;
	int rc = db_query(db, "SELECT id, type, received_at, attempts, lease_until,"
	    " last_error FROM stripe_events WHERE pending = 1 AND attempts > 0"
	    " ORDER BY created, seq LIMIT ?", p, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_stripe_event_stuck *s = &(*out)[i];

		str_copy(s->id, sizeof(s->id), db_str(&r, i, 0));
		str_copy(s->type, sizeof(s->type), db_str(&r, i, 1));
		s->received_at = db_i64(&r, i, 2);
		s->attempts = db_i64(&r, i, 3);
		s->retry_at = db_i64(&r, i, 4);
		str_copy(s->last_error, sizeof(s->last_error), db_str(&r, i, 5));
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_stripe_event_method_id(struct db *db, const char *pm_id, int64_t *id)
{
	struct db_param p[] = { DB_STR(pm_id) };

	*id = 0;
	return db_query_i64(db, "SELECT id FROM payment_methods WHERE stripe_pm_id = ?",
	    p, 1, id);
}

int
store_stripe_event_dispute(struct db *db, int64_t payment_id)
{
	struct db_param p[] = { DB_I64(payment_id) };

	return db_exec(db, "UPDATE payments SET disputed = 1 WHERE id = ?", p, 1,
	    NULL, NULL);
}
