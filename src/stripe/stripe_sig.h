/* Stripe-Signature header: parsing, verification and (for the sandbox and
 * tests) signing. The header is "t=<unix time>,v1=<hex>[,v1=<hex>...]";
 * each v1 is HMAC-SHA256 over "<t>.<raw body>" keyed with the whole
 * webhook secret ("whsec_..."). Other schemes (v0, ...) are ignored.
 * Pure functions: no I/O, no allocation except the HMAC message. */
#ifndef STRIPE_SIG_H
#define STRIPE_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define STRIPE_SIG_MAX_V1	8	/* more v1 entries: malformed */
#define STRIPE_SIG_HEADER_MAX	1024	/* longer header: malformed */
#define STRIPE_SIG_T_DIGITS	12	/* t has 1..12 decimal digits */

struct stripe_sig {
	int64_t		 t;
	char		 t_text[STRIPE_SIG_T_DIGITS + 1];	/* as signed */
	size_t		 nv1;
	unsigned char	 v1[STRIPE_SIG_MAX_V1][CRYPTO_SHA256_LEN];
};

enum stripe_sig_result {
	STRIPE_SIG_OK = 0,
	STRIPE_SIG_MALFORMED,	/* header missing or not parseable */
	STRIPE_SIG_NO_MATCH,	/* no v1 matches (or no v1 at all, or no secret) */
	STRIPE_SIG_STALE,	/* authentic, but |now - t| > tolerance */
	STRIPE_SIG__MAX
};

/* Parses header into *out. Rejects (-1): NULL, empty or over
 * STRIPE_SIG_HEADER_MAX, an element without '=', a missing, repeated or
 * non-decimal t, a v1 that is not 64 hex digits, more than
 * STRIPE_SIG_MAX_V1 v1 entries. Spaces around elements are allowed.
 * A header with t but no v1 parses (nv1 == 0). Returns 0 or -1. */
int	 stripe_sig_parse(const char *header, struct stripe_sig *out);

/* Verifies header against the raw payload[0..len). Every v1 is compared in
 * constant time; a match then needs |now - t| <= tolerance (past or
 * future). A NULL/empty secret never matches. */
enum stripe_sig_result stripe_sig_verify(const char *header,
	    const char *payload, size_t len, const char *secret, int64_t now,
	    int64_t tolerance);

/* Writes "t=<t>,v1=<hex>" for payload into out (the sandbox and tests sign
 * events with it). Returns 0, or -1 on a too small out / bad t / ENOMEM. */
int	 stripe_sig_header(const char *secret, int64_t t, const char *payload,
	    size_t len, char *out, size_t outsz);

/* "ok", "malformed", "no_match", "stale" (for logs). */
const char *stripe_sig_result_str(enum stripe_sig_result);

#endif
