/* Staff UI for profiles, invoices and the catalog: handlers (one file per
 * area, src/web/staff_profiles_*.c) and the view helpers they share. The
 * route table and every field table live in staff_profiles.c. */
#ifndef STAFF_PROFILES_H
#define STAFF_PROFILES_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct tmpl_vars;
struct actor;
struct invoice;
struct account;
struct invoice_filter;

#define STAFF_PROFILES_PAGE_SIZE	50	/* rows per list page */
/* Line rows the invoice form accepts. */
#define STAFF_PROFILES_INVOICE_LINES	20

/* Lists: inquiries, clients, accounts (staff_profiles_people.c). */
int	 h_inquiries(struct ctx *);
int	 h_clients(struct ctx *);
int	 h_accounts(struct ctx *);
/* Create and edit forms. */
int	 h_inquiry_new(struct ctx *);
int	 h_inquiry_create(struct ctx *);
int	 h_client_new(struct ctx *);
int	 h_client_create(struct ctx *);
int	 h_client_edit(struct ctx *);
int	 h_client_update(struct ctx *);
int	 h_account_new(struct ctx *);
int	 h_account_create(struct ctx *);
int	 h_account_edit(struct ctx *);
int	 h_account_update(struct ctx *);
int	 h_inquiry_convert(struct ctx *);
/* Profile pages with the Financial tab (staff_profiles_financial.c). */
int	 h_inquiry_show(struct ctx *);
int	 h_client_show(struct ctx *);
int	 h_account_show(struct ctx *);

/* Invoices (staff_profiles_invoice.c, staff_profiles_invoice_form.c). */
int	 h_invoices(struct ctx *);
int	 h_invoice_new(struct ctx *);
int	 h_invoice_create(struct ctx *);
int	 h_invoice_show(struct ctx *);
int	 h_invoice_edit(struct ctx *);
int	 h_invoice_update(struct ctx *);
int	 h_invoice_issue(struct ctx *);
int	 h_invoice_void(struct ctx *);
int	 h_invoice_adjust(struct ctx *);
int	 h_invoice_print(struct ctx *);

/* Catalog administration (staff_profiles_catalog.c). */
int	 h_locations(struct ctx *);
int	 h_location_create(struct ctx *);
int	 h_location_update(struct ctx *);
int	 h_services(struct ctx *);
int	 h_service_create(struct ctx *);
int	 h_service_update(struct ctx *);
int	 h_payment_types(struct ctx *);
int	 h_payment_type_create(struct ctx *);
int	 h_payment_type_update(struct ctx *);

/* --- shared helpers (staff_profiles_view.c) ------------------------------ */

/* An id field of the form, else the same name in the query string (a form
 * posted to "/clients/new?account_id=2"); 0 when neither is a valid id. */
int64_t	 staff_profiles_id_field(const struct ctx *, const char *name);
/* Keyset paging links for a list page: uses the request's before/back
 * fields; sets newer_url/older_url (when there are such pages). base is
 * the list path with its filters ("/invoices?status=open"). */
void	 staff_profiles_paging(struct ctx *, const char *base, int64_t last_id,
	    int more);
/* The "before" id of the request (0: first page). */
int64_t	 staff_profiles_before(const struct ctx *);
/* Appends "name=value" (URL-escaped) to a query string being built. */
void	 staff_profiles_query_add(char *q, size_t qsz, const char *name,
	    const char *value);
/* Loops for <select>s with the current choice marked `selected`; rows have
 * id, name (and code). Inactive rows are listed only when selected.
 * Return 0 / -1 (database). */
int	 staff_profiles_location_options(struct ctx *, int64_t selected);
int	 staff_profiles_payment_type_options(struct ctx *, int64_t selected);
/* A chosen location (0: none) must exist: 0 ok, 1 error added to the form,
 * -1 database. */
int	 staff_profiles_check_location(struct ctx *, int64_t id);
/* The account's "City, Region Postal" line into out; returns it trimmed. */
char	*staff_profiles_city_line(char *out, size_t outsz, const struct account *);
/* Display name "First Last". */
void	 staff_profiles_person_name(char *out, size_t outsz, const char *first,
	    const char *last);
/* The invoices of the filter into loop "invoices", a row each: number,
 * dates, amounts, status, overdue (staff_profiles_financial.c). *n: rows,
 * *more: whether more follow, *last: the last row's id. 0, -1 (database). */
int	 staff_profiles_invoice_rows(struct ctx *, const struct invoice_filter *,
	    size_t *n, int *more, int64_t *last);

#endif
