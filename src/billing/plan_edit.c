/* Payment plans: edits (terms, skip, move, add invoices), pause / resume /
 * cancel, sending to the portal, the client's signature, the emails. */
#include "common.h"

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "notice.h"
#include "plan_int.h"
#include "portal_int.h"
#include "store_plan.h"
#include "str.h"
#include "stripe_pay.h"

const char *const plan_action_names[PLAN_ACTION__MAX] = {
	"pause", "resume", "cancel",
};

static int
editable(const struct plan *p, struct plan_err *e)
{
	if (p->state == PLAN_COMPLETED || p->state == PLAN_CANCELLED)
		return plan_fail(e, PLAN_STATE, "status", "This plan is %s and can "
		    "no longer be changed.", plan_state_names[p->state]);
	return PLAN_OK;
}

/* --- emails ----------------------------------------------------------------- */

/* The schedule as sent or changed: "number,YYYY-MM-DD,cents,state;..."
 * (state: plan_inst_names; the mail words it in its language). */
static void
notice_schedule(struct notice *n, const struct plan *p)
{
	struct buf b;

	buf_init(&b, NOTICE_FACTS_MAX / 2);
	for (size_t i = 0; i < p->ninst; i++) {
		char d[11];

		if (p->inst[i].state == INST_CANCELLED)
			continue;
		date_fmt(p->inst[i].due, d, sizeof(d));
		buf_printf(&b, "%d,%s,%" PRId64 ",%s;", p->inst[i].number, d,
		    p->inst[i].amount, plan_inst_names[p->inst[i].state]);
	}
	notice_fact(n, "schedule", b.len ? buf_cstr(&b) : "");
	buf_free(&b);
}

/* The plan sent for signature or changed (kind "sent" | "changed"): the
 * terms and schedule frozen now, rendered by the mailer. */
int
plan_mail(const struct plan_env *env, const struct plan *p, const char *kind)
{
	struct notice n;

	if (p->account_email[0] == '\0')
		return DB_OK;	/* nobody to tell: the portal shows it */
	notice_init(&n, NOTICE_PLAN, p->account_email, NULL, p->account_id,
	    "payment_plan", p->id);	/* in English, as it always was */
	notice_fact_i64(&n, "is_sent", strcmp(kind, "sent") == 0);
	notice_fact_i64(&n, "needs_signature", p->state == PLAN_SENT);
	notice_fact_i64(&n, "total", p->paid + p->remaining);
	notice_fact_i64(&n, "remaining", p->remaining);
	notice_fact(&n, "method", p->method_label);
	if (p->method_id && p->method_last4[0]) {	/* worded by the mail */
		notice_fact(&n, "method_brand", p->method_brand);
		notice_fact(&n, "method_last4", p->method_last4);
		notice_fact_i64(&n, "method_bank", strcmp(p->method_kind,
		    "card") != 0);
	}
	notice_schedule(&n, p);
	return notice_enqueue(env->db, env->cfg, &n, NULL) == DB_OK ? DB_OK :
	    DB_ERR;
}

/* After a change: the version, and the email when the client has seen the
 * plan. */
