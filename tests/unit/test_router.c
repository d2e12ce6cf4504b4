/* Unit tests: method + path routing. */
#include "common.h"
#include "http/router.h"

#include <check.h>

/* Callers embed struct route_pattern first in their own route struct. */
struct route {
	struct route_pattern	 rp;
	int			 page;
	const char		*extra;
};

enum page {
	PAGE_HOME, PAGE_CLIENTS, PAGE_CLIENT_NEW, PAGE_CLIENT_CREATE,
	PAGE_CLIENT, PAGE_CLIENT_UPDATE, PAGE_INVOICE, PAGE_STATIC,
	PAGE_DELETE_ONLY, PAGE__MAX
};

static const struct route routes[] = {
	{ { "GET", "/" }, PAGE_HOME, "x" },
	{ { "GET", "/clients" }, PAGE_CLIENTS, "x" },
	{ { "GET", "/clients/new" }, PAGE_CLIENT_NEW, "x" },
	{ { "POST", "/clients" }, PAGE_CLIENT_CREATE, "x" },
	{ { "GET", "/clients/:id" }, PAGE_CLIENT, "x" },
	{ { "POST", "/clients/:id" }, PAGE_CLIENT_UPDATE, "x" },
	{ { "GET", "/clients/:id/invoices/:inv" }, PAGE_INVOICE, "x" },
	{ { "GET", "/static/*" }, PAGE_STATIC, "x" },
	{ { "DELETE", "/things/:id" }, PAGE_DELETE_ONLY, "x" },
};

static enum route_result
match(const char *method, const char *path, struct route_match *m)
{
	return router_match(routes, ARRAY_LEN(routes), sizeof(routes[0]),
	    method, path, m);
}

/* Matches and returns the page, or -1 when not found. */
static int
page_of(const char *method, const char *path)
{
	struct route_match m;
	int page = -1;

	if (match(method, path, &m) == ROUTE_FOUND)
		page = routes[m.index].page;
	route_match_free(&m);
	return page;
}

START_TEST(test_literal)
{
	ck_assert_int_eq(page_of("GET", "/"), PAGE_HOME);
	ck_assert_int_eq(page_of("GET", "/clients"), PAGE_CLIENTS);
	ck_assert_int_eq(page_of("POST", "/clients"), PAGE_CLIENT_CREATE);
	/* Table order decides: "/clients/new" is listed before ":id". */
	ck_assert_int_eq(page_of("GET", "/clients/new"), PAGE_CLIENT_NEW);
	ck_assert_int_eq(page_of("GET", "/Clients"), -1);
	ck_assert_int_eq(page_of("GET", "/clientsx"), -1);
}
END_TEST

START_TEST(test_params)
{
	struct route_match m;

	ck_assert_int_eq(match("GET", "/clients/42", &m), ROUTE_FOUND);
	ck_assert_int_eq(routes[m.index].page, PAGE_CLIENT);
	ck_assert_uint_eq(m.nparams, 1);
	ck_assert_str_eq(route_param(&m, "id"), "42");
	ck_assert_ptr_null(route_param(&m, "i"));
	ck_assert_ptr_null(route_param(&m, "idx"));
	route_match_free(&m);

	ck_assert_int_eq(match("GET", "/clients/7/invoices/INV-3", &m),
	    ROUTE_FOUND);
	ck_assert_int_eq(routes[m.index].page, PAGE_INVOICE);
	ck_assert_str_eq(route_param(&m, "id"), "7");
	ck_assert_str_eq(route_param(&m, "inv"), "INV-3");
	route_match_free(&m);

	ck_assert_int_eq(match("GET", "/clients/a%20b%C3%A9+c", &m),
	    ROUTE_FOUND);
	ck_assert_str_eq(route_param(&m, "id"), "a b\xc3\xa9+c");
	route_match_free(&m);

	/* A decoded slash would make the parameter two segments. */
	ck_assert_int_eq(match("GET", "/clients/a%2Fb", &m), ROUTE_NOT_FOUND);
	route_match_free(&m);
	/* Parameters are never empty. */
	ck_assert_int_eq(match("GET", "/clients//invoices/1", &m),
	    ROUTE_NOT_FOUND);
	route_match_free(&m);
}
END_TEST

