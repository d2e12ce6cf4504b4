/* The staff work list's reads (billing/worklist.c decides what they mean):
 * overdue invoices from their stored figures (invoices_open_due) and the
 * overdue bands' counts and sums from the A/R aging (ar_open_due), payments
 * needing a look (payments_pending), cards near expiry
 * (payment_methods_expiry), plans with installments past due (ppin_due).
 * All four, the month's collections and the plans past due in one statement
 * (store_worklist_read). */
#ifndef STORE_WORKLIST_H
#define STORE_WORKLIST_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct store_ledger_day;

struct store_wl_overdue {
	int64_t	 id;
	char	 number[33];
	int64_t	 account_id;
	char	 account_name[201];
	char	 due_date[11];
	int64_t	 open;		/* fig_total - fig_paid */
};

#define STORE_WL_BANDS	4	/* overdue bands: date ranges of due dates */

/* Invoices owing money (open > 0) due in one band's range, all locations. */
struct store_wl_band {
	int64_t	 count;
	int64_t	 open;
	int	 band;		/* its index in store_worklist.bands (summed) */
};

struct store_wl_payment {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 method[16];
	int64_t	 amount;
	int64_t	 created_at;
	char	 status[16];
	char	 stripe_status[32];
	char	 failure[201];
};

struct store_wl_card {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 brand[33];
	char	 last4[5];
	int	 exp_month;
	int	 exp_year;
};

struct store_wl_plan {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 first_due[11];
	int64_t	 count;
	int64_t	 amount;
};

struct store_wl_past_due {
	int64_t	 plan_id, account_id;
	char	 account_name[201];
	int64_t	 remaining;	/* installments scheduled or processing */
	char	 reason[65];	/* the last dunning-stopped failure's code */
	int64_t	 updated_at;
};

struct store_wl_args {
	const char	*before;	/* YYYY-MM-DD: overdue and plans due before */
	/* band i: due dates from band_from[i] up to (not including) band_to[i] */
	const char	*band_from[STORE_WL_BANDS], *band_to[STORE_WL_BANDS];
	size_t		 band_max;	/* overdue invoices read per band */
	/* the first day of band_to[last]'s month: the last band's figures
	 * are its whole months before it and its days from it */
	const char	*month_from;
	int64_t		 failed_since, ach_before, now;
	size_t		 max;		/* payments, cards, plans */
	int		 card_year, card_month;
	const char	*days_from;	/* collections from days_from to `before` */
	size_t		 past_due_max;
};
/* Each list in its order, at most its max rows (malloc'd arrays):
 * - overdue: invoices owing money (open > 0) due in each band's range, the
 *   oldest band_max of each band, all of them oldest due first;
 * - bands: the number and open sum of every invoice owing money in each
 *   band's range (the A/R aging read model, not capped by band_max; the
 *   last band from band_from[last] = the oldest date: see month_from);
 * - payments, newest first: failed ones created in failed_since..now not
 *   followed by a succeeded one on the same account; pending ones that
 *   wait for the client (requires_action) or are ACH created before
 *   ach_before; none created after now;
 * - cards: active cards expiring before (card_year, card_month), latest
 *   expiry first;
 * - plans: active or past-due plans with scheduled installments due before
 *   `before`, oldest first: the first due date, count and sum of those;
 * - days: payments less refunds per day from days_from through `before`
 *   (as store_ledger_collections without a location);
 * - past_due: plans past due, oldest change first (as
 *   store_autopay_past_due). */
struct store_worklist {
	struct store_wl_overdue	*overdue;
	size_t			 noverdue;
	struct store_wl_band	 bands[STORE_WL_BANDS];
	struct store_wl_payment	*payments;
	size_t			 npayments;
	struct store_wl_card	*cards;
	size_t			 ncards;
	struct store_wl_plan	*plans;
	size_t			 nplans;
	struct store_ledger_day	*days;		/* by date */
	size_t			 ndays;
	struct store_wl_past_due *past_due;
	size_t			 npast_due;
};
/* One statement; db_status. store_worklist_free() frees (also on error). */
int	 store_worklist_read(struct db *, const struct store_wl_args *,
	    struct store_worklist *);
void	 store_worklist_free(struct store_worklist *);

#endif
