/* Card and ACH payments taken by staff: the Stripe part of the New Payment
 * form, the payment step with the Payment Element, the result (refresh),
 * try again, refunds, the Stripe block of the payment page and the emailed
 * receipt. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "invoice.h"
#include "kit.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "staff_stripe.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* --- the New Payment form ------------------------------------------------- */

/* "saved-<id>" -> id; 0 when the value is not a saved method. */
static int64_t
saved_method_id(const char *method)
{
	int64_t id;

	if (!str_starts(method, "saved-") ||
	    str_to_i64(method + 6, 1, INT64_MAX, &id) == -1)
		return 0;
	return id;
}

int
staff_stripe_is_method(const char *method)
{
	return strcmp(method, "card") == 0 || strcmp(method, "ach") == 0 ||
	    saved_method_id(method) != 0;
}

/* 1 when an active consent of the list may cover an ordinary charge to
 * the method (a payment plan consent never does; the amount is checked
 * when charging). */
static int
has_consent(const struct sp_consent *cs, size_t n, int64_t method_id)
{
	for (size_t i = 0; i < n; i++)
		if (cs[i].payment_method_id == method_id && cs[i].revoked_at == 0 &&
		    strcmp(cs[i].scope, "payment_plan") != 0)
			return 1;
	return 0;
}

int
staff_stripe_pay_form(struct ctx *c, int64_t account_id)
{
	struct sp_method *ms = NULL;
	struct sp_consent *cs = NULL;
	size_t nm = 0, nc = 0;
	int post = strcmp(c->req.method, "POST") == 0;
	int need_consent = c->app->cfg.consent_required != 0;
	const char *key = post ? kit_input(c, "attempt_key") : "";
	const char *method = kit_input(c, "method");
	char fresh[64], value[40];

	tmpl_set_bool(c->view, "stripe_enabled", staff_stripe_enabled(c));
	/* A re-shown form keeps its key: a payment it started is found again. */
	if (key[0] == '\0' || strlen(key) < SP_ATTEMPT_KEY_MIN ||
	    strlen(key) > SP_ATTEMPT_KEY_MAX) {
		if (staff_stripe_attempt_key(fresh, sizeof(fresh)) == -1)
			return -1;
		key = fresh;
	}
	tmpl_set(c->view, "attempt_key", key);
	tmpl_set(c->view, "form_consent_signer", post ?
	    kit_input(c, "consent_signer") : "");
	tmpl_set_bool(c->view, "form_save_method", post &&
	    kit_input(c, "save_method")[0] != '\0');
	tmpl_set_bool(c->view, "form_consent_agree", post &&
	    kit_input(c, "consent_agree")[0] != '\0');
	tmpl_setf(c->view, "methods_url", "/accounts/%" PRId64 "/payment-methods",
	    account_id);
	tmpl_setf(c->view, "consents_url", "/accounts/%" PRId64 "/consents",
	    account_id);
	staff_stripe_view_consent_text(c);
	if (!staff_stripe_enabled(c))
		return 0;
	if (!post)	/* card payments first (seed 004) */
		tmpl_set(c->view, "form_method", "card");
	if (staff_stripe_methods_consents(c, account_id, &ms, &nm, &cs,
	    &nc) == -1)
		return -1;
	for (size_t i = 0; i < nm; i++) {
		int ok = !need_consent || has_consent(cs, nc, ms[i].id);
		struct tmpl_vars *row = tmpl_loop_add(c->view,
		    ok ? "saved_methods" : "saved_uncovered");

		if (row == NULL)
			break;
		staff_stripe_view_method(row, &ms[i]);
		str_fmt(value, sizeof(value), "saved-%" PRId64, ms[i].id);
		tmpl_set(row, "method_value", value);
		tmpl_set_bool(row, "method_selected", strcmp(method, value) == 0);
	}
	free(ms);
	free(cs);
	return 0;
}

/* --- the payment step ----------------------------------------------------- */

static const char *
method_title(const char *method)
{
	return strcmp(method, "ach") == 0 ? "Bank account (ACH)" : "Card";
}

