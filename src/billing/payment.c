#include "common.h"

#include "audit.h"
#include "billing_conv.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "store_payment.h"
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

/* Accounts bumped in the transaction of a webhook chunk (on between
 * payment_tx_memo_begin and _end): one write per account and transaction
 * is enough, the row is in the write set and locked either way. Off, or
 * full: every call bumps. */
#define BUMPED_MAX	64
static struct {
	int	 on;
	size_t	 n;
	int64_t	 ids[BUMPED_MAX];
} bumped;

void
payment_tx_memo_begin(void)
{
	bumped.on = 1;
	bumped.n = 0;
}

void
payment_tx_memo_end(void)
{
	bumped.on = 0;
	bumped.n = 0;
}

/* The account row written (accounts before invoices, as everywhere). */
static int
account_bump(struct db *db, int64_t account_id)
{
	int rc;

	for (size_t i = 0; bumped.on && i < bumped.n; i++)
		if (bumped.ids[i] == account_id)
			return DB_OK;
	rc = store_payment_account_bump(db, account_id);
	if (rc == DB_OK && bumped.on && bumped.n < BUMPED_MAX)
		bumped.ids[bumped.n++] = account_id;
	return rc;
}

/* Allocates inside the caller's transaction; the payment row is locked by
 * the caller. Locks the invoice row (reading its stored total and paid,
 * kept by the triggers in this transaction too), then checks both
 * limits. */
static int
alloc_one(struct db *db, struct pay_args *a, int64_t payment_id, int64_t invoice_id,
    int64_t amount)
{
	struct store_alloc_invoice v;
	int64_t open = 0, unalloc = 0;
	char amt[32], detail[200];
	int rc, missing, found;

	if (amount <= 0) {
		str_fmt(a->msg, a->msgsz, "Allocation amounts must be positive.");
		REFUSE(a, PAY_INVALID);
	}
	if ((rc = account_bump(db, a->account_id)) != DB_OK)
		return rc;
	if ((found = store_payment_invoice_lock(db, invoice_id, &v)) < 0)
		return found;
	missing = !found || v.account_id != a->account_id;
	if (a->clamp && (missing || strcmp(v.status, "issued") != 0))
		return DB_OK;	/* the money stays unallocated credit */
	if (missing || strcmp(v.status, "issued") != 0) {
		str_fmt(a->msg, a->msgsz, missing ? "That invoice is not on this account."
		    : "Only issued invoices can receive payments.");
		REFUSE(a, missing ? PAY_NOT_FOUND : PAY_INVALID);
	}
	if ((rc = store_payment_unallocated(db, payment_id, &unalloc)) != DB_OK)
		return rc;
	open = v.total - v.paid;
	if (a->clamp) {
		amount = amount < open ? amount : open;
		amount = amount < unalloc ? amount : unalloc;
		if (amount <= 0)
			return DB_OK;
	}
	if (amount > open) {
		money_format(open, amt, sizeof(amt));
		str_fmt(a->msg, a->msgsz, "%s has only %s open.", v.number, amt);
		REFUSE(a, PAY_OVER_INVOICE);
	}
	if (amount > unalloc) {
		money_format(unalloc, amt, sizeof(amt));
		str_fmt(a->msg, a->msgsz, "The payment has only %s left to allocate.", amt);
		REFUSE(a, PAY_OVER_PAYMENT);
	}
	if ((rc = store_payment_alloc_insert(db, payment_id, invoice_id, amount,
	    a->actor->id, clock_now(), NULL)) != DB_OK)
		return rc;
	a->moved += amount;
	str_fmt(detail, sizeof(detail), "payment %" PRId64 " -> %s: %" PRId64 " cents",
	    payment_id, v.number, amount);
	return audit_record(db, a->actor, "allocation.create", "invoice", invoice_id,
	    detail);
}

/* Locks the account's open issued invoices (oldest due first) and the given
 * payments' money, then allocates greedily: payments oldest first. */
