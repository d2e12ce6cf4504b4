/* Estimates: writing (see store_estimate.h). */
#include "common.h"

#include "db.h"
#include "store_estimate.h"

#define NCONTENT	31

static const char *
date_or_null(const char *s)
{
	return s[0] ? s : NULL;
}

int
store_estimate_insert(struct db *db, const struct store_estimate *e,
    int64_t created_by, int64_t now, int64_t *id)
{
	struct db_param p[] = { e->root_id ? DB_I64(e->root_id) : DB_NULL,
	    DB_I64(e->version), DB_I64(e->client_id), DB_I64(e->account_id),
	    created_by ? DB_I64(created_by) : DB_NULL, DB_I64(now), DB_I64(now),
	    DB_STR(e->basis) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO estimates (root_id, version, client_id, "
	    "account_id, created_by, created_at, updated_at, basis, notes, "
	    "separate_items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '')", p,
	    ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

static void
content_params(const struct store_estimate *e, int64_t now, struct db_param *p)
{
	const struct store_estimate_fig *f = &e->fig;
	size_t k = 0;

	p[k++] = DB_STR("draft");
	p[k++] = DB_STR(e->basis);
	p[k++] = e->coverage_id ? DB_I64(e->coverage_id) : DB_NULL;
	p[k++] = DB_STR(e->payer_name);
	p[k++] = DB_STR(e->member_id);
	p[k++] = DB_I64(f->deductible);
	p[k++] = DB_I64(f->deductible_met);
	p[k++] = DB_I64(f->family_deductible);
	p[k++] = DB_I64(f->family_deductible_met);
	p[k++] = DB_I64(f->coinsurance_bp);
	p[k++] = DB_I64(f->copay);
	p[k++] = DB_I64(f->oop_max);
	p[k++] = DB_I64(f->oop_met);
	p[k++] = DB_I64(f->family_oop_max);
	p[k++] = DB_I64(f->family_oop_met);
	p[k++] = DB_STR(e->notes);
	p[k++] = DB_STRN(date_or_null(e->valid_until));
	p[k++] = DB_I64(e->gfe);
	p[k++] = DB_I64(e->gfe_requested);
	p[k++] = DB_STRN(date_or_null(e->scheduled_on));
	p[k++] = DB_STRN(date_or_null(e->gfe_due));
	p[k++] = DB_STR(e->diagnosis_codes);
	p[k++] = DB_STR(e->separate_items);
	p[k++] = DB_STR(e->provider_name);
	p[k++] = DB_STR(e->provider_npi);
	p[k++] = DB_STR(e->provider_tin);
	p[k++] = DB_STR(e->provider_location);
	p[k++] = DB_I64(e->allowed_total);
	p[k++] = DB_I64(e->patient_total);
	p[k++] = DB_I64(e->insurer_total);
	p[k++] = DB_I64(now);
}

/* At most 32 parameters per statement: the insert stores the keys and this
 * update the content. */
int
store_estimate_content_set(struct db *db, const struct store_estimate *e,
    int64_t now)
{
	struct db_param p[NCONTENT + 1];

	content_params(e, now, p);
	p[NCONTENT] = DB_I64(e->id);
	return db_exec(db, "UPDATE estimates SET status = ?, basis = ?, coverage_id "
	    "= ?, payer_name = ?, member_id = ?, deductible = ?, deductible_met = "
	    "?, family_deductible = ?, family_deductible_met = ?, coinsurance_bp ="
	    " ?, copay = ?, oop_max = ?, oop_met = ?, family_oop_max = ?, "
	    "family_oop_met = ?, notes = ?, valid_until = ?, gfe = ?, "
	    "gfe_requested = ?, scheduled_on = ?, gfe_due = ?, diagnosis_codes = "
	    "?, separate_items = ?, provider_name = ?, provider_npi = ?, "
	    "provider_tin = ?, provider_location = ?, allowed_total = ?, "
	    "patient_total = ?, insurer_total = ?, updated_at = ? WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_estimate_lines_insert(struct db *db, int64_t id,
    const struct store_estimate_line *v, size_t n)
{
	int rc = DB_OK;

	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		const struct store_estimate_line *l = &v[i];
		struct db_param p[] = { DB_I64(id), DB_I64((int64_t)i + 1),
		    l->service_id ? DB_I64(l->service_id) : DB_NULL, DB_STR(l->code),
		    DB_STR(l->billing_code), DB_STR(l->diagnosis_code),
		    DB_STR(l->description), DB_STRN(date_or_null(l->service_date)),
		    DB_I64(l->quantity), DB_I64(l->rate), DB_I64(l->copay_applies),
		    DB_I64(l->discount_bp), DB_I64(l->allowed),
		    DB_I64(l->deductible), DB_I64(l->coinsurance), DB_I64(l->copay),
		    DB_I64(l->discount), DB_I64(l->patient), DB_I64(l->insurer) };
		rc = db_exec(db, "INSERT INTO estimate_lines (estimate_id, position, "
		    "service_id, code, billing_code, diagnosis_code, description, "
		    "service_date, quantity, rate, copay_applies, discount_bp, "
		    "allowed, deductible, coinsurance, copay, discount, patient, "
		    "insurer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		    " ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
	}
	return rc;
}

int
store_estimate_lines_delete(struct db *db, int64_t id)
{
	struct db_param k[] = { DB_I64(id) };

	return db_exec(db, "DELETE FROM estimate_lines WHERE estimate_id = ?",
	    k, 1, NULL, NULL);
}

int
store_estimate_supersede(struct db *db, int64_t id, int64_t now)
{
	struct db_param k[] = { DB_I64(now), DB_I64(id) };
	int rc;

	if ((rc = db_exec(db, "UPDATE estimates SET status = 'superseded' WHERE "
	    "id = ?", k + 1, 1, NULL, NULL)) != DB_OK)
		return rc;
	return db_exec(db, "UPDATE estimate_signatures SET voided_at = ? WHERE "
	    "estimate_id = ? AND voided_at IS NULL", k, 2, NULL, NULL);
}

int
store_estimate_set_status(struct db *db, int64_t id, const char *status,
    int sent, int64_t now)
{
	struct db_param k[] = { DB_STR(status), DB_I64(now), DB_I64(id) };

	return db_exec(db, sent ? "UPDATE estimates SET status = ?, sent_at = ? "
	    "WHERE id = ?" : "UPDATE estimates SET status = ?, updated_at = ? "
	    "WHERE id = ?", k, 3, NULL, NULL);
}

int
store_estimate_viewed(struct db *db, int64_t id, int64_t now)
{
	struct db_param k[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE estimates SET status = 'viewed', viewed_at = ? "
	    "WHERE id = ? AND status = 'sent'", k, 2, NULL, NULL);
}

int
store_estimate_expire(struct db *db, int64_t id)
{
	struct db_param k[] = { DB_I64(id) };

	return db_exec(db, "UPDATE estimates SET status = 'expired' WHERE id = ? "
	    "AND status IN ('sent', 'viewed')", k, 1, NULL, NULL);
}

int
store_estimate_signed(struct db *db, int64_t id, const char *content_hash)
{
	struct db_param k[] = { DB_STR(content_hash), DB_I64(id) };

	return db_exec(db, "UPDATE estimates SET status = 'signed', "
	    "content_hash = ? WHERE id = ?", k, 2, NULL, NULL);
}

int
store_estimate_sig_insert(struct db *db, int64_t id,
    const struct store_estimate_sig *s)
{
	struct db_param p[] = { DB_I64(id), DB_STR(s->role),
	    DB_STR(s->signer_name), DB_I64(s->signer_id), DB_STR(s->method),
	    DB_STRN(s->png), DB_STRN(s->path), DB_STR(s->content_hash),
	    DB_I64(s->signed_at), DB_STR(s->ip), DB_STR(s->user_agent) };

	return db_exec(db, "INSERT INTO estimate_signatures (estimate_id, role, "
	    "signer_name, signer_id, method, png, path, agreed, content_hash, "
	    "signed_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

/* 1 when the statement changed one row, 0 when none, or < 0. */
static int
claimed(struct db *db, const char *sql, int64_t id)
{
	struct db_param k[] = { DB_I64(id) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, sql, k, 1, &n, NULL);
	return rc != DB_OK ? rc : n == 1;
}

int
store_estimate_invoice_claim(struct db *db, int64_t id)
{
	return claimed(db, "UPDATE estimates SET invoice_id = 0 WHERE id = ? AND "
	    "status = 'accepted' AND invoice_id IS NULL", id);
}

int
store_estimate_invoice_set(struct db *db, int64_t id, int64_t invoice_id)
{
	struct db_param k[] = { invoice_id > 0 ? DB_I64(invoice_id) : DB_NULL,
	    DB_I64(id) };

	return db_exec(db, "UPDATE estimates SET invoice_id = ? WHERE id = ?", k, 2,
	    NULL, NULL);
}

int
store_estimate_plan_claim(struct db *db, int64_t id)
{
	return claimed(db, "UPDATE estimates SET plan_id = 0, invoice_id = "
	    "IF(invoice_id IS NULL, 0, invoice_id) WHERE id = ? AND status = "
	    "'accepted' AND plan_id IS NULL AND (invoice_id IS NULL OR "
	    "invoice_id > 0)", id);
}

int
store_estimate_plan_set(struct db *db, int64_t id, int64_t plan_id,
    int64_t invoice_id)
{
	struct db_param u[] = { plan_id >= 0 ? DB_I64(plan_id) : DB_NULL,
	    invoice_id > 0 ? DB_I64(invoice_id) : DB_NULL, DB_I64(id) };

	return db_exec(db, "UPDATE estimates SET plan_id = ?, invoice_id = "
	    "COALESCE(?, IF(invoice_id = 0, NULL, invoice_id)) WHERE id = ?", u, 3,
	    NULL, NULL);
}
