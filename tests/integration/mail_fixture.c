/* Shared set-up of the email suites (mail_fixture.h). */
#include "common.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "itest.h"
#include "mail_fixture.h"
#include "mailer.h"
#include "mime.h"
#include "notice.h"
#include "notice_render.h"
#include "outbox.h"
#include "str.h"
#include "tmpl.h"

#define TC_TIMEOUT	180

struct config cfg;
struct db *db;
const char *maildir, *env_sh, *itest_dir, *ctl;

/* --- fixtures ----------------------------------------------------------- */

void
setup(void)
{
	char err[512];

	ck_assert_msg(config_load(&cfg, getenv("ITEST_CONFIG"), err,
	    sizeof(err)) == 0, "config: %s", err);
	ck_assert(crypto_init() == 0);
	db = db_new(&cfg);
	ck_assert(db != NULL);
	ck_assert_msg(db_ensure(db) == DB_OK, "db: %s", db_error(db));
	clock_set(0);
}

void
teardown(void)
{
	clock_set(0);
	if (db != NULL)
		db_close(db);
	db = NULL;
	config_free(&cfg);
}

/* --- reading the catcher's Maildir -------------------------------------- */


int
mail_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mail *)a)->name, ((const struct mail *)b)->name);
}

char *
slurp(const char *path)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	buf_init(&b, 64u * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) == -1)
			break;
	fclose(f);
	return buf_detach(&b);
}

/* Messages delivered to `to` (by the Delivered-To line), oldest first. */
size_t
mails_for(const char *to, struct mail *out, size_t max)
{
	char dir[1024], path[2048], needle[400];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	str_fmt(dir, sizeof(dir), "%s/new", maildir);
	str_fmt(needle, sizeof(needle), "\r\nDelivered-To: %s\r\n", to);
	ck_assert_msg((d = opendir(dir)) != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char *data;
		if (e->d_name[0] == '.')
			continue;
		str_fmt(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((data = slurp(path)) == NULL)
			continue;
		if (strstr(data, needle) == NULL || n == max) {
			free(data);
			continue;
		}
		str_copy(out[n].name, sizeof(out[n].name), e->d_name);
		out[n++].data = data;
	}
	closedir(d);
	qsort(out, n, sizeof(out[0]), mail_cmp);
	return n;
}

void
mails_free(struct mail *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].data);
}

size_t
count_for(const char *to)
{
	struct mail m[MAX_MAILS];
	size_t n = mails_for(to, m, MAX_MAILS);

	mails_free(m, n);
	return n;
}

/* Header `name` of a message (unfolded) into out; -1 when absent. */
int
header(const char *msg, const char *name, char *out, size_t outsz)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg;
	size_t nl = strlen(name), o = 0;

	if (end == NULL)
		return -1;
	while (p < end) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			for (; p < end + 2 && o + 1 < outsz; p++) {
				if (p[0] == '\r' && p[1] == '\n') {
					if (p[2] != ' ' && p[2] != '\t')
						break;
					p++;
					continue;
				}
				out[o++] = *p;
			}
			out[o] = '\0';
			return 0;
		}
		p = strstr(p, "\r\n");
		if (p == NULL)
			return -1;
		p += 2;
	}
	return -1;
}

int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

void
b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int d = b64val(s[i]);
		ck_assert_msg(d >= 0, "bad base64 in %.*s", (int)n, s);
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((v >> bits) & 0xff));
		}
	}
}

/* RFC 2047 "=?UTF-8?B?...?=" words (whitespace between words dropped). */
void
rfc2047_decode(const char *s, struct buf *out)
{
	int prev_word = 0;

	while (*s) {
		if (str_starts(s, "=?UTF-8?B?")) {
			const char *b = s + 10, *e = strstr(b, "?=");
			ck_assert(e != NULL);
			b64_decode(b, (size_t)(e - b), out);
			s = e + 2;
			prev_word = 1;
			continue;
		}
		if (prev_word && (*s == ' ' || *s == '\t')) {
			const char *t = s;
			while (*t == ' ' || *t == '\t')
				t++;
			if (str_starts(t, "=?UTF-8?B?")) {
				s = t;
				continue;
			}
		}
		prev_word = 0;
		buf_putc(out, *s++);
	}
}

int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* Quoted-printable with CRLF line ends -> text with LF line ends. Also
 * checks the encoding's rules: lines <= 76, only printable ASCII. */
void
qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_putc(out, '\n');
			i++;
			col = 0;
			continue;
		}
		ck_assert_msg(++col <= 76, "quoted-printable line over 76 columns");
		ck_assert_msg(c == '\t' || (c >= 0x20 && c < 0x7f),
		    "raw byte 0x%02x in a quoted-printable part", c);
		if (c != '=') {
			buf_putc(out, (char)c);
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;		/* soft line break */
			col = 0;
			continue;
		}
		ck_assert(i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0);
		buf_putc(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
		i += 2;
		col += 2;
	}
}

