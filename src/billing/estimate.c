/* Estimates: pricing, storing and loading (see estimate.h). Signing and
 * the canonical content are in estimate_sign.c. */
#include "common.h"

#include "audit.h"
#include "catalog.h"
#include "clock.h"
#include "coverage.h"
#include "db.h"
#include "estimate.h"
#include "payer.h"
#include "profiles.h"
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

#define EST_COLS "e.id, COALESCE(e.root_id, e.id), e.version, e.client_id, " \
	"e.account_id, e.status, e.basis, COALESCE(e.coverage_id, 0), " \
	"e.payer_name, e.member_id, e.deductible, e.deductible_met, " \
	"e.family_deductible, e.family_deductible_met, e.coinsurance_bp, " \
	"e.copay, e.oop_max, e.oop_met, e.family_oop_max, e.family_oop_met, " \
	"e.notes, COALESCE(e.valid_until, ''), e.gfe, e.gfe_requested, " \
	"COALESCE(e.scheduled_on, ''), COALESCE(e.gfe_due, ''), " \
	"e.diagnosis_codes, e.separate_items, e.provider_name, e.provider_npi, " \
	"e.provider_tin, e.provider_location, e.allowed_total, e.patient_total, " \
	"e.insurer_total, COALESCE(e.content_hash, ''), " \
	"COALESCE(e.invoice_id, 0), e.created_at, COALESCE(e.sent_at, 0), " \
	"COALESCE(e.viewed_at, 0), CONCAT(c.first_name, ' ', c.last_name), " \
	"COALESCE(c.birth_date, ''), COALESCE(a.email, '') " \
	"FROM estimates e JOIN clients c ON c.id = e.client_id " \
	"JOIN accounts a ON a.id = e.account_id "

static void
est_from_row(const struct db_result *r, size_t i, struct estimate *e)
{
	struct est_coverage *f = &e->fig;
	size_t k = 0;

	memset(e, 0, sizeof(*e));
	e->id = db_i64(r, i, k++);
	e->root_id = db_i64(r, i, k++);
	e->version = (int)db_i64(r, i, k++);
	e->client_id = db_i64(r, i, k++);
	e->account_id = db_i64(r, i, k++);
	e->state = state_parse(db_str(r, i, k++));
	e->basis = basis_parse(db_str(r, i, k++));
	e->coverage_id = db_i64(r, i, k++);
	str_copy(e->payer_name, sizeof(e->payer_name), db_str(r, i, k++));
	str_copy(e->member_id, sizeof(e->member_id), db_str(r, i, k++));
	f->in_network = e->basis == EST_IN_NETWORK;
	f->deductible = db_i64(r, i, k++);
	f->deductible_met = db_i64(r, i, k++);
	f->family_deductible = db_i64(r, i, k++);
	f->family_deductible_met = db_i64(r, i, k++);
	f->coinsurance_bp = db_i64(r, i, k++);
	f->copay = db_i64(r, i, k++);
	f->oop_max = db_i64(r, i, k++);
	f->oop_met = db_i64(r, i, k++);
	f->family_oop_max = db_i64(r, i, k++);
	f->family_oop_met = db_i64(r, i, k++);
	str_copy(e->notes, sizeof(e->notes), db_str(r, i, k++));
	str_copy(e->valid_until, sizeof(e->valid_until), db_str(r, i, k++));
	e->gfe = db_i64(r, i, k++) != 0;
	e->gfe_requested = db_i64(r, i, k++) != 0;
	str_copy(e->scheduled_on, sizeof(e->scheduled_on), db_str(r, i, k++));
	str_copy(e->gfe_due, sizeof(e->gfe_due), db_str(r, i, k++));
	str_copy(e->diagnosis_codes, sizeof(e->diagnosis_codes), db_str(r, i, k++));
	str_copy(e->separate_items, sizeof(e->separate_items), db_str(r, i, k++));
	str_copy(e->provider_name, sizeof(e->provider_name), db_str(r, i, k++));
	str_copy(e->provider_npi, sizeof(e->provider_npi), db_str(r, i, k++));
	str_copy(e->provider_tin, sizeof(e->provider_tin), db_str(r, i, k++));
	str_copy(e->provider_location, sizeof(e->provider_location),
	    db_str(r, i, k++));
	e->totals.allowed = db_i64(r, i, k++);
	e->totals.patient = db_i64(r, i, k++);
	e->totals.insurer = db_i64(r, i, k++);
	str_copy(e->content_hash, sizeof(e->content_hash), db_str(r, i, k++));
	e->invoice_id = db_i64(r, i, k++);
	e->created_at = db_i64(r, i, k++);
	e->sent_at = db_i64(r, i, k++);
	e->viewed_at = db_i64(r, i, k++);
	str_copy(e->client_name, sizeof(e->client_name), db_str(r, i, k++));
	str_copy(e->birth_date, sizeof(e->birth_date), db_str(r, i, k++));
	str_copy(e->account_email, sizeof(e->account_email), db_str(r, i, k++));
}

