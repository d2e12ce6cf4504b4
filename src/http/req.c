/* Request input parsing: urlencoded forms and query
 * strings, cookies, JSON bodies. Everything decoded here is valid UTF-8
 * without NUL, so later code can treat values as C strings. */
#include "common.h"
#include "req.h"
#include "str.h"

#include <json-c/json.h>

/* --- percent-decoding --------------------------------------------------- */

/* Decodes s[0..len) into a new string (*out, caller frees). The result
 * must be valid UTF-8 without NUL. */
static enum req_status
url_decode(const char *s, size_t len, int plus_is_space, char **out,
    size_t *outlen)
{
	char *d;
	size_t i, j = 0;

	*out = NULL;
	if (len == SIZE_MAX || (d = malloc(len + 1)) == NULL)
		return REQ_ENOMEM;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = str_hexval(s[i + 1])) < 0 ||
			    (lo = str_hexval(s[i + 2])) < 0)
				goto bad;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space)
			c = ' ';
		d[j++] = c;
	}
	d[j] = '\0';
	if (!str_utf8_valid(d, j))
		goto bad;
	*out = d;
	if (outlen != NULL)
		*outlen = j;
	return REQ_OK;
bad:
	free(d);
	return REQ_EBADENC;
}

char *
req_url_decode(const char *s, size_t len, int plus_is_space)
{
	char *d;

	if (url_decode(s, len, plus_is_space, &d, NULL) != REQ_OK)
		return NULL;
	return d;
}

/* --- urlencoded --------------------------------------------------------- */

/* One "k=v" or "k" pair. A pair with an empty key is skipped. */
static enum req_status
urlencoded_pair(const char *p, size_t n, struct kvlist *out)
{
	const char *eq = memchr(p, '=', n);
	size_t klen = eq ? (size_t)(eq - p) : n;
	const char *v = eq ? eq + 1 : p + n;
	size_t vlen = (size_t)(p + n - v), dklen, dvlen;
	char *key, *val;
	enum req_status rc;

	if (klen == 0)
		return REQ_OK;
	if (out->n >= REQ_MAX_PAIRS)
		return REQ_ETOOMANY;
	/* Each decoded byte takes at most three input bytes. */
	if (klen / 3 > REQ_MAX_KEY || vlen / 3 > REQ_MAX_VALUE)
		return REQ_ETOOLONG;
	if ((rc = url_decode(p, klen, 1, &key, &dklen)) != REQ_OK)
		return rc;
	if ((rc = url_decode(v, vlen, 1, &val, &dvlen)) != REQ_OK) {
		free(key);
		return rc;
	}
	if (dklen > REQ_MAX_KEY || dvlen > REQ_MAX_VALUE) {
		free(key);
		free(val);
		return REQ_ETOOLONG;
	}
	return kvlist_push(out, key, val) == 0 ? REQ_OK : REQ_ENOMEM;
}

enum req_status
req_parse_urlencoded(const char *s, size_t len, struct kvlist *out)
{
	size_t base = out->n;
	const char *p = s, *end = s + len;
	enum req_status rc = REQ_OK;

	if (s == NULL || len == 0)
		return REQ_OK;
	for (;;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;

		if (pe > p && (rc = urlencoded_pair(p, (size_t)(pe - p), out))
		    != REQ_OK)
			goto fail;
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return REQ_OK;
fail:
	kvlist_truncate(out, base);
	return rc;
}

/* --- cookies ------------------------------------------------------------ */

static int
cookie_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

static int
cookie_value_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return str_utf8_valid(v, n);
}

