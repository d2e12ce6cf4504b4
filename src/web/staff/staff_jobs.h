/* Settings > Jobs and the staff home's "Plans past due" (staff_jobs.c). */
#ifndef STAFF_JOBS_H
#define STAFF_JOBS_H

struct ctx;

int	 h_jobs(struct ctx *);
int	 h_jobs_save(struct ctx *);
/* Fills the home view's plans_past_due loop. 0 / -1. */
int	 staff_jobs_home_worklist(struct ctx *);

#endif
