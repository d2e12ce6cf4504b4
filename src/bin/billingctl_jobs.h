/* billingctl's jobs command (billingctl_jobs.c). */
#ifndef BILLINGCTL_JOBS_H
#define BILLINGCTL_JOBS_H

struct config;
struct db;

/* argv[0] = "jobs". Returns the exit status. */
int	 ctl_jobs(const struct config *, struct db *, int argc, char **argv);

#endif
