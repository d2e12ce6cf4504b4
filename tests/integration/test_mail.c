/* Email, the outbox: message text (headers, RFC 2047 subject,
 * quoted-printable parts), every mail template in strict mode and in
 * Spanish, what enqueue refuses, a rolled-back transaction sends nothing,
 * notices rendered when sent. Against the real SMTP catcher of the test
 * stack (scripts/lib/smtp-catcher.py); shared set-up in mail_fixture.c.
 * Delivery, retries, crashes and concurrency: test_mailer.c. */
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
	tcase_add_test(tc, test_notice_rendered_when_sent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mail_suite_run(mail_suite());
}
