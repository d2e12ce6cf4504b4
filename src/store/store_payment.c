/* payments, allocations and the invoice facts of an allocation (see
 * store_payment.h). */
#include "common.h"

#include "db.h"
#include "store_payment.h"
#include "store_rows.h"
#include "str.h"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)

/* --- payment rows ----------------------------------------------------------- */

#define PAY_COLS STORE_PAY_COLS

#define STR_COL(f, c)	(void)str_copy(p->f, sizeof(p->f), db_str(r, i, c))

static void
pay_text(const struct db_result *r, size_t i, struct store_payment *p)
{
	STR_COL(method, 3);
	STR_COL(status, 5);
	STR_COL(received_date, 6);
	STR_COL(reference, 7);
	STR_COL(memo, 8);
	STR_COL(attempt_key, 10);
	STR_COL(intent, 11);
	STR_COL(stripe_status, 12);
	STR_COL(failure_code, 15);
	STR_COL(failure_message, 16);
	STR_COL(alloc_plan, 19);
	STR_COL(consent_signer, 21);
	STR_COL(consent_scope, 22);
	STR_COL(consent_text_version, 24);
	STR_COL(consent_ip, 25);
	STR_COL(consent_user_agent, 26);
}

static void
pay_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_payment *p = elem;

	memset(p, 0, sizeof(*p));
	pay_text(r, i, p);
	p->id = db_i64(r, i, 0);
	p->account_id = db_i64(r, i, 1);
	p->client_id = db_i64(r, i, 2);
	p->amount = db_i64(r, i, 4);
	p->created_at = db_i64(r, i, 9);
	p->payment_method_id = db_i64(r, i, 13);
	p->save_method = (int)db_i64(r, i, 14);
	p->disputed = (int)db_i64(r, i, 17);
	p->settled_at = db_i64(r, i, 18);
	p->checked_at = db_i64(r, i, 20);
	p->consent_max_amount = db_i64(r, i, 23);
	p->consent_recorded_by = db_i64(r, i, 27);
	p->consent_id = db_i64(r, i, 28);
	p->allocated = db_i64(r, i, 29);
	p->refunded = db_i64(r, i, 30);
	p->refund_pending = db_i64(r, i, 31);
}

/* A list row: PAY_COLS and applied_client. */
void
store_payment_list_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_payment *p = elem;

	pay_from_row(r, i, p);
	p->applied_client = db_i64(r, i, 32);
}

