#include "common.h"

#include <unistd.h>

#include "outbox.h"
#include "mime.h"

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "store_outbox.h"
#include "str.h"
#include "tmpl.h"

#define OUTBOX_DB_ERR	(-1)	/* DB_ERR */

static const char *const kind_names[OUTBOX__MAX] = {
	[OUTBOX_ACTIVATION] = "activation",
	[OUTBOX_INVOICE] = "invoice",
	[OUTBOX_RECEIPT] = "receipt",
	[OUTBOX_PAYMENT_CONFIRMATION] = "payment_confirmation",
	[OUTBOX_ACH_RESULT] = "ach_result",
	[OUTBOX_STATEMENT] = "statement",
	[OUTBOX_PASSWORD_RESET] = "password_reset",
	[OUTBOX_OTHER] = "other",
};

const char *
outbox_kind_name(enum outbox_kind k)
{
	return (unsigned)k < OUTBOX__MAX ? kind_names[k] : NULL;
}

/* --- validation ----------------------------------------------------------- */

/* A bare addr-spec we can put between <> in MAIL/RCPT and the To header:
 * printable ASCII without specials, one '@', a dotted domain. */
int
outbox_addr_ok(const char *a)
{
	return str_email_ok(a);
}

/* One line of valid UTF-8 without control characters. */
static int
subject_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > OUTBOX_SUBJECT_MAX || !str_utf8_valid(s, n))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
body_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= OUTBOX_BODY_MAX && str_utf8_valid(s, n);
}

/* --- enqueue -------------------------------------------------------------- */

int
outbox_enqueue(struct db *db, enum outbox_kind kind, const char *to,
    const char *subject, const char *text, const char *html,
    const char *object_type, int64_t object_id, int64_t *id)
{
	char mid[320];
	struct store_outbox_new n;

	if (outbox_kind_name(kind) == NULL || to == NULL || !outbox_addr_ok(to) ||
	    subject == NULL || !subject_ok(subject) || text == NULL ||
	    !body_ok(text) || (html != NULL && !body_ok(html)) ||
	    (object_type != NULL && (strlen(object_type) == 0 ||
	    strlen(object_type) > 32)))
		return OUTBOX_INVALID;
	n = (struct store_outbox_new){ .kind = outbox_kind_name(kind), .to = to,
	    .subject = subject, .text = text, .html = html,
	    .object_type = object_type, .object_id = object_id,
	    .now = clock_now(), .message_id = mid };
	if (crypto_message_id(mid, sizeof(mid), n.now) == -1)
		return OUTBOX_DB_ERR;
	return store_outbox_insert_mail(db, &n, id);
}

int
outbox_enqueue_mail(struct db *db, enum outbox_kind kind, const char *to,
    const struct outbox_mail *m, const char *object_type, int64_t object_id,
    int64_t *id)
{
	return outbox_enqueue(db, kind, to, m->subject, m->text, m->html,
	    object_type, object_id, id);
}

int
outbox_counts(struct db *db, int64_t now, struct outbox_counts *c)
{
	struct store_outbox_counts s;
	int rc = store_outbox_counts(db, now, &s);

	c->queued = s.queued;
	c->sending = s.sending;
	c->sent = s.sent;
	c->failed = s.failed;
	c->due = s.due;
	return rc;
}

/* --- rendering ------------------------------------------------------------ */

void
outbox_mail_free(struct outbox_mail *m)
{
	free(m->subject);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}

static int
name_ok(const char *name)
{
	if (*name == '\0' || strlen(name) > 64)
		return 0;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') || (*name >= '0' &&
		    *name <= '9') || *name == '_'))
			return 0;
	return 1;
}

/* Inverse of tmpl_escape_html (the engine's default escaping), in one pass,
 * so a text template's values come out exactly as given. */
static const struct {
	const char	*ent;
	char		 c;
} html_ents[] = {
	{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
	{ "&#39;", '\'' },
};

static int
unescape_append(struct buf *out, const char *p, size_t n)
{
	const char *e = p + n;

	while (p < e) {
		size_t i = ARRAY_LEN(html_ents);
		if (*p == '&')
			for (i = 0; i < ARRAY_LEN(html_ents); i++)
				if ((size_t)(e - p) >= strlen(html_ents[i].ent) &&
				    memcmp(p, html_ents[i].ent,
				    strlen(html_ents[i].ent)) == 0)
					break;
		if (i < ARRAY_LEN(html_ents)) {
			if (buf_putc(out, html_ents[i].c) == -1)
				return -1;
			p += strlen(html_ents[i].ent);
		} else if (buf_putc(out, *p++) == -1)
			return -1;
	}
	return 0;
}

/* Un-escapes each line, drops its trailing blanks (and CR), collapses runs
 * of blank lines (left by lines that hold only tags) into one, and drops
 * blank lines at both ends. */
static int
text_clean(const char *p, struct buf *out)
{
	int started = 0, blank = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *next = nl != NULL ? nl + 1 : p + n;

		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
		    p[n - 1] == '\r'))
			n--;
		if (n == 0) {
			blank = 1;
			p = next;
			continue;
		}
		if (started && buf_puts(out, blank ? "\n\n" : "\n") == -1)
			return -1;
		if (unescape_append(out, p, n) == -1)
			return -1;
		started = 1;
		blank = 0;
		p = next;
	}
	return buf_putc(out, '\n');
}

