/* Self-service payment plans in the client portal: the client picks open
 * invoices, proposes terms inside the practice limits (previewing the
 * schedule), and signs; the plan is active at once, or waits for staff
 * approval when Settings say so (billing/plan_propose.c). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "kit.h"
#include "money.h"
#include "plan.h"
#include "plan_view.h"
#include "portal.h"
#include "portal_web.h"
#include "routes.h"
#include "str.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0
#define R_PORTAL	(R_PUBLIC | R_FORM)
#define R_PORTAL_POST	(R_PUBLIC | R_NOCSRF | R_FORM)

static const char *const freqs[] = { "weekly", "biweekly", "semimonthly",
    "monthly", NULL };

static const struct field f_propose[] = {
	{ "invoice_id", FIELD_ID, 0, 0, 0, 0, NULL, "Invoice" },
	{ "down_payment", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, "Down payment" },
	{ "installments", FIELD_INT, FIELD_REQUIRED, 0, 1, PLAN_MAX_INSTALLMENTS,
	    NULL, "Number of installments" },
	{ "frequency", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, freqs, "How often" },
	{ "start_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "First payment" },
	{ "signer_name", FIELD_LINE, 0, 200, 0, 0, NULL, "Your full name" },
	{ "authorize", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
	{ "preview", FIELD_BOOL, 0, 0, 0, 0, NULL, "Preview" },
};

static int	 h_propose_form(struct ctx *);
static int	 h_propose(struct ctx *);
static int	 h_proposal(struct ctx *);

const struct route routes_portal_proposals[] = {
	{ { "GET", "/portal/plan-proposals/new" }, h_propose_form, 0, R_PORTAL,
	    NOFIELDS },
	{ { "POST", "/portal/plan-proposals" }, h_propose, 0, R_PORTAL_POST,
	    FIELDS(f_propose) },
	{ { "GET", "/portal/plan-proposals/:id" }, h_proposal, 0, R_PORTAL,
	    NOFIELDS },
};
const size_t nroutes_portal_proposals = ARRAY_LEN(routes_portal_proposals);

/* The open invoices as checkboxes (ticked: chosen). */
static int
view_invoices(struct ctx *c, int64_t account_id, const int64_t *chosen,
    size_t nchosen)
{
	struct portal_invoice *inv = NULL;
	size_t n = 0, shown = 0;

	if (portal_invoices(c->app->db, account_id, -1, &inv, &n) != PORTAL_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;
		int64_t in_plan = 0;
		int on = 0;

		if (inv[i].status != PIS_OPEN && inv[i].status != PIS_PARTIAL)
			continue;
		if (plan_of_invoice(c->app->db, inv[i].id, &in_plan) != PLAN_OK) {
			free(inv);
			return -1;
		}
		if (in_plan)
			continue;	/* paid by a plan already */
		if ((row = tmpl_loop_add(c->view, "invoices")) == NULL)
			break;
		for (size_t k = 0; k < nchosen; k++)
			on |= chosen[k] == inv[i].id;
		tmpl_set_int(row, "id", inv[i].id);
		tmpl_set(row, "number", inv[i].number);
		portal_set_day(row, "due", inv[i].due_date);
		kit_set_money(row, "open", inv[i].open);
		tmpl_set_bool(row, "checked", on);
		shown++;
	}
	free(inv);
	tmpl_set_bool(c->view, "has_invoices", shown > 0);
	return 0;
}

static int
view_limits(struct ctx *c)
{
	struct plan_limits l;

	if (plan_limits_get(c->app->db, &l) != PLAN_OK)
		return -1;
	if (l.min_installment > 0)
		kit_set_money(c->view, "limit_min_installment",
		    l.min_installment);
	if (l.max_installments > 0)
		tmpl_set_int(c->view, "limit_max_installments", l.max_installments);
	if (l.min_down_bp > 0)
		tmpl_setf(c->view, "limit_min_down", "%" PRId64 "%%",
		    l.min_down_bp / 100);
	return 0;
}

