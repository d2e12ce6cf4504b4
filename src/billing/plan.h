/* Payment plans: a schedule of installments (plan_schedule.h) paying a set
 * of open invoices, or an amount of what the account (or one client) has
 * open. SQL and rules, no HTTP.
 *
 * - Statuses: draft -> sent (awaiting the client's signature in the portal)
 *   -> active <-> paused; past_due (set by the dunning job, later);
 *   completed when nothing is left; cancelled. Installment number 0 is the
 *   down payment.
 * - Every change (create, edit, skip, move, add invoices, pause, resume,
 *   cancel, send, sign) is a new version row (who, when, what changed, the
 *   schedule and consent text as they were) plus an audit row, in one
 *   transaction.
 * - Never more than what is open: plan_sync() compares what the unpaid
 *   installments ask with what is still open on the plan's invoices (minus
 *   installments whose payment is in flight) and takes the excess off the
 *   last installments (plan_schedule_shrink). It also marks installments
 *   paid when their payment succeeded (and frees them again when it
 *   failed), and completes the plan when nothing is left.
 * - Practice limits (plan_limits_get): a breach is refused unless staff
 *   give an override reason (kept on the plan and in the audit row).
 * Return values: enum plan_rc; on PLAN_INVALID / PLAN_LIMITS the error
 * names the field (API/form field name) and says what is wrong. */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "plan_schedule.h"

struct db;
struct actor;
struct i18n;
struct config;

#define PLAN_MAX_INVOICES	50

enum plan_state {
	PLAN_DRAFT, PLAN_SENT, PLAN_ACTIVE, PLAN_PAUSED, PLAN_PAST_DUE,
	PLAN_COMPLETED, PLAN_CANCELLED, PLAN__MAX
};
extern const char *const plan_state_names[PLAN__MAX];	/* "draft", ... */
extern const char *const plan_state_labels[PLAN__MAX];	/* "Draft", "Awaiting signature", ... */

enum plan_inst_state {
	INST_SCHEDULED, INST_PROCESSING, INST_PAID, INST_SKIPPED, INST_CANCELLED,
	INST__MAX
};
extern const char *const plan_inst_names[INST__MAX];
extern const char *const plan_inst_labels[INST__MAX];

enum plan_rc {
	PLAN_OK = 0,
	PLAN_NOT_FOUND = 1,	/* no such plan/invoice/method (or not the account's) */
	PLAN_INVALID = 2,	/* see err */
	PLAN_LIMITS = 3,	/* breaks practice limits: needs an override reason */
	PLAN_STATE = 4,		/* not allowed in the plan's status (err says why) */
	PLAN_DB = -1,
};

struct plan_err {
	char	 field[40];
	char	 msg[600];
};

struct plan_installment {
	int64_t			 id;
	int			 number;	/* 0 = down payment */
	int64_t			 due;		/* day number */
	int64_t			 amount;
	enum plan_inst_state	 state;
	int64_t			 payment_id;	/* 0 = none */
	int64_t			 paid_at;
};

struct plan_invoice {
	int64_t	 id;
	char	 number[33];
	int64_t	 open;
};

struct plan {
	int64_t			 id;
	int64_t			 account_id;
	int64_t			 client_id;	/* 0 = the account's */
	enum plan_state		 state;
	int			 by_invoices;	/* 0: an amount */
	int64_t			 total;		/* as made */
	struct plan_terms	 terms;		/* the terms as last given */
	int64_t			 method_id;	/* 0 = none */
	int			 autopay;
	int			 version;
	char			 override_reason[501];
	int64_t			 sent_at, accepted_at, created_at, updated_at;
	char			 account_name[201];
	char			 account_email[255];
	char			 client_name[203];
	char			 method_label[64];	/* "Visa ending 4242" */
	char			 method_kind[16];	/* card | us_bank_account */
	char			 method_brand[33];	/* brand / bank name */
	char			 method_last4[5];
	struct plan_invoice	 inv[PLAN_MAX_INVOICES];
	size_t			 ninv;
	struct plan_installment	*inst;		/* malloc'd, by number */
	size_t			 ninst;
	/* derived */
	int64_t			 paid;		/* installments paid */
	int64_t			 remaining;	/* scheduled + processing */
	int64_t			 next_due;	/* 0 = none */
	int64_t			 next_amount;
	int			 next_number;
};

