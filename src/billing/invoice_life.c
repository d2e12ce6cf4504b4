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
#include "store_invoice.h"
#include "store_ledger.h"
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
 * adjust and void from deadlocking with them. Then the invoice row; st
 * when absent. */
static int
lock_invoice(struct db *db, struct life_args *a, char *status, size_t stsz,
    int64_t *account_id, int64_t *client_id)
{
	struct store_invoice_state st;
	int rc = store_invoice_lock_account(db, a->id);

	if (rc != DB_OK)
		return rc;
	if ((rc = store_invoice_lock(db, a->id, &st)) < 0)
		return rc;
	if (rc == 0)
		REFUSE(a, INV_NOT_FOUND);
	str_copy(status, stsz, st.status);
	*account_id = st.account_id;
	*client_id = st.client_id;
	return DB_OK;
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
	/* the gap-free sequence: taken and moved on under its row lock */
	rc = store_invoice_number_take(db, &seq);
	if (rc == DB_OK) {
		str_fmt(number, sizeof(number), "INV-%06" PRId64, seq);
		rc = store_invoice_set_issued(db, a->id, number, clock_now());
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
	struct store_alloc_sum *al = NULL;
	size_t n = 0;
	int rc = store_ledger_invoice_allocations(db, a->id, &al, &n);

	for (size_t i = 0; rc == DB_OK && i < n; i++)
		rc = store_ledger_allocation_insert(db, al[i].payment_id, a->id,
		    -al[i].amount, a->actor->id, clock_now(), "invoice voided");
	free(al);
	return rc;
}

/* Every entry not already reversed gets its reversing adjustment. */
static int
reverse_entries(struct db *db, const struct life_args *a, int64_t acct)
{
	struct store_ledger_open_entry *e = NULL;
	char today[16], memo[2100];
	size_t n = 0;
	int rc;

	date_fmt(date_today(), today, sizeof(today));
	str_fmt(memo, sizeof(memo), "Void: %s", a->reason);
	rc = store_ledger_unreversed(db, a->id, &e, &n);
	for (size_t i = 0; rc == DB_OK && i < n; i++)
		rc = post(db, a, LK_ADJUSTMENT, -e[i].amount, today, acct,
		    e[i].client_id, e[i].id, memo);
	free(e);
	return rc;
}

static int
void_tx(struct db *db, void *arg)
{
	struct life_args *a = arg;
	char status[16];
	int64_t acct, client;
	int rc;

	/* Payments before the invoice, the order allocation takes them in. */
	if ((rc = store_ledger_lock_invoice_payments(db, a->id)) != DB_OK)
		return rc;
	if ((rc = lock_invoice(db, a, status, sizeof(status), &acct, &client)) != DB_OK)
		return rc;
	if (strcmp(status, "void") == 0)
		REFUSE(a, INV_ALREADY_VOID);
	if (strcmp(status, "issued") != 0)
		REFUSE(a, INV_NOT_ISSUED);
	if ((rc = release_allocations(db, a)) != DB_OK)
		return rc;
	if ((rc = reverse_entries(db, a, acct)) != DB_OK)
		return rc;
	if ((rc = store_invoice_set_void(db, a->id, a->reason, clock_now())) != DB_OK)
		return rc;
	return audit_record(db, a->actor, "invoice.void", "invoice", a->id, a->reason);
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
	int rc;

	if ((rc = lock_invoice(db, a, status, sizeof(status), &acct, &client)) != DB_OK)
		return rc;
	if (strcmp(status, "issued") != 0)
		REFUSE(a, strcmp(status, "void") == 0 ? INV_ALREADY_VOID : INV_NOT_ISSUED);
	if ((rc = store_ledger_invoice_sums(db, a->id, &total, &paid)) != DB_OK)
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
