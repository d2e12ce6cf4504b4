/* Unit tests: Stripe-Signature parsing and verification (vectors from the
 * openssl command line), Stripe error -> staff message mapping, JSON
 * accessors and webhook event extraction. The REST client is tested in
 * test_stripe_client.c. */
#include "common.h"

#include <check.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "cfg.h"
#include "req.h"
#include "str.h"
#include "stripe.h"
#include "stripe_event.h"
#include "stripe_sig.h"

#define SECRET		"whsec_test_5f3a9c1e"
#define T0		INT64_C(1718000000)
#define T0_TEXT		"1718000000"
#define PAYLOAD		"{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}"

#define MSG_DECLINED	"The card was declined by the bank. Ask the client to use a different card."
#define MSG_FUNDS	"The card has insufficient funds. Try a smaller amount or a different card."
#define MSG_EXPIRED	"The card has expired. The client needs to use a current card."
#define MSG_CVC		"The security code (CVV) doesn't match. Re-enter it carefully."
#define MSG_PROCESSING	"A temporary processing error occurred. Wait a moment and try again."

/* --- independent HMAC: the openssl command line ------------------------ */

/* HMAC-SHA256(secret, t "." payload) as hex, computed by `openssl dgst`. */
static void
openssl_sig(const char *secret, const char *t, const char *payload,
    size_t len, char hex[65])
{
	char path[] = "/tmp/test_stripe_XXXXXX", cmd[512], line[256];
	FILE *f, *p;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert((f = fdopen(fd, "wb")) != NULL);
	ck_assert_int_ge(fprintf(f, "%s.", t), 0);
	ck_assert_uint_eq(fwrite(payload, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(str_fmt(cmd, sizeof(cmd),
	    "openssl dgst -sha256 -hmac '%s' -r '%s'", secret, path), 0);
	ck_assert((p = popen(cmd, "r")) != NULL);
	ck_assert(fgets(line, sizeof(line), p) != NULL);
	ck_assert_int_eq(pclose(p), 0);
	unlink(path);
	ck_assert_msg(strspn(line, "0123456789abcdef") >= 64, "openssl: %s", line);
	memcpy(hex, line, 64);
	hex[64] = '\0';
}

static void
header_of(char *out, size_t outsz, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void
header_of(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < outsz);
}

static enum stripe_sig_result
verify(const char *header, int64_t now)
{
	return stripe_sig_verify(header, PAYLOAD, strlen(PAYLOAD), SECRET, now,
	    300);
}

START_TEST(sig_matches_openssl_vector)
{
	char hex[65], h[256];

	openssl_sig(SECRET, T0_TEXT, PAYLOAD, strlen(PAYLOAD), hex);
	header_of(h, sizeof(h), "t=%s,v1=%s", T0_TEXT, hex);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_OK);
	/* Upper-case hex and blanks around elements are still the same sig. */
	for (char *p = h; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_OK);
	header_of(h, sizeof(h), " t=%s , v1=%s ", T0_TEXT, hex);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_OK);
	/* Our signer produces exactly the header openssl's digest implies. */
	ck_assert_int_eq(stripe_sig_header(SECRET, T0, PAYLOAD, strlen(PAYLOAD),
	    h, sizeof(h)), 0);
	ck_assert_str_eq(h + strlen("t=" T0_TEXT ",v1="), hex);
	ck_assert(str_starts(h, "t=" T0_TEXT ",v1="));
	ck_assert_int_eq(stripe_sig_header(SECRET, T0, PAYLOAD, strlen(PAYLOAD),
	    h, 40), -1);
}
END_TEST

START_TEST(sig_binary_and_empty_payloads)
{
	static const char bin[] = "a\0b\r\n\xff\x01z";
	char hex[65], h[256];

	openssl_sig(SECRET, T0_TEXT, bin, sizeof(bin) - 1, hex);
	header_of(h, sizeof(h), "t=%s,v1=%s", T0_TEXT, hex);
	ck_assert_int_eq(stripe_sig_verify(h, bin, sizeof(bin) - 1, SECRET, T0,
	    300), STRIPE_SIG_OK);
	/* Cut at the NUL: a different message. */
	ck_assert_int_eq(stripe_sig_verify(h, bin, 1, SECRET, T0, 300),
	    STRIPE_SIG_NO_MATCH);
	openssl_sig(SECRET, T0_TEXT, "", 0, hex);
	header_of(h, sizeof(h), "t=%s,v1=%s", T0_TEXT, hex);
	ck_assert_int_eq(stripe_sig_verify(h, "", 0, SECRET, T0, 300),
	    STRIPE_SIG_OK);
}
END_TEST

