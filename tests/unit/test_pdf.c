/* Unit tests: invoice and statement PDFs (src/web/pdf/). The text checks
 * read the PDFs back with pdftotext (poppler-utils); without it they fail
 * (a check that cannot run must not pass). PDF_SAMPLES_DIR=dir keeps the rendered samples. */
#include "common.h"

#include <cairo.h>
#include <check.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "calc.h"
#include "invoice.h"
#include "pdf.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"
#include "tmpl.h"

static const struct pdf_org org = {
	.name = "Riverside Family Counseling",
	.address = "410 Maple Avenue, Suite 200\nSpringfield, IL 62704 \u00b7 (217) 555-0142",
};

/* Local frees: the test does not depend on the store's implementation. */
static void
inv_free(struct invoice *inv)
{
	free(inv->lines);
	free(inv->notes);
	memset(inv, 0, sizeof(*inv));
}

static void
st_free(struct statement *st)
{
	free(st->lines);
	memset(st, 0, sizeof(*st));
}

static void
set_line(struct invoice_line *l, const char *desc, int64_t qty, int64_t rate,
    enum discount_kind dk, int64_t dv)
{
	memset(l, 0, sizeof(*l));
	str_copy(l->description, sizeof(l->description), desc);
	l->quantity = qty;
	l->rate = rate;
	l->dk = dk;
	l->dv = dv;
}

/* Recomputes the derived amounts the way invoice_get() does. */
static void
compute(struct invoice *inv)
{
	struct calc_line *cl = calloc(inv->nlines + 1, sizeof(*cl));
	size_t bad;

	ck_assert_ptr_nonnull(cl);
	for (size_t i = 0; i < inv->nlines; i++) {
		cl[i].quantity = inv->lines[i].quantity;
		cl[i].rate = inv->lines[i].rate;
		cl[i].dk = inv->lines[i].dk;
		cl[i].dv = inv->lines[i].dv;
	}
	inv->totals.dk = inv->dk;
	inv->totals.dv = inv->dv;
	ck_assert_int_eq(calc_invoice(cl, inv->nlines, &inv->totals, &bad), CALC_OK);
	for (size_t i = 0; i < inv->nlines; i++) {
		inv->lines[i].gross = cl[i].gross;
		inv->lines[i].discount = cl[i].discount;
		inv->lines[i].net = cl[i].net;
	}
	free(cl);
	inv->total = inv->totals.total;
	inv->open = inv->total - inv->paid;
}

/* INV-000123: $600 + $360 (10% off $400) + $274.56 = $1,234.56, $234.56 paid. */
static void
make_invoice(struct invoice *inv, struct account *a)
{
	static const char phrase[] = "Psychological assessment and report; ";
	char longdesc[501];
	size_t n = 0;

	memset(inv, 0, sizeof(*inv));
	memset(a, 0, sizeof(*a));
	inv->id = 77;
	str_copy(inv->number, sizeof(inv->number), "INV-000123");
	str_copy(inv->status, sizeof(inv->status), "issued");
	str_copy(inv->display_status, sizeof(inv->display_status), "partial");
	str_copy(inv->invoice_date, sizeof(inv->invoice_date), "2024-03-01");
	str_copy(inv->due_date, sizeof(inv->due_date), "2024-03-31");
	str_copy(inv->account_name, sizeof(inv->account_name), "Zo\u00eb M\u00fcller-\u0141ukasz");
	str_copy(inv->client_name, sizeof(inv->client_name), "Mila M\u00fcller-\u0141ukasz");
	str_copy(inv->location_name, sizeof(inv->location_name), "Downtown office");
	inv->notes = str_dup("Thank you for choosing Riverside. Sessions cancelled with "
	    "less than 24 hours notice are billed at the full rate.");
	inv->lines = calloc(4, sizeof(*inv->lines));
	ck_assert_ptr_nonnull(inv->lines);
	set_line(&inv->lines[n++], "Individual therapy (50 min)", 4, 15000, DISC_NONE, 0);
	set_line(&inv->lines[n++], "Family session (80 min)", 2, 20000, DISC_PERCENT, 1000);
	memset(longdesc, 0, sizeof(longdesc));
	for (size_t i = 0; i + 1 < sizeof(longdesc); i++)
		longdesc[i] = phrase[i % (sizeof(phrase) - 1)];
	set_line(&inv->lines[n++], longdesc, 1, 27456, DISC_NONE, 0);
	inv->nlines = n;
	inv->paid = 23456;
	compute(inv);
	ck_assert(inv->total == 123456);

	inv->account_id = 5;
	a->id = 5;
	str_copy(a->name, sizeof(a->name), inv->account_name);
	str_copy(a->address1, sizeof(a->address1), "12 Elm Street");
	str_copy(a->address2, sizeof(a->address2), "Apt 4B");
	str_copy(a->city, sizeof(a->city), "Springfield");
	str_copy(a->region, sizeof(a->region), "IL");
	str_copy(a->postal_code, sizeof(a->postal_code), "62701");
}

