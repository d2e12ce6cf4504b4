/* The jobs of billing-jobs, shared with `billingctl jobs run --once`: a
 * table of name, how often, exclusive or not, and the function. Each run
 * is claimed in the billing_jobs table (jobs.h) and its outcome recorded
 * there (last run, next run, last error, failures in a row). */
#ifndef JOBS_TABLE_H
#define JOBS_TABLE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "cfg.h"

struct db;
struct mailer;
struct tmpl_cache;

struct jobs_ctx {
	const struct config	*cfg;
	struct db		*db;
	struct mailer		*mailer;
	struct tmpl_cache	*tc;
	char			 runner[128];	/* "host:pid" */
	volatile sig_atomic_t	*stop;
	FILE			*out;		/* one line per run, or NULL */
};

struct job_def {
	const char	*name;
	int		 every;		/* seconds between runs */
	int		 exclusive;	/* one runner at a time (a lease) */
	int		(*run)(struct jobs_ctx *, char *err, size_t errsz);
	const char	*what;
};
extern const struct job_def jobs_defs[];
extern const size_t njobs_defs;

/* Opens what the jobs need after cfg is loaded (db, mailer, templates).
 * 0 / -1 with err. jobs_ctx_close() frees. */
int	 jobs_ctx_open(struct jobs_ctx *, char *err, size_t errsz);
void	 jobs_ctx_close(struct jobs_ctx *);

enum job_outcome { JOB_NOT_DUE, JOB_BUSY, JOB_OK, JOB_FAILED, JOB_DB };
/* Claims and runs job i if it is due (force: whatever next_run_at says),
 * recording the outcome. err gets the failure. */
enum job_outcome jobs_run_one(struct jobs_ctx *, size_t i, int force, char *err,
	    size_t errsz);
/* The webhook applier (jobs_defs' webhook_apply), also run directly by
 * billing-jobs between ticks when an event is due. 0 / -1 with err. */
int	 job_webhook_apply(struct jobs_ctx *, char *err, size_t errsz);
/* The index of the job named name, or -1. */
int	 jobs_find(const char *name);

#endif
