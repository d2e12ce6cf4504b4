/* Message catalogs: one file per language, <dir>/i18n/<lang>.txt, loaded
 * on first use and kept with the set (struct i18n) that opened them.
 *
 * Format (UTF-8): one message per line, "key = text". Blank lines and lines
 * starting with '#' are ignored. Keys: letters, digits, '_', '.', '-'.
 * In the text, {name} is a placeholder filled from the view's variable
 * `name` (in templates escaped like the rest of the message; i18n_msgf
 * fills it from C, unescaped, for plain text); {name:date} writes a
 * stored date ("2026-12-04", or with a time) as the language writes it
 * (datefmt.h, "4 de diciembre de 2026"); "\n" is a newline and
 * "\\" a backslash; a '{' or '}' that is not part of a placeholder is an
 * error, so a typo cannot pass as text. */
#include "common.h"
#include "buf.h"
#include "datefmt.h"
#include "i18n.h"
#include "str.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAT_FILE_MAX	(1024u * 1024)

struct msg {
	char	*key;
	char	*text;
};

struct catalog {
	char		*lang;
	struct msg	*msgs;		/* sorted by key */
	size_t		 n, cap;
};

struct i18n {
	char		*dir;
	struct catalog	*cats[I18N_LANGS_MAX];	/* loaded catalogs */
	size_t		 ncats;
};

static void
catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	for (size_t i = 0; i < cat->n; i++) {
		free(cat->msgs[i].key);
		free(cat->msgs[i].text);
	}
	free(cat->msgs);
	free(cat->lang);
	free(cat);
}

int
i18n_lang_ok(const char *lang)
{
	size_t n = 0;

	if (lang == NULL)
		return 0;
	for (; lang[n] >= 'a' && lang[n] <= 'z'; n++)
		;
	if (n < 2 || n > 3)
		return 0;
	if (lang[n] == '\0')
		return 1;
	return lang[n] == '-' && lang[n + 1] >= 'A' && lang[n + 1] <= 'Z' &&
	    lang[n + 2] >= 'A' && lang[n + 2] <= 'Z' && lang[n + 3] == '\0';
}

static int
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int
i18n_placeholder_len(const char *s)
{
	size_t i = 1;

	if (s[0] != '{')
		return 0;
	while (key_char(s[i]))
		i++;
	if (i > 1 && strncmp(s + i, ":date}", 6) == 0)
		return (int)(i + 6);
	return i > 1 && s[i] == '}' ? (int)(i + 1) : 0;
}

size_t
i18n_placeholder_name(const char *s)
{
	size_t i = 1;

	while (key_char(s[i]))
		i++;
	return i - 1;
}

/* Unescapes and checks one message's text into a new string. */
static char *
msg_text(const char *s, size_t len, char *why, size_t whysz)
{
	struct buf b;
	size_t i;
	int ph;

	buf_init(&b, CAT_FILE_MAX);
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 'n' ||
		    s[i + 1] == '\\')) {
			buf_putc(&b, s[i + 1] == 'n' ? '\n' : '\\');
			i++;
		} else if (s[i] == '{' || s[i] == '}') {
			if (s[i] == '}' || (ph = i18n_placeholder_len(s + i)) == 0 ||
			    i + (size_t)ph > len) {
				str_fmt(why, whysz, "stray '%c' (placeholders are "
				    "{name})", s[i]);
				goto fail;
			}
			buf_append(&b, s + i, (size_t)ph);
			i += (size_t)ph - 1;
		} else
			buf_putc(&b, s[i]);
	}
	if (b.len == 0) {
		str_fmt(why, whysz, "empty message");
		goto fail;
	}
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

static int
msg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct msg *)a)->key, ((const struct msg *)b)->key);
}

