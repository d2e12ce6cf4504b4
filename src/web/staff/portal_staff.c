/* Staff side of the portal: an account's portal access with "Send payment
 * portal activation link", and an invoice's "Send invoice" page (email with
 * a one-time pay link, and/or post to the portal) with the pay link's state
 * and "Revoke pay link". Staff routes: the dispatcher checks the staff
 * session, the role and the CSRF token. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "invoice.h"
#include "kit.h"
#include "portal.h"
#include "portal_web.h"
#include "str.h"
#include "tmpl.h"

/* "Nov 22, 2026, 08:41 UTC" */
static void
set_datetime(struct tmpl_vars *v, const char *name, int64_t t)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char d[24];
	int y, m, dd, hh, mm;

	if (clock_fmt_datetime(t, d, sizeof(d)) == 0 &&
	    sscanf(d, "%4d-%2d-%2d %2d:%2d", &y, &m, &dd, &hh, &mm) == 5 &&
	    m >= 1 && m <= 12)
		tmpl_setf(v, name, "%s %d, %d, %02d:%02d UTC", mon[m - 1], dd, y,
		    hh, mm);
	else
		tmpl_set(v, name, d);
}

/* --- account: portal access ----------------------------------------------------- */

static int
account_page(struct ctx *c, int64_t id, int status, const char *error)
{
	static const char *const notices[] = { "An activation link was emailed." };
	const struct field_value *nv = app_field(c, "notice");
	struct portal_login l;
	struct account a;
	int rc;

	if ((rc = kit_account_or_404(c, id, &a)) != 0)
		return rc == 1 ? 0 : -1;
	if (portal_login_get(c->app->db, id, &l) != PORTAL_OK)
		return -1;
	tmpl_set_int(c->view, "id", a.id);
	tmpl_set(c->view, "name", a.name);
	tmpl_set(c->view, "email", a.email);
	tmpl_set_bool(c->view, "active", l.active);
	if (l.activated_at)
		set_datetime(c->view, "activated", l.activated_at);
	if (l.last_login_at && l.active)
		set_datetime(c->view, "last_login", l.last_login_at);
	if (l.link_sent_at) {
		set_datetime(c->view, "link_sent", l.link_sent_at);
		set_datetime(c->view, "link_expires", l.link_expires_at);
	}
	if (nv && nv->present && c->fs.nerr == 0 && nv->i == 0 && status == 200)
		tmpl_set(c->view, "notice", notices[0]);
	if (error)
		tmpl_set(c->view, "error", error);
	tmpl_setf(c->view, "title", "Portal access · %s", a.name);
	tmpl_set_bool(c->view, "nav_accounts", 1);
	return app_render(c, status, "portal_staff_account.html");
}

int
h_staff_portal(struct ctx *c)
{
	int64_t id = kit_path_id(c, "id");

	if (id == 0)
		return app_error(c, 404, "No such account.");
	return account_page(c, id, 200, NULL);
}

