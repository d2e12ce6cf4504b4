/* Authorization-to-charge consents: recorded with the text the client
 * agreed to (composed here from the terms), emailed to the account, kept
 * for the record when revoked or when the method is removed, and checked
 * before every off-session charge: each scope covers exactly its purpose
 * (see stripe_pay.h). */
#include "common.h"

#include <ctype.h>

#include "billing_conv.h"
#include "branding.h"
#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "i18n.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "notice.h"
#include "profiles.h"
#include "store_method.h"
#include "store_payment.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"

/* --- recording ------------------------------------------------------------------ */

int
sp_consent_check(const struct sp_consent_req *q, char *msg, size_t msgsz)
{
	enum sp_scope s = sp_scope_of(q->scope);

	if (s == SP_SCOPE__MAX) {
		sp_msg(msg, msgsz, "Choose what the client authorizes.");
		return -1;
	}
	if (q->max_amount < 0 || q->max_amount > SP_AMOUNT_MAX ||
	    (s == SP_SCOPE_UP_TO_AMOUNT && q->max_amount == 0)) {
		sp_msg(msg, msgsz, "Enter the maximum amount the client authorizes.");
		return -1;
	}
	if (q->plan_id < 0 || (q->plan_id != 0 && s != SP_SCOPE_PAYMENT_PLAN)) {
		sp_msg(msg, msgsz, "Only a payment plan authorization names a plan.");
		return -1;
	}
	if (q->text_version == NULL || *q->text_version == '\0' ||
	    strlen(q->text_version) > 32) {
		sp_msg(msg, msgsz, "The consent text version is missing.");
		return -1;
	}
	if (q->signer_name == NULL || *q->signer_name == '\0' ||
	    strlen(q->signer_name) > 200) {
		sp_msg(msg, msgsz, "Type the signer's full name (up to 200 characters).");
		return -1;
	}
	if (q->ip != NULL && strlen(q->ip) > 64) {
		sp_msg(msg, msgsz, "The address is too long.");
		return -1;
	}
	return 0;
}

/* The message catalogs the stored authorization text is composed from
 * (consent.*: the words the signer was shown, in their language): one set
 * per process, opened on first use (workers and job runners are
 * single-threaded processes). */
static struct i18n *
consent_catalogs(const struct config *cfg)
{
	static struct i18n *cats;

	if (cats == NULL)
		cats = i18n_open(cfg->templates_dir);
	return cats;
}

/* The copy of the consent for the account's address, queued in the
 * caller's transaction (mail_id recorded on the consent): a notice the
 * mailer renders from the consent as recorded. No address: nothing
 * (logged). db_status. */
