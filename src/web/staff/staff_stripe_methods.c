/* Saved payment methods (add through a SetupIntent, default, remove),
 * authorization-to-charge consents, and the payment history of an account,
 * plus the payment-methods block of the Financial tab. */
#include "common.h"

#include "account_page.h"
#include "app.h"
#include "audit.h"
#include "clock.h"
#include "consent_view.h"
#include "kit.h"
#include "money.h"
#include "profiles.h"
#include "staff_money.h"
#include "staff_stripe.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define HISTORY_PAGE	50

static void
redirect_to(struct ctx *c, const char *fmt, int64_t id, const char *rest)
{
	char loc[160];

	str_fmt(loc, sizeof(loc), fmt, id, rest);
	http_redirect(&c->resp, 303, loc);
}

static const char *
scope_label(const char *scope)
{
	if (strcmp(scope, "any_balance") == 0)
		return "Any balance due";
	if (strcmp(scope, "payment_plan") == 0)
		return "Payment plan installments";
	if (strcmp(scope, "up_to_amount") == 0)
		return "Up to an amount";
	return scope;
}

/* The saved methods of an account into loop pm_rows with their consent
 * status; pm_attempt_key for the add forms. *n_out: methods listed. l:
 * the account page's lists, read already (NULL: read them here). */
static int
view_methods(struct ctx *c, int64_t account_id, size_t *n_out,
    const struct account_lists *l)
{
	struct sp_method *ms = l ? l->methods : NULL;
	struct sp_consent *cs = l ? l->consents : NULL;
	size_t nm = l ? l->nmethods : 0, nc = l ? l->nconsents : 0;
	char key[64];

	if (l == NULL && staff_stripe_methods_consents(c, account_id, &ms, &nm,
	    &cs, &nc) == -1)
		return -1;
	for (size_t i = 0; i < nm; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "pm_rows");
		const struct sp_consent *k = NULL;

		if (row == NULL)
			break;
		staff_stripe_view_method(row, &ms[i]);
		for (size_t j = 0; j < nc && k == NULL; j++)
			if (cs[j].payment_method_id == ms[i].id)
				k = &cs[j];
		tmpl_set_bool(row, "method_consent", k != NULL);
		if (k != NULL) {
			char s[MONEY_FMT_MAX];
			if (strcmp(k->scope, "any_balance") != 0 && k->max_amount > 0) {
				money_format(k->max_amount, s, sizeof(s));
				tmpl_setf(row, "method_consent_scope", "%s (%s)",
				    scope_label(k->scope), s);
			} else
				tmpl_set(row, "method_consent_scope",
				    scope_label(k->scope));
			tmpl_set(row, "method_consent_signer", k->signer_name);
		}
		tmpl_setf(row, "method_default_url", "/accounts/%" PRId64
		    "/payment-methods/%" PRId64 "/default", account_id, ms[i].id);
		tmpl_setf(row, "method_remove_url", "/accounts/%" PRId64
		    "/payment-methods/%" PRId64 "/remove", account_id, ms[i].id);
		tmpl_setf(row, "method_consent_url", "/accounts/%" PRId64
		    "/consents?method_id=%" PRId64 "#new-consent", account_id,
		    ms[i].id);
		tmpl_setf(row, "method_remove_confirm", "Remove this payment method? "
		    "It is detached at Stripe and its authorizations are revoked.");
	}
	if (l == NULL) {
		free(ms);
		free(cs);
	}
	if (staff_stripe_attempt_key(key, sizeof(key)) == -1)
		return -1;
	tmpl_set(c->view, "pm_attempt_key", key);
	tmpl_set_int(c->view, "pm_account_id", account_id);
	tmpl_setf(c->view, "pm_setup_url", "/accounts/%" PRId64
	    "/payment-methods/setup", account_id);
	tmpl_set_bool(c->view, "stripe_enabled", staff_stripe_enabled(c));
	if (n_out)
		*n_out = nm;
	return 0;
}

int
staff_stripe_fin_view(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct account_lists *l)
{
	if (view_methods(c, account_id, NULL, l) == -1)
		return -1;
	tmpl_set_bool(c->view, "pm_block", 1);
	tmpl_setf(c->view, "pm_page_url", "/accounts/%" PRId64 "/payment-methods",
	    account_id);
	tmpl_setf(c->view, "pm_consents_url", "/accounts/%" PRId64 "/consents",
	    account_id);
	if (client_id)
		tmpl_setf(c->view, "pm_history_url", "/accounts/%" PRId64
		    "/payments?client_id=%" PRId64, account_id, client_id);
	else
		tmpl_setf(c->view, "pm_history_url", "/accounts/%" PRId64
		    "/payments", account_id);
	return 0;
}

