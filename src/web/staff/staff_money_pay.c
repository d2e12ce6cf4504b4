/* Manual payments: the record form, the payment page with its allocations
 * and the allocate form, the receipt, and applying account credit. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "staff_money.h"
#include "staff_stripe.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* Open invoices offered by the allocate form of a payment page. */
#define PAY_SHOW_INVOICES	100

/* Methods recorded by hand (the rest are card/ACH: staff_stripe_pay.c). */
static int
is_manual_method(const char *m)
{
	return strcmp(m, "cash") == 0 || strcmp(m, "check") == 0 ||
	    strcmp(m, "terminal") == 0 || strcmp(m, "other") == 0;
}

/* The record-payment form as posted or first shown. */
struct pay_form {
	struct account	 acct;
	struct invoice	*inv;		/* open invoices, oldest due first */
	size_t		 ninv;
	int		 inv_more;
	const char	*amount_in[PAY_ALLOC_ROWS];	/* posted amount per inv[i] */
	char		 row_err[PAY_ALLOC_ROWS][160];
	/* Held by card/ACH payments in flight (subtracted from inv[i].open). */
	int64_t		 reserved[PAY_ALLOC_ROWS];
	struct alloc_req req[PAY_ALLOC_ROWS];		/* chosen, amount > 0 */
	size_t		 nreq;
	int64_t		 chosen_total;
	/* A card/ACH method: money held by a payment in flight is refused
	 * by the charge itself (with a link to that payment). */
	int		 stripe;
};

static void
pay_form_free(struct pay_form *f)
{
	staff_money_invoices_free(f->inv, f->ninv);
	f->inv = NULL;
	f->ninv = 0;
}

static size_t
pay_form_find(const struct pay_form *f, int64_t invoice_id)
{
	for (size_t i = 0; i < f->ninv; i++)
		if (f->inv[i].id == invoice_id)
			return i;
	return SIZE_MAX;
}

static void
view_balance(struct ctx *c, const struct pay_form *f, int64_t client_id)
{
	struct balance b;
	int64_t due;
	int rc;

	memset(&b, 0, sizeof(b));
	int64_t reserved = 0;

	rc = client_id ? ledger_balance_client(c->app->db, client_id, &b) :
	    ledger_balance_account(c->app->db, f->acct.id, &b);
	if (rc != 0)
		memset(&b, 0, sizeof(b));
	/* The suggestion is what is due: a client's open amount (money the
	 * account applied to its invoices included); an account's balance,
	 * its open amount less its unallocated credit. Money card/ACH
	 * payments in flight hold is not offered again. */
	due = client_id ? b.open : b.balance;
	if (stripe_pay_reserved(c->app->db, f->acct.id, 0, &reserved, NULL) != SP_OK)
		reserved = 0;
	if (reserved > 0) {
		kit_set_money(c->view, "bal_reserved", reserved);
		tmpl_set_bool(c->view, "has_reserved", 1);
		due -= reserved;
	}
	kit_set_money(c->view, "bal_due", due > 0 ? due : 0);
	kit_set_money(c->view, "bal_open", b.open);
	kit_set_money(c->view, "bal_credit", b.account_credit);
	tmpl_set_bool(c->view, "has_credit", b.account_credit > 0);
	tmpl_set_bool(c->view, "credit_is_account", client_id != 0);
	if (strcmp(c->req.method, "GET") == 0) {
		if (due > 0)
			kit_set_money_plain(c->view, "form_amount", due);
		else
			tmpl_set(c->view, "form_amount", "");
	}
}

