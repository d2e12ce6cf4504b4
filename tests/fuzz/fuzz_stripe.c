/* libFuzzer harness for the Stripe webhook input: the Stripe-Signature
 * parser and verifier (first line = header, the rest = body), webhook event
 * extraction as the handler does it, error-body mapping, and the decoders
 * of stripe_types.h (every object kind, from the whole input).
 * Built with -DFUZZ_MAIN it reads one file instead (afl / reproducing). */
#include "common.h"
#include "stripe/stripe.h"
#include "stripe/stripe_event.h"
#include "stripe/stripe_sig.h"
#include "stripe/stripe_types.h"

#include <json-c/json.h>

#define FUZZ_SECRET	"whsec_fuzz"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_header(const char *header, const char *body, size_t len)
{
	struct stripe_sig sig;
	enum stripe_sig_result r;

	if (stripe_sig_parse(header, &sig) == 0) {
		if (sig.nv1 > STRIPE_SIG_MAX_V1 || sig.t_text[0] == '\0' ||
		    strspn(sig.t_text, "0123456789") != strlen(sig.t_text) ||
		    strlen(header) > STRIPE_SIG_HEADER_MAX)
			abort();
		r = stripe_sig_verify(header, body, len, FUZZ_SECRET, sig.t, 300);
		if (r == STRIPE_SIG_MALFORMED || r == STRIPE_SIG_STALE)
			abort();	/* parsed, and now == t */
	} else if (stripe_sig_verify(header, body, len, FUZZ_SECRET, 0, 300) !=
	    STRIPE_SIG_MALFORMED)
		abort();
}

/* What we sign must verify; one flipped byte must not. */
static void
fuzz_roundtrip(const char *body, size_t len)
{
	char h[128], *copy;

	if (stripe_sig_header(FUZZ_SECRET, INT64_C(1718000000), body, len, h,
	    sizeof(h)) == -1)
		abort();
	if (stripe_sig_verify(h, body, len, FUZZ_SECRET, INT64_C(1718000100),
	    300) != STRIPE_SIG_OK)
		abort();
	if (len == 0 || (copy = malloc(len)) == NULL)
		return;
	memcpy(copy, body, len);
	copy[len / 2] ^= 0x20;
	if (stripe_sig_verify(h, copy, len, FUZZ_SECRET, INT64_C(1718000100),
	    300) != STRIPE_SIG_NO_MATCH)
		abort();
	free(copy);
}

static void
must_be_string(const char *s, int required)
{
	if (s == NULL) {
		if (required)
			abort();
		return;
	}
	(void)strlen(s);
}

/* The webhook handler's view of an event body. */
static void
fuzz_event(const char *body, size_t len)
{
	struct stripe_event e;
	enum stripe_reason why;

	if (stripe_event_parse(body, len, &e) == -1) {
		if (e.root != NULL || e.id != NULL)
			abort();
		return;
	}
	must_be_string(e.id, 1);
	must_be_string(e.type, 1);
	must_be_string(e.object_id, 1);
	must_be_string(e.object_type, 0);
	must_be_string(e.status, 0);
	must_be_string(e.payment_intent, 0);
	if (strncmp(e.id, "evt_", 4) != 0 || e.payment_id < 0 ||
	    e.amount < -1 || e.amount_refunded < -1 ||
	    strlen(e.object_id) > STRIPE_EVENT_ID_MAX)
		abort();
	why = stripe_reason_from_codes(NULL, e.failure_code, e.decline_code);
	if (stripe_reason_message(why) == NULL)
		abort();
	(void)stripe_obj_str(e.object, "metadata.payment_id");
	(void)stripe_obj_str(e.object, "charges.data.0.id");
	stripe_event_free(&e);
}

/* An error answer from Stripe, as the client reads it. */
static void
fuzz_error_body(const char *body, size_t len)
{
	static const long statuses[] = { 200, 402, 500 };

	for (size_t i = 0; i < ARRAY_LEN(statuses); i++) {
		struct stripe_result r;
		const char *msg;

		stripe_result_init(&r);
		(void)stripe_result_parse(&r, statuses[i], body, len);
		msg = stripe_friendly_message(&r);
		if (msg == NULL || (r.status != STRIPE_OK && *msg == '\0') ||
		    memchr(r.code, '\0', sizeof(r.code)) == NULL ||
		    memchr(r.message, '\0', sizeof(r.message)) == NULL)
			abort();
		stripe_result_free(&r);
	}
}

/* A decoded string: NUL-terminated inside its field, "" or free of NULs. */
#define FIELD_OK(f)	(memchr((f), '\0', sizeof(f)) != NULL)

static void
check_pm(const struct stripe_payment_method *m, int rc)
{
	if (!FIELD_OK(m->id) || !FIELD_OK(m->type) || !FIELD_OK(m->customer) ||
	    !FIELD_OK(m->card.brand) || !FIELD_OK(m->card.last4) ||
	    !FIELD_OK(m->us_bank_account.bank_name) ||
	    m->card.exp_month < 0 || m->card.exp_year < 0 ||
	    (rc == 0) != (m->id[0] != '\0'))
		abort();
}