static int
cat_add(struct catalog *cat, const char *line, size_t len, char *why,
    size_t whysz)
{
	size_t k = 0, v;
	struct msg *m;

	while (k < len && key_char(line[k]))
		k++;
	for (v = k; v < len && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	if (k == 0 || v == len || line[v] != '=') {
		str_fmt(why, whysz, "expected \"key = text\"");
		return -1;
	}
	for (v++; v < len && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	while (len > v && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		len--;
	if (cat->n == cat->cap) {
		size_t ncap = cat->cap ? cat->cap * 2 : 256;
		struct msg *p = realloc(cat->msgs, ncap * sizeof(*p));

		if (p == NULL)
			return -1;
		cat->msgs = p;
		cat->cap = ncap;
	}
	m = &cat->msgs[cat->n];
	if ((m->text = msg_text(line + v, len - v, why, whysz)) == NULL)
		return -1;
	if ((m->key = strndup(line, k)) == NULL) {
		free(m->text);
		return -1;
	}
	cat->n++;
	return 0;
}

/* Parses src (NUL-terminated) into cat; why gets "line N: ..." on error. */
static int
cat_parse(struct catalog *cat, const char *src, char *why, size_t whysz)
{
	const char *s = src, *nl;
	unsigned line = 0;
	char w[160];

	for (; *s != '\0'; s = nl ? nl + 1 : s + strlen(s)) {
		size_t len;

		line++;
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		while (len > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		if (len == 0 || *s == '#' || (len == 1 && *s == '\r'))
			continue;
		w[0] = '\0';
		if (cat_add(cat, s, len, w, sizeof(w)) == -1) {
			str_fmt(why, whysz, "line %u: %s", line,
			    w[0] ? w : "out of memory");
			return -1;
		}
	}
	qsort(cat->msgs, cat->n, sizeof(*cat->msgs), msg_cmp);
	for (size_t i = 1; i < cat->n; i++)
		if (strcmp(cat->msgs[i - 1].key, cat->msgs[i].key) == 0) {
			str_fmt(why, whysz, "key %.80s defined twice",
			    cat->msgs[i].key);
			return -1;
		}
	return 0;
}

static char *
read_all(const char *path)
{
	struct buf b;
	char chunk[8192];
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	buf_init(&b, CAT_FILE_MAX);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (memchr(chunk, '\0', (size_t)r) != NULL ||
		    buf_append(&b, chunk, (size_t)r) == -1) {
			r = -1;
			errno = EILSEQ;
			break;
		}
	}
	close(fd);
	if (r == -1) {
		buf_free(&b);
		return NULL;
	}
	if (b.len == 0)
		buf_puts(&b, "");
	return buf_detach(&b);
}

static struct catalog *
catalog_load(const char *dir, const char *lang, char *why, size_t whysz)
{
	struct catalog *cat = NULL;
	char path[4096], *src = NULL;

	if (!i18n_lang_ok(lang)) {
		str_fmt(why, whysz, "bad language \"%.16s\"", lang ? lang : "");
		return NULL;
	}
	if (str_fmt(path, sizeof(path), "%s/i18n/%s.txt", dir, lang) == -1 ||
	    (src = read_all(path)) == NULL) {
		str_fmt(why, whysz, "i18n/%s.txt not readable: %s", lang,
		    strerror(errno));
		return NULL;
	}
	if ((cat = calloc(1, sizeof(*cat))) == NULL ||
	    (cat->lang = strdup(lang)) == NULL) {
		str_fmt(why, whysz, "out of memory");
		goto fail;
	}
	if (cat_parse(cat, src, path, sizeof(path)) == -1) {
		str_fmt(why, whysz, "i18n/%s.txt: %s", lang, path);
		goto fail;
	}
	free(src);
	return cat;
fail:
	free(src);
	catalog_free(cat);
	return NULL;
}

static const char *
catalog_get(const struct catalog *cat, const char *key)
{
	struct msg k, *m;

	if (cat == NULL || cat->n == 0)
		return NULL;
	k.key = (char *)(uintptr_t)key;
	m = bsearch(&k, cat->msgs, cat->n, sizeof(*cat->msgs), msg_cmp);
	return m ? m->text : NULL;
}

/* 1 when every placeholder of a also appears in b. */
static int
placeholders_within(const char *a, const char *b, char *which, size_t whichsz)
{
	int ph;

	for (; *a != '\0'; a++) {
		if ((ph = i18n_placeholder_len(a)) == 0)
			continue;
		str_fmt(which, whichsz, "%.*s", ph, a);
		for (const char *p = b; (p = strstr(p, which)) != NULL; p++)
			if ((int)strlen(which) == ph)
				goto found;
		return 0;
found:
		a += ph - 1;
	}
	return 1;
}

static int
catalog_diff(const struct catalog *base,
    const struct catalog *other, char *why, size_t whysz)
{
	char ph[80];
	size_t i;

	for (i = 0; i < base->n; i++) {
		const char *t = catalog_get(other, base->msgs[i].key);

		if (t == NULL) {
			str_fmt(why, whysz, "key %s missing in %s",
			    base->msgs[i].key, other->lang);
			return -1;
		}
		if (!placeholders_within(base->msgs[i].text, t, ph, sizeof(ph)) ||
		    !placeholders_within(t, base->msgs[i].text, ph, sizeof(ph))) {
			str_fmt(why, whysz, "key %s: placeholder %s not in both "
			    "%s and %s", base->msgs[i].key, ph, base->lang,
			    other->lang);
			return -1;
		}
	}
	for (i = 0; i < other->n; i++)
		if (catalog_get(base, other->msgs[i].key) == NULL) {
			str_fmt(why, whysz, "key %s missing in %s",
			    other->msgs[i].key, base->lang);
			return -1;
		}
	return 0;
}

/* ---- a set of catalogs ------------------------------------------------ */

struct i18n *
i18n_open(const char *dir)
{
	struct i18n *i;

	if (dir == NULL || (i = calloc(1, sizeof(*i))) == NULL)
		return NULL;
	if ((i->dir = strdup(dir)) == NULL) {
		free(i);
		return NULL;
	}
	return i;
}

void
i18n_free(struct i18n *i)
{
	if (i == NULL)
		return;
	for (size_t k = 0; k < i->ncats; k++)
		catalog_free(i->cats[k]);
	free(i->dir);
	free(i);
}

/* The catalog of lang, loaded on first use; NULL (why set) when absent. */
static const struct catalog *
set_catalog(struct i18n *i, const char *lang, char *why, size_t whysz)
{
	struct catalog *cat;

	for (size_t k = 0; k < i->ncats; k++)
		if (strcmp(i->cats[k]->lang, lang) == 0)
			return i->cats[k];
	if (i->ncats == I18N_LANGS_MAX) {
		str_fmt(why, whysz, "more than %d languages", I18N_LANGS_MAX);
		return NULL;
	}
	if ((cat = catalog_load(i->dir, lang, why, whysz)) == NULL)
		return NULL;
	i->cats[i->ncats++] = cat;
	return cat;
}

const char *
i18n_get(struct i18n *i, const char *lang, const char *key, char *why,
    size_t whysz)
{
	const struct catalog *cat;
	const char *t;

	if (i == NULL || lang == NULL || key == NULL) {
		str_fmt(why, whysz, "no catalogs");
		return NULL;
	}
	if ((cat = set_catalog(i, lang, why, whysz)) == NULL)
		return NULL;
	if ((t = catalog_get(cat, key)) == NULL)
		str_fmt(why, whysz, "no such key in %s", lang);
	return t;
}

const char *
i18n_msg(struct i18n *i, const char *lang, const char *key)
{
	const char *t = NULL;
	char why[256];

	if (i == NULL || key == NULL)
		return key;
	if (lang != NULL)
		t = i18n_get(i, lang, key, why, sizeof(why));
	if (t == NULL)
		t = i18n_get(i, I18N_LANG_DEFAULT, key, why, sizeof(why));
	return t != NULL ? t : key;
}

/* The value of the placeholder at t (name nl bytes) among the name, value
 * pairs of ap; "" when not given. */
static const char *
msgf_value(const char *t, size_t nl, va_list ap)
{
	const char *name, *v;

	while ((name = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (strlen(name) == nl && strncmp(name, t + 1, nl) == 0)
			return v ? v : "";
	}
	return "";
}

int
i18n_vmsgf(struct i18n *i, const char *lang, struct buf *out,
    const char *key, va_list ap)
{
	const char *t = i18n_msg(i, lang, key), *val;
	char d[96];
	va_list aq;
	size_t nl;
	int ph;

	for (; *t != '\0'; t++) {
		if ((ph = i18n_placeholder_len(t)) == 0) {
			if (buf_putc(out, *t) == -1)
				return -1;
			continue;
		}
		nl = i18n_placeholder_name(t);
		va_copy(aq, ap);
		val = msgf_value(t, nl, aq);
		va_end(aq);
		if (nl + 2 < (size_t)ph &&
		    datefmt_text(lang, val, d, sizeof(d)) != -1)
			val = d;
		if (buf_puts(out, val) == -1)
			return -1;
		t += ph - 1;
	}
	return 0;
}

int
i18n_msgf(struct i18n *i, const char *lang, struct buf *out, const char *key,
    ...)
{
	va_list ap;
	int rc;

	va_start(ap, key);
	rc = i18n_vmsgf(i, lang, out, key, ap);
	va_end(ap);
	return rc;
}

int
i18n_check(struct i18n *i, const char *const *langs, size_t nlangs,
    char *why, size_t whysz)
{
	const struct catalog *base, *other;

	if (i == NULL || nlangs == 0) {
		str_fmt(why, whysz, "no catalogs");
		return -1;
	}
	if ((base = set_catalog(i, langs[0], why, whysz)) == NULL)
		return -1;
	for (size_t k = 1; k < nlangs; k++)
		if ((other = set_catalog(i, langs[k], why, whysz)) == NULL ||
		    catalog_diff(base, other, why, whysz) == -1)
			return -1;
	return 0;
}
