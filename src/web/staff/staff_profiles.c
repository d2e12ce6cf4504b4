/* Staff UI for profiles (inquiries, clients, accounts) with their Financial
 * tab, invoices and the catalog: the route table and the field tables.
 * Handlers live in staff_profiles_*.c (see staff_profiles.h). */
#include "common.h"

#include "app.h"
#include "calc.h"
#include "money.h"
#include "routes.h"
#include "staff_profiles.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

/* Redirect notices shown once after a successful POST. */
static const char *const notices[] = { "created", "saved", "converted",
    "issued", "voided", "adjusted", "credit_applied", NULL };
static const char *const discount_kinds[] = { "none", "percent", "fixed", NULL };
static const char *const invoice_statuses[] = { "draft", "open", "partial",
    "paid", "void", "unpaid", NULL };

#define F_NOTICE	{ "notice", FIELD_ENUM, 0, 0, 0, 0, notices, "Notice" }
#define F_PAGING \
	{ "before", FIELD_ID, 0, 0, 0, 0, NULL, "Page" }, \
	{ "back", FIELD_LINE, 0, 400, 0, 0, NULL, "Page history" }

static const struct field f_notice[] = { F_NOTICE };

static const struct field f_list[] = {
	{ "q", FIELD_LINE, 0, 100, 0, 0, NULL, "Search" },
	F_PAGING,
	F_NOTICE,
};

static const struct field f_client_new_page[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "Account" },
};

#define F_CLIENT \
	{ "first_name", FIELD_LINE, FIELD_REQUIRED, 100, 0, 0, NULL, "First name" }, \
	{ "last_name", FIELD_LINE, FIELD_REQUIRED, 100, 0, 0, NULL, "Last name" }, \
	{ "birth_date", FIELD_DATE, 0, 0, 0, 0, NULL, "Date of birth" }, \
	{ "email", FIELD_EMAIL, 0, 0, 0, 0, NULL, "Email" }, \
	{ "phone", FIELD_LINE, 0, 40, 0, 0, NULL, "Phone" }, \
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "Location" }

static const struct field f_client_create[] = {
	F_CLIENT,
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "Account" },
};

static const struct field f_client_update[] = { F_CLIENT };

static const char *const account_languages[] = { "en", "es", NULL };

static const struct field f_account[] = {
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Name" },
	{ "email", FIELD_EMAIL, 0, 0, 0, 0, NULL, "Email" },
	{ "phone", FIELD_LINE, 0, 40, 0, 0, NULL, "Phone" },
	{ "address1", FIELD_LINE, 0, 200, 0, 0, NULL, "Address" },
	{ "address2", FIELD_LINE, 0, 200, 0, 0, NULL, "Address line 2" },
	{ "city", FIELD_LINE, 0, 100, 0, 0, NULL, "City" },
	{ "region", FIELD_LINE, 0, 100, 0, 0, NULL, "State" },
	{ "postal_code", FIELD_LINE, 0, 20, 0, 0, NULL, "ZIP code" },
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "Location" },
	{ "language", FIELD_ENUM, 0, 0, 0, 0, account_languages, "Language" },
};

static const struct field f_invoice_list[] = {
	{ "status", FIELD_ENUM, 0, 0, 0, 0, invoice_statuses, "Status" },
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "Location" },
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "Account" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	F_PAGING,
	F_NOTICE,
};

static const struct field f_invoice_new_page[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "Account" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
};

