/* One-time pay links (/pay/:token): the invoice's details and the Stripe
 * payment form, without signing in and without anything else of the
 * account. Paid and void invoices say so (paid: with the receipt) and offer
 * no payment. Unknown, expired and revoked tokens all get the same page
 * (404), so it never tells whether a link existed; lookups are counted per
 * address (paylink_lookup: 429 beyond the limit; nginx limit_req first).
 * Forms carry the dispatcher's pre-login CSRF token (R_PUBLIC routes). */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "invoice.h"
#include "kit.h"
#include "money.h"
#include "payment.h"
#include "portal.h"
#include "portal_web.h"
#include "routes.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

/* The link of the path's token: 1, 0 when the page was made (generic 404,
 * or 429), -1 on errors. */
static int
link_of(struct ctx *c, struct pay_link *l)
{
	int rc = paylink_lookup(c->app->db, route_param(&c->match, "token"),
	    app_ip(c), l);

	c->resp.no_store = 1;
	tmpl_set_bool(c->view, "paylink", 1);
	http_header(&c->resp, "X-Robots-Tag", "noindex");
	if (rc == PORTAL_OK)
		return portal_lang_pick_account(c, l->account_id) == -1 ? -1 : 1;
	if (rc == PORTAL_DB)
		return -1;
	tmpl_set(c->view, "org", app_brand(c)->org_name);
	if (rc == PORTAL_THROTTLED) {
		tmpl_set(c->view, "title", portal_msg(c, "plk.throttled_h"));
		tmpl_set_bool(c->view, "throttled", 1);
		http_header(&c->resp, "Retry-After", "900");
		return portal_render(c, NULL, 429, "paylink_invalid.html") == 0 ? 0 : -1;
	}
	tmpl_set(c->view, "title", portal_msg(c, "plk.invalid_title"));
	return portal_render(c, NULL, 404, "paylink_invalid.html") == 0 ? 0 : -1;
}

/* "/pay/<token><suffix>" (the token is known good: it was found). */
static int
link_url(const struct ctx *c, char *out, size_t outsz, const char *suffix)
{
	return str_fmt(out, outsz, "/pay/%s%s", route_param(&c->match, "token"),
	    suffix);
}

/* Payments that paid the invoice (its receipt). */
static int
view_receipts(struct ctx *c, int64_t invoice_id)
{
	struct allocation *as = NULL;
	size_t n = 0;

	if (allocation_list(c->app->db, 0, invoice_id, &as, &n) != PAY_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;
		struct sp_payment p;

		if (as[i].amount <= 0 || stripe_pay_get(c->app->db, as[i].payment_id,
		    &p) != SP_OK || (row = tmpl_loop_add(c->view, "receipts")) == NULL)
			continue;
		portal_view_payment(c, row, &p);
		kit_set_money(row, "applied", as[i].amount);
	}
	free(as);
	return 0;
}

/* The amount field: the typed amount again, else all that is open and
 * not held by a payment in progress; the minimum. */
static int
view_amount(struct ctx *c, const struct pay_link *l, const struct portal_invoice *pi)
{
	const char *typed = kit_field_s(c, "amount");
	int64_t reserved = 0, min = 0, avail;
	char plain[MONEY_FMT_MAX];

	if (stripe_pay_reserved(c->app->db, l->account_id, pi->id, &reserved,
	    NULL) != SP_OK || portal_min_payment(c->app->db, &min) != PORTAL_OK)
		return -1;
	avail = pi->open - reserved > 0 ? pi->open - reserved : 0;
	if (min > avail)
		min = avail;
	if (*typed == '\0' && money_format_plain(avail, plain, sizeof(plain)) == 0)
		typed = plain;
	tmpl_set(c->view, "amount_value", typed);
	kit_set_money(c->view, "min_payment", min);
	kit_set_money(c->view, "avail", avail);
	tmpl_set_bool(c->view, "part_ok", avail > 0);
	return 0;
}

/* The page of a link: invoice details, then by state: void, paid
 * (receipt), a bank payment in progress, or the payment form. */
