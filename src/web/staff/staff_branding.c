/* Settings > Branding (admin): organisation name, address, accent colour and
 * logo; and the public, cacheable logo and theme files every page links. */
#include "common.h"

#include "app.h"
#include "audit.h"
#include "brand_image.h"
#include "handlers.h"
#include "branding.h"
#include "buf.h"
#include "kit.h"
#include "log.h"
#include "str.h"
#include "staff_profiles.h"
#include "tmpl.h"

int	 h_branding(struct ctx *);
int	 h_branding_save(struct ctx *);
int	 h_branding_logo(struct ctx *);
int	 h_branding_logo_remove(struct ctx *);
int	 h_brand_logo(struct ctx *);
int	 h_brand_theme(struct ctx *);

#define BRAND_CACHE_FOREVER	"public, max-age=31536000, immutable"

static int
go(struct ctx *c, const char *url)
{
	http_redirect(&c->resp, 303, url);
	return 0;
}

static int
branding_page(struct ctx *c, int status, const char *error)
{
	const struct branding *b = app_brand(c);

	tmpl_set(c->view, "title", "Branding");
	tmpl_set_bool(c->view, "nav_settings", 1);
	tmpl_set_bool(c->view, "tab_branding", 1);
	kit_notice(c);
	app_view_errors(c);
	if (status >= 400)
		tmpl_set(c->view, "error", error ? error :
		    "Nothing was saved. Please correct the fields marked below.");
	if (status >= 400 && c->route != NULL && c->route->fn == h_branding_save)
		kit_form_echo(c);
	if (tmpl_get(c->view, "form_org_name") == NULL) {
		tmpl_set(c->view, "form_org_name", b->org_name);
		tmpl_set(c->view, "form_org_address", b->org_address);
		tmpl_set(c->view, "form_accent", b->accent);
	}
	tmpl_set(c->view, "accent_now", b->accent[0] ? b->accent : "#1f5fae");
	tmpl_set_int(c->view, "logo_w", b->logo_w);
	tmpl_set_int(c->view, "logo_h", b->logo_h);
	tmpl_set_int(c->view, "logo_max_kb", BRAND_LOGO_MAX_BYTES / 1024);
	tmpl_set_int(c->view, "logo_max_side", BRAND_LOGO_MAX_SIDE);
	return app_render(c, status, "admin_branding.html");
}

int
h_branding(struct ctx *c)
{
	return branding_page(c, 200, NULL);
}

int
h_branding_save(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	const char *in = kit_field_s(c, "accent");
	char accent[8] = "", err[300];

	if (c->fs.nerr > 0)
		return branding_page(c, 422, NULL);
	if (in[0] && branding_accent_check(in, accent, err, sizeof(err)) == -1) {
		kit_form_error(c, "accent", err);
		return branding_page(c, 422, NULL);
	}
	if (branding_save_text(c->app->db, &a, kit_field_s(c, "org_name"),
	    kit_field_s(c, "org_address"), accent) != BRAND_OK)
		return -1;
	return go(c, "/admin/branding?notice=saved");
}

int
h_branding_logo(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);
	const struct req_upload *u = &c->req.upload;
	struct buf png;
	char err[200];
	int w = 0, h = 0, rc;

	if (!u->present || strcmp(u->name, "logo") != 0 || u->len == 0) {
		kit_form_error(c, "logo",
		    "Choose a PNG or JPEG file for the logo.");
		return branding_page(c, 422, "The logo was not changed.");
	}
	buf_init(&png, 16u * 1024 * 1024);
	if (brand_image_reencode((const unsigned char *)u->data, u->len, &png, &w,
	    &h, err, sizeof(err)) == -1) {
		buf_free(&png);
		kit_form_error(c, "logo", err);
		return branding_page(c, 422, "The logo was not changed.");
	}
	rc = branding_save_logo(c->app->db, &a, png.data, png.len, w, h);
	buf_free(&png);
	if (rc != BRAND_OK)
		return -1;
	return go(c, "/admin/branding?notice=logo");
}

