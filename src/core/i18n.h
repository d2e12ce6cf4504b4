/* Message catalogs: the words of every language, one file per language,
 * <dir>/i18n/<lang>.txt (format in i18n.c and the README's Languages
 * section). A set of catalogs is opened on a directory and loads each
 * language on first use; it is per process (or worker) and not shared
 * between threads. The template engine's <TMPL_T> (tmpl.h) and billing's
 * authorization texts both read their words here. */
#ifndef I18N_H
#define I18N_H

#include <stdarg.h>
#include <stddef.h>

struct buf;
struct i18n;		/* a set of catalogs on one directory */

#define I18N_LANG_DEFAULT	"en"
#define I18N_LANGS_MAX		8	/* catalogs one set holds */

/* Reads nothing yet; NULL only on ENOMEM or a NULL dir. */
struct i18n *i18n_open(const char *dir);
void	 i18n_free(struct i18n *);

/* The text of key in lang exactly (placeholders still in it), valid while
 * the set lives; NULL with why set ("i18n/fr.txt not readable: ...", "bad
 * language ...", "no such key in fr") when the catalog or the key is
 * missing. */
const char *i18n_get(struct i18n *, const char *lang, const char *key,
	    char *why, size_t whysz);
/* The text of key in lang (placeholders left as they are), English when
 * lang lacks it, else key itself (also when the set is NULL). */
const char *i18n_msg(struct i18n *, const char *lang, const char *key);
/* Appends i18n_msg(lang, key) to out with its placeholders filled from
 * the NULL-terminated name, value pairs: unescaped (plain text); a name not
 * given is left empty; {name:date} writes a stored date as lang writes it
 * (datefmt.h). 0 / -1. */
int	 i18n_msgf(struct i18n *, const char *lang, struct buf *out,
	    const char *key, ...);
int	 i18n_vmsgf(struct i18n *, const char *lang, struct buf *out,
	    const char *key, va_list);
/* 0 when every language's catalog loads and has exactly the keys of the
 * first, each with the same placeholders; else -1 and why says why. */
int	 i18n_check(struct i18n *, const char *const *langs, size_t nlangs,
	    char *why, size_t whysz);

/* "en", "es", "pt-BR": 2-3 lower-case letters, optional -XX region. */
int	 i18n_lang_ok(const char *);
/* Length of the placeholder "{name}" or "{name:date}" at s, 0 when s does
 * not start one; i18n_placeholder_name: the length of its name. */
int	 i18n_placeholder_len(const char *s);
size_t	 i18n_placeholder_name(const char *s);

#endif
