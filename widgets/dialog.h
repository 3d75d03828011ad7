/*
 * widgets/dialog — a centred box asking a question: a title, lines of
 * text (a preview of what will happen, scrollable when long), an optional
 * one-line input, and two buttons. Keys: y / n, Enter on the focused
 * button, Tab and arrows move the focus, Esc says no. Loop thread only.
 */
#ifndef SV_WIDGETS_DIALOG_H
#define SV_WIDGETS_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "widgets/canvas.h"
#include "widgets/keys.h"
#include "widgets/lineedit.h"

enum dialog_result { DIALOG_NONE, DIALOG_YES, DIALOG_NO };

struct dialog {
	char *title;  /* owned */
	char **lines; /* owned */
	size_t top;   /* first line shown */
	char *yes, *no;	 /* button labels, owned */
	int focus;    /* 0: yes, 1: no, 2: input */
	bool input;   /* has a text field */
	char *label;  /* the field's label, owned */
	struct lineedit edit;
	int page;
};

/* Takes ownership of lines. */
void dialog_init(struct dialog *d, const char *title, char **lines, const char *yes, const char *no);
void dialog_add_input(struct dialog *d, const char *label, const char *initial);
void dialog_release(struct dialog *d);
enum dialog_result dialog_key(struct dialog *d, tui_key k);
/* Draws the box centred on screen; cx and cy receive the text cursor (-1
 * when none). */
void dialog_draw(struct dialog *d, struct canvas *c, struct rect screen, int *cx, int *cy);

#endif
