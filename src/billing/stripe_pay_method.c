/* Stripe customers and saved payment methods (SetupIntents). The
 * authorization-to-charge consents that go with them are in
 * stripe_pay_consent.c. */
#include "common.h"

#include <json-c/json.h>

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "kv.h"
#include "str.h"
#include "stripe.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"

#define ID_OR_NULL(x)	((x) ? DB_I64(x) : DB_NULL)

/* --- customers -------------------------------------------------------------- */

static int
customer_lookup(struct db *db, int64_t account_id, char *out, size_t outsz)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT customer_id FROM stripe_customers"
	    " WHERE account_id = ?", p, 1, &r);

	out[0] = '\0';
	if (rc == DB_OK && r.nrows == 1)
		(void)str_copy(out, outsz, db_str(&r, 0, 0));
	db_result_free(&r);
	return rc;
}

int
sp_customer_account(struct db *db, const char *customer, int64_t *account_id)
{
	struct db_param p[] = { DB_STR(customer) };
	struct db_result r;
	int rc = db_query(db, "SELECT account_id FROM stripe_customers"
	    " WHERE customer_id = ?", p, 1, &r);

	*account_id = rc == DB_OK && r.nrows == 1 ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return rc;
}

int
stripe_pay_customer(const struct sp *sp, int64_t account_id, char *customer,
    size_t customersz)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct stripe_result r;
	struct db_result a;
	const char *id;
	char key[48], name[201];
	int rc;

	if (customer_lookup(sp->db, account_id, customer, customersz) != DB_OK)
		return SP_DB;
	if (customer[0] != '\0')
		return SP_OK;
	rc = db_query(sp->db, "SELECT name FROM accounts WHERE id = ?", p, 1, &a);
	if (rc != DB_OK || a.nrows != 1) {
		db_result_free(&a);
		return rc != DB_OK ? SP_DB : SP_NOT_FOUND;
	}
	(void)str_copy(name, sizeof(name), db_str(&a, 0, 0));
	db_result_free(&a);
	/* Only the name and our id: the same key must carry the same params. */
	(void)str_fmt(key, sizeof(key), "cus-acct-%" PRId64, account_id);
	if (stripe_customer_create(sp->stripe, name, NULL, account_id, key, &r) == -1 ||
	    (id = stripe_json_str(&r, "id")) == NULL) {
		log_warn("stripe: customer for account %" PRId64 ": %s %s",
		    account_id, r.code, r.message);
		stripe_result_free(&r);
		return SP_STRIPE;
	}
	{
		struct db_param q[] = { DB_I64(account_id), DB_STR(id),
		    DB_I64(clock_now()) };
		/* Concurrent first uses get the same customer (same key). */
		rc = db_exec(sp->db, "INSERT INTO stripe_customers (account_id,"
		    " customer_id, created_at) VALUES (?, ?, ?)", q, 3, NULL, NULL);
	}
	stripe_result_free(&r);
	if (rc != DB_OK && rc != DB_DUP)
		return SP_DB;
	if (customer_lookup(sp->db, account_id, customer, customersz) != DB_OK ||
	    customer[0] == '\0')
		return SP_DB;
	return SP_OK;
}

/* --- payment methods ---------------------------------------------------------- */

#define PM_COLS "id, account_id, stripe_pm_id, kind, brand, last4," \
	" COALESCE(exp_month, 0), COALESCE(exp_year, 0), is_default, status," \
	" created_at, COALESCE(removed_at, 0)"

