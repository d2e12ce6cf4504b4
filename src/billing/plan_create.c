/* Payment plans: checking the terms, the preview and creating a plan. */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "payment.h"
#include "plan_int.h"
#include "profiles.h"
#include "store_plan.h"
#include "str.h"
#include "stripe_pay.h"

static int
invoice_check(struct db *db, int64_t account_id, int64_t client_id,
    int64_t plan_id, int64_t id, struct plan_invoice *out, struct plan_err *e)
{
	struct store_plan_inv_check c;
	int rc = store_plan_inv_check(db, plan_id, id, &c);

	if (rc < 0)
		return PLAN_DB;
	if (rc == 0 || c.account_id != account_id ||
	    (client_id && c.client_id != client_id))
		return plan_fail(e, PLAN_NOT_FOUND, "invoice_ids", "Invoice %" PRId64
		    " is not one of this %s's invoices.", id, client_id ? "client" :
		    "account");
	if (strcmp(c.status, "issued") != 0 || c.open <= 0)
		return plan_fail(e, PLAN_INVALID, "invoice_ids", "Invoice %s has "
		    "nothing open: choose open invoices.", *c.number ? c.number :
		    "(draft)");
	if (c.other_plan != 0)
		return plan_fail(e, PLAN_INVALID, "invoice_ids", "Invoice %s is "
		    "already in payment plan #%" PRId64 ".", c.number, c.other_plan);
	out->id = id;
	str_copy(out->number, sizeof(out->number), c.number);
	out->open = c.open;
	return PLAN_OK;
}

int
plan_of_invoice(struct db *db, int64_t invoice_id, int64_t *plan_id)
{
	return store_plan_of_invoice(db, invoice_id, plan_id) == DB_OK ? PLAN_OK :
	    PLAN_DB;
}

int
plan_invoices_check(struct db *db, int64_t account_id, int64_t client_id,
    int64_t plan_id, const int64_t *ids, size_t n, struct plan_invoice *inv,
    struct plan_err *e)
{
	int rc;

	if (n > PLAN_MAX_INVOICES)
		return plan_fail(e, PLAN_INVALID, "invoice_ids", "A plan can cover "
		    "at most %d invoices.", PLAN_MAX_INVOICES);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i])
				return plan_fail(e, PLAN_INVALID, "invoice_ids",
				    "Invoice %" PRId64 " was chosen twice.", ids[i]);
		if ((rc = invoice_check(db, account_id, client_id, plan_id, ids[i],
		    &inv[i], e)) != PLAN_OK)
			return rc;
	}
	return PLAN_OK;
}

/* The account (and client) exist and belong together; the method is the
 * account's and active. */
static int
check_parties(struct db *db, const struct plan_req *q, struct plan_err *e)
{
	struct account a;
	struct client c;
	struct sp_method m;
	int rc;

	if ((rc = account_get(db, q->account_id, &a)) != PROF_OK)
		return rc == PROF_NOT_FOUND ? plan_fail(e, PLAN_NOT_FOUND,
		    "account_id", "No such account.") : PLAN_DB;
	if (q->client_id) {
		rc = client_get(db, q->client_id, &c);
		if (rc != PROF_OK && rc != PROF_NOT_FOUND)
			return PLAN_DB;
		if (rc != PROF_OK || c.account_id != q->account_id)
			return plan_fail(e, PLAN_NOT_FOUND, "client_id",
			    "No such client on this account.");
	}
	if (q->method_id) {
		rc = stripe_pay_method_get(db, q->method_id, &m);
		if (rc == SP_DB)
			return PLAN_DB;
		if (rc != SP_OK || m.account_id != q->account_id ||
		    strcmp(m.status, "active") != 0)
			return plan_fail(e, PLAN_NOT_FOUND, "payment_method_id",
			    "No such saved payment method on this account.");
	}
	if (q->autopay && !q->method_id)
		return plan_fail(e, PLAN_INVALID, "autopay", "Autopay needs a saved "
		    "payment method.");
	return PLAN_OK;
}

/* terms->total from the invoices or the amount. */
static int
resolve_total(struct db *db, const struct plan_req *q, struct plan_terms *t,
    struct plan_err *e)
{
	struct plan_invoice inv[PLAN_MAX_INVOICES];
	struct plan p;
	int64_t open = 0;
	int rc;

