/* billingd: the FastCGI application server. A master opens the socket,
 * forks N workers that loop on FCGX_Accept_r, restarts a worker that dies,
 * replaces workers on SIGHUP and stops gracefully on SIGTERM.
 *
 * SIGHUP re-executes the master from its binary's path (a rebuild and a
 * changed config count) keeping the same pid and the open socket: the new
 * image gets the socket and the old workers' pids in the environment,
 * starts its workers, then retires the old ones. nginx never finds the
 * socket missing, so a restart answers no 502. */
#include "common.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "clock.h"
#include "log.h"
#include "str.h"

#define MAX_WORKERS	256
#define STOP_GRACE_SEC	30
#define ENV_LISTEN_FD	"BILLINGD_LISTEN_FD"
#define ENV_RETIRE	"BILLINGD_RETIRE"

struct worker {
	pid_t	 pid;
	int64_t	 started;	/* monotonic ms */
};

static volatile sig_atomic_t got_term, got_hup, got_chld;

static struct app app;
static struct worker workers[MAX_WORKERS];
static size_t nworkers;
static int listen_fd = -1;
static char self_path[PATH_MAX];	/* the binary, by name, for SIGHUP */
static char **self_argv;
static const char *self_cfg;		/* -c, or NULL for $BILLING_CONFIG */
static struct worker retiring[MAX_WORKERS];	/* a previous image's workers */
static size_t nretiring;

static void
on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must return on SIGTERM */
	sigaction(sig, &sa, NULL);
}

/* Worker: serve requests until SIGTERM; a request in flight finishes first. */
static void
worker_main(void)
{
	FCGX_Request req;
	sigset_t none;

	set_handler(SIGTERM, on_signal);
	set_handler(SIGINT, on_signal);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	got_term = 0;
	if (app_worker_init(&app) == -1) {
		log_err("worker initialisation failed");
		exit(1);
	}
	if (FCGX_InitRequest(&req, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_err("FCGX_InitRequest failed");
		exit(1);
	}
	while (!got_term && FCGX_Accept_r(&req) >= 0) {
		db_request_start(app.db);
		app_handle(&app, &req);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	app_free(&app);
	exit(0);
}

static int
spawn(struct worker *w)
{
	pid_t pid = fork();

	if (pid == -1) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		worker_main();
	w->pid = pid;
	w->started = clock_mono_ms();
	return 0;
}

static void
describe_exit(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		log_warn("worker %ld killed by signal %d (%s)", (long)pid,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warn("worker %ld exited with status %d", (long)pid,
		    WEXITSTATUS(status));
	else
		log_info("worker %ld exited", (long)pid);
}

/* Reaps dead workers and starts replacements (after a pause when a worker
 * died right after starting, so a crash loop does not spin). */
static void
reap(int replace)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		describe_exit(pid, status);
		for (size_t i = 0; i < nworkers; i++) {
			if (workers[i].pid != pid)
				continue;
			workers[i].pid = 0;
			if (!replace)
				break;
			if (clock_mono_ms() - workers[i].started < 1000)
				sleep(1);
			if (spawn(&workers[i]) == 0)
				log_info("worker %ld started (replacing %ld)",
				    (long)workers[i].pid, (long)pid);
			break;
		}
	}
}

static size_t
alive(void)
{
	size_t n = 0;

	for (size_t i = 0; i < nworkers; i++)
		n += workers[i].pid != 0;
	return n;
}

/* Sends SIGTERM to the given workers and waits for them (SIGKILL after the
 * grace period). */
static void
stop_workers(struct worker *ws, size_t n)
{
	int64_t deadline = clock_mono_ms() + STOP_GRACE_SEC * 1000;
	int status;

	for (size_t i = 0; i < n; i++)
		if (ws[i].pid)
			kill(ws[i].pid, SIGTERM);
	for (size_t i = 0; i < n; i++) {
		while (ws[i].pid) {
			pid_t r = waitpid(ws[i].pid, &status, WNOHANG);
			if (r == ws[i].pid || (r == -1 && errno == ECHILD)) {
				ws[i].pid = 0;
				break;
			}
			if (clock_mono_ms() > deadline) {
				log_warn("worker %ld did not stop; killing it",
				    (long)ws[i].pid);
				kill(ws[i].pid, SIGKILL);
				waitpid(ws[i].pid, &status, 0);
				ws[i].pid = 0;
				break;
			}
			usleep(20000);
		}
	}
}

/* SIGHUP: start a new generation, then retire the old one gracefully. */
static void
replace_workers(void)
{
	struct worker old[MAX_WORKERS];

	memcpy(old, workers, sizeof(old));
	for (size_t i = 0; i < nworkers; i++)
		spawn(&workers[i]);
	log_info("SIGHUP: %zu new workers started; stopping the old ones", nworkers);
	stop_workers(old, nworkers);
}

/* The binary's path as started: after a rebuild the name leads to the new
 * file while /proc/self/exe still means the old one. */
static void
remember_self(char **argv)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	self_argv = argv;
	if (n <= 0 || (size_t)n >= sizeof(self_path) - 1) {
		self_path[0] = '\0';
		return;
	}
	self_path[n] = '\0';
}

/* 1 when `self_path -t` accepts the configuration, so a broken build or
 * config never replaces a working master. */
