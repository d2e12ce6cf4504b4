/* Stripe REST client: one curl handle, form-encoded requests, bounded
 * responses, retries with the same Idempotency-Key (see stripe.h). */
#include "common.h"

#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "kv.h"
#include "str.h"
#include "stripe.h"

#define STRIPE_URL_MAX		2048
#define STRIPE_USER_AGENT	"billingd-stripe/1"

enum stripe_method {
	METHOD_GET,
	METHOD_POST,
	METHOD_DELETE,
	METHOD__MAX
};

static const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_POST] = "POST",
	[METHOD_DELETE] = "DELETE",
};

/* curl failures worth another attempt: the request may not have arrived,
 * or the answer was lost (the Idempotency-Key makes a repeat safe). */
static const CURLcode retry_codes[] = {
	CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
	CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
	CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR,
};

/* One attempt's answer, filled by the curl callbacks. */
struct stripe_attempt {
	struct buf	 body;
	int		 too_large;
	int		 should_retry;	/* Stripe-Should-Retry: -1 absent, 0, 1 */
	char		 request_id[64];
	char		 errbuf[CURL_ERROR_SIZE];
};

struct stripe_client *
stripe_client_new(const struct config *cfg)
{
	struct stripe_client *c;
	const char *key;
	size_t n;

	if (cfg->stripe_api_base == NULL || cfg->stripe_api_base[0] == '\0')
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	key = cfg->stripe_secret_key != NULL && cfg->stripe_secret_key[0] != '\0'
	    ? cfg->stripe_secret_key : STRIPE_SANDBOX_SECRET_KEY;
	c->base = str_dup(cfg->stripe_api_base);
	c->secret_key = str_dup(key);
	if (c->base == NULL || c->secret_key == NULL ||
	    (c->curl = curl_easy_init()) == NULL)
		goto fail;
	n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->timeout_ms = (cfg->stripe_timeout > 0 ? cfg->stripe_timeout : 30) * 1000L;
	c->connect_timeout_ms = c->timeout_ms < 10000 ? c->timeout_ms : 10000;
	c->max_retries = 2;
	c->backoff_ms = 500;
	c->backoff_max_ms = 2000;
	c->max_response = STRIPE_RESPONSE_MAX;
	return c;
fail:
	stripe_client_free(c);
	return NULL;
}

void
stripe_client_free(struct stripe_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	free(c->base);
	if (c->secret_key != NULL) {
		explicit_bzero(c->secret_key, strlen(c->secret_key));
		free(c->secret_key);
	}
	free(c);
}

/* --- form encoding ------------------------------------------------------- */

static int
form_escape(struct buf *out, const char *s, int is_key)
{
	static const char hx[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL ||
		    (is_key && (*p == '[' || *p == ']'));
		char esc[3] = { '%', hx[*p >> 4], hx[*p & 15] };

		if (keep ? buf_putc(out, (char)*p) : buf_append(out, esc, 3))
			return -1;
	}
	return 0;
}

int
stripe_form_encode(const struct kvlist *l, struct buf *out)
{
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		if (l->v[i].key == NULL || l->v[i].key[0] == '\0' ||
		    l->v[i].val == NULL)
			return -1;
		if ((i > 0 && buf_putc(out, '&') == -1) ||
		    form_escape(out, l->v[i].key, 1) == -1 ||
		    buf_putc(out, '=') == -1 ||
		    form_escape(out, l->v[i].val, 0) == -1)
			return -1;
	}
	return 0;
}

/* --- request validation ---------------------------------------------------- */

static int
path_ok(const char *path)
{
	if (path == NULL || !str_starts(path, "/v1/") || strstr(path, "..") ||
	    strlen(path) > 512)
		return 0;
	for (const char *p = path; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("_./-", *p) != NULL))
			return 0;
	return 1;
}

