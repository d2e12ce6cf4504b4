/* Internals of the PDF documents (src/web/pdf): the page geometry, the
 * drawing kit (pdf_draw.c: text, rules, tables, pages and the two-pass
 * driver), the language and number formats (pdf.c). Each document
 * (pdf_invoice.c, pdf_statement.c, pdf_receipt_doc.c) fills one body
 * function and calls pdf_draw_render(). Private to src/web/pdf. */
#ifndef PDF_INT_H
#define PDF_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>
#include <pango/pangocairo.h>

struct buf;

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

enum ts {
	TS_BODY, TS_BOLD, TS_MUTED, TS_SMALL, TS_LABEL, TS_ORG, TS_TITLE,
	TS_DUE, TS_ALERT, TS_MARK, TS__MAX
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

#define tr(en)	pdf_tr(en)

typedef void (*body_fn)(struct pdoc *, const void *);

struct docinfo {
	const char	*org;
	const unsigned char *logo_png;	/* NULL = no logo */
	size_t		 logo_len;
	const char	*title;
	const char	*mark;
};

/* The organization's name and logo on a document (org may be NULL). */
void	 pdf_docinfo_org(struct docinfo *, const struct pdf_org *);

/* pdf.c */
void	 pdf_fmt_date(const char *iso, char *out, size_t outsz);
void	 pdf_fmt_date_short(const char *iso, char *out, size_t outsz);
void	 pdf_fmt_money(int64_t cents, char *out, size_t outsz);
void	 pdf_fmt_percent(int64_t bp, char *out, size_t outsz);
int	 pdf_number_safe(const char *s);

/* pdf_draw.c */
double	 pdf_draw_bill_to(struct pdoc *d, const char *name,
	    const char *const *lines, size_t n);
void	 pdf_draw_doc_header(struct pdoc *d, const char *address,
	    const char *subtitle);
double	 pdf_draw_meta_block(struct pdoc *d, const struct kv *kv, size_t n,
	    const char *due);
int	 pdf_draw_need(struct pdoc *d, double h);
void	 pdf_draw_page_begin(struct pdoc *d);
void	 pdf_draw_page_end(struct pdoc *d);
int	 pdf_draw_render(body_fn body, const void *arg,
	    const struct docinfo *di, struct buf *out);
void	 pdf_draw_section_text(struct pdoc *d, const char *label, const char *s,
	    enum ts st);
void	 pdf_draw_table_begin(struct pdoc *d, const struct table *t);
void	 pdf_draw_table_end(struct pdoc *d);
void	 pdf_draw_table_row(struct pdoc *d, const struct table *t,
	    const char *const *cells, const enum ts *st, int zebra);
double	 pdf_draw_text(struct pdoc *d, enum ts st, double x, double y,
	    double width, PangoAlignment al, int maxlines, const char *s);
void	 pdf_draw_totals_block(struct pdoc *d, const struct kv *kv, size_t n);

#endif
