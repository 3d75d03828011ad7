/*
 * Sparklines and gauges: glyph-level drawing over the canvas, so the ASCII
 * fallback comes for free.
 */
#include "widgets/spark.h"

#include <string.h>

void sparkline_draw(struct canvas *c, struct rect r, const double *v, size_t n, double max,
		    enum theme_role role)
{
	canvas_fill(c, rect_make(r.x, r.y, r.w, 1), role, ' ');
	if (r.w <= 0 || n == 0)
		return;
	size_t from = n > (size_t)r.w ? n - (size_t)r.w : 0;
	if (max <= 0)
		for (size_t i = from; i < n; i++)
			if (v[i] > max)
				max = v[i];
	int x = r.x + r.w - (int)(n - from);
	for (size_t i = from; i < n; i++, x++) {
		if (v[i] < 0)
			continue;
		int level = max > 0 ? (int)(v[i] / max * 7.0 + 0.5) : 0;
		if (level > 7)
			level = 7;
		canvas_glyph(c, x, r.y, role, (enum glyph)(GLYPH_SPARK0 + level));
	}
}

void gauge_draw(struct canvas *c, struct rect r, double frac, const char *label)
{
	if (r.w <= 0)
		return;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	enum theme_role fill = frac > 0.9 ? ROLE_GAUGE_CRIT : frac > 0.75 ? ROLE_GAUGE_WARN : ROLE_GAUGE_FILL;
	int filled = (int)(frac * r.w + 0.5);
	int lw = label ? text_width(label) : 0;
	int lx = r.x + (r.w - lw) / 2;
	for (int i = 0; i < r.w; i++) {
		int x = r.x + i;
		if (label && x >= lx && x < lx + lw)
			continue;
		canvas_glyph(c, x, r.y, i < filled ? fill : ROLE_GAUGE_EMPTY,
			     i < filled ? GLYPH_FULL : GLYPH_LIGHT);
	}
	if (label && lw <= r.w)
		canvas_text(c, lx, r.y, lw, ROLE_DEFAULT, label);
}
