/* Statements: what statement.c, statement_doc.c and statement_batch.c share
 * (not for other modules). */
#ifndef STATEMENT_INT_H
#define STATEMENT_INT_H

#include <stddef.h>
#include <stdint.h>

struct actor;
struct db;
struct statement;
struct stmt_schedule;
struct store_statement;
struct store_statement_schedule;

struct statement_period {
	const char	*from, *to;
	int64_t		 from_days, to_days;
};

/* ST_OK, or ST_INVALID for a bad or too long range. */
int	 statement_period_check(const char *from, const char *to,
	    struct statement_period *);
/* A transaction body's result (db status or ST_*) as an ST_* status. */
int	 statement_status(int rc);
/* Who to record in created_by: staff users only (0: nobody). */
int64_t	 statement_created_by(const struct actor *);
/* Fills *st (statement_free it, also on error). A db status or
 * ST_NOT_FOUND / ST_INVALID. Works inside or outside a transaction. */
int	 statement_compute(struct db *, int64_t account_id, int64_t client_id,
	    const char *from, const char *to, struct statement *);

/* What an account's statement is computed from, read beforehand (a bulk
 * run reads it for many accounts at once: store_statement_batch_read). */
struct store_statement_open;
struct store_statement_party;
struct store_statement_row;
struct statement_facts {
	const struct store_statement_party	*party;
	int64_t					 opening;
	const struct store_statement_row	*rows;	/* in statement order */
	size_t					 nrows;
	const struct store_statement_open	*opens;
	size_t					 nopens;
};
/* statement_compute() of a whole account from f (no reads). */
int	 statement_compute_from(struct statement *, const char *from,
	    const char *to, const struct statement_facts *f);

/* One statement to generate (statement_doc.c). */
struct statement_gen {
	const struct actor	*actor;
	int64_t			 account_id, client_id, batch_id;
	const char		*from, *to;
	int64_t			 id;	/* out */
};
/* Computes, numbers, stores and audits one statement inside the caller's
 * transaction (a db status or ST_*). */
int	 statement_generate_in_tx(struct db *, struct statement_gen *);
/* Stores the computed st (numbered) and audits it: *id gets its id. */
int	 statement_store(struct db *, const struct actor *, int64_t batch_id,
	    const struct statement *, int64_t *id);

/* A stored schedule's fields (all but enabled) into *s
 * (statement_schedule.c). */
void	 statement_schedule_from_store(const struct store_statement_schedule *,
	    struct stmt_schedule *);

#endif
