/* Portal plumbing: the portal session and its CSRF check, the portal
 * layout, the error page, the Stripe CSP and view helpers shared by the
 * portal and pay-link handlers. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "datefmt.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "portal.h"
#include "portal_web.h"
#include "session.h"
#include "signin.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* --- session and CSRF ------------------------------------------------------ */

static int
is_post(const struct ctx *c)
{
	return strcmp(c->req.method, "GET") != 0 && strcmp(c->req.method, "HEAD") != 0;
}

int
portal_begin(struct ctx *c, struct portal_req *pr)
{
	const char *tok = http_cookie(&c->req, PORTAL_COOKIE);
	struct branding b;
	int in;

	memset(pr, 0, sizeof(*pr));
	c->resp.no_store = 1;
	/* signed in: a live portal session, an active login, its account (and
	 * the layout's branding), in one statement */
	in = signin_portal(c->app->db, tok, c->app->cfg.session_idle, &pr->acct,
	    &b);
	if (in < 0)
		return -1;
	if (in == 1)
		app_brand_set(c, &b);
	if (in != 1 || pr->acct.id <= 0) {
		if (is_post(c)) {
			portal_error(c, 403, portal_msg(c, "err.session_post"));
			return 0;
		}
		http_redirect(&c->resp, 303, "/portal/login");
		return 0;
	}
	pr->account_id = pr->acct.id;
	portal_lang_use(c, pr->acct.language);
	str_copy(pr->token, sizeof(pr->token), tok);
	csrf_token(c->app->cfg.secret_key, "portal", pr->token, c->csrf);
	if (is_post(c) && !csrf_valid(c->app->cfg.secret_key, "portal", pr->token,
	    kvlist_get(&c->req.form, FIELD_ALWAYS_ALLOWED))) {
		portal_error(c, 403, portal_msg(c, "err.csrf"));
		return 0;
	}
	return 1;
}

/* --- layout ------------------------------------------------------------------ */

static void
layout(struct ctx *c)
{
	const char *org = c->app->cfg.org_name ? c->app->cfg.org_name : "";
	char initial[2] = "$";

	if ((*org >= 'A' && *org <= 'Z') || (*org >= 'a' && *org <= 'z') ||
	    (*org >= '0' && *org <= '9'))
		initial[0] = (char)(*org >= 'a' && *org <= 'z' ? *org - 'a' + 'A' : *org);
	tmpl_set(c->view, "org_initial", initial);
	tmpl_set(c->view, "org_address", c->app->cfg.org_address ?
	    c->app->cfg.org_address : "");
	if (tmpl_get(c->view, "lang") == NULL)
		portal_lang_pick(c, NULL);
	if (tmpl_get(c->view, "title") == NULL)
		tmpl_set(c->view, "title", portal_msg(c, "portal.billing"));
	tmpl_set(c->view, "self_path", c->req.path ? c->req.path : "");
}

int
portal_render(struct ctx *c, const struct portal_req *pr, int status,
    const char *tmpl)
{
	layout(c);
	c->resp.no_store = 1;
	if (pr != NULL && pr->account_id) {
		tmpl_set_bool(c->view, "portal_in", 1);
		tmpl_set(c->view, "portal_account", pr->acct.name);
		tmpl_set(c->view, "portal_email", pr->acct.email);
	}
	return app_render(c, status, tmpl);
}

int
portal_error(struct ctx *c, int status, const char *message)
{
	char key[16];
	const char *st;

	str_fmt(key, sizeof(key), "http.%d", status);
	st = portal_msg(c, key);
	if (strcmp(st, key) == 0)
		st = http_status_text(status);
	tmpl_set(c->view, "title", st);
	tmpl_set_int(c->view, "status", status);
	tmpl_set(c->view, "status_text", st);
	tmpl_set(c->view, "message", message);
	layout(c);
	c->resp.no_store = 1;
	return app_render(c, status, "portal_error.html");
}

/* --- Stripe ------------------------------------------------------------------ */

void
portal_csp_stripe(struct ctx *c)
{
	app_csp_stripe(c);	/* the Stripe.js origin in use, nothing more */
}