/* Printable ASCII only: the key goes into a header line. */
static int
idempotency_key_ok(const char *key)
{
	size_t n;

	if (key == NULL || (n = strlen(key)) == 0 || n > STRIPE_IDEMPOTENCY_MAX)
		return 0;
	for (const char *p = key; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return 0;
	return 1;
}

static int
usage_error(struct stripe_result *r, const char *msg)
{
	r->status = STRIPE_ERR_USAGE;
	(void)str_copy(r->message, sizeof(r->message), msg);
	log_warn("stripe: request refused: %s", msg);
	return -1;
}

/* --- curl callbacks -------------------------------------------------------- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stripe_attempt *a = arg;
	size_t n = size * nmemb;

	if (buf_append(&a->body, data, n) == -1) {
		a->too_large = 1;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

/* Copies the value of "Name: value\r\n" if line is that header. */
static int
header_value(const char *line, size_t n, const char *name, char *dst,
    size_t dstsz)
{
	size_t nl = strlen(name), i, j;

	if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return 0;
	for (i = nl + 1; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (j = n; j > i && strchr(" \t\r\n", line[j - 1]) != NULL; j--)
		;
	if (j - i >= dstsz)
		j = i + dstsz - 1;
	memcpy(dst, line + i, j - i);
	dst[j - i] = '\0';
	return 1;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stripe_attempt *a = arg;
	size_t n = size * nmemb;
	char v[16];

	(void)header_value(data, n, "Request-Id", a->request_id,
	    sizeof(a->request_id));
	if (header_value(data, n, "Stripe-Should-Retry", v, sizeof(v)))
		a->should_retry = strcmp(v, "true") == 0;
	return n;
}

/* --- one attempt ---------------------------------------------------------- */

/* The handle h set for one attempt (a gets the answer). */
static void
attempt_setup(const struct stripe_client *c, CURL *h, enum stripe_method m,
    const char *url, const struct buf *form, struct curl_slist *hdrs,
    struct stripe_attempt *a)
{
	buf_reset(&a->body);
	a->too_large = 0;
	a->should_retry = -1;
	a->request_id[0] = a->errbuf[0] = '\0';
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, c->secret_key);
	curl_easy_setopt(h, CURLOPT_PASSWORD, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, STRIPE_USER_AGENT);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->errbuf);
	if (m == METHOD_POST) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form->len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, buf_cstr(form));
	} else if (m == METHOD_DELETE)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
}

static CURLcode
attempt_run(struct stripe_client *c, enum stripe_method m, const char *url,
    const struct buf *form, struct curl_slist *hdrs, struct stripe_attempt *a,
    long *http_status)
{
	CURL *h = c->curl;
	CURLcode rc;

	*http_status = 0;
	attempt_setup(c, h, m, url, form, hdrs, a);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http_status);
	return rc;
}

static int
retryable(CURLcode rc, long status, const struct stripe_attempt *a)
{
	if (rc != CURLE_OK) {
		for (size_t i = 0; i < ARRAY_LEN(retry_codes); i++)
			if (retry_codes[i] == rc)
				return 1;
		return 0;
	}
	if (a->should_retry >= 0)
		return a->should_retry;
	return status == 429 || status >= 500;
}

