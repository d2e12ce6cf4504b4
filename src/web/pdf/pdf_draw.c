/* The PDF drawing kit: cairo PDF surface + pango, US Letter.
 *
 * Each document is drawn twice by the same code: a first pass into a
 * discarding stream counts the pages, the second writes into the caller's
 * buffer and can print "Page x of N". Both passes use a PDF surface so the
 * text metrics (and therefore the page breaks) are identical. */
#include "common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "brand_image.h"
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

static const struct rgba C_TEXT = { 0.13, 0.15, 0.18, 1 };
static const struct rgba C_MUTED = { 0.40, 0.44, 0.49, 1 };
static const struct rgba C_ACCENT = { 0.09, 0.33, 0.42, 1 };
static const struct rgba C_RULE = { 0.82, 0.85, 0.88, 1 };
static const struct rgba C_FILL = { 0.92, 0.95, 0.96, 1 };
static const struct rgba C_ZEBRA = { 0.975, 0.98, 0.985, 1 };
static const struct rgba C_ALERT = { 0.62, 0.12, 0.12, 1 };
static const struct rgba C_MARK = { 0.75, 0.15, 0.15, 0.10 };

static const struct tstyle {
	const char		*font;
	const struct rgba	*color;
} styles[TS__MAX] = {
	[TS_BODY] = { FONT " 9", &C_TEXT },
	[TS_BOLD] = { FONT " Bold 9", &C_TEXT },
	[TS_MUTED] = { FONT " 9", &C_MUTED },
	[TS_SMALL] = { FONT " 7.5", &C_MUTED },
	[TS_LABEL] = { FONT " Bold 7", &C_MUTED },
	[TS_ORG] = { FONT " Bold 16", &C_ACCENT },
	[TS_TITLE] = { FONT " Bold 15", &C_TEXT },
	[TS_DUE] = { FONT " Bold 12", &C_ACCENT },
	[TS_ALERT] = { FONT " Bold 9", &C_ALERT },
	[TS_MARK] = { FONT " Bold 110", &C_MARK },
};

/* --- fontconfig cache ---------------------------------------------------- */

/* 0 when dir exists and is writable or could be created below a writable
 * ancestor. */
static int
dir_usable(const char *dir)
{
	char p[PATH_MAX];
	char *slash;

	if (str_copy(p, sizeof(p), dir) == -1)
		return -1;
	for (;;) {
		if (access(p, F_OK) == 0)
			return access(p, W_OK | X_OK) == 0 ? 0 : -1;
		if ((slash = strrchr(p, '/')) == NULL || slash == p)
			return -1;
		*slash = '\0';
	}
}

/* Fontconfig writes its cache below $XDG_CACHE_HOME or ~/.cache; workers
 * with an unusual HOME (none, read-only) get a private directory in TMPDIR
 * instead of "No writable cache directories" and a font scan per request. */
static void
fontconfig_cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	struct stat st;

	if (x != NULL && *x == '/' && dir_usable(x) == 0)
		return;
	if ((x == NULL || *x == '\0') && home != NULL && *home == '/' &&
	    str_fmt(dir, sizeof(dir), "%s/.cache", home) == 0 && dir_usable(dir) == 0)
		return;
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	if (str_fmt(dir, sizeof(dir), "%s/billing-fontconfig-%lu", tmp,
	    (unsigned long)getuid()) == -1)
		return;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return;
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return;
	setenv("XDG_CACHE_HOME", dir, 1);
}

void
pdf_shutdown(void)
{
	pango_cairo_font_map_set_default(NULL);
}

/* Once per process: the font cache location, and the font map released at
 * exit (it lives in thread-local storage, which leak checkers report). */
static void
pdf_init_once(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	fontconfig_cache_dir();
	atexit(pdf_shutdown);
}

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds: fontconfig's configuration parser loses 288 bytes once
 * per process (seen with fontconfig 2.14); not ours and not per document.
 * Environment LSAN_OPTIONS still take precedence. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

/* --- text ----------------------------------------------------------------- */

