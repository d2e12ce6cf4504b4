/* PDF of an estimate (with the Good Faith Estimate text and both
 * signatures): placeholder until the renderer lands. */
#include "common.h"

#include "app.h"
#include "staff_estimates.h"

int
h_estimate_pdf(struct ctx *c)
{
	return app_error(c, 404, "The PDF of estimates is not available yet.");
}
