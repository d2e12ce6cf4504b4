/* The text of an email as sent: RFC 5322 headers and a MIME body. */
#include "common.h"

#include <time.h>

#include "mime.h"

#include "buf.h"
#include "crypto.h"
#include "outbox.h"
#include "str.h"

#define QP_LINE		76
#define WORD_BYTES	39	/* UTF-8 bytes per RFC 2047 encoded word */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
base64_put(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		if (buf_append(b, q, 4) == -1)
			return -1;
	}
	return 0;
}

static int
is_plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* RFC 2047 "B" encoded words of at most WORD_BYTES bytes each, cut at UTF-8
 * character boundaries, folded onto continuation lines. */
static int
encoded_words(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t k = n - i < WORD_BYTES ? n - i : WORD_BYTES;

		/* do not split a multi-byte character */
		while (i + k < n && k > 0 &&
		    ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		if (k == 0)
			return -1;
		if ((i > 0 && buf_puts(b, "\r\n ") == -1) ||
		    buf_puts(b, "=?UTF-8?B?") == -1 ||
		    base64_put(b, (const unsigned char *)s + i, k) == -1 ||
		    buf_puts(b, "?=") == -1)
			return -1;
		i += k;
	}
	return 0;
}

/* Printable ASCII as is, folded at spaces to keep lines near 78 columns;
 * anything else (or text that looks like an encoded word) as encoded words. */
static int
header_text(struct buf *b, const char *name, const char *v)
{
	size_t col = strlen(name) + 2;

	if (buf_printf(b, "%s: ", name) == -1)
		return -1;
	if (!is_plain_ascii(v) || strstr(v, "=?") != NULL) {
		if (encoded_words(b, v) == -1)
			return -1;
		return buf_puts(b, "\r\n");
	}
	while (*v) {
		const char *sp = strchr(v + 1, ' ');
		size_t n = sp != NULL ? (size_t)(sp - v) : strlen(v);

		if (col + n > 78 && col > strlen(name) + 2 && *v == ' ') {
			if (buf_puts(b, "\r\n") == -1)
				return -1;
			col = 0;
		}
		if (buf_append(b, v, n) == -1)
			return -1;
		col += n;
		v += n;
	}
	return buf_puts(b, "\r\n");
}

/* From: "Org Name" <addr>, the name quoted or encoded. */
static int
header_from(struct buf *b, const char *name, const char *addr)
{
	if (name == NULL || *name == '\0')
		return buf_printf(b, "From: <%s>\r\n", addr);
	if (!is_plain_ascii(name) || strstr(name, "=?") != NULL) {
		if (buf_puts(b, "From: ") == -1 || encoded_words(b, name) == -1)
			return -1;
	} else {
		if (buf_puts(b, "From: \"") == -1)
			return -1;
		for (; *name; name++) {
			if ((*name == '"' || *name == '\\') && buf_putc(b, '\\') == -1)
				return -1;
			if (buf_putc(b, *name) == -1)
				return -1;
		}
		if (buf_putc(b, '"') == -1)
			return -1;
	}
	return buf_printf(b, " <%s>\r\n", addr);
}

static int
header_date(struct buf *b, int64_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Must byte c at column col be written as =XX? last: c ends its line. */
static int
qp_must(unsigned char c, size_t col, int last, const char *rest)
{
	if (c == '=' || c >= 0x7f || (c < 0x20 && c != '\t'))
		return 1;
	if ((c == ' ' || c == '\t') && last)
		return 1;
	/* SMTP dot-stuffing and mbox "From " lines stay out of the picture */
	return col == 0 && (c == '.' || (c == 'F' && str_starts(rest, "From ")));
}

/* Quoted-printable (RFC 2045) with CRLF hard line breaks; LF and CRLF in
 * the input are line breaks. */
static int
qp_put(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s), col = 0;

		if (n > 0 && s[n - 1] == '\r')
			n--;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			int enc = qp_must(c, col, i + 1 == n, s + i);
			size_t w = enc ? 3 : 1;

			/* soft break: the '=' counts, lines stay <= QP_LINE */
			if (col + w > QP_LINE - 1) {
				if (buf_puts(b, "=\r\n") == -1)
					return -1;
				col = 0;
				enc = qp_must(c, col, i + 1 == n, s + i);
				w = enc ? 3 : 1;
			}
			if (enc) {
				char e[3] = { '=', hex[c >> 4], hex[c & 15] };
				if (buf_append(b, e, 3) == -1)
					return -1;
			} else if (buf_putc(b, (char)c) == -1)
				return -1;
			col += w;
		}
		if (buf_puts(b, "\r\n") == -1)
			return -1;
		s = nl != NULL ? nl + 1 : s + strlen(s);
	}
	return 0;
}

