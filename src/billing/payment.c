#include "common.h"

#include "audit.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "str.h"

#define REFUSE(a, code)	do { (a)->st = (code); return DB_ERR; } while (0)

static const char *const manual_methods[] = { "cash", "check", "terminal", "other" };

struct pay_args {
	const struct actor	*actor;
	struct payment		*p;
	int64_t			 payment_id;
	int64_t			 account_id;
	int			 auto_allocate;
	const struct alloc_req	*req;
	size_t			 nreq;
	int64_t			 moved;
	int			 clamp;		/* payment_apply_plan: fit, never refuse */
	int			 st;
	char			*msg;
	size_t			 msgsz;
};


/* Unallocated money of a payment (amount - refunds - allocations). */
static int
payment_unallocated(struct db *db, int64_t payment_id, int64_t *out)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(payment_id),
	    DB_I64(payment_id) };

	return db_query_i64(db, "SELECT p.amount"
	    " - COALESCE((SELECT SUM(e.amount) FROM ledger_entries e"
	    "   WHERE e.payment_id = ? AND e.kind = 'refund'), 0)"
	    " - COALESCE((SELECT SUM(a.amount) FROM allocations a"
	    "   WHERE a.payment_id = ?), 0)"
	    " FROM payments p WHERE p.id = ?", p, ARRAY_LEN(p), out);
}

/* A write, not only a lock, of the account whose money moves: on Galera a
 * row lock on one node does not block another, so two nodes' allocations
 * to the same invoice (or from the same payment, or a reservation of the
 * same account) conflict at certification and the loser retries. */
static int
touch_account(struct db *db, int64_t account_id)
{
	struct db_param p[] = { DB_I64(account_id) };

	return db_exec(db, "UPDATE accounts SET reservation_seq = reservation_seq"
	    " + 1 WHERE id = ?", p, 1, NULL, NULL);
}

/* Allocates inside the caller's transaction; the payment row is locked by
 * the caller. Locks the invoice row, then checks both limits. */
