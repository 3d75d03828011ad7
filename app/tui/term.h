/*
 * app/tui/term — the only file that talks to curses.
 *
 * It opens the terminal, maps theme roles to curses attributes for the
 * colours the terminal has (256, 16, 8 or none), reads keys and mouse
 * events as tui_key values, and copies a canvas to the screen writing only
 * the cells that changed since the last frame (ncurses then sends only
 * what differs from what the terminal shows). When nothing changed it
 * writes nothing at all. Loop thread only.
 */
#ifndef SV_APP_TUI_TERM_H
#define SV_APP_TUI_TERM_H

#include <stdbool.h>

#include "app/tui/keymap.h"
#include "themes/theme.h"
#include "util/util.h"
#include "widgets/canvas.h"

typedef struct term term;

struct tui_mouse {
	int x, y;
	int button; /* 1 left click, 3 right click, 4 wheel up, 5 wheel down */
};

struct term_opts {
	bool ascii;	/* force the ASCII fallback */
	bool no_color;	/* NO_COLOR or --no-color */
	bool mouse;
};

/* Opens curses on stdin/stdout. ASCII mode is on when asked, when the
 * locale's charset is not UTF-8, or when the terminal cannot draw it. */
int term_open(const struct term_opts *o, term **out, sv_err **err);
/* Restores the terminal. NULL is fine. */
void term_close(term *t);
int term_input_fd(const term *t);
bool term_ascii(const term *t);
/* Colours in use: 256, 16, 8, or 0 (none). */
int term_colors(const term *t);
void term_size(const term *t, int *w, int *h);
/* Re-reads the window size (TIOCGWINSZ) and resizes curses; the next
 * flush redraws everything. */
void term_resize(term *t);
void term_set_theme(term *t, const struct theme *th);
/* Next key, or KEYC_NONE when no input is waiting. Mouse events come back
 * as KEYC_MOUSE with *m filled in. */
tui_key term_read_key(term *t, struct tui_mouse *m);
/* Copies the cells that differ from the last frame; cursor (cx, cy) is
 * shown there, or hidden when cx < 0. Returns the number of cells sent. */
int term_flush(term *t, const struct canvas *c, int cx, int cy);
/* Forgets what the screen shows: the next flush repaints every cell. */
void term_invalidate(term *t);
void term_set_mouse(term *t, bool on);
/* Copies text to the clipboard with OSC 52 (the terminal, or tmux with
 * set-clipboard on, stores it). */
void term_copy(term *t, const char *text);
/* Leaves curses (the shell prompt is back) and returns to it. */
void term_suspend(term *t);
void term_resume(term *t);

#endif
