/* HTTP request/response for one FastCGI request. The FastCGI glue lives in
 * http.c only; everything above sees these structs. */
#ifndef HTTP_H
#define HTTP_H

#include <stdint.h>

#include "buf.h"
#include "req.h"

struct http_req {
	const char	*method;
	const char	*path;		/* without query string */
	const char	*query;
	const char	*remote_addr;
	const char	*user_agent;
	const char	*content_type;
	const char	*authorization;
	const char	*idempotency_key;
	const char	*stripe_signature;	/* Stripe-Signature ("" if absent) */
	int		 https;
	struct kvlist	 query_kv;
	struct kvlist	 form;		/* urlencoded body, or JSON top-level scalars */
	struct kvlist	 cookies;
	struct buf	 body;		/* raw body (bounded by max_body) */
	struct json_object *json;	/* parsed JSON body, or NULL */
	struct req_upload upload;	/* the file of a multipart body, if any */
	char		 reqid[24];
	char		*pathbuf;
	char		 body_err[192];	/* why a JSON body was refused, or "" */
	char		 body_key[65];	/* the key given twice, or "" */
};

struct http_resp {
	int		 status;
	struct buf	 headers;	/* "Name: value\r\n" lines */
	struct buf	 body;
	const char	*content_type;
	int		 no_store;
};

enum http_parse {
	HTTP_PARSE_OK = 0,
	HTTP_PARSE_TOO_LARGE,	/* body over max_body: 413 */
	HTTP_PARSE_BAD,		/* undecodable input: 400 */
};

struct FCGX_Request;

/* Reads params and body from a FastCGI request. The req borrows strings from
 * the FastCGI environment (valid until the request finishes). */
enum http_parse http_req_read(struct http_req *, struct FCGX_Request *, size_t max_body);
void	 http_req_free(struct http_req *);
/* Param lookup for tests/CLI-free use. */
const char *http_cookie(const struct http_req *, const char *name);

void	 http_resp_init(struct http_resp *);
void	 http_resp_free(struct http_resp *);
int	 http_header(struct http_resp *, const char *name, const char *value);
/* Set-Cookie with HttpOnly, SameSite=Lax, Path=/ and Secure when secure.
 * max_age < 0: session cookie; 0: delete. */
int	 http_cookie_set(struct http_resp *, const char *name, const char *value,
	    int64_t max_age, int secure);
void	 http_redirect(struct http_resp *, int status, const char *location);
/* Writes status line, default security headers, headers and body. head: no body. */
int	 http_resp_write(struct http_resp *, struct FCGX_Request *, const char *csp,
	    int head);
const char *http_status_text(int status);

#endif
