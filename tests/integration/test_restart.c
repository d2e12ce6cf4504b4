/* Nothing is lost when a process dies or the database restarts: a worker
 * killed (the master starts another, no request fails once it has gone),
 * SIGHUP replacing every worker, a restart under load without a 502, and
 * MariaDB restarted under the running stack. Started by
 * tests/integration/run like test_stack.c. */
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "clock.h"
#include "itest.h"
#include "stack_fixture.h"
#include "str.h"

#define MAX_WORKERS	256

/* --- worker restart --------------------------------------------------- */

static pid_t
master_pid(void)
{
	pid_t pid = itest_pidfile_read(env.pidfile);

	ck_assert_msg(pid > 0, "cannot read billingd pid from %s", env.pidfile);
	ck_assert_msg(itest_pid_alive(pid), "billingd master %ld is not running", (long)pid);
	return pid;
}

struct workers_back {
	pid_t	 master;
	int	 want;
	pid_t	*old;
	int	 nold;
};

static int
pid_in(pid_t pid, const pid_t *set, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/* The killed worker is gone (exited: its descriptors are closed). */
static int
victim_gone(void *arg)
{
	return !itest_pid_alive(*(pid_t *)arg);
}

/* The master runs as many workers as before, one of them new. */
static int
workers_back(void *arg)
{
	struct workers_back *w = arg;
	pid_t now[MAX_WORKERS];
	int i, n = itest_children(w->master, now, MAX_WORKERS);

	if (n != w->want)
		return 0;
	for (i = 0; i < n; i++)
		if (!pid_in(now[i], w->old, w->nold))
			return 1;
	return 0;
}

START_TEST(test_worker_restart)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	pid_t master = master_pid(), old[MAX_WORKERS], victim;
	struct workers_back w;
	int n, i, failed = 0, left;
	long first_bad = 0;
	char first_err[256] = "";
	int64_t killed_at;

	itest_resp_init(&r);
	itest_get(c, "/healthz", &r);
	EXPECT_STATUS(&r, 200, "GET /healthz before the kill");
	n = itest_children(master, old, MAX_WORKERS);
	ck_assert_msg(n >= 1 && n <= MAX_WORKERS, "billingd %ld has %d workers", (long)master, n);
	victim = old[n - 1];

	ck_assert_int_eq(kill(victim, SIGKILL), 0);
	killed_at = clock_mono_ms();
	/* SIGKILL is not instant: a worker woken in accept() by it may still
	 * take one queued connection and die holding it (that request is lost
	 * with the worker, as with any crash mid-request). What must hold is
	 * that once it is gone every request is served by the others. */
	ck_assert_msg(itest_wait_until(10000, 5, victim_gone, &victim) == 0,
	    "worker %ld still alive 10 s after SIGKILL", (long)victim);
	for (i = 0; i < 50; i++) {
		if (itest_get(c, "/healthz", &r) != 200 && failed++ == 0) {
			first_bad = r.status;
			str_copy(first_err, sizeof(first_err), r.error);
		}
	}
	ck_assert_msg(failed == 0, "%d of 50 requests after killing worker %ld failed "
	    "(first: HTTP %ld %s)", failed, (long)victim, first_bad, first_err);

	w.master = master;
	w.want = n;
	w.old = old;
	w.nold = n;
	/* a generous deadline: how fast the master respawns is not the point */
	left = 60000 - (int)(clock_mono_ms() - killed_at);
	ck_assert_msg(itest_wait_until(left > 0 ? left : 0, 50, workers_back, &w) == 0,
	    "60 s after killing worker %ld: %d workers, want %d with a new one",
	    (long)victim, itest_children(master, NULL, 0), n);
	ck_assert_msg(!itest_pid_alive(victim), "killed worker %ld still alive", (long)victim);
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master && itest_pid_alive(master),
	    "billingd master changed or died");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* SIGHUP: a whole new generation of workers, none of the old ones left,
 * and requests keep succeeding while they are replaced. */
static int
all_replaced(void *arg)
{
	struct workers_back *w = arg;
	pid_t now[MAX_WORKERS];
	int i, n = itest_children(w->master, now, MAX_WORKERS);

	if (n != w->want)
		return 0;
	for (i = 0; i < n; i++)
		if (pid_in(now[i], w->old, w->nold))
			return 0;
	return 1;
}

START_TEST(test_sighup_replaces_workers)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	pid_t master = master_pid(), old[MAX_WORKERS];
	struct workers_back w;
	int n, i, failed = 0;

	itest_resp_init(&r);
	n = itest_children(master, old, MAX_WORKERS);
	ck_assert_msg(n >= 1, "billingd %ld has no workers", (long)master);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	for (i = 0; i < 50; i++)
		failed += itest_get(c, "/healthz", &r) != 200;
	ck_assert_msg(failed == 0, "%d of 50 requests failed during SIGHUP", failed);
	w.master = master;
	w.want = n;
	w.old = old;
	w.nold = n;
	ck_assert_msg(itest_wait_until(10000, 50, all_replaced, &w) == 0,
	    "10 s after SIGHUP: want %d workers, none of them old", n);
	EXPECT_STATUS(&r, 200, "GET /healthz after SIGHUP");
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master && itest_pid_alive(master),
	    "billingd master changed or died on SIGHUP");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* env.sh billingd-restart (what scripts/stack up does to a running billingd)
 * in a child while this process keeps asking for /healthz: no request may
 * fail (the old stop/start left nginx without a socket: 502), and the
 * restart reads the config again (workers = 3 gives three workers, beside
 * the two webhook workers). */
