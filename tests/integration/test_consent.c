/* Consents mean what they say (issue 9, section 3), against the running
 * stack and the Stripe sandbox: each scope covers exactly its purpose and
 * a charge outside every active consent is refused with the reason; the
 * text recorded names the method, scope, limit, frequency and how to
 * revoke, is emailed to the account (SMTP catcher) and printable from the
 * staff and portal pages; removing an ACH method keeps its authorization
 * on record. */
#include "common.h"

#include <check.h>
#include <curl/curl.h>

#include "db.h"
#include "itest.h"
#include "sp_fixture.h"
#include "str.h"
#include "stripe_pay.h"

#define TC_TIMEOUT	240

static int64_t
payments_of(int64_t account)
{
	return spf_q_i64("SELECT COUNT(*) FROM payments WHERE account_id = ?",
	    account);
}

/* The measured fault: a "payment plan" consent without a maximum let
 * staff charge $250 on an ordinary invoice. */
START_TEST(test_plan_consent_refuses_ordinary_charge)
{
	int64_t account = spf_new_account("plan", NULL, 0);
	int64_t visa = spf_saved_method(account, "card", "pm_card_visa");
	struct sp_result res;
	char why[300];

	spf_new_invoice(account, 30000);
	spf_consent(account, visa, "payment_plan", 0, 0);
	ck_assert_int_eq(stripe_pay_consent_covers(spf_db, visa, 25000, why,
	    sizeof(why)), 0);
	ck_assert_msg(strstr(why, "payment plan installments only") != NULL, "%s", why);
	ck_assert_int_eq(spf_charge_saved(account, visa, 25000, &res), SP_NO_CONSENT);
	ck_assert_msg(strstr(res.message, "payment plan installments only") != NULL &&
	    strstr(res.message, "visa ending 4242") != NULL, "%s", res.message);
	ck_assert_int_eq(payments_of(account), 0);
	/* With a maximum it still covers no ordinary charge. */
	spf_consent(account, visa, "payment_plan", 50000, 0);
	ck_assert_int_eq(spf_charge_saved(account, visa, 100, &res), SP_NO_CONSENT);
	ck_assert_int_eq(payments_of(account), 0);
	/* Only the installments of the plan it names (for the plans issue). */
	spf_consent(account, visa, "payment_plan", 10000, 7);
	ck_assert_int_eq(stripe_pay_consent_covers_installment(spf_db, visa, 7, 10000,
	    why, sizeof(why)), 1);
	ck_assert_int_eq(stripe_pay_consent_covers_installment(spf_db, visa, 7, 10001,
	    why, sizeof(why)), 0);
	ck_assert_int_eq(stripe_pay_consent_covers_installment(spf_db, visa, 8, 100,
	    why, sizeof(why)), 0);
	ck_assert_int_eq(stripe_pay_consent_covers(spf_db, visa, 100, why,
	    sizeof(why)), 0);
}
END_TEST

START_TEST(test_up_to_amount)
{
	int64_t account = spf_new_account("upto", NULL, 0);
	int64_t visa = spf_saved_method(account, "card", "pm_card_visa");
	struct sp_result res;

	spf_new_invoice(account, 30000);
	spf_consent(account, visa, "up_to_amount", 5000, 0);
	ck_assert_int_eq(spf_charge_saved(account, visa, 5001, &res), SP_NO_CONSENT);
	ck_assert_msg(strstr(res.message, "up to $50.00 per charge") != NULL &&
	    strstr(res.message, "$50.01") != NULL, "%s", res.message);
	ck_assert_int_eq(payments_of(account), 0);
	ck_assert_int_eq(spf_charge_saved(account, visa, 5000, &res), SP_OK);
	ck_assert_str_eq(res.status, "succeeded");
	ck_assert_int_eq(spf_charge_saved(account, visa, 1234, &res), SP_OK);
	ck_assert_str_eq(res.status, "succeeded");
	ck_assert_int_eq(payments_of(account), 2);
	spf_expect_ledger_ok();
}
END_TEST

