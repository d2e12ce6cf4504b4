/* Statements: preview and generate for one account (or one of its
 * clients), the stored snapshot and its print view, the list of recent
 * statements, and bulk runs with a progress page. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "calc.h"
#include "catalog.h"
#include "clock.h"
#include "kit.h"
#include "money.h"
#include "profiles.h"
#include "staff_money.h"
#include "statement.h"
#include "statement_schedule.h"
#include "pdf.h"
#include "str.h"
#include "tmpl.h"

#define BATCH_MAIL_CHUNK	20	/* emails (PDFs rendered) per page view */

/* Recent statements per page of the list; of a run's on its page. */
#define STMT_PAGE	50
#define BATCH_SHOWN	50

/* The statement document (statement_body.html) of a preview or snapshot. */
static void
view_statement(struct ctx *c, const struct statement *s)
{
	struct tmpl_vars *v = c->view;
	int64_t aging_total = 0;

	tmpl_set(v, "st_number", s->number);
	tmpl_set(v, "st_date", s->statement_date);
	tmpl_set(v, "st_due_date", s->due_date);
	tmpl_set(v, "st_from", s->period_start);
	tmpl_set(v, "st_to", s->period_end);
	tmpl_set(v, "st_account_name", s->account_name);
	tmpl_set_int(v, "st_account_id", s->account_id);
	if (s->client_id) {
		tmpl_set_int(v, "st_client_id", s->client_id);
		tmpl_set(v, "st_client_name", s->client_name);
	}
	for (size_t i = 0; i < ARRAY_LEN(s->address); i++) {
		struct tmpl_vars *row;
		if (s->address[i][0] == '\0' ||
		    (row = tmpl_loop_add(v, "st_address")) == NULL)
			continue;
		tmpl_set(row, "line", s->address[i]);
	}
	kit_set_money(v, "st_opening", s->opening);
	kit_set_money(v, "st_closing", s->closing);
	kit_set_money(v, "st_amount_due", s->amount_due);
	tmpl_set_bool(v, "st_credit", s->closing < 0);
	if (s->closing < 0)
		kit_set_money(v, "st_credit_amount", -s->closing);
	for (size_t i = 0; i < s->nlines; i++) {
		const struct statement_line *l = &s->lines[i];
		struct tmpl_vars *row = tmpl_loop_add(v, "st_lines");
		if (row == NULL)
			break;
		tmpl_set(row, "date", l->date);
		tmpl_set(row, "kind", l->kind);
		tmpl_set(row, "kind_label", kit_entry_kind_label(l->kind));
		/* "Payment (check 1001)" says its kind already. */
		tmpl_set_bool(row, "show_kind", strncasecmp(l->description,
		    kit_entry_kind_label(l->kind), strlen(kit_entry_kind_label(l->kind))) != 0);
		tmpl_set(row, "description", l->description);
		kit_set_money(row, "amount", l->amount);
		tmpl_set_bool(row, "credit", l->amount < 0);
		kit_set_money(row, "running", l->running);
	}
	for (size_t b = 0; b < AGING_BUCKETS; b++)
		aging_total += s->aging[b];
	for (size_t b = 0; b < AGING_BUCKETS; b++) {
		struct tmpl_vars *row = tmpl_loop_add(v, "st_aging");
		if (row == NULL)
			break;
		tmpl_set(row, "label", aging_labels[b]);
		kit_set_money(row, "amount", s->aging[b]);
		tmpl_set_bool(row, "nonzero", s->aging[b] != 0);
	}
	kit_set_money(v, "st_aging_total", aging_total);
	/* closing = aging total - unapplied: the difference is its own line */
	tmpl_set_bool(v, "st_has_unapplied", s->unapplied > 0);
	kit_set_money(v, "st_unapplied", -s->unapplied);
	tmpl_set_bool(v, "st_has_unaged", s->unapplied < 0);
	kit_set_money(v, "st_unaged", -s->unapplied);
	tmpl_set_bool(v, "st_has_account_credit", s->account_credit > 0);
	kit_set_money(v, "st_account_credit", s->account_credit);
}

/* --- one account: preview and generate --------------------------------- */

/* Checks a period whose dates passed the field table (rules skip fields
 * that did not, so every problem shows at once). Returns the number of
 * problems. */
static int
period_check(struct ctx *c, const char *from, const char *to)
{
	char today[11];

	if (field_set_error(&c->fs, "from") || field_set_error(&c->fs, "to") ||
	    from[0] == '\0' || to[0] == '\0')
		return 0;
	kit_date_from_today(today, sizeof(today), 0);
	if (strcmp(from, to) > 0) {
		kit_form_error(c, "to", "The period must end on or after its "
		    "first day.");
		return 1;
	}
	if (strcmp(to, today) > 0) {
		kit_form_error(c, "to", "The period cannot end after today.");
		return 1;
	}
	return 0;
}

