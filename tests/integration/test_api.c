/* The JSON API /api/v1: the route table against docs/openapi.yaml (both
 * ways), then the running stack (tests/integration/run passes ITEST_*):
 * bearer auth, roles, the whole billing flow, catalog and profile updates,
 * draft edits, void and adjustments, paging. Validation, errors and
 * idempotency: test_api_errors.c; shared set-up: api_fixture.c. */
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
/* --- the route table and the OpenAPI document ------------------------------ */

#define MAX_OPS	256

struct op {
	char	method[8];
	char	path[160];
};

/* (method, path) pairs under `paths:` of docs/openapi.yaml: path keys at
 * two spaces of indentation, operations at four. */
static size_t
doc_ops(struct op *ops, size_t max)
{
	static const char *const methods[] = { "get", "put", "post", "patch",
	    "delete", "head", "options" };
	char line[512], path[160] = "";
	size_t n = 0, len;
	int in_paths = 0;
	FILE *f = fopen(TOP_SRCDIR "/docs/openapi.yaml", "r");

	ck_assert_msg(f != NULL, "cannot open %s/docs/openapi.yaml", TOP_SRCDIR);
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (strcmp(line, "paths:") == 0) {
			in_paths = 1;
			continue;
		}
		if (!in_paths || len == 0 || line[0] == '#')
			continue;
		if (line[0] != ' ')
			break;	/* the next top-level key */
		if (strncmp(line, "  ", 2) == 0 && line[2] != ' ' && line[len - 1] == ':') {
			ck_assert(str_fmt(path, sizeof(path), "%.*s", (int)len - 3,
			    line + 2) == 0);
			continue;
		}
		if (strncmp(line, "    ", 4) != 0 || line[4] == ' ')
			continue;
		for (size_t m = 0; m < ARRAY_LEN(methods); m++) {
			size_t ml = strlen(methods[m]);
			if (strncmp(line + 4, methods[m], ml) != 0 || line[4 + ml] != ':')
				continue;
			ck_assert_msg(n < max, "too many operations");
			ck_assert_msg(path[0] == '/', "operation outside a path: %s", line);
			for (size_t k = 0; k < ml; k++)
				ops[n].method[k] = (char)(methods[m][k] - 'a' + 'A');
			ops[n].method[ml] = '\0';
			str_copy(ops[n].path, sizeof(ops[n].path), path);
			n++;
		}
	}
	fclose(f);
	return n;
}

/* "/api/v1/invoices/:id/issue" -> "/api/v1/invoices/{id}/issue". */
static void
pattern_to_doc(const char *pat, char *out, size_t outsz)
{
	struct buf b;

	buf_init(&b, outsz);
	for (const char *p = pat; *p; p++) {
		if (*p == ':' && p[-1] == '/') {
			size_t n = strcspn(p + 1, "/");
			ck_assert(buf_printf(&b, "{%.*s}", (int)n, p + 1) == 0);
			p += n;
		} else
			ck_assert(buf_putc(&b, *p) == 0);
	}
	ck_assert(str_copy(out, outsz, buf_cstr(&b)) == 0);
	buf_free(&b);
}

static int
has_op(const struct op *ops, size_t n, const char *method, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ops[i].method, method) == 0 && strcmp(ops[i].path, path) == 0)
			return 1;
	return 0;
}

START_TEST(test_routes_documented)
{
	static struct op doc[MAX_OPS], rt[MAX_OPS];
	size_t nd = doc_ops(doc, MAX_OPS), nr = 0;

	ck_assert_msg(nroutes_api >= 30, "only %zu API routes", nroutes_api);
	for (size_t i = 0; i < nroutes_api; i++) {
		ck_assert(nr < MAX_OPS);
		str_copy(rt[nr].method, sizeof(rt[nr].method), routes_api[i].p.method);
		pattern_to_doc(routes_api[i].p.pattern, rt[nr].path, sizeof(rt[nr].path));
		ck_assert_msg(str_starts(rt[nr].path, "/api/v1/"), "route %s outside "
		    "/api/v1/", rt[nr].path);
		ck_assert_msg(routes_api[i].flags & R_NOSESSION && routes_api[i].flags &
		    R_NOCSRF && routes_api[i].flags & R_PUBLIC, "route %s %s: flags",
		    rt[nr].method, rt[nr].path);
		nr++;
	}
	for (size_t i = 0; i < nr; i++)
		ck_assert_msg(has_op(doc, nd, rt[i].method, rt[i].path),
		    "route %s %s is not in docs/openapi.yaml", rt[i].method, rt[i].path);
	for (size_t i = 0; i < nd; i++)
		ck_assert_msg(has_op(rt, nr, doc[i].method, doc[i].path),
		    "docs/openapi.yaml has %s %s, which is not a route", doc[i].method,
		    doc[i].path);
	ck_assert_int_eq(nd, nr);
}
END_TEST

