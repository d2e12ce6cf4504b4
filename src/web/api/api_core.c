/* The machinery every /api/v1 request goes through: bearer authentication,
 * role check, JSON body checks, validation errors, Idempotency-Key, JSON
 * responses. Handlers in api_profiles.c / api_money.c only see struct api. */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "app.h"
#include "crypto.h"
#include "idempotency.h"
#include "log.h"
#include "service.h"
#include "str.h"

#define BEARER_MAX	256

/* Body keys whose value is a JSON array (read by the handler itself). */
static const char *const array_fields[] = { "lines", "allocations",
    "invoice_ids", "add_invoice_ids" };

static const struct {
	int		 status;
	const char	*code;
} status_codes[] = {
	{ 400, "bad_request" },
	{ 401, "unauthorized" },
	{ 403, "forbidden" },
	{ 404, "not_found" },
	{ 405, "method_not_allowed" },
	{ 409, "conflict" },
	{ 413, "payload_too_large" },
	{ 422, "validation_failed" },
	{ 429, "too_many_requests" },
	{ 500, "internal_error" },
	{ 503, "service_unavailable" },
};

static const char *
code_for(int status)
{
	for (size_t i = 0; i < ARRAY_LEN(status_codes); i++)
		if (status_codes[i].status == status)
			return status_codes[i].code;
	return status >= 500 ? "internal_error" : "bad_request";
}

/* --- responses ------------------------------------------------------------ */

static int
send_json(struct ctx *c, int status, struct json_object *o)
{
	const char *s;
	int rc;

	if (o == NULL)
		return -1;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = s != NULL ? app_json(c, status, s) : -1;
	json_object_put(o);
	if (rc == 0)
		rc = buf_putc(&c->resp.body, '\n');
	return rc;
}

int
api_error(struct ctx *c, int status, const char *code, const char *message,
    const char *field)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	if (o == NULL || e == NULL) {
		json_object_put(o);
		json_object_put(e);
		return -1;
	}
	json_object_object_add(o, "error", e);
	json_object_object_add(e, "code", json_object_new_string(code ? code :
	    code_for(status)));
	json_object_object_add(e, "message", json_object_new_string(message ?
	    message : ""));
	json_object_object_add(e, "field", field ? json_object_new_string(field)
	    : NULL);
	if (status == 401)
		http_header(&c->resp, "WWW-Authenticate", "Bearer realm=\"api\"");
	c->resp.no_store = 1;
	return send_json(c, status, o);
}

int
api_send(struct api *a, int status, struct json_object *o)
{
	return send_json(a->c, status, o);
}

int
api_send_page(struct api *a, struct json_object *arr, int more, int64_t last_id)
{
	struct json_object *o = json_object_new_object();
	char cur[24];

	if (o == NULL || arr == NULL) {
		json_object_put(o);
		json_object_put(arr);
		return -1;
	}
	json_object_object_add(o, "data", arr);
	if (more && last_id > 0 && str_fmt(cur, sizeof(cur), "%" PRId64, last_id) == 0)
		json_object_object_add(o, "next_cursor", json_object_new_string(cur));
	else
		json_object_object_add(o, "next_cursor", NULL);
	return send_json(a->c, 200, o);
}

int
api_not_found(struct api *a, const char *what)
{
	char msg[96];

	str_fmt(msg, sizeof(msg), "No such %s.", what);
	return api_error(a->c, 404, "not_found", msg, NULL) == 0 ? 0 : -1;
}

int
api_invalid(struct api *a, const char *field, const char *message)
{
	return api_error(a->c, 422, "validation_failed", message, field) == 0 ? 0 : -1;
}

int
api_conflict(struct api *a, const char *code, const char *message,
    const char *field)
{
	return api_error(a->c, 409, code, message, field) == 0 ? 0 : -1;
}

/* --- input ---------------------------------------------------------------- */

int
api_path_id(struct api *a, int64_t *id)
{
	const char *s = route_param(&a->c->match, "id");

	return s != NULL && str_to_i64(s, 1, INT64_MAX, id) == 0 ? 0 : -1;
}

const struct field_value *
api_in(struct api *a, const char *name)
{
	const struct field_value *v = app_field(a->c, name);

	return v != NULL && v->present ? v : NULL;
}

struct json_object *
api_body(struct api *a, const char *name)
{
	struct json_object *v = NULL;

	if (a->c->req.json == NULL ||
	    !json_object_object_get_ex(a->c->req.json, name, &v))
		return NULL;
	return v;
}

int
api_has(struct api *a, const char *name)
{
	return a->c->req.json != NULL &&
	    json_object_object_get_ex(a->c->req.json, name, NULL);
}

