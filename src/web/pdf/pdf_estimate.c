/* PDF of an estimate with its Good Faith Estimate text and signatures
 * (cairo PDF surface + pango, US Letter), and its routes for staff and the
 * portal. Text is always set as plain text, never markup. */
#include "common.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <openssl/evp.h>
#include <pango/pangocairo.h>

#include "app.h"
#include "brand_image.h"
#include "buf.h"
#include "clock.h"
#include "datefmt.h"
#include "estimate.h"
#include "kit.h"
#include "log.h"
#include "money.h"
#include "pdf.h"
#include "pdf_estimate.h"
#include "portal_web.h"
#include "staff_estimates.h"
#include "staff_profiles.h"
#include "str.h"

#define PAGE_W		612.0
#define PAGE_H		792.0
#define MARGIN		54.0
#define CONTENT_W	(PAGE_W - 2 * MARGIN)
#define BOTTOM		(PAGE_H - 60.0)
#define FONT		"DejaVu Sans,Sans"
#define SIG_W		200.0
#define SIG_H		66.0

struct edoc {
	cairo_t		*cr;
	PangoLayout	*lay;
	double		 y;
	int		 page;
};

static const char *const gfe_text[] = {
	"Other items may follow. This Good Faith Estimate shows the costs of items "
	"and services that are reasonably expected for your health care needs for "
	"an item or service. The estimate is based on information known at the "
	"time it was created. It does not include any unknown or unexpected costs "
	"that may arise during treatment. You could be charged more if "
	"complications or special circumstances occur; other providers may give "
	"you separate estimates.",
	"This is only an estimate. It is not a contract and does not require you "
	"to obtain the items or services from the provider listed.",
	"Your right to dispute a bill. If you are billed for more than this Good "
	"Faith Estimate, you have the right to dispute the bill. If the bill is "
	"$400 or more above this estimate, you may start a patient-provider "
	"dispute resolution process with the U.S. Department of Health and Human "
	"Services within 120 calendar days of the date on the original bill: see "
	"www.cms.gov/nosurprises or call 1-800-985-3059. Starting a dispute will "
	"not affect the quality of the care you receive. Keep a copy of this Good "
	"Faith Estimate.",
};

