#include "common.h"

#include "audit.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "invoice.h"
#include "invoice_int.h"
#include "ledger.h"
#include "money.h"
#include "store_invoice_list.h"
#include "str.h"

void
invoice_free(struct invoice *inv)
{
	free(inv->notes);
	free(inv->lines);
	inv->notes = NULL;
	inv->lines = NULL;
	inv->nlines = 0;
}

static void
derive_status(struct invoice *inv)
{
	const char *s;

	if (strcmp(inv->status, "draft") == 0 || strcmp(inv->status, "void") == 0)
		s = inv->status;
	else if (inv->open <= 0)
		s = "paid";
	else if (inv->paid > 0)
		s = "partial";
	else
		s = "open";
	str_copy(inv->display_status, sizeof(inv->display_status), s);
}

#define INV_COLS "i.id, COALESCE(i.number, ''), i.account_id, COALESCE(i.client_id, 0)," \
	" COALESCE(i.location_id, 0), i.payment_type_id, i.status, i.invoice_date," \
	" i.due_date, i.notes, i.discount_kind, i.discount_value, i.void_reason," \
	" COALESCE(i.issued_at, 0), a.name, COALESCE(CONCAT(c.first_name, ' ', c.last_name), '')," \
	" COALESCE(l.name, ''), pt.name," \
	" i.fig_total AS total, i.fig_paid AS paid"	/* figures: migration 0023 */
#define INV_FROM " FROM invoices i JOIN accounts a ON a.id = i.account_id" \
	" LEFT JOIN clients c ON c.id = i.client_id" \
	" LEFT JOIN locations l ON l.id = i.location_id" \
	" JOIN payment_types pt ON pt.id = i.payment_type_id"

static int
invoice_from_row(const struct db_result *r, size_t i, struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->id = db_i64(r, i, 0);
	str_copy(inv->number, sizeof(inv->number), db_str(r, i, 1));
	inv->account_id = db_i64(r, i, 2);
	inv->client_id = db_i64(r, i, 3);
	inv->location_id = db_i64(r, i, 4);
	inv->payment_type_id = db_i64(r, i, 5);
	str_copy(inv->status, sizeof(inv->status), db_str(r, i, 6));
	str_copy(inv->invoice_date, sizeof(inv->invoice_date), db_str(r, i, 7));
	str_copy(inv->due_date, sizeof(inv->due_date), db_str(r, i, 8));
	if ((inv->notes = strdup(db_str(r, i, 9))) == NULL)
		return -1;
	if (discount_kind_parse(db_str(r, i, 10), &inv->dk) == -1)
		inv->dk = DISC_NONE;
	inv->dv = db_i64(r, i, 11);
	str_copy(inv->void_reason, sizeof(inv->void_reason), db_str(r, i, 12));
	inv->issued_at = db_i64(r, i, 13);
	str_copy(inv->account_name, sizeof(inv->account_name), db_str(r, i, 14));
	str_copy(inv->client_name, sizeof(inv->client_name), db_str(r, i, 15));
	str_copy(inv->location_name, sizeof(inv->location_name), db_str(r, i, 16));
	str_copy(inv->payment_type_name, sizeof(inv->payment_type_name),
	    db_str(r, i, 17));
	inv->total = db_i64(r, i, 18);
	inv->paid = db_i64(r, i, 19);
	return 0;
}

