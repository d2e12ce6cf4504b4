/* Internals shared by plan.c, plan_edit.c and plan_pay.c. */
#ifndef PLAN_INT_H
#define PLAN_INT_H

#include "plan.h"

struct buf;

/* A db_tx() body's outcome: db statuses are <= 0, ours the positive
 * enum plan_rc values. */
int	 plan_rc_of(int rc);
int	 plan_fail(struct plan_err *, int rc, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* Locks the plan row and loads the plan (inside a transaction). */
int	 plan_lock(struct db *, int64_t id, struct plan *);
/* Loads the plan without syncing (plan_get syncs first). */
int	 plan_load(struct db *, int64_t id, struct plan *);
/* Cents open now on the plan's invoices (amount plans: on the account's,
 * or the client's, issued invoices). */
int	 plan_open_now(struct db *, const struct plan *, int64_t *open);
/* Checks invoices for a plan of account/client: theirs, issued, open, not
 * in another live plan (except plan_id), no duplicates. Fills inv[]. */
int	 plan_invoices_check(struct db *, int64_t account_id, int64_t client_id,
	    int64_t plan_id, const int64_t *ids, size_t n, struct plan_invoice *inv,
	    struct plan_err *);
/* Inserts installments numbered from `first`. */
int	 plan_insert_slots(struct db *, int64_t plan_id, int first,
	    const struct plan_slot *, size_t n);
/* Writes the next version (plan.version + 1) with `changes`, the current
 * schedule and the consent text, and the audit row `action`. */
int	 plan_version_add(struct db *, const struct actor *, int64_t plan_id,
	    const char *action, const char *changes, const char *consent);
/* Queues the "plan" email (kind: "sent", "changed") to the account. */
int	 plan_mail(const struct plan_env *, const struct plan *, const char *kind);
int	 plan_set_state(struct db *, int64_t id, enum plan_state);
/* Revokes the payment_plan consents naming this plan (its schedule changed
 * or it ended): the next signature records a new one. Writes the consents
 * table directly, inside the caller's transaction; belongs in the consent
 * store once that exists. */
int	 plan_consents_revoke(struct db *, int64_t plan_id);

#endif
