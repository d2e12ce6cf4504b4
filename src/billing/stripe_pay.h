/* Stripe payments domain: card and ACH payments through Stripe.js, saved
 * payment methods and charging them off-session, authorization-to-charge
 * consents, settlement (one function for every path: page callback,
 * webhook, reconciliation), refunds, webhook events and reconciliation.
 * SQL and rules only: no HTTP (handlers call these).
 *
 * Card/ACH payments are rows of `payments` (method card|ach): created
 * 'pending' BEFORE Stripe is called, found again by the form's attempt_key
 * (UNIQUE) so a resubmitted form never makes a second PaymentIntent. The
 * transaction that creates the row locks the account and its invoices and
 * reserves what the payment pays (payment_reservations): money held by
 * another payment in flight is refused (SP_BUSY), never charged twice. The
 * PaymentIntent is then made in two phases, with no transaction open during
 * the Stripe call (claim, call, record). Every
 * Stripe POST carries an Idempotency-Key derived from our own row:
 *   customer      "cus-acct-<account_id>"
 *   PaymentIntent "pi-<payment_id>"       (create; a retry replays)
 *   refund        "re-<refund_id>"
 *   cancel        "pi-cancel-<payment_id>"
 * A payment is posted to the ledger (kind payment, -amount, payment_id) and
 * allocated (its alloc_plan) in the same transaction that moves it to
 * 'succeeded'; it never moves backwards (succeeded stays succeeded).
 * Every change of money, methods or consents writes audit_record() in the
 * same transaction.
 *
 * Return values: enum sp_status (SP_OK = 0; SP_DB < 0 on database errors).
 * Functions with a msg/out message write a sentence for staff there. */
#ifndef STRIPE_PAY_H
#define STRIPE_PAY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "payment.h"

struct db;
struct actor;
struct config;
struct stripe_client;
struct stripe_payment_intent;
struct i18n;

/* What every call needs; the caller owns the members. */
struct sp {
	struct db		*db;
	struct stripe_client	*stripe;
	const struct config	*cfg;	/* consent_required */
	const struct actor	*actor;	/* staff / portal / stripe / system */
};

enum sp_status {
	SP_OK = 0,		/* done; for payments read sp_result.status */
	SP_NOT_FOUND = 1,	/* no such account, payment, method, consent */
	SP_INVALID = 2,		/* input refused, see the message */
	SP_NO_CONSENT = 3,	/* off-session charge without a covering consent */
	SP_CONFLICT = 4,	/* attempt_key already used for another payment */
	SP_STRIPE = 5,		/* Stripe refused or did not answer; nothing
				 * changed, or it stays pending (see message) */
	SP_BUSY = 6,		/* the money is reserved by another attempt in
				 * flight (sp_result.busy_*); nothing made */
	SP_DB = -1,
};

#define SP_ATTEMPT_KEY_MIN	16	/* [A-Za-z0-9_-]{16,64} */
#define SP_ATTEMPT_KEY_MAX	64
#define SP_PLAN_MAX		64	/* allocations in one plan */
#define SP_AMOUNT_MAX		INT64_C(99999999)	/* Stripe's $999,999.99 */
/* The one currency we charge in: a PaymentIntent or Refund in another
 * currency never settles anything. */
#define SP_CURRENCY		"usd"
/* Reconcile cancels PaymentIntents never confirmed after this long. */
#define SP_ABANDON_SECONDS	(24 * 3600)

/* The process's Stripe client for cfg (created on first use, kept for the
 * life of the process; billingd workers are single-threaded). NULL on
 * error. Do not free it. */
struct stripe_client *stripe_pay_client(const struct config *);

/* --- payments ------------------------------------------------------------ */

