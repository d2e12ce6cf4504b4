/* Payment plans in the client portal: the plans on the Billing page, a
 * plan's page (schedule, consent text, the signature form), and the
 * selection "Pay next installment now" / "Pay off the plan" hands to the
 * ordinary portal payment flow (portal_pay.c): the amount is computed here
 * from the plan, never taken from the form. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "kit.h"
#include "log.h"
#include "money.h"
#include "plan.h"
#include "plan_view.h"
#include "portal.h"
#include "portal_web.h"
#include "routes.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)

static const char *const pay_whats[] = { "next", "payoff", NULL };
static const char *const plan_notices[] = { "signed", NULL };

static const struct field f_plan_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, plan_notices, "Notice" },
};

static const struct field f_plan_accept[] = {
	{ "signer_name", FIELD_LINE, 0, 200, 0, 0, NULL, "Your full name" },
	{ "authorize", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
};

/* Portal routes check the portal session themselves (portal_begin). */
const struct route routes_portal_plans[] = {
	{ { "GET", "/portal/plans/:id" }, h_portal_plan, 0, R_PUBLIC | R_FORM,
	    FIELDS(f_plan_page) },
	{ { "POST", "/portal/plans/:id/accept" }, h_portal_plan_accept, 0,
	    R_PUBLIC | R_NOCSRF | R_FORM, FIELDS(f_plan_accept) },
};
const size_t nroutes_portal_plans = ARRAY_LEN(routes_portal_plans);

int
portal_plans_billing(struct ctx *c, int64_t account_id, const int64_t *ids,
    size_t nids)
{
	struct plan *ps = NULL;
	size_t n = 0;

	if (plan_list_of(c->app->db, account_id, ids, nids, &ps, &n) != PLAN_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "plans");

		if (row != NULL) {
			plan_view_lang(row, &ps[i], c->app->tc, portal_lang());
			tmpl_set_bool(row, "plan_to_sign", ps[i].state == PLAN_SENT);
			tmpl_set_bool(row, "plan_payable", (ps[i].state == PLAN_ACTIVE ||
			    ps[i].state == PLAN_PAST_DUE) && ps[i].next_number >= 0);
		}
		plan_free(&ps[i]);
	}
	tmpl_set_bool(c->view, "has_plans", n > 0);
	free(ps);
	return 0;
}

static int
plan_view_page(struct ctx *c, const struct portal_req *pr, int64_t id,
    int status, const struct plan_err *e)
{
	struct plan p;
	char *text;
	int rc = plan_get(c->app->db, id, pr->account_id, &p);

	if (rc == PLAN_DB)
		return -1;
	if (rc == PLAN_OK && p.state == PLAN_DRAFT) {
		plan_free(&p);
		rc = PLAN_NOT_FOUND;	/* not shown to the client yet */
	}
	if (rc != PLAN_OK)
		return portal_error(c, 404, portal_msg(c, "err.no_plan"));
	plan_view_lang(c->view, &p, c->app->tc, portal_lang());
	tmpl_set_bool(c->view, "plan_to_sign", p.state == PLAN_SENT);
	tmpl_set_bool(c->view, "plan_payable", (p.state == PLAN_ACTIVE ||
	    p.state == PLAN_PAST_DUE) && p.next_number >= 0);
	if ((text = plan_consent_text_lang(&p, c->app->cfg.org_name ?
	    c->app->cfg.org_name : "us", c->app->i18n, portal_lang())) == NULL) {
		plan_free(&p);
		return -1;
	}
	tmpl_set(c->view, "consent_text", text);
	free(text);
	if (p.accepted_at)
		portal_set_date(c->view, "accepted_at", p.accepted_at);
	tmpl_set(c->view, "signer_name", kit_field_s(c, "signer_name"));
	if (e != NULL) {
		const char *msg = portal_field_error(c, e->field, e->msg);
		char key[48];

		tmpl_set(c->view, "error", msg);
		str_fmt(key, sizeof(key), "err_%s", e->field);
		tmpl_set(c->view, key, msg);
	}
	if (strcmp(kit_field_s(c, "notice"), "signed") == 0)
		tmpl_set(c->view, "notice", portal_msg(c, "plan.notice_signed"));
	{
		char ids[24], title[120];

		str_fmt(ids, sizeof(ids), "%" PRId64, id);
		tmpl_set(c->view, "title", portal_msgf(c, "plan.title", title,
		    sizeof(title), "plan_id", ids, (const char *)NULL));
	}
	tmpl_set_bool(c->view, "nav_billing", 1);
	plan_free(&p);
	return portal_render(c, pr, status, "portal_plan.html");
}

/* A portal page of the :id plan: 1, else what the handler returns (0
 * answered: sign-in or 404; -1). */
static int
begin_plan(struct ctx *c, struct portal_req *pr, int64_t *id)
{
	int rc = portal_begin(c, pr);

	if (rc <= 0)
		return rc;
	if ((*id = kit_path_id(c, "id")) == 0)
		return portal_error(c, 404, portal_msg(c, "err.no_plan"));
	return 1;
}

int
h_portal_plan(struct ctx *c)
{
	struct portal_req pr;
	int64_t id;
	int rc;

	if ((rc = begin_plan(c, &pr, &id)) != 1)
		return rc;
	return plan_view_page(c, &pr, id, 200, NULL);
}

/* A plan with a saved method: the signature is also the method's consent
 * scoped to this plan (each installment up to the largest one), so the
 * charges of its installments are authorized and nothing else is. */
