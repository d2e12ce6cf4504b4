/* The invoice PDF. */
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

/* --- invoice -------------------------------------------------------------- */

struct inv_doc {
	const struct invoice	*inv;
	const struct account	*acct;
	const char		*address;
};

static const struct kv status_labels[] = {
	{ "draft", "Draft" }, { "open", "Open" }, { "partial", "Partially paid" },
	{ "paid", "Paid" }, { "void", "Void" }, { "issued", "Issued" },
};

static const char *
status_label(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(status_labels); i++)
		if (strcmp(status_labels[i].k, s) == 0)
			return tr(status_labels[i].v);
	return s;
}

static const struct col inv_cols[] = {
	{ "DESCRIPTION", 204, PANGO_ALIGN_LEFT },
	{ "QTY", 40, PANGO_ALIGN_RIGHT },
	{ "RATE", 80, PANGO_ALIGN_RIGHT },
	{ "DISCOUNT", 84, PANGO_ALIGN_RIGHT },
	{ "AMOUNT", 96, PANGO_ALIGN_RIGHT },
};
static const struct table inv_table = { inv_cols, ARRAY_LEN(inv_cols) };

static int
is_draft(const struct invoice *inv)
{
	return strcmp(inv->status, "draft") == 0;
}

static int
is_void(const struct invoice *inv)
{
	return strcmp(inv->status, "void") == 0;
}

static void
inv_line_row(struct pdoc *d, const struct invoice_line *l, int zebra)
{
	static const enum ts st[] = { TS_BODY, TS_BODY, TS_BODY, TS_MUTED, TS_BOLD };
	char qty[32], rate[MONEY_FMT_MAX], disc[MONEY_FMT_MAX + 24], amt[MONEY_FMT_MAX];
	char m[MONEY_FMT_MAX], pct[24];
	const char *cells[5];

	str_fmt(qty, sizeof(qty), "%" PRId64, l->quantity);
	pdf_fmt_money(l->rate, rate, sizeof(rate));
	pdf_fmt_money(l->net, amt, sizeof(amt));
	disc[0] = '\0';
	if (l->discount != 0 || l->dk != DISC_NONE) {
		pdf_fmt_money(-l->discount, m, sizeof(m));
		if (l->dk == DISC_PERCENT) {
			pdf_fmt_percent(l->dv, pct, sizeof(pct));
			str_fmt(disc, sizeof(disc), "%s (%s)", m, pct);
		} else
			str_copy(disc, sizeof(disc), m);
	}
	cells[0] = l->description;
	cells[1] = qty;
	cells[2] = rate;
	cells[3] = disc;
	cells[4] = amt;
	pdf_draw_table_row(d, &inv_table, cells, st, zebra);
}

static void
inv_totals(struct pdoc *d, const struct invoice *inv)
{
	char sub[MONEY_FMT_MAX], disc[MONEY_FMT_MAX], adj[MONEY_FMT_MAX];
	char tot[MONEY_FMT_MAX], paid[MONEY_FMT_MAX], due[MONEY_FMT_MAX];
	char dlabel[64], pct[24];
	const struct calc_invoice *t = &inv->totals;
	int64_t discounts = t->line_discounts + t->discount;
	struct kv kv[6];
	size_t n = 0;

	pdf_fmt_money(t->gross, sub, sizeof(sub));
	kv[n++] = (struct kv){ "Subtotal", sub };
	if (discounts != 0) {
		pdf_fmt_money(-discounts, disc, sizeof(disc));
		if (t->dk == DISC_PERCENT && t->discount != 0) {
			pdf_fmt_percent(t->dv, pct, sizeof(pct));
			pdf_trf(dlabel, sizeof(dlabel), "Discounts (incl. {percent})",
			    "percent", pct, (const char *)NULL);
		} else
			str_copy(dlabel, sizeof(dlabel), "Discounts");
		kv[n++] = (struct kv){ dlabel, disc };
	}
	if (!is_draft(inv) && inv->total != t->total) {
		pdf_fmt_money(inv->total - t->total, adj, sizeof(adj));
		kv[n++] = (struct kv){ is_void(inv) ? "Voided" : "Adjustments", adj };
	}
	pdf_fmt_money(inv->total, tot, sizeof(tot));
	kv[n++] = (struct kv){ "*Total", tot };
	pdf_fmt_money(-inv->paid, paid, sizeof(paid));
	kv[n++] = (struct kv){ "Paid", paid };
	pdf_fmt_money(is_draft(inv) ? inv->total : inv->open, due, sizeof(due));
	kv[n++] = (struct kv){ "Amount due", due };
	pdf_draw_totals_block(d, kv, n);
}

