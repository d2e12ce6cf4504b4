/* The staff estimate page and its actions: send to the portal (email link
 * through the outbox), countersign, convert to a draft invoice; the Good
 * Faith Estimate view; the Financial-tab block. */
#include "common.h"

#include "account_page.h"
#include "app.h"
#include "audit.h"
#include "cfg.h"
#include "coverage.h"
#include "estimate.h"
#include "estimate_view.h"
#include "kit.h"
#include "profiles.h"
#include "staff_estimates.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

static void
client_nav(struct ctx *c, const struct estimate *e)
{
	struct client cl;

	if (client_get(c->app->db, e->client_id, &cl) != PROF_OK)
		return;
	tmpl_setf(c->view, "client_url", "%s/%" PRId64,
	    strcmp(cl.stage, "inquiry") == 0 ? "/inquiries" : "/clients", cl.id);
	tmpl_set_bool(c->view, strcmp(cl.stage, "inquiry") == 0 ?
	    "nav_inquiries" : "nav_clients", 1);
}

/* Recomputes the content hash and says whether the signatures hold. */
static void
verify_view(struct ctx *c, const struct estimate *e)
{
	char now[CRYPTO_SHA256_HEX];

	if (e->content_hash[0] == '\0')
		return;
	estimate_hash(e, now);
	tmpl_set(c->view, "hash_now", now);
	tmpl_set_bool(c->view, strcmp(now, e->content_hash) == 0 ?
	    "hash_ok" : "hash_bad", 1);
}

static int
show_page(struct ctx *c, struct estimate *e, int status, const char *error)
{
	int64_t billed = 0, plan_id = 0;
	int flag, money = kit_can_money(c);

	tmpl_setf(c->view, "title", "Estimate %" PRId64 " v%d", e->root_id,
	    e->version);
	client_nav(c, e);
	estimate_view_header(c->view, e);
	estimate_view_breakdown(c->view, e);
	estimate_view_signatures(c->view, e);
	verify_view(c, e);
	kit_notice(c);
	if (error != NULL)
		tmpl_set(c->view, "error", error);
	tmpl_set_bool(c->view, "can_send", money && e->state == ES_DRAFT);
	tmpl_set_bool(c->view, "can_edit", money && e->state != ES_SUPERSEDED &&
	    e->invoice_id == 0);
	tmpl_set_bool(c->view, "can_countersign", money && e->state == ES_SIGNED);
	tmpl_set_bool(c->view, "can_convert", money && e->state == ES_ACCEPTED &&
	    e->invoice_id == 0);
	if (estimate_plan_id(c->app->db, e->id, &plan_id) != EST_S_OK)
		return -1;
	if (plan_id > 0)
		tmpl_set_int(c->view, "est_plan_id", plan_id);
	tmpl_set_bool(c->view, "can_convert_plan", money &&
	    e->state == ES_ACCEPTED && plan_id == 0);
	tmpl_set_bool(c->view, "edit_makes_version", e->state != ES_DRAFT);
	if ((flag = estimate_gfe_check(c->app->db, e, &billed)) == -1)
		return -1;
	if (flag) {
		tmpl_set_bool(c->view, "gfe_exceeded", 1);
		kit_set_money(c->view, "gfe_billed", billed);
	}
	tmpl_set(c->view, "signer_default", c->user.name);
	return app_render(c, status, "estimate_show.html");
}

int
h_estimate_show(struct ctx *c)
{
	struct estimate e;
	int rc;

	if ((rc = staff_estimates_load(c, &e)) != 1)
		return rc;
	rc = show_page(c, &e, 200, NULL);
	estimate_free(&e);
	return rc;
}

/* After a refused action: the page again with why. */
static int
refused(struct ctx *c, int64_t id, int status, const char *msg)
{
	struct estimate e;
	int rc;

	if (estimate_get(c->app->db, id, &e) != EST_S_OK)
		return app_error(c, 404, "No such estimate.");
	rc = show_page(c, &e, status, msg);
	estimate_free(&e);
	return rc;
}