/* Trims spaces and tabs off both ends of [*p, *p + *n). */
static void
trim_ows(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/* One "name=value" pair; anything malformed is skipped (REQ_OK). */
static enum req_status
cookie_pair(const char *p, size_t n, struct kvlist *out)
{
	const char *eq, *v;
	size_t klen, vlen, i;
	char *key, *val;

	trim_ows(&p, &n);
	if ((eq = memchr(p, '=', n)) == NULL)
		return REQ_OK;
	klen = (size_t)(eq - p);
	v = eq + 1;
	vlen = n - klen - 1;
	trim_ows(&p, &klen);
	trim_ows(&v, &vlen);
	if (klen == 0 || klen > REQ_MAX_KEY || vlen > REQ_MAX_VALUE)
		return REQ_OK;
	for (i = 0; i < klen; i++)
		if (!cookie_name_char((unsigned char)p[i]))
			return REQ_OK;
	if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	if (!cookie_value_ok(v, vlen))
		return REQ_OK;
	key = strndup(p, klen);
	val = strndup(v, vlen);
	return kvlist_push(out, key, val) == 0 ? REQ_OK : REQ_ENOMEM;
}

/* Cookies beyond REQ_MAX_PAIRS are ignored: a crowded cookie jar set by
 * other sites on the domain must not break the request. */
enum req_status
req_parse_cookies(const char *s, struct kvlist *out)
{
	const char *p = s;

	if (s == NULL)
		return REQ_OK;
	while (*p != '\0' && out->n < REQ_MAX_PAIRS) {
		const char *semi = strchr(p, ';');
		size_t n = semi ? (size_t)(semi - p) : strlen(p);

		if (cookie_pair(p, n, out) != REQ_OK)
			return REQ_ENOMEM;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	return REQ_OK;
}

/* --- JSON --------------------------------------------------------------- */

static enum req_status
json_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return REQ_EJSON;
}

/* json-c turns "\u0000" into a NUL inside a C-string key, silently
 * cutting it; reject the escape outright. Backslashes occur only inside
 * strings, so pairing them up from the start is exact. */
static int
json_has_nul_escape(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
			return 1;
		i++;
	}
	return 0;
}

/* One key as json-c would store it: raw bytes unless escaped. NULL on
 * allocation failure. */
static char *
json_key_decode(const char *q, size_t n)
{
	struct json_tokener *tok;
	struct json_object *o;
	char *k = NULL;

	if (memchr(q, '\\', n) == NULL)
		return strndup(q + 1, n - 2);
	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, q, (int)n);
	json_tokener_free(tok);
	if (o != NULL && json_object_is_type(o, json_type_string))
		k = strdup(json_object_get_string(o));
	json_object_put(o);
	return k;
}

/* Copies key into the caller's buffer, cut on a UTF-8 boundary. */
static void
json_key_copy(char *dst, size_t dstsz, const char *key)
{
	size_t n = strlen(key);

	if (dst == NULL || dstsz == 0)
		return;
	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, key, n);
	dst[n] = '\0';
}

#define JSON_SCAN_MAX	(REQ_JSON_DEPTH + 2)

struct json_scan {
	struct json_object *keys[JSON_SCAN_MAX];	/* NULL: an array */
	int	 want_key[JSON_SCAN_MAX];
	int	 depth;
};

/* A string at s[*i] (the opening quote); a key when the innermost
 * container is an object waiting for one. 1: duplicate, 0, -1: ENOMEM. */
static int
json_scan_string(struct json_scan *sc, const char *s, size_t len, size_t *i,
    char *key, size_t keysz)
{
	size_t start = *i;
	char *k;
	int dup;

	for ((*i)++; *i < len && s[*i] != '"'; (*i)++)
		if (s[*i] == '\\')
			(*i)++;
	if (sc->depth == 0 || sc->keys[sc->depth] == NULL ||
	    !sc->want_key[sc->depth])
		return 0;
	sc->want_key[sc->depth] = 0;
	if ((k = json_key_decode(s + start, *i - start + 1)) == NULL)
		return -1;
	dup = json_object_object_get_ex(sc->keys[sc->depth], k, NULL);
	if (dup)
		json_key_copy(key, keysz, k);
	else if (json_object_object_add(sc->keys[sc->depth], k, NULL) != 0)
		dup = -1;
	free(k);
	return dup;
}

/* json-c keeps the last of two equal keys; a body that says two things
 * must not be read as one of them. Runs on text json-c has accepted in
 * strict mode, so only structure is tracked. Returns 1 and the key and
 * its offset on a duplicate, 0 without, -1 on ENOMEM. */
static int
json_find_dup_key(const char *s, size_t len, char *key, size_t keysz,
    size_t *at)
{
	struct json_scan sc;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	for (size_t i = 0; i < len && rc == 0; i++) {
		switch (s[i]) {
		case '{':
		case '[':
			if (sc.depth + 1 >= JSON_SCAN_MAX) {
				rc = -1;
				break;
			}
			sc.depth++;
			sc.want_key[sc.depth] = s[i] == '{';
			sc.keys[sc.depth] = s[i] == '{' ? json_object_new_object()
			    : NULL;
			if (s[i] == '{' && sc.keys[sc.depth] == NULL)
				rc = -1;
			break;
		case '}':
		case ']':
			json_object_put(sc.keys[sc.depth]);
			sc.keys[sc.depth--] = NULL;
			break;
		case ',':
			sc.want_key[sc.depth] = 1;
			break;
		case '"':
			*at = i;
			rc = json_scan_string(&sc, s, len, &i, key, keysz);
			break;
		}
	}
	for (; sc.depth > 0; sc.depth--)
		json_object_put(sc.keys[sc.depth]);
	return rc;
}

