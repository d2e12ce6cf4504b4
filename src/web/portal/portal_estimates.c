/* Estimates in the client portal (phone first): the list, one estimate to
 * read (opening it marks it viewed), signing with a typed full name, a
 * drawn signature (canvas, www/static/js/estimate-sign.js; a typed
 * signature is the accessible alternative) and "I have read and agree";
 * declining. An estimate of another account is answered 404. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "estimate.h"
#include "estimate_view.h"
#include "kit.h"
#include "portal_web.h"
#include "routes.h"
#include "str.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0
#define R_PORTAL	(R_PUBLIC | R_FORM)
#define R_PORTAL_POST	(R_PUBLIC | R_NOCSRF | R_FORM)

/* A drawn signature: a PNG data URL of at most ~45 KB and its strokes. */
#define SIG_MAX		60000

static const char *const sig_methods[] = { "drawn", "typed", NULL };

static const struct field f_sign[] = {
	{ "signer_name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Full name" },
	{ "agree", FIELD_BOOL, 0, 0, 0, 0, NULL, "I have read and agree" },
	{ "method", FIELD_ENUM, 0, 0, 0, 0, sig_methods, "Signature kind" },
	{ "signature_png", FIELD_LINE, 0, SIG_MAX, 0, 0, NULL, "Signature" },
	{ "signature_path", FIELD_LINE, 0, SIG_MAX, 0, 0, NULL, "Signature strokes" },
};

static const char *const notices[] = { "signed", "declined", NULL };
static const struct field f_notice[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, notices, "Notice" },
};

const struct route routes_portal_estimates[] = {
	{ { "GET", "/portal/estimates" }, h_portal_estimates, 0, R_PORTAL, NOFIELDS },
	{ { "GET", "/portal/estimates/:id" }, h_portal_estimate, 0, R_PORTAL,
	    FIELDS(f_notice) },
	{ { "GET", "/portal/estimates/:id/pdf" }, h_portal_estimate_pdf, 0, R_PORTAL,
	    NOFIELDS },
	{ { "POST", "/portal/estimates/:id/sign" }, h_portal_estimate_sign, 0,
	    R_PORTAL_POST, FIELDS(f_sign) },
	{ { "POST", "/portal/estimates/:id/decline" }, h_portal_estimate_decline,
	    0, R_PORTAL_POST, NOFIELDS },
};
const size_t nroutes_portal_estimates = ARRAY_LEN(routes_portal_estimates);

/* The labels estimate_view.c sets in English, in the client's language. */
static void
est_labels(struct ctx *c, struct tmpl_vars *v, const struct estimate *e)
{
	char k[48];

	str_fmt(k, sizeof(k), "est.st.%s", estimate_state_name(e->state));
	tmpl_set(v, "est_status_label", portal_msg(c, k));
	if (e->basis >= 0 && e->basis < 3) {
		str_fmt(k, sizeof(k), "est.basis.%s", est_basis_names[e->basis]);
		tmpl_set(v, "est_basis_label", portal_msg(c, k));
	}
	if (e->client_sig.present && (strcmp(e->client_sig.method, "drawn") == 0 ||
	    strcmp(e->client_sig.method, "typed") == 0)) {
		str_fmt(k, sizeof(k), "est.method.%s", e->client_sig.method);
		tmpl_set(v, "client_sig_method", portal_msg(c, k));
	}
	if (e->staff_sig.present && (strcmp(e->staff_sig.method, "drawn") == 0 ||
	    strcmp(e->staff_sig.method, "typed") == 0)) {
		str_fmt(k, sizeof(k), "est.method.%s", e->staff_sig.method);
		tmpl_set(v, "staff_sig_method", portal_msg(c, k));
	}
}

int
h_portal_estimates(struct ctx *c)
{
	struct portal_req pr;
	struct estimate *es = NULL;
	size_t n = 0;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (estimate_list(c->app->db, 0, pr.account_id, &es, &n) != EST_S_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "estimates");
		if (r == NULL)
			break;
		estimate_view_header(r, &es[i]);
		est_labels(c, r, &es[i]);
		kit_set_money(r, "patient", es[i].totals.patient);
		tmpl_set_bool(r, "to_sign", es[i].state == ES_SENT ||
		    es[i].state == ES_VIEWED);
	}
	estimate_list_free(es, n);
	tmpl_set(c->view, "title", portal_msg(c, "nav.estimates"));
	tmpl_set_bool(c->view, "nav_estimates", 1);
	return portal_render(c, &pr, 200, "portal_estimates.html");
}

/* A portal page of the :id estimate of the signed-in account (never a
 * superseded or draft one): 1, else what the handler returns (0 answered:
 * sign-in or 404; -1). */
static int
own(struct ctx *c, struct portal_req *pr, struct estimate *e)
{
	int64_t id;
	int rc = portal_begin(c, pr);

	if (rc <= 0)
		return rc;
	id = kit_path_id(c, "id");
	memset(e, 0, sizeof(*e));
	if (id <= 0)
		return portal_error(c, 404, portal_msg(c, "err.no_estimate")) == 0 ? 0 : -1;
	if ((rc = estimate_get(c->app->db, id, e)) == EST_S_DB)
		return -1;
	if (rc != EST_S_OK || e->account_id != pr->account_id ||
	    e->state == ES_DRAFT || e->state == ES_SUPERSEDED) {
		estimate_free(e);
		return portal_error(c, 404, portal_msg(c, "err.no_estimate")) == 0 ? 0 : -1;
	}
	return 1;
}

