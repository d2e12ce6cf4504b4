/* Payment plans: payment_plans, payment_plan_installments,
 * payment_plan_invoices, payment_plan_versions, plan_settings (limits,
 * proposals), plan_proposals, plan_card_tokens, and the few writes a plan
 * makes elsewhere (its consents revoked, its invoices posted to the portal).
 * Functions return a db_status (0 is DB_OK) unless said otherwise; a "get"
 * returns 1 when found, 0 when not. Dates are "YYYY-MM-DD" text. The
 * caller (billing/plan*.c) holds the transaction and decides everything. */
#ifndef STORE_PLAN_H
#define STORE_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* A plan row with its account's, client's and method's names. */
struct store_plan {
	int64_t	 id, account_id, client_id;	/* client 0: none */
	char	 status[16];
	char	 basis[16];			/* invoices | amount */
	int64_t	 total, down, count, amount;
	char	 freq[16];
	int64_t	 day;
	char	 start[11];
	int64_t	 method_id;			/* 0: none */
	int	 autopay;
	int64_t	 version;
	char	 override_reason[501];
	int64_t	 sent_at, accepted_at, created_at, updated_at;	/* 0: never */
	char	 account_name[201], account_email[255], client_name[203];
	char	 method_kind[16], method_brand[33], method_last4[5];
};

struct store_plan_inst {
	int64_t	 id;
	int	 number;
	char	 due[11];
	int64_t	 amount;
	char	 status[16];
	int64_t	 payment_id, paid_at;		/* 0: none */
};

/* An invoice with what it has open (ledger entries less allocations). */
struct store_plan_inv {
	int64_t	 id;
	char	 number[33];
	int64_t	 open;
};

/* --- plans (store_plan.c) ---------------------------------------------------- */

int	 store_plan_get(struct db *, int64_t id, struct store_plan *);
/* SELECT ... FOR UPDATE of the plan row: 1 locked, 0 no such plan. */
int	 store_plan_lock(struct db *, int64_t id);
/* The plan's invoices by due date (at most max; open 0 unless issued). */
int	 store_plan_invoices(struct db *, int64_t plan_id,
	    struct store_plan_inv *out, size_t max, size_t *n);
/* The installments by number into a malloc'd array (caller frees). */
int	 store_plan_insts(struct db *, int64_t plan_id,
	    struct store_plan_inst **out, size_t *n);
/* Ids of the account's plans (client_id 0: all; portal_only: no drafts),
 * newest first, at most 100, into a malloc'd array. */
int	 store_plan_ids(struct db *, int64_t account_id, int64_t client_id,
	    int portal_only, int64_t **ids, size_t *n);
/* Cents open on the plan's issued invoices (by_invoices), else on the
 * account's (or the client's) issued invoices. */
int	 store_plan_open(struct db *, int by_invoices, int64_t plan_id,
	    int64_t account_id, int64_t client_id, int64_t *open);
/* The invoices with something open the plan's money goes to, oldest due
 * first (amount plans: at most 50), into a malloc'd array. */
int	 store_plan_pay_targets(struct db *, int by_invoices, int64_t plan_id,
	    int64_t account_id, int64_t client_id, struct store_plan_inv **out,
	    size_t *n);
/* p's account, client, basis, terms, method, autopay, override reason;
 * created_by 0: not staff. */
int	 store_plan_insert(struct db *, const struct store_plan *p,
	    int64_t created_by, int64_t now, int64_t *id);
/* Writes p's terms, method, autopay and override reason. */
int	 store_plan_terms_set(struct db *, const struct store_plan *p);
int	 store_plan_status_set(struct db *, int64_t id, const char *status,
	    int64_t now);
int	 store_plan_sent(struct db *, int64_t id, int64_t now);
int	 store_plan_accepted(struct db *, int64_t id, int64_t now);
/* The plan's method replaced; past_due becomes active again. */
int	 store_plan_method_set(struct db *, int64_t id, int64_t method_id,
	    int64_t now);
/* Revokes the plan's payment_plan consents but keep_id (0: all). */
int	 store_plan_consents_revoke(struct db *, int64_t plan_id,
	    int64_t keep_id, int64_t now);
/* Posts the invoice to the portal unless posted (posted_by 0: not staff). */
int	 store_plan_invoice_post(struct db *, int64_t invoice_id,
	    int64_t account_id, int64_t posted_by, int64_t now);

/* --- installments (store_plan.c) -------------------------------------------- */

/* t's plan number, due, amount, status, payment_id and paid_at (0: NULL). */
int	 store_plan_inst_insert(struct db *, int64_t plan_id,
	    const struct store_plan_inst *t);
int	 store_plan_inst_paid(struct db *, int64_t inst_id, int64_t now);
/* Its payment ended unpaid: scheduled again, the attempt counted. */
int	 store_plan_inst_unpaid(struct db *, int64_t inst_id, int64_t now);
int	 store_plan_inst_resize(struct db *, int64_t inst_id, int64_t amount,
	    const char *status);
int	 store_plan_inst_status_set(struct db *, int64_t inst_id,
	    const char *status);