static int
changed(const struct plan_env *env, int64_t id, const char *action,
    const char *changes)
{
	struct plan p;
	int rc;

	if ((rc = plan_version_add(env->db, env->actor, id, action, changes,
	    NULL)) != DB_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	if ((rc = plan_load(env->db, id, &p)) != DB_OK)
		return rc;
	if (p.state != PLAN_DRAFT)
		rc = plan_mail(env, &p, "changed");
	plan_free(&p);
	return rc;
}

/* --- editing the terms ------------------------------------------------------------ */

struct edit_args {
	const struct plan_env	*env;
	int64_t			 id;
	const struct plan_edit	*ed;
	struct plan_err		*e;
	int			 number;
	int64_t			 due;
	enum plan_action	 action;
	const char		*reason;
};

static void
diff_terms(struct buf *ch, const struct plan *p, const struct plan_edit *ed)
{
	const struct plan_terms *o = &p->terms, *n = &ed->terms;
	char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], d1[11], d2[11];

	if (o->count != n->count || o->amount != n->amount) {
		money_format(o->amount, a, sizeof(a));
		money_format(n->amount, b, sizeof(b));
		buf_printf(ch, "Installments: %s -> %s.\n", o->count ? "" : a,
		    n->count ? "" : b);
		if (o->count || n->count)
			buf_printf(ch, "Number of installments: %" PRId64 " -> %" PRId64
			    ".\n", o->count, n->count);
	}
	if (o->freq != n->freq || o->day != n->day)
		buf_printf(ch, "Frequency: %s (day %d) -> %s (day %d).\n",
		    plan_freq_labels[o->freq], o->day, plan_freq_labels[n->freq], n->day);
	date_fmt(o->start, d1, sizeof(d1));
	date_fmt(n->start, d2, sizeof(d2));
	if (o->start != n->start)
		buf_printf(ch, "Start date: %s -> %s.\n", d1, d2);
	if (p->method_id != ed->method_id)
		buf_printf(ch, "Payment method: %" PRId64 " -> %" PRId64 ".\n",
		    p->method_id, ed->method_id);
	if (p->autopay != (ed->autopay != 0))
		buf_printf(ch, "Autopay: %s -> %s.\n", p->autopay ? "on" : "off",
		    ed->autopay ? "on" : "off");
}

/* Adds the invoices; *added gets what they have open. */
static int
add_invoices(struct edit_args *x, const struct plan *p, struct buf *ch,
    int64_t *added)
{
	struct plan_invoice inv[PLAN_MAX_INVOICES];
	int rc;

	*added = 0;
	if (x->ed->nadd == 0)
		return PLAN_OK;
	if (!p->by_invoices)
		return plan_fail(x->e, PLAN_INVALID, "add_invoice_ids", "This plan "
		    "is for an amount: invoices cannot be added to it.");
	if (p->ninv + x->ed->nadd > PLAN_MAX_INVOICES)
		return plan_fail(x->e, PLAN_INVALID, "add_invoice_ids", "A plan can "
		    "cover at most %d invoices.", PLAN_MAX_INVOICES);
	if ((rc = plan_invoices_check(x->env->db, p->account_id, p->client_id,
	    p->id, x->ed->add_invoice_ids, x->ed->nadd, inv, x->e)) != PLAN_OK)
		return rc;
	for (size_t i = 0; i < x->ed->nadd; i++) {
		for (size_t j = 0; j < p->ninv; j++)
			if (p->inv[j].id == inv[i].id)
				return plan_fail(x->e, PLAN_INVALID, "add_invoice_ids",
				    "Invoice %s is already in this plan.", inv[i].number);
		if ((rc = store_plan_invoice_add(x->env->db, p->id, inv[i].id,
		    p->version + 1)) != DB_OK)
			return rc;
		*added += inv[i].open;
		buf_printf(ch, "Invoice %s added.\n", inv[i].number);
	}
	return PLAN_OK;
}

/* Lays out `remaining` again with the new terms (numbers after the last). */
static int
relayout(struct edit_args *x, const struct plan *p, int64_t remaining)
{
	struct plan_slot *s = calloc(PLAN_MAX_INSTALLMENTS, sizeof(*s));
	struct plan_terms t = x->ed->terms;
	struct plan_limits l;
	int last = p->ninst ? p->inst[p->ninst - 1].number : 0;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return DB_ERR;
	t.total = remaining;
	t.down = 0;
	rc = remaining > 0 ? plan_schedule(&t, s, PLAN_MAX_INSTALLMENTS, &n) : 0;
	if (rc != PLAN_SCHED_OK)
		rc = plan_fail(x->e, PLAN_INVALID, plan_schedule_field(rc), "%s",
		    plan_schedule_strerror(rc));
	else if ((rc = plan_limits_get(x->env->db, &l)) == PLAN_OK &&
	    plan_limits_check(&l, &t, s, n, x->e->msg, sizeof(x->e->msg)) != 0 &&
	    (x->ed->override_reason == NULL || *x->ed->override_reason == '\0')) {
		str_copy(x->e->field, sizeof(x->e->field), "override_reason");
		rc = PLAN_LIMITS;
	} else if (rc == PLAN_OK &&
	    (rc = store_plan_inst_drop_scheduled(x->env->db, p->id)) == DB_OK)
		rc = plan_insert_slots(x->env->db, p->id, last + 1, s, n);
	free(s);
	return rc;
}

