/* Estimates: saving versions, the canonical content and its hash, sending,
 * signing, countersigning, verification and conversion to an invoice
 * (see estimate.h). */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "estimate.h"
#include "estimate_int.h"
#include "invoice.h"
#include "log.h"
#include "notice.h"
#include "profiles.h"
#include "store_estimate.h"
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

static int
lines_insert(struct db *db, const struct estimate *e)
{
	struct store_estimate_line *v;
	int rc;

	if (e->nlines == 0)
		return DB_OK;
	if ((v = calloc(e->nlines, sizeof(*v))) == NULL)
		return DB_ERR;
	for (size_t i = 0; i < e->nlines; i++)
		estimate_line_to_store(&e->lines[i], &v[i]);
	rc = store_estimate_lines_insert(db, e->id, v, e->nlines);
	free(v);
	return rc;
}

/* The content columns of row e->id. */
static int
content_update(struct db *db, const struct estimate *e)
{
	struct store_estimate *s;
	int rc;

	if ((s = malloc(sizeof(*s))) == NULL)
		return DB_ERR;
	estimate_to_store(e, s);
	rc = store_estimate_content_set(db, s, clock_now());
	free(s);
	return rc;
}

static int
row_insert(struct db *db, struct estimate *e, const struct actor *actor,
    int64_t root_id)
{
	struct store_estimate *s;
	int rc;

	if ((s = malloc(sizeof(*s))) == NULL)
		return DB_ERR;
	estimate_to_store(e, s);
	s->root_id = root_id;
	rc = store_estimate_insert(db, s, actor->id, clock_now(), &e->id);
	free(s);
	if (rc != DB_OK)
		return rc;
	e->root_id = root_id ? root_id : e->id;
	if ((rc = content_update(db, e)) != DB_OK)
		return rc;
	return lines_insert(db, e);
}

static int
draft_update(struct db *db, struct estimate *e)
{
	int rc;

	if ((rc = content_update(db, e)) == DB_OK)
		rc = store_estimate_lines_delete(db, e->id);
	return rc == DB_OK ? lines_insert(db, e) : rc;
}

struct save_args {
	const struct actor	*actor;
	struct estimate		*e;
	char			*msg;
	size_t			 msgsz;
};

/* A new version of a sent (or later) estimate: the old one is superseded
 * and its signatures void. */
static int
new_version(struct db *db, struct save_args *a, int64_t old_id,
    int64_t root_id, int version)
{
	char detail[80];
	int rc;

	a->e->version = version + 1;
	if ((rc = row_insert(db, a->e, a->actor, root_id)) != DB_OK ||
	    (rc = store_estimate_supersede(db, old_id, clock_now())) != DB_OK)
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
	if ((rc = store_estimate_lock_head(db, e->id, st, sizeof(st), &root,
	    &version, &inv)) != 1)
		return rc < 0 ? rc : EST_S_NOT_FOUND;
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
	int rc;

	if ((rc = store_estimate_lock(db, a->id)) != 1)
		return rc < 0 ? rc : EST_S_NOT_FOUND;
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
set_status(struct db *db, int64_t id, const char *st, int sent)
{
	return store_estimate_set_status(db, id, st, sent, clock_now());
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
	rc = set_status(db, a->id, "sent", 1);
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
	return store_estimate_viewed(db, id, clock_now()) == DB_OK ? EST_S_OK :
	    EST_S_DB;
}

static int
sig_insert(struct db *db, int64_t id, const char *role, struct estimate_sig *s)
{
	struct store_estimate_sig v;

	memset(&v, 0, sizeof(v));
	str_copy(v.role, sizeof(v.role), role);
	str_copy(v.signer_name, sizeof(v.signer_name), s->signer_name);
	v.signer_id = s->signer_id;
	str_copy(v.method, sizeof(v.method), s->method);
	v.png = s->png;		/* borrowed */
	v.path = s->path;
	str_copy(v.content_hash, sizeof(v.content_hash), s->content_hash);
	v.signed_at = s->signed_at;
	str_copy(v.ip, sizeof(v.ip), s->ip);
	str_copy(v.user_agent, sizeof(v.user_agent), s->user_agent);
	return store_estimate_sig_insert(db, id, &v);
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
	if ((rc = store_estimate_signed(db, a->id, a->sig->content_hash)) != DB_OK)
		return rc;
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
	    (rc = set_status(db, a->id, "accepted", 0)) != DB_OK)
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
	if ((rc = set_status(db, a->id, "declined", 0)) != DB_OK)
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
