/* Shared by the suites that drive the whole stack by HTTP and by its
 * processes (test_stack.c, test_restart.c): the ITEST_* environment of
 * tests/integration/run, clients, and status/body assertions. */
#ifndef STACK_FIXTURE_H
#define STACK_FIXTURE_H

#include <check.h>

#include "buf.h"
#include "itest.h"

#define TC_TIMEOUT	120

struct stack_env {
	const char	*base;
	const char	*dir;
	const char	*pidfile;
	const char	*ctl;
	const char	*envsh;
	const char	*password;
	const char	*admin;
	const char	*billing;
	const char	*frontdesk;
	const char	*throttle;
};
extern struct stack_env env;

#define EXPECT_STATUS(r, want, what)					\
	ck_assert_msg((r)->status == (want),				\
	    "%s: HTTP %ld, want %d%s%s; body: %.600s", (what),		\
	    (r)->status, (want), (r)->error[0] ? "; " : "", (r)->error,	\
	    buf_cstr(&(r)->body))

#define EXPECT_BODY(r, needle, what)					\
	ck_assert_msg(itest_body_has((r), (needle)),			\
	    "%s: body lacks \"%s\": %.600s", (what), (needle),		\
	    buf_cstr(&(r)->body))

struct itest_client *client_new(void);
/* A client signed in as email (asserts the sign-in worked). */
struct itest_client *client_login(const char *email);
/* Reads the ITEST_* variables into env and starts curl: 0, or 2 (and a
 * message naming what is missing). */
int	 stack_env_init(const char *suite);
/* A test case with the suite's timeout, added to s. */
TCase	*stack_tcase(Suite *s, const char *name);
/* Runs s (verbose) and cleans up: the process's exit status. */
int	 stack_run(Suite *s);

#endif
