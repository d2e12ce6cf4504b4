#include "common.h"

#include <sys/random.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "crypto.h"
#include "str.h"

int
crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int
crypto_random(void *p, size_t n)
{
	unsigned char *c = p;

	while (n > 0) {
		ssize_t r = getrandom(c, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int
crypto_token(char *out, size_t outsz, size_t nbytes)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[64];
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (nbytes == 0 || nbytes > sizeof(raw) || outsz < (nbytes * 4 + 2) / 3 + 1)
		return -1;
	if (crypto_random(raw, nbytes) == -1)
		return -1;
	for (i = 0; i < nbytes; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = b64[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void
crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
	SHA256(p, n, out);
}

void
crypto_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
crypto_sha256_hex(const void *p, size_t n, char out[CRYPTO_SHA256_HEX])
{
	unsigned char d[CRYPTO_SHA256_LEN];

	crypto_sha256(p, n, d);
	crypto_hex(d, sizeof(d), out);
}

void
crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[CRYPTO_SHA256_LEN])
{
	unsigned int len = CRYPTO_SHA256_LEN;

	HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &len);
}

int
crypto_eq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
crypto_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

int
crypto_password_hash(const char *pw, char out[CRYPTO_PWHASH_MAX])
{
	return crypto_pwhash_str_alg(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

int
crypto_password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* --- sealing ---------------------------------------------------------------- */

static void
seal_key(const char *secret, const char *purpose,
    unsigned char key[crypto_secretbox_KEYBYTES])
{
	unsigned char mac[CRYPTO_SHA256_LEN];

	_Static_assert(crypto_secretbox_KEYBYTES == CRYPTO_SHA256_LEN,
	    "secretbox key is a SHA-256");
	crypto_hmac_sha256(secret, strlen(secret), purpose, strlen(purpose), mac);
	memcpy(key, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
}

int
crypto_seal(const char *secret, const char *purpose, const char *plain,
    char *out, size_t outsz)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    CRYPTO_TOKEN_MAX];
	size_t n = strlen(plain), boxlen;

	boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	if (n > CRYPTO_TOKEN_MAX || outsz < sodium_base64_ENCODED_LEN(boxlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	if (crypto_random(box, crypto_secretbox_NONCEBYTES) == -1)
		return -1;
	seal_key(secret, purpose, key);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)plain, n, box, key);
	sodium_memzero(key, sizeof(key));
	sodium_bin2base64(out, outsz, box, boxlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int
crypto_open(const char *secret, const char *purpose, const char *sealed,
    char *out, size_t outsz)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    CRYPTO_TOKEN_MAX];
	size_t boxlen = 0, n;
	int rc;

	if (sodium_base642bin(box, sizeof(box), sealed, strlen(sealed), NULL,
	    &boxlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return -1;
	n = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (n + 1 > outsz)
		return -1;
	seal_key(secret, purpose, key);
	rc = crypto_secretbox_open_easy((unsigned char *)out,
	    box + crypto_secretbox_NONCEBYTES, boxlen - crypto_secretbox_NONCEBYTES,
	    box, key);
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* "<32 hex digits.unix time@host>": unique (128 random bits) and stable:
 * stored with the row, so a re-send is recognizably the same message. */
int
crypto_message_id(char *out, size_t outsz, int64_t now)
{
	unsigned char rnd[16];
	char hex[sizeof(rnd) * 2 + 1], host[256], *p;

	if (crypto_random(rnd, sizeof(rnd)) == -1)
		return -1;
	crypto_hex(rnd, sizeof(rnd), hex);
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		(void)str_copy(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '-';
	return str_fmt(out, outsz, "<%s.%" PRId64 "@%s>", hex, now, host);
}