static int
consent_mail(struct db *db, const struct config *cfg, int64_t consent_id,
    const struct sp_consent_req *q)
{
	struct account a;
	struct notice n;
	int64_t mail_id = 0;
	int rc;

	if ((rc = account_get(db, q->account_id, &a)) != PROF_OK)
		return rc == PROF_NOT_FOUND ? DB_OK : DB_ERR;
	if (a.email[0] == '\0')
		return DB_OK;	/* no address: the print view is the copy */
	notice_init(&n, NOTICE_CONSENT, a.email, a.language, a.id, "consent",
	    consent_id);
	notice_fact_i64(&n, "signed_at", clock_now());
	rc = notice_enqueue(db, cfg, &n, &mail_id);
	if (rc == NOTICE_INVALID) {
		log_warn("consent %" PRId64 ": address %s refused; no copy sent",
		    consent_id, a.email);
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	return store_method_consent_mailed(db, consent_id, mail_id);
}

/* Inserts the row with its text; *id = 0 when the method is not an active
 * method of the account. */
static int
consent_row(struct db *db, const struct config *cfg, const struct sp_consent_req *q,
    char *label, size_t labelsz, char *text, size_t textsz, int64_t *id)
{
	struct sp_consent_terms t;
	struct branding org;
	struct account acct;
	struct store_method m;
	char ua[256];
	int rc;

	*id = 0;
	rc = store_method_lock_usable(db, q->payment_method_id, q->account_id, &m);
	if (rc != 1)
		return rc < 0 ? rc : DB_OK;
	memset(&t, 0, sizeof(t));
	t.org = cfg ? cfg->org_name : NULL;
	/* the name the client was shown (Settings > Branding) */
	if (branding_get(db, &org) == BRAND_OK && org.org_name[0])
		t.org = org.org_name;
	t.kind = m.kind;
	t.brand = m.brand;
	t.last4 = m.last4;
	/* In the language the signer was shown: the client's pages follow the
	 * account's language, staff pages are English. */
	if (cfg != NULL && (t.i18n = consent_catalogs(cfg)) != NULL) {
		t.lang = "en";
		if (q->recorded_by == 0 && account_get(db, q->account_id, &acct) ==
		    PROF_OK && account_language_ok(acct.language))
			t.lang = acct.language;
	}
	/* Frozen with the consent: "Visa card ending 4242". */
	if (t.i18n == NULL || sp_consent_label_lang(&t,
	    sp_consent_brand_name(&t), label, labelsz) == -1) {
		sp_consent_method_phrase(&t, label, labelsz);
		memmove(label, label + 3, strlen(label + 3) + 1);	/* "my " */
		label[0] = (char)toupper((unsigned char)label[0]);
	}
	t.scope = q->scope;
	t.max_amount = q->max_amount;
	t.plan_id = q->plan_id;
	t.signer = q->signer_name;
	if (stripe_pay_consent_text(&t, text, textsz) == -1)
		return DB_ERR;
	sp_utf8_cut(ua, sizeof(ua), q->user_agent ? q->user_agent : "");
	{
		struct store_consent_new c = { q->account_id, q->payment_method_id,
		    q->scope, q->max_amount, q->plan_id, q->text_version,
		    q->signer_name, clock_now(), q->ip, ua, q->recorded_by, text,
		    label };
		return store_method_consent_insert(db, &c, id);
	}
}

int
sp_consent_insert(struct db *db, const struct actor *actor, const struct config *cfg,
    const struct sp_consent_req *q, int64_t *consent_id, const char *why)
{
	char label[100], detail[500], max[32] = "", text[SP_CONSENT_TEXT_MAX];
	int rc;

	if ((rc = consent_row(db, cfg, q, label, sizeof(label), text, sizeof(text),
	    consent_id)) != DB_OK || *consent_id == 0)
		return rc;
	if (q->max_amount > 0)
		(void)str_fmt(max, sizeof(max), " up to %" PRId64 " cents",
		    q->max_amount);
	(void)str_fmt(detail, sizeof(detail), "consent %" PRId64 ": %s%s for %s,"
	    " signed by %s (text %s, %s)%s", *consent_id, q->scope, max, label,
	    q->signer_name, q->text_version, q->recorded_by ? "recorded by staff" :
	    "portal", why ? why : "");
	if ((rc = audit_record(db, actor, "consent.record", "account",
	    q->account_id, detail)) != DB_OK)
		return rc;
	return cfg != NULL ? consent_mail(db, cfg, *consent_id, q) :
	    DB_OK;
}

struct consent_args {
	const struct actor		*actor;
	const struct config		*cfg;
	const struct sp_consent_req	*q;
	int64_t				 payment_id;	/* consent_for_payment */
	int64_t				 id;
	int				 st;
};

static int
consent_tx(struct db *db, void *arg)
{
	struct consent_args *a = arg;
	int rc = sp_consent_insert(db, a->actor, a->cfg, a->q, &a->id, NULL);

	if (rc == DB_OK && a->id == 0) {
		a->st = SP_NOT_FOUND;
		return DB_ERR;
	}
	return rc;
}

/* Checks q, then records it by fn in one transaction (payment_id for
 * fn's use); not_found: the message when fn finds nothing to record on. */
static int
consent_run(const struct sp *sp, int (*fn)(struct db *, void *),
    int64_t payment_id, const struct sp_consent_req *q, int64_t *consent_id,
    const char *not_found, char *msg, size_t msgsz)
{
	struct consent_args a;

	*consent_id = 0;
	if (sp_consent_check(q, msg, msgsz) == -1)
		return SP_INVALID;
	memset(&a, 0, sizeof(a));
	a.actor = sp->actor;
	a.cfg = sp->cfg;
	a.q = q;
	a.payment_id = payment_id;
	if (db_tx(sp->db, fn, &a) != DB_OK) {
		if (a.st == SP_NOT_FOUND)
			sp_msg(msg, msgsz, not_found);
		return a.st > 0 ? a.st : SP_DB;
	}
	*consent_id = a.id;
	return SP_OK;
}

int
stripe_pay_consent_record(const struct sp *sp, const struct sp_consent_req *q,
    int64_t *consent_id, char *msg, size_t msgsz)
{
	return consent_run(sp, consent_tx, 0, q, consent_id,
	    "That payment method is not on this account.", msg, msgsz);
}

/* Records the consent stored on a payment row for the method it saved
 * (inside the settling transaction; the row is locked). Nothing when the
 * row has no consent or has recorded it already, or the method is not
 * active (logged: the payment still settles). db_status. */
int
sp_payment_consent(struct db *db, const struct actor *actor,
    const struct config *cfg, struct sp_payment *row, int64_t method_id)
{
	struct sp_consent_req q;
	char why[64];
	int64_t id = 0;
	int rc;

	if (row->consent_signer[0] == '\0' || row->consent_id != 0 ||
	    method_id == 0)
		return DB_OK;
	memset(&q, 0, sizeof(q));
	q.account_id = row->account_id;
	q.payment_method_id = method_id;
	q.scope = row->consent_scope[0] ? row->consent_scope : "any_balance";
	q.max_amount = row->consent_max_amount;
	q.text_version = row->consent_text_version;
	q.signer_name = row->consent_signer;
	q.ip = row->consent_ip;
	q.user_agent = row->consent_user_agent;
	q.recorded_by = row->consent_recorded_by;
	(void)str_fmt(why, sizeof(why), ", given with payment %" PRId64, row->id);
	if ((rc = sp_consent_insert(db, actor, cfg, &q, &id, why)) != DB_OK)
		return rc;
	if (id == 0) {
		log_warn("payment %" PRId64 ": method %" PRId64 " is not active;"
		    " its consent was not recorded", row->id, method_id);
		return DB_OK;
	}
	if ((rc = store_payment_set_consent(db, row->id, id)) != DB_OK)
		return rc;
	row->consent_id = id;
	return DB_OK;
}

static int
consent_payment_tx(struct db *db, void *arg)
{
	struct consent_args *a = arg;
	struct sp_consent_req q = *a->q;
	struct sp_payment row;
	char why[64];
	int found = 0, rc;

	a->id = 0;
	if ((rc = sp_payment_lock(db, a->payment_id, &row, &found)) != DB_OK)
		return rc;
	if (!found || !row.save_method || row.payment_method_id == 0 ||
	    strcmp(row.status, "succeeded") != 0) {
		a->st = SP_NOT_FOUND;
		return DB_ERR;
	}
	if (row.consent_id != 0) {	/* recorded before: once per payment */
		a->id = row.consent_id;
		return DB_OK;
	}
	q.account_id = row.account_id;
	q.payment_method_id = row.payment_method_id;
	(void)str_fmt(why, sizeof(why), ", given with payment %" PRId64, row.id);
	if ((rc = sp_consent_insert(db, a->actor, a->cfg, &q, &a->id, why)) != DB_OK)
		return rc;
	if (a->id == 0) {
		a->st = SP_NOT_FOUND;
		return DB_ERR;
	}
	return store_payment_set_consent(db, row.id, a->id);
}

int
stripe_pay_consent_for_payment(const struct sp *sp, int64_t payment_id,
    const struct sp_consent_req *q, int64_t *consent_id, char *msg,
    size_t msgsz)
{
	return consent_run(sp, consent_payment_tx, payment_id, q, consent_id,
	    "No payment method was saved with this payment.", msg, msgsz);
}

/* --- revoking, reading ------------------------------------------------------- */

struct revoke_args {
	const struct actor	*actor;
	int64_t			 account_id;
	int64_t			 consent_id;
	int64_t			 revoked_by;
	int			 found;
};

static int
revoke_tx(struct db *db, void *arg)
{
	struct revoke_args *a = arg;
	char detail[100];
	int rc;

	rc = store_method_consent_lock_open(db, a->consent_id, a->account_id);
	a->found = rc == 1;
	if (rc != 1)
		return rc < 0 ? rc : DB_OK;
	if ((rc = store_method_consent_revoke(db, a->consent_id, clock_now(),
	    a->revoked_by)) != DB_OK)
		return rc;
	(void)str_fmt(detail, sizeof(detail), "consent %" PRId64 " revoked",
	    a->consent_id);
	return audit_record(db, a->actor, "consent.revoke", "account",
	    a->account_id, detail);
}

int
stripe_pay_consent_revoke(const struct sp *sp, int64_t account_id,
    int64_t consent_id, int64_t revoked_by)
{
	struct revoke_args a = { sp->actor, account_id, consent_id, revoked_by, 0 };

	if (db_tx(sp->db, revoke_tx, &a) != DB_OK)
		return SP_DB;
	return a.found ? SP_OK : SP_NOT_FOUND;
}

static void
consent_from_store(const struct store_consent *r, struct sp_consent *c)
{
	memset(c, 0, sizeof(*c));
	c->id = r->id;
	c->account_id = r->account_id;
	c->payment_method_id = r->payment_method_id;
	(void)str_copy(c->method_kind, sizeof(c->method_kind), r->method_kind);
	/* The label frozen at signing; rows from before 0009 get today's. */
	if (r->method_label[0])
		(void)str_copy(c->method_label, sizeof(c->method_label),
		    r->method_label);
	else
		sp_method_label(r->method_kind, r->method_brand, r->method_last4,
		    c->method_label, sizeof(c->method_label));
	(void)str_copy(c->scope, sizeof(c->scope), r->scope);
	c->max_amount = r->max_amount;
	c->plan_id = r->plan_id;
	(void)str_copy(c->text_version, sizeof(c->text_version), r->text_version);
	(void)str_copy(c->signer_name, sizeof(c->signer_name), r->signer_name);
	c->signed_at = r->signed_at;
	(void)str_copy(c->ip, sizeof(c->ip), r->ip);
	(void)str_copy(c->user_agent, sizeof(c->user_agent), r->user_agent);
	c->recorded_by = r->recorded_by;
	c->revoked_at = r->revoked_at;
	c->revoked_by = r->revoked_by;
	c->method_removed = r->method_removed;
	c->mail_id = r->mail_id;
	sp_utf8_cut(c->auth_text, sizeof(c->auth_text), r->auth_text);
}

int
stripe_pay_consents(struct db *db, int64_t account_id, int with_revoked,
    struct sp_consent **out, size_t *n)
{
	struct store_consent *rows = NULL;
	size_t nrows = 0;

	*out = NULL;
	*n = 0;
	if (store_method_consent_list(db, account_id, with_revoked, &rows,
	    &nrows) != DB_OK)
		return SP_DB;
	return sp_consents_from_store(rows, nrows, out, n);
}

int
sp_consents_from_store(struct store_consent *rows, size_t nrows,
    struct sp_consent **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (nrows > 0 && (*out = calloc(nrows, sizeof(**out))) == NULL) {
		free(rows);
		return SP_DB;
	}
	for (size_t i = 0; i < nrows; i++)
		consent_from_store(&rows[i], &(*out)[i]);
	*n = nrows;
	free(rows);
	return SP_OK;
}

int
stripe_pay_consent_get(struct db *db, int64_t account_id, int64_t consent_id,
    struct sp_consent *out)
{
	struct store_consent *row;
	int rc;

	if ((row = malloc(sizeof(*row))) == NULL)
		return SP_DB;
	rc = store_method_consent_get(db, consent_id, account_id, row);
	if (rc == 1)
		consent_from_store(row, out);
	free(row);
	return rc < 0 ? SP_DB : rc == 1 ? SP_OK : SP_NOT_FOUND;
}

/* --- does a consent cover this charge? ---------------------------------------- */

int
sp_balance_due_chargeable(struct db *db, int64_t account_id, int64_t *out)
{
	struct balance b;
	int rc;

	int64_t held = 0;

	/* Money reserved by attempts in flight (pending, requires_action,
	 * processing) is no longer due to anyone else: the caller checks
	 * before its own attempt reserves anything. */
	*out = 0;
	if ((rc = ledger_balance_account(db, account_id, &b)) != DB_OK)
		return rc;
	if (stripe_pay_reserved(db, account_id, 0, &held, NULL) != SP_OK)
		return DB_ERR;
	b.balance -= held;
	*out = b.balance > 0 ? b.balance : 0;
	return DB_OK;
}

/* Whether consent row i covers the charge (plan_id 0: an ordinary
 * charge); *why gets the reason when it does not. 1 / 0 / SP_DB. */
static int
consent_row_covers(struct db *db, const struct store_consent *c,
    int64_t plan_id, int64_t amount, char *why, size_t whysz)
{
	enum sp_scope s = sp_scope_of(c->scope);
	int64_t max = c->max_amount, cplan = c->plan_id;
	int64_t account_id = c->account_id, due = 0;
	char m1[MONEY_FMT_MAX], m2[MONEY_FMT_MAX];

	(void)money_format(amount, m1, sizeof(m1));
	switch (s) {
	case SP_SCOPE_PAYMENT_PLAN:
		if (plan_id == 0 || cplan != plan_id) {
			(void)str_copy(why, whysz, plan_id == 0 ? "it covers payment "
			    "plan installments only, not other charges" : "it is for "
			    "another payment plan");
			return 0;
		}
		/* FALLTHROUGH */
	case SP_SCOPE_UP_TO_AMOUNT:
		if (max > 0 && amount > max) {
			(void)money_format(max, m2, sizeof(m2));
			(void)str_fmt(why, whysz, "it covers up to %s per charge; this "
			    "charge is %s", m2, m1);
			return 0;
		}
		if (max > 0 || s == SP_SCOPE_PAYMENT_PLAN)
			return 1;
		(void)str_copy(why, whysz, "it has no maximum amount");
		return 0;
	case SP_SCOPE_ANY_BALANCE:
		if (plan_id != 0) {
			(void)str_copy(why, whysz, "it covers the balance due, not plan "
			    "installments");
			return 0;
		}
		if (sp_balance_due_chargeable(db, account_id, &due) != DB_OK)
			return SP_DB;
		if (amount <= due)
			return 1;
		(void)money_format(due, m2, sizeof(m2));
		(void)str_fmt(why, whysz, "it covers up to the balance due (%s); this "
		    "charge is %s", m2, m1);
		return 0;
	default:
		(void)str_copy(why, whysz, "its scope is unknown");
		return 0;
	}
}

static int
covers(struct db *db, int64_t method_id, int64_t plan_id, int64_t amount,
    char *why, size_t whysz)
{
	struct store_consent *c = NULL;
	char reason[200] = "", other[200], label[100] = "";
	size_t n = 0;
	int ok = 0;

	sp_msg(why, whysz, "");
	if (amount <= 0) {
		sp_msg(why, whysz, "The amount must be more than $0.00.");
		return 0;
	}
	if (store_method_consents_active(db, method_id, &c, &n) != DB_OK)
		return SP_DB;
	for (size_t i = 0; i < n && ok == 0; i++) {
		/* The newest consent's reason is the one told. */
		ok = consent_row_covers(db, &c[i], plan_id, amount, i == 0 ? reason :
		    other, sizeof(reason));
		if (i == 0)
			sp_method_label(c[0].method_kind, c[0].method_brand,
			    c[0].method_last4, label, sizeof(label));
	}
	if (ok == 0 && n == 0)
		sp_msg(why, whysz, "There is no active authorization to charge this "
		    "payment method. Record the client's consent first.");
	else if (ok == 0 && why != NULL)
		(void)str_fmt(why, whysz, "The client's authorization for %s does not "
		    "cover this charge: %s.%s", label, reason, n > 1 ?
		    " No other active authorization on it does either." : "");
	free(c);
	return ok;
}

int
stripe_pay_consent_covers(struct db *db, int64_t method_id, int64_t amount,
    char *why, size_t whysz)
{
	return covers(db, method_id, 0, amount, why, whysz);
}

int
stripe_pay_consent_covers_installment(struct db *db, int64_t method_id,
    int64_t plan_id, int64_t amount, char *why, size_t whysz)
{
	if (plan_id <= 0) {
		sp_msg(why, whysz, "No payment plan named.");
		return 0;
	}
	return covers(db, method_id, plan_id, amount, why, whysz);
}

int
stripe_pay_consent_active(struct db *db, int64_t method_id)
{
	int64_t n = 0;

	if (store_method_consents_count(db, method_id, &n) != DB_OK)
		return SP_DB;
	return n > 0;
}