static void
backoff_sleep(const struct stripe_client *c, int retry)
{
	long ms = c->backoff_ms;
	struct timespec ts;

	for (int i = 1; i < retry && ms < c->backoff_max_ms; i++)
		ms *= 2;
	if (ms > c->backoff_max_ms)
		ms = c->backoff_max_ms;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Turns the last attempt into the result, and logs failures (codes only:
 * never the key, the body or anything a client typed). */
static int
request_finish(struct stripe_result *r, enum stripe_method m,
    const char *path, CURLcode rc, long status, struct stripe_attempt *a)
{
	(void)str_copy(r->request_id, sizeof(r->request_id), a->request_id);
	if (a->too_large) {
		r->status = STRIPE_ERR_RESPONSE;
		r->http_status = status;
		(void)str_copy(r->message, sizeof(r->message),
		    "response from Stripe too large");
	} else if (rc != CURLE_OK) {
		r->status = STRIPE_ERR_NETWORK;
		(void)str_copy(r->type, sizeof(r->type), "api_connection_error");
		(void)str_copy(r->message, sizeof(r->message),
		    a->errbuf[0] ? a->errbuf : curl_easy_strerror(rc));
	} else if (stripe_result_parse(r, status, a->body.data,
	    a->body.len) == 0)
		return 0;
	/* Stripe's own message is not logged: it may echo what was sent. */
	log_warn("stripe: %s %s: %s status=%ld type=%s code=%s decline_code=%s "
	    "param=%s request_id=%s attempts=%d", method_names[m], path,
	    r->status == STRIPE_ERR_API ? "error" : r->message, r->http_status,
	    r->type, r->code, r->decline_code, r->param, r->request_id,
	    r->attempts);
	return -1;
}

static int
request_headers(const char *idem, struct curl_slist **out)
{
	char line[64 + STRIPE_IDEMPOTENCY_MAX];
	struct curl_slist *l = NULL, *n;
	const char *fixed[] = {
		"Stripe-Version: " STRIPE_API_VERSION,
		"Accept: application/json",
		"Expect:",	/* no 100-continue round trip */
	};

	for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
		if ((n = curl_slist_append(l, fixed[i])) == NULL)
			goto fail;
		l = n;
	}
	if (idem != NULL) {
		if (str_fmt(line, sizeof(line), "Idempotency-Key: %s", idem) == -1 ||
		    (n = curl_slist_append(l, line)) == NULL)
			goto fail;
		l = n;
	}
	*out = l;
	return 0;
fail:
	curl_slist_free_all(l);
	return -1;
}

static int
stripe_request(struct stripe_client *c, enum stripe_method m,
    const char *path, const struct kvlist *params, const char *idem,
    struct stripe_result *r)
{
	struct stripe_attempt a;
	struct curl_slist *hdrs = NULL;
	struct buf form, url;
	long status = 0;
	CURLcode rc = CURLE_OK;
	int ret = -1;

	stripe_result_init(r);
	if (c == NULL || !path_ok(path))
		return usage_error(r, "bad Stripe API path");
	if (m == METHOD_POST && !idempotency_key_ok(idem))
		return usage_error(r, "POST to Stripe needs a valid Idempotency-Key");
	memset(&a, 0, sizeof(a));
	buf_init(&a.body, c->max_response);
	buf_init(&form, STRIPE_FORM_MAX);
	buf_init(&url, STRIPE_URL_MAX + STRIPE_FORM_MAX);
	if (stripe_form_encode(params, &form) == -1 ||
	    buf_printf(&url, "%s%s", c->base, path) == -1 ||
	    (m != METHOD_POST && form.len > 0 &&
	    buf_printf(&url, "?%s", buf_cstr(&form)) == -1) ||
	    request_headers(m == METHOD_POST ? idem : NULL, &hdrs) == -1) {
		ret = usage_error(r, "Stripe request too large or out of memory");
		goto done;
	}
	for (;;) {
		r->attempts++;
		rc = attempt_run(c, m, buf_cstr(&url), &form, hdrs, &a, &status);
		if (a.too_large || r->attempts > c->max_retries ||
		    !retryable(rc, status, &a))
			break;
		if (rc != CURLE_OK)
			log_warn("stripe: %s %s: %s, retry %d of %d",
			    method_names[m], path, curl_easy_strerror(rc),
			    r->attempts, c->max_retries);
		else
			log_warn("stripe: %s %s: HTTP %ld, retry %d of %d",
			    method_names[m], path, status, r->attempts,
			    c->max_retries);
		backoff_sleep(c, r->attempts);
	}
	ret = request_finish(r, m, path, rc, status, &a);
done:
	curl_slist_free_all(hdrs);
	buf_free(&a.body);
	buf_free(&form);
	buf_free(&url);
	return ret;
}

