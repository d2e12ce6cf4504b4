/* Receivables as pictures: aging, collections per week, top balances and
 * receivables by location, each an inline SVG beside a table of the same
 * numbers. The figures come from ar_summary() and collections_by_day(),
 * the functions behind every other A/R figure. */
#include "common.h"

#include "app.h"
#include "buf.h"
#include "catalog.h"
#include "clock.h"
#include "kit.h"
#include "money.h"
#include "staff_money.h"
#include "statement.h"
#include "str.h"
#include "svg_chart.h"
#include "tmpl.h"
#include "worklist.h"

#define AR_WEEKS	13
#define AR_TOP_CHART	10
#define AR_LOCATIONS	20
#define SVG_MAX		(256 * 1024)

static const char *const age_cls[AGING_BUCKETS] = {
	"ch-age-0", "ch-age-1", "ch-age-2", "ch-age-3", "ch-age-4",
};

static int
set_svg(struct tmpl_vars *v, const char *name, const char *title,
    int (*draw)(struct buf *, const char *, const struct svg_item *, size_t),
    const struct svg_item *it, size_t n)
{
	struct buf b;
	int rc;

	buf_init(&b, SVG_MAX);
	rc = draw(&b, title, it, n);
	if (rc == 0)
		tmpl_set(v, name, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int
chart_aging(struct ctx *c, const struct ar_summary *s)
{
	struct svg_item it[AGING_BUCKETS];

	for (size_t b = 0; b < AGING_BUCKETS; b++)
		it[b] = (struct svg_item){ aging_labels[b], s->aging[b], age_cls[b] };
	return set_svg(c->view, "svg_aging", "Open invoice amounts by age",
	    svg_stacked_bar, it, AGING_BUCKETS);
}

/* Week i (0 oldest) covers the 7 days ending today - 7 * (12 - i). */
static int
chart_weeks(struct ctx *c, int64_t location_id)
{
	int64_t days[AR_WEEKS * 7], from = date_today() - AR_WEEKS * 7 + 1;
	int64_t total = 0, wk[AR_WEEKS];
	char labels[AR_WEEKS][16], d[11];
	struct svg_item it[AR_WEEKS];

	if (collections_by_day(c->app->db, from, AR_WEEKS * 7, location_id,
	    days) != WL_OK)
		return -1;
	for (size_t i = 0; i < AR_WEEKS; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "weeks");
		int64_t start = from + (int64_t)i * 7;

		wk[i] = 0;
		for (size_t k = 0; k < 7; k++)
			wk[i] += days[i * 7 + k];
		total += wk[i];
		if (date_fmt(start, d, sizeof(d)) == -1)
			return -1;
		str_fmt(labels[i], sizeof(labels[i]), "%s", d + 5);	/* MM-DD */
		it[i] = (struct svg_item){ labels[i], wk[i], NULL };
		if (row == NULL)
			continue;
		tmpl_set(row, "week_start", d);
		if (date_fmt(start + 6, d, sizeof(d)) == 0)
			tmpl_set(row, "week_end", d);
		kit_set_money(row, "week_amount", wk[i]);
	}
	kit_set_money(c->view, "weeks_total", total);
	return set_svg(c->view, "svg_weeks", "Collections per week, last 13 weeks",
	    svg_columns, it, AR_WEEKS);
}

static int
chart_top(struct ctx *c, const struct ar_summary *s)
{
	struct svg_item it[AR_TOP_CHART];
	size_t n = s->ntop < AR_TOP_CHART ? s->ntop : AR_TOP_CHART;

	for (size_t i = 0; i < n; i++)
		it[i] = (struct svg_item){ s->top[i].account_name, s->top[i].balance,
		    NULL };
	if (n == 0)
		return 0;
	return set_svg(c->view, "svg_top", "Top balances", svg_hbars, it, n);
}

static const struct ar_location *
location_of(const struct ar_location *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].location_id == id)
			return &v[i];
	return NULL;
}

/* Receivables per location (read with the totals by ar_summary()); what
 * belongs to no location is the whole less the located parts. */
static int
chart_locations(struct ctx *c, const struct ar_summary *all,
    const struct location *ls, size_t n)
{
	struct svg_item it[AR_LOCATIONS + 1];
	size_t k = 0, i;
	int64_t rest = all->total;

	for (i = 0; i < n && k < AR_LOCATIONS; i++) {
		const struct ar_location *s = location_of(all->loc, all->nloc, ls[i].id);
		struct tmpl_vars *row;

		if (s == NULL || s->total == 0)
			continue;
		rest -= s->total;
		it[k++] = (struct svg_item){ ls[i].name, s->total, NULL };
		if ((row = tmpl_loop_add(c->view, "by_location")) == NULL)
			continue;
		tmpl_set_int(row, "loc_id", ls[i].id);
		tmpl_set(row, "loc_name", ls[i].name);
		kit_set_money(row, "loc_total", s->total);
		tmpl_set_int(row, "loc_accounts", s->accounts_with_balance);
	}
	/* every location read: the rest is exact */
	if (rest > 0 && i == n && all->loc_complete) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "by_location");
		it[k++] = (struct svg_item){ "No location", rest, "ch-muted-bar" };
		if (row) {
			tmpl_set(row, "loc_name", "No location");
			kit_set_money(row, "loc_total", rest);
		}
	}
	return k == 0 ? 0 : set_svg(c->view, "svg_locations",
	    "Receivables by location", svg_hbars, it, k);
}

int
staff_money_ar_charts(struct ctx *c, const struct ar_summary *s,
    int64_t location_id, const struct location *ls, size_t n)
{
	if (chart_aging(c, s) == -1 || chart_weeks(c, location_id) == -1 ||
	    chart_top(c, s) == -1)
		return -1;
	if (location_id == 0 && chart_locations(c, s, ls, n) == -1)
		return -1;
	return 0;
}
