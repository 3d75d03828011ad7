/*
 * widgets/jsontree — a folding view of a JSON document (inspect output).
 * Objects and arrays fold and unfold with Enter/Space; z folds or unfolds
 * everything. The document is borrowed; fold state is kept by path so it
 * survives a reload of the same document. Loop thread only.
 */
#ifndef SV_WIDGETS_JSONTREE_H
#define SV_WIDGETS_JSONTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "widgets/canvas.h"

struct cJSON;

struct jline {
	const struct cJSON *node;
	int depth;
	bool closing; /* the "}" or "]" line of an open container */
	char *path;   /* owned: "/Config/Env" */
};

struct jsontree {
	const struct cJSON *root; /* borrowed */
	char **folded;		  /* paths folded, owned */
	struct jline *lines;
	size_t n, top, cursor;
	int page;
};

void jsontree_init(struct jsontree *t);
void jsontree_release(struct jsontree *t);
/* Shows root (borrowed until the next set or release). */
void jsontree_set(struct jsontree *t, const struct cJSON *root);
void jsontree_move(struct jsontree *t, long delta);
/* Folds or unfolds the container under the cursor. */
void jsontree_toggle(struct jsontree *t);
void jsontree_toggle_all(struct jsontree *t);
void jsontree_draw(struct jsontree *t, struct canvas *c, struct rect r);

#endif
