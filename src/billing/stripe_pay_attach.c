/* Saving a payment method collected by an integrator's own Stripe.js: the
 * PaymentMethod id (pm_...) is attached to the account's customer at
 * Stripe, recorded like one saved through a SetupIntent, and its consent
 * recorded with it (stripe_pay.h). */
#include "common.h"

#include "db.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "gateway.h"
#include "str.h"

/* "pm_" and 1..100 of [A-Za-z0-9_]. */
static int
pm_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 4 || n > 103 || strncmp(s, "pm_", 3) != 0)
		return 0;
	for (size_t i = 3; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

struct attach_args {
	const struct actor	*actor;
	int64_t			 account_id;
	const struct stripe_payment_method *pm;
	int64_t			 id;
};

static int
attach_tx(struct db *db, void *arg)
{
	struct attach_args *a = arg;

	return sp_method_record(db, a->actor, a->account_id, a->pm, &a->id);
}

/* The attach call; an already attached method of ours is fetched instead.
 * 0, or -1 with *rc and msg set. */
static int
attach_at_stripe(const struct sp *sp, const char *pm_id, const char *customer,
    int64_t account_id, struct stripe_payment_method *pm, int *rc, char *msg,
    size_t msgsz)
{
	struct stripe_error r;
	char idem[160];

	str_fmt(idem, sizeof(idem), "pm-attach-%" PRId64 "-%s", account_id, pm_id);
	if (gateway_method_attach(sp->stripe, pm_id, customer, idem, pm, &r) == 0)
		return 0;
	if (r.http_status == 404 || strcmp(r.code, "resource_missing") == 0) {
		sp_msg(msg, msgsz, "Stripe knows no such PaymentMethod.");
		*rc = SP_NOT_FOUND;
		return -1;
	}
	if (r.http_status != 400) {
		sp_msg(msg, msgsz, stripe_error_friendly(&r));
		*rc = SP_STRIPE;
		return -1;
	}
	/* attached before (to us: fine; to someone else: refused) */
	if (gateway_method_retrieve(sp->stripe, pm_id, pm, &r) == -1 ||
	    strcmp(pm->customer, customer) != 0) {
		sp_msg(msg, msgsz, "That PaymentMethod cannot be attached to this "
		    "account.");
		*rc = SP_INVALID;
		return -1;
	}
	return 0;
}

int
stripe_pay_method_attach(const struct sp *sp, int64_t account_id,
    const char *pm_id, struct sp_consent_req *q, int64_t *method_id,
    int64_t *consent_id, char *msg, size_t msgsz)
{
	struct attach_args a = { sp->actor, account_id, NULL, 0 };
	struct stripe_payment_method pm;
	char customer[65];
	int rc = SP_OK;

	*method_id = *consent_id = 0;
	if (!pm_id_ok(pm_id)) {
		sp_msg(msg, msgsz, "Give a Stripe PaymentMethod id (pm_...).");
		return SP_INVALID;
	}
	q->account_id = account_id;
	q->payment_method_id = 1;	/* checked below, once it exists */
	if (sp_consent_check(q, msg, msgsz) == -1)
		return SP_INVALID;
	if ((rc = stripe_pay_customer(sp, account_id, customer,
	    sizeof(customer))) != SP_OK)
		return rc;
	if (attach_at_stripe(sp, pm_id, customer, account_id, &pm, &rc, msg,
	    msgsz) == -1)
		return rc;
	a.pm = &pm;
	if (db_tx(sp->db, attach_tx, &a) != DB_OK)
		return SP_DB;
	if (a.id == 0) {
		sp_msg(msg, msgsz, "That kind of payment method is not supported.");
		return SP_INVALID;
	}
	*method_id = a.id;
	q->payment_method_id = a.id;
	return stripe_pay_consent_record(sp, q, consent_id, msg, msgsz);
}
