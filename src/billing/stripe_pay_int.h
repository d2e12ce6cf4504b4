/* Private to the stripe_pay*.c files: shared row access and the pieces of
 * settlement, refunds and methods that run inside a caller's transaction. */
#ifndef STRIPE_PAY_INT_H
#define STRIPE_PAY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "stripe_pay.h"

struct stripe_payment_intent;
struct stripe_payment_method;
struct stripe_refund_list;
struct config;

/* A transaction body may ask for something from Stripe first: it sets
 * what it needs and returns SP_TX_NEED (rolls back); the caller fetches
 * outside the transaction and runs it again. */
#define SP_TX_NEED	(-100)
#define SP_TX_ROUNDS	4

/* Reservations (stripe_pay_reserve.c), inside the attempt's transaction.
 * Check: locks the account row and its issued invoices, then decides what
 * the attempt may take: chosen invoices each up to what is open after the
 * reservations of attempts in flight; "auto" oldest due first, never more
 * than is open (written out in plan as the invoices taken); "none" all
 * credit. refused = SP_BUSY (busy_*, msg) / SP_INVALID (msg) / 0.
 * Record: the reservation rows of a new payment. db_status. */
struct sp_reserve {
	struct alloc_req items[SP_PLAN_MAX];
	size_t		 n;
	int64_t		 credit;	/* reserved as account credit */
	char		 plan[2001];	/* the payment's alloc_plan */
	int		 refused;
	int64_t		 busy_payment_id;
	int64_t		 busy_amount;
	char		 busy_invoice[33];
	char		 msg[200];
};
int	 sp_reserve_check(struct db *, int64_t account_id, int64_t amount,
	    const char *plan, struct sp_reserve *);
int	 sp_reserve_record(struct db *, int64_t payment_id, int64_t account_id,
	    const struct sp_reserve *);

/* A store row as the stripe_pay files see it. */
struct store_payment;
void	 sp_from_store(const struct store_payment *, struct sp_payment *);

/* Reads one payment (no lock) / locks its row FOR UPDATE and reads it.
 * db_status; *found = 0 when absent. */
int	 sp_payment_read(struct db *, int64_t id, struct sp_payment *, int *found);
int	 sp_payment_lock(struct db *, int64_t id, struct sp_payment *, int *found);
/* Reads a card or ACH payment with a causal read (Galera: written through
 * another node just now): SP_OK, SP_NOT_FOUND (none, or another method)
 * or SP_DB. */
int	 sp_stripe_payment_fresh(const struct sp *, int64_t id,
	    struct sp_payment *);
/* The payment id holding a PaymentIntent id (0: none), locked. */
int	 sp_payment_by_intent(struct db *, const char *intent, int64_t *id);
/* The payments of intents[0..n) (n <= 32), locked in id order by one
 * statement and read into out[] (n elements); *nout how many. */
int	 sp_payments_lock_intents(struct db *, const char *const *intents,
	    size_t n, struct sp_payment *out, size_t *nout);
void	 sp_result_from(struct sp_result *, const struct sp_payment *);

/* Settles the locked row from a PaymentIntent (see stripe_pay_settle).
 * Sets *need_pm when the method must be fetched first (returns
 * SP_TX_NEED); *cancel when the intent should be canceled at Stripe after
 * commit. note: what happened. db_status / SP_TX_NEED.
 * Trust rules (checked on every path, webhook or not):
 *  - an intent whose currency is not SP_CURRENCY or whose amount is not
 *    the row's never settles it: logged, audited ("payment.mismatch"),
 *    the row is left as it was;
 *  - the row moves to 'succeeded' only on an authoritative object (a
 *    retrieve's or create's answer from Stripe): otherwise need_pi is set
 *    and SP_TX_NEED returned, and the caller retrieves the PaymentIntent
 *    outside the transaction and runs it again with authoritative = 1. */
struct sp_settle_in {
	const struct stripe_payment_intent	*pi;
	int			 authoritative;
	const struct stripe_payment_method	*pm;	/* fetched or NULL */
	/* For the consent recorded with a saved method (org name, mail
	 * templates); NULL: set by sp_settle_notify from its sp. */
	const struct config	*cfg;
};
struct sp_settle_out {
	char	 need_pm[65];	/* PaymentMethod id to fetch */
	int	 need_pi;	/* retrieve the PaymentIntent, run again */
	int	 cancel;
	int	 changed;	/* the row moved to a new status */
	char	 note[200];
};
int	 sp_settle_row(struct db *, const struct actor *, struct sp_payment *row,
	    const struct sp_settle_in *, struct sp_settle_out *);
/* sp_settle_row, then the portal's notifications (payment confirmation /
 * ACH result emails, each at most once) in the same transaction. */
int	 sp_settle_notify(struct db *, const struct sp *, struct sp_payment *,
	    struct sp_settle_in *, struct sp_settle_out *);

/* The row moves to status with Stripe's status and a failure, if any
 * (audited when the status changes). db_status. */
int	 sp_row_update(struct db *, const struct actor *, struct sp_payment *row,
	    const char *status, const char *stripe_status, const char *code,
	    const char *message);
/* Fetches a PaymentMethod from Stripe (logged when it fails). 0 / -1. */
int	 sp_fetch_pm(const struct sp *, const char *pm_id,
	    struct stripe_payment_method *pm);

