/* Store-level cases against the test MariaDB (ITEST_CONFIG from env.sh):
 * catalog, profile search and paging, statement math on a hand-made ledger,
 * snapshots, batches (with concurrent steps), the A/R summary and API keys.
 * A suite adds them with store_cases_add(); each case makes its own rows,
 * named with a fresh tag, so cases can share one database. */
#include "common.h"

#include <check.h>
#include <pthread.h>

#include "apikey.h"
#include "audit.h"
#include "catalog.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"

#include "store_cases.h"

struct config cfg;
struct db *db;
const struct actor staff = { "staff", 1, "127.0.0.1" };

void
store_setup(void)
{
	const char *path = getenv("ITEST_CONFIG");
	char err[256];

	ck_assert_msg(path != NULL, "ITEST_CONFIG is not set (source the env)");
	ck_assert_msg(config_load(&cfg, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert(crypto_init() == 0);
	db = db_new(&cfg);
	ck_assert(db != NULL);
	ck_assert_msg(db_ensure(db) == DB_OK, "%s", db_error(db));
}

void
store_teardown(void)
{
	db_close(db);
	db = NULL;
	config_free(&cfg);
}

/* A fresh lowercase tag ("t" + 12 hex digits) for unique names. */
void
tag_new(char *out, size_t outsz)
{
	unsigned char r[6];
	char hex[13];

	ck_assert(crypto_random(r, sizeof(r)) == 0);
	crypto_hex(r, sizeof(r), hex);
	str_fmt(out, outsz, "t%s", hex);
}

int64_t
exec_id(const char *sql, const struct db_param *p, size_t n)
{
	uint64_t id = 0;
	int rc = db_exec(db, sql, p, n, NULL, &id);

	ck_assert_msg(rc == DB_OK, "%s: %s", sql, db_error(db));
	return (int64_t)id;
}

int64_t
query_i64(const char *sql, const struct db_param *p, size_t n)
{
	struct db_result r;
	int64_t v;

	ck_assert_msg(db_query(db, sql, p, n, &r) == DB_OK, "%s", db_error(db));
	v = db_i64(&r, 0, 0);
	db_result_free(&r);
	return v;
}

void
date_rel(int64_t days_from_today, char out[11])
{
	date_fmt(date_today() + days_from_today, out, 11);
}

/* --- hand-made ledger rows ------------------------------------------------ */

int64_t
mk_account(const char *name, int64_t location_id)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	str_copy(a.name, sizeof(a.name), name);
	str_copy(a.address1, sizeof(a.address1), "12 Elm St");
	str_copy(a.city, sizeof(a.city), "Springfield");
	str_copy(a.region, sizeof(a.region), "IL");
	str_copy(a.postal_code, sizeof(a.postal_code), "62701");
	a.location_id = location_id;
	ck_assert_int_eq(account_save(db, &staff, &a), PROF_OK);
	return a.id;
}

static int64_t
mk_client(int64_t account_id, const char *first, const char *last,
    const char *email)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	c.account_id = account_id;
	str_copy(c.first_name, sizeof(c.first_name), first);
	str_copy(c.last_name, sizeof(c.last_name), last);
	str_copy(c.email, sizeof(c.email), email);
	ck_assert_int_eq(client_save(db, &staff, &c), PROF_OK);
	return c.id;
}

/* An invoice row with the given status and dates, numbered from the real
 * invoice sequence (into number) so the numbers stay gap-free for
 * `ledger verify` and whatever test runs after these cases. */
static const char *
next_invoice_number(char number[40])
{
	int64_t seq = exec_id("UPDATE sequences SET next_value ="
	    " LAST_INSERT_ID(next_value) + 1 WHERE name = 'invoice'", NULL, 0);

	ck_assert(seq >= 1);
	str_fmt(number, 40, "INV-%06" PRId64, seq);
	return number;
}

int64_t
mk_invoice(char number[40], int64_t account, int64_t client,
    const char *status, const char *date, const char *due)
{
	struct db_param p[] = { DB_STR(next_invoice_number(number)), DB_I64(account),
	    client ? DB_I64(client) : DB_NULL, DB_STR(status), DB_STR(date),
	    DB_STR(due), DB_I64(clock_now()), DB_I64(clock_now()) };

	return exec_id("INSERT INTO invoices (number, account_id, client_id,"
	    " payment_type_id, status, invoice_date, due_date, notes, created_at,"
	    " updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, '', ?, ?)", p, ARRAY_LEN(p));
}

