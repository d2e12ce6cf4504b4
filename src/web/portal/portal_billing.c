/* Portal Billing section: the home page (balance, invoices with status and
 * filter, the selection form, statements), invoice detail and PDF,
 * statement PDFs, payment history and receipts. Every object is looked up
 * together with the session's account: another account's ids are 404. */
#include "common.h"

#include "app.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "ledger.h"
#include "log.h"
#include "payment.h"
#include "pdf.h"
#include "pdf_receipt.h"
#include "portal.h"
#include "portal_web.h"
#include "statement.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define NOT_FOUND_INVOICE	portal_msg(c, "err.no_invoice")
#define NOT_FOUND_PAYMENT	portal_msg(c, "err.no_payment")
#define NOT_FOUND_STATEMENT	portal_msg(c, "err.no_statement")

static const char *const filter_labels[][2] = {
	{ "", "filter.all" }, { "unpaid", "filter.unpaid" },
	{ "open", "status.open" }, { "partial", "status.partial" },
	{ "pending", "status.pending" }, { "paid", "status.paid" },
	{ "void", "status.void" },
};

static int
filter_match(const char *filter, enum portal_inv_status st)
{
	if (*filter == '\0')
		return 1;
	if (strcmp(filter, "unpaid") == 0)
		return st == PIS_OPEN || st == PIS_PARTIAL || st == PIS_PENDING_ACH;
	return strcmp(filter, portal_inv_status_names[st]) == 0;
}

static void
invoice_row(struct ctx *c, struct tmpl_vars *row, const struct portal_invoice *p,
    int checked)
{
	int payable = p->status == PIS_OPEN || p->status == PIS_PARTIAL;

	tmpl_set_int(row, "id", p->id);
	tmpl_set(row, "number", p->number);
	portal_set_day(row, "invoice_date", p->invoice_date);
	portal_set_day(row, "due_date", p->due_date);
	tmpl_set(row, "client_name", p->client_name);
	kit_set_money(row, "total", p->total);
	kit_set_money(row, "open", p->status == PIS_VOID ? 0 : p->open);
	tmpl_set(row, "status", portal_inv_status_names[p->status]);
	tmpl_set(row, "status_label", portal_inv_status_label(c, p->status));
	tmpl_set_int(row, "open_cents", p->open);
	{
		int64_t due;
		tmpl_set_bool(row, "overdue", payable && date_parse(p->due_date,
		    &due) == 0 && due < date_today());
	}
	tmpl_set_bool(row, "payable", payable);
	tmpl_set_bool(row, "checked", payable && checked);
}

/* What of an invoice's open money a payment in progress keeps from "Pay
 * everything due" (*held), labelled on its row (unless row is NULL). */
static int
invoice_held(struct ctx *c, struct tmpl_vars *row, int64_t account_id,
    const struct portal_reserved *res, const struct portal_invoice *p,
    int64_t *held)
{
	int64_t reserved = 0;

	*held = 0;
	if (p->status == PIS_VOID || p->status == PIS_PAID)
		return 0;
	/* the page's reservations say whether there is anything to label
	 * (no query per invoice when nothing is in flight) */
	if (portal_reserved_for(res, p->id) > 0 &&
	    portal_view_inflight(c, row, account_id, p->id, &reserved) == -1)
		return -1;
	if (p->status == PIS_PENDING_ACH)
		*held = p->open;	/* not payable until the bank answers */
	else
		*held = reserved < p->open ? reserved : p->open;
	return 0;
}

/* Statements section: only when the account has any. Each one's Pay
 * button: what its invoices come to as open today, from the invoices and
 * reservations the page already read. */
