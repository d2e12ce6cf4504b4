/* Client portal routes (/portal/...) and the staff actions that feed it
 * (activation links, sending invoices, revoking pay links): the route table
 * and its field tables. Handlers live in portal_*.c (see portal_web.h).
 *
 * Portal routes are R_PUBLIC: the dispatcher loads staff sessions only.
 * Pages for signed-in clients call portal_begin(), which checks the portal
 * session and, for POSTs, the portal CSRF token: those POSTs are R_NOCSRF
 * here because the dispatcher's pre-login token is not the portal's.
 * Sign-in, activation and reset forms (no portal session yet) keep the
 * dispatcher's pre-login CSRF check. */
#include "common.h"

#include "app.h"
#include "portal_web.h"
#include "routes.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0
/* Signed-in portal pages: own session and CSRF check (portal_begin). */
#define R_PORTAL	(R_PUBLIC | R_FORM)
#define R_PORTAL_POST	(R_PUBLIC | R_NOCSRF | R_FORM)

static const char *const login_notices[] = { "signed_out", "reset_sent",
    "expired", NULL };
static const char *const billing_notices[] = { "welcome", "method_added",
    "method_removed", "method_default", "password_reset", NULL };
static const char *const invoice_statuses[] = { "open", "partial", "paid",
    "void", "pending", "unpaid", NULL };
static const char *const method_kinds[] = { "card", "us_bank_account", NULL };
static const char *const staff_notices[] = { "activation_sent", "sent",
    "posted", "revoked", NULL };

static const char *const languages[] = { "en", "es", NULL };

#define F_LANG	{ "lang", FIELD_ENUM, 0, 0, 0, 0, languages, "Language" }

static const struct field f_login_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, login_notices, "Notice" },
	F_LANG,
};
static const struct field f_lang[] = { F_LANG };
static const struct field f_lang_next[] = {
	{ "next", FIELD_LINE, 0, 300, 0, 0, NULL, "Page" },
};
static const struct field f_language[] = {
	{ "lang", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, languages, "Language" },
	{ "next", FIELD_LINE, 0, 300, 0, 0, NULL, "Page" },
};

static const struct field f_login[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL, "Email" },
	{ "password", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL, "Password" },
};

static const struct field f_password[] = {
	{ "password", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL, "Password" },
	{ "password2", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Password (again)" },
};

static const struct field f_forgot[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL, "Email" },
};

static const struct field f_billing[] = {
	{ "status", FIELD_ENUM, 0, 0, 0, 0, invoice_statuses, "Status" },
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, billing_notices, "Notice" },
};

static const struct field f_pay_start[] = {
	{ "invoices", FIELD_LINE, FIELD_REQUIRED, 1100, 0, 0, NULL, "Invoices" },
	/* part of one invoice: checked by the handler (names the problem) */
	{ "amount", FIELD_LINE, 0, 32, 0, 0, NULL, "Amount to pay" },
	{ "total", FIELD_INT, FIELD_REQUIRED, 0, 1, INT64_C(99999999999), NULL,
	    "Total" },
	/* "card", "ach", or "m<id>" for a saved method */
	{ "pay_with", FIELD_TOKEN, FIELD_REQUIRED, 24, 0, 0, NULL,
	    "Payment method" },
	{ "save_card", FIELD_BOOL, 0, 0, 0, 0, NULL, "Save this card" },
	{ "authorize", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
	{ "signer_name", FIELD_LINE, 0, 200, 0, 0, NULL, "Your full name" },
	{ "attempt_key", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL, "Form key" },
	/* payment plans: "Pay next installment now" / "Pay off the plan" */
	{ "plan", FIELD_ID, 0, 0, 0, 0, NULL, "Payment plan" },
	{ "plan_what", FIELD_TOKEN, 0, 8, 0, 0, NULL, "Plan payment" },
};

static const struct field f_payments[] = {
	{ "page", FIELD_INT, 0, 0, 1, 100000, NULL, "Page" },
};

static const struct field f_pay_return[] = {
	{ "payment", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "Payment" },
};

static const struct field f_method_new[] = {
	{ "kind", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, method_kinds, "Kind" },
	{ "authorize", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
	{ "signer_name", FIELD_LINE, 0, 200, 0, 0, NULL, "Your full name" },
	{ "attempt_key", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL, "Form key" },
};

static const struct field f_method_return[] = {
	{ "setup_intent", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL,
	    "Setup" },
};

static const struct field f_send[] = {
	{ "email", FIELD_BOOL, 0, 0, 0, 0, NULL, "Email" },
	{ "post", FIELD_BOOL, 0, 0, 0, 0, NULL, "Post to the portal" },
	{ "expires_on", FIELD_DATE, 0, 0, 0, 0, NULL, "Pay link expires" },
};

static const char *const settings_notices[] = { "saved", NULL };

static const struct field f_settings_notice[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, settings_notices, "Notice" },
};

static const struct field f_settings[] = {
	{ "min_payment", FIELD_LINE, FIELD_REQUIRED, 20, 0, 0, NULL,
	    "Minimum online payment" },
};

static const struct field f_staff_notice[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, staff_notices, "Notice" },
};

