/* Notices: the domain decides that an email is due and queues it, in the
 * transaction of the event, as a notice: its kind, the account and object
 * it is about, and the few facts that must be frozen at the event (amounts,
 * dates, a status, the language). It renders nothing: the mailer renders
 * each notice from its templates when it sends it (src/mail/notice_render.c,
 * docs/internals/mail.md), outside every money transaction.
 *
 *	struct notice n;
 *	notice_init(&n, NOTICE_RECEIPT, a.email, a.language, a.id,
 *	    "payment", p.id);
 *	notice_fact_i64(&n, "amount", p.amount);
 *	rc = notice_enqueue(db, cfg, &n, NULL);	-- frees n
 */
#ifndef NOTICE_H
#define NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct config;
struct db;

/* The outbox's `notice` column holds notice_kind_name(); the mailer's
 * renderer has one entry per name. */
enum notice_kind {
	NOTICE_ACTIVATION,	/* portal activation link (token) */
	NOTICE_PASSWORD_RESET,	/* portal reset link (token) */
	NOTICE_INVOICE,		/* invoice sent with a pay link (token) */
	NOTICE_RECEIPT,		/* card payment succeeded */
	NOTICE_ACH_PENDING,	/* ACH debit started */
	NOTICE_ACH_SUCCEEDED,
	NOTICE_ACH_FAILED,
	NOTICE_PLAN,		/* payment plan sent / changed */
	NOTICE_AUTOPAY,		/* plan notices: upcoming, due, failed, card... */
	NOTICE_STATEMENT,
	NOTICE_CONSENT,		/* copy of a charge authorization */
	NOTICE_ESTIMATE,	/* estimate ready to sign */
	NOTICE__MAX
};

#define NOTICE_TO_MAX		255
/* notice_enqueue(): an address or fact the outbox refuses */
#define NOTICE_INVALID		(-10)
#define NOTICE_FACTS_MAX	16384

/* One notice being built. notice_init() starts it, notice_enqueue() or
 * notice_free() ends it (both wipe the token). */
struct notice {
	enum notice_kind kind;
	char		 to[NOTICE_TO_MAX];
	char		 lang[9];
	char		 object_type[33];
	int64_t		 object_id;
	struct buf	 facts;		/* "key=value\n", values %-escaped */
	char		 token[100];	/* raw link token or "" */
	int		 bad;		/* a fact did not fit */
};

const char *notice_kind_name(enum notice_kind);

/* lang: the account's language (anything but a known one is "en").
 * account_id: whose account (fact "account"; 0: none). */
void	 notice_init(struct notice *, enum notice_kind, const char *to,
	    const char *lang, int64_t account_id, const char *object_type,
	    int64_t object_id);
/* A frozen fact; key [a-z0-9_]; a value may hold any UTF-8 text. */
void	 notice_fact(struct notice *, const char *key, const char *value);
void	 notice_fact_i64(struct notice *, const char *key, int64_t value);
/* The raw link token the mail carries: sealed (crypto_seal with
 * cfg->secret_key) before it is stored, wiped from the row once sent. */
void	 notice_token(struct notice *, const char *token);
/* Queues it in the caller's transaction and frees n. cfg may be NULL for
 * a notice without a token. *id (may be NULL)
 * gets the outbox row id. DB_OK, a db_status, or NOTICE_INVALID (an address
 * or fact the outbox refuses). */
int	 notice_enqueue(struct db *, const struct config *, struct notice *,
	    int64_t *id);
void	 notice_free(struct notice *);

#endif
