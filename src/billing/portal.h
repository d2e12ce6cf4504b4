/* Client portal and one-time pay links: SQL and rules, no HTTP.
 *
 * - Portal logins: one per account, its primary email. A login is valid
 *   only while its email equals the account's current primary email; a
 *   change of that email ends it (portal_email_changed, portal_email.h)
 *   and needs a new activation.
 * - Activation and reset links: 256-bit random tokens (only their SHA-256
 *   is stored), valid PORTAL_TOKEN_TTL, single use; a new link of a purpose
 *   supersedes the older ones of the account.
 * - Invoices posted to the portal (emailing an invoice posts it too): the
 *   only invoices the portal shows.
 * - Pay links: a 256-bit token bound to one invoice (stored hashed), expiring
 *   PAYLINK_DAYS_AFTER_DUE days after the due date unless told otherwise,
 *   revocable; a new link revokes the older ones of the invoice. Lookups
 *   are counted per client address (PAYLINK_MAX_FAILS / PAYLINK_MAX_HITS
 *   per PAYLINK_WINDOW).
 * - Payments made in the portal or by pay link: their emails (receipt, ACH
 *   pending / succeeded / failed), each queued at most once, in the
 *   transaction of the change that causes it.
 *
 * Every email is written to the outbox inside the transaction of its event.
 * Return values: enum portal_status (PORTAL_DB < 0 on database errors). */
#ifndef PORTAL_H
#define PORTAL_H

#include <stddef.h>
#include <stdint.h>

#include "payment.h"
#include "stripe_pay.h"

struct db;
struct actor;
struct config;
struct sp;

#define PORTAL_TOKEN_BYTES	32		/* 256 bits of getrandom() */
#define PORTAL_TOKEN_MAX	64		/* base64url text + NUL */
#define PORTAL_TOKEN_TTL	(72 * 3600)	/* activation and reset links */
#define PORTAL_RESET_GAP	60		/* at most one reset email a minute */
#define PORTAL_PASSWORD_MIN	12
#define PORTAL_PASSWORD_MAX	200
#define PAYLINK_DAYS_AFTER_DUE	30
#define PAYLINK_WINDOW		900		/* seconds */
#define PAYLINK_MAX_FAILS	30		/* unknown/expired tokens per IP per window */
#define PAYLINK_MAX_HITS	600		/* lookups per IP per window */
#define PORTAL_MAX_SELECT	50		/* invoices in one payment */
#define PORTAL_CONSENT_VERSION	"portal-2024-1"

enum portal_status {
	PORTAL_OK = 0,
	PORTAL_NOT_FOUND = 1,	/* no such account/invoice/link (or not yours) */
	PORTAL_INVALID = 2,	/* refused: see msg */
	PORTAL_NO_EMAIL = 3,	/* the account has no primary email */
	PORTAL_BAD_TOKEN = 4,	/* unknown, expired, used, superseded, revoked */
	PORTAL_BAD_LOGIN = 5,	/* wrong email or password, or not activated */
	PORTAL_THROTTLED = 6,	/* too many pay-link lookups from this address */
	PORTAL_DB = -1,
};

/* The database, configuration (secret_key seals the links of the emails)
 * and actor. Borrowed. (The mailer renders every email at send time.) */
struct portal_env {
	struct db		*db;
	const struct config	*cfg;
	const struct actor	*actor;
};

/* --- passwords ------------------------------------------------------------ */

/* PORTAL_OK when pw may be used by email: PORTAL_PASSWORD_MIN..MAX
 * characters, not the email (nor its local part), not a common password.
 * Else PORTAL_INVALID with a sentence for the client in msg. */
int	 portal_password_check(const char *pw, const char *email, char *msg,
	    size_t msgsz);

/* --- logins ----------------------------------------------------------------- */

