/* Shared set-up of the template engine's unit tests (test_tmpl.c,
 * test_tmpl_i18n.c): a temp template directory, a lenient and a strict
 * cache, output and error buffers, and render helpers. */
#ifndef TMPL_FIXTURE_H
#define TMPL_FIXTURE_H

#include "buf.h"
#include "tmpl.h"

extern char		 tmpdir[64];
extern struct tmpl_cache *cache;	/* lenient */
extern struct tmpl_cache *scache;	/* strict */
extern struct buf	 out, err;

void	 put_file(const char *rel, const char *content);
void	 put_dir(const char *rel);
void	 setup(void);
void	 teardown(void);
int	 render(struct tmpl_cache *c, const char *src, const struct tmpl_vars *v);
int	 render_file(struct tmpl_cache *c, const char *name,
	    const struct tmpl_vars *v);

#define OUT	buf_cstr(&out)
#define ERR	buf_cstr(&err)

#define EXPECT_IN(c, src, v, want) do {					\
	int rc_ = render((c), (src), (v));				\
	ck_assert_msg(rc_ == 0, "render of %.200s failed: %s", (src), ERR); \
	ck_assert_msg(strcmp(OUT, (want)) == 0,				\
	    "got \"%.300s\", want \"%.300s\"", OUT, (want));		\
} while (0)
#define EXPECT(src, v, want)	EXPECT_IN(cache, src, v, want)
#define EXPECT_ERR_IN(c, src, v, msg) do {				\
	ck_assert_int_eq(render((c), (src), (v)), -1);			\
	ck_assert_str_eq(ERR, (msg));					\
} while (0)
#define EXPECT_ERR(src, msg)	EXPECT_ERR_IN(cache, src, NULL, msg)

#endif