START_TEST(test_not_found_vs_not_allowed)
{
	struct route_match m;

	ck_assert_int_eq(match("GET", "/nope", &m), ROUTE_NOT_FOUND);
	route_match_free(&m);

	ck_assert_int_eq(match("PUT", "/clients", &m),
	    ROUTE_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "GET, HEAD, POST");
	route_match_free(&m);

	ck_assert_int_eq(match("DELETE", "/clients/9", &m),
	    ROUTE_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "GET, HEAD, POST");
	ck_assert_uint_eq(m.nparams, 0);
	route_match_free(&m);

	ck_assert_int_eq(match("GET", "/things/1", &m),
	    ROUTE_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "DELETE");
	route_match_free(&m);

	ck_assert_int_eq(match("get", "/", &m), ROUTE_METHOD_NOT_ALLOWED);
	route_match_free(&m);
}
END_TEST

START_TEST(test_head)
{
	struct route_match m;

	ck_assert_int_eq(page_of("HEAD", "/clients"), PAGE_CLIENTS);
	ck_assert_int_eq(page_of("HEAD", "/clients/3"), PAGE_CLIENT);
	ck_assert_int_eq(match("HEAD", "/things/1", &m),
	    ROUTE_METHOD_NOT_ALLOWED);
	route_match_free(&m);
}
END_TEST

START_TEST(test_trailing_slash)
{
	struct route_match m;

	ck_assert_int_eq(match("GET", "/clients/", &m), ROUTE_NOT_FOUND);
	route_match_free(&m);
	ck_assert_int_eq(match("GET", "/clients/5/", &m), ROUTE_NOT_FOUND);
	route_match_free(&m);
}
END_TEST

START_TEST(test_bad_paths)
{
	static const char *const bad[] = {
		"", "clients", "/a/../clients", "/..", "/clients/.",
		"/./clients", "/%2e%2E/x", "/clients/%2e", "/clients/%00",
		"/clients/%zz", "/clients/%4", "/clients/%C0%AF",
		"/clients/\xff",
	};
	struct route_match m;
	char *longp;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ck_assert_msg(match("GET", bad[i], &m) == ROUTE_BAD_PATH, "%s",
		    bad[i]);
		route_match_free(&m);
	}
	ck_assert_int_eq(match("GET", NULL, &m), ROUTE_BAD_PATH);
	route_match_free(&m);

	/* ".." inside a name is fine. */
	ck_assert_int_eq(match("GET", "/clients/a..b", &m), ROUTE_FOUND);
	route_match_free(&m);

	longp = malloc(ROUTER_MAX_PATH + 2);
	memset(longp, 'a', ROUTER_MAX_PATH + 1);
	longp[0] = '/';
	longp[ROUTER_MAX_PATH] = '\0';
	ck_assert_int_eq(match("GET", longp, &m), ROUTE_NOT_FOUND);
	route_match_free(&m);
	longp[ROUTER_MAX_PATH] = 'a';
	longp[ROUTER_MAX_PATH + 1] = '\0';
	ck_assert_int_eq(match("GET", longp, &m), ROUTE_BAD_PATH);
	route_match_free(&m);
	free(longp);
}
END_TEST

START_TEST(test_wildcard)
{
	struct route_match m;

	ck_assert_int_eq(match("GET", "/static/css/site%20x.css", &m),
	    ROUTE_FOUND);
	ck_assert_int_eq(routes[m.index].page, PAGE_STATIC);
	ck_assert_str_eq(route_param(&m, "*"), "css/site x.css");
	route_match_free(&m);

	ck_assert_int_eq(match("GET", "/static/", &m), ROUTE_FOUND);
	ck_assert_str_eq(route_param(&m, "*"), "");
	route_match_free(&m);

	ck_assert_int_eq(match("GET", "/static", &m), ROUTE_NOT_FOUND);
	route_match_free(&m);

	ck_assert_int_eq(match("GET", "/static/../etc/passwd", &m),
	    ROUTE_BAD_PATH);
	route_match_free(&m);
}
END_TEST

START_TEST(test_empty_table)
{
	struct route_match m;

	ck_assert_int_eq(router_match(routes, 0, sizeof(routes[0]), "GET", "/",
	    &m), ROUTE_NOT_FOUND);
	route_match_free(&m);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_literal);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_not_found_vs_not_allowed);
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_trailing_slash);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_wildcard);
	tcase_add_test(tc, test_empty_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(router_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