START_TEST(test_any_balance)
{
	int64_t account = spf_new_account("anybal", NULL, 0);
	int64_t visa = spf_saved_method(account, "card", "pm_card_visa");
	struct sp_result res;

	spf_new_invoice(account, 30000);
	spf_consent(account, visa, "any_balance", 0, 0);
	ck_assert_int_eq(spf_charge_saved(account, visa, 30001, &res), SP_NO_CONSENT);
	ck_assert_msg(strstr(res.message, "balance due ($300.00)") != NULL, "%s",
	    res.message);
	ck_assert_int_eq(payments_of(account), 0);
	ck_assert_int_eq(spf_charge_saved(account, visa, 30000, &res), SP_OK);
	ck_assert_str_eq(res.status, "succeeded");
	/* Nothing is due any more: nothing is covered. */
	ck_assert_int_eq(spf_charge_saved(account, visa, 100, &res), SP_NO_CONSENT);
	spf_expect_ledger_ok();
}
END_TEST

/* The text names the method, scope, limit, frequency and revocation; the
 * staff print view shows it with who, when, from where. */
START_TEST(test_consent_text_and_print)
{
	int64_t account = spf_new_account("text", NULL, 0);
	int64_t visa = spf_saved_method(account, "card", "pm_card_visa");
	int64_t id = spf_consent(account, visa, "up_to_amount", 7500, 0);
	static const char *const want[] = { "Pat Payer", "Visa card ending 4242",
	    "up to $75.00 per charge", "Frequency:", "revoke", "removing this payment"
	    " method in the client portal" };
	struct itest_client *c;
	struct itest_resp r;
	struct sp_consent k;
	char path[128];

	ck_assert_int_eq(stripe_pay_consent_get(spf_db, account, id, &k), SP_OK);
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		ck_assert_msg(strstr(k.auth_text, want[i]) != NULL, "no \"%s\" in: %s",
		    want[i], k.auth_text);
	ck_assert_msg(strstr(k.auth_text, spf_cfg.org_name) != NULL, "%s", k.auth_text);
	c = spf_staff_client();
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/consents/%" PRId64, account,
	    id);
	ck_assert_int_eq(itest_get(c, path, &r), 200);
	ck_assert(itest_body_has(&r, "Visa card ending 4242"));
	ck_assert(itest_body_has(&r, "203.0.113.7"));
	ck_assert(itest_body_has(&r, "Mozilla/5.0 (test)"));
	ck_assert(itest_body_has(&r, "Pat Payer"));
	/* Another account's number: not found. */
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/consents/%" PRId64,
	    spf_new_account("other", NULL, 0), id);
	ck_assert_int_eq(itest_get(c, path, &r), 404);
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* A consent the client signs is stored in the words the client was shown:
 * the account's language, from the catalogs; the English composed from the
 * catalog is the built-in English word for word; staff-recorded ones stay
 * English. */
