/* Estimates into template views (see estimate_view.h). */
#include "common.h"

#include "buf.h"
#include "clock.h"
#include "estimate.h"
#include "estimate_view.h"
#include "kit.h"
#include "money.h"
#include "str.h"
#include "tmpl.h"

static const char *const basis_labels[3] = { "In network", "Out of network",
    "Self-pay (Good Faith Estimate)" };

static void
set_bp(struct tmpl_vars *v, const char *name, int64_t bp)
{
	if (bp % 100 == 0)
		tmpl_setf(v, name, "%" PRId64 "%%", bp / 100);
	else
		tmpl_setf(v, name, "%" PRId64 ".%02" PRId64 "%%", bp / 100, bp % 100);
}

static void
set_time(struct tmpl_vars *v, const char *name, int64_t t)
{
	char s[32];

	if (t > 0 && clock_fmt_datetime(t, s, sizeof(s)) == 0)
		tmpl_setf(v, name, "%s UTC", s);
}

static void
coverage_figures(struct tmpl_vars *v, const struct estimate *e)
{
	const struct est_coverage *f = &e->fig;

	kit_set_money(v, "c_deductible", f->deductible);
	kit_set_money(v, "c_deductible_met", f->deductible_met);
	if (f->family_deductible > 0) {
		kit_set_money(v, "c_family_deductible", f->family_deductible);
		kit_set_money(v, "c_family_deductible_met",
		    f->family_deductible_met);
	}
	set_bp(v, "c_coinsurance", f->coinsurance_bp);
	kit_set_money(v, "c_copay", f->copay);
	if (f->oop_max > 0) {
		kit_set_money(v, "c_oop_max", f->oop_max);
		kit_set_money(v, "c_oop_met", f->oop_met);
	}
	if (f->family_oop_max > 0) {
		kit_set_money(v, "c_family_oop_max", f->family_oop_max);
		kit_set_money(v, "c_family_oop_met", f->family_oop_met);
	}
}

void
estimate_view_header(struct tmpl_vars *v, const struct estimate *e)
{
	tmpl_set_int(v, "est_id", e->id);
	tmpl_set_int(v, "est_root", e->root_id);
	tmpl_set_int(v, "est_version", e->version);
	tmpl_set(v, "est_status", estimate_state_name(e->state));
	tmpl_set(v, "est_status_label", estimate_state_labels[e->state]);
	tmpl_set(v, "est_basis", est_basis_names[e->basis]);
	tmpl_set(v, "est_basis_label", basis_labels[e->basis]);
	tmpl_set_bool(v, "est_insured", e->basis != EST_SELF_PAY);
	tmpl_set_bool(v, "est_gfe", e->gfe);
	tmpl_set(v, "est_payer", e->payer_name);
	tmpl_set(v, "est_member", e->member_id);
	tmpl_set(v, "est_client", e->client_name);
	tmpl_set_int(v, "est_client_id", e->client_id);
	tmpl_set(v, "est_valid_until", e->valid_until);
	tmpl_set(v, "est_gfe_due", e->gfe_due);
	tmpl_set(v, "est_notes", e->notes);
	tmpl_set(v, "est_hash", e->content_hash);
	set_time(v, "est_created", e->created_at);
	set_time(v, "est_sent", e->sent_at);
	set_time(v, "est_viewed", e->viewed_at);
	if (e->invoice_id > 0)
		tmpl_set_int(v, "est_invoice_id", e->invoice_id);
	if (e->basis != EST_SELF_PAY)
		coverage_figures(v, e);
	tmpl_set_bool(v, "est_locked", e->state == ES_ACCEPTED);
}

