/* JSON API /api/v1 (bearer API keys, JSON in and out, Idempotency-Key).
 * api.c: the route table; api_core.c: authentication, idempotency, errors,
 * input helpers; api_json.c: objects to JSON; api_profiles.c and
 * api_money.c: the handlers. Money is integer cents in *_cents fields. */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include "apikey.h"
#include "audit.h"

struct ctx;
struct db;
struct json_object;
struct balance;
struct location;
struct service;
struct payment_type;
struct account;
struct client;
struct invoice;
struct payment;
struct allocation;
struct ledger_entry;
struct statement;
struct ar_summary;

#define API_LIMIT_DEFAULT	50
#define API_LIMIT_MAX		200

/* One API request after authentication. */
struct api {
	struct ctx	*c;
	struct db	*db;
	struct api_key	 key;
	struct actor	 actor;	/* "api", key id, client IP: for audit rows */
};

typedef int (*api_fn)(struct api *);

/* Entry for every /api/v1 route: bearer auth, role check, JSON body checks,
 * validation errors as 422 (body) / 400 (query), Idempotency-Key, then fn.
 * Returns what the dispatcher expects from a handler. */
int	 api_run(struct ctx *, api_fn);

/* The JSON error shape {"error":{"code","message","field"}} (field may be
 * NULL). code NULL: derived from the status. Also used by app_error() for
 * every error under /api/. Returns 0 / -1. */
int	 api_error(struct ctx *, int status, const char *code, const char *message,
	    const char *field);
/* Sends o (consumed, also on error) with status. Returns 0 / -1. */
int	 api_send(struct api *, int status, struct json_object *o);
/* Sends {"data": arr, "next_cursor": "<last_id>"|null} (arr consumed). */
int	 api_send_page(struct api *, struct json_object *arr, int more, int64_t last_id);
/* 404 {"error":{"code":"not_found","message":"No such <what>."}}. Returns 0. */
int	 api_not_found(struct api *, const char *what);
/* 422 validation error for one field. Returns 0. */
int	 api_invalid(struct api *, const char *field, const char *message);
/* 409 conflict. Returns 0. */
int	 api_conflict(struct api *, const char *code, const char *message,
	    const char *field);

/* Input. */
/* Path parameter :id as a positive id; -1 when it is not one. */
int	 api_path_id(struct api *, int64_t *id);
/* The validated field when given with a value, else NULL. */
const struct field_value *api_in(struct api *, const char *name);
/* 1 when the JSON body names the key at all (null and "" included). */
int	 api_has(struct api *, const char *name);
/* 1 when the body names the key with null or "" (PATCH: clear it). */
int	 api_cleared(struct api *, const char *name);
/* The JSON value of a top-level body key (borrowed), or NULL. */
struct json_object *api_body(struct api *, const char *name);
/* Paging parameters of a list route (limit, cursor). */
size_t	 api_limit(struct api *);
int64_t	 api_cursor(struct api *);
/* The actor for audit rows. */
const struct actor *api_actor(struct api *);

/* location_id must name a location (0 = none is fine): 1 fine, 0 answered
 * with 422 on field location_id, -1 error. */
int	 api_location_ok(struct api *, int64_t id);

/* JSON views (api_json.c). Each returns a new object, NULL on ENOMEM. */
struct json_object *json_location(const struct location *);
struct json_object *json_service(const struct service *);
struct json_object *json_payment_type(const struct payment_type *);
struct json_object *json_balance(const struct balance *);
struct json_object *json_account(const struct account *, const struct balance *);
struct json_object *json_client(const struct client *, const struct balance *);
/* with_lines: include the lines array. */
struct json_object *json_invoice(const struct invoice *, int with_lines);
struct json_object *json_payment(const struct payment *,
	    const struct allocation *, size_t nalloc, int with_allocations);
struct json_object *json_allocation(const struct allocation *);
struct json_object *json_ledger_entry(const struct ledger_entry *);
/* with_lines: include lines and aging (a stored snapshot in full). */
struct json_object *json_statement(const struct statement *, int with_lines);
struct json_object *json_ar(const struct ar_summary *);

/* Handlers (api_profiles.c). */
int	 api_locations_list(struct api *);
int	 api_location_get(struct api *);
int	 api_location_create(struct api *);
int	 api_location_update(struct api *);
int	 api_services_list(struct api *);
int	 api_service_get(struct api *);
int	 api_service_create(struct api *);
int	 api_service_update(struct api *);
int	 api_payment_types_list(struct api *);
int	 api_accounts_list(struct api *);
int	 api_account_get(struct api *);
int	 api_account_create(struct api *);
int	 api_account_update(struct api *);
int	 api_clients_list(struct api *);
int	 api_inquiries_list(struct api *);
int	 api_client_get(struct api *);
int	 api_inquiry_get(struct api *);
int	 api_client_create(struct api *);
int	 api_inquiry_create(struct api *);
int	 api_client_update(struct api *);
int	 api_inquiry_update(struct api *);
int	 api_inquiry_convert(struct api *);

/* Handlers (api_money.c). */
int	 api_invoices_list(struct api *);
int	 api_invoice_get(struct api *);
int	 api_invoice_create(struct api *);
int	 api_invoice_update(struct api *);
int	 api_invoice_issue(struct api *);
int	 api_invoice_void(struct api *);
int	 api_invoice_adjust(struct api *);
int	 api_payments_list(struct api *);
int	 api_payment_get(struct api *);
int	 api_payment_create(struct api *);
int	 api_allocation_create(struct api *);
int	 api_ledger_list(struct api *);
int	 api_statements_list(struct api *);
int	 api_statement_generate(struct api *);
int	 api_statement_get(struct api *);
int	 api_ar_get(struct api *);

/* Handlers (api_plans.c). */
int	 api_plan_create(struct api *);
int	 api_plan_get(struct api *);
int	 api_plan_act(struct api *);
int	 api_plan_update(struct api *);
int	 api_plans_list(struct api *);
int	 api_methods_list(struct api *);
int	 api_method_attach(struct api *);

/* Money bodies (api_input.c): 1 fine, 0 answered (422), -1 error unless
 * said otherwise. */
struct json_object;
int	 api_input_today(char out[11]);
void	 api_input_date(struct api *a, const char *name, char *dst,
	    size_t dstsz);
int	 api_input_party(struct api *a, int64_t *account_id,
	    int64_t *client_id);
int	 api_input_client_of(struct api *a, int64_t account_id,
	    int64_t client_id);
int	 api_input_keys_ok(struct api *a, struct json_object *o,
	    const char *arr, size_t i, const char *const *allowed,
	    size_t nallowed);
int	 api_input_int(struct api *a, struct json_object *o, const char *arr,
	    size_t i, const char *key, int64_t min, int64_t max, int64_t *out);
int	 api_input_str(struct api *a, struct json_object *o, const char *arr,
	    size_t i, const char *key, size_t maxlen, const char **out);
int	 api_input_array(struct api *a, const char *name, size_t max,
	    struct json_object **arr);

#endif
