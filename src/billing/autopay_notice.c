/* Autopay notices (each once), the settings, and the two jobs that only
 * notify: before each charge, and before a plan's card expires. */
#include "common.h"

#include "audit.h"
#include "autopay.h"
#include "autopay_int.h"
#include "clock.h"
#include "db.h"
#include "notice.h"
#include "plan_card.h"
#include "portal.h"
#include "portal_int.h"
#include "profiles.h"
#include "str.h"

/* --- settings -------------------------------------------------------------------- */

int
autopay_retry_parse(const char *s, struct autopay_settings *st, char *msg,
    size_t msgsz)
{
	const char *p = s;

	st->nretry = 0;
	while (*p == ' ')
		p++;
	while (*p != '\0') {
		char num[8];
		size_t n = 0;
		int64_t d;

		while (*p >= '0' && *p <= '9' && n < sizeof(num) - 1)
			num[n++] = *p++;
		num[n] = '\0';
		while (*p == ' ')
			p++;
		if (n == 0 || str_to_i64(num, 1, 60, &d) == -1 ||
		    st->nretry == AUTOPAY_RETRIES_MAX || (st->nretry > 0 &&
		    d <= st->retry_days[st->nretry - 1]) || (*p != ',' && *p != '\0')) {
			str_fmt(msg, msgsz, "Retry days must be up to %d whole numbers of "
			    "days from 1 to 60, ascending, separated by commas (e.g. "
			    "1,3,7).", AUTOPAY_RETRIES_MAX);
			return -1;
		}
		st->retry_days[st->nretry++] = (int)d;
		if (*p == ',') {
			p++;
			while (*p == ' ')
				p++;
			if (*p == '\0')	/* "1,3," */
				p--;	/* is refused as one */
		}
	}
	return 0;
}

int
autopay_settings_get(struct db *db, struct autopay_settings *st)
{
	struct db_result r;
	char msg[200];
	int rc = db_query(db, "SELECT notice_days, retry_days FROM plan_settings"
	    " WHERE id = 1", NULL, 0, &r);

	memset(st, 0, sizeof(*st));
	st->notice_days = 3;
	if (rc == DB_OK && r.nrows == 1) {
		st->notice_days = (int)db_i64(&r, 0, 0);
		if (autopay_retry_parse(db_str(&r, 0, 1), st, msg, sizeof(msg)) == -1)
			st->nretry = 0;
	}
	db_result_free(&r);
	return rc;
}

struct set_args {
	const struct actor	*a;
	int			 days;
	char			 retry[60];
};

static int
settings_tx(struct db *db, void *arg)
{
	struct set_args *s = arg;
	struct db_param q[] = { DB_I64(s->days), DB_STR(s->retry) };
	char detail[160];
	int rc;

	if ((rc = db_exec(db, "UPDATE plan_settings SET notice_days = ?, retry_days"
	    " = ? WHERE id = 1", q, 2, NULL, NULL)) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "autopay notice %d days before; retries "
	    "after %s days", s->days, s->retry);
	return audit_record(db, s->a, "settings.autopay", "settings", 1, detail);
}

int
autopay_settings_set(struct db *db, const struct actor *a, int notice_days,
    const char *retry_days, char *msg, size_t msgsz)
{
	struct autopay_settings st;
	struct set_args s;
	size_t len = 0;

	if (notice_days < 0 || notice_days > 30) {
		str_copy(msg, msgsz, "Notice days must be 0 to 30.");
		return -1;
	}
	if (autopay_retry_parse(retry_days, &st, msg, msgsz) == -1)
		return -1;
	memset(&s, 0, sizeof(s));
	s.a = a;
	s.days = notice_days;
	for (size_t i = 0; i < st.nretry; i++)
		len += (size_t)snprintf(s.retry + len, sizeof(s.retry) - len, "%s%d",
		    i ? "," : "", st.retry_days[i]);
	return db_tx(db, settings_tx, &s) == DB_OK ? 0 : -1;
}

/* --- one notice ------------------------------------------------------------------ */

static void
subject_key(const char *kind, const struct autopay_facts *f, const char *due,
    char *out, size_t outsz)
{
	if (f->key[0])
		str_copy(out, outsz, f->key);
	else if (strcmp(kind, "upcoming") == 0 || strcmp(kind, "due") == 0)
		str_fmt(out, outsz, "inst-%" PRId64 "-%s", f->inst_id, due);
	else if (strcmp(kind, "failed") == 0)
		str_fmt(out, outsz, "inst-%" PRId64 "-try-%d", f->inst_id, f->attempt);
	else
		str_fmt(out, outsz, "inst-%" PRId64, f->inst_id);
}

#define NOTICE_COLS "a.name, COALESCE(a.email, ''), COALESCE(m.kind, ''),"	\
	" COALESCE(m.brand, ''), COALESCE(m.last4, ''), COALESCE(m.exp_month, 0),"	\
	" COALESCE(m.exp_year, 0)"