static int
alloc_one(struct db *db, struct pay_args *a, int64_t payment_id, int64_t invoice_id,
    int64_t amount)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	struct db_result r;
	int64_t open = 0, unalloc = 0, total = 0, paid = 0;
	char num[40], amt[32], detail[200];
	int rc;

	if (amount <= 0) {
		str_fmt(a->msg, a->msgsz, "Allocation amounts must be positive.");
		REFUSE(a, PAY_INVALID);
	}
	if ((rc = touch_account(db, a->account_id)) != DB_OK)
		return rc;
	rc = db_query(db, "SELECT status, account_id, COALESCE(number, '')"
	    " FROM invoices WHERE id = ? FOR UPDATE", p, 1, &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return rc;
	}
	if (a->clamp && (r.nrows == 0 || db_i64(&r, 0, 1) != a->account_id ||
	    strcmp(db_str(&r, 0, 0), "issued") != 0)) {
		db_result_free(&r);
		return DB_OK;	/* the money stays unallocated credit */
	}
	if (r.nrows == 0 || db_i64(&r, 0, 1) != a->account_id ||
	    strcmp(db_str(&r, 0, 0), "issued") != 0) {
		int missing = r.nrows == 0 || db_i64(&r, 0, 1) != a->account_id;
		db_result_free(&r);
		str_fmt(a->msg, a->msgsz, missing ? "That invoice is not on this account."
		    : "Only issued invoices can receive payments.");
		REFUSE(a, missing ? PAY_NOT_FOUND : PAY_INVALID);
	}
	str_copy(num, sizeof(num), db_str(&r, 0, 2));
	db_result_free(&r);
	if ((rc = db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE invoice_id = ?", p, 1, &total)) != DB_OK ||
	    (rc = db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE invoice_id = ?", p, 1, &paid)) != DB_OK ||
	    (rc = payment_unallocated(db, payment_id, &unalloc)) != DB_OK)
		return rc;
	open = total - paid;
	if (a->clamp) {
		amount = amount < open ? amount : open;
		amount = amount < unalloc ? amount : unalloc;
		if (amount <= 0)
			return DB_OK;
	}
	if (amount > open) {
		money_format(open, amt, sizeof(amt));
		str_fmt(a->msg, a->msgsz, "%s has only %s open.", num, amt);
		REFUSE(a, PAY_OVER_INVOICE);
	}
	if (amount > unalloc) {
		money_format(unalloc, amt, sizeof(amt));
		str_fmt(a->msg, a->msgsz, "The payment has only %s left to allocate.", amt);
		REFUSE(a, PAY_OVER_PAYMENT);
	}
	{
		struct db_param q[] = { DB_I64(payment_id), DB_I64(invoice_id),
		    DB_I64(amount), a->actor->id ? DB_I64(a->actor->id) : DB_NULL,
		    DB_I64(clock_now()) };
		if ((rc = db_exec(db, "INSERT INTO allocations (payment_id, invoice_id,"
		    " amount, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
		    q, ARRAY_LEN(q), NULL, NULL)) != DB_OK)
			return rc;
	}
	a->moved += amount;
	str_fmt(detail, sizeof(detail), "payment %" PRId64 " -> %s: %" PRId64 " cents",
	    payment_id, num, amount);
	return audit_record(db, a->actor, "allocation.create", "invoice", invoice_id,
	    detail);
}

/* Locks the account's open issued invoices (oldest due first) and the given
 * payments' money, then allocates greedily: payments oldest first. */
static int
alloc_oldest(struct db *db, struct pay_args *a, const int64_t *payments, size_t np)
{
	struct db_param p[] = { DB_I64(a->account_id) };
	struct db_result r;
	struct calc_open *open = NULL;
	int64_t *amounts = NULL;
	size_t n = 0;
	int rc;

	/* Lock the invoices first; only then read their open amounts, so the
	 * sums include every allocation committed before our locks. */
	memset(&r, 0, sizeof(r));
	if ((rc = touch_account(db, a->account_id)) == DB_OK)
		rc = db_query(db, "SELECT id FROM invoices WHERE account_id = ?"
		    " AND status = 'issued' ORDER BY due_date, id FOR UPDATE", p, 1, &r);
	db_result_free(&r);
	if (rc == DB_OK)
		rc = db_query(db, "SELECT i.id, i.due_date,"
		    " (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.invoice_id = i.id)"
		    " - (SELECT COALESCE(SUM(x.amount), 0) FROM allocations x WHERE x.invoice_id = i.id)"
		    " FROM invoices i WHERE i.account_id = ? AND i.status = 'issued'"
		    " ORDER BY i.due_date, i.id", p, 1, &r);
	if (rc != DB_OK)
		goto out;
	if (r.nrows > 0 && ((open = calloc(r.nrows, sizeof(*open))) == NULL ||
	    (amounts = calloc(r.nrows, sizeof(*amounts))) == NULL)) {
		rc = DB_ERR;
		goto out;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		int64_t due = 0;
		if (db_i64(&r, i, 2) <= 0)
			continue;
		date_parse(db_str(&r, i, 1), &due);
		open[n++] = (struct calc_open){ db_i64(&r, i, 0), due, db_i64(&r, i, 2) };
	}
	for (size_t k = 0; rc == DB_OK && k < np; k++) {
		int64_t avail;
		if ((rc = payment_unallocated(db, payments[k], &avail)) != DB_OK)
			break;
		calc_allocate_oldest(avail, open, n, amounts);
		for (size_t i = 0; rc == DB_OK && i < n; i++) {
			if (amounts[i] == 0)
				continue;
			rc = alloc_one(db, a, payments[k], open[i].invoice_id, amounts[i]);
			open[i].open -= amounts[i];
		}
	}
out:
	free(open);
	free(amounts);
	db_result_free(&r);
	return rc;
}

static int
lock_payment(struct db *db, struct pay_args *a, int64_t id)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT status, account_id FROM payments WHERE id = ?"
	    " FOR UPDATE", p, 1, &r);

	if (rc == DB_OK && r.nrows == 0) {
		db_result_free(&r);
		REFUSE(a, PAY_NOT_FOUND);
	}
	if (rc == DB_OK && strcmp(db_str(&r, 0, 0), "succeeded") != 0) {
		db_result_free(&r);
		str_fmt(a->msg, a->msgsz, "Only a completed payment can be allocated.");
		REFUSE(a, PAY_INVALID);
	}
	if (rc == DB_OK)
		a->account_id = db_i64(&r, 0, 1);
	db_result_free(&r);
	return rc;
}

