/* Refunds of card/ACH payments: the refunds row first, then Stripe (key
 * "re-<refund_id>"), then ledger + allocation release in one transaction. */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "store_payment.h"
#include "store_refund_seq.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "gateway.h"

/* Refunds asked or done for a payment. */
static int
refunds_claimed(struct db *db, int64_t payment_id, int64_t *out)
{
	return store_payment_refunds_claimed(db, payment_id, out);
}

int
stripe_pay_refundable(struct db *db, int64_t payment_id, int64_t *out)
{
	struct sp_payment p;
	int64_t claimed = 0;
	int found = 0;

	*out = 0;
	if (sp_payment_read(db, payment_id, &p, &found) != DB_OK ||
	    refunds_claimed(db, payment_id, &claimed) != DB_OK)
		return SP_DB;
	if (!found)
		return SP_NOT_FOUND;
	if (strcmp(p.status, "succeeded") == 0 && p.intent[0] != '\0' &&
	    p.amount > claimed)
		*out = p.amount - claimed;
	return SP_OK;
}

/* Gives back rest cents of allocations, most recently allocated invoices
 * first, as negative allocation rows. */
static int
release_allocations(struct db *db, const struct actor *actor, int64_t payment_id,
    int64_t refund_id, int64_t rest)
{
	struct store_alloc_net *net = NULL;
	struct store_alloc_invoice lk;
	size_t n = 0;
	int rc;

	rc = store_payment_alloc_net(db, payment_id, &net, &n);
	for (size_t i = 0; rc == DB_OK && rest > 0 && i < n; i++) {
		int64_t inv = net[i].invoice_id;
		int64_t x = net[i].net < rest ? net[i].net : rest;
		char memo[64], detail[160];

		if ((rc = store_payment_invoice_lock(db, inv, &lk)) < 0)
			break;
		(void)str_fmt(memo, sizeof(memo), "refund %" PRId64, refund_id);
		rc = store_payment_alloc_insert(db, payment_id, inv, -x,
		    sp_staff_id(actor), clock_now(), memo);
		if (rc != DB_OK)
			break;
		(void)str_fmt(detail, sizeof(detail), "payment %" PRId64 " released %"
		    PRId64 " cents (refund %" PRId64 ")", payment_id, x, refund_id);
		rc = audit_record(db, actor, "allocation.release", "invoice", inv, detail);
		rest -= x;
	}
	free(net);
	if (rc == DB_OK && rest > 0) {
		log_err("refund %" PRId64 ": %" PRId64 " cents could not be released",
		    refund_id, rest);
		return DB_ERR;
	}
	return rc;
}

int
sp_refund_complete(struct db *db, const struct actor *actor, int64_t refund_id,
    const char *stripe_refund_id, int *done)
{
	struct store_refund f;
	struct sp_payment pay;
	struct ledger_entry e;
	int64_t payment_id, amount, allocated = 0, unalloc, take;
	char today[11], detail[200];
	int rc, found = 0;

	*done = 0;
	rc = store_payment_refund_lock(db, refund_id, &f);
	if (rc != 1 || strcmp(f.status, "pending") != 0)
		return rc < 0 ? rc : DB_OK;
	payment_id = f.payment_id;
	amount = f.amount;
	if ((rc = sp_payment_read(db, payment_id, &pay, &found)) != DB_OK || !found)
		return rc != DB_OK ? rc : DB_ERR;
	if (strcmp(pay.status, "succeeded") != 0) {
		log_err("refund %" PRId64 ": payment %" PRId64 " is %s, not succeeded",
		    refund_id, payment_id, pay.status);
		return DB_OK;
	}
	if (pay.refunded + amount > pay.amount) {
		log_err("refund %" PRId64 ": %" PRId64 " cents would exceed payment %"
		    PRId64, refund_id, amount, payment_id);
		return DB_ERR;
	}
	if ((rc = store_payment_allocated(db, payment_id, &allocated)) != DB_OK)
		return rc;
	unalloc = pay.amount - pay.refunded - allocated;
	take = unalloc > 0 ? (unalloc < amount ? unalloc : amount) : 0;
	if (amount - take > 0 && (rc = release_allocations(db, actor, payment_id,
	    refund_id, amount - take)) != DB_OK)
		return rc;
	if (date_fmt(date_today(), today, sizeof(today)) == -1)
		return DB_ERR;
	memset(&e, 0, sizeof(e));
	(void)str_copy(e.kind, sizeof(e.kind), ledger_kind_names[LK_REFUND]);
	e.amount = amount;
	(void)str_copy(e.entry_date, sizeof(e.entry_date), today);
	e.account_id = pay.account_id;
	e.client_id = pay.client_id;
	e.payment_id = payment_id;
	(void)str_fmt(e.memo, sizeof(e.memo), "refund %s",
	    stripe_refund_id ? stripe_refund_id : "");
	if ((rc = ledger_post(db, &e, sp_staff_id(actor), NULL)) != DB_OK)
		return rc;
	if ((rc = store_payment_refund_finish(db, refund_id, 1, stripe_refund_id,
	    NULL)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "refund %" PRId64 " of %" PRId64
	    " cents succeeded (%s); %" PRId64 " cents released from invoices",
	    refund_id, amount, stripe_refund_id ? stripe_refund_id : "-", amount - take);
	*done = 1;
	return audit_record(db, actor, "refund.succeed", "payment", payment_id, detail);
}

static int
refund_fail(struct db *db, const struct actor *actor, int64_t refund_id,
    int64_t payment_id, const char *stripe_refund_id, const char *why)
{
	char detail[300];
	int rc, changed = 0;

	rc = store_payment_refund_finish(db, refund_id, 0, stripe_refund_id,
	    &changed);
	if (rc != DB_OK || !changed)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "refund %" PRId64 " failed: %s",
	    refund_id, why);
	return audit_record(db, actor, "refund.fail", "payment", payment_id, detail);
}

