/* Staff home and user administration. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "db.h"
#include "handlers.h"
#include "staff_estimates.h"
#include "staff_jobs.h"
#include "str.h"
#include "tmpl.h"
#include "users.h"

static const char *const role_choices[] = { "admin", "billing", "frontdesk", NULL };

const struct field f_user_create[NF_USER_CREATE] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL, "Email" },
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Name" },
	{ "role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, role_choices, "Role" },
	{ "password", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL, "Password" },
};

int
h_home(struct ctx *c)
{
	char date[32];

	clock_fmt_date(clock_now(), date, sizeof(date));
	tmpl_set(c->view, "title", "Home");
	tmpl_set(c->view, "today", date);
	tmpl_set_bool(c->view, "nav_home", 1);
	if (se_home_worklist(c) == -1)
		return -1;
	if (staff_jobs_home_worklist(c) == -1)	/* plans past due */
		return -1;
	return app_render(c, 200, "home.html");
}

static int
users_page(struct ctx *c, int status, const char *error)
{
	struct user *us = NULL;
	size_t n = 0;
	char when[32];
	const struct field_value *notice = app_field(c, "notice");

	if (user_list(c->app->db, &us, &n) != USER_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "users");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", us[i].id);
		tmpl_set(row, "email", us[i].email);
		tmpl_set(row, "name", us[i].name);
		tmpl_set(row, "role", us[i].role);
		tmpl_set_bool(row, "disabled", us[i].disabled);
		tmpl_set_bool(row, "is_self", us[i].id == c->user.id);
		if (us[i].last_login_at) {
			clock_fmt_datetime(us[i].last_login_at, when, sizeof(when));
			tmpl_set(row, "last_login", when);
		}
	}
	free(us);
	tmpl_set(c->view, "title", "Users");
	tmpl_set_bool(c->view, "nav_users", 1);
	if (notice && notice->present && c->fs.nerr == 0)
		tmpl_set(c->view, "notice", notice->s);
	if (error)
		tmpl_set(c->view, "error", error);
	for (size_t i = 0; i < ARRAY_LEN(f_user_create); i++) {
		const char *v = kvlist_get(&c->req.form, f_user_create[i].name);
		char key[32];
		if (strcmp(f_user_create[i].name, "password") == 0)
			continue;
		str_fmt(key, sizeof(key), "form_%s", f_user_create[i].name);
		tmpl_set(c->view, key, v ? v : "");
	}
	return app_render(c, status, "admin_users.html");
}

int
h_admin_users(struct ctx *c)
{
	return users_page(c, 200, NULL);
}

int
h_admin_user_create(struct ctx *c)
{
	struct actor a = { "staff", c->user.id, app_ip(c) };
	int rc;

	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return users_page(c, 422, "Please correct the fields below.");
	}
	rc = user_create(c->app->db, &a, app_field(c, "email")->s,
	    app_field(c, "name")->s, app_field(c, "role")->s,
	    app_field(c, "password")->s, NULL);
	switch (rc) {
	case USER_OK:
		http_redirect(&c->resp, 303, "/admin/users?notice=created");
		return 0;
	case USER_EXISTS:
		tmpl_set(c->view, "err_email", "A user with this email already exists.");
		return users_page(c, 422, "A user with this email already exists.");
	case USER_WEAK_PASSWORD:
		tmpl_set(c->view, "err_password",
		    "Password must be at least 12 characters.");
		return users_page(c, 422, "Password must be at least 12 characters.");
	default:
		return -1;
	}
}

int
h_admin_user_disable(struct ctx *c)
{
	struct actor a = { "staff", c->user.id, app_ip(c) };
	const char *ids = route_param(&c->match, "id");
	int64_t id;
	struct user u;
	int rc;

	if (ids == NULL || str_to_i64(ids, 1, INT64_MAX, &id) == -1)
		return app_error(c, 404, "No such user.");
	if (id == c->user.id)
		return app_error(c, 422, "You cannot disable your own account.");
	rc = user_get(c->app->db, id, &u);
	if (rc == USER_DB)
		return -1;
	if (rc != USER_OK)
		return app_error(c, 404, "No such user.");
	if (user_disable(c->app->db, &a, u.email) == USER_DB)
		return -1;
	http_redirect(&c->resp, 303, "/admin/users?notice=disabled");
	return 0;
}
