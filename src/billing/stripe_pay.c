/* Card/ACH payments through Stripe: attempts, PaymentIntents, settlement
 * and reconciliation of payments (refunds, methods, consents and webhook
 * events live in the other stripe_pay_*.c files). */
#include "common.h"

#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "payment.h"
#include "kv.h"
#include "str.h"
#include "stripe.h"
#include "portal.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"

#define SP_PAY_COLS "p.id, p.account_id, COALESCE(p.client_id, 0), p.method," \
	" p.amount, p.status, p.received_date, p.memo, COALESCE(p.attempt_key, '')," \
	" COALESCE(p.stripe_payment_intent, ''), p.stripe_status," \
	" COALESCE(p.payment_method_id, 0), p.save_method, p.failure_code," \
	" p.failure_message, p.disputed, COALESCE(p.settled_at, 0), p.alloc_plan," \
	" p.created_at," \
	" (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e" \
	"   WHERE e.payment_id = p.id AND e.kind = 'refund')," \
	" (SELECT COALESCE(SUM(f.amount), 0) FROM refunds f" \
	"   WHERE f.payment_id = p.id AND f.status = 'pending')," \
	" COALESCE(p.consent_signer, ''), COALESCE(p.consent_scope, '')," \
	" COALESCE(p.consent_max_amount, 0), COALESCE(p.consent_text_version, '')," \
	" COALESCE(p.consent_ip, ''), COALESCE(p.consent_user_agent, '')," \
	" COALESCE(p.consent_recorded_by, 0), COALESCE(p.consent_id, 0)"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)

/* --- small helpers ------------------------------------------------------- */

int64_t
sp_staff_id(const struct actor *a)
{
	return strcmp(a->kind, "staff") == 0 ? a->id : 0;
}

void
sp_msg(char *msg, size_t msgsz, const char *text)
{
	if (msg != NULL && msgsz > 0)
		(void)str_copy(msg, msgsz, text);
}

int
sp_attempt_key_ok(const char *k)
{
	size_t n;

	if (k == NULL || (n = strlen(k)) < SP_ATTEMPT_KEY_MIN ||
	    n > SP_ATTEMPT_KEY_MAX)
		return 0;
	for (; *k; k++)
		if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
		    (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
			return 0;
	return 1;
}

int
sp_stripe_retrieve(const struct sp *sp, const char *collection, const char *id,
    struct stripe_result *r)
{
	char path[320];

	for (const char *p = id; p != NULL && *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			id = NULL;
	if (id == NULL || *id == '\0' || strlen(id) > 255 ||
	    str_fmt(path, sizeof(path), "/v1/%s/%s", collection, id) == -1) {
		stripe_result_init(r);
		r->status = STRIPE_ERR_USAGE;
		return -1;
	}
	return stripe_get(sp->stripe, path, NULL, r);
}

struct stripe_client *
stripe_pay_client(const struct config *cfg)
{
	static struct stripe_client *client;
	static const struct config *client_cfg;

	/* Another configuration (tests) gets its own client. */
	if (client != NULL && client_cfg != cfg) {
		stripe_client_free(client);
		client = NULL;
	}
	if (client == NULL) {
		client = stripe_client_new(cfg);
		client_cfg = client != NULL ? cfg : NULL;
	}
	return client;
}

static void
payment_from_row(const struct db_result *r, size_t i, struct sp_payment *p)
{
	memset(p, 0, sizeof(*p));
	p->id = db_i64(r, i, 0);
	p->account_id = db_i64(r, i, 1);
	p->client_id = db_i64(r, i, 2);
	(void)str_copy(p->method, sizeof(p->method), db_str(r, i, 3));
	p->amount = db_i64(r, i, 4);
	(void)str_copy(p->status, sizeof(p->status), db_str(r, i, 5));
	(void)str_copy(p->received_date, sizeof(p->received_date), db_str(r, i, 6));
	(void)str_copy(p->memo, sizeof(p->memo), db_str(r, i, 7));
	(void)str_copy(p->attempt_key, sizeof(p->attempt_key), db_str(r, i, 8));
	(void)str_copy(p->intent, sizeof(p->intent), db_str(r, i, 9));
	(void)str_copy(p->stripe_status, sizeof(p->stripe_status), db_str(r, i, 10));
	p->payment_method_id = db_i64(r, i, 11);
	p->save_method = (int)db_i64(r, i, 12);
	(void)str_copy(p->failure_code, sizeof(p->failure_code), db_str(r, i, 13));
	(void)str_copy(p->failure_message, sizeof(p->failure_message),
	    db_str(r, i, 14));
	p->disputed = (int)db_i64(r, i, 15);
	p->settled_at = db_i64(r, i, 16);
	(void)str_copy(p->alloc_plan, sizeof(p->alloc_plan), db_str(r, i, 17));
	p->created_at = db_i64(r, i, 18);
	p->refunded = db_i64(r, i, 19);
	p->refund_pending = db_i64(r, i, 20);
	(void)str_copy(p->consent_signer, sizeof(p->consent_signer), db_str(r, i, 21));
	(void)str_copy(p->consent_scope, sizeof(p->consent_scope), db_str(r, i, 22));
	p->consent_max_amount = db_i64(r, i, 23);
	(void)str_copy(p->consent_text_version, sizeof(p->consent_text_version),
	    db_str(r, i, 24));
	(void)str_copy(p->consent_ip, sizeof(p->consent_ip), db_str(r, i, 25));
	(void)str_copy(p->consent_user_agent, sizeof(p->consent_user_agent),
	    db_str(r, i, 26));
	p->consent_recorded_by = db_i64(r, i, 27);
	p->consent_id = db_i64(r, i, 28);
}

int
sp_payment_read(struct db *db, int64_t id, struct sp_payment *out, int *found)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " SP_PAY_COLS " FROM payments p WHERE p.id = ?",
	    p, 1, &r);

	*found = rc == DB_OK && r.nrows == 1;
	if (*found)
		payment_from_row(&r, 0, out);
	db_result_free(&r);
	return rc;
}

int
sp_payment_lock(struct db *db, int64_t id, struct sp_payment *out, int *found)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id FROM payments WHERE id = ? FOR UPDATE",
	    p, 1, &r);

	*found = 0;
	if (rc == DB_OK && r.nrows == 1)
		rc = sp_payment_read(db, id, out, found);
	db_result_free(&r);
	return rc;
}

int
sp_payment_by_intent(struct db *db, const char *intent, int64_t *id)
{
	struct db_param p[] = { DB_STR(intent) };
	struct db_result r;
	int rc = db_query(db, "SELECT id FROM payments WHERE stripe_payment_intent = ?"
	    " FOR UPDATE", p, 1, &r);

	*id = rc == DB_OK && r.nrows == 1 ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return rc;
}

void
sp_result_from(struct sp_result *o, const struct sp_payment *p)
{
	o->payment_id = p->id;
	(void)str_copy(o->status, sizeof(o->status), p->status);
	(void)str_copy(o->stripe_status, sizeof(o->stripe_status), p->stripe_status);
	(void)str_copy(o->intent, sizeof(o->intent), p->intent);
	(void)str_copy(o->failure_code, sizeof(o->failure_code), p->failure_code);
	if (strcmp(p->status, "failed") == 0 || strcmp(p->status, "canceled") == 0)
		(void)str_copy(o->message, sizeof(o->message), p->failure_message[0] ?
		    p->failure_message : "The payment could not be completed.");
	else if (strcmp(p->status, "pending") == 0 &&
	    strcmp(p->stripe_status, "processing") == 0)
		(void)str_copy(o->message, sizeof(o->message), "The payment is "
		    "processing. It is posted when the bank confirms it (ACH takes "
		    "a few business days).");
	else if (strcmp(p->status, "pending") == 0)
		(void)str_copy(o->message, sizeof(o->message), "The payment is not "
		    "complete yet.");
	else
		o->message[0] = '\0';
}

/* --- allocation plans ----------------------------------------------------- */

int
stripe_pay_plan_parse(const char *plan, int *auto_alloc, struct alloc_req *out,
    size_t max, size_t *n)
{
	const char *s = plan;

	*n = 0;
	*auto_alloc = plan == NULL || *plan == '\0' || strcmp(plan, "auto") == 0;
	if (*auto_alloc || strcmp(plan, SP_PLAN_NONE) == 0)
		return 0;
	while (*s) {
		char item[64], *colon;
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		int64_t id, cents;

		if (*n >= max || len < 5 || len >= sizeof(item) ||
		    strncmp(s, "inv:", 4) != 0)
			return -1;
		memcpy(item, s + 4, len - 4);
		item[len - 4] = '\0';
		if ((colon = strchr(item, ':')) == NULL)
			return -1;
		*colon = '\0';
		if (str_to_i64(item, 1, INT64_MAX, &id) == -1 ||
		    str_to_i64(colon + 1, 1, MONEY_MAX, &cents) == -1)
			return -1;
		out[*n].invoice_id = id;
		out[*n].amount = cents;
		(*n)++;
		if (end == NULL)
			break;
		s = end + 1;
		if (*s == '\0')
			return -1;
	}
	return *n > 0 ? 0 : -1;
}

