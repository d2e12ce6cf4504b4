/* Payment plans paid in the portal: what "Pay next installment now" and
 * "Pay off the plan" come to, and which installments a started payment
 * pays. The payment itself goes through the portal's ordinary flow. */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "plan_int.h"
#include "str.h"

#define OPEN_EXPR "((SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	" WHERE e.invoice_id = i.id) - (SELECT COALESCE(SUM(x.amount), 0)" \
	" FROM allocations x WHERE x.invoice_id = i.id))"

/* The invoices a plan's money goes to, oldest due first, with what they
 * have open. */
static int
pay_targets(struct db *db, const struct plan *p, struct db_result *r)
{
	struct db_param a[] = { DB_I64(p->id) };
	struct db_param b[] = { DB_I64(p->account_id), DB_I64(p->client_id),
	    DB_I64(p->client_id) };

	if (p->by_invoices)
		return db_query(db, "SELECT i.id, " OPEN_EXPR " AS o, COALESCE(i.number,"
		    " '') FROM payment_plan_invoices pi JOIN invoices i ON i.id = pi.invoice_id"
		    " WHERE pi.plan_id = ? AND i.status = 'issued' HAVING o > 0"
		    " ORDER BY i.due_date, i.id", a, 1, r);
	return db_query(db, "SELECT i.id, " OPEN_EXPR " AS o, COALESCE(i.number, '')"
	    " FROM invoices i WHERE"
	    " i.account_id = ? AND (? = 0 OR i.client_id = ?) AND i.status ="
	    " 'issued' HAVING o > 0 ORDER BY i.due_date, i.id LIMIT 50", b, 3, r);
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
	struct db_result r;
	struct plan p;
	int64_t want;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = plan_get(db, id, account_id, &p)) != PLAN_OK)
		return rc;
	if ((rc = payable(&p, e)) != PLAN_OK)
		goto out;
	want = amount_of(&p, what);
	if ((rc = pay_targets(db, &p, &r)) != DB_OK) {
		db_result_free(&r);
		rc = PLAN_DB;
		goto out;
	}
	for (size_t i = 0; i < r.nrows && want > 0 && out->n < PLAN_MAX_INVOICES; i++) {
		int64_t o = db_i64(&r, i, 1), take = o < want ? o : want;

		out->invoice_ids[out->n] = db_i64(&r, i, 0);
		str_copy(out->numbers[out->n], sizeof(out->numbers[0]),
		    db_str(&r, i, 2));
		out->amounts[out->n++] = take;
		out->total += take;
		want -= take;
	}
	db_result_free(&r);
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
		struct db_param q[] = { DB_I64(v[3]), DB_I64(clock_now()),
		    DB_I64(p.inst[i].id) };

		if (p.inst[i].state != INST_SCHEDULED)
			continue;
		rc = db_exec(db, "UPDATE payment_plan_installments SET status ="
		    " 'processing', payment_id = ?, attempts = attempts + 1,"
		    " last_attempt_at = ? WHERE id = ?", q, 3, NULL, NULL);
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
	struct db_result r;
	struct plan p;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if ((rc = plan_load(db, id, &p)) != DB_OK)
		return PLAN_DB;
	if ((rc = pay_targets(db, &p, &r)) != DB_OK) {
		db_result_free(&r);
		plan_free(&p);
		return PLAN_DB;
	}
	for (size_t i = 0; i < r.nrows && amount > 0 && out->n < PLAN_MAX_INVOICES; i++) {
		int64_t o = db_i64(&r, i, 1), take = o < amount ? o : amount;

		out->invoice_ids[out->n] = db_i64(&r, i, 0);
		str_copy(out->numbers[out->n], sizeof(out->numbers[0]),
		    db_str(&r, i, 2));
		out->amounts[out->n++] = take;
		out->total += take;
		amount -= take;
	}
	db_result_free(&r);
	plan_free(&p);
	return PLAN_OK;
}
