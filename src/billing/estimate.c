/* Estimates: pricing, storing and loading (see estimate.h). Signing and
 * the canonical content are in estimate_sign.c. */
#include "common.h"

#include "audit.h"
#include "catalog.h"
#include "clock.h"
#include "coverage.h"
#include "db.h"
#include "estimate.h"
#include "estimate_int.h"
#include "payer.h"
#include "profiles.h"
#include "store_estimate.h"
#include "str.h"

const char *const estimate_state_names[ES__MAX] = { "draft", "sent", "viewed",
    "signed", "accepted", "declined", "expired", "superseded" };
const char *const estimate_state_labels[ES__MAX] = { "Draft", "Sent", "Viewed",
    "Signed by client", "Accepted (countersigned)", "Declined", "Expired",
    "Superseded" };
const char *const est_basis_names[3] = { "in_network", "out_of_network",
    "self_pay" };

const char *
estimate_state_name(enum estimate_state s)
{
	return s < ES__MAX ? estimate_state_names[s] : "draft";
}

static enum estimate_state
state_parse(const char *s)
{
	for (int i = 0; i < ES__MAX; i++)
		if (strcmp(s, estimate_state_names[i]) == 0)
			return (enum estimate_state)i;
	return ES_DRAFT;
}

static enum est_basis
basis_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, est_basis_names[i]) == 0)
			return (enum est_basis)i;
	return EST_SELF_PAY;
}

static void
sig_free(struct estimate_sig *s)
{
	free(s->png);
	free(s->path);
	s->png = s->path = NULL;
}

void
estimate_free(struct estimate *e)
{
	free(e->lines);
	e->lines = NULL;
	e->nlines = 0;
	sig_free(&e->client_sig);
	sig_free(&e->staff_sig);
}

static int
fail(char *msg, size_t msgsz, char *field, size_t fieldsz, const char *f,
    const char *m)
{
	str_copy(msg, msgsz, m);
	if (field != NULL)
		str_copy(field, fieldsz, f);
	return EST_S_INVALID;
}

/* --- pricing -------------------------------------------------------------- */

static int
price_coverage(struct db *db, struct estimate *e, struct coverage *cov,
    char *msg, size_t msgsz, char *field, size_t fieldsz)
{
	int rc;

	memset(cov, 0, sizeof(*cov));
	if (e->coverage_id == 0) {
		e->basis = EST_SELF_PAY;
		e->payer_name[0] = e->member_id[0] = '\0';
		memset(&e->fig, 0, sizeof(e->fig));
		return EST_S_OK;
	}
	if ((rc = coverage_get(db, e->coverage_id, cov)) == COV_DB)
		return EST_S_DB;
	if (rc != COV_OK || cov->client_id != e->client_id)
		return fail(msg, msgsz, field, fieldsz, "coverage_id",
		    "That coverage does not belong to this client.");
	for (size_t i = 0; i < e->nlines; i++) {
		const char *d = e->lines[i].service_date;
		char f[40];
		if (d[0] == '\0' || (strcmp(d, cov->effective_from) >= 0 &&
		    (cov->effective_to[0] == '\0' || strcmp(d, cov->effective_to) <= 0)))
			continue;
		str_fmt(f, sizeof(f), "lines[%zu].service_date", i);
		return fail(msg, msgsz, field, fieldsz, f, "A date of service is "
		    "outside the coverage's effective dates: choose another "
		    "coverage or self-pay.");
	}
	e->fig = cov->fig;
	e->basis = cov->fig.in_network ? EST_IN_NETWORK : EST_OUT_OF_NETWORK;
	str_copy(e->payer_name, sizeof(e->payer_name), cov->payer_name);
	str_copy(e->member_id, sizeof(e->member_id), cov->member_id);
	return EST_S_OK;
}

