/* Template parser: a template's source into a flat array of nodes (see
 * tmpl.c for the shape); includes are resolved through the cache here. */
#include "common.h"

#include "str.h"
#include "tmpl_int.h"

const struct tmpl_escape_def tmpl_escapes[ESC__MAX] = {
	[ESC_HTML] = { "html", tmpl_escape_html },
	[ESC_ATTR] = { "attr", tmpl_escape_attr },
	[ESC_URL] =  { "url", tmpl_escape_url },
	[ESC_JS] =   { "js", tmpl_escape_js },
	[ESC_RAW] =  { "raw", buf_puts },
};

const char *const tmpl_helper_names[H__MAX] = {
	[H_FIRST] = "__first__", [H_LAST] = "__last__", [H_ODD] = "__odd__",
	[H_EVEN] = "__even__", [H_INDEX] = "__index__", [H_COUNT] = "__count__",
};

void
tmpl_file_free(struct tmpl_file *f)
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
	tmpl_include_fn	  *include;	/* resolves an include through cache */
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

void
tmpl_errorf(struct buf *err, const char *file, unsigned line, const char *fmt, ...)
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
	(tmpl_errorf((p)->err, (p)->tf->name, (line), __VA_ARGS__), -1)

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
int
tmpl_valid_file_name(const char *s)
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
	n->hash = tmpl_name_hash(n->name, n->len);
	for (int h = H_FIRST; h < H__MAX; h++)
		if (strcmp(n->name, tmpl_helper_names[h]) == 0)
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
			if (str_ieq(a->v[ATTR_ESCAPE], tmpl_escapes[e].name))
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

static int
emit_include(struct parser *p, unsigned line, struct attrs *a)
{
	const struct tmpl_file *inc;
	struct node *n;
	const char *name = a->v[ATTR_NAME];

	if (!tmpl_valid_file_name(name))
		return perr(p, line, "bad include path \"%.80s\"", name);
	if (p->cache == NULL)
		return perr(p, line, "include \"%.80s\" without a template "
		    "directory", name);
	inc = p->include(p->cache, name, p->chain, p->depth + 1, p->err,
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
int
tmpl_parse_file(struct tmpl_cache *c, tmpl_include_fn *include,
    struct tmpl_file *f, const char **chain,
    size_t depth, struct buf *err)
{
	struct parser *p;
	size_t len = strlen(f->src);
	int rc;

	/* The block stack is large; keep it off the (possibly deep) C stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		tmpl_errorf(err, f->name, 0, "out of memory");
		return -1;
	}
	p->cache = c;
	p->include = include;
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
