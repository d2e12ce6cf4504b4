/* Ledger entries, allocations, their figures and the verify checks (see
 * store_ledger.h). */
#include "common.h"

#include "db.h"
#include "store_ledger.h"
#include "store_profile.h"
#include "store_rows.h"
#include "str.h"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)

int
store_ledger_insert(struct db *db, const struct store_ledger_entry *e,
    int64_t *id_out)
{
	char memo[sizeof(e->memo)];

	str_copy(memo, sizeof(memo), e->memo);
	str_utf8_limit(memo, 500);	/* memo is VARCHAR(500) */
	struct db_param p[] = { DB_STR(e->kind), DB_I64(e->amount),
	    DB_STR(e->entry_date), DB_I64(e->account_id), ID_OR_NULL(e->client_id),
	    ID_OR_NULL(e->invoice_id), ID_OR_NULL(e->payment_id),
	    ID_OR_NULL(e->reverses_id), ID_OR_NULL(e->created_by),
	    DB_I64(e->created_at), DB_STR(memo) };
	uint64_t id = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO ledger_entries (kind, amount, entry_date,"
	    " account_id, client_id, invoice_id, payment_id, reverses_id,"
	    " created_by, created_at, memo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &id);
	if (rc == DB_OK && id_out)
		*id_out = (int64_t)id;
	return rc;
}

/* --- figures -------------------------------------------------------------- */

/* Row: charge, discount, adjustment + writeoff, payment, refund, total. */
static void
sums_from_row(const struct db_result *r, size_t col,
    struct store_ledger_sums *s)
{
	s->charge = db_i64(r, 0, col);
	s->discount = db_i64(r, 0, col + 1);
	s->adjustment = db_i64(r, 0, col + 2);
	s->payment = db_i64(r, 0, col + 3);
	s->refund = db_i64(r, 0, col + 4);
	s->total = db_i64(r, 0, col + 5);
}

#define SUMS "COALESCE(SUM(CASE WHEN kind = 'charge' THEN amount END), 0)," \
	" COALESCE(SUM(CASE WHEN kind = 'discount' THEN amount END), 0)," \
	" COALESCE(SUM(CASE WHEN kind IN ('adjustment', 'writeoff') THEN amount END), 0)," \
	" COALESCE(SUM(CASE WHEN kind = 'payment' THEN amount END), 0)," \
	" COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount END), 0)," \
	" COALESCE(SUM(amount), 0)"

int
store_ledger_account_credit(struct db *db, int64_t account_id, int64_t *credit)
{
	struct db_param p[] = { DB_I64(account_id) };
	int64_t alloc = 0, money = 0;
	int rc;

	rc = db_query_i64(db, "SELECT COALESCE(-SUM(amount), 0) FROM ledger_entries"
	    " WHERE account_id = ? AND kind IN ('payment', 'refund')", p, 1, &money);
	if (rc == DB_OK)
		rc = db_query_i64(db, "SELECT COALESCE(SUM(a.amount), 0) FROM allocations a"
		    " JOIN payments p ON p.id = a.payment_id WHERE p.account_id = ?",
		    p, 1, &alloc);
	*credit = money - alloc;
	return rc;
}

/* One statement: the entries by kind, and the credit (payment money net
 * of refunds, less what is allocated of the account's payments). */
#define ACCOUNT_SUM_COLS SUMS "," \
	" COALESCE(-SUM(CASE WHEN kind IN ('payment', 'refund') THEN amount END), 0)" \
	" - (SELECT COALESCE(SUM(a.amount), 0) FROM allocations a" \
	"   JOIN payments p ON p.id = a.payment_id WHERE p.account_id = ?)"
#define ACCOUNT_SUMS "SELECT " ACCOUNT_SUM_COLS \
	" FROM ledger_entries WHERE account_id = ?"

int
store_ledger_account_sums(struct db *db, int64_t account_id,
    struct store_ledger_sums *s)
{
	struct db_param p[] = { DB_I64(account_id), DB_I64(account_id) };
	struct db_result r;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_query(db, ACCOUNT_SUMS, p, 2, &r);
	if (rc == DB_OK) {
		sums_from_row(&r, 0, s);
		s->credit = db_i64(&r, 0, 6);
	}
	db_result_free(&r);
	return rc;
}

int
store_ledger_account_page(struct db *db, int64_t account_id,
    struct store_account *a, struct store_ledger_sums *s)
{
	struct db_param p[] = { DB_I64(account_id), DB_I64(account_id) };
	struct db_result r;
	int rc;

	/* Grouped by the account's primary key (a constant row): no
	 * temporary table, and no row when there is no such account. */
	memset(s, 0, sizeof(*s));
	rc = db_query(db, "SELECT " STORE_ACCOUNT_COLS ", " ACCOUNT_SUM_COLS
	    " FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id"
	    " WHERE a.id = ? GROUP BY a.id", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows == 1) {
		store_profile_account_from_row(&r, 0, a);
		sums_from_row(&r, 12, s);
		s->credit = db_i64(&r, 0, 18);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_ledger_client_figures(struct db *db, int64_t client_id,
    struct store_ledger_client *c)
{
	struct db_param p[] = { DB_I64(client_id) };
	struct db_result r;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = db_query(db, "SELECT " SUMS " FROM ledger_entries WHERE client_id = ?"
	    " AND invoice_id IS NOT NULL", p, 1, &r);
	if (rc == DB_OK)
		sums_from_row(&r, 0, &c->sums);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	/* Applied: net allocations to its invoices (void ones net to zero). */
	if ((rc = db_query_i64(db, "SELECT COALESCE(SUM(a.amount), 0) FROM allocations a"
	    " JOIN invoices i ON i.id = a.invoice_id WHERE i.client_id = ?",
	    p, 1, &c->applied)) != DB_OK ||
	    (rc = db_query_i64(db, "SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e"
	    " JOIN invoices i ON i.id = e.invoice_id WHERE i.client_id = ?"
	    " AND i.status = 'issued'", p, 1, &c->issued_total)) != DB_OK ||
	    (rc = db_query_i64(db, "SELECT COALESCE(SUM(a.amount), 0) FROM allocations a"
	    " JOIN invoices i ON i.id = a.invoice_id WHERE i.client_id = ?"
	    " AND i.status = 'issued'", p, 1, &c->issued_paid)) != DB_OK)
		return rc;
	return db_query_i64(db, "SELECT COALESCE(MAX(account_id), 0) FROM clients"
	    " WHERE id = ?", p, 1, &c->account_id);
}

int
store_ledger_invoice_sums(struct db *db, int64_t invoice_id, int64_t *total,
    int64_t *paid)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	int rc;

	*total = *paid = 0;
	if ((rc = db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
	    " WHERE invoice_id = ?", p, 1, total)) != DB_OK)
		return rc;
	return db_query_i64(db, "SELECT COALESCE(SUM(amount), 0) FROM allocations"
	    " WHERE invoice_id = ?", p, 1, paid);
}

/* --- entries -------------------------------------------------------------- */

static void
entry_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_ledger_entry *e = out;

	e->id = db_i64(r, i, 0);
	str_copy(e->kind, sizeof(e->kind), db_str(r, i, 1));
	e->amount = db_i64(r, i, 2);
	str_copy(e->entry_date, sizeof(e->entry_date), db_str(r, i, 3));
	e->account_id = db_i64(r, i, 4);
	e->client_id = db_i64(r, i, 5);
	e->invoice_id = db_i64(r, i, 6);
	e->payment_id = db_i64(r, i, 7);
	e->reverses_id = db_i64(r, i, 8);
	str_copy(e->invoice_number, sizeof(e->invoice_number), db_str(r, i, 9));
	str_copy(e->memo, sizeof(e->memo), db_str(r, i, 10));
	e->created_by = db_i64(r, i, 11);
	e->created_at = db_i64(r, i, 12);
}

