/* Invoices: the list, the invoice page (draft or issued) with its actions
 * (issue, void, adjust) and the print view. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "catalog.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

#define HISTORY_ROWS	100

/* --- list ----------------------------------------------------------------- */

static const char *const status_labels[][2] = {
	{ "", "All invoices" }, { "unpaid", "Unpaid (open or partial)" },
	{ "draft", "Drafts" }, { "open", "Open" }, { "partial", "Partially paid" },
	{ "paid", "Paid" }, { "void", "Void" },
};

static void
list_filters(struct ctx *c, const char *status)
{
	for (size_t i = 0; i < ARRAY_LEN(status_labels); i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "statuses");
		if (row == NULL)
			return;
		tmpl_set(row, "value", status_labels[i][0]);
		tmpl_set(row, "label", status_labels[i][1]);
		tmpl_set_bool(row, "selected", strcmp(status, status_labels[i][0]) == 0);
	}
}

/* Names the account/client an invoice list is narrowed to. 0, 1 unknown
 * (answered 404), -1 database. */
static int
list_scope(struct ctx *c, int64_t account_id, int64_t client_id)
{
	struct account a;
	struct client cl;
	int rc;

	if (client_id) {
		rc = client_get(c->app->db, client_id, &cl);
		if (rc == PROF_DB)
			return -1;
		if (rc != PROF_OK)
			return app_error(c, 404, "No such client."), 1;
		tmpl_setf(c->view, "scope_name", "%s %s", cl.first_name, cl.last_name);
		tmpl_setf(c->view, "scope_url", "%s/%" PRId64,
		    strcmp(cl.stage, "inquiry") == 0 ? "/inquiries" : "/clients", cl.id);
	} else if (account_id) {
		rc = account_get(c->app->db, account_id, &a);
		if (rc == PROF_DB)
			return -1;
		if (rc != PROF_OK)
			return app_error(c, 404, "No such account."), 1;
		tmpl_set(c->view, "scope_name", a.name);
		tmpl_setf(c->view, "scope_url", "/accounts/%" PRId64, a.id);
	}
	return 0;
}

int
h_invoices(struct ctx *c)
{
	const char *status = kit_field_s(c, "status");
	struct invoice_filter f = { kit_field_i(c, "account_id", 0),
	    kit_field_i(c, "client_id", 0), kit_field_i(c, "location_id", 0),
	    *status ? status : NULL, staff_profiles_before(c),
	    STAFF_PROFILES_PAGE_SIZE };
	size_t n = 0;
	int more = 0, rc;
	char base[256] = "/invoices", num[24];
	int64_t last = 0;

	if ((rc = list_scope(c, f.account_id, f.client_id)) != 0)
		return rc == 1 ? 0 : -1;
	if (staff_profiles_invoice_rows(c, &f, &n, &more, &last) == -1)
		return -1;
	tmpl_set(c->view, "title", "Invoices");
	tmpl_set_bool(c->view, "nav_invoices", 1);
	list_filters(c, status);
	if (staff_profiles_location_options(c, f.location_id) == -1)
		return -1;
	if (*status)
		staff_profiles_query_add(base, sizeof(base), "status", status);
	if (f.location_id) {
		str_fmt(num, sizeof(num), "%" PRId64, f.location_id);
		staff_profiles_query_add(base, sizeof(base), "location_id",
		    num);
	}
	if (f.client_id) {
		str_fmt(num, sizeof(num), "%" PRId64, f.client_id);
		staff_profiles_query_add(base, sizeof(base), "client_id", num);
		tmpl_set(c->view, "scope_field", "client_id");
		tmpl_set(c->view, "scope_id", num);
	} else if (f.account_id) {
		str_fmt(num, sizeof(num), "%" PRId64, f.account_id);
		staff_profiles_query_add(base, sizeof(base), "account_id", num);
		tmpl_set(c->view, "scope_field", "account_id");
		tmpl_set(c->view, "scope_id", num);
	}
	tmpl_set_bool(c->view, "filtered", *status || f.location_id);
	if (n == 0)
		tmpl_set(c->view, "empty", staff_profiles_before(c) ?
		    "No older invoices." :
		    *status || f.location_id ? "No invoices match these filters." :
		    "No invoices yet. Create one from a client's, inquiry's or "
		    "account's Financial tab with \"New invoice\".");
	staff_profiles_paging(c, base, last, more);
	kit_notice(c);
	return app_render(c, 200, "invoice_list.html");
}

