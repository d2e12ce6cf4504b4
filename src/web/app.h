/* The application: per-worker state, per-request context, dispatch. */
#ifndef APP_H
#define APP_H

#include <stdint.h>

#include "branding.h"
#include "cfg.h"
#include "http.h"
#include "req.h"
#include "router.h"

struct db;
struct i18n;
struct tmpl_cache;
struct tmpl_vars;
struct FCGX_Request;

enum role {
	ROLE_ADMIN = 0x1,
	ROLE_BILLING = 0x2,
	ROLE_FRONTDESK = 0x4,
};
#define ROLES_STAFF	(ROLE_ADMIN | ROLE_BILLING | ROLE_FRONTDESK)
#define ROLES_MONEY	(ROLE_ADMIN | ROLE_BILLING)	/* may change money records */

/* Per-worker state. */
struct app {
	struct config		 cfg;
	struct db		*db;
	struct tmpl_cache	*tc;
	struct i18n		*i18n;	/* tc's catalogs, for billing's texts */
};

struct staff_user {
	int64_t	 id;
	char	 email[256];
	char	 name[256];
	enum role role;
};

struct ctx;
typedef int (*route_fn)(struct ctx *);

/* Route flags. */
#define R_PUBLIC	0x01u	/* no staff login needed */
#define R_NODB		0x02u	/* does not touch the database */
#define R_NOCSRF	0x04u	/* state-changing but authenticated otherwise (webhooks, API) */
#define R_FORM		0x08u	/* on invalid fields, the handler re-renders its form */
#define R_NOSESSION	0x10u	/* machine endpoint: no session, no cookies */

struct route {
	struct route_pattern	 p;	/* must be first (router stride) */
	route_fn		 fn;
	unsigned		 roles;	/* allowed staff roles (ignored with R_PUBLIC) */
	unsigned		 flags;
	const struct field	*fields;
	size_t			 nfields;
};

struct ctx {
	struct app		*app;
	struct http_req		 req;
	struct http_resp	 resp;
	const struct route	*route;
	struct route_match	 match;
	struct field_set	 fs;	/* validated fields of the route */
	int			 logged_in;
	struct staff_user	 user;
	char			 session_token[64];	/* raw cookie value (never stored) */
	char			 csrf[80];		/* token for forms on this page */
	struct tmpl_vars	*view;
	const char		*csp;
	struct branding		 brand;		/* app_brand() loads it once */
	int			 brand_loaded;
	struct buf		 brand_logo;	/* kit_pdf_org(): the logo's PNG */
};

/* Worker lifecycle. */
/* Loads the configuration (master, before fork). */
int	 app_init(struct app *, const char *config_path);
/* Per-worker resources (after fork): database handle, template cache. */
int	 app_worker_init(struct app *);
void	 app_free(struct app *);
/* Handles one FastCGI request end to end (never exits the process). */
void	 app_handle(struct app *, struct FCGX_Request *);

/* For handlers. */
/* Renders template `name` with ctx->view plus the layout variables into the
 * response with the given status. Returns 0 / -1. */
int	 app_render(struct ctx *, int status, const char *name);
/* Renders the shared error page (404, 403, 503, ...) with a message. */
int	 app_error(struct ctx *, int status, const char *message);
/* Sets a JSON body. */
int	 app_json(struct ctx *, int status, const char *json);
/* Value of a validated field of the route (by name), or NULL. */
const struct field_value *app_field(const struct ctx *, const char *name);
/* Copies the validation errors into the view as err_<field> and errors loop. */
void	 app_view_errors(struct ctx *);
/* Pages that load Stripe.js: sets c->csp to the default policy plus the
 * origin of cfg->stripe_js_url in script-src, frame-src and connect-src
 * (for https://js.stripe.com: Stripe's documented hosts). */
void	 app_csp_stripe(struct ctx *);
/* The organisation's branding for this request (loaded once; name and
 * address fall back to the configuration). Never NULL. */
const struct branding *app_brand(struct ctx *);
/* Sets the request's branding from row as read with the session (NULL:
 * none), with the same fallbacks; app_brand() then reads nothing. */
void	 app_brand_set(struct ctx *, const struct branding *row);
/* Client IP for throttling/audit. */
const char *app_ip(const struct ctx *);

const char *app_role_name(enum role);
int	 app_role_parse(const char *, enum role *);

#endif
