/* Portal sign-in and sign-out, activation (set a password from the emailed
 * link), "forgot password" and reset. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "kit.h"
#include "portal.h"
#include "portal_web.h"
#include "session.h"
#include "signin.h"
#include "str.h"
#include "tmpl.h"

/* --- sign in / out ------------------------------------------------------------ */


/* 1 when the request carries a live portal session, 0 not, -1 error. */
static int
portal_signed_in(struct ctx *c)
{
	struct account a;
	struct branding b;

	return signin_portal(c->app->db, http_cookie(&c->req, PORTAL_COOKIE),
	    c->app->cfg.session_idle, &a, &b);
}

int
h_portal_root(struct ctx *c)
{
	int in = portal_signed_in(c);

	if (in < 0)
		return -1;
	http_redirect(&c->resp, 303, in ? "/portal/billing" : "/portal/login");
	return 0;
}

static int
login_page(struct ctx *c, int status, const char *error, int locked)
{
	const char *email = kvlist_get(&c->req.form, "email");

	tmpl_set(c->view, "title", portal_msg(c, "login.title"));
	tmpl_set(c->view, "email", email ? email : "");
	if (error)
		tmpl_set(c->view, "error", error);
	tmpl_set_bool(c->view, "locked", locked);
	return portal_render(c, NULL, status, "portal_login.html");
}

int
h_portal_login_form(struct ctx *c)
{
	static const char *const texts[] = { "login.signed_out",
	    "login.reset_sent", "login.expired" };
	const struct field_value *n = app_field(c, "notice");
	int in = portal_signed_in(c);

	if (in < 0)
		return -1;
	if (in) {
		http_redirect(&c->resp, 303, "/portal/billing");
		return 0;
	}
	if (n && n->present && c->fs.nerr == 0 && n->i >= 0 &&
	    (size_t)n->i < ARRAY_LEN(texts))
		tmpl_set(c->view, "notice", portal_msg(c, texts[n->i]));
	return login_page(c, 200, NULL, 0);
}

static int
login_failed(struct ctx *c, const char *email)
{
	struct actor a = { "portal", 0, app_ip(c) };

	if (throttle_record(c->app->db, "portal", email, app_ip(c), 0) != 0 ||
	    audit_record(c->app->db, &a, "portal.login_failed", "account", 0,
	    email) != 0)
		return -1;
	return login_page(c, 401, portal_msg(c, "login.bad"), 0);
}

/* Signs the client in: a portal session and its cookie. */
static int
portal_sign_in(struct ctx *c, int64_t account_id, const char *email)
{
	char tok[SESSION_TOKEN_MAX];
	struct actor a = { "portal", account_id, app_ip(c) };

	if (session_create(c->app->db, "portal", account_id,
	    c->app->cfg.session_absolute, app_ip(c), c->req.user_agent, tok) != 0 ||
	    portal_login_touch(c->app->db, account_id) != PORTAL_OK ||
	    audit_record(c->app->db, &a, "portal.login", "account", account_id,
	    email) != 0)
		return -1;
	http_cookie_set(&c->resp, PORTAL_COOKIE, tok, c->app->cfg.session_absolute,
	    (int)c->app->cfg.cookie_secure);
	return 0;
}

int
h_portal_login(struct ctx *c)
{
	const char *email = kit_field_s(c, "email");
	const struct field_value *pw = app_field(c, "password");
	char msg[300];
	int64_t retry = 0, id = 0;
	int rc;

	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return login_page(c, 422, portal_msg(c, "login.enter"), 0);
	}
	rc = throttle_check(c->app->db, &c->app->cfg, "portal", email, app_ip(c),
	    &retry);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		int64_t min = (retry + 59) / 60;
		char mins[24];

		str_fmt(mins, sizeof(mins), "%" PRId64, min);
		portal_msgf(c, min == 1 ? "login.locked_1" : "login.locked",
		    msg, sizeof(msg), "minutes", mins, (const char *)NULL);
		return login_page(c, 429, msg, 1);
	}
	rc = portal_authenticate(c->app->db, email, pw->s, &id);
	if (rc == PORTAL_DB)
		return -1;
	if (rc != PORTAL_OK)
		return login_failed(c, email);
	if (throttle_record(c->app->db, "portal", email, app_ip(c), 1) != 0 ||
	    portal_sign_in(c, id, email) == -1)
		return -1;
	http_redirect(&c->resp, 303, "/portal/billing");
	return 0;
}

int
h_portal_logout(struct ctx *c)
{
	struct portal_req pr;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	{
		struct actor a = { "portal", pr.account_id, app_ip(c) };
		if (session_destroy(c->app->db, pr.token) != 0 ||
		    audit_record(c->app->db, &a, "portal.logout", "account",
		    pr.account_id, "") != 0)
			return -1;
	}
	http_cookie_set(&c->resp, PORTAL_COOKIE, "", 0, (int)c->app->cfg.cookie_secure);
	http_redirect(&c->resp, 303, "/portal/login?notice=signed_out");
	return 0;
}

/* --- activation and reset --------------------------------------------------- */

