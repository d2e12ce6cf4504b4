/* Statements on a schedule: settings, periods, the due-statement run and
 * the statement email (see statement_schedule.h). */
#include "common.h"

#include "statement_schedule.h"

#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "statement.h"
#include "statement_int.h"
#include "store_statement.h"
#include "str.h"

const char *const ss_cadence_names[SS_CADENCE__MAX] = { "monthly", "weekly" };
const char *const ss_mode_names[SS_MODE__MAX] = { "default", "custom", "off" };


/* --- periods (pure) --------------------------------------------------------- */

static int64_t
month_run_date(int64_t y, int64_t m, int day)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char s[11];
	int64_t d;
	int last = dim[m - 1];

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		last = 29;
	str_fmt(s, sizeof(s), "%04" PRId64 "-%02" PRId64 "-%02d", y, m,
	    day < last ? day : last);
	return date_parse(s, &d) == 0 ? d : 0;
}

static void
prev_month(int64_t *y, int64_t *m)
{
	if (--*m == 0) {
		*m = 12;
		--*y;
	}
}

int
statement_schedule_period(const struct stmt_schedule *s, int64_t today,
    char *key, char *from, char *to)
{
	int64_t run, start;
	char d[11];

	if (s->cadence == SS_MONTHLY) {
		int64_t y, m;

		date_fmt(today, d, sizeof(d));
		y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
		    (d[3] - '0');
		m = (d[5] - '0') * 10 + (d[6] - '0');
		if ((run = month_run_date(y, m, s->day_of_month)) > today) {
			prev_month(&y, &m);
			run = month_run_date(y, m, s->day_of_month);
		}
		str_fmt(key, 17, "M%04" PRId64 "-%02" PRId64, y, m);
		prev_month(&y, &m);
		start = month_run_date(y, m, s->day_of_month);
	} else {
		int64_t anchor, step = 7 * (int64_t)s->every_weeks;

		if (date_parse(s->anchor_date, &anchor) == -1 || today < anchor)
			return -1;
		run = anchor + (today - anchor) / step * step;
		start = run - step;
		date_fmt(run, d, sizeof(d));
		str_fmt(key, 17, "W%s", d);
	}
	date_fmt(start, from, 11);
	date_fmt(run - 1, to, 11);
	return 0;
}

int
statement_schedule_check(const struct stmt_schedule *s, const char **bad)
{
	int64_t d;

	*bad = NULL;
	if ((unsigned)s->cadence >= SS_CADENCE__MAX)
		*bad = "cadence";
	else if (s->day_of_month < 1 || s->day_of_month > 31)
		*bad = "day_of_month";
	else if (s->every_weeks < 1 || s->every_weeks > 52)
		*bad = "every_weeks";
	else if (date_parse(s->anchor_date, &d) == -1)
		*bad = "anchor_date";
	else if (s->min_balance < 0 || s->min_balance > MONEY_MAX)
		*bad = "min_balance";
	return *bad ? SS_INVALID : SS_OK;
}

/* --- settings ----------------------------------------------------------------- */

/* The store's row as the domain's (statement_int.h), and back. */
void
statement_schedule_from_store(const struct store_statement_schedule *r,
    struct stmt_schedule *s)
{
	s->cadence = strcmp(r->cadence, "weekly") == 0 ? SS_WEEKLY : SS_MONTHLY;
	s->day_of_month = r->day_of_month;
	s->every_weeks = r->every_weeks;
	str_copy(s->anchor_date, sizeof(s->anchor_date), r->anchor_date);
	s->min_balance = r->min_balance;
	s->deliver_email = r->deliver_email;
}

static void
sched_to_store(const struct stmt_schedule *s, struct store_statement_schedule *r)
{
	memset(r, 0, sizeof(*r));
	r->enabled = s->enabled;
	str_copy(r->cadence, sizeof(r->cadence), ss_cadence_names[s->cadence]);
	r->day_of_month = s->day_of_month;
	r->every_weeks = s->every_weeks;
	str_copy(r->anchor_date, sizeof(r->anchor_date), s->anchor_date);
	r->min_balance = s->min_balance;
	r->deliver_email = s->deliver_email;
}