static pid_t
restart_in_background(void)
{
	pid_t pid = fork();

	ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null != -1)
			dup2(null, STDOUT_FILENO);
		execl(env.envsh, env.envsh, "billingd-restart", env.dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
set_workers(const char *from, const char *to)
{
	struct buf out, path;

	buf_init(&out, 8192);
	buf_init(&path, 8192);
	ck_assert(buf_printf(&path, "%s/billing.conf", env.dir) == 0);
	ck_assert_int_eq(itest_sh(&out, "sed -i 's/^workers = %s$/workers = %s/' '%s'",
	    from, to, buf_cstr(&path)), 0);
	buf_free(&out);
	buf_free(&path);
}

/* Asks for /healthz until the restart child exits; returns its status. */
static int
hammer_during(pid_t child, int *requests, int *failed, long *first_bad)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	int status = -1;

	itest_resp_init(&r);
	*requests = *failed = 0;
	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);
		if (itest_get(c, "/healthz", &r) != 200 && (*failed)++ == 0)
			*first_bad = r.status;
		(*requests)++;
		if (w == child)
			break;
	}
	itest_resp_free(&r);
	itest_client_free(c);
	return status;
}

START_TEST(test_restart_no_502)
{
	pid_t master = master_pid(), old[MAX_WORKERS];
	struct workers_back w;
	int n, requests, failed, status;
	long first_bad = 0;

	/* workers = 2 and webhook_workers = 2 (tests/integration/env.sh) */
	n = itest_children(master, old, MAX_WORKERS);
	ck_assert_msg(n == 4, "billingd %ld has %d workers, the config says 2 "
	    "and 2 webhook workers", (long)master, n);
	set_workers("2", "3");
	status = hammer_during(restart_in_background(), &requests, &failed,
	    &first_bad);
	set_workers("3", "2");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "env.sh billingd-restart failed (status %d)", status);
	ck_assert_msg(failed == 0, "%d of %d requests failed during the restart "
	    "(first: HTTP %ld)", failed, requests, first_bad);
	w.master = master;
	w.want = 5;
	w.old = old;
	w.nold = n;
	ck_assert_msg(all_replaced(&w), "after the restart: %d workers, want 5 "
	    "new ones (3 + 2 webhook workers)", itest_children(master, NULL, 0));
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master && itest_pid_alive(master),
	    "billingd master changed or died on restart");
	/* and back to two, again without a failed request */
	n = itest_children(master, old, MAX_WORKERS);
	status = hammer_during(restart_in_background(), &requests, &failed,
	    &first_bad);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "second restart failed");
	ck_assert_msg(failed == 0, "%d of %d requests failed during the second "
	    "restart (first: HTTP %ld)", failed, requests, first_bad);
	w.want = 4;
	w.nold = n;
	ck_assert(all_replaced(&w));
}
END_TEST

/* --- database restart ------------------------------------------------- */

struct health_wait {
	struct itest_client	*c;
	long			 want;
};

static int
health_is(void *arg)
{
	struct health_wait *h = arg;
	struct itest_resp r;
	long st;

	itest_resp_init(&r);
	st = itest_get(h->c, "/healthz", &r);
	itest_resp_free(&r);
	return st == h->want;
}

/* "db-stop" / "db-start" of the environment script; returns the exit status. */
static int
env_db(const char *verb, struct buf *out)
{
	struct buf dir;
	int rc;

	buf_init(&dir, 8192);
	itest_shquote(&dir, env.dir);
	rc = itest_sh(out, "%s %s %s", env.envsh, verb, buf_cstr(&dir));
	buf_free(&dir);
	return rc;
}

static int
json_field_is(const char *json, const char *key, const char *want)
{
	json_object *j = json_tokener_parse(json), *v;
	int ok;

	if (j == NULL)
		return 0;
	ok = json_object_object_get_ex(j, key, &v) &&
	    strcmp(json_object_get_string(v), want) == 0;
	json_object_put(j);
	return ok;
}

/* What was seen while MariaDB was down; asserted only after it is back,
 * so a failure does not leave the shared stack without a database. */
struct db_down_view {
	int	 stop_rc;
	int	 went_down;	/* /healthz turned 503 */
	int	 health_json;	/* {"status":"unavailable","db":"down"} */
	int	 health_try;	/* which request broke it */
	long	 health_status;
	char	 health_type[100];
	char	 health_body[300];
	long	 home_status;
	int	 home_says;	/* "temporarily unavailable" */
	long	 ping_status;
	int	 master_alive;
	int	 workers_same;
	char	 home_body[600];
};

