/* The "update your card" page of a payment plan, opened from an emailed
 * link without signing in (/plan-card/<token>): the client types their
 * name and authorizes the plan's charges, saves a new card through a
 * SetupIntent (Stripe.js), and the plan charges it from then on
 * (plan_card.h). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "handlers.h"
#include "kit.h"
#include "plan.h"
#include "plan_card.h"
#include "plan_view.h"
#include "portal_web.h"
#include "routes.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

static int h_plan_card(struct ctx *);
static int h_plan_card_start(struct ctx *);
static int h_plan_card_return(struct ctx *);

static const struct field f_card_start[] = {
	{ "authorize", FIELD_BOOL, 0, 0, 0, 0, NULL, "Authorization" },
	{ "signer_name", FIELD_LINE, 0, 200, 0, 0, NULL, "Your full name" },
	{ "attempt_key", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL, "Form key" },
};

static const struct field f_card_return[] = {
	{ "setup_intent", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL, "Setup" },
};

const struct route routes_plan_card[] = {
	{ { "GET", "/plan-card/:token" }, h_plan_card, 0, R_PUBLIC, NULL, 0 },
	{ { "POST", "/plan-card/:token" }, h_plan_card_start, 0, R_PUBLIC | R_FORM,
	    f_card_start, ARRAY_LEN(f_card_start) },
	{ { "GET", "/plan-card/:token/return" }, h_plan_card_return, 0,
	    R_PUBLIC | R_FORM, f_card_return, ARRAY_LEN(f_card_return) },
};
const size_t nroutes_plan_card = ARRAY_LEN(routes_plan_card);

/* The link of the path: 1, 0 when the "not valid" page was made, -1. */
static int
link_of(struct ctx *c, struct plan_card_link *l)
{
	int rc = plan_card_find(c->app->db, route_param(&c->match, "token"), l);

	c->resp.no_store = 1;
	http_header(&c->resp, "X-Robots-Tag", "noindex");
	/* the account's language, like a pay link (?lang= may switch) */
	if (rc == PLAN_OK)
		return portal_lang_pick_account(c, l->account_id) == -1 ? -1 : 1;
	if (rc == PLAN_DB)
		return -1;
	portal_lang_pick(c, NULL);
	tmpl_set(c->view, "org", c->app->cfg.org_name);
	tmpl_set(c->view, "title", portal_msg(c, "pc.invalid_title"));
	tmpl_set_bool(c->view, "invalid", 1);
	return portal_render(c, NULL, 404, "plan_card.html") == 0 ? 0 : -1;
}

static int
card_page(struct ctx *c, const struct plan_card_link *l, int status,
    const char *error)
{
	struct plan p;
	char link[600];

	if (plan_get(c->app->db, l->plan_id, l->account_id, &p) != PLAN_OK)
		return -1;
	plan_view_lang(c->view, &p, c->app->tc, portal_lang());
	plan_free(&p);
	if (str_fmt(link, sizeof(link), "/plan-card/%s",
	    route_param(&c->match, "token")) == -1)
		return -1;
	tmpl_set(c->view, "link", link);
	tmpl_set(c->view, "org", c->app->cfg.org_name);
	tmpl_set(c->view, "title", portal_msg(c, "pc.title"));
	if (error != NULL)
		tmpl_set(c->view, "error", error);
	if (portal_view_attempt_key(c) == -1)
		return -1;
	return portal_render(c, NULL, status, "plan_card.html");
}

static int
h_plan_card(struct ctx *c)
{
	struct plan_card_link l;
	int rc = link_of(c, &l);

	return rc <= 0 ? rc : card_page(c, &l, 200, NULL);
}

static int
h_plan_card_start(struct ctx *c)
{
	const char *signer = kit_field_s(c, "signer_name");
	char cs[256] = "", seti[80] = "", msg[256] = "", ret[700];
	struct plan_card_link l;
	struct actor a;
	struct sp sp;
	int rc = link_of(c, &l);

	if (rc <= 0)
		return rc;
	if (c->fs.nerr > 0 || kit_field_i(c, "authorize", 0) == 0 ||
	    *signer == '\0')
		return card_page(c, &l, 422, portal_msg(c, "pc.err_sign"));
	a = (struct actor){ "portal", l.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	if (sp.stripe == NULL)
		return -1;
	rc = stripe_pay_setup_start(&sp, l.account_id, "card",
	    kit_field_s(c, "attempt_key"), cs, sizeof(cs), seti, sizeof(seti),
	    msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return card_page(c, &l, rc == SP_STRIPE ? 502 : 422, 
		    portal_reason(c, msg, "pc.err_setup"));
	if (plan_card_started(c->app->db, l.id, seti, signer, app_ip(c),
	    c->req.user_agent) != PLAN_OK)
		return -1;
	if (str_fmt(ret, sizeof(ret), "%s/plan-card/%s/return", c->app->cfg.base_url,
	    route_param(&c->match, "token")) == -1)
		return -1;
	tmpl_set_bool(c->view, "is_setup", 1);
	tmpl_set(c->view, "title", portal_msg(c, "pc.title"));
	portal_csp_stripe(c);
	portal_view_stripe(c);
	tmpl_set(c->view, "client_secret", cs);
	tmpl_set(c->view, "return_url", ret);
	return portal_render(c, NULL, 200, "plan_card_element.html");
}

static int
h_plan_card_return(struct ctx *c)
{
	const char *seti = c->fs.nerr == 0 ? kit_field_s(c, "setup_intent") :
	    "";
	char msg[256] = "";
	struct plan_card_link l;
	struct actor a;
	struct sp sp;
	int64_t mid = 0;
	int rc = link_of(c, &l);

	if (rc <= 0)
		return rc;
	if (*seti == '\0' || strcmp(seti, l.setup_intent) != 0)
		return card_page(c, &l, 422, portal_msg(c, "pc.err_no_card"));
	a = (struct actor){ "portal", l.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	if (sp.stripe == NULL)
		return -1;
	rc = stripe_pay_setup_complete(&sp, l.account_id, seti, &mid, msg, sizeof(msg));
	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return card_page(c, &l, 422, portal_reason(c, msg,
		    "pc.err_save"));
	rc = plan_card_replace(&sp, &l, mid, msg, sizeof(msg));
	if (rc == PLAN_DB)
		return -1;
	if (rc != PLAN_OK)
		return card_page(c, &l, 422, portal_reason(c, msg,
		    "pc.err_use"));
	tmpl_set(c->view, "title", portal_msg(c, "pc.done_title"));
	tmpl_set(c->view, "org", c->app->cfg.org_name);
	tmpl_set_bool(c->view, "done", 1);
	return portal_render(c, NULL, 200, "plan_card.html");
}
