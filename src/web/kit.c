/* The web kit (see kit.h). */
#include "common.h"

#include <string.h>

#include "app.h"
#include "buf.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "pdf.h"
#include "profiles.h"
#include "str.h"
#include "tmpl.h"

struct actor
kit_staff_actor(const struct ctx *c)
{
	struct actor a = { "staff", c->user.id, app_ip(c) };

	return a;
}

int64_t
kit_path_id(const struct ctx *c, const char *name)
{
	const char *s = route_param(&c->match, name);
	int64_t id;

	if (s == NULL || str_to_i64(s, 1, INT64_MAX, &id) == -1)
		return 0;
	return id;
}

const char *
kit_field_s(const struct ctx *c, const char *name)
{
	const struct field_value *fv = app_field(c, name);

	return fv && fv->present && fv->s ? fv->s : "";
}

int64_t
kit_field_i(const struct ctx *c, const char *name, int64_t dflt)
{
	const struct field_value *fv = app_field(c, name);

	if (fv == NULL || !fv->present || field_set_error(&c->fs, name) != NULL)
		return dflt;
	return fv->i;
}

const char *
kit_input(const struct ctx *c, const char *name)
{
	const char *v = kvlist_get(strcmp(c->req.method, "POST") == 0 ?
	    &c->req.form : &c->req.query_kv, name);

	return v ? v : "";
}

void
kit_form_error(struct ctx *c, const char *field, const char *msg)
{
	char key[REQ_MAX_KEY + 8];
	struct tmpl_vars *row = tmpl_loop_add(c->view, "errors");

	if (row)
		tmpl_set(row, "message", msg);
	if (str_fmt(key, sizeof(key), "err_%s", field) == 0 &&
	    tmpl_get(c->view, key) == NULL)
		tmpl_set(c->view, key, msg);
}

static void
set_money(struct tmpl_vars *v, const char *name, int64_t cents,
    int (*format)(int64_t, char *, size_t))
{
	char s[MONEY_FMT_MAX];

	if (format(cents, s, sizeof(s)) == -1)
		s[0] = '\0';
	tmpl_set(v, name, s);
}

void
kit_set_money(struct tmpl_vars *v, const char *name, int64_t cents)
{
	set_money(v, name, cents, money_format);
}

void
kit_set_money_plain(struct tmpl_vars *v, const char *name, int64_t cents)
{
	set_money(v, name, cents, money_format_plain);
}

void
kit_form_echo(struct ctx *c)
{
	char key[REQ_MAX_KEY + 8];

	if (c->route == NULL)
		return;
	for (size_t i = 0; i < c->route->nfields && i < c->fs.n; i++) {
		const struct field *f = &c->route->fields[i];
		const struct field_value *fv = &c->fs.v[i];

		if (str_fmt(key, sizeof(key), "form_%s", f->name) == -1)
			continue;
		tmpl_set(c->view, key, fv->present && fv->s ? fv->s : "");
	}
}

void
kit_notice(struct ctx *c)
{
	const struct field_value *fv = app_field(c, "notice");

	if (fv && fv->present && field_set_error(&c->fs, "notice") == NULL)
		tmpl_set(c->view, "notice", fv->s);
}

int
kit_can_money(const struct ctx *c)
{
	return (c->user.role & ROLES_MONEY) != 0;
}

void
kit_date_from_today(char *out, size_t outsz, int64_t days)
{
	if (date_fmt(date_today() + days, out, outsz) == -1)
		out[0] = '\0';
}

void
kit_set_date(struct tmpl_vars *v, const char *name, int64_t t)
{
	char d[32];

	if (t > 0 && clock_fmt_date(t, d, sizeof(d)) == 0)
		tmpl_set(v, name, d);
}

void
kit_set_day(struct tmpl_vars *v, const char *name, int64_t days)
{
	char d[11];

	if (date_fmt(days, d, sizeof(d)) == 0)
		tmpl_set(v, name, d);
}

void
kit_set_instant(struct tmpl_vars *v, const char *name, int64_t t)
{
	char s[32];

	if (clock_fmt_datetime(t, s, sizeof(s)) == -1)
		s[0] = '\0';
	s[16] = '\0';	/* minutes are enough on a page */
	tmpl_set(v, name, s);
}

