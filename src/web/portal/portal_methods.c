/* Portal payment methods: list, add (SetupIntent + Stripe Element, with the
 * client's signed authorization recorded as a consent), set default,
 * remove (detached at Stripe, its consents revoked). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "consent_view.h"
#include "kit.h"
#include "portal.h"
#include "portal_web.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* Every authorization the account gave, revoked ones and those of
 * removed methods too (kept for the record), each printable. */
static void
view_consents(struct ctx *c, const struct sp_consent *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "consents");

		if (row == NULL)
			break;
		tmpl_set(row, "label", cs[i].method_label);
		tmpl_set(row, "scope", stripe_pay_consent_scope_label(cs[i].scope));
		portal_set_date(row, "signed", cs[i].signed_at);
		tmpl_set_bool(row, "active", cs[i].revoked_at == 0);
		tmpl_setf(row, "url", "/portal/consents/%" PRId64, cs[i].id);
	}
}

static int
methods_page(struct ctx *c, const struct portal_req *pr, int status,
    const char *error)
{
	static const char *const notices[] = { NULL, "notice.method_added",
	    "notice.method_removed",
	    "notice.method_default" };
	const struct field_value *nv = app_field(c, "notice");
	struct sp_method *ms = NULL;
	struct sp_consent *cs = NULL;
	size_t n = 0, ncs = 0;

	if (stripe_pay_methods(c->app->db, pr->account_id, &ms, &n) != SP_OK)
		return -1;
	if (stripe_pay_consents(c->app->db, pr->account_id, 1, &cs, &ncs) != SP_OK) {
		free(ms);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "methods");
		char label[96];
		int authorized = 0;

		if (row == NULL)
			break;
		portal_method_text(c, ms[i].kind, ms[i].brand, ms[i].last4, label,
		    sizeof(label));
		tmpl_set_int(row, "id", ms[i].id);
		tmpl_set(row, "label", label);
		tmpl_set_bool(row, "is_card", strcmp(ms[i].kind, "card") == 0);
		if (ms[i].exp_month)
			tmpl_setf(row, "expires", "%02d/%d", ms[i].exp_month,
			    ms[i].exp_year);
		tmpl_set_bool(row, "is_default", ms[i].is_default);
		for (size_t k = 0; k < ncs; k++)
			authorized |= cs[k].payment_method_id == ms[i].id &&
			    cs[k].revoked_at == 0 &&
			    strcmp(cs[k].scope, "any_balance") == 0;
		tmpl_set_bool(row, "authorized", authorized);
		portal_set_date(row, "added", ms[i].created_at);
	}
	free(ms);
	view_consents(c, cs, ncs);
	free(cs);
	if (c->fs.nerr == 0 && nv && nv->present && nv->i > 0 &&
	    (size_t)nv->i < ARRAY_LEN(notices) && status == 200)
		tmpl_set(c->view, "notice", portal_msg(c, notices[nv->i]));
	if (error)
		tmpl_set(c->view, "error", error);
	tmpl_set(c->view, "kind", kit_field_s(c, "kind"));
	tmpl_set(c->view, "signer_name", kit_field_s(c, "signer_name"));
	tmpl_set(c->view, "org", app_brand(c)->org_name);
	if (portal_view_attempt_key(c) == -1)
		return -1;
	tmpl_set(c->view, "title", portal_msg(c, "nav.methods"));
	tmpl_set_bool(c->view, "nav_methods", 1);
	return portal_render(c, pr, status, "portal_methods.html");
}

int
h_portal_methods(struct ctx *c)
{
	struct portal_req pr;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	return methods_page(c, &pr, 200, NULL);
}

