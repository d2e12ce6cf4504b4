/* Outbox mailer: sends queued emails over SMTP with libcurl.
 *
 * One message at a time: a short transaction claims the next due row with
 * SELECT ... FOR UPDATE SKIP LOCKED and gives it a lease (status 'sending',
 * lease_until = now + mail_lease, lease_owner = host:pid) and commits; only
 * then is SMTP spoken; right after the server accepts the message (250 after
 * DATA) the row is marked 'sent'. Any number of mailers on any hosts can
 * run at once: a row is claimed by one of them at a time.
 *
 * Failures: a transient error (connection refused, timeout, 4xx) puts the
 * row back to 'queued' with next_attempt_at = now + mail_retry_base *
 * 2^(attempts-1) (capped at 6 h); after mail_retry_max attempts, or at once
 * on a permanent 5xx rejection of the message, it becomes 'failed'.
 * A row whose lease expired (its mailer died) is due again: that re-send,
 * with the same Message-ID, is the at-least-once window (README "Email"). */
#ifndef MAILER_H
#define MAILER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct db;
struct mailer;

struct mailer_stats {
	int	 sent;		/* accepted by the SMTP server, marked sent */
	int	 retry;		/* transient failure, queued again */
	int	 failed;	/* given up: marked failed */
};

/* Uses cfg (smtp_*, mail_*, org_name) and db; both must outlive the mailer.
 * Checks the settings (smtp_url scheme, smtp_tls, mail_lease > smtp_timeout).
 * NULL with err set on error. Free with mailer_free(). */
struct mailer *mailer_new(const struct config *, struct db *, char *err,
	    size_t errsz);
void	 mailer_free(struct mailer *);

/* Sends up to max due messages (one claim per message) and returns how many
 * were attempted (0: nothing due), or -1 when the database failed. Stops
 * early when *stop becomes non-zero (stop may be NULL). stats (may be NULL)
 * is added to. */
int	 mailer_run(struct mailer *, int max, const volatile sig_atomic_t *stop,
	    struct mailer_stats *);

/* Test seam: called after the SMTP server accepted a message and before the
 * row is marked sent (NULL: none). Tests use it to kill the process at the
 * worst moment; nothing else sets it. */
void	 mailer_set_after_send_hook(struct mailer *, void (*fn)(int64_t outbox_id));

/* Renders a message's attachment when it is sent (e.g. the PDF receipt of
 * a receipt email, from the payment as it is then): kind is the outbox
 * kind ("receipt", ...), object_type/object_id what the mail is about
 * ("" / 0: nothing). Writes the file into data, its name into filename
 * ([A-Za-z0-9._-]) and may set *type (default "application/pdf").
 * Returns 1 attached, 0 nothing to attach, -1 error (the send is retried
 * later). Not asked for a row that has stored attachments (outbox_attach()). */
struct buf;
typedef int (*mailer_attach_fn)(void *arg, const char *kind,
	    const char *object_type, int64_t object_id, struct buf *data,
	    char *filename, size_t filenamesz, const char **type);
void	 mailer_set_attacher(struct mailer *, mailer_attach_fn, void *arg);

/* Renders a notice row (billing's notice_enqueue()) when it is sent, outside
 * every transaction: fills out (outbox_mail_free() by the mailer). token is
 * the row's link token, unsealed (NULL: none). Returns 0, -1 transient
 * (the send is retried later), -2 permanent (the row fails: unknown notice,
 * its object is gone). Without a renderer a notice row is retried later. */
struct outbox_mail;
struct mailer_notice {
	int64_t		 id;		/* outbox row */
	const char	*notice, *lang, *facts, *token, *to, *object_type;
	int64_t		 object_id, created_at;
};
typedef int (*mailer_render_fn)(void *arg, const struct mailer_notice *,
	    struct outbox_mail *out, char *err, size_t errsz);
void	 mailer_set_renderer(struct mailer *, mailer_render_fn, void *arg);

#endif
