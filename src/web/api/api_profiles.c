/* API handlers: locations, services, payment types, accounts, clients and
 * inquiries. Creates answer 201 with the object, updates (PATCH: only the
 * named fields change; null or "" clears an optional one) 200. */
#include "common.h"

#include <json-c/json.h>

#include "api.h"
#include "app.h"
#include "catalog.h"
#include "ledger.h"
#include "profiles.h"
#include "str.h"

/* --- input helpers --------------------------------------------------------- */

/* Copies a named text field (PATCH semantics: untouched when absent). */
static void
take_text(struct api *a, const char *name, char *dst, size_t dstsz)
{
	const struct field_value *v = app_field(a->c, name);

	if (api_has(a, name) && v != NULL)
		str_copy(dst, dstsz, v->s);
}

/* A reference field: untouched when absent, 0 when cleared. */
static void
take_id(struct api *a, const char *name, int64_t *dst)
{
	const struct field_value *v;

	if (!api_has(a, name))
		return;
	v = api_in(a, name);
	*dst = v != NULL ? v->i : 0;
}

static void
take_bool(struct api *a, const char *name, int *dst)
{
	const struct field_value *v = app_field(a->c, name);

	if (api_has(a, name) && !api_cleared(a, name) && v != NULL)
		*dst = (int)v->i;
}

/* A required text field named in a PATCH must not be emptied. 1 fine, 0 answered. */
static int
not_emptied(struct api *a, const char *name)
{
	char msg[96];

	if (!api_cleared(a, name))
		return 1;
	str_fmt(msg, sizeof(msg), "%s must not be empty.", name);
	return api_invalid(a, name, msg) == 0 ? 0 : -1;
}

int
api_location_ok(struct api *a, int64_t id)
{
	struct location l;
	int rc;

	if (id == 0)
		return 1;
	if ((rc = location_get(a->db, id, &l)) == CAT_OK)
		return 1;
	if (rc == CAT_NOT_FOUND)
		return api_invalid(a, "location_id", "location_id: no such location.")
		    == 0 ? 0 : -1;
	return -1;
}

/* --- catalog: locations, services, payment types ------------------------ */

/* One catalog record; each kind's table row says how to read, save, show
 * and fill it, so list / get / create / update are written once. */
union cat_rec {
	struct location		 l;
	struct service		 s;
	struct payment_type	 t;
};

struct cat_kind {
	const char	*what;		/* "location": in 404 messages */
	size_t		 id_off, active_off;	/* into the record */
	int	 (*list)(struct db *, struct json_object *arr);
	int	 (*get)(struct db *, int64_t, union cat_rec *);
	int	 (*save)(struct db *, const struct actor *, union cat_rec *);
	struct json_object *(*json)(const union cat_rec *);
	void	 (*take)(struct api *, union cat_rec *);
	const char	*dup_msg, *dup_field;	/* CAT_DUP answer */
	const char	*required[3];	/* must not be emptied by a PATCH */
};

