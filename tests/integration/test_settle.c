/* Settlement trusts Stripe, not the event body (issue 9, section 4): a
 * correctly signed payment_intent.succeeded in another currency or for
 * another amount, or for an intent that Stripe (the sandbox) does not
 * hold as succeeded, leaves the payment unpaid; an intent really paid in
 * another currency does not settle a USD payment either, on the refresh
 * path too; a refund event Stripe does not confirm records nothing.
 * Mismatches are audited. */
#include "common.h"

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "clock.h"
#include "db.h"
#include "itest.h"
#include "ledger.h"
#include "sp_fixture.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"

#define TC_TIMEOUT	240

/* A pending card payment of amount with its intent at the sandbox, never
 * confirmed (requires_payment_method there). */
static void
pending_payment(int64_t account, int64_t amount, struct sp_result *res)
{
	ck_assert_int_eq(spf_start_card(account, amount, res), SP_OK);
	ck_assert_str_eq(res->status, "pending");
	ck_assert(res->intent[0] != '\0');
}

/* Sends a signed payment_intent.succeeded for the payment's intent with
 * the given currency and amount; expects 200 (stored, nothing to pay). */
static void
send_succeeded(const struct sp_result *res, const char *currency, int64_t amount)
{
	char body[1400], evid[80], key[64];
	struct itest_resp r;

	spf_attempt_key(key, sizeof(key));
	str_fmt(evid, sizeof(evid), "evt_%s", key);
	str_fmt(body, sizeof(body), "{\"id\":\"%s\",\"object\":\"event\","
	    "\"type\":\"payment_intent.succeeded\",\"created\":%" PRId64 ","
	    "\"data\":{\"object\":{\"id\":\"%s\",\"object\":\"payment_intent\","
	    "\"amount\":%" PRId64 ",\"amount_received\":%" PRId64 ",\"currency\":"
	    "\"%s\",\"status\":\"succeeded\",\"metadata\":{\"payment_id\":\"%"
	    PRId64 "\"}}}}", evid, clock_now(), res->intent, amount, amount,
	    currency, res->payment_id);
	itest_resp_init(&r);
	ck_assert_int_eq(spf_post_webhook(body, &r), 200);
	ck_assert_int_eq(spf_q_str_i64("SELECT COUNT(*) FROM stripe_events WHERE"
	    " id = ?", evid), 1);
	itest_resp_free(&r);
}

static void
expect_unpaid(const struct sp_result *res, int64_t account, int64_t balance)
{
	struct sp_payment p;
	struct balance b;

	ck_assert_int_eq(stripe_pay_get(spf_db, res->payment_id, &p), SP_OK);
	ck_assert_msg(strcmp(p.status, "pending") == 0, "payment %" PRId64 " is %s",
	    p.id, p.status);
	ck_assert_int_eq(spf_ledger_payment_entries(res->payment_id), 0);
	ck_assert(ledger_balance_account(spf_db, account, &b) == DB_OK);
	ck_assert_int_eq(b.balance, balance);
}

static int64_t
mismatches(int64_t payment_id)
{
	return spf_q_i64("SELECT COUNT(*) FROM audit_log WHERE object_type ="
	    " 'payment' AND object_id = ? AND action = 'payment.mismatch'",
	    payment_id);
}

START_TEST(test_signed_jpy_event_leaves_unpaid)
{
	int64_t account = spf_new_account("jpy", NULL, 0);
	struct sp_result res;

	spf_new_invoice(account, 9000);
	pending_payment(account, 5000, &res);
	send_succeeded(&res, "jpy", 5000);
	expect_unpaid(&res, account, 9000);
	ck_assert(mismatches(res.payment_id) >= 1);
}
END_TEST

START_TEST(test_signed_wrong_amount_event_leaves_unpaid)
{
	int64_t account = spf_new_account("amt", NULL, 0);
	struct sp_result res;

	spf_new_invoice(account, 9000);
	pending_payment(account, 5000, &res);
	send_succeeded(&res, "usd", 500000);
	send_succeeded(&res, "usd", 4999);
	expect_unpaid(&res, account, 9000);
	ck_assert(mismatches(res.payment_id) >= 2);
}
END_TEST

/* The event matches in every field, but Stripe does not hold the intent as
 * succeeded: the retrieve decides. Once really paid, it settles. */
