/* Unit tests: Stripe objects decoded into the plain structs of
 * stripe_types.h (PaymentIntent, SetupIntent, PaymentMethod, Customer,
 * Charge, Refund and refund lists, Dispute, error bodies, event
 * envelopes), on JSON shaped like Stripe's API version 2024-06-20. */
#include "common.h"

#include <check.h>

#include "stripe.h"
#include "stripe_types.h"

#define PARSE(fn, json, out)	fn(json, strlen(json), out)

static const char pi_succeeded[] =
    "{\"id\":\"pi_3PQ1abcDEF\",\"object\":\"payment_intent\",\"amount\":12500,"
    "\"amount_capturable\":0,\"amount_received\":12500,\"canceled_at\":null,"
    "\"cancellation_reason\":null,\"capture_method\":\"automatic\","
    "\"client_secret\":\"pi_3PQ1abcDEF_secret_xyz\",\"confirmation_method\":"
    "\"automatic\",\"created\":1718000000,\"currency\":\"usd\",\"customer\":"
    "\"cus_Q1abc\",\"description\":null,\"last_payment_error\":null,"
    "\"latest_charge\":\"ch_3PQ1abc\",\"livemode\":false,\"metadata\":"
    "{\"payment_id\":\"42\"},\"payment_method\":\"pm_1PQ1card\","
    "\"payment_method_types\":[\"card\"],\"setup_future_usage\":null,"
    "\"status\":\"succeeded\"}";

static const char pi_declined[] =
    "{\"id\":\"pi_3Decl\",\"object\":\"payment_intent\",\"amount\":5000,"
    "\"amount_received\":0,\"currency\":\"usd\",\"status\":"
    "\"requires_payment_method\",\"metadata\":{\"payment_id\":\"7\"},"
    "\"last_payment_error\":{\"charge\":\"ch_x\",\"code\":\"card_declined\","
    "\"decline_code\":\"insufficient_funds\",\"doc_url\":\"https://stripe.com/"
    "docs/error-codes/card-declined\",\"message\":\"Your card has "
    "insufficient funds.\",\"type\":\"card_error\"},"
    "\"payment_method\":{\"id\":\"pm_exp\",\"object\":\"payment_method\","
    "\"type\":\"card\",\"customer\":null,\"card\":{\"brand\":\"visa\","
    "\"exp_month\":12,\"exp_year\":2030,\"last4\":\"9995\",\"funding\":"
    "\"credit\"}}}";

START_TEST(payment_intent_fields)
{
	struct stripe_payment_intent p;

	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, pi_succeeded, &p), 0);
	ck_assert_str_eq(p.id, "pi_3PQ1abcDEF");
	ck_assert_str_eq(p.status, "succeeded");
	ck_assert_int_eq(p.amount, 12500);
	ck_assert_int_eq(p.amount_received, 12500);
	ck_assert_str_eq(p.currency, "usd");
	ck_assert_str_eq(p.customer, "cus_Q1abc");
	ck_assert_str_eq(p.client_secret, "pi_3PQ1abcDEF_secret_xyz");
	ck_assert_str_eq(p.cancellation_reason, "");
	ck_assert_int_eq(p.metadata_payment_id, 42);
	ck_assert_str_eq(p.payment_method_id, "pm_1PQ1card");
	ck_assert_int_eq(p.has_payment_method, 0);
	ck_assert_int_eq(p.last_payment_error.present, 0);
}
END_TEST

START_TEST(payment_intent_error_and_expanded_method)
{
	struct stripe_payment_intent p;

	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, pi_declined, &p), 0);
	ck_assert_int_eq(p.last_payment_error.present, 1);
	ck_assert_str_eq(p.last_payment_error.type, "card_error");
	ck_assert_str_eq(p.last_payment_error.code, "card_declined");
	ck_assert_str_eq(p.last_payment_error.decline_code, "insufficient_funds");
	ck_assert_str_eq(stripe_last_error_code(&p.last_payment_error, "x"),
	    "insufficient_funds");
	ck_assert_int_eq(p.has_payment_method, 1);
	ck_assert_str_eq(p.payment_method_id, "pm_exp");
	ck_assert_str_eq(p.payment_method.card.brand, "visa");
	ck_assert_str_eq(p.payment_method.card.last4, "9995");
	ck_assert_int_eq(p.payment_method.card.exp_month, 12);
	ck_assert_int_eq(p.payment_method.card.exp_year, 2030);
	ck_assert_int_eq(p.amount_received, 0);
}
END_TEST

