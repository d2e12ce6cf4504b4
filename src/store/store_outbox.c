/* Outbox rows: queueing, the mailer's claim and lease, delivery marks (see
 * store_outbox.h). */
#include "common.h"

#include "db.h"
#include "store_outbox.h"
#include "str.h"

/* --- queueing ------------------------------------------------------------- */

int
store_outbox_insert_mail(struct db *db, const struct store_outbox_new *n,
    int64_t *id)
{
	struct db_param p[] = {
		DB_STR(n->kind), DB_STR(n->to), DB_STR(n->subject),
		DB_STR(n->text), DB_STRN(n->html), DB_STRN(n->object_type),
		n->object_id > 0 ? DB_I64(n->object_id) : DB_NULL,
		DB_I64(n->now), DB_I64(n->now), DB_STR(n->message_id),
	};
	uint64_t ins = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO outbox (kind, to_addr, subject, text_body, "
	    "html_body, object_type, object_id, created_at, status, attempts, "
	    "next_attempt_at, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "'queued', 0, ?, ?)", p, ARRAY_LEN(p), NULL, &ins);
	if (rc == DB_OK && id != NULL)
		*id = (int64_t)ins;
	return rc;
}

int
store_outbox_insert_notice(struct db *db, const struct store_outbox_new *n,
    int64_t *id)
{
	struct db_param p[] = {
		DB_STR(n->kind), DB_STR(n->notice), DB_STRN(n->lang),
		DB_STR(n->facts ? n->facts : ""), DB_STRN(n->sealed), DB_STR(n->to),
		DB_STRN(n->object_type),
		n->object_id > 0 ? DB_I64(n->object_id) : DB_NULL,
		DB_I64(n->now), DB_I64(n->now), DB_STR(n->message_id),
	};
	uint64_t ins = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO outbox (kind, notice, lang, facts, "
	    "sealed_token, to_addr, subject, text_body, object_type, object_id, "
	    "created_at, status, attempts, next_attempt_at, message_id) VALUES "
	    "(?, ?, ?, ?, ?, ?, '', NULL, ?, ?, ?, 'queued', 0, ?, ?)", p,
	    ARRAY_LEN(p), NULL, &ins);
	if (rc == DB_OK && id != NULL)
		*id = (int64_t)ins;
	return rc;
}

int
store_outbox_attach(struct db *db, int64_t outbox_id, const char *filename,
    const char *content_type, const char *data_base64)
{
	struct db_param p[] = { DB_I64(outbox_id), DB_STR(filename),
	    DB_STR(content_type), DB_STR(data_base64) };

	return db_exec(db, "INSERT INTO outbox_attachments (outbox_id, filename, "
	    "content_type, data_base64) VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p),
	    NULL, NULL);
}

int
store_outbox_counts(struct db *db, int64_t now, struct store_outbox_counts *c)
{
	struct db_param p[] = { DB_I64(now), DB_I64(now) };
	struct db_result r;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = db_query(db, "SELECT COALESCE(SUM(status = 'queued'), 0), "
	    "COALESCE(SUM(status = 'sending'), 0), COALESCE(SUM(status = 'sent'), 0), "
	    "COALESCE(SUM(status = 'failed'), 0), COALESCE(SUM((status = 'queued' AND "
	    "next_attempt_at <= ?) OR (status = 'sending' AND lease_until <= ?)), 0) "
	    "FROM outbox", p, ARRAY_LEN(p), &r);
	if (rc == DB_OK && r.nrows == 1) {
		c->queued = db_i64(&r, 0, 0);
		c->sending = db_i64(&r, 0, 1);
		c->sent = db_i64(&r, 0, 2);
		c->failed = db_i64(&r, 0, 3);
		c->due = db_i64(&r, 0, 4);
	}
	db_result_free(&r);
	return rc;
}

/* --- the claim ------------------------------------------------------------ */

void
store_outbox_claim_clear(struct store_outbox_claim *c)
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
}

static int
claim_copy(struct store_outbox_claim *c, const struct db_result *r)
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

struct claim_args {
	struct store_outbox_claim	*c;
	int64_t				 now, lease, retry_max;
	const char			*owner;
};

