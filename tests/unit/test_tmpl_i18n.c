/* Unit tests for the message catalogs as templates use them (<TMPL_T>,
 * tmpl_msg): languages, dates in words, missing messages, catalog errors,
 * and every client template rendering in every language. The catalogs
 * themselves (core's i18n.c) are tested in test_i18n.c. */
#include "common.h"
#include "buf.h"
#include "i18n.h"
#include "str.h"
#include "tmpl.h"
#include "tmpl_fixture.h"

#include <check.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- message catalogs -------------------------------------------------- */

static void
put_catalogs(const char *en, const char *es)
{
	put_dir("i18n");
	put_file("i18n/en.txt", en);
	put_file("i18n/es.txt", es);
}

START_TEST(t_languages)
{
	struct tmpl_vars *v = tmpl_vars_new();

	put_catalogs("# greeting\nhello = Hello, {name}!\n\npay = Pay {amount}\n"
	    "multi = one\\ntwo \\\\ three\n",
	    "hello = ¡Hola, {name}!\npay = Pagar {amount}\n"
	    "multi = uno\\ndos \\\\ tres\n");
	tmpl_set(v, "name", "<Ana & Bo>");
	tmpl_set(v, "amount", "$1,234.56");
	EXPECT("<TMPL_T hello>", v, "Hello, &lt;Ana &amp; Bo&gt;!");
	EXPECT("<TMPL_T multi>", v, "one\ntwo \\ three");
	tmpl_set(v, "lang", "es");
	EXPECT("<TMPL_T hello>|<TMPL_T NAME=\"pay\">", v,
	    "¡Hola, &lt;Ana &amp; Bo&gt;!|Pagar $1,234.56");
	EXPECT("<a title=\"<TMPL_T pay ESCAPE=attr>\">", v,
	    "<a title=\"Pagar&#x20;&#x24;1&#x2C;234&#x2E;56\">");
	EXPECT_IN(scache, "<TMPL_T hello>", v, "¡Hola, &lt;Ana &amp; Bo&gt;!");
	/* loop rows fill placeholders; inner shadows outer */
	tmpl_set(tmpl_loop_add(v, "rows"), "amount", "$5.00");
	EXPECT("<TMPL_LOOP rows><TMPL_T pay></TMPL_LOOP>", v, "Pagar $5.00");
	tmpl_vars_free(v);
}
END_TEST

/* Stored dates in the view's language: FORMAT=date and {name:date}. */
START_TEST(t_dates)
{
	struct tmpl_vars *v = tmpl_vars_new();
	struct buf b;

	put_catalogs("due = Due on {due:date}, signed {at:date}, card {exp:date}\n",
	    "due = Vence el {due:date}, firmado el {at:date}, tarjeta {exp:date}\n");
	tmpl_set(v, "due", "2026-12-04");
	tmpl_set(v, "at", "2026-01-31 23:05:09");
	tmpl_set(v, "exp", "12/2027");
	EXPECT("<TMPL_VAR due FORMAT=date>|<TMPL_VAR due>", v,
	    "December 4, 2026|2026-12-04");
	EXPECT("<TMPL_T due>", v, "Due on December 4, 2026, signed January 31, "
	    "2026, 23:05 UTC, card 12/2027");
	tmpl_set(v, "lang", "es");
	EXPECT("<TMPL_VAR due FORMAT=\"date\">", v, "4 de diciembre de 2026");
	EXPECT("<TMPL_T due>", v, "Vence el 4 de diciembre de 2026, firmado el "
	    "31 de enero de 2026, 23:05 UTC, tarjeta 12/2027");
	EXPECT_ERR("<TMPL_VAR due FORMAT=money>",
	    "(string):1: unknown FORMAT \"money\"");
	/* from C, for plain text: core's i18n_msgf (test_i18n.c) on the
	 * cache's catalogs */
	buf_init(&b, 0);
	ck_assert_int_eq(tmpl_msgf(cache, "es", &b, "due", "exp", "<b>",
	    (const char *)NULL), 0);
	ck_assert_str_eq(buf_cstr(&b), "Vence el , firmado el , tarjeta <b>");
	buf_free(&b);
	tmpl_vars_free(v);
}
END_TEST