static int
save_terms(struct db *db, const struct plan *p, const struct plan_edit *ed)
{
	struct store_plan s;

	memset(&s, 0, sizeof(s));
	s.id = p->id;
	s.count = ed->terms.count;
	s.amount = ed->terms.amount;
	str_copy(s.freq, sizeof(s.freq), plan_freq_names[ed->terms.freq]);
	s.day = ed->terms.day;
	date_fmt(ed->terms.start, s.start, sizeof(s.start));
	s.method_id = ed->method_id;
	s.autopay = ed->autopay != 0;
	str_copy(s.override_reason, sizeof(s.override_reason),
	    ed->override_reason ? ed->override_reason : p->override_reason);
	return store_plan_terms_set(db, &s);
}

static int
method_check(struct db *db, const struct plan *p, int64_t mid, struct plan_err *e)
{
	struct sp_method m;
	int rc;

	if (mid == 0 || mid == p->method_id)
		return PLAN_OK;
	if ((rc = stripe_pay_method_get(db, mid, &m)) == SP_DB)
		return PLAN_DB;
	if (rc != SP_OK || m.account_id != p->account_id ||
	    strcmp(m.status, "active") != 0)
		return plan_fail(e, PLAN_NOT_FOUND, "payment_method_id", "No such "
		    "saved payment method on this account.");
	return PLAN_OK;
}

static int
edit_tx(struct db *db, void *arg)
{
	struct edit_args *x = arg;
	struct plan p;
	struct buf ch;
	int64_t added = 0, remaining = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	buf_init(&ch, 64 * 1024);
	if ((rc = plan_lock(db, x->id, &p)) != DB_OK ||
	    (rc = editable(&p, x->e)) != PLAN_OK ||
	    (rc = method_check(db, &p, x->ed->method_id, x->e)) != PLAN_OK ||
	    (rc = add_invoices(x, &p, &ch, &added)) != PLAN_OK)
		goto out;
	for (size_t i = 0; i < p.ninst; i++)
		if (p.inst[i].state == INST_SCHEDULED && p.inst[i].number > 0)
			remaining += p.inst[i].amount;
	diff_terms(&ch, &p, x->ed);
	if ((rc = relayout(x, &p, remaining + added)) != PLAN_OK ||
	    (rc = save_terms(db, &p, x->ed)) != DB_OK)
		goto out;
	if (ch.len == 0)
		buf_puts(&ch, "Schedule laid out again with the same terms.\n");
	if (x->ed->override_reason && *x->ed->override_reason)
		buf_printf(&ch, "Practice limits overridden: %s\n", x->ed->override_reason);
	/* an autopay plan's new amounts/dates need the client's new consent */
	if ((p.autopay || x->ed->autopay) && (p.state == PLAN_ACTIVE ||
	    p.state == PLAN_PAST_DUE)) {
		if ((rc = plan_set_state(db, p.id, PLAN_SENT)) == DB_OK)
			rc = plan_consents_revoke(db, p.id);
		buf_puts(&ch, "Autopay schedule changed: awaiting the client's new "
		    "signature.\n");
	}
	if (rc == DB_OK)
		rc = changed(x->env, p.id, "plan.edit", buf_cstr(&ch));
out:
	plan_free(&p);
	buf_free(&ch);
	return rc;
}

