/* What the client portal keeps and reads besides logins (store_portal_login)
 * and pay links (store_paylink): invoices posted to the portal
 * (portal_invoices), the minimum online payment (payment_settings), the
 * payments and card/bank setups made there with the consent facts they
 * were made under (portal_payments, portal_setups), the emails sent about
 * them (portal_payment_notices), and the reads of invoices, statements and
 * payments the portal's rules need. Functions return a db_status (0 is
 * DB_OK) unless said otherwise; "1/0": 1 when found (or claimed), 0 when
 * not, or a negative db_status. */
#ifndef STORE_PORTAL_H
#define STORE_PORTAL_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* --- invoices, statements, settings (store_portal.c) --- */
/* The minimum online payment; 0 when none is set. */
int	 store_portal_min_payment(struct db *, int64_t *cents);
/* by <= 0: none. */
int	 store_portal_min_payment_set(struct db *, int64_t cents, int64_t now,
	    int64_t by);
/* 1/0: the statement is the account's. */
int	 store_portal_statement_owned(struct db *, int64_t statement_id,
	    int64_t account_id);
/* The ids of the account's posted, issued invoices (malloc'd), oldest due
 * first; statement_id > 0: only those the statement lists (dated up to its
 * period end, of its client when it has one). */
int	 store_portal_invoice_ids(struct db *, int64_t account_id,
	    int64_t statement_id, int64_t **ids, size_t *n);
/* 1/0: when the invoice (not a draft) was posted to the account. */
int	 store_portal_invoice_posted_at(struct db *, int64_t invoice_id,
	    int64_t account_id, int64_t *posted_at);
/* When the invoice was posted and emailed (0 = not). */
int	 store_portal_invoice_sent(struct db *, int64_t invoice_id,
	    int64_t *posted_at, int64_t *emailed_at);
/* Posts the invoice (by <= 0: none); emailed: now is its emailed_at. */
int	 store_portal_invoice_post(struct db *, int64_t invoice_id,
	    int64_t account_id, int64_t now, int64_t by, int emailed);
/* 1/0: the invoice / payment row locked (FOR UPDATE). */
int	 store_portal_invoice_lock(struct db *, int64_t invoice_id);
int	 store_portal_payment_lock(struct db *, int64_t payment_id);
/* The allocation plans (text, malloc'd, store_portal_plans_free) of the
 * account's ACH payments Stripe is processing. */
int	 store_portal_ach_plans(struct db *, int64_t account_id, char ***plans,
	    size_t *n);
void	 store_portal_plans_free(char **, size_t n);

struct store_reserved;
/* The Billing page's money in flight and the account's credit, in one
 * statement: the ACH plans above, the reservations of pending payments
 * (as store_receivables_reserved) and the unapplied credit (payment money
 * net of refunds, less what is allocated of the account's payments, as
 * store_ledger_account_credit), and the ids of the account's plans shown in
 * the portal (not drafts; newest first, at most 100, as store_plan_ids). */
struct store_portal_money {
	char			**ach_plans;
	size_t			  nach;
	struct store_reserved	 *res;		/* malloc'd */
	size_t			  nres;
	int64_t			  credit;
	int64_t			 *plan_ids;	/* malloc'd */
	size_t			  nplans;
};
int	 store_portal_money(struct db *, int64_t account_id,
	    struct store_portal_money *);
void	 store_portal_money_free(struct store_portal_money *);

/* --- payments and setups (store_portal_pay.c) --- */
/* The facts a consent is recorded with, as stored (sizes in bytes of the
 * columns' characters: VARCHAR(200), (64), (255) in utf8mb4). */
struct store_portal_consent {
	char	 signer[801];
	char	 ip[257];
	char	 user_agent[1021];
};

/* A payment made in the portal (pay_link_id 0) or by pay link; ignored when
 * registered before. signer NULL: no consent asked for. */
int	 store_portal_payment_insert(struct db *, int64_t payment_id,
	    int64_t account_id, int64_t pay_link_id, const char *email,
	    const char *signer, const char *ip, const char *user_agent,
	    int64_t now);
/* 1/0: claims the payment's consent (consent_id NULL -> 0, when it has a
 * signer); then reads the facts (1/0) and sets the consent (< 0: NULL). */
int	 store_portal_payment_consent_claim(struct db *, int64_t payment_id);
int	 store_portal_payment_consent(struct db *, int64_t payment_id,
	    struct store_portal_consent *);
int	 store_portal_payment_consent_set(struct db *, int64_t payment_id,
	    int64_t consent_id);
/* 1/0: the payment was registered for the account (and, pay_link_id > 0,
 * through that link) and is the account's. */
int	 store_portal_payment_owned(struct db *, int64_t payment_id,
	    int64_t account_id, int64_t pay_link_id);
/* 1/0: where the payment's emails go (to: "" = the account's) and whether
 * it was made in the portal (else by pay link). */
int	 store_portal_payment_source(struct db *, int64_t payment_id, char *to,
	    size_t tosz, int *portal);
/* Of the payments ids[0..n) (n <= STORE_Q32_N), has[i] = 1 when ids[i]
 * has a portal_payments row (one statement). */
int	 store_portal_payments_having(struct db *, const int64_t *ids, size_t n,
	    int *has);
/* 1/0: the payment's email of kind claimed now / sent before. */
int	 store_portal_notice_claim(struct db *, int64_t payment_id,
	    const char *kind, int64_t now);
int	 store_portal_notice_sent(struct db *, int64_t payment_id,
	    const char *kind);

/* A card/bank setup started in the portal; ignored when registered before. */
int	 store_portal_setup_insert(struct db *, const char *setup_intent,
	    int64_t account_id, const char *signer, const char *ip,
	    const char *user_agent, int64_t now);
/* 1/0: the setup's consent facts. */
int	 store_portal_setup_get(struct db *, const char *setup_intent,
	    int64_t account_id, struct store_portal_consent *);
/* 1/0: claims the setup's consent (consent_id NULL -> 0); then sets the
 * method and consent (consent_id < 0: NULL). */
int	 store_portal_setup_claim(struct db *, const char *setup_intent,
	    int64_t account_id);
int	 store_portal_setup_done(struct db *, const char *setup_intent,
	    int64_t method_id, int64_t consent_id);

#endif