/* Sets s as plain text (invalid UTF-8 repaired) and returns its height. */
static double
layout(struct edoc *d, const char *font, const char *s, double width,
    PangoAlignment al)
{
	PangoFontDescription *fd = pango_font_description_from_string(font);
	gchar *fixed = NULL;
	int w, h;

	if (!g_utf8_validate(s, -1, NULL))
		s = fixed = g_utf8_make_valid(s, -1);
	pango_layout_set_font_description(d->lay, fd);
	pango_layout_set_width(d->lay, pango_units_from_double(width));
	pango_layout_set_wrap(d->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(d->lay, al);
	pango_layout_set_text(d->lay, s, -1);
	pango_font_description_free(fd);
	g_free(fixed);
	pango_layout_get_size(d->lay, &w, &h);
	return pango_units_to_double(h);
}

static void
page_break(struct edoc *d, double need)
{
	if (d->y + need <= BOTTOM)
		return;
	cairo_show_page(d->cr);
	d->page++;
	d->y = MARGIN;
}

/* Text at x (width w) on the current line; returns its height. */
static double
put(struct edoc *d, const char *font, double x, double w, PangoAlignment al,
    const char *s, double gray)
{
	double h = layout(d, font, s, w, al);

	cairo_set_source_rgb(d->cr, gray, gray, gray + 0.05);
	cairo_move_to(d->cr, x, d->y);
	pango_cairo_show_layout(d->cr, d->lay);
	return h;
}

/* A paragraph across the page; the cursor moves below it. */
static void
para(struct edoc *d, const char *font, const char *s, double gap)
{
	page_break(d, layout(d, font, s, CONTENT_W, PANGO_ALIGN_LEFT));
	d->y += put(d, font, MARGIN, CONTENT_W, PANGO_ALIGN_LEFT, s, 0.12) + gap;
}

static void
rule(struct edoc *d)
{
	cairo_set_source_rgb(d->cr, 0.8, 0.83, 0.86);
	cairo_set_line_width(d->cr, 0.6);
	cairo_move_to(d->cr, MARGIN, d->y);
	cairo_line_to(d->cr, MARGIN + CONTENT_W, d->y);
	cairo_stroke(d->cr);
	d->y += 6;
}

static void
money(char *out, size_t outsz, int64_t cents)
{
	if (money_format(cents, out, outsz) == -1)
		str_copy(out, outsz, "?");
}

/* --- the table ------------------------------------------------------------ */

static const double colx[] = { 0, 200, 266, 296, 366, 436 };	/* offsets */
static const double colw[] = { 196, 62, 26, 66, 66, 68 };	/* to CONTENT_W */

static void
row(struct edoc *d, const char *const cells[6], const char *font)
{
	double h = 0, hh;

	for (int i = 0; i < 6; i++)
		if ((hh = layout(d, font, cells[i], colw[i], PANGO_ALIGN_LEFT)) > h)
			h = hh;
	page_break(d, h + 4);
	for (int i = 0; i < 6; i++)
		put(d, font, MARGIN + colx[i], colw[i], i >= 2 ? PANGO_ALIGN_RIGHT :
		    PANGO_ALIGN_LEFT, cells[i], i == 0 ? 0.1 : 0.2);
	d->y += h + 4;
}

static void
lines_table(struct edoc *d, const struct estimate *e)
{
	int ins = e->basis != EST_SELF_PAY;
	const char *head[6] = { pdf_tr("Service"), pdf_tr("Date"), pdf_tr("Qty"),
	    pdf_tr(ins ? "Allowed" : "Amount"), pdf_tr("Patient pays"),
	    pdf_tr(ins ? "Insurer pays" : "Discount") };
	char q[24], a[MONEY_FMT_MAX], p[MONEY_FMT_MAX], x[MONEY_FMT_MAX], desc[700];

	row(d, head, FONT " Bold 8");
	rule(d);
	for (size_t i = 0; i < e->nlines; i++) {
		const struct estimate_line *l = &e->lines[i];
		const char *cells[6] = { desc, l->service_date, q, a, p, x };

		str_fmt(desc, sizeof(desc), "%s%s%s%s%s", l->description,
		    l->billing_code[0] ? " \xc2\xb7 CPT/HCPCS " : "", l->billing_code,
		    l->diagnosis_code[0] ? " \xc2\xb7 ICD-10 " : "", l->diagnosis_code);
		str_fmt(q, sizeof(q), "%" PRId64, l->c.quantity);
		money(a, sizeof(a), l->c.allowed);
		money(p, sizeof(p), l->c.patient);
		money(x, sizeof(x), ins ? l->c.insurer : l->c.discount);
		row(d, cells, FONT " 8.5");
	}
	rule(d);
	money(a, sizeof(a), e->totals.allowed);
	money(p, sizeof(p), e->totals.patient);
	money(x, sizeof(x), ins ? e->totals.insurer : e->totals.discount);
	{
		const char *tot[6] = { pdf_tr("Total"), "", "", a, p, x };
		row(d, tot, FONT " Bold 9");
	}
	d->y += 6;
}

/* --- signatures ------------------------------------------------------------ */

/* Draws the base64 PNG scaled into SIG_W x SIG_H at x, y; 0 / -1. */
static int
draw_png(struct edoc *d, const char *b64, double x, double y)
{
	size_t n = strlen(b64);
	unsigned char *raw = malloc(n / 4 * 3 + 4);
	cairo_surface_t *img;
	double sx, sy, s;
	int len, rc = -1;

	if (raw == NULL || n % 4 != 0 || n > INT_MAX)
		goto done;
	if ((len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n)) <= 0)
		goto done;
	if ((img = brand_image_png_load(raw, (size_t)len)) == NULL)
		goto done;
	if (cairo_image_surface_get_width(img) > 0) {
		sx = SIG_W / cairo_image_surface_get_width(img);
		sy = SIG_H / cairo_image_surface_get_height(img);
		s = sx < sy ? sx : sy;
		cairo_save(d->cr);
		cairo_translate(d->cr, x, y);
		cairo_scale(d->cr, s, s);
		cairo_set_source_surface(d->cr, img, 0, 0);
		cairo_paint(d->cr);
		cairo_restore(d->cr);
		rc = 0;
	}
	cairo_surface_destroy(img);
done:
	free(raw);
	return rc;
}

