/* Accounts and clients (see store_profile.h). */
#include "common.h"

#include "db.h"
#include "store_profile.h"
#include "store_rows.h"
#include "str.h"

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

/* The rows of r as a calloc'd array of elsz-byte elements filled by conv. */
static int
rows_array(int rc, const struct db_result *r, size_t elsz,
    void (*conv)(const struct db_result *, size_t, void *), void **out,
    size_t *n)
{
	char *a = NULL;

	*out = NULL;
	*n = 0;
	if (rc != DB_OK)
		return rc;
	if (r->nrows > 0 && (a = calloc(r->nrows, elsz)) == NULL)
		return DB_ERR;
	for (size_t i = 0; i < r->nrows; i++)
		conv(r, i, a + i * elsz);
	*out = a;
	*n = r->nrows;
	return DB_OK;
}

/* --- accounts ------------------------------------------------------------ */

#define ACC_COLS STORE_ACCOUNT_COLS

void
store_profile_account_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_account *a = out;

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

int
store_profile_account_insert(struct db *db, const struct store_account *a,
    int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_STR(a->name), str_or_null(a->email),
	    DB_STR(a->phone), DB_STR(a->address1), DB_STR(a->address2),
	    DB_STR(a->city), DB_STR(a->region), DB_STR(a->postal_code),
	    id_or_null(a->location_id), DB_I64(now), DB_I64(now),
	    DB_STR(a->language[0] ? a->language : "en") };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO accounts (name, email, phone, address1,"
	    " address2, city, region, postal_code, location_id, created_at,"
	    " updated_at, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_profile_account_update(struct db *db, const struct store_account *a,
    int64_t now)
{
	struct db_param p[] = { DB_STR(a->name), str_or_null(a->email),
	    DB_STR(a->phone), DB_STR(a->address1), DB_STR(a->address2),
	    DB_STR(a->city), DB_STR(a->region), DB_STR(a->postal_code),
	    id_or_null(a->location_id), DB_I64(now),
	    DB_STR(a->language), DB_I64(a->id) };

	return db_exec(db, "UPDATE accounts SET name = ?, email = ?, phone = ?,"
	    " address1 = ?, address2 = ?, city = ?, region = ?, postal_code = ?,"
	    " location_id = ?, updated_at = ?,"
	    " language = COALESCE(NULLIF(?, ''), language) WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
}

int
store_profile_account_set_language(struct db *db, int64_t id,
    const char *lang, int64_t now, int *changed)
{
	struct db_param p[] = { DB_STR(lang), DB_I64(now), DB_I64(id),
	    DB_STR(lang) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "UPDATE accounts SET language = ?, updated_at = ?"
	    " WHERE id = ? AND language <> ?", p, ARRAY_LEN(p), &n, NULL);
	*changed = n > 0;
	return rc;
}

int
store_profile_account_get(struct db *db, int64_t id, int lock,
    struct store_account *a)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, lock ? "SELECT " ACC_COLS " FROM accounts a WHERE"
	    " a.id = ? FOR UPDATE" : "SELECT " ACC_COLS " FROM accounts a WHERE"
	    " a.id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		store_profile_account_from_row(&r, 0, a);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

/* 1 when the query (of one parameter) found a row with an id, 0 when
 * not, or < 0. */
static int
id_found(struct db *db, const char *sql, struct db_param k)
{
	int64_t id = 0;
	int rc;

	rc = db_query_i64(db, sql, &k, 1, &id);
	return rc != DB_OK ? rc : id != 0;
}

int
store_profile_account_lock(struct db *db, int64_t id)
{
	return id_found(db, "SELECT id FROM accounts WHERE id = ? FOR UPDATE",
	    DB_I64(id));
}

int
store_profile_account_email_used(struct db *db, const char *email)
{
	return id_found(db, "SELECT id FROM accounts WHERE email = ?",
	    DB_STR(email));
}

static int
account_list(struct db *db, int64_t before, int64_t fetch, struct db_result *r)
{
	struct db_param p[] = { DB_I64(before), DB_I64(fetch) };

	return db_query(db, "SELECT " ACC_COLS " FROM accounts a"
	    " WHERE a.id < ? ORDER BY a.id DESC LIMIT ?", p, ARRAY_LEN(p), r);
}

int
store_profile_account_search(struct db *db,
    const struct store_profile_search *q, int64_t before, int64_t fetch,
    struct store_account **out, size_t *n)
{
	struct db_result r;
	int rc;

	if (q == NULL)
		rc = account_list(db, before, fetch, &r);
	else {
		/* One indexed branch per way of matching (name prefix, email
		 * prefix, id), each cut to the page, then merged: no branch
		 * ever scans the whole table. */
		struct db_param p[] = {
		    DB_STR(q->like), DB_I64(before), DB_I64(fetch),
		    DB_STR(q->like), DB_I64(before), DB_I64(fetch),
		    DB_I64(q->id), DB_I64(before), DB_I64(fetch) };
		rc = db_query(db, "SELECT " ACC_COLS " FROM accounts a JOIN ("
		    "(SELECT id FROM accounts WHERE name LIKE CONCAT(?, '%')"
		    " AND id < ? ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM accounts WHERE email LIKE CONCAT(?, '%')"
		    " AND id < ? ORDER BY id DESC LIMIT ?)"
		    " UNION (SELECT id FROM accounts WHERE id = ? AND id < ?)"
		    ") m ON m.id = a.id ORDER BY a.id DESC LIMIT ?",
		    p, ARRAY_LEN(p), &r);
	}
	rc = rows_array(rc, &r, sizeof(**out), store_profile_account_from_row,
	    (void **)out, n);
	db_result_free(&r);
	return rc;
}

/* --- clients ------------------------------------------------------------- */

#define CLI_SEL STORE_CLIENT_SEL

void
store_client_from_row(const struct db_result *r, size_t i, void *out)
{
	struct store_client *c = out;

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

int
store_profile_client_insert(struct db *db, const struct store_client *c,
    int64_t now, int64_t *id)
{
	struct db_param p[] = { DB_I64(c->account_id), DB_STR(c->stage),
	    DB_STR(c->first_name), DB_STR(c->last_name),
	    str_or_null(c->birth_date), DB_STR(c->email), DB_STR(c->phone),
	    id_or_null(c->location_id), id_or_null(c->converted_at),
	    DB_I64(now), DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO clients (account_id, stage,"
	    " first_name, last_name, birth_date, email, phone, location_id,"
	    " converted_at, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_profile_client_update(struct db *db, const struct store_client *c,
    int64_t now)
{
	struct db_param p[] = { DB_STR(c->first_name), DB_STR(c->last_name),
	    str_or_null(c->birth_date), DB_STR(c->email), DB_STR(c->phone),
	    id_or_null(c->location_id), DB_I64(now), DB_I64(c->id) };

	return db_exec(db, "UPDATE clients SET first_name = ?, last_name = ?,"
	    " birth_date = ?, email = ?, phone = ?, location_id = ?,"
	    " updated_at = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_profile_client_get(struct db *db, int64_t id, int lock,
    struct store_client *c)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, lock ? CLI_SEL " WHERE c.id = ? FOR UPDATE" :
	    CLI_SEL " WHERE c.id = ?", p, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		store_client_from_row(&r, 0, c);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_profile_client_list(struct db *db, int64_t account_id,
    struct store_client **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, CLI_SEL " WHERE c.account_id = ? ORDER BY c.id",
	    p, 1, &r);
	rc = rows_array(rc, &r, sizeof(**out), store_client_from_row, (void **)out, n);
	db_result_free(&r);
	return rc;
}

static int
client_match(struct db *db, const char *s1, const char *s2,
    const struct store_profile_search *q, int64_t before, int64_t fetch,
    struct db_result *r)
{
	struct db_param p[] = {
	    DB_STR(s1), DB_STR(s2), DB_STR(q->like), DB_I64(before), DB_I64(fetch),
	    DB_STR(s1), DB_STR(s2), DB_STR(q->like), DB_I64(before), DB_I64(fetch),
	    DB_STR(s1), DB_STR(s2), DB_STR(q->like), DB_I64(before), DB_I64(fetch),
	    DB_STR(s1), DB_STR(s2), DB_STR(q->last),
	    DB_STR(q->first), DB_I64(before), DB_I64(fetch),
	    DB_STR(s1), DB_STR(s2), DB_I64(q->id), DB_I64(before),
	    DB_I64(fetch) };

	return db_query(db, CLI_SEL " JOIN ("
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
	    p, ARRAY_LEN(p), r);
}

int
store_profile_client_search(struct db *db, const char *s1, const char *s2,
    const struct store_profile_search *q, int64_t before, int64_t fetch,
    struct store_client **out, size_t *n)
{
	struct db_result r;
	int rc;

	if (q == NULL) {
		struct db_param p[] = { DB_STR(s1), DB_STR(s2), DB_I64(before),
		    DB_I64(fetch) };
		rc = db_query(db, CLI_SEL " WHERE c.stage IN (?, ?) AND c.id < ?"
		    " ORDER BY c.id DESC LIMIT ?", p, ARRAY_LEN(p), &r);
	} else
		rc = client_match(db, s1, s2, q, before, fetch, &r);
	rc = rows_array(rc, &r, sizeof(**out), store_client_from_row, (void **)out, n);
	db_result_free(&r);
	return rc;
}

int
store_profile_client_stage_lock(struct db *db, int64_t id, char *stage,
    size_t stagesz)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT stage FROM clients WHERE id = ? FOR UPDATE",
	    k, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		str_copy(stage, stagesz, db_str(&r, 0, 0));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_profile_client_convert(struct db *db, int64_t id, int64_t now)
{
	struct db_param p[] = { DB_I64(now), DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE clients SET stage = 'client', converted_at = ?,"
	    " updated_at = ? WHERE id = ?", p, ARRAY_LEN(p), NULL, NULL);
}