/* --- the payment methods page ---------------------------------------------- */

static int
methods_page(struct ctx *c, const struct account *a, int status,
    const char *error)
{
	const struct field_value *notice = app_field(c, "notice");

	kit_view_account(c->view, a);
	tmpl_set(c->view, "title", "Payment methods");
	tmpl_set_bool(c->view, "nav_accounts", 1);
	if (view_methods(c, a->id, NULL, NULL) == -1)
		return -1;
	tmpl_setf(c->view, "pm_consents_url", "/accounts/%" PRId64 "/consents",
	    a->id);
	if (notice && notice->present && strcmp(c->req.method, "GET") == 0)
		tmpl_set(c->view, "notice", notice->s);
	if (error)
		tmpl_set(c->view, "error", error);
	return app_render(c, status, "stripe_methods.html");
}

int
h_stripe_methods(struct ctx *c)
{
	struct account a;
	int rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	return methods_page(c, &a, 200, NULL);
}

/* "+ Add card" / "+ Add bank account": a SetupIntent and the page with
 * the Payment Element in setup mode. */
int
h_stripe_setup(struct ctx *c)
{
	struct account a;
	struct actor act;
	struct sp sp;
	char secret[256] = "", si[80] = "", msg[300] = "";
	const char *kind = kit_field_s(c, "kind");
	int rc, bank = strcmp(kind, "us_bank_account") == 0;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	if (!staff_stripe_enabled(c))
		return methods_page(c, &a, 422, "Card and bank payments are not "
		    "set up on this system.");
	if (staff_stripe_sp(c, &sp, &act) == -1)
		return -1;
	rc = stripe_pay_setup_start(&sp, a.id, kind, kit_field_s(c,
	    "attempt_key"),
	    secret, sizeof(secret), si, sizeof(si), msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return methods_page(c, &a, rc == SP_STRIPE ? 502 : 422, msg[0] ? msg :
		    "The payment method could not be added. Please try again.");
	kit_view_account(c->view, &a);
	tmpl_set(c->view, "title", bank ? "Add bank account" : "Add card");
	tmpl_set_bool(c->view, "nav_accounts", 1);
	tmpl_set_bool(c->view, "is_bank", bank);
	tmpl_set(c->view, "client_secret", secret);
	tmpl_set(c->view, "setup_intent", si);
	tmpl_set(c->view, "publishable_key", c->app->cfg.stripe_publishable_key);
	tmpl_set(c->view, "stripe_js_url", c->app->cfg.stripe_js_url);
	tmpl_setf(c->view, "return_url", "%s/accounts/%" PRId64 "/payment-methods",
	    c->app->cfg.base_url, a.id);
	app_csp_stripe(c);
	return app_render(c, 200, "stripe_setup.html");
}

int
h_stripe_setup_complete(struct ctx *c)
{
	struct account a;
	struct actor act;
	struct sp sp;
	char msg[300] = "", rest[80];
	int64_t mid = 0;
	int rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	if (staff_stripe_sp(c, &sp, &act) == -1)
		return -1;
	rc = stripe_pay_setup_complete(&sp, a.id, kit_field_s(c,
	    "setup_intent"),
	    &mid, msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return methods_page(c, &a, rc == SP_STRIPE ? 502 : 422, msg[0] ? msg :
		    "The payment method could not be saved. Please try again.");
	/* Next: the client's authorization to charge it (seed 000, step 10). */
	str_fmt(rest, sizeof(rest), "?notice=added&method_id=%" PRId64
	    "#new-consent", mid);
	redirect_to(c, "/accounts/%" PRId64 "/consents%s", a.id, rest);
	return 0;
}

/* The :mid method of the path on the account; 0 ok, 1 answered. */
static int
path_method(struct ctx *c, const struct account *a, int64_t *mid)
{
	struct sp_method m;
	int rc;

	if ((*mid = kit_path_id(c, "mid")) == 0)
		return app_error(c, 404, "No such payment method.") == -1 ? -1 : 1;
	rc = stripe_pay_method_get(c->app->db, *mid, &m);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || m.account_id != a->id || strcmp(m.status, "active") != 0)
		return app_error(c, 404, "No such payment method.") == -1 ? -1 : 1;
	return 0;
}

/* One action on a saved method of the path's account (make default,
 * remove), then back to the methods page with notice, or the page again
 * with what went wrong. */
static int
method_act(struct ctx *c, int (*act)(const struct sp *, int64_t, int64_t,
    char *, size_t), const char *notice, const char *failed)
{
	struct account a;
	struct actor who;
	struct sp sp;
	char msg[300] = "";
	int64_t mid;
	int rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0 ||
	    (rc = path_method(c, &a, &mid)) != 0)
		return rc == 1 ? 0 : -1;
	if (staff_stripe_sp(c, &sp, &who) == -1)
		return -1;
	rc = act(&sp, a.id, mid, msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return methods_page(c, &a, rc == SP_STRIPE ? 502 : 422,
		    msg[0] ? msg : failed);
	redirect_to(c, "/accounts/%" PRId64 "/payment-methods?notice=%s", a.id,
	    notice);
	return 0;
}

int
h_stripe_method_default(struct ctx *c)
{
	return method_act(c, stripe_pay_method_default, "default",
	    "The default could not be changed.");
}

int
h_stripe_method_remove(struct ctx *c)
{
	return method_act(c, stripe_pay_method_remove, "removed",
	    "The payment method could not be removed.");
}

/* --- consents ----------------------------------------------------------------- */

static int
view_consents(struct ctx *c, int64_t account_id)
{
	struct sp_consent *cs = NULL;
	struct sp_method m;
	size_t n = 0;
	char s[MONEY_FMT_MAX], label[120];

	if (stripe_pay_consents(c->app->db, account_id, 1, &cs, &n) != SP_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "consents");
		if (row == NULL)
			break;
		tmpl_set_int(row, "consent_id", cs[i].id);
		if (stripe_pay_method_get(c->app->db, cs[i].payment_method_id, &m) ==
		    SP_OK) {
			staff_stripe_method_label(&m, label, sizeof(label));
			tmpl_set(row, "consent_method", label);
		} else
			tmpl_set(row, "consent_method", cs[i].method_label);
		tmpl_set(row, "consent_scope", scope_label(cs[i].scope));
		if (cs[i].max_amount > 0) {
			money_format(cs[i].max_amount, s, sizeof(s));
			tmpl_set(row, "consent_max", s);
		} else
			tmpl_set(row, "consent_max", "");
		tmpl_set(row, "consent_version_row", cs[i].text_version);
		tmpl_set(row, "consent_signer", cs[i].signer_name);
		kit_set_instant(row, "consent_signed_at", cs[i].signed_at);
		tmpl_set(row, "consent_ip", cs[i].ip);
		tmpl_set(row, "consent_ua", cs[i].user_agent);
		tmpl_set(row, "consent_by", cs[i].recorded_by ? "Staff" :
		    "Client portal");
		tmpl_set_bool(row, "consent_active", cs[i].revoked_at == 0);
		if (cs[i].revoked_at)
			kit_set_instant(row, "consent_revoked_at",
			    cs[i].revoked_at);
		tmpl_setf(row, "consent_revoke_url", "/accounts/%" PRId64
		    "/consents/%" PRId64 "/revoke", account_id, cs[i].id);
		tmpl_setf(row, "consent_print_url", "/accounts/%" PRId64
		    "/consents/%" PRId64, account_id, cs[i].id);
		tmpl_set_bool(row, "consent_method_removed", cs[i].method_removed);
	}
	free(cs);
	return 0;
}

