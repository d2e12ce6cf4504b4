/* The staff work list: overdue invoices, payments needing attention, cards
 * expiring; and collections by day. Every list is one query on an index
 * (invoices_status_due, payments_pending, payment_methods_expiry,
 * ppin_due, ledger_kind_date: see db/migrations). */
#include "common.h"

#include "clock.h"
#include "db.h"
#include "store_ledger.h"
#include "store_worklist.h"
#include "str.h"
#include "worklist.h"

/* Issued invoices past due with money still owing, oldest due first: the
 * oldest WL_BAND_ROWS of each band, and every band's count and open sum
 * from the A/R aging read model. The open amount is the invoice's entries
 * less its allocations, the rule ledger verify and the A/R aging use. */
static void
wl_overdue(const struct store_worklist *s, int64_t today, struct worklist *w)
{
	const struct store_wl_overdue *rows = s->overdue;
	int64_t due;

	for (size_t i = 0; i < s->noverdue && i < ARRAY_LEN(w->overdue); i++) {
		struct wl_invoice *v = &w->overdue[w->noverdue++];

		v->id = rows[i].id;
		str_copy(v->number, sizeof(v->number), rows[i].number);
		v->account_id = rows[i].account_id;
		str_copy(v->account_name, sizeof(v->account_name), rows[i].account_name);
		str_copy(v->due_date, sizeof(v->due_date), rows[i].due_date);
		v->open = rows[i].open;
		if (date_parse(v->due_date, &due) == -1)
			due = today - 1;
		v->days_past_due = today - due;
		v->band = calc_aging_bucket(v->days_past_due);
	}
	for (int b = 1; b < AGING_BUCKETS; b++) {
		w->band_count[b] = s->bands[b - 1].count;
		w->band_open[b] = s->bands[b - 1].open;
	}
}

_Static_assert(AGING_BUCKETS - 1 == STORE_WL_BANDS, "one store band per aging band");

/* The due dates of aging band b (1..AGING_BUCKETS - 1) on day `today`:
 * from (inclusive) and to (exclusive), as calc_aging_bucket(today - due). */
static int
wl_band_dates(int64_t today, int b, char *from, char *to, size_t sz)
{
	static const int64_t first_day[AGING_BUCKETS + 1] = { 0, 1, 31, 61, 91, 0 };

	if (date_fmt(today - first_day[b] + 1, to, sz) == -1)
		return -1;
	if (b == AGING_BUCKETS - 1) {
		str_copy(from, sz, "1000-01-01");
		return 0;
	}
	return date_fmt(today - first_day[b + 1] + 1, from, sz);
}

static void
wl_payment_row(const struct store_wl_payment *o, int64_t now,
    struct wl_payment *v)
{
	v->id = o->id;
	v->account_id = o->account_id;
	str_copy(v->account_name, sizeof(v->account_name), o->account_name);
	str_copy(v->method, sizeof(v->method), o->method);
	v->amount = o->amount;
	v->created_at = o->created_at;
	v->days = (now - v->created_at) / 86400;
	str_copy(v->failure, sizeof(v->failure), o->failure);
	if (strcmp(o->status, "failed") == 0)
		v->reason = WL_PAY_FAILED;
	else if (strcmp(o->stripe_status, "requires_action") == 0)
		v->reason = WL_PAY_ACTION;
	else
		v->reason = WL_PAY_ACH_SLOW;
}

/* Failed payments not followed by a succeeded one on the same account;
 * pending ones waiting for the client; ACH pending for days. */
