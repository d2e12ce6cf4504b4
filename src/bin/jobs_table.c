/* The jobs of billing-jobs (jobs_table.h). */
#include "common.h"

#include <unistd.h>

#include "audit.h"
#include "autopay.h"
#include "clock.h"
#include "db.h"
#include "jobs.h"
#include "jobs_table.h"
#include "log.h"
#include "mailer.h"
#include "notice_render.h"
#include "pdf.h"
#include "pdf_receipt.h"
#include "statement_schedule.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define MAIL_BATCH	50	/* messages per run at most */
#define AUTOPAY_BATCH	1000	/* installments per run at most */
#define EXCLUSIVE_LEASE	600
#define RECONCILE_OLDER_THAN	300

/* Outbox mailer: due emails over SMTP (src/mail/mailer.h). */
static int
job_mailer(struct jobs_ctx *j, char *err, size_t errsz)
{
	struct mailer_stats st = { 0, 0, 0 };

	if (mailer_run(j->mailer, MAIL_BATCH, j->stop, &st) < 0) {
		str_fmt(err, errsz, "mailer: %s", db_error(j->db));
		return -1;
	}
	return 0;
}

/* Reconciliation of card/ACH attempts left pending for five minutes (a
 * worker died before Stripe answered, a webhook never came). */
static int
job_stripe_reconcile(struct jobs_ctx *j, char *err, size_t errsz)
{
	static const struct actor system = { "system", 0, "billing-jobs" };
	struct sp_reconcile_stats st;
	struct sp sp;

	memset(&st, 0, sizeof(st));
	sp.db = j->db;
	sp.cfg = j->cfg;
	sp.actor = &system;
	if ((sp.stripe = stripe_pay_client(j->cfg)) == NULL) {
		str_copy(err, errsz, "no Stripe client");
		return -1;
	}
	if (stripe_pay_reconcile(&sp, RECONCILE_OLDER_THAN, NULL, &st) != SP_OK) {
		str_fmt(err, errsz, "reconcile: %s", db_error(j->db));
		return -1;
	}
	if (st.examined > 0)
		log_info("reconcile: %zu examined, %zu settled, %zu still pending, "
		    "%zu errors", st.examined, st.settled, st.still_pending, st.errors);
	if (st.errors > 0)
		str_fmt(err, errsz, "reconcile: %zu errors", st.errors);
	return st.errors > 0 ? -1 : 0;
}

/* Webhook applier: the inbox's due events in batches (stripe_pay_inbox_run)
 * until none is due or WEBHOOK_BUDGET seconds passed (the other jobs wait
 * meanwhile). billing-jobs also runs it between ticks as soon as an event
 * is due (jobs_webhook_poll), so an event is applied within about
 * WEBHOOK_POLL_MS of its 200. */
#define WEBHOOK_BATCH	500
#define WEBHOOK_BUDGET	5

int
job_webhook_apply(struct jobs_ctx *j, char *err, size_t errsz)
{
	static const struct actor stripe = { "stripe", 0, "billing-jobs" };
	struct sp_inbox_stats st, sum;
	struct sp sp;
	int64_t until = clock_now() + WEBHOOK_BUDGET;

	memset(&sum, 0, sizeof(sum));
	sp.db = j->db;
	sp.cfg = j->cfg;
	sp.actor = &stripe;
	if ((sp.stripe = stripe_pay_client(j->cfg)) == NULL) {
		str_copy(err, errsz, "no Stripe client");
		return -1;
	}
	do {
		memset(&st, 0, sizeof(st));
		if (stripe_pay_inbox_run(&sp, j->runner, WEBHOOK_BATCH, j->stop,
		    &st) != SP_OK) {
			str_fmt(err, errsz, "webhook apply: %s", db_error(j->db));
			return -1;
		}
		sum.claimed += st.claimed;
		sum.applied += st.applied + st.ignored;
		sum.failed += st.failed;
	} while (st.claimed > 0 && st.deferred < st.claimed &&
	    !(j->stop && *j->stop) && clock_now() < until);
	if (j->out != NULL && sum.claimed > 0)
		fprintf(j->out, "webhook_apply: %zu applied, %zu failed\n",
		    sum.applied, sum.failed);
	if (sum.failed > 0)
		str_fmt(err, errsz, "webhook apply: %zu events failed (retried later; "
		    "billingctl jobs status lists them)", sum.failed);
	return sum.failed > 0 ? -1 : 0;
}

