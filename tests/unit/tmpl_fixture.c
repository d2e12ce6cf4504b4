/* Shared set-up of the template engine's unit tests (tmpl_fixture.h). */
#include "common.h"

#include <check.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "str.h"
#include "tmpl_fixture.h"

char		 tmpdir[64];
struct tmpl_cache *cache;	/* lenient */
struct tmpl_cache *scache;	/* strict */
struct buf	 out, err;

void
put_file(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	ck_assert_int_eq(str_fmt(path, sizeof(path), "%s/%s", tmpdir, rel), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq((int)fwrite(content, 1, strlen(content), f),
	    (int)strlen(content));
	ck_assert_int_eq(fclose(f), 0);
}

void
put_dir(const char *rel)
{
	char path[256];

	ck_assert_int_eq(str_fmt(path, sizeof(path), "%s/%s", tmpdir, rel), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

void
setup(void)
{
	ck_assert_int_eq(str_copy(tmpdir, sizeof(tmpdir),
	    "/tmp/test_tmpl.XXXXXX"), 0);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	cache = tmpl_cache_new(tmpdir, 0);
	scache = tmpl_cache_new(tmpdir, 1);
	ck_assert_ptr_nonnull(cache);
	ck_assert_ptr_nonnull(scache);
	buf_init(&out, 0);
	buf_init(&err, 0);
}

static int
rm_entry(const char *path, const struct stat *sb UNUSED, int flag UNUSED,
    struct FTW *ftw UNUSED)
{
	return remove(path);
}

void
teardown(void)
{
	tmpl_cache_free(cache);
	tmpl_cache_free(scache);
	buf_free(&out);
	buf_free(&err);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
render(struct tmpl_cache *c, const char *src, const struct tmpl_vars *v)
{
	buf_reset(&out);
	buf_reset(&err);
	return tmpl_render_string(c, src, v, &out, &err);
}

int
render_file(struct tmpl_cache *c, const char *name, const struct tmpl_vars *v)
{
	buf_reset(&out);
	buf_reset(&err);
	return tmpl_render(c, name, v, &out, &err);
}