static int
load_lines(struct db *db, struct invoice *inv)
{
	struct db_param p[] = { DB_I64(inv->id) };
	struct db_result r;
	struct calc_line *cl = NULL;
	size_t bad;
	int rc;

	rc = db_query(db, "SELECT id, COALESCE(service_id, 0), description, quantity,"
	    " rate, discount_kind, discount_value FROM invoice_lines"
	    " WHERE invoice_id = ? ORDER BY position, id", p, 1, &r);
	if (rc != DB_OK)
		goto out;
	inv->nlines = r.nrows;
	if (r.nrows > 0 && ((inv->lines = calloc(r.nrows, sizeof(*inv->lines))) == NULL ||
	    (cl = calloc(r.nrows, sizeof(*cl))) == NULL)) {
		rc = DB_ERR;
		goto out;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct invoice_line *l = &inv->lines[i];
		l->id = db_i64(&r, i, 0);
		l->service_id = db_i64(&r, i, 1);
		str_copy(l->description, sizeof(l->description), db_str(&r, i, 2));
		l->quantity = db_i64(&r, i, 3);
		l->rate = db_i64(&r, i, 4);
		if (discount_kind_parse(db_str(&r, i, 5), &l->dk) == -1)
			l->dk = DISC_NONE;
		l->dv = db_i64(&r, i, 6);
		cl[i].quantity = l->quantity;
		cl[i].rate = l->rate;
		cl[i].dk = l->dk;
		cl[i].dv = l->dv;
	}
	inv->totals.dk = inv->dk;
	inv->totals.dv = inv->dv;
	/* Stored lines were validated on save; a failure here leaves zeros. */
	if (calc_invoice(cl, inv->nlines, &inv->totals, &bad) == CALC_OK)
		for (size_t i = 0; i < inv->nlines; i++) {
			inv->lines[i].gross = cl[i].gross;
			inv->lines[i].discount = cl[i].discount;
			inv->lines[i].net = cl[i].net;
		}
out:
	free(cl);
	db_result_free(&r);
	return rc;
}

static void
finish_amounts(struct invoice *inv)
{
	if (strcmp(inv->status, "draft") == 0) {
		inv->total = inv->totals.total;
		inv->paid = 0;
	}
	inv->open = strcmp(inv->status, "issued") == 0 ? inv->total - inv->paid : 0;
	derive_status(inv);
}

int
invoice_get(struct db *db, int64_t id, struct invoice *inv)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	memset(inv, 0, sizeof(*inv));
	rc = db_query(db, "SELECT " INV_COLS INV_FROM " WHERE i.id = ?", p, 1, &r);
	if (rc != DB_OK || r.nrows == 0) {
		db_result_free(&r);
		return rc != DB_OK ? INV_DB : INV_NOT_FOUND;
	}
	rc = invoice_from_row(&r, 0, inv);
	db_result_free(&r);
	if (rc == -1 || load_lines(db, inv) != DB_OK) {
		invoice_free(inv);
		return INV_DB;
	}
	finish_amounts(inv);
	return INV_OK;
}

/* A list row as the domain's invoice (no notes: NULL, no lines). */
static void
invoice_from_list_row(const struct store_invoice_row *o, struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->id = o->id;
	str_copy(inv->number, sizeof(inv->number), o->number);
	inv->account_id = o->account_id;
	inv->client_id = o->client_id;
	inv->location_id = o->location_id;
	inv->payment_type_id = o->payment_type_id;
	str_copy(inv->status, sizeof(inv->status), o->status);
	str_copy(inv->invoice_date, sizeof(inv->invoice_date), o->invoice_date);
	str_copy(inv->due_date, sizeof(inv->due_date), o->due_date);
	if (discount_kind_parse(o->discount_kind, &inv->dk) == -1)
		inv->dk = DISC_NONE;
	inv->dv = o->discount_value;
	inv->issued_at = o->issued_at;
	str_copy(inv->void_reason, sizeof(inv->void_reason), o->void_reason);
	str_copy(inv->account_name, sizeof(inv->account_name), o->account_name);
	str_copy(inv->client_name, sizeof(inv->client_name), o->client_name);
	str_copy(inv->location_name, sizeof(inv->location_name), o->location_name);
	str_copy(inv->payment_type_name, sizeof(inv->payment_type_name),
	    o->payment_type_name);
	inv->total = o->total;
	inv->paid = o->paid;
}

