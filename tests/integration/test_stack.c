/* End-to-end tests of the running stack (nginx -> billingd -> MariaDB),
 * started by tests/integration/run, which passes the ITEST_* variables.
 * Tests share one stack: login throttling state accumulates, so the
 * per-IP throttling test must stay the last one to run. */
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
#include "str.h"

#define MAX_WORKERS	256
#define TC_TIMEOUT	120

static struct {
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
} env;

/* --- helpers ---------------------------------------------------------- */

#define EXPECT_STATUS(r, want, what)					\
	ck_assert_msg((r)->status == (want),				\
	    "%s: HTTP %ld, want %d%s%s; body: %.600s", (what),		\
	    (r)->status, (want), (r)->error[0] ? "; " : "", (r)->error,	\
	    buf_cstr(&(r)->body))

#define EXPECT_BODY(r, needle, what)					\
	ck_assert_msg(itest_body_has((r), (needle)),			\
	    "%s: body lacks \"%s\": %.600s", (what), (needle),		\
	    buf_cstr(&(r)->body))

static struct itest_client *
client_new(void)
{
	struct itest_client *c = itest_client_new(env.base);

	ck_assert_msg(c != NULL, "cannot create a client for %s", env.base);
	return c;
}

/* A client signed in as email (asserts the sign-in worked). */
static struct itest_client *
client_login(const char *email)
{
	struct itest_client *c = client_new();
	long st = itest_login(c, email, env.password);

	ck_assert_msg(st == 303, "sign-in as %s: HTTP %ld, want 303", email, st);
	return c;
}

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

/* --- worker restart --------------------------------------------------- */

static pid_t
master_pid(void)
{
	pid_t pid = itest_pidfile_read(env.pidfile);

	ck_assert_msg(pid > 0, "cannot read billingd pid from %s", env.pidfile);
	ck_assert_msg(itest_pid_alive(pid), "billingd master %ld is not running", (long)pid);
	return pid;
}

struct workers_back {
	pid_t	 master;
	int	 want;
	pid_t	*old;
	int	 nold;
};

static int
pid_in(pid_t pid, const pid_t *set, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/* The killed worker is gone (exited: its descriptors are closed). */
static int
victim_gone(void *arg)
{
	return !itest_pid_alive(*(pid_t *)arg);
}

/* The master runs as many workers as before, one of them new. */
static int
workers_back(void *arg)
{
	struct workers_back *w = arg;
	pid_t now[MAX_WORKERS];
	int i, n = itest_children(w->master, now, MAX_WORKERS);

	if (n != w->want)
		return 0;
	for (i = 0; i < n; i++)
		if (!pid_in(now[i], w->old, w->nold))
			return 1;
	return 0;
}

START_TEST(test_worker_restart)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	pid_t master = master_pid(), old[MAX_WORKERS], victim;
	struct workers_back w;
	int n, i, failed = 0, left;
	long first_bad = 0;
	char first_err[256] = "";
	int64_t killed_at;

	itest_resp_init(&r);
	itest_get(c, "/healthz", &r);
	EXPECT_STATUS(&r, 200, "GET /healthz before the kill");
	n = itest_children(master, old, MAX_WORKERS);
	ck_assert_msg(n >= 1 && n <= MAX_WORKERS, "billingd %ld has %d workers", (long)master, n);
	victim = old[n - 1];

	ck_assert_int_eq(kill(victim, SIGKILL), 0);
	killed_at = clock_mono_ms();
	/* SIGKILL is not instant: a worker woken in accept() by it may still
	 * take one queued connection and die holding it (that request is lost
	 * with the worker, as with any crash mid-request). What must hold is
	 * that once it is gone every request is served by the others. */
	ck_assert_msg(itest_wait_until(10000, 5, victim_gone, &victim) == 0,
	    "worker %ld still alive 10 s after SIGKILL", (long)victim);
	for (i = 0; i < 50; i++) {
		if (itest_get(c, "/healthz", &r) != 200 && failed++ == 0) {
			first_bad = r.status;
			str_copy(first_err, sizeof(first_err), r.error);
		}
	}
	ck_assert_msg(failed == 0, "%d of 50 requests after killing worker %ld failed "
	    "(first: HTTP %ld %s)", failed, (long)victim, first_bad, first_err);

	w.master = master;
	w.want = n;
	w.old = old;
	w.nold = n;
	/* a generous deadline: how fast the master respawns is not the point */
	left = 60000 - (int)(clock_mono_ms() - killed_at);
	ck_assert_msg(itest_wait_until(left > 0 ? left : 0, 50, workers_back, &w) == 0,
	    "60 s after killing worker %ld: %d workers, want %d with a new one",
	    (long)victim, itest_children(master, NULL, 0), n);
	ck_assert_msg(!itest_pid_alive(victim), "killed worker %ld still alive", (long)victim);
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master && itest_pid_alive(master),
	    "billingd master changed or died");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* SIGHUP: a whole new generation of workers, none of the old ones left,
 * and requests keep succeeding while they are replaced. */
