/* The staff work list: overdue invoices, payments needing attention, cards
 * expiring; and collections by day. Every list is one query on an index
 * (invoices_status_due, payments_pending, payment_methods_expiry,
 * ppin_due, ledger_kind_date: see db/migrations). */
#include "common.h"

#include "clock.h"
#include "db.h"
#include "str.h"
#include "worklist.h"

/* Issued invoices past due with money still open, oldest due first. The
 * open amount is the invoice's entries less its allocations, the rule
 * ledger verify and the A/R aging use. */
static int
wl_overdue(struct db *db, int64_t today, struct worklist *w)
{
	char d[11];
	struct db_param p[] = { DB_STR(d), DB_I64(WL_OVERDUE_ROWS + 1) };
	struct db_result r;
	int64_t due;
	int rc;

	if (date_fmt(today, d, sizeof(d)) == -1)
		return DB_ERR;
	/* Issued invoices with money open have fig_open_due (migration 0023):
	 * the oldest due are the first entries of invoices_open_due. */
	rc = db_query(db, "SELECT i.id, COALESCE(i.number, ''), i.account_id,"
	    " a.name, i.fig_open_due, i.fig_total - i.fig_paid FROM invoices i"
	    " JOIN accounts a ON a.id = i.account_id WHERE i.fig_open_due < ?"
	    " AND i.fig_total > i.fig_paid ORDER BY i.fig_open_due, i.id LIMIT ?",
	    p, ARRAY_LEN(p), &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct wl_invoice *v;

		if (i == WL_OVERDUE_ROWS) {
			w->overdue_more = 1;
			break;
		}
		v = &w->overdue[w->noverdue++];
		v->id = db_i64(&r, i, 0);
		str_copy(v->number, sizeof(v->number), db_str(&r, i, 1));
		v->account_id = db_i64(&r, i, 2);
		str_copy(v->account_name, sizeof(v->account_name), db_str(&r, i, 3));
		str_copy(v->due_date, sizeof(v->due_date), db_str(&r, i, 4));
		v->open = db_i64(&r, i, 5);
		if (date_parse(v->due_date, &due) == -1)
			due = today - 1;
		v->days_past_due = today - due;
		v->band = calc_aging_bucket(v->days_past_due);
		w->band_count[v->band]++;
		w->band_open[v->band] += v->open;
	}
	db_result_free(&r);
	return rc;
}

static void
wl_payment_row(const struct db_result *r, size_t i, int64_t now,
    struct wl_payment *v)
{
	const char *status = db_str(r, i, 6), *stripe = db_str(r, i, 7);

	v->id = db_i64(r, i, 0);
	v->account_id = db_i64(r, i, 1);
	str_copy(v->account_name, sizeof(v->account_name), db_str(r, i, 2));
	str_copy(v->method, sizeof(v->method), db_str(r, i, 3));
	v->amount = db_i64(r, i, 4);
	v->created_at = db_i64(r, i, 5);
	v->days = (now - v->created_at) / 86400;
	str_copy(v->failure, sizeof(v->failure), db_str(r, i, 8));
	if (strcmp(status, "failed") == 0)
		v->reason = WL_PAY_FAILED;
	else if (strcmp(stripe, "requires_action") == 0)
		v->reason = WL_PAY_ACTION;
	else
		v->reason = WL_PAY_ACH_SLOW;
}

/* Failed payments not followed by a succeeded one on the same account;
 * pending ones waiting for the client; ACH pending for days. */
