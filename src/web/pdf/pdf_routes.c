/* PDF downloads of invoices and statements (rendering: pdf.c). */
#include "common.h"

#include "app.h"
#include "invoice.h"
#include "kit.h"
#include "log.h"
#include "pdf.h"
#include "profiles.h"
#include "routes.h"
#include "statement.h"
#include "str.h"

static struct pdf_org
org_of(struct ctx *c)
{
	return kit_pdf_org(c);
}

static int
h_invoice_pdf(struct ctx *c)
{
	struct pdf_org org = org_of(c);
	struct invoice inv;
	struct account a;
	char filename[64];
	int64_t id = kit_path_id(c, "id");
	int rc, arc = PROF_NOT_FOUND;

	if (id == 0)
		return app_error(c, 404, "No such invoice.");
	memset(&inv, 0, sizeof(inv));
	rc = invoice_get(c->app->db, id, &inv);
	if (rc == INV_NOT_FOUND) {
		invoice_free(&inv);
		return app_error(c, 404, "No such invoice.");
	}
	if (rc == INV_OK)
		arc = account_get(c->app->db, inv.account_id, &a);
	if (rc != INV_OK || arc == PROF_DB) {
		invoice_free(&inv);
		return -1;
	}
	pdf_invoice_filename(&inv, filename, sizeof(filename));
	rc = pdf_invoice(&inv, &org, arc == PROF_OK ? &a : NULL, &c->resp.body);
	invoice_free(&inv);
	if (rc == -1) {
		log_err("invoice %" PRId64 ": PDF rendering failed", id);
		return -1;
	}
	return kit_send_pdf(c, filename);
}

static int
h_statement_pdf(struct ctx *c)
{
	struct pdf_org org = org_of(c);
	struct statement st;
	char filename[64];
	int64_t id = kit_path_id(c, "id");
	int rc;

	if (id == 0)
		return app_error(c, 404, "No such statement.");
	rc = statement_get(c->app->db, id, &st);
	if (rc == ST_NOT_FOUND)
		return app_error(c, 404, "No such statement.");
	if (rc != ST_OK)
		return -1;
	pdf_statement_filename(&st, filename, sizeof(filename));
	rc = pdf_statement(&st, &org, &c->resp.body);
	statement_free(&st);
	if (rc == -1) {
		log_err("statement %" PRId64 ": PDF rendering failed", id);
		return -1;
	}
	return kit_send_pdf(c, filename);
}

const struct route routes_pdf[] = {
	{ { "GET", "/invoices/:id/pdf" }, h_invoice_pdf, ROLES_STAFF, 0, NULL, 0 },
	{ { "GET", "/statements/:id/pdf" }, h_statement_pdf, ROLES_STAFF, 0, NULL, 0 },
};
const size_t nroutes_pdf = ARRAY_LEN(routes_pdf);
