/* Domain objects as JSON for the API. Conventions: money is integer cents
 * in fields named *_cents; dates "YYYY-MM-DD"; instants ISO 8601 UTC
 * ("2024-05-01T13:45:00Z"); absent references and dates are null. */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "catalog.h"
#include "clock.h"
#include "invoice.h"
#include "ledger.h"
#include "payment.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"

static const char *const aging_keys[AGING_BUCKETS] = {
	"current_cents", "days_1_30_cents", "days_31_60_cents",
	"days_61_90_cents", "over_90_cents",
};

static void
put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
put_i64(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
put_bool(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v != 0));
}

/* An id, or null for 0 (no reference). */
static void
put_ref(struct json_object *o, const char *k, int64_t id)
{
	json_object_object_add(o, k, id ? json_object_new_int64(id) : NULL);
}

/* A string, or null when empty (dates, numbers not yet assigned). */
static void
put_opt(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

/* Unix seconds as ISO 8601 UTC, null for 0. */
static void
put_time(struct json_object *o, const char *k, int64_t t)
{
	char s[32];

	if (t == 0 || clock_fmt_datetime(t, s, sizeof(s)) == -1 || strlen(s) != 19) {
		json_object_object_add(o, k, NULL);
		return;
	}
	s[10] = 'T';
	s[19] = 'Z';
	s[20] = '\0';
	put_str(o, k, s);
}

static struct json_object *
aging_obj(const int64_t *aging)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < AGING_BUCKETS; i++)
		put_i64(o, aging_keys[i], aging[i]);
	return o;
}

struct json_object *
json_location(const struct location *l)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", l->id);
	put_str(o, "name", l->name);
	put_str(o, "address", l->address);
	put_bool(o, "active", l->active);
	return o;
}

struct json_object *
json_service(const struct service *s)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", s->id);
	put_str(o, "code", s->code);
	put_str(o, "name", s->name);
	put_i64(o, "default_rate_cents", s->default_rate);
	put_bool(o, "active", s->active);
	return o;
}

struct json_object *
json_payment_type(const struct payment_type *p)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", p->id);
	put_str(o, "code", p->code);
	put_str(o, "name", p->name);
	put_bool(o, "active", p->active);
	return o;
}

struct json_object *
json_balance(const struct balance *b)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "charged_cents", b->charged);
	put_i64(o, "discounts_cents", b->discounts);
	put_i64(o, "adjusted_cents", b->adjusted);
	put_i64(o, "paid_cents", b->paid);
	put_i64(o, "refunded_cents", b->refunded);
	put_i64(o, "balance_cents", b->balance);
	put_i64(o, "due_cents", b->open);
	put_i64(o, "credit_cents", b->credit);
	put_i64(o, "account_credit_cents", b->account_credit);
	return o;
}

struct json_object *
json_account(const struct account *a, const struct balance *b)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", a->id);
	put_str(o, "name", a->name);
	put_opt(o, "email", a->email);
	put_str(o, "phone", a->phone);
	put_str(o, "address1", a->address1);
	put_str(o, "address2", a->address2);
	put_str(o, "city", a->city);
	put_str(o, "region", a->region);
	put_str(o, "postal_code", a->postal_code);
	put_ref(o, "location_id", a->location_id);
	put_time(o, "created_at", a->created_at);
	if (b != NULL)
		json_object_object_add(o, "balance", json_balance(b));
	return o;
}

struct json_object *
json_client(const struct client *cl, const struct balance *b)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", cl->id);
	put_i64(o, "account_id", cl->account_id);
	put_str(o, "account_name", cl->account_name);
	put_str(o, "stage", cl->stage);
	put_str(o, "first_name", cl->first_name);
	put_str(o, "last_name", cl->last_name);
	put_opt(o, "birth_date", cl->birth_date);
	put_str(o, "email", cl->email);
	put_str(o, "phone", cl->phone);
	put_ref(o, "location_id", cl->location_id);
	put_time(o, "converted_at", cl->converted_at);
	put_time(o, "created_at", cl->created_at);
	if (b != NULL)
		json_object_object_add(o, "balance", json_balance(b));
	return o;
}

