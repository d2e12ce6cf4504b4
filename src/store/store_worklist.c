/* The staff work list's reads (see store_worklist.h). */
#include "common.h"

#include "db.h"
#include "store_ledger.h"
#include "store_rows.h"
#include "store_worklist.h"
#include "str.h"

static void
overdue_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_overdue *v = out;

	v->id = db_i64(r, i, 0);
	str_copy(v->number, sizeof(v->number), db_str(r, i, 1));
	v->account_id = db_i64(r, i, 2);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 3));
	str_copy(v->due_date, sizeof(v->due_date), db_str(r, i, 4));
	v->open = db_i64(r, i, 5);
}

static void
payment_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_payment *v = out;

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->method, sizeof(v->method), db_str(r, i, 3));
	v->amount = db_i64(r, i, 4);
	v->created_at = db_i64(r, i, 5);
	str_copy(v->status, sizeof(v->status), db_str(r, i, 6));
	str_copy(v->stripe_status, sizeof(v->stripe_status), db_str(r, i, 7));
	str_copy(v->failure, sizeof(v->failure), db_str(r, i, 8));
}

static void
card_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_card *v = out;

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->brand, sizeof(v->brand), db_str(r, i, 3));
	str_copy(v->last4, sizeof(v->last4), db_str(r, i, 4));
	v->exp_month = (int)db_i64(r, i, 5);
	v->exp_year = (int)db_i64(r, i, 6);
}

static void
plan_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_plan *v = out;

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->first_due, sizeof(v->first_due), db_str(r, i, 3));
	v->count = db_i64(r, i, 4);
	v->amount = db_i64(r, i, 5);
}

/* The four lists, the days' collections and the plans past due as the
 * branches of one UNION ALL: each branch's own columns first (what its
 * _from_row reads), padded to 9, then its kind in column 9. Each branch
 * keeps its index and its own ORDER BY ... LIMIT
 * (the overdue branch names its index: with the optimizer's choice its plan
 * flipped, by the sampled statistics, to a scan of accounts with a
 * temporary table and a sort, 58% more MariaDB CPU for the staff home);
 * the rows are put back in that order by each list's cmp (a UNION
 * promises no order). */
#define WL_OVERDUE_BAND "(SELECT i.id, COALESCE(i.number, ''), i.account_id," \
	" a.name, i.fig_open_due, i.fig_total - i.fig_paid, NULL, NULL, NULL, 1" \
	" FROM invoices i FORCE INDEX (invoices_open_due)" \
	" STRAIGHT_JOIN accounts a ON a.id = i.account_id" \
	" WHERE i.fig_open_due >= ? AND i.fig_open_due < ?" \
	" AND i.fig_total > i.fig_paid ORDER BY i.fig_open_due, i.id LIMIT ?)"
#define WL_OVERDUE WL_OVERDUE_BAND " UNION ALL " WL_OVERDUE_BAND \
	" UNION ALL " WL_OVERDUE_BAND " UNION ALL " WL_OVERDUE_BAND
/* Each band's count and open sum from the A/R aging kept per due date
 * (ar_open_due, migrations 0031 and 0033): an index-only range of its few
 * rows (ar_open_due_due), not the invoices. One branch per band: one range
 * each is cheaper than one pass with a condition per band and row. The
 * oldest band adds whole months before month_from (ar_owing_month, a few
 * rows per month of history) to the days from month_from on. */
#define WL_BAND "(SELECT COALESCE(SUM(owing_count), 0)," \
	" COALESCE(SUM(owing_amount), 0), ?, NULL, NULL, NULL, NULL, NULL, NULL, 7" \
	" FROM ar_open_due FORCE INDEX (ar_open_due_due)" \
	" WHERE due_date >= ? AND due_date < ?)"
#define WL_BAND_MONTHS "(SELECT COALESCE(SUM(owing_count), 0)," \
	" COALESCE(SUM(owing_amount), 0), ?, NULL, NULL, NULL, NULL, NULL, NULL, 7" \
	" FROM ar_owing_month FORCE INDEX (ar_owing_month_month) WHERE month < ?)"
#define WL_BANDS WL_BAND " UNION ALL " WL_BAND " UNION ALL " WL_BAND \
	" UNION ALL " WL_BAND " UNION ALL " WL_BAND_MONTHS
#define WL_PAY_COLS "p.id, p.account_id, a.name, p.method, p.amount," \
	" p.created_at, p.status, p.stripe_status, p.failure_message" \
	" FROM payments p JOIN accounts a ON a.id = p.account_id"
