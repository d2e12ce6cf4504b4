/* "Update your card" links of payment plans (plan_card.h). */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "plan_card.h"
#include "plan_int.h"
#include "portal_int.h"
#include "str.h"
#include "stripe_pay.h"

int
plan_card_token_new(struct db *db, int64_t plan_id, char *token, size_t tokensz)
{
	char hash[65];
	int64_t now = clock_now();

	if (portal_token_new(token, tokensz, hash) == -1)
		return DB_ERR;
	{
		struct db_param q[] = { DB_I64(plan_id), DB_STR(hash),
		    DB_I64(now + PLAN_CARD_TTL), DB_I64(now) };
		return db_exec(db, "INSERT INTO plan_card_tokens (plan_id, token_hash,"
		    " expires_at, created_at) VALUES (?, ?, ?, ?)", q, 4, NULL, NULL);
	}
}

int
plan_card_find(struct db *db, const char *token, struct plan_card_link *l)
{
	char hash[65];
	struct db_result r;
	int rc;

	memset(l, 0, sizeof(*l));
	if (portal_token_hash(token, hash) == -1)
		return PLAN_NOT_FOUND;
	{
		struct db_param q[] = { DB_STR(hash), DB_I64(clock_now()) };
		rc = db_query(db, "SELECT t.id, t.plan_id, p.account_id,"
		    " COALESCE(t.setup_intent, ''), COALESCE(t.signer_name, ''),"
		    " COALESCE(t.signer_ip, ''), COALESCE(t.signer_user_agent, '')"
		    " FROM plan_card_tokens t JOIN payment_plans p ON p.id = t.plan_id"
		    " WHERE t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ?"
		    " AND p.status IN ('active', 'past_due', 'paused', 'sent')", q, 2, &r);
	}
	if (rc != DB_OK || r.nrows != 1) {
		db_result_free(&r);
		return rc != DB_OK ? PLAN_DB : PLAN_NOT_FOUND;
	}
	l->id = db_i64(&r, 0, 0);
	l->plan_id = db_i64(&r, 0, 1);
	l->account_id = db_i64(&r, 0, 2);
	str_copy(l->setup_intent, sizeof(l->setup_intent), db_str(&r, 0, 3));
	str_copy(l->signer_name, sizeof(l->signer_name), db_str(&r, 0, 4));
	str_copy(l->signer_ip, sizeof(l->signer_ip), db_str(&r, 0, 5));
	str_copy(l->signer_user_agent, sizeof(l->signer_user_agent), db_str(&r, 0, 6));
	db_result_free(&r);
	return PLAN_OK;
}

int
plan_card_started(struct db *db, int64_t link_id, const char *setup_intent,
    const char *signer, const char *ip, const char *user_agent)
{
	char ua[256];
	struct db_param q[] = { DB_STR(setup_intent), DB_STR(signer), DB_STR(ip),
	    DB_STR(ua), DB_I64(link_id) };

	str_copy(ua, sizeof(ua), user_agent ? user_agent : "");
	return db_exec(db, "UPDATE plan_card_tokens SET setup_intent = ?,"
	    " signer_name = ?, signer_ip = ?, signer_user_agent = ? WHERE id = ?"
	    " AND used_at IS NULL", q, 5, NULL, NULL) == DB_OK ? PLAN_OK : PLAN_DB;
}

struct replace_args {
	const struct sp			*sp;
	const struct plan_card_link	*l;
	int64_t				 method_id, consent_id;
};

static int
replace_tx(struct db *db, void *arg)
{
	struct replace_args *a = arg;
	struct plan p;
	char today[11], changes[200];
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_lock(db, a->l->plan_id, &p)) != DB_OK)
		return rc;
	plan_free(&p);
	if (clock_fmt_date(clock_now(), today, sizeof(today)) == -1)
		return DB_ERR;
	{
		struct db_param m[] = { DB_I64(a->method_id), DB_I64(clock_now()),
		    DB_I64(a->l->plan_id) };
		struct db_param c[] = { DB_I64(clock_now()), DB_I64(a->l->plan_id),
		    DB_I64(a->consent_id) };
		struct db_param i[] = { DB_STR(today), DB_I64(a->l->plan_id) };
		struct db_param t[] = { DB_I64(clock_now()), DB_I64(a->l->id) };

		if ((rc = db_exec(db, "UPDATE payment_plans SET payment_method_id = ?,"
		    " status = IF(status = 'past_due', 'active', status), updated_at = ?"
		    " WHERE id = ?", m, 3, NULL, NULL)) != DB_OK ||
		    (rc = db_exec(db, "UPDATE consents SET revoked_at = ? WHERE"
		    " plan_id = ? AND scope = 'payment_plan' AND id <> ? AND"
		    " revoked_at IS NULL", c, 3, NULL, NULL)) != DB_OK ||
		    (rc = db_exec(db, "UPDATE payment_plan_installments SET"
		    " dunning_stopped = 0, retry_on = IF(failures > 0, ?, retry_on)"
		    " WHERE plan_id = ? AND status = 'scheduled'", i, 2, NULL, NULL)) !=
		    DB_OK ||
		    (rc = db_exec(db, "UPDATE plan_card_tokens SET used_at = ? WHERE"
		    " id = ?", t, 2, NULL, NULL)) != DB_OK)
			return rc;
	}
	str_fmt(changes, sizeof(changes), "The client replaced the card (payment "
	    "method %" PRId64 ") from an update-card link, signed by %s.\n",
	    a->method_id, a->l->signer_name);
	return plan_version_add(db, a->sp->actor, a->l->plan_id, "plan.card_replaced",
	    changes, NULL);
}

int
plan_card_replace(const struct sp *sp, const struct plan_card_link *l,
    int64_t method_id, char *msg, size_t msgsz)
{
	struct replace_args a = { sp, l, method_id, 0 };
	struct sp_consent_req q;
	struct plan p;
	char version[33];
	int64_t max = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_load(sp->db, l->plan_id, &p)) != DB_OK)
		return PLAN_DB;
	for (size_t i = 0; i < p.ninst; i++)
		if (p.inst[i].amount > max)
			max = p.inst[i].amount;
	str_fmt(version, sizeof(version), "plan-%" PRId64 "-v%d", p.id, p.version);
	plan_free(&p);
	q = (struct sp_consent_req){ l->account_id, method_id, "payment_plan", max,
	    l->plan_id, version, l->signer_name, l->signer_ip, l->signer_user_agent, 0 };
	rc = stripe_pay_consent_record(sp, &q, &a.consent_id, msg, msgsz);
	if (rc == SP_DB)
		return PLAN_DB;
	if (rc != SP_OK)
		return PLAN_INVALID;
	return plan_rc_of(db_tx(sp->db, replace_tx, &a));
}
