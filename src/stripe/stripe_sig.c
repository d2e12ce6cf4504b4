/* Stripe-Signature header parsing and verification (see stripe_sig.h). */
#include "common.h"

#include "crypto.h"
#include "str.h"
#include "stripe_sig.h"

static const char *const sig_result_names[STRIPE_SIG__MAX] = {
	[STRIPE_SIG_OK] = "ok",
	[STRIPE_SIG_MALFORMED] = "malformed",
	[STRIPE_SIG_NO_MATCH] = "no_match",
	[STRIPE_SIG_STALE] = "stale",
};

const char *
stripe_sig_result_str(enum stripe_sig_result r)
{
	if ((unsigned)r >= STRIPE_SIG__MAX)
		return "unknown";
	return sig_result_names[r];
}

static int
sig_parse_v1(const char *v, size_t vlen, struct stripe_sig *out)
{
	unsigned char *dst;

	if (vlen != 2 * CRYPTO_SHA256_LEN || out->nv1 == STRIPE_SIG_MAX_V1)
		return -1;
	dst = out->v1[out->nv1];
	for (size_t i = 0; i < CRYPTO_SHA256_LEN; i++) {
		int hi = str_hexval(v[2 * i]), lo = str_hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		dst[i] = (unsigned char)(hi << 4 | lo);
	}
	out->nv1++;
	return 0;
}

/* Digits only (no sign, no spaces): the text is signed as given. */
static int
sig_parse_t(const char *v, size_t vlen, struct stripe_sig *out)
{
	int64_t t = 0;

	if (out->t_text[0] != '\0' || vlen == 0 || vlen > STRIPE_SIG_T_DIGITS)
		return -1;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		t = t * 10 + (v[i] - '0');
	}
	memcpy(out->t_text, v, vlen);
	out->t_text[vlen] = '\0';
	out->t = t;
	return 0;
}

/* One "key=value" element in [p, end), surrounding blanks trimmed. */
static int
sig_parse_element(const char *p, const char *end, struct stripe_sig *out)
{
	const char *eq;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	eq = memchr(p, '=', (size_t)(end - p));
	if (eq == NULL || eq == p)
		return -1;
	if (eq - p == 1 && *p == 't')
		return sig_parse_t(eq + 1, (size_t)(end - eq - 1), out);
	if (eq - p == 2 && p[0] == 'v' && p[1] == '1')
		return sig_parse_v1(eq + 1, (size_t)(end - eq - 1), out);
	return 0;	/* another scheme (v0, ...): ignored */
}

int
stripe_sig_parse(const char *header, struct stripe_sig *out)
{
	const char *p, *end;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (header == NULL)
		return -1;
	len = strnlen(header, STRIPE_SIG_HEADER_MAX + 1);
	if (len == 0 || len > STRIPE_SIG_HEADER_MAX)
		return -1;
	for (p = header; ; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = header + len;
		if (sig_parse_element(p, end, out) == -1)
			goto fail;
		if (*end == '\0')
			break;
	}
	if (out->t_text[0] == '\0')
		goto fail;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

/* HMAC-SHA256(secret, t_text "." payload). */
static int
sig_mac(const char *secret, const char *t_text, const char *payload,
    size_t len, unsigned char mac[CRYPTO_SHA256_LEN])
{
	size_t tlen = strlen(t_text);
	char *msg;

	if (len > SIZE_MAX - tlen - 2 || (payload == NULL && len > 0))
		return -1;
	if ((msg = malloc(tlen + 1 + len + 1)) == NULL)
		return -1;
	memcpy(msg, t_text, tlen);
	msg[tlen] = '.';
	if (len > 0)
		memcpy(msg + tlen + 1, payload, len);
	crypto_hmac_sha256(secret, strlen(secret), msg, tlen + 1 + len, mac);
	free(msg);
	return 0;
}

/* |now - t| <= tolerance without overflow; t is at most 12 digits. */
static int
sig_fresh(int64_t t, int64_t now, int64_t tolerance)
{
	int64_t diff;

	if (tolerance < 0 || now < 0)
		return 0;
	diff = now >= t ? now - t : t - now;
	return diff <= tolerance;
}

enum stripe_sig_result
stripe_sig_verify(const char *header, const char *payload, size_t len,
    const char *secret, int64_t now, int64_t tolerance)
{
	struct stripe_sig sig;
	unsigned char mac[CRYPTO_SHA256_LEN];
	int match = 0;

	if (stripe_sig_parse(header, &sig) == -1)
		return STRIPE_SIG_MALFORMED;
	if (secret == NULL || *secret == '\0' || sig.nv1 == 0)
		return STRIPE_SIG_NO_MATCH;
	if (sig_mac(secret, sig.t_text, payload, len, mac) == -1)
		return STRIPE_SIG_NO_MATCH;
	/* No early exit: every candidate costs the same. */
	for (size_t i = 0; i < sig.nv1; i++)
		match |= crypto_eq(mac, sig.v1[i], sizeof(mac));
	if (!match)
		return STRIPE_SIG_NO_MATCH;
	if (!sig_fresh(sig.t, now, tolerance))
		return STRIPE_SIG_STALE;
	return STRIPE_SIG_OK;
}

int
stripe_sig_header(const char *secret, int64_t t, const char *payload,
    size_t len, char *out, size_t outsz)
{
	char t_text[STRIPE_SIG_T_DIGITS + 2], hex[2 * CRYPTO_SHA256_LEN + 1];
	unsigned char mac[CRYPTO_SHA256_LEN];
	int n;

	if (outsz > 0)
		out[0] = '\0';
	if (secret == NULL || t < 0 ||
	    snprintf(t_text, sizeof(t_text), "%" PRId64, t) > STRIPE_SIG_T_DIGITS)
		return -1;
	if (sig_mac(secret, t_text, payload, len, mac) == -1)
		return -1;
	crypto_hex(mac, sizeof(mac), hex);
	n = snprintf(out, outsz, "t=%s,v1=%s", t_text, hex);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}