int64_t
mk_payment(int64_t account, int64_t client, const char *method, int64_t amount,
    const char *date, const char *ref)
{
	struct db_param p[] = { DB_I64(account), client ? DB_I64(client) : DB_NULL,
	    DB_STR(method), DB_I64(amount), DB_STR(date), DB_STR(ref),
	    DB_I64(clock_now()) };

	return exec_id("INSERT INTO payments (account_id, client_id, method, amount,"
	    " status, received_date, reference, created_at)"
	    " VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?)", p, ARRAY_LEN(p));
}

void
mk_entry(const char *kind, int64_t amount, const char *date, int64_t account,
    int64_t client, int64_t invoice, int64_t payment, const char *memo)
{
	struct db_param p[] = { DB_STR(kind), DB_I64(amount), DB_STR(date),
	    DB_I64(account), client ? DB_I64(client) : DB_NULL,
	    invoice ? DB_I64(invoice) : DB_NULL, payment ? DB_I64(payment) : DB_NULL,
	    DB_I64(clock_now()), DB_STR(memo) };

	exec_id("INSERT INTO ledger_entries (kind, amount, entry_date, account_id,"
	    " client_id, invoice_id, payment_id, created_at, memo)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p));
}

void
mk_alloc(int64_t payment, int64_t invoice, int64_t amount)
{
	struct db_param p[] = { DB_I64(payment), DB_I64(invoice), DB_I64(amount),
	    DB_I64(clock_now()) };

	exec_id("INSERT INTO allocations (payment_id, invoice_id, amount, created_at)"
	    " VALUES (?, ?, ?, ?)", p, ARRAY_LEN(p));
}

/* --- catalog -------------------------------------------------------------- */

START_TEST(catalog_save_dup_update_list)
{
	char tag[16], name[64];
	struct location l, got, *ls;
	struct service s, *ss;
	struct payment_type t, *ts;
	size_t n;
	int64_t audits;

	tag_new(tag, sizeof(tag));
	memset(&l, 0, sizeof(l));
	str_fmt(l.name, sizeof(l.name), "%s Zeta clinic", tag);
	l.active = 1;
	ck_assert_int_eq(location_save(db, &staff, &l), CAT_OK);
	ck_assert(l.id > 0);
	memset(&got, 0, sizeof(got));
	str_copy(got.name, sizeof(got.name), l.name);
	got.active = 1;
	ck_assert_int_eq(location_save(db, &staff, &got), CAT_DUP);
	ck_assert(got.id == 0);

	str_fmt(l.name, sizeof(l.name), "%s Alpha clinic", tag);
	str_copy(l.address, sizeof(l.address), "1 Main St");
	ck_assert_int_eq(location_save(db, &staff, &l), CAT_OK);
	ck_assert_int_eq(location_get(db, l.id, &got), CAT_OK);
	ck_assert_str_eq(got.name, l.name);
	ck_assert_str_eq(got.address, "1 Main St");
	{
		struct db_param p[] = { DB_I64(l.id) };
		audits = query_i64("SELECT COUNT(*) FROM audit_log WHERE object_type ="
		    " 'location' AND object_id = ? AND action = 'location.update'"
		    " AND detail LIKE '%Zeta clinic -> %Alpha clinic%'", p, 1);
		ck_assert(audits == 1);
	}
	ck_assert_int_eq(location_get(db, INT64_C(999999999), &got), CAT_NOT_FOUND);
	got.id = INT64_C(999999999);
	ck_assert_int_eq(location_save(db, &staff, &got), CAT_NOT_FOUND);

	/* Inactive rows drop out of active lists; lists are ordered by name. */
	memset(&got, 0, sizeof(got));
	str_fmt(got.name, sizeof(got.name), "%s Beta clinic", tag);
	got.active = 0;
	ck_assert_int_eq(location_save(db, &staff, &got), CAT_OK);
	ck_assert_int_eq(location_list(db, 0, &ls, &n), CAT_OK);
	{
		int seen_alpha = -1, seen_beta = -1, seen_zeta = -1;
		for (size_t i = 0; i < n; i++) {
			if (ls[i].id == l.id)
				seen_alpha = (int)i;
			if (ls[i].id == got.id)
				seen_beta = (int)i;
			if (strstr(ls[i].name, "Zeta") && str_starts(ls[i].name, tag))
				seen_zeta = (int)i;
		}
		ck_assert(seen_alpha >= 0 && seen_beta == seen_alpha + 1);
		ck_assert(seen_zeta == -1);	/* renamed, not copied */
	}
	free(ls);
	ck_assert_int_eq(location_list(db, 1, &ls, &n), CAT_OK);
	for (size_t i = 0; i < n; i++)
		ck_assert(ls[i].id != got.id);
	free(ls);

	memset(&s, 0, sizeof(s));
	str_fmt(s.code, sizeof(s.code), "%s", tag);
	str_copy(s.name, sizeof(s.name), "Individual therapy");
	s.default_rate = 15000;
	s.active = 1;
	ck_assert_int_eq(service_save(db, &staff, &s), CAT_OK);
	s.id = 0;
	ck_assert_int_eq(service_save(db, &staff, &s), CAT_DUP);
	{
		struct service s2 = s;
		int at_b = -1, at_a = -1;

		s.id = 0;
		str_fmt(s.code, sizeof(s.code), "%sb", tag);
		ck_assert_int_eq(service_save(db, &staff, &s), CAT_OK);
		s2.id = 0;
		str_fmt(s2.code, sizeof(s2.code), "%sa", tag);
		s2.active = 0;
		ck_assert_int_eq(service_save(db, &staff, &s2), CAT_OK);
		ck_assert_int_eq(service_list(db, 0, &ss, &n), CAT_OK);
		for (size_t i = 0; i < n; i++) {
			if (ss[i].id == s.id)
				at_b = (int)i;
			if (ss[i].id == s2.id)
				at_a = (int)i;
		}
		ck_assert(at_a >= 0 && at_b == at_a + 1);	/* by code */
		ck_assert(ss[at_b].default_rate == 15000 && ss[at_a].active == 0);
		free(ss);
		ck_assert_int_eq(service_list(db, 1, &ss, &n), CAT_OK);
		for (size_t i = 0; i < n; i++)
			ck_assert(ss[i].id != s2.id);
		free(ss);
	}

	memset(&t, 0, sizeof(t));
	str_fmt(t.code, sizeof(t.code), "%s", tag);
	str_fmt(name, sizeof(name), "%s grant", tag);
	str_copy(t.name, sizeof(t.name), name);
	t.active = 1;
	t.sort = 15;
	ck_assert_int_eq(payment_type_save(db, &staff, &t), CAT_OK);
	ck_assert_int_eq(payment_type_list(db, 1, &ts, &n), CAT_OK);
	for (size_t i = 1; i < n; i++)
		ck_assert(ts[i - 1].sort <= ts[i].sort);
	free(ts);
}
END_TEST

/* --- profiles ------------------------------------------------------------- */

START_TEST(account_email_null_dup_and_client_own_account)
{
	char tag[16], email[80];
	struct account a, b;
	struct client c, d;

	tag_new(tag, sizeof(tag));
	memset(&a, 0, sizeof(a));
	str_fmt(a.name, sizeof(a.name), "%s One", tag);
	ck_assert_int_eq(account_save(db, &staff, &a), PROF_OK);
	memset(&b, 0, sizeof(b));
	str_fmt(b.name, sizeof(b.name), "%s Two", tag);
	ck_assert_int_eq(account_save(db, &staff, &b), PROF_OK);	/* "" twice */
	{
		struct db_param p[] = { DB_I64(a.id) };
		ck_assert(query_i64("SELECT email IS NULL FROM accounts WHERE id = ?",
		    p, 1) == 1);
	}
	str_fmt(email, sizeof(email), "%s@example.test", tag);
	str_copy(a.email, sizeof(a.email), email);
	ck_assert_int_eq(account_save(db, &staff, &a), PROF_OK);
	str_copy(b.email, sizeof(b.email), email);
	ck_assert_int_eq(account_save(db, &staff, &b), PROF_DUP_EMAIL);

	/* A client without an account pays for themself; the account takes the
	 * email only while no other account has it. */
	memset(&c, 0, sizeof(c));
	str_copy(c.first_name, sizeof(c.first_name), "Jane");
	str_fmt(c.last_name, sizeof(c.last_name), "%s", tag);
	str_fmt(c.email, sizeof(c.email), "%s.jane@example.test", tag);
	str_copy(c.phone, sizeof(c.phone), "555-0100");
	ck_assert_int_eq(client_save(db, &staff, &c), PROF_OK);
	ck_assert(c.account_id > 0);
	ck_assert_str_eq(c.stage, "inquiry");
	ck_assert_int_eq(account_get(db, c.account_id, &b), PROF_OK);
	ck_assert_str_eq(b.email, c.email);
	ck_assert_str_eq(b.phone, "555-0100");
	{
		char want[210];
		str_fmt(want, sizeof(want), "Jane %s", tag);
		ck_assert_str_eq(b.name, want);
	}
	memset(&d, 0, sizeof(d));
	str_copy(d.first_name, sizeof(d.first_name), "Jim");
	str_fmt(d.last_name, sizeof(d.last_name), "%s", tag);
	str_copy(d.email, sizeof(d.email), c.email);
	ck_assert_int_eq(client_save(db, &staff, &d), PROF_OK);
	ck_assert(d.account_id != c.account_id);
	ck_assert_int_eq(account_get(db, d.account_id, &b), PROF_OK);
	ck_assert_str_eq(b.email, "");

	ck_assert_int_eq(client_convert(db, &staff, c.id), PROF_OK);
	ck_assert_int_eq(client_get(db, c.id, &d), PROF_OK);
	ck_assert_str_eq(d.stage, "client");
	ck_assert(d.converted_at > 0);
	ck_assert_int_eq(client_convert(db, &staff, c.id), PROF_NOT_INQUIRY);
	ck_assert_int_eq(client_convert(db, &staff, INT64_C(999999999)),
	    PROF_NOT_FOUND);
	memset(&d, 0, sizeof(d));
	d.account_id = INT64_C(999999999);
	str_copy(d.first_name, sizeof(d.first_name), "No");
	str_copy(d.last_name, sizeof(d.last_name), "Account");
	ck_assert_int_eq(client_save(db, &staff, &d), PROF_NOT_FOUND);
}
END_TEST

START_TEST(account_search_prefix_id_paging_escape)
{
	char tag[16], q[40];
	int64_t ids[5];
	struct account *out;
	struct page_req pg;
	size_t n;
	int more;

	tag_new(tag, sizeof(tag));
	for (int i = 0; i < 5; i++) {
		char name[64];
		str_fmt(name, sizeof(name), "%s_%d", tag, i);
		ids[i] = mk_account(name, 0);
	}
	/* Newest first, two per page, keyset by id. */
	memset(&pg, 0, sizeof(pg));
	pg.q = tag;
	pg.limit = 2;
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 2 && more == 1);
	ck_assert(out[0].id == ids[4] && out[1].id == ids[3]);
	pg.before_id = out[1].id;
	free(out);
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 2 && more == 1 && out[0].id == ids[2]);
	pg.before_id = out[1].id;
	free(out);
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 1 && more == 0 && out[0].id == ids[0]);
	free(out);

	/* Case-insensitive prefix; "_" is a literal, not a wildcard. */
	str_fmt(q, sizeof(q), "%s_3", tag);
	for (char *c = q; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	pg.q = q;
	pg.before_id = 0;
	pg.limit = 50;
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 1 && out[0].id == ids[3]);
	free(out);
	str_fmt(q, sizeof(q), "%.12s_", tag);	/* "t<11 hex>_": _ must not match */
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 0);
	free(out);
	pg.q = "%";
	pg.limit = 5;
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	for (size_t i = 0; i < n; i++)
		ck_assert(out[i].name[0] == '%');
	free(out);

	str_fmt(q, sizeof(q), "%" PRId64, ids[1]);
	pg.q = q;
	ck_assert_int_eq(account_search(db, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n >= 1);
	{
		int found = 0;
		for (size_t i = 0; i < n; i++)
			found |= out[i].id == ids[1];
		ck_assert(found);
	}
	free(out);
}
END_TEST