static int
loc_list(struct db *db, struct json_object *arr)
{
	struct location *v = NULL;
	size_t n = 0;

	if (location_list(db, 0, &v, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_location(&v[i]));
	free(v);
	return 0;
}

static int
loc_get(struct db *db, int64_t id, union cat_rec *r)
{
	return location_get(db, id, &r->l);
}

static int
loc_save(struct db *db, const struct actor *act, union cat_rec *r)
{
	return location_save(db, act, &r->l);
}

static struct json_object *
loc_json(const union cat_rec *r)
{
	return json_location(&r->l);
}

static void
loc_take(struct api *a, union cat_rec *r)
{
	take_text(a, "name", r->l.name, sizeof(r->l.name));
	take_text(a, "address", r->l.address, sizeof(r->l.address));
	take_bool(a, "active", &r->l.active);
}

static int
svc_list(struct db *db, struct json_object *arr)
{
	struct service *v = NULL;
	size_t n = 0;

	if (service_list(db, 0, &v, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_service(&v[i]));
	free(v);
	return 0;
}

static int
svc_get(struct db *db, int64_t id, union cat_rec *r)
{
	return service_get(db, id, &r->s);
}

static int
svc_save(struct db *db, const struct actor *act, union cat_rec *r)
{
	return service_save(db, act, &r->s);
}

static struct json_object *
svc_json(const union cat_rec *r)
{
	return json_service(&r->s);
}

static void
svc_take(struct api *a, union cat_rec *r)
{
	const struct field_value *rate = api_in(a, "default_rate_cents");

	take_text(a, "code", r->s.code, sizeof(r->s.code));
	take_text(a, "name", r->s.name, sizeof(r->s.name));
	if (rate != NULL)
		r->s.default_rate = rate->i;
	take_bool(a, "active", &r->s.active);
}

static int
ptype_list(struct db *db, struct json_object *arr)
{
	struct payment_type *v = NULL;
	size_t n = 0;

	if (payment_type_list(db, 0, &v, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_payment_type(&v[i]));
	free(v);
	return 0;
}

enum { CAT_LOCATION, CAT_SERVICE, CAT_PAYMENT_TYPE, CAT__MAX };

static const struct cat_kind cat_kinds[CAT__MAX] = {
	[CAT_LOCATION] = { "location", offsetof(struct location, id),
	    offsetof(struct location, active), loc_list, loc_get, loc_save,
	    loc_json, loc_take, "A location with this name already exists.",
	    "name", { "name" } },
	[CAT_SERVICE] = { "service", offsetof(struct service, id),
	    offsetof(struct service, active), svc_list, svc_get, svc_save,
	    svc_json, svc_take, "A service with this code already exists.",
	    "code", { "code", "name", "default_rate_cents" } },
	[CAT_PAYMENT_TYPE] = { "payment type",
	    offsetof(struct payment_type, id),
	    offsetof(struct payment_type, active), ptype_list, NULL, NULL,
	    NULL, NULL, NULL, NULL, { NULL } },
};

static int64_t *
cat_id(const struct cat_kind *k, union cat_rec *r)
{
	return (int64_t *)(void *)((char *)r + k->id_off);
}

static int
cat_list(struct api *a, const struct cat_kind *k)
{
	struct json_object *arr = json_object_new_array();

	if (arr != NULL && k->list(a->db, arr) == -1) {
		json_object_put(arr);
		return -1;
	}
	return api_send_page(a, arr, 0, 0);
}

/* The record of the path: 1 loaded, 0 answered 404, -1 error. */
static int
cat_load(struct api *a, const struct cat_kind *k, union cat_rec *r)
{
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1 ||
	    (rc = k->get(a->db, id, r)) == CAT_NOT_FOUND)
		return api_not_found(a, k->what) == 0 ? 0 : -1;
	return rc == CAT_OK ? 1 : -1;
}

static int
cat_get(struct api *a, const struct cat_kind *k)
{
	union cat_rec r;
	int rc;

	if ((rc = cat_load(a, k, &r)) != 1)
		return rc;
	return api_send(a, 200, k->json(&r));
}

static int
cat_store(struct api *a, const struct cat_kind *k, union cat_rec *r,
    int status)
{
	int rc;

	k->take(a, r);
	rc = k->save(a->db, api_actor(a), r);
	if (rc == CAT_DUP)
		return api_conflict(a, "duplicate", k->dup_msg, k->dup_field);
	if (rc == CAT_NOT_FOUND)
		return api_not_found(a, k->what);
	if (rc != CAT_OK || k->get(a->db, *cat_id(k, r), r) != CAT_OK)
		return -1;
	return api_send(a, status, k->json(r));
}

static int
cat_create(struct api *a, const struct cat_kind *k)
{
	union cat_rec r;

	memset(&r, 0, sizeof(r));
	*(int *)(void *)((char *)&r + k->active_off) = 1;
	return cat_store(a, k, &r, 201);
}

static int
cat_update(struct api *a, const struct cat_kind *k)
{
	union cat_rec r;
	int rc;

	if ((rc = cat_load(a, k, &r)) != 1)
		return rc;
	for (size_t i = 0; i < ARRAY_LEN(k->required) && k->required[i]; i++)
		if ((rc = not_emptied(a, k->required[i])) != 1)
			return rc;
	return cat_store(a, k, &r, 200);
}

int
api_locations_list(struct api *a)
{
	return cat_list(a, &cat_kinds[CAT_LOCATION]);
}

int
api_location_get(struct api *a)
{
	return cat_get(a, &cat_kinds[CAT_LOCATION]);
}

int
api_location_create(struct api *a)
{
	return cat_create(a, &cat_kinds[CAT_LOCATION]);
}

int
api_location_update(struct api *a)
{
	return cat_update(a, &cat_kinds[CAT_LOCATION]);
}

int
api_services_list(struct api *a)
{
	return cat_list(a, &cat_kinds[CAT_SERVICE]);
}

int
api_service_get(struct api *a)
{
	return cat_get(a, &cat_kinds[CAT_SERVICE]);
}

int
api_service_create(struct api *a)
{
	return cat_create(a, &cat_kinds[CAT_SERVICE]);
}

int
api_service_update(struct api *a)
{
	return cat_update(a, &cat_kinds[CAT_SERVICE]);
}

int
api_payment_types_list(struct api *a)
{
	return cat_list(a, &cat_kinds[CAT_PAYMENT_TYPE]);
}

/* --- accounts -------------------------------------------------------------- */

static void
page_of(struct api *a, struct page_req *pr)
{
	const struct field_value *q = api_in(a, "q");

	pr->q = q != NULL ? q->s : NULL;
	pr->before_id = api_cursor(a);
	pr->limit = api_limit(a);
}

int
api_accounts_list(struct api *a)
{
	struct page_req pr;
	struct account *v = NULL;
	struct json_object *arr;
	struct balance b;
	size_t n = 0;
	int more = 0, rc = 0;

	page_of(a, &pr);
	if (account_search(a->db, &pr, &v, &n, &more) != PROF_OK)
		return -1;
	if ((arr = json_object_new_array()) == NULL)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (ledger_balance_account(a->db, v[i].id, &b) != 0)
			rc = -1;
		else
			json_object_array_add(arr, json_account(&v[i], &b));
	}
	if (rc == 0)
		rc = api_send_page(a, arr, more, n ? v[n - 1].id : 0);
	else
		json_object_put(arr);
	free(v);
	return rc;
}

/* Sends the account with its balance. */
static int
account_send(struct api *a, int64_t id, int status)
{
	struct account acc;
	struct balance b;
	int rc;

	if ((rc = account_get(a->db, id, &acc)) == PROF_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != PROF_OK || ledger_balance_account(a->db, id, &b) != 0)
		return -1;
	return api_send(a, status, json_account(&acc, &b));
}

int
api_account_get(struct api *a)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "account");
	return account_send(a, id, 200);
}

