/* The lists of the staff account page (its Financial tab) in one
 * statement: the account's clients, newest invoices, payments and
 * statements, active payment methods and consents, plan ids and GFE flags.
 * Each list is what its own family's list function reads for one account
 * (store_invoice_list, store_payment, store_statement, store_method,
 * store_profile, store_plan, store_estimate), in the same order. */
#ifndef STORE_ACCOUNT_PAGE_H
#define STORE_ACCOUNT_PAGE_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_account_page {
	struct store_client		*clients;	/* by id */
	size_t				 nclients;
	struct store_invoice_row	*invoices;	/* newest first */
	size_t				 ninvoices;
	struct store_payment		*payments;	/* newest first */
	size_t				 npayments;
	struct store_statement		*statements;	/* newest first */
	size_t				 nstatements;
	struct store_method		*methods;	/* default, newest */
	size_t				 nmethods;
	struct store_consent		*consents;	/* active, newest first;
							   auth_text "" */
	size_t				 nconsents;
	int64_t				*plan_ids;	/* newest first, <= 100 */
	size_t				 nplans;
	struct store_estimate_flag	*flags;		/* GFE flags, newest */
	size_t				 nflags;
};

/* Up to rows + 1 invoices and payments (the extra one says there are
 * more), rows statements, the GFE flags billed dispute or more over their
 * estimate. db_status; on error nothing is left to free. */
int	 store_account_page_lists(struct db *, int64_t account_id, size_t rows,
	    int64_t dispute, struct store_account_page *);
void	 store_account_page_free(struct store_account_page *);

#endif