/* Statements on a schedule: every due scheduled statement (made, emailed
 * with its PDF, once per account and period however many runners). */
#define SCHED_STMT_MAX		100	/* statements per run */

static int
job_scheduled_statements(struct jobs_ctx *j, char *err, size_t errsz)
{
	struct ss_env env = { j->cfg, pdf_statement_cfg };
	struct ss_run_stats st;

	if (statement_schedule_run(j->db, &env, clock_now(), SCHED_STMT_MAX,
	    &st) != SS_OK) {
		str_fmt(err, errsz, "scheduled statements: %s", db_error(j->db));
		return -1;
	}
	if (st.emailed + st.generated > 0)
		log_info("scheduled statements: %zu emailed, %zu portal only, %zu "
		    "under the minimum", st.emailed, st.generated, st.skipped);
	if (st.errors > 0)
		str_fmt(err, errsz, "scheduled statements: %zu errors", st.errors);
	return st.errors > 0 ? -1 : 0;
}

static int
autopay_env(struct jobs_ctx *j, struct autopay_env *e, char *err, size_t errsz)
{
	memset(e, 0, sizeof(*e));
	e->db = j->db;
	e->cfg = j->cfg;
	e->runner = j->runner;
	e->stop = j->stop;
	if ((e->stripe = stripe_pay_client(j->cfg)) == NULL) {
		str_copy(err, errsz, "no Stripe client");
		return -1;
	}
	return 0;
}

/* Autopay: due installments charged off-session, failures retried. */
static int
job_plan_autopay(struct jobs_ctx *j, char *err, size_t errsz)
{
	struct autopay_env e;
	struct autopay_stats st;

	memset(&st, 0, sizeof(st));
	if (autopay_env(j, &e, err, errsz) == -1)
		return -1;
	if (autopay_run(&e, AUTOPAY_BATCH, &st) != DB_OK) {
		str_fmt(err, errsz, "autopay: %s", db_error(j->db));
		return -1;
	}
	if (st.claimed > 0)
		log_info("autopay: %zu claimed, %zu paid, %zu pending, %zu failed, "
		    "%zu errors", st.claimed, st.succeeded, st.pending, st.failed,
		    st.errors);
	if (j->out != NULL && st.claimed > 0)
		fprintf(j->out, "plan_autopay: %zu claimed, %zu paid, %zu pending, "
		    "%zu failed, %zu errors\n", st.claimed, st.succeeded, st.pending,
		    st.failed, st.errors);
	if (st.errors > 0)
		str_fmt(err, errsz, "autopay: %zu charges without an answer (retried "
		    "with the same key)", st.errors);
	return st.errors > 0 ? -1 : 0;
}

static int
job_plan_notices(struct jobs_ctx *j, char *err, size_t errsz)
{
	struct autopay_env e;
	struct autopay_stats st;

	memset(&st, 0, sizeof(st));
	if (autopay_env(j, &e, err, errsz) == -1)
		return -1;
	if (autopay_notices_run(&e, &st) != DB_OK) {
		str_fmt(err, errsz, "notices: %s", db_error(j->db));
		return -1;
	}
	return 0;
}

static int
job_card_expiry(struct jobs_ctx *j, char *err, size_t errsz)
{
	struct autopay_env e;
	struct autopay_stats st;

	memset(&st, 0, sizeof(st));
	if (autopay_env(j, &e, err, errsz) == -1)
		return -1;
	if (autopay_card_expiry_run(&e, &st) != DB_OK) {
		str_fmt(err, errsz, "card expiry: %s", db_error(j->db));
		return -1;
	}
	return 0;
}

