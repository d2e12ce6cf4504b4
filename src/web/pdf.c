/* Invoice and statement PDFs: cairo PDF surface + pango, US Letter.
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

#include "buf.h"
#include "calc.h"
#include "clock.h"
#include "datefmt.h"
#include "invoice.h"
#include "money.h"
#include "pdf.h"

#include "cfg.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"
#include "tmpl.h"

#include <stdarg.h>

#define PAGE_W		612.0	/* US Letter in points */
#define PAGE_H		792.0
#define MARGIN		54.0
#define CONTENT_W	(PAGE_W - 2 * MARGIN)
#define BODY_BOTTOM	(PAGE_H - 66.0)	/* content stops here, the footer follows */
#define FOOTER_Y	(PAGE_H - 46.0)
#define CELL_PAD_X	6.0
#define CELL_PAD_Y	5.0
#define CELL_MAX_LINES	24	/* a description of 500 newlines stays on one page */
#define NOTES_MAX	8000	/* bytes of notes printed */
#define PDF_MAX_PAGES	2000
#define FONT		"DejaVu Sans,Sans"

struct rgba {
	double	 r, g, b, a;
};

static const struct rgba C_TEXT = { 0.13, 0.15, 0.18, 1 };
static const struct rgba C_MUTED = { 0.40, 0.44, 0.49, 1 };
static const struct rgba C_ACCENT = { 0.09, 0.33, 0.42, 1 };
static const struct rgba C_RULE = { 0.82, 0.85, 0.88, 1 };
static const struct rgba C_FILL = { 0.92, 0.95, 0.96, 1 };
static const struct rgba C_ZEBRA = { 0.975, 0.98, 0.985, 1 };
static const struct rgba C_ALERT = { 0.62, 0.12, 0.12, 1 };
static const struct rgba C_MARK = { 0.75, 0.15, 0.15, 0.10 };

enum ts {
	TS_BODY, TS_BOLD, TS_MUTED, TS_SMALL, TS_LABEL, TS_ORG, TS_TITLE,
	TS_DUE, TS_ALERT, TS_MARK, TS__MAX
};

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

struct col {
	const char	*title;
	double		 w;
	PangoAlignment	 al;
};

struct table {
	const struct col	*cols;
	size_t			 ncols;
};

/* One pass over one document. */
struct pdoc {
	cairo_surface_t			*surf;
	cairo_t				*cr;
	PangoContext			*pc;
	PangoLayout			*lay;	/* reused for every piece of text */
	PangoFontDescription		*fd[TS__MAX];
	double				 y;	/* next free line on the page */
	int				 page;	/* current page, 1-based */
	int				 npages;	/* 0 in the counting pass */
	int				 full;	/* PDF_MAX_PAGES reached: stop drawing */
	const char			*org;
	cairo_surface_t			*logo;	/* the organisation's logo or NULL */
	const char			*title;	/* "Invoice INV-000123" */
	const char			*mark;	/* watermark or NULL */
	const struct table		*table;	/* header repeated on new pages */
};

