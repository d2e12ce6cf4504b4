/* Helper of tests/bench/bench-webhook (built by it with the flags of a
 * configured build tree: tests/bench/webhook-seed.mk).
 *
 *   webhook-seed --config FILE seed N OUT [--accounts A] [--procs P]
 *	Makes A accounts (default N/10), each with one issued invoice, and N
 *	pending card payments spread over them through the domain API
 *	(stripe_pay_start: the pending row, the account's Stripe customer and
 *	the PaymentIntent at the Stripe sandbox named by the configuration),
 *	in P processes (default 8). Each intent is confirmed at the sandbox
 *	(pm_card_visa, as the browser would; the sandbox's own webhooks are
 *	off): the payments stay pending here until the benchmark's webhooks
 *	settle them, each event confirmed by retrieving its PaymentIntent.
 *	Writes one line per payment to OUT: "<payment_id> <intent> <amount>
 *	<customer>".
 *
 *   webhook-seed --config FILE check FILE
 *	For the payments listed in FILE (as written by seed): how many are
 *	succeeded, and how many have exactly one / none / more than one ledger
 *	entry of kind payment; the payment_intent.succeeded events stored.
 *	Prints "ledger entries per payment: OK" (exit 0) or "... BROKEN" (1).
 *
 * Memo of every payment: "bench-webhook". */
#include "common.h"

#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "profiles.h"
#include "req.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

#define INVOICE_CENTS	INT64_C(50000000)	/* $500,000: never paid off */

static const struct actor bench_actor = { "system", 0, "bench-webhook" };

static void
usage(void)
{
	fprintf(stderr, "usage: webhook-seed --config FILE seed N OUT"
	    " [--accounts A] [--procs P]\n"
	    "       webhook-seed --config FILE check FILE\n");
	exit(2);
}

static struct db *
connect_db(const struct config *cfg)
{
	struct db *db = db_new(cfg);

	if (db == NULL || db_ensure(db) != DB_OK) {
		fprintf(stderr, "webhook-seed: database: %s\n",
		    db ? db_error(db) : "out of memory");
		exit(1);
	}
	return db;
}

static int64_t
new_account(struct db *db, size_t i, int64_t payment_type)
{
	struct account a;
	struct invoice inv;
	struct invoice_line line;
	char today[11], msg[300];

	memset(&a, 0, sizeof(a));
	(void)str_fmt(a.name, sizeof(a.name), "Webhook Bench %zu", i);
	if (account_save(db, &bench_actor, &a) != PROF_OK) {
		fprintf(stderr, "webhook-seed: account_save failed\n");
		exit(1);
	}
	memset(&inv, 0, sizeof(inv));
	memset(&line, 0, sizeof(line));
	(void)date_fmt(date_today(), today, sizeof(today));
	inv.account_id = a.id;
	inv.payment_type_id = payment_type;
	(void)str_copy(inv.invoice_date, sizeof(inv.invoice_date), today);
	(void)str_copy(inv.due_date, sizeof(inv.due_date), today);
	(void)str_copy(line.description, sizeof(line.description), "Sessions");
	line.quantity = 1;
	line.rate = INVOICE_CENTS;
	inv.lines = &line;
	inv.nlines = 1;
	if (invoice_save_draft(db, &bench_actor, &inv, msg, sizeof(msg)) != INV_OK ||
	    invoice_issue(db, &bench_actor, inv.id) != INV_OK) {
		fprintf(stderr, "webhook-seed: invoice: %s\n", msg);
		exit(1);
	}
	return a.id;
}

/* Child k: the payments of the accounts k, k + procs, ... */
/* Stripe.js's confirmPayment for a bench payment: the intent succeeds at
 * the sandbox (settlement confirms a succeeded event by retrieving it).
 * 0 / -1. */