/* The decoded body of the MIME part of type `type` ("text/plain"). */
void
mime_part(const char *msg, const char *type, struct buf *out)
{
	char ct[512], boundary[128], delim[140], want[64];
	const char *p, *q, *body;

	ck_assert(header(msg, "Content-Type", ct, sizeof(ct)) == 0);
	p = strstr(ct, "boundary=\"");
	ck_assert_msg(p != NULL, "no boundary in %s", ct);
	p += strlen("boundary=\"");
	q = strchr(p, '"');
	ck_assert(q != NULL && (size_t)(q - p) < sizeof(boundary));
	memcpy(boundary, p, (size_t)(q - p));
	boundary[q - p] = '\0';
	str_fmt(delim, sizeof(delim), "\r\n--%s", boundary);
	str_fmt(want, sizeof(want), "Content-Type: %s; charset=UTF-8\r\n", type);
	for (p = strstr(msg, delim); p != NULL; p = strstr(p + 1, delim)) {
		const char *part = p + strlen(delim) + 2;
		if (!str_starts(part, want))
			continue;
		ck_assert(strstr(part, "Content-Transfer-Encoding: "
		    "quoted-printable\r\n") != NULL);
		body = strstr(part, "\r\n\r\n");
		ck_assert(body != NULL);
		body += 4;
		q = strstr(body, delim);
		ck_assert(q != NULL);
		/* the CRLF before "--boundary" belongs to the delimiter */
		qp_decode(body, (size_t)(q - body), out);
		return;
	}
	ck_abort_msg("no %s part", type);
}

/* --- database helpers ---------------------------------------------------- */


void
row_get(int64_t id, struct row *r)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result res;

	ck_assert(db_query(db, "SELECT status, attempts, next_attempt_at, "
	    "COALESCE(lease_until, 0), COALESCE(sent_at, 0), COALESCE(lease_owner, ''), "
	    "message_id, COALESCE(last_error, '') FROM outbox WHERE id = ?", p, 1,
	    &res) == DB_OK);
	ck_assert_msg(res.nrows == 1, "outbox row %" PRId64 " missing", id);
	str_copy(r->status, sizeof(r->status), db_str(&res, 0, 0));
	r->attempts = db_i64(&res, 0, 1);
	r->next_attempt_at = db_i64(&res, 0, 2);
	r->lease_until = db_i64(&res, 0, 3);
	r->sent_at = db_i64(&res, 0, 4);
	str_copy(r->lease_owner, sizeof(r->lease_owner), db_str(&res, 0, 5));
	str_copy(r->message_id, sizeof(r->message_id), db_str(&res, 0, 6));
	str_copy(r->last_error, sizeof(r->last_error), db_str(&res, 0, 7));
	db_result_free(&res);
}


int
enq_tx(struct db *d, void *arg)
{
	struct enq *e = arg;
	int rc = outbox_enqueue(d, OUTBOX_OTHER, e->to, e->subject, e->text,
	    e->html, "test", 1, &e->id);

	if (rc != DB_OK)
		return rc;
	return e->rollback ? DB_ERR : DB_OK;	/* the "event" failed */
}

int64_t
enqueue(const char *to, const char *subject)
{
	struct enq e = { to, subject, "Hello,\n\nthis is a test.\n",
	    "<p>Hello, this is a <b>test</b>.</p>", 0, 0 };

	ck_assert_msg(db_tx(db, enq_tx, &e) == DB_OK, "enqueue: %s", db_error(db));
	ck_assert(e.id > 0);
	return e.id;
}

/* Runs one mailer (this process) until nothing is due; returns its stats. */
struct mailer_stats
run_mailer(void)
{
	struct mailer_stats st = { 0, 0, 0 };
	char err[256];
	struct mailer *m = mailer_new(&cfg, db, err, sizeof(err));

	ck_assert_msg(m != NULL, "mailer_new: %s", err);
	ck_assert(mailer_run(m, 1000, NULL, &st) >= 0);
	mailer_free(m);
	return st;
}

void
unique_addr(char *out, size_t outsz, const char *prefix)
{
	char u[64];

	itest_unique(u, sizeof(u), prefix);
	str_fmt(out, outsz, "%s@example.test", u);
}

void
set_str(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	ck_assert(*field != NULL);
}


/* The stack's billing-jobs would race this test's mailers: stop it first
 * (and check what it logged so far), start it again at the end. */
int
jobs_ctl(const char *what)
{
	struct buf out;
	int rc;

	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s %s %s", env_sh, what, itest_dir);
	if (rc != 0)
		fprintf(stderr, "env.sh %s: %s\n", what, buf_cstr(&out));
	buf_reset(&out);
	if (rc == 0 && strcmp(what, "jobs-stop") == 0 &&
	    itest_sh(&out, "grep -nE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "
	    "%s", getenv("ITEST_JOBS_LOG")) == 0) {
		fprintf(stderr, "sanitizer reports in the billing-jobs log:\n%s\n",
		    buf_cstr(&out));
		rc = 1;
	}
	buf_free(&out);
	return rc;
}

int
mail_suite_run(Suite *s)
{
	SRunner *sr;
	int failed;

	maildir = getenv("ITEST_MAILDIR");
	env_sh = getenv("ITEST_ENV_SH");
	itest_dir = getenv("ITEST_DIR");
	ctl = getenv("ITEST_BILLINGCTL");
	if (maildir == NULL || env_sh == NULL || itest_dir == NULL || ctl == NULL ||
	    getenv("ITEST_CONFIG") == NULL || getenv("ITEST_JOBS_LOG") == NULL) {
		fprintf(stderr, "ITEST_* not set: run tests/integration/run\n");
		return 2;
	}
	if (jobs_ctl("jobs-stop") != 0)
		return 1;
	sr = srunner_create(s);
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (jobs_ctl("jobs-stop") != 0 || jobs_ctl("jobs-start") != 0)
		failed++;
	return failed == 0 ? 0 : 1;
}
