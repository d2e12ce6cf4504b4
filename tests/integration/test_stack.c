/* End-to-end tests of the running stack (nginx -> billingd -> MariaDB),
 * started by tests/integration/run, which passes the ITEST_* variables:
 * HTTP basics, sign-in and sign-out, CSRF, roles, login throttling. Tests
 * share one stack: login throttling state accumulates, so the per-IP
 * throttling test must stay the last one to run. Processes dying and the
 * database restarting: test_restart.c. */
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "clock.h"
#include "itest.h"
#include "stack_fixture.h"
#include "str.h"

/* --- helpers ---------------------------------------------------------- */

/* Location leads to path (relative or absolute on our base URL; a query
 * string, e.g. a notice for the next page, does not matter). */
static int
location_is(const struct itest_resp *r, const char *path)
{
	const char *loc = itest_header(r, "Location");
	size_t blen = strlen(env.base), plen = strlen(path);

	if (loc == NULL)
		return 0;
	if (strncmp(loc, env.base, blen) == 0)
		loc += blen;
	return strncmp(loc, path, plen) == 0 && (loc[plen] == '\0' || loc[plen] == '?');
}

#define EXPECT_REDIRECT(r, want, path, what)				\
	do {								\
		EXPECT_STATUS((r), (want), (what));			\
		ck_assert_msg(location_is((r), (path)),			\
		    "%s: Location \"%s\", want \"%s\"", (what),		\
		    itest_header((r), "Location") ? itest_header((r), "Location") : "(none)", \
		    (path));						\
	} while (0)

static void
expect_header_has(const struct itest_resp *r, const char *name, const char *needle,
    const char *what)
{
	const char *v = itest_header(r, name);

	ck_assert_msg(v != NULL, "%s: no %s header", what, name);
	ck_assert_msg(strcasestr(v, needle) != NULL, "%s: %s: \"%s\" lacks \"%s\"",
	    what, name, v, needle);
}

/* The page's _csrf token (asserts there is one). */
static void
page_csrf(const struct itest_resp *r, char *out, size_t outsz, const char *what)
{
	ck_assert_msg(itest_csrf(buf_cstr(&r->body), out, outsz) == 0,
	    "%s: no _csrf hidden input in: %.600s", what, buf_cstr(&r->body));
}

/* Output of `billingctl user list` (asserts exit 0); caller frees. */
static void
ctl_user_list(struct buf *out)
{
	int rc;

	buf_init(out, 4u * 1024 * 1024);
	rc = itest_sh(out, "%s user list", env.ctl);
	ck_assert_msg(rc == 0, "billingctl user list: exit %d: %s", rc, buf_cstr(out));
}

static int
ctl_lists_user(const char *email)
{
	struct buf out;
	int found;

	ctl_user_list(&out);
	found = strstr(buf_cstr(&out), email) != NULL;
	buf_free(&out);
	return found;
}

/* Asserts email is not a user: neither on /admin/users (as admin) nor in billingctl. */
static void
expect_no_user(struct itest_client *admin, const char *email, const char *what)
{
	struct itest_resp r;

	itest_resp_init(&r);
	itest_get(admin, "/admin/users", &r);
	EXPECT_STATUS(&r, 200, "GET /admin/users");
	ck_assert_msg(!itest_body_has(&r, email), "%s: /admin/users lists %s", what, email);
	ck_assert_msg(!ctl_lists_user(email), "%s: billingctl user list shows %s", what, email);
	itest_resp_free(&r);
}

/* --- basic HTTP ------------------------------------------------------- */

