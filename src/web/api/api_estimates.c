/* JSON API for estimates: the stateless calculation, creating an estimate,
 * reading one with its status and signatures. Amounts are *_cents. */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "api_estimates.h"
#include "app.h"
#include "clock.h"
#include "estimate.h"
#include "money.h"
#include "payer.h"
#include "str.h"

#define MONEY_FIELD(n) { n, FIELD_INT, 0, 0, 0, MONEY_MAX, NULL, n }

const struct field f_est_calc[NF_EST_CALC] = {
	MONEY_FIELD("deductible_cents"),
	MONEY_FIELD("deductible_met_cents"),
	MONEY_FIELD("family_deductible_cents"),
	MONEY_FIELD("family_deductible_met_cents"),
	{ "coinsurance_bp", FIELD_INT, 0, 0, 0, EST_MAX_BP, NULL, "coinsurance_bp" },
	MONEY_FIELD("copay_cents"),
	MONEY_FIELD("oop_max_cents"),
	MONEY_FIELD("oop_met_cents"),
	MONEY_FIELD("family_oop_max_cents"),
	MONEY_FIELD("family_oop_met_cents"),
	{ "in_network", FIELD_BOOL, 0, 0, 0, 0, NULL, "in_network" },
	{ "self_pay", FIELD_BOOL, 0, 0, 0, 0, NULL, "self_pay" },
	{ "payer_id", FIELD_ID, 0, 0, 0, 0, NULL, "payer_id" },
	{ "lines", FIELD_LINE, 0, 0, 0, 0, NULL, "lines" },	/* array: lines_array() */
};

const struct field f_est_create[NF_EST_CREATE] = {
	{ "client_id", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "client_id" },
	{ "coverage_id", FIELD_ID, 0, 0, 0, 0, NULL, "coverage_id" },
	{ "notes", FIELD_TEXT, 0, 4000, 0, 0, NULL, "notes" },
	{ "valid_until", FIELD_DATE, 0, 0, 0, 0, NULL, "valid_until" },
	{ "gfe_requested", FIELD_BOOL, 0, 0, 0, 0, NULL, "gfe_requested" },
	{ "scheduled_on", FIELD_DATE, 0, 0, 0, 0, NULL, "scheduled_on" },
	{ "diagnosis_codes", FIELD_LINE, 0, 200, 0, 0, NULL, "diagnosis_codes" },
	{ "separate_items", FIELD_TEXT, 0, 2000, 0, 0, NULL, "separate_items" },
	{ "lines", FIELD_LINE, 0, 0, 0, 0, NULL, "lines" },	/* array: lines_array() */
};

/* --- array elements ------------------------------------------------------- */

static int
bad(struct api *a, size_t i, const char *key, const char *what)
{
	char field[80], msg[200];

	str_fmt(field, sizeof(field), "lines[%zu].%s", i, key);
	str_fmt(msg, sizeof(msg), "%s %s.", field, what);
	return api_invalid(a, field, msg) == 0 ? 0 : -1;
}

/* Every key of o must be in allowed. 1 fine, 0 answered. */
static int
keys_ok(struct api *a, struct json_object *o, size_t i,
    const char *const *allowed, size_t n)
{
	json_object_object_foreach(o, key, val) {
		size_t k;
		(void)val;
		for (k = 0; k < n && strcmp(key, allowed[k]) != 0; k++)
			;
		if (k == n)
			return bad(a, i, key, "is not a field of a line");
	}
	return 1;
}

/* Integer member: 1 given (in range), 2 absent, 0 answered. */
static int
elem_int(struct api *a, struct json_object *o, size_t i, const char *key,
    int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;
	char what[100];

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 2;
	if (json_object_is_type(v, json_type_boolean) && min == 0 && max == 1) {
		*out = json_object_get_boolean(v);
		return 1;
	}
	if (!json_object_is_type(v, json_type_int))
		return bad(a, i, key, "must be an integer");
	*out = json_object_get_int64(v);
	if (*out < min || *out > max) {
		str_fmt(what, sizeof(what), "must be between %" PRId64 " and %" PRId64,
		    min, max);
		return bad(a, i, key, what);
	}
	return 1;
}

/* String member (one line, at most max bytes): 1 given, 2 absent, 0 answered. */
static int
elem_str(struct api *a, struct json_object *o, size_t i, const char *key,
    size_t max, char *out, size_t outsz)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 2;
	if (!json_object_is_type(v, json_type_string))
		return bad(a, i, key, "must be a string");
	s = json_object_get_string(v);
	if (strlen(s) > max || strpbrk(s, "\r\n\t") != NULL)
		return bad(a, i, key, "must be one short line");
	str_copy(out, outsz, s);
	return 1;
}

