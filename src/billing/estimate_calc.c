/* Estimate arithmetic (the rule is written out in estimate_calc.h). */
#include "common.h"

#include "estimate_calc.h"
#include "money.h"

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
left(int64_t amount, int64_t met)
{
	return amount > met ? amount - met : 0;
}

static const struct {
	const char	*name;
	size_t		 off;
} cov_money[] = {
	{ "deductible_cents", offsetof(struct est_coverage, deductible) },
	{ "deductible_met_cents", offsetof(struct est_coverage, deductible_met) },
	{ "family_deductible_cents", offsetof(struct est_coverage, family_deductible) },
	{ "family_deductible_met_cents",
	    offsetof(struct est_coverage, family_deductible_met) },
	{ "copay_cents", offsetof(struct est_coverage, copay) },
	{ "oop_max_cents", offsetof(struct est_coverage, oop_max) },
	{ "oop_met_cents", offsetof(struct est_coverage, oop_met) },
	{ "family_oop_max_cents", offsetof(struct est_coverage, family_oop_max) },
	{ "family_oop_met_cents", offsetof(struct est_coverage, family_oop_met) },
};

const char *
est_coverage_problem(const struct est_coverage *cov)
{
	for (size_t i = 0; i < ARRAY_LEN(cov_money); i++) {
		int64_t v;

		memcpy(&v, (const char *)cov + cov_money[i].off, sizeof(v));
		if (v < 0 || v > MONEY_MAX)
			return cov_money[i].name;
	}
	if (cov->coinsurance_bp < 0 || cov->coinsurance_bp > EST_MAX_BP)
		return "coinsurance_bp";
	return NULL;
}

static int
line_allowed(struct est_line *l)
{
	if (l->quantity < 1 || l->quantity > EST_MAX_QUANTITY)
		return EST_BAD_QUANTITY;
	if (l->rate < 0 || l->rate > MONEY_MAX)
		return EST_BAD_RATE;
	if (l->rate > MONEY_MAX / l->quantity)
		return EST_OVERFLOW;
	l->allowed = l->rate * l->quantity;
	l->deductible = l->coinsurance = l->copay = l->discount = 0;
	return EST_OK;
}

/* Remaining deductible / out-of-pocket at the start (the lower of the
 * individual and, when the plan has one, the family figure). */
static void
start_left(const struct est_coverage *cov, int64_t *ded, int64_t *oop)
{
	*ded = left(cov->deductible, cov->deductible_met);
	if (cov->family_deductible > 0)
		*ded = min64(*ded, left(cov->family_deductible,
		    cov->family_deductible_met));
	*oop = -1;
	if (cov->oop_max > 0)
		*oop = left(cov->oop_max, cov->oop_met);
	if (cov->family_oop_max > 0) {
		int64_t f = left(cov->family_oop_max, cov->family_oop_met);
		*oop = *oop < 0 ? f : min64(*oop, f);
	}
}

/* Cuts the line's share to what is left of the out-of-pocket maximum, in
 * the order the money is owed: deductible, coinsurance, copay. */
static void
cap_oop(struct est_line *l, int64_t *oop)
{
	int64_t room;

	if (*oop < 0)
		return;
	room = *oop;
	l->deductible = min64(l->deductible, room);
	room -= l->deductible;
	l->coinsurance = min64(l->coinsurance, room);
	room -= l->coinsurance;
	l->copay = min64(l->copay, room);
	room -= l->copay;
	*oop = room;
}

static int
line_insured(const struct est_coverage *cov, struct est_line *l,
    int64_t *ded, int64_t *oop)
{
	int rc;

	if ((rc = line_allowed(l)) != EST_OK)
		return rc;
	if (l->copay_applies)
		l->copay = min64(cov->copay, l->allowed);
	else {
		l->deductible = min64(l->allowed, *ded);
		if (money_percent(l->allowed - l->deductible, cov->coinsurance_bp,
		    &l->coinsurance) == -1)
			return EST_OVERFLOW;
	}
	cap_oop(l, oop);
	*ded -= l->deductible;
	l->patient = l->deductible + l->coinsurance + l->copay;
	l->insurer = l->allowed - l->patient;
	return EST_OK;
}