/* --- authentication and roles ------------------------------------------------ */

START_TEST(test_auth_required)
{
	struct call c;
	struct buf out;
	char key[KEY_MAX], *p;
	int64_t id;

	call_init(&c);
	call(&c, NULL, "GET", "/api/v1/accounts", NULL, NULL);
	expect_error(&c, 401, "unauthorized", NULL, "no key");
	ck_assert_ptr_nonnull(itest_header(&c.r, "WWW-Authenticate"));
	ck_assert_ptr_null(itest_header(&c.r, "Set-Cookie"));
	call(&c, "bk_00000000_not-a-real-key", "GET", "/api/v1/accounts", NULL, NULL);
	expect_error(&c, 401, "invalid_api_key", NULL, "unknown key");
	call(&c, "garbage", "POST", "/api/v1/accounts", NULL, "{\"name\":\"x\"}");
	expect_error(&c, 401, "invalid_api_key", NULL, "malformed key on POST");

	/* A revoked key stops working at once. */
	buf_init(&out, 64 * 1024);
	ck_assert_int_eq(itest_sh(&out, "%s apikey create --name revoke-me "
	    "--role admin", env.ctl), 0);
	ck_assert((p = strstr(buf_cstr(&out), "bk_")) != NULL);
	str_fmt(key, sizeof(key), "%.*s", (int)strcspn(p, " \r\n"), p);
	ck_assert((p = strstr(buf_cstr(&out), "created API key ")) != NULL);
	p += strlen("created API key ");
	p[strcspn(p, " ")] = '\0';
	ck_assert(str_to_i64(p, 1, INT64_MAX, &id) == 0);
	call(&c, key, "GET", "/api/v1/locations", NULL, NULL);
	EXPECT(&c, 200, "fresh key");
	buf_reset(&out);
	ck_assert_int_eq(itest_sh(&out, "%s apikey revoke --id %" PRId64, env.ctl, id), 0);
	call(&c, key, "GET", "/api/v1/locations", NULL, NULL);
	expect_error(&c, 401, "invalid_api_key", NULL, "revoked key");
	buf_reset(&out);
	ck_assert_int_eq(itest_sh(&out, "%s apikey list", env.ctl), 0);
	ck_assert_msg(strstr(buf_cstr(&out), "revoked") != NULL, "list: %s",
	    buf_cstr(&out));
	ck_assert_msg(strstr(buf_cstr(&out), key + 12) == NULL, "list shows a secret");
	buf_free(&out);
	call_free(&c);
}
END_TEST

START_TEST(test_frontdesk_read_only)
{
	struct call c;
	char path[64];
	int64_t acct;

	call_init(&c);
	acct = make_account(&c, "Frontdesk Check");
	call(&c, env.frontdesk, "GET", "/api/v1/accounts?limit=5", NULL, NULL);
	EXPECT(&c, 200, "frontdesk list");
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, acct);
	call(&c, env.frontdesk, "GET", path, NULL, NULL);
	EXPECT(&c, 200, "frontdesk get");
	call(&c, env.frontdesk, "POST", "/api/v1/accounts", NULL, "{\"name\":\"No\"}");
	expect_error(&c, 403, "forbidden", NULL, "frontdesk POST");
	call(&c, env.frontdesk, "PATCH", path, "fd-1", "{\"name\":\"No\"}");
	expect_error(&c, 403, "forbidden", NULL, "frontdesk PATCH");
	call(&c, env.frontdesk, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":100}", acct);
	expect_error(&c, 403, "forbidden", NULL, "frontdesk payment");
	call(&c, env.frontdesk, "GET", path, NULL, NULL);
	ck_assert_str_eq(js(&c, "name"), "Frontdesk Check");
	/* Catalog changes are for admin keys only. */
	call(&c, env.billing, "POST", "/api/v1/locations", NULL, "{\"name\":\"No\"}");
	expect_error(&c, 403, "forbidden", NULL, "billing creates a location");
	call_free(&c);
}
END_TEST