/* Each SELECT walks its own index. */
static int
claim_tx(struct db *db, void *arg)
{
	struct claim_args *a = arg;
	struct store_outbox_claim *c = a->c;
	struct db_param p[] = { DB_I64(a->now) };
	struct db_result r;
	int rc;

	store_outbox_claim_clear(c);
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
	if (c->attempts > a->retry_max) {
		/* its last attempt's mailer died: delivery unknown, stop here */
		struct db_param f[] = { DB_I64(c->id) };
		c->gave_up = 1;
		return db_exec(db, "UPDATE outbox SET status = 'failed', lease_until = "
		    "NULL, lease_owner = NULL, sealed_token = NULL, last_error = "
		    "'lease expired after the last attempt (delivery unknown)' "
		    "WHERE id = ?", f, 1, NULL, NULL);
	}
	c->lease_until = a->now + a->lease;
	struct db_param u[] = { DB_I64(c->lease_until), DB_STR(a->owner),
	    DB_I64(c->id) };
	return db_exec(db, "UPDATE outbox SET status = 'sending', attempts = "
	    "attempts + 1, lease_until = ?, lease_owner = ? WHERE id = ?", u, 3,
	    NULL, NULL);
}

int
store_outbox_claim(struct db *db, int64_t now, const char *owner, int64_t lease,
    int64_t retry_max, struct store_outbox_claim *c)
{
	struct claim_args a = { c, now, lease, retry_max, owner };

	return db_tx(db, claim_tx, &a);
}

int
store_outbox_attachments(struct db *db, int64_t id,
    struct store_outbox_att **out, size_t *n)
{
	struct db_param p[] = { DB_I64(id) };
	struct db_result r;
	struct store_outbox_att *a = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT filename, content_type, data_base64 FROM "
	    "outbox_attachments WHERE outbox_id = ? ORDER BY id", p, 1, &r);
	if (rc == DB_OK && r.nrows > 0 && (a = calloc(r.nrows, sizeof(*a))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++) {
		if ((a[i].filename = strdup(db_str(&r, i, 0))) == NULL ||
		    (a[i].content_type = strdup(db_str(&r, i, 1))) == NULL ||
		    (a[i].base64 = strdup(db_str(&r, i, 2))) == NULL)
			rc = DB_ERR;
	}
	if (rc == DB_OK) {
		*out = a;
		*n = r.nrows;
	} else if (a != NULL)
		store_outbox_attachments_free(a, r.nrows);
	db_result_free(&r);
	return rc;
}

void
store_outbox_attachments_free(struct store_outbox_att *a, size_t n)
{
	for (size_t i = 0; a != NULL && i < n; i++) {
		free(a[i].filename);
		free(a[i].content_type);
		free(a[i].base64);
	}
	free(a);
}

/* --- delivery marks ------------------------------------------------------- */

int
store_outbox_mark_sent(struct db *db, int64_t id, const char *owner,
    int64_t lease_until, int64_t now, uint64_t *affected)
{
	struct db_param p[] = { DB_I64(now), DB_I64(id), DB_STR(owner),
	    DB_I64(lease_until) };

	return db_exec(db, "UPDATE outbox SET status = 'sent', "
	    "sent_at = ?, lease_until = NULL, lease_owner = NULL, "
	    "sealed_token = NULL, last_error = NULL WHERE id = ? AND "
	    "status = 'sending' AND lease_owner = ? AND lease_until = ?",
	    p, ARRAY_LEN(p), affected, NULL);
}

int
store_outbox_mark_retry(struct db *db, int64_t id, const char *owner,
    int64_t lease_until, int give_up, int64_t next_attempt_at, const char *err,
    uint64_t *affected)
{
	const char *status = give_up ? "failed" : "queued";
	struct db_param p[] = { DB_STR(status), DB_I64(next_attempt_at),
	    DB_STR(err), DB_STR(status), DB_I64(id), DB_STR(owner),
	    DB_I64(lease_until) };

	return db_exec(db, "UPDATE outbox SET status = ?, "
	    "next_attempt_at = ?, last_error = LEFT(?, 1000), "
	    "sealed_token = IF(? = 'failed', NULL, sealed_token), "
	    "lease_until = NULL, lease_owner = NULL WHERE id = ? AND "
	    "status = 'sending' AND lease_owner = ? AND lease_until = ?",
	    p, ARRAY_LEN(p), affected, NULL);
}

int
store_outbox_mark_rendered(struct db *db, int64_t id, const char *owner,
    int64_t lease_until, const char *subject, const char *text,
    const char *html, int64_t now)
{
	struct db_param p[] = { DB_STR(subject), DB_STRN(text), DB_STRN(html),
	    DB_I64(now), DB_I64(id), DB_STR(owner), DB_I64(lease_until) };

	return db_exec(db, "UPDATE outbox SET subject = LEFT(?, 998), text_body ="
	    " ?, html_body = ?, rendered_at = ? WHERE id = ? AND lease_owner = ?"
	    " AND lease_until = ?", p, ARRAY_LEN(p), NULL, NULL);
}

int
store_outbox_db_down(int rc)
{
	return rc == DB_DOWN;
}

const char *
store_outbox_db_error(struct db *db)
{
	return db_error(db);
}