/* Shows what a plan applies the payment to. */
static void
view_plan(struct ctx *c, const char *plan)
{
	struct alloc_req req[SP_PLAN_MAX];
	struct invoice inv;
	size_t n = 0;
	int a = 1;

	if (stripe_pay_plan_parse(plan, &a, req, ARRAY_LEN(req), &n) == -1 || a) {
		tmpl_set_bool(c->view, "plan_auto", 1);
		return;
	}
	if (n == 0) {
		tmpl_set_bool(c->view, "plan_none", 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "plan_rows");
		if (row == NULL)
			break;
		memset(&inv, 0, sizeof(inv));
		if (invoice_get(c->app->db, req[i].invoice_id, &inv) == INV_OK)
			tmpl_set(row, "plan_invoice", inv.number);
		else
			tmpl_setf(row, "plan_invoice", "#%" PRId64, req[i].invoice_id);
		invoice_free(&inv);
		tmpl_set_int(row, "plan_invoice_id", req[i].invoice_id);
		kit_set_money(row, "plan_amount", req[i].amount);
	}
}

/* Renders stripe_pay.html for a pending card/ACH payment: the Payment
 * Element, "Process payment", the refresh form it submits afterwards. */
int
staff_stripe_pay_step(struct ctx *c, int64_t payment_id,
    const char *client_secret, const char *signer, int agree)
{
	struct sp_payment p;
	struct account acct;
	struct client cl;
	int rc;

	rc = stripe_pay_get(c->app->db, payment_id, &p);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return app_error(c, 404, "No such payment.");
	if ((rc = kit_account_or_404(c, p.account_id, &acct)) != 0)
		return rc == 1 ? 0 : -1;
	kit_view_account(c->view, &acct);
	if (p.client_id && client_get(c->app->db, p.client_id, &cl) == PROF_OK)
		tmpl_setf(c->view, "client_name", "%s %s", cl.first_name,
		    cl.last_name);
	tmpl_set(c->view, "title", strcmp(p.method, "ach") == 0 ?
	    "Bank payment" : "Card payment");
	tmpl_set_bool(c->view, "nav_accounts", 1);
	tmpl_set_int(c->view, "payment_id", p.id);
	tmpl_set(c->view, "method_title", method_title(p.method));
	tmpl_set_bool(c->view, "is_ach", strcmp(p.method, "ach") == 0);
	kit_set_money(c->view, "amount", p.amount);
	tmpl_set(c->view, "memo", p.memo);
	tmpl_set_bool(c->view, "save_method", p.save_method);
	tmpl_set(c->view, "client_secret", client_secret);
	tmpl_set(c->view, "publishable_key", c->app->cfg.stripe_publishable_key);
	tmpl_set(c->view, "stripe_js_url", c->app->cfg.stripe_js_url);
	tmpl_setf(c->view, "return_url", "%s/payments/%" PRId64,
	    c->app->cfg.base_url, p.id);
	if (p.consent_signer[0] != '\0') {
		/* Given with the payment: recorded when the payment settles. */
		tmpl_set(c->view, "consent_signer", p.consent_signer);
		tmpl_set_bool(c->view, "consent_given", 1);
		tmpl_set_bool(c->view, "consent_stored", 1);
	} else {
		tmpl_set(c->view, "consent_signer", signer ? signer : "");
		tmpl_set_bool(c->view, "consent_given", signer && signer[0] && agree);
	}
	staff_stripe_view_consent_text(c);
	view_plan(c, p.alloc_plan);
	app_csp_stripe(c);
	return app_render(c, 200, "stripe_pay.html");
}

void
staff_stripe_redirect_payment(struct ctx *c, int64_t id, const char *notice)
{
	char loc[96];

	if (notice)
		str_fmt(loc, sizeof(loc), "/payments/%" PRId64 "?notice=%s", id,
		    notice);
	else
		str_fmt(loc, sizeof(loc), "/payments/%" PRId64, id);
	http_redirect(&c->resp, 303, loc);
}

/* The notice of a payment page after an attempt ended as out says. */
const char *
staff_stripe_result_notice(const struct sp_result *out)
{
	if (strcmp(out->status, "succeeded") == 0)
		return "paid";
	if (strcmp(out->status, "failed") == 0 || strcmp(out->status, "canceled") == 0)
		return "failed";
	if (strcmp(out->stripe_status, "processing") == 0)
		return "processing";
	return "pending";
}

/* Refused, never charged: the payment holding the money is linked. 2. */
static int
busy_view(struct ctx *c, const struct sp_result *out)
{
	if (out->busy_payment_id != 0) {
		tmpl_setf(c->view, "busy_url", "/payments/%" PRId64,
		    out->busy_payment_id);
		tmpl_setf(c->view, "busy_label", "P-%" PRId64, out->busy_payment_id);
	}
	return 2;
}

