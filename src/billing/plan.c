/* Payment plans: loading, versions, keeping the schedule within what is
 * open (plan_sync), practice limits. Rules in plan.h. */
#include "common.h"

#include <stdarg.h>

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "plan_int.h"
#include "str.h"

const char *const plan_state_names[PLAN__MAX] = {
	"draft", "sent", "active", "paused", "past_due", "completed", "cancelled",
};
const char *const plan_state_labels[PLAN__MAX] = {
	"Draft", "Awaiting signature", "Active", "Paused", "Past due",
	"Completed", "Cancelled",
};
const char *const plan_inst_names[INST__MAX] = {
	"scheduled", "processing", "paid", "skipped", "cancelled",
};
const char *const plan_inst_labels[INST__MAX] = {
	"Scheduled", "Processing", "Paid", "Skipped", "Cancelled",
};

static int
name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

void
plan_free(struct plan *p)
{
	free(p->inst);
	p->inst = NULL;
	p->ninst = 0;
}

int
plan_rc_of(int rc)
{
	return rc > 0 ? rc : rc == DB_OK ? PLAN_OK : PLAN_DB;
}

int
plan_fail(struct plan_err *e, int rc, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (e != NULL) {
		str_copy(e->field, sizeof(e->field), field);
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* --- loading ---------------------------------------------------------------- */

#define PLAN_COLS "p.id, p.account_id, COALESCE(p.client_id, 0), p.status, p.basis," \
	" p.total, p.down_payment, p.installments, p.installment_amount, p.frequency," \
	" p.day_of_month, p.start_date, COALESCE(p.payment_method_id, 0), p.autopay," \
	" p.version, p.override_reason, COALESCE(p.sent_at, 0), COALESCE(p.accepted_at, 0)," \
	" p.created_at, p.updated_at, a.name, COALESCE(a.email, '')," \
	" COALESCE(CONCAT(c.first_name, ' ', c.last_name), '')," \
	" COALESCE(m.kind, ''), COALESCE(m.brand, ''), COALESCE(m.last4, '')"
#define PLAN_FROM " FROM payment_plans p JOIN accounts a ON a.id = p.account_id" \
	" LEFT JOIN clients c ON c.id = p.client_id" \
	" LEFT JOIN payment_methods m ON m.id = p.payment_method_id"

static void
plan_from_row(const struct db_result *r, size_t i, struct plan *p)
{
	enum plan_freq f = PLAN_FREQ_MONTHLY;
	const char *brand = db_str(r, i, 24);

	memset(p, 0, sizeof(*p));
	p->id = db_i64(r, i, 0);
	p->account_id = db_i64(r, i, 1);
	p->client_id = db_i64(r, i, 2);
	p->state = (enum plan_state)name_index(plan_state_names, PLAN__MAX,
	    db_str(r, i, 3));
	p->by_invoices = strcmp(db_str(r, i, 4), "invoices") == 0;
	p->total = db_i64(r, i, 5);
	p->terms.total = p->total;
	p->terms.down = db_i64(r, i, 6);
	p->terms.count = db_i64(r, i, 7);
	p->terms.amount = db_i64(r, i, 8);
	(void)plan_freq_parse(db_str(r, i, 9), &f);
	p->terms.freq = f;
	p->terms.day = (int)db_i64(r, i, 10);
	(void)date_parse(db_str(r, i, 11), &p->terms.start);
	p->method_id = db_i64(r, i, 12);
	p->autopay = db_i64(r, i, 13) != 0;
	p->version = (int)db_i64(r, i, 14);
	str_copy(p->override_reason, sizeof(p->override_reason), db_str(r, i, 15));
	p->sent_at = db_i64(r, i, 16);
	p->accepted_at = db_i64(r, i, 17);
	p->created_at = db_i64(r, i, 18);
	p->updated_at = db_i64(r, i, 19);
	str_copy(p->account_name, sizeof(p->account_name), db_str(r, i, 20));
	str_copy(p->account_email, sizeof(p->account_email), db_str(r, i, 21));
	str_copy(p->client_name, sizeof(p->client_name), db_str(r, i, 22));
	if (p->method_id) {
		str_copy(p->method_kind, sizeof(p->method_kind), db_str(r, i, 23));
		str_copy(p->method_brand, sizeof(p->method_brand), brand);
		str_copy(p->method_last4, sizeof(p->method_last4), db_str(r, i, 25));
	}
	if (p->method_id)
		str_fmt(p->method_label, sizeof(p->method_label), "%s%s ending %s",
		    strcmp(db_str(r, i, 23), "card") == 0 ? "" : "Bank account ",
		    *brand ? brand : "card", db_str(r, i, 25));
	if (p->method_id && strcmp(db_str(r, i, 23), "card") == 0 &&
	    brand[0] >= 'a' && brand[0] <= 'z')
		p->method_label[0] = (char)(brand[0] - 'a' + 'A');
}

#define OPEN_EXPR "((SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	" WHERE e.invoice_id = i.id) - (SELECT COALESCE(SUM(x.amount), 0)" \
	" FROM allocations x WHERE x.invoice_id = i.id))"

static int
load_invoices(struct db *db, struct plan *p)
{
	struct db_param q[] = { DB_I64(p->id) };
	struct db_result r;
	int rc = db_query(db, "SELECT i.id, COALESCE(i.number, ''), IF(i.status ="
	    " 'issued', " OPEN_EXPR ", 0) FROM payment_plan_invoices pi JOIN"
	    " invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = ?"
	    " ORDER BY i.due_date, i.id", q, 1, &r);

	for (size_t i = 0; rc == DB_OK && i < r.nrows && i < PLAN_MAX_INVOICES; i++) {
		p->inv[i].id = db_i64(&r, i, 0);
		str_copy(p->inv[i].number, sizeof(p->inv[i].number), db_str(&r, i, 1));
		p->inv[i].open = db_i64(&r, i, 2);
		p->ninv = i + 1;
	}
	db_result_free(&r);
	return rc;
}

static void
derive(struct plan *p)
{
	p->paid = p->remaining = p->next_due = p->next_amount = 0;
	p->next_number = -1;
	for (size_t i = 0; i < p->ninst; i++) {
		const struct plan_installment *t = &p->inst[i];

		if (t->state == INST_PAID)
			p->paid += t->amount;
		if (t->state != INST_SCHEDULED && t->state != INST_PROCESSING)
			continue;
		p->remaining += t->amount;
		if (t->state == INST_SCHEDULED && p->next_number < 0) {
			p->next_number = t->number;
			p->next_due = t->due;
			p->next_amount = t->amount;
		}
	}
}

static int
load_installments(struct db *db, struct plan *p)
{
	struct db_param q[] = { DB_I64(p->id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id, number, due_date, amount, status,"
	    " COALESCE(payment_id, 0), COALESCE(paid_at, 0) FROM"
	    " payment_plan_installments WHERE plan_id = ? ORDER BY number", q, 1, &r);

	if (rc == DB_OK && r.nrows > 0 &&
	    (p->inst = calloc(r.nrows, sizeof(*p->inst))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct plan_installment *t = &p->inst[i];

		t->id = db_i64(&r, i, 0);
		t->number = (int)db_i64(&r, i, 1);
		(void)date_parse(db_str(&r, i, 2), &t->due);
		t->amount = db_i64(&r, i, 3);
		t->state = (enum plan_inst_state)name_index(plan_inst_names,
		    INST__MAX, db_str(&r, i, 4));
		t->payment_id = db_i64(&r, i, 5);
		t->paid_at = db_i64(&r, i, 6);
		p->ninst = i + 1;
	}
	db_result_free(&r);
	if (rc == DB_OK)
		derive(p);
	return rc;
}

static int
load_where(struct db *db, const char *sql, int64_t id, struct plan *p)
{
	struct db_param q[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, sql, q, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		plan_from_row(&r, 0, p);
	if (rc == DB_OK && r.nrows != 1)
		rc = PLAN_NOT_FOUND;
	db_result_free(&r);
	if (rc == DB_OK && (rc = load_invoices(db, p)) == DB_OK)
		rc = load_installments(db, p);
	if (rc != DB_OK)
		plan_free(p);
	return rc;
}

int
plan_load(struct db *db, int64_t id, struct plan *p)
{
	return load_where(db, "SELECT " PLAN_COLS PLAN_FROM " WHERE p.id = ?", id, p);
}

int
plan_lock(struct db *db, int64_t id, struct plan *p)
{
	struct db_param q[] = { DB_I64(id) };
	int64_t one;
	int rc = db_query_i64(db, "SELECT id FROM payment_plans WHERE id = ?"
	    " FOR UPDATE", q, 1, &one);

	if (rc != DB_OK)
		return rc;
	return one == id ? plan_load(db, id, p) : PLAN_NOT_FOUND;
}

int
plan_get(struct db *db, int64_t id, int64_t account_id, struct plan *p)
{
	struct actor sys = { "system", 0, "" };
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = plan_sync(db, &sys, id)) != PLAN_OK)
		return rc;
	if ((rc = plan_rc_of(plan_load(db, id, p))) != PLAN_OK)
		return rc;
	if (account_id != 0 && p->account_id != account_id) {
		plan_free(p);
		return PLAN_NOT_FOUND;
	}
	return PLAN_OK;
}

int
plan_list(struct db *db, int64_t account_id, int64_t client_id, int portal_only,
    struct plan **out, size_t *n)
{
	struct db_param q[] = { DB_I64(account_id), DB_I64(client_id),
	    DB_I64(client_id), DB_I64(portal_only) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT id FROM payment_plans WHERE account_id = ? AND"
	    " (? = 0 OR client_id = ?) AND (? = 0 OR status NOT IN ('draft'))"
	    " ORDER BY id DESC LIMIT 100", q, 4, &r);
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		rc = plan_get(db, db_i64(&r, i, 0), account_id, &(*out)[*n]);
		if (rc == PLAN_OK)
			(*n)++;
	}
	db_result_free(&r);
	if (rc != DB_OK) {
		for (size_t i = 0; i < *n; i++)
			plan_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
		return PLAN_DB;
	}
	return PLAN_OK;
}

/* --- what is open ------------------------------------------------------------ */

int
plan_open_now(struct db *db, const struct plan *p, int64_t *open)
{
	struct db_param a[] = { DB_I64(p->id) };
	struct db_param b[] = { DB_I64(p->account_id), DB_I64(p->client_id),
	    DB_I64(p->client_id) };

	if (p->by_invoices)
		return db_query_i64(db, "SELECT COALESCE(SUM(GREATEST(o, 0)), 0) FROM"
		    " (SELECT " OPEN_EXPR " AS o FROM payment_plan_invoices pi JOIN"
		    " invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = ? AND"
		    " i.status = 'issued') t", a, 1, open);
	return db_query_i64(db, "SELECT COALESCE(SUM(GREATEST(o, 0)), 0) FROM"
	    " (SELECT " OPEN_EXPR " AS o FROM invoices i WHERE i.account_id = ?"
	    " AND (? = 0 OR i.client_id = ?) AND i.status = 'issued') t", b, 3, open);
}

/* --- versions ------------------------------------------------------------------ */

static int
schedule_text(struct db *db, int64_t plan_id, struct buf *b)
{
	struct plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.id = plan_id;
	if ((rc = load_installments(db, &p)) != DB_OK)
		return rc;
	for (size_t i = 0; i < p.ninst; i++) {
		char d[11];

		date_fmt(p.inst[i].due, d, sizeof(d));
		if (buf_printf(b, "%d:%s:%" PRId64 ":%s\n", p.inst[i].number, d,
		    p.inst[i].amount, plan_inst_names[p.inst[i].state]) == -1)
			rc = DB_ERR;
	}
	plan_free(&p);
	return rc;
}

int
plan_version_add(struct db *db, const struct actor *a, int64_t plan_id,
    const char *action, const char *changes, const char *consent)
{
	struct db_param q[] = { DB_I64(clock_now()), DB_I64(plan_id) };
	struct buf b;
	int64_t ver = 0;
	int rc;

	buf_init(&b, 1024 * 1024);
	if ((rc = db_exec(db, "UPDATE payment_plans SET version = version + 1,"
	    " updated_at = ? WHERE id = ?", q, 2, NULL, NULL)) != DB_OK ||
	    (rc = db_query_i64(db, "SELECT version FROM payment_plans WHERE id = ?",
	    q + 1, 1, &ver)) != DB_OK ||
	    (rc = schedule_text(db, plan_id, &b)) != DB_OK)
		goto out;
	{
		struct db_param v[] = { DB_I64(plan_id), DB_I64(ver), DB_STR(a->kind),
		    a->id ? DB_I64(a->id) : DB_NULL, DB_I64(clock_now()),
		    DB_STR(changes), DB_STR(buf_cstr(&b)), DB_STR(consent ? consent : "") };

		rc = db_exec(db, "INSERT INTO payment_plan_versions (plan_id, version,"
		    " actor_kind, actor_id, created_at, changes, schedule, consent_text)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", v, ARRAY_LEN(v), NULL, NULL);
	}
	if (rc == DB_OK)
		rc = audit_record(db, a, action, "payment_plan", plan_id, changes);
out:
	buf_free(&b);
	return rc;
}

int
plan_set_state(struct db *db, int64_t id, enum plan_state s)
{
	struct db_param q[] = { DB_STR(plan_state_names[s]), DB_I64(clock_now()),
	    DB_I64(id) };

	return db_exec(db, "UPDATE payment_plans SET status = ?, updated_at = ?"
	    " WHERE id = ?", q, 3, NULL, NULL);
}

int
plan_consents_revoke(struct db *db, int64_t plan_id)
{
	struct db_param q[] = { DB_I64(clock_now()), DB_I64(plan_id) };

	return db_exec(db, "UPDATE consents SET revoked_at = ? WHERE plan_id = ?"
	    " AND scope = 'payment_plan' AND revoked_at IS NULL", q, 2, NULL, NULL);
}

int
plan_insert_slots(struct db *db, int64_t plan_id, int first,
    const struct plan_slot *s, size_t n)
{
	int rc = DB_OK;

	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		char d[11];
		struct db_param q[] = { DB_I64(plan_id), DB_I64(first + (int)i),
		    DB_STR(d), DB_I64(s[i].amount) };

		date_fmt(s[i].due, d, sizeof(d));
		rc = db_exec(db, "INSERT INTO payment_plan_installments (plan_id,"
		    " number, due_date, amount) VALUES (?, ?, ?, ?)", q, 4, NULL, NULL);
	}
	return rc;
}

/* --- keeping the schedule within what is open ------------------------------ */

/* A card checkout left on Stripe's page this long (no card confirmed)
 * frees its installments again; if it is completed later anyway, the money
 * still lands on the plan's invoices and the schedule shrinks by it. */
#define PLAN_ABANDONED_AFTER	3600

/* Installments whose payment finished: paid when it succeeded, scheduled
 * again (the attempt counted) when it failed, was cancelled or abandoned. */
static int
settle_processing(struct db *db, const struct plan *p, struct buf *ch)
{
	int rc = DB_OK;

	for (size_t i = 0; rc == DB_OK && i < p->ninst; i++) {
		const struct plan_installment *t = &p->inst[i];
		struct db_param q[] = { DB_I64(clock_now() - PLAN_ABANDONED_AFTER),
		    DB_I64(t->payment_id) };
		struct db_param u[] = { DB_I64(clock_now()), DB_I64(t->id) };
		struct db_result r;
		const char *st;
		char m[MONEY_FMT_MAX], what[32];

		if (t->state != INST_PROCESSING || t->payment_id == 0)
			continue;
		if ((rc = db_query(db, "SELECT IF(status = 'pending' AND stripe_status"
		    " IN ('', 'requires_payment_method', 'requires_confirmation',"
		    " 'requires_action') AND created_at < ?, 'abandoned', status) FROM"
		    " payments WHERE id = ?", q, 2, &r)) != DB_OK)
			break;
		st = r.nrows == 1 ? db_str(&r, 0, 0) : "failed";
		money_format(t->amount, m, sizeof(m));
		if (t->number == 0)
			str_copy(what, sizeof(what), "Down payment");
		else
			str_fmt(what, sizeof(what), "Installment %d", t->number);
		if (strcmp(st, "succeeded") == 0) {
			rc = db_exec(db, "UPDATE payment_plan_installments SET status ="
			    " 'paid', paid_at = ? WHERE id = ?", u, 2, NULL, NULL);
			buf_printf(ch, "%s (%s) paid by payment %" PRId64 ".\n",
			    what, m, t->payment_id);
		} else if (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0 ||
		    strcmp(st, "abandoned") == 0) {
			rc = db_exec(db, "UPDATE payment_plan_installments SET status ="
			    " 'scheduled', payment_id = NULL, last_attempt_at = ?"
			    " WHERE id = ?", u, 2, NULL, NULL);
			buf_printf(ch, "%s (%s): payment %" PRId64 " %s; scheduled "
			    "again.\n", what, m, t->payment_id, st);
		}
		db_result_free(&r);
	}
	return rc;
}

/* Takes off the last scheduled installments what is no longer open. */
static int
shrink_to_open(struct db *db, const struct plan *p, struct buf *ch)
{
	int64_t open = 0, processing = 0, taken, *amt;
	size_t n = 0;
	int rc;

	if ((rc = plan_open_now(db, p, &open)) != DB_OK)
		return rc;
	if ((amt = calloc(p->ninst + 1, sizeof(*amt))) == NULL)
		return DB_ERR;
	for (size_t i = 0; i < p->ninst; i++) {
		if (p->inst[i].state == INST_PROCESSING)
			processing += p->inst[i].amount;
		if (p->inst[i].state == INST_SCHEDULED)
			amt[n++] = p->inst[i].amount;
	}
	taken = plan_schedule_shrink(amt, n, open - processing);
	for (size_t i = 0, k = 0; taken > 0 && rc == DB_OK && i < p->ninst; i++) {
		struct db_param q[] = { DB_I64(0), DB_STR(""), DB_I64(p->inst[i].id) };

		if (p->inst[i].state != INST_SCHEDULED)
			continue;
		if (amt[k] != p->inst[i].amount) {
			q[0] = DB_I64(amt[k]);
			q[1] = DB_STR(amt[k] == 0 ? "cancelled" : "scheduled");
			rc = db_exec(db, "UPDATE payment_plan_installments SET amount = ?,"
			    " status = ? WHERE id = ?", q, 3, NULL, NULL);
		}
		k++;
	}
	free(amt);
	if (taken > 0) {
		char m[MONEY_FMT_MAX];

		money_format(taken, m, sizeof(m));
		buf_printf(ch, "Paid outside the plan: %s less to collect; the last "
		    "installments were reduced.\n", m);
	}
	return rc;
}

static int
sync_tx(struct db *db, void *arg)
{
	const struct actor *a = ((void **)arg)[0];
	int64_t id = *(int64_t *)((void **)arg)[1];
	struct plan p;
	struct buf ch;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = plan_lock(db, id, &p)) != DB_OK)
		return rc;
	buf_init(&ch, 64 * 1024);
	if (p.state == PLAN_COMPLETED || p.state == PLAN_CANCELLED)
		goto out;
	if ((rc = settle_processing(db, &p, &ch)) != DB_OK)
		goto out;
	plan_free(&p);
	if ((rc = plan_load(db, id, &p)) != DB_OK ||
	    (rc = shrink_to_open(db, &p, &ch)) != DB_OK)
		goto out;
	plan_free(&p);
	if ((rc = plan_load(db, id, &p)) != DB_OK)
		goto out;
	if (p.remaining == 0 && p.ninst > 0 && (p.state == PLAN_ACTIVE ||
	    p.state == PLAN_PAST_DUE || p.state == PLAN_PAUSED)) {
		rc = plan_set_state(db, id, PLAN_COMPLETED);
		buf_puts(&ch, "Nothing left to pay: the plan is completed.\n");
	}
	if (rc == DB_OK && ch.len > 0)
		rc = plan_version_add(db, a, id, "plan.recompute", buf_cstr(&ch), NULL);
