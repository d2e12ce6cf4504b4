/* Staff money area: the route table with its field tables, and the view
 * helpers the handlers in staff_money_*.c share. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "catalog.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "profiles.h"
#include "routes.h"
#include "staff_money.h"
#include "str.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

static const char *const alloc_modes[] = { "auto", "choose", NULL };
static const char *const pay_notices[] = { "recorded", "allocated",
    /* card/ACH results (staff_stripe_pay.c) */
    "paid", "paid_saved", "failed", "processing", "pending", "checking",
    "refunded", "refund_pending", "emailed", NULL };
static const char *const stmt_notices[] = { "generated", NULL };

static const struct field f_payment_page[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
};

/* One invoice row of the "Choose invoices" allocation. */
#define ALLOC_ROW(n) \
	{ "alloc" #n "_invoice_id", FIELD_ID, 0, 0, 0, 0, NULL, "Invoice" }, \
	{ "alloc" #n "_amount", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, \
	    "Amount to apply" }

static const struct field f_payment_create[] = {
	/* cash | check | terminal | other, or (staff_stripe_pay.c) card | ach |
	 * saved-<id>; checked by the handler */
	{ "method", FIELD_LINE, FIELD_REQUIRED, 32, 0, 0, NULL, "Method" },
	{ "amount", FIELD_MONEY, FIELD_REQUIRED, 0, 1, MONEY_MAX, NULL, "Amount" },
	{ "received_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Received date" },
	{ "reference", FIELD_LINE, 0, 100, 0, 0, NULL, "Reference" },
	{ "memo", FIELD_TEXT, 0, 500, 0, 0, NULL, "Memo" },
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "allocation", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, alloc_modes,
	    "Allocation" },
	ALLOC_ROW(1), ALLOC_ROW(2), ALLOC_ROW(3), ALLOC_ROW(4), ALLOC_ROW(5),
	ALLOC_ROW(6), ALLOC_ROW(7), ALLOC_ROW(8), ALLOC_ROW(9), ALLOC_ROW(10),
	ALLOC_ROW(11), ALLOC_ROW(12), ALLOC_ROW(13), ALLOC_ROW(14), ALLOC_ROW(15),
	ALLOC_ROW(16), ALLOC_ROW(17), ALLOC_ROW(18), ALLOC_ROW(19), ALLOC_ROW(20),
	ALLOC_ROW(21), ALLOC_ROW(22), ALLOC_ROW(23), ALLOC_ROW(24), ALLOC_ROW(25),
	ALLOC_ROW(26), ALLOC_ROW(27), ALLOC_ROW(28), ALLOC_ROW(29), ALLOC_ROW(30),
	/* card/ACH payments (staff_stripe_pay.c) */
	{ "attempt_key", FIELD_TOKEN, 0, 64, 0, 0, NULL, "Attempt key" },
	{ "save_method", FIELD_BOOL, 0, 0, 0, 0, NULL, "Save for future payments" },
	{ "consent_signer", FIELD_LINE, 0, 200, 0, 0, NULL, "Signer name" },
	{ "consent_agree", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
};

static const struct field f_payment_show[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, pay_notices, "Notice" },
	{ "print", FIELD_BOOL, 0, 0, 0, 0, NULL, "Print" },
};

static const struct field f_payment_allocate[] = {
	{ "invoice_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "Invoice" },
	{ "amount", FIELD_MONEY, FIELD_REQUIRED, 0, 1, MONEY_MAX, NULL, "Amount" },
};

static const struct field f_statement_new[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "from", FIELD_DATE, 0, 0, 0, 0, NULL, "From" },
	{ "to", FIELD_DATE, 0, 0, 0, 0, NULL, "To" },
};

static const struct field f_statement_create[] = {
	{ "client_id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "from", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "From" },
	{ "to", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "To" },
};

static const struct field f_statement_show[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, stmt_notices, "Notice" },
};

static const struct field f_statements[] = {
	{ "before", FIELD_ID, 0, 0, 0, 0, NULL, "Before" },
};

