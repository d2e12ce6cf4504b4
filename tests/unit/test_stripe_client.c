/* Unit tests: the Stripe REST client (authentication, form encoding,
 * retries with the same Idempotency-Key, bounds, refusals, typed calls)
 * against a small HTTP server forked by the test. */
#include "common.h"

#include <check.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "cfg.h"
#include "req.h"
#include "str.h"
#include "stripe.h"
#include "stripe_event.h"
#include "stripe_sig.h"

#define MSG_FUNDS	"The card has insufficient funds. Try a smaller amount or a different card."
#define MSG_PROCESSING	"A temporary processing error occurred. Wait a moment and try again."

/* --- a small HTTP server for the client ----------------------------------- */

/* The child answers by path; state (hits, keys seen) lives in the child. */
struct srv_state {
	int	 hits;
	int	 nkeys;
	char	 keys[32][300];
	int	 path_hits[8];
};

struct srv {
	pid_t	 pid;
	int	 port;
};

struct http_req {
	char	 method[16];
	char	 path[512];
	char	 query[1024];
	char	 auth[256];
	char	 idem[300];
	char	 version[64];
	char	 ctype[128];
	char	*body;
	size_t	 body_len;
};

static void
srv_send(int fd, int status, const char *extra_hdrs, const char *body,
    size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nRequest-Id: req_test1\r\n"
	    "Connection: close\r\n%s\r\n", status, len, extra_hdrs);
	const char *parts[2] = { head, body };
	size_t lens[2] = { (size_t)n, len };

	for (int i = 0; i < 2; i++) {
		size_t off = 0;

		while (off < lens[i]) {
			ssize_t w = write(fd, parts[i] + off, lens[i] - off);

			if (w <= 0)
				return;
			off += (size_t)w;
		}
	}
}

static void
srv_json(int fd, int status, const char *extra_hdrs, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	srv_send(fd, status, extra_hdrs, s, strlen(s));
	json_object_put(o);
}

static void
hdr_copy(const char *line, const char *name, char *dst, size_t dstsz)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
		line += n + 1;
		while (*line == ' ')
			line++;
		(void)str_copy(dst, dstsz, line);
	}
}

/* Reads one request into rq (head parsed, body malloc'd). 0 / -1. */
static int
srv_read(int fd, struct http_req *rq)
{
	static char buf[512 * 1024];
	size_t len = 0, clen = 0, hlen;
	char *end, *line, *next, *q;
	ssize_t n;

	memset(rq, 0, sizeof(*rq));
	for (;;) {
		if (len + 1 >= sizeof(buf))
			return -1;
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	*end = '\0';
	hlen = (size_t)(end - buf) + 4;
	for (line = buf; line != NULL; line = next) {
		if ((next = strstr(line, "\r\n")) != NULL) {
			*next = '\0';
			next += 2;
		}
		if (line == buf) {
			if (sscanf(line, "%15s %511s", rq->method, rq->path) != 2)
				return -1;
			continue;
		}
		hdr_copy(line, "Authorization", rq->auth, sizeof(rq->auth));
		hdr_copy(line, "Idempotency-Key", rq->idem, sizeof(rq->idem));
		hdr_copy(line, "Stripe-Version", rq->version, sizeof(rq->version));
		hdr_copy(line, "Content-Type", rq->ctype, sizeof(rq->ctype));
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoul(line + 15, NULL, 10);
	}
	if ((q = strchr(rq->path, '?')) != NULL) {
		*q = '\0';
		(void)str_copy(rq->query, sizeof(rq->query), q + 1);
	}
	if (clen > sizeof(buf) - hlen - 1)
		return -1;
	while (len < hlen + clen) {
		if ((n = read(fd, buf + len, hlen + clen - len)) <= 0)
			return -1;
		len += (size_t)n;
	}
	if ((rq->body = malloc(clen + 1)) == NULL)
		return -1;
	memcpy(rq->body, buf + hlen, clen);
	rq->body[clen] = '\0';
	rq->body_len = clen;
	return 0;
}

static struct json_object *
srv_error(const char *type, const char *code, const char *decline)
{
	struct json_object *o = json_object_new_object(),
	    *e = json_object_new_object();

	json_object_object_add(e, "type", json_object_new_string(type));
	if (code)
		json_object_object_add(e, "code", json_object_new_string(code));
	if (decline)
		json_object_object_add(e, "decline_code",
		    json_object_new_string(decline));
	json_object_object_add(e, "message", json_object_new_string("nope"));
	json_object_object_add(o, "error", e);
	return o;
}

static struct json_object *
srv_echo(const struct http_req *rq)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "object", json_object_new_string("echo"));
	json_object_object_add(o, "method", json_object_new_string(rq->method));
	json_object_object_add(o, "path", json_object_new_string(rq->path));
	json_object_object_add(o, "query", json_object_new_string(rq->query));
	json_object_object_add(o, "authorization",
	    json_object_new_string(rq->auth));
	json_object_object_add(o, "idempotency_key",
	    json_object_new_string(rq->idem));
	json_object_object_add(o, "stripe_version",
	    json_object_new_string(rq->version));
	json_object_object_add(o, "content_type",
	    json_object_new_string(rq->ctype));
	json_object_object_add(o, "body", json_object_new_string_len(rq->body,
	    (int)rq->body_len));
	return o;
}

