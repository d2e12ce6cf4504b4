/* Bulk statement runs: statement_batches, statement_batch_items
 * (store_statement.h). */
#include "common.h"

#include "db.h"
#include "store_statement.h"
#include "store_rows.h"
#include "str.h"

#define ITEM_BATCH	16	/* rows per INSERT: 2 binds each, db.c takes 32 */
#define DONE_ROWS	10	/* items per UPDATE: 3 binds each, and 1 */

/* The first column of every row as ids (malloc'd). */
static int
ids_read(struct db *db, const char *sql, const struct db_param *p, size_t np,
    int64_t **out, size_t *n)
{
	int rc;

	*out = store_rows_query(db, sql, p, np, sizeof(**out), store_rows_id, n,
	    &rc);
	return rc;
}

/* One grouped pass over the ledger. A plain (consistent, non-locking)
 * read: INSERT ... SELECT would share-lock every ledger row it reads and
 * stall payments for the length of the scan. */
int
store_statement_batch_accounts(struct db *db, int64_t location_id,
    int64_t min_balance, int64_t **out, size_t *n)
{
	struct db_param p[] = { DB_I64(location_id), DB_I64(location_id),
	    DB_I64(min_balance) };

	return ids_read(db, "SELECT e.account_id FROM ledger_entries e"
	    " JOIN accounts a ON a.id = e.account_id"
	    " WHERE ? = 0 OR a.location_id = ? GROUP BY e.account_id"
	    " HAVING SUM(e.amount) >= ? ORDER BY e.account_id",
	    p, ARRAY_LEN(p), out, n);
}

int
store_statement_batch_insert(struct db *db, const struct store_statement_batch *b,
    int64_t created_by, int64_t finished_at, int64_t *id)
{
	struct db_param p[] = { DB_STR(b->status), DB_STR(b->period_start),
	    DB_STR(b->period_end), b->location_id ? DB_I64(b->location_id) : DB_NULL,
	    DB_I64(b->min_balance), DB_I64(b->total),
	    created_by ? DB_I64(created_by) : DB_NULL, DB_I64(b->created_at),
	    finished_at ? DB_I64(finished_at) : DB_NULL };
	uint64_t nid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO statement_batches (status, period_start,"
	    " period_end, location_id, min_balance, total, created_by, created_at,"
	    " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p),
	    NULL, &nid);
	*id = (int64_t)nid;
	return rc;
}

#define ITEM_ROW	"(?, ?)"
#define ITEM_ROWS4	ITEM_ROW ", " ITEM_ROW ", " ITEM_ROW ", " ITEM_ROW
#define ITEM_ROWS16	ITEM_ROWS4 ", " ITEM_ROWS4 ", " ITEM_ROWS4 ", " ITEM_ROWS4

int
store_statement_batch_items_insert(struct db *db, int64_t batch_id,
    const int64_t *acc, size_t n)
{
	struct db_param p[2 * ITEM_BATCH];
	size_t i = 0;
	int rc = DB_OK;

	for (; rc == DB_OK && n - i >= ITEM_BATCH; i += ITEM_BATCH) {
		for (size_t k = 0; k < ITEM_BATCH; k++) {
			p[2 * k] = DB_I64(batch_id);
			p[2 * k + 1] = DB_I64(acc[i + k]);
		}
		rc = db_exec(db, "INSERT INTO statement_batch_items (batch_id,"
		    " account_id) VALUES " ITEM_ROWS16, p, ARRAY_LEN(p), NULL, NULL);
	}
	for (; rc == DB_OK && i < n; i++) {
		p[0] = DB_I64(batch_id);
		p[1] = DB_I64(acc[i]);
		rc = db_exec(db, "INSERT INTO statement_batch_items (batch_id,"
		    " account_id) VALUES " ITEM_ROW, p, 2, NULL, NULL);
	}
	return rc;
}

int
store_statement_batch_get(struct db *db, int64_t id,
    struct store_statement_batch *b)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id, status, period_start, period_end,"
	    " COALESCE(location_id, 0), min_balance, total, done, created_at"
	    " FROM statement_batches WHERE id = ?", p, 1, &r);

	if (rc == DB_OK && r.nrows == 1) {
		b->id = db_i64(&r, 0, 0);
		str_copy(b->status, sizeof(b->status), db_str(&r, 0, 1));
		str_copy(b->period_start, sizeof(b->period_start), db_str(&r, 0, 2));
		str_copy(b->period_end, sizeof(b->period_end), db_str(&r, 0, 3));
		b->location_id = db_i64(&r, 0, 4);
		b->min_balance = db_i64(&r, 0, 5);
		b->total = db_i64(&r, 0, 6);
		b->done = db_i64(&r, 0, 7);
		b->created_at = db_i64(&r, 0, 8);
	}
	if (rc == DB_OK)
		rc = r.nrows == 1;
	db_result_free(&r);
	return rc;
}

int
store_statement_batch_claim(struct db *db, int64_t batch_id, size_t max,
    int64_t **account_ids, size_t *n)
{
	struct db_param p[] = { DB_I64(batch_id), DB_I64((int64_t)max) };

	/* Claimed rows stay locked until commit; a concurrent step skips them. */
	return ids_read(db, "SELECT account_id FROM statement_batch_items"
	    " WHERE batch_id = ? AND statement_id IS NULL ORDER BY account_id"
	    " LIMIT ? FOR UPDATE SKIP LOCKED", p, ARRAY_LEN(p), account_ids, n);
}

