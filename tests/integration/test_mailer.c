/* Email, the mailer against the real SMTP catcher of the test stack:
 *   delivered:   enqueue + commit -> exactly one message with the right
 *                headers, both parts, a non-ASCII subject
 *   server down: transient failures back off exponentially, then delivery
 *                once the server is back; retry limit; permanent 5xx
 *   crash:       a mailer killed after the SMTP transaction and before marking
 *                -> after the lease expires exactly one more delivery with the
 *                same Message-ID (the at-least-once window), never a third
 *   concurrency: three mailers on one queue -> every message exactly once
 *   billing-jobs / billingctl mail send-pending: the real programs send.
 * The stack's own billing-jobs is stopped while this runs and started again
 * at the end. "Now" is moved with clock_set() to step through backoff and
 * lease expiry; the mailer compares against that clock only. */
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
mailer_suite(void)
{
	Suite *s = suite_create("mailer");
	TCase *tc = tcase_create("mailer");

	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_delivered);
	tcase_add_test(tc, test_server_down_backoff);
	tcase_add_test(tc, test_retry_limit_and_permanent);
	tcase_add_test(tc, test_crash_between_send_and_mark);
	tcase_add_test(tc, test_concurrent_mailers);
	tcase_add_test(tc, test_programs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mail_suite_run(mailer_suite());
}
