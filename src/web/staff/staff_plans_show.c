/* Staff UI: the payment plan page and its changes (edit, skip, move one
 * installment, send to the portal, pause/resume/cancel), and the practice
 * limits in Settings. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "plan.h"
#include "plan_view.h"
#include "profiles.h"
#include "staff_money.h"
#include "staff_plans.h"
#include "str.h"
#include "tmpl.h"

static const char *const notice_text[][2] = {
	{ "created", "Payment plan created. Check the schedule, then send it to the client's portal." },
	{ "edited", "Plan changed: a new version was saved." },
	{ "sent", "Plan sent to the client's portal for signature." },
	{ "paused", "Plan paused." },
	{ "resumed", "Plan resumed." },
	{ "cancelled", "Plan cancelled." },
	{ "skipped", "Installment skipped: its amount moved to the end." },
	{ "moved", "Installment moved." },
	{ "approved", "Client proposal approved: the plan is active with the "
	    "client's signature." },
};

static void
plan_env_of(struct ctx *c, struct actor *a, struct plan_env *env)
{
	*a = kit_staff_actor(c);
	env->db = c->app->db;
	env->i18n = c->app->i18n;
	env->cfg = &c->app->cfg;
	env->actor = a;
}

static int
view_versions(struct ctx *c, int64_t id)
{
	struct plan_version *v = NULL;
	size_t n = 0;

	if (plan_versions(c->app->db, id, &v, &n) != PLAN_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "versions");

		if (row == NULL)
			break;
		tmpl_set_int(row, "version", v[i].version);
		tmpl_set(row, "who", v[i].actor_name[0] ? v[i].actor_name :
		    strcmp(v[i].actor_kind, "portal") == 0 ? "Client (portal)" :
		    strcmp(v[i].actor_kind, "api") == 0 ? "API" : "System");
		kit_set_instant(row, "when", v[i].created_at);
		tmpl_set(row, "changes", v[i].changes);
		if (v[i].signed_name[0]) {
			tmpl_set(row, "signed_name", v[i].signed_name);
			kit_set_instant(row, "signed_at", v[i].signed_at);
			tmpl_set(row, "signed_ip", v[i].signed_ip);
		}
	}
	plan_versions_free(v, n);
	return 0;
}

/* Open invoices of the plan's account (or client) not in it yet: the
 * edit form's "Add invoices" boxes. */
static int
view_addable(struct ctx *c, const struct plan *p)
{
	struct invoice *inv = NULL;
	size_t n = 0;
	int more = 0;

	if (!p->by_invoices)
		return 0;
	if (staff_money_open_invoices(c, p->account_id, PLAN_MAX_INVOICES, &inv,
	    &n,
	    &more) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;
		int in_plan = 0;

		for (size_t j = 0; j < p->ninv; j++)
			in_plan |= p->inv[j].id == inv[i].id;
		if (in_plan || (p->client_id && inv[i].client_id != p->client_id) ||
		    (row = tmpl_loop_add(c->view, "addable")) == NULL)
			continue;
		tmpl_set_int(row, "id", inv[i].id);
		tmpl_set(row, "number", inv[i].number);
		tmpl_set(row, "due_date", inv[i].due_date);
		kit_set_money(row, "open", inv[i].open);
	}
	staff_money_invoices_free(inv, n);
	return 0;
}

static void
view_edit_defaults(struct ctx *c, const struct plan *p)
{
	char d[11];

	staff_plans_view_inputs(c);
	if (strcmp(c->req.method, "POST") == 0)
		return;		/* the form again, as typed */
	tmpl_set(c->view, "form_schedule_by", p->terms.count ? "count" : "amount");
	tmpl_setf(c->view, "form_installments", "%" PRId64, p->terms.count ?
	    p->terms.count : 6);
	if (p->terms.amount)
		kit_set_money_plain(c->view, "form_installment_amount",
		    p->terms.amount);
	tmpl_set(c->view, "form_frequency", plan_freq_names[p->terms.freq]);
	tmpl_setf(c->view, "form_day_of_month", "%d", p->terms.day);
	date_fmt(p->terms.start > date_today() ? p->terms.start : date_today(), d,
	    sizeof(d));
	tmpl_set(c->view, "form_start_date", d);
	tmpl_set_bool(c->view, "form_autopay", p->autopay);
}

