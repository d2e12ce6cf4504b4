/* Branding: what is saved and audited (row in store_branding.c) and the
 * accent-colour rule (WCAG contrast). */
#include "common.h"

#include <ctype.h>
#include <math.h>
#include <sodium.h>

#include "audit.h"
#include "branding.h"
#include "buf.h"
#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "billing_conv.h"
#include "store_branding.h"
#include "str.h"

void
branding_from_store(const struct store_branding *s, struct branding *b)
{
	str_copy(b->org_name, sizeof(b->org_name), s->org_name);
	str_copy(b->org_address, sizeof(b->org_address), s->org_address);
	str_copy(b->accent, sizeof(b->accent), s->accent);
	str_copy(b->logo_sha, sizeof(b->logo_sha), s->logo_sha);
	b->logo_w = s->logo_w;
	b->logo_h = s->logo_h;
}

int
branding_get(struct db *db, struct branding *b)
{
	struct store_branding s;
	int rc = store_branding_get(db, &s);

	memset(b, 0, sizeof(*b));
	if (rc < 0)
		return BRAND_DB;
	if (rc == 1)
		branding_from_store(&s, b);
	return BRAND_OK;
}

int
branding_save_text(struct db *db, const struct actor *a, const char *name,
    const char *address, const char *accent)
{
	char detail[600];

	if (store_branding_save_text(db, name, address, accent) != DB_OK)
		return BRAND_DB;
	str_fmt(detail, sizeof(detail), "name: %s; accent: %s", name,
	    accent[0] ? accent : "default");
	return audit_record(db, a, "branding.update", "branding", 1, detail) ==
	    DB_OK ? BRAND_OK : BRAND_DB;
}

int
branding_save_logo(struct db *db, const struct actor *a, const void *png,
    size_t len, int w, int h)
{
	size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char sha[CRYPTO_SHA256_HEX], detail[160];
	char *b64;
	int rc;

	if ((b64 = malloc(b64len)) == NULL)
		return BRAND_DB;
	sodium_bin2base64(b64, b64len, png, len, sodium_base64_VARIANT_ORIGINAL);
	crypto_sha256_hex(png, len, sha);
	rc = store_branding_set_logo(db, b64, sha, w, h);
	free(b64);
	if (rc != DB_OK)
		return BRAND_DB;
	str_fmt(detail, sizeof(detail), "logo %dx%d png, %zu bytes, sha256 %.12s",
	    w, h, len, sha);
	return audit_record(db, a, "branding.logo", "branding", 1, detail) ==
	    DB_OK ? BRAND_OK : BRAND_DB;
}

int
branding_clear_logo(struct db *db, const struct actor *a)
{
	if (store_branding_clear_logo(db) != DB_OK)
		return BRAND_DB;
	return audit_record(db, a, "branding.logo_removed", "branding", 1, "") ==
	    DB_OK ? BRAND_OK : BRAND_DB;
}

int
branding_logo(struct db *db, const char *sha, struct buf *out)
{
	unsigned char *bin = NULL;
	size_t binlen = 0, b64len;
	char *b64 = NULL;
	int rc;

	rc = store_branding_logo(db, sha, &b64);
	if (rc < 0)
		return BRAND_DB;
	if (rc == 0)
		return BRAND_NONE;
	b64len = strlen(b64);
	if ((bin = malloc(b64len / 4 * 3 + 3)) != NULL &&
	    sodium_base642bin(bin, b64len / 4 * 3 + 3, b64, b64len,
	    NULL, &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    buf_append(out, bin, binlen) == 0)
		rc = BRAND_OK;
	else
		rc = BRAND_DB;
	free(bin);
	free(b64);
	return rc;
}

/* --- accent colour ----------------------------------------------------------- */

static int
hex_rgb(const char *s, int rgb[3])
{
	for (int i = 0; i < 3; i++) {
		char h[3] = { s[1 + 2 * i], s[2 + 2 * i], 0 };
		if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
			return -1;
		rgb[i] = (int)strtol(h, NULL, 16);
	}
	return 0;
}

static double
luminance(const int rgb[3])
{
	double c[3];

	for (int i = 0; i < 3; i++) {
		double v = rgb[i] / 255.0;
		c[i] = v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

int
branding_contrast(const char *a, const char *b)
{
	int x[3], y[3];
	double la, lb;

	if (hex_rgb(a, x) == -1 || hex_rgb(b, y) == -1)
		return 0;
	la = luminance(x);
	lb = luminance(y);
	if (la < lb) {
		double t = la;
		la = lb;
		lb = t;
	}
	return (int)((la + 0.05) / (lb + 0.05) * 100.0);
}

/* The backgrounds an accent must stand on: white (button text, cards), the
 * page background and the current-tab tint of app.css. */
static const char *const accent_grounds[] = { "#ffffff", "#f4f6f9", "#e8f0fb" };

static int
accent_passes(const char *c)
{
	for (size_t i = 0; i < ARRAY_LEN(accent_grounds); i++)
		if (branding_contrast(c, accent_grounds[i]) < 450)
			return 0;
	return 1;
}

static void
shade(const char *in, int pct, char out[8])
{
	int rgb[3] = { 0, 0, 0 };

	hex_rgb(in, rgb);
	for (int i = 0; i < 3; i++)
		rgb[i] = rgb[i] * (100 - pct) / 100;
	snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

void
branding_accent_dark(const char *accent, char out[8])
{
	shade(accent, 18, out);
}

static int
accent_normalise(const char *in, char out[8])
{
	size_t n = strlen(in);

	if (in[0] != '#' || (n != 4 && n != 7))
		return -1;
	for (size_t i = 1; i < n; i++)
		if (!isxdigit((unsigned char)in[i]))
			return -1;
	if (n == 4)
		snprintf(out, 8, "#%c%c%c%c%c%c", in[1], in[1], in[2], in[2], in[3],
		    in[3]);
	else
		str_copy(out, 8, in);
	for (size_t i = 1; i < 7; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return 0;
}

int
branding_accent_check(const char *in, char out[8], char *err, size_t errsz)
{
	char darker[8];
	int pct;

	if (accent_normalise(in, out) == -1) {
		str_fmt(err, errsz, "Accent colour must be a hex colour like #1f5fae.");
		return -1;
	}
	if (accent_passes(out))
		return 0;
	for (pct = 5; pct < 100; pct += 5) {
		shade(out, pct, darker);
		if (accent_passes(darker))
			break;
	}
	str_fmt(err, errsz, "Accent colour %s is too light: white text on it and "
	    "links in it reach %d.%02d:1 contrast, below the 4.5:1 that WCAG 2.1 AA "
	    "requires. A darker shade such as %s passes.", out,
	    branding_contrast(out, "#ffffff") / 100,
	    branding_contrast(out, "#ffffff") % 100, darker);
	return -1;
}
