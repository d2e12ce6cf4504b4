/* Payment plans: versions, invoices of plans, settings, client proposals,
 * update-card links (see store_plan.h). */
#include "common.h"

#include "db.h"
#include "store_plan.h"
#include "str.h"

#define COPY(dst, r, i, c)	str_copy((dst), sizeof(dst), db_str((r), (i), (c)))

/* --- versions ---------------------------------------------------------------- */

int
store_plan_version_next(struct db *db, int64_t plan_id, int64_t now,
    int64_t *version)
{
	struct db_param q[] = { DB_I64(now), DB_I64(plan_id) };
	int rc = db_exec(db, "UPDATE payment_plans SET version = version + 1,"
	    " updated_at = ? WHERE id = ?", q, 2, NULL, NULL);

	if (rc != DB_OK)
		return rc;
	return db_query_i64(db, "SELECT version FROM payment_plans WHERE id = ?",
	    q + 1, 1, version);
}

int
store_plan_version_insert(struct db *db, int64_t plan_id, int64_t version,
    const char *actor_kind, int64_t actor_id, int64_t now, const char *changes,
    const char *schedule, const char *consent)
{
	struct db_param v[] = { DB_I64(plan_id), DB_I64(version), DB_STR(actor_kind),
	    actor_id ? DB_I64(actor_id) : DB_NULL, DB_I64(now), DB_STR(changes),
	    DB_STR(schedule), DB_STR(consent ? consent : "") };

	return db_exec(db, "INSERT INTO payment_plan_versions (plan_id, version,"
	    " actor_kind, actor_id, created_at, changes, schedule, consent_text)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", v, ARRAY_LEN(v), NULL, NULL);
}

int
store_plan_version_sign(struct db *db, int64_t plan_id, const char *name,
    const char *ip, const char *user_agent, int64_t now)
{
	struct db_param q[] = { DB_STR(name), DB_I64(now), DB_STR(ip ? ip : ""),
	    DB_STR(user_agent ? user_agent : ""), DB_I64(plan_id) };

	return db_exec(db, "UPDATE payment_plan_versions SET signed_name = ?,"
	    " signed_at = ?, signed_ip = ?, signed_user_agent = LEFT(?, 255)"
	    " WHERE plan_id = ? ORDER BY version DESC LIMIT 1", q, 5, NULL, NULL);
}

int
store_plan_versions(struct db *db, int64_t plan_id,
    struct store_plan_version **out, size_t *n)
{
	struct db_param q[] = { DB_I64(plan_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT v.version, v.actor_kind, COALESCE(u.name, ''),"
	    " v.created_at, v.changes, COALESCE(v.signed_name, ''),"
	    " COALESCE(v.signed_at, 0), COALESCE(v.signed_ip, '') FROM"
	    " payment_plan_versions v LEFT JOIN users u ON u.id = v.actor_id AND"
	    " v.actor_kind = 'staff' WHERE v.plan_id = ? ORDER BY v.version DESC"
	    " LIMIT 200", q, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct store_plan_version *v = &(*out)[i];

		v->version = db_i64(&r, i, 0);
		COPY(v->actor_kind, &r, i, 1);
		COPY(v->actor_name, &r, i, 2);
		v->created_at = db_i64(&r, i, 3);
		if ((v->changes = str_dup(db_str(&r, i, 4))) == NULL)
			rc = DB_ERR;
		COPY(v->signed_name, &r, i, 5);
		v->signed_at = db_i64(&r, i, 6);
		COPY(v->signed_ip, &r, i, 7);
		*n = i + 1;
	}
	db_result_free(&r);
	if (rc != DB_OK) {
		store_plan_versions_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void
store_plan_versions_free(struct store_plan_version *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].changes);
	free(v);
}

/* --- invoices of plans ----------------------------------------------------------- */

int
store_plan_inv_check(struct db *db, int64_t plan_id, int64_t invoice_id,
    struct store_plan_inv_check *c)
{
	struct db_param q[] = { DB_I64(plan_id), DB_I64(invoice_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT i.account_id, COALESCE(i.client_id, 0),"
	    " i.status, COALESCE(i.number, ''), ((SELECT COALESCE(SUM(e.amount), 0)"
	    " FROM ledger_entries e WHERE e.invoice_id = i.id) - (SELECT"
	    " COALESCE(SUM(x.amount), 0) FROM allocations x WHERE x.invoice_id ="
	    " i.id)), COALESCE((SELECT MIN(p.id) FROM payment_plan_invoices pi JOIN"
	    " payment_plans p ON p.id = pi.plan_id WHERE pi.invoice_id = i.id AND"
	    " p.id <> ? AND p.status NOT IN ('completed', 'cancelled')), 0) FROM"
	    " invoices i WHERE i.id = ?", q, 2, &r);

