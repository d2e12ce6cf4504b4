/* Authorization-to-charge consents: their scopes and the authorization
 * text composed from the terms (no database). */
#include "common.h"

#include <ctype.h>

#include "money.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"

static const struct {
	const char	*name;		/* consents.scope */
	const char	*label;		/* for lists and mail */
} scopes[SP_SCOPE__MAX] = {
	[SP_SCOPE_ANY_BALANCE] = { "any_balance", "Any balance due" },
	[SP_SCOPE_PAYMENT_PLAN] = { "payment_plan", "Payment plan installments" },
	[SP_SCOPE_UP_TO_AMOUNT] = { "up_to_amount", "Up to an amount per charge" },
};

enum sp_scope
sp_scope_of(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < SP_SCOPE__MAX; i++)
		if (strcmp(name, scopes[i].name) == 0)
			break;
	return name == NULL ? SP_SCOPE__MAX : (enum sp_scope)i;
}

const char *
stripe_pay_consent_scope_label(const char *scope)
{
	enum sp_scope s = sp_scope_of(scope);

	return s == SP_SCOPE__MAX ? "Unknown scope" : scopes[s].label;
}

/* --- the authorization text -------------------------------------------------- */

static const struct {
	const char	*brand;
	const char	*name;
} card_brands[] = {
	{ "visa", "Visa" }, { "mastercard", "Mastercard" },
	{ "amex", "American Express" }, { "discover", "Discover" },
	{ "diners", "Diners Club" }, { "jcb", "JCB" }, { "unionpay", "UnionPay" },
};

/* The brand as written ("visa" -> "Visa"); a bank's name as it is. */
const char *
sp_consent_brand_name(const struct sp_consent_terms *t)
{
	const char *brand = t->brand ? t->brand : "";

	if (t->kind != NULL && strcmp(t->kind, "us_bank_account") == 0)
		return brand;
	for (size_t i = 0; i < ARRAY_LEN(card_brands); i++)
		if (strcasecmp(brand, card_brands[i].brand) == 0)
			return card_brands[i].name;
	return brand;
}

/* "my Visa card ending 4242" / "my bank account at X ending 6789" (kind
 * NULL: the method is not known yet). */
void
sp_consent_method_phrase(const struct sp_consent_terms *t, char *out, size_t outsz)
{
	const char *brand = t->brand ? t->brand : "";
	const char *last4 = t->last4 ? t->last4 : "";
	char end[24] = "";

	if (t->kind == NULL) {	/* not entered yet (a payment form) */
		(void)str_copy(out, outsz, "my card or bank account entered for this "
		    "payment");
		return;
	}
	if (*last4)
		(void)str_fmt(end, sizeof(end), " ending %s", last4);
	if (t->kind != NULL && strcmp(t->kind, "us_bank_account") == 0) {
		(void)str_fmt(out, outsz, "my bank account%s%s%s", *brand ? " at " : "",
		    brand, end);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(card_brands); i++)
		if (strcasecmp(brand, card_brands[i].brand) == 0)
			brand = card_brands[i].name;
	(void)str_fmt(out, outsz, "my %s%scard%s", brand, *brand ? " " : "", end);
}

/* Appends to out at *off; *cut set when it did not fit. */
static void
text_add(char *out, size_t outsz, size_t *off, int *cut, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void
text_add(char *out, size_t outsz, size_t *off, int *cut, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= outsz) {
		*cut = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(out + *off, outsz - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz - *off) {
		*cut = 1;
		*off = outsz;
		return;
	}
	*off += (size_t)n;
}

int
stripe_pay_consent_text(const struct sp_consent_terms *t, char *out, size_t outsz)
{
	enum sp_scope s = sp_scope_of(t->scope);
	int bank = t->kind != NULL && strcmp(t->kind, "us_bank_account") == 0;
	const char *org = t->org && *t->org ? t->org : "the provider";
	char method[160], max[MONEY_FMT_MAX] = "", plan[48] = "a payment plan I agree to";
	size_t off = 0;
	int cut = 0;

	if (outsz == 0 || s == SP_SCOPE__MAX)
		return -1;
	out[0] = '\0';
	if (t->i18n != NULL && t->lang != NULL)	/* the words of the catalog */
		return sp_consent_text_lang(t, sp_consent_brand_name(t), out, outsz);
	sp_consent_method_phrase(t, method, sizeof(method));
	if (t->max_amount > 0)
		(void)money_format(t->max_amount, max, sizeof(max));
	if (t->plan_id > 0)
		(void)str_fmt(plan, sizeof(plan), "payment plan PP-%" PRId64, t->plan_id);
	text_add(out, outsz, &off, &cut, "I%s%s%s authorize %s to %s %s%s ",
	    t->signer && *t->signer ? ", " : "", t->signer ? t->signer : "",
	    t->signer && *t->signer ? "," : "", org, bank ? "debit" : "charge",
	    method, bank ? " electronically (ACH debit)" : "");
	if (s == SP_SCOPE_ANY_BALANCE)
		text_add(out, outsz, &off, &cut, "for the balance due on my account, "
		    "never more than the balance due at the time of each charge.");
	else if (s == SP_SCOPE_UP_TO_AMOUNT)
		text_add(out, outsz, &off, &cut, "for amounts due on my account, up "
		    "to %s per charge.", max);
	else
		text_add(out, outsz, &off, &cut, "only for the installments of %s%s%s%s,"
		    " and for nothing else.", plan, *max ? ", up to " : "",
		    *max ? max : "", *max ? " per installment" : "");
	if (bank)
		text_add(out, outsz, &off, &cut, " If a debit is made in error, I "
		    "authorize %s to credit my bank account to correct it.", org);
	text_add(out, outsz, &off, &cut, "\n\nFrequency: %s",
	    s == SP_SCOPE_ANY_BALANCE ? "each time a balance is due on my account "
	    "(when an invoice is issued or falls due)." : s == SP_SCOPE_UP_TO_AMOUNT ?
	    "each time an amount is due on my account." :
	    "on each installment date of the plan, as scheduled in it.");
	text_add(out, outsz, &off, &cut, "\n\nThis authorization stays in effect "
	    "until I revoke it. I can revoke it at any time by removing this "
	    "payment method in the client portal (Payment methods) or by telling "
	    "%s%s; revoking does not affect payments already made.", org, bank ?
	    ", in time for it to act before the next debit" : "");
	text_add(out, outsz, &off, &cut, " A copy of this authorization is emailed "
	    "to the account's address; it can be printed at any time.");
	return cut ? -1 : 0;
}