static int
record_tx(struct db *db, void *arg)
{
	struct pay_args *a = arg;
	struct payment *pm = a->p;
	struct ledger_entry e;
	uint64_t id = 0;
	char detail[300], memo[300];
	int64_t n;
	int rc;

	{
		struct db_param p[] = { DB_I64(pm->account_id) };
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM accounts WHERE id = ?",
		    p, 1, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			str_fmt(a->msg, a->msgsz, "The account does not exist.");
			REFUSE(a, PAY_NOT_FOUND);
		}
	}
	if (pm->client_id) {
		struct db_param p[] = { DB_I64(pm->client_id), DB_I64(pm->account_id) };
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM clients WHERE id = ?"
		    " AND account_id = ?", p, 2, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			str_fmt(a->msg, a->msgsz, "The client does not belong to this account.");
			REFUSE(a, PAY_INVALID);
		}
	}
	{
		struct db_param p[] = { DB_I64(pm->account_id),
		    pm->client_id ? DB_I64(pm->client_id) : DB_NULL, DB_STR(pm->method),
		    DB_I64(pm->amount), DB_STR(pm->received_date), DB_STR(pm->reference),
		    DB_STR(pm->memo), a->actor->id ? DB_I64(a->actor->id) : DB_NULL,
		    DB_I64(clock_now()) };
		if ((rc = db_exec(db, "INSERT INTO payments (account_id, client_id, method,"
		    " amount, status, received_date, reference, memo, created_by,"
		    " created_at) VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?)",
		    p, ARRAY_LEN(p), NULL, &id)) != DB_OK)
			return rc;
	}
	pm->id = (int64_t)id;
	memset(&e, 0, sizeof(e));
	str_copy(e.kind, sizeof(e.kind), ledger_kind_names[LK_PAYMENT]);
	e.amount = -pm->amount;
	str_copy(e.entry_date, sizeof(e.entry_date), pm->received_date);
	e.account_id = pm->account_id;
	e.client_id = pm->client_id;
	e.payment_id = pm->id;
	str_fmt(memo, sizeof(memo), "%s%s%s", pm->method, pm->reference[0] ? " " : "",
	    pm->reference);
	str_copy(e.memo, sizeof(e.memo), memo);
	if ((rc = ledger_post(db, &e, a->actor->id, NULL)) != DB_OK)
		return rc;
	{
		char amt[MONEY_FMT_MAX];
		money_format(pm->amount, amt, sizeof(amt));
		str_fmt(detail, sizeof(detail), "%s payment of %s on account %" PRId64
		    "%s%s", pm->method, amt, pm->account_id,
		    pm->reference[0] ? ", reference " : "", pm->reference);
	}
	if ((rc = audit_record(db, a->actor, "payment.create", "payment",
	    pm->id, detail)) != DB_OK)
		return rc;
	a->account_id = pm->account_id;
	if (a->auto_allocate)
		return alloc_oldest(db, a, &pm->id, 1);
	for (size_t i = 0; rc == DB_OK && i < a->nreq; i++)
		if (a->req[i].amount != 0)
			rc = alloc_one(db, a, pm->id, a->req[i].invoice_id, a->req[i].amount);
	return rc;
}

int
payment_record(struct db *db, const struct actor *actor, struct payment *pm,
    int auto_allocate, const struct alloc_req *req, size_t n, char *msg,
    size_t msgsz)
{
	struct pay_args a;
	int64_t d;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.actor = actor;
	a.p = pm;
	a.auto_allocate = auto_allocate;
	a.req = req;
	a.nreq = n;
	a.msg = msg;
	a.msgsz = msgsz;
	msg[0] = '\0';
	for (i = 0; i < ARRAY_LEN(manual_methods); i++)
		if (strcmp(pm->method, manual_methods[i]) == 0)
			break;
	if (i == ARRAY_LEN(manual_methods)) {
		str_fmt(msg, msgsz, "Method must be cash, check, terminal or other.");
		return PAY_INVALID;
	}
	if (pm->amount <= 0 || pm->amount > MONEY_MAX) {
		str_fmt(msg, msgsz, "Amount must be more than $0.00.");
		return PAY_INVALID;
	}
	if (date_parse(pm->received_date, &d) == -1) {
		str_fmt(msg, msgsz, "Received date must be a date (YYYY-MM-DD).");
		return PAY_INVALID;
	}
	if (strcmp(pm->method, "check") == 0 && pm->reference[0] == '\0') {
		str_fmt(msg, msgsz, "Enter the check number.");
		return PAY_INVALID;
	}
	rc = db_tx(db, record_tx, &a);
	if (rc != DB_OK) {
		pm->id = 0;
		return a.st > 0 ? a.st : PAY_DB;
	}
	return payment_get(db, pm->id, pm);
}

