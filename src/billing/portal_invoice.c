/* Invoices in the portal: which are posted, their portal status (with
 * pending ACH payments), pricing a selection, staff "Send invoice" and
 * pay links. */
#include "common.h"

#include "audit.h"
#include "cfg.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "money.h"
#include "notice.h"
#include "portal.h"
#include "portal_int.h"
#include "profiles.h"
#include "store_paylink.h"
#include "store_portal.h"
#include "str.h"
#include "stripe_pay.h"

const char *const portal_inv_status_names[PIS__MAX] = {
	"open", "partial", "paid", "void", "pending",
};
const char *const portal_inv_status_labels[PIS__MAX] = {
	"Open", "Partially paid", "Paid", "Void", "Pending ACH",
};

/* --- pending ACH payments ----------------------------------------------- */

struct pending_map {
	struct alloc_req	*v;
	size_t			 n;
};

/* What the allocation plans of pending ACH payments (submitted, Stripe
 * processing) will pay to each invoice. */
static int
pending_from(char *const *plans, size_t n, struct pending_map *m)
{
	m->v = NULL;
	m->n = 0;
	if (n == 0)
		return DB_OK;
	if ((m->v = calloc(n * SP_PLAN_MAX, sizeof(*m->v))) == NULL)
		return DB_ERR;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		int autoa = 0;

		if (stripe_pay_plan_parse(plans[i], &autoa, m->v + m->n,
		    SP_PLAN_MAX, &k) == 0)
			m->n += k;
	}
	return DB_OK;
}

/* The same for the account's payments, read here. */
static int
pending_ach(struct db *db, int64_t account_id, struct pending_map *m)
{
	char **plans;
	size_t n;
	int rc;

	m->v = NULL;
	m->n = 0;
	rc = store_portal_ach_plans(db, account_id, &plans, &n);
	if (rc != DB_OK || n == 0)
		return rc;
	rc = pending_from(plans, n, m);
	store_portal_plans_free(plans, n);
	return rc;
}

static int64_t
pending_for(const struct pending_map *m, int64_t invoice_id)
{
	int64_t sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].invoice_id == invoice_id)
			sum += m->v[i].amount;
	return sum;
}

static void
portal_invoice_from(struct portal_invoice *p, const struct invoice *inv,
    int64_t posted_at, int64_t pending)
{
	memset(p, 0, sizeof(*p));
	p->id = inv->id;
	str_copy(p->number, sizeof(p->number), inv->number);
	str_copy(p->invoice_date, sizeof(p->invoice_date), inv->invoice_date);
	str_copy(p->due_date, sizeof(p->due_date), inv->due_date);
	str_copy(p->client_name, sizeof(p->client_name), inv->client_name);
	p->client_id = inv->client_id;
	p->total = inv->total;
	p->paid = inv->paid;
	p->open = inv->open;
	p->pending = pending;
	p->posted_at = posted_at;
	if (strcmp(inv->status, "void") == 0)
		p->status = PIS_VOID;
	else if (inv->open <= 0)
		p->status = PIS_PAID;
	else if (pending > 0)
		p->status = PIS_PENDING_ACH;
	else if (inv->paid > 0)
		p->status = PIS_PARTIAL;
	else
		p->status = PIS_OPEN;
}

/* The posted invoices of status (-1: all) with their portal status; the
 * pending ACH money from known (NULL: read it when there are invoices). */
static int
invoices_with(struct db *db, int64_t account_id, int status,
    const struct pending_map *known, struct portal_invoice **out, size_t *n)
{
	struct pending_map pm = { NULL, 0 };
	struct invoice *is = NULL;
	int64_t *at = NULL;
	size_t got = 0, k = 0;
	int rc = PORTAL_OK;

	*out = NULL;
	*n = 0;
	if (invoice_list_posted(db, account_id, &is, &at, &got) != INV_OK)
		return PORTAL_DB;
	if (got > 0 && ((known == NULL &&
	    pending_ach(db, account_id, &pm) != DB_OK) ||
	    (*out = calloc(got, sizeof(**out))) == NULL))
		rc = PORTAL_DB;
	if (known != NULL)
		pm = *known;
	for (size_t i = 0; i < got; i++) {
		if (rc == PORTAL_OK) {
			portal_invoice_from(&(*out)[k], &is[i], at[i],
			    pending_for(&pm, is[i].id));
			if (status < 0 || (int)(*out)[k].status == status)
				k++;
		}
		invoice_free(&is[i]);
	}
	free(is);
	free(at);
	if (known == NULL)
		free(pm.v);
	if (rc != PORTAL_OK) {
		free(*out);
		*out = NULL;
		return rc;
	}
	*n = k;
	return PORTAL_OK;
}

