/* Settings > Online payments: the smallest amount a client may pay online
 * (part of an invoice in the portal or by pay link). Staff see it; admins
 * change it (audited by the domain). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "kit.h"
#include "money.h"
#include "portal.h"
#include "portal_web.h"
#include "str.h"
#include "tmpl.h"

static int
settings_page(struct ctx *c, int status, const char *error, const char *typed)
{
	char plain[MONEY_FMT_MAX];
	int64_t min = 0;

	if (portal_min_payment(c->app->db, &min) != PORTAL_OK)
		return -1;
	kit_set_money(c->view, "min_payment", min);
	if (typed == NULL && money_format_plain(min, plain, sizeof(plain)) == 0)
		typed = plain;
	tmpl_set(c->view, "min_value", typed ? typed : "");
	if (error)
		tmpl_set(c->view, "error", error);
	kit_notice(c);
	tmpl_set(c->view, "title", "Online payments");
	tmpl_set_bool(c->view, "nav_settings", 1);
	tmpl_set_bool(c->view, "tab_online", 1);
	return app_render(c, status, "admin_online_payments.html");
}

int
h_admin_online_payments(struct ctx *c)
{
	return settings_page(c, 200, NULL, NULL);
}

int
h_admin_online_payments_set(struct ctx *c)
{
	const char *typed = kit_field_s(c, "min_payment");
	struct actor a = kit_staff_actor(c);
	char msg[200];
	int64_t cents;
	int rc;

	if (money_parse(typed, &cents) == -1)
		return settings_page(c, 422, "Enter the minimum as dollars and cents, "
		    "for example 1.00.", typed);
	rc = portal_min_payment_set(c->app->db, &a, cents, msg, sizeof(msg));
	if (rc == PORTAL_DB)
		return -1;
	if (rc != PORTAL_OK)
		return settings_page(c, 422, msg, typed);
	http_redirect(&c->resp, 303, "/admin/online-payments?notice=saved");
	return 0;
}

/* Where a language switch may send the client back to: a portal or pay
 * link path of ours, else the portal's sign-in page. */
static const char *
switch_next(const char *next, const char *fallback)
{
	if ((!str_starts(next, "/portal/") && !str_starts(next, "/pay/")) ||
	    strstr(next, "//") != NULL || strpbrk(next, "\\\r\n") != NULL)
		return fallback;
	return next;
}

/* GET /lang/:code?next=: a signed-out client's (or pay link's) choice,
 * a preference cookie only. */
int
h_lang_switch(struct ctx *c)
{
	const char *code = route_param(&c->match, "code");

	if (!account_language_ok(code))
		return portal_error(c, 404, portal_msg(c, "err.no_language"));
	portal_lang_remember(c, code);
	http_redirect(&c->resp, 303, switch_next(kit_field_s(c, "next"),
	    "/portal/login"));
	return 0;
}

/* POST /portal/language: the signed-in client's choice, saved on the
 * account; back to the page the switch was on (a /portal/ path only). */
int
h_portal_language(struct ctx *c)
{
	struct portal_req p;
	struct actor a;
	const char *next = kit_field_s(c, "next");
	int rc;

	if ((rc = portal_begin(c, &p)) != 1)
		return rc;
	if (c->fs.nerr > 0)
		return portal_error(c, 400, portal_msg(c, "err.no_language"));
	a = (struct actor){ "portal", p.account_id, app_ip(c) };
	if (account_set_language(c->app->db, &a, p.account_id,
	    kit_field_s(c, "lang")) == PROF_DB)
		return -1;
	http_redirect(&c->resp, 303, switch_next(next, "/portal/billing"));
	return 0;
}