int
stripe_pay_plan_format(const struct alloc_req *req, size_t n, char *out,
    size_t outsz)
{
	size_t off = 0;

	if (n == 0)
		return str_copy(out, outsz, "auto");
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (off >= outsz || str_fmt(out + off, outsz - off,
		    "%sinv:%" PRId64 ":%" PRId64, i ? "," : "", req[i].invoice_id,
		    req[i].amount) == -1)
			return -1;
		off += strlen(out + off);
	}
	return 0;
}

int
stripe_pay_plan_write(int auto_alloc, const struct alloc_req *req, size_t n,
    char *out, size_t outsz)
{
	if (auto_alloc)
		return str_copy(out, outsz, "auto");
	if (n == 0)
		return str_copy(out, outsz, SP_PLAN_NONE);
	return stripe_pay_plan_format(req, n, out, outsz);
}

/* --- settlement ------------------------------------------------------------- */

/* The row moves to status with Stripe's status and a failure, if any. */
static int
row_update(struct db *db, const struct actor *actor, struct sp_payment *row,
    const char *status, const char *stripe_status, const char *code,
    const char *message)
{
	int settled = strcmp(status, "pending") != 0;
	struct db_param p[] = { DB_STR(status), DB_STR(stripe_status),
	    DB_STR(code), DB_STR(message), settled ? DB_I64(clock_now()) : DB_NULL,
	    DB_I64(row->id) };
	char detail[700];
	int rc;

	rc = db_exec(db, "UPDATE payments SET status = ?, stripe_status = ?,"
	    " failure_code = ?, failure_message = ?, settled_at = ? WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	if (strcmp(row->status, status) != 0) {
		(void)str_fmt(detail, sizeof(detail), "%s %s -> %s (Stripe %s%s%s)",
		    row->intent[0] ? row->intent : "no intent", row->status, status,
		    stripe_status, code[0] ? ", " : "", code);
		if ((rc = audit_record(db, actor, settled ? "payment.settle" :
		    "payment.reopen", "payment", row->id, detail)) != DB_OK)
			return rc;
	}
	(void)str_copy(row->status, sizeof(row->status), status);
	(void)str_copy(row->stripe_status, sizeof(row->stripe_status), stripe_status);
	(void)str_copy(row->failure_code, sizeof(row->failure_code), code);
	(void)str_copy(row->failure_message, sizeof(row->failure_message), message);
	return DB_OK;
}

static int
row_stripe_status(struct db *db, struct sp_payment *row, const char *stripe_status)
{
	struct db_param p[] = { DB_STR(stripe_status), DB_I64(row->id) };

	if (strcmp(row->stripe_status, stripe_status) == 0)
		return DB_OK;
	(void)str_copy(row->stripe_status, sizeof(row->stripe_status), stripe_status);
	return db_exec(db, "UPDATE payments SET stripe_status = ? WHERE id = ?",
	    p, 2, NULL, NULL);
}

/* The PaymentMethod details for saving: the PI's expanded object, or the
 * fetched one. NULL when they must be fetched. */
static struct json_object *
settle_pm(const struct sp_settle_in *in, const char **pm_id)
{
	struct json_object *pm = stripe_obj_get(in->pi, "payment_method");

	*pm_id = NULL;
	if (pm != NULL && json_object_is_type(pm, json_type_object)) {
		*pm_id = stripe_obj_str(pm, "id");
		return pm;
	}
	*pm_id = stripe_obj_str(in->pi, "payment_method");
	if (*pm_id != NULL && in->pm != NULL) {
		const char *fid = stripe_obj_str(in->pm, "id");
		if (fid != NULL && strcmp(fid, *pm_id) == 0)
			return in->pm;
	}
	return NULL;
}

