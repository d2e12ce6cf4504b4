/* payment_methods, stripe_customers, consents (see store_method.h). */
#include "common.h"

#include "db.h"
#include "store_method.h"
#include "store_rows.h"
#include "str.h"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)

/* The first cell of a one-row answer as text into out ("" when none):
 * 1 when a row came, 0 when not, or < 0. */
static int
text_of(struct db *db, const char *sql, const struct db_param *p, size_t n,
    char *out, size_t outsz)
{
	struct db_result r;
	int rc = db_query(db, sql, p, n, &r);

	out[0] = '\0';
	if (rc == DB_OK && r.nrows == 1) {
		(void)str_copy(out, outsz, db_str(&r, 0, 0));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

/* --- customers -------------------------------------------------------------- */

int
store_method_customer_get(struct db *db, int64_t account_id, char *out,
    size_t outsz)
{
	struct db_param p[] = { DB_I64(account_id) };
	int rc = text_of(db, "SELECT customer_id FROM stripe_customers"
	    " WHERE account_id = ?", p, 1, out, outsz);

	return rc < 0 ? rc : DB_OK;
}

int
store_method_customer_account(struct db *db, const char *customer,
    int64_t *account_id)
{
	struct db_param p[] = { DB_STR(customer) };

	return db_query_i64(db, "SELECT account_id FROM stripe_customers"
	    " WHERE customer_id = ?", p, 1, account_id);
}

int
store_method_customer_insert(struct db *db, int64_t account_id,
    const char *customer, int64_t now)
{
	struct db_param q[] = { DB_I64(account_id), DB_STR(customer), DB_I64(now) };

	return db_exec(db, "INSERT INTO stripe_customers (account_id,"
	    " customer_id, created_at) VALUES (?, ?, ?)", q, 3, NULL, NULL);
}

int
store_method_account_name(struct db *db, int64_t account_id, char *out,
    size_t outsz)
{
	struct db_param p[] = { DB_I64(account_id) };

	return text_of(db, "SELECT name FROM accounts WHERE id = ?", p, 1, out,
	    outsz);
}

/* --- payment methods -------------------------------------------------------- */

#define PM_COLS STORE_PM_COLS

void
store_method_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_method *m = elem;

	memset(m, 0, sizeof(*m));
	m->id = db_i64(r, i, 0);
	m->account_id = db_i64(r, i, 1);
	(void)str_copy(m->stripe_pm_id, sizeof(m->stripe_pm_id), db_str(r, i, 2));
	(void)str_copy(m->kind, sizeof(m->kind), db_str(r, i, 3));
	(void)str_copy(m->brand, sizeof(m->brand), db_str(r, i, 4));
	(void)str_copy(m->last4, sizeof(m->last4), db_str(r, i, 5));
	m->exp_month = (int)db_i64(r, i, 6);
	m->exp_year = (int)db_i64(r, i, 7);
	m->is_default = (int)db_i64(r, i, 8);
	(void)str_copy(m->status, sizeof(m->status), db_str(r, i, 9));
	m->created_at = db_i64(r, i, 10);
	m->removed_at = db_i64(r, i, 11);
}

static int
method_one(struct db *db, const char *sql, int64_t id, struct store_method *m)
{
	struct db_param p[] = { DB_I64(id) };

	return store_rows_one(db, sql, p, 1, store_method_from_row, m);
}

int
store_method_get(struct db *db, int64_t id, struct store_method *m)
{
	return method_one(db, "SELECT " PM_COLS " FROM payment_methods WHERE id = ?",
	    id, m);
}

int
store_method_lock_usable(struct db *db, int64_t id, int64_t account_id,
    struct store_method *m)
{
	struct db_param p[] = { DB_I64(id), DB_I64(account_id) };

	return store_rows_one(db, "SELECT " PM_COLS " FROM payment_methods"
	    " WHERE id = ? AND account_id = ? AND status = 'active' FOR UPDATE",
	    p, 2, store_method_from_row, m);
}

int
store_method_lock(struct db *db, int64_t id, struct store_method *m)
{
	return method_one(db, "SELECT " PM_COLS " FROM payment_methods WHERE id = ?"
	    " FOR UPDATE", id, m);
}

int
store_method_by_stripe_id(struct db *db, const char *stripe_pm_id, int64_t *id)
{
	struct db_param p[] = { DB_STR(stripe_pm_id) };

	return db_query_i64(db, "SELECT id FROM payment_methods WHERE"
	    " stripe_pm_id = ?", p, 1, id);
}

int
store_method_list_active(struct db *db, int64_t account_id,
    struct store_method **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	void *a = NULL;
	int rc;

	rc = store_rows_fetch(db, "SELECT " PM_COLS " FROM payment_methods"
	    " WHERE account_id = ? AND status = 'active'"
	    " ORDER BY is_default DESC, id DESC", p, 1, sizeof(**out),
	    store_method_from_row, &a, n);
	*out = a;
	return rc;
}

int
store_method_count_defaults(struct db *db, int64_t account_id, int64_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };

	return db_query_i64(db, "SELECT COUNT(*) FROM payment_methods WHERE"
	    " account_id = ? AND status = 'active' AND is_default = 1", p, 1, n);
}