static int
notice_load(struct db *db, const struct autopay_facts *f, struct db_result *r)
{
	struct db_param q[] = { DB_I64(f->inst_id), DB_I64(f->plan_id) };
	struct db_param c[] = { DB_I64(f->method_id) };

	if (f->inst_id == 0)
		return db_query(db, "SELECT " NOTICE_COLS ", 0, '', 0, '', a.language,"
		    " a.id FROM"
		    " payment_methods m JOIN accounts a ON a.id = m.account_id"
		    " WHERE m.id = ?", c, 1, r);
	return db_query(db, "SELECT " NOTICE_COLS ", i.number,"
	    " DATE_FORMAT(i.due_date, '%Y-%m-%d'), i.amount,"
	    " COALESCE(DATE_FORMAT(i.retry_on, '%Y-%m-%d'), ''), a.language, a.id"
	    " FROM payment_plan_installments i JOIN payment_plans p ON p.id ="
	    " i.plan_id JOIN accounts a ON a.id = p.account_id LEFT JOIN"
	    " payment_methods m ON m.id = p.payment_method_id WHERE i.id = ?"
	    " AND p.id = ?", q, 2, r);
}

/* The facts of the notice as they are now (row of notice_load()). */
static void
notice_facts(struct notice *n, const char *kind, const struct autopay_facts *f,
    const struct db_result *r)
{
	notice_fact(n, "akind", kind);
	notice_fact(n, "mkind", db_str(r, 0, 2));
	notice_fact(n, "brand", db_str(r, 0, 3));
	notice_fact(n, "last4", db_str(r, 0, 4));
	notice_fact_i64(n, "exp_month", db_i64(r, 0, 5));
	notice_fact_i64(n, "exp_year", db_i64(r, 0, 6));
	notice_fact_i64(n, "number", db_i64(r, 0, 7));
	notice_fact(n, "due", db_str(r, 0, 8));
	notice_fact_i64(n, "amount", db_i64(r, 0, 9));
	notice_fact(n, "retry_on", db_str(r, 0, 10));
	notice_fact(n, "reason", f->message);
}

int
autopay_notice(const struct autopay_env *env, struct db *db, const char *kind,
    const struct autopay_facts *f)
{
	struct db_result r;
	struct notice n;
	char key[80];
	int rc;

	if ((rc = notice_load(db, f, &r)) != DB_OK || r.nrows != 1) {
		db_result_free(&r);
		return rc;	/* no such row: nothing to tell */
	}
	subject_key(kind, f, db_str(&r, 0, 8), key, sizeof(key));
	{
		struct db_param q[] = { DB_STR(kind), f->plan_id ? DB_I64(f->plan_id) :
		    DB_NULL, f->inst_id ? DB_I64(f->inst_id) : DB_NULL, f->method_id ?
		    DB_I64(f->method_id) : DB_NULL, DB_I64(f->attempt), DB_STR(key),
		    DB_I64(clock_now()) };
		rc = db_exec(db, "INSERT INTO plan_notices (kind, plan_id,"
		    " installment_id, payment_method_id, attempt, subject_key,"
		    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", q, 7, NULL, NULL);
	}
	if (rc == DB_DUP) {
		rc = DB_OK;	/* sent already */
		goto out;
	}
	if (rc != DB_OK || *db_str(&r, 0, 1) == '\0')
		goto out;	/* nobody to tell by email */
	notice_init(&n, NOTICE_AUTOPAY, db_str(&r, 0, 1), db_str(&r, 0, 11),
	    db_i64(&r, 0, 12), "payment_plan", f->plan_id);
	notice_facts(&n, kind, f, &r);
	if (strcmp(kind, "failed") == 0 || strcmp(kind, "past_due") == 0 ||
	    strncmp(kind, "card_", 5) == 0) {
		char token[2 * PORTAL_TOKEN_BYTES + 1];

		/* The update-card link: a new token, its hash kept; the mail
		 * carries it sealed until it is sent. */
		if ((rc = plan_card_token_new(db, f->plan_id, token,
		    sizeof(token))) != DB_OK) {
			notice_free(&n);
			goto out;
		}
		notice_token(&n, token);
		explicit_bzero(token, sizeof(token));
	}
	rc = notice_enqueue(db, env->cfg, &n, NULL) == DB_OK ? DB_OK : DB_ERR;
out:
	db_result_free(&r);
	return rc;
}

/* --- the jobs that only notify ----------------------------------------------------- */

struct notice_args {
	const struct autopay_env	*env;
	const char			*kind;
	struct autopay_facts		 f;
};

static int
notice_tx(struct db *db, void *arg)
{
	struct notice_args *a = arg;

	return autopay_notice(a->env, db, a->kind, &a->f);
}

int
autopay_notices_run(const struct autopay_env *env, struct autopay_stats *stats)
{
	struct autopay_settings st;
	struct db_result r;
	char today[11];
	int rc;

	if (autopay_settings_get(env->db, &st) != DB_OK ||
	    clock_fmt_date(clock_now(), today, sizeof(today)) == -1)
		return DB_ERR;
	{
		struct db_param q[] = { DB_STR(today), DB_STR(today),
		    DB_I64(st.notice_days) };
		/* Autopay plans: "will be charged"; the others: "is due", with
		 * a link to pay it. */
		rc = db_query(env->db, "SELECT i.id, i.plan_id, p.autopay FROM"
		    " payment_plan_installments i JOIN payment_plans p ON p.id ="
		    " i.plan_id LEFT JOIN plan_notices n ON n.kind = IF(p.autopay = 1,"
		    " 'upcoming', 'due') AND"
		    " n.subject_key = CONCAT('inst-', i.id, '-', i.due_date)"
		    " WHERE i.status = 'scheduled' AND i.failures = 0 AND i.amount > 0"
		    " AND p.status = 'active' AND i.due_date >= ?"
		    " AND i.due_date <= DATE_ADD(?, INTERVAL ? DAY) AND n.id IS NULL"
		    " ORDER BY i.due_date, i.id LIMIT 1000", q, 3, &r);
	}
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct notice_args a;

		memset(&a, 0, sizeof(a));
		a.env = env;
		a.kind = db_i64(&r, i, 2) ? "upcoming" : "due";
		a.f.inst_id = db_i64(&r, i, 0);
		a.f.plan_id = db_i64(&r, i, 1);
		if ((rc = db_tx(env->db, notice_tx, &a)) == DB_OK)
			stats->notices++;
	}
	db_result_free(&r);
	return rc;
}

