/* Estimates: reading (see store_estimate.h; writing in
 * store_estimate_save.c). */
#include "common.h"

#include "db.h"
#include "store_estimate.h"
#include "store_rows.h"
#include "str.h"

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

#define CPY(f)	str_copy(e->f, sizeof(e->f), db_str(r, i, k++))

static void
fig_from_row(const struct db_result *r, size_t i, size_t k,
    struct store_estimate_fig *f)
{
	f->deductible = db_i64(r, i, k++);
	f->deductible_met = db_i64(r, i, k++);
	f->family_deductible = db_i64(r, i, k++);
	f->family_deductible_met = db_i64(r, i, k++);
	f->coinsurance_bp = db_i64(r, i, k++);
	f->copay = db_i64(r, i, k++);
	f->oop_max = db_i64(r, i, k++);
	f->oop_met = db_i64(r, i, k++);
	f->family_oop_max = db_i64(r, i, k++);
	f->family_oop_met = db_i64(r, i, k);
}

static void
est_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_estimate *e = elem;
	size_t k = 0;

	memset(e, 0, sizeof(*e));
	e->id = db_i64(r, i, k++);
	e->root_id = db_i64(r, i, k++);
	e->version = (int)db_i64(r, i, k++);
	e->client_id = db_i64(r, i, k++);
	e->account_id = db_i64(r, i, k++);
	CPY(status);
	CPY(basis);
	e->coverage_id = db_i64(r, i, k++);
	CPY(payer_name);
	CPY(member_id);
	fig_from_row(r, i, k, &e->fig);
	k += 10;
	CPY(notes);
	CPY(valid_until);
	e->gfe = db_i64(r, i, k++) != 0;
	e->gfe_requested = db_i64(r, i, k++) != 0;
	CPY(scheduled_on);
	CPY(gfe_due);
	CPY(diagnosis_codes);
	CPY(separate_items);
	CPY(provider_name);
	CPY(provider_npi);
	CPY(provider_tin);
	CPY(provider_location);
	e->allowed_total = db_i64(r, i, k++);
	e->patient_total = db_i64(r, i, k++);
	e->insurer_total = db_i64(r, i, k++);
	CPY(content_hash);
	e->invoice_id = db_i64(r, i, k++);
	e->created_at = db_i64(r, i, k++);
	e->sent_at = db_i64(r, i, k++);
	e->viewed_at = db_i64(r, i, k++);
	CPY(client_name);
	CPY(birth_date);
	CPY(account_email);
}

int
store_estimate_get(struct db *db, int64_t id, struct store_estimate *e)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT " EST_COLS "WHERE e.id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		est_from_row(&r, 0, e);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_estimate_list(struct db *db, int64_t client_id, int64_t account_id,
    struct store_estimate **out, size_t *n)
{
	struct db_param k[] = { DB_I64(client_id), DB_I64(client_id),
	    DB_I64(account_id), DB_I64(account_id) };
	int rc;

	*out = store_rows_query(db, "SELECT " EST_COLS "WHERE (? > 0 AND"
	    " e.client_id = ?) OR (? > 0 AND e.account_id = ? AND e.status NOT IN"
	    " ('draft', 'superseded')) ORDER BY e.id DESC LIMIT 200", k, 4,
	    sizeof(**out), est_from_row, n, &rc);
	return rc;
}

static void
line_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_estimate_line *e = elem;
	size_t k = 0;

	e->service_id = db_i64(r, i, k++);
	CPY(code);
	CPY(billing_code);
	CPY(diagnosis_code);
	CPY(description);
	CPY(service_date);
	e->quantity = db_i64(r, i, k++);
	e->rate = db_i64(r, i, k++);
	e->copay_applies = db_i64(r, i, k++) != 0;
	e->discount_bp = db_i64(r, i, k++);
	e->allowed = db_i64(r, i, k++);
	e->deductible = db_i64(r, i, k++);
	e->coinsurance = db_i64(r, i, k++);
	e->copay = db_i64(r, i, k++);
	e->discount = db_i64(r, i, k++);
	e->patient = db_i64(r, i, k++);
	e->insurer = db_i64(r, i, k);
}

int
store_estimate_lines(struct db *db, int64_t id,
    struct store_estimate_line **out, size_t *n)
{
	struct db_param k[] = { DB_I64(id) };
	int rc;

	*out = store_rows_query(db, "SELECT COALESCE(service_id, 0), code,"
	    " billing_code, diagnosis_code, description, COALESCE(service_date,"
	    " ''), quantity, rate, copay_applies, discount_bp, allowed, deductible,"
	    " coinsurance, copay, discount, patient, insurer FROM estimate_lines"
	    " WHERE estimate_id = ? ORDER BY position", k, 1, sizeof(**out),
	    line_from_row, n, &rc);
	return rc;
}

static void
sig_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_estimate_sig *e = elem;
	size_t k = 0;

	e->id = db_i64(r, i, k++);
	CPY(role);
	CPY(signer_name);
	e->signer_id = db_i64(r, i, k++);
	CPY(method);
	e->png = db_isnull(r, i, k) ? NULL : str_dup(db_str(r, i, k));
	k++;
	e->path = db_isnull(r, i, k) ? NULL : str_dup(db_str(r, i, k));
	k++;
	CPY(content_hash);
	e->signed_at = db_i64(r, i, k++);
	CPY(ip);
	CPY(user_agent);
}

int
store_estimate_sigs(struct db *db, int64_t id, struct store_estimate_sig **out,
    size_t *n)
{
	struct db_param k[] = { DB_I64(id) };
	int rc;

	*out = store_rows_query(db, "SELECT id, role, signer_name, signer_id,"
	    " method, png, path, content_hash, signed_at, ip, user_agent FROM"
	    " estimate_signatures WHERE estimate_id = ? AND voided_at IS NULL"
	    " ORDER BY id", k, 1, sizeof(**out), sig_from_row, n, &rc);
	return rc;
}

