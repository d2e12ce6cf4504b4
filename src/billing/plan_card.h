/* "Update your card" links of a payment plan (plan_card_tokens): made with
 * the failure, past-due and card-expiry notices, opened without signing
 * in. The client types their name, authorizes, saves a new card through a
 * SetupIntent; the plan then charges the new card (a consent scoped to the
 * plan is recorded for it, the old one's revoked), a past-due plan is
 * active again and its stopped installment is tried again today.
 * Return values: enum plan_rc. */
#ifndef PLAN_CARD_H
#define PLAN_CARD_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct sp;

#define PLAN_CARD_TTL	(14 * 86400)	/* a link works for 14 days */

/* A new link's token for the plan (inside the caller's transaction).
 * token: PORTAL_TOKEN_BYTES * 2 + 1 at least. db_status. */
int	 plan_card_token_new(struct db *, int64_t plan_id, char *token,
	    size_t tokensz);

struct plan_card_link {
	int64_t	 id;
	int64_t	 plan_id;
	int64_t	 account_id;
	char	 setup_intent[81];
	char	 signer_name[201];
	char	 signer_ip[65];
	char	 signer_user_agent[256];
};
/* The live link of token (not used, not expired, plan not ended):
 * PLAN_OK, PLAN_NOT_FOUND, PLAN_DB. */
int	 plan_card_find(struct db *, const char *token, struct plan_card_link *);
/* Keeps the signature and the SetupIntent started for the link. */
int	 plan_card_started(struct db *, int64_t link_id, const char *setup_intent,
	    const char *signer, const char *ip, const char *user_agent);
/* The SetupIntent succeeded and method_id is saved: the plan's method
 * becomes it, with the consent; the link is used. */
int	 plan_card_replace(const struct sp *, const struct plan_card_link *,
	    int64_t method_id, char *msg, size_t msgsz);

#endif
