/* The invoice editor: new invoices and draft edits. Lines arrive as
 * numbered fields line1_* .. line20_*; a line is present when it names a
 * service or has a description. An empty rate takes the service's default
 * rate and an empty description its name (no inline script under our CSP,
 * so the server fills them in). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "catalog.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "profiles.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

#define ROWS_MIN	5	/* empty rows offered on a new invoice */
#define ROWS_STEP	5	/* rows added by "Add more lines" */
#define DUE_DAYS	30

/* Who the invoice bills and which invoice is being edited. */
struct bill_to {
	int64_t	 account_id;
	int64_t	 client_id;
	int	 inquiry;
	char	 account_name[201];
	char	 client_name[203];
	int64_t	 location_id;	/* default for a new invoice */
	int64_t	 invoice_id;	/* 0: new */
};

/* One form row as text, for re-rendering. */
struct row_text {
	int64_t		 service_id;
	char		 description[501];
	char		 quantity[24];
	char		 rate[MONEY_FMT_MAX];
	const char	*dk;
	char		 dv[MONEY_FMT_MAX];
};

static const char *const line_part[] = { "service_id", "description",
    "quantity", "rate", "discount_kind", "discount_value" };

static void
line_name(char *out, size_t outsz, int n, const char *part)
{
	str_fmt(out, outsz, "line%d_%s", n, part);
}

/* --- rendering ------------------------------------------------------------ */

static void
service_label(char *out, size_t outsz, const struct service *s)
{
	char rate[MONEY_FMT_MAX];

	if (money_format(s->default_rate, rate, sizeof(rate)) == -1)
		rate[0] = '\0';
	str_fmt(out, outsz, "%s · %s (%s)", s->code, s->name, rate);
}

static void
row_services(struct tmpl_vars *row, const struct service *ss, size_t n,
    int64_t selected)
{
	char label[300];

	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *o;

		if (!ss[i].active && ss[i].id != selected)
			continue;
		if ((o = tmpl_loop_add(row, "services")) == NULL)
			return;
		service_label(label, sizeof(label), &ss[i]);
		tmpl_set_int(o, "id", ss[i].id);
		tmpl_set(o, "label", label);
		tmpl_set_bool(o, "selected", ss[i].id == selected);
	}
}

/* Per-row error flags and the row's messages (set as err_lineN_* by
 * validation and by the checks below). */
static void
row_errors(struct ctx *c, struct tmpl_vars *row, int n)
{
	char name[48], key[64];
	static const char *const flag[] = { "err_service", "err_description",
	    "err_quantity", "err_rate", "err_dk", "err_dv" };

	for (size_t p = 0; p < ARRAY_LEN(line_part); p++) {
		const char *msg;

		line_name(name, sizeof(name), n, line_part[p]);
		str_fmt(key, sizeof(key), "err_%s", name);
		if ((msg = tmpl_get(c->view, key)) == NULL)
			continue;
		tmpl_set_bool(row, flag[p], 1);
		if (tmpl_get(row, "err") == NULL)
			tmpl_set(row, "err", msg);
	}
}

