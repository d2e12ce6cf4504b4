/* Settings for estimates (payers, contracted rates, self-pay pricing and
 * CPT/HCPCS codes, provider facts for Good Faith Estimates) and the
 * coverage of a client or inquiry. Admins change settings; money roles
 * change coverage. Every change is audited by the domain. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "catalog.h"
#include "coverage.h"
#include "kit.h"
#include "money.h"
#include "payer.h"
#include "profiles.h"
#include "staff_estimates.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

static int
go(struct ctx *c, const char *url)
{
	http_redirect(&c->resp, 303, url);
	return 0;
}

static void
settings_common(struct ctx *c, const char *title, const char *tab, int status)
{
	tmpl_set(c->view, "title", title);
	tmpl_set_bool(c->view, "nav_settings", 1);
	tmpl_set_bool(c->view, tab, 1);
	kit_notice(c);
	app_view_errors(c);
	if (status >= 400 && tmpl_get(c->view, "error") == NULL)
		tmpl_set(c->view, "error", "Nothing was saved. Please correct the "
		    "fields marked below.");
}

/* --- payers ------------------------------------------------------------------- */

static int
payers_page(struct ctx *c, int status)
{
	struct payer *ps = NULL;
	size_t n = 0;

	settings_common(c, "Payers", "tab_payers", status);
	if (status >= 400)
		kit_form_echo(c);
	else
		tmpl_set(c->view, "form_active", "1");
	if (payer_list(c->app->db, 0, &ps, &n) != PAYER_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "rows");
		if (r == NULL)
			break;
		tmpl_set_int(r, "id", ps[i].id);
		tmpl_set(r, "name", ps[i].name);
		tmpl_set(r, "payer_code", ps[i].payer_code);
		tmpl_set(r, "address", ps[i].address);
		tmpl_set(r, "phone", ps[i].phone);
		tmpl_set_bool(r, "active", ps[i].active);
	}
	free(ps);
	return app_render(c, status, "admin_payers.html");
}

int
h_payers(struct ctx *c)
{
	return payers_page(c, 200);
}

static int
payer_store(struct ctx *c, struct payer *p)
{
	struct actor a = kit_staff_actor(c);
	int rc;

	if (c->fs.nerr > 0)
		return payers_page(c, 422);
	str_copy(p->name, sizeof(p->name), kit_field_s(c, "name"));
	str_copy(p->payer_code, sizeof(p->payer_code), kit_field_s(c,
	    "payer_code"));
	str_copy(p->address, sizeof(p->address), kit_field_s(c, "address"));
	str_copy(p->phone, sizeof(p->phone), kit_field_s(c, "phone"));
	p->active = kit_field_i(c, "active", 0) != 0;
	rc = payer_save(c->app->db, &a, p);
	if (rc == PAYER_DUP) {
		kit_form_error(c, "name",
		    "Another payer already has this name.");
		return payers_page(c, 422);
	}
	if (rc == PAYER_NOT_FOUND)
		return app_error(c, 404, "No such payer.");
	if (rc != PAYER_OK)
		return -1;
	return go(c, "/admin/payers?notice=saved");
}

int
h_payer_create(struct ctx *c)
{
	struct payer p;

	memset(&p, 0, sizeof(p));
	return payer_store(c, &p);
}

