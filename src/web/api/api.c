/* The /api/v1 route table and the fields each route accepts. Every route is
 * R_PUBLIC | R_NOCSRF | R_NOSESSION | R_FORM: no cookies, no CSRF, bearer
 * API keys checked by api_run() against `roles`, and validation errors
 * answered as JSON by api_run(). docs/openapi.yaml describes every route
 * (tests/integration/test_api.c checks both lists match). */
#include "common.h"

#include "api.h"
#include "api_estimates.h"
#include "app.h"
#include "money.h"
#include "routes.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0
#define API_FLAGS	(R_PUBLIC | R_NOCSRF | R_NOSESSION | R_FORM)

#define PAGING \
	{ "limit", FIELD_INT, 0, 0, 1, API_LIMIT_MAX, NULL, "limit" }, \
	{ "cursor", FIELD_ID, 0, 0, 0, 0, NULL, "cursor" }

static const char *const invoice_statuses[] =
    { "draft", "open", "partial", "paid", "void", NULL };
static const char *const discount_kinds[] = { "none", "percent", "fixed", NULL };
static const char *const manual_methods[] =
    { "cash", "check", "terminal", "other", NULL };
static const char *const allocate_modes[] = { "auto", "none", NULL };

/* --- query parameters --------------------------------------------------- */

static const struct field f_page[] = { PAGING };

static const struct field f_search[] = {
	{ "q", FIELD_LINE, 0, 200, 0, 0, NULL, "q" },
	PAGING,
};

static const struct field f_invoices_q[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "account_id" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "location_id" },
	{ "status", FIELD_ENUM, 0, 0, 0, 0, invoice_statuses, "status" },
	PAGING,
};

static const struct field f_payments_q[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "account_id" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
	PAGING,
};

static const struct field f_ledger_q[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "account_id" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
	{ "invoice_id", FIELD_ID, 0, 0, 0, 0, NULL, "invoice_id" },
	{ "from", FIELD_DATE, 0, 0, 0, 0, NULL, "from" },
	{ "to", FIELD_DATE, 0, 0, 0, 0, NULL, "to" },
	PAGING,
};

static const struct field f_ar_q[] = {
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "location_id" },
};

/* --- bodies (create: required fields; update: none required) ------------ */

static const struct field f_location_create[] = {
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "name" },
	{ "address", FIELD_TEXT, 0, 500, 0, 0, NULL, "address" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "active" },
};

static const struct field f_location_update[] = {
	{ "name", FIELD_LINE, 0, 200, 0, 0, NULL, "name" },
	{ "address", FIELD_TEXT, 0, 500, 0, 0, NULL, "address" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "active" },
};

static const struct field f_service_create[] = {
	{ "code", FIELD_LINE, FIELD_REQUIRED, 32, 0, 0, NULL, "code" },
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "name" },
	{ "default_rate_cents", FIELD_INT, FIELD_REQUIRED, 0, 0, MONEY_MAX, NULL,
	    "default_rate_cents" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "active" },
};

static const struct field f_service_update[] = {
	{ "code", FIELD_LINE, 0, 32, 0, 0, NULL, "code" },
	{ "name", FIELD_LINE, 0, 200, 0, 0, NULL, "name" },
	{ "default_rate_cents", FIELD_INT, 0, 0, 0, MONEY_MAX, NULL,
	    "default_rate_cents" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "active" },
};

#define ACCOUNT_FIELDS \
	{ "email", FIELD_EMAIL, 0, 254, 0, 0, NULL, "email" }, \
	{ "phone", FIELD_LINE, 0, 40, 0, 0, NULL, "phone" }, \
	{ "address1", FIELD_LINE, 0, 200, 0, 0, NULL, "address1" }, \
	{ "address2", FIELD_LINE, 0, 200, 0, 0, NULL, "address2" }, \
	{ "city", FIELD_LINE, 0, 100, 0, 0, NULL, "city" }, \
	{ "region", FIELD_LINE, 0, 100, 0, 0, NULL, "region" }, \
	{ "postal_code", FIELD_LINE, 0, 20, 0, 0, NULL, "postal_code" }, \
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "location_id" }

static const struct field f_account_create[] = {
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "name" },
	ACCOUNT_FIELDS,
};

static const struct field f_account_update[] = {
	{ "name", FIELD_LINE, 0, 200, 0, 0, NULL, "name" },
	ACCOUNT_FIELDS,
};

#define CLIENT_FIELDS \
	{ "birth_date", FIELD_DATE, 0, 0, 0, 0, NULL, "birth_date" }, \
	{ "email", FIELD_EMAIL, 0, 254, 0, 0, NULL, "email" }, \
	{ "phone", FIELD_LINE, 0, 40, 0, 0, NULL, "phone" }, \
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "location_id" }

