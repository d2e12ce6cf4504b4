/* billingctl: administration from the command line. */
#include "common.h"

#include <getopt.h>
#include <unistd.h>

#include "apikey.h"
#include "apikey_admin.h"
#include "audit.h"
#include "billingctl_jobs.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "catalog.h"
#include "invoice.h"
#include "estimate.h"
#include "ledger.h"
#include "payment.h"
#include "profiles.h"
#include "log.h"
#include "mailer.h"
#include "notice_render.h"
#include "pdf_receipt.h"
#include "migrate.h"
#include "outbox.h"
#include "str.h"
#include "pdf.h"
#include "statement_schedule.h"
#include "stripe.h"
#include "stripe_pay.h"
#include "tmpl.h"
#include "users.h"

struct cli {
	struct config	 cfg;
	struct db	*db;
	int		 argc;
	char		**argv;
};

static const struct actor cli_actor = { "system", 0, "cli" };

static int
read_password(char *out, size_t sz)
{
	size_t n;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "Password: ");
	if (fgets(out, (int)sz, stdin) == NULL)
		return -1;
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

/* Parses --name value options into vals[] by the table of names. */
static int
opts(int argc, char **argv, const char *const *names, const char **vals, size_t n)
{
	for (int i = 0; i < argc; i++) {
		size_t k;
		for (k = 0; k < n; k++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, names[k]) == 0)
				break;
		if (k == n || i + 1 >= argc) {
			fprintf(stderr, "billingctl: unexpected argument %s\n", argv[i]);
			return -1;
		}
		vals[k] = argv[++i];
	}
	return 0;
}

static int
cmd_migrate(struct cli *c)
{
	const char *dir = c->argc > 1 && strcmp(c->argv[1], "--dir") == 0 &&
	    c->argc > 2 ? c->argv[2] : c->cfg.migrations_dir;

	return migrate_run(c->db, dir) == 0 ? 0 : 1;
}

