/*
 * widgets/menu — a small popup list to pick one item from (the actions
 * for a container, for instance). Up/Down or j/k move, Enter picks, Esc
 * closes; a letter jumps to the item whose hotkey it is; a click picks the
 * item under it. Loop thread only.
 */
#ifndef SV_WIDGETS_MENU_H
#define SV_WIDGETS_MENU_H

#include "widgets/canvas.h"
#include "widgets/keys.h"

#define MENU_MAX_ITEMS 32

struct menu_item {
	char label[48];
	char key[16]; /* shown on the right, and a hotkey when one character */
	int value;
};

struct menu {
	char title[64];
	struct menu_item items[MENU_MAX_ITEMS];
	int n, cur;
};

void menu_init(struct menu *m, const char *title);
void menu_add(struct menu *m, const char *label, const char *key, int value);
/* The picked item's value, -1 to close, -2 when the menu stays open. */
int menu_key(struct menu *m, tui_key k);
/* Draws the menu at (x, y) (moved to fit the screen). */
void menu_draw(const struct menu *m, struct canvas *c, struct rect screen, int x, int y);
/* A click at (cx, cy) on the menu drawn at (x, y) in screen: the value of
 * the item under it (which becomes the current one), -2 on the frame, -1
 * outside the menu. */
int menu_click(struct menu *m, struct rect screen, int x, int y, int cx, int cy);

#endif