static int
alloc_oldest(struct db *db, struct pay_args *a, const int64_t *payments, size_t np)
{
	struct store_open_invoice *inv = NULL;
	struct calc_open *open = NULL;
	int64_t *amounts = NULL;
	size_t n = 0, ninv = 0;
	int rc;

	/* The invoices locked and read by one locking read: their stored open
	 * amounts include every allocation committed before our locks. */
	if ((rc = account_bump(db, a->account_id)) == DB_OK)
		rc = store_payment_issued_lock_open(db, a->account_id, &inv, &ninv);
	if (rc != DB_OK)
		goto out;
	if (ninv > 0 && ((open = calloc(ninv, sizeof(*open))) == NULL ||
	    (amounts = calloc(ninv, sizeof(*amounts))) == NULL)) {
		rc = DB_ERR;
		goto out;
	}
	for (size_t i = 0; i < ninv; i++) {
		int64_t due = 0;
		if (inv[i].open <= 0)
			continue;
		date_parse(inv[i].due_date, &due);
		open[n++] = (struct calc_open){ inv[i].id, due, inv[i].open };
	}
	for (size_t k = 0; rc == DB_OK && k < np; k++) {
		int64_t avail;
		if ((rc = store_payment_unallocated(db, payments[k], &avail)) != DB_OK)
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
	free(inv);
	return rc;
}

static int
lock_payment(struct db *db, struct pay_args *a, int64_t id)
{
	struct store_payment *row;
	int found;

	if ((row = malloc(sizeof(*row))) == NULL)
		return DB_ERR;
	found = store_payment_lock(db, id, row);
	if (found > 0 && strcmp(row->status, "succeeded") != 0) {
		free(row);
		str_fmt(a->msg, a->msgsz, "Only a completed payment can be allocated.");
		REFUSE(a, PAY_INVALID);
	}
	if (found > 0)
		a->account_id = row->account_id;
	free(row);
	if (found == 0)
		REFUSE(a, PAY_NOT_FOUND);
	return found < 0 ? found : DB_OK;
}

/* The manual payments row (succeeded) of pm. */
static int
insert_manual(struct db *db, const struct actor *actor, const struct payment *pm,
    int64_t *id)
{
	struct store_payment *row;
	int rc;

	if ((row = calloc(1, sizeof(*row))) == NULL)
		return DB_ERR;
	row->account_id = pm->account_id;
	row->client_id = pm->client_id;
	(void)str_copy(row->method, sizeof(row->method), pm->method);
	row->amount = pm->amount;
	(void)str_copy(row->received_date, sizeof(row->received_date),
	    pm->received_date);
	(void)str_copy(row->reference, sizeof(row->reference), pm->reference);
	(void)str_copy(row->memo, sizeof(row->memo), pm->memo);
	rc = store_payment_insert_manual(db, row, actor->id, clock_now(), id);
	free(row);
	return rc;
}

static int
record_tx(struct db *db, void *arg)
{
	struct pay_args *a = arg;
	struct payment *pm = a->p;
	struct ledger_entry e;
	int64_t id = 0;
	char detail[300], memo[300];
	int rc;

	if ((rc = store_payment_account_exists(db, pm->account_id, 0)) <= 0) {
		if (rc < 0)
			return rc;
		str_fmt(a->msg, a->msgsz, "The account does not exist.");
		REFUSE(a, PAY_NOT_FOUND);
	}
	if (pm->client_id &&
	    (rc = store_payment_client_of(db, pm->client_id, pm->account_id)) <= 0) {
		if (rc < 0)
			return rc;
		str_fmt(a->msg, a->msgsz, "The client does not belong to this account.");
		REFUSE(a, PAY_INVALID);
	}
	if ((rc = insert_manual(db, a->actor, pm, &id)) != DB_OK)
		return rc;
	pm->id = id;
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
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	a->moved = 0;
	/* Payments are locked before invoices, as everywhere else. */
	rc = store_payment_lock_succeeded(db, a->account_id, &ids, &n);
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

static void
payment_from_store(const struct store_payment *r, struct payment *p)
{
	memset(p, 0, sizeof(*p));
	p->id = r->id;
	p->account_id = r->account_id;
	p->client_id = r->client_id;
	str_copy(p->method, sizeof(p->method), r->method);
	p->amount = r->amount;
	str_copy(p->status, sizeof(p->status), r->status);
	str_copy(p->received_date, sizeof(p->received_date), r->received_date);
	str_copy(p->reference, sizeof(p->reference), r->reference);
	str_copy(p->memo, sizeof(p->memo), r->memo);
	p->created_at = r->created_at;
	p->allocated = r->allocated;
	p->refunded = r->refunded;
	p->unallocated = strcmp(p->status, "succeeded") == 0 ?
	    p->amount - p->refunded - p->allocated : 0;
	p->applied_client = r->applied_client;
}

int
payment_get(struct db *db, int64_t id, struct payment *pm)
{
	struct store_payment *row;
	int found;

	if ((row = malloc(sizeof(*row))) == NULL)
		return PAY_DB;
	found = store_payment_get(db, id, row);
	if (found == 1)
		payment_from_store(row, pm);
	free(row);
	return found < 0 ? PAY_DB : found == 0 ? PAY_NOT_FOUND : PAY_OK;
}

int
payment_list(struct db *db, const struct payment_filter *f, struct payment **out,
    size_t *n, int *more)
{
	size_t limit = f->limit < 1 ? 50 : f->limit > 200 ? 200 : f->limit;
	struct store_payment_filter sf = { f->account_id, f->client_id,
	    f->before_id, limit + 1 };
	struct store_payment *rows = NULL;
	size_t nrows = 0;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (store_payment_list(db, &sf, &rows, &nrows) != DB_OK)
		return PAY_DB;
	return payment_list_from_store(rows, nrows, limit, out, n, more);
}

int
payment_list_from_store(struct store_payment *rows, size_t nrows, size_t limit,
    struct payment **out, size_t *n, int *more)
{
	*out = NULL;
	*more = nrows > limit;
	*n = nrows > limit ? limit : nrows;
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		free(rows);
		*n = 0;
		return PAY_DB;
	}
	for (size_t i = 0; i < *n; i++)
		payment_from_store(&rows[i], &(*out)[i]);
	free(rows);
	return PAY_OK;
}

int
allocation_list(struct db *db, int64_t payment_id, int64_t invoice_id,
    struct allocation **out, size_t *n)
{
	struct store_allocation *rows = NULL;
	size_t nrows = 0;

	*out = NULL;
	*n = 0;
	if (store_payment_alloc_list(db, payment_id, invoice_id, &rows,
	    &nrows) != DB_OK)
		return PAY_DB;
	if (nrows > 0 && (*out = calloc(nrows, sizeof(**out))) == NULL) {
		free(rows);
		return PAY_DB;
	}
	for (size_t i = 0; i < nrows; i++) {
		struct allocation *a = &(*out)[i];
		a->id = rows[i].id;
		a->payment_id = rows[i].payment_id;
		a->invoice_id = rows[i].invoice_id;
		str_copy(a->invoice_number, sizeof(a->invoice_number),
		    rows[i].invoice_number);
		a->amount = rows[i].amount;
		a->created_at = rows[i].created_at;
	}
	*n = nrows;
	free(rows);
	return PAY_OK;
}