START_TEST(test_healthz)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	json_object *j, *v;

	itest_resp_init(&r);
	itest_get(c, "/healthz", &r);
	EXPECT_STATUS(&r, 200, "GET /healthz");
	expect_header_has(&r, "Content-Type", "application/json", "GET /healthz");
	j = json_tokener_parse(buf_cstr(&r.body));
	ck_assert_msg(j != NULL, "/healthz is not JSON: %s", buf_cstr(&r.body));
	ck_assert_msg(json_object_object_get_ex(j, "status", &v) &&
	    strcmp(json_object_get_string(v), "ok") == 0, "/healthz status: %s", buf_cstr(&r.body));
	ck_assert_msg(json_object_object_get_ex(j, "db", &v) &&
	    strcmp(json_object_get_string(v), "ok") == 0, "/healthz db: %s", buf_cstr(&r.body));
	json_object_put(j);
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_ping)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	char body[64];

	itest_resp_init(&r);
	itest_get(c, "/ping", &r);
	EXPECT_STATUS(&r, 200, "GET /ping");
	expect_header_has(&r, "Content-Type", "text/plain", "GET /ping");
	str_copy(body, sizeof(body), buf_cstr(&r.body));
	ck_assert_str_eq(str_trim(body), "pong");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_not_found)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	char path[128];

	itest_resp_init(&r);
	itest_unique(path, sizeof(path), "/no-such-page");
	itest_get(c, path, &r);
	EXPECT_STATUS(&r, 404, path);
	expect_header_has(&r, "Content-Type", "text/html", path);
	ck_assert_msg(strcasestr(buf_cstr(&r.body), "not found") != NULL,
	    "404 page does not say \"not found\": %.600s", buf_cstr(&r.body));
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_method_not_allowed)
{
	struct itest_client *c = client_new();
	struct itest_resp r;

	itest_resp_init(&r);
	itest_get(c, "/logout", &r);
	EXPECT_STATUS(&r, 405, "GET /logout");
	expect_header_has(&r, "Allow", "POST", "GET /logout");

	itest_request(c, "PUT", "/healthz", NULL, &r);
	EXPECT_STATUS(&r, 405, "PUT /healthz");
	expect_header_has(&r, "Allow", "GET", "PUT /healthz");

	itest_request(c, "DELETE", "/login", NULL, &r);
	EXPECT_STATUS(&r, 405, "DELETE /login");
	expect_header_has(&r, "Allow", "GET", "DELETE /login");
	expect_header_has(&r, "Allow", "POST", "DELETE /login");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

static void
expect_security_headers(const struct itest_resp *r, const char *what)
{
	const char *csp = itest_header(r, "Content-Security-Policy");

	ck_assert_msg(csp != NULL && *csp != '\0', "%s: no Content-Security-Policy", what);
	expect_header_has(r, "X-Content-Type-Options", "nosniff", what);
	expect_header_has(r, "X-Frame-Options", "DENY", what);
	expect_header_has(r, "Referrer-Policy", "same-origin", what);
}

START_TEST(test_security_headers)
{
	static const char *const paths[] = {
		"/login", "/healthz", "/ping", "/", "/no-such-page", "/logout",
	};
	struct itest_client *c = client_new();
	struct itest_resp r;
	size_t i;

	itest_resp_init(&r);
	for (i = 0; i < ARRAY_LEN(paths); i++) {
		itest_get(c, paths[i], &r);
		ck_assert_msg(r.status >= 200, "GET %s: %s", paths[i], r.error);
		expect_security_headers(&r, paths[i]);
	}
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_authenticated_no_store)
{
	struct itest_client *c = client_login(env.admin);
	struct itest_resp r;

	itest_resp_init(&r);
	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / as admin");
	expect_header_has(&r, "Cache-Control", "no-store", "GET / as admin");
	expect_security_headers(&r, "GET / as admin");
	itest_get(c, "/admin/users", &r);
	EXPECT_STATUS(&r, 200, "GET /admin/users as admin");
	expect_header_has(&r, "Cache-Control", "no-store", "GET /admin/users as admin");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* --- sign-in and sign-out -------------------------------------------- */

/* The Set-Cookie header that sets name, or NULL. */
static const char *
set_cookie_for(const struct itest_resp *r, const char *name)
{
	const char *v;
	size_t i, n = strlen(name);

	for (i = 0; (v = itest_header_n(r, "Set-Cookie", i)) != NULL; i++)
		if (strncmp(v, name, n) == 0 && v[n] == '=')
			return v;
	return NULL;
}

START_TEST(test_login_good)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	char before[512] = "", after[512];
	const char *sc;

	itest_resp_init(&r);
	itest_get(c, "/login", &r);
	EXPECT_STATUS(&r, 200, "GET /login");
	EXPECT_BODY(&r, "name=\"password\"", "GET /login");
	itest_cookie_get(c, "bsid", before, sizeof(before));

	itest_login_resp(c, env.admin, env.password, &r);
	EXPECT_REDIRECT(&r, 303, "/", "POST /login as admin");
	sc = set_cookie_for(&r, "bsid");
	ck_assert_msg(sc != NULL, "sign-in sets no bsid cookie");
	ck_assert_msg(strcasestr(sc, "HttpOnly") != NULL, "bsid not HttpOnly: %s", sc);
	ck_assert_msg(strcasestr(sc, "SameSite=Lax") != NULL, "bsid not SameSite=Lax: %s", sc);
	ck_assert_msg(strstr(sc, "Path=/") != NULL, "bsid without Path=/: %s", sc);
	ck_assert_int_eq(itest_cookie_get(c, "bsid", after, sizeof(after)), 0);
	/* A session id known before sign-in must not become the signed-in one. */
	ck_assert_msg(strcmp(before, after) != 0, "session id not renewed at sign-in");

	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / after sign-in");
	EXPECT_BODY(&r, "Signed in as", "GET / after sign-in");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* A client whose sign-in failed is still anonymous. */
static void
expect_anonymous(struct itest_client *c, const char *what)
{
	struct itest_resp r;

	itest_resp_init(&r);
	itest_get(c, "/", &r);
	EXPECT_REDIRECT(&r, 303, "/login", what);
	itest_resp_free(&r);
}

START_TEST(test_login_bad_password)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	char csrf[256];

	itest_resp_init(&r);
	itest_login_resp(c, env.frontdesk, "not-the-password-1", &r);
	EXPECT_STATUS(&r, 401, "wrong password");
	EXPECT_BODY(&r, "Invalid email or password", "wrong password");
	page_csrf(&r, csrf, sizeof(csrf), "wrong password: form again");
	/* The entered password is never echoed back. */
	ck_assert_msg(!itest_body_has(&r, "not-the-password-1"), "password echoed in page");
	expect_anonymous(c, "GET / after wrong password");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_login_unknown_email)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	char email[128];

	itest_resp_init(&r);
	itest_unique(email, sizeof(email), "nobody");
	str_fmt(email + strlen(email), sizeof(email) - strlen(email), "@example.test");
	itest_login_resp(c, email, env.password, &r);
	EXPECT_STATUS(&r, 401, "unknown email");
	EXPECT_BODY(&r, "Invalid email or password", "unknown email");
	expect_anonymous(c, "GET / after unknown email");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_anonymous_home)
{
	struct itest_client *c = client_new();

	expect_anonymous(c, "anonymous GET /");
	itest_client_free(c);
}
END_TEST

