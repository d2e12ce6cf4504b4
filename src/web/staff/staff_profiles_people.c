/* Inquiries, clients and accounts: search lists, create/edit forms and the
 * inquiry -> client conversion. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "catalog.h"
#include "clock.h"
#include "kit.h"
#include "profiles.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

/* One kind of profile list: its path, wording and store query. */
struct list_kind {
	const char	*path;		/* "/inquiries" */
	const char	*stage;		/* client stage, NULL for accounts */
	const char	*title;		/* "Inquiries" */
	const char	*one;		/* "inquiry" */
	const char	*nav;		/* nav flag */
	const char	*new_label;	/* "New inquiry" */
	const char	*empty;		/* first-page empty state */
};

static const struct list_kind k_inquiries = { "/inquiries", "inquiry",
    "Inquiries", "inquiry", "nav_inquiries", "New inquiry",
    "No inquiries yet. When someone calls about care, record them with "
    "\"New inquiry\": invoices and deposits can start before admission." };
static const struct list_kind k_clients = { "/clients", "client", "Clients",
    "client", "nav_clients", "New client",
    "No clients yet. Clients appear here when an inquiry is converted, or "
    "add one directly from an account with \"Add client\"." };
static const struct list_kind k_accounts = { "/accounts", NULL, "Accounts",
    "account", "nav_accounts", "New account",
    "No accounts yet. An account is the person or organisation who pays; "
    "create one with \"New account\", or start from an inquiry." };

static void
list_view(struct ctx *c, const struct list_kind *k, const char *q, size_t n)
{
	tmpl_set(c->view, "title", k->title);
	tmpl_set(c->view, "heading", k->title);
	tmpl_set(c->view, "list_path", k->path);
	tmpl_set(c->view, "kind", k->one);
	tmpl_set(c->view, "new_label", k->new_label);
	tmpl_setf(c->view, "new_url", "%s/new", k->path);
	tmpl_set(c->view, "q", q);
	tmpl_set_bool(c->view, k->nav, 1);
	tmpl_set_bool(c->view, "is_accounts", k->stage == NULL);
	if (n == 0 && *q != '\0')
		tmpl_setf(c->view, "empty", "No %s matches \"%s\". Search by the "
		    "start of a name or email, or by ID.", k->one, q);
	else if (n == 0 && staff_profiles_before(c) > 0)
		tmpl_set(c->view, "empty", "No older entries.");
	else if (n == 0)
		tmpl_set(c->view, "empty", k->empty);
	kit_notice(c);
}

static int
list_clients(struct ctx *c, const struct list_kind *k)
{
	const char *q = kit_field_s(c, "q");
	struct page_req pr = { *q ? q : NULL, staff_profiles_before(c),
	    STAFF_PROFILES_PAGE_SIZE };
	struct client *cs = NULL;
	size_t n = 0;
	int more = 0;
	char base[256];

	if (client_search(c->app->db, k->stage, &pr, &cs, &n, &more) != PROF_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", cs[i].id);
		tmpl_setf(row, "url", "%s/%" PRId64, k->path, cs[i].id);
		tmpl_setf(row, "name", "%s, %s", cs[i].last_name, cs[i].first_name);
		tmpl_set(row, "account_name", cs[i].account_name);
		tmpl_set_int(row, "account_id", cs[i].account_id);
		tmpl_set(row, "email", cs[i].email);
		tmpl_set(row, "phone", cs[i].phone);
		tmpl_set(row, "birth_date", cs[i].birth_date);
		kit_set_date(row, "created", cs[i].created_at);
	}
	list_view(c, k, q, n);
	str_copy(base, sizeof(base), k->path);
	if (*q)
		staff_profiles_query_add(base, sizeof(base), "q", q);
	staff_profiles_paging(c, base, n > 0 ? cs[n - 1].id : 0, more);
	free(cs);
	return app_render(c, 200, "profiles_list.html");
}

int
h_inquiries(struct ctx *c)
{
	return list_clients(c, &k_inquiries);
}

int
h_clients(struct ctx *c)
{
	return list_clients(c, &k_clients);
}

static void
set_place(struct tmpl_vars *v, const struct account *a)
{
	char s[256];

	if (a->city[0] && a->region[0])
		str_fmt(s, sizeof(s), "%s, %s", a->city, a->region);
	else
		str_fmt(s, sizeof(s), "%s%s", a->city, a->region);
	tmpl_set(v, "place", s);
}

