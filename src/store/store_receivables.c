#include "common.h"

#include "db.h"
#include "str.h"
#include "store_receivables.h"

/* The A/R totals read model (migration 0032): at most 16 rows (shards) per
 * location, read through its primary key. */
#define TOTALS "SELECT COALESCE(SUM(owed), 0), COALESCE(SUM(credit), 0)," \
	" COALESCE(SUM(accounts_owing), 0) FROM ar_totals"

int
store_receivables_totals(struct db *db, int64_t location_id,
    struct store_ar_totals *t)
{
	struct db_param p[] = { DB_I64(location_id) };
	struct db_result r;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = location_id ?
	    db_query(db, TOTALS " WHERE location_id = ?", p, 1, &r) :
	    db_query(db, TOTALS, NULL, 0, &r);
	if (rc == DB_OK && r.nrows == 1) {
		t->owed = db_i64(&r, 0, 0);
		t->credit = db_i64(&r, 0, 1);
		t->accounts_owing = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc;
}

int
store_receivables_top(struct db *db, int64_t location_id,
    struct store_ar_account *out, size_t max, size_t *n)
{
	struct db_param p[] = { DB_I64(location_id), DB_I64((int64_t)max) };
	struct db_result r;
	int rc;

	*n = 0;
	/* backwards through the index: ties on the balance newest account first */
	rc = location_id ?
	    db_query(db, "SELECT id, name, fig_balance FROM accounts"
	    " WHERE location_id = ? AND fig_balance > 0"
	    " ORDER BY fig_balance DESC, id DESC LIMIT ?", p, 2, &r) :
	    db_query(db, "SELECT id, name, fig_balance FROM accounts"
	    " WHERE fig_balance > 0 ORDER BY fig_balance DESC, id DESC LIMIT ?",
	    p + 1, 1, &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows && i < max; i++) {
		out[i].account_id = db_i64(&r, i, 0);
		str_copy(out[i].name, sizeof(out[i].name), db_str(&r, i, 1));
		out[i].balance = db_i64(&r, i, 2);
		(*n)++;
	}
	db_result_free(&r);
	return rc;
}

int
store_receivables_open_by_due(struct db *db, int64_t location_id,
    struct store_ar_due **out, size_t *n)
{
	struct db_param p[] = { DB_I64(location_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	/* the aging read model (migration 0031): a few rows per due date */
	rc = location_id ?
	    db_query(db, "SELECT due_date, SUM(open_amount) FROM ar_open_due"
	    " WHERE location_id = ? GROUP BY due_date", p, 1, &r) :
	    db_query(db, "SELECT due_date, SUM(open_amount) FROM ar_open_due"
	    " GROUP BY due_date", NULL, 0, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		str_copy((*out)[i].due_date, sizeof((*out)[i].due_date),
		    db_str(&r, i, 0));
		(*out)[i].open = db_i64(&r, i, 1);
	}
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

int
store_receivables_reserved(struct db *db, int64_t account_id,
    struct store_reserved **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT r.invoice_id, r.amount FROM payment_reservations r"
	    " JOIN payments p ON p.id = r.payment_id AND p.status = 'pending'"
	    " WHERE r.account_id = ? AND r.invoice_id IS NOT NULL", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		(*out)[i].invoice_id = db_i64(&r, i, 0);
		(*out)[i].amount = db_i64(&r, i, 1);
	}
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

int
store_receivables_by_location(struct db *db, struct store_ar_location *out,
    size_t max, size_t *n, int *more)
{
	struct db_result r;
	int rc;

	*n = 0;
	*more = 0;
	/* in primary key order: no sort, no temporary table; a location
	 * whose accounts all have a zero balance (its rows kept at zero) is
	 * left out, as it was when summing the accounts */
	rc = db_query(db, "SELECT location_id, SUM(owed), SUM(credit),"
	    " SUM(accounts_owing) FROM ar_totals GROUP BY location_id"
	    " HAVING SUM(owed) <> 0 OR SUM(credit) <> 0 ORDER BY location_id",
	    NULL, 0, &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		if (*n == max) {
			*more = 1;
			break;
		}
		out[*n].location_id = db_i64(&r, i, 0);
		out[*n].owed = db_i64(&r, i, 1);
		out[*n].credit = db_i64(&r, i, 2);
		out[*n].accounts_owing = db_i64(&r, i, 3);
		(*n)++;
	}
	db_result_free(&r);
	return rc;
}
