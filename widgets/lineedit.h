/*
 * widgets/lineedit — a one-line text editor (the ':' command line, the
 * table filter, dialog inputs) with history and a completion hook.
 *
 * Keys: printable text inserts; Left/Right/Home/End (C-a/C-e) move;
 * Backspace/Delete/C-w/C-u/C-k delete; Up/Down walk the history; Tab asks
 * the completion function. Loop thread only.
 */
#ifndef SV_WIDGETS_LINEEDIT_H
#define SV_WIDGETS_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "widgets/keys.h"
#include "widgets/canvas.h"

#define LINEEDIT_MAX 4096 /* bytes */

/* Completion: candidates for the text before the cursor. Returns an owned
 * strv of full replacements for the word being completed, and *word_start
 * (byte offset) where that word begins. */
typedef char **lineedit_complete_fn(const char *text, size_t cursor, size_t *word_start, void *arg);

enum lineedit_result {
	LINEEDIT_NONE = 0,  /* not a key for the editor */
	LINEEDIT_EDITED,    /* text or cursor changed */
	LINEEDIT_SUBMIT,    /* Enter */
	LINEEDIT_CANCEL,    /* Esc */
};

struct lineedit {
	char buf[LINEEDIT_MAX];
	size_t len, cur;  /* bytes; cur on a character boundary */
	size_t scroll;	  /* first byte shown */
	char **history;	  /* borrowed, oldest first (may be NULL) */
	long hist_pos;	  /* -1: editing a new line */
	char *saved;	  /* the new line while walking the history; owned */
	lineedit_complete_fn *complete;
	void *complete_arg;
	char **choices;	  /* candidates shown after an ambiguous Tab; owned */
};

void lineedit_init(struct lineedit *e);
void lineedit_release(struct lineedit *e);
void lineedit_set(struct lineedit *e, const char *text);
enum lineedit_result lineedit_key(struct lineedit *e, tui_key k);
/* Draws the text in r (one row) and returns the cursor's column. */
int lineedit_draw(struct lineedit *e, struct canvas *c, struct rect r, enum theme_role role);
/* Appends a line to an owned history strv (no duplicates of the last,
 * at most max entries). */
void lineedit_history_add(char ***hist, const char *line, size_t max);

#endif
