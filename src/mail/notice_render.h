/* Notices rendered at send time: the mailer's renderer (mailer_render_fn)
 * for rows queued with notice_enqueue() (src/billing/notice.h). Each notice
 * name maps to a mail template and a function that fills its variables from
 * the facts frozen at the event and the data as it is when the mail is sent
 * (account name, branding, method labels in the account's language). */
#ifndef NOTICE_RENDER_H
#define NOTICE_RENDER_H

#include <stddef.h>

struct config;
struct db;
struct mailer_notice;
struct outbox_mail;
struct tmpl_cache;
struct tmpl_vars;

/* What the renderer reads with; all borrowed, outliving the mailer. */
struct notice_render_env {
	struct db		*db;
	struct tmpl_cache	*tc;
	const struct config	*cfg;
};

/* A mailer_render_fn: arg is a struct notice_render_env. 0, -1 (transient:
 * the database), -2 (permanent: unknown notice, its account or object gone,
 * a template error). */
int	 notice_render(void *arg, const struct mailer_notice *,
	    struct outbox_mail *out, char *err, size_t errsz);

/* The branding variables every mail shows, as they are now: org_name,
 * org_address (and the loop org_address_lines of `line`), org_initial,
 * brand_accent and, with a logo and cfg->base_url, brand_logo_url (emails
 * link the logo rather than embed it). Empty branding fields keep the
 * configuration's. 0 / -1. */
int	 notice_render_branding(struct db *, const struct config *,
	    struct tmpl_vars *);

#endif
