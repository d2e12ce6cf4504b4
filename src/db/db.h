/* MariaDB access: prepared statements with typed binds only, a statement
 * cache per connection, transactions with retry on deadlock, reconnect
 * after the server restarts. One struct db per process (worker). */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct db;

enum db_ptype { DBP_NULL, DBP_I64, DBP_STR };

struct db_param {
	enum db_ptype	 type;
	int64_t		 i;
	const char	*s;
};

#define DB_I64(x)	((struct db_param){ DBP_I64, (int64_t)(x), NULL })
#define DB_STR(x)	((struct db_param){ DBP_STR, 0, (x) })
#define DB_NULL		((struct db_param){ DBP_NULL, 0, NULL })
/* A string that may be NULL: binds SQL NULL then. */
#define DB_STRN(x)	((x) ? DB_STR(x) : DB_NULL)

/* A fully fetched result: every cell as text (NULL cells as NULL pointers). */
struct db_result {
	size_t	  nrows;
	size_t	  ncols;
	char	**cells;	/* nrows * ncols */
};

enum db_status {
	DB_OK = 0,
	DB_ERR = -1,		/* SQL error (constraint, syntax, ...) */
	DB_DOWN = -2,		/* no connection to the server */
	DB_DEADLOCK = -3,	/* deadlock / lock wait timeout: retry the transaction */
	DB_DUP = -4,		/* duplicate key */
};

/* Does not connect yet; returns NULL only on ENOMEM. Caller db_close()s. */
struct db *db_new(const struct config *);
void	 db_close(struct db *);
/* Connects if not connected. DB_OK or DB_DOWN. */
int	 db_ensure(struct db *);
/* The node in use ("host:port" or the socket path; "" when not connected).
 * Nodes come from db_hosts (cfg.h): a lost node's worker moves on to the
 * next one. */
const char *db_node(const struct db *);
/* Causal reads on Galera (wsrep_sync_wait = 1 while on): a read that must
 * see a write just committed through another node. No-op elsewhere. */
int	 db_causal(struct db *, int on);
/* A new request (or job run) begins: on Galera, its first read that finds
 * nothing waits once for the cluster (causal read) and is asked again, so
 * a request sees what the previous one committed through another node. */
void	 db_request_start(struct db *);
/* 1 when connected to a Galera node (wsrep_on). */
int	 db_galera(const struct db *);
/* Round trip to the server ("SELECT 1"). */
int	 db_ping(struct db *);
/* Last error text (for logs, never for users). */
const char *db_error(const struct db *);

/* Runs a statement. affected/insert_id may be NULL. Returns enum db_status. */
int	 db_exec(struct db *, const char *sql, const struct db_param *, size_t n,
	    uint64_t *affected, uint64_t *insert_id);
/* Runs a query and fetches every row into res (db_result_free it, also on
 * error). On Galera a request's first empty answer is asked again after a
 * causal wait (db_request_start). */
int	 db_query(struct db *, const char *sql, const struct db_param *, size_t n,
	    struct db_result *res);
void	 db_result_free(struct db_result *);
/* Runs a query whose answer is one integer (COUNT, SUM, an id): the first
 * cell of the first row, or 0 when there is no row or it is NULL. */
int	 db_query_i64(struct db *, const char *sql, const struct db_param *,
	    size_t n, int64_t *out);
/* Cell accessors; NULL cells read as "" / 0 (db_isnull tells them apart). */
const char *db_str(const struct db_result *, size_t row, size_t col);
int64_t	 db_i64(const struct db_result *, size_t row, size_t col);
int	 db_isnull(const struct db_result *, size_t row, size_t col);

/* Runs fn inside BEGIN ... COMMIT; fn returns a db_status. On DB_DEADLOCK
 * (also a Galera certification failure) or DB_DOWN before COMMIT, the
 * transaction is rolled back and fn runs again from the top (up to 5 times,
 * after a short random pause; a lost node is replaced by the next). A
 * connection lost during COMMIT is DB_DOWN, not retried. Any other error
 * rolls back and is returned. */
int	 db_tx(struct db *, int (*fn)(struct db *, void *), void *arg);

/* Runs trusted multi-statement SQL text (migrations only, never input). */
int	 db_exec_script(struct db *, const char *sql);

#endif
