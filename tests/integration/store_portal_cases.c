/* Store-level cases of the portal's families against the test MariaDB
 * (ITEST_CONFIG from env.sh): which activation/reset links still open,
 * and how pay link lookups are counted per IP. Each case makes its own
 * rows, named with a fresh tag, so cases can share one database. */
#include "common.h"

#include <check.h>

#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "store_paylink.h"
#include "store_portal_login.h"
#include "store_profile.h"
#include "store_cases.h"
#include "str.h"

void	 store_portal_cases_add(Suite *);


/* 1 when the link of hash opens (for the purpose), with its account. */
static int
opens(const char *hash, const char *purpose, int64_t account_id, int lock)
{
	int64_t id = 0, acct = 0;
	int rc;

	rc = store_portal_login_token_find(db, hash, purpose, clock_now(), lock,
	    &id, &acct);
	ck_assert_msg(rc >= 0, "%s", db_error(db));
	ck_assert(rc == 0 || (id > 0 && acct == account_id));
	return rc;
}

/* A link opens only while unused, not superseded, not expired, for its
 * purpose, and sent to the account's current email. */
START_TEST(portal_link_opens_only_while_valid)
{
	struct store_account a;
	char tag[16], h1[CRYPTO_SHA256_HEX], h2[CRYPTO_SHA256_HEX],
	    h3[CRYPTO_SHA256_HEX];
	int64_t now = clock_now(), tid = 0, acct = 0;

	tag_new(tag, sizeof(tag));
	memset(&a, 0, sizeof(a));
	str_fmt(a.name, sizeof(a.name), "Link %s", tag);
	str_fmt(a.email, sizeof(a.email), "%s@example.test", tag);
	ck_assert_int_eq(store_profile_account_insert(db, &a, now, &a.id), DB_OK);
	crypto_sha256_hex(tag, 4, h1);
	crypto_sha256_hex(tag, 5, h2);
	crypto_sha256_hex(tag, 6, h3);
	ck_assert_int_eq(store_portal_login_token_insert(db, a.id, "activate", h1,
	    a.email, now, now + 3600, 0), DB_OK);
	ck_assert_int_eq(store_portal_login_token_insert(db, a.id, "activate", h2,
	    a.email, now - 7200, now - 1, 0), DB_OK);
	ck_assert_int_eq(opens(h1, "activate", a.id, 0), 1);
	ck_assert_int_eq(opens(h1, "activate", a.id, 1), 1);
	ck_assert_int_eq(opens(h1, "reset", a.id, 0), 0);
	ck_assert_int_eq(opens(h2, "activate", a.id, 0), 0);	/* expired */

	/* The account's email changes: the link sent to the old one is dead. */
	str_fmt(a.email, sizeof(a.email), "new.%s@example.test", tag);
	ck_assert_int_eq(store_profile_account_update(db, &a, now), DB_OK);
	ck_assert_int_eq(opens(h1, "activate", a.id, 0), 0);
	str_fmt(a.email, sizeof(a.email), "%s@example.test", tag);
	ck_assert_int_eq(store_profile_account_update(db, &a, now), DB_OK);
	ck_assert_int_eq(opens(h1, "activate", a.id, 0), 1);

	/* Used: no longer opens. A new one superseded by the next issue. */
	ck_assert_int_eq(store_portal_login_token_find(db, h1, "activate", now, 1,
	    &tid, &acct), 1);
	ck_assert_int_eq(store_portal_login_token_use(db, tid, now), DB_OK);
	ck_assert_int_eq(opens(h1, "activate", a.id, 0), 0);
	ck_assert_int_eq(store_portal_login_token_insert(db, a.id, "reset", h3,
	    a.email, now, now + 3600, 0), DB_OK);
	ck_assert_int_eq(opens(h3, "reset", a.id, 0), 1);
	ck_assert_int_eq(store_portal_login_supersede_purpose(db, a.id, "activate",
	    now), DB_OK);
	ck_assert_int_eq(opens(h3, "reset", a.id, 0), 1);	/* other purpose */
	ck_assert_int_eq(store_portal_login_supersede_purpose(db, a.id, "reset",
	    now), DB_OK);
	ck_assert_int_eq(opens(h3, "reset", a.id, 0), 0);
}
END_TEST

/* Lookups are counted per IP after a time, failures apart; old ones are
 * forgotten. */
START_TEST(paylink_hits_counted_per_ip)
{
	char ip[32], other[32];
	int64_t now = clock_now(), hits = -1, fails = -1;

	tag_new(ip, sizeof(ip));
	tag_new(other, sizeof(other));
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(store_paylink_hit(db, ip, i < 2, now - 100000),
		    DB_OK);
	ck_assert_int_eq(store_paylink_hit(db, ip, 0, now), DB_OK);
	ck_assert_int_eq(store_paylink_hit(db, other, 0, now), DB_OK);
	ck_assert_int_eq(store_paylink_hits(db, ip, now - 200000, &hits, &fails),
	    DB_OK);
	ck_assert(hits == 6 && fails == 4);
	ck_assert_int_eq(store_paylink_hits(db, ip, now - 100000, &hits, &fails),
	    DB_OK);
	ck_assert(hits == 1 && fails == 1);	/* after since, not at it */
	ck_assert_int_eq(store_paylink_hits_forget(db, now - 50000), DB_OK);
	ck_assert_int_eq(store_paylink_hits(db, ip, 0, &hits, &fails), DB_OK);
	ck_assert(hits == 1 && fails == 1);
	ck_assert_int_eq(store_paylink_hits(db, other, 0, &hits, &fails), DB_OK);
	ck_assert(hits == 1 && fails == 1);
}
END_TEST

void
store_portal_cases_add(Suite *s)
{
	TCase *tc = tcase_create("store_portal");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, portal_link_opens_only_while_valid);
	tcase_add_test(tc, paylink_hits_counted_per_ip);
	suite_add_tcase(s, tc);
}
