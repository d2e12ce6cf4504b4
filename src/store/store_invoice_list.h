/* Invoice lists (staff account Financial tab, invoice lists, the portal, the
 * JSON API): invoice headers with their stored figures (migration 0023),
 * newest first, keyset-paged through the index of the filter that is set.
 * No TEXT column, no aggregate: one indexed read per page. */
#ifndef STORE_INVOICE_LIST_H
#define STORE_INVOICE_LIST_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* Display status filters (stored draft/void, or derived from the figures). */
enum store_inv_filter {
	SIF_ANY, SIF_DRAFT, SIF_VOID, SIF_PAID, SIF_PARTIAL, SIF_OPEN, SIF_UNPAID,
	SIF__MAX
};

struct store_invoice_query {
	int64_t			 account_id;	/* 0 = any */
	int64_t			 client_id;	/* 0 = any */
	int64_t			 location_id;	/* 0 = any */
	enum store_inv_filter	 status;
	int64_t			 before_id;	/* keyset: 0 = newest */
	size_t			 limit;		/* rows wanted; one more is read */
};

struct store_invoice_row {
	int64_t	 id;
	char	 number[33];
	int64_t	 account_id, client_id, location_id, payment_type_id;
	char	 status[8];		/* draft | issued | void */
	char	 invoice_date[11];
	char	 due_date[11];
	char	 discount_kind[8];	/* none | percent | fixed */
	int64_t	 discount_value;
	int64_t	 issued_at;
	char	 void_reason[2001];	/* VARCHAR(500) */
	char	 account_name[201];
	char	 client_name[203];
	char	 location_name[201];
	char	 payment_type_name[101];
	int64_t	 total;			/* invoices.fig_total */
	int64_t	 paid;			/* invoices.fig_paid */
	int64_t	 posted_at;		/* store_invoice_list_posted only */
};

/* Parses "", draft, void, paid, partial, open, unpaid; -1 otherwise. */
int	 store_invoice_list_filter(const char *, enum store_inv_filter *);
/* Up to q->limit + 1 rows (the extra one says there are more) into a
 * malloc'd *out the caller frees. Returns a db_status. */
int	 store_invoice_list_page(struct db *, const struct store_invoice_query *q,
	    struct store_invoice_row **out, size_t *n);

/* The account's invoices posted to the portal (issued or void), newest
 * first, with their posting time: one read through portal_invoices_account.
 * *out is malloc'd; the caller frees it. */
int	 store_invoice_list_posted(struct db *, int64_t account_id,
	    struct store_invoice_row **out, size_t *n);

#endif