int
store_payment_insert_manual(struct db *db, const struct store_payment *pm,
    int64_t created_by, int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_I64(pm->account_id), ID_OR_NULL(pm->client_id),
	    DB_STR(pm->method), DB_I64(pm->amount), DB_STR(pm->received_date),
	    DB_STR(pm->reference), DB_STR(pm->memo), ID_OR_NULL(created_by),
	    DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO payments (account_id, client_id, method,"
	    " amount, status, received_date, reference, memo, created_by,"
	    " created_at) VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_payment_get(struct db *db, int64_t id, struct store_payment *out)
{
	struct db_param p[] = { DB_I64(id) };

	return store_rows_one(db, "SELECT " PAY_COLS " FROM payments p"
	    " WHERE p.id = ?", p, 1, pay_from_row, out);
}

int
store_payment_lock(struct db *db, int64_t id, struct store_payment *out)
{
	struct db_param p[] = { DB_I64(id) };
	int64_t found = 0;
	int rc = db_query_i64(db, "SELECT id FROM payments WHERE id = ?"
	    " FOR UPDATE", p, 1, &found);

	if (rc != DB_OK || found == 0)
		return rc;
	return store_payment_get(db, id, out);
}

int
store_payment_by_intent(struct db *db, const char *intent, int64_t *id)
{
	struct db_param p[] = { DB_STR(intent) };

	return db_query_i64(db, "SELECT id FROM payments WHERE"
	    " stripe_payment_intent = ? FOR UPDATE", p, 1, id);
}

int
store_payment_lock_intents(struct db *db, const char *const *intents, size_t n,
    struct store_payment *out, size_t *nout)
{
	struct db_param p[STORE_Q32_N];
	struct db_result r;
	int rc;

	*nout = 0;
	if (n == 0 || n > STORE_Q32_N)
		return n == 0 ? DB_OK : DB_ERR;
	for (size_t i = 0; i < STORE_Q32_N; i++)
		p[i] = DB_STR(i < n ? intents[i] : "");
	rc = db_query(db, "SELECT id FROM payments WHERE stripe_payment_intent IN"
	    " (" STORE_Q32 ") ORDER BY id FOR UPDATE", p, STORE_Q32_N, &r);
	for (size_t i = 0; i < STORE_Q32_N; i++)
		p[i] = DB_I64(rc == DB_OK && i < r.nrows ? db_i64(&r, i, 0) : 0);
	if (rc == DB_OK && r.nrows > 0 && r.nrows <= n) {
		db_result_free(&r);
		rc = db_query(db, "SELECT " PAY_COLS " FROM payments p WHERE p.id IN"
		    " (" STORE_Q32 ") ORDER BY p.id", p, STORE_Q32_N, &r);
		for (size_t k = 0; rc == DB_OK && k < r.nrows && k < n; k++)
			pay_from_row(&r, k, &out[k]);
		*nout = rc == DB_OK ? (r.nrows < n ? r.nrows : n) : 0;
	}
	db_result_free(&r);
	return rc;
}

int
store_payment_by_attempt(struct db *db, const char *attempt_key, int64_t *id)
{
	struct db_param p[] = { DB_STR(attempt_key) };

	return db_query_i64(db, "SELECT COALESCE(MAX(id), 0) FROM payments"
	    " WHERE attempt_key = ?", p, 1, id);
}

int
store_payment_by_attempt_lock(struct db *db, const char *attempt_key,
    int64_t *id)
{
	struct db_param p[] = { DB_STR(attempt_key) };

	return db_query_i64(db, "SELECT COALESCE(MAX(id), 0) FROM payments"
	    " WHERE attempt_key = ? FOR UPDATE", p, 1, id);
}

int
store_payment_lock_succeeded(struct db *db, int64_t account_id, int64_t **ids,
    size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT id FROM payments WHERE account_id = ?"
	    " AND status = 'succeeded' ORDER BY id FOR UPDATE", p, 1,
	    sizeof(**ids), store_rows_id, &a, n);
	*ids = a;
	return rc;
}

/* ids of the payments with money applied to the invoices of client ? */
#define APPLIED_TO_CLIENT "SELECT x.payment_id FROM allocations x" \
	" JOIN invoices i ON i.id = x.invoice_id WHERE i.client_id = ?"

/* The list's text up to its account condition, and after it. */
#define PAY_LIST_HEAD "SELECT " PAY_COLS ", (SELECT COALESCE(SUM(x.amount), 0)" \
	" FROM allocations x JOIN invoices i ON i.id = x.invoice_id" \
	" WHERE x.payment_id = p.id AND i.client_id = ?) FROM payments p WHERE "
#define PAY_LIST_TAIL " AND (? = 0 OR p.client_id = ?" \
	" OR p.id IN (" APPLIED_TO_CLIENT "))" \
	" AND (? = 0 OR p.id < ?) ORDER BY p.id DESC LIMIT ?"

int
store_payment_list(struct db *db, const struct store_payment_filter *f,
    struct store_payment **out, size_t *n)
{
	struct db_param p[] = { DB_I64(f->client_id), DB_I64(f->account_id),
	    DB_I64(f->client_id), DB_I64(f->client_id), DB_I64(f->client_id),
	    DB_I64(f->before_id), DB_I64(f->before_id),
	    DB_I64(f->limit > INT32_MAX ? INT32_MAX : (int64_t)f->limit) };
	void *a = NULL;
	int rc;

	/* A client's payments: those it made and those applied to its
	 * invoices (the account's check, pay link, portal payment). One
	 * account's list reads through its index (account_id = ?, not
	 * "? = 0 OR ..."); the list of all accounts by the primary key. */
	rc = store_rows_fetch(db, f->account_id != 0 ?
	    PAY_LIST_HEAD "p.account_id = ?" PAY_LIST_TAIL :
	    PAY_LIST_HEAD "? = 0" PAY_LIST_TAIL,
	    p, ARRAY_LEN(p), sizeof(**out), store_payment_list_from_row, &a, n);
	*out = a;
	return rc;
}

int
store_payment_list_pending(struct db *db, int64_t created_max, size_t limit,
    struct store_payment **out, size_t *n)
{
	struct db_param p[] = { DB_I64(created_max),
	    DB_I64(limit > INT32_MAX ? INT32_MAX : (int64_t)limit) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT " PAY_COLS " FROM payments p"
	    " WHERE p.status = 'pending' AND p.method IN ('card', 'ach')"
	    " AND p.created_at <= ? ORDER BY p.checked_at, p.id LIMIT ?",
	    p, ARRAY_LEN(p), sizeof(**out), pay_from_row, &a, n);
	*out = a;
	return rc;
}

/* --- column updates --------------------------------------------------------- */

int
store_payment_set_status(struct db *db, int64_t id, const char *status,
    const char *stripe_status, const char *code, const char *message,
    int64_t settled_at)
{
	struct db_param p[] = { DB_STR(status), DB_STR(stripe_status),
	    DB_STR(code), DB_STR(message), ID_OR_NULL(settled_at), DB_I64(id) };

	return db_exec(db, "UPDATE payments SET status = ?, stripe_status = ?,"
	    " failure_code = ?, failure_message = ?, settled_at = ? WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_payment_set_stripe_status(struct db *db, int64_t id,
    const char *stripe_status)
{
	struct db_param p[] = { DB_STR(stripe_status), DB_I64(id) };

	return db_exec(db, "UPDATE payments SET stripe_status = ? WHERE id = ?",
	    p, 2, NULL, NULL);
}

int
store_payment_set_succeeded(struct db *db, int64_t id, const char *date,
    int64_t settled_at)
{
	struct db_param p[] = { DB_I64(settled_at), DB_STR(date), DB_I64(id) };

	return db_exec(db, "UPDATE payments SET status = 'succeeded', stripe_status"
	    " = 'succeeded', failure_code = '', failure_message = '', settled_at = ?,"
	    " received_date = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_payment_set_method(struct db *db, int64_t id, int64_t method_id)
{
	struct db_param p[] = { DB_I64(method_id), DB_I64(id) };

	return db_exec(db, "UPDATE payments SET payment_method_id = ? WHERE id = ?",
	    p, 2, NULL, NULL);
}

int
store_payment_set_intent(struct db *db, int64_t id, const char *intent)
{
	struct db_param p[] = { DB_STR(intent), DB_I64(id) };

	return db_exec(db, "UPDATE payments SET stripe_payment_intent = ?"
	    " WHERE id = ?", p, 2, NULL, NULL);
}

int
store_payment_set_consent(struct db *db, int64_t id, int64_t consent_id)
{
	struct db_param p[] = { DB_I64(consent_id), DB_I64(id) };

	return db_exec(db, "UPDATE payments SET consent_id = ? WHERE id = ?",
	    p, 2, NULL, NULL);
}

/* --- allocation checks ------------------------------------------------------ */

int
store_payment_unallocated(struct db *db, int64_t payment_id, int64_t *out)
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

int
store_payment_account_bump(struct db *db, int64_t account_id)
{
	struct db_param p[] = { DB_I64(account_id) };

	return db_exec(db, "UPDATE accounts SET reservation_seq = reservation_seq"
	    " + 1 WHERE id = ?", p, 1, NULL, NULL);
}

/* 1 when a COUNT(*) query counts a row, 0 when none, or < 0. */
static int
counted(struct db *db, const char *sql, const struct db_param *p, size_t n)
{
	int64_t c = 0;
	int rc = db_query_i64(db, sql, p, n, &c);

	return rc != DB_OK ? rc : c > 0;
}

int
store_payment_account_exists(struct db *db, int64_t account_id, int lock)
{
	struct db_param p[] = { DB_I64(account_id) };

	return counted(db, lock ? "SELECT COUNT(*) FROM accounts WHERE id = ?"
	    " FOR UPDATE" : "SELECT COUNT(*) FROM accounts WHERE id = ?", p, 1);
}

int
store_payment_client_of(struct db *db, int64_t client_id, int64_t account_id)
{
	struct db_param p[] = { DB_I64(client_id), DB_I64(account_id) };

	return counted(db, "SELECT COUNT(*) FROM clients WHERE id = ?"
	    " AND account_id = ?", p, 2);
}

static void
alloc_invoice_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_alloc_invoice *v = elem;

	(void)str_copy(v->status, sizeof(v->status), db_str(r, i, 0));
	v->account_id = db_i64(r, i, 1);
	(void)str_copy(v->number, sizeof(v->number), db_str(r, i, 2));
	v->total = db_i64(r, i, 3);
	v->paid = db_i64(r, i, 4);
}

int
store_payment_invoice_lock(struct db *db, int64_t invoice_id,
    struct store_alloc_invoice *v)
{
	struct db_param p[] = { DB_I64(invoice_id) };

	memset(v, 0, sizeof(*v));
	return store_rows_one(db, "SELECT status, account_id, COALESCE(number, ''),"
	    " fig_total, fig_paid FROM invoices WHERE id = ? FOR UPDATE", p, 1,
	    alloc_invoice_from_row, v);
}

/* Reservations of attempts in flight (payments still 'pending'). */
#define INFLIGHT " FROM payment_reservations r JOIN payments p" \
	" ON p.id = r.payment_id AND p.status = 'pending'"

static void
open_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_open_invoice *v = elem;

	v->id = db_i64(r, i, 0);
	(void)str_copy(v->number, sizeof(v->number), db_str(r, i, 1));
	(void)str_copy(v->due_date, sizeof(v->due_date), db_str(r, i, 2));
	v->open = db_i64(r, i, 3);
	v->reserved = db_i64(r, i, 4);
	v->busy_id = db_i64(r, i, 5);
}

/* A locking read, subqueries included: it reads the latest committed rows
 * and waits for a reservation still being written, never an older
 * snapshot. (Through two Galera nodes one invoice was once reserved twice,
 * an earlier read of the transaction having missed the other node's
 * attempt; see db_tx_alive for what most likely happened.) */
int
store_payment_open_invoices_lock(struct db *db, int64_t account_id,
    struct store_open_invoice **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT i.id, COALESCE(i.number, ''), i.due_date,"
	    " i.fig_total - i.fig_paid,"
	    " (SELECT COALESCE(SUM(r.amount), 0)" INFLIGHT " WHERE r.invoice_id = i.id),"
	    " (SELECT COALESCE(MIN(r.payment_id), 0)" INFLIGHT
	    "   WHERE r.invoice_id = i.id)"
	    " FROM invoices i WHERE i.account_id = ? AND i.status = 'issued'"
	    " ORDER BY i.due_date, i.id FOR UPDATE", p, 1, sizeof(**out),
	    open_from_row, &a, n);
	*out = a;
	return rc;
}

int
store_payment_issued_lock_open(struct db *db, int64_t account_id,
    struct store_open_invoice **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT id, COALESCE(number, ''), due_date,"
	    " fig_total - fig_paid, 0, 0 FROM invoices WHERE account_id = ?"
	    " AND status = 'issued' ORDER BY due_date, id FOR UPDATE", p, 1,
	    sizeof(**out), open_from_row, &a, n);
	*out = a;
	return rc;
}

