/* The role matrix: who may call every route, walked through the real stack.
 *
 * `may[]` below is THE declaration of what each caller may do: one row per
 * route of the application (method + pattern as in the route tables), with
 * the set of callers that get past authorization. It is written by hand and
 * never derived from the route tables, so widening a route's roles in the
 * code (say, refunds for front desk) makes the walk fail, and adding a route
 * without a row here fails test_every_route_declared.
 *
 * Callers: the three staff roles signed in (admin, billing, front desk),
 * nobody (no cookies), a signed-in portal client, and an API key of each
 * staff role. Each request uses ids that do not exist (999999999) and an
 * empty form (with the caller's valid CSRF token) or "{}" JSON body, so an
 * allowed call ends in the handler (404, a form with errors, 4xx JSON) and
 * changes nothing. A call is DENIED when the answer is 401, 403, or a 303 to
 * exactly /login (staff sign-in) or /portal/login (portal sign-in); it is
 * ALLOWED when it is neither denied nor a 5xx. */
#include "common.h"

#include "app.h"
#include "buf.h"
#include "fixture.h"
#include "routes.h"
#include "str.h"

#define TC_TIMEOUT	600

enum caller {
	C_ADMIN, C_BILLING, C_FRONTDESK, C_OUT, C_PORTAL,
	C_KEY_ADMIN, C_KEY_BILLING, C_KEY_FRONTDESK, C__MAX
};

#define A	(1u << C_ADMIN)
#define B	(1u << C_BILLING)
#define F	(1u << C_FRONTDESK)
#define O	(1u << C_OUT)
#define P	(1u << C_PORTAL)
#define KA	(1u << C_KEY_ADMIN)
#define KB	(1u << C_KEY_BILLING)
#define KF	(1u << C_KEY_FRONTDESK)
#define EVERYONE	(A | B | F | O | P | KA | KB | KF)
#define STAFF		(A | B | F)	/* any signed-in staff member */
#define MONEY		(A | B)		/* staff who may change money records */

static const char *const caller_names[C__MAX] = {
	"admin", "billing", "front desk", "signed out", "portal client",
	"API key admin", "API key billing", "API key front desk",
};

struct may {
	const char	*method;
	const char	*pattern;
	unsigned	 who;
};