int
invoice_list(struct db *db, const struct invoice_filter *f, struct invoice **out,
    size_t *n, int *more)
{
	size_t limit = f->limit < 1 ? 50 : f->limit > 200 ? 200 : f->limit;
	struct store_invoice_query q = { f->account_id, f->client_id,
	    f->location_id, SIF_ANY, f->before_id, limit };
	struct store_invoice_row *rows = NULL;
	size_t got = 0, i;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (store_invoice_list_filter(f->status, &q.status) == -1)
		return INV_OK;	/* an unknown status matches nothing */
	if (store_invoice_list_page(db, &q, &rows, &got) != DB_OK)
		return INV_DB;
	*more = got > limit;
	*n = got > limit ? limit : got;
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		free(rows);
		*n = 0;
		return INV_DB;
	}
	for (i = 0; i < *n; i++) {
		struct invoice *inv = &(*out)[i];
		invoice_from_list_row(&rows[i], inv);
		/* a draft's total comes from its lines */
		if (strcmp(inv->status, "draft") == 0 && load_lines(db, inv) != DB_OK)
			break;
		finish_amounts(inv);
	}
	free(rows);
	if (i < *n) {
		for (size_t j = 0; j <= i && j < *n; j++)
			invoice_free(&(*out)[j]);
		free(*out);
		*out = NULL;
		*n = 0;
		return INV_DB;
	}
	return INV_OK;
}

int
invoice_list_posted(struct db *db, int64_t account_id, struct invoice **out,
    int64_t **posted_at, size_t *n)
{
	struct store_invoice_row *rows = NULL;
	size_t got = 0;

	*out = NULL;
	*posted_at = NULL;
	*n = 0;
	if (store_invoice_list_posted(db, account_id, &rows, &got) != DB_OK)
		return INV_DB;
	if (got > 0 && ((*out = calloc(got, sizeof(**out))) == NULL ||
	    (*posted_at = calloc(got, sizeof(**posted_at))) == NULL)) {
		free(*out);
		*out = NULL;
		free(rows);
		return INV_DB;
	}
	for (size_t i = 0; i < got; i++) {
		invoice_from_list_row(&rows[i], &(*out)[i]);
		finish_amounts(&(*out)[i]);
		(*posted_at)[i] = rows[i].posted_at;
	}
	*n = got;
	free(rows);
	return INV_OK;
}

/* --- drafts --------------------------------------------------------------- */

struct draft_args {
	const struct actor	*actor;
	struct invoice		*inv;
	int			 creating;
	int			 st;
	char			*msg;
	size_t			 msgsz;
};

#define FAILMSG(a, ...)	str_fmt((a)->msg, (a)->msgsz, __VA_ARGS__)

/* References must exist: the account; a client of that account; an active
 * location; a payment type. */
static int
check_refs(struct db *db, struct draft_args *a)
{
	struct invoice *inv = a->inv;
	int64_t n;
	int rc;

	{
		struct db_param p[] = { DB_I64(inv->account_id) };
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM accounts WHERE id = ?",
		    p, 1, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			FAILMSG(a, "The account does not exist.");
			REFUSE(a, INV_INVALID);
		}
	}
	if (inv->client_id) {
		struct db_param p[] = { DB_I64(inv->client_id), DB_I64(inv->account_id) };
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM clients WHERE id = ?"
		    " AND account_id = ?", p, 2, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			FAILMSG(a, "The client does not belong to this account.");
			REFUSE(a, INV_INVALID);
		}
	}
	if (inv->location_id) {
		struct db_param p[] = { DB_I64(inv->location_id) };
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM locations WHERE id = ?",
		    p, 1, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			FAILMSG(a, "Choose a location from the list.");
			REFUSE(a, INV_INVALID);
		}
	}
	{
		struct db_param p[] = { DB_I64(inv->payment_type_id) };
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM payment_types WHERE id = ?",
		    p, 1, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			FAILMSG(a, "Choose a payment type from the list.");
			REFUSE(a, INV_INVALID);
		}
	}
	for (size_t i = 0; i < inv->nlines; i++) {
		struct db_param p[] = { DB_I64(inv->lines[i].service_id) };
		if (inv->lines[i].service_id == 0)
			continue;
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM services WHERE id = ?",
		    p, 1, &n)) != DB_OK)
			return rc;
		if (n == 0) {
			FAILMSG(a, "Line %zu: choose a service from the catalog.", i + 1);
			REFUSE(a, INV_INVALID);
		}
	}
	return DB_OK;
}

