/* Branding (Settings > Branding): logo uploads are decoded and re-encoded
 * as PNG or refused with a message, and the served logo is our PNG, never
 * the upload; the accent colour is checked for WCAG AA contrast; the name,
 * logo and accent reach the staff, portal and pay-link pages.
 *
 * Uploads go as a browser sends them (multipart/form-data) through libcurl's
 * mime API with the admin's session cookie and the page's CSRF token. */
#include "common.h"

#include <cairo.h>
#include <curl/curl.h>
#include <jpeglib.h>

#include "buf.h"
#include "fixture.h"
#include "str.h"

#define TC_TIMEOUT	300
#define MARKER		"MARKER-THAT-MUST-NOT-BE-SERVED"

static struct fx_who admin;

static void
setup(void)
{
	fx_staff(&admin, fx.admin);
}

static void
teardown(void)
{
	fx_who_free(&admin);
}

/* --- pictures made here ----------------------------------------------------- */

static cairo_status_t
to_buf(void *closure, const unsigned char *d, unsigned int n)
{
	return buf_append(closure, d, n) == 0 ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

/* A w x h PNG (a blue square with a white bar) into out. */
static void
make_png(int w, int h, struct buf *out)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, 0.12, 0.37, 0.68);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, w / 4.0, h / 3.0, w / 2.0, h / 3.0);
	cairo_fill(cr);
	cairo_destroy(cr);
	ck_assert_int_eq(cairo_surface_write_to_png_stream(s, to_buf, out),
	    CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
}

/* A w x h JPEG into out (libjpeg's memory destination). */
static void
make_jpeg(int w, int h, struct buf *out)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr je;
	unsigned char *mem = NULL, *row = malloc((size_t)w * 3);
	unsigned long memlen = 0;

	ck_assert_ptr_nonnull(row);
	ci.err = jpeg_std_error(&je);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &mem, &memlen);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_start_compress(&ci, TRUE);
	for (int x = 0; x < w; x++) {
		row[3 * x] = 200, row[3 * x + 1] = (unsigned char)x, row[3 * x + 2] = 40;
	}
	while (ci.next_scanline < ci.image_height)
		jpeg_write_scanlines(&ci, &row, 1);
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	ck_assert_int_eq(buf_append(out, mem, memlen), 0);
	free(mem);
	free(row);
}

struct png_size { int w, h; };

static cairo_status_t
from_mem(void *closure, unsigned char *d, unsigned int n)
{
	struct buf *b = closure;

	if (n > b->cap)	/* cap is used as the bytes left */
		return CAIRO_STATUS_READ_ERROR;
	memcpy(d, b->data + (b->len - b->cap), n);
	b->cap -= n;
	return CAIRO_STATUS_SUCCESS;
}

/* Decodes PNG bytes (asserting they are a PNG) and returns the size. */
static struct png_size
png_decode_size(const char *data, size_t len)
{
	struct buf b = { (char *)(uintptr_t)data, len, len, len };
	cairo_surface_t *s;
	struct png_size z;

	ck_assert_msg(len > 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0,
	    "served logo is not a PNG");
	s = cairo_image_surface_create_from_png_stream(from_mem, &b);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	z.w = cairo_image_surface_get_width(s);
	z.h = cairo_image_surface_get_height(s);
	cairo_surface_destroy(s);
	return z;
}

/* --- HTTP ------------------------------------------------------------------ */

static size_t
curl_to_buf(char *p, size_t sz, size_t n, void *arg)
{
	return buf_append(arg, p, sz * n) == 0 ? sz * n : 0;
}

/* POSTs file (len bytes, named filename, sent as ctype) as "logo" from the
 * branding page's form; returns the status; body into page. */
static long
upload(const void *file, size_t len, const char *filename, const char *ctype,
    struct buf *page)
{
	struct itest_resp r;
	char sid[256], cookie[300], url[512];
	CURL *h = curl_easy_init();
	curl_mime *m = curl_mime_init(h);
	curl_mimepart *p;
	long status = 0;

	itest_resp_init(&r);
	fx_get(&admin, "/admin/branding", &r, 200);
	itest_resp_free(&r);
	ck_assert_int_eq(itest_cookie_get(admin.c, "bsid", sid, sizeof(sid)), 0);
	str_fmt(cookie, sizeof(cookie), "bsid=%s", sid);
	str_fmt(url, sizeof(url), "%s/admin/branding/logo", fx.base);
	p = curl_mime_addpart(m);
	curl_mime_name(p, "_csrf");
	curl_mime_data(p, admin.csrf, CURL_ZERO_TERMINATED);
	p = curl_mime_addpart(m);
	curl_mime_name(p, "logo");
	curl_mime_filename(p, filename);
	curl_mime_type(p, ctype);
	curl_mime_data(p, file, len);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_COOKIE, cookie);
	curl_easy_setopt(h, CURLOPT_MIMEPOST, m);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_to_buf);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, page);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_mime_free(m);
	curl_easy_cleanup(h);
	return status;
}

