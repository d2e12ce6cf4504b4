/* Stripe customers and saved payment methods (SetupIntents). The
 * authorization-to-charge consents that go with them are in
 * stripe_pay_consent.c. */
#include "common.h"

#include "audit.h"
#include "billing_conv.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "ledger.h"
#include "log.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "gateway.h"
#include "store_method.h"

/* --- customers -------------------------------------------------------------- */

static int
customer_lookup(struct db *db, int64_t account_id, char *out, size_t outsz)
{
	return store_method_customer_get(db, account_id, out, outsz);
}

int
sp_customer_account(struct db *db, const char *customer, int64_t *account_id)
{
	return store_method_customer_account(db, customer, account_id);
}

int
stripe_pay_customer(const struct sp *sp, int64_t account_id, char *customer,
    size_t customersz)
{
	struct stripe_customer cus;
	struct stripe_error err;
	char key[48], name[201];
	int rc;

	if (customer_lookup(sp->db, account_id, customer, customersz) != DB_OK)
		return SP_DB;
	if (customer[0] != '\0')
		return SP_OK;
	rc = store_method_account_name(sp->db, account_id, name, sizeof(name));
	if (rc != 1)
		return rc < 0 ? SP_DB : SP_NOT_FOUND;
	/* Only the name and our id: the same key must carry the same params. */
	(void)str_fmt(key, sizeof(key), "cus-acct-%" PRId64, account_id);
	if (gateway_customer_create(sp->stripe, name, account_id, key, &cus,
	    &err) == -1) {
		log_warn("stripe: customer for account %" PRId64 ": %s %s",
		    account_id, err.code, err.message);
		return SP_STRIPE;
	}
	/* Concurrent first uses get the same customer (same key). */
	rc = store_method_customer_insert(sp->db, account_id, cus.id, clock_now());
	if (rc != DB_OK && rc != DB_DUP)
		return SP_DB;
	if (customer_lookup(sp->db, account_id, customer, customersz) != DB_OK ||
	    customer[0] == '\0')
		return SP_DB;
	return SP_OK;
}

/* --- payment methods ---------------------------------------------------------- */

static void
method_from_store(const struct store_method *r, struct sp_method *m)
{
	memset(m, 0, sizeof(*m));
	m->id = r->id;
	m->account_id = r->account_id;
	(void)str_copy(m->stripe_pm_id, sizeof(m->stripe_pm_id), r->stripe_pm_id);
	(void)str_copy(m->kind, sizeof(m->kind), r->kind);
	(void)str_copy(m->brand, sizeof(m->brand), r->brand);
	(void)str_copy(m->last4, sizeof(m->last4), r->last4);
	m->exp_month = r->exp_month;
	m->exp_year = r->exp_year;
	m->is_default = r->is_default;
	(void)str_copy(m->status, sizeof(m->status), r->status);
	m->created_at = r->created_at;
	m->removed_at = r->removed_at;
}

int
stripe_pay_method_get(struct db *db, int64_t method_id, struct sp_method *m)
{
	struct store_method r;
	int rc = store_method_get(db, method_id, &r);

	if (rc == 1)
		method_from_store(&r, m);
	return rc < 0 ? SP_DB : rc == 1 ? SP_OK : SP_NOT_FOUND;
}

int
stripe_pay_methods(struct db *db, int64_t account_id, struct sp_method **out,
    size_t *n)
{
	struct store_method *rows = NULL;
	size_t nrows = 0;

	*out = NULL;
	*n = 0;
	if (store_method_list_active(db, account_id, &rows, &nrows) != DB_OK)
		return SP_DB;
	return sp_methods_from_store(rows, nrows, out, n);
}

