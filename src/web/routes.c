/* The route table: method, path pattern, handler, allowed roles, flags and
 * the fields each route accepts. Authorization starts here. */
#include "common.h"

#include "api.h"
#include "app.h"
#include "handlers.h"
#include "routes.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

static const char *const notices[] = { "created", "disabled", NULL };

static const struct field f_login_page[] = {
	{ "signed_out", FIELD_BOOL, 0, 0, 0, 0, NULL, "Signed out" },
};

static const struct field f_users_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, notices, "Notice" },
};

const struct route routes_core[] = {
	{ { "GET", "/healthz" }, h_healthz, 0, R_PUBLIC | R_NODB | R_NOSESSION, NOFIELDS },
	{ { "GET", "/ping" }, h_ping, 0, R_PUBLIC | R_NODB, NOFIELDS },
	{ { "GET", "/login" }, h_login_form, 0, R_PUBLIC, FIELDS(f_login_page) },
	{ { "POST", "/login" }, h_login, 0, R_PUBLIC | R_FORM, f_login, NF_LOGIN },
	{ { "POST", "/logout" }, h_logout, ROLES_STAFF, 0, NOFIELDS },
	{ { "GET", "/" }, h_home, ROLES_STAFF, 0, NOFIELDS },
	{ { "GET", "/admin/users" }, h_admin_users, ROLE_ADMIN, 0,
	    FIELDS(f_users_page) },
	{ { "POST", "/admin/users" }, h_admin_user_create, ROLE_ADMIN, R_FORM,
	    f_user_create, NF_USER_CREATE },
	{ { "POST", "/admin/users/:id/disable" }, h_admin_user_disable,
	    ROLE_ADMIN, 0, NOFIELDS },
};

const size_t nroutes_core = ARRAY_LEN(routes_core);

const struct route_table route_tables[] = {
	{ routes_core, &nroutes_core },
	{ routes_profiles, &nroutes_profiles },
	{ routes_money, &nroutes_money },
	{ routes_api, &nroutes_api },
	{ routes_pdf, &nroutes_pdf },
	{ routes_webhook, &nroutes_webhook },
	{ routes_stripe_staff, &nroutes_stripe_staff },
	{ routes_portal, &nroutes_portal },
	{ routes_paylink, &nroutes_paylink },
	{ routes_estimates, &nroutes_estimates },
	{ routes_portal_estimates, &nroutes_portal_estimates },
	{ routes_plans, &nroutes_plans },		/* payment plans */
	{ routes_portal_plans, &nroutes_portal_plans },
	{ routes_branding, &nroutes_branding },
	{ routes_stmt_schedule, &nroutes_stmt_schedule },	/* scheduled statements */
	{ routes_portal_proposals, &nroutes_portal_proposals },	/* self-service plans */
	{ routes_jobs, &nroutes_jobs },		/* Settings > Jobs */
	{ routes_plan_card, &nroutes_plan_card },	/* update-card links */
};
const size_t nroute_tables = ARRAY_LEN(route_tables);

const struct error_writer error_writers[] = {
	{ "/api/", api_error },
};
const size_t nerror_writers = ARRAY_LEN(error_writers);