/* --- allocations ------------------------------------------------------------ */

int
store_payment_alloc_insert(struct db *db, int64_t payment_id, int64_t invoice_id,
    int64_t amount, int64_t created_by, int64_t now, const char *memo)
{
	struct db_param q[] = { DB_I64(payment_id), DB_I64(invoice_id),
	    DB_I64(amount), ID_OR_NULL(created_by), DB_I64(now), DB_STRN(memo) };

	if (memo != NULL)
		return db_exec(db, "INSERT INTO allocations (payment_id,"
		    " invoice_id, amount, created_by, created_at, memo)"
		    " VALUES (?, ?, ?, ?, ?, ?)", q, ARRAY_LEN(q), NULL, NULL);
	return db_exec(db, "INSERT INTO allocations (payment_id, invoice_id,"
	    " amount, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
	    q, ARRAY_LEN(q) - 1, NULL, NULL);
}

int
store_payment_allocated(struct db *db, int64_t payment_id, int64_t *out)
{
	struct db_param q[] = { DB_I64(payment_id) };

	return db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE payment_id = ?", q, 1, out);
}

static void
net_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_alloc_net *x = elem;

	x->invoice_id = db_i64(r, i, 0);
	x->net = db_i64(r, i, 1);
}

int
store_payment_alloc_net(struct db *db, int64_t payment_id,
    struct store_alloc_net **out, size_t *n)
{
	struct db_param p[] = { DB_I64(payment_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT invoice_id, SUM(amount), MAX(id)"
	    " FROM allocations WHERE payment_id = ? GROUP BY invoice_id"
	    " HAVING SUM(amount) > 0 ORDER BY MAX(id) DESC", p, 1, sizeof(**out),
	    net_from_row, &a, n);
	*out = a;
	return rc;
}

static void
alloc_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_allocation *a = elem;