/* --- applying Stripe's refunds ---------------------------------------------- */

static int
refund_by_stripe_id(struct db *db, const char *re, int64_t *id, int64_t *amount)
{
	struct store_refund f;
	int rc = store_payment_refund_by_stripe(db, re, &f);

	*id = rc == 1 ? f.id : 0;
	if (rc == 1)
		*amount = f.amount;
	return rc < 0 ? rc : DB_OK;
}

/* Our pending refund named by the metadata, if it is this payment's. */
static int
refund_by_metadata(struct db *db, const struct stripe_refund *re,
    int64_t payment_id, int64_t *id, int64_t *amount)
{
	struct store_refund f;
	int64_t rid = re->metadata_refund_id;
	int rc;

	*id = 0;
	if (rid <= 0)
		return DB_OK;
	rc = store_payment_refund_unnamed(db, rid, payment_id, &f);
	if (rc == 1) {
		*id = rid;
		*amount = f.amount;
	}
	return rc < 0 ? rc : DB_OK;
}

/* A Refund object that does not match what it would settle: another
 * currency, another intent than the payment's, or (ours: expect > 0)
 * another amount. Logged and audited; nothing moves. 1 mismatch, 0 not,
 * db_status (< 0) on error. */
static int
refund_mismatch(struct db *db, const struct actor *actor,
    const struct sp_payment *pay, const struct stripe_refund *re, int64_t amount,
    int64_t expect)
{
	const char *cur = re->currency;
	const char *pi = re->payment_intent;
	char detail[300];
	int rc;

	if (strcasecmp(cur, SP_CURRENCY) == 0 &&
	    (pi[0] == '\0' || strcmp(pi, pay->intent) == 0) &&
	    (expect == 0 || amount == expect))
		return 0;
	(void)str_fmt(detail, sizeof(detail), "Stripe refund %s of %" PRId64 " %s"
	    " (intent %s) does not match %" PRId64 " %s of %s: not recorded", re->id,
	    amount, cur[0] ? cur : "(no currency)", pi[0] ? pi : "-", expect ? expect :
	    amount, SP_CURRENCY, pay->intent);
	log_err("payment %" PRId64 ": %s", pay->id, detail);
	rc = audit_record(db, actor, "refund.mismatch", "payment", pay->id, detail);
	return rc != DB_OK ? rc : 1;
}

