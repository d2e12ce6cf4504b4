/* Staff UI for payment plans: the route table, "New payment plan" with the
 * schedule preview, and the Financial tab's section. The plan page and its
 * changes are in staff_plans_show.c. */
#include "common.h"

#include "account_page.h"
#include "app.h"
#include "audit.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "plan.h"
#include "plan_view.h"
#include "profiles.h"
#include "routes.h"
#include "staff_money.h"
#include "staff_plans.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

static const char *const freqs[] = { "weekly", "biweekly", "semimonthly",
    "monthly", NULL };
static const char *const down_methods[] = { "cash", "check", "other", NULL };
static const char *const schedule_by[] = { "count", "amount", NULL };
static const char *const plan_notices[] = { "created", "edited", "sent",
    "paused", "resumed", "cancelled", "skipped", "moved", "approved", NULL };

/* The terms of a plan: the same fields on the new and the edit form. */
#define F_PLAN_TERMS \
	{ "schedule_by", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, schedule_by, \
	    "Schedule by" }, \
	{ "installments", FIELD_INT, 0, 0, 1, PLAN_MAX_INSTALLMENTS, NULL, \
	    "Number of installments" }, \
	{ "installment_amount", FIELD_MONEY, 0, 0, 1, MONEY_MAX, NULL, \
	    "Installment amount" }, \
	{ "frequency", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, freqs, \
	    "Frequency" }, \
	{ "day_of_month", FIELD_INT, 0, 0, 0, 31, NULL, \
	    "Day of the month" }, \
	{ "start_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, \
	    "Start date" }, \
	{ "payment_method_id", FIELD_ID, 0, 0, 0, 0, NULL, \
	    "Payment method" }, \
	{ "autopay", FIELD_BOOL, 0, 0, 0, 0, NULL, "Autopay" },

static const struct field f_plan_new[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
};

static const struct field f_plan_form[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "invoice_id", FIELD_ID, 0, 0, 0, 0, NULL, "Invoice" },
	{ "amount", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, "Amount" },
	{ "down_payment", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, "Down payment" },
	{ "down_received", FIELD_BOOL, 0, 0, 0, 0, NULL, "Down payment received" },
	{ "down_method", FIELD_ENUM, 0, 0, 0, 0, down_methods, "Paid by" },
	F_PLAN_TERMS
	{ "override_reason", FIELD_LINE, 0, 500, 0, 0, NULL, "Override reason" },
	{ "preview", FIELD_BOOL, 0, 0, 0, 0, NULL, "Preview" },
};

static const struct field f_plan_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, plan_notices, "Notice" },
};

static const struct field f_plan_edit[] = {
	F_PLAN_TERMS
	{ "invoice_id", FIELD_ID, 0, 0, 0, 0, NULL, "Invoice" },
	{ "override_reason", FIELD_LINE, 0, 500, 0, 0, NULL, "Override reason" },
};

static const struct field f_plan_number[] = {
	{ "number", FIELD_INT, FIELD_REQUIRED, 0, 0, PLAN_MAX_INSTALLMENTS * 2,
	    NULL, "Installment" },
};

