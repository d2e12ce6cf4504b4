/* Settings > Jobs (admin): each billing-jobs job's last run, next run and
 * failures; the autopay notice and dunning settings. (The staff home's
 * "Plans past due" comes with its work list: staff_home.c.) */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "autopay.h"
#include "clock.h"
#include "handlers.h"
#include "jobs.h"
#include "kit.h"
#include "routes.h"
#include "staff_jobs.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

static const struct field f_jobs_settings[] = {
	{ "notice_days", FIELD_INT, FIELD_REQUIRED, 0, 0, 30, NULL,
	    "Notice before an autopay charge (days)" },
	{ "retry_days", FIELD_LINE, FIELD_REQUIRED, 60, 0, 0, NULL,
	    "Retries after a failed charge (days)" },
};

static const struct field f_jobs_page[] = {
	{ "saved", FIELD_BOOL, 0, 0, 0, 0, NULL, "Saved" },
};

const struct route routes_jobs[] = {
	{ { "GET", "/admin/jobs" }, h_jobs, ROLE_ADMIN, 0, f_jobs_page,
	    ARRAY_LEN(f_jobs_page) },
	{ { "POST", "/admin/jobs" }, h_jobs_save, ROLE_ADMIN, R_FORM,
	    f_jobs_settings, ARRAY_LEN(f_jobs_settings) },
};
const size_t nroutes_jobs = ARRAY_LEN(routes_jobs);

static void
set_when(struct tmpl_vars *v, const char *name, int64_t t)
{
	char s[32];

	if (t != 0 && clock_fmt_datetime(t, s, sizeof(s)) == 0)
		tmpl_set(v, name, s);
}

static int
jobs_rows(struct ctx *c)
{
	struct jobs_row *rows = NULL;
	size_t n = 0;

	if (jobs_list(c->app->db, &rows, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *r = tmpl_loop_add(c->view, "jobs");
		if (r == NULL)
			break;
		tmpl_set(r, "name", rows[i].name);
		tmpl_set_int(r, "every", rows[i].every);
		set_when(r, "last_run", rows[i].last_run_at);
		set_when(r, "last_ok", rows[i].last_ok_at);
		set_when(r, "next_run", rows[i].next_run_at);
		tmpl_set_int(r, "failures", rows[i].failures);
		tmpl_set_bool(r, "failing", rows[i].failures > 0);
		tmpl_set_int(r, "runs", rows[i].runs);
		tmpl_set(r, "last_error", rows[i].last_error);
	}
	free(rows);
	return 0;
}

static int
jobs_page(struct ctx *c, int status, int notice_days, const char *retry)
{
	tmpl_set(c->view, "title", "Jobs");
	tmpl_set_bool(c->view, "nav_settings", 1);
	tmpl_set_bool(c->view, "tab_jobs", 1);
	tmpl_set_int(c->view, "form_notice_days", notice_days);
	tmpl_set(c->view, "form_retry_days", retry);
	app_view_errors(c);
	if (jobs_rows(c) == -1)
		return -1;
	return app_render(c, status, "admin_jobs.html");
}

static void
retry_text(const struct autopay_settings *st, char *out, size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < st->nretry && len < outsz; i++)
		len += (size_t)snprintf(out + len, outsz - len, "%s%d", i ? "," : "",
		    st->retry_days[i]);
}

int
h_jobs(struct ctx *c)
{
	struct autopay_settings st;
	char retry[64];

	if (autopay_settings_get(c->app->db, &st) != 0)
		return -1;
	retry_text(&st, retry, sizeof(retry));
	if (app_field(c, "saved")->present)
		tmpl_set(c->view, "notice", "saved");
	return jobs_page(c, 200, st.notice_days, retry);
}

int
h_jobs_save(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	char msg[300] = "";
	const char *retry = kvlist_get(&c->req.form, "retry_days");
	const char *days = kvlist_get(&c->req.form, "notice_days");
	int64_t nd = 0;

	if (c->fs.nerr > 0) {
		tmpl_set(c->view, "error", "Nothing was saved. Check the highlighted "
		    "fields.");
		(void)str_to_i64(days ? days : "", 0, 30, &nd);
		return jobs_page(c, 422, (int)nd, retry ? retry : "");
	}
	nd = app_field(c, "notice_days")->i;
	if (autopay_settings_set(c->app->db, &a, (int)nd, retry, msg,
	    sizeof(msg)) == -1) {
		if (msg[0] == '\0')
			return -1;
		tmpl_set(c->view, "error", msg);
		tmpl_set(c->view, "err_retry_days", msg);
		return jobs_page(c, 422, (int)nd, retry);
	}
	http_redirect(&c->resp, 303, "/admin/jobs?saved=1");
	return 0;
}
