/* Payment plans: sending to the portal, the consent text, the client's
 * signature. */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "plan_int.h"
#include "str.h"
#include "tmpl.h"

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

	for (size_t i = 0; rc == DB_OK && i < p->ninv; i++) {
		struct db_param q[] = { DB_I64(p->inv[i].id), DB_I64(p->account_id),
		    DB_I64(clock_now()), strcmp(a->kind, "staff") == 0 && a->id ?
		    DB_I64(a->id) : DB_NULL };

		rc = db_exec(db, "INSERT IGNORE INTO portal_invoices (invoice_id,"
		    " account_id, posted_at, posted_by) VALUES (?, ?, ?, ?)", q, 4,
		    NULL, NULL);
	}
	return rc;
}

static int
send_tx(struct db *db, void *arg)
{
	struct sign_args *x = arg;
	struct plan p;
	struct db_param q[] = { DB_I64(clock_now()), DB_I64(x->id) };
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
	if ((rc = db_exec(db, "UPDATE payment_plans SET status = 'sent', sent_at = ?"
	    " WHERE id = ?", q, 2, NULL, NULL)) != DB_OK ||
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
ct_item(struct tmpl_cache *tc, const char *lang, const struct plan_installment *t,
    struct buf *b)
{
	char m[MONEY_FMT_MAX], d[11];

	money_format(t->amount, m, sizeof(m));
	date_fmt(t->due, d, sizeof(d));
	return tmpl_msgf(tc, lang, b, t->number == 0 ? "plan.ct.item_down" :
	    "plan.ct.item", "amount", m, "due", d, (const char *)NULL);
}

/* The plan's method in lang: "Visa ending 4242" (plan.m_*). */
static int
ct_method(struct tmpl_cache *tc, const char *lang, const struct plan *p,
    struct buf *b)
{
	char brand[33];

	if (p->method_last4[0] == '\0')
		return buf_puts(b, p->method_label);
	str_copy(brand, sizeof(brand), p->method_brand);
	if (brand[0] >= 'a' && brand[0] <= 'z')
		brand[0] = (char)(brand[0] - 'a' + 'A');
	return tmpl_msgf(tc, lang, b, brand[0] ? "plan.m_brand" :
	    strcmp(p->method_kind, "card") == 0 ? "plan.m_card" : "plan.m_bank",
	    "method_brand", brand, "method_last4", p->method_last4,
	    (const char *)NULL);
}

char *
plan_consent_text_lang(const struct plan *p, const char *org,
    struct tmpl_cache *tc, const char *lang)
{
	char m[MONEY_FMT_MAX], id[24];
	struct buf b;
	int rc, n = 0;

	if (tc == NULL || lang == NULL)
		return plan_consent_text(p, org);
	buf_init(&b, 256 * 1024);
	money_format(p->remaining, m, sizeof(m));
	str_fmt(id, sizeof(id), "%" PRId64, p->id);
	rc = tmpl_msgf(tc, lang, &b, "plan.ct.intro", "org", org, "plan_id", id,
	    "account", p->account_name, "amount", m, (const char *)NULL);
	rc |= buf_putc(&b, ' ');
	if (p->method_id) {
		struct buf mb;

		buf_init(&mb, 256);
		rc |= ct_method(tc, lang, p, &mb);
		rc |= tmpl_msgf(tc, lang, &b, p->autopay ? "plan.ct.charged_auto" :
		    "plan.ct.charged_manual", "method", buf_cstr(&mb),
		    (const char *)NULL);
		buf_free(&mb);
	}
	else
		rc |= tmpl_msgf(tc, lang, &b, "plan.ct.any_method", (const char *)NULL);
	rc |= buf_putc(&b, ' ');
	rc |= tmpl_msgf(tc, lang, &b, "plan.ct.schedule", (const char *)NULL);
	for (size_t i = 0; i < p->ninst; i++) {
		if (p->inst[i].state != INST_SCHEDULED &&
		    p->inst[i].state != INST_PROCESSING)
			continue;
		rc |= buf_puts(&b, n++ ? "; " : " ");
		rc |= ct_item(tc, lang, &p->inst[i], &b);
	}
	rc |= buf_puts(&b, ". ");
	rc |= tmpl_msgf(tc, lang, &b, "plan.ct.tail", "email", p->account_email[0] ?
	    p->account_email : tmpl_msg(tc, lang, "plan.ct.email_default"), "org",
	    org, (const char *)NULL);
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
	    x->env->cfg->org_name ? x->env->cfg->org_name : "us", x->env->tc,
	    s->lang)) == NULL) {
		rc = DB_ERR;
		goto out;
	}
	{
		struct db_param q[] = { DB_I64(clock_now()), DB_I64(p.id) };

		if ((rc = db_exec(db, "UPDATE payment_plans SET status = 'active',"
		    " accepted_at = ? WHERE id = ?", q, 2, NULL, NULL)) != DB_OK)
			goto out;
	}
	if ((rc = plan_version_add(db, x->env->actor, p.id, "plan.sign",
	    "Signed by the client in the portal.\n", text)) != DB_OK)
		goto out;
	{
		struct db_param q[] = { DB_STR(s->name), DB_I64(clock_now()),
		    DB_STR(s->ip ? s->ip : ""), DB_STR(s->user_agent ? s->user_agent :
		    ""), DB_I64(p.id) };

		rc = db_exec(db, "UPDATE payment_plan_versions SET signed_name = ?,"
		    " signed_at = ?, signed_ip = ?, signed_user_agent = LEFT(?, 255)"
		    " WHERE plan_id = ? ORDER BY version DESC LIMIT 1", q, 5, NULL, NULL);
	}
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
	struct db_param q[] = { DB_I64(plan_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT v.version, v.actor_kind, COALESCE(u.name, ''),"
	    " v.created_at, v.changes, COALESCE(v.signed_name, ''),"
	    " COALESCE(v.signed_at, 0), COALESCE(v.signed_ip, '') FROM"
	    " payment_plan_versions v LEFT JOIN users u ON u.id = v.actor_id AND"
	    " v.actor_kind = 'staff' WHERE v.plan_id = ? ORDER BY v.version DESC"
	    " LIMIT 200", q, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct plan_version *v = &(*out)[i];

		v->version = (int)db_i64(&r, i, 0);
		str_copy(v->actor_kind, sizeof(v->actor_kind), db_str(&r, i, 1));
		str_copy(v->actor_name, sizeof(v->actor_name), db_str(&r, i, 2));
		v->created_at = db_i64(&r, i, 3);
		if ((v->changes = str_dup(db_str(&r, i, 4))) == NULL)
			rc = DB_ERR;
		str_copy(v->signed_name, sizeof(v->signed_name), db_str(&r, i, 5));
		v->signed_at = db_i64(&r, i, 6);
		str_copy(v->signed_ip, sizeof(v->signed_ip), db_str(&r, i, 7));
		*n = i + 1;
	}
	db_result_free(&r);
	if (rc != DB_OK) {
		plan_versions_free(*out, *n);
		*out = NULL;
		*n = 0;
		return PLAN_DB;
	}
	return PLAN_OK;
}

void
plan_versions_free(struct plan_version *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].changes);
	free(v);
}