/* What the domain must never take as a PaymentIntent or as our payment. */
START_TEST(payment_intent_refusals)
{
	struct stripe_payment_intent p;
	char longid[300];

	ck_assert_int_eq(PARSE(stripe_payment_intent_parse,
	    "{\"object\":\"payment_intent\",\"status\":\"succeeded\"}", &p), -1);
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse,
	    "{\"id\":\"seti_1\",\"object\":\"setup_intent\"}", &p), -1);
	ck_assert_str_eq(p.id, "");
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, "[1]", &p), -1);
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, "{\"id\":", &p), -1);
	/* Amounts: strings, fractions, negatives are absent (-1). */
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, "{\"id\":\"pi_1\","
	    "\"amount\":\"500\",\"amount_received\":1.5,\"metadata\":"
	    "{\"payment_id\":\"0x2a\"}}", &p), 0);
	ck_assert_int_eq(p.amount, -1);
	ck_assert_int_eq(p.amount_received, -1);
	ck_assert_int_eq(p.metadata_payment_id, 0);
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, "{\"id\":\"pi_1\","
	    "\"amount\":-5,\"metadata\":{\"payment_id\":42}}", &p), 0);
	ck_assert_int_eq(p.amount, -1);
	ck_assert_int_eq(p.metadata_payment_id, 0);	/* a number, not ours */
	/* An id too long for its field is absent, never cut. */
	memset(longid, 'a', sizeof(longid));
	memcpy(longid, "{\"id\":\"", 7);
	memcpy(longid + sizeof(longid) - 3, "\"}", 3);
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, longid, &p), -1);
	/* An embedded NUL in a string is absent. */
	ck_assert_int_eq(PARSE(stripe_payment_intent_parse, "{\"id\":\"pi_1\","
	    "\"status\":\"succ\\u0000eeded\"}", &p), 0);
	ck_assert_str_eq(p.status, "");
}
END_TEST

START_TEST(setup_intent_fields)
{
	struct stripe_setup_intent s;
	static const char j[] =
	    "{\"id\":\"seti_1PQ\",\"object\":\"setup_intent\",\"client_secret\":"
	    "\"seti_1PQ_secret_abc\",\"customer\":\"cus_Q1abc\",\"status\":"
	    "\"requires_payment_method\",\"usage\":\"off_session\","
	    "\"payment_method\":null,\"last_setup_error\":{\"code\":"
	    "\"setup_intent_authentication_failure\",\"type\":\"invalid_request_error\"},"
	    "\"payment_method_types\":[\"us_bank_account\"]}";

	ck_assert_int_eq(PARSE(stripe_setup_intent_parse, j, &s), 0);
	ck_assert_str_eq(s.id, "seti_1PQ");
	ck_assert_str_eq(s.client_secret, "seti_1PQ_secret_abc");
	ck_assert_str_eq(s.customer, "cus_Q1abc");
	ck_assert_str_eq(s.status, "requires_payment_method");
	ck_assert_str_eq(s.payment_method_id, "");
	ck_assert_int_eq(s.last_setup_error.present, 1);
	ck_assert_str_eq(s.last_setup_error.code,
	    "setup_intent_authentication_failure");
	ck_assert_str_eq(s.last_setup_error.decline_code, "");
}
END_TEST

