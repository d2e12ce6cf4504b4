/* Payment plans in the staff UI (staff_plans.c, staff_plans_show.c) and
 * the portal (portal_plans.c). */
#ifndef STAFF_PLANS_H
#define STAFF_PLANS_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct plan;
struct plan_err;
struct tmpl_vars;

int	 h_plan_new(struct ctx *);
int	 h_plan_create(struct ctx *);
int	 h_plan_show(struct ctx *);
int	 h_plan_edit(struct ctx *);
int	 h_plan_skip(struct ctx *);
int	 h_plan_move(struct ctx *);
int	 h_plan_send(struct ctx *);
int	 h_plan_approve(struct ctx *);
int	 h_plan_act(struct ctx *);
int	 h_plan_limits(struct ctx *);
int	 h_plan_limits_save(struct ctx *);

/* The Financial tab's "Payment plans" section (plans loop, new_plan_url). */
struct account_lists;
/* l: the account page's lists, read already (NULL: read here). */
int	 staff_plans_fin(struct ctx *, int64_t account_id, int64_t client_id,
	    const struct account_lists *l);

/* Form/API field of a plan error as the staff form names it. */
const char *staff_plans_form_field(const char *api_field);

/* Staff form helpers (staff_plans.c). */
/* form_<name> of every plan form input as submitted ("" when absent). */
void	 staff_plans_view_inputs(struct ctx *);
int	 staff_plans_view_methods(struct ctx *, int64_t account_id,
	    int64_t chosen);

#endif
