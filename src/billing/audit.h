/* Audit trail: who did what to which object, when and from where. */
#ifndef AUDIT_H
#define AUDIT_H

#include <stdint.h>

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

#endif
