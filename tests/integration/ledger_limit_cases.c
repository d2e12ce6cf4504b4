/* Limits of the domain API (part of test_ledger_random): the largest
 * amounts, UTF-8 and over-long reasons and descriptions. */
#include "common.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "audit.h"
#include "buf.h"
#include "catalog.h"
#include "cfg.h"
#include "clock.h"
#include "db.h"
#include "invoice.h"
#include "ledger.h"
#include "money.h"
#include "payment.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"

#include "ledger_random.h"

/* --- limits of the domain API ---------------------------------------------- */

static int64_t
limits_invoice(struct fixtures *fx, const char *account_name, int64_t *account)
{
	db_open();
	make_fixtures(fx, "L");
	*account = make_account(account_name, fx->location);
	return issued_invoice(fx, *account, 10000, "2024-03-31");
}

/* Amounts beyond MONEY_MAX are refused everywhere else (calc, payments,
 * money_parse); the forms and the API accept adjustments up to +MONEY_MAX,
 * which must not push an invoice's total past MONEY_MAX. */
START_TEST(test_limit_adjust_money_max)
{
	struct fixtures fx;
	int64_t acc, inv = limits_invoice(&fx, "Limits adjust", &acc);	/* $100.00 */
	struct invoice got;
	char msg[256];
	int rc = invoice_adjust(db, &actor, inv, 0, MONEY_MAX, "too much", msg,
	    sizeof(msg));

	ck_assert_int_eq(invoice_get(db, inv, &got), INV_OK);
	invoice_free(&got);
	ck_assert_msg(rc == INV_INVALID, "invoice_adjust(+MONEY_MAX) on a $100.00 invoice:"
	    " %d, want %d (INV_INVALID); the total is now %" PRId64 " > MONEY_MAX", rc,
	    INV_INVALID, got.total);
	db_shut();
}
END_TEST

/* The domain API bounds its own inputs: an amount beyond MONEY_MAX is a
 * refusal, not an integer overflow. */
START_TEST(test_limit_adjust_huge)
{
	struct fixtures fx;
	int64_t acc, inv = limits_invoice(&fx, "Limits huge", &acc);
	char msg[256];
	int rc = invoice_adjust(db, &actor, inv, 0, INT64_MAX - 10, "huge", msg,
	    sizeof(msg));

	ck_assert_msg(rc == INV_INVALID, "invoice_adjust(INT64_MAX - 10): %d, want %d",
	    rc, INV_INVALID);
	db_shut();
}
END_TEST

/* Text columns hold 500 characters; the web forms allow 500 characters.
 * Non-ASCII text near that length must not become a database error. */
static void
accented(char *out, size_t outsz, size_t nbytes)
{
	size_t n = 0;

	out[n++] = 'x';
	while (n + 2 < nbytes && n + 3 < outsz) {
		out[n++] = (char)0xc3;	/* é */
		out[n++] = (char)0xa9;
	}
	out[n] = '\0';
}

START_TEST(test_limit_void_reason_utf8)
{
	struct fixtures fx;
	int64_t acc, inv = limits_invoice(&fx, "Limits void", &acc);
	char reason[1200];
	int rc;

	accented(reason, sizeof(reason), 1000);	/* 500 characters, 999 bytes */
	rc = invoice_void(db, &actor, inv, reason);
	ck_assert_msg(rc == INV_OK, "invoice_void with a 500-character non-ASCII reason:"
	    " %d (%s)", rc, db_error(db));
	db_shut();
}
END_TEST

START_TEST(test_limit_void_reason_long)
{
	struct fixtures fx;
	int64_t acc, inv = limits_invoice(&fx, "Limits void long", &acc);
	char reason[700];
	int rc;

	memset(reason, 'r', 600);
	reason[600] = '\0';
	rc = invoice_void(db, &actor, inv, reason);
	ck_assert_msg(rc == INV_INVALID || rc == INV_OK, "invoice_void with a"
	    " 600-character reason: %d (want a refusal, not a database error: %s)", rc,
	    db_error(db));
	db_shut();
}
END_TEST

START_TEST(test_limit_issue_utf8_description)
{
	struct fixtures fx;
	struct invoice inv;
	char msg[256];
	int64_t acc;
	int rc;

	db_open();
	make_fixtures(&fx, "L");
	acc = make_account("Limits description", fx.location);
	memset(&inv, 0, sizeof(inv));
	inv.account_id = acc;
	inv.payment_type_id = fx.ptype;
	str_copy(inv.invoice_date, sizeof(inv.invoice_date), "2024-03-01");
	str_copy(inv.due_date, sizeof(inv.due_date), "2024-03-31");
	inv.nlines = 1;
	inv.lines = calloc(1, sizeof(*inv.lines));
	ck_assert(inv.lines != NULL);
	/* 500 characters, 999 bytes: what the column and the form allow */
	accented(inv.lines[0].description, sizeof(inv.lines[0].description), 1000);
	inv.lines[0].quantity = 1;
	inv.lines[0].rate = 10000;
	inv.lines[0].dk = DISC_PERCENT;
	inv.lines[0].dv = 1000;
	ck_assert_msg(invoice_save_draft(db, &actor, &inv, msg, sizeof(msg)) == INV_OK,
	    "draft: %s", msg);
	invoice_free(&inv);
	rc = invoice_issue(db, &actor, inv.id);
	ck_assert_msg(rc == INV_OK, "invoice_issue of a discounted line with a 500-character"
	    " non-ASCII description: %d (%s)", rc, db_error(db));
	db_shut();
}
END_TEST

void
ledger_limit_cases_add(Suite *s)
{
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, LEDGER_TC_TIMEOUT);
	tcase_add_test(tc, test_limit_adjust_money_max);
	tcase_add_test(tc, test_limit_adjust_huge);
	tcase_add_test(tc, test_limit_void_reason_utf8);
	tcase_add_test(tc, test_limit_void_reason_long);
	tcase_add_test(tc, test_limit_issue_utf8_description);
	suite_add_tcase(s, tc);
}
