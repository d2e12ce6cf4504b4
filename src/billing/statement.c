#include "common.h"

#include <json-c/json.h>

#include "audit.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "statement.h"
#include "store_receivables.h"
#include "str.h"

#define STATEMENT_MAX_DAYS	3653	/* ten years, leap days included */
#define SNAPSHOT_VERSION	2	/* 2: unapplied, account_credit */
#define BATCH_INSERT_ROWS	16	/* rows per INSERT: 2 binds each, db.c takes 32 */

/* Transaction bodies return a db status (<= 0) or one of these (> 0): db_tx
 * rolls back and hands them through. */
static int
st_status(int rc)
{
	if (rc == DB_OK)
		return ST_OK;
	if (rc == ST_NOT_FOUND || rc == ST_INVALID)
		return rc;
	return ST_DB;
}

/* Who to record in created_by: staff users only (other actors' ids are not
 * user ids). */
static struct db_param
created_by(const struct actor *a)
{
	if (a != NULL && a->id > 0 && a->kind != NULL &&
	    strcmp(a->kind, "staff") == 0)
		return DB_I64(a->id);
	return DB_NULL;
}

/* Drops a multi-byte UTF-8 sequence cut short at the end of s (after a
 * truncating copy). */
static void
utf8_cut(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0xC0)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

void
statement_free(struct statement *st)
{
	if (st == NULL)
		return;
	free(st->lines);
	st->lines = NULL;
	st->nlines = 0;
}

/* --- computing a statement ----------------------------------------------- */

struct period {
	const char	*from, *to;
	int64_t		 from_days, to_days;
};

static int
period_check(const char *from, const char *to, struct period *p)
{
	p->from = from;
	p->to = to;
	if (from == NULL || to == NULL || date_parse(from, &p->from_days) == -1 ||
	    date_parse(to, &p->to_days) == -1)
		return ST_INVALID;
	if (p->to_days < p->from_days ||
	    p->to_days - p->from_days > STATEMENT_MAX_DAYS)
		return ST_INVALID;
	return ST_OK;
}

/* Printable address lines (empty ones dropped): street, street, city line. */
static void
address_lines(struct statement *st, const struct db_result *r)
{
	const char *a1 = db_str(r, 0, 1), *a2 = db_str(r, 0, 2);
	const char *city = db_str(r, 0, 3), *region = db_str(r, 0, 4);
	const char *postal = db_str(r, 0, 5);
	char line[201];
	size_t k = 0;

	str_fmt(line, sizeof(line), "%s%s%s%s%s", city,
	    city[0] && region[0] ? ", " : "", region,
	    (city[0] || region[0]) && postal[0] ? " " : "", postal);
	utf8_cut(line);
	memset(st->address, 0, sizeof(st->address));
	if (a1[0] != '\0')
		str_copy(st->address[k++], sizeof(st->address[0]), a1);
	if (a2[0] != '\0')
		str_copy(st->address[k++], sizeof(st->address[0]), a2);
	if (line[0] != '\0')
		str_copy(st->address[k++], sizeof(st->address[0]), line);
}

/* Header: account name and address, client name; checks the client belongs
 * to the account (account_id 0: the client's account). */
static int
load_parties(struct db *db, struct statement *st)
{
	struct db_result r;
	int rc;

	if (st->client_id != 0) {
		struct db_param p[] = { DB_I64(st->client_id) };

		rc = db_query(db, "SELECT account_id, CONCAT(first_name, ' ',"
		    " last_name) FROM clients WHERE id = ?", p, 1, &r);
		if (rc == DB_OK && (r.nrows == 0 || (st->account_id != 0 &&
		    db_i64(&r, 0, 0) != st->account_id)))
			rc = ST_NOT_FOUND;
		if (rc == DB_OK) {
			st->account_id = db_i64(&r, 0, 0);
			str_copy(st->client_name, sizeof(st->client_name),
			    db_str(&r, 0, 1));
		}
		db_result_free(&r);
		if (rc != DB_OK)
			return rc;
	}
	{
		struct db_param p[] = { DB_I64(st->account_id) };

		rc = db_query(db, "SELECT name, address1, address2, city, region,"
		    " postal_code FROM accounts WHERE id = ?", p, 1, &r);
		if (rc == DB_OK && r.nrows == 0)
			rc = ST_NOT_FOUND;
		if (rc == DB_OK) {
			str_copy(st->account_name, sizeof(st->account_name),
			    db_str(&r, 0, 0));
			address_lines(st, &r);
		}
		db_result_free(&r);
	}
	return rc;
}

static int
load_opening(struct db *db, struct statement *st, const struct period *pd)
{
	struct db_result r;
	int rc;

	if (st->client_id != 0) {
		/* Its invoices' entries less the money applied to them. */
		struct db_param p[] = { DB_I64(st->client_id), DB_STR(pd->from),
		    DB_I64(st->client_id), DB_STR(pd->from) };
		rc = db_query(db, "SELECT (SELECT COALESCE(SUM(amount), 0)"
		    " FROM ledger_entries WHERE client_id = ? AND invoice_id IS NOT NULL"
		    " AND entry_date < ?) - (SELECT COALESCE(SUM(x.amount), 0)"
		    " FROM allocations x JOIN invoices i ON i.id = x.invoice_id"
		    " JOIN payments p ON p.id = x.payment_id WHERE i.client_id = ?"
		    " AND p.received_date < ?)", p, ARRAY_LEN(p), &r);
	} else {
		struct db_param p[] = { DB_I64(st->account_id), DB_STR(pd->from) };
		rc = db_query(db, "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
		    " WHERE account_id = ? AND entry_date < ?", p, 2, &r);
	}
	if (rc == DB_OK)
		st->opening = db_i64(&r, 0, 0);
	db_result_free(&r);
	return rc;
}