	a->id = db_i64(r, i, 0);
	a->payment_id = db_i64(r, i, 1);
	a->invoice_id = db_i64(r, i, 2);
	(void)str_copy(a->invoice_number, sizeof(a->invoice_number),
	    db_str(r, i, 3));
	a->amount = db_i64(r, i, 4);
	a->created_at = db_i64(r, i, 5);
}

int
store_payment_alloc_list(struct db *db, int64_t payment_id, int64_t invoice_id,
    struct store_allocation **out, size_t *n)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(payment_id),
	    DB_I64(invoice_id), DB_I64(invoice_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT a.id, a.payment_id, a.invoice_id,"
	    " COALESCE(i.number, ''), a.amount, a.created_at FROM allocations a"
	    " JOIN invoices i ON i.id = a.invoice_id"
	    " WHERE (? = 0 OR a.payment_id = ?) AND (? = 0 OR a.invoice_id = ?)"
	    " ORDER BY a.id", p, ARRAY_LEN(p), sizeof(**out), alloc_from_row, &a, n);
	*out = a;
	return rc;
}

/* --- refunds ---------------------------------------------------------------- */

#define REFUND_COLS "f.id, f.payment_id, f.amount, f.reason, f.status," \
	" COALESCE(f.stripe_refund_id, ''), COALESCE(f.created_by, 0), f.created_at"

