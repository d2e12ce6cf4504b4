/* Template engine: per-worker cache and renderer; variables in
 * tmpl_vars.c, the parser in tmpl_parse.c, the message catalogs of
 * <TMPL_T> in core (i18n.c).
 *
 * A template is parsed once into a flat array of nodes; blocks are linked by
 * indices (IF -> next branch, branch -> ENDIF, LOOP -> ENDLOOP), so rendering
 * walks the array and recurses only into loop bodies and includes, both
 * bounded. Includes are resolved and cached at parse time, which is where
 * missing, recursive and too-deep includes are caught. Variable names are
 * case-sensitive; tag and attribute names are not. */
#include "common.h"
#include "buf.h"
#include "str.h"
#include "tmpl_int.h"
#include "datefmt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- cache ------------------------------------------------------------ */

struct tmpl_cache *
tmpl_cache_new(const char *dir, int strict)
{
	struct tmpl_cache *c;

	if (dir == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->dir = strdup(dir)) == NULL ||
	    (c->i18n = i18n_open(dir)) == NULL) {
		free(c->dir);
		free(c);
		return NULL;
	}
	c->strict = strict;
	return c;
}

void
tmpl_cache_free(struct tmpl_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		tmpl_file_free(c->files[i]);
	i18n_free(c->i18n);
	free(c->files);
	free(c->dir);
	free(c);
}

static const struct tmpl_file *
cache_find(const struct tmpl_cache *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->files[i]->name, name) == 0)
			return c->files[i];
	return NULL;
}

static int
cache_insert(struct tmpl_cache *c, struct tmpl_file *f)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct tmpl_file **p = realloc(c->files, ncap * sizeof(*p));

		if (p == NULL)
			return -1;
		c->files = p;
		c->cap = ncap;
	}
	c->files[c->n++] = f;
	return 0;
}

/* Reads dir/name into a NUL-terminated string; errno set on failure. */
static char *
read_template(const struct tmpl_cache *c, const char *name)
{
	struct buf path, data;
	struct stat st;
	char chunk[8192];
	ssize_t r;
	int fd = -1;

	buf_init(&path, 4096);
	buf_init(&data, TMPL_FILE_MAX);
	if (buf_printf(&path, "%s/%s", c->dir, name) == -1) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if ((fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC)) == -1)
		goto fail;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		if (memchr(chunk, '\0', (size_t)r) != NULL) {
			errno = EILSEQ;
			goto fail;
		}
		if (buf_append(&data, chunk, (size_t)r) == -1) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf_free(&path);
	return buf_detach(&data);
fail:
	if (fd != -1) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	buf_free(&path);
	buf_free(&data);
	return NULL;
}

struct tmpl_file *
tmpl_file_new(const char *name, const char *src)
{
	struct tmpl_file *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->name = strdup(name);
	f->src = src ? strdup(src) : NULL;
	if (f->name == NULL || (src != NULL && f->src == NULL)) {
		tmpl_file_free(f);
		return NULL;
	}
	return f;
}

/* Returns the cached, parsed template `name`, loading it on a miss. chain
 * holds the names of the files being parsed around this one (depth of
 * them); from/line locate the include for error messages (from NULL for
 * a top-level template). */
static const struct tmpl_file *
tmpl_cache_load(struct tmpl_cache *c, const char *name, const char **chain,
    size_t depth, struct buf *err, const char *from, unsigned line)
{
	const struct tmpl_file *hit;
	struct tmpl_file *f;
	const char *where = from ? from : name;

	if ((hit = cache_find(c, name)) != NULL)
		return hit;
	for (size_t i = 0; i < depth; i++)
		if (chain[i] != NULL && strcmp(chain[i], name) == 0) {
			tmpl_errorf(err, where, line, "recursive include of "
			    "\"%.80s\"", name);
			return NULL;
		}
	if (depth > TMPL_INCLUDE_MAX) {
		tmpl_errorf(err, where, line, "includes nested deeper than %d",
		    TMPL_INCLUDE_MAX);
		return NULL;
	}
	if ((f = tmpl_file_new(name, NULL)) == NULL) {
		tmpl_errorf(err, where, line, "out of memory");
		return NULL;
	}
	if ((f->src = read_template(c, name)) == NULL) {
		tmpl_errorf(err, where, line, "%s \"%.80s\" not readable: %s",
		    from ? "include" : "template", name, strerror(errno));
		goto fail;
	}
	if (tmpl_parse_file(c, tmpl_cache_load, f, chain, depth, err) == -1)
		goto fail;
	if (cache_insert(c, f) == -1) {
		tmpl_errorf(err, where, line, "out of memory");
		goto fail;
	}
	return f;
fail:
	tmpl_file_free(f);
	return NULL;
}