static int
price_line(struct db *db, struct estimate *e, const struct coverage *cov,
    size_t i, char *msg, size_t msgsz, char *field, size_t fieldsz)
{
	struct estimate_line *l = &e->lines[i];
	struct service_pricing p;
	int rc;

	rc = pricing_get(db, cov->payer_id, l->service_id, &p);
	if (rc == PAYER_DB)
		return EST_S_DB;
	if (rc != PAYER_OK) {
		char f[40];
		str_fmt(f, sizeof(f), "lines[%zu].service_id", i);
		return fail(msg, msgsz, field, fieldsz, f, "No such service.");
	}
	str_copy(l->code, sizeof(l->code), p.code);
	str_copy(l->billing_code, sizeof(l->billing_code), p.billing_code);
	if (l->description[0] == '\0')
		str_copy(l->description, sizeof(l->description), p.name);
	l->c.rate = est_rate_pick(e->basis, p.standard, p.contracted, p.self_pay);
	l->c.discount_bp = e->basis == EST_SELF_PAY ? p.discount_bp : 0;
	l->c.copay_applies = e->basis != EST_SELF_PAY &&
	    coverage_copay_applies(cov, p.code);
	return EST_S_OK;
}

/* GFE facts: the provider (the client's location, else the organization)
 * and the due date counted from when it was scheduled or asked for. */
static int
price_gfe(struct db *db, struct estimate *e)
{
	struct provider_info pi;
	struct client cl;
	struct location loc;
	int64_t from, svc = 0, due;

	e->gfe = e->basis == EST_SELF_PAY;
	if (!e->gfe)
		return EST_S_OK;
	memset(&loc, 0, sizeof(loc));
	if (client_get(db, e->client_id, &cl) != PROF_OK)
		return EST_S_DB;
	if (cl.location_id != 0 && location_get(db, cl.location_id, &loc) == CAT_DB)
		return EST_S_DB;
	if (provider_get(db, cl.location_id, &pi) != PAYER_OK)
		return EST_S_DB;
	str_copy(e->provider_name, sizeof(e->provider_name), pi.name);
	str_copy(e->provider_npi, sizeof(e->provider_npi), pi.npi);
	str_copy(e->provider_tin, sizeof(e->provider_tin), pi.tin);
	str_fmt(e->provider_location, sizeof(e->provider_location), "%s%s%s",
	    loc.name, loc.name[0] && loc.address[0] ? ", " : "", loc.address);
	if (e->scheduled_on[0] == '\0' || date_parse(e->scheduled_on, &from) == -1)
		from = date_today();
	for (size_t i = 0; i < e->nlines; i++) {
		int64_t d;
		if (date_parse(e->lines[i].service_date, &d) == 0 &&
		    (svc == 0 || d < svc))
			svc = d;
	}
	due = est_gfe_due(from, svc, e->gfe_requested || svc == 0);
	e->gfe_due[0] = '\0';
	if (due >= 0)
		date_fmt(due, e->gfe_due, sizeof(e->gfe_due));
	return EST_S_OK;
}

int
estimate_price(struct db *db, struct estimate *e, char *msg, size_t msgsz,
    char *field, size_t fieldsz)
{
	struct coverage cov;
	struct est_line *cl;
	size_t bad;
	int rc;

	if (e->nlines == 0)
		return fail(msg, msgsz, field, fieldsz, "lines",
		    "An estimate needs at least one service.");
	if (e->nlines > ESTIMATE_MAX_LINES)
		return fail(msg, msgsz, field, fieldsz, "lines", "Too many lines.");
	if ((rc = price_coverage(db, e, &cov, msg, msgsz, field, fieldsz)) != 0)
		return rc;
	for (size_t i = 0; i < e->nlines; i++)
		if ((rc = price_line(db, e, &cov, i, msg, msgsz, field, fieldsz)) != 0)
			return rc;
	if ((cl = calloc(e->nlines, sizeof(*cl))) == NULL)
		return EST_S_DB;
	for (size_t i = 0; i < e->nlines; i++)
		cl[i] = e->lines[i].c;
	rc = e->basis == EST_SELF_PAY ? est_calc_self_pay(cl, e->nlines,
	    &e->totals, &bad) : est_calc(&e->fig, cl, e->nlines, &e->totals, &bad);
	for (size_t i = 0; rc == EST_OK && i < e->nlines; i++)
		e->lines[i].c = cl[i];
	free(cl);
	if (rc != EST_OK) {
		char f[40];
		str_fmt(f, sizeof(f), "lines[%zu].quantity", bad == SIZE_MAX ? 0 : bad);
		return fail(msg, msgsz, field, fieldsz, f, est_calc_strerror(rc));
	}
	return price_gfe(db, e);
}