/* Pango's line limit counts per paragraph; this caps the whole text (many
 * newlines) at maxlines, ending in an ellipsis. */
static void
clip_lines(PangoLayout *l, const char *s, int maxlines)
{
	PangoLayoutLine *ln = pango_layout_get_line_readonly(l, maxlines - 1);
	GString *g;
	int end;

	if (ln == NULL)
		return;
	end = ln->start_index + ln->length;
	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	g = g_string_new_len(s, end);
	g_string_append(g, "\u2026");
	pango_layout_set_text(l, g->str, (int)g->len);
	g_string_free(g, TRUE);
}

/* Sets s (at most maxbytes, cut on a character boundary; invalid UTF-8
 * repaired) as plain text of the shared layout and returns its height.
 * width <= 0: no wrapping. maxlines > 0 ellipsizes after that many lines. */
static double
text_set(struct pdoc *d, enum ts st, const char *s, double width,
    PangoAlignment al, int maxlines, size_t maxbytes)
{
	PangoLayout *l = d->lay;
	gchar *fixed = NULL;
	size_t n;
	int w, h;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (!g_utf8_validate(s, (gssize)n, NULL))
		s = fixed = g_utf8_make_valid(s, (gssize)n);
	n = strlen(s);
	if (maxbytes > 0 && n > maxbytes) {
		n = maxbytes;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	pango_layout_set_font_description(l, d->fd[st]);
	pango_layout_set_width(l, width > 0 ? pango_units_from_double(width) : -1);
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, al);
	pango_layout_set_ellipsize(l, maxlines > 0 && width > 0 ?
	    PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_height(l, maxlines > 0 ? -maxlines : -1);
	pango_layout_set_text(l, s, (int)n);
	if (maxlines > 0 && pango_layout_get_line_count(l) > maxlines)
		clip_lines(l, s, maxlines);
	g_free(fixed);
	pango_layout_get_size(l, &w, &h);
	return pango_units_to_double(h);
}

static void
set_color(struct pdoc *d, const struct rgba *c)
{
	cairo_set_source_rgba(d->cr, c->r, c->g, c->b, c->a);
}

/* Draws the layout prepared by text_set with its top-left corner at x, y. */
static void
text_show(struct pdoc *d, enum ts st, double x, double y)
{
	set_color(d, styles[st].color);
	cairo_move_to(d->cr, x, y);
	pango_cairo_show_layout(d->cr, d->lay);
}

/* Sets and draws; returns the height. */
double
pdf_draw_text(struct pdoc *d, enum ts st, double x, double y, double width,
    PangoAlignment al, int maxlines, const char *s)
{
	double h = text_set(d, st, s, width, al, maxlines, 2000);

	text_show(d, st, x, y);
	return h;
}

static void
rule(struct pdoc *d, double x, double y, double w, double lw, const struct rgba *c)
{
	set_color(d, c);
	cairo_set_line_width(d->cr, lw);
	cairo_move_to(d->cr, x, y);
	cairo_line_to(d->cr, x + w, y);
	cairo_stroke(d->cr);
}

static void
fill(struct pdoc *d, double x, double y, double w, double h, const struct rgba *c)
{
	set_color(d, c);
	cairo_rectangle(d->cr, x, y, w, h);
	cairo_fill(d->cr);
}

/* --- pages ---------------------------------------------------------------- */

static void table_header(struct pdoc *, const struct table *);

static void
watermark(struct pdoc *d)
{
	int w, h;

	text_set(d, TS_MARK, d->mark, 0, PANGO_ALIGN_LEFT, 0, 32);
	pango_layout_get_size(d->lay, &w, &h);
	cairo_save(d->cr);
	cairo_translate(d->cr, PAGE_W / 2, PAGE_H / 2);
	cairo_rotate(d->cr, -0.7);
	pango_cairo_update_layout(d->cr, d->lay);
	text_show(d, TS_MARK, -pango_units_to_double(w) / 2,
	    -pango_units_to_double(h) / 2);
	cairo_restore(d->cr);
	pango_cairo_update_layout(d->cr, d->lay);
}

void
pdf_draw_page_begin(struct pdoc *d)
{
	double h;

	d->page++;
	if (d->mark != NULL)
		watermark(d);
	d->y = MARGIN;
	if (d->page == 1)
		return;
	/* continuation pages: a slim running header */
	h = pdf_draw_text(d, TS_BOLD, MARGIN, d->y, CONTENT_W / 2, PANGO_ALIGN_LEFT, 1, d->org);
	pdf_draw_text(d, TS_MUTED, MARGIN + CONTENT_W / 2, d->y, CONTENT_W / 2,
	    PANGO_ALIGN_RIGHT, 1, d->title);
	d->y += h + 6;
	rule(d, MARGIN, d->y, CONTENT_W, 0.75, &C_ACCENT);
	d->y += 14;
	if (d->table != NULL)
		table_header(d, d->table);
}

void
pdf_draw_page_end(struct pdoc *d)
{
	char pg[64];
	char left[512];

	if (d->npages > 0)
		str_fmt(pg, sizeof(pg), "%s %d %s %d", tr("Page"), d->page,
		    tr("of"), d->npages);
	else
		str_fmt(pg, sizeof(pg), "%s %d", tr("Page"), d->page);
	if (*d->org)
		str_fmt(left, sizeof(left), "%s \u00b7 %s", d->org, d->title);
	else
		str_copy(left, sizeof(left), d->title);
	rule(d, MARGIN, FOOTER_Y - 6, CONTENT_W, 0.5, &C_RULE);
	pdf_draw_text(d, TS_SMALL, MARGIN, FOOTER_Y, CONTENT_W - 90, PANGO_ALIGN_LEFT, 1, left);
	pdf_draw_text(d, TS_SMALL, PAGE_W - MARGIN - 90, FOOTER_Y, 90, PANGO_ALIGN_RIGHT, 1, pg);
	cairo_show_page(d->cr);
}

/* Makes room for h points, starting a new page when they do not fit.
 * Returns -1 once the page limit is reached (callers stop drawing). */
int
pdf_draw_need(struct pdoc *d, double h)
{
	if (d->full)
		return -1;
	if (d->y + h <= BODY_BOTTOM)
		return 0;
	if (d->page >= PDF_MAX_PAGES) {
		d->full = 1;
		return -1;
	}
	pdf_draw_page_end(d);
	pdf_draw_page_begin(d);
	return 0;
}

/* --- blocks --------------------------------------------------------------- */

/* The logo (PNG bytes we encoded ourselves) as an image, or NULL. */
static cairo_surface_t *
logo_load(const unsigned char *png, size_t len)
{
	if (png == NULL || len == 0)
		return NULL;
	return brand_image_png_load(png, len);
}

/* Draws the logo at the top left, at most 40 pt high and a third of the
 * width wide; returns the height used (0 without a logo). */
static double
logo_draw(struct pdoc *d, double y)
{
	double w, h, k;

	if (d->logo == NULL)
		return 0;
	w = cairo_image_surface_get_width(d->logo);
	h = cairo_image_surface_get_height(d->logo);
	k = 40.0 / h;
	if (w * k > CONTENT_W / 3)
		k = CONTENT_W / 3 / w;
	cairo_save(d->cr);
	cairo_translate(d->cr, MARGIN, y);
	cairo_scale(d->cr, k, k);
	cairo_set_source_surface(d->cr, d->logo, 0, 0);
	cairo_paint(d->cr);
	cairo_restore(d->cr);
	return h * k + 8;
}

/* Logo, org name and address on the left, the document title on the right,
 * an accent rule below. */
void
pdf_draw_doc_header(struct pdoc *d, const char *address, const char *subtitle)
{
	double lh, rh, y = d->y;

	y += logo_draw(d, y);
	lh = pdf_draw_text(d, TS_ORG, MARGIN, y, CONTENT_W * 0.54, PANGO_ALIGN_LEFT, 2, d->org);
	if (address != NULL && *address)
		lh += 3 + pdf_draw_text(d, TS_MUTED, MARGIN, y + lh + 3, CONTENT_W * 0.54,
		    PANGO_ALIGN_LEFT, 4, address);
	rh = pdf_draw_text(d, TS_TITLE, MARGIN + CONTENT_W * 0.55, y + 2, CONTENT_W * 0.45,
	    PANGO_ALIGN_RIGHT, 2, d->title) + 2;
	if (subtitle != NULL && *subtitle)
		rh += 2 + pdf_draw_text(d, TS_ALERT, MARGIN + CONTENT_W * 0.55, y + rh + 2,
		    CONTENT_W * 0.45, PANGO_ALIGN_RIGHT, 2, tr(subtitle));
	d->y = y + (lh > rh ? lh : rh) + 10;
	rule(d, MARGIN, d->y, CONTENT_W, 1.5, &C_ACCENT);
	d->y += 20;
}

/* "BILL TO" and the name/address lines; returns the bottom. */
double
pdf_draw_bill_to(struct pdoc *d, const char *name, const char *const *lines, size_t n)
{
	double y = d->y, w = CONTENT_W * 0.5;

	y += pdf_draw_text(d, TS_LABEL, MARGIN, y, w, PANGO_ALIGN_LEFT, 1, tr("BILL TO")) + 4;
	y += pdf_draw_text(d, TS_BOLD, MARGIN, y, w, PANGO_ALIGN_LEFT, 3, name) + 2;
	for (size_t i = 0; i < n; i++)
		if (lines[i] != NULL && *lines[i])
			y += pdf_draw_text(d, TS_BODY, MARGIN, y, w, PANGO_ALIGN_LEFT, 2,
			    lines[i]) + 1;
	return y;
}

/* Label/value pairs and the amount-due box on the right; returns the bottom. */
double
pdf_draw_meta_block(struct pdoc *d, const struct kv *kv, size_t n, const char *due)
{
	double bw = 230, x = MARGIN + CONTENT_W - bw, y = d->y, lw = 88;
	double h;

	for (size_t i = 0; i < n; i++) {
		if (kv[i].v == NULL || *kv[i].v == '\0')
			continue;
		pdf_draw_text(d, TS_MUTED, x, y, lw, PANGO_ALIGN_LEFT, 1, tr(kv[i].k));
		h = pdf_draw_text(d, TS_BODY, x + lw, y, bw - lw, PANGO_ALIGN_RIGHT, 2, kv[i].v);
		y += h + 3;
	}
	y += 6;
	fill(d, x, y, bw, 30, &C_FILL);
	rule(d, x, y, bw, 1.5, &C_ACCENT);
	h = text_set(d, TS_BOLD, tr("Amount due"), lw + 20, PANGO_ALIGN_LEFT, 1, 64);
	text_show(d, TS_BOLD, x + 8, y + (30 - h) / 2);
	h = text_set(d, TS_DUE, due, bw - lw - 36, PANGO_ALIGN_RIGHT, 1, 64);
	text_show(d, TS_DUE, x + lw + 20, y + (30 - h) / 2 + 0.5);
	return y + 30;
}

static void
table_header(struct pdoc *d, const struct table *t)
{
	double x = MARGIN, h = 20;

	fill(d, MARGIN, d->y, CONTENT_W, h, &C_FILL);
	for (size_t i = 0; i < t->ncols; i++) {
		double th = text_set(d, TS_LABEL, tr(t->cols[i].title),
		    t->cols[i].w - 2 * CELL_PAD_X, t->cols[i].al, 1, 64);
		text_show(d, TS_LABEL, x + CELL_PAD_X, d->y + (h - th) / 2);
		x += t->cols[i].w;
	}
	d->y += h;
}

void
pdf_draw_table_begin(struct pdoc *d, const struct table *t)
{
	if (pdf_draw_need(d, 20 + 40) == -1)
		return;
	table_header(d, t);
	d->table = t;
}

void
pdf_draw_table_end(struct pdoc *d)
{
	d->table = NULL;
	d->y += 10;
}

/* One row: cells wrap inside their column, the row as high as its tallest
 * cell. Rows never split across pages. */
void
pdf_draw_table_row(struct pdoc *d, const struct table *t, const char *const *cells,
    const enum ts *st, int zebra)
{
	double h = 0, x = MARGIN;

	for (size_t i = 0; i < t->ncols; i++) {
		double ch = text_set(d, st[i], cells[i], t->cols[i].w - 2 * CELL_PAD_X,
		    t->cols[i].al, CELL_MAX_LINES, 1000);
		if (ch > h)
			h = ch;
	}
	h += 2 * CELL_PAD_Y;
	if (pdf_draw_need(d, h) == -1)
		return;
	if (zebra)
		fill(d, MARGIN, d->y, CONTENT_W, h, &C_ZEBRA);
	for (size_t i = 0; i < t->ncols; i++) {
		text_set(d, st[i], cells[i], t->cols[i].w - 2 * CELL_PAD_X,
		    t->cols[i].al, CELL_MAX_LINES, 1000);
		text_show(d, st[i], x + CELL_PAD_X, d->y + CELL_PAD_Y);
		x += t->cols[i].w;
	}
	d->y += h;
	rule(d, MARGIN, d->y, CONTENT_W, 0.5, &C_RULE);
}

/* Right-aligned label/amount rows; the last one is the highlighted total. */
void
pdf_draw_totals_block(struct pdoc *d, const struct kv *kv, size_t n)
{
	double bw = 250, x = MARGIN + CONTENT_W - bw, lw = 140, rowh = 16;

	if (pdf_draw_need(d, rowh * (double)n + 30) == -1)
		return;
	for (size_t i = 0; i + 1 < n; i++) {
		enum ts st = kv[i].k[0] == '*' ? TS_BOLD : TS_BODY;
		const char *k = kv[i].k[0] == '*' ? kv[i].k + 1 : kv[i].k;
		if (st == TS_BOLD)
			rule(d, x, d->y, bw, 0.75, &C_RULE);
		pdf_draw_text(d, st == TS_BOLD ? TS_BOLD : TS_MUTED, x + CELL_PAD_X, d->y + 3,
		    lw, PANGO_ALIGN_LEFT, 1, tr(k));
		pdf_draw_text(d, st, x + lw, d->y + 3, bw - lw - CELL_PAD_X, PANGO_ALIGN_RIGHT,
		    1, kv[i].v);
		d->y += rowh;
	}
	if (n > 0) {
		double h;
		d->y += 4;
		fill(d, x, d->y, bw, 26, &C_FILL);
		rule(d, x, d->y, bw, 1.5, &C_ACCENT);
		h = text_set(d, TS_BOLD, tr(kv[n - 1].k), lw, PANGO_ALIGN_LEFT, 1, 64);
		text_show(d, TS_BOLD, x + CELL_PAD_X, d->y + (26 - h) / 2);
		h = text_set(d, TS_DUE, kv[n - 1].v, bw - lw - CELL_PAD_X,
		    PANGO_ALIGN_RIGHT, 1, 64);
		text_show(d, TS_DUE, x + lw, d->y + (26 - h) / 2);
		d->y += 26;
	}
	d->y += 16;
}

/* A titled paragraph of free text, broken across pages line by line. */
void
pdf_draw_section_text(struct pdoc *d, const char *label, const char *s, enum ts st)
{
	PangoLayout *copy;
	PangoLayoutIter *it;

	if (s == NULL || *s == '\0')
		return;
	if (pdf_draw_need(d, 30) == -1)
		return;
	d->y += pdf_draw_text(d, TS_LABEL, MARGIN, d->y, CONTENT_W, PANGO_ALIGN_LEFT, 1,
	    tr(label)) + 4;
	text_set(d, st, s, CONTENT_W, PANGO_ALIGN_LEFT, 0, NOTES_MAX);
	copy = pango_layout_copy(d->lay);
	it = pango_layout_get_iter(copy);
	do {
		PangoRectangle r;
		int base = pango_layout_iter_get_baseline(it);
		double lh;

		pango_layout_iter_get_line_extents(it, NULL, &r);
		lh = pango_units_to_double(r.height);
		if (pdf_draw_need(d, lh) == -1)
			break;
		set_color(d, styles[st].color);
		cairo_move_to(d->cr, MARGIN + pango_units_to_double(r.x),
		    d->y + pango_units_to_double(base - r.y));
		pango_cairo_show_layout_line(d->cr,
		    pango_layout_iter_get_line_readonly(it));
		d->y += lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	g_object_unref(copy);
	d->y += 14;
}

/* --- the two-pass driver -------------------------------------------------- */

static cairo_status_t
write_discard(void *closure, const unsigned char *data, unsigned int len)
{
	(void)closure;
	(void)data;
	(void)len;
	return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t
write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_append(closure, data, len) == 0 ?
	    CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Draws the document once; *pages gets the page count. 0 / -1. */
static int
run_pass(body_fn body, const void *arg, const struct docinfo *di,
    cairo_write_func_t wr, void *closure, int npages, int *pages)
{
	struct pdoc d;
	cairo_status_t st;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	d.org = di->org;
	d.logo = logo_load(di->logo_png, di->logo_len);
	d.title = di->title;
	d.mark = di->mark;
	d.npages = npages;
	d.surf = cairo_pdf_surface_create_for_stream(wr, closure, PAGE_W, PAGE_H);
	if (cairo_surface_status(d.surf) != CAIRO_STATUS_SUCCESS)
		goto done;
	cairo_pdf_surface_set_metadata(d.surf, CAIRO_PDF_METADATA_TITLE, di->title);
	if (g_utf8_validate(di->org, -1, NULL) && *di->org)
		cairo_pdf_surface_set_metadata(d.surf, CAIRO_PDF_METADATA_AUTHOR, di->org);
	cairo_pdf_surface_set_metadata(d.surf, CAIRO_PDF_METADATA_CREATOR, "billing");
	d.cr = cairo_create(d.surf);
	d.pc = pango_cairo_create_context(d.cr);
	pango_cairo_context_set_resolution(d.pc, 72);	/* font sizes in points */
	d.lay = pango_layout_new(d.pc);
	for (size_t i = 0; i < TS__MAX; i++)
		d.fd[i] = pango_font_description_from_string(styles[i].font);

	body(&d, arg);
	*pages = d.page;
	rc = d.full ? -1 : 0;

	for (size_t i = 0; i < TS__MAX; i++)
		if (d.fd[i] != NULL)
			pango_font_description_free(d.fd[i]);
	g_object_unref(d.lay);
	g_object_unref(d.pc);
	if (cairo_status(d.cr) != CAIRO_STATUS_SUCCESS)
		rc = -1;
	cairo_destroy(d.cr);
	cairo_surface_finish(d.surf);
done:
	st = cairo_surface_status(d.surf);
	if (st != CAIRO_STATUS_SUCCESS)
		rc = -1;
	cairo_surface_destroy(d.surf);
	if (d.logo != NULL)
		cairo_surface_destroy(d.logo);
	return rc;
}

int
pdf_draw_render(body_fn body, const void *arg, const struct docinfo *di, struct buf *out)
{
	int pages = 0, pages2 = 0;

	buf_reset(out);
	pdf_init_once();
	if (run_pass(body, arg, di, write_discard, NULL, 0, &pages) == -1)
		goto fail;
	if (run_pass(body, arg, di, write_buf, out, pages, &pages2) == -1 ||
	    pages2 != pages)
		goto fail;
	return 0;
fail:
	buf_reset(out);
	return -1;
}

void
pdf_docinfo_org(struct docinfo *di, const struct pdf_org *org)
{
	di->org = org != NULL && org->name != NULL ? org->name : "";
	di->logo_png = org != NULL ? org->logo_png : NULL;
	di->logo_len = org != NULL ? org->logo_len : 0;
}
