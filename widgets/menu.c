/*
 * Popup menus.
 */
#include "widgets/menu.h"

#include <stdio.h>
#include <string.h>

void menu_init(struct menu *m, const char *title)
{
	memset(m, 0, sizeof *m);
	snprintf(m->title, sizeof m->title, "%s", title ? title : "");
}

void menu_add(struct menu *m, const char *label, const char *key, int value)
{
	if (m->n == MENU_MAX_ITEMS)
		return;
	struct menu_item *it = &m->items[m->n++];
	snprintf(it->label, sizeof it->label, "%s", label);
	snprintf(it->key, sizeof it->key, "%s", key ? key : "");
	it->value = value;
}

int menu_key(struct menu *m, tui_key k)
{
	switch (k) {
	case KEYC_ESC:
	case 'q': return -1;
	case KEYC_UP: m->cur = (m->cur + m->n - 1) % (m->n ? m->n : 1); return -2;
	case KEYC_DOWN: m->cur = (m->cur + 1) % (m->n ? m->n : 1); return -2;
	case KEYC_HOME: m->cur = 0; return -2;
	case KEYC_END: m->cur = m->n ? m->n - 1 : 0; return -2;
	case KEYC_ENTER: return m->n ? m->items[m->cur].value : -1;
	default: break;
	}
	for (int i = 0; i < m->n; i++) /* a hotkey */
		if (k < 0x80 && m->items[i].key[0] == (char)k && !m->items[i].key[1])
			return m->items[i].value;
	if (k == 'j')
		m->cur = (m->cur + 1) % (m->n ? m->n : 1);
	else if (k == 'k')
		m->cur = (m->cur + m->n - 1) % (m->n ? m->n : 1);
	return -2;
}

/* Where the menu goes: at (x, y), moved to fit the screen. */
static struct rect place(const struct menu *m, struct rect screen, int x, int y)
{
	int w = text_width(m->title) + 6;
	for (int i = 0; i < m->n; i++) {
		int iw = text_width(m->items[i].label) + text_width(m->items[i].key) + 6;
		if (iw > w)
			w = iw;
	}
	int h = m->n + 2;
	if (w > screen.w)
		w = screen.w;
	if (h > screen.h)
		h = screen.h;
	if (x + w > screen.x + screen.w)
		x = screen.x + screen.w - w;
	if (y + h > screen.y + screen.h)
		y = screen.y + screen.h - h;
	if (x < screen.x)
		x = screen.x;
	if (y < screen.y)
		y = screen.y;
	return rect_make(x, y, w, h);
}

void menu_draw(const struct menu *m, struct canvas *c, struct rect screen, int x, int y)
{
	struct rect r = place(m, screen, x, y);
	canvas_fill(c, r, ROLE_MENU, ' ');
	canvas_box(c, r, ROLE_MENU, m->title);
	for (int i = 0; i < m->n && i < r.h - 2; i++) {
		enum theme_role role = i == m->cur ? ROLE_MENU_SELECTED : ROLE_MENU;
		canvas_fill(c, rect_make(r.x + 1, r.y + 1 + i, r.w - 2, 1), role, ' ');
		canvas_text(c, r.x + 2, r.y + 1 + i, r.w - 4, role, m->items[i].label);
		int kw = text_width(m->items[i].key);
		canvas_text(c, r.x + r.w - 2 - kw, r.y + 1 + i, kw, role, m->items[i].key);
	}
}

int menu_click(struct menu *m, struct rect screen, int x, int y, int cx, int cy)
{
	struct rect r = place(m, screen, x, y);
	if (cx < r.x || cx >= r.x + r.w || cy < r.y || cy >= r.y + r.h)
		return -1;
	int i = cy - r.y - 1;
	if (cx == r.x || cx == r.x + r.w - 1 || i < 0 || i >= m->n || i >= r.h - 2)
		return -2; /* the frame */
	m->cur = i;
	return m->items[i].value;
}