static void
view_alloc_rows(struct ctx *c, const struct pay_form *f)
{
	char today[11];

	kit_date_from_today(today, sizeof(today), 0);
	for (size_t i = 0; i < f->ninv; i++) {
		const struct invoice *inv = &f->inv[i];
		struct tmpl_vars *row = tmpl_loop_add(c->view, "invoices");

		if (row == NULL)
			break;
		tmpl_set_int(row, "row", (int64_t)i + 1);
		tmpl_set_int(row, "invoice_id", inv->id);
		tmpl_set(row, "invoice_number", inv->number);
		tmpl_set(row, "invoice_date", inv->invoice_date);
		tmpl_set(row, "due_date", inv->due_date);
		tmpl_set(row, "invoice_client", inv->client_name);
		tmpl_set_bool(row, "overdue", strcmp(inv->due_date, today) < 0);
		kit_set_money(row, "invoice_open", inv->open);
		kit_set_money(row, "invoice_total", inv->total);
		tmpl_set(row, "alloc_value", f->amount_in[i] ? f->amount_in[i] : "");
		if (f->row_err[i][0])
			tmpl_set(row, "alloc_error", f->row_err[i]);
	}
	tmpl_set_bool(c->view, "invoices_more", f->inv_more);
}

/* Renders payment_new.html for the GET and for every failed POST. */
static int
payment_form(struct ctx *c, struct pay_form *f, int status, const char *error)
{
	static const char *const inputs[] = { "method", "amount",
	    "received_date", "reference", "memo", "allocation" };
	const struct field_value *cid = app_field(c, "client_id");
	int64_t client_id = cid && cid->present ? cid->i : 0;
	char key[40], today[11];
	int post = strcmp(c->req.method, "POST") == 0;

	kit_date_from_today(today, sizeof(today), 0);
	tmpl_set(c->view, "title", "New payment");
	tmpl_set_bool(c->view, "nav_accounts", 1);
	kit_view_account(c->view, &f->acct);
	tmpl_set(c->view, "today", today);
	for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
		str_fmt(key, sizeof(key), "form_%s", inputs[i]);
		tmpl_set(c->view, key, post ? kit_input(c, inputs[i]) : "");
	}
	if (!post) {
		tmpl_set(c->view, "form_method", "cash");
		tmpl_set(c->view, "form_received_date", today);
		tmpl_set(c->view, "form_allocation", "auto");
	}
	if (staff_money_view_account_clients(c, f->acct.id, client_id) == -1)
		return -1;
	view_balance(c, f, client_id);
	view_alloc_rows(c, f);
	if (staff_stripe_pay_form(c, f->acct.id) == -1)
		return -1;
	if (error)
		tmpl_set(c->view, "error", error);
	return app_render(c, status, "payment_new.html");
}

static int
pay_form_load(struct ctx *c, struct pay_form *f)
{
	int64_t id;
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = kit_account_or_404(c, (id = kit_path_id(c, "id")),
	    &f->acct)) != 0)
		return rc;
	if (staff_money_open_invoices(c, id, PAY_ALLOC_ROWS, &f->inv, &f->ninv,
	    &f->inv_more) == -1)
		return -1;
	for (size_t i = 0; i < f->ninv; i++) {
		if (stripe_pay_reserved(c->app->db, id, f->inv[i].id,
		    &f->reserved[i], NULL) != SP_OK)
			return -1;
		f->inv[i].open -= f->reserved[i];
	}
	return 0;
}

int
h_payment_new(struct ctx *c)
{
	struct pay_form f;
	const struct field_value *cid = app_field(c, "client_id");
	struct client cl;
	int rc;

	if ((rc = pay_form_load(c, &f)) != 0) {
		pay_form_free(&f);
		return rc == 1 ? 0 : -1;
	}
	if (cid && cid->present) {
		rc = client_get(c->app->db, cid->i, &cl);
		if (rc == PROF_DB) {
			pay_form_free(&f);
			return -1;
		}
		if (rc != PROF_OK || cl.account_id != f.acct.id) {
			pay_form_free(&f);
			return app_error(c, 404, "No such client on this account.");
		}
	}
	rc = payment_form(c, &f, 200, NULL);
	pay_form_free(&f);
	return rc;
}

/* Forms built from the contract's alloc_<invoice_id> names (rather than
 * the numbered rows this page renders) are accepted too: drop the
 * dispatcher's "unexpected field" complaints about exactly those names. */
