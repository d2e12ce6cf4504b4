/* Staff UI for Stripe payments (card, ACH, saved methods), payment methods,
 * authorization-to-charge consents, refunds and payment history. Handlers in
 * src/web/staff_stripe*.c; the route table and its field tables live in
 * staff_stripe.c. The hooks below are called by the pages other files own
 * (the New Payment form and payment page of staff_money_pay.c, the
 * Financial tab of staff_profiles_financial.c). */
#ifndef STAFF_STRIPE_H
#define STAFF_STRIPE_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct sp;
struct actor;
struct alloc_req;
struct payment;
struct sp_method;
struct sp_consent;
struct tmpl_vars;

/* Consent text shown to the signer; its version is recorded with it. */
#define STRIPE_CONSENT_VERSION	"auth-v1"

/* --- hooks for pages of other files -------------------------------------- */

/* New Payment form (payment_new.html): the Stripe choices of the method
 * select (card, ACH, each saved method with an active consent), the form's
 * attempt_key, the save-card and consent inputs. 0 / -1. */
int	 staff_stripe_pay_form(struct ctx *, int64_t account_id);

/* 1 when the method value of the form is one this file handles:
 * "card", "ach", "saved-<id>". */
int	 staff_stripe_is_method(const char *method);

/* The posted New Payment form with a Stripe method, after the shared checks
 * passed: starts the card/ACH payment and renders the payment step, or
 * charges the saved method and redirects to the payment. auto_alloc, or the
 * n chosen allocations. Returns 0 when answered, 1 when refused (msg set,
 * maybe err_<field> in the view: the caller re-renders the form with 422),
 * 2 when another payment in flight holds the money (msg; busy_url in the
 * view: 409), -1 on error. */
int	 staff_stripe_pay_submit(struct ctx *, int64_t account_id,
	    int64_t client_id, int auto_alloc, const struct alloc_req *, size_t n,
	    char *msg, size_t msgsz);

/* A resubmitted New Payment form (its attempt_key made a card/ACH payment
 * of this account before): answered with that payment, before the form is
 * checked again: its payment step (not confirmed yet) or its page. 0 when
 * answered, 1 when the key is new, -1 on error. */
int	 staff_stripe_pay_replay(struct ctx *, int64_t account_id);

/* Payment page (payment_show.html, payment_receipt.html): Stripe status,
 * ids, card, failure with what to do, refunds, the refund and try-again
 * forms. Sets is_stripe only for card/ACH payments. 0 / -1. */
int	 staff_stripe_payment_view(struct ctx *, const struct payment *);

/* Financial tab (profiles_financial.html): saved payment methods with
 * consent status and the add/default/remove actions, links to consents
 * and payment history. 0 / -1. */
struct account_lists;
int	 staff_stripe_fin_view(struct ctx *, int64_t account_id,
	    int64_t client_id, const struct account_lists *);

/* --- shared by staff_stripe_pay.c and staff_stripe_actions.c ------------- */

struct sp_result;
struct sp_payment;
/* Renders stripe_pay.html for a pending card/ACH payment: the Payment
 * Element, "Process payment", the refresh form it submits afterwards. */
int	 staff_stripe_pay_step(struct ctx *, int64_t payment_id,
	    const char *client_secret, const char *signer, int agree);
/* 303 to /payments/<id>, with ?notice= when notice is not NULL. */
void	 staff_stripe_redirect_payment(struct ctx *, int64_t id,
	    const char *notice);
/* The payment page's notice after an attempt ended as out says. */
const char *staff_stripe_result_notice(const struct sp_result *);
/* The payment step again for a pending page payment nobody confirmed,
 * else the payment page. */
int	 staff_stripe_pay_again(struct ctx *, const struct sp_payment *);

/* --- shared by staff_stripe*.c --------------------------------------------- */

/* Fills sp and actor for the request; the Stripe client is the worker's.
 * -1 when the client cannot be made. */
int	 staff_stripe_sp(struct ctx *, struct sp *, struct actor *);
/* 1 when card payments can be taken (publishable key and Stripe.js URL). */
int	 staff_stripe_enabled(const struct ctx *);
/* A fresh attempt key into out (>= 48 bytes). 0 / -1. */
int	 staff_stripe_attempt_key(char *out, size_t outsz);
/* "Visa ending 4242" / "Chase bank account ending 6789". */
void	 staff_stripe_method_label(const struct sp_method *, char *out,
	    size_t outsz);
/* The account's saved methods and its consents (callee allocates, caller
 * frees both). 0 / -1 (nothing to free). */
int	 staff_stripe_methods_consents(struct ctx *, int64_t account_id,
	    struct sp_method **ms, size_t *nm, struct sp_consent **cs,
	    size_t *nc);
/* Sets the method row vars (label, brand, last4, expiry, kind flags). */
void	 staff_stripe_view_method(struct tmpl_vars *, const struct sp_method *);
/* Seed 004's failure title for a Stripe failure code ("Card declined"). */
const char *staff_stripe_failure_title(const char *code);
/* The consent text (version STRIPE_CONSENT_VERSION) for the view. */
void	 staff_stripe_view_consent_text(struct ctx *);
/* Records the consent of a staff-taken authorization. 0 ok, 1 refused
 * (msg), -1 error. */
int	 staff_stripe_consent_record(struct ctx *, const struct sp *,
	    int64_t account_id, int64_t method_id, const char *scope,
	    int64_t max_amount, const char *signer, char *msg, size_t msgsz);

/* The consent request of a staff-taken authorization (text version
 * STRIPE_CONSENT_VERSION, the request's address and user agent, the
 * signed-in user); q borrows signer and the request's strings. */
struct sp_consent_req;
struct sp_payment;
void	 staff_stripe_consent_req(struct ctx *, struct sp_consent_req *q,
	    const char *scope, int64_t max_amount, const char *signer);
/* The consent stored on a payment (given with it) as a request in q
 * (borrowing p's strings); returns q. */
const struct sp_consent_req *staff_stripe_payment_consent(
	    const struct sp_payment *p, struct sp_consent_req *q);

/* Handlers (staff_stripe_pay.c). */
int	 h_stripe_refresh(struct ctx *);
int	 h_stripe_retry(struct ctx *);
int	 h_stripe_resume(struct ctx *);
int	 h_stripe_cancel(struct ctx *);
int	 h_stripe_refund(struct ctx *);
int	 h_stripe_email_receipt(struct ctx *);
/* staff_stripe_methods.c */
int	 h_stripe_methods(struct ctx *);
int	 h_stripe_setup(struct ctx *);
int	 h_stripe_setup_complete(struct ctx *);
int	 h_stripe_method_default(struct ctx *);
int	 h_stripe_method_remove(struct ctx *);
int	 h_stripe_consents(struct ctx *);
int	 h_stripe_client_consents(struct ctx *);
int	 h_stripe_consent_create(struct ctx *);
int	 h_stripe_consent_revoke(struct ctx *);
/* GET /accounts/:id/consents/:cid: the printable record (revoked and
 * removed-method consents too). */
int	 h_stripe_consent_print(struct ctx *);
int	 h_stripe_history(struct ctx *);

#endif