	if ((q->ninv > 0) == (q->amount > 0))
		return plan_fail(e, PLAN_INVALID, q->amount < 0 ? "amount_cents" :
		    "invoice_ids", q->amount < 0 ? "The amount must be more than "
		    "$0.00." : "Choose open invoices or give an amount (one of them).");
	if (q->ninv > 0) {
		if ((rc = plan_invoices_check(db, q->account_id, q->client_id, 0,
		    q->invoice_ids, q->ninv, inv, e)) != PLAN_OK)
			return rc;
		t->total = 0;
		for (size_t i = 0; i < q->ninv; i++)
			t->total += inv[i].open;
		return PLAN_OK;
	}
	memset(&p, 0, sizeof(p));
	p.account_id = q->account_id;
	p.client_id = q->client_id;
	if (plan_open_now(db, &p, &open) != DB_OK)
		return PLAN_DB;
	if (q->amount > open) {
		char m[MONEY_FMT_MAX];

		money_format(open, m, sizeof(m));
		return plan_fail(e, PLAN_INVALID, "amount_cents", "The amount is "
		    "more than what is open (%s): a plan never asks for more.", m);
	}
	t->total = q->amount;
	return PLAN_OK;
}

int
plan_preview(struct db *db, const struct plan_req *q, struct plan_terms *t,
    struct plan_slot *out, size_t max, size_t *n, struct plan_err *e)
{
	struct plan_limits l;
	int rc;

	*n = 0;
	*t = q->terms;
	if ((rc = check_parties(db, q, e)) != PLAN_OK ||
	    (rc = resolve_total(db, q, t, e)) != PLAN_OK)
		return rc;
	if ((rc = plan_schedule(t, out, max, n)) != PLAN_SCHED_OK)
		return plan_fail(e, PLAN_INVALID, plan_schedule_field(rc), "%s",
		    plan_schedule_strerror(rc));
	if (q->down_received && (q->terms.down <= 0 || q->down_method == NULL ||
	    (strcmp(q->down_method, "cash") != 0 && strcmp(q->down_method, "check")
	    != 0 && strcmp(q->down_method, "other") != 0)))
		return plan_fail(e, PLAN_INVALID, "down_payment_method", "A down "
		    "payment received needs an amount and how it was paid (cash, "
		    "check or other).");
	if ((rc = plan_limits_get(db, &l)) != PLAN_OK)
		return rc;
	if (plan_limits_check(&l, t, out, *n, e->msg, sizeof(e->msg)) != 0 &&
	    (q->override_reason == NULL || *q->override_reason == '\0')) {
		size_t len = strlen(e->msg);

		str_copy(e->field, sizeof(e->field), "override_reason");
		str_fmt(e->msg + len, sizeof(e->msg) - len, " To go ahead anyway, "
		    "give a reason for the override.");
		return PLAN_LIMITS;
	}
	e->msg[0] = '\0';
	return PLAN_OK;
}

/* --- creating ------------------------------------------------------------------ */

struct create_args {
	const struct actor	*a;
	const struct plan_req	*q;
	const struct plan_terms	*t;
	const struct plan_slot	*s;
	size_t			 n;
	int64_t			 down_payment_id;	/* recorded down payment, 0 = none */
	int64_t			 id;
};

static int
insert_plan(struct db *db, struct create_args *x)
{
	const struct plan_req *q = x->q;
	struct store_plan p;

	memset(&p, 0, sizeof(p));
	p.account_id = q->account_id;
	p.client_id = q->client_id;
	str_copy(p.basis, sizeof(p.basis), q->ninv ? "invoices" : "amount");
	p.total = x->t->total;
	p.down = x->t->down;
	p.count = x->t->count;
	p.amount = x->t->amount;
	str_copy(p.freq, sizeof(p.freq), plan_freq_names[x->t->freq]);
	p.day = x->t->day;
	date_fmt(x->t->start, p.start, sizeof(p.start));
	p.method_id = q->method_id;
	p.autopay = q->autopay != 0;
	str_copy(p.override_reason, sizeof(p.override_reason),
	    q->override_reason ? q->override_reason : "");
	return store_plan_insert(db, &p, strcmp(x->a->kind, "staff") == 0 ?
	    x->a->id : 0, clock_now(), &x->id);
}

/* The down payment is installment 0: due today, or paid by the payment
 * recorded for it. */
