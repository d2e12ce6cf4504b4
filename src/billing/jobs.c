/* The jobs table: claims, runs, status (jobs.h). */
#include "common.h"

#include <time.h>

#include "db.h"
#include "jobs.h"
#include "str.h"

/* When jobs run is the host's real time, not the business clock
 * (BILLING_CLOCK_FILE): a test that freezes or moves "now" must not stop
 * the mailer or the other jobs from running every period. */
static int64_t
wall_now(void)
{
	return (int64_t)time(NULL);
}

struct claim_args {
	const char	*name, *runner;
	int64_t		 every, lease;
	int		 exclusive, force, claimed;
};

static int
claim_tx(struct db *db, void *arg)
{
	struct claim_args *a = arg;
	int64_t now = wall_now();
	struct db_param ins[] = { DB_STR(a->name), DB_I64(a->every) };
	struct db_param sel[] = { DB_STR(a->name) };
	struct db_result r;
	int rc, due, leased;

	a->claimed = 0;
	if ((rc = db_exec(db, "INSERT IGNORE INTO billing_jobs (name, every_seconds)"
	    " VALUES (?, ?)", ins, 2, NULL, NULL)) != DB_OK)
		return rc;
	if ((rc = db_query(db, "SELECT next_run_at, COALESCE(lease_until, 0),"
	    " COALESCE(claimed_by, '') FROM billing_jobs WHERE name = ? FOR UPDATE",
	    sel, 1, &r)) != DB_OK || r.nrows != 1) {
		db_result_free(&r);
		return rc != DB_OK ? rc : DB_ERR;
	}
	/* next_run_at beyond one period ahead: the clock went back (tests,
	 * a corrected host clock); run now rather than wait. */
	due = a->force || db_i64(&r, 0, 0) <= now || db_i64(&r, 0, 0) > now +
	    a->every;
	leased = a->exclusive && db_str(&r, 0, 2)[0] != '\0' &&
	    db_i64(&r, 0, 1) > now && strcmp(db_str(&r, 0, 2), a->runner) != 0;
	db_result_free(&r);
	if (!due || leased)
		return DB_OK;
	{
		struct db_param u[] = { DB_I64(now + a->every), DB_I64(a->exclusive),
		    DB_STR(a->runner), DB_I64(a->exclusive), DB_I64(now + a->lease),
		    DB_I64(a->every), DB_STR(a->name) };

		rc = db_exec(db, "UPDATE billing_jobs SET next_run_at = ?,"
		    " claimed_by = IF(?, ?, claimed_by), lease_until = IF(?, ?,"
		    " lease_until), every_seconds = ? WHERE name = ?", u, 7, NULL, NULL);
	}
	a->claimed = rc == DB_OK;
	return rc;
}

int
jobs_claim(struct db *db, const char *name, int64_t every, int exclusive,
    int force, const char *runner, int64_t lease, int *claimed)
{
	struct claim_args a = { name, runner, every, lease, exclusive, force, 0 };
	int rc = db_tx(db, claim_tx, &a);

	*claimed = rc == DB_OK && a.claimed;
	return rc;
}

int
jobs_finish(struct db *db, const char *name, const char *runner, int ok,
    const char *error)
{
	int64_t now = wall_now();
	char err[501];
	struct db_param p[] = { DB_I64(now), DB_I64(ok), DB_I64(now), DB_I64(ok),
	    DB_I64(ok), DB_STR(err), DB_STR(runner), DB_STR(name) };

	str_copy(err, sizeof(err), ok ? "" : (error && *error ? error : "failed"));
	for (char *s = err; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	return db_exec(db, "UPDATE billing_jobs SET last_run_at = ?, runs = runs + 1,"
	    " last_ok_at = IF(?, ?, last_ok_at), failures = IF(?, 0, failures + 1),"
	    " last_error = IF(?, last_error, ?), claimed_by = IF(claimed_by = ?, NULL,"
	    " claimed_by), lease_until = IF(claimed_by IS NULL, NULL, lease_until)"
	    " WHERE name = ?", p, 8, NULL, NULL);
}

int
jobs_list(struct db *db, struct jobs_row **out, size_t *n)
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
		struct jobs_row *j = &(*out)[i];

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
