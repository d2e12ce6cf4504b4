/* API handlers: invoices, payments, allocations, the ledger, statements and
 * the A/R summary. Amounts are integer cents (*_cents); discounts are
 * discount_kind "none" | "percent" (discount_value in basis points, 1000 =
 * 10%) | "fixed" (discount_value in cents). */
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

#define INVOICE_DUE_DAYS	30	/* default due date: invoice date + 30 days */
#define FIELD_NAME_MAX		64

static const char *const line_keys[] = { "service_id", "description", "quantity",
    "rate_cents", "discount_kind", "discount_value" };
static const char *const alloc_keys[] = { "invoice_id", "amount_cents" };

/* --- shared helpers --------------------------------------------------------- */

static int
today(char out[11])
{
	return date_fmt(date_today(), out, 11);
}

/* An optional date field into dst (kept when absent). */
static void
take_date(struct api *a, const char *name, char *dst, size_t dstsz)
{
	const struct field_value *v = api_in(a, name);

	if (v != NULL)
		str_copy(dst, dstsz, v->s);
}

/* The paying party of a new invoice/payment: account_id and/or client_id
 * (the client's account when only client_id is given). 1 fine, 0 answered,
 * -1 error. */
static int
party(struct api *a, int64_t *account_id, int64_t *client_id)
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
static int
client_of(struct api *a, int64_t account_id, int64_t client_id)
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
static int
keys_ok(struct api *a, struct json_object *o, const char *arr, size_t i,
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
static int
elem_int(struct api *a, struct json_object *o, const char *arr, size_t i,
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
static int
elem_str(struct api *a, struct json_object *o, const char *arr, size_t i,
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
static int
body_array(struct api *a, const char *name, size_t max, struct json_object **arr)
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

/* --- invoice lines ------------------------------------------------------ */

/* Fills a service line's defaults (description, rate). 1 / 0 answered / -1. */
static int
line_service(struct api *a, size_t i, struct invoice_line *l, int have_desc,
    int have_rate)
{
	struct service s;
	char field[80];
	int rc;

	if ((rc = service_get(a->db, l->service_id, &s)) == CAT_NOT_FOUND) {
		str_fmt(field, sizeof(field), "lines[%zu].service_id", i);
		return api_invalid(a, field, "service_id: no such service.") == 0 ? 0 : -1;
	}
	if (rc != CAT_OK)
		return -1;
	if (!have_desc)
		str_copy(l->description, sizeof(l->description), s.name);
	if (!have_rate)
		l->rate = s.default_rate;
	return 1;
}

/* One line from its JSON object. 1 / 0 answered / -1. */
static int
line_parse(struct api *a, struct json_object *o, size_t i, struct invoice_line *l)
{
	const char *desc = NULL, *dk = NULL;
	char field[80], msg[160];
	int rc, rr;

	memset(l, 0, sizeof(*l));
	l->quantity = 1;
	if ((rc = keys_ok(a, o, "lines", i, line_keys, ARRAY_LEN(line_keys))) != 1)
		return rc;
	if ((rc = elem_int(a, o, "lines", i, "service_id", 1, INT64_MAX,
	    &l->service_id)) < 1)
		return rc;
	if ((rc = elem_str(a, o, "lines", i, "description", 500, &desc)) < 1)
		return rc;
	if ((rc = elem_int(a, o, "lines", i, "quantity", 1, CALC_MAX_QUANTITY,
	    &l->quantity)) < 1)
		return rc;
	if ((rr = elem_int(a, o, "lines", i, "rate_cents", 0, MONEY_MAX,
	    &l->rate)) < 1)
		return rr;
	if ((rc = elem_str(a, o, "lines", i, "discount_kind", 16, &dk)) < 1)
		return rc;
	if ((rc = elem_int(a, o, "lines", i, "discount_value", 0, MONEY_MAX,
	    &l->dv)) < 1)
		return rc;
	str_fmt(field, sizeof(field), "lines[%zu].discount_kind", i);
	if (dk != NULL && discount_kind_parse(dk, &l->dk) == -1)
		return api_invalid(a, field, "discount_kind must be one of: none, "
		    "percent, fixed.") == 0 ? 0 : -1;
	if (l->dk == DISC_NONE)
		l->dv = 0;
	if (desc != NULL)
		str_copy(l->description, sizeof(l->description), desc);
	if (l->service_id != 0)
		return line_service(a, i, l, desc != NULL && *desc, rr == 1);
	str_fmt(field, sizeof(field), "lines[%zu].%s", i, desc == NULL || !*desc ?
	    "description" : "rate_cents");
	if (desc == NULL || !*desc || rr != 1) {
		str_fmt(msg, sizeof(msg), "%s is required for a line without a "
		    "service_id.", field);
		return api_invalid(a, field, msg) == 0 ? 0 : -1;
	}
	return 1;
}

/* Reads body "lines" into inv (replacing its lines). 1 / 0 answered / -1. */
static int
lines_take(struct api *a, struct invoice *inv)
{
	struct json_object *arr;
	struct invoice_line *v = NULL;
	int n, rc = 1;

	if ((n = body_array(a, "lines", INVOICE_MAX_LINES, &arr)) == -2)
		return 1;
	if (n < 0)
		return 0;
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return -1;
	for (int i = 0; i < n && rc == 1; i++)
		rc = line_parse(a, json_object_array_get_idx(arr, (size_t)i),
		    (size_t)i, &v[i]);
	if (rc != 1) {
		free(v);
		return rc;
	}
	free(inv->lines);
	inv->lines = v;
	inv->nlines = (size_t)n;
	return 1;
}

/* The amounts must compute (calc.h), reported on the field at fault. */
static int
amounts_ok(struct api *a, const struct invoice *inv)
{
	struct calc_line *cl = NULL;
	struct calc_invoice ci;
	size_t bad = SIZE_MAX;
	char field[80], msg[200];
	int rc;

	if (inv->nlines > 0 && (cl = calloc(inv->nlines, sizeof(*cl))) == NULL)
		return -1;
	for (size_t i = 0; i < inv->nlines; i++) {
		cl[i].quantity = inv->lines[i].quantity;
		cl[i].rate = inv->lines[i].rate;
		cl[i].dk = inv->lines[i].dk;
		cl[i].dv = inv->lines[i].dv;
	}
	memset(&ci, 0, sizeof(ci));
	ci.dk = inv->dk;
	ci.dv = inv->dv;
	rc = calc_invoice(cl, inv->nlines, &ci, &bad);
	free(cl);
	if (rc == CALC_OK)
		return 1;
	if (bad < inv->nlines)
		str_fmt(field, sizeof(field), "lines[%zu].%s", bad,
		    rc == CALC_BAD_QUANTITY ? "quantity" : rc == CALC_BAD_RATE ?
		    "rate_cents" : "discount_value");
	else
		str_copy(field, sizeof(field), "discount_value");
	str_fmt(msg, sizeof(msg), "%s: %s.", field, calc_strerror(rc));
	return api_invalid(a, field, msg) == 0 ? 0 : -1;
}

/* --- invoices ----------------------------------------------------------- */

static int
invoice_send(struct api *a, int64_t id, int status)
{
	struct invoice inv;
	int rc;

	memset(&inv, 0, sizeof(inv));
	if ((rc = invoice_get(a->db, id, &inv)) == INV_NOT_FOUND)
		return api_not_found(a, "invoice");
	if (rc != INV_OK) {
		invoice_free(&inv);
		return -1;
	}
	rc = api_send(a, status, json_invoice(&inv, 1));
	invoice_free(&inv);
	return rc;
}

int
api_invoices_list(struct api *a)
{
	const struct field_value *st = api_in(a, "status");
	struct invoice_filter f;
	struct invoice *v = NULL;
	struct json_object *arr;
	size_t n = 0;
	int more = 0, rc;
	const struct field_value *x;

	memset(&f, 0, sizeof(f));
	f.account_id = (x = api_in(a, "account_id")) ? x->i : 0;
	f.client_id = (x = api_in(a, "client_id")) ? x->i : 0;
	f.location_id = (x = api_in(a, "location_id")) ? x->i : 0;
	f.status = st != NULL ? st->s : NULL;
	f.before_id = api_cursor(a);
	f.limit = api_limit(a);
	if (invoice_list(a->db, &f, &v, &n, &more) != INV_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_invoice(&v[i], 0));
	rc = api_send_page(a, arr, more, n ? v[n - 1].id : 0);
	for (size_t i = 0; i < n; i++)
		invoice_free(&v[i]);
	free(v);
	return rc;
}

int
api_invoice_get(struct api *a)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "invoice");
	return invoice_send(a, id, 200);
}

/* payment_type_id: given (must exist) or the first active type. */
static int
payment_type_take(struct api *a, int64_t *id)
{
	const struct field_value *v = api_in(a, "payment_type_id");
	struct payment_type pt, *all = NULL;
	size_t n = 0;
	int rc;

	if (v == NULL && *id != 0)
		return 1;
	if (v == NULL) {
		if (payment_type_list(a->db, 1, &all, &n) != CAT_OK)
			return -1;
		*id = n > 0 ? all[0].id : 0;
		free(all);
		if (*id == 0)
			return api_invalid(a, "payment_type_id", "payment_type_id is "
			    "required (no active payment type exists).") == 0 ? 0 : -1;
		return 1;
	}
	if ((rc = payment_type_get(a->db, v->i, &pt)) == CAT_NOT_FOUND)
		return api_invalid(a, "payment_type_id", "payment_type_id: no such "
		    "payment type.") == 0 ? 0 : -1;
	if (rc != CAT_OK)
		return -1;
	*id = v->i;
	return 1;
}

/* Applies the body's header fields and lines to inv. 1 / 0 answered / -1. */
static int
invoice_take(struct api *a, struct invoice *inv)
{
	const struct field_value *v;
	int64_t days;
	int rc;

	if (api_has(a, "location_id"))
		inv->location_id = (v = api_in(a, "location_id")) ? v->i : 0;
	if ((rc = api_location_ok(a, inv->location_id)) != 1 ||
	    (rc = payment_type_take(a, &inv->payment_type_id)) != 1)
		return rc;
	take_date(a, "invoice_date", inv->invoice_date, sizeof(inv->invoice_date));
	if (inv->invoice_date[0] == '\0' && today(inv->invoice_date) == -1)
		return -1;
	take_date(a, "due_date", inv->due_date, sizeof(inv->due_date));
	if (inv->due_date[0] == '\0' && (date_parse(inv->invoice_date, &days) == -1 ||
	    date_fmt(days + INVOICE_DUE_DAYS, inv->due_date, sizeof(inv->due_date)) == -1))
		return -1;
	if (strcmp(inv->due_date, inv->invoice_date) < 0)
		return api_invalid(a, "due_date", "due_date must not be before "
		    "invoice_date.") == 0 ? 0 : -1;
	if (api_has(a, "notes")) {
		free(inv->notes);
		v = app_field(a->c, "notes");
		if ((inv->notes = str_dup(v != NULL ? v->s : "")) == NULL)
			return -1;
	}
	if ((v = api_in(a, "discount_kind")) != NULL)
		inv->dk = (enum discount_kind)v->i;
	if (api_has(a, "discount_value"))
		inv->dv = (v = api_in(a, "discount_value")) ? v->i : 0;
	if (inv->dk == DISC_NONE)
		inv->dv = 0;
	if ((rc = lines_take(a, inv)) != 1)
		return rc;
	return amounts_ok(a, inv);
}

/* Saves the draft and answers with it. */
static int
invoice_store(struct api *a, struct invoice *inv, int status)
{
	char msg[200] = "";
	int rc = invoice_save_draft(a->db, api_actor(a), inv, msg, sizeof(msg));

	switch (rc) {
	case INV_OK:
		return invoice_send(a, inv->id, status);
	case INV_NOT_FOUND:
		return api_not_found(a, "invoice");
	case INV_NOT_DRAFT:
		return api_conflict(a, "invoice_not_draft", "Only draft invoices can "
		    "be changed; adjust an issued invoice instead.", NULL);
	case INV_INVALID:
		return api_invalid(a, NULL, msg[0] ? msg : "The invoice is not valid.");
	default:
		return -1;
	}
}

int
api_invoice_create(struct api *a)
{
	struct invoice inv;
	int rc;

	memset(&inv, 0, sizeof(inv));
	if ((rc = party(a, &inv.account_id, &inv.client_id)) == 1 &&
	    (rc = invoice_take(a, &inv)) == 1)
		rc = invoice_store(a, &inv, 201);
	invoice_free(&inv);
	return rc;
}

int
api_invoice_update(struct api *a)
{
	struct invoice inv;
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "invoice");
	memset(&inv, 0, sizeof(inv));
	if ((rc = invoice_get(a->db, id, &inv)) == INV_NOT_FOUND)
		return api_not_found(a, "invoice");
	if (rc != INV_OK) {
		invoice_free(&inv);
		return -1;
	}
	if (strcmp(inv.status, "draft") != 0)
		rc = api_conflict(a, "invoice_not_draft", "Only draft invoices can "
		    "be changed; adjust an issued invoice instead.", NULL);
	else {
		if (api_has(a, "client_id")) {
			const struct field_value *v = api_in(a, "client_id");
			inv.client_id = v != NULL ? v->i : 0;
		}
		if ((rc = client_of(a, inv.account_id, inv.client_id)) == 1 &&
		    (rc = invoice_take(a, &inv)) == 1)
			rc = invoice_store(a, &inv, 200);
	}
	invoice_free(&inv);
	return rc;
}

