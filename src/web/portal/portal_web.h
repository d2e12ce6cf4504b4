/* Client portal and pay-link handlers (web layer): shared helpers and the
 * handlers the route tables (portal.c, paylink.c) name. Portal pages use
 * their own layout (_portal_header.html) and their own session: cookie
 * PORTAL_COOKIE, session kind "portal" (subject: the account), CSRF
 * purpose "portal". The dispatcher loads only staff sessions, so portal
 * routes are R_PUBLIC and check the portal session themselves; their POSTs
 * are R_NOCSRF and check the portal CSRF token here (portal_begin). */
#ifndef PORTAL_WEB_H
#define PORTAL_WEB_H

#include <stdint.h>

#include "profiles.h"
#include "req.h"

struct ctx;
struct sp;
struct actor;
struct portal_env;
struct tmpl_vars;

#define PORTAL_COOKIE	"bportal"

/* The signed-in client of a portal request. */
struct portal_req {
	int64_t		 account_id;
	struct account	 acct;
	char		 token[64];	/* session cookie value (never stored) */
};

/* Starts a signed-in portal request: loads the portal session (else
 * redirects to the sign-in page), sets the portal CSRF token for forms and,
 * for POSTs, checks the form's _csrf against it (403, nothing done, when
 * missing or wrong). Returns 1 to go on, 0 when the response is made,
 * -1 on database errors. */
int	 portal_begin(struct ctx *, struct portal_req *);
/* Renders a portal page (portal layout, account name, nav) with no-store. */
int	 portal_render(struct ctx *, const struct portal_req *, int status,
	    const char *tmpl);
/* The portal/pay-link error page (no staff navigation). */
int	 portal_error(struct ctx *, int status, const char *message);
/* Content-Security-Policy for pages that load Stripe.js (its origin in
 * script-src, frame-src and connect-src, nothing else added). */
void	 portal_csp_stripe(struct ctx *);
/* Stripe.js URL and publishable key into the view (stripe_js, stripe_pk). */
void	 portal_view_stripe(struct ctx *);
/* A fresh attempt key for a payment form (attempt_key in the view). */
int	 portal_view_attempt_key(struct ctx *);
/* The domain contexts of a request (actor "portal" with the account id). */
void	 portal_env_of(struct ctx *, const struct actor *, struct portal_env *);
void	 portal_sp_of(struct ctx *, const struct actor *, struct sp *);
/* Date of unix seconds into the view: "Mar 5, 2025". */
void	 portal_set_date(struct tmpl_vars *, const char *name, int64_t t);
/* "2025-03-05" -> "Mar 5, 2025" into the view. */
void	 portal_set_day(struct tmpl_vars *, const char *name, const char *ymd);
/* Payment status label for people: "Paid", "Pending", "Failed", ... */
const char *portal_payment_label(const char *status, const char *method);
/* Fills a view row (or the view) with a payment's receipt fields. */
struct sp_payment;
void	 portal_view_payment(struct ctx *, struct tmpl_vars *,
	    const struct sp_payment *);

/* language (portal_lang.c): "en" | "es" of the current request. */
void	 portal_lang_reset(void);
const char *portal_lang(void);
/* Uses lang for this request: view "lang" (and lang_en / lang_es), dates. */
void	 portal_lang_use(struct ctx *, const char *lang);
/* Signed-out pages and pay links: ?lang= (kept in a cookie), else the
 * cookie, else account_lang (may be NULL), else English; uses it. */
const char *portal_lang_pick(struct ctx *, const char *account_lang);
/* portal_lang_pick with the language of this account (a link's page):
 * 0, -1 on db errors. */
int	 portal_lang_pick_account(struct ctx *, int64_t account_id);
/* Keeps a signed-out choice of language in the preference cookie. */
void	 portal_lang_remember(struct ctx *, const char *code);
/* A catalog message in the request's language (labels set from C). */
const char *portal_msg(struct ctx *, const char *key);
/* A catalog message with its {name} placeholders filled from the
 * NULL-terminated name, value pairs (values as they are: the view escapes
 * them), into out. */
/* The payment in progress holding money of an invoice (payment_reservations
 * of a payment Stripe has not confirmed): sets inflight ("$X") and
 * inflight_status (its state in the page's language) in v (unless NULL);
 * *reserved gets
 * the money held (0: none). 0 / -1. */
int	 portal_view_inflight(struct ctx *, struct tmpl_vars *v,
	    int64_t account_id, int64_t invoice_id, int64_t *reserved);
/* Why a typed amount was refused (portal_amount_check()), in the page's
 * language, into out. */
struct portal_amount_refusal;
void	 portal_amount_msg(struct ctx *, const struct portal_amount_refusal *,
	    const char *invoice_number, char *out, size_t outsz);
/* A field's problem on a client form in the page's language: English keeps
 * msg (the validator's own words); other languages take the catalog's
 * "ferr.<field>", else "ferr.any". */
const char *portal_field_error(struct ctx *, const char *field,
	    const char *msg);
const char *portal_msgf(struct ctx *, const char *key, char *out,
	    size_t outsz, ...);
