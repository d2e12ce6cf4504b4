/* Shared set-up of the JSON API suites (api_fixture.h). */
#include "common.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "app.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "itest.h"
#include "api_fixture.h"
#include "routes.h"
#include "str.h"
struct api_env env;

/* --- HTTP + JSON helpers -------------------------------------------------- */


void
call_init(struct call *c)
{
	itest_resp_init(&c->r);
	c->j = NULL;
}

void
call_free(struct call *c)
{
	if (c->j != NULL)
		json_object_put(c->j);
	c->j = NULL;
	itest_resp_free(&c->r);
}

long
call(struct call *c, const char *key, const char *method, const char *path,
    const char *idem, const char *fmt, ...)
{
	struct itest_client *cl = itest_client_new(env.base);
	struct buf body, h;
	va_list ap;
	long st;

	ck_assert_msg(cl != NULL, "cannot create a client for %s", env.base);
	buf_init(&body, 1024 * 1024);
	buf_init(&h, 1024);
	if (fmt != NULL) {
		va_start(ap, fmt);
		ck_assert(buf_vprintf(&body, fmt, ap) == 0);
		va_end(ap);
		ck_assert(itest_client_add_header(cl, "Content-Type: application/json") == 0);
	}
	if (key != NULL) {
		ck_assert(buf_printf(&h, "Authorization: Bearer %s", key) == 0);
		ck_assert(itest_client_add_header(cl, buf_cstr(&h)) == 0);
	}
	if (idem != NULL) {
		buf_reset(&h);
		ck_assert(buf_printf(&h, "Idempotency-Key: %s", idem) == 0);
		ck_assert(itest_client_add_header(cl, buf_cstr(&h)) == 0);
	}
	if (c->j != NULL)
		json_object_put(c->j);
	c->j = NULL;
	st = itest_request(cl, method, path, fmt != NULL ? buf_cstr(&body) : NULL, &c->r);
	ck_assert_msg(st > 0, "%s %s: %s", method, path, c->r.error);
	if (c->r.body.len > 0)
		c->j = json_tokener_parse(buf_cstr(&c->r.body));
	buf_free(&body);
	buf_free(&h);
	itest_client_free(cl);
	return st;
}

/* The value at a dotted path ("balance.paid_cents", "lines.1.net_cents"). */
struct json_object *
jpath(struct json_object *o, const char *path)
{
	char part[128];
	const char *p = path, *dot;
	int64_t idx;

	while (o != NULL && *p) {
		dot = strchr(p, '.');
		ck_assert(str_fmt(part, sizeof(part), "%.*s", (int)(dot ? dot - p :
		    (ptrdiff_t)strlen(p)), p) == 0);
		if (json_object_is_type(o, json_type_array)) {
			if (str_to_i64(part, 0, INT32_MAX, &idx) == -1)
				return NULL;
			o = json_object_array_get_idx(o, (size_t)idx);
		} else if (!json_object_object_get_ex(o, part, &o))
			return NULL;
		p = dot ? dot + 1 : p + strlen(p);
	}
	return o;
}



int64_t
ji(struct call *c, const char *path)
{
	struct json_object *v = c->j ? jpath(c->j, path) : NULL;

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_int),
	    "no integer at %s in %.800s", path, BODY(c));
	return json_object_get_int64(v);
}

const char *
js(struct call *c, const char *path)
{
	struct json_object *v = c->j ? jpath(c->j, path) : NULL;

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_string),
	    "no string at %s in %.800s", path, BODY(c));
	return json_object_get_string(v);
}

int
jnull(struct call *c, const char *path)
{
	struct json_object *v;

	if (c->j == NULL)
		return 0;
	/* json-c stores a JSON null as a present key with a NULL value. */
	if (strchr(path, '.') == NULL)
		return json_object_object_get_ex(c->j, path, &v) && v == NULL;
	return jpath(c->j, path) == NULL;
}

size_t
jlen(struct call *c, const char *path)
{
	struct json_object *v = c->j ? jpath(c->j, path) : NULL;

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_array),
	    "no array at %s in %.800s", path, BODY(c));
	return json_object_array_length(v);
}

/* An error answer: status, error.code and error.field (NULL: null). */
void
expect_error(struct call *c, long status, const char *code, const char *field,
    const char *what)
{
	EXPECT(c, status, what);
	ck_assert_msg(c->j != NULL, "%s: body is not JSON: %.400s", what, BODY(c));
	ck_assert_msg(strcmp(js(c, "error.code"), code) == 0,
	    "%s: error.code %s, want %s", what, js(c, "error.code"), code);
	ck_assert_msg(strlen(js(c, "error.message")) > 0, "%s: no message", what);
	if (field == NULL) {
		struct json_object *v = NULL;
		ck_assert_msg(json_object_object_get_ex(jpath(c->j, "error"), "field",
		    &v) && v == NULL, "%s: error.field should be null: %s", what,
		    BODY(c));
	} else
		ck_assert_msg(strcmp(js(c, "error.field"), field) == 0,
		    "%s: error.field %s, want %s", what, js(c, "error.field"), field);
	ck_assert_msg(itest_header(&c->r, "Content-Type") != NULL &&
	    strncmp(itest_header(&c->r, "Content-Type"), "application/json", 16) == 0,
	    "%s: not JSON", what);
}