static int
wl_payments(struct db *db, int64_t now, struct worklist *w)
{
	struct db_param p[] = { DB_I64(now - WL_FAILED_DAYS * 86400), DB_I64(now),
	    DB_I64(now - WL_ACH_DAYS * 86400), DB_I64(now), DB_I64(WL_ROWS) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT p.id, p.account_id, a.name, p.method, p.amount,"
	    " p.created_at, p.status, p.stripe_status, p.failure_message"
	    " FROM payments p JOIN accounts a ON a.id = p.account_id"
	    " WHERE p.status = 'failed' AND p.created_at BETWEEN ? AND ?"
	    " AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.account_id ="
	    " p.account_id AND q.id > p.id AND q.status = 'succeeded')"
	    " UNION ALL SELECT p.id, p.account_id, a.name, p.method, p.amount,"
	    " p.created_at, p.status, p.stripe_status, p.failure_message"
	    " FROM payments p JOIN accounts a ON a.id = p.account_id"
	    " WHERE p.status = 'pending' AND (p.stripe_status = 'requires_action'"
	    " OR (p.method = 'ach' AND p.created_at < ?)) AND p.created_at <= ?"
	    " ORDER BY created_at DESC, id DESC LIMIT ?", p, ARRAY_LEN(p), &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows && i < WL_ROWS; i++)
		wl_payment_row(&r, i, now, &w->payments[w->npayments++]);
	db_result_free(&r);
	return rc;
}

/* Year and month of a day number. */
static int
ym_of(int64_t days, int *y, int *m)
{
	char d[11];

	if (date_fmt(days, d, sizeof(d)) == -1)
		return -1;
	*y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
	    (d[3] - '0');
	*m = (d[5] - '0') * 10 + (d[6] - '0');
	return 0;
}

/* A card works through the last day of its expiry month: it expires
 * within WL_CARD_DAYS days when that month is before the month of
 * today + WL_CARD_DAYS. */
static int
wl_cards(struct db *db, int64_t today, struct worklist *w)
{
	int ly, lm, ty, tm;
	struct db_param p[4];
	struct db_result r;
	int rc;

	if (ym_of(today + WL_CARD_DAYS, &ly, &lm) == -1 ||
	    ym_of(today, &ty, &tm) == -1)
		return DB_ERR;
	p[0] = DB_I64(ly);
	p[1] = DB_I64(ly);
	p[2] = DB_I64(lm);
	p[3] = DB_I64(WL_ROWS);
	rc = db_query(db, "SELECT m.id, m.account_id, a.name, m.brand, m.last4,"
	    " m.exp_month, m.exp_year FROM payment_methods m"
	    " JOIN accounts a ON a.id = m.account_id"
	    " WHERE m.status = 'active' AND m.kind = 'card'"
	    " AND (m.exp_year < ? OR (m.exp_year = ? AND m.exp_month < ?))"
	    " ORDER BY m.exp_year DESC, m.exp_month DESC, m.id LIMIT ?",
	    p, ARRAY_LEN(p), &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows && i < WL_ROWS; i++) {
		struct wl_card *v = &w->cards[w->ncards++];

		v->id = db_i64(&r, i, 0);
		v->account_id = db_i64(&r, i, 1);
		str_copy(v->account_name, sizeof(v->account_name), db_str(&r, i, 2));
		str_copy(v->brand, sizeof(v->brand), db_str(&r, i, 3));
		str_copy(v->last4, sizeof(v->last4), db_str(&r, i, 4));
		v->exp_month = (int)db_i64(&r, i, 5);
		v->exp_year = (int)db_i64(&r, i, 6);
		v->expired = v->exp_year * 12 + v->exp_month < ty * 12 + tm;
	}
	db_result_free(&r);
	return rc;
}

/* Plans (active or already past due) with scheduled installments whose
 * date has passed, oldest first (index ppin_due). */
