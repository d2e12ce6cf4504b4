/* Stripe answers -> struct stripe_result, and Stripe error codes -> the
 * staff messages of seed 004 ("Handling Payment Failures"). */
#include "common.h"

#include <json-c/json.h>

#include "str.h"
#include "stripe.h"

static const char *const reason_messages[STRIPE_REASON__MAX] = {
	[STRIPE_REASON_NONE] = "",
	[STRIPE_REASON_CARD_DECLINED] = "The card was declined by the bank. "
	    "Ask the client to use a different card.",
	[STRIPE_REASON_INSUFFICIENT_FUNDS] = "The card has insufficient funds. "
	    "Try a smaller amount or a different card.",
	[STRIPE_REASON_EXPIRED_CARD] = "The card has expired. "
	    "The client needs to use a current card.",
	[STRIPE_REASON_INCORRECT_CVC] = "The security code (CVV) doesn't match. "
	    "Re-enter it carefully.",
	[STRIPE_REASON_INCORRECT_NUMBER] = "The card number or expiry date is "
	    "incorrect. Check the card details and enter them again.",
	[STRIPE_REASON_PROCESSING] = "A temporary processing error occurred. "
	    "Wait a moment and try again.",
	[STRIPE_REASON_AUTHENTICATION] = "The bank requires the client to "
	    "approve this payment. Have the client enter the card in the "
	    "payment form, or use a different card.",
	[STRIPE_REASON_BANK_ACCOUNT] = "The bank account could not be debited "
	    "(closed, frozen or not authorized). Ask the client for a different "
	    "bank account or a card.",
	[STRIPE_REASON_GENERIC] = "The payment could not be completed. "
	    "Try again or use a different payment method.",
};

/* The same reasons told to the person who paid (portal, pay link, their
 * email): what happened to them and what they can do, no staff advice. */
static const char *const client_messages[STRIPE_REASON__MAX] = {
	[STRIPE_REASON_NONE] = "",
	[STRIPE_REASON_CARD_DECLINED] = "Your card was declined by your bank. "
	    "Please use a different card, or ask your bank why it was declined.",
	[STRIPE_REASON_INSUFFICIENT_FUNDS] = "Your bank declined the payment "
	    "for insufficient funds. Please use a different card or bank "
	    "account, or try again later.",
	[STRIPE_REASON_EXPIRED_CARD] = "Your card has expired. Please use a "
	    "current card.",
	[STRIPE_REASON_INCORRECT_CVC] = "The security code (CVC) did not match. "
	    "Please check it and try again.",
	[STRIPE_REASON_INCORRECT_NUMBER] = "The card number or expiry date is "
	    "incorrect. Please check the card details and try again.",
	[STRIPE_REASON_PROCESSING] = "A temporary processing error occurred. "
	    "Please try again in a few minutes.",
	[STRIPE_REASON_AUTHENTICATION] = "Your bank asked you to approve this "
	    "payment and it was not approved. Please try again and complete "
	    "your bank's check, or use a different card.",
	[STRIPE_REASON_BANK_ACCOUNT] = "Your bank could not debit this account "
	    "(it may be closed, frozen or not open to debits). Please pay with "
	    "a different bank account or a card.",
	[STRIPE_REASON_GENERIC] = "The payment could not be completed. Please "
	    "try again or use a different payment method.",
};

/* Stripe's code and decline_code values (one namespace is enough: the
 * names do not clash). decline_code is looked up first. */
static const struct {
	const char		*code;
	enum stripe_reason	 reason;
} reason_codes[] = {
	{ "insufficient_funds", STRIPE_REASON_INSUFFICIENT_FUNDS },
	{ "withdrawal_count_limit_exceeded", STRIPE_REASON_INSUFFICIENT_FUNDS },
	{ "expired_card", STRIPE_REASON_EXPIRED_CARD },
	{ "incorrect_cvc", STRIPE_REASON_INCORRECT_CVC },
	{ "invalid_cvc", STRIPE_REASON_INCORRECT_CVC },
	{ "incorrect_number", STRIPE_REASON_INCORRECT_NUMBER },
	{ "invalid_number", STRIPE_REASON_INCORRECT_NUMBER },
	{ "invalid_expiry_month", STRIPE_REASON_INCORRECT_NUMBER },
	{ "invalid_expiry_year", STRIPE_REASON_INCORRECT_NUMBER },
	{ "processing_error", STRIPE_REASON_PROCESSING },
	{ "try_again_later", STRIPE_REASON_PROCESSING },
	{ "issuer_not_available", STRIPE_REASON_PROCESSING },
	{ "reenter_transaction", STRIPE_REASON_PROCESSING },
	{ "rate_limit", STRIPE_REASON_PROCESSING },
	{ "lock_timeout", STRIPE_REASON_PROCESSING },
	{ "authentication_required", STRIPE_REASON_AUTHENTICATION },
	{ "payment_intent_authentication_failure", STRIPE_REASON_AUTHENTICATION },
	{ "account_closed", STRIPE_REASON_BANK_ACCOUNT },
	{ "bank_account_closed", STRIPE_REASON_BANK_ACCOUNT },
	{ "no_account", STRIPE_REASON_BANK_ACCOUNT },
	{ "account_frozen", STRIPE_REASON_BANK_ACCOUNT },
	{ "bank_account_restricted", STRIPE_REASON_BANK_ACCOUNT },
	{ "bank_account_unusable", STRIPE_REASON_BANK_ACCOUNT },
	{ "bank_account_declined", STRIPE_REASON_BANK_ACCOUNT },
	{ "bank_account_verification_failed", STRIPE_REASON_BANK_ACCOUNT },
	{ "debit_not_authorized", STRIPE_REASON_BANK_ACCOUNT },
	{ "invalid_account_number", STRIPE_REASON_BANK_ACCOUNT },
	{ "card_declined", STRIPE_REASON_CARD_DECLINED },
	{ "generic_decline", STRIPE_REASON_CARD_DECLINED },
	{ "do_not_honor", STRIPE_REASON_CARD_DECLINED },
	{ "lost_card", STRIPE_REASON_CARD_DECLINED },
	{ "stolen_card", STRIPE_REASON_CARD_DECLINED },
	{ "fraudulent", STRIPE_REASON_CARD_DECLINED },
};

