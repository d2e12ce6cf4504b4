/* billingd: the FastCGI application server. A master opens the sockets,
 * forks the workers that loop on FCGX_Accept_r, restarts a worker that
 * dies, replaces workers on SIGHUP and stops gracefully on SIGTERM.
 *
 * Two pools, each with its own socket: `workers` for everything nginx
 * sends to `listen`, and `webhook_workers` for `webhook_socket`, where
 * nginx sends POST /stripe/webhook. A webhook's worker spends most of its
 * time waiting for its commit's log flush; many of them share one flush
 * (group commit), while the page pool stays sized for the CPUs.
 *
 * SIGHUP re-executes the master from its binary's path (a rebuild and a
 * changed config count) keeping the same pid and the open sockets: the new
 * image gets the sockets and the old workers' pids in the environment,
 * starts its workers, then retires the old ones. nginx never finds a
 * socket missing, so a restart answers no 502. */
#include "common.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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
#define ENV_WEBHOOK_FD	"BILLINGD_WEBHOOK_FD"
#define ENV_RETIRE	"BILLINGD_RETIRE"

struct worker {
	pid_t	 pid;
	int64_t	 started;	/* monotonic ms */
};

/* The workers accepting on one socket. */
struct pool {
	const char	*name;		/* for the log */
	const char	*env;		/* its socket's fd across a SIGHUP */
	const char	*addr;		/* NULL: no such pool */
	int		 fd;
	size_t		 n;
	struct worker	 w[MAX_WORKERS];
};

enum { POOL_PAGES, POOL_WEBHOOK, POOL__MAX };

static volatile sig_atomic_t got_term, got_hup, got_chld;

static struct app app;
static struct pool pools[POOL__MAX] = {
	{ "workers", ENV_LISTEN_FD, NULL, -1, 0, { { 0, 0 } } },
	{ "webhook workers", ENV_WEBHOOK_FD, NULL, -1, 0, { { 0, 0 } } },
};
static char self_path[PATH_MAX];	/* the binary, by name, for SIGHUP */
static char **self_argv;
static const char *self_cfg;		/* -c, or NULL for $BILLING_CONFIG */
static struct worker retiring[POOL__MAX * MAX_WORKERS];	/* a previous image's */
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

/* Worker: serve requests on fd until SIGTERM; a request in flight
 * finishes first. */