static int
method_known(struct db *db, const char *pm_id, int64_t *id)
{
	struct db_param p[] = { DB_STR(pm_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id FROM payment_methods WHERE stripe_pm_id = ?",
	    p, 1, &r);

	*id = rc == DB_OK && r.nrows == 1 ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return rc;
}

/* pending|failed -> succeeded: posted and allocated in this transaction. */
static int
mark_succeeded(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct sp_settle_in *in, struct sp_settle_out *out)
{
	struct alloc_req plan[SP_PLAN_MAX];
	struct ledger_entry e;
	struct json_object *pm = NULL;
	const char *pm_id = NULL;
	int64_t method_id = 0, moved = 0;
	char today[11];
	size_t n = 0;
	int auto_alloc = 1, rc;

	if (row->save_method && row->payment_method_id == 0) {
		pm = settle_pm(in, &pm_id);
		if (pm_id != NULL && (rc = method_known(db, pm_id, &method_id)) != DB_OK)
			return rc;
		if (pm_id != NULL && method_id == 0 && pm == NULL) {
			(void)str_copy(out->need_pm, sizeof(out->need_pm), pm_id);
			return SP_TX_NEED;
		}
	}
	if (date_fmt(date_today(), today, sizeof(today)) == -1)
		return DB_ERR;
	if ((rc = row_update(db, actor, row, "succeeded", "succeeded", "", "")) != DB_OK)
		return rc;
	{
		struct db_param p[] = { DB_STR(today), DB_I64(row->id) };
		if ((rc = db_exec(db, "UPDATE payments SET received_date = ?"
		    " WHERE id = ?", p, 2, NULL, NULL)) != DB_OK)
			return rc;
	}
	memset(&e, 0, sizeof(e));
	(void)str_copy(e.kind, sizeof(e.kind), ledger_kind_names[LK_PAYMENT]);
	e.amount = -row->amount;
	(void)str_copy(e.entry_date, sizeof(e.entry_date), today);
	e.account_id = row->account_id;
	e.client_id = row->client_id;
	e.payment_id = row->id;
	(void)str_fmt(e.memo, sizeof(e.memo), "%s %s", row->method, row->intent);
	if ((rc = ledger_post(db, &e, sp_staff_id(actor), NULL)) != DB_OK)
		return rc;
	if (stripe_pay_plan_parse(row->alloc_plan, &auto_alloc, plan,
	    ARRAY_LEN(plan), &n) == -1) {
		log_warn("payment %" PRId64 ": bad allocation plan, allocating"
		    " automatically", row->id);
		auto_alloc = 1;
	}
	if ((rc = payment_apply_plan(db, actor, row->id, row->account_id,
	    auto_alloc, plan, n, &moved)) != DB_OK)
		return rc;
	if (pm != NULL && method_id == 0 &&
	    (rc = sp_method_record(db, actor, row->account_id, pm, &method_id)) != DB_OK)
		return rc;
	if (method_id != 0) {
		struct db_param p[] = { DB_I64(method_id), DB_I64(row->id) };
		if ((rc = db_exec(db, "UPDATE payments SET payment_method_id = ?"
		    " WHERE id = ?", p, 2, NULL, NULL)) != DB_OK)
			return rc;
		row->payment_method_id = method_id;
		/* The authorization given with the payment, with the method. */
		if ((rc = sp_payment_consent(db, actor, in->cfg, row,
		    method_id)) != DB_OK)
			return rc;
	}
	out->changed = 1;
	(void)str_fmt(out->note, sizeof(out->note), "succeeded: posted %" PRId64
	    " cents, allocated %" PRId64, row->amount, moved);
	return DB_OK;
}

/* The failure Stripe reports on a PaymentIntent. */
static void
pi_failure(struct json_object *pi, char *code, size_t codesz, const char **msg)
{
	const char *type = stripe_obj_str(pi, "last_payment_error.type");
	const char *c = stripe_obj_str(pi, "last_payment_error.code");
	const char *d = stripe_obj_str(pi, "last_payment_error.decline_code");

	(void)str_copy(code, codesz, d ? d : c ? c : "payment_failed");
	*msg = stripe_reason_message(stripe_reason_from_codes(type, c, d));
}

/* The intent is for another amount or currency than the row: logged and
 * audited, nothing else changes (note says why). 1 mismatch, 0 not,
 * db_status (< 0) on error. */
static int
pi_mismatch(struct db *db, const struct actor *actor, const struct sp_payment *row,
    struct json_object *pi, int64_t amount, struct sp_settle_out *out)
{
	const char *cur = stripe_obj_str(pi, "currency");
	const char *id = stripe_obj_str(pi, "id");
	const char *st = stripe_obj_str(pi, "status");
	int64_t received;
	char detail[300];
	int rc;

	/* A succeeded intent must also have received the whole amount. */
	if (st != NULL && strcmp(st, "succeeded") == 0 &&
	    stripe_obj_i64(pi, "amount_received", &received) == 0)
		amount = received;
	if (cur != NULL && strcasecmp(cur, SP_CURRENCY) == 0 && amount == row->amount)
		return 0;
	(void)str_fmt(detail, sizeof(detail), "%s is for %" PRId64 " %s, not %"
	    PRId64 " %s: not settled", id, amount, cur ? cur : "(no currency)",
	    row->amount, SP_CURRENCY);
	log_err("payment %" PRId64 ": intent %s", row->id, detail);
	(void)str_copy(out->note, sizeof(out->note), amount != row->amount ?
	    "amount mismatch" : "currency mismatch");
	rc = audit_record(db, actor, "payment.mismatch", "payment", row->id, detail);
	return rc != DB_OK ? rc : 1;
}

int
sp_settle_row(struct db *db, const struct actor *actor, struct sp_payment *row,
    const struct sp_settle_in *in, struct sp_settle_out *out)
{
	const char *id = stripe_obj_str(in->pi, "id");
	const char *st = stripe_obj_str(in->pi, "status");
	const char *meta = stripe_obj_str(in->pi, "metadata.payment_id");
	int pending = strcmp(row->status, "pending") == 0;
	int failed = strcmp(row->status, "failed") == 0;
	int off_session = row->payment_method_id != 0 && pending;
	int64_t amount = -1, mid = 0;
	char code[65];
	const char *msg;
	int rc;

	if (id == NULL || st == NULL || stripe_obj_i64(in->pi, "amount", &amount) == -1) {
		(void)str_copy(out->note, sizeof(out->note), "not a PaymentIntent");
		return DB_OK;
	}
	if (row->intent[0] == '\0') {
		/* Adopt only our own intent: its metadata names this row. */
		if (meta == NULL || str_to_i64(meta, 1, INT64_MAX, &mid) == -1 ||
		    mid != row->id) {
			(void)str_copy(out->note, sizeof(out->note),
			    "intent is not this payment's");
			return DB_OK;
		}
	} else if (strcmp(row->intent, id) != 0) {
		(void)str_copy(out->note, sizeof(out->note), "another intent");
		return DB_OK;
	}
	/* Every path, before anything moves: Stripe's amount and currency. */
	if ((rc = pi_mismatch(db, actor, row, in->pi, amount, out)) != 0)
		return rc < 0 ? rc : DB_OK;
	if (row->intent[0] == '\0') {
		struct db_param p[] = { DB_STR(id), DB_I64(row->id) };
		if ((rc = db_exec(db, "UPDATE payments SET stripe_payment_intent = ?"
		    " WHERE id = ?", p, 2, NULL, NULL)) != DB_OK)
			return rc;
		(void)str_copy(row->intent, sizeof(row->intent), id);
	}
	/* Terminal on our side: succeeded and canceled never move. */
	if (!pending && !failed) {
		(void)str_fmt(out->note, sizeof(out->note), "already %s", row->status);
		return DB_OK;
	}
	if (strcmp(st, "succeeded") == 0 && !in->authoritative) {
		/* An event's word is not enough to post money: ask Stripe. */
		out->need_pi = 1;
		return SP_TX_NEED;
	}
	if (strcmp(st, "succeeded") == 0)
		return mark_succeeded(db, actor, row, in, out);
	if (strcmp(st, "canceled") == 0) {
		const char *why = stripe_obj_str(in->pi, "cancellation_reason");
		if ((rc = row_update(db, actor, row, "canceled", st, why ? why : "",
		    failed ? row->failure_message : "The payment was canceled.")) != DB_OK)
			return rc;
		out->changed = 1;
		(void)str_copy(out->note, sizeof(out->note), "canceled");
		return DB_OK;
	}
	if (strcmp(st, "requires_payment_method") == 0 &&
	    stripe_obj_get(in->pi, "last_payment_error") != NULL) {
		pi_failure(in->pi, code, sizeof(code), &msg);
		/* A failed row keeps its first reason unless this is Stripe's
		 * current state (a later attempt on the same intent). */
		if (failed && !in->authoritative) {
			(void)str_copy(out->note, sizeof(out->note), "already failed");
			return DB_OK;
		}
		if ((rc = row_update(db, actor, row, "failed", st, code, msg)) != DB_OK)
			return rc;
		out->changed = pending;
		(void)str_fmt(out->note, sizeof(out->note), "failed: %s", code);
		return DB_OK;
	}
	if (strcmp(st, "requires_action") == 0 && off_session) {
		/* Nobody is there to authenticate an off-session charge. */
		msg = stripe_reason_message(STRIPE_REASON_AUTHENTICATION);
		if ((rc = row_update(db, actor, row, "failed", st,
		    "authentication_required", msg)) != DB_OK)
			return rc;
		out->changed = 1;
		out->cancel = 1;
		(void)str_copy(out->note, sizeof(out->note),
		    "failed: authentication required");
		return DB_OK;
	}
	/* processing, requires_action (on-session), requires_confirmation,
	 * requires_payment_method without an error: still pending. A failed
	 * row goes back to pending only on Stripe's current state. */
	if (failed && !in->authoritative) {
		(void)str_fmt(out->note, sizeof(out->note), "ignored %s (failed)", st);
		return DB_OK;
	}
	if (failed) {
		rc = row_update(db, actor, row, "pending", st, "", "");
		out->changed = 1;
	} else
		rc = row_stripe_status(db, row, st);
	(void)str_fmt(out->note, sizeof(out->note), "pending: %s", st);
	return rc;
}

/* --- stripe_pay_settle / refresh -------------------------------------------- */

struct settle_args {
	const struct sp		*sp;
	int64_t			 payment_id;
	struct sp_settle_in	 in;
	struct sp_settle_out	 out;
	struct sp_payment	 row;
	int			 found;
	struct json_object	*fetched_pi;	/* retrieved intent (owned) */
};

static int
settle_tx(struct db *db, void *arg)
{
	struct settle_args *a = arg;
	int64_t id = a->payment_id;
	int rc;

	memset(&a->out, 0, sizeof(a->out));
	if (id == 0) {
		const char *intent = stripe_obj_str(a->in.pi, "id");
		const char *meta = stripe_obj_str(a->in.pi, "metadata.payment_id");
		if (intent != NULL && (rc = sp_payment_by_intent(db, intent, &id)) != DB_OK)
			return rc;
		if (id == 0 && meta != NULL)
			(void)str_to_i64(meta, 1, INT64_MAX, &id);
	}
	if (id == 0) {
		a->found = 0;
		return DB_OK;
	}
	if ((rc = sp_payment_lock(db, id, &a->row, &a->found)) != DB_OK || !a->found)
		return rc;
	return sp_settle_notify(db, a->sp, &a->row, &a->in, &a->out);
}

/* Fetches a PaymentMethod (owned result in *pm). 0 / -1. */
static int
fetch_pm(const struct sp *sp, const char *pm_id, struct json_object **pm)
{
	struct stripe_result r;
	int rc = sp_stripe_retrieve(sp, "payment_methods", pm_id, &r);

	if (rc == 0) {
		*pm = r.json;
		r.json = NULL;
	} else
		log_warn("stripe: payment method %s: %s %s", pm_id, r.code, r.message);
	stripe_result_free(&r);
	return rc;
}

/* Cancels an intent we gave up on (best effort; logged). */
void
sp_cancel_intent(const struct sp *sp, int64_t payment_id, const char *intent)
{
	struct stripe_result r;
	char key[64];

	(void)str_fmt(key, sizeof(key), "pi-cancel-%" PRId64, payment_id);
	if (stripe_payment_intent_cancel(sp->stripe, intent, key, &r) == -1)
		log_warn("stripe: cancel %s: %s %s", intent, r.code, r.message);
	stripe_result_free(&r);
}

/* Retrieves the intent the transaction asked to confirm: from then on
 * the settle judges Stripe's own object. 0 / -1. */
static int
settle_fetch_pi(struct settle_args *a)
{
	struct stripe_result r;
	const char *id = stripe_obj_str(a->in.pi, "id");

	if (id == NULL || sp_stripe_retrieve(a->sp, "payment_intents", id, &r) == -1) {
		if (id != NULL)
			log_warn("stripe: retrieve %s: %s %s", id, r.code, r.message);
		stripe_result_free(&r);
		return -1;
	}
	if (a->fetched_pi != NULL)
		json_object_put(a->fetched_pi);
	a->fetched_pi = r.json;
	r.json = NULL;
	stripe_result_free(&r);
	a->in.pi = a->fetched_pi;
	a->in.authoritative = 1;
	return 0;
}

/* Runs a settle transaction, fetching the PaymentMethod or confirming the
 * intent at Stripe when asked (outside the transaction). */
static int
settle_run(struct settle_args *a)
{
	int rc = DB_ERR;

	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		rc = db_tx(a->sp->db, settle_tx, a);
		if (rc != SP_TX_NEED)
			break;
		if (a->out.need_pi) {
			if (settle_fetch_pi(a) == -1)
				break;
			continue;
		}
		if (a->in.pm != NULL) {
			json_object_put(a->in.pm);
			a->in.pm = NULL;
		}
		if (fetch_pm(a->sp, a->out.need_pm, &a->in.pm) == -1) {
			rc = SP_TX_NEED;
			break;
		}
	}
	if (a->in.pm != NULL) {
		json_object_put(a->in.pm);
		a->in.pm = NULL;
	}
	if (a->fetched_pi != NULL) {
		json_object_put(a->fetched_pi);
		a->fetched_pi = NULL;
		a->in.pi = NULL;
	}
	if (rc == DB_OK && a->out.cancel && a->row.intent[0])
		sp_cancel_intent(a->sp, a->row.id, a->row.intent);
	return rc;
}

