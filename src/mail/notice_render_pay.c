/* Notices rendered at send time: payments (receipt, ACH pending, ACH
 * result), payment plans, plan and autopay notices, statements. */
#include "common.h"

#include "cfg.h"
#include "clock.h"
#include "mailer.h"
#include "money.h"
#include "notice_render.h"
#include "notice_render_int.h"
#include "store_invoice.h"
#include "store_method.h"
#include "store_payment.h"
#include "str.h"
#include "tmpl.h"

/* --- payments ------------------------------------------------------------------ */

/* "visa" -> "Visa". */
static void
capitalize(char *s)
{
	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
}

/* One row of the mail's loop "invoices". */
static void
invoice_row(struct nr *x, const char *number, int64_t cents)
{
	struct tmpl_vars *row;
	char m[MONEY_FMT_MAX];

	if ((row = tmpl_loop_add(x->v, "invoices")) == NULL)
		return;
	tmpl_set(row, "number", number);
	money_format(cents, m, sizeof(m));
	tmpl_set(row, "amount", m);
}

/* The invoices a payment without an allocation plan (recorded by staff)
 * was applied to, as a loop of the mail. */
static int
payment_allocations(struct nr *x)
{
	struct store_allocation *al = NULL;
	size_t n = 0;

	if (store_payment_alloc_list(x->env->db, x->n->object_id, 0, &al,
	    &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (al[i].amount > 0)
			invoice_row(x, al[i].invoice_number, al[i].amount);
	free(al);
	return 0;
}

/* The invoices the payment was for: the fact "invoices" (its allocation
 * plan as the domain read it at the event, "id,cents;...", maybe empty)
 * with each invoice's number as it is now; a payment without a plan: its
 * allocations. */
static int
payment_invoices(struct nr *x)
{
	char plan[4096], *p, *save = NULL;

	if (!notice_render_fact_has(x, "invoices"))
		return payment_allocations(x);
	notice_render_fact(x, "invoices", plan, sizeof(plan));
	for (p = strtok_r(plan, ";", &save); p != NULL;
	    p = strtok_r(NULL, ";", &save)) {
		struct store_invoice_row inv;
		long long id = 0, cents = 0;
		char *notes = NULL;
		int rc;

		if (sscanf(p, "%lld,%lld", &id, &cents) != 2)
			continue;
		rc = store_invoice_get(x->env->db, id, &inv, &notes);
		free(notes);
		if (rc < 0)
			return -1;
		if (rc == 1)
			invoice_row(x, inv.number, cents);
	}
	return 0;
}

/* "Visa ending 4242", "Bank account ending 6789" (English). */
static void
method_label_en(const struct store_method *m, char *out, size_t outsz)
{
	char b[40];

	str_copy(b, sizeof(b), m->brand[0] ? m->brand :
	    strcmp(m->kind, "card") == 0 ? "Card" : "Bank account");
	capitalize(b);
	if (m->last4[0])
		str_fmt(out, outsz, "%s ending %s", b, m->last4);
	else
		str_copy(out, outsz, b);
}

/* "Visa terminada en 4242" from the catalog of lang. */
static void
method_in_lang(struct nr *x, const struct store_method *m, char *buf,
    size_t bufsz)
{
	struct tmpl_cache *tc = x->env->tc;
	const char *t;
	size_t n;

	str_copy(buf, bufsz, m->brand[0] ? m->brand : tmpl_msg(tc, x->lang,
	    strcmp(m->kind, "card") == 0 ? "pm.card" : "pm.bank_account"));
	capitalize(buf);
	if (m->last4[0] == '\0' || (t = strstr(tmpl_msg(tc, x->lang, "pm.ending"),
	    "{brand}")) == NULL)
		return;
	/* "{brand} terminada en {last4}" */
	n = strlen(buf);
	str_fmt(buf + n, bufsz - n, "%s", t + strlen("{brand}"));
	if ((t = strstr(buf, "{last4}")) != NULL)
		str_fmt(buf + (t - buf), bufsz - (size_t)(t - buf), "%s", m->last4);
}

/* The method and the failure reason, in the notice's language (English:
 * the reason frozen at the event, fact "failure"). */
static void
payment_labels(struct nr *x, const struct store_payment *p)
{
	struct store_method m;
	int have = p->payment_method_id && store_method_get(x->env->db,
	    p->payment_method_id, &m) == 1;
	char buf[160], why[512];

	if (strcmp(p->method, "card") != 0 && strcmp(p->method, "ach") != 0) {
		/* recorded by staff: cash, check, card terminal, other */
		str_fmt(buf, sizeof(buf), "pm.%s", p->method);
		tmpl_set(x->v, "method", tmpl_msg(x->env->tc, x->lang, buf));
		return;
	}
	if (strcmp(x->lang, "en") == 0) {
		if (have)
			method_label_en(&m, buf, sizeof(buf));
		else
			str_copy(buf, sizeof(buf), strcmp(p->method, "ach") == 0 ?
			    "Bank account (ACH)" : "Card");
		tmpl_set(x->v, "failure_message", notice_render_fact(x,
		    "failure", why, sizeof(why)));
	} else {
		if (have)
			method_in_lang(x, &m, buf, sizeof(buf));
		else
			str_copy(buf, sizeof(buf), tmpl_msg(x->env->tc, x->lang,
			    strcmp(p->method, "ach") == 0 ? "pl.ach" : "pm.card"));
		tmpl_set(x->v, "failure_message", tmpl_msg(x->env->tc, x->lang,
		    strcmp(p->status, "canceled") == 0 ? "pr.canceled" :
		    "m.bank_refused"));
	}
	tmpl_set(x->v, "method", buf);
}

static int
payment_fill(struct nr *x, struct store_payment *p)
{
	char buf[64];

	str_copy(p->status, sizeof(p->status), notice_render_fact(x, "status",
	    buf, sizeof(buf)));
	tmpl_set(x->v, "account_name", x->a.name);
	notice_render_money(x, "amount", "amount");
	tmpl_setf(x->v, "payment_id", "%" PRId64, p->id);
	if (p->intent[0])
		tmpl_setf(x->v, "transaction_id", "P-%" PRId64 " / %s", p->id,
		    p->intent);
	else
		tmpl_setf(x->v, "transaction_id", "P-%" PRId64, p->id);
	tmpl_set(x->v, "stripe_id", p->intent);
	tmpl_set(x->v, "date", notice_render_fact(x, "date", buf, sizeof(buf)));
	payment_labels(x, p);
	tmpl_set_bool(x->v, "is_ach", strcmp(p->method, "ach") == 0);
	tmpl_set_bool(x->v, "inv_still_open", strcmp(p->status, "failed") == 0 ||
	    strcmp(p->status, "canceled") == 0);
	tmpl_set_bool(x->v, "inv_for", strcmp(p->status, "succeeded") != 0);
	tmpl_set_bool(x->v, "succeeded", notice_render_fact_i64(x, "succeeded",
	    0) != 0);
	/* Pay-link payers may have no portal login: no link for them. */
	if (notice_render_fact_i64(x, "portal", 0))
		notice_render_url(x, "receipt_url", "/portal/payments/%" PRId64, p->id);
	notice_render_url(x, "portal_url", "/portal/login");
	return payment_invoices(x);
}

/* Receipt, ACH pending, ACH succeeded or failed: the payment as it is, its
 * status, amount and date as they were when the notice was due. */
int
notice_render_payment(struct nr *x)
{
	struct store_payment *p;
	int rc;

	if ((p = malloc(sizeof(*p))) == NULL)
		return -1;
	if ((rc = store_payment_get(x->env->db, x->n->object_id, p)) == 1)
		rc = payment_fill(x, p);
	else {
		str_copy(x->err, x->errsz, "payment not found");
		rc = rc == 0 ? -2 : -1;
	}
	free(p);
	return rc;
}

/* --- plans --------------------------------------------------------------------- */

/* The schedule frozen when the plan was sent or changed:
 * "number,YYYY-MM-DD,cents,Label;..." */
static void
plan_schedule(struct nr *x)
{
	char sched[8192], *p, *save = NULL;

	notice_render_fact(x, "schedule", sched, sizeof(sched));
	for (p = strtok_r(sched, ";", &save); p != NULL;
	    p = strtok_r(NULL, ";", &save)) {
		char due[11] = "", state[32] = "", m[MONEY_FMT_MAX];
		long long number = 0, cents = 0;
		struct tmpl_vars *row;

		if (sscanf(p, "%lld,%10[0-9-],%lld,%31[^;]", &number, due, &cents,
		    state) != 4 || (row = tmpl_loop_add(x->v, "schedule")) == NULL)
			continue;
		tmpl_set(row, "label", number == 0 ? "Down payment" : "");
		tmpl_set_int(row, "number", number);
		tmpl_set(row, "due", due);
		money_format(cents, m, sizeof(m));
		tmpl_set(row, "amount", m);
		tmpl_set(row, "state", state);	/* the template words it */
	}
}

/* The method as "Visa ending 4242" / "bank account ending 6789" in the
 * mail's language: brand (capitalized), last 4, bank or card. */
static void
plan_method(struct nr *x)
{
	char brand[33], last4[5];

	notice_render_fact(x, "method_brand", brand, sizeof(brand));
	notice_render_fact(x, "method_last4", last4, sizeof(last4));
	if (last4[0] == '\0')
		return;
	capitalize(brand);
	tmpl_set(x->v, "method_brand", brand);
	tmpl_set(x->v, "method_last4", last4);
	tmpl_set_bool(x->v, "method_bank", notice_render_fact_i64(x,
	    "method_bank", 0) != 0);
}

/* A plan sent for signature, or changed. */
int
notice_render_plan(struct nr *x)
{
	char method[80];

	tmpl_set_int(x->v, "plan_id", x->n->object_id);
	tmpl_set_bool(x->v, "is_sent", notice_render_fact_i64(x, "is_sent", 0));
	tmpl_set_bool(x->v, "needs_signature", notice_render_fact_i64(x,
	    "needs_signature", 0));
	notice_render_money(x, "total", "total");
	notice_render_money(x, "remaining", "remaining");
	notice_render_fact(x, "method", method, sizeof(method));
	tmpl_set(x->v, "method", method[0] ? method :
	    "the method you choose for each payment");
	plan_method(x);
	plan_schedule(x);
	return notice_render_url(x, "plan_url", "/portal/plans/%" PRId64,
	    x->n->object_id) == 0 ? 0 : -2;
}

/* --- autopay and plan notices -------------------------------------------------- */

/* The method in lang: "Visa ending 4242" / "Visa terminada en 4242". */
static void
autopay_method(struct nr *x, char *out, size_t outsz)
{
	char kind[24], brand[33], last4[8];
	const char *t, *p;
	size_t n = 0;

	notice_render_fact(x, "mkind", kind, sizeof(kind));
	notice_render_fact(x, "brand", brand, sizeof(brand));
	notice_render_fact(x, "last4", last4, sizeof(last4));
	if (strcmp(kind, "us_bank_account") == 0)
		t = tmpl_msg(x->env->tc, x->lang, "ap.method_bank");
	else if (*kind == '\0')
		t = tmpl_msg(x->env->tc, x->lang, "ap.method_none");
	else
		t = tmpl_msg(x->env->tc, x->lang, *brand ? "ap.method_card" :
		    "ap.method_card_any");
	for (p = t; *p != '\0' && n + 1 < outsz; ) {
		const char *val = NULL;
		size_t at = n;

		if (strncmp(p, "{brand}", 7) == 0)
			val = brand;
		else if (strncmp(p, "{last4}", 7) == 0)
			val = last4;
		if (val == NULL) {
			out[n++] = *p++;
			continue;
		}
		p += 7;
		for (; *val != '\0' && n + 1 < outsz; val++)
			out[n++] = *val;
		if (val == brand + strlen(brand) && n > at && out[at] >= 'a' &&
		    out[at] <= 'z')	/* "visa" -> "Visa" */
			out[at] = (char)(out[at] - 'a' + 'A');
	}
	out[n] = '\0';
}

/* Upcoming charge, installment due, receipt, failed, past due, card
 * expiring: the installment and method as they were at the event. */
int
notice_render_autopay(struct nr *x)
{
	char kind[24], label[80], exp[16], s[520];
	int64_t plan = x->n->object_id;

	notice_render_fact(x, "akind", kind, sizeof(kind));
	tmpl_set_int(x->v, "plan_id", plan);
	tmpl_set_bool(x->v, "is_upcoming", strcmp(kind, "upcoming") == 0);
	tmpl_set_bool(x->v, "is_due", strcmp(kind, "due") == 0);
	tmpl_set_bool(x->v, "is_receipt", strcmp(kind, "receipt") == 0);
	tmpl_set_bool(x->v, "is_failed", strcmp(kind, "failed") == 0);
	tmpl_set_bool(x->v, "is_past_due", strcmp(kind, "past_due") == 0);
	tmpl_set_bool(x->v, "is_card", strncmp(kind, "card_", 5) == 0);
	autopay_method(x, label, sizeof(label));
	tmpl_set(x->v, "method", label);
	str_fmt(exp, sizeof(exp), "%02d/%04d", (int)notice_render_fact_i64(x,
	    "exp_month", 0), (int)notice_render_fact_i64(x, "exp_year", 0));
	tmpl_set(x->v, "expires", exp);
	tmpl_set_int(x->v, "number", notice_render_fact_i64(x, "number", 0));
	tmpl_set(x->v, "due", notice_render_fact(x, "due", s, sizeof(s)));
	notice_render_money(x, "amount", "amount");
	tmpl_set(x->v, "retry_on", notice_render_fact(x, "retry_on", s, sizeof(s)));
	/* Stripe's reason is English: other languages go without it */
	if (strcmp(x->lang, "en") == 0)
		tmpl_set(x->v, "reason", notice_render_fact(x, "reason", s,
		    sizeof(s)));
	notice_render_url(x, "plan_url", "/portal/plans/%" PRId64, plan);
	/* Autopay off: the client pays each installment through this link
	 * (the portal prices it from the plan). */
	if (strcmp(kind, "due") == 0)
		notice_render_url(x, "pay_url", "/portal/pay?plan=%" PRId64
		    "&what=next", plan);
	if (x->n->token != NULL)	/* the update-card link */
		notice_render_url(x, "update_url", "/plan-card/%s", x->n->token);
	return 0;
}

/* --- statements ------------------------------------------------------------------ */

/* A statement: its figures as made (a statement is a snapshot), the pay
 * link selecting the invoices that were open then. */
int
notice_render_statement(struct nr *x)
{
	const char *base = x->env->cfg->base_url ? x->env->cfg->base_url : "";
	char s[2048];

	tmpl_set(x->v, "account_name", notice_render_fact(x, "account_name", s,
	    sizeof(s)));
	tmpl_set(x->v, "period_from", notice_render_fact(x, "period_from", s,
	    sizeof(s)));
	tmpl_set(x->v, "period_to", notice_render_fact(x, "period_to", s,
	    sizeof(s)));
	notice_render_money(x, "balance_due", "balance_due");
	tmpl_setf(x->v, "statement_url", "%s/portal/statements/%" PRId64 "/pdf",
	    base, x->n->object_id);
	tmpl_setf(x->v, "portal_url", "%s/portal/billing", base);
	if (notice_render_fact_i64(x, "balance_due", 0) > 0) {
		notice_render_fact(x, "pay_query", s, sizeof(s));
		tmpl_setf(x->v, "pay_url", "%s/portal/%s%s", base, s[0] ? "pay" :
		    "billing", s);
	}
	return 0;
}