START_TEST(sig_rejects_tampering_and_wrong_secret)
{
	char hex[65], h[256], body[] = PAYLOAD;

	openssl_sig(SECRET, T0_TEXT, PAYLOAD, strlen(PAYLOAD), hex);
	header_of(h, sizeof(h), "t=%s,v1=%s", T0_TEXT, hex);
	body[10] ^= 1;
	ck_assert_int_eq(stripe_sig_verify(h, body, strlen(body), SECRET, T0,
	    300), STRIPE_SIG_NO_MATCH);
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD),
	    "whsec_other", T0, 300), STRIPE_SIG_NO_MATCH);
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD), "", T0,
	    300), STRIPE_SIG_NO_MATCH);
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD), NULL, T0,
	    300), STRIPE_SIG_NO_MATCH);
	/* The timestamp is signed: moving it breaks the signature. */
	header_of(h, sizeof(h), "t=%" PRId64 ",v1=%s", T0 + 1, hex);
	ck_assert_int_eq(verify(h, T0 + 1), STRIPE_SIG_NO_MATCH);
	/* So is its spelling: "01718000000" is another message. */
	header_of(h, sizeof(h), "t=0%s,v1=%s", T0_TEXT, hex);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_NO_MATCH);
}
END_TEST

START_TEST(sig_tolerance_past_and_future)
{
	char hex[65], h[256];

	openssl_sig(SECRET, T0_TEXT, PAYLOAD, strlen(PAYLOAD), hex);
	header_of(h, sizeof(h), "t=%s,v1=%s", T0_TEXT, hex);
	ck_assert_int_eq(verify(h, T0 + 300), STRIPE_SIG_OK);
	ck_assert_int_eq(verify(h, T0 + 301), STRIPE_SIG_STALE);
	ck_assert_int_eq(verify(h, T0 + 86400), STRIPE_SIG_STALE);
	ck_assert_int_eq(verify(h, T0 - 300), STRIPE_SIG_OK);
	ck_assert_int_eq(verify(h, T0 - 301), STRIPE_SIG_STALE);	/* future */
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD), SECRET,
	    T0 + 10, 5), STRIPE_SIG_STALE);
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD), SECRET,
	    T0, -1), STRIPE_SIG_STALE);
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD), SECRET,
	    INT64_MIN, 300), STRIPE_SIG_STALE);
	ck_assert_int_eq(stripe_sig_verify(h, PAYLOAD, strlen(PAYLOAD), SECRET,
	    INT64_MAX, INT64_MAX), STRIPE_SIG_OK);
	ck_assert_str_eq(stripe_sig_result_str(STRIPE_SIG_STALE), "stale");
}
END_TEST

START_TEST(sig_any_v1_may_match)
{
	char good[65], other[65], h[512];

	openssl_sig(SECRET, T0_TEXT, PAYLOAD, strlen(PAYLOAD), good);
	openssl_sig("whsec_rolled_old", T0_TEXT, PAYLOAD, strlen(PAYLOAD), other);
	header_of(h, sizeof(h), "t=%s,v1=%s,v1=%s", T0_TEXT, other, good);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_OK);
	header_of(h, sizeof(h), "v1=%s,t=%s,v1=%s", good, T0_TEXT, other);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_OK);
	header_of(h, sizeof(h), "t=%s,v1=%s,v1=%s", T0_TEXT, other, other);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_NO_MATCH);
}
END_TEST

START_TEST(sig_other_schemes_ignored)
{
	char good[65], h[512];

	openssl_sig(SECRET, T0_TEXT, PAYLOAD, strlen(PAYLOAD), good);
	/* A correct digest under v0 is not a v1 signature. */
	header_of(h, sizeof(h), "t=%s,v0=%s", T0_TEXT, good);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_NO_MATCH);
	/* Whatever v0 holds does not spoil a good v1. */
	header_of(h, sizeof(h), "t=%s,v0=not-hex!,v1=%s,v2=x", T0_TEXT, good);
	ck_assert_int_eq(verify(h, T0), STRIPE_SIG_OK);
}
END_TEST

START_TEST(sig_parse_fields)
{
	struct stripe_sig s;
	char h[512];

	header_of(h, sizeof(h), "t=%s,v1=%s,v1=%s", T0_TEXT,
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    "FF00000000000000000000000000000000000000000000000000000000000001");
	ck_assert_int_eq(stripe_sig_parse(h, &s), 0);
	ck_assert_int_eq(s.t, T0);
	ck_assert_str_eq(s.t_text, T0_TEXT);
	ck_assert_uint_eq(s.nv1, 2);
	ck_assert_uint_eq(s.v1[0][0], 0x00);
	ck_assert_uint_eq(s.v1[0][31], 0xff);
	ck_assert_uint_eq(s.v1[1][0], 0xff);
	ck_assert_uint_eq(s.v1[1][31], 0x01);
	ck_assert_int_eq(stripe_sig_parse("t=5", &s), 0);
	ck_assert_uint_eq(s.nv1, 0);
}
END_TEST

