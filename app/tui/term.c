/*
 * curses, and nothing else in the program includes it. Keys are read with
 * wget_wch in nodelay mode (the loop's uv_poll says when); the screen is a
 * canvas diffed against the previous frame, so an idle application calls
 * neither doupdate nor write.
 */
#include "app/tui/term.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct term {
	SCREEN *scr;
	int colors;
	bool ascii;
	bool mouse;
	bool default_colors; /* use_default_colors() worked: -1 is allowed */
	bool cursor_on;
	attr_t attr[ROLE_COUNT];
	short pair[ROLE_COUNT];
	struct canvas front; /* what the terminal shows */
	bool stale;	     /* front is unknown: repaint everything */
};

static bool locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int term_open(const struct term_opts *o, term **out, sv_err **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return sv_err_setx(err, ENOTTY, "servin-desktop needs a terminal (use --batch for scripts)");
	term *t = sv_xcalloc(1, sizeof *t);
	set_escdelay(25);
	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr) {
		free(t);
		const char *tn = getenv("TERM");
		return sv_err_setx(err, ENOTTY, "cannot use terminal type \"%s\"", tn ? tn : "");
	}
	set_term(t->scr);
	t->ascii = o->ascii || !locale_is_utf8();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	mouseinterval(0);
	if (has_colors() && !o->no_color) {
		start_color();
		t->default_colors = use_default_colors() == OK;
		t->colors = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
	}
	term_set_mouse(t, o->mouse);
	canvas_init(&t->front, COLS, LINES, t->ascii);
	t->stale = true;
	*out = t;
	return 0;
}

void term_close(term *t)
{
	if (!t)
		return;
	if (t->mouse)
		mousemask(0, NULL);
	endwin();
	delscreen(t->scr);
	canvas_release(&t->front);
	free(t);
}

int term_input_fd(const term *t)
{
	(void)t;
	return STDIN_FILENO;
}

bool term_ascii(const term *t)
{
	return t->ascii;
}

int term_colors(const term *t)
{
	return t->colors;
}

void term_size(const term *t, int *w, int *h)
{
	(void)t;
	*w = COLS;
	*h = LINES;
}

void term_resize(term *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	t->stale = true;
}

static attr_t to_curses_attrs(uint8_t a)
{
	attr_t r = A_NORMAL;
	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
	return r;
}

void term_set_theme(term *t, const struct theme *th)
{
	bool color = t->colors > 0 && !th->mono;
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct theme_style *s = &th->style[r];
		t->pair[r] = 0;
		if (!color) {
			t->attr[r] = to_curses_attrs(s->mono_attrs);
			continue;
		}
		bool fgbold = false, bgbold = false;
		short fg = theme_color_degrade(s->fg, t->colors, &fgbold);
		short bg = theme_color_degrade(s->bg, t->colors, &bgbold);
		if (fg == bg && fg >= 0)
			fg = bg == 0 ? 7 : 0;
		if (!t->default_colors) {
			fg = fg < 0 ? 7 : fg;
			bg = bg < 0 ? 0 : bg;
		}
		t->pair[r] = (short)(r + 1);
		init_pair(t->pair[r], fg, bg);
		t->attr[r] = to_curses_attrs(s->attrs) | (fgbold ? A_BOLD : 0);
	}
	t->stale = true;
}

