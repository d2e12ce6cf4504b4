/* Logo decoding (PNG through cairo/libpng, JPEG through libjpeg-turbo) and
 * re-encoding as PNG. Dimensions are read from the header first, so a small
 * file that claims a huge picture is refused before any pixel is decoded. */
#include "common.h"

#include <cairo.h>
#include <jpeglib.h>
#include <setjmp.h>

#include "brand_image.h"
#include "buf.h"
#include "str.h"

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

struct mem_reader {
	const unsigned char	*p;
	size_t			 left;
};

static cairo_status_t
mem_read(void *closure, unsigned char *data, unsigned int length)
{
	struct mem_reader *m = closure;

	if (length > m->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, m->p, length);
	m->p += length;
	m->left -= length;
	return CAIRO_STATUS_SUCCESS;
}

cairo_surface_t *
brand_image_png_load(const unsigned char *png, size_t len)
{
	struct mem_reader m = { png, len };
	cairo_surface_t *s;

	s = cairo_image_surface_create_from_png_stream(mem_read, &m);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
}

static cairo_status_t
buf_write(void *closure, const unsigned char *data, unsigned int length)
{
	return buf_append(closure, data, length) == 0 ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
size_ok(uint32_t w, uint32_t h, char *err, size_t errsz)
{
	if (w == 0 || h == 0 || w > BRAND_LOGO_MAX_SIDE || h > BRAND_LOGO_MAX_SIDE) {
		str_fmt(err, errsz, "The logo is %ux%u pixels; it must be at most "
		    "%dx%d.", (unsigned)w, (unsigned)h, BRAND_LOGO_MAX_SIDE,
		    BRAND_LOGO_MAX_SIDE);
		return 0;
	}
	return 1;
}

static cairo_surface_t *
png_decode(const unsigned char *d, size_t len, char *err, size_t errsz)
{
	cairo_surface_t *s;

	/* IHDR must be the first chunk: width and height at bytes 16..23 */
	if (len < 33 || memcmp(d + 12, "IHDR", 4) != 0) {
		str_fmt(err, errsz, "The file is not a readable PNG picture.");
		return NULL;
	}
	if (!size_ok(be32(d + 16), be32(d + 20), err, errsz))
		return NULL;
	if ((s = brand_image_png_load(d, len)) == NULL)
		str_fmt(err, errsz, "The file is not a readable PNG picture.");
	return s;
}

struct jerr {
	struct jpeg_error_mgr	 mgr;
	jmp_buf			 jb;
};

static void
jpeg_fail(j_common_ptr ci)
{
	longjmp(((struct jerr *)ci->err)->jb, 1);
}

/* Copies decoded RGB scanlines into an opaque cairo image. */
static int
jpeg_rows(struct jpeg_decompress_struct *ci, cairo_surface_t *s, JSAMPROW row)
{
	unsigned char *px = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	while (ci->output_scanline < ci->output_height) {
		uint32_t *dst = (uint32_t *)(void *)(px + (size_t)stride *
		    ci->output_scanline);
		if (jpeg_read_scanlines(ci, &row, 1) != 1)
			return -1;
		for (JDIMENSION x = 0; x < ci->output_width; x++)
			dst[x] = 0xff000000u | (uint32_t)row[3 * x] << 16 |
			    (uint32_t)row[3 * x + 1] << 8 | row[3 * x + 2];
	}
	cairo_surface_mark_dirty(s);
	return 0;
}

static cairo_surface_t *
jpeg_decode(const unsigned char *d, size_t len, char *err, size_t errsz)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	cairo_surface_t *volatile s = NULL;
	JSAMPROW volatile row = NULL;

	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jpeg_fail;
	je.mgr.output_message = (void (*)(j_common_ptr))jpeg_fail;
	if (setjmp(je.jb)) {
		jpeg_destroy_decompress(&ci);
		free(row);
		if (s)
			cairo_surface_destroy(s);
		str_fmt(err, errsz, "The file is not a readable JPEG picture.");
		return NULL;
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, d, (unsigned long)len);
	jpeg_read_header(&ci, TRUE);
	if (!size_ok(ci.image_width, ci.image_height, err, errsz)) {
		jpeg_destroy_decompress(&ci);
		return NULL;
	}
	ci.out_color_space = JCS_RGB;
	jpeg_start_decompress(&ci);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ci.output_width,
	    (int)ci.output_height);
	row = malloc((size_t)ci.output_width * 3);
	if (row == NULL || cairo_surface_status(s) != CAIRO_STATUS_SUCCESS ||
	    jpeg_rows(&ci, s, row) == -1)
		longjmp(je.jb, 1);
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	free(row);
	return s;
}

int
brand_image_reencode(const unsigned char *d, size_t len, struct buf *out,
    int *w, int *h, char *err, size_t errsz)
{
	cairo_surface_t *s;
	cairo_status_t st;

	if (len == 0) {
		str_fmt(err, errsz, "Choose a PNG or JPEG file for the logo.");
		return -1;
	}
	if (len > BRAND_LOGO_MAX_BYTES) {
		str_fmt(err, errsz, "The logo file is %zu KB; it must be at most %u KB.",
		    (len + 1023) / 1024, BRAND_LOGO_MAX_BYTES / 1024);
		return -1;
	}
	if (len >= 8 && memcmp(d, png_sig, 8) == 0)
		s = png_decode(d, len, err, errsz);
	else if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		s = jpeg_decode(d, len, err, errsz);
	else {
		str_fmt(err, errsz, "The logo must be a PNG or JPEG picture "
		    "(other files, SVG included, are refused).");
		return -1;
	}
	if (s == NULL)
		return -1;
	*w = cairo_image_surface_get_width(s);
	*h = cairo_image_surface_get_height(s);
	st = cairo_surface_write_to_png_stream(s, buf_write, out);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		str_fmt(err, errsz, "The logo could not be converted; try another file.");
		return -1;
	}
	return 0;
}
