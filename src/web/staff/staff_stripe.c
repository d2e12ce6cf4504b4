/* Staff UI for Stripe payments: the route table with its field tables, and
 * the helpers staff_stripe_*.c share. Card and bank details never reach
 * this server: the pages load Stripe.js (cfg->stripe_js_url), which posts
 * them to Stripe; we only see PaymentIntent/SetupIntent ids. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "crypto.h"
#include "money.h"
#include "routes.h"
#include "staff_stripe.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

static const char *const setup_kinds[] = { "card", "us_bank_account", NULL };
static const char *const consent_scopes[] = { "any_balance", "payment_plan",
    "up_to_amount", NULL };
static const char *const method_notices[] = { "added", "default", "removed",
    NULL };
static const char *const consent_notices[] = { "added", "recorded", "revoked",
    NULL };

static const struct field f_refresh[] = {
	{ "consent_signer", FIELD_LINE, 0, 200, 0, 0, NULL, "Signer name" },
	{ "consent_agree", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
};

static const struct field f_retry[] = {
	{ "attempt_key", FIELD_TOKEN, FIELD_REQUIRED, SP_ATTEMPT_KEY_MAX, 0, 0,
	    NULL, "Attempt key" },
};

static const struct field f_refund[] = {
	{ "amount", FIELD_MONEY, FIELD_REQUIRED, 0, 1, MONEY_MAX, NULL,
	    "Refund amount" },
	{ "reason", FIELD_TEXT, FIELD_REQUIRED, 500, 0, 0, NULL, "Reason" },
};

static const struct field f_email_receipt[] = {
	{ "to", FIELD_EMAIL, FIELD_REQUIRED, 254, 0, 0, NULL, "Email address" },
};

static const struct field f_methods_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, method_notices, "Notice" },
};

static const struct field f_setup[] = {
	{ "kind", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, setup_kinds, "Kind" },
	{ "attempt_key", FIELD_TOKEN, FIELD_REQUIRED, SP_ATTEMPT_KEY_MAX, 0, 0,
	    NULL, "Attempt key" },
};

static const struct field f_setup_complete[] = {
	{ "setup_intent", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL,
	    "Setup" },
};

static const struct field f_consents_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, consent_notices, "Notice" },
	{ "method_id", FIELD_ID, 0, 0, 0, 0, NULL, "Payment method" },
};

static const struct field f_consent_create[] = {
	{ "payment_method_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Payment method" },
	{ "scope", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, consent_scopes,
	    "What the client authorizes" },
	{ "max_amount", FIELD_MONEY, 0, 0, 1, SP_AMOUNT_MAX, NULL,
	    "Maximum amount" },
	{ "signer_name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL,
	    "Signer's full name" },
	{ "consent_agree", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
};

static const struct field f_history[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "before", FIELD_ID, 0, 0, 0, 0, NULL, "Before" },
};

const struct route routes_stripe_staff[] = {
	{ { "POST", "/payments/:id/refresh" }, h_stripe_refresh, ROLES_MONEY, 0,
	    FIELDS(f_refresh) },
	{ { "POST", "/payments/:id/retry" }, h_stripe_retry, ROLES_MONEY, 0,
	    FIELDS(f_retry) },
	{ { "POST", "/payments/:id/resume" }, h_stripe_resume, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/payments/:id/cancel" }, h_stripe_cancel, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/payments/:id/refund" }, h_stripe_refund, ROLES_MONEY,
	    R_FORM, FIELDS(f_refund) },
	{ { "POST", "/payments/:id/email-receipt" }, h_stripe_email_receipt,
	    ROLES_MONEY, R_FORM, FIELDS(f_email_receipt) },
	{ { "GET", "/accounts/:id/payments" }, h_stripe_history, ROLES_STAFF, 0,
	    FIELDS(f_history) },
	{ { "GET", "/accounts/:id/payment-methods" }, h_stripe_methods,
	    ROLES_STAFF, 0, FIELDS(f_methods_page) },
	{ { "POST", "/accounts/:id/payment-methods/setup" }, h_stripe_setup,
	    ROLES_MONEY, 0, FIELDS(f_setup) },
	{ { "POST", "/accounts/:id/payment-methods/complete" },
	    h_stripe_setup_complete, ROLES_MONEY, 0, FIELDS(f_setup_complete) },
	{ { "POST", "/accounts/:id/payment-methods/:mid/default" },
	    h_stripe_method_default, ROLES_MONEY, 0, NOFIELDS },
	{ { "POST", "/accounts/:id/payment-methods/:mid/remove" },
	    h_stripe_method_remove, ROLES_MONEY, 0, NOFIELDS },
	{ { "GET", "/accounts/:id/consents" }, h_stripe_consents, ROLES_STAFF, 0,
	    FIELDS(f_consents_page) },
	{ { "GET", "/clients/:id/consents" }, h_stripe_client_consents,
	    ROLES_STAFF, 0, FIELDS(f_consents_page) },
	{ { "GET", "/inquiries/:id/consents" }, h_stripe_client_consents,
	    ROLES_STAFF, 0, FIELDS(f_consents_page) },
	{ { "POST", "/accounts/:id/consents" }, h_stripe_consent_create,
	    ROLES_MONEY, R_FORM, FIELDS(f_consent_create) },
	{ { "POST", "/accounts/:id/consents/:cid/revoke" },
	    h_stripe_consent_revoke, ROLES_MONEY, 0, NOFIELDS },
	{ { "GET", "/accounts/:id/consents/:cid" }, h_stripe_consent_print,
	    ROLES_STAFF, 0, NOFIELDS },
};
const size_t nroutes_stripe_staff = ARRAY_LEN(routes_stripe_staff);

/* --- helpers ------------------------------------------------------------ */