static int
form_page(struct ctx *c, const struct portal_req *pr, int status,
    const int64_t *ids, size_t n)
{
	char d[11];

	if (view_invoices(c, pr->account_id, ids, n) == -1 || view_limits(c) == -1)
		return -1;
	if (tmpl_get(c->view, "form_installments") == NULL) {
		date_fmt(date_today() + 30, d, sizeof(d));
		tmpl_set(c->view, "form_installments", "6");
		tmpl_set(c->view, "form_start_date", d);
		tmpl_set_bool(c->view, "freq_monthly", 1);
		tmpl_set(c->view, "form_down_payment", "");
		tmpl_set(c->view, "form_signer_name", "");
	}
	tmpl_set(c->view, "title", portal_msg(c, "pp.title"));
	tmpl_set_bool(c->view, "nav_billing", 1);
	return portal_render(c, pr, status, "portal_plan_propose.html");
}

static int
h_propose_form(struct ctx *c)
{
	struct portal_req pr;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	return form_page(c, &pr, 200, NULL, 0);
}

/* The form's values back into the view. */
static void
echo_form(struct ctx *c)
{
	static const char *const names[] = { "down_payment", "installments",
	    "start_date", "signer_name" };
	char key[40];

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		str_fmt(key, sizeof(key), "form_%s", names[i]);
		tmpl_set(c->view, key, kit_field_s(c, names[i]));
	}
	str_fmt(key, sizeof(key), "freq_%s", kit_field_s(c, "frequency"));
	tmpl_set_bool(c->view, key, 1);
	if (kit_field_i(c, "authorize", 0))
		tmpl_set_bool(c->view, "form_authorize", 1);
}

/* Staff may override the limits with a reason; clients may not: the
 * message says what to change instead. */
static void
view_error(struct ctx *c, const struct plan_err *e)
{
	char key[48], msg[sizeof(e->msg) + 64], *cut;

	str_copy(msg, sizeof(msg), portal_field_error(c, e->field, e->msg));
	if ((cut = strstr(msg, " To go ahead anyway")) != NULL)
		str_copy(cut, sizeof(msg) - (size_t)(cut - msg), " Please choose "
		    "terms within these limits.");
	tmpl_set(c->view, "error", msg);
	if (e->field[0] && strcmp(e->field, "override_reason") != 0) {
		str_fmt(key, sizeof(key), "err_%s", strcmp(e->field, "invoice_ids") ==
		    0 ? "invoice_id" : strcmp(e->field, "down_payment_cents") == 0 ?
		    "down_payment" : e->field);
		tmpl_set(c->view, key, portal_field_error(c, e->field, e->msg));
	}
}

static void
view_schedule(struct ctx *c, const struct plan_terms *t,
    const struct plan_slot *s, size_t n)
{
	char d[11];

	kit_set_money(c->view, "preview_total", t->total);
	if (t->down > 0)
		kit_set_money(c->view, "preview_down", t->down);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "schedule");

		if (row == NULL)
			return;
		tmpl_set_int(row, "number", (int64_t)i + 1);
		date_fmt(s[i].due, d, sizeof(d));
		portal_set_day(row, "due", d);
		kit_set_money(row, "amount", s[i].amount);
	}
	tmpl_set_bool(c->view, "has_preview", n > 0);
}

static void
req_of(struct ctx *c, const struct portal_req *pr, const int64_t *ids,
    size_t n, struct plan_req *q)
{
	memset(q, 0, sizeof(*q));
	q->account_id = pr->account_id;
	q->invoice_ids = ids;
	q->ninv = n;
	q->override_reason = "";
	q->terms.down = kit_field_i(c, "down_payment", 0);
	q->terms.count = kit_field_i(c, "installments", 0);
	(void)plan_freq_parse(kit_field_s(c, "frequency"), &q->terms.freq);
	(void)date_parse(kit_field_s(c, "start_date"), &q->terms.start);
}