const struct route routes_portal[] = {
	/* sign-in, activation, password reset (no portal session yet) */
	{ { "GET", "/portal" }, h_portal_root, 0, R_PUBLIC, NOFIELDS },
	{ { "GET", "/portal/login" }, h_portal_login_form, 0, R_PORTAL,
	    FIELDS(f_login_page) },
	{ { "POST", "/portal/login" }, h_portal_login, 0, R_PUBLIC | R_FORM,
	    FIELDS(f_login) },
	{ { "POST", "/portal/logout" }, h_portal_logout, 0, R_PORTAL_POST,
	    NOFIELDS },
	{ { "GET", "/portal/activate/:token" }, h_portal_activate_form, 0,
	    R_PUBLIC, FIELDS(f_lang) },
	{ { "POST", "/portal/activate/:token" }, h_portal_activate, 0,
	    R_PUBLIC | R_FORM, FIELDS(f_password) },
	{ { "GET", "/portal/forgot" }, h_portal_forgot_form, 0, R_PUBLIC,
	    FIELDS(f_lang) },
	{ { "POST", "/portal/forgot" }, h_portal_forgot, 0, R_PUBLIC | R_FORM,
	    FIELDS(f_forgot) },
	{ { "GET", "/portal/reset/:token" }, h_portal_reset_form, 0, R_PUBLIC,
	    FIELDS(f_lang) },
	{ { "POST", "/portal/reset/:token" }, h_portal_reset, 0,
	    R_PUBLIC | R_FORM, FIELDS(f_password) },
	{ { "POST", "/portal/language" }, h_portal_language, 0, R_PORTAL_POST,
	    FIELDS(f_language) },
	{ { "GET", "/lang/:code" }, h_lang_switch, 0, R_PUBLIC,
	    FIELDS(f_lang_next) },
	/* Billing */
	{ { "GET", "/portal/billing" }, h_portal_billing, 0, R_PORTAL,
	    FIELDS(f_billing) },
	{ { "GET", "/portal/invoices/:id" }, h_portal_invoice, 0, R_PORTAL,
	    NOFIELDS },
	{ { "GET", "/portal/invoices/:id/pdf" }, h_portal_invoice_pdf, 0,
	    R_PORTAL, NOFIELDS },
	{ { "GET", "/portal/statements/:id/pdf" }, h_portal_statement_pdf, 0,
	    R_PORTAL, NOFIELDS },
	{ { "GET", "/portal/payments" }, h_portal_payments, 0, R_PORTAL,
	    FIELDS(f_payments) },
	{ { "GET", "/portal/payments/:id" }, h_portal_payment, 0, R_PORTAL,
	    NOFIELDS },
	{ { "GET", "/portal/payments/:id/pdf" }, h_portal_payment_pdf, 0,
	    R_PORTAL, NOFIELDS },
	/* Pay Selected Invoices (the selection comes as repeated "invoice"
	 * query values, parsed by the handler) */
	{ { "GET", "/portal/pay" }, h_portal_pay, 0, R_PORTAL, NOFIELDS },
	{ { "POST", "/portal/pay" }, h_portal_pay_start, 0, R_PORTAL_POST,
	    FIELDS(f_pay_start) },
	{ { "GET", "/portal/pay/return" }, h_portal_pay_return, 0, R_PORTAL,
	    FIELDS(f_pay_return) },
	/* payment methods */
	{ { "GET", "/portal/methods" }, h_portal_methods, 0, R_PORTAL,
	    FIELDS(f_billing) },
	{ { "POST", "/portal/methods" }, h_portal_method_new, 0, R_PORTAL_POST,
	    FIELDS(f_method_new) },
	{ { "GET", "/portal/methods/return" }, h_portal_method_return, 0,
	    R_PORTAL, FIELDS(f_method_return) },
	{ { "POST", "/portal/methods/:id/default" }, h_portal_method_default, 0,
	    R_PORTAL_POST, NOFIELDS },
	{ { "POST", "/portal/methods/:id/remove" }, h_portal_method_remove, 0,
	    R_PORTAL_POST, NOFIELDS },
	{ { "GET", "/portal/consents/:id" }, h_portal_consent, 0, R_PORTAL,
	    NOFIELDS },
	/* staff side */
	{ { "GET", "/admin/online-payments" }, h_admin_online_payments,
	    ROLES_STAFF, 0, FIELDS(f_settings_notice) },
	{ { "POST", "/admin/online-payments" }, h_admin_online_payments_set,
	    ROLE_ADMIN, R_FORM, FIELDS(f_settings) },
	{ { "GET", "/accounts/:id/portal" }, h_staff_portal, ROLES_STAFF, 0,
	    FIELDS(f_staff_notice) },
	{ { "POST", "/accounts/:id/portal-activation" }, h_staff_portal_activation,
	    ROLES_MONEY, 0, NOFIELDS },
	{ { "GET", "/invoices/:id/send" }, h_staff_invoice_send_form, ROLES_STAFF,
	    0, FIELDS(f_staff_notice) },
	{ { "POST", "/invoices/:id/send" }, h_staff_invoice_send, ROLES_MONEY,
	    R_FORM, FIELDS(f_send) },
	{ { "POST", "/invoices/:id/paylink/revoke" }, h_staff_paylink_revoke,
	    ROLES_MONEY, 0, NOFIELDS },
};
const size_t nroutes_portal = ARRAY_LEN(routes_portal);
