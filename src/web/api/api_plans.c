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
#include "profiles.h"
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

/* key (invoice_ids, add_invoice_ids): an array of positive integers.
 * 1 / 0 answered. */
static int
take_ids(struct api *a, const char *key, int64_t *ids, size_t max, size_t *n)
{
	struct json_object *arr = api_body(a, key);
	size_t len;

	*n = 0;
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return 1;
	if ((len = json_object_array_length(arr)) > max)
		return api_invalid(a, key, "At most 50 invoices.") == 0 ? 0 : -1;
	for (size_t i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) <= 0)
			return api_invalid(a, key, "Give invoice ids (positive "
			    "integers).") == 0 ? 0 : -1;
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

	if ((rc = take_ids(a, "invoice_ids", ids, ARRAY_LEN(ids), &n)) != 1)
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
	struct plan_env env = { a->db, a->c->app->i18n, &a->c->app->cfg, api_actor(a) };
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

/* PATCH: the terms not given stay as they are; the unpaid rest is laid out
 * again from start_date (default: the next installment's date, or today),
 * a new version, exactly as the staff edit (plan_edit_terms). */
static void
patch_terms(struct api *a, const struct plan *p, struct plan_edit *ed)
{
	const struct field_value *f;

	ed->terms = p->terms;
	if ((f = api_in(a, "installments")) != NULL) {
		ed->terms.count = f->i;
		ed->terms.amount = 0;
	}
	if ((f = api_in(a, "installment_cents")) != NULL) {
		ed->terms.amount = f->i;
		ed->terms.count = api_in(a, "installments") ? ed->terms.count : 0;
	}
	if ((f = api_in(a, "frequency")) != NULL)
		(void)plan_freq_parse(f->s, &ed->terms.freq);
	if ((f = api_in(a, "day_of_month")) != NULL)
		ed->terms.day = (int)f->i;
	ed->terms.start = p->next_due > 0 ? p->next_due : date_today();
	if ((f = api_in(a, "start_date")) != NULL)
		(void)date_parse(f->s, &ed->terms.start);
	ed->method_id = api_cleared(a, "payment_method_id") ? 0 :
	    api_in(a, "payment_method_id") ? in_i(a, "payment_method_id") :
	    p->method_id;
	ed->autopay = api_has(a, "autopay") ? in_i(a, "autopay") != 0 : p->autopay;
	ed->override_reason = in_s(a, "override_reason");
}

int
api_plan_update(struct api *a)
{
	int64_t id, ids[PLAN_MAX_INVOICES];
	struct plan_err e = { "", "" };
	struct plan_env env = { a->db, a->c->app->i18n, &a->c->app->cfg, api_actor(a) };
	struct plan_edit ed;
	struct plan p;
	size_t n = 0;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "payment plan");
	if ((rc = take_ids(a, "add_invoice_ids", ids, ARRAY_LEN(ids), &n)) != 1)
		return rc;
	if ((rc = plan_get(a->db, id, 0, &p)) == PLAN_NOT_FOUND)
		return api_not_found(a, "payment plan");
	if (rc != PLAN_OK)
		return -1;
	memset(&ed, 0, sizeof(ed));
	patch_terms(a, &p, &ed);
	plan_free(&p);
	ed.add_invoice_ids = ids;
	ed.nadd = n;
	if (ed.terms.amount > 0 && ed.terms.count > 0)
		return api_invalid(a, "installments", "Give installments or "
		    "installment_cents, not both.");
	rc = plan_edit_terms(&env, id, &ed, &e);
	if (strcmp(e.field, "invoice_ids") == 0)
		str_copy(e.field, sizeof(e.field), "add_invoice_ids");
	if (rc != PLAN_OK)
		return plan_refusal(a, rc, &e);
	return send_plan(a, id, 200);
}

/* GET /api/v1/payment-plans?account_id= (required; optional client_id):
 * the account's plans, newest first. */
int
api_plans_list(struct api *a)
{
	int64_t account = in_i(a, "account_id"), client = in_i(a, "client_id");
	struct json_object *arr;
	struct plan *ps = NULL;
	size_t n = 0;
	struct account acct;
	int rc;

	if ((rc = account_get(a->db, account, &acct)) == PROF_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != PROF_OK)
		return -1;
	if (plan_list(a->db, account, client, 0, &ps, &n) != PLAN_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_plan(&ps[i]));
	for (size_t i = 0; i < n; i++)
		plan_free(&ps[i]);
	free(ps);
	return api_send_page(a, arr, 0, 0);
}