/* The "lines" array: n elements, or -1 answered. */
static int
lines_array(struct api *a, struct json_object **arr)
{
	size_t n;

	*arr = api_body(a, "lines");
	n = *arr ? json_object_array_length(*arr) : 0;
	if (n == 0)
		return api_invalid(a, "lines", "lines must hold at least one line.")
		    == 0 ? -1 : -2;
	if (n > ESTIMATE_MAX_LINES)
		return api_invalid(a, "lines", "lines may hold at most 50 entries.")
		    == 0 ? -1 : -2;
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(*arr, i),
		    json_type_object))
			return bad(a, i, "", "must be an object") == 0 ? -1 : -2;
	return (int)n;
}

/* --- calculate -------------------------------------------------------------- */

static const char *const calc_keys[] = { "rate_cents", "service_id", "quantity",
    "copay_applies", "discount_bp" };

static int64_t
in_i64(struct api *a, const char *name)
{
	const struct field_value *v = api_in(a, name);

	return v != NULL ? v->i : 0;
}

/* A line's rate: rate_cents as given, else from the service. */
static int
calc_rate(struct api *a, size_t i, int64_t service_id, enum est_basis b,
    struct est_line *l, int have_disc)
{
	struct service_pricing p;
	int rc;

	rc = pricing_get(a->db, in_i64(a, "payer_id"), service_id, &p);
	if (rc == PAYER_DB)
		return -1;
	if (rc != PAYER_OK)
		return bad(a, i, "service_id", "names no service");
	l->rate = est_rate_pick(b, p.standard, p.contracted, p.self_pay);
	if (!have_disc && b == EST_SELF_PAY)
		l->discount_bp = p.discount_bp;
	return 1;
}

static int
calc_line(struct api *a, struct json_object *o, size_t i, enum est_basis b,
    struct est_line *l)
{
	int64_t sid = 0, copay = 0;
	int rc, rr = 0, rd = 0;

	memset(l, 0, sizeof(*l));
	l->quantity = 1;
	if ((rc = keys_ok(a, o, i, calc_keys, ARRAY_LEN(calc_keys))) != 1 ||
	    (rr = elem_int(a, o, i, "rate_cents", 0, MONEY_MAX, &l->rate)) < 1 ||
	    (rc = elem_int(a, o, i, "service_id", 1, INT64_MAX, &sid)) < 1 ||
	    (rc = elem_int(a, o, i, "quantity", 1, EST_MAX_QUANTITY,
	    &l->quantity)) < 1 ||
	    (rc = elem_int(a, o, i, "copay_applies", 0, 1, &copay)) < 1 ||
	    (rd = elem_int(a, o, i, "discount_bp", 0, EST_MAX_BP,
	    &l->discount_bp)) < 1)
		return rc < 0 || rr < 0 || rd < 0 ? -1 : 0;
	l->copay_applies = copay != 0;
	if (rr == 1)
		return 1;
	if (sid == 0)
		return bad(a, i, "rate_cents", "or service_id is required");
	return calc_rate(a, i, sid, b, l, rd == 1);
}

static struct json_object *
line_json(const struct est_line *l)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "quantity", json_object_new_int64(l->quantity));
	json_object_object_add(o, "rate_cents", json_object_new_int64(l->rate));
	json_object_object_add(o, "copay_applies",
	    json_object_new_boolean(l->copay_applies));
	json_object_object_add(o, "allowed_cents", json_object_new_int64(l->allowed));
	json_object_object_add(o, "deductible_cents",
	    json_object_new_int64(l->deductible));
	json_object_object_add(o, "coinsurance_cents",
	    json_object_new_int64(l->coinsurance));
	json_object_object_add(o, "copay_cents", json_object_new_int64(l->copay));
	json_object_object_add(o, "discount_cents", json_object_new_int64(l->discount));
	json_object_object_add(o, "patient_cents", json_object_new_int64(l->patient));
	json_object_object_add(o, "insurer_cents", json_object_new_int64(l->insurer));
	return o;
}

static void
totals_json(struct json_object *o, const struct est_totals *t)
{
	json_object_object_add(o, "allowed_total_cents",
	    json_object_new_int64(t->allowed));
	json_object_object_add(o, "patient_total_cents",
	    json_object_new_int64(t->patient));
	json_object_object_add(o, "insurer_total_cents",
	    json_object_new_int64(t->insurer));
}