/* The checks of a card/ACH submit before anything is reserved: 1 refused
 * (msg, and the fields' errors), 0 fine. */
struct submit_plan {
	int			 auto_alloc;
	const struct alloc_req	*req;
	size_t			 n;
	char			*plan;	/* the allocation written */
	size_t			 plansz;
};

static int
submit_refused(struct ctx *c, const char *key, int64_t amount,
    const struct submit_plan *s, int save_new, const char *signer, int agreed,
    char *msg, size_t msgsz)
{
	if (!staff_stripe_enabled(c)) {
		str_copy(msg, msgsz, "Card and bank payments are not set up on this "
		    "system. Record the payment with another method.");
		return 1;
	}
	if (strlen(key) < SP_ATTEMPT_KEY_MIN) {
		str_copy(msg, msgsz, "This form has expired. Reload the page and "
		    "try again.");
		return 1;
	}
	if (amount > SP_AMOUNT_MAX) {
		kit_form_error(c, "amount", "Card and bank payments are "
		    "limited to $999,999.99.");
		str_copy(msg, msgsz, "Please correct the fields below.");
		return 1;
	}
	/* Choose invoices with none chosen: no allocation, kept as credit. */
	if (s->n > SP_PLAN_MAX || stripe_pay_plan_write(s->auto_alloc, s->req,
	    s->n, s->plan, s->plansz) == -1) {
		str_copy(msg, msgsz, "Too many invoices were chosen for one card "
		    "payment. Apply it automatically or to fewer invoices.");
		return 1;
	}
	if (save_new && (signer[0] == '\0' || !agreed)) {
		if (signer[0] == '\0')
			kit_form_error(c, "consent_signer", "Type the name "
			    "of the person authorizing future charges.");
		if (!agreed)
			kit_form_error(c, "consent_agree", "The client must "
			    "agree to the authorization to save the card.");
		str_copy(msg, msgsz, "To save the payment method, record the "
		    "client's authorization.");
		return 1;
	}
	return 0;
}

int
staff_stripe_pay_submit(struct ctx *c, int64_t account_id, int64_t client_id,
    int auto_alloc, const struct alloc_req *req, size_t n, char *msg,
    size_t msgsz)
{
	const char *method = kit_field_s(c, "method");
	const char *key = kit_field_s(c, "attempt_key");
	const struct field_value *amount = app_field(c, "amount");
	const struct field_value *save = app_field(c, "save_method");
	const struct field_value *agree = app_field(c, "consent_agree");
	const char *signer = kit_field_s(c, "consent_signer");
	int64_t saved = saved_method_id(method);
	struct sp_start q;
	struct sp_consent_req k;
	struct sp_result out;
	struct actor a;
	struct sp sp;
	char plan[SP_PLAN_MAX * 48];
	struct submit_plan sp_plan = { auto_alloc, req, n, plan, sizeof(plan) };
	int rc, save_on = save && save->i;

	if (submit_refused(c, key, amount->i, &sp_plan, !saved && save_on,
	    signer, agree && agree->i, msg, msgsz))
		return 1;
	if (staff_stripe_sp(c, &sp, &a) == -1)
		return -1;
	memset(&q, 0, sizeof(q));
	q.account_id = account_id;
	q.client_id = client_id;
	q.method = saved ? NULL : method;
	q.amount = amount->i;
	q.attempt_key = key;
	q.alloc_plan = plan;
	q.save_method = !saved && save_on;
	q.memo = kit_field_s(c, "memo");
	q.payment_method_id = saved;
	/* The authorization goes with the payment: recorded with the saved
	 * method by whichever path settles it (page, webhook, reconcile). */
	staff_stripe_consent_req(c, &k, "any_balance", 0, signer);
	rc = saved ? stripe_pay_charge_saved(&sp, &q, &out) :
	    stripe_pay_start_consent(&sp, &q, q.save_method ? &k : NULL, &out);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_OK && !saved && out.client_secret[0] != '\0')
		return staff_stripe_pay_step(c, out.payment_id,
		    out.client_secret, signer, agree && agree->i);
	if (rc == SP_OK) {
		staff_stripe_redirect_payment(c, out.payment_id,
		    staff_stripe_result_notice(&out));
		return 0;
	}
	if (rc == SP_STRIPE && out.payment_id != 0 && saved) {
		/* Charged or not: the payment page tells, reconcile settles. */
		staff_stripe_redirect_payment(c, out.payment_id, "checking");
		return 0;
	}
	str_copy(msg, msgsz, out.message[0] ? out.message :
	    "The payment could not be started. Please try again.");
	return rc == SP_BUSY ? busy_view(c, &out) : 1;
}