/* Line columns: kind, amount, entry_date, invoice number, memo, payment
 * method, payment reference. */
static void
line_describe(struct statement_line *l, const struct db_result *r, size_t i)
{
	const char *number = db_str(r, i, 3), *memo = db_str(r, i, 4);

	if (strcmp(l->kind, "payment") == 0) {
		/* On a client's statement: the invoices it was applied to. */
		const char *ref = db_str(r, i, 6);
		str_fmt(l->description, sizeof(l->description),
		    "Payment \xe2\x80\x94 %s%s%s%s%s", db_str(r, i, 5),
		    ref[0] ? " " : "", ref, number[0] ? ", applied to " : "", number);
	} else if (strcmp(l->kind, "refund") == 0)
		str_copy(l->description, sizeof(l->description), "Refund");
	else {
		/* charge, discount, adjustment, writeoff: "INV-000012 memo" */
		if (memo[0] == '\0')
			memo = l->kind;
		str_fmt(l->description, sizeof(l->description), "%s%s%s", number,
		    number[0] ? " " : "", memo);
	}
	utf8_cut(l->description);
}

static int
load_lines(struct db *db, struct statement *st, const struct period *pd)
{
	struct db_result r;
	int64_t *amounts = NULL, *running = NULL;
	int rc;

	if (st->client_id != 0) {
		/* Its invoices' entries, and each payment for what it applied to
		 * its invoices (net of releases), dated by the payment. */
		struct db_param p[] = { DB_I64(st->client_id), DB_STR(pd->from),
		    DB_STR(pd->to), DB_I64(st->client_id), DB_STR(pd->from),
		    DB_STR(pd->to) };
		rc = db_query(db, "SELECT kind, amount, d, num, memo, method, ref"
		    " FROM (SELECT e.kind, e.amount, e.entry_date AS d,"
		    " COALESCE(i.number, '') AS num, e.memo, '' AS method, '' AS ref,"
		    " 0 AS grp, e.id AS sid FROM ledger_entries e"
		    " JOIN invoices i ON i.id = e.invoice_id"
		    " WHERE e.client_id = ? AND e.entry_date BETWEEN ? AND ?"
		    " UNION ALL SELECT 'payment', -SUM(x.amount), p.received_date,"
		    " GROUP_CONCAT(DISTINCT i.number ORDER BY i.number SEPARATOR ', '),"
		    " p.memo, p.method, p.reference, 1, p.id FROM allocations x"
		    " JOIN invoices i ON i.id = x.invoice_id"
		    " JOIN payments p ON p.id = x.payment_id"
		    " WHERE i.client_id = ? AND p.received_date BETWEEN ? AND ?"
		    " GROUP BY p.id, p.received_date, p.memo, p.method, p.reference"
		    " HAVING SUM(x.amount) <> 0) u ORDER BY d, grp, sid",
		    p, ARRAY_LEN(p), &r);
	} else {
		struct db_param p[] = { DB_I64(st->account_id), DB_STR(pd->from),
		    DB_STR(pd->to) };
		rc = db_query(db, "SELECT e.kind, e.amount, e.entry_date,"
		    " COALESCE(i.number, ''), e.memo, COALESCE(p.method, ''),"
		    " COALESCE(p.reference, '') FROM ledger_entries e"
		    " LEFT JOIN invoices i ON i.id = e.invoice_id"
		    " LEFT JOIN payments p ON p.id = e.payment_id"
		    " WHERE e.account_id = ? AND e.entry_date BETWEEN ? AND ?"
		    " ORDER BY e.entry_date, e.id", p, ARRAY_LEN(p), &r);
	}
	if (rc != DB_OK)
		goto done;
	st->nlines = r.nrows;
	if (r.nrows > 0) {
		st->lines = calloc(r.nrows, sizeof(*st->lines));
		amounts = calloc(r.nrows, sizeof(*amounts));
		running = calloc(r.nrows, sizeof(*running));
		if (st->lines == NULL || amounts == NULL || running == NULL) {
			rc = DB_ERR;
			goto done;
		}
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct statement_line *l = &st->lines[i];

		str_copy(l->kind, sizeof(l->kind), db_str(&r, i, 0));
		l->amount = amounts[i] = db_i64(&r, i, 1);
		str_copy(l->date, sizeof(l->date), db_str(&r, i, 2));
		line_describe(l, &r, i);
	}
	if (calc_statement(st->opening, amounts, r.nrows, running,
	    &st->closing) == -1) {
		rc = ST_INVALID;
		goto done;
	}
	for (size_t i = 0; i < r.nrows; i++)
		st->lines[i].running = running[i];
	st->amount_due = st->closing > 0 ? st->closing : 0;
done:
	free(amounts);
	free(running);
	db_result_free(&r);
	return rc;
}