static int
plan_consent(struct ctx *c, const struct portal_req *pr, struct actor *a,
    int64_t id, const struct plan_signature *sig)
{
	struct sp_consent_req q;
	char version[33], msg[200] = "";
	int64_t max = 0, cid = 0;
	struct plan p;
	struct sp sp;
	int rc = plan_get(c->app->db, id, pr->account_id, &p);

	if (rc != PLAN_OK)
		return rc == PLAN_DB ? -1 : 0;
	for (size_t i = 0; i < p.ninst; i++)
		if (p.inst[i].amount > max)
			max = p.inst[i].amount;
	str_fmt(version, sizeof(version), "plan-%" PRId64 "-v%d", p.id, p.version);
	q = (struct sp_consent_req){ pr->account_id, p.method_id, "payment_plan",
	    max, p.id, version, sig->name, sig->ip, sig->user_agent, 0 };
	rc = SP_OK;
	if (p.method_id) {
		portal_sp_of(c, a, &sp);
		rc = stripe_pay_consent_record(&sp, &q, &cid, msg, sizeof(msg));
	}
	plan_free(&p);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)	/* the method went away: the plan stays signed */
		log_warn("plan %" PRId64 ": consent not recorded: %s", id, msg);
	return 0;
}

int
h_portal_plan_accept(struct ctx *c)
{
	struct plan_err e = { "", "" };
	struct plan_signature sig;
	struct portal_req pr;
	struct plan_env env;
	struct actor a;
	char url[80];
	int64_t id;
	int rc;

	if ((rc = begin_plan(c, &pr, &id)) != 1)
		return rc;
	if (c->fs.nerr > 0) {
		str_copy(e.field, sizeof(e.field), c->fs.err[0].field);
		str_copy(e.msg, sizeof(e.msg), c->fs.err[0].msg);
		return plan_view_page(c, &pr, id, 422, &e);
	}
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	env = (struct plan_env){ c->app->db, c->app->i18n, &c->app->cfg, &a };
	sig = (struct plan_signature){ kit_field_s(c, "signer_name"),
	    kit_field_i(c, "authorize", 0) != 0, app_ip(c),
	    c->req.user_agent ? c->req.user_agent : "", portal_lang() };
	rc = plan_accept(&env, pr.account_id, id, &sig, &e);
	if (rc == PLAN_DB)
		return -1;
	if (rc == PLAN_NOT_FOUND)
		return portal_error(c, 404, portal_msg(c, "err.no_plan"));
	if (rc != PLAN_OK)
		return plan_view_page(c, &pr, id, rc == PLAN_STATE ? 409 : 422, &e);
	if (plan_consent(c, &pr, &a, id, &sig) == -1)
		return -1;
	str_fmt(url, sizeof(url), "/portal/plans/%" PRId64 "?notice=signed", id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* --- the selection for the payment flow ---------------------------------------- */

static int
plan_what_parse(const char *s)
{
	for (int i = 0; pay_whats[i] != NULL; i++)
		if (s != NULL && strcmp(s, pay_whats[i]) == 0)
			return i;
	return -1;
}

int
portal_plan_select(struct ctx *c, int64_t account_id, const char *plan,
    const char *what, struct portal_selection *sel, char *msg, size_t msgsz)
{
	struct alloc_req req[PLAN_MAX_INVOICES];
	struct plan_err e = { "", "" };
	struct plan_pay pp;
	int64_t id;
	int w = plan_what_parse(what), rc;
	size_t off = 0;

	memset(sel, 0, sizeof(*sel));
	if (plan == NULL || str_to_i64(plan, 1, INT64_MAX, &id) == -1 || w < 0)
		return PORTAL_NOT_FOUND;
	rc = plan_pay_price(c->app->db, account_id, id, (enum plan_pay_what)w, &pp, &e);
	if (rc == PLAN_DB)
		return PORTAL_DB;
	if (rc == PLAN_NOT_FOUND)
		return PORTAL_NOT_FOUND;
	if (rc != PLAN_OK) {
		str_copy(msg, msgsz, portal_field_error(c, e.field, e.msg));
		return PORTAL_INVALID;
	}
	sel->account_id = account_id;
	for (size_t i = 0; i < pp.n && i < PORTAL_MAX_SELECT; i++) {
		sel->ids[i] = req[i].invoice_id = pp.invoice_ids[i];
		sel->amounts[i] = req[i].amount = pp.amounts[i];
		str_copy(sel->numbers[i], sizeof(sel->numbers[i]), pp.numbers[i]);
		if (str_fmt(sel->ids_text + off, sizeof(sel->ids_text) - off,
		    "%s%" PRId64, i ? "," : "", pp.invoice_ids[i]) == -1)
			return PORTAL_DB;
		off += strlen(sel->ids_text + off);
		sel->n = i + 1;
	}
	sel->total = pp.total;
	if (stripe_pay_plan_format(req, sel->n, sel->plan, sizeof(sel->plan)) == -1)
		return PORTAL_DB;
	tmpl_set_int(c->view, "plan_id", id);
	tmpl_set(c->view, "plan_what", pay_whats[w]);
	tmpl_set_bool(c->view, "plan_payoff", w == PLAN_PAY_OFF);
	return PORTAL_OK;
}

int
portal_plan_started(struct ctx *c, int64_t account_id, int64_t payment_id)
{
	const char *plan = kit_field_s(c, "plan");
	int64_t id;
	int w = plan_what_parse(kit_field_s(c, "plan_what"));

	if (*plan == '\0' || payment_id == 0)
		return 0;
	if (str_to_i64(plan, 1, INT64_MAX, &id) == -1 || w < 0)
		return 0;
	return plan_pay_started(c->app->db, account_id, id, (enum plan_pay_what)w,
	    payment_id) == PLAN_DB ? -1 : 0;
}
