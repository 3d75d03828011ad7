/*
 * Forms: a column of labels, a column of inputs, the hint of the focused
 * field under them, the buttons at the bottom.
 */
#include "widgets/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void form_init(struct form *f, const char *title)
{
	memset(f, 0, sizeof *f);
	f->title = sv_xstrdup(title ? title : "");
}

void form_release(struct form *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->f[i].label);
		free(f->f[i].hint);
		lineedit_release(&f->f[i].edit);
	}
	free(f->title);
	memset(f, 0, sizeof *f);
}

static int add(struct form *f, const char *label, const char *hint)
{
	if (f->n == FORM_MAX_FIELDS)
		return -1;
	struct form_field *ff = &f->f[f->n];
	memset(ff, 0, sizeof *ff);
	ff->label = sv_xstrdup(label);
	ff->hint = sv_xstrdup(hint ? hint : "");
	lineedit_init(&ff->edit);
	return f->n++;
}

int form_add_text(struct form *f, const char *label, const char *initial, const char *hint)
{
	int i = add(f, label, hint);
	if (i >= 0)
		lineedit_set(&f->f[i].edit, initial ? initial : "");
	return i;
}

int form_add_check(struct form *f, const char *label, bool on)
{
	int i = add(f, label, "Space: on/off");
	if (i >= 0) {
		f->f[i].check = true;
		f->f[i].on = on;
	}
	return i;
}

const char *form_text(const struct form *f, int i)
{
	return i >= 0 && i < f->n ? f->f[i].edit.buf : "";
}

bool form_checked(const struct form *f, int i)
{
	return i >= 0 && i < f->n && f->f[i].on;
}

enum dialog_result form_key(struct form *f, tui_key k)
{
	int stops = f->n + 2;
	switch (k) {
	case KEYC_ESC: return DIALOG_NO;
	case KEYC_TAB:
	case KEYC_DOWN: f->focus = (f->focus + 1) % stops; return DIALOG_NONE;
	case KEYC_BTAB:
	case KEYC_UP: f->focus = (f->focus + stops - 1) % stops; return DIALOG_NONE;
	case KEYC_ENTER:
		if (f->focus == f->n)
			return DIALOG_YES;
		if (f->focus == f->n + 1)
			return DIALOG_NO;
		f->focus++;
		return DIALOG_NONE;
	default: break;
	}
	if (f->focus >= f->n) {
		if (k == KEYC_LEFT || k == KEYC_RIGHT)
			f->focus = f->focus == f->n ? f->n + 1 : f->n;
		return DIALOG_NONE;
	}
	struct form_field *ff = &f->f[f->focus];
	if (ff->check) {
		if (k == ' ')
			ff->on = !ff->on;
		return DIALOG_NONE;
	}
	lineedit_key(&ff->edit, k);
	return DIALOG_NONE;
}

void form_draw(struct form *f, struct canvas *c, struct rect screen, int *cx, int *cy)
{
	*cx = *cy = -1;
	int lw = 0;
	for (int i = 0; i < f->n; i++)
		if (text_width(f->f[i].label) > lw)
			lw = text_width(f->f[i].label);
	int w = screen.w - 4 < 76 ? screen.w - 4 : 76;
	int h = f->n + 6;
	if (w < 30 || h > screen.h)
		return;
	struct rect r = rect_make(screen.x + (screen.w - w) / 2, screen.y + (screen.h - h) / 2, w, h);
	canvas_fill(c, r, ROLE_DIALOG, ' ');
	canvas_box(c, r, ROLE_DIALOG, f->title);
	int ix = r.x + 2 + lw + 2, iw = r.x + w - 2 - ix;
	for (int i = 0; i < f->n; i++) {
		int y = r.y + 1 + i;
		const struct form_field *ff = &f->f[i];
		bool focus = f->focus == i;
		canvas_field(c, r.x + 2, y, lw, ROLE_DIALOG, ff->label);
		if (ff->check) {
			canvas_text(c, ix, y, iw, focus ? ROLE_INPUT_FOCUS : ROLE_INPUT, ff->on ? "[x]" : "[ ]");
			if (focus)
				*cx = ix + 1, *cy = y;
			continue;
		}
		int x = lineedit_draw(&f->f[i].edit, c, rect_make(ix, y, iw, 1),
				      focus ? ROLE_INPUT_FOCUS : ROLE_INPUT);
		if (focus)
			*cx = x, *cy = y;
	}
	if (f->focus < f->n)
		canvas_field(c, r.x + 2, r.y + f->n + 2, w - 4, ROLE_DIM, f->f[f->focus].hint);
	int y = r.y + h - 2;
	const char *ok = "[ OK ]", *cancel = "[ Cancel ]";
	int bx = r.x + w - 2 - text_width(ok) - text_width(cancel) - 2;
	bx += canvas_text(c, bx, y, w, f->focus == f->n ? ROLE_BUTTON_FOCUS : ROLE_BUTTON, ok) + 2;
	canvas_text(c, bx, y, w, f->focus == f->n + 1 ? ROLE_BUTTON_FOCUS : ROLE_BUTTON, cancel);
}
