/*
 * widgets/keys — the key values widgets and the keymap share.
 *
 * A key is a code point (text; C-a..C-z are 1..26, Enter 13, Tab 9, Esc
 * 27, Backspace 127) or one of the KEYC_* codes above Unicode for keys
 * that are not characters. app/tui/term.c turns curses' codes into these.
 */
#ifndef SV_WIDGETS_KEYS_H
#define SV_WIDGETS_KEYS_H

#include <stdint.h>

typedef uint32_t tui_key;

#define KEYC_BASE 0x110000u
enum {
	KEYC_UP = KEYC_BASE,
	KEYC_DOWN,
	KEYC_LEFT,
	KEYC_RIGHT,
	KEYC_HOME,
	KEYC_END,
	KEYC_PGUP,
	KEYC_PGDN,
	KEYC_INSERT,
	KEYC_DELETE,
	KEYC_BTAB,
	KEYC_F1,
	KEYC_F12 = KEYC_F1 + 11,
	KEYC_MOUSE, /* a mouse event; the details travel beside the key */
	KEYC_NONE,
};

#define KEYC_CTRL(c) ((tui_key)((c) & 0x1f))
#define KEYC_ENTER 13u
#define KEYC_TAB 9u
#define KEYC_ESC 27u
#define KEYC_BACKSPACE 127u

#endif