/* A card/ACH payment with its Stripe state (any payment can be read). */
struct sp_payment {
	int64_t	 id;
	int64_t	 account_id;
	int64_t	 client_id;		/* 0 = none */
	char	 method[12];		/* card | ach (or a manual method) */
	int64_t	 amount;
	char	 status[12];		/* pending | succeeded | failed | canceled */
	char	 received_date[11];
	char	 memo[501];
	char	 attempt_key[65];
	char	 intent[65];		/* pi_...; "" = not created (yet) */
	char	 stripe_status[33];	/* Stripe's PaymentIntent status */
	int64_t	 payment_method_id;	/* saved method charged/saved; 0 = none */
	int	 save_method;
	char	 failure_code[65];	/* Stripe's decline_code or code */
	char	 failure_message[501];	/* friendly message for staff */
	int	 disputed;
	int64_t	 settled_at;		/* 0 while pending */
	char	 alloc_plan[2001];
	int64_t	 created_at;
	int64_t	 refunded;		/* succeeded refunds (ledger) */
	int64_t	 refund_pending;	/* refunds asked, not yet done */
	/* The authorization-to-charge consent given with the payment for
	 * the method it saves (sp_start.consent); consent_signer "" = none.
	 * consent_id: the consent recorded when the method was saved (0 =
	 * not recorded (yet)). */
	char	 consent_signer[201];
	char	 consent_scope[16];
	int64_t	 consent_max_amount;
	char	 consent_text_version[33];
	char	 consent_ip[65];
	char	 consent_user_agent[256];
	int64_t	 consent_recorded_by;
	int64_t	 consent_id;
};

/* What a payment call did, for the page. */
struct sp_result {
	int64_t	 payment_id;		/* 0 when no row was made */
	char	 status[12];		/* pending | succeeded | failed | canceled */
	char	 stripe_status[33];
	char	 intent[65];
	char	 client_secret[256];	/* stripe_pay_start: for confirmPayment */
	char	 failure_code[65];
	char	 message[512];		/* for staff: the failure, or why it is
					 * still pending; "" on success */
	/* SP_BUSY: the attempt in flight that holds the money, what it
	 * reserves on the invoice (number; "" = the account). */
	int64_t	 busy_payment_id;
	int64_t	 busy_amount;
	char	 busy_invoice[33];
};

struct sp_consent_req;

/* A payment form. (Callers initialise it positionally: new members would
 * break their builds; what a form adds goes in new parameters.) */
struct sp_start {
	int64_t		 account_id;
	int64_t		 client_id;	/* 0 = none; must be of the account */
	const char	*method;	/* "card" | "ach" (start); "card"/"ach"
					 * is taken from the saved method */
	int64_t		 amount;	/* cents, 1..SP_AMOUNT_MAX */
	/* Random token rendered into the form (crypto_token): a resubmission,
	 * or many at once, find the same payment. Required. */
	const char	*attempt_key;
	/* "auto" (oldest due first; NULL/"" mean auto),
	 * "inv:<invoice_id>:<cents>,inv:<id>:<cents>,..." (see
	 * stripe_pay_plan_format), or "none" (SP_PLAN_NONE: no allocation,
	 * the whole payment stays account credit); applied when the payment
	 * succeeds, cut to what is open then; the rest stays account credit. */
	const char	*alloc_plan;
	int		 save_method;	/* start: setup_future_usage=off_session,
					 * record the method on success */
	const char	*memo;		/* optional description (<= 500) */
	int64_t		 payment_method_id;	/* charge_saved: our method id */
};

/* New card or bank account entered in Stripe.js: inserts the pending row
 * with its reservation (or finds the row of attempt_key; SP_BUSY when
 * another payment in flight holds the money; SP_INVALID when the plan
 * asks for more than is open, or "auto" for more than the open invoices
 * take), makes sure the account has a Stripe
 * customer, creates the PaymentIntent (Idempotency-Key "pi-<payment_id>",
 * metadata payment_id, customer, setup_future_usage when saving) and
 * returns its client_secret in out for stripe.confirmPayment(). After the
 * browser's confirm returns, call stripe_pay_refresh(). If the row had
 * already settled (a resubmission), out says so and client_secret is "".
 * SP_STRIPE when Stripe did not answer (the row stays pending; the page
 * may submit the same attempt_key again, reconcile settles it). */
int	 stripe_pay_start(const struct sp *, const struct sp_start *,
	    struct sp_result *out);
/* stripe_pay_start with the client's authorization to charge the method
 * this payment saves, given on the payment form (consent: NULL = none;
 * used only with save_method, ignored otherwise). It is checked like
 * stripe_pay_consent_record (SP_INVALID with the message; its account_id
 * and payment_method_id are ignored: the payment's account and the method
 * it saves) and stored on the pending row; the consent is recorded in the
 * same transaction in which settlement records the saved method,
 * whichever path settles (refresh, webhook, reconcile), once. A
 * resubmission (same attempt_key) keeps the consent of the first. */
