/* Profile pages of inquiries, clients and accounts with their Financial
 * tab: balance summary, invoices, payments and statements. */
#include "common.h"

#include "account_page.h"
#include "app.h"
#include "catalog.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "ledger.h"
#include "payment.h"
#include "profiles.h"
#include "staff_estimates.h"
#include "staff_plans.h"
#include "staff_profiles.h"
#include "staff_stripe.h"
#include "statement.h"
#include "str.h"
#include "tmpl.h"

#define FIN_ROWS	25	/* rows per table on the tab; the rest via lists */

static void
fin_summary(struct ctx *c, const struct balance *b, int64_t credit)
{
	struct tmpl_vars *v = c->view;

	/* Charged net of discounts, so the cards add up:
	 * charged + adjusted - paid + refunded = net balance. */
	kit_set_money(v, "bal_charged", b->charged - b->discounts);
	kit_set_money(v, "bal_gross", b->charged);
	kit_set_money(v, "bal_discounts", b->discounts);
	tmpl_set_bool(v, "has_discounts", b->discounts != 0);
	kit_set_money(v, "bal_paid", b->paid);
	kit_set_money(v, "bal_refunded", b->refunded);
	tmpl_set_bool(v, "has_refunds", b->refunded != 0);
	kit_set_money(v, "bal_adjusted", b->adjusted);
	kit_set_money(v, "bal_due", b->open);
	tmpl_set_bool(v, "has_due", b->open > 0);
	kit_set_money(v, "bal_credit", credit);
	tmpl_set_bool(v, "has_credit", credit > 0);
	kit_set_money(v, "bal_net", b->balance);
}

/* One invoices-table row. */
static void
invoice_row(struct tmpl_vars *row, const struct invoice *inv)
{
	int64_t today = date_today(), due = 0;

	tmpl_set_int(row, "id", inv->id);
	tmpl_set(row, "number", inv->number);
	tmpl_set_bool(row, "is_draft", strcmp(inv->status, "draft") == 0);
	tmpl_set(row, "invoice_date", inv->invoice_date);
	tmpl_set(row, "due_date", inv->due_date);
	kit_set_money(row, "total", inv->total);
	kit_set_money(row, "paid", inv->paid);
	kit_set_money(row, "open", inv->open);
	tmpl_set(row, "status", inv->display_status);
	tmpl_set(row, "account_name", inv->account_name);
	tmpl_set_int(row, "account_id", inv->account_id);
	tmpl_set(row, "client_name", inv->client_name);
	tmpl_set_int(row, "client_id", inv->client_id);
	tmpl_set(row, "location_name", inv->location_name);
	if (inv->open > 0 && date_parse(inv->due_date, &due) == 0 && due < today)
		tmpl_set_bool(row, "overdue", 1);
}

static void
invoice_rows_add(struct ctx *c, const struct invoice *is, size_t n,
    int64_t *last)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "invoices");
		if (row)
			invoice_row(row, &is[i]);
		*last = is[i].id;
	}
}

int
staff_profiles_invoice_rows(struct ctx *c, const struct invoice_filter *f,
    size_t *n, int *more, int64_t *last)
{
	struct invoice *is = NULL;

	*n = 0;
	*more = 0;
	if (invoice_list(c->app->db, f, &is, n, more) != INV_OK)
		return -1;
	invoice_rows_add(c, is, *n, last);
	for (size_t i = 0; i < *n; i++)
		invoice_free(&is[i]);
	free(is);
	return 0;
}

/* l: the account page's lists, read already (NULL: read them here). */
static int
fin_invoices(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct account_lists *l)
{
	struct invoice_filter f = { account_id, client_id, 0, NULL, 0, FIN_ROWS };
	size_t n = 0;
	int64_t last = 0;
	int more = 0;

	if (l != NULL) {
		invoice_rows_add(c, l->invoices, l->ninvoices, &last);
		more = l->invoices_more;
	} else if (staff_profiles_invoice_rows(c, &f, &n, &more, &last) == -1)
		return -1;
	if (more)
		tmpl_setf(c->view, "invoices_more_url", "/invoices?%s=%" PRId64,
		    client_id ? "client_id" : "account_id",
		    client_id ? client_id : account_id);
	return 0;
}

static int
fin_payments(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct account_lists *l)
{
	struct payment_filter f = { account_id, client_id, 0, FIN_ROWS };
	struct payment *ps = l ? l->payments : NULL;
	size_t n = l ? l->npayments : 0;
	int more = l ? l->payments_more : 0;

	if (l == NULL && payment_list(c->app->db, &f, &ps, &n, &more) != PAY_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "payments");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", ps[i].id);
		tmpl_set(row, "date", ps[i].received_date);
		tmpl_set(row, "method", kit_method_label(ps[i].method));
		tmpl_set(row, "reference", ps[i].reference);
		kit_set_money(row, "amount", ps[i].amount);
		kit_set_money(row, "unallocated", ps[i].unallocated);
		if (client_id)
			kit_set_money(row, "applied_client",
			    ps[i].applied_client);
		tmpl_set_bool(row, "has_unallocated", ps[i].unallocated > 0);
		tmpl_set(row, "status", ps[i].status);
		tmpl_set_bool(row, "not_succeeded",
		    strcmp(ps[i].status, "succeeded") != 0);
	}
	if (l == NULL)
		free(ps);
	tmpl_set_bool(c->view, "payments_more", more);
	return 0;
}