/* --- the invoice page ----------------------------------------------------- */

/* "12.5%" from basis points, "$5.00" from cents, "" for none. */
static void
discount_text(char *out, size_t outsz, enum discount_kind dk, int64_t dv)
{
	char m[MONEY_FMT_MAX];

	out[0] = '\0';
	if (dk == DISC_PERCENT) {
		if (dv % 100 == 0)
			str_fmt(out, outsz, "%" PRId64 "%%", dv / 100);
		else if (dv % 10 == 0)
			str_fmt(out, outsz, "%" PRId64 ".%" PRId64 "%%", dv / 100,
			    (dv % 100) / 10);
		else
			str_fmt(out, outsz, "%" PRId64 ".%02" PRId64 "%%", dv / 100,
			    dv % 100);
	} else if (dk == DISC_FIXED && money_format(dv, m, sizeof(m)) == 0)
		str_copy(out, outsz, m);
}

static int
view_lines(struct ctx *c, const struct invoice *inv)
{
	struct service s;
	char d[40];

	for (size_t i = 0; i < inv->nlines; i++) {
		const struct invoice_line *l = &inv->lines[i];
		struct tmpl_vars *row = tmpl_loop_add(c->view, "lines");
		if (row == NULL)
			break;
		tmpl_set(row, "description", l->description);
		if (l->service_id) {
			int rc = service_get(c->app->db, l->service_id, &s);
			if (rc == CAT_DB)
				return -1;
			if (rc == CAT_OK)
				tmpl_set(row, "service_code", s.code);
		}
		tmpl_set_int(row, "quantity", l->quantity);
		kit_set_money(row, "rate", l->rate);
		kit_set_money(row, "gross", l->gross);
		discount_text(d, sizeof(d), l->dk, l->dv);
		if (d[0]) {
			tmpl_set(row, "discount_text", d);
			if (l->dk == DISC_PERCENT)
				tmpl_set(row, "discount_pct", d);
			kit_set_money(row, "discount", l->discount);
		}
		kit_set_money(row, "net", l->net);
	}
	return 0;
}

static void
view_totals(struct ctx *c, const struct invoice *inv)
{
	struct tmpl_vars *v = c->view;
	const struct calc_invoice *t = &inv->totals;
	char d[40];

	kit_set_money(v, "t_gross", t->gross);
	kit_set_money(v, "t_line_discounts", t->line_discounts);
	tmpl_set_bool(v, "has_line_discounts", t->line_discounts != 0);
	kit_set_money(v, "t_subtotal", t->subtotal);
	discount_text(d, sizeof(d), inv->dk, inv->dv);
	if (inv->dk != DISC_NONE) {
		tmpl_set(v, "t_discount_text", d);
		kit_set_money(v, "t_discount", t->discount);
	}
	kit_set_money(v, "t_lines_total", t->total);
	kit_set_money(v, "total", inv->total);
	kit_set_money(v, "paid", inv->paid);
	tmpl_set_bool(v, "has_paid", inv->paid != 0);
	kit_set_money(v, "open", inv->open);
	/* Issued: the total is the sum of its ledger entries, so it includes
	 * later adjustments and write-offs. */
	if (strcmp(inv->status, "draft") != 0 && inv->total != t->total) {
		kit_set_money(v, "t_adjustments", inv->total - t->total);
		tmpl_set_bool(v, "has_adjustments", 1);
	}
}

