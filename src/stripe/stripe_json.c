/* JSON parsing and dotted-path accessors for Stripe objects. */
#include "common.h"

#include <json-c/json.h>

#include "stripe.h"

#define STRIPE_JSON_DEPTH	32
#define STRIPE_PATH_SEG		64

int
stripe_json_parse(const char *s, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	*out = NULL;
	if (s == NULL || len == 0 || len > INT_MAX)
		return -1;
	if ((tok = json_tokener_new_ex(STRIPE_JSON_DEPTH)) == NULL)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL)
		return -1;
	for (; end < len; end++)
		if (strchr(" \t\r\n", s[end]) == NULL || s[end] == '\0')
			goto fail;
	if (!json_object_is_type(o, json_type_object))
		goto fail;
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}

/* One step: a member of an object, or an index (digits) into an array. */
static struct json_object *
json_step(struct json_object *o, const char *seg)
{
	struct json_object *v = NULL;
	size_t idx = 0;

	if (json_object_is_type(o, json_type_object)) {
		if (!json_object_object_get_ex(o, seg, &v))
			return NULL;
		return v;
	}
	if (!json_object_is_type(o, json_type_array) || *seg == '\0')
		return NULL;
	for (const char *p = seg; *p; p++) {
		if (*p < '0' || *p > '9' || idx > 100000)
			return NULL;
		idx = idx * 10 + (size_t)(*p - '0');
	}
	if (idx >= json_object_array_length(o))
		return NULL;
	return json_object_array_get_idx(o, idx);
}

struct json_object *
stripe_obj_get(struct json_object *o, const char *path)
{
	char seg[STRIPE_PATH_SEG];
	const char *p = path, *dot;
	size_t n;

	if (o == NULL || path == NULL || *path == '\0')
		return NULL;
	for (;;) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if ((o = json_step(o, seg)) == NULL)
			return NULL;
		if (dot == NULL)
			return o;
		p = dot + 1;
	}
}

const char *
stripe_obj_str(struct json_object *o, const char *path)
{
	struct json_object *v = stripe_obj_get(o, path);
	const char *s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (s == NULL || strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
}

int
stripe_obj_i64(struct json_object *o, const char *path, int64_t *out)
{
	struct json_object *v = stripe_obj_get(o, path);

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return -1;
	/* json-c saturates out-of-range numbers; refuse them. */
	*out = json_object_get_int64(v);
	if (*out == INT64_MAX || *out == INT64_MIN)
		return -1;
	return 0;
}

int
stripe_obj_bool(struct json_object *o, const char *path)
{
	struct json_object *v = stripe_obj_get(o, path);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

size_t
stripe_obj_array_len(struct json_object *o, const char *path)
{
	struct json_object *v = stripe_obj_get(o, path);

	if (v == NULL || !json_object_is_type(v, json_type_array))
		return 0;
	return json_object_array_length(v);
}

const char *
stripe_json_str(const struct stripe_result *r, const char *path)
{
	return stripe_obj_str(r->json, path);
}

int
stripe_json_i64(const struct stripe_result *r, const char *path,
    int64_t *out)
{
	return stripe_obj_i64(r->json, path, out);
}
