/* Stripe objects decoded into plain C structs: the only fields the domain
 * reads, copied out of Stripe's JSON so nothing above src/stripe touches
 * json-c. No pointers inside (except the refund list's array): a struct is
 * copied, zeroed and freed like any value.
 *
 * Conventions for every decoded struct:
 *  - strings are NUL-terminated; "" means absent, JSON null, not a string,
 *    holding a NUL, or too long for its field (never cut: a cut id could
 *    name another object);
 *  - amounts and counts are -1 when absent or not a JSON integer >= 0;
 *  - metadata ids (metadata.payment_id, metadata.refund_id) are 0 unless
 *    they are a positive integer written as a string, as we write them;
 *  - a decode fails (-1) only when the object has no usable id or its
 *    "object" member names another kind; the struct is then zeroed. */
#ifndef STRIPE_TYPES_H
#define STRIPE_TYPES_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct stripe_result;

#define STRIPE_ID_SZ		256	/* Stripe ids: up to 255 characters */
#define STRIPE_STATUS_SZ	40
#define STRIPE_CODE_SZ		64
#define STRIPE_SECRET_SZ	256
#define STRIPE_CURRENCY_SZ	8
#define STRIPE_MESSAGE_SZ	512

/* last_payment_error / last_setup_error of an intent. */
struct stripe_last_error {
	int	 present;		/* the member is an object */
	char	 type[STRIPE_CODE_SZ];
	char	 code[STRIPE_CODE_SZ];
	char	 decline_code[STRIPE_CODE_SZ];
	char	 message[STRIPE_MESSAGE_SZ];
};

struct stripe_card {
	char	 brand[32];
	char	 last4[8];
	int64_t	 exp_month;		/* 0 when absent */
	int64_t	 exp_year;		/* 0 when absent */
};

struct stripe_bank_account {
	char	 bank_name[100];
	char	 last4[8];
};

struct stripe_payment_method {
	char	 id[STRIPE_ID_SZ];	/* pm_... (required) */
	char	 type[32];		/* card | us_bank_account | ... */
	char	 customer[STRIPE_ID_SZ];
	struct stripe_card		card;		/* type card */
	struct stripe_bank_account	us_bank_account;
};

struct stripe_payment_intent {
	char	 id[STRIPE_ID_SZ];	/* pi_... (required) */
	char	 status[STRIPE_STATUS_SZ];
	int64_t	 amount;
	int64_t	 amount_received;
	char	 currency[STRIPE_CURRENCY_SZ];
	char	 customer[STRIPE_ID_SZ];
	char	 client_secret[STRIPE_SECRET_SZ];
	char	 cancellation_reason[STRIPE_CODE_SZ];
	int64_t	 metadata_payment_id;
	/* payment_method: its id (a string or an expanded object's id) and,
	 * when expanded, the object (has_payment_method). */
	char	 payment_method_id[STRIPE_ID_SZ];
	int	 has_payment_method;
	struct stripe_payment_method	payment_method;
	struct stripe_last_error	last_payment_error;
};

struct stripe_setup_intent {
	char	 id[STRIPE_ID_SZ];	/* seti_... (required) */
	char	 status[STRIPE_STATUS_SZ];
	char	 customer[STRIPE_ID_SZ];
	char	 client_secret[STRIPE_SECRET_SZ];
	char	 payment_method_id[STRIPE_ID_SZ];
	int	 has_payment_method;
	struct stripe_payment_method	payment_method;
	struct stripe_last_error	last_setup_error;
};

struct stripe_customer {
	char	 id[STRIPE_ID_SZ];	/* cus_... (required) */
	char	 email[256];
};

struct stripe_charge {
	char	 id[STRIPE_ID_SZ];	/* ch_/py_... (required) */
	char	 status[STRIPE_STATUS_SZ];
	char	 payment_intent[STRIPE_ID_SZ];
	int64_t	 amount;
	int64_t	 amount_refunded;
	char	 currency[STRIPE_CURRENCY_SZ];
	char	 failure_code[STRIPE_CODE_SZ];
	int64_t	 metadata_payment_id;
};

