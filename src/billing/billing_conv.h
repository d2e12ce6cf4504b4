/* Billing-internal: the store's rows as billing's structs (the same
 * fields), for reads that bring several families' rows in one statement
 * (signin.c, ledger.c). */
#ifndef BILLING_CONV_H
#define BILLING_CONV_H

struct store_user;
struct store_account;
struct store_branding;
struct user;
struct account;
struct branding;

void	 user_from_store(const struct store_user *, struct user *);
void	 account_from_store(const struct store_account *, struct account *);
void	 branding_from_store(const struct store_branding *, struct branding *);

/* The lists of the staff account page, read in one statement
 * (account_page.c): each takes (and frees) the store's array as its own
 * list function would, returning that function's status. */
struct db;
struct store_invoice_row;
struct store_payment;
struct store_statement;
struct store_client;
struct store_method;
struct store_consent;
struct store_estimate_flag;
struct invoice;
struct payment;
struct statement;
struct client;
struct sp_method;
struct sp_consent;
struct estimate_flag;
int	 invoice_list_from_store(struct db *, struct store_invoice_row *,
	    size_t got, size_t limit, struct invoice **, size_t *, int *more);
int	 payment_list_from_store(struct store_payment *, size_t got,
	    size_t limit, struct payment **, size_t *, int *more);
/* statement_heads_from_store leaves its array to the caller. */
int	 statement_heads_from_store(struct store_statement *, size_t,
	    struct statement **, size_t *);
int	 client_list_from_store(struct store_client *, size_t, struct client **,
	    size_t *);
int	 sp_methods_from_store(struct store_method *, size_t,
	    struct sp_method **, size_t *);
int	 sp_consents_from_store(struct store_consent *, size_t,
	    struct sp_consent **, size_t *);
int	 estimate_flags_from_store(struct store_estimate_flag *, size_t,
	    struct estimate_flag **, size_t *);

#endif
