/* libFuzzer harness for request input: the same bytes go through the
 * urlencoded, cookie, JSON and multipart/form-data parsers, the router (as a path) and field
 * validation (the parsed pairs against a spec with every field type).
 * Built with -DFUZZ_MAIN it reads one file instead (afl / reproducing). */
#include "common.h"
#include "http/req.h"
#include "http/router.h"

#include <json-c/json.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const roles[] = { "admin", "billing", "frontdesk", NULL };

static const struct field spec[] = {
	{ "notes", FIELD_TEXT, 0, 0, 0, 0, NULL, "Notes" },
	{ "name", FIELD_LINE, FIELD_REQUIRED, 0, 0, 0, NULL, "Name" },
	{ "pw", FIELD_PASSWORD, 0, 16, 0, 0, NULL, "Password" },
	{ "qty", FIELD_INT, 0, 0, -5, 100, NULL, "Quantity" },
	{ "n", FIELD_INT, 0, 0, 0, 0, NULL, "Number" },
	{ "id", FIELD_ID, 0, 0, 0, 0, NULL, "Client" },
	{ "amount", FIELD_MONEY, 0, 0, 100, 100000000, NULL, "Amount" },
	{ "credit", FIELD_MONEY, 0, 0, 0, 0, NULL, "Credit" },
	{ "email", FIELD_EMAIL, 0, 0, 0, 0, NULL, "Email" },
	{ "due", FIELD_DATE, 0, 0, 0, 0, NULL, "Due date" },
	{ "paid", FIELD_BOOL, 0, 0, 0, 0, NULL, "Paid" },
	{ "role", FIELD_ENUM, 0, 0, 0, 0, roles, "Role" },
	{ "token", FIELD_TOKEN, 0, 0, 0, 0, NULL, "Token" },
};

static const struct route_pattern routes[] = {
	{ "GET", "/" },
	{ "GET", "/clients" },
	{ "POST", "/clients" },
	{ "GET", "/clients/:id" },
	{ "GET", "/clients/:id/invoices/:inv" },
	{ "POST", "/pay/:token/:a/:b/:c" },
	{ "GET", "/static/*" },
};

static void
check_fields(const struct kvlist *in, int reject_unknown)
{
	struct field_set fs;
	int rc = fields_validate(spec, ARRAY_LEN(spec), in, reject_unknown, &fs);

	if ((rc == 0) != (fs.nerr == 0) || fs.n != ARRAY_LEN(spec))
		abort();
	for (size_t i = 0; i < fs.n; i++) {
		/* Every value must be a readable, valid string. */
		if (fs.v[i].s == NULL)
			abort();
		(void)strlen(fs.v[i].s);
	}
	for (size_t i = 0; i < fs.nerr; i++)
		if (memchr(fs.err[i].msg, '\0', sizeof(fs.err[i].msg)) == NULL ||
		    field_set_error(&fs, fs.err[i].field) == NULL)
			abort();
	field_set_free(&fs);
}

static void
fuzz_router(const char *path)
{
	static const char *const methods[] = { "GET", "HEAD", "POST", "PUT" };

	for (size_t i = 0; i < ARRAY_LEN(methods); i++) {
		struct route_match m;
		enum route_result r = router_match(routes, ARRAY_LEN(routes),
		    sizeof(routes[0]), methods[i], path, &m);

		if (r == ROUTE_FOUND && m.index >= ARRAY_LEN(routes))
			abort();
		for (size_t j = 0; j < m.nparams; j++)
			(void)route_param(&m, m.params[j].value);
		route_match_free(&m);
	}
}

static void
fuzz_json(const char *s, size_t len)
{
	struct json_object *o = NULL;
	struct kvlist kv;
	char err[128];

	if (req_parse_json(s, len, &o, err, sizeof(err)) != REQ_OK)
		return;
	kvlist_init(&kv);
	if (req_json_to_kv(o, &kv) == REQ_OK)
		check_fields(&kv, 1);
	kvlist_free(&kv);
	json_object_put(o);
}

/* multipart with the boundary "b": the file part, when found, lies inside
 * the input. */
static void
fuzz_multipart(const char *s, size_t len)
{
	struct req_upload up;
	struct kvlist kv;

	kvlist_init(&kv);
	if (req_parse_multipart(s, len, "multipart/form-data; boundary=b", &kv,
	    &up) == REQ_OK) {
		check_fields(&kv, 0);
		if (up.present && (up.data < s || up.data + up.len > s + len))
			abort();
	}
	kvlist_free(&kv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *cstr;
	struct kvlist kv;
	enum req_status rc;

	if ((cstr = malloc(size + 1)) == NULL)
		return 0;
	memcpy(cstr, data, size);
	cstr[size] = '\0';

	kvlist_init(&kv);
	if (req_parse_urlencoded(s, size, &kv) == REQ_OK) {
		check_fields(&kv, 1);
		check_fields(&kv, 0);
	}
	kvlist_free(&kv);

	kvlist_init(&kv);
	rc = req_parse_cookies(cstr, &kv);
	if (rc != REQ_OK && rc != REQ_ENOMEM)
		abort();	/* malformed cookies are skipped, never fatal */
	kvlist_free(&kv);

	fuzz_json(s, size);
	fuzz_multipart(s, size);
	fuzz_router(cstr);
	free(req_url_decode(s, size, 1));
	free(cstr);
	return 0;
}

#ifdef FUZZ_MAIN
int
main(int argc, char **argv)
{
	FILE *f;
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s file\n", argv[0]);
		return 2;
	}
	if ((f = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	do {
		if (len == cap) {
			char *nd;

			cap = cap ? cap * 2 : 4096;
			if ((nd = realloc(data, cap)) == NULL) {
				perror("realloc");
				return 2;
			}
			data = nd;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}
#endif
