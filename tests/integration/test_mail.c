/* Email: the outbox and the SMTP mailer against the real SMTP catcher of the
 * test stack (scripts/lib/smtp-catcher.py: every message it accepts is a file
 * in $ITEST_MAILDIR/new). tests/integration/run provides ITEST_CONFIG,
 * ITEST_MAILDIR, ITEST_ENV_SH, ITEST_DIR, ITEST_BILLINGCTL.
 *
 *   format:      message text (headers, RFC 2047 subject, quoted-printable
 *                parts) and every mail template in strict mode
 *   rollback:    enqueue inside a transaction that rolls back -> no row, no mail
 *   delivered:   enqueue + commit -> exactly one message with the right
 *                headers, both parts, a non-ASCII subject
 *   server down: transient failures back off exponentially, then delivery
 *                once the server is back; retry limit; permanent 5xx
 *   crash:       a mailer killed after the SMTP transaction and before marking
 *                -> after the lease expires exactly one more delivery with the
 *                same Message-ID (the at-least-once window), never a third
 *   concurrency: three mailers on one queue -> every message exactly once
 *   billing-jobs / billingctl mail send-pending: the real programs send.
 *
 * The stack's own billing-jobs is stopped while this runs (its log is
 * checked for sanitizer reports) and started again at the end. "Now" is
 * moved with clock_set() to step through backoff and lease expiry; the
 * mailer compares against that clock only. */
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
#include "mailer.h"
#include "mime.h"
#include "notice.h"
#include "notice_render.h"
#include "outbox.h"
#include "str.h"
#include "tmpl.h"

#define TC_TIMEOUT	180
#define MAX_MAILS	16
#define NCONC		30	/* messages in the concurrency test */
#define NMAILERS	3

static struct config cfg;
static struct db *db;
static const char *maildir, *env_sh, *itest_dir, *ctl;

/* --- fixtures ----------------------------------------------------------- */

static void
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

static void
teardown(void)
{
	clock_set(0);
	if (db != NULL)
		db_close(db);
	db = NULL;
	config_free(&cfg);
}

/* --- reading the catcher's Maildir -------------------------------------- */

struct mail {
	char	 name[256];
	char	*data;
};

static int
mail_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mail *)a)->name, ((const struct mail *)b)->name);
}

static char *
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
static size_t
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

static void
mails_free(struct mail *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].data);
}

static size_t
count_for(const char *to)
{
	struct mail m[MAX_MAILS];
	size_t n = mails_for(to, m, MAX_MAILS);

	mails_free(m, n);
	return n;
}

/* Header `name` of a message (unfolded) into out; -1 when absent. */
static int
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

static int
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

static void
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
static void
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

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* Quoted-printable with CRLF line ends -> text with LF line ends. Also
 * checks the encoding's rules: lines <= 76, only printable ASCII. */
static void
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
static void
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

struct row {
	char	 status[16];
	int64_t	 attempts, next_attempt_at, lease_until, sent_at;
	char	 lease_owner[128], message_id[300], last_error[1024];
};

static void
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

struct enq {
	const char	*to, *subject, *text, *html;
	int64_t		 id;
	int		 rollback;
};

static int
enq_tx(struct db *d, void *arg)
{
	struct enq *e = arg;
	int rc = outbox_enqueue(d, OUTBOX_OTHER, e->to, e->subject, e->text,
	    e->html, "test", 1, &e->id);

	if (rc != DB_OK)
		return rc;
	return e->rollback ? DB_ERR : DB_OK;	/* the "event" failed */
}

static int64_t
enqueue(const char *to, const char *subject)
{
	struct enq e = { to, subject, "Hello,\n\nthis is a test.\n",
	    "<p>Hello, this is a <b>test</b>.</p>", 0, 0 };

	ck_assert_msg(db_tx(db, enq_tx, &e) == DB_OK, "enqueue: %s", db_error(db));
	ck_assert(e.id > 0);
	return e.id;
}

/* Runs one mailer (this process) until nothing is due; returns its stats. */
static struct mailer_stats
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

static void
unique_addr(char *out, size_t outsz, const char *prefix)
{
	char u[64];

	itest_unique(u, sizeof(u), prefix);
	str_fmt(out, outsz, "%s@example.test", u);
}

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	ck_assert(*field != NULL);
}

/* --- tests ---------------------------------------------------------------- */