static int
render_form(struct ctx *c, int status, const struct bill_to *b,
    const struct row_text *rows, int nrows, int64_t location_id,
    int64_t payment_type_id)
{
	struct service *ss = NULL;
	size_t nss = 0;

	if (b->invoice_id) {
		tmpl_set(c->view, "title", "Edit draft invoice");
		tmpl_set(c->view, "heading", "Edit draft invoice");
		tmpl_setf(c->view, "action", "/invoices/%" PRId64 "/edit",
		    b->invoice_id);
		tmpl_setf(c->view, "cancel_url", "/invoices/%" PRId64, b->invoice_id);
		tmpl_set_bool(c->view, "is_edit", 1);
	} else {
		tmpl_set(c->view, "title", "New invoice");
		tmpl_set(c->view, "heading", "New invoice");
		tmpl_set(c->view, "action", "/invoices/new");
		if (b->client_id)
			tmpl_setf(c->view, "cancel_url", "%s/%" PRId64,
			    b->inquiry ? "/inquiries" : "/clients", b->client_id);
		else
			tmpl_setf(c->view, "cancel_url", "/accounts/%" PRId64,
			    b->account_id);
	}
	tmpl_set_bool(c->view, "nav_invoices", 1);
	tmpl_set_int(c->view, "account_id", b->account_id);
	tmpl_set(c->view, "account_name", b->account_name);
	if (b->client_id) {
		tmpl_set_int(c->view, "client_id", b->client_id);
		tmpl_set(c->view, "client_name", b->client_name);
		tmpl_setf(c->view, "client_url", "%s/%" PRId64,
		    b->inquiry ? "/inquiries" : "/clients", b->client_id);
	}
	tmpl_set_int(c->view, "rows", nrows);
	tmpl_set_bool(c->view, "can_add_rows",
	    nrows < STAFF_PROFILES_INVOICE_LINES);
	if (status >= 400 && tmpl_get(c->view, "error") == NULL)
		tmpl_set(c->view, "error", "The invoice was not saved. Please "
		    "correct the fields marked below.");
	if (staff_profiles_location_options(c, location_id) == -1 ||
	    staff_profiles_payment_type_options(c, payment_type_id) == -1 ||
	    service_list(c->app->db, 0, &ss, &nss) != CAT_OK) {
		free(ss);
		return -1;
	}
	tmpl_set_bool(c->view, "no_services", nss == 0);
	for (int i = 0; i < nrows; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "lines");
		if (row == NULL)
			break;
		tmpl_set_int(row, "n", i + 1);
		tmpl_set(row, "description", rows[i].description);
		tmpl_set(row, "quantity", rows[i].quantity);
		tmpl_set(row, "rate", rows[i].rate);
		tmpl_set(row, "dk", rows[i].dk ? rows[i].dk : "none");
		tmpl_set(row, "dv", rows[i].dv);
		row_services(row, ss, nss, rows[i].service_id);
		row_errors(c, row, i + 1);
	}
	free(ss);
	return app_render(c, status, "invoice_form.html");
}

/* Rows as the user typed them. */
static int
rows_from_request(const struct ctx *c, struct row_text *rows)
{
	char name[48];
	int last = 0;

	for (int n = 1; n <= STAFF_PROFILES_INVOICE_LINES; n++) {
		struct row_text *r = &rows[n - 1];
		const struct field_value *fv;

		memset(r, 0, sizeof(*r));
		line_name(name, sizeof(name), n, "service_id");
		r->service_id = kit_field_i(c, name, 0);
		line_name(name, sizeof(name), n, "description");
		str_copy(r->description, sizeof(r->description), kit_field_s(c,
		    name));
		line_name(name, sizeof(name), n, "quantity");
		str_copy(r->quantity, sizeof(r->quantity), kit_field_s(c,
		    name));
		line_name(name, sizeof(name), n, "rate");
		str_copy(r->rate, sizeof(r->rate), kit_field_s(c, name));
		line_name(name, sizeof(name), n, "discount_kind");
		fv = app_field(c, name);
		r->dk = fv && fv->present ? fv->s : "none";
		line_name(name, sizeof(name), n, "discount_value");
		str_copy(r->dv, sizeof(r->dv), kit_field_s(c, name));
		if (r->service_id || r->description[0] || r->rate[0] || r->dv[0])
			last = n;
	}
	return last;
}

static void
rows_from_invoice(const struct invoice *inv, struct row_text *rows)
{
	for (size_t i = 0; i < inv->nlines &&
	    i < STAFF_PROFILES_INVOICE_LINES; i++) {
		const struct invoice_line *l = &inv->lines[i];
		struct row_text *r = &rows[i];

		r->service_id = l->service_id;
		str_copy(r->description, sizeof(r->description), l->description);
		str_fmt(r->quantity, sizeof(r->quantity), "%" PRId64, l->quantity);
		money_format_plain(l->rate, r->rate, sizeof(r->rate));
		r->dk = discount_kind_names[l->dk < DISC__MAX ? l->dk : DISC_NONE];
		if (l->dk != DISC_NONE)
			money_format_plain(l->dv, r->dv, sizeof(r->dv));
	}
}

