/* Shared by the JSON API suites (test_api.c: the route table and
 * OpenAPI, auth and roles, the billing flow; test_api_errors.c: validation,
 * JSON errors, 404s, idempotency): the stack's ITEST_* settings, API keys
 * made with billingctl, calls with their parsed JSON, and fixtures. */
#ifndef API_FIXTURE_H
#define API_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common.h"
#include "itest.h"

#define TC_TIMEOUT	120
#define KEY_MAX		160
#define NO_INVOICE	"999999999"

struct api_env {
	const char	*base;
	const char	*ctl;
	const char	*db_socket;
	const char	*db_name;
	const char	*db_user;
	const char	*db_password;
	char		 admin[KEY_MAX];
	char		 billing[KEY_MAX];
	char		 frontdesk[KEY_MAX];
	int64_t		 admin_id;
	char		 today[11];
};
extern struct api_env env;

/* One API exchange: the response and its parsed JSON body (NULL if none). */
struct call {
	struct itest_resp	 r;
	struct json_object	*j;
};

#define BODY(c)		buf_cstr(&(c)->r.body)
#define EXPECT(c, want, what)						\
	ck_assert_msg((c)->r.status == (want),				\
	    "%s: HTTP %ld, want %ld; body: %.800s", (what),	\
	    (c)->r.status, (long)(want), BODY(c))

void call_init(struct call *c);
void call_free(struct call *c);
/* method path with an optional bearer key, Idempotency-Key and JSON body
 * (printf format; NULL: no body). Returns the HTTP status. */
long call(struct call *c, const char *key, const char *method, const char *path,
    const char *idem, const char *fmt, ...) PRINTF_LIKE(6, 7);
struct json_object *jpath(struct json_object *o, const char *path);
int64_t ji(struct call *c, const char *path);
const char *js(struct call *c, const char *path);
int jnull(struct call *c, const char *path);
size_t jlen(struct call *c, const char *path);
void expect_error(struct call *c, long status, const char *code, const char *field,
    const char *what);
int64_t make_location(struct call *c);
int64_t make_service(struct call *c, int64_t rate);
int64_t make_account(struct call *c, const char *name);
int64_t make_issued_invoice(struct call *c, int64_t account, int64_t amount);

/* Reads ITEST_*, makes the three API keys: 1 when the stack is there, 0
 * when only the route/OpenAPI check can run, -1 on failure. */
int	 api_env_init(const char *suite);
TCase	*api_tcase(Suite *s, const char *name);
/* Runs s (verbose) and cleans up: the process's exit status. */
int	 api_suite_run(Suite *s);

#endif
