/* Webhook event bodies: the fields our handler acts on, extracted safely
 * from Stripe's JSON. Pure (json-c only) so it can be fuzzed. */
#ifndef STRIPE_EVENT_H
#define STRIPE_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define STRIPE_EVENT_MAX	(1024u * 1024)	/* larger bodies are refused */
#define STRIPE_EVENT_ID_MAX	255	/* id, type, data.object.id length */

struct stripe_event {
	struct json_object	*root;		/* owned: stripe_event_free() */
	/* Borrowed from root; required fields are never NULL. */
	const char		*id;		/* "evt_..." (required) */
	const char		*type;		/* "payment_intent.succeeded" (required) */
	int64_t			 created;	/* -1 when absent */
	int			 livemode;	/* 1, 0, or -1 when absent */
	struct json_object	*object;	/* data.object (required) */
	const char		*object_id;	/* data.object.id (required) */
	const char		*object_type;	/* data.object.object, or NULL */
	const char		*status;	/* data.object.status, or NULL */
	int64_t			 amount;	/* data.object.amount, -1 absent */
	int64_t			 amount_refunded;	/* charges; -1 absent */
	const char		*payment_intent;	/* data.object.payment_intent
						 * (charges, refunds), or NULL */
	int64_t			 payment_id;	/* metadata.payment_id, 0 absent
						 * or not a positive integer */
	/* data.object.last_payment_error.{code,decline_code} (or
	 * failure_code for charges), NULL when absent. */
	const char		*failure_code;
	const char		*decline_code;
};

/* Parses body[0..len): a JSON object with string id ("evt_" prefix) and
 * type, and data.object with a string id, each 1..STRIPE_EVENT_ID_MAX
 * characters. 0, or -1 (out zeroed). */
int	 stripe_event_parse(const char *body, size_t len, struct stripe_event *out);
void	 stripe_event_free(struct stripe_event *);

#endif
