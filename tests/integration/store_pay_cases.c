/* Store cases of the payment families (store_payment, store_attempt,
 * store_method) against the test MariaDB: the contracts billing's rules
 * rely on (reservations held only while the payment is pending, one
 * reconcile runner per stamp, a fresh intent claim, a method recorded
 * once, refunds failed only from pending). Rows are made through the store
 * itself on a fresh account; nothing here posts to the ledger. */
#include "common.h"

#include <check.h>

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "profiles.h"
#include "store_attempt.h"
#include "store_method.h"
#include "store_payment.h"
#include "store_cases.h"
#include "str.h"

void	 store_pay_cases_add(Suite *);


static int64_t
pay_account(const char *name)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	str_copy(a.name, sizeof(a.name), name);
	str_copy(a.address1, sizeof(a.address1), "12 Elm St");
	str_copy(a.city, sizeof(a.city), "Springfield");
	str_copy(a.region, sizeof(a.region), "IL");
	str_copy(a.postal_code, sizeof(a.postal_code), "62701");
	ck_assert_int_eq(account_save(db, &staff, &a), PROF_OK);
	return a.id;
}

/* A pending card attempt of amount on the account, keyed by key. */
static int64_t
mk_attempt(int64_t account, const char *key, int64_t amount)
{
	struct store_attempt s;
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	s.account_id = account;
	s.method = "card";
	s.amount = amount;
	s.received_date = "2026-03-01";
	s.created_at = clock_now();
	s.attempt_key = key;
	s.alloc_plan = "none";
	ck_assert_int_eq(store_attempt_insert(db, &s, &id), DB_OK);
	ck_assert(id > 0);
	return id;
}

START_TEST(attempt_reservation_held_while_pending)
{
	struct store_payment *p = calloc(1, sizeof(*p));
	char tag[16], key[40];
	int64_t acc, id, found = 0, sum = -1, first = -1, now = clock_now();

	ck_assert(p != NULL);
	tag_new(tag, sizeof(tag));
	acc = pay_account(tag);
	str_fmt(key, sizeof(key), "key-%s-%s", tag, tag);
	id = mk_attempt(acc, key, 1500);
	ck_assert_int_eq(store_payment_by_attempt(db, key, &found), DB_OK);
	ck_assert(found == id);
	ck_assert_int_eq(store_payment_get(db, id, p), 1);
	ck_assert_str_eq(p->status, "pending");
	ck_assert_str_eq(p->alloc_plan, "none");
	ck_assert(p->consent_signer[0] == '\0' && p->client_id == 0);
	ck_assert_int_eq(store_attempt_reserve(db, id, acc, 0, 1500, now), DB_OK);
	ck_assert_int_eq(store_attempt_reserved(db, acc, 0, &sum, &first), DB_OK);
	ck_assert(sum == 1500 && first == id);
	/* A failed payment holds nothing any more. */
	ck_assert_int_eq(store_payment_set_status(db, id, "failed", "canceled",
	    "card_declined", "Declined.", now), DB_OK);
	ck_assert_int_eq(store_attempt_reserved(db, acc, 0, &sum, &first), DB_OK);
	ck_assert(sum == 0 && first == 0);
	ck_assert_int_eq(store_payment_get(db, id, p), 1);
	ck_assert_str_eq(p->status, "failed");
	ck_assert(p->settled_at == now);
	ck_assert_int_eq(store_payment_get(db, INT64_C(999999999), p), 0);
	free(p);
}
END_TEST

START_TEST(attempt_claim_and_reconcile_stamp)
{
	char tag[16], key[40];
	int64_t acc, id, now = clock_now();

	tag_new(tag, sizeof(tag));
	acc = pay_account(tag);
	str_fmt(key, sizeof(key), "key-%s-%s", tag, tag);
	id = mk_attempt(acc, key, 700);
	ck_assert_int_eq(store_attempt_claim_fresh(db, id, now - 60), 0);
	ck_assert_int_eq(store_attempt_claim(db, id, now), DB_OK);
	ck_assert_int_eq(store_attempt_claim_fresh(db, id, now - 60), 1);
	ck_assert_int_eq(store_attempt_claim(db, id, 0), DB_OK);	/* given back */
	ck_assert_int_eq(store_attempt_claim_fresh(db, id, now - 60), 0);
	/* Two runners read the same stamp: one takes the row. */
	ck_assert_int_eq(store_attempt_checked(db, id, 0, now), 1);
	ck_assert_int_eq(store_attempt_checked(db, id, 0, now), 0);
}
END_TEST

