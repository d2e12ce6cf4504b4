/* Method + path matching over a caller's route table. The path is
 * checked once (length, encoding, dot segments); then each pattern is
 * compared segment by segment. */
#include "common.h"
#include "req.h"
#include "router.h"
#include "str.h"

static const struct route_pattern *
route_at(const void *table, size_t stride, size_t i)
{
	return (const struct route_pattern *)
	    (const void *)((const char *)table + i * stride);
}

/* Every segment must percent-decode to valid UTF-8 without NUL and must
 * not be "." or "..", whether written plainly or encoded. */
static int
path_ok(const char *path)
{
	const char *seg, *end;
	size_t len;

	if (path == NULL || path[0] != '/')
		return 0;
	len = strnlen(path, ROUTER_MAX_PATH + 1);
	if (len > ROUTER_MAX_PATH)
		return 0;
	for (seg = path + 1; ; seg = end + 1) {
		char *d;
		int dots;

		end = strchr(seg, '/');
		if (end == NULL)
			end = path + len;
		if ((d = req_url_decode(seg, (size_t)(end - seg), 0)) == NULL)
			return 0;
		dots = strcmp(d, ".") == 0 || strcmp(d, "..") == 0;
		free(d);
		if (dots)
			return 0;
		if (*end == '\0')
			return 1;
	}
}

static void
params_free(struct route_match *m)
{
	for (size_t i = 0; i < m->nparams; i++)
		free(m->params[i].value);
	m->nparams = 0;
}

/* Adds a decoded parameter; 0 when the value may not be one (a decoded
 * ":name" must stay one segment), -1 on ENOMEM. */
static int
param_add(struct route_match *m, const char *name, size_t namelen,
    const char *raw, size_t rawlen, int one_segment)
{
	struct route_param *p;
	char *v;

	if (m->nparams >= ROUTER_MAX_PARAMS)
		return 0;
	if ((v = req_url_decode(raw, rawlen, 0)) == NULL)
		return -1;
	if (one_segment && strchr(v, '/') != NULL) {
		free(v);
		return 0;
	}
	p = &m->params[m->nparams++];
	p->name = name;
	p->namelen = namelen;
	p->value = v;
	return 1;
}

/* 1 when path matches pattern (params filled), 0 when not, -1 on ENOMEM.
 * Both start with '/'; segments are compared one at a time. */
static int
pattern_match(const char *pat, const char *path, struct route_match *m)
{
	int rc;

	for (;;) {
		const char *pe, *se;
		size_t plen, slen;

		if (*pat != '/' || *path != '/')
			return 0;
		pat++;
		path++;
		if (strcmp(pat, "*") == 0)
			return param_add(m, pat, 1, path, strlen(path), 0);
		pe = strchrnul(pat, '/');
		se = strchrnul(path, '/');
		plen = (size_t)(pe - pat);
		slen = (size_t)(se - path);
		if (pat[0] == ':') {
			if (slen == 0)
				return 0;
			rc = param_add(m, pat + 1, plen - 1, path, slen, 1);
			if (rc != 1)
				return rc;
		} else if (plen != slen || memcmp(pat, path, plen) != 0)
			return 0;
		if (*pe == '\0' || *se == '\0')
			return *pe == *se;
		pat = pe;
		path = se;
	}
}

/* Appends method to the Allow list unless present or out of room. */
static void
allow_add(char *allow, size_t sz, const char *method)
{
	size_t len = strlen(allow), mlen = strlen(method);
	const char *p;

	for (p = allow; (p = strstr(p, method)) != NULL; p += mlen)
		if ((p == allow || p[-1] == ' ') &&
		    (p[mlen] == ',' || p[mlen] == '\0'))
			return;
	if (len + (len ? 2 : 0) + mlen + 1 > sz)
		return;
	str_fmt(allow + len, sz - len, "%s%s", len ? ", " : "", method);
}

static int
method_matches(const char *route, const char *method)
{
	return strcmp(route, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(route, "GET") == 0);
}

enum route_result
router_match(const void *table, size_t n, size_t stride, const char *method,
    const char *path, struct route_match *m)
{
	int path_found = 0;

	memset(m, 0, sizeof(*m));
	if (!path_ok(path))
		return ROUTE_BAD_PATH;
	if (method == NULL)
		method = "";
	for (size_t i = 0; i < n; i++) {
		const struct route_pattern *r = route_at(table, stride, i);
		int rc;

		if (r->pattern == NULL || r->method == NULL)
			continue;
		rc = pattern_match(r->pattern, path, m);
		if (rc == 1 && method_matches(r->method, method)) {
			m->index = i;
			return ROUTE_FOUND;
		}
		params_free(m);
		if (rc == -1)
			return ROUTE_BAD_PATH;
		if (rc == 0)
			continue;
		path_found = 1;
		allow_add(m->allow, sizeof(m->allow), r->method);
		if (strcmp(r->method, "GET") == 0)
			allow_add(m->allow, sizeof(m->allow), "HEAD");
	}
	return path_found ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

const char *
route_param(const struct route_match *m, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i].namelen == len &&
		    memcmp(m->params[i].name, name, len) == 0)
			return m->params[i].value;
	return NULL;
}

void
route_match_free(struct route_match *m)
{
	params_free(m);
}
