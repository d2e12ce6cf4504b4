/* Card/ACH attempts left behind: cancel of an unconfirmed payment and the
 * reconciliation of pending payments. */
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
#include "store_attempt.h"
#include "store_payment.h"
#include "gateway.h"

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
cancel_refused(const struct sp *sp, int64_t payment_id,
    const struct stripe_payment_intent *pi, struct sp_result *out)
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

/* A payment staff may cancel: still pending, and not off-session on a
 * saved method (charged at once). Else 0 with the reason in out. */
static int
cancellable(const struct sp_payment *row, struct sp_result *out)
{
	if (strcmp(row->status, "pending") != 0) {
		(void)str_fmt(out->message, sizeof(out->message), "This payment is "
		    "already %s; it cannot be canceled.", strcmp(row->status,
		    "succeeded") == 0 ? "paid" : row->status);
		return 0;
	}
	if (row->payment_method_id != 0) {
		(void)str_copy(out->message, sizeof(out->message), "A saved payment "
		    "method is charged at once: this payment cannot be canceled. "
		    "Check its status; refund it once it is paid.");
		return 0;
	}
	return 1;
}

int
stripe_pay_cancel(const struct sp *sp, int64_t payment_id, struct sp_result *out)
{
	struct sp_payment row;
	struct stripe_payment_intent pi;
	struct stripe_error err;
	char key[64];
	int found = 0, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sp_stripe_payment_fresh(sp, payment_id, &row)) != SP_OK)
		return rc;
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
	if (!cancellable(&row, out))
		return SP_INVALID;
	/* Stripe's current state: a payment the client confirmed meanwhile is
	 * settled, not canceled. */
	if (gateway_attempt_retrieve(sp->stripe, row.intent, &pi, &err) == -1) {
		log_warn("stripe: retrieve %s: %s %s", row.intent, err.code,
		    err.message);
		(void)str_copy(out->message, sizeof(out->message),
		    stripe_error_friendly(&err));
		return SP_STRIPE;
	}
	if (strcmp(pi.status, "canceled") == 0)
		return cancel_refused(sp, payment_id, &pi, out);
	if (!unconfirmed(pi.status)) {
		rc = cancel_refused(sp, payment_id, &pi, out);
		return rc == SP_OK ? SP_INVALID : rc;
	}
	(void)str_fmt(key, sizeof(key), "pi-cancel-%" PRId64, row.id);
	if (gateway_attempt_cancel(sp->stripe, row.intent, key, &pi, &err) == -1) {
		log_warn("stripe: cancel %s: %s %s", row.intent, err.code,
		    err.message);
		/* Refused: it moved on (confirmed meanwhile); settle from it. */
		if (!err.uncertain && gateway_attempt_retrieve(sp->stripe,
		    row.intent, &pi, &err) == 0)
			return cancel_refused(sp, payment_id, &pi, out);
		(void)str_copy(out->message, sizeof(out->message), "Stripe did not "
		    "answer. The payment was not canceled; please try again.");
		return SP_STRIPE;
	}
	rc = stripe_pay_settle(sp, payment_id, &pi, 1, out);
	if (rc != SP_OK)
		return rc;
	if (strcmp(out->status, "canceled") != 0)
		return SP_INVALID;
	(void)str_copy(out->message, sizeof(out->message), "The payment was "
	    "canceled. Nothing was charged.");
	return SP_OK;
}

/* --- reconciliation ------------------------------------------------------------ */

/* An intent made long ago whose key may have expired at Stripe: look for
 * it by metadata before creating again. 1 found (adopted via settle), 0
 * not found, -1 Stripe error. */
static int
search_intent(const struct sp *sp, int64_t payment_id, struct sp_result *out)
{
	struct stripe_payment_intent pi;
	struct stripe_error err;
	int found = 0;

	if (gateway_attempt_find(sp->stripe, payment_id, &pi, &found, &err) == -1)
		return -1;
	if (found && stripe_pay_settle(sp, payment_id, &pi, 1, out) != SP_OK)
		return -1;
	return found;
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

int
stripe_pay_reconcile_n(const struct sp *sp, int64_t older_than, size_t limit,
    FILE *log, struct sp_reconcile_stats *st)
{
	int64_t now = clock_now();
	struct store_payment *rows = NULL;
	size_t n = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if (store_payment_list_pending(sp->db, now - older_than, limit, &rows,
	    &n) != DB_OK)
		return SP_DB;
	for (size_t i = 0; i < n; i++) {
		struct sp_payment row;
		sp_from_store(&rows[i], &row);
		/* Takes the row for this run: 1 when the stamp moved from what
		 * was read (another runner did not take it meanwhile). */
		rc = store_attempt_checked(sp->db, row.id, rows[i].checked_at, now);
		if (rc < 0)
			st->errors++;
		if (rc != 1)
			continue;
		st->examined++;
		reconcile_one(sp, &row, log, st);
	}
	free(rows);
	return sp_reconcile_refunds(sp, older_than, log, st);
}

int
stripe_pay_reconcile(const struct sp *sp, int64_t older_than, FILE *log,
    struct sp_reconcile_stats *st)
{
	return stripe_pay_reconcile_n(sp, older_than, SP_RECONCILE_BATCH, log, st);
}
