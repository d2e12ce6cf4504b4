#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "portal_email.h"
#include "profiles.h"
#include "str.h"

#define PAGE_MAX	200
#define Q_MAX		200	/* search text beyond this is cut */

/* Returned by transaction bodies for our own outcomes (db_tx rolls back and
 * hands them through; db statuses are <= 0). */
#define TX_NOT_FOUND	PROF_NOT_FOUND
#define TX_NOT_INQUIRY	PROF_NOT_INQUIRY

static int
prof_status(int rc)
{
	switch (rc) {
	case DB_OK:
		return PROF_OK;
	case DB_DUP:
		return PROF_DUP_EMAIL;
	case TX_NOT_FOUND:
		return PROF_NOT_FOUND;
	case TX_NOT_INQUIRY:
		return PROF_NOT_INQUIRY;
	default:
		return PROF_DB;
	}
}

/* Audit detail of an update: "field: old -> new; ..." for what changed. */
static void
diff_str(struct buf *b, const char *field, const char *was, const char *now)
{
	if (strcmp(was, now) != 0)
		buf_printf(b, "%s%s: %s -> %s", b->len ? "; " : "", field, was, now);
}

static void
diff_i64(struct buf *b, const char *field, int64_t was, int64_t now)
{
	if (was != now)
		buf_printf(b, "%s%s: %" PRId64 " -> %" PRId64, b->len ? "; " : "",
		    field, was, now);
}

static struct db_param
id_or_null(int64_t id)
{
	return id > 0 ? DB_I64(id) : DB_NULL;
}

static struct db_param
str_or_null(const char *s)
{
	return s[0] != '\0' ? DB_STR(s) : DB_NULL;
}

/* Search text prepared for the queries: a LIKE prefix with \, % and _
 * escaped, and the id it names when it is a plain number (else 0). */
struct search {
	char	 like[2 * Q_MAX + 1];
	char	 first[2 * Q_MAX + 1];	/* "Jane Do": first-name part */
	char	 last[2 * Q_MAX + 1];	/* ... and last-name part */
	int64_t	 id;
};

static void
like_escape(char *out, size_t outsz, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && s[i] != '\0' && o + 2 < outsz; i++) {
		if (s[i] == '\\' || s[i] == '%' || s[i] == '_')
			out[o++] = '\\';
		out[o++] = s[i];
	}
	out[o] = '\0';
}

/* 0, or -1 when there is no search text (list everything). */
static int
search_prepare(const char *q, struct search *s)
{
	char text[Q_MAX + 1];
	char *t, *sp;

	memset(s, 0, sizeof(*s));
	if (q == NULL)
		return -1;
	str_copy(text, sizeof(text), q);
	t = str_trim(text);
	if (*t == '\0')
		return -1;
	like_escape(s->like, sizeof(s->like), t, strlen(t));
	if (str_to_i64(t, 1, INT64_MAX, &s->id) == -1)
		s->id = 0;
	if ((sp = strchr(t, ' ')) != NULL) {
		like_escape(s->first, sizeof(s->first), t, (size_t)(sp - t));
		while (*sp == ' ')
			sp++;
		like_escape(s->last, sizeof(s->last), sp, strlen(sp));
	} else {
		/* The full-name branch then repeats the last-name one. (Not a
		 * NULL bind: with NULL the optimizer walks the whole table.) */
		str_copy(s->last, sizeof(s->last), s->like);
	}
	return 0;
}

static size_t
page_limit(const struct page_req *pg)
{
	if (pg->limit < 1)
		return 50;	/* unset: a default page, as ledger_list does */
	return pg->limit > PAGE_MAX ? PAGE_MAX : pg->limit;
}

static int64_t
page_before(const struct page_req *pg)
{
	return pg->before_id > 0 ? pg->before_id : INT64_MAX;
}

/* --- accounts ------------------------------------------------------------ */

#define ACC_COLS "a.id, a.name, COALESCE(a.email, ''), a.phone, a.address1," \
	" a.address2, a.city, a.region, a.postal_code, COALESCE(a.location_id, 0)," \
	" a.created_at, a.language"