int
staff_stripe_sp(struct ctx *c, struct sp *sp, struct actor *a)
{
	a->kind = "staff";
	a->id = c->user.id;
	a->ip = app_ip(c);
	memset(sp, 0, sizeof(*sp));
	sp->db = c->app->db;
	sp->cfg = &c->app->cfg;
	sp->actor = a;
	sp->stripe = stripe_pay_client(&c->app->cfg);
	return sp->stripe == NULL ? -1 : 0;
}

int
staff_stripe_enabled(const struct ctx *c)
{
	const struct config *cfg = &c->app->cfg;

	/* Without a secret key the client talks to the bundled sandbox. */
	return cfg->stripe_publishable_key && cfg->stripe_publishable_key[0] &&
	    cfg->stripe_js_url && cfg->stripe_js_url[0];
}

int
staff_stripe_methods_consents(struct ctx *c, int64_t account_id,
    struct sp_method **ms, size_t *nm, struct sp_consent **cs, size_t *nc)
{
	if (stripe_pay_methods(c->app->db, account_id, ms, nm) != SP_OK)
		return -1;
	if (stripe_pay_consents(c->app->db, account_id, 0, cs, nc) != SP_OK) {
		free(*ms);
		return -1;
	}
	return 0;
}

int
staff_stripe_attempt_key(char *out, size_t outsz)
{
	/* 24 random bytes: 32 base64url characters ([A-Za-z0-9_-]). */
	return crypto_token(out, outsz, 24);
}

static const char *
brand_name(const char *brand)
{
	static const char *const map[][2] = {
		{ "visa", "Visa" }, { "mastercard", "Mastercard" },
		{ "amex", "American Express" }, { "discover", "Discover" },
		{ "diners", "Diners Club" }, { "jcb", "JCB" },
		{ "unionpay", "UnionPay" },
	};

	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(map[i][0], brand) == 0)
			return map[i][1];
	return brand;
}

void
staff_stripe_method_label(const struct sp_method *m, char *out, size_t outsz)
{
	if (strcmp(m->kind, "us_bank_account") == 0)
		(void)str_fmt(out, outsz, "%s account ending %s",
		    m->brand[0] ? m->brand : "Bank", m->last4);
	else
		(void)str_fmt(out, outsz, "%s ending %s",
		    m->brand[0] ? brand_name(m->brand) : "Card", m->last4);
}

