/*
 * widgets/form — a box of labelled fields (text lines and check boxes)
 * with OK and Cancel, for forms like "run a container from this image".
 * Tab / Down / Enter move to the next field, S-Tab / Up to the previous;
 * Space toggles a check box; Enter on OK submits; Esc cancels. Loop
 * thread only.
 */
#ifndef SV_WIDGETS_FORM_H
#define SV_WIDGETS_FORM_H

#include <stdbool.h>

#include "widgets/canvas.h"
#include "widgets/dialog.h"
#include "widgets/keys.h"
#include "widgets/lineedit.h"

#define FORM_MAX_FIELDS 12

struct form_field {
	char *label, *hint; /* owned */
	bool check;	    /* a check box, not text */
	bool on;
	struct lineedit edit;
};

struct form {
	char *title;
	struct form_field f[FORM_MAX_FIELDS];
	int n;
	int focus; /* 0..n-1 fields, n OK, n+1 Cancel */
};

void form_init(struct form *f, const char *title);
void form_release(struct form *f);
/* Returns the field's index, or -1 when the form is full. */
int form_add_text(struct form *f, const char *label, const char *initial, const char *hint);
int form_add_check(struct form *f, const char *label, bool on);
const char *form_text(const struct form *f, int i);
bool form_checked(const struct form *f, int i);
enum dialog_result form_key(struct form *f, tui_key k);
void form_draw(struct form *f, struct canvas *c, struct rect screen, int *cx, int *cy);

#endif