static int
clamp_rows(int want)
{
	return want < 1 ? 1 : want > STAFF_PROFILES_INVOICE_LINES ?
	    STAFF_PROFILES_INVOICE_LINES : want;
}

/* --- checks --------------------------------------------------------------- */

/* A field of line n has a validation error. */
static int
line_invalid(const struct ctx *c, int n)
{
	char name[48];

	for (size_t p = 0; p < ARRAY_LEN(line_part); p++) {
		line_name(name, sizeof(name), n, line_part[p]);
		if (field_set_error(&c->fs, name) != NULL)
			return 1;
	}
	return 0;
}

static void
line_error(struct ctx *c, int n, const char *part, const char *msg)
{
	char name[48], full[200];

	line_name(name, sizeof(name), n, part);
	str_fmt(full, sizeof(full), "Line %d: %s", n, msg);
	kit_form_error(c, name, full);
}

static int
field_given(const struct ctx *c, const char *name)
{
	const struct field_value *fv = app_field(c, name);

	return fv != NULL && fv->present;
}

/* Discount kind + value of the invoice or a line. Returns 0 or 1 (error
 * reported through err(part, msg)). */
static int
discount_read(struct ctx *c, const char *kname, const char *vname,
    enum discount_kind *dk, int64_t *dv, const char **msg, const char **part)
{
	const struct field_value *k = app_field(c, kname);
	int given = field_given(c, vname);

	*dk = DISC_NONE;
	*dv = 0;
	if (k && k->present && discount_kind_parse(k->s, dk) == -1)
		*dk = DISC_NONE;
	*dv = kit_field_i(c, vname, 0);
	*part = "discount_value";
	if (*dk == DISC_NONE && given && *dv != 0) {
		*part = "discount_kind";
		*msg = "choose Percent or Fixed amount for the discount, or clear it.";
		return 1;
	}
	if (*dk == DISC_NONE)
		*dv = 0;
	else if (!given) {
		*msg = "enter the discount (a percent like 12.5, or an amount).";
		return 1;
	} else if (*dk == DISC_PERCENT && *dv > 10000) {
		*msg = "a percent discount can be at most 100.";
		return 1;
	}
	return 0;
}

/* Reads line n into *l. Returns 1 when the line is present and usable,
 * 0 when absent or wrong (errors added), -1 on a database error. */
static int
line_read(struct ctx *c, int n, struct invoice_line *l, int *errors)
{
	char sname[48], dname[48], qname[48], rname[48], kname[48], vname[48];
	const char *msg, *part;
	struct service s;
	int rc;

	line_name(sname, sizeof(sname), n, "service_id");
	line_name(dname, sizeof(dname), n, "description");
	line_name(qname, sizeof(qname), n, "quantity");
	line_name(rname, sizeof(rname), n, "rate");
	line_name(kname, sizeof(kname), n, "discount_kind");
	line_name(vname, sizeof(vname), n, "discount_value");
	memset(l, 0, sizeof(*l));
	memset(&s, 0, sizeof(s));
	l->service_id = kit_field_i(c, sname, 0);
	str_copy(l->description, sizeof(l->description), kit_field_s(c, dname));
	if (line_invalid(c, n)) {
		(*errors)++;
		return 0;
	}
	if (l->service_id == 0 && l->description[0] == '\0') {
		if (field_given(c, rname) || field_given(c, vname)) {
			line_error(c, n, "description",
			    "choose a service or enter a description.");
			(*errors)++;
		}
		return 0;
	}
	if (l->service_id) {
		rc = service_get(c->app->db, l->service_id, &s);
		if (rc == CAT_DB)
			return -1;
		if (rc != CAT_OK) {
			line_error(c, n, "service_id", "that service no longer exists.");
			(*errors)++;
			return 0;
		}
		if (l->description[0] == '\0')
			str_copy(l->description, sizeof(l->description), s.name);
	}
	l->quantity = kit_field_i(c, qname, 1);
	if (field_given(c, rname))
		l->rate = kit_field_i(c, rname, 0);
	else if (l->service_id)
		l->rate = s.default_rate;
	else {
		line_error(c, n, "rate", "enter a rate, or choose a service to use "
		    "its rate.");
		(*errors)++;
		return 0;
	}
	if (discount_read(c, kname, vname, &l->dk, &l->dv, &msg, &part) == 1) {
		line_error(c, n, part, msg);
		(*errors)++;
		return 0;
	}
	/* The same limits calc_invoice() applies, reported on the field. */
	if (l->rate > MONEY_MAX / l->quantity) {
		line_error(c, n, "rate", "quantity × rate is too large.");
		(*errors)++;
		return 0;
	}
	if (l->dk == DISC_FIXED && l->dv > l->rate * l->quantity) {
		line_error(c, n, "discount_value", "the discount is larger than the "
		    "line amount.");
		(*errors)++;
		return 0;
	}
	return 1;
}

