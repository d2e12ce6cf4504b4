/* Payers, rates, self-pay pricing and provider facts (see payer.h). */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "payer.h"
#include "str.h"

static int
status_of(int rc)
{
	if (rc == DB_OK)
		return PAYER_OK;
	if (rc == DB_DUP)
		return PAYER_DUP;
	if (rc == PAYER_NOT_FOUND)
		return PAYER_NOT_FOUND;
	return PAYER_DB;
}

struct save_args {
	const struct actor	*actor;
	void			*obj;
};

/* --- payers --------------------------------------------------------------- */

#define PAYER_COLS "id, name, payer_code, address, phone, active"

static void
payer_from_row(const struct db_result *r, size_t i, struct payer *p)
{
	p->id = db_i64(r, i, 0);
	str_copy(p->name, sizeof(p->name), db_str(r, i, 1));
	str_copy(p->payer_code, sizeof(p->payer_code), db_str(r, i, 2));
	str_copy(p->address, sizeof(p->address), db_str(r, i, 3));
	str_copy(p->phone, sizeof(p->phone), db_str(r, i, 4));
	p->active = db_i64(r, i, 5) != 0;
}

static int
payer_save_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct payer *p = a->obj;
	struct db_param v[] = { DB_STR(p->name), DB_STR(p->payer_code),
	    DB_STR(p->address), DB_STR(p->phone), DB_I64(p->active ? 1 : 0),
	    DB_I64(p->id != 0 ? p->id : clock_now()) };
	char detail[900];
	uint64_t id = 0, n = 0;
	int rc;

	if (p->id == 0)
		rc = db_exec(db, "INSERT INTO payers (name, payer_code, address, "
		    "phone, active, created_at) VALUES (?, ?, ?, ?, ?, ?)", v,
		    ARRAY_LEN(v), NULL, &id);
	else
		rc = db_exec(db, "UPDATE payers SET name = ?, payer_code = ?, "
		    "address = ?, phone = ?, active = ? WHERE id = ?", v,
		    ARRAY_LEN(v), &n, NULL);
	if (rc != DB_OK)
		return rc;
	if (p->id == 0)
		p->id = (int64_t)id;
	str_fmt(detail, sizeof(detail), "name=%s payer_code=%s phone=%s active=%d",
	    p->name, p->payer_code, p->phone, p->active ? 1 : 0);
	return audit_record(db, a->actor, id != 0 ? "payer.create" : "payer.update",
	    "payer", p->id, detail);
}

int
payer_save(struct db *db, const struct actor *actor, struct payer *p)
{
	struct save_args a = { actor, p };
	struct payer old;
	int rc;

	if (p->id != 0 && (rc = payer_get(db, p->id, &old)) != PAYER_OK)
		return rc;
	return status_of(db_tx(db, payer_save_tx, &a));
}

int
payer_get(struct db *db, int64_t id, struct payer *p)
{
	struct db_param k[] = { DB_I64(id) };
	struct db_result r;
	int rc;

	rc = db_query(db, "SELECT " PAYER_COLS " FROM payers WHERE id = ?", k, 1, &r);
	if (rc == DB_OK && r.nrows == 1)
		payer_from_row(&r, 0, p);
	rc = rc != DB_OK ? PAYER_DB : r.nrows == 1 ? PAYER_OK : PAYER_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

int
payer_list(struct db *db, int active_only, struct payer **out, size_t *n)
{
	struct db_param k[] = { DB_I64(active_only ? 1 : 0) };
	struct db_result r;

	*out = NULL;
	*n = 0;
	if (db_query(db, "SELECT " PAYER_COLS " FROM payers WHERE active = 1 OR "
	    "? = 0 ORDER BY name", k, 1, &r) != DB_OK) {
		db_result_free(&r);
		return PAYER_DB;
	}
	if (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL) {
		db_result_free(&r);
		return PAYER_DB;
	}
	for (size_t i = 0; i < r.nrows; i++)
		payer_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	db_result_free(&r);
	return PAYER_OK;
}

/* --- pricing -------------------------------------------------------------- */

#define PRICING_SQL \
	"SELECT s.id, s.code, s.name, s.active, s.default_rate, " \
	"COALESCE(pr.rate, -1), COALESCE(se.self_pay_rate, -1), " \
	"COALESCE(se.self_pay_discount_bp, 0), COALESCE(se.billing_code, '') " \
	"FROM services s LEFT JOIN payer_rates pr ON pr.service_id = s.id AND " \
	"pr.payer_id = ? LEFT JOIN service_estimate se ON se.service_id = s.id "

static void
pricing_from_row(const struct db_result *r, size_t i, struct service_pricing *p)
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
pricing_list(struct db *db, int64_t payer_id, struct service_pricing **out,
    size_t *n)
{
	struct db_param k[] = { DB_I64(payer_id) };
	struct db_result r;

	*out = NULL;
	*n = 0;
	if (db_query(db, PRICING_SQL "ORDER BY s.code", k, 1, &r) != DB_OK ||
	    (r.nrows > 0 && (*out = calloc(r.nrows, sizeof(**out))) == NULL)) {
		db_result_free(&r);
		return PAYER_DB;
	}
	for (size_t i = 0; i < r.nrows; i++)
		pricing_from_row(&r, i, &(*out)[i]);
	*n = r.nrows;
	db_result_free(&r);
	return PAYER_OK;
}

int
pricing_get(struct db *db, int64_t payer_id, int64_t service_id,
    struct service_pricing *p)
{
	struct db_param k[] = { DB_I64(payer_id), DB_I64(service_id) };
	struct db_result r;
	int rc;

	rc = db_query(db, PRICING_SQL "WHERE s.id = ?", k, 2, &r);
	if (rc == DB_OK && r.nrows == 1)
		pricing_from_row(&r, 0, p);
	rc = rc != DB_OK ? PAYER_DB : r.nrows == 1 ? PAYER_OK : PAYER_NOT_FOUND;
	db_result_free(&r);
	return rc;
}

struct rate_args {
	const struct actor	*actor;
	int64_t			 payer_id, service_id, rate, discount_bp;
	const char		*code;
};

static int
rate_set_tx(struct db *db, void *arg)
{
	struct rate_args *a = arg;
	struct db_param k[] = { DB_I64(a->payer_id), DB_I64(a->service_id),
	    DB_I64(a->rate) };
	char detail[120];
	int rc;

	if (a->rate < 0)
		rc = db_exec(db, "DELETE FROM payer_rates WHERE payer_id = ? AND "
		    "service_id = ?", k, 2, NULL, NULL);
	else
		rc = db_exec(db, "INSERT INTO payer_rates (payer_id, service_id, rate)"
		    " VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE rate = VALUES(rate)",
		    k, 3, NULL, NULL);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "service=%" PRId64 " rate=%" PRId64,
	    a->service_id, a->rate);
	return audit_record(db, a->actor, "payer.rate", "payer", a->payer_id, detail);
}