/* Method choices of the consent form (active methods). */
static int
view_consent_methods(struct ctx *c, int64_t account_id, int64_t selected)
{
	struct sp_method *ms = NULL;
	size_t n = 0;

	if (stripe_pay_methods(c->app->db, account_id, &ms, &n) != SP_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "consent_methods");
		if (row == NULL)
			break;
		staff_stripe_view_method(row, &ms[i]);
		tmpl_set_bool(row, "method_selected", ms[i].id == selected ||
		    (selected == 0 && i == 0));
	}
	free(ms);
	return 0;
}

/* The authorization text as it will be recorded for the form's method,
 * scope and maximum (the first method and "any balance" at first). */
static void
view_consent_preview(struct ctx *c, int64_t account_id, int64_t selected,
    int post)
{
	const struct field_value *max = app_field(c, "max_amount");
	struct sp_consent_terms t;
	struct sp_method *ms = NULL, *m = NULL;
	char text[SP_CONSENT_TEXT_MAX];
	size_t n = 0;

	if (stripe_pay_methods(c->app->db, account_id, &ms, &n) != SP_OK || n == 0) {
		free(ms);
		return;
	}
	for (size_t i = 0; i < n && m == NULL; i++)
		if (ms[i].id == selected)
			m = &ms[i];
	if (m == NULL)
		m = &ms[0];
	memset(&t, 0, sizeof(t));
	t.org = app_brand(c)->org_name;
	t.kind = m->kind;
	t.brand = m->brand;
	t.last4 = m->last4;
	t.scope = post && *kit_input(c, "scope") ? kit_input(c, "scope") :
	    "any_balance";
	t.max_amount = post && max && max->present && strcmp(t.scope,
	    "any_balance") != 0 ? max->i : 0;
	t.i18n = c->app->i18n;	/* the words recorded with it (staff: English) */
	t.lang = "en";
	if (stripe_pay_consent_text(&t, text, sizeof(text)) == 0)
		tmpl_set(c->view, "consent_text", text);
	free(ms);
}