struct portal_login {
	int64_t	 account_id;
	char	 email[255];		/* the account's primary email now */
	int	 active;		/* activated and email still matches */
	int64_t	 activated_at;		/* 0 = never / not since the last email change */
	int64_t	 last_login_at;
	int64_t	 link_sent_at;		/* newest unused activation link, 0 = none */
	int64_t	 link_expires_at;
};

/* Portal state of an account for staff. PORTAL_OK / NOT_FOUND / DB. */
int	 portal_login_get(struct db *, int64_t account_id, struct portal_login *);

/* Staff "Send payment portal activation link": a new activation token
 * (older links superseded) and its email to the primary email, in one
 * transaction with the audit row. PORTAL_NO_EMAIL without an email. */
int	 portal_send_activation(const struct portal_env *, int64_t account_id);

/* Whether a link still works: PORTAL_OK with *account_id, or
 * PORTAL_BAD_TOKEN. purpose: "activate" | "reset". Nothing changes. */
int	 portal_token_check(struct db *, const char *purpose, const char *token,
	    int64_t *account_id);

/* Uses an activation/reset link: checks the password rules, stores its
 * argon2id hash, marks the link used, ends the account's other portal
 * sessions, audit row; one transaction. PORTAL_BAD_TOKEN, PORTAL_INVALID
 * (password, msg says why), PORTAL_OK with *account_id. */
int	 portal_token_redeem(struct db *, const struct actor *, const char *purpose,
	    const char *token, const char *password, int64_t *account_id,
	    char *msg, size_t msgsz);

/* "Forgot password": when email is an activated login, a reset link is
 * emailed (at most one a PORTAL_RESET_GAP). Always PORTAL_OK otherwise
 * (the page never tells whether the email exists), or PORTAL_DB. */
int	 portal_request_reset(const struct portal_env *, const char *email);

/* Checks email + password: PORTAL_OK with *account_id, PORTAL_BAD_LOGIN
 * (the same time is spent whether or not the email exists), PORTAL_DB. */
int	 portal_authenticate(struct db *, const char *email, const char *password,
	    int64_t *account_id);
/* Records a successful sign-in (last_login_at). */
int	 portal_login_touch(struct db *, int64_t account_id);

/* A portal session counts only while its account's login is active
 * (activated, email unchanged): signin_portal() (signin.h) checks it in the
 * session's own statement on every request. */

/* --- invoices in the portal ----------------------------------------------- */

/* Portal status of an invoice. */
enum portal_inv_status {
	PIS_OPEN, PIS_PARTIAL, PIS_PAID, PIS_VOID, PIS_PENDING_ACH, PIS__MAX
};
extern const char *const portal_inv_status_names[PIS__MAX];	/* "open", ... */
extern const char *const portal_inv_status_labels[PIS__MAX];	/* "Open", "Partially paid", ... */

struct portal_invoice {
	int64_t			 id;
	char			 number[33];
	char			 invoice_date[11];
	char			 due_date[11];
	char			 client_name[203];
	int64_t			 client_id;	/* 0 = billed to the account */
	int64_t			 total;
	int64_t			 paid;
	int64_t			 open;
	int64_t			 pending;	/* in pending ACH payments */
	enum portal_inv_status	 status;
	int64_t			 posted_at;
};

/* Posted, issued (or void) invoices of the account, newest first; status
 * < 0 = all, else only that status. Caller frees *out. */
int	 portal_invoices(struct db *, int64_t account_id, int status,
	    struct portal_invoice **out, size_t *n);
/* One invoice, only when it is posted and belongs to account_id
 * (PORTAL_NOT_FOUND otherwise). */
int	 portal_invoice_get(struct db *, int64_t account_id, int64_t invoice_id,
	    struct portal_invoice *);
/* Is the invoice posted (posted_at, 0 = no)? For the staff page. */
int	 portal_invoice_posted(struct db *, int64_t invoice_id, int64_t *posted_at,
	    int64_t *emailed_at);