#define WL_PAYMENTS "(SELECT x.*, 2 FROM (SELECT " WL_PAY_COLS \
	" WHERE p.status = 'failed' AND p.created_at BETWEEN ? AND ?" \
	" AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.account_id =" \
	" p.account_id AND q.id > p.id AND q.status = 'succeeded')" \
	" UNION ALL SELECT " WL_PAY_COLS " WHERE p.status = 'pending'" \
	" AND (p.stripe_status = 'requires_action' OR (p.method = 'ach'" \
	" AND p.created_at < ?)) AND p.created_at <= ?" \
	" ORDER BY created_at DESC, id DESC LIMIT ?) x)"
#define WL_CARDS "(SELECT m.id, m.account_id, a.name, m.brand, m.last4," \
	" m.exp_month, m.exp_year, NULL, NULL, 3 FROM payment_methods m" \
	" JOIN accounts a ON a.id = m.account_id" \
	" WHERE m.status = 'active' AND m.kind = 'card'" \
	" AND (m.exp_year < ? OR (m.exp_year = ? AND m.exp_month < ?))" \
	" ORDER BY m.exp_year DESC, m.exp_month DESC, m.id LIMIT ?)"
#define WL_PLANS "(SELECT p.id, p.account_id, a.name, MIN(i.due_date)," \
	" COUNT(*), SUM(i.amount), NULL, NULL, NULL, 4" \
	" FROM payment_plan_installments i" \
	" JOIN payment_plans p ON p.id = i.plan_id" \
	" JOIN accounts a ON a.id = p.account_id" \
	" WHERE i.status = 'scheduled' AND i.due_date < ?" \
	" AND p.status IN ('active', 'past_due')" \
	" GROUP BY p.id, p.account_id, a.name ORDER BY MIN(i.due_date), p.id" \
	" LIMIT ?)"
#define WL_DAYS "(SELECT entry_date, -SUM(amount), NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, 5 FROM ledger_entries" \
	" WHERE kind IN ('payment', 'refund') AND entry_date BETWEEN ? AND ?" \
	" GROUP BY entry_date)"
#define WL_PAST_DUE "(SELECT p.id, p.account_id, a.name, COALESCE((SELECT" \
	" SUM(i.amount) FROM payment_plan_installments i WHERE i.plan_id = p.id" \
	" AND i.status IN ('scheduled', 'processing')), 0), COALESCE((SELECT" \
	" i.last_failure_code FROM payment_plan_installments i WHERE i.plan_id =" \
	" p.id AND i.dunning_stopped = 1 ORDER BY i.id DESC LIMIT 1), '')," \
	" p.updated_at, NULL, NULL, NULL, 6 FROM payment_plans p" \
	" JOIN accounts a ON a.id = p.account_id WHERE p.status = 'past_due'" \
	" ORDER BY p.updated_at, p.id LIMIT ?)"

static void
band_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_band *v = out;

	v->count = db_i64(r, i, 0);
	v->open = db_i64(r, i, 1);
	v->band = (int)db_i64(r, i, 2);
}

static int
band_cmp(const void *a, const void *b)
{
	const struct store_wl_band *x = a, *y = b;

	return (x->band > y->band) - (x->band < y->band);
}

static int
i64_cmp(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
overdue_cmp(const void *a, const void *b)
{
	const struct store_wl_overdue *x = a, *y = b;
	int c = strcmp(x->due_date, y->due_date);

	return c != 0 ? c : i64_cmp(x->id, y->id);
}

static int
payment_cmp(const void *a, const void *b)
{
	const struct store_wl_payment *x = a, *y = b;
	int c = i64_cmp(y->created_at, x->created_at);

	return c != 0 ? c : i64_cmp(y->id, x->id);
}

static int
card_cmp(const void *a, const void *b)
{
	const struct store_wl_card *x = a, *y = b;
	int c = i64_cmp(y->exp_year * 12 + y->exp_month,
	    x->exp_year * 12 + x->exp_month);

	return c != 0 ? c : i64_cmp(x->id, y->id);
}

static int
day_cmp(const void *a, const void *b)
{
	const struct store_ledger_day *x = a, *y = b;

	return strcmp(x->date, y->date);
}

static void
past_due_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_wl_past_due *v = out;

	v->plan_id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	v->remaining = db_i64(r, i, 3);
	str_copy(v->reason, sizeof(v->reason), db_str(r, i, 4));
	v->updated_at = db_i64(r, i, 5);
}

