#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"

int
audit_record(struct db *db, const struct actor *a, const char *action,
    const char *object_type, int64_t object_id, const char *detail)
{
	struct db_param p[] = { DB_I64(clock_now()), DB_STR(a->kind),
	    a->id ? DB_I64(a->id) : DB_NULL, DB_STR(a->ip ? a->ip : ""),
	    DB_STR(action), DB_STR(object_type),
	    object_id ? DB_I64(object_id) : DB_NULL, DB_STR(detail ? detail : "") };

	return db_exec(db, "INSERT INTO audit_log (created_at, actor_kind, actor_id,"
	    " ip, action, object_type, object_id, detail)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p, ARRAY_LEN(p), NULL, NULL);
}