START_TEST(client_search_names_stage_email)
{
	char tag[16], last[64], q[80];
	int64_t acc, c1, c2, c3;
	struct client *out;
	struct page_req pg;
	size_t n;
	int more;

	tag_new(tag, sizeof(tag));
	acc = mk_account(tag, 0);
	str_fmt(last, sizeof(last), "%sdoe", tag);
	str_fmt(q, sizeof(q), "%s.mail@example.test", tag);
	c1 = mk_client(acc, "Alice", last, "");
	c2 = mk_client(acc, "Bob", last, "");
	c3 = mk_client(acc, tag, "Smith", q);
	ck_assert_int_eq(client_convert(db, &staff, c2), PROF_OK);

	memset(&pg, 0, sizeof(pg));
	pg.limit = 10;
	pg.q = tag;	/* last-name prefix of c1, c2; first name of c3; email of c3 */
	ck_assert_int_eq(client_search(db, NULL, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 3 && more == 0);
	ck_assert(out[0].id == c3 && out[1].id == c2 && out[2].id == c1);
	ck_assert_str_eq(out[0].account_name, tag);
	free(out);
	ck_assert_int_eq(client_search(db, "inquiry", &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 2 && out[0].id == c3 && out[1].id == c1);
	free(out);
	ck_assert_int_eq(client_search(db, "client", &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 1 && out[0].id == c2);
	free(out);
	str_fmt(q, sizeof(q), "alice %s", tag);	/* "First Last" */
	pg.q = q;
	ck_assert_int_eq(client_search(db, NULL, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 1 && out[0].id == c1);
	free(out);
	str_fmt(q, sizeof(q), "%s.mail@", tag);
	ck_assert_int_eq(client_search(db, NULL, &pg, &out, &n, &more), PROF_OK);
	ck_assert(n == 1 && out[0].id == c3);
	free(out);
	str_fmt(q, sizeof(q), "%" PRId64, c2);
	ck_assert_int_eq(client_search(db, "client", &pg, &out, &n, &more), PROF_OK);
	ck_assert(n >= 1 && out[0].id == c2);
	free(out);
	ck_assert_int_eq(account_clients(db, acc, &out, &n), PROF_OK);
	ck_assert(n == 3 && out[0].id == c1);
	free(out);
}
END_TEST

/* --- statements ----------------------------------------------------------- */

/* The hand-made ledger of the statement cases (see the comments for the
 * numbers each case checks). */
struct fixture {
	char	 tag[16];
	int64_t	 acc, c1, c2, i1, i2, i3, i4, p1, p2;
	char	 n1[40], n3[40];
};

static void
mk_fixture(struct fixture *f)
{
	char num[40];

	tag_new(f->tag, sizeof(f->tag));
	f->acc = mk_account(f->tag, 0);
	f->c1 = mk_client(f->acc, "Ann", f->tag, "");
	f->c2 = mk_client(f->acc, "Ben", f->tag, "");
	/* I1 (Ann): 10000 - 1000 discount, due 01-20, paid 6000 by P1. */
	f->i1 = mk_invoice(f->n1, f->acc, f->c1, "issued", "2026-01-05", "2026-01-20");
	mk_entry("charge", 10000, "2026-01-05", f->acc, f->c1, f->i1, 0, "Therapy");
	mk_entry("discount", -1000, "2026-01-05", f->acc, f->c1, f->i1, 0,
	    "Discount: Therapy");
	/* I4 (account level): 2000 on 02-01, voided 02-05. */
	f->i4 = mk_invoice(num, f->acc, 0, "void", "2026-02-01", "2026-02-15");
	mk_entry("charge", 2000, "2026-02-01", f->acc, 0, f->i4, 0, "Intake");
	f->p1 = mk_payment(f->acc, f->c1, "check", 6000, "2026-02-01", "1001");
	mk_entry("payment", -6000, "2026-02-01", f->acc, f->c1, 0, f->p1, "check 1001");
	mk_alloc(f->p1, f->i1, 6000);
	mk_entry("adjustment", -2000, "2026-02-05", f->acc, 0, f->i4, 0, "Void: dup");
	/* I2 (Ben): 5000, due 02-25, 2000 of P2 allocated. */
	f->i2 = mk_invoice(num, f->acc, f->c2, "issued", "2026-02-10", "2026-02-25");
	mk_entry("charge", 5000, "2026-02-10", f->acc, f->c2, f->i2, 0, "Assessment");
	/* I3 (Ann): 7000, due 03-31, 500 written off. */
	f->i3 = mk_invoice(f->n3, f->acc, f->c1, "issued", "2026-03-01", "2026-03-31");
	mk_entry("charge", 7000, "2026-03-01", f->acc, f->c1, f->i3, 0, "Therapy 2");
	mk_entry("writeoff", -500, "2026-03-15", f->acc, f->c1, f->i3, 0, "Hardship");
	/* Recorded after the write-off, dated before it: lines go by date. */
	f->p2 = mk_payment(f->acc, 0, "cash", 3000, "2026-03-10", "");
	mk_entry("payment", -3000, "2026-03-10", f->acc, 0, 0, f->p2, "cash");
	mk_alloc(f->p2, f->i2, 2000);
	mk_entry("refund", 500, "2026-03-20", f->acc, 0, 0, f->p2, "");
	/* Outside the period: not a line, not in the opening. */
	mk_entry("charge", 100, "2026-04-02", f->acc, f->c2, f->i2, 0, "Late fee");
}

START_TEST(statement_account_math_and_aging)
{
	static const int64_t amounts[] = { 2000, -6000, -2000, 5000, 7000, -3000,
	    -500, 500 };
	static const int64_t running[] = { 11000, 5000, 3000, 8000, 15000, 12000,
	    11500, 12000 };
	struct fixture f;
	struct statement st;
	char want[120], today[11];

	mk_fixture(&f);
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2026-02-01", "2026-03-31",
	    &st), ST_OK);
	ck_assert(st.opening == 9000);	/* 10000 - 1000 before 02-01 */
	ck_assert_uint_eq(st.nlines, 8);
	for (size_t i = 0; i < st.nlines; i++) {
		ck_assert_msg(st.lines[i].amount == amounts[i], "line %zu", i);
		ck_assert_msg(st.lines[i].running == running[i], "line %zu", i);
	}
	ck_assert(st.closing == 12000 && st.amount_due == 12000);
	ck_assert_str_eq(st.lines[0].date, "2026-02-01");
	ck_assert_str_eq(st.lines[1].kind, "payment");
	ck_assert_str_eq(st.lines[1].description, "Payment \xe2\x80\x94 check 1001");
	ck_assert_str_eq(st.lines[5].description, "Payment \xe2\x80\x94 cash");
	str_fmt(want, sizeof(want), "%s Therapy 2", f.n3);
	ck_assert_str_eq(st.lines[4].description, want);
	str_fmt(want, sizeof(want), "%s Hardship", f.n3);
	ck_assert_str_eq(st.lines[6].description, want);
	ck_assert_str_eq(st.lines[7].description, "Refund");
	/* Open at 03-31: I1 3000 is 70 days past due, I2 3000 (the April fee
	 * comes later) 34 days, I3 6500 due that day; void I4 not at all. */
	ck_assert(st.aging[0] == 6500 && st.aging[1] == 0 && st.aging[2] == 3000 &&
	    st.aging[3] == 3000 && st.aging[4] == 0);
	/* Aging 12500 - closing 12000: P2's 3000 less 2000 applied and 500
	 * refunded is unapplied credit, a printed line. */
	ck_assert(st.unapplied == 500 && st.account_credit == 0);
	ck_assert_str_eq(st.account_name, f.tag);
	ck_assert_str_eq(st.address[0], "12 Elm St");
	ck_assert_str_eq(st.address[1], "Springfield, IL 62701");
	ck_assert_str_eq(st.address[2], "");
	date_rel(0, today);
	ck_assert_str_eq(st.statement_date, today);
	date_rel(STATEMENT_DUE_DAYS, today);
	ck_assert_str_eq(st.due_date, today);
	statement_free(&st);

	/* Aging is as of the period's end: in January only I1 existed, 11 days
	 * past due, and P1 (received 02-01) had not paid it yet. */
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2026-01-01", "2026-01-31",
	    &st), ST_OK);
	ck_assert(st.opening == 0 && st.closing == 9000 && st.nlines == 2);
	ck_assert(st.aging[0] == 0 && st.aging[1] == 9000 && st.aging[2] == 0 &&
	    st.aging[3] == 0 && st.aging[4] == 0);
	statement_free(&st);

	/* One client: Ann's invoices' entries and the money applied to them. */
	ck_assert_int_eq(statement_preview(db, f.acc, f.c1, "2026-02-01",
	    "2026-03-31", &st), ST_OK);
	ck_assert(st.opening == 9000 && st.closing == 9500);
	ck_assert(st.unapplied == 0 && st.account_credit == 500);
	ck_assert_uint_eq(st.nlines, 3);
	str_fmt(want, sizeof(want), "Payment \xe2\x80\x94 check 1001, applied to %s",
	    f.n1);
	ck_assert_str_eq(st.lines[0].description, want);
	ck_assert(st.lines[0].amount == -6000 && st.lines[0].running == 3000);
	ck_assert(st.lines[2].amount == -500 && st.lines[2].running == 9500);
	ck_assert(st.aging[0] == 6500 && st.aging[3] == 3000 && st.aging[2] == 0);
	str_fmt(want, sizeof(want), "Ann %s", f.tag);
	ck_assert_str_eq(st.client_name, want);
	statement_free(&st);

	/* Ben: the account's cash payment P2 applied 2000 to his I2 counts
	 * for him, dated by the payment. */
	ck_assert_int_eq(statement_preview(db, f.acc, f.c2, "2026-03-01",
	    "2026-03-31", &st), ST_OK);
	ck_assert(st.opening == 5000 && st.closing == 3000 && st.nlines == 1);
	ck_assert(st.lines[0].amount == -2000 && st.amount_due == 3000);
	ck_assert(st.aging[2] == 3000 && st.unapplied == 0);
	statement_free(&st);
	/* Ben's own payment applied to nothing is account credit: shown as
	 * available, not subtracted from what he owes. */
	{
		int64_t p = mk_payment(f.acc, f.c2, "other", 9000, "2026-03-05", "x");
		mk_entry("payment", -9000, "2026-03-05", f.acc, f.c2, 0, p, "other x");
	}
	ck_assert_int_eq(statement_preview(db, f.acc, f.c2, "2026-03-01",
	    "2026-03-31", &st), ST_OK);
	ck_assert(st.closing == 3000 && st.amount_due == 3000);
	ck_assert(st.account_credit == 9500 && st.unapplied == 0);
	statement_free(&st);
	/* The account's statement subtracts that credit on its own line:
	 * aging 12500 - unapplied 9500 = closing 3000. */
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2026-03-01",
	    "2026-03-31", &st), ST_OK);
	ck_assert(st.closing == 3000 && st.unapplied == 9500);
	ck_assert(st.aging[0] + st.aging[1] + st.aging[2] + st.aging[3] +
	    st.aging[4] == 12500);
	statement_free(&st);
}
END_TEST

