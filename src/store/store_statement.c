/* Stored statements and their numbers (store_statement.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"
#include "store_statement.h"
#include "str.h"

void
store_statement_free(struct store_statement *st)
{
	if (st != NULL) {
		free(st->lines);
		st->lines = NULL;
		st->nlines = 0;
	}
}

int
store_statement_number_take(struct db *db, int64_t count, int64_t *first)
{
	struct db_param p[] = { DB_I64(count) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT next_value FROM sequences WHERE name ="
	    " 'statement' FOR UPDATE", NULL, 0, &r);
	if (rc == DB_OK && r.nrows != 1)
		rc = DB_ERR;
	if (rc == DB_OK)
		*first = db_i64(&r, 0, 0);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	return db_exec(db, "UPDATE sequences SET next_value = next_value + ?"
	    " WHERE name = 'statement'", p, 1, NULL, NULL);
}

int
store_statement_insert(struct db *db, const struct store_statement *st,
    int64_t batch_id, int64_t created_by, int64_t now, int64_t *id)
{
	char *snapshot = store_statement_snapshot_encode(st);
	struct db_param p[] = { DB_STR(st->number), DB_I64(st->account_id),
	    st->client_id ? DB_I64(st->client_id) : DB_NULL,
	    batch_id ? DB_I64(batch_id) : DB_NULL,
	    DB_STR(st->period_start), DB_STR(st->period_end),
	    DB_STR(st->statement_date), DB_STR(st->due_date), DB_I64(st->opening),
	    DB_I64(st->closing), DB_I64(st->amount_due), DB_STR(snapshot),
	    created_by ? DB_I64(created_by) : DB_NULL, DB_I64(now) };
	uint64_t nid = 0;
	int rc;

	if (snapshot == NULL)
		return DB_ERR;
	rc = db_exec(db, "INSERT INTO statements (number, account_id, client_id,"
	    " batch_id, period_start, period_end, statement_date, due_date,"
	    " opening_balance, closing_balance, amount_due, snapshot, created_by,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &nid);
	*id = (int64_t)nid;
	free(snapshot);
	return rc;
}

int
store_statement_get(struct db *db, int64_t id, struct store_statement *st)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = db_query(db, "SELECT snapshot FROM statements WHERE id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = 0;
	else if (rc == DB_OK && store_statement_snapshot_decode(db_str(&r, 0, 0),
	    st) == -1) {
		store_statement_free(st);
		rc = DB_ERR;
	} else if (rc == DB_OK) {
		st->id = id;
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

#define HEAD_COLS STORE_STATEMENT_HEAD_SQL

/* One query per filter shape, each walking an index in id order:
 * PRIMARY, statements_account (account_id, id), statements_batch
 * (batch_id, id via the primary key). */
static int
find_query(struct db *db, int64_t account_id, int64_t batch_id, int64_t before,
    int64_t lim, struct db_result *r)
{
	if (batch_id) {
		struct db_param p[] = { DB_I64(batch_id), DB_I64(before),
		    DB_I64(lim) };
		return db_query(db, HEAD_COLS " WHERE s.batch_id = ? AND s.id < ?"
		    " ORDER BY s.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
	}
	if (account_id) {
		struct db_param p[] = { DB_I64(account_id), DB_I64(before),
		    DB_I64(lim) };
		return db_query(db, HEAD_COLS " WHERE s.account_id = ? AND s.id < ?"
		    " ORDER BY s.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
	}
	{
		struct db_param p[] = { DB_I64(before), DB_I64(lim) };
		return db_query(db, HEAD_COLS " WHERE s.id < ?"
		    " ORDER BY s.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
	}
}

void
store_statement_head_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_statement *s = elem;

	s->id = db_i64(r, i, 0);
	str_copy(s->number, sizeof(s->number), db_str(r, i, 1));
	s->account_id = db_i64(r, i, 2);
	s->client_id = db_i64(r, i, 3);
	str_copy(s->period_start, sizeof(s->period_start), db_str(r, i, 4));
	str_copy(s->period_end, sizeof(s->period_end), db_str(r, i, 5));
	str_copy(s->statement_date, sizeof(s->statement_date), db_str(r, i, 6));
	str_copy(s->due_date, sizeof(s->due_date), db_str(r, i, 7));
	s->opening = db_i64(r, i, 8);
	s->closing = db_i64(r, i, 9);
	s->amount_due = db_i64(r, i, 10);
	str_copy(s->account_name, sizeof(s->account_name), db_str(r, i, 11));
	str_copy(s->client_name, sizeof(s->client_name), db_str(r, i, 12));
}

int
store_statement_find(struct db *db, int64_t account_id, int64_t batch_id,
    int64_t before, int64_t limit, struct store_statement **out, size_t *n)
{
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = find_query(db, account_id, batch_id, before, limit, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		store_statement_head_from_row(&r, i, &(*out)[i]);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}
