/* The receipt PDF of a succeeded payment (drawn from struct pdf_receipt;
 * pdf_receipt.c fills it from the database). */
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

/* --- receipt -------------------------------------------------------------- */

static const struct col rc_cols[] = {
	{ "APPLIED TO", 354, PANGO_ALIGN_LEFT },
	{ "AMOUNT", 150, PANGO_ALIGN_RIGHT },
};
static const struct table rc_table = { rc_cols, ARRAY_LEN(rc_cols) };

struct rc_doc {
	const struct pdf_receipt	*r;
	const char			*address;
};

static void
rc_head(struct pdoc *d, const struct pdf_receipt *r, const char *address)
{
	char date[32];
	struct kv kv[5];
	double lb = d->y, rb = d->y, w = CONTENT_W * 0.5, x;
	size_t n = 0;

	pdf_draw_doc_header(d, address, NULL);
	lb = d->y;
	lb += pdf_draw_text(d, TS_LABEL, MARGIN, lb, w, PANGO_ALIGN_LEFT, 1,
	    tr("RECEIVED FROM")) + 4;
	lb += pdf_draw_text(d, TS_BOLD, MARGIN, lb, w, PANGO_ALIGN_LEFT, 3, r->payer) + 2;
	pdf_fmt_date(r->date, date, sizeof(date));
	kv[n++] = (struct kv){ "Receipt no.", r->number };
	kv[n++] = (struct kv){ "Date paid", date };
	kv[n++] = (struct kv){ "Method", r->method };
	kv[n++] = (struct kv){ "Stripe ID", r->stripe_id };
	kv[n++] = (struct kv){ "Status", tr("Paid") };
	rb = d->y;
	x = MARGIN + CONTENT_W - 250;
	for (size_t i = 0; i < n; i++) {
		if (kv[i].v == NULL || *kv[i].v == '\0')
			continue;
		pdf_draw_text(d, TS_MUTED, x, rb, 80, PANGO_ALIGN_LEFT, 1, tr(kv[i].k));
		rb += pdf_draw_text(d, TS_BODY, x + 80, rb, 170, PANGO_ALIGN_RIGHT, 2,
		    kv[i].v) + 3;
	}
	d->y = (lb > rb ? lb : rb) + 24;
}

static void
rc_body(struct pdoc *d, const void *arg)
{
	static const enum ts st[] = { TS_BODY, TS_BOLD };
	const struct rc_doc *x = arg;
	const struct pdf_receipt *r = x->r;
	char amt[MONEY_FMT_MAX], paid[MONEY_FMT_MAX], ref[MONEY_FMT_MAX];
	char label[80];
	const char *cells[2];
	struct kv kv[2];
	size_t n = 0;

	pdf_draw_page_begin(d);
	rc_head(d, r, x->address);
	pdf_draw_table_begin(d, &rc_table);
	for (size_t i = 0; i < r->nitems && !d->full; i++) {
		pdf_trf(label, sizeof(label), "Invoice {number}", "number",
		    r->items[i].invoice, (const char *)NULL);
		pdf_fmt_money(r->items[i].amount, amt, sizeof(amt));
		cells[0] = label;
		cells[1] = amt;
		pdf_draw_table_row(d, &rc_table, cells, st, (int)(i % 2));
	}
	if (r->credit > 0) {
		pdf_fmt_money(r->credit, amt, sizeof(amt));
		cells[0] = tr("Kept as credit on your account");
		cells[1] = amt;
		pdf_draw_table_row(d, &rc_table, cells, st, (int)(r->nitems % 2));
	}
	pdf_draw_table_end(d);
	if (r->refunded > 0) {
		pdf_fmt_money(-r->refunded, ref, sizeof(ref));
		kv[n++] = (struct kv){ "Refunded since", ref };
	}
	pdf_fmt_money(r->amount, paid, sizeof(paid));
	kv[n++] = (struct kv){ "Amount paid", paid };
	pdf_draw_totals_block(d, kv, n);
	pdf_draw_section_text(d, "THANK YOU", tr("Thank you for your payment. Keep "
	    "this receipt for your records."), TS_MUTED);
	pdf_draw_page_end(d);
}

int
pdf_receipt(const struct pdf_receipt *r, const struct pdf_org *org,
    struct buf *out)
{
	struct rc_doc x;
	struct docinfo di;
	char title[80];

	if (r == NULL || out == NULL)
		return -1;
	pdf_trf(title, sizeof(title), "Receipt {number}", "number", r->number,
	    (const char *)NULL);
	x.r = r;
	x.address = org != NULL ? org->address : NULL;
	pdf_docinfo_org(&di, org);
	di.title = title;
	di.mark = NULL;
	return pdf_draw_render(rc_body, &x, &di, out);
}

void
pdf_receipt_filename(const struct pdf_receipt *r, char *out, size_t outsz)
{
	str_fmt(out, outsz, "receipt-%s.pdf", pdf_number_safe(r->number) ? r->number :
	    "payment");
}
