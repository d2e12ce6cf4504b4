/* Payment plans: sending to the portal, the consent text, the client's
 * signature. */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "i18n.h"
#include "money.h"
#include "plan_int.h"
#include "store_plan.h"
#include "str.h"

struct sign_args {
	const struct plan_env		*env;
	int64_t				 id;
	int64_t				 account_id;
	const struct plan_signature	*sig;
	struct plan_err			*e;
};

/* The client sees the plan's invoices in the portal too (posted, as
 * "Send invoice" does; already posted ones stay as they are). */
static int
post_invoices(struct db *db, const struct plan *p, const struct actor *a)
{
	int rc = DB_OK;

	for (size_t i = 0; rc == DB_OK && i < p->ninv; i++)
		rc = store_plan_invoice_post(db, p->inv[i].id, p->account_id,
		    strcmp(a->kind, "staff") == 0 ? a->id : 0, clock_now());
	return rc;
}

static int
send_tx(struct db *db, void *arg)
{
	struct sign_args *x = arg;
	struct plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_lock(db, x->id, &p)) != DB_OK)
		return rc;
	if (p.state != PLAN_DRAFT && p.state != PLAN_SENT)
		rc = plan_fail(x->e, PLAN_STATE, "status", "Only a draft plan (or one "
		    "awaiting signature) can be sent; this one is %s.",
		    plan_state_labels[p.state]);
	else if (p.account_email[0] == '\0')
		rc = plan_fail(x->e, PLAN_INVALID, "email", "The account has no "
		    "email address to send the plan to.");
	else if (p.remaining == 0)
		rc = plan_fail(x->e, PLAN_STATE, "status", "Nothing is left to pay "
		    "on this plan.");
	if (rc != DB_OK)
		goto out;
	if ((rc = store_plan_sent(db, x->id, clock_now())) != DB_OK ||
	    (rc = post_invoices(db, &p, x->env->actor)) != DB_OK ||
	    (rc = plan_version_add(db, x->env->actor, p.id, "plan.send",
	    "Sent to the client portal for signature.\n", NULL)) != DB_OK)
		goto out;
	plan_free(&p);
	if ((rc = plan_load(db, x->id, &p)) == DB_OK)
		rc = plan_mail(x->env, &p, "sent");
out:
	plan_free(&p);
	return rc;
}

int
plan_send(const struct plan_env *env, int64_t id, struct plan_err *e)
{
	struct sign_args x = { env, id, 0, NULL, e };
	int rc;

	if ((rc = plan_sync(env->db, env->actor, id)) != PLAN_OK)
		return rc;
	return plan_rc_of(db_tx(env->db, send_tx, &x));
}

char *
plan_consent_text(const struct plan *p, const char *org)
{
	char m[MONEY_FMT_MAX], d[11];
	struct buf b;

	buf_init(&b, 256 * 1024);
	money_format(p->remaining, m, sizeof(m));
	buf_printf(&b, "I authorize %s to collect payment plan #%" PRId64 " for "
	    "the account %s: %s in these installments, ", org, p->id,
	    p->account_name, m);
	if (p->method_id)
		buf_printf(&b, "charged to %s%s.", p->method_label, p->autopay ?
		    " automatically on each due date" : " when I pay each installment");
	else
		buf_puts(&b, "each paid by the method I choose when I pay it.");
	buf_puts(&b, " Schedule:");
	for (size_t i = 0; i < p->ninst; i++) {
		const struct plan_installment *t = &p->inst[i];

		if (t->state != INST_SCHEDULED && t->state != INST_PROCESSING)
			continue;
		money_format(t->amount, m, sizeof(m));
		date_fmt(t->due, d, sizeof(d));
		buf_printf(&b, " %s %s%s;", d, m, t->number == 0 ? " (down payment)" : "");
	}
	buf_printf(&b, " Any change to the amounts or dates is emailed to %s "
	    "before it takes effect, and a change to an automatic payment needs my "
	    "new authorization. I can cancel this authorization at any time by "
	    "contacting %s; payments already made are not affected.",
	    p->account_email[0] ? p->account_email : "the account's email", org);
	return buf_detach(&b);
}

/* One installment "$100.00 on March 1, 2031" into b. */
static int
ct_item(struct i18n *i18n, const char *lang, const struct plan_installment *t,
    struct buf *b)
{
	char m[MONEY_FMT_MAX], d[11];

	money_format(t->amount, m, sizeof(m));
	date_fmt(t->due, d, sizeof(d));
	return i18n_msgf(i18n, lang, b, t->number == 0 ? "plan.ct.item_down" :
	    "plan.ct.item", "amount", m, "due", d, (const char *)NULL);
}

/* The plan's method in lang: "Visa ending 4242" (plan.m_*). */
static int
ct_method(struct i18n *i18n, const char *lang, const struct plan *p,
    struct buf *b)
{
	char brand[33];

	if (p->method_last4[0] == '\0')
		return buf_puts(b, p->method_label);
	str_copy(brand, sizeof(brand), p->method_brand);
	if (brand[0] >= 'a' && brand[0] <= 'z')
		brand[0] = (char)(brand[0] - 'a' + 'A');
	return i18n_msgf(i18n, lang, b, brand[0] ? "plan.m_brand" :
	    strcmp(p->method_kind, "card") == 0 ? "plan.m_card" : "plan.m_bank",
	    "method_brand", brand, "method_last4", p->method_last4,
	    (const char *)NULL);
}