/* One Refund object from Stripe against the locked payment. */
static int
refund_apply_one(struct db *db, const struct actor *actor,
    const struct sp_payment *pay, const struct stripe_refund *re, int *applied)
{
	const char *id = re->id;
	const char *st = re->status;
	int64_t rid = 0, amount = re->amount, claimed = 0, ours = 0;
	int rc, done = 0;

	if (id[0] == '\0' || st[0] == '\0' || amount <= 0)
		return DB_OK;
	if ((rc = refund_by_stripe_id(db, id, &rid, &ours)) != DB_OK)
		return rc;
	if (rid == 0 && (rc = refund_by_metadata(db, re, pay->id, &rid,
	    &ours)) != DB_OK)
		return rc;
	/* Every refund path: Stripe's currency, intent and amount first. */
	if (strcmp(st, "succeeded") == 0 &&
	    (rc = refund_mismatch(db, actor, pay, re, amount, rid ? ours : 0)) != 0)
		return rc < 0 ? rc : DB_OK;
	if (rid != 0 && strcmp(st, "succeeded") == 0) {
		rc = sp_refund_complete(db, actor, rid, id, &done);
		*applied += done;
		return rc;
	}
	if (rid != 0 && (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0))
		return refund_fail(db, actor, rid, pay->id, id, st);
	if (rid != 0)
		return store_payment_refund_name(db, rid, id);
	if (strcmp(st, "succeeded") != 0)
		return DB_OK;
	/* Made outside this system (Stripe dashboard): record it. The write
	 * of the payment row as in refund_start_tx (Galera). */
	if ((rc = store_refund_seq_bump(db, pay->id)) != DB_OK ||
	    (rc = refunds_claimed(db, pay->id, &claimed)) != DB_OK)
		return rc;
	if (claimed + amount > pay->amount) {
		log_err("payment %" PRId64 ": Stripe refund %s of %" PRId64 " cents "
		    "exceeds what is left; not recorded", pay->id, id, amount);
		return DB_OK;
	}
	if ((rc = store_payment_refund_insert(db, pay->id, amount,
	    "Refunded at Stripe", id, 0, clock_now(), &rid)) != DB_OK)
		return rc;
	rc = sp_refund_complete(db, actor, rid, id, &done);
	*applied += done;
	return rc;
}

int
sp_refunds_apply(struct db *db, const struct actor *actor,
    const struct sp_payment *pay, const struct stripe_refund_list *refunds,
    int *applied)
{
	int rc = DB_OK;

	*applied = 0;
	if (refunds == NULL)
		return DB_OK;
	for (size_t i = 0; rc == DB_OK && i < refunds->n; i++)
		rc = refund_apply_one(db, actor, pay, &refunds->data[i], applied);
	return rc;
}

/* --- stripe_pay_refund ------------------------------------------------------- */

struct refund_args {
	const struct sp		*sp;
	int64_t			 payment_id;
	int64_t			 ask;	/* asked (0: all that is left); kept on retry */
	int64_t			 amount;	/* reserved (refund_start_tx) */
	const char		*reason;
	int64_t			 refund_id;
	char			 intent[65];
	int			 st;
	char			 msg[200];
	const struct stripe_refund *re;	/* Stripe's answer, or NULL */
	struct stripe_refund	 answer;
	const char		*fail;	/* definite failure */
};

static int
refund_start_tx(struct db *db, void *arg)
{
	struct refund_args *a = arg;
	struct sp_payment pay;
	int64_t claimed = 0, left, amt;
	char detail[700], money[MONEY_FMT_MAX];
	int rc, found = 0;

	if ((rc = sp_payment_lock(db, a->payment_id, &pay, &found)) != DB_OK)
		return rc;
	if (!found) {
		a->st = SP_NOT_FOUND;
		(void)str_copy(a->msg, sizeof(a->msg), "No such payment.");
		return DB_ERR;
	}
	if ((strcmp(pay.method, "card") != 0 && strcmp(pay.method, "ach") != 0) ||
	    strcmp(pay.status, "succeeded") != 0 || pay.intent[0] == '\0') {
		a->st = SP_INVALID;
		(void)str_copy(a->msg, sizeof(a->msg), "Only completed card or bank "
		    "payments can be refunded through Stripe.");
		return DB_ERR;
	}
	/* A write of the payment row, not only its lock: on Galera a FOR
	 * UPDATE does not block another node, so two nodes' refunds of this
	 * payment conflict at certification and the loser's retry (db_tx)
	 * sees the winner's refund below. */
	if ((rc = store_refund_seq_bump(db, pay.id)) != DB_OK ||
	    (rc = refunds_claimed(db, pay.id, &claimed)) != DB_OK)
		return rc;
	left = pay.amount - claimed;
	amt = a->ask ? a->ask : left;
	if (left <= 0 || amt <= 0 || amt > left) {
		a->st = SP_INVALID;
		(void)money_format(left > 0 ? left : 0, money, sizeof(money));
		(void)str_fmt(a->msg, sizeof(a->msg), left > 0 ? "At most %s can be "
		    "refunded." : "Nothing is left to refund (%s).", money);
		return DB_ERR;
	}
	if ((rc = store_payment_refund_insert(db, pay.id, amt, a->reason, NULL,
	    sp_staff_id(a->sp->actor), clock_now(), &a->refund_id)) != DB_OK)
		return rc;
	a->amount = amt;
	(void)str_copy(a->intent, sizeof(a->intent), pay.intent);
	(void)str_fmt(detail, sizeof(detail), "refund %" PRId64 " of %" PRId64
	    " cents asked: %s", a->refund_id, amt, a->reason);
	return audit_record(db, a->sp->actor, "refund.start", "payment", pay.id,
	    detail);
}

