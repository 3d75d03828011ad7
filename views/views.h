/*
 * views — one file per screen, each exporting a struct view_ops.
 * views/list.c holds what the list screens share: a table with its
 * filter line and the list keys.
 */
#ifndef SV_VIEWS_VIEWS_H
#define SV_VIEWS_VIEWS_H

#include "app/tui/tui.h"
#include "widgets/lineedit.h"
#include "widgets/table.h"

extern const struct view_ops view_containers;
extern const struct view_ops view_container;
extern const struct view_ops view_images;
extern const struct view_ops view_image;
extern const struct view_ops view_events;
extern const struct view_ops view_pull;

/* A table plus its '/' filter line. */
struct list_ui {
	struct table table;
	bool filtering; /* the filter line has the keys */
	struct lineedit filter;
	struct tui *app;
	struct rect rect; /* the table, as last drawn */
};

void list_ui_init(struct list_ui *l, struct tui *app, const struct table_col *cols, int ncols,
		  const struct table_ops *ops, void *model, char *const *columns);
void list_ui_release(struct list_ui *l);
/* The list keys (moves, filter, marks, sort); VIEW_IGNORED for others. */
int list_ui_key(struct list_ui *l, enum tui_action a, tui_key k);
/* Draws the table in r, the filter line and a summary line ("3 of 40
 * images, 2 marked") below it. */
void list_ui_draw(struct list_ui *l, struct canvas *c, struct rect r, const char *what,
		  const char *note);
int list_ui_mouse(struct list_ui *l, const struct tui_mouse *m);

/* The single-container keys shared by the dashboard and the detail
 * screen: start, stop, restart, pause/unpause, kill and remove (asking
 * first), rename (a prompt), exec (a shell: bash when the image has it,
 * else sh, with the terminal handed over). VIEW_IGNORED for other keys. */
int container_actions_key(struct tui *app, enum tui_action a, const char *id, const char *name,
			  const char *state);
/* Runs one operation on containers (ids and names: owned strvs, taken),
 * reporting per container when there are several. With a title (or for
 * kill and remove) it asks first, showing preview (taken; NULL: the
 * names). */
void container_op_submit(struct tui *app, enum tui_container_op op, char **ids, char **names,
			 const char *title, char **preview);

/* The keys of a folding JSON tree (moves, fold, fold all). */
struct jsontree;
int view_tree_key(struct jsontree *t, enum tui_action a);

/* "2 hours" style durations and sizes for cells. */
const char *view_fmt_size(int64_t bytes, char *buf, size_t len);
const char *view_fmt_time(int64_t secs, char *buf, size_t len);
/* Numbers compared for sorting. */
int view_cmp_i64(int64_t a, int64_t b);

#endif