int
portal_invoices(struct db *db, int64_t account_id, int status,
    struct portal_invoice **out, size_t *n)
{
	return invoices_with(db, account_id, status, NULL, out, n);
}

int
portal_page_load(struct db *db, int64_t account_id, struct portal_page *p)
{
	struct store_portal_money m;
	struct pending_map pm = { NULL, 0 };
	int rc;

	memset(p, 0, sizeof(*p));
	if (store_portal_money(db, account_id, &m) != DB_OK)
		return PORTAL_DB;
	rc = pending_from(m.ach_plans, m.nach, &pm) == DB_OK ? PORTAL_OK :
	    PORTAL_DB;
	p->res.v = m.res;
	p->res.n = m.nres;
	p->credit = m.credit;
	p->plan_ids = m.plan_ids;
	p->nplans = m.nplans;
	m.res = NULL;
	m.plan_ids = NULL;
	store_portal_money_free(&m);
	if (rc == PORTAL_OK)
		rc = invoices_with(db, account_id, -1, &pm, &p->is, &p->n);
	free(pm.v);
	if (rc != PORTAL_OK)
		portal_page_free(p);
	return rc;
}

void
portal_page_free(struct portal_page *p)
{
	free(p->is);
	free(p->plan_ids);
	free(p->res.v);
	memset(p, 0, sizeof(*p));
}

int
portal_invoice_get(struct db *db, int64_t account_id, int64_t invoice_id,
    struct portal_invoice *out)
{
	struct pending_map pm = { NULL, 0 };
	struct invoice inv;
	int64_t at;
	int rc;

	if (store_portal_invoice_posted_at(db, invoice_id, account_id, &at) < 0)
		return PORTAL_DB;
	if (at == 0)
		return PORTAL_NOT_FOUND;
	memset(&inv, 0, sizeof(inv));
	rc = invoice_get(db, invoice_id, &inv);
	if (rc == INV_OK)
		rc = pending_ach(db, account_id, &pm) == DB_OK ? INV_OK : INV_DB;
	if (rc == INV_OK)
		portal_invoice_from(out, &inv, at, pending_for(&pm, invoice_id));
	free(pm.v);
	invoice_free(&inv);
	return rc == INV_OK ? PORTAL_OK : rc == INV_NOT_FOUND ? PORTAL_NOT_FOUND :
	    PORTAL_DB;
}

int
portal_invoice_posted(struct db *db, int64_t invoice_id, int64_t *posted_at,
    int64_t *emailed_at)
{
	return store_portal_invoice_sent(db, invoice_id, posted_at, emailed_at) ==
	    DB_OK ? PORTAL_OK : PORTAL_DB;
}

/* --- selections ------------------------------------------------------------ */

int
portal_ids_parse(const char *text, int64_t *ids, size_t max, size_t *n)
{
	const char *s = text;

	*n = 0;
	if (s == NULL || *s == '\0')
		return 0;
	for (;;) {
		char item[24];
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (*n >= max || len == 0 || len >= sizeof(item))
			return -1;
		memcpy(item, s, len);
		item[len] = '\0';
		if (str_to_i64(item, 1, INT64_MAX, &ids[*n]) == -1)
			return -1;
		(*n)++;
		if (end == NULL)
			return 0;
		s = end + 1;
	}
}

static const char *
refusal(enum portal_inv_status st)
{
	switch (st) {
	case PIS_PAID:
		return "is already paid";
	case PIS_VOID:
		return "is void";
	case PIS_PENDING_ACH:
		return "has a bank payment (ACH) in progress";
	default:
		return "cannot be paid";
	}
}

/* What of an invoice a card/ACH payment in flight holds is not offered
 * again (one debt, one charge): *avail gets the rest; refused when nothing
 * is left. */