int
h_branding_logo_remove(struct ctx *c)
{
	struct actor a = kit_staff_actor(c);

	if (branding_clear_logo(c->app->db, &a) != BRAND_OK)
		return -1;
	return go(c, "/admin/branding?notice=logo_removed");
}

/* /brand/logo/<sha256>.png: the URL names the content, so it may be cached
 * for ever; any other name is 404. */
int
h_brand_logo(struct ctx *c)
{
	const char *file = route_param(&c->match, "file");
	char sha[65];
	int rc;

	if (file == NULL || strlen(file) != 68 || strcmp(file + 64, ".png") != 0)
		return app_error(c, 404, "No such logo.");
	str_copy(sha, sizeof(sha), file);
	sha[64] = '\0';
	buf_reset(&c->resp.body);
	rc = branding_logo(c->app->db, sha, &c->resp.body);
	if (rc == BRAND_DB)
		return -1;
	if (rc == BRAND_NONE)
		return app_error(c, 404, "No such logo.");
	c->resp.status = 200;
	c->resp.content_type = "image/png";
	http_header(&c->resp, "Cache-Control", BRAND_CACHE_FOREVER);
	http_header(&c->resp, "Content-Disposition", "inline; filename=\"logo.png\"");
	return 0;
}

/* /brand/theme/<rrggbb>.css: the accent as CSS custom properties (a file,
 * since the Content-Security-Policy allows no inline style). */
int
h_brand_theme(struct ctx *c)
{
	const struct branding *b = app_brand(c);
	const char *file = route_param(&c->match, "file");
	char dark[8];

	if (b->accent[0] == '\0')
		return app_error(c, 404, "No theme.");
	branding_accent_dark(b->accent, dark);
	buf_reset(&c->resp.body);
	if (buf_printf(&c->resp.body, ":root { --brand: %s; --brand-dark: %s; }\n",
	    b->accent, dark) == -1)
		return -1;
	c->resp.status = 200;
	c->resp.content_type = "text/css; charset=utf-8";
	/* an old URL answers with today's colours, briefly cached */
	http_header(&c->resp, "Cache-Control", file != NULL && strlen(file) == 10 &&
	    strncmp(file, b->accent + 1, 6) == 0 ? BRAND_CACHE_FOREVER :
	    "public, max-age=60");
	return 0;
}

static const char *const brand_notices[] = { "saved", "logo", "logo_removed", NULL };

static const struct field f_branding_page[] = {
	{ "notice", FIELD_ENUM, 0, 0, 0, 0, brand_notices, "Notice" },
};

static const struct field f_branding[] = {
	{ "org_name", FIELD_LINE, 0, 120, 0, 0, NULL, "Organisation name" },
	{ "org_address", FIELD_TEXT, 0, 400, 0, 0, NULL, "Address" },
	{ "accent", FIELD_LINE, 0, 7, 0, 0, NULL, "Accent colour" },
};

const struct route routes_branding[] = {
	{ { "GET", "/admin/branding" }, h_branding, ROLE_ADMIN, 0,
	    f_branding_page, ARRAY_LEN(f_branding_page) },
	{ { "POST", "/admin/branding" }, h_branding_save, ROLE_ADMIN, R_FORM,
	    f_branding, ARRAY_LEN(f_branding) },
	{ { "POST", "/admin/branding/logo" }, h_branding_logo, ROLE_ADMIN, 0,
	    NULL, 0 },
	{ { "POST", "/admin/branding/logo/remove" }, h_branding_logo_remove,
	    ROLE_ADMIN, 0, NULL, 0 },
	{ { "GET", "/brand/logo/:file" }, h_brand_logo, 0, R_PUBLIC | R_NOSESSION,
	    NULL, 0 },
	{ { "GET", "/brand/theme/:file" }, h_brand_theme, 0,
	    R_PUBLIC | R_NOSESSION, NULL, 0 },
};

const size_t nroutes_branding = ARRAY_LEN(routes_branding);
