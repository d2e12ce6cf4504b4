/* Staff sign-in and sign-out. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "handlers.h"
#include "session.h"
#include "str.h"
#include "tmpl.h"
#include "users.h"

const struct field f_login[NF_LOGIN] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL, "Email" },
	{ "password", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL, "Password" },
};

static int
login_page(struct ctx *c, int status, const char *error)
{
	const char *email = kvlist_get(&c->req.form, "email");

	tmpl_set(c->view, "title", "Sign in");
	tmpl_set(c->view, "email", email ? email : "");
	if (error)
		tmpl_set(c->view, "error", error);
	return app_render(c, status, "login.html");
}

int
h_login_form(struct ctx *c)
{
	if (c->logged_in) {
		http_redirect(&c->resp, 303, "/");
		return 0;
	}
	{
		const struct field_value *so = app_field(c, "signed_out");
		if (so && so->i)
			tmpl_set(c->view, "notice", "You have been signed out.");
	}
	return login_page(c, 200, NULL);
}

static int
login_fail(struct ctx *c, const char *email)
{
	struct actor a = { "staff", 0, app_ip(c) };

	if (throttle_record(c->app->db, "staff", email, app_ip(c), 0) != 0 ||
	    audit_record(c->app->db, &a, "login.failed", "user", 0, email) != 0)
		return -1;
	return login_page(c, 401, "Invalid email or password.");
}

int
h_login(struct ctx *c)
{
	const struct field_value *email = app_field(c, "email");
	const struct field_value *pw = app_field(c, "password");
	char tok[SESSION_TOKEN_MAX], msg[160];
	int64_t retry = 0;
	struct user u;
	int rc;

	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return login_page(c, 422, c->fs.err[0].msg);
	}
	rc = throttle_check(c->app->db, &c->app->cfg, "staff", email->s, app_ip(c),
	    &retry);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		str_fmt(msg, sizeof(msg), "Too many failed sign-in attempts. "
		    "Try again in %" PRId64 " minute%s.", (retry + 59) / 60,
		    (retry + 59) / 60 == 1 ? "" : "s");
		return login_page(c, 429, msg);
	}
	rc = user_authenticate(c->app->db, email->s, pw->s, &u);
	if (rc == USER_DB)
		return -1;
	if (rc != USER_OK)
		return login_fail(c, email->s);
	if (throttle_record(c->app->db, "staff", email->s, app_ip(c), 1) != 0 ||
	    session_create(c->app->db, "staff", u.id, c->app->cfg.session_absolute,
	    app_ip(c), c->req.user_agent, tok) != 0)
		return -1;
	{
		struct actor a = { "staff", u.id, app_ip(c) };
		if (audit_record(c->app->db, &a, "login", "user", u.id, "") != 0)
			return -1;
	}
	http_cookie_set(&c->resp, "bsid", tok, c->app->cfg.session_absolute,
	    (int)c->app->cfg.cookie_secure);
	http_cookie_set(&c->resp, "bpre", "", 0, (int)c->app->cfg.cookie_secure);
	http_redirect(&c->resp, 303, "/");
	return 0;
}

int
h_logout(struct ctx *c)
{
	struct actor a = { "staff", c->user.id, app_ip(c) };

	if (session_destroy(c->app->db, c->session_token) != 0 ||
	    audit_record(c->app->db, &a, "logout", "user", c->user.id, "") != 0)
		return -1;
	http_cookie_set(&c->resp, "bsid", "", 0, (int)c->app->cfg.cookie_secure);
	http_redirect(&c->resp, 303, "/login?signed_out=1");
	return 0;
}
