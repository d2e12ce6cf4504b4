/* The staff work list's reads (billing/worklist.c decides what they mean):
 * overdue invoices from their stored figures (invoices_open_due), payments
 * needing a look (payments_pending), cards near expiry
 * (payment_methods_expiry), plans with installments past due (ppin_due).
 * Each is one statement; each returns a db_status and a malloc'd *out the
 * caller frees. Collections by day: store_ledger_collections. */
#ifndef STORE_WORKLIST_H
#define STORE_WORKLIST_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_wl_overdue {
	int64_t	 id;
	char	 number[33];
	int64_t	 account_id;
	char	 account_name[201];
	char	 due_date[11];
	int64_t	 open;		/* fig_total - fig_paid */
};
/* Invoices with money open due before `before` (YYYY-MM-DD), oldest due
 * first, at most max rows. */
int	 store_worklist_overdue(struct db *, const char *before, size_t max,
	    struct store_wl_overdue **out, size_t *n);

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
/* Newest first, at most max: failed payments created in failed_since..now
 * not followed by a succeeded one on the same account; pending ones that
 * wait for the client (requires_action) or are ACH created before
 * ach_before; none created after now. */
int	 store_worklist_payments(struct db *, int64_t failed_since,
	    int64_t ach_before, int64_t now, size_t max,
	    struct store_wl_payment **out, size_t *n);

struct store_wl_card {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 brand[33];
	char	 last4[5];
	int	 exp_month;
	int	 exp_year;
};
/* Active cards expiring before month (year, month), latest expiry first. */
int	 store_worklist_cards(struct db *, int year, int month, size_t max,
	    struct store_wl_card **out, size_t *n);

struct store_wl_plan {
	int64_t	 id;
	int64_t	 account_id;
	char	 account_name[201];
	char	 first_due[11];
	int64_t	 count;
	int64_t	 amount;
};
/* Active or past-due plans with scheduled installments due before
 * `before`, oldest first: the first due date, count and sum of those. */
int	 store_worklist_plans(struct db *, const char *before, size_t max,
	    struct store_wl_plan **out, size_t *n);

#endif
