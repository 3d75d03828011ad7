/*
 * The status bar's two faces.
 */
#include "widgets/statusbar.h"

void statusbar_message(struct canvas *c, int y, enum statusbar_level level, const char *msg)
{
	static const enum theme_role roles[] = { ROLE_STATUS_INFO, ROLE_STATUS_WARN, ROLE_STATUS_ERROR };
	enum theme_role r = roles[level <= STATUSBAR_ERROR ? level : STATUSBAR_ERROR];
	canvas_fill(c, rect_make(0, y, c->w, 1), r, ' ');
	canvas_field(c, 1, y, c->w - 1, r, msg);
}

void statusbar_hints(struct canvas *c, int y, const struct statusbar_hint *hints, int n)
{
	canvas_fill(c, rect_make(0, y, c->w, 1), ROLE_KEY_DESC, ' ');
	int x = 1;
	for (int i = 0; i < n; i++) {
		int need = text_width(hints[i].key) + text_width(hints[i].desc) + 3;
		if (x + need > c->w)
			break;
		x += canvas_text(c, x, y, c->w - x, ROLE_KEY, hints[i].key);
		x += canvas_text(c, x, y, c->w - x, ROLE_KEY_DESC, " ");
		x += canvas_text(c, x, y, c->w - x, ROLE_KEY_DESC, hints[i].desc);
		x += 2;
	}
}