/* --- the whole flow ------------------------------------------------------------ */

START_TEST(test_full_flow)
{
	struct call c;
	char path[128], q[128];
	int64_t loc, svc, acct, inq, inv, pay, stmt;

	call_init(&c);
	loc = make_location(&c);
	svc = make_service(&c, 15000);
	call(&c, env.billing, "POST", "/api/v1/accounts", NULL, "{\"name\":\"Pat "
	    "Parent\",\"phone\":\"555-0100\",\"location_id\":%" PRId64 "}", loc);
	EXPECT(&c, 201, "account");
	acct = ji(&c, "id");
	ck_assert_int_eq(ji(&c, "location_id"), loc);
	ck_assert_int_eq(ji(&c, "balance.balance_cents"), 0);

	call(&c, env.billing, "POST", "/api/v1/inquiries", NULL, "{\"account_id\":%"
	    PRId64 ",\"first_name\":\"Kim\",\"last_name\":\"Kid\",\"birth_date\":"
	    "\"2012-03-04\"}", acct);
	EXPECT(&c, 201, "inquiry");
	inq = ji(&c, "id");
	ck_assert_str_eq(js(&c, "stage"), "inquiry");
	ck_assert_str_eq(js(&c, "birth_date"), "2012-03-04");

	/* Draft: 2 x service at 150.00 + intake 50.00 less 5.00, then 10% off. */
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"client_id\":%"
	    PRId64 ",\"location_id\":%" PRId64 ",\"invoice_date\":\"%s\","
	    "\"discount_kind\":\"percent\",\"discount_value\":1000,\"notes\":"
	    "\"First visit\",\"lines\":[{\"service_id\":%" PRId64 ",\"quantity\":2},"
	    "{\"description\":\"Intake\",\"rate_cents\":5000,\"discount_kind\":"
	    "\"fixed\",\"discount_value\":500}]}", inq, loc, env.today, svc);
	EXPECT(&c, 201, "invoice draft");
	inv = ji(&c, "id");
	ck_assert_str_eq(js(&c, "status"), "draft");
	ck_assert(jnull(&c, "number"));
	ck_assert_int_eq(ji(&c, "account_id"), acct);
	ck_assert_int_eq(jlen(&c, "lines"), 2);
	ck_assert_str_eq(js(&c, "lines.0.description"), "Individual therapy");
	ck_assert_int_eq(ji(&c, "lines.0.rate_cents"), 15000);
	ck_assert_int_eq(ji(&c, "lines.1.net_cents"), 4500);
	ck_assert_int_eq(ji(&c, "subtotal_cents"), 34500);
	ck_assert_int_eq(ji(&c, "discount_cents"), 3450);

	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64 "/issue", inv);
	call(&c, env.billing, "POST", path, NULL, NULL);
	EXPECT(&c, 200, "issue");
	ck_assert_str_eq(js(&c, "status"), "open");
	ck_assert(str_starts(js(&c, "number"), "INV-"));
	ck_assert_int_eq(ji(&c, "total_cents"), 31050);
	ck_assert_int_eq(ji(&c, "open_cents"), 31050);

	/* Partial payment, kept unallocated, then allocated by hand. */
	call(&c, env.billing, "POST", "/api/v1/payments", "flow-pay", "{\"account_id\":%"
	    PRId64 ",\"method\":\"check\",\"amount_cents\":10000,\"reference\":"
	    "\"1001\",\"allocate\":\"none\"}", acct);
	EXPECT(&c, 201, "payment");
	pay = ji(&c, "id");
	ck_assert_str_eq(js(&c, "status"), "succeeded");
	ck_assert_int_eq(ji(&c, "unallocated_cents"), 10000);
	str_fmt(path, sizeof(path), "/api/v1/payments/%" PRId64 "/allocations", pay);
	call(&c, env.billing, "POST", path, NULL, "{\"invoice_id\":%" PRId64
	    ",\"amount_cents\":6000}", inv);
	EXPECT(&c, 201, "allocation");
	ck_assert_int_eq(ji(&c, "allocated_cents"), 6000);
	ck_assert_int_eq(ji(&c, "unallocated_cents"), 4000);
	ck_assert_int_eq(jlen(&c, "allocations"), 1);
	ck_assert_int_eq(ji(&c, "allocations.0.invoice_id"), inv);
	call(&c, env.billing, "POST", path, NULL, "{\"invoice_id\":%" PRId64
	    ",\"amount_cents\":4001}", inv);
	expect_error(&c, 409, "exceeds_unallocated", "amount_cents", "over-allocation");

	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64, inv);
	call(&c, env.frontdesk, "GET", path, NULL, NULL);
	EXPECT(&c, 200, "invoice after payment");
	ck_assert_str_eq(js(&c, "status"), "partial");
	ck_assert_int_eq(ji(&c, "paid_cents"), 6000);
	ck_assert_int_eq(ji(&c, "open_cents"), 25050);

	/* Ledger of the invoice: two charges, two discounts. */
	str_fmt(q, sizeof(q), "/api/v1/ledger?invoice_id=%" PRId64, inv);
	call(&c, env.billing, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "ledger");
	ck_assert_int_eq(jlen(&c, "data"), 4);
	{
		int64_t sum = 0;
		for (size_t i = 0; i < 4; i++) {
			char k[32];
			str_fmt(k, sizeof(k), "data.%zu.amount_cents", i);
			sum += ji(&c, k);
		}
		ck_assert_int_eq(sum, 31050);
	}
	ck_assert(jnull(&c, "next_cursor"));
	str_fmt(q, sizeof(q), "/api/v1/ledger?account_id=%" PRId64 "&limit=2", acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "ledger page 1");
	ck_assert_int_eq(jlen(&c, "data"), 2);
	ck_assert_str_eq(js(&c, "data.0.kind"), "payment");
	ck_assert_int_eq(ji(&c, "data.0.amount_cents"), -10000);
	str_fmt(q, sizeof(q), "/api/v1/ledger?account_id=%" PRId64 "&limit=2&cursor=%s",
	    acct, js(&c, "next_cursor"));
	call(&c, env.billing, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "ledger page 2");
	ck_assert_int_eq(jlen(&c, "data"), 2);
	str_fmt(q, sizeof(q), "/api/v1/ledger?account_id=%" PRId64 "&limit=2&cursor=%s",
	    acct, js(&c, "next_cursor"));
	call(&c, env.billing, "GET", q, NULL, NULL);
	ck_assert_int_eq(jlen(&c, "data"), 1);
	ck_assert(jnull(&c, "next_cursor"));

	/* The account's balance summary. */
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, acct);
	call(&c, env.billing, "GET", path, NULL, NULL);
	ck_assert_int_eq(ji(&c, "balance.charged_cents"), 35000);
	ck_assert_int_eq(ji(&c, "balance.discounts_cents"), 3950);
	ck_assert_int_eq(ji(&c, "balance.paid_cents"), 10000);
	ck_assert_int_eq(ji(&c, "balance.balance_cents"), 21050);
	ck_assert_int_eq(ji(&c, "balance.due_cents"), 25050);
	ck_assert_int_eq(ji(&c, "balance.credit_cents"), 4000);

	/* Statement over the period: 0 -> 210.50, every entry itemized. */
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64 "/statements", acct);
	call(&c, env.billing, "POST", path, NULL, "{\"from\":\"%s\",\"to\":\"%s\"}",
	    env.today, env.today);
	EXPECT(&c, 201, "statement");
	stmt = ji(&c, "id");
	ck_assert(str_starts(js(&c, "number"), "STMT-"));
	ck_assert_int_eq(ji(&c, "opening_cents"), 0);
	ck_assert_int_eq(ji(&c, "closing_cents"), 21050);
	ck_assert_int_eq(ji(&c, "amount_due_cents"), 21050);
	ck_assert_int_eq(jlen(&c, "lines"), 5);
	ck_assert_int_eq(ji(&c, "lines.4.running_cents"), 21050);
	ck_assert_int_eq(ji(&c, "aging.current_cents"), 25050);
	call(&c, env.frontdesk, "GET", path, NULL, NULL);
	EXPECT(&c, 200, "statement list");
	ck_assert_int_eq(jlen(&c, "data"), 1);
	ck_assert_int_eq(ji(&c, "data.0.id"), stmt);
	str_fmt(path, sizeof(path), "/api/v1/statements/%" PRId64, stmt);
	call(&c, env.frontdesk, "GET", path, NULL, NULL);
	EXPECT(&c, 200, "statement get");
	ck_assert_int_eq(ji(&c, "closing_cents"), 21050);
	ck_assert_int_eq(jlen(&c, "lines"), 5);

	call(&c, env.frontdesk, "GET", "/api/v1/ar", NULL, NULL);
	EXPECT(&c, 200, "A/R");
	ck_assert(ji(&c, "total_cents") >= 21050);
	ck_assert(ji(&c, "accounts_with_balance") >= 1);
	str_fmt(q, sizeof(q), "/api/v1/ar?location_id=%" PRId64, loc);
	call(&c, env.frontdesk, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "A/R by location");
	ck_assert_int_eq(ji(&c, "total_cents"), 21050);
	ck_assert_int_eq(ji(&c, "top_balances.0.account_id"), acct);
	/* the aging's total less what is not applied yet is what is owed */
	ck_assert_int_eq(ji(&c, "aging.current_cents") + ji(&c, "aging.days_1_30_cents") +
	    ji(&c, "aging.days_31_60_cents") + ji(&c, "aging.days_61_90_cents") +
	    ji(&c, "aging.over_90_cents") - ji(&c, "unapplied_cents"),
	    ji(&c, "total_cents") - ji(&c, "credit_cents"));

	/* Conversion keeps every record attached. */
	str_fmt(path, sizeof(path), "/api/v1/inquiries/%" PRId64 "/convert", inq);
	call(&c, env.billing, "POST", path, NULL, NULL);
	EXPECT(&c, 200, "convert");
	ck_assert_str_eq(js(&c, "stage"), "client");
	ck_assert_int_eq(ji(&c, "id"), inq);
	ck_assert_int_eq(ji(&c, "balance.charged_cents"), 35000);
	call(&c, env.billing, "POST", path, NULL, NULL);
	expect_error(&c, 409, "not_an_inquiry", NULL, "convert twice");
	str_fmt(path, sizeof(path), "/api/v1/clients/%" PRId64, inq);
	call(&c, env.billing, "GET", path, NULL, NULL);
	ck_assert_str_eq(js(&c, "stage"), "client");
	str_fmt(q, sizeof(q), "/api/v1/invoices?client_id=%" PRId64, inq);
	call(&c, env.billing, "GET", q, NULL, NULL);
	ck_assert_int_eq(jlen(&c, "data"), 1);
	ck_assert_int_eq(ji(&c, "data.0.id"), inv);
	ck_assert_str_eq(js(&c, "data.0.status"), "partial");
	str_fmt(q, sizeof(q), "/api/v1/invoices?account_id=%" PRId64 "&status=paid", acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	ck_assert_int_eq(jlen(&c, "data"), 0);
	str_fmt(q, sizeof(q), "/api/v1/payments?account_id=%" PRId64, acct);
	call(&c, env.billing, "GET", q, NULL, NULL);
	ck_assert_int_eq(jlen(&c, "data"), 1);
	ck_assert_int_eq(ji(&c, "data.0.amount_cents"), 10000);
	call_free(&c);
}
END_TEST

