/* "Update your card" links of payment plans (plan_card.h). */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "plan_card.h"
#include "plan_int.h"
#include "portal_int.h"
#include "store_plan.h"
#include "str.h"
#include "stripe_pay.h"

int
plan_card_token_new(struct db *db, int64_t plan_id, char *token, size_t tokensz)
{
	char hash[65];
	int64_t now = clock_now();

	if (portal_token_new(token, tokensz, hash) == -1)
		return DB_ERR;
	return store_plan_card_insert(db, plan_id, hash, now + PLAN_CARD_TTL, now);
}

int
plan_card_find(struct db *db, const char *token, struct plan_card_link *l)
{
	struct store_plan_card c;
	char hash[65];
	int rc;

	memset(l, 0, sizeof(*l));
	if (portal_token_hash(token, hash) == -1)
		return PLAN_NOT_FOUND;
	if ((rc = store_plan_card_find(db, hash, clock_now(), &c)) != 1)
		return rc < 0 ? PLAN_DB : PLAN_NOT_FOUND;
	l->id = c.id;
	l->plan_id = c.plan_id;
	l->account_id = c.account_id;
	str_copy(l->setup_intent, sizeof(l->setup_intent), c.setup_intent);
	str_copy(l->signer_name, sizeof(l->signer_name), c.signer_name);
	str_copy(l->signer_ip, sizeof(l->signer_ip), c.signer_ip);
	str_copy(l->signer_user_agent, sizeof(l->signer_user_agent),
	    c.signer_user_agent);
	return PLAN_OK;
}

int
plan_card_started(struct db *db, int64_t link_id, const char *setup_intent,
    const char *signer, const char *ip, const char *user_agent)
{
	struct store_plan_card c;

	memset(&c, 0, sizeof(c));
	c.id = link_id;
	str_copy(c.setup_intent, sizeof(c.setup_intent), setup_intent);
	str_copy(c.signer_name, sizeof(c.signer_name), signer);
	str_copy(c.signer_ip, sizeof(c.signer_ip), ip);
	str_copy(c.signer_user_agent, sizeof(c.signer_user_agent),
	    user_agent ? user_agent : "");
	return store_plan_card_started(db, &c) == DB_OK ? PLAN_OK : PLAN_DB;
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
	if ((rc = store_plan_method_set(db, a->l->plan_id, a->method_id,
	    clock_now())) != DB_OK ||
	    (rc = store_plan_consents_revoke(db, a->l->plan_id, a->consent_id,
	    clock_now())) != DB_OK ||
	    (rc = store_plan_inst_dunning_reset(db, a->l->plan_id, today)) != DB_OK ||
	    (rc = store_plan_card_used(db, a->l->id, clock_now())) != DB_OK)
		return rc;
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