static int
link_page(struct ctx *c, const struct pay_link *l, int status, const char *error)
{
	struct portal_invoice pi;
	struct invoice inv;
	char url[128];
	int rc;

	memset(&inv, 0, sizeof(inv));
	memset(&pi, 0, sizeof(pi));
	if (invoice_get(c->app->db, l->invoice_id, &inv) != INV_OK ||
	    (rc = portal_invoice_get(c->app->db, l->account_id, l->invoice_id,
	    &pi)) == PORTAL_DB) {
		invoice_free(&inv);
		return -1;
	}
	/* Not posted (sending posts, so only if un-posted by hand): as is. */
	if (rc != PORTAL_OK)
		pi.status = strcmp(inv.status, "void") == 0 ? PIS_VOID :
		    inv.open <= 0 ? PIS_PAID : PIS_OPEN;
	portal_view_invoice(c, &inv);
	invoice_free(&inv);
	tmpl_set(c->view, "status", portal_inv_status_names[pi.status]);
	tmpl_set(c->view, "status_label", portal_inv_status_label(c, pi.status));
	tmpl_set_bool(c->view, "is_void", pi.status == PIS_VOID);
	tmpl_set_bool(c->view, "is_paid", pi.status == PIS_PAID);
	tmpl_set_bool(c->view, "is_pending", pi.status == PIS_PENDING_ACH);
	tmpl_set_bool(c->view, "payable", pi.status == PIS_OPEN ||
	    pi.status == PIS_PARTIAL);
	if (pi.pending > 0)
		kit_set_money(c->view, "pending", pi.pending);
	if (pi.status == PIS_PAID && view_receipts(c, l->invoice_id) == -1)
		return -1;
	if ((pi.status == PIS_OPEN || pi.status == PIS_PARTIAL) &&
	    view_amount(c, l, &pi) == -1)
		return -1;
	{
		int64_t held = 0;

		if (pi.status != PIS_VOID && pi.status != PIS_PAID &&
		    portal_view_inflight(c, c->view, l->account_id, pi.id,
		    &held) == -1)
			return -1;
	}
	if (link_url(c, url, sizeof(url), "") == -1)
		return -1;
	tmpl_set(c->view, "link", url);
	tmpl_set(c->view, "org", app_brand(c)->org_name);
	tmpl_set(c->view, "method", kit_field_s(c, "method"));
	if (error)
		tmpl_set(c->view, "error", error);
	if (portal_view_attempt_key(c) == -1)
		return -1;
	tmpl_setf(c->view, "title", "%s %s", portal_msg(c, "inv.invoice"),
	    tmpl_get(c->view, "number"));
	return portal_render(c, NULL, status, "paylink.html");
}

static int
h_paylink(struct ctx *c)
{
	struct pay_link l;
	int rc = link_of(c, &l);

	return rc <= 0 ? rc : link_page(c, &l, 200, NULL);
}

/* The Stripe Element page of the link's page payment. */
static int
link_checkout(struct ctx *c, const struct pay_link *l, int64_t payment_id,
    const char *client_secret, int64_t amount, const char *method)
{
	struct portal_invoice pi;
	char ret[700], url[128], title[160];

	if (portal_invoice_get(c->app->db, l->account_id, l->invoice_id, &pi) !=
	    PORTAL_OK)
		return -1;
	str_fmt(url, sizeof(url), "/return?payment=%" PRId64, payment_id);
	if (str_fmt(ret, sizeof(ret), "%s/pay/%s%s", c->app->cfg.base_url,
	    route_param(&c->match, "token"), url) == -1)
		return -1;
	tmpl_set(c->view, "number", pi.number);
	portal_set_day(c->view, "due_date", pi.due_date);
	tmpl_set(c->view, "org", app_brand(c)->org_name);
	if (link_url(c, url, sizeof(url), "") == -1)
		return -1;
	tmpl_set(c->view, "link", url);
	tmpl_set(c->view, "title", portal_msgf(c, "plk.pay_n", title,
	    sizeof(title), "number", pi.number, (const char *)NULL));
	return portal_checkout_page(c, NULL, "paylink_checkout.html",
	    client_secret, ret, amount, strcmp(method, "ach") == 0 ? "ach" : "card");
}