/* Answers a state error of issue/void/adjust; -1 for db errors. */
static int
invoice_state_error(struct api *a, int rc, const char *msg)
{
	switch (rc) {
	case INV_NOT_FOUND:
		return api_not_found(a, "invoice");
	case INV_NOT_DRAFT:
		return api_conflict(a, "invoice_not_draft", "The invoice is not a "
		    "draft.", NULL);
	case INV_EMPTY:
		return api_invalid(a, "lines", "An invoice needs at least one line "
		    "to be issued.");
	case INV_INVALID:
		return api_invalid(a, NULL, msg && *msg ? msg : "The request is not "
		    "valid for this invoice.");
	case INV_ALREADY_VOID:
		return api_conflict(a, "invoice_void", "The invoice is void.", NULL);
	case INV_NOT_ISSUED:
		return api_conflict(a, "invoice_not_issued", "The invoice has not "
		    "been issued.", NULL);
	default:
		return -1;
	}
}

int
api_invoice_issue(struct api *a)
{
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "invoice");
	if ((rc = invoice_issue(a->db, api_actor(a), id)) != INV_OK)
		return invoice_state_error(a, rc, NULL);
	return invoice_send(a, id, 200);
}

int
api_invoice_void(struct api *a)
{
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "invoice");
	rc = invoice_void(a->db, api_actor(a), id, api_in(a, "reason")->s);
	if (rc != INV_OK)
		return invoice_state_error(a, rc, NULL);
	return invoice_send(a, id, 200);
}