static int
user_add(struct cli *c, const char *email, const char *name, const char *role,
    const char *pw, int quiet_exists)
{
	int rc = user_create(c->db, &cli_actor, email, name, role, pw, NULL);

	switch (rc) {
	case USER_OK:
		printf("created %s (%s)\n", email, role);
		return 0;
	case USER_EXISTS:
		if (quiet_exists) {
			printf("exists %s\n", email);
			return 0;
		}
		fprintf(stderr, "billingctl: a user with email %s already exists\n", email);
		return 1;
	case USER_WEAK_PASSWORD:
		fprintf(stderr, "billingctl: password must be at least %d characters\n",
		    USER_PASSWORD_MIN);
		return 1;
	default:
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
}

static int
cmd_user(struct cli *c)
{
	static const char *const names[] = { "email", "name", "role" };
	const char *vals[3] = { NULL, NULL, NULL };
	const char *sub = c->argc > 1 ? c->argv[1] : "";
	char pw[1024];

	if (strcmp(sub, "add") == 0) {
		if (opts(c->argc - 2, c->argv + 2, names, vals, 3) == -1)
			return 2;
		if (!vals[0] || !vals[1] || !vals[2]) {
			fprintf(stderr, "usage: billingctl user add --email E --name N "
			    "--role admin|billing|frontdesk  (password on stdin)\n");
			return 2;
		}
		if (strcmp(vals[2], "admin") && strcmp(vals[2], "billing") &&
		    strcmp(vals[2], "frontdesk")) {
			fprintf(stderr, "billingctl: role must be admin, billing or frontdesk\n");
			return 2;
		}
		if (strchr(vals[0], '@') == NULL) {
			fprintf(stderr, "billingctl: email must be an email address\n");
			return 2;
		}
		if (read_password(pw, sizeof(pw)) == -1) {
			fprintf(stderr, "billingctl: no password on stdin\n");
			return 2;
		}
		return user_add(c, vals[0], vals[1], vals[2], pw, 0);
	}
	if (strcmp(sub, "list") == 0) {
		struct user *us;
		size_t n;
		if (user_list(c->db, &us, &n) != USER_OK) {
			fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			printf("%" PRId64 "\t%s\t%s\t%s\t%s\n", us[i].id, us[i].email,
			    us[i].role, us[i].disabled ? "disabled" : "active", us[i].name);
		free(us);
		return 0;
	}
	if (strcmp(sub, "disable") == 0) {
		if (opts(c->argc - 2, c->argv + 2, names, vals, 1) == -1 || !vals[0]) {
			fprintf(stderr, "usage: billingctl user disable --email E\n");
			return 2;
		}
		switch (user_disable(c->db, &cli_actor, vals[0])) {
		case USER_OK:
			printf("disabled %s\n", vals[0]);
			return 0;
		case USER_NOT_FOUND:
			fprintf(stderr, "billingctl: no active user %s\n", vals[0]);
			return 1;
		default:
			fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
			return 1;
		}
	}
	fprintf(stderr, "usage: billingctl user add|list|disable ...\n");
	return 2;
}

/* API keys: the key is printed once at creation and stored hashed. */
static int
apikey_cmd_create(struct cli *c)
{
	static const char *const names[] = { "name", "role" };
	const char *vals[2] = { NULL, NULL };
	char token[256];
	int64_t id = 0;

	if (opts(c->argc - 2, c->argv + 2, names, vals, 2) == -1 || !vals[0] ||
	    !vals[1]) {
		fprintf(stderr, "usage: billingctl apikey create --name N "
		    "--role admin|billing|frontdesk\n");
		return 2;
	}
	if (strcmp(vals[1], "admin") && strcmp(vals[1], "billing") &&
	    strcmp(vals[1], "frontdesk")) {
		fprintf(stderr, "billingctl: role must be admin, billing or frontdesk\n");
		return 2;
	}
	if (*vals[0] == '\0' || strlen(vals[0]) > 100) {
		fprintf(stderr, "billingctl: name must be 1 to 100 characters\n");
		return 2;
	}
	if (apikey_create(c->db, vals[0], vals[1], token, sizeof(token), &id) != 0) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	printf("created API key %" PRId64 " \"%s\" (%s); it is shown only this once:\n"
	    "%s\n", id, vals[0], vals[1], token);
	explicit_bzero(token, sizeof(token));
	return 0;
}

static int
apikey_cmd_list(struct cli *c)
{
	struct api_key_info *v;
	char when[32];
	size_t n;

	if (apikey_list(c->db, &v, &n) == -1) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].last_used_at == 0 || clock_fmt_datetime(v[i].last_used_at,
		    when, sizeof(when)) == -1)
			str_copy(when, sizeof(when), "never");
		printf("%" PRId64 "\t%s\t%s\tbk_%s_...\t%s\tlast used %s\n", v[i].id,
		    v[i].name, v[i].role, v[i].prefix, v[i].revoked_at ? "revoked" :
		    "active", when);
	}
	free(v);
	return 0;
}

static int
apikey_cmd_revoke(struct cli *c)
{
	static const char *const names[] = { "id" };
	const char *vals[1] = { NULL };
	int64_t id;
	int rc;

	if (opts(c->argc - 2, c->argv + 2, names, vals, 1) == -1 || !vals[0] ||
	    str_to_i64(vals[0], 1, INT64_MAX, &id) == -1) {
		fprintf(stderr, "usage: billingctl apikey revoke --id N\n");
		return 2;
	}
	rc = apikey_revoke(c->db, id);
	if (rc < 0) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	if (rc > 0) {
		fprintf(stderr, "billingctl: no live API key %" PRId64 "\n", id);
		return 1;
	}
	printf("revoked API key %" PRId64 "\n", id);
	return 0;
}

static int
cmd_apikey(struct cli *c)
{
	const char *sub = c->argc > 1 ? c->argv[1] : "";

	if (strcmp(sub, "create") == 0)
		return apikey_cmd_create(c);
	if (strcmp(sub, "list") == 0)
		return apikey_cmd_list(c);
	if (strcmp(sub, "revoke") == 0)
		return apikey_cmd_revoke(c);
	fprintf(stderr, "usage: billingctl apikey create --name N --role R | list | "
	    "revoke --id N\n");
	return 2;
}

