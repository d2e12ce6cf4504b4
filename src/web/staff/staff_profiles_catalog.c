/* Catalog administration: locations, services and payment types. Each page
 * lists every row with inline edit forms (admins) and an add form. A failed
 * row edit re-renders the page with that row as typed and its message. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "catalog.h"
#include "kit.h"
#include "money.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

#include <ctype.h>

/* The form that failed: 0 none, -1 the add form, else the edited row id. */
#define EDIT_NONE	0
#define EDIT_ADD	(-1)

static void
catalog_common(struct ctx *c, const char *title, const char *tab, int status,
    int64_t edit)
{
	tmpl_set(c->view, "title", title);
	tmpl_set_bool(c->view, "nav_settings", 1);
	tmpl_set_bool(c->view, tab, 1);
	kit_notice(c);
	if (edit == EDIT_ADD) {
		kit_form_echo(c);
		app_view_errors(c);
		tmpl_set_bool(c->view, "add_open", 1);
	}
	if (status >= 400 && tmpl_get(c->view, "error") == NULL)
		tmpl_set(c->view, "error", edit == EDIT_ADD ?
		    "Nothing was added. Please correct the fields marked below." :
		    "The change was not saved. Please correct the row marked below.");
}

/* The failed row: its messages (validation and extra) into row "err". */
static void
row_errors(struct ctx *c, struct tmpl_vars *row, const char *extra)
{
	char all[512] = "";
	size_t len;

	for (size_t i = 0; i < c->fs.nerr; i++) {
		len = strlen(all);
		str_fmt(all + len, sizeof(all) - len, "%s%s", len ? " " : "",
		    c->fs.err[i].msg);
	}
	if (extra != NULL) {
		len = strlen(all);
		str_fmt(all + len, sizeof(all) - len, "%s%s", len ? " " : "", extra);
	}
	tmpl_set(row, "err", all);
	tmpl_set_bool(row, "is_edited", 1);
	if ((row = tmpl_loop_add(c->view, "errors")) != NULL)
		tmpl_set(row, "message", all);
}

