/* Unit tests for the message catalogs (core's i18n.c), without the
 * template engine: a language's words, English standing in, then the key;
 * placeholders filled from C (unescaped, dates in words); catalog errors;
 * every catalog holding every key with the same placeholders (the
 * project's own catalogs: test_tmpl_i18n.c, test_consent_text.c). */
#include "common.h"
#include "buf.h"
#include "i18n.h"
#include "str.h"

#include <check.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];
static struct i18n *cats;

static void
put_file(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	ck_assert_int_eq(str_fmt(path, sizeof(path), "%s/%s", tmpdir, rel), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq((int)fwrite(content, 1, strlen(content), f),
	    (int)strlen(content));
	ck_assert_int_eq(fclose(f), 0);
}

static void
put_catalogs(const char *en, const char *es)
{
	put_file("i18n/en.txt", en);
	put_file("i18n/es.txt", es);
	i18n_free(cats);
	ck_assert_ptr_nonnull(cats = i18n_open(tmpdir));
}

static void
setup(void)
{
	char path[96];

	str_copy(tmpdir, sizeof(tmpdir), "/tmp/test_i18n.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	str_fmt(path, sizeof(path), "%s/i18n", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_ptr_nonnull(cats = i18n_open(tmpdir));
}

static int
rm_entry(const char *path, const struct stat *sb UNUSED, int flag UNUSED,
    struct FTW *ftw UNUSED)
{
	return remove(path);
}

static void
teardown(void)
{
	i18n_free(cats);
	cats = NULL;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The language's text, else English, else the key: never NULL. */
START_TEST(t_msg_fallbacks)
{
	char why[128];

	put_catalogs("only_en = English only\nboth = Both {x}\n"
	    "multi = one\\ntwo \\\\ three\n",
	    "both = Ambos {x}\nmulti = uno\\ndos \\\\ tres\n");
	ck_assert_str_eq(i18n_msg(cats, "es", "both"), "Ambos {x}");
	ck_assert_str_eq(i18n_msg(cats, "es", "multi"), "uno\ndos \\ tres");
	ck_assert_str_eq(i18n_msg(cats, "es", "only_en"), "English only");
	ck_assert_str_eq(i18n_msg(cats, "xx", "both"), "Both {x}");
	ck_assert_str_eq(i18n_msg(cats, "xx", "nothing"), "nothing");
	ck_assert_str_eq(i18n_msg(cats, NULL, "both"), "Both {x}");
	ck_assert_str_eq(i18n_msg(NULL, "es", "both"), "both");
	/* exactly the language: why names what is missing */
	ck_assert_ptr_null(i18n_get(cats, "es", "only_en", why, sizeof(why)));
	ck_assert_str_eq(why, "no such key in es");
	ck_assert_ptr_null(i18n_get(cats, "fr", "both", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "i18n/fr.txt not readable"));
	ck_assert_ptr_null(i18n_get(cats, "../x", "both", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "bad language"));
	ck_assert_str_eq(i18n_get(cats, "en", "only_en", why, sizeof(why)),
	    "English only");
}
END_TEST

/* From C: placeholders filled unescaped, a name not given left empty,
 * {name:date} in the language's words, English when the language lacks
 * the key. */
START_TEST(t_msgf)
{
	struct buf b;

	put_catalogs("due = Due on {due:date}, signed {at:date}, "
	    "card {exp:date}\nhi = Hi {name} & {name}\n",
	    "due = Vence el {due:date}, firmado el {at:date}, "
	    "tarjeta {exp:date}\n");
	buf_init(&b, 0);
	ck_assert_int_eq(i18n_msgf(cats, "es", &b, "due", "due", "2024-02-29",
	    "exp", "<b>", (const char *)NULL), 0);
	ck_assert_str_eq(buf_cstr(&b), "Vence el 29 de febrero de 2024, firmado "
	    "el , tarjeta <b>");
	buf_reset(&b);
	ck_assert_int_eq(i18n_msgf(cats, "en", &b, "due", "at",
	    "2026-01-31 23:05:09", "due", "2026-12-04", (const char *)NULL), 0);
	ck_assert_str_eq(buf_cstr(&b), "Due on December 4, 2026, signed "
	    "January 31, 2026, 23:05 UTC, card ");
	buf_reset(&b);
	ck_assert_int_eq(i18n_msgf(cats, "es", &b, "hi", "nam", "x", "name",
	    "<Ana \"Bo\">", (const char *)NULL), 0);
	ck_assert_str_eq(buf_cstr(&b), "Hi <Ana \"Bo\"> & <Ana \"Bo\">");
	buf_reset(&b);
	ck_assert_int_eq(i18n_msgf(cats, "es", &b, "no.such",
	    (const char *)NULL), 0);
	ck_assert_str_eq(buf_cstr(&b), "no.such");
	buf_free(&b);
}
END_TEST

START_TEST(t_catalog_errors)
{
	static const struct { const char *src, *msg; } bad[] = {
		{ "a = x\nb = y {z\n", "i18n/es.txt: line 2: stray '{' "
		    "(placeholders are {name})" },
		{ "a = x}\n", "i18n/es.txt: line 1: stray '}' "
		    "(placeholders are {name})" },
		{ "a x\n", "i18n/es.txt: line 1: expected \"key = text\"" },
		{ "a =   \n", "i18n/es.txt: line 1: empty message" },
		{ "a = 1\nb = 2\na = 3\n", "i18n/es.txt: key a defined twice" },
	};
	char why[256];

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		put_catalogs("a = A\n", bad[i].src);
		ck_assert_ptr_null(i18n_get(cats, "es", "a", why, sizeof(why)));
		ck_assert_str_eq(why, bad[i].msg);
		/* a broken catalog: English stands in */
		ck_assert_str_eq(i18n_msg(cats, "es", "a"), "A");
	}
}
END_TEST

START_TEST(t_catalog_check)
{
	static const char *const langs[] = { "en", "es" };
	char why[256] = "";

	put_catalogs("a = A {x}\nb = B\n", "a = Á {x}\nb = Be\n");
	ck_assert_msg(i18n_check(cats, langs, 2, why, sizeof(why)) == 0, "%s",
	    why);
	put_catalogs("a = A {x}\nb = B\n", "a = Á\nb = Be\n");
	ck_assert_int_eq(i18n_check(cats, langs, 2, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "key a: placeholder {x} not in both en and es");
	put_catalogs("a = A {x}\nb = B\n", "a = Á {x}\n");
	ck_assert_int_eq(i18n_check(cats, langs, 2, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "key b missing in es");
	ck_assert_int_eq(i18n_lang_ok("es"), 1);
	ck_assert_int_eq(i18n_lang_ok("pt-BR"), 1);
	ck_assert_int_eq(i18n_lang_ok("e"), 0);
	ck_assert_int_eq(i18n_lang_ok("ES"), 0);
	ck_assert_int_eq(i18n_lang_ok("es/../x"), 0);
}
END_TEST

static Suite *
i18n_suite(void)
{
	Suite *s = suite_create("i18n");
	TCase *tc = tcase_create("i18n");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_msg_fallbacks);
	tcase_add_test(tc, t_msgf);
	tcase_add_test(tc, t_catalog_errors);
	tcase_add_test(tc, t_catalog_check);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(i18n_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