static struct json_object *
json_invoice_line(const struct invoice_line *l)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", l->id);
	put_ref(o, "service_id", l->service_id);
	put_str(o, "description", l->description);
	put_i64(o, "quantity", l->quantity);
	put_i64(o, "rate_cents", l->rate);
	put_str(o, "discount_kind", (unsigned)l->dk < DISC__MAX ?
	    discount_kind_names[l->dk] : "none");
	put_i64(o, "discount_value", l->dv);
	put_i64(o, "gross_cents", l->gross);
	put_i64(o, "discount_cents", l->discount);
	put_i64(o, "net_cents", l->net);
	return o;
}

struct json_object *
json_invoice(const struct invoice *inv, int with_lines)
{
	struct json_object *o = json_object_new_object(), *lines;

	if (o == NULL)
		return NULL;
	put_i64(o, "id", inv->id);
	put_opt(o, "number", inv->number);
	put_str(o, "status", inv->display_status[0] ? inv->display_status :
	    inv->status);
	put_i64(o, "account_id", inv->account_id);
	put_str(o, "account_name", inv->account_name);
	put_ref(o, "client_id", inv->client_id);
	put_opt(o, "client_name", inv->client_name);
	put_ref(o, "location_id", inv->location_id);
	put_i64(o, "payment_type_id", inv->payment_type_id);
	put_str(o, "payment_type_name", inv->payment_type_name);
	put_str(o, "invoice_date", inv->invoice_date);
	put_str(o, "due_date", inv->due_date);
	if (inv->notes != NULL)	/* lists carry no notes (a TEXT column) */
		put_str(o, "notes", inv->notes);
	put_str(o, "discount_kind", (unsigned)inv->dk < DISC__MAX ?
	    discount_kind_names[inv->dk] : "none");
	put_i64(o, "discount_value", inv->dv);
	put_i64(o, "gross_cents", inv->totals.gross);
	put_i64(o, "line_discounts_cents", inv->totals.line_discounts);
	put_i64(o, "subtotal_cents", inv->totals.subtotal);
	put_i64(o, "discount_cents", inv->totals.discount);
	put_i64(o, "total_cents", inv->total);
	put_i64(o, "paid_cents", inv->paid);
	put_i64(o, "open_cents", inv->open);
	put_opt(o, "void_reason", inv->void_reason);
	put_time(o, "issued_at", inv->issued_at);
	if (!with_lines)
		return o;
	if ((lines = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	for (size_t i = 0; i < inv->nlines; i++)
		json_object_array_add(lines, json_invoice_line(&inv->lines[i]));
	json_object_object_add(o, "lines", lines);
	return o;
}

struct json_object *
json_allocation(const struct allocation *al)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", al->id);
	put_i64(o, "payment_id", al->payment_id);
	put_i64(o, "invoice_id", al->invoice_id);
	put_opt(o, "invoice_number", al->invoice_number);
	put_i64(o, "amount_cents", al->amount);
	put_time(o, "created_at", al->created_at);
	return o;
}

struct json_object *
json_payment(const struct payment *p, const struct allocation *al, size_t nal,
    int with_allocations)
{
	struct json_object *o = json_object_new_object(), *arr;

	if (o == NULL)
		return NULL;
	put_i64(o, "id", p->id);
	put_i64(o, "account_id", p->account_id);
	put_ref(o, "client_id", p->client_id);
	put_str(o, "method", p->method);
	put_i64(o, "amount_cents", p->amount);
	put_str(o, "status", p->status);
	put_str(o, "received_date", p->received_date);
	put_str(o, "reference", p->reference);
	put_str(o, "memo", p->memo);
	put_i64(o, "allocated_cents", p->allocated);
	put_i64(o, "refunded_cents", p->refunded);
	put_i64(o, "unallocated_cents", p->unallocated);
	put_time(o, "created_at", p->created_at);
	if (!with_allocations)
		return o;
	if ((arr = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	for (size_t i = 0; i < nal; i++)
		json_object_array_add(arr, json_allocation(&al[i]));
	json_object_object_add(o, "allocations", arr);
	return o;
}

struct json_object *
json_ledger_entry(const struct ledger_entry *e)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put_i64(o, "id", e->id);
	put_str(o, "kind", e->kind);
	put_i64(o, "amount_cents", e->amount);
	put_str(o, "entry_date", e->entry_date);
	put_i64(o, "account_id", e->account_id);
	put_ref(o, "client_id", e->client_id);
	put_ref(o, "invoice_id", e->invoice_id);
	put_opt(o, "invoice_number", e->invoice_number);
	put_ref(o, "payment_id", e->payment_id);
	put_ref(o, "reverses_id", e->reverses_id);
	put_str(o, "memo", e->memo);
	put_time(o, "created_at", e->created_at);
	return o;
}

static struct json_object *
statement_lines(const struct statement *s)
{
	struct json_object *arr = json_object_new_array(), *l;

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < s->nlines; i++) {
		if ((l = json_object_new_object()) == NULL)
			break;
		put_str(l, "date", s->lines[i].date);
		put_str(l, "kind", s->lines[i].kind);
		put_str(l, "description", s->lines[i].description);
		put_i64(l, "amount_cents", s->lines[i].amount);
		put_i64(l, "running_cents", s->lines[i].running);
		json_object_array_add(arr, l);
	}
	return arr;
}

struct json_object *
json_statement(const struct statement *s, int with_lines)
{
	struct json_object *o = json_object_new_object(), *addr;

	if (o == NULL)
		return NULL;
	put_i64(o, "id", s->id);
	put_str(o, "number", s->number);
	put_i64(o, "account_id", s->account_id);
	put_ref(o, "client_id", s->client_id);
	put_str(o, "account_name", s->account_name);
	put_opt(o, "client_name", s->client_name);
	put_str(o, "period_start", s->period_start);
	put_str(o, "period_end", s->period_end);
	put_str(o, "statement_date", s->statement_date);
	put_str(o, "due_date", s->due_date);
	put_i64(o, "opening_cents", s->opening);
	put_i64(o, "closing_cents", s->closing);
	put_i64(o, "amount_due_cents", s->amount_due);
	if (!with_lines)
		return o;
	put_i64(o, "unapplied_cents", s->unapplied);
	put_i64(o, "account_credit_cents", s->account_credit);
	if ((addr = json_object_new_array()) != NULL) {
		for (size_t i = 0; i < ARRAY_LEN(s->address); i++)
			if (s->address[i][0] != '\0')
				json_object_array_add(addr,
				    json_object_new_string(s->address[i]));
		json_object_object_add(o, "address_lines", addr);
	}
	json_object_object_add(o, "aging", aging_obj(s->aging));
	json_object_object_add(o, "lines", statement_lines(s));
	return o;
}

struct json_object *
json_ar(const struct ar_summary *ar)
{
	struct json_object *o = json_object_new_object(), *top, *r;

	if (o == NULL)
		return NULL;
	put_i64(o, "total_cents", ar->total);
	put_i64(o, "credit_cents", ar->credit);
	put_i64(o, "unapplied_cents", ar->unapplied);
	put_i64(o, "accounts_with_balance", ar->accounts_with_balance);
	json_object_object_add(o, "aging", aging_obj(ar->aging));
	if ((top = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	for (size_t i = 0; i < ar->ntop && i < ARRAY_LEN(ar->top); i++) {
		if ((r = json_object_new_object()) == NULL)
			break;
		put_i64(r, "account_id", ar->top[i].account_id);
		put_str(r, "account_name", ar->top[i].account_name);
		put_i64(r, "balance_cents", ar->top[i].balance);
		json_object_array_add(top, r);
	}
	json_object_object_add(o, "top_balances", top);
	return o;
}
