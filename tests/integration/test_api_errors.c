/* The JSON API /api/v1 against the running stack: validation (422 naming
 * each field), malformed JSON bodies, 404s for unknown ids, and
 * idempotency (replay, key reuse with another body, a request in progress,
 * racing requests with one key). Shared set-up: api_fixture.c. */
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
/* --- validation and errors ---------------------------------------------------- */

START_TEST(test_validation)
{
	struct call c;
	char path[96];
	int64_t acct;

	call_init(&c);
	acct = make_account(&c, "Validation");
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL, "{}");
	expect_error(&c, 422, "validation_failed", "name", "account without name");
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL,
	    "{\"name\":\"X\",\"email\":\"not-an-email\"}");
	expect_error(&c, 422, "validation_failed", "email", "bad email");
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL,
	    "{\"name\":\"X\",\"colour\":\"red\"}");
	expect_error(&c, 422, "validation_failed", "colour", "unknown field");
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL,
	    "{\"name\":\"X\",\"location_id\":999999999}");
	expect_error(&c, 422, "validation_failed", "location_id", "no such location");
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":\"100\"}", acct);
	expect_error(&c, 422, "validation_failed", "amount_cents", "amount as string");
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":0}", acct);
	expect_error(&c, 422, "validation_failed", "amount_cents", "zero amount");
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"bitcoin\",\"amount_cents\":100}", acct);
	expect_error(&c, 422, "validation_failed", "method", "bad method");
	call(&c, env.billing, "POST", "/api/v1/payments", NULL,
	    "{\"method\":\"cash\",\"amount_cents\":100}");
	expect_error(&c, 422, "validation_failed", "account_id", "no party");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"lines\":[{\"description\":\"A\",\"rate_cents\":100},"
	    "{\"description\":\"B\"}]}", acct);
	expect_error(&c, 422, "validation_failed", "lines[1].rate_cents", "line rate");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"lines\":[{\"description\":\"A\",\"rate_cents\":100,"
	    "\"price\":1}]}", acct);
	expect_error(&c, 422, "validation_failed", "lines[0].price", "line field");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"lines\":[{\"service_id\":999999999}]}", acct);
	expect_error(&c, 422, "validation_failed", "lines[0].service_id", "service");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"lines\":{\"a\":1}}", acct);
	expect_error(&c, 422, "validation_failed", "lines", "lines not an array");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"discount_kind\":\"percent\",\"discount_value\":20000,"
	    "\"lines\":[{\"description\":\"A\",\"rate_cents\":100}]}", acct);
	expect_error(&c, 422, "validation_failed", "discount_value", "150 percent off");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"invoice_date\":\"2026-02-30\"}", acct);
	expect_error(&c, 422, "validation_failed", "invoice_date", "bad date");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"invoice_date\":\"2026-03-02\",\"due_date\":\"2026-03-01\"}",
	    acct);
	expect_error(&c, 422, "validation_failed", "due_date", "due before date");
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64 "/statements", acct);
	call(&c, env.billing, "POST", path, NULL,
	    "{\"from\":\"2026-03-02\",\"to\":\"2026-03-01\"}");
	expect_error(&c, 422, "validation_failed", "to", "statement range");
	call(&c, env.billing, "POST", path, NULL, "{\"from\":\"2026-03-02\"}");
	expect_error(&c, 422, "validation_failed", "to", "statement without to");

	/* Malformed requests. */
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL, "{\"name\":");
	expect_error(&c, 400, "bad_request", NULL, "broken JSON");
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL, "[1,2]");
	expect_error(&c, 400, "bad_request", NULL, "JSON array body");
	call(&c, env.billing, "GET", "/api/v1/accounts?limit=500", NULL, NULL);
	expect_error(&c, 400, "invalid_parameter", "limit", "limit too large");
	call(&c, env.billing, "GET", "/api/v1/invoices?status=lost", NULL, NULL);
	expect_error(&c, 400, "invalid_parameter", "status", "bad status filter");
	call(&c, env.billing, "GET", "/api/v1/ledger", NULL, NULL);
	expect_error(&c, 400, "invalid_parameter", "account_id", "ledger filter");

	/* The primary email is unique. */
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL,
	    "{\"name\":\"Dup\",\"email\":\"dup-api@example.com\"}");
	ck_assert(c.r.status == 201 || c.r.status == 409);
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL,
	    "{\"name\":\"Dup\",\"email\":\"dup-api@example.com\"}");
	expect_error(&c, 409, "email_taken", "email", "duplicate email");
	call_free(&c);
}
END_TEST

