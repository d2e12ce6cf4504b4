/* Unit tests: buffers, strings, money, clock, crypto, config. */
#include "common.h"

#include <check.h>

#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "datefmt.h"
#include "money.h"
#include "str.h"

/* --- buf ------------------------------------------------------------------ */

START_TEST(buf_grows_and_stays_terminated)
{
	struct buf b;

	buf_init(&b, 1024);
	ck_assert_str_eq(buf_cstr(&b), "");
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(buf_putc(&b, 'x'), 0);
	ck_assert_uint_eq(b.len, 100);
	ck_assert_int_eq(b.data[100], '\0');
	ck_assert_int_eq(buf_printf(&b, "%d-%s", 42, "y"), 0);
	ck_assert_str_eq(buf_cstr(&b) + 100, "42-y");
	buf_reset(&b);
	ck_assert_str_eq(buf_cstr(&b), "");
	buf_free(&b);
}
END_TEST

START_TEST(buf_enforces_limit)
{
	struct buf b;

	buf_init(&b, 8);
	ck_assert_int_eq(buf_puts(&b, "12345678"), 0);
	ck_assert_int_eq(buf_putc(&b, '9'), -1);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(buf_cstr(&b), "12345678");
	ck_assert_int_eq(buf_printf(&b, "%s", "more"), -1);
	ck_assert_str_eq(buf_cstr(&b), "12345678");
	buf_free(&b);
	buf_init(&b, 4);
	ck_assert_int_eq(buf_append(&b, "abcdef", SIZE_MAX), -1);
	buf_free(&b);
}
END_TEST

START_TEST(buf_detach_hands_over)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	buf_puts(&b, "hello");
	s = buf_detach(&b);
	ck_assert_str_eq(s, "hello");
	ck_assert_uint_eq(b.len, 0);
	free(s);
	s = buf_detach(&b);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* --- str ------------------------------------------------------------------ */