/* Arrays are not supported by field tables: numbered line fields. */
#define F_LINE(n) \
	{ "line" #n "_service_id", FIELD_ID, 0, 0, 0, 0, NULL, \
	    "Line " #n " service" }, \
	{ "line" #n "_description", FIELD_LINE, 0, 500, 0, 0, NULL, \
	    "Line " #n " description" }, \
	{ "line" #n "_quantity", FIELD_INT, 0, 0, 1, CALC_MAX_QUANTITY, NULL, \
	    "Line " #n " quantity" }, \
	{ "line" #n "_rate", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, \
	    "Line " #n " rate" }, \
	{ "line" #n "_discount_kind", FIELD_ENUM, 0, 0, 0, 0, discount_kinds, \
	    "Line " #n " discount type" }, \
	{ "line" #n "_discount_value", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, \
	    "Line " #n " discount" }

static const struct field f_invoice[] = {
	{ "account_id", FIELD_ID, 0, 0, 0, 0, NULL, "Account" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "Location" },
	{ "payment_type_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Payment type" },
	{ "invoice_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Invoice date" },
	{ "due_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "Due date" },
	{ "notes", FIELD_TEXT, 0, 2000, 0, 0, NULL, "Notes" },
	{ "discount_kind", FIELD_ENUM, 0, 0, 0, 0, discount_kinds,
	    "Invoice discount type" },
	{ "discount_value", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL,
	    "Invoice discount" },
	{ "rows", FIELD_INT, 0, 0, 1, STAFF_PROFILES_INVOICE_LINES, NULL,
	    "Rows" },
	{ "add_lines", FIELD_BOOL, 0, 0, 0, 0, NULL, "Add lines" },
	F_LINE(1), F_LINE(2), F_LINE(3), F_LINE(4), F_LINE(5),
	F_LINE(6), F_LINE(7), F_LINE(8), F_LINE(9), F_LINE(10),
	F_LINE(11), F_LINE(12), F_LINE(13), F_LINE(14), F_LINE(15),
	F_LINE(16), F_LINE(17), F_LINE(18), F_LINE(19), F_LINE(20),
};

static const struct field f_invoice_issue[] = {
	{ "confirm", FIELD_BOOL, 0, 0, 0, 0, NULL, "Confirm" },
};

static const struct field f_invoice_void[] = {
	{ "reason", FIELD_LINE, FIELD_REQUIRED, 500, 0, 0, NULL, "Reason" },
};

static const struct field f_invoice_adjust[] = {
	{ "amount", FIELD_MONEY, FIELD_REQUIRED, 0, -MONEY_MAX, MONEY_MAX, NULL,
	    "Amount" },
	{ "memo", FIELD_LINE, FIELD_REQUIRED, 500, 0, 0, NULL, "Memo" },
	{ "writeoff", FIELD_BOOL, 0, 0, 0, 0, NULL, "Write-off" },
};

static const struct field f_location[] = {
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Name" },
	{ "address", FIELD_LINE, 0, 500, 0, 0, NULL, "Address" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "Active" },
};

static const struct field f_service[] = {
	{ "code", FIELD_LINE, FIELD_REQUIRED, 32, 0, 0, NULL, "Code" },
	{ "name", FIELD_LINE, FIELD_REQUIRED, 200, 0, 0, NULL, "Name" },
	{ "default_rate", FIELD_MONEY, FIELD_REQUIRED, 0, 0, MONEY_MAX, NULL,
	    "Default rate" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "Active" },
};

static const struct field f_payment_type[] = {
	{ "code", FIELD_LINE, FIELD_REQUIRED, 32, 0, 0, NULL, "Code" },
	{ "name", FIELD_LINE, FIELD_REQUIRED, 100, 0, 0, NULL, "Name" },
	{ "sort", FIELD_INT, 0, 0, 0, 100000, NULL, "Sort order" },
	{ "active", FIELD_BOOL, 0, 0, 0, 0, NULL, "Active" },
};

/* Literal paths come before ":id" ones (first match wins). Viewing is open
 * to all staff; the pages that change profiles or invoices (forms
 * included) need a money role; the catalog needs an admin. */
const struct route routes_profiles[] = {
	{ { "GET", "/inquiries" }, h_inquiries, ROLES_STAFF, 0, FIELDS(f_list) },
	{ { "GET", "/inquiries/new" }, h_inquiry_new, ROLES_MONEY, 0,
	    FIELDS(f_client_new_page) },
	{ { "POST", "/inquiries/new" }, h_inquiry_create, ROLES_MONEY, R_FORM,
	    FIELDS(f_client_create) },
	{ { "GET", "/inquiries/:id" }, h_inquiry_show, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/inquiries/:id/convert" }, h_inquiry_convert, ROLES_MONEY, 0,
	    NOFIELDS },

	{ { "GET", "/clients" }, h_clients, ROLES_STAFF, 0, FIELDS(f_list) },
	{ { "GET", "/clients/new" }, h_client_new, ROLES_MONEY, 0,
	    FIELDS(f_client_new_page) },
	{ { "POST", "/clients/new" }, h_client_create, ROLES_MONEY, R_FORM,
	    FIELDS(f_client_create) },
	{ { "GET", "/clients/:id" }, h_client_show, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "GET", "/clients/:id/edit" }, h_client_edit, ROLES_MONEY, 0, NOFIELDS },
	{ { "POST", "/clients/:id/edit" }, h_client_update, ROLES_MONEY, R_FORM,
	    FIELDS(f_client_update) },

	{ { "GET", "/accounts" }, h_accounts, ROLES_STAFF, 0, FIELDS(f_list) },
	{ { "GET", "/accounts/new" }, h_account_new, ROLES_MONEY, 0, NOFIELDS },
	{ { "POST", "/accounts/new" }, h_account_create, ROLES_MONEY, R_FORM,
	    FIELDS(f_account) },
	{ { "GET", "/accounts/:id" }, h_account_show, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "GET", "/accounts/:id/edit" }, h_account_edit, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/accounts/:id/edit" }, h_account_update, ROLES_MONEY, R_FORM,
	    FIELDS(f_account) },

	{ { "GET", "/invoices" }, h_invoices, ROLES_STAFF, 0,
	    FIELDS(f_invoice_list) },
	{ { "GET", "/invoices/new" }, h_invoice_new, ROLES_MONEY, 0,
	    FIELDS(f_invoice_new_page) },
	{ { "POST", "/invoices/new" }, h_invoice_create, ROLES_MONEY, R_FORM,
	    FIELDS(f_invoice) },
	{ { "GET", "/invoices/:id" }, h_invoice_show, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "GET", "/invoices/:id/edit" }, h_invoice_edit, ROLES_MONEY, 0,
	    NOFIELDS },
	{ { "POST", "/invoices/:id/edit" }, h_invoice_update, ROLES_MONEY, R_FORM,
	    FIELDS(f_invoice) },
	{ { "POST", "/invoices/:id/issue" }, h_invoice_issue, ROLES_MONEY, 0,
	    FIELDS(f_invoice_issue) },
	{ { "POST", "/invoices/:id/void" }, h_invoice_void, ROLES_MONEY, R_FORM,
	    FIELDS(f_invoice_void) },
	{ { "POST", "/invoices/:id/adjust" }, h_invoice_adjust, ROLES_MONEY, R_FORM,
	    FIELDS(f_invoice_adjust) },
	{ { "GET", "/invoices/:id/print" }, h_invoice_print, ROLES_STAFF, 0,
	    NOFIELDS },

	{ { "GET", "/admin/locations" }, h_locations, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/admin/locations" }, h_location_create, ROLE_ADMIN, R_FORM,
	    FIELDS(f_location) },
	{ { "POST", "/admin/locations/:id" }, h_location_update, ROLE_ADMIN, R_FORM,
	    FIELDS(f_location) },
	{ { "GET", "/admin/services" }, h_services, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/admin/services" }, h_service_create, ROLE_ADMIN, R_FORM,
	    FIELDS(f_service) },
	{ { "POST", "/admin/services/:id" }, h_service_update, ROLE_ADMIN, R_FORM,
	    FIELDS(f_service) },
	{ { "GET", "/admin/payment-types" }, h_payment_types, ROLES_STAFF, 0,
	    FIELDS(f_notice) },
	{ { "POST", "/admin/payment-types" }, h_payment_type_create, ROLE_ADMIN,
	    R_FORM, FIELDS(f_payment_type) },
	{ { "POST", "/admin/payment-types/:id" }, h_payment_type_update,
	    ROLE_ADMIN, R_FORM, FIELDS(f_payment_type) },
};
const size_t nroutes_profiles = ARRAY_LEN(routes_profiles);