/* In order: notices go out before the charges they announce; the mailer
 * last, so one `jobs run --once` also sends (renders) what the jobs before
 * it queued. */
const struct job_def jobs_defs[] = {
	{ "webhook_apply", 1, 0, job_webhook_apply,
	    "applies received Stripe webhook events" },
	{ "stripe_reconcile", 60, 1, job_stripe_reconcile,
	    "settles card/ACH payments left pending" },
	{ "plan_notices", 60, 0, job_plan_notices,
	    "emails the notice before each autopay charge" },
	{ "card_expiry", 3600, 0, job_card_expiry,
	    "emails card-expiry reminders 30 and 7 days before" },
	{ "plan_autopay", 60, 0, job_plan_autopay,
	    "charges due plan installments, retries failed ones" },
	{ "scheduled_statements", 10, 0, job_scheduled_statements,
	    "makes and emails the statements due on each account's schedule" },
	{ "mailer", 1, 0, job_mailer, "sends queued emails" },
};
const size_t njobs_defs = ARRAY_LEN(jobs_defs);

int
jobs_find(const char *name)
{
	for (size_t i = 0; i < njobs_defs; i++)
		if (strcmp(jobs_defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct pdf_receipt_env receipt_env;	/* one jobs_ctx per process */
static struct notice_render_env notice_env;

int
jobs_ctx_open(struct jobs_ctx *j, char *err, size_t errsz)
{
	char host[64] = "";

	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		str_copy(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	str_fmt(j->runner, sizeof(j->runner), "%s:%ld", host, (long)getpid());
	if ((j->db = db_new(j->cfg)) == NULL) {
		str_copy(err, errsz, "cannot connect to the database");
		return -1;
	}
	if ((j->tc = tmpl_cache_new(j->cfg->templates_dir, 1)) == NULL) {
		str_fmt(err, errsz, "cannot read templates in %s", j->cfg->templates_dir);
		return -1;
	}
	if ((j->mailer = mailer_new(j->cfg, j->db, err, errsz)) == NULL)
		return -1;
	/* receipts go out with their PDF, rendered at send time */
	receipt_env = (struct pdf_receipt_env){ j->db, j->cfg };
	mailer_set_attacher(j->mailer, pdf_receipt_attach, &receipt_env);
	/* notices are rendered when they are sent */
	notice_env = (struct notice_render_env){ j->db, j->tc, j->cfg };
	mailer_set_renderer(j->mailer, notice_render, &notice_env);
	return 0;
}

void
jobs_ctx_close(struct jobs_ctx *j)
{
	if (j->mailer != NULL)
		mailer_free(j->mailer);
	if (j->tc != NULL)
		tmpl_cache_free(j->tc);
	if (j->db != NULL)
		db_close(j->db);
	j->mailer = NULL;
	j->tc = NULL;
	j->db = NULL;
}

enum job_outcome
jobs_run_one(struct jobs_ctx *j, size_t i, int force, char *err, size_t errsz)
{
	const struct job_def *d = &jobs_defs[i];
	int claimed = 0, ok;

	err[0] = '\0';
	db_request_start(j->db);
	if (jobs_claim(j->db, d->name, d->every, d->exclusive, force, j->runner,
	    EXCLUSIVE_LEASE, &claimed) != DB_OK) {
		str_fmt(err, errsz, "claim: %s", db_error(j->db));
		return JOB_DB;
	}
	if (!claimed)
		return force ? JOB_BUSY : JOB_NOT_DUE;
	ok = d->run(j, err, errsz) == 0;
	if (jobs_finish(j->db, d->name, j->runner, ok, err) != DB_OK && ok) {
		str_fmt(err, errsz, "record: %s", db_error(j->db));
		return JOB_DB;
	}
	return ok ? JOB_OK : JOB_FAILED;
}