static int
is_dynamic_alloc(const char *name)
{
	int64_t id;

	return str_starts(name, "alloc_") &&
	    str_to_i64(name + 6, 1, INT64_MAX, &id) == 0;
}

/* With automatic allocation the (hidden) invoice rows are not used, so
 * their complaints are dropped as well. */
static void
drop_alloc_errors(struct ctx *c)
{
	int automatic = strcmp(kit_input(c, "allocation"), "choose") != 0;
	/* Card/ACH payments are received today and carry no reference: those
	 * (hidden) inputs are not used either. */
	int stripe = staff_stripe_is_method(kit_input(c, "method"));
	size_t w = 0;

	for (size_t i = 0; i < c->fs.nerr; i++) {
		const char *name = c->fs.err[i].field;

		if (is_dynamic_alloc(name) || (automatic &&
		    str_starts(name, "alloc") && strcmp(name, "allocation") != 0))
			continue;
		if (stripe && (strcmp(name, "received_date") == 0 ||
		    strcmp(name, "reference") == 0))
			continue;
		if (w != i)
			c->fs.err[w] = c->fs.err[i];
		w++;
	}
	c->fs.nerr = w;
}

/* What was typed per open invoice (numbered rows and alloc_<id> names),
 * with the field errors of each row, so a failed form shows it again. */
static void
pay_form_inputs(struct ctx *c, struct pay_form *f)
{
	const struct kvlist *in = &c->req.form;
	char key[40];
	const char *raw, *err;
	int64_t id;
	size_t i;

	for (int r = 1; r <= PAY_ALLOC_ROWS; r++) {
		str_fmt(key, sizeof(key), "alloc%d_invoice_id", r);
		raw = kvlist_get(in, key);
		if (raw == NULL || str_to_i64(raw, 1, INT64_MAX, &id) == -1 ||
		    (i = pay_form_find(f, id)) == SIZE_MAX)
			continue;
		str_fmt(key, sizeof(key), "alloc%d_amount", r);
		f->amount_in[i] = kvlist_get(in, key);
		if ((err = field_set_error(&c->fs, key)) != NULL)
			str_copy(f->row_err[i], sizeof(f->row_err[i]), err);
	}
	for (size_t k = 0; k < in->n; k++) {
		if (!is_dynamic_alloc(in->v[k].key))
			continue;
		str_to_i64(in->v[k].key + 6, 1, INT64_MAX, &id);
		if ((i = pay_form_find(f, id)) != SIZE_MAX)
			f->amount_in[i] = in->v[k].val;
	}
}

/* One chosen amount for an open invoice (row index i). 0 ok, -1 already
 * reported in the row or in *msg. */
static int
pay_form_take(struct pay_form *f, size_t i, int64_t amount)
{
	char open[MONEY_FMT_MAX];

	if (amount <= 0)
		return 0;
	for (size_t k = 0; k < f->nreq; k++)
		if (f->req[k].invoice_id == f->inv[i].id) {
			str_copy(f->row_err[i], sizeof(f->row_err[i]),
			    "This invoice was given twice.");
			return -1;
		}
	/* Held by a payment in flight: a card/ACH charge refuses it itself
	 * (with a link to that payment); other methods are told here. */
	if (amount > f->inv[i].open && f->reserved[i] > 0 && !(f->stripe &&
	    amount <= f->inv[i].open + f->reserved[i])) {
		money_format(f->reserved[i], open, sizeof(open));
		str_fmt(f->row_err[i], sizeof(f->row_err[i]), "A payment of %s for "
		    "%s is already in progress.", open, f->inv[i].number);
		return -1;
	}
	if (amount > f->inv[i].open + (f->stripe ? f->reserved[i] : 0)) {
		money_format(f->inv[i].open, open, sizeof(open));
		str_fmt(f->row_err[i], sizeof(f->row_err[i]),
		    "Only %s is open.", open);
		return -1;
	}
	f->req[f->nreq].invoice_id = f->inv[i].id;
	f->req[f->nreq].amount = amount;
	f->nreq++;
	f->chosen_total += amount;
	return 0;
}

