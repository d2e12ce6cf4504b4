/* Estimates: lines priced from the catalog, the payer's contracted rates
 * or the self-pay rates, computed by the estimate rule (estimate_calc.h)
 * under a snapshot of the client's coverage, stored as computed.
 *
 * Lifecycle: draft -> sent (portal, email link) -> viewed -> signed (by the
 * client) -> accepted (countersigned by staff); or declined; sent/viewed
 * past valid_until read as expired. Saving a draft replaces it; saving any
 * later, unconverted version makes a new version (version + 1, same
 * root_id), marks the old one superseded and voids its signatures.
 *
 * Signatures cover the SHA-256 of the canonical content (estimate_canonical):
 * the client's is checked again at countersigning, and
 * `billingctl estimate verify N` recomputes it (estimate_verify). */
#ifndef ESTIMATE_H
#define ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "estimate_calc.h"

struct db;
struct actor;
struct buf;

#define ESTIMATE_MAX_LINES	50

enum estimate_state {
	ES_DRAFT, ES_SENT, ES_VIEWED, ES_SIGNED, ES_ACCEPTED, ES_DECLINED,
	ES_EXPIRED, ES_SUPERSEDED, ES__MAX
};
extern const char *const estimate_state_names[ES__MAX];
extern const char *const estimate_state_labels[ES__MAX];	/* "Signed by client" */
extern const char *const est_basis_names[3];	/* in_network out_of_network self_pay */

enum estimate_status {
	EST_S_OK = 0,
	EST_S_NOT_FOUND = 1,
	EST_S_INVALID = 2,	/* msg says why (and field names the input) */
	EST_S_STATE = 3,	/* not allowed in this status (msg says why) */
	EST_S_TAMPERED = 4,	/* content no longer matches the client's signature */
	EST_S_DB = -1,
};

struct estimate_line {
	int64_t		 service_id;
	char		 code[33];
	char		 billing_code[17];	/* CPT/HCPCS */
	char		 diagnosis_code[17];	/* ICD-10 */
	char		 description[501];
	char		 service_date[11];	/* "" or YYYY-MM-DD */
	struct est_line	 c;	/* quantity, rate, copay_applies, discount_bp, results */
};

struct estimate_sig {
	int64_t	 id;
	int	 present;
	char	 signer_name[201];
	int64_t	 signer_id;
	char	 method[8];		/* drawn | typed */
	char	*png;			/* base64 PNG (drawn), malloc'd or NULL */
	char	*path;			/* strokes JSON, malloc'd or NULL */
	char	 content_hash[CRYPTO_SHA256_HEX];
	int64_t	 signed_at;
	char	 ip[65];
	char	 user_agent[256];
};

struct estimate {
	int64_t			 id;
	int64_t			 root_id;	/* first version's id */
	int			 version;
	int64_t			 client_id;
	int64_t			 account_id;	/* filled from the client */
	enum estimate_state	 state;
	enum est_basis		 basis;
	int64_t			 coverage_id;	/* 0: self-pay */
	char			 payer_name[201];
	char			 member_id[65];
	struct est_coverage	 fig;		/* snapshot */
	char			 notes[4001];
	char			 valid_until[11];
	int			 gfe;
	int			 gfe_requested;
	char			 scheduled_on[11];
	char			 gfe_due[11];
	char			 diagnosis_codes[201];
	char			 separate_items[2001];
	char			 provider_name[201];
	char			 provider_npi[11];
	char			 provider_tin[21];
	char			 provider_location[701];
	struct est_totals	 totals;
	char			 content_hash[CRYPTO_SHA256_HEX];	/* "" until signed */
	int64_t			 invoice_id;
	int64_t			 created_at, sent_at, viewed_at;
	/* filled by get */
	char			 client_name[203];
	char			 birth_date[11];
	char			 account_email[255];
	struct estimate_sig	 client_sig, staff_sig;	/* current (not voided) */
	struct estimate_line	*lines;		/* malloc'd */
	size_t			 nlines;
};

void	 estimate_free(struct estimate *);
const char *estimate_state_name(enum estimate_state);

/* Prices e's lines (service_id and quantity given; the rest filled from the
 * catalog, the coverage e->coverage_id and its payer's rates, the self-pay
 * settings) and computes them. Sets basis, the coverage snapshot, GFE
 * provider facts and due date. EST_S_INVALID with msg/field on bad input. */
int	 estimate_price(struct db *, struct estimate *, char *msg, size_t msgsz,
	    char *field, size_t fieldsz);
/* Stores e (priced first): id 0 creates a draft; a draft is replaced; a
 * sent or later version gets a new version (e->id becomes the new id). */