#define ENTRY_COLS "SELECT e.id, e.kind, e.amount, e.entry_date, e.account_id," \
	" COALESCE(e.client_id, 0), COALESCE(e.invoice_id, 0)," \
	" COALESCE(e.payment_id, 0), COALESCE(e.reverses_id, 0)," \
	" COALESCE(i.number, ''), e.memo, COALESCE(e.created_by, 0), e.created_at" \
	" FROM ledger_entries e LEFT JOIN invoices i ON i.id = e.invoice_id"
#define ENTRY_RANGE " AND e.id < ? AND e.entry_date >= ? AND e.entry_date <= ?" \
	" ORDER BY e.id DESC LIMIT ?"

/* One statement per filter shape, each walking its (column, id) index
 * backwards: a Financial tab reads a page, never the whole ledger. */
int
store_ledger_list(struct db *db, const struct store_ledger_query *q,
    struct store_ledger_entry **out, size_t *n)
{
	static const char *const sql[] = {
		ENTRY_COLS " WHERE e.invoice_id = ?" ENTRY_RANGE,
		ENTRY_COLS " WHERE e.client_id = ?" ENTRY_RANGE,
		ENTRY_COLS " WHERE e.account_id = ?" ENTRY_RANGE,
	};
	int shape = q->invoice_id ? 0 : q->client_id ? 1 : 2;
	int64_t key = shape == 0 ? q->invoice_id : shape == 1 ? q->client_id :
	    q->account_id;
	struct db_param p[] = { DB_I64(key),
	    DB_I64(q->before_id > 0 ? q->before_id : INT64_MAX),
	    DB_STR(q->from ? q->from : "1000-01-01"),
	    DB_STR(q->to ? q->to : "9999-12-31"), DB_I64((int64_t)q->limit + 1) };
	int rc;

