/*
 * Tabs: labels with a blank either side, separated by a space.
 */
#include "widgets/tabs.h"

#include <stdio.h>

void tabs_draw(struct canvas *c, int x, int y, int w, const char *const *labels, int n, int active,
	       int *starts)
{
	int end = x + w;
	canvas_fill(c, rect_make(x, y, w, 1), ROLE_TAB, ' ');
	for (int i = 0; i < n; i++) {
		char buf[96];
		snprintf(buf, sizeof buf, " %s ", labels[i]);
		starts[i] = x;
		x += canvas_text(c, x, y, end - x, i == active ? ROLE_TAB_ACTIVE : ROLE_TAB, buf);
		if (x < end)
			x++;
	}
	starts[n] = x;
}

int tabs_hit(const int *starts, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (x >= starts[i] && x < starts[i + 1])
			return i;
	return -1;
}
