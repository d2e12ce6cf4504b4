/* The print view of an authorization to charge: what NACHA's WEB rules ask
 * to keep and show for a bank debit (the text as agreed, who, when, from
 * which address and browser), the same for cards. */
#include "common.h"

#include "app.h"
#include "clock.h"
#include "consent_view.h"
#include "money.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

int
consent_view_print(struct ctx *c, const struct sp_consent *k,
    const char *back_url, const char *back_label)
{
	char s[64];

	tmpl_setf(c->view, "title", "Authorization A-%" PRId64, k->id);
	tmpl_set_int(c->view, "consent_id", k->id);
	tmpl_set(c->view, "back_url", back_url);
	tmpl_set(c->view, "back_label", back_label);
	tmpl_set(c->view, "method_label", k->method_label);
	tmpl_set_bool(c->view, "is_ach", strcmp(k->method_kind,
	    "us_bank_account") == 0);
	tmpl_set(c->view, "scope_label", stripe_pay_consent_scope_label(k->scope));
	tmpl_set(c->view, "scope", k->scope);
	tmpl_set_bool(c->view, "by_staff", k->recorded_by != 0);
	if (k->max_amount > 0 && money_format(k->max_amount, s, sizeof(s)) == 0)
		tmpl_set(c->view, "max_amount", s);
	if (k->plan_id > 0)
		tmpl_setf(c->view, "plan", "PP-%" PRId64, k->plan_id);
	tmpl_set(c->view, "signer_name", k->signer_name);
	(void)clock_fmt_datetime(k->signed_at, s, sizeof(s));
	tmpl_set(c->view, "signed_at", s);
	tmpl_set(c->view, "ip", k->ip);
	tmpl_set(c->view, "user_agent", k->user_agent);
	tmpl_set(c->view, "recorded", k->recorded_by ? "Recorded by staff" :
	    "Signed in the client portal");
	tmpl_set(c->view, "text_version", k->text_version);
	tmpl_set_bool(c->view, "active", k->revoked_at == 0);
	if (k->revoked_at) {
		(void)clock_fmt_datetime(k->revoked_at, s, sizeof(s));
		tmpl_set(c->view, "revoked_at", s);
	}
	tmpl_set_bool(c->view, "method_removed", k->method_removed);
	tmpl_set_bool(c->view, "mailed", k->mail_id != 0);
	tmpl_set(c->view, "auth_text", k->auth_text);
	c->resp.no_store = 1;
	return app_render(c, 200, "consent_print.html");
}
