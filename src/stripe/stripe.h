/* Stripe REST client (libcurl + json-c), Stripe error -> staff message
 * mapping, and accessors for Stripe JSON objects.
 *
 * One client per process/thread (it owns one curl handle; not thread-safe).
 * The program calls curl_global_init() once at start-up. Every request
 * function fills a struct stripe_result that the caller releases with
 * stripe_result_free() whatever the return value. */
#ifndef STRIPE_H
#define STRIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stripe_types.h"

struct config;
struct kvlist;
struct buf;
struct json_object;

#define STRIPE_API_VERSION	"2024-06-20"	/* sent as Stripe-Version */
/* Sent when stripe_secret_key is empty (offline, against the sandbox). */
#define STRIPE_SANDBOX_SECRET_KEY	"sk_test_sandbox"
#define STRIPE_RESPONSE_MAX	(1024u * 1024)	/* response body limit */
#define STRIPE_FORM_MAX		(256u * 1024)	/* request body limit */
#define STRIPE_IDEMPOTENCY_MAX	255		/* Stripe's key length limit */

struct stripe_client {
	void	*curl;		/* CURL * (private) */
	void	*multi;		/* CURLM * of stripe_get_many (private) */
	char	*base;		/* "https://api.stripe.com", no trailing '/' */
	char	*secret_key;	/* never logged */
	/* Tunables: defaults from stripe_client_new(), may be changed after. */
	long	 timeout_ms;	/* whole request; cfg->stripe_timeout */
	long	 connect_timeout_ms;
	int	 max_retries;	/* extra attempts after the first (2) */
	long	 backoff_ms;	/* first wait; doubles per retry (500) */
	long	 backoff_max_ms;	/* cap of one wait (2000) */
	size_t	 max_response;	/* STRIPE_RESPONSE_MAX */
};

struct stripe_result {
	enum stripe_status	 status;
	long			 http_status;	/* 0: no answer */
	int			 attempts;	/* HTTP attempts made */
	struct json_object	*json;		/* body object or NULL (owned) */
	/* From the error body ({"error": {...}}); "" when absent. A network
	 * failure sets type "api_connection_error" and a curl message. */
	char			 type[64];
	char			 code[64];
	char			 decline_code[64];
	char			 param[128];
	char			 message[512];
	char			 request_id[64];	/* Request-Id header */
};

/* --- client ------------------------------------------------------------ */

/* Copies base URL, key and timeout from cfg. NULL on error. */
struct stripe_client *stripe_client_new(const struct config *);
void	 stripe_client_free(struct stripe_client *);

/* path: "/v1/..." ([A-Za-z0-9_./-], no ".."). params: Stripe's bracket
 * names as keys ("metadata[payment_id]"), sent in order; the POST body
 * or, for GET/DELETE, the query string. POST requires idempotency_key
 * (printable ASCII, <= 255) and retries reuse it. Retries: network errors,
 * 429, 5xx (and what Stripe-Should-Retry says); never other 4xx.
 * Returns 0 when r->status == STRIPE_OK, else -1. */
int	 stripe_post(struct stripe_client *, const char *path,
	    const struct kvlist *params, const char *idempotency_key,
	    struct stripe_result *r);
int	 stripe_get(struct stripe_client *, const char *path,
	    const struct kvlist *params, struct stripe_result *r);
int	 stripe_delete(struct stripe_client *, const char *path,
	    struct stripe_result *r);
/* GETs paths[0..n) (as stripe_get, no parameters) at the same time (curl
 * multi: one attempt each, no retries; connections kept for the next
 * call): r[i] gets the answer to paths[i] (each released by the caller).
 * Returns how many have r[i].status == STRIPE_OK. */
int	 stripe_get_many(struct stripe_client *, const char *const *paths,
	    size_t n, struct stripe_result *r);

/* Form encoding used for bodies and queries: unreserved characters kept,
 * '[' and ']' kept in keys, everything else %XX. Appends to out; 0 / -1. */
int	 stripe_form_encode(const struct kvlist *, struct buf *out);

/* --- results ----------------------------------------------------------- */

void	 stripe_result_init(struct stripe_result *);
void	 stripe_result_free(struct stripe_result *);
/* Fills r from an HTTP answer (what the client does after a request):
 * 2xx + JSON object -> STRIPE_OK; 2xx otherwise -> STRIPE_ERR_RESPONSE;
 * other statuses -> STRIPE_ERR_API with the error fields. 0 / -1. */
int	 stripe_result_parse(struct stripe_result *, long http_status,
	    const char *body, size_t len);
/* 1 when the request may or may not have taken effect at Stripe (network
 * error, 5xx, 429/409 after retries, unreadable answer): settle it later by
 * retrieving the object or retrying with the same Idempotency-Key. */
