/* Coverage of a client (see coverage.h). */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "coverage.h"
#include "db.h"
#include "str.h"

#define COV_COLS "c.id, c.client_id, c.tier, c.payer_id, p.name, c.member_id, " \
	"c.group_number, c.subscriber, c.relationship, c.effective_from, " \
	"COALESCE(c.effective_to, ''), c.in_network, c.deductible, " \
	"c.deductible_met, c.family_deductible, c.family_deductible_met, " \
	"c.coinsurance_bp, c.copay, c.oop_max, c.oop_met, c.family_oop_max, " \
	"c.family_oop_met, c.copay_services"
#define COV_FROM " FROM coverages c JOIN payers p ON p.id = c.payer_id "

static void
cov_from_row(const struct db_result *r, size_t i, struct coverage *c)
{
	struct est_coverage *f = &c->fig;

	memset(c, 0, sizeof(*c));
	c->id = db_i64(r, i, 0);
	c->client_id = db_i64(r, i, 1);
	str_copy(c->rank, sizeof(c->rank), db_str(r, i, 2));
	c->payer_id = db_i64(r, i, 3);
	str_copy(c->payer_name, sizeof(c->payer_name), db_str(r, i, 4));
	str_copy(c->member_id, sizeof(c->member_id), db_str(r, i, 5));
	str_copy(c->group_number, sizeof(c->group_number), db_str(r, i, 6));
	str_copy(c->subscriber, sizeof(c->subscriber), db_str(r, i, 7));
	str_copy(c->relationship, sizeof(c->relationship), db_str(r, i, 8));
	str_copy(c->effective_from, sizeof(c->effective_from), db_str(r, i, 9));
	str_copy(c->effective_to, sizeof(c->effective_to), db_str(r, i, 10));
	f->in_network = db_i64(r, i, 11) != 0;
	f->deductible = db_i64(r, i, 12);
	f->deductible_met = db_i64(r, i, 13);
	f->family_deductible = db_i64(r, i, 14);
	f->family_deductible_met = db_i64(r, i, 15);
	f->coinsurance_bp = db_i64(r, i, 16);
	f->copay = db_i64(r, i, 17);
	f->oop_max = db_i64(r, i, 18);
	f->oop_met = db_i64(r, i, 19);
	f->family_oop_max = db_i64(r, i, 20);
	f->family_oop_met = db_i64(r, i, 21);
	str_copy(c->copay_services, sizeof(c->copay_services), db_str(r, i, 22));
}

int
coverage_get(struct db *db, int64_t id, struct coverage *c)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT " COV_COLS COV_FROM "WHERE c.id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1)
		cov_from_row(&r, 0, c);
	rc = rc != DB_OK ? COV_DB : r.nrows == 1 ? COV_OK : COV_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

int
coverage_list(struct db *db, int64_t client_id, struct coverage **out, size_t *n)
{
	struct db_param k[] = { DB_I64(client_id) };
	struct db_result r;

	*out = NULL;
	*n = 0;
	if (db_query(db, "SELECT " COV_COLS COV_FROM "WHERE c.client_id = ? "
	    "ORDER BY c.tier, c.id DESC", k, 1, &r) != DB_OK ||
	    (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)) {
		db_result_free(&r);
		return COV_DB;
	}
	for (size_t i = 0; i < r.nrows; i++)
		cov_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	db_result_free(&r);
	return COV_OK;
}

/* "deductible=100000 ..." for the audit trail. */
static void
cov_describe(struct buf *b, const struct coverage *c)
{
	const struct est_coverage *f = &c->fig;

	buf_printf(b, "%s payer=%" PRId64 " member=%s network=%s from=%s to=%s "
	    "deductible=%" PRId64 "/%" PRId64 " family_deductible=%" PRId64 "/%"
	    PRId64 " coinsurance_bp=%" PRId64 " copay=%" PRId64 " oop=%" PRId64
	    "/%" PRId64 " family_oop=%" PRId64 "/%" PRId64 " copay_services=%s",
	    c->rank, c->payer_id, c->member_id, f->in_network ? "in" : "out",
	    c->effective_from, c->effective_to, f->deductible_met, f->deductible,
	    f->family_deductible_met, f->family_deductible, f->coinsurance_bp,
	    f->copay, f->oop_met, f->oop_max, f->family_oop_met,
	    f->family_oop_max, c->copay_services);
}

struct save_args {
	const struct actor	*actor;
	struct coverage		*c;
	char			 old[1500];
};

