/* Staff pages for estimates: the form (new, edit = new version once sent)
 * with a server-side preview of the breakdown, the estimate page with its
 * actions (send to the portal, countersign, convert to an invoice), the
 * Good Faith Estimate view and the Financial-tab block. Routes of the
 * settings and coverage pages are in this table too. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "coverage.h"
#include "estimate.h"
#include "estimate_view.h"
#include "kit.h"
#include "payer.h"
#include "profiles.h"
#include "routes.h"
#include "staff_estimates.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

#define LINE_FIELDS(n) \
	{ "line" #n "_service", FIELD_ID, 0, 0, 0, 0, NULL, "Service" }, \
	{ "line" #n "_qty", FIELD_INT, 0, 0, 1, EST_MAX_QUANTITY, NULL, "Quantity" }, \
	{ "line" #n "_date", FIELD_DATE, 0, 0, 0, 0, NULL, "Date of service" }, \
	{ "line" #n "_dx", FIELD_LINE, 0, 16, 0, 0, NULL, "Diagnosis code" }

static const struct field f_est_form[] = {
	{ "coverage_id", FIELD_ID, 0, 0, 0, 0, NULL, "Coverage" },
	{ "notes", FIELD_TEXT, 0, 4000, 0, 0, NULL, "Notes" },
	{ "valid_until", FIELD_DATE, 0, 0, 0, 0, NULL, "Valid until" },
	{ "scheduled_on", FIELD_DATE, 0, 0, 0, 0, NULL, "Scheduled on" },
	{ "gfe_requested", FIELD_BOOL, 0, 0, 0, 0, NULL, "Requested" },
	{ "diagnosis_codes", FIELD_LINE, 0, 200, 0, 0, NULL, "Diagnosis codes" },
	{ "separate_items", FIELD_TEXT, 0, 2000, 0, 0, NULL, "Items scheduled separately" },
	{ "preview", FIELD_BOOL, 0, 0, 0, 0, NULL, "Preview" },
	LINE_FIELDS(1), LINE_FIELDS(2), LINE_FIELDS(3), LINE_FIELDS(4),
	LINE_FIELDS(5), LINE_FIELDS(6), LINE_FIELDS(7), LINE_FIELDS(8),
};

static const char *const sig_methods[] = { "drawn", "typed", NULL };
static const char *const est_notices[] = { "saved", "version", "sent",
    "countersigned", "converted", "created", NULL };

static const struct field f_countersign[] = {
	{ "signer_name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Full name" },
	{ "agree", FIELD_BOOL, 0, 0, 0, 0, NULL, "I have read and agree" },
	{ "method", FIELD_ENUM, 0, 0, 0, 0, sig_methods, "Signature kind" },
	{ "signature_png", FIELD_LINE, 0, 60000, 0, 0, NULL, "Signature" },
	{ "signature_path", FIELD_LINE, 0, 60000, 0, 0, NULL, "Signature strokes" },
};

static const struct field f_notice[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, est_notices, "Notice" },
};

static const struct field f_payer[] = {
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Name" },
	{ "payer_code", FIELD_LINE, 0, 32, 0, 0, NULL, "Payer ID" },
	{ "address", FIELD_TEXT, 0, 500, 0, 0, NULL, "Address" },
	{ "phone", FIELD_LINE, 0, 40, 0, 0, NULL, "Phone" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "Active" },
};

static const struct field f_rate[] = {
	{ "service_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "Service" },
	{ "rate", FIELD_MONEY, 0, 0, 0, 0, NULL, "Contracted rate" },
};

static const struct field f_pricing[] = {
	{ "service_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "Service" },
	{ "self_pay_rate", FIELD_MONEY, 0, 0, 0, 0, NULL, "Self-pay rate" },
	{ "discount_bp", FIELD_INT, 0, 0, 0, EST_MAX_BP, NULL, "Discount (basis points)" },
	{ "billing_code", FIELD_LINE, 0, 16, 0, 0, NULL, "CPT/HCPCS code" },
};

static const struct field f_provider[] = {
	{ "location_id", FIELD_INT, 0, 0, 0, INT64_MAX, NULL, "Location" },
	{ "provider_name", FIELD_LINE, 0, 200, 0, 0, NULL, "Provider name" },
	{ "npi", FIELD_LINE, 0, 10, 0, 0, NULL, "NPI" },
	{ "tin", FIELD_LINE, 0, 20, 0, 0, NULL, "TIN" },
};

static const char *const tiers[] = { "primary", "secondary", NULL };
static const char *const relationships[] = { "self", "spouse", "child",
    "other", NULL };

#define COV_MONEY(n, l) { n, FIELD_MONEY, 0, 0, 0, 0, NULL, l }
static const struct field f_coverage[] = {
	{ "tier", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, tiers, "Primary or secondary" },
	{ "payer_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "Payer" },
	{ "member_id", FIELD_LINE, 0, 64, 0, 0, NULL, "Member ID" },
	{ "group_number", FIELD_LINE, 0, 64, 0, 0, NULL, "Group" },
	{ "subscriber", FIELD_LINE, 0, 200, 0, 0, NULL, "Subscriber" },
	{ "relationship", FIELD_ENUM, 0, 0, 0, 0, relationships, "Relationship" },
	{ "in_network", FIELD_BOOL, 0, 0, 0, 0, NULL, "In network" },
	{ "effective_from", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "Effective from" },
	{ "effective_to", FIELD_DATE, 0, 0, 0, 0, NULL, "Effective to" },
	COV_MONEY("deductible", "Deductible"),
	COV_MONEY("deductible_met", "Deductible met"),
	COV_MONEY("family_deductible", "Family deductible"),
	COV_MONEY("family_deductible_met", "Family deductible met"),
	{ "coinsurance_bp", FIELD_INT, 0, 0, 0, EST_MAX_BP, NULL, "Coinsurance (basis points)" },
	COV_MONEY("copay", "Copay per visit"),
	COV_MONEY("oop_max", "Out-of-pocket maximum"),
	COV_MONEY("oop_met", "Out-of-pocket met"),
	COV_MONEY("family_oop_max", "Family out-of-pocket maximum"),
	COV_MONEY("family_oop_met", "Family out-of-pocket met"),
	{ "copay_services", FIELD_LINE, 0, 1000, 0, 0, NULL, "Copay services" },
};

const struct route routes_estimates[] = {
	{ { "GET", "/clients/:id/estimates/new" }, h_estimate_new, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/clients/:id/estimates" }, h_estimate_create, ROLES_MONEY,
	    R_FORM, FIELDS(f_est_form) },
	{ { "POST", "/clients/:id/estimates/preview" }, h_estimate_preview,
	    ROLES_MONEY, R_FORM, FIELDS(f_est_form) },
	{ { "POST", "/estimates/:id/preview" }, h_estimate_preview, ROLES_MONEY,
	    R_FORM, FIELDS(f_est_form) },
	{ { "GET", "/estimates/:id" }, h_estimate_show, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "GET", "/estimates/:id/edit" }, h_estimate_edit, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/estimates/:id" }, h_estimate_update, ROLES_MONEY, R_FORM,
	    FIELDS(f_est_form) },
	{ { "POST", "/estimates/:id/send" }, h_estimate_send, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/estimates/:id/countersign" }, h_estimate_countersign,
	    ROLES_MONEY, R_FORM, FIELDS(f_countersign) },
	{ { "POST", "/estimates/:id/invoice" }, h_estimate_invoice, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/estimates/:id/plan" }, h_estimate_plan, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "GET", "/estimates/:id/gfe" }, h_estimate_gfe, ROLES_STAFF, 0, NOFIELDS },
	{ { "GET", "/estimates/:id/pdf" }, h_estimate_pdf, ROLES_STAFF, 0, NOFIELDS },
	{ { "GET", "/clients/:id/coverage" }, h_coverage_list, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/clients/:id/coverage" }, h_coverage_create, ROLES_MONEY,
	    R_FORM, FIELDS(f_coverage) },
	{ { "GET", "/coverage/:id/edit" }, h_coverage_edit, ROLES_MONEY, 0, NOFIELDS },
	{ { "POST", "/coverage/:id" }, h_coverage_update, ROLES_MONEY, R_FORM,
	    FIELDS(f_coverage) },
	{ { "GET", "/admin/payers" }, h_payers, ROLES_STAFF, 0, FIELDS(f_notice) },
	{ { "POST", "/admin/payers" }, h_payer_create, ROLE_ADMIN, R_FORM,
	    FIELDS(f_payer) },
	{ { "POST", "/admin/payers/:id" }, h_payer_update, ROLE_ADMIN, R_FORM,
	    FIELDS(f_payer) },
	{ { "GET", "/admin/payers/:id/rates" }, h_payer_rates, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/admin/payers/:id/rates" }, h_payer_rate_set, ROLE_ADMIN,
	    R_FORM, FIELDS(f_rate) },
	{ { "GET", "/admin/estimate-pricing" }, h_estimate_pricing, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/admin/estimate-pricing" }, h_estimate_pricing_set,
	    ROLE_ADMIN, R_FORM, FIELDS(f_pricing) },
	{ { "POST", "/admin/provider" }, h_provider_set, ROLE_ADMIN, R_FORM,
	    FIELDS(f_provider) },
};
const size_t nroutes_estimates = ARRAY_LEN(routes_estimates);

/* --- helpers ----------------------------------------------------------------- */