START_TEST(t_missing_messages)
{
	struct tmpl_vars *v = tmpl_vars_new();
	struct tmpl_cache *cat = tmpl_cache_new(tmpdir, TMPL_STRICT_CATALOG);

	put_catalogs("only_en = English only\nboth = Both {x}\n",
	    "both = Ambos {x}\n");
	tmpl_set(v, "lang", "es");
	/* lenient: English stands in, then the key itself */
	EXPECT("<TMPL_T only_en>|<TMPL_T nowhere>", v, "English only|nowhere");
	EXPECT_ERR_IN(scache, "\n<TMPL_T only_en>", v,
	    "(string):2: TMPL_T only_en: no such key in es");
	/* an unset placeholder fails in strict mode, is empty otherwise */
	EXPECT("<TMPL_T both>", v, "Ambos ");
	EXPECT_ERR_IN(scache, "<TMPL_T both>", v,
	    "(string):1: TMPL_T both: placeholder {x} is not set");
	/* catalog-only strictness: unset values pass, missing keys do not */
	EXPECT_IN(cat, "<TMPL_T both>", v, "Ambos ");
	EXPECT_ERR_IN(cat, "<TMPL_T only_en>", v,
	    "(string):1: TMPL_T only_en: no such key in es");
	tmpl_set(v, "lang", "fr");
	EXPECT("<TMPL_T both>", v, "Both ");
	ck_assert_int_eq(render(scache, "<TMPL_T both>", v), -1);
	ck_assert_ptr_nonnull(strstr(ERR, "i18n/fr.txt not readable"));
	tmpl_set(v, "lang", "../x");
	ck_assert_int_eq(render(scache, "<TMPL_T both>", v), -1);
	ck_assert_ptr_nonnull(strstr(ERR, "bad language"));
	ck_assert_str_eq(tmpl_msg(cache, "es", "both"), "Ambos {x}");
	ck_assert_str_eq(tmpl_msg(cache, "es", "only_en"), "English only");
	ck_assert_str_eq(tmpl_msg(cache, "xx", "nothing"), "nothing");
	tmpl_cache_free(cat);
	tmpl_vars_free(v);
}
END_TEST

/* A broken catalog fails the render with core's reason (each reason:
 * test_i18n.c). */
START_TEST(t_catalog_errors)
{
	struct tmpl_vars *v = tmpl_vars_new();
	struct tmpl_cache *c = tmpl_cache_new(tmpdir, TMPL_STRICT);

	put_dir("i18n");
	tmpl_set(v, "lang", "es");
	put_file("i18n/es.txt", "a = x\nb = y {z\n");
	ck_assert_int_eq(render(c, "<TMPL_T a>", v), -1);
	ck_assert_str_eq(ERR, "(string):1: TMPL_T a: i18n/es.txt: line 2: "
	    "stray '{' (placeholders are {name})");
	tmpl_cache_free(c);
	tmpl_vars_free(v);
}
END_TEST

/* Every client template (portal, pay link, emails) renders in every
 * language with catalog strictness, and every key it names is in every
 * catalog with the same placeholders. */
static const char *const client_langs[] = { "en", "es" };

static int
client_template(const char *name)
{
	static const char *const shared[] = { "_lang_switch.html",
	    "estimate_breakdown.html", "estimate_gfe_body.html",
	    "estimate_signature_block.html", "estimate_sign_pad.html",
	    "consent_print.html" };

	for (size_t i = 0; i < ARRAY_LEN(shared); i++)
		if (strcmp(name, shared[i]) == 0)
			return 1;
	return str_starts(name, "portal_") || str_starts(name, "paylink") ||
	    str_starts(name, "_portal_") || str_starts(name, "plan_card");
}

