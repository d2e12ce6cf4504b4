/* Coverage of a client or inquiry: the list with an add form, and the edit
 * form. Amounts are typed as money ("1,500.00"), coinsurance in basis
 * points. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "coverage.h"
#include "kit.h"
#include "money.h"
#include "payer.h"
#include "profiles.h"
#include "staff_estimates.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

static const struct {
	const char	*name;
	size_t		 off;
} money_fields[] = {
	{ "deductible", offsetof(struct est_coverage, deductible) },
	{ "deductible_met", offsetof(struct est_coverage, deductible_met) },
	{ "family_deductible", offsetof(struct est_coverage, family_deductible) },
	{ "family_deductible_met",
	    offsetof(struct est_coverage, family_deductible_met) },
	{ "copay", offsetof(struct est_coverage, copay) },
	{ "oop_max", offsetof(struct est_coverage, oop_max) },
	{ "oop_met", offsetof(struct est_coverage, oop_met) },
	{ "family_oop_max", offsetof(struct est_coverage, family_oop_max) },
	{ "family_oop_met", offsetof(struct est_coverage, family_oop_met) },
};

static int64_t *
fig_at(struct est_coverage *f, size_t i)
{
	return (int64_t *)(void *)((char *)f + money_fields[i].off);
}

static int
payer_options(struct ctx *c, int64_t selected)
{
	struct payer *ps = NULL;
	size_t n = 0;

	if (payer_list(c->app->db, 0, &ps, &n) != PAYER_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *o;
		if (!ps[i].active && ps[i].id != selected)
			continue;
		if ((o = tmpl_loop_add(c->view, "payers")) == NULL)
			break;
		tmpl_set_int(o, "id", ps[i].id);
		tmpl_set(o, "name", ps[i].name);
		tmpl_set_bool(o, "selected", ps[i].id == selected);
	}
	free(ps);
	return 0;
}

/* The form's values from a stored coverage. */
static void
cov_echo(struct ctx *c, struct coverage *cv)
{
	char k[48], s[MONEY_FMT_MAX];

	tmpl_set(c->view, "form_tier", cv->rank);
	tmpl_set(c->view, "form_member_id", cv->member_id);
	tmpl_set(c->view, "form_group_number", cv->group_number);
	tmpl_set(c->view, "form_subscriber", cv->subscriber);
	tmpl_set(c->view, "form_relationship", cv->relationship);
	tmpl_set(c->view, "form_in_network", cv->fig.in_network ? "1" : "");
	tmpl_set(c->view, "form_effective_from", cv->effective_from);
	tmpl_set(c->view, "form_effective_to", cv->effective_to);
	tmpl_set_int(c->view, "form_coinsurance_bp", cv->fig.coinsurance_bp);
	tmpl_set(c->view, "form_copay_services", cv->copay_services);
	for (size_t i = 0; i < ARRAY_LEN(money_fields); i++) {
		str_fmt(k, sizeof(k), "form_%s", money_fields[i].name);
		if (money_format_plain(*fig_at(&cv->fig, i), s, sizeof(s)) == 0)
			tmpl_set(c->view, k, s);
	}
}

static int
list_rows(struct ctx *c, int64_t client_id)
{
	struct coverage *cv = NULL;
	size_t n = 0;

	if (coverage_list(c->app->db, client_id, &cv, &n) != COV_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "rows");
		const struct est_coverage *f = &cv[i].fig;
		if (r == NULL)
			break;
		tmpl_set_int(r, "id", cv[i].id);
		tmpl_set(r, "tier", cv[i].rank);
		tmpl_set(r, "payer", cv[i].payer_name);
		tmpl_set(r, "member_id", cv[i].member_id);
		tmpl_set(r, "from", cv[i].effective_from);
		tmpl_set(r, "to", cv[i].effective_to);
		tmpl_set_bool(r, "in_network", f->in_network);
		kit_set_money(r, "deductible", f->deductible);
		kit_set_money(r, "deductible_met", f->deductible_met);
		tmpl_setf(r, "coinsurance", "%" PRId64 ".%02" PRId64 "%%",
		    f->coinsurance_bp / 100, f->coinsurance_bp % 100);
		kit_set_money(r, "copay", f->copay);
		kit_set_money(r, "oop_max", f->oop_max);
		kit_set_money(r, "oop_met", f->oop_met);
	}
	free(cv);
	return 0;
}

static int
page(struct ctx *c, int status, const struct client *cl, struct coverage *edit)
{
	tmpl_setf(c->view, "title", "Coverage · %s %s", cl->first_name,
	    cl->last_name);
	tmpl_setf(c->view, "client_name", "%s %s", cl->first_name, cl->last_name);
	tmpl_setf(c->view, "client_url", "%s/%" PRId64, strcmp(cl->stage,
	    "inquiry") == 0 ? "/inquiries" : "/clients", cl->id);
	tmpl_set_int(c->view, "client_id", cl->id);
	tmpl_set_bool(c->view, strcmp(cl->stage, "inquiry") == 0 ?
	    "nav_inquiries" : "nav_clients", 1);
	tmpl_set_bool(c->view, "can_money", kit_can_money(c));
	kit_notice(c);
	app_view_errors(c);
	if (status >= 400) {
		kit_form_echo(c);
		if (tmpl_get(c->view, "error") == NULL)
			tmpl_set(c->view, "error", "The coverage was not saved. "
			    "Please correct the fields marked below.");
	} else if (edit != NULL)
		cov_echo(c, edit);
	else {
		tmpl_set(c->view, "form_in_network", "1");
		tmpl_set(c->view, "form_tier", "primary");
	}
	if (edit != NULL && edit->id != 0) {
		tmpl_setf(c->view, "action", "/coverage/%" PRId64, edit->id);
		tmpl_set_bool(c->view, "editing", 1);
	} else
		tmpl_setf(c->view, "action", "/clients/%" PRId64 "/coverage", cl->id);
	if (payer_options(c, edit ? edit->payer_id :
	    kit_field_i(c, "payer_id", 0))
	    == -1 || (edit == NULL && list_rows(c, cl->id) == -1))
		return -1;
	return app_render(c, status, "coverage.html");
}

