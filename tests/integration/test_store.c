/* Store-level regression cases (src/billing catalog, profiles, statements,
 * batches, A/R, API keys; portal links and pay link lookups; plans and
 * autopay claims; the payment families' contracts) against the test
 * MariaDB; see store_cases.c, store_batch_cases.c, store_portal_cases.c,
 * store_plan_cases.c, store_pay_cases.c and store_tx_cases.c (db_tx when
 * the server ends a transaction). */
#include "common.h"

#include <check.h>

#include "store_cases.h"
void	 store_plan_cases_add(Suite *);
void	 store_pay_cases_add(Suite *);
void	 store_portal_cases_add(Suite *);
void	 store_tx_cases_add(Suite *);

int
main(void)
{
	Suite *s = suite_create("store");
	SRunner *sr;
	int failed;

	store_cases_add(s);
	store_plan_cases_add(s);
	store_pay_cases_add(s);
	store_portal_cases_add(s);
	store_tx_cases_add(s);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
