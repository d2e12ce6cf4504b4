/* billingctl jobs run [--job NAME] --once | status */
#include "common.h"

#include "billingctl_jobs.h"
#include "clock.h"
#include "db.h"
#include "jobs.h"
#include "jobs_table.h"
#include "store_stripe_event.h"

#define STUCK_SHOWN	20

static void
when(int64_t t, char *out, size_t outsz)
{
	if (t == 0 || clock_fmt_datetime(t, out, outsz) == -1)
		snprintf(out, outsz, "never");
}

/* The webhook inbox: events received but not applied yet, and those whose
 * apply failed (retried later) with their last error. */
static int
inbox_status(struct db *db)
{
	struct store_stripe_event_counts c;
	struct store_stripe_event_stuck *s;
	char at[32];
	size_t n;

	if (store_stripe_event_counts(db, &c) != DB_OK ||
	    store_stripe_event_failing(db, STUCK_SHOWN, &s, &n) != DB_OK) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(db));
		return 1;
	}
	when(c.oldest, at, sizeof(at));
	printf("\nwebhook events: %" PRId64 " received, not applied yet (oldest %s);"
	    " %" PRId64 " failing\n", c.pending, c.pending ? at : "-", c.failing);
	for (size_t i = 0; i < n; i++) {
		when(s[i].retry_at, at, sizeof(at));
		printf("  %s %s: %" PRId64 " attempts, next %s: %s\n", s[i].id,
		    s[i].type, s[i].attempts, at, s[i].last_error);
	}
	free(s);
	return 0;
}

static int
jobs_status(struct db *db)
{
	struct jobs_row *rows;
	size_t n;

	if (jobs_list(db, &rows, &n) != DB_OK) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(db));
		return 1;
	}
	printf("%-18s %-20s %-20s %8s %8s  %s\n", "job", "last run", "next run",
	    "failures", "runs", "last error");
	for (size_t i = 0; i < njobs_defs; i++) {
		const struct jobs_row *r = NULL;
		char last[32], next[32];

		for (size_t k = 0; k < n; k++)
			if (strcmp(rows[k].name, jobs_defs[i].name) == 0)
				r = &rows[k];
		when(r ? r->last_run_at : 0, last, sizeof(last));
		when(r ? r->next_run_at : 0, next, sizeof(next));
		printf("%-18s %-20s %-20s %8" PRId64 " %8" PRId64 "  %s\n",
		    jobs_defs[i].name, last, r && r->next_run_at ? next : "now",
		    r ? r->failures : 0, r ? r->runs : 0, r ? r->last_error : "");
	}
	free(rows);
	return inbox_status(db);
}

static int
jobs_once(const struct config *cfg, const char *only)
{
	static struct jobs_ctx j;
	static const char *const outcome[] = { "not due", "skipped (another runner "
	    "holds it)", "ok", "FAILED", "FAILED (database)" };
	char err[512] = "";
	int rc = 0, idx = -1;

	if (only != NULL && (idx = jobs_find(only)) < 0) {
		fprintf(stderr, "billingctl: no job %s (billingctl jobs status lists "
		    "them)\n", only);
		return 2;
	}
	j.cfg = cfg;
	j.out = stdout;
	if (jobs_ctx_open(&j, err, sizeof(err)) == -1) {
		fprintf(stderr, "billingctl: %s\n", err);
		jobs_ctx_close(&j);
		return 1;
	}
	for (size_t i = 0; i < njobs_defs; i++) {
		enum job_outcome o;

		if (idx >= 0 && (size_t)idx != i)
			continue;
		o = jobs_run_one(&j, i, 1, err, sizeof(err));
		printf("%s: %s%s%s\n", jobs_defs[i].name, outcome[o], err[0] ? ": " : "",
		    err);
		if (o == JOB_FAILED || o == JOB_DB)
			rc = 1;
	}
	jobs_ctx_close(&j);
	return rc;
}

int
ctl_jobs(const struct config *cfg, struct db *db, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *only = NULL;
	int once = 0;

	if (strcmp(sub, "status") == 0 && argc == 2)
		return jobs_status(db);
	if (strcmp(sub, "run") == 0) {
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--once") == 0)
				once = 1;
			else if (strcmp(argv[i], "--job") == 0 && i + 1 < argc)
				only = argv[++i];
			else {
				once = 0;
				break;
			}
		}
		if (once)
			return jobs_once(cfg, only);
	}
	fprintf(stderr, "usage: billingctl jobs run [--job NAME] --once | status\n");
	return 2;
}
