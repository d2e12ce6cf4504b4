/* On a Galera cluster (tests/cluster/run, CLUSTER_DIR): a transaction on
 * node 2 holds a row lock; node 1 updates that row; node 2's applier then
 * aborts the transaction (a brute-force abort) while it waits for its next
 * statement. The server has rolled it back and would run the following
 * statements alone, each committed on its own. db_tx must send nothing more
 * of it, even though the code ignores the error of the statement that
 * learns of the abort, and run it again: nothing of the aborted pass stays
 * but (at most) that one statement, if the abort reached it without an
 * error; the second pass commits whole. */
#include "common.h"

#include <time.h>

#include <check.h>

#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "str.h"

static struct config c1, c2;
static struct db *d1, *d2;	/* node 1, node 2 (one node each) */

struct pass {
	char	 tag[16];
	int	 passes;
};

static void
open_node(struct config *c, struct db **d, int node)
{
	const char *dir = getenv("CLUSTER_DIR");
	char path[600], err[256];

	ck_assert_msg(dir != NULL, "CLUSTER_DIR is not set (tests/cluster/run)");
	str_fmt(path, sizeof(path), "%s/node%d.conf", dir, node);
	ck_assert_msg(config_load(c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert((*d = db_new(c)) != NULL);
	ck_assert_msg(db_ensure(*d) == DB_OK, "node %d: %s", node, db_error(*d));
	ck_assert_msg(db_galera(*d), "node %d is not a Galera node", node);
}

static int
row_add(struct db *d, const struct pass *x, int step)
{
	struct db_param p[] = { DB_STR(x->tag), DB_I64(x->passes), DB_I64(step) };

	return db_exec(d, "INSERT INTO itest_bf_rows (tag, pass, step)"
	    " VALUES (?, ?, ?)", p, 3, NULL, NULL);
}

static int
aborted_once(struct db *d, void *arg)
{
	struct pass *x = arg;
	struct timespec ts = { 1, 0 };
	int64_t v = 0;
	int rc;

	x->passes++;
	if ((rc = db_query_i64(d, "SELECT v FROM itest_bf_lock WHERE id = 1"
	    " FOR UPDATE", NULL, 0, &v)) != DB_OK)
		return rc;
	if ((rc = row_add(d, x, 1)) != DB_OK)
		return rc;
	if (x->passes == 1) {
		/* Node 1 writes the locked row; node 2 applies it and aborts
		 * this transaction, idle meanwhile. */
		ck_assert_int_eq(db_exec(d1, "UPDATE itest_bf_lock SET v = v + 1"
		    " WHERE id = 1", NULL, 0, NULL, NULL), DB_OK);
		nanosleep(&ts, NULL);
	}
	(void)row_add(d, x, 2);		/* its error ignored, on purpose */
	return row_add(d, x, 3);
}

static int64_t
rows(const struct pass *x, int pass, int step)
{
	struct db_param p[] = { DB_STR(x->tag), DB_I64(pass), DB_I64(step) };
	int64_t n = -1;

	ck_assert(db_causal(d1, 1) == DB_OK);
	ck_assert_int_eq(db_query_i64(d1, "SELECT COUNT(*) FROM itest_bf_rows"
	    " WHERE tag = ? AND pass = ? AND step = ?", p, 3, &n), DB_OK);
	ck_assert(db_causal(d1, 0) == DB_OK);
	return n;
}

START_TEST(aborted_by_the_other_node_runs_again)
{
	struct pass x;
	unsigned char r[6];
	int64_t v = 0;

	ck_assert(crypto_init() == 0);
	open_node(&c1, &d1, 1);
	open_node(&c2, &d2, 2);
	memset(&x, 0, sizeof(x));
	ck_assert(crypto_random(r, sizeof(r)) == 0);
	crypto_hex(r, sizeof(r), x.tag);
	ck_assert_msg(db_exec_script(d1,
	    "CREATE TABLE IF NOT EXISTS itest_bf_lock (id INT PRIMARY KEY,"
	    " v INT NOT NULL) ENGINE=InnoDB;"
	    "INSERT IGNORE INTO itest_bf_lock VALUES (1, 0);"
	    "CREATE TABLE IF NOT EXISTS itest_bf_rows (id BIGINT AUTO_INCREMENT"
	    " PRIMARY KEY, tag VARCHAR(16) NOT NULL, pass INT NOT NULL,"
	    " step INT NOT NULL) ENGINE=InnoDB") == DB_OK, "%s", db_error(d1));
	/* node 2 has the tables and the row before its transaction starts */
	ck_assert(db_causal(d2, 1) == DB_OK);
	ck_assert_int_eq(db_query_i64(d2, "SELECT COUNT(*) FROM itest_bf_lock",
	    NULL, 0, &v), DB_OK);
	ck_assert(db_causal(d2, 0) == DB_OK);

	ck_assert_int_eq(db_tx(d2, aborted_once, &x), DB_OK);
	ck_assert_msg(x.passes == 2, "%d passes: the abort went unnoticed",
	    x.passes);
	ck_assert_int_eq(rows(&x, 1, 1), 0);
	ck_assert_msg(rows(&x, 1, 3) == 0, "a statement of the aborted pass was"
	    " sent after the abort and committed alone");
	ck_assert_int_eq(rows(&x, 2, 1), 1);
	ck_assert_int_eq(rows(&x, 2, 2), 1);
	ck_assert_int_eq(rows(&x, 2, 3), 1);
	db_close(d1);
	db_close(d2);
	config_free(&c1);
	config_free(&c2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("galera_abort");
	TCase *tc = tcase_create("abort");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, aborted_by_the_other_node_runs_again);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
