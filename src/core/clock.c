#include "common.h"
#include "clock.h"

#include <time.h>

static int64_t fixed_now;

/* BILLING_CLOCK_FILE (tests only): a file holding "@T" (now is Unix second T)
 * or "+N"/"-N" (now is the real time shifted by N seconds), read on every
 * call so a test can move "now" for every running process at once. A
 * missing, empty or malformed file means the real clock. */
static int
clock_file_read(int64_t real, int64_t *out)
{
	const char *path = getenv("BILLING_CLOCK_FILE");
	char text[64], *end;
	size_t n;
	long long v;
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (n == 0 || (text[0] != '@' && text[0] != '+' && text[0] != '-'))
		return -1;
	errno = 0;
	v = strtoll(text + (text[0] == '@'), &end, 10);
	if (errno != 0 || end == text + (text[0] == '@') ||
	    (*end != '\0' && *end != '\n'))
		return -1;
	*out = text[0] == '@' ? (int64_t)v : real + (int64_t)v;
	return 0;
}

int64_t
clock_now(void)
{
	int64_t real, t;

	if (fixed_now)
		return fixed_now;
	real = (int64_t)time(NULL);
	return clock_file_read(real, &t) == 0 ? t : real;
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

/* Howard Hinnant's days_from_civil / civil_from_days. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
date_month_days(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

void
date_split(int64_t days, int *y, int *m, int *d)
{
	int64_t yy, mm, dd;

	civil_from_days(days, &yy, &mm, &dd);
	*y = (int)yy;
	*m = (int)mm;
	*d = (int)dd;
}

int64_t
date_make(int y, int m, int d)
{
	return days_from_civil(y, m, d);
}

int
date_parse(const char *s, int64_t *days)
{
	int64_t y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return -1;
	if (y < 1900 || y > 9999 || m < 1 || m > 12)
		return -1;
	if (d < 1 || d > date_month_days((int)y, (int)m))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

int
date_fmt(int64_t days, char *out, size_t outsz)
{
	int64_t y, m, d;

	civil_from_days(days, &y, &m, &d);
	return snprintf(out, outsz, "%04" PRId64 "-%02" PRId64 "-%02" PRId64,
	    y, m, d) >= (int)outsz ? -1 : 0;
}

int64_t
date_today(void)
{
	int64_t t = clock_now();

	return (t >= 0 ? t : t - 86399) / 86400;
}