/* A key given twice is refused whole (json-c alone keeps the last one, and
 * "amount_cents":100,"amount_cents":99999900 booked $999,999.00); broken
 * JSON says where and why. Nothing is recorded either way. */
START_TEST(test_json_body_errors)
{
	struct call c;
	char q[96];
	int64_t acct;

	call_init(&c);
	acct = make_account(&c, "Duplicate Keys");
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":100,"
	    "\"amount_cents\":99999900}", acct);
	expect_error(&c, 400, "bad_request", "amount_cents", "duplicate amount");
	ck_assert_msg(strstr(js(&c, "error.message"), "\"amount_cents\"") != NULL,
	    "message does not name the key: %s", js(&c, "error.message"));
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"lines\":[{\"description\":\"A\",\"rate_cents\":100,"
	    "\"rate_cents\":1}]}", acct);
	expect_error(&c, 400, "bad_request", "rate_cents", "duplicate in a line");
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":10O}", acct);
	expect_error(&c, 400, "bad_request", NULL, "letter in a number");
	ck_assert_msg(strstr(js(&c, "error.message"), "at offset ") != NULL,
	    "no position: %s", js(&c, "error.message"));
	str_fmt(q, sizeof(q), "/api/v1/payments?account_id=%" PRId64, acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "payments of the account");
	ck_assert_int_eq(jlen(&c, "data"), 0);
	str_fmt(q, sizeof(q), "/api/v1/invoices?account_id=%" PRId64, acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "invoices of the account");
	ck_assert_int_eq(jlen(&c, "data"), 0);
	call_free(&c);
}
END_TEST

START_TEST(test_not_found)
{
	static const char *const gets[] = {
		"/api/v1/invoices/" NO_INVOICE, "/api/v1/accounts/" NO_INVOICE,
		"/api/v1/accounts/abc", "/api/v1/accounts/0", "/api/v1/clients/"
		NO_INVOICE, "/api/v1/inquiries/" NO_INVOICE, "/api/v1/payments/"
		NO_INVOICE, "/api/v1/statements/" NO_INVOICE, "/api/v1/locations/"
		NO_INVOICE, "/api/v1/services/" NO_INVOICE, "/api/v1/accounts/"
		NO_INVOICE "/statements", "/api/v1/ledger?account_id=" NO_INVOICE,
		"/api/v1/ledger?invoice_id=" NO_INVOICE, "/api/v1/nothing-here",
	};
	struct call c;

	call_init(&c);
	for (size_t i = 0; i < ARRAY_LEN(gets); i++) {
		call(&c, env.frontdesk, "GET", gets[i], NULL, NULL);
		expect_error(&c, 404, "not_found", NULL, gets[i]);
	}
	call(&c, env.billing, "POST", "/api/v1/invoices/" NO_INVOICE "/issue", NULL, NULL);
	expect_error(&c, 404, "not_found", NULL, "issue unknown");
	call(&c, env.billing, "POST", "/api/v1/invoices/" NO_INVOICE "/void", NULL,
	    "{\"reason\":\"x\"}");
	expect_error(&c, 404, "not_found", NULL, "void unknown");
	call(&c, env.billing, "PATCH", "/api/v1/clients/" NO_INVOICE, NULL,
	    "{\"phone\":\"1\"}");
	expect_error(&c, 404, "not_found", NULL, "patch unknown");
	call(&c, env.billing, "POST", "/api/v1/payments/" NO_INVOICE "/allocations",
	    NULL, "{\"invoice_id\":1,\"amount_cents\":1}");
	expect_error(&c, 404, "not_found", NULL, "allocate unknown payment");
	call(&c, env.billing, "DELETE", "/api/v1/accounts", NULL, NULL);
	expect_error(&c, 405, "method_not_allowed", NULL, "DELETE");
	ck_assert_ptr_nonnull(itest_header(&c.r, "Allow"));
	call_free(&c);
}
END_TEST

