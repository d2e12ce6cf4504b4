/* Settings > Jobs (staff_jobs.c). */
#ifndef STAFF_JOBS_H
#define STAFF_JOBS_H

struct ctx;

int	 h_jobs(struct ctx *);
int	 h_jobs_save(struct ctx *);

#endif
