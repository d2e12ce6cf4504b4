/* The statement PDF: activity, summary, aging and reconciliation. */
#include "common.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include "buf.h"
#include "calc.h"
#include "cfg.h"
#include "clock.h"
#include "invoice.h"
#include "money.h"
#include "pdf.h"
#include "pdf_int.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"
#include "tmpl.h"

/* --- statement ------------------------------------------------------------ */

struct st_doc {
	const struct statement	*st;
	const char		*address;
	const char		*org;
};

static const struct col st_cols[] = {
	{ "DATE", 78, PANGO_ALIGN_LEFT },
	{ "DESCRIPTION", 246, PANGO_ALIGN_LEFT },
	{ "AMOUNT", 90, PANGO_ALIGN_RIGHT },
	{ "BALANCE", 90, PANGO_ALIGN_RIGHT },
};
static const struct table st_table = { st_cols, ARRAY_LEN(st_cols) };

static void
st_head(struct pdoc *d, const struct statement *st, const char *address)
{
	char sdate[32], from[32], to[32], period[80], ddate[32], due[MONEY_FMT_MAX];
	char client[220];
	const char *lines[4];
	struct kv kv[5];
	double lb, rb;
	size_t n = 0;

	pdf_draw_doc_header(d, address, NULL);
	for (size_t i = 0; i < 4; i++)
		lines[i] = st->address[i];
	lb = pdf_draw_bill_to(d, st->account_name, lines, 4);
	pdf_fmt_date(st->statement_date, sdate, sizeof(sdate));
	pdf_fmt_date_short(st->period_start, from, sizeof(from));
	pdf_fmt_date_short(st->period_end, to, sizeof(to));
	str_fmt(period, sizeof(period), "%s \u2013 %s", from, to);
	pdf_fmt_date(st->due_date, ddate, sizeof(ddate));
	kv[n++] = (struct kv){ "Statement no.", *st->number ? st->number :
	    tr("Preview") };
	kv[n++] = (struct kv){ "Statement date", sdate };
	kv[n++] = (struct kv){ "Period", period };
	kv[n++] = (struct kv){ "Due date", ddate };
	client[0] = '\0';
	if (st->client_id != 0 || *st->client_name)
		str_copy(client, sizeof(client), st->client_name);
	kv[n++] = (struct kv){ "Client", client };
	pdf_fmt_money(st->amount_due, due, sizeof(due));
	rb = pdf_draw_meta_block(d, kv, n, due);
	d->y = (lb > rb ? lb : rb) + 24;
}

static void
st_row(struct pdoc *d, const char *date, const char *desc, const char *amt,
    int64_t running, int zebra, int bold)
{
	static const enum ts st[] = { TS_MUTED, TS_BODY, TS_BODY, TS_BOLD };
	static const enum ts stb[] = { TS_MUTED, TS_BOLD, TS_BODY, TS_BOLD };
	char ds[32], bal[MONEY_FMT_MAX];
	const char *cells[4];

	pdf_fmt_date_short(date, ds, sizeof(ds));
	pdf_fmt_money(running, bal, sizeof(bal));
	cells[0] = ds;
	cells[1] = desc;
	cells[2] = amt;
	cells[3] = bal;
	pdf_draw_table_row(d, &st_table, cells, bold ? stb : st, zebra);
}

