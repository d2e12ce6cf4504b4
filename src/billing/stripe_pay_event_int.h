/* Webhook events inside billing: the arguments of one event's apply
 * (stripe_pay_event.c runs the inbox, stripe_pay_event_kinds.c holds what
 * each event type does). */
#ifndef STRIPE_PAY_EVENT_INT_H
#define STRIPE_PAY_EVENT_INT_H

#include <stdint.h>

#include "stripe_types.h"
#include "stripe_pay.h"

struct db;
struct store_stripe_event;

enum ev_need { NEED_NONE, NEED_PI, NEED_PM, NEED_REFUNDS };

struct ev_args {
	const struct sp		*sp;
	const struct stripe_event_info *ev;
	const struct store_stripe_event *row;	/* its inbox row */
	const char		*token;		/* our claim */
	/* Its intent's payment, locked and read for the whole chunk, or NULL
	 * (then the handler locks it itself); used once. */
	struct sp_payment	*pre;
	/* Fetched from Stripe on an earlier round (refunds: owned). */
	const struct stripe_payment_intent *pi;		/* &fetched_pi or NULL */
	const struct stripe_payment_method *pm;		/* &fetched_pm or NULL */
	const struct stripe_refund_list	*refunds;	/* &fetched_refunds or NULL */
	struct stripe_payment_intent	 fetched_pi;
	struct stripe_payment_method	 fetched_pm;
	struct stripe_refund_list	 fetched_refunds;
	enum ev_need		 need;
	char			 need_id[256];
	int			 duplicate;
	int			 ignored;
	int			 cancel;
	int64_t			 cancel_payment;
	char			 cancel_intent[65];
	char			 outcome[200];
};

/* The event's effect, by its type (its row is locked and due): DB_OK (the
 * outcome says what), SP_TX_NEED (need/need_id: fetch, run again) or a
 * db_status. */
int	 sp_event_effect(struct db *, struct ev_args *);
/* 1 when events of the type are applied (else stored as done). */
int	 sp_event_handled(const char *type);
/* 1 when the type settles a payment from its PaymentIntent (the
 * payment_intent.* events), whose payment a chunk may read for it. */
int	 sp_event_settles(const char *type);

#endif