int
stripe_pay_settle(const struct sp *sp, int64_t payment_id, struct json_object *pi,
    int authoritative, struct sp_result *out)
{
	struct settle_args a;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	a.sp = sp;
	a.payment_id = payment_id;
	a.in.pi = pi;
	a.in.authoritative = authoritative;
	rc = settle_run(&a);
	if (rc == SP_TX_NEED) {
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer; the payment will be checked again automatically.");
		return SP_STRIPE;
	}
	if (rc != DB_OK)
		return SP_DB;
	if (!a.found)
		return SP_NOT_FOUND;
	sp_result_from(out, &a.row);
	return SP_OK;
}

/* --- attempts: the pending row, then the PaymentIntent ---------------------- */

struct attempt {
	const struct sp		*sp;
	const struct sp_start	*req;
	const struct sp_consent_req *consent;	/* with save_method, or NULL */
	const char		*method;
	int64_t			 payment_id;
	int			 st;
	char			 msg[200];
	struct sp_reserve	 rv;	/* what it reserves, or why refused */
};

static int
refuse(struct attempt *a, int st, const char *msg)
{
	a->st = st;
	(void)str_copy(a->msg, sizeof(a->msg), msg);
	return DB_ERR;
}

static int
count_rows(struct db *db, const char *sql, const struct db_param *p, size_t n,
    int64_t *out)
{
	struct db_result r;
	int rc = db_query(db, sql, p, n, &r);

	*out = rc == DB_OK && r.nrows > 0 ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return rc;
}

/* Inside the attempt's transaction, before anything is written: the
 * account (locked: its attempts take turns), the form not used meanwhile
 * (DB_DUP: answered with its payment), the client of the account. */
/* Whether a payment row carries the form's attempt key: *seen 0 / 1. */
static int
key_seen(struct db *db, const char *attempt_key, int64_t *seen)
{
	struct db_param p[] = { DB_STR(attempt_key) };

	return count_rows(db, "SELECT COUNT(*) FROM payments WHERE"
	    " attempt_key = ?", p, 1, seen);
}

static int
attempt_preconditions(struct db *db, struct attempt *a)
{
	const struct sp_start *q = a->req;
	int64_t n;
	int rc;

	{
		struct db_param p[] = { DB_I64(q->account_id) };
		if ((rc = count_rows(db, "SELECT COUNT(*) FROM accounts WHERE id = ?"
		    " FOR UPDATE", p, 1, &n)) != DB_OK)
			return rc;
		if (n == 0)
			return refuse(a, SP_NOT_FOUND, "The account does not exist.");
	}
	if ((rc = key_seen(db, q->attempt_key, &n)) != DB_OK)
		return rc;
	if (n != 0)
		return DB_DUP;
	if (q->client_id) {
		struct db_param p[] = { DB_I64(q->client_id), DB_I64(q->account_id) };
		if ((rc = count_rows(db, "SELECT COUNT(*) FROM clients WHERE id = ?"
		    " AND account_id = ?", p, 2, &n)) != DB_OK)
			return rc;
		if (n == 0)
			return refuse(a, SP_INVALID,
			    "The client does not belong to this account.");
	}
	return DB_OK;
}

