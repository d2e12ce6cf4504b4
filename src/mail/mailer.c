#include "common.h"

#include <curl/curl.h>
#include <unistd.h>

#include "mailer.h"

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "mime.h"
#include "outbox.h"
#include "store_outbox.h"
#include "str.h"

#define BACKOFF_CAP	(6 * 3600)	/* seconds */
#define LEASE_MARGIN	10		/* lease must exceed smtp_timeout by this */
#define MARK_TRIES	5		/* mark-sent attempts while the DB is away */

struct mailer {
	const struct config	*cfg;
	struct db		*db;
	CURL			*curl;
	long			 use_ssl;
	char			 owner[128];	/* host:pid */
	void			(*after_send)(int64_t);
	mailer_attach_fn	 attach;
	void			*attach_arg;
	mailer_render_fn	 render;
	void			*render_arg;
};

/* --- mailer ---------------------------------------------------------------- */

static const struct {
	const char	*name;
	long		 use_ssl;
} tls_modes[] = {
	{ "none", CURLUSESSL_NONE },
	{ "try", CURLUSESSL_TRY },
	{ "required", CURLUSESSL_ALL },
};

struct mailer *
mailer_new(const struct config *cfg, struct db *db, char *err, size_t errsz)
{
	struct mailer *m;
	char host[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(tls_modes); i++)
		if (strcmp(cfg->smtp_tls, tls_modes[i].name) == 0)
			break;
	if (i == ARRAY_LEN(tls_modes)) {
		str_fmt(err, errsz, "smtp_tls must be none, try or required");
		return NULL;
	}
	if (!str_starts(cfg->smtp_url, "smtp://") &&
	    !str_starts(cfg->smtp_url, "smtps://")) {
		str_fmt(err, errsz, "smtp_url must start with smtp:// or smtps://");
		return NULL;
	}
	if (!outbox_addr_ok(cfg->smtp_from)) {
		str_fmt(err, errsz, "smtp_from must be a plain email address");
		return NULL;
	}
	if (cfg->mail_lease < cfg->smtp_timeout + LEASE_MARGIN) {
		str_fmt(err, errsz, "mail_lease (%" PRId64 " s) must exceed "
		    "smtp_timeout (%" PRId64 " s) by at least %d s", cfg->mail_lease,
		    cfg->smtp_timeout, LEASE_MARGIN);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(m);
		str_fmt(err, errsz, "out of memory");
		return NULL;
	}
	if ((m->curl = curl_easy_init()) == NULL) {
		curl_global_cleanup();
		free(m);
		str_fmt(err, errsz, "curl_easy_init failed");
		return NULL;
	}
	m->cfg = cfg;
	m->db = db;
	m->use_ssl = tls_modes[i].use_ssl;
	if (gethostname(host, sizeof(host)) == -1)
		str_copy(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	str_fmt(m->owner, sizeof(m->owner), "%s:%ld", host, (long)getpid());
	return m;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	curl_easy_cleanup(m->curl);
	curl_global_cleanup();
	free(m);
}

void
mailer_set_after_send_hook(struct mailer *m, void (*fn)(int64_t))
{
	m->after_send = fn;
}

void
mailer_set_attacher(struct mailer *m, mailer_attach_fn fn, void *arg)
{
	m->attach = fn;
	m->attach_arg = arg;
}

void
mailer_set_renderer(struct mailer *m, mailer_render_fn fn, void *arg)
{
	m->render = fn;
	m->render_arg = arg;
}

/* One claimed row (store_outbox_claim()) and what is sent with it. */
struct claim {
	struct mailer			*m;
	struct store_outbox_claim	 r;
	struct store_outbox_att		*rows;	/* its stored attachments */
	size_t				 nrows;
	struct mime_att			*att;
	size_t				 natt;
};

static void
claim_clear(struct claim *c)
{
	store_outbox_claim_clear(&c->r);
	store_outbox_attachments_free(c->rows, c->nrows);
	c->rows = NULL;
	c->nrows = 0;
	free(c->att);
	c->att = NULL;
	c->natt = 0;
}

/* The claimed row's attachments (outbox_attach()), read after the claim
 * committed. */
static int
attachments_load(struct mailer *m, struct claim *c)
{
	int rc;

	rc = store_outbox_attachments(m->db, c->r.id, &c->rows, &c->nrows);
	if (rc != 0 || c->nrows == 0)
		return rc;
	if ((c->att = calloc(c->nrows, sizeof(*c->att))) == NULL)
		return -1;	/* DB_ERR */
	for (size_t i = 0; i < c->nrows; i++)
		c->att[i] = (struct mime_att){ c->rows[i].filename,
		    c->rows[i].content_type, c->rows[i].base64 };
	c->natt = c->nrows;
	return 0;
}

struct reader {
	const char	*data;
	size_t		 len, pos;
};

static size_t
on_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb;

	if (n > r->len - r->pos)
		n = r->len - r->pos;
	memcpy(dst, r->data + r->pos, n);
	r->pos += n;
	return n;
}

