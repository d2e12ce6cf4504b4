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

/* Runs sql with p and gives every row as a calloc'd array of elsz-byte
 * elements filled by from_row (*out NULL when none; the caller frees it).
 * Returns a db_status. */
int	 store_rows_query(struct db *, const char *sql, const struct db_param *p,
	    size_t np, size_t elsz, store_row_fn from_row, void **out, size_t *n);

#endif
