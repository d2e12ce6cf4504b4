/* Estimates: saving versions, the canonical content and its hash, sending,
 * signing, countersigning, verification and conversion to an invoice
 * (see estimate.h). */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "estimate.h"
#include "invoice.h"
#include "log.h"
#include "notice.h"
#include "profiles.h"
#include "str.h"

/* A transaction's result as an estimate_status (database errors logged). */
static int
tx_status(struct db *db, int rc)
{
	if (rc < 0)
		log_warn("estimate: database error: %s", db_error(db));
	return rc == DB_OK ? EST_S_OK : rc > 0 ? rc : EST_S_DB;
}

/* --- canonical content ---------------------------------------------------- */

/* Text with "\", "|" and newlines escaped, so fields cannot run together. */
static void
put_esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '|')
			buf_putc(b, '\\');
		if (*s == '\n')
			buf_puts(b, "\\n");
		else if (*s != '\r')
			buf_putc(b, *s);
	}
}

static void
put_field(struct buf *b, const char *name, const char *val)
{
	buf_printf(b, "%s|", name);
	put_esc(b, val);
	buf_putc(b, '\n');
}

/* What the parties agree to; not the client's name (a corrected spelling
 * must not break the signature): the client id stands for them. */
int
estimate_canonical(const struct estimate *e, struct buf *b)
{
	const struct est_coverage *f = &e->fig;

	buf_printf(b, "estimate-v1\nroot|%" PRId64 "\nversion|%d\nclient|%" PRId64
	    "\naccount|%" PRId64 "\nbasis|%s\ncoverage|%" PRId64 "\n", e->root_id,
	    e->version, e->client_id, e->account_id, est_basis_names[e->basis],
	    e->coverage_id);
	put_field(b, "payer", e->payer_name);
	put_field(b, "member", e->member_id);
	buf_printf(b, "figures|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%"
	    PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "\n",
	    f->deductible, f->deductible_met, f->family_deductible,
	    f->family_deductible_met, f->coinsurance_bp, f->copay, f->oop_max,
	    f->oop_met, f->family_oop_max, f->family_oop_met);
	for (size_t i = 0; i < e->nlines; i++) {
		const struct estimate_line *l = &e->lines[i];
		buf_printf(b, "line|%zu|%" PRId64 "|", i + 1, l->service_id);
		put_esc(b, l->code);
		buf_putc(b, '|');
		put_esc(b, l->billing_code);
		buf_putc(b, '|');
		put_esc(b, l->diagnosis_code);
		buf_putc(b, '|');
		put_esc(b, l->description);
		buf_printf(b, "|%s|%" PRId64 "|%" PRId64 "|%d|%" PRId64 "|%" PRId64
		    "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%"
		    PRId64 "\n", l->service_date, l->c.quantity, l->c.rate,
		    l->c.copay_applies, l->c.discount_bp, l->c.allowed,
		    l->c.deductible, l->c.coinsurance, l->c.copay, l->c.discount,
		    l->c.patient, l->c.insurer);
	}
	buf_printf(b, "totals|%" PRId64 "|%" PRId64 "|%" PRId64 "\n",
	    e->totals.allowed, e->totals.patient, e->totals.insurer);
	put_field(b, "notes", e->notes);
	put_field(b, "valid_until", e->valid_until);
	buf_printf(b, "gfe|%d|%d|%s|%s\n", e->gfe, e->gfe_requested,
	    e->scheduled_on, e->gfe_due);
	put_field(b, "diagnosis", e->diagnosis_codes);
	put_field(b, "separate", e->separate_items);
	put_field(b, "provider", e->provider_name);
	put_field(b, "npi", e->provider_npi);
	put_field(b, "tin", e->provider_tin);
	put_field(b, "location", e->provider_location);
	return 0;	/* far below the buffer limit: 50 bounded lines */
}

void
estimate_hash(const struct estimate *e, char out[CRYPTO_SHA256_HEX])
{
	struct buf b;

	buf_init(&b, 1u << 20);
	estimate_canonical(e, &b);
	crypto_sha256_hex(b.data, b.len, out);
	buf_free(&b);
}

