#include "common.h"

#include "calc.h"
#include "money.h"

const char *const discount_kind_names[DISC__MAX] = { "none", "percent", "fixed" };
const char *const aging_labels[AGING_BUCKETS] = {
	"Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days",
};

int
discount_kind_parse(const char *s, enum discount_kind *dk)
{
	for (int i = 0; i < DISC__MAX; i++)
		if (strcmp(s, discount_kind_names[i]) == 0) {
			*dk = (enum discount_kind)i;
			return 0;
		}
	return -1;
}

/* Discount of kind dk/dv on amount; bounded by the amount. */
static int
discount_of(int64_t amount, enum discount_kind dk, int64_t dv, int64_t *out)
{
	switch (dk) {
	case DISC_NONE:
		*out = 0;
		return CALC_OK;
	case DISC_PERCENT:
		if (dv < 0 || dv > 10000)
			return CALC_BAD_DISCOUNT;
		return money_percent(amount, dv, out) == 0 ? CALC_OK : CALC_OVERFLOW;
	case DISC_FIXED:
		if (dv < 0)
			return CALC_BAD_DISCOUNT;
		if (dv > amount)
			return CALC_DISCOUNT_TOO_LARGE;
		*out = dv;
		return CALC_OK;
	default:
		return CALC_BAD_DISCOUNT;
	}
}

int
calc_invoice(struct calc_line *l, size_t n, struct calc_invoice *inv,
    size_t *bad_line)
{
	int rc;

	inv->gross = inv->line_discounts = inv->subtotal = 0;
	inv->discount = inv->total = 0;
	for (size_t i = 0; i < n; i++) {
		*bad_line = i;
		if (l[i].quantity < 1 || l[i].quantity > CALC_MAX_QUANTITY)
			return CALC_BAD_QUANTITY;
		if (l[i].rate < 0 || l[i].rate > MONEY_MAX)
			return CALC_BAD_RATE;
		if (l[i].rate > MONEY_MAX / l[i].quantity)
			return CALC_OVERFLOW;
		l[i].gross = l[i].quantity * l[i].rate;
		if ((rc = discount_of(l[i].gross, l[i].dk, l[i].dv, &l[i].discount)) != CALC_OK)
			return rc;
		l[i].net = l[i].gross - l[i].discount;
		inv->gross += l[i].gross;
		inv->line_discounts += l[i].discount;
		inv->subtotal += l[i].net;
		if (inv->gross > MONEY_MAX)
			return CALC_OVERFLOW;
	}
	*bad_line = n;
	if ((rc = discount_of(inv->subtotal, inv->dk, inv->dv, &inv->discount)) != CALC_OK)
		return rc;
	inv->total = inv->subtotal - inv->discount;
	return CALC_OK;
}

const char *
calc_strerror(int rc)
{
	switch (rc) {
	case CALC_OK:
		return "ok";
	case CALC_BAD_QUANTITY:
		return "Quantity must be a whole number from 1 to 100000";
	case CALC_BAD_RATE:
		return "Rate must be an amount of at least $0.00";
	case CALC_BAD_DISCOUNT:
		return "Discount must be a percentage from 0 to 100 or a positive amount";
	case CALC_DISCOUNT_TOO_LARGE:
		return "Discount is larger than the amount it applies to";
	case CALC_OVERFLOW:
		return "Amount is too large";
	}
	return "invalid";
}

int
calc_aging_bucket(int64_t days)
{
	if (days <= 0)
		return 0;
	if (days <= 30)
		return 1;
	if (days <= 60)
		return 2;
	if (days <= 90)
		return 3;
	return 4;
}

static int
cmp_open(const void *a, const void *b)
{
	const struct calc_open *x = a, *y = b;

	if (x->due_days != y->due_days)
		return x->due_days < y->due_days ? -1 : 1;
	if (x->invoice_id != y->invoice_id)
		return x->invoice_id < y->invoice_id ? -1 : 1;
	return 0;
}

int64_t
calc_allocate_oldest(int64_t available, struct calc_open *inv, size_t n,
    int64_t *out)
{
	int64_t total = 0;

	if (n > 1)
		qsort(inv, n, sizeof(*inv), cmp_open);
	for (size_t i = 0; i < n; i++) {
		int64_t take = 0;

		if (available > 0 && inv[i].open > 0)
			take = inv[i].open < available ? inv[i].open : available;
		out[i] = take;
		available -= take;
		total += take;
	}
	return total;
}

int
calc_statement(int64_t opening, const int64_t *amounts, size_t n,
    int64_t *running, int64_t *closing)
{
	int64_t bal = opening;

	for (size_t i = 0; i < n; i++) {
		if (__builtin_add_overflow(bal, amounts[i], &bal))
			return -1;
		if (running)
			running[i] = bal;
	}
	*closing = bal;
	return 0;
}

int
calc_statement_reconcile(int64_t closing, const int64_t aging[AGING_BUCKETS],
    int64_t *aging_total, int64_t *unapplied)
{
	int64_t total = 0;

	for (size_t i = 0; i < AGING_BUCKETS; i++)
		if (__builtin_add_overflow(total, aging[i], &total))
			return -1;
	if (__builtin_sub_overflow(total, closing, unapplied))
		return -1;
	*aging_total = total;
	return 0;
}