static const struct field f_client_create[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "account_id" },
	{ "first_name", FIELD_LINE, FIELD_REQUIRED, 100, 0, 0, NULL, "first_name" },
	{ "last_name", FIELD_LINE, FIELD_REQUIRED, 100, 0, 0, NULL, "last_name" },
	CLIENT_FIELDS,
};

static const struct field f_client_update[] = {
	{ "first_name", FIELD_LINE, 0, 100, 0, 0, NULL, "first_name" },
	{ "last_name", FIELD_LINE, 0, 100, 0, 0, NULL, "last_name" },
	CLIENT_FIELDS,
};

/* "lines" is a JSON array (read from the body by the handler); declaring
 * it keeps unknown-field detection uniform. */
#define INVOICE_FIELDS \
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" }, \
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "location_id" }, \
	{ "payment_type_id", FIELD_ID, 0, 0, 0, 0, NULL, "payment_type_id" }, \
	{ "invoice_date", FIELD_DATE, 0, 0, 0, 0, NULL, "invoice_date" }, \
	{ "due_date", FIELD_DATE, 0, 0, 0, 0, NULL, "due_date" }, \
	{ "notes", FIELD_TEXT, 0, 10000, 0, 0, NULL, "notes" }, \
	{ "discount_kind", FIELD_ENUM, 0, 0, 0, 0, discount_kinds, "discount_kind" }, \
	{ "discount_value", FIELD_INT, 0, 0, 0, MONEY_MAX, NULL, "discount_value" }, \
	{ "lines", FIELD_LINE, 0, 0, 0, 0, NULL, "lines" }

static const struct field f_invoice_create[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "account_id" },
	INVOICE_FIELDS,
};

static const struct field f_invoice_update[] = { INVOICE_FIELDS };

static const struct field f_invoice_void[] = {
	{ "reason", FIELD_LINE, FIELD_REQUIRED, 500, 0, 0, NULL, "reason" },
};

static const struct field f_invoice_adjust[] = {
	{ "amount_cents", FIELD_INT, FIELD_REQUIRED, 0, -MONEY_MAX, MONEY_MAX, NULL,
	    "amount_cents" },
	{ "memo", FIELD_LINE, 0, 500, 0, 0, NULL, "memo" },
	{ "writeoff", FIELD_BOOL, 0, 0, 0, 0, NULL, "writeoff" },
};

static const struct field f_payment_create[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "account_id" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
	{ "method", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, manual_methods, "method" },
	{ "amount_cents", FIELD_INT, FIELD_REQUIRED, 0, 1, MONEY_MAX, NULL,
	    "amount_cents" },
	{ "received_date", FIELD_DATE, 0, 0, 0, 0, NULL, "received_date" },
	{ "reference", FIELD_LINE, 0, 100, 0, 0, NULL, "reference" },
	{ "memo", FIELD_LINE, 0, 500, 0, 0, NULL, "memo" },
	{ "allocate", FIELD_ENUM, 0, 0, 0, 0, allocate_modes, "allocate" },
	{ "allocations", FIELD_LINE, 0, 0, 0, 0, NULL, "allocations" },
};

