/* Coverages of clients (coverages, with the payer's name from payers).
 * Functions return a db_status (0 is DB_OK) unless said otherwise. */
#ifndef STORE_COVERAGE_H
#define STORE_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_coverage {
	int64_t	 id;
	int64_t	 client_id;
	char	 tier[10];		/* "primary" | "secondary" */
	int64_t	 payer_id;
	char	 payer_name[201];	/* read only */
	char	 member_id[65];
	char	 group_number[65];
	char	 subscriber[201];
	char	 relationship[8];
	char	 effective_from[11];	/* YYYY-MM-DD */
	char	 effective_to[11];	/* "" = open (NULL) */
	int	 in_network;
	int64_t	 deductible, deductible_met;
	int64_t	 family_deductible, family_deductible_met;
	int64_t	 coinsurance_bp;
	int64_t	 copay;
	int64_t	 oop_max, oop_met;
	int64_t	 family_oop_max, family_oop_met;
	char	 copay_services[1001];
};

/* 1 and *c when found, 0 when not, or a negative db_status. */
int	 store_coverage_get(struct db *, int64_t id, struct store_coverage *c);
/* A client's coverages by tier, newest first, into a malloc'd array. */
int	 store_coverage_list(struct db *, int64_t client_id,
	    struct store_coverage **out, size_t *n);
/* Inserts c (its id ignored; *id gets the new one) created at now. */
int	 store_coverage_insert(struct db *, const struct store_coverage *c,
	    int64_t now, int64_t *id);
/* Updates every field of coverage c->id but its client. */
int	 store_coverage_update(struct db *, const struct store_coverage *c,
	    int64_t now);
/* How many other coverages (id <> except_id) of the client in tier have
 * dates overlapping [from, to] (dates as YYYY-MM-DD) into *n. */
int	 store_coverage_overlaps(struct db *, int64_t client_id,
	    const char *tier, int64_t except_id, const char *from, const char *to,
	    int64_t *n);
/* 1 when the payer exists, 0 when not, or a negative db_status. */
int	 store_coverage_payer_exists(struct db *, int64_t payer_id);

#endif