/* --- idempotency ------------------------------------------------------------- */

static size_t
accounts_named(struct call *c, const char *name)
{
	char q[160];

	str_fmt(q, sizeof(q), "/api/v1/accounts?q=%s&limit=200", name);
	call(c, env.billing, "GET", q, NULL, NULL);
	EXPECT(c, 200, "search");
	return jlen(c, "data");
}

START_TEST(test_idempotent_replay)
{
	struct call c;
	char name[64], key[64], first[4096], q[128], longkey[300];
	int64_t acct;

	call_init(&c);
	itest_unique(name, sizeof(name), "Idem");
	itest_unique(key, sizeof(key), "key");
	call(&c, env.billing, "POST", "/api/v1/accounts", key, "{\"name\":\"%s\"}", name);
	EXPECT(&c, 201, "first");
	ck_assert_ptr_null(itest_header(&c.r, "Idempotent-Replayed"));
	str_copy(first, sizeof(first), BODY(&c));
	acct = ji(&c, "id");
	call(&c, env.billing, "POST", "/api/v1/accounts", key, "{\"name\":\"%s\"}", name);
	EXPECT(&c, 201, "replay");
	ck_assert_str_eq(BODY(&c), first);
	ck_assert_ptr_nonnull(itest_header(&c.r, "Idempotent-Replayed"));
	ck_assert_str_eq(itest_header(&c.r, "Idempotent-Replayed"), "true");
	ck_assert_int_eq(accounts_named(&c, name), 1);

	/* Same key, other body / other path: refused, nothing created. */
	call(&c, env.billing, "POST", "/api/v1/accounts", key, "{\"name\":\"%s-2\"}", name);
	expect_error(&c, 409, "idempotency_key_reused", NULL, "other body");
	call(&c, env.billing, "POST", "/api/v1/inquiries", key, "{\"first_name\":"
	    "\"%s\",\"last_name\":\"X\"}", name);
	expect_error(&c, 409, "idempotency_key_reused", NULL, "other path");
	ck_assert_int_eq(accounts_named(&c, name), 1);
	/* Keys belong to one API key: another key may use the same string. */
	call(&c, env.admin, "POST", "/api/v1/accounts", key, "{\"name\":\"%s\"}", name);
	EXPECT(&c, 201, "same key string, other API key");
	ck_assert_int_ne(ji(&c, "id"), acct);

	/* A payment replayed records no second payment. */
	itest_unique(key, sizeof(key), "pay");
	for (int i = 0; i < 3; i++) {
		call(&c, env.billing, "POST", "/api/v1/payments", key, "{\"account_id\":%"
		    PRId64 ",\"method\":\"cash\",\"amount_cents\":2500}", acct);
		EXPECT(&c, 201, "payment (replayed)");
		ck_assert_str_eq(itest_header(&c.r, "Idempotent-Replayed") ?
		    itest_header(&c.r, "Idempotent-Replayed") : "false",
		    i ? "true" : "false");
	}
	str_fmt(q, sizeof(q), "/api/v1/payments?account_id=%" PRId64, acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	ck_assert_int_eq(jlen(&c, "data"), 1);

	/* Refusals before the handler runs do not take the key. */
	itest_unique(key, sizeof(key), "val");
	call(&c, env.billing, "POST", "/api/v1/accounts", key, "{}");
	expect_error(&c, 422, "validation_failed", "name", "invalid with key");
	call(&c, env.billing, "POST", "/api/v1/accounts", key, "{\"name\":\"%s-v\"}", name);
	EXPECT(&c, 201, "valid after invalid, same key");

	memset(longkey, 'k', 256);
	longkey[256] = '\0';
	call(&c, env.billing, "POST", "/api/v1/accounts", longkey, "{\"name\":\"x\"}");
	expect_error(&c, 400, "invalid_idempotency_key", NULL, "256-char key");
	call_free(&c);
}
END_TEST

/* A request whose key is still claimed (status NULL) by a first request in
 * flight: made deterministic by writing that claim directly. */
START_TEST(test_idempotency_in_progress)
{
	struct call c;
	struct buf out, req;
	char key[64], name[64], hash[CRYPTO_SHA256_HEX];
	int rc;

	call_init(&c);
	buf_init(&out, 64 * 1024);
	buf_init(&req, 4096);
	itest_unique(key, sizeof(key), "busy");
	itest_unique(name, sizeof(name), "Busy");
	ck_assert(buf_printf(&req, "POST\n/api/v1/accounts\n{\"name\":\"%s\"}", name) == 0);
	crypto_sha256_hex(req.data, req.len, hash);
	rc = itest_sh(&out, "mariadb --protocol=socket -S '%s' -u '%s' -p'%s' '%s' -e "
	    "\"INSERT INTO idempotency_keys (api_key_id, idem_key, request_hash,"
	    " created_at) VALUES (%" PRId64 ", '%s', '%s', UNIX_TIMESTAMP())\"",
	    env.db_socket, env.db_user, env.db_password, env.db_name, env.admin_id,
	    key, hash);
	ck_assert_msg(rc == 0, "mariadb: %s", buf_cstr(&out));
	call(&c, env.admin, "POST", "/api/v1/accounts", key, "{\"name\":\"%s\"}", name);
	expect_error(&c, 409, "idempotency_key_in_progress", NULL, "in flight");
	ck_assert_int_eq(accounts_named(&c, name), 0);
	buf_free(&req);
	buf_free(&out);
	call_free(&c);
}
END_TEST

/* The same payment sent by several clients at once: one runs, the others
 * replay it or are told it is in progress; one payment exists. */
START_TEST(test_idempotency_race)
{
	enum { RACERS = 6 };
	struct call c;
	char key[64], q[128];
	pid_t pids[RACERS];
	int st, fresh = 0, replayed = 0, busy = 0;
	int64_t acct;

	call_init(&c);
	acct = make_account(&c, "Race");
	itest_unique(key, sizeof(key), "race");
	for (int i = 0; i < RACERS; i++) {
		ck_assert((pids[i] = fork()) >= 0);
		if (pids[i] == 0) {
			const char *r;
			call(&c, env.billing, "POST", "/api/v1/payments", key,
			    "{\"account_id\":%" PRId64 ",\"method\":\"cash\","
			    "\"amount_cents\":1234}", acct);
			r = itest_header(&c.r, "Idempotent-Replayed");
			if (c.r.status == 201)
				_exit(r != NULL && strcmp(r, "true") == 0 ? 1 : 0);
			_exit(c.r.status == 409 && c.j != NULL && strcmp(json_object_get_string(
			    jpath(c.j, "error.code")), "idempotency_key_in_progress") == 0 ? 2 : 3);
		}
	}
	for (int i = 0; i < RACERS; i++) {
		ck_assert(waitpid(pids[i], &st, 0) == pids[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) < 3, "racer %d: status %d",
		    i, st);
		fresh += WEXITSTATUS(st) == 0;
		replayed += WEXITSTATUS(st) == 1;
		busy += WEXITSTATUS(st) == 2;
	}
	ck_assert_msg(fresh == 1, "%d fresh, %d replayed, %d busy", fresh, replayed, busy);
	str_fmt(q, sizeof(q), "/api/v1/payments?account_id=%" PRId64, acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	ck_assert_int_eq(jlen(&c, "data"), 1);
	call_free(&c);
}
END_TEST

/* --- invoice life cycle ---------------------------------------------------------- */

static Suite *
api_errors_suite(void)
{
	Suite *s = suite_create("api_errors");
	TCase *tc;

	tc = api_tcase(s, "errors");
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_json_body_errors);
	tcase_add_test(tc, test_not_found);
	tc = api_tcase(s, "idempotency");
	tcase_add_test(tc, test_idempotent_replay);
	tcase_add_test(tc, test_idempotency_in_progress);
	tcase_add_test(tc, test_idempotency_race);
	return s;
}

int
main(void)
{
	int stack = api_env_init("test_api_errors");

	if (stack <= 0) {
		fprintf(stderr, "test_api_errors: needs the stack (tests/integration/run)\n");
		return 2;
	}
	return api_suite_run(api_errors_suite());
}