/* To the link's page of a payment. */
static int
link_redirect(struct ctx *c, int64_t payment_id)
{
	char path[48], url[128];

	str_fmt(path, sizeof(path), "/payments/%" PRId64, payment_id);
	if (link_url(c, url, sizeof(url), path) == -1)
		return -1;
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* Same form, same answer: the payment this link's form (attempt_key)
 * made, before the form is checked again: the Element page while nobody
 * confirmed it, else the payment's page. 1 when the key is new. */
static int
link_replay(struct ctx *c, const struct pay_link *l, struct sp *sp)
{
	struct sp_payment p;
	struct sp_result out;
	int rc = stripe_pay_by_attempt(c->app->db, kit_field_s(c,
	    "attempt_key"), &p);

	if (rc == SP_DB)
		return -1;
	if (rc != SP_OK)
		return 1;
	if (p.account_id != l->account_id)
		return 1;
	/* This link's, or so new that it is not registered yet. Registered
	 * anywhere is asked first: a registration made between the two
	 * questions must not make this link's own payment look foreign. */
	if ((rc = portal_payment_owned(c->app->db, p.id, l->account_id, 0)) < 0)
		return -1;
	if (rc == 1 && (rc = portal_payment_owned(c->app->db, p.id, l->account_id,
	    l->id)) != 1)
		return rc < 0 ? -1 : 1;
	if (strcmp(p.status, "pending") == 0 && p.payment_method_id == 0 &&
	    strcmp(p.stripe_status, "processing") != 0) {
		struct sp_start st = { p.account_id, p.client_id, p.method, p.amount,
		    p.attempt_key, p.alloc_plan, p.save_method, p.memo, 0 };
		memset(&out, 0, sizeof(out));
		if ((rc = stripe_pay_start(sp, &st, &out)) == SP_DB)
			return -1;
		if (rc == SP_OK && out.client_secret[0] != '\0')
			return link_checkout(c, l, p.id, out.client_secret, p.amount,
			    p.method);
	}
	return link_redirect(c, p.id);
}

/* Refused: a payment in flight holds the invoice's money (linked when it
 * was made with this link). */
static int
link_busy(struct ctx *c, const struct pay_link *l, int64_t amount,
    int64_t payment_id)
{
	char msg[300], amt[MONEY_FMT_MAX], path[48], url[128];
	int rc = payment_id ? portal_payment_owned(c->app->db, payment_id,
	    l->account_id, l->id) : 0;

	if (rc < 0)
		return -1;
	if (rc == 1) {
		str_fmt(path, sizeof(path), "/payments/%" PRId64, payment_id);
		if (link_url(c, url, sizeof(url), path) == -1)
			return -1;
		tmpl_set(c->view, "busy_url", url);
		tmpl_setf(c->view, "busy_label", "P-%" PRId64, payment_id);
	}
	money_format(amount, amt, sizeof(amt));
	str_fmt(msg, sizeof(msg), "A payment of %s for this invoice is already in "
	    "progress, so nothing was charged now. You do not need to pay again.",
	    amt);
	return link_page(c, l, 409, msg);
}

/* The amount to pay: all of avail (open, not reserved) unless the payer
 * typed part of it. 1 with *amount, 0 with the problem in msg, -1. */
static int
link_amount(struct ctx *c, const struct portal_invoice *pi, int64_t avail,
    int64_t *amount, char *msg, size_t msgsz)
{
	const char *typed = kit_field_s(c, "amount");
	struct portal_amount_refusal r;
	int64_t min = 0;

	*amount = avail;
	if (*typed == '\0')
		return 1;
	if (portal_min_payment(c->app->db, &min) != PORTAL_OK)
		return -1;
	if (portal_amount_check(typed, min, avail, amount, &r) == PORTAL_OK)
		return 1;
	portal_amount_msg(c, &r, pi->number, msg, msgsz);
	return 0;
}

static int
h_paylink_start(struct ctx *c)
{
	const char *method = kit_field_s(c, "method");
	struct portal_invoice pi;
	struct sp_result out;
	struct pay_link l;
	struct actor a;
	struct sp sp;
	int64_t reserved = 0, busy = 0, amount = 0;
	char plan[64], msg[200];
	int rc = link_of(c, &l);

	if (rc <= 0)
		return rc;
	a = (struct actor){ "portal", l.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	if (sp.stripe == NULL)
		return -1;
	if ((rc = link_replay(c, &l, &sp)) != 1)
		return rc;
	if (c->fs.nerr > 0)
		return link_page(c, &l, 422, c->fs.err[0].msg);
	if ((rc = portal_invoice_get(c->app->db, l.account_id, l.invoice_id, &pi)) ==
	    PORTAL_DB)
		return -1;
	if (rc == PORTAL_OK && stripe_pay_reserved(c->app->db, l.account_id, pi.id,
	    &reserved, &busy) != SP_OK)
		return -1;
	if (rc != PORTAL_OK || (pi.status != PIS_OPEN && pi.status != PIS_PARTIAL) ||
	    pi.open - reserved <= 0) {
		/* This form's first submission may have been saved (or paid)
		 * since it was looked for: then that is the answer. */
		if ((rc = link_replay(c, &l, &sp)) != 1)
			return rc;
		if (reserved > 0)
			return link_busy(c, &l, reserved, busy);
		return link_page(c, &l, 409, portal_msg(c, "plk.cannot_pay"));
	}
	if ((rc = link_amount(c, &pi, pi.open - reserved, &amount, msg,
	    sizeof(msg))) != 1)
		return rc < 0 ? -1 : link_page(c, &l, 422, msg);
	str_fmt(plan, sizeof(plan), "inv:%" PRId64 ":%" PRId64, pi.id, amount);
	{
		struct sp_start st = { l.account_id, 0, strcmp(method, "ach") == 0 ?
		    "ach" : "card", amount, kit_field_s(c, "attempt_key"), plan,
		    0,
		    "Paid with a one-time payment link", 0 };
		memset(&out, 0, sizeof(out));
		rc = stripe_pay_start(&sp, &st, &out);
	}
	if (rc == SP_OK && portal_payment_register(c->app->db, out.payment_id,
	    l.account_id, l.id, "", NULL) != PORTAL_OK)
		return -1;
	if (rc == SP_DB)
		return -1;
	if (rc == SP_BUSY)
		return link_busy(c, &l, out.busy_amount, out.busy_payment_id);
	if (rc == SP_STRIPE)
		return link_page(c, &l, 502, portal_reason(c, out.message,
		    "plk.no_answer"));
	if (rc != SP_OK)
		return link_page(c, &l, rc == SP_CONFLICT ? 409 : 422,
		    portal_reason(c, out.message, "plk.not_started"));
	if (out.client_secret[0] == '\0')
		return link_redirect(c, out.payment_id);
	return link_checkout(c, &l, out.payment_id, out.client_secret, amount,
	    method);
}

/* The payment of the query/path when it was made with this link: 1, 0
 * when the (generic) page was made, -1. */
static int
link_payment(struct ctx *c, const struct pay_link *l, int64_t pid)
{
	int rc = pid ? portal_payment_owned(c->app->db, pid, l->account_id, l->id) : 0;

	if (rc < 0)
		return -1;
	if (rc == 0) {
		tmpl_set(c->view, "org", app_brand(c)->org_name);
		tmpl_set(c->view, "title", portal_msg(c, "plk.not_found"));
		return portal_render(c, NULL, 404, "paylink_invalid.html") == 0 ? 0 : -1;
	}
	return 1;
}

static int
h_paylink_return(struct ctx *c)
{
	int64_t pid = c->fs.nerr == 0 ? kit_field_i(c, "payment", 0) : 0;
	struct portal_env env;
	struct sp_result out;
	struct pay_link l;
	struct actor a;
	struct sp sp;
	char url[128], path[48];
	int rc = link_of(c, &l);

	if (rc <= 0 || (rc = link_payment(c, &l, pid)) <= 0)
		return rc;
	a = (struct actor){ "portal", l.account_id, app_ip(c) };
	portal_sp_of(c, &a, &sp);
	portal_env_of(c, &a, &env);
	memset(&out, 0, sizeof(out));
	if (sp.stripe != NULL && stripe_pay_refresh(&sp, pid, &out) == SP_DB)
		return -1;
	if (portal_payment_notify(&env, pid) != PORTAL_OK)
		return -1;
	str_fmt(path, sizeof(path), "/payments/%" PRId64, pid);
	if (link_url(c, url, sizeof(url), path) == -1)
		return -1;
	http_redirect(&c->resp, 303, url);
	return 0;
}

static int
h_paylink_payment(struct ctx *c)
{
	int64_t pid = kit_path_id(c, "id");
	struct pay_link l;
	struct sp_payment p;
	struct invoice inv;
	char url[128], title[80], tid[32];
	int rc = link_of(c, &l);

	if (rc <= 0 || (rc = link_payment(c, &l, pid)) <= 0)
		return rc;
	if (stripe_pay_get(c->app->db, pid, &p) != SP_OK)
		return -1;
	memset(&inv, 0, sizeof(inv));
	if (invoice_get(c->app->db, l.invoice_id, &inv) != INV_OK) {
		invoice_free(&inv);
		return -1;
	}
	tmpl_set(c->view, "number", inv.number);
	kit_set_money(c->view, "open", inv.open);
	tmpl_set_bool(c->view, "still_open", inv.open > 0 &&
	    strcmp(inv.status, "void") != 0);
	invoice_free(&inv);
	portal_view_payment(c, c->view, &p);
	if (link_url(c, url, sizeof(url), "") == -1)
		return -1;
	tmpl_set(c->view, "link", url);
	tmpl_set(c->view, "org", app_brand(c)->org_name);
	str_fmt(tid, sizeof(tid), "P-%" PRId64, p.id);
	tmpl_set(c->view, "title", portal_msgf(c, "pay.title", title,
	    sizeof(title), "transaction_id", tid, (const char *)NULL));
	return portal_render(c, NULL, 200, "paylink_payment.html");
}

static int
h_paylink_pdf(struct ctx *c)
{
	struct pay_link l;
	struct invoice inv;
	int rc = link_of(c, &l);

	if (rc <= 0)
		return rc;
	memset(&inv, 0, sizeof(inv));
	rc = invoice_get(c->app->db, l.invoice_id, &inv) == INV_OK ?
	    portal_invoice_pdf(c, &inv) : -1;
	invoice_free(&inv);
	return rc;
}

static int
h_paylink_payment_pdf(struct ctx *c)
{
	int64_t pid = kit_path_id(c, "id");
	struct pay_link l;
	int rc = link_of(c, &l);

	if (rc <= 0 || (rc = link_payment(c, &l, pid)) <= 0)
		return rc;
	return portal_receipt_pdf(c, pid);
}

static const char *const pay_methods[] = { "card", "ach", NULL };

static const struct field f_start[] = {
	{ "method", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, pay_methods,
	    "Payment method" },
	{ "attempt_key", FIELD_TOKEN, FIELD_REQUIRED, 64, 0, 0, NULL, "Form key" },
	/* part of the invoice: checked by the handler (names the problem) */
	{ "amount", FIELD_LINE, 0, 32, 0, 0, NULL, "Amount to pay" },
};

static const char *const languages[] = { "en", "es", NULL };

static const struct field f_show[] = {
	{ "lang", FIELD_ENUM, 0, 0, 0, 0, languages, "Language" },
};

static const struct field f_return[] = {
	{ "payment", FIELD_ID, FIELD_REQUIRED, 0, 0, 0, NULL, "Payment" },
};

const struct route routes_paylink[] = {
	{ { "GET", "/pay/:token" }, h_paylink, 0, R_PUBLIC, FIELDS(f_show) },
	{ { "POST", "/pay/:token" }, h_paylink_start, 0, R_PUBLIC | R_FORM,
	    FIELDS(f_start) },
	{ { "GET", "/pay/:token/return" }, h_paylink_return, 0,
	    R_PUBLIC | R_FORM, FIELDS(f_return) },
	{ { "GET", "/pay/:token/payments/:id" }, h_paylink_payment, 0, R_PUBLIC,
	    NOFIELDS },
	{ { "GET", "/pay/:token/pdf" }, h_paylink_pdf, 0, R_PUBLIC, NOFIELDS },
	{ { "GET", "/pay/:token/payments/:id/pdf" }, h_paylink_payment_pdf, 0,
	    R_PUBLIC, NOFIELDS },
};
const size_t nroutes_paylink = ARRAY_LEN(routes_paylink);
