/* Audit log table (see store_audit.h). */
#include "common.h"

#include "db.h"
#include "store_audit.h"
#include "str.h"

int
store_audit_insert(struct db *db, int64_t now, const char *actor_kind,
    int64_t actor_id, const char *ip, const char *action,
    const char *object_type, int64_t object_id, const char *detail)
{
	struct store_audit_new row = { now, actor_kind, actor_id, ip, action,
	    object_type, object_id, detail };

	return store_audit_insert_many(db, &row, 1);
}

/* INSERTs of 16, 8, 4, 2 and 1 rows (one cached text each). */
#define AUDIT_INS	"INSERT INTO audit_log (created_at, actor_kind, actor_id," \
	" ip, action, object_type, object_id, detail) VALUES "
#define AUDIT_V1	"(?, ?, ?, ?, ?, ?, ?, ?)"
#define AUDIT_V2	AUDIT_V1 ", " AUDIT_V1
#define AUDIT_V4	AUDIT_V2 ", " AUDIT_V2
#define AUDIT_V8	AUDIT_V4 ", " AUDIT_V4
static const struct {
	size_t		 rows;
	const char	*sql;
} audit_ins[] = {
	{ 16, AUDIT_INS AUDIT_V8 ", " AUDIT_V8 }, { 8, AUDIT_INS AUDIT_V8 },
	{ 4, AUDIT_INS AUDIT_V4 }, { 2, AUDIT_INS AUDIT_V2 }, { 1, AUDIT_INS AUDIT_V1 },
};

int
store_audit_insert_many(struct db *db, const struct store_audit_new *rows,
    size_t n)
{
	struct db_param p[16 * 8];
	size_t at = 0, k, i = 0;
	int rc = DB_OK;

	while (rc == DB_OK && at < n) {
		for (i = 0; audit_ins[i].rows > n - at; i++)
			;
		for (k = 0; k < audit_ins[i].rows; k++) {
			const struct store_audit_new *r = &rows[at + k];
			struct db_param *q = &p[8 * k];

			q[0] = DB_I64(r->now);
			q[1] = DB_STR(r->actor_kind);
			q[2] = r->actor_id ? DB_I64(r->actor_id) : DB_NULL;
			q[3] = DB_STR(r->ip);
			q[4] = DB_STR(r->action);
			q[5] = DB_STR(r->object_type);
			q[6] = r->object_id ? DB_I64(r->object_id) : DB_NULL;
			q[7] = DB_STR(r->detail);
		}
		rc = db_exec(db, audit_ins[i].sql, p, 8 * k, NULL, NULL);
		at += k;
	}
	return rc;
}

/* Columns of an audit row, joined with the staff user who acted. */
#define AUDIT_COLS "a.id, a.created_at, a.actor_kind, COALESCE(a.actor_id, 0)," \
	" COALESCE(u.name, ''), a.ip, a.action, a.object_type," \
	" COALESCE(a.object_id, 0), a.detail"
#define AUDIT_USER_JOIN " LEFT JOIN users u ON a.actor_kind = 'staff'" \
	" AND u.id = a.actor_id"

/* One object's rows (index audit_object). */
static const char sql_audit_one[] =
    "SELECT " AUDIT_COLS " FROM audit_log a" AUDIT_USER_JOIN
    " WHERE a.object_type = ? AND a.object_id = ? AND a.id < ?"
    " ORDER BY a.id DESC LIMIT ?";

/* An account and everything that belongs to it: each branch walks the
 * audit_object index of one object family, newest first, so a page costs
 * at most limit rows per family. */