static int
selection_busy(struct db *db, int64_t account_id, const struct portal_invoice *pi,
    struct portal_selection *sel, int64_t *avail, char *msg, size_t msgsz)
{
	int64_t reserved = 0, pid = 0;
	char amt[MONEY_FMT_MAX];

	if (stripe_pay_reserved(db, account_id, pi->id, &reserved, &pid) != SP_OK)
		return PORTAL_DB;
	*avail = pi->open - reserved;
	if (*avail > 0)
		return PORTAL_OK;
	money_format(reserved, amt, sizeof(amt));
	str_fmt(msg, msgsz, "A payment of %s for invoice %s is already in "
	    "progress. You do not need to pay it again.", amt, pi->number);
	sel->busy_payment_id = pid;
	return PORTAL_INVALID;
}

int
portal_select(struct db *db, int64_t account_id, const int64_t *ids, size_t n,
    struct portal_selection *sel, char *msg, size_t msgsz)
{
	struct alloc_req req[PORTAL_MAX_SELECT];
	size_t off = 0;
	int rc;

	memset(sel, 0, sizeof(*sel));
	sel->account_id = account_id;
	if (n == 0) {
		str_copy(msg, msgsz, "Select at least one invoice to pay.");
		return PORTAL_INVALID;
	}
	if (n > PORTAL_MAX_SELECT) {
		str_fmt(msg, msgsz, "Select at most %d invoices at a time.",
		    PORTAL_MAX_SELECT);
		return PORTAL_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		struct portal_invoice pi;
		int64_t avail = 0;

		if ((rc = portal_invoice_get(db, account_id, ids[i], &pi)) != PORTAL_OK)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i]) {
				str_fmt(msg, msgsz, "Invoice %s was selected twice.",
				    pi.number);
				return PORTAL_INVALID;
			}
		if (pi.status != PIS_OPEN && pi.status != PIS_PARTIAL) {
			str_fmt(msg, msgsz, "Invoice %s %s and cannot be selected. "
			    "Select only open or partially paid invoices.", pi.number,
			    refusal(pi.status));
			return PORTAL_INVALID;
		}
		if ((rc = selection_busy(db, account_id, &pi, sel, &avail, msg,
		    msgsz)) != PORTAL_OK)
			return rc;
		sel->ids[i] = pi.id;
		sel->amounts[i] = avail;
		str_copy(sel->numbers[i], sizeof(sel->numbers[i]), pi.number);
		sel->total += avail;
		req[i].invoice_id = pi.id;
		req[i].amount = avail;
		if (str_fmt(sel->ids_text + off, sizeof(sel->ids_text) - off,
		    "%s%" PRId64, i ? "," : "", pi.id) == -1)
			return PORTAL_DB;
		off += strlen(sel->ids_text + off);
	}
	sel->n = n;
	sel->open_total = sel->total;
	if (sel->total > SP_AMOUNT_MAX) {
		str_copy(msg, msgsz, "The total is over the limit of one card or "
		    "bank payment. Select fewer invoices.");
		return PORTAL_INVALID;
	}
	if (stripe_pay_plan_format(req, n, sel->plan, sizeof(sel->plan)) == -1)
		return PORTAL_DB;
	return PORTAL_OK;
}

/* --- pay links --------------------------------------------------------------- */

static void
link_from_store(const struct store_paylink *s, struct pay_link *l)
{
	l->id = s->id;
	l->invoice_id = s->invoice_id;
	l->account_id = s->account_id;
	l->created_at = s->created_at;
	l->expires_at = s->expires_at;
	l->revoked_at = s->revoked_at;
	l->last_used_at = s->last_used_at;
}

int
paylink_current(struct db *db, int64_t invoice_id, struct pay_link *l)
{
	struct store_paylink s;
	int rc = store_paylink_current(db, invoice_id, clock_now(), &s);

	if (rc == 1)
		link_from_store(&s, l);
	return rc < 0 ? PORTAL_DB : rc == 1 ? PORTAL_OK : PORTAL_NOT_FOUND;
}

/* Revokes the usable links of an invoice; *count gets how many. */
static int
links_revoke(struct db *db, int64_t invoice_id, int64_t by, uint64_t *count)
{
	return store_paylink_revoke(db, invoice_id, by, clock_now(), count);
}