/* GET / on a new client that carries only the session cookie sid. */
static long
replay_session(const char *sid, struct itest_resp *r)
{
	struct itest_client *c = client_new();
	long st;

	ck_assert_int_eq(itest_cookie_set(c, "bsid", sid), 0);
	st = itest_get(c, "/", r);
	itest_client_free(c);
	return st;
}

START_TEST(test_logout)
{
	struct itest_client *c = client_login(env.admin);
	struct itest_resp r;
	char sid[512], csrf[256];

	itest_resp_init(&r);
	ck_assert_int_eq(itest_cookie_get(c, "bsid", sid, sizeof(sid)), 0);
	replay_session(sid, &r);
	EXPECT_STATUS(&r, 200, "session cookie replayed before sign-out");

	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / signed in");
	page_csrf(&r, csrf, sizeof(csrf), "home page (sign-out form)");

	itest_post_form(c, "/logout", NULL, 0, &r);
	EXPECT_STATUS(&r, 403, "POST /logout without _csrf");
	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "still signed in after a refused sign-out");

	{
		const struct itest_kv form[] = { { "_csrf", csrf } };
		itest_post_form(c, "/logout", form, ARRAY_LEN(form), &r);
	}
	EXPECT_REDIRECT(&r, 303, "/login", "POST /logout");
	expect_anonymous(c, "GET / after sign-out");
	replay_session(sid, &r);
	EXPECT_REDIRECT(&r, 303, "/login", "old session cookie after sign-out");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* --- CSRF and forms --------------------------------------------------- */

