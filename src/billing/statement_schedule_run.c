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
#include "outbox.h"
#include "portal.h"
#include "statement.h"
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
	struct db_param p[] = { DB_I64(clock_now()), DB_I64(account_id) };
	struct portal_invoice *inv = NULL;
	size_t n = 0, k = 0;
	struct buf b;

	if (db_exec(db, "INSERT IGNORE INTO portal_invoices (invoice_id, account_id,"
	    " posted_at) SELECT id, account_id, ? FROM invoices WHERE account_id = ?"
	    " AND status = 'issued'", p, 2, NULL, NULL) != DB_OK ||
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
	struct db_param p[] = { DB_I64(st->account_id) };
	struct db_result r;
	struct notice n;
	char query[PAY_URL_MAX] = "";
	int64_t id = 0;
	int rc;

	if (outbox_id)
		*outbox_id = 0;
	rc = db_query(db, "SELECT COALESCE(email, ''), COALESCE(language, '') "
	    "FROM accounts WHERE id = ?", p, 1, &r);
	if (rc != DB_OK || r.nrows == 0 || !outbox_addr_ok(db_str(&r, 0, 0)))
		goto done;	/* no email: the portal has it */
	if (st->amount_due > 0 && (rc = pay_query(db, st->account_id, query,
	    sizeof(query))) != DB_OK)
		goto done;
	/* in English, as it always was */
	notice_init(&n, NOTICE_STATEMENT, db_str(&r, 0, 0), NULL,
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
	if (rc == OUTBOX_INVALID)
		rc = DB_ERR;
	db_result_free(&r);
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
	struct db_param c[] = { DB_I64(o->account_id), DB_STR(o->key),
	    DB_I64(clock_now()) };
	rc = db_exec(db, "INSERT INTO statement_schedule_runs (account_id, "
	    "period_key, status, balance, created_at) VALUES (?, ?, 'skipped', 0, ?)",
	    c, 3, NULL, NULL);
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
	struct db_param u[] = { DB_STR(o->out == ONE_SKIPPED ? "skipped" :
	    mail_id ? "emailed" : "generated"), stmt_id ? DB_I64(stmt_id) : DB_NULL,
	    mail_id ? DB_I64(mail_id) : DB_NULL, DB_I64(st.closing),
	    DB_I64(o->account_id), DB_STR(o->key) };
	if (rc == DB_OK)
		rc = db_exec(db, "UPDATE statement_schedule_runs SET status = ?, "
		    "statement_id = ?, outbox_id = ?, balance = ? WHERE account_id = ? "
		    "AND period_key = ?", u, 6, NULL, NULL);
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

/* Accounts with a schedule: their own (custom) or the default (when on),
 * with the period already run marked so it costs no transaction. */
#define CANDIDATES "SELECT a.id, s.mode IS NOT NULL, " \
	"COALESCE(s.cadence, d.cadence), COALESCE(s.day_of_month, d.day_of_month), " \
	"COALESCE(s.every_weeks, d.every_weeks), COALESCE(s.anchor_date, d.anchor_date), " \
	"COALESCE(s.min_balance, d.min_balance), COALESCE(s.deliver_email, d.deliver_email) " \
	"FROM accounts a JOIN statement_schedule_settings d ON d.id = 1 " \
	"LEFT JOIN statement_schedules s ON s.account_id = a.id " \
	"WHERE (s.mode = 'custom' OR (s.mode IS NULL AND d.enabled = 1)) " \
	"ORDER BY a.id"

static void
sched_from_row(const struct db_result *r, size_t i, struct stmt_schedule *s)
{
	s->enabled = 1;
	s->cadence = strcmp(db_str(r, i, 2), "weekly") == 0 ? SS_WEEKLY :
	    SS_MONTHLY;
	s->day_of_month = (int)db_i64(r, i, 3);
	s->every_weeks = (int)db_i64(r, i, 4);
	str_copy(s->anchor_date, sizeof(s->anchor_date), db_str(r, i, 5));
	s->min_balance = db_i64(r, i, 6);
	s->deliver_email = db_i64(r, i, 7) != 0;
}

static int
run_one(struct db *db, const struct ss_env *env, const struct db_result *r,
    size_t i, int64_t today, struct ss_run_stats *st)
{
	struct stmt_schedule s;
	char key[17], from[11], to[11];
	struct one o;
	int64_t done = 0;

	memset(&s, 0, sizeof(s));
	sched_from_row(r, i, &s);
	if (statement_schedule_period(&s, today, key, from, to) == -1)
		return 0;
	struct db_param p[] = { DB_I64(db_i64(r, i, 0)), DB_STR(key) };
	if (db_query_i64(db, "SELECT COUNT(*) FROM statement_schedule_runs WHERE "
	    "account_id = ? AND period_key = ?", p, 2, &done) != DB_OK)
		return -1;
	if (done) {
		st->already++;
		return 0;
	}
	o = (struct one){ env, db_i64(r, i, 0), &s, key, from, to, ONE_ALREADY };
	if (db_tx(db, one_tx, &o) != DB_OK) {
		log_err("scheduled statement for account %" PRId64 " (%s): %s",
		    o.account_id, key, db_error(db));
		st->errors++;
		return 0;
	}
	count(st, &o);
	return o.out == ONE_GENERATED || o.out == ONE_EMAILED;
}

int
statement_schedule_run(struct db *db, const struct ss_env *env, int64_t now,
    size_t max, struct ss_run_stats *st)
{
	struct db_result r;
	int64_t today = now / 86400;
	size_t made = 0;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (db_query(db, CANDIDATES, NULL, 0, &r) != DB_OK) {
		db_result_free(&r);
		return SS_DB;
	}
	for (size_t i = 0; i < r.nrows && made < max; i++) {
		st->examined++;
		if ((rc = run_one(db, env, &r, i, today, st)) == -1)
			break;
		made += (size_t)rc;
	}
	db_result_free(&r);
	return rc == -1 ? SS_DB : SS_OK;
}

/* --- bulk runs that email ----------------------------------------------------- */

int
statement_batch_set_email(struct db *db, int64_t batch_id)
{
	struct db_param p[] = { DB_I64(batch_id) };

	return db_exec(db, "UPDATE statement_batches SET email = 1 WHERE id = ?",
	    p, 1, NULL, NULL) == DB_OK ? SS_OK : SS_DB;
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
	struct db_param c[] = { DB_I64(b->batch_id), DB_I64((int64_t)b->max) };
	struct db_result r;
	struct statement st;
	int64_t mail_id;
	int rc;

	b->sent = 0;
	rc = db_query(db, "SELECT i.account_id, i.statement_id FROM "
	    "statement_batch_items i JOIN statement_batches s ON s.id = i.batch_id "
	    "WHERE i.batch_id = ? AND s.email = 1 AND i.statement_id IS NOT NULL "
	    "AND i.mailed = 0 ORDER BY i.account_id LIMIT ? FOR UPDATE SKIP LOCKED",
	    c, 2, &r);
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		mail_id = 0;
		if (statement_get(db, db_i64(&r, i, 1), &st) != ST_OK) {
			rc = DB_ERR;
			break;
		}
		if (st.amount_due > 0)
			rc = statement_email_in_tx(db, b->env, &st, &mail_id);
		statement_free(&st);
		struct db_param u[] = { mail_id ? DB_I64(mail_id) : DB_NULL,
		    DB_I64(b->batch_id), DB_I64(db_i64(&r, i, 0)) };
		if (rc == DB_OK)
			rc = db_exec(db, "UPDATE statement_batch_items SET mailed = 1, "
			    "outbox_id = ? WHERE batch_id = ? AND account_id = ?", u, 3,
			    NULL, NULL);
		b->sent += mail_id != 0;
	}
	db_result_free(&r);
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
	struct db_param p[] = { DB_I64(batch_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT s.email, COALESCE(SUM(i.statement_id IS NOT NULL "
	    "AND i.mailed = 0), 0), COALESCE(SUM(i.outbox_id IS NOT NULL), 0) FROM "
	    "statement_batches s LEFT JOIN statement_batch_items i ON i.batch_id = "
	    "s.id WHERE s.id = ? GROUP BY s.id, s.email", p, 1, &r);
	*email = 0;
	*pending = *sent = 0;
	if (rc == DB_OK && r.nrows == 1) {
		*email = db_i64(&r, 0, 0) != 0;
		*pending = db_i64(&r, 0, 1);
		*sent = db_i64(&r, 0, 2);
	}
	db_result_free(&r);
	return rc == DB_OK ? SS_OK : SS_DB;
}