int
h_payer_update(struct ctx *c)
{
	struct payer p;

	memset(&p, 0, sizeof(p));
	if ((p.id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payer.");
	return payer_store(c, &p);
}

/* --- contracted rates ------------------------------------------------------------ */

/* A row of a service's prices (rates, pricing): the service and its
 * standard price; NULL when the loop is full. */
static struct tmpl_vars *
pricing_row(struct ctx *c, const struct service_pricing *ps)
{
	struct tmpl_vars *r = tmpl_loop_add(c->view, "rows");

	if (r == NULL)
		return NULL;
	tmpl_set_int(r, "id", ps->service_id);
	tmpl_set(r, "code", ps->code);
	tmpl_set(r, "name", ps->name);
	kit_set_money(r, "standard", ps->standard);
	return r;
}

static int
rates_page(struct ctx *c, int status, const struct payer *p)
{
	struct service_pricing *ps = NULL;
	size_t n = 0;

	settings_common(c, "Contracted rates", "tab_payers", status);
	tmpl_set(c->view, "payer_name", p->name);
	tmpl_set_int(c->view, "payer_id", p->id);
	if (pricing_list(c->app->db, p->id, &ps, &n) != PAYER_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = pricing_row(c, &ps[i]);
		if (r == NULL)
			break;
		if (ps[i].contracted >= 0)
			kit_set_money_plain(r, "rate", ps[i].contracted);
	}
	free(ps);
	return app_render(c, status, "admin_payer_rates.html");
}

static int
load_payer(struct ctx *c, struct payer *p)
{
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payer.") == 0 ? 0 : -1;
	if ((rc = payer_get(c->app->db, id, p)) == PAYER_DB)
		return -1;
	if (rc != PAYER_OK)
		return app_error(c, 404, "No such payer.") == 0 ? 0 : -1;
	return 1;
}

int
h_payer_rates(struct ctx *c)
{
	struct payer p;
	int rc;

	if ((rc = load_payer(c, &p)) != 1)
		return rc;
	return rates_page(c, 200, &p);
}

int
h_payer_rate_set(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	const struct field_value *rate = app_field(c, "rate");
	struct service s;
	struct payer p;
	char url[80];
	int rc;

	if ((rc = load_payer(c, &p)) != 1)
		return rc;
	if (c->fs.nerr > 0)
		return rates_page(c, 422, &p);
	if (rate->present && rate->i < 0) {
		kit_form_error(c, "rate", "The rate cannot be negative.");
		return rates_page(c, 422, &p);
	}
	if ((rc = service_get(c->app->db, kit_field_i(c, "service_id", 0),
	    &s)) != CAT_OK)
		return rc == CAT_DB ? -1 : app_error(c, 404, "No such service.");
	if (payer_rate_set(c->app->db, &a, p.id, s.id, rate->present ? rate->i :
	    -1) != PAYER_OK)
		return -1;
	str_fmt(url, sizeof(url), "/admin/payers/%" PRId64 "/rates?notice=saved",
	    p.id);
	return go(c, url);
}

/* --- self-pay pricing and provider facts ------------------------------------------ */

static int
provider_rows(struct ctx *c)
{
	struct location *ls = NULL;
	struct provider_info pi;
	size_t n = 0;

	if (provider_get(c->app->db, 0, &pi) != PAYER_OK)
		return -1;
	tmpl_set(c->view, "org_provider_name", pi.name);
	tmpl_set(c->view, "org_npi", pi.npi);
	tmpl_set(c->view, "org_tin", pi.tin);
	if (location_list(c->app->db, 1, &ls, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "locations");
		if (r == NULL || provider_get_own(c->app->db, ls[i].id, &pi) !=
		    PAYER_OK)
			break;
		tmpl_set_int(r, "id", ls[i].id);
		tmpl_set(r, "name", ls[i].name);
		tmpl_set(r, "provider_name", pi.name);
		tmpl_set(r, "npi", pi.npi);
		tmpl_set(r, "tin", pi.tin);
	}
	free(ls);
	return 0;
}

static int
pricing_page(struct ctx *c, int status)
{
	struct service_pricing *ps = NULL;
	size_t n = 0;

	settings_common(c, "Estimate pricing", "tab_pricing", status);
	if (pricing_list(c->app->db, 0, &ps, &n) != PAYER_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = pricing_row(c, &ps[i]);
		if (r == NULL)
			break;
		if (ps[i].self_pay >= 0)
			kit_set_money_plain(r, "self_pay", ps[i].self_pay);
		tmpl_set_int(r, "discount_bp", ps[i].discount_bp);
		tmpl_set(r, "billing_code", ps[i].billing_code);
	}
	free(ps);
	if (provider_rows(c) == -1)
		return -1;
	return app_render(c, status, "admin_estimate_pricing.html");
}

int
h_estimate_pricing(struct ctx *c)
{
	return pricing_page(c, 200);
}

int
h_estimate_pricing_set(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	const struct field_value *rate = app_field(c, "self_pay_rate");
	struct service s;
	int rc;

	if (c->fs.nerr > 0)
		return pricing_page(c, 422);
	if (rate->present && rate->i < 0) {
		kit_form_error(c, "self_pay_rate",
		    "The rate cannot be negative.");
		return pricing_page(c, 422);
	}
	if ((rc = service_get(c->app->db, kit_field_i(c, "service_id", 0),
	    &s)) != CAT_OK)
		return rc == CAT_DB ? -1 : app_error(c, 404, "No such service.");
	if (service_estimate_set(c->app->db, &a, s.id, rate->present ? rate->i : -1,
	    kit_field_i(c, "discount_bp", 0), kit_field_s(c, "billing_code")) !=
	    PAYER_OK)
		return -1;
	return go(c, "/admin/estimate-pricing?notice=saved");
}

int
h_provider_set(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct provider_info pi;
	struct location l;
	int64_t loc = kit_field_i(c, "location_id", 0);

	if (c->fs.nerr > 0)
		return pricing_page(c, 422);
	if (loc != 0 && location_get(c->app->db, loc, &l) != CAT_OK)
		return app_error(c, 404, "No such location.");
	memset(&pi, 0, sizeof(pi));
	str_copy(pi.name, sizeof(pi.name), kit_field_s(c, "provider_name"));
	str_copy(pi.npi, sizeof(pi.npi), kit_field_s(c, "npi"));
	str_copy(pi.tin, sizeof(pi.tin), kit_field_s(c, "tin"));
	if (provider_set(c->app->db, &a, loc, &pi) != PAYER_OK)
		return -1;
	return go(c, "/admin/estimate-pricing?notice=saved");
}
