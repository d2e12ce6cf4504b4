/* Audit log table: append and read back. Functions return a db_status
 * (0 is DB_OK). */
#ifndef STORE_AUDIT_H
#define STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct store_audit_row {
	int64_t	 id;
	int64_t	 created_at;
	char	 actor_kind[8];
	int64_t	 actor_id;		/* 0: none */
	char	 actor_name[201];	/* staff user's name ("" otherwise) */
	char	 ip[65];
	char	 action[65];
	char	 object_type[33];
	int64_t	 object_id;
	char	*detail;		/* malloc'd */
};

/* actor_id and object_id 0 are stored as NULL. */
int	 store_audit_insert(struct db *, int64_t now, const char *actor_kind,
	    int64_t actor_id, const char *ip, const char *action,
	    const char *object_type, int64_t object_id, const char *detail);
/* A row for store_audit_insert_many (the same fields). */
struct store_audit_new {
	int64_t		 now;
	const char	*actor_kind;
	int64_t		 actor_id;
	const char	*ip;
	const char	*action;
	const char	*object_type;
	int64_t		 object_id;
	const char	*detail;
};
/* rows[0..n) in their order, up to 16 to a multi-row INSERT. */
int	 store_audit_insert_many(struct db *, const struct store_audit_new *rows,
	    size_t n);
/* Rows of one object (with related: and of what belongs to it, for
 * "account" and "client") with id < before, newest first, at most limit,
 * into a malloc'd array; free with store_audit_rows_free(). */
int	 store_audit_list(struct db *, const char *object_type,
	    int64_t object_id, int related, int64_t before, int64_t limit,
	    struct store_audit_row **out, size_t *n);
void	 store_audit_rows_free(struct store_audit_row *, size_t n);

#endif