/* --- saving ---------------------------------------------------------------- */

#define CONTENT_COLS "status, basis, coverage_id, payer_name, member_id, " \
	"deductible, deductible_met, family_deductible, family_deductible_met, " \
	"coinsurance_bp, copay, oop_max, oop_met, family_oop_max, " \
	"family_oop_met, notes, valid_until, gfe, gfe_requested, scheduled_on, " \
	"gfe_due, diagnosis_codes, separate_items, provider_name, provider_npi, " \
	"provider_tin, provider_location, allowed_total, patient_total, " \
	"insurer_total, updated_at"
#define NCONTENT	31

static const char *
date_or_null(const char *s)
{
	return s[0] ? s : NULL;
}

static void
content_params(const struct estimate *e, struct db_param *p)
{
	const struct est_coverage *f = &e->fig;
	size_t k = 0;

	p[k++] = DB_STR("draft");
	p[k++] = DB_STR(est_basis_names[e->basis]);
	p[k++] = e->coverage_id ? DB_I64(e->coverage_id) : DB_NULL;
	p[k++] = DB_STR(e->payer_name);
	p[k++] = DB_STR(e->member_id);
	p[k++] = DB_I64(f->deductible);
	p[k++] = DB_I64(f->deductible_met);
	p[k++] = DB_I64(f->family_deductible);
	p[k++] = DB_I64(f->family_deductible_met);
	p[k++] = DB_I64(f->coinsurance_bp);
	p[k++] = DB_I64(f->copay);
	p[k++] = DB_I64(f->oop_max);
	p[k++] = DB_I64(f->oop_met);
	p[k++] = DB_I64(f->family_oop_max);
	p[k++] = DB_I64(f->family_oop_met);
	p[k++] = DB_STR(e->notes);
	p[k++] = DB_STRN(date_or_null(e->valid_until));
	p[k++] = DB_I64(e->gfe);
	p[k++] = DB_I64(e->gfe_requested);
	p[k++] = DB_STRN(date_or_null(e->scheduled_on));
	p[k++] = DB_STRN(date_or_null(e->gfe_due));
	p[k++] = DB_STR(e->diagnosis_codes);
	p[k++] = DB_STR(e->separate_items);
	p[k++] = DB_STR(e->provider_name);
	p[k++] = DB_STR(e->provider_npi);
	p[k++] = DB_STR(e->provider_tin);
	p[k++] = DB_STR(e->provider_location);
	p[k++] = DB_I64(e->totals.allowed);
	p[k++] = DB_I64(e->totals.patient);
	p[k++] = DB_I64(e->totals.insurer);
	p[k++] = DB_I64(clock_now());
}