static void
unique_email(char *out, size_t outsz, const char *prefix)
{
	char id[96];

	itest_unique(id, sizeof(id), prefix);
	str_fmt(out, outsz, "%s@example.test", id);
}

/* POST /admin/users for a billing user; csrf NULL sends no _csrf field. */
static long
post_user(struct itest_client *c, const char *csrf, const char *email, struct itest_resp *r)
{
	struct itest_kv form[] = {
		{ "email", email }, { "name", "Test User" }, { "role", "billing" },
		{ "password", "Corr3ct-horse-battery" }, { "_csrf", csrf },
	};

	return itest_post_form(c, "/admin/users", form, ARRAY_LEN(form) - (csrf == NULL), r);
}

START_TEST(test_admin_users_csrf)
{
	struct itest_client *c = client_login(env.admin), *other = client_new();
	struct itest_resp r;
	char csrf[256], foreign[256], email[160];

	itest_resp_init(&r);
	unique_email(email, sizeof(email), "csrf");
	itest_get(c, "/admin/users", &r);
	EXPECT_STATUS(&r, 200, "GET /admin/users");
	page_csrf(&r, csrf, sizeof(csrf), "GET /admin/users");
	expect_no_user(c, email, "before any POST");

	post_user(c, NULL, email, &r);
	EXPECT_STATUS(&r, 403, "POST /admin/users without _csrf");
	expect_no_user(c, email, "after POST without _csrf");

	post_user(c, "wrong-token-0123456789abcdef", email, &r);
	EXPECT_STATUS(&r, 403, "POST /admin/users with a made-up _csrf");
	expect_no_user(c, email, "after POST with a made-up _csrf");

	/* A genuine token of another session is just as wrong. */
	itest_get(other, "/login", &r);
	page_csrf(&r, foreign, sizeof(foreign), "GET /login (other session)");
	ck_assert_str_ne(foreign, csrf);
	post_user(c, foreign, email, &r);
	EXPECT_STATUS(&r, 403, "POST /admin/users with another session's _csrf");
	expect_no_user(c, email, "after POST with another session's _csrf");

	post_user(c, csrf, email, &r);
	EXPECT_REDIRECT(&r, 303, "/admin/users", "POST /admin/users with _csrf");
	itest_get(c, "/admin/users", &r);
	EXPECT_STATUS(&r, 200, "GET /admin/users after adding");
	EXPECT_BODY(&r, email, "GET /admin/users after adding");
	ck_assert_msg(ctl_lists_user(email), "billingctl user list lacks %s", email);

	/* The new user can sign in with the password the admin gave. */
	{
		struct itest_client *u = client_new();
		long st = itest_login(u, email, "Corr3ct-horse-battery");

		ck_assert_msg(st == 303, "new user sign-in: HTTP %ld", st);
		itest_client_free(u);
	}
	itest_resp_free(&r);
	itest_client_free(other);
	itest_client_free(c);
}
END_TEST