int
sp_methods_from_store(struct store_method *rows, size_t nrows,
    struct sp_method **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (nrows > 0 && (*out = calloc(nrows, sizeof(**out))) == NULL) {
		free(rows);
		return SP_DB;
	}
	for (size_t i = 0; i < nrows; i++)
		method_from_store(&rows[i], &(*out)[i]);
	*n = nrows;
	free(rows);
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
    const struct stripe_payment_method *pm, int64_t *id)
{
	const char *pm_id = pm->id;
	const char *type = pm->type;
	const char *brand = NULL, *last4 = NULL;
	int64_t em = 0, ey = 0, defaults = 1;
	char label[80], detail[200];
	struct store_method m;
	int card, rc, inserted = 0;

	*id = 0;
	if (pm_id[0] == '\0' || type[0] == '\0')
		return DB_OK;
	card = strcmp(type, "card") == 0;
	if (card) {
		brand = pm->card.brand;
		last4 = pm->card.last4;
		em = pm->card.exp_month;
		ey = pm->card.exp_year;
	} else if (strcmp(type, "us_bank_account") == 0) {
		brand = pm->us_bank_account.bank_name;
		last4 = pm->us_bank_account.last4;
	} else
		return DB_OK;
	if (strlen(last4) != 4)
		last4 = "";
	if ((rc = store_method_count_defaults(db, account_id, &defaults)) != DB_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.account_id = account_id;
	(void)str_copy(m.stripe_pm_id, sizeof(m.stripe_pm_id), pm_id);
	(void)str_copy(m.kind, sizeof(m.kind), card ? "card" : "us_bank_account");
	(void)str_copy(m.brand, sizeof(m.brand), brand);
	(void)str_copy(m.last4, sizeof(m.last4), last4);
	m.exp_month = em > 0 && em <= 12 ? (int)em : 0;
	m.exp_year = ey > 0 && ey < 10000 ? (int)ey : 0;
	m.is_default = defaults == 0;
	/* A method already recorded (webhook and page both saw it) keeps its
	 * row and its id. */
	if ((rc = store_method_insert(db, &m, clock_now(), id, &inserted)) != DB_OK)
		return rc;
	if (!inserted)
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
	struct store_method m;
	int64_t now = clock_now();
	uint64_t revoked = 0;
	char detail[200], label[80];
	int rc;

	*changed = 0;
	rc = store_method_lock(db, method_id, &m);
	if (rc != 1 || strcmp(m.status, "active") != 0)
		return rc < 0 ? rc : DB_OK;
	sp_method_label(m.kind, m.brand, m.last4, label, sizeof(label));
	if ((rc = store_method_remove(db, method_id, now)) != DB_OK ||
	    (rc = store_method_consents_revoke(db, method_id, now,
	    sp_staff_id(actor), &revoked)) != DB_OK)
		return rc;
	*changed = 1;
	(void)str_fmt(detail, sizeof(detail), "payment method %" PRId64 " removed: %s;"
	    " %" PRIu64 " consent(s) revoked", method_id, label, revoked);
	return audit_record(db, actor, "payment_method.remove", "account",
	    m.account_id, detail);
}

int
stripe_pay_setup_start(const struct sp *sp, int64_t account_id, const char *kind,
    const char *attempt_key, char *client_secret, size_t secretsz,
    char *setup_intent_id, size_t idsz, char *msg, size_t msgsz)
{
	struct stripe_setup_intent si;
	struct stripe_error err;
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
	if (gateway_setup_create(sp->stripe, customer, kind, key, &si, &err) == -1 ||
	    si.client_secret[0] == '\0') {
		log_warn("stripe: setup intent for account %" PRId64 ": %s %s",
		    account_id, err.code, err.message);
		sp_msg(msg, msgsz, err.status ? stripe_error_friendly(&err) :
		    stripe_reason_message(STRIPE_REASON_GENERIC));
		return SP_STRIPE;
	}
	(void)str_copy(client_secret, secretsz, si.client_secret);
	(void)str_copy(setup_intent_id, idsz, si.id);
	return SP_OK;
}

struct record_args {
	const struct actor	*actor;
	int64_t			 account_id;
	const struct stripe_payment_method *pm;
	int64_t			 id;
};

static int
record_tx(struct db *db, void *arg)
{
	struct record_args *a = arg;

	return sp_method_record(db, a->actor, a->account_id, a->pm, &a->id);
}

/* A setup that did not succeed: why, for the page. */
static const char *
setup_unfinished(const struct stripe_setup_intent *si)
{
	const struct stripe_last_error *e = &si->last_setup_error;

	if (e->code[0] || e->decline_code[0])
		return stripe_reason_message(stripe_last_error_reason(e));
	if (strcmp(si->status, "processing") == 0)
		return "The bank account is being verified; it appears here when "
		    "the bank confirms it.";
	return "The payment method was not confirmed. Please try again.";
}

/* The succeeded setup's PaymentMethod: expanded, or fetched. SP_OK /
 * SP_STRIPE (msg set). */
static int
setup_method(const struct sp *sp, const struct stripe_setup_intent *si,
    struct stripe_payment_method *pm, char *msg, size_t msgsz)
{
	struct stripe_error err;

	if (si->has_payment_method) {
		*pm = si->payment_method;
		return SP_OK;
	}
	if (si->payment_method_id[0] == '\0') {
		sp_msg(msg, msgsz, "Stripe did not return the payment method.");
		return SP_STRIPE;
	}
	if (gateway_method_retrieve(sp->stripe, si->payment_method_id, pm,
	    &err) == -1) {
		sp_msg(msg, msgsz, stripe_error_friendly(&err));
		return SP_STRIPE;
	}
	return SP_OK;
}

int
stripe_pay_setup_complete(const struct sp *sp, int64_t account_id,
    const char *setup_intent_id, int64_t *method_id, char *msg, size_t msgsz)
{
	struct stripe_setup_intent si;
	struct stripe_payment_method pm;
	struct stripe_error err;
	struct record_args a;
	char customer[65];
	int rc;

	*method_id = 0;
	if (customer_lookup(sp->db, account_id, customer, sizeof(customer)) != DB_OK)
		return SP_DB;
	if (customer[0] == '\0') {
		sp_msg(msg, msgsz, "That setup is not for this account.");
		return SP_NOT_FOUND;
	}
	if (gateway_setup_retrieve(sp->stripe, setup_intent_id, &si, &err) == -1) {
		int gone = err.status == STRIPE_ERR_USAGE || err.http_status == 404;
		sp_msg(msg, msgsz, gone ? "That setup is not for this account." :
		    stripe_error_friendly(&err));
		return gone ? SP_NOT_FOUND : SP_STRIPE;
	}
	if (strcmp(si.customer, customer) != 0) {
		sp_msg(msg, msgsz, "That setup is not for this account.");
		return SP_NOT_FOUND;
	}
	if (strcmp(si.status, "succeeded") != 0) {
		sp_msg(msg, msgsz, setup_unfinished(&si));
		return SP_STRIPE;
	}
	if ((rc = setup_method(sp, &si, &pm, msg, msgsz)) != SP_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.actor = sp->actor;
	a.account_id = account_id;
	a.pm = &pm;
	if (db_tx(sp->db, record_tx, &a) != DB_OK)
		return SP_DB;
	if (a.id == 0) {
		sp_msg(msg, msgsz, "That kind of payment method is not supported.");
		return SP_INVALID;
	}
	*method_id = a.id;
	return SP_OK;
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
	char detail[100];
	int rc;

	if ((rc = store_method_lock_active(db, a->account_id)) != DB_OK)
		return rc;
	rc = store_method_is_active(db, a->method_id, a->account_id);
	a->found = rc == 1;
	if (rc != 1)
		return rc < 0 ? rc : DB_OK;
	if ((rc = store_method_set_default(db, a->method_id,
	    a->account_id)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "payment method %" PRId64
	    " is the default", a->method_id);
	return audit_record(db, a->actor, "payment_method.default", "account",
	    a->account_id, detail);
}

/* The account's active method method_id into m: SP_OK, or SP_NOT_FOUND /
 * SP_DB with msg. */
static int
active_method(const struct sp *sp, int64_t account_id, int64_t method_id,
    struct sp_method *m, char *msg, size_t msgsz)
{
	int rc = stripe_pay_method_get(sp->db, method_id, m);

	if (rc == SP_OK && (m->account_id != account_id || strcmp(m->status, "active")))
		rc = SP_NOT_FOUND;
	if (rc != SP_OK)
		sp_msg(msg, msgsz, "That payment method is not on this account.");
	return rc;
}

int
stripe_pay_method_default(const struct sp *sp, int64_t account_id,
    int64_t method_id, char *msg, size_t msgsz)
{
	struct default_args a;
	struct sp_method m;
	struct stripe_error err;
	char customer[65], key[96], nonce[24];
	int rc;

	if ((rc = active_method(sp, account_id, method_id, &m, msg, msgsz)) != SP_OK)
		return rc;
	if (stripe_pay_customer(sp, account_id, customer, sizeof(customer)) != SP_OK) {
		sp_msg(msg, msgsz, "Stripe did not answer. Please try again.");
		return SP_STRIPE;
	}
	/* Each change is a new request (A, B, then A again must reach Stripe). */
	if (crypto_token(nonce, sizeof(nonce), 12) == -1)
		return SP_DB;
	(void)str_fmt(key, sizeof(key), "cus-default-%" PRId64 "-%s", method_id, nonce);
	if (gateway_customer_default_method(sp->stripe, customer, m.stripe_pm_id,
	    key, &err) == -1) {
		log_warn("stripe: default method %s: %s %s", m.stripe_pm_id, err.code,
		    err.message);
		sp_msg(msg, msgsz, stripe_error_friendly(&err));
		return SP_STRIPE;
	}
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
	struct stripe_error r;
	char key[48];
	int rc;

	if ((rc = active_method(sp, account_id, method_id, &m, msg, msgsz)) != SP_OK)
		return rc;
	(void)str_fmt(key, sizeof(key), "pm-detach-%" PRId64, method_id);
	if (gateway_method_detach(sp->stripe, m.stripe_pm_id, key, &r) == -1 &&
	    !(r.status == STRIPE_ERR_API && (r.http_status == 404 ||
	    strcmp(r.code, "resource_missing") == 0 ||
	    strcmp(r.code, "payment_method_not_attached") == 0 ||
	    strstr(r.message, "not attached") != NULL))) {
		log_warn("stripe: detach %s: %s %s", m.stripe_pm_id, r.code, r.message);
		sp_msg(msg, msgsz, stripe_error_friendly(&r));
		return SP_STRIPE;
	}
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