void
estimate_view_breakdown(struct tmpl_vars *v, const struct estimate *e)
{
	const struct est_totals *t = &e->totals;

	for (size_t i = 0; i < e->nlines; i++) {
		const struct estimate_line *l = &e->lines[i];
		struct tmpl_vars *r = tmpl_loop_add(v, "blines");
		if (r == NULL)
			return;
		tmpl_set(r, "description", l->description);
		tmpl_set(r, "code", l->code);
		tmpl_set(r, "billing_code", l->billing_code);
		tmpl_set(r, "dx", l->diagnosis_code);
		tmpl_set(r, "date", l->service_date);
		tmpl_set_int(r, "quantity", l->c.quantity);
		kit_set_money(r, "rate", l->c.rate);
		kit_set_money(r, "allowed", l->c.allowed);
		kit_set_money(r, "deductible", l->c.deductible);
		kit_set_money(r, "coinsurance", l->c.coinsurance);
		kit_set_money(r, "copay", l->c.copay);
		kit_set_money(r, "discount", l->c.discount);
		kit_set_money(r, "patient", l->c.patient);
		kit_set_money(r, "insurer", l->c.insurer);
		tmpl_set_bool(r, "insured", e->basis != EST_SELF_PAY);
	}
	kit_set_money(v, "t_allowed", t->allowed);
	kit_set_money(v, "t_deductible", t->deductible);
	kit_set_money(v, "t_coinsurance", t->coinsurance);
	kit_set_money(v, "t_copay", t->copay);
	kit_set_money(v, "t_discount", t->discount);
	kit_set_money(v, "t_patient", t->patient);
	kit_set_money(v, "t_insurer", t->insurer);
}

static void
one_sig(struct tmpl_vars *v, const char *prefix, const struct estimate_sig *s)
{
	char k[48];

	if (!s->present)
		return;
	str_fmt(k, sizeof(k), "%s", prefix);
	tmpl_set_bool(v, k, 1);
	str_fmt(k, sizeof(k), "%s_name", prefix);
	tmpl_set(v, k, s->signer_name);
	str_fmt(k, sizeof(k), "%s_method", prefix);
	tmpl_set(v, k, s->method);
	str_fmt(k, sizeof(k), "%s_at", prefix);
	set_time(v, k, s->signed_at);
	str_fmt(k, sizeof(k), "%s_ip", prefix);
	tmpl_set(v, k, s->ip);
	str_fmt(k, sizeof(k), "%s_ua", prefix);
	tmpl_set(v, k, s->user_agent);
	str_fmt(k, sizeof(k), "%s_hash", prefix);
	tmpl_set(v, k, s->content_hash);
	if (s->png != NULL && s->png[0] != '\0') {
		str_fmt(k, sizeof(k), "%s_png", prefix);
		tmpl_setf(v, k, "data:image/png;base64,%s", s->png);
	}
}

void
estimate_view_signatures(struct tmpl_vars *v, const struct estimate *e)
{
	one_sig(v, "client_sig", &e->client_sig);
	one_sig(v, "staff_sig", &e->staff_sig);
}

void
estimate_view_gfe(struct tmpl_vars *v, const struct estimate *e)
{
	int64_t first = 0;

	tmpl_set(v, "gfe_patient", e->client_name);
	tmpl_set(v, "gfe_dob", e->birth_date);
	tmpl_set(v, "gfe_provider", e->provider_name);
	tmpl_set(v, "gfe_npi", e->provider_npi);
	tmpl_set(v, "gfe_tin", e->provider_tin);
	tmpl_set(v, "gfe_location", e->provider_location);
	tmpl_set(v, "gfe_dx", e->diagnosis_codes);
	tmpl_set(v, "gfe_separate", e->separate_items);
	tmpl_set(v, "gfe_scheduled", e->scheduled_on);
	tmpl_set_bool(v, "gfe_requested", e->gfe_requested);
	for (size_t i = 0; i < e->nlines; i++) {
		int64_t d;
		if (date_parse(e->lines[i].service_date, &d) == 0 &&
		    (first == 0 || d < first))
			first = d;
	}
	if (e->nlines > 0) {
		char day[11] = "";
		tmpl_set(v, "gfe_primary", e->lines[0].description);
		if (first > 0 && date_fmt(first, day, sizeof(day)) == 0)
			tmpl_set(v, "gfe_primary_date", day);
	}
}