int
h_portal_method_new(struct ctx *c)
{
	const char *kind = kit_field_s(c, "kind");
	const char *signer = kit_field_s(c, "signer_name");
	char cs[256] = "", seti[80] = "", msg[256] = "", ret[600];
	struct portal_consent_intent ci;
	struct portal_req pr;
	struct actor a;
	struct sp sp;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return methods_page(c, &pr, 422, c->fs.err[0].msg);
	}
	if (kit_field_i(c, "authorize", 0) == 0 || *signer == '\0')
		return methods_page(c, &pr, 422, portal_msg(c, "pm.need_auth"));
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	if (sp.stripe == NULL)
		return -1;
	rc = stripe_pay_setup_start(&sp, pr.account_id, kind,
	    kit_field_s(c, "attempt_key"), cs, sizeof(cs), seti, sizeof(seti),
	    msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return methods_page(c, &pr, rc == SP_STRIPE ? 502 : 422,
		    portal_reason(c, msg, "pm.setup_failed"));
	ci = (struct portal_consent_intent){ signer, app_ip(c), c->req.user_agent };
	if (portal_setup_register(c->app->db, seti, pr.account_id, &ci) != PORTAL_OK)
		return -1;
	if (str_fmt(ret, sizeof(ret), "%s/portal/methods/return?setup_intent=%s",
	    c->app->cfg.base_url, seti) == -1)
		return -1;
	tmpl_set_bool(c->view, "is_setup", 1);
	tmpl_set(c->view, "title", portal_msg(c, "pm.add_h"));
	tmpl_set_bool(c->view, "nav_methods", 1);
	portal_csp_stripe(c);
	portal_view_stripe(c);
	tmpl_set(c->view, "client_secret", cs);
	tmpl_set(c->view, "return_url", ret);
	tmpl_set_bool(c->view, "pay_ach", strcmp(kind, "us_bank_account") == 0);
	return portal_render(c, &pr, 200, "portal_method_add.html");
}

int
h_portal_method_return(struct ctx *c)
{
	const char *seti = c->fs.nerr == 0 ? kit_field_s(c, "setup_intent") :
	    "";
	struct portal_req pr;
	struct actor a;
	struct sp sp;
	char msg[256] = "";
	int64_t mid = 0;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (*seti == '\0')
		return portal_error(c, 404, portal_msg(c, "err.no_method"));
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	if (sp.stripe == NULL)
		return -1;
	rc = portal_setup_finish(&sp, pr.account_id, seti, &mid, msg, sizeof(msg));
	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return portal_error(c, 404, portal_msg(c, "err.no_method"));
	if (rc != PORTAL_OK)
		return methods_page(c, &pr, 422, portal_reason(c, msg,
		    "pm.save_failed"));
	http_redirect(&c->resp, 303, "/portal/methods?notice=method_added");
	return 0;
}

/* The method of the path when it is one of the account's active methods:
 * 1, 0 when the 404 page was made, -1. */
static int
own_method(struct ctx *c, const struct portal_req *pr, struct sp_method *m)
{
	int64_t id = kit_path_id(c, "id");
	int rc = id ? stripe_pay_method_get(c->app->db, id, m) : SP_NOT_FOUND;

	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || m->account_id != pr->account_id ||
	    strcmp(m->status, "active") != 0)
		return portal_error(c, 404, portal_msg(c, "err.no_method"))
		    == 0 ? 0 : -1;
	return 1;
}

static int
method_change(struct ctx *c, int remove)
{
	struct portal_req pr;
	struct sp_method m;
	struct actor a;
	struct sp sp;
	char msg[256] = "";
	int rc = portal_begin(c, &pr);

	if (rc <= 0 || (rc = own_method(c, &pr, &m)) <= 0)
		return rc;
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	if (sp.stripe == NULL)
		return -1;
	rc = remove ? stripe_pay_method_remove(&sp, pr.account_id, m.id, msg,
	    sizeof(msg)) : stripe_pay_method_default(&sp, pr.account_id, m.id, msg,
	    sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc == SP_NOT_FOUND)
		return portal_error(c, 404, portal_msg(c, "err.no_method"));
	if (rc != SP_OK)
		return methods_page(c, &pr, rc == SP_STRIPE ? 502 : 422,
		    portal_reason(c, msg, "pm.change_failed"));
	http_redirect(&c->resp, 303, remove ? "/portal/methods?notice=method_removed" :
	    "/portal/methods?notice=method_default");
	return 0;
}

int
h_portal_method_default(struct ctx *c)
{
	return method_change(c, 0);
}

int
h_portal_method_remove(struct ctx *c)
{
	return method_change(c, 1);
}

/* GET /portal/consents/:id: the printable record of one of the account's
 * authorizations. */
int
h_portal_consent(struct ctx *c)
{
	int64_t id = kit_path_id(c, "id");
	struct portal_req pr;
	struct sp_consent k;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	rc = id ? stripe_pay_consent_get(c->app->db, pr.account_id, id, &k) :
	    SP_NOT_FOUND;
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return portal_error(c, 404, portal_msg(c, "err.no_consent"));
	return consent_view_print(c, &k, "/portal/methods", portal_msg(c, "pm.back"));
}