/* A plan the client proposed in the portal: who signed, and Approve while
 * it waits (then "Send to portal" is not offered: approving sends it). */
static int
view_proposal(struct ctx *c, const struct plan *p)
{
	struct plan_proposal pp;

	if (plan_proposal_get(c->app->db, p->id, &pp) != PLAN_OK)
		return -1;
	if (!pp.found)
		return 0;
	tmpl_set(c->view, "proposal_signer", pp.signer_name);
	tmpl_set_bool(c->view, "proposal_pending", pp.pending &&
	    p->state == PLAN_DRAFT);
	if (pp.pending && p->state == PLAN_DRAFT)
		tmpl_set_bool(c->view, "can_send", 0);
	return 0;
}

static int
plan_page(struct ctx *c, int64_t id, int status, const struct plan_err *e)
{
	const struct field_value *nf = app_field(c, "notice");
	struct plan p;
	int rc = plan_get(c->app->db, id, 0, &p);

	if (rc == PLAN_DB)
		return -1;
	if (rc != PLAN_OK)
		return app_error(c, 404, "No such payment plan.");
	plan_view(c->view, &p);
	tmpl_set_int(c->view, "account_id", p.account_id);
	tmpl_set(c->view, "account_name", p.account_name);
	tmpl_set_int(c->view, "client_id", p.client_id);
	tmpl_set_bool(c->view, "by_invoices", p.by_invoices);
	tmpl_set_int(c->view, "version", p.version);
	if (p.override_reason[0])
		tmpl_set(c->view, "override_reason", p.override_reason);
	for (size_t i = 0; i < p.ninv; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "plan_invoices");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", p.inv[i].id);
		tmpl_set(row, "number", p.inv[i].number);
		kit_set_money(row, "open", p.inv[i].open);
	}
	tmpl_set_bool(c->view, "can_send", p.state == PLAN_DRAFT || p.state == PLAN_SENT);
	tmpl_set_bool(c->view, "is_sent", p.state == PLAN_SENT);
	tmpl_set_bool(c->view, "can_pause", p.state == PLAN_ACTIVE ||
	    p.state == PLAN_PAST_DUE || p.state == PLAN_SENT);
	tmpl_set_bool(c->view, "can_resume", p.state == PLAN_PAUSED);
	tmpl_set_bool(c->view, "can_edit", p.state != PLAN_COMPLETED &&
	    p.state != PLAN_CANCELLED);
	tmpl_set_bool(c->view, "can_money", (c->user.role & ROLES_MONEY) != 0);
	view_edit_defaults(c, &p);
	if (view_proposal(c, &p) == -1) {
		plan_free(&p);
		return -1;
	}
	if (nf && nf->present)
		tmpl_set(c->view, "notice", notice_text[nf->i][1]);
	if (e != NULL && e->msg[0]) {
		tmpl_set(c->view, "error", e->msg);
		kit_form_error(c, staff_plans_form_field(e->field), e->msg);
	}
	rc = staff_plans_view_methods(c, p.account_id, p.method_id) == -1 ||
	    view_addable(c, &p) == -1 || view_versions(c, id) == -1 ? -1 : 0;
	tmpl_setf(c->view, "title", "Payment plan #%" PRId64, id);
	plan_free(&p);
	return rc == 0 ? app_render(c, status, "plan_show.html") : -1;
}

int
h_plan_show(struct ctx *c)
{
	int64_t id;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment plan.");
	return plan_page(c, id, 200, NULL);
}