void
portal_view_stripe(struct ctx *c)
{
	tmpl_set(c->view, "stripe_js", c->app->cfg.stripe_js_url);
	tmpl_set(c->view, "stripe_pk", c->app->cfg.stripe_publishable_key);
}

int
portal_view_attempt_key(struct ctx *c)
{
	char key[64];

	if (crypto_token(key, sizeof(key), 24) == -1)
		return -1;
	return tmpl_set(c->view, "attempt_key", key);
}

void
portal_env_of(struct ctx *c, const struct actor *a, struct portal_env *env)
{
	env->db = c->app->db;
	env->cfg = &c->app->cfg;
	env->actor = a;
}

void
portal_sp_of(struct ctx *c, const struct actor *a, struct sp *sp)
{
	sp->db = c->app->db;
	sp->stripe = stripe_pay_client(&c->app->cfg);
	sp->cfg = &c->app->cfg;
	sp->actor = a;
}

/* --- view helpers ------------------------------------------------------------ */

/* Dates as the page's language writes them ("December 4, 2026", "4 de
 * diciembre de 2026"); anything not a date as it is. */
void
portal_set_day(struct tmpl_vars *v, const char *name, const char *ymd)
{
	char d[64];

	if (ymd == NULL || datefmt_text(portal_lang(), ymd, d, sizeof(d)) == -1)
		tmpl_set(v, name, ymd ? ymd : "");
	else
		tmpl_set(v, name, d);
}

void
portal_set_date(struct tmpl_vars *v, const char *name, int64_t t)
{
	char d[16];

	clock_fmt_date(t, d, sizeof(d));
	portal_set_day(v, name, d);
}

int
portal_view_inflight(struct ctx *c, struct tmpl_vars *v, int64_t account_id,
    int64_t invoice_id, int64_t *reserved)
{
	struct sp_payment p;
	int64_t pid = 0;
	const char *key = "inflight.started";
	int rc;

	*reserved = 0;
	if (stripe_pay_reserved(c->app->db, account_id, invoice_id, reserved,
	    &pid) != SP_OK)
		return -1;
	if (*reserved <= 0 || pid == 0)
		return 0;
	if ((rc = stripe_pay_get(c->app->db, pid, &p)) == SP_DB)
		return -1;
	if (rc == SP_OK && strcmp(p.stripe_status, "processing") == 0)
		key = strcmp(p.method, "ach") == 0 ? "inflight.processing_ach" :
		    "inflight.processing";
	else if (rc == SP_OK && strcmp(p.stripe_status, "requires_action") == 0)
		key = "inflight.requires_action";
	if (v != NULL) {
		kit_set_money(v, "inflight", *reserved);
		tmpl_set(v, "inflight_status", portal_msg(c, key));
	}
	return 0;
}

const char *
portal_payment_label(const char *status, const char *method)
{
	if (strcmp(status, "succeeded") == 0)
		return "pst.succeeded";
	if (strcmp(status, "pending") == 0)
		return strcmp(method, "ach") == 0 ? "pst.pending_ach" :
		    "pst.pending";
	if (strcmp(status, "failed") == 0)
		return "pst.failed";
	if (strcmp(status, "canceled") == 0)
		return "pst.canceled";
	return status;
}

static const char *
method_name(const char *m)
{
	static const char *const names[][2] = {
		{ "card", "pm.card" }, { "ach", "pl.ach" },
		{ "cash", "mn.cash" }, { "check", "mn.check" },
		{ "terminal", "mn.terminal" }, { "other", "mn.other" },
	};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i][0], m) == 0)
			return names[i][1];
	return m;
}

/* The client's words for a failed payment: the decline reason's own
 * message in English, the catalog's general one otherwise. */
static const char *
portal_failure_key(struct ctx *c, const struct sp_payment *p)
{
	if (strcmp(portal_lang(), "en") == 0)
		return portal_failure_text(p);
	return portal_msg(c, strcmp(p->status, "canceled") == 0 ?
	    "pr.canceled" : "pr.failed_p");
}