static void
check_keys_of(struct tmpl_cache *c, const char *dir, const char *name)
{
	char path[512], key[128];
	const char *s;
	char *src;
	FILE *f;
	long n;

	str_fmt(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	src = calloc(1, (size_t)n + 1);
	ck_assert_int_eq((long)fread(src, 1, (size_t)n, f), n);
	fclose(f);
	for (s = src; (s = strstr(s, "<TMPL_T ")) != NULL; s++) {
		size_t k = 0;

		for (s += 8; s[k] && s[k] != ' ' && s[k] != '>' && k < 127; k++)
			key[k] = s[k];
		key[k] = '\0';
		for (size_t l = 0; l < ARRAY_LEN(client_langs); l++)
			ck_assert_msg(tmpl_msg(c, client_langs[l], key) != key &&
			    strcmp(tmpl_msg(c, client_langs[l], key), key) != 0,
			    "%s: key %s not in %s", name, key, client_langs[l]);
	}
	free(src);
}

/* 1 when the text of a page (tags and comments left out) has a common
 * English word: a Spanish page that still says it was not translated. */
static int
has_english(const char *html)
{
	static const char *const words[] = { " the ", " your ", " you ",
	    " and ", " with ", " this ", " to ", " pay ", " payment ",
	    " invoice " };
	char *t = calloc(1, strlen(html) + 3), *o = t;
	int in = 0, found = 0;

	ck_assert_ptr_nonnull(t);
	*o++ = ' ';
	for (const char *p = html; *p; p++) {
		if (*p == '<')
			in = 1;
		else if (*p == '>') {
			in = 0;
			*o++ = ' ';
		} else if (!in)
			*o++ = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') :
			    strchr(".,:;()!?\n", *p) ? ' ' : *p;
	}
	*o = ' ';
	for (size_t i = 0; i < ARRAY_LEN(words) && !found; i++)
		if (strstr(t, words[i]) != NULL) {
			fprintf(stderr, "English \"%s\" in: %.300s\n", words[i],
			    strstr(t, words[i]) - 40 > t ? strstr(t, words[i]) -
			    40 : t);
			found = 1;
		}
	free(t);
	return found;
}

/* Staff pages and the staff's test email live beside the client ones. */
static int
staff_only(const char *name)
{
	return str_starts(name, "portal_staff_") || str_starts(name, "mail/test.");
}

/* Renders every client template of dir/sub in every language; returns how
 * many templates it saw. */
static int
client_templates_in(struct tmpl_cache *c, const char *dir, const char *sub)
{
	char path[512], name[256];
	struct dirent *de;
	DIR *d;
	int seen = 0;

	str_fmt(path, sizeof(path), "%s/%s", dir, sub);
	ck_assert_ptr_nonnull(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (sub[0] == '\0' &&
		    !client_template(de->d_name)) ||
		    (strstr(de->d_name, ".html") == NULL &&
		    strstr(de->d_name, ".txt") == NULL))
			continue;
		str_fmt(name, sizeof(name), "%s%s", sub, de->d_name);
		for (size_t l = 0; l < ARRAY_LEN(client_langs); l++) {
			struct tmpl_vars *v = tmpl_vars_new();

			tmpl_set(v, "lang", client_langs[l]);
			ck_assert_msg(render_file(c, name, v) == 0,
			    "%s in %s: %s", name, client_langs[l], ERR);
			ck_assert_msg(strstr(OUT, "<TMPL_") == NULL, "%s", name);
			ck_assert_msg(strcmp(client_langs[l], "es") != 0 ||
			    staff_only(name) ||
			    !has_english(OUT),
			    "%s in es has English text", name);
			tmpl_vars_free(v);
		}
		check_keys_of(c, dir, name);
		seen++;
	}
	closedir(d);
	return seen;
}

START_TEST(t_client_templates_every_language)
{
	const char *dir = TOP_SRCDIR "/www/templates";
	struct tmpl_cache *c = tmpl_cache_new(dir, TMPL_STRICT_CATALOG);
	char why[512] = "";

	ck_assert_msg(i18n_check(tmpl_cache_i18n(c), client_langs,
	    ARRAY_LEN(client_langs), why, sizeof(why)) == 0, "%s", why);
	/* portal and pay-link pages, then every email (subject, text, HTML) */
	ck_assert_int_ge(client_templates_in(c, dir, ""), 25);
	ck_assert_int_ge(client_templates_in(c, dir, "mail/"), 20);
	tmpl_cache_free(c);
}
END_TEST

static Suite *
tmpl_suite(void)
{
	Suite *s = suite_create("tmpl_i18n");
	TCase *tc = tcase_create("tmpl_i18n");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, t_languages);
	tcase_add_test(tc, t_missing_messages);
	tcase_add_test(tc, t_dates);
	tcase_add_test(tc, t_catalog_errors);
	tcase_add_test(tc, t_client_templates_every_language);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tmpl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