START_TEST(sig_malformed_headers)
{
	static const char hex64[] =
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char h[1200], *big;
	struct stripe_sig s;
	const char *bad[] = {
		"", "t=", "t", "=1", ",", "t=1,", ",t=1", "t=1,,v1=00",
		"t=abc,v1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"v1=aa",
		"v1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"t=-5", "t=+5", "t=1.5", "t=0x10", "t=1 2", "t=1234567890123",
		"t=1,t=2",
		"t=1,v1=0011223",
		"t=1,v1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
		"t=1,v1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0",
		"t=1,v1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg",
		"t=1,v1=",
	};

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ck_assert_msg(stripe_sig_parse(bad[i], &s) == -1, "%s", bad[i]);
		ck_assert_msg(verify(bad[i], T0) == STRIPE_SIG_MALFORMED, "%s",
		    bad[i]);
	}
	ck_assert_int_eq(stripe_sig_parse(NULL, &s), -1);
	ck_assert_int_eq(verify(NULL, T0), STRIPE_SIG_MALFORMED);
	/* Nine v1 entries: one too many. Eight are fine. */
	header_of(h, sizeof(h), "t=1,v1=%s,v1=%s,v1=%s,v1=%s,v1=%s,v1=%s,v1=%s,"
	    "v1=%s", hex64, hex64, hex64, hex64, hex64, hex64, hex64, hex64);
	ck_assert_int_eq(stripe_sig_parse(h, &s), 0);
	ck_assert_uint_eq(s.nv1, 8);
	ck_assert_int_eq(str_fmt(h + strlen(h), sizeof(h) - strlen(h), ",v1=%s",
	    hex64), 0);
	ck_assert_int_eq(stripe_sig_parse(h, &s), -1);
	/* A 10 KB header. */
	big = malloc(10 * 1024 + 1);
	ck_assert(big != NULL);
	memset(big, 'a', 10 * 1024);
	memcpy(big, "t=1,v0=", 7);
	big[10 * 1024] = '\0';
	ck_assert_int_eq(stripe_sig_parse(big, &s), -1);
	ck_assert_int_eq(verify(big, T0), STRIPE_SIG_MALFORMED);
	free(big);
}
END_TEST

/* --- error mapping -------------------------------------------------------- */

static const struct {
	long		 status;
	const char	*body;
	const char	*message;
} error_cases[] = {
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\","
	    "\"decline_code\":\"generic_decline\",\"message\":\"Your card was "
	    "declined.\"}}", MSG_DECLINED },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\","
	    "\"decline_code\":\"insufficient_funds\"}}", MSG_FUNDS },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"expired_card\","
	    "\"param\":\"exp_month\"}}", MSG_EXPIRED },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"incorrect_cvc\","
	    "\"param\":\"cvc\"}}", MSG_CVC },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"processing_error\"}}",
	    MSG_PROCESSING },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\","
	    "\"decline_code\":\"authentication_required\"}}",
	    "The bank requires the client to approve this payment. Have the "
	    "client enter the card in the payment form, or use a different card." },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":"
	    "\"authentication_required\"}}",
	    "The bank requires the client to approve this payment. Have the "
	    "client enter the card in the payment form, or use a different card." },
	{ 402, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
	    "\"account_closed\"}}",
	    "The bank account could not be debited (closed, frozen or not "
	    "authorized). Ask the client for a different bank account or a card." },
	{ 400, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
	    "\"parameter_unknown\",\"param\":\"foo\"}}",
	    "The payment could not be completed. Try again or use a different "
	    "payment method." },
	{ 402, "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\","
	    "\"decline_code\":\"some_future_code\"}}", MSG_DECLINED },
	{ 500, "{\"error\":{\"type\":\"api_error\"}}", MSG_PROCESSING },
	{ 503, "<html>Service Unavailable</html>", MSG_PROCESSING },
	{ 429, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
	    "\"rate_limit\"}}", MSG_PROCESSING },
	{ 200, "not json", MSG_PROCESSING },
	{ 200, "{\"id\":\"pi_1\"}", "" },
};

