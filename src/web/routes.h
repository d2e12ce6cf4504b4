/* Route tables. Each area of the application owns one table in its own
 * file; dispatch (app.c) tries them in order. */
#ifndef ROUTES_H
#define ROUTES_H

#include <stddef.h>

struct route;

struct route_table {
	const struct route	*routes;
	const size_t		*n;
};

extern const struct route_table route_tables[];
extern const size_t nroute_tables;

/* Who answers errors under a path prefix (the JSON API in JSON; app.c's HTML
 * error page elsewhere). Through this table app.c calls no area itself. */
struct ctx;
struct error_writer {
	const char	*prefix;
	int		(*fn)(struct ctx *, int status, const char *code,
			    const char *message, const char *field);
};

extern const struct error_writer error_writers[];
extern const size_t nerror_writers;

/* One per area (defined in the named file). */
extern const struct route routes_core[];	/* routes.c: health, sign-in, users */
extern const size_t nroutes_core;
extern const struct route routes_profiles[];	/* staff_profiles.c: catalog, accounts, clients, invoices */
extern const size_t nroutes_profiles;
extern const struct route routes_money[];	/* staff_money.c: payments, statements, A/R, audit */
extern const size_t nroutes_money;
extern const struct route routes_api[];		/* api.c: /api/v1 */
extern const size_t nroutes_api;
extern const struct route routes_pdf[];		/* pdf_routes.c: PDF downloads */
extern const size_t nroutes_pdf;

extern const struct route routes_portal[];	/* portal.c: /portal/... */
extern const size_t nroutes_portal;
extern const struct route routes_paylink[];	/* paylink.c: /pay/:token */
extern const size_t nroutes_paylink;
extern const struct route routes_stripe_staff[];	/* staff_stripe.c: card/ACH, methods, consents */
extern const size_t nroutes_stripe_staff;
extern const struct route routes_webhook[];	/* webhook.c: POST /stripe/webhook */
extern const size_t nroutes_webhook;
extern const struct route routes_estimates[];	/* staff_estimates.c: estimates, payers, coverage */
extern const size_t nroutes_estimates;
extern const struct route routes_portal_estimates[];	/* portal_estimates.c */
extern const size_t nroutes_portal_estimates;
extern const struct route routes_branding[];	/* staff_branding.c: Settings > Branding, logo, theme */
extern const size_t nroutes_branding;

extern const struct route routes_plans[];	/* staff_plans.c: payment plans */
extern const size_t nroutes_plans;
extern const struct route routes_stmt_schedule[];	/* staff_stmt_schedule.c */
extern const size_t nroutes_stmt_schedule;
extern const struct route routes_portal_proposals[];	/* portal_plan_propose.c */
extern const size_t nroutes_portal_proposals;
extern const struct route routes_jobs[];	/* staff_jobs.c: Settings > Jobs */
extern const size_t nroutes_jobs;
extern const struct route routes_plan_card[];	/* plan_card_web.c: update-card links */
extern const size_t nroutes_plan_card;
extern const struct route routes_portal_plans[];	/* portal_plans.c: /portal/plans */
extern const size_t nroutes_portal_plans;

#endif
