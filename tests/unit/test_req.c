/* Unit tests: request parsing (urlencoded, cookies, JSON) and field
 * validation. */
#include "common.h"
#include "http/req.h"
#include "money.h"

#include <check.h>
#include <json-c/json.h>

/* --- helpers ------------------------------------------------------------ */

static enum req_status
parse(const char *s, struct kvlist *l)
{
	kvlist_init(l);
	return req_parse_urlencoded(s, strlen(s), l);
}

/* Parses s alone and returns the one status. */
static enum req_status
parse_status(const char *s)
{
	struct kvlist l;
	enum req_status rc = parse(s, &l);

	kvlist_free(&l);
	return rc;
}

/* Validates a one-field spec against the urlencoded input; returns the
 * first error message ("" when none) in a static buffer. */
static const char *
validate1(const struct field *f, const char *input, struct field_value *out)
{
	static char msg[160];
	struct kvlist in;
	struct field_set fs;
	int rc;

	ck_assert_int_eq(parse(input, &in), REQ_OK);
	rc = fields_validate(f, 1, &in, 1, &fs);
	msg[0] = '\0';
	if (fs.nerr > 0)
		snprintf(msg, sizeof(msg), "%s", fs.err[0].msg);
	ck_assert_int_eq(rc, fs.nerr == 0 ? 0 : -1);
	if (out != NULL) {
		static char sv[256];

		*out = fs.v[0];
		snprintf(sv, sizeof(sv), "%s", fs.v[0].s);
		out->s = sv;
	}
	field_set_free(&fs);
	kvlist_free(&in);
	return msg;
}

static char *
repeat(const char *unit, size_t times)
{
	size_t ulen = strlen(unit);
	char *s = malloc(ulen * times + 1);

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[ulen * times] = '\0';
	return s;
}

/* --- urlencoded ---------------------------------------------------------- */

START_TEST(test_urlencoded_basic)
{
	struct kvlist l;

	ck_assert_int_eq(parse("a=1&b=two&&c&=skipped&d=", &l), REQ_OK);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(kvlist_get(&l, "a"), "1");
	ck_assert_str_eq(kvlist_get(&l, "b"), "two");
	ck_assert_str_eq(kvlist_get(&l, "c"), "");
	ck_assert_str_eq(kvlist_get(&l, "d"), "");
	ck_assert_ptr_null(kvlist_get(&l, "e"));
	kvlist_free(&l);
	ck_assert_int_eq(parse("", &l), REQ_OK);
	ck_assert_uint_eq(l.n, 0);
	kvlist_free(&l);
}
END_TEST

START_TEST(test_urlencoded_decoding)
{
	struct kvlist l;

	ck_assert_int_eq(parse("q=a+b%2Bc&k%20x=%e2%82%AC&eq=a%3Db", &l),
	    REQ_OK);
	ck_assert_str_eq(kvlist_get(&l, "q"), "a b+c");
	ck_assert_str_eq(kvlist_get(&l, "k x"), "\xe2\x82\xac");
	ck_assert_str_eq(kvlist_get(&l, "eq"), "a=b");
	kvlist_free(&l);
}
END_TEST

