/* Estimates, their lines and signatures (estimates, estimate_lines,
 * estimate_signatures), and the reads around them: what a client was
 * billed since an estimate, the payment type its invoice uses. Functions
 * return a db_status (0 is DB_OK) unless said otherwise; "1/0": 1 when
 * found (or changed), 0 when not, or a negative db_status. */
#ifndef STORE_ESTIMATE_H
#define STORE_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* The coverage snapshot, in the columns' order. */
struct store_estimate_fig {
	int64_t	 deductible, deductible_met;
	int64_t	 family_deductible, family_deductible_met;
	int64_t	 coinsurance_bp, copay;
	int64_t	 oop_max, oop_met, family_oop_max, family_oop_met;
};

struct store_estimate {
	int64_t	 id;
	int64_t	 root_id;		/* read: COALESCE(root_id, id) */
	int	 version;
	int64_t	 client_id;
	int64_t	 account_id;
	char	 status[16];
	char	 basis[16];		/* in_network | out_of_network | self_pay */
	int64_t	 coverage_id;		/* 0 = none (NULL) */
	char	 payer_name[201];
	char	 member_id[65];
	struct store_estimate_fig fig;
	char	 notes[4001];
	char	 valid_until[11];	/* dates: "" = none (NULL) */
	int	 gfe, gfe_requested;
	char	 scheduled_on[11];
	char	 gfe_due[11];
	char	 diagnosis_codes[201];
	char	 separate_items[2001];
	char	 provider_name[201];
	char	 provider_npi[11];
	char	 provider_tin[21];
	char	 provider_location[701];
	int64_t	 allowed_total, patient_total, insurer_total;
	char	 content_hash[65];
	int64_t	 invoice_id;		/* read: 0 = none */
	int64_t	 created_at, sent_at, viewed_at;
	/* read only: the client's and the account's */
	char	 client_name[203];
	char	 birth_date[11];
	char	 account_email[255];
};

struct store_estimate_line {
	int64_t	 service_id;		/* 0 = none (NULL) */
	char	 code[33];
	char	 billing_code[17];
	char	 diagnosis_code[17];
	char	 description[501];
	char	 service_date[11];	/* "" = none (NULL) */
	int64_t	 quantity, rate;
	int	 copay_applies;
	int64_t	 discount_bp, allowed, deductible, coinsurance, copay, discount,
		 patient, insurer;
};

struct store_estimate_sig {
	int64_t	 id;
	char	 role[8];		/* client | staff */
	char	 signer_name[201];
	int64_t	 signer_id;
	char	 method[8];
	char	*png;			/* malloc'd or NULL */
	char	*path;			/* malloc'd or NULL */
	char	 content_hash[65];
	int64_t	 signed_at;
	char	 ip[65];
	char	 user_agent[256];
};

/* A work-list row: estimate, client, patient total, billed since. */
struct store_estimate_flag {
	int64_t	 id, root_id, client_id;
	char	 client_name[203];
	int64_t	 estimated, billed;
};

/* --- reading (store_estimate.c) --- */
/* 1/0: one estimate with its client's name and birth date and the
 * account's email. */
int	 store_estimate_get(struct db *, int64_t id, struct store_estimate *);
/* Newest first, at most 200 (malloc'd): every estimate of client_id when
 * > 0, else those of account_id past draft and not superseded. */
int	 store_estimate_list(struct db *, int64_t client_id, int64_t account_id,
	    struct store_estimate **out, size_t *n);
/* The lines by position (malloc'd). */
int	 store_estimate_lines(struct db *, int64_t id,
	    struct store_estimate_line **out, size_t *n);
/* The signatures not voided, by id (malloc'd; store_estimate_sigs_free). */
int	 store_estimate_sigs(struct db *, int64_t id,
	    struct store_estimate_sig **out, size_t *n);
void	 store_estimate_sigs_free(struct store_estimate_sig *, size_t n);
/* 1/0 locked (FOR UPDATE): the row's status, COALESCE(root_id, id),
 * version and invoice_id (-1 when NULL). */
int	 store_estimate_lock_head(struct db *, int64_t id, char *status,
	    size_t statussz, int64_t *root_id, int *version, int64_t *invoice_id);
/* 1/0: the row locked (FOR UPDATE). */
int	 store_estimate_lock(struct db *, int64_t id);
/* COALESCE(plan_id, 0) / invoice_id (0 when NULL) of the estimate. */
int	 store_estimate_plan_id(struct db *, int64_t id, int64_t *plan_id);
int	 store_estimate_invoice_id(struct db *, int64_t id, int64_t *invoice_id);
/* Charges and discounts of the client's invoices issued since (GFE). */
int	 store_estimate_billed_since(struct db *, int64_t client_id,
	    int64_t since, int64_t *billed);
/* GFEs (account_id 0: of every account) billed at least dispute over their
 * patient total, and estimates waiting for the countersignature: newest
 * first, at most 50 (malloc'd). */
int	 store_estimate_gfe_flags(struct db *, int64_t account_id,
	    int64_t dispute, struct store_estimate_flag **out, size_t *n);
/* Both lists of the staff home in one statement (every account). */
int	 store_estimate_home(struct db *, int64_t dispute,
	    struct store_estimate_flag **gfe, size_t *ngfe,
	    struct store_estimate_flag **awaiting, size_t *nawaiting);
/* The id of the payment type code, else the lowest id (0 when none). */
int	 store_estimate_payment_type(struct db *, const char *code, int64_t *id);

/* --- writing (store_estimate_save.c) --- */
/* A new row with its keys (root_id 0: NULL, created_by <= 0: NULL); the
 * content follows with store_estimate_content_set. */
int	 store_estimate_insert(struct db *, const struct store_estimate *,
	    int64_t created_by, int64_t now, int64_t *id);
/* Status "draft" and every content column of e->id. */
int	 store_estimate_content_set(struct db *, const struct store_estimate *,
	    int64_t now);
int	 store_estimate_lines_insert(struct db *, int64_t id,
	    const struct store_estimate_line *, size_t n);
int	 store_estimate_lines_delete(struct db *, int64_t id);
/* The old version superseded, then its signatures voided. */
int	 store_estimate_supersede(struct db *, int64_t id, int64_t now);
/* status and now into sent_at (sent: 1) or updated_at (0). */
int	 store_estimate_set_status(struct db *, int64_t id, const char *status,
	    int sent, int64_t now);
/* sent -> viewed; sent or viewed -> expired. */
int	 store_estimate_viewed(struct db *, int64_t id, int64_t now);
int	 store_estimate_expire(struct db *, int64_t id);
int	 store_estimate_signed(struct db *, int64_t id, const char *content_hash);
int	 store_estimate_sig_insert(struct db *, int64_t id,
	    const struct store_estimate_sig *);
/* 1/0: claims the conversion to an invoice (accepted, invoice_id NULL ->
 * 0); then sets it (invoice_id <= 0: NULL again). */
int	 store_estimate_invoice_claim(struct db *, int64_t id);
int	 store_estimate_invoice_set(struct db *, int64_t id, int64_t invoice_id);
/* 1/0: claims the conversion to a plan (accepted, plan_id NULL -> 0, and
 * invoice_id NULL -> 0); then sets plan_id (< 0: NULL) and invoice_id
 * (<= 0: back to NULL when it is 0). */
int	 store_estimate_plan_claim(struct db *, int64_t id);
int	 store_estimate_plan_set(struct db *, int64_t id, int64_t plan_id,
	    int64_t invoice_id);

#endif