void	 plan_free(struct plan *);

/* What staff (or the API) ask for. */
struct plan_req {
	int64_t		 account_id;
	int64_t		 client_id;	/* 0 = none */
	const int64_t	*invoice_ids;	/* either invoices ... */
	size_t		 ninv;
	int64_t		 amount;	/* ... or an amount (cents) */
	struct plan_terms terms;	/* total is filled in from the above */
	int		 down_received;	/* the down payment was taken: record it */
	const char	*down_method;	/* cash | check | other (when received) */
	int64_t		 method_id;	/* saved method, 0 = none */
	int		 autopay;
	const char	*override_reason;	/* "" = none */
};

/* Validates and lays out the schedule (no writes): *terms gets the
 * resolved terms (total), out[0..*n) the installments after the down
 * payment. PLAN_LIMITS when it breaks a practice limit and no override
 * reason is given (the schedule is still filled). */
int	 plan_preview(struct db *, const struct plan_req *, struct plan_terms *,
	    struct plan_slot *out, size_t max, size_t *n, struct plan_err *);
/* The live plan (not completed or cancelled) an invoice is in: *plan_id,
 * 0 = none. */
int	 plan_of_invoice(struct db *, int64_t invoice_id, int64_t *plan_id);
/* Creates the plan (draft) with its first version. *id gets the id. */
int	 plan_create(struct db *, const struct actor *, const struct plan_req *,
	    int64_t *id, struct plan_err *);
/* Loads a plan with invoices and installments (after plan_sync). With
 * account_id != 0, PLAN_NOT_FOUND unless the plan is that account's. */
int	 plan_get(struct db *, int64_t id, int64_t account_id, struct plan *);
/* Plans of an account (client_id 0) or of one client, newest first,
 * with installments. Caller plan_free()s each and free()s the array. */
int	 plan_list(struct db *, int64_t account_id, int64_t client_id,
	    int portal_only, struct plan **out, size_t *n);
/* The same for ids already read (of account_id, in their order). */
int	 plan_list_of(struct db *, int64_t account_id, const int64_t *ids,
	    size_t nids, struct plan **out, size_t *n);
/* Brings installment statuses and amounts up to date (see above). */
int	 plan_sync(struct db *, const struct actor *, int64_t id);

/* --- changes (plan_edit.c) -------------------------------------------------- */

/* What the emails and the portal need (borrowed). */
struct plan_env {
	struct db		*db;
	struct i18n		*i18n;	/* the words of the consent text */
	const struct config	*cfg;
	const struct actor	*actor;
};
/* Every change below runs in one transaction with its version and audit
 * rows; when the client has seen the plan (sent or later) the new schedule
 * is emailed in it, and an edit of an autopay plan's amounts or dates puts
 * an active plan back to sent (it needs the client's new signature). */

/* An edit of the terms: what is still unpaid is laid out again with them
 * (from start). add_invoice_ids: invoices added to the plan. */
struct plan_edit {
	struct plan_terms terms;	/* count or amount, freq, day, start */
	int64_t		 method_id;
	int		 autopay;
	const int64_t	*add_invoice_ids;
	size_t		 nadd;
	const char	*override_reason;
};
int	 plan_edit_terms(const struct plan_env *, int64_t id,
	    const struct plan_edit *, struct plan_err *);
/* Skip one installment: it is marked skipped and its amount added as a new
 * installment one period after the last. */
int	 plan_skip(const struct plan_env *, int64_t id, int number,
	    struct plan_err *);
/* Move one unpaid installment to another date (not before today). */
int	 plan_move(const struct plan_env *, int64_t id, int number,
	    int64_t due, struct plan_err *);
enum plan_action { PLAN_PAUSE, PLAN_RESUME, PLAN_CANCEL, PLAN_ACTION__MAX };
extern const char *const plan_action_names[PLAN_ACTION__MAX];
int	 plan_act(const struct plan_env *, int64_t id, enum plan_action,
	    const char *reason, struct plan_err *);

/* Sends the plan to the portal: status sent, the email with the schedule
 * (a plan being re-sent after an edit: the new schedule). */
