/* Notices rendered at send time (notice_render.h): the table of notices,
 * the facts, branding, and the account notices (activation, reset, invoice,
 * consent, estimate). Payments and plans: notice_render_pay.c. */
#include "common.h"

#include <ctype.h>
#include <stdarg.h>

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "mailer.h"
#include "money.h"
#include "notice_render.h"
#include "notice_render_int.h"
#include "outbox.h"
#include "store_branding.h"
#include "store_invoice.h"
#include "store_method.h"
#include "store_profile.h"
#include "str.h"
#include "tmpl.h"

/* --- branding -------------------------------------------------------------------- */

static void
address_lines(struct tmpl_vars *v, const char *addr)
{
	char line[401];

	while (*addr) {
		size_t n = strcspn(addr, "\r\n");
		struct tmpl_vars *row;
		if (n > 0 && n < sizeof(line) && (row = tmpl_loop_add(v,
		    "org_address_lines")) != NULL) {
			memcpy(line, addr, n);
			line[n] = '\0';
			tmpl_set(row, "line", line);
		}
		addr += n;
		addr += strspn(addr, "\r\n");
	}
}

int
notice_render_branding(struct db *db, const struct config *cfg,
    struct tmpl_vars *v)
{
	struct store_branding b;
	char initial[2] = "B", url[512];
	const char *name, *addr;

	if (store_branding_get(db, &b) < 0)	/* no row: every field "" */
		return -1;
	name = b.org_name[0] ? b.org_name : cfg->org_name ? cfg->org_name : "";
	addr = b.org_address[0] ? b.org_address : cfg->org_address ?
	    cfg->org_address : "";
	if (isalnum((unsigned char)name[0]))
		initial[0] = (char)toupper((unsigned char)name[0]);
	tmpl_set(v, "org_name", name);
	tmpl_set(v, "org_address", addr);
	tmpl_set(v, "org_initial", initial);
	address_lines(v, addr);
	tmpl_set(v, "brand_accent", b.accent[0] ? b.accent : "#1f5fae");
	if (b.logo_sha[0] && cfg->base_url != NULL && *cfg->base_url &&
	    str_fmt(url, sizeof(url), "%s/brand/logo/%s.png", cfg->base_url,
	    b.logo_sha) == 0)
		tmpl_set(v, "brand_logo_url", url);
	return 0;
}

/* --- the account notices ------------------------------------------------------ */

/* Activation and reset: the portal's link with the unsealed token. */
static int
fill_link(struct nr *x, const char *var, const char *path)
{
	if (x->n->token == NULL || x->a.id == 0) {
		str_copy(x->err, x->errsz, "no link token or account");
		return -2;
	}
	tmpl_set(x->v, "account_name", x->a.name);
	notice_render_url(x, "portal_url", "/portal/login");
	tmpl_set_int(x->v, "expires_hours", notice_render_fact_i64(x,
	    "expires_hours", 0));
	return notice_render_url(x, var, "%s%s", path, x->n->token) == 0 ? 0 : -2;
}

static int
fill_activation(struct nr *x)
{
	return fill_link(x, "activation_url", "/portal/activate/");
}

static int
fill_reset(struct nr *x)
{
	return fill_link(x, "reset_url", "/portal/reset/");
}

/* Invoice sent: the invoice as it is, the amount due and the pay link's
 * expiry as they were when it was sent. */
static int
fill_invoice(struct nr *x)
{
	struct store_invoice_row inv;
	char m[MONEY_FMT_MAX], d[16], *notes = NULL;
	int rc;

	if (x->n->token == NULL) {
		str_copy(x->err, x->errsz, "no pay link token");
		return -2;
	}
	/* An invoice is sent once issued: its total is the stored figure. */
	rc = store_invoice_get(x->env->db, x->n->object_id, &inv, &notes);
	free(notes);
	if (rc != 1) {
		str_copy(x->err, x->errsz, "invoice not found");
		return rc == 0 ? -2 : -1;
	}
	tmpl_set(x->v, "account_name", x->a.name);
	tmpl_set(x->v, "invoice_number", inv.number);
	tmpl_set(x->v, "invoice_date", inv.invoice_date);
	tmpl_set(x->v, "due_date", inv.due_date);
	tmpl_set(x->v, "client_name", inv.client_name);
	money_format(inv.total, m, sizeof(m));
	tmpl_set(x->v, "total", m);
	notice_render_money(x, "amount_due", "amount_due");
	tmpl_set_bool(x->v, "has_due", notice_render_fact_i64(x, "amount_due",
	    0) > 0);
	tmpl_set(x->v, "pay_expires", notice_render_fact(x, "pay_expires", d,
	    sizeof(d)));
	notice_render_url(x, "portal_url", "/portal/login");
	return notice_render_url(x, "pay_url", "/pay/%s", x->n->token) == 0 ?
	    0 : -2;
}

/* The copy of a charge authorization: the consent as recorded (its method
 * label frozen at signing, when this notice is queued). */
