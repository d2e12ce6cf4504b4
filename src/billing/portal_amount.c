/* What clients may pay online besides whole invoices: part of one invoice
 * (at least the Settings minimum, at most what is open and not reserved),
 * a statement's invoices as open today, everything due; and the payment
 * history as the client sees it (declined attempts under the payment they
 * preceded). Amounts always come from here, never from a form. */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "portal.h"
#include "portal_int.h"
#include "store_portal.h"
#include "store_receivables.h"
#include "str.h"
#include "stripe_pay.h"

int
portal_min_payment(struct db *db, int64_t *out)
{
	int64_t cents = 0;
	int rc;

	*out = PORTAL_MIN_PAYMENT_DEFAULT;
	rc = store_portal_min_payment(db, &cents);
	if (rc == DB_OK && cents > 0)
		*out = cents;
	return rc == DB_OK ? PORTAL_OK : PORTAL_DB;
}

struct min_args {
	const struct actor	*actor;
	int64_t			 cents;
};

static int
min_tx(struct db *db, void *arg)
{
	struct min_args *x = arg;
	char detail[64], m[MONEY_FMT_MAX];
	int rc;

	rc = store_portal_min_payment_set(db, x->cents, clock_now(),
	    x->actor->id);
	if (rc != DB_OK)
		return rc;
	money_format(x->cents, m, sizeof(m));
	str_fmt(detail, sizeof(detail), "minimum online payment %s", m);
	return audit_record(db, x->actor, "settings.min_payment", "settings", 1,
	    detail);
}

int
portal_min_payment_set(struct db *db, const struct actor *actor, int64_t cents,
    char *msg, size_t msgsz)
{
	struct min_args x = { actor, cents };

	if (cents < 1 || cents > SP_AMOUNT_MAX) {
		str_copy(msg, msgsz, "The minimum must be between $0.01 and "
		    "$999,999.99.");
		return PORTAL_INVALID;
	}
	return portal_status_of(db_tx(db, min_tx, &x));
}

int
portal_amount_check(const char *text, int64_t min, int64_t avail,
    int64_t *amount, struct portal_amount_refusal *r)
{
	int64_t v;

	/* Less than the minimum is fine when it is all that is left. */
	if (min > avail)
		min = avail;
	*r = (struct portal_amount_refusal){ 0, 0 };
	if (text == NULL || money_parse(text, &v) == -1)
		r->why = PAMT_NOT_AMOUNT;
	else if (v < min)
		*r = (struct portal_amount_refusal){ PAMT_BELOW_MIN, min };
	else if (v > avail)
		*r = (struct portal_amount_refusal){ PAMT_ABOVE_OPEN, avail };
	if (r->why != 0)
		return PORTAL_INVALID;
	*amount = v;
	return PORTAL_OK;
}

int
portal_select_part(struct portal_selection *sel, int64_t amount)
{
	struct alloc_req req = { sel->ids[0], amount };

	if (sel->n != 1 || amount < 1 || amount > sel->amounts[0])
		return PORTAL_INVALID;
	sel->amounts[0] = amount;
	sel->total = amount;
	return stripe_pay_plan_format(&req, 1, sel->plan, sizeof(sel->plan)) == 0 ?
	    PORTAL_OK : PORTAL_DB;
}

/* Keeps those of the nv invoice ids v that can be paid now. */
static int
payable_keep(struct db *db, int64_t account_id, const int64_t *v, size_t nv,
    int64_t *ids, size_t max, size_t *n, int64_t *total)
{
	for (size_t i = 0; i < nv && *n < max; i++) {
		struct portal_invoice pi;
		int64_t reserved = 0;
		int rc = portal_invoice_get(db, account_id, v[i], &pi);

		if (rc == PORTAL_DB)
			return PORTAL_DB;
		if (rc != PORTAL_OK || (pi.status != PIS_OPEN &&
		    pi.status != PIS_PARTIAL))
			continue;
		if (stripe_pay_reserved(db, account_id, pi.id, &reserved, NULL) != SP_OK)
			return PORTAL_DB;
		if (pi.open - reserved <= 0)
			continue;
		ids[(*n)++] = pi.id;
		*total += pi.open - reserved;
	}
	return PORTAL_OK;
}

/* Keeps the ids of the account's posted invoices (of statement_id when
 * > 0) that can be paid now (open or partly paid, not all reserved);
 * *total adds what they come to. */
static int
payable_of(struct db *db, int64_t account_id, int64_t statement_id,
    int64_t *ids, size_t max, size_t *n, int64_t *total)
{
	int64_t *v;
	size_t nv;
	int rc;

	if (store_portal_invoice_ids(db, account_id, statement_id, &v, &nv) !=
	    DB_OK)
		return PORTAL_DB;
	rc = payable_keep(db, account_id, v, nv, ids, max, n, total);
	free(v);
	return rc;
}

int
portal_statement_ids(struct db *db, int64_t account_id, int64_t statement_id,
    int64_t *ids, size_t max, size_t *n, int64_t *total)
{
	int rc;

	*n = 0;
	*total = 0;
	if ((rc = store_portal_statement_owned(db, statement_id, account_id)) < 0)
		return PORTAL_DB;
	if (rc == 0)
		return PORTAL_NOT_FOUND;
	/* The invoices it lists: the account's (or its client's) invoices
	 * dated up to the statement's period end, oldest due first. */
	return payable_of(db, account_id, statement_id, ids, max, n, total);
}

