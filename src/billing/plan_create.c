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
#include "str.h"
#include "stripe_pay.h"

#define OPEN_EXPR "((SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	" WHERE e.invoice_id = i.id) - (SELECT COALESCE(SUM(x.amount), 0)" \
	" FROM allocations x WHERE x.invoice_id = i.id))"

static int
invoice_check(struct db *db, int64_t account_id, int64_t client_id,
    int64_t plan_id, int64_t id, struct plan_invoice *out, struct plan_err *e)
{
	struct db_param q[] = { DB_I64(plan_id), DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT i.account_id, COALESCE(i.client_id, 0),"
	    " i.status, COALESCE(i.number, ''), " OPEN_EXPR ", (SELECT MIN(p.id)"
	    " FROM payment_plan_invoices pi JOIN payment_plans p ON p.id ="
	    " pi.plan_id WHERE pi.invoice_id = i.id AND p.id <> ? AND p.status NOT"
	    " IN ('completed', 'cancelled')) FROM invoices i WHERE i.id = ?",
	    q, 2, &r);

	if (rc != DB_OK) {
		db_result_free(&r);
		return PLAN_DB;
	}
	if (r.nrows != 1 || db_i64(&r, 0, 0) != account_id ||
	    (client_id && db_i64(&r, 0, 1) != client_id))
		rc = plan_fail(e, PLAN_NOT_FOUND, "invoice_ids", "Invoice %" PRId64
		    " is not one of this %s's invoices.", id, client_id ? "client" :
		    "account");
	else if (strcmp(db_str(&r, 0, 2), "issued") != 0 || db_i64(&r, 0, 4) <= 0)
		rc = plan_fail(e, PLAN_INVALID, "invoice_ids", "Invoice %s has "
		    "nothing open: choose open invoices.", *db_str(&r, 0, 3) ?
		    db_str(&r, 0, 3) : "(draft)");
	else if (!db_isnull(&r, 0, 5))
		rc = plan_fail(e, PLAN_INVALID, "invoice_ids", "Invoice %s is "
		    "already in payment plan #%s.", db_str(&r, 0, 3), db_str(&r, 0, 5));
	else {
		out->id = id;
		str_copy(out->number, sizeof(out->number), db_str(&r, 0, 3));
		out->open = db_i64(&r, 0, 4);
	}
	db_result_free(&r);
	return rc;
}

int
plan_of_invoice(struct db *db, int64_t invoice_id, int64_t *plan_id)
{
	struct db_param q[] = { DB_I64(invoice_id) };

	return db_query_i64(db, "SELECT COALESCE(MIN(p.id), 0) FROM"
	    " payment_plan_invoices pi JOIN payment_plans p ON p.id = pi.plan_id"
	    " WHERE pi.invoice_id = ? AND p.status NOT IN ('completed',"
	    " 'cancelled')", q, 1, plan_id) == DB_OK ? PLAN_OK : PLAN_DB;
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
	char start[11];
	int64_t now = clock_now();
	uint64_t id = 0;
	struct db_param p[] = { DB_I64(q->account_id),
	    q->client_id ? DB_I64(q->client_id) : DB_NULL,
	    DB_STR(q->ninv ? "invoices" : "amount"), DB_I64(x->t->total),
	    DB_I64(x->t->down), DB_I64(x->t->count), DB_I64(x->t->amount),
	    DB_STR(plan_freq_names[x->t->freq]), DB_I64(x->t->day), DB_STR(start),
	    q->method_id ? DB_I64(q->method_id) : DB_NULL, DB_I64(q->autopay != 0),
	    DB_STR(q->override_reason ? q->override_reason : ""),
	    strcmp(x->a->kind, "staff") == 0 && x->a->id ? DB_I64(x->a->id) : DB_NULL,
	    DB_I64(now), DB_I64(now) };
	int rc;

	date_fmt(x->t->start, start, sizeof(start));
	rc = db_exec(db, "INSERT INTO payment_plans (account_id, client_id, basis,"
	    " total, down_payment, installments, installment_amount, frequency,"
	    " day_of_month, start_date, payment_method_id, autopay, override_reason,"
	    " created_by, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", p, ARRAY_LEN(p), NULL, &id);
	x->id = (int64_t)id;
	return rc;
}

/* The down payment is installment 0: due today, or paid by the payment
 * recorded for it. */
static int
insert_down(struct db *db, const struct create_args *x)
{
	char today[11];
	struct db_param p[] = { DB_I64(x->id), DB_STR(today), DB_I64(x->t->down),
	    DB_STR(x->down_payment_id ? "paid" : "scheduled"),
	    x->down_payment_id ? DB_I64(x->down_payment_id) : DB_NULL,
	    x->down_payment_id ? DB_I64(clock_now()) : DB_NULL };

	date_fmt(date_today(), today, sizeof(today));
	return db_exec(db, "INSERT INTO payment_plan_installments (plan_id, number,"
	    " due_date, amount, status, payment_id, paid_at) VALUES (?, 0, ?, ?, ?,"
	    " ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
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
	for (size_t i = 0; rc == DB_OK && i < x->q->ninv; i++) {
		struct db_param p[] = { DB_I64(x->id), DB_I64(x->q->invoice_ids[i]) };

		rc = db_exec(db, "INSERT INTO payment_plan_invoices (plan_id,"
		    " invoice_id, added_in_version) VALUES (?, ?, 1)", p, 2, NULL, NULL);
	}
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
