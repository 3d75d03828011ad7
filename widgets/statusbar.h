/*
 * widgets/statusbar — the bottom line: a transient message (info, warning
 * or error, coloured by role) or, when there is none, key hints ("s
 * start  x stop ..."), as many as fit.
 */
#ifndef SV_WIDGETS_STATUSBAR_H
#define SV_WIDGETS_STATUSBAR_H

#include "widgets/canvas.h"

enum statusbar_level { STATUSBAR_INFO, STATUSBAR_WARN, STATUSBAR_ERROR };

struct statusbar_hint {
	const char *key;  /* "s" */
	const char *desc; /* "start" */
};

/* A message across row y. */
void statusbar_message(struct canvas *c, int y, enum statusbar_level level, const char *msg);
/* Hints across row y, in order, dropping what does not fit. */
void statusbar_hints(struct canvas *c, int y, const struct statusbar_hint *hints, int n);

#endif
