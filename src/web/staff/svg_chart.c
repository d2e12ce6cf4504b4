/* Inline SVG charts: integer geometry in a fixed viewBox scaled by CSS. */
#include "common.h"

#include "money.h"
#include "str.h"
#include "svg_chart.h"
#include "tmpl.h"

/* part / whole of len, in whole units, without overflow. */
static int64_t
scale(int64_t part, int64_t whole, int64_t len)
{
	if (part <= 0 || whole <= 0)
		return 0;
	while (part > INT64_MAX / (len + 1) || whole > INT64_MAX / (len + 1)) {
		part /= 10;
		whole /= 10;
	}
	if (whole == 0)
		return len;
	part = part * len / whole;
	return part > len ? len : part;
}

static const char *
cls_of(const struct svg_item *it)
{
	return it->cls ? it->cls : "ch-bar";
}

static int
svg_open(struct buf *b, const char *title, int w, int h)
{
	if (buf_printf(b, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\""
	    " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h) == -1 ||
	    tmpl_escape_attr(b, title) == -1 || buf_puts(b, "\"><title>") == -1 ||
	    tmpl_escape_html(b, title) == -1 || buf_puts(b, "</title>") == -1)
		return -1;
	return 0;
}

static int
svg_text(struct buf *b, int x, int y, const char *anchor, const char *cls,
    const char *s)
{
	if (buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"%s\">",
	    x, y, anchor, cls) == -1 || tmpl_escape_html(b, s) == -1 ||
	    buf_puts(b, "</text>") == -1)
		return -1;
	return 0;
}

static int64_t
sum_of(const struct svg_item *it, size_t n, int64_t *max)
{
	int64_t s = 0;

	*max = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t v = it[i].value > 0 ? it[i].value : 0;
		if (s < INT64_MAX - v)
			s += v;
		if (v > *max)
			*max = v;
	}
	return s;
}

#define SB_W	400
#define SB_BAR	32

int
svg_stacked_bar(struct buf *b, const char *title, const struct svg_item *it,
    size_t n)
{
	int64_t max, total = sum_of(it, n, &max), x = 0, acc = 0;
	int rows = (int)((n + 1) / 2), h = SB_BAR + 12 + rows * 20;
	char m[MONEY_FMT_MAX], lab[300];

	if (svg_open(b, title, SB_W, h) == -1)
		return -1;
	if (buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\""
	    " class=\"ch-track\"/>", SB_W, SB_BAR) == -1)
		return -1;
	for (size_t i = 0; i < n && total > 0; i++) {
		int64_t v = it[i].value > 0 ? it[i].value : 0, end;
		acc += v;
		end = scale(acc, total, SB_W);
		if (end > x && buf_printf(b, "<rect x=\"%" PRId64 "\" y=\"0\" width=\""
		    "%" PRId64 "\" height=\"%d\" class=\"%s\"/>", x, end - x, SB_BAR,
		    cls_of(&it[i])) == -1)
			return -1;
		x = end;
	}
	for (size_t i = 0; i < n; i++) {
		int lx = (int)(i % 2) * (SB_W / 2), ly = SB_BAR + 12 + (int)(i / 2) * 20;
		if (money_format(it[i].value, m, sizeof(m)) == -1)
			m[0] = '\0';
		str_fmt(lab, sizeof(lab), "%s %s", it[i].label, m);
		if (buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\""
		    " class=\"%s\"/>", lx, ly, cls_of(&it[i])) == -1 ||
		    svg_text(b, lx + 16, ly + 11, "start", "ch-label", lab) == -1)
			return -1;
	}
	return buf_puts(b, "</svg>");
}

#define CO_W	400
#define CO_H	200
#define CO_TOP	20
#define CO_BASE	176

int
svg_columns(struct buf *b, const char *title, const struct svg_item *it,
    size_t n)
{
	int64_t max;
	int slot = n ? CO_W / (int)n : CO_W;
	char m[MONEY_FMT_MAX];

	(void)sum_of(it, n, &max);
	if (svg_open(b, title, CO_W, CO_H) == -1)
		return -1;
	if (buf_printf(b, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
	    " class=\"ch-axis\"/>", CO_BASE, CO_W, CO_BASE) == -1)
		return -1;
	if (max > 0 && money_format(max, m, sizeof(m)) == 0 &&
	    svg_text(b, 0, 12, "start", "ch-label ch-muted", m) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t hgt = scale(it[i].value, max, CO_BASE - CO_TOP);
		int x = (int)i * slot;
		if (hgt > 0 && buf_printf(b, "<rect x=\"%d\" y=\"%" PRId64 "\""
		    " width=\"%d\" height=\"%" PRId64 "\" class=\"%s\"/>", x + 3,
		    CO_BASE - hgt, slot - 6, hgt, cls_of(&it[i])) == -1)
			return -1;
		if ((i % 2 == 0 || i + 1 == n) && svg_text(b, x + slot / 2,
		    CO_BASE + 16, "middle", "ch-label ch-small", it[i].label) == -1)
			return -1;
	}
	return buf_puts(b, "</svg>");
}

/* The first 18 bytes of s (at a UTF-8 boundary) and "..." if it is longer
 * than 20. */
static void
short_label(char *out, size_t outsz, const char *s)
{
	size_t k = 18;

	if (strlen(s) <= 20) {
		str_copy(out, outsz, s);
		return;
	}
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	str_fmt(out, outsz, "%.*s...", (int)k, s);
}

#define HB_W	400
#define HB_ROW	24
#define HB_LAB	150
#define HB_NUM	90

int
svg_hbars(struct buf *b, const char *title, const struct svg_item *it,
    size_t n)
{
	int64_t max;
	int h = (int)n * HB_ROW + 4;
	char m[MONEY_FMT_MAX], lab[40];

	(void)sum_of(it, n, &max);
	if (svg_open(b, title, HB_W, h > 4 ? h : HB_ROW) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int y = (int)i * HB_ROW;
		int64_t w = scale(it[i].value, max, HB_W - HB_LAB - HB_NUM);
		/* Long names are cut in the picture; the table has them whole. */
		short_label(lab, sizeof(lab), it[i].label);
		if (money_format(it[i].value, m, sizeof(m)) == -1)
			m[0] = '\0';
		if (svg_text(b, HB_LAB - 6, y + 16, "end", "ch-label", lab) == -1 ||
		    (w > 0 && buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%" PRId64
		    "\" height=\"%d\" class=\"%s\"/>", HB_LAB, y + 4, w, HB_ROW - 8,
		    cls_of(&it[i])) == -1) ||
		    svg_text(b, HB_LAB + (int)w + 4, y + 16, "start", "ch-label", m)
		    == -1)
			return -1;
	}
	return buf_puts(b, "</svg>");
}