static int
attempt_insert_tx(struct db *db, void *arg)
{
	struct attempt *a = arg;
	const struct sp_start *q = a->req;
	char today[11], detail[300];
	uint64_t id = 0;
	int rc;

	if ((rc = attempt_preconditions(db, a)) != DB_OK)
		return rc;
	if (date_fmt(date_today(), today, sizeof(today)) == -1)
		return DB_ERR;
	if ((rc = sp_reserve_check(db, q->account_id, q->amount, q->alloc_plan,
	    &a->rv)) != DB_OK)
		return rc;
	/* attempt_preconditions() looked for this form's row after locking
	 * the account: a twin that got there first has answered already. */
	if (a->rv.refused)
		return refuse(a, a->rv.refused, a->rv.msg);
	{
		const char *plan = a->rv.plan;
		/* The consent goes with a method saved by this payment only. */
		const struct sp_consent_req *k = q->save_method ? a->consent : NULL;
		char ua[256] = "";
		if (k != NULL)
			sp_utf8_cut(ua, sizeof(ua), k->user_agent ? k->user_agent : "");
		struct db_param p[] = { DB_I64(q->account_id), ID_OR_NULL(q->client_id),
		    DB_STR(a->method), DB_I64(q->amount), DB_STR(today),
		    DB_STR(q->memo ? q->memo : ""), ID_OR_NULL(sp_staff_id(a->sp->actor)),
		    DB_I64(clock_now()), DB_STR(q->attempt_key),
		    ID_OR_NULL(q->payment_method_id), DB_I64(q->save_method ? 1 : 0),
		    DB_STR(plan),
		    k ? DB_STR(k->signer_name) : DB_NULL,
		    k ? DB_STR(k->scope) : DB_NULL,
		    k ? ID_OR_NULL(k->max_amount) : DB_NULL,
		    k ? DB_STR(k->text_version) : DB_NULL,
		    k ? DB_STR(k->ip ? k->ip : "") : DB_NULL,
		    k ? DB_STR(ua) : DB_NULL,
		    k ? ID_OR_NULL(k->recorded_by) : DB_NULL };
		rc = db_exec(db, "INSERT INTO payments (account_id, client_id, method,"
		    " amount, status, received_date, memo, created_by, created_at,"
		    " attempt_key, payment_method_id, save_method, alloc_plan,"
		    " consent_signer, consent_scope, consent_max_amount,"
		    " consent_text_version, consent_ip, consent_user_agent,"
		    " consent_recorded_by)"
		    " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?,"
		    " ?, ?, ?, ?, ?, ?, ?)",
		    p, ARRAY_LEN(p), NULL, &id);
		if (rc != DB_OK)
			return rc;
	}
	a->payment_id = (int64_t)id;
	if ((rc = sp_reserve_record(db, a->payment_id, q->account_id,
	    &a->rv)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "%s payment of %" PRId64 " cents"
	    " started%s", a->method, q->amount, q->payment_method_id ?
	    " (saved method, off-session)" : "");
	return audit_record(db, a->sp->actor, "payment.start", "payment",
	    a->payment_id, detail);
}

/* The row for the form's attempt_key: new, or the one made before (which
 * must be the same payment). SP_OK with a->payment_id, or a refusal. */
static int
attempt_row(struct attempt *a)
{
	const struct sp_start *q = a->req;
	struct db_param p[] = { DB_STR(q->attempt_key) };
	struct db_result r;
	int64_t seen = 0;
	int rc;

	a->st = SP_OK;
	rc = key_seen(a->sp->db, q->attempt_key, &seen);
	if (rc != DB_OK)
		return SP_DB;
	rc = seen ? DB_DUP : db_tx(a->sp->db, attempt_insert_tx, a);
	if (rc == DB_OK)
		return SP_OK;
	if (rc != DB_DUP)
		return a->st > 0 ? a->st : SP_DB;
	rc = db_query(a->sp->db, "SELECT id, account_id, amount, method,"
	    " COALESCE(payment_method_id, 0) FROM payments WHERE attempt_key = ?",
	    p, 1, &r);
	if (rc != DB_OK || r.nrows != 1) {
		db_result_free(&r);
		return SP_DB;
	}
	a->payment_id = db_i64(&r, 0, 0);
	if (db_i64(&r, 0, 1) != q->account_id || db_i64(&r, 0, 2) != q->amount ||
	    strcmp(db_str(&r, 0, 3), a->method) != 0 ||
	    db_i64(&r, 0, 4) != q->payment_method_id) {
		db_result_free(&r);
		(void)str_copy(a->msg, sizeof(a->msg), "This payment form was already "
		    "used for a different payment. Reload the page and try again.");
		return SP_CONFLICT;
	}
	db_result_free(&r);
	return SP_OK;
}

/* The client secret of an intent made before (a resubmitted form). */
static int
intent_secret(const struct sp *sp, const char *intent, struct sp_result *out)
{
	struct stripe_result r;
	const char *cs;
	int rc = stripe_payment_intent_retrieve(sp->stripe, intent, &r);

	if (rc == 0 && (cs = stripe_json_str(&r, "client_secret")) != NULL)
		(void)str_copy(out->client_secret, sizeof(out->client_secret), cs);
	else if (rc == -1)
		(void)str_copy(out->message, sizeof(out->message),
		    stripe_friendly_message(&r));
	stripe_result_free(&r);
	return rc == 0 ? SP_OK : SP_STRIPE;
}

/* Two-phase PaymentIntent creation (no network call inside a transaction):
 * claim the row (short transaction: intent_claimed_at), call Stripe with
 * no transaction open, record the answer in a new short transaction. The
 * Idempotency-Key "pi-<payment_id>" makes any retry (a later claim,
 * refresh, reconcile) a replay; the webhook settles the row meanwhile. */
struct create_args {
	const struct sp		*sp;
	int64_t			 payment_id;
	const char		*customer;
	int			 force;		/* refresh/reconcile: ignore a claim */
	struct sp_payment	 row;
	int			 found;
	int			 done;		/* has its intent, or settled */
	int			 claimed;	/* ours to call Stripe for */
	char			 pm[65];	/* saved method's Stripe id */
	struct stripe_result	 res;		/* Stripe's answer (phase 2) */
	int			 created;	/* Stripe answered our create */
	int			 uncertain;
	char			 client_secret[256];
	struct sp_settle_in	 in;
	struct sp_settle_out	 out;
};

/* The saved method's Stripe id and kind, if active. */
static int
method_stripe_id(struct db *db, int64_t method_id, int64_t account_id, char *pm,
    size_t pmsz, char *kind, size_t kindsz, int *active)
{
	struct db_param p[] = { DB_I64(method_id), DB_I64(account_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT stripe_pm_id, kind, status FROM payment_methods"
	    " WHERE id = ? AND account_id = ?", p, 2, &r);

	*active = 0;
	if (rc == DB_OK && r.nrows == 1) {
		(void)str_copy(pm, pmsz, db_str(&r, 0, 0));
		(void)str_copy(kind, kindsz, db_str(&r, 0, 1));
		*active = strcmp(db_str(&r, 0, 2), "active") == 0;
	}
	db_result_free(&r);
	return rc;
}

/* A definite refusal without a PaymentIntent: the row fails, no money. */
static int
fail_without_intent(struct db *db, struct create_args *c, struct stripe_result *r)
{
	const char *code = r->decline_code[0] ? r->decline_code :
	    r->code[0] ? r->code : "stripe_error";

	log_warn("stripe: payment %" PRId64 " refused: http %ld type %s code %s "
	    "decline %s: %s", c->row.id, r->http_status, r->type, r->code,
	    r->decline_code, r->message);
	c->out.changed = 1;
	return row_update(db, c->sp->actor, &c->row, "failed", "", code,
	    stripe_friendly_message(r));
}

/* How long a claim keeps others from calling Stripe for the same row:
 * longer than one create with its retries may take. */
static int64_t
claim_ttl(const struct sp *sp)
{
	int64_t t = sp->cfg->stripe_timeout > 0 ? sp->cfg->stripe_timeout : 30;

	return 2 * t + 5;
}

/* Phase 1: the row is ours to create the intent for, unless it has one,
 * is settled, or another worker's claim is still fresh. */
static int
claim_tx(struct db *db, void *arg)
{
	struct create_args *c = arg;
	char kind[16] = "";
	int64_t now = clock_now();
	int rc, active = 0;

	c->done = c->claimed = 0;
	memset(&c->out, 0, sizeof(c->out));
	if ((rc = sp_payment_lock(db, c->payment_id, &c->row, &c->found)) != DB_OK ||
	    !c->found)
		return rc;
	if (c->row.intent[0] != '\0' || strcmp(c->row.status, "pending") != 0) {
		c->done = 1;
		return DB_OK;
	}
	{
		struct db_param p[] = { DB_I64(c->row.id), DB_I64(now - claim_ttl(c->sp)) };
		int64_t fresh = 0;
		if ((rc = db_query_i64(db, "SELECT COUNT(*) FROM payments WHERE id = ?"
		    " AND intent_claimed_at > ?", p, 2, &fresh)) != DB_OK)
			return rc;
		if (fresh && !c->force)
			return DB_OK;
	}
	if (c->row.payment_method_id != 0) {
		if ((rc = method_stripe_id(db, c->row.payment_method_id,
		    c->row.account_id, c->pm, sizeof(c->pm), kind, sizeof(kind),
		    &active)) != DB_OK)
			return rc;
		if (!active) {
			c->done = 1;
			c->out.changed = 1;
			return row_update(db, c->sp->actor, &c->row, "failed", "",
			    "payment_method_removed",
			    "That saved payment method was removed. Use another one.");
		}
	}
	{
		struct db_param p[] = { DB_I64(now), DB_I64(c->row.id) };
		if ((rc = db_exec(db, "UPDATE payments SET intent_claimed_at = ?"
		    " WHERE id = ?", p, 2, NULL, NULL)) != DB_OK)
			return rc;
	}
	c->claimed = 1;
	return DB_OK;
}

/* Phase 2, outside any transaction: POST /v1/payment_intents. */
static void
create_call(struct create_args *c)
{
	struct stripe_pi_params pp;
	char key[48];

	memset(&pp, 0, sizeof(pp));
	pp.amount_cents = c->row.amount;
	pp.customer = c->customer;
	pp.payment_id = c->row.id;
	pp.description = c->row.memo[0] ? c->row.memo : NULL;
	pp.payment_method_type = strcmp(c->row.method, "ach") == 0 ?
	    "us_bank_account" : "card";
	if (c->row.payment_method_id != 0) {
		pp.payment_method = c->pm;
		pp.confirm_off_session = true;
	} else
		pp.setup_future_usage = c->row.save_method != 0;
	(void)str_fmt(key, sizeof(key), "pi-%" PRId64, c->row.id);
	stripe_result_init(&c->res);
	c->created = stripe_payment_intent_create(c->sp->stripe, &pp, key,
	    &c->res) == 0;
	c->uncertain = !c->created && stripe_result_uncertain(&c->res);
	if (c->uncertain)
		log_warn("stripe: payment %" PRId64 ": no certain answer (%s %s); "
		    "left pending for reconcile", c->row.id, c->res.type,
		    c->res.message);
}

/* The PaymentIntent of Stripe's answer (NULL: none, a plain refusal). */
static struct json_object *
create_pi(struct create_args *c)
{
	struct json_object *pi;

	if (c->created)
		return c->res.json;
	pi = stripe_obj_get(c->res.json, "error.payment_intent");
	return pi != NULL && json_object_is_type(pi, json_type_object) ? pi : NULL;
}

/* Phase 3: the answer recorded on the row (settled from the intent, or
 * failed without one); an uncertain answer gives the claim back. */
static int
record_tx(struct db *db, void *arg)
{
	struct create_args *c = arg;
	struct json_object *pi = create_pi(c);
	int rc;

	memset(&c->out, 0, sizeof(c->out));
	if ((rc = sp_payment_lock(db, c->payment_id, &c->row, &c->found)) != DB_OK ||
	    !c->found)
		return rc;
	if (c->uncertain) {
		struct db_param p[] = { DB_I64(c->row.id) };
		return db_exec(db, "UPDATE payments SET intent_claimed_at = NULL"
		    " WHERE id = ?", p, 1, NULL, NULL);
	}
	if (pi == NULL) {
		if (c->row.intent[0] != '\0' || strcmp(c->row.status, "pending") != 0)
			return DB_OK;	/* settled meanwhile (webhook) */
		return fail_without_intent(db, c, &c->res);
	}
	{
		const char *cs = stripe_obj_str(pi, "client_secret");
		(void)str_copy(c->client_secret, sizeof(c->client_secret), cs ? cs : "");
	}
	c->in.pi = pi;
	c->in.authoritative = 1;
	rc = sp_settle_notify(db, c->sp, &c->row, &c->in, &c->out);
	c->in.pi = NULL;
	return rc;
}

/* Phase 3 with the PaymentMethod fetched when settlement asks for it. */
static int
record_run(struct create_args *c)
{
	int rc = DB_ERR;

	for (int round = 0; round < SP_TX_ROUNDS; round++) {
		rc = db_tx(c->sp->db, record_tx, c);
		if (rc != SP_TX_NEED)
			break;
		if (c->in.pm != NULL)
			json_object_put(c->in.pm);
		c->in.pm = NULL;
		if (fetch_pm(c->sp, c->out.need_pm, &c->in.pm) == -1)
			break;
	}
	if (c->in.pm != NULL)
		json_object_put(c->in.pm);
	c->in.pm = NULL;
	if (rc == SP_TX_NEED) {
		/* Settled later by refresh/webhook/reconcile. */
		rc = DB_OK;
		c->uncertain = 1;
	}
	return rc;
}

/* Another worker holds the claim: wait (holding nothing) until the row has
 * its outcome or the claim can be taken over. 1 go on, 0 gave up. */
static int
claim_wait(struct create_args *c)
{
	int64_t until = clock_now() + claim_ttl(c->sp) + 1;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	while (clock_now() < until) {
		int rc = db_tx(c->sp->db, claim_tx, c);

		if (rc != DB_OK)
			return -1;
		if (!c->found || c->done || c->claimed)
			return 1;
		(void)nanosleep(&ts, NULL);
	}
	return 0;
}

/* Creates the intent of a pending row once: claim, Stripe, record. A
 * concurrent submission of the same row waits for the first's outcome. */
static int
attempt_intent_run(const struct sp *sp, int64_t payment_id, const char *customer,
    int force, struct sp_result *out)
{
	struct create_args c;
	int rc, waited = 0;

	memset(&c, 0, sizeof(c));
	c.sp = sp;
	c.payment_id = payment_id;
	c.customer = customer;
	c.force = force;
	if (db_tx(sp->db, claim_tx, &c) != DB_OK)
		return SP_DB;
	if (c.found && !c.done && !c.claimed) {
		waited = 1;
		if ((rc = claim_wait(&c)) == -1)
			return SP_DB;
		c.uncertain = rc == 0;
	}
	if (!c.found)
		return SP_NOT_FOUND;
	if (c.claimed) {
		create_call(&c);
		rc = record_run(&c);
		stripe_result_free(&c.res);
		if (rc != DB_OK)
			return SP_DB;
	} else if (waited && c.done && sp_payment_read(sp->db, payment_id, &c.row,
	    &c.found) != DB_OK)
		return SP_DB;
	if (c.out.cancel && c.row.intent[0])
		sp_cancel_intent(sp, c.row.id, c.row.intent);
	sp_result_from(out, &c.row);
	(void)str_copy(out->client_secret, sizeof(out->client_secret), c.client_secret);
	if (c.uncertain && c.row.intent[0] == '\0' &&
	    strcmp(c.row.status, "pending") == 0) {
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer in time. The payment is checked again automatically; do "
		    "not take it again before it shows as failed.");
		return SP_STRIPE;
	}
	/* A page payment another submission made: its client secret. */
	if (!c.claimed && c.row.intent[0] && strcmp(c.row.status, "pending") == 0 &&
	    c.row.payment_method_id == 0 && strcmp(c.row.stripe_status,
	    "processing") != 0)
		return intent_secret(sp, c.row.intent, out);
	return SP_OK;
}

static int
attempt_intent(const struct sp *sp, int64_t payment_id, const char *customer,
    struct sp_result *out)
{
	return attempt_intent_run(sp, payment_id, customer, 0, out);
}

static int
start_check(const struct sp_start *q, const char *method,
    const struct sp_consent_req *consent, char *msg, size_t msgsz)
{
	struct alloc_req plan[SP_PLAN_MAX];
	int64_t sum = 0;
	size_t n;
	int a;

	if (strcmp(method, "card") != 0 && strcmp(method, "ach") != 0)
		sp_msg(msg, msgsz, "Method must be card or ach.");
	else if (q->amount < 1 || q->amount > SP_AMOUNT_MAX)
		sp_msg(msg, msgsz, "Amount must be between $0.01 and $999,999.99.");
	else if (!sp_attempt_key_ok(q->attempt_key))
		sp_msg(msg, msgsz, "The form is missing its attempt key. Reload the "
		    "page and try again.");
	else if (stripe_pay_plan_parse(q->alloc_plan, &a, plan, ARRAY_LEN(plan),
	    &n) == -1)
		sp_msg(msg, msgsz, "The allocation is not valid.");
	else if (q->memo != NULL && strlen(q->memo) > 500)
		sp_msg(msg, msgsz, "The description is too long (500 characters).");
	else if (consent != NULL && sp_consent_check(consent, msg, msgsz) == -1)
		;	/* msg set */
	else {
		for (size_t i = 0; i < n; i++)
			sum += plan[i].amount;
		if (sum <= q->amount)
			return 0;
		sp_msg(msg, msgsz, "The allocations add up to more than the amount.");
	}
	return -1;
}

/* Common path of start and charge_saved after the method checks. */
static int
attempt_run(const struct sp *sp, const struct sp_start *q, const char *method,
    const struct sp_consent_req *consent, struct sp_result *out)
{
	struct attempt a;
	struct sp_payment row;
	char customer[65];
	int rc, found = 0;

	memset(&a, 0, sizeof(a));
	a.sp = sp;
	a.req = q;
	a.consent = consent;
	a.method = method;
	if ((rc = attempt_row(&a)) != SP_OK) {
		(void)str_copy(out->message, sizeof(out->message), a.msg[0] ? a.msg :
		    "The payment could not be saved. Please try again.");
		if (rc == SP_BUSY) {
			out->busy_payment_id = a.rv.busy_payment_id;
			out->busy_amount = a.rv.busy_amount;
			(void)str_copy(out->busy_invoice, sizeof(out->busy_invoice),
			    a.rv.busy_invoice);
		}
		return rc;
	}
	out->payment_id = a.payment_id;
	if (sp_payment_read(sp->db, a.payment_id, &row, &found) != DB_OK || !found)
		return SP_DB;
	if (row.intent[0] != '\0' || strcmp(row.status, "pending") != 0) {
		/* A resubmission: report, and for a pending page payment hand
		 * back the intent's client secret again. */
		sp_result_from(out, &row);
		if (row.intent[0] && strcmp(row.status, "pending") == 0 &&
		    row.payment_method_id == 0)
			return intent_secret(sp, row.intent, out);
		return SP_OK;
	}
	if ((rc = stripe_pay_customer(sp, q->account_id, customer,
	    sizeof(customer))) != SP_OK) {
		sp_result_from(out, &row);
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer. Nothing was charged; please try again in a moment.");
		return rc;
	}
	return attempt_intent(sp, a.payment_id, customer, out);
}

int
stripe_pay_start_consent(const struct sp *sp, const struct sp_start *q,
    const struct sp_consent_req *consent, struct sp_result *out)
{
	struct sp_start req = *q;

	memset(out, 0, sizeof(*out));
	req.payment_method_id = 0;
	if (!req.save_method)
		consent = NULL;
	if (start_check(&req, q->method ? q->method : "", consent, out->message,
	    sizeof(out->message)) == -1)
		return SP_INVALID;
	return attempt_run(sp, &req, q->method, consent, out);
}

int
stripe_pay_start(const struct sp *sp, const struct sp_start *q,
    struct sp_result *out)
{
	return stripe_pay_start_consent(sp, q, NULL, out);
}

/* A saved-method charge its consents do not cover. A twin submission of
 * the same form may have been recorded since we looked (answer with it),
 * or money may be held by a payment in flight (say so, with its link);
 * otherwise the consent's reason stands. */
static int
charge_refused(const struct sp *sp, const struct sp_start *req,
    struct sp_result *out)
{
	int64_t seen = 0, held = 0, busy = 0;
	char amt[MONEY_FMT_MAX];

	if (key_seen(sp->db, req->attempt_key, &seen) != DB_OK)
		return SP_DB;
	if (seen) {
		memset(out, 0, sizeof(*out));
		return attempt_run(sp, req, req->method, NULL, out);
	}
	if (stripe_pay_reserved(sp->db, req->account_id, 0, &held, &busy) != SP_OK)
		return SP_DB;
	if (held <= 0 || busy == 0)
		return SP_NO_CONSENT;	/* out->message says why */
	out->busy_payment_id = busy;
	out->busy_amount = held;
	money_format(held, amt, sizeof(amt));
	(void)str_fmt(out->message, sizeof(out->message), "A payment of %s for "
	    "this account is already in progress.", amt);
	return SP_BUSY;
}

static int charge_saved_run(const struct sp *, const struct sp_start *,
    int64_t plan_id, struct sp_result *);

int
stripe_pay_charge_saved(const struct sp *sp, const struct sp_start *q,
    struct sp_result *out)
{
	return charge_saved_run(sp, q, 0, out);
}

int
stripe_pay_charge_installment(const struct sp *sp, const struct sp_start *q,
    int64_t plan_id, struct sp_result *out)
{
	if (plan_id <= 0)
		return SP_INVALID;
	return charge_saved_run(sp, q, plan_id, out);
}

/* plan_id != 0: a plan's installment, whatever cfg says it needs a consent
 * scoped to that plan covering the amount. */
static int
charge_saved_run(const struct sp *sp, const struct sp_start *q, int64_t plan_id,
    struct sp_result *out)
{
	struct sp_start req = *q;
	char pm[65], kind[16];
	int active = 0, rc;

	memset(out, 0, sizeof(*out));
	req.save_method = 0;
	if (method_stripe_id(sp->db, q->payment_method_id, q->account_id, pm,
	    sizeof(pm), kind, sizeof(kind), &active) != DB_OK)
		return SP_DB;
	if (!active) {
		sp_msg(out->message, sizeof(out->message),
		    "That saved payment method is not on this account.");
		return SP_NOT_FOUND;
	}
	req.method = strcmp(kind, "us_bank_account") == 0 ? "ach" : "card";
	if (start_check(&req, req.method, NULL, out->message,
	    sizeof(out->message)) == -1)
		return SP_INVALID;
	if (sp->cfg->consent_required || plan_id != 0) {
		int64_t seen = 0;
		/* A resubmission of a charge already made is answered below. */
		if (key_seen(sp->db, q->attempt_key, &seen) != DB_OK)
			return SP_DB;
		if (!seen) {
			rc = plan_id != 0 ? stripe_pay_consent_covers_installment(
			    sp->db, q->payment_method_id, plan_id, q->amount,
			    out->message, sizeof(out->message)) :
			    stripe_pay_consent_covers(sp->db, q->payment_method_id,
			    q->amount, out->message, sizeof(out->message));
			if (rc < 0)
				return SP_DB;
			if (rc == 0)
				return charge_refused(sp, &req, out);
		}
	}
	return attempt_run(sp, &req, req.method, NULL, out);
}

int
stripe_pay_refresh(const struct sp *sp, int64_t payment_id, struct sp_result *out)
{
	struct sp_payment row;
	struct stripe_result r;
	char customer[65];
	int found = 0, rc;

	memset(out, 0, sizeof(*out));
	if (sp_payment_read(sp->db, payment_id, &row, &found) != DB_OK)
		return SP_DB;
	if (!found || (strcmp(row.method, "card") != 0 && strcmp(row.method, "ach") != 0))
		return SP_NOT_FOUND;
	if (row.intent[0] == '\0') {
		if (strcmp(row.status, "pending") != 0) {
			sp_result_from(out, &row);
			return SP_OK;
		}
		if ((rc = stripe_pay_customer(sp, row.account_id, customer,
		    sizeof(customer))) != SP_OK)
			return rc;
		/* Whoever claimed it may have died: the same key replays. */
		return attempt_intent_run(sp, payment_id, customer, 1, out);
	}
	if (stripe_payment_intent_retrieve(sp->stripe, row.intent, &r) == -1) {
		log_warn("stripe: retrieve %s: %s %s", row.intent, r.code, r.message);
		sp_result_from(out, &row);
		(void)str_copy(out->message, sizeof(out->message),
		    stripe_friendly_message(&r));
		stripe_result_free(&r);
		return SP_STRIPE;
	}
	rc = stripe_pay_settle(sp, payment_id, r.json, 1, out);
	stripe_result_free(&r);
	return rc;
}

/* --- cancel --------------------------------------------------------------------- */

/* Stripe's intent states in which nobody confirmed the payment yet. */
static int
unconfirmed(const char *st)
{
	return st != NULL && (strcmp(st, "requires_payment_method") == 0 ||
	    strcmp(st, "requires_confirmation") == 0 ||
	    strcmp(st, "requires_action") == 0);
}

/* The intent turned out confirmed: settled from Stripe's state (pi), not
 * canceled. SP_INVALID with the message, or the settle's error. */
static int
cancel_refused(const struct sp *sp, int64_t payment_id, struct json_object *pi,
    struct sp_result *out)
{
	int rc = stripe_pay_settle(sp, payment_id, pi, 1, out);

	if (rc != SP_OK)
		return rc;
	if (strcmp(out->status, "succeeded") == 0)
		(void)str_copy(out->message, sizeof(out->message), "The payment was "
		    "not canceled: the client had already completed it. It is "
		    "posted to the account.");
	else if (strcmp(out->status, "pending") == 0 &&
	    strcmp(out->stripe_status, "processing") == 0)
		(void)str_copy(out->message, sizeof(out->message), "The payment was "
		    "not canceled: it is already processing at the bank. It is "
		    "posted when the bank confirms it; refund it then if needed.");
	else if (strcmp(out->status, "canceled") != 0 && out->message[0] == '\0')
		(void)str_copy(out->message, sizeof(out->message), "The payment "
		    "could not be canceled.");
	return strcmp(out->status, "canceled") == 0 ? SP_OK : SP_INVALID;
}

int
stripe_pay_cancel(const struct sp *sp, int64_t payment_id, struct sp_result *out)
{
	struct sp_payment row;
	struct stripe_result r;
	const char *st;
	char key[64];
	int found = 0, rc;

	memset(out, 0, sizeof(*out));
	if (sp_payment_read(sp->db, payment_id, &row, &found) != DB_OK)
		return SP_DB;
	if (!found || (strcmp(row.method, "card") != 0 && strcmp(row.method, "ach") != 0))
		return SP_NOT_FOUND;
	if (strcmp(row.status, "pending") == 0 && row.payment_method_id == 0 &&
	    row.intent[0] == '\0') {
		/* Its intent first: created again with the same key (a replay
		 * when it had been made; never confirmed, so never a charge). */
		if ((rc = stripe_pay_refresh(sp, payment_id, out)) != SP_OK)
			return rc;
		if (sp_payment_read(sp->db, payment_id, &row, &found) != DB_OK || !found)
			return SP_DB;
		if (strcmp(row.status, "pending") == 0 && row.intent[0] == '\0') {
			sp_result_from(out, &row);
			(void)str_copy(out->message, sizeof(out->message), "Stripe did "
			    "not answer. Nothing was canceled; please try again.");
			return SP_STRIPE;
		}
	}
	memset(out, 0, sizeof(*out));
	sp_result_from(out, &row);
	if (strcmp(row.status, "pending") != 0) {
		(void)str_fmt(out->message, sizeof(out->message), "This payment is "
		    "already %s; it cannot be canceled.", strcmp(row.status,
		    "succeeded") == 0 ? "paid" : row.status);
		return SP_INVALID;
	}
	if (row.payment_method_id != 0) {
		(void)str_copy(out->message, sizeof(out->message), "A saved payment "
		    "method is charged at once: this payment cannot be canceled. "
		    "Check its status; refund it once it is paid.");
		return SP_INVALID;
	}
	/* Stripe's current state: a payment the client confirmed meanwhile is
	 * settled, not canceled. */
	if (stripe_payment_intent_retrieve(sp->stripe, row.intent, &r) == -1) {
		log_warn("stripe: retrieve %s: %s %s", row.intent, r.code, r.message);
		(void)str_copy(out->message, sizeof(out->message),
		    stripe_friendly_message(&r));
		stripe_result_free(&r);
		return SP_STRIPE;
	}
	st = stripe_json_str(&r, "status");
	if (st != NULL && strcmp(st, "canceled") == 0) {
		rc = cancel_refused(sp, payment_id, r.json, out);
		stripe_result_free(&r);
		return rc;
	}
	if (!unconfirmed(st)) {
		rc = cancel_refused(sp, payment_id, r.json, out);
		stripe_result_free(&r);
		return rc == SP_OK ? SP_INVALID : rc;
	}
	stripe_result_free(&r);
	(void)str_fmt(key, sizeof(key), "pi-cancel-%" PRId64, row.id);
	if (stripe_payment_intent_cancel(sp->stripe, row.intent, key, &r) == -1) {
		int uncertain = stripe_result_uncertain(&r);

		log_warn("stripe: cancel %s: %s %s", row.intent, r.code, r.message);
		stripe_result_free(&r);
		/* Refused: it moved on (confirmed meanwhile); settle from it. */
		if (!uncertain &&
		    stripe_payment_intent_retrieve(sp->stripe, row.intent, &r) == 0) {
			rc = cancel_refused(sp, payment_id, r.json, out);
			stripe_result_free(&r);
			return rc;
		}
		stripe_result_free(&r);
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer. The payment was not canceled; please try again.");
		return SP_STRIPE;
	}
	rc = stripe_pay_settle(sp, payment_id, r.json, 1, out);
	stripe_result_free(&r);
	if (rc != SP_OK)
		return rc;
	if (strcmp(out->status, "canceled") != 0)
		return SP_INVALID;
	(void)str_copy(out->message, sizeof(out->message), "The payment was "
	    "canceled. Nothing was charged.");
	return SP_OK;
}

/* --- reading ------------------------------------------------------------------- */

int
stripe_pay_get(struct db *db, int64_t payment_id, struct sp_payment *out)
{
	int found = 0;

	if (sp_payment_read(db, payment_id, out, &found) != DB_OK)
		return SP_DB;
	return found ? SP_OK : SP_NOT_FOUND;
}

int
stripe_pay_by_attempt(struct db *db, const char *attempt_key, struct sp_payment *out)
{
	struct db_param p[] = { DB_STR(attempt_key ? attempt_key : "") };
	int64_t id = 0;

	if (!sp_attempt_key_ok(attempt_key))
		return SP_NOT_FOUND;
	if (db_query_i64(db, "SELECT COALESCE(MAX(id), 0) FROM payments"
	    " WHERE attempt_key = ?", p, 1, &id) != DB_OK)
		return SP_DB;
	return id ? stripe_pay_get(db, id, out) : SP_NOT_FOUND;
}

int
stripe_pay_list(struct db *db, int64_t account_id, int64_t client_id,
    int64_t before_id, size_t limit, struct sp_payment **out, size_t *n,
    int *more)
{
	size_t lim = limit < 1 ? 50 : limit > 200 ? 200 : limit;
	struct db_param p[] = { DB_I64(account_id), DB_I64(client_id),
	    DB_I64(client_id), DB_I64(client_id), DB_I64(before_id),
	    DB_I64(before_id), DB_I64((int64_t)lim + 1) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	rc = db_query(db, "SELECT " SP_PAY_COLS " FROM payments p"
	    " WHERE p.account_id = ? AND (? = 0 OR p.client_id = ?"
	    " OR p.id IN (" PAYMENT_APPLIED_TO_CLIENT "))"
	    " AND (? = 0 OR p.id < ?) ORDER BY p.id DESC LIMIT ?",
	    p, ARRAY_LEN(p), &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return SP_DB;
	}
	*more = r.nrows > lim;
	*n = r.nrows > lim ? lim : r.nrows;
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		*n = 0;
		db_result_free(&r);
		return SP_DB;
	}
	for (size_t i = 0; i < *n; i++)
		payment_from_row(&r, i, &(*out)[i]);
	db_result_free(&r);
	return SP_OK;
}

/* --- reconciliation ------------------------------------------------------------ */

/* An intent made long ago whose key may have expired at Stripe: look for
 * it by metadata before creating again. 1 found (adopted via settle), 0
 * not found, -1 Stripe error. */
static int
search_intent(const struct sp *sp, int64_t payment_id, struct sp_result *out)
{
	struct kvlist q;
	struct stripe_result r;
	struct json_object *pi;
	char query[96];
	int rc;

	kvlist_init(&q);
	(void)str_fmt(query, sizeof(query), "metadata['payment_id']:'%" PRId64 "'",
	    payment_id);
	if (kvlist_add(&q, "query", query) == -1) {
		kvlist_free(&q);
		return -1;
	}
	rc = stripe_get(sp->stripe, "/v1/payment_intents/search", &q, &r);
	kvlist_free(&q);
	if (rc == -1) {
		stripe_result_free(&r);
		return -1;
	}
	pi = stripe_obj_get(r.json, "data.0");
	rc = pi != NULL ? 1 : 0;
	if (pi != NULL && stripe_pay_settle(sp, payment_id, pi, 1, out) != SP_OK)
		rc = -1;
	stripe_result_free(&r);
	return rc;
}

static void
reconcile_one(const struct sp *sp, const struct sp_payment *row, FILE *log,
    struct sp_reconcile_stats *st)
{
	struct sp_result res;
	int64_t age = clock_now() - row->created_at;
	int rc, found = 0;

	memset(&res, 0, sizeof(res));
	if (row->intent[0] == '\0' && age > 12 * 3600)
		found = search_intent(sp, row->id, &res);
	if (found == -1)
		rc = SP_STRIPE;
	else if (found == 1)
		rc = SP_OK;
	else
		rc = stripe_pay_refresh(sp, row->id, &res);
	if (rc == SP_OK && strcmp(res.status, "pending") == 0 && res.intent[0] &&
	    age > SP_ABANDON_SECONDS && (strcmp(res.stripe_status,
	    "requires_payment_method") == 0 || strcmp(res.stripe_status,
	    "requires_confirmation") == 0 || strcmp(res.stripe_status,
	    "requires_action") == 0)) {
		sp_cancel_intent(sp, row->id, res.intent);
		rc = stripe_pay_refresh(sp, row->id, &res);
	}
	if (rc != SP_OK) {
		st->errors++;
		if (log)
			fprintf(log, "payment %" PRId64 ": %s could not be settled: %s\n",
			    row->id, row->intent[0] ? row->intent : "(no intent)",
			    res.message[0] ? res.message : "database error");
		return;
	}
	if (strcmp(res.status, "pending") == 0)
		st->still_pending++;
	else
		st->settled++;
	if (log)
		fprintf(log, "payment %" PRId64 ": %s%s -> %s (Stripe %s)%s%s\n",
		    row->id, res.intent[0] ? res.intent : "(no intent)",
		    row->intent[0] ? "" : " (intent asked again with the same key)",
		    res.status, res.stripe_status[0] ? res.stripe_status : "-",
		    res.failure_code[0] ? " " : "", res.failure_code);
}

/* Takes the row for this run: 1 when the stamp moved from what was read
 * (another runner did not take it meanwhile), 0 when not, -1 on errors. */
static int
reconcile_claim(struct db *db, int64_t id, int64_t was, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(id), DB_I64(was) };
	uint64_t n = 0;

	/* GREATEST: the stamp always moves, so "changed rows" is 1 even for a
	 * row stamped earlier in the same second. */
	if (db_exec(db, "UPDATE payments SET checked_at = GREATEST(?, checked_at + 1)"
	    " WHERE id = ? AND checked_at = ? AND status = 'pending'", p, 3, &n,
	    NULL) != DB_OK)
		return -1;
	return n == 1;
}

