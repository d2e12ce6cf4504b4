/* The outbox and outbox_attachments tables: queued mails and notices, the
 * mailer's lease on a row, its delivery state. Functions return a db_status
 * (0 is DB_OK, negative on error) unless said otherwise. */
#ifndef STORE_OUTBOX_H
#define STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* A row to queue; NULL strings are stored as NULL, object_id <= 0 as none. */
/* The purpose crypto_seal() is given for a notice's link token, sealed
 * when the domain queues it and opened by the mailer. */
#define STORE_OUTBOX_SEAL_PURPOSE	"outbox-link-token-v1"

struct store_outbox_new {
	const char	*kind;		/* the SQL enum value */
	const char	*to;
	const char	*subject;	/* mail */
	const char	*text;		/* mail */
	const char	*html;		/* mail */
	const char	*notice;	/* notice */
	const char	*lang;		/* notice */
	const char	*facts;		/* notice; NULL is stored as "" */
	const char	*sealed;	/* notice */
	const char	*object_type;
	int64_t		 object_id;
	int64_t		 now;
	const char	*message_id;
};

/* A rendered mail: status queued, due now. */
int	 store_outbox_insert_mail(struct db *, const struct store_outbox_new *,
	    int64_t *id);
/* A notice (rendered by the mailer at send time): status queued, due now. */
int	 store_outbox_insert_notice(struct db *, const struct store_outbox_new *,
	    int64_t *id);
int	 store_outbox_attach(struct db *, int64_t outbox_id, const char *filename,
	    const char *content_type, const char *data_base64);

struct store_outbox_counts {
	int64_t	 queued, sending, sent, failed;
	int64_t	 due;		/* queued and due, or sending with an expired lease */
};
int	 store_outbox_counts(struct db *, int64_t now, struct store_outbox_counts *);

/* A row claimed by store_outbox_claim(); the strings are malloc'd
 * (store_outbox_claim_clear() frees them; sealed is wiped first). */
struct store_outbox_claim {
	int	 found;		/* 0: nothing due */
	int	 gave_up;	/* lease expired after the last attempt: now failed */
	int64_t	 id;
	int64_t	 attempts;	/* this attempt's number */
	int64_t	 created_at, lease_until, object_id;
	char	*to, *subject, *text, *html, *message_id;
	char	 kind[24], object_type[33];
	char	 notice[33], lang[9], *facts, *sealed;
	int	 render;	/* a notice not rendered (kept) yet */
};

/* In one transaction: the oldest row whose lease expired, else the next due
 * queued row, locked with SKIP LOCKED (rows other mailers are claiming right
 * now are skipped, not waited for), then leased to owner until now + lease
 * (attempts + 1), or, past retry_max attempts, marked failed (gave_up).
 * The transaction has committed when this returns. */
int	 store_outbox_claim(struct db *, int64_t now, const char *owner,
	    int64_t lease, int64_t retry_max, struct store_outbox_claim *);
void	 store_outbox_claim_clear(struct store_outbox_claim *);

struct store_outbox_att {
	char	*filename, *content_type, *base64;
};
/* The attachments of row id in order, a malloc'd array (NULL when none). */
int	 store_outbox_attachments(struct db *, int64_t id,
	    struct store_outbox_att **out, size_t *n);
void	 store_outbox_attachments_free(struct store_outbox_att *, size_t n);

/* The marks below change the row only while the lease is still owner's
 * (status sending, lease_owner, lease_until); *affected: 0 when it was not. */
int	 store_outbox_mark_sent(struct db *, int64_t id, const char *owner,
	    int64_t lease_until, int64_t now, uint64_t *affected);
/* Back to queued, due at next_attempt_at, or failed (give_up; the sealed
 * token is dropped); err (cut to 1000) is kept as last_error. */
int	 store_outbox_mark_retry(struct db *, int64_t id, const char *owner,
	    int64_t lease_until, int give_up, int64_t next_attempt_at,
	    const char *err, uint64_t *affected);
/* Records a notice as rendered: the subject (cut to 998), the bodies (NULL
 * to keep none). */
int	 store_outbox_mark_rendered(struct db *, int64_t id, const char *owner,
	    int64_t lease_until, const char *subject, const char *text,
	    const char *html, int64_t now);

/* 1 when rc says the connection is down (worth another try), else 0. */
int	 store_outbox_db_down(int rc);
/* The last error of db, for a log line. */
const char *store_outbox_db_error(struct db *);

#endif
