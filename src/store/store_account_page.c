/* The staff account page's lists in one statement (store_account_page.h). */
#include "common.h"

#include "db.h"
#include "store_account_page.h"
#include "store_estimate.h"
#include "store_invoice_list.h"
#include "store_invoice_row.h"
#include "store_method.h"
#include "store_payment.h"
#include "store_profile.h"
#include "store_rows.h"
#include "store_statement.h"

/* Each list's family columns, padded with NULLs to the payment row's 33,
 * then its kind (column 33). Every branch reads through its account index
 * with its own ORDER BY and LIMIT; no TEXT column (a consent's auth_text
 * reads as ''), so the UNION needs no on-disk temporary table. */
#define N4	"NULL, NULL, NULL, NULL, "
#define N8	N4 N4
#define N16	N8 N8
#define AP_CLIENTS "(" STORE_CLIENT_COLS ", " N16 N4 "NULL, 1" \
	STORE_CLIENT_FROM " WHERE c.account_id = ? ORDER BY c.id)"
#define AP_INVOICES "(" STORE_INVOICE_ROW_COLS ", " N8 N4 "NULL, NULL, 2" \
	STORE_INVOICE_ROW_FROM " WHERE i.account_id = ? ORDER BY i.id DESC" \
	" LIMIT ?)"
#define AP_PAYMENTS "(SELECT " STORE_PAY_COLS ", 0, 3 FROM payments p" \
	" WHERE p.account_id = ? ORDER BY p.id DESC LIMIT ?)"
#define AP_STATEMENTS "(" STORE_STATEMENT_HEAD_COLS ", " N16 N4 "4" \
	STORE_STATEMENT_HEAD_FROM " WHERE s.account_id = ?" \
	" ORDER BY s.id DESC LIMIT ?)"
#define AP_METHODS "(SELECT " STORE_PM_COLS ", " N16 N4 "NULL, 5" \
	" FROM payment_methods WHERE account_id = ? AND status = 'active'" \
	" ORDER BY is_default DESC, id DESC)"
#define AP_CONSENTS "(SELECT " STORE_CONSENT_COLS20 ", '', " N8 N4 "6" \
	STORE_CONSENT_FROM " WHERE c.account_id = ? AND c.revoked_at IS NULL" \
	" ORDER BY c.id DESC)"
#define AP_PLANS "(SELECT id, " N16 N16 "7 FROM payment_plans" \
	" WHERE account_id = ? ORDER BY id DESC LIMIT 100)"
#define AP_FLAGS "(SELECT x.*, " N16 N8 "NULL, NULL, NULL, 8 FROM (" \
	STORE_GFE_ROWS " AND e.account_id = ?) x" STORE_GFE_WHERE ")"
#define AP_KIND	33

static int
id_cmp(int64_t x, int64_t y)
{
	return x < y ? -1 : x > y;
}

#define ID_DESC(name, type) \
static int \
name(const void *a, const void *b) \
{ \
	return id_cmp(((const type *)b)->id, ((const type *)a)->id); \
}
ID_DESC(invoice_cmp, struct store_invoice_row)
ID_DESC(payment_cmp, struct store_payment)
ID_DESC(statement_cmp, struct store_statement)
ID_DESC(consent_cmp, struct store_consent)
ID_DESC(flag_cmp, struct store_estimate_flag)

static int
client_cmp(const void *a, const void *b)
{
	return id_cmp(((const struct store_client *)a)->id,
	    ((const struct store_client *)b)->id);
}

static int
method_cmp(const void *a, const void *b)
{
	const struct store_method *x = a, *y = b;

	if (x->is_default != y->is_default)
		return y->is_default - x->is_default;
	return id_cmp(y->id, x->id);
}

static int
plan_cmp(const void *a, const void *b)
{
	return id_cmp(*(const int64_t *)b, *(const int64_t *)a);
}

static void
invoice_from_row(const struct db_result *r, size_t i, void *elem)
{
	store_invoice_list_row_from(r, i, elem);
	((struct store_invoice_row *)elem)->posted_at = 0;
}

int
store_account_page_lists(struct db *db, int64_t account_id, size_t rows,
    int64_t dispute, struct store_account_page *o)
{
	int64_t lim = rows > 1000 ? 1000 : (int64_t)rows;
	struct db_param p[] = { DB_I64(account_id), DB_I64(account_id),
	    DB_I64(lim + 1), DB_I64(account_id), DB_I64(lim + 1),
	    DB_I64(account_id), DB_I64(lim), DB_I64(account_id),
	    DB_I64(account_id), DB_I64(account_id), DB_I64(account_id),
	    DB_I64(dispute) };
	struct store_rows_list l[] = {
#define L(fn, cmp, f, n) { fn, cmp, sizeof(*o->f), (void **)&o->f, &o->n }
		L(store_client_from_row, client_cmp, clients, nclients),
		L(invoice_from_row, invoice_cmp, invoices, ninvoices),
		L(store_payment_list_from_row, payment_cmp, payments, npayments),
		L(store_statement_head_from_row, statement_cmp, statements,
		    nstatements),
		L(store_method_from_row, method_cmp, methods, nmethods),
		L(store_consent_from_row, consent_cmp, consents, nconsents),
		L(store_rows_id, plan_cmp, plan_ids, nplans),
		L(store_estimate_flag_from_row, flag_cmp, flags, nflags),
#undef L
	};
	struct db_result r;
	int rc;

	memset(o, 0, sizeof(*o));
	rc = db_query(db, AP_CLIENTS " UNION ALL " AP_INVOICES " UNION ALL "
	    AP_PAYMENTS " UNION ALL " AP_STATEMENTS " UNION ALL " AP_METHODS
	    " UNION ALL " AP_CONSENTS " UNION ALL " AP_PLANS " UNION ALL "
	    AP_FLAGS, p, ARRAY_LEN(p), &r);
	if (rc == DB_OK)
		rc = store_rows_split(&r, AP_KIND, l, ARRAY_LEN(l));
	db_result_free(&r);
	if (rc != DB_OK)
		store_account_page_free(o);
	return rc;
}

void
store_account_page_free(struct store_account_page *o)
{
	free(o->clients);
	free(o->invoices);
	free(o->payments);
	free(o->statements);
	free(o->methods);
	free(o->consents);
	free(o->plan_ids);
	free(o->flags);
	memset(o, 0, sizeof(*o));
}