static int
lines_insert(struct db *db, const struct estimate *e)
{
	int rc = DB_OK;

	for (size_t i = 0; i < e->nlines && rc == DB_OK; i++) {
		const struct estimate_line *l = &e->lines[i];
		struct db_param p[] = { DB_I64(e->id), DB_I64((int64_t)i + 1),
		    l->service_id ? DB_I64(l->service_id) : DB_NULL, DB_STR(l->code),
		    DB_STR(l->billing_code), DB_STR(l->diagnosis_code),
		    DB_STR(l->description), DB_STRN(date_or_null(l->service_date)),
		    DB_I64(l->c.quantity), DB_I64(l->c.rate),
		    DB_I64(l->c.copay_applies), DB_I64(l->c.discount_bp),
		    DB_I64(l->c.allowed), DB_I64(l->c.deductible),
		    DB_I64(l->c.coinsurance), DB_I64(l->c.copay),
		    DB_I64(l->c.discount), DB_I64(l->c.patient), DB_I64(l->c.insurer) };
		rc = db_exec(db, "INSERT INTO estimate_lines (estimate_id, position, "
		    "service_id, code, billing_code, diagnosis_code, description, "
		    "service_date, quantity, rate, copay_applies, discount_bp, "
		    "allowed, deductible, coinsurance, copay, discount, patient, "
		    "insurer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		    " ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
	}
	return rc;
}

struct save_args {
	const struct actor	*actor;
	struct estimate		*e;
	char			*msg;
	size_t			 msgsz;
};

/* The content columns of row e->id (at most 32 parameters per statement,
 * so the insert stores the keys and this update the content). */
static int
content_update(struct db *db, const struct estimate *e)
{
	struct db_param p[NCONTENT + 1];

	content_params(e, p);
	p[NCONTENT] = DB_I64(e->id);
	return db_exec(db, "UPDATE estimates SET status = ?, basis = ?, coverage_id "
	    "= ?, payer_name = ?, member_id = ?, deductible = ?, deductible_met = "
	    "?, family_deductible = ?, family_deductible_met = ?, coinsurance_bp ="
	    " ?, copay = ?, oop_max = ?, oop_met = ?, family_oop_max = ?, "
	    "family_oop_met = ?, notes = ?, valid_until = ?, gfe = ?, "
	    "gfe_requested = ?, scheduled_on = ?, gfe_due = ?, diagnosis_codes = "
	    "?, separate_items = ?, provider_name = ?, provider_npi = ?, "
	    "provider_tin = ?, provider_location = ?, allowed_total = ?, "
	    "patient_total = ?, insurer_total = ?, updated_at = ? WHERE id = ?",
	    p, ARRAY_LEN(p), NULL, NULL);
}

static int
row_insert(struct db *db, struct estimate *e, const struct actor *actor,
    int64_t root_id)
{
	int64_t now = clock_now();
	struct db_param p[] = { root_id ? DB_I64(root_id) : DB_NULL,
	    DB_I64(e->version), DB_I64(e->client_id), DB_I64(e->account_id),
	    actor->id ? DB_I64(actor->id) : DB_NULL, DB_I64(now), DB_I64(now),
	    DB_STR(est_basis_names[e->basis]) };
	uint64_t id = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO estimates (root_id, version, client_id, "
	    "account_id, created_by, created_at, updated_at, basis, notes, "
	    "separate_items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '')", p,
	    ARRAY_LEN(p), NULL, &id);
	if (rc != DB_OK)
		return rc;
	e->id = (int64_t)id;
	e->root_id = root_id ? root_id : e->id;
	if ((rc = content_update(db, e)) != DB_OK)
		return rc;
	return lines_insert(db, e);
}

static int
draft_update(struct db *db, struct estimate *e)
{
	struct db_param k[] = { DB_I64(e->id) };
	int rc;

	if ((rc = content_update(db, e)) == DB_OK)
		rc = db_exec(db, "DELETE FROM estimate_lines WHERE estimate_id = ?",
		    k, 1, NULL, NULL);
	return rc == DB_OK ? lines_insert(db, e) : rc;
}

/* A new version of a sent (or later) estimate: the old one is superseded
 * and its signatures void. */
static int
new_version(struct db *db, struct save_args *a, int64_t old_id,
    int64_t root_id, int version)
{
	struct db_param k[] = { DB_I64(clock_now()), DB_I64(old_id) };
	char detail[80];
	int rc;

	a->e->version = version + 1;
	if ((rc = row_insert(db, a->e, a->actor, root_id)) != DB_OK)
		return rc;
	if ((rc = db_exec(db, "UPDATE estimates SET status = 'superseded' WHERE "
	    "id = ?", k + 1, 1, NULL, NULL)) != DB_OK ||
	    (rc = db_exec(db, "UPDATE estimate_signatures SET voided_at = ? WHERE "
	    "estimate_id = ? AND voided_at IS NULL", k, 2, NULL, NULL)) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "version %d replaces estimate %" PRId64,
	    a->e->version, old_id);
	return audit_record(db, a->actor, "estimate.version", "estimate",
	    a->e->id, detail);
}

static int
save_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct estimate *e = a->e;
	struct db_param k[] = { DB_I64(e->id) };
	struct db_result r;
	char st[16];
	int64_t root, inv;
	int version, rc;

	if (e->id == 0) {
		e->version = 1;
		if ((rc = row_insert(db, e, a->actor, 0)) != DB_OK)
			return rc;
		return audit_record(db, a->actor, "estimate.create", "estimate",
		    e->id, est_basis_names[e->basis]);
	}
	if ((rc = db_query(db, "SELECT status, COALESCE(root_id, id), version, "
	    "COALESCE(invoice_id, -1) FROM estimates WHERE id = ? FOR UPDATE", k, 1,
	    &r)) != DB_OK || r.nrows != 1) {
		db_result_free(&r);
		return rc != DB_OK ? rc : EST_S_NOT_FOUND;
	}
	str_copy(st, sizeof(st), db_str(&r, 0, 0));
	root = db_i64(&r, 0, 1);
	version = (int)db_i64(&r, 0, 2);
	inv = db_i64(&r, 0, 3);
	db_result_free(&r);
	if (strcmp(st, "superseded") == 0 || inv >= 0) {
		str_copy(a->msg, a->msgsz, inv >= 0 ? "This estimate was converted to "
		    "an invoice; it can no longer change." : "A newer version of "
		    "this estimate exists; edit that one.");
		return EST_S_STATE;
	}
	if (strcmp(st, "draft") == 0) {
		if ((rc = draft_update(db, e)) != DB_OK)
			return rc;
		return audit_record(db, a->actor, "estimate.update", "estimate",
		    e->id, "draft edited");
	}
	return new_version(db, a, e->id, root, version);
}

