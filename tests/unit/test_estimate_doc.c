/* Unit tests: an estimate's canonical content and its SHA-256 (what
 * signatures sign), and the estimate PDF (with a drawn signature, with a
 * broken one, as a Good Faith Estimate). */
#include "common.h"

#include <check.h>
#include <cairo.h>
#include <openssl/evp.h>

#include "buf.h"
#include "estimate.h"
#include "pdf_estimate.h"
#include "str.h"

static struct estimate_line lines[2];

static void
sample(struct estimate *e)
{
	memset(e, 0, sizeof(*e));
	memset(lines, 0, sizeof(lines));
	e->id = e->root_id = 7;
	e->version = 1;
	e->client_id = 3;
	e->account_id = 2;
	e->basis = EST_IN_NETWORK;
	e->state = ES_SIGNED;
	str_copy(e->client_name, sizeof(e->client_name), "Sam Client");
	str_copy(e->payer_name, sizeof(e->payer_name), "Acme Health");
	e->fig = (struct est_coverage){ 1, 100000, 90000, 0, 0, 2000, 3000,
	    300000, 90000, 0, 0 };
	str_copy(lines[0].description, sizeof(lines[0].description), "Therapy");
	lines[0].c = (struct est_line){ .quantity = 2, .rate = 15000,
	    .allowed = 30000, .deductible = 10000, .coinsurance = 4000,
	    .patient = 14000, .insurer = 16000 };
	str_copy(lines[1].description, sizeof(lines[1].description), "Intake");
	lines[1].c = (struct est_line){ .quantity = 1, .rate = 0 };
	e->lines = lines;
	e->nlines = 2;
	e->totals.allowed = 30000;
	e->totals.patient = 14000;
	e->totals.insurer = 16000;
}

START_TEST(hash_covers_the_amounts)
{
	struct estimate e;
	char h1[CRYPTO_SHA256_HEX], h2[CRYPTO_SHA256_HEX];

	sample(&e);
	estimate_hash(&e, h1);
	estimate_hash(&e, h2);
	ck_assert_str_eq(h1, h2);
	ck_assert_int_eq(strlen(h1), 64);
	lines[0].c.patient -= 1;
	estimate_hash(&e, h2);
	ck_assert_str_ne(h1, h2);
	lines[0].c.patient += 1;
	e.fig.deductible_met += 1;	/* the coverage snapshot too */
	estimate_hash(&e, h2);
	ck_assert_str_ne(h1, h2);
	e.fig.deductible_met -= 1;
	/* the client's name is not signed content (the client id is) */
	str_copy(e.client_name, sizeof(e.client_name), "Sam Clients");
	estimate_hash(&e, h2);
	ck_assert_str_eq(h1, h2);
}
END_TEST

START_TEST(fields_cannot_run_together)
{
	struct estimate e;
	char h1[CRYPTO_SHA256_HEX], h2[CRYPTO_SHA256_HEX];
	struct buf b;

	sample(&e);
	str_copy(lines[0].description, sizeof(lines[0].description), "a|b");
	str_copy(lines[0].code, sizeof(lines[0].code), "");
	estimate_hash(&e, h1);
	str_copy(lines[0].description, sizeof(lines[0].description), "b");
	str_copy(lines[0].code, sizeof(lines[0].code), "a");
	estimate_hash(&e, h2);
	ck_assert_str_ne(h1, h2);
	str_copy(e.notes, sizeof(e.notes), "line one\ntotals|0|0|0");
	buf_init(&b, 1u << 20);
	ck_assert_int_eq(estimate_canonical(&e, &b), 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "notes|line one\\ntotals\\|0"));
	buf_free(&b);
}
END_TEST

static cairo_status_t
to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_append(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

/* A small drawn signature as base64 PNG (malloc'd). */
static char *
png_b64(void)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 600, 200);
	cairo_t *cr = cairo_create(s);
	struct buf b;
	char *out;

	cairo_set_source_rgb(cr, 0.1, 0.1, 0.3);
	cairo_move_to(cr, 20, 150);
	cairo_curve_to(cr, 200, 0, 300, 200, 580, 40);
	cairo_stroke(cr);
	buf_init(&b, 1u << 20);
	ck_assert(cairo_surface_write_to_png_stream(s, to_buf, &b) ==
	    CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	out = malloc(b.len * 4 / 3 + 8);
	ck_assert_ptr_nonnull(out);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)b.data, (int)b.len);
	buf_free(&b);
	return out;
}

START_TEST(pdf_with_signatures_and_gfe)
{
	struct estimate e;
	struct buf out;
	char name[80];

	sample(&e);
	e.client_sig.present = 1;
	str_copy(e.client_sig.signer_name, sizeof(e.client_sig.signer_name), "Sam");
	str_copy(e.client_sig.method, sizeof(e.client_sig.method), "drawn");
	e.client_sig.png = png_b64();
	e.staff_sig.present = 1;
	str_copy(e.staff_sig.method, sizeof(e.staff_sig.method), "drawn");
	e.staff_sig.png = (char *)"not base64 at all!";	/* falls back to the name */
	buf_init(&out, 8u << 20);
	ck_assert_int_eq(pdf_estimate(&e, "Test Clinic", &out), 0);
	ck_assert(out.len > 1000 && memcmp(out.data, "%PDF", 4) == 0);
	e.basis = EST_SELF_PAY;
	e.gfe = 1;
	str_copy(e.separate_items, sizeof(e.separate_items), "Lab work");
	ck_assert_int_eq(pdf_estimate(&e, NULL, &out), 0);
	ck_assert(memcmp(out.data, "%PDF", 4) == 0);
	pdf_estimate_filename(&e, name, sizeof(name));
	ck_assert_str_eq(name, "good-faith-estimate-7-v1.pdf");
	free(e.client_sig.png);
	buf_free(&out);
}
END_TEST

START_TEST(drawn_signature_shapes)
{
	ck_assert(estimate_sig_ok("iVBORw0KGgo=", "[[1,2,3,4],[5,6]]"));
	ck_assert(estimate_sig_ok(NULL, NULL));
	ck_assert(!estimate_sig_ok("iVBORw0KGgo", NULL));	/* not a multiple of 4 */
	ck_assert(!estimate_sig_ok("<script>", NULL));
	ck_assert(!estimate_sig_ok("", NULL));
	ck_assert(!estimate_sig_ok(NULL, "[[1,2]]<img>"));
	ck_assert(!estimate_sig_ok(NULL, "{\"a\":1}"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("estimate_doc");
	TCase *tc = tcase_create("estimate_doc");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hash_covers_the_amounts);
	tcase_add_test(tc, fields_cannot_run_together);
	tcase_add_test(tc, pdf_with_signatures_and_gfe);
	tcase_add_test(tc, drawn_signature_shapes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