START_TEST(errors_map_to_staff_messages)
{
	for (size_t i = 0; i < ARRAY_LEN(error_cases); i++) {
		struct stripe_result r;
		int rc;

		stripe_result_init(&r);
		rc = stripe_result_parse(&r, error_cases[i].status,
		    error_cases[i].body, strlen(error_cases[i].body));
		ck_assert_int_eq(rc, error_cases[i].message[0] ? -1 : 0);
		ck_assert_msg(strcmp(stripe_friendly_message(&r),
		    error_cases[i].message) == 0, "case %zu: %s", i,
		    stripe_friendly_message(&r));
		stripe_result_free(&r);
	}
}
END_TEST

START_TEST(error_fields_parsed)
{
	static const char body[] = "{\"error\":{\"type\":\"card_error\","
	    "\"code\":\"card_declined\",\"decline_code\":\"insufficient_funds\","
	    "\"message\":\"Your card has insufficient funds.\",\"param\":\"\","
	    "\"payment_intent\":{\"id\":\"pi_9\",\"status\":"
	    "\"requires_payment_method\"}}}";
	struct stripe_result r;

	stripe_result_init(&r);
	ck_assert_int_eq(stripe_result_parse(&r, 402, body, strlen(body)), -1);
	ck_assert_int_eq(r.status, STRIPE_ERR_API);
	ck_assert_int_eq(r.http_status, 402);
	ck_assert_str_eq(r.type, "card_error");
	ck_assert_str_eq(r.code, "card_declined");
	ck_assert_str_eq(r.decline_code, "insufficient_funds");
	ck_assert_str_eq(r.message, "Your card has insufficient funds.");
	ck_assert_str_eq(r.param, "");
	ck_assert_str_eq(stripe_json_str(&r, "error.payment_intent.status"),
	    "requires_payment_method");
	ck_assert_int_eq(stripe_result_uncertain(&r), 0);
	ck_assert_int_eq(stripe_result_reason(&r),
	    STRIPE_REASON_INSUFFICIENT_FUNDS);
	stripe_result_free(&r);
	/* A webhook's last_payment_error goes through the same table. */
	ck_assert_str_eq(stripe_reason_message(stripe_reason_from_codes(NULL,
	    "expired_card", NULL)), MSG_EXPIRED);
	ck_assert_str_eq(stripe_reason_message(stripe_reason_from_codes(NULL,
	    NULL, NULL)), stripe_reason_message(STRIPE_REASON_GENERIC));
}
END_TEST

/* --- JSON accessors and webhook events ------------------------------------ */

START_TEST(json_paths)
{
	static const char doc[] = "{\"id\":\"pi_1\",\"amount\":1234,"
	    "\"big\":99999999999999999999,\"frac\":1.5,\"str_num\":\"12\","
	    "\"livemode\":false,\"nul\":\"a\\u0000b\","
	    "\"last_payment_error\":{\"code\":\"card_declined\"},"
	    "\"data\":[{\"card\":{\"last4\":\"4242\"}},{\"id\":\"pm_2\"}]}";
	struct json_object *o;
	int64_t v = 7;

	ck_assert_int_eq(stripe_json_parse(doc, strlen(doc), &o), 0);
	ck_assert_str_eq(stripe_obj_str(o, "id"), "pi_1");
	ck_assert_str_eq(stripe_obj_str(o, "last_payment_error.code"),
	    "card_declined");
	ck_assert_str_eq(stripe_obj_str(o, "data.0.card.last4"), "4242");
	ck_assert_str_eq(stripe_obj_str(o, "data.1.id"), "pm_2");
	ck_assert_ptr_null(stripe_obj_str(o, "data.2.id"));
	ck_assert_ptr_null(stripe_obj_str(o, "data.x.id"));
	ck_assert_ptr_null(stripe_obj_str(o, "amount"));
	ck_assert_ptr_null(stripe_obj_str(o, "nul"));
	ck_assert_ptr_null(stripe_obj_str(o, "id."));
	ck_assert_ptr_null(stripe_obj_str(o, ""));
	ck_assert_uint_eq(stripe_obj_array_len(o, "data"), 2);
	ck_assert_int_eq(stripe_obj_i64(o, "amount", &v), 0);
	ck_assert_int_eq(v, 1234);
	ck_assert_int_eq(stripe_obj_i64(o, "big", &v), -1);
	ck_assert_int_eq(stripe_obj_i64(o, "frac", &v), -1);
	ck_assert_int_eq(stripe_obj_i64(o, "str_num", &v), -1);
	ck_assert_int_eq(stripe_obj_bool(o, "livemode"), 0);
	ck_assert_int_eq(stripe_obj_bool(o, "id"), -1);
	json_object_put(o);
	ck_assert_int_eq(stripe_json_parse("{} x", 4, &o), -1);
	ck_assert_int_eq(stripe_json_parse("[1]", 3, &o), -1);
	ck_assert_int_eq(stripe_json_parse("{\"a\":1} \n", 9, &o), 0);
	json_object_put(o);
}
END_TEST

