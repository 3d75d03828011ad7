/*
 * widgets/logpane — a scrolling text pane over a bounded ring of lines.
 *
 * Used for container logs, command output and any long text. The ring
 * holds at most `cap` lines; when it must drop the oldest it counts them,
 * and the pane says so ("1,234 earlier lines not kept") rather than
 * losing them silently. Follow mode keeps the newest line in view; wrap
 * folds long lines; timestamps can be shown; search highlights every
 * match and n/N walk them. Loop thread only.
 */
#ifndef SV_WIDGETS_LOGPANE_H
#define SV_WIDGETS_LOGPANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "widgets/canvas.h"

struct logline {
	char *text;
	int64_t time_ns; /* 0: none */
	bool err;	 /* from stderr */
};

struct logpane {
	struct logline *ring;
	size_t cap, start, n; /* ring storage; n lines from start */
	uint64_t dropped;     /* lines pushed out of the ring */
	size_t top;	      /* first line shown, 0..n-1 (ring order) */
	int xoff;	      /* horizontal scroll when not wrapping */
	bool follow, wrap, times;
	char *search;	      /* owned; highlighted when set */
	long match;	      /* line of the current match, -1: none */
	int page;	      /* rows in the last drawing */
};

void logpane_init(struct logpane *lp, size_t cap);
void logpane_release(struct logpane *lp);
void logpane_clear(struct logpane *lp);
/* Appends one line (len bytes, no newline) — copied. */
void logpane_append(struct logpane *lp, const char *text, size_t len, int64_t time_ns, bool err);
/* Appends text split at newlines. */
void logpane_append_text(struct logpane *lp, const char *text, bool err);
/* Line i (0 = oldest kept). borrowed. */
const struct logline *logpane_line(const struct logpane *lp, size_t i);
void logpane_scroll(struct logpane *lp, long delta);
void logpane_home(struct logpane *lp);
void logpane_end(struct logpane *lp);
/* Sets the search text (NULL clears) and moves to the first match at or
 * after the top; returns false when there is none. */
bool logpane_set_search(struct logpane *lp, const char *s);
/* Next (dir 1) or previous (-1) match, wrapping; false when none. */
bool logpane_search_next(struct logpane *lp, int dir);
void logpane_draw(struct logpane *lp, struct canvas *c, struct rect r);
/* Writes the kept lines to path (with timestamps when shown). */
int logpane_save(const struct logpane *lp, const char *path, sv_err **err);

#endif
