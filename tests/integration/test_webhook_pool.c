/* billingd's webhook pool: POST /stripe/webhook reaches its own workers
 * (webhook_workers on webhook_socket, nginx's `location = /stripe/webhook`)
 * while the page workers stay at `workers`. Proves that each pool listens
 * on its own socket with its configured number of workers, that a webhook
 * is stored and applied while every page worker is stopped, that a killed
 * webhook worker is replaced in its pool with no webhook refused, and that
 * a restart (SIGHUP, what scripts/stack up does) answers every webhook
 * meanwhile and reads webhook_workers again, and that a restart whose
 * webhook socket cannot be created keeps the master and the pages. A worker's pool is read from
 * the listening socket it holds (/proc/<pid>/fd against /proc/net/unix). */
#include "common.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "itest.h"
#include "sp_fixture.h"
#include "str.h"

#define TC_TIMEOUT	300
#define MAXW		64
#define MAXINODES	64

/* --- which worker listens where ----------------------------------------- */

/* Inodes of the listening unix sockets bound to path (/proc/net/unix:
 * "Num RefCount Protocol Flags Type St Inode Path"; flag 00010000 is a
 * listening socket). */
static size_t
listen_inodes(const char *path, unsigned long *ino, size_t max)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[PATH_MAX + 200], p[PATH_MAX];
	unsigned long flags, inode;
	size_t n = 0;

	ck_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL && n < max)
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %4095s", &flags, &inode,
		    p) == 3 && (flags & 0x10000) && strcmp(p, path) == 0)
			ino[n++] = inode;
	fclose(f);
	return n;
}