	*out = store_rows_query(db, sql[shape], p, ARRAY_LEN(p), sizeof(**out),
	    entry_from_row, n, &rc);
	return rc;
}

/* The rows of sql, whose one parameter is an invoice id. */
static void *
invoice_rows(struct db *db, const char *sql, int64_t invoice_id, size_t elsz,
    store_row_fn *from_row, size_t *n, int *rc)
{
	struct db_param p[] = { DB_I64(invoice_id) };

	return store_rows_query(db, sql, p, 1, elsz, from_row, n, rc);
}

static void
open_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_ledger_open_entry *o = out;

	o->id = db_i64(r, i, 0);
	o->amount = db_i64(r, i, 1);
	o->client_id = db_i64(r, i, 2);
}

int
store_ledger_unreversed(struct db *db, int64_t invoice_id,
    struct store_ledger_open_entry **out, size_t *n)
{
	int rc;

	*out = invoice_rows(db, "SELECT e.id, e.amount, COALESCE(e.client_id, 0)"
	    " FROM ledger_entries e WHERE e.invoice_id = ? AND e.reverses_id IS NULL"
	    " AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses_id = e.id)",
	    invoice_id, sizeof(**out), open_from_row, n, &rc);
	return rc;
}

void
store_ledger_day_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_ledger_day *d = out;

	str_copy(d->date, sizeof(d->date), db_str(r, i, 0));
	d->amount = db_i64(r, i, 1);
}

int
store_ledger_collections(struct db *db, const char *from, const char *to,
    int64_t location_id, struct store_ledger_day **out, size_t *n)
{
	struct db_param p[] = { DB_STR(from), DB_STR(to), DB_I64(location_id) };
	struct db_param q[] = { DB_STR(from), DB_STR(to), DB_STR(from), DB_STR(to) };
	int rc;

	/* Without a location: the covering index ledger_kind_date alone, one
	 * range per kind read in date order (grouped without a temporary
	 * table; a day may come twice, the caller adds). */
	*out = location_id ? store_rows_query(db, "SELECT e.entry_date,"
	    " -SUM(e.amount) FROM ledger_entries e"
	    " JOIN accounts a ON a.id = e.account_id"
	    " WHERE e.kind IN ('payment', 'refund')"
	    " AND e.entry_date BETWEEN ? AND ?"
	    " AND a.location_id = ? GROUP BY e.entry_date", p, 3, sizeof(**out),
	    store_ledger_day_from_row, n, &rc) :
	    store_rows_query(db, "(SELECT entry_date, -SUM(amount)"
	    " FROM ledger_entries WHERE kind = 'payment'"
	    " AND entry_date BETWEEN ? AND ? GROUP BY entry_date) UNION ALL"
	    " (SELECT entry_date, -SUM(amount) FROM ledger_entries"
	    " WHERE kind = 'refund' AND entry_date BETWEEN ? AND ?"
	    " GROUP BY entry_date)", q, 4,
	    sizeof(**out), store_ledger_day_from_row, n, &rc);
	return rc;
}

/* --- allocations ---------------------------------------------------------- */

static void
alloc_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_alloc_sum *s = out;

	s->payment_id = db_i64(r, i, 0);
	s->amount = db_i64(r, i, 1);
}

int
store_ledger_invoice_allocations(struct db *db, int64_t invoice_id,
    struct store_alloc_sum **out, size_t *n)
{
	int rc;

	*out = invoice_rows(db, "SELECT payment_id, SUM(amount) FROM allocations"
	    " WHERE invoice_id = ? GROUP BY payment_id HAVING SUM(amount) <> 0"
	    " ORDER BY payment_id", invoice_id, sizeof(**out), alloc_from_row, n, &rc);
	return rc;
}

