#include "common.h"
#include "money.h"
#include "str.h"

#include <ctype.h>

int
money_format_plain(int64_t cents, char *out, size_t outsz)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	return str_fmt(out, outsz, "%s%" PRIu64 ".%02" PRIu64,
	    cents < 0 ? "-" : "", a / 100, a % 100);
}

int
money_format(int64_t cents, char *out, size_t outsz)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	char digits[32], grouped[48];
	size_t n, i, j = 0;

	if (str_fmt(digits, sizeof(digits), "%" PRIu64, a / 100) == -1)
		return -1;
	n = strlen(digits);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			grouped[j++] = ',';
		grouped[j++] = digits[i];
	}
	grouped[j] = '\0';
	return str_fmt(out, outsz, "%s$%s.%02" PRIu64,
	    cents < 0 ? "-" : "", grouped, a % 100);
}

int
money_parse(const char *s, int64_t *out)
{
	int neg = 0, frac_digits = 0, seen_dot = 0, int_digits = 0;
	int64_t whole = 0, frac = 0, v;
	const char *p = s;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '$')
		p++;
	for (; *p && !isspace((unsigned char)*p); p++) {
		if (*p == ',' && !seen_dot && int_digits > 0)
			continue;
		if (*p == '.' && !seen_dot) {
			seen_dot = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -1;
		if (seen_dot) {
			if (++frac_digits > 2)
				return -1;
			frac = frac * 10 + (*p - '0');
		} else {
			if (whole > MONEY_MAX / 100)
				return -1;
			whole = whole * 10 + (*p - '0');
			int_digits++;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0' || (int_digits == 0 && frac_digits == 0))
		return -1;
	if (frac_digits == 1)
		frac *= 10;
	if (whole > MONEY_MAX / 100)
		return -1;
	v = whole * 100 + frac;
	if (v > MONEY_MAX)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

int
money_percent(int64_t amount, int64_t bp, int64_t *out)
{
	__int128 p = (__int128)amount * bp;
	__int128 q, r;

	q = p / 10000;
	r = p % 10000;
	if (r >= 5000)
		q++;
	else if (r <= -5000)
		q--;
	if (q > INT64_MAX || q < INT64_MIN)
		return -1;
	*out = (int64_t)q;
	return 0;
}
