#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "portal_email.h"
#include "profiles.h"
#include "billing_conv.h"
#include "store_profile.h"
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

/* Search text prepared for the queries: a LIKE prefix with \, % and _
 * escaped, and the id it names when it is a plain number (else 0).
 * 0, or -1 when there is no search text (list everything). */
static int
search_prepare(const char *q, struct store_profile_search *s)
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

/* The store's row as ours and back (the same fields: billing headers do not
 * see the store's). */
void
account_from_store(const struct store_account *s, struct account *a)
{
	a->id = s->id;
	str_copy(a->name, sizeof(a->name), s->name);
	str_copy(a->email, sizeof(a->email), s->email);
	str_copy(a->phone, sizeof(a->phone), s->phone);
	str_copy(a->address1, sizeof(a->address1), s->address1);
	str_copy(a->address2, sizeof(a->address2), s->address2);
	str_copy(a->city, sizeof(a->city), s->city);
	str_copy(a->region, sizeof(a->region), s->region);
	str_copy(a->postal_code, sizeof(a->postal_code), s->postal_code);
	a->location_id = s->location_id;
	a->created_at = s->created_at;
	str_copy(a->language, sizeof(a->language), s->language);
}

static void
account_to_store(const struct account *a, struct store_account *s)
{
	memset(s, 0, sizeof(*s));
	s->id = a->id;
	str_copy(s->name, sizeof(s->name), a->name);
	str_copy(s->email, sizeof(s->email), a->email);
	str_copy(s->phone, sizeof(s->phone), a->phone);
	str_copy(s->address1, sizeof(s->address1), a->address1);
	str_copy(s->address2, sizeof(s->address2), a->address2);
	str_copy(s->city, sizeof(s->city), a->city);
	str_copy(s->region, sizeof(s->region), a->region);
	str_copy(s->postal_code, sizeof(s->postal_code), a->postal_code);
	s->location_id = a->location_id;
	s->created_at = a->created_at;
	str_copy(s->language, sizeof(s->language), a->language);
}

/* A store _get result (1 found, 0 not, < 0 error) as a db_status inside a
 * transaction, with TX_NOT_FOUND. */
static int
tx_found(int rc)
{
	return rc == 1 ? DB_OK : rc == 0 ? TX_NOT_FOUND : rc;
}

/* ... and outside one, as a profile_status. */
static int
get_status(int rc)
{
	return rc == 1 ? PROF_OK : rc == 0 ? PROF_NOT_FOUND : PROF_DB;
}

struct account_args {
	const struct actor	*actor;
	struct account		*a;
};

static int
account_insert(struct db *db, const struct actor *actor, struct account *a,
    int64_t now)
{
	struct store_account s;
	struct buf b;
	int rc;

	account_to_store(a, &s);
	if ((rc = store_profile_account_insert(db, &s, now, &a->id)) != DB_OK)
		return rc;
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
	struct store_account s;
	struct buf b;
	int rc;

	if ((rc = tx_found(store_profile_account_get(db, a->id, 1, &s))) != DB_OK)
		return rc;
	account_from_store(&s, &old);
	account_to_store(a, &s);
	rc = store_profile_account_update(db, &s, clock_now());
	if (rc == DB_OK && !str_ieq(old.email, a->email))	/* portal: re-activate */
		rc = portal_email_changed(db, x->actor, a->id);
	if (rc != DB_OK)
		return rc;
	a->created_at = old.created_at;
	buf_init(&b, 8192);
	audit_diff_str(&b, "name", old.name, a->name);
	audit_diff_str(&b, "email", old.email, a->email);
	audit_diff_str(&b, "phone", old.phone, a->phone);
	audit_diff_str(&b, "address1", old.address1, a->address1);
	audit_diff_str(&b, "address2", old.address2, a->address2);
	audit_diff_str(&b, "city", old.city, a->city);
	audit_diff_str(&b, "region", old.region, a->region);
	audit_diff_str(&b, "postal_code", old.postal_code, a->postal_code);
	audit_diff_i64(&b, "location_id", old.location_id, a->location_id);
	if (a->language[0] != '\0')
		audit_diff_str(&b, "language", old.language, a->language);
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
	char what[32];
	int rc, changed = 0;

	rc = store_profile_account_set_language(db, x->id, x->lang, clock_now(),
	    &changed);
	if (rc != DB_OK || !changed)
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
	struct store_account s;
	int rc = get_status(store_profile_account_get(db, id, 0, &s));

	if (rc == PROF_OK)
		account_from_store(&s, a);
	return rc;
}

