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

#endif