/* Checks the period and the client. Returns the number of problems, or -1. */
static int
statement_check(struct ctx *c, int64_t account_id, const char *from,
    const char *to)
{
	const struct field_value *cid = app_field(c, "client_id");
	struct client cl;
	int bad = period_check(c, from, to), rc;

	if (cid->present && field_set_error(&c->fs, "client_id") == NULL) {
		rc = client_get(c->app->db, cid->i, &cl);
		if (rc == PROF_DB)
			return -1;
		if (rc != PROF_OK || cl.account_id != account_id) {
			kit_form_error(c, "client_id",
			    "Choose a client of this account.");
			bad++;
		}
	}
	return bad;
}

/* The range form, and the preview when the range is complete and valid. */
static int
statement_new_page(struct ctx *c, const struct account *a, int status,
    const char *error)
{
	const struct field_value *cid = app_field(c, "client_id");
	const char *from = kit_field_s(c, "from"), *to = kit_field_s(c, "to");
	int64_t client_id = cid && cid->present ? cid->i : 0;
	struct statement st;
	char d[11];
	int rc, bad = c->fs.nerr > 0 || error != NULL;

	/* error set: the caller has checked the rules already. */
	if (error == NULL) {
		if ((rc = statement_check(c, a->id, from, to)) == -1)
			return -1;
		bad |= rc > 0;
	}
	if (bad && status < 400)
		status = 422;

	tmpl_set(c->view, "title", "New statement");
	tmpl_set_bool(c->view, "nav_accounts", 1);
	kit_view_account(c->view, a);
	if (staff_money_view_account_clients(c, a->id, client_id) == -1)
		return -1;
	staff_money_prev_month_start(d);
	tmpl_set(c->view, "form_from", kit_input(c, "from")[0] ?
	    kit_input(c, "from") : d);
	kit_date_from_today(d, sizeof(d), 0);
	tmpl_set(c->view, "form_to", kit_input(c, "to")[0] ?
	    kit_input(c, "to") : d);
	tmpl_set(c->view, "today", d);
	if (c->fs.nerr > 0)
		app_view_errors(c);
	if (!bad && from[0] && to[0]) {
		memset(&st, 0, sizeof(st));
		rc = statement_preview(c->app->db, a->id, client_id, from, to, &st);
		if (rc == ST_DB) {
			statement_free(&st);
			return -1;
		}
		if (rc == ST_OK) {
			tmpl_set_bool(c->view, "preview", 1);
			tmpl_set(c->view, "gen_from", from);
			tmpl_set(c->view, "gen_to", to);
			tmpl_set_int(c->view, "gen_client_id", client_id);
			view_statement(c, &st);
		} else {
			error = "No statement can be made for this period.";
			status = 422;
		}
		statement_free(&st);
	}
	if (error)
		tmpl_set(c->view, "error", error);
	else if (c->fs.nerr > 0 || bad)
		tmpl_set(c->view, "error", "Please correct the fields below.");
	return app_render(c, status, "statement_new.html");
}

int
h_statement_new(struct ctx *c)
{
	struct account a;
	int rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	return statement_new_page(c, &a, c->fs.nerr > 0 ? 422 : 200, NULL);
}

int
h_statement_create(struct ctx *c)
{
	struct actor act = kit_staff_actor(c);
	const struct field_value *cid = app_field(c, "client_id");
	struct account a;
	int64_t id = 0;
	char loc[80];
	int rc;

	if ((rc = kit_path_account_or_404(c, &a)) != 0)
		return rc == 1 ? 0 : -1;
	if (c->fs.nerr > 0)
		return statement_new_page(c, &a, 422, NULL);
	rc = statement_check(c, a.id, kit_field_s(c, "from"),
	    kit_field_s(c, "to"));
	if (rc == -1)
		return -1;
	if (rc > 0)
		return statement_new_page(c, &a, 422, "Please correct the fields "
		    "below.");
	rc = statement_generate(c->app->db, &act, a.id,
	    cid->present ? cid->i : 0, kit_field_s(c, "from"),
	    kit_field_s(c, "to"), 0, &id);
	if (rc == ST_DB)
		return -1;
	if (rc != ST_OK)
		return statement_new_page(c, &a, 422, "No statement can be made "
		    "for this period.");
	str_fmt(loc, sizeof(loc), "/statements/%" PRId64 "?notice=generated", id);
	http_redirect(&c->resp, 303, loc);
	return 0;
}

/* --- a stored statement ------------------------------------------------- */

static int
load_statement(struct ctx *c, struct statement *st)
{
	int64_t id;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such statement.") == -1 ? -1 : 1;
	rc = statement_get(c->app->db, id, st);
	if (rc == ST_DB)
		return -1;
	if (rc != ST_OK)
		return app_error(c, 404, "No such statement.") == -1 ? -1 : 1;
	return 0;
}