/* Reads the chosen amounts (numbered rows, then alloc_<id> names). Returns
 * the number of problems; msg gets one that belongs to no row. */
static int
pay_form_collect(struct ctx *c, struct pay_form *f, char *msg, size_t msgsz)
{
	const struct kvlist *in = &c->req.form;
	char key[40];
	int bad = 0;

	for (int r = 1; r <= PAY_ALLOC_ROWS; r++) {
		const struct field_value *iv, *av;
		size_t i;

		str_fmt(key, sizeof(key), "alloc%d_invoice_id", r);
		iv = app_field(c, key);
		str_fmt(key, sizeof(key), "alloc%d_amount", r);
		av = app_field(c, key);
		if (iv == NULL || av == NULL || !iv->present)
			continue;
		if ((i = pay_form_find(f, iv->i)) == SIZE_MAX) {
			if (av->present && av->i > 0) {
				str_copy(msg, msgsz, "An invoice you chose is no "
				    "longer open. Review the amounts and try again.");
				bad++;
			}
			continue;
		}
		bad -= pay_form_take(f, i, av->present ? av->i : 0);
	}
	for (size_t k = 0; k < in->n; k++) {
		int64_t id, amount = 0;
		size_t i;

		if (!is_dynamic_alloc(in->v[k].key))
			continue;
		str_to_i64(in->v[k].key + 6, 1, INT64_MAX, &id);
		if ((i = pay_form_find(f, id)) == SIZE_MAX) {
			str_copy(msg, msgsz, "An invoice you chose is not open on "
			    "this account.");
			bad++;
			continue;
		}
		if (in->v[k].val[0] != '\0' &&
		    (money_parse(in->v[k].val, &amount) == -1 || amount < 0)) {
			str_copy(f->row_err[i], sizeof(f->row_err[i]),
			    "Enter an amount like 12.34.");
			bad++;
			continue;
		}
		bad -= pay_form_take(f, i, amount);
	}
	return bad;
}

/* Rules beyond the field table. Returns the number of problems. */
static int
payment_check(struct ctx *c, struct pay_form *f, int choose, char *msg,
    size_t msgsz)
{
	const struct field_value *amount = app_field(c, "amount");
	const struct field_value *cid = app_field(c, "client_id");
	char today[11], a[MONEY_FMT_MAX], s[MONEY_FMT_MAX], m[200];
	struct client cl;
	int bad = 0, rc;

	kit_date_from_today(today, sizeof(today), 0);
	/* Each rule only looks at fields that passed the table, so a form
	 * with field errors still gets every other complaint at once. */
	if (field_set_error(&c->fs, "method") == NULL &&
	    !is_manual_method(kit_field_s(c, "method")) &&
	    !staff_stripe_is_method(kit_field_s(c, "method"))) {
		kit_form_error(c, "method", "Choose a payment method.");
		bad++;
	}
	if (strcmp(kit_field_s(c, "method"), "check") == 0 &&
	    field_set_error(&c->fs, "reference") == NULL &&
	    kit_field_s(c, "reference")[0] == '\0') {
		kit_form_error(c, "reference", "Enter the check number.");
		bad++;
	}
	if (field_set_error(&c->fs, "received_date") == NULL &&
	    !staff_stripe_is_method(kit_field_s(c, "method")) &&
	    strcmp(kit_field_s(c, "received_date"), today) > 0) {
		kit_form_error(c, "received_date",
		    "The received date cannot be in the future.");
		bad++;
	}
	if (cid->present && field_set_error(&c->fs, "client_id") == NULL) {
		rc = client_get(c->app->db, cid->i, &cl);
		if (rc == PROF_DB)
			return -1;
		if (rc != PROF_OK || cl.account_id != f->acct.id) {
			kit_form_error(c, "client_id",
			    "Choose a client of this account.");
			bad++;
		}
	}
	if (!choose || c->fs.nerr > 0)
		return bad;
	bad += pay_form_collect(c, f, msg, msgsz);
	for (size_t i = 0; i < f->ninv; i++) {
		struct tmpl_vars *row;
		if (f->row_err[i][0] == '\0' ||
		    (row = tmpl_loop_add(c->view, "errors")) == NULL)
			continue;
		tmpl_setf(row, "message", "%s: %s", f->inv[i].number, f->row_err[i]);
	}
	if (f->chosen_total > amount->i) {
		money_format(f->chosen_total, s, sizeof(s));
		money_format(amount->i, a, sizeof(a));
		str_fmt(m, sizeof(m), "The amounts to apply add up to %s, more "
		    "than the payment of %s.", s, a);
		kit_form_error(c, "allocation", m);
		bad++;
	}
	return bad;
}

