#include "common.h"

#include <curl/curl.h>
#include <unistd.h>

#include "mailer.h"

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "mime.h"
#include "outbox.h"
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

/* One claimed row. */
struct claim {
	struct mailer	*m;
	int64_t		 now;
	int		 found;		/* 0: nothing due */
	int		 gave_up;	/* lease expired after the last attempt */
	int64_t		 id, attempts, created_at, lease_until, object_id;
	char		*to, *subject, *text, *html, *message_id;
	char		 kind[24], object_type[33];
	char		 notice[33], lang[9], *facts, *sealed;
	int		 render;	/* a notice not rendered (kept) yet */
	struct db_result att_rows;	/* filename, content_type, data_base64 */
	struct mime_att	*att;
	size_t		 natt;
};

static void
claim_clear(struct claim *c)
{
	free(c->to);
	free(c->subject);
	free(c->text);
	free(c->html);
	free(c->message_id);
	free(c->facts);
	if (c->sealed != NULL)
		explicit_bzero(c->sealed, strlen(c->sealed));
	free(c->sealed);
	c->to = c->subject = c->text = c->html = c->message_id = NULL;
	c->facts = c->sealed = NULL;
	c->found = c->gave_up = 0;
	db_result_free(&c->att_rows);
	free(c->att);
	c->att = NULL;
	c->natt = 0;
}

/* The claimed row's attachments (outbox_attach()), read after the claim
 * committed. */
static int
attachments_load(struct db *db, struct claim *c)
{
	struct db_param p[] = { DB_I64(c->id) };
	struct db_result *r = &c->att_rows;
	int rc;

	rc = db_query(db, "SELECT filename, content_type, data_base64 FROM "
	    "outbox_attachments WHERE outbox_id = ? ORDER BY id", p, 1, r);
	if (rc != DB_OK || r->nrows == 0)
		return rc;
	if ((c->att = calloc(r->nrows, sizeof(*c->att))) == NULL)
		return DB_ERR;
	for (size_t i = 0; i < r->nrows; i++) {
		c->att[i].filename = db_str(r, i, 0);
		c->att[i].content_type = db_str(r, i, 1);
		c->att[i].base64 = db_str(r, i, 2);
	}
	c->natt = r->nrows;
	return DB_OK;
}

static int
claim_copy(struct claim *c, const struct db_result *r)
{
	c->id = db_i64(r, 0, 0);
	c->attempts = db_i64(r, 0, 6) + 1;
	c->created_at = db_i64(r, 0, 7);
	str_copy(c->kind, sizeof(c->kind), db_str(r, 0, 8));
	str_copy(c->object_type, sizeof(c->object_type), db_str(r, 0, 9));
	c->object_id = db_i64(r, 0, 10);
	str_copy(c->notice, sizeof(c->notice), db_str(r, 0, 11));
	str_copy(c->lang, sizeof(c->lang), db_str(r, 0, 12));
	c->render = db_i64(r, 0, 15) != 0;
	if ((c->facts = strdup(db_str(r, 0, 13))) == NULL ||
	    (!db_isnull(r, 0, 14) && (c->sealed = strdup(db_str(r, 0, 14))) ==
	    NULL) ||
	    (c->to = strdup(db_str(r, 0, 1))) == NULL ||
	    (c->subject = strdup(db_str(r, 0, 2))) == NULL ||
	    (c->text = strdup(db_str(r, 0, 3))) == NULL ||
	    (!db_isnull(r, 0, 4) && (c->html = strdup(db_str(r, 0, 4))) == NULL) ||
	    (c->message_id = strdup(db_str(r, 0, 5))) == NULL)
		return DB_ERR;
	c->found = 1;
	return DB_OK;
}

#define CLAIM_COLS "id, to_addr, subject, COALESCE(text_body, ''), html_body, " \
	"message_id, attempts, created_at, kind, COALESCE(object_type, ''), " \
	"COALESCE(object_id, 0), COALESCE(notice, ''), COALESCE(lang, ''), " \
	"COALESCE(facts, ''), sealed_token, notice IS NOT NULL AND " \
	"(rendered_at IS NULL OR text_body IS NULL)"

