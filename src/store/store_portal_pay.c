/* Payments and setups made in the portal, their consent facts and emails
 * (see store_portal.h). */
#include "common.h"

#include "db.h"
#include "store_portal.h"
#include "store_rows.h"
#include "str.h"

int
store_portal_payment_insert(struct db *db, int64_t payment_id,
    int64_t account_id, int64_t pay_link_id, const char *email,
    const char *signer, const char *ip, const char *user_agent, int64_t now)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(account_id),
	    DB_STR(pay_link_id ? "paylink" : "portal"),
	    pay_link_id ? DB_I64(pay_link_id) : DB_NULL, DB_STR(email),
	    DB_STRN(signer), DB_STR(ip), DB_STR(user_agent), DB_I64(now) };

	return db_exec(db, "INSERT IGNORE INTO portal_payments"
	    " (payment_id, account_id, source, pay_link_id, email, consent_signer,"
	    " consent_ip, consent_ua, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

/* 1 when the statement changed one row or more, 0 when none, or < 0. */
static int
changed(struct db *db, const char *sql, const struct db_param *p, size_t n)
{
	uint64_t count = 0;
	int rc;

	rc = db_exec(db, sql, p, n, &count, NULL);
	return rc != DB_OK ? rc : count > 0;
}

/* 1/0: the consent facts of a one-row query. */
static int
consent_query(struct db *db, const char *sql, const struct db_param *p,
    size_t n, struct store_portal_consent *c)
{
	struct db_result r;
	int rc;

	rc = db_query(db, sql, p, n, &r);
	if (rc == DB_OK && r.nrows > 0) {
		str_copy(c->signer, sizeof(c->signer), db_str(&r, 0, 0));
		str_copy(c->ip, sizeof(c->ip), db_str(&r, 0, 1));
		str_copy(c->user_agent, sizeof(c->user_agent), db_str(&r, 0, 2));
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

/* 1/0: a query of one row or none. */
static int
row_exists(struct db *db, const char *sql, const struct db_param *p, size_t n)
{
	struct db_result r;
	int rc;

	rc = db_query(db, sql, p, n, &r);
	if (rc == DB_OK)
		rc = r.nrows == 1;
	db_result_free(&r);
	return rc;
}

int
store_portal_payment_consent_claim(struct db *db, int64_t payment_id)
{
	struct db_param k[] = { DB_I64(payment_id) };

	return changed(db, "UPDATE portal_payments SET consent_id = 0 WHERE"
	    " payment_id = ? AND consent_id IS NULL AND consent_signer IS NOT NULL",
	    k, 1);
}

int
store_portal_payment_consent(struct db *db, int64_t payment_id,
    struct store_portal_consent *c)
{
	struct db_param k[] = { DB_I64(payment_id) };

	return consent_query(db, "SELECT consent_signer, consent_ip, consent_ua"
	    " FROM portal_payments WHERE payment_id = ?", k, 1, c);
}

int
store_portal_payment_consent_set(struct db *db, int64_t payment_id,
    int64_t consent_id)
{
	struct db_param q[] = { consent_id >= 0 ? DB_I64(consent_id) : DB_NULL,
	    DB_I64(payment_id) };

	return db_exec(db, "UPDATE portal_payments SET consent_id = ?"
	    " WHERE payment_id = ?", q, 2, NULL, NULL);
}

int
store_portal_payment_owned(struct db *db, int64_t payment_id,
    int64_t account_id, int64_t pay_link_id)
{
	struct db_param p[] = { DB_I64(payment_id), DB_I64(account_id),
	    DB_I64(pay_link_id), DB_I64(pay_link_id) };

	return row_exists(db, "SELECT 1 FROM portal_payments pp JOIN payments p"
	    " ON p.id = pp.payment_id AND p.account_id = pp.account_id"
	    " WHERE pp.payment_id = ? AND pp.account_id = ?"
	    " AND (? = 0 OR pp.pay_link_id = ?)", p, ARRAY_LEN(p));
}

int
store_portal_payment_source(struct db *db, int64_t payment_id, char *to,
    size_t tosz, int *portal)
{
	struct db_param k[] = { DB_I64(payment_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT account_id, email, source = 'portal'"
	    " FROM portal_payments WHERE payment_id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows > 0) {
		str_copy(to, tosz, db_str(&r, 0, 1));
		*portal = db_i64(&r, 0, 2) != 0;
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_portal_payments_having(struct db *db, const int64_t *ids, size_t n,
    int *has)
{
	struct db_param p[STORE_Q32_N];
	struct db_result r;
	int rc;

	if (n == 0 || n > STORE_Q32_N)
		return n == 0 ? DB_OK : DB_ERR;
	for (size_t i = 0; i < STORE_Q32_N; i++)
		p[i] = DB_I64(i < n ? ids[i] : 0);	/* 0: no payment */
	rc = db_query(db, "SELECT payment_id FROM portal_payments WHERE payment_id"
	    " IN (" STORE_Q32 ")", p, STORE_Q32_N, &r);
	for (size_t i = 0; i < n; i++)
		has[i] = 0;
	for (size_t k = 0; rc == DB_OK && k < r.nrows; k++)
		for (size_t i = 0; i < n; i++)
			if (ids[i] == db_i64(&r, k, 0))
				has[i] = 1;
	db_result_free(&r);
	return rc;
}

int
store_portal_notice_claim(struct db *db, int64_t payment_id, const char *kind,
    int64_t now)
{
	struct db_param p[] = { DB_I64(payment_id), DB_STR(kind), DB_I64(now) };

	return changed(db, "INSERT IGNORE INTO portal_payment_notices (payment_id,"
	    " kind, created_at) VALUES (?, ?, ?)", p, ARRAY_LEN(p));
}

int
store_portal_notice_sent(struct db *db, int64_t payment_id, const char *kind)
{
	struct db_param p[] = { DB_I64(payment_id), DB_STR(kind) };

	return row_exists(db, "SELECT 1 FROM portal_payment_notices WHERE"
	    " payment_id = ? AND kind = ?", p, 2);
}

int
store_portal_setup_insert(struct db *db, const char *setup_intent,
    int64_t account_id, const char *signer, const char *ip,
    const char *user_agent, int64_t now)
{
	struct db_param p[] = { DB_STR(setup_intent), DB_I64(account_id),
	    DB_STR(signer), DB_STR(ip), DB_STR(user_agent), DB_I64(now) };

	return db_exec(db, "INSERT IGNORE INTO portal_setups"
	    " (setup_intent, account_id, signer, ip, user_agent, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_portal_setup_get(struct db *db, const char *setup_intent,
    int64_t account_id, struct store_portal_consent *c)
{
	struct db_param k[] = { DB_STR(setup_intent), DB_I64(account_id) };

	return consent_query(db, "SELECT signer, ip, user_agent FROM portal_setups"
	    " WHERE setup_intent = ? AND account_id = ?", k, 2, c);
}

int
store_portal_setup_claim(struct db *db, const char *setup_intent,
    int64_t account_id)
{
	struct db_param k[] = { DB_STR(setup_intent), DB_I64(account_id) };
	uint64_t n = 0;
	int rc;

	rc = db_exec(db, "UPDATE portal_setups SET consent_id = 0 WHERE"
	    " setup_intent = ? AND account_id = ? AND consent_id IS NULL",
	    k, 2, &n, NULL);
	return rc != DB_OK ? rc : n == 1;
}

int
store_portal_setup_done(struct db *db, const char *setup_intent,
    int64_t method_id, int64_t consent_id)
{
	struct db_param q[] = { DB_I64(method_id),
	    consent_id >= 0 ? DB_I64(consent_id) : DB_NULL, DB_STR(setup_intent) };

	return db_exec(db, "UPDATE portal_setups SET method_id = ?,"
	    " consent_id = ? WHERE setup_intent = ?", q, 3, NULL, NULL);
}
