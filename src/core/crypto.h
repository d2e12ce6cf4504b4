/* Random tokens, SHA-256, HMAC-SHA256, constant-time compare, argon2id. */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_LEN	32
#define CRYPTO_SHA256_HEX	65	/* 64 hex digits + NUL */
#define CRYPTO_PWHASH_MAX	128	/* >= crypto_pwhash_STRBYTES */
#define CRYPTO_TOKEN_MAX	96

/* Must be called once before use (libsodium init). 0 / -1. */
int	 crypto_init(void);
/* getrandom(); 0 / -1. */
int	 crypto_random(void *, size_t);
/* nbytes random bytes as unpadded base64url into out (NUL-terminated). 0 / -1. */
int	 crypto_token(char *out, size_t outsz, size_t nbytes);
void	 crypto_sha256(const void *, size_t, unsigned char out[CRYPTO_SHA256_LEN]);
void	 crypto_sha256_hex(const void *, size_t, char out[CRYPTO_SHA256_HEX]);
void	 crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, unsigned char out[CRYPTO_SHA256_LEN]);
void	 crypto_hex(const unsigned char *, size_t, char *out);	/* out: 2n+1 */
/* A mail Message-ID "<32 hex digits.unix time@host>": unique (128 random
 * bits); stored with its outbox row, so a re-send is recognizably the same
 * message. 0 / -1. */
int	 crypto_message_id(char *out, size_t outsz, int64_t now);
/* Constant-time equality of n bytes / of two strings (time depends only on lengths). */
int	 crypto_eq(const void *, const void *, size_t);
int	 crypto_streq(const char *, const char *);
/* argon2id (libsodium, interactive limits) into out (encoded string). 0 / -1. */
int	 crypto_password_hash(const char *pw, char out[CRYPTO_PWHASH_MAX]);
/* 1 if pw matches, 0 if not or on error. */
int	 crypto_password_verify(const char *hash, const char *pw);

/* Authenticated encryption of a short secret kept at rest for a while (a
 * link token waiting in the outbox): XSalsa20-Poly1305 (libsodium
 * secretbox) under a key derived from secret (cfg->secret_key) and purpose,
 * a fresh random nonce each time. crypto_seal writes unpadded base64url of
 * nonce || box into out (at most CRYPTO_SEALED_MAX with the NUL for plain
 * up to CRYPTO_TOKEN_MAX chars); crypto_open reverses it. 0 / -1 (too long,
 * forged, another key or purpose). */
#define CRYPTO_SEALED_MAX	256
int	 crypto_seal(const char *secret, const char *purpose, const char *plain,
	    char *out, size_t outsz);
int	 crypto_open(const char *secret, const char *purpose, const char *sealed,
	    char *out, size_t outsz);

#endif
