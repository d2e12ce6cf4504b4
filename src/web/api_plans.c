/* JSON API: payment plans. POST /api/v1/payment-plans (the plan with its
 * schedule), GET /api/v1/payment-plans/:id, POST .../pause|resume|cancel.
 * Documented in docs/openapi.yaml. The rules live in src/billing/plan*.c. */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "app.h"
#include "clock.h"
#include "money.h"
#include "plan.h"
#include "str.h"

/* The fields of each route are in api.c's table (f_plan_create,
 * f_plan_act). */

/* --- JSON -------------------------------------------------------------------- */

static void
add_date(struct json_object *o, const char *k, int64_t days)
{
	char d[11];

	date_fmt(days, d, sizeof(d));
	json_object_object_add(o, k, json_object_new_string(d));
}

static struct json_object *
json_installment(const struct plan_installment *t)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "number", json_object_new_int(t->number));
	add_date(o, "due_date", t->due);
	json_object_object_add(o, "amount_cents", json_object_new_int64(t->amount));
	json_object_object_add(o, "status", json_object_new_string(
	    plan_inst_names[t->state]));
	json_object_object_add(o, "payment_id", t->payment_id ?
	    json_object_new_int64(t->payment_id) : NULL);
	return o;
}

static struct json_object *
json_plan(const struct plan *p)
{
	struct json_object *o = json_object_new_object(), *inv, *inst;
	const struct plan_terms *t = &p->terms;

	if (o == NULL || (inv = json_object_new_array()) == NULL)
		return json_object_put(o), NULL;
	if ((inst = json_object_new_array()) == NULL)
		return json_object_put(o), json_object_put(inv), NULL;
	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "account_id", json_object_new_int64(p->account_id));
	json_object_object_add(o, "client_id", p->client_id ?
	    json_object_new_int64(p->client_id) : NULL);
	json_object_object_add(o, "status", json_object_new_string(
	    plan_state_names[p->state]));
	json_object_object_add(o, "version", json_object_new_int(p->version));
	json_object_object_add(o, "total_cents", json_object_new_int64(p->paid +
	    p->remaining));
	json_object_object_add(o, "paid_cents", json_object_new_int64(p->paid));
	json_object_object_add(o, "remaining_cents", json_object_new_int64(p->remaining));
	json_object_object_add(o, "down_payment_cents", json_object_new_int64(t->down));
	json_object_object_add(o, "installment_count", json_object_new_int64(t->count));
	json_object_object_add(o, "installment_cents", json_object_new_int64(t->amount));
	json_object_object_add(o, "frequency", json_object_new_string(
	    plan_freq_names[t->freq]));
	json_object_object_add(o, "day_of_month", json_object_new_int(t->day));
	add_date(o, "start_date", t->start);
	json_object_object_add(o, "payment_method_id", p->method_id ?
	    json_object_new_int64(p->method_id) : NULL);
	json_object_object_add(o, "autopay", json_object_new_boolean(p->autopay));
	for (size_t i = 0; i < p->ninv; i++)
		json_object_array_add(inv, json_object_new_int64(p->inv[i].id));
	json_object_object_add(o, "invoice_ids", inv);
	for (size_t i = 0; i < p->ninst; i++)
		json_object_array_add(inst, json_installment(&p->inst[i]));
	json_object_object_add(o, "installments", inst);
	return o;
}

static int
send_plan(struct api *a, int64_t id, int status)
{
	struct plan p;
	struct json_object *o;
	int rc = plan_get(a->db, id, 0, &p);

	if (rc == PLAN_NOT_FOUND)
		return api_not_found(a, "payment plan");
	if (rc != PLAN_OK)
		return -1;
	o = json_plan(&p);
	plan_free(&p);
	return o ? api_send(a, status, o) : -1;
}

/* A domain refusal as JSON: 404 (not this key's / no such), 409 (status),
 * 422 naming the field. */
