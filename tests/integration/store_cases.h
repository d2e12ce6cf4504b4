/* Shared by the store-level cases (store_cases.c, store_batch_cases.c):
 * the connection, the staff actor and the hand-made ledger rows. */
#ifndef STORE_CASES_H
#define STORE_CASES_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "cfg.h"
#include "db.h"

extern struct config cfg;
extern struct db *db;
extern const struct actor staff;

void	 store_cases_add(Suite *);
/* The A/R and bulk statement cases (store_batch_cases.c). */
void	 store_batch_cases_add(TCase *);

void	 store_setup(void);
void	 store_teardown(void);
void	 tag_new(char *out, size_t outsz);
int64_t	 exec_id(const char *sql, const struct db_param *p, size_t n);
int64_t	 query_i64(const char *sql, const struct db_param *p, size_t n);
void	 date_rel(int64_t days_from_today, char out[11]);
int64_t	 mk_account(const char *name, int64_t location_id);
int64_t	 mk_invoice(char number[40], int64_t account, int64_t client,
	    const char *status, const char *date, const char *due);
int64_t	 mk_payment(int64_t account, int64_t client, const char *method,
	    int64_t amount, const char *date, const char *ref);
void	 mk_entry(const char *kind, int64_t amount, const char *date,
	    int64_t account, int64_t client, int64_t invoice, int64_t payment,
	    const char *memo);
void	 mk_alloc(int64_t payment, int64_t invoice, int64_t amount);

struct ar_fixture {
	char	 tag[16];
	int64_t	 loc, a1, a2, a3, a4, a5;
};
/* Accounts in a fresh location (see store_batch_cases.c). */
void	 mk_ar_fixture(struct ar_fixture *f);

#endif