START_TEST(test_login_csrf)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	const struct itest_kv nocsrf[] = {
		{ "email", env.admin }, { "password", env.password },
	};
	const struct itest_kv badcsrf[] = {
		{ "_csrf", "wrong-token-0123456789abcdef" },
		{ "email", env.admin }, { "password", env.password },
	};

	itest_resp_init(&r);
	itest_get(c, "/login", &r);
	EXPECT_STATUS(&r, 200, "GET /login");
	itest_post_form(c, "/login", nocsrf, ARRAY_LEN(nocsrf), &r);
	EXPECT_STATUS(&r, 403, "POST /login (right password) without _csrf");
	expect_anonymous(c, "GET / after POST /login without _csrf");
	itest_post_form(c, "/login", badcsrf, ARRAY_LEN(badcsrf), &r);
	EXPECT_STATUS(&r, 403, "POST /login (right password) with a wrong _csrf");
	expect_anonymous(c, "GET / after POST /login with a wrong _csrf");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_admin_users_invalid)
{
	struct itest_client *c = client_login(env.admin);
	struct itest_resp r;
	char csrf[256], bad[160], typed[160];

	itest_resp_init(&r);
	itest_unique(bad, sizeof(bad), "not-an-email");
	itest_get(c, "/admin/users", &r);
	EXPECT_STATUS(&r, 200, "GET /admin/users");
	page_csrf(&r, csrf, sizeof(csrf), "GET /admin/users");

	post_user(c, csrf, bad, &r);
	EXPECT_STATUS(&r, 422, "POST /admin/users with a bad email");
	expect_header_has(&r, "Content-Type", "text/html", "422 page");
	/* The form again, with what was typed and a message saying what is wrong. */
	page_csrf(&r, csrf, sizeof(csrf), "422 page");
	ck_assert_msg(itest_input_value(buf_cstr(&r.body), "email", typed, sizeof(typed)) == 0,
	    "422 page has no email input");
	ck_assert_str_eq(typed, bad);
	ck_assert_msg(strcasestr(buf_cstr(&r.body), "valid email") != NULL,
	    "422 page does not say the email is invalid");
	expect_no_user(c, bad, "after POST with a bad email");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* --- roles ------------------------------------------------------------ */

static void
expect_no_admin_access(const char *email)
{
	struct itest_client *c = client_login(email);
	struct itest_resp r;
	char csrf[256], victim[160];

	itest_resp_init(&r);
	itest_get(c, "/admin/users", &r);
	EXPECT_STATUS(&r, 403, email);
	EXPECT_BODY(&r, "You do not have access", email);
	ck_assert_msg(!itest_body_has(&r, env.admin), "%s: 403 page shows %s", email, env.admin);

	/* Nor can the role add a user with a valid token of its own session. */
	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET /");
	page_csrf(&r, csrf, sizeof(csrf), "home page");
	unique_email(victim, sizeof(victim), "role");
	post_user(c, csrf, victim, &r);
	EXPECT_STATUS(&r, 403, "POST /admin/users by a non-admin");
	ck_assert_msg(!ctl_lists_user(victim), "non-admin %s created %s", email, victim);
	itest_resp_free(&r);
	itest_client_free(c);
}

START_TEST(test_role_frontdesk)
{
	expect_no_admin_access(env.frontdesk);
}
END_TEST

START_TEST(test_role_billing)
{
	expect_no_admin_access(env.billing);
}
END_TEST

START_TEST(test_role_admin)
{
	struct itest_client *c = client_login(env.admin);
	struct itest_resp r;

	itest_resp_init(&r);
	itest_get(c, "/admin/users", &r);
	EXPECT_STATUS(&r, 200, "GET /admin/users as admin");
	EXPECT_BODY(&r, env.admin, "user list");
	EXPECT_BODY(&r, env.billing, "user list");
	EXPECT_BODY(&r, env.frontdesk, "user list");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* --- login throttling (last: blocks 127.0.0.1 for login_window) -------- */

START_TEST(test_throttle_account)
{
	struct itest_client *c = client_new(), *other;
	struct itest_resp r;
	char wrong[64];
	int i;

	itest_resp_init(&r);
	for (i = 1; i <= 5; i++) {
		str_fmt(wrong, sizeof(wrong), "wrong-password-%d", i);
		itest_login_resp(c, env.throttle, wrong, &r);
		EXPECT_STATUS(&r, 401, wrong);
	}
	itest_login_resp(c, env.throttle, env.password, &r);
	EXPECT_STATUS(&r, 429, "right password after 5 failures");
	EXPECT_BODY(&r, "Too many failed sign-in attempts", "429 page");
	expect_anonymous(c, "GET / after a throttled sign-in");

	other = client_login(env.billing);
	itest_get(other, "/", &r);
	EXPECT_STATUS(&r, 200, "another account while one is throttled");
	EXPECT_BODY(&r, "Signed in as", "another account while one is throttled");
	itest_client_free(other);
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

START_TEST(test_throttle_ip)
{
	struct itest_client *c = client_new(), *spoof = client_new();
	struct itest_resp r;
	char email[160];
	int i;

	itest_resp_init(&r);
	for (i = 1; i <= 16; i++) {
		unique_email(email, sizeof(email), "ipthrottle");
		itest_login_resp(c, email, "wrong-password", &r);
		if (r.status == 429)
			break;
		EXPECT_STATUS(&r, 401, email);
	}
	EXPECT_STATUS(&r, 429, "16th failed sign-in from one address");
	EXPECT_BODY(&r, "Too many failed sign-in attempts", "429 page");

	unique_email(email, sizeof(email), "ipthrottle-next");
	itest_login_resp(c, email, "wrong-password", &r);
	EXPECT_STATUS(&r, 429, "a further new email from the throttled address");

	/* Claiming another address in a header does not lift the block. */
	ck_assert_int_eq(itest_client_add_header(spoof, "X-Forwarded-For: 203.0.113.7"), 0);
	ck_assert_int_eq(itest_client_add_header(spoof, "X-Real-IP: 203.0.113.7"), 0);
	itest_login_resp(spoof, email, "wrong-password", &r);
	EXPECT_STATUS(&r, 429, "throttled address with a forged X-Forwarded-For");
	itest_resp_free(&r);
	itest_client_free(spoof);
	itest_client_free(c);
}
END_TEST

/* --- runner ----------------------------------------------------------- */

static Suite *
stack_suite(void)
{
	Suite *s = suite_create("stack");
	TCase *tc;

	tc = stack_tcase(s, "http");
	tcase_add_test(tc, test_healthz);
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_security_headers);
	tcase_add_test(tc, test_authenticated_no_store);

	tc = stack_tcase(s, "auth");
	tcase_add_test(tc, test_login_good);
	tcase_add_test(tc, test_login_bad_password);
	tcase_add_test(tc, test_login_unknown_email);
	tcase_add_test(tc, test_anonymous_home);
	tcase_add_test(tc, test_logout);

	tc = stack_tcase(s, "csrf");
	tcase_add_test(tc, test_admin_users_csrf);
	tcase_add_test(tc, test_login_csrf);
	tcase_add_test(tc, test_admin_users_invalid);

	tc = stack_tcase(s, "roles");
	tcase_add_test(tc, test_role_frontdesk);
	tcase_add_test(tc, test_role_billing);
	tcase_add_test(tc, test_role_admin);

	/* Must stay last: the per-IP test blocks all sign-ins from 127.0.0.1. */
	tc = stack_tcase(s, "throttle");
	tcase_add_test(tc, test_throttle_account);
	tcase_add_test(tc, test_throttle_ip);
	return s;
}

int
main(void)
{
	int rc = stack_env_init("test_stack");

	return rc != 0 ? rc : stack_run(stack_suite());
}