static struct json_object *
srv_hits(const struct srv_state *st)
{
	struct json_object *o = json_object_new_object(),
	    *keys = json_object_new_array();

	for (int i = 0; i < st->nkeys; i++)
		json_object_array_add(keys, json_object_new_string(st->keys[i]));
	json_object_object_add(o, "hits", json_object_new_int(st->hits));
	json_object_object_add(o, "keys", keys);
	return o;
}

/* Paths whose answer depends on how often they were hit. */
enum srv_path {
	SRV_FAIL_ONCE,		/* 500, then echo */
	SRV_LIMIT_ONCE,		/* 429, then echo */
	SRV_ALWAYS_503,
	SRV_NO_RETRY_503,	/* 503 with Stripe-Should-Retry: false */
	SRV_DECLINE,		/* 402 insufficient funds */
	SRV_BIG,		/* 2 MiB body */
	SRV_NOT_JSON,		/* 200 with HTML */
	SRV__MAX
};

static const char *const srv_paths[SRV__MAX] = {
	[SRV_FAIL_ONCE] = "/v1/fail_once",
	[SRV_LIMIT_ONCE] = "/v1/limit_once",
	[SRV_ALWAYS_503] = "/v1/always_503",
	[SRV_NO_RETRY_503] = "/v1/no_retry_503",
	[SRV_DECLINE] = "/v1/decline",
	[SRV_BIG] = "/v1/big",
	[SRV_NOT_JSON] = "/v1/not_json",
};

static void
srv_big(int fd)
{
	size_t n = 2u * 1024 * 1024;
	char *s = malloc(n);

	if (s == NULL)
		return;
	memset(s, ' ', n);
	memcpy(s, "{\"pad\":\"", 8);
	memcpy(s + n - 2, "\"}", 2);
	srv_send(fd, 200, "", s, n);
	free(s);
}

static void
srv_answer(int fd, const struct http_req *rq, struct srv_state *st)
{
	int p, first;

	if (strcmp(rq->path, "/v1/hits") == 0) {
		srv_json(fd, 200, "", srv_hits(st));
		return;
	}
	st->hits++;
	if (st->nkeys < 32)
		(void)str_copy(st->keys[st->nkeys++], sizeof(st->keys[0]), rq->idem);
	for (p = 0; p < SRV__MAX && strcmp(rq->path, srv_paths[p]) != 0; p++)
		;
	first = p < SRV__MAX && st->path_hits[p]++ == 0;
	switch (p) {
	case SRV_FAIL_ONCE:
		if (first)
			srv_json(fd, 500, "", srv_error("api_error", NULL, NULL));
		else
			srv_json(fd, 200, "", srv_echo(rq));
		break;
	case SRV_LIMIT_ONCE:
		if (first)
			srv_json(fd, 429, "", srv_error("invalid_request_error",
			    "rate_limit", NULL));
		else
			srv_json(fd, 200, "", srv_echo(rq));
		break;
	case SRV_ALWAYS_503:
		srv_json(fd, 503, "", srv_error("api_error", NULL, NULL));
		break;
	case SRV_NO_RETRY_503:
		srv_json(fd, 503, "Stripe-Should-Retry: false\r\n",
		    srv_error("api_error", NULL, NULL));
		break;
	case SRV_DECLINE:
		srv_json(fd, 402, "", srv_error("card_error", "card_declined",
		    "insufficient_funds"));
		break;
	case SRV_BIG:
		srv_big(fd);
		break;
	case SRV_NOT_JSON:
		srv_send(fd, 200, "", "<html></html>", 13);
		break;
	default:
		srv_json(fd, 200, "", srv_echo(rq));
		break;
	}
}