static int
show(struct ctx *c, const struct portal_req *pr, struct estimate *e, int status,
    const char *error)
{
	estimate_view_header(c->view, e);
	estimate_view_breakdown(c->view, e);
	estimate_view_signatures(c->view, e);
	if (e->gfe)
		estimate_view_gfe(c->view, e);
	est_labels(c, c->view, e);
	tmpl_set_bool(c->view, "can_sign", e->state == ES_SENT ||
	    e->state == ES_VIEWED);
	if (error != NULL) {
		tmpl_set(c->view, "error", error);
		tmpl_set(c->view, "form_signer_name", kit_field_s(c,
		    "signer_name"));
	}
	if (app_field(c, "notice") != NULL && app_field(c, "notice")->present)
		tmpl_set(c->view, "notice", app_field(c, "notice")->s);
	{
		char root[24], title[80];

		str_fmt(root, sizeof(root), "%" PRId64, e->root_id);
		tmpl_set(c->view, "title", portal_msgf(c, "est.title", title,
		    sizeof(title), "est_root", root, (const char *)NULL));
	}
	tmpl_set_bool(c->view, "nav_estimates", 1);
	return portal_render(c, pr, status, "portal_estimate.html");
}

int
h_portal_estimate(struct ctx *c)
{
	struct portal_req pr;
	struct estimate e;
	int rc;

	if ((rc = own(c, &pr, &e)) != 1)
		return rc;
	if (e.state == ES_SENT) {
		if (estimate_viewed(c->app->db, e.id) != EST_S_OK) {
			estimate_free(&e);
			return -1;
		}
		e.state = ES_VIEWED;
	}
	rc = show(c, &pr, &e, 200, NULL);
	estimate_free(&e);
	return rc;
}

static int
after(struct ctx *c, int64_t id, const char *notice)
{
	char url[96];

	str_fmt(url, sizeof(url), "/portal/estimates/%" PRId64 "?notice=%s", id,
	    notice);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* What is wrong with the signing form, or NULL. */
static const char *
sign_problem(struct ctx *c)
{
	const char *png = kit_field_s(c, "signature_png");

	if (c->fs.nerr > 0)
		return c->fs.err[0].msg;
	if (!kit_field_i(c, "agree", 0))
		return portal_msg(c, "est.need_agree");
	if (strcmp(kit_field_s(c, "method"), "typed") != 0 && png[0] == '\0')
		return portal_msg(c, "est.need_sig");
	if (png[0] != '\0' && (!str_starts(png, "data:image/png;base64,") ||
	    !estimate_sig_ok(png + strlen("data:image/png;base64,"),
	    kit_field_s(c, "signature_path")[0] ?
	    kit_field_s(c, "signature_path") : NULL)))
		return portal_msg(c, "est.bad_sig");
	return NULL;
}

static void
sig_from_form(struct ctx *c, const struct portal_req *pr, struct estimate_sig *s)
{
	const char *png = kit_field_s(c, "signature_png");
	const char *path = kit_field_s(c, "signature_path");
	int drawn = strcmp(kit_field_s(c, "method"), "typed") != 0 && png[0];

	memset(s, 0, sizeof(*s));
	str_copy(s->signer_name, sizeof(s->signer_name),
	    kit_field_s(c, "signer_name"));
	s->signer_id = pr->account_id;
	str_copy(s->method, sizeof(s->method), drawn ? "drawn" : "typed");
	s->png = drawn ? (char *)png + strlen("data:image/png;base64,") : NULL;
	s->path = drawn && path[0] ? (char *)path : NULL;
	str_copy(s->ip, sizeof(s->ip), app_ip(c));
	str_copy(s->user_agent, sizeof(s->user_agent), c->req.user_agent ?
	    c->req.user_agent : "");
}

int
h_portal_estimate_sign(struct ctx *c)
{
	struct portal_req pr;
	struct estimate e;
	struct estimate_sig s;
	struct actor a;
	const char *why;
	char msg[200] = "";
	int rc;

	if ((rc = own(c, &pr, &e)) != 1)
		return rc;
	if ((why = sign_problem(c)) != NULL) {
		rc = show(c, &pr, &e, 422, why);
		estimate_free(&e);
		return rc;
	}
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	sig_from_form(c, &pr, &s);
	rc = estimate_sign_client(c->app->db, &a, e.id, &s, msg, sizeof(msg));
	if (rc == EST_S_OK)
		rc = after(c, e.id, "signed");
	else if (rc == EST_S_DB)
		rc = -1;
	else
		rc = show(c, &pr, &e, 409, portal_reason(c, msg,
		    "est.cannot_sign"));
	estimate_free(&e);
	return rc;
}

int
h_portal_estimate_decline(struct ctx *c)
{
	struct portal_req pr;
	struct estimate e;
	struct actor a;
	char msg[200] = "";
	int rc;

	if ((rc = own(c, &pr, &e)) != 1)
		return rc;
	a = (struct actor){ "portal", pr.account_id, app_ip(c) };
	rc = estimate_decline(c->app->db, &a, e.id, msg, sizeof(msg));
	if (rc == EST_S_OK)
		rc = after(c, e.id, "declined");
	else if (rc == EST_S_DB)
		rc = -1;
	else
		rc = show(c, &pr, &e, 409, msg);
	estimate_free(&e);
	return rc;
}