int
api_cleared(struct api *a, const char *name)
{
	struct json_object *v;

	if (!api_has(a, name))
		return 0;
	v = api_body(a, name);
	if (v == NULL)
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return 0;
	for (const char *s = json_object_get_string(v); *s; s++)
		if (strchr(" \t\r\n", *s) == NULL)
			return 0;
	return 1;
}

size_t
api_limit(struct api *a)
{
	const struct field_value *v = api_in(a, "limit");

	return v != NULL ? (size_t)v->i : API_LIMIT_DEFAULT;
}

int64_t
api_cursor(struct api *a)
{
	const struct field_value *v = api_in(a, "cursor");

	return v != NULL ? v->i : 0;
}

const struct actor *
api_actor(struct api *a)
{
	return &a->actor;
}

/* --- authentication ------------------------------------------------------- */

/* 1 authenticated, 0 answered (401/403), -1 db error. */
static int
authenticate(struct api *a)
{
	const char *h = a->c->req.authorization;
	char tok[BEARER_MAX];
	enum role role;
	int rc;

	while (h != NULL && *h == ' ')
		h++;
	if (h == NULL || *h == '\0')
		return api_error(a->c, 401, "unauthorized",
		    "Missing Authorization: Bearer <API key> header.", NULL) == 0 ? 0 : -1;
	if (strncasecmp(h, "Bearer ", 7) != 0 ||
	    str_copy(tok, sizeof(tok), h + 7) == -1 || *str_trim(tok) == '\0')
		return api_error(a->c, 401, "invalid_api_key",
		    "The API key is missing, malformed, unknown or revoked.", NULL) == 0 ? 0 : -1;
	rc = apikey_lookup(a->db, tok, &a->key);
	explicit_bzero(tok, sizeof(tok));
	if (rc < 0)
		return -1;
	if (rc == 0 || app_role_parse(a->key.role, &role) == -1)
		return api_error(a->c, 401, "invalid_api_key",
		    "The API key is missing, malformed, unknown or revoked.", NULL) == 0 ? 0 : -1;
	if (!(a->c->route->roles & role))
		return api_error(a->c, 403, "forbidden",
		    "This API key's role may not do this.", NULL) == 0 ? 0 : -1;
	a->actor.kind = "api";
	a->actor.id = a->key.id;
	a->actor.ip = app_ip(a->c);
	return 1;
}

/* --- body checks ---------------------------------------------------------- */

static const struct field *
route_field(const struct route *rt, const char *name)
{
	for (size_t i = 0; i < rt->nfields; i++)
		if (strcmp(rt->fields[i].name, name) == 0)
			return &rt->fields[i];
	return NULL;
}

static int
is_array_field(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(array_fields); i++)
		if (strcmp(array_fields[i], name) == 0)
			return 1;
	return 0;
}

/* The JSON type a body field must have; NULL when v fits. */
static const char *
type_problem(const struct field *f, struct json_object *v)
{
	enum json_type t = json_object_get_type(v);

	if (t == json_type_null)
		return NULL;	/* absent / cleared */
	if (is_array_field(f->name))
		return t == json_type_array ? NULL : "must be an array";
	switch (f->type) {
	case FIELD_INT:
	case FIELD_ID:
		return t == json_type_int ? NULL : "must be an integer";
	case FIELD_BOOL:
		return t == json_type_boolean ? NULL : "must be true or false";
	default:
		return t == json_type_string ? NULL : "must be a string";
	}
}

/* Every key of the body must be a field of the route with the right JSON
 * type (the form view of the body drops nested values and nulls, so those
 * are checked here). 1 fine, 0 answered. */
static int
body_ok(struct api *a)
{
	struct ctx *c = a->c;
	const struct field *f;
	const char *why;
	char msg[200];

	if (c->req.body.len > 0 && c->req.json == NULL)
		return api_error(c, 400, "invalid_body", "The request body must be "
		    "a JSON object sent as Content-Type: application/json.",
		    NULL) == 0 ? 0 : -1;
	if (c->req.json == NULL)
		return 1;
	json_object_object_foreach(c->req.json, key, val) {
		if ((f = route_field(c->route, key)) == NULL) {
			str_fmt(msg, sizeof(msg), "Unexpected field \"%.60s\".", key);
			return api_invalid(a, key, msg) == 0 ? 0 : -1;
		}
		if ((why = type_problem(f, val)) != NULL) {
			str_fmt(msg, sizeof(msg), "%s %s.", key, why);
			return api_invalid(a, key, msg) == 0 ? 0 : -1;
		}
	}
	return 1;
}

