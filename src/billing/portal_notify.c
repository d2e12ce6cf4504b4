/* Payments made in the portal or by pay link: who made them, and the
 * emails their state calls for (receipt, ACH pending, ACH succeeded or
 * failed), each queued once, in the transaction of the change. */
#include "common.h"

#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "notice.h"
#include "portal.h"
#include "portal_int.h"
#include "profiles.h"
#include "store_portal.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

int
portal_payment_register(struct db *db, int64_t payment_id, int64_t account_id,
    int64_t pay_link_id, const char *email, const struct portal_consent_intent *ci)
{
	char ua[256] = "";

	if (ci && ci->user_agent) {
		str_copy(ua, sizeof(ua), ci->user_agent);
		str_utf8_limit(ua, 255);
	}
	return portal_status_of(store_portal_payment_insert(db, payment_id,
	    account_id, pay_link_id, email ? email : "", ci ? ci->signer : NULL,
	    ci && ci->ip ? ci->ip : "", ua, clock_now()));
}

/* Records a consent any_balance for method_id signed as c says. */
static int
consent_record(const struct sp *sp, int64_t account_id, int64_t method_id,
    const struct store_portal_consent *c, int64_t *consent_id)
{
	struct sp_consent_req req = { account_id, method_id, "any_balance", 0, 0,
	    PORTAL_CONSENT_VERSION, c->signer, c->ip, c->user_agent, 0 };
	char msg[256];
	int rc = stripe_pay_consent_record(sp, &req, consent_id, msg, sizeof(msg));

	if (rc != SP_OK)
		log_warn("account %" PRId64 ": portal consent not recorded: %s",
		    account_id, msg);
	return rc == SP_OK ? PORTAL_OK : rc == SP_DB ? PORTAL_DB : PORTAL_INVALID;
}

int
portal_payment_consent(const struct sp *sp, int64_t payment_id)
{
	struct store_portal_consent c;
	struct sp_payment p;
	int64_t cid = 0;
	int rc;

	if (stripe_pay_get(sp->db, payment_id, &p) != SP_OK)
		return PORTAL_DB;
	if (strcmp(p.status, "succeeded") != 0 || !p.save_method ||
	    p.payment_method_id == 0)
		return PORTAL_OK;
	/* Claim the row first: concurrent returns record it once. */
	if ((rc = store_portal_payment_consent_claim(sp->db, payment_id)) < 0)
		return PORTAL_DB;
	if (rc == 0)
		return PORTAL_OK;
	if (store_portal_payment_consent(sp->db, payment_id, &c) == 1)
		rc = consent_record(sp, p.account_id, p.payment_method_id, &c, &cid);
	else
		rc = PORTAL_DB;
	if (store_portal_payment_consent_set(sp->db, payment_id, rc == PORTAL_OK ?
	    cid : -1) != DB_OK)
		return PORTAL_DB;
	return rc;
}

int
portal_setup_register(struct db *db, const char *setup_intent,
    int64_t account_id, const struct portal_consent_intent *ci)
{
	char ua[256] = "";

	if (ci->user_agent) {
		str_copy(ua, sizeof(ua), ci->user_agent);
		str_utf8_limit(ua, 255);
	}
	return portal_status_of(store_portal_setup_insert(db, setup_intent,
	    account_id, ci->signer, ci->ip ? ci->ip : "", ua, clock_now()));
}

int
portal_setup_finish(const struct sp *sp, int64_t account_id,
    const char *setup_intent, int64_t *method_id, char *msg, size_t msgsz)
{
	struct store_portal_consent c;
	int64_t cid = 0;
	int rc;

	rc = store_portal_setup_get(sp->db, setup_intent, account_id, &c);
	if (rc != 1)
		return rc < 0 ? PORTAL_DB : PORTAL_NOT_FOUND;
	rc = stripe_pay_setup_complete(sp, account_id, setup_intent, method_id,
	    msg, msgsz);
	if (rc != SP_OK)
		return rc == SP_DB ? PORTAL_DB : rc == SP_NOT_FOUND ?
		    PORTAL_NOT_FOUND : PORTAL_INVALID;
	rc = store_portal_setup_claim(sp->db, setup_intent, account_id);
	if (rc == 1) {
		rc = consent_record(sp, account_id, *method_id, &c, &cid);
		if (store_portal_setup_done(sp->db, setup_intent, *method_id, rc ==
		    PORTAL_OK ? cid : -1) != DB_OK)
			rc = PORTAL_DB;
	} else
		rc = rc == 0 ? PORTAL_OK : PORTAL_DB;
	if (rc == PORTAL_INVALID)
		str_copy(msg, msgsz, "The payment method was saved, but the "
		    "authorization could not be recorded.");
	return rc;
}

