/* The staff account page's lists in one statement (account_page.h). */
#include "common.h"

#include "account_page.h"
#include "billing_conv.h"
#include "db.h"
#include "estimate.h"
#include "estimate_calc.h"
#include "invoice.h"
#include "payment.h"
#include "plan.h"
#include "profiles.h"
#include "statement.h"
#include "store_account_page.h"
#include "stripe_pay.h"

/* Each list from the store's rows; the store's arrays are freed. */
static int
lists_convert(struct db *db, int64_t account_id, struct store_account_page *s,
    size_t rows, struct account_lists *l)
{
	int bad = 0;

	bad |= client_list_from_store(s->clients, s->nclients, &l->clients,
	    &l->nclients) != PROF_OK;
	bad |= invoice_list_from_store(db, s->invoices, s->ninvoices, rows,
	    &l->invoices, &l->ninvoices, &l->invoices_more) != INV_OK;
	bad |= payment_list_from_store(s->payments, s->npayments, rows,
	    &l->payments, &l->npayments, &l->payments_more) != PAY_OK;
	bad |= statement_heads_from_store(s->statements, s->nstatements,
	    &l->statements, &l->nstatements) != ST_OK;
	bad |= sp_methods_from_store(s->methods, s->nmethods, &l->methods,
	    &l->nmethods) != SP_OK;
	bad |= sp_consents_from_store(s->consents, s->nconsents, &l->consents,
	    &l->nconsents) != SP_OK;
	bad |= estimate_flags_from_store(s->flags, s->nflags, &l->flags,
	    &l->nflags) != EST_S_OK;
	s->clients = NULL;
	s->invoices = NULL;
	s->payments = NULL;
	s->methods = NULL;
	s->consents = NULL;
	s->flags = NULL;
	/* a plan's figures are its own reads (plan_get), one per plan */
	if (!bad && s->nplans > 0)
		bad = plan_list_of(db, account_id, s->plan_ids, s->nplans, &l->plans,
		    &l->nplans) != PLAN_OK;
	return bad ? -1 : 0;
}

int
account_page_lists(struct db *db, int64_t account_id, size_t rows,
    struct account_lists *l)
{
	struct store_account_page s;
	int rc;

	memset(l, 0, sizeof(*l));
	if (store_account_page_lists(db, account_id, rows, EST_GFE_DISPUTE_CENTS,
	    &s) != DB_OK)
		return -1;
	rc = lists_convert(db, account_id, &s, rows, l);
	store_account_page_free(&s);
	if (rc == -1)
		account_lists_free(l);
	return rc;
}

void
account_lists_free(struct account_lists *l)
{
	for (size_t i = 0; i < l->ninvoices; i++)
		invoice_free(&l->invoices[i]);
	for (size_t i = 0; i < l->nstatements; i++)
		statement_free(&l->statements[i]);
	for (size_t i = 0; i < l->nplans; i++)
		plan_free(&l->plans[i]);
	free(l->clients);
	free(l->invoices);
	free(l->payments);
	free(l->statements);
	free(l->methods);
	free(l->consents);
	free(l->plans);
	free(l->flags);
	memset(l, 0, sizeof(*l));
}