struct stripe_refund {
	char	 id[STRIPE_ID_SZ];	/* re_/pyr_... (required) */
	char	 status[STRIPE_STATUS_SZ];
	int64_t	 amount;
	char	 currency[STRIPE_CURRENCY_SZ];
	char	 payment_intent[STRIPE_ID_SZ];
	char	 charge[STRIPE_ID_SZ];
	char	 reason[STRIPE_CODE_SZ];
	int64_t	 metadata_refund_id;
};

/* A list of refunds ({"object": "list", "data": [...]}). Members that do
 * not decode as refunds are skipped. data: owned, stripe_refund_list_free. */
struct stripe_refund_list {
	struct stripe_refund	*data;
	size_t			 n;
	int			 has_more;
};

struct stripe_dispute {
	char	 id[STRIPE_ID_SZ];	/* dp_/du_... (required) */
	char	 status[STRIPE_STATUS_SZ];
	char	 reason[STRIPE_CODE_SZ];
	char	 charge[STRIPE_ID_SZ];
	char	 payment_intent[STRIPE_ID_SZ];
	int64_t	 amount;
};

/* An error answer ({"error": {...}}) or a failure to get one: what the
 * client saw (stripe_result) with the PaymentIntent Stripe attaches to a
 * card error on create/confirm (has_payment_intent). */
struct stripe_error {
	int	 status;		/* enum stripe_status; 0 = no error */
	long	 http_status;		/* 0: no answer */
	int	 uncertain;		/* stripe_result_uncertain() */
	int	 reason;		/* enum stripe_reason (stripe_result_reason) */
	char	 type[64];
	char	 code[64];
	char	 decline_code[64];
	char	 param[128];
	char	 message[STRIPE_MESSAGE_SZ];
	char	 request_id[64];
	int	 has_payment_intent;
	struct stripe_payment_intent	payment_intent;
};

/* A webhook event: the envelope and its data.object decoded by kind. */
enum stripe_object_kind {
	STRIPE_OBJ_OTHER = 0,
	STRIPE_OBJ_PAYMENT_INTENT,
	STRIPE_OBJ_SETUP_INTENT,
	STRIPE_OBJ_PAYMENT_METHOD,
	STRIPE_OBJ_CHARGE,
	STRIPE_OBJ_REFUND,
	STRIPE_OBJ_DISPUTE,
	STRIPE_OBJ__MAX
};

struct stripe_event_info {
	char	 id[STRIPE_ID_SZ];	/* evt_... */
	char	 type[STRIPE_ID_SZ];	/* payment_intent.succeeded */
	int64_t	 created;		/* -1 absent */
	int	 livemode;		/* 1, 0, -1 absent */
	char	 object_id[STRIPE_ID_SZ];	/* data.object.id */
	char	 object_type[32];	/* data.object.object, "" absent */
	enum stripe_object_kind	 kind;
	/* data.object.payment_intent (charges, refunds, disputes) or the
	 * intent's own id; metadata.payment_id of the object (0 absent). */
	char	 payment_intent[STRIPE_ID_SZ];
	int64_t	 payment_id;
	/* data.object decoded as kind says (the others zeroed). */
	union {
		struct stripe_payment_intent	 pi;
		struct stripe_setup_intent	 si;
		struct stripe_payment_method	 pm;
		struct stripe_charge		 charge;
		struct stripe_refund		 refund;
		struct stripe_dispute		 dispute;
	} obj;
};

enum stripe_status {
	STRIPE_OK = 0,		/* 2xx with a JSON object body */
	STRIPE_ERR_USAGE,	/* refused before sending: bad path/id/params,
				 * POST without Idempotency-Key, ENOMEM */
	STRIPE_ERR_NETWORK,	/* no HTTP answer after all attempts */
	STRIPE_ERR_API,		/* non-2xx answer; error fields filled */
	STRIPE_ERR_RESPONSE,	/* answer over max_response or not JSON */
	STRIPE_STATUS__MAX
};

/* What the staff should be told; one per row of seed 004's table plus
 * authentication, bank account (ACH) and a generic fallback. */