static const struct field f_plan_move[] = {
	{ "number", FIELD_INT, FIELD_REQUIRED, 0, 0, PLAN_MAX_INSTALLMENTS * 2,
	    NULL, "Installment" },
	{ "due_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "New date" },
};

static const struct field f_plan_act[] = {
	{ "reason", FIELD_LINE, 0, 500, 0, 0, NULL, "Reason" },
};

static const struct field f_plan_limits[] = {
	{ "min_installment", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL,
	    "Minimum installment" },
	{ "max_installments", FIELD_INT, 0, 0, 0, PLAN_MAX_INSTALLMENTS, NULL,
	    "Maximum number of installments" },
	{ "min_down_percent", FIELD_INT, 0, 0, 0, 100, NULL,
	    "Minimum down payment (percent)" },
	{ "client_approval", FIELD_BOOL, 0, 0, 0, 0, NULL,
	    "Client proposals need staff approval" },
};

const struct route routes_plans[] = {
	{ { "GET", "/accounts/:id/plans/new" }, h_plan_new, ROLES_MONEY, 0,
	    FIELDS(f_plan_new) },
	{ { "POST", "/accounts/:id/plans" }, h_plan_create, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_form) },
	{ { "GET", "/plans/:id" }, h_plan_show, ROLES_STAFF, 0, FIELDS(f_plan_page) },
	{ { "POST", "/plans/:id/edit" }, h_plan_edit, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_edit) },
	{ { "POST", "/plans/:id/skip" }, h_plan_skip, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_number) },
	{ { "POST", "/plans/:id/move" }, h_plan_move, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_move) },
	{ { "POST", "/plans/:id/send" }, h_plan_send, ROLES_MONEY, R_FORM, NOFIELDS },
	{ { "POST", "/plans/:id/approve" }, h_plan_approve, ROLES_MONEY, R_FORM,
	    NOFIELDS },
	{ { "POST", "/plans/:id/pause" }, h_plan_act, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_act) },
	{ { "POST", "/plans/:id/resume" }, h_plan_act, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_act) },
	{ { "POST", "/plans/:id/cancel" }, h_plan_act, ROLES_MONEY, R_FORM,
	    FIELDS(f_plan_act) },
	{ { "GET", "/admin/plan-limits" }, h_plan_limits, ROLE_ADMIN, 0, NOFIELDS },
	{ { "POST", "/admin/plan-limits" }, h_plan_limits_save, ROLE_ADMIN, R_FORM,
	    FIELDS(f_plan_limits) },
};
const size_t nroutes_plans = ARRAY_LEN(routes_plans);

/* --- shared view helpers ------------------------------------------------- */

static const struct {
	const char	*api;
	const char	*form;
} field_map[] = {
	{ "amount_cents", "amount" },
	{ "down_payment_cents", "down_payment" },
	{ "down_payment_method", "down_method" },
	{ "installment_cents", "installment_amount" },
	{ "invoice_ids", "invoice_id" },
	{ "add_invoice_ids", "invoice_id" },
};

const char *
staff_plans_form_field(const char *api)
{
	for (size_t i = 0; i < ARRAY_LEN(field_map); i++)
		if (strcmp(field_map[i].api, api) == 0)
			return field_map[i].form;
	return api;
}

/* --- the Financial tab ---------------------------------------------------- */

int
staff_plans_fin(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct account_lists *l)
{
	struct plan *ps = l ? l->plans : NULL;
	size_t n = l ? l->nplans : 0;

	tmpl_set_bool(c->view, "plans_block", 1);
	if (client_id)
		tmpl_setf(c->view, "new_plan_url", "/accounts/%" PRId64
		    "/plans/new?client_id=%" PRId64, account_id, client_id);
	else
		tmpl_setf(c->view, "new_plan_url", "/accounts/%" PRId64 "/plans/new",
		    account_id);
	if (l == NULL && plan_list(c->app->db, account_id, client_id, 0, &ps,
	    &n) != PLAN_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "plans");

		if (row != NULL)
			plan_view(row, &ps[i]);
	}
	for (size_t i = 0; l == NULL && i < n; i++)
		plan_free(&ps[i]);
	if (l == NULL)
		free(ps);
	return 0;
}

/* --- "New payment plan" ---------------------------------------------------- */

static int
view_open_invoices(struct ctx *c, int64_t account_id, int64_t client_id,
    const int64_t *chosen, size_t nchosen, int all)
{
	struct invoice *inv = NULL;
	size_t n = 0;
	int more = 0;

	if (staff_money_open_invoices(c, account_id, PLAN_MAX_INVOICES, &inv,
	    &n, &more) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;
		int64_t in_plan = 0;
		int on = all;

		if (client_id && inv[i].client_id != client_id)
			continue;
		if (plan_of_invoice(c->app->db, inv[i].id, &in_plan) != PLAN_OK) {
			staff_money_invoices_free(inv, n);
			return -1;
		}
		if ((row = tmpl_loop_add(c->view, "open_invoices")) == NULL)
			break;
		for (size_t j = 0; j < nchosen; j++)
			on |= chosen[j] == inv[i].id;
		if (in_plan) {
			tmpl_set_int(row, "in_plan", in_plan);
			on = 0;
		}
		tmpl_set_int(row, "id", inv[i].id);
		tmpl_set(row, "number", inv[i].number);
		tmpl_set(row, "due_date", inv[i].due_date);
		tmpl_set(row, "client_name", inv[i].client_name);
		kit_set_money(row, "open", inv[i].open);
		tmpl_set_bool(row, "checked", on);
	}
	staff_money_invoices_free(inv, n);
	return 0;
}

