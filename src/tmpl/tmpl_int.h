/* The template engine's insides, shared by its files: tmpl_vars.c
 * (variables), tmpl_parse.c (parser), tmpl.c (cache, renderer).
 * Not for other layers: they use tmpl.h. */
#ifndef TMPL_INT_H
#define TMPL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "common.h"
#include "i18n.h"
#include "tmpl.h"

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


uint32_t	 tmpl_name_hash(const char *s, size_t len);
struct tmpl_entry *tmpl_vars_find(const struct tmpl_vars *, const char *name,
		    size_t len, uint32_t h);

/* ---- parsed templates ------------------------------------------------- */

enum node_kind {
	N_TEXT, N_VAR, N_IF, N_ELSIF, N_ELSE, N_ENDIF, N_LOOP, N_ENDLOOP,
	N_INCLUDE, N_T
};

enum esc { ESC_HTML, ESC_ATTR, ESC_URL, ESC_JS, ESC_RAW, ESC__MAX };


/* Loop helper variables, resolved at parse time. */
enum helper {
	H_NONE, H_FIRST, H_LAST, H_ODD, H_EVEN, H_INDEX, H_COUNT, H__MAX
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
	struct i18n	 *i18n;		/* the catalogs of dir/i18n (core) */
};

struct tmpl_escape_def {
	const char	*name;
	int		(*put)(struct buf *, const char *);
};
extern const struct tmpl_escape_def tmpl_escapes[ESC__MAX];
extern const char *const tmpl_helper_names[H__MAX];

/* An error "file:line: message" appended to err (may be NULL). */
void	 tmpl_errorf(struct buf *err, const char *file, unsigned line,
	    const char *fmt, ...) PRINTF_LIKE(4, 5);
/* A template path: relative, no ".." component, no empty name. */
int	 tmpl_valid_file_name(const char *);
void	 tmpl_file_free(struct tmpl_file *);
struct tmpl_file *tmpl_file_new(const char *name, const char *src);
/* How the parser resolves a <TMPL_INCLUDE>: the cached, parsed template
 * `name` (tmpl.c's cache loads it on a miss, parsing it in turn). chain
 * holds the names of the files being parsed around it (depth of them);
 * from/line locate the include for error messages. Passed in, so that the
 * parser does not call back into the cache by name. */
typedef const struct tmpl_file *tmpl_include_fn(struct tmpl_cache *,
		    const char *name, const char **chain, size_t depth,
		    struct buf *err, const char *from, unsigned line);
/* Parses f->src into f->nodes. chain[depth] is set to f's name. With
 * c NULL includes are refused. */
int	 tmpl_parse_file(struct tmpl_cache *c, tmpl_include_fn *include,
	    struct tmpl_file *, const char **chain, size_t depth,
	    struct buf *err);

#endif
