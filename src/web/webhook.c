/* POST /stripe/webhook: Stripe's events. The raw body is verified against
 * the Stripe-Signature header before anything else; the domain stores the
 * event in the inbox keyed by its id (stripe_pay_event_receive: one
 * INSERT), applies it at once when it can (webhook_apply_inline) and
 * leaves the rest to billing-jobs (stripe_pay_inbox_run). 200 only once
 * the event is stored; answers are small JSON bodies (plain text for a
 * refused signature); a 500 (not stored) makes Stripe retry. */
#include "common.h"

#include <json-c/json.h>

#include "app.h"
#include "audit.h"
#include "clock.h"
#include "log.h"
#include "routes.h"
#include "stripe.h"
#include "stripe_pay.h"
#include "stripe_sig.h"

static int
answer(struct ctx *c, int status, const char *outcome)
{
	struct json_object *o = json_object_new_object();
	const char *text;
	int rc;

	c->resp.no_store = 1;
	if (o == NULL)
		return app_json(c, status, "{}\n");
	json_object_object_add(o, "received", json_object_new_boolean(status < 300));
	json_object_object_add(o, "outcome", json_object_new_string(outcome));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	rc = app_json(c, status, text);
	json_object_put(o);
	return rc;
}

static int
h_stripe_webhook(struct ctx *c)
{
	const struct config *cfg = &c->app->cfg;
	const struct actor actor = { "stripe", 0, app_ip(c) };
	enum stripe_sig_result sig;
	struct sp sp;
	char outcome[200];
	int status;

	c->resp.no_store = 1;
	sig = stripe_sig_verify(c->req.stripe_signature, buf_cstr(&c->req.body),
	    c->req.body.len, cfg->stripe_webhook_secret, clock_now(),
	    cfg->stripe_webhook_tolerance);
	if (sig != STRIPE_SIG_OK) {
		log_warn("req=%s stripe webhook refused: signature %s", c->req.reqid,
		    stripe_sig_result_str(sig));
		c->resp.status = 400;
		c->resp.content_type = "text/plain; charset=utf-8";
		buf_reset(&c->resp.body);
		return buf_puts(&c->resp.body, "bad signature\n") == -1 ? -1 : 0;
	}
	sp.db = c->app->db;
	/* applying the event at once may ask Stripe (no network call while a
	 * transaction holds locks: see stripe_pay_event_receive) */
	sp.stripe = stripe_pay_client(cfg);
	sp.cfg = cfg;
	sp.actor = &actor;
	switch (stripe_pay_event_receive(&sp, buf_cstr(&c->req.body), c->req.body.len,
	    outcome, sizeof(outcome))) {
	case SP_EVENT_STORED:
	case SP_EVENT_IGNORED:
	case SP_EVENT_DUPLICATE:
		status = 200;
		break;
	case SP_EVENT_BAD:
		status = 400;
		break;
	default:
		status = 500;
		log_warn("req=%s stripe webhook: %s (Stripe will retry)", c->req.reqid,
		    outcome);
		break;
	}
	return answer(c, status, outcome);
}

/* R_FORM: the body is Stripe's JSON, not our form fields; the handler
 * ignores the field check (there are no fields). */
const struct route routes_webhook[] = {
	{ { "POST", "/stripe/webhook" }, h_stripe_webhook, 0,
	    R_PUBLIC | R_NOCSRF | R_NOSESSION | R_FORM, NULL, 0 },
};
const size_t nroutes_webhook = ARRAY_LEN(routes_webhook);