int
staff_plans_view_methods(struct ctx *c, int64_t account_id, int64_t chosen)
{
	struct sp_method *ms = NULL;
	size_t n = 0;

	if (stripe_pay_methods(c->app->db, account_id, &ms, &n) != SP_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "methods");

		if (row == NULL)
			break;
		tmpl_set_int(row, "id", ms[i].id);
		tmpl_setf(row, "label", "%s ending %s", strcmp(ms[i].kind, "card") == 0 ?
		    ms[i].brand : "Bank account", ms[i].last4);
		tmpl_set_bool(row, "selected", ms[i].id == chosen);
	}
	free(ms);
	return 0;
}

void
staff_plans_view_inputs(struct ctx *c)
{
	static const char *const names[] = { "amount", "down_payment",
	    "down_method", "schedule_by", "installments", "installment_amount",
	    "frequency", "day_of_month", "start_date", "override_reason" };
	char key[40];

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		str_fmt(key, sizeof(key), "form_%s", names[i]);
		tmpl_set(c->view, key, kit_input(c, names[i]));
	}
	tmpl_set_bool(c->view, "form_down_received",
	    *kit_input(c, "down_received") != '\0');
	tmpl_set_bool(c->view, "form_autopay", *kit_input(c,
	    "autopay") != '\0');
}

static void
view_preview(struct ctx *c, const struct plan_terms *t, const struct plan_slot *s,
    size_t n)
{
	tmpl_set_bool(c->view, "has_preview", 1);
	kit_set_money(c->view, "pv_total", t->total);
	kit_set_money(c->view, "pv_down", t->down);
	tmpl_set_bool(c->view, "pv_has_down", t->down > 0);
	tmpl_set_int(c->view, "pv_count", (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "preview");

		if (row == NULL)
			break;
		tmpl_set_int(row, "number", (int64_t)i + 1);
		kit_set_day(row, "due", s[i].due);
		kit_set_money(row, "amount", s[i].amount);
	}
}

static int
form_page(struct ctx *c, const struct account *a, int64_t client_id,
    const int64_t *ids, size_t nids, int status, int fresh)
{
	int64_t mid = 0;

	kit_view_account(c->view, a);
	if (staff_money_view_account_clients(c, a->id, client_id) == -1 ||
	    view_open_invoices(c, a->id, client_id, ids, nids, fresh) == -1)
		return -1;
	(void)str_to_i64(kit_input(c, "payment_method_id"), 1, INT64_MAX, &mid);
	if (staff_plans_view_methods(c, a->id, mid) == -1)
		return -1;
	if (client_id)
		tmpl_set_int(c->view, "form_client_id", client_id);
	tmpl_set(c->view, "title", "New payment plan");
	return app_render(c, status, "plan_new.html");
}

int
h_plan_new(struct ctx *c)
{
	const struct field_value *cl = app_field(c, "client_id");
	struct account a;
	char today[11];
	int64_t id;
	int rc;

	if ((rc = kit_account_or_404(c, (id = kit_path_id(c, "id")), &a)) != 0)
		return rc == 1 ? 0 : -1;
	kit_date_from_today(today, sizeof(today), 0);
	staff_plans_view_inputs(c);
	tmpl_set(c->view, "form_start_date", today);
	tmpl_set(c->view, "form_schedule_by", "count");
	tmpl_set(c->view, "form_installments", "6");
	tmpl_set(c->view, "form_frequency", "monthly");
	tmpl_set(c->view, "form_day_of_month", "0");
	return form_page(c, &a, cl && cl->present ? cl->i : 0, NULL, 0, 200, 1);
}