static void
wl_payments(const struct store_worklist *s, int64_t now, struct worklist *w)
{
	for (size_t i = 0; i < s->npayments && i < WL_ROWS; i++)
		wl_payment_row(&s->payments[i], now, &w->payments[w->npayments++]);
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

/* Cards near expiry (see wl_lists); expired: before this month. */
static void
wl_cards(const struct store_worklist *s, int ty, int tm, struct worklist *w)
{
	const struct store_wl_card *rows = s->cards;

	for (size_t i = 0; i < s->ncards && i < WL_ROWS; i++) {
		struct wl_card *v = &w->cards[w->ncards++];

		v->id = rows[i].id;
		v->account_id = rows[i].account_id;
		str_copy(v->account_name, sizeof(v->account_name), rows[i].account_name);
		str_copy(v->brand, sizeof(v->brand), rows[i].brand);
		str_copy(v->last4, sizeof(v->last4), rows[i].last4);
		v->exp_month = rows[i].exp_month;
		v->exp_year = rows[i].exp_year;
		v->expired = v->exp_year * 12 + v->exp_month < ty * 12 + tm;
	}
}

/* Plans (active or already past due) with scheduled installments whose
 * date has passed, oldest first (index ppin_due). */
static void
wl_plans(const struct store_worklist *s, int64_t today, struct worklist *w)
{
	const struct store_wl_plan *rows = s->plans;
	int64_t due;

	w->has_plans = 1;
	for (size_t i = 0; i < s->nplans && i < WL_ROWS; i++) {
		struct wl_plan *v = &w->plans[w->nplans++];

		v->id = rows[i].id;
		v->account_id = rows[i].account_id;
		str_copy(v->account_name, sizeof(v->account_name), rows[i].account_name);
		str_copy(v->first_due, sizeof(v->first_due), rows[i].first_due);
		v->count = rows[i].count;
		v->amount = rows[i].amount;
		v->days_past_due = date_parse(v->first_due, &due) == 0 ?
		    today - due : 0;
	}
}

/* Adds each day's amount of rows into out[day - from_days] (days outside
 * from_days .. + ndays ignored). */
static void
days_add(const struct store_ledger_day *rows, size_t n, int64_t from_days,
    size_t ndays, int64_t *out)
{
	int64_t day;

	for (size_t i = 0; i < n; i++) {
		if (date_parse(rows[i].date, &day) == -1 || day < from_days ||
		    day >= from_days + (int64_t)ndays)
			continue;
		out[day - from_days] += rows[i].amount;
	}
}

int
collections_by_day(struct db *db, int64_t from_days, size_t ndays,
    int64_t location_id, int64_t *out)
{
	struct store_ledger_day *rows = NULL;
	char from[11], to[11];
	size_t n = 0;
	int rc;

	memset(out, 0, ndays * sizeof(*out));
	if (ndays == 0)
		return WL_OK;
	if (date_fmt(from_days, from, sizeof(from)) == -1 ||
	    date_fmt(from_days + (int64_t)ndays - 1, to, sizeof(to)) == -1)
		return WL_DB;
	rc = store_ledger_collections(db, from, to, location_id, &rows, &n);
	if (rc == DB_OK)
		days_add(rows, n, from_days, ndays, out);
	free(rows);
	return rc == DB_OK ? WL_OK : WL_DB;
}

/* Today's and this month's collections from the month's days. */
static void
wl_collections(const struct store_worklist *s, int64_t today, int64_t first,
    struct worklist *w)
{
	int64_t days[31];
	size_t n = (size_t)(today - first + 1);

	memset(days, 0, sizeof(days));
	days_add(s->days, s->ndays, first, n, days);
	for (size_t i = 0; i < n; i++)
		w->collected_month += days[i];
	w->collected_today = days[n - 1];
}

static void
wl_past_due(const struct store_worklist *s, struct worklist *w)
{
	for (size_t i = 0; i < s->npast_due && i < WL_PAST_DUE_ROWS; i++) {
		const struct store_wl_past_due *o = &s->past_due[i];
		struct wl_past_due *v = &w->past_due[w->npast_due++];

		v->plan_id = o->plan_id;
		v->account_id = o->account_id;
		str_copy(v->account_name, sizeof(v->account_name), o->account_name);
		v->remaining = o->remaining;
		str_copy(v->reason, sizeof(v->reason), o->reason);
	}
}

/* The four lists, the month's collections and the plans past due in one
 * statement (store_worklist_read). A card works through the last day of
 * its expiry month: it expires within WL_CARD_DAYS days when that month is
 * before the month of today + WL_CARD_DAYS. */
static int
wl_lists(struct db *db, int64_t today, int64_t now, struct worklist *w)
{
	struct store_wl_args a = { .band_max = WL_BAND_ROWS,
	    .failed_since = now - WL_FAILED_DAYS * 86400,
	    .ach_before = now - WL_ACH_DAYS * 86400, .now = now,
	    .max = WL_ROWS, .past_due_max = WL_PAST_DUE_ROWS };
	struct store_worklist s;
	char d[11], m[11], bd[STORE_WL_BANDS][2][11], mf[11];
	int64_t first;
	int ty, tm, rc;

	for (int b = 0; b < STORE_WL_BANDS; b++) {
		if (wl_band_dates(today, b + 1, bd[b][0], bd[b][1],
		    sizeof(bd[b][0])) == -1)
			return DB_ERR;
		a.band_from[b] = bd[b][0];
		a.band_to[b] = bd[b][1];
	}
	str_fmt(mf, sizeof(mf), "%.8s01", bd[STORE_WL_BANDS - 1][1]);
	a.month_from = mf;
	if (date_fmt(today, d, sizeof(d)) == -1 ||
	    ym_of(today + WL_CARD_DAYS, &a.card_year, &a.card_month) == -1 ||
	    ym_of(today, &ty, &tm) == -1)
		return DB_ERR;
	str_fmt(m, sizeof(m), "%.8s01", d);
	if (date_parse(m, &first) == -1)
		return DB_ERR;
	a.before = d;
	a.days_from = m;
	if ((rc = store_worklist_read(db, &a, &s)) != DB_OK)
		return rc;
	wl_overdue(&s, today, w);
	wl_payments(&s, now, w);
	wl_cards(&s, ty, tm, w);
	wl_plans(&s, today, w);
	wl_collections(&s, today, first, w);
	wl_past_due(&s, w);
	store_worklist_free(&s);
	return DB_OK;
}

int
worklist_load(struct db *db, struct worklist *w)
{
	int64_t today = date_today(), now = clock_now();

	memset(w, 0, sizeof(*w));
	if (wl_lists(db, today, now, w) != DB_OK)
		return WL_DB;
	return WL_OK;
}