static int
h_propose(struct ctx *c)
{
	struct plan_slot slots[PLAN_MAX_INSTALLMENTS];
	int64_t ids[PLAN_MAX_INVOICES], id = 0;
	struct plan_err e = { "", "" };
	struct plan_signature sig;
	struct portal_req pr;
	struct plan_terms t;
	struct plan_env env;
	struct plan_req q;
	struct actor a;
	char url[80];
	size_t n = 0, ns = 0;
	int pending = 0, rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	plan_view_drop_repeat_errors(c);
	echo_form(c);
	if (plan_view_form_ids(c, ids, ARRAY_LEN(ids), &n) == -1 ||
	    c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set(c->view, "error", portal_msg(c, "pp.check_fields"));
		return form_page(c, &pr, 422, ids, n);
	}
	req_of(c, &pr, ids, n, &q);
	if (kit_field_i(c, "preview", 0)) {
		rc = n == 0 ? PLAN_INVALID : plan_preview(c->app->db, &q, &t, slots,
		    ARRAY_LEN(slots), &ns, &e);
		if (n == 0) {
			str_copy(e.field, sizeof(e.field), "invoices");
			str_copy(e.msg, sizeof(e.msg), "Choose the invoices the plan pays.");
		}
		if (rc == PLAN_DB)
			return -1;
		if (rc == PLAN_OK)
			view_schedule(c, &t, slots, ns);
		else
			view_error(c, &e);
		return form_page(c, &pr, rc == PLAN_OK ? 200 : 422, ids, n);
	}
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	env = (struct plan_env){ c->app->db, c->app->i18n, &c->app->cfg, &a };
	sig = (struct plan_signature){ kit_field_s(c, "signer_name"),
	    kit_field_i(c, "authorize", 0) != 0, app_ip(c),
	    c->req.user_agent ? c->req.user_agent : "", portal_lang() };
	rc = plan_propose(&env, &q, &sig, &id, &pending, &e);
	if (rc == PLAN_DB)
		return -1;
	if (rc != PLAN_OK && id == 0) {
		view_error(c, &e);
		return form_page(c, &pr, rc == PLAN_NOT_FOUND ? 404 : 422, ids, n);
	}
	str_fmt(url, sizeof(url), pending || rc != PLAN_OK ?
	    "/portal/plan-proposals/%" PRId64 : "/portal/plans/%" PRId64
	    "?notice=signed", id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* A proposal of this account: waiting, or where it went. */
static int
h_proposal(struct ctx *c)
{
	struct plan_proposal pp;
	struct portal_req pr;
	struct plan p;
	char url[64], num[24], title[160];
	int64_t id;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if ((id = kit_path_id(c, "id")) == 0 ||
	    (rc = plan_proposal_get(c->app->db, id, &pp)) != PLAN_OK ||
	    !pp.found || pp.account_id != pr.account_id)
		return rc == PLAN_DB ? -1 : portal_error(c, 404,
		    portal_msg(c, "pp.no_proposal"));
	if ((rc = plan_get(c->app->db, id, pr.account_id, &p)) != PLAN_OK)
		return rc == PLAN_DB ? -1 : portal_error(c, 404,
		    portal_msg(c, "pp.no_proposal"));
	if (p.state != PLAN_DRAFT) {
		plan_free(&p);
		str_fmt(url, sizeof(url), "/portal/plans/%" PRId64, id);
		http_redirect(&c->resp, 303, url);
		return 0;
	}
	plan_view_lang(c->view, &p, c->app->tc, portal_lang());
	plan_free(&p);
	tmpl_set_bool(c->view, "pending", pp.pending);
	str_fmt(num, sizeof(num), "%" PRId64, id);
	tmpl_set(c->view, "title", portal_msgf(c, "pp.proposal_title", title,
	    sizeof(title), "plan_id", num, (const char *)NULL));
	tmpl_set_bool(c->view, "nav_billing", 1);
	return portal_render(c, &pr, 200, "portal_plan_proposal.html");
}
