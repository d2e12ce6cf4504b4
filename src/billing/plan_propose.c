/* Self-service payment plans (issue 10): the client picks open invoices
 * posted to the portal and proposes terms inside the practice limits (no
 * override), signing at once. Without the setting "client proposals need
 * staff approval" the plan is sent and accepted with that signature in the
 * same request (active at once); with it, the plan waits as a draft until
 * staff approve, which sends and accepts it with the stored signature. */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "plan.h"
#include "plan_int.h"
#include "portal.h"
#include "profiles.h"
#include "store_plan.h"
#include "str.h"

int
plan_proposals_need_approval(struct db *db, int *need)
{
	return store_plan_approval_get(db, need) == DB_OK ? PLAN_OK : PLAN_DB;
}

int
plan_proposals_set_approval(struct db *db, const struct actor *actor, int need)
{
	if (store_plan_approval_set(db, need) != DB_OK ||
	    audit_record(db, actor, "plan.settings", "settings", 1, need ?
	    "client proposals need staff approval" :
	    "client proposals active at once") != DB_OK)
		return PLAN_DB;
	return PLAN_OK;
}

/* Every invoice must be one the client sees in the portal. */
static int
posted_check(struct db *db, int64_t account_id, const struct plan_req *q,
    struct plan_err *e)
{
	struct portal_invoice pi;
	int rc;

	if (q->ninv == 0)
		return plan_fail(e, PLAN_INVALID, "invoice", "Choose the invoices "
		    "the plan pays.");
	for (size_t i = 0; i < q->ninv; i++) {
		rc = portal_invoice_get(db, account_id, q->invoice_ids[i], &pi);
		if (rc == PORTAL_NOT_FOUND)
			return plan_fail(e, PLAN_NOT_FOUND, "invoice", "We could not "
			    "find one of those invoices.");
		if (rc != PORTAL_OK)
			return PLAN_DB;
	}
	return PLAN_OK;
}

static int
proposal_insert(struct db *db, int64_t plan_id, int64_t account_id,
    const struct plan_signature *s, int pending)
{
	struct store_plan_proposal pp;

	memset(&pp, 0, sizeof(pp));
	pp.account_id = account_id;
	pp.pending = pending;
	str_copy(pp.signer_name, sizeof(pp.signer_name), s->name);
	str_copy(pp.ip, sizeof(pp.ip), s->ip ? s->ip : "");
	str_copy(pp.user_agent, sizeof(pp.user_agent), s->user_agent ?
	    s->user_agent : "");
	pp.created_at = clock_now();
	return store_plan_proposal_insert(db, plan_id, &pp) == DB_OK ? PLAN_OK :
	    PLAN_DB;
}

/* Sent and signed: active. */
static int
activate(const struct plan_env *env, int64_t account_id, int64_t id,
    const struct plan_signature *s, struct plan_err *e)
{
	int rc = plan_send(env, id, e);

	return rc == PLAN_OK ? plan_accept(env, account_id, id, s, e) : rc;
}

int
plan_propose(const struct plan_env *env, struct plan_req *q,
    const struct plan_signature *s, int64_t *id, int *pending,
    struct plan_err *e)
{
	struct plan_slot slots[PLAN_MAX_INSTALLMENTS];
	struct plan_terms t;
	size_t n = 0;
	int rc, need = 0;

	*id = 0;
	*pending = 0;
	q->override_reason = "";	/* the practice's limits hold for clients */
	q->down_received = 0;
	q->method_id = 0;
	q->autopay = 0;
	if ((rc = posted_check(env->db, q->account_id, q, e)) != PLAN_OK)
		return rc;
	if ((rc = plan_preview(env->db, q, &t, slots, ARRAY_LEN(slots), &n,
	    e)) != PLAN_OK)
		return rc;
	if (s->name == NULL || *s->name == '\0' || strlen(s->name) > 200)
		return plan_fail(e, PLAN_INVALID, "signer_name", "Type your full name "
		    "to sign.");
	if (!s->authorized)
		return plan_fail(e, PLAN_INVALID, "authorize", "Tick the box to "
		    "authorize the payment plan.");
	if ((rc = plan_proposals_need_approval(env->db, &need)) != PLAN_OK ||
	    (rc = plan_create(env->db, env->actor, q, id, e)) != PLAN_OK)
		return rc;
	if ((rc = proposal_insert(env->db, *id, q->account_id, s, need)) != PLAN_OK)
		return rc;
	*pending = need;
	return need ? PLAN_OK : activate(env, q->account_id, *id, s, e);
}

int
plan_proposal_get(struct db *db, int64_t plan_id, struct plan_proposal *pp)
{
	struct store_plan_proposal s;
	int rc = store_plan_proposal_get(db, plan_id, &s);

	memset(pp, 0, sizeof(*pp));
	if (rc == 1) {
		pp->found = 1;
		pp->pending = s.pending;
		str_copy(pp->signer_name, sizeof(pp->signer_name), s.signer_name);
		str_copy(pp->ip, sizeof(pp->ip), s.ip);
		str_copy(pp->user_agent, sizeof(pp->user_agent), s.user_agent);
		pp->created_at = s.created_at;
		pp->account_id = s.account_id;
	}
	return rc >= 0 ? PLAN_OK : PLAN_DB;
}

int
plan_proposal_approve(const struct plan_env *env, int64_t plan_id,
    struct plan_err *e)
{
	struct plan_proposal pp;
	struct plan_signature s;
	struct account acct;
	int rc, claimed = 0;

	if ((rc = plan_proposal_get(env->db, plan_id, &pp)) != PLAN_OK)
		return rc;
	if (!pp.found || !pp.pending)
		return plan_fail(e, PLAN_STATE, "status", "This plan is not a client "
		    "proposal waiting for approval.");
	/* claim: one approval however many clicks */
	if (store_plan_proposal_claim(env->db, plan_id, env->actor->id,
	    clock_now(), &claimed) != DB_OK)
		return PLAN_DB;
	if (!claimed)
		return plan_fail(e, PLAN_STATE, "status", "This proposal was approved "
		    "already.");
	/* the client proposed it in the portal: the account's language */
	s = (struct plan_signature){ pp.signer_name, 1, pp.ip, pp.user_agent,
	    account_get(env->db, pp.account_id, &acct) == PROF_OK &&
	    account_language_ok(acct.language) ? acct.language : NULL };
	if ((rc = activate(env, pp.account_id, plan_id, &s, e)) != PLAN_OK)
		(void)store_plan_proposal_reopen(env->db, plan_id);
	return rc;
}