int
api_invoice_adjust(struct api *a)
{
	const struct field_value *amt = api_in(a, "amount_cents");
	const struct field_value *memo = app_field(a->c, "memo");
	int writeoff = (int)app_field(a->c, "writeoff")->i;
	char msg[200] = "";
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "invoice");
	if (amt->i == 0)
		return api_invalid(a, "amount_cents", "amount_cents must not be 0.");
	if (writeoff && amt->i < 0)
		return api_invalid(a, "amount_cents", "A write-off amount_cents must "
		    "be positive (it reduces what is owed).");
	rc = invoice_adjust(a->db, api_actor(a), id, writeoff, amt->i,
	    memo != NULL ? memo->s : "", msg, sizeof(msg));
	if (rc == INV_INVALID)
		return api_invalid(a, "amount_cents", msg[0] ? msg :
		    "The adjustment is not valid for this invoice.");
	if (rc != INV_OK)
		return invoice_state_error(a, rc, msg);
	return invoice_send(a, id, 200);
}

/* --- payments and allocations -------------------------------------------- */

static int
payment_send(struct api *a, int64_t id, int status)
{
	struct payment p;
	struct allocation *al = NULL;
	size_t n = 0;
	int rc;

	if ((rc = payment_get(a->db, id, &p)) == PAY_NOT_FOUND)
		return api_not_found(a, "payment");
	if (rc != PAY_OK || allocation_list(a->db, id, 0, &al, &n) != PAY_OK) {
		free(al);
		return -1;
	}
	rc = api_send(a, status, json_payment(&p, al, n, 1));
	free(al);
	return rc;
}

