/* Internals shared by the estimate files (estimate*.c); not an API. */
#ifndef ESTIMATE_INT_H
#define ESTIMATE_INT_H

struct estimate;
struct estimate_line;
struct store_estimate;
struct store_estimate_line;

/* Ours as the store's row: the keys and content it writes (estimate.c). */
void	 estimate_to_store(const struct estimate *, struct store_estimate *);
void	 estimate_line_to_store(const struct estimate_line *,
	    struct store_estimate_line *);

#endif
