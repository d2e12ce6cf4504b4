/* Audit trail: who did what to which object, when and from where. */
#ifndef AUDIT_H
#define AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct db;

struct actor {
	const char	*kind;	/* "staff", "portal", "api", "system", "stripe" */
	int64_t		 id;	/* 0: none */
	const char	*ip;
};

/* Appends one row; detail is free text (e.g. "role: billing -> admin").
 * Call inside the transaction that makes the change. Returns a db_status. */
int	 audit_record(struct db *, const struct actor *, const char *action,
	    const char *object_type, int64_t object_id, const char *detail);
/* The detail of an update: appends "field: old -> new" (after "; " when b
 * is not empty) when the value changed, nothing when it did not. */
void	 audit_diff_str(struct buf *, const char *field, const char *was,
	    const char *now);
void	 audit_diff_i64(struct buf *, const char *field, int64_t was,
	    int64_t now);

/* Rows recorded between audit_defer_begin() and audit_defer_flush() are
 * held back (copied) and written by the flush with multi-row INSERTs, in
 * the same transaction (a batch of webhook events: one statement for up
 * to 16 rows). audit_defer_discard() drops what is held (a rolled back
 * transaction) and ends the deferral; so does the flush. */
void	 audit_defer_begin(void);
int	 audit_defer_flush(struct db *);
void	 audit_defer_discard(void);

/* One row of the trail as the audit pages show it. */
struct audit_row {
	int64_t	 id;
	int64_t	 created_at;
	char	 actor_kind[8];
	int64_t	 actor_id;		/* 0: none */
	char	 actor_name[201];	/* staff user's name ("" otherwise) */
	char	 ip[65];
	char	 action[65];
	char	 object_type[33];
	int64_t	 object_id;
	char	*detail;		/* malloc'd, never NULL after a list */
};

/* Which rows: those of one object; with related set, also the rows of the
 * objects that belong to it (account: its clients, invoices, payments and
 * statements; client: its invoices and payments). */
struct audit_filter {
	const char	*object_type;	/* "account", "client", "invoice", ... */
	int64_t		 object_id;
	int		 related;
	int64_t		 before_id;	/* keyset: 0 = newest */
	size_t		 limit;		/* 1..200 */
};

/* Rows newest first; *more = 1 when an older page exists. Caller frees
 * with audit_rows_free(). Returns a db_status. */
int	 audit_list(struct db *, const struct audit_filter *,
	    struct audit_row **out, size_t *n, int *more);
void	 audit_rows_free(struct audit_row *, size_t n);

#endif
