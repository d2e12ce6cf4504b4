/* Notices queued in the event's transaction (notice.h). */
#include "common.h"

#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "notice.h"
#include "outbox.h"
#include "profiles.h"
#include "str.h"

_Static_assert(NOTICE_INVALID == OUTBOX_INVALID, "one code for a refused notice");

static const struct {
	const char		*name;
	enum outbox_kind	 outbox;
} kinds[NOTICE__MAX] = {
	[NOTICE_ACTIVATION] = { "activation", OUTBOX_ACTIVATION },
	[NOTICE_PASSWORD_RESET] = { "password_reset", OUTBOX_PASSWORD_RESET },
	[NOTICE_INVOICE] = { "invoice", OUTBOX_INVOICE },
	[NOTICE_RECEIPT] = { "receipt", OUTBOX_RECEIPT },
	[NOTICE_ACH_PENDING] = { "ach_pending", OUTBOX_PAYMENT_CONFIRMATION },
	[NOTICE_ACH_SUCCEEDED] = { "ach_succeeded", OUTBOX_ACH_RESULT },
	[NOTICE_ACH_FAILED] = { "ach_failed", OUTBOX_ACH_RESULT },
	[NOTICE_PLAN] = { "plan", OUTBOX_OTHER },
	[NOTICE_AUTOPAY] = { "autopay", OUTBOX_OTHER },
	[NOTICE_STATEMENT] = { "statement", OUTBOX_STATEMENT },
	[NOTICE_CONSENT] = { "consent", OUTBOX_OTHER },
	[NOTICE_ESTIMATE] = { "estimate", OUTBOX_OTHER },
};

const char *
notice_kind_name(enum notice_kind k)
{
	return (unsigned)k < NOTICE__MAX ? kinds[k].name : NULL;
}

void
notice_init(struct notice *n, enum notice_kind kind, const char *to,
    const char *lang, int64_t account_id, const char *object_type,
    int64_t object_id)
{
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	if (str_copy(n->to, sizeof(n->to), to ? to : "") == -1)
		n->bad = 1;
	str_copy(n->lang, sizeof(n->lang), lang != NULL &&
	    account_language_ok(lang) ? lang : "en");
	str_copy(n->object_type, sizeof(n->object_type), object_type ?
	    object_type : "");
	n->object_id = object_id;
	buf_init(&n->facts, NOTICE_FACTS_MAX);
	if (account_id > 0)
		notice_fact_i64(n, "account", account_id);
}

/* '%', CR and LF as %XX: one fact a line. */
void
notice_fact(struct notice *n, const char *key, const char *value)
{
	if (buf_printf(&n->facts, "%s=", key) == -1) {
		n->bad = 1;
		return;
	}
	for (const char *p = value ? value : ""; *p; p++)
		if ((*p == '%' || *p == '\n' || *p == '\r') ?
		    buf_printf(&n->facts, "%%%02X", (unsigned char)*p) == -1 :
		    buf_putc(&n->facts, *p) == -1)
			n->bad = 1;
	if (buf_putc(&n->facts, '\n') == -1)
		n->bad = 1;
}

void
notice_fact_i64(struct notice *n, const char *key, int64_t value)
{
	char s[24];

	str_fmt(s, sizeof(s), "%" PRId64, value);
	notice_fact(n, key, s);
}

void
notice_token(struct notice *n, const char *token)
{
	if (str_copy(n->token, sizeof(n->token), token) == -1)
		n->bad = 1;
}

void
notice_free(struct notice *n)
{
	explicit_bzero(n->token, sizeof(n->token));
	buf_free(&n->facts);
}

int
notice_enqueue(struct db *db, const struct config *cfg, struct notice *n,
    int64_t *id)
{
	char sealed[CRYPTO_SEALED_MAX];
	int rc;

	if (n->bad || notice_kind_name(n->kind) == NULL) {
		notice_free(n);
		return OUTBOX_INVALID;
	}
	if (n->token[0] != '\0' && (cfg == NULL || crypto_seal(cfg->secret_key,
	    OUTBOX_SEAL_PURPOSE, n->token, sealed, sizeof(sealed)) == -1)) {
		notice_free(n);
		return DB_ERR;
	}
	rc = outbox_enqueue_notice(db, kinds[n->kind].outbox, kinds[n->kind].name,
	    n->to, n->lang, n->facts.len ? buf_cstr(&n->facts) : "",
	    n->token[0] ? sealed : NULL, n->object_type[0] ? n->object_type :
	    NULL, n->object_id, id);
	explicit_bzero(sealed, sizeof(sealed));
	notice_free(n);
	return rc;
}
