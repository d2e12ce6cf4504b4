/* Staff pages for estimates (staff_estimates.c), their settings (payers,
 * rates, self-pay pricing, provider facts) and coverage
 * (staff_estimates_settings.c). Routes: routes_estimates. */
#ifndef STAFF_ESTIMATES_H
#define STAFF_ESTIMATES_H

#include <stdint.h>

struct ctx;

#define SE_LINES	8	/* line rows of the estimate form */

/* The Estimates block of a client's/inquiry's Financial tab: its estimates
 * and coverage into the view (fin_estimates loop, coverage loop). */
/* The :id estimate: 1 loaded (estimate_free it), 0 answered 404, -1. */
struct estimate;
int	 staff_estimates_load(struct ctx *, struct estimate *);
int	 staff_estimates_fin_block(struct ctx *, int64_t client_id);
/* GFE $400 flags (gfe_flags loop) of an account, or of one of its clients
 * (client_id != 0), or of every account (account_id 0). */
struct account_lists;
/* l: the account page's lists, read already (NULL: read here). */
int	 staff_estimates_gfe_flags(struct ctx *, int64_t account_id,
	    int64_t client_id, const struct account_lists *l);
/* The staff home's work list (gfe_flags, est_awaiting loops). */
int	 staff_estimates_home_worklist(struct ctx *);

int	 h_estimate_new(struct ctx *);
int	 h_estimate_create(struct ctx *);
int	 h_estimate_preview(struct ctx *);
int	 h_estimate_show(struct ctx *);
int	 h_estimate_edit(struct ctx *);
int	 h_estimate_update(struct ctx *);
int	 h_estimate_send(struct ctx *);
int	 h_estimate_countersign(struct ctx *);
int	 h_estimate_invoice(struct ctx *);
int	 h_estimate_plan(struct ctx *);
int	 h_estimate_gfe(struct ctx *);
int	 h_estimate_pdf(struct ctx *);

int	 h_payers(struct ctx *);
int	 h_payer_create(struct ctx *);
int	 h_payer_update(struct ctx *);
int	 h_payer_rates(struct ctx *);
int	 h_payer_rate_set(struct ctx *);
int	 h_estimate_pricing(struct ctx *);
int	 h_estimate_pricing_set(struct ctx *);
int	 h_provider_set(struct ctx *);
int	 h_coverage_list(struct ctx *);
int	 h_coverage_create(struct ctx *);
int	 h_coverage_edit(struct ctx *);
int	 h_coverage_update(struct ctx *);

#endif