enum send_result { SEND_OK, SEND_TRANSIENT, SEND_PERMANENT };

/* 5xx rejects the message for good, except the AUTH codes (530, 534, 535,
 * 538): those are our configuration, which an admin can fix. */
static int
smtp_permanent(long code)
{
	return code >= 500 && code < 600 && code != 530 && code != 534 &&
	    code != 535 && code != 538;
}

static enum send_result
smtp_send(struct mailer *m, const struct claim *c, const char *msg,
    char *err, size_t errsz)
{
	const struct config *cfg = m->cfg;
	CURL *h = m->curl;
	struct curl_slist *rcpt = NULL;
	struct reader rd = { msg, strlen(msg), 0 };
	char from[OUTBOX_ADDR_MAX + 3], to[OUTBOX_ADDR_MAX + 3];
	char cerr[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;

	str_fmt(from, sizeof(from), "<%s>", cfg->smtp_from);
	str_fmt(to, sizeof(to), "<%s>", c->r.to);
	if ((rcpt = curl_slist_append(NULL, to)) == NULL) {
		str_fmt(err, errsz, "out of memory");
		return SEND_TRANSIENT;
	}
	curl_easy_reset(h);	/* keeps the connection cache */
	curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_SMTP | CURLPROTO_SMTPS);
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)cfg->smtp_timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    (long)(cfg->smtp_timeout < 10 ? cfg->smtp_timeout : 10));
	curl_easy_setopt(h, CURLOPT_USE_SSL, m->use_ssl);
	if (cfg->smtp_user[0] != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &rd);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK)
		return SEND_OK;
	str_fmt(err, errsz, "smtp %ld: %s", code, cerr[0] ? cerr :
	    curl_easy_strerror(rc));
	return smtp_permanent(code) ? SEND_PERMANENT : SEND_TRANSIENT;
}

/* Marks the row, only while the lease is still ours. Marking "sent" is
 * retried for a few seconds: until it lands, a crash means a re-send. */
static int
mark(struct mailer *m, const struct claim *c, enum send_result res,
    const char *err)
{
	const struct config *cfg = m->cfg;
	const struct store_outbox_claim *r = &c->r;
	int64_t now = clock_now(), delay = cfg->mail_retry_base;
	uint64_t affected = 0;
	int rc = -1, tries = res == SEND_OK ? MARK_TRIES : 1;
	int give_up = res == SEND_PERMANENT || r->attempts >= cfg->mail_retry_max;

	for (int64_t i = 1; i < r->attempts && delay < BACKOFF_CAP; i++)
		delay *= 2;
	if (delay > BACKOFF_CAP)
		delay = BACKOFF_CAP;
	for (int t = 0; t < tries; t++) {
		if (t > 0)
			sleep(1);
		if (res == SEND_OK)
			rc = store_outbox_mark_sent(m->db, r->id, m->owner,
			    r->lease_until, now, &affected);
		else
			rc = store_outbox_mark_retry(m->db, r->id, m->owner,
			    r->lease_until, give_up, now + delay, err, &affected);
		if (!store_outbox_db_down(rc))
			break;
	}
	if (rc == 0 && affected == 0)
		log_warn("outbox %" PRId64 ": lease lost before marking (another "
		    "mailer took it over)", r->id);
	return rc;
}

