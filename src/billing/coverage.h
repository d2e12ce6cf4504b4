/* Insurance coverage of a client or inquiry: primary and optional secondary,
 * each with effective dates and the plan-year figures the estimate rule
 * uses (estimate_calc.h). Edits are audited. */
#ifndef COVERAGE_H
#define COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "estimate_calc.h"

struct db;
struct actor;

enum coverage_status {
	COV_OK = 0,
	COV_NOT_FOUND = 2,
	COV_BAD_PAYER = 3,
	COV_DUP_TIER = 4,	/* another primary (secondary) for overlapping dates */
	COV_BAD_DATES = 5,	/* effective_to before effective_from */
	COV_DB = -1,
};

struct coverage {
	int64_t			 id;
	int64_t			 client_id;
	char			 rank[10];		/* "primary" | "secondary" */
	int64_t			 payer_id;
	char			 payer_name[201];	/* filled by get/list */
	char			 member_id[65];
	char			 group_number[65];
	char			 subscriber[201];
	char			 relationship[8];	/* self spouse child other */
	char			 effective_from[11];	/* YYYY-MM-DD */
	char			 effective_to[11];	/* "" = open */
	struct est_coverage	 fig;			/* in_network and the figures */
	char			 copay_services[1001];	/* service codes, comma separated */
};

/* Create when id == 0, else update (client_id is kept). Audited with the
 * old and new figures. */
int	 coverage_save(struct db *, const struct actor *, struct coverage *);
int	 coverage_get(struct db *, int64_t id, struct coverage *);
/* Every coverage of a client, primary first. Caller frees *out. */
int	 coverage_list(struct db *, int64_t client_id, struct coverage **out,
	    size_t *n);
/* 1 when the service code is in the coverage's copay list. */
int	 coverage_copay_applies(const struct coverage *, const char *code);

#endif
