/* PDF of an estimate (pdf_estimate.c): the breakdown and totals, the Good
 * Faith Estimate facts and disclaimers for self-pay estimates, and the
 * signatures (drawn PNG or typed name, time, IP) with the SHA-256 of the
 * signed content. Pure: no database, no HTTP. */
#ifndef PDF_ESTIMATE_H
#define PDF_ESTIMATE_H

#include <stddef.h>

struct buf;
struct estimate;

/* Renders into out (reset first). 0, or -1 (out left empty). */
int	 pdf_estimate(const struct estimate *, const char *org_name, struct buf *out);
/* "estimate-12-v2.pdf" / "good-faith-estimate-12-v1.pdf". */
void	 pdf_estimate_filename(const struct estimate *, char *out, size_t outsz);

#endif