static int consents_page_of(struct ctx *, const struct account *,
    const struct client *, int, const char *);

/* The consent page shown as a tab of a client's or inquiry's profile:
 * its crumbs, tabs and form lead back to that profile. */
static void
view_consent_profile(struct ctx *c, const struct client *cl)
{
	int inquiry = strcmp(cl->stage, "inquiry") == 0;

	tmpl_setf(c->view, "profile_url", "/%s/%" PRId64, inquiry ? "inquiries" :
	    "clients", cl->id);
	tmpl_set(c->view, "profile_list", inquiry ? "/inquiries" : "/clients");
	tmpl_set(c->view, "profile_list_name", inquiry ? "Inquiries" : "Clients");
	tmpl_setf(c->view, "profile_name", "%s %s", cl->first_name, cl->last_name);
	tmpl_set_int(c->view, "profile_client_id", cl->id);
	tmpl_set_bool(c->view, inquiry ? "nav_inquiries" : "nav_clients", 1);
}

static int
consents_page(struct ctx *c, const struct account *a, int status,
    const char *error)
{
	return consents_page_of(c, a, NULL, status, error);
}

static int
consents_page_of(struct ctx *c, const struct account *a,
    const struct client *cl, int status, const char *error)
{
	const struct field_value *notice = app_field(c, "notice");
	const struct field_value *mid = app_field(c, "method_id");
	const struct field_value *pmid = app_field(c, "payment_method_id");
	int post = strcmp(c->req.method, "POST") == 0;
	int64_t selected = 0;

	if (post && pmid && pmid->present)
		selected = pmid->i;
	else if (!post && mid && mid->present)
		selected = mid->i;
	kit_view_account(c->view, a);
	tmpl_set(c->view, "title", "Authorization to charge");
	if (cl)
		view_consent_profile(c, cl);
	else
		tmpl_set_bool(c->view, "nav_accounts", 1);
	if (view_consents(c, a->id) == -1 ||
	    view_consent_methods(c, a->id, selected) == -1 ||
	    view_methods(c, a->id, NULL, NULL) == -1)
		return -1;
	staff_stripe_view_consent_text(c);
	view_consent_preview(c, a->id, selected, post);
	tmpl_set(c->view, "form_scope", post ? kit_input(c, "scope") :
	    "any_balance");
	tmpl_set(c->view, "form_max_amount", post ? kit_input(c, "max_amount") :
	    "");
	tmpl_set(c->view, "form_signer_name", post ? kit_input(c,
	    "signer_name") :
	    "");
	tmpl_set_bool(c->view, "form_consent_agree", post &&
	    kit_input(c, "consent_agree")[0] != '\0');
	tmpl_setf(c->view, "consent_form_url", "/accounts/%" PRId64 "/consents",
	    a->id);
	tmpl_setf(c->view, "pm_page_url", "/accounts/%" PRId64 "/payment-methods",
	    a->id);
	tmpl_set_bool(c->view, "consent_required", c->app->cfg.consent_required != 0);
	if (notice && notice->present && !post)
		tmpl_set(c->view, "notice", notice->s);
	if (error)
		tmpl_set(c->view, "error", error);
	return app_render(c, status, "stripe_consents.html");
}

int
h_stripe_consents(struct ctx *c)
{
	struct account a;
	int rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	return consents_page(c, &a, 200, NULL);
}

/* The client named by the request's client_id field (form) on account a,
 * or 0 (none, or not on this account). */