static int
client_of(struct ctx *c, int64_t id, struct client *cl)
{
	int rc = client_get(c->app->db, id, cl);

	if (rc == PROF_OK)
		return 1;
	return rc == PROF_DB ? -1 : (app_error(c, 404, "No such client.") == 0 ?
	    0 : -1);
}

/* The client at :id: 1, else what the handler returns (the 404 page). */
static int
path_client(struct ctx *c, struct client *cl)
{
	int64_t id = kit_path_id(c, "id");

	if (id == 0)
		return app_error(c, 404, "No such client.");
	return client_of(c, id, cl);
}

int
h_coverage_list(struct ctx *c)
{
	struct client cl;
	int rc;

	if ((rc = path_client(c, &cl)) != 1)
		return rc;
	return page(c, 200, &cl, NULL);
}

static int
store(struct ctx *c, const struct client *cl, struct coverage *cv)
{
	struct actor a = kit_staff_actor(c);
	char url[80];
	int rc;

	if (c->fs.nerr > 0)
		return page(c, 422, cl, cv->id ? cv : NULL);
	str_copy(cv->rank, sizeof(cv->rank), kit_field_s(c, "tier"));
	cv->payer_id = kit_field_i(c, "payer_id", 0);
	str_copy(cv->member_id, sizeof(cv->member_id), kit_field_s(c,
	    "member_id"));
	str_copy(cv->group_number, sizeof(cv->group_number),
	    kit_field_s(c, "group_number"));
	str_copy(cv->subscriber, sizeof(cv->subscriber), kit_field_s(c,
	    "subscriber"));
	str_copy(cv->relationship, sizeof(cv->relationship),
	    kit_field_s(c, "relationship")[0] ? kit_field_s(c, "relationship") :
	    "self");
	str_copy(cv->effective_from, sizeof(cv->effective_from),
	    kit_field_s(c, "effective_from"));
	str_copy(cv->effective_to, sizeof(cv->effective_to),
	    kit_field_s(c, "effective_to"));
	str_copy(cv->copay_services, sizeof(cv->copay_services),
	    kit_field_s(c, "copay_services"));
	cv->fig.in_network = kit_field_i(c, "in_network", 0) != 0;
	cv->fig.coinsurance_bp = kit_field_i(c, "coinsurance_bp", 0);
	for (size_t i = 0; i < ARRAY_LEN(money_fields); i++)
		*fig_at(&cv->fig, i) = kit_field_i(c, money_fields[i].name, 0);
	if (est_coverage_problem(&cv->fig) != NULL) {
		kit_form_error(c, "deductible", "Amounts cannot be negative.");
		return page(c, 422, cl, cv->id ? cv : NULL);
	}
	if ((rc = coverage_save(c->app->db, &a, cv)) == COV_BAD_PAYER ||
	    rc == COV_DUP_TIER || rc == COV_BAD_DATES) {
		if (rc == COV_BAD_PAYER)
			kit_form_error(c, "payer_id",
			    "Choose a payer from the list.");
		else if (rc == COV_BAD_DATES)
			kit_form_error(c, "effective_from",
			    "The coverage cannot end "
			    "before it starts.");
		else
			kit_form_error(c, "effective_from",
			    "This client already has "
			    "a coverage in that order (primary or secondary) for "
			    "these dates; end it first or choose the other order.");
		return page(c, 422, cl, cv->id ? cv : NULL);
	}
	if (rc != COV_OK)
		return -1;
	str_fmt(url, sizeof(url), "/clients/%" PRId64 "/coverage?notice=saved",
	    cl->id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

int
h_coverage_create(struct ctx *c)
{
	struct coverage cv;
	struct client cl;
	int rc;

	if ((rc = path_client(c, &cl)) != 1)
		return rc;
	memset(&cv, 0, sizeof(cv));
	cv.client_id = cl.id;
	return store(c, &cl, &cv);
}

static int
load_cov(struct ctx *c, struct coverage *cv, struct client *cl)
{
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such coverage.") == 0 ? 0 : -1;
	if ((rc = coverage_get(c->app->db, id, cv)) == COV_DB)
		return -1;
	if (rc != COV_OK)
		return app_error(c, 404, "No such coverage.") == 0 ? 0 : -1;
	return client_of(c, cv->client_id, cl);
}

int
h_coverage_edit(struct ctx *c)
{
	struct coverage cv;
	struct client cl;
	int rc;

	if ((rc = load_cov(c, &cv, &cl)) != 1)
		return rc;
	return page(c, 200, &cl, &cv);
}

int
h_coverage_update(struct ctx *c)
{
	struct coverage cv;
	struct client cl;
	int rc;

	if ((rc = load_cov(c, &cv, &cl)) != 1)
		return rc;
	return store(c, &cl, &cv);
}
