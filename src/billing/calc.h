/* Pure billing arithmetic: no database, no I/O. Every rule about amounts
 * lives here so it is unit-tested once (tests/unit/test_calc.c).
 * Rounding: money_percent() (half away from zero), see src/core/money.h. */
#ifndef CALC_H
#define CALC_H

#include <stddef.h>
#include <stdint.h>

enum discount_kind {
	DISC_NONE,
	DISC_PERCENT,	/* value in basis points: 1000 = 10% (max 10000) */
	DISC_FIXED,	/* value in cents */
	DISC__MAX
};

extern const char *const discount_kind_names[DISC__MAX];	/* "none", "percent", "fixed" */
int	 discount_kind_parse(const char *, enum discount_kind *);

#define CALC_MAX_QUANTITY	100000

struct calc_line {
	int64_t			 quantity;	/* >= 1 */
	int64_t			 rate;		/* cents, >= 0 */
	enum discount_kind	 dk;
	int64_t			 dv;
	/* out */
	int64_t			 gross;		/* quantity * rate */
	int64_t			 discount;	/* >= 0, <= gross */
	int64_t			 net;		/* gross - discount */
};

struct calc_invoice {
	enum discount_kind	 dk;		/* whole-invoice discount on the lines' net sum */
	int64_t			 dv;
	/* out */
	int64_t			 gross;		/* sum of line gross */
	int64_t			 line_discounts;
	int64_t			 subtotal;	/* sum of line net */
	int64_t			 discount;	/* invoice-level discount, <= subtotal */
	int64_t			 total;		/* subtotal - discount, >= 0 */
};

enum calc_status {
	CALC_OK = 0,
	CALC_BAD_QUANTITY = -1,
	CALC_BAD_RATE = -2,
	CALC_BAD_DISCOUNT = -3,		/* percent outside 0..100%, negative fixed */
	CALC_DISCOUNT_TOO_LARGE = -4,	/* fixed discount above the amount it applies to */
	CALC_OVERFLOW = -5,		/* beyond MONEY_MAX */
};

/* Computes every line and the invoice totals. Returns enum calc_status and,
 * for line errors, the index of the bad line in *bad_line. */
int	 calc_invoice(struct calc_line *, size_t n, struct calc_invoice *,
	    size_t *bad_line);
const char *calc_strerror(int);

/* Aging buckets by days past due: 0 current (not yet due), 1: 1-30,
 * 2: 31-60, 3: 61-90, 4: over 90. */
#define AGING_BUCKETS	5
extern const char *const aging_labels[AGING_BUCKETS];
int	 calc_aging_bucket(int64_t days_past_due);

/* An open invoice as the allocator sees it. */
struct calc_open {
	int64_t	 invoice_id;
	int64_t	 due_days;	/* due date as day number */
	int64_t	 open;		/* cents still owed, > 0 */
};

/* Oldest due first (due date, then invoice id): fills out[i] with the amount
 * to allocate to inv[i] (0 for none) from `available`; returns the total
 * allocated. inv is sorted in place. Never exceeds available nor inv[i].open. */
int64_t	 calc_allocate_oldest(int64_t available, struct calc_open *, size_t n,
	    int64_t *out);

/* Statement math: closing = opening + sum(amounts); running[i] gets the
 * balance after line i (running may be NULL). -1 on overflow. */
int	 calc_statement(int64_t opening, const int64_t *amounts, size_t n,
	    int64_t *running, int64_t *closing);

/* Reconciles a statement's aging with its closing balance: *aging_total
 * gets the sum of the buckets, *unapplied the difference aging_total -
 * closing (money paid but not applied to an open invoice at period end:
 * printed as its own line, so closing = aging_total - unapplied on every
 * statement). -1 on overflow. */
int	 calc_statement_reconcile(int64_t closing,
	    const int64_t aging[AGING_BUCKETS], int64_t *aging_total,
	    int64_t *unapplied);

#endif
