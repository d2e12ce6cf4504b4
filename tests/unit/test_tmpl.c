/* Unit tests for the template engine: tags, scopes, escapers, includes,
 * errors with line numbers, strict mode and a hostile template corpus.
 * Message catalogs: test_tmpl_i18n.c. */
#include "common.h"
#include "buf.h"
#include "str.h"
#include "tmpl.h"
#include "tmpl_fixture.h"

#include <check.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- escapers --------------------------------------------------------- */

static const char *
esc(int (*fn)(struct buf *, const char *), const char *s)
{
	buf_reset(&out);
	ck_assert_int_eq(fn(&out, s), 0);
	return OUT;
}

START_TEST(escape_html)
{
	ck_assert_str_eq(esc(tmpl_escape_html,
	    "<script>alert('x&y')</script>\"q\""),
	    "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;"
	    "&quot;q&quot;");
	ck_assert_str_eq(esc(tmpl_escape_html, "plain text é"),
	    "plain text é");
	ck_assert_str_eq(esc(tmpl_escape_html, ""), "");
}
END_TEST

START_TEST(escape_attr)
{
	ck_assert_str_eq(esc(tmpl_escape_attr, "a b\"c'<>="),
	    "a&#x20;b&#x22;c&#x27;&#x3C;&#x3E;&#x3D;");
	ck_assert_str_eq(esc(tmpl_escape_attr, "javascript:alert(1)"),
	    "javascript&#x3A;alert&#x28;1&#x29;");
	ck_assert_str_eq(esc(tmpl_escape_attr, "x onmouseover=y"),
	    "x&#x20;onmouseover&#x3D;y");
	/* UTF-8 passes, controls do not */
	ck_assert_str_eq(esc(tmpl_escape_attr, "caf\xc3\xa9\x01\x7f\t"),
	    "caf\xc3\xa9&#x01;&#x7F;&#x09;");
}
END_TEST

START_TEST(escape_url)
{
	ck_assert_str_eq(esc(tmpl_escape_url, "a b/c?d=e&f~g.h-i_j%+#"),
	    "a%20b%2Fc%3Fd%3De%26f~g.h-i_j%25%2B%23");
	ck_assert_str_eq(esc(tmpl_escape_url, "javascript:alert(1)"),
	    "javascript%3Aalert%281%29");
	ck_assert_str_eq(esc(tmpl_escape_url, "\xc3\xa9\"<>\x01\xff"),
	    "%C3%A9%22%3C%3E%01%FF");
}
END_TEST

START_TEST(escape_js)
{
	ck_assert_str_eq(esc(tmpl_escape_js,
	    "</script><!-- \"x\" 'y' \\ & a,b. _"),
	    "\\x3C\\x2Fscript\\x3E\\x3C\\x21\\x2D\\x2D \\x22x\\x22 "
	    "\\x27y\\x27 \\x5C \\x26 a,b. _");
	/* U+2028, U+2029 escaped; other UTF-8 (U+00E9, U+2027, U+202A) passes */
	ck_assert_str_eq(esc(tmpl_escape_js,
	    "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc3\xa9\xe2\x80\xa7\xe2\x80\xaa"),
	    "a\\u2028b\\u2029c\xc3\xa9\xe2\x80\xa7\xe2\x80\xaa");
	/* control and binary bytes; a truncated E2 sequence at the end */
	ck_assert_str_eq(esc(tmpl_escape_js, "\x01\n\r\t\x7f=\xfe\xe2\x80"),
	    "\\x01\\x0A\\x0D\\x09\\x7F\\x3D\xfe\xe2\x80");
}
END_TEST

START_TEST(escape_overflow)
{
	struct buf small;

	buf_init(&small, 8);
	ck_assert_int_eq(tmpl_escape_html(&small, "<<"), 0);
	ck_assert_int_eq(tmpl_escape_html(&small, "<"), -1);
	ck_assert_str_eq(buf_cstr(&small), "&lt;&lt;");
	ck_assert_int_eq(tmpl_escape_js(&small, "\xe2\x80\xa8"), -1);
	ck_assert_int_eq(tmpl_escape_url(&small, "///"), -1);
	ck_assert_int_eq(tmpl_escape_attr(&small, "//"), -1);
	buf_free(&small);
}
END_TEST

/* ---- variables API ---------------------------------------------------- */