static void
signature(struct edoc *d, const char *role, const struct estimate_sig *s)
{
	char meta[600], when[64] = "";

	page_break(d, SIG_H + 60);
	d->y += put(d, FONT " Bold 9", MARGIN, CONTENT_W, PANGO_ALIGN_LEFT,
	    pdf_tr(role), 0.1) + 2;
	if (!s->present) {
		para(d, FONT " 9", pdf_tr("Not signed."), 8);
		return;
	}
	if (s->png == NULL || draw_png(d, s->png, MARGIN, d->y) == -1)
		put(d, FONT " Italic 20", MARGIN, CONTENT_W, PANGO_ALIGN_LEFT,
		    s->signer_name, 0.1);
	d->y += SIG_H + 2;
	rule(d);
	datefmt_time(pdf_lang(), s->signed_at, when, sizeof(when));
	str_fmt(meta, sizeof(meta), "%s \xc2\xb7 %s \xc2\xb7 %s%s%s\n"
	    "%s: %s", s->signer_name, pdf_tr(strcmp(s->method, "typed") == 0 ?
	    "typed signature" : strcmp(s->method, "drawn") == 0 ?
	    "drawn signature" : s->method), when,
	    s->ip[0] ? " \xc2\xb7 IP " : "", s->ip,
	    pdf_tr("SHA-256 of the signed content"), s->content_hash);
	para(d, FONT " 7.5", meta, 10);
}

/* --- the document ---------------------------------------------------------- */

static const char *const basis_labels[3] = { "In network", "Out of network",
    "Self-pay (uninsured)" };

static void
header(struct edoc *d, const struct estimate *e, const char *org)
{
	char t[200], facts[1500], born[80] = "", member[120] = "";

	d->y += put(d, FONT " Bold 15", MARGIN, CONTENT_W, PANGO_ALIGN_LEFT, org,
	    0.1) + 4;
	str_fmt(t, sizeof(t), "%s %" PRId64 " \xc2\xb7 %s %d \xc2\xb7 %s",
	    pdf_tr(e->gfe ? "Good Faith Estimate" : "Estimate"), e->root_id,
	    pdf_tr("version"), e->version,
	    pdf_tr(estimate_state_labels[e->state]));
	d->y += put(d, FONT " Bold 12", MARGIN, CONTENT_W, PANGO_ALIGN_LEFT, t,
	    0.1) + 8;
	if (e->birth_date[0])
		str_fmt(born, sizeof(born), " \xc2\xb7 %s %s", pdf_tr("born"),
		    e->birth_date);
	if (e->member_id[0])
		str_fmt(member, sizeof(member), " \xc2\xb7 %s %s", pdf_tr("member"),
		    e->member_id);
	str_fmt(facts, sizeof(facts), "%s: %s%s\n%s: %s%s%s%s\n%s: %s",
	    pdf_tr("Patient"), e->client_name, born, pdf_tr("Basis"),
	    pdf_tr(basis_labels[e->basis]), e->payer_name[0] ? " \xc2\xb7 " : "",
	    e->payer_name, member, pdf_tr("Valid until"),
	    e->valid_until[0] ? e->valid_until : "\xe2\x80\x94");
	para(d, FONT " 9", facts, 6);
	if (e->gfe) {
		str_fmt(facts, sizeof(facts), "%s: %s \xc2\xb7 NPI %s \xc2\xb7 "
		    "TIN %s\n%s: %s\n%s: %s\n%s: %s", pdf_tr("Provider"),
		    e->provider_name, e->provider_npi, e->provider_tin,
		    pdf_tr("Location"), e->provider_location,
		    pdf_tr("Diagnosis codes (ICD-10)"), e->diagnosis_codes,
		    pdf_tr("Good Faith Estimate due"),
		    e->gfe_due[0] ? e->gfe_due : "\xe2\x80\x94");
		para(d, FONT " 9", facts, 6);
	}
	d->y += 6;
}