static int
refund_answer_tx(struct db *db, void *arg)
{
	struct refund_args *a = arg;
	struct sp_payment pay;
	int rc, found = 0, applied = 0;

	if ((rc = sp_payment_lock(db, a->payment_id, &pay, &found)) != DB_OK || !found)
		return rc != DB_OK ? rc : DB_ERR;
	if (a->fail != NULL)
		return refund_fail(db, a->sp->actor, a->refund_id, a->payment_id, NULL,
		    a->fail);
	if (a->re == NULL)
		return DB_OK;
	return refund_apply_one(db, a->sp->actor, &pay, a->re, &applied);
}

/* Asks Stripe for refund a->refund_id (again: the key replays) and
 * applies the answer. SP_OK when Stripe answered (see the row). */
static int
refund_submit(struct refund_args *a)
{
	struct stripe_error r;
	char key[48];
	int rc;

	(void)str_fmt(key, sizeof(key), "re-%" PRId64, a->refund_id);
	rc = gateway_refund_create(a->sp->stripe, a->intent, a->amount,
	    a->refund_id, a->payment_id, key, &a->answer, &r);
	if (rc == -1 && r.uncertain) {
		log_warn("stripe: refund %" PRId64 ": no certain answer (%s)",
		    a->refund_id, r.message);
		(void)str_copy(a->msg, sizeof(a->msg), "Stripe did not answer. The "
		    "refund is checked again automatically; do not refund again.");
		return SP_STRIPE;
	}
	a->re = rc == 0 ? &a->answer : NULL;
	a->fail = NULL;
	if (rc == -1) {
		log_warn("stripe: refund %" PRId64 " refused: %s %s", a->refund_id,
		    r.code, r.message);
		a->fail = r.code[0] ? r.code : "refused";
		(void)str_copy(a->msg, sizeof(a->msg), r.message[0] ? r.message :
		    stripe_error_friendly(&r));
	}
	rc = db_tx(a->sp->db, refund_answer_tx, a);
	a->re = NULL;
	a->fail = NULL;
	return rc == DB_OK ? SP_OK : SP_DB;
}

static void
refund_from_store(const struct store_refund *f, struct sp_refund *out)
{
	memset(out, 0, sizeof(*out));
	out->id = f->id;
	out->payment_id = f->payment_id;
	out->amount = f->amount;
	(void)str_copy(out->reason, sizeof(out->reason), f->reason);
	(void)str_copy(out->status, sizeof(out->status), f->status);
	(void)str_copy(out->stripe_refund_id, sizeof(out->stripe_refund_id),
	    f->stripe_refund_id);
	out->created_by = f->created_by;
	out->created_at = f->created_at;
}

static int
refund_read(struct db *db, int64_t id, struct sp_refund *out)
{
	struct store_refund f;
	int rc = store_payment_refund_get(db, id, &f);

	if (rc == 1)
		refund_from_store(&f, out);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_ERR;
}

