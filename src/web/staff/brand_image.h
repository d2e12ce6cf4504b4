/* Logo uploads: only PNG or JPEG, size-checked before decoding, decoded and
 * re-encoded as a fresh PNG (cairo writes it). The uploaded bytes are never
 * kept or served: metadata, trailing data and anything hidden in them go. */
#ifndef BRAND_IMAGE_H
#define BRAND_IMAGE_H

#include <stddef.h>

#include <cairo.h>

struct buf;

#define BRAND_LOGO_MAX_BYTES	(900u * 1024)	/* fits the 1 MiB request body */
#define BRAND_LOGO_MAX_SIDE	2000

/* Re-encodes data (len bytes) as PNG appended to out; *w, *h get the size.
 * Returns 0, or -1 with a message for the user in err. */
int	 brand_image_reencode(const unsigned char *data, size_t len,
	    struct buf *out, int *w, int *h, char *err, size_t errsz);

/* PNG bytes (len, in memory) as a cairo image, or NULL when they do not
 * decode; the caller destroys it (the logo, signatures in PDFs). */
cairo_surface_t *brand_image_png_load(const unsigned char *png, size_t len);

#endif