static int
allocate_tx(struct db *db, void *arg)
{
	struct pay_args *a = arg;
	int rc;

	a->moved = 0;
	if ((rc = lock_payment(db, a, a->payment_id)) != DB_OK)
		return rc;
	return alloc_one(db, a, a->payment_id, a->req[0].invoice_id, a->req[0].amount);
}

int
payment_allocate(struct db *db, const struct actor *actor, int64_t payment_id,
    int64_t invoice_id, int64_t amount, char *msg, size_t msgsz)
{
	struct alloc_req req = { invoice_id, amount };
	struct pay_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.actor = actor;
	a.payment_id = payment_id;
	a.req = &req;
	a.nreq = 1;
	a.msg = msg;
	a.msgsz = msgsz;
	msg[0] = '\0';
	rc = db_tx(db, allocate_tx, &a);
	return rc == DB_OK ? PAY_OK : a.st > 0 ? a.st : PAY_DB;
}

int
payment_apply_plan(struct db *db, const struct actor *actor, int64_t payment_id,
    int64_t account_id, int auto_allocate, const struct alloc_req *req, size_t n,
    int64_t *moved)
{
	struct pay_args a;
	char msg[200];
	int rc = DB_OK;

	memset(&a, 0, sizeof(a));
	a.actor = actor;
	a.payment_id = payment_id;
	a.account_id = account_id;
	a.clamp = 1;
	a.msg = msg;
	a.msgsz = sizeof(msg);
	if (auto_allocate)
		rc = alloc_oldest(db, &a, &payment_id, 1);
	for (size_t i = 0; !auto_allocate && rc == DB_OK && i < n; i++)
		if (req[i].amount > 0)
			rc = alloc_one(db, &a, payment_id, req[i].invoice_id,
			    req[i].amount);
	if (moved != NULL)
		*moved = rc == DB_OK ? a.moved : 0;
	return rc;
}

static int
credit_tx(struct db *db, void *arg)
{
	struct pay_args *a = arg;
	struct db_param p[] = { DB_I64(a->account_id) };
	struct db_result r;
	int64_t *ids = NULL;
	size_t n;
	int rc;

	a->moved = 0;
	/* Payments are locked before invoices, as everywhere else. */
	rc = db_query(db, "SELECT id FROM payments WHERE account_id = ?"
	    " AND status = 'succeeded' ORDER BY id FOR UPDATE", p, 1, &r);
	n = r.nrows;
	if (rc == DB_OK && n > 0 && (ids = calloc(n, sizeof(*ids))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < n; i++)
		ids[i] = db_i64(&r, i, 0);
	db_result_free(&r);
	if (rc == DB_OK && n > 0)
		rc = alloc_oldest(db, a, ids, n);
	free(ids);
	return rc;
}

int
account_apply_credit(struct db *db, const struct actor *actor, int64_t account_id,
    int64_t *allocated)
{
	struct pay_args a;
	char msg[200];
	int rc;

	memset(&a, 0, sizeof(a));
	a.actor = actor;
	a.account_id = account_id;
	a.msg = msg;
	a.msgsz = sizeof(msg);
	rc = db_tx(db, credit_tx, &a);
	*allocated = rc == DB_OK ? a.moved : 0;
	return rc == DB_OK ? PAY_OK : a.st > 0 ? a.st : PAY_DB;
}

#define PAY_COLS "p.id, p.account_id, COALESCE(p.client_id, 0), p.method, p.amount," \
	" p.status, p.received_date, p.reference, p.memo, p.created_at," \
	" (SELECT COALESCE(SUM(a.amount), 0) FROM allocations a WHERE a.payment_id = p.id)," \
	" (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	"   WHERE e.payment_id = p.id AND e.kind = 'refund')"