/* Reads the header fields into inv (errors counted). -1 on database. */
static int
header_read(struct ctx *c, struct invoice *inv, int *errors)
{
	struct payment_type pt;
	const char *msg, *part;
	int64_t d1, d2;
	int rc;

	inv->location_id = kit_field_i(c, "location_id", 0);
	inv->payment_type_id = kit_field_i(c, "payment_type_id", 0);
	str_copy(inv->invoice_date, sizeof(inv->invoice_date),
	    kit_field_s(c, "invoice_date"));
	str_copy(inv->due_date, sizeof(inv->due_date), kit_field_s(c,
	    "due_date"));
	if ((rc = staff_profiles_check_location(c, inv->location_id)) == -1)
		return -1;
	*errors += rc;
	if (inv->payment_type_id) {
		rc = payment_type_get(c->app->db, inv->payment_type_id, &pt);
		if (rc == CAT_DB)
			return -1;
		if (rc != CAT_OK) {
			kit_form_error(c, "payment_type_id",
			    "Choose a payment type from the list.");
			(*errors)++;
		}
	}
	if (field_set_error(&c->fs, "invoice_date") == NULL &&
	    field_set_error(&c->fs, "due_date") == NULL &&
	    date_parse(inv->invoice_date, &d1) == 0 &&
	    date_parse(inv->due_date, &d2) == 0 && d2 < d1) {
		kit_form_error(c, "due_date",
		    "Due date cannot be before the invoice date.");
		(*errors)++;
	}
	if (field_set_error(&c->fs, "discount_value") == NULL &&
	    discount_read(c, "discount_kind", "discount_value", &inv->dk, &inv->dv,
	    &msg, &part) == 1) {
		char full[200];
		str_fmt(full, sizeof(full), "Invoice discount: %s", msg);
		kit_form_error(c, part, full);
		(*errors)++;
	}
	return 0;
}

/* Builds the invoice from the request. 0: ready to save; 1: errors for
 * the form; -1: database. inv->lines is malloc'd (invoice_free). */
static int
invoice_read(struct ctx *c, struct invoice *inv)
{
	int errors = (int)c->fs.nerr, rc;
	struct invoice_line l;
	const char *notes = kit_field_s(c, "notes");

	if (header_read(c, inv, &errors) == -1)
		return -1;
	if ((inv->notes = str_dup(notes)) == NULL ||
	    (inv->lines = calloc(STAFF_PROFILES_INVOICE_LINES,
	    sizeof(*inv->lines))) == NULL)
		return -1;
	for (int n = 1; n <= STAFF_PROFILES_INVOICE_LINES; n++) {
		if ((rc = line_read(c, n, &l, &errors)) == -1)
			return -1;
		if (rc == 1)
			inv->lines[inv->nlines++] = l;
	}
	if (inv->nlines == 0 && errors == 0) {
		kit_form_error(c, "line1_service_id",
		    "Add at least one line: choose "
		    "a service or enter a description.");
		errors++;
	}
	return errors > 0 ? 1 : 0;
}

/* --- handlers ------------------------------------------------------------- */

/* Resolves who is billed from client_id / account_id fields: 1 found,
 * 0 none given, 2 unknown id, -1 database. */