char *
plan_consent_text_lang(const struct plan *p, const char *org,
    struct i18n *i18n, const char *lang)
{
	char m[MONEY_FMT_MAX], id[24];
	struct buf b;
	int rc, n = 0;

	if (i18n == NULL || lang == NULL)
		return plan_consent_text(p, org);
	buf_init(&b, 256 * 1024);
	money_format(p->remaining, m, sizeof(m));
	str_fmt(id, sizeof(id), "%" PRId64, p->id);
	rc = i18n_msgf(i18n, lang, &b, "plan.ct.intro", "org", org, "plan_id",
	    id, "account", p->account_name, "amount", m, (const char *)NULL);
	rc |= buf_putc(&b, ' ');
	if (p->method_id) {
		struct buf mb;

		buf_init(&mb, 256);
		rc |= ct_method(i18n, lang, p, &mb);
		rc |= i18n_msgf(i18n, lang, &b, p->autopay ?
		    "plan.ct.charged_auto" : "plan.ct.charged_manual", "method",
		    buf_cstr(&mb), (const char *)NULL);
		buf_free(&mb);
	}
	else
		rc |= i18n_msgf(i18n, lang, &b, "plan.ct.any_method",
		    (const char *)NULL);
	rc |= buf_putc(&b, ' ');
	rc |= i18n_msgf(i18n, lang, &b, "plan.ct.schedule", (const char *)NULL);
	for (size_t i = 0; i < p->ninst; i++) {
		if (p->inst[i].state != INST_SCHEDULED &&
		    p->inst[i].state != INST_PROCESSING)
			continue;
		rc |= buf_puts(&b, n++ ? "; " : " ");
		rc |= ct_item(i18n, lang, &p->inst[i], &b);
	}
	rc |= buf_puts(&b, ". ");
	rc |= i18n_msgf(i18n, lang, &b, "plan.ct.tail", "email",
	    p->account_email[0] ? p->account_email : i18n_msg(i18n, lang,
	    "plan.ct.email_default"), "org", org, (const char *)NULL);
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int
accept_tx(struct db *db, void *arg)
{
	struct sign_args *x = arg;
	const struct plan_signature *s = x->sig;
	struct plan p;
	char *text = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_lock(db, x->id, &p)) != DB_OK)
		return rc;
	if (p.account_id != x->account_id) {
		rc = PLAN_NOT_FOUND;
		goto out;
	}
	if (p.state != PLAN_SENT) {
		rc = plan_fail(x->e, PLAN_STATE, "status", "This plan is %s: there is "
		    "nothing to sign.", plan_state_labels[p.state]);
		goto out;
	}
	if ((text = plan_consent_text_lang(&p, x->env->cfg &&
	    x->env->cfg->org_name ? x->env->cfg->org_name : "us", x->env->i18n,
	    s->lang)) == NULL) {
		rc = DB_ERR;
		goto out;
	}
	if ((rc = store_plan_accepted(db, p.id, clock_now())) != DB_OK)
		goto out;
	if ((rc = plan_version_add(db, x->env->actor, p.id, "plan.sign",
	    "Signed by the client in the portal.\n", text)) != DB_OK)
		goto out;
	rc = store_plan_version_sign(db, p.id, s->name, s->ip, s->user_agent,
	    clock_now());
out:
	free(text);
	plan_free(&p);
	return rc;
}

int
plan_accept(const struct plan_env *env, int64_t account_id, int64_t id,
    const struct plan_signature *s, struct plan_err *e)
{
	struct sign_args x = { env, id, account_id, s, e };
	char name[201];

	str_copy(name, sizeof(name), s->name ? s->name : "");
	if (*str_trim(name) == '\0')
		return plan_fail(e, PLAN_INVALID, "signer_name", "Type your full name "
		    "to sign.");
	if (strlen(s->name) > 200)
		return plan_fail(e, PLAN_INVALID, "signer_name", "The name is too "
		    "long (200 characters at most).");
	if (!s->authorized)
		return plan_fail(e, PLAN_INVALID, "authorize", "Tick the box to "
		    "authorize the payment plan.");
	return plan_rc_of(db_tx(env->db, accept_tx, &x));
}

int
plan_versions(struct db *db, int64_t plan_id, struct plan_version **out, size_t *n)
{
	struct store_plan_version *s;
	size_t ns;
	int rc = store_plan_versions(db, plan_id, &s, &ns);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && ns > 0 && (*out = calloc(ns, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < ns; i++) {
		struct plan_version *v = &(*out)[i];

		v->version = (int)s[i].version;
		str_copy(v->actor_kind, sizeof(v->actor_kind), s[i].actor_kind);
		str_copy(v->actor_name, sizeof(v->actor_name), s[i].actor_name);
		v->created_at = s[i].created_at;
		v->changes = s[i].changes;	/* taken over */
		s[i].changes = NULL;
		str_copy(v->signed_name, sizeof(v->signed_name), s[i].signed_name);
		v->signed_at = s[i].signed_at;
		str_copy(v->signed_ip, sizeof(v->signed_ip), s[i].signed_ip);
		*n = i + 1;
	}
	store_plan_versions_free(s, ns);
	return rc == DB_OK ? PLAN_OK : PLAN_DB;
}

void
plan_versions_free(struct plan_version *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].changes);
	free(v);
}
