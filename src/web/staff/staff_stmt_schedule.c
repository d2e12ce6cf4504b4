/* Staff pages for statements on a schedule: the practice default
 * (/admin/statement-schedule) and an account's own setting
 * (/accounts/:id/statement-schedule). The rules are in
 * billing/statement_schedule.c. */
#include "common.h"

#include "app.h"
#include "kit.h"
#include "money.h"
#include "routes.h"
#include "staff_money.h"
#include "statement_schedule.h"
#include "str.h"
#include "tmpl.h"

#define FIELDS(f)	f, ARRAY_LEN(f)
#define NOFIELDS	NULL, 0

static const char *const cadences[] = { "monthly", "weekly", NULL };
static const char *const modes[] = { "default", "custom", "off", NULL };

#define SCHED_FIELDS \
	{ "cadence", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, cadences, "Frequency" }, \
	{ "day_of_month", FIELD_INT, FIELD_REQUIRED, 0, 1, 31, NULL, \
	    "Day of the month" }, \
	{ "every_weeks", FIELD_INT, FIELD_REQUIRED, 0, 1, 52, NULL, \
	    "Every how many weeks" }, \
	{ "anchor_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, 0, NULL, \
	    "First statement date" }, \
	{ "min_balance", FIELD_MONEY, 0, 0, 0, MONEY_MAX, NULL, \
	    "Minimum balance" }, \
	{ "deliver_email", FIELD_BOOL, 0, 0, 0, 0, NULL, "Email" }

static const struct field f_default[] = {
	{ "enabled", FIELD_BOOL, 0, 0, 0, 0, NULL, "Statements on a schedule" },
	SCHED_FIELDS,
};

static const struct field f_account[] = {
	{ "mode", FIELD_ENUM, FIELD_REQUIRED, 0, 0, 0, modes, "Schedule" },
	SCHED_FIELDS,
};

static int	 h_default(struct ctx *);
static int	 h_default_save(struct ctx *);
static int	 h_account(struct ctx *);
static int	 h_account_save(struct ctx *);

const struct route routes_stmt_schedule[] = {
	{ { "GET", "/admin/statement-schedule" }, h_default, ROLE_ADMIN, 0,
	    NOFIELDS },
	{ { "POST", "/admin/statement-schedule" }, h_default_save, ROLE_ADMIN,
	    R_FORM, FIELDS(f_default) },
	{ { "GET", "/accounts/:id/statement-schedule" }, h_account, ROLES_STAFF,
	    0, NOFIELDS },
	{ { "POST", "/accounts/:id/statement-schedule" }, h_account_save,
	    ROLES_MONEY, R_FORM, FIELDS(f_account) },
};
const size_t nroutes_stmt_schedule = ARRAY_LEN(routes_stmt_schedule);

static int
page(struct ctx *c, int status, int64_t account_id, enum ss_mode mode,
    const struct stmt_schedule *s)
{
	struct tmpl_vars *v = c->view;

	tmpl_set_bool(v, "form_enabled", s->enabled);
	tmpl_set_bool(v, "form_monthly", s->cadence == SS_MONTHLY);
	tmpl_set_bool(v, "form_weekly", s->cadence == SS_WEEKLY);
	tmpl_set_int(v, "form_day_of_month", s->day_of_month);
	tmpl_set_int(v, "form_every_weeks", s->every_weeks);
	tmpl_set(v, "form_anchor_date", s->anchor_date);
	kit_set_money_plain(v, "form_min_balance", s->min_balance);
	tmpl_set_bool(v, "form_deliver_email", s->deliver_email);
	if (account_id > 0) {
		tmpl_set_int(v, "account_id", account_id);
		tmpl_set_bool(v, "mode_default", mode == SS_DEFAULT);
		tmpl_set_bool(v, "mode_custom", mode == SS_CUSTOM);
		tmpl_set_bool(v, "mode_off", mode == SS_OFF);
		tmpl_set(v, "title", "Statement schedule");
	} else {
		tmpl_set(v, "title", "Scheduled statements");
		tmpl_set_bool(v, "tab_statement_schedule", 1);
	}
	return app_render(c, status, "statement_schedule.html");
}

/* The form's schedule (fields already validated). */
static void
from_form(struct ctx *c, struct stmt_schedule *s)
{
	const char *d = app_field(c, "anchor_date")->s;

	memset(s, 0, sizeof(*s));
	s->cadence = (enum ss_cadence)app_field(c, "cadence")->i;
	s->day_of_month = (int)app_field(c, "day_of_month")->i;
	s->every_weeks = (int)app_field(c, "every_weeks")->i;
	str_copy(s->anchor_date, sizeof(s->anchor_date), d != NULL ? d : "");
	s->min_balance = app_field(c, "min_balance")->i;
	s->deliver_email = app_field(c, "deliver_email")->i != 0;
}

static int
h_default(struct ctx *c)
{
	struct stmt_schedule s;

	if (statement_schedule_default_get(c->app->db, &s) != SS_OK)
		return -1;
	return page(c, 200, 0, SS_DEFAULT, &s);
}

static int
h_default_save(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct stmt_schedule s;
	const char *bad = NULL;
	int rc;

	if (c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set(c->view, "error", "Check the highlighted fields.");
		if (statement_schedule_default_get(c->app->db, &s) != SS_OK)
			return -1;
		return page(c, 422, 0, SS_DEFAULT, &s);
	}
	from_form(c, &s);
	s.enabled = app_field(c, "enabled")->i != 0;
	if ((rc = statement_schedule_default_set(c->app->db, &a, &s, &bad)) ==
	    SS_DB)
		return -1;
	if (rc != SS_OK) {
		kit_form_error(c, bad, "This value is not allowed.");
		tmpl_set(c->view, "error", "Check the highlighted fields.");
		return page(c, 422, 0, SS_DEFAULT, &s);
	}
	tmpl_set(c->view, "notice", "saved");
	return page(c, 200, 0, SS_DEFAULT, &s);
}

static int
h_account(struct ctx *c)
{
	struct stmt_schedule s;
	enum ss_mode mode;
	int64_t id;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such account.");
	if (statement_schedule_account_get(c->app->db, id, &mode, &s) != SS_OK)
		return -1;
	return page(c, 200, id, mode, &s);
}

static int
h_account_save(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct stmt_schedule s;
	enum ss_mode mode;
	const char *bad = NULL;
	int64_t id;
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such account.");
	if (c->fs.nerr > 0) {
		app_view_errors(c);
		tmpl_set(c->view, "error", "Check the highlighted fields.");
		if (statement_schedule_account_get(c->app->db, id, &mode, &s) != SS_OK)
			return -1;
		return page(c, 422, id, mode, &s);
	}
	from_form(c, &s);
	mode = (enum ss_mode)app_field(c, "mode")->i;
	s.enabled = mode == SS_CUSTOM;
	rc = statement_schedule_account_set(c->app->db, &a, id, mode, &s, &bad);
	if (rc == SS_DB)
		return -1;
	if (rc == SS_NOT_FOUND)
		return app_error(c, 404, "No such account.");
	if (rc != SS_OK) {
		kit_form_error(c, bad, "This value is not allowed.");
		return page(c, 422, id, mode, &s);
	}
	tmpl_set(c->view, "notice", "saved");
	return page(c, 200, id, mode, &s);
}