/* In one transaction: the oldest row whose lease expired, else the next due
 * queued row, locked with SKIP LOCKED (rows other mailers are claiming right
 * now are skipped, not waited for), then leased to us. Each SELECT walks its
 * own index. */
static int
claim_tx(struct db *db, void *arg)
{
	struct claim *c = arg;
	const struct config *cfg = c->m->cfg;
	struct db_param p[] = { DB_I64(c->now) };
	struct db_result r;
	int rc;

	claim_clear(c);
	rc = db_query(db, "SELECT " CLAIM_COLS " FROM outbox WHERE status = "
	    "'sending' AND lease_until <= ? ORDER BY lease_until LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED", p, 1, &r);
	if (rc == DB_OK && r.nrows == 0) {
		db_result_free(&r);
		rc = db_query(db, "SELECT " CLAIM_COLS " FROM outbox WHERE status = "
		    "'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id "
		    "LIMIT 1 FOR UPDATE SKIP LOCKED", p, 1, &r);
	}
	if (rc == DB_OK && r.nrows == 1)
		rc = claim_copy(c, &r);
	db_result_free(&r);
	if (rc != DB_OK || !c->found)
		return rc;
	if (c->attempts > cfg->mail_retry_max) {
		/* its last attempt's mailer died: delivery unknown, stop here */
		struct db_param f[] = { DB_I64(c->id) };
		c->gave_up = 1;
		return db_exec(db, "UPDATE outbox SET status = 'failed', lease_until = "
		    "NULL, lease_owner = NULL, sealed_token = NULL, last_error = "
		    "'lease expired after the last attempt (delivery unknown)' "
		    "WHERE id = ?", f, 1, NULL, NULL);
	}
	c->lease_until = c->now + cfg->mail_lease;
	struct db_param u[] = { DB_I64(c->lease_until), DB_STR(c->m->owner),
	    DB_I64(c->id) };
	return db_exec(db, "UPDATE outbox SET status = 'sending', attempts = "
	    "attempts + 1, lease_until = ?, lease_owner = ? WHERE id = ?", u, 3,
	    NULL, NULL);
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
	str_fmt(to, sizeof(to), "<%s>", c->to);
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
	int64_t now = clock_now(), delay = cfg->mail_retry_base;
	uint64_t affected = 0;
	int rc = DB_ERR, tries = res == SEND_OK ? MARK_TRIES : 1;

	for (int64_t i = 1; i < c->attempts && delay < BACKOFF_CAP; i++)
		delay *= 2;
	if (delay > BACKOFF_CAP)
		delay = BACKOFF_CAP;
	for (int t = 0; t < tries; t++) {
		if (t > 0)
			sleep(1);
		if (res == SEND_OK) {
			struct db_param p[] = { DB_I64(now), DB_I64(c->id),
			    DB_STR(m->owner), DB_I64(c->lease_until) };
			rc = db_exec(m->db, "UPDATE outbox SET status = 'sent', "
			    "sent_at = ?, lease_until = NULL, lease_owner = NULL, "
			    "sealed_token = NULL, last_error = NULL WHERE id = ? AND "
			    "status = 'sending' AND lease_owner = ? AND lease_until = ?",
			    p, ARRAY_LEN(p),
			    &affected, NULL);
		} else {
			int give_up = res == SEND_PERMANENT ||
			    c->attempts >= cfg->mail_retry_max;
			struct db_param p[] = { DB_STR(give_up ? "failed" : "queued"),
			    DB_I64(now + delay), DB_STR(err),
			    DB_STR(give_up ? "failed" : "queued"), DB_I64(c->id),
			    DB_STR(m->owner), DB_I64(c->lease_until) };
			rc = db_exec(m->db, "UPDATE outbox SET status = ?, "
			    "next_attempt_at = ?, last_error = LEFT(?, 1000), "
			    "sealed_token = IF(? = 'failed', NULL, sealed_token), "
			    "lease_until = NULL, lease_owner = NULL WHERE id = ? AND "
			    "status = 'sending' AND lease_owner = ? AND lease_until = ?",
			    p, ARRAY_LEN(p), &affected, NULL);
		}
		if (rc != DB_DOWN)
			break;
	}
	if (rc == DB_OK && affected == 0)
		log_warn("outbox %" PRId64 ": lease lost before marking (another "
		    "mailer took it over)", c->id);
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
		rc = m->attach(m->attach_arg, c->kind, c->object_type, c->object_id,
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
	*msg = mime_message_att(m->cfg->smtp_from, m->cfg->org_name, c->to,
	    c->subject, c->text, c->html, c->message_id, c->created_at, att, n);
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
	int secret = c->sealed != NULL;
	struct db_param p[] = { DB_STR(c->subject),
	    secret ? DB_NULL : DB_STR(c->text), secret ? DB_NULL : DB_STRN(c->html),
	    DB_I64(clock_now()), DB_I64(c->id), DB_STR(m->owner),
	    DB_I64(c->lease_until) };

	if (db_exec(m->db, "UPDATE outbox SET subject = LEFT(?, 998), text_body ="
	    " ?, html_body = ?, rendered_at = ? WHERE id = ? AND lease_owner = ?"
	    " AND lease_until = ?", p, ARRAY_LEN(p), NULL, NULL) != DB_OK)
		log_warn("outbox %" PRId64 ": rendered mail not recorded: %s", c->id,
		    db_error(m->db));
}

/* A notice row: rendered now from its templates and the data as it is now
 * (plus the facts frozen at queue time), outside every transaction. */
static enum send_result
render_notice(struct mailer *m, struct claim *c, char *err, size_t errsz)
{
	struct outbox_mail out;
	char token[CRYPTO_TOKEN_MAX + 1] = "";
	struct mailer_notice n = { c->id, c->notice, c->lang, c->facts, NULL,
	    c->to, c->object_type, c->object_id, c->created_at };
	int rc;

	if (m->render == NULL) {
		str_copy(err, errsz, "no notice renderer in this process");
		return SEND_TRANSIENT;
	}
	if (c->sealed != NULL) {
		if (crypto_open(m->cfg->secret_key, OUTBOX_SEAL_PURPOSE, c->sealed,
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
	free(c->subject);
	free(c->text);
	free(c->html);
	c->subject = out.subject;	/* the claim owns them now */
	c->text = out.text;
	c->html = out.html;
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
	c.now = clock_now();
	if ((rc = db_tx(m->db, claim_tx, &c)) != DB_OK) {
		claim_clear(&c);	/* the caller reports db_error() */
		return -1;
	}
	if (!c.found)
		return 0;
	if (c.gave_up) {
		log_warn("outbox %" PRId64 ": failed (lease expired after the last "
		    "attempt)", c.id);
		st->failed++;
		claim_clear(&c);
		return 1;
	}
	if (attachments_load(m->db, &c) != DB_OK) {
		claim_clear(&c);	/* the lease expires; another try later */
		return -1;
	}
	/* a notice is rendered at its first attempt; a re-send (retry, expired
	 * lease) sends the same bytes, except a mail with a link token, whose
	 * bodies are never kept: it is rendered again */
	res = c.render ? render_notice(m, &c, err, sizeof(err)) : SEND_OK;
	if (res == SEND_OK)
		res = compose(m, &c, &msg, err, sizeof(err));
	if (res == SEND_OK)
		res = smtp_send(m, &c, msg, err, sizeof(err));
	free(msg);
	if (res == SEND_OK && m->after_send != NULL)
		m->after_send(c.id);
	rc = mark(m, &c, res, err);
	if (res == SEND_OK) {
		st->sent++;
		log_info("outbox %" PRId64 ": sent (attempt %" PRId64 ") %s", c.id,
		    c.attempts, c.message_id);
	} else if (res == SEND_PERMANENT || c.attempts >= m->cfg->mail_retry_max) {
		st->failed++;
		log_warn("outbox %" PRId64 ": failed after attempt %" PRId64 ": %s",
		    c.id, c.attempts, err);
	} else {
		st->retry++;
		log_warn("outbox %" PRId64 ": attempt %" PRId64 " failed, will "
		    "retry: %s", c.id, c.attempts, err);
	}
	if (rc != DB_OK)
		log_err("outbox %" PRId64 ": cannot mark: %s", c.id, db_error(m->db));
	claim_clear(&c);
	return rc == DB_OK ? 1 : -1;
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