static int
confirm_intent(struct stripe_client *sc, const struct sp_result *res)
{
	struct stripe_result r;
	struct kvlist l;
	char path[160], key[96];
	int rc;

	(void)str_fmt(path, sizeof(path), "/v1/payment_intents/%s/confirm",
	    res->intent);
	(void)str_fmt(key, sizeof(key), "bench-confirm-%s", res->intent);
	kvlist_init(&l);
	if (kvlist_add(&l, "payment_method", "pm_card_visa") == -1) {
		kvlist_free(&l);
		return -1;
	}
	rc = stripe_post(sc, path, &l, key, &r);
	kvlist_free(&l);
	if (rc == -1)
		fprintf(stderr, "webhook-seed: confirm %s: %s %s\n", res->intent,
		    r.code, r.message);
	stripe_result_free(&r);
	return rc;
}

static int
seed_child(const struct config *cfg, const int64_t *accounts, size_t naccounts,
    size_t n, size_t procs, size_t k, const char *out)
{
	struct db *db = connect_db(cfg);
	struct stripe_client *sc = stripe_client_new(cfg);
	struct sp sp = { db, sc, cfg, &bench_actor };
	FILE *f = fopen(out, "w");
	size_t made = 0;

	if (sc == NULL || f == NULL) {
		fprintf(stderr, "webhook-seed: %s: cannot start\n", out);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t acct = i % naccounts;
		struct sp_start q;
		struct sp_result res;
		char key[64], customer[65];
		int rc;

		if (acct % procs != k)
			continue;
		if (crypto_token(key, sizeof(key), 24) == -1)
			return 1;
		memset(&q, 0, sizeof(q));
		q.account_id = accounts[acct];
		q.method = "card";
		q.amount = 1000 + (int64_t)(i % 997) * 7;
		q.attempt_key = key;
		q.alloc_plan = "auto";
		q.memo = "bench-webhook";
		rc = stripe_pay_start(&sp, &q, &res);
		if (rc != SP_OK || res.intent[0] == '\0' ||
		    stripe_pay_customer(&sp, q.account_id, customer,
		    sizeof(customer)) != SP_OK) {
			fprintf(stderr, "webhook-seed: payment %zu: %d %s\n", i, rc,
			    res.message);
			return 1;
		}
		if (confirm_intent(sc, &res) == -1)
			return 1;
		fprintf(f, "%" PRId64 " %s %" PRId64 " %s\n", res.payment_id,
		    res.intent, q.amount, customer);
		made++;
	}
	if (fclose(f) != 0)
		return 1;
	stripe_client_free(sc);
	db_close(db);
	return 0;
}