int
store_ledger_allocation_insert(struct db *db, int64_t payment_id,
    int64_t invoice_id, int64_t amount, int64_t created_by, int64_t now,
    const char *memo)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(invoice_id),
	    DB_I64(amount), ID_OR_NULL(created_by), DB_I64(now), DB_STR(memo) };

	return db_exec(db, "INSERT INTO allocations (payment_id, invoice_id, amount,"
	    " created_by, created_at, memo) VALUES (?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

/* Payments before the invoice, the order allocation takes them in. */
int
store_ledger_lock_invoice_payments(struct db *db, int64_t invoice_id)
{
	struct db_param p[] = { DB_I64(invoice_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT id FROM payments WHERE id IN (SELECT payment_id"
	    " FROM allocations WHERE invoice_id = ?) ORDER BY id FOR UPDATE", p, 1, &r);
	db_result_free(&r);
	return rc;
}

/* --- verify --------------------------------------------------------------- */

/* Each check is one query that returns the first violating row (or none)
 * with a description. */
struct invariant {
	const char	*name;
	const char	*sql;
};

/* Per account a: m.s, what its succeeded payments brought less their
 * refunds; al.s, what of it is allocated (credit = m.s - al.s). */
#define CREDIT_JOINS \
	" LEFT JOIN (SELECT p.account_id, SUM(p.amount - COALESCE(rf.s, 0)) s" \
	"   FROM payments p LEFT JOIN (SELECT payment_id, SUM(amount) s" \
	"     FROM ledger_entries WHERE kind = 'refund' GROUP BY payment_id) rf" \
	"     ON rf.payment_id = p.id WHERE p.status = 'succeeded'" \
	"   GROUP BY p.account_id) m ON m.account_id = a.id" \
	" LEFT JOIN (SELECT p.account_id, SUM(x.amount) s FROM allocations x" \
	"   JOIN payments p ON p.id = x.payment_id GROUP BY p.account_id) al" \
	"   ON al.account_id = a.id"

static const struct invariant invariants[] = {
	{ "draft invoices have no ledger entries",
	  "SELECT CONCAT('invoice ', i.id, ' is a draft with ', COUNT(*), ' entries')"
	  " FROM invoices i JOIN ledger_entries e ON e.invoice_id = i.id"
	  " WHERE i.status = 'draft' GROUP BY i.id LIMIT 1" },
	{ "entries belong to the account of their invoice",
	  "SELECT CONCAT('entry ', e.id, ' account ', e.account_id, ' but invoice ',"
	  " i.id, ' account ', i.account_id) FROM ledger_entries e"
	  " JOIN invoices i ON i.id = e.invoice_id WHERE e.account_id <> i.account_id"
	  " LIMIT 1" },
	{ "charge-type entries have an invoice, payment-type entries a payment",
	  "SELECT CONCAT('entry ', id, ' (', kind, ') is not attached correctly')"
	  " FROM ledger_entries WHERE (kind IN ('charge', 'discount', 'adjustment',"
	  " 'writeoff') AND (invoice_id IS NULL OR payment_id IS NOT NULL)) OR"
	  " (kind IN ('payment', 'refund') AND (payment_id IS NULL OR invoice_id"
	  " IS NOT NULL)) LIMIT 1" },
	{ "entry signs follow the convention",
	  "SELECT CONCAT('entry ', id, ' (', kind, ') has amount ', amount)"
	  " FROM ledger_entries WHERE (kind = 'charge' AND amount < 0)"
	  " OR (kind IN ('discount', 'writeoff') AND amount > 0)"
	  " OR (kind = 'refund' AND amount < 0) OR (kind = 'payment' AND amount >= 0)"
	  " LIMIT 1" },
	{ "a reversal reverses an entry of the same invoice, once",
	  "SELECT CONCAT('entry ', x.id, ' reverses entry ', x.reverses_id)"
	  " FROM ledger_entries x LEFT JOIN ledger_entries o ON o.id = x.reverses_id"
	  " WHERE x.reverses_id IS NOT NULL AND (o.id IS NULL OR NOT (o.invoice_id <=>"
	  " x.invoice_id) OR o.amount <> -x.amount OR (SELECT COUNT(*) FROM"
	  " ledger_entries y WHERE y.reverses_id = x.reverses_id) > 1) LIMIT 1" },
	{ "a succeeded payment is posted exactly once for its amount",
	  "SELECT CONCAT('payment ', p.id, ' amount ', p.amount, ' posted ',"
	  " COALESCE(-SUM(CASE WHEN e.kind = 'payment' THEN e.amount END), 0))"
	  " FROM payments p LEFT JOIN ledger_entries e ON e.payment_id = p.id"
	  " GROUP BY p.id, p.amount, p.status HAVING (p.status = 'succeeded' AND"
	  " COALESCE(-SUM(CASE WHEN e.kind = 'payment' THEN e.amount END), 0) <> p.amount)"
	  " OR (p.status <> 'succeeded' AND COUNT(e.id) > 0) LIMIT 1" },
	{ "payment entries are on the payment's account",
	  "SELECT CONCAT('entry ', e.id, ' account ', e.account_id, ' but payment ',"
	  " p.id, ' account ', p.account_id) FROM ledger_entries e"
	  " JOIN payments p ON p.id = e.payment_id WHERE e.account_id <> p.account_id"
	  " LIMIT 1" },
	{ "refunds never exceed the payment",
	  "SELECT CONCAT('payment ', p.id, ' refunded ', SUM(e.amount), ' of ', p.amount)"
	  " FROM payments p JOIN ledger_entries e ON e.payment_id = p.id"
	  " AND e.kind = 'refund' GROUP BY p.id, p.amount HAVING SUM(e.amount) > p.amount"
	  " LIMIT 1" },
	{ "allocations stay within each payment's money",
	  "SELECT CONCAT('payment ', p.id, ' allocated ', a.s, ' of available ',"
	  " p.amount - COALESCE(rf.s, 0)) FROM payments p"
	  " JOIN (SELECT payment_id, SUM(amount) s, MIN(running_min) m FROM"
	  "   (SELECT payment_id, amount, 0 AS running_min FROM allocations) x"
	  "   GROUP BY payment_id) a ON a.payment_id = p.id"
	  " LEFT JOIN (SELECT payment_id, SUM(amount) s FROM ledger_entries"
	  "   WHERE kind = 'refund' GROUP BY payment_id) rf ON rf.payment_id = p.id"
	  " WHERE a.s < 0 OR a.s > p.amount - COALESCE(rf.s, 0)"
	  " OR (p.status <> 'succeeded' AND a.s <> 0) LIMIT 1" },
	{ "allocations stay within each invoice's total",
	  "SELECT CONCAT('invoice ', i.id, ' (', i.status, ') total ',"
	  " COALESCE(t.s, 0), ' allocated ', a.s) FROM invoices i"
	  " JOIN (SELECT invoice_id, SUM(amount) s FROM allocations GROUP BY invoice_id) a"
	  "   ON a.invoice_id = i.id"
	  " LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM ledger_entries"
	  "   WHERE invoice_id IS NOT NULL GROUP BY invoice_id) t ON t.invoice_id = i.id"
	  " WHERE a.s < 0 OR a.s > COALESCE(t.s, 0) OR (i.status = 'void' AND a.s <> 0)"
	  " LIMIT 1" },
	{ "allocations tie a payment to an invoice of the same account",
	  "SELECT CONCAT('allocation ', a.id, ' payment account ', p.account_id,"
	  " ' invoice account ', i.account_id) FROM allocations a"
	  " JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id"
	  " WHERE p.account_id <> i.account_id LIMIT 1" },
	{ "void invoices total zero",
	  "SELECT CONCAT('void invoice ', i.id, ' totals ', SUM(e.amount))"
	  " FROM invoices i JOIN ledger_entries e ON e.invoice_id = i.id"
	  " WHERE i.status = 'void' GROUP BY i.id HAVING SUM(e.amount) <> 0 LIMIT 1" },
	{ "issued invoices never total below zero",
	  "SELECT CONCAT('invoice ', i.id, ' totals ', SUM(e.amount))"
	  " FROM invoices i JOIN ledger_entries e ON e.invoice_id = i.id"
	  " WHERE i.status = 'issued' GROUP BY i.id HAVING SUM(e.amount) < 0 LIMIT 1" },
	{ "invoice numbers are gap-free",
	  "SELECT CONCAT(n.c, ' numbered invoices but the sequence is at ', s.next_value)"
	  " FROM (SELECT COUNT(*) c, COUNT(DISTINCT number) d FROM invoices"
	  "   WHERE number IS NOT NULL) n, sequences s WHERE s.name = 'invoice'"
	  " AND (n.c <> s.next_value - 1 OR n.c <> n.d) LIMIT 1" },
	{ "issued invoices are numbered, drafts are not",
	  "SELECT CONCAT('invoice ', id, ' status ', status, ' number ',"
	  " COALESCE(number, 'none')) FROM invoices WHERE (status = 'draft') ="
	  " (number IS NOT NULL) LIMIT 1" },
	{ "account balance = open invoices - unallocated credit",
	  /* open from issued invoices (not from the entries' own account
	   * column), credit from succeeded payments' amounts less refunds:
	   * both from other tables than the balance they check. */
	  "SELECT CONCAT('account ', a.id, ': entries sum to ', COALESCE(l.s, 0),"
	  " ' but open invoices ', COALESCE(o.s, 0), ' - credit ', COALESCE(m.s, 0)"
	  " - COALESCE(al.s, 0)) FROM accounts a"
	  " LEFT JOIN (SELECT account_id, SUM(amount) s FROM ledger_entries"
	  "   GROUP BY account_id) l ON l.account_id = a.id"
	  " LEFT JOIN (SELECT i.account_id, SUM(COALESCE(t.s, 0) - COALESCE(x.s, 0)) s"
	  "   FROM invoices i"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM ledger_entries"
	  "     GROUP BY invoice_id) t ON t.invoice_id = i.id"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocations"
	  "     GROUP BY invoice_id) x ON x.invoice_id = i.id"
	  "   WHERE i.status <> 'draft' GROUP BY i.account_id) o ON o.account_id = a.id"
	  CREDIT_JOINS
	  " WHERE COALESCE(l.s, 0) <> COALESCE(o.s, 0) - (COALESCE(m.s, 0)"
	  "   - COALESCE(al.s, 0)) LIMIT 1" },
	{ "invoice entries carry their invoice's client",
	  "SELECT CONCAT('entry ', e.id, ' client ', COALESCE(e.client_id, 'none'),"
	  " ' but invoice ', i.id, ' client ', COALESCE(i.client_id, 'none'))"
	  " FROM ledger_entries e JOIN invoices i ON i.id = e.invoice_id"
	  " WHERE NOT (e.client_id <=> i.client_id) LIMIT 1" },
	{ "invoices of a client are on the client's account",
	  "SELECT CONCAT('invoice ', i.id, ' account ', i.account_id, ' but client ',"
	  " c.id, ' account ', c.account_id) FROM invoices i"
	  " JOIN clients c ON c.id = i.client_id WHERE i.account_id <> c.account_id"
	  " LIMIT 1" },
	{ "client: charged - discounts + adjusted - paid (applied) = due",
	  /* The client's figures as its Financial tab, statements and API
	   * show them: entries by the entries' client column, money applied
	   * through allocations to its invoices, due from its issued
	   * invoices' open amounts. */
	  "SELECT CONCAT('client ', c.id, ': charged ', COALESCE(f.ch, 0),"
	  " ' - discounts ', -COALESCE(f.di, 0), ' + adjusted ', COALESCE(f.ad, 0),"
	  " ' - paid ', COALESCE(ap.s, 0), ' <> due ', COALESCE(o.s, 0)) FROM clients c"
	  " LEFT JOIN (SELECT client_id,"
	  "   SUM(CASE WHEN kind = 'charge' THEN amount ELSE 0 END) ch,"
	  "   SUM(CASE WHEN kind = 'discount' THEN amount ELSE 0 END) di,"
	  "   SUM(CASE WHEN kind IN ('adjustment', 'writeoff') THEN amount ELSE 0 END) ad"
	  "   FROM ledger_entries WHERE client_id IS NOT NULL AND invoice_id IS NOT NULL"
	  "   GROUP BY client_id) f ON f.client_id = c.id"
	  " LEFT JOIN (SELECT i.client_id, SUM(x.amount) s FROM allocations x"
	  "   JOIN invoices i ON i.id = x.invoice_id WHERE i.client_id IS NOT NULL"
	  "   GROUP BY i.client_id) ap ON ap.client_id = c.id"
	  " LEFT JOIN (SELECT i.client_id, SUM(COALESCE(t.s, 0) - COALESCE(x.s, 0)) s"
	  "   FROM invoices i"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM ledger_entries"
	  "     WHERE invoice_id IS NOT NULL GROUP BY invoice_id) t ON t.invoice_id = i.id"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocations"
	  "     GROUP BY invoice_id) x ON x.invoice_id = i.id"
	  "   WHERE i.status = 'issued' AND i.client_id IS NOT NULL"
	  "   GROUP BY i.client_id) o ON o.client_id = c.id"
	  " WHERE COALESCE(f.ch, 0) + COALESCE(f.di, 0) + COALESCE(f.ad, 0)"
	  "   - COALESCE(ap.s, 0) <> COALESCE(o.s, 0) LIMIT 1" },
	{ "account: charged - discounts + adjusted - paid + refunded"
	  " = its clients' due + its own invoices' due - credit",
	  /* Left: the account's entries by kind. Right: the clients' due
	   * (grouped by the client's account) plus the open amount of
	   * invoices billed to no client, less the unallocated credit of
	   * succeeded payments: the client figures add up to the account. */
	  "SELECT CONCAT('account ', a.id, ': entries by kind sum to ',"
	  " COALESCE(l.s, 0), ' but clients'' due ', COALESCE(cd.s, 0),"
	  " ' + account invoices'' due ', COALESCE(ad.s, 0), ' - credit ',"
	  " COALESCE(m.s, 0) - COALESCE(al.s, 0)) FROM accounts a"
	  " LEFT JOIN (SELECT account_id, SUM(CASE WHEN kind = 'charge' THEN amount"
	  "   WHEN kind = 'discount' THEN amount WHEN kind IN ('adjustment', 'writeoff')"
	  "   THEN amount WHEN kind = 'payment' THEN amount WHEN kind = 'refund'"
	  "   THEN amount END) s FROM ledger_entries GROUP BY account_id) l"
	  "   ON l.account_id = a.id"
	  " LEFT JOIN (SELECT c.account_id, SUM(COALESCE(t.s, 0) - COALESCE(x.s, 0)) s"
	  "   FROM clients c JOIN invoices i ON i.client_id = c.id"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM ledger_entries"
	  "     WHERE invoice_id IS NOT NULL GROUP BY invoice_id) t ON t.invoice_id = i.id"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocations"
	  "     GROUP BY invoice_id) x ON x.invoice_id = i.id"
	  "   WHERE i.status = 'issued' GROUP BY c.account_id) cd ON cd.account_id = a.id"
	  " LEFT JOIN (SELECT i.account_id, SUM(COALESCE(t.s, 0) - COALESCE(x.s, 0)) s"
	  "   FROM invoices i"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM ledger_entries"
	  "     WHERE invoice_id IS NOT NULL GROUP BY invoice_id) t ON t.invoice_id = i.id"
	  "   LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocations"
	  "     GROUP BY invoice_id) x ON x.invoice_id = i.id"
	  "   WHERE i.status = 'issued' AND i.client_id IS NULL"
	  "   GROUP BY i.account_id) ad ON ad.account_id = a.id"
	  CREDIT_JOINS
	  " WHERE COALESCE(l.s, 0) <> COALESCE(cd.s, 0) + COALESCE(ad.s, 0)"
	  "   - (COALESCE(m.s, 0) - COALESCE(al.s, 0)) LIMIT 1" },
	/* The figures kept for speed (migration 0023): each recomputed from
	 * the rows it sums. Last, so a broken ledger is named by the rules
	 * above before its (faithfully kept) figures are. */
	{ "stored invoice figures equal their entries and allocations",
	  "SELECT CONCAT('invoice ', i.id, ': stored total ', i.fig_total, ' paid ',"
	  " i.fig_paid, ' but entries sum to ', COALESCE(t.s, 0), ' allocations to ',"
	  " COALESCE(x.s, 0)) FROM invoices i"
	  " LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM ledger_entries"
	  "   WHERE invoice_id IS NOT NULL GROUP BY invoice_id) t ON t.invoice_id = i.id"
	  " LEFT JOIN (SELECT invoice_id, SUM(amount) s FROM allocations"
	  "   GROUP BY invoice_id) x ON x.invoice_id = i.id"
	  " WHERE i.fig_total <> COALESCE(t.s, 0) OR i.fig_paid <> COALESCE(x.s, 0)"
	  " LIMIT 1" },
	{ "stored account balances equal their entries",
	  "SELECT CONCAT('account ', a.id, ': stored balance ', a.fig_balance,"
	  " ' but entries sum to ', COALESCE(l.s, 0)) FROM accounts a"
	  " LEFT JOIN (SELECT account_id, SUM(amount) s FROM ledger_entries"
	  "   GROUP BY account_id) l ON l.account_id = a.id"
	  " WHERE a.fig_balance <> COALESCE(l.s, 0) LIMIT 1" },
	{ "stored A/R aging equals the open invoices",
	  /* ar_open_due (migrations 0031, 0033) and the issued invoices'
	   * open amounts, owing counts and owed sums by (account location,
	   * due date, account id % 4) in one pass; a stored row must have
	   * money open or an invoice owing */
	  "SELECT CONCAT('location ', l, ' due ', u, ' shard ', h, ': stored ',"
	  " SUM(st), ' (', SUM(sn), ' owing ', SUM(so), ') but open invoices ',"
	  " SUM(op), ' (', SUM(nn), ' owing ', SUM(oo), ')') FROM (SELECT"
	  " location_id l, due_date u, shard h, open_amount st, owing_count sn,"
	  " owing_amount so, 0 op, 0 nn, 0 oo, open_amount = 0 AND owing_count = 0 z"
	  " FROM ar_open_due UNION ALL SELECT COALESCE(a.location_id, 0),"
	  " i.fig_open_due, i.account_id % 4, 0, 0, 0, i.fig_total - i.fig_paid,"
	  " i.fig_total > i.fig_paid, GREATEST(i.fig_total - i.fig_paid, 0), 0"
	  " FROM invoices i FORCE INDEX (invoices_open_due)"
	  " JOIN accounts a ON a.id = i.account_id WHERE i.fig_open_due IS NOT NULL) x"
	  " GROUP BY l, u, h HAVING SUM(st) <> SUM(op) OR SUM(sn) <> SUM(nn) OR"
	  " SUM(so) <> SUM(oo) OR SUM(z) > 0 LIMIT 1" },
	{ "stored A/R by month equals the open invoices",
	  /* ar_owing_month (migrations 0033, 0034): the open invoices by
	   * (account location, first day of the due month, account id % 4):
	   * how many owe money, what they owe, and their open money; a stored
	   * row must count one owing or hold open money */
	  "SELECT CONCAT('location ', l, ' month ', u, ' shard ', h, ': stored ',"
	  " SUM(sn), ' owing ', SUM(so), ' open ', SUM(sv), ' but invoices ',"
	  " SUM(nn), ' owing ', SUM(oo), ' open ', SUM(vv)) FROM (SELECT"
	  " location_id l, month u, shard h, owing_count sn, owing_amount so,"
	  " open_amount sv, 0 nn, 0 oo, 0 vv, owing_count = 0 AND open_amount = 0 z"
	  " FROM ar_owing_month UNION ALL SELECT COALESCE(a.location_id, 0),"
	  " i.fig_open_due - INTERVAL (DAY(i.fig_open_due) - 1) DAY,"
	  " i.account_id % 4, 0, 0, 0, i.fig_total > i.fig_paid,"
	  " GREATEST(i.fig_total - i.fig_paid, 0), i.fig_total - i.fig_paid, 0"
	  " FROM invoices i FORCE INDEX (invoices_open_due)"
	  " JOIN accounts a ON a.id = i.account_id WHERE i.fig_open_due IS NOT NULL) x"
	  " GROUP BY l, u, h HAVING SUM(sn) <> SUM(nn) OR SUM(so) <> SUM(oo) OR"
	  " SUM(sv) <> SUM(vv) OR SUM(z) > 0 LIMIT 1" },
	{ "stored A/R totals equal the account balances",
	  /* ar_totals (migration 0032) and the accounts' balances by
	   * (location, account id % 16) in one pass; rows at zero are kept */
	  "SELECT CONCAT('location ', l, ' shard ', h, ': stored owed ', SUM(so),"
	  " ' credit ', SUM(sc), ' owing ', SUM(sn), ' but accounts owe ', SUM(ao),"
	  " ' credit ', SUM(ac), ' owing ', SUM(an)) FROM (SELECT location_id l,"
	  " shard h, owed so, credit sc, accounts_owing sn, 0 ao, 0 ac, 0 an"
	  " FROM ar_totals UNION ALL SELECT COALESCE(location_id, 0), id % 16, 0, 0, 0,"
	  " GREATEST(fig_balance, 0), GREATEST(-fig_balance, 0), fig_balance > 0"
	  " FROM accounts WHERE fig_balance <> 0) x"
	  " GROUP BY l, h HAVING SUM(so) <> SUM(ao) OR SUM(sc) <> SUM(ac)"
	  " OR SUM(sn) <> SUM(an) LIMIT 1" },
};

size_t
store_ledger_invariants(void)
{
	return ARRAY_LEN(invariants);
}

const char *
store_ledger_invariant_name(size_t i)
{
	return i < ARRAY_LEN(invariants) ? invariants[i].name : "";
}

int
store_ledger_invariant_check(struct db *db, size_t i, char *found,
    size_t foundsz)
{
	struct db_result r;
	int rc;

	found[0] = '\0';
	if (i >= ARRAY_LEN(invariants))
		return DB_ERR;
	rc = db_query(db, invariants[i].sql, NULL, 0, &r);
	if (rc == DB_OK && r.nrows > 0) {
		str_copy(found, foundsz, db_str(&r, 0, 0));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

/* Each invariant groups whole tables once. MariaDB's "split
 * materialization" would instead regroup a derived table per outer row (per
 * account: minutes at 1,000 accounts once accounts has an index covering
 * its id, as since migration 0023), so it is off for these queries. */
int
store_ledger_verify_split(struct db *db, int on)
{
	return db_exec(db, on ? "SET SESSION optimizer_switch = 'split_materialized=default'" :
	    "SET SESSION optimizer_switch = 'split_materialized=off'", NULL, 0, NULL, NULL);
}