static void
st_summary(struct pdoc *d, const struct statement *st, size_t n)
{
	char open[MONEY_FMT_MAX], chg[MONEY_FMT_MAX], cred[MONEY_FMT_MAX];
	char close[MONEY_FMT_MAX], due[MONEY_FMT_MAX];
	int64_t charges = 0, credits = 0;
	struct kv kv[5];

	for (size_t i = 0; i < n; i++) {
		if (st->lines[i].amount > 0 && charges <= MONEY_MAX)
			charges += st->lines[i].amount;
		else if (st->lines[i].amount < 0 && credits >= -MONEY_MAX)
			credits += st->lines[i].amount;
	}
	pdf_fmt_money(st->opening, open, sizeof(open));
	pdf_fmt_money(charges, chg, sizeof(chg));
	pdf_fmt_money(credits, cred, sizeof(cred));
	pdf_fmt_money(st->closing, close, sizeof(close));
	pdf_fmt_money(st->amount_due, due, sizeof(due));
	kv[0] = (struct kv){ "Opening balance", open };
	kv[1] = (struct kv){ "Charges", chg };
	kv[2] = (struct kv){ "Payments and credits", cred };
	kv[3] = (struct kv){ "*Closing balance", close };
	kv[4] = (struct kv){ "Amount due", due };
	pdf_draw_totals_block(d, kv, 5);
}

static const struct col aging_cols[AGING_BUCKETS + 1] = {
	{ "CURRENT", 84, PANGO_ALIGN_RIGHT }, { "1-30 DAYS", 84, PANGO_ALIGN_RIGHT },
	{ "31-60 DAYS", 84, PANGO_ALIGN_RIGHT }, { "61-90 DAYS", 84, PANGO_ALIGN_RIGHT },
	{ "OVER 90 DAYS", 84, PANGO_ALIGN_RIGHT }, { "TOTAL OPEN", 84, PANGO_ALIGN_RIGHT },
};
static const struct table aging_table = { aging_cols, ARRAY_LEN(aging_cols) };

static void
st_aging(struct pdoc *d, const struct statement *st)
{
	static const enum ts sts[AGING_BUCKETS + 1] = {
		TS_BODY, TS_BODY, TS_BODY, TS_BODY, TS_BODY, TS_BOLD,
	};
	char v[AGING_BUCKETS + 1][MONEY_FMT_MAX];
	const char *cells[AGING_BUCKETS + 1];
	int64_t total = 0;

	if (pdf_draw_need(d, 80) == -1)
		return;
	d->y += pdf_draw_text(d, TS_LABEL, MARGIN, d->y, CONTENT_W, PANGO_ALIGN_LEFT, 1,
	    tr("ACCOUNT AGING (OPEN INVOICES BY DAYS PAST DUE)")) + 4;
	for (size_t i = 0; i < AGING_BUCKETS; i++) {
		pdf_fmt_money(st->aging[i], v[i], sizeof(v[i]));
		if (total <= MONEY_MAX)
			total += st->aging[i];
		cells[i] = v[i];
	}
	pdf_fmt_money(total, v[AGING_BUCKETS], sizeof(v[AGING_BUCKETS]));
	cells[AGING_BUCKETS] = v[AGING_BUCKETS];
	pdf_draw_table_begin(d, &aging_table);
	pdf_draw_table_row(d, &aging_table, cells, sts, 0);
	pdf_draw_table_end(d);
	d->y += 8;
}

/* The difference between the aging total and the closing balance is a
 * printed line (closing = aging total - unapplied credit); a client's
 * statement names the account's credit it may use. */
static void
st_reconcile(struct pdoc *d, const struct statement *st)
{
	char aging[MONEY_FMT_MAX], diff[MONEY_FMT_MAX], close[MONEY_FMT_MAX];
	char credit[MONEY_FMT_MAX], msg[512];
	int64_t total = st->closing + st->unapplied;

	if (st->unapplied != 0) {
		pdf_fmt_money(total, aging, sizeof(aging));
		pdf_fmt_money(-st->unapplied, diff, sizeof(diff));
		pdf_fmt_money(st->closing, close, sizeof(close));
		pdf_trf(msg, sizeof(msg), "Open invoices (aging total) {aging}; {what} "
		    "{diff}; closing balance {closing}.", "aging", aging, "what",
		    tr(st->unapplied > 0 ? "unapplied credit (paid, not applied to "
		    "an open invoice)" : "not in the aging"), "diff", diff,
		    "closing", close, (const char *)NULL);
		pdf_draw_section_text(d, "AGING AND CLOSING BALANCE", msg, TS_BODY);
	}
	if (st->account_credit > 0) {
		pdf_fmt_money(st->account_credit, credit, sizeof(credit));
		pdf_trf(msg, sizeof(msg), "Account credit available: {credit} (held by "
		    "the account, not applied to this client's invoices; not "
		    "subtracted above).", "credit", credit, (const char *)NULL);
		pdf_draw_section_text(d, "ACCOUNT CREDIT", msg, TS_BODY);
	}
}

