/* Rows into plain structs (see store_rows.h). */
#include "common.h"

#include "db.h"
#include "store_rows.h"

int
store_rows_fetch(struct db *db, const char *sql, const struct db_param *p,
    size_t np, size_t elemsz, store_row_fn *fn, void **out, size_t *n)
{
	struct db_result r;
	char *a = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, sql, p, np, &r);
	if (rc == DB_OK && r.nrows > 0 && (a = calloc(r.nrows, elemsz)) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		fn(&r, i, a + i * elemsz);
	if (rc == DB_OK) {
		*out = a;
		*n = r.nrows;
	}
	db_result_free(&r);
	return rc;
}

int
store_rows_one(struct db *db, const char *sql, const struct db_param *p,
    size_t np, store_row_fn *fn, void *elem)
{
	struct db_result r;
	int rc = db_query(db, sql, p, np, &r);

	if (rc == DB_OK && r.nrows == 1) {
		fn(&r, 0, elem);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

void
store_rows_id(const struct db_result *r, size_t i, void *elem)
{
	*(int64_t *)elem = db_i64(r, i, 0);
}

void *
store_rows_query(struct db *db, const char *sql, const struct db_param *p,
    size_t np, size_t elsz, store_row_fn *from_row, size_t *n, int *rc)
{
	void *a = NULL;

	*rc = store_rows_fetch(db, sql, p, np, elsz, from_row, &a, n);
	return a;
}

int
store_rows_split(const struct db_result *r, size_t kcol,
    const struct store_rows_list *l, size_t nl)
{
	for (size_t k = 0; k < nl; k++) {
		size_t n = 0, at = 0;

		*l[k].out = NULL;
		*l[k].n = 0;
		for (size_t i = 0; i < r->nrows; i++)
			n += db_i64(r, i, kcol) == (int64_t)k + 1;
		if (n == 0)
			continue;
		if ((*l[k].out = calloc(n, l[k].elsz)) == NULL)
			return DB_ERR;
		for (size_t i = 0; i < r->nrows; i++)
			if (db_i64(r, i, kcol) == (int64_t)k + 1)
				l[k].from_row(r, i, (char *)*l[k].out +
				    at++ * l[k].elsz);
		qsort(*l[k].out, n, l[k].elsz, l[k].cmp);
		*l[k].n = n;
	}
	return DB_OK;
}