int
plan_edit_terms(const struct plan_env *env, int64_t id, const struct plan_edit *ed,
    struct plan_err *e)
{
	struct edit_args x = { env, id, ed, e, 0, 0, 0, NULL };
	int rc;

	if ((rc = plan_sync(env->db, env->actor, id)) != PLAN_OK)
		return rc;
	if (ed->terms.start < date_today())
		return plan_fail(e, PLAN_INVALID, "start_date", "The start date "
		    "cannot be in the past.");
	if (ed->autopay && !ed->method_id)
		return plan_fail(e, PLAN_INVALID, "autopay", "Autopay needs a saved "
		    "payment method.");
	return plan_rc_of(db_tx(env->db, edit_tx, &x));
}

/* --- one installment ------------------------------------------------------------ */

static struct plan_installment *
find_inst(struct plan *p, int number)
{
	for (size_t i = 0; i < p->ninst; i++)
		if (p->inst[i].number == number)
			return &p->inst[i];
	return NULL;
}

static int
one_inst(struct plan *p, int number, struct plan_installment **t,
    struct plan_err *e)
{
	if (number == 0)
		return plan_fail(e, PLAN_STATE, "number", "The down payment cannot be "
		    "skipped or moved: edit the plan instead.");
	if ((*t = find_inst(p, number)) == NULL)
		return plan_fail(e, PLAN_NOT_FOUND, "number", "This plan has no "
		    "installment %d.", number);
	if ((*t)->state != INST_SCHEDULED)
		return plan_fail(e, PLAN_STATE, "number", "Installment %d is %s: "
		    "only a scheduled installment can be changed.", number,
		    plan_inst_names[(*t)->state]);
	return PLAN_OK;
}

/* Locks the plan into p (the caller frees it whatever the outcome) and
 * finds its scheduled installment x->number. */
static int
lock_one_inst(struct db *db, const struct edit_args *x, struct plan *p,
    struct plan_installment **t)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = plan_lock(db, x->id, p)) != DB_OK ||
	    (rc = editable(p, x->e)) != PLAN_OK)
		return rc;
	return one_inst(p, x->number, t, x->e);
}

static int
skip_tx(struct db *db, void *arg)
{
	struct edit_args *x = arg;
	struct plan_installment *t;
	struct plan_slot s;
	struct plan p;
	char m[MONEY_FMT_MAX], d[11], ch[300];
	int rc;

	if ((rc = lock_one_inst(db, x, &p, &t)) != PLAN_OK)
		goto out;
	s.amount = t->amount;
	s.due = plan_next_due(p.terms.freq, p.terms.day, p.inst[p.ninst - 1].due, 0);
	if ((rc = store_plan_inst_status_set(db, t->id, "skipped")) != DB_OK ||
	    (rc = plan_insert_slots(db, p.id, p.inst[p.ninst - 1].number + 1,
	    &s, 1)) != DB_OK)
		goto out;
	money_format(s.amount, m, sizeof(m));
	date_fmt(s.due, d, sizeof(d));
	str_fmt(ch, sizeof(ch), "Installment %d skipped; its %s moved to a new "
	    "installment on %s.\n", x->number, m, d);
	rc = changed(x->env, p.id, "plan.skip", ch);
out:
	plan_free(&p);
	return rc;
}

int
plan_skip(const struct plan_env *env, int64_t id, int number, struct plan_err *e)
{
	struct edit_args x = { env, id, NULL, e, number, 0, 0, NULL };

	return plan_rc_of(db_tx(env->db, skip_tx, &x));
}

