/* Reading the money handlers' JSON bodies: the paying party, dates and the
 * arrays of objects (invoice lines, allocations) member by member, each
 * problem answered as a 422 naming the member (see api.h). */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "app.h"
#include "calc.h"
#include "catalog.h"
#include "clock.h"
#include "invoice.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"

#define FIELD_NAME_MAX		64

int
api_input_today(char out[11])
{
	return date_fmt(date_today(), out, 11);
}

/* An optional date field into dst (kept when absent). */
void
api_input_date(struct api *a, const char *name, char *dst, size_t dstsz)
{
	const struct field_value *v = api_in(a, name);

	if (v != NULL)
		str_copy(dst, dstsz, v->s);
}

/* The paying party of a new invoice/payment: account_id and/or client_id
 * (the client's account when only client_id is given). 1 fine, 0 answered,
 * -1 error. */
int
api_input_party(struct api *a, int64_t *account_id, int64_t *client_id)
{
	const struct field_value *av = api_in(a, "account_id");
	const struct field_value *cv = api_in(a, "client_id");
	struct account acc;
	struct client cl;
	int rc;

	*account_id = av != NULL ? av->i : 0;
	*client_id = cv != NULL ? cv->i : 0;
	if (*client_id != 0) {
		if ((rc = client_get(a->db, *client_id, &cl)) == PROF_NOT_FOUND)
			return api_invalid(a, "client_id", "client_id: no such client.") == 0 ? 0 : -1;
		if (rc != PROF_OK)
			return -1;
		if (*account_id == 0)
			*account_id = cl.account_id;
		else if (*account_id != cl.account_id)
			return api_invalid(a, "client_id", "client_id belongs to "
			    "another account.") == 0 ? 0 : -1;
	}
	if (*account_id == 0)
		return api_invalid(a, "account_id", "account_id or client_id is "
		    "required.") == 0 ? 0 : -1;
	if ((rc = account_get(a->db, *account_id, &acc)) == PROF_NOT_FOUND)
		return api_invalid(a, "account_id", "account_id: no such account.") == 0 ? 0 : -1;
	return rc == PROF_OK ? 1 : -1;
}

/* client_id must be a client of account_id (0 = none). 1 / 0 answered / -1. */
int
api_input_client_of(struct api *a, int64_t account_id, int64_t client_id)
{
	struct client cl;
	int rc;

	if (client_id == 0)
		return 1;
	if ((rc = client_get(a->db, client_id, &cl)) == PROF_NOT_FOUND)
		return api_invalid(a, "client_id", "client_id: no such client.") == 0 ? 0 : -1;
	if (rc != PROF_OK)
		return -1;
	if (cl.account_id != account_id)
		return api_invalid(a, "client_id", "client_id belongs to another "
		    "account.") == 0 ? 0 : -1;
	return 1;
}

/* Checks the keys of one array element against allowed[]. */
int
api_input_keys_ok(struct api *a, struct json_object *o, const char *arr, size_t i,
    const char *const *allowed, size_t nallowed)
{
	char field[FIELD_NAME_MAX + 80], msg[160];
	size_t k;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (k = 0; k < nallowed; k++)
			if (strcmp(key, allowed[k]) == 0)
				break;
		if (k == nallowed) {
			str_fmt(field, sizeof(field), "%s[%zu].%.60s", arr, i, key);
			str_fmt(msg, sizeof(msg), "Unexpected field \"%.60s\".", key);
			return api_invalid(a, field, msg) == 0 ? 0 : -1;
		}
	}
	return 1;
}

/* An integer member of an array element: 1 and *out (in [min,max]) when
 * given, 2 when absent or null, 0 answered (422). */
int
api_input_int(struct api *a, struct json_object *o, const char *arr, size_t i,
    const char *key, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;
	char field[FIELD_NAME_MAX + 80], msg[200];

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 2;
	str_fmt(field, sizeof(field), "%s[%zu].%s", arr, i, key);
	if (!json_object_is_type(v, json_type_int)) {
		str_fmt(msg, sizeof(msg), "%s must be an integer.", field);
		return api_invalid(a, field, msg) == 0 ? 0 : -1;
	}
	*out = json_object_get_int64(v);
	if (*out < min || *out > max) {
		str_fmt(msg, sizeof(msg), "%s must be between %" PRId64 " and %"
		    PRId64 ".", field, min, max);
		return api_invalid(a, field, msg) == 0 ? 0 : -1;
	}
	return 1;
}

/* A string member: 1 and *out (borrowed), 2 absent/null, 0 answered. */
int
api_input_str(struct api *a, struct json_object *o, const char *arr, size_t i,
    const char *key, size_t maxlen, const char **out)
{
	struct json_object *v;
	char field[FIELD_NAME_MAX + 80], msg[200];
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 2;
	str_fmt(field, sizeof(field), "%s[%zu].%s", arr, i, key);
	if (!json_object_is_type(v, json_type_string)) {
		str_fmt(msg, sizeof(msg), "%s must be a string.", field);
		return api_invalid(a, field, msg) == 0 ? 0 : -1;
	}
	s = json_object_get_string(v);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			str_fmt(msg, sizeof(msg), "%s must be a single line.", field);
			return api_invalid(a, field, msg) == 0 ? 0 : -1;
		}
	if (strlen(s) > maxlen) {
		str_fmt(msg, sizeof(msg), "%s is too long (at most %zu bytes).",
		    field, maxlen);
		return api_invalid(a, field, msg) == 0 ? 0 : -1;
	}
	*out = s;
	return 1;
}

/* The array body field `name`: its element count, or -1 when it is not an
 * array of objects (answered), or -2 when absent. */
int
api_input_array(struct api *a, const char *name, size_t max, struct json_object **arr)
{
	char field[FIELD_NAME_MAX + 80], msg[160];
	size_t n;

	*arr = api_body(a, name);
	if (*arr == NULL)
		return -2;
	n = json_object_array_length(*arr);
	if (n > max) {
		str_fmt(msg, sizeof(msg), "%s may hold at most %zu entries.", name, max);
		api_invalid(a, name, msg);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(*arr, i),
		    json_type_object)) {
			str_fmt(field, sizeof(field), "%s[%zu]", name, i);
			str_fmt(msg, sizeof(msg), "%s must be an object.", field);
			api_invalid(a, field, msg);
			return -1;
		}
	return (int)n;
}
