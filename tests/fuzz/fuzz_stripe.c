/* libFuzzer harness for the Stripe webhook input: the Stripe-Signature
 * parser and verifier (first line = header, the rest = body), webhook event
 * extraction as the handler does it, and error-body mapping.
 * Built with -DFUZZ_MAIN it reads one file instead (afl / reproducing). */
#include "common.h"
#include "stripe/stripe.h"
#include "stripe/stripe_event.h"
#include "stripe/stripe_sig.h"

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
