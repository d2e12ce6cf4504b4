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

/* --- locations ------------------------------------------------------------- */

int
api_locations_list(struct api *a)
{
	struct location *v = NULL;
	struct json_object *arr;
	size_t n = 0;

	if (location_list(a->db, 0, &v, &n) != CAT_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_location(&v[i]));
	free(v);
	return api_send_page(a, arr, 0, 0);
}

int
api_location_get(struct api *a)
{
	struct location l;
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "location");
	if ((rc = location_get(a->db, id, &l)) == CAT_NOT_FOUND)
		return api_not_found(a, "location");
	if (rc != CAT_OK)
		return -1;
	return api_send(a, 200, json_location(&l));
}

static int
location_store(struct api *a, struct location *l, int status)
{
	int rc = location_save(a->db, api_actor(a), l);

	if (rc == CAT_DUP)
		return api_conflict(a, "duplicate", "A location with this name "
		    "already exists.", "name");
	if (rc == CAT_NOT_FOUND)
		return api_not_found(a, "location");
	if (rc != CAT_OK)
		return -1;
	if (location_get(a->db, l->id, l) != CAT_OK)
		return -1;
	return api_send(a, status, json_location(l));
}

int
api_location_create(struct api *a)
{
	struct location l;

	memset(&l, 0, sizeof(l));
	l.active = 1;
	take_text(a, "name", l.name, sizeof(l.name));
	take_text(a, "address", l.address, sizeof(l.address));
	take_bool(a, "active", &l.active);
	return location_store(a, &l, 201);
}

int
api_location_update(struct api *a)
{
	struct location l;
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "location");
	if ((rc = location_get(a->db, id, &l)) == CAT_NOT_FOUND)
		return api_not_found(a, "location");
	if (rc != CAT_OK)
		return -1;
	if ((rc = not_emptied(a, "name")) != 1)
		return rc;
	take_text(a, "name", l.name, sizeof(l.name));
	take_text(a, "address", l.address, sizeof(l.address));
	take_bool(a, "active", &l.active);
	return location_store(a, &l, 200);
}

/* --- services -------------------------------------------------------------- */

int
api_services_list(struct api *a)
{
	struct service *v = NULL;
	struct json_object *arr;
	size_t n = 0;

	if (service_list(a->db, 0, &v, &n) != CAT_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_service(&v[i]));
	free(v);
	return api_send_page(a, arr, 0, 0);
}

int
api_service_get(struct api *a)
{
	struct service s;
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "service");
	if ((rc = service_get(a->db, id, &s)) == CAT_NOT_FOUND)
		return api_not_found(a, "service");
	if (rc != CAT_OK)
		return -1;
	return api_send(a, 200, json_service(&s));
}

static void
service_take(struct api *a, struct service *s)
{
	const struct field_value *rate = api_in(a, "default_rate_cents");

	take_text(a, "code", s->code, sizeof(s->code));
	take_text(a, "name", s->name, sizeof(s->name));
	if (rate != NULL)
		s->default_rate = rate->i;
	take_bool(a, "active", &s->active);
}

static int
service_store(struct api *a, struct service *s, int status)
{
	int rc = service_save(a->db, api_actor(a), s);

	if (rc == CAT_DUP)
		return api_conflict(a, "duplicate", "A service with this code "
		    "already exists.", "code");
	if (rc == CAT_NOT_FOUND)
		return api_not_found(a, "service");
	if (rc != CAT_OK)
		return -1;
	if (service_get(a->db, s->id, s) != CAT_OK)
		return -1;
	return api_send(a, status, json_service(s));
}

int
api_service_create(struct api *a)
{
	struct service s;

	memset(&s, 0, sizeof(s));
	s.active = 1;
	service_take(a, &s);
	return service_store(a, &s, 201);
}

int
api_service_update(struct api *a)
{
	struct service s;
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "service");
	if ((rc = service_get(a->db, id, &s)) == CAT_NOT_FOUND)
		return api_not_found(a, "service");
	if (rc != CAT_OK)
		return -1;
	if ((rc = not_emptied(a, "code")) != 1 || (rc = not_emptied(a, "name")) != 1 ||
	    (rc = not_emptied(a, "default_rate_cents")) != 1)
		return rc;
	service_take(a, &s);
	return service_store(a, &s, 200);
}

int
api_payment_types_list(struct api *a)
{
	struct payment_type *v = NULL;
	struct json_object *arr;
	size_t n = 0;

	if (payment_type_list(a->db, 0, &v, &n) != CAT_OK)
		return -1;
	if ((arr = json_object_new_array()) != NULL)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, json_payment_type(&v[i]));
	free(v);
	return api_send_page(a, arr, 0, 0);
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

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "account");
	if ((rc = account_get(a->db, id, &acc)) == PROF_NOT_FOUND)
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
	int64_t id;
	int rc;

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, what);
	if ((rc = client_get(a->db, id, &cl)) == PROF_NOT_FOUND)
		return api_not_found(a, what);
	if (rc != PROF_OK)
		return -1;
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

	if (api_path_id(a, &id) == -1)
		return api_not_found(a, "inquiry");
	if ((rc = client_get(a->db, id, &cl)) == PROF_NOT_FOUND)
		return api_not_found(a, "inquiry");
	if (rc != PROF_OK)
		return -1;
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
