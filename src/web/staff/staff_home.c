/* Staff home and user administration. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "handlers.h"
#include "kit.h"
#include "staff_estimates.h"
#include "staff_jobs.h"
#include "str.h"
#include "tmpl.h"
#include "users.h"
#include "worklist.h"
#include "staff_money.h"

static const char *const role_choices[] = { "admin", "billing", "frontdesk", NULL };

const struct field f_user_create[NF_USER_CREATE] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL, "Email" },
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Name" },
	{ "role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, role_choices, "Role" },
	{ "password", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL, "Password" },
};

#define HOME_BAND_ROWS	WL_BAND_ROWS	/* overdue invoices shown per band */

/* Overdue invoices grouped by days-past-due band (1-30 ... over 90): each
 * band's count and open sum over all its invoices, its oldest rows. */
static void
home_overdue(struct tmpl_vars *v, const struct worklist *w)
{
	for (int b = AGING_BUCKETS - 1; b >= 1; b--) {
		struct tmpl_vars *band;
		int64_t shown = 0;

		if (w->band_count[b] == 0)
			continue;
		if ((band = tmpl_loop_add(v, "overdue_bands")) == NULL)
			return;
		tmpl_set(band, "band_label", aging_labels[b]);
		tmpl_set_int(band, "band", b);
		tmpl_set_int(band, "band_count", w->band_count[b]);
		kit_set_money(band, "band_open", w->band_open[b]);
		for (size_t i = 0; i < w->noverdue; i++) {
			const struct wl_invoice *o = &w->overdue[i];
			struct tmpl_vars *row;
			if (o->band != b || shown == HOME_BAND_ROWS ||
			    (row = tmpl_loop_add(band, "rows")) == NULL)
				continue;
			shown++;
			tmpl_set_int(row, "id", o->id);
			tmpl_set(row, "number", o->number);
			tmpl_set_int(row, "account_id", o->account_id);
			tmpl_set(row, "account_name", o->account_name);
			tmpl_set(row, "due_date", o->due_date);
			tmpl_set_int(row, "days", o->days_past_due);
			kit_set_money(row, "open", o->open);
		}
		if (w->band_count[b] > shown)
			tmpl_set_int(band, "band_hidden", w->band_count[b] - shown);
	}
}

static const char *const reason_labels[WL_PAY__MAX] = {
	"Failed", "Waiting for the client to confirm", "Bank payment pending",
};

static void
home_payments(struct tmpl_vars *v, const struct worklist *w)
{
	for (size_t i = 0; i < w->npayments; i++) {
		const struct wl_payment *p = &w->payments[i];
		struct tmpl_vars *row = tmpl_loop_add(v, "attn_payments");
		if (row == NULL)
			return;
		tmpl_set_int(row, "id", p->id);
		tmpl_set_int(row, "account_id", p->account_id);
		tmpl_set(row, "account_name", p->account_name);
		tmpl_set(row, "reason", reason_labels[p->reason]);
		tmpl_set_bool(row, "failed", p->reason == WL_PAY_FAILED);
		tmpl_set(row, "failure", p->failure);
		tmpl_set(row, "method", strcmp(p->method, "ach") == 0 ? "Bank (ACH)" :
		    strcmp(p->method, "card") == 0 ? "Card" : p->method);
		tmpl_set_int(row, "days", p->days);
		kit_set_money(row, "amount", p->amount);
		kit_set_instant(row, "when", p->created_at);
	}
}

static void
home_cards(struct tmpl_vars *v, const struct worklist *w)
{
	for (size_t i = 0; i < w->ncards; i++) {
		const struct wl_card *k = &w->cards[i];
		struct tmpl_vars *row = tmpl_loop_add(v, "cards");
		if (row == NULL)
			return;
		tmpl_set_int(row, "account_id", k->account_id);
		tmpl_set(row, "account_name", k->account_name);
		tmpl_set(row, "brand", k->brand);
		tmpl_set(row, "last4", k->last4);
		tmpl_setf(row, "expiry", "%02d/%04d", k->exp_month, k->exp_year);
		tmpl_set_bool(row, "expired", k->expired);
	}
}

/* Payment plans with installments past due (once the plans tables
 * exist: see wl_plans()). */
static void
home_plans(struct tmpl_vars *v, const struct worklist *w)
{
	tmpl_set_bool(v, "has_plans", w->has_plans);
	for (size_t i = 0; i < w->nplans; i++) {
		const struct wl_plan *p = &w->plans[i];
		struct tmpl_vars *row = tmpl_loop_add(v, "plans_due");
		if (row == NULL)
			return;
		tmpl_set_int(row, "plan_id", p->id);
		tmpl_set_int(row, "account_id", p->account_id);
		tmpl_set(row, "account_name", p->account_name);
		tmpl_set(row, "due_date", p->first_due);
		tmpl_set_int(row, "days", p->days_past_due);
		tmpl_set_int(row, "count", p->count);
		kit_set_money(row, "amount", p->amount);
	}
}

/* Plans past due (dunning exhausted or a failed installment). */
static void
home_past_due(struct tmpl_vars *v, const struct worklist *w)
{
	for (size_t i = 0; i < w->npast_due; i++) {
		const struct wl_past_due *d = &w->past_due[i];
		struct tmpl_vars *r = tmpl_loop_add(v, "plans_past_due");
		if (r == NULL)
			return;
		tmpl_set_int(r, "id", d->plan_id);
		tmpl_set_int(r, "account_id", d->account_id);
		tmpl_set(r, "account", d->account_name);
		kit_set_money(r, "remaining", d->remaining);
		tmpl_set(r, "reason", d->reason);
	}
}

int
h_home(struct ctx *c)
{
	struct worklist *w;
	char date[32];

	clock_fmt_date(clock_now(), date, sizeof(date));
	tmpl_set(c->view, "title", "Home");
	tmpl_set(c->view, "today", date);
	tmpl_set_bool(c->view, "nav_home", 1);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	if (worklist_load(c->app->db, w) != WL_OK) {
		free(w);
		return -1;
	}
	kit_set_money(c->view, "collected_today", w->collected_today);
	kit_set_money(c->view, "collected_month", w->collected_month);
	home_overdue(c->view, w);
	home_payments(c->view, w);
	home_cards(c->view, w);
	home_plans(c->view, w);
	home_past_due(c->view, w);
	tmpl_set_int(c->view, "ach_days", WL_ACH_DAYS);
	tmpl_set_int(c->view, "failed_days", WL_FAILED_DAYS);
	tmpl_set_int(c->view, "card_days", WL_CARD_DAYS);
	free(w);
	if (staff_estimates_home_worklist(c) == -1)
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