void
staff_stripe_view_method(struct tmpl_vars *row, const struct sp_method *m)
{
	char label[120];
	int bank = strcmp(m->kind, "us_bank_account") == 0;

	staff_stripe_method_label(m, label, sizeof(label));
	tmpl_set_int(row, "method_id", m->id);
	tmpl_set(row, "method_label", label);
	tmpl_set(row, "method_brand", bank ? (m->brand[0] ? m->brand : "Bank") :
	    brand_name(m->brand));
	tmpl_set(row, "method_last4", m->last4);
	tmpl_set_bool(row, "method_is_bank", bank);
	tmpl_set_bool(row, "method_default", m->is_default);
	if (!bank && m->exp_month > 0)
		tmpl_setf(row, "method_expiry", "%02d/%02d", m->exp_month,
		    m->exp_year % 100);
	else
		tmpl_set(row, "method_expiry", "");
}

const char *
staff_stripe_failure_title(const char *code)
{
	switch (stripe_reason_from_codes(NULL, code, code)) {
	case STRIPE_REASON_CARD_DECLINED:
		return "Card declined";
	case STRIPE_REASON_INSUFFICIENT_FUNDS:
		return "Insufficient funds";
	case STRIPE_REASON_EXPIRED_CARD:
		return "Expired card";
	case STRIPE_REASON_INCORRECT_CVC:
		return "Invalid CVV";
	case STRIPE_REASON_INCORRECT_NUMBER:
		return "Incorrect card details";
	case STRIPE_REASON_PROCESSING:
		return "Processing error";
	case STRIPE_REASON_AUTHENTICATION:
		return "Authentication required";
	case STRIPE_REASON_BANK_ACCOUNT:
		return "Bank account problem";
	default:
		return "Payment not completed";
	}
}

void
staff_stripe_view_consent_text(struct ctx *c)
{
	/* The text recorded when the method is saved with a payment (scope
	 * any balance): it then names the card or bank account. */
	struct sp_consent_terms t = { app_brand(c)->org_name, NULL, NULL, NULL,
	    "any_balance", 0, 0, NULL, c->app->i18n, "en" };
	char text[SP_CONSENT_TEXT_MAX];

	tmpl_set(c->view, "consent_version", STRIPE_CONSENT_VERSION);
	if (stripe_pay_consent_text(&t, text, sizeof(text)) == 0)
		tmpl_set(c->view, "consent_text", text);
}

void
staff_stripe_consent_req(struct ctx *c, struct sp_consent_req *q,
    const char *scope, int64_t max_amount, const char *signer)
{
	memset(q, 0, sizeof(*q));
	q->scope = scope;
	q->max_amount = max_amount;
	q->text_version = STRIPE_CONSENT_VERSION;
	q->signer_name = signer;
	q->ip = app_ip(c);
	q->user_agent = c->req.user_agent ? c->req.user_agent : "";
	q->recorded_by = c->user.id;
}

const struct sp_consent_req *
staff_stripe_payment_consent(const struct sp_payment *p,
    struct sp_consent_req *q)
{
	memset(q, 0, sizeof(*q));
	q->account_id = p->account_id;
	q->scope = p->consent_scope[0] ? p->consent_scope : "any_balance";
	q->max_amount = p->consent_max_amount;
	q->text_version = p->consent_text_version;
	q->signer_name = p->consent_signer;
	q->ip = p->consent_ip;
	q->user_agent = p->consent_user_agent;
	q->recorded_by = p->consent_recorded_by;
	return q;
}

int
staff_stripe_consent_record(struct ctx *c, const struct sp *sp,
    int64_t account_id, int64_t method_id, const char *scope,
    int64_t max_amount, const char *signer, char *msg, size_t msgsz)
{
	struct sp_consent_req q;
	int64_t id = 0;
	int rc;

	staff_stripe_consent_req(c, &q, scope, max_amount, signer);
	q.account_id = account_id;
	q.payment_method_id = method_id;
	rc = stripe_pay_consent_record(sp, &q, &id, msg, msgsz);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK && msg[0] == '\0')
		(void)str_copy(msg, msgsz, "The authorization could not be saved.");
	return rc == SP_OK ? 0 : 1;
}
