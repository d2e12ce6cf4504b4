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
#include "str.h"

int
plan_proposals_need_approval(struct db *db, int *need)
{
	int64_t v = 0;

	if (db_query_i64(db, "SELECT client_proposals_need_approval FROM "
	    "plan_settings WHERE id = 1", NULL, 0, &v) != DB_OK)
		return PLAN_DB;
	*need = v != 0;
	return PLAN_OK;
}

int
plan_proposals_set_approval(struct db *db, const struct actor *actor, int need)
{
	struct db_param p[] = { DB_I64(need ? 1 : 0) };

	if (db_exec(db, "UPDATE plan_settings SET client_proposals_need_approval "
	    "= ? WHERE id = 1", p, 1, NULL, NULL) != DB_OK ||
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
	char ua[256];

	str_copy(ua, sizeof(ua), s->user_agent ? s->user_agent : "");
	struct db_param p[] = { DB_I64(plan_id), DB_I64(account_id),
	    DB_STR(pending ? "pending" : "approved"), DB_STR(s->name),
	    DB_STR(s->ip ? s->ip : ""), DB_STR(ua), DB_I64(clock_now()) };
	return db_exec(db, "INSERT INTO plan_proposals (plan_id, account_id, status,"
	    " signer_name, signed_ip, signed_user_agent, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL) == DB_OK ?
	    PLAN_OK : PLAN_DB;
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
	struct db_param p[] = { DB_I64(plan_id) };
	struct db_result r;
	int rc;

	memset(pp, 0, sizeof(*pp));
	rc = db_query(db, "SELECT status, signer_name, signed_ip, signed_user_agent,"
	    " created_at, account_id FROM plan_proposals WHERE plan_id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		pp->found = 1;
		pp->pending = strcmp(db_str(&r, 0, 0), "pending") == 0;
		str_copy(pp->signer_name, sizeof(pp->signer_name), db_str(&r, 0, 1));
		str_copy(pp->ip, sizeof(pp->ip), db_str(&r, 0, 2));
		str_copy(pp->user_agent, sizeof(pp->user_agent), db_str(&r, 0, 3));
		pp->created_at = db_i64(&r, 0, 4);
		pp->account_id = db_i64(&r, 0, 5);
	}
	db_result_free(&r);
	return rc == DB_OK ? PLAN_OK : PLAN_DB;
}

int
plan_proposal_approve(const struct plan_env *env, int64_t plan_id,
    struct plan_err *e)
{
	struct plan_proposal pp;
	struct plan_signature s;
	struct account acct;
	uint64_t n = 0;
	int rc;

	if ((rc = plan_proposal_get(env->db, plan_id, &pp)) != PLAN_OK)
		return rc;
	if (!pp.found || !pp.pending)
		return plan_fail(e, PLAN_STATE, "status", "This plan is not a client "
		    "proposal waiting for approval.");
	/* claim: one approval however many clicks */
	struct db_param p[] = { env->actor->id ? DB_I64(env->actor->id) : DB_NULL,
	    DB_I64(clock_now()), DB_I64(plan_id) };
	if (db_exec(env->db, "UPDATE plan_proposals SET status = 'approved', "
	    "decided_by = ?, decided_at = ? WHERE plan_id = ? AND status = 'pending'",
	    p, 3, &n, NULL) != DB_OK)
		return PLAN_DB;
	if (n != 1)
		return plan_fail(e, PLAN_STATE, "status", "This proposal was approved "
		    "already.");
	/* the client proposed it in the portal: the account's language */
	s = (struct plan_signature){ pp.signer_name, 1, pp.ip, pp.user_agent,
	    account_get(env->db, pp.account_id, &acct) == PROF_OK &&
	    account_language_ok(acct.language) ? acct.language : NULL };
	if ((rc = activate(env, pp.account_id, plan_id, &s, e)) != PLAN_OK) {
		struct db_param b[] = { DB_I64(plan_id) };
		(void)db_exec(env->db, "UPDATE plan_proposals SET status = 'pending', "
		    "decided_by = NULL, decided_at = NULL WHERE plan_id = ?", b, 1,
		    NULL, NULL);
	}
	return rc;
}