int
statement_schedule_default_get(struct db *db, struct stmt_schedule *s)
{
	struct store_statement_schedule r;

	memset(s, 0, sizeof(*s));
	if (store_statement_schedule_default_get(db, &r) != 1)
		return SS_DB;
	s->enabled = r.enabled;
	statement_schedule_from_store(&r, s);
	return SS_OK;
}

static void
sched_detail(char *out, size_t outsz, const char *mode,
    const struct stmt_schedule *s)
{
	str_fmt(out, outsz, "mode=%s cadence=%s day=%d weeks=%d anchor=%s "
	    "min_balance=%" PRId64 " email=%d", mode, ss_cadence_names[s->cadence],
	    s->day_of_month, s->every_weeks, s->anchor_date, s->min_balance,
	    s->deliver_email);
}

struct set_args {
	const struct actor		*actor;
	int64_t				 account_id;	/* 0: the default */
	enum ss_mode			 mode;
	const struct stmt_schedule	*s;
};

static int
set_tx(struct db *db, void *arg)
{
	struct set_args *a = arg;
	const struct stmt_schedule *s = a->s;
	struct store_statement_schedule r;
	int64_t by = a->actor->id, now = clock_now();
	char detail[300];
	int rc;

	sched_to_store(s, &r);
	if (a->account_id == 0) {
		rc = store_statement_schedule_default_set(db, &r, by, now);
		sched_detail(detail, sizeof(detail), s->enabled ? "on" : "off", s);
	} else if (a->mode == SS_DEFAULT) {
		rc = store_statement_schedule_account_delete(db, a->account_id);
		str_copy(detail, sizeof(detail), "mode=default");
	} else {
		str_copy(r.mode, sizeof(r.mode), ss_mode_names[a->mode]);
		rc = store_statement_schedule_account_put(db, a->account_id, &r,
		    by, now);
		sched_detail(detail, sizeof(detail), ss_mode_names[a->mode], s);
	}
	if (rc == DB_OK)
		rc = audit_record(db, a->actor, "statement_schedule.update",
		    a->account_id ? "account" : "settings", a->account_id, detail);
	return rc;
}

int
statement_schedule_default_set(struct db *db, const struct actor *actor,
    const struct stmt_schedule *s, const char **bad)
{
	struct set_args a = { actor, 0, SS_CUSTOM, s };

	if (statement_schedule_check(s, bad) != SS_OK)
		return SS_INVALID;
	return db_tx(db, set_tx, &a) == DB_OK ? SS_OK : SS_DB;
}

int
statement_schedule_account_get(struct db *db, int64_t account_id,
    enum ss_mode *mode, struct stmt_schedule *s)
{
	struct store_statement_schedule r;
	int rc;

	*mode = SS_DEFAULT;
	if (statement_schedule_default_get(db, s) != SS_OK)
		return SS_DB;
	if ((rc = store_statement_schedule_account_get(db, account_id, &r)) < 0)
		return SS_DB;
	if (rc == 1) {
		*mode = strcmp(r.mode, "off") == 0 ? SS_OFF : SS_CUSTOM;
		s->enabled = *mode == SS_CUSTOM;
		statement_schedule_from_store(&r, s);
	}
	return SS_OK;
}

int
statement_schedule_account_set(struct db *db, const struct actor *actor,
    int64_t account_id, enum ss_mode mode, const struct stmt_schedule *s,
    const char **bad)
{
	struct set_args a = { actor, account_id, mode, s };
	struct store_statement_party party;
	int rc;

	if ((unsigned)mode >= SS_MODE__MAX) {
		*bad = "mode";
		return SS_INVALID;
	}
	if (statement_schedule_check(s, bad) != SS_OK)
		return SS_INVALID;
	if ((rc = store_statement_party_get(db, account_id, &party)) < 0)
		return SS_DB;
	if (rc == 0)
		return SS_NOT_FOUND;
	return db_tx(db, set_tx, &a) == DB_OK ? SS_OK : SS_DB;
}
