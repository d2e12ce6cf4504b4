#include "common.h"

#include <time.h>

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "str.h"

#define DB_STMT_CACHE	128
#define DB_TX_RETRIES	10

struct db_cached {
	const char	*sql;	/* static string: the cache key is its address */
	MYSQL_STMT	*stmt;
};

struct db {
	const struct config	*cfg;
	MYSQL			*conn;
	int			 in_tx;
	/* The running transaction was ended by the server (deadlock,
	 * certification failure, lost connection): its status. Nothing more
	 * is sent until db_tx runs it again, so no statement of it can run on
	 * alone (autocommit) after the server rolled the rest back. */
	int			 tx_broken;
	size_t			 node;		/* index in cfg->db_nodes */
	int			 galera;	/* wsrep_on: causal reads matter */
	int			 synced;	/* this request waited for the cluster */
	char			 node_name[300];	/* for health: host:port or socket */
	struct db_cached	 cache[DB_STMT_CACHE];
	size_t			 ncache;
	char			 err[512];
};

struct db *
db_new(const struct config *cfg)
{
	struct db *db = calloc(1, sizeof(*db));

	if (db != NULL)
		db->cfg = cfg;
	return db;
}

static void
db_disconnect(struct db *db)
{
	for (size_t i = 0; i < db->ncache; i++)
		mysql_stmt_close(db->cache[i].stmt);
	db->ncache = 0;
	if (db->conn != NULL)
		mysql_close(db->conn);
	db->conn = NULL;
	db->in_tx = 0;
	db->galera = 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

const char *
db_error(const struct db *db)
{
	return db->err;
}

static int
is_conn_error(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
	    e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR ||
	    e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED ||
	    e == ER_SERVER_SHUTDOWN || e == CR_COMMANDS_OUT_OF_SYNC ||
	    e == ER_UNKNOWN_COM_ERROR;	/* 1047: Galera node not ready (not Synced) */
}

/* Maps a server/client error number to a status; drops a dead connection. */
static int
db_fail(struct db *db, unsigned e, const char *msg)
{
	str_fmt(db->err, sizeof(db->err), "%u: %s", e, msg);
	if (db->in_tx && (is_conn_error(e) || e == ER_LOCK_DEADLOCK ||
	    e == ER_LOCK_WAIT_TIMEOUT))
		db->tx_broken = is_conn_error(e) ? DB_DOWN : DB_DEADLOCK;
	if (is_conn_error(e)) {
		/* This node is gone: the next connection goes to the next one. */
		db_disconnect(db);
		if (db->cfg->ndb_nodes > 0)
			db->node = (db->node + 1) % db->cfg->ndb_nodes;
		return DB_DOWN;
	}
	if (e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT) {
		/* In a transaction db_tx retries it; alone it is the caller's
		 * error (Galera retries such a statement wsrep_retry_autocommit
		 * times first). */
		if (!db->in_tx)
			log_warn("statement refused: %s", db->err);
		return DB_DEADLOCK;
	}
	if (e == ER_DUP_ENTRY)
		return DB_DUP;
	return DB_ERR;
}

/* *on = 1 when the SHOW statement's one row has the value ON. */
static int
db_show_on(struct db *db, const char *sql, int *on)
{
	MYSQL_RES *r;
	MYSQL_ROW row;

	*on = 0;
	if (mysql_query(db->conn, sql) != 0 ||
	    (r = mysql_store_result(db->conn)) == NULL)
		return db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
	row = mysql_fetch_row(r);
	*on = row != NULL && row[1] != NULL && strcmp(row[1], "ON") == 0;
	mysql_free_result(r);
	return DB_OK;
}

/* After connecting: session settings, and whether this is a Galera node
 * (then only a Synced node, wsrep_ready = ON, is used). */
static int
db_session(struct db *db)
{
	MYSQL *m = db->conn;
	int ready = 0;

	/* UTC everywhere; strict SQL so bad data is an error, not a warning.
	 * READ COMMITTED: each statement reads what is committed when it runs
	 * (REPEATABLE READ would keep the transaction's first snapshot, older
	 * than the locks it takes later). What a payment decides on is read
	 * with locking reads besides (FOR UPDATE: the latest rows, waiting for
	 * rows being written), and db_tx checks that the server still has the
	 * transaction open (db_tx_alive). */
	if (mysql_query(m, "SET time_zone = '+00:00', sql_mode = "
	    "'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION', "
	    "innodb_lock_wait_timeout = 10, "
	    "tx_isolation = 'READ-COMMITTED'") != 0)
		return db_fail(db, mysql_errno(m), mysql_error(m));
	/* wsrep_on: a Galera node (a server without wsrep has no such
	 * variable); then only a Synced node (wsrep_ready) is used. */
	if (db_show_on(db, "SHOW VARIABLES LIKE 'wsrep_on'", &db->galera) != DB_OK ||
	    (db->galera && db_show_on(db, "SHOW STATUS LIKE 'wsrep_ready'",
	    &ready) != DB_OK))
		return DB_DOWN;
	if (db->galera && !ready)
		return db_fail(db, ER_UNKNOWN_COM_ERROR, "Galera node not ready");
	return DB_OK;
}

/* Connects to node i of cfg->db_nodes; DB_OK or DB_DOWN. */
static int
db_connect_node(struct db *db, size_t i)
{
	const struct config *c = db->cfg;
	const struct cfg_db_node *n = &c->db_nodes[i];
	unsigned timeout = 2;
	MYSQL *m;

	if ((m = mysql_init(NULL)) == NULL)
		return DB_DOWN;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(m, n->socket[0] ? NULL : n->host,
	    c->db_user, c->db_password, c->db_name,
	    n->socket[0] ? 0 : (unsigned)n->port,
	    n->socket[0] ? n->socket : NULL, 0) == NULL) {
		str_fmt(db->err, sizeof(db->err), "connect %s:%d%s: %s", n->host,
		    n->port, n->socket, mysql_error(m));
		mysql_close(m);
		return DB_DOWN;
	}
	db->conn = m;
	db->node = i;
	if (n->socket[0])
		str_copy(db->node_name, sizeof(db->node_name), n->socket);
	else
		str_fmt(db->node_name, sizeof(db->node_name), "%s:%d", n->host,
		    n->port);
	if (db_session(db) != DB_OK) {
		db_disconnect(db);
		return DB_DOWN;
	}
	return DB_OK;
}