void
store_estimate_sigs_free(struct store_estimate_sig *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].png);
		free(v[i].path);
	}
	free(v);
}

int
store_estimate_lock_head(struct db *db, int64_t id, char *status,
    size_t statussz, int64_t *root_id, int *version, int64_t *invoice_id)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT status, COALESCE(root_id, id), version, "
	    "COALESCE(invoice_id, -1) FROM estimates WHERE id = ? FOR UPDATE", k, 1,
	    &r);
	if (rc == DB_OK && r.nrows == 1) {
		str_copy(status, statussz, db_str(&r, 0, 0));
		*root_id = db_i64(&r, 0, 1);
		*version = (int)db_i64(&r, 0, 2);
		*invoice_id = db_i64(&r, 0, 3);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_estimate_lock(struct db *db, int64_t id)
{
	struct db_param k[] = { DB_I64(id) };
	int64_t n = 0;
	int rc;

	rc = db_query_i64(db, "SELECT id FROM estimates WHERE id = ? FOR "
	    "UPDATE", k, 1, &n);
	return rc != DB_OK ? rc : n != 0;
}

int
store_estimate_plan_id(struct db *db, int64_t id, int64_t *plan_id)
{
	struct db_param k[] = { DB_I64(id) };

	return db_query_i64(db, "SELECT COALESCE(plan_id, 0) FROM estimates WHERE "
	    "id = ?", k, 1, plan_id);
}

int
store_estimate_invoice_id(struct db *db, int64_t id, int64_t *invoice_id)
{
	struct db_param k[] = { DB_I64(id) };

	return db_query_i64(db, "SELECT invoice_id FROM estimates WHERE id = ?", k,
	    1, invoice_id);
}

int
store_estimate_billed_since(struct db *db, int64_t client_id, int64_t since,
    int64_t *billed)
{
	struct db_param k[] = { DB_I64(client_id), DB_I64(since) };

	return db_query_i64(db, "SELECT COALESCE(SUM(l.amount), 0) FROM "
	    "ledger_entries l JOIN invoices i ON i.id = l.invoice_id WHERE "
	    "i.client_id = ? AND i.status = 'issued' AND i.issued_at >= ? AND "
	    "l.kind IN ('charge', 'discount')", k, 2, billed);
}


void
store_estimate_flag_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_estimate_flag *f = elem;

	f->id = db_i64(r, i, 0);
	f->root_id = db_i64(r, i, 1);
	f->client_id = db_i64(r, i, 2);
	str_copy(f->client_name, sizeof(f->client_name), db_str(r, i, 3));
	f->estimated = db_i64(r, i, 4);
	f->billed = db_i64(r, i, 5);
}

static int
flag_id_desc(const void *a, const void *b)
{
	const struct store_estimate_flag *x = a, *y = b;

	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* GFE flags (parameters: account_id twice, dispute) and estimates waiting
 * for the countersignature, each newest first, at most 50. */
#define GFE_SQL STORE_GFE_SQL
#define SIGNED_SQL "SELECT e.id, COALESCE(e.root_id, e.id), " \
	"e.client_id, CONCAT(c.first_name, ' ', c.last_name), e.patient_total, " \
	"0, 2 FROM estimates e JOIN clients c ON c.id = e.client_id WHERE " \
	"e.status = 'signed' ORDER BY e.id DESC LIMIT 50"

int
store_estimate_gfe_flags(struct db *db, int64_t account_id, int64_t dispute,
    struct store_estimate_flag **out, size_t *n)
{
	struct db_param k[] = { DB_I64(account_id), DB_I64(account_id),
	    DB_I64(dispute) };
	int rc;

	*out = store_rows_query(db, GFE_SQL, k, ARRAY_LEN(k), sizeof(**out),
	    store_estimate_flag_from_row, n, &rc);
	return rc;
}

int
store_estimate_home(struct db *db, int64_t dispute,
    struct store_estimate_flag **gfe, size_t *ngfe,
    struct store_estimate_flag **sig, size_t *nsig)
{
	struct db_param k[] = { DB_I64(0), DB_I64(0), DB_I64(dispute) };
	struct store_rows_list l[] = {
		{ store_estimate_flag_from_row, flag_id_desc, sizeof(**gfe), (void **)gfe, ngfe },
		{ store_estimate_flag_from_row, flag_id_desc, sizeof(**sig), (void **)sig, nsig },
	};
	struct db_result r;
	int rc;

	*gfe = *sig = NULL;
	*ngfe = *nsig = 0;
	rc = db_query(db, "(SELECT g.*, 1 FROM (" GFE_SQL ") g) UNION ALL ("
	    SIGNED_SQL ")", k, ARRAY_LEN(k), &r);
	if (rc == DB_OK)
		rc = store_rows_split(&r, 6, l, ARRAY_LEN(l));
	db_result_free(&r);
	if (rc != DB_OK) {
		free(*gfe);
		free(*sig);
		*gfe = *sig = NULL;
		*ngfe = *nsig = 0;
	}
	return rc;
}

int
store_estimate_payment_type(struct db *db, const char *code, int64_t *id)
{
	struct db_param k[] = { DB_STR(code) };
	int rc;

	rc = db_query_i64(db, "SELECT id FROM payment_types WHERE code = ?", k, 1,
	    id);
	if (rc == DB_OK && *id == 0)
		rc = db_query_i64(db, "SELECT MIN(id) FROM payment_types", NULL, 0,
		    id);
	return rc;
}
