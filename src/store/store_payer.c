/* Payers, rates, self-pay pricing, provider facts (see store_payer.h). */
#include "common.h"

#include "db.h"
#include "store_payer.h"
#include "str.h"

/* --- payers --------------------------------------------------------------- */

#define PAYER_COLS "id, name, payer_code, address, phone, active"

static void
payer_from_row(const struct db_result *r, size_t i, struct store_payer *p)
{
	p->id = db_i64(r, i, 0);
	str_copy(p->name, sizeof(p->name), db_str(r, i, 1));
	str_copy(p->payer_code, sizeof(p->payer_code), db_str(r, i, 2));
	str_copy(p->address, sizeof(p->address), db_str(r, i, 3));
	str_copy(p->phone, sizeof(p->phone), db_str(r, i, 4));
	p->active = db_i64(r, i, 5) != 0;
}

int
store_payer_insert(struct db *db, const struct store_payer *p, int64_t now,
    int64_t *id)
{
	struct db_param v[] = { DB_STR(p->name), DB_STR(p->payer_code),
	    DB_STR(p->address), DB_STR(p->phone), DB_I64(p->active ? 1 : 0),
	    DB_I64(now) };
	uint64_t newid = 0;
	int rc;

	rc = db_exec(db, "INSERT INTO payers (name, payer_code, address, "
	    "phone, active, created_at) VALUES (?, ?, ?, ?, ?, ?)", v,
	    ARRAY_LEN(v), NULL, &newid);
	*id = (int64_t)newid;
	return rc;
}

int
store_payer_update(struct db *db, const struct store_payer *p)
{
	struct db_param v[] = { DB_STR(p->name), DB_STR(p->payer_code),
	    DB_STR(p->address), DB_STR(p->phone), DB_I64(p->active ? 1 : 0),
	    DB_I64(p->id) };

	return db_exec(db, "UPDATE payers SET name = ?, payer_code = ?, "
	    "address = ?, phone = ?, active = ? WHERE id = ?", v,
	    ARRAY_LEN(v), NULL, NULL);
}

