/* Stripe JSON objects -> the plain structs of stripe_types.h. */
#include "common.h"

#include <json-c/json.h>

#include "str.h"
#include "stripe.h"
#include "stripe_event.h"
#include "stripe_types.h"

/* A string member into dst; "" when absent, not a string or too long. */
static void
field(char *dst, size_t sz, struct json_object *o, const char *path)
{
	const char *s = stripe_obj_str(o, path);

	dst[0] = '\0';
	if (s != NULL && strlen(s) < sz)
		memcpy(dst, s, strlen(s) + 1);
}

/* A non-negative JSON integer, -1 otherwise. */
static int64_t
amount(struct json_object *o, const char *path)
{
	int64_t v;

	return stripe_obj_i64(o, path, &v) == 0 && v >= 0 ? v : -1;
}

/* metadata values are strings in Stripe; ours hold a positive integer. */
static int64_t
meta_id(struct json_object *o, const char *path)
{
	const char *s = stripe_obj_str(o, path);
	int64_t v;

	if (s == NULL || str_to_i64(s, 1, INT64_MAX, &v) == -1)
		return 0;
	return v;
}

/* o is an object with a usable id, and of kind when it says. */
static int
object_ok(struct json_object *o, const char *kind, char *id, size_t idsz)
{
	const char *k;

	id[0] = '\0';
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return 0;
	if ((k = stripe_obj_str(o, "object")) != NULL && strcmp(k, kind) != 0)
		return 0;
	field(id, idsz, o, "id");
	return id[0] != '\0';
}

static void
last_error(struct json_object *o, const char *path, struct stripe_last_error *e)
{
	struct json_object *v = stripe_obj_get(o, path);
	memset(e, 0, sizeof(*e));
	if (v == NULL || !json_object_is_type(v, json_type_object))
		return;
	e->present = 1;
	field(e->type, sizeof(e->type), v, "type");
	field(e->code, sizeof(e->code), v, "code");
	field(e->decline_code, sizeof(e->decline_code), v, "decline_code");
	field(e->message, sizeof(e->message), v, "message");
}

int
stripe_payment_method_decode(struct json_object *o, struct stripe_payment_method *m)
{
	memset(m, 0, sizeof(*m));
	if (!object_ok(o, "payment_method", m->id, sizeof(m->id)))
		return -1;
	field(m->type, sizeof(m->type), o, "type");
	field(m->customer, sizeof(m->customer), o, "customer");
	field(m->card.brand, sizeof(m->card.brand), o, "card.brand");
	field(m->card.last4, sizeof(m->card.last4), o, "card.last4");
	m->card.exp_month = amount(o, "card.exp_month");
	m->card.exp_year = amount(o, "card.exp_year");
	if (m->card.exp_month < 0)
		m->card.exp_month = 0;
	if (m->card.exp_year < 0)
		m->card.exp_year = 0;
	field(m->us_bank_account.bank_name, sizeof(m->us_bank_account.bank_name),
	    o, "us_bank_account.bank_name");
	field(m->us_bank_account.last4, sizeof(m->us_bank_account.last4), o,
	    "us_bank_account.last4");
	return 0;
}

/* payment_method of an intent: an id, or the expanded object. */
static void
intent_method(struct json_object *o, char *id, size_t idsz, int *has,
    struct stripe_payment_method *pm)
{
	struct json_object *v = stripe_obj_get(o, "payment_method");

	*has = 0;
	id[0] = '\0';
	if (v != NULL && json_object_is_type(v, json_type_object)) {
		if (stripe_payment_method_decode(v, pm) == 0) {
			*has = 1;
			(void)str_copy(id, idsz, pm->id);
		}
		return;
	}
	field(id, idsz, o, "payment_method");
}