int
h_accounts(struct ctx *c)
{
	const char *q = kit_field_s(c, "q");
	struct page_req pr = { *q ? q : NULL, staff_profiles_before(c),
	    STAFF_PROFILES_PAGE_SIZE };
	struct account *as = NULL;
	size_t n = 0;
	int more = 0;
	char base[256];

	if (account_search(c->app->db, &pr, &as, &n, &more) != PROF_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row = tmpl_loop_add(c->view, "rows");
		if (row == NULL)
			break;
		tmpl_set_int(row, "id", as[i].id);
		tmpl_setf(row, "url", "/accounts/%" PRId64, as[i].id);
		tmpl_set(row, "name", as[i].name);
		tmpl_set(row, "email", as[i].email);
		tmpl_set(row, "phone", as[i].phone);
		set_place(row, &as[i]);
		kit_set_date(row, "created", as[i].created_at);
	}
	list_view(c, &k_accounts, q, n);
	str_copy(base, sizeof(base), "/accounts");
	if (*q)
		staff_profiles_query_add(base, sizeof(base), "q", q);
	staff_profiles_paging(c, base, n > 0 ? as[n - 1].id : 0, more);
	free(as);
	return app_render(c, 200, "profiles_list.html");
}

/* --- forms ---------------------------------------------------------------- */

/* Client/inquiry form. cl: the edited row or NULL for a new one; acct: the
 * account a new client joins (or NULL: one is created from the person). */
static int
client_form(struct ctx *c, int status, const char *stage,
    const struct client *cl, const struct account *acct)
{
	int inquiry = strcmp(stage, "inquiry") == 0;
	const char *list = inquiry ? "/inquiries" : "/clients";

	if (cl != NULL) {
		tmpl_setf(c->view, "title", "Edit %s %s", cl->first_name, cl->last_name);
		tmpl_set(c->view, "heading", inquiry ? "Edit inquiry" : "Edit client");
		tmpl_setf(c->view, "action", "/clients/%" PRId64 "/edit", cl->id);
		tmpl_setf(c->view, "cancel_url", "%s/%" PRId64, list, cl->id);
		tmpl_set(c->view, "submit", "Save changes");
	} else {
		tmpl_set(c->view, "title", inquiry ? "New inquiry" : "New client");
		tmpl_set(c->view, "heading", inquiry ? "New inquiry" : "New client");
		tmpl_setf(c->view, "action", "%s/new", list);
		tmpl_set(c->view, "submit", inquiry ? "Create inquiry" : "Create client");
		if (acct != NULL)
			tmpl_setf(c->view, "cancel_url", "/accounts/%" PRId64, acct->id);
		else
			tmpl_set(c->view, "cancel_url", list);
		tmpl_set_bool(c->view, "is_new", 1);
	}
	if (acct != NULL) {
		tmpl_set_int(c->view, "account_id", acct->id);
		tmpl_set(c->view, "account_name", acct->name);
	}
	tmpl_set_bool(c->view, inquiry ? "nav_inquiries" : "nav_clients", 1);
	tmpl_set_bool(c->view, "is_inquiry", inquiry);
	if (status >= 400 && tmpl_get(c->view, "error") == NULL)
		tmpl_set(c->view, "error", "Please correct the fields marked below.");
	if (staff_profiles_location_options(c, kit_field_i(c, "location_id",
	    cl ? cl->location_id : acct ? acct->location_id : 0)) == -1)
		return -1;
	return app_render(c, status, "profiles_client_form.html");
}

static void
client_form_values(struct ctx *c, const struct client *cl)
{
	tmpl_set(c->view, "form_first_name", cl->first_name);
	tmpl_set(c->view, "form_last_name", cl->last_name);
	tmpl_set(c->view, "form_birth_date", cl->birth_date);
	tmpl_set(c->view, "form_email", cl->email);
	tmpl_set(c->view, "form_phone", cl->phone);
}

/* The account of ?account_id= / account_id: 0 none, 1 found, 2 unknown,
 * -1 database. */
static int
field_account(struct ctx *c, struct account *a)
{
	int64_t id = staff_profiles_id_field(c, "account_id");
	int rc;

	if (id == 0)
		return 0;
	rc = account_get(c->app->db, id, a);
	if (rc == PROF_OK)
		return 1;
	return rc == PROF_NOT_FOUND ? 2 : -1;
}

static int
client_new_page(struct ctx *c, const char *stage)
{
	struct account a;
	int rc = field_account(c, &a);

	if (rc == -1)
		return -1;
	if (rc == 2)
		return app_error(c, 404, "No such account.");
	return client_form(c, 200, stage, NULL, rc == 1 ? &a : NULL);
}

int
h_inquiry_new(struct ctx *c)
{
	return client_new_page(c, "inquiry");
}

int
h_client_new(struct ctx *c)
{
	return client_new_page(c, "client");
}

