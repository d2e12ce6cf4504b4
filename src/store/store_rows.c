/* A query's rows as an array (see store_rows.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"

void *
store_rows_query(struct db *db, const char *sql, const struct db_param *p,
    size_t np, size_t elsz, store_row_fn from_row, size_t *n, int *rc)
{
	struct db_result r;
	char *a = NULL;

	*n = 0;
	*rc = db_query(db, sql, p, np, &r);
	if (*rc == DB_OK && r.nrows > 0 && (a = calloc(r.nrows, elsz)) == NULL)
		*rc = DB_ERR;
	for (size_t i = 0; *rc == DB_OK && i < r.nrows; i++)
		from_row(&r, i, a + i * elsz);
	if (*rc == DB_OK)
		*n = r.nrows;
	else {
		free(a);
		a = NULL;
	}
	db_result_free(&r);
	return a;
}
