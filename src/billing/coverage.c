/* Coverage of a client (see coverage.h; rows in store_coverage.c). */
#include "common.h"

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "coverage.h"
#include "db.h"
#include "store_coverage.h"
#include "str.h"

static void
cov_from_store(const struct store_coverage *s, struct coverage *c)
{
	struct est_coverage *f = &c->fig;

	memset(c, 0, sizeof(*c));
	c->id = s->id;
	c->client_id = s->client_id;
	str_copy(c->rank, sizeof(c->rank), s->tier);
	c->payer_id = s->payer_id;
	str_copy(c->payer_name, sizeof(c->payer_name), s->payer_name);
	str_copy(c->member_id, sizeof(c->member_id), s->member_id);
	str_copy(c->group_number, sizeof(c->group_number), s->group_number);
	str_copy(c->subscriber, sizeof(c->subscriber), s->subscriber);
	str_copy(c->relationship, sizeof(c->relationship), s->relationship);
	str_copy(c->effective_from, sizeof(c->effective_from), s->effective_from);
	str_copy(c->effective_to, sizeof(c->effective_to), s->effective_to);
	f->in_network = s->in_network;
	f->deductible = s->deductible;
	f->deductible_met = s->deductible_met;
	f->family_deductible = s->family_deductible;
	f->family_deductible_met = s->family_deductible_met;
	f->coinsurance_bp = s->coinsurance_bp;
	f->copay = s->copay;
	f->oop_max = s->oop_max;
	f->oop_met = s->oop_met;
	f->family_oop_max = s->family_oop_max;
	f->family_oop_met = s->family_oop_met;
	str_copy(c->copay_services, sizeof(c->copay_services), s->copay_services);
}

static void
cov_to_store(const struct coverage *c, struct store_coverage *s)
{
	const struct est_coverage *f = &c->fig;

	memset(s, 0, sizeof(*s));
	s->id = c->id;
	s->client_id = c->client_id;
	str_copy(s->tier, sizeof(s->tier), c->rank);
	s->payer_id = c->payer_id;
	str_copy(s->member_id, sizeof(s->member_id), c->member_id);
	str_copy(s->group_number, sizeof(s->group_number), c->group_number);
	str_copy(s->subscriber, sizeof(s->subscriber), c->subscriber);
	str_copy(s->relationship, sizeof(s->relationship), c->relationship);
	str_copy(s->effective_from, sizeof(s->effective_from), c->effective_from);
	str_copy(s->effective_to, sizeof(s->effective_to), c->effective_to);
	s->in_network = f->in_network;
	s->deductible = f->deductible;
	s->deductible_met = f->deductible_met;
	s->family_deductible = f->family_deductible;
	s->family_deductible_met = f->family_deductible_met;
	s->coinsurance_bp = f->coinsurance_bp;
	s->copay = f->copay;
	s->oop_max = f->oop_max;
	s->oop_met = f->oop_met;
	s->family_oop_max = f->family_oop_max;
	s->family_oop_met = f->family_oop_met;
	str_copy(s->copay_services, sizeof(s->copay_services), c->copay_services);
}

int
coverage_get(struct db *db, int64_t id, struct coverage *c)
{
	struct store_coverage s;
	int rc = store_coverage_get(db, id, &s);

	if (rc < 0)
		return COV_DB;
	if (rc == 0)
		return COV_NOT_FOUND;
	cov_from_store(&s, c);
	return COV_OK;
}

int
coverage_list(struct db *db, int64_t client_id, struct coverage **out, size_t *n)
{
	struct store_coverage *s = NULL;
	size_t ns = 0;

	*out = NULL;
	*n = 0;
	if (store_coverage_list(db, client_id, &s, &ns) != DB_OK)
		return COV_DB;
	if (ns > 0 && (*out = calloc(ns, sizeof(**out))) == NULL) {
		free(s);
		return COV_DB;
	}
	for (size_t i = 0; i < ns; i++)
		cov_from_store(&s[i], &(*out)[i]);
	*n = ns;
	free(s);
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
	const struct coverage	*c;	/* as the caller gave it, on every retry */
	int64_t			 id;	/* saved (new) id, for after the commit */
	char			 old[1500];
};

static int
cov_save_tx(struct db *db, void *arg)
{
	struct save_args *a = arg;
	const struct coverage *c = a->c;
	struct store_coverage s;
	int64_t now = clock_now(), id = 0;
	struct buf b;
	int rc;

	/* c is not changed here: a retry after a deadlock inserts again what
	 * the rolled-back pass inserted (c->id still 0), not an update. */
	cov_to_store(c, &s);
	if (c->id == 0)
		rc = store_coverage_insert(db, &s, now, &id);
	else
		rc = store_coverage_update(db, &s, now);
	if (rc != DB_OK)
		return rc;
	a->id = c->id != 0 ? c->id : id;
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
	int64_t n;

	if (store_coverage_overlaps(db, c->client_id, c->rank, c->id,
	    c->effective_from, c->effective_to[0] ? c->effective_to :
	    "9999-12-31", &n) != DB_OK)
		return COV_DB;
	return n > 0 ? COV_DUP_TIER : COV_OK;
}

int
coverage_save(struct db *db, const struct actor *actor, struct coverage *c)
{
	struct save_args a;
	struct coverage old;
	struct buf b;
	int rc;

	memset(&a, 0, sizeof(a));
	a.actor = actor;
	a.c = c;
	if ((rc = store_coverage_payer_exists(db, c->payer_id)) < 0)
		return COV_DB;
	if (rc == 0)
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
	if (db_tx(db, cov_save_tx, &a) != DB_OK)
		return COV_DB;
	c->id = a.id;
	return COV_OK;
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