int	 plan_send(const struct plan_env *, int64_t id, struct plan_err *);
/* The consent text of the plan as it stands (malloc'd; caller frees). */
char	*plan_consent_text(const struct plan *, const char *org);
/* The same in lang from the catalogs i18n (keys plan.ct.*): what the
 * client's page shows and the signature stores. i18n NULL: English above. */
char	*plan_consent_text_lang(const struct plan *, const char *org,
	    struct i18n *i18n, const char *lang);
/* The client signs in the portal: name typed, authorization ticked; the
 * version gets name/time/IP/UA and the consent text; status active. */
struct plan_signature {
	const char	*name;
	int		 authorized;
	const char	*ip;
	const char	*user_agent;
	const char	*lang;	/* of the page signed (NULL: English) */
};
int	 plan_accept(const struct plan_env *, int64_t account_id, int64_t id,
	    const struct plan_signature *, struct plan_err *);

/* The plan's versions, newest first. Caller plan_versions_free()s. */
struct plan_version {
	int	 version;
	char	 actor_kind[9];
	char	 actor_name[201];	/* staff user's name, "" otherwise */
	int64_t	 created_at;
	char	*changes;		/* malloc'd */
	char	 signed_name[201];	/* "" = not signed */
	int64_t	 signed_at;
	char	 signed_ip[65];
};
int	 plan_versions(struct db *, int64_t plan_id, struct plan_version **out,
	    size_t *n);
void	 plan_versions_free(struct plan_version *, size_t n);

/* --- paying in the portal (plan_pay.c) ---------------------------------- */

enum plan_pay_what { PLAN_PAY_NEXT, PLAN_PAY_OFF };
/* What a portal payment of the plan's next installment (or of all it has
 * left) comes to, allocated to the plan's invoices oldest first (amount
 * plans: the account's or client's open invoices): ids/amounts, n.
 * PLAN_STATE when nothing can be paid now. */
struct plan_pay {
	int64_t	 total;
	size_t	 n;
	int64_t	 invoice_ids[PLAN_MAX_INVOICES];
	int64_t	 amounts[PLAN_MAX_INVOICES];
	char	 numbers[PLAN_MAX_INVOICES][33];
};
int	 plan_pay_price(struct db *, int64_t account_id, int64_t id,
	    enum plan_pay_what, struct plan_pay *, struct plan_err *);
/* A payment for the plan was started: the installments it pays are
 * processing with that payment (plan_sync settles them later). */
int	 plan_pay_started(struct db *, int64_t account_id, int64_t id,
	    enum plan_pay_what, int64_t payment_id);

/* --- self-service proposals (plan_propose.c) ------------------------------- */

/* The client proposes a plan in the portal over invoices posted there
 * (q->invoice_ids; "invoice" names them in errors), inside the practice
 * limits (PLAN_LIMITS: no override for clients), signing at once (s). The
 * plan is made; with "client proposals need staff approval" it waits
 * (*pending = 1, status draft), else it is sent and accepted: active. */
int	 plan_propose(const struct plan_env *, struct plan_req *q,
	    const struct plan_signature *s, int64_t *id, int *pending,
	    struct plan_err *);
struct plan_proposal {
	int	 found;
	int	 pending;		/* waiting for staff */
	int64_t	 account_id;
	char	 signer_name[201];
	char	 ip[65];
	char	 user_agent[256];
	int64_t	 created_at;
};
int	 plan_proposal_get(struct db *, int64_t plan_id, struct plan_proposal *);
/* Staff approve a pending proposal: sent and accepted with the client's
 * stored signature (one approval however many clicks). */
int	 plan_proposal_approve(const struct plan_env *, int64_t plan_id,
	    struct plan_err *);
int	 plan_proposals_need_approval(struct db *, int *need);
int	 plan_proposals_set_approval(struct db *, const struct actor *, int need);
/* What a charge of `amount` for the plan pays, oldest invoice first, cut to
 * what is open (no sync, no status check: the job runner's autopay). */
int	 plan_pay_alloc(struct db *, int64_t id, int64_t amount, struct plan_pay *);

/* --- settings ------------------------------------------------------------ */

int	 plan_limits_get(struct db *, struct plan_limits *);
int	 plan_limits_set(struct db *, const struct actor *, const struct plan_limits *,
	    struct plan_err *);

#endif