START_TEST(payment_method_bank_account)
{
	struct stripe_payment_method m;
	static const char j[] =
	    "{\"id\":\"pm_1Bank\",\"object\":\"payment_method\",\"type\":"
	    "\"us_bank_account\",\"customer\":\"cus_Q1abc\",\"billing_details\":"
	    "{\"name\":\"Ana\"},\"us_bank_account\":{\"account_holder_type\":"
	    "\"individual\",\"account_type\":\"checking\",\"bank_name\":"
	    "\"STRIPE TEST BANK\",\"fingerprint\":\"f\",\"last4\":\"6789\","
	    "\"routing_number\":\"110000000\"}}";

	ck_assert_int_eq(PARSE(stripe_payment_method_parse, j, &m), 0);
	ck_assert_str_eq(m.id, "pm_1Bank");
	ck_assert_str_eq(m.type, "us_bank_account");
	ck_assert_str_eq(m.customer, "cus_Q1abc");
	ck_assert_str_eq(m.us_bank_account.bank_name, "STRIPE TEST BANK");
	ck_assert_str_eq(m.us_bank_account.last4, "6789");
	ck_assert_str_eq(m.card.brand, "");
	ck_assert_int_eq(m.card.exp_month, 0);
}
END_TEST

START_TEST(customer_charge_dispute)
{
	struct stripe_customer c;
	struct stripe_charge ch;
	struct stripe_dispute d;

	ck_assert_int_eq(PARSE(stripe_customer_parse, "{\"id\":\"cus_Q1\","
	    "\"object\":\"customer\",\"email\":null,\"name\":\"Ana\","
	    "\"metadata\":{\"account_id\":\"3\"}}", &c), 0);
	ck_assert_str_eq(c.id, "cus_Q1");
	ck_assert_str_eq(c.email, "");
	ck_assert_int_eq(PARSE(stripe_charge_parse, "{\"id\":\"ch_1\",\"object\":"
	    "\"charge\",\"amount\":12500,\"amount_refunded\":2500,\"currency\":"
	    "\"usd\",\"failure_code\":null,\"payment_intent\":\"pi_3PQ\","
	    "\"refunded\":false,\"status\":\"succeeded\",\"metadata\":"
	    "{\"payment_id\":\"42\"}}", &ch), 0);
	ck_assert_int_eq(ch.amount_refunded, 2500);
	ck_assert_str_eq(ch.payment_intent, "pi_3PQ");
	ck_assert_int_eq(ch.metadata_payment_id, 42);
	ck_assert_int_eq(PARSE(stripe_dispute_parse, "{\"id\":\"dp_1\",\"object\":"
	    "\"dispute\",\"amount\":12500,\"charge\":\"ch_1\",\"currency\":\"usd\","
	    "\"payment_intent\":\"pi_3PQ\",\"reason\":\"fraudulent\",\"status\":"
	    "\"needs_response\"}", &d), 0);
	ck_assert_str_eq(d.reason, "fraudulent");
	ck_assert_str_eq(d.payment_intent, "pi_3PQ");
	ck_assert_int_eq(d.amount, 12500);
}
END_TEST