/* Does pid hold one of the sockets ino[]? */
static int
holds(pid_t pid, const unsigned long *ino, size_t n)
{
	char dir[64], link[PATH_MAX], want[64], target[128];
	struct dirent *de;
	DIR *d;
	int found = 0;

	str_fmt(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		ssize_t len;

		str_fmt(link, sizeof(link), "%s/%s", dir, de->d_name);
		if ((len = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[len] = '\0';
		for (size_t i = 0; i < n && !found; i++) {
			str_fmt(want, sizeof(want), "socket:[%lu]", ino[i]);
			found = strcmp(target, want) == 0;
		}
	}
	closedir(d);
	return found;
}

static pid_t
master(void)
{
	pid_t pid = itest_pidfile_read(getenv("ITEST_BILLINGD_PIDFILE"));

	ck_assert_msg(pid > 0 && itest_pid_alive(pid), "billingd is not running");
	return pid;
}

/* The master's workers holding the socket file `name` of the stack's
 * directory (billingd.sock, billingd-webhook.sock). */
static int
pool(const char *name, pid_t *out, int max)
{
	pid_t kids[MAXW];
	unsigned long ino[MAXINODES];
	char path[PATH_MAX];
	size_t ni;
	int nk = itest_children(master(), kids, MAXW), n = 0;

	str_fmt(path, sizeof(path), "%s/%s", getenv("ITEST_DIR"), name);
	ni = listen_inodes(path, ino, MAXINODES);
	for (int i = 0; i < nk && i < MAXW; i++)
		if (ni > 0 && holds(kids[i], ino, ni) && n < max)
			out[n++] = kids[i];
	return n;
}

#define PAGES	"billingd.sock"
#define HOOKS	"billingd-webhook.sock"

static int
pid_in(pid_t pid, const pid_t *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/* --- webhooks ------------------------------------------------------------ */

/* A signed event of a type billingd stores and does not apply (a new id):
 * 200 once stored. Returns the HTTP status. */
static long
post_unhandled(void)
{
	char key[64], body[300];
	struct itest_resp r;
	long st;

	spf_attempt_key(key, sizeof(key));
	str_fmt(body, sizeof(body), "{\"id\":\"evt_pool_%s\",\"object\":\"event\","
	    "\"type\":\"customer.created\",\"created\":%" PRId64 ",\"data\":"
	    "{\"object\":{\"id\":\"cus_%s\",\"object\":\"customer\"}}}", key,
	    clock_now(), key);
	itest_resp_init(&r);
	st = spf_post_webhook_nowait(body, &r);
	itest_resp_free(&r);
	return st;
}

/* Each pool listens on its own socket with its configured workers (the
 * stack: workers = 2, webhook_workers = 2), no worker on both. */
START_TEST(test_pools_listen_apart)
{
	pid_t pages[MAXW], hooks[MAXW];
	int np = pool(PAGES, pages, MAXW), nh = pool(HOOKS, hooks, MAXW);

	ck_assert_msg(np == 2, "%d workers on %s, the config says 2", np, PAGES);
	ck_assert_msg(nh == 2, "%d workers on %s, the config says 2", nh, HOOKS);
	for (int i = 0; i < nh; i++)
		ck_assert_msg(!pid_in(hooks[i], pages, np), "worker %ld on both",
		    (long)hooks[i]);
	ck_assert_int_eq(itest_children(master(), NULL, 0), 4);
	ck_assert_int_eq(post_unhandled(), 200);
}
END_TEST

/* Every page worker stopped (SIGSTOP): a signed payment_intent.succeeded
 * is still stored and applied before its 200, by the webhook pool. */
START_TEST(test_webhook_pool_applies)
{
	int64_t account = spf_new_account("pool", NULL, 0);
	pid_t pages[MAXW];
	struct sp_result res;
	struct itest_resp r;
	char pm[80], key[64], evid[96], body[1400];
	int np;
	long st;

	spf_new_invoice(account, 4200);
	spf_sbx_config("webhook_url=");
	ck_assert_int_eq(spf_start_card(account, 4200, &res), SP_OK);
	spf_browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(spf_browser_confirm(res.intent, res.client_secret, pm), 200);
	spf_attempt_key(key, sizeof(key));
	str_fmt(evid, sizeof(evid), "evt_%s", key);
	str_fmt(body, sizeof(body), "{\"id\":\"%s\",\"object\":\"event\","
	    "\"type\":\"payment_intent.succeeded\",\"created\":%" PRId64 ","
	    "\"data\":{\"object\":{\"id\":\"%s\",\"object\":\"payment_intent\","
	    "\"amount\":4200,\"amount_received\":4200,\"currency\":\"usd\","
	    "\"status\":\"succeeded\",\"metadata\":{\"payment_id\":\"%" PRId64
	    "\"}}}}", evid, clock_now(), res.intent, res.payment_id);

	np = pool(PAGES, pages, MAXW);
	ck_assert_msg(np >= 1, "no page workers");
	for (int i = 0; i < np; i++)
		ck_assert(kill(pages[i], SIGSTOP) == 0);
	itest_resp_init(&r);
	st = spf_post_webhook_nowait(body, &r);
	for (int i = 0; i < np; i++)
		kill(pages[i], SIGCONT);
	ck_assert_msg(st == 200 && itest_body_has(&r, "received and applied"),
	    "with the page workers stopped: HTTP %ld %s", st, buf_cstr(&r.body));
	itest_resp_free(&r);
	ck_assert_int_eq(spf_q_str_i64("SELECT pending FROM stripe_events WHERE id = ?",
	    evid), 0);
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
	spf_expect_ledger_ok();
}
END_TEST

struct refill {
	pid_t	 old[MAXW];
	int	 nold;
};

/* The webhook pool is full again with a worker that was not there. */
static int
pool_refilled(void *arg)
{
	struct refill *w = arg;
	pid_t now[MAXW];
	int n = pool(HOOKS, now, MAXW);

	if (n != w->nold)
		return 0;
	for (int i = 0; i < n; i++)
		if (!pid_in(now[i], w->old, w->nold))
			return 1;
	return 0;
}

static int
gone(void *arg)
{
	return !itest_pid_alive(*(pid_t *)arg);
}

/* A webhook worker killed: once it is gone every webhook is answered, and
 * the master starts another in the webhook pool (the page pool as it was). */
START_TEST(test_webhook_worker_replaced)
{
	pid_t pages[MAXW], after[MAXW], victim;
	struct refill w;
	int np = pool(PAGES, pages, MAXW), failed = 0;

	w.nold = pool(HOOKS, w.old, MAXW);
	ck_assert_int_eq(w.nold, 2);
	victim = w.old[0];
	ck_assert(kill(victim, SIGKILL) == 0);
	ck_assert(itest_wait_until(10000, 5, gone, &victim) == 0);
	for (int i = 0; i < 20; i++)
		failed += post_unhandled() != 200;
	ck_assert_msg(failed == 0, "%d of 20 webhooks refused after the kill",
	    failed);
	ck_assert_msg(itest_wait_until(60000, 50, pool_refilled, &w) == 0,
	    "no new webhook worker 60 s after killing %ld", (long)victim);
	ck_assert_int_eq(pool(PAGES, after, MAXW), np);
	for (int i = 0; i < np; i++)
		ck_assert(pid_in(after[i], pages, np));
}
END_TEST

/* sed on the stack's config: "key = from" to "key = to". */
static void
conf_set(const char *key, const char *from, const char *to)
{
	struct buf out;

	buf_init(&out, 8192);
	ck_assert_int_eq(itest_sh(&out, "sed -i 's/^%s = %s$/%s = %s/' '%s'", key,
	    from, key, to, getenv("ITEST_CONFIG")), 0);
	buf_free(&out);
}

/* env.sh billingd-restart in a child; webhooks posted until it is done.
 * The child's exit status; *failed of *sent not answered 200. */
static int
restart_posting(int *sent, int *failed)
{
	int status = -1;
	pid_t child = fork();

	ck_assert(child != -1);
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null != -1)
			dup2(null, STDOUT_FILENO);
		execl(getenv("ITEST_ENV_SH"), "env.sh", "billingd-restart",
		    getenv("ITEST_DIR"), (char *)NULL);
		_exit(127);
	}
	*sent = *failed = 0;
	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);
		*failed += post_unhandled() != 200;
		(*sent)++;
		if (w == child)
			return status;
	}
}

