/* API handlers: payments, allocations, the ledger, statements and the A/R
 * summary. Amounts are integer cents (*_cents). */
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

static const char *const alloc_keys[] = { "invoice_id", "amount_cents" };

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
	if ((n = api_input_array(a, "allocations", INVOICE_MAX_LINES, &arr)) == -2)
		return 1;
	*given = 1;
	if (n < 0)
		return 0;
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; rc == 1 && i < (size_t)n; i++) {
		o = json_object_array_get_idx(arr, i);
		str_fmt(field, sizeof(field), "allocations[%zu].invoice_id", i);
		if ((rc = api_input_keys_ok(a, o, "allocations", i, alloc_keys,
		    ARRAY_LEN(alloc_keys))) != 1)
			break;
		rc = api_input_int(a, o, "allocations", i, "invoice_id", 1, INT64_MAX,
		    &v[i].invoice_id);
		if (rc == 1)
			rc = api_input_int(a, o, "allocations", i, "amount_cents", 1,
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
	if ((rc = api_input_party(a, &p.account_id, &p.client_id)) != 1 ||
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
	api_input_date(a, "received_date", p.received_date, sizeof(p.received_date));
	if (p.received_date[0] == '\0' && api_input_today(p.received_date) == -1) {
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
	if ((rc = api_input_client_of(a, account_id, client_id)) != 1)
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