int
db_ensure(struct db *db)
{
	size_t n = db->cfg->ndb_nodes, first = db->node;

	if (db->conn != NULL)
		return DB_OK;
	/* From the node in use (or the next after a lost one), each once. */
	for (size_t k = 0; k < n; k++) {
		size_t i = (first + k) % n;

		if (db_connect_node(db, i) == DB_OK)
			return DB_OK;
		if (n > 1)
			log_warn("database node %zu of %zu unusable: %s", i + 1, n,
			    db->err);
	}
	return DB_DOWN;
}

const char *
db_node(const struct db *db)
{
	return db->conn != NULL ? db->node_name : "";
}

int
db_galera(const struct db *db)
{
	return db->conn != NULL && db->galera;
}

int
db_causal(struct db *db, int on)
{
	if (db_ensure(db) != DB_OK)
		return DB_DOWN;
	if (!db->galera)
		return DB_OK;
	/* 1: reads wait until this node has applied every write the cluster
	 * committed before them (another node's session, settled payment). */
	if (mysql_query(db->conn, on ? "SET SESSION wsrep_sync_wait = 1" :
	    "SET SESSION wsrep_sync_wait = 0") != 0)
		return db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
	return DB_OK;
}

int
db_ping(struct db *db)
{
	struct db_result r;
	int rc = db_query(db, "SELECT 1", NULL, 0, &r);

	db_result_free(&r);
	return rc;
}

/* After a statement of a transaction succeeded: the server still has the
 * transaction open (the status of its answer). If not, the transaction was
 * ended behind our back and the statement ran alone: stop it here, as
 * after a deadlock error (db_tx runs it again). Seen on Galera: in one
 * attempt's transaction, under the account's lock, a read missed the
 * other node's attempt and a later read saw it, with no error reported;
 * the statements after such an end would otherwise commit one by one. */
static int
db_tx_alive(struct db *db, const char *sql)
{
	if (!db->in_tx || db->conn == NULL ||
	    (db->conn->server_status & SERVER_STATUS_IN_TRANS))
		return DB_OK;
	str_copy(db->err, sizeof(db->err), "the server ended the transaction "
	    "without an error");
	log_warn("%s (found after: %.100s)", db->err, sql);
	db->tx_broken = DB_DEADLOCK;
	return DB_DEADLOCK;
}