void
portal_view_payment(struct ctx *c, struct tmpl_vars *v, const struct sp_payment *p)
{
	struct sp_method m;
	char label[96];

	tmpl_set_int(v, "payment_id", p->id);
	kit_set_money(v, "amount", p->amount);
	portal_set_day(v, "date", p->received_date);
	portal_set_date(v, "created", p->created_at);
	tmpl_set(v, "status", p->status);
	tmpl_set(v, "status_label", portal_msg(c, portal_payment_label(p->status,
	    p->method)));
	tmpl_set_bool(v, "is_paid", strcmp(p->status, "succeeded") == 0);
	tmpl_set_bool(v, "is_pending", strcmp(p->status, "pending") == 0);
	tmpl_set_bool(v, "is_failed", strcmp(p->status, "failed") == 0 ||
	    strcmp(p->status, "canceled") == 0);
	tmpl_set_bool(v, "is_ach", strcmp(p->method, "ach") == 0);
	tmpl_setf(v, "transaction_id", "P-%" PRId64, p->id);
	tmpl_set(v, "stripe_id", p->intent);
	if (p->payment_method_id && stripe_pay_method_get(c->app->db,
	    p->payment_method_id, &m) == SP_OK)
		portal_method_text(c, m.kind, m.brand, m.last4, label, sizeof(label));
	else
		str_copy(label, sizeof(label), portal_msg(c, method_name(p->method)));
	tmpl_set(v, "method", label);
	if (strcmp(p->status, "failed") == 0 || strcmp(p->status, "canceled") == 0)
		tmpl_set(v, "failure", portal_failure_key(c, p));
	tmpl_set(v, "invoices_heading", portal_msg(c, strcmp(p->status, "succeeded") == 0 ?
	    "ph.applied" : strcmp(p->status, "failed") == 0 ||
	    strcmp(p->status, "canceled") == 0 ? "ph.still_open" : "ph.for"));
	if (p->refunded > 0)
		kit_set_money(v, "refunded", p->refunded);
}

void
portal_view_invoice(struct ctx *c, const struct invoice *inv)
{
	struct tmpl_vars *v = c->view;

	tmpl_set_int(v, "invoice_id", inv->id);
	tmpl_set(v, "number", inv->number);
	portal_set_day(v, "invoice_date", inv->invoice_date);
	portal_set_day(v, "due_date", inv->due_date);
	tmpl_set(v, "client_name", inv->client_name);
	tmpl_set(v, "bill_to", inv->account_name);
	kit_set_money(v, "total", inv->total);
	kit_set_money(v, "paid", inv->paid);
	kit_set_money(v, "open", inv->open);
	kit_set_money(v, "subtotal", inv->totals.subtotal);
	tmpl_set_bool(v, "has_paid", inv->paid > 0);
	if (inv->totals.discount > 0)
		kit_set_money(v, "discount", -inv->totals.discount);
	if (inv->total != inv->totals.total)
		kit_set_money(v, "adjustments", inv->total - inv->totals.total);
	tmpl_set(v, "notes", inv->notes ? inv->notes : "");
	for (size_t i = 0; i < inv->nlines; i++) {
		const struct invoice_line *l = &inv->lines[i];
		struct tmpl_vars *row = tmpl_loop_add(v, "lines");

		if (row == NULL)
			return;
		tmpl_set(row, "description", l->description);
		tmpl_set_int(row, "quantity", l->quantity);
		kit_set_money(row, "rate", l->rate);
		if (l->discount > 0)
			kit_set_money(row, "line_discount", -l->discount);
		kit_set_money(row, "amount", l->net);
	}
}

int
portal_checkout_page(struct ctx *c, const struct portal_req *pr, const char *tmpl,
    const char *client_secret, const char *return_url, int64_t amount,
    const char *method)
{
	portal_csp_stripe(c);
	portal_view_stripe(c);
	tmpl_set(c->view, "client_secret", client_secret);
	tmpl_set(c->view, "return_url", return_url);
	kit_set_money(c->view, "pay_amount", amount);
	tmpl_set(c->view, "pay_method", method);
	tmpl_set_bool(c->view, "pay_ach", strcmp(method, "ach") == 0);
	if (pr != NULL)
		return portal_render(c, pr, 200, tmpl);
	return portal_render(c, NULL, 200, tmpl);
}