START_TEST(statement_rejects_bad_ranges_and_owners)
{
	struct fixture f;
	struct statement st;
	int64_t other;

	mk_fixture(&f);
	other = mk_account("other", 0);
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2026-03-01", "2026-02-28",
	    &st), ST_INVALID);
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2010-01-01", "2026-01-01",
	    &st), ST_INVALID);
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2026-02-30", "2026-03-01",
	    &st), ST_INVALID);
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2016-01-01", "2025-12-31",
	    &st), ST_OK);
	statement_free(&st);
	ck_assert_int_eq(statement_preview(db, INT64_C(999999999), 0, "2026-01-01",
	    "2026-01-31", &st), ST_NOT_FOUND);
	ck_assert_int_eq(statement_preview(db, other, f.c1, "2026-01-01",
	    "2026-01-31", &st), ST_NOT_FOUND);
}
END_TEST

START_TEST(statement_generate_snapshot_is_immutable)
{
	struct fixture f;
	struct statement pre, st, *list;
	int64_t id = 0, id2 = 0, seq;
	size_t n;

	mk_fixture(&f);
	seq = query_i64("SELECT next_value FROM sequences WHERE name = 'statement'",
	    NULL, 0);
	ck_assert_int_eq(statement_preview(db, f.acc, 0, "2026-02-01", "2026-03-31",
	    &pre), ST_OK);
	ck_assert_int_eq(statement_generate(db, &staff, f.acc, 0, "2026-02-01",
	    "2026-03-31", 0, &id), ST_OK);
	ck_assert(id > 0);
	/* Changes after generation do not touch what the client was told. */
	mk_entry("adjustment", 250, "2026-03-02", f.acc, f.c1, f.i3, 0, "Late");
	ck_assert_int_eq(statement_get(db, id, &st), ST_OK);
	ck_assert(st.id == id && st.account_id == f.acc && st.client_id == 0);
	ck_assert(strncmp(st.number, "STMT-", 5) == 0 && strlen(st.number) >= 11);
	ck_assert(st.opening == pre.opening && st.closing == pre.closing);
	ck_assert(st.amount_due == pre.amount_due && st.nlines == pre.nlines);
	ck_assert(memcmp(st.aging, pre.aging, sizeof(st.aging)) == 0);
	for (size_t i = 0; i < st.nlines; i++) {
		ck_assert_str_eq(st.lines[i].description, pre.lines[i].description);
		ck_assert(st.lines[i].running == pre.lines[i].running);
	}
	ck_assert_str_eq(st.address[1], pre.address[1]);
	ck_assert_str_eq(st.period_end, "2026-03-31");
	{
		char want[40];
		str_fmt(want, sizeof(want), "STMT-%06" PRId64, seq);
		ck_assert_str_eq(st.number, want);	/* gap-free: the next value */
	}
	statement_free(&st);
	statement_free(&pre);

	ck_assert_int_eq(statement_generate(db, &staff, f.acc, f.c1, "2026-02-01",
	    "2026-03-31", 0, &id2), ST_OK);
	ck_assert_int_eq(statement_get(db, id2, &st), ST_OK);
	ck_assert(st.closing == 9750);	/* 9500 + the later adjustment */
	statement_free(&st);
	ck_assert_int_eq(statement_list(db, f.acc, &list, &n), ST_OK);
	ck_assert(n == 2 && list[0].id == id2 && list[1].id == id);
	ck_assert(list[1].closing == 12000 && list[0].client_id == f.c1);
	free(list);
	ck_assert_int_eq(statement_get(db, INT64_C(999999999), &st), ST_NOT_FOUND);
	{
		struct db_param p[] = { DB_I64(id) };
		ck_assert(query_i64("SELECT COUNT(*) FROM audit_log WHERE action ="
		    " 'statement.generate' AND object_id = ?", p, 1) == 1);
	}
}
END_TEST

