/* Payers and what estimates price with them: payers, payer_rates,
 * service_estimate (self-pay), provider_info. Functions return a db_status
 * (0 is DB_OK; DB_DUP for a duplicate) unless said otherwise. */
#ifndef STORE_PAYER_H
#define STORE_PAYER_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_payer {
	int64_t	 id;
	char	 name[201];
	char	 payer_code[33];
	char	 address[501];
	char	 phone[41];
	int	 active;
};

/* A service with its prices for one payer; -1 in a rate: not set. */
struct store_pricing {
	int64_t	 service_id;
	char	 code[33];
	char	 name[201];
	int	 active;
	int64_t	 standard, contracted, self_pay, discount_bp;
	char	 billing_code[17];
};

struct store_provider {
	char	 name[201];
	char	 npi[11];
	char	 tin[21];
};

int	 store_payer_insert(struct db *, const struct store_payer *, int64_t now,
	    int64_t *id);
int	 store_payer_update(struct db *, const struct store_payer *);
/* 1 and *p when found, 0 when not, or a negative db_status. */
int	 store_payer_get(struct db *, int64_t id, struct store_payer *p);
/* By name into a malloc'd array; active_only: only active payers. */
int	 store_payer_list(struct db *, int active_only, struct store_payer **out,
	    size_t *n);

/* Every service by code with its pricing for payer_id (malloc'd array). */
int	 store_payer_pricing_list(struct db *, int64_t payer_id,
	    struct store_pricing **out, size_t *n);
/* 1 and *p for one service, 0 when no such service, or < 0. */
int	 store_payer_pricing_get(struct db *, int64_t payer_id,
	    int64_t service_id, struct store_pricing *p);
/* Sets the payer's rate of a service; rate < 0 removes it. */
int	 store_payer_rate_set(struct db *, int64_t payer_id, int64_t service_id,
	    int64_t rate);
/* Self-pay pricing of a service; self_pay_rate < 0 stores none (NULL). */
int	 store_payer_self_pay_set(struct db *, int64_t service_id,
	    int64_t self_pay_rate, int64_t discount_bp, const char *billing_code);

/* The provider facts of location_id, else (fallback) the organization's
 * (location 0); *p all "" when none. */
int	 store_payer_provider_get(struct db *, int64_t location_id, int fallback,
	    struct store_provider *p);
int	 store_payer_provider_set(struct db *, int64_t location_id,
	    const struct store_provider *p);
/* Drops a location's own facts (back to the organization's). */
int	 store_payer_provider_delete(struct db *, int64_t location_id);

#endif