/* "Springfield, IL 62701" from whichever parts are set. */
static void
city_line(const struct account *a, char *out, size_t outsz)
{
	str_fmt(out, outsz, "%s%s%s%s%s", a->city,
	    *a->city && (*a->region || *a->postal_code) ? ", " : "", a->region,
	    *a->region && *a->postal_code ? " " : "", a->postal_code);
}

static void
inv_head(struct pdoc *d, const struct inv_doc *x)
{
	const struct invoice *inv = x->inv;
	const struct account *a = x->acct;
	char idate[32], ddate[32], due[MONEY_FMT_MAX], cityline[256];
	const char *lines[3] = { NULL, NULL, NULL };
	struct kv kv[6];
	size_t n = 0;
	double lb, rb;

	pdf_draw_doc_header(d, x->address, is_void(inv) ? "VOID" :
	    is_draft(inv) ? "DRAFT \u2014 not a bill" : NULL);
	if (a != NULL) {
		lines[0] = a->address1;
		lines[1] = a->address2;
		city_line(a, cityline, sizeof(cityline));
		lines[2] = cityline;
	}
	lb = pdf_draw_bill_to(d, a != NULL && *a->name ? a->name : inv->account_name, lines, 3);

	pdf_fmt_date(inv->invoice_date, idate, sizeof(idate));
	pdf_fmt_date(inv->due_date, ddate, sizeof(ddate));
	kv[n++] = (struct kv){ "Invoice no.", *inv->number ? inv->number :
	    tr("Draft") };
	kv[n++] = (struct kv){ "Invoice date", idate };
	kv[n++] = (struct kv){ "Due date", ddate };
	kv[n++] = (struct kv){ "Client", inv->client_name };
	kv[n++] = (struct kv){ "Location", inv->location_name };
	kv[n++] = (struct kv){ "Status", status_label(*inv->display_status ?
	    inv->display_status : inv->status) };
	pdf_fmt_money(is_draft(inv) ? inv->total : inv->open, due, sizeof(due));
	rb = pdf_draw_meta_block(d, kv, n, due);
	d->y = (lb > rb ? lb : rb) + 24;
}

static void
inv_body(struct pdoc *d, const void *arg)
{
	const struct inv_doc *x = arg;
	const struct invoice *inv = x->inv;
	size_t n = inv->lines != NULL ? inv->nlines : 0;

	pdf_draw_page_begin(d);
	inv_head(d, x);
	pdf_draw_table_begin(d, &inv_table);
	if (n == 0) {
		static const enum ts st[] = { TS_MUTED, TS_BODY, TS_BODY, TS_BODY, TS_BODY };
		const char *cells[] = { tr("No line items."), "", "", "", "" };
		pdf_draw_table_row(d, &inv_table, cells, st, 0);
	}
	for (size_t i = 0; i < n && !d->full; i++)
		inv_line_row(d, &inv->lines[i], (int)(i % 2));
	pdf_draw_table_end(d);
	inv_totals(d, inv);
	if (is_void(inv))
		pdf_draw_section_text(d, "VOIDED", *inv->void_reason ? inv->void_reason :
		    tr("This invoice was voided."), TS_ALERT);
	pdf_draw_section_text(d, "NOTES", inv->notes, TS_BODY);
	if (!is_void(inv) && !is_draft(inv) && inv->open > 0)
		pdf_draw_section_text(d, "PAYMENT", tr("Please pay the amount due by the due "
		    "date and include the invoice number with your payment. Thank "
		    "you."), TS_MUTED);
	pdf_draw_page_end(d);
}

int
pdf_invoice(const struct invoice *inv, const struct pdf_org *org,
    const struct account *acct, struct buf *out)
{
	struct inv_doc x;
	struct docinfo di;
	char title[80];

	if (inv == NULL || out == NULL)
		return -1;
	if (*inv->number)
		str_fmt(title, sizeof(title), "%s %s", tr("Invoice"), inv->number);
	else
		str_copy(title, sizeof(title), tr("Draft invoice"));
	x.inv = inv;
	x.acct = acct;
	x.address = org != NULL ? org->address : NULL;
	pdf_docinfo_org(&di, org);
	di.title = title;
	di.mark = is_draft(inv) ? tr("DRAFT") : is_void(inv) ? tr("VOID") : NULL;
	return pdf_draw_render(inv_body, &x, &di, out);
}
