/*
 * widgets/spark — sparklines and gauges, one row high.
 */
#ifndef SV_WIDGETS_SPARK_H
#define SV_WIDGETS_SPARK_H

#include <stddef.h>

#include "widgets/canvas.h"

/* The last r.w of n values (oldest first) as eight-level bars scaled to
 * max (max <= 0: the largest value). Negative values are gaps. */
void sparkline_draw(struct canvas *c, struct rect r, const double *v, size_t n, double max,
		    enum theme_role role);
/* A bar filled to frac (0..1) with a label over it ("45%"); the fill
 * turns to the warn role above 0.75 and the crit role above 0.9. */
void gauge_draw(struct canvas *c, struct rect r, double frac, const char *label);

#endif
