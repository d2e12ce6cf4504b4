/* View helpers shared by the profile, invoice and catalog pages. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "buf.h"
#include "catalog.h"
#include "clock.h"
#include "kit.h"
#include "money.h"
#include "profiles.h"
#include "staff_profiles.h"
#include "str.h"
#include "tmpl.h"

#define BACK_MAX	20	/* pages of history kept for "Newer" */
#define URL_MAX		1024

int64_t
staff_profiles_id_field(const struct ctx *c, const char *name)
{
	const char *q;
	int64_t id;

	if ((id = kit_field_i(c, name, 0)) != 0 || field_set_error(&c->fs,
	    name))
		return id;
	q = kvlist_get(&c->req.query_kv, name);
	if (q == NULL || str_to_i64(q, 1, INT64_MAX, &id) == -1)
		return 0;
	return id;
}

int64_t
staff_profiles_before(const struct ctx *c)
{
	return kit_field_i(c, "before", 0);
}

void
staff_profiles_query_add(char *q, size_t qsz, const char *name,
    const char *value)
{
	struct buf b;
	size_t len = strlen(q);

	buf_init(&b, URL_MAX);
	if (tmpl_escape_url(&b, value) == 0)
		str_fmt(q + len, qsz - len, "%s%s=%s",
		    strchr(q, '?') ? "&" : "?", name, buf_cstr(&b));
	buf_free(&b);
}

/* The page history "id,id,...": ids of earlier pages' `before` (0 = the
 * first page). Invalid text counts as no history. */
static size_t
back_parse(const char *s, int64_t *ids, size_t max)
{
	char tmp[401], *p, *comma;
	size_t n = 0;

	if (s == NULL || *s == '\0' || str_copy(tmp, sizeof(tmp), s) == -1)
		return 0;
	for (p = tmp; p != NULL && n < max; p = comma ? comma + 1 : NULL) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (str_to_i64(p, 0, INT64_MAX, &ids[n]) == -1)
			return 0;
		n++;
	}
	return n;
}

static void
back_fmt(const int64_t *ids, size_t n, char *out, size_t outsz)
{
	size_t len;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		len = strlen(out);
		if (str_fmt(out + len, outsz - len, "%s%" PRId64, i ? "," : "",
		    ids[i]) == -1)
			break;
	}
}

void
staff_profiles_paging(struct ctx *c, const char *base, int64_t last_id,
    int more)
{
	int64_t ids[BACK_MAX + 1], before = staff_profiles_before(c);
	size_t n = back_parse(kit_field_s(c, "back"), ids, BACK_MAX);
	char url[URL_MAX], back[420], num[24];

	if (before > 0) {
		/* Newer: the page we came from (the first page without history). */
		str_copy(url, sizeof(url), base);
		if (n > 0 && ids[n - 1] > 0) {
			str_fmt(num, sizeof(num), "%" PRId64, ids[n - 1]);
			staff_profiles_query_add(url, sizeof(url), "before",
			    num);
			back_fmt(ids, n - 1, back, sizeof(back));
			if (back[0])
				staff_profiles_query_add(url, sizeof(url),
				    "back", back);
		}
		tmpl_set(c->view, "newer_url", url);
	}
	if (more && last_id > 0) {
		if (n == BACK_MAX) {
			memmove(ids, ids + 1, (BACK_MAX - 1) * sizeof(ids[0]));
			n--;
		}
		ids[n++] = before;
		back_fmt(ids, n, back, sizeof(back));
		str_copy(url, sizeof(url), base);
		str_fmt(num, sizeof(num), "%" PRId64, last_id);
		staff_profiles_query_add(url, sizeof(url), "before", num);
		staff_profiles_query_add(url, sizeof(url), "back", back);
		tmpl_set(c->view, "older_url", url);
	}
	if (tmpl_get(c->view, "newer_url") || tmpl_get(c->view, "older_url"))
		tmpl_set_bool(c->view, "paging", 1);
}

int
staff_profiles_location_options(struct ctx *c, int64_t selected)
{
	struct location *ls = NULL;
	size_t n = 0;

	if (location_list(c->app->db, 0, &ls, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;

		if (!ls[i].active && ls[i].id != selected)
			continue;
		if ((row = tmpl_loop_add(c->view, "locations")) == NULL)
			break;
		tmpl_set_int(row, "id", ls[i].id);
		tmpl_set(row, "name", ls[i].name);
		tmpl_set_bool(row, "selected", ls[i].id == selected);
		tmpl_set_bool(row, "inactive", !ls[i].active);
	}
	free(ls);
	return 0;
}

int
staff_profiles_payment_type_options(struct ctx *c, int64_t selected)
{
	struct payment_type *ps = NULL;
	size_t n = 0;

	if (payment_type_list(c->app->db, 0, &ps, &n) != CAT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_vars *row;

		if (!ps[i].active && ps[i].id != selected)
			continue;
		if ((row = tmpl_loop_add(c->view, "payment_types")) == NULL)
			break;
		tmpl_set_int(row, "id", ps[i].id);
		tmpl_set(row, "name", ps[i].name);
		tmpl_set(row, "code", ps[i].code);
		tmpl_set_bool(row, "selected", ps[i].id == selected);
		tmpl_set_bool(row, "inactive", !ps[i].active);
	}
	free(ps);
	return 0;
}

char *
staff_profiles_city_line(char *out, size_t outsz, const struct account *a)
{
	str_fmt(out, outsz, "%s%s%s %s", a->city,
	    a->city[0] && a->region[0] ? ", " : "", a->region, a->postal_code);
	return str_trim(out);
}

void
staff_profiles_person_name(char *out, size_t outsz, const char *first,
    const char *last)
{
	if (str_fmt(out, outsz, "%s %s", first, last) == -1)
		str_copy(out, outsz, first);
}

int
staff_profiles_check_location(struct ctx *c, int64_t id)
{
	struct location l;
	int rc;

	if (id == 0)
		return 0;
	rc = location_get(c->app->db, id, &l);
	if (rc == CAT_OK)
		return 0;
	if (rc == CAT_NOT_FOUND) {
		kit_form_error(c, "location_id",
		    "Choose a location from the list.");
		return 1;
	}
	return -1;
}