int	 stripe_pay_start_consent(const struct sp *, const struct sp_start *,
	    const struct sp_consent_req *consent, struct sp_result *out);

/* Charges a saved method off-session (confirm=true): needs, when
 * cfg->consent_required, an active consent covering the method and amount
 * (SP_NO_CONSENT, no row made). Same attempt_key/pending-row discipline as
 * start. Settles from Stripe's answer: succeeded -> posted and allocated;
 * declined -> failed with code and friendly message; requires_action ->
 * failed with the authentication message (the intent is canceled);
 * processing (ACH) -> stays pending until the webhook/reconcile.
 * Returns SP_OK with out->status telling which. */
int	 stripe_pay_charge_saved(const struct sp *, const struct sp_start *,
	    struct sp_result *out);
/* The same for an installment of payment plan plan_id (the job runner's
 * autopay): off-session, merchant-initiated; always needs an active
 * consent scoped to that plan that covers the amount
 * (stripe_pay_consent_covers_installment), whatever cfg says. The
 * attempt_key names (plan, installment, attempt): the PaymentIntent's
 * Idempotency-Key "pi-<payment_id>" is that row's. */
int	 stripe_pay_charge_installment(const struct sp *, const struct sp_start *,
	    int64_t plan_id, struct sp_result *out);

/* Settles a payment from a PaymentIntent (pi: decoded, borrowed; e.g.
 * a retrieve's answer; authoritative = it is Stripe's current state, not
 * an event that may be stale or forged). Locks the row; pending ->
 * succeeded posts and allocates, and only from Stripe's own object: with
 * authoritative = 0 a 'succeeded' intent is first retrieved from Stripe
 * (outside the transaction) and judged on that; an intent in another
 * currency than SP_CURRENCY or for another amount never settles (audited
 * as payment.mismatch); pending -> failed/canceled records the reason; never
 * moves backwards; repeated calls change nothing. On success with
 * save_method the payment method is recorded (fetched from Stripe when the
 * PI lacks details). payment_id 0: the payment is found by the intent id
 * or metadata.payment_id. */
int	 stripe_pay_settle(const struct sp *, int64_t payment_id,
	    const struct stripe_payment_intent *pi, int authoritative,
	    struct sp_result *out);

/* Cancels a pending card/ACH payment whose PaymentIntent was never
 * confirmed (the client left, staff gave up): the intent's current state
 * is asked from Stripe first; requires_payment_method / _confirmation /
 * _action -> canceled at Stripe (Idempotency-Key "pi-cancel-<payment_id>")
 * and the row 'canceled' (nothing posted). When Stripe says it is
 * processing or succeeded (the client did confirm), nothing is canceled:
 * the payment is settled from that state instead and SP_INVALID returned
 * with out telling the status. A pending row without an intent id gets
 * its intent first (same key: a replay, never a charge). Saved-method
 * charges (confirmed when created) and settled payments: SP_INVALID.
 * SP_OK (out->status "canceled"), SP_NOT_FOUND, SP_INVALID, SP_STRIPE
 * (no answer: nothing changed), SP_DB. out->message says what happened. */
int	 stripe_pay_cancel(const struct sp *, int64_t payment_id,
	    struct sp_result *out);

/* Retrieves the payment's PaymentIntent from Stripe and settles it (after
 * the browser's confirm returns; reconcile). A pending row without an
 * intent is created again with the same Idempotency-Key (never a second
 * charge). Returns SP_OK with out filled, SP_NOT_FOUND, SP_STRIPE. */
int	 stripe_pay_refresh(const struct sp *, int64_t payment_id,
	    struct sp_result *out);

/* The payment made by a form's attempt_key (the first submission of
 * that form): SP_OK, SP_NOT_FOUND, SP_DB. A resubmission is answered from
 * it before the form is checked again. */
int	 stripe_pay_by_attempt(struct db *, const char *attempt_key,
	    struct sp_payment *);
/* Money reserved by card/ACH attempts in flight (payments 'pending': at
 * Stripe requires_*, or processing) on one invoice, or (invoice_id 0) on
 * the whole account including money kept as credit. Subtract it from
 * open amounts and balances offered for payment. payment_id (may be
 * NULL): the oldest such payment, 0 = none. SP_OK / SP_DB. */