static int
lines_load(struct db *db, struct estimate *e)
{
	struct db_param k[] = { DB_I64(e->id) };
	struct db_result r;

	if (db_query(db, "SELECT COALESCE(service_id, 0), code, billing_code, "
	    "diagnosis_code, description, COALESCE(service_date, ''), quantity, "
	    "rate, copay_applies, discount_bp, allowed, deductible, coinsurance, "
	    "copay, discount, patient, insurer FROM estimate_lines WHERE "
	    "estimate_id = ? ORDER BY position", k, 1, &r) != DB_OK ||
	    (r.nrows > 0 && (e->lines = calloc(r.nrows, sizeof(*e->lines))) == NULL)) {
		db_result_free(&r);
		return EST_S_DB;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct estimate_line *l = &e->lines[i];
		l->service_id = db_i64(&r, i, 0);
		str_copy(l->code, sizeof(l->code), db_str(&r, i, 1));
		str_copy(l->billing_code, sizeof(l->billing_code), db_str(&r, i, 2));
		str_copy(l->diagnosis_code, sizeof(l->diagnosis_code), db_str(&r, i, 3));
		str_copy(l->description, sizeof(l->description), db_str(&r, i, 4));
		str_copy(l->service_date, sizeof(l->service_date), db_str(&r, i, 5));
		l->c.quantity = db_i64(&r, i, 6);
		l->c.rate = db_i64(&r, i, 7);
		l->c.copay_applies = db_i64(&r, i, 8) != 0;
		l->c.discount_bp = db_i64(&r, i, 9);
		l->c.allowed = db_i64(&r, i, 10);
		l->c.deductible = db_i64(&r, i, 11);
		l->c.coinsurance = db_i64(&r, i, 12);
		l->c.copay = db_i64(&r, i, 13);
		l->c.discount = db_i64(&r, i, 14);
		l->c.patient = db_i64(&r, i, 15);
		l->c.insurer = db_i64(&r, i, 16);
		e->totals.deductible += l->c.deductible;
		e->totals.coinsurance += l->c.coinsurance;
		e->totals.copay += l->c.copay;
		e->totals.discount += l->c.discount;
	}
	e->nlines = r.nrows;
	db_result_free(&r);
	return EST_S_OK;
}

static int
sigs_load(struct db *db, struct estimate *e)
{
	struct db_param k[] = { DB_I64(e->id) };
	struct db_result r;

	if (db_query(db, "SELECT id, role, signer_name, signer_id, method, png, "
	    "path, content_hash, signed_at, ip, user_agent FROM "
	    "estimate_signatures WHERE estimate_id = ? AND voided_at IS NULL "
	    "ORDER BY id", k, 1, &r) != DB_OK) {
		db_result_free(&r);
		return EST_S_DB;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct estimate_sig *s = strcmp(db_str(&r, i, 1), "staff") == 0 ?
		    &e->staff_sig : &e->client_sig;
		sig_free(s);
		s->id = db_i64(&r, i, 0);
		s->present = 1;
		str_copy(s->signer_name, sizeof(s->signer_name), db_str(&r, i, 2));
		s->signer_id = db_i64(&r, i, 3);
		str_copy(s->method, sizeof(s->method), db_str(&r, i, 4));
		s->png = db_isnull(&r, i, 5) ? NULL : str_dup(db_str(&r, i, 5));
		s->path = db_isnull(&r, i, 6) ? NULL : str_dup(db_str(&r, i, 6));
		str_copy(s->content_hash, sizeof(s->content_hash), db_str(&r, i, 7));
		s->signed_at = db_i64(&r, i, 8);
		str_copy(s->ip, sizeof(s->ip), db_str(&r, i, 9));
		str_copy(s->user_agent, sizeof(s->user_agent), db_str(&r, i, 10));
	}
	db_result_free(&r);
	return EST_S_OK;
}

/* A sent or viewed estimate past its validity date reads as expired. */
static int
expire(struct db *db, struct estimate *e)
{
	int64_t until;
	struct db_param k[] = { DB_I64(e->id) };

	if ((e->state != ES_SENT && e->state != ES_VIEWED) ||
	    date_parse(e->valid_until, &until) == -1 || until >= date_today())
		return EST_S_OK;
	e->state = ES_EXPIRED;
	return db_exec(db, "UPDATE estimates SET status = 'expired' WHERE id = ? "
	    "AND status IN ('sent', 'viewed')", k, 1, NULL, NULL) == DB_OK ?
	    EST_S_OK : EST_S_DB;
}

int
estimate_get(struct db *db, int64_t id, struct estimate *e)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = db_query(db, "SELECT " EST_COLS "WHERE e.id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1)
		est_from_row(&r, 0, e);
	rc = rc != DB_OK ? EST_S_DB : r.nrows == 1 ? EST_S_OK : EST_S_NOT_FOUND;
	db_result_free(&r);
	if (rc == EST_S_OK && ((rc = lines_load(db, e)) != EST_S_OK ||
	    (rc = sigs_load(db, e)) != EST_S_OK || (rc = expire(db, e)) != 0))
		estimate_free(e);
	return rc;
}

int
estimate_list(struct db *db, int64_t client_id, int64_t account_id,
    struct estimate **out, size_t *n)
{
	struct db_param k[] = { DB_I64(client_id), DB_I64(client_id),
	    DB_I64(account_id), DB_I64(account_id) };
	struct db_result r;

	*out = NULL;
	*n = 0;
	if (db_query(db, "SELECT " EST_COLS "WHERE (? > 0 AND e.client_id = ?) OR "
	    "(? > 0 AND e.account_id = ? AND e.status NOT IN ('draft', "
	    "'superseded')) ORDER BY e.id DESC LIMIT 200", k, 4, &r) != DB_OK ||
	    (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)) {
		db_result_free(&r);
		return EST_S_DB;
	}
	for (size_t i = 0; i < r.nrows; i++)
		est_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	db_result_free(&r);
	return EST_S_OK;
}

void
estimate_list_free(struct estimate *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		estimate_free(&v[i]);
	free(v);
}
