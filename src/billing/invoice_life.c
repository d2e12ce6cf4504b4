/* Issue, void, adjust: the invoice's life after its draft, each one short
 * transaction that locks the account, then the invoice, and posts to the
 * ledger (invoice.h). Drafts and reads: invoice.c. */
#include "common.h"

#include "audit.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "invoice.h"
#include "invoice_int.h"
#include "ledger.h"
#include "money.h"
#include "str.h"

/* Characters (not bytes) of a UTF-8 string: VARCHAR(n) counts characters. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* --- issue, void, adjust -------------------------------------------------- */

struct life_args {
	const struct actor	*actor;
	int64_t			 id;
	int			 st;
	const char		*reason;
	int			 writeoff;
	int64_t			 amount;
	char			*msg;
	size_t			 msgsz;
};

/* The account row before the invoice row: posting an entry updates the
 * account's stored balance (migration 0023's trigger), and payments lock
 * the account before its invoices; the same order here keeps issue,
 * adjust and void from deadlocking with them. (An invoice never changes
 * account, so the plain read of account_id is safe.) */
static int
lock_account_of(struct db *db, int64_t invoice_id)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	struct db_result r;
	int64_t account_id = 0;
	int rc = db_query_i64(db, "SELECT COALESCE(MAX(account_id), 0) FROM invoices"
	    " WHERE id = ?", p, 1, &account_id);

	if (rc != DB_OK || account_id == 0)
		return rc;	/* absent: lock_invoice says so */
	p[0] = DB_I64(account_id);
	rc = db_query(db, "SELECT id FROM accounts WHERE id = ? FOR UPDATE", p, 1, &r);
	db_result_free(&r);
	return rc;
}

