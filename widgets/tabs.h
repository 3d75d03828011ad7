/*
 * widgets/tabs — a row of tab labels, the active one highlighted.
 */
#ifndef SV_WIDGETS_TABS_H
#define SV_WIDGETS_TABS_H

#include "widgets/canvas.h"

/* Draws labels in row y from x, at most w columns; returns the start
 * column of each label in starts (n+1 entries, the last is the end). */
void tabs_draw(struct canvas *c, int x, int y, int w, const char *const *labels, int n, int active,
	       int *starts);
/* The tab at column x, or -1. */
int tabs_hit(const int *starts, int n, int x);

#endif