struct kv {
	const char	*k;
	const char	*v;
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

/* --- language ------------------------------------------------------------ */

/* The language of the document being rendered (pdf_set_lang()); English
 * when no catalog is set. One request at a time per worker. */
static struct tmpl_cache *tr_cache;
static char tr_lang[8] = "en";

void
pdf_set_lang(struct tmpl_cache *tc, const char *lang)
{
	tr_cache = tc;
	str_copy(tr_lang, sizeof(tr_lang), lang != NULL && *lang ? lang : "en");
}

const char *
pdf_lang(void)
{
	return tr_cache != NULL ? tr_lang : "en";
}

/* The catalog key of an English text: "pdf." and its words in lower case
 * joined by '_' ("Amount due" -> pdf.amount_due); "pdf.uc." for a text in
 * capitals (column and section headings). */
static void
tr_key(const char *en, char *key, size_t keysz)
{
	int upper = 1, gap = 0;
	size_t n;

	for (const char *p = en; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			upper = 0;
	str_copy(key, keysz, upper ? "pdf.uc." : "pdf.");
	n = strlen(key);
	for (const char *p = en; *p && n + 2 < keysz && n < 64; p++) {
		char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (gap && key[n - 1] != '.')
				key[n++] = '_';
			key[n++] = ch;
			gap = 0;
		} else
			gap = 1;
	}
	key[n] = '\0';
}

/* en in the document's language (en itself when the catalog lacks it). */
const char *
pdf_tr(const char *en)
{
	char key[96];
	const char *t;

	if (tr_cache == NULL || strcmp(tr_lang, "en") == 0 || en == NULL ||
	    *en == '\0')
		return en;
	tr_key(en, key, sizeof(key));
	t = tmpl_msg(tr_cache, tr_lang, key);
	return strcmp(t, key) == 0 ? en : t;
}

#define tr(en)	pdf_tr(en)

/* tr(en) with its {name} placeholders filled from the NULL-terminated
 * name, value pairs, into out. */
const char *
pdf_trf(char *out, size_t outsz, const char *en, ...)
{
	const char *t = tr(en), *name, *val;
	size_t n = 0;
	va_list ap;

	out[0] = '\0';
	for (; *t && n + 1 < outsz; t++) {
		size_t len = 0;

		if (*t == '{')
			while (t[1 + len] && t[1 + len] != '}' && t[1 + len] != '{')
				len++;
		if (*t != '{' || t[1 + len] != '}') {
			out[n++] = *t;
			continue;
		}
		va_start(ap, en);
		while ((name = va_arg(ap, const char *)) != NULL) {
			val = va_arg(ap, const char *);
			if (strlen(name) == len && strncmp(name, t + 1, len) == 0) {
				out[n] = '\0';
				str_copy(out + n, outsz - n, val);
				n = strlen(out);
				break;
			}
		}
		va_end(ap);
		t += len + 1;
	}
	out[n < outsz ? n : outsz - 1] = '\0';
	return out;
}

/* --- formatting ----------------------------------------------------------- */

/* "2024-03-01" -> "March 1, 2024" / "1 de marzo de 2024" (a date with a
 * time too); anything else is printed as given ("—" if empty). */
static void
fmt_date(const char *iso, char *out, size_t outsz)
{
	if (iso == NULL || *iso == '\0' ||
	    datefmt_text(tr_cache ? tr_lang : "en", iso, out, outsz) == -1)
		str_copy(out, outsz, iso != NULL && *iso ? iso : "\u2014");
}

/* The short form for narrow columns and periods: "Mar 1, 2024" /
 * "1 mar. 2024". */
static void
fmt_date_short(const char *iso, char *out, size_t outsz)
{
	int64_t days;

	if (iso == NULL || date_parse(iso, &days) == -1 ||
	    datefmt_short(tr_cache ? tr_lang : "en", days, out, outsz) == -1)
		str_copy(out, outsz, iso != NULL && *iso ? iso : "\u2014");
}

static void
fmt_money(int64_t cents, char *out, size_t outsz)
{
	if (money_format(cents, out, outsz) == -1)
		str_copy(out, outsz, "?");
}

/* Basis points as a percentage: 1000 -> "10%", 1250 -> "12.5%". */
static void
fmt_percent(int64_t bp, char *out, size_t outsz)
{
	int64_t whole = bp / 100, frac = bp % 100;

	if (frac < 0)
		frac = -frac;
	if (frac == 0)
		str_fmt(out, outsz, "%" PRId64 "%%", whole);
	else if (frac % 10 == 0)
		str_fmt(out, outsz, "%" PRId64 ".%" PRId64 "%%", whole, frac / 10);
	else
		str_fmt(out, outsz, "%" PRId64 ".%02" PRId64 "%%", whole, frac);
}

/* Our own document numbers only ever hold these characters. */
static int
number_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

void
pdf_invoice_filename(const struct invoice *inv, char *out, size_t outsz)
{
	if (number_safe(inv->number))
		str_fmt(out, outsz, "%s.pdf", inv->number);
	else
		str_fmt(out, outsz, "invoice-draft-%" PRId64 ".pdf", inv->id);
}

void
pdf_statement_filename(const struct statement *st, char *out, size_t outsz)
{
	if (number_safe(st->number))
		str_fmt(out, outsz, "%s.pdf", st->number);
	else
		str_fmt(out, outsz, "statement-%" PRId64 ".pdf", st->id);
}

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
static double
text(struct pdoc *d, enum ts st, double x, double y, double width,
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

static void
page_begin(struct pdoc *d)
{
	double h;

	d->page++;
	if (d->mark != NULL)
		watermark(d);
	d->y = MARGIN;
	if (d->page == 1)
		return;
	/* continuation pages: a slim running header */
	h = text(d, TS_BOLD, MARGIN, d->y, CONTENT_W / 2, PANGO_ALIGN_LEFT, 1, d->org);
	text(d, TS_MUTED, MARGIN + CONTENT_W / 2, d->y, CONTENT_W / 2,
	    PANGO_ALIGN_RIGHT, 1, d->title);
	d->y += h + 6;
	rule(d, MARGIN, d->y, CONTENT_W, 0.75, &C_ACCENT);
	d->y += 14;
	if (d->table != NULL)
		table_header(d, d->table);
}

static void
page_end(struct pdoc *d)
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
	text(d, TS_SMALL, MARGIN, FOOTER_Y, CONTENT_W - 90, PANGO_ALIGN_LEFT, 1, left);
	text(d, TS_SMALL, PAGE_W - MARGIN - 90, FOOTER_Y, 90, PANGO_ALIGN_RIGHT, 1, pg);
	cairo_show_page(d->cr);
}

/* Makes room for h points, starting a new page when they do not fit.
 * Returns -1 once the page limit is reached (callers stop drawing). */
static int
need(struct pdoc *d, double h)
{
	if (d->full)
		return -1;
	if (d->y + h <= BODY_BOTTOM)
		return 0;
	if (d->page >= PDF_MAX_PAGES) {
		d->full = 1;
		return -1;
	}
	page_end(d);
	page_begin(d);
	return 0;
}

/* --- blocks --------------------------------------------------------------- */

struct png_mem {
	const unsigned char	*p;
	size_t			 left;
};

static cairo_status_t
png_mem_read(void *closure, unsigned char *data, unsigned int len)
{
	struct png_mem *m = closure;

	if (len > m->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, m->p, len);
	m->p += len;
	m->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

/* The logo (PNG bytes we encoded ourselves) as an image, or NULL. */
static cairo_surface_t *
logo_load(const unsigned char *png, size_t len)
{
	struct png_mem m = { png, len };
	cairo_surface_t *s;

	if (png == NULL || len == 0)
		return NULL;
	s = cairo_image_surface_create_from_png_stream(png_mem_read, &m);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
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
static void
doc_header(struct pdoc *d, const char *address, const char *subtitle)
{
	double lh, rh, y = d->y;

	y += logo_draw(d, y);
	lh = text(d, TS_ORG, MARGIN, y, CONTENT_W * 0.54, PANGO_ALIGN_LEFT, 2, d->org);
	if (address != NULL && *address)
		lh += 3 + text(d, TS_MUTED, MARGIN, y + lh + 3, CONTENT_W * 0.54,
		    PANGO_ALIGN_LEFT, 4, address);
	rh = text(d, TS_TITLE, MARGIN + CONTENT_W * 0.55, y + 2, CONTENT_W * 0.45,
	    PANGO_ALIGN_RIGHT, 2, d->title) + 2;
	if (subtitle != NULL && *subtitle)
		rh += 2 + text(d, TS_ALERT, MARGIN + CONTENT_W * 0.55, y + rh + 2,
		    CONTENT_W * 0.45, PANGO_ALIGN_RIGHT, 2, tr(subtitle));
	d->y = y + (lh > rh ? lh : rh) + 10;
	rule(d, MARGIN, d->y, CONTENT_W, 1.5, &C_ACCENT);
	d->y += 20;
}

/* "BILL TO" and the name/address lines; returns the bottom. */
static double
bill_to(struct pdoc *d, const char *name, const char *const *lines, size_t n)
{
	double y = d->y, w = CONTENT_W * 0.5;

	y += text(d, TS_LABEL, MARGIN, y, w, PANGO_ALIGN_LEFT, 1, tr("BILL TO")) + 4;
	y += text(d, TS_BOLD, MARGIN, y, w, PANGO_ALIGN_LEFT, 3, name) + 2;
	for (size_t i = 0; i < n; i++)
		if (lines[i] != NULL && *lines[i])
			y += text(d, TS_BODY, MARGIN, y, w, PANGO_ALIGN_LEFT, 2,
			    lines[i]) + 1;
	return y;
}

/* Label/value pairs and the amount-due box on the right; returns the bottom. */
static double
meta_block(struct pdoc *d, const struct kv *kv, size_t n, const char *due)
{
	double bw = 230, x = MARGIN + CONTENT_W - bw, y = d->y, lw = 88;
	double h;

	for (size_t i = 0; i < n; i++) {
		if (kv[i].v == NULL || *kv[i].v == '\0')
			continue;
		text(d, TS_MUTED, x, y, lw, PANGO_ALIGN_LEFT, 1, tr(kv[i].k));
		h = text(d, TS_BODY, x + lw, y, bw - lw, PANGO_ALIGN_RIGHT, 2, kv[i].v);
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

static void
table_begin(struct pdoc *d, const struct table *t)
{
	if (need(d, 20 + 40) == -1)
		return;
	table_header(d, t);
	d->table = t;
}

static void
table_end(struct pdoc *d)
{
	d->table = NULL;
	d->y += 10;
}

/* One row: cells wrap inside their column, the row as high as its tallest
 * cell. Rows never split across pages. */
static void
table_row(struct pdoc *d, const struct table *t, const char *const *cells,
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
	if (need(d, h) == -1)
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
static void
totals_block(struct pdoc *d, const struct kv *kv, size_t n)
{
	double bw = 250, x = MARGIN + CONTENT_W - bw, lw = 140, rowh = 16;

	if (need(d, rowh * (double)n + 30) == -1)
		return;
	for (size_t i = 0; i + 1 < n; i++) {
		enum ts st = kv[i].k[0] == '*' ? TS_BOLD : TS_BODY;
		const char *k = kv[i].k[0] == '*' ? kv[i].k + 1 : kv[i].k;
		if (st == TS_BOLD)
			rule(d, x, d->y, bw, 0.75, &C_RULE);
		text(d, st == TS_BOLD ? TS_BOLD : TS_MUTED, x + CELL_PAD_X, d->y + 3,
		    lw, PANGO_ALIGN_LEFT, 1, tr(k));
		text(d, st, x + lw, d->y + 3, bw - lw - CELL_PAD_X, PANGO_ALIGN_RIGHT,
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
static void
section_text(struct pdoc *d, const char *label, const char *s, enum ts st)
{
	PangoLayout *copy;
	PangoLayoutIter *it;

	if (s == NULL || *s == '\0')
		return;
	if (need(d, 30) == -1)
		return;
	d->y += text(d, TS_LABEL, MARGIN, d->y, CONTENT_W, PANGO_ALIGN_LEFT, 1,
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
		if (need(d, lh) == -1)
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

typedef void (*body_fn)(struct pdoc *, const void *);

struct docinfo {
	const char	*org;
	const unsigned char *logo_png;	/* NULL = no logo */
	size_t		 logo_len;
	const char	*title;
	const char	*mark;
};

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

static int
render(body_fn body, const void *arg, const struct docinfo *di, struct buf *out)
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
	fmt_money(l->rate, rate, sizeof(rate));
	fmt_money(l->net, amt, sizeof(amt));
	disc[0] = '\0';
	if (l->discount != 0 || l->dk != DISC_NONE) {
		fmt_money(-l->discount, m, sizeof(m));
		if (l->dk == DISC_PERCENT) {
			fmt_percent(l->dv, pct, sizeof(pct));
			str_fmt(disc, sizeof(disc), "%s (%s)", m, pct);
		} else
			str_copy(disc, sizeof(disc), m);
	}
	cells[0] = l->description;
	cells[1] = qty;
	cells[2] = rate;
	cells[3] = disc;
	cells[4] = amt;
	table_row(d, &inv_table, cells, st, zebra);
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

	fmt_money(t->gross, sub, sizeof(sub));
	kv[n++] = (struct kv){ "Subtotal", sub };
	if (discounts != 0) {
		fmt_money(-discounts, disc, sizeof(disc));
		if (t->dk == DISC_PERCENT && t->discount != 0) {
			fmt_percent(t->dv, pct, sizeof(pct));
			pdf_trf(dlabel, sizeof(dlabel), "Discounts (incl. {percent})",
			    "percent", pct, (const char *)NULL);
		} else
			str_copy(dlabel, sizeof(dlabel), "Discounts");
		kv[n++] = (struct kv){ dlabel, disc };
	}
	if (!is_draft(inv) && inv->total != t->total) {
		fmt_money(inv->total - t->total, adj, sizeof(adj));
		kv[n++] = (struct kv){ is_void(inv) ? "Voided" : "Adjustments", adj };
	}
	fmt_money(inv->total, tot, sizeof(tot));
	kv[n++] = (struct kv){ "*Total", tot };
	fmt_money(-inv->paid, paid, sizeof(paid));
	kv[n++] = (struct kv){ "Paid", paid };
	fmt_money(is_draft(inv) ? inv->total : inv->open, due, sizeof(due));
	kv[n++] = (struct kv){ "Amount due", due };
	totals_block(d, kv, n);
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

	doc_header(d, x->address, is_void(inv) ? "VOID" :
	    is_draft(inv) ? "DRAFT \u2014 not a bill" : NULL);
	if (a != NULL) {
		lines[0] = a->address1;
		lines[1] = a->address2;
		city_line(a, cityline, sizeof(cityline));
		lines[2] = cityline;
	}
	lb = bill_to(d, a != NULL && *a->name ? a->name : inv->account_name, lines, 3);

	fmt_date(inv->invoice_date, idate, sizeof(idate));
	fmt_date(inv->due_date, ddate, sizeof(ddate));
	kv[n++] = (struct kv){ "Invoice no.", *inv->number ? inv->number :
	    tr("Draft") };
	kv[n++] = (struct kv){ "Invoice date", idate };
	kv[n++] = (struct kv){ "Due date", ddate };
	kv[n++] = (struct kv){ "Client", inv->client_name };
	kv[n++] = (struct kv){ "Location", inv->location_name };
	kv[n++] = (struct kv){ "Status", status_label(*inv->display_status ?
	    inv->display_status : inv->status) };
	fmt_money(is_draft(inv) ? inv->total : inv->open, due, sizeof(due));
	rb = meta_block(d, kv, n, due);
	d->y = (lb > rb ? lb : rb) + 24;
}

static void
inv_body(struct pdoc *d, const void *arg)
{
	const struct inv_doc *x = arg;
	const struct invoice *inv = x->inv;
	size_t n = inv->lines != NULL ? inv->nlines : 0;

	page_begin(d);
	inv_head(d, x);
	table_begin(d, &inv_table);
	if (n == 0) {
		static const enum ts st[] = { TS_MUTED, TS_BODY, TS_BODY, TS_BODY, TS_BODY };
		const char *cells[] = { tr("No line items."), "", "", "", "" };
		table_row(d, &inv_table, cells, st, 0);
	}
	for (size_t i = 0; i < n && !d->full; i++)
		inv_line_row(d, &inv->lines[i], (int)(i % 2));
	table_end(d);
	inv_totals(d, inv);
	if (is_void(inv))
		section_text(d, "VOIDED", *inv->void_reason ? inv->void_reason :
		    tr("This invoice was voided."), TS_ALERT);
	section_text(d, "NOTES", inv->notes, TS_BODY);
	if (!is_void(inv) && !is_draft(inv) && inv->open > 0)
		section_text(d, "PAYMENT", tr("Please pay the amount due by the due "
		    "date and include the invoice number with your payment. Thank "
		    "you."), TS_MUTED);
	page_end(d);
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
	di.org = org != NULL && org->name != NULL ? org->name : "";
	di.logo_png = org != NULL ? org->logo_png : NULL;
	di.logo_len = org != NULL ? org->logo_len : 0;
	di.title = title;
	di.mark = is_draft(inv) ? tr("DRAFT") : is_void(inv) ? tr("VOID") : NULL;
	return render(inv_body, &x, &di, out);
}

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

	doc_header(d, address, NULL);
	for (size_t i = 0; i < 4; i++)
		lines[i] = st->address[i];
	lb = bill_to(d, st->account_name, lines, 4);
	fmt_date(st->statement_date, sdate, sizeof(sdate));
	fmt_date_short(st->period_start, from, sizeof(from));
	fmt_date_short(st->period_end, to, sizeof(to));
	str_fmt(period, sizeof(period), "%s \u2013 %s", from, to);
	fmt_date(st->due_date, ddate, sizeof(ddate));
	kv[n++] = (struct kv){ "Statement no.", *st->number ? st->number :
	    tr("Preview") };
	kv[n++] = (struct kv){ "Statement date", sdate };
	kv[n++] = (struct kv){ "Period", period };
	kv[n++] = (struct kv){ "Due date", ddate };
	client[0] = '\0';
	if (st->client_id != 0 || *st->client_name)
		str_copy(client, sizeof(client), st->client_name);
	kv[n++] = (struct kv){ "Client", client };
	fmt_money(st->amount_due, due, sizeof(due));
	rb = meta_block(d, kv, n, due);
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

	fmt_date_short(date, ds, sizeof(ds));
	fmt_money(running, bal, sizeof(bal));
	cells[0] = ds;
	cells[1] = desc;
	cells[2] = amt;
	cells[3] = bal;
	table_row(d, &st_table, cells, bold ? stb : st, zebra);
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
	fmt_money(st->opening, open, sizeof(open));
	fmt_money(charges, chg, sizeof(chg));
	fmt_money(credits, cred, sizeof(cred));
	fmt_money(st->closing, close, sizeof(close));
	fmt_money(st->amount_due, due, sizeof(due));
	kv[0] = (struct kv){ "Opening balance", open };
	kv[1] = (struct kv){ "Charges", chg };
	kv[2] = (struct kv){ "Payments and credits", cred };
	kv[3] = (struct kv){ "*Closing balance", close };
	kv[4] = (struct kv){ "Amount due", due };
	totals_block(d, kv, 5);
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

	if (need(d, 80) == -1)
		return;
	d->y += text(d, TS_LABEL, MARGIN, d->y, CONTENT_W, PANGO_ALIGN_LEFT, 1,
	    tr("ACCOUNT AGING (OPEN INVOICES BY DAYS PAST DUE)")) + 4;
	for (size_t i = 0; i < AGING_BUCKETS; i++) {
		fmt_money(st->aging[i], v[i], sizeof(v[i]));
		if (total <= MONEY_MAX)
			total += st->aging[i];
		cells[i] = v[i];
	}
	fmt_money(total, v[AGING_BUCKETS], sizeof(v[AGING_BUCKETS]));
	cells[AGING_BUCKETS] = v[AGING_BUCKETS];
	table_begin(d, &aging_table);
	table_row(d, &aging_table, cells, sts, 0);
	table_end(d);
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
		fmt_money(total, aging, sizeof(aging));
		fmt_money(-st->unapplied, diff, sizeof(diff));
		fmt_money(st->closing, close, sizeof(close));
		pdf_trf(msg, sizeof(msg), "Open invoices (aging total) {aging}; {what} "
		    "{diff}; closing balance {closing}.", "aging", aging, "what",
		    tr(st->unapplied > 0 ? "unapplied credit (paid, not applied to "
		    "an open invoice)" : "not in the aging"), "diff", diff,
		    "closing", close, (const char *)NULL);
		section_text(d, "AGING AND CLOSING BALANCE", msg, TS_BODY);
	}
	if (st->account_credit > 0) {
		fmt_money(st->account_credit, credit, sizeof(credit));
		pdf_trf(msg, sizeof(msg), "Account credit available: {credit} (held by "
		    "the account, not applied to this client's invoices; not "
		    "subtracted above).", "credit", credit, (const char *)NULL);
		section_text(d, "ACCOUNT CREDIT", msg, TS_BODY);
	}
}

static void
st_body(struct pdoc *d, const void *arg)
{
	const struct st_doc *x = arg;
	const struct statement *st = x->st;
	size_t n = st->lines != NULL ? st->nlines : 0;
	char amt[MONEY_FMT_MAX], ddate[32], msg[1024];

	page_begin(d);
	st_head(d, st, x->address);
	table_begin(d, &st_table);
	st_row(d, st->period_start, tr("Balance forward"), "", st->opening, 0, 1);
	for (size_t i = 0; i < n && !d->full; i++) {
		fmt_money(st->lines[i].amount, amt, sizeof(amt));
		st_row(d, st->lines[i].date, st->lines[i].description, amt,
		    st->lines[i].running, (int)((i + 1) % 2), 0);
	}
	if (n == 0) {
		static const enum ts sts[] = { TS_MUTED, TS_MUTED, TS_BODY, TS_BODY };
		const char *cells[] = { "", tr("No activity in this period."), "", "" };
		table_row(d, &st_table, cells, sts, 0);
	}
	table_end(d);
	st_summary(d, st, n);
	st_aging(d, st);
	st_reconcile(d, st);
	fmt_date(st->due_date, ddate, sizeof(ddate));
	if (st->closing < 0) {
		fmt_money(-st->closing, amt, sizeof(amt));
		pdf_trf(msg, sizeof(msg), "Your account has a credit of {amount}. No "
		    "payment is due.", "amount", amt, (const char *)NULL);
	} else if (st->amount_due > 0) {
		fmt_money(st->amount_due, amt, sizeof(amt));
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
	section_text(d, "PAYMENT", msg, TS_BODY);
	page_end(d);
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
	return render(st_body, &x, &di, out);
}

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

	doc_header(d, address, NULL);
	lb = d->y;
	lb += text(d, TS_LABEL, MARGIN, lb, w, PANGO_ALIGN_LEFT, 1,
	    tr("RECEIVED FROM")) + 4;
	lb += text(d, TS_BOLD, MARGIN, lb, w, PANGO_ALIGN_LEFT, 3, r->payer) + 2;
	fmt_date(r->date, date, sizeof(date));
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
		text(d, TS_MUTED, x, rb, 80, PANGO_ALIGN_LEFT, 1, tr(kv[i].k));
		rb += text(d, TS_BODY, x + 80, rb, 170, PANGO_ALIGN_RIGHT, 2,
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

	page_begin(d);
	rc_head(d, r, x->address);
	table_begin(d, &rc_table);
	for (size_t i = 0; i < r->nitems && !d->full; i++) {
		pdf_trf(label, sizeof(label), "Invoice {number}", "number",
		    r->items[i].invoice, (const char *)NULL);
		fmt_money(r->items[i].amount, amt, sizeof(amt));
		cells[0] = label;
		cells[1] = amt;
		table_row(d, &rc_table, cells, st, (int)(i % 2));
	}
	if (r->credit > 0) {
		fmt_money(r->credit, amt, sizeof(amt));
		cells[0] = tr("Kept as credit on your account");
		cells[1] = amt;
		table_row(d, &rc_table, cells, st, (int)(r->nitems % 2));
	}
	table_end(d);
	if (r->refunded > 0) {
		fmt_money(-r->refunded, ref, sizeof(ref));
		kv[n++] = (struct kv){ "Refunded since", ref };
	}
	fmt_money(r->amount, paid, sizeof(paid));
	kv[n++] = (struct kv){ "Amount paid", paid };
	totals_block(d, kv, n);
	section_text(d, "THANK YOU", tr("Thank you for your payment. Keep this "
	    "receipt for your records."), TS_MUTED);
	page_end(d);
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
	di.org = org != NULL && org->name != NULL ? org->name : "";
	di.title = title;
	di.mark = NULL;
	return render(rc_body, &x, &di, out);
}

void
pdf_receipt_filename(const struct pdf_receipt *r, char *out, size_t outsz)
{
	str_fmt(out, outsz, "receipt-%s.pdf", number_safe(r->number) ? r->number :
	    "payment");
}

int
pdf_statement_cfg(const struct statement *st, const struct config *cfg,
    struct buf *out)
{
	struct pdf_org org = { cfg->org_name, cfg->org_address, NULL, 0 };

	return pdf_statement(st, &org, out);
}
