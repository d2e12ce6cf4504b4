/* The append-only ledger and the balances derived from it.
 *
 * Sign convention (effect on what the account owes):
 *   charge +, discount -, adjustment +/-, payment -, refund +, writeoff -.
 * Every charge/discount/adjustment/writeoff entry belongs to an invoice;
 * payment/refund entries belong to a payment. Allocations tie payments to
 * invoices. Hence, per account:
 *   sum(entries) == sum(open of issued invoices) - unallocated credit. */
#ifndef LEDGER_H
#define LEDGER_H

#include <stddef.h>
#include <stdint.h>

struct db;

enum ledger_kind {
	LK_CHARGE, LK_DISCOUNT, LK_ADJUSTMENT, LK_PAYMENT, LK_REFUND, LK_WRITEOFF,
	LK__MAX
};
extern const char *const ledger_kind_names[LK__MAX];

struct ledger_entry {
	int64_t	 id;
	char	 kind[12];
	int64_t	 amount;
	char	 entry_date[11];
	int64_t	 account_id;
	int64_t	 client_id;	/* 0 = none */
	int64_t	 invoice_id;	/* 0 = none */
	int64_t	 payment_id;	/* 0 = none */
	int64_t	 reverses_id;	/* 0 = none */
	char	 invoice_number[33];
	char	 memo[2001];	/* 500 characters of UTF-8 */
	int64_t	 created_by;
	int64_t	 created_at;
};

/* Inserts one entry (inside the caller's transaction). */
int	 ledger_post(struct db *, const struct ledger_entry *, int64_t created_by,
	    int64_t *id_out);

/* Financial summary of an account or a client. For both:
 *   charged - discounts + adjusted - paid + refunded == balance
 *                                                 == open - credit
 * (ledger_verify checks it for every account and client).
 * An account's figures are its entries. A client's are its invoices'
 * entries and the money applied (allocated) to them, whoever paid it:
 * paid = net allocations to its invoices (a refund or a void that
 * releases an allocation lowers it), refunded = 0, credit = 0; the
 * account's unallocated credit is account_credit, shown, never
 * subtracted from the client's due. */
struct balance {
	int64_t	 charged;	/* charges */
	int64_t	 discounts;	/* discounts, as a positive number */
	int64_t	 adjusted;	/* adjustments + write-offs (signed) */
	int64_t	 paid;		/* payments, as a positive number */
	int64_t	 refunded;	/* refunds, positive */
	int64_t	 balance;	/* what is owed (negative = credit) */
	int64_t	 open;		/* sum of open amounts of issued invoices: due */
	int64_t	 credit;	/* unallocated payment money (accounts only) */
	int64_t	 account_credit;	/* the account's credit (also on clients) */
};

int	 ledger_balance_account(struct db *, int64_t account_id, struct balance *);
struct account;
/* The account (profiles.h) with its balance, in one statement (the staff
 * account page): 1, 0 when no such account, -1 on errors. */
int	 ledger_account_page(struct db *, int64_t account_id, struct account *,
	    struct balance *);
int	 ledger_balance_client(struct db *, int64_t client_id, struct balance *);

struct ledger_filter {
	int64_t		 account_id;	/* one of these three is set */
	int64_t		 client_id;
	int64_t		 invoice_id;
	const char	*from;		/* YYYY-MM-DD or NULL */
	const char	*to;
	int64_t		 before_id;	/* keyset: 0 = newest */
	size_t		 limit;		/* 1..1000 */
};

/* Entries newest first. Caller frees *out. */
int	 ledger_list(struct db *, const struct ledger_filter *,
	    struct ledger_entry **out, size_t *n, int *more);

/* Recomputes every balance from entries and checks every invariant:
 * returns 0 when all hold, 1 with the first broken one described in msg,
 * or a negative db_status. */
int	 ledger_verify(struct db *, char *msg, size_t msgsz);

#endif
