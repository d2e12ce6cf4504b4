/* Shared fixture of the Stripe payment tests (test_consent, test_settle):
 * the stack's configuration, a database connection and the domain's struct
 * sp as billing staff, accounts and invoices made through the domain, the
 * bundled Stripe sandbox driven over HTTP (playing Stripe.js's part),
 * signed webhooks, the SMTP catcher's Maildir and a staff browser.
 * Failures abort the running Check test (ck_assert). */
#ifndef SP_FIXTURE_H
#define SP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "stripe_pay.h"

struct json_object;
struct itest_client;
struct itest_resp;

struct spf_env {
	const char	*base;		/* ITEST_BASE_URL (nginx) */
	const char	*config;	/* ITEST_CONFIG */
	const char	*sandbox;	/* ITEST_SANDBOX_URL */
	const char	*billing_email;	/* ITEST_BILLING_EMAIL (staff, money role) */
	const char	*password;	/* ITEST_PASSWORD */
	const char	*maildir;	/* ITEST_MAILDIR (SMTP catcher) */
};

extern struct spf_env	 spf;
/* Per test (Check forks one process per test): set by spf_setup(). */
extern struct config	 spf_cfg;
extern struct db	*spf_db;
extern struct sp	 spf_sp;
extern struct actor	 spf_staff;

/* Reads ITEST_* (exits when one is missing). Once, in main(). */
void	 spf_env_load(void);
/* Check fixture: sandbox defaults, config, connection, Stripe client. */
void	 spf_setup(void);
void	 spf_teardown(void);

/* First column of the first row of sql with one id (or string) parameter;
 * -1 when there is no row. */
int64_t	 spf_q_i64(const char *sql, int64_t id);
int64_t	 spf_q_str_i64(const char *sql, const char *s);

/* A new account (unique name); with email != NULL a unique address
 * "<prefix>-<hex>@example.com" is given to it and copied to email. */
int64_t	 spf_new_account(const char *prefix, char *email, size_t emailsz);
/* An issued one-line invoice of cents. */
int64_t	 spf_new_invoice(int64_t account_id, int64_t cents);
void	 spf_attempt_key(char *out, size_t outsz);
int64_t	 spf_ledger_payment_entries(int64_t payment_id);
void	 spf_expect_ledger_ok(void);

/* The sandbox. auth: 0 none, 1 secret key, 2 publishable key. *out (may
 * be NULL) gets the JSON answer. Returns the HTTP status. */
long	 spf_sbx(const char *method, const char *path, const char *form, int auth,
	    struct json_object **out);
void	 spf_sbx_config(const char *form);
void	 spf_sbx_flush(void);
/* Stripe.js: a card PaymentMethod; confirmPayment with the client secret. */
void	 spf_browser_card(const char *number, char *pm, size_t pmsz);
long	 spf_browser_confirm(const char *intent, const char *secret, const char *pm);

/* A saved method through a SetupIntent confirmed at the sandbox with a
 * test PaymentMethod (pm_card_visa, pm_usBankAccount_success, ...). */
int64_t	 spf_saved_method(int64_t account_id, const char *kind, const char *test_pm);
/* Records a consent as staff (signer "Pat Payer", ip 203.0.113.7, user
 * agent "Mozilla/5.0 (test)"); returns its id. */
int64_t	 spf_consent(int64_t account_id, int64_t method_id, const char *scope,
	    int64_t max_amount, int64_t plan_id);
int	 spf_charge_saved(int64_t account_id, int64_t method_id, int64_t amount,
	    struct sp_result *);
/* stripe_pay_start of a card payment (auto allocation, not saved). */
int	 spf_start_card(int64_t account_id, int64_t amount, struct sp_result *);

/* POSTs body to /stripe/webhook signed with the stack's webhook secret and,
 * when it was stored ("received"), waits until billing-jobs has applied it.
 * Returns the HTTP status; r (may be NULL) gets the answer. */
long	 spf_post_webhook(const char *body, struct itest_resp *r);
/* The same without waiting for billing-jobs. */
long	 spf_post_webhook_nowait(const char *body, struct itest_resp *r);

/* Waits (polling, up to ms) for a message to `to` containing needle
 * (quoted-printable decoded) in the SMTP catcher; returns it (caller
 * frees) or NULL. */
char	*spf_mail_wait(const char *to, const char *needle, int ms);

/* A client signed in as the billing staff user; free with
 * itest_client_free(). */
struct itest_client *spf_staff_client(void);
/* Portal access for the account (staff sends the activation, the client
 * follows the emailed link and sets a password): a signed-in client. */
struct itest_client *spf_portal_client(int64_t account_id, const char *email);

#endif