/* The logo URL the staff header names now ("" when none) into out. */
static void
logo_url(char *out, size_t outsz)
{
	struct itest_resp r;
	const char *p, *q;

	itest_resp_init(&r);
	fx_get(&admin, "/", &r, 200);
	out[0] = '\0';
	if ((p = strstr(buf_cstr(&r.body), "src=\"/brand/logo/")) != NULL &&
	    (q = strchr(p + 5, '"')) != NULL)
		str_fmt(out, outsz, "%.*s", (int)(q - p - 5), p + 5);
	itest_resp_free(&r);
}

/* Uploads, expects a 303, and returns the served logo (asserting its
 * headers) into served. */
static void
upload_ok(const void *file, size_t len, const char *filename,
    const char *ctype, struct buf *served)
{
	struct itest_resp r;
	struct buf page;
	char url[160];
	struct itest_client *anon = itest_client_new(fx.base);

	buf_init(&page, 1u << 20);
	ck_assert_int_eq(upload(file, len, filename, ctype, &page), 303);
	buf_free(&page);
	logo_url(url, sizeof(url));
	ck_assert_msg(url[0] != '\0', "the staff header shows no logo");
	itest_resp_init(&r);
	ck_assert_int_eq(itest_get(anon, url, &r), 200);	/* public: emails, portal */
	ck_assert_str_eq(itest_header(&r, "Content-Type"), "image/png");
	ck_assert_str_eq(itest_header(&r, "X-Content-Type-Options"), "nosniff");
	ck_assert_ptr_nonnull(strstr(itest_header(&r, "Cache-Control"), "immutable"));
	ck_assert_int_eq(buf_append(served, r.body.data, r.body.len), 0);
	itest_resp_free(&r);
	itest_client_free(anon);
}

/* Uploads and expects the page again (422) naming why; the logo is unchanged. */
static void
upload_refused(const void *file, size_t len, const char *filename,
    const char *ctype, const char *why)
{
	struct buf page;
	char before[160], after[160];

	logo_url(before, sizeof(before));
	buf_init(&page, 1u << 20);
	ck_assert_int_eq(upload(file, len, filename, ctype, &page), 422);
	ck_assert_msg(strstr(buf_cstr(&page), why) != NULL,
	    "refusal of %s does not say \"%s\"", filename, why);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&page), "role=\"alert\""));
	buf_free(&page);
	logo_url(after, sizeof(after));
	ck_assert_str_eq(before, after);
}

START_TEST(test_png_reencoded)
{
	struct buf png, served;
	struct png_size z;

	buf_init(&png, 1u << 20);
	buf_init(&served, 1u << 20);
	make_png(120, 48, &png);
	/* bytes after IEND: a reader ignores them, a copy would keep them */
	ck_assert_int_eq(buf_puts(&png, MARKER), 0);
	upload_ok(png.data, png.len, "logo.png", "image/png", &served);
	z = png_decode_size(served.data, served.len);
	ck_assert_int_eq(z.w, 120);
	ck_assert_int_eq(z.h, 48);
	ck_assert_ptr_null(memmem(served.data, served.len, MARKER, strlen(MARKER)));
	ck_assert(served.len != png.len || memcmp(served.data, png.data, png.len) != 0);
	buf_free(&png);
	buf_free(&served);
}
END_TEST

START_TEST(test_jpeg_becomes_png)
{
	struct buf jpg, served;
	struct png_size z;

	buf_init(&jpg, 1u << 20);
	buf_init(&served, 1u << 20);
	make_jpeg(64, 40, &jpg);
	upload_ok(jpg.data, jpg.len, "logo.jpg", "image/jpeg", &served);
	z = png_decode_size(served.data, served.len);	/* a PNG, not the JPEG */
	ck_assert_int_eq(z.w, 64);
	ck_assert_int_eq(z.h, 40);
	buf_free(&jpg);
	buf_free(&served);
}
END_TEST

