/* PDF documents (US Letter) for invoices and statements, drawn with cairo's
 * PDF surface and pango. Pure: no database, no HTTP. Every piece of text is
 * set as plain text (never markup), so user data cannot change the layout
 * language; invalid UTF-8 is repaired, over-long text is clipped. */
#ifndef PDF_H
#define PDF_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct invoice;
struct statement;
struct account;

struct pdf_org {
	const char	*name;		/* config org_name; NULL = "" */
	const char	*address;	/* may hold newlines; NULL = none */
	const unsigned char *logo_png;	/* our re-encoded logo (branding); NULL = none */
	size_t		 logo_len;
};

/* Each renders the whole document into out: out is reset first and holds
 * the PDF on success (0). On failure (-1: out's size limit reached, cairo
 * error) out is left empty. Drafts get a "DRAFT" watermark, voided invoices
 * a "VOID" one. acct (bill-to address) may be NULL: then the invoice's
 * account_name alone is printed. */
int	 pdf_invoice(const struct invoice *, const struct pdf_org *,
	    const struct account *acct, struct buf *out);
int	 pdf_statement(const struct statement *, const struct pdf_org *,
	    struct buf *out);

/* pdf_statement() with the org name and address from cfg (the shape
 * struct ss_env's render_pdf takes). */
struct config;
int	 pdf_statement_cfg(const struct statement *, const struct config *,
	    struct buf *out);

/* "INV-000123.pdf" for an issued invoice, "invoice-draft-17.pdf" for a
 * draft (derived from our own number/id only). */
void	 pdf_invoice_filename(const struct invoice *, char *out, size_t outsz);
void	 pdf_statement_filename(const struct statement *, char *out, size_t outsz);

/* A receipt for a succeeded payment: who paid, how, and what it paid. */
struct pdf_receipt_item {
	const char	*invoice;	/* "INV-000123" */
	int64_t		 amount;	/* applied, cents */
};
struct pdf_receipt {
	const char			*number;	/* "P-123" */
	const char			*date;		/* YYYY-MM-DD paid */
	const char			*payer;		/* account name */
	const char			*method;	/* "Visa ending 4242" */
	const char			*stripe_id;	/* pi_...; "" = none */
	int64_t				 amount;
	int64_t				 refunded;	/* 0 = none */
	int64_t				 credit;	/* applied to no invoice */
	const struct pdf_receipt_item	*items;
	size_t				 nitems;
};
/* Renders the receipt into out (reset first). 0, or -1 (out left empty). */
int	 pdf_receipt(const struct pdf_receipt *, const struct pdf_org *,
	    struct buf *out);
/* "receipt-P-123.pdf". */
void	 pdf_receipt_filename(const struct pdf_receipt *, char *out,
	    size_t outsz);
/* The language of the documents rendered next: the catalogs of tc, lang
 * ("es"); NULL / "en": English. Client downloads set it and set it back. */
struct tmpl_cache;
void	 pdf_set_lang(struct tmpl_cache *tc, const char *lang);
/* The language set (English without a catalog). */
const char *pdf_lang(void);
/* An English text of a document in that language (catalog key "pdf." and
 * its words, see pdf.c); pdf_trf() fills its {name} placeholders from the
 * NULL-terminated name, value pairs into out. */
const char *pdf_tr(const char *en);
const char *pdf_trf(char *out, size_t outsz, const char *en, ...);

/* Frees fontconfig/pango caches (tests and leak checkers at exit only). */
void	 pdf_shutdown(void);

#endif