int
stripe_payment_intent_decode(struct json_object *o, struct stripe_payment_intent *p)
{
	memset(p, 0, sizeof(*p));
	if (!object_ok(o, "payment_intent", p->id, sizeof(p->id)))
		return -1;
	field(p->status, sizeof(p->status), o, "status");
	p->amount = amount(o, "amount");
	p->amount_received = amount(o, "amount_received");
	field(p->currency, sizeof(p->currency), o, "currency");
	field(p->customer, sizeof(p->customer), o, "customer");
	field(p->client_secret, sizeof(p->client_secret), o, "client_secret");
	field(p->cancellation_reason, sizeof(p->cancellation_reason), o,
	    "cancellation_reason");
	p->metadata_payment_id = meta_id(o, "metadata.payment_id");
	intent_method(o, p->payment_method_id, sizeof(p->payment_method_id),
	    &p->has_payment_method, &p->payment_method);
	last_error(o, "last_payment_error", &p->last_payment_error);
	return 0;
}

int
stripe_setup_intent_decode(struct json_object *o, struct stripe_setup_intent *s)
{
	memset(s, 0, sizeof(*s));
	if (!object_ok(o, "setup_intent", s->id, sizeof(s->id)))
		return -1;
	field(s->status, sizeof(s->status), o, "status");
	field(s->customer, sizeof(s->customer), o, "customer");
	field(s->client_secret, sizeof(s->client_secret), o, "client_secret");
	intent_method(o, s->payment_method_id, sizeof(s->payment_method_id),
	    &s->has_payment_method, &s->payment_method);
	last_error(o, "last_setup_error", &s->last_setup_error);
	return 0;
}

int
stripe_customer_decode(struct json_object *o, struct stripe_customer *c)
{
	memset(c, 0, sizeof(*c));
	if (!object_ok(o, "customer", c->id, sizeof(c->id)))
		return -1;
	field(c->email, sizeof(c->email), o, "email");
	return 0;
}

int
stripe_charge_decode(struct json_object *o, struct stripe_charge *c)
{
	memset(c, 0, sizeof(*c));
	if (!object_ok(o, "charge", c->id, sizeof(c->id)))
		return -1;
	field(c->status, sizeof(c->status), o, "status");
	field(c->payment_intent, sizeof(c->payment_intent), o, "payment_intent");
	c->amount = amount(o, "amount");
	c->amount_refunded = amount(o, "amount_refunded");
	field(c->currency, sizeof(c->currency), o, "currency");
	field(c->failure_code, sizeof(c->failure_code), o, "failure_code");
	c->metadata_payment_id = meta_id(o, "metadata.payment_id");
	return 0;
}

int
stripe_refund_decode(struct json_object *o, struct stripe_refund *r)
{
	memset(r, 0, sizeof(*r));
	if (!object_ok(o, "refund", r->id, sizeof(r->id)))
		return -1;
	field(r->status, sizeof(r->status), o, "status");
	r->amount = amount(o, "amount");
	field(r->currency, sizeof(r->currency), o, "currency");
	field(r->payment_intent, sizeof(r->payment_intent), o, "payment_intent");
	field(r->charge, sizeof(r->charge), o, "charge");
	field(r->reason, sizeof(r->reason), o, "reason");
	r->metadata_refund_id = meta_id(o, "metadata.refund_id");
	return 0;
}

int
stripe_dispute_decode(struct json_object *o, struct stripe_dispute *d)
{
	memset(d, 0, sizeof(*d));
	if (!object_ok(o, "dispute", d->id, sizeof(d->id)))
		return -1;
	field(d->status, sizeof(d->status), o, "status");
	field(d->reason, sizeof(d->reason), o, "reason");
	field(d->charge, sizeof(d->charge), o, "charge");
	field(d->payment_intent, sizeof(d->payment_intent), o, "payment_intent");
	d->amount = amount(o, "amount");
	return 0;
}

/* The data array of a list object, or the array itself. */
static struct json_object *
list_data(struct json_object *o)
{
	if (o != NULL && json_object_is_type(o, json_type_object))
		o = stripe_obj_get(o, "data");
	return o != NULL && json_object_is_type(o, json_type_array) ? o : NULL;
}

