/* The jobs table (billing_jobs): one row per job of billing-jobs. Times
 * are whatever the caller passes (jobs.c: the host's real time). Functions
 * return a db_status (0 is DB_OK) unless said otherwise. */
#ifndef STORE_JOB_H
#define STORE_JOB_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_job {
	char	 name[41];
	int64_t	 every;
	int64_t	 last_run_at, last_ok_at, next_run_at;	/* 0 = never */
	char	 last_error[501];
	int64_t	 failures, runs;
	char	 claimed_by[101];	/* "" = none */
	int64_t	 lease_until;		/* 0 = none */
};

/* Adds the job's row (due now) unless it exists. */
int	 store_job_ensure(struct db *, const char *name, int64_t every);
/* Locks the job's row (in the caller's transaction): 1 and next_run_at,
 * claimed_by, lease_until of *j, 0 when no row, or a negative db_status. */
int	 store_job_lock(struct db *, const char *name, struct store_job *j);
/* Moves next_run_at on; exclusive: also claimed_by = runner until lease_until. */
int	 store_job_claim(struct db *, const char *name, int64_t every,
	    int64_t next_run_at, int exclusive, const char *runner,
	    int64_t lease_until);
/* Records a run at now (ok, or error: one line) and releases runner's lease. */
int	 store_job_finish(struct db *, const char *name, const char *runner,
	    int64_t now, int ok, const char *error);
/* Every job row by name into a malloc'd array (caller frees). */
int	 store_job_list(struct db *, struct store_job **out, size_t *n);

#endif