/* Open amounts of the invoices as of the end of the period (entries dated
 * up to then, minus allocations of payments received up to then), by days
 * between due date and period end. As of period end, not today, so a
 * statement for a past period ages what was owed then and agrees with its
 * closing balance; void invoices count (zero once their reversal is dated
 * in the period), so one voided later was open at the period end. An
 * amount applied ahead of the charges it paid (negative open) is not aged:
 * it is unapplied credit at the period end (see load_reconcile). */
static int
load_aging(struct db *db, struct statement *st, const struct period *pd)
{
	struct db_result r;
	int rc;

	if (st->client_id != 0) {
		struct db_param p[] = { DB_STR(pd->to), DB_STR(pd->to),
		    DB_I64(st->client_id) };
		rc = db_query(db, "SELECT i.due_date,"
		    " (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e"
		    "  WHERE e.invoice_id = i.id AND e.entry_date <= ?) -"
		    " (SELECT COALESCE(SUM(x.amount), 0) FROM allocations x"
		    "  JOIN payments p ON p.id = x.payment_id"
		    "  WHERE x.invoice_id = i.id AND p.received_date <= ?) AS open"
		    " FROM invoices i WHERE i.client_id = ? AND i.status <> 'draft'"
		    " HAVING open > 0", p, ARRAY_LEN(p), &r);
	} else {
		struct db_param p[] = { DB_STR(pd->to), DB_STR(pd->to),
		    DB_I64(st->account_id) };
		rc = db_query(db, "SELECT i.due_date,"
		    " (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e"
		    "  WHERE e.invoice_id = i.id AND e.entry_date <= ?) -"
		    " (SELECT COALESCE(SUM(x.amount), 0) FROM allocations x"
		    "  JOIN payments p ON p.id = x.payment_id"
		    "  WHERE x.invoice_id = i.id AND p.received_date <= ?) AS open"
		    " FROM invoices i WHERE i.account_id = ? AND i.status <> 'draft'"
		    " HAVING open > 0", p, ARRAY_LEN(p), &r);
	}
	memset(st->aging, 0, sizeof(st->aging));
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		int64_t due;

		if (date_parse(db_str(&r, i, 0), &due) == -1) {
			rc = DB_ERR;
			break;
		}
		st->aging[calc_aging_bucket(pd->to_days - due)] += db_i64(&r, i, 1);
	}
	db_result_free(&r);
	return rc;
}

/* Closing = aging total - unapplied: the difference is a printed line.
 * For a client, the account's credit at the period end, shown beside. */
static int
load_reconcile(struct db *db, struct statement *st, const struct period *pd)
{
	struct db_param p[] = { DB_I64(st->account_id), DB_STR(pd->to),
	    DB_I64(st->account_id), DB_STR(pd->to) };
	int64_t total, credit = 0;
	int rc;

	if (calc_statement_reconcile(st->closing, st->aging, &total,
	    &st->unapplied) == -1)
		return ST_INVALID;
	if (st->client_id == 0)
		return DB_OK;
	rc = db_query_i64(db, "SELECT (SELECT COALESCE(-SUM(amount), 0)"
	    " FROM ledger_entries WHERE account_id = ? AND entry_date <= ?"
	    " AND kind IN ('payment', 'refund')) - (SELECT COALESCE(SUM(x.amount), 0)"
	    " FROM allocations x JOIN payments p ON p.id = x.payment_id"
	    " WHERE p.account_id = ? AND p.received_date <= ?)",
	    p, ARRAY_LEN(p), &credit);
	st->account_credit = credit > 0 ? credit : 0;
	return rc;
}

/* Fills *st (statement_free it, also on error). Returns a db status or
 * ST_NOT_FOUND / ST_INVALID. Works inside or outside a transaction. */
static int
statement_compute(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct statement *st)
{
	struct period pd;
	int rc;

	memset(st, 0, sizeof(*st));
	st->account_id = account_id;
	st->client_id = client_id;
	if ((rc = period_check(from, to, &pd)) != ST_OK)
		return rc;
	if (account_id <= 0 && client_id <= 0)
		return ST_NOT_FOUND;
	str_copy(st->period_start, sizeof(st->period_start), from);
	str_copy(st->period_end, sizeof(st->period_end), to);
	date_fmt(date_today(), st->statement_date, sizeof(st->statement_date));
	date_fmt(date_today() + STATEMENT_DUE_DAYS, st->due_date,
	    sizeof(st->due_date));
	if ((rc = load_parties(db, st)) != DB_OK ||
	    (rc = load_opening(db, st, &pd)) != DB_OK ||
	    (rc = load_lines(db, st, &pd)) != DB_OK ||
	    (rc = load_aging(db, st, &pd)) != DB_OK)
		return rc;
	return load_reconcile(db, st, &pd);
}

int
statement_preview(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct statement *st)
{
	int rc = st_status(statement_compute(db, account_id, client_id, from, to,
	    st));

	if (rc != ST_OK)
		statement_free(st);
	return rc;
}

/* --- snapshot JSON ------------------------------------------------------- */

