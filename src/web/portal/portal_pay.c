/* Pay Selected Invoices: the selection (priced by the server: the open
 * amounts of the selected invoices less what payments in flight reserve;
 * paid, void and pending-ACH invoices refused), or a statement's invoices
 * as open today (?statement=<id>), or everything due (?all=1); part of one
 * invoice (the typed amount, from the Settings minimum up to what is open);
 * the method (saved method with authorization, new card with "save this
 * card", bank account/ACH), the Stripe Element page, and the return from
 * Stripe.js, which settles and shows the confirmation. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "kit.h"
#include "money.h"
#include "portal.h"
#include "portal_web.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* What the query asks to pay: repeated "invoice" ids, "statement=<id>"
 * (*statement = id) or "all=1" (*all = 1); -1 when a value is not an id or
 * there are too many. */
static int
query_ids(const struct ctx *c, int64_t *ids, size_t max, size_t *n,
    int64_t *statement, int *all)
{
	*n = 0;
	*statement = 0;
	*all = 0;
	for (size_t i = 0; i < c->req.query_kv.n; i++) {
		const struct kv *kv = &c->req.query_kv.v[i];

		if (strcmp(kv->key, "statement") == 0) {
			if (str_to_i64(kv->val, 1, INT64_MAX, statement) == -1)
				return -1;
			continue;
		}
		if (strcmp(kv->key, "all") == 0) {
			if (strcmp(kv->val, "1") != 0)
				return -1;
			*all = 1;
			continue;
		}
		if (strcmp(kv->key, "invoice") != 0)
			continue;
		if (*n >= max || str_to_i64(kv->val, 1, INT64_MAX, &ids[*n]) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

/* Saved methods as radio options; the default (or the chosen one) ticked. */
static int
view_methods(struct ctx *c, const struct portal_req *pr, int64_t total,
    int64_t chosen)
{
	struct sp_method *ms = NULL;
	size_t n = 0;

	if (stripe_pay_methods(c->app->db, pr->account_id, &ms, &n) != SP_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "methods");
		char label[96];
		int covers;

		if (row == NULL)
			break;
		covers = stripe_pay_consent_covers(c->app->db, ms[i].id, total,
		    NULL, 0);
		if (covers < 0) {
			free(ms);
			return -1;
		}
		portal_method_text(c, ms[i].kind, ms[i].brand, ms[i].last4, label,
		    sizeof(label));
		tmpl_set_int(row, "id", ms[i].id);
		tmpl_set(row, "label", label);
		if (ms[i].exp_month)
			tmpl_setf(row, "expires", "%02d/%d", ms[i].exp_month,
			    ms[i].exp_year % 100);
		tmpl_set_bool(row, "is_default", ms[i].is_default);
		tmpl_set_bool(row, "covered", covers == 1);
		tmpl_set_bool(row, "checked", chosen ? chosen == ms[i].id :
		    ms[i].is_default);
	}
	tmpl_set_bool(c->view, "has_methods", n > 0);
	free(ms);
	return 0;
}

/* One invoice: the amount field (the typed amount again, else all that
 * is open) and the minimum. */
static int
view_part(struct ctx *c, const struct portal_selection *sel)
{
	const char *typed = kit_field_s(c, "amount");
	char plain[MONEY_FMT_MAX];
	int64_t min = 0;

	if (portal_min_payment(c->app->db, &min) != PORTAL_OK)
		return -1;
	if (min > sel->open_total)
		min = sel->open_total;
	if (*typed == '\0' && money_format_plain(sel->amounts[0], plain,
	    sizeof(plain)) == 0)
		typed = plain;
	tmpl_set_bool(c->view, "part_ok", 1);
	tmpl_set(c->view, "amount_value", typed);
	kit_set_money(c->view, "min_payment", min);
	kit_set_money(c->view, "open_total", sel->open_total);
	return 0;
}

/* The form's pay_with: "card", "ach", or "m<id>" (*mid = id, "saved"). */
static const char *
pay_with(const struct ctx *c, int64_t *mid)
{
	const char *s = kit_field_s(c, "pay_with");

	*mid = 0;
	if (strcmp(s, "card") == 0 || strcmp(s, "ach") == 0)
		return s;
	if (s[0] == 'm' && str_to_i64(s + 1, 1, INT64_MAX, mid) == 0)
		return "saved";
	return "";
}

static int
pay_page(struct ctx *c, const struct portal_req *pr,
    const struct portal_selection *sel, int status, const char *error)
{
	int64_t chosen = 0;
	const char *method = pay_with(c, &chosen);

	for (size_t i = 0; i < sel->n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "selected");
		if (row == NULL)
			return -1;
		tmpl_set_int(row, "id", sel->ids[i]);
		tmpl_set(row, "number", sel->numbers[i]);
		kit_set_money(row, "amount", sel->amounts[i]);
	}
	kit_set_money(c->view, "pay_total", sel->total);
	tmpl_set_int(c->view, "total_cents", sel->open_total);
	/* part of one invoice; a statement or "everything" is paid whole */
	if (sel->n == 1 && tmpl_get(c->view, "for_statement") == NULL &&
	    tmpl_get(c->view, "for_all") == NULL &&
	    tmpl_get(c->view, "plan_id") == NULL && view_part(c, sel) == -1)
		return -1;
	tmpl_set(c->view, "invoices", sel->ids_text);
	tmpl_set_int(c->view, "count", (int64_t)sel->n);
	if (*method && strcmp(method, "saved") != 0)
		chosen = -1;		/* a new card or bank: no saved one ticked */
	if (view_methods(c, pr, sel->total, chosen) == -1 ||
	    portal_view_attempt_key(c) == -1)
		return -1;
	if (*method == '\0')
		method = tmpl_get(c->view, "has_methods") ? "saved" : "card";
	tmpl_set(c->view, "method", method);
	tmpl_set_bool(c->view, "want_card", strcmp(method, "card") == 0);
	tmpl_set_bool(c->view, "want_ach", strcmp(method, "ach") == 0);
	tmpl_set_bool(c->view, "save_card",
	    kit_field_i(c, "save_card", 0) != 0);
	tmpl_set(c->view, "signer_name", kit_field_s(c, "signer_name"));
	tmpl_set(c->view, "org", app_brand(c)->org_name);
	if (error)
		tmpl_set(c->view, "error", error);
	tmpl_set(c->view, "title", portal_msg(c, "pay.crumb"));
	tmpl_set_bool(c->view, "nav_billing", 1);
	return portal_render(c, pr, status, "portal_pay.html");
}

/* The link to the payment in progress that holds the money. */
static void
busy_link(struct ctx *c, int64_t payment_id)
{
	tmpl_setf(c->view, "busy_url", "/portal/payments/%" PRId64, payment_id);
	tmpl_setf(c->view, "busy_label", "P-%" PRId64, payment_id);
}

/* Prices ids for the account: 1 with sel filled, 0 when the page was made
 * (404 for ids not the account's, the Billing page with the refusal), -1. */
static int pay_replay(struct ctx *, const struct portal_req *, struct sp *);

static int
price(struct ctx *c, const struct portal_req *pr, const int64_t *ids, size_t n,
    struct portal_selection *sel, struct sp *sp)
{
	char msg[300] = "";
	int rc = portal_select(c->app->db, pr->account_id, ids, n, sel, msg,
	    sizeof(msg));

	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return portal_error(c, 404, portal_msg(c, "err.no_invoice")) == 0 ?
		    0 : -1;
	/* The same form's first submission may have been saved (or even
	 * paid) since it was looked for: then that is the answer. */
	if (rc != PORTAL_OK && sp != NULL) {
		int again = pay_replay(c, pr, sp);
		if (again != 1)
			return again;
	}
	if (rc != PORTAL_OK) {
		c->fs.nerr = 0;		/* the Billing page's filter: none */
		if (sel->busy_payment_id)
			busy_link(c, sel->busy_payment_id);
		return portal_billing_page(c, pr, sel->busy_payment_id ? 409 : 422,
		    msg, ids, n) == 0 ? 0 : -1;
	}
	return 1;
}

/* "Pay next installment now" / "Pay off the plan": the selection comes
 * from the plan (portal_plans.c). Same answers as price(). */
static int
plan_price(struct ctx *c, const struct portal_req *pr, const char *plan,
    const char *what, struct portal_selection *sel)
{
	char msg[600] = "";
	int rc = portal_plan_select(c, pr->account_id, plan, what, sel, msg,
	    sizeof(msg));

	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return portal_error(c, 404, "We could not find that payment plan.") ==
		    0 ? 0 : -1;
	if (rc != PORTAL_OK)
		return portal_error(c, 409, msg) == 0 ? 0 : -1;
	sel->open_total = sel->total;	/* a plan's amount is paid whole */
	return 1;
}

/* A statement's invoices as open today, or everything payable: ids, or
 * 0 when the page was made (404 for another account's statement, the
 * Billing page when nothing is open), -1. */
static int
ids_of(struct ctx *c, const struct portal_req *pr, int64_t statement,
    int64_t *ids, size_t max, size_t *n)
{
	int64_t total = 0;
	int rc = statement ? portal_statement_ids(c->app->db, pr->account_id,
	    statement, ids, max, n, &total) : portal_payable_ids(c->app->db,
	    pr->account_id, ids, max, n, &total);

	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return portal_error(c, 404, "We could not find that statement.") == 0 ?
		    0 : -1;
	if (*n > 0)
		return 1;
	c->fs.nerr = 0;
	return portal_billing_page(c, pr, 422, statement ? "Nothing on this "
	    "statement is open now: there is nothing to pay." : "Nothing is due "
	    "now: there is nothing to pay.", NULL, 0) == 0 ? 0 : -1;
}

int
h_portal_pay(struct ctx *c)
{
	struct portal_selection sel;
	int64_t ids[PORTAL_MAX_SELECT], statement = 0;
	struct portal_req pr;
	size_t n = 0;
	int all = 0, rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (kvlist_get(&c->req.query_kv, "plan") != NULL) {
		if ((rc = plan_price(c, &pr, kvlist_get(&c->req.query_kv, "plan"),
		    kvlist_get(&c->req.query_kv, "what"), &sel)) <= 0)
			return rc;
		return pay_page(c, &pr, &sel, 200, NULL);
	}
	if (query_ids(c, ids, ARRAY_LEN(ids), &n, &statement, &all) == -1)
		return portal_error(c, 404, portal_msg(c, "err.no_invoice"));
	if ((statement || all) && (rc = ids_of(c, &pr, statement, ids,
	    ARRAY_LEN(ids), &n)) <= 0)
		return rc;
	if ((rc = price(c, &pr, ids, n, &sel, NULL)) <= 0)
		return rc;
	if (statement)
		tmpl_set_bool(c->view, "for_statement", 1);
	if (all)
		tmpl_set_bool(c->view, "for_all", 1);
	return pay_page(c, &pr, &sel, 200, NULL);
}

/* --- starting the payment ------------------------------------------------------- */

struct pay_form {
	struct portal_req		*pr;
	struct portal_selection		*sel;
	const char			*method;
	const char			*signer;
	int				 authorize;
	int				 save_card;
	const char			*attempt_key;
	struct actor			 actor;
	struct sp			 sp;
};

static int
pay_result_page(struct ctx *c, struct pay_form *f, int rc,
    const struct sp_result *out)
{
	char url[64];

	switch (rc) {
	case SP_OK:
		break;
	case SP_NOT_FOUND:
		return portal_error(c, 404, portal_msg(c, "err.no_method"));
	case SP_CONFLICT:
		return pay_page(c, f->pr, f->sel, 409, portal_msg(c, "pay.form_used"));
	case SP_BUSY:
		if (out->busy_payment_id)
			busy_link(c, out->busy_payment_id);
		return pay_page(c, f->pr, f->sel, 409, portal_msg(c, "pay.busy"));
	case SP_STRIPE:
		return pay_page(c, f->pr, f->sel, 502, portal_reason(c,
		    out->message, "pay.no_answer"));
	case SP_DB:
		return -1;
	default:
		return pay_page(c, f->pr, f->sel, 422, portal_reason(c,
		    out->message, "pay.not_made"));
	}
	if (strcmp(out->status, "failed") == 0 || strcmp(out->status, "canceled") == 0)
		return pay_page(c, f->pr, f->sel, 402, portal_reason(c,
		    out->message, "pay.declined"));
	str_fmt(url, sizeof(url), "/portal/payments/%" PRId64, out->payment_id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* Charges a saved method: its authorization (a consent covering the
 * amount, or the one signed on this form), then the charge. */
static int
pay_saved(struct ctx *c, struct pay_form *f)
{
	int64_t mid = 0, consent = 0;
	struct portal_env env;
	struct sp_result out;
	struct sp_method m;
	char msg[256] = "";
	int rc, covers;

	memset(&out, 0, sizeof(out));
	(void)pay_with(c, &mid);
	rc = mid ? stripe_pay_method_get(c->app->db, mid, &m) : SP_NOT_FOUND;
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || m.account_id != f->pr->account_id ||
	    strcmp(m.status, "active") != 0)
		return mid ? portal_error(c, 404, portal_msg(c, "err.no_method")) : pay_page(c, f->pr, f->sel, 422, portal_msg(c, "pay.choose_saved"));
	if ((covers = stripe_pay_consent_covers(c->app->db, mid, f->sel->total,
	    NULL, 0)) < 0)
		return -1;
	if (!covers && (!f->authorize || *f->signer == '\0'))
		return pay_page(c, f->pr, f->sel, 422, portal_msg(c, "pay.need_auth"));
	if (!covers) {
		struct sp_consent_req q = { f->pr->account_id, mid, "up_to_amount",
		    f->sel->total, 0, PORTAL_CONSENT_VERSION, f->signer, app_ip(c),
		    c->req.user_agent ? c->req.user_agent : "", 0 };
		rc = stripe_pay_consent_record(&f->sp, &q, &consent, msg, sizeof(msg));
		if (rc == SP_DB)
			return -1;
		if (rc != SP_OK)
			return pay_page(c, f->pr, f->sel, 422, msg);
	}
	{
		struct sp_start st = { f->pr->account_id, 0, NULL, f->sel->total,
		    f->attempt_key, f->sel->plan, 0, "Paid in the client portal", mid };
		rc = stripe_pay_charge_saved(&f->sp, &st, &out);
	}
	if (out.payment_id && portal_plan_started(c, f->pr->account_id,
	    out.payment_id) == -1)
		return -1;
	if (rc == SP_OK || (rc == SP_STRIPE && out.payment_id)) {
		portal_env_of(c, &f->actor, &env);
		if (portal_payment_register(c->app->db, out.payment_id,
		    f->pr->account_id, 0, "", NULL) != PORTAL_OK ||
		    portal_payment_notify(&env, out.payment_id) != PORTAL_OK)
			return -1;
	}
	return pay_result_page(c, f, rc, &out);
}

/* The Stripe Element page of a page payment (card/bank entered there):
 * the invoices it pays come from its plan. */
static int
checkout(struct ctx *c, const struct portal_req *pr, const struct sp_payment *p,
    const char *client_secret)
{
	struct alloc_req req[SP_PLAN_MAX];
	size_t n = 0;
	int a = 0;
	char ret[600];

	if (str_fmt(ret, sizeof(ret), "%s/portal/pay/return?payment=%" PRId64,
	    c->app->cfg.base_url, p->id) == -1)
		return -1;
	if (stripe_pay_plan_parse(p->alloc_plan, &a, req, ARRAY_LEN(req), &n) == -1)
		n = 0;
	tmpl_set_int(c->view, "payment_id", p->id);
	tmpl_set_int(c->view, "count", (int64_t)n);
	tmpl_set(c->view, "title", portal_msg(c, "pay.crumb"));
	tmpl_set_bool(c->view, "nav_billing", 1);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "selected");
		struct portal_invoice pi;
		if (row == NULL)
			return -1;
		if (portal_invoice_get(c->app->db, pr->account_id, req[i].invoice_id,
		    &pi) == PORTAL_OK)
			tmpl_set(row, "number", pi.number);
		kit_set_money(row, "amount", req[i].amount);
	}
	return portal_checkout_page(c, pr, "portal_checkout.html", client_secret,
	    ret, p->amount, p->method);
}