static int
statement_render(struct ctx *c, const char *tmpl)
{
	const struct field_value *notice = app_field(c, "notice");
	struct statement st;
	int rc;

	if ((rc = load_statement(c, &st)) != 0) {
		statement_free(&st);
		return rc == 1 ? 0 : -1;
	}
	tmpl_setf(c->view, "title", "Statement %s", st.number);
	tmpl_set_bool(c->view, "nav_statements", 1);
	tmpl_set_int(c->view, "statement_id", st.id);
	view_statement(c, &st);
	if (notice && notice->present)
		tmpl_set(c->view, "notice", notice->s);
	statement_free(&st);
	return app_render(c, 200, tmpl);
}

int
h_statement_show(struct ctx *c)
{
	return statement_render(c, "statement_show.html");
}

int
h_statement_print(struct ctx *c)
{
	return statement_render(c, "statement_print.html");
}

/* --- the list and bulk runs --------------------------------------------- */

#ifdef STATEMENT_FIND_MAX
static void
view_statement_row(struct tmpl_vars *row, const struct statement *s)
{
	tmpl_set_int(row, "statement_id", s->id);
	tmpl_set(row, "number", s->number);
	tmpl_set(row, "statement_date", s->statement_date);
	tmpl_set_int(row, "account_id", s->account_id);
	tmpl_set(row, "account_name", s->account_name);
	tmpl_set(row, "client_name", s->client_name);
	tmpl_set(row, "period_start", s->period_start);
	tmpl_set(row, "period_end", s->period_end);
	kit_set_money(row, "amount_due", s->amount_due);
}

/* A page of stored statements (every account's, or one batch's) into loop
 * `statements`; older = id for the next page. */
static int
view_statement_page(struct ctx *c, int64_t batch_id, int64_t before,
    size_t limit)
{
	struct statement_filter f = { 0, batch_id, before, limit };
	struct statement *sts = NULL;
	size_t n = 0;
	int more = 0;

	if (statement_find(c->app->db, &f, &sts, &n, &more) != ST_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "statements");
		if (row == NULL)
			break;
		view_statement_row(row, &sts[i]);
	}
	if (more && n > 0) {
		tmpl_set_int(c->view, "older", sts[n - 1].id);
		tmpl_set_bool(c->view, "statements_more", 1);
	}
	free(sts);
	return 0;
}
#else
/* Until the store offers statement_find(): nothing to list. */
static int
view_statement_page(struct ctx *c, int64_t batch_id, int64_t before,
    size_t limit)
{
	(void)c;
	(void)batch_id;
	(void)before;
	(void)limit;
	return 0;
}
#endif

static int
view_recent_statements(struct ctx *c)
{
	const struct field_value *before = app_field(c, "before");

	tmpl_set_bool(c->view, "paged", before && before->present);
	return view_statement_page(c, 0, before && before->present ?
	    before->i : 0, STMT_PAGE);
}

static int
statements_page(struct ctx *c, int status, const char *error)
{
	const struct field_value *loc = app_field(c, "location_id");
	char d[11];
	int post = strcmp(c->req.method, "POST") == 0;

	tmpl_set(c->view, "title", "Statements");
	tmpl_set_bool(c->view, "nav_statements", 1);
	staff_money_prev_month_start(d);
	tmpl_set(c->view, "form_from", post ? kit_input(c, "from") : d);
	kit_date_from_today(d, sizeof(d), 0);
	tmpl_set(c->view, "today", d);
	tmpl_set(c->view, "form_to", post ? kit_input(c, "to") : d);
	tmpl_set(c->view, "form_min_balance", post ?
	    kit_input(c, "min_balance") : "0.01");
	if (staff_money_view_locations(c, post && loc && loc->present ? loc->i :
	    0) == -1)
		return -1;
	if (!post && view_recent_statements(c) == -1)
		return -1;
	if (post)
		tmpl_set_bool(c->view, "hide_recent", 1);
	if (error)
		tmpl_set(c->view, "error", error);
	return app_render(c, status, "statement_list.html");
}

int
h_statements(struct ctx *c)
{
	return statements_page(c, 200, NULL);
}