static int
redirect(struct ctx *c, const char *path, const char *notice)
{
	char url[96];

	str_fmt(url, sizeof(url), "%s?notice=%s", path, notice);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* Codes are short identifiers used by the API and reports. */
static int
code_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

static const char bad_code[] = "Code may contain only letters, digits, "
    "\"-\", \"_\" and \".\".";

/* The :id row must exist: 1 yes, 0 answered 404, -1 database. */
static int
row_exists(struct ctx *c, int rc, const char *what)
{
	if (rc == CAT_DB)
		return -1;
	if (rc != CAT_OK) {
		app_error(c, 404, what);
		return 0;
	}
	return 1;
}

/* --- locations ------------------------------------------------------------ */

static int
locations_page(struct ctx *c, int status, int64_t edit, const char *extra)
{
	struct location *ls = NULL;
	size_t n = 0;

	catalog_common(c, "Locations", "tab_locations", status, edit);
	if (edit != EDIT_ADD)
		tmpl_set(c->view, "form_active", "1");
	if (location_list(c->app->db, 0, &ls, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", ls[i].id);
		if (ls[i].id == edit) {
			tmpl_set(row, "name", kit_field_s(c, "name"));
			tmpl_set(row, "address", kit_field_s(c, "address"));
			tmpl_set_bool(row, "active",
			    kit_field_i(c, "active", 0) != 0);
			row_errors(c, row, extra);
			continue;
		}
		tmpl_set(row, "name", ls[i].name);
		tmpl_set(row, "address", ls[i].address);
		tmpl_set_bool(row, "active", ls[i].active);
	}
	free(ls);
	if (edit == EDIT_ADD && extra != NULL)
		kit_form_error(c, "name", extra);
	return app_render(c, status, "admin_locations.html");
}

int
h_locations(struct ctx *c)
{
	return locations_page(c, 200, EDIT_NONE, NULL);
}

static int
location_store(struct ctx *c, struct location *l, int64_t edit)
{
	struct actor a = kit_staff_actor(c);
	char msg[300];
	int rc;

	if (c->fs.nerr > 0)
		return locations_page(c, 422, edit, NULL);
	str_copy(l->name, sizeof(l->name), kit_field_s(c, "name"));
	str_copy(l->address, sizeof(l->address), kit_field_s(c, "address"));
	l->active = kit_field_i(c, "active", 0) != 0;
	rc = location_save(c->app->db, &a, l);
	if (rc == CAT_DUP) {
		str_fmt(msg, sizeof(msg), "A location named \"%s\" already exists.",
		    l->name);
		return locations_page(c, 422, edit, msg);
	}
	if (rc == CAT_NOT_FOUND)
		return app_error(c, 404, "No such location.");
	if (rc != CAT_OK)
		return -1;
	return redirect(c, "/admin/locations", edit == EDIT_ADD ? "created" : "saved");
}

int
h_location_create(struct ctx *c)
{
	struct location l;

	memset(&l, 0, sizeof(l));
	return location_store(c, &l, EDIT_ADD);
}

int
h_location_update(struct ctx *c)
{
	struct location l;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such location.");
	if ((rc = row_exists(c, location_get(c->app->db, id, &l),
	    "No such location.")) != 1)
		return rc;
	return location_store(c, &l, id);
}

/* --- services ------------------------------------------------------------- */

static int
services_page(struct ctx *c, int status, int64_t edit, const char *extra)
{
	struct service *ss = NULL;
	size_t n = 0;

	catalog_common(c, "Services", "tab_services", status, edit);
	if (edit != EDIT_ADD)
		tmpl_set(c->view, "form_active", "1");
	if (service_list(c->app->db, 0, &ss, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", ss[i].id);
		kit_set_money(row, "rate_text", ss[i].default_rate);
		if (ss[i].id == edit) {
			tmpl_set(row, "code", kit_field_s(c, "code"));
			tmpl_set(row, "name", kit_field_s(c, "name"));
			tmpl_set(row, "rate", kit_field_s(c, "default_rate"));
			tmpl_set_bool(row, "active",
			    kit_field_i(c, "active", 0) != 0);
			row_errors(c, row, extra);
			continue;
		}
		tmpl_set(row, "code", ss[i].code);
		tmpl_set(row, "name", ss[i].name);
		kit_set_money_plain(row, "rate", ss[i].default_rate);
		tmpl_set_bool(row, "active", ss[i].active);
	}
	free(ss);
	if (edit == EDIT_ADD && extra != NULL)
		kit_form_error(c, "code", extra);
	return app_render(c, status, "admin_services.html");
}

int
h_services(struct ctx *c)
{
	return services_page(c, 200, EDIT_NONE, NULL);
}

static int
service_store(struct ctx *c, struct service *s, int64_t edit)
{
	struct actor a = kit_staff_actor(c);
	char msg[300];
	int rc;

	if (c->fs.nerr > 0)
		return services_page(c, 422, edit, NULL);
	if (!code_ok(kit_field_s(c, "code")))
		return services_page(c, 422, edit, bad_code);
	str_copy(s->code, sizeof(s->code), kit_field_s(c, "code"));
	str_copy(s->name, sizeof(s->name), kit_field_s(c, "name"));
	s->default_rate = kit_field_i(c, "default_rate", 0);
	s->active = kit_field_i(c, "active", 0) != 0;
	rc = service_save(c->app->db, &a, s);
	if (rc == CAT_DUP) {
		str_fmt(msg, sizeof(msg), "Another service already uses the code "
		    "\"%s\".", s->code);
		return services_page(c, 422, edit, msg);
	}
	if (rc == CAT_NOT_FOUND)
		return app_error(c, 404, "No such service.");
	if (rc != CAT_OK)
		return -1;
	return redirect(c, "/admin/services", edit == EDIT_ADD ? "created" : "saved");
}

int
h_service_create(struct ctx *c)
{
	struct service s;

	memset(&s, 0, sizeof(s));
	return service_store(c, &s, EDIT_ADD);
}

int
h_service_update(struct ctx *c)
{
	struct service s;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such service.");
	if ((rc = row_exists(c, service_get(c->app->db, id, &s),
	    "No such service.")) != 1)
		return rc;
	return service_store(c, &s, id);
}

/* --- payment types -------------------------------------------------------- */

static int
payment_types_page(struct ctx *c, int status, int64_t edit, const char *extra)
{
	struct payment_type *ps = NULL;
	size_t n = 0;

	catalog_common(c, "Payment types", "tab_payment_types", status, edit);
	if (edit != EDIT_ADD) {
		tmpl_set(c->view, "form_active", "1");
		tmpl_set(c->view, "form_sort", "");
	}
	if (payment_type_list(c->app->db, 0, &ps, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", ps[i].id);
		if (ps[i].id == edit) {
			tmpl_set(row, "code", kit_field_s(c, "code"));
			tmpl_set(row, "name", kit_field_s(c, "name"));
			tmpl_set(row, "sort", kit_field_s(c, "sort"));
			tmpl_set_bool(row, "active",
			    kit_field_i(c, "active", 0) != 0);
			row_errors(c, row, extra);
			continue;
		}
		tmpl_set(row, "code", ps[i].code);
		tmpl_set(row, "name", ps[i].name);
		tmpl_set_int(row, "sort", ps[i].sort);
		tmpl_set_bool(row, "active", ps[i].active);
	}
	free(ps);
	if (edit == EDIT_ADD && extra != NULL)
		kit_form_error(c, "code", extra);
	return app_render(c, status, "admin_payment_types.html");
}

int
h_payment_types(struct ctx *c)
{
	return payment_types_page(c, 200, EDIT_NONE, NULL);
}

static int
payment_type_store(struct ctx *c, struct payment_type *p, int64_t edit)
{
	struct actor a = kit_staff_actor(c);
	char msg[300];
	int rc;

	if (c->fs.nerr > 0)
		return payment_types_page(c, 422, edit, NULL);
	if (!code_ok(kit_field_s(c, "code")))
		return payment_types_page(c, 422, edit, bad_code);
	str_copy(p->code, sizeof(p->code), kit_field_s(c, "code"));
	str_copy(p->name, sizeof(p->name), kit_field_s(c, "name"));
	p->sort = (int)kit_field_i(c, "sort", 0);
	p->active = kit_field_i(c, "active", 0) != 0;
	rc = payment_type_save(c->app->db, &a, p);
	if (rc == CAT_DUP) {
		str_fmt(msg, sizeof(msg), "Another payment type already uses the "
		    "code \"%s\".", p->code);
		return payment_types_page(c, 422, edit, msg);
	}
	if (rc == CAT_NOT_FOUND)
		return app_error(c, 404, "No such payment type.");
	if (rc != CAT_OK)
		return -1;
	return redirect(c, "/admin/payment-types",
	    edit == EDIT_ADD ? "created" : "saved");
}

int
h_payment_type_create(struct ctx *c)
{
	struct payment_type p;

	memset(&p, 0, sizeof(p));
	return payment_type_store(c, &p, EDIT_ADD);
}

int
h_payment_type_update(struct ctx *c)
{
	struct payment_type p;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such payment type.");
	if ((rc = row_exists(c, payment_type_get(c->app->db, id, &p),
	    "No such payment type.")) != 1)
		return rc;
	return payment_type_store(c, &p, id);
}