int
store_method_insert(struct db *db, const struct store_method *m, int64_t now,
    int64_t *id, int *inserted)
{
	struct db_param p[] = { DB_I64(m->account_id), DB_STR(m->stripe_pm_id),
	    DB_STR(m->kind), DB_STR(m->brand), DB_STR(m->last4),
	    ID_OR_NULL(m->exp_month), ID_OR_NULL(m->exp_year),
	    DB_I64(m->is_default ? 1 : 0), DB_I64(now) };
	uint64_t affected = 0, newid = 0;
	int rc;

	/* A method already recorded keeps its row: its id comes back as the
	 * insert id. */
	rc = db_exec(db, "INSERT INTO payment_methods (account_id, stripe_pm_id,"
	    " kind, brand, last4, exp_month, exp_year, is_default, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
	    p, ARRAY_LEN(p), &affected, &newid);
	*id = rc == DB_OK ? (int64_t)newid : 0;
	*inserted = rc == DB_OK && affected == 1;
	return rc;
}

int
store_method_remove(struct db *db, int64_t id, int64_t now)
{
	struct db_param q[] = { DB_I64(now), DB_I64(id) };

	return db_exec(db, "UPDATE payment_methods SET status = 'removed',"
	    " removed_at = ?, is_default = 0 WHERE id = ?", q, 2, NULL, NULL);
}

int
store_method_lock_active(struct db *db, int64_t account_id)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id FROM payment_methods WHERE account_id = ?"
	    " AND status = 'active' ORDER BY id FOR UPDATE", p, 1, &r);

	db_result_free(&r);
	return rc;
}

