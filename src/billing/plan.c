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
#include "store_plan.h"
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

static void
plan_from_store(const struct store_plan *s, struct plan *p)
{
	enum plan_freq f = PLAN_FREQ_MONTHLY;
	const char *brand = s->method_brand;

	memset(p, 0, sizeof(*p));
	p->id = s->id;
	p->account_id = s->account_id;
	p->client_id = s->client_id;
	p->state = (enum plan_state)name_index(plan_state_names, PLAN__MAX,
	    s->status);
	p->by_invoices = strcmp(s->basis, "invoices") == 0;
	p->total = s->total;
	p->terms.total = p->total;
	p->terms.down = s->down;
	p->terms.count = s->count;
	p->terms.amount = s->amount;
	(void)plan_freq_parse(s->freq, &f);
	p->terms.freq = f;
	p->terms.day = (int)s->day;
	(void)date_parse(s->start, &p->terms.start);
	p->method_id = s->method_id;
	p->autopay = s->autopay;
	p->version = (int)s->version;
	str_copy(p->override_reason, sizeof(p->override_reason), s->override_reason);
	p->sent_at = s->sent_at;
	p->accepted_at = s->accepted_at;
	p->created_at = s->created_at;
	p->updated_at = s->updated_at;
	str_copy(p->account_name, sizeof(p->account_name), s->account_name);
	str_copy(p->account_email, sizeof(p->account_email), s->account_email);
	str_copy(p->client_name, sizeof(p->client_name), s->client_name);
	if (p->method_id) {
		str_copy(p->method_kind, sizeof(p->method_kind), s->method_kind);
		str_copy(p->method_brand, sizeof(p->method_brand), brand);
		str_copy(p->method_last4, sizeof(p->method_last4), s->method_last4);
	}
	if (p->method_id)
		str_fmt(p->method_label, sizeof(p->method_label), "%s%s ending %s",
		    strcmp(s->method_kind, "card") == 0 ? "" : "Bank account ",
		    *brand ? brand : "card", s->method_last4);
	if (p->method_id && strcmp(s->method_kind, "card") == 0 &&
	    brand[0] >= 'a' && brand[0] <= 'z')
		p->method_label[0] = (char)(brand[0] - 'a' + 'A');
}