START_TEST(test_bad_uploads_refused)
{
	static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\">"
	    "<script>alert(1)</script><rect width=\"10\" height=\"10\"/></svg>";
	static const char text[] = "This is not a picture at all, just text.\n";
	struct buf png;
	char *big;

	buf_init(&png, 4u << 20);
	make_png(20, 20, &png);	/* a logo in place, which must survive */
	{
		struct buf served;
		buf_init(&served, 1u << 20);
		upload_ok(png.data, png.len, "first.png", "image/png", &served);
		buf_free(&served);
	}
	upload_refused(svg, strlen(svg), "logo.svg", "image/svg+xml",
	    "must be a PNG or JPEG");
	upload_refused(svg, strlen(svg), "renamed.png", "image/png",
	    "must be a PNG or JPEG");
	upload_refused(text, strlen(text), "notes.png", "image/png",
	    "must be a PNG or JPEG");
	/* a PNG signature over junk */
	upload_refused("\x89PNG\r\n\x1a\njunkjunkjunkjunkjunkjunkjunkjunk", 40,
	    "broken.png", "image/png", "not a readable PNG");
	/* too many pixels, refused before decoding */
	buf_reset(&png);
	make_png(2100, 10, &png);
	upload_refused(png.data, png.len, "wide.png", "image/png",
	    "must be at most 2000x2000");
	/* too many bytes (a valid PNG padded after IEND) */
	big = calloc(1, 950u * 1024);
	ck_assert_ptr_nonnull(big);
	buf_reset(&png);
	make_png(20, 20, &png);
	memcpy(big, png.data, png.len);
	upload_refused(big, 950u * 1024, "big.png", "image/png", "at most 900 KB");
	free(big);
	buf_free(&png);
}
END_TEST

