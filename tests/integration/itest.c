/* Integration-test helpers; see itest.h. */
#include "common.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "itest.h"
#include "str.h"

#define ITEST_TIMEOUT_S	30L

struct itest_client {
	CURL			*curl;
	struct curl_slist	*hdrs;
	char			*base;
	char			 host[256];
};

/* --- responses -------------------------------------------------------- */

static void
resp_clear_headers(struct itest_resp *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->nheaders = 0;
}

void
itest_resp_init(struct itest_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, ITEST_BODY_MAX);
}

void
itest_resp_free(struct itest_resp *r)
{
	resp_clear_headers(r);
	buf_free(&r->body);
}

const char *
itest_header_n(const struct itest_resp *r, const char *name, size_t idx)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (str_ieq(r->headers[i].name, name) && idx-- == 0)
			return r->headers[i].value;
	return NULL;
}

const char *
itest_header(const struct itest_resp *r, const char *name)
{
	return itest_header_n(r, name, 0);
}

int
itest_body_has(const struct itest_resp *r, const char *needle)
{
	return strstr(buf_cstr(&r->body), needle) != NULL;
}

/* --- client ----------------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct itest_resp *r = arg;

	if (buf_append(&r->body, p, size * n) == -1)
		return 0;	/* curl reports a write error */
	return size * n;
}

/* Keeps the headers of the last response only (a 100 Continue or a
 * second status line starts over). */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct itest_resp *r = arg;
	size_t len = size * n, nlen;
	const char *colon;
	char *name, *value;

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		resp_clear_headers(r);
		return len;
	}
	if ((colon = memchr(p, ':', len)) == NULL || r->nheaders == ITEST_MAX_HEADERS)
		return len;
	nlen = (size_t)(colon - p);
	name = strndup(p, nlen);
	value = strndup(colon + 1, len - nlen - 1);
	if (name == NULL || value == NULL) {
		free(name);
		free(value);
		return 0;
	}
	r->headers[r->nheaders].name = str_trim(name);
	r->headers[r->nheaders].value = str_trim(value);
	r->nheaders++;
	return len;
}

struct itest_client *
itest_client_new(const char *base_url)
{
	struct itest_client *c;
	CURLU *u = NULL;
	char *host = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->base = str_dup(base_url)) == NULL || (c->curl = curl_easy_init()) == NULL)
		goto fail;
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    str_copy(c->host, sizeof(c->host), host) == -1)
		goto fail;
	/* No 100-continue round trip for form posts. */
	if ((c->hdrs = curl_slist_append(NULL, "Expect:")) == NULL)
		goto fail;
	curl_easy_setopt(c->curl, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, ITEST_TIMEOUT_S);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "billing-itest/1");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_free(host);
	curl_url_cleanup(u);
	return c;
fail:
	curl_free(host);
	curl_url_cleanup(u);
	itest_client_free(c);
	return NULL;
}

void
itest_client_free(struct itest_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdrs);
	free(c->base);
	free(c);
}

int
itest_client_add_header(struct itest_client *c, const char *line)
{
	struct curl_slist *l = curl_slist_append(c->hdrs, line);

	if (l == NULL)
		return -1;
	c->hdrs = l;
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdrs);
	return 0;
}