int
portal_payment_owned(struct db *db, int64_t payment_id, int64_t account_id,
    int64_t pay_link_id)
{
	int rc = store_portal_payment_owned(db, payment_id, account_id,
	    pay_link_id);

	return rc < 0 ? PORTAL_DB : rc;
}

/* The email a payment's state calls for; NULL when none. */
static const char *
notice_due(const struct sp_payment *p, int ach_pending_sent)
{
	int ach = strcmp(p->method, "ach") == 0;

	if (strcmp(p->status, "succeeded") == 0)
		return ach ? "ach_succeeded" : "receipt";
	if (!ach)
		return NULL;
	if (strcmp(p->status, "pending") == 0)
		return strcmp(p->stripe_status, "processing") == 0 ?
		    "ach_pending" : NULL;
	/* A failure the client saw on screen needs no email; one after
	 * "pending" does. */
	return ach_pending_sent ? "ach_failed" : NULL;
}

/* 1 when the notice was claimed now (queue it), 0 when it was before. */
static int
notice_claim(struct db *db, int64_t payment_id, const char *kind, int *claimed)
{
	int rc = store_portal_notice_claim(db, payment_id, kind, clock_now());

	*claimed = rc == 1;
	return rc < 0 ? rc : DB_OK;
}

static int
notice_sent(struct db *db, int64_t payment_id, const char *kind, int *sent)
{
	int rc = store_portal_notice_sent(db, payment_id, kind);

	*sent = rc == 1;
	return rc < 0 ? rc : DB_OK;
}

const char *
portal_failure_text(const struct sp_payment *p)
{
	if (strcmp(p->status, "canceled") == 0)
		return "The payment was canceled.";
	return stripe_reason_client_message(stripe_reason_from_codes(NULL,
	    p->failure_code, NULL));
}

struct pay_notice {
	const char		*name;		/* portal_payment_notices.kind */
	enum notice_kind	 kind;
	int			 succeeded;	/* for ach_result */
};

static const struct pay_notice pay_notices[] = {
	{ "receipt", NOTICE_RECEIPT, 1 },
	{ "ach_pending", NOTICE_ACH_PENDING, 0 },
	{ "ach_succeeded", NOTICE_ACH_SUCCEEDED, 1 },
	{ "ach_failed", NOTICE_ACH_FAILED, 0 },
};

static const struct pay_notice *
pay_notice(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(pay_notices); i++)
		if (strcmp(pay_notices[i].name, name) == 0)
			return &pay_notices[i];
	return NULL;
}

void
portal_notice_invoices(struct notice *n, const char *alloc_plan)
{
	struct alloc_req req[SP_PLAN_MAX];
	char s[SP_PLAN_MAX * 44] = "";
	size_t nreq = 0, off = 0;
	int autoa = 0;

	if (alloc_plan[0] == '\0')
		return;
	if (stripe_pay_plan_parse(alloc_plan, &autoa, req, SP_PLAN_MAX,
	    &nreq) == -1)
		nreq = 0;
	for (size_t i = 0; i < nreq; i++) {
		if (str_fmt(s + off, sizeof(s) - off, "%" PRId64 ",%" PRId64 ";",
		    req[i].invoice_id, req[i].amount) == -1)
			break;
		off += strlen(s + off);
	}
	notice_fact(n, "invoices", s);
}

/* The payment's notice with what it was when it became due: its status,
 * amount, date, the invoices it is for and why it failed (the mailer renders
 * the rest when it sends it). */
