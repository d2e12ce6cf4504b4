/* The facts of a notice and the helpers every fill function uses
 * (notice_render_int.h): shared by notice_render.c and notice_render_pay.c,
 * so neither calls the other back. */
#include "common.h"

#include <stdarg.h>

#include "cfg.h"
#include "mailer.h"
#include "money.h"
#include "notice_render.h"
#include "notice_render_int.h"
#include "str.h"
#include "tmpl.h"
/* --- facts and helpers -------------------------------------------------------- */

/* The value of fact key (up to its line's end), NULL when absent. */
static const char *
fact_find(const struct nr *x, const char *key)
{
	const char *p = x->n->facts;
	size_t kl = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return p + kl + 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

int
notice_render_fact_has(const struct nr *x, const char *key)
{
	return fact_find(x, key) != NULL;
}

const char *
notice_render_fact(const struct nr *x, const char *key, char *out, size_t outsz)
{
	const char *p = fact_find(x, key);
	size_t o = 0;

	out[0] = '\0';
	for (; p != NULL && *p != '\0' && *p != '\n' && o + 1 < outsz; p++) {
		int h, l;
		if (*p == '%' && (h = str_hexval(p[1])) >= 0 &&
		    (l = str_hexval(p[2])) >= 0) {
			out[o++] = (char)(h * 16 + l);
			p += 2;
		} else
			out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

int64_t
notice_render_fact_i64(const struct nr *x, const char *key, int64_t def)
{
	char s[32];
	int64_t v;

	if (str_to_i64(notice_render_fact(x, key, s, sizeof(s)), INT64_MIN,
	    INT64_MAX, &v) == -1)
		return def;
	return v;
}

void
notice_render_money(struct nr *x, const char *var, const char *key)
{
	char m[MONEY_FMT_MAX];

	money_format(notice_render_fact_i64(x, key, 0), m, sizeof(m));
	tmpl_set(x->v, var, m);
}

int
notice_render_url(struct nr *x, const char *var, const char *fmt, ...)
{
	const char *base = x->env->cfg->base_url ? x->env->cfg->base_url : "";
	size_t bl = strlen(base);
	char path[512], url[700];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if (str_fmt(url, sizeof(url), "%.*s%s", (int)bl, base, path) == -1)
		return -1;
	n = tmpl_set(x->v, var, url);
	explicit_bzero(url, sizeof(url));
	explicit_bzero(path, sizeof(path));
	return n;
}