/* A restart (SIGHUP: the master re-executes, keeping both sockets) answers
 * every webhook meanwhile, replaces every webhook worker and reads
 * webhook_workers again (2 -> 3 -> 2). */
START_TEST(test_restart_keeps_webhooks)
{
	pid_t now[MAXW];
	struct refill w;
	int sent, failed, status, n;

	w.nold = pool(HOOKS, w.old, MAXW);
	ck_assert_int_eq(w.nold, 2);
	conf_set("webhook_workers", "2", "3");
	status = restart_posting(&sent, &failed);
	conf_set("webhook_workers", "3", "2");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "env.sh billingd-restart failed (status %d)", status);
	ck_assert_msg(failed == 0, "%d of %d webhooks refused during the restart",
	    failed, sent);
	n = pool(HOOKS, now, MAXW);
	ck_assert_msg(n == 3, "after the restart: %d webhook workers, want 3", n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(!pid_in(now[i], w.old, w.nold), "worker %ld survived "
		    "the restart", (long)now[i]);
	ck_assert_int_eq(pool(PAGES, now, MAXW), 2);
	status = restart_posting(&sent, &failed);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_msg(failed == 0, "%d of %d webhooks refused during the second "
	    "restart", failed, sent);
	ck_assert_int_eq(pool(HOOKS, now, MAXW), 2);
}
END_TEST

/* sed on the stack's config: the webhook_socket line set to path. */
static void
conf_webhook_socket(const char *path)
{
	struct buf out;

	buf_init(&out, 8192);
	ck_assert_int_eq(itest_sh(&out, "sed -i 's|^webhook_socket = .*$|"
	    "webhook_socket = %s|' '%s'", path, getenv("ITEST_CONFIG")), 0);
	buf_free(&out);
}

/* A restart whose webhook_socket cannot be created (its directory is
 * missing) keeps the master and the pages (the webhook pool left out,
 * logged); the next restart with a good path brings the pool back. */
START_TEST(test_restart_bad_webhook_socket)
{
	char bad[PATH_MAX], good[PATH_MAX];
	pid_t m = master(), now[MAXW];
	int sent, failed, status;
	struct itest_client *c = itest_client_new(getenv("ITEST_BASE_URL"));
	struct itest_resp r;

	ck_assert(c != NULL);
	str_fmt(bad, sizeof(bad), "%s/missing/wh.sock", getenv("ITEST_DIR"));
	str_fmt(good, sizeof(good), "%s/" HOOKS, getenv("ITEST_DIR"));
	conf_webhook_socket(bad);
	status = restart_posting(&sent, &failed);
	conf_webhook_socket(good);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "env.sh billingd-restart failed (status %d)", status);
	ck_assert_msg(master() == m, "the master changed or died");
	ck_assert_int_eq(pool(PAGES, now, MAXW), 2);
	itest_resp_init(&r);
	ck_assert_int_eq(itest_get(c, "/healthz", &r), 200);
	itest_resp_free(&r);
	itest_client_free(c);
	status = restart_posting(&sent, &failed);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(pool(HOOKS, now, MAXW), 2);
	ck_assert_int_eq(post_unhandled(), 200);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("webhook_pool");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, spf_setup, spf_teardown);
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_pools_listen_apart);
	tcase_add_test(tc, test_webhook_pool_applies);
	tcase_add_test(tc, test_webhook_worker_replaced);
	tcase_add_test(tc, test_restart_keeps_webhooks);
	tcase_add_test(tc, test_restart_bad_webhook_socket);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	spf_env_load();
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
