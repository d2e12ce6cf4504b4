/* The statement snapshot codec: a stored statement as JSON text, exactly
 * as generated (store_statement.h). The only json-c of the statements. */
#include "common.h"

#include <json-c/json.h>

#include "store_statement.h"
#include "str.h"

#define SNAPSHOT_VERSION	2	/* 2: unapplied, account_credit */

static void
jput_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
jput_i64(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* The lines as a JSON array; NULL on ENOMEM. */
static json_object *
encode_lines(const struct store_statement *st)
{
	json_object *lines = json_object_new_array();

	for (size_t i = 0; lines != NULL && i < st->nlines; i++) {
		const struct store_statement_line *l = &st->lines[i];
		json_object *lo = json_object_new_object();

		if (lo == NULL)
			break;
		jput_str(lo, "date", l->date);
		jput_str(lo, "kind", l->kind);
		jput_str(lo, "description", l->description);
		jput_i64(lo, "amount", l->amount);
		jput_i64(lo, "running", l->running);
		json_object_array_add(lines, lo);
	}
	if (lines != NULL && json_object_array_length(lines) != st->nlines) {
		json_object_put(lines);
		return NULL;
	}
	return lines;
}

char *
store_statement_snapshot_encode(const struct store_statement *st)
{
	json_object *o = json_object_new_object(), *a, *g, *lines;
	const char *text;
	char *out = NULL;

	if (o == NULL)
		return NULL;
	jput_i64(o, "version", SNAPSHOT_VERSION);
	jput_str(o, "number", st->number);
	jput_i64(o, "account_id", st->account_id);
	jput_i64(o, "client_id", st->client_id);
	jput_str(o, "account_name", st->account_name);
	jput_str(o, "client_name", st->client_name);
	a = json_object_new_array();
	for (size_t i = 0; a != NULL && i < ARRAY_LEN(st->address); i++)
		json_object_array_add(a, json_object_new_string(st->address[i]));
	json_object_object_add(o, "address", a);
	jput_str(o, "period_start", st->period_start);
	jput_str(o, "period_end", st->period_end);
	jput_str(o, "statement_date", st->statement_date);
	jput_str(o, "due_date", st->due_date);
	jput_i64(o, "opening", st->opening);
	jput_i64(o, "closing", st->closing);
	jput_i64(o, "amount_due", st->amount_due);
	jput_i64(o, "unapplied", st->unapplied);
	jput_i64(o, "account_credit", st->account_credit);
	g = json_object_new_array();
	for (size_t i = 0; g != NULL && i < STORE_STATEMENT_AGING; i++)
		json_object_array_add(g, json_object_new_int64(st->aging[i]));
	json_object_object_add(o, "aging", g);
	lines = encode_lines(st);
	json_object_object_add(o, "lines", lines);
	if (a != NULL && g != NULL && lines != NULL &&
	    (text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) != NULL)
		out = str_dup(text);
	json_object_put(o);
	return out;
}

static void
jget_str(json_object *o, const char *k, char *out, size_t outsz)
{
	json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string))
		str_copy(out, outsz, json_object_get_string(v));
}

static int64_t
jget_i64(json_object *o, const char *k)
{
	json_object *v;

	if (json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

static int
decode_lines(json_object *arr, struct store_statement *st)
{
	size_t n = json_object_array_length(arr);

	if (n == 0)
		return 0;
	if ((st->lines = calloc(n, sizeof(*st->lines))) == NULL)
		return -1;
	st->nlines = n;
	for (size_t i = 0; i < n; i++) {
		json_object *lo = json_object_array_get_idx(arr, i);
		struct store_statement_line *l = &st->lines[i];

		if (!json_object_is_type(lo, json_type_object))
			return -1;
		jget_str(lo, "date", l->date, sizeof(l->date));
		jget_str(lo, "kind", l->kind, sizeof(l->kind));
		jget_str(lo, "description", l->description, sizeof(l->description));
		l->amount = jget_i64(lo, "amount");
		l->running = jget_i64(lo, "running");
	}
	return 0;
}

/* address and aging: arrays of strings and of integers. */
static void
decode_arrays(json_object *o, struct store_statement *st)
{
	json_object *v;

	if (json_object_object_get_ex(o, "address", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < ARRAY_LEN(st->address) &&
		    i < json_object_array_length(v); i++)
			str_copy(st->address[i], sizeof(st->address[i]),
			    json_object_get_string(json_object_array_get_idx(v, i)));
	if (json_object_object_get_ex(o, "aging", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < STORE_STATEMENT_AGING &&
		    i < json_object_array_length(v); i++)
			st->aging[i] = json_object_get_int64(
			    json_object_array_get_idx(v, i));
}

int
store_statement_snapshot_decode(const char *text, struct store_statement *st)
{
	json_object *o = json_tokener_parse(text), *v;
	int rc = -1;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto done;
	jget_str(o, "number", st->number, sizeof(st->number));
	st->account_id = jget_i64(o, "account_id");
	st->client_id = jget_i64(o, "client_id");
	jget_str(o, "account_name", st->account_name, sizeof(st->account_name));
	jget_str(o, "client_name", st->client_name, sizeof(st->client_name));
	jget_str(o, "period_start", st->period_start, sizeof(st->period_start));
	jget_str(o, "period_end", st->period_end, sizeof(st->period_end));
	jget_str(o, "statement_date", st->statement_date,
	    sizeof(st->statement_date));
	jget_str(o, "due_date", st->due_date, sizeof(st->due_date));
	st->opening = jget_i64(o, "opening");
	st->closing = jget_i64(o, "closing");
	st->amount_due = jget_i64(o, "amount_due");
	decode_arrays(o, st);
	/* Version 1 snapshots did not store the difference: the caller
	 * computes it from what they say. */
	if ((st->has_unapplied = jget_i64(o, "version") >= 2)) {
		st->unapplied = jget_i64(o, "unapplied");
		st->account_credit = jget_i64(o, "account_credit");
	}
	if (!json_object_object_get_ex(o, "lines", &v) ||
	    !json_object_is_type(v, json_type_array))
		goto done;
	rc = decode_lines(v, st);
done:
	json_object_put(o);
	return rc;
}