static int
cov_save_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct coverage *c = a->c;
	const struct est_coverage *f = &c->fig;
	int64_t now = clock_now();
	struct db_param v[] = { DB_STR(c->rank), DB_I64(c->payer_id),
	    DB_STR(c->member_id), DB_STR(c->group_number), DB_STR(c->subscriber),
	    DB_STR(c->relationship), DB_I64(f->in_network ? 1 : 0),
	    DB_STR(c->effective_from), c->effective_to[0] ? DB_STR(c->effective_to) :
	    DB_NULL, DB_I64(f->deductible), DB_I64(f->deductible_met),
	    DB_I64(f->family_deductible), DB_I64(f->family_deductible_met),
	    DB_I64(f->coinsurance_bp), DB_I64(f->copay), DB_I64(f->oop_max),
	    DB_I64(f->oop_met), DB_I64(f->family_oop_max), DB_I64(f->family_oop_met),
	    DB_STR(c->copay_services), DB_I64(now),
	    DB_I64(c->id != 0 ? c->id : c->client_id), DB_I64(now) };
	struct buf b;
	uint64_t id = 0;
	int rc;

	if (c->id == 0)
		rc = db_exec(db, "INSERT INTO coverages (tier, payer_id, member_id, "
		    "group_number, subscriber, relationship, in_network, "
		    "effective_from, effective_to, deductible, deductible_met, "
		    "family_deductible, family_deductible_met, coinsurance_bp, copay,"
		    " oop_max, oop_met, family_oop_max, family_oop_met, "
		    "copay_services, updated_at, client_id, created_at) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?)", v, ARRAY_LEN(v), NULL, &id);
	else
		rc = db_exec(db, "UPDATE coverages SET tier = ?, payer_id = ?, "
		    "member_id = ?, group_number = ?, subscriber = ?, relationship"
		    " = ?, in_network = ?, effective_from = ?, effective_to = ?, "
		    "deductible = ?, deductible_met = ?, family_deductible = ?, "
		    "family_deductible_met = ?, coinsurance_bp = ?, copay = ?, "
		    "oop_max = ?, oop_met = ?, family_oop_max = ?, family_oop_met ="
		    " ?, copay_services = ?, updated_at = ? WHERE id = ?", v,
		    ARRAY_LEN(v) - 1, NULL, NULL);
	if (rc != DB_OK)
		return rc;
	if (c->id == 0)
		c->id = (int64_t)id;
	buf_init(&b, 4096);
	if (a->old[0])
		buf_printf(&b, "was: %s; now: ", a->old);
	cov_describe(&b, c);
	rc = audit_record(db, a->actor, id != 0 ? "coverage.create" :
	    "coverage.update", "client", c->client_id, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* One primary and one secondary at a time: COV_DUP_TIER when another
 * coverage of the same tier overlaps c's effective dates. */
static int
tier_taken(struct db *db, const struct coverage *c)
{
	struct db_param k[] = { DB_I64(c->client_id), DB_STR(c->rank),
	    DB_I64(c->id), DB_STR(c->effective_to[0] ? c->effective_to :
	    "9999-12-31"), DB_STR(c->effective_from) };
	int64_t n;

	if (db_query_i64(db, "SELECT COUNT(*) FROM coverages WHERE client_id = ? "
	    "AND tier = ? AND id <> ? AND effective_from <= ? AND (effective_to "
	    "IS NULL OR effective_to >= ?)", k, ARRAY_LEN(k), &n) != DB_OK)
		return COV_DB;
	return n > 0 ? COV_DUP_TIER : COV_OK;
}

int
coverage_save(struct db *db, const struct actor *actor, struct coverage *c)
{
	struct save_args a;
	struct coverage old;
	struct buf b;
	int64_t n;
	struct db_param k[] = { DB_I64(c->payer_id) };
	int rc;

	memset(&a, 0, sizeof(a));
	a.actor = actor;
	a.c = c;
	if (db_query_i64(db, "SELECT COUNT(*) FROM payers WHERE id = ?", k, 1,
	    &n) != DB_OK)
		return COV_DB;
	if (n == 0)
		return COV_BAD_PAYER;
	if (c->effective_to[0] && strcmp(c->effective_to, c->effective_from) < 0)
		return COV_BAD_DATES;
	if ((rc = tier_taken(db, c)) != COV_OK)
		return rc;
	if (c->id != 0) {
		if ((rc = coverage_get(db, c->id, &old)) != COV_OK)
			return rc;
		c->client_id = old.client_id;
		buf_init(&b, sizeof(a.old));
		cov_describe(&b, &old);
		str_copy(a.old, sizeof(a.old), buf_cstr(&b));
		buf_free(&b);
	}
	return db_tx(db, cov_save_tx, &a) == DB_OK ? COV_OK : COV_DB;
}

int
coverage_copay_applies(const struct coverage *c, const char *code)
{
	size_t len = strlen(code);
	const char *p = c->copay_services;

	while (len > 0 && *p) {
		size_t n;

		p += strspn(p, " ,");
		n = strcspn(p, " ,");
		if (n == len && strncasecmp(p, code, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}
