/* The jobs table (billing_jobs): when each job of billing-jobs last ran,
 * when it is due again, its last error and failures in a row. A runner
 * claims a due job by writing its row (next_run_at moved on; for an
 * exclusive job also claimed_by / lease_until), so on Galera two nodes'
 * claims conflict and only one commits. Times are the host's real time
 * (not the business clock of tests); rows in src/store/store_job.c. Return values:
 * db_status. */
#ifndef JOBS_H
#define JOBS_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define JOBS_NAME_MAX	40

struct jobs_row {
	char	 name[JOBS_NAME_MAX + 1];
	int64_t	 every;
	int64_t	 last_run_at, last_ok_at, next_run_at;	/* 0 = never */
	char	 last_error[501];
	int64_t	 failures, runs;
	char	 claimed_by[101];	/* "" = none */
	int64_t	 lease_until;
};

/* Claims job `name` for runner: due when next_run_at <= now (force: any
 * time). exclusive: also refused while another runner's lease runs, and
 * leased for `lease` seconds. *claimed = 1 when this runner may run it. */
int	 jobs_claim(struct db *, const char *name, int64_t every, int exclusive,
	    int force, const char *runner, int64_t lease, int *claimed);
/* Records a run: ok, or its error (one line); releases the lease. */
int	 jobs_finish(struct db *, const char *name, const char *runner, int ok,
	    const char *error);
/* Every job row by name. Caller frees *out. */
int	 jobs_list(struct db *, struct jobs_row **out, size_t *n);

#endif
