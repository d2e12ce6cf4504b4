#include "common.h"

#include "db.h"
#include "str.h"
#include "store_invoice_list.h"
#include "store_invoice_row.h"
#include "store_rows.h"

static const char *const filter_names[SIF__MAX] = {
	"", "draft", "void", "paid", "partial", "open", "unpaid",
};

/* Invoices first (STRAIGHT_JOIN), each small table by its primary key
 * (FORCE INDEX): otherwise the optimizer scans payment_types or locations
 * into a join buffer, and the newest-first LIMIT becomes a sort of every
 * invoice in an on-disk temporary table. */

/* Constant SQL fragments per filter (no text from input reaches the SQL). */
static const char *const filter_sql[SIF__MAX] = {
	"",
	" AND i.status = 'draft'",
	" AND i.status = 'void'",
	" AND i.status = 'issued' AND i.fig_total <= i.fig_paid",
	" AND i.status = 'issued' AND i.fig_paid > 0 AND i.fig_total > i.fig_paid",
	" AND i.status = 'issued' AND i.fig_paid = 0 AND i.fig_total > i.fig_paid",
	" AND i.status = 'issued' AND i.fig_total > i.fig_paid",
};

int
store_invoice_list_filter(const char *s, enum store_inv_filter *f)
{
	for (int i = 0; i < SIF__MAX; i++)
		if (strcmp(s ? s : "", filter_names[i]) == 0) {
			*f = (enum store_inv_filter)i;
			return 0;
		}
	return -1;
}

/* Appends a constant fragment; -1 when it does not fit. */
static int
sql_add(char *sql, size_t sz, const char *frag)
{
	size_t len = strlen(sql), add = strlen(frag);

	if (len + add >= sz)
		return -1;
	memcpy(sql + len, frag, add + 1);
	return 0;
}

void
store_invoice_list_row_from(const struct db_result *r, size_t i,
    struct store_invoice_row *o)
{
	memset(o, 0, sizeof(*o));
	o->id = db_i64(r, i, 0);
	str_copy(o->number, sizeof(o->number), db_str(r, i, 1));
	o->account_id = db_i64(r, i, 2);
	o->client_id = db_i64(r, i, 3);
	o->location_id = db_i64(r, i, 4);
	o->payment_type_id = db_i64(r, i, 5);
	str_copy(o->status, sizeof(o->status), db_str(r, i, 6));
	str_copy(o->invoice_date, sizeof(o->invoice_date), db_str(r, i, 7));
	str_copy(o->due_date, sizeof(o->due_date), db_str(r, i, 8));
	str_copy(o->discount_kind, sizeof(o->discount_kind), db_str(r, i, 9));
	o->discount_value = db_i64(r, i, 10);
	o->issued_at = db_i64(r, i, 11);
	str_copy(o->void_reason, sizeof(o->void_reason), db_str(r, i, 12));
	str_copy(o->account_name, sizeof(o->account_name), db_str(r, i, 13));
	str_copy(o->client_name, sizeof(o->client_name), db_str(r, i, 14));
	str_copy(o->location_name, sizeof(o->location_name), db_str(r, i, 15));
	str_copy(o->payment_type_name, sizeof(o->payment_type_name),
	    db_str(r, i, 16));
	o->total = db_i64(r, i, 17);
	o->paid = db_i64(r, i, 18);
	if (r->ncols > 19)
		o->posted_at = db_i64(r, i, 19);
}

static void
row_from(const struct db_result *r, size_t i, void *elem)
{
	store_invoice_list_row_from(r, i, elem);
}

/* The statement text of one combination of filters, built once from the
 * constant fragments and kept for the life of the process: db.c caches
 * prepared statements by the address of their text. (Workers are single
 * threaded processes.) NULL when out of memory. */
static const char *
page_sql(unsigned set, enum store_inv_filter status)
{
	static char *texts[16][SIF__MAX];
	static const char *const frag[4] = { " AND i.account_id = ?",
	    " AND i.client_id = ?", " AND i.location_id = ?", " AND i.id < ?" };
	char sql[1600];

	if (texts[set][status] != NULL)
		return texts[set][status];
	str_copy(sql, sizeof(sql), STORE_INVOICE_ROW_COLS STORE_INVOICE_ROW_FROM
	    " WHERE 1 = 1");
	for (unsigned k = 0; k < 4; k++)
		if ((set & (1u << k)) && sql_add(sql, sizeof(sql), frag[k]) == -1)
			return NULL;
	if (sql_add(sql, sizeof(sql), filter_sql[status]) == -1 ||
	    sql_add(sql, sizeof(sql), " ORDER BY i.id DESC LIMIT ?") == -1)
		return NULL;
	texts[set][status] = strdup(sql);
	return texts[set][status];
}

/* The statement for the filters that are set: equality on the indexed
 * columns (account, client, location), then the keyset. */
int
store_invoice_list_page(struct db *db, const struct store_invoice_query *q,
    struct store_invoice_row **out, size_t *n)
{
	int64_t v[4] = { q->account_id, q->client_id, q->location_id, q->before_id };
	struct db_param p[5];
	const char *sql;
	unsigned set = 0;
	size_t np = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((unsigned)q->status >= SIF__MAX)
		return DB_ERR;
	for (unsigned k = 0; k < 4; k++)
		if (v[k] != 0) {
			set |= 1u << k;
			p[np++] = DB_I64(v[k]);
		}
	if ((sql = page_sql(set, q->status)) == NULL)
		return DB_ERR;
	p[np++] = DB_I64((int64_t)q->limit + 1);
	*out = store_rows_query(db, sql, p, np, sizeof(**out), row_from, n, &rc);
	return rc;
}

int
store_invoice_list_posted(struct db *db, int64_t account_id,
    struct store_invoice_row **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	int rc;

	*out = store_rows_query(db, STORE_INVOICE_ROW_COLS ", pi.posted_at FROM"
	    " portal_invoices pi"
	    " JOIN invoices i ON i.id = pi.invoice_id AND i.account_id = pi.account_id"
	    " JOIN accounts a ON a.id = i.account_id"
	    " LEFT JOIN clients c ON c.id = i.client_id"
	    " LEFT JOIN locations l FORCE INDEX (PRIMARY) ON l.id = i.location_id"
	    " JOIN payment_types pt FORCE INDEX (PRIMARY) ON pt.id = i.payment_type_id"
	    " WHERE pi.account_id = ? AND i.status <> 'draft'"
	    " ORDER BY pi.invoice_id DESC", p, 1, sizeof(**out), row_from, n, &rc);
	return rc;
}