	memset(c, 0, sizeof(*c));
	if (rc == DB_OK && r.nrows == 1) {
		c->account_id = db_i64(&r, 0, 0);
		c->client_id = db_i64(&r, 0, 1);
		COPY(c->status, &r, 0, 2);
		COPY(c->number, &r, 0, 3);
		c->open = db_i64(&r, 0, 4);
		c->other_plan = db_i64(&r, 0, 5);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_plan_of_invoice(struct db *db, int64_t invoice_id, int64_t *plan_id)
{
	struct db_param q[] = { DB_I64(invoice_id) };

	return db_query_i64(db, "SELECT COALESCE(MIN(p.id), 0) FROM"
	    " payment_plan_invoices pi JOIN payment_plans p ON p.id = pi.plan_id"
	    " WHERE pi.invoice_id = ? AND p.status NOT IN ('completed',"
	    " 'cancelled')", q, 1, plan_id);
}

int
store_plan_invoice_add(struct db *db, int64_t plan_id, int64_t invoice_id,
    int64_t version)
{
	struct db_param q[] = { DB_I64(plan_id), DB_I64(invoice_id),
	    DB_I64(version) };

	return db_exec(db, "INSERT INTO payment_plan_invoices (plan_id, invoice_id,"
	    " added_in_version) VALUES (?, ?, ?)", q, 3, NULL, NULL);
}

/* --- settings --------------------------------------------------------------------- */

int
store_plan_limits_get(struct db *db, struct store_plan_limits *l)
{
	struct db_result r;
	int rc = db_query(db, "SELECT min_installment, max_installments, min_down_bp"
	    " FROM plan_settings WHERE id = 1", NULL, 0, &r);

	memset(l, 0, sizeof(*l));
	if (rc == DB_OK && r.nrows == 1) {
		l->min_installment = db_i64(&r, 0, 0);
		l->max_installments = db_i64(&r, 0, 1);
		l->min_down_bp = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc;
}

int
store_plan_limits_set(struct db *db, const struct store_plan_limits *l,
    int64_t updated_by, int64_t now)
{
	struct db_param q[] = { DB_I64(l->min_installment),
	    DB_I64(l->max_installments), DB_I64(l->min_down_bp),
	    updated_by ? DB_I64(updated_by) : DB_NULL, DB_I64(now) };

	return db_exec(db, "INSERT INTO plan_settings (id, min_installment,"
	    " max_installments, min_down_bp, updated_by, updated_at) VALUES (1, ?,"
	    " ?, ?, ?, ?) ON DUPLICATE KEY UPDATE min_installment = VALUES"
	    "(min_installment), max_installments = VALUES(max_installments),"
	    " min_down_bp = VALUES(min_down_bp), updated_by = VALUES(updated_by),"
	    " updated_at = VALUES(updated_at)", q, 5, NULL, NULL);
}

int
store_plan_approval_get(struct db *db, int *need)
{
	int64_t v = 0;
	int rc = db_query_i64(db, "SELECT client_proposals_need_approval FROM "
	    "plan_settings WHERE id = 1", NULL, 0, &v);

	*need = v != 0;
	return rc;
}

int
store_plan_approval_set(struct db *db, int need)
{
	struct db_param p[] = { DB_I64(need ? 1 : 0) };

	return db_exec(db, "UPDATE plan_settings SET client_proposals_need_approval "
	    "= ? WHERE id = 1", p, 1, NULL, NULL);
}

/* --- client proposals -------------------------------------------------------------- */

int
store_plan_proposal_insert(struct db *db, int64_t plan_id,
    const struct store_plan_proposal *pp)
{
	struct db_param p[] = { DB_I64(plan_id), DB_I64(pp->account_id),
	    DB_STR(pp->pending ? "pending" : "approved"), DB_STR(pp->signer_name),
	    DB_STR(pp->ip), DB_STR(pp->user_agent), DB_I64(pp->created_at) };

	return db_exec(db, "INSERT INTO plan_proposals (plan_id, account_id, status,"
	    " signer_name, signed_ip, signed_user_agent, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_plan_proposal_get(struct db *db, int64_t plan_id,
    struct store_plan_proposal *pp)
{
	struct db_param p[] = { DB_I64(plan_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT status, signer_name, signed_ip,"
	    " signed_user_agent, created_at, account_id FROM plan_proposals WHERE"
	    " plan_id = ?", p, 1, &r);

	memset(pp, 0, sizeof(*pp));
	if (rc == DB_OK && r.nrows == 1) {
		pp->pending = strcmp(db_str(&r, 0, 0), "pending") == 0;
		COPY(pp->signer_name, &r, 0, 1);
		COPY(pp->ip, &r, 0, 2);
		COPY(pp->user_agent, &r, 0, 3);
		pp->created_at = db_i64(&r, 0, 4);
		pp->account_id = db_i64(&r, 0, 5);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_plan_proposal_claim(struct db *db, int64_t plan_id, int64_t decided_by,
    int64_t now, int *claimed)
{
	struct db_param p[] = { decided_by ? DB_I64(decided_by) : DB_NULL,
	    DB_I64(now), DB_I64(plan_id) };
	uint64_t n = 0;
	int rc = db_exec(db, "UPDATE plan_proposals SET status = 'approved', "
	    "decided_by = ?, decided_at = ? WHERE plan_id = ? AND status = 'pending'",
	    p, 3, &n, NULL);

	*claimed = rc == DB_OK && n == 1;
	return rc;
}

int
store_plan_proposal_reopen(struct db *db, int64_t plan_id)
{
	struct db_param b[] = { DB_I64(plan_id) };

	return db_exec(db, "UPDATE plan_proposals SET status = 'pending', "
	    "decided_by = NULL, decided_at = NULL WHERE plan_id = ?", b, 1,
	    NULL, NULL);
}

/* --- update-card links ------------------------------------------------------------- */

int
store_plan_card_insert(struct db *db, int64_t plan_id, const char *hash,
    int64_t expires_at, int64_t now)
{
	struct db_param q[] = { DB_I64(plan_id), DB_STR(hash), DB_I64(expires_at),
	    DB_I64(now) };

	return db_exec(db, "INSERT INTO plan_card_tokens (plan_id, token_hash,"
	    " expires_at, created_at) VALUES (?, ?, ?, ?)", q, 4, NULL, NULL);
}

int
store_plan_card_find(struct db *db, const char *hash, int64_t now,
    struct store_plan_card *l)
{
	struct db_param q[] = { DB_STR(hash), DB_I64(now) };
	struct db_result r;
	int rc = db_query(db, "SELECT t.id, t.plan_id, p.account_id,"
	    " COALESCE(t.setup_intent, ''), COALESCE(t.signer_name, ''),"
	    " COALESCE(t.signer_ip, ''), COALESCE(t.signer_user_agent, '')"
	    " FROM plan_card_tokens t JOIN payment_plans p ON p.id = t.plan_id"
	    " WHERE t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ?"
	    " AND p.status IN ('active', 'past_due', 'paused', 'sent')", q, 2, &r);

	memset(l, 0, sizeof(*l));
	if (rc == DB_OK && r.nrows == 1) {
		l->id = db_i64(&r, 0, 0);
		l->plan_id = db_i64(&r, 0, 1);
		l->account_id = db_i64(&r, 0, 2);
		COPY(l->setup_intent, &r, 0, 3);
		COPY(l->signer_name, &r, 0, 4);
		COPY(l->signer_ip, &r, 0, 5);
		COPY(l->signer_user_agent, &r, 0, 6);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_plan_card_started(struct db *db, const struct store_plan_card *l)
{
	struct db_param q[] = { DB_STR(l->setup_intent), DB_STR(l->signer_name),
	    DB_STR(l->signer_ip), DB_STR(l->signer_user_agent), DB_I64(l->id) };

	return db_exec(db, "UPDATE plan_card_tokens SET setup_intent = ?,"
	    " signer_name = ?, signer_ip = ?, signer_user_agent = ? WHERE id = ?"
	    " AND used_at IS NULL", q, 5, NULL, NULL);
}

int
store_plan_card_used(struct db *db, int64_t id, int64_t now)
{
	struct db_param t[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE plan_card_tokens SET used_at = ? WHERE"
	    " id = ?", t, 2, NULL, NULL);
}