static void
jput_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
jput_i64(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* The whole statement as JSON text (caller frees), NULL on ENOMEM. */
static char *
snapshot_encode(const struct statement *st)
{
	json_object *o = json_object_new_object(), *a, *g, *lines;
	const char *text;
	char *out = NULL;

	if (o == NULL)
		return NULL;
	jput_i64(o, "version", SNAPSHOT_VERSION);
	jput_str(o, "number", st->number);
	jput_i64(o, "account_id", st->account_id);
	jput_i64(o, "client_id", st->client_id);
	jput_str(o, "account_name", st->account_name);
	jput_str(o, "client_name", st->client_name);
	a = json_object_new_array();
	for (size_t i = 0; a != NULL && i < ARRAY_LEN(st->address); i++)
		json_object_array_add(a, json_object_new_string(st->address[i]));
	json_object_object_add(o, "address", a);
	jput_str(o, "period_start", st->period_start);
	jput_str(o, "period_end", st->period_end);
	jput_str(o, "statement_date", st->statement_date);
	jput_str(o, "due_date", st->due_date);
	jput_i64(o, "opening", st->opening);
	jput_i64(o, "closing", st->closing);
	jput_i64(o, "amount_due", st->amount_due);
	jput_i64(o, "unapplied", st->unapplied);
	jput_i64(o, "account_credit", st->account_credit);
	g = json_object_new_array();
	for (size_t i = 0; g != NULL && i < AGING_BUCKETS; i++)
		json_object_array_add(g, json_object_new_int64(st->aging[i]));
	json_object_object_add(o, "aging", g);
	lines = json_object_new_array();
	for (size_t i = 0; lines != NULL && i < st->nlines; i++) {
		const struct statement_line *l = &st->lines[i];
		json_object *lo = json_object_new_object();

		if (lo == NULL)
			break;
		jput_str(lo, "date", l->date);
		jput_str(lo, "kind", l->kind);
		jput_str(lo, "description", l->description);
		jput_i64(lo, "amount", l->amount);
		jput_i64(lo, "running", l->running);
		json_object_array_add(lines, lo);
	}
	json_object_object_add(o, "lines", lines);
	if (a != NULL && g != NULL && lines != NULL &&
	    json_object_array_length(lines) == st->nlines &&
	    (text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) != NULL)
		out = str_dup(text);
	json_object_put(o);
	return out;
}

static void
jget_str(json_object *o, const char *k, char *out, size_t outsz)
{
	json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string))
		str_copy(out, outsz, json_object_get_string(v));
}