/* --- fixtures ----------------------------------------------------------------- */

int64_t
make_location(struct call *c)
{
	char name[64];

	itest_unique(name, sizeof(name), "Loc");
	call(c, env.admin, "POST", "/api/v1/locations", NULL,
	    "{\"name\":\"%s\",\"address\":\"1 Main St\"}", name);
	EXPECT(c, 201, "create location");
	return ji(c, "id");
}

int64_t
make_service(struct call *c, int64_t rate)
{
	char code[32];

	itest_unique(code, sizeof(code), "S");
	call(c, env.admin, "POST", "/api/v1/services", NULL, "{\"code\":\"%s\","
	    "\"name\":\"Individual therapy\",\"default_rate_cents\":%" PRId64 "}",
	    code, rate);
	EXPECT(c, 201, "create service");
	ck_assert_int_eq(ji(c, "default_rate_cents"), rate);
	return ji(c, "id");
}

int64_t
make_account(struct call *c, const char *name)
{
	char email[96];

	itest_unique(email, sizeof(email), "acct");
	ck_assert(str_fmt(email + strlen(email), sizeof(email) - strlen(email),
	    "@example.com") == 0);
	call(c, env.billing, "POST", "/api/v1/accounts", NULL,
	    "{\"name\":\"%s\",\"email\":\"%s\",\"city\":\"Springfield\"}", name, email);
	EXPECT(c, 201, "create account");
	return ji(c, "id");
}

/* An issued invoice of one line of `amount` on the account. */
int64_t
make_issued_invoice(struct call *c, int64_t account, int64_t amount)
{
	char path[96];
	int64_t id;

	call(c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"lines\":[{\"description\":\"Session\",\"rate_cents\":%"
	    PRId64 "}]}", account, amount);
	EXPECT(c, 201, "create invoice");
	id = ji(c, "id");
	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64 "/issue", id);
	call(c, env.billing, "POST", path, NULL, NULL);
	EXPECT(c, 200, "issue invoice");
	ck_assert_int_eq(ji(c, "total_cents"), amount);
	return id;
}

/* billingctl apikey create: the key (printed once) and its id. */
static int
make_key(const char *role, char *key, size_t keysz, int64_t *id)
{
	struct buf out;
	char *p, *k;
	int rc = -1;

	buf_init(&out, 64 * 1024);
	if (itest_sh(&out, "%s apikey create --name itest-%s --role %s", env.ctl,
	    role, role) != 0)
		goto done;
	if ((k = strstr(buf_cstr(&out), "bk_")) == NULL ||
	    (p = strstr(buf_cstr(&out), "created API key ")) == NULL)
		goto done;
	k[strcspn(k, " \r\n")] = '\0';
	p += strlen("created API key ");
	p[strcspn(p, " ")] = '\0';
	if (str_copy(key, keysz, k) == -1 || str_to_i64(p, 1, INT64_MAX, id) == -1)
		goto done;
	rc = 0;
done:
	if (rc == -1)
		fprintf(stderr, "test_api: apikey create --role %s failed: %s\n", role,
		    buf_cstr(&out));
	buf_free(&out);
	return rc;
}

int
api_env_init(const char *suite)
{
	int64_t id;
	int stack;

	env.base = getenv("ITEST_BASE_URL");
	env.ctl = getenv("ITEST_BILLINGCTL");
	env.db_socket = getenv("ITEST_DB_SOCKET");
	env.db_name = getenv("ITEST_DB_NAME");
	env.db_user = getenv("ITEST_DB_USER");
	env.db_password = getenv("ITEST_DB_PASSWORD");
	stack = env.base && *env.base && env.ctl && *env.ctl && env.db_socket &&
	    env.db_name && env.db_user && env.db_password;
	if (!stack)
		fprintf(stderr, "%s: ITEST_* not set: only the route/OpenAPI "
		    "check runs (tests/integration/run runs everything)\n", suite);
	if (crypto_init() == -1 || date_fmt(date_today(), env.today,
	    sizeof(env.today)) == -1)
		return -1;
	if (stack && (make_key("admin", env.admin, KEY_MAX, &env.admin_id) == -1 ||
	    make_key("billing", env.billing, KEY_MAX, &id) == -1 ||
	    make_key("frontdesk", env.frontdesk, KEY_MAX, &id) == -1))
		return -1;
	/* Before forking the test children: not thread-safe, once per process. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	return stack;
}

TCase *
api_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TC_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

int
api_suite_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
