#include "common.h"

#include "db.h"
#include "str.h"
#include "store_receivables.h"

/* One statement, three parts told apart by the first column: the A/R
 * totals (migration 0032) of the location, or of each location with money
 * (in primary key order, no temporary table; a location whose accounts
 * all have a zero balance is left out, its rows kept at zero); the largest
 * positive balances (backwards through accounts_balance /
 * accounts_location_balance, ties newest account first); the aging
 * summed into its buckets in one row, no grouping: the day rows of
 * ar_open_due (migration 0031) from the first day of the oldest cut's month
 * on, and one more row (part 4) with the whole months before it from
 * ar_owing_month (0034), all of them older than the oldest cut. */
#define AR_AGING(and) "(SELECT 3, 0, '', COALESCE(SUM(IF(due_date > ?," \
	" open_amount, 0)), 0), COALESCE(SUM(IF(due_date <= ? AND due_date > ?," \
	" open_amount, 0)), 0), COALESCE(SUM(IF(due_date <= ? AND due_date > ?," \
	" open_amount, 0)), 0), COALESCE(SUM(IF(due_date <= ? AND due_date > ?," \
	" open_amount, 0)), 0), COALESCE(SUM(IF(due_date <= ?, open_amount, 0)), 0)" \
	" FROM ar_open_due WHERE due_date >= ?" and ")" \
	" UNION ALL (SELECT 4, 0, '', COALESCE(SUM(open_amount), 0), 0, 0, 0, 0" \
	" FROM ar_owing_month WHERE month < ?" and ")"
#define AR_TOP(where) "(SELECT 2, id, name, fig_balance, 0, 0, 0, 0" \
	" FROM accounts WHERE" where " fig_balance > 0" \
	" ORDER BY fig_balance DESC, id DESC LIMIT ?)"

static const char ar_view_all[] =
	"(SELECT 1, location_id, '', SUM(owed), SUM(credit), SUM(accounts_owing),"
	" 0, 0 FROM ar_totals GROUP BY location_id"
	" HAVING SUM(owed) <> 0 OR SUM(credit) <> 0)"
	" UNION ALL " AR_TOP("") " UNION ALL " AR_AGING("");
static const char ar_view_location[] =
	"(SELECT 1, ?, '', COALESCE(SUM(owed), 0), COALESCE(SUM(credit), 0),"
	" COALESCE(SUM(accounts_owing), 0), 0, 0 FROM ar_totals"
	" WHERE location_id = ?)"
	" UNION ALL " AR_TOP(" location_id = ? AND")
	" UNION ALL " AR_AGING(" AND location_id = ?");

static void
ar_view_row(const struct db_result *r, size_t i, struct store_ar_view *v)
{
	switch (db_i64(r, i, 0)) {
	case 1:
		v->totals.owed += db_i64(r, i, 3);
		v->totals.credit += db_i64(r, i, 4);
		v->totals.accounts_owing += db_i64(r, i, 5);
		if (v->nloc == v->maxloc) {
			v->more = 1;
			break;
		}
		v->loc[v->nloc++] = (struct store_ar_location){ db_i64(r, i, 1),
		    db_i64(r, i, 3), db_i64(r, i, 4), db_i64(r, i, 5) };
		break;
	case 2:
		if (v->ntop == v->maxtop)
			break;
		v->top[v->ntop].account_id = db_i64(r, i, 1);
		str_copy(v->top[v->ntop].name, sizeof(v->top[v->ntop].name),
		    db_str(r, i, 2));
		v->top[v->ntop++].balance = db_i64(r, i, 3);
		break;
	case 3:
		for (size_t b = 0; b <= STORE_AR_CUTS; b++)
			v->aging[b] += db_i64(r, i, 3 + b);
		break;
	default:	/* whole months before the oldest band's last one */
		v->aging[STORE_AR_CUTS] += db_i64(r, i, 3);
		break;
	}
}

/* Largest balance first, ties newest account first; locations by id (the
 * order of each part of a UNION is not guaranteed). */
static int
cmp_top(const void *a, const void *b)
{
	const struct store_ar_account *x = a, *y = b;

	if (x->balance != y->balance)
		return x->balance < y->balance ? 1 : -1;
	return x->account_id < y->account_id ? 1 : x->account_id > y->account_id ?
	    -1 : 0;
}

static int
cmp_loc(const void *a, const void *b)
{
	const struct store_ar_location *x = a, *y = b;

	return x->location_id < y->location_id ? -1 : x->location_id >
	    y->location_id;
}

int
store_receivables_view(struct db *db, int64_t location_id,
    struct store_ar_view *v)
{
	char month[11];	/* the first day of the oldest cut's month */
	struct db_param all[] = { DB_I64((int64_t)v->maxtop), DB_STR(v->cut[0]),
	    DB_STR(v->cut[0]), DB_STR(v->cut[1]), DB_STR(v->cut[1]),
	    DB_STR(v->cut[2]), DB_STR(v->cut[2]), DB_STR(v->cut[3]),
	    DB_STR(v->cut[3]), DB_STR(month), DB_STR(month) };
	struct db_param loc[] = { DB_I64(location_id), DB_I64(location_id),
	    DB_I64(location_id), DB_I64((int64_t)v->maxtop), DB_STR(v->cut[0]),
	    DB_STR(v->cut[0]), DB_STR(v->cut[1]), DB_STR(v->cut[1]),
	    DB_STR(v->cut[2]), DB_STR(v->cut[2]), DB_STR(v->cut[3]),
	    DB_STR(v->cut[3]), DB_STR(month), DB_I64(location_id), DB_STR(month),
	    DB_I64(location_id) };
	struct db_result r;
	int rc;

	str_copy(month, sizeof(month), v->cut[STORE_AR_CUTS - 1]);
	if (strlen(month) == 10)
		memcpy(month + 8, "01", 2);
	memset(&v->totals, 0, sizeof(v->totals));
	memset(v->aging, 0, sizeof(v->aging));
	v->nloc = v->ntop = 0;
	v->more = 0;
	rc = location_id ?
	    db_query(db, ar_view_location, loc, ARRAY_LEN(loc), &r) :
	    db_query(db, ar_view_all, all, ARRAY_LEN(all), &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		ar_view_row(&r, i, v);
	db_result_free(&r);
	if (v->ntop > 1)
		qsort(v->top, v->ntop, sizeof(*v->top), cmp_top);
	if (v->nloc > 1)
		qsort(v->loc, v->nloc, sizeof(*v->loc), cmp_loc);
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
