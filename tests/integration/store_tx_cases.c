/* db_tx against the test MariaDB: a transaction the server ended (a
 * deadlock, a Galera certification failure or BF abort, a lost connection)
 * is run again from the start, whatever the transaction's code made of the
 * error. After such an error the server has rolled the transaction back
 * and would run the next statements alone (autocommit): none may be sent.
 *
 * A trigger refuses the second row of a pass once with errno 1213, as
 * InnoDB or Galera would; the rows say which passes committed. */
#include "common.h"

#include <check.h>

#include "db.h"
#include "store_cases.h"

void	 store_tx_cases_add(Suite *);

struct pass {
	char	 tag[16];
	int	 passes;
	int	 mapped;	/* 1: the error becomes the code's own (DB_ERR) */
};

/* The tables and the trigger; with a tag, its second row is refused once. */
static void
fault_setup(const char *tag)
{
	struct db_param p[] = { DB_STR(tag ? tag : "") };

	ck_assert_msg(db_exec_script(db,
	    "CREATE TABLE IF NOT EXISTS itest_tx_rows (tag VARCHAR(16) NOT NULL,"
	    " pass INT NOT NULL, step INT NOT NULL) ENGINE=InnoDB;"
	    "CREATE TABLE IF NOT EXISTS itest_tx_fault (tag VARCHAR(16) NOT NULL"
	    " PRIMARY KEY, n INT NOT NULL) ENGINE=MEMORY;"
	    "CREATE TRIGGER IF NOT EXISTS itest_tx_refuse BEFORE INSERT ON"
	    " itest_tx_rows FOR EACH ROW BEGIN"
	    "  IF NEW.step = 2 AND (SELECT COALESCE(MAX(n), 0) FROM itest_tx_fault"
	    "   WHERE tag = NEW.tag) > 0 THEN"
	    "   UPDATE itest_tx_fault SET n = n - 1 WHERE tag = NEW.tag;"
	    "   SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213,"
	    "    MESSAGE_TEXT = 'Deadlock found (forced by the test)';"
	    "  END IF;"
	    " END") == DB_OK, "%s", db_error(db));
	if (tag != NULL)
		ck_assert_int_eq(db_exec(db, "INSERT INTO itest_tx_fault (tag, n)"
		    " VALUES (?, 1)", p, 1, NULL, NULL), DB_OK);
}

static int
row_add(struct db *d, const struct pass *x, int step)
{
	struct db_param p[] = { DB_STR(x->tag), DB_I64(x->passes), DB_I64(step) };

	return db_exec(d, "INSERT INTO itest_tx_rows (tag, pass, step)"
	    " VALUES (?, ?, ?)", p, 3, NULL, NULL);
}

/* Three rows; the second one's error is ignored (or, mapped, turned into
 * DB_ERR after the third row was tried). */
static int
three_rows(struct db *d, void *arg)
{
	struct pass *x = arg;
	int rc;

	x->passes++;
	if ((rc = row_add(d, x, 1)) != DB_OK)
		return rc;
	rc = row_add(d, x, 2);
	if (row_add(d, x, 3) != DB_OK && rc == DB_OK)
		return DB_ERR;
	if (rc != DB_OK && x->mapped)
		return DB_ERR;
	return DB_OK;
}

static int64_t
rows(const char *tag, int pass)
{
	struct db_param p[] = { DB_STR(tag), DB_I64(pass) };

	return query_i64("SELECT COUNT(*) FROM itest_tx_rows WHERE tag = ?"
	    " AND pass = ?", p, 2);
}

/* The refusal is ignored: the transaction still runs again, and nothing of
 * the refused pass is committed (its third row is never sent). */
