/* Webhook event extraction (see stripe_event.h). */
#include "common.h"

#include <json-c/json.h>

#include "str.h"
#include "stripe.h"
#include "stripe_event.h"

/* metadata values are strings in Stripe; ours hold a positive integer. */
static int64_t
event_payment_id(struct json_object *obj)
{
	const char *s = stripe_obj_str(obj, "metadata.payment_id");
	int64_t v;

	if (s == NULL || str_to_i64(s, 1, INT64_MAX, &v) == -1)
		return 0;
	return v;
}

static void
event_optional(struct stripe_event *e)
{
	struct json_object *o = e->object;
	int64_t v;

	e->created = stripe_obj_i64(e->root, "created", &v) == 0 ? v : -1;
	e->livemode = stripe_obj_bool(e->root, "livemode");
	e->object_type = stripe_obj_str(o, "object");
	e->status = stripe_obj_str(o, "status");
	e->amount = stripe_obj_i64(o, "amount", &v) == 0 && v >= 0 ? v : -1;
	e->amount_refunded = stripe_obj_i64(o, "amount_refunded", &v) == 0 &&
	    v >= 0 ? v : -1;
	e->payment_intent = stripe_obj_str(o, "payment_intent");
	e->payment_id = event_payment_id(o);
	e->failure_code = stripe_obj_str(o, "last_payment_error.code");
	if (e->failure_code == NULL)
		e->failure_code = stripe_obj_str(o, "failure_code");
	e->decline_code = stripe_obj_str(o, "last_payment_error.decline_code");
}

/* Non-empty and short enough for the columns that will hold it. */
static int
event_text_ok(const char *s, size_t max)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= max;
}

int
stripe_event_parse(const char *body, size_t len, struct stripe_event *out)
{
	struct stripe_event e;

	memset(&e, 0, sizeof(e));
	memset(out, 0, sizeof(*out));
	if (len > STRIPE_EVENT_MAX ||
	    stripe_json_parse(body, len, &e.root) == -1)
		return -1;
	e.id = stripe_obj_str(e.root, "id");
	e.type = stripe_obj_str(e.root, "type");
	e.object = stripe_obj_get(e.root, "data.object");
	if (!event_text_ok(e.id, STRIPE_EVENT_ID_MAX) ||
	    !str_starts(e.id, "evt_") || e.id[4] == '\0' ||
	    !event_text_ok(e.type, STRIPE_EVENT_ID_MAX) || e.object == NULL ||
	    !json_object_is_type(e.object, json_type_object))
		goto fail;
	e.object_id = stripe_obj_str(e.object, "id");
	if (!event_text_ok(e.object_id, STRIPE_EVENT_ID_MAX))
		goto fail;
	event_optional(&e);
	*out = e;
	return 0;
fail:
	json_object_put(e.root);
	return -1;
}

void
stripe_event_free(struct stripe_event *e)
{
	if (e->root != NULL)
		json_object_put(e->root);
	memset(e, 0, sizeof(*e));
}
