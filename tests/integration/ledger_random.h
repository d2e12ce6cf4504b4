/* Shared by test_ledger_random.c (the random run against a model) and its
 * case files: ledger_race_cases.c (concurrency) and ledger_limit_cases.c
 * (limits of the domain API). */
#ifndef LEDGER_RANDOM_H
#define LEDGER_RANDOM_H

#include <check.h>
#include <stdint.h>

#include "audit.h"
#include "cfg.h"
#include "db.h"

#define LEDGER_TC_TIMEOUT	300

extern struct config cfg;
extern struct db *db;
extern const struct actor actor;

/* A location, three services and a payment type, fresh per run. */
struct fixtures {
	int64_t	 location;
	int64_t	 service[3];
	int64_t	 service_rate[3];
	int64_t	 ptype;
};

/* One integer from SQL (fixture checks only, never input). */
int64_t	 sql_i64(const char *sql, const struct db_param *, size_t n);
void	 db_open(void);
void	 db_shut(void);
void	 make_fixtures(struct fixtures *, const char *prefix);
int64_t	 make_account(const char *name, int64_t location);
/* Invoice numbers INV-1..N without gap or duplicate, the sequence at N + 1. */
void	 check_numbers_gap_free(void);
/* ledger_verify and `billingctl ledger verify` both pass. */
void	 expect_verify_ok(const char *when);

/* A new invoice of one line of cents on the account, issued (race file). */
int64_t	 issued_invoice(const struct fixtures *, int64_t account, int64_t cents,
	    const char *due);

void	 ledger_race_cases_add(Suite *);
void	 ledger_limit_cases_add(Suite *);

#endif
