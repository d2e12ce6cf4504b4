/* Payers (insurers), their contracted rates per service, the self-pay rate,
 * discount and CPT/HCPCS code of each service, and the provider facts a
 * Good Faith Estimate prints (organization and per location). Edits are
 * audited. Plain structs; the SQL of these tables lives here only. */
#ifndef PAYER_H
#define PAYER_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;

enum payer_status {
	PAYER_OK = 0,
	PAYER_DUP = 1,		/* name already used */
	PAYER_NOT_FOUND = 2,
	PAYER_DB = -1,
};

struct payer {
	int64_t	 id;
	char	 name[201];
	char	 payer_code[33];
	char	 address[501];
	char	 phone[41];
	int	 active;
};

/* Create when id == 0 (id filled in), else update. Audited. */
int	 payer_save(struct db *, const struct actor *, struct payer *);
int	 payer_get(struct db *, int64_t id, struct payer *);
/* Caller frees *out. */
int	 payer_list(struct db *, int active_only, struct payer **out, size_t *n);

/* A service as estimates price it. -1 in a rate: not set. */
struct service_pricing {
	int64_t	 service_id;
	char	 code[33];
	char	 name[201];
	int	 active;
	int64_t	 standard;	/* services.default_rate */
	int64_t	 contracted;	/* payer_rates.rate for the payer asked, or -1 */
	int64_t	 self_pay;	/* service_estimate.self_pay_rate, or -1 */
	int64_t	 discount_bp;	/* self-pay discount */
	char	 billing_code[17];	/* CPT/HCPCS */
};

/* Every service with its pricing for payer_id (0: no payer, contracted -1).
 * Caller frees *out. */
int	 pricing_list(struct db *, int64_t payer_id, struct service_pricing **out,
	    size_t *n);
int	 pricing_get(struct db *, int64_t payer_id, int64_t service_id,
	    struct service_pricing *);
/* Contracted rate of payer for service; rate -1 removes it. Audited. */
int	 payer_rate_set(struct db *, const struct actor *, int64_t payer_id,
	    int64_t service_id, int64_t rate);
/* Self-pay rate (-1: the standard rate), discount and billing code of a
 * service. Audited. */
int	 service_estimate_set(struct db *, const struct actor *, int64_t service_id,
	    int64_t self_pay_rate, int64_t discount_bp, const char *billing_code);

struct provider_info {
	char	 name[201];
	char	 npi[11];
	char	 tin[21];
};

/* location_id 0: the organization. provider_get falls back to it for a
 * location without its own row. */
int	 provider_get(struct db *, int64_t location_id, struct provider_info *);
/* The location's own row only (all "" when it has none). */
int	 provider_get_own(struct db *, int64_t location_id, struct provider_info *);
int	 provider_set(struct db *, const struct actor *, int64_t location_id,
	    const struct provider_info *);

#endif