static int
all_replaced(void *arg)
{
	struct workers_back *w = arg;
	pid_t now[MAX_WORKERS];
	int i, n = itest_children(w->master, now, MAX_WORKERS);

	if (n != w->want)
		return 0;
	for (i = 0; i < n; i++)
		if (pid_in(now[i], w->old, w->nold))
			return 0;
	return 1;
}

START_TEST(test_sighup_replaces_workers)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	pid_t master = master_pid(), old[MAX_WORKERS];
	struct workers_back w;
	int n, i, failed = 0;

	itest_resp_init(&r);
	n = itest_children(master, old, MAX_WORKERS);
	ck_assert_msg(n >= 1, "billingd %ld has no workers", (long)master);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	for (i = 0; i < 50; i++)
		failed += itest_get(c, "/healthz", &r) != 200;
	ck_assert_msg(failed == 0, "%d of 50 requests failed during SIGHUP", failed);
	w.master = master;
	w.want = n;
	w.old = old;
	w.nold = n;
	ck_assert_msg(itest_wait_until(10000, 50, all_replaced, &w) == 0,
	    "10 s after SIGHUP: want %d workers, none of them old", n);
	EXPECT_STATUS(&r, 200, "GET /healthz after SIGHUP");
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master && itest_pid_alive(master),
	    "billingd master changed or died on SIGHUP");
	itest_resp_free(&r);
	itest_client_free(c);
}
END_TEST

/* env.sh billingd-restart (what scripts/stack up does to a running billingd)
 * in a child while this process keeps asking for /healthz: no request may
 * fail (the old stop/start left nginx without a socket: 502), and the
 * restart reads the config again (workers = 3 gives three workers). */
static pid_t
restart_in_background(void)
{
	pid_t pid = fork();

	ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null != -1)
			dup2(null, STDOUT_FILENO);
		execl(env.envsh, env.envsh, "billingd-restart", env.dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
set_workers(const char *from, const char *to)
{
	struct buf out, path;

	buf_init(&out, 8192);
	buf_init(&path, 8192);
	ck_assert(buf_printf(&path, "%s/billing.conf", env.dir) == 0);
	ck_assert_int_eq(itest_sh(&out, "sed -i 's/^workers = %s$/workers = %s/' '%s'",
	    from, to, buf_cstr(&path)), 0);
	buf_free(&out);
	buf_free(&path);
}

/* Asks for /healthz until the restart child exits; returns its status. */
static int
hammer_during(pid_t child, int *requests, int *failed, long *first_bad)
{
	struct itest_client *c = client_new();
	struct itest_resp r;
	int status = -1;

	itest_resp_init(&r);
	*requests = *failed = 0;
	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);
		if (itest_get(c, "/healthz", &r) != 200 && (*failed)++ == 0)
			*first_bad = r.status;
		(*requests)++;
		if (w == child)
			break;
	}
	itest_resp_free(&r);
	itest_client_free(c);
	return status;
}

START_TEST(test_restart_no_502)
{
	pid_t master = master_pid(), old[MAX_WORKERS];
	struct workers_back w;
	int n, requests, failed, status;
	long first_bad = 0;

	n = itest_children(master, old, MAX_WORKERS);
	ck_assert_msg(n == 2, "billingd %ld has %d workers, the config says 2",
	    (long)master, n);
	set_workers("2", "3");
	status = hammer_during(restart_in_background(), &requests, &failed,
	    &first_bad);
	set_workers("3", "2");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "env.sh billingd-restart failed (status %d)", status);
	ck_assert_msg(failed == 0, "%d of %d requests failed during the restart "
	    "(first: HTTP %ld)", failed, requests, first_bad);
	w.master = master;
	w.want = 3;
	w.old = old;
	w.nold = n;
	ck_assert_msg(all_replaced(&w), "after the restart: %d workers, want 3 "
	    "new ones", itest_children(master, NULL, 0));
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master && itest_pid_alive(master),
	    "billingd master changed or died on restart");
	/* and back to two, again without a failed request */
	n = itest_children(master, old, MAX_WORKERS);
	status = hammer_during(restart_in_background(), &requests, &failed,
	    &first_bad);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "second restart failed");
	ck_assert_msg(failed == 0, "%d of %d requests failed during the second "
	    "restart (first: HTTP %ld)", failed, requests, first_bad);
	w.want = 2;
	w.nold = n;
	ck_assert(all_replaced(&w));
}
END_TEST