static int
view_statements(struct ctx *c, int64_t account_id, const struct portal_reserved *res,
    const struct portal_invoice *is, size_t nis)
{
	struct statement *st = NULL;
	size_t n = 0;
	int rc = 0;

	if (statement_list(c->app->db, account_id, &st, &n) != ST_OK)
		return -1;
	for (size_t i = 0; i < n && i < 24; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "statements");
		int64_t open = 0;
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", st[i].id);
		tmpl_set(row, "number", st[i].number);
		portal_set_day(row, "statement_date", st[i].statement_date);
		portal_set_day(row, "period_start", st[i].period_start);
		portal_set_day(row, "period_end", st[i].period_end);
		kit_set_money(row, "amount_due", st[i].amount_due);
		if (portal_payable_sum(res, is, nis, st[i].period_end, st[i].client_id,
		    &open) != PORTAL_OK) {
			rc = -1;
			break;
		}
		if (open > 0)
			kit_set_money(row, "open_now", open);
	}
	for (size_t i = 0; i < n; i++)
		statement_free(&st[i]);
	free(st);
	return rc;
}

/* "Pay everything due" and the statements' Pay buttons: what the payable
 * invoices come to today, less what attempts in flight hold. When payments
 * in progress hold part of the balance due (held), the page says so beside
 * the figure, which then is less than the balance due. */
static int
view_payable(struct ctx *c, const struct portal_req *pr,
    const struct portal_reserved *res, const struct portal_invoice *is,
    size_t n, int64_t due, int64_t held)
{
	int64_t all = 0;

	if (portal_payable_sum(res, is, n, NULL, 0, &all) != PORTAL_OK)
		return -1;
	if (all > 0)
		kit_set_money(c->view, "pay_all", all);
	if (held > 0 && all < due) {
		kit_set_money(c->view, "held", due - all);
		kit_set_money(c->view, "pay_now", all);
	}
	return view_statements(c, pr->account_id, res, is, n);
}

int
portal_billing_page(struct ctx *c, const struct portal_req *pr, int status,
    const char *error, const int64_t *selected, size_t nselected)
{
	const char *filter = c->fs.nerr == 0 ? kit_field_s(c, "status") : "";
	struct portal_page pg;
	const struct portal_invoice *is;
	size_t n, shown = 0, i;
	int64_t due = 0, pending = 0, held = 0, h;
	int payable = 0, rc;

	if (portal_page_load(c->app->db, pr->account_id, &pg) != PORTAL_OK)
		return -1;
	is = pg.is;
	n = pg.n;
	for (i = 0; i < n; i++) {
		struct tmpl_vars *row = NULL;
		int checked = 0;

		if (is[i].status != PIS_VOID) {
			due += is[i].open;
			pending += is[i].pending;
		}
		if (filter_match(filter, is[i].status)) {
			payable |= is[i].status == PIS_OPEN ||
			    is[i].status == PIS_PARTIAL;
			for (size_t k = 0; k < nselected; k++)
				checked |= selected[k] == is[i].id;
			if ((row = tmpl_loop_add(c->view, "invoices")) != NULL)
				invoice_row(c, row, &is[i], checked);
			shown++;
		}
		if (invoice_held(c, row, pr->account_id, &pg.res, &is[i], &h) == -1)
			break;
		held += h;
	}
	if (i < n || view_payable(c, pr, &pg.res, is, n, due, held) == -1) {
		portal_page_free(&pg);
		return -1;
	}
	if (pg.credit > 0)
		kit_set_money(c->view, "credit", pg.credit);
	kit_set_money(c->view, "balance_due", due);
	tmpl_set_bool(c->view, "has_due", due > 0);
	if (pending > 0)
		kit_set_money(c->view, "pending_total", pending);
	tmpl_set_bool(c->view, "has_invoices", n > 0);
	tmpl_set_bool(c->view, "has_payable", payable);
	/* pay.js fills these in the button label of the page's language. */
	tmpl_set(c->view, "js_n", "{n}");
	tmpl_set(c->view, "js_amount", "{amount}");
	tmpl_set_bool(c->view, "none_shown", n > 0 && shown == 0);
	for (i = 0; i < ARRAY_LEN(filter_labels); i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "filters");
		if (row == NULL)
			break;
		tmpl_set(row, "value", filter_labels[i][0]);
		tmpl_set(row, "label", portal_msg(c, filter_labels[i][1]));
		tmpl_set_bool(row, "selected", strcmp(filter, filter_labels[i][0]) == 0);
	}
	tmpl_set(c->view, "filter", filter);
	if (error)
		tmpl_set(c->view, "error", error);
	rc = portal_plans_billing(c, pr->account_id, pg.plan_ids, pg.nplans);
	portal_page_free(&pg);
	if (rc == -1)
		return -1;
	tmpl_set(c->view, "title", portal_msg(c, "portal.billing"));
	tmpl_set_bool(c->view, "nav_billing", 1);
	return portal_render(c, pr, status, "portal_billing.html");
}

