/* Fixture of test_reserve (reserve_fixture.c). */
#ifndef RESERVE_FIXTURE_H
#define RESERVE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "cfg.h"
#include "portal.h"
#include "stripe_pay.h"

struct itest_client;

struct reserve_env {
	const char	*base;
	const char	*config;
	const char	*sandbox;
	const char	*email;
	const char	*password;
};

extern struct reserve_env env;
extern struct config cfg;
extern struct db *db;
extern struct stripe_client *sc;
extern struct actor staff;
extern struct sp sp;

/* A signed-in (or pre-login) browser: its cookie and CSRF token, shared by
 * every submission thread. */
struct browser {
	struct itest_client	*c;
	const char		*cookie;
	char			 value[200];
	char			 pre[200];	/* the pre-login cookie, if any */
	char			 csrf[256];
};

struct debtor {
	int64_t	 account;
	int64_t	 method;		/* saved visa */
	char	 customer[65];
	char	 email[120];
};

/* First column of the first row of sql with one id parameter. */
int64_t	 q_i64(const char *sql, int64_t id);
void	 setup(void);
void	 teardown(void);
void	 expect_ledger_ok(void);
/* The sandbox: runtime config; PaymentIntents of a customer (status NULL:
 * any); a confirm as Stripe.js does it. */
void	 sbx_config(const char *form);
size_t	 sbx_intents(const char *customer, const char *status);
void	 sbx_confirm(const char *client_secret);
/* Browsers: a page read for its cookie and CSRF token; staff signed in;
 * the account's client signed in to the portal. */
void	 browser_page(struct browser *, const char *path);
void	 staff_browser(struct browser *);
void	 portal_browser(struct browser *, int64_t account, const char *email);
/* An account with a saved card, an any_balance consent and its customer;
 * an issued invoice of cents posted to the portal with a pay link. */
void	 new_debtor(struct debtor *, const char *tag);
int64_t	 new_invoice(const struct debtor *, int64_t cents, char *token,
	    size_t tokensz);

#endif
