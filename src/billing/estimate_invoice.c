/* Accepted estimate -> draft invoice, and the Good Faith Estimate $400
 * check (see estimate.h). */
#include "common.h"

#include "clock.h"
#include "db.h"
#include "estimate.h"
#include "invoice.h"
#include "str.h"

/* Claims the conversion (invoice_id 0 = in progress) so two clicks make
 * one invoice. 1 claimed, 0 already converted or not accepted. */
static int
claim(struct db *db, int64_t id)
{
	struct db_param k[] = { DB_I64(id) };
	uint64_t n = 0;

	if (db_exec(db, "UPDATE estimates SET invoice_id = 0 WHERE id = ? AND "
	    "status = 'accepted' AND invoice_id IS NULL", k, 1, &n, NULL) != DB_OK)
		return -1;
	return n == 1;
}

static int
payment_type(struct db *db, enum est_basis b, int64_t *id)
{
	struct db_param k[] = { DB_STR(b == EST_SELF_PAY ? "self_pay" :
	    "insurance_pr") };

	if (db_query_i64(db, "SELECT id FROM payment_types WHERE code = ?", k, 1,
	    id) != DB_OK)
		return -1;
	if (*id == 0 && db_query_i64(db, "SELECT MIN(id) FROM payment_types", NULL,
	    0, id) != DB_OK)
		return -1;
	return 0;
}

static int
fill_invoice(struct db *db, const struct estimate *e, struct invoice *inv)
{
	char notes[120];

	memset(inv, 0, sizeof(*inv));
	inv->account_id = e->account_id;
	inv->client_id = e->client_id;
	if (payment_type(db, e->basis, &inv->payment_type_id) == -1)
		return -1;
	date_fmt(date_today(), inv->invoice_date, sizeof(inv->invoice_date));
	date_fmt(date_today() + 30, inv->due_date, sizeof(inv->due_date));
	str_fmt(notes, sizeof(notes), "From estimate %" PRId64 " (version %d).",
	    e->root_id, e->version);
	if ((inv->notes = str_dup(notes)) == NULL ||
	    (inv->lines = calloc(e->nlines, sizeof(*inv->lines))) == NULL)
		return -1;
	for (size_t i = 0; i < e->nlines; i++) {
		const struct estimate_line *l = &e->lines[i];
		struct invoice_line *il = &inv->lines[inv->nlines];
		if (l->c.patient == 0)
			continue;
		il->service_id = l->service_id;
		str_fmt(il->description, sizeof(il->description), "%s x %" PRId64
		    "%s%s (patient share)", l->description, l->c.quantity,
		    l->service_date[0] ? ", " : "", l->service_date);
		il->quantity = 1;
		il->rate = l->c.patient;
		il->dk = DISC_NONE;
		inv->nlines++;
	}
	return 0;
}

int
estimate_invoice_make(struct db *db, const struct actor *actor,
    const struct estimate *e, int64_t *invoice_id, char *msg, size_t msgsz)
{
	struct invoice inv;
	int rc;

	rc = fill_invoice(db, e, &inv) == 0 ? invoice_save_draft(db, actor, &inv,
	    msg, msgsz) : INV_DB;
	*invoice_id = inv.id;
	invoice_free(&inv);
	return rc;
}

int
estimate_to_invoice(struct db *db, const struct actor *actor, int64_t id,
    int64_t *invoice_id, char *msg, size_t msgsz)
{
	struct db_param k[] = { DB_I64(0), DB_I64(id) };
	struct estimate e;
	struct invoice inv;
	int rc;

	if ((rc = estimate_get(db, id, &e)) != EST_S_OK)
		return rc;
	if ((rc = claim(db, id)) != 1) {
		estimate_free(&e);
		str_copy(msg, msgsz, "Only an accepted estimate that was not "
		    "converted yet can become an invoice.");
		return rc == -1 ? EST_S_DB : EST_S_STATE;
	}
	rc = fill_invoice(db, &e, &inv) == 0 ? invoice_save_draft(db, actor, &inv,
	    msg, msgsz) : INV_DB;
	estimate_free(&e);
	*invoice_id = inv.id;
	invoice_free(&inv);
	k[0] = rc == INV_OK ? DB_I64(*invoice_id) : DB_NULL;
	if (db_exec(db, "UPDATE estimates SET invoice_id = ? WHERE id = ?", k, 2,
	    NULL, NULL) != DB_OK)
		return EST_S_DB;
	return rc == INV_OK ? EST_S_OK : rc == INV_INVALID ? EST_S_INVALID : EST_S_DB;
}