static const struct may may[] = {
	/* health, staff sign-in, users */
	{ "GET", "/healthz", EVERYONE },
	{ "GET", "/ping", EVERYONE },
	{ "GET", "/login", EVERYONE },
	{ "POST", "/login", EVERYONE },
	{ "POST", "/logout", STAFF },
	{ "GET", "/", STAFF },
	{ "GET", "/admin/users", A },
	{ "POST", "/admin/users", A },
	{ "POST", "/admin/users/:id/disable", A },
	/* profiles: reading is for all staff, changing for money staff */
	{ "GET", "/inquiries", STAFF },
	{ "GET", "/inquiries/new", MONEY },
	{ "POST", "/inquiries/new", MONEY },
	{ "GET", "/inquiries/:id", STAFF },
	{ "POST", "/inquiries/:id/convert", MONEY },
	{ "GET", "/clients", STAFF },
	{ "GET", "/clients/new", MONEY },
	{ "POST", "/clients/new", MONEY },
	{ "GET", "/clients/:id", STAFF },
	{ "GET", "/clients/:id/edit", MONEY },
	{ "POST", "/clients/:id/edit", MONEY },
	{ "GET", "/accounts", STAFF },
	{ "GET", "/accounts/new", MONEY },
	{ "POST", "/accounts/new", MONEY },
	{ "GET", "/accounts/:id", STAFF },
	{ "GET", "/accounts/:id/edit", MONEY },
	{ "POST", "/accounts/:id/edit", MONEY },
	{ "GET", "/invoices", STAFF },
	{ "GET", "/invoices/new", MONEY },
	{ "POST", "/invoices/new", MONEY },
	{ "GET", "/invoices/:id", STAFF },
	{ "GET", "/invoices/:id/edit", MONEY },
	{ "POST", "/invoices/:id/edit", MONEY },
	{ "POST", "/invoices/:id/issue", MONEY },
	{ "POST", "/invoices/:id/void", MONEY },
	{ "POST", "/invoices/:id/adjust", MONEY },
	{ "GET", "/invoices/:id/print", STAFF },
	/* catalog: everyone on staff reads it, admins change it */
	{ "GET", "/admin/locations", STAFF },
	{ "POST", "/admin/locations", A },
	{ "POST", "/admin/locations/:id", A },
	{ "GET", "/admin/services", STAFF },
	{ "POST", "/admin/services", A },
	{ "POST", "/admin/services/:id", A },
	{ "GET", "/admin/payment-types", STAFF },
	{ "POST", "/admin/payment-types", A },
	{ "POST", "/admin/payment-types/:id", A },
	/* money: front desk sees, money staff change */
	{ "GET", "/accounts/:id/payments/new", STAFF },
	{ "POST", "/accounts/:id/payments/new", MONEY },
	{ "GET", "/payments/:id", STAFF },
	{ "POST", "/payments/:id/allocate", MONEY },
	{ "POST", "/accounts/:id/apply-credit", MONEY },
	{ "GET", "/accounts/:id/statements/new", STAFF },
	{ "POST", "/accounts/:id/statements", MONEY },
	{ "GET", "/statements", STAFF },
	{ "POST", "/statements/batches", MONEY },
	{ "GET", "/statements/batches/:id", STAFF },
	{ "GET", "/statements/:id", STAFF },
	{ "GET", "/statements/:id/print", STAFF },
	{ "GET", "/ar", STAFF },
	{ "GET", "/accounts/:id/audit", STAFF },
	{ "GET", "/clients/:id/audit", STAFF },
	{ "GET", "/invoices/:id/audit", STAFF },
	{ "GET", "/invoices/:id/pdf", STAFF },
	{ "GET", "/statements/:id/pdf", STAFF },
	/* card and bank payments, methods, consents */
	{ "POST", "/payments/:id/refresh", MONEY },
	{ "POST", "/payments/:id/retry", MONEY },
	{ "POST", "/payments/:id/resume", MONEY },
	{ "POST", "/payments/:id/cancel", MONEY },
	{ "POST", "/payments/:id/refund", MONEY },
	{ "POST", "/payments/:id/email-receipt", MONEY },
	{ "GET", "/accounts/:id/payments", STAFF },
	{ "GET", "/accounts/:id/payment-methods", STAFF },
	{ "POST", "/accounts/:id/payment-methods/setup", MONEY },
	{ "POST", "/accounts/:id/payment-methods/complete", MONEY },
	{ "POST", "/accounts/:id/payment-methods/:mid/default", MONEY },
	{ "POST", "/accounts/:id/payment-methods/:mid/remove", MONEY },
	{ "GET", "/accounts/:id/consents", STAFF },
	{ "GET", "/clients/:id/consents", STAFF },
	{ "GET", "/inquiries/:id/consents", STAFF },
	{ "POST", "/accounts/:id/consents", MONEY },
	{ "GET", "/accounts/:id/consents/:cid", STAFF },
	{ "POST", "/accounts/:id/consents/:cid/revoke", MONEY },
	/* staff side of the portal and pay links */
	{ "GET", "/accounts/:id/portal", STAFF },
	{ "POST", "/accounts/:id/portal-activation", MONEY },
	{ "GET", "/invoices/:id/send", STAFF },
	{ "POST", "/invoices/:id/send", MONEY },
	{ "POST", "/invoices/:id/paylink/revoke", MONEY },
	/* Stripe: anyone may deliver; the signature decides (400 without) */
	{ "POST", "/stripe/webhook", EVERYONE },
	/* the client portal: sign-in, activation and reset are open ... */
	{ "GET", "/portal/login", EVERYONE },
	{ "POST", "/portal/login", EVERYONE },
	{ "GET", "/portal/activate/:token", EVERYONE },
	{ "POST", "/portal/activate/:token", EVERYONE },
	{ "GET", "/portal/forgot", EVERYONE },
	{ "POST", "/portal/forgot", EVERYONE },
	{ "GET", "/portal/reset/:token", EVERYONE },
	{ "POST", "/portal/reset/:token", EVERYONE },
	{ "GET", "/lang/:code", EVERYONE },
	/* ... the rest is for a signed-in client only */
	{ "GET", "/portal", P },
	{ "POST", "/portal/logout", P },
	{ "POST", "/portal/language", P },
	{ "GET", "/portal/billing", P },
	{ "GET", "/portal/invoices/:id", P },
	{ "GET", "/portal/invoices/:id/pdf", P },
	{ "GET", "/portal/statements/:id/pdf", P },
	{ "GET", "/portal/payments", P },
	{ "GET", "/portal/payments/:id", P },
	{ "GET", "/portal/payments/:id/pdf", P },
	{ "GET", "/portal/pay", P },
	{ "POST", "/portal/pay", P },
	{ "GET", "/portal/pay/return", P },
	{ "GET", "/portal/methods", P },
	{ "POST", "/portal/methods", P },
	{ "GET", "/portal/methods/return", P },
	{ "POST", "/portal/methods/:id/default", P },
	{ "POST", "/portal/methods/:id/remove", P },
	{ "GET", "/portal/consents/:id", P },
	/* one-time pay links: whoever holds the token */
	{ "GET", "/pay/:token", EVERYONE },
	{ "POST", "/pay/:token", EVERYONE },
	{ "GET", "/pay/:token/return", EVERYONE },
	{ "GET", "/pay/:token/payments/:id", EVERYONE },
	{ "GET", "/pay/:token/pdf", EVERYONE },
	{ "GET", "/pay/:token/payments/:id/pdf", EVERYONE },
	/* the JSON API: keys only; catalog writes admin, other writes money */
	{ "GET", "/api/v1/locations", KA | KB | KF },
	{ "POST", "/api/v1/locations", KA },
	{ "GET", "/api/v1/locations/:id", KA | KB | KF },
	{ "PATCH", "/api/v1/locations/:id", KA },
	{ "GET", "/api/v1/services", KA | KB | KF },
	{ "POST", "/api/v1/services", KA },
	{ "GET", "/api/v1/services/:id", KA | KB | KF },
	{ "PATCH", "/api/v1/services/:id", KA },
	{ "GET", "/api/v1/payment-types", KA | KB | KF },
	{ "GET", "/api/v1/accounts", KA | KB | KF },
	{ "POST", "/api/v1/accounts", KA | KB },
	{ "GET", "/api/v1/accounts/:id", KA | KB | KF },
	{ "PATCH", "/api/v1/accounts/:id", KA | KB },
	{ "GET", "/api/v1/accounts/:id/statements", KA | KB | KF },
	{ "POST", "/api/v1/accounts/:id/statements", KA | KB },
	{ "GET", "/api/v1/clients", KA | KB | KF },
	{ "POST", "/api/v1/clients", KA | KB },
	{ "GET", "/api/v1/clients/:id", KA | KB | KF },
	{ "PATCH", "/api/v1/clients/:id", KA | KB },
	{ "GET", "/api/v1/inquiries", KA | KB | KF },
	{ "POST", "/api/v1/inquiries", KA | KB },
	{ "GET", "/api/v1/inquiries/:id", KA | KB | KF },
	{ "PATCH", "/api/v1/inquiries/:id", KA | KB },
	{ "POST", "/api/v1/inquiries/:id/convert", KA | KB },
	{ "GET", "/api/v1/invoices", KA | KB | KF },
	{ "POST", "/api/v1/invoices", KA | KB },
	{ "GET", "/api/v1/invoices/:id", KA | KB | KF },
	{ "PATCH", "/api/v1/invoices/:id", KA | KB },
	{ "POST", "/api/v1/invoices/:id/issue", KA | KB },
	{ "POST", "/api/v1/invoices/:id/void", KA | KB },
	{ "POST", "/api/v1/invoices/:id/adjust", KA | KB },
	/* estimates, coverage, payers (staff_estimates*.c) */
	{ "GET", "/clients/:id/estimates/new", MONEY },
	{ "POST", "/clients/:id/estimates", MONEY },
	{ "POST", "/clients/:id/estimates/preview", MONEY },
	{ "POST", "/estimates/:id/preview", MONEY },
	{ "GET", "/estimates/:id", STAFF },
	{ "GET", "/estimates/:id/edit", MONEY },
	{ "POST", "/estimates/:id", MONEY },
	{ "POST", "/estimates/:id/send", MONEY },
	{ "POST", "/estimates/:id/countersign", MONEY },
	{ "POST", "/estimates/:id/invoice", MONEY },
	{ "POST", "/estimates/:id/plan", MONEY },
	{ "GET", "/estimates/:id/gfe", STAFF },
	{ "GET", "/estimates/:id/pdf", STAFF },
	{ "GET", "/clients/:id/coverage", STAFF },
	{ "POST", "/clients/:id/coverage", MONEY },
	{ "GET", "/coverage/:id/edit", MONEY },
	{ "POST", "/coverage/:id", MONEY },
	{ "GET", "/admin/online-payments", STAFF },
	{ "POST", "/admin/online-payments", A },
	{ "GET", "/admin/payers", STAFF },
	{ "POST", "/admin/payers", A },
	{ "POST", "/admin/payers/:id", A },
	{ "GET", "/admin/payers/:id/rates", STAFF },
	{ "POST", "/admin/payers/:id/rates", A },
	{ "GET", "/admin/estimate-pricing", STAFF },
	{ "POST", "/admin/estimate-pricing", A },
	{ "POST", "/admin/provider", A },
	/* branding (staff_branding.c) */
	{ "GET", "/admin/branding", A },
	{ "POST", "/admin/branding", A },
	{ "POST", "/admin/branding/logo", A },
	{ "POST", "/admin/branding/logo/remove", A },
	{ "GET", "/brand/logo/:file", EVERYONE },
	{ "GET", "/brand/theme/:file", EVERYONE },
	/* portal estimates (portal_estimates.c) */
	{ "GET", "/portal/estimates", P },
	{ "GET", "/portal/estimates/:id", P },
	{ "GET", "/portal/estimates/:id/pdf", P },
	{ "POST", "/portal/estimates/:id/sign", P },
	{ "POST", "/portal/estimates/:id/decline", P },
	/* estimates API (api_estimates.c) */
	{ "POST", "/api/v1/estimates/calculate", KA | KB | KF },
	{ "POST", "/api/v1/estimates", KA | KB },
	{ "GET", "/api/v1/estimates/:id", KA | KB | KF },
	/* payment plans (staff_plans*.c, portal_plans.c, api_plans.c) */
	{ "GET", "/accounts/:id/plans/new", MONEY },
	{ "POST", "/accounts/:id/plans", MONEY },
	{ "GET", "/plans/:id", STAFF },
	{ "POST", "/plans/:id/edit", MONEY },
	{ "POST", "/plans/:id/skip", MONEY },
	{ "POST", "/plans/:id/move", MONEY },
	{ "POST", "/plans/:id/send", MONEY },
	{ "POST", "/plans/:id/approve", MONEY },
	{ "POST", "/plans/:id/pause", MONEY },
	{ "POST", "/plans/:id/resume", MONEY },
	{ "POST", "/plans/:id/cancel", MONEY },
	{ "GET", "/admin/plan-limits", A },
	{ "POST", "/admin/plan-limits", A },
	/* scheduled statements: the default for admins, an account's for money staff */
	{ "GET", "/admin/statement-schedule", A },
	{ "POST", "/admin/statement-schedule", A },
	{ "GET", "/accounts/:id/statement-schedule", STAFF },
	{ "POST", "/accounts/:id/statement-schedule", MONEY },
	{ "GET", "/admin/jobs", A },
	{ "POST", "/admin/jobs", A },
	{ "GET", "/plan-card/:token", EVERYONE },
	{ "POST", "/plan-card/:token", EVERYONE },
	{ "GET", "/plan-card/:token/return", EVERYONE },
	{ "GET", "/portal/plans/:id", P },
	{ "POST", "/portal/plans/:id/accept", P },
	{ "GET", "/portal/plan-proposals/new", P },
	{ "POST", "/portal/plan-proposals", P },
	{ "GET", "/portal/plan-proposals/:id", P },
	{ "POST", "/api/v1/payment-plans", KA | KB },
	{ "GET", "/api/v1/payment-plans/:id", KA | KB | KF },
	{ "GET", "/api/v1/payment-plans", KA | KB | KF },
	{ "PATCH", "/api/v1/payment-plans/:id", KA | KB },
	{ "GET", "/api/v1/accounts/:id/payment-methods", KA | KB | KF },
	{ "POST", "/api/v1/accounts/:id/payment-methods", KA | KB },
	{ "POST", "/api/v1/payment-plans/:id/pause", KA | KB },
	{ "POST", "/api/v1/payment-plans/:id/resume", KA | KB },
	{ "POST", "/api/v1/payment-plans/:id/cancel", KA | KB },
	{ "GET", "/api/v1/payments", KA | KB | KF },
	{ "POST", "/api/v1/payments", KA | KB },
	{ "GET", "/api/v1/payments/:id", KA | KB | KF },
	{ "POST", "/api/v1/payments/:id/allocations", KA | KB },
	{ "GET", "/api/v1/ledger", KA | KB | KF },
	{ "GET", "/api/v1/statements/:id", KA | KB | KF },
	{ "GET", "/api/v1/ar", KA | KB | KF },
};