/* --- database restart ------------------------------------------------- */

struct health_wait {
	struct itest_client	*c;
	long			 want;
};

static int
health_is(void *arg)
{
	struct health_wait *h = arg;
	struct itest_resp r;
	long st;

	itest_resp_init(&r);
	st = itest_get(h->c, "/healthz", &r);
	itest_resp_free(&r);
	return st == h->want;
}

/* "db-stop" / "db-start" of the environment script; returns the exit status. */
static int
env_db(const char *verb, struct buf *out)
{
	struct buf dir;
	int rc;

	buf_init(&dir, 8192);
	itest_shquote(&dir, env.dir);
	rc = itest_sh(out, "%s %s %s", env.envsh, verb, buf_cstr(&dir));
	buf_free(&dir);
	return rc;
}

static int
json_field_is(const char *json, const char *key, const char *want)
{
	json_object *j = json_tokener_parse(json), *v;
	int ok;

	if (j == NULL)
		return 0;
	ok = json_object_object_get_ex(j, key, &v) &&
	    strcmp(json_object_get_string(v), want) == 0;
	json_object_put(j);
	return ok;
}

/* What was seen while MariaDB was down; asserted only after it is back,
 * so a failure does not leave the shared stack without a database. */
struct db_down_view {
	int	 stop_rc;
	int	 went_down;	/* /healthz turned 503 */
	int	 health_json;	/* {"status":"unavailable","db":"down"} */
	int	 health_try;	/* which request broke it */
	long	 health_status;
	char	 health_type[100];
	char	 health_body[300];
	long	 home_status;
	int	 home_says;	/* "temporarily unavailable" */
	long	 ping_status;
	int	 master_alive;
	int	 workers_same;
	char	 home_body[600];
};

static void
observe_db_down(struct itest_client *c, pid_t master, const pid_t *kids, int nkids,
    struct db_down_view *v)
{
	struct health_wait hw = { c, 503 };
	struct itest_resp r;
	pid_t now[MAX_WORKERS];
	int i;

	itest_resp_init(&r);
	v->went_down = itest_wait_until(5000, 100, health_is, &hw) == 0;
	/* Every answer, from every worker and not only the first after the
	 * connection broke, is the JSON a monitor can read. */
	v->health_json = 1;
	for (i = 0; i < 6 && v->health_json; i++) {
		v->health_try = i + 1;
		v->health_status = itest_get(c, "/healthz", &r);
		str_copy(v->health_body, sizeof(v->health_body), buf_cstr(&r.body));
		str_copy(v->health_type, sizeof(v->health_type),
		    itest_header(&r, "Content-Type") ? itest_header(&r, "Content-Type") : "");
		v->health_json = r.status == 503 &&
		    json_field_is(buf_cstr(&r.body), "status", "unavailable") &&
		    json_field_is(buf_cstr(&r.body), "db", "down");
	}
	v->home_status = itest_get(c, "/", &r);
	v->home_says = strcasestr(buf_cstr(&r.body), "temporarily unavailable") != NULL;
	str_copy(v->home_body, sizeof(v->home_body), buf_cstr(&r.body));
	v->ping_status = itest_get(c, "/ping", &r);
	v->master_alive = itest_pid_alive(master);
	v->workers_same = itest_children(master, now, MAX_WORKERS) == nkids;
	for (i = 0; i < nkids; i++)
		if (!itest_pid_alive(kids[i]))
			v->workers_same = 0;
	itest_resp_free(&r);
}

