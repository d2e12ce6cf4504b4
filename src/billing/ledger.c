#include "common.h"

#include "clock.h"
#include "db.h"
#include "billing_conv.h"
#include "ledger.h"
#include "profiles.h"
#include "store_profile.h"
#include "store_ledger.h"
#include "str.h"

const char *const ledger_kind_names[LK__MAX] = {
	"charge", "discount", "adjustment", "payment", "refund", "writeoff",
};

int
ledger_post(struct db *db, const struct ledger_entry *e, int64_t created_by,
    int64_t *id_out)
{
	struct store_ledger_entry s;

	memset(&s, 0, sizeof(s));
	str_copy(s.kind, sizeof(s.kind), e->kind);
	s.amount = e->amount;
	str_copy(s.entry_date, sizeof(s.entry_date), e->entry_date);
	s.account_id = e->account_id;
	s.client_id = e->client_id;
	s.invoice_id = e->invoice_id;
	s.payment_id = e->payment_id;
	s.reverses_id = e->reverses_id;
	str_copy(s.memo, sizeof(s.memo), e->memo);
	s.created_by = created_by;
	s.created_at = clock_now();
	return store_ledger_insert(db, &s, id_out);
}

/* The stored sums by kind as positive figures where the kind's sign is
 * fixed (discounts, payments). */
static void
balance_from_sums(const struct store_ledger_sums *s, struct balance *b)
{
	b->charged = s->charge;
	b->discounts = -s->discount;
	b->adjusted = s->adjustment;
	b->paid = -s->payment;
	b->refunded = s->refund;
	b->balance = s->total;
}

/* The entries by kind through ledger_account_date, and the credit (payment
 * money net of refunds, less what is allocated of the account's payments)
 * beside them. */
static void
balance_of_account(const struct store_ledger_sums *s, struct balance *b)
{
	balance_from_sums(s, b);
	b->credit = s->credit;
	b->account_credit = b->credit;
	b->open = b->balance + b->credit;
}

int
ledger_balance_account(struct db *db, int64_t account_id, struct balance *b)
{
	struct store_ledger_sums s;
	int rc;

	memset(b, 0, sizeof(*b));
	if ((rc = store_ledger_account_sums(db, account_id, &s)) != DB_OK)
		return rc;
	balance_of_account(&s, b);
	return DB_OK;
}

int
ledger_account_page(struct db *db, int64_t account_id, struct account *a,
    struct balance *b)
{
	struct store_ledger_sums s;
	struct store_account sa;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = store_ledger_account_page(db, account_id, &sa, &s);
	if (rc == 1) {
		account_from_store(&sa, a);
		balance_of_account(&s, b);
	}
	return rc < 0 ? -1 : rc;
}

/* A client's figures: its invoices' entries (charges, discounts,
 * adjustments, write-offs) less the money applied to those invoices,
 * whoever paid it (the client, the account, a pay link, the portal). */
int
ledger_balance_client(struct db *db, int64_t client_id, struct balance *b)
{
	struct store_ledger_client c;
	int rc;

	memset(b, 0, sizeof(*b));
	if ((rc = store_ledger_client_figures(db, client_id, &c)) != DB_OK)
		return rc;
	balance_from_sums(&c.sums, b);
	b->paid = c.applied;
	b->refunded = 0;
	b->balance = b->charged - b->discounts + b->adjusted - b->paid;
	b->open = c.issued_total - c.issued_paid;
	b->credit = 0;
	if (c.account_id != 0)
		rc = store_ledger_account_credit(db, c.account_id, &b->account_credit);
	return rc;
}

static void
entry_from_store(const struct store_ledger_entry *s, struct ledger_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->id = s->id;
	str_copy(e->kind, sizeof(e->kind), s->kind);
	e->amount = s->amount;
	str_copy(e->entry_date, sizeof(e->entry_date), s->entry_date);
	e->account_id = s->account_id;
	e->client_id = s->client_id;
	e->invoice_id = s->invoice_id;
	e->payment_id = s->payment_id;
	e->reverses_id = s->reverses_id;
	str_copy(e->invoice_number, sizeof(e->invoice_number), s->invoice_number);
	str_copy(e->memo, sizeof(e->memo), s->memo);
	e->created_by = s->created_by;
	e->created_at = s->created_at;
}

int
ledger_list(struct db *db, const struct ledger_filter *f,
    struct ledger_entry **out, size_t *n, int *more)
{
	size_t limit = f->limit < 1 ? 50 : f->limit > 1000 ? 1000 : f->limit;
	struct store_ledger_query q = { f->account_id, f->client_id,
	    f->invoice_id, f->from, f->to, f->before_id, limit };
	struct store_ledger_entry *rows = NULL;
	size_t got = 0;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (!f->account_id && !f->client_id && !f->invoice_id)
		return DB_ERR;
	if ((rc = store_ledger_list(db, &q, &rows, &got)) != DB_OK)
		return rc;
	*more = got > limit;
	*n = got > limit ? limit : got;
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		free(rows);
		*n = 0;
		return DB_ERR;
	}
	for (size_t i = 0; i < *n; i++)
		entry_from_store(&rows[i], &(*out)[i]);
	free(rows);
	return DB_OK;
}

static int ledger_verify_all(struct db *, char *, size_t);

/* The checks group whole tables once: split materialization off for them
 * (store_ledger_verify_split), back on after. */
int
ledger_verify(struct db *db, char *msg, size_t msgsz)
{
	int rc = store_ledger_verify_split(db, 0);

	if (rc == DB_OK)
		rc = ledger_verify_all(db, msg, msgsz);
	if (store_ledger_verify_split(db, 1) != DB_OK && rc == 0)
		rc = DB_ERR;
	return rc;
}

/* Each invariant is one query that returns the first violating row (or
 * none) with a description; the first broken one is reported. */
static int
ledger_verify_all(struct db *db, char *msg, size_t msgsz)
{
	size_t n = store_ledger_invariants();
	char found[1024];

	for (size_t i = 0; i < n; i++) {
		const char *name = store_ledger_invariant_name(i);
		int rc = store_ledger_invariant_check(db, i, found, sizeof(found));

		if (rc < 0) {
			str_fmt(msg, msgsz, "%s: query failed: %s", name, db_error(db));
			return rc;
		}
		if (rc == 1) {
			str_fmt(msg, msgsz, "%s: %s", name, found);
			return 1;
		}
	}
	str_fmt(msg, msgsz, "%zu invariants hold", n);
	return 0;
}