enum req_status
req_parse_json(const char *s, size_t len, struct json_object **out,
    char *err, size_t errsz)
{
	return req_parse_json_ex(s, len, out, err, errsz, NULL, 0);
}

enum req_status
req_parse_json_ex(const char *s, size_t len, struct json_object **out,
    char *err, size_t errsz, char *key, size_t keysz)
{
	char dup[65];	/* named in the message, so kept short */
	size_t at = 0;
	int rc;

	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error e;
	size_t end;

	*out = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (s == NULL || len == 0)
		return json_fail(err, errsz, "empty JSON body");
	if (len > INT_MAX)
		return json_fail(err, errsz, "JSON body too large");
	if (!str_utf8_valid(s, len))
		return json_fail(err, errsz, "JSON body is not valid UTF-8");
	if (json_has_nul_escape(s, len))
		return json_fail(err, errsz, "JSON strings must not contain \\u0000");
	/* json-c's depth counts one more than the container levels allowed. */
	if ((tok = json_tokener_new_ex(REQ_JSON_DEPTH + 1)) == NULL)
		return REQ_ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL) {
		if (e == json_tokener_continue)
			return json_fail(err, errsz, "unexpected end of JSON");
		return json_fail(err, errsz, "invalid JSON at offset %zu: %s",
		    end, json_tokener_error_desc(e));
	}
	for (; end < len; end++) {
		if (strchr(" \t\r\n", s[end]) == NULL) {
			json_object_put(o);
			return json_fail(err, errsz,
			    "unexpected data after JSON at offset %zu", end);
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return json_fail(err, errsz, "JSON body must be an object");
	}
	if ((rc = json_find_dup_key(s, len, dup, sizeof(dup), &at)) != 0) {
		json_object_put(o);
		if (rc < 0)
			return REQ_ENOMEM;
		json_key_copy(key, keysz, dup);
		return json_fail(err, errsz, "duplicate key \"%s\" at offset "
		    "%zu", dup, at);
	}
	*out = o;
	return REQ_OK;
}

/* The string form of one scalar, or NULL to skip it. json-c clamps
 * integers that overflow to these bounds, so they are refused. */
static enum req_status
json_scalar(struct json_object *v, const char **s, size_t *n)
{
	*s = NULL;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		*s = json_object_get_boolean(v) ? "1" : "0";
		break;
	case json_type_int:
		if (json_object_get_int64(v) == INT64_MIN ||
		    json_object_get_uint64(v) == UINT64_MAX)
			return REQ_EJSON;
		*s = json_object_get_string(v);
		break;
	case json_type_double:
		*s = json_object_get_string(v);
		break;
	case json_type_string:
		*s = json_object_get_string(v);
		*n = (size_t)json_object_get_string_len(v);
		return *s != NULL && str_utf8_valid(*s, *n) ? REQ_OK
		    : REQ_EBADENC;
	default:
		return REQ_OK;
	}
	if (*s == NULL)
		return REQ_ENOMEM;
	*n = strlen(*s);
	return REQ_OK;
}

static enum req_status
json_pair(const char *key, struct json_object *v, struct kvlist *out)
{
	const char *s;
	size_t klen = strlen(key), n = 0;
	enum req_status rc;

	if ((rc = json_scalar(v, &s, &n)) != REQ_OK || s == NULL)
		return rc;
	if (klen == 0)
		return REQ_OK;
	if (!str_utf8_valid(key, klen))
		return REQ_EBADENC;
	if (klen > REQ_MAX_KEY || n > REQ_MAX_VALUE)
		return REQ_ETOOLONG;
	if (out->n >= REQ_MAX_PAIRS)
		return REQ_ETOOMANY;
	return kvlist_push(out, strndup(key, klen), strndup(s, n)) == 0 ?
	    REQ_OK : REQ_ENOMEM;
}

enum req_status
req_json_to_kv(struct json_object *o, struct kvlist *out)
{
	size_t base = out->n;
	enum req_status rc = REQ_OK;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return REQ_EJSON;
	json_object_object_foreach(o, key, v) {
		if ((rc = json_pair(key, v, out)) != REQ_OK) {
			kvlist_truncate(out, base);
			return rc;
		}
	}
	return REQ_OK;
}
