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

#endif