static int
part(struct buf *b, const char *type, const char *body)
{
	return buf_printf(b, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type) == -1 ||
	    qp_put(b, body) == -1 ? -1 : 0;
}

/* The text and html parts: one text/plain part, or a multipart/alternative
 * of both under boundary (its own headers included). */
static int
body_parts(struct buf *b, const char *text, const char *html,
    const char *boundary)
{
	if (html == NULL)
		return part(b, "text/plain", text);
	if (buf_printf(b, "Content-Type: multipart/alternative;\r\n "
	    "boundary=\"%s\"\r\n\r\nThis is a MIME message.\r\n\r\n--%s\r\n",
	    boundary, boundary) == -1 || part(b, "text/plain", text) == -1 ||
	    buf_printf(b, "\r\n--%s\r\n", boundary) == -1 ||
	    part(b, "text/html", html) == -1 ||
	    buf_printf(b, "\r\n--%s--\r\n", boundary) == -1)
		return -1;
	return 0;
}

/* One attachment part: base64 in lines of 76. */
static int
att_part(struct buf *b, const struct mime_att *a)
{
	size_t n = strlen(a->base64);

	if (buf_printf(b, "Content-Type: %s; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", a->content_type,
	    a->filename, a->filename) == -1)
		return -1;
	for (size_t i = 0; i < n; i += 76)
		if (buf_append(b, a->base64 + i, n - i < 76 ? n - i : 76) == -1 ||
		    buf_puts(b, "\r\n") == -1)
			return -1;
	return 0;
}

char *
mime_base64(const void *data, size_t len)
{
	struct buf b;

	buf_init(&b, len / 3 * 4 + 16);
	if (base64_put(&b, data, len) == -1 || buf_puts(&b, "") == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *
mime_message(const char *from, const char *org_name, const char *to,
    const char *subject, const char *text, const char *html,
    const char *message_id, int64_t date)
{
	return mime_message_att(from, org_name, to, subject, text, html,
	    message_id, date, NULL, 0);
}

char *
mime_message_att(const char *from, const char *org_name, const char *to,
    const char *subject, const char *text, const char *html,
    const char *message_id, int64_t date, const struct mime_att *att,
    size_t natt)
{
	char hex[CRYPTO_SHA256_HEX], boundary[40], mixed[40];
	struct buf b;

	buf_init(&b, 4 * OUTBOX_BODY_MAX);
	/* "=_" never occurs in quoted-printable text or base64: safe boundaries */
	crypto_sha256_hex(message_id, strlen(message_id), hex);
	str_fmt(boundary, sizeof(boundary), "=_%.32s", hex);
	str_fmt(mixed, sizeof(mixed), "=_m%.31s", hex);
	if (header_date(&b, date) == -1 || header_from(&b, org_name, from) == -1 ||
	    buf_printf(&b, "To: <%s>\r\n", to) == -1 ||
	    header_text(&b, "Subject", subject) == -1 ||
	    buf_printf(&b, "Message-ID: %s\r\nMIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n", message_id) == -1)
		goto fail;
	if (natt == 0) {
		if (body_parts(&b, text, html, boundary) == -1)
			goto fail;
		return buf_detach(&b);
	}
	if (buf_printf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n"
	    "\r\nThis is a MIME message.\r\n\r\n--%s\r\n", mixed, mixed) == -1 ||
	    body_parts(&b, text, html, boundary) == -1)
		goto fail;
	for (size_t i = 0; i < natt; i++)
		if (buf_printf(&b, "\r\n--%s\r\n", mixed) == -1 ||
		    att_part(&b, &att[i]) == -1)
			goto fail;
	if (buf_printf(&b, "\r\n--%s--\r\n", mixed) == -1)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}
