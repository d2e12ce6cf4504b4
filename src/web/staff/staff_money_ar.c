/* The A/R summary and the audit-trail pages of accounts, clients and
 * invoices. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "buf.h"
#include "calc.h"
#include "catalog.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "profiles.h"
#include "staff_money.h"
#include "statement.h"
#include "str.h"
#include "tmpl.h"

/* Audit rows per page. */
#define AUDIT_PAGE	50

/* Width class (bar-0 .. bar-100) of part in whole: the CSP forbids inline
 * styles, so bars are sized by classes from money.css. */
static int64_t
bar_pct(int64_t part, int64_t whole)
{
	int64_t p;

	if (whole <= 0 || part <= 0)
		return 0;
	while (part > INT64_MAX / 100) {	/* sums beyond MONEY_MAX */
		part /= 100;
		whole /= 100;
	}
	p = whole > 0 ? part * 100 / whole : 100;
	if (p == 0)
		p = 1;	/* a non-zero bucket stays visible */
	return p > 100 ? 100 : p;
}

/* The A/R page of location_id (0: all) among ls. */
static int
ar_page(struct ctx *c, int64_t location_id, const struct location *ls,
    size_t nls)
{
	struct ar_summary s;
	int64_t aging_total = 0, max_bucket = 0;
	size_t k;

	for (k = 0; location_id != 0 && k < nls; k++)
		if (ls[k].id == location_id)
			break;
	if (location_id != 0 && k == nls)
		return app_error(c, 404, "No such location.");
	memset(&s, 0, sizeof(s));
	if (ar_summary(c->app->db, location_id, &s) != ST_OK)
		return -1;
	staff_money_view_location_rows(c, ls, nls, location_id);
	kit_set_money(c->view, "ar_total", s.total);
	kit_set_money(c->view, "ar_credit", s.credit);
	kit_set_money(c->view, "ar_net", s.total - s.credit);
	tmpl_set_int(c->view, "ar_accounts", s.accounts_with_balance);
	for (size_t b = 0; b < AGING_BUCKETS; b++) {
		aging_total += s.aging[b];
		if (s.aging[b] > max_bucket)
			max_bucket = s.aging[b];
	}
	kit_set_money(c->view, "aging_total", aging_total);
	if (s.unapplied != 0) {
		/* the aging's total down to the net receivables above */
		kit_set_money(c->view, "ar_unapplied", -s.unapplied);
		tmpl_set_bool(c->view, "has_unapplied", 1);
	}
	for (size_t b = 0; b < AGING_BUCKETS; b++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "aging");
		if (row == NULL)
			break;
		tmpl_set(row, "label", aging_labels[b]);
		tmpl_set_int(row, "bucket", (int64_t)b);
		kit_set_money(row, "amount", s.aging[b]);
		tmpl_set_int(row, "bar", bar_pct(s.aging[b], max_bucket));
		tmpl_set_int(row, "share", aging_total > 0 ?
		    bar_pct(s.aging[b], aging_total) : 0);
	}
	for (size_t i = 0; i < s.ntop && i < ARRAY_LEN(s.top); i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "top");
		if (row == NULL)
			break;
		tmpl_set_int(row, "account_id", s.top[i].account_id);
		tmpl_set(row, "account_name", s.top[i].account_name);
		kit_set_money(row, "balance", s.top[i].balance);
	}
	if (staff_money_ar_charts(c, &s, location_id, ls, nls) == -1)
		return -1;
	tmpl_set(c->view, "title", "Receivables");
	tmpl_set_bool(c->view, "nav_ar", 1);
	return app_render(c, 200, "ar.html");
}

int
h_ar(struct ctx *c)
{
	const struct field_value *loc = app_field(c, "location_id");
	int64_t location_id = loc && loc->present ? loc->i : 0;
	struct location *ls = NULL;
	size_t nls = 0;
	int rc;

	/* every location, read once: the filter, its check and the chart */
	if (location_list(c->app->db, 0, &ls, &nls) != CAT_OK)
		return -1;
	rc = ar_page(c, location_id, ls, nls);
	free(ls);
	return rc;
}

/* --- audit trail ---------------------------------------------------------- */

static const struct object_link {
	const char	*type;
	const char	*label;
	const char	*path;	/* NULL: no page of its own */
} object_links[] = {
	{ "account", "Account", "/accounts/" },
	{ "client", "Client", "/clients/" },
	{ "inquiry", "Inquiry", "/clients/" },
	{ "invoice", "Invoice", "/invoices/" },
	{ "payment", "Payment", "/payments/" },
	{ "statement", "Statement", "/statements/" },
	{ "statement_batch", "Statement run", "/statements/batches/" },
};

static void
view_audit_object(struct tmpl_vars *row, const struct audit_row *r)
{
	const struct object_link *o = NULL;
	char href[80];

	for (size_t i = 0; i < ARRAY_LEN(object_links); i++)
		if (strcmp(object_links[i].type, r->object_type) == 0)
			o = &object_links[i];
	if (r->object_id)
		tmpl_setf(row, "object", "%s #%" PRId64, o ? o->label :
		    r->object_type, r->object_id);
	else
		tmpl_set(row, "object", o ? o->label : r->object_type);
	if (o && o->path && r->object_id) {
		str_fmt(href, sizeof(href), "%s%" PRId64, o->path, r->object_id);
		tmpl_set(row, "object_href", href);
	}
}

static const struct actor_label {
	const char	*kind;
	const char	*label;
} actor_labels[] = {
	{ "staff", "Staff user" },
	{ "portal", "Client portal" },
	{ "api", "API key" },
	{ "system", "System" },
	{ "stripe", "Stripe" },
};