static int
wl_plans(struct db *db, int64_t today, struct worklist *w)
{
	char d[11];
	struct db_param p[] = { DB_STR(d), DB_I64(WL_ROWS) };
	struct db_result r;
	int64_t due;
	int rc;

	if (date_fmt(today, d, sizeof(d)) == -1)
		return DB_ERR;
	w->has_plans = 1;
	rc = db_query(db, "SELECT p.id, p.account_id, a.name, MIN(i.due_date),"
	    " COUNT(*), SUM(i.amount) FROM payment_plan_installments i"
	    " JOIN payment_plans p ON p.id = i.plan_id"
	    " JOIN accounts a ON a.id = p.account_id"
	    " WHERE i.status = 'scheduled' AND i.due_date < ?"
	    " AND p.status IN ('active', 'past_due')"
	    " GROUP BY p.id, p.account_id, a.name ORDER BY MIN(i.due_date), p.id"
	    " LIMIT ?", p, ARRAY_LEN(p), &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows && i < WL_ROWS; i++) {
		struct wl_plan *v = &w->plans[w->nplans++];

		v->id = db_i64(&r, i, 0);
		v->account_id = db_i64(&r, i, 1);
		str_copy(v->account_name, sizeof(v->account_name), db_str(&r, i, 2));
		str_copy(v->first_due, sizeof(v->first_due), db_str(&r, i, 3));
		v->count = db_i64(&r, i, 4);
		v->amount = db_i64(&r, i, 5);
		v->days_past_due = date_parse(v->first_due, &due) == 0 ?
		    today - due : 0;
	}
	db_result_free(&r);
	return rc;
}

int
collections_by_day(struct db *db, int64_t from_days, size_t ndays,
    int64_t location_id, int64_t *out)
{
	char from[11], to[11];
	struct db_param p[] = { DB_STR(from), DB_STR(to), DB_I64(location_id) };
	struct db_result r;
	int64_t day;
	int rc;

	memset(out, 0, ndays * sizeof(*out));
	if (ndays == 0)
		return WL_OK;
	if (date_fmt(from_days, from, sizeof(from)) == -1 ||
	    date_fmt(from_days + (int64_t)ndays - 1, to, sizeof(to)) == -1)
		return WL_DB;
	/* Without a location: the covering index ledger_kind_date alone. */
	rc = location_id ? db_query(db, "SELECT e.entry_date, -SUM(e.amount)"
	    " FROM ledger_entries e JOIN accounts a ON a.id = e.account_id"
	    " WHERE e.kind IN ('payment', 'refund')"
	    " AND e.entry_date BETWEEN ? AND ?"
	    " AND a.location_id = ? GROUP BY e.entry_date", p, 3, &r) :
	    db_query(db, "SELECT entry_date, -SUM(amount) FROM ledger_entries"
	    " WHERE kind IN ('payment', 'refund') AND entry_date BETWEEN ? AND ?"
	    " GROUP BY entry_date", p, 2, &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		if (date_parse(db_str(&r, i, 0), &day) == -1 || day < from_days ||
		    day >= from_days + (int64_t)ndays)
			continue;
		out[day - from_days] += db_i64(&r, i, 1);
	}
	db_result_free(&r);
	return rc == DB_OK ? WL_OK : WL_DB;
}

/* Today's and this month's collections from one read of the month. */
static int
wl_collections(struct db *db, int64_t today, struct worklist *w)
{
	int64_t days[31], first;
	char d[11];
	size_t n;

	if (date_fmt(today, d, sizeof(d)) == -1)
		return DB_ERR;
	d[8] = '0';
	d[9] = '1';
	if (date_parse(d, &first) == -1)
		return DB_ERR;
	n = (size_t)(today - first + 1);
	if (collections_by_day(db, first, n, 0, days) != WL_OK)
		return DB_ERR;
	for (size_t i = 0; i < n; i++)
		w->collected_month += days[i];
	w->collected_today = days[n - 1];
	return DB_OK;
}

int
worklist_load(struct db *db, struct worklist *w)
{
	int64_t today = date_today(), now = clock_now();

	memset(w, 0, sizeof(*w));
	if (wl_overdue(db, today, w) != DB_OK ||
	    wl_payments(db, now, w) != DB_OK ||
	    wl_cards(db, today, w) != DB_OK ||
	    wl_plans(db, today, w) != DB_OK ||
	    wl_collections(db, today, w) != DB_OK)
		return WL_DB;
	return WL_OK;
}