int
estimate_gfe_check(struct db *db, const struct estimate *e, int64_t *billed)
{
	struct db_param k[] = { DB_I64(e->client_id), DB_I64(e->created_at) };

	*billed = 0;
	if (!e->gfe || e->state == ES_DRAFT || e->state == ES_SUPERSEDED)
		return 0;
	if (db_query_i64(db, "SELECT COALESCE(SUM(l.amount), 0) FROM ledger_entries"
	    " l JOIN invoices i ON i.id = l.invoice_id WHERE i.client_id = ? AND "
	    "i.status = 'issued' AND i.issued_at >= ? AND l.kind IN ('charge', "
	    "'discount')", k, 2, billed) != DB_OK)
		return -1;
	return est_gfe_exceeded(e->totals.patient, *billed);
}

#define BILLED_SQL "(SELECT COALESCE(SUM(l.amount), 0) FROM ledger_entries l " \
	"JOIN invoices i ON i.id = l.invoice_id WHERE i.client_id = e.client_id " \
	"AND i.status = 'issued' AND i.issued_at >= e.created_at AND l.kind IN " \
	"('charge', 'discount'))"

static int
flags_query(struct db *db, const char *sql, const struct db_param *p, size_t np,
    struct estimate_flag **out, size_t *n)
{
	struct db_result r;

	*out = NULL;
	*n = 0;
	if (db_query(db, sql, p, np, &r) != DB_OK ||
	    (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)) {
		db_result_free(&r);
		return EST_S_DB;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct estimate_flag *f = &(*out)[i];
		f->id = db_i64(&r, i, 0);
		f->root_id = db_i64(&r, i, 1);
		f->client_id = db_i64(&r, i, 2);
		str_copy(f->client_name, sizeof(f->client_name), db_str(&r, i, 3));
		f->estimated = db_i64(&r, i, 4);
		f->billed = db_i64(&r, i, 5);
	}
	*n = r.nrows;
	db_result_free(&r);
	return EST_S_OK;
}

int
estimate_gfe_flags(struct db *db, int64_t account_id, struct estimate_flag **out,
    size_t *n)
{
	struct db_param k[] = { DB_I64(account_id), DB_I64(account_id),
	    DB_I64(EST_GFE_DISPUTE_CENTS) };

	return flags_query(db, "SELECT * FROM (SELECT e.id, COALESCE(e.root_id, "
	    "e.id) AS root, e.client_id, CONCAT(c.first_name, ' ', c.last_name) "
	    "AS name, e.patient_total, " BILLED_SQL " AS billed FROM estimates e JOIN "
	    "clients c ON c.id = e.client_id WHERE e.gfe = 1 AND e.status NOT IN "
	    "('draft', 'superseded', 'declined') AND (? = 0 OR e.account_id = ?)) "
	    "x WHERE x.billed - x.patient_total >= ? ORDER BY x.id DESC LIMIT 50",
	    k, ARRAY_LEN(k), out, n);
}

int
estimate_awaiting_countersign(struct db *db, struct estimate_flag **out,
    size_t *n)
{
	return flags_query(db, "SELECT e.id, COALESCE(e.root_id, e.id), "
	    "e.client_id, CONCAT(c.first_name, ' ', c.last_name), e.patient_total, "
	    "0 FROM estimates e JOIN clients c ON c.id = e.client_id WHERE "
	    "e.status = 'signed' ORDER BY e.id DESC LIMIT 50", NULL, 0, out, n);
}
