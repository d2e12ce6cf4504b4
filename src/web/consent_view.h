/* The print view of an authorization to charge, shared by the staff pages
 * and the client portal (consent_print.html). */
#ifndef CONSENT_VIEW_H
#define CONSENT_VIEW_H

struct ctx;
struct sp_consent;

/* Renders consent_print.html for k (status 200) with a link back to
 * back_url labelled back_label. 0 / -1. */
int	 consent_view_print(struct ctx *, const struct sp_consent *k,
	    const char *back_url, const char *back_label);

#endif