/* --- the route tables against the declaration (no stack needed) -------- */

static const struct may *
declared(const char *method, const char *pattern)
{
	for (size_t i = 0; i < ARRAY_LEN(may); i++)
		if (strcmp(may[i].method, method) == 0 &&
		    strcmp(may[i].pattern, pattern) == 0)
			return &may[i];
	return NULL;
}

static int
routed(const struct may *m)
{
	for (size_t t = 0; t < nroute_tables; t++)
		for (size_t i = 0; i < *route_tables[t].n; i++) {
			const struct route *r = &route_tables[t].routes[i];
			if (strcmp(r->p.method, m->method) == 0 &&
			    strcmp(r->p.pattern, m->pattern) == 0)
				return 1;
		}
	return 0;
}

START_TEST(test_every_route_declared)
{
	int missing = 0;

	for (size_t t = 0; t < nroute_tables; t++)
		for (size_t i = 0; i < *route_tables[t].n; i++) {
			const struct route *r = &route_tables[t].routes[i];
			if (declared(r->p.method, r->p.pattern) == NULL) {
				fprintf(stderr, "test_roles: %s %s is not declared in "
				    "may[] (tests/integration/test_roles.c): say who may "
				    "call it\n", r->p.method, r->p.pattern);
				missing++;
			}
		}
	for (size_t i = 0; i < ARRAY_LEN(may); i++) {
		if (!routed(&may[i])) {
			fprintf(stderr, "test_roles: may[] declares %s %s, which no "
			    "route table has\n", may[i].method, may[i].pattern);
			missing++;
		}
		ck_assert_msg(declared(may[i].method, may[i].pattern) == &may[i],
		    "%s %s is declared twice", may[i].method, may[i].pattern);
	}
	ck_assert_msg(missing == 0, "%d routes and declarations do not match "
	    "(listed above)", missing);
}
END_TEST