int
payer_rate_set(struct db *db, const struct actor *actor, int64_t payer_id,
    int64_t service_id, int64_t rate)
{
	struct rate_args a = { actor, payer_id, service_id, rate, 0, NULL };

	return status_of(db_tx(db, rate_set_tx, &a));
}

static int
self_pay_tx(struct db *db, void *arg)
{
	struct rate_args *a = arg;
	struct db_param k[] = { DB_I64(a->service_id),
	    a->rate < 0 ? DB_NULL : DB_I64(a->rate), DB_I64(a->discount_bp),
	    DB_STR(a->code) };
	char detail[160];
	int rc;

	rc = db_exec(db, "INSERT INTO service_estimate (service_id, self_pay_rate, "
	    "self_pay_discount_bp, billing_code) VALUES (?, ?, ?, ?) ON DUPLICATE "
	    "KEY UPDATE self_pay_rate = VALUES(self_pay_rate), self_pay_discount_bp"
	    " = VALUES(self_pay_discount_bp), billing_code = VALUES(billing_code)",
	    k, ARRAY_LEN(k), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "self_pay_rate=%" PRId64 " discount_bp=%"
	    PRId64 " billing_code=%s", a->rate, a->discount_bp, a->code);
	return audit_record(db, a->actor, "service.self_pay", "service",
	    a->service_id, detail);
}

int
service_estimate_set(struct db *db, const struct actor *actor, int64_t service_id,
    int64_t self_pay_rate, int64_t discount_bp, const char *billing_code)
{
	struct rate_args a = { actor, 0, service_id, self_pay_rate, discount_bp,
	    billing_code };

	return status_of(db_tx(db, self_pay_tx, &a));
}

/* --- provider facts ------------------------------------------------------- */

static int
provider_query(struct db *db, int64_t location_id, int fallback,
    struct provider_info *p)
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
	return rc == DB_OK ? PAYER_OK : PAYER_DB;
}

int
provider_get(struct db *db, int64_t location_id, struct provider_info *p)
{
	return provider_query(db, location_id, 1, p);
}

int
provider_get_own(struct db *db, int64_t location_id, struct provider_info *p)
{
	return provider_query(db, location_id, 0, p);
}

struct provider_args {
	const struct actor		*actor;
	int64_t				 location_id;
	const struct provider_info	*p;
};

static int
provider_tx(struct db *db, void *arg)
{
	struct provider_args *a = arg;
	struct db_param k[] = { DB_I64(a->location_id), DB_STR(a->p->name),
	    DB_STR(a->p->npi), DB_STR(a->p->tin) };
	char detail[300];
	int rc;

	if (a->location_id != 0 && !a->p->name[0] && !a->p->npi[0] && !a->p->tin[0])
		rc = db_exec(db, "DELETE FROM provider_info WHERE location_id = ?",
		    k, 1, NULL, NULL);	/* back to the organization's */
	else
		rc = db_exec(db, "INSERT INTO provider_info (location_id, "
		    "provider_name, npi, tin) VALUES (?, ?, ?, ?) ON DUPLICATE KEY "
		    "UPDATE provider_name = VALUES(provider_name), npi = VALUES(npi),"
		    " tin = VALUES(tin)", k, ARRAY_LEN(k), NULL, NULL);
	if (rc != DB_OK)
		return rc;
	str_fmt(detail, sizeof(detail), "location=%" PRId64 " name=%s npi=%s tin=%s",
	    a->location_id, a->p->name, a->p->npi, a->p->tin);
	return audit_record(db, a->actor, "provider.update", "settings",
	    a->location_id, detail);
}

int
provider_set(struct db *db, const struct actor *actor, int64_t location_id,
    const struct provider_info *p)
{
	struct provider_args a = { actor, location_id, p };

	return status_of(db_tx(db, provider_tx, &a));
}
