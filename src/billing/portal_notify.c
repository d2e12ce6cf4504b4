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
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

int
portal_payment_register(struct db *db, int64_t payment_id, int64_t account_id,
    int64_t pay_link_id, const char *email, const struct portal_consent_intent *ci)
{
	char ua[256] = "";
	struct db_param p[] = { DB_I64(payment_id), DB_I64(account_id),
	    DB_STR(pay_link_id ? "paylink" : "portal"),
	    pay_link_id ? DB_I64(pay_link_id) : DB_NULL, DB_STR(email ? email : ""),
	    ci ? DB_STR(ci->signer) : DB_NULL, DB_STR(ci && ci->ip ? ci->ip : ""),
	    DB_STR(ua), DB_I64(clock_now()) };

	if (ci && ci->user_agent) {
		str_copy(ua, sizeof(ua), ci->user_agent);
		str_utf8_limit(ua, 255);
	}
	return portal_status_of(db_exec(db, "INSERT IGNORE INTO portal_payments"
	    " (payment_id, account_id, source, pay_link_id, email, consent_signer,"
	    " consent_ip, consent_ua, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL));
}

/* Records a consent any_balance for method_id signed as in row r (signer,
 * ip, ua at cols 0..2). */
static int
consent_record(const struct sp *sp, int64_t account_id, int64_t method_id,
    const struct db_result *r, int64_t *consent_id)
{
	struct sp_consent_req req = { account_id, method_id, "any_balance", 0, 0,
	    PORTAL_CONSENT_VERSION, db_str(r, 0, 0), db_str(r, 0, 1),
	    db_str(r, 0, 2), 0 };
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
	struct db_param k[] = { DB_I64(payment_id) };
	struct db_result r;
	struct sp_payment p;
	uint64_t claimed = 0;
	int64_t cid = 0;
	int rc;

	if (stripe_pay_get(sp->db, payment_id, &p) != SP_OK)
		return PORTAL_DB;
	if (strcmp(p.status, "succeeded") != 0 || !p.save_method ||
	    p.payment_method_id == 0)
		return PORTAL_OK;
	/* Claim the row first: concurrent returns record it once. */
	if (db_exec(sp->db, "UPDATE portal_payments SET consent_id = 0 WHERE"
	    " payment_id = ? AND consent_id IS NULL AND consent_signer IS NOT NULL",
	    k, 1, &claimed, NULL) != DB_OK)
		return PORTAL_DB;
	if (claimed == 0)
		return PORTAL_OK;
	rc = db_query(sp->db, "SELECT consent_signer, consent_ip, consent_ua"
	    " FROM portal_payments WHERE payment_id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1)
		rc = consent_record(sp, p.account_id, p.payment_method_id, &r, &cid);
	else
		rc = PORTAL_DB;
	db_result_free(&r);
	{
		struct db_param q[] = { rc == PORTAL_OK ? DB_I64(cid) : DB_NULL,
		    DB_I64(payment_id) };
		if (db_exec(sp->db, "UPDATE portal_payments SET consent_id = ?"
		    " WHERE payment_id = ?", q, 2, NULL, NULL) != DB_OK)
			return PORTAL_DB;
	}
	return rc;
}

int
portal_setup_register(struct db *db, const char *setup_intent,
    int64_t account_id, const struct portal_consent_intent *ci)
{
	char ua[256] = "";
	struct db_param p[] = { DB_STR(setup_intent), DB_I64(account_id),
	    DB_STR(ci->signer), DB_STR(ci->ip ? ci->ip : ""), DB_STR(ua),
	    DB_I64(clock_now()) };

	if (ci->user_agent) {
		str_copy(ua, sizeof(ua), ci->user_agent);
		str_utf8_limit(ua, 255);
	}
	return portal_status_of(db_exec(db, "INSERT IGNORE INTO portal_setups"
	    " (setup_intent, account_id, signer, ip, user_agent, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL));
}

int
portal_setup_finish(const struct sp *sp, int64_t account_id,
    const char *setup_intent, int64_t *method_id, char *msg, size_t msgsz)
{
	struct db_param k[] = { DB_STR(setup_intent), DB_I64(account_id) };
	struct db_result r;
	uint64_t claimed = 0;
	int64_t cid = 0;
	int rc;

	rc = db_query(sp->db, "SELECT signer, ip, user_agent FROM portal_setups"
	    " WHERE setup_intent = ? AND account_id = ?", k, 2, &r);
	if (rc != DB_OK || r.nrows == 0) {
		db_result_free(&r);
		return rc != DB_OK ? PORTAL_DB : PORTAL_NOT_FOUND;
	}
	rc = stripe_pay_setup_complete(sp, account_id, setup_intent, method_id,
	    msg, msgsz);
	if (rc != SP_OK) {
		db_result_free(&r);
		return rc == SP_DB ? PORTAL_DB : rc == SP_NOT_FOUND ?
		    PORTAL_NOT_FOUND : PORTAL_INVALID;
	}
	rc = db_exec(sp->db, "UPDATE portal_setups SET consent_id = 0 WHERE"
	    " setup_intent = ? AND account_id = ? AND consent_id IS NULL",
	    k, 2, &claimed, NULL) == DB_OK ? PORTAL_OK : PORTAL_DB;
	if (rc == PORTAL_OK && claimed == 1) {
		rc = consent_record(sp, account_id, *method_id, &r, &cid);
		{
			struct db_param q[] = { DB_I64(*method_id),
			    rc == PORTAL_OK ? DB_I64(cid) : DB_NULL,
			    DB_STR(setup_intent) };
			if (db_exec(sp->db, "UPDATE portal_setups SET method_id = ?,"
			    " consent_id = ? WHERE setup_intent = ?", q, 3,
			    NULL, NULL) != DB_OK)
				rc = PORTAL_DB;
		}
	}
	db_result_free(&r);
	if (rc == PORTAL_INVALID)
		str_copy(msg, msgsz, "The payment method was saved, but the "
		    "authorization could not be recorded.");
	return rc;
}

int
portal_payment_owned(struct db *db, int64_t payment_id, int64_t account_id,
    int64_t pay_link_id)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(account_id),
	    DB_I64(pay_link_id), DB_I64(pay_link_id) };
	struct db_result r;
	int rc, yes;

	rc = db_query(db, "SELECT 1 FROM portal_payments pp JOIN payments p"
	    " ON p.id = pp.payment_id AND p.account_id = pp.account_id"
	    " WHERE pp.payment_id = ? AND pp.account_id = ?"
	    " AND (? = 0 OR pp.pay_link_id = ?)", p, ARRAY_LEN(p), &r);
	yes = rc == DB_OK && r.nrows == 1;
	db_result_free(&r);
	return rc != DB_OK ? PORTAL_DB : yes;
}

void
portal_method_label(const char *kind, const char *brand, const char *last4,
    char *out, size_t outsz)
{
	char b[40];

	str_copy(b, sizeof(b), brand && *brand ? brand :
	    strcmp(kind, "card") == 0 ? "Card" : "Bank account");
	if (b[0] >= 'a' && b[0] <= 'z')
		b[0] = (char)(b[0] - 'a' + 'A');
	if (last4 && *last4)
		str_fmt(out, outsz, "%s ending %s", b, last4);
	else
		str_copy(out, outsz, b);
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
	struct db_param p[] = { DB_I64(payment_id), DB_STR(kind),
	    DB_I64(clock_now()) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "INSERT IGNORE INTO portal_payment_notices (payment_id,"
	    " kind, created_at) VALUES (?, ?, ?)", p, ARRAY_LEN(p), &n, NULL);
	*claimed = rc == DB_OK && n == 1;
	return rc;
}

static int
notice_sent(struct db *db, int64_t payment_id, const char *kind, int *sent)
{
	struct db_param p[] = { DB_I64(payment_id), DB_STR(kind) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT 1 FROM portal_payment_notices WHERE"
	    " payment_id = ? AND kind = ?", p, 2, &r);
	*sent = rc == DB_OK && r.nrows == 1;
	db_result_free(&r);
	return rc;
}

const char *
portal_failure_text(const struct sp_payment *p)
{
	if (strcmp(p->status, "canceled") == 0)
		return "The payment was canceled.";
	return stripe_reason_client_message(stripe_reason_from_codes(NULL,
	    p->failure_code, NULL));
}

const char *
portal_invoices_heading(const struct sp_payment *p)
{
	if (strcmp(p->status, "succeeded") == 0)
		return "Applied to";
	if (strcmp(p->status, "failed") == 0 || strcmp(p->status, "canceled") == 0)
		return "It was for (still to pay)";
	return "For";
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

/* The payment's notice with what it was when it became due: its status,
 * amount and date (the mailer renders the rest when it sends it). */
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
	return notice_enqueue(db, cfg, &n, NULL) == DB_OK ? DB_OK : DB_ERR;
}

static int
notify_tx_with(struct db *db, const struct config *cfg, int64_t payment_id)
{
	struct db_param k[] = { DB_I64(payment_id) };
	const struct pay_notice *nk;
	const char *due;
	struct db_result r;
	struct sp_payment p;
	struct account a;
	char to[255];
	int rc, pending_sent = 0, claimed = 0, portal;

	rc = db_query(db, "SELECT account_id, email, source = 'portal'"
	    " FROM portal_payments WHERE payment_id = ?", k, 1, &r);
	if (rc != DB_OK || r.nrows == 0) {
		db_result_free(&r);
		return rc;
	}
	str_copy(to, sizeof(to), db_str(&r, 0, 1));
	portal = db_i64(&r, 0, 2) != 0;
	db_result_free(&r);
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

int
portal_payment_settled(struct db *db, const struct config *cfg, int64_t payment_id)
{
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
	struct db_param k[] = { DB_I64(x->payment_id) };
	struct db_result r;
	int rc;

	/* Serialize with the settle path, which holds this row's lock. */
	rc = db_query(db, "SELECT id FROM payments WHERE id = ? FOR UPDATE", k, 1, &r);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	return notify_tx_with(db, x->env->cfg, x->payment_id);
}

int
portal_payment_notify(const struct portal_env *env, int64_t payment_id)
{
	struct notify_args x = { env, payment_id };

	return portal_status_of(db_tx(env->db, notify_tx, &x));
}
