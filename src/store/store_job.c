/* The jobs table (see store_job.h). */
#include "common.h"

#include "db.h"
#include "store_job.h"
#include "str.h"

int
store_job_ensure(struct db *db, const char *name, int64_t every)
{
	struct db_param p[] = { DB_STR(name), DB_I64(every) };

	return db_exec(db, "INSERT IGNORE INTO billing_jobs (name, every_seconds)"
	    " VALUES (?, ?)", p, 2, NULL, NULL);
}

int
store_job_lock(struct db *db, const char *name, struct store_job *j)
{
	struct db_param p[] = { DB_STR(name) };
	struct db_result r;
	int rc;

	memset(j, 0, sizeof(*j));
	rc = db_query(db, "SELECT next_run_at, COALESCE(lease_until, 0),"
	    " COALESCE(claimed_by, '') FROM billing_jobs WHERE name = ? FOR UPDATE",
	    p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		str_copy(j->name, sizeof(j->name), name);
		j->next_run_at = db_i64(&r, 0, 0);
		j->lease_until = db_i64(&r, 0, 1);
		str_copy(j->claimed_by, sizeof(j->claimed_by), db_str(&r, 0, 2));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_job_claim(struct db *db, const char *name, int64_t every,
    int64_t next_run_at, int exclusive, const char *runner, int64_t lease_until)
{
	struct db_param p[] = { DB_I64(next_run_at), DB_I64(exclusive),
	    DB_STR(runner), DB_I64(exclusive), DB_I64(lease_until),
	    DB_I64(every), DB_STR(name) };

	return db_exec(db, "UPDATE billing_jobs SET next_run_at = ?,"
	    " claimed_by = IF(?, ?, claimed_by), lease_until = IF(?, ?,"
	    " lease_until), every_seconds = ? WHERE name = ?", p, 7, NULL, NULL);
}

int
store_job_finish(struct db *db, const char *name, const char *runner,
    int64_t now, int ok, const char *error)
{
	struct db_param p[] = { DB_I64(now), DB_I64(ok), DB_I64(now), DB_I64(ok),
	    DB_I64(ok), DB_STR(error), DB_STR(runner), DB_STR(name) };

	return db_exec(db, "UPDATE billing_jobs SET last_run_at = ?, runs = runs + 1,"
	    " last_ok_at = IF(?, ?, last_ok_at), failures = IF(?, 0, failures + 1),"
	    " last_error = IF(?, last_error, ?), claimed_by = IF(claimed_by = ?, NULL,"
	    " claimed_by), lease_until = IF(claimed_by IS NULL, NULL, lease_until)"
	    " WHERE name = ?", p, 8, NULL, NULL);
}

int
store_job_list(struct db *db, struct store_job **out, size_t *n)
{
	struct db_result r;
	int rc = db_query(db, "SELECT name, every_seconds, COALESCE(last_run_at, 0),"
	    " COALESCE(last_ok_at, 0), next_run_at, last_error, failures, runs,"
	    " COALESCE(claimed_by, ''), COALESCE(lease_until, 0) FROM billing_jobs"
	    " ORDER BY name", NULL, 0, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_job *j = &(*out)[i];

		str_copy(j->name, sizeof(j->name), db_str(&r, i, 0));
		j->every = db_i64(&r, i, 1);
		j->last_run_at = db_i64(&r, i, 2);
		j->last_ok_at = db_i64(&r, i, 3);
		j->next_run_at = db_i64(&r, i, 4);
		str_copy(j->last_error, sizeof(j->last_error), db_str(&r, i, 5));
		j->failures = db_i64(&r, i, 6);
		j->runs = db_i64(&r, i, 7);
		str_copy(j->claimed_by, sizeof(j->claimed_by), db_str(&r, i, 8));
		j->lease_until = db_i64(&r, i, 9);
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}
