#include "common.h"

#include "audit.h"
#include "billing_conv.h"
#include "calc.h"
#include "clock.h"
#include "db.h"
#include "invoice.h"
#include "invoice_int.h"
#include "ledger.h"
#include "money.h"
#include "store_catalog.h"
#include "store_invoice.h"
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

/* A stored line as the domain's (amounts derived by calc below). */
static void
line_from_store(const struct store_invoice_line *o, struct invoice_line *l)
{
	l->id = o->id;
	l->service_id = o->service_id;
	str_copy(l->description, sizeof(l->description), o->description);
	l->quantity = o->quantity;
	l->rate = o->rate;
	if (discount_kind_parse(o->discount_kind, &l->dk) == -1)
		l->dk = DISC_NONE;
	l->dv = o->discount_value;
}

static int
load_lines(struct db *db, struct invoice *inv)
{
	struct store_invoice_line *rows = NULL;
	struct calc_line *cl = NULL;
	size_t bad, n = 0;
	int rc;

	rc = store_invoice_lines(db, inv->id, &rows, &n);
	if (rc != DB_OK)
		goto out;
	inv->nlines = n;
	if (n > 0 && ((inv->lines = calloc(n, sizeof(*inv->lines))) == NULL ||
	    (cl = calloc(n, sizeof(*cl))) == NULL)) {
		rc = DB_ERR;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct invoice_line *l = &inv->lines[i];
		line_from_store(&rows[i], l);
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
	free(rows);
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
invoice_get(struct db *db, int64_t id, struct invoice *inv)
{
	struct store_invoice_row row;
	char *notes = NULL;
	int rc;

	memset(inv, 0, sizeof(*inv));
	rc = store_invoice_get(db, id, &row, &notes);
	if (rc != 1) {
		free(notes);
		return rc < 0 ? INV_DB : INV_NOT_FOUND;
	}
	invoice_from_list_row(&row, inv);
	inv->notes = notes;
	if (load_lines(db, inv) != DB_OK) {
		invoice_free(inv);
		return INV_DB;
	}
	finish_amounts(inv);
	return INV_OK;
}

int
invoice_list(struct db *db, const struct invoice_filter *f, struct invoice **out,
    size_t *n, int *more)
{
	size_t limit = f->limit < 1 ? 50 : f->limit > 200 ? 200 : f->limit;
	struct store_invoice_query q = { f->account_id, f->client_id,
	    f->location_id, SIF_ANY, f->before_id, limit };
	struct store_invoice_row *rows = NULL;
	size_t got = 0;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (store_invoice_list_filter(f->status, &q.status) == -1)
		return INV_OK;	/* an unknown status matches nothing */
	if (store_invoice_list_page(db, &q, &rows, &got) != DB_OK)
		return INV_DB;
	return invoice_list_from_store(db, rows, got, limit, out, n, more);
}

int
invoice_list_from_store(struct db *db, struct store_invoice_row *rows,
    size_t got, size_t limit, struct invoice **out, size_t *n, int *more)
{
	size_t i;

	*out = NULL;
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

/* The answer of a store existence check (1 found, 0 not, < 0 error):
 * DB_OK when found, else the refusal with msg, or the error. */
static int
must_exist(struct draft_args *a, int rc, const char *msg)
{
	if (rc < 0)
		return rc;
	if (rc == 0) {
		FAILMSG(a, "%s", msg);
		REFUSE(a, INV_INVALID);
	}
	return DB_OK;
}

/* References must exist: the account; a client of that account; an active
 * location; a payment type. */
static int
check_refs(struct db *db, struct draft_args *a)
{
	struct invoice *inv = a->inv;
	struct store_location loc;
	struct store_payment_type pt;
	struct store_service sv;
	char msg[80];
	int rc;

	if ((rc = must_exist(a, store_invoice_account_exists(db, inv->account_id),
	    "The account does not exist.")) != DB_OK)
		return rc;
	if (inv->client_id && (rc = must_exist(a, store_invoice_client_of(db,
	    inv->client_id, inv->account_id),
	    "The client does not belong to this account.")) != DB_OK)
		return rc;
	if (inv->location_id && (rc = must_exist(a, store_catalog_location_get(db,
	    inv->location_id, 0, &loc), "Choose a location from the list.")) != DB_OK)
		return rc;
	if ((rc = must_exist(a, store_catalog_payment_type_get(db,
	    inv->payment_type_id, 0, &pt),
	    "Choose a payment type from the list.")) != DB_OK)
		return rc;
	for (size_t i = 0; i < inv->nlines; i++) {
		if (inv->lines[i].service_id == 0)
			continue;
		str_fmt(msg, sizeof(msg), "Line %zu: choose a service from the catalog.",
		    i + 1);
		if ((rc = must_exist(a, store_catalog_service_get(db,
		    inv->lines[i].service_id, 0, &sv), msg)) != DB_OK)
			return rc;
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
	struct store_invoice_line sl;
	int rc;

	/* Lines of a draft are not money yet: replacing them is editing. */
	if ((rc = store_invoice_lines_delete(db, inv->id)) != DB_OK)
		return rc;
	for (size_t i = 0; i < inv->nlines; i++) {
		const struct invoice_line *l = &inv->lines[i];

		memset(&sl, 0, sizeof(sl));
		sl.service_id = l->service_id;
		str_copy(sl.description, sizeof(sl.description), l->description);
		sl.quantity = l->quantity;
		sl.rate = l->rate;
		str_copy(sl.discount_kind, sizeof(sl.discount_kind),
		    discount_kind_names[l->dk]);
		sl.discount_value = l->dv;
		if ((rc = store_invoice_line_insert(db, inv->id, (int64_t)i + 1,
		    &sl)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* The draft's header as the store writes it. */
static void
draft_to_store(const struct invoice *inv, struct store_invoice_draft *d)
{
	memset(d, 0, sizeof(*d));
	d->id = inv->id;
	d->account_id = inv->account_id;
	d->client_id = inv->client_id;
	d->location_id = inv->location_id;
	d->payment_type_id = inv->payment_type_id;
	d->invoice_date = inv->invoice_date;
	d->due_date = inv->due_date;
	d->notes = inv->notes;
	d->discount_kind = discount_kind_names[inv->dk];
	d->discount_value = inv->dv;
}

/* An existing draft, locked: still a draft, on the same account. */
static int
draft_lock(struct db *db, struct draft_args *a)
{
	struct store_invoice_state st;
	int rc = store_invoice_lock(db, a->inv->id, &st);

	if (rc < 0)
		return rc;
	if (rc == 0)
		REFUSE(a, INV_NOT_FOUND);
	if (strcmp(st.status, "draft") != 0)
		REFUSE(a, INV_NOT_DRAFT);
	if (st.account_id != a->inv->account_id) {
		FAILMSG(a, "A draft cannot move to another account.");
		REFUSE(a, INV_INVALID);
	}
	return DB_OK;
}

static int
draft_tx(struct db *db, void *arg)
{
	struct draft_args *a = arg;
	struct invoice *inv = a->inv;
	struct store_invoice_draft d;
	int64_t now = clock_now();
	char detail[256];
	int rc;

	if (a->creating)
		inv->id = 0;	/* a retried transaction inserts again */
	if ((rc = check_refs(db, a)) != DB_OK)
		return rc;
	draft_to_store(inv, &d);
	if (inv->id == 0)
		rc = store_invoice_draft_insert(db, &d, a->actor->id, now, &inv->id);
	else if ((rc = draft_lock(db, a)) == DB_OK)
		rc = store_invoice_draft_update(db, &d, now);
	if (rc != DB_OK)
		return rc;
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