START_TEST(test_consent_text_in_account_language)
{
	char email[128], text[SP_CONSENT_TEXT_MAX];
	int64_t es = spf_new_account("lang-es", email, sizeof(email));
	int64_t en = spf_new_account("lang-en", NULL, 0);
	int64_t visa_es = spf_saved_method(es, "card", "pm_card_visa");
	int64_t visa_en = spf_saved_method(en, "card", "pm_card_visa");
	struct sp_consent_terms t;
	struct sp_consent_req q;
	struct sp_consent k;
	int64_t id = 0, staff_id;
	char msg[300], *m;

	{
		struct db_param p[] = { DB_I64(es) };
		ck_assert(db_exec(spf_db, "UPDATE accounts SET language = 'es'"
		    " WHERE id = ?", p, 1, NULL, NULL) == DB_OK);
	}
	memset(&q, 0, sizeof(q));
	q = (struct sp_consent_req){ es, visa_es, "up_to_amount", 7500, 0,
	    "2026-01", "Lucía Hernández", "203.0.113.9", "test", 0 };
	ck_assert_msg(stripe_pay_consent_record(&spf_sp, &q, &id, msg,
	    sizeof(msg)) == SP_OK, "%s", msg);
	ck_assert_int_eq(stripe_pay_consent_get(spf_db, es, id, &k), SP_OK);
	ck_assert_msg(strstr(k.auth_text, "Yo, Lucía Hernández, autorizo a") &&
	    strstr(k.auth_text, "mi tarjeta Visa terminada en 4242") &&
	    strstr(k.auth_text, "hasta $75.00 por cargo") &&
	    strstr(k.auth_text, "Frecuencia:") && strstr(k.auth_text, "revocarla"),
	    "%s", k.auth_text);
	ck_assert_msg(strstr(k.auth_text, "authorize") == NULL &&
	    strstr(k.auth_text, "Frequency") == NULL, "English in: %s", k.auth_text);
	ck_assert_str_eq(k.method_label, "Tarjeta Visa terminada en 4242");
	/* the emailed copy quotes it, with a Spanish scope and date */
	m = spf_mail_wait(email, "Hasta un importe por cargo", 30000);
	ck_assert_msg(m != NULL, "no Spanish consent email to %s", email);
	ck_assert_msg(strstr(m, "autorizo a") != NULL && strstr(m, " de 20") != NULL,
	    "%.3000s", m);
	free(m);

	/* English: the catalog's words are the built-in text */
	q.account_id = en;
	q.payment_method_id = visa_en;
	q.signer_name = "Pat Payer";
	ck_assert_int_eq(stripe_pay_consent_record(&spf_sp, &q, &id, msg,
	    sizeof(msg)), SP_OK);
	ck_assert_int_eq(stripe_pay_consent_get(spf_db, en, id, &k), SP_OK);
	memset(&t, 0, sizeof(t));
	t = (struct sp_consent_terms){ NULL, "card", "visa",
	    "4242", "up_to_amount", 7500, 0, "Pat Payer", NULL, NULL };
	ck_assert_msg(strstr(k.auth_text, "authorize ") != NULL, "%s", k.auth_text);
	t.org = strstr(k.auth_text, "authorize ") + strlen("authorize ");
	{
		/* the org as recorded: up to " to charge" */
		static char org[200];
		const char *e = strstr(t.org, " to charge");

		ck_assert(e != NULL);
		str_fmt(org, sizeof(org), "%.*s", (int)(e - t.org), t.org);
		t.org = org;
	}
	ck_assert_int_eq(stripe_pay_consent_text(&t, text, sizeof(text)), 0);
	ck_assert_str_eq(k.auth_text, text);
	ck_assert_str_eq(k.method_label, "Visa card ending 4242");

	/* recorded by staff for the Spanish account: English, as on the
	 * staff's screen */
	staff_id = spf_consent(es, visa_es, "any_balance", 0, 0);
	ck_assert_int_eq(stripe_pay_consent_get(spf_db, es, staff_id, &k), SP_OK);
	ck_assert_msg(strstr(k.auth_text, "I, Pat Payer, authorize") != NULL, "%s",
	    k.auth_text);
}
END_TEST

START_TEST(test_consent_emailed)
{
	char email[128];
	int64_t account = spf_new_account("mailed", email, sizeof(email));
	int64_t visa = spf_saved_method(account, "card", "pm_card_visa");
	int64_t id = spf_consent(account, visa, "any_balance", 0, 0);
	char *m;

	m = spf_mail_wait(email, "Visa card ending 4242", 30000);
	ck_assert_msg(m != NULL, "no consent email to %s", email);
	ck_assert_msg(strstr(m, "Your authorization to charge") != NULL &&
	    strstr(m, "balance due") != NULL && strstr(m, "revoke") != NULL,
	    "%.3000s", m);
	free(m);
	ck_assert(spf_q_i64("SELECT COALESCE(mail_id, 0) FROM consents WHERE id = ?",
	    id) > 0);
}
END_TEST

