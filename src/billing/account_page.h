/* The lists of the staff account page (its Financial tab) read in one
 * statement (store_account_page.h), as the list functions of their
 * families return them: members, invoices, payments, statements, saved
 * methods and active consents, plans, GFE flags. */
#ifndef ACCOUNT_PAGE_H
#define ACCOUNT_PAGE_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct account_lists {
	struct client		*clients;
	size_t			 nclients;
	struct invoice		*invoices;	/* at most rows; *_more when more */
	size_t			 ninvoices;
	int			 invoices_more;
	struct payment		*payments;	/* at most rows */
	size_t			 npayments;
	int			 payments_more;
	struct statement	*statements;	/* at most rows */
	size_t			 nstatements;
	struct sp_method	*methods;
	size_t			 nmethods;
	struct sp_consent	*consents;
	size_t			 nconsents;
	struct plan		*plans;
	size_t			 nplans;
	struct estimate_flag	*flags;
	size_t			 nflags;
};

/* 0, or -1 on a database error (nothing left to free). */
int	 account_page_lists(struct db *, int64_t account_id, size_t rows,
	    struct account_lists *);
void	 account_lists_free(struct account_lists *);

#endif
