/* Field validation against a table (kcgi's kvalid idea). Each type has
 * one checker that turns the trimmed input into a normalized string and
 * an integer, or writes a message for the user.
 *
 * A field given but invalid keeps its trimmed input in value.s (and
 * present = 1), so a form can be re-rendered with what the user typed;
 * fields_validate() then returns -1 and handlers must not use the values.
 * Absent fields have s = "" (BOOL: "0"). */
#include "common.h"
#include "money.h"
#include "req.h"
#include "str.h"

#include <ctype.h>

#define MSGSZ	sizeof(((struct field_error *)0)->msg)

/* Checks and normalizes v in place (it is a private, trimmed copy) and
 * sets fv->s. Returns 0; or 1 when the normalized text is longer than v
 * and was left in msg instead; or -1 with msg the complaint after the
 * label. */
typedef int (*field_check)(const struct field *, char *v,
    struct field_value *, char *msg, size_t msgsz);

static int	check_text(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_line(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_password(const struct field *, char *,
		    struct field_value *, char *, size_t);
static int	check_int(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_id(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_money(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_email(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_date(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_bool(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_enum(const struct field *, char *, struct field_value *,
		    char *, size_t);
static int	check_token(const struct field *, char *, struct field_value *,
		    char *, size_t);

static const struct field_kind {
	field_check	 check;
	size_t		 maxlen;	/* default, in characters; 0: none */
	int		 trim;
} kinds[FIELD__MAX] = {
	[FIELD_TEXT] =		{ check_text, 10000, 1 },
	[FIELD_LINE] =		{ check_line, 200, 1 },
	[FIELD_PASSWORD] =	{ check_password, 1024, 0 },
	[FIELD_INT] =		{ check_int, 0, 1 },
	[FIELD_ID] =		{ check_id, 0, 1 },
	[FIELD_MONEY] =		{ check_money, 0, 1 },
	[FIELD_EMAIL] =		{ check_email, 254, 1 },
	[FIELD_DATE] =		{ check_date, 0, 1 },
	[FIELD_BOOL] =		{ check_bool, 0, 1 },
	[FIELD_ENUM] =		{ check_enum, 0, 1 },
	[FIELD_TOKEN] =		{ check_token, 256, 1 },
};

static const char *
field_label(const struct field *f)
{
	return f->label != NULL ? f->label : f->name;
}

/* Number of UTF-8 characters (v is known to be valid UTF-8). */
static size_t
utf8_chars(const char *v)
{
	size_t n = 0;

	for (; *v; v++)
		if (((unsigned char)*v & 0xc0) != 0x80)
			n++;
	return n;
}

/* Control characters, including C1 controls and the Unicode line and
 * paragraph separators. allow: ASCII controls that are fine here. */
static int
has_control(const char *v, const char *allow)
{
	const unsigned char *p = (const unsigned char *)v;

	for (; *p; p++) {
		if ((*p < 0x20 || *p == 0x7f) && strchr(allow, *p) == NULL)
			return 1;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 1;
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			return 1;
	}
	return 0;
}

static int
check_text(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	char *r, *w;

	/* Browsers send CRLF from a textarea; store plain LF. */
	for (r = w = v; *r; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	if (has_control(v, "\t\n\r")) {
		snprintf(msg, msgsz, "contains characters that are not allowed");
		return -1;
	}
	fv->s = v;
	return 0;
}

static int
check_line(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	if (has_control(v, "")) {
		snprintf(msg, msgsz,
		    "must be a single line without control characters");
		return -1;
	}
	fv->s = v;
	return 0;
}

static int
check_password(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg UNUSED, size_t msgsz UNUSED)
{
	fv->s = v;
	return 0;
}

static int
has_range(const struct field *f)
{
	return f->min < f->max;
}

static int
check_int(const struct field *f, char *v, struct field_value *fv, char *msg,
    size_t msgsz)
{
	if (str_to_i64(v, INT64_MIN, INT64_MAX, &fv->i) == -1) {
		snprintf(msg, msgsz, "must be a whole number");
		return -1;
	}
	if (has_range(f) && fv->i < f->min) {
		snprintf(msg, msgsz, "must be at least %" PRId64, f->min);
		return -1;
	}
	if (has_range(f) && fv->i > f->max) {
		snprintf(msg, msgsz, "must be at most %" PRId64, f->max);
		return -1;
	}
	snprintf(v, strlen(v) + 1, "%" PRId64, fv->i);	/* drops leading 0s */
	fv->s = v;
	return 0;
}

static int
check_id(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	if (str_to_i64(v, 1, INT64_MAX, &fv->i) == -1) {
		snprintf(msg, msgsz, "must be a valid ID");
		return -1;
	}
	snprintf(v, strlen(v) + 1, "%" PRId64, fv->i);
	fv->s = v;
	return 0;
}

static int
check_money(const struct field *f, char *v, struct field_value *fv, char *msg,
    size_t msgsz)
{
	char lim[MONEY_FMT_MAX];

	if (money_parse(v, &fv->i) == -1) {
		snprintf(msg, msgsz, "must be an amount like 12.34");
		return -1;
	}
	if (has_range(f) && (fv->i < f->min || fv->i > f->max)) {
		int low = fv->i < f->min;

		if (money_format(low ? f->min : f->max, lim, sizeof(lim)) == -1)
			lim[0] = '\0';
		snprintf(msg, msgsz, "must be at %s %s", low ? "least" : "most",
		    lim);
		return -1;
	}
	/* "5" -> "5.00" can grow, so it goes back through msg. */
	if (money_format_plain(fv->i, msg, msgsz) == -1)
		return -1;
	return 1;
}

/* RFC 5322 specials and anything that would need quoting. */
static int
email_bad_char(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("()<>[]\\,;:\"", c) != NULL;
}

static int
email_domain_ok(const char *d)
{
	const char *p;
	size_t label = 0;

	if (strchr(d, '.') == NULL)
		return 0;
	for (p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else
			label++;
	}
	return label > 0;
}

static int
check_email(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	char *at = strchr(v, '@'), *p;

	for (p = v; *p; p++)
		if (email_bad_char((unsigned char)*p))
			goto bad;
	if (at == NULL || at == v || strchr(at + 1, '@') != NULL ||
	    has_control(v, "") || !email_domain_ok(at + 1))
		goto bad;
	for (p = at + 1; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	fv->s = v;
	return 0;
bad:
	snprintf(msg, msgsz, "must be a valid email address");
	return -1;
}

static int
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
check_date(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	static const int mdays[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = 0, m = 0, d = 0, i;

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (v[i] < '0' || v[i] > '9')
			goto bad;
		if (i < 4)
			y = y * 10 + (v[i] - '0');
		else if (i < 7)
			m = m * 10 + (v[i] - '0');
		else
			d = d * 10 + (v[i] - '0');
	}
	if (y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap_year(y)))
		goto bad;
	fv->i = (int64_t)y * 10000 + m * 100 + d;
	fv->s = v;
	return 0;
bad:
	snprintf(msg, msgsz, "must be a date (YYYY-MM-DD)");
	return -1;
}

static int
check_bool(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	static const char *const yes[] = { "1", "on", "true", "yes" };
	static const char *const no[] = { "0", "off", "false", "no" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (str_ieq(v, yes[i])) {
			fv->i = 1;
			fv->s = "1";
			return 0;
		}
		if (str_ieq(v, no[i])) {
			fv->i = 0;
			fv->s = "0";
			return 0;
		}
	}
	snprintf(msg, msgsz, "must be yes or no");
	return -1;
}

static int
check_enum(const struct field *f, char *v, struct field_value *fv, char *msg,
    size_t msgsz)
{
	size_t i, off;
	int n;

	for (i = 0; f->choices != NULL && f->choices[i] != NULL; i++) {
		if (strcmp(v, f->choices[i]) == 0) {
			fv->i = (int64_t)i;
			fv->s = f->choices[i];
			return 0;
		}
	}
	n = snprintf(msg, msgsz, "must be one of: ");
	off = n > 0 ? (size_t)n : 0;
	for (i = 0; f->choices != NULL && f->choices[i] != NULL; i++) {
		n = snprintf(msg + off, msgsz - off, "%s%s", i ? ", " : "",
		    f->choices[i]);
		if (n < 0 || (size_t)n >= msgsz - off) {
			msg[off] = '\0';	/* whole names or none */
			break;
		}
		off += (size_t)n;
	}
	return -1;
}

static int
check_token(const struct field *f UNUSED, char *v, struct field_value *fv,
    char *msg, size_t msgsz)
{
	size_t n = strlen(v), i;

	/* base64url (with optional '=' padding) covers hex too. */
	while (n > 0 && v[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_') {
			snprintf(msg, msgsz, "is not a valid token");
			return -1;
		}
	}
	fv->s = v;
	return 0;
}

/* --- the field set ------------------------------------------------------ */

static void
add_error(struct field_set *fs, const char *field, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static void
add_error(struct field_set *fs, const char *field, const char *fmt, ...)
{
	struct field_error *e;
	va_list ap;

	if (fs->nerr >= FIELD_MAX_ERRORS)
		return;
	e = &fs->err[fs->nerr++];
	e->field = field;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Linear, unlike a memmove per leading space. */
static char *
trim(char *s)
{
	char *e;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Stores a copy of s in fs->norm and returns it (NULL on ENOMEM). */
static char *
keep(struct field_set *fs, const char *name, const char *s)
{
	if (kvlist_add(&fs->norm, name, s) == -1)
		return NULL;
	return fs->norm.v[fs->norm.n - 1].val;
}

static int
field_absent(const struct field *f, struct field_set *fs,
    struct field_value *fv)
{
	fv->present = f->type == FIELD_BOOL;
	fv->s = f->type == FIELD_BOOL ? "0" : "";
	fv->i = 0;
	if (f->flags & FIELD_REQUIRED)
		add_error(fs, f->name, "%s is required", field_label(f));
	return 0;
}

/* Validates one spec field; -1 on ENOMEM. */
static int
field_one(const struct field *f, const struct kvlist *in,
    struct field_set *fs, struct field_value *fv)
{
	const struct field_kind *k = &kinds[f->type];
	const char *raw = kvlist_get(in, f->name);
	size_t maxlen = f->maxlen ? f->maxlen : k->maxlen;
	char msg[MSGSZ], *v;
	int rc;

	if (raw == NULL)
		return field_absent(f, fs, fv);
	if (!str_utf8_valid(raw, strlen(raw))) {
		/* Not from our parsers, which only produce valid UTF-8. */
		fv->present = 1;
		add_error(fs, f->name, "%s contains characters that are not "
		    "allowed", field_label(f));
		return 0;
	}
	if ((v = keep(fs, f->name, raw)) == NULL)
		return -1;
	if (k->trim)
		v = trim(v);
	if (*v == '\0')
		return field_absent(f, fs, fv);
	fv->present = 1;
	fv->s = v;
	if (kvlist_count(in, f->name) > 1) {
		add_error(fs, f->name, "%s was given more than once",
		    field_label(f));
		return 0;
	}
	msg[0] = '\0';
	rc = k->check(f, v, fv, msg, sizeof(msg));
	if (rc == 1 && (fv->s = keep(fs, f->name, msg)) == NULL)
		return -1;
	if (rc == -1) {
		fv->s = v;
		fv->i = 0;
		add_error(fs, f->name, "%s %s", field_label(f), msg);
	} else if (maxlen > 0 && utf8_chars(fv->s) > maxlen) {
		fv->s = v;
		fv->i = 0;
		add_error(fs, f->name, "%s is too long (at most %zu characters)",
		    field_label(f), maxlen);
	}
	return 0;
}

/* A name not in spec: quoted in the message, cut at a character boundary
 * so the message stays valid UTF-8. */
static int
field_unknown(struct field_set *fs, const char *name)
{
	char shown[41];
	const char *stored;
	size_t n;

	if (field_set_error(fs, name) != NULL)
		return 0;
	if ((stored = keep(fs, "", name)) == NULL)
		return -1;
	n = strlen(name);
	if (n >= sizeof(shown)) {
		n = sizeof(shown) - 1;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(shown, name, n);
	shown[n] = '\0';
	if (!str_utf8_valid(shown, n) || has_control(shown, ""))
		str_copy(shown, sizeof(shown), "?");
	add_error(fs, stored, "Unexpected field \"%s\"", shown);
	return 0;
}

static int
in_spec(const struct field *spec, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(spec[i].name, name) == 0)
			return 1;
	return 0;
}

int
fields_validate(const struct field *spec, size_t n, const struct kvlist *in,
    int reject_unknown, struct field_set *fs)
{
	size_t i;

	memset(fs, 0, sizeof(*fs));
	kvlist_init(&fs->norm);
	if ((fs->v = calloc(n ? n : 1, sizeof(*fs->v))) == NULL)
		goto fail;
	fs->n = n;
	for (i = 0; i < n; i++) {
		fs->v[i].s = "";
		if ((unsigned)spec[i].type >= FIELD__MAX ||
		    kinds[spec[i].type].check == NULL)
			goto fail;
	}
	for (i = 0; i < n; i++)
		if (field_one(&spec[i], in, fs, &fs->v[i]) == -1)
			goto fail;
	for (i = 0; reject_unknown && i < in->n; i++) {
		const char *name = in->v[i].key;

		if (in_spec(spec, n, name) ||
		    strcmp(name, FIELD_ALWAYS_ALLOWED) == 0)
			continue;
		if (field_unknown(fs, name) == -1)
			goto fail;
	}
	return fs->nerr == 0 ? 0 : -1;
fail:
	fs->nerr = 0;
	add_error(fs, "", "The server could not check this form; "
	    "please try again");
	return -1;
}

void
field_set_free(struct field_set *fs)
{
	free(fs->v);
	kvlist_free(&fs->norm);
	memset(fs, 0, sizeof(*fs));
}

const char *
field_set_error(const struct field_set *fs, const char *name)
{
	for (size_t i = 0; i < fs->nerr; i++)
		if (strcmp(fs->err[i].field, name) == 0)
			return fs->err[i].msg;
	return NULL;
}
