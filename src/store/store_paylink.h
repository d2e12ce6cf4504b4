/* Pay links (pay_links: a token hash per invoice, opening it without a
 * login) and the lookups made with them (pay_link_hits, counted per IP).
 * Functions return a db_status (0 is DB_OK) unless said otherwise; "1/0":
 * 1 when found, 0 when not, or a negative db_status. */
#ifndef STORE_PAYLINK_H
#define STORE_PAYLINK_H

#include <stdint.h>

struct db;

struct store_paylink {
	int64_t	 id;
	int64_t	 invoice_id;
	int64_t	 account_id;		/* the invoice's */
	int64_t	 created_at;
	int64_t	 expires_at;
	int64_t	 revoked_at;		/* 0 = not */
	int64_t	 last_used_at;		/* 0 = never */
};

/* 1/0: the invoice's newest link usable at now. */
int	 store_paylink_current(struct db *, int64_t invoice_id, int64_t now,
	    struct store_paylink *);
/* 1/0: the link usable at now with this token hash. */
int	 store_paylink_find(struct db *, const char *token_hash, int64_t now,
	    struct store_paylink *);
/* by <= 0: none. */
int	 store_paylink_insert(struct db *, int64_t invoice_id,
	    const char *token_hash, int64_t now, int64_t expires_at, int64_t by);
/* Revokes the invoice's links usable at now (by <= 0: none); *count (may
 * be NULL) gets how many. */
int	 store_paylink_revoke(struct db *, int64_t invoice_id, int64_t by,
	    int64_t now, uint64_t *count);
int	 store_paylink_touch(struct db *, int64_t id, int64_t now);

/* Lookups from ip since: how many, and how many found no link. */
int	 store_paylink_hits(struct db *, const char *ip, int64_t since,
	    int64_t *hits, int64_t *fails);
int	 store_paylink_hit(struct db *, const char *ip, int ok, int64_t now);
/* Forgets up to 100 lookups made before (bounded work per call). */
int	 store_paylink_hits_forget(struct db *, int64_t before);

#endif