int
estimate_save(struct db *db, const struct actor *actor, struct estimate *e,
    char *msg, size_t msgsz, char *field, size_t fieldsz)
{
	struct save_args a = { actor, e, msg, msgsz };
	struct client cl;
	int rc;

	if ((rc = client_get(db, e->client_id, &cl)) == PROF_DB)
		return EST_S_DB;
	if (rc != PROF_OK) {
		str_copy(msg, msgsz, "No such client.");
		str_copy(field, fieldsz, "client_id");
		return EST_S_INVALID;
	}
	e->account_id = cl.account_id;
	if ((rc = estimate_price(db, e, msg, msgsz, field, fieldsz)) != EST_S_OK)
		return rc;
	return tx_status(db, db_tx(db, save_tx, &a));
}

/* --- status changes --------------------------------------------------------- */

struct flow_args {
	const struct actor	*actor;
	int64_t			 id;
	struct estimate_sig	*sig;
	const char		*link;
	char			*msg;
	size_t			 msgsz;
};

/* Locks the estimate and loads it; its state must be one of `allowed`
 * (a bit per enum estimate_state), else EST_S_STATE with why. */
static int
lock_load(struct db *db, struct flow_args *a, unsigned allowed, const char *why,
    struct estimate *e)
{
	struct db_param k[] = { DB_I64(a->id) };
	int64_t n;
	int rc;

	if ((rc = db_query_i64(db, "SELECT id FROM estimates WHERE id = ? FOR "
	    "UPDATE", k, 1, &n)) != DB_OK)
		return rc;
	if (n == 0)
		return EST_S_NOT_FOUND;
	if ((rc = estimate_get(db, a->id, e)) != EST_S_OK)
		return rc == EST_S_DB ? DB_ERR : rc;
	if ((allowed & (1u << e->state)) == 0) {
		str_fmt(a->msg, a->msgsz, "%s (the estimate is %s).", why,
		    estimate_state_labels[e->state]);
		estimate_free(e);
		return EST_S_STATE;
	}
	return DB_OK;
}

static int
set_status(struct db *db, int64_t id, const char *st, const char *extra_col)
{
	struct db_param k[] = { DB_STR(st), DB_I64(clock_now()), DB_I64(id) };
	char sql[160];

	str_fmt(sql, sizeof(sql), "UPDATE estimates SET status = ?, %s = ? WHERE "
	    "id = ?", extra_col);
	return db_exec(db, sql, k, 3, NULL, NULL);
}