START_TEST(refunds_and_lists)
{
	struct stripe_refund r;
	struct stripe_refund_list l;
	static const char list[] =
	    "{\"object\":\"list\",\"url\":\"/v1/refunds\",\"has_more\":false,"
	    "\"data\":[{\"id\":\"re_1\",\"object\":\"refund\",\"amount\":2500,"
	    "\"charge\":\"ch_1\",\"currency\":\"usd\",\"metadata\":{\"refund_id\":"
	    "\"9\",\"payment_id\":\"42\"},\"payment_intent\":\"pi_3PQ\",\"reason\":"
	    "null,\"status\":\"succeeded\"},{\"object\":\"refund\"},"
	    "{\"id\":\"re_2\",\"object\":\"refund\",\"amount\":100,\"currency\":"
	    "\"usd\",\"payment_intent\":\"pi_3PQ\",\"status\":\"pending\","
	    "\"metadata\":{}}]}";

	ck_assert_int_eq(PARSE(stripe_refund_parse, "{\"id\":\"re_1\",\"object\":"
	    "\"refund\",\"amount\":2500,\"currency\":\"usd\",\"payment_intent\":"
	    "\"pi_3PQ\",\"status\":\"succeeded\",\"reason\":\"requested_by_customer\","
	    "\"metadata\":{\"refund_id\":\"9\"}}", &r), 0);
	ck_assert_int_eq(r.amount, 2500);
	ck_assert_int_eq(r.metadata_refund_id, 9);
	ck_assert_str_eq(r.reason, "requested_by_customer");
	ck_assert_int_eq(PARSE(stripe_refund_list_parse, list, &l), 0);
	ck_assert_uint_eq(l.n, 2);	/* the member without an id is skipped */
	ck_assert_str_eq(l.data[0].id, "re_1");
	ck_assert_int_eq(l.data[0].metadata_refund_id, 9);
	ck_assert_str_eq(l.data[1].status, "pending");
	ck_assert_int_eq(l.data[1].metadata_refund_id, 0);
	stripe_refund_list_free(&l);
	ck_assert_int_eq(PARSE(stripe_refund_list_parse, "{\"object\":\"list\","
	    "\"data\":[],\"has_more\":true}", &l), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(l.has_more, 1);
	stripe_refund_list_free(&l);
	ck_assert_int_eq(PARSE(stripe_refund_list_parse, "{\"data\":{}}", &l), -1);
}
END_TEST

START_TEST(error_bodies)
{
	struct stripe_error e;
	static const char decline[] =
	    "{\"error\":{\"charge\":\"ch_1\",\"code\":\"card_declined\","
	    "\"decline_code\":\"insufficient_funds\",\"message\":\"Your card has "
	    "insufficient funds.\",\"type\":\"card_error\",\"payment_intent\":"
	    "{\"id\":\"pi_3Decl\",\"object\":\"payment_intent\",\"amount\":5000,"
	    "\"currency\":\"usd\",\"status\":\"requires_payment_method\","
	    "\"metadata\":{\"payment_id\":\"7\"}}}}";

	ck_assert_int_eq(stripe_error_parse(decline, strlen(decline), 402, &e), 0);
	ck_assert_int_eq(e.status, STRIPE_ERR_API);
	ck_assert_int_eq(e.http_status, 402);
	ck_assert_int_eq(e.uncertain, 0);
	ck_assert_str_eq(e.code, "card_declined");
	ck_assert_str_eq(e.decline_code, "insufficient_funds");
	ck_assert_int_eq(e.has_payment_intent, 1);
	ck_assert_str_eq(e.payment_intent.id, "pi_3Decl");
	ck_assert_int_eq(e.payment_intent.metadata_payment_id, 7);
	ck_assert_str_eq(stripe_error_friendly(&e),
	    stripe_reason_message(STRIPE_REASON_INSUFFICIENT_FUNDS));
	ck_assert_int_eq(stripe_error_parse("{\"error\":{\"type\":\"api_error\"}}",
	    31, 503, &e), 0);
	ck_assert_int_eq(e.uncertain, 1);
	ck_assert_int_eq(e.has_payment_intent, 0);
	ck_assert_str_eq(stripe_error_friendly(&e),
	    stripe_reason_message(STRIPE_REASON_PROCESSING));
	/* A 2xx is not an error. */
	ck_assert_int_eq(stripe_error_parse("{}", 2, 200, &e), -1);
	ck_assert_str_eq(stripe_error_friendly(&e), "");
}
END_TEST

START_TEST(event_envelopes)
{
	struct stripe_event_info e;
	static const char pi_ev[] =
	    "{\"id\":\"evt_3PQ\",\"object\":\"event\",\"api_version\":\"2024-06-20\","
	    "\"created\":1718000001,\"livemode\":false,\"pending_webhooks\":1,"
	    "\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":"
	    "{\"id\":\"pi_3PQ1abcDEF\",\"object\":\"payment_intent\",\"amount\":12500,"
	    "\"amount_received\":12500,\"currency\":\"usd\",\"status\":\"succeeded\","
	    "\"metadata\":{\"payment_id\":\"42\"}}}}";
	static const char re_ev[] =
	    "{\"id\":\"evt_re\",\"object\":\"event\",\"type\":\"charge.refunded\","
	    "\"data\":{\"object\":{\"id\":\"ch_1\",\"object\":\"charge\",\"amount\":"
	    "12500,\"amount_refunded\":12500,\"payment_intent\":\"pi_3PQ\"}}}";
	static const char other[] =
	    "{\"id\":\"evt_o\",\"type\":\"invoice.paid\",\"data\":{\"object\":"
	    "{\"id\":\"in_1\",\"object\":\"invoice\",\"payment_intent\":\"pi_9\"}}}";

	ck_assert_int_eq(stripe_event_decode(pi_ev, strlen(pi_ev), &e), 0);
	ck_assert_str_eq(e.id, "evt_3PQ");
	ck_assert_str_eq(e.type, "payment_intent.succeeded");
	ck_assert_int_eq(e.created, 1718000001);
	ck_assert_int_eq(e.livemode, 0);
	ck_assert_int_eq(e.kind, STRIPE_OBJ_PAYMENT_INTENT);
	ck_assert_str_eq(e.obj.pi.status, "succeeded");
	ck_assert_str_eq(e.payment_intent, "pi_3PQ1abcDEF");
	ck_assert_int_eq(e.payment_id, 42);
	ck_assert_int_eq(stripe_event_decode(re_ev, strlen(re_ev), &e), 0);
	ck_assert_int_eq(e.kind, STRIPE_OBJ_CHARGE);
	ck_assert_int_eq(e.obj.charge.amount_refunded, 12500);
	ck_assert_str_eq(e.payment_intent, "pi_3PQ");
	ck_assert_int_eq(e.created, -1);
	ck_assert_int_eq(stripe_event_decode(other, strlen(other), &e), 0);
	ck_assert_int_eq(e.kind, STRIPE_OBJ_OTHER);
	ck_assert_str_eq(e.object_type, "invoice");
	ck_assert_str_eq(e.payment_intent, "pi_9");
	/* No "object" member: the kind comes from the event type. */
	ck_assert_int_eq(PARSE(stripe_event_decode, "{\"id\":\"evt_n\",\"type\":"
	    "\"payment_intent.payment_failed\",\"data\":{\"object\":{\"id\":"
	    "\"pi_7\",\"status\":\"requires_payment_method\",\"amount\":5000,"
	    "\"last_payment_error\":{\"code\":\"expired_card\"}}}}", &e), 0);
	ck_assert_int_eq(e.kind, STRIPE_OBJ_PAYMENT_INTENT);
	ck_assert_str_eq(e.obj.pi.last_payment_error.code, "expired_card");
	ck_assert_int_eq(PARSE(stripe_event_decode, "{\"id\":\"evt_r\",\"type\":"
	    "\"charge.refund.updated\",\"data\":{\"object\":{\"id\":\"re_9\","
	    "\"status\":\"succeeded\",\"amount\":100,\"payment_intent\":\"pi_7\"}}}",
	    &e), 0);
	ck_assert_int_eq(e.kind, STRIPE_OBJ_REFUND);
	ck_assert_str_eq(e.payment_intent, "pi_7");
	/* Envelope refusals: no evt_ id, no data.object id. */
	ck_assert_int_eq(PARSE(stripe_event_decode, "{\"id\":\"x\",\"type\":\"t\","
	    "\"data\":{\"object\":{\"id\":\"pi_1\"}}}", &e), -1);
	ck_assert_str_eq(e.id, "");
	ck_assert_int_eq(PARSE(stripe_event_decode, "{\"id\":\"evt_1\",\"type\":\"t\","
	    "\"data\":{\"object\":{}}}", &e), -1);
	ck_assert_int_eq(PARSE(stripe_event_decode, "{\"id\":\"evt_1\",\"type\":\"t\","
	    "\"data\":{\"object\":{\"id\":\"pi_1\"}}}", &e), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stripe_decode");
	TCase *tc = tcase_create("objects");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, payment_intent_fields);
	tcase_add_test(tc, payment_intent_error_and_expanded_method);
	tcase_add_test(tc, payment_intent_refusals);
	tcase_add_test(tc, setup_intent_fields);
	tcase_add_test(tc, payment_method_bank_account);
	tcase_add_test(tc, customer_charge_dispute);
	tcase_add_test(tc, refunds_and_lists);
	tcase_add_test(tc, error_bodies);
	tcase_add_test(tc, event_envelopes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
