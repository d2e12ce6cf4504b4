/* Shared fixtures for the Check integration tests (test_roles, test_expiry,
 * test_aging): the stack's settings from the ITEST_* environment, a browser
 * (cookie jar + the last page's CSRF token), staff and portal sign-in,
 * accounts and issued invoices made through the staff pages, API keys,
 * the database for facts, the SMTP catcher's Maildir, and the stack-wide
 * clock. Built on itest.c (HTTP, shell, polling). Every helper asserts with
 * Check (ck_assert), so call them from inside a test. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "itest.h"

#define FX_PORTAL_PW	"tulip river mountain 42"
#define FX_MAIL_WAIT_MS	20000
#define FX_KEY_MAX	128

struct fx_env {
	const char	*base;		/* ITEST_BASE_URL */
	const char	*password;	/* staff users' password */
	const char	*admin, *billing, *frontdesk;	/* staff emails */
	const char	*maildir;
	const char	*sandbox;
	const char	*ctl;		/* billingctl -c ... */
	const char	*clock_file;	/* BILLING_CLOCK_FILE */
};
extern struct fx_env fx;

/* Reads the ITEST_* environment, the config and initializes crypto; exits 2
 * with a message when the stack's environment is missing. */
void	 fx_init(void);
/* tcase_add_test() unless ITEST_TEST names another test (one test of a
 * case: ITEST_TEST=test_staff_idle). */
void	 fx_add_test(TCase *, const TTest *);
/* Runs suite s (CK_RUN_SUITE / CK_RUN_CASE select) and returns the exit
 * status for main(); fails when ITEST_TEST matched no test. Frees what
 * fx_init() took. */
int	 fx_run(Suite *s);

struct config;
/* The stack's configuration (ITEST_CONFIG), loaded by fx_init(). */
const struct config *fx_config(void);

/* --- a browser ------------------------------------------------------------- */

struct fx_who {
	struct itest_client	*c;
	char			 csrf[256];	/* the last page's _csrf */
	char			 name[64];
};

void	 fx_who_new(struct fx_who *, const char *name);
void	 fx_who_free(struct fx_who *);
/* GET path and assert the status (want < 0: any); keeps the page's _csrf. */
void	 fx_get(struct fx_who *, const char *path, struct itest_resp *, int want);
/* POST path with csrf (NULL: the last page's; "": none) and NULL-terminated
 * name, value pairs; asserts the status (want < 0: any). */
void	 fx_post(struct fx_who *, const char *path, const char *csrf,
	    struct itest_resp *, int want, ...);
/* The 303's Location (asserted present). */
const char *fx_location(const struct itest_resp *);
/* The number after prefix in the Location. */
int64_t	 fx_location_id(const struct itest_resp *, const char *prefix);

/* Signs in staff email (fresh client) and loads "/". */
void	 fx_staff(struct fx_who *, const char *email);
/* An account with a unique email (into email; may be NULL) in location
 * (0: none), made by s (billing or admin). */
int64_t	 fx_account(struct fx_who *s, int64_t location, char *email, size_t emailsz,
	    const char *tag);
/* An issued one-line invoice of rate ("12.34") dated invoice_date, due
 * due_date (YYYY-MM-DD). */
int64_t	 fx_invoice(struct fx_who *s, int64_t account, const char *rate,
	    const char *invoice_date, const char *due_date);
/* Sends the account's portal activation and activates it from the count-th
 * activation email: c is a signed-in portal client. */
void	 fx_portal_client(struct fx_who *s, int64_t account, const char *email,
	    struct fx_who *c, int count);
/* Portal sign-in of email with FX_PORTAL_PW; returns the POST's status. */
long	 fx_portal_login(struct fx_who *c, const char *email);

/* Pays the issued invoice inv from portal client c with pay_with ("card",
 * "ach") and the sandbox's test PaymentMethod pm, confirmed at the sandbox as
 * Stripe.js does; returns the payment's id. */
int64_t	 fx_portal_pay(struct fx_who *c, int64_t inv, const char *pay_with,
	    const char *pm);
/* POST form (urlencoded, may be NULL) to a control path of the Stripe
 * sandbox (/_sandbox/...); asserts 200. */
void	 fx_sandbox(const char *path, const char *form);

/* --- API keys ------------------------------------------------------------- */

/* billingctl apikey create --role role: the key into key (FX_KEY_MAX). */
void	 fx_apikey(const char *role, char *key);
/* A client sending Authorization: Bearer key and JSON bodies. */
struct itest_client *fx_api_client(const char *key);
/* A new location (name unique) made through the API with an admin key. */
int64_t	 fx_location_new(const char *admin_key);
/* The integer after "\"name\":" in a JSON text (first occurrence). */
int64_t	 fx_json_i64(const char *json, const char *name);

/* --- database ---------------------------------------------------------------- */

int64_t	 fx_sql_i64(const char *sql, int64_t id);

/* --- mail ------------------------------------------------------------------- */

/* Waits (FX_MAIL_WAIT_MS) for the count-th message to `to` holding needle;
 * returns it (caller frees). */
char	*fx_mail_wait(const char *to, const char *needle, int count);
/* The first link in mail m to base + prefix, as a path. */
void	 fx_mail_link(const char *m, const char *prefix, char *path, size_t pathsz);

/* --- the stack-wide clock (BILLING_CLOCK_FILE) ----------------------------- */

/* Now is Unix second t for every process of the stack (and this one). */
void	 fx_clock_at(int64_t t);
/* Now is the real time shifted by delta seconds. */
void	 fx_clock_shift(int64_t delta);
/* Back to the real clock. */
void	 fx_clock_real(void);
/* Unix seconds of "YYYY-MM-DD HH:MM:SS" UTC. */
int64_t	 fx_utc(const char *datetime);

#endif