int
stripe_pay_refund(const struct sp *sp, int64_t payment_id, int64_t amount,
    const char *reason, struct sp_refund *out, char *msg, size_t msgsz)
{
	struct refund_args a;
	struct sp_refund tmp;
	int rc;

	sp_msg(msg, msgsz, "");
	if (reason == NULL || *reason == '\0' || strlen(reason) > 500) {
		sp_msg(msg, msgsz, "Give a reason for the refund (up to 500 characters).");
		return SP_INVALID;
	}
	if (amount < 0 || amount > SP_AMOUNT_MAX) {
		sp_msg(msg, msgsz, "The refund amount is not valid.");
		return SP_INVALID;
	}
	memset(&a, 0, sizeof(a));
	a.sp = sp;
	a.payment_id = payment_id;
	a.ask = amount;
	a.reason = reason;
	if (db_tx(sp->db, refund_start_tx, &a) != DB_OK) {
		sp_msg(msg, msgsz, a.msg[0] ? a.msg : "The refund could not be saved.");
		return a.st > 0 ? a.st : SP_DB;
	}
	rc = refund_submit(&a);
	if (out == NULL)
		out = &tmp;
	if (refund_read(sp->db, a.refund_id, out) != DB_OK)
		return SP_DB;
	if (rc != SP_OK) {
		sp_msg(msg, msgsz, a.msg);
		return rc;
	}
	if (strcmp(out->status, "failed") == 0) {
		sp_msg(msg, msgsz, a.msg[0] ? a.msg : "Stripe refused the refund.");
		return SP_STRIPE;
	}
	if (strcmp(out->status, "pending") == 0)
		sp_msg(msg, msgsz, "The refund was sent; it is recorded when the bank "
		    "confirms it.");
	return SP_OK;
}

int
stripe_pay_refund_list(struct db *db, int64_t payment_id, struct sp_refund **out,
    size_t *n)
{
	int64_t *ids = NULL;
	size_t nids = 0;

	*out = NULL;
	*n = 0;
	if (store_payment_refund_ids(db, payment_id, &ids, &nids) != DB_OK)
		return SP_DB;
	if (nids > 0 && (*out = calloc(nids, sizeof(**out))) == NULL) {
		free(ids);
		return SP_DB;
	}
	for (size_t i = 0; i < nids; i++)
		if (refund_read(db, ids[i], &(*out)[i]) != DB_OK) {
			free(*out);
			*out = NULL;
			free(ids);
			return SP_DB;
		}
	*n = nids;
	free(ids);
	return SP_OK;
}

/* --- reconciliation ------------------------------------------------------------ */

static int
refund_retrieve(struct refund_args *a, const char *re_id)
{
	struct stripe_error r;
	int rc;

	if (gateway_refund_retrieve(a->sp->stripe, re_id, &a->answer, &r) == -1) {
		(void)str_copy(a->msg, sizeof(a->msg), r.message);
		return SP_STRIPE;
	}
	a->re = &a->answer;
	a->fail = NULL;
	rc = db_tx(a->sp->db, refund_answer_tx, a);
	a->re = NULL;
	return rc == DB_OK ? SP_OK : SP_DB;
}

int
sp_reconcile_refunds(const struct sp *sp, int64_t older_than, FILE *log,
    struct sp_reconcile_stats *st)
{
	struct store_refund *rows = NULL;
	size_t n = 0;
	int rc;

	if (store_payment_refund_pending(sp->db, clock_now() - older_than, 1000,
	    &rows, &n) != DB_OK)
		return SP_DB;
	for (size_t i = 0; i < n; i++) {
		struct refund_args a;
		struct sp_refund now;
		const char *re_id = rows[i].stripe_refund_id;

		memset(&a, 0, sizeof(a));
		a.sp = sp;
		a.refund_id = rows[i].id;
		a.payment_id = rows[i].payment_id;
		a.amount = rows[i].amount;
		(void)str_copy(a.intent, sizeof(a.intent), rows[i].intent);
		st->examined++;
		rc = *re_id ? refund_retrieve(&a, re_id) : refund_submit(&a);
		if (rc == SP_OK && refund_read(sp->db, a.refund_id, &now) != DB_OK)
			rc = SP_DB;
		if (rc != SP_OK) {
			st->errors++;
			if (log)
				fprintf(log, "refund %" PRId64 ": could not be settled: %s\n",
				    a.refund_id, a.msg[0] ? a.msg : "database error");
			continue;
		}
		if (strcmp(now.status, "pending") == 0)
			st->still_pending++;
		else
			st->settled++;
		if (log)
			fprintf(log, "refund %" PRId64 " (payment %" PRId64 "): %s%s -> %s\n",
			    now.id, now.payment_id, now.stripe_refund_id[0] ?
			    now.stripe_refund_id : "(no Stripe id)", *re_id ? "" :
			    " (asked again with the same key)", now.status);
	}
	free(rows);
	return SP_OK;
}
