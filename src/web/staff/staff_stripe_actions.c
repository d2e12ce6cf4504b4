/* Staff actions on a card or ACH payment after the browser's confirm: the
 * result (refresh), try again, resume, cancel, refund and the emailed
 * receipt. Each answers on the payment page (staff_money_payment_page). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "invoice.h"
#include "kit.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "receipt.h"
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

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment.") == -1 ? -1 : 1;
	rc = stripe_pay_get(c->app->db, id, p);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK || (strcmp(p->method, "card") != 0 &&
	    strcmp(p->method, "ach") != 0))
		return app_error(c, 404,
		    "No such card or bank payment.") == -1 ?
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
	const char *signer = kit_field_s(c, "consent_signer");
	const char *notice;
	char msg[300] = "";
	int rc;

	if ((rc = load_stripe_payment(c, &p)) != 0)
		return rc == 1 ? 0 : -1;
	if (staff_stripe_sp(c, &sp, &a) == -1)
		return -1;
	rc = stripe_pay_refresh(&sp, p.id, &out);
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK) {
		staff_stripe_redirect_payment(c, p.id, "checking");
		return 0;
	}
	notice = staff_stripe_result_notice(&out);
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
			staff_stripe_consent_req(c, &k, "any_balance", 0,
			    signer);
			rc = stripe_pay_consent_for_payment(&sp, p.id, &k, &cid,
			    msg,
			    sizeof(msg));
			if (rc == SP_DB)
				return -1;
			notice = rc == SP_OK ? "paid_saved" : "paid";
		}
	}
	staff_stripe_redirect_payment(c, p.id, notice);
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
	if (strcmp(p.status, "failed") != 0 && strcmp(p.status,
	    "canceled") != 0) {
		staff_stripe_redirect_payment(c, p.id, NULL);
		return 0;
	}
	if (staff_stripe_sp(c, &sp, &a) == -1)
		return -1;
	memset(&q, 0, sizeof(q));
	q.account_id = p.account_id;
	q.client_id = p.client_id;
	q.method = p.method;
	q.amount = p.amount;
	q.attempt_key = kit_field_s(c, "attempt_key");
	q.alloc_plan = p.alloc_plan;
	q.save_method = p.save_method;
	q.memo = p.memo;
	/* The authorization given with the failed attempt goes with this one. */
	rc = stripe_pay_start_consent(&sp, &q, p.save_method &&
	    p.consent_signer[0] ? staff_stripe_payment_consent(&p, &k) : NULL,
	    &out);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_OK && out.client_secret[0] != '\0')
		return staff_stripe_pay_step(c, out.payment_id,
		    out.client_secret, "", 0);
	if (out.payment_id != 0) {
		staff_stripe_redirect_payment(c, out.payment_id, rc == SP_OK ?
		    staff_stripe_result_notice(&out) : "checking");
		return 0;
	}
	if (rc == SP_BUSY || rc == SP_INVALID)
		return staff_money_payment_page(c, p.id, rc == SP_BUSY ? 409 :
		    422,
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
		staff_stripe_redirect_payment(c, p.id, NULL);
		return 0;
	}
	return staff_stripe_pay_again(c, &p);
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
	if (staff_stripe_sp(c, &sp, &a) == -1)
		return -1;
	rc = stripe_pay_cancel(&sp, p.id, &out);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_OK) {
		/* The page shows it canceled, with "Try again". */
		staff_stripe_redirect_payment(c, p.id, "failed");
		return 0;
	}
	if (rc == SP_STRIPE)
		return staff_money_payment_page(c, p.id, 502, out.message[0] ?
		    out.message : "Stripe did not answer. Please try again.");
	if (rc != SP_INVALID)
		return app_error(c, 404, "No such card or bank payment.");
	/* Not cancelable (paid, processing, a saved-method charge): the page
	 * says why, with the payment as it is now. */
	return staff_money_payment_page(c, p.id, 409, out.message[0] ?
	    out.message :
	    "This payment cannot be canceled.");
}

/* --- refunds ------------------------------------------------------------ */

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
		return staff_money_payment_page(c, p.id, 422,
		    "Please correct the refund below.");
	}
	if (staff_stripe_sp(c, &sp, &a) == -1)
		return -1;
	rc = stripe_pay_refund(&sp, p.id, app_field(c, "amount")->i,
	    kit_field_s(c, "reason"), &rf, msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK) {
		tmpl_set_bool(c->view, "refund_open", 1);
		return staff_money_payment_page(c, p.id, rc == SP_STRIPE ? 502 :
		    422,
		    msg[0] ? msg : "The refund could not be made.");
	}
	staff_stripe_redirect_payment(c, p.id, strcmp(rf.status,
	    "succeeded") == 0 ?
	    "refunded" : "refund_pending");
	return 0;
}

/* --- the emailed receipt ------------------------------------------------ */

int
h_stripe_email_receipt(struct ctx *c)
{
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment.");
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return staff_money_payment_page(c, id, 422,
		    "Enter the email address to send the receipt to.");
	}
	rc = receipt_email(c->app->db, &c->app->cfg, id, kit_field_s(c, "to"),
	    NULL);
	switch (rc) {
	case RECEIPT_OK:
		staff_stripe_redirect_payment(c, id, "emailed");
		return 0;
	case RECEIPT_NOT_FOUND:
		return app_error(c, 404, "No such payment.");
	case RECEIPT_NOT_RECEIVED:
		return staff_money_payment_page(c, id, 422,
		    "Only a received payment has a receipt.");
	case RECEIPT_BAD_ADDRESS:
		return staff_money_payment_page(c, id, 422,
		    "That email address cannot be used.");
	default:
		return -1;
	}
}