out:
	plan_free(&p);
	buf_free(&ch);
	return rc;
}

int
plan_sync(struct db *db, const struct actor *a, int64_t id)
{
	void *arg[] = { (void *)(uintptr_t)a, &id };

	return plan_rc_of(db_tx(db, sync_tx, arg));
}

/* --- practice limits ------------------------------------------------------------ */

int
plan_limits_get(struct db *db, struct plan_limits *l)
{
	struct db_result r;
	int rc = db_query(db, "SELECT min_installment, max_installments, min_down_bp"
	    " FROM plan_settings WHERE id = 1", NULL, 0, &r);

	memset(l, 0, sizeof(*l));
	if (rc == DB_OK && r.nrows == 1) {
		l->min_installment = db_i64(&r, 0, 0);
		l->max_installments = db_i64(&r, 0, 1);
		l->min_down_bp = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc == DB_OK ? PLAN_OK : PLAN_DB;
}

static int
limits_tx(struct db *db, void *arg)
{
	const struct actor *a = ((void **)arg)[0];
	const struct plan_limits *l = ((void **)arg)[1];
	struct db_param q[] = { DB_I64(l->min_installment), DB_I64(l->max_installments),
	    DB_I64(l->min_down_bp), a->id ? DB_I64(a->id) : DB_NULL, DB_I64(clock_now()) };
	char detail[200];
	int rc;

	if ((rc = db_exec(db, "INSERT INTO plan_settings (id, min_installment,"
	    " max_installments, min_down_bp, updated_by, updated_at) VALUES (1, ?,"
	    " ?, ?, ?, ?) ON DUPLICATE KEY UPDATE min_installment = VALUES"
	    "(min_installment), max_installments = VALUES(max_installments),"
	    " min_down_bp = VALUES(min_down_bp), updated_by = VALUES(updated_by),"
	    " updated_at = VALUES(updated_at)", q, 5, NULL, NULL)) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "min installment %" PRId64 "c, max %" PRId64
	    " installments, min down payment %" PRId64 " bp", l->min_installment,
	    l->max_installments, l->min_down_bp);
	return audit_record(db, a, "settings.plan_limits", "settings", 1, detail);
}

int
plan_limits_set(struct db *db, const struct actor *a, const struct plan_limits *l,
    struct plan_err *e)
{
	void *arg[] = { (void *)(uintptr_t)a, (void *)(uintptr_t)l };

	if (l->min_installment < 0 || l->min_installment > MONEY_MAX)
		return plan_fail(e, PLAN_INVALID, "min_installment",
		    "The minimum installment must be $0.00 or more.");
	if (l->max_installments < 0 || l->max_installments > PLAN_MAX_INSTALLMENTS)
		return plan_fail(e, PLAN_INVALID, "max_installments",
		    "The maximum number of installments must be 0 to %d.",
		    PLAN_MAX_INSTALLMENTS);
	if (l->min_down_bp < 0 || l->min_down_bp > 10000)
		return plan_fail(e, PLAN_INVALID, "min_down_percent",
		    "The minimum down payment must be 0 to 100 percent.");
	return plan_rc_of(db_tx(db, limits_tx, arg));
}
