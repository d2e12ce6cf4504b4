/* Template engine: variables, parser, per-worker cache and renderer.
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
#include "tmpl.h"
#include "tmpl_i18n.h"
#include "datefmt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMPL_NEST_MAX	64	/* open IF/LOOP blocks in one file */
#define TMPL_INCLUDE_MAX 16	/* include chain length */
#define TMPL_RENDER_MAX	256	/* loop + include recursion while rendering */
#define TMPL_VARS_MAX	64	/* nesting of loop rows in a vars tree */
#define TMPL_FILE_MAX	(4u * 1024 * 1024)
#define TMPL_STRING_NAME "(string)"

/* ---- variables ------------------------------------------------------- */

struct tmpl_entry {
	char			 *name;
	uint32_t		  hash;
	char			 *value;	/* NULL when the entry is a loop */
	struct tmpl_vars	**rows;
	size_t			  nrows, caprows;
};

struct tmpl_vars {
	struct tmpl_entry	*ents;
	size_t			 n, cap;
	unsigned		 depth;		/* 0 for a root scope */
};

static uint32_t
name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

struct tmpl_vars *
tmpl_vars_new(void)
{
	return calloc(1, sizeof(struct tmpl_vars));
}

static void
entry_clear(struct tmpl_entry *e)
{
	free(e->value);
	e->value = NULL;
	for (size_t i = 0; i < e->nrows; i++)
		tmpl_vars_free(e->rows[i]);
	free(e->rows);
	e->rows = NULL;
	e->nrows = e->caprows = 0;
}

/* Recursion is bounded by TMPL_VARS_MAX (tmpl_loop_add refuses deeper rows). */
void
tmpl_vars_free(struct tmpl_vars *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		entry_clear(&v->ents[i]);
		free(v->ents[i].name);
	}
	free(v->ents);
	free(v);
}

static struct tmpl_entry *
vars_find(const struct tmpl_vars *v, const char *name, size_t len, uint32_t h)
{
	for (size_t i = 0; i < v->n; i++) {
		struct tmpl_entry *e = &v->ents[i];

		if (e->hash == h && strncmp(e->name, name, len) == 0 &&
		    e->name[len] == '\0')
			return e;
	}
	return NULL;
}

/* The entry for name, created empty if absent; NULL on ENOMEM. */
static struct tmpl_entry *
vars_slot(struct tmpl_vars *v, const char *name)
{
	size_t len = strlen(name);
	uint32_t h = name_hash(name, len);
	struct tmpl_entry *e;

	if ((e = vars_find(v, name, len, h)) != NULL)
		return e;
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 8;
		struct tmpl_entry *p = realloc(v->ents, ncap * sizeof(*p));

		if (p == NULL)
			return NULL;
		v->ents = p;
		v->cap = ncap;
	}
	e = &v->ents[v->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return NULL;
	e->hash = h;
	v->n++;
	return e;
}

int
tmpl_set(struct tmpl_vars *v, const char *name, const char *value)
{
	struct tmpl_entry *e;
	char *copy;

	if (v == NULL || name == NULL || *name == '\0')
		return -1;
	if ((copy = str_dup(value)) == NULL)
		return -1;
	if ((e = vars_slot(v, name)) == NULL) {
		free(copy);
		return -1;
	}
	entry_clear(e);
	e->value = copy;
	return 0;
}