static void
coverage_from_body(struct api *a, struct est_coverage *c)
{
	const struct field_value *net = api_in(a, "in_network");

	c->in_network = net == NULL || !api_has(a, "in_network") ? 1 : net->i != 0;
	c->deductible = in_i64(a, "deductible_cents");
	c->deductible_met = in_i64(a, "deductible_met_cents");
	c->family_deductible = in_i64(a, "family_deductible_cents");
	c->family_deductible_met = in_i64(a, "family_deductible_met_cents");
	c->coinsurance_bp = in_i64(a, "coinsurance_bp");
	c->copay = in_i64(a, "copay_cents");
	c->oop_max = in_i64(a, "oop_max_cents");
	c->oop_met = in_i64(a, "oop_met_cents");
	c->family_oop_max = in_i64(a, "family_oop_max_cents");
	c->family_oop_met = in_i64(a, "family_oop_met_cents");
}

static int
calc_send(struct api *a, enum est_basis b, struct est_line *l, size_t n,
    const struct est_totals *t)
{
	struct json_object *o = json_object_new_object(), *arr;

	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, line_json(&l[i]));
	json_object_object_add(o, "basis", json_object_new_string(est_basis_names[b]));
	json_object_object_add(o, "lines", arr);
	totals_json(o, t);
	if (b != EST_SELF_PAY) {
		json_object_object_add(o, "deductible_remaining_cents",
		    json_object_new_int64(t->deductible_left));
		json_object_object_add(o, "oop_remaining_cents", t->oop_left < 0 ?
		    NULL : json_object_new_int64(t->oop_left));
	}
	return api_send(a, 200, o);
}

int
api_estimate_calculate(struct api *a)
{
	struct est_coverage cov;
	struct est_totals t;
	struct est_line l[ESTIMATE_MAX_LINES];
	struct json_object *arr;
	enum est_basis b;
	size_t badl;
	int n, rc;

	memset(&cov, 0, sizeof(cov));
	coverage_from_body(a, &cov);
	b = in_i64(a, "self_pay") ? EST_SELF_PAY : cov.in_network ?
	    EST_IN_NETWORK : EST_OUT_OF_NETWORK;
	if ((n = lines_array(a, &arr)) < 0)
		return n == -1 ? 0 : -1;
	for (int i = 0; i < n; i++)
		if ((rc = calc_line(a, json_object_array_get_idx(arr, (size_t)i),
		    (size_t)i, b, &l[i])) != 1)
			return rc;
	rc = b == EST_SELF_PAY ? est_calc_self_pay(l, (size_t)n, &t, &badl) :
	    est_calc(&cov, l, (size_t)n, &t, &badl);
	if (rc == EST_BAD_COVERAGE)
		return api_invalid(a, est_coverage_problem(&cov), est_calc_strerror(rc));
	if (rc != EST_OK)
		return bad(a, badl == SIZE_MAX ? 0 : badl, "quantity",
		    est_calc_strerror(rc));
	return calc_send(a, b, l, (size_t)n, &t);
}

/* --- stored estimates --------------------------------------------------------- */

static void
put_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

static struct json_object *
sig_json(const struct estimate_sig *s, const char *role)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "signer_name", json_object_new_string(s->signer_name));
	json_object_object_add(o, "method", json_object_new_string(s->method));
	json_object_object_add(o, "signed_at", json_object_new_int64(s->signed_at));
	json_object_object_add(o, "content_sha256",
	    json_object_new_string(s->content_hash));
	return o;
}

static struct json_object *
estimate_json(const struct estimate *e)
{
	struct json_object *o = json_object_new_object(), *arr, *sigs;

	json_object_object_add(o, "id", json_object_new_int64(e->id));
	json_object_object_add(o, "root_id", json_object_new_int64(e->root_id));
	json_object_object_add(o, "version", json_object_new_int(e->version));
	json_object_object_add(o, "client_id", json_object_new_int64(e->client_id));
	json_object_object_add(o, "account_id", json_object_new_int64(e->account_id));
	json_object_object_add(o, "status",
	    json_object_new_string(estimate_state_name(e->state)));
	json_object_object_add(o, "basis",
	    json_object_new_string(est_basis_names[e->basis]));
	json_object_object_add(o, "coverage_id", e->coverage_id ?
	    json_object_new_int64(e->coverage_id) : NULL);
	json_object_object_add(o, "good_faith_estimate",
	    json_object_new_boolean(e->gfe));
	put_s(o, "gfe_due_date", e->gfe_due);
	put_s(o, "valid_until", e->valid_until);
	put_s(o, "notes", e->notes);
	put_s(o, "content_sha256", e->content_hash);
	json_object_object_add(o, "invoice_id", e->invoice_id > 0 ?
	    json_object_new_int64(e->invoice_id) : NULL);
	arr = json_object_new_array();
	for (size_t i = 0; i < e->nlines; i++) {
		struct json_object *lo = line_json(&e->lines[i].c);
		json_object_object_add(lo, "service_id", e->lines[i].service_id ?
		    json_object_new_int64(e->lines[i].service_id) : NULL);
		json_object_object_add(lo, "description",
		    json_object_new_string(e->lines[i].description));
		put_s(lo, "service_date", e->lines[i].service_date);
		json_object_array_add(arr, lo);
	}
	json_object_object_add(o, "lines", arr);
	totals_json(o, &e->totals);
	sigs = json_object_new_array();
	if (e->client_sig.present)
		json_object_array_add(sigs, sig_json(&e->client_sig, "client"));
	if (e->staff_sig.present)
		json_object_array_add(sigs, sig_json(&e->staff_sig, "staff"));
	json_object_object_add(o, "signatures", sigs);
	return o;
}

