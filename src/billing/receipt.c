/* Receipts on request (receipt.h). */
#include "common.h"

#include "notice.h"
#include "portal.h"
#include "profiles.h"
#include "receipt.h"
#include "stripe_pay.h"

int
receipt_email(struct db *db, const struct config *cfg, int64_t payment_id,
    const char *to, int64_t *outbox_id)
{
	struct sp_payment p;
	struct account a;
	struct notice n;
	int rc;

	if ((rc = stripe_pay_get(db, payment_id, &p)) != SP_OK)
		return rc == SP_NOT_FOUND ? RECEIPT_NOT_FOUND : RECEIPT_DB;
	if (strcmp(p.status, "succeeded") != 0)
		return RECEIPT_NOT_RECEIVED;
	if ((rc = account_get(db, p.account_id, &a)) != PROF_OK)
		return rc == PROF_NOT_FOUND ? RECEIPT_NOT_FOUND : RECEIPT_DB;
	notice_init(&n, NOTICE_RECEIPT, to, a.language, a.id, "payment", p.id);
	notice_fact(&n, "status", p.status);
	notice_fact_i64(&n, "amount", p.amount);
	notice_fact(&n, "date", p.received_date);
	notice_fact_i64(&n, "succeeded", 1);
	/* sent by staff: no portal link (the address may not have a login) */
	notice_fact_i64(&n, "portal", 0);
	portal_notice_invoices(&n, p.alloc_plan);
	rc = notice_enqueue(db, cfg, &n, outbox_id);
	if (rc == NOTICE_INVALID)
		return RECEIPT_BAD_ADDRESS;
	return rc == 0 ? RECEIPT_OK : RECEIPT_DB;
}
