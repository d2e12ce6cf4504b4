/* Accepted estimate -> payment plan in one click (issues 10 and 11): the
 * estimate's patient total is billed (its invoice: the one already made
 * from it, else a new one with the estimate's lines) and a draft plan over
 * that invoice is made with terms inside the practice limits, for staff to
 * adjust and send. The conversion is claimed on the estimate row (plan_id
 * 0 = in progress), so a second click makes no second plan: it answers
 * with the first one. */
#include "common.h"

#include "clock.h"
#include "db.h"
#include "estimate.h"
#include "invoice.h"
#include "plan.h"
#include "store_estimate.h"
#include "str.h"

#define DEFAULT_INSTALLMENTS	6

/* 1 claimed, 0 not (see *plan_id: the plan made before, 0 = in progress
 * or not allowed), -1 database. */
static int
claim(struct db *db, int64_t id, int64_t *plan_id)
{
	int rc;

	*plan_id = 0;
	if ((rc = store_estimate_plan_claim(db, id)) != 0)
		return rc < 0 ? -1 : 1;
	return store_estimate_plan_id(db, id, plan_id) == DB_OK ? 0 : -1;
}

/* The estimate's invoice, made now when the claim set it to 0, and
 * issued (a plan needs what is open). */
static int
bill(struct db *db, const struct actor *actor, const struct estimate *e,
    int64_t *inv, char *msg, size_t msgsz)
{
	int rc;

	if (store_estimate_invoice_id(db, e->id, inv) != DB_OK)
		return INV_DB;
	if (*inv == 0 && (rc = estimate_invoice_make(db, actor, e, inv, msg,
	    msgsz)) != INV_OK)
		return rc;
	rc = invoice_issue(db, actor, *inv);
	return rc == INV_NOT_DRAFT ? INV_OK : rc;	/* issued already */
}

/* Terms inside the limits: the minimum down payment, then up to six
 * monthly installments of at least the minimum amount, from next month. */
static int
terms(struct db *db, int64_t total, struct plan_terms *t)
{
	struct plan_limits l;
	int64_t count = DEFAULT_INSTALLMENTS;

	if (plan_limits_get(db, &l) != PLAN_OK)
		return -1;
	memset(t, 0, sizeof(*t));
	t->down = (total * l.min_down_bp + 9999) / 10000;
	if (l.max_installments > 0 && count > l.max_installments)
		count = l.max_installments;
	if (l.min_installment > 0 && (total - t->down) / count < l.min_installment)
		count = (total - t->down) / l.min_installment;
	if (count < 1)
		count = 1;
	t->count = count;
	t->freq = PLAN_FREQ_MONTHLY;
	t->start = date_today() + 30;
	return 0;
}

static int
make_plan(struct db *db, const struct actor *actor, const struct estimate *e,
    int64_t inv, int64_t *plan_id, char *msg, size_t msgsz)
{
	struct plan_req q;
	struct plan_err err = { "", "" };
	int rc;

	memset(&q, 0, sizeof(q));
	q.account_id = e->account_id;
	q.client_id = e->client_id;
	q.invoice_ids = &inv;
	q.ninv = 1;
	q.override_reason = "";
	if (terms(db, e->totals.patient, &q.terms) == -1)
		return PLAN_DB;
	rc = plan_create(db, actor, &q, plan_id, &err);
	if (rc != PLAN_OK)
		str_copy(msg, msgsz, err.msg[0] ? err.msg :
		    "The payment plan could not be made.");
	return rc;
}

int
estimate_to_plan(struct db *db, const struct actor *actor, int64_t id,
    int64_t *plan_id, char *msg, size_t msgsz)
{
	struct estimate e;
	int64_t inv = 0;
	int rc;

	if ((rc = estimate_get(db, id, &e)) != EST_S_OK)
		return rc;
	if ((rc = claim(db, id, plan_id)) != 1) {
		estimate_free(&e);
		if (rc == 0 && *plan_id > 0)
			return EST_S_OK;	/* a second click: the first plan */
		str_copy(msg, msgsz, "Only an accepted estimate that was not "
		    "converted yet can become a payment plan.");
		return rc == -1 ? EST_S_DB : EST_S_STATE;
	}
	if (e.totals.patient <= 0) {
		str_copy(msg, msgsz, "The estimate has no patient total to pay.");
		rc = PLAN_INVALID;
	} else if ((rc = bill(db, actor, &e, &inv, msg, msgsz)) == INV_OK)
		rc = make_plan(db, actor, &e, inv, plan_id, msg, msgsz);
	else if (rc != INV_DB)
		rc = PLAN_INVALID;
	estimate_free(&e);
	/* on failure the claim is given back (the invoice, if made, stays) */
	if (store_estimate_plan_set(db, id, rc == PLAN_OK ? *plan_id : -1, inv) !=
	    DB_OK)
		return EST_S_DB;
	if (rc == PLAN_OK)
		return EST_S_OK;
	return rc == PLAN_DB || rc == INV_DB ? EST_S_DB : EST_S_INVALID;
}

int
estimate_plan_id(struct db *db, int64_t id, int64_t *plan_id)
{
	return store_estimate_plan_id(db, id, plan_id) == DB_OK ? EST_S_OK :
	    EST_S_DB;
}