/* The notice of a payment page for a payment as it is now. */
static const char *
payment_notice(const struct sp_payment *p)
{
	if (strcmp(p->status, "succeeded") == 0)
		return "paid";
	if (strcmp(p->status, "failed") == 0 || strcmp(p->status, "canceled") == 0)
		return "failed";
	if (strcmp(p->stripe_status, "processing") == 0)
		return "processing";
	return "pending";
}

/* The payment step again for a pending page payment nobody confirmed (its
 * intent's client secret), else the payment page. */
int
staff_stripe_pay_again(struct ctx *c, const struct sp_payment *p)
{
	struct sp_result out;
	struct sp_start q;
	struct actor a;
	struct sp sp;
	int rc;

	if (strcmp(p->status, "pending") != 0 || p->payment_method_id != 0 ||
	    strcmp(p->stripe_status, "processing") == 0) {
		staff_stripe_redirect_payment(c, p->id, payment_notice(p));
		return 0;
	}
	if (staff_stripe_sp(c, &sp, &a) == -1)
		return -1;
	memset(&q, 0, sizeof(q));
	q.account_id = p->account_id;
	q.client_id = p->client_id;
	q.method = p->method;
	q.amount = p->amount;
	q.attempt_key = p->attempt_key;	/* finds this payment again */
	q.alloc_plan = p->alloc_plan;
	q.save_method = p->save_method;
	q.memo = p->memo;
	rc = stripe_pay_start(&sp, &q, &out);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_OK && out.client_secret[0] != '\0')
		return staff_stripe_pay_step(c, p->id, out.client_secret, "",
		    0);
	staff_stripe_redirect_payment(c, p->id, rc == SP_OK ?
	    staff_stripe_result_notice(&out) : "checking");
	return 0;
}

int
staff_stripe_pay_replay(struct ctx *c, int64_t account_id)
{
	const char *key = kit_input(c, "attempt_key");
	struct sp_payment p;
	int rc;

	if (!staff_stripe_is_method(kit_input(c, "method")) ||
	    strlen(key) < SP_ATTEMPT_KEY_MIN)
		return 1;
	rc = stripe_pay_by_attempt(c->app->db, key, &p);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || p.account_id != account_id)
		return 1;
	return staff_stripe_pay_again(c, &p);
}

/* --- the Stripe block of the payment page ----------------------------------- */

static int
view_refunds(struct ctx *c, int64_t payment_id)
{
	struct sp_refund *rs = NULL;
	size_t n = 0;

	if (stripe_pay_refund_list(c->app->db, payment_id, &rs, &n) != SP_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "refunds");
		if (row == NULL)
			break;
		kit_set_money(row, "refund_amount", rs[i].amount);
		tmpl_set(row, "refund_reason", rs[i].reason);
		tmpl_set(row, "refund_status", rs[i].status);
		tmpl_set(row, "refund_stripe_id", rs[i].stripe_refund_id);
		kit_set_instant(row, "refund_at", rs[i].created_at);
	}
	free(rs);
	return 0;
}

/* The refund form was posted (its inputs are shown again). */
static int
refund_post(const struct ctx *c)
{
	size_t n = strlen(c->req.path);

	return strcmp(c->req.method, "POST") == 0 && n > 7 &&
	    strcmp(c->req.path + n - 7, "/refund") == 0;
}

/* The refunds of the payment and the refund form (amount and reason as
 * posted, else what can still be refunded). 0 / -1. */