static int
consent_client(struct ctx *c, const struct account *a, struct client *cl)
{
	const struct field_value *f = app_field(c, "client_id");
	int rc;

	if (f == NULL || !f->present)
		return 0;
	rc = client_get(c->app->db, f->i, cl);
	if (rc == PROF_DB)
		return -1;
	return rc == PROF_OK && cl->account_id == a->id;
}

int
h_stripe_client_consents(struct ctx *c)
{
	struct client cl;
	struct account a;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such client.");
	rc = client_get(c->app->db, id, &cl);
	if (rc == PROF_DB)
		return -1;
	if (rc != PROF_OK || strcmp(cl.stage, str_starts(c->req.path,
	    "/inquiries/") ? "inquiry" : "client") != 0)
		return app_error(c, 404, "No such client.");
	if ((rc = kit_account_or_404(c, cl.account_id, &a)) != 0)
		return rc == 1 ? 0 : -1;
	return consents_page_of(c, &a, &cl, 200, NULL);
}

int
h_stripe_consent_create(struct ctx *c)
{
	struct account a;
	struct client cl;
	struct actor act;
	struct sp sp;
	const struct field_value *agree = app_field(c, "consent_agree");
	const struct field_value *max = app_field(c, "max_amount");
	const char *scope = kit_field_s(c, "scope");
	char msg[300] = "";
	int rc, bad = 0, on;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	if ((on = consent_client(c, &a, &cl)) == -1)
		return -1;
	if (c->fs.nerr > 0)
		app_view_errors(c);
	if (!agree || !agree->i) {
		kit_form_error(c, "consent_agree",
		    "The client must read and agree "
		    "to the authorization.");
		bad++;
	}
	if (strcmp(scope, "up_to_amount") == 0 && (!max || !max->present) &&
	    field_set_error(&c->fs, "max_amount") == NULL) {
		kit_form_error(c, "max_amount", "Enter the most that may be "
		    "charged at a time.");
		bad++;
	}
	if (c->fs.nerr > 0 || bad)
		return consents_page_of(c, &a, on ? &cl : NULL, 422,
		    "Please correct the fields below.");
	if (staff_stripe_sp(c, &sp, &act) == -1)
		return -1;
	rc = staff_stripe_consent_record(c, &sp, a.id, app_field(c,
	    "payment_method_id")->i,
	    scope, max && max->present && strcmp(scope, "any_balance") != 0 ?
	    max->i : 0, kit_field_s(c, "signer_name"), msg, sizeof(msg));
	if (rc == -1)
		return -1;
	if (rc == 1)
		return consents_page_of(c, &a, on ? &cl : NULL, 422, msg);
	if (on)
		redirect_to(c, strcmp(cl.stage, "inquiry") == 0 ?
		    "/inquiries/%" PRId64 "/consents%s" :
		    "/clients/%" PRId64 "/consents%s", cl.id, "?notice=recorded");
	else
		redirect_to(c, "/accounts/%" PRId64 "/consents%s", a.id,
		    "?notice=recorded");
	return 0;
}

/* The account and the authorization id of the path: 1, else what the
 * handler returns (the 404 page made). */
static int
path_consent(struct ctx *c, struct account *a, int64_t *cid)
{
	int rc;

	if ((rc = kit_path_account_or_404(c, a)) != 0)
		return rc == 1 ? 0 : -1;
	if ((*cid = kit_path_id(c, "cid")) == 0)
		return app_error(c, 404, "No such authorization.");
	return 1;
}

int
h_stripe_consent_revoke(struct ctx *c)
{
	struct account a;
	struct actor act;
	struct sp sp;
	int64_t cid;
	int rc;

	if ((rc = path_consent(c, &a, &cid)) != 1)
		return rc;
	if (staff_stripe_sp(c, &sp, &act) == -1)
		return -1;
	rc = stripe_pay_consent_revoke(&sp, a.id, cid, c->user.id);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return app_error(c, 404, "No such active authorization.");
	redirect_to(c, "/accounts/%" PRId64 "/consents%s", a.id, "?notice=revoked");
	return 0;
}

int
h_stripe_consent_print(struct ctx *c)
{
	struct sp_consent k;
	struct account a;
	char back[64];
	int64_t cid;
	int rc;

	if ((rc = path_consent(c, &a, &cid)) != 1)
		return rc;
	rc = stripe_pay_consent_get(c->app->db, a.id, cid, &k);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return app_error(c, 404, "No such authorization.");
	str_fmt(back, sizeof(back), "/accounts/%" PRId64 "/consents", a.id);
	return consent_view_print(c, &k, back, "Back to authorizations");
}

