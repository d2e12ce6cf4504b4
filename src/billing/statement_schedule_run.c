/* The due-statement run and the statement email (statement_schedule.h). */
#include "common.h"

#include "statement_schedule.h"

#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "notice.h"
#include "portal.h"
#include "statement.h"
#include "statement_int.h"
#include "store_statement.h"
#include "str.h"

#define PDF_MAX		(4u * 1024 * 1024)
#define PAY_URL_MAX	(40 + PORTAL_MAX_SELECT * 30)

static const struct actor ss_actor = { "system", 0, "statement-schedule" };

/* --- the email ------------------------------------------------------------------ */

/* The query of the link that pays the statement's balance: the portal's
 * payment page with every open invoice of the account selected (posted to
 * the portal first, so the client may pay them); "" when nothing is open
 * (the mail links the Billing page). */
static int
pay_query(struct db *db, int64_t account_id, char *out, size_t outsz)
{
	struct portal_invoice *inv = NULL;
	size_t n = 0, k = 0;
	struct buf b;

	if (store_statement_portal_post(db, account_id, clock_now()) != DB_OK ||
	    portal_invoices(db, account_id, -1, &inv, &n) != PORTAL_OK)
		return DB_ERR;
	buf_init(&b, outsz - 1);
	for (size_t i = 0; i < n && k < PORTAL_MAX_SELECT; i++)
		if (inv[i].status == PIS_OPEN || inv[i].status == PIS_PARTIAL)
			buf_printf(&b, "%cinvoice=%" PRId64, k++ ? '&' : '?', inv[i].id);
	free(inv);
	str_copy(out, outsz, b.data != NULL ? b.data : "");
	buf_free(&b);
	return DB_OK;
}

int
statement_email_in_tx(struct db *db, const struct ss_env *env,
    const struct statement *st, int64_t *outbox_id)
{
	struct notice n;
	char query[PAY_URL_MAX] = "", email[1024], lang[16];
	int64_t id = 0;
	int rc;

	if (outbox_id)
		*outbox_id = 0;
	rc = store_statement_account_contact(db, st->account_id, email,
	    sizeof(email), lang, sizeof(lang));
	if (rc != DB_OK || !str_email_ok(email))
		goto done;	/* no email: the portal has it */
	if (st->amount_due > 0 && (rc = pay_query(db, st->account_id, query,
	    sizeof(query))) != DB_OK)
		goto done;
	/* in English, as it always was */
	notice_init(&n, NOTICE_STATEMENT, email, NULL,
	    st->account_id, "statement", st->id);
	notice_fact(&n, "account_name", st->account_name);
	notice_fact(&n, "period_from", st->period_start);
	notice_fact(&n, "period_to", st->period_end);
	notice_fact_i64(&n, "balance_due", st->amount_due);
	notice_fact(&n, "pay_query", query);
	/* the PDF is attached by the mailer when it sends the mail */
	rc = notice_enqueue(db, env->cfg, &n, &id);
	if (rc == DB_OK && outbox_id)
		*outbox_id = id;
done:
	if (rc == NOTICE_INVALID)
		rc = DB_ERR;
	return rc;
}

/* --- the run -------------------------------------------------------------------- */

struct one {
	const struct ss_env		*env;
	int64_t				 account_id;
	const struct stmt_schedule	*s;
	const char			*key, *from, *to;
	enum { ONE_ALREADY, ONE_SKIPPED, ONE_GENERATED, ONE_EMAILED } out;
};

