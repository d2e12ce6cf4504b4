/* Store-internal (never included outside src/store): the invoice header
 * row shared by the lists (store_invoice_list.c) and the single-invoice read
 * (store_invoice.c): its columns, its joins, and its mapping. */
#ifndef STORE_INVOICE_ROW_H
#define STORE_INVOICE_ROW_H

#include <stddef.h>

struct db_result;
struct store_invoice_row;

/* Invoices first (STRAIGHT_JOIN), each small table by its primary key
 * (FORCE INDEX): see store_invoice_list.c. Columns 0..18; a 20th (19) is
 * read as posted_at. */
#define STORE_INVOICE_ROW_COLS \
	"SELECT STRAIGHT_JOIN i.id, COALESCE(i.number, ''), i.account_id," \
	" COALESCE(i.client_id, 0), COALESCE(i.location_id, 0), i.payment_type_id," \
	" i.status, i.invoice_date, i.due_date, i.discount_kind, i.discount_value," \
	" COALESCE(i.issued_at, 0), i.void_reason, a.name," \
	" COALESCE(CONCAT(c.first_name, ' ', c.last_name), ''), COALESCE(l.name, '')," \
	" pt.name, i.fig_total, i.fig_paid"
#define STORE_INVOICE_ROW_FROM " FROM invoices i" \
	" JOIN accounts a ON a.id = i.account_id" \
	" LEFT JOIN clients c ON c.id = i.client_id" \
	" LEFT JOIN locations l FORCE INDEX (PRIMARY) ON l.id = i.location_id" \
	" JOIN payment_types pt FORCE INDEX (PRIMARY) ON pt.id = i.payment_type_id"

void	 store_invoice_list_row_from(const struct db_result *, size_t i,
	    struct store_invoice_row *);

#endif