static void
check_pi(const struct stripe_payment_intent *p, int rc)
{
	if (!FIELD_OK(p->id) || !FIELD_OK(p->status) || !FIELD_OK(p->currency) ||
	    !FIELD_OK(p->client_secret) || !FIELD_OK(p->payment_method_id) ||
	    !FIELD_OK(p->last_payment_error.decline_code) ||
	    p->amount < -1 || p->amount_received < -1 ||
	    p->metadata_payment_id < 0 || (rc == 0) != (p->id[0] != '\0') ||
	    (p->has_payment_method && strcmp(p->payment_method_id,
	    p->payment_method.id) != 0))
		abort();
	if (p->has_payment_method)
		check_pm(&p->payment_method, 0);
	(void)stripe_reason_message(stripe_last_error_reason(&p->last_payment_error));
}

/* Every decoder on the whole input: what decodes has an id; nothing
 * overflows its field; what fails is zeroed. */
static void
fuzz_decode(const char *body, size_t len)
{
	struct stripe_payment_intent pi;
	struct stripe_setup_intent si;
	struct stripe_payment_method pm;
	struct stripe_customer cus;
	struct stripe_charge ch;
	struct stripe_refund re;
	struct stripe_refund_list rl;
	struct stripe_dispute dp;
	struct stripe_error err;
	struct stripe_event_info ev;
	int rc;

	check_pi(&pi, stripe_payment_intent_parse(body, len, &pi));
	rc = stripe_setup_intent_parse(body, len, &si);
	if ((rc == 0) != (si.id[0] != '\0') || !FIELD_OK(si.customer) ||
	    !FIELD_OK(si.client_secret))
		abort();
	check_pm(&pm, stripe_payment_method_parse(body, len, &pm));
	rc = stripe_customer_parse(body, len, &cus);
	if ((rc == 0) != (cus.id[0] != '\0') || !FIELD_OK(cus.email))
		abort();
	rc = stripe_charge_parse(body, len, &ch);
	if ((rc == 0) != (ch.id[0] != '\0') || ch.amount < -1 ||
	    ch.amount_refunded < -1 || !FIELD_OK(ch.payment_intent))
		abort();
	rc = stripe_refund_parse(body, len, &re);
	if ((rc == 0) != (re.id[0] != '\0') || re.amount < -1 ||
	    re.metadata_refund_id < 0)
		abort();
	if (stripe_refund_list_parse(body, len, &rl) == 0)
		for (size_t i = 0; i < rl.n; i++)
			if (rl.data[i].id[0] == '\0' || !FIELD_OK(rl.data[i].status))
				abort();
	stripe_refund_list_free(&rl);
	rc = stripe_dispute_parse(body, len, &dp);
	if ((rc == 0) != (dp.id[0] != '\0') || !FIELD_OK(dp.reason))
		abort();
	(void)stripe_error_parse(body, len, 402, &err);
	if (!FIELD_OK(err.code) || !FIELD_OK(err.message) ||
	    stripe_error_friendly(&err) == NULL)
		abort();
	if (err.has_payment_intent)
		check_pi(&err.payment_intent, 0);
	if (stripe_event_decode(body, len, &ev) == 0) {
		if (strncmp(ev.id, "evt_", 4) != 0 || ev.object_id[0] == '\0' ||
		    ev.type[0] == '\0' || ev.payment_id < 0 ||
		    (unsigned)ev.kind >= STRIPE_OBJ__MAX)
			abort();
		if (ev.kind == STRIPE_OBJ_PAYMENT_INTENT)
			check_pi(&ev.obj.pi, 0);
	} else if (ev.id[0] != '\0' || ev.kind != STRIPE_OBJ_OTHER)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - (const char *)data) : size;
	const char *body = nl ? nl + 1 : "";
	size_t blen = nl ? size - hlen - 1 : 0;
	char *header;

	if ((header = malloc(hlen + 1)) == NULL)
		return 0;
	memcpy(header, data, hlen);
	header[hlen] = '\0';	/* an embedded NUL just ends the header early */
	fuzz_header(header, body, blen);
	free(header);
	fuzz_roundtrip((const char *)data, size);
	fuzz_event((const char *)data, size);
	fuzz_error_body((const char *)data, size);
	fuzz_decode((const char *)data, size);
	return 0;
}

#ifdef FUZZ_MAIN
int
main(int argc, char **argv)
{
	FILE *f;
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s file\n", argv[0]);
		return 2;
	}
	if ((f = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	do {
		if (len == cap) {
			char *nd;

			cap = cap ? cap * 2 : 4096;
			if ((nd = realloc(data, cap)) == NULL) {
				perror("realloc");
				return 2;
			}
			data = nd;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}
#endif