/* STMT-000045 with n lines: alternating charges and payments. */
static void
make_statement(struct statement *st, size_t n)
{
	int64_t bal;

	memset(st, 0, sizeof(*st));
	st->id = 45;
	st->account_id = 5;
	str_copy(st->number, sizeof(st->number), "STMT-000045");
	str_copy(st->account_name, sizeof(st->account_name), "Zo\u00eb M\u00fcller-\u0141ukasz");
	str_copy(st->address[0], sizeof(st->address[0]), "12 Elm Street");
	str_copy(st->address[1], sizeof(st->address[1]), "Springfield, IL 62701");
	str_copy(st->period_start, sizeof(st->period_start), "2024-01-01");
	str_copy(st->period_end, sizeof(st->period_end), "2024-03-31");
	str_copy(st->statement_date, sizeof(st->statement_date), "2024-04-01");
	str_copy(st->due_date, sizeof(st->due_date), "2024-05-01");
	st->opening = 5000;
	st->lines = calloc(n + 1, sizeof(*st->lines));
	ck_assert_ptr_nonnull(st->lines);
	bal = st->opening;
	for (size_t i = 0; i < n; i++) {
		struct statement_line *l = &st->lines[i];
		str_fmt(l->date, sizeof(l->date), "2024-%02zu-%02zu", 1 + i / 45, 1 + i % 28);
		if (i % 3 == 2) {
			str_copy(l->kind, sizeof(l->kind), "payment");
			str_fmt(l->description, sizeof(l->description),
			    "Payment (check %zu)", 1000 + i);
			l->amount = -10000;
		} else {
			str_copy(l->kind, sizeof(l->kind), "charge");
			str_fmt(l->description, sizeof(l->description),
			    "INV-%06zu Individual therapy \u2014 Zo\u00eb", 100 + i);
			l->amount = 15000;
		}
		bal += l->amount;
		l->running = bal;
	}
	if (n > 0)
		str_copy(st->lines[n - 1].description, sizeof(st->lines[n - 1].description),
		    "Last line of the period");
	st->nlines = n;
	st->closing = bal;
	st->amount_due = bal > 0 ? bal : 0;
	st->aging[0] = 300025;
	st->aging[1] = 400000;
	st->aging[4] = 104975;
}

static void
assert_pdf(const struct buf *b)
{
	size_t n = b->len;

	ck_assert_uint_gt(n, 100);
	ck_assert(memcmp(b->data, "%PDF-", 5) == 0);
	while (n > 0 && (b->data[n - 1] == '\n' || b->data[n - 1] == '\r'))
		n--;
	ck_assert_uint_ge(n, 5);
	ck_assert(memcmp(b->data + n - 5, "%%EOF", 5) == 0);
}

static int
have_pdftotext(void)
{
	static int have = -1;

	if (have == -1) {
		have = system("pdftotext -v >/dev/null 2>&1") == 0;
	}
	return have;
}

/* Writes the PDF to a file (kept under PDF_SAMPLES_DIR when set) and returns
 * its text as pdftotext sees it (malloc'd); fails when pdftotext is missing. */
