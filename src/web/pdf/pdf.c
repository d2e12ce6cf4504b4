/* PDF documents: the language of the document being rendered and the
 * number, date and file-name formats the documents share. The drawing is
 * in pdf_draw.c, the documents in pdf_invoice.c, pdf_statement.c and
 * pdf_receipt_doc.c (see pdf_int.h). */
#include "common.h"

#include <stdarg.h>

#include "buf.h"
#include "calc.h"
#include "cfg.h"
#include "clock.h"
#include "datefmt.h"
#include "invoice.h"
#include "money.h"
#include "pdf.h"
#include "pdf_int.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"
#include "tmpl.h"

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
void
pdf_fmt_date(const char *iso, char *out, size_t outsz)
{
	if (iso == NULL || *iso == '\0' ||
	    datefmt_text(tr_cache ? tr_lang : "en", iso, out, outsz) == -1)
		str_copy(out, outsz, iso != NULL && *iso ? iso : "\u2014");
}

/* The short form for narrow columns and periods: "Mar 1, 2024" /
 * "1 mar. 2024". */
void
pdf_fmt_date_short(const char *iso, char *out, size_t outsz)
{
	int64_t days;

	if (iso == NULL || date_parse(iso, &days) == -1 ||
	    datefmt_short(tr_cache ? tr_lang : "en", days, out, outsz) == -1)
		str_copy(out, outsz, iso != NULL && *iso ? iso : "\u2014");
}

void
pdf_fmt_money(int64_t cents, char *out, size_t outsz)
{
	if (money_format(cents, out, outsz) == -1)
		str_copy(out, outsz, "?");
}

/* Basis points as a percentage: 1000 -> "10%", 1250 -> "12.5%". */
void
pdf_fmt_percent(int64_t bp, char *out, size_t outsz)
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
int
pdf_number_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* "<number>.pdf" when the number is safe in a file name, else
 * "<other>-<id>.pdf". */
static void
filename_of(const char *number, const char *other, int64_t id, char *out,
    size_t outsz)
{
	if (pdf_number_safe(number))
		str_fmt(out, outsz, "%s.pdf", number);
	else
		str_fmt(out, outsz, "%s-%" PRId64 ".pdf", other, id);
}

void
pdf_invoice_filename(const struct invoice *inv, char *out, size_t outsz)
{
	filename_of(inv->number, "invoice-draft", inv->id, out, outsz);
}

void
pdf_statement_filename(const struct statement *st, char *out, size_t outsz)
{
	filename_of(st->number, "statement", st->id, out, outsz);
}
