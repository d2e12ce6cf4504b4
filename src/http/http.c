#include "common.h"

#include <fcgiapp.h>
#include <json-c/json.h>

#include "crypto.h"
#include "http.h"
#include "str.h"

static const char *
param(FCGX_Request *r, const char *name)
{
	const char *v = FCGX_GetParam(name, r->envp);

	return v ? v : "";
}

static int
read_body(struct http_req *q, FCGX_Request *r, size_t max_body)
{
	int64_t clen = 0;
	char chunk[8192];
	int n;

	if (*param(r, "CONTENT_LENGTH") != '\0' &&
	    str_to_i64(param(r, "CONTENT_LENGTH"), 0, INT64_MAX, &clen) == -1)
		return HTTP_PARSE_BAD;
	if ((uint64_t)clen > max_body)
		return HTTP_PARSE_TOO_LARGE;
	buf_init(&q->body, max_body);
	while (clen > 0 && (n = FCGX_GetStr(chunk,
	    clen < (int64_t)sizeof(chunk) ? (int)clen : (int)sizeof(chunk),
	    r->in)) > 0) {
		if (buf_append(&q->body, chunk, (size_t)n) == -1)
			return HTTP_PARSE_TOO_LARGE;
		clen -= n;
	}
	return HTTP_PARSE_OK;
}

static int
is_type(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' ||
	    ct[n] == ' ');
}

static const char *
json_kv_reason(enum req_status rc)
{
	switch (rc) {
	case REQ_EJSON:
		return "a number is out of range";
	case REQ_ETOOLONG:
		return "a key or value is too long";
	case REQ_ETOOMANY:
		return "too many fields";
	case REQ_EBADENC:
		return "a value is not valid UTF-8";
	default:
		return "";
	}
}

enum http_parse
http_req_read(struct http_req *q, FCGX_Request *r, size_t max_body)
{
	const char *uri, *qm;
	unsigned char rnd[8];
	int rc;

	memset(q, 0, sizeof(*q));
	kvlist_init(&q->query_kv);
	kvlist_init(&q->form);
	kvlist_init(&q->cookies);
	buf_init(&q->body, max_body);
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), q->reqid);
	q->method = param(r, "REQUEST_METHOD");
	q->remote_addr = param(r, "REMOTE_ADDR");
	q->user_agent = param(r, "HTTP_USER_AGENT");
	q->content_type = param(r, "CONTENT_TYPE");
	q->authorization = param(r, "HTTP_AUTHORIZATION");
	q->idempotency_key = param(r, "HTTP_IDEMPOTENCY_KEY");
	q->stripe_signature = param(r, "HTTP_STRIPE_SIGNATURE");
	q->https = str_ieq(param(r, "HTTPS"), "on");
	uri = param(r, "REQUEST_URI");
	if (*uri == '\0')
		uri = param(r, "DOCUMENT_URI");
	if ((qm = strchr(uri, '?')) != NULL) {
		q->pathbuf = strndup(uri, (size_t)(qm - uri));
		q->query = qm + 1;
	} else {
		q->pathbuf = strdup(uri);
		q->query = "";
	}
	if (q->pathbuf == NULL)
		return HTTP_PARSE_BAD;
	q->path = *q->pathbuf ? q->pathbuf : "/";
	req_parse_cookies(param(r, "HTTP_COOKIE"), &q->cookies);
	if (req_parse_urlencoded(q->query, strlen(q->query), &q->query_kv) != REQ_OK)
		return HTTP_PARSE_BAD;
	if ((rc = read_body(q, r, max_body)) != HTTP_PARSE_OK)
		return rc;
	if (q->body.len == 0)
		return HTTP_PARSE_OK;
	if (is_type(q->content_type, "application/x-www-form-urlencoded")) {
		if (req_parse_urlencoded(q->body.data, q->body.len, &q->form) != REQ_OK)
			return HTTP_PARSE_BAD;
	} else if (is_type(q->content_type, "multipart/form-data")) {
		if (req_parse_multipart(q->body.data, q->body.len, q->content_type,
		    &q->form, &q->upload) != REQ_OK)
			return HTTP_PARSE_BAD;
	} else if (is_type(q->content_type, "application/json")) {
		if (req_parse_json_ex(q->body.data, q->body.len, &q->json,
		    q->body_err, sizeof(q->body_err), q->body_key,
		    sizeof(q->body_key)) != REQ_OK)
			return HTTP_PARSE_BAD;
		if ((rc = req_json_to_kv(q->json, &q->form)) != REQ_OK) {
			snprintf(q->body_err, sizeof(q->body_err), "%s",
			    json_kv_reason(rc));
			return HTTP_PARSE_BAD;
		}
	}
	return HTTP_PARSE_OK;
}

