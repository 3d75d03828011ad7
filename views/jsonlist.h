/*
 * views/jsonlist — a list screen over Docker's JSON objects (volumes,
 * networks): loading on a worker, reloading on journal events, Enter to
 * read an object, and command lines for actions on the marked rows.
 */
#ifndef SV_VIEWS_JSONLIST_H
#define SV_VIEWS_JSONLIST_H

#include "views/views.h"

struct cJSON;

/* Worker thread: the objects, as an owned array. */
typedef struct cJSON *jsonlist_fetch_fn(struct tui_backend *b, sv_err **err);

struct jsonlist {
	struct tui *app;
	struct view *self;
	struct list_ui list;
	struct cJSON *arr;
	const struct cJSON **items; /* into arr */
	size_t n;
	bool loading, again, loaded;
	char *error;
	jsonlist_fetch_fn *fetch;
	const char *what; /* "volumes" */
};

/* ops' model pointer must be the jsonlist itself. */
void jsonlist_init(struct jsonlist *jl, struct tui *app, struct view *self, const struct table_col *cols,
		   int ncols, const struct table_ops *ops, jsonlist_fetch_fn *fetch, const char *what);
void jsonlist_release(struct jsonlist *jl);
void jsonlist_load(struct jsonlist *jl);
void jsonlist_draw(struct jsonlist *jl, struct canvas *c, struct rect r);
/* The list keys and Enter (the object in a pane); VIEW_IGNORED for others. */
int jsonlist_key(struct jsonlist *jl, enum tui_action a, tui_key k);
const struct cJSON *jsonlist_selected(const struct jsonlist *jl);
/* "verb name1 name2..." for the marked rows (or the cursor's); owned,
 * NULL when the list is empty. */
char *jsonlist_command(const struct jsonlist *jl, const char *verb);
/* Asks "Remove N <noun>s<what>?" with the names, then runs
 * "<verb> names..." (e.g. "volume rm"). */
void jsonlist_ask_remove(struct jsonlist *jl, const char *verb, const char *noun, const char *what);
/* For table_ops: the count, a string member of row, the Name as key. */
size_t jsonlist_count(void *m);
const char *jsonlist_str(void *m, size_t row, const char *key);
const char *jsonlist_key_name(void *m, size_t row);

#endif