int	 stripe_pay_reserved(struct db *, int64_t account_id, int64_t invoice_id,
	    int64_t *out, int64_t *payment_id);

/* One payment with its Stripe columns. SP_OK / SP_NOT_FOUND / SP_DB. */
int	 stripe_pay_get(struct db *, int64_t payment_id, struct sp_payment *);
/* Payment history of an account (client_id 0: all its clients), newest
 * first, every method, with Stripe status, ids and failure reasons.
 * before_id 0 = newest; limit 1..200. Caller frees *out. */
int	 stripe_pay_list(struct db *, int64_t account_id, int64_t client_id,
	    int64_t before_id, size_t limit, struct sp_payment **out, size_t *n,
	    int *more);

/* Allocation plans. Parse: "auto" / NULL / "" -> *auto_alloc = 1, n = 0;
 * "none" (SP_PLAN_NONE) -> *auto_alloc = 0, n = 0 (nothing allocated:
 * kept as credit); else "inv:<id>:<cents>" items joined by ',' (ids and
 * cents > 0, at most max items). 0 / -1. */
#define SP_PLAN_NONE	"none"
int	 stripe_pay_plan_parse(const char *plan, int *auto_alloc,
	    struct alloc_req *out, size_t max, size_t *n);
/* Writes the plan text for n allocations (n == 0: "auto"). 0 / -1. */
int	 stripe_pay_plan_format(const struct alloc_req *, size_t n, char *out,
	    size_t outsz);
/* The same for a form's choice: auto_alloc -> "auto"; else the n
 * allocations, n == 0 -> "none" (keep the payment as credit). 0 / -1. */
int	 stripe_pay_plan_write(int auto_alloc, const struct alloc_req *, size_t n,
	    char *out, size_t outsz);

/* --- reconciliation ------------------------------------------------------- */

struct sp_reconcile_stats {
	size_t	 examined;	/* pending payments and refunds looked at */
	size_t	 settled;	/* moved to succeeded/failed/canceled */
	size_t	 still_pending;
	size_t	 errors;	/* Stripe unreachable or database errors */
};

/* Settles card/ACH payments and refunds left pending for more than
 * older_than seconds: no intent id -> create it again with the SAME
 * Idempotency-Key (Stripe replays the original if it had been created)
 * then settle; an intent id -> retrieve and settle (intents never
 * confirmed for SP_ABANDON_SECONDS are canceled); pending refunds ->
 * retried with "re-<id>" / retrieved. One line per item to log (may be
 * NULL). Returns SP_OK (see stats->errors) or SP_DB. */
int	 stripe_pay_reconcile(const struct sp *, int64_t older_than,
	    FILE *log, struct sp_reconcile_stats *stats);
/* The same for at most limit payments: those checked longest ago first
 * (payments.checked_at, then id), each stamped before Stripe is asked, so
 * successive runs go round every pending payment however many ACH
 * payments stay processing, and two runners do not check one row at once.
 * stripe_pay_reconcile uses SP_RECONCILE_BATCH. */
#define SP_RECONCILE_BATCH	1000
int	 stripe_pay_reconcile_n(const struct sp *, int64_t older_than,
	    size_t limit, FILE *log, struct sp_reconcile_stats *stats);

/* --- refunds --------------------------------------------------------------- */

struct sp_refund {
	int64_t	 id;
	int64_t	 payment_id;
	int64_t	 amount;
	char	 reason[501];
	char	 status[12];		/* pending | succeeded | failed */
	char	 stripe_refund_id[65];
	int64_t	 created_by;		/* 0: none (Stripe dashboard, system) */
	int64_t	 created_at;
};

/* Refunds amount (0 = all that remains refundable) of a succeeded card/ACH
 * payment: refunds row 'pending' -> Stripe refund (Idempotency-Key
 * "re-<refund_id>") -> on success, in one transaction: ledger refund entry
 * (+amount), allocations released (the payment's unallocated money first,
 * then negative allocation rows on the most recently allocated invoices),
 * refund 'succeeded'. Never more than refundable (SP_INVALID). A refund
 * Stripe keeps pending (ACH) stays pending until the webhook/reconcile.
 * reason: free text for the record (required, <= 500). out may be NULL. */