static int
bill_to_fields(struct ctx *c, struct bill_to *b)
{
	int64_t cid = staff_profiles_id_field(c, "client_id");
	int64_t aid = staff_profiles_id_field(c, "account_id");
	struct account a;
	struct client cl;
	int rc;

	memset(b, 0, sizeof(*b));
	if (cid) {
		rc = client_get(c->app->db, cid, &cl);
		if (rc != PROF_OK)
			return rc == PROF_DB ? -1 : 2;
		b->client_id = cl.id;
		b->inquiry = strcmp(cl.stage, "inquiry") == 0;
		staff_profiles_person_name(b->client_name,
		    sizeof(b->client_name),
		    cl.first_name, cl.last_name);
		b->location_id = cl.location_id;
		aid = cl.account_id;
	}
	if (aid == 0)
		return 0;
	rc = account_get(c->app->db, aid, &a);
	if (rc != PROF_OK)
		return rc == PROF_DB ? -1 : 2;
	b->account_id = a.id;
	str_copy(b->account_name, sizeof(b->account_name), a.name);
	if (b->location_id == 0)
		b->location_id = a.location_id;
	return 1;
}

int
h_invoice_new(struct ctx *c)
{
	struct row_text rows[STAFF_PROFILES_INVOICE_LINES];
	struct bill_to b;
	char today[16], due[16];
	int rc = bill_to_fields(c, &b);

	if (rc == -1)
		return -1;
	if (rc == 2)
		return app_error(c, 404, "No such account or client.");
	if (rc == 0) {
		tmpl_set(c->view, "title", "New invoice");
		tmpl_set_bool(c->view, "nav_invoices", 1);
		return app_render(c, 200, "invoice_pick.html");
	}
	kit_date_from_today(today, sizeof(today), 0);
	kit_date_from_today(due, sizeof(due), DUE_DAYS);
	tmpl_set(c->view, "form_invoice_date", today);
	tmpl_set(c->view, "form_due_date", due);
	tmpl_set(c->view, "form_notes", "");
	tmpl_set(c->view, "form_discount_kind", "none");
	tmpl_set(c->view, "form_discount_value", "");
	memset(rows, 0, sizeof(rows));
	return render_form(c, 200, &b, rows, ROWS_MIN, b.location_id, 0);
}

/* Saves a new invoice or a draft from the request; b->invoice_id says which. */
static int
invoice_store(struct ctx *c, const struct bill_to *b)
{
	struct row_text rows[STAFF_PROFILES_INVOICE_LINES];
	struct actor a = kit_staff_actor(c);
	struct invoice inv;
	char msg[256], url[96];
	int last, nrows, rc;

	kit_form_echo(c);
	app_view_errors(c);
	last = rows_from_request(c, rows);
	nrows = (int)kit_field_i(c, "rows", ROWS_MIN);
	nrows = clamp_rows(nrows > last ? nrows : last);
	if (kit_field_i(c, "add_lines", 0)) {
		/* Only more rows: nothing is saved yet. */
		return render_form(c, c->fs.nerr ? 422 : 200, b, rows,
		    clamp_rows(nrows + ROWS_STEP),
		    kit_field_i(c, "location_id", 0),
		    kit_field_i(c, "payment_type_id", 0));
	}
	memset(&inv, 0, sizeof(inv));
	inv.id = b->invoice_id;
	inv.account_id = b->account_id;
	inv.client_id = b->client_id;
	rc = invoice_read(c, &inv);
	if (rc == 0) {
		msg[0] = '\0';
		rc = invoice_save_draft(c->app->db, &a, &inv, msg, sizeof(msg));
		switch (rc) {
		case INV_OK:
			str_fmt(url, sizeof(url), "/invoices/%" PRId64 "?notice=%s",
			    inv.id, b->invoice_id ? "saved" : "created");
			http_redirect(&c->resp, 303, url);
			invoice_free(&inv);
			return 0;
		case INV_INVALID:
		case INV_EMPTY:
			tmpl_set(c->view, "error", msg[0] ? msg :
			    "The invoice could not be saved.");
			rc = 1;
			break;
		case INV_NOT_DRAFT:
			invoice_free(&inv);
			return app_error(c, 409, "This invoice has been issued and can "
			    "no longer be edited. Use an adjustment or void it.");
		case INV_NOT_FOUND:
			invoice_free(&inv);
			return app_error(c, 404, "No such invoice.");
		default:
			rc = -1;
		}
	}
	invoice_free(&inv);
	if (rc == -1)
		return -1;
	return render_form(c, 422, b, rows, nrows,
	    kit_field_i(c, "location_id", 0),
	    kit_field_i(c, "payment_type_id", 0));
}

