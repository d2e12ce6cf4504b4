/* The four output escapers. Each copies runs of safe bytes in one append and
 * encodes the rest, so every substituted byte passes through one decision. */
#include "common.h"
#include "buf.h"
#include "tmpl.h"

static const char hexdig[] = "0123456789ABCDEF";

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

int
tmpl_escape_html(struct buf *b, const char *s)
{
	const char *run = s, *rep;

	for (; *s; s++) {
		switch (*s) {
		case '&':  rep = "&amp;"; break;
		case '<':  rep = "&lt;"; break;
		case '>':  rep = "&gt;"; break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:   continue;
		}
		if (buf_append(b, run, (size_t)(s - run)) == -1 ||
		    buf_puts(b, rep) == -1)
			return -1;
		run = s + 1;
	}
	return buf_append(b, run, (size_t)(s - run));
}

static int
attr_safe(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

static int
url_safe(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Bytes that are not safe become enc (enclen bytes) with the byte's two
 * hex digits at enc[at], enc[at + 1]. */
static int
escape_hex(struct buf *b, const char *s, int (*safe)(unsigned char), char *enc,
    size_t enclen, size_t at)
{
	const char *run = s;
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if (safe(c))
			continue;
		enc[at] = hexdig[c >> 4];
		enc[at + 1] = hexdig[c & 0xf];
		if (buf_append(b, run, (size_t)(s - run)) == -1 ||
		    buf_append(b, enc, enclen) == -1)
			return -1;
		run = s + 1;
	}
	return buf_append(b, run, (size_t)(s - run));
}

/* Safe even in an unquoted attribute value: only alphanumerics and
 * non-ASCII bytes stay literal. */
int
tmpl_escape_attr(struct buf *b, const char *s)
{
	char enc[6] = { '&', '#', 'x', 0, 0, ';' };

	return escape_hex(b, s, attr_safe, enc, sizeof(enc), 3);
}

/* RFC 3986 unreserved characters stay; every other byte is %HH. */
int
tmpl_escape_url(struct buf *b, const char *s)
{
	char enc[3] = { '%', 0, 0 };

	return escape_hex(b, s, url_safe, enc, sizeof(enc), 1);
}

/* For a quoted JS string inside a <script> block or an event attribute:
 * quotes, backslash, <, >, /, & and all controls become \xHH; UTF-8 passes
 * except U+2028/U+2029, which end a line in older JS parsers. */
int
tmpl_escape_js(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;
	char enc[6] = { '\\', 0, 0, 0, 0, 0 };
	size_t elen;

	for (; *p; p++) {
		if (is_alnum(*p) || *p == ' ' || *p == ',' || *p == '.' ||
		    *p == '_')
			continue;
		if (*p >= 0x80) {
			if (p[0] != 0xe2 || p[1] != 0x80 ||
			    (p[2] != 0xa8 && p[2] != 0xa9))
				continue;
			memcpy(enc + 1, p[2] == 0xa8 ? "u2028" : "u2029", 5);
			elen = 6;
		} else {
			enc[1] = 'x';
			enc[2] = hexdig[*p >> 4];
			enc[3] = hexdig[*p & 0xf];
			elen = 4;
		}
		if (buf_append(b, run, (size_t)(p - run)) == -1 ||
		    buf_append(b, enc, elen) == -1)
			return -1;
		if (elen == 6)
			p += 2;
		run = p + 1;
	}
	return buf_append(b, run, (size_t)(p - run));
}
