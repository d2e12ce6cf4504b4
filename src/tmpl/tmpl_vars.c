/* Template variables: a scope of name -> string or loop of rows (tmpl.h). */
#include "common.h"

#include "str.h"
#include "tmpl_int.h"

uint32_t
tmpl_name_hash(const char *s, size_t len)
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

struct tmpl_entry *
tmpl_vars_find(const struct tmpl_vars *v, const char *name, size_t len, uint32_t h)
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
	uint32_t h = tmpl_name_hash(name, len);
	struct tmpl_entry *e;

	if ((e = tmpl_vars_find(v, name, len, h)) != NULL)
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
	if ((e = tmpl_vars_find(v, name, len, tmpl_name_hash(name, len))) == NULL)
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
	e = tmpl_vars_find(v, name, len, tmpl_name_hash(name, len));
	return e ? e->value : NULL;
}