/* Demo catalog, people and money, through the same domain functions the
 * pages use (so the ledger is exactly what staff would have produced). */
struct demo {
	struct cli	*c;
	int64_t		 loc, ptype, svc[4];
	char		 today[11], due[11], past[11], past_due[11];
};

static int
demo_invoice(struct demo *d, int64_t account, int64_t client, const char *date,
    const char *due, const int *svcs, const int64_t *qty, size_t n, int issue,
    int64_t *id_out)
{
	struct invoice inv;
	struct invoice_line lines[4];
	char msg[256];
	int rc;

	memset(&inv, 0, sizeof(inv));
	memset(lines, 0, sizeof(lines));
	inv.account_id = account;
	inv.client_id = client;
	inv.location_id = d->loc;
	inv.payment_type_id = d->ptype;
	str_copy(inv.invoice_date, sizeof(inv.invoice_date), date);
	str_copy(inv.due_date, sizeof(inv.due_date), due);
	inv.dk = DISC_NONE;
	for (size_t i = 0; i < n && i < ARRAY_LEN(lines); i++) {
		struct service sv;
		if (service_get(d->c->db, d->svc[svcs[i]], &sv) != CAT_OK)
			return -1;
		lines[i].service_id = sv.id;
		str_copy(lines[i].description, sizeof(lines[i].description), sv.name);
		lines[i].quantity = qty[i];
		lines[i].rate = sv.default_rate;
		lines[i].dk = DISC_NONE;
	}
	inv.lines = lines;
	inv.nlines = n;
	rc = invoice_save_draft(d->c->db, &cli_actor, &inv, msg, sizeof(msg));
	inv.lines = NULL;
	if (rc != INV_OK) {
		fprintf(stderr, "billingctl: demo invoice: %s\n", msg);
		return -1;
	}
	*id_out = inv.id;
	return issue && invoice_issue(d->c->db, &cli_actor, inv.id) != INV_OK ? -1 : 0;
}

static int
demo_person(struct demo *d, int64_t account, const char *first, const char *last,
    const char *email, const char *phone, int convert, int64_t *id_out)
{
	struct client cl;

	memset(&cl, 0, sizeof(cl));
	cl.account_id = account;
	str_copy(cl.first_name, sizeof(cl.first_name), first);
	str_copy(cl.last_name, sizeof(cl.last_name), last);
	str_copy(cl.email, sizeof(cl.email), email);
	str_copy(cl.phone, sizeof(cl.phone), phone);
	cl.location_id = d->loc;
	if (client_save(d->c->db, &cli_actor, &cl) != PROF_OK)
		return -1;
	*id_out = cl.id;
	if (convert && client_convert(d->c->db, &cli_actor, cl.id) != PROF_OK)
		return -1;
	return 0;
}

static int
demo_pay(struct demo *d, int64_t account, const char *method, int64_t cents,
    const char *ref)
{
	struct payment p;
	char msg[256];

	memset(&p, 0, sizeof(p));
	p.account_id = account;
	str_copy(p.method, sizeof(p.method), method);
	p.amount = cents;
	str_copy(p.received_date, sizeof(p.received_date), d->today);
	str_copy(p.reference, sizeof(p.reference), ref);
	return payment_record(d->c->db, &cli_actor, &p, 1, NULL, 0, msg,
	    sizeof(msg)) == PAY_OK ? 0 : -1;
}