void
kit_view_account(struct tmpl_vars *v, const struct account *a)
{
	char line[320];

	tmpl_set_int(v, "account_id", a->id);
	tmpl_set(v, "account_name", a->name);
	tmpl_set(v, "account_email", a->email);
	tmpl_set(v, "account_phone", a->phone);
	tmpl_set(v, "account_address1", a->address1);
	tmpl_set(v, "account_address2", a->address2);
	if (a->city[0] || a->region[0] || a->postal_code[0]) {
		str_fmt(line, sizeof(line), "%s%s%s%s%s", a->city,
		    a->city[0] && (a->region[0] || a->postal_code[0]) ?
		    ", " : "", a->region,
		    a->region[0] && a->postal_code[0] ? " " : "",
		    a->postal_code);
		tmpl_set(v, "account_city_line", line);
	}
}

static const char *const method_labels[][2] = {
	{ "cash", "Cash" }, { "check", "Check" },
	{ "terminal", "Card terminal" }, { "other", "Other" },
	{ "card", "Card" }, { "ach", "Bank (ACH)" },
};

static const char *const entry_kind_labels[][2] = {
	{ "charge", "Charge" }, { "discount", "Discount" },
	{ "adjustment", "Adjustment" }, { "payment", "Payment" },
	{ "refund", "Refund" }, { "writeoff", "Write-off" },
};

const char *
kit_method_label(const char *method)
{
	for (size_t i = 0; i < ARRAY_LEN(method_labels); i++)
		if (strcmp(method_labels[i][0], method) == 0)
			return method_labels[i][1];
	return method;
}

const char *
kit_entry_kind_label(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(entry_kind_labels); i++)
		if (strcmp(entry_kind_labels[i][0], kind) == 0)
			return entry_kind_labels[i][1];
	return kind;
}

int
kit_send_pdf(struct ctx *c, const char *filename)
{
	char disp[128];

	c->resp.status = 200;
	c->resp.content_type = "application/pdf";
	c->resp.no_store = 1;
	if (str_fmt(disp, sizeof(disp), "attachment; filename=\"%s\"",
	    filename) == -1)
		return -1;
	return http_header(&c->resp, "Content-Disposition", disp);
}

struct pdf_org
kit_pdf_org(struct ctx *c)
{
	const struct branding *b = app_brand(c);
	struct pdf_org org = { b->org_name, b->org_address, NULL, 0 };

	if (b->logo_sha[0] && c->brand_logo.len == 0) {
		buf_init(&c->brand_logo, 16u * 1024 * 1024);
		if (branding_logo(c->app->db, b->logo_sha, &c->brand_logo) != BRAND_OK)
			buf_reset(&c->brand_logo);
	}
	if (c->brand_logo.len > 0) {
		org.logo_png = (const unsigned char *)c->brand_logo.data;
		org.logo_len = c->brand_logo.len;
	}
	return org;
}

/* rc of a loader: 0 found, 1 not found (404 sent), -1 database error. */
static int
or_404(struct ctx *c, int found, int dberr, const char *what)
{
	if (dberr)
		return -1;
	if (found)
		return 0;
	return app_error(c, 404, what) == -1 ? -1 : 1;
}

int
kit_account_or_404(struct ctx *c, int64_t id, struct account *a)
{
	int rc = id > 0 ? account_get(c->app->db, id, a) : PROF_NOT_FOUND;

	return or_404(c, rc == PROF_OK, rc == PROF_DB, "No such account.");
}

int
kit_path_account_or_404(struct ctx *c, struct account *a)
{
	return kit_account_or_404(c, kit_path_id(c, "id"), a);
}

int
kit_client_or_404(struct ctx *c, int64_t id, struct client *cl)
{
	int rc = id > 0 ? client_get(c->app->db, id, cl) : PROF_NOT_FOUND;

	return or_404(c, rc == PROF_OK, rc == PROF_DB, "No such client.");
}

int
kit_invoice_or_404(struct ctx *c, int64_t id, struct invoice *inv)
{
	int rc;

	memset(inv, 0, sizeof(*inv));
	rc = id > 0 ? invoice_get(c->app->db, id, inv) : INV_NOT_FOUND;
	if (rc != INV_OK)
		invoice_free(inv);
	return or_404(c, rc == INV_OK, rc == INV_DB, "No such invoice.");
}