int
stripe_pay_reconcile_n(const struct sp *sp, int64_t older_than, size_t limit,
    FILE *log, struct sp_reconcile_stats *st)
{
	int64_t now = clock_now();
	struct db_param p[] = { DB_I64(now - older_than),
	    DB_I64(limit > INT32_MAX ? INT32_MAX : (int64_t)limit) };
	struct db_result r;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = db_query(sp->db, "SELECT " SP_PAY_COLS ", p.checked_at FROM payments p"
	    " WHERE p.status = 'pending' AND p.method IN ('card', 'ach')"
	    " AND p.created_at <= ? ORDER BY p.checked_at, p.id LIMIT ?", p, 2, &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return SP_DB;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		struct sp_payment row;
		payment_from_row(&r, i, &row);
		rc = reconcile_claim(sp->db, row.id, db_i64(&r, i, r.ncols - 1), now);
		if (rc == -1)
			st->errors++;
		if (rc != 1)
			continue;
		st->examined++;
		reconcile_one(sp, &row, log, st);
	}
	db_result_free(&r);
	return sp_reconcile_refunds(sp, older_than, log, st);
}

int
stripe_pay_reconcile(const struct sp *sp, int64_t older_than, FILE *log,
    struct sp_reconcile_stats *st)
{
	return stripe_pay_reconcile_n(sp, older_than, SP_RECONCILE_BATCH, log, st);
}

int
sp_settle_notify(struct db *db, const struct sp *sp, struct sp_payment *row,
    struct sp_settle_in *in, struct sp_settle_out *out)
{
	int rc;

	if (in->cfg == NULL)
		in->cfg = sp->cfg;
	rc = sp_settle_row(db, sp->actor, row, in, out);
	if (rc != DB_OK)
		return rc;
	return portal_payment_settled(db, sp->cfg, row->id);
}