int
h_portal_billing(struct ctx *c)
{
	static const char *const notices[] = {
	    "notice.welcome", "notice.method_added", "notice.method_removed",
	    "notice.method_default", "notice.password_reset" };
	const struct field_value *nv = app_field(c, "notice");
	struct portal_req pr;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (c->fs.nerr == 0 && nv && nv->present && nv->i >= 0 &&
	    (size_t)nv->i < ARRAY_LEN(notices))
		tmpl_set(c->view, "notice", portal_msg(c, notices[nv->i]));
	return portal_billing_page(c, &pr, 200, NULL, NULL, 0);
}

/* --- one invoice --------------------------------------------------------------- */

/* The invoice when it is one of the account's posted invoices: 1, 0 when
 * the 404 page was made, -1 on errors. */
static int
own_invoice(struct ctx *c, const struct portal_req *pr, struct portal_invoice *pi,
    struct invoice *inv)
{
	int64_t id = kit_path_id(c, "id");
	int rc;

	memset(inv, 0, sizeof(*inv));
	rc = id ? portal_invoice_get(c->app->db, pr->account_id, id, pi) :
	    PORTAL_NOT_FOUND;
	if (rc == PORTAL_DB)
		return -1;
	if (rc != PORTAL_OK)
		return portal_error(c, 404, NOT_FOUND_INVOICE) == 0 ? 0 : -1;
	rc = invoice_get(c->app->db, id, inv);
	if (rc == INV_NOT_FOUND)
		return portal_error(c, 404, NOT_FOUND_INVOICE) == 0 ? 0 : -1;
	return rc == INV_OK ? 1 : -1;
}

static int
view_applied(struct ctx *c, int64_t invoice_id)
{
	struct allocation *as = NULL;
	size_t n = 0;

	if (allocation_list(c->app->db, 0, invoice_id, &as, &n) != PAY_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "applied");
		if (row == NULL)
			break;
		tmpl_set_int(row, "payment_id", as[i].payment_id);
		portal_set_date(row, "date", as[i].created_at);
		kit_set_money(row, "amount", as[i].amount);
	}
	free(as);
	return 0;
}

static int
invoice_page(struct ctx *c, const struct portal_req *pr,
    const struct portal_invoice *pi, const struct invoice *inv)
{
	portal_view_invoice(c, inv);
	tmpl_set(c->view, "status", portal_inv_status_names[pi->status]);
	tmpl_set(c->view, "status_label", portal_inv_status_label(c, pi->status));
	tmpl_set_bool(c->view, "payable", pi->status == PIS_OPEN ||
	    pi->status == PIS_PARTIAL);
	tmpl_set_bool(c->view, "is_void", pi->status == PIS_VOID);
	tmpl_set_bool(c->view, "is_pending", pi->status == PIS_PENDING_ACH);
	if (pi->pending > 0)
		kit_set_money(c->view, "pending", pi->pending);
	if (view_applied(c, pi->id) == -1)
		return -1;
	tmpl_setf(c->view, "title", "%s %s", portal_msg(c, "inv.invoice"),
	    pi->number);
	tmpl_set_bool(c->view, "nav_billing", 1);
	return portal_render(c, pr, 200, "portal_invoice.html");
}

