/* The JSON API /api/v1: the route table against docs/openapi.yaml (both
 * ways), then the running stack (tests/integration/run passes ITEST_*):
 * bearer auth, roles, the whole billing flow, validation, 404s,
 * idempotency (replay, reuse, in progress), void and adjustments, paging. */
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
#include "routes.h"
#include "str.h"

#define TC_TIMEOUT	120
#define KEY_MAX		160
#define NO_INVOICE	"999999999"

static struct {
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
} env;

/* --- HTTP + JSON helpers -------------------------------------------------- */

/* One API exchange: the response and its parsed JSON body (NULL if none). */
struct call {
	struct itest_resp	 r;
	struct json_object	*j;
};

static void
call_init(struct call *c)
{
	itest_resp_init(&c->r);
	c->j = NULL;
}

static void
call_free(struct call *c)
{
	if (c->j != NULL)
		json_object_put(c->j);
	c->j = NULL;
	itest_resp_free(&c->r);
}

/* method path with an optional bearer key, Idempotency-Key and JSON body
 * (printf format; NULL: no body). Returns the HTTP status. */
static long
call(struct call *c, const char *key, const char *method, const char *path,
    const char *idem, const char *fmt, ...) PRINTF_LIKE(6, 7);

static long
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
static struct json_object *
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

#define BODY(c)		buf_cstr(&(c)->r.body)

#define EXPECT(c, want, what)						\
	ck_assert_msg((c)->r.status == (want),				\
	    "%s: HTTP %ld, want %ld; body: %.800s", (what),	\
	    (c)->r.status, (long)(want), BODY(c))

static int64_t
ji(struct call *c, const char *path)
{
	struct json_object *v = c->j ? jpath(c->j, path) : NULL;

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_int),
	    "no integer at %s in %.800s", path, BODY(c));
	return json_object_get_int64(v);
}

static const char *
js(struct call *c, const char *path)
{
	struct json_object *v = c->j ? jpath(c->j, path) : NULL;

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_string),
	    "no string at %s in %.800s", path, BODY(c));
	return json_object_get_string(v);
}

static int
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

static size_t
jlen(struct call *c, const char *path)
{
	struct json_object *v = c->j ? jpath(c->j, path) : NULL;

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_array),
	    "no array at %s in %.800s", path, BODY(c));
	return json_object_array_length(v);
}

/* An error answer: status, error.code and error.field (NULL: null). */
static void
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

static int64_t
make_location(struct call *c)
{
	char name[64];

	itest_unique(name, sizeof(name), "Loc");
	call(c, env.admin, "POST", "/api/v1/locations", NULL,
	    "{\"name\":\"%s\",\"address\":\"1 Main St\"}", name);
	EXPECT(c, 201, "create location");
	return ji(c, "id");
}

static int64_t
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

static int64_t
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
static int64_t
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

/* --- runner ---------------------------------------------------------------------- */

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TC_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
api_suite(int stack)
{
	Suite *s = suite_create("api");
	TCase *tc;

	tc = tcase(s, "openapi");
	tcase_add_test(tc, test_routes_documented);
	if (!stack)
		return s;
	tc = tcase(s, "auth");
	tcase_add_test(tc, test_auth_required);
	tcase_add_test(tc, test_frontdesk_read_only);
	tc = tcase(s, "flow");
	tcase_add_test(tc, test_full_flow);
	tcase_add_test(tc, test_catalog_and_profiles_update);
	tcase_add_test(tc, test_draft_edit);
	tcase_add_test(tc, test_void_and_adjust);
	tcase_add_test(tc, test_pagination);
	tc = tcase(s, "errors");
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_json_body_errors);
	tcase_add_test(tc, test_not_found);
	tc = tcase(s, "idempotency");
	tcase_add_test(tc, test_idempotent_replay);
	tcase_add_test(tc, test_idempotency_in_progress);
	tcase_add_test(tc, test_idempotency_race);
	return s;
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
main(void)
{
	SRunner *sr;
	int64_t id;
	int failed, stack;

	env.base = getenv("ITEST_BASE_URL");
	env.ctl = getenv("ITEST_BILLINGCTL");
	env.db_socket = getenv("ITEST_DB_SOCKET");
	env.db_name = getenv("ITEST_DB_NAME");
	env.db_user = getenv("ITEST_DB_USER");
	env.db_password = getenv("ITEST_DB_PASSWORD");
	stack = env.base && *env.base && env.ctl && *env.ctl && env.db_socket &&
	    env.db_name && env.db_user && env.db_password;
	if (!stack)
		fprintf(stderr, "test_api: ITEST_* not set: only the route/OpenAPI "
		    "check runs (tests/integration/run runs everything)\n");
	if (crypto_init() == -1 || date_fmt(date_today(), env.today,
	    sizeof(env.today)) == -1)
		return 2;
	if (stack && (make_key("admin", env.admin, KEY_MAX, &env.admin_id) == -1 ||
	    make_key("billing", env.billing, KEY_MAX, &id) == -1 ||
	    make_key("frontdesk", env.frontdesk, KEY_MAX, &id) == -1))
		return 2;
	/* Before forking the test children: not thread-safe, once per process. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 2;
	sr = srunner_create(api_suite(stack));
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
