/* Statement schedules: statement_schedule_settings, statement_schedules,
 * statement_schedule_runs, and what the scheduled email reads
 * (store_statement.h). */
#include "common.h"

#include "db.h"
#include "store_statement.h"
#include "str.h"

#define SCHED_COLS	"cadence, day_of_month, every_weeks, anchor_date, " \
			"min_balance, deliver_email"

/* Row i, from column col on, in SCHED_COLS order. */
static void
sched_row(const struct db_result *r, size_t i, size_t col,
    struct store_statement_schedule *s)
{
	str_copy(s->cadence, sizeof(s->cadence), db_str(r, i, col));
	s->day_of_month = (int)db_i64(r, i, col + 1);
	s->every_weeks = (int)db_i64(r, i, col + 2);
	str_copy(s->anchor_date, sizeof(s->anchor_date), db_str(r, i, col + 3));
	s->min_balance = db_i64(r, i, col + 4);
	s->deliver_email = db_i64(r, i, col + 5) != 0;
}

/* One row: the flag or mode in column 0, then SCHED_COLS. */
static int
sched_get(struct db *db, const char *sql, const struct db_param *p, size_t np,
    struct store_statement_schedule *s)
{
	struct db_result r;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_query(db, sql, p, np, &r);
	if (rc == DB_OK && r.nrows == 1) {
		s->enabled = db_i64(&r, 0, 0) != 0;
		str_copy(s->mode, sizeof(s->mode), db_str(&r, 0, 0));
		sched_row(&r, 0, 1, s);
	}
	if (rc == DB_OK)
		rc = r.nrows == 1;
	db_result_free(&r);
	return rc;
}

int
store_statement_schedule_default_get(struct db *db,
    struct store_statement_schedule *s)
{
	int rc = sched_get(db, "SELECT enabled, " SCHED_COLS " FROM"
	    " statement_schedule_settings WHERE id = 1", NULL, 0, s);

	s->mode[0] = '\0';
	return rc;
}

int
store_statement_schedule_account_get(struct db *db, int64_t account_id,
    struct store_statement_schedule *s)
{
	struct db_param p[] = { DB_I64(account_id) };
	int rc = sched_get(db, "SELECT mode, " SCHED_COLS " FROM"
	    " statement_schedules WHERE account_id = ?", p, 1, s);

	s->enabled = strcmp(s->mode, "custom") == 0;
	return rc;
}

/* Binds: flag or mode, SCHED_COLS, updated_by, updated_at, account. */
#define SCHED_PARAMS(first, s, by, now, acc) { first, DB_STR((s)->cadence), \
	DB_I64((s)->day_of_month), DB_I64((s)->every_weeks), \
	DB_STR((s)->anchor_date), DB_I64((s)->min_balance), \
	DB_I64((s)->deliver_email), (by) ? DB_I64(by) : DB_NULL, DB_I64(now), \
	DB_I64(acc) }

int
store_statement_schedule_default_set(struct db *db,
    const struct store_statement_schedule *s, int64_t updated_by, int64_t now)
{
	struct db_param p[] = SCHED_PARAMS(DB_I64(s->enabled), s, updated_by,
	    now, 1);

	return db_exec(db, "UPDATE statement_schedule_settings SET enabled = ?,"
	    " cadence = ?, day_of_month = ?, every_weeks = ?, anchor_date = ?,"
	    " min_balance = ?, deliver_email = ?, updated_by = ?, updated_at = ?"
	    " WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_statement_schedule_account_put(struct db *db, int64_t account_id,
    const struct store_statement_schedule *s, int64_t updated_by, int64_t now)
{
	struct db_param p[] = SCHED_PARAMS(DB_STR(s->mode), s, updated_by, now,
	    account_id);

	return db_exec(db, "REPLACE INTO statement_schedules (mode, cadence,"
	    " day_of_month, every_weeks, anchor_date, min_balance,"
	    " deliver_email, updated_by, updated_at, account_id) VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_statement_schedule_account_delete(struct db *db, int64_t account_id)
{
	struct db_param p[] = { DB_I64(account_id) };

	return db_exec(db, "DELETE FROM statement_schedules WHERE account_id = ?",
	    p, 1, NULL, NULL);
}

int
store_statement_schedule_due(struct db *db, struct store_statement_due **out,
    size_t *n)
{
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT a.id, COALESCE(s.cadence, d.cadence),"
	    " COALESCE(s.day_of_month, d.day_of_month),"
	    " COALESCE(s.every_weeks, d.every_weeks),"
	    " COALESCE(s.anchor_date, d.anchor_date),"
	    " COALESCE(s.min_balance, d.min_balance),"
	    " COALESCE(s.deliver_email, d.deliver_email)"
	    " FROM accounts a JOIN statement_schedule_settings d ON d.id = 1"
	    " LEFT JOIN statement_schedules s ON s.account_id = a.id"
	    " WHERE (s.mode = 'custom' OR (s.mode IS NULL AND d.enabled = 1))"
	    " ORDER BY a.id", NULL, 0, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		(*out)[i].account_id = db_i64(&r, i, 0);
		(*out)[i].s.enabled = 1;
		sched_row(&r, i, 1, &(*out)[i].s);
	}
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

int
store_statement_schedule_run_get(struct db *db, int64_t account_id,
    const char *key)
{
	struct db_param p[] = { DB_I64(account_id), DB_STR(key) };
	int64_t n = 0;
	int rc = db_query_i64(db, "SELECT COUNT(*) FROM statement_schedule_runs"
	    " WHERE account_id = ? AND period_key = ?", p, 2, &n);

	return rc == DB_OK ? n > 0 : rc;
}

int
store_statement_schedule_run_claim(struct db *db, int64_t account_id,
    const char *key, int64_t now)
{
	struct db_param p[] = { DB_I64(account_id), DB_STR(key), DB_I64(now) };

	return db_exec(db, "INSERT INTO statement_schedule_runs (account_id,"
	    " period_key, status, balance, created_at) VALUES (?, ?, 'skipped', 0, ?)",
	    p, 3, NULL, NULL);
}

int
store_statement_schedule_run_finish(struct db *db, int64_t account_id,
    const char *key, const char *status, int64_t statement_id,
    int64_t outbox_id, int64_t balance)
{
	struct db_param p[] = { DB_STR(status),
	    statement_id ? DB_I64(statement_id) : DB_NULL,
	    outbox_id ? DB_I64(outbox_id) : DB_NULL, DB_I64(balance),
	    DB_I64(account_id), DB_STR(key) };

	return db_exec(db, "UPDATE statement_schedule_runs SET status = ?,"
	    " statement_id = ?, outbox_id = ?, balance = ? WHERE account_id = ?"
	    " AND period_key = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_statement_account_contact(struct db *db, int64_t account_id, char *email,
    size_t emailsz, char *lang, size_t langsz)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	email[0] = lang[0] = '\0';
	rc = db_query(db, "SELECT COALESCE(email, ''), COALESCE(language, '')"
	    " FROM accounts WHERE id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0) {
		str_copy(email, emailsz, db_str(&r, 0, 0));
		str_copy(lang, langsz, db_str(&r, 0, 1));
	}
	db_result_free(&r);
	return rc;
}

int
store_statement_portal_post(struct db *db, int64_t account_id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(account_id) };

	return db_exec(db, "INSERT IGNORE INTO portal_invoices (invoice_id,"
	    " account_id, posted_at) SELECT id, account_id, ? FROM invoices"
	    " WHERE account_id = ? AND status = 'issued'", p, 2, NULL, NULL);
}
