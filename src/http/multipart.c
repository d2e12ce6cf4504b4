/* multipart/form-data (RFC 7578) for the few forms that upload a file:
 * text parts go to the form list like urlencoded fields, at most one file
 * part is kept as a pointer into the body. Pure: unit-testable and fuzzable. */
#include "common.h"

#include <strings.h>

#include "req.h"
#include "str.h"

#define MP_MAX_BOUNDARY	70
#define MP_MAX_HEADERS	2048

/* boundary=... (quoted or not) from the Content-Type value. */
static int
mp_boundary(const char *ctype, char *out, size_t outsz)
{
	const char *p = strcasestr(ctype, "boundary=");
	size_t n = 0;

	if (p == NULL)
		return -1;
	p += 9;
	if (*p == '"') {
		p++;
		while (p[n] && p[n] != '"')
			n++;
	} else
		while (p[n] && p[n] != ';' && p[n] != ' ')
			n++;
	if (n == 0 || n > MP_MAX_BOUNDARY || n + 1 > outsz)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* The quoted parameter `name="..."` of a Content-Disposition line. */
static int
mp_param(const char *h, size_t hlen, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl + 2 < hlen; i++) {
		size_t j = i + nl + 2, k = 0;
		if ((i > 0 && h[i - 1] != ' ' && h[i - 1] != ';') ||
		    strncasecmp(h + i, name, nl) != 0 || h[i + nl] != '=' ||
		    h[i + nl + 1] != '"')
			continue;
		while (j < hlen && h[j] != '"' && h[j] != '\r') {
			if (k + 1 >= outsz)
				return -1;
			out[k++] = h[j++];
		}
		out[k] = '\0';
		return j < hlen && h[j] == '"' ? 0 : -1;
	}
	return -1;
}

static void
mp_ctype(const char *h, size_t hlen, char *out, size_t outsz)
{
	const char *p = memmem(h, hlen, "\r\nContent-Type:", 15);
	size_t k = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += 15;
	while (p < h + hlen && *p == ' ')
		p++;
	while (p < h + hlen && *p != '\r' && k + 1 < outsz)
		out[k++] = *p++;
	out[k] = '\0';
}

/* One part: headers h[0..hlen) (starting with "\r\n"), data d[0..dlen). */
static enum req_status
mp_part(const char *h, size_t hlen, const char *d, size_t dlen,
    struct kvlist *form, struct req_upload *file)
{
	char name[REQ_MAX_KEY + 1], fname[256], *val;
	int rc;

	if (mp_param(h, hlen, "name", name, sizeof(name)) == -1 ||
	    !str_utf8_valid(name, strlen(name)))
		return REQ_EBADENC;
	if (mp_param(h, hlen, "filename", fname, sizeof(fname)) == 0) {
		if (file->present)
			return REQ_ETOOMANY;
		file->present = 1;
		str_copy(file->name, sizeof(file->name), name);
		str_copy(file->filename, sizeof(file->filename), fname);
		mp_ctype(h, hlen, file->ctype, sizeof(file->ctype));
		file->data = d;
		file->len = dlen;
		return REQ_OK;
	}
	if (dlen > REQ_MAX_VALUE)
		return REQ_ETOOLONG;
	if (memchr(d, '\0', dlen) != NULL || !str_utf8_valid(d, dlen))
		return REQ_EBADENC;
	if (form->n >= REQ_MAX_PAIRS)
		return REQ_ETOOMANY;
	if ((val = strndup(d, dlen)) == NULL)
		return REQ_ENOMEM;
	rc = kvlist_add(form, name, val);
	free(val);
	return rc == 0 ? REQ_OK : REQ_ENOMEM;
}

enum req_status
req_parse_multipart(const char *body, size_t len, const char *ctype,
    struct kvlist *form, struct req_upload *file)
{
	char b[MP_MAX_BOUNDARY + 5];	/* "\r\n--" + boundary */
	const char *p, *end = body + len;
	size_t bl;
	enum req_status rc;

	memset(file, 0, sizeof(*file));
	b[0] = '\r', b[1] = '\n', b[2] = '-', b[3] = '-';
	if (mp_boundary(ctype, b + 4, sizeof(b) - 4) == -1)
		return REQ_EBADENC;
	bl = strlen(b);
	/* the body starts with the boundary line without its leading CRLF */
	if (len < bl - 2 || memcmp(body, b + 2, bl - 2) != 0)
		return REQ_EBADENC;
	p = body + bl - 2;
	for (;;) {
		const char *hend, *next;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return REQ_OK;	/* closing boundary */
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hend == NULL || hend - p > MP_MAX_HEADERS)
			return REQ_EBADENC;
		next = memmem(hend + 4, (size_t)(end - hend - 4), b, bl);
		if (next == NULL)
			return REQ_EBADENC;
		rc = mp_part(p, (size_t)(hend - p) + 2, hend + 4,
		    (size_t)(next - hend - 4), form, file);
		if (rc != REQ_OK)
			return rc;
		p = next + bl;
	}
}
