/* One invoice: its header (struct store_invoice_row, shared with the
 * lists of store_invoice_list.h), its lines, the draft writes, the locks
 * its life takes, and the gap-free numbering (sequences 'invoice'). The
 * rules (what may change when, the lock order, the number's format) are
 * billing's (invoice.c, invoice_life.c). Functions return a db_status
 * (0 is DB_OK) unless said otherwise; writes and FOR UPDATE reads run
 * inside the caller's transaction. */
#ifndef STORE_INVOICE_H
#define STORE_INVOICE_H

#include <stddef.h>
#include <stdint.h>

#include "store_invoice_list.h"

struct db;

/* 1 and the header (posted_at 0) with *notes (malloc'd; the caller frees
 * it) when found, 0 when not, or a negative db_status. */
int	 store_invoice_get(struct db *, int64_t id, struct store_invoice_row *,
	    char **notes);

struct store_invoice_line {
	int64_t	 id;			/* read only */
	int64_t	 service_id;		/* 0 = none */
	char	 description[2001];	/* VARCHAR(500) */
	int64_t	 quantity;
	int64_t	 rate;
	char	 discount_kind[8];	/* none | percent | fixed */
	int64_t	 discount_value;
};
/* The invoice's lines in their order; *out malloc'd, the caller frees it. */
int	 store_invoice_lines(struct db *, int64_t invoice_id,
	    struct store_invoice_line **out, size_t *n);
/* Deletes every line of the invoice (a draft's lines are replaced whole). */
int	 store_invoice_lines_delete(struct db *, int64_t invoice_id);
/* Inserts one line at position (1-based). */
int	 store_invoice_line_insert(struct db *, int64_t invoice_id, int64_t position,
	    const struct store_invoice_line *);

/* A draft's header as written; ids 0 = none (NULL); notes NULL = "". */
struct store_invoice_draft {
	int64_t		 id;		/* update only */
	int64_t		 account_id;	/* insert only: a draft keeps its account */
	int64_t		 client_id;
	int64_t		 location_id;
	int64_t		 payment_type_id;
	const char	*invoice_date;
	const char	*due_date;
	const char	*notes;
	const char	*discount_kind;
	int64_t		 discount_value;
};
/* A new draft; created_by 0 = none. */
int	 store_invoice_draft_insert(struct db *, const struct store_invoice_draft *,
	    int64_t created_by, int64_t now, int64_t *id);
/* Rewrites the header of d->id if it is still a draft. */
int	 store_invoice_draft_update(struct db *, const struct store_invoice_draft *,
	    int64_t now);

/* 1 when the account exists, 0 when not, or a negative db_status. */
int	 store_invoice_account_exists(struct db *, int64_t account_id);
/* 1 when the client exists on that account, 0 when not, or < 0. */
int	 store_invoice_client_of(struct db *, int64_t client_id, int64_t account_id);

/* The invoice's row locked (FOR UPDATE): 1 and its state when found, 0
 * when not, or a negative db_status. */
struct store_invoice_state {
	char	 status[8];	/* draft | issued | void */
	int64_t	 account_id;
	int64_t	 client_id;	/* 0 = none */
};
int	 store_invoice_lock(struct db *, int64_t id, struct store_invoice_state *);
/* Locks (FOR UPDATE) the account row of the invoice; nothing when there is
 * no such invoice. */
int	 store_invoice_lock_account(struct db *, int64_t invoice_id);

/* Takes the next invoice number: locks the sequence row, moves it on by
 * one, *seq = the number taken (>= 1). DB_ERR when the sequence is missing
 * or below 1 (the migration seeds it). */
int	 store_invoice_number_take(struct db *, int64_t *seq);
/* draft -> issued with its number. */
int	 store_invoice_set_issued(struct db *, int64_t id, const char *number,
	    int64_t now);
/* -> void with its reason. */
int	 store_invoice_set_void(struct db *, int64_t id, const char *reason,
	    int64_t now);

#endif