int	 stripe_result_uncertain(const struct stripe_result *);

/* --- messages for staff ------------------------------------------------ */

enum stripe_reason stripe_result_reason(const struct stripe_result *);
/* From raw codes (e.g. a webhook's last_payment_error); NULLs allowed. */
/* stripe_reason_message(stripe_result_reason(r)); never NULL. */
const char *stripe_friendly_message(const struct stripe_result *);

/* --- JSON accessors ----------------------------------------------------- */

/* path: dot-separated members, digits index arrays: "last_payment_error.code",
 * "data.0.card.last4". Borrowed pointers, valid until the object is freed.
 * Strings with an embedded NUL count as absent. */
struct json_object *stripe_obj_get(struct json_object *, const char *path);
const char *stripe_obj_str(struct json_object *, const char *path);
/* JSON integers only (no strings, no fractions). 0 / -1. */
int	 stripe_obj_i64(struct json_object *, const char *path, int64_t *out);
/* 1 true, 0 false, -1 absent or not a boolean. */
int	 stripe_obj_bool(struct json_object *, const char *path);
size_t	 stripe_obj_array_len(struct json_object *, const char *path);
/* The same on a result's body. */
const char *stripe_json_str(const struct stripe_result *, const char *path);
int	 stripe_json_i64(const struct stripe_result *, const char *path,
	    int64_t *out);
/* Parses a JSON object (strict, UTF-8, depth <= 32, nothing after it).
 * *out is a new reference. 0 / -1. */
int	 stripe_json_parse(const char *, size_t, struct json_object **out);

/* --- typed calls (POSTs take the Idempotency-Key, GETs none) ----------- */

/* Stripe ids in paths must match [A-Za-z0-9_]{1,255}: STRIPE_ERR_USAGE. */

/* POST /v1/customers: name, email, metadata[account_id]. */
int	 stripe_customer_create(struct stripe_client *, const char *name,
	    const char *email, int64_t account_id, const char *idempotency_key,
	    struct stripe_result *);
/* POST /v1/setup_intents: customer, payment_method_types[0] ("card" or
 * "us_bank_account"), usage=off_session. */
int	 stripe_setup_intent_create(struct stripe_client *, const char *customer,
	    const char *payment_method_type, const char *idempotency_key,
	    struct stripe_result *);

struct stripe_pi_params {
	int64_t			 amount_cents;	/* 1..99999999 */
	const char		*currency;	/* NULL: "usd" */
	const char		*customer;	/* optional */
	const char		*payment_method;	/* optional */
	const char		*payment_method_type;	/* NULL: "card" */
	const char		*description;	/* optional */
	int64_t			 payment_id;	/* metadata[payment_id] if > 0 */
	bool			 setup_future_usage;	/* =off_session */
	bool			 confirm_off_session;	/* confirm & off_session */
	const struct kvlist	*extra;		/* more params, optional */
};
/* POST /v1/payment_intents. */
int	 stripe_payment_intent_create(struct stripe_client *,
	    const struct stripe_pi_params *, const char *idempotency_key,
	    struct stripe_result *);
/* GET /v1/payment_intents/:id. */
int	 stripe_payment_intent_retrieve(struct stripe_client *, const char *id,
	    struct stripe_result *);
/* POST /v1/payment_intents/:id/cancel. */
int	 stripe_payment_intent_cancel(struct stripe_client *, const char *id,
	    const char *idempotency_key, struct stripe_result *);
/* POST /v1/payment_methods/:id/detach. */
int	 stripe_payment_method_detach(struct stripe_client *, const char *id,
	    const char *idempotency_key, struct stripe_result *);
/* POST /v1/payment_methods/:id/attach: customer. */
int	 stripe_payment_method_attach(struct stripe_client *, const char *id,
	    const char *customer, const char *idempotency_key,
	    struct stripe_result *);
/* GET /v1/payment_methods?customer=&type=&limit=100. */
int	 stripe_payment_methods_list(struct stripe_client *,
	    const char *customer, const char *type, struct stripe_result *);
/* POST /v1/refunds: payment_intent, amount (0: full), reason (NULL, or
 * duplicate / fraudulent / requested_by_customer), metadata[k] for each
 * pair of metadata (optional). */
int	 stripe_refund_create(struct stripe_client *, const char *payment_intent,
	    int64_t amount_cents, const char *reason,
	    const struct kvlist *metadata, const char *idempotency_key,
	    struct stripe_result *);
/* GET /v1/events/:id. */
int	 stripe_event_retrieve(struct stripe_client *, const char *id,
	    struct stripe_result *);

#endif