struct revoke_args {
	const struct actor	*actor;
	int64_t			 invoice_id;
};

static int
revoke_tx(struct db *db, void *arg)
{
	struct revoke_args *x = arg;
	uint64_t count = 0;
	char detail[64];
	int rc;

	if ((rc = links_revoke(db, x->invoice_id, x->actor->id, &count)) != DB_OK)
		return rc;
	if (count == 0)
		return PORTAL_NOT_FOUND;
	str_fmt(detail, sizeof(detail), "%" PRIu64 " pay link(s)", count);
	return audit_record(db, x->actor, "paylink.revoke", "invoice",
	    x->invoice_id, detail);
}

int
paylink_revoke(struct db *db, const struct actor *actor, int64_t invoice_id)
{
	struct revoke_args x = { actor, invoice_id };

	return portal_status_of(db_tx(db, revoke_tx, &x));
}

/* 1 when ip made too many lookups in the window. */
static int
lookups_exceeded(struct db *db, const char *ip, int *over)
{
	int64_t hits, fails;
	int rc;

	rc = store_paylink_hits(db, ip, clock_now() - PAYLINK_WINDOW, &hits,
	    &fails);
	if (rc == DB_OK)
		*over = hits >= PAYLINK_MAX_HITS || fails >= PAYLINK_MAX_FAILS;
	return rc;
}

static int
lookup_record(struct db *db, const char *ip, int ok)
{
	int64_t now = clock_now();
	int rc;

	rc = store_paylink_hit(db, ip, ok, now);
	/* Forget old counts as we go (bounded work per lookup). */
	if (rc == DB_OK && !ok)
		rc = store_paylink_hits_forget(db, now - 2 * PAYLINK_WINDOW);
	return rc;
}

int
paylink_lookup(struct db *db, const char *token, const char *ip,
    struct pay_link *l)
{
	char hash[CRYPTO_SHA256_HEX];
	struct store_paylink s;
	int over = 0, found = 0, rc;

	if (ip == NULL)
		ip = "";
	if ((rc = lookups_exceeded(db, ip, &over)) != DB_OK)
		return PORTAL_DB;
	if (over)
		return PORTAL_THROTTLED;
	if (portal_token_hash(token, hash) == 0) {
		if ((rc = store_paylink_find(db, hash, clock_now(), &s)) < 0)
			return PORTAL_DB;
		if ((found = rc == 1))
			link_from_store(&s, l);
	}
	if (lookup_record(db, ip, found) != DB_OK)
		return PORTAL_DB;
	if (found && store_paylink_touch(db, l->id, clock_now()) != DB_OK)
		return PORTAL_DB;
	return found ? PORTAL_OK : PORTAL_BAD_TOKEN;
}

/* --- staff: send an invoice ------------------------------------------------ */

struct send_args {
	const struct portal_env	*env;
	int64_t			 invoice_id;
	int			 email;
	int			 post;
	const char		*expires_on;
	char			*msg;
	size_t			 msgsz;
};

/* End of the expiry day (UTC) as unix seconds: the given date, or the due
 * date + PAYLINK_DAYS_AFTER_DUE but at least 7 days from today. */
static int
link_expiry(const struct invoice *inv, const char *expires_on, int64_t *at,
    char *msg, size_t msgsz)
{
	int64_t day, today = date_today();

	if (expires_on != NULL && *expires_on) {
		if (date_parse(expires_on, &day) == -1 || day < today) {
			str_copy(msg, msgsz, "The pay link's expiry date must be "
			    "today or later.");
			return PORTAL_INVALID;
		}
	} else {
		if (date_parse(inv->due_date, &day) == -1)
			day = today;
		day += PAYLINK_DAYS_AFTER_DUE;
		if (day < today + 7)
			day = today + 7;
	}
	*at = (day + 1) * 86400;
	return PORTAL_OK;
}