static void
req_terms(struct ctx *c, struct plan_terms *t)
{
	const struct field_value *f;
	enum plan_freq fr = PLAN_FREQ_MONTHLY;
	int by_amount = strcmp(kit_field_s(c, "schedule_by"), "amount") == 0;

	memset(t, 0, sizeof(*t));
	if ((f = app_field(c, "down_payment")) && f->present)
		t->down = f->i;
	if (!by_amount && (f = app_field(c, "installments")) && f->present)
		t->count = f->i;
	if (by_amount && (f = app_field(c, "installment_amount")) && f->present)
		t->amount = f->i;
	(void)plan_freq_parse(kit_field_s(c, "frequency"), &fr);
	t->freq = fr;
	if ((f = app_field(c, "day_of_month")) && f->present)
		t->day = (int)f->i;
	(void)date_parse(kit_field_s(c, "start_date"), &t->start);
}

static int
form_error(struct ctx *c, const struct account *a, int64_t client_id,
    const int64_t *ids, size_t n, const struct plan_err *e, int status)
{
	tmpl_set(c->view, "error", e->msg);
	kit_form_error(c, staff_plans_form_field(e->field), e->msg);
	return form_page(c, a, client_id, ids, n, status, 0);
}

int
h_plan_create(struct ctx *c)
{
	int64_t id, ids[PLAN_MAX_INVOICES], pid = 0;
	const struct field_value *f;
	struct plan_slot s[PLAN_MAX_INSTALLMENTS];
	struct plan_err e = { "", "" };
	struct plan_req q;
	struct plan_terms t;
	struct account a;
	struct actor act;
	size_t nids = 0, n = 0;
	int rc;

	if ((rc = kit_account_or_404(c, (id = kit_path_id(c, "id")), &a)) != 0)
		return rc == 1 ? 0 : -1;
	staff_plans_view_inputs(c);
	memset(&q, 0, sizeof(q));
	q.account_id = id;
	q.client_id = (f = app_field(c, "client_id")) && f->present ? f->i : 0;
	plan_view_drop_repeat_errors(c);
	if (plan_view_form_ids(c, ids, ARRAY_LEN(ids), &nids) == -1)
		kit_form_error(c, "invoice_id",
		    "Choose at most 50 open invoices.");
	if (c->fs.nerr > 0 || tmpl_get(c->view, "err_invoice_id")) {
		app_view_errors(c);
		tmpl_set(c->view, "error", "Check the highlighted fields.");
		return form_page(c, &a, q.client_id, ids, nids, 422, 0);
	}
	q.invoice_ids = ids;
	q.ninv = nids;
	q.amount = (f = app_field(c, "amount")) && f->present ? f->i : 0;
	req_terms(c, &q.terms);
	q.down_received = (f = app_field(c, "down_received")) && f->i;
	q.down_method = kit_field_s(c, "down_method");
	q.method_id = (f = app_field(c, "payment_method_id")) && f->present ? f->i : 0;
	q.autopay = (f = app_field(c, "autopay")) && f->i;
	q.override_reason = kit_field_s(c, "override_reason");
	if ((f = app_field(c, "preview")) && f->i) {
		rc = plan_preview(c->app->db, &q, &t, s, ARRAY_LEN(s), &n, &e);
		if (rc == PLAN_DB)
			return -1;
		if (rc == PLAN_OK || rc == PLAN_LIMITS)
			view_preview(c, &t, s, n);
		if (rc != PLAN_OK)
			return form_error(c, &a, q.client_id, ids, nids, &e, 422);
		return form_page(c, &a, q.client_id, ids, nids, 200, 0);
	}
	act = kit_staff_actor(c);
	rc = plan_create(c->app->db, &act, &q, &pid, &e);
	if (rc == PLAN_DB)
		return -1;
	if (rc != PLAN_OK)
		return form_error(c, &a, q.client_id, ids, nids, &e,
		    rc == PLAN_NOT_FOUND ? 404 : 422);
	{
		char url[64];

		str_fmt(url, sizeof(url), "/plans/%" PRId64 "?notice=created", pid);
		http_redirect(&c->resp, 303, url);
	}
	return 0;
}