long
itest_request(struct itest_client *c, const char *method, const char *path,
    const char *body, struct itest_resp *r)
{
	struct buf url;
	CURLcode rc;
	long status = -1;

	resp_clear_headers(r);
	buf_reset(&r->body);
	r->status = 0;
	r->error[0] = '\0';
	buf_init(&url, 8192);
	if (buf_printf(&url, "%s%s", c->base, path) == -1) {
		str_copy(r->error, sizeof(r->error), "URL too long");
		goto done;
	}
	curl_easy_setopt(c->curl, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);	/* resets POST state */
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(c->curl, CURLOPT_COPYPOSTFIELDS, body);
	}
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST,
	    strcmp(method, body != NULL ? "POST" : "GET") == 0 ? NULL : method);
	if ((rc = curl_easy_perform(c->curl)) != CURLE_OK) {
		str_fmt(r->error, sizeof(r->error), "%s %s: %s", method, path,
		    curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	status = r->status;
done:
	buf_free(&url);
	return status;
}

long
itest_get(struct itest_client *c, const char *path, struct itest_resp *r)
{
	return itest_request(c, "GET", path, NULL, r);
}

long
itest_post_form(struct itest_client *c, const char *path,
    const struct itest_kv *kv, size_t nkv, struct itest_resp *r)
{
	struct buf form;
	char *k, *v;
	size_t i;
	long status = -1;
	int bad = 0;

	buf_init(&form, 1024 * 1024);
	buf_puts(&form, "");	/* an empty form is "", not NULL */
	for (i = 0; i < nkv && !bad; i++) {
		k = curl_easy_escape(c->curl, kv[i].key, 0);
		v = curl_easy_escape(c->curl, kv[i].value, 0);
		if (k == NULL || v == NULL ||
		    buf_printf(&form, "%s%s=%s", i ? "&" : "", k, v) == -1)
			bad = 1;
		curl_free(k);
		curl_free(v);
	}
	if (bad)
		str_copy(r->error, sizeof(r->error), "cannot encode form");
	else
		status = itest_request(c, "POST", path, buf_cstr(&form), r);
	buf_free(&form);
	return status;
}

/* --- cookies ---------------------------------------------------------- */

/* Netscape cookie line: domain, tailmatch, path, secure, expires, name, value. */
static int
cookie_line_match(const char *line, const char *name, const char **value)
{
	const char *p = line, *end;
	int field;

	for (field = 0; field < 5; field++) {
		if ((p = strchr(p, '\t')) == NULL)
			return 0;
		p++;
	}
	if ((end = strchr(p, '\t')) == NULL)
		return 0;
	if ((size_t)(end - p) != strlen(name) || memcmp(p, name, (size_t)(end - p)) != 0)
		return 0;
	*value = end + 1;
	return 1;
}

int
itest_cookie_get(struct itest_client *c, const char *name, char *out, size_t outsz)
{
	struct curl_slist *list = NULL, *l;
	const char *value;
	int rc = -1;

	if (curl_easy_getinfo(c->curl, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return -1;
	for (l = list; l != NULL; l = l->next)
		if (cookie_line_match(l->data, name, &value)) {
			rc = str_copy(out, outsz, value);
			break;
		}
	curl_slist_free_all(list);
	return rc;
}

int
itest_cookie_set(struct itest_client *c, const char *name, const char *value)
{
	struct buf line;
	int rc = -1;

	buf_init(&line, 8192);
	if (buf_printf(&line, "%s\tFALSE\t/\tFALSE\t0\t%s\t%s", c->host, name, value) == 0 &&
	    curl_easy_setopt(c->curl, CURLOPT_COOKIELIST, buf_cstr(&line)) == CURLE_OK)
		rc = 0;
	buf_free(&line);
	return rc;
}

/* --- HTML ------------------------------------------------------------- */

/* Decodes the entities an HTML escaper emits (named basics and numeric
 * ASCII ones such as &#x2D;); in place. */
static void
html_unescape(char *s)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	char *r = s, *w = s, *end;
	unsigned long cp;
	size_t i, n;

	while (*r) {
		if (r[0] == '&' && r[1] == '#') {
			errno = 0;
			cp = (r[2] == 'x' || r[2] == 'X') ? strtoul(r + 3, &end, 16) :
			    strtoul(r + 2, &end, 10);
			if (errno == 0 && *end == ';' && cp > 0 && cp < 128 &&
			    end > r + 2 + (r[2] == 'x' || r[2] == 'X')) {
				*w++ = (char)cp;
				r = end + 1;
				continue;
			}
		}
		for (i = 0; i < ARRAY_LEN(ents); i++) {
			n = strlen(ents[i].ent);
			if (strncasecmp(r, ents[i].ent, n) == 0)
				break;
		}
		if (i < ARRAY_LEN(ents)) {
			*w++ = ents[i].c;
			r += n;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* Finds attribute attr in the tag [p, end) (p just after "<input").
 * Returns its value's start and length, or NULL. */
static const char *
tag_attr(const char *p, const char *end, const char *attr, size_t *vlen)
{
	const char *name, *v;
	size_t nlen;
	char q;

	while (p < end) {
		while (p < end && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		name = p;
		while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
			p++;
		nlen = (size_t)(p - name);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end || *p != '=') {
			if (nlen == 0 && p < end)
				p++;
			continue;	/* attribute without value */
		}
		p++;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && (*p == '"' || *p == '\'')) {
			q = *p++;
			v = p;
			while (p < end && *p != q)
				p++;
			*vlen = (size_t)(p - v);
			if (p < end)
				p++;
		} else {
			v = p;
			while (p < end && !isspace((unsigned char)*p))
				p++;
			*vlen = (size_t)(p - v);
		}
		if (nlen == strlen(attr) && strncasecmp(name, attr, nlen) == 0)
			return v;
	}
	return NULL;
}

int
itest_input_value(const char *html, const char *name, char *out, size_t outsz)
{
	const char *p = html, *end, *v;
	size_t vlen, nlen = strlen(name);

	while ((p = strcasestr(p, "<input")) != NULL) {
		p += 6;
		if ((end = strchr(p, '>')) == NULL)
			return -1;
		if ((v = tag_attr(p, end, "name", &vlen)) != NULL &&
		    vlen == nlen && memcmp(v, name, nlen) == 0 &&
		    (v = tag_attr(p, end, "value", &vlen)) != NULL) {
			if (vlen >= outsz)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			html_unescape(out);
			return 0;
		}
		p = end;
	}
	return -1;
}

int
itest_csrf(const char *html, char *out, size_t outsz)
{
	if (itest_input_value(html, "_csrf", out, outsz) == -1 || out[0] == '\0')
		return -1;
	return 0;
}

long
itest_login_resp(struct itest_client *c, const char *email, const char *password,
    struct itest_resp *r)
{
	char csrf[256];

	if (itest_get(c, "/login", r) != 200 ||
	    itest_csrf(buf_cstr(&r->body), csrf, sizeof(csrf)) == -1)
		return -1;
	{
		const struct itest_kv form[] = {
			{ "_csrf", csrf }, { "email", email }, { "password", password },
		};
		return itest_post_form(c, "/login", form, ARRAY_LEN(form), r);
	}
}

long
itest_login(struct itest_client *c, const char *email, const char *password)
{
	struct itest_resp r;
	long status;

	itest_resp_init(&r);
	status = itest_login_resp(c, email, password, &r);
	itest_resp_free(&r);
	return status;
}

/* --- shell ------------------------------------------------------------ */

int
itest_shquote(struct buf *b, const char *s)
{
	if (buf_putc(b, '\'') == -1)
		return -1;
	for (; *s; s++)
		if ((*s == '\'' ? buf_puts(b, "'\\''") : buf_putc(b, *s)) == -1)
			return -1;
	return buf_putc(b, '\'');
}

/* Output goes to a temporary file, not a pipe: a daemon the command starts
 * (db-start) may keep its stdout open long after the command returns. */
static int
sh_run(const char *cmd, struct buf *out)
{
	FILE *tmp;
	pid_t pid;
	int st, fd, rc = -1;
	char chunk[4096];
	size_t n;

	if ((tmp = tmpfile()) == NULL)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1)
		goto done;
	if (pid == 0) {
		fd = fileno(tmp);
		if (dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(127);
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, 0);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			goto done;
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	if (out != NULL) {
		rewind(tmp);
		while ((n = fread(chunk, 1, sizeof(chunk), tmp)) > 0)
			if (buf_append(out, chunk, n) == -1)
				break;
	}
done:
	fclose(tmp);
	return rc;
}

int
itest_sh(struct buf *out, const char *fmt, ...)
{
	struct buf cmd;
	va_list ap;
	int rc;

	buf_init(&cmd, 64 * 1024);
	va_start(ap, fmt);
	rc = buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = sh_run(buf_cstr(&cmd), out);
	buf_free(&cmd);
	return rc;
}

/* --- processes -------------------------------------------------------- */

static int
read_small_file(const char *path, char *out, size_t outsz)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(out, 1, outsz - 1, f);
	fclose(f);
	out[n] = '\0';
	return 0;
}

static int
parse_pid(const char *s, pid_t *out)
{
	int64_t v;

	if (str_to_i64(s, 1, INT_MAX, &v) == -1)
		return -1;
	*out = (pid_t)v;
	return 0;
}

pid_t
itest_pidfile_read(const char *path)
{
	char text[64];
	pid_t pid;

	if (read_small_file(path, text, sizeof(text)) == -1 ||
	    parse_pid(str_trim(text), &pid) == -1)
		return -1;
	return pid;
}

/* State letter and ppid of pid from /proc/<pid>/stat; -1 if gone. */
static int
proc_stat(pid_t pid, char *state, pid_t *ppid)
{
	char path[64], text[1024], *p, *sp;

	if (str_fmt(path, sizeof(path), "/proc/%ld/stat", (long)pid) == -1 ||
	    read_small_file(path, text, sizeof(text)) == -1)
		return -1;
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses. */
	if ((p = strrchr(text, ')')) == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return -1;
	*state = p[2];
	p += 4;
	if ((sp = strchr(p, ' ')) == NULL)
		return -1;
	*sp = '\0';
	return parse_pid(p, ppid);
}

int
itest_pid_alive(pid_t pid)
{
	char state;
	pid_t ppid;

	if (proc_stat(pid, &state, &ppid) == -1)
		return 0;
	return state != 'Z' && state != 'X';
}

static void
add_child(pid_t pid, pid_t *out, size_t max, int *n)
{
	if (!itest_pid_alive(pid))
		return;
	if ((size_t)*n < max)
		out[*n] = pid;
	(*n)++;
}

/* Children via /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN).
 * Returns -1 if the kernel does not provide the file. */
static int
children_from_task(pid_t parent, pid_t *out, size_t max)
{
	char path[PATH_MAX], text[8192], *p, *tok, *save;
	struct dirent *de;
	DIR *d;
	int n = 0, seen = 0;
	pid_t pid;

	if (str_fmt(path, sizeof(path), "/proc/%ld/task", (long)parent) == -1 ||
	    (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (str_fmt(path, sizeof(path), "/proc/%ld/task/%s/children",
		    (long)parent, de->d_name) == -1 ||
		    read_small_file(path, text, sizeof(text)) == -1)
			continue;
		seen = 1;
		for (p = text; (tok = strtok_r(p, " \n", &save)) != NULL; p = NULL)
			if (parse_pid(tok, &pid) == 0)
				add_child(pid, out, max, &n);
	}
	closedir(d);
	return seen ? n : -1;
}

static int
children_from_scan(pid_t parent, pid_t *out, size_t max)
{
	struct dirent *de;
	DIR *d;
	int n = 0;
	pid_t pid, ppid;
	char state;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (parse_pid(de->d_name, &pid) == 0 &&
		    proc_stat(pid, &state, &ppid) == 0 && ppid == parent)
			add_child(pid, out, max, &n);
	closedir(d);
	return n;
}

int
itest_children(pid_t parent, pid_t *out, size_t max)
{
	int n;

	if (!itest_pid_alive(parent))
		return -1;
	if ((n = children_from_task(parent, out, max)) >= 0)
		return n;
	return children_from_scan(parent, out, max);
}

/* --- time ------------------------------------------------------------- */

void
itest_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
itest_wait_until(int timeout_ms, int interval_ms, int (*pred)(void *), void *arg)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	for (;;) {
		if (pred(arg))
			return 0;
		if (clock_mono_ms() >= deadline)
			return -1;
		itest_sleep_ms(interval_ms);
	}
}

void
itest_unique(char *out, size_t outsz, const char *prefix)
{
	unsigned char raw[8];
	char hex[2 * sizeof(raw) + 1];

	if (crypto_random(raw, sizeof(raw)) == -1) {
		/* Only uniqueness matters here, not unpredictability. */
		uint64_t v = (uint64_t)clock_mono_ms() ^ ((uint64_t)getpid() << 40);
		memcpy(raw, &v, sizeof(raw));
	}
	crypto_hex(raw, sizeof(raw), hex);
	str_fmt(out, outsz, "%s-%s", prefix, hex);
}

/* --- reading pages as users read them ------------------------------------- */

/* One entity at h ("&amp;", "&#39;", "&#x2014;" ...): its ASCII code point
 * and length, or 0 when it is not one we decode to ASCII. */
static size_t
entity_ascii(const char *h, char *out)
{
	static const struct { const char *name; char c; } named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
	};
	const char *e = strchr(h, ';');
	long cp;

	if (e == NULL || e - h >= 10)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(named); i++)
		if (strncmp(h, named[i].name, strlen(named[i].name)) == 0) {
			*out = named[i].c;
			return strlen(named[i].name);
		}
	if (h[1] != '#')
		return 0;
	cp = h[2] == 'x' || h[2] == 'X' ? strtol(h + 3, NULL, 16) : strtol(h + 2, NULL, 10);
	if (cp <= 0 || cp >= 128)
		return 0;
	*out = (char)cp;
	return (size_t)(e - h) + 1;
}

char *
itest_page_text(const char *html)
{
	const char *h = html;
	struct buf b;
	int space = 0;
	char c;
	size_t n;

	buf_init(&b, ITEST_BODY_MAX);
	if (strstr(h, "</head>") != NULL)
		h = strstr(h, "</head>") + 7;
	while (*h) {
		if (*h == '<') {
			const char *e = strchr(h, '>');
			if (e == NULL)
				break;
			h = e + 1;
			space = 1;
			continue;
		}
		if (isspace((unsigned char)*h)) {
			space = 1;
			h++;
			continue;
		}
		if (space && b.len > 0)
			buf_putc(&b, ' ');
		space = 0;
		if (*h == '&' && (n = entity_ascii(h, &c)) > 0) {
			buf_putc(&b, c);
			h += n;
			continue;
		}
		buf_putc(&b, *h++);
	}
	return buf_detach(&b);
}

int
itest_amount_after(const char *text, const char *after, const char *label,
    char *out, size_t outsz)
{
	const char *p = text, *q;
	size_t n = 0;

	if (after != NULL && (p = strstr(text, after)) == NULL)
		return -1;
	if ((q = strstr(p, label)) == NULL)
		return -1;
	q += strlen(label);
	while (*q && *q != '$')
		q++;
	if (*q != '$' || outsz < 2)
		return -1;
	if (q > text && (q[-1] == '-' || q[-1] == '('))
		q--;
	while (n < outsz - 1 && (*q == '-' || *q == '$' || *q == ',' || *q == '.' ||
	    isdigit((unsigned char)*q)))
		out[n++] = *q++;
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	return 0;
}