/* Locks the invoice row, loads it and checks it can be sent. */
static int
send_load(struct db *db, struct send_args *x, struct invoice *inv)
{
	int rc;

	if ((rc = store_portal_invoice_lock(db, x->invoice_id)) <= 0)
		return rc == 0 ? PORTAL_NOT_FOUND : rc;
	if ((rc = invoice_get(db, x->invoice_id, inv)) != INV_OK)
		return rc == INV_NOT_FOUND ? PORTAL_NOT_FOUND : DB_ERR;
	if (strcmp(inv->status, "issued") != 0) {
		str_copy(x->msg, x->msgsz, strcmp(inv->status, "void") == 0 ?
		    "A void invoice cannot be sent." :
		    "Issue the invoice before sending it.");
		return PORTAL_INVALID;
	}
	if (!x->email && !x->post) {
		str_copy(x->msg, x->msgsz, "Choose email, the portal, or both.");
		return PORTAL_INVALID;
	}
	return DB_OK;
}

static int
send_post(struct db *db, const struct invoice *inv, int64_t by, int emailed)
{
	return store_portal_invoice_post(db, inv->id, inv->account_id,
	    clock_now(), by, emailed);
}

static int
send_link(struct db *db, const struct invoice *inv, int64_t by, int64_t expires,
    char token[PORTAL_TOKEN_MAX])
{
	char hash[CRYPTO_SHA256_HEX];
	int rc;

	if ((rc = links_revoke(db, inv->id, by, NULL)) != DB_OK)
		return rc;
	if (portal_token_new(token, PORTAL_TOKEN_MAX, hash) == -1)
		return DB_ERR;
	return store_paylink_insert(db, inv->id, hash, clock_now(), expires, by);
}

/* The invoice email with its pay link: the token sealed in the outbox row,
 * the amount due and the link's last day frozen; rendered by the mailer. */
static int
send_mail(const struct portal_env *env, struct db *db, const struct invoice *inv,
    const struct account *a, const char *token, int64_t expires)
{
	struct notice n;
	char d[16];

	notice_init(&n, NOTICE_INVOICE, a->email, a->language, a->id, "invoice",
	    inv->id);
	notice_fact_i64(&n, "amount_due", inv->open);
	clock_fmt_date(expires - 1, d, sizeof(d));
	notice_fact(&n, "pay_expires", d);
	notice_token(&n, token);
	return notice_enqueue(db, env->cfg, &n, NULL) == DB_OK ? DB_OK : DB_ERR;
}

static int
send_tx(struct db *db, void *arg)
{
	struct send_args *x = arg;
	const struct portal_env *env = x->env;
	struct invoice inv;
	struct account a;
	char token[PORTAL_TOKEN_MAX], detail[200];
	int64_t expires = 0;
	int rc;

	memset(&inv, 0, sizeof(inv));
	if ((rc = send_load(db, x, &inv)) != DB_OK)
		goto out;
	if ((rc = account_get(db, inv.account_id, &a)) != PROF_OK) {
		rc = rc == PROF_NOT_FOUND ? PORTAL_NOT_FOUND : DB_ERR;
		goto out;
	}
	if (x->email && a.email[0] == '\0') {
		rc = PORTAL_NO_EMAIL;
		goto out;
	}
	if (x->email && (rc = link_expiry(&inv, x->expires_on, &expires, x->msg,
	    x->msgsz)) != PORTAL_OK)
		goto out;
	if ((rc = send_post(db, &inv, env->actor->id, x->email)) != DB_OK)
		goto out;
	if (x->email && ((rc = send_link(db, &inv, env->actor->id, expires,
	    token)) != DB_OK || (rc = send_mail(env, db, &inv, &a, token,
	    expires)) != DB_OK))
		goto out;
	str_fmt(detail, sizeof(detail), "%s%s%s", x->email ? "emailed to " : "",
	    x->email ? a.email : "", x->post || x->email ? (x->email ?
	    "; posted to the portal" : "posted to the portal") : "");
	rc = audit_record(db, env->actor, "invoice.send", "invoice", inv.id, detail);
out:
	explicit_bzero(token, sizeof(token));
	invoice_free(&inv);
	return rc;
}

int
portal_send_invoice(const struct portal_env *env, int64_t invoice_id, int email,
    int post, const char *expires_on, char *msg, size_t msgsz)
{
	struct send_args x = { env, invoice_id, email, post, expires_on, msg, msgsz };

	if (msgsz > 0)
		msg[0] = '\0';
	return portal_status_of(db_tx(env->db, send_tx, &x));
}