/* Claims the period (the unique row), then makes, mails or skips. */
static int
one_tx(struct db *db, void *arg)
{
	struct one *o = arg;
	struct statement st;
	int64_t stmt_id = 0, mail_id = 0;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = store_statement_schedule_run_claim(db, o->account_id, o->key,
	    clock_now());
	if (rc == DB_DUP) {
		o->out = ONE_ALREADY;
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	if (statement_preview(db, o->account_id, 0, o->from, o->to, &st) != ST_OK)
		return DB_ERR;
	o->out = ONE_SKIPPED;
	if (st.closing > o->s->min_balance) {
		statement_free(&st);
		rc = statement_generate_tx(db, &ss_actor, o->account_id, 0, o->from,
		    o->to, 0, &stmt_id);
		if (rc == DB_OK)
			rc = statement_get(db, stmt_id, &st) == ST_OK ? DB_OK : DB_ERR;
		if (rc == DB_OK && o->s->deliver_email)
			rc = statement_email_in_tx(db, o->env, &st, &mail_id);
		o->out = mail_id ? ONE_EMAILED : ONE_GENERATED;
	}
	if (rc == DB_OK)
		rc = store_statement_schedule_run_finish(db, o->account_id, o->key,
		    o->out == ONE_SKIPPED ? "skipped" : mail_id ? "emailed" :
		    "generated", stmt_id, mail_id, st.closing);
	statement_free(&st);
	return rc;
}

static void
count(struct ss_run_stats *st, const struct one *o)
{
	switch (o->out) {
	case ONE_ALREADY: st->already++; break;
	case ONE_SKIPPED: st->skipped++; break;
	case ONE_GENERATED: st->generated++; break;
	case ONE_EMAILED: st->emailed++; break;
	}
}

/* 1 when it made a statement, 0 when not (or failed: counted), -1 on a
 * database error of the run itself. */
static int
run_one(struct db *db, const struct ss_env *env,
    const struct store_statement_due *due, int64_t today,
    struct ss_run_stats *st)
{
	struct stmt_schedule s;
	char key[17], from[11], to[11];
	struct one o;
	int done;

	memset(&s, 0, sizeof(s));
	s.enabled = 1;
	statement_schedule_from_store(&due->s, &s);
	if (statement_schedule_period(&s, today, key, from, to) == -1)
		return 0;
	/* the period already run costs no transaction */
	if ((done = store_statement_schedule_run_get(db, due->account_id,
	    key)) < 0)
		return -1;
	if (done) {
		st->already++;
		return 0;
	}
	o = (struct one){ env, due->account_id, &s, key, from, to, ONE_ALREADY };
	if (db_tx(db, one_tx, &o) != DB_OK) {
		log_err("scheduled statement for account %" PRId64 " (%s): %s",
		    o.account_id, key, db_error(db));
		st->errors++;
		return 0;
	}
	count(st, &o);
	return o.out == ONE_GENERATED || o.out == ONE_EMAILED;
}

/* Accounts with a schedule: their own (custom) or the default (when on). */
int
statement_schedule_run(struct db *db, const struct ss_env *env, int64_t now,
    size_t max, struct ss_run_stats *st)
{
	struct store_statement_due *due = NULL;
	int64_t today = now / 86400;
	size_t n = 0, made = 0;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (store_statement_schedule_due(db, &due, &n) != DB_OK)
		return SS_DB;
	for (size_t i = 0; i < n && made < max; i++) {
		st->examined++;
		if ((rc = run_one(db, env, &due[i], today, st)) == -1)
			break;
		made += (size_t)rc;
	}
	free(due);
	return rc == -1 ? SS_DB : SS_OK;
}

/* --- bulk runs that email ----------------------------------------------------- */

int
statement_batch_set_email(struct db *db, int64_t batch_id)
{
	return store_statement_batch_set_email(db, batch_id) == DB_OK ? SS_OK :
	    SS_DB;
}

struct bmail {
	const struct ss_env	*env;
	int64_t			 batch_id;
	size_t			 max, sent;
};

/* Claims generated, unmailed items (SKIP LOCKED: concurrent viewers of the
 * run page share the work), queues each email, marks the item. */
static int
bmail_tx(struct db *db, void *arg)
{
	struct bmail *b = arg;
	struct store_statement_item *it = NULL;
	struct statement st;
	size_t n = 0;
	int64_t mail_id;
	int rc;

	b->sent = 0;
	rc = store_statement_batch_mail_claim(db, b->batch_id, b->max, &it, &n);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		mail_id = 0;
		if (statement_get(db, it[i].statement_id, &st) != ST_OK) {
			rc = DB_ERR;
			break;
		}
		if (st.amount_due > 0)
			rc = statement_email_in_tx(db, b->env, &st, &mail_id);
		statement_free(&st);
		if (rc == DB_OK)
			rc = store_statement_batch_item_mailed(db, b->batch_id,
			    it[i].account_id, mail_id);
		b->sent += mail_id != 0;
	}
	free(it);
	return rc;
}

int
statement_batch_email(struct db *db, const struct ss_env *env, int64_t batch_id,
    size_t max, size_t *sent)
{
	struct bmail b = { env, batch_id, max, 0 };

	if (db_tx(db, bmail_tx, &b) != DB_OK)
		return SS_DB;
	if (sent)
		*sent = b.sent;
	return SS_OK;
}

int
statement_batch_mail_counts(struct db *db, int64_t batch_id, int *email,
    int64_t *pending, int64_t *sent)
{
	return store_statement_batch_mail_counts(db, batch_id, email, pending,
	    sent) == DB_OK ? SS_OK : SS_DB;
}