int
tmpl_setf(struct tmpl_vars *v, const char *name, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int rc;

	buf_init(&b, 0);
	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = tmpl_set(v, name, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int
tmpl_set_int(struct tmpl_vars *v, const char *name, int64_t n)
{
	char num[32];

	if (str_fmt(num, sizeof(num), "%" PRId64, n) == -1)
		return -1;
	return tmpl_set(v, name, num);
}

int
tmpl_set_bool(struct tmpl_vars *v, const char *name, int on)
{
	struct tmpl_entry *e;
	size_t len;

	if (on)
		return tmpl_set(v, name, "1");
	if (v == NULL || name == NULL)
		return -1;
	len = strlen(name);
	if ((e = vars_find(v, name, len, name_hash(name, len))) == NULL)
		return 0;
	entry_clear(e);
	free(e->name);
	*e = v->ents[--v->n];
	return 0;
}

struct tmpl_vars *
tmpl_loop_add(struct tmpl_vars *v, const char *name)
{
	struct tmpl_entry *e;
	struct tmpl_vars *row;

	if (v == NULL || name == NULL || *name == '\0' ||
	    v->depth >= TMPL_VARS_MAX)
		return NULL;
	if ((e = vars_slot(v, name)) == NULL)
		return NULL;
	if (e->value != NULL)
		entry_clear(e);		/* a string value becomes a loop */
	if (e->nrows == e->caprows) {
		size_t ncap = e->caprows ? e->caprows * 2 : 4;
		struct tmpl_vars **p = realloc(e->rows, ncap * sizeof(*p));

		if (p == NULL)
			return NULL;
		e->rows = p;
		e->caprows = ncap;
	}
	if ((row = tmpl_vars_new()) == NULL)
		return NULL;
	row->depth = v->depth + 1;
	e->rows[e->nrows++] = row;
	return row;
}

const char *
tmpl_get(const struct tmpl_vars *v, const char *name)
{
	const struct tmpl_entry *e;
	size_t len;

	if (v == NULL || name == NULL)
		return NULL;
	len = strlen(name);
	e = vars_find(v, name, len, name_hash(name, len));
	return e ? e->value : NULL;
}

/* ---- parsed templates ------------------------------------------------- */

enum node_kind {
	N_TEXT, N_VAR, N_IF, N_ELSIF, N_ELSE, N_ENDIF, N_LOOP, N_ENDLOOP,
	N_INCLUDE, N_T
};

enum esc { ESC_HTML, ESC_ATTR, ESC_URL, ESC_JS, ESC_RAW, ESC__MAX };

static const struct {
	const char	*name;
	int		(*put)(struct buf *, const char *);
} escapes[ESC__MAX] = {
	[ESC_HTML] = { "html", tmpl_escape_html },
	[ESC_ATTR] = { "attr", tmpl_escape_attr },
	[ESC_URL] =  { "url", tmpl_escape_url },
	[ESC_JS] =   { "js", tmpl_escape_js },
	[ESC_RAW] =  { "raw", buf_puts },
};

/* Loop helper variables, resolved at parse time. */
enum helper {
	H_NONE, H_FIRST, H_LAST, H_ODD, H_EVEN, H_INDEX, H_COUNT, H__MAX
};

static const char *const helper_names[H__MAX] = {
	[H_FIRST] = "__first__", [H_LAST] = "__last__", [H_ODD] = "__odd__",
	[H_EVEN] = "__even__", [H_INDEX] = "__index__", [H_COUNT] = "__count__",
};

struct tmpl_file;

struct node {
	enum node_kind	 kind;
	unsigned	 line;
	enum esc	 esc;		/* VAR */
	int		 date;		/* VAR: FORMAT=date */
	enum helper	 helper;	/* VAR, IF, ELSIF */
	int		 negate;	/* IF from TMPL_UNLESS */
	uint32_t	 hash;		/* of name */
	size_t		 next;		/* IF/ELSIF: next branch node */
	size_t		 end;		/* branches: ENDIF; LOOP: ENDLOOP */
	const char	*text;		/* TEXT: slice of the file's source */
	size_t		 len;		/* TEXT: bytes; others: strlen(name) */
	char		*name;
	char		*arg;		/* VAR: DEFAULT; IF/ELSIF: VALUE */
	const struct tmpl_file *inc;	/* INCLUDE */
};

struct tmpl_file {
	char		*name;
	char		*src;
	struct node	*nodes;
	size_t		 n, cap;
	unsigned	 height;	/* longest include chain below this file */
	int		 anon;		/* from a string: not in the cache */
};

struct tmpl_cache {
	char		 *dir;
	int		  strict;
	struct tmpl_file **files;
	size_t		  n, cap;
	struct tmpl_catalog *cats[TMPL_LANGS_MAX];	/* loaded catalogs */
	size_t		  ncats;
};

static void
file_free(struct tmpl_file *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->nodes[i].name);
		free(f->nodes[i].arg);
	}
	free(f->nodes);
	free(f->src);
	free(f->name);
	free(f);
}

/* ---- parser ----------------------------------------------------------- */

enum tag {
	TAG_VAR, TAG_IF, TAG_ELSIF, TAG_ELSE, TAG_UNLESS, TAG_LOOP,
	TAG_INCLUDE, TAG_T, TAG__MAX
};

enum attr { ATTR_NAME, ATTR_DEFAULT, ATTR_ESCAPE, ATTR_VALUE, ATTR_FORMAT,
    ATTR__MAX };

#define A(x)	(1u << (x))

static const char *const attr_names[ATTR__MAX] = {
	[ATTR_NAME] = "NAME", [ATTR_DEFAULT] = "DEFAULT",
	[ATTR_ESCAPE] = "ESCAPE", [ATTR_VALUE] = "VALUE",
	[ATTR_FORMAT] = "FORMAT",
};