int	 stripe_pay_refund(const struct sp *, int64_t payment_id,
	    int64_t amount, const char *reason, struct sp_refund *out,
	    char *msg, size_t msgsz);
/* What can still be refunded (amount - succeeded - pending refunds). */
int	 stripe_pay_refundable(struct db *, int64_t payment_id, int64_t *out);
/* Refunds of a payment, oldest first. Caller frees *out. */
int	 stripe_pay_refund_list(struct db *, int64_t payment_id,
	    struct sp_refund **out, size_t *n);

/* --- customers and saved payment methods ---------------------------------- */

/* The account's Stripe customer id into customer, created at Stripe
 * (Idempotency-Key "cus-acct-<account_id>") when first needed. */
int	 stripe_pay_customer(const struct sp *, int64_t account_id,
	    char *customer, size_t customersz);

struct sp_method {
	int64_t	 id;
	int64_t	 account_id;
	char	 stripe_pm_id[65];
	char	 kind[16];		/* card | us_bank_account */
	char	 brand[33];		/* visa, mastercard / bank name */
	char	 last4[5];
	int	 exp_month;		/* 0 for bank accounts */
	int	 exp_year;
	int	 is_default;
	char	 status[8];		/* active | removed */
	int64_t	 created_at;
	int64_t	 removed_at;		/* 0 while active */
};

/* Starts adding a method: a SetupIntent (usage off_session) for kind
 * "card" or "us_bank_account" on the account's customer; client_secret
 * for stripe.confirmSetup(). attempt_key: the form's random token (same
 * rules as payments; the Idempotency-Key is "si-<account>-<attempt_key>"). */
int	 stripe_pay_setup_start(const struct sp *, int64_t account_id,
	    const char *kind, const char *attempt_key, char *client_secret,
	    size_t secretsz, char *setup_intent_id, size_t idsz, char *msg,
	    size_t msgsz);
/* After confirmSetup(): retrieves the SetupIntent (must be the account's
 * and succeeded) and records its payment method; *method_id gets our id
 * (an already recorded method is found, not duplicated). The first active
 * method of an account becomes its default. */
int	 stripe_pay_setup_complete(const struct sp *, int64_t account_id,
	    const char *setup_intent_id, int64_t *method_id, char *msg,
	    size_t msgsz);
/* Saves a PaymentMethod collected by the integrator's own Stripe.js
 * (pm_id "pm_..."): attaches it to the account's customer at Stripe
 * (Idempotency-Key "pm-attach-<account>-<pm_id>"), records it (found, not
 * duplicated, when saved before) and records the consent q for it
 * (q's account_id and payment_method_id are filled in). The consent is
 * checked first: SP_INVALID (msg) changes nothing. SP_NOT_FOUND when
 * Stripe knows no such PaymentMethod. (stripe_pay_attach.c) */
struct sp_consent_req;
int	 stripe_pay_method_attach(const struct sp *, int64_t account_id,
	    const char *pm_id, struct sp_consent_req *q, int64_t *method_id,
	    int64_t *consent_id, char *msg, size_t msgsz);
/* Active methods of an account, default first. Caller frees *out. */
int	 stripe_pay_methods(struct db *, int64_t account_id,
	    struct sp_method **out, size_t *n);
int	 stripe_pay_method_get(struct db *, int64_t method_id, struct sp_method *);
/* Makes the method the account's default (one per account) and sets the
 * customer's invoice_settings.default_payment_method at Stripe. */
int	 stripe_pay_method_default(const struct sp *, int64_t account_id,
	    int64_t method_id, char *msg, size_t msgsz);
/* Detaches at Stripe, marks the method removed and revokes its consents. */
int	 stripe_pay_method_remove(const struct sp *, int64_t account_id,
	    int64_t method_id, char *msg, size_t msgsz);

/* --- consents ---------------------------------------------------------------- */

/* Each scope covers exactly its purpose, never more:
 *   any_balance   a charge up to the account's balance due available to
 *                 charge at charge time (sp_balance_due_chargeable);
 *   up_to_amount  each charge up to max_amount;
 *   payment_plan  only the installments of the plan it names (plan_id),
 *                 each up to max_amount when set: never an ordinary
 *                 charge (stripe_pay_consent_covers), whatever its maximum.
 * A charge outside every active consent on the method is refused with the
 * reason. The authorization text (method by brand/bank and last 4, scope,
 * amount or limit, frequency, how to revoke) is composed from the terms
 * when the consent is recorded, stored with it and emailed to the
 * account. Consents are never deleted (see db/migrations/0009). */