static void
view_header(struct ctx *c, const struct invoice *inv)
{
	struct tmpl_vars *v = c->view;
	int64_t due = 0;
	int draft = strcmp(inv->status, "draft") == 0;

	if (draft)
		tmpl_setf(v, "title", "Draft invoice for %s",
		    inv->client_name[0] ? inv->client_name : inv->account_name);
	else
		tmpl_setf(v, "title", "Invoice %s", inv->number);
	tmpl_set_int(v, "id", inv->id);
	tmpl_set(v, "number", inv->number);
	tmpl_set(v, "status", inv->display_status);
	tmpl_set_bool(v, "is_draft", draft);
	tmpl_set_bool(v, "is_void", strcmp(inv->status, "void") == 0);
	tmpl_set_bool(v, "is_issued", strcmp(inv->status, "issued") == 0);
	tmpl_set_bool(v, "has_open", inv->open > 0);
	tmpl_set(v, "invoice_date", inv->invoice_date);
	tmpl_set(v, "due_date", inv->due_date);
	if (inv->open > 0 && date_parse(inv->due_date, &due) == 0 &&
	    due < date_today())
		tmpl_set_bool(v, "overdue", 1);
	tmpl_set(v, "notes", inv->notes ? inv->notes : "");
	tmpl_set(v, "void_reason", inv->void_reason);
	tmpl_set(v, "account_name", inv->account_name);
	tmpl_set_int(v, "account_id", inv->account_id);
	tmpl_set(v, "client_name", inv->client_name);
	tmpl_set_int(v, "client_id", inv->client_id);
	tmpl_set(v, "location_name", inv->location_name);
	tmpl_set(v, "payment_type_name", inv->payment_type_name);
	if (inv->issued_at) {
		char d[32];
		if (clock_fmt_date(inv->issued_at, d, sizeof(d)) == 0)
			tmpl_set(v, "issued_on", d);
	}
	tmpl_set_bool(v, "nav_invoices", 1);
}

static int
view_client_url(struct ctx *c, const struct invoice *inv)
{
	struct client cl;
	int rc;

	if (inv->client_id == 0)
		return 0;
	rc = client_get(c->app->db, inv->client_id, &cl);
	if (rc == PROF_DB)
		return -1;
	tmpl_setf(c->view, "client_url", "%s/%" PRId64, rc == PROF_OK &&
	    strcmp(cl.stage, "inquiry") == 0 ? "/inquiries" : "/clients",
	    inv->client_id);
	return 0;
}

/* Payments applied and the ledger entries of an issued invoice. */
static int
view_history(struct ctx *c, const struct invoice *inv)
{
	struct ledger_filter lf = { 0, 0, inv->id, NULL, NULL, 0, HISTORY_ROWS };
	struct ledger_entry *es = NULL;
	struct allocation *as = NULL;
	size_t n = 0;
	int more = 0;
	char d[32];

	if (allocation_list(c->app->db, 0, inv->id, &as, &n) != PAY_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "allocations");
		if (row == NULL)
			break;
		tmpl_set_int(row, "payment_id", as[i].payment_id);
		kit_set_money(row, "amount", as[i].amount);
		tmpl_set_bool(row, "is_release", as[i].amount < 0);
		if (clock_fmt_date(as[i].created_at, d, sizeof(d)) == -1)
			d[0] = '\0';
		tmpl_set(row, "date", d);
	}
	free(as);
	if (ledger_list(c->app->db, &lf, &es, &n, &more) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "entries");
		if (row == NULL)
			break;
		tmpl_set(row, "date", es[i].entry_date);
		tmpl_set(row, "kind", kit_entry_kind_label(es[i].kind));
		tmpl_set(row, "memo", es[i].memo);
		kit_set_money(row, "amount", es[i].amount);
		tmpl_set_bool(row, "is_reversal", es[i].reverses_id != 0);
	}
	free(es);
	return 0;
}

