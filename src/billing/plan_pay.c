/* Payment plans paid in the portal: what "Pay next installment now" and
 * "Pay off the plan" come to, and which installments a started payment
 * pays. The payment itself goes through the portal's ordinary flow. */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "plan_int.h"
#include "store_plan.h"
#include "str.h"

/* What `want` comes to on the invoices the plan's money goes to (oldest
 * due first, each up to what it has open). */
static int
pay_fill(struct db *db, const struct plan *p, int64_t want, struct plan_pay *out)
{
	struct store_plan_inv *v;
	size_t n;
	int rc = store_plan_pay_targets(db, p->by_invoices, p->id, p->account_id,
	    p->client_id, &v, &n);

	for (size_t i = 0; rc == DB_OK && i < n && want > 0 &&
	    out->n < PLAN_MAX_INVOICES; i++) {
		int64_t take = v[i].open < want ? v[i].open : want;

		out->invoice_ids[out->n] = v[i].id;
		str_copy(out->numbers[out->n], sizeof(out->numbers[0]), v[i].number);
		out->amounts[out->n++] = take;
		out->total += take;
		want -= take;
	}
	free(v);
	return rc;
}

static int64_t
amount_of(const struct plan *p, enum plan_pay_what what)
{
	int64_t sum = 0;

	if (what == PLAN_PAY_NEXT)
		return p->next_number >= 0 ? p->next_amount : 0;
	for (size_t i = 0; i < p->ninst; i++)
		if (p->inst[i].state == INST_SCHEDULED)
			sum += p->inst[i].amount;
	return sum;
}

static int
payable(const struct plan *p, struct plan_err *e)
{
	if (p->state != PLAN_ACTIVE && p->state != PLAN_PAST_DUE)
		return plan_fail(e, PLAN_STATE, "plan", p->state == PLAN_SENT ?
		    "Review and sign the plan before paying it." : "This plan is %s: "
		    "it cannot be paid now.", plan_state_labels[p->state]);
	for (size_t i = 0; i < p->ninst; i++)
		if (p->inst[i].state == INST_PROCESSING)
			return plan_fail(e, PLAN_STATE, "plan", "A payment for this plan "
			    "is in progress. Check your payments before paying again.");
	return PLAN_OK;
}

int
plan_pay_price(struct db *db, int64_t account_id, int64_t id,
    enum plan_pay_what what, struct plan_pay *out, struct plan_err *e)
{
	struct plan p;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = plan_get(db, id, account_id, &p)) != PLAN_OK)
		return rc;
	if ((rc = payable(&p, e)) != PLAN_OK)
		goto out;
	if (pay_fill(db, &p, amount_of(&p, what), out) != DB_OK) {
		rc = PLAN_DB;
		goto out;
	}
	if (out->total == 0)
		rc = plan_fail(e, PLAN_STATE, "plan", "Nothing is left to pay on this "
		    "plan.");
out:
	plan_free(&p);
	return rc;
}

static int
started_tx(struct db *db, void *arg)
{
	void **a = arg;
	const int64_t *v = a[0];	/* account, id, what, payment */
	struct plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_lock(db, v[1], &p)) != DB_OK)
		return rc;
	if (p.account_id != v[0]) {
		rc = PLAN_NOT_FOUND;
		goto out;
	}
	for (size_t i = 0; rc == DB_OK && i < p.ninst; i++) {
		if (p.inst[i].state != INST_SCHEDULED)
			continue;
		rc = store_plan_inst_start(db, p.inst[i].id, v[3], clock_now());
		if (v[2] == PLAN_PAY_NEXT)
			break;
	}
out:
	plan_free(&p);
	return rc;
}

int
plan_pay_started(struct db *db, int64_t account_id, int64_t id,
    enum plan_pay_what what, int64_t payment_id)
{
	int64_t v[] = { account_id, id, what, payment_id };
	void *arg[] = { v };
	struct actor sys = { "system", 0, "" };
	int rc = plan_rc_of(db_tx(db, started_tx, arg));

	/* a saved card may have succeeded already */
	return rc == PLAN_OK ? plan_sync(db, &sys, id) : rc;
}

int
plan_pay_alloc(struct db *db, int64_t id, int64_t amount, struct plan_pay *out)
{
	struct plan p;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if ((rc = plan_load(db, id, &p)) != DB_OK)
		return PLAN_DB;
	rc = pay_fill(db, &p, amount, out);
	plan_free(&p);
	return rc == DB_OK ? PLAN_OK : PLAN_DB;
}
