/* Statements on a schedule: settings, periods, the due-statement run and
 * the statement email (see statement_schedule.h). */
#include "common.h"

#include "statement_schedule.h"

#include "audit.h"
#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "outbox.h"
#include "portal.h"
#include "statement.h"
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

#define SCHED_COLS	"cadence, day_of_month, every_weeks, anchor_date, " \
			"min_balance, deliver_email"

/* Row r, from column col on, in SCHED_COLS order. */
static void
sched_row(const struct db_result *r, size_t row, size_t col,
    struct stmt_schedule *s)
{
	s->cadence = strcmp(db_str(r, row, col), "weekly") == 0 ? SS_WEEKLY :
	    SS_MONTHLY;
	s->day_of_month = (int)db_i64(r, row, col + 1);
	s->every_weeks = (int)db_i64(r, row, col + 2);
	str_copy(s->anchor_date, sizeof(s->anchor_date), db_str(r, row, col + 3));
	s->min_balance = db_i64(r, row, col + 4);
	s->deliver_email = db_i64(r, row, col + 5) != 0;
}

int
statement_schedule_default_get(struct db *db, struct stmt_schedule *s)
{
	struct db_result r;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_query(db, "SELECT enabled, " SCHED_COLS " FROM "
	    "statement_schedule_settings WHERE id = 1", NULL, 0, &r);
	if (rc == DB_OK && r.nrows == 1) {
		s->enabled = db_i64(&r, 0, 0) != 0;
		sched_row(&r, 0, 1, s);
	} else
		rc = DB_ERR;
	db_result_free(&r);
	return rc == DB_OK ? SS_OK : SS_DB;
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
	char detail[300];
	int rc;
	struct db_param p[] = { DB_I64(s->enabled), DB_STR(ss_cadence_names[s->cadence]),
	    DB_I64(s->day_of_month), DB_I64(s->every_weeks), DB_STR(s->anchor_date),
	    DB_I64(s->min_balance), DB_I64(s->deliver_email),
	    a->actor->id ? DB_I64(a->actor->id) : DB_NULL, DB_I64(clock_now()),
	    DB_I64(a->account_id) };

	if (a->account_id == 0) {
		rc = db_exec(db, "UPDATE statement_schedule_settings SET enabled = ?, "
		    "cadence = ?, day_of_month = ?, every_weeks = ?, anchor_date = ?, "
		    "min_balance = ?, deliver_email = ?, updated_by = ?, updated_at = ? "
		    "WHERE id = 1", p, 9, NULL, NULL);
		sched_detail(detail, sizeof(detail), s->enabled ? "on" : "off", s);
	} else if (a->mode == SS_DEFAULT) {
		rc = db_exec(db, "DELETE FROM statement_schedules WHERE account_id = ?",
		    p + 9, 1, NULL, NULL);
		str_copy(detail, sizeof(detail), "mode=default");
	} else {
		p[0] = DB_STR(ss_mode_names[a->mode]);
		rc = db_exec(db, "REPLACE INTO statement_schedules (mode, cadence, "
		    "day_of_month, every_weeks, anchor_date, min_balance, "
		    "deliver_email, updated_by, updated_at, account_id) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p, 10, NULL, NULL);
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
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	*mode = SS_DEFAULT;
	if (statement_schedule_default_get(db, s) != SS_OK)
		return SS_DB;
	rc = db_query(db, "SELECT mode, " SCHED_COLS " FROM statement_schedules "
	    "WHERE account_id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		*mode = strcmp(db_str(&r, 0, 0), "off") == 0 ? SS_OFF : SS_CUSTOM;
		s->enabled = *mode == SS_CUSTOM;
		sched_row(&r, 0, 1, s);
	}
	db_result_free(&r);
	return rc == DB_OK ? SS_OK : SS_DB;
}

int
statement_schedule_account_set(struct db *db, const struct actor *actor,
    int64_t account_id, enum ss_mode mode, const struct stmt_schedule *s,
    const char **bad)
{
	struct set_args a = { actor, account_id, mode, s };
	int64_t n = 0;
	struct db_param p[] = { DB_I64(account_id) };

	if ((unsigned)mode >= SS_MODE__MAX) {
		*bad = "mode";
		return SS_INVALID;
	}
	if (statement_schedule_check(s, bad) != SS_OK)
		return SS_INVALID;
	if (db_query_i64(db, "SELECT COUNT(*) FROM accounts WHERE id = ?", p, 1,
	    &n) != DB_OK)
		return SS_DB;
	if (n == 0)
		return SS_NOT_FOUND;
	return db_tx(db, set_tx, &a) == DB_OK ? SS_OK : SS_DB;
}