/* Locks the invoice row (after its account's); st when absent. */
static int
lock_invoice(struct db *db, struct life_args *a, char *status, size_t stsz,
    int64_t *account_id, int64_t *client_id)
{
	struct db_param p[] = { DB_I64(a->id) };
	struct db_result r;
	int rc = lock_account_of(db, a->id);

	if (rc != DB_OK)
		return rc;
	rc = db_query(db, "SELECT status, account_id, COALESCE(client_id, 0)"
	    " FROM invoices WHERE id = ? FOR UPDATE", p, 1, &r);

	if (rc == DB_OK && r.nrows == 0) {
		db_result_free(&r);
		REFUSE(a, INV_NOT_FOUND);
	}
	if (rc == DB_OK) {
		str_copy(status, stsz, db_str(&r, 0, 0));
		*account_id = db_i64(&r, 0, 1);
		*client_id = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc;
}

static int
post(struct db *db, const struct life_args *a, enum ledger_kind k, int64_t amount,
    const char *date, int64_t account_id, int64_t client_id, int64_t reverses,
    const char *memo)
{
	struct ledger_entry e;

	memset(&e, 0, sizeof(e));
	str_copy(e.kind, sizeof(e.kind), ledger_kind_names[k]);
	e.amount = amount;
	str_copy(e.entry_date, sizeof(e.entry_date), date);
	e.account_id = account_id;
	e.client_id = client_id;
	e.invoice_id = a->id;
	e.reverses_id = reverses;
	str_copy(e.memo, sizeof(e.memo), memo);
	return ledger_post(db, &e, a->actor->id, NULL);
}

static int
issue_tx(struct db *db, void *arg)
{
	struct life_args *a = arg;
	struct invoice inv;
	char status[16], number[33], memo[2100];
	int64_t acct, client, seq;
	int rc;

	if ((rc = lock_invoice(db, a, status, sizeof(status), &acct, &client)) != DB_OK)
		return rc;
	if (strcmp(status, "draft") != 0)
		REFUSE(a, INV_NOT_DRAFT);
	/* A database error here may be a deadlock: let db_tx retry it. */
	if ((rc = invoice_get(db, a->id, &inv)) != INV_OK)
		return rc == INV_DB ? DB_DEADLOCK : (a->st = rc, DB_ERR);
	if (inv.nlines == 0) {
		invoice_free(&inv);
		REFUSE(a, INV_EMPTY);
	}
	{
		struct db_result r;
		rc = db_query(db, "SELECT next_value FROM sequences WHERE name = 'invoice'"
		    " FOR UPDATE", NULL, 0, &r);
		seq = db_i64(&r, 0, 0);
		if (rc == DB_OK && (r.nrows != 1 || seq < 1))
			rc = DB_ERR;	/* the migration seeds it: never INV-000000 */
		db_result_free(&r);
	}
	if (rc == DB_OK) {
		struct db_param p[] = { DB_I64(seq + 1) };
		rc = db_exec(db, "UPDATE sequences SET next_value = ? WHERE name = 'invoice'",
		    p, 1, NULL, NULL);
	}
	if (rc == DB_OK) {
		struct db_param p[] = { DB_STR(number), DB_I64(clock_now()),
		    DB_I64(clock_now()), DB_I64(a->id) };
		str_fmt(number, sizeof(number), "INV-%06" PRId64, seq);
		rc = db_exec(db, "UPDATE invoices SET status = 'issued', number = ?,"
		    " issued_at = ?, updated_at = ? WHERE id = ?", p, 4, NULL, NULL);
	}
	for (size_t i = 0; rc == DB_OK && i < inv.nlines; i++) {
		const struct invoice_line *l = &inv.lines[i];
		rc = post(db, a, LK_CHARGE, l->gross, inv.invoice_date, acct, client, 0,
		    l->description);
		if (rc == DB_OK && l->discount > 0) {
			str_fmt(memo, sizeof(memo), "Discount: %s", l->description);
			rc = post(db, a, LK_DISCOUNT, -l->discount, inv.invoice_date, acct,
			    client, 0, memo);
		}
	}
	if (rc == DB_OK && inv.totals.discount > 0)
		rc = post(db, a, LK_DISCOUNT, -inv.totals.discount, inv.invoice_date,
		    acct, client, 0, "Invoice discount");
	if (rc == DB_OK) {
		str_fmt(memo, sizeof(memo), "issued %s, total %" PRId64 " cents",
		    number, inv.totals.total);
		rc = audit_record(db, a->actor, "invoice.issue", "invoice", a->id, memo);
	}
	invoice_free(&inv);
	return rc;
}

int
invoice_issue(struct db *db, const struct actor *actor, int64_t id)
{
	struct life_args a = { actor, id, 0, NULL, 0, 0, NULL, 0 };
	int rc = db_tx(db, issue_tx, &a);

	return rc == DB_OK ? INV_OK : a.st > 0 ? a.st : INV_DB;
}

/* Releases every allocation to the invoice (negative rows), per payment. */
static int
release_allocations(struct db *db, const struct life_args *a)
{
	struct db_param p[] = { DB_I64(a->id) };
	struct db_result r;
	int rc = db_query(db, "SELECT payment_id, SUM(amount) FROM allocations"
	    " WHERE invoice_id = ? GROUP BY payment_id HAVING SUM(amount) <> 0"
	    " ORDER BY payment_id", p, 1, &r);

	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct db_param q[] = { DB_I64(db_i64(&r, i, 0)), DB_I64(a->id),
		    DB_I64(-db_i64(&r, i, 1)),
		    a->actor->id ? DB_I64(a->actor->id) : DB_NULL, DB_I64(clock_now()) };
		rc = db_exec(db, "INSERT INTO allocations (payment_id, invoice_id, amount,"
		    " created_by, created_at, memo) VALUES (?, ?, ?, ?, ?, 'invoice voided')",
		    q, ARRAY_LEN(q), NULL, NULL);
	}
	db_result_free(&r);
	return rc;
}