START_TEST(test_catalog_and_profiles_update)
{
	struct call c;
	char path[96];
	int64_t loc, svc, acct, cl;

	call_init(&c);
	loc = make_location(&c);
	str_fmt(path, sizeof(path), "/api/v1/locations/%" PRId64, loc);
	call(&c, env.admin, "PATCH", path, NULL, "{\"active\":false}");
	EXPECT(&c, 200, "location update");
	ck_assert(!json_object_get_boolean(jpath(c.j, "active")));
	ck_assert_str_eq(js(&c, "address"), "1 Main St");
	svc = make_service(&c, 9000);
	str_fmt(path, sizeof(path), "/api/v1/services/%" PRId64, svc);
	call(&c, env.admin, "PATCH", path, NULL, "{\"default_rate_cents\":9500}");
	EXPECT(&c, 200, "service update");
	ck_assert_int_eq(ji(&c, "default_rate_cents"), 9500);
	call(&c, env.admin, "GET", "/api/v1/services", NULL, NULL);
	ck_assert(jlen(&c, "data") >= 1);
	call(&c, env.admin, "GET", "/api/v1/payment-types", NULL, NULL);
	ck_assert(jlen(&c, "data") >= 1);

	acct = make_account(&c, "Update Me");
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, acct);
	call(&c, env.billing, "PATCH", path, NULL, "{\"phone\":\"555-0199\","
	    "\"city\":null,\"location_id\":%" PRId64 "}", loc);
	EXPECT(&c, 200, "account update");
	ck_assert_str_eq(js(&c, "name"), "Update Me");
	ck_assert_str_eq(js(&c, "phone"), "555-0199");
	ck_assert_str_eq(js(&c, "city"), "");
	ck_assert_int_eq(ji(&c, "location_id"), loc);
	call(&c, env.billing, "PATCH", path, NULL, "{\"name\":\"\"}");
	expect_error(&c, 422, "validation_failed", "name", "empty name");

	/* A client without an account gets one of their own. */
	call(&c, env.billing, "POST", "/api/v1/clients", NULL, "{\"first_name\":"
	    "\"Solo\",\"last_name\":\"Payer\"}");
	EXPECT(&c, 201, "client");
	cl = ji(&c, "id");
	ck_assert_str_eq(js(&c, "stage"), "client");
	ck_assert(ji(&c, "account_id") > 0);
	str_fmt(path, sizeof(path), "/api/v1/clients/%" PRId64, cl);
	call(&c, env.billing, "PATCH", path, NULL, "{\"phone\":\"555-0123\"}");
	EXPECT(&c, 200, "client update");
	ck_assert_str_eq(js(&c, "phone"), "555-0123");
	ck_assert_str_eq(js(&c, "first_name"), "Solo");
	call(&c, env.billing, "PATCH", path, NULL, "{\"account_id\":1}");
	expect_error(&c, 422, "validation_failed", "account_id", "moving a client");
	call(&c, env.billing, "GET", "/api/v1/clients?q=Payer&limit=200", NULL, NULL);
	EXPECT(&c, 200, "client search");
	ck_assert(jlen(&c, "data") >= 1);
	call_free(&c);
}
END_TEST