/* Splits "Subject: ...\n\nbody" into m->subject and m->text. */
static int
text_split(const char *t, struct outbox_mail *m, char *err, size_t errsz)
{
	const char *nl = strchr(t, '\n'), *body;
	size_t n;

	if (!str_starts(t, "Subject:") || nl == NULL) {
		str_fmt(err, errsz, "text template must start with \"Subject: \"");
		return -1;
	}
	t += strlen("Subject:");
	while (*t == ' ')
		t++;
	n = (size_t)(nl - t);
	if ((m->subject = strndup(t, n)) == NULL)
		return -1;
	str_trim(m->subject);
	for (body = nl; *body == '\n'; body++)
		;
	if ((m->text = strdup(body)) == NULL)
		return -1;
	if (!subject_ok(m->subject) || !body_ok(m->text)) {
		str_fmt(err, errsz, "empty or invalid subject or body");
		return -1;
	}
	return 0;
}

static int
set_default(struct tmpl_vars *v, const char *name, const char *value)
{
	if (tmpl_get(v, name) != NULL)
		return 0;
	return tmpl_set(v, name, value != NULL ? value : "");
}

/* The wordmark's letter: the first character of the name, upper-cased. */
static const char *
org_initial(const char *name, char *out, size_t outsz)
{
	size_t n = 1;

	if (name == NULL || *name == '\0')
		return "";
	while (name[n] != '\0' && ((unsigned char)name[n] & 0xc0) == 0x80 &&
	    n < outsz - 1)
		n++;
	memcpy(out, name, n);
	out[n] = '\0';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return out;
}

int
outbox_render(struct tmpl_cache *cache, const struct config *cfg,
    const char *name, struct tmpl_vars *vars, struct outbox_mail *m,
    char *err, size_t errsz)
{
	struct buf raw, text, e;
	char file[128], dummy[8], initial[8];
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (err == NULL) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	*err = '\0';
	buf_init(&raw, OUTBOX_BODY_MAX);
	buf_init(&text, OUTBOX_BODY_MAX);
	buf_init(&e, 1024);
	if (!name_ok(name)) {
		str_fmt(err, errsz, "bad mail template name");
		goto out;
	}
	if (set_default(vars, "org_initial", org_initial(cfg->org_name, initial,
	    sizeof(initial))) == -1 ||
	    set_default(vars, "org_name", cfg->org_name) == -1 ||
	    set_default(vars, "org_address", cfg->org_address) == -1 ||
	    set_default(vars, "base_url", cfg->base_url) == -1)
		goto out;
	str_fmt(file, sizeof(file), "mail/%s.txt", name);
	if (tmpl_render(cache, file, vars, &raw, &e) == -1 ||
	    text_clean(buf_cstr(&raw), &text) == -1 ||
	    text_split(buf_cstr(&text), m, err, errsz) == -1)
		goto out;
	buf_reset(&raw);
	str_fmt(file, sizeof(file), "mail/%s.html", name);
	if (tmpl_render(cache, file, vars, &raw, &e) == -1)
		goto out;
	if (!body_ok(buf_cstr(&raw))) {
		str_fmt(err, errsz, "%s: empty or invalid", file);
		goto out;
	}
	if ((m->html = buf_detach(&raw)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		if (*err == '\0')
			str_fmt(err, errsz, "%s", e.len ? buf_cstr(&e) :
			    "out of memory");
		outbox_mail_free(m);
	}
	buf_free(&raw);
	buf_free(&text);
	buf_free(&e);
	return rc;
}

int
outbox_attach(struct db *db, int64_t outbox_id, const char *filename,
    const char *content_type, const void *data, size_t len)
{
	char *b64;
	int rc;

	for (const char *p = filename; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return OUTBOX_DB_ERR;
	if (len > OUTBOX_BODY_MAX || (b64 = mime_base64(data, len)) == NULL)
		return OUTBOX_DB_ERR;
	rc = store_outbox_attach(db, outbox_id, filename, content_type, b64);
	free(b64);
	return rc;
}