/* Records a PaymentMethod object for the account (inside a transaction).
 * An existing row of the same Stripe id is returned, not duplicated.
 * *id gets our id (0 if pm was unusable). db_status. */
int	 sp_method_record(struct db *, const struct actor *, int64_t account_id,
	    const struct stripe_payment_method *pm, int64_t *id);
/* Marks a method removed and revokes its consents (inside a transaction).
 * *changed = 1 when it was active. db_status. */
int	 sp_method_mark_removed(struct db *, const struct actor *,
	    int64_t method_id, int *changed);
/* Consents (stripe_pay_consent.c). Check: the rules of
 * stripe_pay_consent_record (0, or -1 with msg). Insert: inside a
 * transaction, for an active method of the account (*consent_id = 0 when
 * it is not; nothing written), with the authorization text composed from
 * the terms and the method (stripe_pay_consent_text; org from cfg), its
 * audit row (why: appended to the audit detail, may be NULL) and the copy
 * emailed to the account's address (outbox; none when it has no address
 * or cfg is NULL). db_status. */
int	 sp_consent_check(const struct sp_consent_req *, char *msg, size_t msgsz);
/* The scope named by consents.scope (SP_SCOPE__MAX: unknown or NULL). */
enum sp_scope { SP_SCOPE_ANY_BALANCE, SP_SCOPE_PAYMENT_PLAN, SP_SCOPE_UP_TO_AMOUNT,
	SP_SCOPE__MAX };
enum sp_scope sp_scope_of(const char *name);
/* "my Visa card ending 4242" / "my bank account at ... ending 6789" for
 * the terms' method, as the authorization text names it. */
void	 sp_consent_method_phrase(const struct sp_consent_terms *, char *out,
	    size_t outsz);
/* The brand as written ("visa" -> "Visa"); a bank's name as it is. */
const char *sp_consent_brand_name(const struct sp_consent_terms *);
int	 sp_consent_insert(struct db *, const struct actor *, const struct config *,
	    const struct sp_consent_req *, int64_t *consent_id, const char *why);
/* The consent stored on the locked payment row, recorded for method_id
 * (the method settlement saved) unless recorded before; sets
 * row->consent_id and the row's column. db_status. */
int	 sp_payment_consent(struct db *, const struct actor *, const struct config *,
	    struct sp_payment *row, int64_t method_id);
/* The balance due of the account that an any_balance consent may charge:
 * what the account owes now (never below 0). The ONE place for "balance
 * due available to charge": money reserved by attempts in flight
 * (pending / requires_action / processing) is to be subtracted HERE when
 * reservations exist (issue 9 section 1), so every consent check sees
 * it. db_status. */
int	 sp_balance_due_chargeable(struct db *, int64_t account_id, int64_t *out);
/* "visa ending 4242" / "bank account ending 6789" (brand/bank name when
 * known) for audit details and lists. */
void	 sp_method_label(const char *kind, const char *brand, const char *last4,
	    char *out, size_t outsz);
/* Account of a Stripe customer id (0: unknown). db_status. */
int	 sp_customer_account(struct db *, const char *customer, int64_t *account_id);

/* Completes a pending refund inside a transaction (payment row locked by
 * the caller): ledger entry, allocation release, status succeeded.
 * stripe_refund_id may be NULL (kept). *done = 1 when it moved. */
int	 sp_refund_complete(struct db *, const struct actor *, int64_t refund_id,
	    const char *stripe_refund_id, int *done);
/* Stripe's refunds of a charge/intent applied inside a transaction: each
 * succeeded refund not yet recorded is recorded and completed (payment row
 * locked by the caller). refunds: a JSON array of Refund objects. */
int	 sp_refunds_apply(struct db *, const struct actor *,
	    const struct sp_payment *, const struct stripe_refund_list *refunds,
	    int *applied);

/* Reconcile the pending refunds (stripe_pay_refund.c). */
int	 sp_reconcile_refunds(const struct sp *, int64_t older_than, FILE *log,
	    struct sp_reconcile_stats *);

/* Cancels an intent we gave up on (best effort, logged; key
 * "pi-cancel-<payment_id>"). */
void	 sp_cancel_intent(const struct sp *, int64_t payment_id, const char *intent);
/* The actor's id when it is a staff user (created_by columns), else 0. */
int64_t	 sp_staff_id(const struct actor *);
/* Copies s into dst, cut to dstsz - 1 bytes on a UTF-8 boundary. */
void	 sp_utf8_cut(char *dst, size_t dstsz, const char *s);
/* Copies a message into (msg, msgsz) when msg is not NULL. */
void	 sp_msg(char *msg, size_t msgsz, const char *text);
/* Valid attempt key ([A-Za-z0-9_-]{16,64}). */
int	 sp_attempt_key_ok(const char *);

/* The text and the method's label from the catalogs t->i18n in t->lang
 * (stripe_pay_consent_lang.c); brand as written ("Visa"). 0 / -1. */
int	 sp_consent_text_lang(const struct sp_consent_terms *, const char *brand,
	    char *out, size_t outsz);
int	 sp_consent_label_lang(const struct sp_consent_terms *, const char *brand,
	    char *out, size_t outsz);

#endif