int	 store_plan_inst_due_set(struct db *, int64_t inst_id, const char *due);
/* A portal payment started: processing, attempts + 1. */
int	 store_plan_inst_start(struct db *, int64_t inst_id, int64_t payment_id,
	    int64_t now);
/* Scheduled installments numbered > 0 deleted (a new layout follows). */
int	 store_plan_inst_drop_scheduled(struct db *, int64_t plan_id);
int	 store_plan_inst_cancel_scheduled(struct db *, int64_t plan_id);
/* Dunning starts over on a new card: retries due today. */
int	 store_plan_inst_dunning_reset(struct db *, int64_t plan_id,
	    const char *today);
/* A payment's state for settling an installment: its status, or
 * "abandoned" when it is still pending without a card since before
 * abandoned_before. 1 found, 0 no such payment. */
int	 store_plan_payment_state(struct db *, int64_t payment_id,
	    int64_t abandoned_before, char *st, size_t stsz);

/* --- versions (store_plan_more.c) ------------------------------------------- */

struct store_plan_version {
	int64_t	 version;
	char	 actor_kind[9];
	char	 actor_name[201];
	int64_t	 created_at;
	char	*changes;		/* malloc'd */
	char	 signed_name[201];
	int64_t	 signed_at;
	char	 signed_ip[65];
};

/* version + 1, updated_at = now; *version the new one. */
int	 store_plan_version_next(struct db *, int64_t plan_id, int64_t now,
	    int64_t *version);
int	 store_plan_version_insert(struct db *, int64_t plan_id, int64_t version,
	    const char *actor_kind, int64_t actor_id, int64_t now,
	    const char *changes, const char *schedule, const char *consent);
/* The signature on the newest version. */
int	 store_plan_version_sign(struct db *, int64_t plan_id, const char *name,
	    const char *ip, const char *user_agent, int64_t now);
/* Newest first, at most 200, malloc'd (store_plan_versions_free). */
int	 store_plan_versions(struct db *, int64_t plan_id,
	    struct store_plan_version **out, size_t *n);
void	 store_plan_versions_free(struct store_plan_version *, size_t n);

/* --- invoices of plans (store_plan_more.c) ---------------------------------- */

struct store_plan_inv_check {
	int64_t	 account_id, client_id;		/* client 0: none */
	char	 status[16];
	char	 number[33];
	int64_t	 open;
	int64_t	 other_plan;			/* live plan other than ours, 0 */
};

/* The invoice as a plan (not plan_id) sees it: 1 found, 0 not. */
int	 store_plan_inv_check(struct db *, int64_t plan_id, int64_t invoice_id,
	    struct store_plan_inv_check *);
/* The live plan the invoice is in (0: none). */
int	 store_plan_of_invoice(struct db *, int64_t invoice_id, int64_t *plan_id);
int	 store_plan_invoice_add(struct db *, int64_t plan_id, int64_t invoice_id,
	    int64_t version);

/* --- settings (store_plan_more.c) ------------------------------------------- */

struct store_plan_limits {
	int64_t	 min_installment, max_installments, min_down_bp;
};

/* All 0 when there is no settings row. */
int	 store_plan_limits_get(struct db *, struct store_plan_limits *);
int	 store_plan_limits_set(struct db *, const struct store_plan_limits *,
	    int64_t updated_by, int64_t now);
int	 store_plan_approval_get(struct db *, int *need);
int	 store_plan_approval_set(struct db *, int need);

/* --- client proposals (store_plan_more.c) ----------------------------------- */

struct store_plan_proposal {
	int64_t	 account_id;
	int	 pending;
	char	 signer_name[201];
	char	 ip[65];
	char	 user_agent[256];
	int64_t	 created_at;
};

int	 store_plan_proposal_insert(struct db *, int64_t plan_id,
	    const struct store_plan_proposal *);
int	 store_plan_proposal_get(struct db *, int64_t plan_id,
	    struct store_plan_proposal *);
/* pending -> approved; *claimed 1 when this call did it. */
int	 store_plan_proposal_claim(struct db *, int64_t plan_id,
	    int64_t decided_by, int64_t now, int *claimed);
/* Back to pending (the approval failed). */
int	 store_plan_proposal_reopen(struct db *, int64_t plan_id);

/* --- update-card links (store_plan_more.c) ---------------------------------- */

struct store_plan_card {
	int64_t	 id, plan_id, account_id;
	char	 setup_intent[81];
	char	 signer_name[201];
	char	 signer_ip[65];
	char	 signer_user_agent[256];
};

int	 store_plan_card_insert(struct db *, int64_t plan_id, const char *hash,
	    int64_t expires_at, int64_t now);
/* The unused, unexpired link of a live plan with this token hash. */
int	 store_plan_card_find(struct db *, const char *hash, int64_t now,
	    struct store_plan_card *);
/* Keeps the SetupIntent and signature of an unused link. */
int	 store_plan_card_started(struct db *, const struct store_plan_card *);
int	 store_plan_card_used(struct db *, int64_t id, int64_t now);

#endif