START_TEST(method_recorded_once_default_and_removed)
{
	struct store_method m, got, *list = NULL;
	char tag[16], pm[40];
	int64_t acc, id = 0, again = 0, defaults = -1, now = clock_now();
	uint64_t revoked = 0;
	size_t n = 0;
	int inserted = -1;

	tag_new(tag, sizeof(tag));
	acc = pay_account(tag);
	str_fmt(pm, sizeof(pm), "pm_%s", tag);
	memset(&m, 0, sizeof(m));
	m.account_id = acc;
	str_copy(m.stripe_pm_id, sizeof(m.stripe_pm_id), pm);
	str_copy(m.kind, sizeof(m.kind), "card");
	str_copy(m.brand, sizeof(m.brand), "visa");
	str_copy(m.last4, sizeof(m.last4), "4242");
	m.exp_month = 12;
	m.exp_year = 2030;
	m.is_default = 1;
	ck_assert_int_eq(store_method_insert(db, &m, now, &id, &inserted), DB_OK);
	ck_assert(id > 0 && inserted == 1);
	ck_assert_int_eq(store_method_insert(db, &m, now, &again, &inserted), DB_OK);
	ck_assert(again == id && inserted == 0);
	ck_assert_int_eq(store_method_by_stripe_id(db, pm, &again), DB_OK);
	ck_assert(again == id);
	ck_assert_int_eq(store_method_count_defaults(db, acc, &defaults), DB_OK);
	ck_assert(defaults == 1);
	ck_assert_int_eq(store_method_lock_usable(db, id, acc + 1, &got), 0);
	ck_assert_int_eq(store_method_is_active(db, id, acc), 1);
	ck_assert_int_eq(store_method_remove(db, id, now), DB_OK);
	ck_assert_int_eq(store_method_consents_revoke(db, id, now, 0, &revoked),
	    DB_OK);
	ck_assert(revoked == 0);
	ck_assert_int_eq(store_method_get(db, id, &got), 1);
	ck_assert_str_eq(got.status, "removed");
	ck_assert(got.is_default == 0 && got.removed_at == now);
	ck_assert(got.exp_month == 12 && strcmp(got.last4, "4242") == 0);
	ck_assert_int_eq(store_method_list_active(db, acc, &list, &n), DB_OK);
	ck_assert(n == 0 && list == NULL);
}
END_TEST

START_TEST(refund_fails_only_from_pending)
{
	struct store_refund f;
	char tag[16], key[40];
	int64_t acc, pay, rid = 0, claimed = -1, now = clock_now();
	int changed = -1;

	tag_new(tag, sizeof(tag));
	acc = pay_account(tag);
	str_fmt(key, sizeof(key), "key-%s-%s", tag, tag);
	pay = mk_attempt(acc, key, 900);
	ck_assert_int_eq(store_payment_refund_insert(db, pay, 400, "Asked", NULL,
	    1, now, &rid), DB_OK);
	ck_assert_int_eq(store_payment_refunds_claimed(db, pay, &claimed), DB_OK);
	ck_assert(claimed == 400);
	ck_assert_int_eq(store_payment_refund_unnamed(db, rid, pay, &f), 1);
	ck_assert_int_eq(store_payment_refund_unnamed(db, rid, pay + 1, &f), 0);
	ck_assert_int_eq(store_payment_refund_finish(db, rid, 0, NULL, &changed),
	    DB_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(store_payment_refund_finish(db, rid, 0, NULL, &changed),
	    DB_OK);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(store_payment_refund_get(db, rid, &f), 1);
	ck_assert_str_eq(f.status, "failed");
	ck_assert(f.created_by == 1 && f.stripe_refund_id[0] == '\0');
	ck_assert_int_eq(store_payment_refunds_claimed(db, pay, &claimed), DB_OK);
	ck_assert(claimed == 0);
}
END_TEST

void
store_pay_cases_add(Suite *s)
{
	TCase *tc = tcase_create("payment families");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, attempt_reservation_held_while_pending);
	tcase_add_test(tc, attempt_claim_and_reconcile_stamp);
	tcase_add_test(tc, method_recorded_once_default_and_removed);
	tcase_add_test(tc, refund_fails_only_from_pending);
	suite_add_tcase(s, tc);
}