static int
load_invoices(struct db *db, struct plan *p)
{
	struct store_plan_inv v[PLAN_MAX_INVOICES];
	int rc = store_plan_invoices(db, p->id, v, PLAN_MAX_INVOICES, &p->ninv);

	for (size_t i = 0; rc == DB_OK && i < p->ninv; i++) {
		p->inv[i].id = v[i].id;
		str_copy(p->inv[i].number, sizeof(p->inv[i].number), v[i].number);
		p->inv[i].open = v[i].open;
	}
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
	struct store_plan_inst *v;
	size_t n;
	int rc = store_plan_insts(db, p->id, &v, &n);

	if (rc == DB_OK && n > 0 &&
	    (p->inst = calloc(n, sizeof(*p->inst))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		struct plan_installment *t = &p->inst[i];

		t->id = v[i].id;
		t->number = v[i].number;
		(void)date_parse(v[i].due, &t->due);
		t->amount = v[i].amount;
		t->state = (enum plan_inst_state)name_index(plan_inst_names,
		    INST__MAX, v[i].status);
		t->payment_id = v[i].payment_id;
		t->paid_at = v[i].paid_at;
		p->ninst = i + 1;
	}
	free(v);
	if (rc == DB_OK)
		derive(p);
	return rc;
}

int
plan_load(struct db *db, int64_t id, struct plan *p)
{
	struct store_plan s;
	int rc = store_plan_get(db, id, &s);

	if (rc == 1)
		plan_from_store(&s, p);
	rc = rc == 1 ? DB_OK : rc == 0 ? PLAN_NOT_FOUND : rc;
	if (rc == DB_OK && (rc = load_invoices(db, p)) == DB_OK)
		rc = load_installments(db, p);
	if (rc != DB_OK)
		plan_free(p);
	return rc;
}

int
plan_lock(struct db *db, int64_t id, struct plan *p)
{
	int rc = store_plan_lock(db, id);

	if (rc < 0)
		return rc;
	return rc == 1 ? plan_load(db, id, p) : PLAN_NOT_FOUND;
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
	int64_t *ids;
	size_t nids;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_plan_ids(db, account_id, client_id, portal_only, &ids, &nids);
	if (rc != DB_OK)
		return PLAN_DB;
	rc = plan_list_of(db, account_id, ids, nids, out, n);
	free(ids);
	return rc;
}

int
plan_list_of(struct db *db, int64_t account_id, const int64_t *ids,
    size_t nids, struct plan **out, size_t *n)
{
	int rc = DB_OK;

	*out = NULL;
	*n = 0;
	if (nids > 0 && (*out = calloc(nids, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < nids; i++) {
		rc = plan_get(db, ids[i], account_id, &(*out)[*n]);
		if (rc == PLAN_OK)
			(*n)++;
	}
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
	return store_plan_open(db, p->by_invoices, p->id, p->account_id,
	    p->client_id, open);
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
	struct buf b;
	int64_t ver = 0;
	int rc;

	buf_init(&b, 1024 * 1024);
	if ((rc = store_plan_version_next(db, plan_id, clock_now(), &ver)) !=
	    DB_OK || (rc = schedule_text(db, plan_id, &b)) != DB_OK)
		goto out;
	rc = store_plan_version_insert(db, plan_id, ver, a->kind, a->id,
	    clock_now(), changes, buf_cstr(&b), consent);
	if (rc == DB_OK)
		rc = audit_record(db, a, action, "payment_plan", plan_id, changes);
out:
	buf_free(&b);
	return rc;
}

int
plan_set_state(struct db *db, int64_t id, enum plan_state s)
{
	return store_plan_status_set(db, id, plan_state_names[s], clock_now());
}

int
plan_consents_revoke(struct db *db, int64_t plan_id)
{
	return store_plan_consents_revoke(db, plan_id, 0, clock_now());
}

int
plan_insert_slots(struct db *db, int64_t plan_id, int first,
    const struct plan_slot *s, size_t n)
{
	int rc = DB_OK;

	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		struct store_plan_inst t;

		memset(&t, 0, sizeof(t));
		t.number = first + (int)i;
		date_fmt(s[i].due, t.due, sizeof(t.due));
		t.amount = s[i].amount;
		rc = store_plan_inst_insert(db, plan_id, &t);
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
		char st[16], m[MONEY_FMT_MAX], what[32];

		if (t->state != INST_PROCESSING || t->payment_id == 0)
			continue;
		if ((rc = store_plan_payment_state(db, t->payment_id, clock_now() -
		    PLAN_ABANDONED_AFTER, st, sizeof(st))) < 0)
			break;
		if (rc == 0)
			str_copy(st, sizeof(st), "failed");
		rc = DB_OK;
		money_format(t->amount, m, sizeof(m));
		if (t->number == 0)
			str_copy(what, sizeof(what), "Down payment");
		else
			str_fmt(what, sizeof(what), "Installment %d", t->number);
		if (strcmp(st, "succeeded") == 0) {
			rc = store_plan_inst_paid(db, t->id, clock_now());
			buf_printf(ch, "%s (%s) paid by payment %" PRId64 ".\n",
			    what, m, t->payment_id);
		} else if (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0 ||
		    strcmp(st, "abandoned") == 0) {
			rc = store_plan_inst_unpaid(db, t->id, clock_now());
			buf_printf(ch, "%s (%s): payment %" PRId64 " %s; scheduled "
			    "again.\n", what, m, t->payment_id, st);
		}
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
		if (p->inst[i].state != INST_SCHEDULED)
			continue;
		if (amt[k] != p->inst[i].amount)
			rc = store_plan_inst_resize(db, p->inst[i].id, amt[k],
			    amt[k] == 0 ? "cancelled" : "scheduled");
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
	struct store_plan_limits s;
	int rc = store_plan_limits_get(db, &s);

	l->min_installment = s.min_installment;
	l->max_installments = s.max_installments;
	l->min_down_bp = s.min_down_bp;
	return rc == DB_OK ? PLAN_OK : PLAN_DB;
}

static int
limits_tx(struct db *db, void *arg)
{
	const struct actor *a = ((void **)arg)[0];
	const struct plan_limits *l = ((void **)arg)[1];
	struct store_plan_limits s = { l->min_installment, l->max_installments,
	    l->min_down_bp };
	char detail[200];
	int rc;

	if ((rc = store_plan_limits_set(db, &s, a->id, clock_now())) != DB_OK)
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