static int
estimate_send_json(struct api *a, int64_t id, int status)
{
	struct estimate e;
	int rc;

	if ((rc = estimate_get(a->db, id, &e)) == EST_S_NOT_FOUND)
		return api_not_found(a, "estimate");
	if (rc != EST_S_OK)
		return -1;
	rc = api_send(a, status, estimate_json(&e));
	estimate_free(&e);
	return rc;
}

int
api_estimate_get(struct api *a)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "estimate");
	return estimate_send_json(a, id, 200);
}

static const char *const create_keys[] = { "service_id", "quantity",
    "service_date", "diagnosis_code", "description" };

static int
create_line(struct api *a, struct json_object *o, size_t i,
    struct estimate_line *l)
{
	int64_t d;
	int rc;

	l->c.quantity = 1;
	if ((rc = keys_ok(a, o, i, create_keys, ARRAY_LEN(create_keys))) != 1 ||
	    (rc = elem_int(a, o, i, "service_id", 1, INT64_MAX,
	    &l->service_id)) < 1 ||
	    (rc = elem_int(a, o, i, "quantity", 1, EST_MAX_QUANTITY,
	    &l->c.quantity)) < 1 ||
	    (rc = elem_str(a, o, i, "service_date", 10, l->service_date,
	    sizeof(l->service_date))) < 1 ||
	    (rc = elem_str(a, o, i, "diagnosis_code", 16, l->diagnosis_code,
	    sizeof(l->diagnosis_code))) < 1 ||
	    (rc = elem_str(a, o, i, "description", 500, l->description,
	    sizeof(l->description))) < 1)
		return rc < 0 ? -1 : 0;
	if (l->service_id == 0)
		return bad(a, i, "service_id", "is required");
	if (l->service_date[0] && date_parse(l->service_date, &d) == -1)
		return bad(a, i, "service_date", "must be a date YYYY-MM-DD");
	return 1;
}

static void
create_header(struct api *a, struct estimate *e)
{
	const struct field_value *v;

	e->client_id = in_i64(a, "client_id");
	e->coverage_id = in_i64(a, "coverage_id");
	if ((v = api_in(a, "notes")) != NULL)
		str_copy(e->notes, sizeof(e->notes), v->s);
	if ((v = api_in(a, "valid_until")) != NULL)
		str_copy(e->valid_until, sizeof(e->valid_until), v->s);
	if ((v = api_in(a, "scheduled_on")) != NULL)
		str_copy(e->scheduled_on, sizeof(e->scheduled_on), v->s);
	if ((v = api_in(a, "diagnosis_codes")) != NULL)
		str_copy(e->diagnosis_codes, sizeof(e->diagnosis_codes), v->s);
	if ((v = api_in(a, "separate_items")) != NULL)
		str_copy(e->separate_items, sizeof(e->separate_items), v->s);
	e->gfe_requested = in_i64(a, "gfe_requested") != 0;
}

int
api_estimate_create(struct api *a)
{
	struct estimate e;
	struct json_object *arr;
	char msg[200] = "", field[60] = "";
	int n, rc = 1;

	memset(&e, 0, sizeof(e));
	create_header(a, &e);
	if ((n = lines_array(a, &arr)) < 0)
		return n == -1 ? 0 : -1;
	if ((e.lines = calloc((size_t)n, sizeof(*e.lines))) == NULL)
		return -1;
	e.nlines = (size_t)n;
	for (int i = 0; i < n && rc == 1; i++)
		rc = create_line(a, json_object_array_get_idx(arr, (size_t)i),
		    (size_t)i, &e.lines[i]);
	if (rc == 1) {
		rc = estimate_save(a->db, api_actor(a), &e, msg, sizeof(msg), field,
		    sizeof(field));
		if (rc == EST_S_INVALID)
			rc = api_invalid(a, field[0] ? field : NULL, msg) == 0 ? 0 : -1;
		else if (rc == EST_S_OK)
			rc = estimate_send_json(a, e.id, 201);
	} else
		rc = rc == 0 ? 0 : -1;
	estimate_free(&e);
	return rc;
}
