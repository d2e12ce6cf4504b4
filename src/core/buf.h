/* Growable byte buffer with a hard size limit (after curl's dynbuf).
 * The contents are always NUL-terminated; len excludes the NUL.
 * Owner: whoever calls buf_init() calls buf_free(). */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;	/* NULL until the first append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* appends that would exceed max fail with -1 */
};

#define BUF_MAX_DEFAULT	(8u * 1024 * 1024)

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);	/* len = 0, memory kept */
/* All appends return 0, or -1 on overflow of max / out of memory
 * (the buffer is left as it was). */
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, char);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list);
/* Never NULL: "" for an empty buffer. */
const char *buf_cstr(const struct buf *);
/* Returns the malloc'd contents (caller frees) and re-inits the buffer. */
char	*buf_detach(struct buf *);

#endif