static const char *
actor_label(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(actor_labels); i++)
		if (strcmp(actor_labels[i].kind, kind) == 0)
			return actor_labels[i].label;
	return kind;
}

/* The domain writes amounts as "12345 cents"; staff read "$123.45". */
static int
detail_money(struct buf *out, const char *s)
{
	char m[MONEY_FMT_MAX], num[24];

	while (*s) {
		const char *p = s + (*s == '-');
		size_t nd = strspn(p, "0123456789"), len = (size_t)(p - s) + nd;
		int64_t v;

		if (nd > 0 && len < sizeof(num) && str_starts(p + nd, " cents")) {
			memcpy(num, s, len);
			num[len] = '\0';
			if (str_to_i64(num, -MONEY_MAX, MONEY_MAX, &v) == 0 &&
			    money_format(v, m, sizeof(m)) == 0) {
				if (buf_puts(out, m) == -1)
					return -1;
				s = p + nd + strlen(" cents");
				continue;
			}
		}
		len = nd > 0 ? len : 1;	/* a whole number, or one byte */
		if (buf_append(out, s, len) == -1)
			return -1;
		s += len;
	}
	return 0;
}

static void
view_audit_row(struct tmpl_vars *row, const struct audit_row *r)
{
	struct buf d;

	kit_set_instant(row, "when", r->created_at);
	if (r->actor_name[0])
		tmpl_set(row, "who", r->actor_name);
	else if (r->actor_id)
		tmpl_setf(row, "who", "%s #%" PRId64, actor_label(r->actor_kind),
		    r->actor_id);
	else
		tmpl_set(row, "who", actor_label(r->actor_kind));
	tmpl_set(row, "actor_kind", r->actor_kind);
	tmpl_set(row, "ip", r->ip);
	tmpl_set(row, "action", r->action);
	buf_init(&d, 64 * 1024);
	tmpl_set(row, "detail", detail_money(&d, r->detail) == 0 ?
	    buf_cstr(&d) : r->detail);
	buf_free(&d);
	view_audit_object(row, r);
}

/* Renders audit.html for the object (and what belongs to it). */
static int
audit_page(struct ctx *c, const char *type, int64_t id, const char *heading,
    const char *back)
{
	const struct field_value *before = app_field(c, "before");
	struct audit_filter f = { type, id, 1, 0, AUDIT_PAGE };
	struct audit_row *rows = NULL;
	size_t n = 0;
	int more = 0;

	if (before && before->present)
		f.before_id = before->i;
	if (audit_list(c->app->db, &f, &rows, &n, &more) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		if (row == NULL)
			break;
		view_audit_row(row, &rows[i]);
	}
	if (more && n > 0)
		tmpl_set_int(c->view, "older", rows[n - 1].id);
	tmpl_set_bool(c->view, "paged", f.before_id != 0);
	audit_rows_free(rows, n);
	tmpl_setf(c->view, "title", "Audit trail: %s", heading);
	tmpl_set(c->view, "heading", heading);
	tmpl_set(c->view, "back", back);
	tmpl_set(c->view, "object_type", type);
	return app_render(c, 200, "audit.html");
}

int
h_account_audit(struct ctx *c)
{
	struct account a;
	int64_t id;
	char back[64];
	int rc;

	if ((rc = kit_account_or_404(c, (id = kit_path_id(c, "id")), &a)) != 0)
		return rc == 1 ? 0 : -1;
	str_fmt(back, sizeof(back), "/accounts/%" PRId64, id);
	tmpl_set_bool(c->view, "nav_accounts", 1);
	tmpl_set(c->view, "scope", "This account, its clients, invoices, "
	    "payments and statements.");
	return audit_page(c, "account", id, a.name, back);
}

int
h_client_audit(struct ctx *c)
{
	struct client cl;
	int64_t id;
	char back[64], name[210];
	int rc, inquiry;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such client.");
	if ((rc = kit_client_or_404(c, id, &cl)) != 0)
		return rc == 1 ? 0 : -1;
	inquiry = strcmp(cl.stage, "inquiry") == 0;
	str_fmt(back, sizeof(back), "/%s/%" PRId64, inquiry ? "inquiries" :
	    "clients", id);
	str_fmt(name, sizeof(name), "%s %s", cl.first_name, cl.last_name);
	tmpl_set_bool(c->view, inquiry ? "nav_inquiries" : "nav_clients", 1);
	tmpl_set(c->view, "scope", inquiry ? "This inquiry, its invoices and "
	    "payments." : "This client, their invoices and payments.");
	return audit_page(c, "client", id, name, back);
}

int
h_invoice_audit(struct ctx *c)
{
	struct invoice inv;
	int64_t id;
	char back[64], name[64];
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such invoice.");
	memset(&inv, 0, sizeof(inv));
	rc = invoice_get(c->app->db, id, &inv);
	if (rc == INV_DB) {
		invoice_free(&inv);
		return -1;
	}
	if (rc != INV_OK) {
		invoice_free(&inv);
		return app_error(c, 404, "No such invoice.");
	}
	str_fmt(back, sizeof(back), "/invoices/%" PRId64, id);
	if (inv.number[0])
		str_fmt(name, sizeof(name), "Invoice %s", inv.number);
	else
		str_fmt(name, sizeof(name), "Draft invoice #%" PRId64, id);
	invoice_free(&inv);
	tmpl_set_bool(c->view, "nav_invoices", 1);
	tmpl_set(c->view, "scope", "This invoice.");
	return audit_page(c, "invoice", id, name, back);
}