int
store_payer_get(struct db *db, int64_t id, struct store_payer *p)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT " PAYER_COLS " FROM payers WHERE id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1) {
		payer_from_row(&r, 0, p);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_payer_list(struct db *db, int active_only, struct store_payer **out,
    size_t *n)
{
	struct db_param k[] = { DB_I64(active_only ? 1 : 0) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, "SELECT " PAYER_COLS " FROM payers WHERE active = 1 OR "
	    "? = 0 ORDER BY name", k, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		payer_from_row(&r, i, &(*out)[i]);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

/* --- pricing -------------------------------------------------------------- */

#define PRICING_SQL \
	"SELECT s.id, s.code, s.name, s.active, s.default_rate, " \
	"COALESCE(pr.rate, -1), COALESCE(se.self_pay_rate, -1), " \
	"COALESCE(se.self_pay_discount_bp, 0), COALESCE(se.billing_code, '') " \
	"FROM services s LEFT JOIN payer_rates pr ON pr.service_id = s.id AND " \
	"pr.payer_id = ? LEFT JOIN service_estimate se ON se.service_id = s.id "

static void
pricing_from_row(const struct db_result *r, size_t i, struct store_pricing *p)
{
	p->service_id = db_i64(r, i, 0);
	str_copy(p->code, sizeof(p->code), db_str(r, i, 1));
	str_copy(p->name, sizeof(p->name), db_str(r, i, 2));
	p->active = db_i64(r, i, 3) != 0;
	p->standard = db_i64(r, i, 4);
	p->contracted = db_i64(r, i, 5);
	p->self_pay = db_i64(r, i, 6);
	p->discount_bp = db_i64(r, i, 7);
	str_copy(p->billing_code, sizeof(p->billing_code), db_str(r, i, 8));
}

int
store_payer_pricing_list(struct db *db, int64_t payer_id,
    struct store_pricing **out, size_t *n)
{
	struct db_param k[] = { DB_I64(payer_id) };
	struct db_result r;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_query(db, PRICING_SQL "ORDER BY s.code", k, 1, &r);
	if (rc == DB_OK && r.nrows > 0 &&
	    (*out = calloc(r.nrows, sizeof(**out))) == NULL)
		rc = DB_ERR;
	for (size_t i = 0; rc == DB_OK && i < r.nrows; i++)
		pricing_from_row(&r, i, &(*out)[i]);
	if (rc == DB_OK)
		*n = r.nrows;
	db_result_free(&r);
	return rc;
}

int
store_payer_pricing_get(struct db *db, int64_t payer_id, int64_t service_id,
    struct store_pricing *p)
{
	struct db_param k[] = { DB_I64(payer_id), DB_I64(service_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, PRICING_SQL "WHERE s.id = ?", k, 2, &r);
	if (rc == DB_OK && r.nrows == 1) {
		pricing_from_row(&r, 0, p);
		rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int
store_payer_rate_set(struct db *db, int64_t payer_id, int64_t service_id,
    int64_t rate)
{
	struct db_param k[] = { DB_I64(payer_id), DB_I64(service_id),
	    DB_I64(rate) };

	if (rate < 0)
		return db_exec(db, "DELETE FROM payer_rates WHERE payer_id = ? AND "
		    "service_id = ?", k, 2, NULL, NULL);
	return db_exec(db, "INSERT INTO payer_rates (payer_id, service_id, rate)"
	    " VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE rate = VALUES(rate)",
	    k, 3, NULL, NULL);
}

int
store_payer_self_pay_set(struct db *db, int64_t service_id,
    int64_t self_pay_rate, int64_t discount_bp, const char *billing_code)
{
	struct db_param k[] = { DB_I64(service_id),
	    self_pay_rate < 0 ? DB_NULL : DB_I64(self_pay_rate),
	    DB_I64(discount_bp), DB_STR(billing_code) };

	return db_exec(db, "INSERT INTO service_estimate (service_id, self_pay_rate, "
	    "self_pay_discount_bp, billing_code) VALUES (?, ?, ?, ?) ON DUPLICATE "
	    "KEY UPDATE self_pay_rate = VALUES(self_pay_rate), self_pay_discount_bp"
	    " = VALUES(self_pay_discount_bp), billing_code = VALUES(billing_code)",
	    k, ARRAY_LEN(k), NULL, NULL);
}

/* --- provider facts ------------------------------------------------------- */

int
store_payer_provider_get(struct db *db, int64_t location_id, int fallback,
    struct store_provider *p)
{
	struct db_param k[] = { DB_I64(location_id), DB_I64(fallback ? 0 :
	    location_id) };
	struct db_result r;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = db_query(db, "SELECT provider_name, npi, tin FROM provider_info WHERE "
	    "location_id IN (?, ?) ORDER BY location_id DESC LIMIT 1", k, 2, &r);
	if (rc == DB_OK && r.nrows == 1) {
		str_copy(p->name, sizeof(p->name), db_str(&r, 0, 0));
		str_copy(p->npi, sizeof(p->npi), db_str(&r, 0, 1));
		str_copy(p->tin, sizeof(p->tin), db_str(&r, 0, 2));
	}
	db_result_free(&r);
	return rc;
}

int
store_payer_provider_set(struct db *db, int64_t location_id,
    const struct store_provider *p)
{
	struct db_param k[] = { DB_I64(location_id), DB_STR(p->name),
	    DB_STR(p->npi), DB_STR(p->tin) };

	return db_exec(db, "INSERT INTO provider_info (location_id, "
	    "provider_name, npi, tin) VALUES (?, ?, ?, ?) ON DUPLICATE KEY "
	    "UPDATE provider_name = VALUES(provider_name), npi = VALUES(npi),"
	    " tin = VALUES(tin)", k, ARRAY_LEN(k), NULL, NULL);
}

int
store_payer_provider_delete(struct db *db, int64_t location_id)
{
	struct db_param k[] = { DB_I64(location_id) };

	return db_exec(db, "DELETE FROM provider_info WHERE location_id = ?",
	    k, 1, NULL, NULL);
}