START_TEST(tx_run_again_when_the_refusal_is_ignored)
{
	struct pass x;

	memset(&x, 0, sizeof(x));
	tag_new(x.tag, sizeof(x.tag));
	fault_setup(x.tag);
	ck_assert_int_eq(db_tx(db, three_rows, &x), DB_OK);
	ck_assert_int_eq(x.passes, 2);
	ck_assert_msg(rows(x.tag, 1) == 0, "%" PRId64 " rows of the refused pass"
	    " were committed", rows(x.tag, 1));
	ck_assert_int_eq(rows(x.tag, 2), 3);
}
END_TEST

/* The refusal becomes the code's own error (as a domain layer maps a
 * database status to its own): still a retry, not a failed request. */
START_TEST(tx_run_again_when_the_refusal_is_mapped)
{
	struct pass x;

	memset(&x, 0, sizeof(x));
	tag_new(x.tag, sizeof(x.tag));
	x.mapped = 1;
	fault_setup(x.tag);
	ck_assert_int_eq(db_tx(db, three_rows, &x), DB_OK);
	ck_assert_int_eq(x.passes, 2);
	ck_assert_int_eq(rows(x.tag, 1), 0);
	ck_assert_int_eq(rows(x.tag, 2), 3);
}
END_TEST

/* After the retried transaction, the connection works as before: alone
 * and in the next transaction. */
static int
one_row(struct db *d, void *arg)
{
	struct pass *x = arg;

	x->passes++;
	return row_add(d, x, 1);
}

START_TEST(tx_connection_usable_after_a_retry)
{
	struct pass x;

	memset(&x, 0, sizeof(x));
	tag_new(x.tag, sizeof(x.tag));
	fault_setup(x.tag);
	ck_assert_int_eq(db_tx(db, three_rows, &x), DB_OK);
	x.passes = 10;
	ck_assert_int_eq(row_add(db, &x, 1), DB_OK);
	ck_assert_int_eq(db_tx(db, one_row, &x), DB_OK);
	ck_assert_int_eq(rows(x.tag, 10), 1);
	ck_assert_int_eq(rows(x.tag, 11), 1);
}
END_TEST

/* The server ends the transaction without an error (as a Galera abort
 * of an idle transaction can): emulated by a ROLLBACK in the first pass,
 * whose own answer already says "not in a transaction". In the real case
 * the first statement after the end runs alone (it is the first to learn
 * of it); nothing after it is sent, and the transaction runs again. */
static int
ended_quietly(struct db *d, void *arg)
{
	struct pass *x = arg;
	int rc;

	x->passes++;
	if ((rc = row_add(d, x, 1)) != DB_OK)
		return rc;
	if (x->passes == 1 && (rc = db_exec(d, "ROLLBACK", NULL, 0, NULL,
	    NULL)) != DB_OK)
		return rc;
	(void)row_add(d, x, 2);
	return row_add(d, x, 3);
}

START_TEST(tx_run_again_when_ended_without_an_error)
{
	struct pass x;
	struct db_param p[1];

	memset(&x, 0, sizeof(x));
	tag_new(x.tag, sizeof(x.tag));
	p[0] = DB_STR(x.tag);
	fault_setup(NULL);
	ck_assert_int_eq(db_tx(db, ended_quietly, &x), DB_OK);
	ck_assert_int_eq(x.passes, 2);
	ck_assert_msg(query_i64("SELECT COUNT(*) FROM itest_tx_rows WHERE tag = ?"
	    " AND pass = 1 AND step = 3", p, 1) == 0, "a statement was sent after"
	    " the transaction had ended");
	ck_assert_int_eq(rows(x.tag, 2), 3);
}
END_TEST

void
store_tx_cases_add(Suite *s)
{
	TCase *tc = tcase_create("store_tx");

	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tx_run_again_when_the_refusal_is_ignored);
	tcase_add_test(tc, tx_run_again_when_the_refusal_is_mapped);
	tcase_add_test(tc, tx_connection_usable_after_a_retry);
	tcase_add_test(tc, tx_run_again_when_ended_without_an_error);
	suite_add_tcase(s, tc);
}