static void
st_body(struct pdoc *d, const void *arg)
{
	const struct st_doc *x = arg;
	const struct statement *st = x->st;
	size_t n = st->lines != NULL ? st->nlines : 0;
	char amt[MONEY_FMT_MAX], ddate[32], msg[1024];

	pdf_draw_page_begin(d);
	st_head(d, st, x->address);
	pdf_draw_table_begin(d, &st_table);
	st_row(d, st->period_start, tr("Balance forward"), "", st->opening, 0, 1);
	for (size_t i = 0; i < n && !d->full; i++) {
		pdf_fmt_money(st->lines[i].amount, amt, sizeof(amt));
		st_row(d, st->lines[i].date, st->lines[i].description, amt,
		    st->lines[i].running, (int)((i + 1) % 2), 0);
	}
	if (n == 0) {
		static const enum ts sts[] = { TS_MUTED, TS_MUTED, TS_BODY, TS_BODY };
		const char *cells[] = { "", tr("No activity in this period."), "", "" };
		pdf_draw_table_row(d, &st_table, cells, sts, 0);
	}
	pdf_draw_table_end(d);
	st_summary(d, st, n);
	st_aging(d, st);
	st_reconcile(d, st);
	pdf_fmt_date(st->due_date, ddate, sizeof(ddate));
	if (st->closing < 0) {
		pdf_fmt_money(-st->closing, amt, sizeof(amt));
		pdf_trf(msg, sizeof(msg), "Your account has a credit of {amount}. No "
		    "payment is due.", "amount", amt, (const char *)NULL);
	} else if (st->amount_due > 0) {
		pdf_fmt_money(st->amount_due, amt, sizeof(amt));
		pdf_trf(msg, sizeof(msg), *x->org ? "Please pay {amount} by {date}. "
		    "Make checks payable to {org}. Write {number} on your check or "
		    "mention it with your payment. Thank you." : "Please pay "
		    "{amount} by {date}. Write {number} on your check or mention "
		    "it with your payment. Thank you.", "amount", amt, "date", ddate,
		    "org", x->org, "number", *st->number ? st->number :
		    tr("the statement number"), (const char *)NULL);
	} else
		str_copy(msg, sizeof(msg), tr("Your account is paid in full. Thank "
		    "you."));
	pdf_draw_section_text(d, "PAYMENT", msg, TS_BODY);
	pdf_draw_page_end(d);
}

int
pdf_statement(const struct statement *st, const struct pdf_org *org, struct buf *out)
{
	struct st_doc x;
	struct docinfo di;
	char title[80];

	if (st == NULL || out == NULL)
		return -1;
	if (*st->number)
		str_fmt(title, sizeof(title), "%s %s", tr("Statement"), st->number);
	else
		str_copy(title, sizeof(title), tr("Statement preview"));
	x.st = st;
	x.address = org != NULL ? org->address : NULL;
	x.org = org != NULL && org->name != NULL ? org->name : "";
	di.org = x.org;
	di.logo_png = org != NULL ? org->logo_png : NULL;
	di.logo_len = org != NULL ? org->logo_len : 0;
	di.title = title;
	di.mark = st->id == 0 ? tr("PREVIEW") : NULL;
	return pdf_draw_render(st_body, &x, &di, out);
}

int
pdf_statement_cfg(const struct statement *st, const struct config *cfg,
    struct buf *out)
{
	struct pdf_org org = { cfg->org_name, cfg->org_address, NULL, 0 };

	return pdf_statement(st, &org, out);
}