static const struct field f_batch_create[] = {
	{ "from", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "From" },
	{ "to", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, "To" },
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "Location" },
	{ "min_balance", FIELD_MONEY, 0, 0, 1, MONEY_MAX, NULL,
	    "Minimum balance" },
	{ "email", FIELD_BOOL, 0, 0, 0, 0, NULL, "Email each statement" },
};

static const struct field f_ar[] = {
	{ "location_id", FIELD_ID, 0, 0, 0, 0, NULL, "Location" },
};

static const struct field f_audit[] = {
	{ "before", FIELD_ID, 0, 0, 0, 0, NULL, "Before" },
};

const struct route routes_money[] = {
	{ { "GET", "/accounts/:id/payments/new" }, h_payment_new, ROLES_STAFF,
	    0, FIELDS(f_payment_page) },
	{ { "POST", "/accounts/:id/payments/new" }, h_payment_create,
	    ROLES_MONEY, R_FORM, FIELDS(f_payment_create) },
	{ { "GET", "/payments/:id" }, h_payment_show, ROLES_STAFF, 0,
	    FIELDS(f_payment_show) },
	{ { "POST", "/payments/:id/allocate" }, h_payment_allocate, ROLES_MONEY,
	    R_FORM, FIELDS(f_payment_allocate) },
	{ { "POST", "/accounts/:id/apply-credit" }, h_account_apply_credit,
	    ROLES_MONEY, 0, NOFIELDS },
	{ { "GET", "/accounts/:id/statements/new" }, h_statement_new,
	    ROLES_STAFF, R_FORM, FIELDS(f_statement_new) },
	{ { "POST", "/accounts/:id/statements" }, h_statement_create,
	    ROLES_MONEY, R_FORM, FIELDS(f_statement_create) },
	{ { "GET", "/statements" }, h_statements, ROLES_STAFF, 0,
	    FIELDS(f_statements) },
	{ { "POST", "/statements/batches" }, h_statement_batch_create,
	    ROLES_MONEY, R_FORM, FIELDS(f_batch_create) },
	{ { "GET", "/statements/batches/:id" }, h_statement_batch_show,
	    ROLES_STAFF, 0, FIELDS(f_statements) },
	{ { "GET", "/statements/:id" }, h_statement_show, ROLES_STAFF, 0,
	    FIELDS(f_statement_show) },
	{ { "GET", "/statements/:id/print" }, h_statement_print, ROLES_STAFF, 0,
	    NOFIELDS },
	{ { "GET", "/ar" }, h_ar, ROLES_STAFF, 0, FIELDS(f_ar) },
	{ { "GET", "/accounts/:id/audit" }, h_account_audit, ROLES_STAFF, 0,
	    FIELDS(f_audit) },
	{ { "GET", "/clients/:id/audit" }, h_client_audit, ROLES_STAFF, 0,
	    FIELDS(f_audit) },
	{ { "GET", "/invoices/:id/audit" }, h_invoice_audit, ROLES_STAFF, 0,
	    FIELDS(f_audit) },
};
const size_t nroutes_money = ARRAY_LEN(routes_money);

/* --- helpers ------------------------------------------------------------ */

void
staff_money_prev_month_start(char out[11])
{
	char today[11];
	int64_t y, m;
	char ys[5], ms[3];

	kit_date_from_today(today, sizeof(today), 0);
	memcpy(ys, today, 4);
	ys[4] = '\0';
	memcpy(ms, today + 5, 2);
	ms[2] = '\0';
	if (str_to_i64(ys, 1, 9999, &y) == -1 ||
	    str_to_i64(ms, 1, 12, &m) == -1) {
		str_copy(out, 11, today);
		return;
	}
	if (--m == 0) {
		m = 12;
		y--;
	}
	if (str_fmt(out, 11, "%04" PRId64 "-%02" PRId64 "-01", y, m) == -1)
		str_copy(out, 11, today);
}

int
staff_money_view_locations(struct ctx *c, int64_t selected)
{
	struct location *ls = NULL;
	size_t n = 0;

	if (location_list(c->app->db, 0, &ls, &n) != CAT_OK)
		return -1;
	staff_money_view_location_rows(c, ls, n, selected);
	free(ls);
	return 0;
}

