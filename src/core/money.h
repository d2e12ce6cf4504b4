/* Money: int64_t amounts in the currency's minor unit (cents). No floating point.
 *
 * The one rounding rule: a percentage of an amount is computed exactly in
 * integers and rounded half away from zero to the nearest cent
 * (e.g. 10% of $0.05 = 0.5c -> 1c; 10% of -$0.05 -> -1c). Percentages are
 * given in basis points (1% = 100 bp) so 12.5% is exact. */
#ifndef MONEY_H
#define MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_MAX	INT64_C(99999999999999)	/* $999,999,999,999.99 */
#define MONEY_FMT_MAX	32

/* "$1,234.56", "-$0.05". Returns 0 or -1 if out is too small. */
int	 money_format(int64_t cents, char *out, size_t outsz);
/* "1234.56" (no symbol, no grouping): for form inputs. */
int	 money_format_plain(int64_t cents, char *out, size_t outsz);
/* Parses "1234.56", "1,234.5", "$12", "-3.10", " 7 ". At most two decimals,
 * |value| <= MONEY_MAX. Returns 0 or -1 (and *out untouched). */
int	 money_parse(const char *, int64_t *out);
/* amount * bp / 10000, rounded half away from zero. -1 on overflow. */
int	 money_percent(int64_t amount, int64_t basis_points, int64_t *out);

#endif