static int
done(struct ctx *c, int64_t id, const char *notice)
{
	char url[96];

	str_fmt(url, sizeof(url), "/estimates/%" PRId64 "?notice=%s", id, notice);
	http_redirect(&c->resp, 303, url);
	return 0;
}

static int
answer(struct ctx *c, int64_t id, int rc, const char *msg, const char *notice)
{
	if (rc == EST_S_OK)
		return done(c, id, notice);
	if (rc == EST_S_NOT_FOUND)
		return app_error(c, 404, "No such estimate.");
	if (rc == EST_S_DB)
		return -1;
	return refused(c, id, rc == EST_S_TAMPERED ? 409 : 422, msg[0] ? msg :
	    "That is not possible for this estimate now.");
}

int
h_estimate_send(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	char link[300], msg[200] = "";
	int64_t id;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such estimate.");
	str_fmt(link, sizeof(link), "%s/portal/estimates/%" PRId64,
	    c->app->cfg.base_url ? c->app->cfg.base_url : "", id);
	return answer(c, id, estimate_send(c->app->db, &a, id, link, msg,
	    sizeof(msg)), msg, "sent");
}

int
h_estimate_countersign(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct estimate_sig s;
	char msg[200] = "";
	int64_t id;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such estimate.");
	if (c->fs.nerr > 0)
		return refused(c, id, 422, c->fs.err[0].msg);
	if (!kit_field_i(c, "agree", 0))
		return refused(c, id, 422, "Tick \"I have read and agree\" to "
		    "countersign.");
	memset(&s, 0, sizeof(s));
	str_copy(s.signer_name, sizeof(s.signer_name), kit_field_s(c,
	    "signer_name"));
	s.signer_id = c->user.id;
	str_copy(s.method, sizeof(s.method), "typed");
	if (str_starts(kit_field_s(c, "signature_png"),
	    "data:image/png;base64,"))
		s.png = (char *)kit_field_s(c, "signature_png") +
		    strlen("data:image/png;base64,");
	if (s.png != NULL)
		str_copy(s.method, sizeof(s.method), "drawn");
	if (!estimate_sig_ok(s.png, s.path) || (s.png == NULL && s.path != NULL))
		return refused(c, id, 422, "The drawn signature could not be read. "
		    "Please draw it again.");
	s.path = (char *)(kit_field_s(c, "signature_path")[0] ?
	    kit_field_s(c, "signature_path") : NULL);
	str_copy(s.ip, sizeof(s.ip), app_ip(c));
	str_copy(s.user_agent, sizeof(s.user_agent), c->req.user_agent ?
	    c->req.user_agent : "");
	return answer(c, id, estimate_countersign(c->app->db, &a, id, &s, msg,
	    sizeof(msg)), msg, "countersigned");
}

/* Makes the estimate at :id into something else (an invoice, a plan) and
 * goes to it: path + its id + tail; the estimate again with msg (at most
 * msgsz bytes) when it cannot. */
static int
convert(struct ctx *c, int (*make)(struct db *, const struct actor *,
    int64_t, int64_t *, char *, size_t), size_t msgsz, const char *path,
    const char *tail)
{
	struct actor a = kit_staff_actor(c);
	char msg[600] = "", url[64];
	int64_t id, made = 0;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such estimate.");
	rc = make(c->app->db, &a, id, &made, msg, msgsz);
	if (rc != EST_S_OK)
		return answer(c, id, rc, msg, "");
	str_fmt(url, sizeof(url), "%s%" PRId64 "%s", path, made, tail);
	http_redirect(&c->resp, 303, url);
	return 0;
}

int
h_estimate_invoice(struct ctx *c)
{
	return convert(c, estimate_to_invoice, 200, "/invoices/", "");
}

/* One click: a draft payment plan over the estimate's patient total; a
 * second click lands on the same plan. */
int
h_estimate_plan(struct ctx *c)
{
	return convert(c, estimate_to_plan, 600, "/plans/", "?notice=created");
}