START_TEST(vars_api)
{
	struct tmpl_vars *v = tmpl_vars_new(), *row;

	ck_assert_int_eq(tmpl_set(v, "a", "one"), 0);
	ck_assert_str_eq(tmpl_get(v, "a"), "one");
	ck_assert_int_eq(tmpl_set(v, "a", "two"), 0);
	ck_assert_str_eq(tmpl_get(v, "a"), "two");
	ck_assert_ptr_null(tmpl_get(v, "A"));	/* names are case-sensitive */
	ck_assert_int_eq(tmpl_set_int(v, "n", INT64_MIN), 0);
	ck_assert_str_eq(tmpl_get(v, "n"), "-9223372036854775808");
	ck_assert_int_eq(tmpl_setf(v, "f", "%s-%d", "x", 42), 0);
	ck_assert_str_eq(tmpl_get(v, "f"), "x-42");
	ck_assert_int_eq(tmpl_set_bool(v, "b", 1), 0);
	ck_assert_str_eq(tmpl_get(v, "b"), "1");
	ck_assert_int_eq(tmpl_set_bool(v, "b", 0), 0);
	ck_assert_ptr_null(tmpl_get(v, "b"));
	ck_assert_int_eq(tmpl_set_bool(v, "never", 0), 0);
	ck_assert_int_eq(tmpl_set(v, "", "x"), -1);
	ck_assert_int_eq(tmpl_set(v, NULL, "x"), -1);
	ck_assert_int_eq(tmpl_set(v, "null", NULL), 0);
	ck_assert_str_eq(tmpl_get(v, "null"), "");

	/* a string becomes a loop and back */
	row = tmpl_loop_add(v, "a");
	ck_assert_ptr_nonnull(row);
	ck_assert_ptr_null(tmpl_get(v, "a"));
	ck_assert_int_eq(tmpl_set(row, "x", "1"), 0);
	EXPECT("<TMPL_LOOP a>[<TMPL_VAR x>]</TMPL_LOOP>", v, "[1]");
	ck_assert_int_eq(tmpl_set(v, "a", "str"), 0);
	ck_assert_str_eq(tmpl_get(v, "a"), "str");
	tmpl_vars_free(v);
	tmpl_vars_free(NULL);
}
END_TEST

START_TEST(vars_depth_limit)
{
	struct tmpl_vars *v = tmpl_vars_new(), *row = v;
	int n;

	for (n = 0; n < 1000 && row != NULL; n++)
		row = tmpl_loop_add(row, "r");
	ck_assert_ptr_null(row);
	ck_assert_int_eq(n, 65);	/* 64 levels, the 65th refused */
	tmpl_vars_free(v);
}
END_TEST

/* ---- TMPL_VAR --------------------------------------------------------- */

START_TEST(var_forms)
{
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "x", "X");
	tmpl_set(v, "user.name", "Ann");
	EXPECT("a<TMPL_VAR x>b", v, "aXb");
	EXPECT("<tmpl_var name=\"x\">", v, "X");
	EXPECT("<Tmpl_Var NAME='x'>", v, "X");
	EXPECT("<TMPL_VAR Name=x>", v, "X");
	EXPECT("<TMPL_VAR \"x\">", v, "X");
	EXPECT("<TMPL_VAR\n  name = \"x\"\n>", v, "X");
	EXPECT("<TMPL_VAR user.name>", v, "Ann");
	EXPECT("<TMPL_VAR X>", v, "");		/* lenient: unset is empty */
	EXPECT("no tags < TMPL_VAR x> <b>", v, "no tags < TMPL_VAR x> <b>");
	EXPECT("", v, "");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(var_escape_contexts)
{
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "x", "<script>\"it's\"</script> & a");
	EXPECT("<TMPL_VAR x>", v,
	    "&lt;script&gt;&quot;it&#39;s&quot;&lt;/script&gt; &amp; a");
	EXPECT("<TMPL_VAR x ESCAPE=html>", v,
	    "&lt;script&gt;&quot;it&#39;s&quot;&lt;/script&gt; &amp; a");
	EXPECT("<a title=<TMPL_VAR x escape=\"attr\">>", v,
	    "<a title=&#x3C;script&#x3E;&#x22;it&#x27;s&#x22;&#x3C;&#x2F;"
	    "script&#x3E;&#x20;&#x26;&#x20;a>");
	EXPECT("<TMPL_VAR x ESCAPE=URL>", v,
	    "%3Cscript%3E%22it%27s%22%3C%2Fscript%3E%20%26%20a");
	EXPECT("var s = \"<TMPL_VAR x ESCAPE='js'>\";", v,
	    "var s = \"\\x3Cscript\\x3E\\x22it\\x27s\\x22\\x3C\\x2Fscript"
	    "\\x3E \\x26 a\";");
	EXPECT("<TMPL_VAR x ESCAPE=RAW>", v, "<script>\"it's\"</script> & a");
	EXPECT("<TMPL_VAR x escape=raw>", v, "<script>\"it's\"</script> & a");
	tmpl_set(v, "u", "javascript:alert(1)");
	EXPECT("<a href=\"/go?next=<TMPL_VAR u ESCAPE=url>\">", v,
	    "<a href=\"/go?next=javascript%3Aalert%281%29\">");
	EXPECT_ERR("<TMPL_VAR x ESCAPE=none>",
	    "(string):1: unknown ESCAPE \"none\"");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(var_default)
{
	struct tmpl_vars *v = tmpl_vars_new();

	EXPECT("[<TMPL_VAR x DEFAULT=\"a<b\">]", v, "[a&lt;b]");
	EXPECT("[<TMPL_VAR x DEFAULT='a b' ESCAPE=url>]", v, "[a%20b]");
	EXPECT("[<TMPL_VAR x DEFAULT=\"\">]", v, "[]");
	tmpl_set(v, "x", "set");
	EXPECT("[<TMPL_VAR x DEFAULT=\"a<b\">]", v, "[set]");
	tmpl_set(v, "x", "");
	EXPECT("[<TMPL_VAR x DEFAULT=\"d\">]", v, "[]");
	tmpl_vars_free(v);
}
END_TEST

