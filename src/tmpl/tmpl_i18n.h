/* Message catalogs of the template engine (private to src/tmpl; the
 * format is described in tmpl_i18n.c and the README's Languages section). */
#ifndef TMPL_I18N_H
#define TMPL_I18N_H

#include <stddef.h>

struct tmpl_catalog;

/* Loads <dir>/i18n/<lang>.txt; NULL with why set on any error. The caller
 * frees it with tmpl_catalog_free(). */
struct tmpl_catalog *tmpl_catalog_load(const char *dir, const char *lang,
	    char *why, size_t whysz);
void	 tmpl_catalog_free(struct tmpl_catalog *);
/* The text of key (placeholders still in it), or NULL. */
const char *tmpl_catalog_get(const struct tmpl_catalog *, const char *key);
const char *tmpl_catalog_lang(const struct tmpl_catalog *);
size_t	 tmpl_catalog_count(const struct tmpl_catalog *);
const char *tmpl_catalog_key(const struct tmpl_catalog *, size_t);
/* 0 when both have the same keys with the same placeholders; else -1, why
 * names the first difference. */
int	 tmpl_catalog_diff(const struct tmpl_catalog *,
	    const struct tmpl_catalog *, char *why, size_t whysz);
/* Length of the placeholder "{name}" or "{name:date}" at s, 0 when s does
 * not start one; tmpl_placeholder_name: the length of its name. */
int	 tmpl_placeholder_len(const char *s);
size_t	 tmpl_placeholder_name(const char *s);

#endif