START_TEST(test_draft_edit)
{
	struct call c;
	char path[96];
	int64_t acct, inv, cl;

	call_init(&c);
	acct = make_account(&c, "Draft Edit");
	call(&c, env.billing, "POST", "/api/v1/clients", NULL, "{\"account_id\":%"
	    PRId64 ",\"first_name\":\"Dee\",\"last_name\":\"Raft\"}", acct);
	EXPECT(&c, 201, "client");
	cl = ji(&c, "id");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 ",\"client_id\":%" PRId64 ",\"invoice_date\":\"2026-01-10\","
	    "\"lines\":[{\"description\":\"A\",\"rate_cents\":1000}]}", acct, cl);
	EXPECT(&c, 201, "draft");
	inv = ji(&c, "id");
	ck_assert_str_eq(js(&c, "due_date"), "2026-02-09");
	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64, inv);
	call(&c, env.billing, "PATCH", path, NULL, "{\"notes\":\"Changed\","
	    "\"client_id\":null,\"lines\":[{\"description\":\"B\",\"rate_cents\":"
	    "2000,\"quantity\":3},{\"description\":\"C\",\"rate_cents\":500}]}");
	EXPECT(&c, 200, "patch draft");
	ck_assert_str_eq(js(&c, "notes"), "Changed");
	ck_assert(jnull(&c, "client_id"));
	ck_assert_int_eq(jlen(&c, "lines"), 2);
	ck_assert_int_eq(ji(&c, "subtotal_cents"), 6500);
	call(&c, env.billing, "PATCH", path, NULL, "{\"due_date\":\"2026-03-01\"}");
	EXPECT(&c, 200, "patch keeps lines");
	ck_assert_int_eq(jlen(&c, "lines"), 2);
	ck_assert_str_eq(js(&c, "due_date"), "2026-03-01");
	call(&c, env.billing, "POST", "/api/v1/invoices", NULL, "{\"account_id\":%"
	    PRId64 "}", acct);
	EXPECT(&c, 201, "empty draft");
	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64 "/issue", ji(&c, "id"));
	call(&c, env.billing, "POST", path, NULL, NULL);
	expect_error(&c, 422, "validation_failed", "lines", "issue without lines");
	call_free(&c);
}
END_TEST