static const struct tagdef {
	const char	*name;
	unsigned	 attrs;		/* allowed; NAME is then required */
	int		 closes;	/* has a </TMPL_x> form */
} tags[TAG__MAX] = {
	[TAG_VAR] =	{ "VAR", A(ATTR_NAME) | A(ATTR_DEFAULT) | A(ATTR_ESCAPE) |
			    A(ATTR_FORMAT), 0 },
	[TAG_IF] =	{ "IF", A(ATTR_NAME) | A(ATTR_VALUE), 1 },
	[TAG_ELSIF] =	{ "ELSIF", A(ATTR_NAME) | A(ATTR_VALUE), 0 },
	[TAG_ELSE] =	{ "ELSE", 0, 0 },
	[TAG_UNLESS] =	{ "UNLESS", A(ATTR_NAME), 1 },
	[TAG_LOOP] =	{ "LOOP", A(ATTR_NAME), 1 },
	[TAG_INCLUDE] =	{ "INCLUDE", A(ATTR_NAME), 0 },
	[TAG_T] =	{ "T", A(ATTR_NAME) | A(ATTR_ESCAPE), 0 },
};

struct block {
	enum tag	 tag;		/* IF, UNLESS or LOOP */
	size_t		 open;		/* node index of the opener */
	size_t		 branch;	/* latest IF/ELSIF/ELSE node */
	unsigned	 line;
	int		 has_else;
};

struct parser {
	struct tmpl_cache *cache;	/* NULL: includes are refused */
	struct tmpl_file  *tf;
	const char	  *src;
	size_t		   len, pos;
	unsigned	   line;
	struct block	   blocks[TMPL_NEST_MAX];
	size_t		   nblocks;
	const char	 **chain;	/* files being parsed, outermost first */
	size_t		   depth;	/* index of this file in chain */
	struct buf	  *err;
};

/* Attributes of one tag, owned by the caller of tag_attrs(). */
struct attrs {
	char		*v[ATTR__MAX];
};