START_TEST(event_fields)
{
	static const char ev[] = "{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"payment_intent.payment_failed\",\"created\":1718000000,"
	    "\"livemode\":false,\"data\":{\"object\":{\"id\":\"pi_7\","
	    "\"object\":\"payment_intent\",\"status\":\"requires_payment_method\","
	    "\"amount\":5000,\"metadata\":{\"payment_id\":\"42\"},"
	    "\"last_payment_error\":{\"code\":\"card_declined\","
	    "\"decline_code\":\"insufficient_funds\"}}}}";
	const char *bad[] = {
		"{\"id\":\"evt_1\",\"type\":\"x\",\"data\":{\"object\":[]}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"data\":{}}",
		"{\"id\":\"evt_1\",\"type\":\"\",\"data\":{\"object\":{\"id\":\"a\"}}}",
		"{\"id\":\"ev_1\",\"type\":\"x\",\"data\":{\"object\":{\"id\":\"a\"}}}",
		"{\"id\":\"evt_\",\"type\":\"x\",\"data\":{\"object\":{\"id\":\"a\"}}}",
		"{\"id\":7,\"type\":\"x\",\"data\":{\"object\":{\"id\":\"a\"}}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"data\":{\"object\":{\"id\":1}}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"data\":{\"object\":{\"id\":\"a\"}}}}",
	};
	struct stripe_event e;

	ck_assert_int_eq(stripe_event_parse(ev, strlen(ev), &e), 0);
	ck_assert_str_eq(e.id, "evt_1");
	ck_assert_str_eq(e.type, "payment_intent.payment_failed");
	ck_assert_int_eq(e.created, 1718000000);
	ck_assert_int_eq(e.livemode, 0);
	ck_assert_str_eq(e.object_id, "pi_7");
	ck_assert_str_eq(e.object_type, "payment_intent");
	ck_assert_str_eq(e.status, "requires_payment_method");
	ck_assert_int_eq(e.amount, 5000);
	ck_assert_int_eq(e.amount_refunded, -1);
	ck_assert_int_eq(e.payment_id, 42);
	ck_assert_ptr_null(e.payment_intent);
	ck_assert_str_eq(e.failure_code, "card_declined");
	ck_assert_str_eq(e.decline_code, "insufficient_funds");
	stripe_event_free(&e);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ck_assert_msg(stripe_event_parse(bad[i], strlen(bad[i]), &e) == -1,
		    "%s", bad[i]);
		ck_assert_ptr_null(e.root);
	}
}
END_TEST

START_TEST(event_payment_id_must_be_an_id)
{
	static const char *ids[] = { "\"12x\"", "\"-3\"", "\"\"", "12", "\"0\"" };
	char ev[256];
	struct stripe_event e;

	for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
		header_of(ev, sizeof(ev), "{\"id\":\"evt_1\",\"type\":\"t\","
		    "\"data\":{\"object\":{\"id\":\"ch_1\",\"metadata\":"
		    "{\"payment_id\":%s}}}}", ids[i]);
		ck_assert_int_eq(stripe_event_parse(ev, strlen(ev), &e), 0);
		ck_assert_msg(e.payment_id == 0, "%s", ids[i]);
		stripe_event_free(&e);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stripe");
	TCase *sig = tcase_create("signature");
	TCase *err = tcase_create("errors");
	SRunner *sr;
	int failed;

	tcase_add_test(sig, sig_matches_openssl_vector);
	tcase_add_test(sig, sig_binary_and_empty_payloads);
	tcase_add_test(sig, sig_rejects_tampering_and_wrong_secret);
	tcase_add_test(sig, sig_tolerance_past_and_future);
	tcase_add_test(sig, sig_any_v1_may_match);
	tcase_add_test(sig, sig_other_schemes_ignored);
	tcase_add_test(sig, sig_parse_fields);
	tcase_add_test(sig, sig_malformed_headers);
	tcase_add_test(err, errors_map_to_staff_messages);
	tcase_add_test(err, error_fields_parsed);
	tcase_add_test(err, json_paths);
	tcase_add_test(err, event_fields);
	tcase_add_test(err, event_payment_id_must_be_an_id);
	suite_add_tcase(s, sig);
	suite_add_tcase(s, err);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
