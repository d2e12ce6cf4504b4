/* Dates as a client reads them, per language: one function per rule.
 * lang "es" is Spanish, anything else English (the default language).
 *
 *   long   "December 4, 2026"            "4 de diciembre de 2026"
 *   short  "Dec 4, 2026"                 "4 dic. 2026"   (narrow PDF columns)
 *   time   "December 4, 2026, 22:15 UTC" "4 de diciembre de 2026, 22:15 UTC"
 *
 * Money needs no per-language rule: amounts are US dollars billed by US
 * providers, written "$1,234.56" in both languages (money_format()). */
#ifndef DATEFMT_H
#define DATEFMT_H

#include <stddef.h>
#include <stdint.h>

/* days: days since 1970-01-01 (date_parse()). 0, or -1 when out is short. */
int	 datefmt_long(const char *lang, int64_t days, char *out, size_t outsz);
int	 datefmt_short(const char *lang, int64_t days, char *out, size_t outsz);
/* t: Unix seconds, written in UTC. */
int	 datefmt_time(const char *lang, int64_t t, char *out, size_t outsz);
/* A stored value: "YYYY-MM-DD" as long, "YYYY-MM-DD HH:MM[:SS]" as time;
 * anything else is copied unchanged (returns 1). 0 / 1 / -1 (out short). */
int	 datefmt_text(const char *lang, const char *s, char *out, size_t outsz);

#endif
