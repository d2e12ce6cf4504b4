/* Branding: the organisation's name, address, accent colour and logo
 * (one row, in src/store/store_branding.c).
 * The logo arrives here already re-encoded as PNG (web/brand_image.c). */
#ifndef BRANDING_H
#define BRANDING_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct actor;
struct buf;

enum branding_status {
	BRAND_OK = 0,
	BRAND_DB = -1,
	BRAND_NONE = -2,	/* no logo with that hash */
};

struct branding {
	char	 org_name[121];		/* "" = use the configuration */
	char	 org_address[401];
	char	 accent[8];		/* "#1f5fae" or "" (the built-in colour) */
	char	 logo_sha[65];		/* "" = no logo */
	int	 logo_w, logo_h;
};

/* The row without the logo bytes. */
int	 branding_get(struct db *, struct branding *out);
/* Saves name, address, accent (already validated); audited. */
int	 branding_save_text(struct db *, const struct actor *, const char *name,
	    const char *address, const char *accent);
/* Stores png (our own re-encoding, len bytes) as the logo; audited. */
int	 branding_save_logo(struct db *, const struct actor *, const void *png,
	    size_t len, int w, int h);
int	 branding_clear_logo(struct db *, const struct actor *);
/* The logo's PNG bytes into out when its hash is sha; BRAND_NONE otherwise. */
int	 branding_logo(struct db *, const char *sha, struct buf *out);

/* The emails' branding variables: notice_render_branding() (src/mail). */

/* --- accent colour (no database) --- */

/* WCAG 2.1 contrast ratio of two "#rrggbb" colours, times 100 (450 = 4.5:1). */
int	 branding_contrast(const char *a, const char *b);
/* Checks an accent: "#rgb" or "#rrggbb" (case-insensitive) normalised into
 * out ("#rrggbb", lower case). It must reach 4.5:1 against white text and
 * against the lightest page backgrounds, since buttons carry white text and
 * links sit on those backgrounds (WCAG 2.1 AA, 1.4.3). Returns 0, or -1 with
 * a message in err (for a too-light colour it names a darker one that passes). */
int	 branding_accent_check(const char *in, char out[8], char *err, size_t errsz);
/* A darker shade of an accent for hover/current states: out "#rrggbb". */
void	 branding_accent_dark(const char *accent, char out[8]);

#endif