static void
worker_main(int fd)
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
	for (size_t k = 0; k < POOL__MAX; k++)	/* a worker holds its own only */
		if (pools[k].fd >= 0 && pools[k].fd != fd)
			close(pools[k].fd);
	if (app_worker_init(&app) == -1) {
		log_err("worker initialisation failed");
		exit(1);
	}
	if (FCGX_InitRequest(&req, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
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
spawn(const struct pool *p, struct worker *w)
{
	pid_t pid = fork();

	if (pid == -1) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		worker_main(p->fd);
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

/* The worker of either pool whose pid this is, or NULL. */
static struct worker *
find_worker(pid_t pid, struct pool **in)
{
	for (size_t k = 0; k < POOL__MAX; k++)
		for (size_t i = 0; i < pools[k].n; i++)
			if (pools[k].w[i].pid == pid) {
				*in = &pools[k];
				return &pools[k].w[i];
			}
	return NULL;
}

/* Reaps dead workers and starts replacements in their pool (after a pause
 * when a worker died right after starting, so a crash loop does not
 * spin). */
static void
reap(int replace)
{
	struct worker *w;
	struct pool *p;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		describe_exit(pid, status);
		if ((w = find_worker(pid, &p)) == NULL)
			continue;
		w->pid = 0;
		if (!replace)
			continue;
		if (clock_mono_ms() - w->started < 1000)
			sleep(1);
		if (spawn(p, w) == 0)
			log_info("worker %ld started (replacing %ld; %s)",
			    (long)w->pid, (long)pid, p->name);
	}
}

static size_t
alive(void)
{
	size_t n = 0;

	for (size_t k = 0; k < POOL__MAX; k++)
		for (size_t i = 0; i < pools[k].n; i++)
			n += pools[k].w[i].pid != 0;
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

/* Every pool's workers into all[] (they stop together); their number. */
static size_t
all_workers(struct worker *all)
{
	size_t n = 0;

	for (size_t k = 0; k < POOL__MAX; k++)
		for (size_t i = 0; i < pools[k].n; i++)
			all[n++] = pools[k].w[i];
	return n;
}

/* SIGHUP: start a new generation, then retire the old one gracefully. */
static void
replace_workers(void)
{
	static struct worker old[POOL__MAX * MAX_WORKERS];
	size_t n = all_workers(old);

	for (size_t k = 0; k < POOL__MAX; k++)
		for (size_t i = 0; i < pools[k].n; i++)
			spawn(&pools[k], &pools[k].w[i]);
	log_info("SIGHUP: %zu new workers started; stopping the old ones", n);
	stop_workers(old, n);
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

/* Each pool's socket handed to the next image: its fd, kept open across
 * exec, in the pool's environment variable. */
static void
hand_over_sockets(void)
{
	char fd[16];
	int fl;

	for (size_t k = 0; k < POOL__MAX; k++) {
		if (pools[k].fd < 0)
			continue;
		snprintf(fd, sizeof(fd), "%d", pools[k].fd);
		if ((fl = fcntl(pools[k].fd, F_GETFD)) != -1)
			fcntl(pools[k].fd, F_SETFD, fl & ~FD_CLOEXEC);
		setenv(pools[k].env, fd, 1);
	}
}

/* SIGHUP: the same pid becomes the binary now at self_path. Returns only
 * when that is impossible (the caller then forks a new generation). */
static void
reexec(void)
{
	char pids[POOL__MAX * MAX_WORKERS * 12] = "";
	size_t off = 0;

	if (self_path[0] == '\0' || !self_check()) {
		log_warn("SIGHUP: %s -t failed; keeping the running binary",
		    self_path);
		return;
	}
	for (size_t k = 0; k < POOL__MAX; k++)
		for (size_t i = 0; i < pools[k].n; i++)
			if (pools[k].w[i].pid != 0 && off < sizeof(pids) - 12)
				off += (size_t)snprintf(pids + off,
				    sizeof(pids) - off, "%s%ld", off ? "," : "",
				    (long)pools[k].w[i].pid);
	hand_over_sockets();
	setenv(ENV_RETIRE, pids, 1);
	log_info("SIGHUP: re-executing %s", self_path);
	execv(self_path, self_argv);
	log_err("SIGHUP: exec %s: %s", self_path, strerror(errno));
	for (size_t k = 0; k < POOL__MAX; k++)
		unsetenv(pools[k].env);
	unsetenv(ENV_RETIRE);
}

/* A unix socket fd bound to a path other than addr (the config changed
 * webhook_socket): 1. */
static int
bound_elsewhere(int fd, const char *addr)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX)
		return 0;
	return strncmp(sun.sun_path, addr, sizeof(sun.sun_path)) != 0;
}

/* After a SIGHUP re-exec: a pool's socket from the old image, when it
 * handed one over that this image still listens on. 1 when inherited, 0
 * when the pool opens its own, -1 when the fd is unusable. */
static int
inherit_socket(struct pool *p)
{
	const char *fd = getenv(p->env);
	int64_t v;

	unsetenv(p->env);
	if (fd == NULL)
		return 0;
	if (str_to_i64(fd, 0, INT_MAX, &v) == -1 || fcntl((int)v, F_GETFD) == -1)
		return -1;
	if (p->addr == NULL || (p != &pools[POOL_PAGES] &&
	    bound_elsewhere((int)v, p->addr))) {
		log_info("%s: no longer listening on the inherited socket",
		    p->name);
		close((int)v);
		return 0;
	}
	p->fd = (int)v;
	fcntl(p->fd, F_SETFD, FD_CLOEXEC);
	return 1;
}

/* After a SIGHUP re-exec: the workers of the old image, to retire. */
static void
inherit_workers(void)
{
	const char *pids = getenv(ENV_RETIRE);
	char *copy, *p, *save = NULL;
	int64_t v;

	if (pids != NULL && (copy = strdup(pids)) != NULL) {
		for (p = strtok_r(copy, ",", &save); p != NULL &&
		    nretiring < ARRAY_LEN(retiring); p = strtok_r(NULL, ",", &save))
			if (str_to_i64(p, 1, INT_MAX, &v) == 0)
				retiring[nretiring++].pid = (pid_t)v;
		free(copy);
	}
	unsetenv(ENV_RETIRE);
}

/* A listening unix socket at path, or -1 with errno (libfcgi's
 * FCGX_OpenSocket exits the process when bind fails: a master re-executed
 * by SIGHUP must survive a webhook socket it cannot create). */
static int
open_unix(const char *path)
{
	struct sockaddr_un sun;
	size_t len = strlen(path);
	int fd, e;

	if (len >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 1024) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A unix path, or host:port (libfcgi: exits when it cannot bind). */
static int
open_listener(const char *addr)
{
	int fd;

	if (addr[0] == '/') {
		struct stat st;
		if (lstat(addr, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(addr);
	}
	if ((fd = addr[0] == '/' ? open_unix(addr) :
	    FCGX_OpenSocket(addr, 1024)) < 0) {
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

/* The pools' sizes and sockets from the config: `workers` (0: one per
 * CPU) on listen, webhook_workers on webhook_socket (none when either is
 * 0 or empty). */
static void
pools_configure(const struct config *cfg)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cfg->workers ? (size_t)cfg->workers
	    : (size_t)(ncpu > 0 ? ncpu : 1);

	pools[POOL_PAGES].addr = cfg->listen;
	pools[POOL_PAGES].n = n < MAX_WORKERS ? n : MAX_WORKERS;
	if (cfg->webhook_workers > 0 && cfg->webhook_socket[0] != '\0') {
		n = (size_t)cfg->webhook_workers;
		pools[POOL_WEBHOOK].addr = cfg->webhook_socket;
		pools[POOL_WEBHOOK].n = n < MAX_WORKERS ? n : MAX_WORKERS;
	}
}

/* Each pool's socket: inherited over a SIGHUP, or opened. 0 / -1. After
 * a SIGHUP a webhook socket that cannot be opened leaves that pool out
 * (logged) rather than the master dead with the pages. */
static int
pools_listen(void)
{
	int r, reexecuted = 0;

	for (size_t k = 0; k < POOL__MAX; k++) {
		struct pool *p = &pools[k];

		if ((r = inherit_socket(p)) == -1) {
			log_err("%s is not an open socket", p->env);
			return -1;
		}
		reexecuted |= r;
		if (r == 0 && p->addr != NULL &&
		    (p->fd = open_listener(p->addr)) == -1) {
			if (k == POOL_PAGES || !reexecuted)
				return -1;
			log_err("SIGHUP: no %s", p->name);
			p->addr = NULL;
			p->n = 0;
		}
	}
	inherit_workers();
	return 0;
}

static int
pools_start(void)
{
	for (size_t k = 0; k < POOL__MAX; k++) {
		for (size_t i = 0; i < pools[k].n; i++)
			if (spawn(&pools[k], &pools[k].w[i]) == -1)
				return -1;
		if (pools[k].n > 0)
			log_info("listening on %s with %zu %s", pools[k].addr,
			    pools[k].n, pools[k].name);
	}
	return 0;
}

static void
pools_close(void)
{
	for (size_t k = 0; k < POOL__MAX; k++) {
		if (pools[k].fd < 0)
			continue;
		if (pools[k].addr[0] == '/')
			unlink(pools[k].addr);
		close(pools[k].fd);
		pools[k].fd = -1;
	}
}

int
main(int argc, char *argv[])
{
	const char *cfgpath = getenv("BILLING_CONFIG");
	int ch, test_only = 0;
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
	pools_configure(&app.cfg);
	if (FCGX_Init() != 0 || pools_listen() == -1)
		return 1;
	if (write_pid_file(app.cfg.pid_file) == -1)
		return 1;

	master_signals();

	if (pools_start() == -1)
		return 1;
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
	stop_workers(retiring, all_workers(retiring));
	pools_close();
	if (app.cfg.pid_file[0])
		unlink(app.cfg.pid_file);
	log_info("stopped");
	app_free(&app);
	return 0;
}