/* ---- renderer --------------------------------------------------------- */

/* One scope on the lookup chain: the root, or a loop row. */
struct frame {
	const struct tmpl_vars	*vars;		/* may be NULL (empty) */
	const struct frame	*up;
	size_t			 index, count;	/* loop rows only */
	int			 in_loop;
};

struct render {
	struct tmpl_cache *cache;
	const char	*lang;
	int		 strict;
	int		 strict_cat;
	struct buf	*out;
	struct buf	*err;
	unsigned	 depth;
};

/* What a name resolves to. */
struct lookup {
	const char		*str;		/* string value, or NULL */
	const struct tmpl_entry	*loop;		/* loop entry, or NULL */
	char			 num[24];	/* helper values */
};

static void
lookup(const struct frame *fr, const struct node *n, struct lookup *l)
{
	const struct tmpl_entry *e;
	size_t v = 0;

	l->str = NULL;
	l->loop = NULL;
	if (n->helper != H_NONE) {
		while (fr != NULL && !fr->in_loop)
			fr = fr->up;
		if (fr == NULL)
			return;
		switch (n->helper) {
		case H_FIRST: v = fr->index == 0; break;
		case H_LAST:  v = fr->index + 1 == fr->count; break;
		case H_ODD:   v = fr->index % 2 == 0; break;
		case H_EVEN:  v = fr->index % 2 == 1; break;
		case H_INDEX: v = fr->index + 1; break;
		case H_COUNT: v = fr->count; break;
		case H_NONE:
		case H__MAX:  break;
		}
		snprintf(l->num, sizeof(l->num), "%zu", v);
		l->str = l->num;
		return;
	}
	for (; fr != NULL; fr = fr->up) {
		if (fr->vars == NULL)
			continue;
		if ((e = tmpl_vars_find(fr->vars, n->name, n->len, n->hash)) == NULL)
			continue;
		if (e->value != NULL)
			l->str = e->value;
		else
			l->loop = e;
		return;
	}
}

static int
cond_true(const struct frame *fr, const struct node *n)
{
	struct lookup l;
	int t;

	lookup(fr, n, &l);
	if (n->arg != NULL)
		t = l.str != NULL && strcmp(l.str, n->arg) == 0;
	else if (l.loop != NULL)
		t = l.loop->nrows > 0;
	else
		t = l.str != NULL && l.str[0] != '\0' && strcmp(l.str, "0") != 0;
	return n->negate ? !t : t;
}

static int render_range(struct render *, const struct tmpl_file *, size_t,
    size_t, const struct frame *);

#define rerr(r, f, n, ...) \
	(tmpl_errorf((r)->err, (f)->name, (n)->line, __VA_ARGS__), -1)

/* A stored date or time (FORMAT=date, {name:date}) as the render's
 * language writes it; other values as they are. */
static int
put_date(struct render *r, const struct node *n, const char *s)
{
	char d[96];

	if (datefmt_text(r->lang, s, d, sizeof(d)) == -1)
		return tmpl_escapes[n->esc].put(r->out, s);
	return tmpl_escapes[n->esc].put(r->out, d);
}

static int
render_var(struct render *r, const struct tmpl_file *f, const struct node *n,
    const struct frame *fr)
{
	struct lookup l;
	const char *s;

	lookup(fr, n, &l);
	if (l.loop != NULL)
		return rerr(r, f, n, "TMPL_VAR %s names a loop", n->name);
	if ((s = l.str) == NULL && (s = n->arg) == NULL) {
		if (r->strict)
			return rerr(r, f, n, "variable %s is not set",
			    n->name);
		return 0;
	}
	if (n->date ? put_date(r, n, s) == -1 : tmpl_escapes[n->esc].put(r->out,
	    s) == -1)
		return rerr(r, f, n, "output too large");
	return 0;
}