#define DONE_CASE	" WHEN ? THEN ?"
#define DONE_CASE5	DONE_CASE DONE_CASE DONE_CASE DONE_CASE DONE_CASE
#define DONE_IN5	"?, ?, ?, ?, ?"

/* DONE_ROWS items a statement: statement_id by account, then the batch,
 * then the accounts (3 * DONE_ROWS + 1 binds, db.c takes 32). */
static int
items_done(struct db *db, int64_t batch_id,
    const struct store_statement_item *it, size_t n)
{
	struct db_param p[3 * DONE_ROWS + 1];

	for (size_t k = 0; k < n; k++) {
		p[2 * k] = DB_I64(it[k].account_id);
		p[2 * k + 1] = DB_I64(it[k].statement_id);
		p[2 * n + 1 + k] = DB_I64(it[k].account_id);
	}
	p[2 * n] = DB_I64(batch_id);
	if (n == DONE_ROWS)
		return db_exec(db, "UPDATE statement_batch_items SET statement_id ="
		    " CASE account_id" DONE_CASE5 DONE_CASE5 " END WHERE batch_id = ?"
		    " AND account_id IN (" DONE_IN5 ", " DONE_IN5 ")", p,
		    3 * n + 1, NULL, NULL);
	return db_exec(db, "UPDATE statement_batch_items SET statement_id ="
	    " CASE account_id" DONE_CASE " END WHERE batch_id = ?"
	    " AND account_id IN (?)", p, 3 * n + 1, NULL, NULL);
}

int
store_statement_batch_items_done(struct db *db, int64_t batch_id,
    const struct store_statement_item *it, size_t n)
{
	size_t i = 0;
	int rc = DB_OK;

	for (; rc == DB_OK && n - i >= DONE_ROWS; i += DONE_ROWS)
		rc = items_done(db, batch_id, it + i, DONE_ROWS);
	for (; rc == DB_OK && i < n; i++)
		rc = items_done(db, batch_id, it + i, 1);
	return rc;
}

int
store_statement_batch_advance(struct db *db, int64_t batch_id, int64_t n,
    int64_t now)
{
	struct db_param p[] = { DB_I64(n), DB_I64(now), DB_I64(batch_id) };

	return db_exec(db, "UPDATE statement_batches SET done = done + ?,"
	    " status = IF(done >= total, 'done', status),"
	    " finished_at = IF(done >= total, ?, finished_at) WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_statement_batch_set_email(struct db *db, int64_t batch_id)
{
	struct db_param p[] = { DB_I64(batch_id) };

	return db_exec(db, "UPDATE statement_batches SET email = 1 WHERE id = ?",
	    p, 1, NULL, NULL);
}

static void
item_from_row(const struct db_result *r, size_t i, void *elem)
{
	*(struct store_statement_item *)elem = (struct store_statement_item){
	    db_i64(r, i, 0), db_i64(r, i, 1) };
}

int
store_statement_batch_mail_claim(struct db *db, int64_t batch_id, size_t max,
    struct store_statement_item **out, size_t *n)
{
	struct db_param p[] = { DB_I64(batch_id), DB_I64((int64_t)max) };
	int rc;

	*out = store_rows_query(db, "SELECT i.account_id, i.statement_id FROM"
	    " statement_batch_items i JOIN statement_batches s ON s.id = i.batch_id"
	    " WHERE i.batch_id = ? AND s.email = 1 AND i.statement_id IS NOT NULL"
	    " AND i.mailed = 0 ORDER BY i.account_id LIMIT ? FOR UPDATE SKIP LOCKED",
	    p, ARRAY_LEN(p), sizeof(**out), item_from_row, n, &rc);
	return rc;
}

int
store_statement_batch_item_mailed(struct db *db, int64_t batch_id,
    int64_t account_id, int64_t outbox_id)
{
	struct db_param p[] = { outbox_id ? DB_I64(outbox_id) : DB_NULL,
	    DB_I64(batch_id), DB_I64(account_id) };

	return db_exec(db, "UPDATE statement_batch_items SET mailed = 1,"
	    " outbox_id = ? WHERE batch_id = ? AND account_id = ?", p, 3,
	    NULL, NULL);
}

int
store_statement_batch_mail_counts(struct db *db, int64_t batch_id, int *email,
    int64_t *pending, int64_t *sent)
{
	struct db_param p[] = { DB_I64(batch_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT s.email, COALESCE(SUM(i.statement_id IS NOT NULL"
	    " AND i.mailed = 0), 0), COALESCE(SUM(i.outbox_id IS NOT NULL), 0) FROM"
	    " statement_batches s LEFT JOIN statement_batch_items i ON i.batch_id ="
	    " s.id WHERE s.id = ? GROUP BY s.id, s.email", p, 1, &r);
	*email = 0;
	*pending = *sent = 0;
	if (rc == DB_OK && r.nrows == 1) {
		*email = db_i64(&r, 0, 0) != 0;
		*pending = db_i64(&r, 0, 1);
		*sent = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc;
}
