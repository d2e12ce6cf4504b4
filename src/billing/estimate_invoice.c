/* Accepted estimate -> draft invoice, and the Good Faith Estimate $400
 * check (see estimate.h). */
#include "common.h"

#include "billing_conv.h"
#include "clock.h"
#include "db.h"
#include "estimate.h"
#include "invoice.h"
#include "store_estimate.h"
#include "str.h"

/* Claims the conversion (invoice_id 0 = in progress) so two clicks make
 * one invoice. 1 claimed, 0 already converted or not accepted. */
static int
claim(struct db *db, int64_t id)
{
	int rc = store_estimate_invoice_claim(db, id);

	return rc < 0 ? -1 : rc;
}

static int
payment_type(struct db *db, enum est_basis b, int64_t *id)
{
	return store_estimate_payment_type(db, b == EST_SELF_PAY ? "self_pay" :
	    "insurance_pr", id) == DB_OK ? 0 : -1;
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
	if (store_estimate_invoice_set(db, id, rc == INV_OK ? *invoice_id : 0) !=
	    DB_OK)
		return EST_S_DB;
	return rc == INV_OK ? EST_S_OK : rc == INV_INVALID ? EST_S_INVALID : EST_S_DB;
}

int
estimate_gfe_check(struct db *db, const struct estimate *e, int64_t *billed)
{
	*billed = 0;
	if (!e->gfe || e->state == ES_DRAFT || e->state == ES_SUPERSEDED)
		return 0;
	if (store_estimate_billed_since(db, e->client_id, e->created_at, billed)
	    != DB_OK)
		return -1;
	return est_gfe_exceeded(e->totals.patient, *billed);
}

/* The store's rows as ours; frees them. */
static int
flags_convert(int rc, struct store_estimate_flag *v, size_t nv,
    struct estimate_flag **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (rc == DB_OK && nv > 0 && (*out = calloc(nv, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < nv; i++) {
		struct estimate_flag *f = &(*out)[i];
		f->id = v[i].id;
		f->root_id = v[i].root_id;
		f->client_id = v[i].client_id;
		str_copy(f->client_name, sizeof(f->client_name), v[i].client_name);
		f->estimated = v[i].estimated;
		f->billed = v[i].billed;
	}
	free(v);
	if (rc != DB_OK)
		return EST_S_DB;
	*n = nv;
	return EST_S_OK;
}

int
estimate_flags_from_store(struct store_estimate_flag *v, size_t nv,
    struct estimate_flag **out, size_t *n)
{
	return flags_convert(DB_OK, v, nv, out, n);
}

int
estimate_gfe_flags(struct db *db, int64_t account_id, struct estimate_flag **out,
    size_t *n)
{
	struct store_estimate_flag *v;
	size_t nv;
	int rc;

	rc = store_estimate_gfe_flags(db, account_id, EST_GFE_DISPUTE_CENTS, &v,
	    &nv);
	return flags_convert(rc, v, nv, out, n);
}

int
estimate_home_flags(struct db *db, struct estimate_flag **gfe, size_t *ngfe,
    struct estimate_flag **awaiting, size_t *nawaiting)
{
	struct store_estimate_flag *g, *w;
	size_t ng, nw;
	int rc;

	rc = store_estimate_home(db, EST_GFE_DISPUTE_CENTS, &g, &ng, &w, &nw);
	if (rc != DB_OK)
		return EST_S_DB;
	rc = flags_convert(DB_OK, g, ng, gfe, ngfe);
	if (flags_convert(DB_OK, w, nw, awaiting, nawaiting) == EST_S_OK &&
	    rc == EST_S_OK)
		return EST_S_OK;
	free(*gfe);
	free(*awaiting);
	*gfe = *awaiting = NULL;
	*ngfe = *nawaiting = 0;
	return EST_S_DB;
}
