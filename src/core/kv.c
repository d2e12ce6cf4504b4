/* Key/value list (see kv.h). */
#include "common.h"
#include "kv.h"
#include "str.h"

void
kvlist_init(struct kvlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
kvlist_truncate(struct kvlist *l, size_t n)
{
	while (l->n > n) {
		l->n--;
		free(l->v[l->n].key);
		free(l->v[l->n].val);
	}
}

void
kvlist_free(struct kvlist *l)
{
	kvlist_truncate(l, 0);
	free(l->v);
	kvlist_init(l);
}

int
kvlist_push(struct kvlist *l, char *key, char *val)
{
	if (key == NULL || val == NULL)
		goto fail;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct kv *nv;

		if (ncap > SIZE_MAX / sizeof(*nv))
			goto fail;
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL)
			goto fail;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].key = key;
	l->v[l->n].val = val;
	l->n++;
	return 0;
fail:
	free(key);
	free(val);
	return -1;
}

int
kvlist_add(struct kvlist *l, const char *key, const char *val)
{
	return kvlist_push(l, str_dup(key), str_dup(val));
}

const char *
kvlist_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

size_t
kvlist_count(const struct kvlist *l, const char *key)
{
	size_t c = 0;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			c++;
	return c;
}