/* Statements of the account; on a client page, the client's own and the
 * whole-account ones. */
static int
fin_statements(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct account_lists *l)
{
	struct statement *ss = l ? l->statements : NULL;
	size_t n = l ? l->nstatements : 0, shown = 0;

	if (l == NULL && statement_list(c->app->db, account_id, &ss, &n) != ST_OK)
		return -1;
	for (size_t i = 0; i < n && shown < FIN_ROWS; i++) {
		struct tmpl_vars *row;

		if (client_id && ss[i].client_id && ss[i].client_id != client_id)
			continue;
		if ((row = tmpl_loop_add(c->view, "statements")) == NULL)
			break;
		shown++;
		tmpl_set_int(row, "id", ss[i].id);
		tmpl_set(row, "number", ss[i].number);
		tmpl_set(row, "statement_date", ss[i].statement_date);
		tmpl_set(row, "period_start", ss[i].period_start);
		tmpl_set(row, "period_end", ss[i].period_end);
		tmpl_set(row, "scope", ss[i].client_id ? ss[i].client_name :
		    "Whole account");
		kit_set_money(row, "amount_due", ss[i].amount_due);
	}
	for (size_t i = 0; l == NULL && i < n; i++)
		statement_free(&ss[i]);
	if (l == NULL)
		free(ss);
	return 0;
}

static void
fin_actions(struct ctx *c, const char *kind, int64_t id, int64_t account_id,
    int64_t client_id)
{
	char q[40] = "";

	if (client_id)
		str_fmt(q, sizeof(q), "?client_id=%" PRId64, client_id);
	tmpl_setf(c->view, "new_invoice_url", "/invoices/new?%s=%" PRId64,
	    client_id ? "client_id" : "account_id", client_id ? client_id : account_id);
	tmpl_setf(c->view, "record_payment_url", "/accounts/%" PRId64
	    "/payments/new%s", account_id, q);
	tmpl_setf(c->view, "new_statement_url", "/accounts/%" PRId64
	    "/statements/new%s", account_id, q);
	tmpl_setf(c->view, "statement_schedule_url", "/accounts/%" PRId64
	    "/statement-schedule", account_id);
	tmpl_setf(c->view, "audit_url", "/%s/%" PRId64 "/audit", kind, id);
}

/* account_b: the account's figures, read with its row, l its lists
 * (account pages). */
static int
fin_fill(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct balance *account_b, const struct account_lists *l)
{
	struct balance b;

	/* A client's figures count the money applied to its invoices, whoever
	 * paid it; the account's unallocated credit is shown as available,
	 * not subtracted from the client's due. */
	if (client_id) {
		if (ledger_balance_client(c->app->db, client_id, &b) != 0)
			return -1;
		tmpl_set_bool(c->view, "credit_is_account", 1);
	} else
		b = *account_b;
	fin_summary(c, &b, b.account_credit);
	/* The account page applies its credit to its open invoices (the
	 * payment page does it per payment). */
	if (!client_id && b.account_credit > 0 && b.open > 0 &&
	    (c->user.role & ROLES_MONEY) != 0)
		tmpl_setf(c->view, "apply_credit_url", "/accounts/%" PRId64
		    "/apply-credit", account_id);
	if (fin_invoices(c, account_id, client_id, l) == -1 ||
	    fin_payments(c, account_id, client_id, l) == -1 ||
	    fin_statements(c, account_id, client_id, l) == -1 ||
	    /* ui-stripe */
	    staff_stripe_fin_view(c, account_id, client_id, l) == -1 ||
	    staff_plans_fin(c, account_id, client_id, l) == -1)	/* plans */
		return -1;
	return 0;
}

static int
location_name(struct ctx *c, int64_t id)
{
	struct location l;
	int rc = id ? location_get(c->app->db, id, &l) : CAT_NOT_FOUND;

	if (rc == CAT_OK)
		tmpl_set(c->view, "location_name", l.name);
	return rc == CAT_DB ? -1 : 0;
}

