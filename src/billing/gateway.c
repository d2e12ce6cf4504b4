/* The gateway interface over Stripe's REST client: each call makes one
 * request and decodes the answer into the structs of stripe_types.h. */
#include "common.h"

#include "gateway.h"
#include "kv.h"
#include "str.h"
#include "stripe.h"

struct stripe_client *
gateway_client(const struct config *cfg)
{
	static struct stripe_client *client;
	static const struct config *client_cfg;

	/* Another configuration (tests) gets its own client. */
	if (client != NULL && client_cfg != cfg) {
		stripe_client_free(client);
		client = NULL;
	}
	if (client == NULL) {
		client = stripe_client_new(cfg);
		client_cfg = client != NULL ? cfg : NULL;
	}
	return client;
}

/* Ends a call: rc 0 answered, -1 failed, -2 answered with another object
 * than asked for (as unreadable). Fills err from r, frees r. 0 / -1. */
static int
finish(int rc, struct stripe_result *r, struct stripe_error *err)
{
	stripe_error_from_result(r, err);
	if (rc == -2) {
		err->status = STRIPE_ERR_RESPONSE;
		err->uncertain = 1;
		err->reason = STRIPE_REASON_PROCESSING;
		(void)str_copy(err->message, sizeof(err->message),
		    "answer from Stripe is not the object asked for");
	}
	stripe_result_free(r);
	return rc == 0 ? 0 : -1;
}

/* rc of a request whose answer is decoded into out by fn. */
#define DECODED(rc, fn, r, out)						\
	((rc) == 0 ? ((fn)((r).json, (out)) == 0 ? 0 : -2) :		\
	    (memset((out), 0, sizeof(*(out))), -1))

/* "/v1/<collection>/<id>" into path (320 bytes) with the id checked.
 * 0 / -1. */
static int
object_path(const char *collection, const char *id, char *path)
{
	for (const char *p = id; p != NULL && *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			id = NULL;
	if (id == NULL || *id == '\0' || strlen(id) > 255)
		return -1;
	return str_fmt(path, 320, "/v1/%s/%s", collection, id) == -1 ? -1 : 0;
}

/* GET /v1/<collection>/<id> with the id checked. */
static int
retrieve(struct stripe_client *c, const char *collection, const char *id,
    struct stripe_result *r)
{
	char path[320];

	if (object_path(collection, id, path) == -1) {
		stripe_result_init(r);
		r->status = STRIPE_ERR_USAGE;
		return -1;
	}
	return stripe_get(c, path, NULL, r);
}

int
gateway_attempt_create(struct stripe_client *c, const struct gateway_attempt *a,
    const char *key, struct stripe_payment_intent *pi, struct stripe_error *err)
{
	struct stripe_pi_params pp;
	struct stripe_result r;
	int rc;

	memset(&pp, 0, sizeof(pp));
	pp.amount_cents = a->amount;
	pp.customer = a->customer;
	pp.payment_id = a->payment_id;
	pp.description = a->description;
	pp.payment_method_type = a->method_type;
	if (a->payment_method != NULL) {
		pp.payment_method = a->payment_method;
		pp.confirm_off_session = true;
	} else
		pp.setup_future_usage = a->save_method != 0;
	stripe_result_init(&r);
	rc = stripe_payment_intent_create(c, &pp, key, &r);
	return finish(DECODED(rc, stripe_payment_intent_decode, r, pi), &r, err);
}

int
gateway_attempt_retrieve(struct stripe_client *c, const char *id,
    struct stripe_payment_intent *pi, struct stripe_error *err)
{
	struct stripe_result r;
	int rc = retrieve(c, "payment_intents", id, &r);

	return finish(DECODED(rc, stripe_payment_intent_decode, r, pi), &r, err);
}

int
gateway_attempts_retrieve(struct stripe_client *c, const char *const *ids,
    size_t n, struct stripe_payment_intent *pi, int *ok)
{
	char (*paths)[320] = calloc(n ? n : 1, sizeof(*paths));
	const char **pp = calloc(n ? n : 1, sizeof(*pp));
	struct stripe_result *r = calloc(n ? n : 1, sizeof(*r));
	int got = 0;

	for (size_t i = 0; i < n; i++)
		ok[i] = 0;
	if (paths == NULL || pp == NULL || r == NULL)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		/* a bad id asks for a path stripe_get_many refuses */
		if (object_path("payment_intents", ids[i], paths[i]) == -1)
			paths[i][0] = '\0';
		pp[i] = paths[i];
	}
	if (n > 0)
		(void)stripe_get_many(c, pp, n, r);
	for (size_t i = 0; i < n; i++) {
		ok[i] = r[i].status == STRIPE_OK &&
		    stripe_payment_intent_decode(r[i].json, &pi[i]) == 0;
		got += ok[i];
		stripe_result_free(&r[i]);
	}
	free(paths);
	free(pp);
	free(r);
	return got;
}

int
gateway_attempt_cancel(struct stripe_client *c, const char *id, const char *key,
    struct stripe_payment_intent *pi, struct stripe_error *err)
{
	struct stripe_result r;
	int rc = stripe_payment_intent_cancel(c, id, key, &r);

	return finish(DECODED(rc, stripe_payment_intent_decode, r, pi), &r, err);
}

int
gateway_attempt_find(struct stripe_client *c, int64_t payment_id,
    struct stripe_payment_intent *pi, int *found, struct stripe_error *err)
{
	struct stripe_result r;
	struct kvlist q;
	char query[96];
	int rc;