static void
client_from_fields(const struct ctx *c, struct client *cl)
{
	str_copy(cl->first_name, sizeof(cl->first_name), kit_field_s(c,
	    "first_name"));
	str_copy(cl->last_name, sizeof(cl->last_name), kit_field_s(c,
	    "last_name"));
	str_copy(cl->birth_date, sizeof(cl->birth_date), kit_field_s(c,
	    "birth_date"));
	str_copy(cl->email, sizeof(cl->email), kit_field_s(c, "email"));
	str_copy(cl->phone, sizeof(cl->phone), kit_field_s(c, "phone"));
	cl->location_id = kit_field_i(c, "location_id", 0);
}

static const char dup_email_new[] = "An account with this email already exists. "
    "Open that account and use \"Add client\" or \"Add inquiry\", or leave "
    "the email empty.";

static int
client_create(struct ctx *c, const char *stage)
{
	struct actor a = kit_staff_actor(c);
	struct account acct;
	struct client cl;
	char url[96];
	int arc, rc;

	kit_form_echo(c);
	app_view_errors(c);
	if ((arc = field_account(c, &acct)) == -1)
		return -1;
	if (arc == 2)
		kit_form_error(c, "account_id",
		    "The account was not found; start again "
		    "from the account's page.");
	if ((rc = staff_profiles_check_location(c, kit_field_i(c, "location_id",
	    0))) == -1)
		return -1;
	if (c->fs.nerr > 0 || arc == 2 || rc == 1)
		return client_form(c, 422, stage, NULL, arc == 1 ? &acct : NULL);
	memset(&cl, 0, sizeof(cl));
	client_from_fields(c, &cl);
	cl.account_id = arc == 1 ? acct.id : 0;
	str_copy(cl.stage, sizeof(cl.stage), stage);
	rc = client_save(c->app->db, &a, &cl);
	if (rc == PROF_DUP_EMAIL) {
		kit_form_error(c, "email", dup_email_new);
		return client_form(c, 422, stage, NULL, arc == 1 ? &acct : NULL);
	}
	if (rc != PROF_OK)
		return -1;
	str_fmt(url, sizeof(url), "%s/%" PRId64 "?notice=created",
	    strcmp(stage, "inquiry") == 0 ? "/inquiries" : "/clients", cl.id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

int
h_inquiry_create(struct ctx *c)
{
	return client_create(c, "inquiry");
}

int
h_client_create(struct ctx *c)
{
	return client_create(c, "client");
}

int
h_client_edit(struct ctx *c)
{
	struct client cl;
	int rc = kit_client_or_404(c, kit_path_id(c, "id"), &cl);

	if (rc != 0)
		return rc == 1 ? 0 : -1;
	client_form_values(c, &cl);
	return client_form(c, 200, cl.stage, &cl, NULL);
}

/* The posted form echoed with its errors and its location checked: 1 when
 * it must be shown again, 0 when valid, -1 on errors. */
static int
form_check(struct ctx *c)
{
	int rc;

	kit_form_echo(c);
	app_view_errors(c);
	if ((rc = staff_profiles_check_location(c, kit_field_i(c, "location_id",
	    0))) == -1)
		return -1;
	return c->fs.nerr > 0 || rc == 1;
}

int
h_client_update(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	struct client cl;
	int rc = kit_client_or_404(c, kit_path_id(c, "id"), &cl);
	char url[96];

	if (rc != 0)
		return rc == 1 ? 0 : -1;
	if ((rc = form_check(c)) == -1)
		return -1;
	if (rc == 1)
		return client_form(c, 422, cl.stage, &cl, NULL);
	client_from_fields(c, &cl);
	rc = client_save(c->app->db, &a, &cl);
	if (rc == PROF_NOT_FOUND)
		return app_error(c, 404, "No such client.");
	if (rc == PROF_DUP_EMAIL) {
		kit_form_error(c, "email",
		    "Another account already uses this email.");
		return client_form(c, 422, cl.stage, &cl, NULL);
	}
	if (rc != PROF_OK)
		return -1;
	str_fmt(url, sizeof(url), "%s/%" PRId64 "?notice=saved",
	    strcmp(cl.stage, "inquiry") == 0 ? "/inquiries" : "/clients", cl.id);
	http_redirect(&c->resp, 303, url);
	return 0;
}

int
h_inquiry_convert(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	int64_t id;
	char url[96];
	int rc;

	if ((id = kit_path_id(c, "id")) == 0)
		return app_error(c, 404, "No such inquiry.");
	rc = client_convert(c->app->db, &a, id);
	if (rc == PROF_NOT_FOUND)
		return app_error(c, 404, "No such inquiry.");
	if (rc != PROF_OK && rc != PROF_NOT_INQUIRY)
		return -1;
	/* Converting twice (a double click) lands on the client too. */
	str_fmt(url, sizeof(url), "/clients/%" PRId64 "%s", id,
	    rc == PROF_OK ? "?notice=converted" : "");
	http_redirect(&c->resp, 303, url);
	return 0;
}

/* --- accounts ------------------------------------------------------------- */

static const char *const account_text[] = { "name", "email", "phone",
    "address1", "address2", "city", "region", "postal_code" };

static int
account_form(struct ctx *c, int status, const struct account *acct)
{
	if (acct != NULL) {
		tmpl_setf(c->view, "title", "Edit %s", acct->name);
		tmpl_set(c->view, "heading", "Edit account");
		tmpl_setf(c->view, "action", "/accounts/%" PRId64 "/edit", acct->id);
		tmpl_setf(c->view, "cancel_url", "/accounts/%" PRId64, acct->id);
		tmpl_set(c->view, "submit", "Save changes");
	} else {
		tmpl_set(c->view, "title", "New account");
		tmpl_set(c->view, "heading", "New account");
		tmpl_set(c->view, "action", "/accounts/new");
		tmpl_set(c->view, "cancel_url", "/accounts");
		tmpl_set(c->view, "submit", "Create account");
		tmpl_set_bool(c->view, "is_new", 1);
	}
	tmpl_set_bool(c->view, "nav_accounts", 1);
	if (status >= 400 && tmpl_get(c->view, "error") == NULL)
		tmpl_set(c->view, "error", "Please correct the fields marked below.");
	if (staff_profiles_location_options(c, kit_field_i(c, "location_id",
	    acct ? acct->location_id : 0)) == -1)
		return -1;
	return app_render(c, status, "profiles_account_form.html");
}

static char *
account_member(struct account *a, size_t i, size_t *sz)
{
	switch (i) {
	case 0: *sz = sizeof(a->name); return a->name;
	case 1: *sz = sizeof(a->email); return a->email;
	case 2: *sz = sizeof(a->phone); return a->phone;
	case 3: *sz = sizeof(a->address1); return a->address1;
	case 4: *sz = sizeof(a->address2); return a->address2;
	case 5: *sz = sizeof(a->city); return a->city;
	case 6: *sz = sizeof(a->region); return a->region;
	default: *sz = sizeof(a->postal_code); return a->postal_code;
	}
}

int
h_account_new(struct ctx *c)
{
	return account_form(c, 200, NULL);
}

static int
account_store(struct ctx *c, struct account *acct, int is_new)
{
	struct actor a = kit_staff_actor(c);
	char url[96];
	size_t sz;
	int rc;

	if ((rc = form_check(c)) == -1)
		return -1;
	if (rc == 1)
		return account_form(c, 422, is_new ? NULL : acct);
	for (size_t i = 0; i < ARRAY_LEN(account_text); i++) {
		char *m = account_member(acct, i, &sz);
		str_copy(m, sz, kit_field_s(c, account_text[i]));
	}
	acct->location_id = kit_field_i(c, "location_id", 0);
	str_copy(acct->language, sizeof(acct->language),
	    kit_field_s(c, "language"));
	rc = account_save(c->app->db, &a, acct);
	if (rc == PROF_DUP_EMAIL) {
		kit_form_error(c, "email",
		    "Another account already uses this email. "
		    "The email is the account's portal login, so it must be unique.");
		return account_form(c, 422, is_new ? NULL : acct);
	}
	if (rc == PROF_NOT_FOUND)
		return app_error(c, 404, "No such account.");
	if (rc != PROF_OK)
		return -1;
	str_fmt(url, sizeof(url), "/accounts/%" PRId64 "?notice=%s", acct->id,
	    is_new ? "created" : "saved");
	http_redirect(&c->resp, 303, url);
	return 0;
}

int
h_account_create(struct ctx *c)
{
	struct account acct;

	memset(&acct, 0, sizeof(acct));
	return account_store(c, &acct, 1);
}

int
h_account_edit(struct ctx *c)
{
	struct account acct;
	char key[32];
	size_t sz;
	int rc = kit_path_account_or_404(c, &acct);

	if (rc != 0)
		return rc == 1 ? 0 : -1;
	for (size_t i = 0; i < ARRAY_LEN(account_text); i++) {
		str_fmt(key, sizeof(key), "form_%s", account_text[i]);
		tmpl_set(c->view, key, account_member(&acct, i, &sz));
	}
	tmpl_set(c->view, "form_language", acct.language);
	return account_form(c, 200, &acct);
}

int
h_account_update(struct ctx *c)
{
	struct account acct;
	int rc = kit_path_account_or_404(c, &acct);

	if (rc != 0)
		return rc == 1 ? 0 : -1;
	return account_store(c, &acct, 0);
}