/* Renders the invoice page; status/error for a failed action on it. */
static int
invoice_page(struct ctx *c, int64_t id, int status, const char *error)
{
	struct invoice inv;
	int rc;

	if ((rc = kit_invoice_or_404(c, id, &inv)) != 0)
		return rc == 1 ? 0 : -1;
	view_header(c, &inv);
	view_totals(c, &inv);
	tmpl_set_bool(c->view, "can_adjust", strcmp(inv.status, "issued") == 0);
	tmpl_set_bool(c->view, "has_lines", inv.nlines > 0);
	if (inv.client_id)
		tmpl_setf(c->view, "record_payment_url", "/accounts/%" PRId64
		    "/payments/new?client_id=%" PRId64, inv.account_id, inv.client_id);
	else
		tmpl_setf(c->view, "record_payment_url", "/accounts/%" PRId64
		    "/payments/new", inv.account_id);
	if (error != NULL)
		tmpl_set(c->view, "error", error);
	kit_notice(c);
	rc = view_lines(c, &inv);
	if (rc == 0)
		rc = view_client_url(c, &inv);
	if (rc == 0 && strcmp(inv.status, "draft") != 0)
		rc = view_history(c, &inv);
	invoice_free(&inv);
	if (rc == -1)
		return -1;
	return app_render(c, status, "invoice_show.html");
}

int
h_invoice_show(struct ctx *c)
{
	int64_t id;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such invoice.");
	return invoice_page(c, id, 200, NULL);
}

static int
redirect_notice(struct ctx *c, int64_t id, const char *notice)
{
	char url[96];

	str_fmt(url, sizeof(url), "/invoices/%" PRId64 "?notice=%s", id, notice);
	http_redirect(&c->resp, 303, url);
	return 0;
}

static const char msg_empty[] = "An invoice needs at least one line before "
    "it can be issued. Edit the draft and add a service.";

/* Asks before issuing: issuing numbers the invoice and charges the lines,
 * and cannot be undone except by a void. */
static int
issue_confirm_page(struct ctx *c, int64_t id)
{
	struct invoice inv;
	int rc = invoice_get(c->app->db, id, &inv);

	if (rc == INV_DB)
		return -1;
	if (rc != INV_OK)
		return app_error(c, 404, "No such invoice.");
	if (strcmp(inv.status, "draft") != 0) {
		/* Issued meanwhile (another tab): show it as it is. */
		char url[64];
		invoice_free(&inv);
		str_fmt(url, sizeof(url), "/invoices/%" PRId64, id);
		http_redirect(&c->resp, 303, url);
		return 0;
	}
	if (inv.nlines == 0) {
		invoice_free(&inv);
		return invoice_page(c, id, 422, msg_empty);
	}
	view_header(c, &inv);
	view_totals(c, &inv);
	tmpl_set_int(c->view, "nlines", (int64_t)inv.nlines);
	tmpl_set(c->view, "title", "Issue invoice");
	invoice_free(&inv);
	return app_render(c, 200, "invoice_issue.html");
}

int
h_invoice_issue(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such invoice.");
	if (!kit_field_i(c, "confirm", 0))
		return issue_confirm_page(c, id);
	rc = invoice_issue(c->app->db, &a, id);
	switch (rc) {
	case INV_OK:
		return redirect_notice(c, id, "issued");
	case INV_NOT_FOUND:
		return app_error(c, 404, "No such invoice.");
	case INV_EMPTY:
		return invoice_page(c, id, 422, msg_empty);
	case INV_NOT_DRAFT:
		return invoice_page(c, id, 409, "This invoice has already been "
		    "issued or voided.");
	case INV_INVALID:
		return invoice_page(c, id, 422, "The invoice could not be issued: "
		    "check its lines, dates and discounts.");
	default:
		return -1;
	}
}