/* "Your estimate is ready", in the account's language: a notice with the
 * link and the patient's amount, rendered by the mailer. */
static int
send_mail(struct db *db, const struct estimate *e, const char *link, int64_t id)
{
	struct account acct;
	struct notice n;
	int known = account_get(db, e->account_id, &acct) == PROF_OK;

	notice_init(&n, NOTICE_ESTIMATE, e->account_email, known ?
	    acct.language : NULL, e->account_id, "estimate", id);
	notice_fact(&n, "link", link);
	notice_fact_i64(&n, "patient", e->totals.patient);
	return notice_enqueue(db, NULL, &n, NULL);	/* no token: no key */
}

static int
send_tx(struct db *db, void *arg)
{
	struct flow_args *a = arg;
	struct estimate e;
	int rc;

	if ((rc = lock_load(db, a, 1u << ES_DRAFT, "Only a draft can be sent", &e))
	    != DB_OK)
		return rc;
	rc = set_status(db, a->id, "sent", "sent_at");
	if (rc == DB_OK && a->link != NULL && e.account_email[0] != '\0')
		rc = send_mail(db, &e, a->link, a->id);
	estimate_free(&e);
	if (rc != DB_OK)
		return rc;
	return audit_record(db, a->actor, "estimate.send", "estimate", a->id, "");
}

int
estimate_send(struct db *db, const struct actor *actor, int64_t id,
    const char *link_url, char *msg, size_t msgsz)
{
	struct flow_args a = { actor, id, NULL, link_url, msg, msgsz };

	return tx_status(db, db_tx(db, send_tx, &a));
}

int
estimate_viewed(struct db *db, int64_t id)
{
	struct db_param k[] = { DB_I64(clock_now()), DB_I64(id) };

	return db_exec(db, "UPDATE estimates SET status = 'viewed', viewed_at = ? "
	    "WHERE id = ? AND status = 'sent'", k, 2, NULL, NULL) == DB_OK ?
	    EST_S_OK : EST_S_DB;
}

static int
sig_insert(struct db *db, int64_t id, const char *role, struct estimate_sig *s)
{
	struct db_param p[] = { DB_I64(id), DB_STR(role), DB_STR(s->signer_name),
	    DB_I64(s->signer_id), DB_STR(s->method), DB_STRN(s->png),
	    DB_STRN(s->path), DB_STR(s->content_hash), DB_I64(s->signed_at),
	    DB_STR(s->ip), DB_STR(s->user_agent) };

	return db_exec(db, "INSERT INTO estimate_signatures (estimate_id, role, "
	    "signer_name, signer_id, method, png, path, agreed, content_hash, "
	    "signed_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
	    p, ARRAY_LEN(p), NULL, NULL);
}

static int
sign_tx(struct db *db, void *arg)
{
	struct flow_args *a = arg;
	struct estimate e;
	char detail[300];
	int rc;

	if ((rc = lock_load(db, a, 1u << ES_SENT | 1u << ES_VIEWED,
	    "This estimate cannot be signed now", &e)) != DB_OK)
		return rc;
	estimate_hash(&e, a->sig->content_hash);
	estimate_free(&e);
	a->sig->signed_at = clock_now();
	if ((rc = sig_insert(db, a->id, "client", a->sig)) != DB_OK)
		return rc;
	{
		struct db_param k[] = { DB_STR(a->sig->content_hash), DB_I64(a->id) };
		if ((rc = db_exec(db, "UPDATE estimates SET status = 'signed', "
		    "content_hash = ? WHERE id = ?", k, 2, NULL, NULL)) != DB_OK)
			return rc;
	}
	str_fmt(detail, sizeof(detail), "signed by %s (%s), sha256 %s",
	    a->sig->signer_name, a->sig->method, a->sig->content_hash);
	return audit_record(db, a->actor, "estimate.sign", "estimate", a->id, detail);
}