/* What a payment of selected invoices comes to, computed here from the
 * invoices' open amounts less what payments in flight reserve on them
 * (never from the form). */
struct portal_selection {
	int64_t	 account_id;
	size_t	 n;
	int64_t	 ids[PORTAL_MAX_SELECT];
	int64_t	 amounts[PORTAL_MAX_SELECT];
	char	 numbers[PORTAL_MAX_SELECT][33];
	int64_t	 total;
	char	 plan[2001];		/* "inv:<id>:<cents>,..." */
	char	 ids_text[PORTAL_MAX_SELECT * 21];	/* "12,15" for the form */
	/* Refused because a card/ACH payment in flight holds an invoice's
	 * money: that payment (0: not refused for that). */
	int64_t	 busy_payment_id;
	/* What the selected invoices come to in full (total before
	 * portal_select_part narrowed it): the form's check value. */
	int64_t	 open_total;
};

/* Parses "12,15,18" (or n ids) into a selection and prices it:
 * PORTAL_NOT_FOUND when an id is not one of the account's posted invoices,
 * PORTAL_INVALID (msg) when one is paid, void, pending ACH, wholly held by
 * payments in progress (busy_payment_id), selected twice, or nothing is
 * selected. */
int	 portal_select(struct db *, int64_t account_id, const int64_t *ids,
	    size_t n, struct portal_selection *, char *msg, size_t msgsz);
/* "12,15,18" -> ids (strict: positive ids, no junk, at most max). 0 / -1. */
int	 portal_ids_parse(const char *text, int64_t *ids, size_t max, size_t *n);

/* --- amounts the client chooses (portal_amount.c) ----------------------------- */

#define PORTAL_MIN_PAYMENT_DEFAULT	100	/* cents, until an admin sets it */
#define PORTAL_HISTORY_PAGE		20	/* payments per history page */

/* The smallest online payment (Settings; PORTAL_MIN_PAYMENT_DEFAULT when
 * unset). PORTAL_OK / PORTAL_DB. */
int	 portal_min_payment(struct db *, int64_t *out);
/* Admin: sets it (1..SP_AMOUNT_MAX cents, audited). PORTAL_INVALID (msg). */
int	 portal_min_payment_set(struct db *, const struct actor *, int64_t cents,
	    char *msg, size_t msgsz);
/* Why a typed amount was refused, and the bound it broke (the web layer
 * words it in the page's language). */
enum portal_amount_why {
	PAMT_NOT_AMOUNT = 1,	/* not dollars and cents */
	PAMT_BELOW_MIN,		/* bound: the minimum */
	PAMT_ABOVE_OPEN,	/* bound: what is open and not reserved */
};
struct portal_amount_refusal {
	enum portal_amount_why	 why;
	int64_t			 bound;
};
/* A part payment typed by the client (text, e.g. "25.00") of an invoice
 * with avail open and not reserved: PORTAL_OK with *amount, or
 * PORTAL_INVALID with *r naming the problem (not a number, below min (min
 * counts only while more than min is open), above avail). */
int	 portal_amount_check(const char *text, int64_t min, int64_t avail,
	    int64_t *amount, struct portal_amount_refusal *r);
/* Narrows a priced one-invoice selection to amount (<= its open amount):
 * the plan reserves exactly that on the invoice. PORTAL_INVALID otherwise. */
int	 portal_select_part(struct portal_selection *, int64_t amount);
/* The payable invoices (open or partly paid, money not all reserved) a
 * statement of the account lists (its account's or client's invoices dated
 * up to its period end) / of the whole account; oldest due first, at most
 * max; *total gets what they come to (open less reserved, today).
 * PORTAL_NOT_FOUND when the statement is not the account's. */
int	 portal_statement_ids(struct db *, int64_t account_id,
	    int64_t statement_id, int64_t *ids, size_t max, size_t *n,
	    int64_t *total);
int	 portal_payable_ids(struct db *, int64_t account_id, int64_t *ids,
	    size_t max, size_t *n, int64_t *total);
