/* Payment plans in the staff UI (staff_plans.c, staff_plans_show.c) and
 * the portal (portal_plans.c). */
#ifndef STAFF_PLANS_H
#define STAFF_PLANS_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct plan;
struct plan_err;
struct tmpl_cache;
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
int	 staff_plans_fin(struct ctx *, int64_t account_id, int64_t client_id);

/* Shared by the staff and portal pages: plan figures and its schedule
 * (loop "schedule") into v. */
void	 plans_view(struct tmpl_vars *, const struct plan *);
/* plans_view() with the labels (statuses, frequency, method) in lang from
 * the catalogs of tc: the client's pages. */
void	 plans_view_lang(struct tmpl_vars *, const struct plan *,
	    struct tmpl_cache *, const char *lang);
/* Form/API field of a plan error as the staff form names it. */
const char *plans_form_field(const char *api_field);

/* Staff form helpers (staff_plans.c). */
int	 plans_form_ids(const struct ctx *, int64_t *ids, size_t max, size_t *n);
void	 plans_drop_repeat_errors(struct ctx *);
/* form_<name> of every plan form input as submitted ("" when absent). */
void	 plans_view_inputs(struct ctx *);
int	 plans_view_methods(struct ctx *, int64_t account_id, int64_t chosen);

/* The portal's pages (portal_plans.c). */
int	 h_portal_plan(struct ctx *);
int	 h_portal_plan_accept(struct ctx *);
int	 portal_plans_billing(struct ctx *, int64_t account_id);
/* The selection of "Pay next installment now" (what = "next") or "Pay off
 * the plan" ("payoff") for portal_pay.c: an enum portal_status; msg says
 * why it cannot be paid. Sets plan_id / plan_what in the view. */
struct portal_selection;
int	 portal_plan_select(struct ctx *, int64_t account_id, const char *plan,
	    const char *what, struct portal_selection *, char *msg, size_t msgsz);
/* After the payment flow created payment_id for the form's plan (fields
 * plan, plan_what): the installments it pays are processing. 0 / -1. */
int	 portal_plan_started(struct ctx *, int64_t account_id, int64_t payment_id);

#endif