START_TEST(test_urlencoded_bad_percent)
{
	ck_assert_int_eq(parse_status("a=%00"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("a=x%00y"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("a=%4"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("a=%"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("a=%zz"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("a=%4g"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("%4=1"), REQ_EBADENC);
}
END_TEST

/* --- multipart/form-data ------------------------------------------------- */

#define MP_CT	"multipart/form-data; boundary=XyZ"

static enum req_status
mp(const char *body, size_t len, struct kvlist *l, struct req_upload *u)
{
	kvlist_init(l);
	return req_parse_multipart(body, len, MP_CT, l, u);
}

START_TEST(test_multipart_fields_and_file)
{
	static const char body[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n\x89PNG\0\r\nbin\r\n--XyZ--\r\n";
	struct kvlist l;
	struct req_upload u;

	ck_assert_int_eq(mp(body, sizeof(body) - 1, &l, &u), REQ_OK);
	ck_assert_str_eq(kvlist_get(&l, "_csrf"), "tok");
	ck_assert_ptr_null(kvlist_get(&l, "logo"));	/* the file is not a field */
	ck_assert(u.present);
	ck_assert_str_eq(u.name, "logo");
	ck_assert_str_eq(u.filename, "a.png");
	ck_assert_str_eq(u.ctype, "image/png");
	ck_assert_uint_eq(u.len, 10);	/* NUL and CRLF inside the file are kept */
	ck_assert_int_eq(memcmp(u.data, "\x89PNG\0\r\nbin", 10), 0);
	kvlist_free(&l);
}
END_TEST

START_TEST(test_multipart_refused)
{
	static const char two_files[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"1\"\r\n\r\nx\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"b\"; filename=\"2\"\r\n\r\ny\r\n--XyZ--";
	static const char unterminated[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary";
	static const char nul_field[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\0y\r\n--XyZ--";
	static const char no_name[] =
	    "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--";
	struct kvlist l;
	struct req_upload u;

	ck_assert_int_eq(mp(two_files, sizeof(two_files) - 1, &l, &u), REQ_ETOOMANY);
	kvlist_free(&l);
	ck_assert_int_eq(mp(unterminated, sizeof(unterminated) - 1, &l, &u), REQ_EBADENC);
	kvlist_free(&l);
	ck_assert_int_eq(mp(nul_field, sizeof(nul_field) - 1, &l, &u), REQ_EBADENC);
	kvlist_free(&l);
	ck_assert_int_eq(mp(no_name, sizeof(no_name) - 1, &l, &u), REQ_EBADENC);
	kvlist_free(&l);
	kvlist_init(&l);
	ck_assert_int_eq(req_parse_multipart("--XyZ--", 7, "multipart/form-data",
	    &l, &u), REQ_EBADENC);	/* no boundary */
	kvlist_free(&l);
}
END_TEST

START_TEST(test_urlencoded_error_leaves_list)
{
	struct kvlist l;

	kvlist_init(&l);
	ck_assert_int_eq(kvlist_add(&l, "keep", "me"), 0);
	ck_assert_int_eq(req_parse_urlencoded("a=1&b=%zz", 9, &l), REQ_EBADENC);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_ptr_null(kvlist_get(&l, "a"));
	kvlist_free(&l);
}
END_TEST

START_TEST(test_urlencoded_bad_utf8)
{
	ck_assert_int_eq(parse_status("a=%C0%AF"), REQ_EBADENC);	/* overlong */
	ck_assert_int_eq(parse_status("a=%ED%A0%80"), REQ_EBADENC);	/* surrogate */
	ck_assert_int_eq(parse_status("a=%E2%82"), REQ_EBADENC);	/* truncated */
	ck_assert_int_eq(parse_status("a=\xff"), REQ_EBADENC);
	ck_assert_int_eq(parse_status("%F4%90%80%80=1"), REQ_EBADENC);	/* > U+10FFFF */
	ck_assert_int_eq(parse_status("a=%F0%9F%98%80"), REQ_OK);
}
END_TEST

START_TEST(test_urlencoded_embedded_nul)
{
	struct kvlist l;

	kvlist_init(&l);
	ck_assert_int_eq(req_parse_urlencoded("a=1\0b=2", 7, &l), REQ_EBADENC);
	ck_assert_uint_eq(l.n, 0);
	kvlist_free(&l);
}
END_TEST

START_TEST(test_urlencoded_limits)
{
	struct kvlist l;
	char *s;

	s = repeat("a=1&", REQ_MAX_PAIRS);
	ck_assert_int_eq(parse(s, &l), REQ_OK);
	ck_assert_uint_eq(l.n, REQ_MAX_PAIRS);
	kvlist_free(&l);
	free(s);

	s = repeat("a=1&", REQ_MAX_PAIRS + 1);
	ck_assert_int_eq(parse(s, &l), REQ_ETOOMANY);
	ck_assert_uint_eq(l.n, 0);
	kvlist_free(&l);
	free(s);

	s = repeat("k", REQ_MAX_KEY);
	ck_assert_int_eq(parse_status(s), REQ_OK);
	free(s);
	s = repeat("k", REQ_MAX_KEY + 1);
	ck_assert_int_eq(parse_status(s), REQ_ETOOLONG);
	free(s);

	s = repeat("v", REQ_MAX_VALUE + 2);
	s[0] = 'k';
	s[1] = '=';
	ck_assert_int_eq(parse_status(s), REQ_OK);
	free(s);
	s = repeat("v", REQ_MAX_VALUE + 3);
	s[0] = 'k';
	s[1] = '=';
	ck_assert_int_eq(parse_status(s), REQ_ETOOLONG);
	free(s);

	/* The limit is on decoded bytes: 64K of "%41" is fine. */
	s = repeat("%41", REQ_MAX_VALUE);
	s[0] = 'k';
	s[1] = '=';
	s[2] = 'A';
	ck_assert_int_eq(parse_status(s), REQ_OK);
	free(s);
}
END_TEST

START_TEST(test_urlencoded_duplicates)
{
	struct kvlist l;

	ck_assert_int_eq(parse("email=a%40b.com&email=c%40d.com", &l), REQ_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(kvlist_count(&l, "email"), 2);
	ck_assert_str_eq(kvlist_get(&l, "email"), "a@b.com");
	kvlist_free(&l);
}
END_TEST

START_TEST(test_url_decode)
{
	char *s;

	s = req_url_decode("a+b%2Fc", 7, 0);
	ck_assert_str_eq(s, "a+b/c");
	free(s);
	s = req_url_decode("a+b", 3, 1);
	ck_assert_str_eq(s, "a b");
	free(s);
	ck_assert_ptr_null(req_url_decode("%00", 3, 0));
	ck_assert_ptr_null(req_url_decode("%f", 2, 0));
	ck_assert_ptr_null(req_url_decode("%C3%28", 6, 0));
}
END_TEST

/* --- cookies ------------------------------------------------------------- */

START_TEST(test_cookies_basic)
{
	struct kvlist l;

	kvlist_init(&l);
	ck_assert_int_eq(req_parse_cookies("sid=abc; theme=dark", &l), REQ_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(kvlist_get(&l, "sid"), "abc");
	ck_assert_str_eq(kvlist_get(&l, "theme"), "dark");
	kvlist_free(&l);
}
END_TEST

START_TEST(test_cookies_spaces_and_quotes)
{
	struct kvlist l;

	kvlist_init(&l);
	ck_assert_int_eq(req_parse_cookies("  a = 1 ;b=\"x y\";c=\"\";"
	    "d=%41+", &l), REQ_OK);
	ck_assert_str_eq(kvlist_get(&l, "a"), "1");
	ck_assert_str_eq(kvlist_get(&l, "b"), "x y");
	ck_assert_str_eq(kvlist_get(&l, "c"), "");
	ck_assert_str_eq(kvlist_get(&l, "d"), "%41+");	/* no decoding */
	kvlist_free(&l);
}
END_TEST

START_TEST(test_cookies_malformed)
{
	struct kvlist l;

	kvlist_init(&l);
	ck_assert_int_eq(req_parse_cookies("junk; =v; ok=1; bad name=2; "
	    "ctl=a\tb; utf=\xff; x=\"y; last", &l), REQ_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(kvlist_get(&l, "ok"), "1");
	ck_assert_str_eq(kvlist_get(&l, "x"), "\"y");
	kvlist_free(&l);

	kvlist_init(&l);
	ck_assert_int_eq(req_parse_cookies("", &l), REQ_OK);
	ck_assert_int_eq(req_parse_cookies(";; ;", &l), REQ_OK);
	ck_assert_int_eq(req_parse_cookies(NULL, &l), REQ_OK);
	ck_assert_uint_eq(l.n, 0);
	kvlist_free(&l);
}
END_TEST

START_TEST(test_cookies_limit)
{
	struct kvlist l;
	char *s = repeat("a=1; ", REQ_MAX_PAIRS + 10);

	kvlist_init(&l);
	ck_assert_int_eq(req_parse_cookies(s, &l), REQ_OK);
	ck_assert_uint_eq(l.n, REQ_MAX_PAIRS);
	kvlist_free(&l);
	free(s);
}
END_TEST

/* --- JSON ---------------------------------------------------------------- */

static enum req_status
json_status(const char *s, char *err, size_t errsz)
{
	struct json_object *o = NULL;
	enum req_status rc = req_parse_json(s, strlen(s), &o, err, errsz);

	if (rc == REQ_OK)
		ck_assert_ptr_nonnull(o);
	else
		ck_assert_ptr_null(o);
	json_object_put(o);
	return rc;
}

/* An object holding `levels` nested containers in all. */
static char *
nested(int levels)
{
	char *s = malloc((size_t)levels * 2 + 16), *p = s;
	int i;

	p += snprintf(p, 8, "{\"a\":");
	for (i = 1; i < levels; i++)
		*p++ = '[';
	*p++ = '1';
	for (i = 1; i < levels; i++)
		*p++ = ']';
	*p++ = '}';
	*p = '\0';
	return s;
}

START_TEST(test_json_valid)
{
	struct json_object *o;
	struct kvlist l;
	char err[128];
	const char *body = " {\"name\":\"Ann \\u00e9\",\"n\":42,\"amt\":12.50,"
	    "\"t\":true,\"f\":false,\"z\":null,\"o\":{\"x\":1},\"a\":[1]}\n";

	ck_assert_int_eq(req_parse_json(body, strlen(body), &o, err,
	    sizeof(err)), REQ_OK);
	kvlist_init(&l);
	ck_assert_int_eq(req_json_to_kv(o, &l), REQ_OK);
	ck_assert_uint_eq(l.n, 5);
	ck_assert_str_eq(kvlist_get(&l, "name"), "Ann \xc3\xa9");
	ck_assert_str_eq(kvlist_get(&l, "n"), "42");
	ck_assert_str_eq(kvlist_get(&l, "amt"), "12.50");
	ck_assert_str_eq(kvlist_get(&l, "t"), "1");
	ck_assert_str_eq(kvlist_get(&l, "f"), "0");
	ck_assert_ptr_null(kvlist_get(&l, "z"));
	ck_assert_ptr_null(kvlist_get(&l, "o"));
	ck_assert_ptr_null(kvlist_get(&l, "a"));
	kvlist_free(&l);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_not_object)
{
	char err[128];

	ck_assert_int_eq(json_status("[1,2]", err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(err, "JSON body must be an object");
	ck_assert_int_eq(json_status("\"s\"", err, sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("12", err, sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("", err, sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("{\"a\":1", err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(err, "unexpected end of JSON");
	ck_assert_int_eq(json_status("{\"a\":1,}", err, sizeof(err)), REQ_EJSON);
	ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
}
END_TEST

START_TEST(test_json_depth)
{
	char err[128], *s;

	s = nested(REQ_JSON_DEPTH);
	ck_assert_int_eq(json_status(s, err, sizeof(err)), REQ_OK);
	free(s);
	s = nested(REQ_JSON_DEPTH + 1);
	ck_assert_int_eq(json_status(s, err, sizeof(err)), REQ_EJSON);
	ck_assert_ptr_nonnull(strstr(err, "too deep"));
	free(s);
}
END_TEST

START_TEST(test_json_trailing)
{
	char err[128];

	ck_assert_int_eq(json_status("{} x", err, sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("{}{}", err, sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("{} \r\n\t", err, sizeof(err)), REQ_OK);
}
END_TEST

/* Two values for one key: json-c keeps the last, so a body with
 * "amount_cents":100,"amount_cents":99999900 would book the second. */
static enum req_status
json_dup(const char *s, char *key, size_t keysz, char *err, size_t errsz)
{
	struct json_object *o = NULL;
	enum req_status rc;

	key[0] = '\0';
	rc = req_parse_json_ex(s, strlen(s), &o, err, errsz, key, keysz);
	json_object_put(o);
	return rc;
}

START_TEST(test_json_duplicate_keys)
{
	char err[160], key[65];

	ck_assert_int_eq(json_dup("{\"amount_cents\":100,\"amount_cents\":"
	    "99999900}", key, sizeof(key), err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(key, "amount_cents");
	ck_assert_str_eq(err, "duplicate key \"amount_cents\" at offset 20");
	/* nested objects, and objects inside arrays */
	ck_assert_int_eq(json_dup("{\"a\":{\"b\":1,\"c\":{},\"b\":2}}", key,
	    sizeof(key), err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(key, "b");
	ck_assert_int_eq(json_dup("{\"l\":[{\"x\":1},{\"x\":2,\"x\":3}]}", key,
	    sizeof(key), err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(key, "x");
	/* the same key spelled with an escape is the same key */
	ck_assert_int_eq(json_dup("{\"ab\":1,\"a\\u0062\":2}", key,
	    sizeof(key), err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(key, "ab");
	/* equal keys in different objects, keys equal to values: fine */
	ck_assert_int_eq(json_dup("{\"a\":{\"a\":\"a\"},\"b\":[{\"a\":1},"
	    "{\"a\":2}],\"c\":\"a,\\\"a\\\":\"}", key, sizeof(key), err,
	    sizeof(err)), REQ_OK);
	ck_assert_str_eq(key, "");
	/* plain req_parse_json refuses them too */
	ck_assert_int_eq(json_status("{\"k\":1,\"k\":1}", err, sizeof(err)),
	    REQ_EJSON);
}
END_TEST

START_TEST(test_json_error_position)
{
	char err[160];

	ck_assert_int_eq(json_status("{\"a\":tru}", err, sizeof(err)),
	    REQ_EJSON);
	ck_assert_str_eq(err, "invalid JSON at offset 8: boolean expected");
	ck_assert_int_eq(json_status("{\"a\" 1}", err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(err, "invalid JSON at offset 5: object property name "
	    "separator ':' expected");
	ck_assert_int_eq(json_status("{\"a\":1", err, sizeof(err)), REQ_EJSON);
	ck_assert_str_eq(err, "unexpected end of JSON");
}
END_TEST

START_TEST(test_json_bad_utf8)
{
	char err[128];
	struct json_object *o;

	ck_assert_int_eq(json_status("{\"a\":\"\xc0\xaf\"}", err, sizeof(err)),
	    REQ_EJSON);
	ck_assert_str_eq(err, "JSON body is not valid UTF-8");
	ck_assert_int_eq(json_status("{\"a\":\"\xed\xa0\x80\"}", err,
	    sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("{\"a\":\"\xe2\x82\"}", err, sizeof(err)),
	    REQ_EJSON);
	ck_assert_int_eq(req_parse_json("{\"a\":\"\0\"}", 8, &o, err,
	    sizeof(err)), REQ_EJSON);
	ck_assert_int_eq(json_status("{\"a\\u0000b\":1}", err, sizeof(err)),
	    REQ_EJSON);
	ck_assert_int_eq(json_status("{\"a\":\"\\\\u0000\"}", err, sizeof(err)),
	    REQ_OK);
}
END_TEST

START_TEST(test_json_to_kv_limits)
{
	struct json_object *o;
	struct kvlist l;
	char err[64];
	const char *big = "{\"n\":123456789012345678901234567890}";

	ck_assert_int_eq(req_parse_json(big, strlen(big), &o, err,
	    sizeof(err)), REQ_OK);
	kvlist_init(&l);
	ck_assert_int_eq(req_json_to_kv(o, &l), REQ_EJSON);	/* clamped */
	ck_assert_uint_eq(l.n, 0);
	kvlist_free(&l);
	json_object_put(o);

	o = json_object_new_object();
	json_object_object_add(o, "k", json_object_new_string_len("a\0b", 3));
	kvlist_init(&l);
	ck_assert_int_eq(req_json_to_kv(o, &l), REQ_EBADENC);
	kvlist_free(&l);
	json_object_put(o);
}
END_TEST

/* --- fields -------------------------------------------------------------- */

static const char *const roles[] = { "admin", "billing", "frontdesk", NULL };

START_TEST(test_field_line)
{
	struct field f = { "name", FIELD_LINE, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Name" };
	struct field_value v;
	char *s, *in;

	ck_assert_str_eq(validate1(&f, "name=+Ann+Lee+", &v), "");
	ck_assert_str_eq(v.s, "Ann Lee");
	ck_assert_int_eq(v.present, 1);
	ck_assert_str_eq(validate1(&f, "name=a%0Ab", NULL),
	    "Name must be a single line without control characters");
	ck_assert_str_eq(validate1(&f, "name=a%C2%85b", NULL),
	    "Name must be a single line without control characters");
	ck_assert_str_eq(validate1(&f, "", NULL), "Name is required");
	ck_assert_str_eq(validate1(&f, "name=+++", NULL), "Name is required");

	s = repeat("x", 201);
	if (asprintf(&in, "name=%s", s) < 0)
		ck_abort();
	ck_assert_str_eq(validate1(&f, in, NULL),
	    "Name is too long (at most 200 characters)");
	free(in);
	free(s);
	/* The limit counts characters, not bytes. */
	s = repeat("%C3%A9", 200);
	if (asprintf(&in, "name=%s", s) < 0)
		ck_abort();
	ck_assert_str_eq(validate1(&f, in, NULL), "");
	free(in);
	free(s);

	f.maxlen = 3;
	ck_assert_str_eq(validate1(&f, "name=abcd", NULL),
	    "Name is too long (at most 3 characters)");
}
END_TEST

START_TEST(test_field_text)
{
	struct field f = { "notes", FIELD_TEXT, 0, 0, 0, 0, NULL, "Notes" };
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "notes=a%0D%0Ab%09c%0A", &v), "");
	ck_assert_str_eq(v.s, "a\nb\tc");
	ck_assert_str_eq(validate1(&f, "notes=a%07b", NULL),
	    "Notes contains characters that are not allowed");
	ck_assert_str_eq(validate1(&f, "", &v), "");
	ck_assert_int_eq(v.present, 0);
	ck_assert_str_eq(v.s, "");
}
END_TEST

START_TEST(test_field_password)
{
	struct field f = { "pw", FIELD_PASSWORD, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Password" };
	struct field_value v;
	char *s, *in;

	ck_assert_str_eq(validate1(&f, "pw=+secret+", &v), "");
	ck_assert_str_eq(v.s, " secret ");
	ck_assert_str_eq(validate1(&f, "pw=", NULL), "Password is required");
	s = repeat("p", 1025);
	if (asprintf(&in, "pw=%s", s) < 0)
		ck_abort();
	ck_assert_str_eq(validate1(&f, in, NULL),
	    "Password is too long (at most 1024 characters)");
	free(in);
	free(s);
}
END_TEST

START_TEST(test_field_int)
{
	struct field f = { "qty", FIELD_INT, 0, 0, 1, 10, NULL, "Quantity" };
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "qty=+07+", &v), "");
	ck_assert_int_eq(v.i, 7);
	ck_assert_str_eq(v.s, "7");
	ck_assert_str_eq(validate1(&f, "qty=0", NULL),
	    "Quantity must be at least 1");
	ck_assert_str_eq(validate1(&f, "qty=11", NULL),
	    "Quantity must be at most 10");
	ck_assert_str_eq(validate1(&f, "qty=1.5", NULL),
	    "Quantity must be a whole number");
	ck_assert_str_eq(validate1(&f, "qty=3x", NULL),
	    "Quantity must be a whole number");
	ck_assert_str_eq(validate1(&f, "qty=99999999999999999999", NULL),
	    "Quantity must be a whole number");
	/* min == max: no range */
	f.min = f.max = 0;
	ck_assert_str_eq(validate1(&f, "qty=-9223372036854775808", &v), "");
	ck_assert_int_eq(v.i, INT64_MIN);
}
END_TEST

START_TEST(test_field_id)
{
	struct field f = { "id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Client" };
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "id=42", &v), "");
	ck_assert_int_eq(v.i, 42);
	ck_assert_str_eq(validate1(&f, "id=0", NULL), "Client must be a valid ID");
	ck_assert_str_eq(validate1(&f, "id=-3", NULL), "Client must be a valid ID");
	ck_assert_str_eq(validate1(&f, "id=abc", NULL),
	    "Client must be a valid ID");
}
END_TEST

START_TEST(test_field_money)
{
	struct field f = { "amount", FIELD_MONEY, FIELD_REQUIRED, 0, 100,
	    100000000, NULL, "Amount" };
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "amount=%241%2C234.5", &v), "");
	ck_assert_int_eq(v.i, 123450);
	ck_assert_str_eq(v.s, "1234.50");
	ck_assert_str_eq(validate1(&f, "amount=5", &v), "");
	ck_assert_str_eq(v.s, "5.00");
	ck_assert_str_eq(validate1(&f, "amount=12.345", NULL),
	    "Amount must be an amount like 12.34");
	ck_assert_str_eq(validate1(&f, "amount=abc", NULL),
	    "Amount must be an amount like 12.34");
	ck_assert_str_eq(validate1(&f, "amount=0.99", NULL),
	    "Amount must be at least $1.00");
	ck_assert_str_eq(validate1(&f, "amount=1000000.01", NULL),
	    "Amount must be at most $1,000,000.00");
	ck_assert_str_eq(validate1(&f, "", NULL), "Amount is required");
}
END_TEST

START_TEST(test_field_email)
{
	struct field f = { "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Email" };
	static const char *const bad[] = {
		"email=ann", "email=%40b.com", "email=ann%40b", "email=a%40%40b.com",
		"email=a+b%40c.com", "email=a%40b..com", "email=a%40.com",
		"email=a%40b.com.", "email=a%40b%09c.com", "email=%3Ca%3E%40b.com",
		"email=a%40b%40c.com",
	};
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "email=Ann.Lee%40Example.COM", &v), "");
	ck_assert_str_eq(v.s, "Ann.Lee@example.com");
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(strcmp(validate1(&f, bad[i], NULL),
		    "Email must be a valid email address") == 0, "%s", bad[i]);
}
END_TEST

START_TEST(test_field_date)
{
	struct field f = { "due", FIELD_DATE, 0, 0, 0, 0, NULL, "Date" };
	static const char *const bad[] = {
		"due=2023-02-29", "due=1900-02-29", "due=2024-04-31",
		"due=2024-13-01", "due=2024-00-10", "due=2024-01-00",
		"due=2024-1-01", "due=2024%2F01%2F01", "due=0000-01-01",
		"due=2024-01-01x", "due=tomorrow",
	};
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "due=2024-02-29", &v), "");
	ck_assert_int_eq(v.i, 20240229);
	ck_assert_str_eq(validate1(&f, "due=2000-02-29", &v), "");
	ck_assert_str_eq(validate1(&f, "due=2023-12-31", &v), "");
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(strcmp(validate1(&f, bad[i], NULL),
		    "Date must be a date (YYYY-MM-DD)") == 0, "%s", bad[i]);
}
END_TEST

START_TEST(test_field_bool)
{
	struct field f = { "paid", FIELD_BOOL, 0, 0, 0, 0, NULL, "Paid" };
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "", &v), "");
	ck_assert_int_eq(v.present, 1);
	ck_assert_int_eq(v.i, 0);
	ck_assert_str_eq(validate1(&f, "paid=on", &v), "");
	ck_assert_int_eq(v.i, 1);
	ck_assert_str_eq(validate1(&f, "paid=TRUE", &v), "");
	ck_assert_int_eq(v.i, 1);
	ck_assert_str_eq(validate1(&f, "paid=no", &v), "");
	ck_assert_int_eq(v.i, 0);
	ck_assert_str_eq(validate1(&f, "paid=maybe", NULL),
	    "Paid must be yes or no");
}
END_TEST

START_TEST(test_field_enum)
{
	struct field f = { "role", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, roles,
	    "Role" };
	struct field_value v;

	ck_assert_str_eq(validate1(&f, "role=billing", &v), "");
	ck_assert_int_eq(v.i, 1);
	ck_assert_str_eq(v.s, "billing");
	ck_assert_str_eq(validate1(&f, "role=Admin", NULL),
	    "Role must be one of: admin, billing, frontdesk");
	ck_assert_str_eq(validate1(&f, "role=root", NULL),
	    "Role must be one of: admin, billing, frontdesk");
}
END_TEST

START_TEST(test_field_token)
{
	struct field f = { "t", FIELD_TOKEN, FIELD_REQUIRED, 0, 0, 0, NULL,
	    "Token" };
	struct field_value v;
	char *s, *in;

	ck_assert_str_eq(validate1(&f, "t=aZ09-_%3D%3D", &v), "");
	ck_assert_str_eq(v.s, "aZ09-_==");
	ck_assert_str_eq(validate1(&f, "t=ab%2Bc", NULL),
	    "Token is not a valid token");
	ck_assert_str_eq(validate1(&f, "t=a%3Db", NULL),
	    "Token is not a valid token");
	s = repeat("a", 257);
	if (asprintf(&in, "t=%s", s) < 0)
		ck_abort();
	ck_assert_str_eq(validate1(&f, in, NULL),
	    "Token is too long (at most 256 characters)");
	free(in);
	free(s);
}
END_TEST

static const struct field form[] = {
	{ "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, 0, NULL, "Email" },
	{ "name", FIELD_LINE, 0, 0, 0, 0, NULL, "Name" },
	{ "amount", FIELD_MONEY, 0, 0, 100, MONEY_MAX, NULL, "Amount" },
};

START_TEST(test_fields_duplicate)
{
	struct kvlist in;
	struct field_set fs;

	ck_assert_int_eq(parse("email=a%40b.com&email=c%40d.com", &in), REQ_OK);
	ck_assert_int_eq(fields_validate(form, ARRAY_LEN(form), &in, 1, &fs),
	    -1);
	ck_assert_str_eq(field_set_error(&fs, "email"),
	    "Email was given more than once");
	ck_assert_ptr_null(field_set_error(&fs, "name"));
	field_set_free(&fs);
	kvlist_free(&in);
}
END_TEST

START_TEST(test_fields_unknown)
{
	struct kvlist in;
	struct field_set fs;

	ck_assert_int_eq(parse("email=a%40b.com&_csrf=t&x=1&x=2", &in), REQ_OK);
	ck_assert_int_eq(fields_validate(form, ARRAY_LEN(form), &in, 1, &fs),
	    -1);
	ck_assert_uint_eq(fs.nerr, 1);
	ck_assert_str_eq(fs.err[0].field, "x");
	ck_assert_str_eq(fs.err[0].msg, "Unexpected field \"x\"");
	field_set_free(&fs);

	/* Unknown names are fine when not rejected; _csrf always is. */
	ck_assert_int_eq(fields_validate(form, ARRAY_LEN(form), &in, 0, &fs), 0);
	ck_assert_str_eq(fs.v[0].s, "a@b.com");
	ck_assert_int_eq(fs.v[1].present, 0);
	ck_assert_int_eq(fs.v[2].present, 0);
	field_set_free(&fs);
	kvlist_free(&in);
}
END_TEST

START_TEST(test_fields_many_errors)
{
	struct kvlist in;
	struct field_set fs;

	ck_assert_int_eq(parse("name=a%0Ab&amount=0.5", &in), REQ_OK);
	ck_assert_int_eq(fields_validate(form, ARRAY_LEN(form), &in, 1, &fs),
	    -1);
	ck_assert_uint_eq(fs.nerr, 3);
	ck_assert_str_eq(field_set_error(&fs, "email"), "Email is required");
	ck_assert_str_eq(field_set_error(&fs, "amount"),
	    "Amount must be at least $1.00");
	/* The rejected input stays available for re-rendering the form. */
	ck_assert_str_eq(fs.v[2].s, "0.5");
	field_set_free(&fs);
	kvlist_free(&in);
}
END_TEST

/* A list built by hand (not by our parsers) may hold anything. */
START_TEST(test_fields_bad_utf8_input)
{
	struct kvlist in;
	struct field_set fs;

	kvlist_init(&in);
	ck_assert_int_eq(kvlist_add(&in, "email", "a@b.com"), 0);
	ck_assert_int_eq(kvlist_add(&in, "name", "\xed\xa0\x80"), 0);
	ck_assert_int_eq(fields_validate(form, ARRAY_LEN(form), &in, 1, &fs),
	    -1);
	ck_assert_str_eq(field_set_error(&fs, "name"),
	    "Name contains characters that are not allowed");
	ck_assert_str_eq(fs.v[1].s, "");
	field_set_free(&fs);
	kvlist_free(&in);
}
END_TEST

static Suite *
req_suite(void)
{
	Suite *s = suite_create("req");
	TCase *tc;

	tc = tcase_create("urlencoded");
	tcase_add_test(tc, test_urlencoded_basic);
	tcase_add_test(tc, test_urlencoded_decoding);
	tcase_add_test(tc, test_urlencoded_bad_percent);
	tcase_add_test(tc, test_urlencoded_error_leaves_list);
	tcase_add_test(tc, test_urlencoded_bad_utf8);
	tcase_add_test(tc, test_urlencoded_embedded_nul);
	tcase_add_test(tc, test_urlencoded_limits);
	tcase_add_test(tc, test_urlencoded_duplicates);
	tcase_add_test(tc, test_url_decode);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookies");
	tcase_add_test(tc, test_cookies_basic);
	tcase_add_test(tc, test_cookies_spaces_and_quotes);
	tcase_add_test(tc, test_cookies_malformed);
	tcase_add_test(tc, test_cookies_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, test_json_valid);
	tcase_add_test(tc, test_json_not_object);
	tcase_add_test(tc, test_json_depth);
	tcase_add_test(tc, test_json_trailing);
	tcase_add_test(tc, test_json_duplicate_keys);
	tcase_add_test(tc, test_json_error_position);
	tcase_add_test(tc, test_json_bad_utf8);
	tcase_add_test(tc, test_json_to_kv_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_field_line);
	tcase_add_test(tc, test_field_text);
	tcase_add_test(tc, test_field_password);
	tcase_add_test(tc, test_field_int);
	tcase_add_test(tc, test_field_id);
	tcase_add_test(tc, test_field_money);
	tcase_add_test(tc, test_field_email);
	tcase_add_test(tc, test_field_date);
	tcase_add_test(tc, test_field_bool);
	tcase_add_test(tc, test_field_enum);
	tcase_add_test(tc, test_field_token);
	tcase_add_test(tc, test_fields_duplicate);
	tcase_add_test(tc, test_fields_unknown);
	tcase_add_test(tc, test_fields_many_errors);
	tcase_add_test(tc, test_fields_bad_utf8_input);
	tcase_add_test(tc, test_multipart_fields_and_file);
	tcase_add_test(tc, test_multipart_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(req_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
