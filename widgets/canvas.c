/*
 * The cell grid. Widths come from a small table of the wide and zero-width
 * ranges rather than wcwidth(3), so the layout does not depend on the
 * locale the process happens to run in (LANG=C must draw the same columns
 * as a UTF-8 locale, just with '?' for what it cannot show).
 */
#include "widgets/canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct range {
	uint32_t lo, hi;
};

static const struct range wide_ranges[] = {
	{ 0x1100, 0x115F },   { 0x231A, 0x231B },   { 0x2329, 0x232A },	  { 0x23E9, 0x23EC },
	{ 0x2E80, 0x303E },   { 0x3041, 0x33FF },   { 0x3400, 0x4DBF },	  { 0x4E00, 0x9FFF },
	{ 0xA000, 0xA4CF },   { 0xA960, 0xA97F },   { 0xAC00, 0xD7A3 },	  { 0xF900, 0xFAFF },
	{ 0xFE10, 0xFE19 },   { 0xFE30, 0xFE6F },   { 0xFF00, 0xFF60 },	  { 0xFFE0, 0xFFE6 },
	{ 0x1F300, 0x1F64F }, { 0x1F680, 0x1F6FF }, { 0x1F900, 0x1F9FF }, { 0x20000, 0x2FFFD },
	{ 0x30000, 0x3FFFD },
};

static const struct range zero_ranges[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x0610, 0x061A },
	{ 0x064B, 0x065F }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F },
	{ 0x202A, 0x202E }, { 0x2060, 0x2064 }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F },
	{ 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF }, { 0xE0100, 0xE01EF },
};

static bool in_ranges(uint32_t cp, const struct range *r, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int cp_width(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if (in_ranges(cp, zero_ranges, sizeof zero_ranges / sizeof zero_ranges[0]))
		return 0;
	if (in_ranges(cp, wide_ranges, sizeof wide_ranges / sizeof wide_ranges[0]))
		return 2;
	return 1;
}

int utf8_decode(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	int n;
	uint32_t c, min;
	if ((s[0] & 0xE0) == 0xC0)
		n = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		goto bad;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xFFFD;
	return 1;
}

int utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* What a decoded character is drawn as: controls become a replacement. */
static uint32_t drawable(uint32_t cp, bool ascii)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return ascii ? '?' : 0xFFFD;
	if (ascii && cp > 0x7E)
		return '?';
	return cp;
}

int text_width(const char *s)
{
	int w = 0;
	while (s && *s) {
		uint32_t cp;
		s += utf8_decode(s, &cp);
		w += cp_width(drawable(cp, false));
	}
	return w;
}

void canvas_init(struct canvas *c, int w, int h, bool ascii)
{
	memset(c, 0, sizeof *c);
	c->ascii = ascii;
	canvas_resize(c, w, h);
}

void canvas_release(struct canvas *c)
{
	free(c->cells);
	c->cells = NULL;
	c->w = c->h = 0;
}

void canvas_resize(struct canvas *c, int w, int h)
{
	if (w < 1 || h < 1)
		w = h = 0;
	if (w != c->w || h != c->h) {
		free(c->cells);
		c->cells = w ? sv_xcalloc((size_t)w * (size_t)h, sizeof *c->cells) : NULL;
		c->w = w;
		c->h = h;
	}
	canvas_clear(c, ROLE_DEFAULT);
}

void canvas_clear(struct canvas *c, enum theme_role role)
{
	for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++)
		c->cells[i] = (struct cell){ ' ', (uint8_t)role };
}

struct cell *canvas_at(struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

/* Puts one code point of width 1 or 2; a wide one that does not fit is a
 * blank. Overwriting half of a wide character blanks its other half. */
static int put_cp(struct canvas *c, int x, int y, int limit, uint32_t cp, int w, enum theme_role role)
{
	struct cell *cell = canvas_at(c, x, y);
	if (!cell || w <= 0 || x + w > limit || x + w > c->w) {
		if (cell && x < limit)
			*cell = (struct cell){ ' ', (uint8_t)role };
		return cell && x < limit ? 1 : 0;
	}
	if (cell->ch == CANVAS_CONT && x > 0)
		cell[-1].ch = ' ';
	if (x + w < c->w && cell[w].ch == CANVAS_CONT)
		cell[w].ch = ' ';
	cell[0] = (struct cell){ cp, (uint8_t)role };
	if (w == 2)
		cell[1] = (struct cell){ CANVAS_CONT, (uint8_t)role };
	return w;
}

int canvas_text(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *s)
{
	if (y < 0 || y >= c->h || maxw <= 0 || !s)
		return 0;
	int limit = x + maxw > c->w ? c->w : x + maxw;
	int col = x;
	while (*s && col < limit) {
		uint32_t cp;
		s += utf8_decode(s, &cp);
		cp = drawable(cp, c->ascii);
		int w = cp_width(cp);
		if (w == 0)
			continue;
		if (col < 0) { /* starts left of the canvas: skip what is hidden */
			col += w;
			continue;
		}
		int put = put_cp(c, col, y, limit, cp, w, role);
		if (put < w) {
			col += put;
			break;
		}
		col += w;
	}
	return col - x;
}

void canvas_field(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *s)
{
	if (maxw <= 0)
		return;
	int w = text_width(s);
	int drawn;
	if (w > maxw && maxw > 1) {
		drawn = canvas_text(c, x, y, maxw - 1, role, s);
		canvas_glyph(c, x + drawn, y, role, GLYPH_ELLIPSIS);
		drawn++;
	} else {
		drawn = canvas_text(c, x, y, maxw, role, s);
	}
	if (drawn < maxw)
		canvas_fill(c, rect_make(x + drawn, y, maxw - drawn, 1), role, ' ');
}

void canvas_field_right(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *s)
{
	int w = text_width(s);
	if (w >= maxw) {
		canvas_field(c, x, y, maxw, role, s);
		return;
	}
	canvas_fill(c, rect_make(x, y, maxw - w, 1), role, ' ');
	canvas_text(c, x + maxw - w, y, w, role, s);
}

int canvas_printf(struct canvas *c, int x, int y, int maxw, enum theme_role role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, maxw, role, buf);
}

