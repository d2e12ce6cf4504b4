/* Coverages of clients (see store_coverage.h). */
#include "common.h"

#include "db.h"
#include "store_coverage.h"
#include "str.h"

#define COV_COLS "c.id, c.client_id, c.tier, c.payer_id, p.name, c.member_id, " \
	"c.group_number, c.subscriber, c.relationship, c.effective_from, " \
	"COALESCE(c.effective_to, ''), c.in_network, c.deductible, " \
	"c.deductible_met, c.family_deductible, c.family_deductible_met, " \
	"c.coinsurance_bp, c.copay, c.oop_max, c.oop_met, c.family_oop_max, " \
	"c.family_oop_met, c.copay_services"
#define COV_FROM " FROM coverages c JOIN payers p ON p.id = c.payer_id "

static void
cov_from_row(const struct db_result *r, size_t i, struct store_coverage *c)
{
	memset(c, 0, sizeof(*c));
	c->id = db_i64(r, i, 0);
	c->client_id = db_i64(r, i, 1);
	str_copy(c->tier, sizeof(c->tier), db_str(r, i, 2));
	c->payer_id = db_i64(r, i, 3);
	str_copy(c->payer_name, sizeof(c->payer_name), db_str(r, i, 4));
	str_copy(c->member_id, sizeof(c->member_id), db_str(r, i, 5));
	str_copy(c->group_number, sizeof(c->group_number), db_str(r, i, 6));
	str_copy(c->subscriber, sizeof(c->subscriber), db_str(r, i, 7));
	str_copy(c->relationship, sizeof(c->relationship), db_str(r, i, 8));
	str_copy(c->effective_from, sizeof(c->effective_from), db_str(r, i, 9));
	str_copy(c->effective_to, sizeof(c->effective_to), db_str(r, i, 10));
	c->in_network = db_i64(r, i, 11) != 0;
	c->deductible = db_i64(r, i, 12);
	c->deductible_met = db_i64(r, i, 13);
	c->family_deductible = db_i64(r, i, 14);
	c->family_deductible_met = db_i64(r, i, 15);
	c->coinsurance_bp = db_i64(r, i, 16);
	c->copay = db_i64(r, i, 17);
	c->oop_max = db_i64(r, i, 18);
	c->oop_met = db_i64(r, i, 19);
	c->family_oop_max = db_i64(r, i, 20);
	c->family_oop_met = db_i64(r, i, 21);
	str_copy(c->copay_services, sizeof(c->copay_services), db_str(r, i, 22));
}

int
store_coverage_get(struct db *db, int64_t id, struct store_coverage *c)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT " COV_COLS COV_FROM "WHERE c.id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		cov_from_row(&r, 0, c);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_coverage_list(struct db *db, int64_t client_id,
    struct store_coverage **out, size_t *n)
{
	struct db_param k[] = { DB_I64(client_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT " COV_COLS COV_FROM "WHERE c.client_id = ? "
	    "ORDER BY c.tier, c.id DESC", k, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		cov_from_row(&r, i, &(*out)[i]);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

/* The 21 values of the shared columns (tier .. updated_at), then the key:
 * client_id and created_at for an insert, the id for an update. */
#define COV_VALUES(c, now) \
	DB_STR((c)->tier), DB_I64((c)->payer_id), DB_STR((c)->member_id), \
	DB_STR((c)->group_number), DB_STR((c)->subscriber), \
	DB_STR((c)->relationship), DB_I64((c)->in_network ? 1 : 0), \
	DB_STR((c)->effective_from), \
	(c)->effective_to[0] ? DB_STR((c)->effective_to) : DB_NULL, \
	DB_I64((c)->deductible), DB_I64((c)->deductible_met), \
	DB_I64((c)->family_deductible), DB_I64((c)->family_deductible_met), \
	DB_I64((c)->coinsurance_bp), DB_I64((c)->copay), DB_I64((c)->oop_max), \
	DB_I64((c)->oop_met), DB_I64((c)->family_oop_max), \
	DB_I64((c)->family_oop_met), DB_STR((c)->copay_services), DB_I64(now)

int
store_coverage_insert(struct db *db, const struct store_coverage *c,
    int64_t now, int64_t *id)
{
	struct db_param v[] = { COV_VALUES(c, now), DB_I64(c->client_id),
	    DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO coverages (tier, payer_id, member_id, "
	    "group_number, subscriber, relationship, in_network, "
	    "effective_from, effective_to, deductible, deductible_met, "
	    "family_deductible, family_deductible_met, coinsurance_bp, copay,"
	    " oop_max, oop_met, family_oop_max, family_oop_met, "
	    "copay_services, updated_at, client_id, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?)", v, ARRAY_LEN(v), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_coverage_update(struct db *db, const struct store_coverage *c,
    int64_t now)
{
	struct db_param v[] = { COV_VALUES(c, now), DB_I64(c->id) };

	return db_exec(db, "UPDATE coverages SET tier = ?, payer_id = ?, "
	    "member_id = ?, group_number = ?, subscriber = ?, relationship"
	    " = ?, in_network = ?, effective_from = ?, effective_to = ?, "
	    "deductible = ?, deductible_met = ?, family_deductible = ?, "
	    "family_deductible_met = ?, coinsurance_bp = ?, copay = ?, "
	    "oop_max = ?, oop_met = ?, family_oop_max = ?, family_oop_met ="
	    " ?, copay_services = ?, updated_at = ? WHERE id = ?", v,
	    ARRAY_LEN(v), NULL, NULL);
}

int
store_coverage_overlaps(struct db *db, int64_t client_id, const char *tier,
    int64_t except_id, const char *from, const char *to, int64_t *n)
{
	struct db_param k[] = { DB_I64(client_id), DB_STR(tier),
	    DB_I64(except_id), DB_STR(to), DB_STR(from) };

	return db_query_i64(db, "SELECT COUNT(*) FROM coverages WHERE client_id = ? "
	    "AND tier = ? AND id <> ? AND effective_from <= ? AND (effective_to "
	    "IS NULL OR effective_to >= ?)", k, ARRAY_LEN(k), n);
}

int
store_coverage_payer_exists(struct db *db, int64_t payer_id)
{
	struct db_param k[] = { DB_I64(payer_id) };
	int64_t n = 0;
	int rc;

	rc = db_query_i64(db, "SELECT COUNT(*) FROM payers WHERE id = ?", k, 1,
	    &n);
	return rc == DB_OK ? n > 0 : rc;
}
