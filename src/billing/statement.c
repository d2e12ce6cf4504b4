#include "common.h"

#include "calc.h"
#include "clock.h"
#include "db.h"
#include "statement.h"
#include "statement_int.h"
#include "store_receivables.h"
#include "store_statement.h"
#include "str.h"

#define STATEMENT_MAX_DAYS	3653	/* ten years, leap days included */

/* Transaction bodies return a db status (<= 0) or one of these (> 0): db_tx
 * rolls back and hands them through. */
int
statement_status(int rc)
{
	if (rc == DB_OK)
		return ST_OK;
	if (rc == ST_NOT_FOUND || rc == ST_INVALID)
		return rc;
	return ST_DB;
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

int
statement_period_check(const char *from, const char *to,
    struct statement_period *p)
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
address_lines(struct statement *st, const struct store_statement_party *a)
{
	const char *city = a->city, *region = a->region;
	const char *postal = a->postal_code;
	char line[201];
	size_t k = 0;

	str_fmt(line, sizeof(line), "%s%s%s%s%s", city,
	    city[0] && region[0] ? ", " : "", region,
	    (city[0] || region[0]) && postal[0] ? " " : "", postal);
	utf8_cut(line);
	memset(st->address, 0, sizeof(st->address));
	if (a->address1[0] != '\0')
		str_copy(st->address[k++], sizeof(st->address[0]), a->address1);
	if (a->address2[0] != '\0')
		str_copy(st->address[k++], sizeof(st->address[0]), a->address2);
	if (line[0] != '\0')
		str_copy(st->address[k++], sizeof(st->address[0]), line);
}

/* Header: account name and address, client name; checks the client belongs
 * to the account (account_id 0: the client's account). */
static int
load_parties(struct db *db, struct statement *st)
{
	struct store_statement_party a;
	int64_t account_id = 0;
	int rc;

	if (st->client_id != 0) {
		rc = store_statement_client_get(db, st->client_id, &account_id,
		    st->client_name, sizeof(st->client_name));
		if (rc < 0)
			return rc;
		if (rc == 0 || (st->account_id != 0 && account_id != st->account_id))
			return ST_NOT_FOUND;
		st->account_id = account_id;
	}
	if ((rc = store_statement_party_get(db, st->account_id, &a)) <= 0)
		return rc < 0 ? rc : ST_NOT_FOUND;
	str_copy(st->account_name, sizeof(st->account_name), a.name);
	address_lines(st, &a);
	return DB_OK;
}

/* Line facts: invoice number, memo, payment method and reference. */
static void
line_describe(struct statement_line *l, const struct store_statement_row *w)
{
	const char *number = w->number, *memo = w->memo;

	if (strcmp(l->kind, "payment") == 0) {
		/* On a client's statement: the invoices it was applied to. */
		const char *ref = w->reference;
		str_fmt(l->description, sizeof(l->description),
		    "Payment \xe2\x80\x94 %s%s%s%s%s", w->method,
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

/* Lines with running balances from the opening; closing, amount due. */
static int
lines_fill(struct statement *st, const struct store_statement_row *w, size_t n)
{
	int64_t *amounts = NULL, *running = NULL;
	int rc = DB_OK;

	st->nlines = n;
	if (n > 0) {
		st->lines = calloc(n, sizeof(*st->lines));
		amounts = calloc(n, sizeof(*amounts));
		running = calloc(n, sizeof(*running));
		if (st->lines == NULL || amounts == NULL || running == NULL)
			rc = DB_ERR;
	}
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		struct statement_line *l = &st->lines[i];

		str_copy(l->kind, sizeof(l->kind), w[i].kind);
		l->amount = amounts[i] = w[i].amount;
		str_copy(l->date, sizeof(l->date), w[i].date);
		line_describe(l, &w[i]);
	}
	if (rc == DB_OK && calc_statement(st->opening, amounts, n, running,
	    &st->closing) == -1)
		rc = ST_INVALID;
	for (size_t i = 0; rc == DB_OK && i < n; i++)
		st->lines[i].running = running[i];
	st->amount_due = st->closing > 0 ? st->closing : 0;
	free(amounts);
	free(running);
	return rc;
}

static int
load_lines(struct db *db, struct statement *st, const struct statement_period *pd)
{
	struct store_statement_row *w = NULL;
	size_t n = 0;
	int rc;

	rc = store_statement_rows(db, st->account_id, st->client_id, pd->from,
	    pd->to, &w, &n);
	if (rc == DB_OK)
		rc = lines_fill(st, w, n);
	free(w);
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
aging_fill(struct statement *st, const struct statement_period *pd,
    const struct store_statement_open *o, size_t n)
{
	memset(st->aging, 0, sizeof(st->aging));
	for (size_t i = 0; i < n; i++) {
		int64_t due;

		if (date_parse(o[i].due_date, &due) == -1)
			return DB_ERR;
		st->aging[calc_aging_bucket(pd->to_days - due)] += o[i].open;
	}
	return DB_OK;
}

static int
load_aging(struct db *db, struct statement *st, const struct statement_period *pd)
{
	struct store_statement_open *o = NULL;
	size_t n = 0;
	int rc;

	rc = store_statement_open_invoices(db, st->account_id, st->client_id,
	    pd->to, &o, &n);
	if (rc == DB_OK)
		rc = aging_fill(st, pd, o, n);
	free(o);
	return rc;
}

/* Closing = aging total - unapplied: the difference is a printed line.
 * For a client, the account's credit at the period end, shown beside. */
static int
load_reconcile(struct db *db, struct statement *st,
    const struct statement_period *pd)
{
	int64_t total, credit = 0;
	int rc;

	if (calc_statement_reconcile(st->closing, st->aging, &total,
	    &st->unapplied) == -1)
		return ST_INVALID;
	if (st->client_id == 0)
		return DB_OK;
	rc = store_statement_unallocated(db, st->account_id, pd->to, &credit);
	st->account_credit = credit > 0 ? credit : 0;
	return rc;
}

/* Clears *st and fills what needs no reading: ids, period, dates. */
static int
statement_begin(struct statement *st, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct statement_period *pd)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->account_id = account_id;
	st->client_id = client_id;
	if ((rc = statement_period_check(from, to, pd)) != ST_OK)
		return rc;
	if (account_id <= 0 && client_id <= 0)
		return ST_NOT_FOUND;
	str_copy(st->period_start, sizeof(st->period_start), from);
	str_copy(st->period_end, sizeof(st->period_end), to);
	date_fmt(date_today(), st->statement_date, sizeof(st->statement_date));
	date_fmt(date_today() + STATEMENT_DUE_DAYS, st->due_date,
	    sizeof(st->due_date));
	return ST_OK;
}

int
statement_compute(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct statement *st)
{
	struct statement_period pd;
	int rc;

	if ((rc = statement_begin(st, account_id, client_id, from, to, &pd)) !=
	    ST_OK)
		return rc;
	if ((rc = load_parties(db, st)) != DB_OK ||
	    (rc = store_statement_opening(db, st->account_id, st->client_id,
	    pd.from, &st->opening)) != DB_OK ||
	    (rc = load_lines(db, st, &pd)) != DB_OK ||
	    (rc = load_aging(db, st, &pd)) != DB_OK)
		return rc;
	return load_reconcile(db, st, &pd);
}

int
statement_compute_from(struct statement *st, const char *from, const char *to,
    const struct statement_facts *f)
{
	struct statement_period pd;
	int rc;

	if ((rc = statement_begin(st, f->party->account_id, 0, from, to, &pd)) !=
	    ST_OK)
		return rc;
	str_copy(st->account_name, sizeof(st->account_name), f->party->name);
	address_lines(st, f->party);
	st->opening = f->opening;
	if ((rc = lines_fill(st, f->rows, f->nrows)) != DB_OK ||
	    (rc = aging_fill(st, &pd, f->opens, f->nopens)) != DB_OK)
		return rc;
	return load_reconcile(NULL, st, &pd);
}

int
statement_preview(struct db *db, int64_t account_id, int64_t client_id,
    const char *from, const char *to, struct statement *st)
{
	int rc = statement_status(statement_compute(db, account_id, client_id,
	    from, to, st));

	if (rc != ST_OK)
		statement_free(st);
	return rc;
}

/* --- A/R summary --------------------------------------------------------- */

/* The due dates where each aging bucket after the first begins
 * (calc_aging_bucket): money due after cut[0] is in bucket 0, in
 * (cut[b], cut[b - 1]] in bucket b, on or before the last cut in the last. */
static int
aging_cuts(int64_t today, char cut[][11])
{
	int64_t days = 0;

	for (size_t b = 1; b < AGING_BUCKETS; b++) {
		while ((size_t)calc_aging_bucket(days) < b && days < 1000000)
			days++;
		if (date_fmt(today - days, cut[b - 1], sizeof(cut[b - 1])) == -1)
			return -1;
	}
	return 0;
}

static void
ar_fill(struct ar_summary *s, const struct store_ar_view *v)
{
	int more = v->more;

	s->total = v->totals.owed;
	s->credit = v->totals.credit;
	s->accounts_with_balance = v->totals.accounts_owing;
	for (size_t i = 0; i < v->ntop && i < ARRAY_LEN(s->top); i++) {
		s->top[i].account_id = v->top[i].account_id;
		str_copy(s->top[i].account_name, sizeof(s->top[i].account_name),
		    v->top[i].name);
		s->top[i].balance = v->top[i].balance;
		s->ntop++;
	}
	for (size_t i = 0; i < v->nloc; i++) {
		if (v->loc[i].location_id == 0)
			continue;
		if (s->nloc == AR_MAX_LOCATIONS) {
			more = 1;
			continue;
		}
		s->loc[s->nloc++] = (struct ar_location){ v->loc[i].location_id,
		    v->loc[i].owed, v->loc[i].accounts_owing };
	}
	s->loc_complete = !more;
	s->unapplied = -(s->total - s->credit);
	for (size_t b = 0; b < AGING_BUCKETS; b++) {
		s->aging[b] = v->aging[b];
		s->unapplied += s->aging[b];
	}
}

/* From the read models (migrations 0031, 0032; ledger verify recomputes
 * them): one statement reading a few rows whatever the size of the ledger
 * and the number of accounts. */
int
ar_summary(struct db *db, int64_t location_id, struct ar_summary *s)
{
	struct store_ar_account top[ARRAY_LEN(s->top)];
	struct store_ar_view v;
	int rc;

	_Static_assert(AGING_BUCKETS == STORE_AR_CUTS + 1, "aging buckets");
	memset(s, 0, sizeof(*s));
	memset(&v, 0, sizeof(v));
	v.top = top;
	v.maxtop = ARRAY_LEN(top);
	/* each location's part (and those without one), totals read whole */
	if (location_id == 0) {
		v.maxloc = AR_MAX_LOCATIONS + 1;
		if ((v.loc = calloc(v.maxloc, sizeof(*v.loc))) == NULL)
			return ST_DB;
	}
	rc = aging_cuts(date_today(), v.cut) == -1 ||
	    store_receivables_view(db, location_id, &v) != DB_OK ? ST_DB : ST_OK;
	if (rc == ST_OK)
		ar_fill(s, &v);
	free(v.loc);
	return rc;
}

