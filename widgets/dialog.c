/*
 * Dialog boxes. Sizing: as wide as the longest line (within the screen),
 * as tall as the lines (within the screen); what does not fit scrolls.
 */
#include "widgets/dialog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dialog_init(struct dialog *d, const char *title, char **lines, const char *yes, const char *no)
{
	memset(d, 0, sizeof *d);
	d->title = sv_xstrdup(title ? title : "");
	d->lines = lines ? lines : sv_xcalloc(1, sizeof(char *));
	d->yes = sv_xstrdup(yes ? yes : "Yes");
	d->no = sv_xstrdup(no ? no : "No");
	d->focus = 1; /* the safe answer first */
	lineedit_init(&d->edit);
}

void dialog_add_input(struct dialog *d, const char *label, const char *initial)
{
	d->input = true;
	free(d->label);
	d->label = sv_xstrdup(label ? label : "");
	lineedit_set(&d->edit, initial ? initial : "");
	d->focus = 2;
}

void dialog_release(struct dialog *d)
{
	free(d->title);
	sv_strv_free(d->lines);
	free(d->yes);
	free(d->no);
	free(d->label);
	lineedit_release(&d->edit);
	memset(d, 0, sizeof *d);
}

static void scroll(struct dialog *d, long delta)
{
	long n = (long)sv_strv_len(d->lines), page = d->page > 0 ? d->page : 1;
	long t = (long)d->top + delta;
	if (t > n - page)
		t = n - page;
	if (t < 0)
		t = 0;
	d->top = (size_t)t;
}

enum dialog_result dialog_key(struct dialog *d, tui_key k)
{
	int nfocus = d->input ? 3 : 2;
	if (k == KEYC_TAB || k == KEYC_BTAB) {
		d->focus = (d->focus + (k == KEYC_TAB ? 1 : nfocus - 1)) % nfocus;
		return DIALOG_NONE;
	}
	if (d->focus == 2) {
		enum lineedit_result r = lineedit_key(&d->edit, k);
		if (r == LINEEDIT_SUBMIT)
			return DIALOG_YES;
		if (r == LINEEDIT_CANCEL)
			return DIALOG_NO;
		return DIALOG_NONE;
	}
	switch (k) {
	case 'y':
	case 'Y': return DIALOG_YES;
	case 'n':
	case 'N':
	case 'q':
	case KEYC_ESC: return DIALOG_NO;
	case KEYC_ENTER: return d->focus == 0 ? DIALOG_YES : DIALOG_NO;
	case KEYC_LEFT:
	case 'h': d->focus = 0; break;
	case KEYC_RIGHT:
	case 'l': d->focus = 1; break;
	case KEYC_DOWN:
	case 'j': scroll(d, 1); break;
	case KEYC_UP:
	case 'k': scroll(d, -1); break;
	case KEYC_PGDN: scroll(d, d->page); break;
	case KEYC_PGUP: scroll(d, -d->page); break;
	default: break;
	}
	return DIALOG_NONE;
}

void dialog_draw(struct dialog *d, struct canvas *c, struct rect screen, int *cx, int *cy)
{
	*cx = *cy = -1;
	size_t n = sv_strv_len(d->lines);
	int want_w = text_width(d->title) + 8;
	for (size_t i = 0; i < n; i++)
		if (text_width(d->lines[i]) + 4 > want_w)
			want_w = text_width(d->lines[i]) + 4;
	if (want_w < 44)
		want_w = 44;
	int w = want_w < screen.w - 2 ? want_w : screen.w - 2;
	int extra = 4 + (d->input ? 2 : 0); /* borders, blank, buttons, input */
	int h = (int)n + extra < screen.h - 2 ? (int)n + extra : screen.h - 2;
	if (w < 10 || h < 4)
		return;
	struct rect r = rect_make(screen.x + (screen.w - w) / 2, screen.y + (screen.h - h) / 2, w, h);
	canvas_fill(c, r, ROLE_DIALOG, ' ');
	canvas_box(c, r, ROLE_DIALOG, d->title);
	d->page = h - extra;
	for (int i = 0; i < d->page && d->top + (size_t)i < n; i++)
		canvas_field(c, r.x + 2, r.y + 1 + i, w - 4, ROLE_DIALOG, d->lines[d->top + (size_t)i]);
	if (d->top + (size_t)d->page < n)
		canvas_glyph(c, r.x + w - 2, r.y + d->page, ROLE_DIALOG, GLYPH_DOWN);
	int y = r.y + h - 2;
	if (d->input) {
		int lx = r.x + 2 + canvas_text(c, r.x + 2, y - 1, w - 4, ROLE_DIALOG, d->label) + 1;
		int x = lineedit_draw(&d->edit, c, rect_make(lx, y - 1, r.x + w - 2 - lx, 1),
				      d->focus == 2 ? ROLE_INPUT_FOCUS : ROLE_INPUT);
		if (d->focus == 2)
			*cx = x, *cy = y - 1;
	}
	char yes[64], no[64];
	snprintf(yes, sizeof yes, "[ %s ]", d->yes);
	snprintf(no, sizeof no, "[ %s ]", d->no);
	int bx = r.x + w - 2 - text_width(yes) - text_width(no) - 2;
	bx += canvas_text(c, bx, y, w, d->focus == 0 ? ROLE_BUTTON_FOCUS : ROLE_BUTTON, yes) + 2;
	canvas_text(c, bx, y, w, d->focus == 1 ? ROLE_BUTTON_FOCUS : ROLE_BUTTON, no);
}