static int
plan_refusal(struct api *a, int rc, const struct plan_err *e)
{
	if (rc == PLAN_DB)
		return -1;
	if (rc == PLAN_NOT_FOUND)
		return api_error(a->c, 404, "not_found", e->msg[0] ? e->msg :
		    "No such payment plan.", e->field[0] ? e->field : NULL) == 0 ? 0 : -1;
	if (rc == PLAN_STATE)
		return api_conflict(a, "invalid_state", e->msg, e->field);
	return api_invalid(a, e->field, e->msg);
}

/* --- handlers -------------------------------------------------------------------- */

/* invoice_ids: an array of positive integers. 1 / 0 answered. */
static int
take_ids(struct api *a, int64_t *ids, size_t max, size_t *n)
{
	struct json_object *arr = api_body(a, "invoice_ids");
	size_t len;

	*n = 0;
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return 1;
	if ((len = json_object_array_length(arr)) > max)
		return api_invalid(a, "invoice_ids", "invoice_ids may hold at most 50 "
		    "invoices.") == 0 ? 0 : -1;
	for (size_t i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) <= 0)
			return api_invalid(a, "invoice_ids", "invoice_ids must be "
			    "invoice ids (positive integers).") == 0 ? 0 : -1;
		ids[(*n)++] = json_object_get_int64(v);
	}
	return 1;
}

static int64_t
in_i(struct api *a, const char *name)
{
	const struct field_value *v = api_in(a, name);

	return v ? v->i : 0;
}

static const char *
in_s(struct api *a, const char *name)
{
	const struct field_value *v = api_in(a, name);

	return v ? v->s : "";
}

int
api_plan_create(struct api *a)
{
	int64_t ids[PLAN_MAX_INVOICES], id = 0;
	struct plan_err e = { "", "" };
	enum plan_freq f = PLAN_FREQ_MONTHLY;
	struct plan_req q;
	size_t n = 0;
	int rc;

	if ((rc = take_ids(a, ids, ARRAY_LEN(ids), &n)) != 1)
		return rc;
	memset(&q, 0, sizeof(q));
	q.account_id = in_i(a, "account_id");
	q.client_id = in_i(a, "client_id");
	q.invoice_ids = ids;
	q.ninv = n;
	q.amount = in_i(a, "amount_cents");
	q.terms.down = in_i(a, "down_payment_cents");
	q.terms.count = in_i(a, "installments");
	q.terms.amount = in_i(a, "installment_cents");
	(void)plan_freq_parse(in_s(a, "frequency"), &f);
	q.terms.freq = f;
	q.terms.day = (int)in_i(a, "day_of_month");
	(void)date_parse(in_s(a, "start_date"), &q.terms.start);
	q.down_received = in_i(a, "down_payment_received") != 0;
	q.down_method = in_s(a, "down_payment_method");
	q.method_id = in_i(a, "payment_method_id");
	q.autopay = in_i(a, "autopay") != 0;
	q.override_reason = in_s(a, "override_reason");
	rc = plan_create(a->db, api_actor(a), &q, &id, &e);
	if (rc != PLAN_OK)
		return plan_refusal(a, rc, &e);
	return send_plan(a, id, 201);
}

int
api_plan_get(struct api *a)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "payment plan");
	return send_plan(a, id, 200);
}

int
api_plan_act(struct api *a)
{
	const char *path = a->c->req.path ? a->c->req.path : "";
	const char *tail = strrchr(path, '/');
	struct plan_err e = { "", "" };
	enum plan_action act = PLAN_CANCEL;
	struct plan_env env = { a->db, a->c->app->tc, &a->c->app->cfg, api_actor(a) };
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "payment plan");
	for (int i = 0; tail && i < PLAN_ACTION__MAX; i++)
		if (strcmp(tail + 1, plan_action_names[i]) == 0)
			act = (enum plan_action)i;
	rc = plan_act(&env, id, act, in_s(a, "reason"), &e);
	if (rc != PLAN_OK)
		return plan_refusal(a, rc, &e);
	return send_plan(a, id, 200);
}