START_TEST(test_void_and_adjust)
{
	struct call c;
	char path[96], pay_path[96];
	int64_t acct, inv, pay;

	call_init(&c);
	acct = make_account(&c, "Void Me");
	inv = make_issued_invoice(&c, acct, 10000);
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":4000,\"allocations\":"
	    "[{\"invoice_id\":%" PRId64 ",\"amount_cents\":4000}]}", acct, inv);
	EXPECT(&c, 201, "payment with allocations");
	pay = ji(&c, "id");
	ck_assert_int_eq(ji(&c, "allocated_cents"), 4000);

	/* Adjustments on the issued invoice. */
	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64 "/adjust", inv);
	call(&c, env.billing, "POST", path, NULL, "{\"amount_cents\":1500,"
	    "\"memo\":\"Late fee\"}");
	EXPECT(&c, 200, "adjust up");
	ck_assert_int_eq(ji(&c, "total_cents"), 11500);
	ck_assert_int_eq(ji(&c, "open_cents"), 7500);
	call(&c, env.billing, "POST", path, NULL, "{\"amount_cents\":500,"
	    "\"writeoff\":true,\"memo\":\"Courtesy\"}");
	EXPECT(&c, 200, "write-off");
	ck_assert_int_eq(ji(&c, "open_cents"), 7000);
	call(&c, env.billing, "POST", path, NULL, "{\"amount_cents\":0}");
	expect_error(&c, 422, "validation_failed", "amount_cents", "zero adjustment");
	call(&c, env.billing, "POST", path, NULL, "{\"amount_cents\":-999999}");
	expect_error(&c, 422, "validation_failed", "amount_cents", "below zero");

	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64, inv);
	call(&c, env.billing, "PATCH", path, NULL, "{\"notes\":\"x\"}");
	expect_error(&c, 409, "invoice_not_draft", NULL, "edit issued");

	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64 "/void", inv);
	call(&c, env.billing, "POST", path, NULL, "{}");
	expect_error(&c, 422, "validation_failed", "reason", "void without reason");
	call(&c, env.frontdesk, "POST", path, NULL, "{\"reason\":\"Entered twice\"}");
	expect_error(&c, 403, "forbidden", NULL, "frontdesk void");
	call(&c, env.billing, "POST", path, NULL, "{\"reason\":\"Entered twice\"}");
	EXPECT(&c, 200, "void");
	ck_assert_str_eq(js(&c, "status"), "void");
	ck_assert_str_eq(js(&c, "void_reason"), "Entered twice");
	ck_assert_int_eq(ji(&c, "total_cents"), 0);
	call(&c, env.billing, "POST", path, NULL, "{\"reason\":\"Again\"}");
	expect_error(&c, 409, "invoice_void", NULL, "void twice");
	str_fmt(path, sizeof(path), "/api/v1/invoices/%" PRId64 "/issue", inv);
	call(&c, env.billing, "POST", path, NULL, NULL);
	expect_error(&c, 409, "invoice_not_draft", NULL, "issue void");

	/* The allocation was released: the money is account credit again. */
	str_fmt(pay_path, sizeof(pay_path), "/api/v1/payments/%" PRId64, pay);
	call(&c, env.billing, "GET", pay_path, NULL, NULL);
	ck_assert_int_eq(ji(&c, "unallocated_cents"), 4000);
	str_fmt(path, sizeof(path), "/api/v1/accounts/%" PRId64, acct);
	call(&c, env.billing, "GET", path, NULL, NULL);
	ck_assert_int_eq(ji(&c, "balance.balance_cents"), -4000);
	ck_assert_int_eq(ji(&c, "balance.credit_cents"), 4000);
	ck_assert_int_eq(ji(&c, "balance.due_cents"), 0);

	/* Auto allocation of a new payment: oldest due first. */
	inv = make_issued_invoice(&c, acct, 3000);
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"terminal\",\"amount_cents\":2000}", acct);
	EXPECT(&c, 201, "auto-allocated payment");
	ck_assert_int_eq(ji(&c, "allocated_cents"), 2000);
	ck_assert_int_eq(ji(&c, "allocations.0.invoice_id"), inv);
	call(&c, env.billing, "POST", "/api/v1/payments", NULL, "{\"account_id\":%"
	    PRId64 ",\"method\":\"cash\",\"amount_cents\":5000,\"allocations\":"
	    "[{\"invoice_id\":%" PRId64 ",\"amount_cents\":5000}]}", acct, inv);
	expect_error(&c, 409, "exceeds_open_amount", "allocations", "over invoice");
	call_free(&c);
}
END_TEST

