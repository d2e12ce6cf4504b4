/* Payers, rates, self-pay pricing and provider facts (see payer.h; rows in
 * store_payer.c). */
#include "common.h"

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "payer.h"
#include "store_payer.h"
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

static void
payer_from_store(const struct store_payer *s, struct payer *p)
{
	p->id = s->id;
	str_copy(p->name, sizeof(p->name), s->name);
	str_copy(p->payer_code, sizeof(p->payer_code), s->payer_code);
	str_copy(p->address, sizeof(p->address), s->address);
	str_copy(p->phone, sizeof(p->phone), s->phone);
	p->active = s->active;
}

static int
payer_save_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	struct payer *p = a->obj;
	struct store_payer s;
	char detail[900];
	int64_t id = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	s.id = p->id;
	str_copy(s.name, sizeof(s.name), p->name);
	str_copy(s.payer_code, sizeof(s.payer_code), p->payer_code);
	str_copy(s.address, sizeof(s.address), p->address);
	str_copy(s.phone, sizeof(s.phone), p->phone);
	s.active = p->active;
	if (p->id == 0)
		rc = store_payer_insert(db, &s, clock_now(), &id);
	else
		rc = store_payer_update(db, &s);
	if (rc != DB_OK)
		return rc;
	if (p->id == 0)
		p->id = id;
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
	struct store_payer s;
	int rc = store_payer_get(db, id, &s);

	if (rc < 0)
		return PAYER_DB;
	if (rc == 0)
		return PAYER_NOT_FOUND;
	payer_from_store(&s, p);
	return PAYER_OK;
}

int
payer_list(struct db *db, int active_only, struct payer **out, size_t *n)
{
	struct store_payer *s = NULL;
	size_t ns = 0;

	*out = NULL;
	*n = 0;
	if (store_payer_list(db, active_only, &s, &ns) != DB_OK)
		return PAYER_DB;
	if (ns > 0 && (*out = calloc(ns, sizeof(**out))) == NULL) {
		free(s);
		return PAYER_DB;
	}
	for (size_t i = 0; i < ns; i++)
		payer_from_store(&s[i], &(*out)[i]);
	*n = ns;
	free(s);
	return PAYER_OK;
}

/* --- pricing -------------------------------------------------------------- */

static void
pricing_from_store(const struct store_pricing *s, struct service_pricing *p)
{
	p->service_id = s->service_id;
	str_copy(p->code, sizeof(p->code), s->code);
	str_copy(p->name, sizeof(p->name), s->name);
	p->active = s->active;
	p->standard = s->standard;
	p->contracted = s->contracted;
	p->self_pay = s->self_pay;
	p->discount_bp = s->discount_bp;
	str_copy(p->billing_code, sizeof(p->billing_code), s->billing_code);
}

int
pricing_list(struct db *db, int64_t payer_id, struct service_pricing **out,
    size_t *n)
{
	struct store_pricing *s = NULL;
	size_t ns = 0;

	*out = NULL;
	*n = 0;
	if (store_payer_pricing_list(db, payer_id, &s, &ns) != DB_OK)
		return PAYER_DB;
	if (ns > 0 && (*out = calloc(ns, sizeof(**out))) == NULL) {
		free(s);
		return PAYER_DB;
	}
	for (size_t i = 0; i < ns; i++)
		pricing_from_store(&s[i], &(*out)[i]);
	*n = ns;
	free(s);
	return PAYER_OK;
}

int
pricing_get(struct db *db, int64_t payer_id, int64_t service_id,
    struct service_pricing *p)
{
	struct store_pricing s;
	int rc = store_payer_pricing_get(db, payer_id, service_id, &s);

	if (rc < 0)
		return PAYER_DB;
	if (rc == 0)
		return PAYER_NOT_FOUND;
	pricing_from_store(&s, p);
	return PAYER_OK;
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
	char detail[120];
	int rc;

	rc = store_payer_rate_set(db, a->payer_id, a->service_id, a->rate);
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
	char detail[160];
	int rc;

	rc = store_payer_self_pay_set(db, a->service_id, a->rate, a->discount_bp,
	    a->code);
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
	struct store_provider s;

	memset(p, 0, sizeof(*p));
	if (store_payer_provider_get(db, location_id, fallback, &s) != DB_OK)
		return PAYER_DB;
	str_copy(p->name, sizeof(p->name), s.name);
	str_copy(p->npi, sizeof(p->npi), s.npi);
	str_copy(p->tin, sizeof(p->tin), s.tin);
	return PAYER_OK;
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
	struct store_provider s;
	char detail[300];
	int rc;

	if (a->location_id != 0 && !a->p->name[0] && !a->p->npi[0] && !a->p->tin[0])
		/* back to the organization's */
		rc = store_payer_provider_delete(db, a->location_id);
	else {
		str_copy(s.name, sizeof(s.name), a->p->name);
		str_copy(s.npi, sizeof(s.npi), a->p->npi);
		str_copy(s.tin, sizeof(s.tin), a->p->tin);
		rc = store_payer_provider_set(db, a->location_id, &s);
	}
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