	*found = 0;
	memset(pi, 0, sizeof(*pi));
	kvlist_init(&q);
	(void)str_fmt(query, sizeof(query), "metadata['payment_id']:'%" PRId64 "'",
	    payment_id);
	stripe_result_init(&r);
	if (kvlist_add(&q, "query", query) == -1) {
		kvlist_free(&q);
		r.status = STRIPE_ERR_USAGE;
		return finish(-1, &r, err);
	}
	rc = stripe_get(c, "/v1/payment_intents/search", &q, &r);
	kvlist_free(&q);
	if (rc == 0) {
		rc = stripe_payment_intent_first(r.json, pi);
		*found = rc == 1;
		rc = rc == -1 ? -2 : 0;
	}
	return finish(rc, &r, err);
}

int
gateway_setup_create(struct stripe_client *c, const char *customer,
    const char *method_type, const char *key, struct stripe_setup_intent *si,
    struct stripe_error *err)
{
	struct stripe_result r;
	int rc = stripe_setup_intent_create(c, customer, method_type, key, &r);

	return finish(DECODED(rc, stripe_setup_intent_decode, r, si), &r, err);
}

int
gateway_setup_retrieve(struct stripe_client *c, const char *id,
    struct stripe_setup_intent *si, struct stripe_error *err)
{
	struct stripe_result r;
	int rc = retrieve(c, "setup_intents", id, &r);

	return finish(DECODED(rc, stripe_setup_intent_decode, r, si), &r, err);
}

int
gateway_customer_create(struct stripe_client *c, const char *name,
    int64_t account_id, const char *key, struct stripe_customer *cus,
    struct stripe_error *err)
{
	struct stripe_result r;
	int rc = stripe_customer_create(c, name, NULL, account_id, key, &r);

	return finish(DECODED(rc, stripe_customer_decode, r, cus), &r, err);
}

int
gateway_customer_default_method(struct stripe_client *c, const char *customer,
    const char *pm, const char *key, struct stripe_error *err)
{
	struct stripe_result r;
	struct kvlist l;
	char path[320];
	int rc = -1;

	stripe_result_init(&r);
	r.status = STRIPE_ERR_USAGE;
	kvlist_init(&l);
	if (str_fmt(path, sizeof(path), "/v1/customers/%s", customer) == 0 &&
	    kvlist_add(&l, "invoice_settings[default_payment_method]", pm) == 0)
		rc = stripe_post(c, path, &l, key, &r);
	kvlist_free(&l);
	return finish(rc, &r, err);
}

int
gateway_method_retrieve(struct stripe_client *c, const char *id,
    struct stripe_payment_method *pm, struct stripe_error *err)
{
	struct stripe_result r;
	int rc = retrieve(c, "payment_methods", id, &r);

	return finish(DECODED(rc, stripe_payment_method_decode, r, pm), &r, err);
}

int
gateway_method_attach(struct stripe_client *c, const char *id,
    const char *customer, const char *key, struct stripe_payment_method *pm,
    struct stripe_error *err)
{
	struct stripe_result r;
	int rc = stripe_payment_method_attach(c, id, customer, key, &r);

	return finish(DECODED(rc, stripe_payment_method_decode, r, pm), &r, err);
}

int
gateway_method_detach(struct stripe_client *c, const char *id, const char *key,
    struct stripe_error *err)
{
	struct stripe_result r;
	int rc = stripe_payment_method_detach(c, id, key, &r);

	return finish(rc, &r, err);
}

int
gateway_refund_create(struct stripe_client *c, const char *intent,
    int64_t amount, int64_t refund_id, int64_t payment_id, const char *key,
    struct stripe_refund *re, struct stripe_error *err)
{
	struct stripe_result r;
	struct kvlist meta;
	char rid[24], pid[24];
	int rc = -1;

	(void)str_fmt(rid, sizeof(rid), "%" PRId64, refund_id);
	(void)str_fmt(pid, sizeof(pid), "%" PRId64, payment_id);
	stripe_result_init(&r);
	r.status = STRIPE_ERR_USAGE;
	kvlist_init(&meta);
	if (kvlist_add(&meta, "refund_id", rid) == 0 &&
	    kvlist_add(&meta, "payment_id", pid) == 0)
		rc = stripe_refund_create(c, intent, amount, NULL, &meta, key, &r);
	kvlist_free(&meta);
	return finish(DECODED(rc, stripe_refund_decode, r, re), &r, err);
}

int
gateway_refund_retrieve(struct stripe_client *c, const char *id,
    struct stripe_refund *re, struct stripe_error *err)
{
	struct stripe_result r;
	int rc = retrieve(c, "refunds", id, &r);

	return finish(DECODED(rc, stripe_refund_decode, r, re), &r, err);
}

int
gateway_refunds_of(struct stripe_client *c, const char *intent,
    struct stripe_refund_list *l, struct stripe_error *err)
{
	struct stripe_result r;
	struct kvlist q;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	stripe_result_init(&r);
	r.status = STRIPE_ERR_USAGE;
	kvlist_init(&q);
	if (kvlist_add(&q, "payment_intent", intent) == 0 &&
	    kvlist_add(&q, "limit", "100") == 0)
		rc = stripe_get(c, "/v1/refunds", &q, &r);
	kvlist_free(&q);
	if (rc == 0 && stripe_refund_list_decode(r.json, l) == -1)
		rc = -1;
	return finish(rc, &r, err);
}