/* --- the callers ------------------------------------------------------------ */

struct caller_state {
	struct fx_who	 w;
	char		 key[FX_KEY_MAX];	/* API keys */
	char		 email[160];		/* staff and portal */
	char		 pre[256];		/* pre-login CSRF token (not staff) */
	struct itest_client *api;		/* keys: JSON to /api/ */
};

static struct caller_state callers[C__MAX];

static void
staff_sign_in(enum caller c)
{
	struct itest_resp r;

	ck_assert_int_eq(itest_login(callers[c].w.c, callers[c].email, fx.password), 303);
	itest_resp_init(&r);
	fx_get(&callers[c].w, "/", &r, 200);
	itest_resp_free(&r);
}

static void
portal_sign_in(void)
{
	struct itest_resp r;

	ck_assert_int_eq(fx_portal_login(&callers[C_PORTAL].w,
	    callers[C_PORTAL].email), 303);
	itest_resp_init(&r);
	fx_get(&callers[C_PORTAL].w, "/portal/billing", &r, 200);
	itest_resp_free(&r);
}

/* A pre-login CSRF token, as the sign-in page gives any browser: what the
 * public forms (sign-in, reset, pay links) need. */
static void
pre_login_token(enum caller c)
{
	struct itest_resp r;

	itest_resp_init(&r);
	itest_get(callers[c].w.c, "/login", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(itest_csrf(buf_cstr(&r.body), callers[c].pre,
	    sizeof(callers[c].pre)) == 0);
	itest_resp_free(&r);
}

static void
callers_setup(void)
{
	static const char *const key_roles[] = { "admin", "billing", "frontdesk" };
	const char *emails[] = { fx.admin, fx.billing, fx.frontdesk };
	struct fx_who staff;
	int64_t acc;

	for (int c = C_ADMIN; c <= C_FRONTDESK; c++) {
		str_copy(callers[c].email, sizeof(callers[c].email), emails[c]);
		fx_who_new(&callers[c].w, caller_names[c]);
		staff_sign_in((enum caller)c);
	}
	fx_who_new(&callers[C_OUT].w, caller_names[C_OUT]);
	fx_staff(&staff, fx.billing);
	acc = fx_account(&staff, 0, callers[C_PORTAL].email,
	    sizeof(callers[C_PORTAL].email), "roles");
	fx_portal_client(&staff, acc, callers[C_PORTAL].email, &callers[C_PORTAL].w, 1);
	fx_who_free(&staff);
	for (int c = C_KEY_ADMIN; c <= C_KEY_FRONTDESK; c++) {
		char h[FX_KEY_MAX + 40];

		fx_apikey(key_roles[c - C_KEY_ADMIN], callers[c].key);
		callers[c].api = fx_api_client(callers[c].key);
		/* elsewhere the key goes along, as a script would send it */
		fx_who_new(&callers[c].w, caller_names[c]);
		str_fmt(h, sizeof(h), "Authorization: Bearer %s", callers[c].key);
		ck_assert(itest_client_add_header(callers[c].w.c, h) == 0);
	}
	for (int c = C_OUT; c < C__MAX; c++)
		pre_login_token((enum caller)c);
}

/* --- one call ------------------------------------------------------------------ */

/* The pattern with every :param replaced by an id or token that does not exist. */
static void
concrete_path(const char *pattern, char *out, size_t outsz)
{
	struct buf b;
	const char *p = pattern;

	buf_init(&b, 1024);
	while (*p) {
		if (*p == ':') {
			size_t n = strcspn(p, "/");
			buf_puts(&b, strncmp(p, ":token", n) == 0 && n == 6 ?
			    "NoSuchToken0000000000000000000000000000000" : "999999999");
			p += n;
		} else
			buf_append(&b, p++, 1);
	}
	ck_assert(str_copy(out, outsz, buf_cstr(&b)) == 0);
	buf_free(&b);
}

/* The CSRF token a browser of caller c would send to route m: staff send
 * their session's, others the pre-login one, except on the forms that check
 * the portal session's own token (R_NOCSRF at dispatch). */
static const char *
csrf_for(enum caller c, const struct may *m)
{
	for (size_t t = 0; t < nroute_tables; t++)
		for (size_t i = 0; i < *route_tables[t].n; i++) {
			const struct route *r = &route_tables[t].routes[i];
			if (strcmp(r->p.method, m->method) == 0 &&
			    strcmp(r->p.pattern, m->pattern) == 0 &&
			    (r->flags & R_NOCSRF))
				return callers[c].w.csrf;
		}
	return c <= C_FRONTDESK ? callers[c].w.csrf : callers[c].pre;
}

static void
call(enum caller c, const struct may *m, const char *path, struct itest_resp *r)
{
	struct caller_state *cs = &callers[c];
	const char *csrf = csrf_for(c, m);

	if (strncmp(path, "/api/", 5) == 0)
		itest_request(cs->api != NULL ? cs->api : cs->w.c, m->method, path,
		    strcmp(m->method, "GET") == 0 ? NULL : "{}", r);
	else if (strcmp(m->method, "GET") == 0)
		itest_get(cs->w.c, path, r);
	else if (strcmp(m->method, "POST") == 0) {
		struct itest_kv kv[] = { { "_csrf", csrf } };
		itest_post_form(cs->w.c, path, kv, *csrf ? 1 : 0, r);
	} else
		itest_request(cs->w.c, m->method, path, "{}", r);
	ck_assert_msg(r->status >= 100, "%s: %s %s: transport error %s",
	    caller_names[c], m->method, path, r->error);
}

static int
denied(const struct itest_resp *r)
{
	const char *loc = itest_header(r, "Location");

	if (r->status == 401 || r->status == 403)
		return 1;
	return r->status == 303 && loc != NULL &&
	    (strcmp(loc, "/login") == 0 || strcmp(loc, "/portal/login") == 0);
}

/* Signing out is part of the walk: sign the caller in again after it. */
static void
after_call(enum caller c, const struct may *m)
{
	if (strcmp(m->pattern, "/logout") == 0 && c <= C_FRONTDESK)
		staff_sign_in(c);
	if (strcmp(m->pattern, "/portal/logout") == 0 && c == C_PORTAL)
		portal_sign_in();
}

static int
check_one(enum caller c, const struct may *m)
{
	struct itest_resp r;
	char path[300];
	int allowed = (m->who >> c) & 1u, ok;

	concrete_path(m->pattern, path, sizeof(path));
	itest_resp_init(&r);
	call(c, m, path, &r);
	ok = allowed ? !denied(&r) && r.status < 500 : denied(&r);
	if (!ok)
		fprintf(stderr, "test_roles: %s %s as %s: HTTP %ld%s%s, want %s; "
		    "body: %.300s\n", m->method, path, caller_names[c], r.status,
		    itest_header(&r, "Location") ? " -> " : "",
		    itest_header(&r, "Location") ? itest_header(&r, "Location") : "",
		    allowed ? "allowed" : "denied", buf_cstr(&r.body));
	itest_resp_free(&r);
	after_call(c, m);
	return ok;
}

START_TEST(test_role_matrix)
{
	int wrong = 0, calls = 0;

	callers_setup();
	for (size_t i = 0; i < ARRAY_LEN(may); i++)
		for (int c = 0; c < C__MAX; c++) {
			calls++;
			if (!check_one((enum caller)c, &may[i]))
				wrong++;
		}
	fprintf(stderr, "test_roles: %d calls, %d not as declared\n", calls, wrong);
	ck_assert_msg(wrong == 0, "%d of %d calls were not answered as may[] "
	    "declares (listed above)", wrong, calls);
	for (int c = 0; c < C__MAX; c++) {
		fx_who_free(&callers[c].w);
		itest_client_free(callers[c].api);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("roles");
	TCase *tc = tcase_create("roles");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	fx_add_test(tc, test_every_route_declared);
	fx_add_test(tc, test_role_matrix);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