int
h_statement_batch_create(struct ctx *c)
{
	struct actor act = kit_staff_actor(c);
	const struct field_value *loc = app_field(c, "location_id");
	const struct field_value *min = app_field(c, "min_balance");
	const char *from = kit_field_s(c, "from"), *to = kit_field_s(c, "to");
	struct location l;
	char url[80];
	int64_t id = 0;
	int bad, rc;

	bad = period_check(c, from, to);
	if (loc->present && field_set_error(&c->fs, "location_id") == NULL) {
		rc = location_get(c->app->db, loc->i, &l);
		if (rc == CAT_DB)
			return -1;
		if (rc != CAT_OK) {
			kit_form_error(c, "location_id", "Choose a location.");
			bad++;
		}
	}
	if (c->fs.nerr > 0)
		app_view_errors(c);
	if (bad || c->fs.nerr > 0)
		return statements_page(c, 422, "Please correct the fields below.");
	rc = statement_batch_create(c->app->db, &act, from, to,
	    loc->present ? loc->i : 0, min->present ? min->i : 1, &id);
	if (rc == ST_DB)
		return -1;
	if (rc != ST_OK)
		return statements_page(c, 422, "The run could not be started for "
		    "this period.");
	if (app_field(c, "email")->i &&
	    statement_batch_set_email(c->app->db, id) != SS_OK)
		return -1;
	str_fmt(url, sizeof(url), "/statements/batches/%" PRId64, id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* A page of the statements a finished run generated. */
static int
view_batch_statements(struct ctx *c, const struct statement_batch *b)
{
	const struct field_value *before = app_field(c, "before");

	tmpl_set_bool(c->view, "paged", before && before->present);
	return view_statement_page(c, b->id, before && before->present ?
	    before->i : 0, BATCH_SHOWN);
}

static void
view_batch(struct ctx *c, const struct statement_batch *b)
{
	struct tmpl_vars *v = c->view;
	int64_t pct = b->total > 0 ? b->done * 100 / b->total : 100;

	if (pct > 100)
		pct = 100;
	tmpl_set_int(v, "batch_id", b->id);
	tmpl_set(v, "batch_from", b->period_start);
	tmpl_set(v, "batch_to", b->period_end);
	tmpl_set_int(v, "batch_total", b->total);
	tmpl_set_int(v, "batch_done", b->done);
	tmpl_set_int(v, "batch_left", b->total - b->done);
	tmpl_set_int(v, "batch_pct", pct);
	kit_set_money(v, "batch_min", b->min_balance);
	tmpl_set_bool(v, "batch_running", strcmp(b->status, "done") != 0);
	kit_set_instant(v, "batch_started", b->created_at);
}

/* A run that emails: each view also queues a chunk of its emails (the
 * PDF attached); the page keeps refreshing until none is left. */
static int
batch_mail(struct ctx *c, const struct statement_batch *b)
{
	struct ss_env env = { &c->app->cfg, pdf_statement_cfg };
	int64_t pending = 0, sent = 0;
	int email = 0;

	if (statement_batch_mail_counts(c->app->db, b->id, &email, &pending,
	    &sent) != SS_OK)
		return -1;
	if (!email)
		return 0;
	if (pending > 0) {
		if (statement_batch_email(c->app->db, &env, b->id, BATCH_MAIL_CHUNK,
		    NULL) != SS_OK || statement_batch_mail_counts(c->app->db, b->id,
		    &email, &pending, &sent) != SS_OK)
			return -1;
	}
	tmpl_set_bool(c->view, "batch_email", 1);
	tmpl_set_int(c->view, "batch_emailed", sent);
	return pending > 0;
}

int
h_statement_batch_show(struct ctx *c)
{
	struct actor act = kit_staff_actor(c);
	struct statement_batch b;
	int64_t id;
	int rc, mailing;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No statement run with this number.");
	rc = statement_batch_get(c->app->db, id, &b);
	if (rc == ST_DB)
		return -1;
	if (rc != ST_OK)
		return app_error(c, 404, "No statement run with this number.");
	/* Each view of a running batch by someone allowed to generate
	 * statements does one chunk of the work. */
	if (strcmp(b.status, "done") != 0 && (c->user.role & ROLES_MONEY)) {
		if (statement_batch_step(c->app->db, &act, id, BATCH_CHUNK) == ST_DB)
			return -1;
		if (statement_batch_get(c->app->db, id, &b) != ST_OK)
			return -1;
	}
	if ((mailing = (c->user.role & ROLES_MONEY) ? batch_mail(c, &b) : 0) == -1)
		return -1;
	view_batch(c, &b);
	if (b.location_id && staff_money_view_locations(c, b.location_id) == -1)
		return -1;
	if (mailing) {
		tmpl_set_bool(c->view, "batch_running", 1);
		http_header(&c->resp, "Refresh", "1");
	} else if (strcmp(b.status, "done") != 0 && (c->user.role & ROLES_MONEY))
		http_header(&c->resp, "Refresh", "1");
	else if (view_batch_statements(c, &b) == -1)
		return -1;
	tmpl_setf(c->view, "title", "Statement run #%" PRId64, b.id);
	tmpl_set_bool(c->view, "nav_statements", 1);
	return app_render(c, 200, "statement_batch.html");
}