static int
insert_down(struct db *db, const struct create_args *x)
{
	struct store_plan_inst t;

	memset(&t, 0, sizeof(t));
	date_fmt(date_today(), t.due, sizeof(t.due));
	t.amount = x->t->down;
	str_copy(t.status, sizeof(t.status), x->down_payment_id ? "paid" :
	    "scheduled");
	t.payment_id = x->down_payment_id;
	t.paid_at = x->down_payment_id ? clock_now() : 0;
	return store_plan_inst_insert(db, x->id, &t);
}

static int
create_tx(struct db *db, void *arg)
{
	struct create_args *x = arg;
	struct buf ch;
	char m[MONEY_FMT_MAX], d[11];
	int rc;

	if ((rc = insert_plan(db, x)) != DB_OK)
		return rc;
	for (size_t i = 0; rc == DB_OK && i < x->q->ninv; i++)
		rc = store_plan_invoice_add(db, x->id, x->q->invoice_ids[i], 1);
	if (rc == DB_OK && x->t->down > 0)
		rc = insert_down(db, x);
	if (rc == DB_OK)
		rc = plan_insert_slots(db, x->id, 1, x->s, x->n);
	if (rc != DB_OK)
		return rc;
	buf_init(&ch, 4096);
	money_format(x->t->total, m, sizeof(m));
	date_fmt(x->n ? x->s[0].due : x->t->start, d, sizeof(d));
	buf_printf(&ch, "Created: %s in %zu installment(s), %s, from %s.\n", m,
	    x->n, plan_freq_labels[x->t->freq], d);
	if (x->t->down > 0) {
		money_format(x->t->down, m, sizeof(m));
		buf_printf(&ch, "Down payment %s%s.\n", m, x->down_payment_id ?
		    " received" : " due now");
	}
	if (x->q->override_reason && *x->q->override_reason)
		buf_printf(&ch, "Practice limits overridden: %s\n",
		    x->q->override_reason);
	rc = plan_version_add(db, x->a, x->id, "plan.create", buf_cstr(&ch), NULL);
	buf_free(&ch);
	return rc;
}

/* A down payment received: recorded as a payment on the plan's invoices
 * (oldest due first; amount plans: the account's oldest). */
static int
record_down(struct db *db, const struct actor *a, const struct plan_req *q,
    int64_t down, int64_t *payment_id, struct plan_err *e)
{
	struct alloc_req al[PLAN_MAX_INVOICES];
	struct plan_invoice inv[PLAN_MAX_INVOICES];
	struct payment p;
	int64_t left = down;
	size_t n = 0;
	int rc;

	if (q->ninv > 0 && plan_invoices_check(db, q->account_id, q->client_id, 0,
	    q->invoice_ids, q->ninv, inv, e) != PLAN_OK)
		return PLAN_INVALID;
	for (size_t i = 0; i < q->ninv && left > 0; i++) {
		al[n].invoice_id = inv[i].id;
		al[n].amount = inv[i].open < left ? inv[i].open : left;
		left -= al[n++].amount;
	}
	memset(&p, 0, sizeof(p));
	p.account_id = q->account_id;
	p.client_id = q->client_id;
	str_copy(p.method, sizeof(p.method), q->down_method);
	p.amount = down;
	date_fmt(date_today(), p.received_date, sizeof(p.received_date));
	str_copy(p.memo, sizeof(p.memo), "Payment plan down payment");
	rc = payment_record(db, a, &p, q->ninv == 0, al, n, e->msg, sizeof(e->msg));
	if (rc == PAY_DB)
		return PLAN_DB;
	if (rc != PAY_OK)
		return plan_fail(e, PLAN_INVALID, "down_payment_cents", "%s",
		    e->msg[0] ? e->msg : "The down payment could not be recorded.");
	*payment_id = p.id;
	return PLAN_OK;
}

int
plan_create(struct db *db, const struct actor *a, const struct plan_req *q,
    int64_t *id, struct plan_err *e)
{
	struct plan_slot *s = calloc(PLAN_MAX_INSTALLMENTS, sizeof(*s));
	struct create_args x;
	struct plan_terms t;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return PLAN_DB;
	memset(&x, 0, sizeof(x));
	rc = plan_preview(db, q, &t, s, PLAN_MAX_INSTALLMENTS, &n, e);
	if (rc == PLAN_OK && q->down_received && t.down > 0)
		rc = record_down(db, a, q, t.down, &x.down_payment_id, e);
	if (rc == PLAN_OK) {
		x.a = a;
		x.q = q;
		x.t = &t;
		x.s = s;
		x.n = n;
		rc = plan_rc_of(db_tx(db, create_tx, &x));
		*id = x.id;
	}
	free(s);
	return rc;
}
