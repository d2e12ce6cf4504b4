/* The staff work list (home page) and the collections figures: what needs
 * a person today, each row with the ids a page needs to link to where it
 * is fixed. Plain structs; no HTTP, HTML or JSON here. */
#ifndef WORKLIST_H
#define WORKLIST_H

#include "calc.h"

struct db;

#define WL_ROWS		50	/* rows per list */
#define WL_BAND_ROWS	10	/* overdue invoices listed per band (oldest first) */
#define WL_PAST_DUE_ROWS	20	/* plans past due listed */
#define WL_FAILED_DAYS	14	/* a failed payment stays listed this long */
#define WL_ACH_DAYS	5	/* ACH still pending after this many days */
#define WL_CARD_DAYS	30	/* cards that expire within this many days */

enum wl_status {
	WL_OK = 0,
	WL_DB = -1,
};

struct wl_invoice {
	int64_t	 id;
	char	 number[33];
	int64_t	 account_id;
	char	 account_name[201];
	char	 due_date[11];
	int64_t	 days_past_due;	/* >= 1 */
	int	 band;		/* calc_aging_bucket(days_past_due): 1..4 */
	int64_t	 open;		/* cents */
};

enum wl_reason {
	WL_PAY_FAILED = 0,	/* failed in the last WL_FAILED_DAYS days */
	WL_PAY_ACTION,		/* Stripe waits for the client (3-D Secure) */
	WL_PAY_ACH_SLOW,	/* ACH pending for more than WL_ACH_DAYS days */
	WL_PAY__MAX
};

struct wl_payment {
	int64_t		 id;
	int64_t		 account_id;
	char		 account_name[201];
	char		 method[16];
	int64_t		 amount;
	int64_t		 created_at;	/* unix seconds */
	int64_t		 days;		/* whole days since created_at */
	char		 failure[201];
	enum wl_reason	 reason;
};

struct wl_card {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 brand[33];
	char	 last4[5];
	int	 exp_month;
	int	 exp_year;
	int	 expired;	/* the last day of the exp month is past */
};

/* A payment plan with installments past their due date and not paid. */
struct wl_plan {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 first_due[11];	/* the oldest unpaid installment's date */
	int64_t	 days_past_due;
	int64_t	 count;		/* installments past due */
	int64_t	 amount;	/* their sum, cents */
};

/* A plan past due (dunning exhausted or a failed installment). */
struct wl_past_due {
	int64_t	 plan_id, account_id;
	char	 account_name[201];
	int64_t	 remaining;	/* installments scheduled or processing */
	char	 reason[65];	/* the last failure's code */
};

struct worklist {
	/* the oldest WL_BAND_ROWS of each band, oldest first */
	struct wl_invoice overdue[WL_BAND_ROWS * (AGING_BUCKETS - 1)];
	size_t		 noverdue;
	/* every invoice owing money past due, by band (the A/R aging read
	 * model: not only the listed rows) */
	int64_t		 band_count[AGING_BUCKETS];
	int64_t		 band_open[AGING_BUCKETS];
	struct wl_payment payments[WL_ROWS];
	size_t		 npayments;
	struct wl_card	 cards[WL_ROWS];
	size_t		 ncards;
	struct wl_plan	 plans[WL_ROWS];
	size_t		 nplans;
	int		 has_plans;	/* the payment plan tables exist */
	int64_t		 collected_today;	/* net of refunds, cents */
	int64_t		 collected_month;	/* since the 1st, net of refunds */
	struct wl_past_due past_due[WL_PAST_DUE_ROWS];	/* oldest change first */
	size_t		 npast_due;
};

/* Fills *w (caller-allocated; it is large: allocate it on the heap). */
int	 worklist_load(struct db *, struct worklist *w);

/* Collections: succeeded payments net of refunds, by the date of their
 * ledger entries (a payment enters the ledger when Stripe confirms it).
 * out[i] gets the cents collected on day from_days + i, for ndays days;
 * location_id 0 = every location. */
int	 collections_by_day(struct db *, int64_t from_days, size_t ndays,
	    int64_t location_id, int64_t *out);

#endif