/* Same form, same answer: the payment its attempt_key made, before the
 * form is checked again (the invoices it holds are no longer open): the
 * Element page again while nobody confirmed it, else the payment's page.
 * 1 when the key is new. */
static int
pay_replay(struct ctx *c, const struct portal_req *pr, struct sp *sp)
{
	struct sp_payment p;
	struct sp_result out;
	char url[64];
	int rc = stripe_pay_by_attempt(c->app->db, kit_field_s(c,
	    "attempt_key"), &p);

	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || p.account_id != pr->account_id)
		return 1;
	if (strcmp(p.status, "pending") == 0 && p.payment_method_id == 0 &&
	    strcmp(p.stripe_status, "processing") != 0) {
		struct sp_start st = { p.account_id, p.client_id, p.method, p.amount,
		    p.attempt_key, p.alloc_plan, p.save_method, p.memo, 0 };
		memset(&out, 0, sizeof(out));
		rc = stripe_pay_start(sp, &st, &out);
		if (rc == SP_DB)
			return -1;
		if (rc == SP_OK && out.client_secret[0] != '\0')
			return checkout(c, pr, &p, out.client_secret);
	}
	str_fmt(url, sizeof(url), "/portal/payments/%" PRId64, p.id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* New card or bank account: the PaymentIntent, then the Element page. */
static int
pay_new(struct ctx *c, struct pay_form *f)
{
	int ach = strcmp(f->method, "ach") == 0;
	struct portal_consent_intent ci = { f->signer, app_ip(c), c->req.user_agent };
	struct sp_start st = { f->pr->account_id, 0, ach ? "ach" : "card",
	    f->sel->total, f->attempt_key, f->sel->plan, !ach && f->save_card,
	    "Paid in the client portal", 0 };
	struct sp_result out;
	struct sp_payment p;
	int rc;

	if (st.save_method && (!f->authorize || *f->signer == '\0'))
		return pay_page(c, f->pr, f->sel, 422, portal_msg(c, "pay.need_auth_save"));
	memset(&out, 0, sizeof(out));
	rc = stripe_pay_start(&f->sp, &st, &out);
	if (rc == SP_OK && portal_plan_started(c, f->pr->account_id,
	    out.payment_id) == -1)
		return -1;
	if (rc == SP_OK && portal_payment_register(c->app->db, out.payment_id,
	    f->pr->account_id, 0, "", st.save_method ? &ci : NULL) != PORTAL_OK)
		return -1;
	if (rc != SP_OK || out.client_secret[0] == '\0')
		return pay_result_page(c, f, rc, &out);
	if (stripe_pay_get(c->app->db, out.payment_id, &p) != SP_OK)
		return -1;
	return checkout(c, f->pr, &p, out.client_secret);
}

/* The amount typed for one invoice (none: all of it): checked against
 * the minimum and what is open now, the selection narrowed to it. 1 to go
 * on, 0 when the form was made again with the problem, -1. */
static int
part_of(struct ctx *c, struct portal_req *pr, struct portal_selection *sel)
{
	const char *typed = kit_field_s(c, "amount");
	struct portal_amount_refusal r;
	int64_t min = 0, amount = 0;
	char msg[300];
	int rc;

	if (*typed == '\0' || tmpl_get(c->view, "plan_id") != NULL)
		return 1;	/* nothing typed, or a plan's amount: paid whole */
	if (sel->n != 1)
		return pay_page(c, pr, sel, 422, portal_msg(c, "amt.one_invoice")) ==
		    0 ? 0 : -1;
	if (portal_min_payment(c->app->db, &min) != PORTAL_OK)
		return -1;
	if (portal_amount_check(typed, min, sel->amounts[0], &amount, &r) !=
	    PORTAL_OK) {
		portal_amount_msg(c, &r, sel->numbers[0], msg, sizeof(msg));
		return pay_page(c, pr, sel, 422, msg) == 0 ? 0 : -1;
	}
	rc = portal_select_part(sel, amount);
	return rc == PORTAL_OK ? 1 : -1;
}

int
h_portal_pay_start(struct ctx *c)
{
	struct portal_selection sel;
	struct portal_req pr;
	struct pay_form f;
	int64_t ids[PORTAL_MAX_SELECT];
	size_t n = 0;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.actor = (struct actor){ "portal", pr.account_id, app_ip(c) };
	portal_sp_of(c, &f.actor, &f.sp);
	if (f.sp.stripe == NULL)
		return -1;
	if ((rc = pay_replay(c, &pr, &f.sp)) != 1)
		return rc;
	if (*kit_field_s(c, "plan") != '\0') {
		if ((rc = plan_price(c, &pr, kit_field_s(c, "plan"),
		    kit_field_s(c, "plan_what"), &sel)) <= 0)
			return rc;
	} else {
		if (portal_ids_parse(kit_field_s(c, "invoices"), ids,
		    ARRAY_LEN(ids), &n) == -1)
			return portal_error(c, 404, portal_msg(c, "err.no_invoice"));
		if ((rc = price(c, &pr, ids, n, &sel, &f.sp)) <= 0)
			return rc;
	}
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return pay_page(c, &pr, &sel, 422, c->fs.err[0].msg);
	}
	if (kit_field_i(c, "total", 0) != sel.open_total)
		return pay_page(c, &pr, &sel, 409, portal_msg(c, "pay.changed"));
	if ((rc = part_of(c, &pr, &sel)) <= 0)
		return rc;
	f.pr = &pr;
	f.sel = &sel;
	{
		int64_t mid;
		f.method = pay_with(c, &mid);
	}
	if (*f.method == '\0')
		return pay_page(c, &pr, &sel, 422, portal_msg(c, "pay.choose_how"));
	f.signer = kit_field_s(c, "signer_name");
	f.authorize = kit_field_i(c, "authorize", 0) != 0;
	f.save_card = kit_field_i(c, "save_card", 0) != 0;
	f.attempt_key = kit_field_s(c, "attempt_key");
	if (strcmp(f.method, "saved") == 0)
		return pay_saved(c, &f);
	return pay_new(c, &f);
}

/* --- back from Stripe.js ---------------------------------------------------------- */

int
h_portal_pay_return(struct ctx *c)
{
	struct portal_req pr;
	struct portal_env env;
	struct sp_result out;
	struct actor a;
	struct sp sp;
	char url[64];
	int64_t pid;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	pid = c->fs.nerr == 0 ? kit_field_i(c, "payment", 0) : 0;
	rc = pid ? portal_payment_owned(c->app->db, pid, pr.account_id, 0) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return portal_error(c, 404, portal_msg(c, "err.no_payment"));
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	portal_env_of(c, &a, &env);
	memset(&out, 0, sizeof(out));
	/* Stripe's answer decides; when it does not answer, the payment stays
	 * pending and the webhook or reconciliation settles it. */
	if (sp.stripe != NULL && stripe_pay_refresh(&sp, pid, &out) == SP_DB)
		return -1;
	if (portal_payment_consent(&sp, pid) == PORTAL_DB ||
	    portal_payment_notify(&env, pid) != PORTAL_OK)
		return -1;
	str_fmt(url, sizeof(url), "/portal/payments/%" PRId64, pid);
	http_redirect(&c->resp, 303, url);
	return 0;
}