/* --- loading -------------------------------------------------------------- */

/* The fields an estimate shares with the store's row, copied one way or
 * the other by the same lists (billing headers do not see the store's). */
#define EST_TEXT(X) X(payer_name) X(member_id) X(notes) X(valid_until) \
	X(scheduled_on) X(gfe_due) X(diagnosis_codes) X(separate_items) \
	X(provider_name) X(provider_npi) X(provider_tin) X(provider_location)
#define EST_NUM(X) X(id) X(root_id) X(version) X(client_id) X(account_id) \
	X(coverage_id) X(gfe) X(gfe_requested)
#define EST_FIG(X) X(deductible) X(deductible_met) X(family_deductible) \
	X(family_deductible_met) X(coinsurance_bp) X(copay) X(oop_max) \
	X(oop_met) X(family_oop_max) X(family_oop_met)
#define LINE_TEXT(X) X(code) X(billing_code) X(diagnosis_code) \
	X(description) X(service_date)
#define LINE_NUM(X) X(quantity) X(rate) X(copay_applies) X(discount_bp) \
	X(allowed) X(deductible) X(coinsurance) X(copay) X(discount) \
	X(patient) X(insurer)

#define TEXT_TO(to, from, f)	str_copy(to->f, sizeof(to->f), from->f);

static void
est_from_store(const struct store_estimate *s, struct estimate *e)
{
	memset(e, 0, sizeof(*e));
#define X(f)	TEXT_TO(e, s, f)
	EST_TEXT(X) X(content_hash) X(client_name) X(birth_date) X(account_email)
#undef X
#define X(f)	e->f = s->f;
	EST_NUM(X) X(invoice_id) X(created_at) X(sent_at) X(viewed_at)
#undef X
#define X(f)	e->fig.f = s->fig.f;
	EST_FIG(X)
#undef X
	e->state = state_parse(s->status);
	e->basis = basis_parse(s->basis);
	e->fig.in_network = e->basis == EST_IN_NETWORK;
	e->totals.allowed = s->allowed_total;
	e->totals.patient = s->patient_total;
	e->totals.insurer = s->insurer_total;
}

void
estimate_to_store(const struct estimate *e, struct store_estimate *s)
{
	memset(s, 0, sizeof(*s));
#define X(f)	TEXT_TO(s, e, f)
	EST_TEXT(X)
#undef X
#define X(f)	s->f = e->f;
	EST_NUM(X)
#undef X
#define X(f)	s->fig.f = e->fig.f;
	EST_FIG(X)
#undef X
	str_copy(s->basis, sizeof(s->basis), est_basis_names[e->basis]);
	s->allowed_total = e->totals.allowed;
	s->patient_total = e->totals.patient;
	s->insurer_total = e->totals.insurer;
}

static void
line_from_store(const struct store_estimate_line *s, struct estimate_line *e)
{
	e->service_id = s->service_id;
#define X(f)	TEXT_TO(e, s, f)
	LINE_TEXT(X)
#undef X
#define X(f)	e->c.f = s->f;
	LINE_NUM(X)
#undef X
}

void
estimate_line_to_store(const struct estimate_line *e,
    struct store_estimate_line *s)
{
	s->service_id = e->service_id;
#define X(f)	TEXT_TO(s, e, f)
	LINE_TEXT(X)
#undef X
#define X(f)	s->f = e->c.f;
	LINE_NUM(X)
#undef X
}

