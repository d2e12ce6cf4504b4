/* Notices queued in the event's transaction (notice.h). */
#include "common.h"

#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "notice.h"
#include "store_outbox.h"
#include "profiles.h"
#include "str.h"

/* Each kind's notice name (the renderer's entry) and outbox kind (the
 * outbox.kind SQL enum value). */
static const struct {
	const char	*name;
	const char	*outbox;
} kinds[NOTICE__MAX] = {
	[NOTICE_ACTIVATION] = { "activation", "activation" },
	[NOTICE_PASSWORD_RESET] = { "password_reset", "password_reset" },
	[NOTICE_INVOICE] = { "invoice", "invoice" },
	[NOTICE_RECEIPT] = { "receipt", "receipt" },
	[NOTICE_ACH_PENDING] = { "ach_pending", "payment_confirmation" },
	[NOTICE_ACH_SUCCEEDED] = { "ach_succeeded", "ach_result" },
	[NOTICE_ACH_FAILED] = { "ach_failed", "ach_result" },
	[NOTICE_PLAN] = { "plan", "other" },
	[NOTICE_AUTOPAY] = { "autopay", "other" },
	[NOTICE_STATEMENT] = { "statement", "statement" },
	[NOTICE_CONSENT] = { "consent", "other" },
	[NOTICE_ESTIMATE] = { "estimate", "other" },
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

/* What the outbox row may hold: an address SMTP takes, a short language,
 * facts of valid UTF-8, a bounded object type. */
static int
notice_ok(const struct notice *n)
{
	size_t tlen = strlen(n->object_type);

	return !n->bad && notice_kind_name(n->kind) != NULL &&
	    str_email_ok(n->to) && strlen(n->lang) <= 8 &&
	    n->facts.len <= 60000 && str_utf8_valid(buf_cstr(&n->facts),
	    n->facts.len) && tlen <= 32;
}

int
notice_enqueue(struct db *db, const struct config *cfg, struct notice *n,
    int64_t *id)
{
	char sealed[CRYPTO_SEALED_MAX], mid[320];
	struct store_outbox_new row;
	int rc;

	if (!notice_ok(n)) {
		notice_free(n);
		return NOTICE_INVALID;
	}
	if (n->token[0] != '\0' && (cfg == NULL || crypto_seal(cfg->secret_key,
	    STORE_OUTBOX_SEAL_PURPOSE, n->token, sealed, sizeof(sealed)) == -1)) {
		notice_free(n);
		return DB_ERR;
	}
	row = (struct store_outbox_new){ .kind = kinds[n->kind].outbox,
	    .to = n->to, .notice = kinds[n->kind].name, .lang = n->lang,
	    .facts = buf_cstr(&n->facts),
	    .sealed = n->token[0] ? sealed : NULL,
	    .object_type = n->object_type[0] ? n->object_type : NULL,
	    .object_id = n->object_id, .now = clock_now(), .message_id = mid };
	rc = crypto_message_id(mid, sizeof(mid), row.now) == -1 ? DB_ERR :
	    store_outbox_insert_notice(db, &row, id);
	explicit_bzero(sealed, sizeof(sealed));
	notice_free(n);
	return rc;
}