int
h_staff_portal_activation(struct ctx *c)
{
	int64_t id = kit_path_id(c, "id");
	struct portal_env env;
	struct actor a;
	char url[64];
	int rc;

	if (id == 0)
		return app_error(c, 404, "No such account.");
	a = kit_staff_actor(c);
	portal_env_of(c, &a, &env);
	rc = portal_send_activation(&env, id);
	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return app_error(c, 404, "No such account.");
	if (rc == PORTAL_NO_EMAIL)
		return account_page(c, id, 422, "This account has no primary email. "
		    "Add one (Edit) before sending an activation link.");
	str_fmt(url, sizeof(url), "/accounts/%" PRId64 "/portal?notice=activation_sent",
	    id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* --- invoice: send, pay link ------------------------------------------------------ */

static int
send_page(struct ctx *c, int64_t id, int status, const char *error)
{
	static const char *const notices[] = { NULL,
	    "The invoice was emailed with a pay link and posted to the portal.",
	    "The invoice was posted to the portal.",
	    "The pay link was revoked. It no longer works." };
	const struct field_value *nv = app_field(c, "notice");
	struct invoice inv;
	struct account a;
	struct pay_link l;
	int64_t posted = 0, emailed = 0, day;
	char d[16];
	int rc;

	memset(&inv, 0, sizeof(inv));
	if ((rc = invoice_get(c->app->db, id, &inv)) == INV_NOT_FOUND) {
		invoice_free(&inv);
		return app_error(c, 404, "No such invoice.");
	}
	if (rc != INV_OK || account_get(c->app->db, inv.account_id, &a) != PROF_OK ||
	    portal_invoice_posted(c->app->db, id, &posted, &emailed) != PORTAL_OK ||
	    (rc = paylink_current(c->app->db, id, &l)) == PORTAL_DB) {
		invoice_free(&inv);
		return -1;
	}
	tmpl_set_int(c->view, "id", inv.id);
	tmpl_set(c->view, "number", inv.number[0] ? inv.number : "Draft");
	tmpl_set_int(c->view, "account_id", inv.account_id);
	tmpl_set(c->view, "account_name", a.name);
	tmpl_set(c->view, "email", a.email);
	tmpl_set(c->view, "due_date", inv.due_date);
	tmpl_set_bool(c->view, "sendable", strcmp(inv.status, "issued") == 0);
	tmpl_set_bool(c->view, "is_draft", strcmp(inv.status, "draft") == 0);
	tmpl_set_bool(c->view, "is_void", strcmp(inv.status, "void") == 0);
	kit_set_money(c->view, "open", inv.open);
	if (date_parse(inv.due_date, &day) == 0 &&
	    date_fmt(day + PAYLINK_DAYS_AFTER_DUE, d, sizeof(d)) == 0) {
		if (day + PAYLINK_DAYS_AFTER_DUE < date_today() + 7)
			date_fmt(date_today() + 7, d, sizeof(d));
		tmpl_set(c->view, "default_expiry", d);
	} else
		tmpl_set(c->view, "default_expiry", "");
	tmpl_set_int(c->view, "days_after_due", PAYLINK_DAYS_AFTER_DUE);
	if (posted)
		set_datetime(c->view, "posted", posted);
	if (emailed)
		set_datetime(c->view, "emailed", emailed);
	if (rc == PORTAL_OK) {
		tmpl_set_bool(c->view, "has_link", 1);
		set_datetime(c->view, "link_created", l.created_at);
		clock_fmt_date(l.expires_at - 1, d, sizeof(d));
		tmpl_set(c->view, "link_expires", d);
		if (l.last_used_at)
			set_datetime(c->view, "link_used", l.last_used_at);
	}
	invoice_free(&inv);
	if (nv && nv->present && c->fs.nerr == 0 && nv->i > 0 &&
	    (size_t)nv->i < ARRAY_LEN(notices) && status == 200)
		tmpl_set(c->view, "notice", notices[nv->i]);
	if (error)
		tmpl_set(c->view, "error", error);
	tmpl_set(c->view, "title", "Send invoice");
	tmpl_set_bool(c->view, "nav_invoices", 1);
	return app_render(c, status, "portal_staff_send.html");
}

int
h_staff_invoice_send_form(struct ctx *c)
{
	int64_t id = kit_path_id(c, "id");

	if (id == 0)
		return app_error(c, 404, "No such invoice.");
	return send_page(c, id, 200, NULL);
}

int
h_staff_invoice_send(struct ctx *c)
{
	int64_t id = kit_path_id(c, "id");
	int email = kit_field_i(c, "email", 0) != 0;
	struct portal_env env;
	struct actor a;
	char msg[200] = "", url[80];
	int rc;

	if (id == 0)
		return app_error(c, 404, "No such invoice.");
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		return send_page(c, id, 422, c->fs.err[0].msg);
	}
	a = kit_staff_actor(c);
	portal_env_of(c, &a, &env);
	rc = portal_send_invoice(&env, id, email,
	    kit_field_i(c, "post", 0) != 0,
	    kit_field_s(c, "expires_on"), msg, sizeof(msg));
	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return app_error(c, 404, "No such invoice.");
	if (rc == PORTAL_NO_EMAIL)
		return send_page(c, id, 422, "The account has no primary email. Add "
		    "one on the account, or post the invoice to the portal only.");
	if (rc != PORTAL_OK)
		return send_page(c, id, 422, msg[0] ? msg : "The invoice was not sent.");
	str_fmt(url, sizeof(url), "/invoices/%" PRId64 "/send?notice=%s", id,
	    email ? "sent" : "posted");
	http_redirect(&c->resp, 303, url);
	return 0;
}

int
h_staff_paylink_revoke(struct ctx *c)
{
	int64_t id = kit_path_id(c, "id");
	struct actor a;
	char url[80];
	int rc;

	if (id == 0)
		return app_error(c, 404, "No such invoice.");
	a = kit_staff_actor(c);
	rc = paylink_revoke(c->app->db, &a, id);
	if (rc == PORTAL_DB)
		return -1;
	if (rc == PORTAL_NOT_FOUND)
		return send_page(c, id, 409, "This invoice has no pay link that "
		    "still works: nothing was revoked.");
	str_fmt(url, sizeof(url), "/invoices/%" PRId64 "/send?notice=revoked", id);
	http_redirect(&c->resp, 303, url);
	return 0;
}