static void
body(struct edoc *d, const struct estimate *e, const char *org)
{
	header(d, e, org);
	lines_table(d, e);
	if (e->notes[0])
		para(d, FONT " 9", e->notes, 8);
	if (e->gfe) {
		if (e->separate_items[0]) {
			para(d, FONT " Bold 9", pdf_tr("Items or services to be "
			    "scheduled separately"), 2);
			para(d, FONT " 9", e->separate_items, 8);
		}
		for (size_t i = 0; i < ARRAY_LEN(gfe_text); i++)
			para(d, FONT " 8.5", pdf_tr(gfe_text[i]), 5);
	}
	d->y += 8;
	para(d, FONT " Bold 11", pdf_tr("Signatures"), 6);
	signature(d, "Client", &e->client_sig);
	signature(d, "Provider (countersignature)", &e->staff_sig);
}

static cairo_status_t
write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_append(closure, data, len) == 0 ?
	    CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int
pdf_estimate(const struct estimate *e, const char *org, struct buf *out)
{
	cairo_surface_t *surf;
	PangoContext *pc;
	struct edoc d;
	int rc = 0;

	static int once;

	if (!once) {	/* pango's font map is released at exit (leak checkers) */
		once = 1;
		atexit(pdf_shutdown);
	}
	buf_reset(out);
	surf = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.cr = cairo_create(surf);
	pc = pango_cairo_create_context(d.cr);
	pango_cairo_context_set_resolution(pc, 72);
	d.lay = pango_layout_new(pc);
	d.y = MARGIN;
	d.page = 1;
	body(&d, e, org ? org : "");
	g_object_unref(d.lay);
	g_object_unref(pc);
	if (cairo_status(d.cr) != CAIRO_STATUS_SUCCESS)
		rc = -1;
	cairo_destroy(d.cr);
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		rc = -1;
	cairo_surface_destroy(surf);
	if (rc == -1)
		buf_reset(out);
	return rc;
}

void
pdf_estimate_filename(const struct estimate *e, char *out, size_t outsz)
{
	str_fmt(out, outsz, "%s-%" PRId64 "-v%d.pdf", e->gfe ?
	    "good-faith-estimate" : "estimate", e->root_id, e->version);
}

/* --- routes ----------------------------------------------------------------- */

static int
send(struct ctx *c, const struct estimate *e)
{
	char name[80];
	int rc = pdf_estimate(e, app_brand(c)->org_name, &c->resp.body);

	pdf_set_lang(NULL, "en");	/* a portal download set it */
	if (rc == -1) {
		log_err("estimate %" PRId64 ": PDF rendering failed", e->id);
		return -1;
	}
	pdf_estimate_filename(e, name, sizeof(name));
	return kit_send_pdf(c, name);
}

int
h_estimate_pdf(struct ctx *c)
{
	struct estimate e;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such estimate.");
	if ((rc = estimate_get(c->app->db, id, &e)) == EST_S_DB)
		return -1;
	if (rc != EST_S_OK)
		return app_error(c, 404, "No such estimate.");
	rc = send(c, &e);
	estimate_free(&e);
	return rc;
}

int
h_portal_estimate_pdf(struct ctx *c)
{
	struct portal_req pr;
	struct estimate e;
	int64_t id = kit_path_id(c, "id");
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (id <= 0 || (rc = estimate_get(c->app->db, id, &e)) == EST_S_NOT_FOUND)
		return portal_error(c, 404, portal_msg(c, "err.no_estimate"));
	if (rc != EST_S_OK)
		return -1;
	if (e.account_id != pr.account_id || e.state == ES_DRAFT ||
	    e.state == ES_SUPERSEDED)
		rc = portal_error(c, 404, portal_msg(c, "err.no_estimate"));
	else {
		pdf_set_lang(c->app->tc, portal_lang());	/* the client's copy */
		rc = send(c, &e);
	}
	estimate_free(&e);
	return rc;
}