static void
observe_db_down(struct itest_client *c, pid_t master, const pid_t *kids, int nkids,
    struct db_down_view *v)
{
	struct health_wait hw = { c, 503 };
	struct itest_resp r;
	pid_t now[MAX_WORKERS];
	int i;

	itest_resp_init(&r);
	v->went_down = itest_wait_until(5000, 100, health_is, &hw) == 0;
	/* Every answer, from every worker and not only the first after the
	 * connection broke, is the JSON a monitor can read. */
	v->health_json = 1;
	for (i = 0; i < 6 && v->health_json; i++) {
		v->health_try = i + 1;
		v->health_status = itest_get(c, "/healthz", &r);
		str_copy(v->health_body, sizeof(v->health_body), buf_cstr(&r.body));
		str_copy(v->health_type, sizeof(v->health_type),
		    itest_header(&r, "Content-Type") ? itest_header(&r, "Content-Type") : "");
		v->health_json = r.status == 503 &&
		    json_field_is(buf_cstr(&r.body), "status", "unavailable") &&
		    json_field_is(buf_cstr(&r.body), "db", "down");
	}
	v->home_status = itest_get(c, "/", &r);
	v->home_says = strcasestr(buf_cstr(&r.body), "temporarily unavailable") != NULL;
	str_copy(v->home_body, sizeof(v->home_body), buf_cstr(&r.body));
	v->ping_status = itest_get(c, "/ping", &r);
	v->master_alive = itest_pid_alive(master);
	v->workers_same = itest_children(master, now, MAX_WORKERS) == nkids;
	for (i = 0; i < nkids; i++)
		if (!itest_pid_alive(kids[i]))
			v->workers_same = 0;
	itest_resp_free(&r);
}

START_TEST(test_db_restart)
{
	struct itest_client *c = client_login(env.admin);
	struct health_wait hw = { c, 200 };
	struct db_down_view v;
	struct itest_resp r;
	struct buf out;
	pid_t master = master_pid(), kids[MAX_WORKERS];
	int nkids, start_rc, back;

	itest_resp_init(&r);
	buf_init(&out, 1024 * 1024);
	memset(&v, 0, sizeof(v));
	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / before stopping MariaDB");
	nkids = itest_children(master, kids, MAX_WORKERS);
	ck_assert_msg(nkids >= 1 && nkids <= MAX_WORKERS, "billingd has %d workers", nkids);

	v.stop_rc = env_db("db-stop", &out);
	if (v.stop_rc == 0)
		observe_db_down(c, master, kids, nkids, &v);
	start_rc = env_db("db-start", &out);
	back = itest_wait_until(30000, 200, health_is, &hw) == 0;

	ck_assert_msg(v.stop_rc == 0, "db-stop: exit %d: %s", v.stop_rc, buf_cstr(&out));
	ck_assert_msg(v.went_down, "/healthz not 503 within 5 s of stopping MariaDB");
	ck_assert_msg(v.health_json, "/healthz while MariaDB is down (request %d): HTTP %ld, "
	    "Content-Type %s, want 503 {\"status\":\"unavailable\",\"db\":\"down\"}; body: %s",
	    v.health_try, v.health_status, v.health_type, v.health_body);
	ck_assert_msg(v.home_status == 503 && v.home_says,
	    "GET / while MariaDB is down: HTTP %ld, want 503 \"temporarily unavailable\": %s",
	    v.home_status, v.home_body);
	ck_assert_msg(v.ping_status == 200, "/ping while MariaDB is down: HTTP %ld",
	    v.ping_status);
	ck_assert_msg(v.master_alive, "billingd master died while MariaDB was down");
	ck_assert_msg(v.workers_same, "billingd workers died or were replaced while "
	    "MariaDB was down");
	ck_assert_msg(start_rc == 0, "db-start: exit %d: %s", start_rc, buf_cstr(&out));
	ck_assert_msg(back, "/healthz not 200 within 30 s of restarting MariaDB");

	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / with the same session after MariaDB restart");
	EXPECT_BODY(&r, "Signed in as", "GET / after MariaDB restart");
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master, "billingd was restarted");
	buf_free(&out);
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

static Suite *
restart_suite(void)
{
	Suite *s = suite_create("restart");
	TCase *tc;

	tc = stack_tcase(s, "workers");
	tcase_add_test(tc, test_worker_restart);
	tcase_add_test(tc, test_sighup_replaces_workers);
	tcase_add_test(tc, test_restart_no_502);

	tc = stack_tcase(s, "database");
	tcase_add_test(tc, test_db_restart);
	return s;
}

int
main(void)
{
	int rc = stack_env_init("test_restart");

	return rc != 0 ? rc : stack_run(restart_suite());
}