static char *
pdf_text(const struct buf *b, const char *name)
{
	const char *keep = getenv("PDF_SAMPLES_DIR");
	char dir[256], path[512], cmd[700];
	struct buf t;
	FILE *f;
	size_t n;
	char chunk[4096];

	if (keep != NULL && *keep) {
		mkdir(keep, 0755);
		str_copy(dir, sizeof(dir), keep);
	} else {
		str_copy(dir, sizeof(dir), "/tmp/test_pdf.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	ck_assert_int_eq(str_fmt(path, sizeof(path), "%s/%s.pdf", dir, name), 0);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b->data, 1, b->len, f), b->len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(have_pdftotext(), "pdftotext not found: the PDF text checks "
	    "cannot run (apt-get install poppler-utils; scripts/check does)");
	ck_assert_int_eq(str_fmt(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path), 0);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	buf_init(&t, 16u * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert_int_eq(buf_append(&t, chunk, n), 0);
	ck_assert_int_eq(pclose(f), 0);
	if (keep == NULL || *keep == '\0') {
		unlink(path);
		rmdir(dir);
	}
	return buf_detach(&t);
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static size_t
count_str(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

START_TEST(invoice_renders_numbers_names_and_totals)
{
	struct invoice inv;
	struct account a;
	struct buf b;
	char *txt;

	make_invoice(&inv, &a);
	buf_init(&b, BUF_MAX_DEFAULT);
	ck_assert_int_eq(pdf_invoice(&inv, &org, &a, &b), 0);
	assert_pdf(&b);
	txt = pdf_text(&b, "invoice");
	if (txt != NULL) {
		ck_assert_ptr_nonnull(strstr(txt, "Invoice INV-000123"));
		ck_assert_ptr_nonnull(strstr(txt, "Riverside Family Counseling"));
		ck_assert_ptr_nonnull(strstr(txt, "Zo\u00eb M\u00fcller-\u0141ukasz"));
		ck_assert_ptr_nonnull(strstr(txt, "12 Elm Street"));
		ck_assert_ptr_nonnull(strstr(txt, "Springfield, IL 62701"));
		ck_assert_ptr_nonnull(strstr(txt, "March 1, 2024"));	/* invoice date */
		ck_assert_ptr_nonnull(strstr(txt, "March 31, 2024"));	/* due date */
		ck_assert_ptr_nonnull(strstr(txt, "$1,234.56"));	/* total */
		ck_assert_ptr_nonnull(strstr(txt, "$1,274.56"));	/* subtotal */
		ck_assert_ptr_nonnull(strstr(txt, "-$40.00 (10%)"));	/* line discount */
		ck_assert_ptr_nonnull(strstr(txt, "-$234.56"));		/* paid */
		ck_assert_ptr_nonnull(strstr(txt, "$1,000.00"));	/* amount due */
		ck_assert_ptr_nonnull(strstr(txt, "Page 1 of 1"));
		ck_assert_ptr_nonnull(strstr(txt, "Sessions cancelled"));	/* notes */
		ck_assert_uint_ge(count_str(txt, "Psychological"), 13);	/* all 500 chars */
		ck_assert_ptr_null(strstr(txt, "DRAFT"));
		free(txt);
	}
	buf_free(&b);
	inv_free(&inv);
}
END_TEST

static cairo_status_t
png_to_buf(void *closure, const unsigned char *d, unsigned int n)
{
	return buf_append(closure, d, n) == 0 ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

/* Branding: with a logo the invoice and the receipt carry an image,
 * without none. */
START_TEST(invoice_draws_the_logo)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 90, 30);
	struct pdf_org branded = org;
	struct invoice inv;
	struct account a;
	struct buf png, b;

	buf_init(&png, BUF_MAX_DEFAULT);
	ck_assert_int_eq(cairo_surface_write_to_png_stream(s, png_to_buf, &png),
	    CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
	make_invoice(&inv, &a);
	buf_init(&b, BUF_MAX_DEFAULT);
	ck_assert_int_eq(pdf_invoice(&inv, &org, &a, &b), 0);
	ck_assert_ptr_null(memmem(b.data, b.len, "/Subtype /Image", 15));
	branded.logo_png = (const unsigned char *)png.data;
	branded.logo_len = png.len;
	ck_assert_int_eq(pdf_invoice(&inv, &branded, &a, &b), 0);
	assert_pdf(&b);
	ck_assert_ptr_nonnull(memmem(b.data, b.len, "/Subtype /Image", 15));
	/* bytes that are not a PNG: the document renders without a logo */
	branded.logo_png = (const unsigned char *)"not a png";
	branded.logo_len = 9;
	ck_assert_int_eq(pdf_invoice(&inv, &branded, &a, &b), 0);
	ck_assert_ptr_null(memmem(b.data, b.len, "/Subtype /Image", 15));
	/* the payment receipt carries the logo too (it read an unset logo) */
	{
		static const struct pdf_receipt_item items[] = {
			{ "INV-000123", 5000 } };
		struct pdf_receipt r = { "P-7", "2026-11-30", "Ada Client",
		    "Visa ending 4242", "pi_123", 5000, 0, 0, items, 1 };

		ck_assert_int_eq(pdf_receipt(&r, &org, &b), 0);
		ck_assert_ptr_null(memmem(b.data, b.len, "/Subtype /Image", 15));
		branded.logo_png = (const unsigned char *)png.data;
		branded.logo_len = png.len;
		ck_assert_int_eq(pdf_receipt(&r, &branded, &b), 0);
		assert_pdf(&b);
		ck_assert_ptr_nonnull(memmem(b.data, b.len, "/Subtype /Image", 15));
	}
	buf_free(&b);
	buf_free(&png);
	inv_free(&inv);
}
END_TEST

START_TEST(draft_invoice_is_marked)
{
	struct invoice inv;
	struct account a;
	struct buf b;
	char *txt, name[64];

	make_invoice(&inv, &a);
	inv.number[0] = '\0';
	str_copy(inv.status, sizeof(inv.status), "draft");
	str_copy(inv.display_status, sizeof(inv.display_status), "draft");
	inv.paid = 0;
	inv.open = 0;
	pdf_invoice_filename(&inv, name, sizeof(name));
	ck_assert_str_eq(name, "invoice-draft-77.pdf");
	buf_init(&b, BUF_MAX_DEFAULT);
	ck_assert_int_eq(pdf_invoice(&inv, &org, NULL, &b), 0);
	assert_pdf(&b);
	txt = pdf_text(&b, "invoice-draft");
	if (txt != NULL) {
		ck_assert_ptr_nonnull(strstr(txt, "Draft invoice"));
		ck_assert_ptr_nonnull(strstr(txt, "DRAFT"));
		ck_assert_ptr_nonnull(strstr(txt, "Zo\u00eb M\u00fcller-\u0141ukasz"));
		ck_assert_ptr_nonnull(strstr(txt, "$1,234.56"));
		free(txt);
	}
	buf_free(&b);
	inv_free(&inv);
}
END_TEST

/* A client's copy in Spanish: every label from the catalog, dates the
 * Spanish way, money in US dollars; English again after. */
START_TEST(invoice_and_statement_in_spanish)
{
	struct tmpl_cache *tc = tmpl_cache_new(TOP_SRCDIR "/www/templates", 0);
	struct invoice inv;
	struct statement st;
	struct account a;
	struct buf b;
	char *txt;

	ck_assert_ptr_nonnull(tc);
	make_invoice(&inv, &a);
	buf_init(&b, BUF_MAX_DEFAULT);
	pdf_set_lang(tc, "es");
	ck_assert_int_eq(pdf_invoice(&inv, &org, &a, &b), 0);
	txt = pdf_text(&b, "invoice-es");
	if (txt != NULL) {
		static const char *const es[] = { "Factura INV-000123",
		    "FACTURAR A", "Importe a pagar", "1 de marzo de 2024",
		    "31 de marzo de 2024", "Fecha de factura", "Vencimiento",
		    "DESCRIPCIÓN", "Subtotal", "Pagado", "NOTAS",
		    "Página 1 de 1", "$1,234.56", "$1,000.00" };
		static const char *const en[] = { "Amount due", "BILL TO",
		    "Page 1", "Invoice date", "March 1, 2024", "DESCRIPTION",
		    "Paid", "NOTES" };

		for (size_t i = 0; i < ARRAY_LEN(es); i++)
			ck_assert_msg(strstr(txt, es[i]) != NULL, "no \"%s\" in %s",
			    es[i], txt);
		for (size_t i = 0; i < ARRAY_LEN(en); i++)
			ck_assert_msg(strstr(txt, en[i]) == NULL, "\"%s\" in %s",
			    en[i], txt);
		free(txt);
	}
	make_statement(&st, 3);
	ck_assert_int_eq(pdf_statement(&st, &org, &b), 0);
	txt = pdf_text(&b, "statement-es");
	if (txt != NULL) {
		ck_assert_ptr_nonnull(strstr(txt, "Estado de cuenta"));
		ck_assert_ptr_nonnull(strstr(txt, "Saldo anterior"));
		ck_assert_ptr_nonnull(strstr(txt, "Saldo final"));
		ck_assert_ptr_null(strstr(txt, "Balance forward"));
		/* the statement date in words, no ISO date left */
		ck_assert_ptr_nonnull(strstr(txt, "1 de abril de 2024"));
		ck_assert_ptr_null(strstr(txt, "2024-04-01"));
		free(txt);
	}
	{
		static const struct pdf_receipt_item items[] = {
			{ "INV-000123", 5000 } };
		struct pdf_receipt r = { "P-7", "2026-11-30", "Lucía Hernández",
		    "Visa terminada en 4242", "pi_123", 6000, 0, 1000, items, 1 };
		static const char *const es[] = { "Recibo P-7", "RECIBIDO DE",
		    "N.º de recibo", "Fecha de pago", "30 de noviembre de 2026",
		    "APLICADO A", "Factura INV-000123", "Queda como crédito",
		    "Importe pagado", "$60.00", "Gracias por su pago" };

		ck_assert_int_eq(pdf_receipt(&r, &org, &b), 0);
		txt = pdf_text(&b, "receipt-es");
		if (txt != NULL) {
			for (size_t i = 0; i < ARRAY_LEN(es); i++)
				ck_assert_msg(strstr(txt, es[i]) != NULL, "no \"%s\" in %s",
				    es[i], txt);
			ck_assert_msg(strstr(txt, "Amount paid") == NULL &&
			    strstr(txt, "2026-11-30") == NULL, "%s", txt);
			free(txt);
		}
	}
	pdf_set_lang(NULL, "en");
	ck_assert_int_eq(pdf_invoice(&inv, &org, &a, &b), 0);
	txt = pdf_text(&b, "invoice-en-again");
	if (txt != NULL) {
		ck_assert_ptr_nonnull(strstr(txt, "Amount due"));
		free(txt);
	}
	buf_free(&b);
	inv_free(&inv);
	st_free(&st);
	tmpl_cache_free(tc);
}
END_TEST

START_TEST(long_statement_breaks_pages_and_repeats_header)
{
	struct statement st;
	struct buf b;
	char *txt, want[64], name[64];
	const char *p2, *p3;
	size_t pages;

	make_statement(&st, 120);
	pdf_statement_filename(&st, name, sizeof(name));
	ck_assert_str_eq(name, "STMT-000045.pdf");
	buf_init(&b, BUF_MAX_DEFAULT);
	ck_assert_int_eq(pdf_statement(&st, &org, &b), 0);
	assert_pdf(&b);
	txt = pdf_text(&b, "statement-long");
	if (txt != NULL) {
		pages = count_char(txt, '\f');	/* pdftotext ends every page with \f */
		ck_assert_uint_ge(pages, 3);
		str_fmt(want, sizeof(want), "Page 1 of %zu", pages);
		ck_assert_ptr_nonnull(strstr(txt, want));
		str_fmt(want, sizeof(want), "Page %zu of %zu", pages, pages);
		ck_assert_ptr_nonnull(strstr(txt, want));
		ck_assert_ptr_nonnull(strstr(txt, "Statement STMT-000045"));
		ck_assert_ptr_nonnull(strstr(txt, "Zo\u00eb M\u00fcller-\u0141ukasz"));
		ck_assert_ptr_nonnull(strstr(txt, "Balance forward"));
		ck_assert_ptr_nonnull(strstr(txt, "Last line of the period"));
		ck_assert_ptr_nonnull(strstr(txt, "$8,050.00"));	/* closing: 50 + 80*150 - 40*100 */
		ck_assert_ptr_nonnull(strstr(txt, "OVER 90 DAYS"));
		ck_assert_ptr_nonnull(strstr(txt, "$3,000.25"));	/* aging: current */
		ck_assert_ptr_nonnull(strstr(txt, "$1,049.75"));	/* aging: over 90 days */
		/* page 2 repeats the table header */
		p2 = strchr(txt, '\f');
		ck_assert_ptr_nonnull(p2);
		p3 = strchr(p2 + 1, '\f');
		ck_assert_ptr_nonnull(p3);
		ck_assert_ptr_nonnull(strstr(p2, "BALANCE"));
		ck_assert(strstr(p2, "BALANCE") < p3);
		free(txt);
	}
	buf_free(&b);
	st_free(&st);
}
END_TEST

START_TEST(empty_documents_render)
{
	struct invoice inv;
	struct statement st;
	struct buf b;
	char *txt;

	memset(&inv, 0, sizeof(inv));
	memset(&st, 0, sizeof(st));
	buf_init(&b, BUF_MAX_DEFAULT);
	ck_assert_int_eq(pdf_invoice(&inv, NULL, NULL, &b), 0);
	assert_pdf(&b);
	ck_assert_int_eq(pdf_statement(&st, NULL, &b), 0);
	assert_pdf(&b);
	make_statement(&st, 0);
	ck_assert_int_eq(pdf_statement(&st, &org, &b), 0);
	assert_pdf(&b);
	txt = pdf_text(&b, "statement-empty");
	if (txt != NULL) {
		ck_assert_ptr_nonnull(strstr(txt, "No activity in this period."));
		ck_assert_ptr_nonnull(strstr(txt, "Page 1 of 1"));
		free(txt);
	}
	st_free(&st);
	buf_free(&b);
}
END_TEST

START_TEST(huge_and_hostile_input_is_bounded)
{
	struct invoice inv;
	struct account a;
	struct buf b;
	char *txt;
	size_t big = 200000;

	make_invoice(&inv, &a);
	free(inv.lines);
	inv.lines = calloc(INVOICE_MAX_LINES, sizeof(*inv.lines));
	ck_assert_ptr_nonnull(inv.lines);
	for (size_t i = 0; i < INVOICE_MAX_LINES; i++) {
		struct invoice_line *l = &inv.lines[i];
		for (size_t j = 0; j + 1 < sizeof(l->description); j++)
			l->description[j] = (j % 7 == 6) ? '\n' : "<b>&amp;"[j % 8];
		l->quantity = 1000;
		l->rate = 9999999;
	}
	/* invalid UTF-8 and markup-looking text are printed, not interpreted */
	str_copy(inv.lines[0].description, sizeof(inv.lines[0].description),
	    "bad \xff\xfe utf8 <span foreground=\"red\">x</span>");
	str_copy(inv.account_name, sizeof(inv.account_name), "\xc3");
	str_copy(a.name, sizeof(a.name), "<i>Acme & Sons</i>");
	inv.nlines = INVOICE_MAX_LINES;
	free(inv.notes);
	inv.notes = malloc(big + 1);
	ck_assert_ptr_nonnull(inv.notes);
	for (size_t j = 0; j < big; j++)
		inv.notes[j] = (j % 80 == 79) ? '\n' : 'n';
	inv.notes[big] = '\0';
	compute(&inv);

	buf_init(&b, BUF_MAX_DEFAULT);
	ck_assert_int_eq(pdf_invoice(&inv, &org, &a, &b), 0);
	assert_pdf(&b);
	txt = pdf_text(&b, "invoice-huge");
	if (txt != NULL) {
		/* a 500-newline description is clipped to part of a page, so two
		 * such rows share a page instead of each running off its own */
		ck_assert_uint_le(count_char(txt, '\f'), INVOICE_MAX_LINES / 2 + 5);
		ck_assert_ptr_nonnull(strstr(txt, "<i>Acme & Sons</i>"));
		ck_assert_ptr_nonnull(strstr(txt, "<span"));
		ck_assert_ptr_nonnull(strstr(txt, "foreground=\"red\">x</span>"));
		free(txt);
	}
	buf_free(&b);

	/* a buffer too small for the document: failure, and nothing half-written */
	buf_init(&b, 4096);
	ck_assert_int_eq(pdf_invoice(&inv, &org, &a, &b), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
	inv_free(&inv);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pdf");
	TCase *tc = tcase_create("pdf");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, invoice_renders_numbers_names_and_totals);
	tcase_add_test(tc, draft_invoice_is_marked);
	tcase_add_test(tc, invoice_draws_the_logo);
	tcase_add_test(tc, invoice_and_statement_in_spanish);
	tcase_add_test(tc, long_statement_breaks_pages_and_repeats_header);
	tcase_add_test(tc, empty_documents_render);
	tcase_add_test(tc, huge_and_hostile_input_is_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pdf_shutdown();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