static void
errorf(struct buf *err, const char *file, unsigned line, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

static void
errorf(struct buf *err, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	if (line)
		buf_printf(err, "%s:%u: ", file, line);
	else
		buf_printf(err, "%s: ", file);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
}

#define perr(p, line, ...) \
	(errorf((p)->err, (p)->tf->name, (line), __VA_ARGS__), -1)

static void
attrs_free(struct attrs *a)
{
	for (size_t i = 0; i < ATTR__MAX; i++) {
		free(a->v[i]);
		a->v[i] = NULL;
	}
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static int
is_word(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* Variable names: letters, digits, '_', '.', '-'. */
static int
valid_var_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!is_word(*s) && !(*s >= '0' && *s <= '9') &&
		    *s != '.' && *s != '-')
			return 0;
	return 1;
}

/* Relative, no ".." component, no empty name or trailing slash. */
static int
valid_file_name(const char *s)
{
	const char *c = s, *slash;
	size_t n;

	if (*s == '\0' || *s == '/')
		return 0;
	for (;;) {
		slash = strchr(c, '/');
		n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return 0;
		if (slash == NULL)
			return n > 0;
		c = slash + 1;
	}
}

static void
advance(struct parser *p, size_t to)
{
	const char *s = p->src + p->pos, *e = p->src + to, *nl;

	while ((nl = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		p->line++;
		s = nl + 1;
	}
	p->pos = to;
}

static struct node *
node_add(struct parser *p, enum node_kind kind, unsigned line)
{
	struct tmpl_file *f = p->tf;
	struct node *n;

	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 32;
		struct node *np = realloc(f->nodes, ncap * sizeof(*np));

		if (np == NULL) {
			(void)perr(p, line, "out of memory");
			return NULL;
		}
		f->nodes = np;
		f->cap = ncap;
	}
	n = &f->nodes[f->n++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	return n;
}

static int
text_add(struct parser *p, size_t from, size_t to)
{
	unsigned line = p->line;
	struct node *n;

	if (to == from)
		return 0;
	advance(p, to);
	if ((n = node_add(p, N_TEXT, line)) == NULL)
		return -1;
	n->text = p->src + from;
	n->len = to - from;
	return 0;
}

/* Reads a quoted or bare attribute value at *i into a new string. */
static int
attr_value(struct parser *p, size_t *i, unsigned line, char **out)
{
	const char *s = p->src;
	size_t start, end;
	char q = s[*i];

	if (q == '"' || q == '\'') {
		start = ++*i;
		while (*i < p->len && s[*i] != q)
			++*i;
		if (*i >= p->len)
			return perr(p, line, "unterminated quoted value");
		end = (*i)++;
		if (*i < p->len && !is_space(s[*i]) && s[*i] != '>')
			return perr(p, line, "bad attribute after quoted value");
	} else {
		start = *i;
		while (*i < p->len && !is_space(s[*i]) && s[*i] != '>') {
			if (strchr("\"'=<`", s[*i]) != NULL)
				return perr(p, line, "bad attribute value");
			++*i;
		}
		end = *i;
		if (end == start)
			return perr(p, line, "missing attribute value");
	}
	if ((*out = strndup(s + start, end - start)) == NULL)
		return perr(p, line, "out of memory");
	return 0;
}

/* Reads one KEY=value or positional value (taken as NAME) at *i. */
static int
attr_one(struct parser *p, enum tag t, size_t *i, unsigned line,
    struct attrs *a)
{
	const char *s = p->src;
	size_t w = *i, j;
	int k = ATTR_NAME;
	char *val;

	if (s[w] != '"' && s[w] != '\'') {
		while (w < p->len && !is_space(s[w]) && s[w] != '>' &&
		    s[w] != '=' && s[w] != '"' && s[w] != '\'')
			w++;
		for (j = w; j < p->len && is_space(s[j]); j++)
			;
		if (j < p->len && s[j] == '=') {
			for (k = 0; k < ATTR__MAX; k++)
				if (strlen(attr_names[k]) == w - *i &&
				    strncasecmp(attr_names[k], s + *i,
				    w - *i) == 0)
					break;
			if (k == ATTR__MAX || !(tags[t].attrs & A(k)))
				return perr(p, line, "unknown attribute "
				    "\"%.*s\" in TMPL_%s", (int)(w - *i > 40 ?
				    40 : w - *i), s + *i, tags[t].name);
			for (w = j + 1; w < p->len && is_space(s[w]); w++)
				;
			*i = w;
		}
	}
	if (*i >= p->len)
		return perr(p, line, "unterminated TMPL_%s tag", tags[t].name);
	if (!(tags[t].attrs & A(k)))
		return perr(p, line, "TMPL_%s takes no attributes",
		    tags[t].name);
	if (attr_value(p, i, line, &val) == -1)
		return -1;
	if (a->v[k] != NULL) {
		free(val);
		return perr(p, line, "duplicate %s in TMPL_%s", attr_names[k],
		    tags[t].name);
	}
	a->v[k] = val;
	return 0;
}

/* Parses attributes from p->pos up to and including '>'. */
static int
tag_attrs(struct parser *p, enum tag t, unsigned line, struct attrs *a)
{
	size_t i = p->pos;

	for (;;) {
		while (i < p->len && is_space(p->src[i]))
			i++;
		if (i >= p->len)
			return perr(p, line, "unterminated TMPL_%s tag",
			    tags[t].name);
		if (p->src[i] == '>')
			break;
		if (attr_one(p, t, &i, line, a) == -1)
			return -1;
	}
	advance(p, i + 1);
	if ((tags[t].attrs & A(ATTR_NAME)) && a->v[ATTR_NAME] == NULL)
		return perr(p, line, "TMPL_%s needs a name", tags[t].name);
	return 0;
}

static int
set_name(struct parser *p, struct node *n, struct attrs *a)
{
	n->name = a->v[ATTR_NAME];
	a->v[ATTR_NAME] = NULL;
	if (!valid_var_name(n->name))
		return perr(p, n->line, "bad variable name \"%.40s\"", n->name);
	n->len = strlen(n->name);
	n->hash = name_hash(n->name, n->len);
	for (int h = H_FIRST; h < H__MAX; h++)
		if (strcmp(n->name, helper_names[h]) == 0)
			n->helper = (enum helper)h;
	return 0;
}

static int
emit_var(struct parser *p, unsigned line, struct attrs *a, enum node_kind k)
{
	struct node *n;
	int e = ESC_HTML;

	if (a->v[ATTR_ESCAPE] != NULL) {
		for (e = 0; e < ESC__MAX; e++)
			if (str_ieq(a->v[ATTR_ESCAPE], escapes[e].name))
				break;
		if (e == ESC__MAX)
			return perr(p, line, "unknown ESCAPE \"%.40s\"",
			    a->v[ATTR_ESCAPE]);
	}
	if (a->v[ATTR_FORMAT] != NULL && !str_ieq(a->v[ATTR_FORMAT], "date"))
		return perr(p, line, "unknown FORMAT \"%.40s\"", a->v[ATTR_FORMAT]);
	if ((n = node_add(p, k, line)) == NULL)
		return -1;
	n->esc = (enum esc)e;
	n->date = a->v[ATTR_FORMAT] != NULL;
	n->arg = a->v[ATTR_DEFAULT];
	a->v[ATTR_DEFAULT] = NULL;
	return set_name(p, n, a);
}

static int
block_push(struct parser *p, enum tag t, unsigned line)
{
	struct block *b;

	if (p->nblocks == TMPL_NEST_MAX)
		return perr(p, line, "blocks nested deeper than %d",
		    TMPL_NEST_MAX);
	b = &p->blocks[p->nblocks++];
	b->tag = t;
	b->open = b->branch = p->tf->n;
	b->line = line;
	b->has_else = 0;
	return 0;
}

static int
emit_open(struct parser *p, enum tag t, unsigned line, struct attrs *a)
{
	struct node *n;

	if (block_push(p, t, line) == -1)
		return -1;
	if ((n = node_add(p, t == TAG_LOOP ? N_LOOP : N_IF, line)) == NULL)
		return -1;
	n->negate = t == TAG_UNLESS;
	n->arg = a->v[ATTR_VALUE];
	a->v[ATTR_VALUE] = NULL;
	return set_name(p, n, a);
}

static struct block *
open_if(struct parser *p, enum tag t, unsigned line)
{
	struct block *b;

	if (p->nblocks == 0 || p->blocks[p->nblocks - 1].tag == TAG_LOOP) {
		(void)perr(p, line, "TMPL_%s without TMPL_IF", tags[t].name);
		return NULL;
	}
	b = &p->blocks[p->nblocks - 1];
	if (b->has_else) {
		(void)perr(p, line, "TMPL_%s after TMPL_ELSE", tags[t].name);
		return NULL;
	}
	if (t == TAG_ELSIF && b->tag == TAG_UNLESS) {
		(void)perr(p, line, "TMPL_ELSIF inside TMPL_UNLESS");
		return NULL;
	}
	return b;
}

static int
emit_branch(struct parser *p, enum tag t, unsigned line, struct attrs *a)
{
	struct block *b;
	struct node *n;

	if ((b = open_if(p, t, line)) == NULL)
		return -1;
	if ((n = node_add(p, t == TAG_ELSE ? N_ELSE : N_ELSIF, line)) == NULL)
		return -1;
	p->tf->nodes[b->branch].next = p->tf->n - 1;
	b->branch = p->tf->n - 1;
	if (t == TAG_ELSE) {
		b->has_else = 1;
		return 0;
	}
	n->arg = a->v[ATTR_VALUE];
	a->v[ATTR_VALUE] = NULL;
	return set_name(p, n, a);
}

static int
emit_close(struct parser *p, enum tag t, unsigned line)
{
	struct block *b;
	struct node *nodes;
	size_t end, i;

	if (p->nblocks == 0)
		return perr(p, line, "</TMPL_%s> without TMPL_%s",
		    tags[t].name, tags[t].name);
	b = &p->blocks[p->nblocks - 1];
	if (b->tag != t)
		return perr(p, line, "</TMPL_%s> closes TMPL_%s opened at "
		    "line %u", tags[t].name, tags[b->tag].name, b->line);
	if (node_add(p, t == TAG_LOOP ? N_ENDLOOP : N_ENDIF, line) == NULL)
		return -1;
	nodes = p->tf->nodes;
	end = p->tf->n - 1;
	if (t == TAG_LOOP)
		nodes[b->open].end = end;
	else {
		nodes[b->branch].next = end;
		for (i = b->open; i != end; i = nodes[i].next)
			nodes[i].end = end;
	}
	p->nblocks--;
	return 0;
}

/* Finds (or loads and parses) an included file for parser p. */
static const struct tmpl_file *
cache_load(struct tmpl_cache *, const char *, const char **, size_t,
    struct buf *, const char *, unsigned);

static int
emit_include(struct parser *p, unsigned line, struct attrs *a)
{
	const struct tmpl_file *inc;
	struct node *n;
	const char *name = a->v[ATTR_NAME];

	if (!valid_file_name(name))
		return perr(p, line, "bad include path \"%.80s\"", name);
	if (p->cache == NULL)
		return perr(p, line, "include \"%.80s\" without a template "
		    "directory", name);
	inc = cache_load(p->cache, name, p->chain, p->depth + 1, p->err,
	    p->tf->name, line);
	if (inc == NULL)
		return -1;
	if (p->depth + 1 + inc->height > TMPL_INCLUDE_MAX)
		return perr(p, line, "includes nested deeper than %d",
		    TMPL_INCLUDE_MAX);
	if (inc->height + 1 > p->tf->height)
		p->tf->height = inc->height + 1;
	if ((n = node_add(p, N_INCLUDE, line)) == NULL)
		return -1;
	n->inc = inc;
	return 0;
}

static int
emit_tag(struct parser *p, enum tag t, unsigned line, struct attrs *a)
{
	switch (t) {
	case TAG_VAR:
		return emit_var(p, line, a, N_VAR);
	case TAG_T:
		return emit_var(p, line, a, N_T);
	case TAG_IF:
	case TAG_UNLESS:
	case TAG_LOOP:
		return emit_open(p, t, line, a);
	case TAG_ELSIF:
	case TAG_ELSE:
		return emit_branch(p, t, line, a);
	case TAG_INCLUDE:
		return emit_include(p, line, a);
	case TAG__MAX:
		break;
	}
	return perr(p, line, "internal error");
}

/* At "<TMPL_" or "</TMPL_" (p->pos on '<'): parses the whole tag. */
static int
parse_tag(struct parser *p)
{
	struct attrs a = { { NULL } };
	unsigned line = p->line;
	const char *s = p->src;
	size_t i = p->pos + 1, w;
	int closing = 0, t, rc;

	if (s[i] == '/') {
		closing = 1;
		i++;
	}
	i += 5;				/* "TMPL_" */
	for (w = i; w < p->len && is_word(s[w]); w++)
		;
	for (t = 0; t < TAG__MAX; t++)
		if (strlen(tags[t].name) == w - i &&
		    strncasecmp(tags[t].name, s + i, w - i) == 0)
			break;
	if (t == TAG__MAX || (closing && !tags[t].closes))
		return perr(p, line, "unknown tag <%sTMPL_%.*s>",
		    closing ? "/" : "", (int)(w - i > 40 ? 40 : w - i), s + i);
	if (w < p->len && !is_space(s[w]) && s[w] != '>')
		return perr(p, line, "bad character after TMPL_%s",
		    tags[t].name);
	advance(p, w);
	if (closing) {
		while (w < p->len && is_space(s[w]))
			w++;
		if (w >= p->len || s[w] != '>')
			return perr(p, line, "bad closing tag </TMPL_%s>",
			    tags[t].name);
		advance(p, w + 1);
		return emit_close(p, (enum tag)t, line);
	}
	rc = tag_attrs(p, (enum tag)t, line, &a);
	if (rc == 0)
		rc = emit_tag(p, (enum tag)t, line, &a);
	attrs_free(&a);
	return rc;
}

static int
parse_comment(struct parser *p)
{
	unsigned line = p->line;
	size_t i;

	for (i = p->pos + 2; i + 1 < p->len; i++)
		if (p->src[i] == '*' && p->src[i + 1] == '>') {
			advance(p, i + 2);
			return 0;
		}
	return perr(p, line, "unterminated comment");
}

static int
at_tag(const struct parser *p, size_t i)
{
	const char *s = p->src + i;
	size_t left = p->len - i;

	if (left > 1 && s[1] == '/') {
		s++;
		left--;
	}
	return left >= 6 && strncasecmp(s + 1, "TMPL_", 5) == 0;
}

static int
parse_body(struct parser *p)
{
	const char *lt;
	size_t i;

	while (p->pos < p->len) {
		i = p->pos;
		for (;;) {
			lt = memchr(p->src + i, '<', p->len - i);
			i = lt ? (size_t)(lt - p->src) : p->len;
			if (i >= p->len || at_tag(p, i) ||
			    (i + 1 < p->len && p->src[i + 1] == '*'))
				break;
			i++;
		}
		if (text_add(p, p->pos, i) == -1)
			return -1;
		if (i >= p->len)
			break;
		if (p->src[i + 1] == '*') {
			if (parse_comment(p) == -1)
				return -1;
		} else if (parse_tag(p) == -1)
			return -1;
	}
	if (p->nblocks > 0) {
		struct block *b = &p->blocks[p->nblocks - 1];

		return perr(p, b->line, "unclosed TMPL_%s", tags[b->tag].name);
	}
	return 0;
}

/* Parses f->src into f->nodes. chain[depth] is set to f's name. */
static int
parse_file(struct tmpl_cache *c, struct tmpl_file *f, const char **chain,
    size_t depth, struct buf *err)
{
	struct parser *p;
	size_t len = strlen(f->src);
	int rc;

	/* The block stack is large; keep it off the (possibly deep) C stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		errorf(err, f->name, 0, "out of memory");
		return -1;
	}
	p->cache = c;
	p->tf = f;
	p->src = f->src;
	p->len = len;
	p->line = 1;
	p->chain = chain;
	p->depth = depth;
	p->err = err;
	chain[depth] = f->anon ? NULL : f->name;
	rc = parse_body(p);
	free(p);
	return rc;
}

/* ---- cache ------------------------------------------------------------ */

struct tmpl_cache *
tmpl_cache_new(const char *dir, int strict)
{
	struct tmpl_cache *c;

	if (dir == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->dir = strdup(dir)) == NULL) {
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
		file_free(c->files[i]);
	for (size_t i = 0; i < c->ncats; i++)
		tmpl_catalog_free(c->cats[i]);
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

static struct tmpl_file *
file_new(const char *name, const char *src)
{
	struct tmpl_file *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->name = strdup(name);
	f->src = src ? strdup(src) : NULL;
	if (f->name == NULL || (src != NULL && f->src == NULL)) {
		file_free(f);
		return NULL;
	}
	return f;
}

/* Returns the cached, parsed template `name`, loading it on a miss. chain
 * holds the names of the files being parsed around this one (depth of
 * them); from/line locate the include for error messages (from NULL for
 * a top-level template). */
static const struct tmpl_file *
cache_load(struct tmpl_cache *c, const char *name, const char **chain,
    size_t depth, struct buf *err, const char *from, unsigned line)
{
	const struct tmpl_file *hit;
	struct tmpl_file *f;
	const char *where = from ? from : name;

	if ((hit = cache_find(c, name)) != NULL)
		return hit;
	for (size_t i = 0; i < depth; i++)
		if (chain[i] != NULL && strcmp(chain[i], name) == 0) {
			errorf(err, where, line, "recursive include of "
			    "\"%.80s\"", name);
			return NULL;
		}
	if (depth > TMPL_INCLUDE_MAX) {
		errorf(err, where, line, "includes nested deeper than %d",
		    TMPL_INCLUDE_MAX);
		return NULL;
	}
	if ((f = file_new(name, NULL)) == NULL) {
		errorf(err, where, line, "out of memory");
		return NULL;
	}
	if ((f->src = read_template(c, name)) == NULL) {
		errorf(err, where, line, "%s \"%.80s\" not readable: %s",
		    from ? "include" : "template", name, strerror(errno));
		goto fail;
	}
	if (parse_file(c, f, chain, depth, err) == -1)
		goto fail;
	if (cache_insert(c, f) == -1) {
		errorf(err, where, line, "out of memory");
		goto fail;
	}
	return f;
fail:
	file_free(f);
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
		if ((e = vars_find(fr->vars, n->name, n->len, n->hash)) == NULL)
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
	(errorf((r)->err, (f)->name, (n)->line, __VA_ARGS__), -1)

/* A stored date or time (FORMAT=date, {name:date}) as the render's
 * language writes it; other values as they are. */
static int
put_date(struct render *r, const struct node *n, const char *s)
{
	char d[96];

	if (datefmt_text(r->lang, s, d, sizeof(d)) == -1)
		return escapes[n->esc].put(r->out, s);
	return escapes[n->esc].put(r->out, d);
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
	if (n->date ? put_date(r, n, s) == -1 : escapes[n->esc].put(r->out,
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

/* ---- message catalogs ------------------------------------------------- */

/* The catalog of lang, loaded on first use; NULL (why set) when absent. */
static const struct tmpl_catalog *
cache_catalog(struct tmpl_cache *c, const char *lang, char *why, size_t whysz)
{
	struct tmpl_catalog *cat;

	for (size_t i = 0; i < c->ncats; i++)
		if (strcmp(tmpl_catalog_lang(c->cats[i]), lang) == 0)
			return c->cats[i];
	if (c->ncats == TMPL_LANGS_MAX) {
		str_fmt(why, whysz, "more than %d languages", TMPL_LANGS_MAX);
		return NULL;
	}
	if ((cat = tmpl_catalog_load(c->dir, lang, why, whysz)) == NULL)
		return NULL;
	c->cats[c->ncats++] = cat;
	return cat;
}

const char *
tmpl_msg(struct tmpl_cache *c, const char *lang, const char *key)
{
	const struct tmpl_catalog *cat;
	const char *t = NULL;
	char why[256];

	if (c == NULL || key == NULL)
		return key;
	if (lang != NULL && (cat = cache_catalog(c, lang, why, sizeof(why))))
		t = tmpl_catalog_get(cat, key);
	if (t == NULL && (cat = cache_catalog(c, TMPL_LANG_DEFAULT, why,
	    sizeof(why))) != NULL)
		t = tmpl_catalog_get(cat, key);
	return t != NULL ? t : key;
}

int
tmpl_msgf(struct tmpl_cache *c, const char *lang, struct buf *out,
    const char *key, ...)
{
	const char *t = tmpl_msg(c, lang, key), *name, *val;
	char d[96];
	va_list ap;
	size_t nl;
	int ph;

	for (; *t != '\0'; t++) {
		if ((ph = tmpl_placeholder_len(t)) == 0) {
			if (buf_putc(out, *t) == -1)
				return -1;
			continue;
		}
		nl = tmpl_placeholder_name(t);
		val = "";
		va_start(ap, key);
		while ((name = va_arg(ap, const char *)) != NULL) {
			const char *v = va_arg(ap, const char *);

			if (strlen(name) == nl && strncmp(name, t + 1, nl) == 0) {
				val = v ? v : "";
				break;
			}
		}
		va_end(ap);
		if (nl + 2 < (size_t)ph && datefmt_text(lang, val, d, sizeof(d)) != -1)
			val = d;
		if (buf_puts(out, val) == -1)
			return -1;
		t += ph - 1;
	}
	return 0;
}

/* The text of n's key in the render's language: a missing catalog or key
 * is an error in strict mode, else English stands in, else the key. */
static const char *
t_text(struct render *r, const struct tmpl_file *f, const struct node *n)
{
	const struct tmpl_catalog *cat = NULL;
	const char *t = NULL;
	char why[256] = "";

	if (r->cache != NULL &&
	    (cat = cache_catalog(r->cache, r->lang, why, sizeof(why))) != NULL)
		t = tmpl_catalog_get(cat, n->name);
	if (t != NULL)
		return t;
	if (r->strict_cat || r->cache == NULL) {
		if (cat == NULL)
			(void)rerr(r, f, n, "TMPL_T %s: %s", n->name,
			    r->cache ? why : "no template directory");
		else
			(void)rerr(r, f, n, "TMPL_T %s: no such key in %s",
			    n->name, r->lang);
		return NULL;
	}
	return tmpl_msg(r->cache, TMPL_LANG_DEFAULT, n->name);
}

/* Value of a placeholder, looked up like a TMPL_VAR. */
static const char *
t_value(const struct frame *fr, const char *name, size_t len)
{
	const struct tmpl_entry *e;
	uint32_t h = name_hash(name, len);

	for (; fr != NULL; fr = fr->up)
		if (fr->vars != NULL &&
		    (e = vars_find(fr->vars, name, len, h)) != NULL)
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
	rc = escapes[n->esc].put(r->out, copy);
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
		if ((ph = tmpl_placeholder_len(s)) == 0)
			continue;
		if (t_put(r, n, t, (size_t)(s - t)) == -1)
			return rerr(r, f, n, "output too large");
		nl = tmpl_placeholder_name(s);
		v = t_value(fr, s + 1, nl);
		if (v == NULL && r->strict)
			return rerr(r, f, n, "TMPL_T %s: placeholder %.*s is not "
			    "set", n->name, ph, s);
		if (v != NULL && (nl + 2 < (size_t)ph ? put_date(r, n, v) :
		    escapes[n->esc].put(r->out, v)) == -1)
			return rerr(r, f, n, "output too large");
		t = s + ph;
		s = t - 1;
	}
	if (t_put(r, n, t, strlen(t)) == -1)
		return rerr(r, f, n, "output too large");
	return 0;
}

int
tmpl_catalog_check(struct tmpl_cache *c, const char *const *langs,
    size_t nlangs, struct buf *err)
{
	const struct tmpl_catalog *base, *other;
	char why[512];

	if (c == NULL || nlangs == 0)
		return -1;
	if ((base = cache_catalog(c, langs[0], why, sizeof(why))) == NULL)
		goto fail;
	for (size_t i = 1; i < nlangs; i++)
		if ((other = cache_catalog(c, langs[i], why,
		    sizeof(why))) == NULL ||
		    tmpl_catalog_diff(base, other, why, sizeof(why)) == -1)
			goto fail;
	return 0;
fail:
	if (err != NULL)
		buf_puts(err, why);
	return -1;
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
		r.lang = TMPL_LANG_DEFAULT;
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
		errorf(err, name ? name : "(null)", 0, "bad arguments");
		return -1;
	}
	if (!valid_file_name(name)) {
		errorf(err, name, 0, "bad template path");
		return -1;
	}
	if ((f = cache_load(c, name, chain, 0, err, NULL, 0)) == NULL)
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
		errorf(err, TMPL_STRING_NAME, 0, "bad arguments");
		return -1;
	}
	if ((f = file_new(TMPL_STRING_NAME, src)) == NULL) {
		errorf(err, TMPL_STRING_NAME, 0, "out of memory");
		return -1;
	}
	f->anon = 1;
	if (parse_file(c, f, chain, 0, err) == 0)
		rc = render_file(c, f, vars, out, err);
	file_free(f);
	return rc;
}
