/* Saved payment methods (payment_methods), the Stripe customer of an
 * account (stripe_customers) and authorization-to-charge consents
 * (consents). Functions return a db_status (0 is DB_OK) unless said
 * otherwise; a "get" / "lock" returns 1 when found, 0 when not, or a
 * negative db_status. */
#ifndef STORE_METHOD_H
#define STORE_METHOD_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* --- customers ---------------------------------------------------------- */

/* The account's Stripe customer id ("" when none). */
int	 store_method_customer_get(struct db *, int64_t account_id, char *out,
	    size_t outsz);
/* The account of a Stripe customer id (0: unknown). */
int	 store_method_customer_account(struct db *, const char *customer,
	    int64_t *account_id);
/* DB_DUP when the account has one already. */
int	 store_method_customer_insert(struct db *, int64_t account_id,
	    const char *customer, int64_t now);
/* The account's name (for its customer at Stripe): 1 / 0 / < 0. */
int	 store_method_account_name(struct db *, int64_t account_id, char *out,
	    size_t outsz);

/* --- payment methods ---------------------------------------------------- */

struct store_method {
	int64_t	 id;
	int64_t	 account_id;
	char	 stripe_pm_id[65];
	char	 kind[16];	/* card | us_bank_account */
	char	 brand[33];
	char	 last4[5];
	int	 exp_month;	/* 0: none (NULL) */
	int	 exp_year;
	int	 is_default;
	char	 status[8];	/* active | removed */
	int64_t	 created_at;
	int64_t	 removed_at;	/* 0 while active */
};

int	 store_method_get(struct db *, int64_t id, struct store_method *);
/* Reads the row locked FOR UPDATE. */
int	 store_method_lock(struct db *, int64_t id, struct store_method *);
/* Our id of a Stripe PaymentMethod id (0: not recorded). */
int	 store_method_by_stripe_id(struct db *, const char *stripe_pm_id,
	    int64_t *id);
/* The account's active methods, default first then newest (malloc'd). */
int	 store_method_list_active(struct db *, int64_t account_id,
	    struct store_method **out, size_t *n);
/* How many active methods of the account are its default. */
int	 store_method_count_defaults(struct db *, int64_t account_id,
	    int64_t *n);
/* A new row from m (id, status, removed_at ignored); a row of the same
 * Stripe id is kept: its id comes back, *inserted = 0. */
int	 store_method_insert(struct db *, const struct store_method *m,
	    int64_t now, int64_t *id, int *inserted);
/* status 'removed' at now, no longer the default. */
int	 store_method_remove(struct db *, int64_t id, int64_t now);
/* Locks the account's active methods FOR UPDATE (by id). */
int	 store_method_lock_active(struct db *, int64_t account_id);
/* 1 when id is an active method of the account, else 0. */
int	 store_method_is_active(struct db *, int64_t id, int64_t account_id);
/* Makes id the account's only default among its active methods. */
int	 store_method_set_default(struct db *, int64_t id, int64_t account_id);

/* --- consents ----------------------------------------------------------- */

/* A new consent; 0 ids / max_amount store NULL. */
struct store_consent_new {
	int64_t		 account_id;
	int64_t		 payment_method_id;
	const char	*scope;
	int64_t		 max_amount;
	int64_t		 plan_id;
	const char	*text_version;
	const char	*signer_name;
	int64_t		 signed_at;
	const char	*ip;
	const char	*user_agent;
	int64_t		 recorded_by;
	const char	*auth_text;
	const char	*method_label;
};
int	 store_method_consent_insert(struct db *, const struct store_consent_new *,
	    int64_t *id);
/* The outbox row of the copy emailed. */
int	 store_method_consent_mailed(struct db *, int64_t consent_id,
	    int64_t mail_id);
/* The method of the account if active, locked FOR UPDATE: 1 / 0 / < 0. */
int	 store_method_lock_usable(struct db *, int64_t id, int64_t account_id,
	    struct store_method *);
/* A consent of the account not revoked, locked FOR UPDATE: 1 / 0 / < 0. */
int	 store_method_consent_lock_open(struct db *, int64_t consent_id,
	    int64_t account_id);
/* Revokes one consent (by 0 = NULL). */
int	 store_method_consent_revoke(struct db *, int64_t consent_id, int64_t now,
	    int64_t by);

/* A consent with its method's facts. */
struct store_consent {
	int64_t	 id;
	int64_t	 account_id;
	int64_t	 payment_method_id;
	char	 method_kind[16];
	char	 method_brand[33];
	char	 method_last4[5];
	char	 scope[16];
	int64_t	 max_amount;		/* 0 = NULL */
	int64_t	 plan_id;		/* 0 = NULL */
	char	 text_version[33];
	char	 signer_name[201];
	int64_t	 signed_at;
	char	 ip[65];
	char	 user_agent[256];
	int64_t	 recorded_by;
	int64_t	 revoked_at;		/* 0 = active */
	int64_t	 revoked_by;
	char	 method_label[100];	/* "" before migration 0009 */
	int	 method_removed;
	int64_t	 mail_id;
	char	 auth_text[4097];	/* "" when none */
};
/* The account's consents, newest first (with_revoked: revoked too). */
int	 store_method_consent_list(struct db *, int64_t account_id,
	    int with_revoked, struct store_consent **out, size_t *n);
int	 store_method_consent_get(struct db *, int64_t consent_id,
	    int64_t account_id, struct store_consent *);
/* The consents in force for a method (not revoked, method active, same
 * account), newest first. */
int	 store_method_consents_active(struct db *, int64_t method_id,
	    struct store_consent **out, size_t *n);
/* How many consents are in force for the method. */
int	 store_method_consents_count(struct db *, int64_t method_id, int64_t *n);

/* Revokes the method's consents not yet revoked (by 0 = NULL); *revoked
 * (may be NULL) gets how many. */
int	 store_method_consents_revoke(struct db *, int64_t method_id,
	    int64_t now, int64_t by, uint64_t *revoked);

#endif
