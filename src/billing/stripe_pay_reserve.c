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

/* Money reserved by attempts in flight (payments still 'pending'). */
#define RESERVED_SQL "SELECT COALESCE(SUM(r.amount), 0) FROM payment_reservations r" \
	" JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"

/* One issued invoice of the locked account. */
struct open_inv {
	int64_t	 id;
	char	 number[33];
	int64_t	 open;		/* ledger: total - allocated */
	int64_t	 reserved;	/* by attempts in flight */
	int64_t	 busy_id;	/* the oldest such attempt (0: none) */
};

int
stripe_pay_reserved(struct db *db, int64_t account_id, int64_t invoice_id,
    int64_t *out, int64_t *payment_id)
{
	struct db_param p[] = { DB_I64(invoice_id ? invoice_id : account_id) };
	const char *sql = invoice_id ? RESERVED_SQL " WHERE r.invoice_id = ?" :
	    RESERVED_SQL " WHERE r.account_id = ?";

	*out = 0;
	if (db_query_i64(db, sql, p, 1, out) != DB_OK)
		return SP_DB;
	if (payment_id == NULL)
		return SP_OK;
	*payment_id = 0;
	if (*out > 0 && db_query_i64(db, invoice_id ?
	    "SELECT COALESCE(MIN(r.payment_id), 0) FROM payment_reservations r"
	    " JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"
	    " WHERE r.invoice_id = ?" :
	    "SELECT COALESCE(MIN(r.payment_id), 0) FROM payment_reservations r"
	    " JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"
	    " WHERE r.account_id = ?", p, 1, payment_id) != DB_OK)
		return SP_DB;
	return SP_OK;
}

/* Locks the account row and its issued invoices (oldest due first, the
 * order of automatic allocation), then reads their open and reserved
 * money. Caller frees *out. */
static int
lock_invoices(struct db *db, int64_t account_id, struct open_inv **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	/* A write, not only a lock: on Galera two nodes' reservations of the
	 * same account then conflict at certification (one retries). */
	rc = db_exec(db, "UPDATE accounts SET reservation_seq = reservation_seq + 1"
	    " WHERE id = ?", p, 1, NULL, NULL);
	if (rc == DB_OK)
		rc = db_query(db, "SELECT id FROM invoices WHERE account_id = ?"
		    " AND status = 'issued' ORDER BY due_date, id FOR UPDATE", p, 1, &r);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_query(db, "SELECT i.id, COALESCE(i.number, ''),"
	    " (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.invoice_id = i.id)"
	    " - (SELECT COALESCE(SUM(x.amount), 0) FROM allocations x WHERE x.invoice_id = i.id),"
	    " (" RESERVED_SQL " WHERE r.invoice_id = i.id),"
	    " (SELECT COALESCE(MIN(r.payment_id), 0) FROM payment_reservations r"
	    "   JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"
	    "   WHERE r.invoice_id = i.id)"
	    " FROM invoices i WHERE i.account_id = ? AND i.status = 'issued'"
	    " ORDER BY i.due_date, i.id", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct open_inv *v = &(*out)[i];
		v->id = db_i64(&r, i, 0);
		(void)str_copy(v->number, sizeof(v->number), db_str(&r, i, 1));
		v->open = db_i64(&r, i, 2);
		v->reserved = db_i64(&r, i, 3);
		v->busy_id = db_i64(&r, i, 4);
		(*n)++;
	}
	db_result_free(&r);
	return rc;
}

static int64_t
avail_of(const struct open_inv *v)
{
	int64_t a = v->open - v->reserved;

	return a > 0 ? a : 0;
}

/* Refused: another attempt in flight holds the money of v. */
static void
refuse_busy(struct sp_reserve *rv, const struct open_inv *v)
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

static const struct open_inv *
find_inv(const struct open_inv *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* Chosen invoices: each amount must be open after reservations. */
static void
check_chosen(struct sp_reserve *rv, const struct open_inv *v, size_t nv,
    const struct alloc_req *plan, size_t n)
{
	char amt[MONEY_FMT_MAX];

	for (size_t i = 0; i < n && !rv->refused; i++) {
		const struct open_inv *iv = find_inv(v, nv, plan[i].invoice_id);

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
check_auto(struct sp_reserve *rv, const struct open_inv *v, size_t nv,
    int64_t amount)
{
	const struct open_inv *busy = NULL;
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
	struct open_inv *v = NULL;
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
		struct db_param p[] = { DB_I64(payment_id), DB_I64(account_id),
		    i < rv->n ? DB_I64(rv->items[i].invoice_id) : DB_NULL,
		    DB_I64(amount), DB_I64(now) };

		if (amount <= 0)
			continue;
		rc = db_exec(db, "INSERT INTO payment_reservations (payment_id,"
		    " account_id, invoice_id, amount, created_at) VALUES (?, ?, ?, ?, ?)",
		    p, ARRAY_LEN(p), NULL, NULL);
	}
	return rc;
}