int
portal_invoice_pdf(struct ctx *c, const struct invoice *inv)
{
	struct pdf_org org = kit_pdf_org(c);
	struct account a;
	char filename[64];
	int arc = account_get(c->app->db, inv->account_id, &a);

	if (arc == PROF_DB)
		return -1;
	pdf_invoice_filename(inv, filename, sizeof(filename));
	/* the client's copy: in the page's language, back to English after */
	pdf_set_lang(c->app->tc, portal_lang());
	arc = pdf_invoice(inv, &org, arc == PROF_OK ? &a : NULL, &c->resp.body);
	pdf_set_lang(NULL, "en");
	if (arc == -1) {
		log_err("invoice %" PRId64 ": PDF rendering failed", inv->id);
		return -1;
	}
	return kit_send_pdf(c, filename);
}

/* One of the account's invoices: its page, or its PDF. */
static int
invoice_route(struct ctx *c, int pdf)
{
	struct portal_invoice pi;
	struct portal_req pr;
	struct invoice inv;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if ((rc = own_invoice(c, &pr, &pi, &inv)) == 1)
		rc = pdf ? portal_invoice_pdf(c, &inv) :
		    invoice_page(c, &pr, &pi, &inv);
	invoice_free(&inv);
	return rc;
}

int
h_portal_invoice(struct ctx *c)
{
	return invoice_route(c, 0);
}

int
h_portal_invoice_pdf(struct ctx *c)
{
	return invoice_route(c, 1);
}

int
h_portal_statement_pdf(struct ctx *c)
{
	struct pdf_org org = kit_pdf_org(c);
	struct portal_req pr;
	struct statement st;
	char filename[64];
	int64_t id;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	id = kit_path_id(c, "id");
	rc = id ? statement_get(c->app->db, id, &st) : ST_NOT_FOUND;
	if (rc == ST_DB)
		return -1;
	if (rc == ST_OK && st.account_id != pr.account_id) {
		statement_free(&st);
		rc = ST_NOT_FOUND;
	}
	if (rc != ST_OK)
		return portal_error(c, 404, NOT_FOUND_STATEMENT);
	pdf_statement_filename(&st, filename, sizeof(filename));
	pdf_set_lang(c->app->tc, portal_lang());
	rc = pdf_statement(&st, &org, &c->resp.body);
	pdf_set_lang(NULL, "en");
	statement_free(&st);
	if (rc == -1)
		return -1;
	return kit_send_pdf(c, filename);
}

/* --- payments ------------------------------------------------------------------ */

/* "Page 2 of 3" with its links. */
static void
view_pager(struct ctx *c, size_t page, size_t pages)
{
	if (pages <= 1)
		return;
	tmpl_setf(c->view, "page_label", "Page %zu of %zu", page, pages);
	if (page > 1)
		tmpl_setf(c->view, "prev_url", "/portal/payments?page=%zu", page - 1);
	if (page < pages)
		tmpl_setf(c->view, "next_url", "/portal/payments?page=%zu", page + 1);
}

int
h_portal_payments(struct ctx *c)
{
	struct portal_history h;
	struct portal_req pr;
	size_t page;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	if (c->fs.nerr > 0)
		return portal_error(c, 404, "There is no such page of payments.");
	page = kit_field_i(c, "page", 0) > 0 ?
	    (size_t)kit_field_i(c, "page", 0) : 1;
	if (portal_history(c->app->db, pr.account_id, page, &h) != PORTAL_OK)
		return -1;
	if (page > h.pages) {
		portal_history_free(&h);
		return portal_error(c, 404, "There is no such page of payments.");
	}
	for (size_t i = 0; i < h.n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "payments");
		if (row == NULL)
			break;
		portal_view_payment(c, row, &h.rows[i].p);
		if (h.rows[i].declined > 0)
			tmpl_setf(row, "declined", h.rows[i].declined == 1 ?
			    "1 earlier attempt declined" : "%zu earlier attempts "
			    "declined", h.rows[i].declined);
	}
	if (page == 1 && h.trailing_declined > 0)
		tmpl_setf(c->view, "recent_declined", h.trailing_declined == 1 ?
		    "Your last payment attempt was declined. You were not charged "
		    "for it." : "Your last %zu payment attempts were declined. You "
		    "were not charged for them.", h.trailing_declined);
	view_pager(c, page, h.pages);
	portal_history_free(&h);
	tmpl_set(c->view, "title", portal_msg(c, "portal.payments"));
	tmpl_set_bool(c->view, "nav_payments", 1);
	return portal_render(c, &pr, 200, "portal_payments.html");
}