static const struct field f_allocation_create[] = {
	{ "invoice_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "invoice_id" },
	{ "amount_cents", FIELD_INT, FIELD_REQUIRED, 0, 1, MONEY_MAX, NULL,
	    "amount_cents" },
};

static const struct field f_statement_generate[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
	{ "from", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "from" },
	{ "to", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "to" },
};

/* --- the table ------------------------------------------------------------ */

/* payment plans (api_plans.c) */
static const char *const plan_freqs[] = { "weekly", "biweekly", "semimonthly",
    "monthly", NULL };
static const char *const plan_down_methods[] = { "cash", "check", "other", NULL };

static const struct field f_plan_create[] = {
	{ "account_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "account_id" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
	{ "invoice_ids", FIELD_LINE, 0, 0, 0, 0, NULL, "invoice_ids" },
	{ "amount_cents", FIELD_INT, 0, 0, 1, MONEY_MAX, NULL, "amount_cents" },
	{ "down_payment_cents", FIELD_INT, 0, 0, 0, MONEY_MAX, NULL,
	    "down_payment_cents" },
	{ "down_payment_received", FIELD_BOOL, 0, 0, 0, 0, NULL,
	    "down_payment_received" },
	{ "down_payment_method", FIELD_ENUM, 0, 0, 0, 0, plan_down_methods,
	    "down_payment_method" },
	{ "installments", FIELD_INT, 0, 0, 1, 520, NULL, "installments" },
	{ "installment_cents", FIELD_INT, 0, 0, 1, MONEY_MAX, NULL,
	    "installment_cents" },
	{ "frequency", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, plan_freqs, "frequency" },
	{ "day_of_month", FIELD_INT, 0, 0, 0, 31, NULL, "day_of_month" },
	{ "start_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "start_date" },
	{ "payment_method_id", FIELD_ID, 0, 0, 0, 0, NULL, "payment_method_id" },
	{ "autopay", FIELD_BOOL, 0, 0, 0, 0, NULL, "autopay" },
	{ "override_reason", FIELD_LINE, 0, 500, 0, 0, NULL, "override_reason" },
};

static const struct field f_plan_update[] = {
	{ "installments", FIELD_INT, 0, 0, 1, 520, NULL, "installments" },
	{ "installment_cents", FIELD_INT, 0, 0, 1, MONEY_MAX, NULL,
	    "installment_cents" },
	{ "frequency", FIELD_ENUM, 0, 0, 0, 0, plan_freqs, "frequency" },
	{ "day_of_month", FIELD_INT, 0, 0, 0, 31, NULL, "day_of_month" },
	{ "start_date", FIELD_DATE, 0, 0, 0, 0, NULL, "start_date" },
	{ "payment_method_id", FIELD_ID, 0, 0, 0, 0, NULL, "payment_method_id" },
	{ "autopay", FIELD_BOOL, 0, 0, 0, 0, NULL, "autopay" },
	{ "add_invoice_ids", FIELD_LINE, 0, 0, 0, 0, NULL, "add_invoice_ids" },
	{ "override_reason", FIELD_LINE, 0, 500, 0, 0, NULL, "override_reason" },
};

static const struct field f_plans_q[] = {
	{ "account_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "account_id" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "client_id" },
};

/* saved payment methods (api_methods.c) */
static const char *const consent_scopes[] = { "any_balance", "up_to_amount",
    "payment_plan", NULL };

static const struct field f_method_attach[] = {
	{ "stripe_payment_method_id", FIELD_LINE, FIELD_REQUIRED, 103, 0, 0, NULL,
	    "stripe_payment_method_id" },
	{ "consent_scope", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, consent_scopes,
	    "consent_scope" },
	{ "consent_max_amount_cents", FIELD_INT, 0, 0, 1, MONEY_MAX, NULL,
	    "consent_max_amount_cents" },
	{ "consent_plan_id", FIELD_ID, 0, 0, 0, 0, NULL, "consent_plan_id" },
	{ "consent_text_version", FIELD_LINE, FIELD_REQUIRED, 32, 0, 0, NULL,
	    "consent_text_version" },
	{ "consent_signer_name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL,
	    "consent_signer_name" },
};

static const struct field f_plan_act[] = {
	{ "reason", FIELD_LINE, 0, 500, 0, 0, NULL, "reason" },
};

/* One list drives both the route table and the handler table, so they
 * cannot drift apart. Writes: catalog = admin; profiles and money =
 * admin|billing; front desk keys read only. */
#define ADMIN	ROLE_ADMIN
#define MONEY	ROLES_MONEY
#define READ	ROLES_STAFF
#define API_ROUTES(X) \
	X("GET", "/api/v1/locations", api_locations_list, READ, NOFIELDS) \
	X("POST", "/api/v1/locations", api_location_create, ADMIN, \
	    FIELDS(f_location_create)) \
	X("GET", "/api/v1/locations/:id", api_location_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/locations/:id", api_location_update, ADMIN, \
	    FIELDS(f_location_update)) \
	X("GET", "/api/v1/services", api_services_list, READ, NOFIELDS) \
	X("POST", "/api/v1/services", api_service_create, ADMIN, \
	    FIELDS(f_service_create)) \
	X("GET", "/api/v1/services/:id", api_service_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/services/:id", api_service_update, ADMIN, \
	    FIELDS(f_service_update)) \
	X("GET", "/api/v1/payment-types", api_payment_types_list, READ, NOFIELDS) \
	X("GET", "/api/v1/accounts", api_accounts_list, READ, FIELDS(f_search)) \
	X("POST", "/api/v1/accounts", api_account_create, MONEY, \
	    FIELDS(f_account_create)) \
	X("GET", "/api/v1/accounts/:id", api_account_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/accounts/:id", api_account_update, MONEY, \
	    FIELDS(f_account_update)) \
	X("GET", "/api/v1/accounts/:id/statements", api_statements_list, READ, \
	    FIELDS(f_page)) \
	X("POST", "/api/v1/accounts/:id/statements", api_statement_generate, MONEY, \
	    FIELDS(f_statement_generate)) \
	X("GET", "/api/v1/clients", api_clients_list, READ, FIELDS(f_search)) \
	X("POST", "/api/v1/clients", api_client_create, MONEY, \
	    FIELDS(f_client_create)) \
	X("GET", "/api/v1/clients/:id", api_client_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/clients/:id", api_client_update, MONEY, \
	    FIELDS(f_client_update)) \
	X("GET", "/api/v1/inquiries", api_inquiries_list, READ, FIELDS(f_search)) \
	X("POST", "/api/v1/inquiries", api_inquiry_create, MONEY, \
	    FIELDS(f_client_create)) \
	X("GET", "/api/v1/inquiries/:id", api_inquiry_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/inquiries/:id", api_inquiry_update, MONEY, \
	    FIELDS(f_client_update)) \
	X("POST", "/api/v1/inquiries/:id/convert", api_inquiry_convert, MONEY, \
	    NOFIELDS) \
	X("GET", "/api/v1/invoices", api_invoices_list, READ, FIELDS(f_invoices_q)) \
	X("POST", "/api/v1/invoices", api_invoice_create, MONEY, \
	    FIELDS(f_invoice_create)) \
	X("GET", "/api/v1/invoices/:id", api_invoice_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/invoices/:id", api_invoice_update, MONEY, \
	    FIELDS(f_invoice_update)) \
	X("POST", "/api/v1/invoices/:id/issue", api_invoice_issue, MONEY, NOFIELDS) \
	X("POST", "/api/v1/invoices/:id/void", api_invoice_void, MONEY, \
	    FIELDS(f_invoice_void)) \
	X("POST", "/api/v1/invoices/:id/adjust", api_invoice_adjust, MONEY, \
	    FIELDS(f_invoice_adjust)) \
	X("GET", "/api/v1/payments", api_payments_list, READ, FIELDS(f_payments_q)) \
	X("POST", "/api/v1/payments", api_payment_create, MONEY, \
	    FIELDS(f_payment_create)) \
	X("GET", "/api/v1/payments/:id", api_payment_get, READ, NOFIELDS) \
	X("POST", "/api/v1/payments/:id/allocations", api_allocation_create, MONEY, \
	    FIELDS(f_allocation_create)) \
	X("GET", "/api/v1/ledger", api_ledger_list, READ, FIELDS(f_ledger_q)) \
	X("GET", "/api/v1/statements/:id", api_statement_get, READ, NOFIELDS) \
	X("GET", "/api/v1/ar", api_ar_get, READ, FIELDS(f_ar_q)) \
	API_ESTIMATE_ROUTES(X) \
	X("POST", "/api/v1/payment-plans", api_plan_create, MONEY, \
	    FIELDS(f_plan_create)) \
	X("GET", "/api/v1/payment-plans", api_plans_list, READ, \
	    FIELDS(f_plans_q)) \
	X("GET", "/api/v1/payment-plans/:id", api_plan_get, READ, NOFIELDS) \
	X("PATCH", "/api/v1/payment-plans/:id", api_plan_update, MONEY, \
	    FIELDS(f_plan_update)) \
	X("GET", "/api/v1/accounts/:id/payment-methods", api_methods_list, READ, \
	    NOFIELDS) \
	X("POST", "/api/v1/accounts/:id/payment-methods", api_method_attach, \
	    MONEY, FIELDS(f_method_attach)) \
	X("POST", "/api/v1/payment-plans/:id/pause", api_plan_act, MONEY, \
	    FIELDS(f_plan_act)) \
	X("POST", "/api/v1/payment-plans/:id/resume", api_plan_act, MONEY, \
	    FIELDS(f_plan_act)) \
	X("POST", "/api/v1/payment-plans/:id/cancel", api_plan_act, MONEY, \
	    FIELDS(f_plan_act))

static int	api_entry(struct ctx *);

#define AS_ROUTE(m, p, fn, roles, ...) \
	{ { m, p }, api_entry, roles, API_FLAGS, __VA_ARGS__ },
#define AS_HANDLER(m, p, fn, roles, ...)	fn,

const struct route routes_api[] = { API_ROUTES(AS_ROUTE) };
const size_t nroutes_api = ARRAY_LEN(routes_api);

static const api_fn api_handlers[] = { API_ROUTES(AS_HANDLER) };

/* The dispatcher matched c->route in routes_api: run its handler. */
static int
api_entry(struct ctx *c)
{
	size_t i = (size_t)(c->route - routes_api);

	if (i >= ARRAY_LEN(api_handlers))
		return -1;
	return api_run(c, api_handlers[i]);
}