static MYSQL_STMT *
db_prepare(struct db *db, const char *sql, int *status)
{
	MYSQL_STMT *st;
	size_t i;

	for (i = 0; i < db->ncache; i++)
		if (db->cache[i].sql == sql)
			return db->cache[i].stmt;
	if ((st = mysql_stmt_init(db->conn)) == NULL) {
		*status = DB_ERR;
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		unsigned e = mysql_stmt_errno(st);
		char msg[256];

		str_copy(msg, sizeof(msg), mysql_stmt_error(st));
		mysql_stmt_close(st);
		*status = db_fail(db, e, msg);
		return NULL;
	}
	if (db->ncache == DB_STMT_CACHE) {
		/* Full: evict the oldest. */
		mysql_stmt_close(db->cache[0].stmt);
		memmove(db->cache, db->cache + 1,
		    (DB_STMT_CACHE - 1) * sizeof(db->cache[0]));
		db->ncache--;
	}
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].stmt = st;
	db->ncache++;
	return st;
}

/* Prepares (reconnecting once if the server went away while idle, which is
 * safe: nothing of this statement reached the server) and binds params. */
static MYSQL_STMT *
db_start(struct db *db, const char *sql, const struct db_param *p, size_t n,
    int *status)
{
	MYSQL_BIND b[128];	/* a chunk's statements bind ~100 */
	MYSQL_STMT *st;

	if (db->tx_broken) {
		*status = db->tx_broken;
		return NULL;
	}
	if (n > ARRAY_LEN(b)) {
		str_fmt(db->err, sizeof(db->err), "%zu params: too many", n);
		*status = DB_ERR;
		return NULL;
	}
	for (int attempt = 0; ; attempt++) {
		if (db_ensure(db) != DB_OK) {
			*status = DB_DOWN;
			return NULL;
		}
		*status = DB_OK;
		st = db_prepare(db, sql, status);
		if (st != NULL)
			break;
		if (*status != DB_DOWN || attempt > 0 || db->in_tx)
			return NULL;
	}
	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < n; i++) {
		switch (p[i].type) {
		case DBP_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DBP_I64:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = (void *)(uintptr_t)&p[i].i;
			break;
		case DBP_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(uintptr_t)p[i].s;
			b[i].buffer_length = strlen(p[i].s);
			break;
		}
	}
	if (mysql_stmt_param_count(st) != n) {
		str_fmt(db->err, sizeof(db->err), "param count %lu != %zu: %s",
		    mysql_stmt_param_count(st), n, sql);
		*status = DB_ERR;
		return NULL;
	}
	if (n > 0 && mysql_stmt_bind_param(st, b) != 0) {
		*status = db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return NULL;
	}
	return st;
}

static void db_backoff(int);

static int
db_exec_try(struct db *db, const char *sql, const struct db_param *p, size_t n,
    uint64_t *affected, uint64_t *insert_id, int attempt)
{
	MYSQL_STMT *st;
	int status;

	if ((st = db_start(db, sql, p, n, &status)) == NULL)
		return status;
	if (mysql_stmt_execute(st) != 0) {
		status = db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		/* Alone (autocommit), a statement refused by a deadlock or a
		 * certification failure committed nothing: run it again. */
		if (status == DB_DEADLOCK && !db->in_tx && attempt < DB_TX_RETRIES) {
			db_backoff(attempt);
			return db_exec_try(db, sql, p, n, affected, insert_id,
			    attempt + 1);
		}
		return status;
	}
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	if (insert_id)
		*insert_id = mysql_stmt_insert_id(st);
	mysql_stmt_free_result(st);
	return db_tx_alive(db, sql);
}

int
db_exec(struct db *db, const char *sql, const struct db_param *p, size_t n,
    uint64_t *affected, uint64_t *insert_id)
{
	return db_exec_try(db, sql, p, n, affected, insert_id, 1);
}

