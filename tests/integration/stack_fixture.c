/* Shared set-up of the stack suites (stack_fixture.h). */
#include "common.h"

#include <curl/curl.h>

#include "stack_fixture.h"
#include "str.h"

struct stack_env env;

struct itest_client *
client_new(void)
{
	struct itest_client *c = itest_client_new(env.base);

	ck_assert_msg(c != NULL, "cannot create a client for %s", env.base);
	return c;
}

/* A client signed in as email (asserts the sign-in worked). */
struct itest_client *
client_login(const char *email)
{
	struct itest_client *c = client_new();
	long st = itest_login(c, email, env.password);

	ck_assert_msg(st == 303, "sign-in as %s: HTTP %ld, want 303", email, st);
	return c;
}
static const char *
need_env(const char *name, int *missing)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "%s is not set (run tests/integration/run)\n", name);
		*missing = 1;
	}
	return v;
}

int
stack_env_init(const char *suite)
{
	int missing = 0;

	env.base = need_env("ITEST_BASE_URL", &missing);
	env.dir = need_env("ITEST_DIR", &missing);
	env.pidfile = need_env("ITEST_BILLINGD_PIDFILE", &missing);
	env.ctl = need_env("ITEST_BILLINGCTL", &missing);
	env.envsh = need_env("ITEST_ENV_SH", &missing);
	env.password = need_env("ITEST_PASSWORD", &missing);
	env.admin = need_env("ITEST_ADMIN_EMAIL", &missing);
	env.billing = need_env("ITEST_BILLING_EMAIL", &missing);
	env.frontdesk = need_env("ITEST_FRONTDESK_EMAIL", &missing);
	env.throttle = need_env("ITEST_THROTTLE_EMAIL", &missing);
	if (missing) {
		fprintf(stderr, "%s: cannot run\n", suite);
		return 2;
	}
	/* Before forking the test children: not thread-safe, once per process. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "%s: curl_global_init failed\n", suite);
		return 2;
	}
	return 0;
}

TCase *
stack_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TC_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

int
stack_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
