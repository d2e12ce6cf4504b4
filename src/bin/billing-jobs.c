/* billing-jobs: the job runner. One process (run as many as you like, on any
 * hosts: every job claims its work with row locks or leases in MariaDB) that
 * loops over a table of jobs, then sleeps about a second; SIGTERM or SIGINT
 * ends it after the job in progress.
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
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "audit.h"
#include "mailer.h"
#include "pdf_receipt.h"
#include "pdf.h"
#include "statement_schedule.h"
#include "stripe_pay.h"
#include "str.h"
#include "tmpl.h"

#define TICK_MS		1000
#define MAIL_BATCH	50	/* messages per tick at most */

static volatile sig_atomic_t got_term;

struct jobs {
	struct config	 cfg;
	struct db	*db;
	struct mailer	*mailer;
};

/* --- jobs ------------------------------------------------------------------ */

/* Outbox mailer: due emails over SMTP (src/mail/mailer.h). */
static int
job_mailer(struct jobs *j)
{
	struct mailer_stats st = { 0, 0, 0 };

	return mailer_run(j->mailer, MAIL_BATCH, &got_term, &st) < 0 ? -1 : 0;
}

/* Reconciliation of card/ACH attempts left pending for five minutes (a
 * worker died before Stripe answered, a webhook never came): once a minute.
 * Safe with several runners: Stripe calls reuse each row's idempotency key
 * and settling locks the payment row. */
#define RECONCILE_EVERY_TICKS	60
#define RECONCILE_OLDER_THAN	300

static int
job_stripe_reconcile(struct jobs *j)
{
	static unsigned ticks;
	static const struct actor system = { "system", 0, "billing-jobs" };
	struct sp_reconcile_stats st;
	struct sp sp;

	if (ticks++ % RECONCILE_EVERY_TICKS != 0)
		return 0;
	memset(&st, 0, sizeof(st));
	sp.db = j->db;
	sp.cfg = &j->cfg;
	sp.actor = &system;
	if ((sp.stripe = stripe_pay_client(&j->cfg)) == NULL)
		return -1;
	if (stripe_pay_reconcile(&sp, RECONCILE_OLDER_THAN, NULL, &st) != SP_OK)
		return -1;
	if (st.examined > 0)
		log_info("reconcile: %zu examined, %zu settled, %zu still pending, "
		    "%zu errors", st.examined, st.settled, st.still_pending, st.errors);
	return st.errors > 0 ? -1 : 0;
}

/* --- scheduled statements (issue 10; h13) ----------------------------------
 * Kept apart so the job framework can take it over: one call of the domain
 * function statement_schedule_run() every SCHED_STMT_EVERY_TICKS ticks. */
#define SCHED_STMT_EVERY_TICKS	10
#define SCHED_STMT_MAX		100	/* statements per run */

static int
job_scheduled_statements(struct jobs *j)
{
	static unsigned ticks;
	static struct tmpl_cache *tc;
	struct ss_env env = { &j->cfg, NULL, pdf_statement_cfg };
	struct ss_run_stats st;

	if (ticks++ % SCHED_STMT_EVERY_TICKS != 0)
		return 0;
	if (tc == NULL && (tc = tmpl_cache_new(j->cfg.templates_dir, 1)) == NULL)
		return -1;
	env.tc = tc;
	if (statement_schedule_run(j->db, &env, clock_now(), SCHED_STMT_MAX,
	    &st) != SS_OK)
		return -1;
	if (st.emailed + st.generated + st.skipped > 0)
		log_info("scheduled statements: %zu emailed, %zu portal only, "
		    "%zu under the minimum, %zu errors", st.emailed, st.generated,
		    st.skipped, st.errors);
	return st.errors > 0 ? -1 : 0;
}
/* --- end of scheduled statements ------------------------------------------- */

/* The job table: each entry runs once per tick, in order. A job returns 0,
 * or -1 when it could not do its work (logged; the next tick tries again).
 * Slots for later jobs: reconciliation of pending Stripe payments
 * (stripe-pay), payment-plan charges, scheduled statements. */
static const struct job {
	const char	*name;
	int		(*run)(struct jobs *);
} jobs_table[] = {
	{ "mailer", job_mailer },
	{ "stripe_reconcile", job_stripe_reconcile },
	{ "scheduled_statements", job_scheduled_statements },
};

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

static void
tick(struct jobs *j, int64_t *fails)
{
	for (size_t i = 0; i < ARRAY_LEN(jobs_table) && !got_term; i++) {
		if (jobs_table[i].run(j) == 0) {
			fails[i] = 0;
			continue;
		}
		/* one line at first, then every 60th failure in a row */
		if (fails[i]++ % 60 == 0)
			log_err("job %s failed (%" PRId64 " in a row): %s",
			    jobs_table[i].name, fails[i], db_error(j->db));
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
	struct jobs j;
	struct pdf_receipt_env renv;
	const char *cfgpath = getenv("BILLING_CONFIG"), *pidfile = NULL;
	int64_t fails[ARRAY_LEN(jobs_table)];
	char err[512];
	int ch;

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
	memset(&j, 0, sizeof(j));
	memset(fails, 0, sizeof(fails));
	if (config_load(&j.cfg, cfgpath, err, sizeof(err)) == -1) {
		fprintf(stderr, "billing-jobs: %s\n", err);
		return 1;
	}
	if (crypto_init() == -1 || (j.db = db_new(&j.cfg)) == NULL) {
		fprintf(stderr, "billing-jobs: initialisation failed\n");
		config_free(&j.cfg);
		return 1;
	}
	if ((j.mailer = mailer_new(&j.cfg, j.db, err, sizeof(err))) == NULL) {
		fprintf(stderr, "billing-jobs: %s\n", err);
		db_close(j.db);
		config_free(&j.cfg);
		return 1;
	}
	renv = (struct pdf_receipt_env){ j.db, &j.cfg };
	mailer_set_attacher(j.mailer, pdf_receipt_attach, &renv);
	signals();
	if (pidfile != NULL && pidfile_write(pidfile) == -1) {
		fprintf(stderr, "billing-jobs: cannot write %s: %s\n", pidfile,
		    strerror(errno));
		mailer_free(j.mailer);
		db_close(j.db);
		config_free(&j.cfg);
		return 1;
	}
	log_info("started (pid %ld, %zu jobs, tick %d ms)", (long)getpid(),
	    ARRAY_LEN(jobs_table), TICK_MS);
	while (!got_term) {
		tick(&j, fails);
		nap(TICK_MS);
	}
	log_info("stopping (signal)");
	mailer_free(j.mailer);
	db_close(j.db);
	config_free(&j.cfg);
	if (pidfile != NULL)
		unlink(pidfile);
	return 0;
}
