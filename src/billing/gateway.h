/* The payment gateway as the domain sees it: attempts (PaymentIntents),
 * setups (SetupIntents), saved methods, customers and refunds, each call
 * answered with the plain structs of stripe_types.h. The one file of
 * src/billing that talks to Stripe's REST client (gateway.c); the
 * stripe_pay_*.c files never see JSON.
 *
 * Every call: 0 when Stripe answered with the object (out filled, err
 * zeroed), -1 otherwise (out zeroed; err says why: err->uncertain = 1 when
 * the request may have taken effect, so retry with the same key or
 * retrieve; stripe_error_friendly(err) is the staff message). POSTs carry
 * the Idempotency-Key the caller derives from its own row. Ids given in
 * paths must be [A-Za-z0-9_]{1,255} (else -1, err->status usage). */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "stripe_types.h"

struct stripe_client;
struct config;

/* The process's Stripe client for cfg (made on first use, kept for the
 * life of the process; another cfg gets a new one). NULL on error. */
struct stripe_client *gateway_client(const struct config *);

/* What an attempt charges. */
struct gateway_attempt {
	int64_t		 amount;		/* cents, 1..99999999, usd */
	int64_t		 payment_id;		/* metadata[payment_id] */
	const char	*customer;		/* cus_..., optional */
	const char	*description;		/* optional */
	const char	*method_type;		/* "card" | "us_bank_account" */
	const char	*payment_method;	/* saved pm_...: confirm off-session */
	int		 save_method;		/* setup_future_usage=off_session */
};

/* POST /v1/payment_intents. A card error on create answers -1 with the
 * intent Stripe made (err->has_payment_intent). */
int	 gateway_attempt_create(struct stripe_client *, const struct gateway_attempt *,
	    const char *key, struct stripe_payment_intent *, struct stripe_error *);
/* GET /v1/payment_intents/:id. */
int	 gateway_attempt_retrieve(struct stripe_client *, const char *id,
	    struct stripe_payment_intent *, struct stripe_error *);
/* GET /v1/payment_intents/:id for ids[0..n) at the same time (one try
 * each, no retries: stripe_get_many): ok[i] 1 with pi[i] when Stripe
 * answered with the intent. Returns how many. */
int	 gateway_attempts_retrieve(struct stripe_client *, const char *const *ids,
	    size_t n, struct stripe_payment_intent *pi, int *ok);
/* POST /v1/payment_intents/:id/cancel. */
int	 gateway_attempt_cancel(struct stripe_client *, const char *id,
	    const char *key, struct stripe_payment_intent *, struct stripe_error *);
/* The intent whose metadata names payment_id (search). *found 0 / 1. */
int	 gateway_attempt_find(struct stripe_client *, int64_t payment_id,
	    struct stripe_payment_intent *, int *found, struct stripe_error *);

/* POST /v1/setup_intents (method_type "card" | "us_bank_account"). */
int	 gateway_setup_create(struct stripe_client *, const char *customer,
	    const char *method_type, const char *key, struct stripe_setup_intent *,
	    struct stripe_error *);
/* GET /v1/setup_intents/:id. */
int	 gateway_setup_retrieve(struct stripe_client *, const char *id,
	    struct stripe_setup_intent *, struct stripe_error *);

/* POST /v1/customers (name, metadata[account_id]). */
int	 gateway_customer_create(struct stripe_client *, const char *name,
	    int64_t account_id, const char *key, struct stripe_customer *,
	    struct stripe_error *);
/* POST /v1/customers/:id: invoice_settings[default_payment_method]. */
int	 gateway_customer_default_method(struct stripe_client *,
	    const char *customer, const char *pm, const char *key,
	    struct stripe_error *);

/* GET /v1/payment_methods/:id. */
int	 gateway_method_retrieve(struct stripe_client *, const char *id,
	    struct stripe_payment_method *, struct stripe_error *);
/* POST /v1/payment_methods/:id/attach (customer). */
int	 gateway_method_attach(struct stripe_client *, const char *id,
	    const char *customer, const char *key, struct stripe_payment_method *,
	    struct stripe_error *);
/* POST /v1/payment_methods/:id/detach. */
int	 gateway_method_detach(struct stripe_client *, const char *id,
	    const char *key, struct stripe_error *);

/* POST /v1/refunds for the intent: amount (0: all), metadata refund_id
 * and payment_id. */
int	 gateway_refund_create(struct stripe_client *, const char *intent,
	    int64_t amount, int64_t refund_id, int64_t payment_id, const char *key,
	    struct stripe_refund *, struct stripe_error *);
/* GET /v1/refunds/:id. */
int	 gateway_refund_retrieve(struct stripe_client *, const char *id,
	    struct stripe_refund *, struct stripe_error *);
/* GET /v1/refunds?payment_intent=&limit=100 (owned list). */
int	 gateway_refunds_of(struct stripe_client *, const char *intent,
	    struct stripe_refund_list *, struct stripe_error *);

#endif