static int
move_tx(struct db *db, void *arg)
{
	struct edit_args *x = arg;
	struct plan_installment *t;
	struct plan p;
	char d1[11], d2[11], ch[200];
	int rc;

	if ((rc = lock_one_inst(db, x, &p, &t)) != PLAN_OK)
		goto out;
	date_fmt(t->due, d1, sizeof(d1));
	date_fmt(x->due, d2, sizeof(d2));
	if ((rc = store_plan_inst_due_set(db, t->id, d2)) != DB_OK)
		goto out;
	str_fmt(ch, sizeof(ch), "Installment %d moved from %s to %s.\n", x->number,
	    d1, d2);
	if (p.autopay && p.state == PLAN_ACTIVE) {
		if ((rc = plan_set_state(db, p.id, PLAN_SENT)) == DB_OK)
			rc = plan_consents_revoke(db, p.id);
		str_fmt(ch + strlen(ch), sizeof(ch) - strlen(ch), "Awaiting the "
		    "client's new signature.\n");
	}
	if (rc == DB_OK)
		rc = changed(x->env, p.id, "plan.move", ch);
out:
	plan_free(&p);
	return rc;
}

int
plan_move(const struct plan_env *env, int64_t id, int number, int64_t due,
    struct plan_err *e)
{
	struct edit_args x = { env, id, NULL, e, number, due, 0, NULL };

	if (due < date_today())
		return plan_fail(e, PLAN_INVALID, "due_date", "The new date cannot "
		    "be in the past.");
	return plan_rc_of(db_tx(env->db, move_tx, &x));
}

/* --- pause, resume, cancel ----------------------------------------------------- */

static int
act_to(const struct plan *p, enum plan_action a, enum plan_state *to,
    struct plan_err *e)
{
	switch (a) {
	case PLAN_PAUSE:
		if (p->state != PLAN_ACTIVE && p->state != PLAN_PAST_DUE &&
		    p->state != PLAN_SENT)
			break;
		*to = PLAN_PAUSED;
		return PLAN_OK;
	case PLAN_RESUME:
		if (p->state != PLAN_PAUSED)
			break;
		*to = p->accepted_at ? PLAN_ACTIVE : p->sent_at ? PLAN_SENT : PLAN_DRAFT;
		return PLAN_OK;
	default:
		if (p->state == PLAN_COMPLETED || p->state == PLAN_CANCELLED)
			break;
		*to = PLAN_CANCELLED;
		return PLAN_OK;
	}
	return plan_fail(e, PLAN_STATE, "status", "A plan that is %s cannot be "
	    "%s.", plan_state_labels[p->state], a == PLAN_PAUSE ? "paused" :
	    a == PLAN_RESUME ? "resumed" : "cancelled");
}

static int
act_tx(struct db *db, void *arg)
{
	struct edit_args *x = arg;
	enum plan_state to = PLAN_CANCELLED;
	struct plan p;
	char ch[700];
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_lock(db, x->id, &p)) != DB_OK ||
	    (rc = act_to(&p, x->action, &to, x->e)) != PLAN_OK)
		goto out;
	if ((rc = plan_set_state(db, p.id, to)) != DB_OK)
		goto out;
	if (to == PLAN_CANCELLED) {
		rc = store_plan_inst_cancel_scheduled(db, p.id);
		if (rc == DB_OK)
			rc = plan_consents_revoke(db, p.id);
	}
	str_fmt(ch, sizeof(ch), "%s -> %s.%s%s\n", plan_state_labels[p.state],
	    plan_state_labels[to], x->reason && *x->reason ? " Reason: " : "",
	    x->reason ? x->reason : "");
	if (rc == DB_OK)
		rc = changed(x->env, p.id, x->action == PLAN_PAUSE ? "plan.pause" :
		    x->action == PLAN_RESUME ? "plan.resume" : "plan.cancel", ch);
out:
	plan_free(&p);
	return rc;
}

int
plan_act(const struct plan_env *env, int64_t id, enum plan_action a,
    const char *reason, struct plan_err *e)
{
	struct edit_args x = { env, id, NULL, e, 0, 0, a, reason };

	if ((int)a < 0 || a >= PLAN_ACTION__MAX)
		return plan_fail(e, PLAN_INVALID, "action", "Unknown action.");
	if (reason && strlen(reason) > 500)
		return plan_fail(e, PLAN_INVALID, "reason", "The reason is too long "
		    "(500 characters at most).");
	return plan_rc_of(db_tx(env->db, act_tx, &x));
}