static int
db_fetch_rows(struct db *db, MYSQL_STMT *st, struct db_result *res)
{
	unsigned long len[64];
	my_bool nul[64];
	MYSQL_BIND b[64];
	size_t cap = 0, nc = res->ncols;
	int frc;

	if (nc > ARRAY_LEN(b))
		return DB_ERR;
	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < nc; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].length = &len[i];
		b[i].is_null = &nul[i];
	}
	if (mysql_stmt_bind_result(st, b) != 0)
		return db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	while ((frc = mysql_stmt_fetch(st)) == 0 || frc == MYSQL_DATA_TRUNCATED) {
		if (res->nrows == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **c = realloc(res->cells, ncap * nc * sizeof(char *));
			if (c == NULL)
				return DB_ERR;
			res->cells = c;
			cap = ncap;
		}
		for (size_t i = 0; i < nc; i++) {
			char **cell = &res->cells[res->nrows * nc + i];
			MYSQL_BIND one;

			*cell = NULL;
			if (nul[i])
				continue;
			if ((*cell = malloc(len[i] + 1)) == NULL)
				return DB_ERR;
			memset(&one, 0, sizeof(one));
			one.buffer_type = MYSQL_TYPE_STRING;
			one.buffer = *cell;
			one.buffer_length = len[i] + 1;
			if (len[i] > 0 &&
			    mysql_stmt_fetch_column(st, &one, (unsigned)i, 0) != 0) {
				(*cell)[0] = '\0';
				res->nrows++;
				return db_fail(db, mysql_stmt_errno(st),
				    mysql_stmt_error(st));
			}
			(*cell)[len[i]] = '\0';
		}
		res->nrows++;
	}
	if (frc == 1)
		return db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	return DB_OK;
}

/* A causal read barrier: returns once this node applied every write the
 * cluster committed before it. */
static int
db_sync(struct db *db)
{
	MYSQL_RES *r;

	if (mysql_query(db->conn, "SET STATEMENT wsrep_sync_wait = 1 FOR SELECT 1")
	    != 0 || (r = mysql_store_result(db->conn)) == NULL)
		return db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
	mysql_free_result(r);
	return DB_OK;
}

void
db_request_start(struct db *db)
{
	if (db != NULL) {
		db->synced = 0;
		db->err[0] = '\0';	/* a failed request logs its own error */
	}
}

int
db_query(struct db *db, const char *sql, const struct db_param *p, size_t n,
    struct db_result *res)
{
	MYSQL_STMT *st;
	int status;

	memset(res, 0, sizeof(*res));
	if ((st = db_start(db, sql, p, n, &status)) == NULL)
		return status;
	if (mysql_stmt_execute(st) != 0)
		return db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	if (mysql_stmt_store_result(st) != 0) {
		status = db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return status;
	}
	res->ncols = mysql_stmt_field_count(st);
	status = db_fetch_rows(db, st, res);
	if (db->conn != NULL)
		mysql_stmt_free_result(st);
	if (status == DB_OK)
		status = db_tx_alive(db, sql);
	/* Galera: what is not found may be a write just committed through
	 * another node (a session, a link, the object a form just created)
	 * that this node has not applied yet. The first miss of a request
	 * waits for the cluster once and asks again; later reads of the
	 * request see at least that much. (A transaction waits before it
	 * starts, db_tx: a wait inside one can end in a deadlock error.) */
	if (status == DB_OK && res->nrows == 0 && db->galera && !db->synced &&
	    !db->in_tx) {
		db->synced = 1;
		if ((status = db_sync(db)) != DB_OK)
			return status;
		db_result_free(res);
		return db_query(db, sql, p, n, res);
	}
	return status;
}

int
db_query_i64(struct db *db, const char *sql, const struct db_param *p, size_t n,
    int64_t *out)
{
	struct db_result r;
	int rc = db_query(db, sql, p, n, &r);

	*out = rc == DB_OK ? db_i64(&r, 0, 0) : 0;
	db_result_free(&r);
	return rc;
}

void
db_result_free(struct db_result *res)
{
	for (size_t i = 0; i < res->nrows * res->ncols; i++)
		free(res->cells[i]);
	free(res->cells);
	memset(res, 0, sizeof(*res));
}

const char *
db_str(const struct db_result *r, size_t row, size_t col)
{
	const char *s;

	if (row >= r->nrows || col >= r->ncols)
		return "";
	s = r->cells[row * r->ncols + col];
	return s ? s : "";
}

int64_t
db_i64(const struct db_result *r, size_t row, size_t col)
{
	int64_t v = 0;

	if (str_to_i64(db_str(r, row, col), INT64_MIN, INT64_MAX, &v) == -1)
		return 0;
	return v;
}

int
db_isnull(const struct db_result *r, size_t row, size_t col)
{
	return row >= r->nrows || col >= r->ncols ||
	    r->cells[row * r->ncols + col] == NULL;
}