static const char sql_audit_account[] =
    "SELECT " AUDIT_COLS " FROM ("
    " (SELECT x.id FROM audit_log x WHERE x.object_type = 'account'"
    "  AND x.object_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    " UNION ALL (SELECT x.id FROM clients o JOIN audit_log x"
    "  ON x.object_type IN ('client', 'inquiry') AND x.object_id = o.id"
    "  WHERE o.account_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    " UNION ALL (SELECT x.id FROM invoices o JOIN audit_log x"
    "  ON x.object_type = 'invoice' AND x.object_id = o.id"
    "  WHERE o.account_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    " UNION ALL (SELECT x.id FROM payments o JOIN audit_log x"
    "  ON x.object_type = 'payment' AND x.object_id = o.id"
    "  WHERE o.account_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    " UNION ALL (SELECT x.id FROM statements o JOIN audit_log x"
    "  ON x.object_type = 'statement' AND x.object_id = o.id"
    "  WHERE o.account_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    ") k JOIN audit_log a ON a.id = k.id" AUDIT_USER_JOIN
    " ORDER BY a.id DESC LIMIT ?";

/* A client (or inquiry) with its invoices and payments. */
static const char sql_audit_client[] =
    "SELECT " AUDIT_COLS " FROM ("
    " (SELECT x.id FROM audit_log x WHERE x.object_type IN ('client', 'inquiry')"
    "  AND x.object_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    " UNION ALL (SELECT x.id FROM invoices o JOIN audit_log x"
    "  ON x.object_type = 'invoice' AND x.object_id = o.id"
    "  WHERE o.client_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    " UNION ALL (SELECT x.id FROM payments o JOIN audit_log x"
    "  ON x.object_type = 'payment' AND x.object_id = o.id"
    "  WHERE o.client_id = ? AND x.id < ? ORDER BY x.id DESC LIMIT ?)"
    ") k JOIN audit_log a ON a.id = k.id" AUDIT_USER_JOIN
    " ORDER BY a.id DESC LIMIT ?";

void
store_audit_rows_free(struct store_audit_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(rows[i].detail);
	free(rows);
}

static int
audit_row_fill(const struct db_result *r, size_t i, struct store_audit_row *row)
{
	row->id = db_i64(r, i, 0);
	row->created_at = db_i64(r, i, 1);
	str_copy(row->actor_kind, sizeof(row->actor_kind), db_str(r, i, 2));
	row->actor_id = db_i64(r, i, 3);
	str_copy(row->actor_name, sizeof(row->actor_name), db_str(r, i, 4));
	str_copy(row->ip, sizeof(row->ip), db_str(r, i, 5));
	str_copy(row->action, sizeof(row->action), db_str(r, i, 6));
	str_copy(row->object_type, sizeof(row->object_type), db_str(r, i, 7));
	row->object_id = db_i64(r, i, 8);
	row->detail = str_dup(db_str(r, i, 9));
	return row->detail == NULL ? -1 : 0;
}

static int
audit_query(struct db *db, const char *type, int64_t id, int related,
    int64_t before, int64_t lim, struct db_result *r)
{
	if (related && strcmp(type, "account") == 0) {
		struct db_param p[] = { DB_I64(id), DB_I64(before), DB_I64(lim),
		    DB_I64(id), DB_I64(before), DB_I64(lim),
		    DB_I64(id), DB_I64(before), DB_I64(lim),
		    DB_I64(id), DB_I64(before), DB_I64(lim),
		    DB_I64(id), DB_I64(before), DB_I64(lim), DB_I64(lim) };
		return db_query(db, sql_audit_account, p, ARRAY_LEN(p), r);
	}
	if (related && strcmp(type, "client") == 0) {
		struct db_param p[] = { DB_I64(id), DB_I64(before), DB_I64(lim),
		    DB_I64(id), DB_I64(before), DB_I64(lim),
		    DB_I64(id), DB_I64(before), DB_I64(lim), DB_I64(lim) };
		return db_query(db, sql_audit_client, p, ARRAY_LEN(p), r);
	}
	{
		struct db_param p[] = { DB_STR(type), DB_I64(id),
		    DB_I64(before), DB_I64(lim) };
		return db_query(db, sql_audit_one, p, ARRAY_LEN(p), r);
	}
}

int
store_audit_list(struct db *db, const char *object_type, int64_t object_id,
    int related, int64_t before, int64_t limit, struct store_audit_row **out,
    size_t *n)
{
	struct db_result r;
	struct store_audit_row *rows = NULL;
	size_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = audit_query(db, object_type, object_id, related, before, limit, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (rows = calloc(r.nrows, sizeof(*rows))) == NULL)
		rc = DB_ERR;
	for (i = 0; rc == DB_OK && i < r.nrows; i++) {
		if (audit_row_fill(&r, i, &rows[i]) == -1) {
			store_audit_rows_free(rows, i + 1);
			rows = NULL;
			rc = DB_ERR;
		}
	}
	if (rc == DB_OK) {
		*out = rows;
		*n = r.nrows;
	}
	db_result_free(&r);
	return rc;
}