/* Dates, line count and amounts, before any SQL. */
static int
check_draft(struct invoice *inv, char *msg, size_t msgsz)
{
	struct calc_line cl[INVOICE_MAX_LINES];
	int64_t d1, d2;
	size_t bad;
	int rc;

	if (date_parse(inv->invoice_date, &d1) == -1) {
		str_fmt(msg, msgsz, "Invoice date must be a date (YYYY-MM-DD).");
		return -1;
	}
	if (date_parse(inv->due_date, &d2) == -1) {
		str_fmt(msg, msgsz, "Due date must be a date (YYYY-MM-DD).");
		return -1;
	}
	if (d2 < d1) {
		str_fmt(msg, msgsz, "Due date cannot be before the invoice date.");
		return -1;
	}
	if (inv->nlines > INVOICE_MAX_LINES) {
		str_fmt(msg, msgsz, "An invoice has at most %d lines.", INVOICE_MAX_LINES);
		return -1;
	}
	for (size_t i = 0; i < inv->nlines; i++) {
		if (inv->lines[i].description[0] == '\0') {
			str_fmt(msg, msgsz, "Line %zu needs a description.", i + 1);
			return -1;
		}
		cl[i] = (struct calc_line){ inv->lines[i].quantity, inv->lines[i].rate,
		    inv->lines[i].dk, inv->lines[i].dv, 0, 0, 0 };
	}
	inv->totals.dk = inv->dk;
	inv->totals.dv = inv->dv;
	if ((rc = calc_invoice(cl, inv->nlines, &inv->totals, &bad)) != CALC_OK) {
		if (bad < inv->nlines)
			str_fmt(msg, msgsz, "Line %zu: %s.", bad + 1, calc_strerror(rc));
		else
			str_fmt(msg, msgsz, "Invoice discount: %s.", calc_strerror(rc));
		return -1;
	}
	for (size_t i = 0; i < inv->nlines; i++) {
		inv->lines[i].gross = cl[i].gross;
		inv->lines[i].discount = cl[i].discount;
		inv->lines[i].net = cl[i].net;
	}
	return 0;
}

