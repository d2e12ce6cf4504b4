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
#include "store_payment.h"
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
sp_from_store(const struct store_payment *r, struct sp_payment *p)
{
	memset(p, 0, sizeof(*p));
	p->id = r->id;
	p->account_id = r->account_id;
	p->client_id = r->client_id;
	(void)str_copy(p->method, sizeof(p->method), r->method);
	p->amount = r->amount;
	(void)str_copy(p->status, sizeof(p->status), r->status);
	(void)str_copy(p->received_date, sizeof(p->received_date), r->received_date);
	(void)str_copy(p->memo, sizeof(p->memo), r->memo);
	(void)str_copy(p->attempt_key, sizeof(p->attempt_key), r->attempt_key);
	(void)str_copy(p->intent, sizeof(p->intent), r->intent);
	(void)str_copy(p->stripe_status, sizeof(p->stripe_status), r->stripe_status);
	p->payment_method_id = r->payment_method_id;
	p->save_method = r->save_method;
	(void)str_copy(p->failure_code, sizeof(p->failure_code), r->failure_code);
	(void)str_copy(p->failure_message, sizeof(p->failure_message),
	    r->failure_message);
	p->disputed = r->disputed;
	p->settled_at = r->settled_at;
	(void)str_copy(p->alloc_plan, sizeof(p->alloc_plan), r->alloc_plan);
	p->created_at = r->created_at;
	p->refunded = r->refunded;
	p->refund_pending = r->refund_pending;
	(void)str_copy(p->consent_signer, sizeof(p->consent_signer),
	    r->consent_signer);
	(void)str_copy(p->consent_scope, sizeof(p->consent_scope), r->consent_scope);
	p->consent_max_amount = r->consent_max_amount;
	(void)str_copy(p->consent_text_version, sizeof(p->consent_text_version),
	    r->consent_text_version);
	(void)str_copy(p->consent_ip, sizeof(p->consent_ip), r->consent_ip);
	(void)str_copy(p->consent_user_agent, sizeof(p->consent_user_agent),
	    r->consent_user_agent);
	p->consent_recorded_by = r->consent_recorded_by;
	p->consent_id = r->consent_id;
}

/* store_payment_get / _lock into out: db_status, *found. */
static int
payment_fetch(struct db *db, int64_t id, int lock, struct sp_payment *out,
    int *found)
{
	struct store_payment *row;
	int rc;

	*found = 0;
	if ((row = malloc(sizeof(*row))) == NULL)
		return DB_ERR;
	rc = lock ? store_payment_lock(db, id, row) : store_payment_get(db, id, row);
	if (rc == 1)
		sp_from_store(row, out);
	free(row);
	*found = rc == 1;
	return rc < 0 ? rc : DB_OK;
}

int
sp_payment_read(struct db *db, int64_t id, struct sp_payment *out, int *found)
{
	return payment_fetch(db, id, 0, out, found);
}

int
sp_payment_lock(struct db *db, int64_t id, struct sp_payment *out, int *found)
{
	return payment_fetch(db, id, 1, out, found);
}

int
sp_stripe_payment_fresh(const struct sp *sp, int64_t id, struct sp_payment *row)
{
	int found = 0, rc;

	/* Galera: the payment may have been created (the form went to another
	 * host) or settled (its webhook did) through another node just now. */
	rc = db_causal(sp->db, 1) == DB_OK ? sp_payment_read(sp->db, id, row,
	    &found) : DB_DOWN;
	(void)db_causal(sp->db, 0);
	if (rc != DB_OK)
		return SP_DB;
	if (!found || (strcmp(row->method, "card") != 0 &&
	    strcmp(row->method, "ach") != 0))
		return SP_NOT_FOUND;
	return SP_OK;
}

int
sp_payment_by_intent(struct db *db, const char *intent, int64_t *id)
{
	return store_payment_by_intent(db, intent, id);
}

int
sp_payments_lock_intents(struct db *db, const char *const *intents, size_t n,
    struct sp_payment *out, size_t *nout)
{
	struct store_payment *rows = calloc(n ? n : 1, sizeof(*rows));
	int rc;

	*nout = 0;
	if (rows == NULL)
		return DB_ERR;
	rc = store_payment_lock_intents(db, intents, n, rows, nout);
	for (size_t i = 0; rc == DB_OK && i < *nout; i++)
		sp_from_store(&rows[i], &out[i]);
	free(rows);
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
	int64_t id = 0;

	if (!sp_attempt_key_ok(attempt_key))
		return SP_NOT_FOUND;
	if (store_payment_by_attempt(db, attempt_key, &id) != DB_OK)
		return SP_DB;
	return id ? stripe_pay_get(db, id, out) : SP_NOT_FOUND;
}

int
stripe_pay_list(struct db *db, int64_t account_id, int64_t client_id,
    int64_t before_id, size_t limit, struct sp_payment **out, size_t *n,
    int *more)
{
	size_t lim = limit < 1 ? 50 : limit > 200 ? 200 : limit;
	struct store_payment_filter f = { account_id, client_id, before_id,
	    lim + 1 };
	struct store_payment *rows = NULL;
	size_t nrows = 0;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (account_id == 0)
		return SP_OK;	/* an account's payments only */
	if (store_payment_list(db, &f, &rows, &nrows) != DB_OK)
		return SP_DB;
	*more = nrows > lim;
	*n = nrows > lim ? lim : nrows;
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		*n = 0;
		free(rows);
		return SP_DB;
	}
	for (size_t i = 0; i < *n; i++)
		sp_from_store(&rows[i], &(*out)[i]);
	free(rows);
	return SP_OK;
}