static int
demo_catalog(struct demo *d)
{
	static const struct { const char *code, *name; int64_t rate; } svcs[] = {
		{ "90791", "Intake evaluation", 25000 },
		{ "90837", "Individual therapy (60 min)", 15000 },
		{ "90834", "Individual therapy (45 min)", 12000 },
		{ "90853", "Group therapy", 6550 },
	};
	struct location l;
	struct payment_type *pt = NULL;
	size_t npt = 0;

	memset(&l, 0, sizeof(l));
	str_copy(l.name, sizeof(l.name), "Main Clinic");
	str_copy(l.address, sizeof(l.address), "100 Harbor Way, Springfield, IL 62701");
	l.active = 1;
	if (location_save(d->c->db, &cli_actor, &l) != CAT_OK)
		return -1;
	d->loc = l.id;
	for (size_t i = 0; i < ARRAY_LEN(svcs); i++) {
		struct service sv;
		memset(&sv, 0, sizeof(sv));
		str_copy(sv.code, sizeof(sv.code), svcs[i].code);
		str_copy(sv.name, sizeof(sv.name), svcs[i].name);
		sv.default_rate = svcs[i].rate;
		sv.active = 1;
		if (service_save(d->c->db, &cli_actor, &sv) != CAT_OK)
			return -1;
		d->svc[i] = sv.id;
	}
	if (payment_type_list(d->c->db, 1, &pt, &npt) != CAT_OK || npt == 0) {
		free(pt);
		return -1;
	}
	d->ptype = pt[0].id;
	free(pt);
	return 0;
}

/* Three families: a converted client with a partial payment, a parent paying
 * for two children with an overdue invoice, and an inquiry with a deposit
 * invoice still in draft. */
static int
demo_people(struct demo *d)
{
	static const int intake_therapy[] = { 0, 1 }, therapy[] = { 1 },
	    group[] = { 3 }, intake[] = { 0 };
	static const int64_t one_two[] = { 1, 2 }, one[] = { 1 }, four[] = { 4 };
	int64_t maria, sam, jo, james, inv;
	struct client cl;

	if (demo_person(d, 0, "Maria", "Lopez", "maria.lopez@example.com",
	    "(217) 555-0100", 1, &maria) == -1 || client_get(d->c->db, maria, &cl) != PROF_OK)
		return -1;
	if (demo_invoice(d, cl.account_id, maria, d->today, d->due, intake_therapy,
	    one_two, 2, 1, &inv) == -1 ||
	    demo_pay(d, cl.account_id, "check", 20000, "1042") == -1)
		return -1;
	if (demo_person(d, 0, "Sam", "Patel", "priya.patel@example.com",
	    "(217) 555-0144", 1, &sam) == -1 || client_get(d->c->db, sam, &cl) != PROF_OK)
		return -1;
	if (demo_person(d, cl.account_id, "Jo", "Patel", "", "", 1, &jo) == -1 ||
	    demo_invoice(d, cl.account_id, sam, d->past, d->past_due, therapy, four, 1, 1,
	    &inv) == -1 ||
	    demo_invoice(d, cl.account_id, jo, d->today, d->due, group, four, 1, 1,
	    &inv) == -1)
		return -1;
	if (demo_person(d, 0, "James", "Carter", "james.carter@example.com",
	    "(217) 555-0199", 0, &james) == -1 || client_get(d->c->db, james, &cl) != PROF_OK)
		return -1;
	return demo_invoice(d, cl.account_id, james, d->today, d->due, intake, one, 1, 0,
	    &inv);
}

/* Demo data: idempotent (users always; the rest only into an empty database). */
static int
cmd_demo(struct cli *c)
{
	static const struct {
		const char *email, *name, *role;
	} demo_users[] = {
		{ "admin@demo.test", "Avery Admin", "admin" },
		{ "billing@demo.test", "Blake Billing", "billing" },
		{ "frontdesk@demo.test", "Frankie Frontdesk", "frontdesk" },
	};
	struct page_req pr = { NULL, 0, 1 };
	struct account *accts = NULL;
	struct demo d;
	size_t n = 0;
	int more = 0;

	for (size_t i = 0; i < ARRAY_LEN(demo_users); i++)
		if (user_add(c, demo_users[i].email, demo_users[i].name,
		    demo_users[i].role, "demo-password-123", 1) != 0)
			return 1;
	if (account_search(c->db, &pr, &accts, &n, &more) != PROF_OK) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	free(accts);
	if (n > 0) {
		printf("demo: billing data already present\n");
		return 0;
	}
	memset(&d, 0, sizeof(d));
	d.c = c;
	date_fmt(date_today(), d.today, sizeof(d.today));
	date_fmt(date_today() + 30, d.due, sizeof(d.due));
	date_fmt(date_today() - 75, d.past, sizeof(d.past));
	date_fmt(date_today() - 45, d.past_due, sizeof(d.past_due));
	if (demo_catalog(&d) == -1 || demo_people(&d) == -1) {
		fprintf(stderr, "billingctl: demo data failed: %s\n", db_error(c->db));
		return 1;
	}
	printf("demo: catalog, 3 accounts, 4 people, 4 invoices (1 overdue, 1 draft), 1 payment\n");
	return 0;
}