static int
cmd_seed(const struct config *cfg, size_t n, const char *out, size_t naccounts,
    size_t procs)
{
	struct db *db = connect_db(cfg);
	int64_t *accounts = calloc(naccounts, sizeof(*accounts));
	int64_t payment_type = 0, t0 = clock_mono_ms();
	struct db_result r;
	pid_t *pids = calloc(procs, sizeof(*pids));
	FILE *all;
	int failed = 0;

	if (accounts == NULL || pids == NULL)
		return 1;
	if (db_query(db, "SELECT MIN(id) FROM payment_types", NULL, 0, &r) != DB_OK ||
	    r.nrows != 1 || (payment_type = db_i64(&r, 0, 0)) <= 0) {
		fprintf(stderr, "webhook-seed: no payment type\n");
		return 1;
	}
	db_result_free(&r);
	for (size_t i = 0; i < naccounts; i++)
		accounts[i] = new_account(db, i, payment_type);
	db_close(db);
	fflush(NULL);
	for (size_t k = 0; k < procs; k++) {
		char part[4096];
		(void)str_fmt(part, sizeof(part), "%s.%zu", out, k);
		if ((pids[k] = fork()) == -1)
			return 1;
		if (pids[k] == 0)
			_exit(seed_child(cfg, accounts, naccounts, n, procs, k, part));
	}
	for (size_t k = 0; k < procs; k++) {
		int st;
		if (waitpid(pids[k], &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			failed = 1;
	}
	if (failed)
		return 1;
	if ((all = fopen(out, "w")) == NULL)
		return 1;
	for (size_t k = 0; k < procs; k++) {
		char part[4096], line[512];
		FILE *f;
		(void)str_fmt(part, sizeof(part), "%s.%zu", out, k);
		if ((f = fopen(part, "r")) == NULL)
			return 1;
		while (fgets(line, sizeof(line), f) != NULL)
			fputs(line, all);
		fclose(f);
		(void)unlink(part);
	}
	if (fclose(all) != 0)
		return 1;
	printf("seeded %zu accounts with an invoice and %zu pending card payments"
	    " (PaymentIntents at the sandbox) in %.1f s, %zu processes\n",
	    naccounts, n, (double)(clock_mono_ms() - t0) / 1000.0, procs);
	free(accounts);
	free(pids);
	return 0;
}

static int
cmd_check(const struct config *cfg, const char *file)
{
	struct db *db = connect_db(cfg);
	FILE *f = fopen(file, "r");
	char line[512];
	size_t listed = 0, succeeded = 0, one = 0, none = 0, more = 0;
	int64_t events = 0;
	struct db_result r;

	if (f == NULL) {
		fprintf(stderr, "webhook-seed: %s: cannot read\n", file);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp = strchr(line, ' ');
		int64_t id, entries;
		if (sp == NULL)
			continue;
		*sp = '\0';
		if (str_to_i64(line, 1, INT64_MAX, &id) == -1)
			continue;
		struct db_param p[] = { DB_I64(id) };
		if (db_query(db, "SELECT p.status, (SELECT COUNT(*) FROM ledger_entries e"
		    " WHERE e.payment_id = p.id AND e.kind = 'payment')"
		    " FROM payments p WHERE p.id = ?", p, 1, &r) != DB_OK) {
			fprintf(stderr, "webhook-seed: %s\n", db_error(db));
			return 1;
		}
		listed++;
		entries = r.nrows == 1 ? db_i64(&r, 0, 1) : 0;
		if (r.nrows == 1 && strcmp(db_str(&r, 0, 0), "succeeded") == 0)
			succeeded++;
		if (entries == 1)
			one++;
		else if (entries == 0)
			none++;
		else
			more++;
		db_result_free(&r);
	}
	fclose(f);
	if (db_query(db, "SELECT COUNT(*) FROM stripe_events WHERE type ="
	    " 'payment_intent.succeeded'", NULL, 0, &r) == DB_OK && r.nrows == 1)
		events = db_i64(&r, 0, 0);
	db_result_free(&r);
	db_close(db);
	printf("payments: %zu, succeeded: %zu; ledger payment entries: exactly one"
	    " %zu, none %zu, more than one %zu; payment_intent.succeeded events"
	    " stored: %" PRId64 "\n", listed, succeeded, one, none, more, events);
	if (listed > 0 && one == listed && succeeded == listed) {
		printf("ledger entries per payment: OK\n");
		return 0;
	}
	printf("ledger entries per payment: BROKEN\n");
	return 1;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const char *conf = NULL;
	char err[512];
	int64_t n = 0, accounts = 0, procs = 8;
	int i = 1, rc;

	if (argc > 2 && strcmp(argv[1], "--config") == 0) {
		conf = argv[2];
		i = 3;
	}
	if (conf == NULL || i >= argc)
		usage();
	if (config_load(&cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "webhook-seed: %s\n", err);
		return 1;
	}
	if (crypto_init() != 0)
		return 1;
	if (strcmp(argv[i], "check") == 0 && i + 1 < argc)
		rc = cmd_check(&cfg, argv[i + 1]);
	else if (strcmp(argv[i], "seed") == 0 && i + 2 < argc) {
		if (str_to_i64(argv[i + 1], 1, 1000000, &n) == -1)
			usage();
		for (int k = i + 3; k < argc; k += 2) {
			if (k + 1 >= argc)
				usage();
			if (strcmp(argv[k], "--accounts") == 0) {
				if (str_to_i64(argv[k + 1], 1, 100000, &accounts) == -1)
					usage();
			} else if (strcmp(argv[k], "--procs") == 0) {
				if (str_to_i64(argv[k + 1], 1, 64, &procs) == -1)
					usage();
			} else
				usage();
		}
		if (accounts == 0)
			accounts = n / 10 > 0 ? n / 10 : 1;
		rc = cmd_seed(&cfg, (size_t)n, argv[i + 2], (size_t)accounts,
		    (size_t)procs);
	} else
		usage();
	config_free(&cfg);
	return rc;
}
