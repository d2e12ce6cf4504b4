/* A payment plan into a view, and the plan form helpers the staff and the
 * portal pages share (see plan_view.h). */
#include "common.h"

#include <string.h>

#include "app.h"
#include "buf.h"
#include "clock.h"
#include "kit.h"
#include "plan.h"
#include "plan_view.h"
#include "str.h"
#include "tmpl.h"

/* The label of a name: prefix + name in the catalog of lang, else en. */
static const char *
plan_label(struct tmpl_cache *tc, const char *lang, const char *prefix,
    const char *name, const char *en)
{
	char key[48];

	if (tc == NULL)
		return en;
	str_fmt(key, sizeof(key), "%s%s", prefix, name);
	return tmpl_msg(tc, lang, key);
}

/* "Visa ending 4242" / "Visa terminada en 4242" of the plan's method. */
static void
plan_method_lang(struct tmpl_vars *v, const struct plan *p,
    struct tmpl_cache *tc, const char *lang)
{
	char brand[40];
	struct buf b;

	if (p->method_id == 0) {
		tmpl_set(v, "plan_method", tmpl_msg(tc, lang, "plan.method_any"));
		return;
	}
	str_copy(brand, sizeof(brand), p->method_brand[0] ? p->method_brand :
	    tmpl_msg(tc, lang, strcmp(p->method_kind, "card") == 0 ? "pm.card" :
	    "pm.bank_account"));
	if (brand[0] >= 'a' && brand[0] <= 'z')
		brand[0] = (char)(brand[0] - 'a' + 'A');
	buf_init(&b, 256);
	if (tmpl_msgf(tc, lang, &b, "pm.ending", "brand", brand, "last4",
	    p->method_last4, (const char *)NULL) == 0)
		tmpl_set(v, "plan_method", buf_cstr(&b));
	buf_free(&b);
}

void
plan_view(struct tmpl_vars *v, const struct plan *p)
{
	plan_view_lang(v, p, NULL, NULL);
}

void
plan_view_lang(struct tmpl_vars *v, const struct plan *p,
    struct tmpl_cache *tc, const char *lang)
{
	tmpl_set_int(v, "plan_id", p->id);
	tmpl_set(v, "plan_status", plan_state_names[p->state]);
	tmpl_set(v, "plan_status_label", plan_label(tc, lang, "plan.st.",
	    plan_state_names[p->state], plan_state_labels[p->state]));
	kit_set_money(v, "plan_total", p->paid + p->remaining);
	kit_set_money(v, "plan_paid", p->paid);
	kit_set_money(v, "plan_remaining", p->remaining);
	tmpl_set(v, "plan_method", p->method_label[0] ? p->method_label :
	    "Chosen at each payment");
	tmpl_set_bool(v, "plan_autopay", p->autopay);
	tmpl_set(v, "plan_frequency", plan_label(tc, lang, "plan.freq.",
	    plan_freq_names[p->terms.freq], plan_freq_labels[p->terms.freq]));
	if (tc != NULL)
		plan_method_lang(v, p, tc, lang);
	tmpl_set(v, "plan_client", p->client_name);
	tmpl_set_bool(v, "plan_has_next", p->next_number >= 0);
	if (p->next_number >= 0) {
		kit_set_day(v, "plan_next_due", p->next_due);
		kit_set_money(v, "plan_next_amount", p->next_amount);
	}
	for (size_t i = 0; i < p->ninst; i++) {
		const struct plan_installment *t = &p->inst[i];
		struct tmpl_vars *row = tmpl_loop_add(v, "schedule");

		if (row == NULL)
			break;
		tmpl_set_int(row, "number", t->number);
		tmpl_set_bool(row, "is_down", t->number == 0);
		kit_set_day(row, "due", t->due);
		kit_set_money(row, "amount", t->amount);
		tmpl_set(row, "status", plan_inst_names[t->state]);
		tmpl_set(row, "status_label", plan_label(tc, lang, "plan.ist.",
		    plan_inst_names[t->state], plan_inst_labels[t->state]));
		tmpl_set_bool(row, "is_scheduled", t->state == INST_SCHEDULED);
		tmpl_set_bool(row, "is_next", t->number == p->next_number);
		if (t->payment_id)
			tmpl_set_int(row, "payment_id", t->payment_id);
	}
}

/* Every "invoice_id" of the form (checkboxes repeat the name): 0, or -1
 * when one is not an id or there are too many. */
int
plan_view_form_ids(const struct ctx *c, int64_t *ids, size_t max, size_t *n)
{
	const struct kvlist *in = &c->req.form;

	*n = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (strcmp(in->v[i].key, "invoice_id") != 0 || *in->v[i].val == '\0')
			continue;
		if (*n >= max || str_to_i64(in->v[i].val, 1, INT64_MAX, &ids[*n]) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

/* The field table's errors, less the repeated invoice_id checkboxes. */
void
plan_view_drop_repeat_errors(struct ctx *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->fs.nerr; i++)
		if (strcmp(c->fs.err[i].field, "invoice_id") != 0)
			c->fs.err[k++] = c->fs.err[i];
	c->fs.nerr = k;
}