static tui_key map_function_key(term *t, wint_t k, struct tui_mouse *m)
{
	static const struct {
		int curses;
		tui_key key;
	} map[] = {
		{ KEY_UP, KEYC_UP },	   { KEY_DOWN, KEYC_DOWN },	{ KEY_LEFT, KEYC_LEFT },
		{ KEY_RIGHT, KEYC_RIGHT }, { KEY_HOME, KEYC_HOME },	{ KEY_END, KEYC_END },
		{ KEY_PPAGE, KEYC_PGUP },  { KEY_NPAGE, KEYC_PGDN },	{ KEY_IC, KEYC_INSERT },
		{ KEY_DC, KEYC_DELETE },   { KEY_BTAB, KEYC_BTAB },	{ KEY_ENTER, KEYC_ENTER },
		{ KEY_BACKSPACE, KEYC_BACKSPACE },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if ((int)k == map[i].curses)
			return map[i].key;
	if ((int)k >= KEY_F(1) && (int)k <= KEY_F(12))
		return KEYC_F1 + (tui_key)((int)k - KEY_F(1));
	if ((int)k == KEY_MOUSE && t->mouse) {
		MEVENT ev;
		if (getmouse(&ev) != OK)
			return KEYC_NONE;
		m->x = ev.x;
		m->y = ev.y;
		m->button = (ev.bstate & BUTTON4_PRESSED)   ? 4
			    : (ev.bstate & BUTTON5_PRESSED) ? 5
			    : (ev.bstate & (BUTTON3_PRESSED | BUTTON3_CLICKED)) ? 3
			    : (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) ? 1
										: 0;
		return m->button ? KEYC_MOUSE : KEYC_NONE;
	}
	return KEYC_NONE; /* KEY_RESIZE and the rest: SIGWINCH drives resizes */
}

tui_key term_read_key(term *t, struct tui_mouse *m)
{
	for (;;) {
		wint_t wch;
		int rc = wget_wch(stdscr, &wch);
		if (rc == ERR)
			return KEYC_NONE;
		if (rc == KEY_CODE_YES) {
			tui_key k = map_function_key(t, wch, m);
			if (k != KEYC_NONE)
				return k;
			continue;
		}
		if (wch == '\n' || wch == '\r')
			return KEYC_ENTER;
		if (wch == 8)
			return KEYC_BACKSPACE;
		if (wch > 0x10FFFF)
			continue;
		return (tui_key)wch;
	}
}

static void put_cell(term *t, int x, int y, const struct cell *c)
{
	wchar_t wc[2] = { (wchar_t)c->ch, 0 };
	if (t->ascii && c->ch > 0x7E)
		wc[0] = '?';
	cchar_t cc;
	setcchar(&cc, wc, t->attr[c->role], t->pair[c->role], NULL);
	mvadd_wch(y, x, &cc);
}

int term_flush(term *t, const struct canvas *c, int cx, int cy)
{
	if (t->front.w != c->w || t->front.h != c->h) {
		canvas_resize(&t->front, c->w, c->h);
		t->stale = true;
	}
	if (t->stale) {
		clearok(curscr, TRUE);
		for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++)
			t->front.cells[i] = (struct cell){ 0, 0 };
	}
	int sent = 0;
	for (int y = 0; y < c->h; y++) {
		for (int x = 0; x < c->w; x++) {
			size_t i = (size_t)y * (size_t)c->w + (size_t)x;
			const struct cell *cell = &c->cells[i];
			struct cell *old = &t->front.cells[i];
			if (cell->ch == old->ch && cell->role == old->role)
				continue;
			*old = *cell;
			if (cell->ch != CANVAS_CONT) {
				put_cell(t, x, y, cell);
				sent++;
			}
		}
	}
	bool want_cursor = cx >= 0 && cy >= 0 && cx < c->w && cy < c->h;
	if (want_cursor != t->cursor_on) {
		curs_set(want_cursor ? 1 : 0);
		leaveok(stdscr, want_cursor ? FALSE : TRUE);
		t->cursor_on = want_cursor;
		sent++;
	}
	if (want_cursor)
		move(cy, cx);
	if (sent || t->stale)
		wnoutrefresh(stdscr), doupdate();
	t->stale = false;
	return sent;
}

void term_invalidate(term *t)
{
	t->stale = true;
}

void term_set_mouse(term *t, bool on)
{
	mmask_t want = on ? (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON3_PRESSED | BUTTON4_PRESSED |
			     BUTTON5_PRESSED)
			  : 0;
	mousemask(want, NULL);
	t->mouse = on;
}

void term_copy(term *t, const char *text)
{
	(void)t;
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_adds(&b, "\033]52;c;");
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		sv_buf_addc(&b, b64[(v >> 18) & 63]);
		sv_buf_addc(&b, b64[(v >> 12) & 63]);
		sv_buf_addc(&b, i + 1 < n ? b64[(v >> 6) & 63] : '=');
		sv_buf_addc(&b, i + 2 < n ? b64[v & 63] : '=');
	}
	sv_buf_adds(&b, "\a");
	fflush(stdout);
	(void)sv_write_all(STDOUT_FILENO, b.data, b.len);
	sv_buf_release(&b);
}

void term_suspend(term *t)
{
	(void)t;
	def_prog_mode();
	endwin();
}

void term_resume(term *t)
{
	reset_prog_mode();
	term_resize(t);
	t->stale = true;
}