static int64_t
jget_i64(json_object *o, const char *k)
{
	json_object *v;

	if (json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

static int
snapshot_lines(json_object *arr, struct statement *st)
{
	size_t n = json_object_array_length(arr);

	if (n == 0)
		return 0;
	if ((st->lines = calloc(n, sizeof(*st->lines))) == NULL)
		return -1;
	st->nlines = n;
	for (size_t i = 0; i < n; i++) {
		json_object *lo = json_object_array_get_idx(arr, i);
		struct statement_line *l = &st->lines[i];

		if (!json_object_is_type(lo, json_type_object))
			return -1;
		jget_str(lo, "date", l->date, sizeof(l->date));
		jget_str(lo, "kind", l->kind, sizeof(l->kind));
		jget_str(lo, "description", l->description, sizeof(l->description));
		l->amount = jget_i64(lo, "amount");
		l->running = jget_i64(lo, "running");
	}
	return 0;
}

/* Rebuilds *st from snapshot text; 0 or -1 (malformed). */
static int
snapshot_decode(const char *text, struct statement *st)
{
	json_object *o = json_tokener_parse(text), *v;
	int rc = -1;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto done;
	jget_str(o, "number", st->number, sizeof(st->number));
	st->account_id = jget_i64(o, "account_id");
	st->client_id = jget_i64(o, "client_id");
	jget_str(o, "account_name", st->account_name, sizeof(st->account_name));
	jget_str(o, "client_name", st->client_name, sizeof(st->client_name));
	if (json_object_object_get_ex(o, "address", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < ARRAY_LEN(st->address) &&
		    i < json_object_array_length(v); i++)
			str_copy(st->address[i], sizeof(st->address[i]),
			    json_object_get_string(json_object_array_get_idx(v, i)));
	jget_str(o, "period_start", st->period_start, sizeof(st->period_start));
	jget_str(o, "period_end", st->period_end, sizeof(st->period_end));
	jget_str(o, "statement_date", st->statement_date,
	    sizeof(st->statement_date));
	jget_str(o, "due_date", st->due_date, sizeof(st->due_date));
	st->opening = jget_i64(o, "opening");
	st->closing = jget_i64(o, "closing");
	st->amount_due = jget_i64(o, "amount_due");
	if (json_object_object_get_ex(o, "aging", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < AGING_BUCKETS &&
		    i < json_object_array_length(v); i++)
			st->aging[i] = json_object_get_int64(
			    json_object_array_get_idx(v, i));
	/* Version 1 snapshots did not store the difference: it is printed
	 * all the same, computed from what they say. */
	if (jget_i64(o, "version") >= 2) {
		st->unapplied = jget_i64(o, "unapplied");
		st->account_credit = jget_i64(o, "account_credit");
	} else {
		int64_t total;
		if (calc_statement_reconcile(st->closing, st->aging, &total,
		    &st->unapplied) == -1)
			goto done;
	}
	if (!json_object_object_get_ex(o, "lines", &v) ||
	    !json_object_is_type(v, json_type_array))
		goto done;
	rc = snapshot_lines(v, st);
done:
	json_object_put(o);
	return rc;
}

/* --- storing statements -------------------------------------------------- */

struct gen_args {
	const struct actor	*actor;
	int64_t			 account_id, client_id, batch_id;
	const char		*from, *to;
	int64_t			 id;	/* out */
};

/* Next number from the locked sequence row (gap-free: the row stays locked
 * until the transaction ends). */
static int
next_statement_number(struct db *db, char *out, size_t outsz)
{
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT next_value FROM sequences WHERE name ="
	    " 'statement' FOR UPDATE", NULL, 0, &r);
	if (rc == DB_OK && r.nrows != 1)
		rc = DB_ERR;
	if (rc == DB_OK)
		str_fmt(out, outsz, "STMT-%06" PRId64, db_i64(&r, 0, 0));
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	return db_exec(db, "UPDATE sequences SET next_value = next_value + 1"
	    " WHERE name = 'statement'", NULL, 0, NULL, NULL);
}

static int
statement_insert(struct db *db, const struct gen_args *g,
    const struct statement *st, const char *snapshot, int64_t *id)
{
	struct db_param p[] = { DB_STR(st->number), DB_I64(st->account_id),
	    st->client_id ? DB_I64(st->client_id) : DB_NULL,
	    g->batch_id ? DB_I64(g->batch_id) : DB_NULL,
	    DB_STR(st->period_start), DB_STR(st->period_end),
	    DB_STR(st->statement_date), DB_STR(st->due_date), DB_I64(st->opening),
	    DB_I64(st->closing), DB_I64(st->amount_due), DB_STR(snapshot),
	    created_by(g->actor), DB_I64(clock_now()) };
	uint64_t nid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO statements (number, account_id, client_id,"
	    " batch_id, period_start, period_end, statement_date, due_date,"
	    " opening_balance, closing_balance, amount_due, snapshot, created_by,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &nid);
	*id = (int64_t)nid;
	return rc;
}

/* Computes, numbers, stores and audits one statement inside the caller's
 * transaction. */
static int
statement_generate_in_tx(struct db *db, struct gen_args *g)
{
	struct statement st;
	char *snapshot = NULL, detail[300];
	int rc;

	rc = statement_compute(db, g->account_id, g->client_id, g->from, g->to,
	    &st);
	if (rc == DB_OK)
		rc = next_statement_number(db, st.number, sizeof(st.number));
	if (rc == DB_OK && (snapshot = snapshot_encode(&st)) == NULL)
		rc = DB_ERR;
	if (rc == DB_OK)
		rc = statement_insert(db, g, &st, snapshot, &g->id);
	if (rc == DB_OK) {
		str_fmt(detail, sizeof(detail), "number=%s account_id=%" PRId64
		    " client_id=%" PRId64 " period=%s..%s closing=%" PRId64,
		    st.number, st.account_id, st.client_id, st.period_start,
		    st.period_end, st.closing);
		rc = audit_record(db, g->actor, "statement.generate", "statement",
		    g->id, detail);
	}
	free(snapshot);
	statement_free(&st);
	return rc;
}

static int
generate_tx(struct db *db, void *arg)
{
	return statement_generate_in_tx(db, arg);
}

int
statement_generate_tx(struct db *db, const struct actor *actor,
    int64_t account_id, int64_t client_id, const char *from, const char *to,
    int64_t batch_id, int64_t *id_out)
{
	struct gen_args g = { actor, account_id, client_id, batch_id, from, to, 0 };
	int rc = statement_generate_in_tx(db, &g);

	if (rc == DB_OK && id_out)
		*id_out = g.id;
	return rc;
}

int
statement_generate(struct db *db, const struct actor *actor, int64_t account_id,
    int64_t client_id, const char *from, const char *to, int64_t batch_id,
    int64_t *id_out)
{
	struct gen_args g = { actor, account_id, client_id, batch_id, from, to, 0 };
	int rc = st_status(db_tx(db, generate_tx, &g));

	if (rc == ST_OK && id_out)
		*id_out = g.id;
	return rc;
}

int
statement_get(struct db *db, int64_t id, struct statement *st)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = db_query(db, "SELECT snapshot FROM statements WHERE id = ?", p, 1, &r);
	if (rc != DB_OK)
		rc = ST_DB;
	else if (r.nrows == 0)
		rc = ST_NOT_FOUND;
	else if (snapshot_decode(db_str(&r, 0, 0), st) == -1) {
		statement_free(st);
		rc = ST_DB;
	} else
		st->id = id;
	db_result_free(&r);
	return rc;
}

int
statement_list(struct db *db, int64_t account_id, struct statement **out,
    size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT s.id, s.number, s.account_id,"
	    " COALESCE(s.client_id, 0), s.period_start, s.period_end,"
	    " s.statement_date, s.due_date, s.opening_balance, s.closing_balance,"
	    " s.amount_due, a.name, COALESCE(CONCAT(c.first_name, ' ', c.last_name), '')"
	    " FROM statements s JOIN accounts a ON a.id = s.account_id"
	    " LEFT JOIN clients c ON c.id = s.client_id"
	    " WHERE s.account_id = ? ORDER BY s.id DESC", p, 1, &r);
	if (rc != DB_OK || (r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)) {
		db_result_free(&r);
		return ST_DB;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct statement *s = &(*out)[i];

		s->id = db_i64(&r, i, 0);
		str_copy(s->number, sizeof(s->number), db_str(&r, i, 1));
		s->account_id = db_i64(&r, i, 2);
		s->client_id = db_i64(&r, i, 3);
		str_copy(s->period_start, sizeof(s->period_start), db_str(&r, i, 4));
		str_copy(s->period_end, sizeof(s->period_end), db_str(&r, i, 5));
		str_copy(s->statement_date, sizeof(s->statement_date),
		    db_str(&r, i, 6));
		str_copy(s->due_date, sizeof(s->due_date), db_str(&r, i, 7));
		s->opening = db_i64(&r, i, 8);
		s->closing = db_i64(&r, i, 9);
		s->amount_due = db_i64(&r, i, 10);
		str_copy(s->account_name, sizeof(s->account_name), db_str(&r, i, 11));
		str_copy(s->client_name, sizeof(s->client_name), db_str(&r, i, 12));
	}
	*n = r.nrows;
	db_result_free(&r);
	return ST_OK;
}

#define STATEMENT_HEAD_COLS "s.id, s.number, s.account_id," \
	" COALESCE(s.client_id, 0), s.period_start, s.period_end," \
	" s.statement_date, s.due_date, s.opening_balance, s.closing_balance," \
	" s.amount_due, a.name, COALESCE(CONCAT(c.first_name, ' ', c.last_name), '')"
#define STATEMENT_HEAD_FROM " FROM statements s JOIN accounts a" \
	" ON a.id = s.account_id LEFT JOIN clients c ON c.id = s.client_id"

/* One query per filter shape, each walking an index in id order:
 * PRIMARY, statements_account (account_id, id), statements_batch
 * (batch_id, id via the primary key). */
static int
statement_find_query(struct db *db, const struct statement_filter *f,
    int64_t before, int64_t lim, struct db_result *r)
{
	if (f->batch_id) {
		struct db_param p[] = { DB_I64(f->batch_id), DB_I64(before),
		    DB_I64(lim) };
		return db_query(db, "SELECT " STATEMENT_HEAD_COLS
		    STATEMENT_HEAD_FROM " WHERE s.batch_id = ? AND s.id < ?"
		    " ORDER BY s.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
	}
	if (f->account_id) {
		struct db_param p[] = { DB_I64(f->account_id), DB_I64(before),
		    DB_I64(lim) };
		return db_query(db, "SELECT " STATEMENT_HEAD_COLS
		    STATEMENT_HEAD_FROM " WHERE s.account_id = ? AND s.id < ?"
		    " ORDER BY s.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
	}
	{
		struct db_param p[] = { DB_I64(before), DB_I64(lim) };
		return db_query(db, "SELECT " STATEMENT_HEAD_COLS
		    STATEMENT_HEAD_FROM " WHERE s.id < ?"
		    " ORDER BY s.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
	}
}

int
statement_find(struct db *db, const struct statement_filter *f,
    struct statement **out, size_t *n, int *more)
{
	size_t lim = f->limit < 1 ? 1 : f->limit > STATEMENT_FIND_MAX ?
	    STATEMENT_FIND_MAX : f->limit, i;
	int64_t before = f->before_id > 0 ? f->before_id : INT64_MAX;
	struct db_result r;

	*out = NULL;
	*n = 0;
	*more = 0;
	/* One row more than asked tells whether an older page exists. */
	if (statement_find_query(db, f, before, (int64_t)lim + 1, &r) != DB_OK ||
	    (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)) {
		db_result_free(&r);
		return ST_DB;
	}
	for (i = 0; i < r.nrows && i < lim; i++) {
		struct statement *s = &(*out)[i];

		s->id = db_i64(&r, i, 0);
		str_copy(s->number, sizeof(s->number), db_str(&r, i, 1));
		s->account_id = db_i64(&r, i, 2);
		s->client_id = db_i64(&r, i, 3);
		str_copy(s->period_start, sizeof(s->period_start), db_str(&r, i, 4));
		str_copy(s->period_end, sizeof(s->period_end), db_str(&r, i, 5));
		str_copy(s->statement_date, sizeof(s->statement_date),
		    db_str(&r, i, 6));
		str_copy(s->due_date, sizeof(s->due_date), db_str(&r, i, 7));
		s->opening = db_i64(&r, i, 8);
		s->closing = db_i64(&r, i, 9);
		s->amount_due = db_i64(&r, i, 10);
		str_copy(s->account_name, sizeof(s->account_name), db_str(&r, i, 11));
		str_copy(s->client_name, sizeof(s->client_name), db_str(&r, i, 12));
	}
	*n = i;
	*more = r.nrows > lim;
	db_result_free(&r);
	return ST_OK;
}

/* --- batches ------------------------------------------------------------- */

struct batch_args {
	const struct actor	*actor;
	const char		*from, *to;
	int64_t			 location_id, min_balance;
	const int64_t		*accounts;	/* selected before the transaction */
	size_t			 naccounts;
	int64_t			 id;		/* out */
};

/* Accounts to bill: one grouped pass over the ledger. A plain (consistent,
 * non-locking) read: INSERT ... SELECT would share-lock every ledger row
 * it reads and stall payments for the length of the scan. */
static int
batch_select_accounts(struct db *db, int64_t location_id, int64_t min_balance,
    int64_t **out, size_t *n)
{
	struct db_param p[] = { DB_I64(location_id), DB_I64(location_id),
	    DB_I64(min_balance) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT e.account_id FROM ledger_entries e"
	    " JOIN accounts a ON a.id = e.account_id"
	    " WHERE ? = 0 OR a.location_id = ? GROUP BY e.account_id"
	    " HAVING SUM(e.amount) >= ? ORDER BY e.account_id",
	    p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		(*out)[i] = db_i64(&r, i, 0);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

#define ITEM_ROW	"(?, ?)"
#define ITEM_ROWS4	ITEM_ROW ", " ITEM_ROW ", " ITEM_ROW ", " ITEM_ROW
#define ITEM_ROWS16	ITEM_ROWS4 ", " ITEM_ROWS4 ", " ITEM_ROWS4 ", " ITEM_ROWS4

static int
batch_insert_items(struct db *db, int64_t batch_id, const int64_t *acc, size_t n)
{
	struct db_param p[2 * BATCH_INSERT_ROWS];
	size_t i = 0;
	int rc = DB_OK;

	for (; rc == DB_OK && n - i >= BATCH_INSERT_ROWS; i += BATCH_INSERT_ROWS) {
		for (size_t k = 0; k < BATCH_INSERT_ROWS; k++) {
			p[2 * k] = DB_I64(batch_id);
			p[2 * k + 1] = DB_I64(acc[i + k]);
		}
		rc = db_exec(db, "INSERT INTO statement_batch_items (batch_id,"
		    " account_id) VALUES " ITEM_ROWS16, p, ARRAY_LEN(p), NULL, NULL);
	}
	for (; rc == DB_OK && i < n; i++) {
		p[0] = DB_I64(batch_id);
		p[1] = DB_I64(acc[i]);
		rc = db_exec(db, "INSERT INTO statement_batch_items (batch_id,"
		    " account_id) VALUES " ITEM_ROW, p, 2, NULL, NULL);
	}
	return rc;
}

static int
batch_create_tx(struct db *db, void *arg)
{
	struct batch_args *b = arg;
	int64_t now = clock_now(), total = (int64_t)b->naccounts;
	struct db_param p[] = { DB_STR(total ? "running" : "done"), DB_STR(b->from),
	    DB_STR(b->to), b->location_id ? DB_I64(b->location_id) : DB_NULL,
	    DB_I64(b->min_balance), DB_I64(total), created_by(b->actor),
	    DB_I64(now), total ? DB_NULL : DB_I64(now) };
	uint64_t id = 0;
	char detail[300];
	int rc;

	rc = db_exec(db, "INSERT INTO statement_batches (status, period_start,"
	    " period_end, location_id, min_balance, total, created_by, created_at,"
	    " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p),
	    NULL, &id);
	if (rc != DB_OK)
		return rc;
	b->id = (int64_t)id;
	if ((rc = batch_insert_items(db, b->id, b->accounts, b->naccounts)) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "period=%s..%s location_id=%" PRId64
	    " min_balance=%" PRId64 " accounts=%" PRId64, b->from, b->to,
	    b->location_id, b->min_balance, total);
	return audit_record(db, b->actor, "statement_batch.create",
	    "statement_batch", b->id, detail);
}

int
statement_batch_create(struct db *db, const struct actor *actor, const char *from,
    const char *to, int64_t location_id, int64_t min_balance, int64_t *id_out)
{
	struct batch_args b = { actor, from, to, location_id, min_balance, NULL,
	    0, 0 };
	struct period pd;
	int64_t *acc = NULL;
	int rc;

	if (period_check(from, to, &pd) != ST_OK)
		return ST_INVALID;
	if (batch_select_accounts(db, location_id, min_balance, &acc,
	    &b.naccounts) != DB_OK)
		return ST_DB;
	b.accounts = acc;
	rc = st_status(db_tx(db, batch_create_tx, &b));
	free(acc);
	if (rc == ST_OK && id_out)
		*id_out = b.id;
	return rc;
}

struct step_args {
	const struct actor	*actor;
	int64_t			 batch_id;
	size_t			 max;
};

static int
batch_step_tx(struct db *db, void *arg)
{
	struct step_args *s = arg;
	struct db_param k[] = { DB_I64(s->batch_id) };
	struct db_param c[] = { DB_I64(s->batch_id), DB_I64((int64_t)s->max) };
	struct db_result hdr, items;
	struct gen_args g = { s->actor, 0, 0, s->batch_id, NULL, NULL, 0 };
	int rc;

	rc = db_query(db, "SELECT status, period_start, period_end FROM"
	    " statement_batches WHERE id = ?", k, 1, &hdr);
	if (rc == DB_OK && hdr.nrows == 0)
		rc = ST_NOT_FOUND;
	if (rc != DB_OK || strcmp(db_str(&hdr, 0, 0), "done") == 0) {
		db_result_free(&hdr);
		return rc;
	}
	g.from = db_str(&hdr, 0, 1);
	g.to = db_str(&hdr, 0, 2);
	/* Claimed rows stay locked until commit; a concurrent step skips them. */
	rc = db_query(db, "SELECT account_id FROM statement_batch_items"
	    " WHERE batch_id = ? AND statement_id IS NULL ORDER BY account_id"
	    " LIMIT ? FOR UPDATE SKIP LOCKED", c, ARRAY_LEN(c), &items);
	for (size_t i = 0; rc == DB_OK && i < items.nrows; i++) {
		g.account_id = db_i64(&items, i, 0);
		if ((rc = statement_generate_in_tx(db, &g)) == DB_OK) {
			struct db_param u[] = { DB_I64(g.id), DB_I64(s->batch_id),
			    DB_I64(g.account_id) };
			rc = db_exec(db, "UPDATE statement_batch_items SET"
			    " statement_id = ? WHERE batch_id = ? AND account_id = ?",
			    u, ARRAY_LEN(u), NULL, NULL);
		}
	}
	if (rc == DB_OK && items.nrows > 0) {
		struct db_param u[] = { DB_I64((int64_t)items.nrows),
		    DB_I64(clock_now()), DB_I64(s->batch_id) };
		rc = db_exec(db, "UPDATE statement_batches SET done = done + ?,"
		    " status = IF(done >= total, 'done', status),"
		    " finished_at = IF(done >= total, ?, finished_at) WHERE id = ?",
		    u, ARRAY_LEN(u), NULL, NULL);
	}
	db_result_free(&items);
	db_result_free(&hdr);
	return rc;
}

int
statement_batch_step(struct db *db, const struct actor *actor, int64_t batch_id,
    size_t max)
{
	struct step_args s = { actor, batch_id, max };

	if (max == 0)
		return ST_OK;
	return st_status(db_tx(db, batch_step_tx, &s));
}

int
statement_batch_get(struct db *db, int64_t id, struct statement_batch *b)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id, status, period_start, period_end,"
	    " COALESCE(location_id, 0), min_balance, total, done, created_at"
	    " FROM statement_batches WHERE id = ?", p, 1, &r);

	if (rc == DB_OK && r.nrows == 1) {
		b->id = db_i64(&r, 0, 0);
		str_copy(b->status, sizeof(b->status), db_str(&r, 0, 1));
		str_copy(b->period_start, sizeof(b->period_start), db_str(&r, 0, 2));
		str_copy(b->period_end, sizeof(b->period_end), db_str(&r, 0, 3));
		b->location_id = db_i64(&r, 0, 4);
		b->min_balance = db_i64(&r, 0, 5);
		b->total = db_i64(&r, 0, 6);
		b->done = db_i64(&r, 0, 7);
		b->created_at = db_i64(&r, 0, 8);
	}
	rc = rc != DB_OK ? ST_DB : r.nrows == 1 ? ST_OK : ST_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

/* --- A/R summary --------------------------------------------------------- */

/* Every location's part and, summed, the totals: one pass. */
static int
ar_locations(struct db *db, struct ar_summary *s, struct store_ar_totals *t)
{
	struct store_ar_location *v = calloc(AR_MAX_LOCATIONS + 1, sizeof(*v));
	size_t n = 0;
	int more = 0, rc;

	memset(t, 0, sizeof(*t));
	if (v == NULL)
		return DB_ERR;
	rc = store_receivables_by_location(db, v, AR_MAX_LOCATIONS + 1, &n, &more);
	if (rc == DB_OK && more)	/* totals need every group */
		rc = store_receivables_totals(db, 0, t);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		if (!more) {
			t->owed += v[i].owed;
			t->credit += v[i].credit;
			t->accounts_owing += v[i].accounts_owing;
		}
		if (v[i].location_id == 0)
			continue;
		if (s->nloc == AR_MAX_LOCATIONS) {
			more = 1;
			continue;
		}
		s->loc[s->nloc++] = (struct ar_location){ v[i].location_id,
		    v[i].owed, v[i].accounts_owing };
	}
	s->loc_complete = !more;
	free(v);
	return rc;
}

/* From the stored figures (migration 0023; ledger verify recomputes them):
 * three index-range reads whatever the size of the ledger. */
int
ar_summary(struct db *db, int64_t location_id, struct ar_summary *s)
{
	struct store_ar_account top[ARRAY_LEN(s->top)];
	struct store_ar_totals t;
	struct store_ar_due *due = NULL;
	int64_t today = date_today(), d;
	size_t ntop = 0, ndue = 0;
	int rc = ST_OK;

	memset(s, 0, sizeof(*s));
	if ((location_id ? store_receivables_totals(db, location_id, &t) :
	    ar_locations(db, s, &t)) != DB_OK ||
	    store_receivables_top(db, location_id, top, ARRAY_LEN(top), &ntop) != DB_OK ||
	    store_receivables_open_by_due(db, location_id, &due, &ndue) != DB_OK) {
		free(due);
		return ST_DB;
	}
	s->total = t.owed;
	s->credit = t.credit;
	s->accounts_with_balance = t.accounts_owing;
	for (size_t i = 0; i < ntop; i++) {
		s->top[i].account_id = top[i].account_id;
		str_copy(s->top[i].account_name, sizeof(s->top[i].account_name),
		    top[i].name);
		s->top[i].balance = top[i].balance;
	}
	s->ntop = ntop;
	for (size_t i = 0; i < ndue && rc == ST_OK; i++) {
		if (date_parse(due[i].due_date, &d) == -1)
			rc = ST_DB;
		else
			s->aging[calc_aging_bucket(today - d)] += due[i].open;
	}
	free(due);
	return rc;
}