/* Field validation errors of the dispatcher: the first one, as JSON. */
static int
fields_ok(struct api *a, int unsafe)
{
	const struct field_error *e;
	char msg[200];

	if (a->c->fs.nerr == 0)
		return 1;
	e = &a->c->fs.err[0];
	str_fmt(msg, sizeof(msg), "%s.", e->msg);
	return api_error(a->c, unsafe ? 422 : 400, unsafe ? "validation_failed" :
	    "invalid_parameter", msg, e->field) == 0 ? 0 : -1;
}

/* --- idempotency ---------------------------------------------------------- */

static int
idem_key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > IDEM_KEY_MAX)
		return 0;
	for (; *k; k++)
		if ((unsigned char)*k < 0x21 || (unsigned char)*k > 0x7e)
			return 0;
	return 1;
}

/* sha256(method \n path \n body) as hex. */
static int
request_hash(struct ctx *c, char out[CRYPTO_SHA256_HEX])
{
	struct buf b;
	int rc;

	buf_init(&b, c->req.body.len + 2048);
	rc = buf_printf(&b, "%s\n%s\n", c->req.method, c->req.path);
	if (rc == 0 && c->req.body.len > 0)
		rc = buf_append(&b, c->req.body.data, c->req.body.len);
	if (rc == 0)
		crypto_sha256_hex(b.data, b.len, out);
	buf_free(&b);
	return rc;
}

/* 1 run the request (*claimed set when a key was claimed), 0 answered
 * (replay or 409), -1 error. */
static int
idem_start(struct api *a, int *claimed)
{
	struct ctx *c = a->c;
	const char *key = c->req.idempotency_key;
	char hash[CRYPTO_SHA256_HEX], *resp = NULL;
	int status = 0, rc;

	*claimed = 0;
	if (key == NULL || *key == '\0')
		return 1;
	if (!idem_key_ok(key))
		return api_error(c, 400, "invalid_idempotency_key", "Idempotency-Key "
		    "must be 1 to 255 visible ASCII characters.", NULL) == 0 ? 0 : -1;
	if (request_hash(c, hash) == -1)
		return -1;
	switch (idem_begin(a->db, a->key.id, key, hash, &status, &resp)) {
	case IDEM_NEW:
		*claimed = 1;
		return 1;
	case IDEM_REPLAY:
		rc = app_json(c, status, resp);
		free(resp);
		http_header(&c->resp, "Idempotent-Replayed", "true");
		c->resp.no_store = 1;
		return rc == 0 ? 0 : -1;
	case IDEM_MISMATCH:
		return api_conflict(a, "idempotency_key_reused", "This Idempotency-Key "
		    "was used with a different request.", NULL) == 0 ? 0 : -1;
	case IDEM_IN_PROGRESS:
		return api_conflict(a, "idempotency_key_in_progress", "A request with "
		    "this Idempotency-Key is still being processed; retry later.",
		    NULL) == 0 ? 0 : -1;
	default:
		return -1;
	}
}

/* Stores the outcome; a 5xx or an error releases the key for a retry
 * (domain changes are transactional, so nothing was changed then). */
static void
idem_end(struct api *a, int rc)
{
	struct ctx *c = a->c;
	const char *key = c->req.idempotency_key;

	if (rc != 0 || c->resp.status >= 500) {
		if (idem_release(a->db, a->key.id, key) == -1)
			log_err("req=%s idempotency release: %s", c->req.reqid,
			    service_error(a->db));
		return;
	}
	if (idem_finish(a->db, a->key.id, key, c->resp.status,
	    buf_cstr(&c->resp.body)) == -1)
		log_err("req=%s idempotency store: %s", c->req.reqid,
		    service_error(a->db));
}

/* --- the entry ------------------------------------------------------------ */

int
api_run(struct ctx *c, api_fn fn)
{
	struct api a;
	int unsafe = strcmp(c->req.method, "GET") != 0 &&
	    strcmp(c->req.method, "HEAD") != 0;
	int rc, claimed = 0;

	memset(&a, 0, sizeof(a));
	a.c = c;
	a.db = c->app->db;
	c->resp.no_store = 1;
	if ((rc = authenticate(&a)) != 1)
		return rc;
	if (unsafe && (rc = body_ok(&a)) != 1)
		return rc;
	if ((rc = fields_ok(&a, unsafe)) != 1)
		return rc;
	if (unsafe && (rc = idem_start(&a, &claimed)) != 1)
		return rc;
	rc = fn(&a);
	if (claimed)
		idem_end(&a, rc);
	return rc;
}
