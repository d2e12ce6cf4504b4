/* Store-internal (never included outside src/store): a query's rows mapped
 * into plain structs, for the families that read lists and single rows. */
#ifndef STORE_ROWS_H
#define STORE_ROWS_H

#include <stddef.h>

struct db;
struct db_param;
struct db_result;

/* Fills the struct at elem from row i of a result. */
typedef void store_row_fn(const struct db_result *, size_t i, void *elem);

/* Every row of the query into a calloc'd array of *n elements of elemsz
 * bytes (*out NULL when none). db_status. */
int	 store_rows_fetch(struct db *, const char *sql, const struct db_param *,
	    size_t nparam, size_t elemsz, store_row_fn *fn, void **out, size_t *n);
/* The same, returning the array (NULL when none or on error; the caller
 * frees it); *rc gets the db_status. */
void	*store_rows_query(struct db *, const char *sql, const struct db_param *p,
	    size_t np, size_t elsz, store_row_fn *from_row, size_t *n, int *rc);
/* The query's one row into elem: 1, 0 when no row, or a db_status < 0. */
int	 store_rows_one(struct db *, const char *sql, const struct db_param *,
	    size_t nparam, store_row_fn *fn, void *elem);
/* 32 placeholders for an IN list of a chunk (a shorter list pads its
 * values, so one statement text, cached, serves every chunk). */
#define STORE_Q4	"?, ?, ?, ?"
#define STORE_Q32	STORE_Q4 ", " STORE_Q4 ", " STORE_Q4 ", " STORE_Q4 ", " \
	STORE_Q4 ", " STORE_Q4 ", " STORE_Q4 ", " STORE_Q4
#define STORE_Q32_N	32
/* store_row_fn for an int64_t from the first column (ids). */
void	 store_rows_id(const struct db_result *, size_t i, void *elem);

/* One list of a UNION ALL whose branches carry a kind (1, 2, ...) in one
 * column: its rows (kind == index + 1) go through from_row into a calloc'd
 * *out of *n elements, sorted by cmp (a UNION promises no order). */
struct store_rows_list {
	store_row_fn	*from_row;
	int		(*cmp)(const void *, const void *);
	size_t		 elsz;
	void		**out;
	size_t		*n;
};
/* Splits r by the kind in column kcol into nl lists; db_status (on error
 * the lists filled so far stay for the caller to free). */
int	 store_rows_split(const struct db_result *r, size_t kcol,
	    const struct store_rows_list *l, size_t nl);

/* Rows read in another family's statement (a session's, the work list's)
 * by their own families' decoders: the columns start at col (user,
 * account and ledger day at 0). */
struct store_branding;
#define STORE_BRANDING_COLS "b.org_name, b.org_address, b.accent, b.logo_sha," \
	" b.logo_w, b.logo_h"
void	 store_branding_from_row(const struct db_result *, size_t row,
	    size_t col, struct store_branding *);
#define STORE_ACCOUNT_COLS "a.id, a.name, COALESCE(a.email, ''), a.phone," \
	" a.address1, a.address2, a.city, a.region, a.postal_code," \
	" COALESCE(a.location_id, 0), a.created_at, a.language"
store_row_fn	 store_profile_account_from_row;
#define STORE_USER_COLS "u.id, u.email, u.name, u.role," \
	" u.disabled_at IS NOT NULL, u.created_at, COALESCE(u.last_login_at, 0)"
store_row_fn	 store_user_from_row;
/* A struct store_ledger_day from (date, amount) (store_worklist.c too). */
store_row_fn	 store_ledger_day_from_row;

/* The columns (and their decoders) of the lists the staff account page
 * reads in one statement (store_account_page.c) with their families. */
/* store_payment.c: 32 columns (+ applied_client for a list row). */
#define STORE_PAY_COLS "p.id, p.account_id, COALESCE(p.client_id, 0), p.method," \
	" p.amount, p.status, p.received_date, p.reference, p.memo, p.created_at," \
	" COALESCE(p.attempt_key, ''), COALESCE(p.stripe_payment_intent, '')," \
	" p.stripe_status, COALESCE(p.payment_method_id, 0), p.save_method," \
	" p.failure_code, p.failure_message, p.disputed," \
	" COALESCE(p.settled_at, 0), p.alloc_plan, p.checked_at," \
	" COALESCE(p.consent_signer, ''), COALESCE(p.consent_scope, '')," \
	" COALESCE(p.consent_max_amount, 0), COALESCE(p.consent_text_version, '')," \
	" COALESCE(p.consent_ip, ''), COALESCE(p.consent_user_agent, '')," \
	" COALESCE(p.consent_recorded_by, 0), COALESCE(p.consent_id, 0)," \
	" (SELECT COALESCE(SUM(a.amount), 0) FROM allocations a" \
	"   WHERE a.payment_id = p.id)," \
	" (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	"   WHERE e.payment_id = p.id AND e.kind = 'refund')," \
	" (SELECT COALESCE(SUM(f.amount), 0) FROM refunds f" \
	"   WHERE f.payment_id = p.id AND f.status = 'pending')"