/* Recomputes every balance from the entries and checks every invariant. */
static int
cmd_ledger(struct cli *c)
{
	char msg[1024];
	int rc;

	if (c->argc < 2 || strcmp(c->argv[1], "verify") != 0) {
		fprintf(stderr, "usage: billingctl ledger verify\n");
		return 2;
	}
	rc = ledger_verify(c->db, msg, sizeof(msg));
	if (rc == 0) {
		printf("ledger ok: %s\n", msg);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "ledger verify could not run: %s\n", msg);
		return 3;
	}
	fprintf(stderr, "ledger BROKEN: %s\n", msg);
	return 1;
}

/* Settles card/ACH payments and refunds left pending (a worker died
 * between our insert and Stripe's answer, a webhook never came). */
static int
cmd_reconcile(struct cli *c)
{
	static const char *const names[] = { "older-than", "limit" };
	const char *vals[2] = { NULL, NULL };
	const struct actor actor = { "system", 0, "reconcile" };
	struct sp_reconcile_stats st;
	struct sp sp;
	int64_t older = 300, limit = SP_RECONCILE_BATCH;
	int rc;

	if (opts(c->argc - 1, c->argv + 1, names, vals, 2) == -1 ||
	    (vals[0] != NULL && str_to_i64(vals[0], 0, 366 * 86400, &older) == -1) ||
	    (vals[1] != NULL && str_to_i64(vals[1], 1, 100000, &limit) == -1)) {
		fprintf(stderr, "usage: billingctl reconcile [--older-than SECONDS]"
		    " [--limit N]\n");
		return 2;
	}
	sp.db = c->db;
	sp.cfg = &c->cfg;
	sp.actor = &actor;
	if ((sp.stripe = stripe_client_new(&c->cfg)) == NULL) {
		fprintf(stderr, "billingctl: no Stripe client (stripe_api_base?)\n");
		return 1;
	}
	rc = stripe_pay_reconcile_n(&sp, older, (size_t)limit, stdout, &st);
	stripe_client_free(sp.stripe);
	if (rc != SP_OK) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	printf("reconcile: %zu examined, %zu settled, %zu still pending, %zu errors\n",
	    st.examined, st.settled, st.still_pending, st.errors);
	return st.errors == 0 ? 0 : 1;
}

/* Email outbox (src/mail): the queue's counts, one mailer batch now (what
 * billing-jobs does every second), a test email through the whole path. */
static int
mail_cmd_status(struct cli *c)
{
	struct outbox_counts oc;

	if (outbox_counts(c->db, clock_now(), &oc) != DB_OK) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	printf("queued %" PRId64 " (due %" PRId64 "), sending %" PRId64
	    ", sent %" PRId64 ", failed %" PRId64 "\n", oc.queued, oc.due,
	    oc.sending, oc.sent, oc.failed);
	return 0;
}