struct token_page {
	const char	*purpose;	/* "activate" | "reset" */
	const char	*title;
	const char	*dead;		/* the link does not work (410) */
	const char	*landing;	/* where a redeemed link signs in to */
};

static const struct token_page activate_page = { "activate",
    "pw.act_title",
    "pw.act_dead",
    "/portal/billing?notice=welcome" };
static const struct token_page reset_page = { "reset",
    "pw.reset_title",
    "pw.reset_dead",
    "/portal/billing?notice=password_reset" };

static int
token_form(struct ctx *c, const struct token_page *tp, int status,
    int64_t account_id, const char *error)
{
	struct account a;
	int rc = account_get(c->app->db, account_id, &a);

	if (rc == PROF_DB)
		return -1;
	tmpl_set(c->view, "title", portal_msg(c, tp->title));
	tmpl_set(c->view, "email", rc == PROF_OK ? a.email : "");
	tmpl_set(c->view, "action", c->req.path);
	tmpl_set_bool(c->view, "is_reset", strcmp(tp->purpose, "reset") == 0);
	tmpl_set_int(c->view, "min_length", PORTAL_PASSWORD_MIN);
	if (error)
		tmpl_set(c->view, "error", error);
	return portal_render(c, NULL, status, "portal_password.html");
}

static int
token_dead(struct ctx *c, const struct token_page *tp)
{
	tmpl_set(c->view, "title", portal_msg(c, "pw.dead_title"));
	tmpl_set(c->view, "message", portal_msg(c, tp->dead));
	tmpl_set_bool(c->view, "is_reset", strcmp(tp->purpose, "reset") == 0);
	return portal_render(c, NULL, 410, "portal_link_dead.html");
}

static int
token_get(struct ctx *c, const struct token_page *tp)
{
	int64_t id = 0;
	int rc = portal_token_check(c->app->db, tp->purpose,
	    route_param(&c->match, "token"), &id);

	if (rc == PORTAL_DB)
		return -1;
	c->resp.no_store = 1;
	if (rc != PORTAL_OK)
		return token_dead(c, tp);
	return token_form(c, tp, 200, id, NULL);
}

static int
token_post(struct ctx *c, const struct token_page *tp)
{
	const char *token = route_param(&c->match, "token");
	const struct field_value *pw = app_field(c, "password");
	const struct field_value *pw2 = app_field(c, "password2");
	struct actor a = { "portal", 0, app_ip(c) };
	char msg[200] = "";
	int64_t id = 0;
	int rc;

	c->resp.no_store = 1;
	if ((rc = portal_token_check(c->app->db, tp->purpose, token, &id)) ==
	    PORTAL_DB)
		return -1;
	if (rc != PORTAL_OK)
		return token_dead(c, tp);
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return token_form(c, tp, 422, id, field_set_error(&c->fs, "password") ||
		    field_set_error(&c->fs, "password2") ?
		    portal_msg(c, "pw.enter_twice") : c->fs.err[0].msg);
	}
	if (strcmp(pw->s, pw2->s) != 0)
		return token_form(c, tp, 422, id, portal_msg(c, "pw.mismatch"));
	rc = portal_token_redeem(c->app->db, &a, tp->purpose, token, pw->s, &id,
	    msg, sizeof(msg));
	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_BAD_TOKEN)
		return token_dead(c, tp);
	if (rc == PORTAL_INVALID)
		return token_form(c, tp, 422, id, portal_reason(c, msg,
		    "pw.rejected"));
	{
		struct account acct;
		if (account_get(c->app->db, id, &acct) != PROF_OK ||
		    portal_sign_in(c, id, acct.email) == -1)
			return -1;
	}
	http_redirect(&c->resp, 303, tp->landing);
	return 0;
}

int
h_portal_activate_form(struct ctx *c)
{
	return token_get(c, &activate_page);
}

int
h_portal_activate(struct ctx *c)
{
	return token_post(c, &activate_page);
}

int
h_portal_reset_form(struct ctx *c)
{
	return token_get(c, &reset_page);
}

int
h_portal_reset(struct ctx *c)
{
	return token_post(c, &reset_page);
}

int
h_portal_forgot_form(struct ctx *c)
{
	tmpl_set(c->view, "title", portal_msg(c, "login.forgot"));
	tmpl_set(c->view, "email", "");
	return portal_render(c, NULL, 200, "portal_forgot.html");
}

int
h_portal_forgot(struct ctx *c)
{
	struct actor a = { "portal", 0, app_ip(c) };
	struct portal_env env;

	tmpl_set(c->view, "title", portal_msg(c, "login.forgot"));
	tmpl_set(c->view, "email", kit_field_s(c, "email"));
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set(c->view, "error", portal_msg(c, "fg.enter"));
		return portal_render(c, NULL, 422, "portal_forgot.html");
	}
	portal_env_of(c, &a, &env);
	if (portal_request_reset(&env, kit_field_s(c, "email")) != PORTAL_OK)
		return -1;
	http_redirect(&c->resp, 303, "/portal/login?notice=reset_sent");
	return 0;
}