static int
add_totals(struct est_totals *t, const struct est_line *l)
{
	if (t->allowed > MONEY_MAX - l->allowed)
		return EST_OVERFLOW;
	t->allowed += l->allowed;
	t->deductible += l->deductible;
	t->coinsurance += l->coinsurance;
	t->copay += l->copay;
	t->discount += l->discount;
	t->patient += l->patient;
	t->insurer += l->insurer;
	return EST_OK;
}

int
est_calc(const struct est_coverage *cov, struct est_line *lines, size_t n,
    struct est_totals *t, size_t *bad_line)
{
	int64_t ded, oop;
	int rc;

	memset(t, 0, sizeof(*t));
	*bad_line = SIZE_MAX;
	if (est_coverage_problem(cov) != NULL)
		return EST_BAD_COVERAGE;
	start_left(cov, &ded, &oop);
	for (size_t i = 0; i < n; i++) {
		if ((rc = line_insured(cov, &lines[i], &ded, &oop)) != EST_OK ||
		    (rc = add_totals(t, &lines[i])) != EST_OK) {
			*bad_line = i;
			return rc;
		}
	}
	t->deductible_left = ded;
	t->oop_left = oop;
	return EST_OK;
}

int
est_calc_self_pay(struct est_line *lines, size_t n, struct est_totals *t,
    size_t *bad_line)
{
	int rc;

	memset(t, 0, sizeof(*t));
	*bad_line = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		struct est_line *l = &lines[i];

		*bad_line = i;
		if ((rc = line_allowed(l)) != EST_OK)
			return rc;
		if (l->discount_bp < 0 || l->discount_bp > EST_MAX_BP)
			return EST_BAD_DISCOUNT;
		if (money_percent(l->allowed, l->discount_bp, &l->discount) == -1)
			return EST_OVERFLOW;
		l->patient = l->allowed - l->discount;
		l->insurer = 0;
		if ((rc = add_totals(t, l)) != EST_OK)
			return rc;
	}
	*bad_line = SIZE_MAX;
	t->oop_left = -1;
	return EST_OK;
}

const char *
est_calc_strerror(int rc)
{
	switch (rc) {
	case EST_OK:
		return "ok";
	case EST_BAD_QUANTITY:
		return "quantity must be between 1 and 100000";
	case EST_BAD_RATE:
		return "rate must be between 0 and 999999999999.99";
	case EST_BAD_COVERAGE:
		return "coverage amounts must not be negative and coinsurance at "
		    "most 100%";
	case EST_BAD_DISCOUNT:
		return "discount must be between 0% and 100%";
	case EST_OVERFLOW:
		return "amount too large";
	}
	return "invalid estimate";
}

int64_t
est_rate_pick(enum est_basis b, int64_t standard, int64_t contracted,
    int64_t self_pay)
{
	switch (b) {
	case EST_IN_NETWORK:
		return contracted >= 0 ? contracted : standard;
	case EST_SELF_PAY:
		return self_pay >= 0 ? self_pay : standard;
	case EST_OUT_OF_NETWORK:
		break;
	}
	return standard;
}

/* 1970-01-01 was a Thursday: weekday 0 = Monday ... 6 = Sunday. */
static int
weekday(int64_t day)
{
	int64_t w = (day + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

int64_t
est_business_days_between(int64_t from, int64_t to)
{
	int64_t n = 0;

	for (int64_t d = from + 1; d <= to; d++)
		if (weekday(d) < 5)
			n++;
	return n;
}

int64_t
est_add_business_days(int64_t from, int64_t n)
{
	int64_t d = from;

	while (n > 0) {
		d++;
		if (weekday(d) < 5)
			n--;
	}
	return d;
}

int64_t
est_gfe_due(int64_t from, int64_t service_day, int requested)
{
	int64_t ahead;

	if (requested)
		return est_add_business_days(from, 3);
	ahead = est_business_days_between(from, service_day);
	if (ahead >= 10)
		return est_add_business_days(from, 3);
	if (ahead >= 3)
		return est_add_business_days(from, 1);
	return -1;
}

int
est_gfe_exceeded(int64_t gfe_total, int64_t billed_total)
{
	return billed_total - gfe_total >= EST_GFE_DISPUTE_CENTS;
}