static int
self_check(void)
{
	int status;
	pid_t pid = fork();

	if (pid == -1)
		return 0;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		char t[] = "-t", c[] = "-c", *cfg = self_cfg ? strdup(self_cfg)
		    : NULL;
		char *av[] = { self_path, t, cfg ? c : NULL, cfg, NULL };
		execv(self_path, av);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* SIGHUP: the same pid becomes the binary now at self_path. Returns only
 * when that is impossible (the caller then forks a new generation). */
static void
reexec(void)
{
	char fd[16], pids[MAX_WORKERS * 12] = "";
	size_t off = 0;
	int fl;

	if (self_path[0] == '\0' || !self_check()) {
		log_warn("SIGHUP: %s -t failed; keeping the running binary",
		    self_path);
		return;
	}
	for (size_t i = 0; i < nworkers; i++)
		if (workers[i].pid != 0 && off < sizeof(pids) - 12)
			off += (size_t)snprintf(pids + off, sizeof(pids) - off,
			    "%s%ld", off ? "," : "", (long)workers[i].pid);
	snprintf(fd, sizeof(fd), "%d", listen_fd);
	if ((fl = fcntl(listen_fd, F_GETFD)) != -1)
		fcntl(listen_fd, F_SETFD, fl & ~FD_CLOEXEC);
	setenv(ENV_LISTEN_FD, fd, 1);
	setenv(ENV_RETIRE, pids, 1);
	log_info("SIGHUP: re-executing %s", self_path);
	execv(self_path, self_argv);
	log_err("SIGHUP: exec %s: %s", self_path, strerror(errno));
	unsetenv(ENV_LISTEN_FD);
	unsetenv(ENV_RETIRE);
}

/* After a SIGHUP re-exec: the socket and the workers of the old image.
 * 1 when inherited, 0 on a fresh start, -1 when the fd is unusable. */
static int
inherit(void)
{
	const char *fd = getenv(ENV_LISTEN_FD), *pids = getenv(ENV_RETIRE);
	int64_t v;
	char *copy, *p, *save = NULL;

	if (fd == NULL)
		return 0;
	if (str_to_i64(fd, 0, INT_MAX, &v) == -1 || fcntl((int)v, F_GETFD) == -1)
		return -1;
	listen_fd = (int)v;
	fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
	if (pids != NULL && (copy = strdup(pids)) != NULL) {
		for (p = strtok_r(copy, ",", &save); p != NULL &&
		    nretiring < MAX_WORKERS; p = strtok_r(NULL, ",", &save))
			if (str_to_i64(p, 1, INT_MAX, &v) == 0)
				retiring[nretiring++].pid = (pid_t)v;
		free(copy);
	}
	unsetenv(ENV_LISTEN_FD);
	unsetenv(ENV_RETIRE);
	return 1;
}

static int
open_listener(const char *addr)
{
	int fd;

	if (addr[0] == '/') {
		struct stat st;
		if (lstat(addr, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(addr);
	}
	if ((fd = FCGX_OpenSocket(addr, 1024)) < 0) {
		log_err("cannot listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	/* nginx runs as another user; access is controlled by the directory. */
	if (addr[0] == '/' && chmod(addr, 0666) == -1) {
		log_err("chmod %s: %s", addr, strerror(errno));
		return -1;
	}
	return fd;
}

static int
write_pid_file(const char *path)
{
	FILE *f;

	if (*path == '\0')
		return 0;
	if ((f = fopen(path, "w")) == NULL) {
		log_err("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0 ? 0 : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: billingd -c config-file [-t]\n"
	    "  -t  check the configuration and exit\n");
	exit(2);
}

/* The master's signals: blocked but for sigsuspend() in the main loop,
 * which the handlers wake; SIGPIPE ignored. */
static void
master_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	sigset_t block;

	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, NULL);
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		set_handler(sigs[i], on_signal);
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char *argv[])
{
	const char *cfgpath = getenv("BILLING_CONFIG");
	int ch, test_only = 0, inherited;
	long ncpu;
	sigset_t none;

	log_set_prog("billingd");
	remember_self(argv);
	while ((ch = getopt(argc, argv, "c:t")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 't':
			test_only = 1;
			break;
		default:
			usage();
		}
	}
	self_cfg = cfgpath;
	if (app_init(&app, cfgpath) == -1)
		return 1;
	if (test_only) {
		printf("configuration ok\n");
		return 0;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nworkers = app.cfg.workers ? (size_t)app.cfg.workers
	    : (size_t)(ncpu > 0 ? ncpu : 1);
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	if ((inherited = inherit()) == -1) {
		log_err("%s is not an open socket", ENV_LISTEN_FD);
		return 1;
	}
	if (FCGX_Init() != 0 || (!inherited &&
	    (listen_fd = open_listener(app.cfg.listen)) == -1))
		return 1;
	if (write_pid_file(app.cfg.pid_file) == -1)
		return 1;

	master_signals();

	for (size_t i = 0; i < nworkers; i++)
		if (spawn(&workers[i]) == -1)
			return 1;
	log_info("listening on %s with %zu workers", app.cfg.listen, nworkers);
	if (nretiring > 0) {
		log_info("stopping %zu workers of the previous binary", nretiring);
		stop_workers(retiring, nretiring);
	}

	sigemptyset(&none);
	while (!got_term) {
		sigsuspend(&none);
		if (got_chld) {
			got_chld = 0;
			reap(!got_term);
		}
		if (got_hup && !got_term) {
			got_hup = 0;
			reexec();
			replace_workers();
		}
	}
	log_info("SIGTERM: stopping %zu workers", alive());
	stop_workers(workers, nworkers);
	if (app.cfg.listen[0] == '/')
		unlink(app.cfg.listen);
	if (app.cfg.pid_file[0])
		unlink(app.cfg.pid_file);
	log_info("stopped");
	close(listen_fd);
	app_free(&app);
	return 0;
}