int
autopay_card_expiry_run(const struct autopay_env *env, struct autopay_stats *stats)
{
	struct db_result r;
	char today[11];
	int rc;

	if (clock_fmt_date(clock_now(), today, sizeof(today)) == -1)
		return DB_ERR;
	{
		struct db_param q[] = { DB_STR(today) };
		/* Active cards of live plans; days until the card's last day. */
		rc = db_query(env->db, "SELECT m.id, MAX(p.id), m.exp_year, m.exp_month,"
		    " DATEDIFF(LAST_DAY(STR_TO_DATE(CONCAT(m.exp_year, '-', m.exp_month,"
		    " '-01'), '%Y-%m-%d')), ?) AS d FROM payment_methods m JOIN"
		    " payment_plans p ON p.payment_method_id = m.id WHERE m.kind ="
		    " 'card' AND m.status = 'active' AND m.exp_year > 0 AND"
		    " m.exp_month BETWEEN 1 AND 12 AND p.status IN ('sent', 'active',"
		    " 'paused', 'past_due') GROUP BY m.id, m.exp_year, m.exp_month"
		    " HAVING d BETWEEN 0 AND 30 LIMIT 1000", q, 1, &r);
	}
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct notice_args a;
		int64_t d = db_i64(&r, i, 4);

		memset(&a, 0, sizeof(a));
		a.env = env;
		a.kind = d <= 7 ? "card_7" : "card_30";
		a.f.method_id = db_i64(&r, i, 0);
		a.f.plan_id = db_i64(&r, i, 1);
		str_fmt(a.f.key, sizeof(a.f.key), "pm-%" PRId64 "-%" PRId64 "-%02d",
		    a.f.method_id, db_i64(&r, i, 2), (int)db_i64(&r, i, 3));
		if ((rc = db_tx(env->db, notice_tx, &a)) == DB_OK)
			stats->notices++;
	}
	db_result_free(&r);
	return rc;
}

/* --- the staff home -------------------------------------------------------------- */

int
autopay_past_due_list(struct db *db, size_t max, struct autopay_past_due **out,
    size_t *n)
{
	struct db_param q[] = { DB_I64((int64_t)max) };
	struct db_result r;
	int rc = db_query(db, "SELECT p.id, p.account_id, a.name, COALESCE((SELECT"
	    " SUM(i.amount) FROM payment_plan_installments i WHERE i.plan_id = p.id"
	    " AND i.status IN ('scheduled', 'processing')), 0), COALESCE((SELECT"
	    " i.last_failure_code FROM payment_plan_installments i WHERE i.plan_id ="
	    " p.id AND i.dunning_stopped = 1 ORDER BY i.id DESC LIMIT 1), '') FROM"
	    " payment_plans p JOIN accounts a ON a.id = p.account_id WHERE p.status ="
	    " 'past_due' ORDER BY p.updated_at, p.id LIMIT ?", q, 1, &r);

	*out = NULL;
	*n = 0;
	if (rc == DB_OK && r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		struct autopay_past_due *d = &(*out)[i];

		d->plan_id = db_i64(&r, i, 0);
		d->account_id = db_i64(&r, i, 1);
		str_copy(d->account_name, sizeof(d->account_name), db_str(&r, i, 2));
		d->remaining = db_i64(&r, i, 3);
		str_copy(d->reason, sizeof(d->reason), db_str(&r, i, 4));
		*n = i + 1;
	}
	db_result_free(&r);
	return rc;
}