/* The message as sent: the attachments stored with the row
 * (outbox_attach()) and the one rendered now by the attacher, if any (a
 * renderer that fails is retried like a transient SMTP error). */
static enum send_result
compose(struct mailer *m, const struct claim *c, char **msg, char *err,
    size_t errsz)
{
	struct mime_att *att = NULL;
	const char *type = "application/pdf";
	char filename[101] = "", *b64 = NULL;
	struct buf data;
	size_t n = c->natt;
	int rc = 0;

	*msg = NULL;
	buf_init(&data, OUTBOX_BODY_MAX);
	/* rows with stored attachments (statements queued before notices)
	 * are complete as they are */
	if (m->attach != NULL && c->natt == 0)
		rc = m->attach(m->attach_arg, c->r.kind, c->r.object_type, c->r.object_id,
		    &data, filename, sizeof(filename), &type);
	if (rc == -1 || (rc == 1 && (b64 = mime_base64(data.data,
	    data.len)) == NULL)) {
		buf_free(&data);
		str_copy(err, errsz, "cannot render the attachment");
		return SEND_TRANSIENT;
	}
	buf_free(&data);
	if ((att = calloc(n + 1, sizeof(*att))) == NULL) {
		free(b64);
		str_copy(err, errsz, "out of memory");
		return SEND_TRANSIENT;
	}
	for (size_t i = 0; i < c->natt; i++)
		att[i] = c->att[i];
	if (b64 != NULL)
		att[n++] = (struct mime_att){ filename, type, b64 };
	*msg = mime_message_att(m->cfg->smtp_from, m->cfg->org_name, c->r.to,
	    c->r.subject, c->r.text, c->r.html, c->r.message_id, c->r.created_at, att, n);
	free(att);
	free(b64);
	if (*msg != NULL)
		return SEND_OK;
	str_copy(err, errsz, "cannot format the message");
	return SEND_PERMANENT;
}

/* The rendered notice, written back for the record (`billingctl`, support:
 * what was sent): the subject always, the bodies unless they carry a link
 * token (only its hash may be kept at rest). */
static void
render_record(struct mailer *m, const struct claim *c)
{
	const struct store_outbox_claim *r = &c->r;
	int secret = r->sealed != NULL;

	if (store_outbox_mark_rendered(m->db, r->id, m->owner, r->lease_until,
	    r->subject, secret ? NULL : r->text, secret ? NULL : r->html,
	    clock_now()) != 0)
		log_warn("outbox %" PRId64 ": rendered mail not recorded: %s", r->id,
		    store_outbox_db_error(m->db));
}

/* A notice row: rendered now from its templates and the data as it is now
 * (plus the facts frozen at queue time), outside every transaction. */
