/* The web kit: one set of page helpers for every area (staff/, portal/,
 * paylink/, api/, pdf/). Reading validated fields and path ids, who is
 * acting, money into a view, form errors, and get-or-404 of the records
 * most pages are about. See docs/internals/web.md. */
#ifndef KIT_H
#define KIT_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "pdf.h"

struct ctx;
struct tmpl_vars;
struct account;
struct client;
struct invoice;

/* The staff user of the request as an audit actor ("staff", user id, IP). */
struct actor	 kit_staff_actor(const struct ctx *);

/* The path parameter `name` (":id") as a positive integer; 0 when absent,
 * not a number, or not positive (callers answer 404). */
int64_t	 kit_path_id(const struct ctx *, const char *name);

/* A validated field of the route: its text ("" when absent; an invalid
 * value is returned as typed, so a re-rendered form shows it). */
const char *kit_field_s(const struct ctx *, const char *name);
/* Its number (INT/ID/MONEY/BOOL/DATE/ENUM index); dflt when absent or
 * invalid. */
int64_t	 kit_field_i(const struct ctx *, const char *name, int64_t dflt);
/* The raw request value (form for POST, query otherwise), "" when absent:
 * for the dynamic names a field table cannot list. */
const char *kit_input(const struct ctx *, const char *name);

/* One error on a form: appended to the "errors" loop and, unless the field
 * already has one (first wins, like app_view_errors), as err_<field>. */
void	 kit_form_error(struct ctx *, const char *field, const char *msg);

/* Money into a view: "$1,234.56" / "1234.56" ("" if it cannot format). */
void	 kit_set_money(struct tmpl_vars *, const char *name, int64_t cents);
void	 kit_set_money_plain(struct tmpl_vars *, const char *name,
	    int64_t cents);

/* Echoes every field of the route into the view as form_<name>. */
void	 kit_form_echo(struct ctx *);
/* A valid ?notice= into the view as "notice" (the page's flash). */
void	 kit_notice(struct ctx *);
/* Whether the staff user may change money records (ROLES_MONEY). */
int	 kit_can_money(const struct ctx *);
/* Today + days as YYYY-MM-DD ("" if it cannot format). */
void	 kit_date_from_today(char *out, size_t outsz, int64_t days);
/* A day number (days since 1970-01-01) into the view as YYYY-MM-DD (not
 * set when it cannot format). */
void	 kit_set_day(struct tmpl_vars *, const char *name, int64_t days);
/* Unix seconds into the view as its date (not set for t <= 0 or when it
 * cannot format). */
void	 kit_set_date(struct tmpl_vars *, const char *name, int64_t t);
/* Unix seconds into the view as "YYYY-MM-DD HH:MM" (UTC). */
void	 kit_set_instant(struct tmpl_vars *, const char *name, int64_t t);
/* An account's name, contacts and address line into the view
 * (account_id, account_name, account_email, ..., account_city_line). */
void	 kit_view_account(struct tmpl_vars *, const struct account *);

/* Labels for people: a payment method ("cash" -> "Cash", "ach" -> "Bank
 * (ACH)") and a ledger entry kind ("writeoff" -> "Write-off"); an unknown
 * value is returned as it is. */
const char *kit_method_label(const char *method);
const char *kit_entry_kind_label(const char *kind);

/* The response body already holds a PDF: 200 with the headers of a
 * private download named filename. 0 / -1. */
int	 kit_send_pdf(struct ctx *, const char *filename);

/* The organisation for a PDF: name, address and logo (bytes owned by the
 * request; valid until it ends). */
struct pdf_org	 kit_pdf_org(struct ctx *);

/* Get-or-404: loads the record; 0 found, 1 answered (404 "No such ...",
 * also for id 0), -1 database error (the dispatcher answers 500). An
 * invoice found is the caller's to invoice_free(); on 1 and -1 nothing is
 * left to free. */
int	 kit_account_or_404(struct ctx *, int64_t id, struct account *);
int	 kit_client_or_404(struct ctx *, int64_t id, struct client *);
int	 kit_invoice_or_404(struct ctx *, int64_t id, struct invoice *);
/* The account of the path's :id. */
int	 kit_path_account_or_404(struct ctx *, struct account *);

#endif