START_TEST(test_db_restart)
{
	struct itest_client *c = client_login(env.admin);
	struct health_wait hw = { c, 200 };
	struct db_down_view v;
	struct itest_resp r;
	struct buf out;
	pid_t master = master_pid(), kids[MAX_WORKERS];
	int nkids, start_rc, back;

	itest_resp_init(&r);
	buf_init(&out, 1024 * 1024);
	memset(&v, 0, sizeof(v));
	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / before stopping MariaDB");
	nkids = itest_children(master, kids, MAX_WORKERS);
	ck_assert_msg(nkids >= 1 && nkids <= MAX_WORKERS, "billingd has %d workers", nkids);

	v.stop_rc = env_db("db-stop", &out);
	if (v.stop_rc == 0)
		observe_db_down(c, master, kids, nkids, &v);
	start_rc = env_db("db-start", &out);
	back = itest_wait_until(30000, 200, health_is, &hw) == 0;

	ck_assert_msg(v.stop_rc == 0, "db-stop: exit %d: %s", v.stop_rc, buf_cstr(&out));
	ck_assert_msg(v.went_down, "/healthz not 503 within 5 s of stopping MariaDB");
	ck_assert_msg(v.health_json, "/healthz while MariaDB is down (request %d): HTTP %ld, "
	    "Content-Type %s, want 503 {\"status\":\"unavailable\",\"db\":\"down\"}; body: %s",
	    v.health_try, v.health_status, v.health_type, v.health_body);
	ck_assert_msg(v.home_status == 503 && v.home_says,
	    "GET / while MariaDB is down: HTTP %ld, want 503 \"temporarily unavailable\": %s",
	    v.home_status, v.home_body);
	ck_assert_msg(v.ping_status == 200, "/ping while MariaDB is down: HTTP %ld",
	    v.ping_status);
	ck_assert_msg(v.master_alive, "billingd master died while MariaDB was down");
	ck_assert_msg(v.workers_same, "billingd workers died or were replaced while "
	    "MariaDB was down");
	ck_assert_msg(start_rc == 0, "db-start: exit %d: %s", start_rc, buf_cstr(&out));
	ck_assert_msg(back, "/healthz not 200 within 30 s of restarting MariaDB");

	itest_get(c, "/", &r);
	EXPECT_STATUS(&r, 200, "GET / with the same session after MariaDB restart");
	EXPECT_BODY(&r, "Signed in as", "GET / after MariaDB restart");
	ck_assert_msg(itest_pidfile_read(env.pidfile) == master, "billingd was restarted");
	buf_free(&out);
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

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TC_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
stack_suite(void)
{
	Suite *s = suite_create("stack");
	TCase *tc;

	tc = tcase(s, "http");
	tcase_add_test(tc, test_healthz);
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_security_headers);
	tcase_add_test(tc, test_authenticated_no_store);

	tc = tcase(s, "auth");
	tcase_add_test(tc, test_login_good);
	tcase_add_test(tc, test_login_bad_password);
	tcase_add_test(tc, test_login_unknown_email);
	tcase_add_test(tc, test_anonymous_home);
	tcase_add_test(tc, test_logout);

	tc = tcase(s, "csrf");
	tcase_add_test(tc, test_admin_users_csrf);
	tcase_add_test(tc, test_login_csrf);
	tcase_add_test(tc, test_admin_users_invalid);

	tc = tcase(s, "roles");
	tcase_add_test(tc, test_role_frontdesk);
	tcase_add_test(tc, test_role_billing);
	tcase_add_test(tc, test_role_admin);

	tc = tcase(s, "workers");
	tcase_add_test(tc, test_worker_restart);
	tcase_add_test(tc, test_sighup_replaces_workers);
	tcase_add_test(tc, test_restart_no_502);

	tc = tcase(s, "database");
	tcase_add_test(tc, test_db_restart);

	/* Must stay last: the per-IP test blocks all sign-ins from 127.0.0.1. */
	tc = tcase(s, "throttle");
	tcase_add_test(tc, test_throttle_account);
	tcase_add_test(tc, test_throttle_ip);
	return s;
}

static const char *
need_env(const char *name, int *missing)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "test_stack: %s is not set (run tests/integration/run)\n", name);
		*missing = 1;
	}
	return v;
}

int
main(void)
{
	SRunner *sr;
	int missing = 0, failed;

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
	if (missing)
		return 2;
	/* Before forking the test children: not thread-safe, once per process. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "test_stack: curl_global_init failed\n");
		return 2;
	}
	sr = srunner_create(stack_suite());
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