int
h_invoice_void(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such invoice.");
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set_bool(c->view, "open_void", 1);
		return invoice_page(c, id, 422, "Enter a reason to void the invoice.");
	}
	rc = invoice_void(c->app->db, &a, id, kit_field_s(c, "reason"));
	switch (rc) {
	case INV_OK:
		return redirect_notice(c, id, "voided");
	case INV_NOT_FOUND:
		return app_error(c, 404, "No such invoice.");
	case INV_ALREADY_VOID:
		return invoice_page(c, id, 409, "This invoice is already void.");
	case INV_NOT_ISSUED:
	case INV_NOT_DRAFT:
		return invoice_page(c, id, 409, "Only issued invoices can be voided. "
		    "A draft was never charged: just leave it or edit it.");
	default:
		return -1;
	}
}

int
h_invoice_adjust(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	int64_t id, amount = kit_field_i(c, "amount", 0);
	int writeoff = (int)kit_field_i(c, "writeoff", 0);
	char msg[256] = "";
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such invoice.");
	kit_form_echo(c);
	app_view_errors(c);
	tmpl_set_bool(c->view, "open_adjust", 1);
	if (c->fs.nerr > 0)
		return invoice_page(c, id, 422, "The adjustment was not recorded. "
		    "Please correct the fields below.");
	if (amount == 0) {
		kit_form_error(c, "amount", "Amount cannot be zero.");
		return invoice_page(c, id, 422, "The adjustment was not recorded.");
	}
	if (writeoff && amount < 0) {
		kit_form_error(c, "amount", "A write-off is a positive amount: "
		    "it reduces what is owed.");
		return invoice_page(c, id, 422, "The write-off was not recorded.");
	}
	rc = invoice_adjust(c->app->db, &a, id, writeoff, amount,
	    kit_field_s(c, "memo"), msg, sizeof(msg));
	switch (rc) {
	case INV_OK:
		return redirect_notice(c, id, "adjusted");
	case INV_NOT_FOUND:
		return app_error(c, 404, "No such invoice.");
	case INV_INVALID:
		kit_form_error(c, "amount", msg[0] ? msg :
		    "This amount is not allowed.");
		return invoice_page(c, id, 422, msg[0] ? msg :
		    "The adjustment was not recorded.");
	case INV_NOT_ISSUED:
	case INV_ALREADY_VOID:
	case INV_NOT_DRAFT:
		return invoice_page(c, id, 409, "Only issued invoices that are not "
		    "void can be adjusted.");
	default:
		return -1;
	}
}

/* --- print ---------------------------------------------------------------- */

static int
print_parties(struct ctx *c, const struct invoice *inv)
{
	struct account a;
	struct location l;
	char line[256];
	int rc;

	rc = account_get(c->app->db, inv->account_id, &a);
	if (rc == PROF_DB)
		return -1;
	if (rc == PROF_OK) {
		tmpl_set(c->view, "bill_email", a.email);
		tmpl_set(c->view, "bill_address1", a.address1);
		tmpl_set(c->view, "bill_address2", a.address2);
		tmpl_set(c->view, "bill_address3", staff_profiles_city_line(line,
		    sizeof(line), &a));
	}
	if (inv->location_id) {
		rc = location_get(c->app->db, inv->location_id, &l);
		if (rc == CAT_DB)
			return -1;
		if (rc == CAT_OK)
			tmpl_set(c->view, "from_address", l.address);
	}
	return 0;
}

int
h_invoice_print(struct ctx *c)
{
	struct invoice inv;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such invoice.");
	if ((rc = kit_invoice_or_404(c, id, &inv)) != 0)
		return rc == 1 ? 0 : -1;
	view_header(c, &inv);
	view_totals(c, &inv);
	rc = view_lines(c, &inv);
	if (rc == 0)
		rc = print_parties(c, &inv);
	invoice_free(&inv);
	if (rc == -1)
		return -1;
	return app_render(c, 200, "invoice_print.html");
}