/* Money held by card/ACH attempts in flight, per invoice of one account:
 * one read (portal_reserved_load), then portal_payable_sum() answers what
 * portal_payable_ids() (upto NULL, client 0) or portal_statement_ids()
 * (the statement's period end and client) come to, from the account's
 * posted invoices already loaded by portal_invoices(). */
struct store_reserved;
struct portal_reserved {
	struct store_reserved	*v;
	size_t			 n;
};
int	 portal_reserved_load(struct db *, int64_t account_id, struct portal_reserved *);
void	 portal_reserved_free(struct portal_reserved *);
/* What attempts in flight hold of one invoice (from the loaded rows). */
int64_t	 portal_reserved_for(const struct portal_reserved *, int64_t invoice_id);
/* The Billing page's reads in two statements: the money in flight
 * (reservations, pending ACH) with the account's unapplied credit and the
 * ids of its plans shown in the portal (newest first), then the posted
 * invoices with their portal status (as portal_invoices). */
struct portal_page {
	struct portal_invoice	*is;
	size_t			 n;
	struct portal_reserved	 res;
	int64_t			 credit;
	int64_t			*plan_ids;
	size_t			 nplans;
};
int	 portal_page_load(struct db *, int64_t account_id, struct portal_page *);
void	 portal_page_free(struct portal_page *);
int	 portal_payable_sum(const struct portal_reserved *,
	    const struct portal_invoice *, size_t n, const char *upto,
	    int64_t client_id, int64_t *total);

/* The payment history as the client sees it: payments newest first
 * (attempts never confirmed and canceled ones left out), each failed
 * attempt counted under the payment that followed it, never as a payment. */
struct portal_history_row {
	struct sp_payment	 p;
	size_t			 declined;	/* failed attempts just before it */
};
struct portal_history {
	struct portal_history_row	*rows;	/* at most PORTAL_HISTORY_PAGE */
	size_t				 n;
	size_t				 total;	/* payments on every page */
	size_t				 pages;	/* >= 1 */
	size_t				 trailing_declined;	/* failed since the last payment */
};
/* Page (1-based) of the history. Free with portal_history_free. */
int	 portal_history(struct db *, int64_t account_id, size_t page,
	    struct portal_history *);
void	 portal_history_free(struct portal_history *);

/* --- staff: send an invoice, pay links ------------------------------------- */

struct pay_link {
	int64_t	 id;
	int64_t	 invoice_id;
	int64_t	 account_id;
	int64_t	 created_at;
	int64_t	 expires_at;
	int64_t	 revoked_at;
	int64_t	 last_used_at;
};

/* Staff "Send invoice": post (and/or email) an issued invoice. Emailing
 * makes a new pay link (older ones revoked) expiring at the end of
 * expires_on (YYYY-MM-DD; NULL/"" = due date + PAYLINK_DAYS_AFTER_DUE)
 * and queues the invoice email (Pay now + Log in) to the primary email;
 * both post it to the portal. One transaction with the audit row.
 * PORTAL_NOT_FOUND, PORTAL_INVALID (msg: a draft or void invoice, an
 * expiry in the past, neither email nor post), PORTAL_NO_EMAIL. */
int	 portal_send_invoice(const struct portal_env *, int64_t invoice_id,
	    int email, int post, const char *expires_on, char *msg, size_t msgsz);

/* Newest pay link of an invoice still usable (not revoked or expired):
 * PORTAL_OK / PORTAL_NOT_FOUND. */
int	 paylink_current(struct db *, int64_t invoice_id, struct pay_link *);
/* Revokes every usable link of the invoice (audit row). PORTAL_NOT_FOUND
 * when there was none. */
int	 paylink_revoke(struct db *, const struct actor *, int64_t invoice_id);

