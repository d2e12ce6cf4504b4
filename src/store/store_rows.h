/* Store-internal (never included outside src/store): a query's rows as one
 * calloc'd array of plain structs, for the families that read lists. */
#ifndef STORE_ROWS_H
#define STORE_ROWS_H

#include <stddef.h>

struct db;
struct db_param;
struct db_result;

/* Fills the element at out from row i of r. */
typedef void (*store_row_fn)(const struct db_result *r, size_t i, void *out);

/* Runs sql with p and returns every row as a calloc'd array of elsz-byte
 * elements filled by from_row (NULL when none or on error; the caller
 * frees it), *n rows; *rc gets the db_status. */
void	*store_rows_query(struct db *, const char *sql, const struct db_param *p,
	    size_t np, size_t elsz, store_row_fn from_row, size_t *n, int *rc);

#endif