static void
account_from_row(const struct db_result *r, size_t i, struct account *a)
{
	a->id = db_i64(r, i, 0);
	str_copy(a->name, sizeof(a->name), db_str(r, i, 1));
	str_copy(a->email, sizeof(a->email), db_str(r, i, 2));
	str_copy(a->phone, sizeof(a->phone), db_str(r, i, 3));
	str_copy(a->address1, sizeof(a->address1), db_str(r, i, 4));
	str_copy(a->address2, sizeof(a->address2), db_str(r, i, 5));
	str_copy(a->city, sizeof(a->city), db_str(r, i, 6));
	str_copy(a->region, sizeof(a->region), db_str(r, i, 7));
	str_copy(a->postal_code, sizeof(a->postal_code), db_str(r, i, 8));
	a->location_id = db_i64(r, i, 9);
	a->created_at = db_i64(r, i, 10);
	str_copy(a->language, sizeof(a->language), db_str(r, i, 11));
}

struct account_args {
	const struct actor	*actor;
	struct account		*a;
};

static int
account_insert(struct db *db, const struct actor *actor, struct account *a,
    int64_t now)
{
	struct db_param p[] = { DB_STR(a->name), str_or_null(a->email),
	    DB_STR(a->phone), DB_STR(a->address1), DB_STR(a->address2),
	    DB_STR(a->city), DB_STR(a->region), DB_STR(a->postal_code),
	    id_or_null(a->location_id), DB_I64(now), DB_I64(now),
	    DB_STR(a->language[0] ? a->language : "en") };
	uint64_t id = 0;
	struct buf b;
	int rc;

	rc = db_exec(db, "INSERT INTO accounts (name, email, phone, address1,"
	    " address2, city, region, postal_code, location_id, created_at,"
	    " updated_at, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &id);
	if (rc != DB_OK)
		return rc;
	a->id = (int64_t)id;
	a->created_at = now;
	buf_init(&b, 4096);
	buf_printf(&b, "name=%s email=%s phone=%s location_id=%" PRId64,
	    a->name, a->email, a->phone, a->location_id);
	rc = audit_record(db, actor, "account.create", "account", a->id,
	    buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int
account_create_tx(struct db *db, void *arg)
{
	struct account_args *x = arg;

	return account_insert(db, x->actor, x->a, clock_now());
}

static int
account_update_tx(struct db *db, void *arg)
{
	struct account_args *x = arg;
	struct account *a = x->a, old;
	struct db_param k[] = { DB_I64(a->id) };
	struct db_param p[] = { DB_STR(a->name), str_or_null(a->email),
	    DB_STR(a->phone), DB_STR(a->address1), DB_STR(a->address2),
	    DB_STR(a->city), DB_STR(a->region), DB_STR(a->postal_code),
	    id_or_null(a->location_id), DB_I64(clock_now()),
	    DB_STR(a->language), DB_I64(a->id) };
	struct db_result r;
	struct buf b;
	int rc;

	rc = db_query(db, "SELECT " ACC_COLS " FROM accounts a WHERE a.id = ?"
	    " FOR UPDATE", k, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = TX_NOT_FOUND;
	if (rc == DB_OK)
		account_from_row(&r, 0, &old);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, "UPDATE accounts SET name = ?, email = ?, phone = ?,"
	    " address1 = ?, address2 = ?, city = ?, region = ?, postal_code = ?,"
	    " location_id = ?, updated_at = ?,"
	    " language = COALESCE(NULLIF(?, ''), language) WHERE id = ?",
	    p, ARRAY_LEN(p),
	    NULL, NULL);
	if (rc == DB_OK && !str_ieq(old.email, a->email))	/* portal: re-activate */
		rc = portal_email_changed(db, x->actor, a->id);
	if (rc != DB_OK)
		return rc;
	a->created_at = old.created_at;
	buf_init(&b, 8192);
	diff_str(&b, "name", old.name, a->name);
	diff_str(&b, "email", old.email, a->email);
	diff_str(&b, "phone", old.phone, a->phone);
	diff_str(&b, "address1", old.address1, a->address1);
	diff_str(&b, "address2", old.address2, a->address2);
	diff_str(&b, "city", old.city, a->city);
	diff_str(&b, "region", old.region, a->region);
	diff_str(&b, "postal_code", old.postal_code, a->postal_code);
	diff_i64(&b, "location_id", old.location_id, a->location_id);
	if (a->language[0] != '\0')
		diff_str(&b, "language", old.language, a->language);
	else
		str_copy(a->language, sizeof(a->language), old.language);
	rc = audit_record(db, x->actor, "account.update", "account", a->id,
	    buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int
account_save(struct db *db, const struct actor *actor, struct account *a)
{
	struct account_args x = { actor, a };
	int creating = a->id == 0, rc;

	rc = prof_status(db_tx(db, creating ? account_create_tx :
	    account_update_tx, &x));
	if (rc != PROF_OK && creating)
		a->id = 0;	/* rolled back */
	return rc;
}

struct language_args {
	const struct actor	*actor;
	int64_t			 id;
	const char		*lang;
};

static int
account_language_tx(struct db *db, void *arg)
{
	struct language_args *x = arg;
	struct db_param p[] = { DB_STR(x->lang), DB_I64(clock_now()),
	    DB_I64(x->id), DB_STR(x->lang) };
	uint64_t n = 0;
	char what[32];
	int rc;

	rc = db_exec(db, "UPDATE accounts SET language = ?, updated_at = ?"
	    " WHERE id = ? AND language <> ?", p, ARRAY_LEN(p), &n, NULL);
	if (rc != DB_OK || n == 0)
		return rc;
	str_fmt(what, sizeof(what), "language=%s", x->lang);
	return audit_record(db, x->actor, "account.language", "account", x->id,
	    what);
}

int
account_set_language(struct db *db, const struct actor *actor, int64_t id,
    const char *lang)
{
	struct language_args x = { actor, id, lang };

	if (!account_language_ok(lang))
		return PROF_INVALID;
	return prof_status(db_tx(db, account_language_tx, &x));
}

int
account_language_ok(const char *lang)
{
	return lang != NULL && (strcmp(lang, "en") == 0 ||
	    strcmp(lang, "es") == 0);
}

int
account_get(struct db *db, int64_t id, struct account *a)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " ACC_COLS " FROM accounts a WHERE a.id = ?",
	    p, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		account_from_row(&r, 0, a);
	rc = rc != DB_OK ? PROF_DB : r.nrows == 1 ? PROF_OK : PROF_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

/* Moves up to limit rows of r into a calloc'd array; *more when r holds
 * one row beyond the page. */
static int
account_page(struct db_result *r, size_t limit, struct account **out,
    size_t *n, int *more)
{
	size_t k = r->nrows > limit ? limit : r->nrows;

	*more = r->nrows > limit;
	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		return PROF_DB;
	for (size_t i = 0; i < k; i++)
		account_from_row(r, i, &(*out)[i]);
	*n = k;
	return PROF_OK;
}

int
account_search(struct db *db, const struct page_req *pg, struct account **out,
    size_t *n, int *more)
{
	struct search s;
	struct db_result r;
	size_t limit = page_limit(pg);
	int64_t before = page_before(pg), fetch = (int64_t)limit + 1;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (search_prepare(pg->q, &s) == -1) {
		struct db_param p[] = { DB_I64(before), DB_I64(fetch) };
		rc = db_query(db, "SELECT " ACC_COLS " FROM accounts a"
		    " WHERE a.id < ? ORDER BY a.id DESC LIMIT ?", p, ARRAY_LEN(p), &r);
	} else {
		/* One indexed branch per way of matching (name prefix, email
		 * prefix, id), each cut to the page, then merged: no branch
		 * ever scans the whole table. */
		struct db_param p[] = {
		    DB_STR(s.like), DB_I64(before), DB_I64(fetch),
		    DB_STR(s.like), DB_I64(before), DB_I64(fetch),
		    DB_I64(s.id), DB_I64(before), DB_I64(fetch) };
		rc = db_query(db, "SELECT " ACC_COLS " FROM accounts a JOIN ("
		    "(SELECT id FROM accounts WHERE name LIKE CONCAT(?, '%')"
		    " AND id < ? ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM accounts WHERE email LIKE CONCAT(?, '%')"
		    " AND id < ? ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM accounts WHERE id = ? AND id < ?)"
		    ") m ON m.id = a.id ORDER BY a.id DESC LIMIT ?",
		    p, ARRAY_LEN(p), &r);
	}
	if (rc == DB_OK)
		rc = account_page(&r, limit, out, n, more);
	else
		rc = PROF_DB;
	db_result_free(&r);
	return rc;
}

/* --- clients ------------------------------------------------------------- */

#define CLI_COLS "c.id, c.account_id, c.stage, c.first_name, c.last_name," \
	" COALESCE(c.birth_date, ''), c.email, c.phone, COALESCE(c.location_id, 0)," \
	" COALESCE(c.converted_at, 0), c.created_at, a.name"

static void
client_from_row(const struct db_result *r, size_t i, struct client *c)
{
	c->id = db_i64(r, i, 0);
	c->account_id = db_i64(r, i, 1);
	str_copy(c->stage, sizeof(c->stage), db_str(r, i, 2));
	str_copy(c->first_name, sizeof(c->first_name), db_str(r, i, 3));
	str_copy(c->last_name, sizeof(c->last_name), db_str(r, i, 4));
	str_copy(c->birth_date, sizeof(c->birth_date), db_str(r, i, 5));
	str_copy(c->email, sizeof(c->email), db_str(r, i, 6));
	str_copy(c->phone, sizeof(c->phone), db_str(r, i, 7));
	c->location_id = db_i64(r, i, 8);
	c->converted_at = db_i64(r, i, 9);
	c->created_at = db_i64(r, i, 10);
	str_copy(c->account_name, sizeof(c->account_name), db_str(r, i, 11));
}

static int
client_array(struct db_result *r, size_t limit, struct client **out, size_t *n)
{
	size_t k = r->nrows > limit ? limit : r->nrows;

	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		return PROF_DB;
	for (size_t i = 0; i < k; i++)
		client_from_row(r, i, &(*out)[i]);
	*n = k;
	return PROF_OK;
}

int
account_clients(struct db *db, int64_t account_id, struct client **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT " CLI_COLS " FROM clients c JOIN accounts a"
	    " ON a.id = c.account_id WHERE c.account_id = ? ORDER BY c.id",
	    p, 1, &r);
	rc = rc == DB_OK ? client_array(&r, r.nrows, out, n) : PROF_DB;
	db_result_free(&r);
	return rc;
}

struct client_args {
	const struct actor	*actor;
	struct client		*c;
};

/* The account a new client pays through: "First Last", the client's email
 * unless another account already has it, the client's phone. */
static int
client_own_account(struct db *db, const struct actor *actor, struct client *c,
    int64_t now, char *name, size_t namesz)
{
	struct account a;
	int rc;

	memset(&a, 0, sizeof(a));
	str_fmt(a.name, sizeof(a.name), "%s %s", c->first_name, c->last_name);
	str_copy(a.email, sizeof(a.email), c->email);
	str_copy(a.phone, sizeof(a.phone), c->phone);
	a.location_id = c->location_id;
	if (a.email[0] != '\0') {
		struct db_param p[] = { DB_STR(a.email) };
		struct db_result r;

		rc = db_query(db, "SELECT id FROM accounts WHERE email = ?",
		    p, 1, &r);
		if (rc == DB_OK && r.nrows > 0)
			a.email[0] = '\0';
		db_result_free(&r);
		if (rc != DB_OK)
			return rc;
	}
	rc = account_insert(db, actor, &a, now);
	if (rc == DB_DUP && a.email[0] != '\0') {
		/* Taken by a concurrent insert since the check. */
		a.email[0] = '\0';
		rc = account_insert(db, actor, &a, now);
	}
	if (rc != DB_OK)
		return rc;
	c->account_id = a.id;
	str_copy(name, namesz, a.name);
	return DB_OK;
}

static int
client_create_tx(struct db *db, void *arg)
{
	struct client_args *x = arg;
	struct client *c = x->c;
	int64_t now = clock_now();
	int is_client = strcmp(c->stage, "client") == 0;
	uint64_t id = 0;
	struct buf b;
	int rc;

	if (c->account_id == 0)
		rc = client_own_account(db, x->actor, c, now, c->account_name,
		    sizeof(c->account_name));
	else {
		struct db_param k[] = { DB_I64(c->account_id) };
		struct db_result r;

		rc = db_query(db, "SELECT name FROM accounts WHERE id = ?",
		    k, 1, &r);
		if (rc == DB_OK && r.nrows == 0)
			rc = TX_NOT_FOUND;
		if (rc == DB_OK)
			str_copy(c->account_name, sizeof(c->account_name),
			    db_str(&r, 0, 0));
		db_result_free(&r);
	}
	if (rc != DB_OK)
		return rc;
	str_copy(c->stage, sizeof(c->stage), is_client ? "client" : "inquiry");
	c->converted_at = is_client ? now : 0;
	c->created_at = now;
	{
		struct db_param p[] = { DB_I64(c->account_id), DB_STR(c->stage),
		    DB_STR(c->first_name), DB_STR(c->last_name),
		    str_or_null(c->birth_date), DB_STR(c->email), DB_STR(c->phone),
		    id_or_null(c->location_id), id_or_null(c->converted_at),
		    DB_I64(now), DB_I64(now) };
		rc = db_exec(db, "INSERT INTO clients (account_id, stage,"
		    " first_name, last_name, birth_date, email, phone, location_id,"
		    " converted_at, created_at, updated_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    p, ARRAY_LEN(p), NULL, &id);
	}
	if (rc != DB_OK)
		return rc;
	c->id = (int64_t)id;
	buf_init(&b, 4096);
	buf_printf(&b, "stage=%s name=%s %s account_id=%" PRId64, c->stage,
	    c->first_name, c->last_name, c->account_id);
	rc = audit_record(db, x->actor, "client.create", "client", c->id,
	    buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* Account, stage and conversion time are not edited here: moving a client
 * between accounts would split its ledger, and the stage changes only
 * through client_convert(). */
static int
client_update_tx(struct db *db, void *arg)
{
	struct client_args *x = arg;
	struct client *c = x->c, old;
	struct db_param k[] = { DB_I64(c->id) };
	struct db_param p[] = { DB_STR(c->first_name), DB_STR(c->last_name),
	    str_or_null(c->birth_date), DB_STR(c->email), DB_STR(c->phone),
	    id_or_null(c->location_id), DB_I64(clock_now()), DB_I64(c->id) };
	struct db_result r;
	struct buf b;
	int rc;

	rc = db_query(db, "SELECT " CLI_COLS " FROM clients c JOIN accounts a"
	    " ON a.id = c.account_id WHERE c.id = ? FOR UPDATE", k, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = TX_NOT_FOUND;
	if (rc == DB_OK)
		client_from_row(&r, 0, &old);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, "UPDATE clients SET first_name = ?, last_name = ?,"
	    " birth_date = ?, email = ?, phone = ?, location_id = ?,"
	    " updated_at = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	c->account_id = old.account_id;
	str_copy(c->stage, sizeof(c->stage), old.stage);
	c->converted_at = old.converted_at;
	c->created_at = old.created_at;
	str_copy(c->account_name, sizeof(c->account_name), old.account_name);
	buf_init(&b, 8192);
	diff_str(&b, "first_name", old.first_name, c->first_name);
	diff_str(&b, "last_name", old.last_name, c->last_name);
	diff_str(&b, "birth_date", old.birth_date, c->birth_date);
	diff_str(&b, "email", old.email, c->email);
	diff_str(&b, "phone", old.phone, c->phone);
	diff_i64(&b, "location_id", old.location_id, c->location_id);
	rc = audit_record(db, x->actor, "client.update", "client", c->id,
	    buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int
client_save(struct db *db, const struct actor *actor, struct client *c)
{
	struct client_args x = { actor, c };
	int64_t account_id = c->account_id;
	int creating = c->id == 0, rc;

	rc = prof_status(db_tx(db, creating ? client_create_tx :
	    client_update_tx, &x));
	if (rc != PROF_OK && creating) {
		c->id = 0;	/* rolled back */
		c->account_id = account_id;
	}
	return rc;
}

int
client_get(struct db *db, int64_t id, struct client *c)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " CLI_COLS " FROM clients c JOIN accounts a"
	    " ON a.id = c.account_id WHERE c.id = ?", p, 1, &r);

	if (rc == DB_OK && r.nrows == 1)
		client_from_row(&r, 0, c);
	rc = rc != DB_OK ? PROF_DB : r.nrows == 1 ? PROF_OK : PROF_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

int
client_search(struct db *db, const char *stage, const struct page_req *pg,
    struct client **out, size_t *n, int *more)
{
	/* stage IN (s1, s2): with both stages the (stage, last_name, ...)
	 * index still serves a last-name prefix as two ranges. */
	const char *s1 = stage ? stage : "inquiry", *s2 = stage ? stage : "client";
	struct search s;
	struct db_result r;
	size_t limit = page_limit(pg);
	int64_t before = page_before(pg), fetch = (int64_t)limit + 1;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (search_prepare(pg->q, &s) == -1) {
		struct db_param p[] = { DB_STR(s1), DB_STR(s2), DB_I64(before),
		    DB_I64(fetch) };
		rc = db_query(db, "SELECT " CLI_COLS " FROM clients c JOIN accounts a"
		    " ON a.id = c.account_id WHERE c.stage IN (?, ?) AND c.id < ?"
		    " ORDER BY c.id DESC LIMIT ?", p, ARRAY_LEN(p), &r);
	} else {
		struct db_param p[] = {
		    DB_STR(s1), DB_STR(s2), DB_STR(s.like), DB_I64(before), DB_I64(fetch),
		    DB_STR(s1), DB_STR(s2), DB_STR(s.like), DB_I64(before), DB_I64(fetch),
		    DB_STR(s1), DB_STR(s2), DB_STR(s.like), DB_I64(before), DB_I64(fetch),
		    DB_STR(s1), DB_STR(s2), DB_STR(s.last),
		    DB_STR(s.first), DB_I64(before), DB_I64(fetch),
		    DB_STR(s1), DB_STR(s2), DB_I64(s.id), DB_I64(before),
		    DB_I64(fetch) };
		rc = db_query(db, "SELECT " CLI_COLS " FROM clients c JOIN accounts a"
		    " ON a.id = c.account_id JOIN ("
		    "(SELECT id FROM clients WHERE stage IN (?, ?)"
		    " AND last_name LIKE CONCAT(?, '%') AND id < ?"
		    " ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM clients WHERE stage IN (?, ?)"
		    " AND first_name LIKE CONCAT(?, '%') AND id < ?"
		    " ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM clients WHERE stage IN (?, ?)"
		    " AND email LIKE CONCAT(?, '%') AND id < ?"
		    " ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM clients WHERE stage IN (?, ?)"
		    " AND last_name LIKE CONCAT(?, '%')"
		    " AND first_name LIKE CONCAT(?, '%') AND id < ?"
		    " ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM clients WHERE stage IN (?, ?)"
		    " AND id = ? AND id < ?)"
		    ") m ON m.id = c.id ORDER BY c.id DESC LIMIT ?",
		    p, ARRAY_LEN(p), &r);
	}
	if (rc == DB_OK) {
		*more = r.nrows > limit;
		rc = client_array(&r, limit, out, n);
	} else
		rc = PROF_DB;
	db_result_free(&r);
	return rc;
}

struct convert_args {
	const struct actor	*actor;
	int64_t			 id;
};

static int
client_convert_tx(struct db *db, void *arg)
{
	struct convert_args *x = arg;
	struct db_param k[] = { DB_I64(x->id) };
	int64_t now = clock_now();
	struct db_param p[] = { DB_I64(now), DB_I64(now), DB_I64(x->id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT stage FROM clients WHERE id = ? FOR UPDATE",
	    k, 1, &r);
	if (rc == DB_OK && r.nrows == 0)
		rc = TX_NOT_FOUND;
	else if (rc == DB_OK && strcmp(db_str(&r, 0, 0), "inquiry") != 0)
		rc = TX_NOT_INQUIRY;
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_exec(db, "UPDATE clients SET stage = 'client', converted_at = ?,"
	    " updated_at = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	return audit_record(db, x->actor, "client.convert", "client", x->id,
	    "stage: inquiry -> client");
}

int
client_convert(struct db *db, const struct actor *actor, int64_t id)
{
	struct convert_args x = { actor, id };

	return prof_status(db_tx(db, client_convert_tx, &x));
}