START_TEST(test_format)
{
	const char *subject = "Reçu de paiement — 125,00 € ✓ for invoice INV-000123, "
	    "a subject long enough to need several encoded words";
	const char *text = "Line one: 100 € = cents\n.starts with a dot\nFrom here\n"
	    "trailing space \n"
	    "A long line that goes on and on and on, well past the seventy-six columns "
	    "quoted-printable allows, so it must be soft-broken. Ünïcödé too.\n";
	char *msg = mime_message("billing@test.local", "Clinic \"Ünïon\"",
	    "x@example.test", subject, text, "<p>Ünïcödé &amp; more</p>\n",
	    "<abc.1@host>", 1795335402);
	char v[1024];
	struct buf b;

	ck_assert(msg != NULL);
	buf_init(&b, 1 << 20);
	ck_assert(header(msg, "Date", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "Sun, 22 Nov 2026 08:16:42 +0000");
	ck_assert(header(msg, "Message-ID", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "<abc.1@host>");
	ck_assert(header(msg, "To", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "<x@example.test>");
	ck_assert(header(msg, "MIME-Version", v, sizeof(v)) == 0);
	ck_assert(header(msg, "Subject", v, sizeof(v)) == 0);
	rfc2047_decode(v, &b);
	ck_assert_str_eq(buf_cstr(&b), subject);
	buf_reset(&b);
	ck_assert(header(msg, "From", v, sizeof(v)) == 0);
	rfc2047_decode(v, &b);
	ck_assert_str_eq(buf_cstr(&b), "Clinic \"Ünïon\" <billing@test.local>");
	/* headers are ASCII, lines within 78 (+CRLF) */
	for (const char *p = msg; *p; p++)
		ck_assert_msg((unsigned char)*p < 0x80, "8-bit byte in the message");
	for (const char *p = msg, *e; (e = strstr(p, "\r\n")) != NULL; p = e + 2)
		ck_assert_msg(e - p <= 78, "line of %d chars: %.*s", (int)(e - p),
		    (int)(e - p), p);
	buf_reset(&b);
	mime_part(msg, "text/plain", &b);
	ck_assert_str_eq(buf_cstr(&b), text);
	ck_assert(strstr(msg, "\r\n=2Estarts with a dot") != NULL);
	ck_assert(strstr(msg, "\r\n=46rom here") != NULL);
	ck_assert(strstr(msg, "trailing space=20\r\n") != NULL);
	buf_reset(&b);
	mime_part(msg, "text/html", &b);
	ck_assert_str_eq(buf_cstr(&b), "<p>Ünïcödé &amp; more</p>\n");
	free(msg);

	/* a long ASCII subject is folded at spaces, not encoded */
	{
		const char *ls = "Your statement for the period 2026-10-01 to "
		    "2026-10-31 from Test Clinic is ready: balance due $1,234.56, "
		    "pay online or in person";
		msg = mime_message("billing@test.local", "Test Clinic",
		    "x@example.test", ls, "x\n", NULL, "<abc.3@host>", 0);
		ck_assert(msg != NULL);
		for (const char *p = msg, *e; (e = strstr(p, "\r\n")) != NULL; p = e + 2)
			ck_assert_msg(e - p <= 78, "line of %d chars", (int)(e - p));
		ck_assert(header(msg, "Subject", v, sizeof(v)) == 0);
		ck_assert_str_eq(v, ls);
		ck_assert(strstr(msg, "=?") == NULL);
		free(msg);
	}

	/* text only: no multipart; ASCII subject verbatim */
	msg = mime_message("billing@test.local", "Test Clinic", "x@example.test",
	    "Plain subject", "Just text.\n", NULL, "<abc.2@host>", 0);
	ck_assert(msg != NULL);
	ck_assert(header(msg, "Subject", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "Plain subject");
	ck_assert(header(msg, "From", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "\"Test Clinic\" <billing@test.local>");
	ck_assert(header(msg, "Content-Type", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "text/plain; charset=UTF-8");
	ck_assert(strstr(msg, "\r\n\r\nJust text.\r\n") != NULL);
	free(msg);
	buf_free(&b);
}
END_TEST

/* Every mail template renders in strict mode, values verbatim in the text
 * part and escaped in the HTML part, with the organisation's name. */
START_TEST(test_templates)
{
	static const char *const names[] = { "activation", "password_reset",
	    "invoice", "receipt", "payment_confirmation", "ach_result", "statement",
	    "test" };
	struct tmpl_cache *tc = tmpl_cache_new(cfg.templates_dir, 1);
	char err[512];

	ck_assert(tc != NULL);
	set_str(&cfg.org_address, "12 Main St, Springfield");
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		struct tmpl_vars *v = tmpl_vars_new(), *row;
		struct outbox_mail m;
		static const char *const keys[] = { "activation_url", "reset_url",
		    "portal_url", "pay_url", "receipt_url", "statement_url" };

		tmpl_set(v, "recipient_name", "Tom & Jerry <b>");
		tmpl_set(v, "account_name", "Tom & Jerry <b>");
		for (size_t k = 0; k < ARRAY_LEN(keys); k++)
			tmpl_setf(v, keys[k], "http://127.0.0.1/x/%s?a=1&b=2", keys[k]);
		tmpl_set(v, "expires_hours", "72");
		tmpl_set(v, "invoice_number", "INV-0042");
		tmpl_set(v, "invoice_date", "2026-11-01");
		tmpl_set(v, "due_date", "2026-11-30");
		tmpl_set(v, "client_name", "Jerry");
		tmpl_set(v, "total", "$1,234.50");
		tmpl_set(v, "amount_due", "$1,000.00");
		tmpl_set_bool(v, "has_due", 1);
		tmpl_set(v, "pay_expires", "2026-12-30");
		tmpl_set(v, "amount", "$1,000.00");
		tmpl_set(v, "date", "2026-11-22");
		tmpl_set(v, "method", "Visa ending 4242");
		tmpl_set(v, "transaction_id", "P-17 / pi_123");
		tmpl_set_bool(v, "is_ach", i == 4);
		tmpl_set_bool(v, "succeeded", 0);
		tmpl_set(v, "failure_message", "Insufficient funds");
		tmpl_set(v, "period_from", "2026-10-01");
		tmpl_set(v, "period_to", "2026-10-31");
		tmpl_set(v, "balance_due", "$99.00");
		row = tmpl_loop_add(v, "invoices");
		tmpl_set(row, "number", "INV-0042");
		tmpl_set(row, "amount", "$1,000.00");
		ck_assert_msg(outbox_render(tc, &cfg, names[i], v, &m, err,
		    sizeof(err)) == 0, "%s: %s", names[i], err);
		/* the organisation in both parts, nothing left escaped in the text */
		ck_assert_msg(strstr(m.html, "Test Clinic") != NULL, "%s", names[i]);
		ck_assert_msg(strstr(m.html, "12 Main St, Springfield") != NULL, "%s",
		    names[i]);
		ck_assert_msg(strstr(m.text, "\nTest Clinic\n12 Main St, Springfield\n")
		    != NULL, "%s text footer: %s", names[i], m.text);
		ck_assert_msg(strstr(m.text, "&amp;") == NULL, "%s", names[i]);
		ck_assert_msg(strstr(m.text, "\n\n\n") == NULL, "%s: blank runs", names[i]);
		if (strcmp(names[i], "test") != 0) {
			/* values verbatim in the text, escaped in the HTML */
			ck_assert_msg(strstr(m.text, "Hello Tom & Jerry <b>,\n") != NULL,
			    "%s text: %s", names[i], m.text);
			ck_assert_msg(strstr(m.html, "Hello Tom &amp; Jerry &lt;b&gt;,")
			    != NULL, "%s html", names[i]);
			ck_assert_msg(strstr(m.html, "a=1&amp;b=2") != NULL ||
			    strcasestr(m.html, "a&#x3d;1&#x26;b&#x3d;2") != NULL,
			    "%s: no link", names[i]);
			ck_assert_msg(strstr(m.html, "a=1&b") == NULL, "%s: raw &",
			    names[i]);
			ck_assert_msg(strstr(m.text, "a=1&b=2") != NULL, "%s: no link",
			    names[i]);
		}
		ck_assert_msg(*m.subject != '\0' && strchr(m.subject, '\n') == NULL,
		    "%s subject", names[i]);
		ck_assert_msg(strstr(m.text, "Subject:") == NULL, "%s", names[i]);
		/* dates in words, never ISO */
		ck_assert_msg(strstr(m.text, "2026-1") == NULL && strstr(m.html,
		    "2026-1") == NULL && strstr(m.subject, "2026-1") == NULL,
		    "%s: an ISO date: %s", names[i], m.text);
		if (strcmp(names[i], "invoice") == 0)
			ck_assert_msg(strstr(m.text, "November 30, 2026") != NULL &&
			    strstr(m.html, "November 1, 2026") != NULL, "%s", m.text);
		if (strcmp(names[i], "receipt") == 0)
			ck_assert_msg(strstr(m.text, "November 22, 2026") != NULL, "%s",
			    m.text);
		if (strcmp(names[i], "statement") == 0)
			ck_assert_msg(strstr(m.subject, "October 1, 2026 to October 31, "
			    "2026") != NULL, "%s", m.subject);
		outbox_mail_free(&m);
		tmpl_vars_free(v);
	}
	tmpl_cache_free(tc);
}
END_TEST

/* A Spanish account's emails write dates the Spanish way. */
START_TEST(test_templates_dates_es)
{
	static const struct { const char *name, *want; } t[] = {
		{ "invoice", "30 de noviembre de 2026" },
		{ "receipt", "22 de noviembre de 2026" },
		{ "statement", "1 de octubre de 2026" },
	};
	struct tmpl_cache *tc = tmpl_cache_new(cfg.templates_dir,
	    TMPL_STRICT_CATALOG);
	char err[512];

	ck_assert(tc != NULL);
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		struct tmpl_vars *v = tmpl_vars_new();
		struct outbox_mail m;

		tmpl_set(v, "lang", "es");
		tmpl_set(v, "invoice_number", "INV-0042");
		tmpl_set(v, "invoice_date", "2026-11-01");
		tmpl_set(v, "due_date", "2026-11-30");
		tmpl_set(v, "total", "$1,234.50");
		tmpl_set(v, "amount_due", "$1,000.00");
		tmpl_set(v, "amount", "$1,000.00");
		tmpl_set(v, "date", "2026-11-22");
		tmpl_set(v, "method", "Visa terminada en 4242");
		tmpl_set(v, "transaction_id", "P-17");
		tmpl_set(v, "period_from", "2026-10-01");
		tmpl_set(v, "period_to", "2026-10-31");
		tmpl_set(v, "balance_due", "$99.00");
		memset(&m, 0, sizeof(m));
		ck_assert_msg(outbox_render(tc, &cfg, t[i].name, v, &m, err,
		    sizeof(err)) == 0, "%s: %s", t[i].name, err);
		ck_assert_msg(strstr(m.text, t[i].want) != NULL ||
		    strstr(m.subject, t[i].want) != NULL, "%s: %s", t[i].name, m.text);
		ck_assert_msg(strstr(m.text, "2026-1") == NULL, "%s: %s", t[i].name,
		    m.text);
		outbox_mail_free(&m);
		tmpl_vars_free(v);
	}
	tmpl_cache_free(tc);
}
END_TEST

START_TEST(test_enqueue_rejects)
{
	static const char *const bad_to[] = { "a@b.c\r\nBcc: x@y.z", "<a@b.c>",
	    "a b@c.d", "nobody", "@b.c", "a@", "a@b@c", "ä@b.c" };
	int64_t id = 0;

	for (size_t i = 0; i < ARRAY_LEN(bad_to); i++)
		ck_assert_msg(outbox_enqueue(db, OUTBOX_OTHER, bad_to[i], "S", "T",
		    NULL, NULL, 0, &id) == OUTBOX_INVALID, "%s", bad_to[i]);
	ck_assert(outbox_enqueue(db, OUTBOX_OTHER, "a@b.c", "S\r\nBcc: x@y.z", "T",
	    NULL, NULL, 0, &id) == OUTBOX_INVALID);
	ck_assert(outbox_enqueue(db, OUTBOX_OTHER, "a@b.c", "", "T", NULL, NULL, 0,
	    &id) == OUTBOX_INVALID);
	ck_assert(outbox_enqueue(db, OUTBOX_OTHER, "a@b.c", "S", "", NULL, NULL, 0,
	    &id) == OUTBOX_INVALID);
	ck_assert(outbox_enqueue(db, OUTBOX_OTHER, "a@b.c", "S", "bad \xff utf-8",
	    NULL, NULL, 0, &id) == OUTBOX_INVALID);
	ck_assert(outbox_enqueue(db, OUTBOX__MAX, "a@b.c", "S", "T", NULL, NULL, 0,
	    &id) == OUTBOX_INVALID);
}
END_TEST

START_TEST(test_rollback_sends_nothing)
{
	char to[128];
	struct enq e = { to, "Never sent", "text", NULL, 0, 1 };
	struct db_param p[] = { DB_STR(to) };
	struct db_result r;

	unique_addr(to, sizeof(to), "rollback");
	ck_assert(db_tx(db, enq_tx, &e) == DB_ERR);
	ck_assert(e.id > 0);	/* it was inserted, then rolled back */
	ck_assert(db_query(db, "SELECT COUNT(*) FROM outbox WHERE to_addr = ?", p,
	    1, &r) == DB_OK);
	ck_assert_int_eq(db_i64(&r, 0, 0), 0);
	db_result_free(&r);
	run_mailer();
	ck_assert_int_eq(count_for(to), 0);
}
END_TEST

/* A notice (notice.h) queued by an "event" in its transaction. */
struct nenq {
	const char	*to;
	int		 rollback;
	int64_t		 id;
};

static int
nenq_tx(struct db *d, void *arg)
{
	struct nenq *e = arg;
	struct notice n;
	int rc;

	notice_init(&n, NOTICE_ESTIMATE, e->to, "es", 0, "estimate", 1);
	notice_fact(&n, "link", "https://clinic.test/portal/estimates/1");
	notice_fact_i64(&n, "patient", 12345);
	if ((rc = notice_enqueue(d, &cfg, &n, &e->id)) != DB_OK)
		return rc;
	return e->rollback ? DB_ERR : DB_OK;
}

/* Notices are rendered by the mailer when it sends them: a notice whose
 * event rolled back never exists; a committed one waits unrendered (no
 * subject, no body) and goes out rendered, in its language, with the
 * rendered mail kept on the row. */
START_TEST(test_notice_rendered_when_sent)
{
	char to[128], gone[128];
	struct nenq e = { NULL, 1, 0 };
	struct notice_render_env env = { NULL, NULL, &cfg };
	struct mailer_stats st = { 0, 0, 0 };
	struct mail m[MAX_MAILS];
	struct db_result r;
	char err[256];
	struct mailer *ml;
	size_t n;

	unique_addr(gone, sizeof(gone), "notice-rollback");
	unique_addr(to, sizeof(to), "notice");
	e.to = gone;
	ck_assert(db_tx(db, nenq_tx, &e) == DB_ERR);
	e.to = to;
	e.rollback = 0;
	ck_assert(db_tx(db, nenq_tx, &e) == DB_OK);
	{
		struct db_param p[] = { DB_I64(e.id) };
		ck_assert(db_query(db, "SELECT subject, text_body IS NULL FROM outbox"
		    " WHERE id = ?", p, 1, &r) == DB_OK && r.nrows == 1);
		ck_assert_str_eq(db_str(&r, 0, 0), "");
		ck_assert_int_eq(db_i64(&r, 0, 1), 1);
		db_result_free(&r);
	}
	env.db = db;
	ck_assert((env.tc = tmpl_cache_new(cfg.templates_dir, 1)) != NULL);
	ck_assert_msg((ml = mailer_new(&cfg, db, err, sizeof(err))) != NULL, "%s",
	    err);
	mailer_set_renderer(ml, notice_render, &env);
	ck_assert(mailer_run(ml, 1000, NULL, &st) >= 0);
	mailer_free(ml);
	tmpl_cache_free(env.tc);
	ck_assert_int_eq(count_for(gone), 0);
	n = mails_for(to, m, MAX_MAILS);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(m[0].data, "Ya puede revisar y firmar"));
	ck_assert_ptr_nonnull(strstr(m[0].data, "123.45"));
	mails_free(m, n);
	{
		struct db_param p[] = { DB_I64(e.id) };
		ck_assert(db_query(db, "SELECT status, subject, text_body FROM outbox"
		    " WHERE id = ?", p, 1, &r) == DB_OK && r.nrows == 1);
		ck_assert_str_eq(db_str(&r, 0, 0), "sent");
		ck_assert_str_eq(db_str(&r, 0, 1),
		    "Su presupuesto está listo para revisar");
		ck_assert_ptr_nonnull(strstr(db_str(&r, 0, 2),
		    "https://clinic.test/portal/estimates/1"));
		db_result_free(&r);
	}
}
END_TEST

START_TEST(test_commit_delivered)
{
	const char *subject = "Ihre Rechnung über 42,00 € — merci ✓";
	const char *text = "Grüße,\n\nyour invoice is attached in spirit.\n"
	    ". a line with a leading dot\n";
	const char *html = "<p>Gr&uuml;&szlig;e, <b>Ünïcödé</b></p>\n";
	struct enq e = { NULL, subject, text, html, 0, 0 };
	struct mail m[MAX_MAILS];
	struct row r;
	struct buf b;
	char to[128], v[1024];
	size_t n;

	unique_addr(to, sizeof(to), "commit");
	e.to = to;
	ck_assert(db_tx(db, enq_tx, &e) == DB_OK);
	row_get(e.id, &r);
	ck_assert_str_eq(r.status, "queued");
	ck_assert(str_starts(r.message_id, "<") && strchr(r.message_id, '@') != NULL);
	ck_assert(run_mailer().sent >= 1);

	n = mails_for(to, m, MAX_MAILS);
	ck_assert_int_eq(n, 1);
	row_get(e.id, &r);
	ck_assert_str_eq(r.status, "sent");
	ck_assert_int_eq(r.attempts, 1);
	ck_assert(r.sent_at > 0 && r.lease_owner[0] == '\0');

	buf_init(&b, 1 << 20);
	ck_assert(header(m[0].data, "Return-Path", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "<billing@test.local>");
	ck_assert(header(m[0].data, "Message-ID", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, r.message_id);
	ck_assert(header(m[0].data, "To", v, sizeof(v)) == 0);
	ck_assert(strstr(v, to) != NULL);
	ck_assert(header(m[0].data, "From", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "\"Test Clinic\" <billing@test.local>");
	ck_assert(header(m[0].data, "Date", v, sizeof(v)) == 0);
	ck_assert(strstr(v, " +0000") != NULL);
	ck_assert(header(m[0].data, "MIME-Version", v, sizeof(v)) == 0);
	ck_assert_str_eq(v, "1.0");
	ck_assert(header(m[0].data, "Content-Type", v, sizeof(v)) == 0);
	ck_assert(str_starts(v, "multipart/alternative; boundary=\"=_"));
	ck_assert(header(m[0].data, "Subject", v, sizeof(v)) == 0);
	ck_assert(strstr(v, "=?UTF-8?B?") != NULL);
	rfc2047_decode(v, &b);
	ck_assert_str_eq(buf_cstr(&b), subject);
	buf_reset(&b);
	mime_part(m[0].data, "text/plain", &b);
	ck_assert_str_eq(buf_cstr(&b), text);
	buf_reset(&b);
	mime_part(m[0].data, "text/html", &b);
	ck_assert_str_eq(buf_cstr(&b), html);
	buf_free(&b);
	mails_free(m, n);

	/* nothing more on later runs */
	run_mailer();
	ck_assert_int_eq(count_for(to), 1);
}
END_TEST

static void
env_ctl(const char *what)
{
	struct buf out;
	int rc;

	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s %s %s", env_sh, what, itest_dir);
	ck_assert_msg(rc == 0, "env.sh %s: %s", what, buf_cstr(&out));
	buf_free(&out);
}

/* The server is down: attempts back off (base, 2 base, ...) and the row is
 * delivered once the server is back, exactly once. */
START_TEST(test_server_down_backoff)
{
	int64_t t0 = clock_now(), base = cfg.mail_retry_base, id;
	char to[128];
	struct row r;

	unique_addr(to, sizeof(to), "down");
	clock_set(t0);
	id = enqueue(to, "Backoff");
	env_ctl("smtp-stop");

	run_mailer();			/* attempt 1 at t0 fails */
	row_get(id, &r);
	ck_assert_str_eq(r.status, "queued");
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_int_eq(r.next_attempt_at, t0 + base);
	ck_assert_msg(r.last_error[0] != '\0', "no last_error");
	run_mailer();			/* not due yet: no attempt */
	row_get(id, &r);
	ck_assert_int_eq(r.attempts, 1);

	clock_set(t0 + base);		/* attempt 2 fails: next after 2 base */
	run_mailer();
	row_get(id, &r);
	ck_assert_int_eq(r.attempts, 2);
	ck_assert_int_eq(r.next_attempt_at, t0 + base + 2 * base);

	clock_set(t0 + 3 * base);	/* attempt 3 fails: next after 4 base */
	run_mailer();
	row_get(id, &r);
	ck_assert_int_eq(r.attempts, 3);
	ck_assert_int_eq(r.next_attempt_at, t0 + 3 * base + 4 * base);

	env_ctl("smtp-start");
	clock_set(t0 + 7 * base - 1);	/* back, but still backing off */
	run_mailer();
	row_get(id, &r);
	ck_assert_str_eq(r.status, "queued");
	ck_assert_int_eq(count_for(to), 0);
	clock_set(t0 + 7 * base);
	run_mailer();
	row_get(id, &r);
	ck_assert_str_eq(r.status, "sent");
	ck_assert_int_eq(r.attempts, 4);
	ck_assert_int_eq(count_for(to), 1);
}
END_TEST

/* A dead server until mail_retry_max attempts: failed; a 550: failed at once. */
START_TEST(test_retry_limit_and_permanent)
{
	int64_t t0 = clock_now(), id, id2;
	char to[128], to2[128];
	struct row r;
	int64_t t = t0;

	cfg.mail_retry_max = 3;
	unique_addr(to, sizeof(to), "limit");
	clock_set(t0);
	id = enqueue(to, "Retry limit");
	env_ctl("smtp-stop");
	for (int i = 0; i < 3; i++) {
		clock_set(t);
		run_mailer();
		row_get(id, &r);
		ck_assert_int_eq(r.attempts, i + 1);
		t = r.next_attempt_at;
	}
	ck_assert_str_eq(r.status, "failed");
	env_ctl("smtp-start");
	clock_set(t + 86400);
	run_mailer();
	row_get(id, &r);
	ck_assert_str_eq(r.status, "failed");
	ck_assert_int_eq(r.attempts, 3);
	ck_assert_int_eq(count_for(to), 0);

	/* the catcher refuses reject-* recipients with 550: no retry */
	{
		char u[64];
		itest_unique(u, sizeof(u), "reject");
		str_fmt(to2, sizeof(to2), "%s@example.test", u);
	}
	clock_set(0);
	id2 = enqueue(to2, "Rejected");
	run_mailer();
	row_get(id2, &r);
	ck_assert_str_eq(r.status, "failed");
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_msg(strstr(r.last_error, "550") != NULL, "%s", r.last_error);
}
END_TEST

static int64_t crash_id;

static void
crash_hook(int64_t id)
{
	if (id == crash_id)
		kill(getpid(), SIGKILL);	/* after 250 to DATA, before marking */
}

/* A mailer process that dies at the worst moment. */
static pid_t
crashing_mailer(void)
{
	pid_t pid = fork();

	ck_assert(pid != -1);
	if (pid == 0) {
		struct mailer *m;
		struct db *d = db_new(&cfg);
		char err[256];

		if (d == NULL || db_ensure(d) != DB_OK ||
		    (m = mailer_new(&cfg, d, err, sizeof(err))) == NULL)
			_exit(3);
		mailer_set_after_send_hook(m, crash_hook);
		mailer_run(m, 1000, NULL, NULL);
		_exit(4);	/* never reached the row */
	}
	return pid;
}

START_TEST(test_crash_between_send_and_mark)
{
	struct mail m[MAX_MAILS];
	struct row r, r2;
	char to[128], mid1[300], mid2[300];
	pid_t pid;
	int st;
	size_t n;

	unique_addr(to, sizeof(to), "crash");
	crash_id = enqueue(to, "Crash window");
	pid = crashing_mailer();
	ck_assert(waitpid(pid, &st, 0) == pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	    "mailer was not killed (status %d)", st);

	/* sent once, not marked: still leased to the dead process */
	ck_assert_int_eq(count_for(to), 1);
	row_get(crash_id, &r);
	ck_assert_str_eq(r.status, "sending");
	ck_assert_int_eq(r.attempts, 1);
	ck_assert(r.lease_until > 0);
	{
		char owner[64];
		str_fmt(owner, sizeof(owner), ":%ld", (long)pid);
		ck_assert_msg(strstr(r.lease_owner, owner) != NULL, "owner %s",
		    r.lease_owner);
	}

	/* while the lease runs, nobody sends it again */
	run_mailer();
	clock_set(r.lease_until - 1);
	run_mailer();
	ck_assert_int_eq(count_for(to), 1);

	/* lease expired: exactly one more delivery */
	clock_set(r.lease_until);
	run_mailer();
	row_get(crash_id, &r2);
	ck_assert_str_eq(r2.status, "sent");
	ck_assert_int_eq(r2.attempts, 2);
	clock_set(r.lease_until + 86400);
	run_mailer();
	clock_set(0);
	run_mailer();

	n = mails_for(to, m, MAX_MAILS);
	ck_assert_int_eq(n, 2);
	ck_assert(header(m[0].data, "Message-ID", mid1, sizeof(mid1)) == 0);
	ck_assert(header(m[1].data, "Message-ID", mid2, sizeof(mid2)) == 0);
	ck_assert_str_eq(mid1, r.message_id);
	ck_assert_str_eq(mid2, r.message_id);
	/* the very same message, byte for byte (Date is the enqueue time) */
	ck_assert_str_eq(m[0].data, m[1].data);
	mails_free(m, n);
}
END_TEST

/* NMAILERS processes start together on one queue: each message once. */
START_TEST(test_concurrent_mailers)
{
	char to[NCONC][128], prefix[64];
	int64_t ids[NCONC];
	pid_t pids[NMAILERS];
	int go[2], ready[2];

	itest_unique(prefix, sizeof(prefix), "conc");
	for (int i = 0; i < NCONC; i++) {
		str_fmt(to[i], sizeof(to[i]), "%s-%d@example.test", prefix, i);
		ids[i] = enqueue(to[i], "Concurrent");
	}
	ck_assert(pipe(go) == 0 && pipe(ready) == 0);
	for (int k = 0; k < NMAILERS; k++) {
		pid_t pid = fork();
		ck_assert(pid != -1);
		if (pid == 0) {
			struct mailer_stats st = { 0, 0, 0 };
			struct mailer *m;
			struct db *d = db_new(&cfg);
			char err[256], c;

			close(go[1]);
			close(ready[0]);
			if (d == NULL || db_ensure(d) != DB_OK ||
			    (m = mailer_new(&cfg, d, err, sizeof(err))) == NULL)
				_exit(3);
			if (write(ready[1], "r", 1) != 1)	/* connected */
				_exit(6);
			close(ready[1]);
			if (read(go[0], &c, 1) != 0)	/* wait for the start */
				_exit(5);
			if (mailer_run(m, 1000, NULL, &st) < 0)
				_exit(4);
			_exit(st.sent > 0 ? 0 : 1);	/* 1: got no work */
		}
		pids[k] = pid;
	}
	close(go[0]);
	close(ready[1]);
	/* every child connected and waiting (EOF early if one gave up) */
	for (int k = 0; k < NMAILERS; k++) {
		char c;
		ck_assert_msg(read(ready[0], &c, 1) == 1, "mailer %d did not start", k);
	}
	close(ready[0]);
	close(go[1]);		/* start them all at once */
	int busy = 0;
	for (int k = 0; k < NMAILERS; k++) {
		int st;
		ck_assert(waitpid(pids[k], &st, 0) == pids[k]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) <= 1,
		    "mailer %d: status %d", k, st);
		busy += WEXITSTATUS(st) == 0;
	}
	ck_assert_msg(busy >= 2, "only %d of %d mailers sent anything", busy,
	    NMAILERS);
	for (int i = 0; i < NCONC; i++) {
		struct row r;
		row_get(ids[i], &r);
		ck_assert_str_eq(r.status, "sent");
		ck_assert_int_eq(r.attempts, 1);
		ck_assert_msg(count_for(to[i]) == 1, "%s: %zu copies", to[i],
		    count_for(to[i]));
	}
}
END_TEST

static const char *wait_to;

static int
delivered(void *arg)
{
	(void)arg;
	return count_for(wait_to) == 1;
}

/* The real programs: billing-jobs sends within its tick and stops
 * gracefully; billingctl mail send-pending runs one batch. */
START_TEST(test_programs)
{
	struct buf out;
	char to[128], to2[128];
	int64_t id;
	struct row r;

	buf_init(&out, 1 << 16);
	unique_addr(to, sizeof(to), "ctl");
	ck_assert_msg(itest_sh(&out, "%s mail test --to %s", ctl, to) == 0, "%s",
	    buf_cstr(&out));
	ck_assert(sscanf(buf_cstr(&out), "queued test email %" SCNd64, &id) == 1);
	buf_reset(&out);
	ck_assert(itest_sh(&out, "%s mail status", ctl) == 0);
	ck_assert_msg(strstr(buf_cstr(&out), "queued ") != NULL, "%s", buf_cstr(&out));
	buf_reset(&out);
	ck_assert_msg(itest_sh(&out, "%s mail send-pending", ctl) == 0, "%s",
	    buf_cstr(&out));
	ck_assert_msg(strstr(buf_cstr(&out), "mail: sent ") != NULL, "%s",
	    buf_cstr(&out));
	ck_assert_int_eq(count_for(to), 1);
	row_get(id, &r);
	ck_assert_str_eq(r.status, "sent");
	{
		struct mail m[MAX_MAILS];
		char subj[256];
		size_t n = mails_for(to, m, MAX_MAILS);
		ck_assert(n == 1 && header(m[0].data, "Subject", subj, sizeof(subj)) == 0);
		ck_assert_str_eq(subj, "Test email from Test Clinic");
		mails_free(m, n);
	}

	env_ctl("jobs-start");
	unique_addr(to2, sizeof(to2), "jobs");
	id = enqueue(to2, "Sent by billing-jobs");
	wait_to = to2;
	ck_assert_msg(itest_wait_until(10000, 100, delivered, NULL) == 0,
	    "billing-jobs did not deliver within 10 s");
	row_get(id, &r);
	ck_assert_str_eq(r.status, "sent");
	{
		int64_t t = clock_mono_ms();
		env_ctl("jobs-stop");
		ck_assert_msg(clock_mono_ms() - t < 5000, "billing-jobs took %" PRId64
		    " ms to stop", clock_mono_ms() - t);
	}
	buf_reset(&out);
	ck_assert(itest_sh(&out, "grep -c 'stopping (signal)' %s",
	    getenv("ITEST_JOBS_LOG")) == 0);
	buf_free(&out);
}
END_TEST

static Suite *
mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("mail");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_templates);
	tcase_add_test(tc, test_templates_dates_es);
	tcase_add_test(tc, test_enqueue_rejects);
	tcase_add_test(tc, test_rollback_sends_nothing);
	tcase_add_test(tc, test_commit_delivered);
	tcase_add_test(tc, test_notice_rendered_when_sent);
	tcase_add_test(tc, test_server_down_backoff);
	tcase_add_test(tc, test_retry_limit_and_permanent);
	tcase_add_test(tc, test_crash_between_send_and_mark);
	tcase_add_test(tc, test_concurrent_mailers);
	tcase_add_test(tc, test_programs);
	suite_add_tcase(s, tc);
	return s;
}

/* The stack's billing-jobs would race this test's mailers: stop it first
 * (and check what it logged so far), start it again at the end. */
static int
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
main(void)
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
	sr = srunner_create(mail_suite());
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (jobs_ctl("jobs-stop") != 0 || jobs_ctl("jobs-start") != 0)
		failed++;
	return failed == 0 ? 0 : 1;
}