static const struct {
	const char	*name;
	size_t		 off;
	size_t		 size;
} account_texts[] = {
#define ACC_TEXT(f)	{ #f, offsetof(struct account, f), sizeof(((struct account *)0)->f) }
	ACC_TEXT(name), ACC_TEXT(email), ACC_TEXT(phone), ACC_TEXT(address1),
	ACC_TEXT(address2), ACC_TEXT(city), ACC_TEXT(region), ACC_TEXT(postal_code),
#undef ACC_TEXT
};

static int
account_store(struct api *a, struct account *acc, int status)
{
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(account_texts); i++)
		take_text(a, account_texts[i].name, (char *)acc + account_texts[i].off,
		    account_texts[i].size);
	take_id(a, "location_id", &acc->location_id);
	if ((rc = api_location_ok(a, acc->location_id)) != 1)
		return rc;
	rc = account_save(a->db, api_actor(a), acc);
	if (rc == PROF_DUP_EMAIL)
		return api_conflict(a, "email_taken", "Another account already uses "
		    "this email address.", "email");
	if (rc == PROF_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != PROF_OK)
		return -1;
	return account_send(a, acc->id, status);
}

int
api_account_create(struct api *a)
{
	struct account acc;

	memset(&acc, 0, sizeof(acc));
	return account_store(a, &acc, 201);
}

int
api_account_update(struct api *a)
{
	struct account acc;
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1 ||
	    (rc = account_get(a->db, id, &acc)) == PROF_NOT_FOUND)
		return api_not_found(a, "account");
	if (rc != PROF_OK)
		return -1;
	if ((rc = not_emptied(a, "name")) != 1)
		return rc;
	return account_store(a, &acc, 200);
}

/* --- clients and inquiries ------------------------------------------------ */

static int
people_list(struct api *a, const char *stage)
{
	struct page_req pr;
	struct client *v = NULL;
	struct json_object *arr;
	size_t n = 0;
	int more = 0, rc;

	page_of(a, &pr);
	if (client_search(a->db, stage, &pr, &v, &n, &more) != PROF_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_client(&v[i], NULL));
	rc = api_send_page(a, arr, more, n ? v[n - 1].id : 0);
	free(v);
	return rc;
}