START_TEST(test_pagination)
{
	struct call c;
	char prefix[48], name[64], q[160], cursor[32];
	int64_t ids[3], seen[3];

	call_init(&c);
	itest_unique(prefix, sizeof(prefix), "Pg");
	for (int i = 0; i < 3; i++) {
		str_fmt(name, sizeof(name), "%s %d", prefix, i);
		ids[i] = make_account(&c, name);
	}
	str_fmt(q, sizeof(q), "/api/v1/accounts?q=%s&limit=2", prefix);
	call(&c, env.frontdesk, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "page 1");
	ck_assert_int_eq(jlen(&c, "data"), 2);
	seen[0] = ji(&c, "data.0.id");
	seen[1] = ji(&c, "data.1.id");
	ck_assert_int_eq(ji(&c, "data.0.balance.balance_cents"), 0);
	str_copy(cursor, sizeof(cursor), js(&c, "next_cursor"));
	str_fmt(q, sizeof(q), "/api/v1/accounts?q=%s&limit=2&cursor=%s", prefix, cursor);
	call(&c, env.frontdesk, "GET", q, NULL, NULL);
	EXPECT(&c, 200, "page 2");
	ck_assert_int_eq(jlen(&c, "data"), 1);
	ck_assert(jnull(&c, "next_cursor"));
	seen[2] = ji(&c, "data.0.id");
	/* Newest first, each exactly once. */
	ck_assert_int_eq(seen[0], ids[2]);
	ck_assert_int_eq(seen[1], ids[1]);
	ck_assert_int_eq(seen[2], ids[0]);
	call(&c, env.frontdesk, "GET", "/api/v1/accounts?cursor=abc", NULL, NULL);
	expect_error(&c, 400, "invalid_parameter", "cursor", "bad cursor");
	call_free(&c);
}
END_TEST

static Suite *
api_suite(int stack)
{
	Suite *s = suite_create("api");
	TCase *tc;

	tc = api_tcase(s, "openapi");
	tcase_add_test(tc, test_routes_documented);
	if (!stack)
		return s;
	tc = api_tcase(s, "auth");
	tcase_add_test(tc, test_auth_required);
	tcase_add_test(tc, test_frontdesk_read_only);
	tc = api_tcase(s, "flow");
	tcase_add_test(tc, test_full_flow);
	tcase_add_test(tc, test_catalog_and_profiles_update);
	tcase_add_test(tc, test_draft_edit);
	tcase_add_test(tc, test_void_and_adjust);
	tcase_add_test(tc, test_pagination);
	return s;
}

int
main(void)
{
	int stack = api_env_init("test_api");

	return stack < 0 ? 2 : api_suite_run(api_suite(stack));
}