int	 estimate_save(struct db *, const struct actor *, struct estimate *,
	    char *msg, size_t msgsz, char *field, size_t fieldsz);
/* Loads one estimate with its lines and current signatures (and moves a
 * sent/viewed estimate past its validity date to expired). */
int	 estimate_get(struct db *, int64_t id, struct estimate *);
/* Every version of a client's estimates, newest first (no lines).
 * portal: only those sent to the account (account_id instead of client). */
int	 estimate_list(struct db *, int64_t client_id, int64_t account_id,
	    struct estimate **out, size_t *n);
void	 estimate_list_free(struct estimate *, size_t n);

/* The canonical content: one line per fact in a fixed order, amounts in
 * cents, every field escaped; its SHA-256 is what signatures sign. */
int	 estimate_canonical(const struct estimate *, struct buf *);
void	 estimate_hash(const struct estimate *, char out[CRYPTO_SHA256_HEX]);

/* draft -> sent; queues an email with link_url (may be NULL: no email) to
 * the account's address. */
int	 estimate_send(struct db *, const struct actor *, int64_t id,
	    const char *link_url, char *msg, size_t msgsz);
/* The account opened it in the portal: sent -> viewed. */
int	 estimate_viewed(struct db *, int64_t id);
/* The client signs (sent/viewed -> signed). sig: signer_name, method, png,
 * path, ip, user_agent; signer_id = account id. */
int	 estimate_sign_client(struct db *, const struct actor *, int64_t id,
	    struct estimate_sig *, char *msg, size_t msgsz);
/* Staff countersign (signed -> accepted): refuses with EST_S_TAMPERED when
 * the content no longer hashes to what the client signed. */
int	 estimate_countersign(struct db *, const struct actor *, int64_t id,
	    struct estimate_sig *, char *msg, size_t msgsz);
int	 estimate_decline(struct db *, const struct actor *, int64_t id,
	    char *msg, size_t msgsz);
/* A drawn signature as we keep it: png is base64 (A-Z a-z 0-9 + / =) and
 * path the strokes "[[x,y,x,y...],...]" (digits, commas, brackets). 1 ok. */
int	 estimate_sig_ok(const char *png_b64, const char *path);
/* Recomputes the hash of the stored content: EST_S_OK when every current
 * signature and the stored hash match it, EST_S_TAMPERED when not. */
int	 estimate_verify(struct db *, int64_t id, char computed[CRYPTO_SHA256_HEX],
	    char signed_hash[CRYPTO_SHA256_HEX]);
/* An accepted estimate becomes a draft invoice with one line per estimate
 * line for the patient's share. *invoice_id gets it. */
int	 estimate_to_invoice(struct db *, const struct actor *, int64_t id,
	    int64_t *invoice_id, char *msg, size_t msgsz);
/* The draft invoice of an estimate's patient shares (no claim; an
 * enum inv_status). estimate_to_invoice() and estimate_to_plan() use it. */
int	 estimate_invoice_make(struct db *, const struct actor *,
	    const struct estimate *, int64_t *invoice_id, char *msg, size_t msgsz);
/* An accepted estimate becomes a draft payment plan over its invoice (made
 * and issued now unless it was made before), inside the practice limits
 * (estimate_plan.c). A second call answers EST_S_OK with the first plan. */
int	 estimate_to_plan(struct db *, const struct actor *, int64_t id,
	    int64_t *plan_id, char *msg, size_t msgsz);
/* The plan made from the estimate, 0 = none. */
int	 estimate_plan_id(struct db *, int64_t id, int64_t *plan_id);

/* GFE $400 check: issued invoices of the client since the estimate was
 * accepted/sent total *billed; returns 1 when flagged. -1 on error. */
int	 estimate_gfe_check(struct db *, const struct estimate *, int64_t *billed);

/* Work-list rows: a GFE whose billed total exceeds it by $400 or more, or
 * an estimate signed by the client waiting for the countersignature. */
struct estimate_flag {
	int64_t	 id;
	int64_t	 root_id;
	int64_t	 client_id;
	char	 client_name[203];
	int64_t	 estimated;	/* patient total */
	int64_t	 billed;	/* GFE: issued charges since the estimate */
};

/* account_id 0: every account. Newest first, at most 50. Caller frees. */
int	 estimate_gfe_flags(struct db *, int64_t account_id,
	    struct estimate_flag **out, size_t *n);
/* The staff home's two lists in one statement: GFE flags of every account
 * (as above) and estimates waiting for the countersignature (newest
 * first, at most 50). Caller frees both. */
int	 estimate_home_flags(struct db *, struct estimate_flag **gfe,
	    size_t *ngfe, struct estimate_flag **awaiting, size_t *nawaiting);

#endif