int
store_method_is_active(struct db *db, int64_t id, int64_t account_id)
{
	struct db_param p[] = { DB_I64(id), DB_I64(account_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id FROM payment_methods WHERE id = ?"
	    " AND account_id = ? AND status = 'active'", p, 2, &r);

	if (rc == DB_OK)
		rc = r.nrows == 1;
	db_result_free(&r);
	return rc;
}

int
store_method_set_default(struct db *db, int64_t id, int64_t account_id)
{
	struct db_param p[] = { DB_I64(id), DB_I64(account_id) };

	return db_exec(db, "UPDATE payment_methods SET is_default = (id = ?)"
	    " WHERE account_id = ? AND status = 'active'", p, 2, NULL, NULL);
}

/* --- consents --------------------------------------------------------------- */

int
store_method_consents_revoke(struct db *db, int64_t method_id, int64_t now,
    int64_t by, uint64_t *revoked)
{
	struct db_param q[] = { DB_I64(now), ID_OR_NULL(by), DB_I64(method_id) };

	return db_exec(db, "UPDATE consents SET revoked_at = ?, revoked_by = ?"
	    " WHERE payment_method_id = ? AND revoked_at IS NULL", q, 3,
	    revoked, NULL);
}

int
store_method_consent_insert(struct db *db, const struct store_consent_new *c,
    int64_t *id)
{
	struct db_param p[] = { DB_I64(c->account_id),
	    DB_I64(c->payment_method_id), DB_STR(c->scope),
	    ID_OR_NULL(c->max_amount), ID_OR_NULL(c->plan_id),
	    DB_STR(c->text_version), DB_STR(c->signer_name),
	    DB_I64(c->signed_at), DB_STR(c->ip ? c->ip : ""),
	    DB_STR(c->user_agent), ID_OR_NULL(c->recorded_by),
	    DB_STR(c->auth_text), DB_STR(c->method_label) };
	uint64_t nid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO consents (account_id,"
	    " payment_method_id, scope, max_amount, plan_id, text_version,"
	    " signer_name, signed_at, ip, user_agent, recorded_by, auth_text,"
	    " method_label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, &nid);
	*id = rc == DB_OK ? (int64_t)nid : 0;
	return rc;
}

int
store_method_consent_mailed(struct db *db, int64_t consent_id, int64_t mail_id)
{
	struct db_param p[] = { DB_I64(mail_id), DB_I64(consent_id) };

	return db_exec(db, "UPDATE consents SET mail_id = ? WHERE id = ?", p, 2,
	    NULL, NULL);
}

int
store_method_consent_lock_open(struct db *db, int64_t consent_id,
    int64_t account_id)
{
	struct db_param p[] = { DB_I64(consent_id), DB_I64(account_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT id FROM consents WHERE id = ? AND"
	    " account_id = ? AND revoked_at IS NULL FOR UPDATE", p, 2, &r);

	if (rc == DB_OK)
		rc = r.nrows == 1;
	db_result_free(&r);
	return rc;
}

int
store_method_consent_revoke(struct db *db, int64_t consent_id, int64_t now,
    int64_t by)
{
	struct db_param q[] = { DB_I64(now), ID_OR_NULL(by), DB_I64(consent_id) };

	return db_exec(db, "UPDATE consents SET revoked_at = ?, revoked_by = ?"
	    " WHERE id = ?", q, 3, NULL, NULL);
}

#define CONSENT_COLS STORE_CONSENT_COLS20 ", COALESCE(c.auth_text, '')"\
	STORE_CONSENT_FROM

#define CSTR(f, col)	(void)str_copy(c->f, sizeof(c->f), db_str(r, i, col))

void
store_consent_from_row(const struct db_result *r, size_t i, void *elem)
{
	struct store_consent *c = elem;

	memset(c, 0, sizeof(*c));
	c->id = db_i64(r, i, 0);
	c->account_id = db_i64(r, i, 1);
	c->payment_method_id = db_i64(r, i, 2);
	CSTR(method_kind, 3);
	CSTR(method_brand, 4);
	CSTR(method_last4, 5);
	CSTR(scope, 6);
	c->max_amount = db_i64(r, i, 7);
	c->plan_id = db_i64(r, i, 8);
	CSTR(text_version, 9);
	CSTR(signer_name, 10);
	c->signed_at = db_i64(r, i, 11);
	CSTR(ip, 12);
	CSTR(user_agent, 13);
	c->recorded_by = db_i64(r, i, 14);
	c->revoked_at = db_i64(r, i, 15);
	c->revoked_by = db_i64(r, i, 16);
	CSTR(method_label, 17);
	c->method_removed = (int)db_i64(r, i, 18);
	c->mail_id = db_i64(r, i, 19);
	CSTR(auth_text, 20);
}

static int
consent_rows(struct db *db, const char *sql, const struct db_param *k,
    size_t nk, struct store_consent **out, size_t *n)
{
	void *a = NULL;
	int rc = store_rows_fetch(db, sql, k, nk, sizeof(**out), store_consent_from_row,
	    &a, n);

	*out = a;
	return rc;
}

int
store_method_consent_list(struct db *db, int64_t account_id, int with_revoked,
    struct store_consent **out, size_t *n)
{
	struct db_param p[] = { DB_I64(account_id), DB_I64(with_revoked ? 1 : 0) };

	return consent_rows(db, "SELECT " CONSENT_COLS " WHERE c.account_id = ?"
	    " AND (? = 1 OR c.revoked_at IS NULL) ORDER BY c.id DESC", p, 2, out, n);
}

int
store_method_consent_get(struct db *db, int64_t consent_id, int64_t account_id,
    struct store_consent *c)
{
	struct db_param p[] = { DB_I64(consent_id), DB_I64(account_id) };

	return store_rows_one(db, "SELECT " CONSENT_COLS " WHERE c.id = ?"
	    " AND c.account_id = ?", p, 2, store_consent_from_row, c);
}

/* In force: not revoked, its method active and of the same account. */
#define IN_FORCE " WHERE c.payment_method_id = ? AND c.revoked_at IS NULL" \
	" AND m.status = 'active' AND c.account_id = m.account_id"

int
store_method_consents_active(struct db *db, int64_t method_id,
    struct store_consent **out, size_t *n)
{
	struct db_param p[] = { DB_I64(method_id) };

	return consent_rows(db, "SELECT " CONSENT_COLS IN_FORCE
	    " ORDER BY c.id DESC", p, 1, out, n);
}

int
store_method_consents_count(struct db *db, int64_t method_id, int64_t *n)
{
	struct db_param p[] = { DB_I64(method_id) };

	return db_query_i64(db, "SELECT COUNT(*) FROM consents c JOIN"
	    " payment_methods m ON m.id = c.payment_method_id" IN_FORCE, p, 1, n);
}
