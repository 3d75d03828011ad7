/*
 * What the list screens share: the table, its filter line (typed live:
 * the table re-filters on every key) and the keys that move, mark and
 * sort. The filter line sits under the table while it is being typed or
 * while a filter is in force.
 */
#include "views/views.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "widgets/jsontree.h"

void list_ui_init(struct list_ui *l, struct tui *app, const struct table_col *cols, int ncols,
		  const struct table_ops *ops, void *model, char *const *columns)
{
	memset(l, 0, sizeof *l);
	l->app = app;
	table_init(&l->table, cols, ncols, ops, model);
	lineedit_init(&l->filter);
	SV_AUTOERR sv_err *err = NULL;
	if (columns && table_set_columns(&l->table, columns, &err) < 0)
		tui_status(app, TUI_ERROR, "settings: %s", err->msg);
}

void list_ui_release(struct list_ui *l)
{
	table_release(&l->table);
	lineedit_release(&l->filter);
}

static int filter_key(struct list_ui *l, tui_key k)
{
	switch (lineedit_key(&l->filter, k)) {
	case LINEEDIT_SUBMIT: l->filtering = false; break;
	case LINEEDIT_CANCEL:
		l->filtering = false;
		lineedit_set(&l->filter, "");
		table_set_filter(&l->table, NULL);
		break;
	case LINEEDIT_EDITED: table_set_filter(&l->table, l->filter.buf); break;
	default: break;
	}
	return VIEW_REDRAW;
}

int list_ui_key(struct list_ui *l, enum tui_action a, tui_key k)
{
	struct table *t = &l->table;
	if (l->filtering)
		return filter_key(l, k);
	switch (a) {
	case ACT_UP: table_move(t, -1); break;
	case ACT_DOWN: table_move(t, 1); break;
	case ACT_PAGE_UP: table_move(t, -(long)(t->page > 1 ? t->page - 1 : 1)); break;
	case ACT_PAGE_DOWN: table_move(t, t->page > 1 ? t->page - 1 : 1); break;
	case ACT_TOP: table_move_to(t, 0); break;
	case ACT_BOTTOM: table_move_to(t, t->norder ? t->norder - 1 : 0); break;
	case ACT_FILTER: l->filtering = true; break;
	case ACT_MARK:
		table_toggle_mark(t);
		table_move(t, 1);
		break;
	case ACT_MARK_ALL: table_mark_all(t); break;
	case ACT_SORT_NEXT: table_sort_step(t, 1); break;
	case ACT_SORT_PREV: table_sort_step(t, -1); break;
	case ACT_SORT_REVERSE: table_sort(t, t->sort_col, !t->sort_desc); break;
	case ACT_BACK:
		if (!t->filter && !t->nmarks)
			return VIEW_IGNORED;
		if (t->nmarks)
			table_clear_marks(t);
		else {
			lineedit_set(&l->filter, "");
			table_set_filter(t, NULL);
		}
		break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}

void list_ui_draw(struct list_ui *l, struct canvas *c, struct rect r, const char *what,
		  const char *note)
{
	bool show_filter = l->filtering || l->table.filter;
	int below = 1 + (show_filter ? 1 : 0);
	struct rect tr = rect_make(r.x, r.y, r.w, r.h - below);
	l->rect = tr;
	table_draw(&l->table, c, tr, true);
	int y = r.y + r.h - below;
	if (show_filter) {
		canvas_fill(c, rect_make(r.x, y, r.w, 1), ROLE_INPUT, ' ');
		int x = r.x + canvas_text(c, r.x, y, r.w, ROLE_INPUT, "filter: ");
		int cx = lineedit_draw(&l->filter, c, rect_make(x, y, r.x + r.w - x, 1),
				       l->filtering ? ROLE_INPUT_FOCUS : ROLE_INPUT);
		if (l->filtering)
			tui_cursor(l->app, cx, y);
		y++;
	}
	char info[256];
	size_t total = l->table.ops->count(l->table.model);
	/* what is a plural noun: "1 image", "1 of 1 image", "0 of 1 image" */
	int wlen = (int)strlen(what) - (total == 1 && *what && what[strlen(what) - 1] == 's');
	int n = l->table.filter ? snprintf(info, sizeof info, "%zu of %zu %.*s", l->table.norder, total, wlen, what)
				: snprintf(info, sizeof info, "%zu %.*s", total, wlen, what);
	if (l->table.nmarks && n > 0 && (size_t)n < sizeof info)
		snprintf(info + n, sizeof info - (size_t)n, ", %zu marked", l->table.nmarks);
	canvas_fill(c, rect_make(r.x, y, r.w, 1), ROLE_DIM, ' ');
	int x = r.x + 1 + canvas_text(c, r.x + 1, y, r.w - 1, ROLE_DIM, info);
	if (note && *note)
		canvas_field(c, x + 2, y, r.x + r.w - x - 2, ROLE_DIM, note);
}

int list_ui_mouse(struct list_ui *l, const struct tui_mouse *m)
{
	struct rect r = l->rect;
	struct table *t = &l->table;
	if (m->button == 4) {
		table_move(t, -3);
		return VIEW_REDRAW;
	}
	if (m->button == 5) {
		table_move(t, 3);
		return VIEW_REDRAW;
	}
	if (m->button == 1 && table_click(t, r, m->x, m->y))
		return VIEW_REDRAW;
	return VIEW_IGNORED;
}

const char *view_fmt_size(int64_t bytes, char *buf, size_t len)
{
	if (bytes < 0)
		return snprintf(buf, len, "-"), buf;
	return sv_str_human_size(bytes, buf, len);
}

const char *view_fmt_time(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (secs <= 0 || !localtime_r(&t, &tm))
		return snprintf(buf, len, "-"), buf;
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

int view_cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

int view_tree_key(struct jsontree *t, enum tui_action a)
{
	switch (a) {
	case ACT_UP: jsontree_move(t, -1); break;
	case ACT_DOWN: jsontree_move(t, 1); break;
	case ACT_PAGE_UP: jsontree_move(t, -t->page); break;
	case ACT_PAGE_DOWN: jsontree_move(t, t->page); break;
	case ACT_TOP: jsontree_move(t, -(long)t->n); break;
	case ACT_BOTTOM: jsontree_move(t, (long)t->n); break;
	case ACT_FOLD:
	case ACT_OPEN:
	case ACT_MARK: jsontree_toggle(t); break;
	case ACT_FOLD_ALL: jsontree_toggle_all(t); break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}