int
estimate_sign_client(struct db *db, const struct actor *actor, int64_t id,
    struct estimate_sig *sig, char *msg, size_t msgsz)
{
	struct flow_args a = { actor, id, sig, NULL, msg, msgsz };

	return tx_status(db, db_tx(db, sign_tx, &a));
}

static int
countersign_tx(struct db *db, void *arg)
{
	struct flow_args *a = arg;
	struct estimate e;
	char detail[300];
	int rc, same;

	if ((rc = lock_load(db, a, 1u << ES_SIGNED, "Only an estimate the client "
	    "signed can be countersigned", &e)) != DB_OK)
		return rc;
	estimate_hash(&e, a->sig->content_hash);
	same = strcmp(a->sig->content_hash, e.client_sig.content_hash) == 0 &&
	    strcmp(a->sig->content_hash, e.content_hash) == 0;
	estimate_free(&e);
	if (!same) {
		str_copy(a->msg, a->msgsz, "The estimate's content no longer matches "
		    "what the client signed; it cannot be countersigned.");
		return EST_S_TAMPERED;
	}
	a->sig->signed_at = clock_now();
	if ((rc = sig_insert(db, a->id, "staff", a->sig)) != DB_OK ||
	    (rc = set_status(db, a->id, "accepted", "updated_at")) != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "countersigned by %s, sha256 %s",
	    a->sig->signer_name, a->sig->content_hash);
	return audit_record(db, a->actor, "estimate.countersign", "estimate", a->id,
	    detail);
}

int
estimate_countersign(struct db *db, const struct actor *actor, int64_t id,
    struct estimate_sig *sig, char *msg, size_t msgsz)
{
	struct flow_args a = { actor, id, sig, NULL, msg, msgsz };

	return tx_status(db, db_tx(db, countersign_tx, &a));
}

static int
decline_tx(struct db *db, void *arg)
{
	struct flow_args *a = arg;
	struct estimate e;
	int rc;

	if ((rc = lock_load(db, a, 1u << ES_SENT | 1u << ES_VIEWED,
	    "This estimate cannot be declined now", &e)) != DB_OK)
		return rc;
	estimate_free(&e);
	if ((rc = set_status(db, a->id, "declined", "updated_at")) != DB_OK)
		return rc;
	return audit_record(db, a->actor, "estimate.decline", "estimate", a->id, "");
}

int
estimate_decline(struct db *db, const struct actor *actor, int64_t id,
    char *msg, size_t msgsz)
{
	struct flow_args a = { actor, id, NULL, NULL, msg, msgsz };

	return tx_status(db, db_tx(db, decline_tx, &a));
}

int
estimate_verify(struct db *db, int64_t id, char computed[CRYPTO_SHA256_HEX],
    char signed_hash[CRYPTO_SHA256_HEX])
{
	struct estimate e;
	int rc, ok;

	computed[0] = signed_hash[0] = '\0';
	if ((rc = estimate_get(db, id, &e)) != EST_S_OK)
		return rc;
	estimate_hash(&e, computed);
	str_copy(signed_hash, CRYPTO_SHA256_HEX, e.content_hash);
	ok = e.content_hash[0] != '\0' && strcmp(computed, e.content_hash) == 0 &&
	    (!e.client_sig.present || strcmp(computed,
	    e.client_sig.content_hash) == 0) && (!e.staff_sig.present ||
	    strcmp(computed, e.staff_sig.content_hash) == 0);
	rc = e.content_hash[0] == '\0' ? EST_S_STATE : ok ? EST_S_OK :
	    EST_S_TAMPERED;
	estimate_free(&e);
	return rc;
}

int
estimate_sig_ok(const char *png, const char *path)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=";

	if (png != NULL && (png[0] == '\0' || png[strspn(png, b64)] != '\0' ||
	    strlen(png) % 4 != 0))
		return 0;
	if (path != NULL && (path[0] != '[' || path[strspn(path,
	    "0123456789,[]-")] != '\0'))
		return 0;
	return 1;
}
