/* Charts as inline SVG, drawn on the server (no chart script; they print).
 * Each chart is a picture of figures the page also shows in a table: the
 * SVG carries role="img" and a title, the table the numbers. Colours come
 * from classes styled in money.css (the CSP forbids inline styles). */
#ifndef SVG_CHART_H
#define SVG_CHART_H

#include "buf.h"

struct svg_item {
	const char	*label;	/* plain text; escaped here */
	int64_t		 value;	/* cents, >= 0 (negatives draw as 0) */
	const char	*cls;	/* CSS class of the shape, NULL: "ch-bar" */
};

/* One horizontal bar split into segments with a legend (aging). */
int	 svg_stacked_bar(struct buf *, const char *title,
	    const struct svg_item *, size_t n);
/* Vertical columns with their labels under them (collections by week). */
int	 svg_columns(struct buf *, const char *title,
	    const struct svg_item *, size_t n);
/* Horizontal bars, one per row, label on the left, amount on the right
 * (top balances, by location). */
int	 svg_hbars(struct buf *, const char *title,
	    const struct svg_item *, size_t n);

#endif