static void
refund_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_refund *f = elem;

	memset(f, 0, sizeof(*f));
	f->id = db_i64(r, i, 0);
	f->payment_id = db_i64(r, i, 1);
	f->amount = db_i64(r, i, 2);
	(void)str_copy(f->reason, sizeof(f->reason), db_str(r, i, 3));
	(void)str_copy(f->status, sizeof(f->status), db_str(r, i, 4));
	(void)str_copy(f->stripe_refund_id, sizeof(f->stripe_refund_id),
	    db_str(r, i, 5));
	f->created_by = db_i64(r, i, 6);
	f->created_at = db_i64(r, i, 7);
}

/* A pending refund with its payment's intent (9th column). */
static void
refund_intent_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_refund *f = elem;

	refund_from_row(r, i, f);
	(void)str_copy(f->intent, sizeof(f->intent), db_str(r, i, 8));
}

int
store_payment_refunds_claimed(struct db *db, int64_t payment_id, int64_t *out)
{
	struct db_param p[] = { DB_I64(payment_id) };

	/* Locking: the latest refunds, waiting for one being written (see
	 * store_payment_open_invoices_lock). */
	return db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE"
	    " payment_id = ? AND status IN ('pending', 'succeeded') FOR UPDATE",
	    p, 1, out);
}

