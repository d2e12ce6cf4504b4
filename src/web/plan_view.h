/* Payment plans into views, shared by the staff pages (staff/staff_plans*),
 * the portal (portal/portal_plans.c, portal_plan_propose.c) and the
 * update-card link (paylink/plan_card_web.c). */
#ifndef PLAN_VIEW_H
#define PLAN_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct plan;
struct tmpl_cache;
struct tmpl_vars;

/* Plan figures and its schedule (loop "schedule") into v. */
void	 plan_view(struct tmpl_vars *, const struct plan *);
/* plan_view() with the labels (statuses, frequency, method) in lang from
 * the catalogs of tc: the client's pages. */
void	 plan_view_lang(struct tmpl_vars *, const struct plan *,
	    struct tmpl_cache *, const char *lang);
/* Every "invoice_id" of the form (checkboxes repeat the name) into ids: 0,
 * or -1 when one is not an id or there are more than max. */
int	 plan_view_form_ids(const struct ctx *, int64_t *ids, size_t max,
	    size_t *n);
/* Drops the field table's errors of the repeated invoice_id checkboxes. */
void	 plan_view_drop_repeat_errors(struct ctx *);

#endif