/* --- batches and A/R ------------------------------------------------------ */

/* --- API keys ------------------------------------------------------------- */

START_TEST(apikey_create_lookup_revoke)
{
	char token[128], bad[128];
	struct api_key k;
	int64_t id = 0;

	ck_assert(apikey_create(db, "store test", "nosuchrole", token,
	    sizeof(token), &id) < 0);
	ck_assert(apikey_create(db, "store test", "billing", token, sizeof(token),
	    &id) == 0);
	ck_assert(id > 0);
	ck_assert(strncmp(token, "bk_", 3) == 0 && strlen(token) == 55 &&
	    token[11] == '_');
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(apikey_lookup(db, token, &k), 1);
	ck_assert(k.id == id);
	ck_assert_str_eq(k.role, "billing");
	ck_assert(strncmp(k.prefix, token + 3, 8) == 0 && strlen(k.prefix) == 8);
	{
		struct db_param p[] = { DB_I64(id) };
		ck_assert(query_i64("SELECT COUNT(*) FROM api_keys WHERE id = ? AND"
		    " last_used_at IS NOT NULL AND key_hash <> ''", p, 1) == 1);
	}
	str_copy(bad, sizeof(bad), token);
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(apikey_lookup(db, bad, &k), 0);
	ck_assert_int_eq(apikey_lookup(db, "", &k), 0);
	ck_assert_int_eq(apikey_revoke(db, id), 0);
	ck_assert_int_eq(apikey_lookup(db, token, &k), 0);
	ck_assert_int_eq(apikey_revoke(db, id), 1);
}
END_TEST

void
store_cases_add(Suite *s)
{
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, catalog_save_dup_update_list);
	tcase_add_test(tc, account_email_null_dup_and_client_own_account);
	tcase_add_test(tc, account_search_prefix_id_paging_escape);
	tcase_add_test(tc, client_search_names_stage_email);
	tcase_add_test(tc, statement_account_math_and_aging);
	tcase_add_test(tc, statement_rejects_bad_ranges_and_owners);
	tcase_add_test(tc, statement_generate_snapshot_is_immutable);
	store_batch_cases_add(tc);
	tcase_add_test(tc, apikey_create_lookup_revoke);
	suite_add_tcase(s, tc);
}