/* NACHA WEB: the ACH authorization outlives its method. */
START_TEST(test_ach_removed_keeps_record)
{
	char email[128];
	int64_t account = spf_new_account("achkeep", email, sizeof(email));
	int64_t bank = spf_saved_method(account, "us_bank_account",
	    "pm_usBankAccount_success");
	int64_t id = spf_consent(account, bank, "up_to_amount", 20000, 0);
	struct itest_client *c;
	struct itest_resp r;
	struct sp_consent k, before;
	char path[128], msg[300];

	ck_assert_int_eq(stripe_pay_consent_get(spf_db, account, id, &before), SP_OK);
	ck_assert_msg(strstr(before.auth_text, "ACH debit") != NULL &&
	    strstr(before.auth_text, "bank account") != NULL, "%s", before.auth_text);
	ck_assert_int_eq(stripe_pay_method_remove(&spf_sp, account, bank, msg,
	    sizeof(msg)), SP_OK);
	ck_assert_int_eq(stripe_pay_consent_get(spf_db, account, id, &k), SP_OK);
	ck_assert(k.revoked_at != 0 && k.method_removed);
	ck_assert_str_eq(k.auth_text, before.auth_text);
	ck_assert_str_eq(k.signer_name, "Pat Payer");
	ck_assert_str_eq(k.ip, "203.0.113.7");
	/* The database itself refuses to drop it (kept at least 2 years). */
	{
		struct db_param p[] = { DB_I64(id) };
		ck_assert(db_exec(spf_db, "DELETE FROM consents WHERE id = ?", p, 1,
		    NULL, NULL) != DB_OK);
	}
	ck_assert_int_eq(spf_q_i64("SELECT COUNT(*) FROM consents WHERE id = ?", id), 1);
	c = spf_staff_client();
	itest_resp_init(&r);
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/consents/%" PRId64, account,
	    id);
	ck_assert_int_eq(itest_get(c, path, &r), 200);
	ck_assert(itest_body_has(&r, "ACH debit"));
	ck_assert(itest_body_has(&r, "Revoked"));
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/consents", account);
	ck_assert_int_eq(itest_get(c, path, &r), 200);
	ck_assert(itest_body_has(&r, "(removed)"));
	itest_client_free(c);
	/* The client prints it from the portal too; not another's. */
	c = spf_portal_client(account, email);
	ck_assert_int_eq(itest_get(c, "/portal/methods", &r), 200);
	str_fmt(path, sizeof(path), "/portal/consents/%" PRId64, id);
	ck_assert(itest_body_has(&r, "Your authorizations"));
	ck_assert(itest_body_has(&r, "View / print"));
	ck_assert_int_eq(itest_get(c, path, &r), 200);
	ck_assert(itest_body_has(&r, "ACH debit"));
	ck_assert(itest_body_has(&r, "Pat Payer"));
	{
		int64_t other = spf_new_account("achother", NULL, 0);
		int64_t m = spf_saved_method(other, "card", "pm_card_visa");
		str_fmt(path, sizeof(path), "/portal/consents/%" PRId64,
		    spf_consent(other, m, "any_balance", 0, 0));
		ck_assert_int_eq(itest_get(c, path, &r), 404);
	}
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

static Suite *
consent_suite(void)
{
	Suite *s = suite_create("consent");
	TCase *tc = tcase_create("consent");

	tcase_add_checked_fixture(tc, spf_setup, spf_teardown);
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_test(tc, test_plan_consent_refuses_ordinary_charge);
	tcase_add_test(tc, test_up_to_amount);
	tcase_add_test(tc, test_any_balance);
	tcase_add_test(tc, test_consent_text_and_print);
	tcase_add_test(tc, test_consent_emailed);
	tcase_add_test(tc, test_consent_text_in_account_language);
	tcase_add_test(tc, test_ach_removed_keeps_record);
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
	sr = srunner_create(consent_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