int
api_payments_list(struct api *a)
{
	struct payment_filter f;
	struct payment *v = NULL;
	struct json_object *arr;
	const struct field_value *x;
	size_t n = 0;
	int more = 0, rc;

	memset(&f, 0, sizeof(f));
	f.account_id = (x = api_in(a, "account_id")) ? x->i : 0;
	f.client_id = (x = api_in(a, "client_id")) ? x->i : 0;
	f.before_id = api_cursor(a);
	f.limit = api_limit(a);
	if (payment_list(a->db, &f, &v, &n, &more) != PAY_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_payment(&v[i], NULL, 0, 0));
	rc = api_send_page(a, arr, more, n ? v[n - 1].id : 0);
	free(v);
	return rc;
}

int
api_payment_get(struct api *a)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "payment");
	return payment_send(a, id, 200);
}

/* Answers a payment/allocation refusal; -1 for db errors. */
static int
payment_error(struct api *a, int rc, const char *msg, const char *field)
{
	switch (rc) {
	case PAY_NOT_FOUND:
		return api_not_found(a, "payment");
	case PAY_INVALID:
		return api_invalid(a, field, msg && *msg ? msg : "The payment is not valid.");
	case PAY_OVER_PAYMENT:
		return api_conflict(a, "exceeds_unallocated", "The amount is more than "
		    "the payment's unallocated amount.", field);
	case PAY_OVER_INVOICE:
		return api_conflict(a, "exceeds_open_amount", "The amount is more than "
		    "the invoice's open amount.", field);
	default:
		return -1;
	}
}