/* A message from the domain or Stripe (msg, English) where there is one
 * and the page is English; the catalog's general message key otherwise. */
const char *portal_reason(struct ctx *, const char *msg, const char *key);
/* "Visa ending 4242" / "Visa terminada en 4242" in the request's language. */
void	 portal_method_text(struct ctx *, const char *kind, const char *brand,
	    const char *last4, char *out, size_t outsz);
/* "Open", "Abierta", ... for an enum portal_inv_status. */
const char *portal_inv_status_label(struct ctx *, int status);
int	 h_portal_language(struct ctx *);	/* portal_settings.c */
int	 h_lang_switch(struct ctx *);

/* auth (portal_auth.c) */
int	 h_portal_root(struct ctx *);
int	 h_portal_login_form(struct ctx *);
int	 h_portal_login(struct ctx *);
int	 h_portal_logout(struct ctx *);
int	 h_portal_activate_form(struct ctx *);
int	 h_portal_activate(struct ctx *);
int	 h_portal_forgot_form(struct ctx *);
int	 h_portal_forgot(struct ctx *);
int	 h_portal_reset_form(struct ctx *);
int	 h_portal_reset(struct ctx *);
/* billing (portal_billing.c) */
int	 h_portal_billing(struct ctx *);
int	 h_portal_invoice(struct ctx *);
int	 h_portal_invoice_pdf(struct ctx *);
int	 h_portal_statement_pdf(struct ctx *);
int	 h_portal_payments(struct ctx *);
int	 h_portal_payment(struct ctx *);
int	 h_portal_payment_pdf(struct ctx *);
/* pay selected invoices (portal_pay.c) */
int	 h_portal_pay(struct ctx *);
int	 h_portal_pay_start(struct ctx *);
int	 h_portal_pay_return(struct ctx *);
/* payment methods (portal_methods.c) */
int	 h_portal_methods(struct ctx *);
int	 h_portal_method_new(struct ctx *);
int	 h_portal_method_return(struct ctx *);
int	 h_portal_method_default(struct ctx *);
int	 h_portal_method_remove(struct ctx *);
int	 h_portal_consent(struct ctx *);
/* estimates (portal_estimates.c) */
int	 h_portal_estimates(struct ctx *);
int	 h_portal_estimate(struct ctx *);
int	 h_portal_estimate_sign(struct ctx *);
int	 h_portal_estimate_decline(struct ctx *);
int	 h_portal_estimate_pdf(struct ctx *);	/* pdf_estimate.c */
/* staff side (portal_staff.c) */
int	 h_staff_portal(struct ctx *);
int	 h_staff_portal_activation(struct ctx *);
int	 h_staff_invoice_send_form(struct ctx *);
int	 h_staff_invoice_send(struct ctx *);
int	 h_staff_paylink_revoke(struct ctx *);
/* Settings > Online payments (portal_settings.c) */
int	 h_admin_online_payments(struct ctx *);
int	 h_admin_online_payments_set(struct ctx *);

/* Shared with paylink.c: the invoice with its lines into the view
 * (number, dates, lines loop, totals). 0, or -1 on errors. */
struct invoice;
void	 portal_view_invoice(struct ctx *, const struct invoice *);
/* The payment form of a Stripe Element page: the PaymentIntent's client
 * secret, return URL, amount; renders tmpl (portal_checkout.html or
 * paylink_checkout.html) with the Stripe CSP. */
int	 portal_checkout_page(struct ctx *, const struct portal_req *,
	    const char *tmpl, const char *client_secret, const char *return_url,
	    int64_t amount, const char *method);
/* The Billing home page with an error (why a selection was refused) and
 * the invoices that were selected still ticked. */
int	 portal_billing_page(struct ctx *, const struct portal_req *, int status,
	    const char *error, const int64_t *selected, size_t nselected);
/* The PDF receipt of a succeeded payment as the response (portal and pay
 * link; the caller checked whose it is); 404 page for other payments. */
int	 portal_receipt_pdf(struct ctx *, int64_t payment_id);
/* The invoice's PDF as the response (portal and pay link). */
int	 portal_invoice_pdf(struct ctx *, const struct invoice *);

/* The portal's pages (portal_plans.c). */
int	 h_portal_plan(struct ctx *);
int	 h_portal_plan_accept(struct ctx *);
int	 portal_plans_billing(struct ctx *, int64_t account_id,
	    const int64_t *plan_ids, size_t nplans);
/* The selection of "Pay next installment now" (what = "next") or "Pay off
 * the plan" ("payoff") for portal_pay.c: an enum portal_status; msg says
 * why it cannot be paid. Sets plan_id / plan_what in the view. */
struct portal_selection;
int	 portal_plan_select(struct ctx *, int64_t account_id, const char *plan,
	    const char *what, struct portal_selection *, char *msg, size_t msgsz);
/* After the payment flow created payment_id for the form's plan (fields
 * plan, plan_what): the installments it pays are processing. 0 / -1. */
int	 portal_plan_started(struct ctx *, int64_t account_id, int64_t payment_id);

#endif
