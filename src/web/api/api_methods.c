/* JSON API: an account's saved payment methods.
 *   GET  /api/v1/accounts/:id/payment-methods   the active methods
 *   POST /api/v1/accounts/:id/payment-methods   attach a Stripe
 *        PaymentMethod (pm_...) collected by the integrator's own
 *        Stripe.js, with its consent -> the saved method (201)
 * Documented in docs/openapi.yaml. The rules: billing/stripe_pay_attach.c. */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "app.h"
#include "plan.h"
#include "profiles.h"
#include "str.h"
#include "stripe_pay.h"

static struct json_object *
json_method(const struct sp_method *m)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(m->id));
	json_object_object_add(o, "account_id", json_object_new_int64(m->account_id));
	json_object_object_add(o, "stripe_payment_method_id",
	    json_object_new_string(m->stripe_pm_id));
	json_object_object_add(o, "kind", json_object_new_string(m->kind));
	json_object_object_add(o, "brand", json_object_new_string(m->brand));
	json_object_object_add(o, "last4", json_object_new_string(m->last4));
	json_object_object_add(o, "exp_month", m->exp_month ?
	    json_object_new_int(m->exp_month) : NULL);
	json_object_object_add(o, "exp_year", m->exp_year ?
	    json_object_new_int(m->exp_year) : NULL);
	json_object_object_add(o, "is_default", json_object_new_boolean(m->is_default));
	json_object_object_add(o, "created_at", json_object_new_int64(m->created_at));
	return o;
}

static struct json_object *
json_consent(const struct sp_consent *c)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(c->id));
	json_object_object_add(o, "scope", json_object_new_string(c->scope));
	json_object_object_add(o, "max_amount_cents", c->max_amount ?
	    json_object_new_int64(c->max_amount) : NULL);
	json_object_object_add(o, "plan_id", c->plan_id ?
	    json_object_new_int64(c->plan_id) : NULL);
	json_object_object_add(o, "text_version",
	    json_object_new_string(c->text_version));
	json_object_object_add(o, "signer_name", json_object_new_string(c->signer_name));
	json_object_object_add(o, "signed_at", json_object_new_int64(c->signed_at));
	return o;
}

/* 1 the account exists, 0 answered 404, -1 error. */
static int
account_ok(struct api *a, int64_t *id)
{
	struct account acc;
	int rc;

	if (api_path_id(a, id) == -1)
		return api_not_found(a, "account") == 0 ? 0 : -1;
	if ((rc = account_get(a->db, *id, &acc)) == PROF_NOT_FOUND)
		return api_not_found(a, "account") == 0 ? 0 : -1;
	return rc == PROF_OK ? 1 : -1;
}

int
api_methods_list(struct api *a)
{
	struct sp_method *m = NULL;
	struct json_object *arr;
	size_t n = 0;
	int64_t id;
	int rc;

	if ((rc = account_ok(a, &id)) != 1)
		return rc;
	if (stripe_pay_methods(a->db, id, &m, &n) != SP_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_method(&m[i]));
	free(m);
	return api_send_page(a, arr, 0, 0);
}

static const char *
in_s(struct api *a, const char *name)
{
	const struct field_value *v = api_in(a, name);

	return v ? v->s : NULL;
}

static int64_t
in_i(struct api *a, const char *name)
{
	const struct field_value *v = api_in(a, name);

	return v ? v->i : 0;
}

/* The method with its consent, 201. */
static int
send_attached(struct api *a, int64_t account_id, int64_t method_id,
    int64_t consent_id)
{
	struct json_object *o;
	struct sp_method m;
	struct sp_consent *cs;

	if (stripe_pay_method_get(a->db, method_id, &m) != SP_OK ||
	    (cs = calloc(1, sizeof(*cs))) == NULL)
		return -1;
	if (stripe_pay_consent_get(a->db, account_id, consent_id, cs) != SP_OK) {
		free(cs);
		return -1;
	}
	if ((o = json_method(&m)) != NULL)
		json_object_object_add(o, "consent", json_consent(cs));
	free(cs);
	return o ? api_send(a, 201, o) : -1;
}

int
api_method_attach(struct api *a)
{
	struct sp_consent_req q;
	struct actor act = *api_actor(a);
	struct sp sp = { a->db, NULL, &a->c->app->cfg, &act };
	struct plan p;
	char msg[300] = "";
	int64_t id, mid = 0, cid = 0;
	int rc;

	if ((rc = account_ok(a, &id)) != 1)
		return rc;
	memset(&q, 0, sizeof(q));
	q.scope = in_s(a, "consent_scope");
	q.max_amount = in_i(a, "consent_max_amount_cents");
	q.plan_id = in_i(a, "consent_plan_id");
	q.text_version = in_s(a, "consent_text_version");
	q.signer_name = in_s(a, "consent_signer_name");
	q.ip = act.ip;
	q.user_agent = a->c->req.user_agent ? a->c->req.user_agent : "";
	if (q.plan_id > 0) {
		if ((rc = plan_get(a->db, q.plan_id, id, &p)) == PLAN_NOT_FOUND)
			return api_error(a->c, 404, "not_found", "No such payment plan "
			    "on this account.", "consent_plan_id") == 0 ? 0 : -1;
		if (rc != PLAN_OK)
			return -1;
		plan_free(&p);
	}
	if ((sp.stripe = stripe_pay_client(&a->c->app->cfg)) == NULL)
		return -1;
	rc = stripe_pay_method_attach(&sp, id, in_s(a, "stripe_payment_method_id"),
	    &q, &mid, &cid, msg, sizeof(msg));
	if (rc == SP_OK)
		return send_attached(a, id, mid, cid);
	if (rc == SP_DB)
		return -1;
	if (rc == SP_NOT_FOUND)
		return api_error(a->c, 404, "not_found", msg,
		    "stripe_payment_method_id") == 0 ? 0 : -1;
	if (rc == SP_STRIPE)
		return api_error(a->c, 502, "stripe_error", msg, NULL) == 0 ? 0 : -1;
	return api_invalid(a, strstr(msg, "PaymentMethod") ?
	    "stripe_payment_method_id" : strstr(msg, "name") ? "consent_signer_name" :
	    strstr(msg, "version") ? "consent_text_version" : strstr(msg, "amount") ?
	    "consent_max_amount_cents" : strstr(msg, "plan") ? "consent_plan_id" :
	    "consent_scope", msg);
}
