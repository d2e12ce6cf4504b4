/* Store-internal (never included outside src/store): a query's rows mapped
 * into plain structs, for the families that read lists and single rows. */
#ifndef STORE_ROWS_H
#define STORE_ROWS_H

#include <stddef.h>

struct db;
struct db_param;
struct db_result;

/* Fills the struct at elem from row i of a result. */
typedef void store_row_fn(const struct db_result *, size_t i, void *elem);

/* Every row of the query into a calloc'd array of *n elements of elemsz
 * bytes (*out NULL when none). db_status. */
int	 store_rows_fetch(struct db *, const char *sql, const struct db_param *,
	    size_t nparam, size_t elemsz, store_row_fn *fn, void **out, size_t *n);
/* The same, returning the array (NULL when none or on error; the caller
 * frees it); *rc gets the db_status. */
void	*store_rows_query(struct db *, const char *sql, const struct db_param *p,
	    size_t np, size_t elsz, store_row_fn *from_row, size_t *n, int *rc);
/* The query's one row into elem: 1, 0 when no row, or a db_status < 0. */
int	 store_rows_one(struct db *, const char *sql, const struct db_param *,
	    size_t nparam, store_row_fn *fn, void *elem);
/* 32 placeholders for an IN list of a chunk (a shorter list pads its
 * values, so one statement text, cached, serves every chunk). */
#define STORE_Q4	"?, ?, ?, ?"
#define STORE_Q32	STORE_Q4 ", " STORE_Q4 ", " STORE_Q4 ", " STORE_Q4 ", " \
	STORE_Q4 ", " STORE_Q4 ", " STORE_Q4 ", " STORE_Q4
#define STORE_Q32_N	32
/* store_row_fn for an int64_t from the first column (ids). */
void	 store_rows_id(const struct db_result *, size_t i, void *elem);

/* One list of a UNION ALL whose branches carry a kind (1, 2, ...) in one
 * column: its rows (kind == index + 1) go through from_row into a calloc'd
 * *out of *n elements, sorted by cmp (a UNION promises no order). */
struct store_rows_list {
	store_row_fn	*from_row;
	int		(*cmp)(const void *, const void *);
	size_t		 elsz;
	void		**out;
	size_t		*n;
};
/* Splits r by the kind in column kcol into nl lists; db_status (on error
 * the lists filled so far stay for the caller to free). */
int	 store_rows_split(const struct db_result *r, size_t kcol,
	    const struct store_rows_list *l, size_t nl);

/* Rows read in another family's statement (a session's, the work list's)
 * by their own families' decoders: the columns start at col (user,
 * account and ledger day at 0). */
struct store_branding;
#define STORE_BRANDING_COLS "b.org_name, b.org_address, b.accent, b.logo_sha," \
	" b.logo_w, b.logo_h"
void	 store_branding_from_row(const struct db_result *, size_t row,
	    size_t col, struct store_branding *);
#define STORE_ACCOUNT_COLS "a.id, a.name, COALESCE(a.email, ''), a.phone," \
	" a.address1, a.address2, a.city, a.region, a.postal_code," \
	" COALESCE(a.location_id, 0), a.created_at, a.language"
store_row_fn	 store_profile_account_from_row;
#define STORE_USER_COLS "u.id, u.email, u.name, u.role," \
	" u.disabled_at IS NOT NULL, u.created_at, COALESCE(u.last_login_at, 0)"
store_row_fn	 store_user_from_row;
/* A struct store_ledger_day from (date, amount) (store_worklist.c too). */
store_row_fn	 store_ledger_day_from_row;

#endif