enum stripe_reason {
	STRIPE_REASON_NONE = 0,		/* success: message "" */
	STRIPE_REASON_CARD_DECLINED,
	STRIPE_REASON_INSUFFICIENT_FUNDS,
	STRIPE_REASON_EXPIRED_CARD,
	STRIPE_REASON_INCORRECT_CVC,
	STRIPE_REASON_INCORRECT_NUMBER,
	STRIPE_REASON_PROCESSING,	/* processing_error, network, 5xx, 429 */
	STRIPE_REASON_AUTHENTICATION,	/* authentication_required (3DS) */
	STRIPE_REASON_BANK_ACCOUNT,	/* ACH: closed, frozen, not authorized */
	STRIPE_REASON_GENERIC,
	STRIPE_REASON__MAX
};

/* The staff message for a reason (stripe_result_reason in stripe.h). */
enum stripe_reason stripe_reason_from_codes(const char *type,
	    const char *code, const char *decline_code);
const char *stripe_reason_message(enum stripe_reason);
/* The reason in the payer's words (portal, pay link, their email); a
 * failure without a known reason gets the generic one. Never NULL. */
const char *stripe_reason_client_message(enum stripe_reason);
/* The reason of an intent's last error (its type, code, decline_code). */
enum stripe_reason stripe_last_error_reason(const struct stripe_last_error *);

/* Decoders from a parsed JSON object (borrowed). 0 / -1 (out zeroed). */
int	 stripe_payment_intent_decode(struct json_object *,
	    struct stripe_payment_intent *);
int	 stripe_setup_intent_decode(struct json_object *, struct stripe_setup_intent *);
int	 stripe_payment_method_decode(struct json_object *,
	    struct stripe_payment_method *);
int	 stripe_customer_decode(struct json_object *, struct stripe_customer *);
int	 stripe_charge_decode(struct json_object *, struct stripe_charge *);
int	 stripe_refund_decode(struct json_object *, struct stripe_refund *);
int	 stripe_dispute_decode(struct json_object *, struct stripe_dispute *);
/* A list object's data (or a bare array). 0 / -1 (not a list, ENOMEM). */
int	 stripe_refund_list_decode(struct json_object *, struct stripe_refund_list *);
void	 stripe_refund_list_free(struct stripe_refund_list *);
/* The first member of a list's data as a PaymentIntent (a search's
 * answer): 1 found, 0 empty list, -1 not a list. */
int	 stripe_payment_intent_first(struct json_object *,
	    struct stripe_payment_intent *);

/* From a request's result: the body when r->status is STRIPE_OK. */
int	 stripe_result_payment_intent(const struct stripe_result *,
	    struct stripe_payment_intent *);
/* Fills e from a failed (or successful: e->status 0) result. */
void	 stripe_error_from_result(const struct stripe_result *, struct stripe_error *);

/* The same from JSON text (tests, fuzzing): parse then decode. 0 / -1. */
int	 stripe_payment_intent_parse(const char *, size_t,
	    struct stripe_payment_intent *);
int	 stripe_setup_intent_parse(const char *, size_t, struct stripe_setup_intent *);
int	 stripe_payment_method_parse(const char *, size_t,
	    struct stripe_payment_method *);
int	 stripe_customer_parse(const char *, size_t, struct stripe_customer *);
int	 stripe_charge_parse(const char *, size_t, struct stripe_charge *);
int	 stripe_refund_parse(const char *, size_t, struct stripe_refund *);
int	 stripe_refund_list_parse(const char *, size_t, struct stripe_refund_list *);
int	 stripe_dispute_parse(const char *, size_t, struct stripe_dispute *);
/* An error body as a client would see it with http_status. 0 / -1. */
int	 stripe_error_parse(const char *, size_t, long http_status,
	    struct stripe_error *);
/* A webhook body: the envelope checks of stripe_event_parse, then the
 * object decoded by its "object" member. 0 / -1 (out zeroed). */
int	 stripe_event_decode(const char *, size_t, struct stripe_event_info *);

/* Messages for an error (stripe.h's reasons). Never NULL. */
const char *stripe_error_friendly(const struct stripe_error *);
/* Failure code of an intent's last error: decline_code, else code, else
 * dflt. */
const char *stripe_last_error_code(const struct stripe_last_error *,
	    const char *dflt);

#endif