static const uint32_t glyph_utf8[GLYPH_COUNT] = {
	[GLYPH_HLINE] = 0x2500,	   [GLYPH_VLINE] = 0x2502,	[GLYPH_ULCORNER] = 0x250C,
	[GLYPH_URCORNER] = 0x2510, [GLYPH_LLCORNER] = 0x2514,	[GLYPH_LRCORNER] = 0x2518,
	[GLYPH_LTEE] = 0x251C,	   [GLYPH_RTEE] = 0x2524,	[GLYPH_UP] = 0x25B2,
	[GLYPH_DOWN] = 0x25BC,	   [GLYPH_MARK] = 0x25CF,	[GLYPH_ELLIPSIS] = 0x2026,
	[GLYPH_FULL] = 0x2588,	   [GLYPH_LIGHT] = 0x2591,	[GLYPH_SPARK0] = 0x2581,
	[GLYPH_SPARK0 + 1] = 0x2582, [GLYPH_SPARK0 + 2] = 0x2583, [GLYPH_SPARK0 + 3] = 0x2584,
	[GLYPH_SPARK0 + 4] = 0x2585, [GLYPH_SPARK0 + 5] = 0x2586, [GLYPH_SPARK0 + 6] = 0x2587,
	[GLYPH_SPARK7] = 0x2588,
};

/* ASCII stand-ins, in enum order: lines, arrows, mark, ellipsis, gauge,
 * then the eight sparkline levels. */
static const char glyph_ascii[GLYPH_COUNT + 1] = "-|++++++" "^v*~" "#." "_.-=+*#@";

uint32_t canvas_glyph_char(const struct canvas *c, enum glyph g)
{
	if (g < 0 || g >= GLYPH_COUNT)
		return '?';
	return c->ascii ? (uint32_t)(unsigned char)glyph_ascii[g] : glyph_utf8[g];
}

void canvas_glyph(struct canvas *c, int x, int y, enum theme_role role, enum glyph g)
{
	if (canvas_at(c, x, y))
		put_cp(c, x, y, c->w, canvas_glyph_char(c, g), 1, role);
}

void canvas_fill(struct canvas *c, struct rect r, enum theme_role role, uint32_t ch)
{
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			if (canvas_at(c, x, y))
				put_cp(c, x, y, c->w, ch, 1, role);
}

void canvas_paint(struct canvas *c, int x, int y, int w, enum theme_role role)
{
	for (int i = x; i < x + w; i++) {
		struct cell *cell = canvas_at(c, i, y);
		if (cell)
			cell->role = (uint8_t)role;
	}
}

void canvas_hline(struct canvas *c, int x, int y, int w, enum theme_role role)
{
	for (int i = x; i < x + w; i++)
		canvas_glyph(c, i, y, role, GLYPH_HLINE);
}

void canvas_box(struct canvas *c, struct rect r, enum theme_role role, const char *title)
{
	if (r.w < 2 || r.h < 2)
		return;
	int x1 = r.x + r.w - 1, y1 = r.y + r.h - 1;
	canvas_hline(c, r.x + 1, r.y, r.w - 2, role);
	canvas_hline(c, r.x + 1, y1, r.w - 2, role);
	for (int y = r.y + 1; y < y1; y++) {
		canvas_glyph(c, r.x, y, role, GLYPH_VLINE);
		canvas_glyph(c, x1, y, role, GLYPH_VLINE);
	}
	canvas_glyph(c, r.x, r.y, role, GLYPH_ULCORNER);
	canvas_glyph(c, x1, r.y, role, GLYPH_URCORNER);
	canvas_glyph(c, r.x, y1, role, GLYPH_LLCORNER);
	canvas_glyph(c, x1, y1, role, GLYPH_LRCORNER);
	if (title && *title && r.w > 6) {
		canvas_text(c, r.x + 2, r.y, 1, role, " ");
		int n = canvas_text(c, r.x + 3, r.y, r.w - 6, ROLE_DIALOG_TITLE, title);
		canvas_text(c, r.x + 3 + n, r.y, 1, role, " ");
	}
}

char *canvas_dump(const struct canvas *c)
{
	struct sv_buf b;
	sv_buf_init(&b);
	for (int y = 0; y < c->h; y++) {
		size_t start = b.len, keep = b.len;
		for (int x = 0; x < c->w; x++) {
			uint32_t ch = c->cells[(size_t)y * (size_t)c->w + (size_t)x].ch;
			if (ch == CANVAS_CONT)
				continue;
			char u[4];
			int n = utf8_encode(ch, u);
			sv_buf_add(&b, u, (size_t)n);
			if (ch != ' ')
				keep = b.len;
		}
		(void)start;
		sv_buf_truncate(&b, keep);
		sv_buf_addc(&b, '\n');
	}
	return sv_buf_detach(&b, NULL);
}