static const char *
payment_status_message(int rc, const char *msg)
{
	if (msg[0] != '\0')
		return msg;
	switch (rc) {
	case PAY_OVER_PAYMENT:
		return "The amounts to apply are more than the payment.";
	case PAY_OVER_INVOICE:
		return "An amount is more than what is still open on its invoice. "
		    "Review the amounts and try again.";
	case PAY_NOT_FOUND:
		return "An invoice you chose is not open on this account.";
	default:
		return "The payment could not be recorded. Check the fields.";
	}
}

static int
payment_save(struct ctx *c, struct pay_form *f, int choose)
{
	struct actor a = kit_staff_actor(c);
	struct payment p;
	char msg[300] = "", loc[80];
	int rc;

	memset(&p, 0, sizeof(p));
	p.account_id = f->acct.id;
	p.client_id = app_field(c, "client_id")->present ?
	    app_field(c, "client_id")->i : 0;
	str_copy(p.method, sizeof(p.method), kit_field_s(c, "method"));
	p.amount = app_field(c, "amount")->i;
	str_copy(p.received_date, sizeof(p.received_date),
	    kit_field_s(c, "received_date"));
	str_copy(p.reference, sizeof(p.reference), kit_field_s(c, "reference"));
	str_copy(p.memo, sizeof(p.memo), kit_field_s(c, "memo"));
	rc = payment_record(c->app->db, &a, &p, !choose, f->req, f->nreq, msg,
	    sizeof(msg));
	if (rc == PAY_DB)
		return -1;
	if (rc != PAY_OK)
		return payment_form(c, f, 422, payment_status_message(rc, msg));
	str_fmt(loc, sizeof(loc), "/payments/%" PRId64 "?notice=recorded", p.id);
	http_redirect(&c->resp, 303, loc);
	return 0;
}

int
h_payment_create(struct ctx *c)
{
	struct pay_form f;
	char msg[512] = "";
	int rc, choose;

	if ((rc = pay_form_load(c, &f)) != 0) {
		pay_form_free(&f);
		return rc == 1 ? 0 : -1;
	}
	/* Same form, same answer: a resubmission gets its first payment. */
	if ((rc = staff_stripe_pay_replay(c, f.acct.id)) != 1) {
		pay_form_free(&f);
		return rc;
	}
	drop_alloc_errors(c);
	f.stripe = staff_stripe_is_method(kit_field_s(c, "method"));
	pay_form_inputs(c, &f);
	choose = strcmp(kit_field_s(c, "allocation"), "choose") == 0;
	rc = payment_check(c, &f, choose, msg, sizeof(msg));
	if (rc >= 0 && c->fs.nerr > 0) {
		app_view_errors(c);
		rc = payment_form(c, &f, 422, "Please correct the fields below.");
	} else if (rc > 0)
		rc = payment_form(c, &f, 422, msg[0] ? msg :
		    "Please correct the fields below.");
	else if (rc == 0 && staff_stripe_is_method(kit_field_s(c, "method"))) {
		const struct field_value *cid = app_field(c, "client_id");
		rc = staff_stripe_pay_submit(c, f.acct.id,
		    cid->present ? cid->i : 0, !choose, f.req, f.nreq, msg,
		    sizeof(msg));
		if (rc == 1 || rc == 2)
			rc = payment_form(c, &f, rc == 2 ? 409 : 422, msg);
	} else if (rc == 0)
		rc = payment_save(c, &f, choose);
	pay_form_free(&f);
	return rc;
}

