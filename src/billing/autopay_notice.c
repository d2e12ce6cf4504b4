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
#include "store_autopay.h"
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
	char msg[200], retry[61];
	int days = 3;
	int rc = store_autopay_settings_get(db, &days, retry, sizeof(retry));

	memset(st, 0, sizeof(*st));
	st->notice_days = days;
	if (rc == DB_OK && autopay_retry_parse(retry, st, msg, sizeof(msg)) == -1)
		st->nretry = 0;
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
	char detail[160];
	int rc;

	if ((rc = store_autopay_settings_set(db, s->days, s->retry)) != DB_OK)
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

/* The facts of the notice as they are now. */
static void
notice_facts(struct notice *n, const char *kind, const struct autopay_facts *f,
    const struct store_autopay_notice *r)
{
	notice_fact(n, "akind", kind);
	notice_fact(n, "mkind", r->mkind);
	notice_fact(n, "brand", r->brand);
	notice_fact(n, "last4", r->last4);
	notice_fact_i64(n, "exp_month", r->exp_month);
	notice_fact_i64(n, "exp_year", r->exp_year);
	notice_fact_i64(n, "number", r->number);
	notice_fact(n, "due", r->due);
	notice_fact_i64(n, "amount", r->amount);
	notice_fact(n, "retry_on", r->retry_on);
	notice_fact(n, "reason", f->message);
}

int
autopay_notice(const struct autopay_env *env, struct db *db, const char *kind,
    const struct autopay_facts *f)
{
	struct store_autopay_notice r;
	struct notice n;
	char key[80];
	int rc;

	if ((rc = store_autopay_notice_get(db, f->inst_id, f->plan_id,
	    f->method_id, &r)) != 1)
		return rc;	/* no such row: nothing to tell */
	subject_key(kind, f, r.due, key, sizeof(key));
	rc = store_autopay_notice_insert(db, kind, f->plan_id, f->inst_id,
	    f->method_id, f->attempt, key, clock_now());
	if (rc == DB_DUP)
		return DB_OK;	/* sent already */
	if (rc != DB_OK || r.email[0] == '\0')
		return rc;	/* nobody to tell by email */
	notice_init(&n, NOTICE_AUTOPAY, r.email, r.language, r.account_id,
	    "payment_plan", f->plan_id);
	notice_facts(&n, kind, f, &r);
	if (strcmp(kind, "failed") == 0 || strcmp(kind, "past_due") == 0 ||
	    strncmp(kind, "card_", 5) == 0) {
		char token[2 * PORTAL_TOKEN_BYTES + 1];

		/* The update-card link: a new token, its hash kept; the mail
		 * carries it sealed until it is sent. */
		if ((rc = plan_card_token_new(db, f->plan_id, token,
		    sizeof(token))) != DB_OK) {
			notice_free(&n);
			return rc;
		}
		notice_token(&n, token);
		explicit_bzero(token, sizeof(token));
	}
	return notice_enqueue(db, env->cfg, &n, NULL) == DB_OK ? DB_OK : DB_ERR;
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
	struct store_autopay_upcoming *v;
	char today[11];
	size_t n;
	int rc;

	if (autopay_settings_get(env->db, &st) != DB_OK ||
	    clock_fmt_date(clock_now(), today, sizeof(today)) == -1)
		return DB_ERR;
	/* Autopay plans: "will be charged"; the others: "is due", with a
	 * link to pay it. */
	rc = store_autopay_upcoming(env->db, today, st.notice_days, &v, &n);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		struct notice_args a;

		memset(&a, 0, sizeof(a));
		a.env = env;
		a.kind = v[i].autopay ? "upcoming" : "due";
		a.f.inst_id = v[i].inst_id;
		a.f.plan_id = v[i].plan_id;
		if ((rc = db_tx(env->db, notice_tx, &a)) == DB_OK)
			stats->notices++;
	}
	free(v);
	return rc;
}

int
autopay_card_expiry_run(const struct autopay_env *env, struct autopay_stats *stats)
{
	struct store_autopay_expiring *v;
	char today[11];
	size_t n;
	int rc;

	if (clock_fmt_date(clock_now(), today, sizeof(today)) == -1)
		return DB_ERR;
	/* Active cards of live plans; days until the card's last day. */
	rc = store_autopay_expiring(env->db, today, &v, &n);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		struct notice_args a;

		memset(&a, 0, sizeof(a));
		a.env = env;
		a.kind = v[i].days <= 7 ? "card_7" : "card_30";
		a.f.method_id = v[i].method_id;
		a.f.plan_id = v[i].plan_id;
		str_fmt(a.f.key, sizeof(a.f.key), "pm-%" PRId64 "-%" PRId64 "-%02d",
		    a.f.method_id, v[i].exp_year, (int)v[i].exp_month);
		if ((rc = db_tx(env->db, notice_tx, &a)) == DB_OK)
			stats->notices++;
	}
	free(v);
	return rc;
}
