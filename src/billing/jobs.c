/* The jobs of billing-jobs: when one is due and who may run it (jobs.h;
 * rows in store_job.c). */
#include "common.h"

#include <time.h>

#include "db.h"
#include "jobs.h"
#include "store_job.h"
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
	struct store_job j;
	int rc, due, leased;

	a->claimed = 0;
	if ((rc = store_job_ensure(db, a->name, a->every)) != DB_OK)
		return rc;
	if ((rc = store_job_lock(db, a->name, &j)) != 1)
		return rc < 0 ? rc : DB_ERR;
	/* next_run_at beyond one period ahead: the clock went back (tests,
	 * a corrected host clock); run now rather than wait. */
	due = a->force || j.next_run_at <= now || j.next_run_at > now + a->every;
	leased = a->exclusive && j.claimed_by[0] != '\0' &&
	    j.lease_until > now && strcmp(j.claimed_by, a->runner) != 0;
	if (!due || leased)
		return DB_OK;
	rc = store_job_claim(db, a->name, a->every, now + a->every, a->exclusive,
	    a->runner, now + a->lease);
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
	char err[501];

	str_copy(err, sizeof(err), ok ? "" : (error && *error ? error : "failed"));
	for (char *s = err; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	return store_job_finish(db, name, runner, wall_now(), ok, err);
}

int
jobs_list(struct db *db, struct jobs_row **out, size_t *n)
{
	struct store_job *s = NULL;
	size_t ns = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_job_list(db, &s, &ns)) != DB_OK)
		return rc;
	if (ns > 0 && (*out = calloc(ns, sizeof(**out))) == NULL) {
		free(s);
		return DB_ERR;
	}
	for (size_t i = 0; i < ns; i++) {
		struct jobs_row *j = &(*out)[i];

		str_copy(j->name, sizeof(j->name), s[i].name);
		j->every = s[i].every;
		j->last_run_at = s[i].last_run_at;
		j->last_ok_at = s[i].last_ok_at;
		j->next_run_at = s[i].next_run_at;
		str_copy(j->last_error, sizeof(j->last_error), s[i].last_error);
		j->failures = s[i].failures;
		j->runs = s[i].runs;
		str_copy(j->claimed_by, sizeof(j->claimed_by), s[i].claimed_by);
		j->lease_until = s[i].lease_until;
	}
	*n = ns;
	free(s);
	return DB_OK;
}