static int
by_due_then_id(const void *a, const void *b)
{
	const struct portal_invoice *x = *(const struct portal_invoice *const *)a;
	const struct portal_invoice *y = *(const struct portal_invoice *const *)b;
	int c = strcmp(x->due_date, y->due_date);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

int
portal_reserved_load(struct db *db, int64_t account_id, struct portal_reserved *r)
{
	return store_receivables_reserved(db, account_id, &r->v, &r->n) == DB_OK ?
	    PORTAL_OK : PORTAL_DB;
}

void
portal_reserved_free(struct portal_reserved *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int64_t
portal_reserved_for(const struct portal_reserved *r, int64_t invoice_id)
{
	int64_t sum = 0;

	for (size_t j = 0; j < r->n; j++)
		if (r->v[j].invoice_id == invoice_id)
			sum += r->v[j].amount;
	return sum;
}

int
portal_payable_sum(const struct portal_reserved *r, const struct portal_invoice *is,
    size_t n, const char *upto, int64_t client_id, int64_t *total)
{
	const struct portal_invoice **pick = NULL;
	size_t k = 0, taken = 0;

	*total = 0;
	if (n > 0 && (pick = calloc(n, sizeof(*pick))) == NULL)
		return PORTAL_DB;
	for (size_t i = 0; i < n; i++)
		if ((is[i].status == PIS_OPEN || is[i].status == PIS_PARTIAL) &&
		    (upto == NULL || strcmp(is[i].invoice_date, upto) <= 0) &&
		    (client_id == 0 || is[i].client_id == client_id))
			pick[k++] = &is[i];
	if (k > 1)
		qsort(pick, k, sizeof(*pick), by_due_then_id);
	for (size_t i = 0; i < k && taken < PORTAL_MAX_SELECT; i++) {
		int64_t avail = pick[i]->open - portal_reserved_for(r, pick[i]->id);

		if (avail <= 0)
			continue;
		*total += avail;
		taken++;
	}
	free(pick);
	return PORTAL_OK;
}

int
portal_payable_ids(struct db *db, int64_t account_id, int64_t *ids, size_t max,
    size_t *n, int64_t *total)
{
	*n = 0;
	*total = 0;
	return payable_of(db, account_id, 0, ids, max, n, total);
}

/* --- payment history ------------------------------------------------------- */

/* Card/ACH attempts never confirmed and canceled ones are nothing to the
 * client; failed ones are declined attempts. */
static int
hidden(const struct sp_payment *p)
{
	if (strcmp(p->status, "canceled") == 0)
		return 1;
	return strcmp(p->status, "pending") == 0 && strcmp(p->method, "ach") != 0 &&
	    p->stripe_status[0] != '\0' &&
	    strcmp(p->stripe_status, "processing") != 0;
}

/* Every payment of the account, newest first. */
static int
all_payments(struct db *db, int64_t account_id, struct sp_payment **out,
    size_t *n)
{
	int64_t before = 0;
	int more = 1;

	*out = NULL;
	*n = 0;
	while (more) {
		struct sp_payment *ps = NULL, *t;
		size_t got = 0;

		if (stripe_pay_list(db, account_id, 0, before, 200, &ps, &got,
		    &more) != SP_OK)
			return PORTAL_DB;
		if (got == 0) {
			free(ps);
			break;
		}
		if ((t = realloc(*out, (*n + got) * sizeof(*t))) == NULL) {
			free(ps);
			return PORTAL_DB;
		}
		*out = t;
		memcpy(*out + *n, ps, got * sizeof(*ps));
		*n += got;
		before = ps[got - 1].id;
		free(ps);
	}
	return PORTAL_OK;
}

int
portal_history(struct db *db, int64_t account_id, size_t page,
    struct portal_history *h)
{
	struct sp_payment *ps = NULL;
	size_t n = 0, shown = 0, first, declined = 0, *dec = NULL;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = all_payments(db, account_id, &ps, &n)) != PORTAL_OK)
		goto out;
	rc = PORTAL_DB;
	if (n > 0 && ((dec = calloc(n, sizeof(*dec))) == NULL ||
	    (h->rows = calloc(PORTAL_HISTORY_PAGE, sizeof(*h->rows))) == NULL))
		goto out;
	/* Oldest first, so the declined attempts before a payment are counted
	 * when it is reached; then the rows are read newest first. */
	for (size_t k = n; k-- > 0;) {
		if (hidden(&ps[k]))
			continue;
		if (strcmp(ps[k].status, "failed") == 0) {
			declined++;
			continue;
		}
		dec[k] = declined;
		declined = 0;
		shown++;
	}
	h->trailing_declined = declined;
	h->total = shown;
	h->pages = shown ? (shown + PORTAL_HISTORY_PAGE - 1) / PORTAL_HISTORY_PAGE : 1;
	first = (page > 0 ? page - 1 : 0) * PORTAL_HISTORY_PAGE;
	for (size_t k = 0, i = 0; k < n && h->n < PORTAL_HISTORY_PAGE; k++) {
		if (hidden(&ps[k]) || strcmp(ps[k].status, "failed") == 0)
			continue;
		if (i++ < first)
			continue;
		h->rows[h->n].p = ps[k];
		h->rows[h->n].declined = dec[k];
		h->n++;
	}
	rc = PORTAL_OK;
out:
	free(dec);
	free(ps);
	if (rc != PORTAL_OK)
		portal_history_free(h);
	return rc;
}

void
portal_history_free(struct portal_history *h)
{
	free(h->rows);
	h->rows = NULL;
	h->n = 0;
}