static int
render_loop(struct render *r, const struct tmpl_file *f, size_t i,
    const struct frame *fr)
{
	const struct node *n = &f->nodes[i];
	struct lookup l;
	struct frame row;

	lookup(fr, n, &l);
	if (l.str != NULL)
		return rerr(r, f, n, "TMPL_LOOP %s names a value, not a loop",
		    n->name);
	if (l.loop == NULL)
		return 0;
	row.up = fr;
	row.in_loop = 1;
	row.count = l.loop->nrows;
	for (row.index = 0; row.index < row.count; row.index++) {
		row.vars = l.loop->rows[row.index];
		if (render_range(r, f, i + 1, n->end, &row) == -1)
			return -1;
	}
	return 0;
}

/* ---- message catalogs (core's i18n.c) -------------------------------- */

struct i18n *
tmpl_cache_i18n(struct tmpl_cache *c)
{
	return c ? c->i18n : NULL;
}

const char *
tmpl_msg(struct tmpl_cache *c, const char *lang, const char *key)
{
	return i18n_msg(tmpl_cache_i18n(c), lang, key);
}

int
tmpl_msgf(struct tmpl_cache *c, const char *lang, struct buf *out,
    const char *key, ...)
{
	va_list ap;
	int rc;

	va_start(ap, key);
	rc = i18n_vmsgf(tmpl_cache_i18n(c), lang, out, key, ap);
	va_end(ap);
	return rc;
}

/* The text of n's key in the render's language: a missing catalog or key
 * is an error in strict mode, else English stands in, else the key. */
static const char *
t_text(struct render *r, const struct tmpl_file *f, const struct node *n)
{
	const char *t;
	char why[256] = "no template directory";

	if (r->cache != NULL && (t = i18n_get(r->cache->i18n, r->lang, n->name,
	    why, sizeof(why))) != NULL)
		return t;
	if (r->strict_cat || r->cache == NULL) {
		(void)rerr(r, f, n, "TMPL_T %s: %s", n->name, why);
		return NULL;
	}
	return i18n_msg(r->cache->i18n, I18N_LANG_DEFAULT, n->name);
}

/* Value of a placeholder, looked up like a TMPL_VAR. */
static const char *
t_value(const struct frame *fr, const char *name, size_t len)
{
	const struct tmpl_entry *e;
	uint32_t h = tmpl_name_hash(name, len);

	for (; fr != NULL; fr = fr->up)
		if (fr->vars != NULL &&
		    (e = tmpl_vars_find(fr->vars, name, len, h)) != NULL)
			return e->value;
	return NULL;
}

/* Appends text[0..len) through n's escaper. */
static int
t_put(struct render *r, const struct node *n, const char *text, size_t len)
{
	char *copy;
	int rc;

	if ((copy = strndup(text, len)) == NULL)
		return -1;
	rc = tmpl_escapes[n->esc].put(r->out, copy);
	free(copy);
	return rc;
}

static int
render_t(struct render *r, const struct tmpl_file *f, const struct node *n,
    const struct frame *fr)
{
	const char *t, *s, *v;
	size_t nl;
	int ph;

	if ((t = t_text(r, f, n)) == NULL)
		return -1;
	for (s = t; *s != '\0'; s++) {
		if ((ph = i18n_placeholder_len(s)) == 0)
			continue;
		if (t_put(r, n, t, (size_t)(s - t)) == -1)
			return rerr(r, f, n, "output too large");
		nl = i18n_placeholder_name(s);
		v = t_value(fr, s + 1, nl);
		if (v == NULL && r->strict)
			return rerr(r, f, n, "TMPL_T %s: placeholder %.*s is not "
			    "set", n->name, ph, s);
		if (v != NULL && (nl + 2 < (size_t)ph ? put_date(r, n, v) :
		    tmpl_escapes[n->esc].put(r->out, v)) == -1)
			return rerr(r, f, n, "output too large");
		t = s + ph;
		s = t - 1;
	}
	if (t_put(r, n, t, strlen(t)) == -1)
		return rerr(r, f, n, "output too large");
	return 0;
}