static void
srv_loop(int lfd)
{
	static struct srv_state st;
	struct http_req rq;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (srv_read(fd, &rq) == 0)
			srv_answer(fd, &rq, &st);
		free(rq.body);
		close(fd);
	}
}

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static int
listen_any(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
srv_start(struct srv *s)
{
	int fd = listen_any(&s->port);

	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0)
		srv_loop(fd);	/* never returns */
	close(fd);
}

static void
srv_stop(struct srv *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

static struct stripe_client *
client_for(int port)
{
	char base[64];
	struct config cfg;
	struct stripe_client *c;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(str_fmt(base, sizeof(base), "http://127.0.0.1:%d/", port), 0);
	cfg.stripe_api_base = base;
	cfg.stripe_secret_key = (char *)(uintptr_t)"sk_test_123";
	cfg.stripe_timeout = 5;
	c = stripe_client_new(&cfg);
	ck_assert_ptr_nonnull(c);
	c->backoff_ms = 1;	/* retries, but fast */
	c->backoff_max_ms = 4;
	return c;
}

/* Hits and Idempotency-Keys the server saw (not counting this query). */
static int
server_hits(struct stripe_client *c, char keys[][300], int maxkeys)
{
	struct stripe_result r;
	int64_t hits;
	int n;

	ck_assert_int_eq(stripe_get(c, "/v1/hits", NULL, &r), 0);
	ck_assert_int_eq(stripe_json_i64(&r, "hits", &hits), 0);
	n = (int)stripe_obj_array_len(r.json, "keys");
	for (int i = 0; i < n && i < maxkeys; i++) {
		char path[32];

		ck_assert_int_eq(str_fmt(path, sizeof(path), "keys.%d", i), 0);
		(void)str_copy(keys[i], 300, stripe_json_str(&r, path));
	}
	stripe_result_free(&r);
	return (int)hits;
}

START_TEST(client_sends_auth_version_and_key)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	struct kvlist l;

	srv_start(&s);
	c = client_for(s.port);
	kvlist_init(&l);
	kvlist_add(&l, "name", "Ann");
	ck_assert_int_eq(stripe_post(c, "/v1/customers", &l, "idem-1", &r), 0);
	ck_assert_int_eq(r.status, STRIPE_OK);
	ck_assert_int_eq(r.http_status, 200);
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_str_eq(stripe_json_str(&r, "method"), "POST");
	ck_assert_str_eq(stripe_json_str(&r, "path"), "/v1/customers");
	/* base64("sk_test_123:") */
	ck_assert_str_eq(stripe_json_str(&r, "authorization"),
	    "Basic c2tfdGVzdF8xMjM6");
	ck_assert_str_eq(stripe_json_str(&r, "idempotency_key"), "idem-1");
	ck_assert_str_eq(stripe_json_str(&r, "stripe_version"), "2024-06-20");
	ck_assert_str_eq(stripe_json_str(&r, "content_type"),
	    "application/x-www-form-urlencoded");
	ck_assert_str_eq(stripe_json_str(&r, "body"), "name=Ann");
	ck_assert_str_eq(r.request_id, "req_test1");
	ck_assert_str_eq(stripe_friendly_message(&r), "");
	stripe_result_free(&r);
	/* GET: parameters in the query, no Idempotency-Key, no body. */
	ck_assert_int_eq(stripe_get(c, "/v1/payment_intents/pi_1", &l, &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "method"), "GET");
	ck_assert_str_eq(stripe_json_str(&r, "query"), "name=Ann");
	ck_assert_str_eq(stripe_json_str(&r, "idempotency_key"), "");
	ck_assert_str_eq(stripe_json_str(&r, "body"), "");
	ck_assert_str_eq(stripe_json_str(&r, "authorization"),
	    "Basic c2tfdGVzdF8xMjM6");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_delete(c, "/v1/customers/cus_1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "method"), "DELETE");
	stripe_result_free(&r);
	kvlist_free(&l);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(client_form_encoding)
{
	static const char *const pairs[][2] = {
		{ "metadata[payment_id]", "42" },
		{ "description", "Rent & fees = 100% (caf\xc3\xa9)" },
		{ "name", "a+b c" },
		{ "email", "x@y.z" },
		{ "payment_method_types[0]", "card" },
		{ "note", "line1\nline2;#?/" },
		{ "empty", "" },
	};
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	struct kvlist l, back;

	srv_start(&s);
	c = client_for(s.port);
	kvlist_init(&l);
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++)
		ck_assert_int_eq(kvlist_add(&l, pairs[i][0], pairs[i][1]), 0);
	ck_assert_int_eq(stripe_post(c, "/v1/echo", &l, "idem-form", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "body"),
	    "metadata[payment_id]=42"
	    "&description=Rent%20%26%20fees%20%3D%20100%25%20%28caf%C3%A9%29"
	    "&name=a%2Bb%20c&email=x%40y.z&payment_method_types[0]=card"
	    "&note=line1%0Aline2%3B%23%3F%2F&empty=");
	/* An independent decoder (our request parser) gets the pairs back. */
	kvlist_init(&back);
	ck_assert_int_eq(req_parse_urlencoded(stripe_json_str(&r, "body"),
	    strlen(stripe_json_str(&r, "body")), &back), REQ_OK);
	ck_assert_uint_eq(back.n, ARRAY_LEN(pairs));
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++) {
		ck_assert_str_eq(back.v[i].key, pairs[i][0]);
		ck_assert_str_eq(back.v[i].val, pairs[i][1]);
	}
	kvlist_free(&back);
	stripe_result_free(&r);
	kvlist_free(&l);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(client_retries_5xx_with_same_key)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	char keys[8][300];

	srv_start(&s);
	c = client_for(s.port);
	ck_assert_int_eq(stripe_post(c, "/v1/fail_once", NULL, "idem-retry", &r),
	    0);
	ck_assert_int_eq(r.http_status, 200);
	ck_assert_int_eq(r.attempts, 2);
	stripe_result_free(&r);
	ck_assert_int_eq(server_hits(c, keys, 8), 2);
	ck_assert_str_eq(keys[0], "idem-retry");
	ck_assert_str_eq(keys[1], "idem-retry");
	/* 429 too. */
	ck_assert_int_eq(stripe_post(c, "/v1/limit_once", NULL, "idem-429", &r),
	    0);
	ck_assert_int_eq(r.attempts, 2);
	stripe_result_free(&r);
	ck_assert_int_eq(server_hits(c, keys, 8), 4);
	ck_assert_str_eq(keys[2], "idem-429");
	ck_assert_str_eq(keys[3], "idem-429");
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(client_gives_up_after_max_retries)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	char keys[8][300];

	srv_start(&s);
	c = client_for(s.port);
	ck_assert_int_eq(stripe_post(c, "/v1/always_503", NULL, "k", &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_API);
	ck_assert_int_eq(r.http_status, 503);
	ck_assert_int_eq(r.attempts, 3);
	ck_assert_int_eq(stripe_result_uncertain(&r), 1);
	ck_assert_str_eq(stripe_friendly_message(&r), MSG_PROCESSING);
	stripe_result_free(&r);
	ck_assert_int_eq(server_hits(c, keys, 8), 3);
	/* Stripe-Should-Retry: false wins over the status. */
	ck_assert_int_eq(stripe_post(c, "/v1/no_retry_503", NULL, "k2", &r), -1);
	ck_assert_int_eq(r.attempts, 1);
	stripe_result_free(&r);
	ck_assert_int_eq(server_hits(c, keys, 8), 4);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(client_never_retries_decline)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	char keys[8][300];

	srv_start(&s);
	c = client_for(s.port);
	ck_assert_int_eq(stripe_post(c, "/v1/decline", NULL, "idem-402", &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_API);
	ck_assert_int_eq(r.http_status, 402);
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_str_eq(r.type, "card_error");
	ck_assert_str_eq(r.code, "card_declined");
	ck_assert_str_eq(r.decline_code, "insufficient_funds");
	ck_assert_str_eq(r.message, "nope");
	ck_assert_int_eq(stripe_result_uncertain(&r), 0);
	ck_assert_str_eq(stripe_friendly_message(&r), MSG_FUNDS);
	stripe_result_free(&r);
	ck_assert_int_eq(server_hits(c, keys, 8), 1);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

/* Several GETs at once (the webhook applier's chunk): each answer is its
 * own path's, a refused path is not sent, an API error is not retried,
 * and the client serves a second round and single requests after it. */
START_TEST(client_gets_many_at_once)
{
	static const char *const paths[] = { "/v1/payment_intents/pi_a",
	    "/v1/../admin", "/v1/decline", "/v1/payment_intents/pi_b" };
	struct stripe_result r[ARRAY_LEN(paths)];
	struct srv s;
	struct stripe_client *c;
	char keys[8][300];

	srv_start(&s);
	c = client_for(s.port);
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(stripe_get_many(c, paths, ARRAY_LEN(paths), r), 2);
		ck_assert_int_eq(r[0].status, STRIPE_OK);
		ck_assert_str_eq(stripe_json_str(&r[0], "path"), paths[0]);
		ck_assert_str_eq(stripe_json_str(&r[0], "method"), "GET");
		ck_assert_int_eq(r[1].status, STRIPE_ERR_USAGE);
		ck_assert_int_eq(r[2].status, STRIPE_ERR_API);
		ck_assert_int_eq(r[2].http_status, 402);
		ck_assert_int_eq(r[2].attempts, 1);
		ck_assert_int_eq(r[3].status, STRIPE_OK);
		ck_assert_str_eq(stripe_json_str(&r[3], "path"), paths[3]);
		for (size_t i = 0; i < ARRAY_LEN(paths); i++)
			stripe_result_free(&r[i]);
	}
	ck_assert_int_eq(server_hits(c, keys, 8), 6);
	ck_assert_int_eq(stripe_get(c, paths[0], NULL, &r[0]), 0);
	stripe_result_free(&r[0]);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(client_bounds_the_response)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;

	srv_start(&s);
	c = client_for(s.port);
	ck_assert_int_eq(stripe_post(c, "/v1/big", NULL, "k-big", &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_RESPONSE);
	ck_assert_ptr_null(r.json);
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_int_eq(stripe_result_uncertain(&r), 1);
	stripe_result_free(&r);
	/* With a larger limit the same answer is read. */
	c->max_response = 3u * 1024 * 1024;
	ck_assert_int_eq(stripe_get(c, "/v1/big", NULL, &r), 0);
	ck_assert_uint_eq(strlen(stripe_json_str(&r, "pad")),
	    2u * 1024 * 1024 - 10);
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_get(c, "/v1/not_json", NULL, &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_RESPONSE);
	ck_assert_str_eq(stripe_friendly_message(&r), MSG_PROCESSING);
	stripe_result_free(&r);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(client_connection_refused)
{
	struct stripe_client *c;
	struct stripe_result r;
	int port, fd = listen_any(&port);

	close(fd);	/* nobody listens there now */
	c = client_for(port);
	ck_assert_int_eq(stripe_post(c, "/v1/customers", NULL, "k", &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_NETWORK);
	ck_assert_int_eq(r.http_status, 0);
	ck_assert_int_eq(r.attempts, 3);
	ck_assert_str_eq(r.type, "api_connection_error");
	ck_assert_int_eq(stripe_result_uncertain(&r), 1);
	ck_assert_str_eq(stripe_friendly_message(&r), MSG_PROCESSING);
	stripe_result_free(&r);
	stripe_client_free(c);
}
END_TEST

START_TEST(client_refuses_unsafe_requests)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	struct stripe_pi_params pi = { .amount_cents = 100 };
	char keys[8][300], longkey[300];

	srv_start(&s);
	c = client_for(s.port);
	ck_assert_int_eq(stripe_post(c, "/v1/customers", NULL, NULL, &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_USAGE);
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_post(c, "/v1/customers", NULL, "", &r), -1);
	ck_assert_int_eq(stripe_post(c, "/v1/customers", NULL,
	    "k\r\nX-Evil: 1", &r), -1);
	memset(longkey, 'k', 256);
	longkey[256] = '\0';
	ck_assert_int_eq(stripe_post(c, "/v1/customers", NULL, longkey, &r), -1);
	ck_assert_int_eq(stripe_get(c, "/v1/../admin", NULL, &r), -1);
	ck_assert_int_eq(stripe_get(c, "/v2/customers", NULL, &r), -1);
	ck_assert_int_eq(stripe_get(c, "/v1/customers?x=1", NULL, &r), -1);
	ck_assert_int_eq(stripe_payment_intent_retrieve(c, "pi_1/../x", &r), -1);
	ck_assert_int_eq(stripe_payment_intent_cancel(c, "", "k", &r), -1);
	ck_assert_int_eq(stripe_payment_intent_create(c, &pi, NULL, &r), -1);
	pi.amount_cents = 0;
	ck_assert_int_eq(stripe_payment_intent_create(c, &pi, "k", &r), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_USAGE);
	ck_assert_str_eq(stripe_friendly_message(&r),
	    stripe_reason_message(STRIPE_REASON_GENERIC));
	stripe_result_free(&r);
	ck_assert_int_eq(server_hits(c, keys, 8), 0);	/* nothing was sent */
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(typed_calls_build_stripe_params)
{
	struct srv s;
	struct stripe_client *c;
	struct stripe_result r;
	struct kvlist meta;
	struct stripe_pi_params pi = {
		.amount_cents = 12345, .customer = "cus_A1",
		.payment_method = "pm_card_visa", .description = "Monthly service",
		.payment_id = 77, .setup_future_usage = true,
		.confirm_off_session = true,
	};

	srv_start(&s);
	c = client_for(s.port);
	ck_assert_int_eq(stripe_payment_intent_create(c, &pi, "pay-77-1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "path"), "/v1/payment_intents");
	ck_assert_str_eq(stripe_json_str(&r, "idempotency_key"), "pay-77-1");
	ck_assert_str_eq(stripe_json_str(&r, "body"), "amount=12345&currency=usd"
	    "&customer=cus_A1&payment_method=pm_card_visa"
	    "&payment_method_types[0]=card&description=Monthly%20service"
	    "&metadata[payment_id]=77&setup_future_usage=off_session"
	    "&confirm=true&off_session=true");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_customer_create(c, "Ann Lee", "ann@example.com",
	    9, "cus-9", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "body"), "name=Ann%20Lee"
	    "&email=ann%40example.com&metadata[account_id]=9");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_setup_intent_create(c, "cus_A1",
	    "us_bank_account", "si-1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "body"), "customer=cus_A1"
	    "&payment_method_types[0]=us_bank_account&usage=off_session");
	stripe_result_free(&r);
	kvlist_init(&meta);
	kvlist_add(&meta, "payment_id", "77");
	ck_assert_int_eq(stripe_refund_create(c, "pi_X", 500,
	    "requested_by_customer", &meta, "ref-1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "path"), "/v1/refunds");
	ck_assert_str_eq(stripe_json_str(&r, "body"), "payment_intent=pi_X"
	    "&amount=500&reason=requested_by_customer&metadata[payment_id]=77");
	stripe_result_free(&r);
	kvlist_free(&meta);
	ck_assert_int_eq(stripe_payment_intent_retrieve(c, "pi_X", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "method"), "GET");
	ck_assert_str_eq(stripe_json_str(&r, "path"), "/v1/payment_intents/pi_X");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_payment_intent_cancel(c, "pi_X", "can-1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "path"),
	    "/v1/payment_intents/pi_X/cancel");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_payment_method_detach(c, "pm_1", "det-1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "path"),
	    "/v1/payment_methods/pm_1/detach");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_payment_methods_list(c, "cus_A1", "card", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "path"), "/v1/payment_methods");
	ck_assert_str_eq(stripe_json_str(&r, "query"),
	    "customer=cus_A1&type=card&limit=100");
	stripe_result_free(&r);
	ck_assert_int_eq(stripe_event_retrieve(c, "evt_1", &r), 0);
	ck_assert_str_eq(stripe_json_str(&r, "path"), "/v1/events/evt_1");
	stripe_result_free(&r);
	stripe_client_free(c);
	srv_stop(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stripe_client");
	TCase *cli = tcase_create("client");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_test(cli, client_sends_auth_version_and_key);
	tcase_add_test(cli, client_form_encoding);
	tcase_add_test(cli, client_retries_5xx_with_same_key);
	tcase_add_test(cli, client_gives_up_after_max_retries);
	tcase_add_test(cli, client_never_retries_decline);
	tcase_add_test(cli, client_bounds_the_response);
	tcase_add_test(cli, client_gets_many_at_once);
	tcase_add_test(cli, client_connection_refused);
	tcase_add_test(cli, client_refuses_unsafe_requests);
	tcase_add_test(cli, typed_calls_build_stripe_params);
	suite_add_tcase(s, cli);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
