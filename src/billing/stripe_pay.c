/* Card/ACH payment rows: small helpers shared by the stripe_pay_*.c files,
 * reading payments, allocation plans. Attempts (stripe_pay_attempt.c),
 * settlement (stripe_pay_settle.c), cancel and reconciliation
 * (stripe_pay_reconcile.c), refunds, methods, consents and webhook events
 * live in the other stripe_pay_*.c files. */
#include "common.h"

#include <time.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "payment.h"
#include "str.h"
#include "portal.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "gateway.h"

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

struct stripe_client *
stripe_pay_client(const struct config *cfg)
{
	return gateway_client(cfg);
}

void
sp_payment_from_row(const struct db_result *r, size_t i, struct sp_payment *p)
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
		sp_payment_from_row(&r, 0, out);
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
		sp_payment_from_row(&r, i, &(*out)[i]);
	db_result_free(&r);
	return SP_OK;
}