static int
mail_cmd_send(struct cli *c)
{
	struct mailer_stats st = { 0, 0, 0 };
	struct mailer *m;
	char err[512];
	int n;

	struct pdf_receipt_env renv = { c->db, &c->cfg };
	struct notice_render_env nenv = { c->db, NULL, &c->cfg };

	if ((nenv.tc = tmpl_cache_new(c->cfg.templates_dir, 1)) == NULL) {
		fprintf(stderr, "billingctl: cannot read templates in %s\n",
		    c->cfg.templates_dir);
		return 1;
	}
	if ((m = mailer_new(&c->cfg, c->db, err, sizeof(err))) == NULL) {
		fprintf(stderr, "billingctl: %s\n", err);
		tmpl_cache_free(nenv.tc);
		return 1;
	}
	mailer_set_attacher(m, pdf_receipt_attach, &renv);
	mailer_set_renderer(m, notice_render, &nenv);	/* notices: at send time */
	n = mailer_run(m, 100, NULL, &st);
	mailer_free(m);
	tmpl_cache_free(nenv.tc);
	if (n < 0) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	printf("mail: sent %d, to retry %d, failed %d\n", st.sent, st.retry, st.failed);
	return 0;
}

static int
mail_cmd_test(struct cli *c)
{
	static const char *const names[] = { "to" };
	const char *vals[1] = { NULL };
	struct tmpl_cache *tc;
	struct tmpl_vars *v;
	struct outbox_mail m;
	char err[512];
	int64_t id = 0;
	int rc = DB_ERR;

	if (opts(c->argc - 2, c->argv + 2, names, vals, 1) == -1 || !vals[0] ||
	    !outbox_addr_ok(vals[0])) {
		fprintf(stderr, "usage: billingctl mail test --to ADDRESS\n");
		return 2;
	}
	if ((tc = tmpl_cache_new(c->cfg.templates_dir, 1)) == NULL ||
	    (v = tmpl_vars_new()) == NULL) {
		tmpl_cache_free(tc);
		return 1;
	}
	if (outbox_render(tc, &c->cfg, "test", v, &m, err, sizeof(err)) == -1)
		fprintf(stderr, "billingctl: mail/test template: %s\n", err);
	else if ((rc = outbox_enqueue_mail(c->db, OUTBOX_OTHER, vals[0], &m, NULL,
	    0, &id)) != DB_OK)
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
	else
		printf("queued test email %" PRId64 " to %s (billing-jobs or `billingctl "
		    "mail send-pending` sends it)\n", id, vals[0]);
	outbox_mail_free(&m);
	tmpl_vars_free(v);
	tmpl_cache_free(tc);
	return rc == DB_OK ? 0 : 1;
}

static int
cmd_mail(struct cli *c)
{
	const char *sub = c->argc > 1 ? c->argv[1] : "";

	if (strcmp(sub, "status") == 0 && c->argc == 2)
		return mail_cmd_status(c);
	if (strcmp(sub, "send-pending") == 0 && c->argc == 2)
		return mail_cmd_send(c);
	if (strcmp(sub, "test") == 0)
		return mail_cmd_test(c);
	fprintf(stderr, "usage: billingctl mail send-pending | status | test --to ADDRESS\n");
	return 2;
}

/* Recomputes an estimate's content hash and compares it with what was
 * signed: 0 intact, 1 tampered (or never signed), 3 could not run. */
static int
cmd_estimate(struct cli *c)
{
	char now[CRYPTO_SHA256_HEX], signed_hash[CRYPTO_SHA256_HEX];
	int64_t id;
	int rc;

	if (c->argc != 3 || strcmp(c->argv[1], "verify") != 0 ||
	    str_to_i64(c->argv[2], 1, INT64_MAX, &id) == -1) {
		fprintf(stderr, "usage: billingctl estimate verify ID\n");
		return 2;
	}
	rc = estimate_verify(c->db, id, now, signed_hash);
	if (rc == EST_S_OK) {
		printf("estimate %" PRId64 " ok: sha256 %s matches its signatures\n",
		    id, now);
		return 0;
	}
	if (rc == EST_S_NOT_FOUND) {
		fprintf(stderr, "no such estimate: %" PRId64 "\n", id);
		return 1;
	}
	if (rc == EST_S_STATE) {
		fprintf(stderr, "estimate %" PRId64 " is not signed\n", id);
		return 1;
	}
	if (rc == EST_S_TAMPERED) {
		fprintf(stderr, "estimate %" PRId64 " TAMPERED: content sha256 %s, "
		    "signed %s\n", id, now, signed_hash);
		return 1;
	}
	fprintf(stderr, "estimate verify could not run: %s\n", db_error(c->db));
	return 3;
}

