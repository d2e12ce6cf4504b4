/* Fuzz harness for the template engine: parses and renders the input as a
 * template, lenient and strict, against a small fixed vars tree with a
 * nested loop and a template directory holding a few includes (one of them
 * recursive).
 *
 * libFuzzer:  clang -g -O1 -fsanitize=fuzzer,address,undefined -I<build>
 *               -Isrc/core -Isrc tests/fuzz/fuzz_tmpl.c src/tmpl/tmpl*.c
 *               src/core/i18n.c src/core/buf.c src/core/str.c
 * Replay/AFL: the same with -DFUZZ_MAIN and without -fsanitize=fuzzer;
 *             run as ./fuzz_tmpl FILE. */
#include "common.h"
#include "buf.h"
#include "tmpl/tmpl.h"	/* the fuzz build has -Isrc, not -Isrc/tmpl */

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tmpl_cache	*lenient, *strict;
static struct tmpl_vars		*vars;
static char			 dir[64];

static const struct { const char *name, *body; } incs[] = {
	{ "a.html", "<b><TMPL_VAR name></b><TMPL_INCLUDE b.html>" },
	{ "b.html", "<TMPL_LOOP rows><TMPL_VAR __index__></TMPL_LOOP>" },
	{ "self.html", "x<TMPL_INCLUDE self.html>" },
	{ "bad.html", "<TMPL_IF x>" },
};

static int
rm_entry(const char *path, const struct stat *sb UNUSED, int flag UNUSED,
    struct FTW *ftw UNUSED)
{
	return remove(path);
}

static void
cleanup(void)
{
	tmpl_cache_free(lenient);
	tmpl_cache_free(strict);
	tmpl_vars_free(vars);
	if (dir[0] != '\0')
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
make_dir(void)
{
	char path[128];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/fuzz_tmpl.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(incs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, incs[i].name);
		if ((f = fopen(path, "w")) == NULL)
			continue;
		fputs(incs[i].body, f);
		fclose(f);
	}
}

static void
make_vars(void)
{
	struct tmpl_vars *row, *sub;

	vars = tmpl_vars_new();
	tmpl_set(vars, "name", "<script>alert('x')</script>");
	tmpl_set(vars, "x", "1");
	tmpl_set(vars, "zero", "0");
	tmpl_set(vars, "empty", "");
	tmpl_set(vars, "u", "\xe2\x80\xa8 \"/&\\\x01\xff");
	for (int i = 0; i < 3; i++) {
		row = tmpl_loop_add(vars, "rows");
		tmpl_set_int(row, "i", i);
		if (i == 1)
			tmpl_set(row, "name", "shadow");
		sub = tmpl_loop_add(row, "sub");
		tmpl_set(sub, "v", "inner");
	}
	tmpl_loop_add(vars, "one");
}

static void
init(void)
{
	if (vars != NULL)
		return;
	make_dir();
	make_vars();
	lenient = tmpl_cache_new(dir[0] ? dir : "/nonexistent", 0);
	strict = tmpl_cache_new(dir[0] ? dir : "/nonexistent", 1);
	atexit(cleanup);
}

static void
run(struct tmpl_cache *c, const char *src)
{
	struct buf out, err;

	buf_init(&out, 1024 * 1024);
	buf_init(&err, 4096);
	if (tmpl_render_string(c, src, vars, &out, &err) == -1 &&
	    err.len == 0 && out.len < out.max)
		abort();	/* every failure says why */
	buf_free(&out);
	buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src;

	init();
	if ((src = malloc(size + 1)) == NULL)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	run(lenient, src);
	run(strict, src);
	run(NULL, src);
	free(src);
	return 0;
}

#ifdef FUZZ_MAIN
int
main(int argc, char *argv[])
{
	struct buf in;
	char chunk[4096];
	size_t n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s file\n", argv[0]);
		return 2;
	}
	if ((f = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	buf_init(&in, 16 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&in, chunk, n) == -1)
			break;
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)buf_cstr(&in), in.len);
	buf_free(&in);
	return 0;
}
#endif