/* --- the payment page ---------------------------------------------------- */

static int
view_allocations(struct ctx *c, const struct payment *p)
{
	struct allocation *al = NULL;
	size_t n = 0;

	if (allocation_list(c->app->db, p->id, 0, &al, &n) != PAY_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "allocations");
		if (row == NULL)
			break;
		tmpl_set_int(row, "invoice_id", al[i].invoice_id);
		tmpl_set(row, "invoice_number", al[i].invoice_number);
		kit_set_money(row, "alloc_amount", al[i].amount);
		tmpl_set_bool(row, "alloc_release", al[i].amount < 0);
		kit_set_instant(row, "alloc_at", al[i].created_at);
	}
	free(al);
	return 0;
}

/* The allocate form's invoice choices (only when money is left). */
static int
view_allocate_choices(struct ctx *c, const struct payment *p)
{
	struct invoice *inv = NULL;
	size_t n = 0;
	int more = 0;
	const char *sel = kit_input(c, "invoice_id");
	char id[24];

	if (p->unallocated <= 0 || strcmp(p->status, "succeeded") != 0)
		return 0;
	if (staff_money_open_invoices(c, p->account_id, PAY_SHOW_INVOICES, &inv,
	    &n,
	    &more) == -1)
		return -1;
	/* The amount offered: what the first (oldest due) invoice can take. */
	if (n > 0 && kit_input(c, "amount")[0] == '\0')
		kit_set_money_plain(c->view, "form_amount", inv[0].open <
		    p->unallocated ? inv[0].open : p->unallocated);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "open_invoices");
		if (row == NULL)
			break;
		str_fmt(id, sizeof(id), "%" PRId64, inv[i].id);
		tmpl_set_int(row, "invoice_id", inv[i].id);
		tmpl_set(row, "invoice_number", inv[i].number);
		tmpl_set(row, "due_date", inv[i].due_date);
		kit_set_money(row, "invoice_open", inv[i].open);
		tmpl_set_bool(row, "invoice_selected", strcmp(sel, id) == 0);
	}
	staff_money_invoices_free(inv, n);
	tmpl_set_bool(c->view, "can_allocate", n > 0);
	return 0;
}

static void
view_payment(struct ctx *c, const struct payment *p)
{
	struct tmpl_vars *v = c->view;

	tmpl_set_int(v, "payment_id", p->id);
	tmpl_set(v, "method", p->method);
	tmpl_set(v, "method_label", strcmp(p->method, "ach") == 0 ?
	    "Bank transfer (ACH)" : kit_method_label(p->method));
	tmpl_set(v, "reference", p->reference);
	tmpl_set(v, "memo", p->memo);
	tmpl_set(v, "received_date", p->received_date);
	tmpl_set(v, "payment_status", p->status);
	tmpl_set_bool(v, "is_check", strcmp(p->method, "check") == 0);
	tmpl_set_bool(v, "succeeded", strcmp(p->status, "succeeded") == 0);
	kit_set_instant(v, "recorded_at", p->created_at);
	kit_set_money(v, "amount", p->amount);
	kit_set_money(v, "allocated", p->allocated);
	kit_set_money(v, "refunded", p->refunded);
	tmpl_set_bool(v, "has_refund", p->refunded != 0);
	kit_set_money(v, "unallocated", p->unallocated);
	tmpl_set_bool(v, "has_unallocated", p->unallocated > 0);
	if (p->unallocated > 0 && kit_input(c, "amount")[0] == '\0')
		kit_set_money_plain(v, "form_amount", p->unallocated);
	else
		tmpl_set(v, "form_amount", kit_input(c, "amount"));
}