void
http_req_free(struct http_req *q)
{
	kvlist_free(&q->query_kv);
	kvlist_free(&q->form);
	kvlist_free(&q->cookies);
	buf_free(&q->body);
	if (q->json != NULL)
		json_object_put(q->json);
	free(q->pathbuf);
	q->pathbuf = NULL;
	q->json = NULL;
}

const char *
http_cookie(const struct http_req *q, const char *name)
{
	return kvlist_get(&q->cookies, name);
}

void
http_resp_init(struct http_resp *p)
{
	memset(p, 0, sizeof(*p));
	p->status = 200;
	p->content_type = "text/html; charset=utf-8";
	buf_init(&p->headers, 64 * 1024);
	buf_init(&p->body, 16u * 1024 * 1024);
}

void
http_resp_free(struct http_resp *p)
{
	buf_free(&p->headers);
	buf_free(&p->body);
}

int
http_header(struct http_resp *p, const char *name, const char *value)
{
	/* Header injection guard: values never carry CR/LF. */
	if (strpbrk(value, "\r\n") != NULL || strpbrk(name, "\r\n: ") != NULL)
		return -1;
	return buf_printf(&p->headers, "%s: %s\r\n", name, value);
}

int
http_cookie_set(struct http_resp *p, const char *name, const char *value,
    int64_t max_age, int secure)
{
	char v[512], age[48] = "";

	if (max_age >= 0)
		str_fmt(age, sizeof(age), "; Max-Age=%" PRId64, max_age);
	if (str_fmt(v, sizeof(v), "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s",
	    name, value, age, secure ? "; Secure" : "") == -1)
		return -1;
	return http_header(p, "Set-Cookie", v);
}

void
http_redirect(struct http_resp *p, int status, const char *location)
{
	p->status = status;
	http_header(p, "Location", location);
	buf_reset(&p->body);
}

static const struct {
	int		 code;
	const char	*text;
} statuses[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 410, "Gone" }, { 413, "Payload Too Large" },
	{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
};

const char *
http_status_text(int status)
{
	for (size_t i = 0; i < ARRAY_LEN(statuses); i++)
		if (statuses[i].code == status)
			return statuses[i].text;
	return "Unknown";
}

int
http_resp_write(struct http_resp *p, FCGX_Request *r, const char *csp, int head)
{
	struct buf h;
	int rc = 0;

	buf_init(&h, 128 * 1024);
	if (buf_printf(&h,
	    "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Content-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "%s%s\r\n",
	    p->status, http_status_text(p->status), p->content_type,
	    p->body.len, csp,
	    p->no_store ? "Cache-Control: no-store\r\n" : "",
	    buf_cstr(&p->headers)) == -1)
		rc = -1;
	else if (FCGX_PutStr(h.data, (int)h.len, r->out) < 0)
		rc = -1;
	else if (!head && p->body.len &&
	    FCGX_PutStr(p->body.data, (int)p->body.len, r->out) < 0)
		rc = -1;
	buf_free(&h);
	return rc;
}
