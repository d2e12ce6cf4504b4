/* API handlers: invoices and their lines. Amounts are integer cents
 * (*_cents); discounts are discount_kind "none" | "percent" (discount_value
 * in basis points, 1000 = 10%) | "fixed" (discount_value in cents). */
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

static const char *const line_keys[] = { "service_id", "description", "quantity",
    "rate_cents", "discount_kind", "discount_value" };

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
	if ((rc = api_input_keys_ok(a, o, "lines", i, line_keys,
	    ARRAY_LEN(line_keys))) != 1)
		return rc;
	if ((rc = api_input_int(a, o, "lines", i, "service_id", 1, INT64_MAX,
	    &l->service_id)) < 1)
		return rc;
	if ((rc = api_input_str(a, o, "lines", i, "description", 500,
	    &desc)) < 1)
		return rc;
	if ((rc = api_input_int(a, o, "lines", i, "quantity", 1,
	    CALC_MAX_QUANTITY, &l->quantity)) < 1)
		return rc;
	if ((rr = api_input_int(a, o, "lines", i, "rate_cents", 0, MONEY_MAX,
	    &l->rate)) < 1)
		return rr;
	if ((rc = api_input_str(a, o, "lines", i, "discount_kind", 16,
	    &dk)) < 1)
		return rc;
	if ((rc = api_input_int(a, o, "lines", i, "discount_value", 0,
	    MONEY_MAX, &l->dv)) < 1)
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

	if ((n = api_input_array(a, "lines", INVOICE_MAX_LINES, &arr)) == -2)
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

/* The invoice with this id: 1, else what the handler returns (the 404
 * answer made, or -1). */
static int
invoice_load(struct api *a, int64_t id, struct invoice *inv)
{
	int rc;

	memset(inv, 0, sizeof(*inv));
	if ((rc = invoice_get(a->db, id, inv)) == INV_NOT_FOUND)
		return api_not_found(a, "invoice");
	if (rc != INV_OK) {
		invoice_free(inv);
		return -1;
	}
	return 1;
}

static int
invoice_send(struct api *a, int64_t id, int status)
{
	struct invoice inv;
	int rc;

	if ((rc = invoice_load(a, id, &inv)) != 1)
		return rc;
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
	api_input_date(a, "invoice_date", inv->invoice_date,
	    sizeof(inv->invoice_date));
	if (inv->invoice_date[0] == '\0' &&
	    api_input_today(inv->invoice_date) == -1)
		return -1;
	api_input_date(a, "due_date", inv->due_date, sizeof(inv->due_date));
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
	if ((rc = api_input_party(a, &inv.account_id, &inv.client_id)) == 1 &&
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
	if ((rc = invoice_load(a, id, &inv)) != 1)
		return rc;
	if (strcmp(inv.status, "draft") != 0)
		rc = api_conflict(a, "invoice_not_draft", "Only draft invoices can "
		    "be changed; adjust an issued invoice instead.", NULL);
	else {
		if (api_has(a, "client_id")) {
			const struct field_value *v = api_in(a, "client_id");
			inv.client_id = v != NULL ? v->i : 0;
		}
		if ((rc = api_input_client_of(a, inv.account_id,
		    inv.client_id)) == 1 &&
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
