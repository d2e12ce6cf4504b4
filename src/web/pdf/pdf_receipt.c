/* The PDF receipt of a succeeded payment from what the database says now
 * (the portal and pay-link download, the receipt email's attachment,
 * rendered by the mailer when it sends). */
#include "common.h"

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "payment.h"
#include "pdf.h"
#include "branding.h"
#include "pdf_receipt.h"
#include "portal.h"
#include "profiles.h"
#include "statement.h"
#include "str.h"
#include "stripe_pay.h"
#include "tmpl.h"

/* Net amounts per invoice (a refund adds negative rows): items keep
 * those still above zero; the sum of what they keep into *applied. */
static size_t
net_items(const struct allocation *as, size_t n, struct pdf_receipt_item *items,
    int64_t *applied)
{
	size_t k = 0;

	*applied = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < k; j++)
			if (strcmp(items[j].invoice, as[i].invoice_number) == 0)
				break;
		if (j == k)
			items[k++] = (struct pdf_receipt_item){ as[i].invoice_number, 0 };
		items[j].amount += as[i].amount;
	}
	size_t kept = 0;
	for (size_t i = 0; i < k; i++) {
		if (items[i].amount <= 0)
			continue;
		*applied += items[i].amount;
		items[kept++] = items[i];
	}
	return kept;
}

/* The receipt with the organisation's branding (name, address, logo)
 * where it is set, the configuration's name and address otherwise. */
static int
receipt_render(struct db *db, const struct pdf_receipt *r, struct pdf_org *org,
    struct buf *out)
{
	struct branding b;
	struct buf logo;
	int rc;

	buf_init(&logo, 16u * 1024 * 1024);
	if (branding_get(db, &b) == BRAND_OK) {
		if (b.org_name[0])
			org->name = b.org_name;
		if (b.org_address[0])
			org->address = b.org_address;
		if (b.logo_sha[0] && branding_logo(db, b.logo_sha, &logo) ==
		    BRAND_OK && logo.len > 0) {
			org->logo_png = (const unsigned char *)logo.data;
			org->logo_len = logo.len;
		}
	}
	rc = pdf_receipt(r, org, out);
	buf_free(&logo);
	return rc;
}

/* "Visa ending 4242" in the document's language. */
static void
method_words(const char *kind, const char *brand, const char *last4, char *out,
    size_t outsz)
{
	char b[40];

	str_copy(b, sizeof(b), brand && *brand ? brand : pdf_tr(strcmp(kind,
	    "card") == 0 ? "Card" : "Bank account"));
	if (b[0] >= 'a' && b[0] <= 'z')
		b[0] = (char)(b[0] - 'a' + 'A');
	if (last4 && *last4)
		pdf_trf(out, outsz, "{brand} ending {last4}", "brand", b, "last4",
		    last4, (const char *)NULL);
	else
		str_copy(out, outsz, b);
}

/* The receipt of payment_id; mail: in the account's language (the copy
 * attached to the receipt email), else in the language already set. */
static int
receipt_of(struct db *db, const struct config *cfg, int64_t payment_id,
    struct buf *out, char *filename, size_t filenamesz, int mail);

int
pdf_receipt_payment(struct db *db, const struct config *cfg, int64_t payment_id,
    struct buf *out, char *filename, size_t filenamesz)
{
	return receipt_of(db, cfg, payment_id, out, filename, filenamesz, 0);
}

/* Catalogs for the mailer's copies (one per process, kept for its life). */
static struct tmpl_cache *
mail_catalogs(const struct config *cfg)
{
	static struct tmpl_cache *tc;

	if (tc == NULL && cfg->templates_dir != NULL)
		tc = tmpl_cache_new(cfg->templates_dir, 0);
	return tc;
}