int
stripe_post(struct stripe_client *c, const char *path,
    const struct kvlist *params, const char *idempotency_key,
    struct stripe_result *r)
{
	return stripe_request(c, METHOD_POST, path, params, idempotency_key, r);
}

int
stripe_get(struct stripe_client *c, const char *path,
    const struct kvlist *params, struct stripe_result *r)
{
	return stripe_request(c, METHOD_GET, path, params, NULL, r);
}

int
stripe_delete(struct stripe_client *c, const char *path,
    struct stripe_result *r)
{
	return stripe_request(c, METHOD_DELETE, path, NULL, NULL, r);
}

/* --- several GETs at once ---------------------------------------------------- */

/* One GET of stripe_get_many. */
struct stripe_one {
	CURL			*h;
	struct stripe_attempt	 a;
	struct buf		 url;
	CURLcode		 rc;
};

/* Adds GET path to the client's multi handle as o. 0 / -1. */
static int
one_start(struct stripe_client *c, const char *path, struct curl_slist *hdrs,
    struct stripe_one *o)
{
	buf_init(&o->a.body, c->max_response);
	buf_init(&o->url, STRIPE_URL_MAX);
	o->rc = CURLE_OPERATION_TIMEDOUT;	/* until curl says it is done */
	if (!path_ok(path) || buf_printf(&o->url, "%s%s", c->base, path) == -1 ||
	    (o->h = curl_easy_init()) == NULL)
		return -1;
	attempt_setup(c, o->h, METHOD_GET, buf_cstr(&o->url), NULL, hdrs, &o->a);
	if (curl_multi_add_handle(c->multi, o->h) != CURLM_OK) {
		curl_easy_cleanup(o->h);
		o->h = NULL;
		return -1;
	}
	return 0;
}

/* Runs the multi handle until every transfer is done (each has its own
 * timeout), recording each one's curl code. */
static void
many_run(struct stripe_client *c, struct stripe_one *o, size_t n)
{
	CURLMsg *msg;
	CURLMcode mc;
	int running = 1, left;

	do {
		mc = curl_multi_perform(c->multi, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
	} while (mc == CURLM_OK && running);
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL)
		for (size_t i = 0; msg->msg == CURLMSG_DONE && i < n; i++)
			if (o[i].h == msg->easy_handle)
				o[i].rc = msg->data.result;
}

int
stripe_get_many(struct stripe_client *c, const char *const *paths, size_t n,
    struct stripe_result *r)
{
	struct stripe_one *o = calloc(n ? n : 1, sizeof(*o));
	struct curl_slist *hdrs = NULL;
	long status;
	int ok = 0;

	for (size_t i = 0; i < n; i++)
		stripe_result_init(&r[i]);
	if (c != NULL && c->multi == NULL)
		c->multi = curl_multi_init();
	if (o == NULL || c == NULL || c->multi == NULL ||
	    request_headers(NULL, &hdrs) == -1)
		n = 0;
	for (size_t i = 0; i < n; i++)
		if (one_start(c, paths[i], hdrs, &o[i]) == -1)
			(void)usage_error(&r[i], "bad Stripe API path");
	if (n > 0)
		many_run(c, o, n);
	for (size_t i = 0; i < n; i++) {
		if (o[i].h == NULL)
			continue;
		status = 0;
		curl_easy_getinfo(o[i].h, CURLINFO_RESPONSE_CODE, &status);
		r[i].attempts = 1;
		ok += request_finish(&r[i], METHOD_GET, paths[i], o[i].rc, status,
		    &o[i].a) == 0;
		curl_multi_remove_handle(c->multi, o[i].h);
		curl_easy_cleanup(o[i].h);
	}
	for (size_t i = 0; o != NULL && i < n; i++) {
		buf_free(&o[i].a.body);
		buf_free(&o[i].url);
	}
	curl_slist_free_all(hdrs);
	free(o);
	return ok;
}
