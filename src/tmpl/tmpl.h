/* Template engine for the ctemplate tag syntax, HTML-escaping by default.
 *
 * Tags (names case-insensitive, attribute values quoted or bare):
 *   <TMPL_VAR name>  <TMPL_VAR NAME="name" DEFAULT="x" ESCAPE="attr">
 *       ESCAPE: html (default) | attr | url | js | RAW  (RAW: trusted HTML only,
 *       the one greppable opt-out)
 *       FORMAT="date": a stored "YYYY-MM-DD" (or "YYYY-MM-DD HH:MM:SS") is
 *       written as the view's language writes dates (datefmt.h); other
 *       values as they are
 *   <TMPL_IF name> / <TMPL_IF name VALUE="x"> ... <TMPL_ELSIF ...> ... <TMPL_ELSE> ... </TMPL_IF>
 *       true when the variable is set, non-empty and not "0", or names a loop with rows;
 *       with VALUE: true when the variable equals the value.
 *   <TMPL_LOOP name> ... </TMPL_LOOP>   each row is a scope; lookups fall back to
 *       outer scopes (inner shadows outer). Inside a loop: __first__, __last__,
 *       __odd__, __even__, __index__ (1-based), __count__.
 *   <TMPL_INCLUDE "file.html"> / <TMPL_INCLUDE NAME="file.html">  (relative to the
 *       cache directory; no "..", no absolute paths; depth-limited)
 *   <TMPL_T key> / <TMPL_T NAME="key" ESCAPE="attr">
 *       the message `key` of the view's language (variable `lang`, default
 *       "en") from <dir>/i18n/<lang>.txt, escaped like TMPL_VAR; {name} in
 *       the message is replaced by variable `name` (escaped too); {name:date}
 *       formats it like FORMAT="date".
 *   <* comment *>
 */
#ifndef TMPL_H
#define TMPL_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct tmpl_vars;	/* a scope: name -> string value | loop (list of scopes) */
struct tmpl_cache;	/* parsed templates by name, per worker */

struct tmpl_vars *tmpl_vars_new(void);
/* Frees the scope and every loop row under it. */
void	 tmpl_vars_free(struct tmpl_vars *);
/* Setters copy the value and replace a previous value of that name. 0 / -1. */
int	 tmpl_set(struct tmpl_vars *, const char *name, const char *value);
int	 tmpl_setf(struct tmpl_vars *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	 tmpl_set_int(struct tmpl_vars *, const char *name, int64_t);
/* Sets "1" when on, removes the name when off. */
int	 tmpl_set_bool(struct tmpl_vars *, const char *name, int on);
/* Appends a row to loop `name` (created on first use); the row is owned by
 * the parent scope. NULL on ENOMEM. */
struct tmpl_vars *tmpl_loop_add(struct tmpl_vars *, const char *name);
/* Value of name in this scope only, or NULL. */
const char *tmpl_get(const struct tmpl_vars *, const char *name);

/* strict for tmpl_cache_new: 0 lenient (a missing message falls back to
 * English, then to its key); TMPL_STRICT: rendering fails when a template
 * names a variable the view did not set (TMPL_VAR without DEFAULT, a
 * message placeholder) or a message missing in the language;
 * TMPL_STRICT_CATALOG: only missing messages and catalogs fail. */
#define TMPL_STRICT		1
#define TMPL_STRICT_CATALOG	2

/* dir: directory templates (and i18n/ catalogs) are read from. */
struct tmpl_cache *tmpl_cache_new(const char *dir, int strict);
void	 tmpl_cache_free(struct tmpl_cache *);
/* Renders template `name` with vars, appending to out. On error returns -1,
 * out may hold partial output (callers discard it), and err (if not NULL)
 * gets "file:line: message". Never exits the process. */
int	 tmpl_render(struct tmpl_cache *, const char *name,
	    const struct tmpl_vars *, struct buf *out, struct buf *err);
/* Renders a template given as a string (tests, fuzzing). Includes resolve
 * against the cache's directory, or fail when cache is NULL. */
int	 tmpl_render_string(struct tmpl_cache *, const char *src,
	    const struct tmpl_vars *, struct buf *out, struct buf *err);

/* Message catalogs (core's i18n.h; one home for their rules): the cache
 * reads them from dir/i18n. tmpl_cache_i18n: that set, valid while the
 * cache lives, for code that composes texts without templates. tmpl_msg
 * and tmpl_msgf are i18n_msg and i18n_msgf on it: the text of key in lang
 * (English when lang lacks it, else key itself), and the same with its
 * placeholders filled (unescaped, for plain text). */
struct i18n *tmpl_cache_i18n(struct tmpl_cache *);
const char *tmpl_msg(struct tmpl_cache *, const char *lang, const char *key);
int	 tmpl_msgf(struct tmpl_cache *, const char *lang, struct buf *out,
	    const char *key, ...);

/* Escapers, appending to out; 0 / -1. */
int	 tmpl_escape_html(struct buf *, const char *);
int	 tmpl_escape_attr(struct buf *, const char *);
int	 tmpl_escape_url(struct buf *, const char *);
int	 tmpl_escape_js(struct buf *, const char *);

#endif
