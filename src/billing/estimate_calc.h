/* Estimate arithmetic: what the patient and the insurer are expected to pay
 * for a list of services under one coverage. Pure: no database, no I/O,
 * unit-tested in tests/unit/test_estimate_calc.c.
 *
 * The rule, for each line in order:
 *   allowed = rate x quantity (the caller picks the rate: est_rate_pick()).
 *   Copay line (copay_applies): patient = min(copay, allowed); the
 *     deductible is not touched.
 *   Otherwise: deductible part = min(allowed, deductible remaining);
 *     coinsurance part = coinsurance_bp x (allowed - deductible part) / 10000,
 *     rounded half up to the cent, per line (money_percent());
 *     patient = deductible part + coinsurance part.
 *   Out-of-pocket cap: every patient share (copays too) counts toward the
 *     out-of-pocket maximum; the share of a line is cut to what remains of
 *     it (deductible part kept first, then coinsurance, copay), so once the
 *     remaining reaches 0 the patient pays 0 for the rest of the line and all
 *     later lines. insurer = allowed - patient.
 *   Remaining amounts: individual remaining = max(0, amount - met); when a
 *     family amount is given (> 0) the lower of individual and family
 *     remaining is used. An oop_max of 0 means no out-of-pocket maximum;
 *     a family amount of 0 means the plan has none.
 * Self-pay: allowed = self-pay rate x quantity; discount = discount_bp of
 *   it, rounded half up; patient = allowed - discount; insurer 0. */
#ifndef ESTIMATE_CALC_H
#define ESTIMATE_CALC_H

#include <stddef.h>
#include <stdint.h>

#define EST_MAX_QUANTITY	100000
#define EST_MAX_BP		10000

struct est_coverage {
	int	 in_network;		/* 1 in network, 0 out of network */
	int64_t	 deductible;		/* individual, plan year */
	int64_t	 deductible_met;
	int64_t	 family_deductible;	/* 0: none */
	int64_t	 family_deductible_met;
	int64_t	 coinsurance_bp;	/* patient share, 2000 = 20% */
	int64_t	 copay;			/* per visit, for lines with copay_applies */
	int64_t	 oop_max;		/* 0: no maximum */
	int64_t	 oop_met;
	int64_t	 family_oop_max;	/* 0: none */
	int64_t	 family_oop_met;
};

struct est_line {
	int64_t	 quantity;	/* 1..EST_MAX_QUANTITY */
	int64_t	 rate;		/* cents per unit, >= 0 */
	int	 copay_applies;
	int64_t	 discount_bp;	/* self-pay only: 0..10000 */
	/* out */
	int64_t	 allowed;
	int64_t	 deductible;
	int64_t	 coinsurance;
	int64_t	 copay;
	int64_t	 discount;	/* self-pay discount */
	int64_t	 patient;
	int64_t	 insurer;
};

struct est_totals {
	int64_t	 allowed;
	int64_t	 deductible;
	int64_t	 coinsurance;
	int64_t	 copay;
	int64_t	 discount;
	int64_t	 patient;
	int64_t	 insurer;
	/* what remains after these lines (insured only) */
	int64_t	 deductible_left;
	int64_t	 oop_left;	/* -1: no maximum */
};

enum est_calc_status {
	EST_OK = 0,
	EST_BAD_QUANTITY = -1,
	EST_BAD_RATE = -2,
	EST_BAD_COVERAGE = -3,	/* a negative amount, coinsurance over 100% */
	EST_BAD_DISCOUNT = -4,
	EST_OVERFLOW = -5,
};

/* Insured estimate under cov. On a line error *bad_line is its index
 * (SIZE_MAX for a coverage error). Returns enum est_calc_status. */
int	 est_calc(const struct est_coverage *cov, struct est_line *, size_t n,
	    struct est_totals *, size_t *bad_line);
/* Self-pay estimate (uses each line's rate and discount_bp). */
int	 est_calc_self_pay(struct est_line *, size_t n, struct est_totals *,
	    size_t *bad_line);
/* Name of the coverage field that is wrong ("deductible_met_cents"...), or
 * NULL when cov is fine. */
const char *est_coverage_problem(const struct est_coverage *);
const char *est_calc_strerror(int);

enum est_basis { EST_IN_NETWORK, EST_OUT_OF_NETWORK, EST_SELF_PAY };

/* The unit rate for a line: in network the contracted rate when there is
 * one (contracted >= 0), else the standard rate; out of network the
 * standard rate; self-pay the self-pay rate when set (>= 0), else standard. */
int64_t	 est_rate_pick(enum est_basis, int64_t standard, int64_t contracted,
	    int64_t self_pay);

/* Good Faith Estimate due date (45 CFR 149.610(b)(1)(v)), as day numbers
 * (days since 1970-01-01). Business days are Monday to Friday.
 * requested: the client asked without booking: 3 business days after
 * `from`. Booked: 10+ business days ahead: 3 business days; 3 to 9: 1
 * business day; under 3: none (returns -1; the GFE is not required then). */
int64_t	 est_gfe_due(int64_t from, int64_t service_day, int requested);
/* Business days (Mon-Fri) after `from` up to and including `to`. */
int64_t	 est_business_days_between(int64_t from, int64_t to);
int64_t	 est_add_business_days(int64_t from, int64_t n);

/* The $400 rule: 1 when billed exceeds the GFE total by $400 or more. */
#define EST_GFE_DISPUTE_CENTS	40000
int	 est_gfe_exceeded(int64_t gfe_total, int64_t billed_total);

#endif
