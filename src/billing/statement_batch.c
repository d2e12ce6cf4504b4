/* Bulk statements: a run selects the accounts to bill, then steps generate
 * their statements a chunk at a time (statement.h). */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "statement.h"
#include "statement_int.h"
#include "store_statement.h"
#include "str.h"

struct batch_args {
	const struct actor	*actor;
	const char		*from, *to;
	int64_t			 location_id, min_balance;
	const int64_t		*accounts;	/* selected before the transaction */
	size_t			 naccounts;
	int64_t			 id;		/* out */
};

static int
batch_create_tx(struct db *db, void *arg)
{
	struct batch_args *b = arg;
	int64_t now = clock_now(), total = (int64_t)b->naccounts;
	struct store_statement_batch s = { .location_id = b->location_id,
	    .min_balance = b->min_balance, .total = total, .created_at = now };
	char detail[300];
	int rc;

	str_copy(s.status, sizeof(s.status), total ? "running" : "done");
	str_copy(s.period_start, sizeof(s.period_start), b->from);
	str_copy(s.period_end, sizeof(s.period_end), b->to);
	rc = store_statement_batch_insert(db, &s, statement_created_by(b->actor),
	    total ? 0 : now, &b->id);
	if (rc != DB_OK)
		return rc;
	rc = store_statement_batch_items_insert(db, b->id, b->accounts,
	    b->naccounts);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "period=%s..%s location_id=%" PRId64
	    " min_balance=%" PRId64 " accounts=%" PRId64, b->from, b->to,
	    b->location_id, b->min_balance, total);
	return audit_record(db, b->actor, "statement_batch.create",
	    "statement_batch", b->id, detail);
}

int
statement_batch_create(struct db *db, const struct actor *actor, const char *from,
    const char *to, int64_t location_id, int64_t min_balance, int64_t *id_out)
{
	struct batch_args b = { actor, from, to, location_id, min_balance, NULL,
	    0, 0 };
	struct statement_period pd;
	int64_t *acc = NULL;
	int rc;

	if (statement_period_check(from, to, &pd) != ST_OK)
		return ST_INVALID;
	/* Accounts to bill: selected outside the transaction (see
	 * store_statement_batch_accounts). */
	if (store_statement_batch_accounts(db, location_id, min_balance, &acc,
	    &b.naccounts) != DB_OK)
		return ST_DB;
	b.accounts = acc;
	rc = statement_status(db_tx(db, batch_create_tx, &b));
	free(acc);
	if (rc == ST_OK && id_out)
		*id_out = b.id;
	return rc;
}

struct step_args {
	const struct actor	*actor;
	int64_t			 batch_id;
	size_t			 max;
};

/* Where each array of m stands: the next element not yet used. */
struct cursor {
	size_t	 party, total, row, open;
};

/* The facts of account id from m (its elements follow the cursor's; those
 * of accounts before id, claimed by another step, are skipped) for a period
 * ending on `to`. 0, or -1 when m has no such account. */
static int
facts_of(const struct store_statement_many *m, struct cursor *c, int64_t id,
    const char *to, struct statement_facts *f)
{
	int64_t total = 0, since = 0;

	memset(f, 0, sizeof(*f));
	while (c->party < m->nparties && m->parties[c->party].account_id < id)
		c->party++;
	if (c->party == m->nparties || m->parties[c->party].account_id != id)
		return -1;
	f->party = &m->parties[c->party];
	while (c->total < m->ntotals && m->totals[c->total].account_id < id)
		c->total++;
	if (c->total < m->ntotals && m->totals[c->total].account_id == id)
		total = m->totals[c->total].amount;
	while (c->row < m->nrows && m->rows[c->row].account_id < id)
		c->row++;
	/* Entries from `from` on, by date: the lines are those up to `to`
	 * (a prefix); the opening is what the others leave of the total. */
	for (f->rows = &m->rows[c->row]; c->row < m->nrows &&
	    m->rows[c->row].account_id == id; c->row++) {
		since += m->rows[c->row].amount;
		if (strcmp(m->rows[c->row].date, to) <= 0)
			f->nrows++;
	}
	f->opening = total - since;
	while (c->open < m->nopens && m->opens[c->open].account_id < id)
		c->open++;
	for (f->opens = &m->opens[c->open]; c->open < m->nopens &&
	    m->opens[c->open].account_id == id; c->open++)
		f->nopens++;
	return 0;
}

/* The statements of the claimed accounts acc (ascending), read for all of
 * them at once, numbered from one take of the sequence. */
static int
generate_many(struct db *db, const struct step_args *s,
    const struct store_statement_batch *b, const int64_t *acc, size_t n)
{
	struct store_statement_item *done = calloc(n, sizeof(*done));
	struct store_statement_many m;
	struct statement_facts f;
	struct cursor c = { 0, 0, 0, 0 };
	struct statement st;
	int64_t number = 0;
	int rc;

	if (done == NULL)
		return DB_ERR;
	rc = store_statement_batch_read(db, s->batch_id, acc[0], acc[n - 1],
	    b->period_start, b->period_end, &m);
	if (rc == DB_OK)
		rc = store_statement_number_take(db, (int64_t)n, &number);
	for (size_t k = 0; rc == DB_OK && k < n; k++) {
		if (facts_of(&m, &c, acc[k], b->period_end, &f) == -1) {
			rc = ST_NOT_FOUND;
			break;
		}
		rc = statement_compute_from(&st, b->period_start, b->period_end,
		    &f);
		if (rc == DB_OK) {
			str_fmt(st.number, sizeof(st.number), "STMT-%06" PRId64,
			    number + (int64_t)k);
			done[k].account_id = acc[k];
			rc = statement_store(db, s->actor, s->batch_id, &st,
			    &done[k].statement_id);
		}
		statement_free(&st);
	}
	if (rc == DB_OK)
		rc = store_statement_batch_items_done(db, s->batch_id, done, n);
	store_statement_many_free(&m);
	free(done);
	return rc;
}

static int
batch_step_tx(struct db *db, void *arg)
{
	struct step_args *s = arg;
	struct store_statement_batch b;
	int64_t *acc = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_statement_batch_get(db, s->batch_id, &b)) <= 0)
		return rc < 0 ? rc : ST_NOT_FOUND;
	if (strcmp(b.status, "done") == 0)
		return DB_OK;
	rc = store_statement_batch_claim(db, s->batch_id, s->max, &acc, &n);
	if (rc == DB_OK && n > 0)
		rc = generate_many(db, s, &b, acc, n);
	if (rc == DB_OK && n > 0)
		rc = store_statement_batch_advance(db, s->batch_id, (int64_t)n,
		    clock_now());
	free(acc);
	return rc;
}

int
statement_batch_step(struct db *db, const struct actor *actor, int64_t batch_id,
    size_t max)
{
	struct step_args s = { actor, batch_id, max };

	if (max == 0)
		return ST_OK;
	return statement_status(db_tx(db, batch_step_tx, &s));
}

int
statement_batch_get(struct db *db, int64_t id, struct statement_batch *b)
{
	struct store_statement_batch s;
	int rc = store_statement_batch_get(db, id, &s);

	if (rc <= 0)
		return rc < 0 ? ST_DB : ST_NOT_FOUND;
	b->id = s.id;
	str_copy(b->status, sizeof(b->status), s.status);
	str_copy(b->period_start, sizeof(b->period_start), s.period_start);
	str_copy(b->period_end, sizeof(b->period_end), s.period_end);
	b->location_id = s.location_id;
	b->min_balance = s.min_balance;
	b->total = s.total;
	b->done = s.done;
	b->created_at = s.created_at;
	return ST_OK;
}