static int
fill_consent(struct nr *x)
{
	struct store_consent *k;
	char when[32], key[48];
	int rc;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	rc = store_method_consent_get(x->env->db, x->n->object_id, x->a.id, k);
	if (rc == 1) {
		(void)clock_fmt_datetime(notice_render_fact_i64(x, "signed_at",
		    k->signed_at), when, sizeof(when));
		tmpl_set(x->v, "method_label", k->method_label);
		str_fmt(key, sizeof(key), "consent.scope.%s", k->scope);
		tmpl_set(x->v, "scope_label", tmpl_msg(x->env->tc, x->lang, key));
		tmpl_set(x->v, "signer_name", k->signer_name);
		tmpl_set(x->v, "signed_at", when);
		tmpl_set(x->v, "ip", k->ip);
		tmpl_set(x->v, "auth_text", k->auth_text);
		tmpl_setf(x->v, "consent_id", "%" PRId64, k->id);
		if (x->env->cfg->base_url != NULL && *x->env->cfg->base_url)
			tmpl_setf(x->v, "portal_url", "%s/portal/methods",
			    x->env->cfg->base_url);
	} else
		str_copy(x->err, x->errsz, "consent not found");
	free(k);
	return rc == 1 ? 0 : rc == 0 ? -2 : -1;
}

/* "Your estimate is ready": plain text, English or Spanish. */
static int
render_estimate(struct nr *x, struct outbox_mail *out)
{
	char link[600], text[1200];
	int64_t cents = notice_render_fact_i64(x, "patient", 0);
	int es = strcmp(x->lang, "es") == 0;

	notice_render_fact(x, "link", link, sizeof(link));
	str_fmt(text, sizeof(text), es ? "Hola:\n\nYa puede revisar y firmar "
	    "el presupuesto de los costos de sus próximos servicios:\n\n%s\n\n"
	    "Importe previsto a cargo del paciente: %" PRId64 ".%02" PRId64 "\n" :
	    "Hello,\n\nAn estimate of your costs for upcoming services is ready "
	    "for you to review and sign:\n\n%s\n\nExpected patient "
	    "responsibility: %" PRId64 ".%02" PRId64 "\n", link, cents / 100,
	    cents % 100);
	out->subject = strdup(es ? "Su presupuesto está listo para revisar" :
	    "Your cost estimate is ready to review");
	out->text = strdup(text);
	return out->subject != NULL && out->text != NULL ? 0 : -1;
}

/* --- the table ------------------------------------------------------------------ */

static const struct {
	const char	*name;		/* outbox.notice (notice_kind_name) */
	const char	*tmpl;		/* mail/<tmpl>.txt and .html */
	int		(*fill)(struct nr *);
	int		 branding;	/* with the branding variables */
} notices[] = {
	{ "activation", "activation", fill_activation, 1 },
	{ "password_reset", "password_reset", fill_reset, 1 },
	{ "invoice", "invoice", fill_invoice, 1 },
	{ "receipt", "receipt", notice_render_payment, 1 },
	{ "ach_pending", "payment_confirmation", notice_render_payment, 1 },
	{ "ach_succeeded", "ach_result", notice_render_payment, 1 },
	{ "ach_failed", "ach_result", notice_render_payment, 1 },
	{ "plan", "plan", notice_render_plan, 1 },
	{ "autopay", "autopay", notice_render_autopay, 1 },
	{ "statement", "statement", notice_render_statement, 0 },
	{ "consent", "consent", fill_consent, 1 },
	{ "estimate", NULL, NULL, 0 },
};

/* The account the notice is for, as it is now. */
static int
load_account(struct nr *x)
{
	int64_t id = notice_render_fact_i64(x, "account", 0);
	int rc;

	if (id <= 0)
		return 0;
	if ((rc = store_profile_account_get(x->env->db, id, 0, &x->a)) == 1)
		return 0;
	str_copy(x->err, x->errsz, "account not found");
	memset(&x->a, 0, sizeof(x->a));
	return rc == 0 ? -2 : -1;
}

static int
render_with(struct nr *x, size_t i, struct outbox_mail *out)
{
	const struct notice_render_env *env = x->env;
	int rc;

	if ((x->v = tmpl_vars_new()) == NULL)
		return -1;
	tmpl_set(x->v, "lang", x->lang);
	if (x->a.id != 0)
		tmpl_set(x->v, "recipient_name", x->a.name);
	if ((rc = notices[i].fill(x)) != 0)
		goto out;
	if (notices[i].branding && notice_render_branding(env->db, env->cfg,
	    x->v) == -1) {
		str_copy(x->err, x->errsz, "branding not readable");
		rc = -1;
		goto out;
	}
	if (outbox_render(env->tc, env->cfg, notices[i].tmpl, x->v, out, x->err,
	    x->errsz) == -1)
		rc = -1;	/* a template an admin can fix: retried */
out:
	tmpl_vars_free(x->v);
	x->v = NULL;
	return rc;
}

int
notice_render(void *arg, const struct mailer_notice *n, struct outbox_mail *out,
    char *err, size_t errsz)
{
	struct nr x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.env = arg;
	x.n = n;
	/* One of the accounts' languages: notice_init() (billing) wrote it. */
	x.lang = n->lang != NULL && n->lang[0] != '\0' ? n->lang : "en";
	x.err = err;
	x.errsz = errsz;
	for (i = 0; i < ARRAY_LEN(notices); i++)
		if (strcmp(notices[i].name, n->notice) == 0)
			break;
	if (i == ARRAY_LEN(notices)) {
		str_fmt(err, errsz, "unknown notice \"%s\"", n->notice);
		return -2;
	}
	if ((rc = load_account(&x)) != 0)
		return rc;
	if (notices[i].fill == NULL)
		rc = render_estimate(&x, out);
	else
		rc = render_with(&x, i, out);
	explicit_bzero(&x.a, sizeof(x.a));
	return rc;
}