static int
past_due_cmp(const void *a, const void *b)
{
	const struct store_wl_past_due *x = a, *y = b;
	int c = i64_cmp(x->updated_at, y->updated_at);

	return c != 0 ? c : i64_cmp(x->plan_id, y->plan_id);
}

static int
plan_cmp(const void *a, const void *b)
{
	const struct store_wl_plan *x = a, *y = b;
	int c = strcmp(x->first_due, y->first_due);

	return c != 0 ? c : i64_cmp(x->id, y->id);
}

#define WL_NP_OVERDUE	(3 * STORE_WL_BANDS)	/* first in the statement */
#define WL_NP_REST	14			/* payments .. past due */
#define WL_NP_BANDS	(3 * STORE_WL_BANDS + 2)	/* last */

/* The parameters of WL_OVERDUE (first) and WL_BANDS (last). */
static void
wl_band_params(const struct store_wl_args *a, struct db_param *p)
{
	struct db_param *f = p + WL_NP_OVERDUE + WL_NP_REST;
	const size_t last = STORE_WL_BANDS - 1;

	for (size_t b = 0; b < STORE_WL_BANDS; b++) {
		*p++ = DB_STR(a->band_from[b]);
		*p++ = DB_STR(a->band_to[b]);
		*p++ = DB_I64((int64_t)a->band_max);
		*f++ = DB_I64((int64_t)b);
		*f++ = DB_STR(b == last ? a->month_from : a->band_from[b]);
		*f++ = DB_STR(a->band_to[b]);
	}
	*f++ = DB_I64((int64_t)last);
	*f = DB_STR(a->month_from);
}

int
store_worklist_read(struct db *db, const struct store_wl_args *a,
    struct store_worklist *w)
{
	struct db_param p[WL_NP_OVERDUE + WL_NP_REST + WL_NP_BANDS] = {
	    [WL_NP_OVERDUE] = DB_I64(a->failed_since), DB_I64(a->now),
	    DB_I64(a->ach_before), DB_I64(a->now), DB_I64((int64_t)a->max),
	    DB_I64(a->card_year), DB_I64(a->card_year), DB_I64(a->card_month),
	    DB_I64((int64_t)a->max), DB_STR(a->before), DB_I64((int64_t)a->max),
	    DB_STR(a->days_from), DB_STR(a->before),
	    DB_I64((int64_t)a->past_due_max) };
	struct store_wl_band *bands = NULL;
	size_t nbands = 0;
	struct store_rows_list l[] = {
		{ overdue_from_row, overdue_cmp, sizeof(*w->overdue),
		    (void **)&w->overdue, &w->noverdue },
		{ payment_from_row, payment_cmp, sizeof(*w->payments),
		    (void **)&w->payments, &w->npayments },
		{ card_from_row, card_cmp, sizeof(*w->cards), (void **)&w->cards,
		    &w->ncards },
		{ plan_from_row, plan_cmp, sizeof(*w->plans), (void **)&w->plans,
		    &w->nplans },
		{ store_ledger_day_from_row, day_cmp, sizeof(*w->days),
		    (void **)&w->days, &w->ndays },
		{ past_due_from_row, past_due_cmp, sizeof(*w->past_due),
		    (void **)&w->past_due, &w->npast_due },
		{ band_from_row, band_cmp, sizeof(*bands), (void **)&bands,
		    &nbands },
	};
	struct db_result r;
	int rc;

	memset(w, 0, sizeof(*w));
	wl_band_params(a, p);
	rc = db_query(db, WL_OVERDUE " UNION ALL " WL_PAYMENTS " UNION ALL "
	    WL_CARDS " UNION ALL " WL_PLANS " UNION ALL " WL_DAYS " UNION ALL "
	    WL_PAST_DUE " UNION ALL " WL_BANDS, p, ARRAY_LEN(p), &r);
	if (rc == DB_OK)
		rc = store_rows_split(&r, 9, l, ARRAY_LEN(l));
	for (size_t i = 0; rc == DB_OK && i < nbands; i++)
		if (bands[i].band >= 0 && bands[i].band < STORE_WL_BANDS) {
			w->bands[bands[i].band].count += bands[i].count;
			w->bands[bands[i].band].open += bands[i].open;
		}
	free(bands);
	db_result_free(&r);
	if (rc != DB_OK)
		store_worklist_free(w);
	return rc;
}

void
store_worklist_free(struct store_worklist *w)
{
	free(w->overdue);
	free(w->payments);
	free(w->cards);
	free(w->plans);
	free(w->days);
	free(w->past_due);
	memset(w, 0, sizeof(*w));
}
