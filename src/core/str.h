/* Safe string helpers. */
#ifndef STR_H
#define STR_H

#include <stddef.h>
#include <stdint.h>

/* Copies with truncation (on a UTF-8 character boundary); returns -1 when
 * src did not fit (dst still NUL-terminated). */
int	 str_copy(char *dst, size_t dstsz, const char *src);
/* snprintf that returns -1 on truncation or error. */
int	 str_fmt(char *dst, size_t dstsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Strict integer parse: whole string, optional leading '-', range-checked.
 * Returns 0 or -1 (empty, junk, overflow, out of [min,max]). */
int	 str_to_i64(const char *, int64_t min, int64_t max, int64_t *out);
/* The value of one hex digit (either case), -1 when c is not one. */
int	 str_hexval(char c);
/* Case-insensitive equality of ASCII strings. */
int	 str_ieq(const char *, const char *);
int	 str_starts(const char *s, const char *prefix);
/* An email address we can put between <> in SMTP and in a To header: a
 * bare addr-spec of printable ASCII without specials, one '@', a dotted
 * domain, at most STR_EMAIL_MAX bytes. */
#define STR_EMAIL_MAX	254
int	 str_email_ok(const char *);
/* Valid UTF-8 (no overlongs, no surrogates, no NUL inside len). */
int	 str_utf8_valid(const char *, size_t);
/* Cuts s after maxchars UTF-8 characters (for VARCHAR(n) columns, which
 * count characters); returns the number of characters kept. */
size_t	 str_utf8_limit(char *s, size_t maxchars);
/* Trims ASCII whitespace at both ends in place; returns s. */
char	*str_trim(char *s);
/* strdup that never returns NULL for a NULL input ("" instead); NULL only on ENOMEM. */
char	*str_dup(const char *);

#endif
