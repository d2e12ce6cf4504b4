#include "common.h"
#include "clock.h"

#include <time.h>

static int64_t fixed_now;

int64_t
clock_now(void)
{
	return fixed_now ? fixed_now : (int64_t)time(NULL);
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_set(int64_t t)
{
	fixed_now = t;
}

static int
fmt_tm(int64_t t, const char *fmt, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return strftime(out, outsz, fmt, &tm) == 0 ? -1 : 0;
}

int
clock_fmt_date(int64_t t, char *out, size_t outsz)
{
	return fmt_tm(t, "%Y-%m-%d", out, outsz);
}

int
clock_fmt_datetime(int64_t t, char *out, size_t outsz)
{
	return fmt_tm(t, "%Y-%m-%d %H:%M:%S", out, outsz);
}