struct sp_consent_req {
	int64_t		 account_id;
	int64_t		 payment_method_id;	/* active method of the account */
	const char	*scope;		/* any_balance | payment_plan | up_to_amount */
	int64_t		 max_amount;	/* > 0 for up_to_amount; 0 = none */
	int64_t		 plan_id;	/* payment_plan (optional, 0) */
	const char	*text_version;	/* consent text shown, 1..32 */
	const char	*signer_name;	/* typed signature, 1..200 */
	const char	*ip;		/* signer's address (<= 64) */
	const char	*user_agent;	/* <= 255, cut */
	int64_t		 recorded_by;	/* staff user id; 0 = signed in the portal */
};

#define SP_CONSENT_TEXT_MAX	2048

struct sp_consent {
	int64_t	 id;
	int64_t	 account_id;
	int64_t	 payment_method_id;
	char	 method_label[100];	/* "visa ending 4242" (frozen at signing) */
	char	 method_kind[16];	/* card | us_bank_account */
	char	 scope[16];
	int64_t	 max_amount;		/* 0 = none */
	int64_t	 plan_id;
	char	 text_version[33];
	char	 signer_name[201];
	int64_t	 signed_at;
	char	 ip[65];
	char	 user_agent[256];
	int64_t	 recorded_by;		/* 0 = portal */
	int64_t	 revoked_at;		/* 0 = active */
	int64_t	 revoked_by;
	int	 method_removed;	/* the method was removed since */
	int64_t	 mail_id;		/* outbox row of the emailed copy; 0 none */
	char	 auth_text[SP_CONSENT_TEXT_MAX];	/* as recorded */
};

/* The terms an authorization text is composed from. */
struct sp_consent_terms {
	const char	*org;		/* who charges (cfg->org_name) */
	const char	*kind;		/* card | us_bank_account; NULL: not
					 * entered yet (described as such) */
	const char	*brand;		/* card brand / bank name ("" unknown) */
	const char	*last4;		/* "" unknown */
	const char	*scope;
	int64_t		 max_amount;	/* 0 = none */
	int64_t		 plan_id;	/* 0 = none */
	const char	*signer;	/* NULL/"": "I" */
	struct i18n	*i18n;		/* NULL: built-in English; else the */
	const char	*lang;		/* words of lang's catalog (consent.*) */
};
/* The authorization text for the terms into out (plain text, a few
 * paragraphs): who authorizes whom, the method (brand and last 4, or bank
 * and last 4), the scope and amount or limit, the frequency, how to
 * revoke; for bank accounts the ACH debit wording. 0, -1 when cut. */
int	 stripe_pay_consent_text(const struct sp_consent_terms *, char *out,
	    size_t outsz);
/* A short name of a scope for lists ("Any balance due", ...). */
const char *stripe_pay_consent_scope_label(const char *scope);

int	 stripe_pay_consent_record(const struct sp *, const struct sp_consent_req *,
	    int64_t *consent_id, char *msg, size_t msgsz);
/* Records the consent for the method saved with a succeeded payment
 * (save_method), once per payment: when the payment already has its
 * consent (given with the payment and recorded at settlement, or by an
 * earlier call) nothing is added and *consent_id gets that one (SP_OK).
 * q's account_id and payment_method_id are ignored (the payment's).
 * SP_NOT_FOUND: no such payment, or no saved method on it (yet). */
int	 stripe_pay_consent_for_payment(const struct sp *, int64_t payment_id,
	    const struct sp_consent_req *, int64_t *consent_id, char *msg,
	    size_t msgsz);
/* Revokes an active consent of the account (revoked_by: staff id, 0 =
 * the client in the portal). SP_NOT_FOUND when absent or already revoked. */
int	 stripe_pay_consent_revoke(const struct sp *, int64_t account_id,
	    int64_t consent_id, int64_t revoked_by);
/* Consents of an account, newest first (with_revoked 0: active only;
 * 1: also revoked ones and those of removed methods, kept for the
 * record). Caller frees *out. */