static int
receipt_of(struct db *db, const struct config *cfg, int64_t payment_id,
    struct buf *out, char *filename, size_t filenamesz, int mail)
{
	struct pdf_org org = { cfg->org_name, cfg->org_address, NULL, 0 };
	struct pdf_receipt_item *items = NULL;
	struct allocation *as = NULL;
	struct pdf_receipt r;
	struct sp_payment p;
	struct sp_method m;
	struct account a;
	char number[32], method[96];
	int64_t applied = 0;
	size_t n = 0;
	int rc;

	if ((rc = stripe_pay_get(db, payment_id, &p)) != SP_OK)
		return rc == SP_NOT_FOUND ? 1 : -1;
	if (strcmp(p.status, "succeeded") != 0)
		return 1;
	if (account_get(db, p.account_id, &a) != PROF_OK ||
	    allocation_list(db, payment_id, 0, &as, &n) != PAY_OK)
		return -1;
	if (n > 0 && (items = calloc(n, sizeof(*items))) == NULL) {
		free(as);
		return -1;
	}
	if (mail)	/* before any words are chosen */
		pdf_set_lang(mail_catalogs(cfg), account_language_ok(a.language) ?
		    a.language : "en");
	memset(&r, 0, sizeof(r));
	str_fmt(number, sizeof(number), "P-%" PRId64, p.id);
	if (p.payment_method_id && stripe_pay_method_get(db, p.payment_method_id,
	    &m) == SP_OK)
		method_words(m.kind, m.brand, m.last4, method, sizeof(method));
	else
		str_copy(method, sizeof(method), strcmp(p.method, "ach") == 0 ?
		    pdf_tr("Bank account (ACH)") : strcmp(p.method, "card") == 0 ?
		    pdf_tr("Card") : p.method);
	r.number = number;
	r.date = p.received_date;
	r.payer = a.name;
	r.method = method;
	r.stripe_id = p.intent;
	r.amount = p.amount;
	r.refunded = p.refunded;
	r.items = items;
	r.nitems = n ? net_items(as, n, items, &applied) : 0;
	r.credit = p.amount - p.refunded - applied > 0 ?
	    p.amount - p.refunded - applied : 0;
	rc = receipt_render(db, &r, &org, out);
	if (mail)
		pdf_set_lang(NULL, "en");
	if (rc == 0 && filename != NULL)
		pdf_receipt_filename(&r, filename, filenamesz);
	if (rc != 0)
		log_err("payment %" PRId64 ": receipt PDF rendering failed", p.id);
	free(items);
	free(as);
	return rc == 0 ? 0 : -1;
}

/* A statement email's PDF, rendered from the stored statement (a snapshot)
 * when the email is sent. 1 attached, 0 no such statement, -1 error. */
static int
statement_attach(const struct pdf_receipt_env *env, int64_t id,
    struct buf *data, char *filename, size_t filenamesz)
{
	struct statement st;
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = statement_get(env->db, id, &st)) != ST_OK)
		return rc == ST_NOT_FOUND ? 0 : -1;
	rc = pdf_statement_cfg(&st, env->cfg, data) == 0 && data->len > 0 &&
	    str_fmt(filename, filenamesz, "%s.pdf", st.number) == 0 ? 1 : -1;
	if (rc == -1)
		log_err("statement %" PRId64 ": cannot render the PDF", id);
	statement_free(&st);
	return rc;
}

int
pdf_receipt_attach(void *arg, const char *kind, const char *object_type,
    int64_t object_id, struct buf *data, char *filename, size_t filenamesz,
    const char **type)
{
	const struct pdf_receipt_env *env = arg;
	int rc;

	if (strcmp(kind, "statement") == 0 && strcmp(object_type, "statement") == 0
	    && object_id > 0) {
		*type = "application/pdf";
		return statement_attach(env, object_id, data, filename, filenamesz);
	}
	if (strcmp(kind, "receipt") != 0 || strcmp(object_type, "payment") != 0 ||
	    object_id <= 0)
		return 0;
	rc = receipt_of(env->db, env->cfg, object_id, data, filename, filenamesz,
	    1);
	*type = "application/pdf";
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}