static int
pay_notice_queue(struct db *db, const struct config *cfg,
    const struct pay_notice *nk, const struct sp_payment *p,
    const struct account *a, const char *to, int portal)
{
	struct notice n;
	char d[32];

	notice_init(&n, nk->kind, to, a->language, a->id, "payment", p->id);
	notice_fact(&n, "status", p->status);
	notice_fact_i64(&n, "amount", p->amount);
	clock_fmt_date(p->settled_at ? p->settled_at : p->created_at, d,
	    sizeof(d));
	notice_fact(&n, "date", d);
	notice_fact_i64(&n, "succeeded", nk->succeeded);
	notice_fact_i64(&n, "portal", portal);
	portal_notice_invoices(&n, p->alloc_plan);
	if (strcmp(p->status, "failed") == 0 || strcmp(p->status, "canceled") == 0)
		notice_fact(&n, "failure", portal_failure_text(p));
	return notice_enqueue(db, cfg, &n, NULL) == DB_OK ? DB_OK : DB_ERR;
}

static int
notify_tx_with(struct db *db, const struct config *cfg, int64_t payment_id)
{
	const struct pay_notice *nk;
	const char *due;
	struct sp_payment p;
	struct account a;
	char to[255];
	int rc, pending_sent = 0, claimed = 0, portal = 0;

	if ((rc = store_portal_payment_source(db, payment_id, to, sizeof(to),
	    &portal)) <= 0)
		return rc;
	if ((rc = stripe_pay_get(db, payment_id, &p)) != SP_OK)
		return rc == SP_NOT_FOUND ? DB_OK : DB_ERR;
	if ((rc = account_get(db, p.account_id, &a)) != PROF_OK)
		return rc == PROF_NOT_FOUND ? DB_OK : DB_ERR;
	if (to[0] == '\0')
		str_copy(to, sizeof(to), a.email);
	if ((rc = notice_sent(db, payment_id, "ach_pending", &pending_sent)) != DB_OK)
		return rc;
	due = notice_due(&p, pending_sent);
	if (due == NULL || (nk = pay_notice(due)) == NULL || to[0] == '\0')
		return DB_OK;
	if ((rc = notice_claim(db, payment_id, nk->name, &claimed)) != DB_OK ||
	    !claimed)
		return rc;
	rc = pay_notice_queue(db, cfg, nk, &p, &a, to, portal);
	if (rc != DB_OK)
		log_err("payment %" PRId64 ": %s email not queued", payment_id,
		    nk->name);
	return rc;
}

/* Payments known (portal_payments_known) to have no portal row: their
 * settlement queues no email, nothing to read. */
#define KNOWN_MAX	32
static struct {
	size_t	 n;
	int64_t	 ids[KNOWN_MAX];
} known_none;

int
portal_payments_known(struct db *db, const int64_t *ids, size_t n)
{
	int has[KNOWN_MAX];
	int rc;

	known_none.n = 0;
	if (n == 0 || n > KNOWN_MAX)
		return DB_OK;
	if ((rc = store_portal_payments_having(db, ids, n, has)) != DB_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!has[i])
			known_none.ids[known_none.n++] = ids[i];
	return DB_OK;
}

void
portal_payments_known_end(void)
{
	known_none.n = 0;
}

int
portal_payment_settled(struct db *db, const struct config *cfg, int64_t payment_id)
{
	for (size_t i = 0; i < known_none.n; i++)
		if (known_none.ids[i] == payment_id)
			return DB_OK;
	return notify_tx_with(db, cfg, payment_id);
}

struct notify_args {
	const struct portal_env	*env;
	int64_t			 payment_id;
};

static int
notify_tx(struct db *db, void *arg)
{
	struct notify_args *x = arg;
	int rc;

	/* Serialize with the settle path, which holds this row's lock. */
	if ((rc = store_portal_payment_lock(db, x->payment_id)) < 0)
		return rc;
	return notify_tx_with(db, x->env->cfg, x->payment_id);
}

int
portal_payment_notify(const struct portal_env *env, int64_t payment_id)
{
	struct notify_args x = { env, payment_id };

	return portal_status_of(db_tx(env->db, notify_tx, &x));
}