static int
db_simple(struct db *db, const char *sql)
{
	if (db->conn == NULL)
		return DB_DOWN;
	if (mysql_query(db->conn, sql) != 0)
		return db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
	return DB_OK;
}

/* Before a retry: a short random pause, doubling each time up to 160 ms
 * (1-10 ms, 1-20, 1-40, ...), so the losers of a deadlock or certification
 * conflict do not collide again at once, even on a loaded machine. Ten
 * tries wait at most about a second in all. */
static void
db_backoff(int attempt)
{
	struct timespec ts = { 0, 0 };
	unsigned span = 10u << (attempt < 4 ? attempt : 4);

	ts.tv_nsec = (long)(arc4random_uniform(span) + 1) * 1000000L;
	nanosleep(&ts, NULL);
}

static int
db_tx_run(struct db *db, int (*fn)(struct db *, void *), void *arg, int *causal)
{
	int rc = DB_ERR;

	for (int attempt = 0; attempt < DB_TX_RETRIES; attempt++) {
		if (attempt > 0)
			db_backoff(attempt);
		if (db_ensure(db) != DB_OK)
			return DB_DOWN;
		/* A retry after a certification failure must read the winner's
		 * writes, which this node may not have applied yet. */
		if (attempt > 0 && db->galera && !*causal &&
		    db_causal(db, 1) == DB_OK)
			*causal = 1;
		if ((rc = db_simple(db, "START TRANSACTION")) != DB_OK) {
			if (rc == DB_DOWN)
				continue;
			return rc;
		}
		db->in_tx = 1;
		db->tx_broken = 0;
		rc = fn(db, arg);
		/* Ended by the server: run again, whatever fn made of the
		 * error (a status mapped to its own, or ignored). */
		if (db->tx_broken)
			rc = db->tx_broken;
		if (rc == DB_OK)
			rc = db_tx_alive(db, "the transaction's last statement");
		if (rc == DB_OK) {
			if ((rc = db_simple(db, "COMMIT")) == DB_OK) {
				db->in_tx = 0;
				db->tx_broken = 0;
				return DB_OK;
			}
			if (rc == DB_DOWN) {
				log_warn("connection lost during COMMIT (outcome "
				    "unknown, not retried): %s", db->err);
				db->in_tx = 0;
				db->tx_broken = 0;
				return DB_DOWN;
			}
		}
		if (db->conn != NULL)
			db_simple(db, "ROLLBACK");
		db->in_tx = 0;
		db->tx_broken = 0;
		if (rc != DB_DEADLOCK && rc != DB_DOWN)
			return rc;
		log_warn("transaction retry %d after: %s", attempt + 1, db->err);
	}
	return rc;
}

/* Retried only when nothing was committed: a deadlock or a Galera
 * certification failure (both ER_LOCK_DEADLOCK), or a connection lost
 * before COMMIT was sent (then on the next node). A connection lost during
 * COMMIT leaves the outcome unknown: DB_DOWN, never a second run. */
int
db_tx(struct db *db, int (*fn)(struct db *, void *), void *arg)
{
	int causal = 0, rc;

	/* Galera: a request's first transaction decides on the latest state,
	 * including what the previous request committed through another node. */
	if (db_ensure(db) == DB_OK && db->galera && !db->synced) {
		db->synced = 1;
		(void)db_sync(db);
	}
	rc = db_tx_run(db, fn, arg, &causal);

	if (causal && db->conn != NULL)
		(void)db_causal(db, 0);
	return rc;
}

int
db_exec_script(struct db *db, const char *sql)
{
	int rc;

	if (db->tx_broken)
		return db->tx_broken;
	if (db_ensure(db) != DB_OK)
		return DB_DOWN;
	mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	if (mysql_real_query(db->conn, sql, strlen(sql)) != 0) {
		rc = db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
		goto out;
	}
	do {
		MYSQL_RES *r = mysql_store_result(db->conn);
		if (r != NULL)
			mysql_free_result(r);
		else if (mysql_errno(db->conn) != 0) {
			rc = db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
			goto out;
		}
		rc = mysql_next_result(db->conn);
		if (rc > 0) {
			rc = db_fail(db, mysql_errno(db->conn), mysql_error(db->conn));
			goto out;
		}
	} while (rc == 0);
	rc = DB_OK;
out:
	if (db->conn != NULL)
		mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}