int
h_invoice_create(struct ctx *c)
{
	struct bill_to b;
	int rc = bill_to_fields(c, &b);

	if (rc == -1)
		return -1;
	if (rc != 1)
		return app_error(c, 404, "No such account or client. Start the "
		    "invoice from the profile's Financial tab.");
	return invoice_store(c, &b);
}

/* The draft of the path: 1 loaded (caller frees), 0 answered, -1 database. */
static int
path_draft(struct ctx *c, struct invoice *inv, struct bill_to *b)
{
	int64_t id;
	struct client cl;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0) {
		app_error(c, 404, "No such invoice.");
		return 0;
	}
	rc = invoice_get(c->app->db, id, inv);
	if (rc == INV_DB)
		return -1;
	if (rc != INV_OK) {
		app_error(c, 404, "No such invoice.");
		return 0;
	}
	if (strcmp(inv->status, "draft") != 0) {
		invoice_free(inv);
		app_error(c, 409, "Only draft invoices can be edited. An issued "
		    "invoice is changed with an adjustment, or voided.");
		return 0;
	}
	memset(b, 0, sizeof(*b));
	b->invoice_id = inv->id;
	b->account_id = inv->account_id;
	b->client_id = inv->client_id;
	str_copy(b->account_name, sizeof(b->account_name), inv->account_name);
	str_copy(b->client_name, sizeof(b->client_name), inv->client_name);
	if (inv->client_id) {
		rc = client_get(c->app->db, inv->client_id, &cl);
		if (rc == PROF_DB) {
			invoice_free(inv);
			return -1;
		}
		b->inquiry = rc == PROF_OK && strcmp(cl.stage, "inquiry") == 0;
	}
	return 1;
}

int
h_invoice_edit(struct ctx *c)
{
	struct row_text rows[STAFF_PROFILES_INVOICE_LINES];
	struct invoice inv;
	struct bill_to b;
	int rc = path_draft(c, &inv, &b);
	int nrows;

	if (rc != 1)
		return rc;
	if (inv.nlines > STAFF_PROFILES_INVOICE_LINES) {
		invoice_free(&inv);
		return app_error(c, 409, "This draft has more lines than the form "
		    "can show (20); edit it through the API.");
	}
	memset(rows, 0, sizeof(rows));
	rows_from_invoice(&inv, rows);
	tmpl_set(c->view, "form_invoice_date", inv.invoice_date);
	tmpl_set(c->view, "form_due_date", inv.due_date);
	tmpl_set(c->view, "form_notes", inv.notes ? inv.notes : "");
	tmpl_set(c->view, "form_discount_kind",
	    discount_kind_names[inv.dk < DISC__MAX ? inv.dk : DISC_NONE]);
	if (inv.dk != DISC_NONE)
		kit_set_money_plain(c->view, "form_discount_value", inv.dv);
	else
		tmpl_set(c->view, "form_discount_value", "");
	nrows = clamp_rows((int)inv.nlines + 2 > ROWS_MIN ? (int)inv.nlines + 2 :
	    ROWS_MIN);
	rc = render_form(c, 200, &b, rows, nrows, inv.location_id,
	    inv.payment_type_id);
	invoice_free(&inv);
	return rc;
}

int
h_invoice_update(struct ctx *c)
{
	struct invoice inv;
	struct bill_to b;
	int rc = path_draft(c, &inv, &b);

	if (rc != 1)
		return rc;
	invoice_free(&inv);
	return invoice_store(c, &b);
}