int	 stripe_pay_consents(struct db *, int64_t account_id, int with_revoked,
	    struct sp_consent **out, size_t *n);
/* One consent of the account (revoked or not, method removed or not), for
 * its print view. SP_OK / SP_NOT_FOUND / SP_DB. */
int	 stripe_pay_consent_get(struct db *, int64_t account_id, int64_t consent_id,
	    struct sp_consent *out);
/* 1 when an active consent on the (active) method covers an ordinary
 * charge (not a plan installment) of amount, 0 when none does: why (may
 * be NULL) then gets the reason for staff and clients, e.g. "The
 * authorization for visa ending 4242 covers payment plan installments
 * only." SP_DB on error. (any_balance depends on the balance due: to ask
 * "is there a consent at all" use stripe_pay_consent_active.) */
int	 stripe_pay_consent_covers(struct db *, int64_t method_id, int64_t amount,
	    char *why, size_t whysz);
/* The same for an installment of payment plan plan_id (> 0): only a
 * payment_plan consent naming that plan covers it (up to its maximum
 * when set). For the payment plans issue. */
int	 stripe_pay_consent_covers_installment(struct db *, int64_t method_id,
	    int64_t plan_id, int64_t amount, char *why, size_t whysz);
/* 1 when the (active) method has an active consent of any scope, 0 when
 * not, SP_DB on error. */
int	 stripe_pay_consent_active(struct db *, int64_t method_id);

/* --- webhook events ------------------------------------------------------------ */

enum sp_event_result {
	SP_EVENT_STORED = 0,	/* 200: stored, its effect applied later */
	SP_EVENT_DUPLICATE,	/* 200: seen before, nothing changed */
	SP_EVENT_IGNORED,	/* 200: stored, a type nobody applies */
	SP_EVENT_BAD,		/* 400: not a Stripe event */
	SP_EVENT_RETRY,		/* 500: not stored (database): Stripe retries */
};

/* Receives one webhook body whose signature the caller HAS verified: ONE
 * INSERT into the inbox (stripe_events, keyed by the event id; a duplicate
 * changes nothing). SP_EVENT_STORED only once that INSERT has committed;
 * the effect is made by stripe_pay_inbox_run (billing-jobs), or, with
 * webhook_apply_inline, by the receiver at once: the row is stored leased
 * to it and applied as the applier would (order per subject, exactly
 * once; no network call while a transaction holds locks), the INSERT in
 * the apply's transaction (one commit for both); when that transaction
 * cannot run (it needs Stripe, or fails) the row is stored alone and what
 * the receiver cannot apply stays pending for the applier. outcome gets a
 * short text. */
enum sp_event_result stripe_pay_event_receive(const struct sp *,
	    const char *body, size_t len, char *outcome, size_t outcomesz);

struct sp_inbox_stats {
	size_t	 claimed, applied, ignored, skipped, deferred, failed;
};

/* The inbox applier: claims up to batch due events (a lease written to
 * their rows, so several runners on several hosts never apply one twice)
 * and applies each, oldest first, in its own transaction that marks it
 * applied, in order per subject (the payment intent, or the object: an
 * event waits while an earlier one of its subject is pending). Effects:
 * payment_intent.succeeded/.payment_failed/.canceled/.processing -> settle
 * (an event never moves a payment backwards; an intent we do not know yet
 * is fetched from Stripe; 'succeeded' is only ever taken from the
 * PaymentIntent retrieved from Stripe, with its amount and currency
 * checked), setup_intent.succeeded -> record the method, charge.refunded
 * and refund.* -> the intent's refunds as Stripe lists them (fetched, not
 * the event's object; currency, intent and amount checked) recorded,
 * charge.dispute.created -> payment flagged disputed, payment_method.detached
 * -> method removed, consents revoked. A failed apply (Stripe unreachable,
 * database) stays pending and is retried later (5 s, doubling to 10 min).
 * Stops between events when *stop. SP_OK (st->claimed 0: nothing due) or
 * SP_DB. */
int	 stripe_pay_inbox_run(const struct sp *, const char *runner, size_t batch,
	    volatile sig_atomic_t *stop, struct sp_inbox_stats *st);
/* 1 when an inbox event is due, 0 when not, SP_DB on error. */
int	 stripe_pay_inbox_due(struct db *);

#endif
