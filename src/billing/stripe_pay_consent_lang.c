/* The authorization text of a consent composed from the message catalogs
 * (www/templates/i18n/<lang>.txt, keys consent.*), in the language the
 * signer was shown: the text stored with the consent is that text. The
 * English of stripe_pay_consent_text() stands in when no catalog is at hand
 * (no templates directory configured). */
#include "common.h"

#include "buf.h"
#include "i18n.h"
#include "money.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"

/* prefix "consent.m_" (a phrase: "my Visa card ending 4242") or
 * "consent.l_" (a label: "Visa card ending 4242"). */
static int
method_words(const struct sp_consent_terms *t, const char *brand,
    const char *prefix, struct buf *b)
{
	int bank = t->kind != NULL && strcmp(t->kind, "us_bank_account") == 0;
	const char *last4 = t->last4 ? t->last4 : "";
	char key[48];

	if (t->kind == NULL)
		return i18n_msgf(t->i18n, t->lang, b, "consent.m_entered",
		    (const char *)NULL);
	str_fmt(key, sizeof(key), "%s%s%s", prefix, bank ? "bank" : "card",
	    *brand ? "" : "_any");
	return i18n_msgf(t->i18n, t->lang, b, key, "brand", brand, "bank", brand,
	    "last4", last4, (const char *)NULL);
}

int
sp_consent_label_lang(const struct sp_consent_terms *t, const char *brand,
    char *out, size_t outsz)
{
	struct buf b;
	int rc;

	buf_init(&b, outsz);
	rc = method_words(t, brand, "consent.l_", &b);
	if (rc == 0)
		rc = str_copy(out, outsz, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* The scope's sentence: for what, up to how much. */
static int
scope_words(const struct sp_consent_terms *t, struct buf *b)
{
	char max[MONEY_FMT_MAX] = "", plan[24] = "";
	struct buf p;
	int rc;

	if (t->max_amount > 0)
		(void)money_format(t->max_amount, max, sizeof(max));
	if (strcmp(t->scope, "any_balance") == 0)
		return i18n_msgf(t->i18n, t->lang, b, "consent.any_balance",
		    (const char *)NULL);
	if (strcmp(t->scope, "up_to_amount") == 0)
		return i18n_msgf(t->i18n, t->lang, b, "consent.up_to", "max",
		    max, (const char *)NULL);
	buf_init(&p, 256);
	str_fmt(plan, sizeof(plan), "%" PRId64, t->plan_id);
	rc = i18n_msgf(t->i18n, t->lang, &p, t->plan_id > 0 ?
	    "consent.plan_named" : "consent.plan_any", "plan_id", plan,
	    (const char *)NULL);
	if (rc == 0)
		rc = i18n_msgf(t->i18n, t->lang, b, *max ? "consent.plan_max" :
		    "consent.plan", "plan", buf_cstr(&p), "max", max,
		    (const char *)NULL);
	buf_free(&p);
	return rc;
}

int
sp_consent_text_lang(const struct sp_consent_terms *t, const char *brand,
    char *out, size_t outsz)
{
	int bank = t->kind != NULL && strcmp(t->kind, "us_bank_account") == 0;
	int any = strcmp(t->scope, "any_balance") == 0;
	int upto = strcmp(t->scope, "up_to_amount") == 0;
	const char *org = t->org && *t->org ? t->org :
	    i18n_msg(t->i18n, t->lang, "consent.org_default");
	const char *signer = t->signer ? t->signer : "";
	struct buf b, m;
	char key[40];
	int rc;

	buf_init(&b, outsz);
	buf_init(&m, 512);
	str_fmt(key, sizeof(key), "consent.intro_%s%s", bank ? "bank" : "card",
	    *signer ? "" : "_anon");
	rc = method_words(t, brand, "consent.m_", &m);
	rc |= i18n_msgf(t->i18n, t->lang, &b, key, "signer", signer, "org", org,
	    "method", buf_cstr(&m), (const char *)NULL);
	rc |= buf_putc(&b, ' ');
	rc |= scope_words(t, &b);
	if (bank) {
		rc |= buf_putc(&b, ' ');
		rc |= i18n_msgf(t->i18n, t->lang, &b, "consent.ach_error", "org",
		    org, (const char *)NULL);
	}
	rc |= buf_puts(&b, "\n\n");
	rc |= i18n_msgf(t->i18n, t->lang, &b, any ? "consent.freq_any" : upto ?
	    "consent.freq_up_to" : "consent.freq_plan", (const char *)NULL);
	rc |= buf_puts(&b, "\n\n");
	rc |= i18n_msgf(t->i18n, t->lang, &b, bank ? "consent.revoke_ach" :
	    "consent.revoke", "org", org, (const char *)NULL);
	rc |= buf_putc(&b, ' ');
	rc |= i18n_msgf(t->i18n, t->lang, &b, "consent.copy",
	    (const char *)NULL);
	if (rc == 0)
		rc = str_copy(out, outsz, buf_cstr(&b));
	buf_free(&m);
	buf_free(&b);
	return rc == 0 ? 0 : -1;
}