/* The outcome of a change: back to the plan page with a notice, or the
 * page again with the error (404 / 409 / 422). */
static int
after(struct ctx *c, int64_t id, int rc, const struct plan_err *e,
    const char *notice)
{
	char url[80];

	if (rc == PLAN_DB)
		return -1;
	if (rc == PLAN_OK) {
		str_fmt(url, sizeof(url), "/plans/%" PRId64 "?notice=%s", id, notice);
		http_redirect(&c->resp, 303, url);
		return 0;
	}
	if (rc == PLAN_NOT_FOUND && strcmp(e->field, "payment_method_id") != 0 &&
	    strcmp(e->field, "invoice_ids") != 0 && strcmp(e->field, "number") != 0)
		return app_error(c, 404, "No such payment plan.");
	return plan_page(c, id, rc == PLAN_STATE ? 409 : rc == PLAN_NOT_FOUND ?
	    404 : 422, e);
}

static int
field_errors(struct ctx *c, int64_t id)
{
	struct plan_err e = { "", "Check the highlighted fields." };

	app_view_errors(c);
	return plan_page(c, id, 422, &e);
}

/* An action on the :id plan: the plan, the staff user acting, the error. */
struct plan_act {
	struct plan_err e;
	struct plan_env env;
	struct actor a;
	int64_t id;
};

/* Starts an action on the :id plan: 1, else what the handler returns (the
 * 404 page, or with fields the form again with its errors). */
