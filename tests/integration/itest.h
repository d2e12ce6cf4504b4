/* Integration-test helpers: an HTTP client over libcurl with its own cookie
 * jar, HTML form helpers, shell commands, billingd process inspection and
 * polling.  Independent of the test framework: every function reports
 * failure through its return value. */
#ifndef ITEST_H
#define ITEST_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define ITEST_MAX_HEADERS	64
#define ITEST_BODY_MAX		(4u * 1024 * 1024)

struct itest_header {
	char	*name;
	char	*value;
};

/* One HTTP response.  Owner: the caller; itest_resp_init() before the first
 * request, itest_resp_free() once at the end (requests reuse it). */
struct itest_resp {
	long			 status;	/* 0 on transport error */
	struct itest_header	 headers[ITEST_MAX_HEADERS];
	size_t			 nheaders;
	struct buf		 body;
	char			 error[256];	/* curl's message on transport error */
};

struct itest_kv {
	const char	*key;
	const char	*value;
};

struct itest_client;

void	 itest_resp_init(struct itest_resp *);
void	 itest_resp_free(struct itest_resp *);
/* Value of the first (idx-th) header called name, case-insensitive; NULL if absent. */
const char *itest_header(const struct itest_resp *, const char *name);
const char *itest_header_n(const struct itest_resp *, const char *name, size_t idx);
/* 1 if the body contains needle. */
int	 itest_body_has(const struct itest_resp *, const char *needle);

/* A client with an in-memory cookie jar that never follows redirects.
 * base_url without a trailing slash, e.g. "http://127.0.0.1:8080".
 * Returns NULL on error; free with itest_client_free(). */
struct itest_client *itest_client_new(const char *base_url);
void	 itest_client_free(struct itest_client *);
/* Adds a request header ("Name: value") to every later request. 0 / -1. */
int	 itest_client_add_header(struct itest_client *, const char *line);

/* Requests return the HTTP status (>= 100) or -1 on a transport error
 * (resp->error says why).  path starts with '/'. */
long	 itest_get(struct itest_client *, const char *path, struct itest_resp *);
long	 itest_post_form(struct itest_client *, const char *path,
	    const struct itest_kv *, size_t nkv, struct itest_resp *);
/* Any method with an optional raw body (NULL: none). */
long	 itest_request(struct itest_client *, const char *method,
	    const char *path, const char *body, struct itest_resp *);

/* Value of cookie name in the client's jar into out; 0, or -1 if absent/too long. */
int	 itest_cookie_get(struct itest_client *, const char *name, char *out, size_t outsz);
/* Puts cookie name=value (path /, host of the base URL) into the jar. 0 / -1. */
int	 itest_cookie_set(struct itest_client *, const char *name, const char *value);

/* Value attribute of the first <input name="name"> of an HTML page into out
 * (entities decoded); 0, or -1 when there is none. */
int	 itest_input_value(const char *html, const char *name, char *out, size_t outsz);
/* Value of the hidden input _csrf of an HTML page into out (entities
 * decoded); 0, or -1 when the page has none. */
int	 itest_csrf(const char *html, char *out, size_t outsz);

/* GET /login, then POST /login with its _csrf, email and password.
 * Returns the status of the POST (303 on success) or -1; the _resp variant
 * keeps the POST's response in resp. */
long	 itest_login(struct itest_client *, const char *email, const char *password);
long	 itest_login_resp(struct itest_client *, const char *email,
	    const char *password, struct itest_resp *);

/* Runs cmd with /bin/sh -c, stdout and stderr captured into out (may be
 * NULL).  Returns the exit status (0-255), 128+n if killed by signal n, -1 on error. */
int	 itest_sh(struct buf *out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends s to b quoted for the shell ('...'). 0 / -1. */
int	 itest_shquote(struct buf *, const char *s);

/* Pid from a pid file, or -1. */
pid_t	 itest_pidfile_read(const char *path);
/* 1 if pid exists and is not a zombie. */
int	 itest_pid_alive(pid_t);
/* Live (non-zombie) children of parent into out; returns how many were
 * found (may exceed max, only max are stored) or -1. */
int	 itest_children(pid_t parent, pid_t *out, size_t max);

/* Calls pred(arg) every interval_ms until it returns non-zero (returns 0)
 * or timeout_ms have passed (returns -1). */
int	 itest_wait_until(int timeout_ms, int interval_ms, int (*pred)(void *), void *arg);
void	 itest_sleep_ms(int ms);

/* A fresh unique string "prefix-<random hex>" for emails and names. */
void	 itest_unique(char *out, size_t outsz, const char *prefix);

/* The page as a user reads it: <head> and tags dropped, ASCII entities
 * decoded, white space collapsed to one space. Caller frees. */
char	*itest_page_text(const char *html);
/* The first amount ("$1,234.56", "-$5.00", "−" not included) after label in
 * text (searching from the first occurrence of after, when not NULL), into
 * out. 0, or -1 when after, label or an amount is missing. */
int	 itest_amount_after(const char *text, const char *after,
	    const char *label, char *out, size_t outsz);

#endif