START_TEST(str_to_i64_strict)
{
	int64_t v = 7;

	ck_assert_int_eq(str_to_i64("123", 0, 1000, &v), 0);
	ck_assert_int_eq(v, 123);
	ck_assert_int_eq(str_to_i64("-5", -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(str_to_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	ck_assert(v == INT64_MAX);
	ck_assert_int_eq(str_to_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	ck_assert(v == INT64_MIN);
	v = 7;
	ck_assert_int_eq(str_to_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -1);
	ck_assert_int_eq(str_to_i64("12a", 0, 1000, &v), -1);
	ck_assert_int_eq(str_to_i64(" 12", 0, 1000, &v), -1);
	ck_assert_int_eq(str_to_i64("", 0, 1000, &v), -1);
	ck_assert_int_eq(str_to_i64("-", -5, 1000, &v), -1);
	ck_assert_int_eq(str_to_i64("1001", 0, 1000, &v), -1);
	ck_assert_int_eq(v, 7);
}
END_TEST

START_TEST(str_copy_and_fmt_report_truncation)
{
	char small[4];

	ck_assert_int_eq(str_copy(small, sizeof(small), "abc"), 0);
	ck_assert_str_eq(small, "abc");
	ck_assert_int_eq(str_copy(small, sizeof(small), "abcd"), -1);
	ck_assert_str_eq(small, "abc");
	ck_assert_int_eq(str_fmt(small, sizeof(small), "%d", 12), 0);
	ck_assert_int_eq(str_fmt(small, sizeof(small), "%d", 1234), -1);
}
END_TEST

START_TEST(str_utf8_validation)
{
	ck_assert(str_utf8_valid("plain", 5));
	ck_assert(str_utf8_valid("caf\xc3\xa9", 5));
	ck_assert(str_utf8_valid("\xe2\x82\xac", 3));		/* euro */
	ck_assert(str_utf8_valid("\xf0\x9f\x98\x80", 4));	/* emoji */
	ck_assert(!str_utf8_valid("\xc0\xaf", 2));		/* overlong '/' */
	ck_assert(!str_utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	ck_assert(!str_utf8_valid("\xe2\x82", 2));		/* truncated */
	ck_assert(!str_utf8_valid("a\0b", 3));			/* NUL */
	ck_assert(!str_utf8_valid("\xff", 1));
	ck_assert(!str_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
}
END_TEST

/* Email addresses SMTP and a To header take (notices, the mailer). */
START_TEST(str_email_addresses)
{
	static const char *const good[] = { "a@b.c", "ana.lopez+bill@clinic.example",
	    "x@localhost" };
	static const char *const bad[] = { "", "a@", "@b.c", "a@@b.c", "a@b@c",
	    "a b@c.d", "a@.c", "a@c.", "a<b@c.d", "a@c.d\n", "\xc3\xa1@b.c",
	    "a,b@c.d" };
	char longest[STR_EMAIL_MAX + 2];

	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		ck_assert_msg(str_email_ok(good[i]), "refused %s", good[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(!str_email_ok(bad[i]), "took %s", bad[i]);
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memcpy(longest + sizeof(longest) - 8, "@b.test", 7);
	ck_assert(!str_email_ok(longest));		/* 255 bytes */
	ck_assert(str_email_ok(longest + 1));		/* 254 bytes */
}
END_TEST

START_TEST(str_trim_both_ends)
{
	char s[] = "  \t hi there \n";
	char e[] = "   ";

	ck_assert_str_eq(str_trim(s), "hi there");
	ck_assert_str_eq(str_trim(e), "");
}
END_TEST

START_TEST(str_hexval_digits)
{
	ck_assert_int_eq(str_hexval('0'), 0);
	ck_assert_int_eq(str_hexval('9'), 9);
	ck_assert_int_eq(str_hexval('a'), 10);
	ck_assert_int_eq(str_hexval('F'), 15);
	ck_assert_int_eq(str_hexval('g'), -1);
	ck_assert_int_eq(str_hexval('%'), -1);
	ck_assert_int_eq(str_hexval('\0'), -1);
}
END_TEST

START_TEST(date_split_make_month_days)
{
	int y, m, d;

	date_split(0, &y, &m, &d);
	ck_assert(y == 1970 && m == 1 && d == 1);
	date_split(date_make(2024, 2, 29), &y, &m, &d);
	ck_assert(y == 2024 && m == 2 && d == 29);
	ck_assert_int_eq(date_make(1969, 12, 31), -1);
	ck_assert_int_eq(date_month_days(2024, 2), 29);
	ck_assert_int_eq(date_month_days(2100, 2), 28);
	ck_assert_int_eq(date_month_days(2000, 2), 29);
	ck_assert_int_eq(date_month_days(2023, 12), 31);
}
END_TEST

/* --- money ---------------------------------------------------------------- */

START_TEST(money_formats)
{
	char out[MONEY_FMT_MAX];

	money_format(0, out, sizeof(out));
	ck_assert_str_eq(out, "$0.00");
	money_format(5, out, sizeof(out));
	ck_assert_str_eq(out, "$0.05");
	money_format(123456, out, sizeof(out));
	ck_assert_str_eq(out, "$1,234.56");
	money_format(-100, out, sizeof(out));
	ck_assert_str_eq(out, "-$1.00");
	money_format(100000000, out, sizeof(out));
	ck_assert_str_eq(out, "$1,000,000.00");
	money_format(INT64_MIN, out, sizeof(out));
	ck_assert_str_eq(out, "-$92,233,720,368,547,758.08");
	money_format_plain(-123456, out, sizeof(out));
	ck_assert_str_eq(out, "-1234.56");
	ck_assert_int_eq(money_format(123456, out, 5), -1);
}
END_TEST

START_TEST(money_parses)
{
	static const struct {
		const char *in;
		int ok;
		int64_t cents;
	} cases[] = {
		{ "12", 1, 1200 }, { "12.3", 1, 1230 }, { "12.34", 1, 1234 },
		{ "$1,234.56", 1, 123456 }, { " 7 ", 1, 700 }, { "-3.10", 1, -310 },
		{ "0.05", 1, 5 }, { ".5", 1, 50 }, { "-$2", 1, -200 },
		{ "12.345", 0, 0 }, { "abc", 0, 0 }, { "", 0, 0 }, { "1.2.3", 0, 0 },
		{ "12 34", 0, 0 }, { "1e5", 0, 0 }, { "$", 0, 0 }, { ",12", 0, 0 },
		{ "999999999999.99", 1, 99999999999999 },
		{ "1000000000000.00", 0, 0 }, { "99999999999999999999", 0, 0 },
		{ "0x10", 0, 0 }, { "--1", 0, 0 }, { "1-", 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t v = -999;
		int rc = money_parse(cases[i].in, &v);
		ck_assert_msg((rc == 0) == cases[i].ok, "money_parse(\"%s\") rc %d",
		    cases[i].in, rc);
		if (cases[i].ok)
			ck_assert_msg(v == cases[i].cents, "money_parse(\"%s\") = %" PRId64,
			    cases[i].in, v);
		else
			ck_assert(v == -999);
	}
}
END_TEST

START_TEST(money_percent_rounds_half_away_from_zero)
{
	int64_t v;

	ck_assert_int_eq(money_percent(10000, 1000, &v), 0);	/* 10% of $100 */
	ck_assert(v == 1000);
	money_percent(5, 1000, &v);	/* 10% of 5c = 0.5c -> 1c */
	ck_assert(v == 1);
	money_percent(-5, 1000, &v);
	ck_assert(v == -1);
	money_percent(4, 1000, &v);	/* 0.4c -> 0 */
	ck_assert(v == 0);
	money_percent(12345, 1250, &v);	/* 12.5% of 123.45 = 15.43125 -> 15.43 */
	ck_assert(v == 1543);
	money_percent(1999, 3333, &v);	/* 666.2667c -> 666c */
	ck_assert(v == 666);
	money_percent(INT64_MAX, 10000, &v);
	ck_assert(v == INT64_MAX);
	ck_assert_int_eq(money_percent(INT64_MAX, 20000, &v), -1);
}
END_TEST

/* --- clock ---------------------------------------------------------------- */

START_TEST(clock_can_be_fixed)
{
	char d[32];

	clock_set(1700000000);
	ck_assert(clock_now() == 1700000000);
	clock_fmt_date(clock_now(), d, sizeof(d));
	ck_assert_str_eq(d, "2023-11-14");
	clock_fmt_datetime(clock_now(), d, sizeof(d));
	ck_assert_str_eq(d, "2023-11-14 22:13:20");
	clock_set(0);
	ck_assert(clock_now() > 1700000000);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert(f != NULL);
	ck_assert(fputs(text, f) >= 0);
	ck_assert(fclose(f) == 0);
}

/* BILLING_CLOCK_FILE moves "now" for every process of a test stack. */
START_TEST(clock_follows_the_clock_file)
{
	char path[] = "/tmp/test_core_clock.XXXXXX";
	int fd = mkstemp(path);
	int64_t real;

	ck_assert(fd != -1);
	close(fd);
	ck_assert(setenv("BILLING_CLOCK_FILE", path, 1) == 0);
	write_file(path, "@1800000000\n");
	ck_assert(clock_now() == 1800000000);
	real = (int64_t)time(NULL);
	write_file(path, "+86400\n");
	ck_assert(clock_now() >= real + 86400 && clock_now() <= real + 86400 + 5);
	write_file(path, "-60");
	ck_assert(clock_now() >= real - 60 && clock_now() <= real - 55);
	clock_set(1700000000);		/* clock_set() wins */
	ck_assert(clock_now() == 1700000000);
	clock_set(0);
	write_file(path, "@12x");	/* malformed: the real clock */
	ck_assert(clock_now() >= real && clock_now() <= real + 5);
	write_file(path, "");
	ck_assert(clock_now() >= real && clock_now() <= real + 5);
	ck_assert(unlink(path) == 0);	/* missing: the real clock */
	ck_assert(clock_now() >= real && clock_now() <= real + 5);
	ck_assert(unsetenv("BILLING_CLOCK_FILE") == 0);
}
END_TEST

/* --- crypto --------------------------------------------------------------- */

static void
hmac_hex(const void *key, size_t klen, const char *msg, char out[65])
{
	unsigned char mac[CRYPTO_SHA256_LEN];

	crypto_hmac_sha256(key, klen, msg, strlen(msg), mac);
	crypto_hex(mac, sizeof(mac), out);
}

START_TEST(crypto_sha256_vectors)
{
	char hex[CRYPTO_SHA256_HEX];

	crypto_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(crypto_hmac_rfc4231)
{
	unsigned char k1[20], k6[131];
	char hex[65];

	memset(k1, 0x0b, sizeof(k1));
	hmac_hex(k1, sizeof(k1), "Hi There", hex);		/* test case 1 */
	ck_assert_str_eq(hex,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_hex("Jefe", 4, "what do ya want for nothing?", hex);	/* case 2 */
	ck_assert_str_eq(hex,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k6, 0xaa, sizeof(k6));				/* case 6 */
	hmac_hex(k6, sizeof(k6),
	    "Test Using Larger Than Block-Size Key - Hash Key First", hex);
	ck_assert_str_eq(hex,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	hmac_hex(k6, sizeof(k6), "This is a test using a larger than block-size "
	    "key and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.", hex);	/* case 7 */
	ck_assert_str_eq(hex,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}
END_TEST

START_TEST(crypto_tokens_are_random_base64url)
{
	char a[CRYPTO_TOKEN_MAX], b[CRYPTO_TOKEN_MAX];

	ck_assert_int_eq(crypto_token(a, sizeof(a), 32), 0);
	ck_assert_int_eq(crypto_token(b, sizeof(b), 32), 0);
	ck_assert_uint_eq(strlen(a), 43);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_"), 43);
	ck_assert_int_eq(crypto_token(a, 10, 32), -1);
}
END_TEST

START_TEST(crypto_constant_time_compare)
{
	ck_assert(crypto_streq("abc", "abc"));
	ck_assert(!crypto_streq("abc", "abd"));
	ck_assert(!crypto_streq("abc", "abcd"));
	ck_assert(!crypto_streq("", "a"));
	ck_assert(crypto_eq("xyz", "xyq", 2));
}
END_TEST

START_TEST(crypto_password_argon2id)
{
	char h[CRYPTO_PWHASH_MAX], h2[CRYPTO_PWHASH_MAX];

	ck_assert_int_eq(crypto_init(), 0);
	ck_assert_int_eq(crypto_password_hash("correct horse", h), 0);
	ck_assert(strncmp(h, "$argon2id$", 10) == 0);
	ck_assert(crypto_password_verify(h, "correct horse"));
	ck_assert(!crypto_password_verify(h, "correct horsE"));
	ck_assert(!crypto_password_verify("garbage", "correct horse"));
	ck_assert_int_eq(crypto_password_hash("correct horse", h2), 0);
	ck_assert_str_ne(h, h2);	/* salted */
}
END_TEST

/* A sealed token opens only with the same secret and purpose, untouched;
 * the sealed text never shows the token and differs each time. */
START_TEST(crypto_seal_round_trip)
{
	const char *key = "0123456789abcdef0123456789abcdef-key";
	const char *tok = "Zm9vYmFyYmF6cXV4LXRva2VuLWZvci1hLWxpbmstdGVzdA";
	char a[CRYPTO_SEALED_MAX], b[CRYPTO_SEALED_MAX], out[CRYPTO_TOKEN_MAX + 1];

	ck_assert_int_eq(crypto_init(), 0);
	ck_assert_int_eq(crypto_seal(key, "p1", tok, a, sizeof(a)), 0);
	ck_assert_int_eq(crypto_seal(key, "p1", tok, b, sizeof(b)), 0);
	ck_assert_str_ne(a, b);
	ck_assert_ptr_null(strstr(a, tok));
	ck_assert_int_eq(crypto_open(key, "p1", a, out, sizeof(out)), 0);
	ck_assert_str_eq(out, tok);
	ck_assert_int_eq(crypto_open(key, "p2", a, out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_open("another-secret-of-32-characters!!", "p1", a,
	    out, sizeof(out)), -1);
	a[10] = a[10] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(crypto_open(key, "p1", a, out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_open(key, "p1", "not base64 !", out, sizeof(out)),
	    -1);
}
END_TEST

/* --- config --------------------------------------------------------------- */

START_TEST(config_file_and_env)
{
	char path[] = "/tmp/billing-cfg-XXXXXX", err[512];
	struct config c;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "# comment\nworkers = 3\nsecret_key = %s\n db_name=clinic \n",
	    "0123456789abcdef0123456789abcdef");
	fclose(f);
	setenv("DB_NAME", "fromenv", 1);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_int_eq(c.workers, 3);
	ck_assert_str_eq(c.db_name, "fromenv");
	ck_assert_int_eq(c.session_idle, 1800);
	config_free(&c);
	unsetenv("DB_NAME");

	f = fopen(path, "w");
	fprintf(f, "workers = many\n");
	fclose(f);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":1: workers must be an integer") != NULL, "%s", err);
	config_free(&c);

	f = fopen(path, "w");
	fprintf(f, "wrokers = 2\n");
	fclose(f);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "unknown key \"wrokers\"") != NULL, "%s", err);
	config_free(&c);

	f = fopen(path, "w");
	fprintf(f, "secret_key = short\n");
	fclose(f);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "at least 32") != NULL, "%s", err);
	config_free(&c);
	unlink(path);
}
END_TEST

/* config_load of "listen = <listen>\n<more>" with a valid secret key. */
static int
config_with(struct config *c, const char *listen, const char *more, char *err,
    size_t errsz)
{
	char path[] = "/tmp/billing-cfg-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f = fdopen(fd, "w");

	fprintf(f, "listen = %s\n%ssecret_key = %s\n", listen, more,
	    "0123456789abcdef0123456789abcdef");
	fclose(f);
	rc = config_load(c, path, err, errsz);
	unlink(path);
	return rc;
}

/* The webhook pool's socket: beside a unix listen socket unless set, none
 * for host:port, never the listen socket itself; 16 workers. */
START_TEST(config_webhook_socket)
{
	char err[512];
	struct config c;

	ck_assert_int_eq(config_with(&c, "/run/b/billingd.sock", "", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.webhook_socket, "/run/b/billingd-webhook.sock");
	ck_assert_int_eq(c.webhook_workers, 16);
	config_free(&c);
	ck_assert_int_eq(config_with(&c, "/tmp/fcgi", "", err, sizeof(err)), 0);
	ck_assert_str_eq(c.webhook_socket, "/tmp/fcgi-webhook.sock");
	config_free(&c);
	ck_assert_int_eq(config_with(&c, "10.0.0.21:9000", "", err, sizeof(err)), 0);
	ck_assert_str_eq(c.webhook_socket, "");
	config_free(&c);
	ck_assert_int_eq(config_with(&c, "10.0.0.21:9000",
	    "webhook_socket = 10.0.0.21:9001\nwebhook_workers = 4\n", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.webhook_socket, "10.0.0.21:9001");
	ck_assert_int_eq(c.webhook_workers, 4);
	config_free(&c);
	ck_assert_int_eq(config_with(&c, "/run/b/x.sock",
	    "webhook_socket = /run/b/x.sock\n", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "webhook_socket must differ") != NULL, "%s", err);
	config_free(&c);
}
END_TEST

/* db_hosts: the Galera nodes in order, with the socket form for a local one;
 * without it the single db_socket / db_host:db_port. */
START_TEST(config_db_hosts)
{
	char path[] = "/tmp/billing-cfg-XXXXXX", err[512];
	struct config c;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "secret_key = 0123456789abcdef0123456789abcdef\ndb_port = 3307\n"
	    "db_hosts = 10.0.0.1:3306, db2 ,/run/mysqld/mysqld.sock,[fd00::1]:3310\n");
	fclose(f);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.ndb_nodes, 4);
	ck_assert_str_eq(c.db_nodes[0].host, "10.0.0.1");
	ck_assert_int_eq(c.db_nodes[0].port, 3306);
	ck_assert_str_eq(c.db_nodes[1].host, "db2");
	ck_assert_int_eq(c.db_nodes[1].port, 3307);	/* db_port by default */
	ck_assert_str_eq(c.db_nodes[2].socket, "/run/mysqld/mysqld.sock");
	ck_assert_str_eq(c.db_nodes[3].host, "fd00::1");
	ck_assert_int_eq(c.db_nodes[3].port, 3310);
	config_free(&c);

	setenv("DB_HOSTS", "db1:99999", 1);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "db_hosts: bad entry \"db1:99999\"") != NULL, "%s", err);
	config_free(&c);
	setenv("DB_HOSTS", " , ", 1);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "db_hosts: no entry") != NULL, "%s", err);
	config_free(&c);
	unsetenv("DB_HOSTS");

	f = fopen(path, "w");
	fprintf(f, "secret_key = 0123456789abcdef0123456789abcdef\n"
	    "db_socket = /tmp/x.sock\n");
	fclose(f);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.ndb_nodes, 1);
	ck_assert_str_eq(c.db_nodes[0].socket, "/tmp/x.sock");
	config_free(&c);
	unlink(path);
}
END_TEST

/* Hand-computed: month ends, a leap day, year ends, both languages. */
START_TEST(datefmt_per_language)
{
	static const struct { const char *iso, *en, *es, *en_short, *es_short; } t[] = {
		{ "2026-12-04", "December 4, 2026", "4 de diciembre de 2026",
		    "Dec 4, 2026", "4 dic. 2026" },
		{ "2026-01-31", "January 31, 2026", "31 de enero de 2026",
		    "Jan 31, 2026", "31 ene. 2026" },
		{ "2026-02-28", "February 28, 2026", "28 de febrero de 2026",
		    "Feb 28, 2026", "28 feb. 2026" },
		{ "2024-02-29", "February 29, 2024", "29 de febrero de 2024",
		    "Feb 29, 2024", "29 feb. 2024" },
		{ "2026-04-30", "April 30, 2026", "30 de abril de 2026",
		    "Apr 30, 2026", "30 abr. 2026" },
		{ "2026-09-30", "September 30, 2026", "30 de septiembre de 2026",
		    "Sep 30, 2026", "30 sept. 2026" },
		{ "2026-12-31", "December 31, 2026", "31 de diciembre de 2026",
		    "Dec 31, 2026", "31 dic. 2026" },
		{ "2027-01-01", "January 1, 2027", "1 de enero de 2027",
		    "Jan 1, 2027", "1 ene. 2027" },
		{ "1970-01-01", "January 1, 1970", "1 de enero de 1970",
		    "Jan 1, 1970", "1 ene. 1970" },
	};
	char out[64];
	int64_t days;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(date_parse(t[i].iso, &days), 0);
		ck_assert_int_eq(datefmt_long("en", days, out, sizeof(out)), 0);
		ck_assert_str_eq(out, t[i].en);
		ck_assert_int_eq(datefmt_long("es", days, out, sizeof(out)), 0);
		ck_assert_str_eq(out, t[i].es);
		ck_assert_int_eq(datefmt_short("en", days, out, sizeof(out)), 0);
		ck_assert_str_eq(out, t[i].en_short);
		ck_assert_int_eq(datefmt_short("es", days, out, sizeof(out)), 0);
		ck_assert_str_eq(out, t[i].es_short);
		/* a stored date reads the same */
		ck_assert_int_eq(datefmt_text("es", t[i].iso, out, sizeof(out)), 0);
		ck_assert_str_eq(out, t[i].es);
	}
	/* unknown languages are English; too small a buffer is an error */
	ck_assert_int_eq(date_parse("2026-12-04", &days), 0);
	ck_assert_int_eq(datefmt_long("pt", days, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "December 4, 2026");
	ck_assert_int_eq(datefmt_long("es", days, out, 10), -1);
}
END_TEST

START_TEST(datefmt_times_and_stored_text)
{
	char out[64];

	/* 2026-12-04 23:59:59 UTC is still the 4th; a second later the 5th */
	ck_assert_int_eq(datefmt_time("en", INT64_C(1796428799), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "December 4, 2026, 23:59 UTC");
	ck_assert_int_eq(datefmt_time("es", INT64_C(1796428800), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "5 de diciembre de 2026, 00:00 UTC");
	/* 2026-02-28 12:05 UTC, the last day of February */
	ck_assert_int_eq(datefmt_time("es", INT64_C(1772280300), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "28 de febrero de 2026, 12:05 UTC");
	ck_assert_int_eq(datefmt_text("en", "2026-03-31 08:30:15", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "March 31, 2026, 08:30 UTC");
	ck_assert_int_eq(datefmt_text("es", "2026-03-31 08:30", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "31 de marzo de 2026, 08:30 UTC");
	/* not a date: unchanged */
	ck_assert_int_eq(datefmt_text("es", "12/2027", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "12/2027");
	ck_assert_int_eq(datefmt_text("en", "2026-02-30", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "2026-02-30");
	ck_assert_int_eq(datefmt_text("en", "2026-12-04 24:00:00", out, sizeof(out)), 1);
	ck_assert_int_eq(datefmt_text("en", "", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, buf_grows_and_stays_terminated);
	tcase_add_test(tc, buf_enforces_limit);
	tcase_add_test(tc, buf_detach_hands_over);
	tcase_add_test(tc, str_to_i64_strict);
	tcase_add_test(tc, str_copy_and_fmt_report_truncation);
	tcase_add_test(tc, str_utf8_validation);
	tcase_add_test(tc, str_trim_both_ends);
	tcase_add_test(tc, str_email_addresses);
	tcase_add_test(tc, str_hexval_digits);
	tcase_add_test(tc, date_split_make_month_days);
	tcase_add_test(tc, money_formats);
	tcase_add_test(tc, money_parses);
	tcase_add_test(tc, money_percent_rounds_half_away_from_zero);
	tcase_add_test(tc, clock_can_be_fixed);
	tcase_add_test(tc, datefmt_per_language);
	tcase_add_test(tc, datefmt_times_and_stored_text);
	tcase_add_test(tc, clock_follows_the_clock_file);
	tcase_add_test(tc, crypto_sha256_vectors);
	tcase_add_test(tc, crypto_hmac_rfc4231);
	tcase_add_test(tc, crypto_tokens_are_random_base64url);
	tcase_add_test(tc, crypto_constant_time_compare);
	tcase_add_test(tc, crypto_password_argon2id);
	tcase_add_test(tc, crypto_seal_round_trip);
	tcase_add_test(tc, config_file_and_env);
	tcase_add_test(tc, config_webhook_socket);
	tcase_add_test(tc, config_db_hosts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
