/* Actions on a card or ACH payment taken by staff: the result after the
 * browser's confirm (refresh), try again, resume, cancel, refunds and the
 * emailed receipt. They answer with the payment page of staff_money_pay.c;
 * that page uses only the view parts of staff_stripe_pay.c, so the two
 * files do not call each other. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "outbox.h"
#include "payment.h"
#include "profiles.h"
#include "staff_money.h"
#include "staff_stripe.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* --- after the browser's confirm: the result ------------------------------ */

/* Loads the card/ACH payment of the path. 0 found, 1 answered, -1 error. */
static int
load_stripe_payment(struct ctx *c, struct sp_payment *p)
{
	int64_t id;
	int rc;

	if (ss_path_id(c, "id", &id) == -1)
		return app_error(c, 404, "No such payment.") == -1 ? -1 : 1;
	rc = stripe_pay_get(c->app->db, id, p);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || (strcmp(p->method, "card") != 0 &&
	    strcmp(p->method, "ach") != 0))
		return app_error(c, 404, "No such card or bank payment.") == -1 ?
		    -1 : 1;
	return 0;
}

int
h_stripe_refresh(struct ctx *c)
{
	struct sp_payment p;
	struct sp_result out;
	struct actor a;
	struct sp sp;
	const struct field_value *agree = app_field(c, "consent_agree");
	const char *signer = ss_field_s(c, "consent_signer");
	const char *notice;
	char msg[300] = "";
	int rc;

	if ((rc = load_stripe_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (ss_sp(c, &sp, &a) == -1)
		return -1;
	rc = stripe_pay_refresh(&sp, p.id, &out);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK) {
		ss_redirect_payment(c, p.id, "checking");
		return 0;
	}
	notice = ss_result_notice(&out);
	if (strcmp(out.status, "succeeded") == 0) {
		if (stripe_pay_get(c->app->db, p.id, &p) == SP_DB)
			return -1;
		if (p.save_method && p.payment_method_id && p.consent_id)
			notice = "paid_saved";	/* recorded at settlement */
		else if (p.save_method && p.payment_method_id && signer[0] &&
		    agree && agree->i) {
			/* A payment started without the consent (given on the
			 * payment step instead): recorded now, once. */
			struct sp_consent_req k;
			int64_t cid = 0;
			ss_consent_req(c, &k, "any_balance", 0, signer);
			rc = stripe_pay_consent_for_payment(&sp, p.id, &k, &cid, msg,
			    sizeof(msg));
			if (rc == SP_DB)
				return -1;
			notice = rc == SP_OK ? "paid_saved" : "paid";
		}
	}
	ss_redirect_payment(c, p.id, notice);
	return 0;
}

/* A new attempt with the amount, allocation and description of a failed
 * one (a different card). */
int
h_stripe_retry(struct ctx *c)
{
	struct sp_payment p;
	struct sp_consent_req k;
	struct sp_result out;
	struct sp_start q;
	struct actor a;
	struct sp sp;
	int rc;

	if ((rc = load_stripe_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (strcmp(p.status, "failed") != 0 && strcmp(p.status, "canceled") != 0) {
		ss_redirect_payment(c, p.id, NULL);
		return 0;
	}
	if (ss_sp(c, &sp, &a) == -1)
		return -1;
	memset(&q, 0, sizeof(q));
	q.account_id = p.account_id;
	q.client_id = p.client_id;
	q.method = p.method;
	q.amount = p.amount;
	q.attempt_key = ss_field_s(c, "attempt_key");
	q.alloc_plan = p.alloc_plan;
	q.save_method = p.save_method;
	q.memo = p.memo;
	/* The authorization given with the failed attempt goes with this one. */
	rc = stripe_pay_start_consent(&sp, &q, p.save_method &&
	    p.consent_signer[0] ? ss_payment_consent(&p, &k) : NULL, &out);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_OK && out.client_secret[0] != '\0')
		return ss_pay_step(c, out.payment_id, out.client_secret, "", 0);
	if (out.payment_id != 0) {
		ss_redirect_payment(c, out.payment_id, rc == SP_OK ?
		    ss_result_notice(&out) : "checking");
		return 0;
	}
	if (rc == SP_BUSY || rc == SP_INVALID)
		return money_payment_page(c, p.id, rc == SP_BUSY ? 409 : 422,
		    out.message);
	return app_error(c, 502, out.message[0] ? out.message :
	    "The payment could not be started. Please try again.");
}

/* Back to the payment step of a payment that was not confirmed (the page
 * was left before "Process payment"). */
int
h_stripe_resume(struct ctx *c)
{
	struct sp_payment p;
	int rc;

	if ((rc = load_stripe_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (strcmp(p.status, "pending") != 0 || p.payment_method_id != 0 ||
	    strcmp(p.stripe_status, "processing") == 0) {
		ss_redirect_payment(c, p.id, NULL);
		return 0;
	}
	return ss_pay_again(c, &p);
}

/* "Cancel payment": a card/ACH payment nobody confirmed is canceled at
 * Stripe; one the client did confirm meanwhile is settled instead. */
int
h_stripe_cancel(struct ctx *c)
{
	struct sp_payment p;
	struct sp_result out;
	struct actor a;
	struct sp sp;
	int rc;

	if ((rc = load_stripe_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (ss_sp(c, &sp, &a) == -1)
		return -1;
	rc = stripe_pay_cancel(&sp, p.id, &out);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_OK) {
		/* The page shows it canceled, with "Try again". */
		ss_redirect_payment(c, p.id, "failed");
		return 0;
	}
	if (rc == SP_STRIPE)
		return money_payment_page(c, p.id, 502, out.message[0] ?
		    out.message : "Stripe did not answer. Please try again.");
	if (rc != SP_INVALID)
		return app_error(c, 404, "No such card or bank payment.");
	/* Not cancelable (paid, processing, a saved-method charge): the page
	 * says why, with the payment as it is now. */
	return money_payment_page(c, p.id, 409, out.message[0] ? out.message :
	    "This payment cannot be canceled.");
}

/* --- refunds ---------------------------------------------------------------- */

int
h_stripe_refund(struct ctx *c)
{
	struct sp_payment p;
	struct sp_refund rf;
	struct actor a;
	struct sp sp;
	char msg[300] = "";
	int rc;

	if ((rc = load_stripe_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set_bool(c->view, "refund_open", 1);
		return money_payment_page(c, p.id, 422,
		    "Please correct the refund below.");
	}
	if (ss_sp(c, &sp, &a) == -1)
		return -1;
	rc = stripe_pay_refund(&sp, p.id, app_field(c, "amount")->i,
	    ss_field_s(c, "reason"), &rf, msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK) {
		tmpl_set_bool(c->view, "refund_open", 1);
		return money_payment_page(c, p.id, rc == SP_STRIPE ? 502 : 422,
		    msg[0] ? msg : "The refund could not be made.");
	}
	ss_redirect_payment(c, p.id, strcmp(rf.status, "succeeded") == 0 ?
	    "refunded" : "refund_pending");
	return 0;
}

/* --- the emailed receipt ---------------------------------------------------- */

/* Variables of the mail template "receipt" (www/templates/mail/receipt.*). */
static int
receipt_vars(struct ctx *c, const struct payment *p, const struct account *acct,
    struct tmpl_vars *v)
{
	struct allocation *al = NULL;
	struct sp_payment sp;
	struct sp_method m;
	char s[MONEY_FMT_MAX], label[120];
	size_t n = 0;

	if (allocation_list(c->app->db, p->id, 0, &al, &n) != PAY_OK)
		return -1;
	money_format(p->amount, s, sizeof(s));
	tmpl_set(v, "amount", s);
	tmpl_set(v, "date", p->received_date);
	tmpl_set(v, "recipient_name", acct->name);
	if (stripe_pay_get(c->app->db, p->id, &sp) == SP_OK && sp.intent[0])
		tmpl_setf(v, "transaction_id", "P-%" PRId64 " / %s", p->id,
		    sp.intent);
	else
		tmpl_setf(v, "transaction_id", "P-%" PRId64, p->id);
	if (strcmp(p->method, "card") != 0 && strcmp(p->method, "ach") != 0)
		tmpl_set(v, "method", strcmp(p->method, "check") == 0 ? "Check" :
		    strcmp(p->method, "cash") == 0 ? "Cash" :
		    strcmp(p->method, "terminal") == 0 ? "Card terminal" : "Other");
	else if (sp.payment_method_id && stripe_pay_method_get(c->app->db,
	    sp.payment_method_id, &m) == SP_OK) {
		ss_method_label(&m, label, sizeof(label));
		tmpl_set(v, "method", label);
	} else
		tmpl_set(v, "method", strcmp(p->method, "ach") == 0 ?
		    "Bank account (ACH)" : "Card");
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;
		if (al[i].amount <= 0 || (row = tmpl_loop_add(v, "invoices")) == NULL)
			continue;
		tmpl_set(row, "number", al[i].invoice_number);
		money_format(al[i].amount, s, sizeof(s));
		tmpl_set(row, "amount", s);
	}
	free(al);
	return 0;
}

int
h_stripe_email_receipt(struct ctx *c)
{
	struct payment p;
	struct account acct;
	struct outbox_mail m;
	struct tmpl_vars *v;
	char err[200] = "";
	int64_t id, mail_id = 0;
	int rc;

	if (ss_path_id(c, "id", &id) == -1)
		return app_error(c, 404, "No such payment.");
	rc = payment_get(c->app->db, id, &p);
	if (rc == PAY_DB)
		return -1;
	if (rc != PAY_OK)
		return app_error(c, 404, "No such payment.");
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return money_payment_page(c, id, 422, "Enter the email address to "
		    "send the receipt to.");
	}
	if (strcmp(p.status, "succeeded") != 0)
		return money_payment_page(c, id, 422, "Only a received payment has "
		    "a receipt.");
	if ((rc = money_load_account(c, p.account_id, &acct)) != 0)
		return rc == 1 ? 0 : -1;
	if ((v = tmpl_vars_new()) == NULL)
		return -1;
	memset(&m, 0, sizeof(m));
	/* the client's copy: in the account's language */
	tmpl_set(v, "lang", account_language_ok(acct.language) ? acct.language :
	    "en");
	if (receipt_vars(c, &p, &acct, v) == -1 ||
	    branding_mail_vars(c->app->db, &c->app->cfg, v) == -1 ||
	    outbox_render(c->app->tc, &c->app->cfg, "receipt", v, &m, err,
	    sizeof(err)) == -1) {
		if (err[0])
			log_err("receipt mail for payment %" PRId64 ": %s", p.id, err);
		outbox_mail_free(&m);
		tmpl_vars_free(v);
		return -1;
	}
	tmpl_vars_free(v);
	rc = outbox_enqueue_mail(c->app->db, OUTBOX_RECEIPT, ss_field_s(c, "to"),
	    &m, "payment", p.id, &mail_id);
	outbox_mail_free(&m);
	if (rc == OUTBOX_INVALID)
		return money_payment_page(c, id, 422, "That email address cannot "
		    "be used.");
	if (rc != DB_OK)
		return -1;
	ss_redirect_payment(c, p.id, "emailed");
	return 0;
}