static int
client_page(struct ctx *c, const char *stage)
{
	int64_t id;
	struct client cl;
	char url[96];
	int rc, inquiry;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, strcmp(stage, "inquiry") == 0 ?
		    "No such inquiry." : "No such client.");
	rc = client_get(c->app->db, id, &cl);
	if (rc == PROF_DB)
		return -1;
	if (rc != PROF_OK)
		return app_error(c, 404, strcmp(stage, "inquiry") == 0 ?
		    "No such inquiry." : "No such client.");
	inquiry = strcmp(cl.stage, "inquiry") == 0;
	if (strcmp(cl.stage, stage) != 0) {
		/* Old links keep working after a conversion. */
		str_fmt(url, sizeof(url), "%s/%" PRId64,
		    inquiry ? "/inquiries" : "/clients", id);
		http_redirect(&c->resp, 303, url);
		return 0;
	}
	tmpl_setf(c->view, "title", "%s %s", cl.first_name, cl.last_name);
	tmpl_setf(c->view, "name", "%s %s", cl.first_name, cl.last_name);
	tmpl_set(c->view, "kind", inquiry ? "inquiry" : "client");
	tmpl_set(c->view, "stage_label", inquiry ? "Inquiry" : "Client");
	tmpl_set_bool(c->view, "is_inquiry", inquiry);
	tmpl_set_bool(c->view, "is_client", !inquiry);
	tmpl_set_bool(c->view, inquiry ? "nav_inquiries" : "nav_clients", 1);
	tmpl_set_int(c->view, "id", cl.id);
	tmpl_set_int(c->view, "account_id", cl.account_id);
	tmpl_set(c->view, "account_name", cl.account_name);
	tmpl_set(c->view, "email", cl.email);
	tmpl_set(c->view, "phone", cl.phone);
	tmpl_set(c->view, "birth_date", cl.birth_date);
	kit_set_date(c->view, "created", cl.created_at);
	kit_set_date(c->view, "converted", cl.converted_at);
	tmpl_setf(c->view, "edit_url", "/clients/%" PRId64 "/edit", cl.id);
	tmpl_setf(c->view, "convert_url", "/inquiries/%" PRId64 "/convert", cl.id);
	fin_actions(c, "clients", cl.id, cl.account_id, cl.id);
	kit_notice(c);
	if (location_name(c, cl.location_id) == -1 ||
	    fin_fill(c, cl.account_id, cl.id, NULL, NULL) == -1 ||
	    staff_estimates_fin_block(c, cl.id) == -1 ||
	    staff_estimates_gfe_flags(c, cl.account_id, cl.id, NULL) == -1)
		return -1;
	return app_render(c, 200, "profiles_show.html");
}

int
h_inquiry_show(struct ctx *c)
{
	return client_page(c, "inquiry");
}

int
h_client_show(struct ctx *c)
{
	return client_page(c, "client");
}

static void
account_members(struct ctx *c, const struct client *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "members");
		int inquiry = strcmp(cs[i].stage, "inquiry") == 0;
		if (row == NULL)
			break;
		tmpl_setf(row, "url", "%s/%" PRId64,
		    inquiry ? "/inquiries" : "/clients", cs[i].id);
		tmpl_setf(row, "name", "%s %s", cs[i].first_name, cs[i].last_name);
		tmpl_set(row, "stage", inquiry ? "Inquiry" : "Client");
		tmpl_set_bool(row, "is_inquiry", inquiry);
		tmpl_set(row, "birth_date", cs[i].birth_date);
	}
}

int
h_account_show(struct ctx *c)
{
	int64_t id;
	struct account a;
	struct account_lists l;
	struct balance b;
	char line[256];
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such account.");
	/* the account with its figures, in one statement */
	if ((rc = ledger_account_page(c->app->db, id, &a, &b)) != 1)
		return rc == 0 ? app_error(c, 404, "No such account.") : -1;
	tmpl_set(c->view, "title", a.name);
	tmpl_set(c->view, "name", a.name);
	tmpl_set(c->view, "kind", "account");
	tmpl_set(c->view, "stage_label", "Account");
	tmpl_set_bool(c->view, "is_account", 1);
	tmpl_set_bool(c->view, "nav_accounts", 1);
	tmpl_set_int(c->view, "id", a.id);
	tmpl_set_int(c->view, "account_id", a.id);
	tmpl_set(c->view, "email", a.email);
	tmpl_set(c->view, "phone", a.phone);
	tmpl_set(c->view, "address1", a.address1);
	tmpl_set(c->view, "address2", a.address2);
	tmpl_set(c->view, "address3", staff_profiles_city_line(line,
	    sizeof(line), &a));
	kit_set_date(c->view, "created", a.created_at);
	tmpl_setf(c->view, "edit_url", "/accounts/%" PRId64 "/edit", a.id);
	tmpl_setf(c->view, "add_client_url", "/clients/new?account_id=%" PRId64, a.id);
	tmpl_setf(c->view, "add_inquiry_url", "/inquiries/new?account_id=%" PRId64,
	    a.id);
	fin_actions(c, "accounts", a.id, a.id, 0);
	kit_notice(c);
	/* its lists in one more statement */
	if (location_name(c, a.location_id) == -1 ||
	    account_page_lists(c->app->db, a.id, FIN_ROWS, &l) == -1)
		return -1;
	account_members(c, l.clients, l.nclients);
	rc = fin_fill(c, a.id, 0, &b, &l) == -1 ||
	    staff_estimates_gfe_flags(c, a.id, 0, &l) == -1 ? -1 : 0;
	account_lists_free(&l);
	return rc == -1 ? -1 : app_render(c, 200, "profiles_show.html");
}