/* An invoice id that must exist: 1 / 0 answered / -1. */
static int
invoice_exists(struct api *a, int64_t id, const char *field)
{
	struct invoice inv;
	int rc;

	memset(&inv, 0, sizeof(inv));
	rc = invoice_get(a->db, id, &inv);
	invoice_free(&inv);
	if (rc == INV_NOT_FOUND)
		return api_invalid(a, field, "invoice_id: no such invoice.") == 0 ? 0 : -1;
	return rc == INV_OK ? 1 : -1;
}

/* Body "allocations" into *out and *nout (caller frees *out). 1 / 0 answered / -1. */
static int
allocations_take(struct api *a, struct alloc_req **out, size_t *nout, int *given)
{
	struct json_object *arr, *o;
	struct alloc_req *v = NULL;
	char field[80];
	int n, rc = 1;

	*out = NULL;
	*nout = 0;
	if ((n = body_array(a, "allocations", INVOICE_MAX_LINES, &arr)) == -2)
		return 1;
	*given = 1;
	if (n < 0)
		return 0;
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; rc == 1 && i < (size_t)n; i++) {
		o = json_object_array_get_idx(arr, i);
		str_fmt(field, sizeof(field), "allocations[%zu].invoice_id", i);
		if ((rc = keys_ok(a, o, "allocations", i, alloc_keys,
		    ARRAY_LEN(alloc_keys))) != 1)
			break;
		rc = elem_int(a, o, "allocations", i, "invoice_id", 1, INT64_MAX,
		    &v[i].invoice_id);
		if (rc == 1)
			rc = elem_int(a, o, "allocations", i, "amount_cents", 1,
			    MONEY_MAX, &v[i].amount);
		if (rc == 2) {
			str_fmt(field, sizeof(field), "allocations[%zu]", i);
			rc = api_invalid(a, field, "Each allocation needs invoice_id and "
			    "amount_cents.") == 0 ? 0 : -1;
		}
		if (rc == 1)
			rc = invoice_exists(a, v[i].invoice_id, field);
	}
	if (rc != 1) {
		free(v);
		return rc;
	}
	*out = v;
	*nout = (size_t)n;
	return 1;
}

