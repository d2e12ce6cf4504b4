/* The branding table: one row (id 1) with the organisation's name,
 * address, accent and logo (PNG as base64 text). Functions return a
 * db_status (0 is DB_OK) unless said otherwise. */
#ifndef STORE_BRANDING_H
#define STORE_BRANDING_H

struct db;

struct store_branding {
	char	 org_name[121];
	char	 org_address[401];
	char	 accent[8];
	char	 logo_sha[65];
	int	 logo_w, logo_h;
};

/* 1 and *b (without the logo bytes) when the row exists, 0 when not. */
int	 store_branding_get(struct db *, struct store_branding *b);
int	 store_branding_save_text(struct db *, const char *name,
	    const char *address, const char *accent);
int	 store_branding_set_logo(struct db *, const char *png_b64,
	    const char *sha, int w, int h);
int	 store_branding_clear_logo(struct db *);
/* 1 and *png_b64 (malloc'd, caller frees) when the logo's hash is sha,
 * 0 when not, or a negative db_status. */
int	 store_branding_logo(struct db *, const char *sha, char **png_b64);

#endif