int
stripe_refund_list_decode(struct json_object *o, struct stripe_refund_list *l)
{
	struct json_object *a = list_data(o);
	size_t n;

	memset(l, 0, sizeof(*l));
	if (a == NULL)
		return -1;
	l->has_more = stripe_obj_bool(o, "has_more") == 1;
	if ((n = json_object_array_length(a)) == 0)
		return 0;
	if ((l->data = calloc(n, sizeof(*l->data))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (stripe_refund_decode(json_object_array_get_idx(a, i),
		    &l->data[l->n]) == 0)
			l->n++;
	return 0;
}

void
stripe_refund_list_free(struct stripe_refund_list *l)
{
	free(l->data);
	memset(l, 0, sizeof(*l));
}

int
stripe_payment_intent_first(struct json_object *o, struct stripe_payment_intent *p)
{
	struct json_object *a = list_data(o);

	memset(p, 0, sizeof(*p));
	if (a == NULL)
		return -1;
	if (json_object_array_length(a) == 0)
		return 0;
	return stripe_payment_intent_decode(json_object_array_get_idx(a, 0), p) == 0 ?
	    1 : -1;
}

int
stripe_result_payment_intent(const struct stripe_result *r,
    struct stripe_payment_intent *p)
{
	if (r->status != STRIPE_OK)
		return (void)memset(p, 0, sizeof(*p)), -1;
	return stripe_payment_intent_decode(r->json, p);
}

void
stripe_error_from_result(const struct stripe_result *r, struct stripe_error *e)
{
	memset(e, 0, sizeof(*e));
	e->status = (int)r->status;
	e->http_status = r->http_status;
	e->uncertain = r->status != STRIPE_OK && stripe_result_uncertain(r);
	e->reason = (int)stripe_result_reason(r);
	(void)str_copy(e->type, sizeof(e->type), r->type);
	(void)str_copy(e->code, sizeof(e->code), r->code);
	(void)str_copy(e->decline_code, sizeof(e->decline_code), r->decline_code);
	(void)str_copy(e->param, sizeof(e->param), r->param);
	(void)str_copy(e->message, sizeof(e->message), r->message);
	(void)str_copy(e->request_id, sizeof(e->request_id), r->request_id);
	if (r->status == STRIPE_ERR_API && stripe_payment_intent_decode(
	    stripe_obj_get(r->json, "error.payment_intent"), &e->payment_intent) == 0)
		e->has_payment_intent = 1;
}

const char *
stripe_error_friendly(const struct stripe_error *e)
{
	return stripe_reason_message((enum stripe_reason)e->reason);
}

enum stripe_reason
stripe_last_error_reason(const struct stripe_last_error *e)
{
	return stripe_reason_from_codes(e->type[0] ? e->type : NULL,
	    e->code[0] ? e->code : NULL, e->decline_code[0] ? e->decline_code : NULL);
}

const char *
stripe_last_error_code(const struct stripe_last_error *e, const char *dflt)
{
	return e->decline_code[0] ? e->decline_code : e->code[0] ? e->code : dflt;
}

/* --- from JSON text ------------------------------------------------------ */

#define PARSE_AS(name, type)						\
int									\
stripe_##name##_parse(const char *s, size_t len, struct type *out)	\
{									\
	struct json_object *o;						\
	int rc;								\
									\
	if (stripe_json_parse(s, len, &o) == -1) {			\
		memset(out, 0, sizeof(*out));				\
		return -1;						\
	}								\
	rc = stripe_##name##_decode(o, out);				\
	json_object_put(o);						\
	return rc;							\
}

PARSE_AS(payment_intent, stripe_payment_intent)
PARSE_AS(setup_intent, stripe_setup_intent)
PARSE_AS(payment_method, stripe_payment_method)
PARSE_AS(customer, stripe_customer)
PARSE_AS(charge, stripe_charge)
PARSE_AS(refund, stripe_refund)
PARSE_AS(refund_list, stripe_refund_list)
PARSE_AS(dispute, stripe_dispute)

int
stripe_error_parse(const char *s, size_t len, long http_status,
    struct stripe_error *e)
{
	struct stripe_result r;

	stripe_result_init(&r);
	(void)stripe_result_parse(&r, http_status, s, len);
	stripe_error_from_result(&r, e);
	stripe_result_free(&r);
	return e->status == STRIPE_ERR_API ? 0 : -1;
}

/* By data.object.object, or (when absent) by the event type's prefix. */
static const struct {
	const char		*name;
	const char		*type_prefix;
	enum stripe_object_kind	 kind;
} object_kinds[] = {
	{ "payment_intent", "payment_intent.", STRIPE_OBJ_PAYMENT_INTENT },
	{ "setup_intent", "setup_intent.", STRIPE_OBJ_SETUP_INTENT },
	{ "payment_method", "payment_method.", STRIPE_OBJ_PAYMENT_METHOD },
	{ "dispute", "charge.dispute.", STRIPE_OBJ_DISPUTE },
	{ "refund", "charge.refund.", STRIPE_OBJ_REFUND },
	{ "refund", "refund.", STRIPE_OBJ_REFUND },
	{ "charge", "charge.", STRIPE_OBJ_CHARGE },
};

/* data.object by its kind; an object that does not decode is OTHER. */
static void
event_object(struct json_object *o, struct stripe_event_info *e)
{
	int rc = -1;

	for (size_t i = 0; i < ARRAY_LEN(object_kinds); i++)
		if (e->object_type[0] != '\0' ?
		    strcmp(object_kinds[i].name, e->object_type) == 0 :
		    str_starts(e->type, object_kinds[i].type_prefix)) {
			e->kind = object_kinds[i].kind;
			break;
		}
	switch (e->kind) {
	case STRIPE_OBJ_PAYMENT_INTENT:
		rc = stripe_payment_intent_decode(o, &e->obj.pi);
		break;
	case STRIPE_OBJ_SETUP_INTENT:
		rc = stripe_setup_intent_decode(o, &e->obj.si);
		break;
	case STRIPE_OBJ_PAYMENT_METHOD:
		rc = stripe_payment_method_decode(o, &e->obj.pm);
		break;
	case STRIPE_OBJ_CHARGE:
		rc = stripe_charge_decode(o, &e->obj.charge);
		break;
	case STRIPE_OBJ_REFUND:
		rc = stripe_refund_decode(o, &e->obj.refund);
		break;
	case STRIPE_OBJ_DISPUTE:
		rc = stripe_dispute_decode(o, &e->obj.dispute);
		break;
	default:
		break;
	}
	if (rc == -1) {
		e->kind = STRIPE_OBJ_OTHER;
		memset(&e->obj, 0, sizeof(e->obj));
	}
}

int
stripe_event_decode(const char *s, size_t len, struct stripe_event_info *e)
{
	struct stripe_event ev;

	memset(e, 0, sizeof(*e));
	if (stripe_event_parse(s, len, &ev) == -1)
		return -1;
	(void)str_copy(e->id, sizeof(e->id), ev.id);
	(void)str_copy(e->type, sizeof(e->type), ev.type);
	(void)str_copy(e->object_id, sizeof(e->object_id), ev.object_id);
	field(e->object_type, sizeof(e->object_type), ev.object, "object");
	e->created = ev.created;
	e->livemode = ev.livemode;
	e->payment_id = ev.payment_id;
	field(e->payment_intent, sizeof(e->payment_intent), ev.object,
	    "payment_intent");
	event_object(ev.object, e);
	if (e->kind == STRIPE_OBJ_PAYMENT_INTENT)
		(void)str_copy(e->payment_intent, sizeof(e->payment_intent),
		    e->obj.pi.id);
	stripe_event_free(&ev);
	return 0;
}