static int
lines_load(struct db *db, struct estimate *e)
{
	struct store_estimate_line *v;
	size_t n;

	if (store_estimate_lines(db, e->id, &v, &n) != DB_OK)
		return EST_S_DB;
	if (n > 0 && (e->lines = calloc(n, sizeof(*e->lines))) == NULL) {
		free(v);
		return EST_S_DB;
	}
	for (size_t i = 0; i < n; i++) {
		struct estimate_line *l = &e->lines[i];
		line_from_store(&v[i], l);
		e->totals.deductible += l->c.deductible;
		e->totals.coinsurance += l->c.coinsurance;
		e->totals.copay += l->c.copay;
		e->totals.discount += l->c.discount;
	}
	e->nlines = n;
	free(v);
	return EST_S_OK;
}

/* The current signatures; the store's png and path move into ours. */
static int
sigs_load(struct db *db, struct estimate *e)
{
	struct store_estimate_sig *v;
	size_t n;

	if (store_estimate_sigs(db, e->id, &v, &n) != DB_OK)
		return EST_S_DB;
	for (size_t i = 0; i < n; i++) {
		struct estimate_sig *s = strcmp(v[i].role, "staff") == 0 ?
		    &e->staff_sig : &e->client_sig;
		sig_free(s);
		s->id = v[i].id;
		s->present = 1;
		str_copy(s->signer_name, sizeof(s->signer_name), v[i].signer_name);
		s->signer_id = v[i].signer_id;
		str_copy(s->method, sizeof(s->method), v[i].method);
		s->png = v[i].png;
		s->path = v[i].path;
		v[i].png = v[i].path = NULL;
		str_copy(s->content_hash, sizeof(s->content_hash),
		    v[i].content_hash);
		s->signed_at = v[i].signed_at;
		str_copy(s->ip, sizeof(s->ip), v[i].ip);
		str_copy(s->user_agent, sizeof(s->user_agent), v[i].user_agent);
	}
	store_estimate_sigs_free(v, n);
	return EST_S_OK;
}

/* A sent or viewed estimate past its validity date reads as expired. */
static int
expire(struct db *db, struct estimate *e)
{
	int64_t until;

	if ((e->state != ES_SENT && e->state != ES_VIEWED) ||
	    date_parse(e->valid_until, &until) == -1 || until >= date_today())
		return EST_S_OK;
	e->state = ES_EXPIRED;
	return store_estimate_expire(db, e->id) == DB_OK ? EST_S_OK : EST_S_DB;
}

int
estimate_get(struct db *db, int64_t id, struct estimate *e)
{
	struct store_estimate *s;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((s = malloc(sizeof(*s))) == NULL)
		return EST_S_DB;
	rc = store_estimate_get(db, id, s);
	if (rc == 1)
		est_from_store(s, e);
	free(s);
	rc = rc < 0 ? EST_S_DB : rc == 1 ? EST_S_OK : EST_S_NOT_FOUND;
	if (rc == EST_S_OK && ((rc = lines_load(db, e)) != EST_S_OK ||
	    (rc = sigs_load(db, e)) != EST_S_OK || (rc = expire(db, e)) != 0))
		estimate_free(e);
	return rc;
}

int
estimate_list(struct db *db, int64_t client_id, int64_t account_id,
    struct estimate **out, size_t *n)
{
	struct store_estimate *v;
	size_t nv;

	*out = NULL;
	*n = 0;
	if (store_estimate_list(db, client_id, account_id, &v, &nv) != DB_OK)
		return EST_S_DB;
	if (nv > 0 && (*out = calloc(nv, sizeof(**out))) == NULL) {
		free(v);
		return EST_S_DB;
	}
	for (size_t i = 0; i < nv; i++)
		est_from_store(&v[i], &(*out)[i]);
	*n = nv;
	free(v);
	return EST_S_OK;
}

void
estimate_list_free(struct estimate *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		estimate_free(&v[i]);
	free(v);
}