/* First node to render for the IF chain starting at i. */
static size_t
if_choose(const struct tmpl_file *f, size_t i, const struct frame *fr)
{
	for (;;) {
		const struct node *n = &f->nodes[i];

		if (n->kind == N_ENDIF || n->kind == N_ELSE)
			return i + 1;
		if (cond_true(fr, n))
			return i + 1;
		i = n->next;
	}
}

static int
render_range(struct render *r, const struct tmpl_file *f, size_t from,
    size_t to, const struct frame *fr)
{
	const struct node *n;
	size_t i = from;
	int rc = 0;

	if (from >= to)
		return 0;
	if (r->depth >= TMPL_RENDER_MAX)
		return rerr(r, f, &f->nodes[from], "nested deeper than %d",
		    TMPL_RENDER_MAX);
	r->depth++;
	while (i < to && rc == 0) {
		n = &f->nodes[i];
		switch (n->kind) {
		case N_TEXT:
			if (buf_append(r->out, n->text, n->len) == -1)
				rc = rerr(r, f, n, "output too large");
			i++;
			break;
		case N_VAR:
			rc = render_var(r, f, n, fr);
			i++;
			break;
		case N_T:
			rc = render_t(r, f, n, fr);
			i++;
			break;
		case N_IF:
			i = if_choose(f, i, fr);
			break;
		case N_ELSIF:
		case N_ELSE:		/* end of the branch taken */
			i = n->end + 1;
			break;
		case N_LOOP:
			rc = render_loop(r, f, i, fr);
			i = n->end + 1;
			break;
		case N_INCLUDE:
			rc = render_range(r, n->inc, 0, n->inc->n, fr);
			i++;
			break;
		case N_ENDIF:
		case N_ENDLOOP:
			i++;
			break;
		}
	}
	r->depth--;
	return rc;
}

static int
render_file(struct tmpl_cache *c, const struct tmpl_file *f,
    const struct tmpl_vars *vars, struct buf *out, struct buf *err)
{
	struct render r;
	struct frame root;

	r.cache = c;
	r.lang = tmpl_get(vars, "lang");
	if (r.lang == NULL || *r.lang == '\0')
		r.lang = I18N_LANG_DEFAULT;
	r.strict = c ? (c->strict & TMPL_STRICT) != 0 : 0;
	r.strict_cat = c ? c->strict != 0 : 0;
	r.out = out;
	r.err = err;
	r.depth = 0;
	root.vars = vars;
	root.up = NULL;
	root.index = root.count = 0;
	root.in_loop = 0;
	if (f->n == 0)
		return 0;
	return render_range(&r, f, 0, f->n, &root);
}

int
tmpl_render(struct tmpl_cache *c, const char *name,
    const struct tmpl_vars *vars, struct buf *out, struct buf *err)
{
	const char *chain[TMPL_INCLUDE_MAX + 1];
	const struct tmpl_file *f;

	if (c == NULL || name == NULL || out == NULL) {
		tmpl_errorf(err, name ? name : "(null)", 0, "bad arguments");
		return -1;
	}
	if (!tmpl_valid_file_name(name)) {
		tmpl_errorf(err, name, 0, "bad template path");
		return -1;
	}
	if ((f = tmpl_cache_load(c, name, chain, 0, err, NULL, 0)) == NULL)
		return -1;
	return render_file(c, f, vars, out, err);
}

int
tmpl_render_string(struct tmpl_cache *c, const char *src,
    const struct tmpl_vars *vars, struct buf *out, struct buf *err)
{
	const char *chain[TMPL_INCLUDE_MAX + 1];
	struct tmpl_file *f;
	int rc = -1;

	if (src == NULL || out == NULL) {
		tmpl_errorf(err, TMPL_STRING_NAME, 0, "bad arguments");
		return -1;
	}
	if ((f = tmpl_file_new(TMPL_STRING_NAME, src)) == NULL) {
		tmpl_errorf(err, TMPL_STRING_NAME, 0, "out of memory");
		return -1;
	}
	f->anon = 1;
	if (tmpl_parse_file(c, tmpl_cache_load, f, chain, 0, err) == 0)
		rc = render_file(c, f, vars, out, err);
	tmpl_file_free(f);
	return rc;
}