void
staff_money_view_location_rows(struct ctx *c, const struct location *ls,
    size_t n, int64_t selected)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "locations");
		if (row == NULL)
			break;
		tmpl_set_int(row, "location_id", ls[i].id);
		tmpl_set(row, "location_name", ls[i].name);
		tmpl_set_bool(row, "location_selected", ls[i].id == selected);
		tmpl_set_bool(row, "location_inactive", !ls[i].active);
		if (ls[i].id == selected)
			tmpl_set(c->view, "location_name", ls[i].name);
	}
}

int
staff_money_view_account_clients(struct ctx *c, int64_t account_id,
    int64_t selected)
{
	struct client *cs = NULL;
	size_t n = 0;
	char name[210];

	if (account_clients(c->app->db, account_id, &cs, &n) != PROF_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "clients");
		if (row == NULL)
			break;
		str_fmt(name, sizeof(name), "%s %s", cs[i].first_name,
		    cs[i].last_name);
		tmpl_set_int(row, "client_id", cs[i].id);
		tmpl_set(row, "client_name", name);
		tmpl_set_bool(row, "client_inquiry", strcmp(cs[i].stage,
		    "inquiry") == 0);
		tmpl_set_bool(row, "client_selected", cs[i].id == selected);
		if (cs[i].id == selected)
			tmpl_set(c->view, "client_name", name);
	}
	free(cs);
	return 0;
}

void
staff_money_invoices_free(struct invoice *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		invoice_free(&v[i]);
	free(v);
}

static int
cmp_due(const void *a, const void *b)
{
	const struct invoice *x = a, *y = b;
	int d = strcmp(x->due_date, y->due_date);

	if (d != 0)
		return d;
	return (x->id > y->id) - (x->id < y->id);
}

/* Appends inv to the growable array (taking ownership); -1 on ENOMEM. */
static int
invoices_push(struct invoice **all, size_t *n, size_t *cap,
    const struct invoice *inv)
{
	struct invoice *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		if ((p = realloc(*all, ncap * sizeof(*p))) == NULL)
			return -1;
		*all = p;
		*cap = ncap;
	}
	(*all)[(*n)++] = *inv;
	return 0;
}

/* Pages through invoices of one display status, appending those with an
 * open amount to *all. At most 10 pages of 200: an account with more open
 * invoices than that is shown its newest 2,000. */
static int
collect_status(struct ctx *c, int64_t account_id, const char *status,
    struct invoice **all, size_t *nall, size_t *cap)
{
	struct invoice_filter f = { account_id, 0, 0, status, 0, 200 };
	struct invoice *page;
	size_t n, i;
	int more = 1, rc = 0;

	for (int pages = 0; more && pages < 10 && rc == 0; pages++) {
		if (invoice_list(c->app->db, &f, &page, &n, &more) != INV_OK)
			return -1;
		for (i = 0; i < n; i++) {
			f.before_id = page[i].id;
			if (rc == 0 && page[i].open > 0 &&
			    invoices_push(all, nall, cap, &page[i]) == 0)
				continue;	/* owned by *all now */
			if (page[i].open > 0)
				rc = -1;
			invoice_free(&page[i]);
		}
		free(page);
		if (n == 0)
			break;
	}
	return rc;
}

int
staff_money_open_invoices(struct ctx *c, int64_t account_id, size_t max,
    struct invoice **out, size_t *n, int *more)
{
	static const char *const open_states[] = { "open", "partial" };
	struct invoice *all = NULL;
	size_t cap = 0, nall = 0;

	*out = NULL;
	*n = 0;
	*more = 0;
	for (size_t s = 0; s < ARRAY_LEN(open_states); s++) {
		if (collect_status(c, account_id, open_states[s], &all, &nall,
		    &cap) == -1) {
			staff_money_invoices_free(all, nall);
			return -1;
		}
	}
	if (nall > 0)
		qsort(all, nall, sizeof(*all), cmp_due);
	if (nall > max) {
		for (size_t i = max; i < nall; i++)
			invoice_free(&all[i]);
		nall = max;
		*more = 1;
	}
	*out = all;
	*n = nall;
	return 0;
}
