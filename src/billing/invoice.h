/* Invoices: drafts edited freely; issue assigns the next gap-free number and
 * posts the lines to the ledger; void reverses; adjustments on issued
 * invoices are new entries. Display status is derived:
 * draft, open, partial, paid, void. */
#ifndef INVOICE_H
#define INVOICE_H

#include <stddef.h>
#include <stdint.h>

#include "calc.h"

struct db;
struct actor;

#define INVOICE_MAX_LINES	200

struct invoice_line {
	int64_t			 id;
	int64_t			 service_id;	/* 0 = none */
	char			 description[2001];	/* 500 characters of UTF-8 */
	int64_t			 quantity;
	int64_t			 rate;
	enum discount_kind	 dk;
	int64_t			 dv;
	/* derived */
	int64_t			 gross, discount, net;
};

struct invoice {
	int64_t			 id;
	char			 number[33];	/* "" until issued */
	int64_t			 account_id;
	int64_t			 client_id;	/* 0 = account-level */
	int64_t			 location_id;	/* 0 = none */
	int64_t			 payment_type_id;
	char			 status[8];	/* stored: draft | issued | void */
	char			 invoice_date[11];
	char			 due_date[11];
	char			*notes;		/* malloc'd, may be NULL */
	enum discount_kind	 dk;
	int64_t			 dv;
	char			 void_reason[2001];
	int64_t			 issued_at;
	/* derived */
	struct calc_invoice	 totals;	/* from the lines */
	int64_t			 total;		/* issued: sum of its ledger entries */
	int64_t			 paid;		/* sum of allocations */
	int64_t			 open;		/* total - paid */
	char			 display_status[8];
	char			 account_name[201];
	char			 client_name[203];
	char			 location_name[201];
	char			 payment_type_name[101];
	struct invoice_line	*lines;		/* malloc'd */
	size_t			 nlines;
};

enum invoice_status {
	INV_OK = 0,
	INV_NOT_FOUND = 1,
	INV_NOT_DRAFT = 2,	/* only drafts can be edited or issued */
	INV_EMPTY = 3,		/* issuing needs at least one line */
	INV_INVALID = 4,	/* see msg: bad amounts/discount/dates/references */
	INV_ALREADY_VOID = 5,
	INV_NOT_ISSUED = 6,	/* adjust/void need an issued invoice */
	INV_DB = -1,
};

void	 invoice_free(struct invoice *);
/* Create (id == 0; id filled in) or replace a draft with its lines.
 * Validates references, dates (due >= invoice date) and amounts (calc).
 * msg gets a user-facing reason for INV_INVALID. */
int	 invoice_save_draft(struct db *, const struct actor *, struct invoice *,
	    char *msg, size_t msgsz);
/* Loads header, lines and derived amounts. */
int	 invoice_get(struct db *, int64_t id, struct invoice *);
/* draft -> issued: number INV-000123 from the sequence, ledger charges and
 * discounts posted, all in one transaction. */
int	 invoice_issue(struct db *, const struct actor *, int64_t id);
/* issued -> void: reversing entries for every non-payment entry, allocations
 * to it released (the money becomes account credit). reason required. */
int	 invoice_void(struct db *, const struct actor *, int64_t id, const char *reason);
/* An adjustment (signed) or write-off (positive amount reduces what is owed)
 * on an issued invoice. The open amount may not go below zero. */
int	 invoice_adjust(struct db *, const struct actor *, int64_t id, int writeoff,
	    int64_t amount, const char *memo, char *msg, size_t msgsz);

struct invoice_filter {
	int64_t		 account_id;	/* 0 = any */
	int64_t		 client_id;
	int64_t		 location_id;
	const char	*status;	/* display status or NULL */
	int64_t		 before_id;
	size_t		 limit;		/* 1..200 */
};
/* Headers only (no lines), newest first. Caller frees each with
 * invoice_free() and the array with free(). */
int	 invoice_list(struct db *, const struct invoice_filter *,
	    struct invoice **out, size_t *n, int *more);
/* The account's invoices posted to the portal (issued or void), newest
 * first, headers only; (*posted_at)[i] is when invoice i was posted. One
 * statement. Caller frees each with invoice_free() and both arrays. */
int	 invoice_list_posted(struct db *, int64_t account_id, struct invoice **out,
	    int64_t **posted_at, size_t *n);

#endif