static int
load_client(struct ctx *c, struct client *cl)
{
	int rc = kit_client_or_404(c, kit_path_id(c, "id"), cl);

	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

int
staff_estimates_load(struct ctx *c, struct estimate *e)
{
	int64_t id;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such estimate.") == 0 ? 0 : -1;
	if ((rc = estimate_get(c->app->db, id, e)) == EST_S_DB)
		return -1;
	if (rc != EST_S_OK)
		return app_error(c, 404, "No such estimate.") == 0 ? 0 : -1;
	return 1;
}

static int
redirect_estimate(struct ctx *c, int64_t id, const char *notice)
{
	char url[96];

	str_fmt(url, sizeof(url), "/estimates/%" PRId64 "?notice=%s", id, notice);
	http_redirect(&c->resp, 303, url);
	return 0;
}

static void
client_link(struct ctx *c, const struct client *cl)
{
	int inquiry = strcmp(cl->stage, "inquiry") == 0;

	tmpl_setf(c->view, "client_name", "%s %s", cl->first_name, cl->last_name);
	tmpl_setf(c->view, "client_url", "%s/%" PRId64, inquiry ? "/inquiries" :
	    "/clients", cl->id);
	tmpl_set_int(c->view, "client_id", cl->id);
	tmpl_set_bool(c->view, inquiry ? "nav_inquiries" : "nav_clients", 1);
}

/* --- the form --------------------------------------------------------------- */

static int
coverage_options(struct ctx *c, int64_t client_id, int64_t selected)
{
	struct coverage *cv = NULL;
	size_t n = 0;

	if (coverage_list(c->app->db, client_id, &cv, &n) != COV_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *o = tmpl_loop_add(c->view, "coverages");
		if (o == NULL)
			break;
		tmpl_set_int(o, "id", cv[i].id);
		tmpl_setf(o, "label", "%s: %s%s%s (%s network)", cv[i].rank,
		    cv[i].payer_name, cv[i].member_id[0] ? " · " : "",
		    cv[i].member_id, cv[i].fig.in_network ? "in" : "out of");
		tmpl_set_bool(o, "selected", cv[i].id == selected);
	}
	free(cv);
	return 0;
}

static void
line_row(struct tmpl_vars *row, const struct service_pricing *ps, size_t nps,
    int64_t sel, const char *qty, const char *date, const char *dx)
{
	tmpl_set(row, "qty", qty);
	tmpl_set(row, "date", date);
	tmpl_set(row, "dx", dx);
	for (size_t i = 0; i < nps; i++) {
		struct tmpl_vars *o;
		if (!ps[i].active && ps[i].service_id != sel)
			continue;
		if ((o = tmpl_loop_add(row, "services")) == NULL)
			return;
		tmpl_set_int(o, "id", ps[i].service_id);
		tmpl_setf(o, "label", "%s · %s", ps[i].code, ps[i].name);
		tmpl_set_bool(o, "selected", ps[i].service_id == sel);
	}
}

/* Line rows: from the request when posted, else from e (may be NULL). */
static int
form_rows(struct ctx *c, const struct estimate *e, int posted)
{
	struct service_pricing *ps = NULL;
	size_t nps = 0;
	char k[32], qty[24];

	if (pricing_list(c->app->db, 0, &ps, &nps) != PAYER_OK)
		return -1;
	for (int n = 1; n <= SE_LINES; n++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		const struct estimate_line *l = e && (size_t)n <= e->nlines ?
		    &e->lines[n - 1] : NULL;
		if (row == NULL)
			break;
		tmpl_set_int(row, "n", n);
		if (posted) {
			const char *q, *d, *x;
			str_fmt(k, sizeof(k), "line%d_qty", n);
			q = kit_field_s(c, k);
			str_fmt(k, sizeof(k), "line%d_date", n);
			d = kit_field_s(c, k);
			str_fmt(k, sizeof(k), "line%d_dx", n);
			x = kit_field_s(c, k);
			str_fmt(k, sizeof(k), "line%d_service", n);
			line_row(row, ps, nps, kit_field_i(c, k, 0), q, d, x);
		} else if (l != NULL) {
			str_fmt(qty, sizeof(qty), "%" PRId64, l->c.quantity);
			line_row(row, ps, nps, l->service_id, qty, l->service_date,
			    l->diagnosis_code);
		} else
			line_row(row, ps, nps, 0, "1", "", "");
	}
	free(ps);
	return 0;
}

static void
header_echo(struct ctx *c, const struct estimate *e, int posted)
{
	if (posted) {
		kit_form_echo(c);
		return;
	}
	tmpl_set(c->view, "form_notes", e->notes);
	tmpl_set(c->view, "form_valid_until", e->valid_until);
	tmpl_set(c->view, "form_scheduled_on", e->scheduled_on);
	tmpl_set(c->view, "form_gfe_requested", e->gfe_requested ? "1" : "");
	tmpl_set(c->view, "form_diagnosis_codes", e->diagnosis_codes);
	tmpl_set(c->view, "form_separate_items", e->separate_items);
}

/* The form page. e: what to show (priced when `priced`). */
static int
form_page(struct ctx *c, int status, const struct client *cl,
    const struct estimate *e, int posted, int priced)
{
	client_link(c, cl);
	tmpl_setf(c->view, "title", "%s estimate", e->id ? "Edit" : "New");
	if (e->id) {
		tmpl_setf(c->view, "action", "/estimates/%" PRId64, e->id);
		tmpl_set_int(c->view, "edit_id", e->id);
		tmpl_set_bool(c->view, "new_version", e->state != ES_DRAFT);
	} else
		tmpl_setf(c->view, "action", "/clients/%" PRId64 "/estimates", cl->id);
	header_echo(c, e, posted);
	app_view_errors(c);
	if (status >= 400 && tmpl_get(c->view, "error") == NULL)
		tmpl_set(c->view, "error", "The estimate was not saved. Please "
		    "correct the fields marked below.");
	if (priced) {
		estimate_view_header(c->view, e);
		estimate_view_breakdown(c->view, e);
		tmpl_set_bool(c->view, "priced", 1);
	}
	if (coverage_options(c, cl->id, e->coverage_id) == -1 ||
	    form_rows(c, e, posted) == -1)
		return -1;
	return app_render(c, status, "estimate_form.html");
}

/* The request's lines into e (rows naming a service). */
static int
form_lines(struct ctx *c, struct estimate *e)
{
	char k[32];

	if ((e->lines = calloc(SE_LINES, sizeof(*e->lines))) == NULL)
		return -1;
	for (int n = 1; n <= SE_LINES; n++) {
		struct estimate_line *l = &e->lines[e->nlines];
		str_fmt(k, sizeof(k), "line%d_service", n);
		if ((l->service_id = kit_field_i(c, k, 0)) == 0)
			continue;
		str_fmt(k, sizeof(k), "line%d_qty", n);
		l->c.quantity = kit_field_i(c, k, 1);
		str_fmt(k, sizeof(k), "line%d_date", n);
		str_copy(l->service_date, sizeof(l->service_date),
		    kit_field_s(c, k));
		str_fmt(k, sizeof(k), "line%d_dx", n);
		str_copy(l->diagnosis_code, sizeof(l->diagnosis_code),
		    kit_field_s(c, k));
		e->nlines++;
	}
	return 0;
}

static int
form_read(struct ctx *c, struct estimate *e)
{
	estimate_free(e);
	e->coverage_id = kit_field_i(c, "coverage_id", 0);
	str_copy(e->notes, sizeof(e->notes), kit_field_s(c, "notes"));
	str_copy(e->valid_until, sizeof(e->valid_until), kit_field_s(c,
	    "valid_until"));
	str_copy(e->scheduled_on, sizeof(e->scheduled_on),
	    kit_field_s(c, "scheduled_on"));
	e->gfe_requested = kit_field_i(c, "gfe_requested", 0) != 0;
	str_copy(e->diagnosis_codes, sizeof(e->diagnosis_codes),
	    kit_field_s(c, "diagnosis_codes"));
	str_copy(e->separate_items, sizeof(e->separate_items),
	    kit_field_s(c, "separate_items"));
	return form_lines(c, e);
}

/* Preview or save of the posted form. */
static int
form_post(struct ctx *c, const struct client *cl, struct estimate *e)
{
	struct actor a = kit_staff_actor(c);
	char msg[200] = "", field[60] = "";
	int64_t old = e->id;
	int rc;

	if (c->fs.nerr > 0)
		return form_page(c, 422, cl, e, 1, 0);
	if (form_read(c, e) == -1)
		return -1;
	e->client_id = cl->id;
	e->account_id = cl->account_id;
	if (kit_field_i(c, "preview", 0))
		rc = estimate_price(c->app->db, e, msg, sizeof(msg), field,
		    sizeof(field));
	else
		rc = estimate_save(c->app->db, &a, e, msg, sizeof(msg), field,
		    sizeof(field));
	if (rc == EST_S_DB)
		return -1;
	if (rc != EST_S_OK) {
		kit_form_error(c, strncmp(field, "lines", 5) == 0 ? "lines" :
		    field, msg);
		return form_page(c, rc == EST_S_INVALID ? 422 : 409, cl, e, 1, 0);
	}
	if (kit_field_i(c, "preview", 0))
		return form_page(c, 200, cl, e, 1, 1);
	return redirect_estimate(c, e->id, old == 0 ? "created" : old == e->id ?
	    "saved" : "version");
}

/* A new estimate of the client at :id: its blank form, or the form posted. */
static int
new_estimate(struct ctx *c, int post)
{
	struct estimate e;
	struct client cl;
	int rc;

	if ((rc = load_client(c, &cl)) != 1)
		return rc;
	memset(&e, 0, sizeof(e));
	if (!post) {
		kit_date_from_today(e.valid_until, sizeof(e.valid_until), 30);
		return form_page(c, 200, &cl, &e, 0, 0);
	}
	rc = form_post(c, &cl, &e);
	estimate_free(&e);
	return rc;
}

int
h_estimate_new(struct ctx *c)
{
	return new_estimate(c, 0);
}

int
h_estimate_create(struct ctx *c)
{
	return new_estimate(c, 1);
}

static int
estimate_client(struct ctx *c, const struct estimate *e, struct client *cl)
{
	int rc = client_get(c->app->db, e->client_id, cl);

	return rc == PROF_OK ? 1 : rc == PROF_DB ? -1 :
	    (app_error(c, 404, "No such client.") == 0 ? 0 : -1);
}

/* The estimate at :id: its form, or the form posted. */
static int
edit_estimate(struct ctx *c, int post)
{
	struct estimate e;
	struct client cl;
	int rc;

	if ((rc = staff_estimates_load(c, &e)) != 1)
		return rc;
	if ((rc = estimate_client(c, &e, &cl)) == 1)
		rc = post ? form_post(c, &cl, &e) : form_page(c, 200, &cl, &e, 0, 0);
	estimate_free(&e);
	return rc;
}

int
h_estimate_edit(struct ctx *c)
{
	return edit_estimate(c, 0);
}

int
h_estimate_update(struct ctx *c)
{
	return edit_estimate(c, 1);
}

/* The live breakdown of the form (www/static/js/estimate-form.js posts the
 * form here as the staff edit it): an HTML fragment, computed by the same
 * code as "Preview", nothing stored. :id is the client (new estimate) or
 * the estimate being edited. */
int
h_estimate_preview(struct ctx *c)
{
	struct estimate e;
	struct client cl;
	char msg[200] = "", field[60] = "";
	int rc;

	memset(&e, 0, sizeof(e));
	if (str_starts(c->req.path, "/estimates/")) {
		if ((rc = staff_estimates_load(c, &e)) != 1)
			return rc;
		rc = estimate_client(c, &e, &cl);
	} else
		rc = load_client(c, &cl);
	if (rc != 1) {
		estimate_free(&e);
		return rc;
	}
	if (c->fs.nerr > 0)
		str_copy(msg, sizeof(msg), c->fs.err[0].msg);
	else if (form_read(c, &e) == -1)
		rc = -1;
	else {
		e.client_id = cl.id;
		rc = estimate_price(c->app->db, &e, msg, sizeof(msg), field,
		    sizeof(field));
		rc = rc == EST_S_DB ? -1 : rc == EST_S_OK ? 1 : 0;
	}
	if (rc == 1) {
		estimate_view_header(c->view, &e);
		estimate_view_breakdown(c->view, &e);
		tmpl_set_bool(c->view, "priced", 1);
	} else if (rc != -1)
		tmpl_set(c->view, "error", msg[0] ? msg : "Choose at least one service.");
	estimate_free(&e);
	return rc == -1 ? -1 : app_render(c, 200, "estimate_preview.html");
}