static int
view_refund_form(struct ctx *c, const struct sp_payment *p, int succeeded)
{
	struct tmpl_vars *v = c->view;
	int64_t refundable = 0;

	if (view_refunds(c, p->id) == -1)
		return -1;
	if (succeeded && stripe_pay_refundable(c->app->db, p->id,
	    &refundable) ==
	    SP_DB)
		return -1;
	tmpl_set_bool(v, "can_refund", succeeded && refundable > 0);
	kit_set_money(v, "refundable", refundable);
	kit_set_money(v, "refund_pending_total", p->refund_pending);
	tmpl_set_bool(v, "has_refund_pending", p->refund_pending > 0);
	if (refund_post(c) && kit_input(c, "amount")[0])
		tmpl_set(v, "form_refund_amount", kit_input(c, "amount"));
	else if (refundable > 0)
		kit_set_money_plain(v, "form_refund_amount", refundable);
	else
		tmpl_set(v, "form_refund_amount", "");
	tmpl_set(v, "form_refund_reason", refund_post(c) ?
	    kit_input(c, "reason") : "");
	return 0;
}

int
staff_stripe_payment_view(struct ctx *c, const struct payment *pay)
{
	struct tmpl_vars *v = c->view;
	struct sp_payment p;
	struct sp_method m;
	struct balance b;
	struct account acct;
	char key[64], label[120];
	int rc, succeeded, failed, processing;

	if (ledger_balance_account(c->app->db, pay->account_id, &b) == 0)
		kit_set_money(v, "acct_balance_due", b.open > 0 ? b.open : 0);
	else
		tmpl_set(v, "acct_balance_due", "");
	if (account_get(c->app->db, pay->account_id, &acct) == PROF_OK)
		tmpl_set(v, "receipt_to", kit_input(c, "to")[0] ?
		    kit_input(c, "to") : acct.email);
	else
		tmpl_set(v, "receipt_to", kit_input(c, "to"));
	if (strcmp(pay->method, "card") != 0 && strcmp(pay->method, "ach") != 0)
		return 0;
	rc = stripe_pay_get(c->app->db, pay->id, &p);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return 0;
	succeeded = strcmp(p.status, "succeeded") == 0;
	failed = strcmp(p.status, "failed") == 0 || strcmp(p.status, "canceled") == 0;
	processing = strcmp(p.status, "pending") == 0 &&
	    strcmp(p.stripe_status, "processing") == 0;
	tmpl_set_bool(v, "is_stripe", 1);
	tmpl_set_bool(v, "is_ach", strcmp(p.method, "ach") == 0);
	tmpl_set_bool(v, "is_failed", failed);
	tmpl_set_bool(v, "is_pending", strcmp(p.status, "pending") == 0);
	tmpl_set_bool(v, "is_processing", processing);
	tmpl_set_bool(v, "can_resume", strcmp(p.status, "pending") == 0 &&
	    !processing && p.payment_method_id == 0);
	/* Never confirmed (as far as we know): staff may cancel it. */
	tmpl_set_bool(v, "can_cancel", strcmp(p.status, "pending") == 0 &&
	    !processing && p.payment_method_id == 0);
	tmpl_set(v, "stripe_status", p.stripe_status[0] ? p.stripe_status : "—");
	tmpl_set(v, "stripe_intent", p.intent);
	tmpl_set(v, "failure_code", p.failure_code);
	tmpl_set(v, "failure_message", p.failure_message[0] ? p.failure_message :
	    "The payment could not be completed.");
	tmpl_set(v, "failure_title", strcmp(p.status, "canceled") == 0 ?
	    "Payment canceled" : staff_stripe_failure_title(p.failure_code));
	tmpl_set_bool(v, "disputed", p.disputed);
	tmpl_set_bool(v, "saved_requested", p.save_method);
	if (p.settled_at)
		kit_set_instant(v, "settled_at", p.settled_at);
	if (p.payment_method_id &&
	    stripe_pay_method_get(c->app->db, p.payment_method_id, &m) == SP_OK) {
		staff_stripe_method_label(&m, label, sizeof(label));
		tmpl_set(v, "pm_label", label);
		tmpl_set_bool(v, "pm_saved_now", p.save_method);
		tmpl_set_bool(v, "pm_was_saved", !p.save_method);
	}
	if (view_refund_form(c, &p, succeeded) == -1)
		return -1;
	if (failed) {
		if (staff_stripe_attempt_key(key, sizeof(key)) == -1)
			return -1;
		tmpl_set(v, "retry_attempt_key", key);
		tmpl_set_bool(v, "retry_entry", p.payment_method_id == 0);
		tmpl_setf(v, "retry_new_url", "/accounts/%" PRId64 "/payments/new",
		    p.account_id);
	}
	return 0;
}
