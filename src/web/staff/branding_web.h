/* Branding for web handlers (staff_branding.c): app_brand() is in app.h. */
#ifndef BRANDING_WEB_H
#define BRANDING_WEB_H

#include "pdf.h"

struct ctx;

/* The organisation for a PDF: name, address and logo (bytes owned by the
 * request; valid until it ends). */
struct pdf_org	 app_pdf_org(struct ctx *);

#endif