int
api_payment_create(struct api *a)
{
	const struct field_value *mode = api_in(a, "allocate"), *v;
	struct payment p;
	struct alloc_req *al = NULL;
	size_t nal = 0;
	char msg[200] = "";
	int rc, given = 0, autoalloc;

	memset(&p, 0, sizeof(p));
	if ((rc = party(a, &p.account_id, &p.client_id)) != 1 ||
	    (rc = allocations_take(a, &al, &nal, &given)) != 1)
		return rc;
	if (given && mode != NULL && strcmp(mode->s, "auto") == 0) {
		free(al);
		return api_invalid(a, "allocate", "Give either allocate: \"auto\" or "
		    "an allocations list, not both.");
	}
	autoalloc = !given && (mode == NULL || strcmp(mode->s, "auto") == 0);
	str_copy(p.method, sizeof(p.method), api_in(a, "method")->s);
	p.amount = api_in(a, "amount_cents")->i;
	take_date(a, "received_date", p.received_date, sizeof(p.received_date));
	if (p.received_date[0] == '\0' && today(p.received_date) == -1) {
		free(al);
		return -1;
	}
	if ((v = api_in(a, "reference")) != NULL)
		str_copy(p.reference, sizeof(p.reference), v->s);
	if ((v = api_in(a, "memo")) != NULL)
		str_copy(p.memo, sizeof(p.memo), v->s);
	rc = payment_record(a->db, api_actor(a), &p, autoalloc, al, nal, msg,
	    sizeof(msg));
	free(al);
	if (rc != PAY_OK)
		return payment_error(a, rc, msg, rc == PAY_INVALID ? NULL : "allocations");
	return payment_send(a, p.id, 201);
}

int
api_allocation_create(struct api *a)
{
	const struct field_value *inv = api_in(a, "invoice_id");
	const struct field_value *amt = api_in(a, "amount_cents");
	struct payment p;
	char msg[200] = "";
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "payment");
	if ((rc = payment_get(a->db, id, &p)) == PAY_NOT_FOUND)
		return api_not_found(a, "payment");
	if (rc != PAY_OK)
		return -1;
	if ((rc = invoice_exists(a, inv->i, "invoice_id")) != 1)
		return rc;
	rc = payment_allocate(a->db, api_actor(a), id, inv->i, amt->i, msg,
	    sizeof(msg));
	if (rc != PAY_OK)
		return payment_error(a, rc, msg, "amount_cents");
	return payment_send(a, id, 201);
}

/* --- ledger ---------------------------------------------------------------- */

/* The one object the ledger query names must exist: 1 / 0 answered / -1. */
static int
ledger_target_ok(struct api *a, const struct ledger_filter *f)
{
	struct account acc;
	struct client cl;
	int rc;

	if (f->account_id) {
		if ((rc = account_get(a->db, f->account_id, &acc)) == PROF_NOT_FOUND)
			return api_not_found(a, "account");
		return rc == PROF_OK ? 1 : -1;
	}
	if (f->client_id) {
		if ((rc = client_get(a->db, f->client_id, &cl)) == PROF_NOT_FOUND)
			return api_not_found(a, "client");
		return rc == PROF_OK ? 1 : -1;
	}
	{
		struct invoice inv;

		memset(&inv, 0, sizeof(inv));
		rc = invoice_get(a->db, f->invoice_id, &inv);
		invoice_free(&inv);
		if (rc == INV_NOT_FOUND)
			return api_not_found(a, "invoice");
		return rc == INV_OK ? 1 : -1;
	}
}

