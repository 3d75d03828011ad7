/*
 * widgets/canvas — the cell grid every widget and view draws into.
 *
 * A canvas is a plain array of cells (a code point and a theme role); it
 * knows nothing about curses, so widgets are testable without a terminal
 * and the whole application can run headless. app/tui/term.c copies the
 * cells that changed since the last frame to the terminal.
 *
 * Text is UTF-8; invalid sequences and control characters become U+FFFD
 * (or '?'), double-width characters take two cells. In ASCII mode (LANG=C,
 * TERM=vt100, --ascii) every code point above 0x7E is written as '?' and
 * line-drawing glyphs fall back to "-|+", so no byte above 0x7F reaches
 * the terminal. All functions clip to the canvas; nothing draws outside.
 * Loop thread only (or any single thread that owns the canvas).
 */
#ifndef SV_WIDGETS_CANVAS_H
#define SV_WIDGETS_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "themes/theme.h"

struct rect {
	int x, y, w, h;
};

/* Line drawing and small symbols, drawn as Unicode or as ASCII. */
enum glyph {
	GLYPH_HLINE,
	GLYPH_VLINE,
	GLYPH_ULCORNER,
	GLYPH_URCORNER,
	GLYPH_LLCORNER,
	GLYPH_LRCORNER,
	GLYPH_LTEE,
	GLYPH_RTEE,
	GLYPH_UP,	/* sort ascending ▲ */
	GLYPH_DOWN,	/* sort descending ▼ */
	GLYPH_MARK,	/* a marked row ● */
	GLYPH_ELLIPSIS, /* … */
	GLYPH_FULL,	/* █ gauge fill */
	GLYPH_LIGHT,	/* ░ gauge empty */
	GLYPH_SPARK0,	/* ▁ .. █: eight sparkline levels */
	GLYPH_SPARK7 = GLYPH_SPARK0 + 7,
	GLYPH_COUNT
};

/* A cell continuing a double-width character on its left. */
#define CANVAS_CONT 0xFFFFFFFFu

struct cell {
	uint32_t ch;
	uint8_t role; /* enum theme_role */
};

struct canvas {
	int w, h;
	struct cell *cells; /* w*h, row-major */
	bool ascii;
};

void canvas_init(struct canvas *c, int w, int h, bool ascii);
void canvas_release(struct canvas *c);
/* Resizes and clears. Sizes below 1 are clamped to 0 (an empty canvas). */
void canvas_resize(struct canvas *c, int w, int h);
/* Fills the whole canvas with blanks of role. */
void canvas_clear(struct canvas *c, enum theme_role role);
/* borrowed: NULL outside the canvas */
struct cell *canvas_at(struct canvas *c, int x, int y);

/* Writes UTF-8 text at (x, y), at most maxw columns (and never past the
 * right edge); returns the columns written. A character that would be cut
 * in half is replaced by a blank. */
int canvas_text(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *s);
/* Like canvas_text but pads with blanks to exactly maxw columns and ends a
 * text that does not fit with an ellipsis. */
void canvas_field(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *s);
/* The same, right-aligned. */
void canvas_field_right(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *s);
int canvas_printf(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *fmt,
		  ...) __attribute__((format(printf, 6, 7)));
void canvas_glyph(struct canvas *c, int x, int y, enum theme_role role, enum glyph g);
void canvas_fill(struct canvas *c, struct rect r, enum theme_role role, uint32_t ch);
/* Changes the role of w cells from (x, y) without touching their text. */
void canvas_paint(struct canvas *c, int x, int y, int w, enum theme_role role);
void canvas_hline(struct canvas *c, int x, int y, int w, enum theme_role role);
/* A frame around r with an optional title in its top edge. */
void canvas_box(struct canvas *c, struct rect r, enum theme_role role, const char *title);
/* The code point a glyph draws as on this canvas. */
uint32_t canvas_glyph_char(const struct canvas *c, enum glyph g);

/* Display width of UTF-8 text in columns (as canvas_text would draw it). */
int text_width(const char *s);
/* Decodes one UTF-8 character at s (NUL-terminated); returns its length in
 * bytes (>= 1) and the code point, U+FFFD for an invalid sequence. */
int utf8_decode(const char *s, uint32_t *cp);
/* Encodes cp into out (>= 4 bytes); returns the length. */
int utf8_encode(uint32_t cp, char *out);
/* Columns a code point takes: 0, 1 or 2 (control characters count as 1:
 * they are drawn as a replacement). */
int cp_width(uint32_t cp);

/* The whole canvas as text lines (trailing blanks trimmed), for headless
 * dumps and tests. Owned. */
char *canvas_dump(const struct canvas *c);

static inline struct rect rect_make(int x, int y, int w, int h)
{
	struct rect r = { x, y, w < 0 ? 0 : w, h < 0 ? 0 : h };
	return r;
}

#endif