static void
payment_from_row(const struct db_result *r, size_t i, struct payment *p)
{
	memset(p, 0, sizeof(*p));
	p->id = db_i64(r, i, 0);
	p->account_id = db_i64(r, i, 1);
	p->client_id = db_i64(r, i, 2);
	str_copy(p->method, sizeof(p->method), db_str(r, i, 3));
	p->amount = db_i64(r, i, 4);
	str_copy(p->status, sizeof(p->status), db_str(r, i, 5));
	str_copy(p->received_date, sizeof(p->received_date), db_str(r, i, 6));
	str_copy(p->reference, sizeof(p->reference), db_str(r, i, 7));
	str_copy(p->memo, sizeof(p->memo), db_str(r, i, 8));
	p->created_at = db_i64(r, i, 9);
	p->allocated = db_i64(r, i, 10);
	p->refunded = db_i64(r, i, 11);
	p->unallocated = strcmp(p->status, "succeeded") == 0 ?
	    p->amount - p->refunded - p->allocated : 0;
}

int
payment_get(struct db *db, int64_t id, struct payment *pm)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " PAY_COLS " FROM payments p WHERE p.id = ?",
	    p, 1, &r);

	size_t found = rc == DB_OK ? r.nrows : 0;

	if (found == 1)
		payment_from_row(&r, 0, pm);
	db_result_free(&r);
	return rc != DB_OK ? PAY_DB : found == 0 ? PAY_NOT_FOUND : PAY_OK;
}

int
payment_list(struct db *db, const struct payment_filter *f, struct payment **out,
    size_t *n, int *more)
{
	size_t limit = f->limit < 1 ? 50 : f->limit > 200 ? 200 : f->limit;
	struct db_param p[] = { DB_I64(f->client_id), DB_I64(f->account_id),
	    DB_I64(f->account_id), DB_I64(f->client_id), DB_I64(f->client_id),
	    DB_I64(f->client_id), DB_I64(f->before_id), DB_I64(f->before_id),
	    DB_I64((int64_t)limit + 1) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	/* A client's payments: those it made and those applied to its
	 * invoices (the account's check, pay link, portal payment). */
	rc = db_query(db, "SELECT " PAY_COLS ", (SELECT COALESCE(SUM(x.amount), 0)"
	    " FROM allocations x JOIN invoices i ON i.id = x.invoice_id"
	    " WHERE x.payment_id = p.id AND i.client_id = ?) FROM payments p"
	    " WHERE (? = 0 OR p.account_id = ?) AND (? = 0 OR p.client_id = ?"
	    " OR p.id IN (" PAYMENT_APPLIED_TO_CLIENT "))"
	    " AND (? = 0 OR p.id < ?) ORDER BY p.id DESC LIMIT ?",
	    p, ARRAY_LEN(p), &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return PAY_DB;
	}
	*more = r.nrows > limit;
	*n = r.nrows > limit ? limit : r.nrows;
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		db_result_free(&r);
		*n = 0;
		return PAY_DB;
	}
	for (size_t i = 0; i < *n; i++) {
		payment_from_row(&r, i, &(*out)[i]);
		(*out)[i].applied_client = db_i64(&r, i, 12);
	}
	db_result_free(&r);
	return PAY_OK;
}

int
allocation_list(struct db *db, int64_t payment_id, int64_t invoice_id,
    struct allocation **out, size_t *n)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(payment_id),
	    DB_I64(invoice_id), DB_I64(invoice_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT a.id, a.payment_id, a.invoice_id,"
	    " COALESCE(i.number, ''), a.amount, a.created_at FROM allocations a"
	    " JOIN invoices i ON i.id = a.invoice_id"
	    " WHERE (? = 0 OR a.payment_id = ?) AND (? = 0 OR a.invoice_id = ?)"
	    " ORDER BY a.id", p, ARRAY_LEN(p), &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return PAY_DB;
	}
	if (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL) {
		db_result_free(&r);
		return PAY_DB;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct allocation *a = &(*out)[i];
		a->id = db_i64(&r, i, 0);
		a->payment_id = db_i64(&r, i, 1);
		a->invoice_id = db_i64(&r, i, 2);
		str_copy(a->invoice_number, sizeof(a->invoice_number), db_str(&r, i, 3));
		a->amount = db_i64(&r, i, 4);
		a->created_at = db_i64(&r, i, 5);
	}
	*n = r.nrows;
	db_result_free(&r);
	return PAY_OK;
}