#define STORE_STATEMENT_HEAD_SQL STORE_STATEMENT_HEAD_COLS STORE_STATEMENT_HEAD_FROM
#define STORE_STATEMENT_HEAD_COLS "SELECT s.id, s.number, s.account_id," \
	" COALESCE(s.client_id, 0), s.period_start, s.period_end," \
	" s.statement_date, s.due_date, s.opening_balance, s.closing_balance," \
	" s.amount_due, a.name, COALESCE(CONCAT(c.first_name, ' ', c.last_name), '')"
#define STORE_STATEMENT_HEAD_FROM " FROM statements s JOIN accounts a" \
	" ON a.id = s.account_id LEFT JOIN clients c ON c.id = s.client_id"

#define STORE_PM_COLS "id, account_id, stripe_pm_id, kind, brand, last4," \
	" COALESCE(exp_month, 0), COALESCE(exp_year, 0), is_default, status," \
	" created_at, COALESCE(removed_at, 0)"

/* A consent's columns but its auth_text (TEXT, the 21st column). */
#define STORE_CONSENT_COLS20 "c.id, c.account_id, c.payment_method_id," \
	" m.kind, m.brand, m.last4, c.scope, COALESCE(c.max_amount, 0)," \
	" COALESCE(c.plan_id, 0), c.text_version, c.signer_name, c.signed_at," \
	" c.ip, c.user_agent, COALESCE(c.recorded_by, 0)," \
	" COALESCE(c.revoked_at, 0), COALESCE(c.revoked_by, 0), c.method_label," \
	" m.status = 'removed', COALESCE(c.mail_id, 0)"
#define STORE_CONSENT_FROM " FROM consents c" \
	" JOIN payment_methods m ON m.id = c.payment_method_id"

#define STORE_CLIENT_SEL STORE_CLIENT_COLS STORE_CLIENT_FROM
#define STORE_CLIENT_COLS "SELECT c.id, c.account_id, c.stage, c.first_name," \
	" c.last_name, COALESCE(c.birth_date, ''), c.email, c.phone," \
	" COALESCE(c.location_id, 0), COALESCE(c.converted_at, 0), c.created_at," \
	" a.name"
#define STORE_CLIENT_FROM " FROM clients c JOIN accounts a ON a.id = c.account_id"

#define STORE_BILLED_SQL "(SELECT COALESCE(SUM(l.amount), 0) FROM ledger_entries l " \
	"JOIN invoices i ON i.id = l.invoice_id WHERE i.client_id = e.client_id " \
	"AND i.status = 'issued' AND i.issued_at >= e.created_at AND l.kind IN " \
	"('charge', 'discount'))"

/* GFE flags: the estimates' rows (then their account condition, in x),
 * and the filter on x with its order and limit. */
#define STORE_GFE_SQL "SELECT * FROM (" STORE_GFE_ROWS \
	" AND (? = 0 OR e.account_id = ?)) x" STORE_GFE_WHERE
#define STORE_GFE_ROWS "SELECT e.id, COALESCE(e.root_id, " \
	"e.id) AS root, e.client_id, CONCAT(c.first_name, ' ', c.last_name) " \
	"AS name, e.patient_total, " STORE_BILLED_SQL " AS billed FROM estimates e JOIN " \
	"clients c ON c.id = e.client_id WHERE e.gfe = 1 AND e.status NOT IN " \
	"('draft', 'superseded', 'declined')"
#define STORE_GFE_WHERE " WHERE x.billed - x.patient_total >= ?" \
	" ORDER BY x.id DESC LIMIT 50"

store_row_fn	 store_payment_list_from_row;
store_row_fn	 store_statement_head_from_row;
store_row_fn	 store_method_from_row;
store_row_fn	 store_consent_from_row;
store_row_fn	 store_client_from_row;
store_row_fn	 store_estimate_flag_from_row;

#endif