int
api_clients_list(struct api *a)
{
	return people_list(a, "client");
}

int
api_inquiries_list(struct api *a)
{
	return people_list(a, "inquiry");
}

/* The person with their balance; /clients/{id} and /inquiries/{id} address
 * the same record (`stage` tells which it is now). */
static int
person_send(struct api *a, int64_t id, int status, const char *what)
{
	struct client cl;
	struct balance b;
	int rc;

	if ((rc = client_get(a->db, id, &cl)) == PROF_NOT_FOUND)
		return api_not_found(a, what);
	if (rc != PROF_OK || ledger_balance_client(a->db, id, &b) != 0)
		return -1;
	return api_send(a, status, json_client(&cl, &b));
}

/* The person of the path: 1 loaded, 0 answered 404, -1 error. */
static int
person_load(struct api *a, const char *what, struct client *cl)
{
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1 ||
	    (rc = client_get(a->db, id, cl)) == PROF_NOT_FOUND)
		return api_not_found(a, what) == 0 ? 0 : -1;
	return rc == PROF_OK ? 1 : -1;
}

static int
person_get(struct api *a, const char *what)
{
	int64_t id;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, what);
	return person_send(a, id, 200, what);
}

int
api_client_get(struct api *a)
{
	return person_get(a, "client");
}

int
api_inquiry_get(struct api *a)
{
	return person_get(a, "inquiry");
}

static int
person_store(struct api *a, struct client *cl, int status, const char *what)
{
	struct account acc;
	int rc;

	take_text(a, "first_name", cl->first_name, sizeof(cl->first_name));
	take_text(a, "last_name", cl->last_name, sizeof(cl->last_name));
	take_text(a, "birth_date", cl->birth_date, sizeof(cl->birth_date));
	take_text(a, "email", cl->email, sizeof(cl->email));
	take_text(a, "phone", cl->phone, sizeof(cl->phone));
	take_id(a, "location_id", &cl->location_id);
	if ((rc = api_location_ok(a, cl->location_id)) != 1)
		return rc;
	if (cl->id == 0 && cl->account_id != 0) {
		if ((rc = account_get(a->db, cl->account_id, &acc)) == PROF_NOT_FOUND)
			return api_invalid(a, "account_id", "account_id: no such account.");
		if (rc != PROF_OK)
			return -1;
	}
	rc = client_save(a->db, api_actor(a), cl);
	if (rc == PROF_DUP_EMAIL)
		return api_conflict(a, "email_taken", "Another account already uses "
		    "this email address.", "email");
	if (rc == PROF_NOT_FOUND)
		return api_not_found(a, what);
	if (rc != PROF_OK)
		return -1;
	return person_send(a, cl->id, status, what);
}

static int
person_create(struct api *a, const char *stage, const char *what)
{
	struct client cl;

	memset(&cl, 0, sizeof(cl));
	str_copy(cl.stage, sizeof(cl.stage), stage);
	take_id(a, "account_id", &cl.account_id);
	return person_store(a, &cl, 201, what);
}

int
api_client_create(struct api *a)
{
	return person_create(a, "client", "client");
}

int
api_inquiry_create(struct api *a)
{
	return person_create(a, "inquiry", "inquiry");
}

static int
person_update(struct api *a, const char *what)
{
	struct client cl;
	int rc;

	if ((rc = person_load(a, what, &cl)) != 1)
		return rc;
	if ((rc = not_emptied(a, "first_name")) != 1 ||
	    (rc = not_emptied(a, "last_name")) != 1)
		return rc;
	return person_store(a, &cl, 200, what);
}

int
api_client_update(struct api *a)
{
	return person_update(a, "client");
}

int
api_inquiry_update(struct api *a)
{
	return person_update(a, "inquiry");
}

int
api_inquiry_convert(struct api *a)
{
	struct client cl;
	int64_t id;
	int rc;

	if ((rc = person_load(a, "inquiry", &cl)) != 1)
		return rc;
	id = cl.id;
	rc = client_convert(a->db, api_actor(a), id);
	if (rc == PROF_NOT_INQUIRY)
		return api_conflict(a, "not_an_inquiry", "This person is already a "
		    "client.", NULL);
	if (rc == PROF_NOT_FOUND)
		return api_not_found(a, "inquiry");
	if (rc != PROF_OK)
		return -1;
	return person_send(a, id, 200, "client");
}