/* ---- TMPL_IF / ELSIF / ELSE / UNLESS ------------------------------------ */

START_TEST(if_truthiness)
{
	static const struct { const char *val; const char *want; } t[] = {
		{ NULL, "F" }, { "", "F" }, { "0", "F" }, { "00", "T" },
		{ "1", "T" }, { "no", "T" }, { " ", "T" },
	};
	const char *src = "<TMPL_IF x>T<TMPL_ELSE>F</TMPL_IF>";
	struct tmpl_vars *v;

	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		v = tmpl_vars_new();
		if (t[i].val)
			tmpl_set(v, "x", t[i].val);
		EXPECT(src, v, t[i].want);
		tmpl_vars_free(v);
	}
	v = tmpl_vars_new();
	tmpl_loop_add(v, "x");
	EXPECT(src, v, "T");		/* loop with a row */
	tmpl_set(v, "y", "1");
	EXPECT("<TMPL_IF y>a</TMPL_IF><tmpl_if z>b</tmpl_if>", v, "a");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(if_elsif_chain)
{
	const char *src =
	    "<TMPL_IF a>A<TMPL_ELSIF b>B<TMPL_ELSIF c VALUE=\"x\">C"
	    "<TMPL_ELSIF NAME=c VALUE='y'>D<TMPL_ELSE>E</TMPL_IF>.";
	struct tmpl_vars *v = tmpl_vars_new();

	EXPECT(src, v, "E.");
	tmpl_set(v, "c", "y");
	EXPECT(src, v, "D.");
	tmpl_set(v, "c", "x");
	EXPECT(src, v, "C.");
	tmpl_set(v, "b", "1");
	EXPECT(src, v, "B.");
	tmpl_set(v, "a", "1");
	EXPECT(src, v, "A.");
	/* no ELSE: nothing when every branch fails */
	EXPECT("<TMPL_IF q>1<TMPL_ELSIF r>2</TMPL_IF>|", v, "|");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(if_value)
{
	struct tmpl_vars *v = tmpl_vars_new();
	const char *src = "<TMPL_IF status VALUE=\"paid\">P<TMPL_ELSE>N"
	    "</TMPL_IF>";

	EXPECT(src, v, "N");		/* unset never equals */
	tmpl_set(v, "status", "paid");
	EXPECT(src, v, "P");
	tmpl_set(v, "status", "Paid");
	EXPECT(src, v, "N");		/* exact, case-sensitive */
	tmpl_set(v, "status", "");
	EXPECT("<TMPL_IF status VALUE=\"\">empty</TMPL_IF>", v, "empty");
	tmpl_set(v, "n", "0");
	EXPECT("<TMPL_IF n VALUE=0>zero</TMPL_IF>", v, "zero");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(if_nested_and_unless)
{
	struct tmpl_vars *v = tmpl_vars_new();
	const char *src = "<TMPL_IF a>a<TMPL_IF b>b<TMPL_ELSE>!b</TMPL_IF>"
	    "<TMPL_ELSE>!a<TMPL_IF b>b</TMPL_IF></TMPL_IF>";

	EXPECT(src, v, "!a");
	tmpl_set(v, "b", "1");
	EXPECT(src, v, "!ab");
	tmpl_set(v, "a", "1");
	EXPECT(src, v, "ab");
	tmpl_set(v, "b", "0");
	EXPECT(src, v, "a!b");
	EXPECT("<TMPL_UNLESS b>not b<TMPL_ELSE>b</TMPL_UNLESS>", v, "not b");
	EXPECT("<TMPL_UNLESS a>not a<TMPL_ELSE>a</TMPL_UNLESS>", v, "a");
	EXPECT_ERR("<TMPL_UNLESS a>x<TMPL_ELSIF b>y</TMPL_UNLESS>",
	    "(string):1: TMPL_ELSIF inside TMPL_UNLESS");
	tmpl_vars_free(v);
}
END_TEST

/* ---- TMPL_LOOP -------------------------------------------------------- */

START_TEST(loop_basic_and_helpers)
{
	struct tmpl_vars *v = tmpl_vars_new(), *r;
	const char *names[] = { "a", "b", "c" };

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		r = tmpl_loop_add(v, "rows");
		tmpl_set(r, "n", names[i]);
	}
	EXPECT("<TMPL_LOOP rows><TMPL_VAR n></TMPL_LOOP>", v, "abc");
	EXPECT("<TMPL_LOOP NAME=\"rows\">"
	    "<TMPL_VAR __index__>/<TMPL_VAR __count__>"
	    "<TMPL_IF __first__>F</TMPL_IF><TMPL_IF __last__>L</TMPL_IF>"
	    "<TMPL_IF __odd__>o</TMPL_IF><TMPL_IF __even__>e</TMPL_IF>;"
	    "</TMPL_LOOP>", v, "1/3Fo;2/3e;3/3Lo;");
	EXPECT("<TMPL_LOOP rows><TMPL_VAR n><TMPL_UNLESS __last__>, "
	    "</TMPL_UNLESS></TMPL_LOOP>", v, "a, b, c");
	EXPECT("<TMPL_LOOP rows><TMPL_IF __index__ VALUE=\"2\">two"
	    "</TMPL_IF></TMPL_LOOP>", v, "two");
	/* helpers outside a loop are unset */
	EXPECT("[<TMPL_VAR __index__>]<TMPL_IF __first__>x</TMPL_IF>", v, "[]");
	EXPECT("<TMPL_LOOP none>x</TMPL_LOOP>|<TMPL_IF none>y</TMPL_IF>", v,
	    "|");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(loop_nested_scopes)
{
	struct tmpl_vars *v = tmpl_vars_new(), *inv, *line;

	tmpl_set(v, "cur", "EUR");
	tmpl_set(v, "name", "root");
	tmpl_set(v, "show", "1");
	inv = tmpl_loop_add(v, "invoices");
	tmpl_set(inv, "name", "I1");
	line = tmpl_loop_add(inv, "lines");
	tmpl_set(line, "amt", "10");
	line = tmpl_loop_add(inv, "lines");
	tmpl_set(line, "amt", "20");
	tmpl_set(line, "name", "L2");	/* shadows the invoice's name */
	inv = tmpl_loop_add(v, "invoices");
	tmpl_set(inv, "name", "I2");
	tmpl_set(inv, "cur", "USD");	/* shadows the root's cur */
	line = tmpl_loop_add(inv, "lines");
	tmpl_set(line, "amt", "5");

	EXPECT("<TMPL_LOOP invoices><TMPL_VAR name>:"
	    "<TMPL_LOOP lines><TMPL_VAR __index__>.<TMPL_VAR name>="
	    "<TMPL_VAR amt> <TMPL_VAR cur><TMPL_IF show>!</TMPL_IF>;"
	    "</TMPL_LOOP>(<TMPL_VAR __index__>/<TMPL_VAR __count__>)"
	    "</TMPL_LOOP>|<TMPL_VAR name>", v,
	    "I1:1.I1=10 EUR!;2.L2=20 EUR!;(1/2)"
	    "I2:1.I2=5 USD!;(2/2)|root");
	/* the same loop name at two levels */
	EXPECT("<TMPL_LOOP invoices><TMPL_LOOP invoices>x</TMPL_LOOP>"
	    "</TMPL_LOOP>", v, "xxxx");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(loop_type_errors)
{
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "s", "str");
	tmpl_loop_add(v, "l");
	EXPECT_ERR_IN(cache, "\n<TMPL_LOOP s>x</TMPL_LOOP>", v,
	    "(string):2: TMPL_LOOP s names a value, not a loop");
	EXPECT_ERR_IN(cache, "<TMPL_VAR l>", v,
	    "(string):1: TMPL_VAR l names a loop");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(loop_thousand_rows)
{
	struct tmpl_vars *v = tmpl_vars_new(), *r;
	struct buf want;

	buf_init(&want, 0);
	for (int i = 0; i < 1000; i++) {
		r = tmpl_loop_add(v, "rows");
		ck_assert_ptr_nonnull(r);
		tmpl_set_int(r, "i", i);
		buf_printf(&want, "%d&lt;%d&gt;,", i + 1, i);
	}
	EXPECT("<TMPL_LOOP rows><TMPL_VAR __index__>&lt;<TMPL_VAR i>&gt;,"
	    "</TMPL_LOOP>", v, buf_cstr(&want));
	buf_free(&want);
	tmpl_vars_free(v);
}
END_TEST

/* ---- comments --------------------------------------------------------- */

START_TEST(comments)
{
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "x", "X");
	EXPECT("a<* hidden <TMPL_VAR x> </TMPL_IF> *>b<TMPL_VAR x>", v, "abX");
	EXPECT("<**>|<* a * > b *>|", v, "||");
	/* lines inside a comment still count */
	EXPECT_ERR("<* one\ntwo\n*><TMPL_BAD>",
	    "(string):3: unknown tag <TMPL_BAD>");
	EXPECT_ERR("x\n<* never closed", "(string):2: unterminated comment");
	tmpl_vars_free(v);
}
END_TEST

/* ---- includes --------------------------------------------------------- */

START_TEST(include_found)
{
	struct tmpl_vars *v = tmpl_vars_new(), *r;

	put_file("head.html", "<h1><TMPL_VAR title></h1>");
	put_dir("part");
	put_file("part/row.html", "<li><TMPL_VAR n><TMPL_IF __last__>."
	    "</TMPL_IF></li>");
	tmpl_set(v, "title", "A&B");
	tmpl_set(tmpl_loop_add(v, "rows"), "n", "1");
	r = tmpl_loop_add(v, "rows");
	tmpl_set(r, "n", "2");
	EXPECT("<TMPL_INCLUDE \"head.html\"><ul><TMPL_LOOP rows>"
	    "<TMPL_INCLUDE NAME='part/row.html'></TMPL_LOOP></ul>", v,
	    "<h1>A&amp;B</h1><ul><li>1</li><li>2.</li></ul>");
	EXPECT("<tmpl_include name=head.html>", v, "<h1>A&amp;B</h1>");
	/* top-level render of a file, which includes another */
	put_file("page.html", "[<TMPL_INCLUDE head.html>]\n");
	ck_assert_int_eq(render_file(cache, "page.html", v), 0);
	ck_assert_str_eq(OUT, "[<h1>A&amp;B</h1>]\n");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(include_is_cached)
{
	struct tmpl_vars *v = tmpl_vars_new();

	put_file("page.html", "P<TMPL_INCLUDE inc.html>");
	put_file("inc.html", "old");
	ck_assert_int_eq(render_file(cache, "page.html", v), 0);
	ck_assert_str_eq(OUT, "Pold");
	put_file("inc.html", "new");
	put_file("page.html", "changed");
	ck_assert_int_eq(render_file(cache, "page.html", v), 0);
	ck_assert_str_eq(OUT, "Pold");		/* parsed once per cache */
	EXPECT("<TMPL_INCLUDE inc.html>", v, "old");
	/* a fresh cache sees the new files */
	ck_assert_int_eq(render_file(scache, "page.html", v), 0);
	ck_assert_str_eq(OUT, "changed");
	tmpl_vars_free(v);
}
END_TEST

START_TEST(include_errors)
{
	put_file("ok.html", "ok");
	put_file("bad.html", "line1\n<TMPL_IF x>\n");
	EXPECT_ERR("a\n<TMPL_INCLUDE missing.html>",
	    "(string):2: include \"missing.html\" not readable: "
	    "No such file or directory");
	EXPECT_ERR("<TMPL_INCLUDE ../ok.html>",
	    "(string):1: bad include path \"../ok.html\"");
	EXPECT_ERR("<TMPL_INCLUDE \"a/../../ok.html\">",
	    "(string):1: bad include path \"a/../../ok.html\"");
	EXPECT_ERR("<TMPL_INCLUDE ..>", "(string):1: bad include path \"..\"");
	EXPECT_ERR("<TMPL_INCLUDE \"/etc/passwd\">",
	    "(string):1: bad include path \"/etc/passwd\"");
	EXPECT_ERR("<TMPL_INCLUDE \"\">", "(string):1: bad include path \"\"");
	EXPECT_ERR("<TMPL_INCLUDE>", "(string):1: TMPL_INCLUDE needs a name");
	/* parse errors inside an include name the included file */
	EXPECT_ERR("<TMPL_INCLUDE bad.html>", "bad.html:2: unclosed TMPL_IF");
	/* a directory is not a template */
	put_dir("sub");
	EXPECT_ERR("<TMPL_INCLUDE sub>",
	    "(string):1: include \"sub\" not readable: Is a directory");
	/* no cache, no includes */
	EXPECT_ERR_IN(NULL, "<TMPL_INCLUDE ok.html>", NULL,
	    "(string):1: include \"ok.html\" without a template directory");
	EXPECT_IN(NULL, "no include", NULL, "no include");
}
END_TEST

START_TEST(include_recursion_and_depth)
{
	char name[32], body[64];

	put_file("self.html", "x<TMPL_INCLUDE self.html>");
	put_file("a.html", "\n<TMPL_INCLUDE b.html>");
	put_file("b.html", "<TMPL_IF x><TMPL_INCLUDE a.html></TMPL_IF>");
	EXPECT_ERR("<TMPL_INCLUDE self.html>",
	    "self.html:1: recursive include of \"self.html\"");
	EXPECT_ERR("<TMPL_INCLUDE a.html>",
	    "b.html:1: recursive include of \"a.html\"");
	ck_assert_int_eq(render_file(cache, "a.html", NULL), -1);
	ck_assert_str_eq(ERR, "b.html:1: recursive include of \"a.html\"");

	/* d0 includes d1 ... d16: sixteen levels are fine, seventeen not */
	for (int i = 0; i <= 17; i++) {
		ck_assert_int_eq(str_fmt(name, sizeof(name), "d%d.html", i), 0);
		ck_assert_int_eq(str_fmt(body, sizeof(body),
		    "%d<TMPL_INCLUDE d%d.html>", i, i + 1), 0);
		put_file(name, i == 17 ? "end" : body);
	}
	ck_assert_int_eq(render_file(cache, "d1.html", NULL), 0);
	ck_assert_str_eq(OUT, "12345678910111213141516end");
	ck_assert_int_eq(render_file(cache, "d0.html", NULL), -1);
	ck_assert_str_eq(ERR, "d0.html:1: includes nested deeper than 16");
	/* same with a cold cache: the depth is found while parsing */
	ck_assert_int_eq(render_file(scache, "d0.html", NULL), -1);
	ck_assert_str_eq(ERR, "d16.html:1: includes nested deeper than 16");
	EXPECT_ERR("<TMPL_INCLUDE d1.html>",
	    "(string):1: includes nested deeper than 16");
}
END_TEST

START_TEST(render_file_errors)
{
	put_file("nul.html", "a");
	ck_assert_int_eq(render_file(cache, "missing.html", NULL), -1);
	ck_assert_str_eq(ERR, "missing.html: template \"missing.html\" not "
	    "readable: No such file or directory");
	ck_assert_int_eq(render_file(cache, "../x.html", NULL), -1);
	ck_assert_str_eq(ERR, "../x.html: bad template path");
	ck_assert_int_eq(render_file(cache, "/etc/passwd", NULL), -1);
	ck_assert_str_eq(ERR, "/etc/passwd: bad template path");
	{
		/* NUL bytes are refused */
		char path[256];
		FILE *f;

		str_fmt(path, sizeof(path), "%s/nul.html", tmpdir);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fwrite("a\0b", 1, 3, f);
		fclose(f);
	}
	ck_assert_int_eq(render_file(cache, "nul.html", NULL), -1);
	ck_assert_ptr_nonnull(strstr(ERR, "nul.html: template \"nul.html\" "
	    "not readable"));
}
END_TEST

/* ---- parse errors ----------------------------------------------------- */

START_TEST(parse_errors)
{
	EXPECT_ERR("a\n<TMPL_IF x>\nb", "(string):2: unclosed TMPL_IF");
	EXPECT_ERR("<TMPL_LOOP x>\n<TMPL_IF y>\n</TMPL_LOOP>",
	    "(string):3: </TMPL_LOOP> closes TMPL_IF opened at line 2");
	EXPECT_ERR("\n\n<TMPL_LOOP x>", "(string):3: unclosed TMPL_LOOP");
	EXPECT_ERR("x<TMPL_ELSE>", "(string):1: TMPL_ELSE without TMPL_IF");
	EXPECT_ERR("<TMPL_LOOP l><TMPL_ELSE></TMPL_LOOP>",
	    "(string):1: TMPL_ELSE without TMPL_IF");
	EXPECT_ERR("\n<TMPL_ELSIF x>", "(string):2: TMPL_ELSIF without TMPL_IF");
	EXPECT_ERR("<TMPL_IF a><TMPL_ELSE>\n<TMPL_ELSIF b></TMPL_IF>",
	    "(string):2: TMPL_ELSIF after TMPL_ELSE");
	EXPECT_ERR("<TMPL_IF a><TMPL_ELSE><TMPL_ELSE></TMPL_IF>",
	    "(string):1: TMPL_ELSE after TMPL_ELSE");
	EXPECT_ERR("</TMPL_IF>", "(string):1: </TMPL_IF> without TMPL_IF");
	EXPECT_ERR("\n\n\n<TMPL_FOO x>", "(string):4: unknown tag <TMPL_FOO>");
	EXPECT_ERR("<tmpl_>", "(string):1: unknown tag <TMPL_>");
	EXPECT_ERR("<TMPL_VARIABLE x>",
	    "(string):1: unknown tag <TMPL_VARIABLE>");
	EXPECT_ERR("</TMPL_VAR>", "(string):1: unknown tag </TMPL_VAR>");
	EXPECT_ERR("<TMPL_VAR-x>", "(string):1: bad character after TMPL_VAR");
	EXPECT_ERR("</TMPL_IF x>", "(string):1: bad closing tag </TMPL_IF>");
	EXPECT_ERR("<TMPL_VAR x FOO=1>",
	    "(string):1: unknown attribute \"FOO\" in TMPL_VAR");
	EXPECT_ERR("<TMPL_VAR x VALUE=1>",
	    "(string):1: unknown attribute \"VALUE\" in TMPL_VAR");
	EXPECT_ERR("<TMPL_VAR x NAME=y>", "(string):1: duplicate NAME in TMPL_VAR");
	EXPECT_ERR("<TMPL_VAR x y>", "(string):1: duplicate NAME in TMPL_VAR");
	EXPECT_ERR("<TMPL_VAR NAME=\"x>", "(string):1: unterminated quoted value");
	EXPECT_ERR("<TMPL_VAR NAME=\"x\"y>",
	    "(string):1: bad attribute after quoted value");
	EXPECT_ERR("<TMPL_VAR NAME=>", "(string):1: missing attribute value");
	EXPECT_ERR("<TMPL_VAR x=\"y>", "(string):1: unknown attribute \"x\" "
	    "in TMPL_VAR");
	EXPECT_ERR("<TMPL_VAR a\"b>", "(string):1: bad attribute value");
	EXPECT_ERR("<TMPL_VAR =x>", "(string):1: unknown attribute \"\" in "
	    "TMPL_VAR");
	EXPECT_ERR("<TMPL_VAR>", "(string):1: TMPL_VAR needs a name");
	EXPECT_ERR("<TMPL_VAR \"a b\">", "(string):1: bad variable name \"a b\"");
	EXPECT_ERR("<TMPL_IF x><TMPL_ELSE y></TMPL_IF>",
	    "(string):1: TMPL_ELSE takes no attributes");
	EXPECT_ERR("<TMPL_LOOP x DEFAULT=1></TMPL_LOOP>",
	    "(string):1: unknown attribute \"DEFAULT\" in TMPL_LOOP");
}
END_TEST

/* ---- strict mode ------------------------------------------------------ */

START_TEST(strict_mode)
{
	struct tmpl_vars *v = tmpl_vars_new(), *r;

	tmpl_set(v, "a", "A");
	EXPECT_ERR_IN(scache, "ok\n<TMPL_VAR missing>", v,
	    "(string):2: variable missing is not set");
	EXPECT_IN(scache, "<TMPL_VAR missing DEFAULT=\"d\">", v, "d");
	EXPECT_IN(scache, "<TMPL_VAR missing DEFAULT=''>.", v, ".");
	EXPECT_IN(scache, "<TMPL_IF missing>x<TMPL_ELSE>y</TMPL_IF>", v, "y");
	EXPECT_IN(scache, "<TMPL_LOOP missing>x</TMPL_LOOP>.", v, ".");
	/* unset but in a branch not taken: fine */
	EXPECT_IN(scache, "<TMPL_IF no><TMPL_VAR missing></TMPL_IF>.", v, ".");
	/* outer scope satisfies lookups from a row; a row's var does not
	 * leak out of the loop */
	r = tmpl_loop_add(v, "rows");
	tmpl_set(r, "inner", "i");
	EXPECT_IN(scache, "<TMPL_LOOP rows><TMPL_VAR a><TMPL_VAR inner>"
	    "<TMPL_VAR __index__></TMPL_LOOP>", v, "Ai1");
	EXPECT_ERR_IN(scache, "<TMPL_LOOP rows></TMPL_LOOP><TMPL_VAR inner>",
	    v, "(string):1: variable inner is not set");
	EXPECT_ERR_IN(scache, "<TMPL_VAR __first__>", v,
	    "(string):1: variable __first__ is not set");
	/* lenient mode prints nothing for the same template */
	EXPECT_IN(cache, "ok\n<TMPL_VAR missing>", v, "ok\n");
	/* strict failure in an include names the included file */
	put_file("inc.html", "\n\n<TMPL_VAR nope>");
	EXPECT_ERR_IN(scache, "<TMPL_INCLUDE inc.html>", v,
	    "inc.html:3: variable nope is not set");
	tmpl_vars_free(v);
}
END_TEST

/* ---- hostile templates ------------------------------------------------ */

START_TEST(hostile_corpus)
{
	static const char *const corpus[] = {
		"<TMPL_VAR", "<TMPL_VAR ", "<TMPL_VAR x", "<TMPL_VAR x ",
		"<TMPL_VAR NAME=", "<TMPL_VAR NAME=\"", "<TMPL_VAR NAME='x",
		"<TMPL_", "</TMPL_", "</TMPL_IF", "<", "<*", "<* *", "*>",
		"<TMPL_IF x>", "</TMPL_LOOP>", "<TMPL_LOOP x><TMPL_IF y>",
		"<TMPL_IF x></TMPL_LOOP>", "<TMPL_INCLUDE", "<TMPL_VAR x>>>",
		"<<<TMPL_VAR x>", "<TMPL_VAR <TMPL_VAR x>>",
		"<TMPL_VAR x ESCAPE>", "<TMPL_VAR x ESCAPE=>",
		"<TMPL_VAR \"\">", "<TMPL_VAR ''>", "<TMPL_ELSE>",
		"\xff\xfe<TMPL_VAR \xc3\xa9>",
		"<TMPL_IF x VALUE=\"a\" VALUE=\"b\"></TMPL_IF>",
		"<TMPL_INCLUDE \"./\">", "<TMPL_INCLUDE a//>",
	};

	for (size_t i = 0; i < ARRAY_LEN(corpus); i++) {
		int rc = render(cache, corpus[i], NULL);

		ck_assert_msg(rc == 0 || rc == -1, "rc %d", rc);
		if (rc == -1)
			ck_assert_msg(str_starts(ERR, "(string):"),
			    "%s -> %s", corpus[i], ERR);
		rc = render(scache, corpus[i], NULL);
		ck_assert_msg(rc == 0 || rc == -1, "rc %d", rc);
	}
	/* the ones that are plainly broken are errors, not passed through */
	EXPECT_ERR("x\n<TMPL_VAR", "(string):2: unterminated TMPL_VAR tag");
	EXPECT_ERR("<TMPL_VAR x", "(string):1: unterminated TMPL_VAR tag");
	EXPECT_ERR("<TMPL_", "(string):1: unknown tag <TMPL_>");
	EXPECT_ERR("<TMPL_VAR NAME='x", "(string):1: unterminated quoted value");
	EXPECT("<TMPL_VAR x>>>", NULL, ">>");
	EXPECT("<<<TMPL_VAR x>", NULL, "<<");
	EXPECT("< *", NULL, "< *");
}
END_TEST

START_TEST(hostile_deep_nesting)
{
	struct buf src;
	struct tmpl_vars *v = tmpl_vars_new();

	buf_init(&src, 0);
	for (int i = 0; i < 5000; i++)
		buf_puts(&src, "<TMPL_IF x>");
	for (int i = 0; i < 5000; i++)
		buf_puts(&src, "</TMPL_IF>");
	EXPECT_ERR(buf_cstr(&src), "(string):1: blocks nested deeper than 64");

	/* 64 levels are fine */
	buf_reset(&src);
	tmpl_set(v, "x", "1");
	for (int i = 0; i < 64; i++)
		buf_puts(&src, "<TMPL_IF x>");
	buf_puts(&src, "deep");
	for (int i = 0; i < 64; i++)
		buf_puts(&src, "</TMPL_IF>");
	EXPECT(buf_cstr(&src), v, "deep");

	/* loops too, with a row chain as deep as the vars allow */
	{
		struct tmpl_vars *row = v;

		buf_reset(&src);
		for (int i = 0; i < 64; i++) {
			row = tmpl_loop_add(row, "l");
			ck_assert_ptr_nonnull(row);
			buf_puts(&src, "<TMPL_LOOP l>");
		}
		tmpl_set(row, "leaf", "L");
		buf_puts(&src, "<TMPL_VAR leaf><TMPL_VAR x>");
		for (int i = 0; i < 64; i++)
			buf_puts(&src, "</TMPL_LOOP>");
		EXPECT(buf_cstr(&src), v, "L1");
	}
	buf_free(&src);
	tmpl_vars_free(v);
}
END_TEST

START_TEST(hostile_huge_attribute)
{
	struct buf src, want;
	struct tmpl_vars *v = tmpl_vars_new();

	buf_init(&src, 0);
	buf_init(&want, 0);
	buf_puts(&src, "<TMPL_VAR x DEFAULT=\"");
	for (int i = 0; i < 100000; i++) {
		buf_puts(&src, "<>");
		buf_puts(&want, "&lt;&gt;");
	}
	buf_puts(&src, "\">");
	EXPECT(buf_cstr(&src), v, buf_cstr(&want));
	/* a huge unterminated attribute is a clean error */
	buf_reset(&src);
	buf_puts(&src, "<TMPL_VAR NAME=\"");
	for (int i = 0; i < 100000; i++)
		buf_puts(&src, "a\n");
	EXPECT_ERR(buf_cstr(&src), "(string):1: unterminated quoted value");
	/* a huge name is refused without echoing all of it */
	buf_reset(&src);
	buf_puts(&src, "<TMPL_VAR ");
	for (int i = 0; i < 100000; i++)
		buf_puts(&src, "a");
	buf_puts(&src, "!>");
	ck_assert_int_eq(render(cache, buf_cstr(&src), v), -1);
	ck_assert_str_eq(ERR, "(string):1: bad variable name "
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
	buf_free(&src);
	buf_free(&want);
	tmpl_vars_free(v);
}
END_TEST

START_TEST(output_limit)
{
	struct buf small;
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "x", "<<<<");
	buf_init(&small, 10);
	buf_reset(&err);
	ck_assert_int_eq(tmpl_render_string(cache, "ab\n<TMPL_VAR x>", v,
	    &small, &err), -1);
	ck_assert_str_eq(buf_cstr(&err), "(string):2: output too large");
	buf_reset(&small);
	buf_reset(&err);
	ck_assert_int_eq(tmpl_render_string(cache, "0123456789A", v,
	    &small, &err), -1);
	ck_assert_str_eq(buf_cstr(&err), "(string):1: output too large");
	/* a NULL err is allowed */
	ck_assert_int_eq(tmpl_render_string(cache, "<TMPL_BAD>", v, &small,
	    NULL), -1);
	buf_free(&small);
	tmpl_vars_free(v);
}
END_TEST

static Suite *
tmpl_suite(void)
{
	Suite *s = suite_create("tmpl");
	TCase *tc = tcase_create("tmpl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, escape_html);
	tcase_add_test(tc, escape_attr);
	tcase_add_test(tc, escape_url);
	tcase_add_test(tc, escape_js);
	tcase_add_test(tc, escape_overflow);
	tcase_add_test(tc, vars_api);
	tcase_add_test(tc, vars_depth_limit);
	tcase_add_test(tc, var_forms);
	tcase_add_test(tc, var_escape_contexts);
	tcase_add_test(tc, var_default);
	tcase_add_test(tc, if_truthiness);
	tcase_add_test(tc, if_elsif_chain);
	tcase_add_test(tc, if_value);
	tcase_add_test(tc, if_nested_and_unless);
	tcase_add_test(tc, loop_basic_and_helpers);
	tcase_add_test(tc, loop_nested_scopes);
	tcase_add_test(tc, loop_type_errors);
	tcase_add_test(tc, loop_thousand_rows);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, include_found);
	tcase_add_test(tc, include_is_cached);
	tcase_add_test(tc, include_errors);
	tcase_add_test(tc, include_recursion_and_depth);
	tcase_add_test(tc, render_file_errors);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, strict_mode);
	tcase_add_test(tc, hostile_corpus);
	tcase_add_test(tc, hostile_deep_nesting);
	tcase_add_test(tc, hostile_huge_attribute);
	tcase_add_test(tc, output_limit);
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
