#include "common.h"

#include <fcgiapp.h>
#include <time.h>

#include "app.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "routes.h"
#include "service.h"
#include "session.h"
#include "signin.h"
#include "str.h"
#include "tmpl.h"
#include "users.h"

#define COOKIE_SESSION	"bsid"
#define COOKIE_PRELOGIN	"bpre"

static const char default_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'";

/* --- CSP for pages that load Stripe.js (owner: stripe-pay) --------------- */

/* "scheme://host[:port]" of an http(s) URL into out; -1 when the URL has
 * no such origin or carries characters a CSP source must not contain. */
static int
url_origin(const char *url, char *out, size_t outsz)
{
	const char *p, *end;
	size_t n;

	if (str_starts(url, "https://"))
		p = url + 8;
	else if (str_starts(url, "http://"))
		p = url + 7;
	else
		return -1;
	for (end = p; *end && *end != '/' && *end != '?' && *end != '#'; end++)
		if (!((*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') ||
		    (*end >= '0' && *end <= '9') || *end == '.' || *end == '-' ||
		    *end == ':' || *end == '[' || *end == ']'))
			return -1;
	n = (size_t)(end - url);
	if (end == p || n >= outsz)
		return -1;
	memcpy(out, url, n);
	out[n] = '\0';
	return 0;
}

void
app_csp_stripe(struct ctx *c)
{
	/* Per worker process (single-threaded); rebuilt when the URL changes. */
	static char csp[1200], built_for[512];
	const char *url = c->app->cfg.stripe_js_url;
	char origin[300];
	int rc;

	if (url == NULL || url_origin(url, origin, sizeof(origin)) == -1 ||
	    strlen(url) >= sizeof(built_for)) {
		c->csp = default_csp;
		return;
	}
	if (strcmp(built_for, url) != 0) {
		if (strcmp(origin, "https://js.stripe.com") == 0)
			/* Stripe's documented hosts for Stripe.js. */
			rc = str_fmt(csp, sizeof(csp), "default-src 'self'; "
			    "script-src 'self' https://js.stripe.com https://*.js.stripe.com; "
			    "style-src 'self'; img-src 'self' data: https://*.stripe.com; "
			    "font-src 'self'; connect-src 'self' https://api.stripe.com; "
			    "frame-src https://js.stripe.com https://*.js.stripe.com "
			    "https://hooks.stripe.com; form-action 'self'; "
			    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
		else
			rc = str_fmt(csp, sizeof(csp), "default-src 'self'; "
			    "script-src 'self' %s; style-src 'self'; img-src 'self' data:; "
			    "font-src 'self'; connect-src 'self' %s; frame-src %s; "
			    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
			    "object-src 'none'", origin, origin, origin);
		if (rc == -1) {
			built_for[0] = '\0';
			c->csp = default_csp;
			return;
		}
		(void)str_copy(built_for, sizeof(built_for), url);
	}
	c->csp = csp;
}

/* ------------------------------------------------------------------------ */

static const char *const role_names[] = { "admin", "billing", "frontdesk" };

const char *
app_role_name(enum role r)
{
	switch (r) {
	case ROLE_ADMIN:
		return role_names[0];
	case ROLE_BILLING:
		return role_names[1];
	case ROLE_FRONTDESK:
		return role_names[2];
	}
	return "";
}

int
app_role_parse(const char *s, enum role *r)
{
	static const enum role vals[] = { ROLE_ADMIN, ROLE_BILLING, ROLE_FRONTDESK };

	for (size_t i = 0; i < ARRAY_LEN(vals); i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = vals[i];
			return 0;
		}
	return -1;
}

int
app_init(struct app *a, const char *config_path)
{
	char err[512];

	memset(a, 0, sizeof(*a));
	if (config_load(&a->cfg, config_path, err, sizeof(err)) == -1) {
		log_err("config: %s", err);
		return -1;
	}
	if (crypto_init() == -1) {
		log_err("libsodium initialisation failed");
		return -1;
	}
	return 0;
}

int
app_worker_init(struct app *a)
{
	a->db = service_open(&a->cfg);
	a->tc = tmpl_cache_new(a->cfg.templates_dir, (int)a->cfg.strict_templates);
	if (a->db == NULL || a->tc == NULL)
		return -1;
	a->i18n = tmpl_cache_i18n(a->tc);
	if (service_ready(a->db) != 0)
		log_warn("database not reachable yet: %s", service_error(a->db));
	return 0;
}

void
app_free(struct app *a)
{
	service_close(a->db);
	if (a->tc)
		tmpl_cache_free(a->tc);
	config_free(&a->cfg);
	memset(a, 0, sizeof(*a));
}

const char *
app_ip(const struct ctx *c)
{
	return c->req.remote_addr;
}

const struct field_value *
app_field(const struct ctx *c, const char *name)
{
	if (c->route == NULL)
		return NULL;
	for (size_t i = 0; i < c->route->nfields && i < c->fs.n; i++)
		if (strcmp(c->route->fields[i].name, name) == 0)
			return &c->fs.v[i];
	return NULL;
}

void
app_view_errors(struct ctx *c)
{
	char name[160];

	for (size_t i = 0; i < c->fs.nerr; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "errors");
		if (row)
			tmpl_set(row, "message", c->fs.err[i].msg);
		if (str_fmt(name, sizeof(name), "err_%s", c->fs.err[i].field) == 0 &&
		    tmpl_get(c->view, name) == NULL)
			tmpl_set(c->view, name, c->fs.err[i].msg);
	}
}

void
app_brand_set(struct ctx *c, const struct branding *row)
{
	struct branding *b = &c->brand;

	c->brand_loaded = 1;
	if (row != NULL)
		*b = *row;
	else
		memset(b, 0, sizeof(*b));
	if (b->org_name[0] == '\0')
		str_copy(b->org_name, sizeof(b->org_name),
		    c->app->cfg.org_name ? c->app->cfg.org_name : "");
	if (b->org_address[0] == '\0')
		str_copy(b->org_address, sizeof(b->org_address),
		    c->app->cfg.org_address ? c->app->cfg.org_address : "");
}

const struct branding *
app_brand(struct ctx *c)
{
	struct branding row;

	if (!c->brand_loaded)
		app_brand_set(c, c->route == NULL || (c->route->flags & R_NODB) ||
		    branding_get(c->app->db, &row) != BRAND_OK ? NULL : &row);
	return &c->brand;
}

/* "line 1\nline 2" as "line 1, line 2" (page footers are one line). */
static void
one_line(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	while (*in && o + 3 < outsz) {
		size_t n = strcspn(in, "\r\n");
		if (n > outsz - o - 3)
			n = outsz - o - 3;
		if (o > 0 && n > 0) {
			out[o++] = ',';
			out[o++] = ' ';
		}
		memcpy(out + o, in, n);
		o += n;
		in += n;
		in += strspn(in, "\r\n");
	}
	out[o] = '\0';
}

/* Layout variables of every page: org_name, org_address, brand_logo,
 * brand_theme, favicon. */
static void
brand_layout(struct ctx *c)
{
	const struct branding *b = app_brand(c);
	char url[128], addr[512];
	char initial[2] = "B";
	const char *o = b->org_name;

	if ((*o >= 'A' && *o <= 'Z') || (*o >= 'a' && *o <= 'z') ||
	    (*o >= '0' && *o <= '9'))
		initial[0] = (char)(*o >= 'a' && *o <= 'z' ? *o - 'a' + 'A' : *o);
	tmpl_set(c->view, "org_initial", initial);
	tmpl_set(c->view, "org_name", b->org_name);
	one_line(b->org_address, addr, sizeof(addr));
	tmpl_set(c->view, "org_address", addr);
	if (b->logo_sha[0]) {
		str_fmt(url, sizeof(url), "/brand/logo/%s.png", b->logo_sha);
		tmpl_set(c->view, "brand_logo", url);
		tmpl_set(c->view, "favicon", url);
	} else
		tmpl_set(c->view, "favicon", "/static/favicon.svg");
	if (b->accent[0]) {
		str_fmt(url, sizeof(url), "/brand/theme/%s.css", b->accent + 1);
		tmpl_set(c->view, "brand_theme", url);
	}
}

static void
view_layout(struct ctx *c)
{
	struct tmpl_vars *v = c->view;

	brand_layout(c);
	tmpl_set(v, "csrf", c->csrf);
	if (tmpl_get(v, "title") == NULL)
		tmpl_set(v, "title", app_brand(c)->org_name);
	if (c->logged_in) {
		tmpl_set_bool(v, "logged_in", 1);
		tmpl_set(v, "user_name", c->user.name);
		tmpl_set(v, "user_email", c->user.email);
		tmpl_set(v, "user_role", app_role_name(c->user.role));
		tmpl_set_bool(v, "is_admin", c->user.role == ROLE_ADMIN);
		tmpl_set_bool(v, "can_money", (c->user.role & ROLES_MONEY) != 0);
	}
}

int
app_render(struct ctx *c, int status, const char *name)
{
	struct buf err;
	int rc;

	view_layout(c);
	buf_init(&err, 4096);
	buf_reset(&c->resp.body);
	rc = tmpl_render(c->app->tc, name, c->view, &c->resp.body, &err);
	if (rc == -1) {
		log_err("req=%s template %s: %s", c->req.reqid, name, buf_cstr(&err));
		buf_reset(&c->resp.body);
		buf_puts(&c->resp.body, "Internal error while rendering the page.\n");
		c->resp.content_type = "text/plain; charset=utf-8";
		c->resp.status = 500;
	} else {
		c->resp.status = status;
		c->resp.content_type = "text/html; charset=utf-8";
	}
	buf_free(&err);
	return rc;
}

/* The area whose errors have their own shape (JSON under /api/), or NULL. */
static const struct route_error_area *
error_area(const struct ctx *c)
{
	for (size_t i = 0; c->req.path != NULL && i < nroute_error_areas; i++)
		if (str_starts(c->req.path, route_error_areas[i].prefix))
			return &route_error_areas[i];
	return NULL;
}

int
app_error(struct ctx *c, int status, const char *message)
{
	const struct route_error_area *ea = error_area(c);

	/* The JSON API answers every error, the dispatcher's too, as JSON. */
	if (ea != NULL)
		return ea->error(c, status, message, NULL);
	tmpl_set(c->view, "title", http_status_text(status));
	tmpl_set_int(c->view, "status", status);
	tmpl_set(c->view, "status_text", http_status_text(status));
	tmpl_set(c->view, "message", message);
	return app_render(c, status, "error.html");
}

int
app_json(struct ctx *c, int status, const char *json)
{
	c->resp.status = status;
	c->resp.content_type = "application/json";
	buf_reset(&c->resp.body);
	return buf_puts(&c->resp.body, json);
}

/* Loads the staff session from the cookie. 0, or negative when the
 * database failed. */
static int
load_session(struct ctx *c)
{
	const char *tok = http_cookie(&c->req, COOKIE_SESSION);
	struct branding b;
	struct user u;
	int rc;

	if (tok == NULL)
		return 0;
	/* one statement: session, user and the layout's branding */
	rc = signin_staff(c->app->db, tok, c->app->cfg.session_idle, &u, &b);
	if (rc <= 0)
		return rc;
	app_brand_set(c, &b);
	if (u.disabled || app_role_parse(u.role, &c->user.role) == -1)
		return 0;
	c->logged_in = 1;
	c->user.id = u.id;
	str_copy(c->user.email, sizeof(c->user.email), u.email);
	str_copy(c->user.name, sizeof(c->user.name), u.name);
	str_copy(c->session_token, sizeof(c->session_token), tok);
	return 0;
}

/* The CSRF binding: the session for signed-in staff, else a pre-login
 * cookie (set here when missing, so the login form can carry a token). */
static void
setup_csrf(struct ctx *c)
{
	const char *pre;
	char tok[SESSION_TOKEN_MAX];

	if (c->logged_in) {
		csrf_token(c->app->cfg.secret_key, "staff", c->session_token, c->csrf);
		return;
	}
	pre = http_cookie(&c->req, COOKIE_PRELOGIN);
	if (pre == NULL || strlen(pre) < 20 || strlen(pre) > 60) {
		if (crypto_token(tok, sizeof(tok), 32) == -1)
			return;
		http_cookie_set(&c->resp, COOKIE_PRELOGIN, tok, -1,
		    (int)c->app->cfg.cookie_secure);
		pre = tok;
	}
	csrf_token(c->app->cfg.secret_key, "pre", pre, c->csrf);
}

static int
csrf_ok(struct ctx *c)
{
	const char *given = kvlist_get(&c->req.form, FIELD_ALWAYS_ALLOWED);
	const char *secret = c->app->cfg.secret_key;

	if (c->logged_in)
		return csrf_valid(secret, "staff", c->session_token, given);
	return csrf_valid(secret, "pre", http_cookie(&c->req, COOKIE_PRELOGIN), given);
}

static int
is_unsafe_method(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Fields invalid for a route without its own form: one 400 page. */
static void
bad_fields(struct ctx *c)
{
	char msg[1024] = "";
	size_t off = 0;

	for (size_t i = 0; i < c->fs.nerr && off < sizeof(msg); i++) {
		str_fmt(msg + off, sizeof(msg) - off, "%s%s", i ? " " : "",
		    c->fs.err[i].msg);
		off = strlen(msg);
	}
	app_error(c, 400, msg);
}

/* Tries every route table; a 405 only when no table has the route. */
static enum route_result
match_route(struct ctx *c, const struct route **rt)
{
	char allow[sizeof(c->match.allow)] = "";
	enum route_result r, res = ROUTE_NOT_FOUND;

	for (size_t t = 0; t < nroute_tables; t++) {
		route_match_free(&c->match);
		memset(&c->match, 0, sizeof(c->match));
		r = router_match(route_tables[t].routes, *route_tables[t].n,
		    sizeof(struct route), c->req.method, c->req.path, &c->match);
		if (r == ROUTE_FOUND) {
			*rt = &route_tables[t].routes[c->match.index];
			return r;
		}
		if (r == ROUTE_BAD_PATH)
			return r;
		if (r == ROUTE_METHOD_NOT_ALLOWED) {
			res = r;
			if (allow[0] == '\0')
				str_copy(allow, sizeof(allow), c->match.allow);
		}
	}
	str_copy(c->match.allow, sizeof(c->match.allow), allow);
	return res;
}

static void
dispatch(struct ctx *c)
{
	const struct route *rt = NULL;
	const struct kvlist *input;
	int unsafe = is_unsafe_method(c->req.method);

	switch (match_route(c, &rt)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_METHOD_NOT_ALLOWED:
		http_header(&c->resp, "Allow", c->match.allow);
		app_error(c, 405, "This address does not accept that kind of request.");
		return;
	case ROUTE_BAD_PATH:
		app_error(c, 400, "The address is not valid.");
		return;
	default:
		app_error(c, 404, "The page you asked for does not exist.");
		return;
	}
	c->route = rt;
	if (!(rt->flags & R_NODB)) {
		if (service_ready(c->app->db) != 0 ||
		    (!(rt->flags & R_NOSESSION) && load_session(c) < 0)) {
			app_error(c, 503, "The service is temporarily unavailable. "
			    "Please try again in a moment.");
			return;
		}
		if (!(rt->flags & R_NOSESSION))
			setup_csrf(c);
	}
	if (!(rt->flags & R_PUBLIC)) {
		if (!c->logged_in) {
			http_redirect(&c->resp, 303, "/login");
			return;
		}
		c->resp.no_store = 1;
		if (!(rt->roles & c->user.role)) {
			app_error(c, 403, "You do not have access to this page.");
			return;
		}
	}
	if (unsafe && !(rt->flags & R_NOCSRF) && !csrf_ok(c)) {
		app_error(c, 403, "This form has expired or was not sent from this "
		    "site. Reload the page and try again.");
		return;
	}
	input = unsafe ? &c->req.form : &c->req.query_kv;
	if (fields_validate(rt->fields, rt->nfields, input, unsafe, &c->fs) == -1 &&
	    !(rt->flags & R_FORM)) {
		bad_fields(c);
		return;
	}
	if (rt->fn(c) != 0 && c->resp.status < 500) {
		const char *e = service_error(c->app->db);

		/* The log says why (the page never does). */
		log_warn("req=%s %s %s failed%s%s", c->req.reqid, c->req.method,
		    c->req.path ? c->req.path : "-", e[0] ? "; last database "
		    "error: " : " (no database error)", e);
		if (service_ready(c->app->db) != 0)
			app_error(c, 503, "The service is temporarily unavailable. "
			    "Please try again in a moment.");
		else
			app_error(c, 500, "Something went wrong on our side. "
			    "Nothing was changed; please try again.");
	}
}

/* A body that could not be read: say where and why, and name a key that
 * came twice, so the sender can fix it. */
static void
bad_request(struct ctx *c)
{
	const struct route_error_area *ea;
	char msg[256];

	if (c->req.body_err[0] == '\0') {
		app_error(c, 400, "The request could not be read (bad encoding).");
		return;
	}
	snprintf(msg, sizeof(msg), "The JSON body could not be read: %s.",
	    c->req.body_err);
	if ((ea = error_area(c)) != NULL)
		ea->error(c, 400, msg, c->req.body_key[0] ? c->req.body_key :
		    NULL);
	else
		app_error(c, 400, msg);
}

void
app_handle(struct app *a, FCGX_Request *r)
{
	struct ctx c;
	struct timespec ts0, ts1;
	enum http_parse pr;

	clock_gettime(CLOCK_MONOTONIC, &ts0);
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < nroute_request_resets; i++)
		route_request_resets[i]();
	c.app = a;
	c.csp = default_csp;
	http_resp_init(&c.resp);
	c.view = tmpl_vars_new();
	pr = http_req_read(&c.req, r, (size_t)a->cfg.max_body);
	if (c.view == NULL)
		c.resp.status = 500;
	else if (pr == HTTP_PARSE_TOO_LARGE)
		app_error(&c, 413, "The request is too large.");
	else if (pr == HTTP_PARSE_BAD)
		bad_request(&c);
	else
		dispatch(&c);
	http_resp_write(&c.resp, r, c.csp, strcmp(c.req.method, "HEAD") == 0);
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	log_request(c.req.reqid, c.req.method, c.req.path ? c.req.path : "-",
	    c.resp.status, (int64_t)(ts1.tv_sec - ts0.tv_sec) * 1000000 +
	    (ts1.tv_nsec - ts0.tv_nsec) / 1000);
	field_set_free(&c.fs);
	route_match_free(&c.match);
	tmpl_vars_free(c.view);
	http_resp_free(&c.resp);
	http_req_free(&c.req);
	buf_free(&c.brand_logo);
}