int
account_search(struct db *db, const struct page_req *pg, struct account **out,
    size_t *n, int *more)
{
	struct store_profile_search s;
	struct store_account *v;
	size_t nv, limit = page_limit(pg);
	int64_t fetch = (int64_t)limit + 1;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	rc = store_profile_account_search(db, search_prepare(pg->q, &s) == -1 ?
	    NULL : &s, page_before(pg), fetch, &v, &nv);
	*more = nv > limit;
	nv = nv > limit ? limit : nv;
	if (rc == DB_OK && nv > 0 && (*out = calloc(nv, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < nv; i++)
		account_from_store(&v[i], &(*out)[i]);
	free(v);
	if (rc != DB_OK) {
		*more = 0;
		return PROF_DB;
	}
	*n = nv;
	return PROF_OK;
}

/* --- clients ------------------------------------------------------------- */

static void
client_from_store(const struct store_client *s, struct client *c)
{
	c->id = s->id;
	c->account_id = s->account_id;
	str_copy(c->stage, sizeof(c->stage), s->stage);
	str_copy(c->first_name, sizeof(c->first_name), s->first_name);
	str_copy(c->last_name, sizeof(c->last_name), s->last_name);
	str_copy(c->birth_date, sizeof(c->birth_date), s->birth_date);
	str_copy(c->email, sizeof(c->email), s->email);
	str_copy(c->phone, sizeof(c->phone), s->phone);
	c->location_id = s->location_id;
	c->converted_at = s->converted_at;
	c->created_at = s->created_at;
	str_copy(c->account_name, sizeof(c->account_name), s->account_name);
}

static void
client_to_store(const struct client *c, struct store_client *s)
{
	memset(s, 0, sizeof(*s));
	s->id = c->id;
	s->account_id = c->account_id;
	str_copy(s->stage, sizeof(s->stage), c->stage);
	str_copy(s->first_name, sizeof(s->first_name), c->first_name);
	str_copy(s->last_name, sizeof(s->last_name), c->last_name);
	str_copy(s->birth_date, sizeof(s->birth_date), c->birth_date);
	str_copy(s->email, sizeof(s->email), c->email);
	str_copy(s->phone, sizeof(s->phone), c->phone);
	s->location_id = c->location_id;
	s->converted_at = c->converted_at;
	s->created_at = c->created_at;
}

/* The store's array (up to limit of its ns rows) as ours; frees it. */
static int
client_array(int rc, struct store_client *v, size_t ns, size_t limit,
    struct client **out, size_t *n)
{
	size_t k = ns > limit ? limit : ns;

	if (rc == DB_OK && k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < k; i++)
		client_from_store(&v[i], &(*out)[i]);
	free(v);
	if (rc != DB_OK)
		return PROF_DB;
	*n = k;
	return PROF_OK;
}

int
client_list_from_store(struct store_client *v, size_t nv, struct client **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	return client_array(DB_OK, v, nv, nv, out, n);
}

int
account_clients(struct db *db, int64_t account_id, struct client **out, size_t *n)
{
	struct store_client *v;
	size_t nv;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_profile_client_list(db, account_id, &v, &nv);
	return client_array(rc, v, nv, nv, out, n);
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
		if ((rc = store_profile_account_email_used(db, a.email)) < 0)
			return rc;
		if (rc == 1)
			a.email[0] = '\0';
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
	struct store_client s;
	int64_t now = clock_now();
	int is_client = strcmp(c->stage, "client") == 0;
	struct buf b;
	int rc;

	if (c->account_id == 0)
		rc = client_own_account(db, x->actor, c, now, c->account_name,
		    sizeof(c->account_name));
	else {
		struct store_account a;

		rc = tx_found(store_profile_account_get(db, c->account_id, 0, &a));
		if (rc == DB_OK)
			str_copy(c->account_name, sizeof(c->account_name), a.name);
	}
	if (rc != DB_OK)
		return rc;
	str_copy(c->stage, sizeof(c->stage), is_client ? "client" : "inquiry");
	c->converted_at = is_client ? now : 0;
	c->created_at = now;
	client_to_store(c, &s);
	if ((rc = store_profile_client_insert(db, &s, now, &c->id)) != DB_OK)
		return rc;
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
	struct store_client s;
	struct buf b;
	int rc;

	if ((rc = tx_found(store_profile_client_get(db, c->id, 1, &s))) != DB_OK)
		return rc;
	client_from_store(&s, &old);
	client_to_store(c, &s);
	if ((rc = store_profile_client_update(db, &s, clock_now())) != DB_OK)
		return rc;
	c->account_id = old.account_id;
	str_copy(c->stage, sizeof(c->stage), old.stage);
	c->converted_at = old.converted_at;
	c->created_at = old.created_at;
	str_copy(c->account_name, sizeof(c->account_name), old.account_name);
	buf_init(&b, 8192);
	audit_diff_str(&b, "first_name", old.first_name, c->first_name);
	audit_diff_str(&b, "last_name", old.last_name, c->last_name);
	audit_diff_str(&b, "birth_date", old.birth_date, c->birth_date);
	audit_diff_str(&b, "email", old.email, c->email);
	audit_diff_str(&b, "phone", old.phone, c->phone);
	audit_diff_i64(&b, "location_id", old.location_id, c->location_id);
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
	struct store_client s;
	int rc = get_status(store_profile_client_get(db, id, 0, &s));

	if (rc == PROF_OK)
		client_from_store(&s, c);
	return rc;
}

int
client_search(struct db *db, const char *stage, const struct page_req *pg,
    struct client **out, size_t *n, int *more)
{
	/* stage IN (s1, s2): with both stages the (stage, last_name, ...)
	 * index still serves a last-name prefix as two ranges. */
	const char *s1 = stage ? stage : "inquiry", *s2 = stage ? stage : "client";
	struct store_profile_search s;
	struct store_client *v;
	size_t nv, limit = page_limit(pg);
	int64_t fetch = (int64_t)limit + 1;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_profile_client_search(db, s1, s2, search_prepare(pg->q, &s) ==
	    -1 ? NULL : &s, page_before(pg), fetch, &v, &nv);
	*more = rc == DB_OK && nv > limit;
	return client_array(rc, v, nv, limit, out, n);
}

struct convert_args {
	const struct actor	*actor;
	int64_t			 id;
};

static int
client_convert_tx(struct db *db, void *arg)
{
	struct convert_args *x = arg;
	char stage[16];
	int rc;

	rc = tx_found(store_profile_client_stage_lock(db, x->id, stage,
	    sizeof(stage)));
	if (rc == DB_OK && strcmp(stage, "inquiry") != 0)
		rc = TX_NOT_INQUIRY;
	if (rc != DB_OK)
		return rc;
	if ((rc = store_profile_client_convert(db, x->id, clock_now())) != DB_OK)
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