START_TEST(test_event_not_confirmed_by_stripe)
{
	int64_t account = spf_new_account("unconf", NULL, 0);
	struct sp_result res;
	char pm[80];

	spf_new_invoice(account, 9000);
	pending_payment(account, 5000, &res);
	send_succeeded(&res, "usd", 5000);
	expect_unpaid(&res, account, 9000);
	spf_browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(spf_browser_confirm(res.intent, res.client_secret, pm), 200);
	send_succeeded(&res, "usd", 5000);
	ck_assert_int_eq(spf_ledger_payment_entries(res.payment_id), 1);
	spf_expect_ledger_ok();
}
END_TEST

/* Stripe's own object says jpy (the intent was changed at Stripe and paid):
 * neither the refresh nor the webhooks settle the USD payment. */
START_TEST(test_retrieved_intent_in_other_currency)
{
	int64_t account = spf_new_account("pijpy", NULL, 0);
	struct sp_result res;
	char path[160], pm[80];

	spf_new_invoice(account, 9000);
	pending_payment(account, 5000, &res);
	str_fmt(path, sizeof(path), "/v1/payment_intents/%s", res.intent);
	ck_assert_int_eq(spf_sbx("POST", path, "currency=jpy", 1, NULL), 200);
	spf_browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(spf_browser_confirm(res.intent, res.client_secret, pm), 200);
	spf_sbx_flush();
	{
		int64_t id = res.payment_id;
		ck_assert_int_eq(stripe_pay_refresh(&spf_sp, id, &res), SP_OK);
	}
	expect_unpaid(&res, account, 9000);
	ck_assert(mismatches(res.payment_id) >= 1);
}
END_TEST

/* A signed refund event Stripe does not confirm (one in yen, one in
 * dollars) records nothing: refunds are taken from Stripe's list. */
static void
send_refund(const struct sp_result *res, const char *currency)
{
	char body[1200], key[64];

	spf_attempt_key(key, sizeof(key));
	str_fmt(body, sizeof(body), "{\"id\":\"evt_re%s\",\"object\":\"event\","
	    "\"type\":\"refund.created\",\"created\":%" PRId64 ",\"data\":{\"object\":"
	    "{\"id\":\"re_%s\",\"object\":\"refund\",\"amount\":1000,\"currency\":"
	    "\"%s\",\"status\":\"succeeded\",\"payment_intent\":\"%s\"}}}", key,
	    clock_now(), key, currency, res->intent);
	ck_assert_int_eq(spf_post_webhook(body, NULL), 200);
}

START_TEST(test_unconfirmed_refund_events_ignored)
{
	int64_t account = spf_new_account("refund", NULL, 0);
	struct sp_result res;
	char pm[80];

	spf_new_invoice(account, 9000);
	pending_payment(account, 5000, &res);
	spf_browser_card("4242424242424242", pm, sizeof(pm));
	ck_assert_int_eq(spf_browser_confirm(res.intent, res.client_secret, pm), 200);
	{
		int64_t id = res.payment_id;
		ck_assert_int_eq(stripe_pay_refresh(&spf_sp, id, &res), SP_OK);
	}
	ck_assert_str_eq(res.status, "succeeded");
	send_refund(&res, "jpy");
	send_refund(&res, "usd");
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM refunds WHERE payment_id = ?",
	    res.payment_id), 0);
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM ledger_entries WHERE"
	    " payment_id = ? AND kind = 'refund'", res.payment_id), 0);
	/* A real refund still arrives and is recorded once. */
	{
		char msg[300];
		ck_assert_int_eq(stripe_pay_refund(&spf_sp, res.payment_id, 1500,
		    "test", NULL, msg, sizeof(msg)), SP_OK);
	}
	spf_sbx_flush();
	ck_assert_int_eq(spf_q_i64("SELECT COALESCE(SUM(amount), 0) FROM"
	    " ledger_entries WHERE payment_id = ? AND kind = 'refund'",
	    res.payment_id), 1500);
	spf_expect_ledger_ok();
}
END_TEST

static Suite *
settle_suite(void)
{
	Suite *s = suite_create("settle");
	TCase *tc = tcase_create("settle");

	tcase_add_checked_fixture(tc, spf_setup, spf_teardown);
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_signed_jpy_event_leaves_unpaid);
	tcase_add_test(tc, test_signed_wrong_amount_event_leaves_unpaid);
	tcase_add_test(tc, test_event_not_confirmed_by_stripe);
	tcase_add_test(tc, test_retrieved_intent_in_other_currency);
	tcase_add_test(tc, test_unconfirmed_refund_events_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	spf_env_load();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(settle_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
