/* The language of client pages (portal, pay link), their dates and labels.
 *
 * Signed in, the account's language rules (staff set it; the client
 * switches it with POST /portal/language, which saves it on the account).
 * Signed out (sign-in, activation, reset) and on a pay link: ?lang=xx
 * (remembered in the LANG_COOKIE cookie, never saved on the account), else
 * that cookie, else the account's language (pay link), else English.
 *
 * US Spanish-speaking clients are billed in US dollars by US providers:
 * money keeps the US form "$1,234.56" (a "1.234,56 $" would misread as a
 * different amount), dates are written the Spanish way ("4 de diciembre
 * de 2026"), every label is translated. */
#include "common.h"
#include "app.h"
#include "audit.h"
#include "kit.h"
#include "money.h"
#include "portal.h"
#include "portal_web.h"
#include "profiles.h"
#include "buf.h"
#include "str.h"
#include "i18n.h"

#include <stdarg.h>
#include "tmpl.h"

#define LANG_COOKIE	"blang"
#define LANG_MAX_AGE	(INT64_C(365) * 86400)

/* Workers serve one request at a time: the language of the current one,
 * reset by portal_lang_reset() at the start of every request. */
static char cur_lang[8] = I18N_LANG_DEFAULT;

void
portal_lang_reset(void)
{
	str_copy(cur_lang, sizeof(cur_lang), I18N_LANG_DEFAULT);
}

const char *
portal_lang(void)
{
	return cur_lang;
}

void
portal_lang_use(struct ctx *c, const char *lang)
{
	if (!account_language_ok(lang))
		lang = I18N_LANG_DEFAULT;
	str_copy(cur_lang, sizeof(cur_lang), lang);
	/* the field validators' words are English: the client's language */
	for (size_t i = 0; i < c->fs.nerr && strcmp(lang, "en") != 0; i++)
		str_copy(c->fs.err[i].msg, sizeof(c->fs.err[i].msg),
		    portal_field_error(c, c->fs.err[i].field, c->fs.err[i].msg));
	tmpl_set(c->view, "lang", lang);
	tmpl_set_bool(c->view, "lang_en", strcmp(lang, "en") == 0);
	tmpl_set_bool(c->view, "lang_es", strcmp(lang, "es") == 0);
}

const char *
portal_lang_pick(struct ctx *c, const char *account_lang)
{
	const struct field_value *f = app_field(c, "lang");
	const char *lang = NULL, *k;

	if (f != NULL && f->present && account_language_ok(f->s)) {
		lang = f->s;
		portal_lang_remember(c, lang);
	} else if (account_language_ok(k = http_cookie(&c->req, LANG_COOKIE)))
		lang = k;
	else if (account_language_ok(account_lang))
		lang = account_lang;
	portal_lang_use(c, lang ? lang : I18N_LANG_DEFAULT);
	return cur_lang;
}

int
portal_lang_pick_account(struct ctx *c, int64_t account_id)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	if (account_get(c->app->db, account_id, &a) == PROF_DB)
		return -1;
	portal_lang_pick(c, a.language);
	return 0;
}

const char *
portal_msg(struct ctx *c, const char *key)
{
	return tmpl_msg(c->app->tc, cur_lang, key);
}

const char *
portal_msgf(struct ctx *c, const char *key, char *out, size_t outsz, ...)
{
	const char *t = portal_msg(c, key), *name, *val;
	struct buf b;
	va_list ap;
	int ph;

	buf_init(&b, outsz);
	for (; *t != '\0'; t++) {
		if ((ph = i18n_placeholder_len(t)) > 0) {
			va_start(ap, outsz);
			while ((name = va_arg(ap, const char *)) != NULL) {
				val = va_arg(ap, const char *);
				if (strncmp(name, t + 1, (size_t)ph - 2) == 0 &&
				    name[ph - 2] == '\0') {
					buf_puts(&b, val);
					break;
				}
			}
			va_end(ap);
			t += ph - 1;
		} else
			buf_putc(&b, *t);
	}
	str_copy(out, outsz, buf_cstr(&b));
	buf_free(&b);
	return out;
}

void
portal_amount_msg(struct ctx *c, const struct portal_amount_refusal *r,
    const char *number, char *out, size_t outsz)
{
	char m[MONEY_FMT_MAX];

	money_format(r->bound, m, sizeof(m));
	if (r->why == PAMT_BELOW_MIN)
		portal_msgf(c, "amt.below_min", out, outsz, "min", m,
		    (const char *)NULL);
	else if (r->why == PAMT_ABOVE_OPEN)
		portal_msgf(c, "amt.above_open", out, outsz, "max", m, "number",
		    number, (const char *)NULL);
	else
		str_copy(out, outsz, portal_msg(c, "amt.not_amount"));
}

const char *
portal_field_error(struct ctx *c, const char *field, const char *msg)
{
	char key[64];
	const char *t;

	if (strcmp(cur_lang, "en") == 0 && msg != NULL && *msg != '\0')
		return msg;
	str_fmt(key, sizeof(key), "ferr.%s", field ? field : "");
	t = portal_msg(c, key);
	return strcmp(t, key) == 0 ? portal_msg(c, "ferr.any") : t;
}

const char *
portal_reason(struct ctx *c, const char *msg, const char *key)
{
	if (msg != NULL && msg[0] != '\0' && strcmp(cur_lang, "en") == 0)
		return msg;
	return portal_msg(c, key);
}

void
portal_method_text(struct ctx *c, const char *kind, const char *brand,
    const char *last4, char *out, size_t outsz)
{
	char b[40];

	str_copy(b, sizeof(b), brand && *brand ? brand : portal_msg(c,
	    strcmp(kind, "card") == 0 ? "pm.card" : "pm.bank_account"));
	if (b[0] >= 'a' && b[0] <= 'z')
		b[0] = (char)(b[0] - 'a' + 'A');
	if (last4 && *last4)
		portal_msgf(c, "pm.ending", out, outsz, "brand", b, "last4",
		    last4, (const char *)NULL);
	else
		str_copy(out, outsz, b);
}

const char *
portal_inv_status_label(struct ctx *c, int status)
{
	char key[40];

	if (status < 0 || status >= PIS__MAX)
		return "";
	str_fmt(key, sizeof(key), "status.%s", portal_inv_status_names[status]);
	return portal_msg(c, key);
}

void
portal_lang_remember(struct ctx *c, const char *code)
{
	http_cookie_set(&c->resp, LANG_COOKIE, code, LANG_MAX_AGE,
	    (int)c->app->cfg.cookie_secure);
}