START_TEST(test_accent_checked)
{
	struct itest_resp r;
	struct itest_client *anon = itest_client_new(fx.base);
	char v[64];

	itest_resp_init(&r);
	fx_get(&admin, "/admin/branding", &r, 200);
	fx_post(&admin, "/admin/branding", NULL, &r, 422, "org_name", "Sunrise",
	    "org_address", "", "accent", "#ffff00", NULL);
	ck_assert(itest_body_has(&r, "too light"));
	ck_assert(itest_body_has(&r, "4.5:1"));
	ck_assert_int_eq(itest_input_value(buf_cstr(&r.body), "accent", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "#ffff00");	/* kept for correction */
	fx_post(&admin, "/admin/branding", NULL, &r, 422, "org_name", "Sunrise",
	    "org_address", "", "accent", "red", NULL);
	ck_assert(itest_body_has(&r, "must be a hex colour"));
	fx_get(&admin, "/", &r, 200);
	ck_assert(!itest_body_has(&r, "/brand/theme/"));
	fx_get(&admin, "/admin/branding", &r, 200);
	fx_post(&admin, "/admin/branding", NULL, &r, 303, "org_name",
	    "Sunrise Recovery & Wellness Center of Northern California",
	    "org_address", "1200 Harbor Boulevard, Suite 310\nSacramento, CA 95814",
	    "accent", "#0B6E4F", NULL);
	fx_get(&admin, "/", &r, 200);
	ck_assert(itest_body_has(&r, "href=\"/brand/theme/0b6e4f.css\""));
	ck_assert(itest_body_has(&r, "Sunrise Recovery &amp; Wellness Center"));
	ck_assert_int_eq(itest_get(anon, "/brand/theme/0b6e4f.css", &r), 200);
	ck_assert(itest_body_has(&r, "--brand: #0b6e4f;"));
	ck_assert_ptr_nonnull(strstr(itest_header(&r, "Content-Type"), "text/css"));
	/* the client's pages carry the same name */
	ck_assert_int_eq(itest_get(anon, "/portal/login", &r), 200);
	ck_assert(itest_body_has(&r, "Sunrise Recovery &amp; Wellness Center"));
	ck_assert(itest_body_has(&r, "/brand/theme/0b6e4f.css"));
	itest_resp_free(&r);
	itest_client_free(anon);
}
END_TEST

/* Emails carry the branding: name, address lines kept whole, the logo by
 * its public URL; no mail part may split words at any letter. */
START_TEST(test_email_branded)
{
	struct itest_resp r;
	struct buf png, served;
	char email[200], path[200], url[160], *m;
	int64_t acc;

	itest_resp_init(&r);
	fx_get(&admin, "/admin/branding", &r, 200);
	fx_post(&admin, "/admin/branding", NULL, &r, 303, "org_name",
	    "Harbor & Pines Counseling", "org_address",
	    "1200 Harbor Boulevard, Suite 310\r\nSacramento, CA 95814",
	    "accent", "#7a1f5c", NULL);
	buf_init(&png, 1u << 20);
	buf_init(&served, 1u << 20);
	make_png(100, 40, &png);
	upload_ok(png.data, png.len, "logo.png", "image/png", &served);
	logo_url(url, sizeof(url));
	acc = fx_account(&admin, 0, email, sizeof(email), "brandmail");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation", acc);
	fx_get(&admin, "/", &r, 200);
	fx_post(&admin, path, NULL, &r, 303, NULL);
	m = fx_mail_wait(email, "/portal/activate/", 1);
	ck_assert_ptr_nonnull(strstr(m, "Harbor &amp; Pines Counseling"));
	ck_assert_ptr_nonnull(strstr(m, url));	/* <img src=".../brand/logo/<sha>.png"> */
	ck_assert_ptr_nonnull(strstr(m, "white-space:nowrap;\">1200 Harbor Boulevard, Suite 310</span>"));
	ck_assert_ptr_nonnull(strstr(m, "white-space:nowrap;\">Sacramento, CA 95814</span>"));
	ck_assert_ptr_null(strstr(m, "break-all"));
	free(m);
	buf_free(&png);
	buf_free(&served);
	itest_resp_free(&r);
}
END_TEST

/* billing-jobs (the stack's mailer) stopped or started again. */
static void
jobs_ctl(const char *what)
{
	const char *env_sh = getenv("ITEST_ENV_SH"), *dir = getenv("ITEST_DIR");
	struct buf out;
	int rc;

	ck_assert_msg(env_sh != NULL && dir != NULL, "ITEST_ENV_SH/ITEST_DIR unset");
	buf_init(&out, 1 << 16);
	rc = itest_sh(&out, "%s %s %s", env_sh, what, dir);
	ck_assert_msg(rc == 0, "env.sh %s: %s", what, buf_cstr(&out));
	buf_free(&out);
}

#define Q_TOKEN_AT_REST "SELECT COUNT(*) FROM outbox WHERE object_type = " \
	"'account' AND object_id = ? AND (text_body LIKE '%/portal/activate/%' " \
	"OR html_body LIKE '%/portal/activate/%' OR facts LIKE '%activate%' " \
	"OR sealed_token IS NOT NULL)"

/* An email is rendered when it is sent, not when its event queued it: the
 * activation queued while the practice was "Old Bay Clinic" and sent after
 * it became "New Harbor Clinic" shows the new name only. Its link works,
 * and once sent no outbox column holds the link's token. */
START_TEST(test_email_rendered_at_send)
{
	struct itest_resp r;
	struct fx_who c;
	char email[200], path[200], *m;
	int64_t acc;

	itest_resp_init(&r);
	fx_get(&admin, "/admin/branding", &r, 200);
	fx_post(&admin, "/admin/branding", NULL, &r, 303, "org_name",
	    "Old Bay Clinic", "org_address", "", "accent", "", NULL);
	acc = fx_account(&admin, 0, email, sizeof(email), "atsend");
	jobs_ctl("jobs-stop");
	str_fmt(path, sizeof(path), "/accounts/%" PRId64 "/portal-activation", acc);
	fx_get(&admin, "/", &r, 200);
	fx_post(&admin, path, NULL, &r, 303, NULL);
	ck_assert_int_eq(fx_sql_i64("SELECT COUNT(*) FROM outbox WHERE object_type"
	    " = 'account' AND object_id = ? AND status = 'queued'", acc), 1);
	fx_get(&admin, "/admin/branding", &r, 200);
	fx_post(&admin, "/admin/branding", NULL, &r, 303, "org_name",
	    "New Harbor Clinic", "org_address", "", "accent", "", NULL);
	jobs_ctl("jobs-start");
	m = fx_mail_wait(email, "/portal/activate/", 1);
	ck_assert_msg(strstr(m, "New Harbor Clinic") != NULL, "new name missing");
	ck_assert_msg(strstr(m, "Old Bay Clinic") == NULL, "old name sent");
	ck_assert_int_eq(fx_sql_i64(Q_TOKEN_AT_REST, acc), 0);
	fx_mail_link(m, "/portal/activate/", path, sizeof(path));
	free(m);
	fx_who_new(&c, email);
	fx_get(&c, path, &r, 200);
	fx_post(&c, path, NULL, &r, 303, "password", FX_PORTAL_PW, "password2",
	    FX_PORTAL_PW, NULL);
	fx_who_free(&c);
	itest_resp_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("branding");
	TCase *tc = tcase_create("branding");

	fx_init();
	tcase_set_timeout(tc, TC_TIMEOUT);
	tcase_add_checked_fixture(tc, setup, teardown);
	fx_add_test(tc, test_png_reencoded);
	fx_add_test(tc, test_jpeg_becomes_png);
	fx_add_test(tc, test_bad_uploads_refused);
	fx_add_test(tc, test_accent_checked);
	fx_add_test(tc, test_email_branded);
	fx_add_test(tc, test_email_rendered_at_send);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