/* Renders the payment page (or its receipt) with an optional error. */
static int
payment_page(struct ctx *c, const struct payment *p, int status,
    const char *error)
{
	const struct field_value *notice = app_field(c, "notice");
	const struct field_value *print = app_field(c, "print");
	struct account acct;
	struct client cl;
	char name[210];
	int rc;

	if ((rc = kit_account_or_404(c, p->account_id, &acct)) != 0)
		return rc == 1 ? 0 : -1;
	kit_view_account(c->view, &acct);
	if (p->client_id) {
		rc = client_get(c->app->db, p->client_id, &cl);
		if (rc == PROF_DB)
			return -1;
		if (rc == PROF_OK) {
			str_fmt(name, sizeof(name), "%s %s", cl.first_name,
			    cl.last_name);
			tmpl_set_int(c->view, "client_id", p->client_id);
			tmpl_set(c->view, "client_name", name);
		}
	}
	view_payment(c, p);
	if (view_allocations(c, p) == -1 ||
	    staff_stripe_payment_view(c, p) == -1)
		return -1;
	tmpl_setf(c->view, "title", "Payment #%" PRId64, p->id);
	tmpl_set_bool(c->view, "nav_accounts", 1);
	if (notice && notice->present && c->fs.nerr == 0 &&
	    strcmp(c->req.method, "GET") == 0)
		tmpl_set(c->view, "notice", notice->s);
	if (print && print->i && strcmp(c->req.method, "GET") == 0)
		return app_render(c, 200, "payment_receipt.html");
	if (view_allocate_choices(c, p) == -1)
		return -1;
	if (error)
		tmpl_set(c->view, "error", error);
	return app_render(c, status, "payment_show.html");
}

/* Loads the payment of the path; 0 found, 1 answered 404, -1 error. */
static int
load_payment(struct ctx *c, struct payment *p)
{
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment.") == -1 ? -1 : 1;
	rc = payment_get(c->app->db, id, p);
	if (rc == PAY_DB)
		return -1;
	if (rc != PAY_OK)
		return app_error(c, 404, "No such payment.") == -1 ? -1 : 1;
	return 0;
}

int
staff_money_payment_page(struct ctx *c, int64_t id, int status,
    const char *error)
{
	struct payment p;
	int rc = payment_get(c->app->db, id, &p);

	if (rc == PAY_DB)
		return -1;
	if (rc != PAY_OK)
		return app_error(c, 404, "No such payment.");
	return payment_page(c, &p, status, error);
}

int
h_payment_show(struct ctx *c)
{
	struct payment p;
	int rc;

	if ((rc = load_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	return payment_page(c, &p, 200, NULL);
}

int
h_payment_allocate(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct payment p;
	char msg[300] = "", loc[80];
	int rc;

	if ((rc = load_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return payment_page(c, &p, 422, "Please correct the fields below.");
	}
	rc = payment_allocate(c->app->db, &a, p.id, app_field(c, "invoice_id")->i,
	    app_field(c, "amount")->i, msg, sizeof(msg));
	if (rc == PAY_DB)
		return -1;
	if (rc != PAY_OK) {
		/* Show the amounts as they are now, not as they were. */
		if (payment_get(c->app->db, p.id, &p) == PAY_DB)
			return -1;
		return payment_page(c, &p, 422, payment_status_message(rc, msg));
	}
	str_fmt(loc, sizeof(loc), "/payments/%" PRId64 "?notice=allocated", p.id);
	http_redirect(&c->resp, 303, loc);
	return 0;
}

int
h_account_apply_credit(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct account acct;
	int64_t id, moved = 0;
	char loc[80];
	int rc;

	if ((rc = kit_account_or_404(c, (id = kit_path_id(c, "id")),
	    &acct)) != 0)
		return rc == 1 ? 0 : -1;
	if (account_apply_credit(c->app->db, &a, id, &moved) == PAY_DB)
		return -1;
	str_fmt(loc, sizeof(loc), "/accounts/%" PRId64 "?notice=credit_applied",
	    id);
	http_redirect(&c->resp, 303, loc);
	return 0;
}
