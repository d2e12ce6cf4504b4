/* Email outbox: an email is a row of the outbox table, written inside the
 * transaction of the event that causes it (an invoice sent, a payment
 * settled, an activation link created), so it exists iff that event
 * committed. The mailer (mailer.h) sends it later over SMTP.
 *
 * Typical use, inside a db_tx() callback:
 *
 *	struct outbox_mail m;
 *	tmpl_vars: recipient_name, invoice_number, ... (see the template's header)
 *	if (outbox_render(cache, cfg, "invoice", vars, &m) == -1) ...
 *	rc = outbox_enqueue(db, OUTBOX_INVOICE, to, m.subject, m.text, m.html,
 *	    "invoice", invoice_id, &mail_id);
 *	outbox_mail_free(&m);
 *	return rc;	-- the caller's tx commits or rolls back both
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store_outbox.h"
#include "str.h"

struct config;
struct db;
struct tmpl_cache;
struct tmpl_vars;

enum outbox_kind {
	OUTBOX_ACTIVATION,
	OUTBOX_INVOICE,
	OUTBOX_RECEIPT,
	OUTBOX_PAYMENT_CONFIRMATION,
	OUTBOX_ACH_RESULT,
	OUTBOX_STATEMENT,
	OUTBOX_PASSWORD_RESET,
	OUTBOX_OTHER,
	OUTBOX__MAX
};

/* outbox_enqueue() on an address/subject/body that cannot be sent safely
 * (CR/LF or <> in the address, CR/LF in the subject, empty text, too long).
 * Distinct from every enum db_status, so a db_tx() callback can return it:
 * the transaction rolls back and db_tx() returns it unchanged. */
#define OUTBOX_INVALID	(-10)

#define OUTBOX_ADDR_MAX		STR_EMAIL_MAX
#define OUTBOX_SUBJECT_MAX	900
#define OUTBOX_BODY_MAX		(4u * 1024 * 1024)

/* 1 if a is a bare address outbox_enqueue() accepts (printable ASCII, no
 * specials, one '@'), else 0. */
int	 outbox_addr_ok(const char *a);

/* "activation", "invoice", ... (the SQL enum value); NULL when out of range. */
const char *outbox_kind_name(enum outbox_kind);

/* Queues one email. Runs in the caller's transaction (call it inside a
 * db_tx() callback; outside one it commits on its own). to: one address,
 * no display name. subject: UTF-8, one line. text: the text/plain part
 * (required); html: the text/html part, or NULL for a text-only message.
 * object_type/object_id: what the email is about (NULL/0: nothing).
 * Generates the Message-ID "<random@host>" now, so every send of this row
 * carries the same one. *id (may be NULL) gets the outbox row id.
 * Returns DB_OK, a db_status, or OUTBOX_INVALID. */
int	 outbox_enqueue(struct db *, enum outbox_kind, const char *to,
	    const char *subject, const char *text, const char *html,
	    const char *object_type, int64_t object_id, int64_t *id);

/* The purpose crypto_seal() is given for outbox link tokens. */
#define OUTBOX_SEAL_PURPOSE	STORE_OUTBOX_SEAL_PURPOSE

/* A rendered email. Owner: outbox_render() allocates, the caller calls
 * outbox_mail_free() (also after a failed render). */
struct outbox_mail {
	char	*subject;
	char	*text;
	char	*html;
};

/* Renders www/templates/mail/<name>.txt and mail/<name>.html with vars.
 * Adds org_name, org_address and base_url from cfg to vars (unless the
 * caller set them). The .txt template starts with "Subject: ...", a blank
 * line, then the plain-text body; it is rendered with the same engine and
 * then un-escaped, so it reads as plain text (values arrive verbatim).
 * The .html part is HTML-escaped as usual. Without a .html file the mail
 * is text only (html = NULL). 0, or -1 with err (if not NULL) set. */
int	 outbox_render(struct tmpl_cache *, const struct config *,
	    const char *name, struct tmpl_vars *vars, struct outbox_mail *out,
	    char *err, size_t errsz);
void	 outbox_mail_free(struct outbox_mail *);

/* outbox_enqueue() of a rendered mail. */
int	 outbox_enqueue_mail(struct db *, enum outbox_kind, const char *to,
	    const struct outbox_mail *, const char *object_type,
	    int64_t object_id, int64_t *id);

/* Attaches a file (e.g. a statement's PDF) to outbox row id, in the
 * caller's transaction; the mailer sends it as a base64 MIME part.
 * filename: plain ASCII without quotes. Returns a db_status. */
int	 outbox_attach(struct db *, int64_t outbox_id, const char *filename,
	    const char *content_type, const void *data, size_t len);

/* Rows per status, for `billingctl mail status`. */
struct outbox_counts {
	int64_t	 queued, sending, sent, failed;
	int64_t	 due;		/* queued and due now, or sending with an expired lease */
};
int	 outbox_counts(struct db *, int64_t now, struct outbox_counts *);

#endif