int
h_estimate_gfe(struct ctx *c)
{
	struct estimate e;
	int rc;

	if ((rc = staff_estimates_load(c, &e)) != 1)
		return rc;
	tmpl_setf(c->view, "title", "Good Faith Estimate %" PRId64, e.root_id);
	client_nav(c, &e);
	estimate_view_header(c->view, &e);
	estimate_view_breakdown(c->view, &e);
	estimate_view_signatures(c->view, &e);
	estimate_view_gfe(c->view, &e);
	rc = app_render(c, 200, "estimate_gfe.html");
	estimate_free(&e);
	return rc;
}

/* --- the Financial tab ------------------------------------------------------- */

int
staff_estimates_fin_block(struct ctx *c, int64_t client_id)
{
	struct estimate *es = NULL;
	struct coverage *cv = NULL;
	size_t n = 0, ncv = 0;

	tmpl_setf(c->view, "new_estimate_url", "/clients/%" PRId64
	    "/estimates/new", client_id);
	tmpl_setf(c->view, "coverage_url", "/clients/%" PRId64 "/coverage",
	    client_id);
	tmpl_set_bool(c->view, "has_estimates_block", 1);
	if (estimate_list(c->app->db, client_id, 0, &es, &n) != EST_S_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "fin_estimates");
		if (r == NULL)
			break;
		estimate_view_header(r, &es[i]);
		kit_set_money(r, "patient", es[i].totals.patient);
		kit_set_money(r, "insurer", es[i].totals.insurer);
	}
	estimate_list_free(es, n);
	if (coverage_list(c->app->db, client_id, &cv, &ncv) != COV_OK)
		return -1;
	for (size_t i = 0; i < ncv; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "fin_coverage");
		if (r == NULL)
			break;
		tmpl_setf(r, "label", "%s: %s", cv[i].rank, cv[i].payer_name);
		tmpl_set(r, "member_id", cv[i].member_id);
	}
	free(cv);
	return 0;
}

/* The GFE flags of fs (only client_id's when not 0) into loop gfe_flags. */
static void
gfe_rows(struct ctx *c, const struct estimate_flag *fs, size_t n,
    int64_t client_id)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r;
		if ((client_id != 0 && fs[i].client_id != client_id) ||
		    (r = tmpl_loop_add(c->view, "gfe_flags")) == NULL)
			continue;
		tmpl_set_int(r, "id", fs[i].id);
		tmpl_set_int(r, "root", fs[i].root_id);
		tmpl_set(r, "client", fs[i].client_name);
		kit_set_money(r, "estimated", fs[i].estimated);
		kit_set_money(r, "billed", fs[i].billed);
	}
}

/* GFE $400 flags of an account (of one of its clients when client_id). */
int
staff_estimates_gfe_flags(struct ctx *c, int64_t account_id, int64_t client_id,
    const struct account_lists *l)
{
	struct estimate_flag *fs = NULL;
	size_t n = 0;

	if (l != NULL) {
		gfe_rows(c, l->flags, l->nflags, client_id);
		return 0;
	}
	if (estimate_gfe_flags(c->app->db, account_id, &fs, &n) != EST_S_OK)
		return -1;
	gfe_rows(c, fs, n, client_id);
	free(fs);
	return 0;
}

/* The staff home's work list: GFEs exceeded by $400+, estimates waiting
 * for the countersignature (one statement). */
int
staff_estimates_home_worklist(struct ctx *c)
{
	struct estimate_flag *gs = NULL, *fs = NULL;
	size_t ng = 0, n = 0;

	if (estimate_home_flags(c->app->db, &gs, &ng, &fs, &n) != EST_S_OK)
		return -1;
	gfe_rows(c, gs, ng, 0);
	free(gs);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "est_awaiting");
		if (r == NULL)
			break;
		tmpl_set_int(r, "id", fs[i].id);
		tmpl_set_int(r, "root", fs[i].root_id);
		tmpl_set(r, "client", fs[i].client_name);
		kit_set_money(r, "estimated", fs[i].estimated);
	}
	free(fs);
	return 0;
}