static int
plan_act_begin(struct ctx *c, struct plan_act *pa, int fields)
{
	memset(pa, 0, sizeof(*pa));
	if ((pa->id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment plan.");
	if (fields && c->fs.nerr > 0)
		return field_errors(c, pa->id);
	plan_env_of(c, &pa->a, &pa->env);
	return 1;
}

int
h_plan_edit(struct ctx *c)
{
	int64_t id, ids[PLAN_MAX_INVOICES];
	struct plan_err e = { "", "" };
	const struct field_value *f;
	struct plan_edit ed;
	struct plan_env env;
	struct actor a;
	size_t n = 0;
	int by_amount;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment plan.");
	plan_view_drop_repeat_errors(c);
	if (c->fs.nerr > 0 || plan_view_form_ids(c, ids, ARRAY_LEN(ids),
	    &n) == -1)
		return field_errors(c, id);
	memset(&ed, 0, sizeof(ed));
	by_amount = strcmp(kit_field_s(c, "schedule_by"), "amount") == 0;
	if (!by_amount && (f = app_field(c, "installments")) && f->present)
		ed.terms.count = f->i;
	if (by_amount && (f = app_field(c, "installment_amount")) && f->present)
		ed.terms.amount = f->i;
	(void)plan_freq_parse(kit_field_s(c, "frequency"), &ed.terms.freq);
	ed.terms.day = (f = app_field(c, "day_of_month")) && f->present ? (int)f->i : 0;
	(void)date_parse(kit_field_s(c, "start_date"), &ed.terms.start);
	ed.method_id = (f = app_field(c, "payment_method_id")) && f->present ? f->i : 0;
	ed.autopay = (f = app_field(c, "autopay")) && f->i;
	ed.add_invoice_ids = ids;
	ed.nadd = n;
	ed.override_reason = kit_field_s(c, "override_reason");
	plan_env_of(c, &a, &env);
	return after(c, id, plan_edit_terms(&env, id, &ed, &e), &e, "edited");
}

int
h_plan_skip(struct ctx *c)
{
	struct plan_act pa;
	int rc;

	if ((rc = plan_act_begin(c, &pa, 1)) != 1)
		return rc;
	return after(c, pa.id, plan_skip(&pa.env, pa.id,
	    (int)app_field(c, "number")->i, &pa.e), &pa.e, "skipped");
}

int
h_plan_move(struct ctx *c)
{
	struct plan_act pa;
	int64_t due = 0;
	int rc;

	if ((rc = plan_act_begin(c, &pa, 1)) != 1)
		return rc;
	(void)date_parse(kit_field_s(c, "due_date"), &due);
	return after(c, pa.id, plan_move(&pa.env, pa.id,
	    (int)app_field(c, "number")->i, due, &pa.e), &pa.e, "moved");
}

/* An action on the :id plan that takes nothing else (send, approve). */
static int
plan_step(struct ctx *c, int (*step)(const struct plan_env *, int64_t,
    struct plan_err *), const char *notice)
{
	struct plan_act pa;
	int rc;

	if ((rc = plan_act_begin(c, &pa, 0)) != 1)
		return rc;
	return after(c, pa.id, step(&pa.env, pa.id, &pa.e), &pa.e, notice);
}

int
h_plan_send(struct ctx *c)
{
	return plan_step(c, plan_send, "sent");
}

int
h_plan_approve(struct ctx *c)
{
	return plan_step(c, plan_proposal_approve, "approved");
}

int
h_plan_act(struct ctx *c)
{
	static const char *const done[] = { "paused", "resumed", "cancelled" };
	const char *path = c->req.path ? c->req.path : "";
	enum plan_action act = PLAN_CANCEL;
	struct plan_act pa;
	int rc;

	if ((rc = plan_act_begin(c, &pa, 1)) != 1)
		return rc;
	for (int i = 0; i < PLAN_ACTION__MAX; i++) {
		const char *tail = strrchr(path, '/');

		if (tail && strcmp(tail + 1, plan_action_names[i]) == 0)
			act = (enum plan_action)i;
	}
	return after(c, pa.id, plan_act(&pa.env, pa.id, act,
	    kit_field_s(c, "reason"), &pa.e), &pa.e, done[act]);
}

/* --- Settings: practice limits ------------------------------------------------ */

static int
limits_page(struct ctx *c, int status, const struct plan_limits *l)
{
	int need = 0;

	kit_set_money_plain(c->view, "form_min_installment",
	    l->min_installment);
	tmpl_setf(c->view, "form_max_installments", "%" PRId64, l->max_installments);
	tmpl_setf(c->view, "form_min_down_percent", "%" PRId64, l->min_down_bp / 100);
	if (plan_proposals_need_approval(c->app->db, &need) != PLAN_OK)
		return -1;
	tmpl_set_bool(c->view, "form_client_approval", need);
	tmpl_set(c->view, "title", "Payment plan limits");
	tmpl_set_bool(c->view, "tab_plan_limits", 1);
	return app_render(c, status, "plan_limits.html");
}

int
h_plan_limits(struct ctx *c)
{
	struct plan_limits l;

	if (plan_limits_get(c->app->db, &l) != PLAN_OK)
		return -1;
	return limits_page(c, 200, &l);
}

int
h_plan_limits_save(struct ctx *c)
{
	struct plan_err e = { "", "" };
	struct plan_limits l;
	struct actor a = kit_staff_actor(c);
	int rc;

	if (c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set(c->view, "error", "Check the highlighted fields.");
		if (plan_limits_get(c->app->db, &l) != PLAN_OK)
			return -1;
		return limits_page(c, 422, &l);
	}
	l.min_installment = app_field(c, "min_installment")->i;
	l.max_installments = app_field(c, "max_installments")->i;
	l.min_down_bp = app_field(c, "min_down_percent")->i * 100;
	rc = plan_limits_set(c->app->db, &a, &l, &e);
	if (rc == PLAN_OK)
		rc = plan_proposals_set_approval(c->app->db, &a,
		    app_field(c, "client_approval")->i != 0);
	if (rc == PLAN_DB)
		return -1;
	if (rc != PLAN_OK) {
		tmpl_set(c->view, "error", e.msg);
		kit_form_error(c, e.field, e.msg);
		return limits_page(c, 422, &l);
	}
	tmpl_set(c->view, "notice", "saved");
	return limits_page(c, 200, &l);
}