static int
void_tx(struct db *db, void *arg)
{
	struct life_args *a = arg;
	char status[16], today[16], memo[2100];
	int64_t acct, client;
	struct db_param p[] = { DB_I64(a->id) };
	struct db_result r;
	int rc;

	/* Payments before the invoice, the order allocation takes them in. */
	rc = db_query(db, "SELECT id FROM payments WHERE id IN (SELECT payment_id"
	    " FROM allocations WHERE invoice_id = ?) ORDER BY id FOR UPDATE", p, 1, &r);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	if ((rc = lock_invoice(db, a, status, sizeof(status), &acct, &client)) != DB_OK)
		return rc;
	if (strcmp(status, "void") == 0)
		REFUSE(a, INV_ALREADY_VOID);
	if (strcmp(status, "issued") != 0)
		REFUSE(a, INV_NOT_ISSUED);
	if ((rc = release_allocations(db, a)) != DB_OK)
		return rc;
	date_fmt(date_today(), today, sizeof(today));
	str_fmt(memo, sizeof(memo), "Void: %s", a->reason);
	/* Every entry not already reversed gets its reversing adjustment. */
	rc = db_query(db, "SELECT e.id, e.amount, COALESCE(e.client_id, 0)"
	    " FROM ledger_entries e WHERE e.invoice_id = ? AND e.reverses_id IS NULL"
	    " AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses_id = e.id)",
	    p, 1, &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		rc = post(db, a, LK_ADJUSTMENT, -db_i64(&r, i, 1), today, acct,
		    db_i64(&r, i, 2), db_i64(&r, i, 0), memo);
	db_result_free(&r);
	if (rc == DB_OK) {
		struct db_param q[] = { DB_I64(clock_now()), DB_STR(a->reason),
		    DB_I64(clock_now()), DB_I64(a->id) };
		rc = db_exec(db, "UPDATE invoices SET status = 'void', voided_at = ?,"
		    " void_reason = ?, updated_at = ? WHERE id = ?", q, 4, NULL, NULL);
	}
	if (rc == DB_OK)
		rc = audit_record(db, a->actor, "invoice.void", "invoice", a->id, a->reason);
	return rc;
}

int
invoice_void(struct db *db, const struct actor *actor, int64_t id, const char *reason)
{
	struct life_args a = { actor, id, 0, reason, 0, 0, NULL, 0 };
	int rc;

	if (reason == NULL || reason[0] == '\0' || utf8_chars(reason) > 500)
		return INV_INVALID;
	rc = db_tx(db, void_tx, &a);
	return rc == DB_OK ? INV_OK : a.st > 0 ? a.st : INV_DB;
}

static int
adjust_tx(struct db *db, void *arg)
{
	struct life_args *a = arg;
	char status[16], today[16], detail[2100];
	int64_t acct, client, total = 0, paid = 0, delta;
	struct db_param p[] = { DB_I64(a->id) };
	int rc;

	if ((rc = lock_invoice(db, a, status, sizeof(status), &acct, &client)) != DB_OK)
		return rc;
	if (strcmp(status, "issued") != 0)
		REFUSE(a, strcmp(status, "void") == 0 ? INV_ALREADY_VOID : INV_NOT_ISSUED);
	if ((rc = db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE invoice_id = ?", p, 1, &total)) != DB_OK ||
	    (rc = db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE invoice_id = ?", p, 1, &paid)) != DB_OK)
		return rc;
	delta = a->writeoff ? -a->amount : a->amount;
	if (total + delta > MONEY_MAX) {
		str_fmt(a->msg, a->msgsz, "The adjustment would take the invoice "
		    "above the largest amount we handle.");
		REFUSE(a, INV_INVALID);
	}
	if (total - paid + delta < 0) {
		char open[32];
		money_format(total - paid, open, sizeof(open));
		str_fmt(a->msg, a->msgsz, "The change would leave the invoice below "
		    "zero: at most %s can be taken off.", open);
		REFUSE(a, INV_INVALID);
	}
	date_fmt(date_today(), today, sizeof(today));
	if ((rc = post(db, a, a->writeoff ? LK_WRITEOFF : LK_ADJUSTMENT, delta, today,
	    acct, client, 0, a->reason)) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "%s %" PRId64 " cents: %s",
	    a->writeoff ? "write-off" : "adjustment", delta, a->reason);
	return audit_record(db, a->actor, a->writeoff ? "invoice.writeoff" :
	    "invoice.adjust", "invoice", a->id, detail);
}

int
invoice_adjust(struct db *db, const struct actor *actor, int64_t id, int writeoff,
    int64_t amount, const char *memo, char *msg, size_t msgsz)
{
	struct life_args a = { actor, id, 0, memo, writeoff, amount, msg, msgsz };
	int rc;

	msg[0] = '\0';
	if (amount > MONEY_MAX || amount < -MONEY_MAX) {
		str_fmt(msg, msgsz, "The amount is too large.");
		return INV_INVALID;
	}
	if (amount == 0 || (writeoff && amount < 0)) {
		str_fmt(msg, msgsz, writeoff ? "A write-off must be a positive amount." :
		    "An adjustment cannot be zero.");
		return INV_INVALID;
	}
	if (memo == NULL || memo[0] == '\0') {
		str_fmt(msg, msgsz, "Say why: a memo is required.");
		return INV_INVALID;
	}
	if (utf8_chars(memo) > 500) {
		str_fmt(msg, msgsz, "The memo is too long (at most 500 characters).");
		return INV_INVALID;
	}
	rc = db_tx(db, adjust_tx, &a);
	return rc == DB_OK ? INV_OK : a.st > 0 ? a.st : INV_DB;
}
