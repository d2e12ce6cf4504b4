/* Typed Stripe calls used by the payment flows: each builds Stripe's
 * form parameters and goes through stripe_post() / stripe_get(). */
#include "common.h"

#include "kv.h"
#include "str.h"
#include "stripe.h"

#define STRIPE_ID_MAX		255
#define STRIPE_AMOUNT_MAX	INT64_C(99999999)	/* $999,999.99 */

/* Stripe ids go into paths: letters, digits and '_' only. */
static int
id_ok(const char *id)
{
	size_t n;

	if (id == NULL || (n = strlen(id)) == 0 || n > STRIPE_ID_MAX)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int
refuse(struct stripe_result *r, const char *msg)
{
	stripe_result_init(r);
	r->status = STRIPE_ERR_USAGE;
	(void)str_copy(r->message, sizeof(r->message), msg);
	return -1;
}

/* Adds key=val when val is non-NULL and non-empty; failures are sticky. */
static void
param(struct kvlist *l, const char *key, const char *val, int *err)
{
	if (val != NULL && *val != '\0' && kvlist_add(l, key, val) == -1)
		*err = 1;
}

static void
param_i64(struct kvlist *l, const char *key, int64_t v, int *err)
{
	char s[24];

	(void)snprintf(s, sizeof(s), "%" PRId64, v);
	param(l, key, s, err);
}

/* A key of extra (at most a form field name, 128 bytes) with "metadata[]". */
#define PARAM_KEY_MAX	(128 + 16)

/* Copies every pair of extra, as "metadata[key]" when as_metadata. */
static void
param_all(struct kvlist *l, const struct kvlist *extra, int as_metadata,
    int *err)
{
	char key[PARAM_KEY_MAX];
	int rc;

	for (size_t i = 0; extra != NULL && i < extra->n; i++) {
		rc = as_metadata ?
		    str_fmt(key, sizeof(key), "metadata[%s]", extra->v[i].key) :
		    str_copy(key, sizeof(key), extra->v[i].key);
		if (rc == -1 || kvlist_add(l, key, extra->v[i].val) == -1)
			*err = 1;
	}
}

/* Posts l (freed here) unless building it failed. */
static int
post_params(struct stripe_client *c, const char *path, struct kvlist *l,
    int err, const char *idem, struct stripe_result *r)
{
	int rc;

	if (err)
		rc = refuse(r, "out of memory building Stripe parameters");
	else
		rc = stripe_post(c, path, l, idem, r);
	kvlist_free(l);
	return rc;
}

/* "/v1/<collection>/<id><suffix>" */
static int
id_path(char *out, size_t outsz, const char *collection, const char *id,
    const char *suffix)
{
	if (!id_ok(id))
		return -1;
	return str_fmt(out, outsz, "/v1/%s/%s%s", collection, id, suffix);
}

int
stripe_customer_create(struct stripe_client *c, const char *name,
    const char *email, int64_t account_id, const char *idem,
    struct stripe_result *r)
{
	struct kvlist l;
	int err = 0;

	kvlist_init(&l);
	param(&l, "name", name, &err);
	param(&l, "email", email, &err);
	if (account_id > 0)
		param_i64(&l, "metadata[account_id]", account_id, &err);
	return post_params(c, "/v1/customers", &l, err, idem, r);
}

int
stripe_setup_intent_create(struct stripe_client *c, const char *customer,
    const char *pm_type, const char *idem, struct stripe_result *r)
{
	struct kvlist l;
	int err = 0;

	if (!id_ok(customer))
		return refuse(r, "bad Stripe customer id");
	kvlist_init(&l);
	param(&l, "customer", customer, &err);
	param(&l, "payment_method_types[0]", pm_type ? pm_type : "card", &err);
	param(&l, "usage", "off_session", &err);
	return post_params(c, "/v1/setup_intents", &l, err, idem, r);
}

int
stripe_payment_intent_create(struct stripe_client *c,
    const struct stripe_pi_params *p, const char *idem,
    struct stripe_result *r)
{
	struct kvlist l;
	int err = 0;

	if (p->amount_cents < 1 || p->amount_cents > STRIPE_AMOUNT_MAX)
		return refuse(r, "amount out of range");
	if ((p->customer != NULL && !id_ok(p->customer)) ||
	    (p->payment_method != NULL && !id_ok(p->payment_method)))
		return refuse(r, "bad Stripe customer or payment method id");
	if (p->confirm_off_session && p->payment_method == NULL)
		return refuse(r, "an off-session charge needs a payment method");
	kvlist_init(&l);
	param_i64(&l, "amount", p->amount_cents, &err);
	param(&l, "currency", p->currency ? p->currency : "usd", &err);
	param(&l, "customer", p->customer, &err);
	param(&l, "payment_method", p->payment_method, &err);
	param(&l, "payment_method_types[0]", p->payment_method_type ?
	    p->payment_method_type : "card", &err);
	param(&l, "description", p->description, &err);
	if (p->payment_id > 0)
		param_i64(&l, "metadata[payment_id]", p->payment_id, &err);
	if (p->setup_future_usage)
		param(&l, "setup_future_usage", "off_session", &err);
	if (p->confirm_off_session) {
		param(&l, "confirm", "true", &err);
		param(&l, "off_session", "true", &err);
	}
	param_all(&l, p->extra, 0, &err);
	return post_params(c, "/v1/payment_intents", &l, err, idem, r);
}

int
stripe_payment_intent_retrieve(struct stripe_client *c, const char *id,
    struct stripe_result *r)
{
	char path[STRIPE_ID_MAX + 64];

	if (id_path(path, sizeof(path), "payment_intents", id, "") == -1)
		return refuse(r, "bad PaymentIntent id");
	return stripe_get(c, path, NULL, r);
}

int
stripe_payment_intent_cancel(struct stripe_client *c, const char *id,
    const char *idem, struct stripe_result *r)
{
	char path[STRIPE_ID_MAX + 64];

	if (id_path(path, sizeof(path), "payment_intents", id, "/cancel") == -1)
		return refuse(r, "bad PaymentIntent id");
	return stripe_post(c, path, NULL, idem, r);
}

int
stripe_payment_method_detach(struct stripe_client *c, const char *id,
    const char *idem, struct stripe_result *r)
{
	char path[STRIPE_ID_MAX + 64];

	if (id_path(path, sizeof(path), "payment_methods", id, "/detach") == -1)
		return refuse(r, "bad PaymentMethod id");
	return stripe_post(c, path, NULL, idem, r);
}

int
stripe_payment_method_attach(struct stripe_client *c, const char *id,
    const char *customer, const char *idem, struct stripe_result *r)
{
	char path[STRIPE_ID_MAX + 64];
	struct kvlist l;
	int err = 0;

	if (id_path(path, sizeof(path), "payment_methods", id, "/attach") == -1)
		return refuse(r, "bad PaymentMethod id");
	kvlist_init(&l);
	param(&l, "customer", customer, &err);
	return post_params(c, path, &l, err, idem, r);
}

int
stripe_payment_methods_list(struct stripe_client *c, const char *customer,
    const char *type, struct stripe_result *r)
{
	struct kvlist l;
	int err = 0, rc;

	if (!id_ok(customer))
		return refuse(r, "bad Stripe customer id");
	kvlist_init(&l);
	param(&l, "customer", customer, &err);
	param(&l, "type", type ? type : "card", &err);
	param(&l, "limit", "100", &err);
	rc = err ? refuse(r, "out of memory building Stripe parameters")
	    : stripe_get(c, "/v1/payment_methods", &l, r);
	kvlist_free(&l);
	return rc;
}

int
stripe_refund_create(struct stripe_client *c, const char *payment_intent,
    int64_t amount_cents, const char *reason, const struct kvlist *metadata,
    const char *idem, struct stripe_result *r)
{
	struct kvlist l;
	int err = 0;

	if (!id_ok(payment_intent))
		return refuse(r, "bad PaymentIntent id");
	if (amount_cents < 0 || amount_cents > STRIPE_AMOUNT_MAX)
		return refuse(r, "refund amount out of range");
	kvlist_init(&l);
	param(&l, "payment_intent", payment_intent, &err);
	if (amount_cents > 0)
		param_i64(&l, "amount", amount_cents, &err);
	param(&l, "reason", reason, &err);
	param_all(&l, metadata, 1, &err);
	return post_params(c, "/v1/refunds", &l, err, idem, r);
}

int
stripe_event_retrieve(struct stripe_client *c, const char *id,
    struct stripe_result *r)
{
	char path[STRIPE_ID_MAX + 64];

	if (id_path(path, sizeof(path), "events", id, "") == -1)
		return refuse(r, "bad Event id");
	return stripe_get(c, path, NULL, r);
}
