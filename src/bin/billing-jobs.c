/* billing-jobs: the job runner. One process (run as many as you like, on any
 * hosts: every job claims its work with row locks or leases in MariaDB) that
 * loops over a table of jobs, then sleeps about a second (looking every
 * 100 ms for received webhook events to apply); SIGTERM or SIGINT ends it
 * after the job in progress.
 *
 *   billing-jobs [-c CONFIG] [-p PIDFILE]
 *
 * A job is one function run per tick; it does a bounded amount of work and
 * returns, so a stop request is honoured within one batch. */
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "jobs_table.h"
#include "log.h"
#include "str.h"
#include "stripe_pay.h"

#define TICK_MS		1000
#define WEBHOOK_POLL_MS	100	/* between ticks: received webhooks due? */

static volatile sig_atomic_t got_term;

/* --- process --------------------------------------------------------------- */

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the sleep returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

/* Sleeps ms unless a stop was requested (a signal ends the sleep early). */
static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (!got_term && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
pidfile_write(const char *path)
{
	char tmp[4096], line[32];
	int fd, n;

	if (str_fmt(tmp, sizeof(tmp), "%s.tmp", path) == -1 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1)
		return -1;
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)n) != n || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Every due job once (jobs_table.c: each is claimed in billing_jobs). */
static void
tick(struct jobs_ctx *j, int64_t *fails)
{
	char err[512];

	for (size_t i = 0; i < njobs_defs && !got_term; i++) {
		enum job_outcome o = jobs_run_one(j, i, 0, err, sizeof(err));

		if (o != JOB_FAILED && o != JOB_DB) {
			if (o == JOB_OK)
				fails[i] = 0;
			continue;
		}
		/* one line at first, then every 60th failure in a row */
		if (fails[i]++ % 60 == 0)
			log_err("job %s failed (%" PRId64 " in a row): %s",
			    jobs_defs[i].name, fails[i], err);
	}
}

/* The rest of a tick, in WEBHOOK_POLL_MS naps: whenever a received webhook
 * event is due, the applier runs at once (one indexed SELECT per nap). */
static void
nap_polling(struct jobs_ctx *j)
{
	char err[512];

	for (int ms = 0; ms < TICK_MS && !got_term; ms += WEBHOOK_POLL_MS) {
		nap(WEBHOOK_POLL_MS);
		db_request_start(j->db);
		if (!got_term && stripe_pay_inbox_due(j->db) == 1 &&
		    job_webhook_apply(j, err, sizeof(err)) == -1)
			log_warn("%s", err);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: billing-jobs [-c config] [-p pidfile]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct jobs_ctx j;
	static struct config cfg;
	const char *cfgpath = getenv("BILLING_CONFIG"), *pidfile = NULL;
	int64_t *fails;
	char err[512];
	int ch, rc = 1;

	log_set_prog("billing-jobs");
	while ((ch = getopt(argc, argv, "c:p:")) != -1) {
		switch (ch) {
		case 'c': cfgpath = optarg; break;
		case 'p': pidfile = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if ((fails = calloc(njobs_defs, sizeof(*fails))) == NULL)
		return 1;
	j.stop = &got_term;
	j.cfg = &cfg;
	if (config_load(&cfg, cfgpath, err, sizeof(err)) == -1) {
		fprintf(stderr, "billing-jobs: %s\n", err);
		free(fails);
		return 1;
	}
	if (crypto_init() == -1 || jobs_ctx_open(&j, err, sizeof(err)) == -1) {
		fprintf(stderr, "billing-jobs: %s\n", err[0] ? err :
		    "initialisation failed");
		goto out;
	}
	signals();
	if (pidfile != NULL && pidfile_write(pidfile) == -1) {
		fprintf(stderr, "billing-jobs: cannot write %s: %s\n", pidfile,
		    strerror(errno));
		goto out;
	}
	log_info("started (pid %ld, %zu jobs, tick %d ms)", (long)getpid(),
	    njobs_defs, TICK_MS);
	while (!got_term) {
		tick(&j, fails);
		nap_polling(&j);
	}
	log_info("stopping (signal)");
	if (pidfile != NULL)
		unlink(pidfile);
	rc = 0;
out:
	jobs_ctx_close(&j);
	config_free(&cfg);
	free(fails);
	return rc;
}