/* The invoices a payment paid (allocations) or will pay (its plan). */
static int
view_paid_invoices(struct ctx *c, const struct portal_req *pr,
    const struct sp_payment *p)
{
	struct alloc_req req[SP_PLAN_MAX];
	struct allocation *as = NULL;
	size_t n = 0;
	int autoa = 0;

	if (strcmp(p->status, "succeeded") == 0) {
		if (allocation_list(c->app->db, p->id, 0, &as, &n) != PAY_OK)
			return -1;
		for (size_t i = 0; i < n; i++) {
			struct tmpl_vars *row = tmpl_loop_add(c->view, "paid_invoices");
			if (row == NULL)
				break;
			tmpl_set_int(row, "id", as[i].invoice_id);
			tmpl_set(row, "number", as[i].invoice_number);
			kit_set_money(row, "amount", as[i].amount);
		}
		free(as);
		return 0;
	}
	if (stripe_pay_plan_parse(p->alloc_plan, &autoa, req, SP_PLAN_MAX, &n) == -1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct portal_invoice pi;
		struct tmpl_vars *row;
		int rc = portal_invoice_get(c->app->db, pr->account_id,
		    req[i].invoice_id, &pi);

		if (rc == PORTAL_DB)
			return -1;
		if (rc != PORTAL_OK || (row = tmpl_loop_add(c->view,
		    "paid_invoices")) == NULL)
			continue;
		tmpl_set_int(row, "id", pi.id);
		tmpl_set(row, "number", pi.number);
		kit_set_money(row, "amount", req[i].amount);
	}
	return 0;
}

static int
payment_page(struct ctx *c, const struct portal_req *pr,
    const struct sp_payment *p)
{
	char title[80], tid[32];

	portal_view_payment(c, c->view, p);
	if (view_paid_invoices(c, pr, p) == -1)
		return -1;
	str_fmt(tid, sizeof(tid), "P-%" PRId64, p->id);
	tmpl_set(c->view, "title", portal_msgf(c, "pay.title", title,
	    sizeof(title), "transaction_id", tid, (const char *)NULL));
	tmpl_set_bool(c->view, "nav_payments", 1);
	return portal_render(c, pr, 200, "portal_payment.html");
}

int
portal_receipt_pdf(struct ctx *c, int64_t payment_id)
{
	char filename[64];
	int rc = pdf_receipt_payment(c->app->db, &c->app->cfg, payment_id,
	    &c->resp.body, filename, sizeof(filename));

	if (rc == -1)
		return -1;
	if (rc == 1)
		return portal_error(c, 404, "Only a received payment has a receipt.");
	return kit_send_pdf(c, filename);
}

/* One of the account's payments: its page, or its receipt. */
static int
payment_route(struct ctx *c, int pdf)
{
	struct portal_req pr;
	struct sp_payment p;
	int64_t id;
	int rc = portal_begin(c, &pr);

	if (rc <= 0)
		return rc;
	id = kit_path_id(c, "id");
	rc = id ? stripe_pay_get(c->app->db, id, &p) : SP_NOT_FOUND;
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || p.account_id != pr.account_id)
		return portal_error(c, 404, NOT_FOUND_PAYMENT);
	return pdf ? portal_receipt_pdf(c, id) : payment_page(c, &pr, &p);
}

int
h_portal_payment(struct ctx *c)
{
	return payment_route(c, 0);
}

int
h_portal_payment_pdf(struct ctx *c)
{
	return payment_route(c, 1);
}
