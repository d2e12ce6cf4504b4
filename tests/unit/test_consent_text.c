/* The authorization texts a client signs (consents and payment plans),
 * composed from the message catalogs in every language, and the English
 * built in when no catalogs are at hand: byte for byte the texts of
 * consent_texts.txt, which the earlier composition through the template
 * engine wrote. A changed word in a catalog changes what clients sign:
 * regenerate the file (CONSENT_TEXTS_WRITE=path) and review its diff. */
#include "common.h"
#include "buf.h"
#include "clock.h"
#include "plan.h"
#include "str.h"
#include "stripe_pay.h"
#include "stripe_pay_int.h"
#include "i18n.h"

#include <check.h>

static struct i18n *cats;

#define T(org, kind, brand, last4, scope, max, plan, signer) \
	{ org, kind, brand, last4, scope, max, plan, signer, NULL, NULL }
/* Every word choice: method kind, brand known or not, signer named or not,
 * each scope with and without a limit or a plan, the org or its default;
 * values with characters HTML would escape (texts are plain). */
static const struct sp_consent_terms cases[] = {
	T("Clinic & Co <x>", "card", "visa", "4242", "any_balance", 0, 0,
	    "Ana \"Bo\" Ruiz"),
	T("Clinic & Co <x>", "card", "", "4242", "any_balance", 0, 0, NULL),
	T(NULL, "card", "amex", "0005", "up_to_amount", 25000, 0, "Ana Ruiz"),
	T("", "card", "mastercard", "4444", "payment_plan", 0, 42, "Ana Ruiz"),
	T("Org", "card", "visa", "4242", "payment_plan", 5000, 0, ""),
	T("Org", "card", "visa", "4242", "payment_plan", 123456, 7,
	    "José Núñez"),
	T("Org", "us_bank_account", "STRIPE TEST BANK", "6789", "any_balance",
	    0, 0, "Ana Ruiz"),
	T("Org", "us_bank_account", "", "6789", "up_to_amount", 99, 0, NULL),
	T("Org", "us_bank_account", "Chase", "6789", "payment_plan", 0, 3,
	    "Ana Ruiz"),
	T("Org", "us_bank_account", "Chase", "", "payment_plan", 100, 0, "Ana"),
	T("Org", NULL, NULL, NULL, "any_balance", 0, 0, "Ana Ruiz"),
	T(NULL, NULL, NULL, NULL, "up_to_amount", 100000000, 0, NULL),
	T("Org", "card", "unknownbrand", "1234", "any_balance", 0, 0, "Ana"),
	T("Org", "card", "diners", "1234", "up_to_amount", 1, 0, "Ana"),
};
#undef T


/* lang "-": no catalogs (the built-in English). */
static void
terms_out(const char *lang, struct buf *b)
{
	char text[8192], label[256];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct sp_consent_terms t = cases[i];

		t.i18n = *lang == '-' ? NULL : cats;
		t.lang = *lang == '-' ? NULL : lang;
		if (stripe_pay_consent_text(&t, text, sizeof(text)) == -1)
			str_copy(text, sizeof(text), "(error)");
		if (sp_consent_label_lang(&t, sp_consent_brand_name(&t), label,
		    sizeof(label)) == -1)
			str_copy(label, sizeof(label), "(error)");
		buf_printf(b, "== consent %s %zu\n%s\n-- label\n%s\n", lang, i,
		    text, label);
	}
}

static void
plan_out(const char *lang, struct buf *b)
{
	struct plan_installment inst[4] = {
		{ 1, 0, 20000, 10000, INST_SCHEDULED, 0, 0 },
		{ 2, 1, 20031, 25050, INST_PAID, 0, 0 },
		{ 3, 2, 20059, 25050, INST_PROCESSING, 0, 0 },
		{ 4, 3, 20090, 25051, INST_SCHEDULED, 0, 0 },
	};
	for (int k = 0; k < 4; k++) {
		struct plan p;
		char *s;

		memset(&p, 0, sizeof(p));
		p.id = 17;
		p.remaining = 60101;
		str_copy(p.account_name, sizeof(p.account_name),
		    "Ruiz & <Family>");
		if (k != 1)
			str_copy(p.account_email, sizeof(p.account_email),
			    "ana@example.com");
		if (k >= 1) {	/* 1 autopay Visa, 2 by hand, 3 autopay bank */
			p.method_id = 5;
			p.autopay = k != 2;
			str_copy(p.method_label, sizeof(p.method_label),
			    "Visa ending 4242");
			str_copy(p.method_kind, sizeof(p.method_kind), k == 3 ?
			    "us_bank_account" : "card");
			str_copy(p.method_brand, sizeof(p.method_brand), k == 1 ?
			    "visa" : "");
			str_copy(p.method_last4, sizeof(p.method_last4), k == 2 ?
			    "" : "4242");
		}
		p.inst = inst + (k == 3 ? 1 : 0);	/* 3: no down payment */
		p.ninst = k == 3 ? 3 : 4;
		s = plan_consent_text_lang(&p, k == 0 ? "Clinic & Co" : "us",
		    *lang == '-' ? NULL : cats, *lang == '-' ? NULL : lang);
		buf_printf(b, "== plan %s %d\n%s\n", lang, k, s ? s : "(error)");
		free(s);
	}
}

static char *
read_golden(const char *path)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

START_TEST(t_texts_unchanged)
{
	static const char *const langs[] = { "en", "es", "fr", "-" };
	const char *w = getenv("CONSENT_TEXTS_WRITE");
	char *want = read_golden(TOP_SRCDIR "/tests/unit/consent_texts.txt");
	const char *got;
	struct buf b;
	size_t i;

	ck_assert_ptr_nonnull(cats = i18n_open(TOP_SRCDIR "/www/templates"));
	buf_init(&b, 0);
	for (i = 0; i < ARRAY_LEN(langs); i++) {
		terms_out(langs[i], &b);
		plan_out(langs[i], &b);
	}
	got = buf_cstr(&b);
	if (w != NULL && *w != '\0') {
		FILE *f = fopen(w, "w");

		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
	}
	for (i = 0; got[i] != '\0' && got[i] == want[i]; i++)
		;
	ck_assert_msg(got[i] == want[i], "differs at byte %zu: got \"%.120s\", "
	    "want \"%.120s\"", i, got + (i > 40 ? i - 40 : 0),
	    want + (i > 40 ? i - 40 : 0));
	buf_free(&b);
	free(want);
	i18n_free(cats);
}
END_TEST

static Suite *
consent_text_suite(void)
{
	Suite *s = suite_create("consent_text");
	TCase *tc = tcase_create("consent_text");

	tcase_add_test(tc, t_texts_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(consent_text_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