static void
method_from_row(const struct db_result *r, size_t i, struct sp_method *m)
{
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

int
stripe_pay_method_get(struct db *db, int64_t method_id, struct sp_method *m)
{
	struct db_param p[] = { DB_I64(method_id) };
	struct db_result r;
	int rc = db_query(db, "SELECT " PM_COLS " FROM payment_methods WHERE id = ?",
	    p, 1, &r);
	size_t n = rc == DB_OK ? r.nrows : 0;

	if (n == 1)
		method_from_row(&r, 0, m);
	db_result_free(&r);
	return rc != DB_OK ? SP_DB : n == 1 ? SP_OK : SP_NOT_FOUND;
}

int
stripe_pay_methods(struct db *db, int64_t account_id, struct sp_method **out,
    size_t *n)
{
	struct db_param p[] = { DB_I64(account_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT " PM_COLS " FROM payment_methods"
	    " WHERE account_id = ? AND status = 'active'"
	    " ORDER BY is_default DESC, id DESC", p, 1, &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return SP_DB;
	}
	if (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL) {
		db_result_free(&r);
		return SP_DB;
	}
	for (size_t i = 0; i < r.nrows; i++)
		method_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	db_result_free(&r);
	return SP_OK;
}

void
sp_method_label(const char *kind, const char *brand, const char *last4, char *out,
    size_t outsz)
{
	(void)str_fmt(out, outsz, "%s ending %s", brand[0] ? brand :
	    strcmp(kind, "card") == 0 ? "card" : "bank account", last4);
}

int
sp_method_record(struct db *db, const struct actor *actor, int64_t account_id,
    struct json_object *pm, int64_t *id)
{
	const char *pm_id = stripe_obj_str(pm, "id");
	const char *type = stripe_obj_str(pm, "type");
	const char *brand = NULL, *last4 = NULL;
	int64_t em = 0, ey = 0, defaults = 1;
	char label[80], detail[200];
	uint64_t affected = 0, newid = 0;
	struct db_result r;
	int card, rc;

	*id = 0;
	if (pm_id == NULL || type == NULL)
		return DB_OK;
	card = strcmp(type, "card") == 0;
	if (card) {
		brand = stripe_obj_str(pm, "card.brand");
		last4 = stripe_obj_str(pm, "card.last4");
		(void)stripe_obj_i64(pm, "card.exp_month", &em);
		(void)stripe_obj_i64(pm, "card.exp_year", &ey);
	} else if (strcmp(type, "us_bank_account") == 0) {
		brand = stripe_obj_str(pm, "us_bank_account.bank_name");
		last4 = stripe_obj_str(pm, "us_bank_account.last4");
	} else
		return DB_OK;
	if (brand == NULL)
		brand = "";
	if (last4 == NULL || strlen(last4) != 4)
		last4 = "";
	{
		struct db_param p[] = { DB_I64(account_id) };
		rc = db_query(db, "SELECT COUNT(*) FROM payment_methods WHERE"
		    " account_id = ? AND status = 'active' AND is_default = 1", p, 1, &r);
		if (rc == DB_OK && r.nrows == 1)
			defaults = db_i64(&r, 0, 0);
		db_result_free(&r);
		if (rc != DB_OK)
			return rc;
	}
	{
		char b[33];
		(void)str_copy(b, sizeof(b), brand);
		struct db_param p[] = { DB_I64(account_id), DB_STR(pm_id),
		    DB_STR(card ? "card" : "us_bank_account"), DB_STR(b), DB_STR(last4),
		    em > 0 && em <= 12 ? DB_I64(em) : DB_NULL,
		    ey > 0 && ey < 10000 ? DB_I64(ey) : DB_NULL,
		    DB_I64(defaults == 0 ? 1 : 0), DB_I64(clock_now()) };
		/* A method already recorded (webhook and page both saw it)
		 * keeps its row: its id comes back as the insert id. */
		rc = db_exec(db, "INSERT INTO payment_methods (account_id, stripe_pm_id,"
		    " kind, brand, last4, exp_month, exp_year, is_default, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
		    " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
		    p, ARRAY_LEN(p), &affected, &newid);
		if (rc != DB_OK)
			return rc;
	}
	*id = (int64_t)newid;
	if (affected != 1)
		return DB_OK;
	sp_method_label(card ? "card" : "us_bank_account", brand, last4, label,
	    sizeof(label));
	(void)str_fmt(detail, sizeof(detail), "payment method %" PRId64 " added: %s"
	    " (%s)", *id, label, pm_id);
	return audit_record(db, actor, "payment_method.add", "account", account_id,
	    detail);
}

int
sp_method_mark_removed(struct db *db, const struct actor *actor, int64_t method_id,
    int *changed)
{
	struct db_param p[] = { DB_I64(method_id) };
	struct db_result r;
	int64_t account_id, now = clock_now();
	uint64_t revoked = 0;
	char detail[200], label[80];
	int rc;

	*changed = 0;
	rc = db_query(db, "SELECT account_id, status, kind, brand, last4 FROM"
	    " payment_methods WHERE id = ? FOR UPDATE", p, 1, &r);
	if (rc != DB_OK || r.nrows != 1 || strcmp(db_str(&r, 0, 1), "active") != 0) {
		db_result_free(&r);
		return rc;
	}
	account_id = db_i64(&r, 0, 0);
	sp_method_label(db_str(&r, 0, 2), db_str(&r, 0, 3), db_str(&r, 0, 4), label,
	    sizeof(label));
	db_result_free(&r);
	{
		struct db_param q[] = { DB_I64(now), DB_I64(method_id) };
		if ((rc = db_exec(db, "UPDATE payment_methods SET status = 'removed',"
		    " removed_at = ?, is_default = 0 WHERE id = ?", q, 2, NULL,
		    NULL)) != DB_OK)
			return rc;
	}
	{
		int64_t by = sp_staff_id(actor);
		struct db_param q[] = { DB_I64(now), ID_OR_NULL(by), DB_I64(method_id) };
		if ((rc = db_exec(db, "UPDATE consents SET revoked_at = ?, revoked_by = ?"
		    " WHERE payment_method_id = ? AND revoked_at IS NULL", q, 3,
		    &revoked, NULL)) != DB_OK)
			return rc;
	}
	*changed = 1;
	(void)str_fmt(detail, sizeof(detail), "payment method %" PRId64 " removed: %s;"
	    " %" PRIu64 " consent(s) revoked", method_id, label, revoked);
	return audit_record(db, actor, "payment_method.remove", "account",
	    account_id, detail);
}

int
stripe_pay_setup_start(const struct sp *sp, int64_t account_id, const char *kind,
    const char *attempt_key, char *client_secret, size_t secretsz,
    char *setup_intent_id, size_t idsz, char *msg, size_t msgsz)
{
	struct stripe_result r;
	const char *cs, *id;
	char customer[65], key[128];
	int rc;

	client_secret[0] = setup_intent_id[0] = '\0';
	if (kind == NULL || (strcmp(kind, "card") != 0 &&
	    strcmp(kind, "us_bank_account") != 0)) {
		sp_msg(msg, msgsz, "Choose a card or a bank account.");
		return SP_INVALID;
	}
	if (!sp_attempt_key_ok(attempt_key)) {
		sp_msg(msg, msgsz, "The form is missing its attempt key. Reload the "
		    "page and try again.");
		return SP_INVALID;
	}
	if ((rc = stripe_pay_customer(sp, account_id, customer, sizeof(customer))) !=
	    SP_OK) {
		sp_msg(msg, msgsz, rc == SP_NOT_FOUND ? "The account does not exist." :
		    "Stripe did not answer. Please try again in a moment.");
		return rc;
	}
	(void)str_fmt(key, sizeof(key), "si-%" PRId64 "-%s", account_id, attempt_key);
	if (stripe_setup_intent_create(sp->stripe, customer, kind, key, &r) == -1 ||
	    (cs = stripe_json_str(&r, "client_secret")) == NULL ||
	    (id = stripe_json_str(&r, "id")) == NULL) {
		log_warn("stripe: setup intent for account %" PRId64 ": %s %s",
		    account_id, r.code, r.message);
		sp_msg(msg, msgsz, stripe_friendly_message(&r));
		stripe_result_free(&r);
		return SP_STRIPE;
	}
	(void)str_copy(client_secret, secretsz, cs);
	(void)str_copy(setup_intent_id, idsz, id);
	stripe_result_free(&r);
	return SP_OK;
}

struct record_args {
	const struct actor	*actor;
	int64_t			 account_id;
	struct json_object	*pm;
	int64_t			 id;
};

static int
record_tx(struct db *db, void *arg)
{
	struct record_args *a = arg;

	return sp_method_record(db, a->actor, a->account_id, a->pm, &a->id);
}

int
stripe_pay_setup_complete(const struct sp *sp, int64_t account_id,
    const char *setup_intent_id, int64_t *method_id, char *msg, size_t msgsz)
{
	struct stripe_result r, pr;
	struct record_args a;
	struct json_object *pm;
	const char *st, *cus, *pm_id;
	char customer[65];
	int rc = SP_STRIPE;

	*method_id = 0;
	stripe_result_init(&pr);
	if (customer_lookup(sp->db, account_id, customer, sizeof(customer)) != DB_OK)
		return SP_DB;
	if (customer[0] == '\0') {
		sp_msg(msg, msgsz, "That setup is not for this account.");
		return SP_NOT_FOUND;
	}
	if (sp_stripe_retrieve(sp, "setup_intents", setup_intent_id, &r) == -1) {
		sp_msg(msg, msgsz, r.status == STRIPE_ERR_USAGE || r.http_status == 404 ?
		    "That setup is not for this account." : stripe_friendly_message(&r));
		rc = r.status == STRIPE_ERR_USAGE || r.http_status == 404 ?
		    SP_NOT_FOUND : SP_STRIPE;
		goto out;
	}
	st = stripe_json_str(&r, "status");
	cus = stripe_json_str(&r, "customer");
	if (cus == NULL || strcmp(cus, customer) != 0) {
		sp_msg(msg, msgsz, "That setup is not for this account.");
		rc = SP_NOT_FOUND;
		goto out;
	}
	if (st == NULL || strcmp(st, "succeeded") != 0) {
		const char *t = stripe_json_str(&r, "last_setup_error.type");
		const char *c = stripe_json_str(&r, "last_setup_error.code");
		const char *d = stripe_json_str(&r, "last_setup_error.decline_code");
		sp_msg(msg, msgsz, c || d ? stripe_reason_message(
		    stripe_reason_from_codes(t, c, d)) : st != NULL &&
		    strcmp(st, "processing") == 0 ? "The bank account is being "
		    "verified; it appears here when the bank confirms it." :
		    "The payment method was not confirmed. Please try again.");
		goto out;
	}
	pm = stripe_obj_get(r.json, "payment_method");
	if (pm != NULL && !json_object_is_type(pm, json_type_object)) {
		pm_id = json_object_get_string(pm);
		if (sp_stripe_retrieve(sp, "payment_methods", pm_id, &pr) == -1) {
			sp_msg(msg, msgsz, stripe_friendly_message(&pr));
			goto out;
		}
		pm = pr.json;
	}
	if (pm == NULL) {
		sp_msg(msg, msgsz, "Stripe did not return the payment method.");
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.actor = sp->actor;
	a.account_id = account_id;
	a.pm = pm;
	if (db_tx(sp->db, record_tx, &a) != DB_OK) {
		rc = SP_DB;
		goto out;
	}
	if (a.id == 0) {
		sp_msg(msg, msgsz, "That kind of payment method is not supported.");
		rc = SP_INVALID;
		goto out;
	}
	*method_id = a.id;
	rc = SP_OK;
out:
	stripe_result_free(&pr);
	stripe_result_free(&r);
	return rc;
}

struct default_args {
	const struct actor	*actor;
	int64_t			 account_id;
	int64_t			 method_id;
	int			 found;
};

static int
default_tx(struct db *db, void *arg)
{
	struct default_args *a = arg;
	struct db_param p[] = { DB_I64(a->method_id), DB_I64(a->account_id) };
	struct db_result r;
	char detail[100];
	int rc;

	rc = db_query(db, "SELECT id FROM payment_methods WHERE account_id = ?"
	    " AND status = 'active' ORDER BY id FOR UPDATE", p + 1, 1, &r);
	db_result_free(&r);
	if (rc != DB_OK)
		return rc;
	rc = db_query(db, "SELECT id FROM payment_methods WHERE id = ?"
	    " AND account_id = ? AND status = 'active'", p, 2, &r);
	a->found = rc == DB_OK && r.nrows == 1;
	db_result_free(&r);
	if (rc != DB_OK || !a->found)
		return rc;
	if ((rc = db_exec(db, "UPDATE payment_methods SET is_default = (id = ?)"
	    " WHERE account_id = ? AND status = 'active'", p, 2, NULL, NULL)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "payment method %" PRId64
	    " is the default", a->method_id);
	return audit_record(db, a->actor, "payment_method.default", "account",
	    a->account_id, detail);
}

int
stripe_pay_method_default(const struct sp *sp, int64_t account_id,
    int64_t method_id, char *msg, size_t msgsz)
{
	struct default_args a;
	struct sp_method m;
	struct stripe_result r;
	struct kvlist l;
	char customer[65], path[128], key[96], nonce[24];
	int rc;

	rc = stripe_pay_method_get(sp->db, method_id, &m);
	if (rc == SP_OK && (m.account_id != account_id || strcmp(m.status, "active")))
		rc = SP_NOT_FOUND;
	if (rc != SP_OK) {
		sp_msg(msg, msgsz, "That payment method is not on this account.");
		return rc;
	}
	if (stripe_pay_customer(sp, account_id, customer, sizeof(customer)) != SP_OK ||
	    str_fmt(path, sizeof(path), "/v1/customers/%s", customer) == -1) {
		sp_msg(msg, msgsz, "Stripe did not answer. Please try again.");
		return SP_STRIPE;
	}
	/* Each change is a new request (A, B, then A again must reach Stripe). */
	if (crypto_token(nonce, sizeof(nonce), 12) == -1)
		return SP_DB;
	(void)str_fmt(key, sizeof(key), "cus-default-%" PRId64 "-%s", method_id, nonce);
	kvlist_init(&l);
	if (kvlist_add(&l, "invoice_settings[default_payment_method]",
	    m.stripe_pm_id) == -1) {
		kvlist_free(&l);
		return SP_DB;
	}
	rc = stripe_post(sp->stripe, path, &l, key, &r);
	kvlist_free(&l);
	if (rc == -1) {
		log_warn("stripe: default method %s: %s %s", m.stripe_pm_id, r.code,
		    r.message);
		sp_msg(msg, msgsz, stripe_friendly_message(&r));
		stripe_result_free(&r);
		return SP_STRIPE;
	}
	stripe_result_free(&r);
	memset(&a, 0, sizeof(a));
	a.actor = sp->actor;
	a.account_id = account_id;
	a.method_id = method_id;
	if (db_tx(sp->db, default_tx, &a) != DB_OK)
		return SP_DB;
	return a.found ? SP_OK : SP_NOT_FOUND;
}

struct remove_args {
	const struct actor	*actor;
	int64_t			 method_id;
	int			 changed;
};

static int
remove_tx(struct db *db, void *arg)
{
	struct remove_args *a = arg;

	return sp_method_mark_removed(db, a->actor, a->method_id, &a->changed);
}

int
stripe_pay_method_remove(const struct sp *sp, int64_t account_id,
    int64_t method_id, char *msg, size_t msgsz)
{
	struct remove_args a;
	struct sp_method m;
	struct stripe_result r;
	char key[48];
	int rc;

	rc = stripe_pay_method_get(sp->db, method_id, &m);
	if (rc == SP_OK && (m.account_id != account_id || strcmp(m.status, "active")))
		rc = SP_NOT_FOUND;
	if (rc != SP_OK) {
		sp_msg(msg, msgsz, "That payment method is not on this account.");
		return rc;
	}
	(void)str_fmt(key, sizeof(key), "pm-detach-%" PRId64, method_id);
	if (stripe_payment_method_detach(sp->stripe, m.stripe_pm_id, key, &r) == -1 &&
	    !(r.status == STRIPE_ERR_API && (r.http_status == 404 ||
	    strcmp(r.code, "resource_missing") == 0 ||
	    strcmp(r.code, "payment_method_not_attached") == 0 ||
	    strstr(r.message, "not attached") != NULL))) {
		log_warn("stripe: detach %s: %s %s", m.stripe_pm_id, r.code, r.message);
		sp_msg(msg, msgsz, stripe_friendly_message(&r));
		stripe_result_free(&r);
		return SP_STRIPE;
	}
	stripe_result_free(&r);
	memset(&a, 0, sizeof(a));
	a.actor = sp->actor;
	a.method_id = method_id;
	return db_tx(sp->db, remove_tx, &a) == DB_OK ? SP_OK : SP_DB;
}

/* --- helpers shared with the other stripe_pay files -------------------------- */

void
sp_utf8_cut(char *dst, size_t dstsz, const char *s)
{
	size_t n = strlen(s);

	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}
