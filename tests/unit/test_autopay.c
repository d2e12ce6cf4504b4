/* Dunning rules of autopay (src/billing/autopay.h): which declines stop
 * retries, which ACH failures may be retried, the retry-days setting. */
#include "common.h"

#include <check.h>

#include "autopay.h"

START_TEST(hard_declines_stop)
{
	static const char *const hard[] = { "stolen_card", "lost_card",
	    "pickup_card", "do_not_honor", "fraudulent", "expired_card",
	    "authentication_required", "no_consent", "account_closed", "R02" };
	static const char *const soft[] = { "generic_decline", "insufficient_funds",
	    "processing_error", "try_again_later", "declined", "" };

	for (size_t i = 0; i < ARRAY_LEN(hard); i++)
		ck_assert_msg(autopay_hard_decline(hard[i]), "%s is hard", hard[i]);
	for (size_t i = 0; i < ARRAY_LEN(soft); i++)
		ck_assert_msg(!autopay_hard_decline(soft[i]), "%s is soft", soft[i]);
}
END_TEST

START_TEST(ach_only_insufficient_funds)
{
	ck_assert(autopay_ach_retryable("insufficient_funds"));
	ck_assert(autopay_ach_retryable("R01"));
	ck_assert(!autopay_ach_retryable("account_closed"));
	ck_assert(!autopay_ach_retryable("debit_not_authorized"));
	ck_assert(!autopay_ach_retryable("no_account"));
}
END_TEST

static const struct {
	const char	*text;
	int		 ok;
	size_t		 n;
	int		 last;
} retry_cases[] = {
	{ "1,3,7", 1, 3, 7 }, { " 2, 4 ", 1, 2, 4 }, { "", 1, 0, 0 },
	{ "5", 1, 1, 5 }, { "1,2,3,4,5,6,7,8", 1, 8, 8 },
	{ "7,3", 0, 0, 0 }, { "1,1", 0, 0, 0 }, { "0", 0, 0, 0 }, { "61", 0, 0, 0 },
	{ "1,,3", 0, 0, 0 }, { "1;3", 0, 0, 0 }, { "1,3,", 0, 0, 0 },
	{ "1,2,3,4,5,6,7,8,9", 0, 0, 0 }, { "x", 0, 0, 0 }, { "-1", 0, 0, 0 },
};

START_TEST(retry_days_table)
{
	struct autopay_settings st;
	char msg[300] = "";
	int rc = autopay_retry_parse(retry_cases[_i].text, &st, msg, sizeof(msg));

	ck_assert_msg((rc == 0) == retry_cases[_i].ok, "\"%s\": rc %d",
	    retry_cases[_i].text, rc);
	if (rc == 0) {
		ck_assert_uint_eq(st.nretry, retry_cases[_i].n);
		if (st.nretry > 0)
			ck_assert_int_eq(st.retry_days[st.nretry - 1], retry_cases[_i].last);
	} else
		ck_assert(strstr(msg, "ascending") != NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("autopay");
	TCase *tc = tcase_create("autopay");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, hard_declines_stop);
	tcase_add_test(tc, ach_only_insufficient_funds);
	tcase_add_loop_test(tc, retry_days_table, 0, (int)ARRAY_LEN(retry_cases));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
