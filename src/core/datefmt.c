/* Client-facing dates per language (see datefmt.h). The calendar comes
 * from clock.c (date_parse / date_fmt), the words from the tables here. */
#include "common.h"
#include "clock.h"
#include "datefmt.h"
#include "str.h"

static const char *const en_long[12] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };
static const char *const en_short[12] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
/* Spanish writes months in lower case; abbreviations as the RAE lists them. */
static const char *const es_long[12] = { "enero", "febrero", "marzo",
    "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre" };
static const char *const es_short[12] = { "ene.", "feb.", "mar.", "abr.",
    "may.", "jun.", "jul.", "ago.", "sept.", "oct.", "nov.", "dic." };

static int
is_es(const char *lang)
{
	return lang != NULL && strcmp(lang, "es") == 0;
}

/* Year, month (1-12), day of a day number. */
static int
ymd(int64_t days, int *y, int *m, int *d)
{
	char s[16];

	if (date_fmt(days, s, sizeof(s)) == -1 || strlen(s) != 10)
		return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	return *m >= 1 && *m <= 12 ? 0 : -1;
}

int
datefmt_long(const char *lang, int64_t days, char *out, size_t outsz)
{
	int y, m, d;

	if (ymd(days, &y, &m, &d) == -1)
		return -1;
	if (is_es(lang))
		return str_fmt(out, outsz, "%d de %s de %d", d, es_long[m - 1], y);
	return str_fmt(out, outsz, "%s %d, %d", en_long[m - 1], d, y);
}

int
datefmt_short(const char *lang, int64_t days, char *out, size_t outsz)
{
	int y, m, d;

	if (ymd(days, &y, &m, &d) == -1)
		return -1;
	if (is_es(lang))
		return str_fmt(out, outsz, "%d %s %d", d, es_short[m - 1], y);
	return str_fmt(out, outsz, "%s %d, %d", en_short[m - 1], d, y);
}

static int
time_of(const char *lang, int64_t days, int hh, int mm, char *out,
    size_t outsz)
{
	char day[48];

	if (datefmt_long(lang, days, day, sizeof(day)) == -1)
		return -1;
	return str_fmt(out, outsz, "%s, %02d:%02d UTC", day, hh, mm);
}

int
datefmt_time(const char *lang, int64_t t, char *out, size_t outsz)
{
	int64_t days = (t >= 0 ? t : t - 86399) / 86400, sec = t - days * 86400;

	return time_of(lang, days, (int)(sec / 3600), (int)(sec % 3600 / 60),
	    out, outsz);
}

static int
two(const char *s, int max, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return *out <= max ? 0 : -1;
}

int
datefmt_text(const char *lang, const char *s, char *out, size_t outsz)
{
	char day[11];
	int64_t days;
	int hh, mm, ss = 0;
	size_t n = s ? strlen(s) : 0;

	if (n >= 10) {
		memcpy(day, s, 10);
		day[10] = '\0';
	}
	if (n == 10 && date_parse(day, &days) == 0)
		return datefmt_long(lang, days, out, outsz);
	if ((n == 16 || n == 19) && date_parse(day, &days) == 0 && s[10] == ' ' &&
	    two(s + 11, 23, &hh) == 0 && s[13] == ':' && two(s + 14, 59, &mm) == 0 &&
	    (n == 16 || (s[16] == ':' && two(s + 17, 59, &ss) == 0)))
		return time_of(lang, days, hh, mm, out, outsz);
	(void)ss;	/* seconds are not shown */
	if (str_copy(out, outsz, s ? s : "") == -1)
		return -1;
	return 1;
}