static enum send_result
render_notice(struct mailer *m, struct claim *c, char *err, size_t errsz)
{
	struct outbox_mail out;
	char token[CRYPTO_TOKEN_MAX + 1] = "";
	struct mailer_notice n = { c->r.id, c->r.notice, c->r.lang, c->r.facts, NULL,
	    c->r.to, c->r.object_type, c->r.object_id, c->r.created_at };
	int rc;

	if (m->render == NULL) {
		str_copy(err, errsz, "no notice renderer in this process");
		return SEND_TRANSIENT;
	}
	if (c->r.sealed != NULL) {
		if (crypto_open(m->cfg->secret_key, OUTBOX_SEAL_PURPOSE, c->r.sealed,
		    token, sizeof(token)) == -1) {
			str_copy(err, errsz, "link token cannot be unsealed "
			    "(secret_key changed?)");
			return SEND_PERMANENT;
		}
		n.token = token;
	}
	memset(&out, 0, sizeof(out));
	rc = m->render(m->render_arg, &n, &out, err, errsz);
	explicit_bzero(token, sizeof(token));
	if (rc != 0) {
		outbox_mail_free(&out);
		return rc == -2 ? SEND_PERMANENT : SEND_TRANSIENT;
	}
	free(c->r.subject);
	free(c->r.text);
	free(c->r.html);
	c->r.subject = out.subject;	/* the claim owns them now */
	c->r.text = out.text;
	c->r.html = out.html;
	render_record(m, c);
	return SEND_OK;
}

/* One message: claim, send, mark. 1: attempted, 0: nothing due, -1: DB. */
static int
mailer_one(struct mailer *m, struct mailer_stats *st)
{
	struct claim c;
	enum send_result res;
	char err[1024] = "";
	char *msg = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	c.m = m;
	if ((rc = store_outbox_claim(m->db, clock_now(), m->owner,
	    m->cfg->mail_lease, m->cfg->mail_retry_max, &c.r)) != 0) {
		claim_clear(&c);	/* the caller reports db_error() */
		return -1;
	}
	if (!c.r.found)
		return 0;
	if (c.r.gave_up) {
		log_warn("outbox %" PRId64 ": failed (lease expired after the last "
		    "attempt)", c.r.id);
		st->failed++;
		claim_clear(&c);
		return 1;
	}
	if (attachments_load(m, &c) != 0) {
		claim_clear(&c);	/* the lease expires; another try later */
		return -1;
	}
	/* a notice is rendered at its first attempt; a re-send (retry, expired
	 * lease) sends the same bytes, except a mail with a link token, whose
	 * bodies are never kept: it is rendered again */
	res = c.r.render ? render_notice(m, &c, err, sizeof(err)) : SEND_OK;
	if (res == SEND_OK)
		res = compose(m, &c, &msg, err, sizeof(err));
	if (res == SEND_OK)
		res = smtp_send(m, &c, msg, err, sizeof(err));
	free(msg);
	if (res == SEND_OK && m->after_send != NULL)
		m->after_send(c.r.id);
	rc = mark(m, &c, res, err);
	if (res == SEND_OK) {
		st->sent++;
		log_info("outbox %" PRId64 ": sent (attempt %" PRId64 ") %s", c.r.id,
		    c.r.attempts, c.r.message_id);
	} else if (res == SEND_PERMANENT || c.r.attempts >= m->cfg->mail_retry_max) {
		st->failed++;
		log_warn("outbox %" PRId64 ": failed after attempt %" PRId64 ": %s",
		    c.r.id, c.r.attempts, err);
	} else {
		st->retry++;
		log_warn("outbox %" PRId64 ": attempt %" PRId64 " failed, will "
		    "retry: %s", c.r.id, c.r.attempts, err);
	}
	if (rc != 0)
		log_err("outbox %" PRId64 ": cannot mark: %s", c.r.id,
		    store_outbox_db_error(m->db));
	claim_clear(&c);
	return rc == 0 ? 1 : -1;
}

int
mailer_run(struct mailer *m, int max, const volatile sig_atomic_t *stop,
    struct mailer_stats *stats)
{
	struct mailer_stats dummy;
	int n = 0, rc;

	if (stats == NULL) {
		memset(&dummy, 0, sizeof(dummy));
		stats = &dummy;
	}
	while (n < max && (stop == NULL || !*stop)) {
		if ((rc = mailer_one(m, stats)) == -1)
			return -1;
		if (rc == 0)
			break;
		n++;
	}
	return n;
}