/* Error types (last resort before the HTTP status). */
static const struct {
	const char		*type;
	enum stripe_reason	 reason;
} reason_types[] = {
	{ "card_error", STRIPE_REASON_CARD_DECLINED },
	{ "api_connection_error", STRIPE_REASON_PROCESSING },
	{ "api_error", STRIPE_REASON_PROCESSING },
	{ "rate_limit_error", STRIPE_REASON_PROCESSING },
};

static enum stripe_reason
reason_of_code(const char *code)
{
	if (code == NULL || *code == '\0')
		return STRIPE_REASON_NONE;
	for (size_t i = 0; i < ARRAY_LEN(reason_codes); i++)
		if (strcmp(reason_codes[i].code, code) == 0)
			return reason_codes[i].reason;
	return STRIPE_REASON_NONE;
}

enum stripe_reason
stripe_reason_from_codes(const char *type, const char *code,
    const char *decline_code)
{
	enum stripe_reason r;

	if ((r = reason_of_code(decline_code)) != STRIPE_REASON_NONE)
		return r;
	if ((r = reason_of_code(code)) != STRIPE_REASON_NONE)
		return r;
	for (size_t i = 0; type != NULL && i < ARRAY_LEN(reason_types); i++)
		if (strcmp(reason_types[i].type, type) == 0)
			return reason_types[i].reason;
	return STRIPE_REASON_GENERIC;
}

enum stripe_reason
stripe_result_reason(const struct stripe_result *r)
{
	enum stripe_reason reason;

	switch (r->status) {
	case STRIPE_OK:
		return STRIPE_REASON_NONE;
	case STRIPE_ERR_NETWORK:
	case STRIPE_ERR_RESPONSE:
		return STRIPE_REASON_PROCESSING;
	case STRIPE_ERR_API:
		break;
	default:
		return STRIPE_REASON_GENERIC;
	}
	reason = stripe_reason_from_codes(r->type, r->code, r->decline_code);
	if (reason == STRIPE_REASON_GENERIC &&
	    (r->http_status >= 500 || r->http_status == 429))
		return STRIPE_REASON_PROCESSING;
	return reason;
}

const char *
stripe_reason_message(enum stripe_reason reason)
{
	if ((unsigned)reason >= STRIPE_REASON__MAX)
		reason = STRIPE_REASON_GENERIC;
	return reason_messages[reason];
}

const char *
stripe_reason_client_message(enum stripe_reason reason)
{
	if ((unsigned)reason >= STRIPE_REASON__MAX || reason == STRIPE_REASON_NONE)
		reason = STRIPE_REASON_GENERIC;
	return client_messages[reason];
}

const char *
stripe_friendly_message(const struct stripe_result *r)
{
	return stripe_reason_message(stripe_result_reason(r));
}

void
stripe_result_init(struct stripe_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
stripe_result_free(struct stripe_result *r)
{
	if (r->json != NULL)
		json_object_put(r->json);
	stripe_result_init(r);
}

int
stripe_result_uncertain(const struct stripe_result *r)
{
	switch (r->status) {
	case STRIPE_ERR_NETWORK:
	case STRIPE_ERR_RESPONSE:
		return 1;
	case STRIPE_ERR_API:
		return r->http_status >= 500 || r->http_status == 429 ||
		    r->http_status == 409;
	default:
		return 0;
	}
}

/* Copies error.<name> (a string) into dst; truncation is harmless. */
static void
error_field(struct json_object *err, const char *name, char *dst,
    size_t dstsz)
{
	const char *s = stripe_obj_str(err, name);

	if (s != NULL)
		(void)str_copy(dst, dstsz, s);
}

int
stripe_result_parse(struct stripe_result *r, long http_status,
    const char *body, size_t len)
{
	struct json_object *err;

	if (r->json != NULL)
		json_object_put(r->json);
	r->json = NULL;
	r->http_status = http_status;
	r->type[0] = r->code[0] = r->decline_code[0] = '\0';
	r->param[0] = r->message[0] = '\0';
	(void)stripe_json_parse(body, len, &r->json);
	if (http_status >= 200 && http_status <= 299) {
		if (r->json != NULL) {
			r->status = STRIPE_OK;
			return 0;
		}
		r->status = STRIPE_ERR_RESPONSE;
		(void)str_copy(r->message, sizeof(r->message),
		    "answer from Stripe is not a JSON object");
		return -1;
	}
	r->status = STRIPE_ERR_API;
	if ((err = stripe_obj_get(r->json, "error")) != NULL &&
	    json_object_is_type(err, json_type_object)) {
		error_field(err, "type", r->type, sizeof(r->type));
		error_field(err, "code", r->code, sizeof(r->code));
		error_field(err, "decline_code", r->decline_code,
		    sizeof(r->decline_code));
		error_field(err, "param", r->param, sizeof(r->param));
		error_field(err, "message", r->message, sizeof(r->message));
	}
	return -1;
}
