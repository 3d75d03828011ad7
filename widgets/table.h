/*
 * widgets/table — a virtualised table: sort, filter, scroll, marks.
 *
 * The table holds no model data. A view hands it a model pointer and the
 * callbacks below; the table keeps only view state: which rows pass the
 * filter and in what order (indices into the model), the cursor, the
 * scroll offset and the marked rows (by stable key, so marks and the
 * cursor survive reloads and re-sorts). Drawing asks the model for the
 * visible rows only, so 10,000 rows cost what a screenful costs.
 *
 * Filter syntax: space-separated terms, all must match. A plain term is a
 * case-insensitive substring of any cell; "field:value" asks the model
 * (state:running, label:k=v, image:x); a leading '!' negates a term.
 * Loop thread only.
 */
#ifndef SV_WIDGETS_TABLE_H
#define SV_WIDGETS_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"
#include "widgets/canvas.h"

struct table_col {
	const char *name;  /* in settings: "name", "cpu" */
	const char *title; /* header: "NAME", "CPU %" */
	int min;	   /* columns always given */
	int max;	   /* 0: takes a share of the spare width */
	bool right;	   /* right-aligned (numbers) */
};

struct table_ops {
	size_t (*count)(void *m);
	/* The text of a cell: either a borrowed string or buf (len >= 128). */
	const char *(*cell)(void *m, size_t row, int col, char *buf, size_t len);
	/* Order of two rows by a column; NULL compares the cell texts. */
	int (*compare)(void *m, size_t a, size_t b, int col);
	/* "field:value" filter terms: 1 match, 0 no match, -1 unknown field
	 * (the term is then a plain substring). NULL: no fields. */
	int (*match)(void *m, size_t row, const char *field, const char *value);
	/* A stable key (an id) for the row; borrowed until the next reload. */
	const char *(*key)(void *m, size_t row);
	/* The colour of a cell (ROLE_DEFAULT for most). NULL: default. */
	enum theme_role (*role)(void *m, size_t row, int col);
	/* Draws a cell itself (sparklines, gauges); false: draw the text. */
	bool (*draw)(void *m, size_t row, int col, struct canvas *c, struct rect r,
		     enum theme_role base);
};

struct table {
	const struct table_col *cols;
	int ncols;
	int shown[32]; /* column indices, in display order */
	int nshown;
	const struct table_ops *ops;
	void *model;
	size_t *order; /* rows passing the filter, sorted */
	size_t norder;
	size_t cursor; /* index into order */
	size_t top;    /* first row drawn */
	int sort_col;  /* -1: model order */
	bool sort_desc;
	char *filter;  /* owned; NULL or "" for none */
	char **marks;  /* sorted keys, owned */
	size_t nmarks;
	char *cursor_key; /* owned: the row the cursor is on */
	int page;	  /* rows in the last drawing, for page moves */
	int widths[32];	  /* from the last drawing, for mouse hits */
	char **text;	  /* per model row: its cells, lowercased, for the text
			   * filter; owned; built while filtering, dropped when
			   * the model changes (table_reload) */
	size_t ntext;
};

void table_init(struct table *t, const struct table_col *cols, int ncols,
		const struct table_ops *ops, void *model);
void table_release(struct table *t);
/* Shows the columns named (settings "columns"); unknown names are an
 * error and leave the columns as they were. */
int table_set_columns(struct table *t, char *const *names, sv_err **err);
/* The model changed: filter and sort again, keep the cursor on its key
 * and drop marks whose rows are gone. */
void table_reload(struct table *t);
void table_set_filter(struct table *t, const char *filter);
void table_sort(struct table *t, int col, bool desc);
/* Moves the sort to the next/previous shown column. */
void table_sort_step(struct table *t, int dir);
void table_move(struct table *t, long delta);
void table_move_to(struct table *t, size_t index);
/* The model row under the cursor; false when the table is empty. */
bool table_selected(const struct table *t, size_t *row);
bool table_toggle_mark(struct table *t);
/* Marks every row shown, or clears all marks when all are marked. */
void table_mark_all(struct table *t);
void table_clear_marks(struct table *t);
bool table_is_marked(const struct table *t, const char *key);
/* Model rows that are marked and shown (owned array, *n entries); when
 * nothing is marked, the row under the cursor. */
size_t *table_targets(const struct table *t, size_t *n);
void table_draw(struct table *t, struct canvas *c, struct rect r, bool focused);
/* A click at (x, y) inside r (as drawn last): the header sorts, a row is
 * selected. Returns true when something changed. */
bool table_click(struct table *t, struct rect r, int x, int y);

#endif
