/* Reserve, then charge: what a card/ACH attempt pays is checked and
 * recorded (payment_reservations) in the attempt's own short transaction,
 * under locks on the account and its issued invoices, so two attempts
 * never take the same open money. A reservation holds while its payment is
 * 'pending' (in flight at Stripe); failed/canceled release it, succeeded
 * turned it into allocations. No network call happens in here. */
#include "common.h"

#include "clock.h"
#include "db.h"
#include "money.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "store_attempt.h"
#include "store_payment.h"

int
stripe_pay_reserved(struct db *db, int64_t account_id, int64_t invoice_id,
    int64_t *out, int64_t *payment_id)
{
	if (payment_id != NULL)
		*payment_id = 0;
	return store_attempt_reserved(db, account_id, invoice_id, out,
	    payment_id) == DB_OK ? SP_OK : SP_DB;
}

/* Locks the account row and its issued invoices (oldest due first, the
 * order of automatic allocation) and reads their open and reserved money
 * with the same locking read (the latest rows, see the store). Caller
 * frees *out. */
static int
lock_invoices(struct db *db, int64_t account_id, struct store_open_invoice **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	/* A write, not only a lock: on Galera two nodes' reservations of the
	 * same account then conflict at certification (one retries). */
	if ((rc = store_payment_account_bump(db, account_id)) != DB_OK)
		return rc;
	return store_payment_open_invoices_lock(db, account_id, out, n);
}

static int64_t
avail_of(const struct store_open_invoice *v)
{
	int64_t a = v->open - v->reserved;

	return a > 0 ? a : 0;
}

/* Refused: another attempt in flight holds the money of v. */
static void
refuse_busy(struct sp_reserve *rv, const struct store_open_invoice *v)
{
	char amt[MONEY_FMT_MAX];

	rv->refused = SP_BUSY;
	rv->busy_payment_id = v->busy_id;
	rv->busy_amount = v->reserved;
	(void)str_copy(rv->busy_invoice, sizeof(rv->busy_invoice), v->number);
	money_format(v->reserved, amt, sizeof(amt));
	(void)str_fmt(rv->msg, sizeof(rv->msg), "A payment of %s for %s is already "
	    "in progress.", amt, v->number);
}

static const struct store_open_invoice *
find_inv(const struct store_open_invoice *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* Chosen invoices: each amount must be open after reservations. */
static void
check_chosen(struct sp_reserve *rv, const struct store_open_invoice *v, size_t nv,
    const struct alloc_req *plan, size_t n)
{
	char amt[MONEY_FMT_MAX];

	for (size_t i = 0; i < n && !rv->refused; i++) {
		const struct store_open_invoice *iv = find_inv(v, nv, plan[i].invoice_id);

		if (iv == NULL) {
			rv->refused = SP_INVALID;
			(void)str_copy(rv->msg, sizeof(rv->msg), "An invoice you chose is "
			    "not open on this account.");
		} else if (plan[i].amount > avail_of(iv) && iv->reserved > 0)
			refuse_busy(rv, iv);
		else if (plan[i].amount > avail_of(iv)) {
			rv->refused = SP_INVALID;
			money_format(avail_of(iv), amt, sizeof(amt));
			(void)str_fmt(rv->msg, sizeof(rv->msg), iv->open > 0 ?
			    "%s has only %s open." : "%s is already paid.", iv->number,
			    amt);
		} else
			rv->items[rv->n++] = plan[i];
	}
}

/* Automatic allocation: oldest due first over what is not reserved; the
 * amount may not exceed it (a charge "for the balance" never becomes
 * credit behind the payer's back). */
static void
check_auto(struct sp_reserve *rv, const struct store_open_invoice *v, size_t nv,
    int64_t amount)
{
	const struct store_open_invoice *busy = NULL;
	int64_t total = 0, left = amount;
	char amt[MONEY_FMT_MAX];

	for (size_t i = 0; i < nv; i++) {
		total += avail_of(&v[i]);
		if (busy == NULL && v[i].reserved > 0)
			busy = &v[i];
	}
	if (amount > total && busy != NULL) {
		refuse_busy(rv, busy);
		return;
	}
	if (amount > total) {
		rv->refused = SP_INVALID;
		money_format(total, amt, sizeof(amt));
		(void)str_fmt(rv->msg, sizeof(rv->msg), "The amount is more than the "
		    "%s open on the account's invoices. Lower it, or choose the "
		    "invoices it pays: the rest is kept as credit.", amt);
		return;
	}
	for (size_t i = 0; i < nv && left > 0 && rv->n < SP_PLAN_MAX; i++) {
		int64_t take = avail_of(&v[i]) < left ? avail_of(&v[i]) : left;
		if (take <= 0)
			continue;
		rv->items[rv->n].invoice_id = v[i].id;
		rv->items[rv->n++].amount = take;
		left -= take;
	}
	if (left > 0) {
		rv->refused = SP_INVALID;
		(void)str_copy(rv->msg, sizeof(rv->msg), "The payment would be spread "
		    "over too many invoices. Choose the invoices it pays.");
	}
}

int
sp_reserve_check(struct db *db, int64_t account_id, int64_t amount,
    const char *plan_text, struct sp_reserve *rv)
{
	struct alloc_req plan[SP_PLAN_MAX];
	struct store_open_invoice *v = NULL;
	size_t n = 0, nv = 0;
	int auto_alloc = 1, rc;

	memset(rv, 0, sizeof(*rv));
	if (stripe_pay_plan_parse(plan_text, &auto_alloc, plan, ARRAY_LEN(plan),
	    &n) == -1) {
		rv->refused = SP_INVALID;
		(void)str_copy(rv->msg, sizeof(rv->msg), "The allocation is not valid.");
		return DB_OK;
	}
	if ((rc = lock_invoices(db, account_id, &v, &nv)) != DB_OK) {
		free(v);
		return rc;
	}
	if (auto_alloc)
		check_auto(rv, v, nv, amount);
	else
		check_chosen(rv, v, nv, plan, n);
	free(v);
	if (rv->refused)
		return DB_OK;
	/* What the plan says is what is reserved: an automatic plan is
	 * written out as the invoices it took. */
	if (auto_alloc && stripe_pay_plan_write(0, rv->items, rv->n, rv->plan,
	    sizeof(rv->plan)) == -1)
		return DB_ERR;
	if (!auto_alloc)
		(void)str_copy(rv->plan, sizeof(rv->plan), plan_text);
	for (size_t i = 0; i < rv->n; i++)
		rv->credit -= rv->items[i].amount;
	rv->credit += amount;
	return DB_OK;
}

int
sp_reserve_record(struct db *db, int64_t payment_id, int64_t account_id,
    const struct sp_reserve *rv)
{
	int64_t now = clock_now();
	int rc = DB_OK;

	for (size_t i = 0; rc == DB_OK && i <= rv->n; i++) {
		int64_t amount = i < rv->n ? rv->items[i].amount : rv->credit;

		if (amount <= 0)
			continue;
		rc = store_attempt_reserve(db, payment_id, account_id,
		    i < rv->n ? rv->items[i].invoice_id : 0, amount, now);
	}
	return rc;
}
