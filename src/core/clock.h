/* Injectable clock: everything that asks "what time is it" asks here,
 * so tests can set "now": in-process with clock_set(), and for every
 * process at once (billingd, billing-jobs, billingctl, the tests) through
 * the file named by BILLING_CLOCK_FILE ("@T": now is Unix second T; "+N" /
 * "-N": the real clock shifted by N seconds). Tests only: unset in
 * production, where clock_now() is time(). */
#ifndef CLOCK_H
#define CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Unix seconds: clock_set()'s value, else BILLING_CLOCK_FILE's, else real. */
int64_t	 clock_now(void);
/* Monotonic milliseconds (durations only). */
int64_t	 clock_mono_ms(void);
/* Fix "now" at t (t = 0 returns to the real clock). */
void	 clock_set(int64_t t);
/* Formats t (UTC) as "YYYY-MM-DD" / "YYYY-MM-DD HH:MM:SS". */
int	 clock_fmt_date(int64_t t, char *out, size_t outsz);
int	 clock_fmt_datetime(int64_t t, char *out, size_t outsz);

/* Calendar dates as day numbers (days since 1970-01-01), for date math.
 * date_parse accepts exactly YYYY-MM-DD of a real calendar date. */
int	 date_parse(const char *, int64_t *days);
int	 date_fmt(int64_t days, char *out, size_t outsz);	/* YYYY-MM-DD */
int64_t	 date_today(void);	/* from clock_now(), UTC */
/* A day number's year, month (1-12) and day, and back (d a day of that
 * month); the number of days in a month. */
void	 date_split(int64_t days, int *y, int *m, int *d);
int64_t	 date_make(int y, int m, int d);
int	 date_month_days(int y, int m);

#endif