static int
save_lines(struct db *db, const struct invoice *inv)
{
	struct db_param d[] = { DB_I64(inv->id) };
	int rc;

	/* Lines of a draft are not money yet: replacing them is editing. */
	if ((rc = db_exec(db, "DELETE FROM invoice_lines WHERE invoice_id = ?",
	    d, 1, NULL, NULL)) != DB_OK)
		return rc;
	for (size_t i = 0; i < inv->nlines; i++) {
		const struct invoice_line *l = &inv->lines[i];
		struct db_param p[] = { DB_I64(inv->id), DB_I64((int64_t)i + 1),
		    l->service_id ? DB_I64(l->service_id) : DB_NULL,
		    DB_STR(l->description), DB_I64(l->quantity), DB_I64(l->rate),
		    DB_STR(discount_kind_names[l->dk]), DB_I64(l->dv) };
		if ((rc = db_exec(db, "INSERT INTO invoice_lines (invoice_id, position,"
		    " service_id, description, quantity, rate, discount_kind,"
		    " discount_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    p, ARRAY_LEN(p), NULL, NULL)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

static int
draft_tx(struct db *db, void *arg)
{
	struct draft_args *a = arg;
	struct invoice *inv = a->inv;
	int64_t now = clock_now();
	char detail[256];
	int rc;

	if (a->creating)
		inv->id = 0;	/* a retried transaction inserts again */
	if ((rc = check_refs(db, a)) != DB_OK)
		return rc;
	if (inv->id == 0) {
		struct db_param p[] = { DB_I64(inv->account_id),
		    inv->client_id ? DB_I64(inv->client_id) : DB_NULL,
		    inv->location_id ? DB_I64(inv->location_id) : DB_NULL,
		    DB_I64(inv->payment_type_id), DB_STR(inv->invoice_date),
		    DB_STR(inv->due_date), DB_STR(inv->notes ? inv->notes : ""),
		    DB_STR(discount_kind_names[inv->dk]), DB_I64(inv->dv),
		    a->actor->id ? DB_I64(a->actor->id) : DB_NULL, DB_I64(now),
		    DB_I64(now) };
		uint64_t id;
		if ((rc = db_exec(db, "INSERT INTO invoices (account_id, client_id,"
		    " location_id, payment_type_id, status, invoice_date, due_date, notes,"
		    " discount_kind, discount_value, created_by, created_at, updated_at)"
		    " VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?)",
		    p, ARRAY_LEN(p), NULL, &id)) != DB_OK)
			return rc;
		inv->id = (int64_t)id;
	} else {
		struct db_param q[] = { DB_I64(inv->id) };
		struct db_result r;
		rc = db_query(db, "SELECT status, account_id FROM invoices WHERE id = ?"
		    " FOR UPDATE", q, 1, &r);
		if (rc != DB_OK || r.nrows == 0) {
			db_result_free(&r);
			if (rc != DB_OK)
				return rc;
			REFUSE(a, INV_NOT_FOUND);
		}
		{
			int is_draft = strcmp(db_str(&r, 0, 0), "draft") == 0;
			int same = db_i64(&r, 0, 1) == inv->account_id;

			db_result_free(&r);
			if (!is_draft)
				REFUSE(a, INV_NOT_DRAFT);
			if (!same) {
				FAILMSG(a, "A draft cannot move to another account.");
				REFUSE(a, INV_INVALID);
			}
		}
		{
			struct db_param p[] = {
			    inv->client_id ? DB_I64(inv->client_id) : DB_NULL,
			    inv->location_id ? DB_I64(inv->location_id) : DB_NULL,
			    DB_I64(inv->payment_type_id), DB_STR(inv->invoice_date),
			    DB_STR(inv->due_date), DB_STR(inv->notes ? inv->notes : ""),
			    DB_STR(discount_kind_names[inv->dk]), DB_I64(inv->dv),
			    DB_I64(now), DB_I64(inv->id) };
			if ((rc = db_exec(db, "UPDATE invoices SET client_id = ?,"
			    " location_id = ?, payment_type_id = ?, invoice_date = ?,"
			    " due_date = ?, notes = ?, discount_kind = ?, discount_value = ?,"
			    " updated_at = ? WHERE id = ? AND status = 'draft'",
			    p, ARRAY_LEN(p), NULL, NULL)) != DB_OK)
				return rc;
		}
	}
	if ((rc = save_lines(db, inv)) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "draft: %zu lines, total %" PRId64
	    " cents, due %s", inv->nlines, inv->totals.total, inv->due_date);
	return audit_record(db, a->actor, a->creating ? "invoice.create" :
	    "invoice.update", "invoice", inv->id, detail);
}

int
invoice_save_draft(struct db *db, const struct actor *actor, struct invoice *inv,
    char *msg, size_t msgsz)
{
	struct draft_args a = { actor, inv, inv->id == 0, 0, msg, msgsz };
	int64_t orig_id = inv->id;
	int rc;

	msg[0] = '\0';
	if (check_draft(inv, msg, msgsz) == -1)
		return INV_INVALID;
	rc = db_tx(db, draft_tx, &a);
	if (rc != DB_OK) {
		inv->id = orig_id;
		return a.st > 0 ? a.st : INV_DB;
	}
	return INV_OK;
}