/* Statements on a schedule: `statements run-scheduled --once` makes every
 * due scheduled statement now (what billing-jobs does every few seconds). */
static int
cmd_statements(struct cli *c)
{
	struct ss_env env = { &c->cfg, pdf_statement_cfg };
	struct ss_run_stats st;
	int rc;

	if (c->argc != 3 || strcmp(c->argv[1], "run-scheduled") != 0 ||
	    strcmp(c->argv[2], "--once") != 0) {
		fprintf(stderr, "usage: billingctl statements run-scheduled --once\n");
		return 2;
	}
	rc = statement_schedule_run(c->db, &env, clock_now(), SIZE_MAX, &st);
	if (rc != SS_OK) {
		fprintf(stderr, "billingctl: database error: %s\n", db_error(c->db));
		return 1;
	}
	printf("scheduled statements: %zu accounts, %zu emailed, %zu portal only, "
	    "%zu under the minimum, %zu done before, %zu errors\n", st.examined,
	    st.emailed, st.generated, st.skipped, st.already, st.errors);
	return st.errors > 0 ? 1 : 0;
}

static int
cmd_jobs(struct cli *c)
{
	return ctl_jobs(&c->cfg, c->db, c->argc, c->argv);
}

static const struct {
	const char	*name;
	int		(*fn)(struct cli *);
	const char	*help;
} commands[] = {
	{ "migrate", cmd_migrate, "migrate [--dir D]       apply pending schema migrations" },
	{ "user", cmd_user, "user add --email E --name N --role R | list | disable --email E" },
	{ "demo", cmd_demo, "demo                    load demo data (idempotent)" },
	{ "apikey", cmd_apikey, "apikey create --name N --role R | list | revoke --id N" },
	{ "ledger", cmd_ledger, "ledger verify           recompute balances, check every invariant" },
	{ "estimate", cmd_estimate, "estimate verify ID      recompute a signed estimate's SHA-256, refuse a tampered one" },
	{ "mail", cmd_mail, "mail send-pending | status | test --to A  send due emails now | queue counts | queue a test email" },
	{ "statements", cmd_statements, "statements run-scheduled --once  make (and email) every scheduled statement due now" },
	{ "jobs", cmd_jobs, "jobs run [--job NAME] --once | status  run every due job once (or one), then exit | last/next run and failures of each job" },
	{ "reconcile", cmd_reconcile, "reconcile [--older-than S] [--limit N]  settle card/ACH payments and refunds left pending (default 300 s, 1000 oldest-checked first)" },
};

static void
usage(void)
{
	fprintf(stderr, "usage: billingctl [-c config] command ...\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(stderr, "  %s\n", commands[i].help);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct cli c;
	const char *cfgpath = getenv("BILLING_CONFIG");
	char err[512];
	int rc = 2;

	log_set_prog("billingctl");
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		cfgpath = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		usage();
	memset(&c, 0, sizeof(c));
	if (config_load(&c.cfg, cfgpath, err, sizeof(err)) == -1) {
		fprintf(stderr, "billingctl: %s\n", err);
		return 1;
	}
	if (crypto_init() == -1 || (c.db = db_new(&c.cfg)) == NULL)
		return 1;
	if (db_ensure(c.db) != DB_OK) {
		fprintf(stderr, "billingctl: cannot connect to the database: %s\n",
		    db_error(c.db));
		db_close(c.db);
		config_free(&c.cfg);
		return 1;
	}
	c.argc = argc - 1;
	c.argv = argv + 1;
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			rc = commands[i].fn(&c);
			break;
		}
	if (rc == 2 && c.argc > 0) {
		int known = 0;
		for (size_t i = 0; i < ARRAY_LEN(commands); i++)
			known |= strcmp(argv[1], commands[i].name) == 0;
		if (!known) {
			db_close(c.db);
			config_free(&c.cfg);
			usage();
		}
	}
	db_close(c.db);
	config_free(&c.cfg);
	return rc;
}