int
store_payment_refund_insert(struct db *db, int64_t payment_id, int64_t amount,
    const char *reason, const char *stripe_refund_id, int64_t created_by,
    int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(amount),
	    DB_STR(reason), DB_STRN(stripe_refund_id), ID_OR_NULL(created_by),
	    DB_I64(now) };
	uint64_t nid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO refunds (payment_id, amount, reason, status,"
	    " stripe_refund_id, created_by, created_at) VALUES (?, ?, ?, 'pending',"
	    " ?, ?, ?)", p, ARRAY_LEN(p), NULL, &nid);
	*id = (int64_t)nid;
	return rc;
}

int
store_payment_refund_get(struct db *db, int64_t id, struct store_refund *f)
{
	struct db_param p[] = { DB_I64(id) };

	return store_rows_one(db, "SELECT " REFUND_COLS " FROM refunds f"
	    " WHERE f.id = ?", p, 1, refund_from_row, f);
}

int
store_payment_refund_lock(struct db *db, int64_t id, struct store_refund *f)
{
	struct db_param p[] = { DB_I64(id) };

	return store_rows_one(db, "SELECT " REFUND_COLS " FROM refunds f"
	    " WHERE f.id = ? FOR UPDATE", p, 1, refund_from_row, f);
}

int
store_payment_refund_by_stripe(struct db *db, const char *stripe_refund_id,
    struct store_refund *f)
{
	struct db_param p[] = { DB_STR(stripe_refund_id) };

	return store_rows_one(db, "SELECT " REFUND_COLS " FROM refunds f WHERE"
	    " f.stripe_refund_id = ? FOR UPDATE", p, 1, refund_from_row, f);
}

int
store_payment_refund_unnamed(struct db *db, int64_t id, int64_t payment_id,
    struct store_refund *f)
{
	struct db_param p[] = { DB_I64(id), DB_I64(payment_id) };

	return store_rows_one(db, "SELECT " REFUND_COLS " FROM refunds f WHERE f.id = ?"
	    " AND f.payment_id = ? AND f.stripe_refund_id IS NULL FOR UPDATE",
	    p, 2, refund_from_row, f);
}

int
store_payment_refund_name(struct db *db, int64_t id, const char *stripe_refund_id)
{
	struct db_param p[] = { DB_STR(stripe_refund_id), DB_I64(id) };

	return db_exec(db, "UPDATE refunds SET stripe_refund_id = ? WHERE id = ?"
	    " AND stripe_refund_id IS NULL", p, 2, NULL, NULL);
}

int
store_payment_refund_finish(struct db *db, int64_t id, int succeeded,
    const char *stripe_refund_id, int *changed)
{
	struct db_param p[] = { DB_STRN(stripe_refund_id), DB_I64(id) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, succeeded ? "UPDATE refunds SET status = 'succeeded',"
	    " stripe_refund_id = COALESCE(?, stripe_refund_id) WHERE id = ?" :
	    "UPDATE refunds SET status = 'failed', stripe_refund_id ="
	    " COALESCE(?, stripe_refund_id) WHERE id = ? AND status = 'pending'",
	    p, 2, &n, NULL);
	if (changed != NULL)
		*changed = rc == DB_OK && n > 0;
	return rc;
}

int
store_payment_refund_ids(struct db *db, int64_t payment_id, int64_t **ids,
    size_t *n)
{
	struct db_param p[] = { DB_I64(payment_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT id FROM refunds WHERE payment_id = ?"
	    " ORDER BY id", p, 1, sizeof(**ids), store_rows_id, &a, n);
	*ids = a;
	return rc;
}

int
store_payment_refund_pending(struct db *db, int64_t created_max, size_t limit,
    struct store_refund **out, size_t *n)
{
	struct db_param p[] = { DB_I64(created_max),
	    DB_I64(limit > INT32_MAX ? INT32_MAX : (int64_t)limit) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT " REFUND_COLS ","
	    " COALESCE(p.stripe_payment_intent, '')"
	    " FROM refunds f JOIN payments p ON p.id = f.payment_id"
	    " WHERE f.status = 'pending' AND f.created_at <= ? ORDER BY f.id"
	    " LIMIT ?", p, ARRAY_LEN(p), sizeof(**out), refund_intent_from_row,
	    &a, n);
	*out = a;
	return rc;
}
