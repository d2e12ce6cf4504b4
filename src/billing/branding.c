/* Branding row (SQL) and the accent-colour rule (WCAG contrast). */
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
#include "str.h"

int
branding_get(struct db *db, struct branding *b)
{
	struct db_result r;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = db_query(db, "SELECT org_name, org_address, accent, logo_sha, logo_w, "
	    "logo_h FROM branding WHERE id = 1", NULL, 0, &r);
	if (rc == DB_OK && r.nrows == 1) {
		str_copy(b->org_name, sizeof(b->org_name), db_str(&r, 0, 0));
		str_copy(b->org_address, sizeof(b->org_address), db_str(&r, 0, 1));
		str_copy(b->accent, sizeof(b->accent), db_str(&r, 0, 2));
		str_copy(b->logo_sha, sizeof(b->logo_sha), db_str(&r, 0, 3));
		b->logo_w = (int)db_i64(&r, 0, 4);
		b->logo_h = (int)db_i64(&r, 0, 5);
	}
	db_result_free(&r);
	return rc == DB_OK ? BRAND_OK : BRAND_DB;
}

int
branding_save_text(struct db *db, const struct actor *a, const char *name,
    const char *address, const char *accent)
{
	struct db_param p[] = { DB_STR(name), DB_STR(address), DB_STR(accent) };
	char detail[600];

	if (db_exec(db, "INSERT INTO branding (id, org_name, org_address, accent) "
	    "VALUES (1, ?, ?, ?) ON DUPLICATE KEY UPDATE org_name = VALUES(org_name), "
	    "org_address = VALUES(org_address), accent = VALUES(accent), "
	    "updated_at = CURRENT_TIMESTAMP", p, ARRAY_LEN(p), NULL, NULL) != DB_OK)
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
	{
		struct db_param p[] = { DB_STR(b64), DB_STR(sha), DB_I64(w), DB_I64(h) };
		rc = db_exec(db, "UPDATE branding SET logo_png_b64 = ?, logo_sha = ?, "
		    "logo_w = ?, logo_h = ?, updated_at = CURRENT_TIMESTAMP WHERE id = 1",
		    p, ARRAY_LEN(p), NULL, NULL);
	}
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
	if (db_exec(db, "UPDATE branding SET logo_png_b64 = NULL, logo_sha = '', "
	    "logo_w = 0, logo_h = 0, updated_at = CURRENT_TIMESTAMP WHERE id = 1",
	    NULL, 0, NULL, NULL) != DB_OK)
		return BRAND_DB;
	return audit_record(db, a, "branding.logo_removed", "branding", 1, "") ==
	    DB_OK ? BRAND_OK : BRAND_DB;
}

int
branding_logo(struct db *db, const char *sha, struct buf *out)
{
	struct db_param p[] = { DB_STR(sha) };
	struct db_result r;
	unsigned char *bin = NULL;
	size_t binlen = 0, b64len;
	int rc;

	rc = db_query(db, "SELECT logo_png_b64 FROM branding WHERE id = 1 AND "
	    "logo_sha = ? AND logo_png_b64 IS NOT NULL", p, ARRAY_LEN(p), &r);
	if (rc != DB_OK) {
		db_result_free(&r);
		return BRAND_DB;
	}
	rc = BRAND_NONE;
	if (r.nrows == 1) {
		b64len = strlen(db_str(&r, 0, 0));
		if ((bin = malloc(b64len / 4 * 3 + 3)) != NULL &&
		    sodium_base642bin(bin, b64len / 4 * 3 + 3, db_str(&r, 0, 0), b64len,
		    NULL, &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    buf_append(out, bin, binlen) == 0)
			rc = BRAND_OK;
		else
			rc = BRAND_DB;
	}
	free(bin);
	db_result_free(&r);
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
