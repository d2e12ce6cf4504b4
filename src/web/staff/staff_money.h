/* Staff money area (payments, allocation, statements, A/R, audit trail):
 * handlers and the view helpers they share. Private to src/web/staff_money*.c. */
#ifndef STAFF_MONEY_H
#define STAFF_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

struct ctx;
struct tmpl_vars;
struct account;
struct invoice;

/* Numbered allocation rows of the payment form (alloc1_* .. allocN_*). */
#define PAY_ALLOC_ROWS		30
/* Accounts a batch view generates per request. */
#define BATCH_CHUNK		100

/* Handlers (staff_money_pay.c). */
int	 h_payment_new(struct ctx *);
int	 h_payment_create(struct ctx *);
int	 h_payment_show(struct ctx *);
int	 h_payment_allocate(struct ctx *);
int	 h_account_apply_credit(struct ctx *);
/* The payment page of payment id with an error (forms of other files
 * posted on it, e.g. the card refund form). */
int	 staff_money_payment_page(struct ctx *, int64_t id, int status,
	    const char *error);
/* staff_money_stmt.c */
int	 h_statement_new(struct ctx *);
int	 h_statement_create(struct ctx *);
int	 h_statement_show(struct ctx *);
int	 h_statement_print(struct ctx *);
int	 h_statements(struct ctx *);
int	 h_statement_batch_create(struct ctx *);
int	 h_statement_batch_show(struct ctx *);
/* staff_money_ar.c */
int	 h_ar(struct ctx *);
struct ar_summary;
/* The A/R pictures (staff_money_charts.c): SVG and tables into the view. */
struct location;
/* ls: every location (read once by h_ar for the filter and the chart). */
int	 staff_money_ar_charts(struct ctx *, const struct ar_summary *,
	    int64_t location_id, const struct location *ls, size_t n);
int	 h_account_audit(struct ctx *);
int	 h_client_audit(struct ctx *);
int	 h_invoice_audit(struct ctx *);

/* --- helpers (staff_money.c) --- */

/* The first day of the previous month, "YYYY-MM-DD". */
void	 staff_money_prev_month_start(char out[11]);
/* Location filter choices into loop `locations` (selected = id). */
int	 staff_money_view_locations(struct ctx *, int64_t selected);
/* The same from a list already read (location_list with inactive ones). */
void	 staff_money_view_location_rows(struct ctx *, const struct location *,
	    size_t n, int64_t selected);
/* Clients of an account into loop `clients` (selected = id). */
int	 staff_money_view_account_clients(struct ctx *, int64_t account_id,
	    int64_t selected);

/* Open (issued, unpaid) invoices of an account, oldest due first, at most
 * max of them; *more = 1 when there are others. Caller frees with
 * staff_money_invoices_free(). */
int	 staff_money_open_invoices(struct ctx *, int64_t account_id, size_t max,
	    struct invoice **out, size_t *n, int *more);
void	 staff_money_invoices_free(struct invoice *, size_t n);

#endif