/* --- payment history --------------------------------------------------------- */

static void
history_row(struct ctx *c, struct tmpl_vars *row, const struct sp_payment *p)
{
	struct sp_method m;
	char label[120];
	int stripe = strcmp(p->method, "card") == 0 || strcmp(p->method, "ach") == 0;
	int processing = strcmp(p->status, "pending") == 0 &&
	    strcmp(p->stripe_status, "processing") == 0;

	tmpl_set_int(row, "id", p->id);
	tmpl_set(row, "date", p->received_date);
	kit_set_instant(row, "created", p->created_at);
	tmpl_set(row, "method", kit_method_label(p->method));
	if (p->payment_method_id &&
	    stripe_pay_method_get(c->app->db, p->payment_method_id, &m) == SP_OK) {
		staff_stripe_method_label(&m, label, sizeof(label));
		tmpl_set(row, "method_detail", label);
	} else
		tmpl_set(row, "method_detail", "");
	kit_set_money(row, "amount", p->amount);
	tmpl_set(row, "status", strcmp(p->status, "succeeded") == 0 ? "received" :
	    processing ? "processing" : p->status);
	tmpl_set(row, "status_class", processing ? "pending" : p->status);
	tmpl_set_bool(row, "is_stripe", stripe);
	tmpl_set(row, "stripe_status", p->stripe_status);
	tmpl_set(row, "intent", p->intent);
	tmpl_set_bool(row, "is_failed", strcmp(p->status, "failed") == 0 ||
	    strcmp(p->status, "canceled") == 0);
	tmpl_set(row, "failure_title",
	    staff_stripe_failure_title(p->failure_code));
	tmpl_set(row, "failure_message", p->failure_message);
	tmpl_set(row, "failure_code", p->failure_code);
	tmpl_set_bool(row, "disputed", p->disputed);
	tmpl_set_bool(row, "has_refund", p->refunded > 0);
	kit_set_money(row, "refunded", p->refunded);
	tmpl_set(row, "memo", p->memo);
}

int
h_stripe_history(struct ctx *c)
{
	const struct field_value *cid = app_field(c, "client_id");
	const struct field_value *before = app_field(c, "before");
	struct sp_payment *ps = NULL;
	struct account a;
	struct client cl;
	int64_t client_id = cid && cid->present ? cid->i : 0;
	size_t n = 0;
	int more = 0, rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	if (client_id) {
		rc = client_get(c->app->db, client_id, &cl);
		if (rc == PROF_DB)
			return -1;
		if (rc != PROF_OK || cl.account_id != a.id)
			return app_error(c, 404, "No such client on this account.");
		tmpl_setf(c->view, "client_name", "%s %s", cl.first_name,
		    cl.last_name);
		tmpl_set_int(c->view, "client_id", client_id);
		tmpl_setf(c->view, "profile_url", "/%s/%" PRId64,
		    strcmp(cl.stage, "inquiry") == 0 ? "inquiries" : "clients",
		    client_id);
	} else
		tmpl_setf(c->view, "profile_url", "/accounts/%" PRId64, a.id);
	if (stripe_pay_list(c->app->db, a.id, client_id, before && before->present ?
	    before->i : 0, HISTORY_PAGE, &ps, &n, &more) != SP_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "payments");
		if (row != NULL)
			history_row(c, row, &ps[i]);
	}
	if (more && n > 0) {
		if (client_id)
			tmpl_setf(c->view, "older_url", "/accounts/%" PRId64
			    "/payments?client_id=%" PRId64 "&before=%" PRId64, a.id,
			    client_id, ps[n - 1].id);
		else
			tmpl_setf(c->view, "older_url", "/accounts/%" PRId64
			    "/payments?before=%" PRId64, a.id, ps[n - 1].id);
	}
	free(ps);
	if (before && before->present && client_id)
		tmpl_setf(c->view, "newest_url", "/accounts/%" PRId64
		    "/payments?client_id=%" PRId64, a.id, client_id);
	else if (before && before->present)
		tmpl_setf(c->view, "newest_url", "/accounts/%" PRId64 "/payments",
		    a.id);
	kit_view_account(c->view, &a);
	tmpl_set(c->view, "title", "Payment history");
	tmpl_set_bool(c->view, "nav_accounts", 1);
	tmpl_setf(c->view, "new_payment_url", "/accounts/%" PRId64 "/payments/new",
	    a.id);
	return app_render(c, 200, "stripe_history.html");
}