/* Finds the link of a token for a visitor at ip, counting the lookup:
 * PORTAL_OK (link filled), PORTAL_BAD_TOKEN (unknown, expired, revoked:
 * indistinguishable), PORTAL_THROTTLED (too many lookups from ip). */
int	 paylink_lookup(struct db *, const char *token, const char *ip,
	    struct pay_link *);

/* --- payments made in the portal / by pay link ----------------------------- */

/* An authorization the client signed on a form (typed name, from where). */
struct portal_consent_intent {
	const char	*signer;	/* 1..200 characters */
	const char	*ip;
	const char	*user_agent;
};

/* Records that payment_id was started in the portal (pay_link_id 0) or by
 * a pay link; its emails go to email (the account's email when ""). ci:
 * the client asked to save the card and signed this (NULL: not saving).
 * Safe twice. */
int	 portal_payment_register(struct db *, int64_t payment_id,
	    int64_t account_id, int64_t pay_link_id, const char *email,
	    const struct portal_consent_intent *ci);
/* After a payment that saved its card succeeded: records the consent the
 * client signed when paying (scope any_balance) for the saved method, once.
 * PORTAL_OK also when there is nothing to record. */
int	 portal_payment_consent(const struct sp *, int64_t payment_id);

/* Adding a payment method in the portal: remember the SetupIntent with the
 * authorization signed on the form; after confirmSetup, finish: the method
 * is recorded (stripe_pay_setup_complete) and the consent with it.
 * *method_id gets our method id. PORTAL_NOT_FOUND (not this account's
 * SetupIntent), PORTAL_INVALID (msg), PORTAL_OK. */
int	 portal_setup_register(struct db *, const char *setup_intent,
	    int64_t account_id, const struct portal_consent_intent *ci);
int	 portal_setup_finish(const struct sp *, int64_t account_id,
	    const char *setup_intent, int64_t *method_id, char *msg, size_t msgsz);
/* 1 when payment_id was started by this account in the portal/pay link
 * (pay_link_id 0: any source), 0 not, PORTAL_DB. */
int	 portal_payment_owned(struct db *, int64_t payment_id, int64_t account_id,
	    int64_t pay_link_id);

/* Queues the email the payment's current state calls for, once each:
 * succeeded -> receipt (ACH: "succeeded"), ACH pending in processing ->
 * "pending", ACH failed/canceled after "pending" -> "failed". Only for
 * payments registered above; others change nothing (DB_OK).
 *
 * THE SETTLE HOOK: runs in the CALLER's transaction, so the email exists
 * iff the settlement committed. The Stripe settle path (page callback,
 * webhook, reconcile) calls it right after it changed a payment's status
 * or Stripe status, with the payment row still locked; a non-DB_OK return
 * should roll the settlement back (it is retried like any DB error). It
 * queues a notice (notice.h): the mailer renders it later, outside this
 * transaction. Returns a db_status. */
struct sp_payment;
/* Why a failed or canceled payment did not go through, in the payer's
 * words (never the staff's advice). Never NULL. */
const char *portal_failure_text(const struct sp_payment *);
int	 portal_payment_settled(struct db *, const struct config *,
	    int64_t payment_id);
/* Inside a transaction holding the payments' locks: which of ids[0..n)
 * (n <= 32) were made in the portal or by pay link, read by one
 * statement; portal_payment_settled then reads nothing for the others
 * until portal_payments_known_end (after the transaction). */
int	 portal_payments_known(struct db *, const int64_t *ids, size_t n);
void	 portal_payments_known_end(void);
/* The same in its own transaction (after a page callback). */
int	 portal_payment_notify(const struct portal_env *, int64_t payment_id);
/* A payment notice's fact "invoices": the invoices of the payment's
 * allocation plan as "id,cents;..." ("" for the auto and none plans), which
 * the mailer lists with their numbers; a payment without a plan (recorded
 * by staff) gets none: the mailer lists its allocations. */
struct notice;
void	 portal_notice_invoices(struct notice *, const char *alloc_plan);

#endif
