/* Card/ACH attempts: the pending payments row of an attempt, its
 * reservations (payment_reservations), the PaymentIntent claim and the
 * reconcile stamp. Functions return a db_status (0 is DB_OK) unless said
 * otherwise. Called inside the caller's transaction (no network call may
 * run while it holds the locks). */
#ifndef STORE_ATTEMPT_H
#define STORE_ATTEMPT_H

#include <stdint.h>

struct db;

/* A new pending payment; 0 ids store NULL. The consent_* columns are
 * written only when consent is set (else all NULL). */
struct store_attempt {
	int64_t		 account_id;
	int64_t		 client_id;
	const char	*method;
	int64_t		 amount;
	const char	*received_date;
	const char	*memo;
	int64_t		 created_by;
	int64_t		 created_at;
	const char	*attempt_key;
	int64_t		 payment_method_id;
	int		 save_method;
	const char	*alloc_plan;
	int		 consent;
	const char	*signer;
	const char	*scope;
	int64_t		 max_amount;
	const char	*text_version;
	const char	*ip;
	const char	*user_agent;
	int64_t		 recorded_by;
};
int	 store_attempt_insert(struct db *, const struct store_attempt *,
	    int64_t *id);

/* Money reserved by attempts in flight (payments still 'pending') of an
 * invoice, or of the account when invoice_id is 0; *first (may be NULL)
 * the oldest such payment (0: none). */
int	 store_attempt_reserved(struct db *, int64_t account_id,
	    int64_t invoice_id, int64_t *sum, int64_t *first);
/* One reservation row; invoice_id 0 = account credit (NULL). */
int	 store_attempt_reserve(struct db *, int64_t payment_id, int64_t account_id,
	    int64_t invoice_id, int64_t amount, int64_t now);

/* 1 when the row's intent claim is newer than since, else 0, or < 0. */
int	 store_attempt_claim_fresh(struct db *, int64_t payment_id, int64_t since);
/* Sets intent_claimed_at to now; 0 gives the claim back (NULL). */
int	 store_attempt_claim(struct db *, int64_t payment_id, int64_t now);
/* Moves the pending row's checked_at from was to at least now: 1 when it
 * moved (this runner took it), 0 when another did, or < 0. */
int	 store_attempt_checked(struct db *, int64_t payment_id, int64_t was,
	    int64_t now);

#endif