int
api_ledger_list(struct api *a)
{
	struct ledger_filter f;
	struct ledger_entry *v = NULL;
	struct json_object *arr;
	const struct field_value *x, *from = api_in(a, "from"), *to = api_in(a, "to");
	size_t n = 0;
	int more = 0, rc;

	memset(&f, 0, sizeof(f));
	f.account_id = (x = api_in(a, "account_id")) ? x->i : 0;
	f.client_id = (x = api_in(a, "client_id")) ? x->i : 0;
	f.invoice_id = (x = api_in(a, "invoice_id")) ? x->i : 0;
	if ((f.account_id != 0) + (f.client_id != 0) + (f.invoice_id != 0) != 1)
		return api_error(a->c, 400, "invalid_parameter", "Give exactly one of "
		    "account_id, client_id or invoice_id.", "account_id");
	f.from = from != NULL ? from->s : NULL;
	f.to = to != NULL ? to->s : NULL;
	f.before_id = api_cursor(a);
	f.limit = api_limit(a);
	if ((rc = ledger_target_ok(a, &f)) != 1)
		return rc;
	if (ledger_list(a->db, &f, &v, &n, &more) != 0)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_ledger_entry(&v[i]));
	rc = api_send_page(a, arr, more, n ? v[n - 1].id : 0);
	free(v);
	return rc;
}

/* --- statements and A/R ----------------------------------------------------- */

int
api_statements_list(struct api *a)
{
	struct statement *v = NULL;
	struct json_object *arr;
	struct account acc;
	int64_t id, last = 0, cursor = api_cursor(a);
	size_t n = 0, limit = api_limit(a), shown = 0;
	int rc, more = 0;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "account");
	if ((rc = account_get(a->db, id, &acc)) == PROF_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != PROF_OK || statement_list(a->db, id, &v, &n) != ST_OK)
		return -1;
	/* Newest first; the cursor is the last id shown. */
	arr = json_object_new_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		if (cursor != 0 && v[i].id >= cursor)
			continue;
		if (shown == limit) {
			more = 1;
			break;
		}
		json_object_array_add(arr, json_statement(&v[i], 0));
		last = v[i].id;
		shown++;
	}
	rc = api_send_page(a, arr, more, last);
	for (size_t i = 0; i < n; i++)
		statement_free(&v[i]);
	free(v);
	return rc;
}

static int
statement_send(struct api *a, int64_t id, int status)
{
	struct statement s;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = statement_get(a->db, id, &s)) == ST_NOT_FOUND)
		return api_not_found(a, "statement");
	if (rc != ST_OK) {
		statement_free(&s);
		return -1;
	}
	rc = api_send(a, status, json_statement(&s, 1));
	statement_free(&s);
	return rc;
}

int
api_statement_generate(struct api *a)
{
	const struct field_value *cv = api_in(a, "client_id");
	const char *from = api_in(a, "from")->s, *to = api_in(a, "to")->s;
	struct account acc;
	int64_t account_id, client_id = cv != NULL ? cv->i : 0, sid = 0;
	int rc;

	if (api_path_id(a, &account_id) == -1)
		return api_not_found(a, "account");
	if ((rc = account_get(a->db, account_id, &acc)) == PROF_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != PROF_OK)
		return -1;
	if ((rc = client_of(a, account_id, client_id)) != 1)
		return rc;
	if (strcmp(from, to) > 0)
		return api_invalid(a, "to", "to must not be before from.");
	rc = statement_generate(a->db, api_actor(a), account_id, client_id, from,
	    to, 0, &sid);
	if (rc == ST_INVALID)
		return api_invalid(a, "to", "The statement period is not valid.");
	if (rc == ST_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != ST_OK)
		return -1;
	return statement_send(a, sid, 201);
}

int
api_statement_get(struct api *a)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "statement");
	return statement_send(a, id, 200);
}

int
api_ar_get(struct api *a)
{
	const struct field_value *loc = api_in(a, "location_id");
	struct ar_summary ar;

	memset(&ar, 0, sizeof(ar));
	if (ar_summary(a->db, loc != NULL ? loc->i : 0, &ar) != ST_OK)
		return -1;
	return api_send(a, 200, json_ar(&ar));
}
