/*
 * One image: its layers and history (newest first, with the instruction
 * that made each layer and its size) and the full inspect document as a
 * folding tree. Both load on a worker when the screen opens.
 */
#include "views/views.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/jsontree.h"
#include "widgets/tabs.h"

enum { TAB_HISTORY, TAB_INSPECT, TAB_COUNT };
static const char *const tab_names[TAB_COUNT] = { "History", "Inspect" };

enum { HC_CREATED, HC_BY, HC_SIZE, HC_COMMENT, HC_COUNT };
static const struct table_col history_cols[HC_COUNT] = {
	[HC_CREATED] = { "created", "CREATED", 16, 16, false },
	[HC_BY] = { "by", "CREATED BY", 20, 0, false },
	[HC_SIZE] = { "size", "SIZE", 8, 9, true },
	[HC_COMMENT] = { "comment", "COMMENT", 7, 30, false },
};

struct image_view {
	struct tui *app;
	struct view *self;
	char *id;
	int tab;
	int tab_starts[TAB_COUNT + 1];
	cJSON *inspect, *history;
	struct list_ui list;
	struct jsontree tree;
	char *error;
	bool loaded;
};

static size_t h_count(void *m)
{
	struct image_view *v = m;
	return v->history ? (size_t)cJSON_GetArraySize(v->history) : 0;
}

static const char *h_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	struct image_view *v = m;
	const cJSON *h = cJSON_GetArrayItem(v->history, (int)row);
	switch (col) {
	case HC_CREATED: return view_fmt_time(sv_json_i64(h, "Created", 0), buf, len);
	case HC_BY: return sv_json_str(h, "CreatedBy") ? sv_json_str(h, "CreatedBy") : "";
	case HC_SIZE: return view_fmt_size(sv_json_i64(h, "Size", 0), buf, len);
	case HC_COMMENT: return sv_json_str(h, "Comment") ? sv_json_str(h, "Comment") : "";
	default: return "";
	}
}

static const char *h_key(void *m, size_t row)
{
	static char buf[24];
	(void)m;
	snprintf(buf, sizeof buf, "%zu", row);
	return buf;
}

static const struct table_ops history_table = { .count = h_count, .cell = h_cell, .key = h_key };

struct load_job {
	struct tui_job job;
	struct image_view *v;
	struct tui_backend *b;
	char *id;
	cJSON *inspect, *history;
	sv_err *err;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	l->inspect = l->b->ops->image_inspect(l->b, l->id, &l->err);
	if (l->inspect)
		l->history = l->b->ops->image_history(l->b, l->id, &l->err);
}

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct image_view *v = l->v;
	v->loaded = true;
	free(v->error);
	v->error = l->err ? sv_xstrdup(l->err->msg) : NULL;
	if (l->inspect) {
		cJSON_Delete(v->inspect);
		v->inspect = sv_steal_ptr(&l->inspect);
		jsontree_set(&v->tree, v->inspect);
	}
	if (l->history) {
		cJSON_Delete(v->history);
		v->history = sv_steal_ptr(&l->history);
		table_reload(&v->list.table);
	}
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	cJSON_Delete(l->inspect);
	cJSON_Delete(l->history);
	sv_err_free(l->err);
	free(l->id);
	free(l);
}

static void load_start(struct image_view *v)
{
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->v = v;
	l->b = tui_backend(v->app);
	l->id = sv_xstrdup(v->id);
	tui_submit(v->app, v->self, &l->job);
}

static void *image_init(struct tui *app, struct view *self, const char *arg)
{
	struct image_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	v->id = sv_xstrdup(arg ? arg : "");
	list_ui_init(&v->list, app, history_cols, HC_COUNT, &history_table, v, NULL);
	jsontree_init(&v->tree);
	load_start(v);
	return v;
}

static void image_free(void *state)
{
	struct image_view *v = state;
	list_ui_release(&v->list);
	jsontree_release(&v->tree);
	cJSON_Delete(v->inspect);
	cJSON_Delete(v->history);
	free(v->error);
	free(v->id);
	free(v);
}

static void image_draw(void *state, struct canvas *c, struct rect r)
{
	struct image_view *v = state;
	if (r.h < 3)
		return;
	const char *tags = NULL;
	const cJSON *rt = v->inspect ? sv_json_arr(v->inspect, "RepoTags") : NULL;
	if (rt && cJSON_GetArraySize(rt) > 0)
		tags = cJSON_GetArrayItem(rt, 0)->valuestring;
	char head[256];
	snprintf(head, sizeof head, " %s  %.19s", tags ? tags : "<none>", v->id + 7);
	canvas_field(c, r.x, r.y, r.w, ROLE_HEADER, head);
	tabs_draw(c, r.x, r.y + 1, r.w, tab_names, TAB_COUNT, v->tab, v->tab_starts);
	struct rect body = rect_make(r.x, r.y + 2, r.w, r.h - 2);
	if (v->error && !v->inspect) {
		canvas_text(c, body.x + 1, body.y, body.w - 1, ROLE_STATUS_ERROR, v->error);
		return;
	}
	if (v->tab == TAB_HISTORY)
		list_ui_draw(&v->list, c, body, "layers", v->loaded ? NULL : "loading...");
	else
		jsontree_draw(&v->tree, c, body);
}


static int image_key(void *state, enum tui_action a, tui_key k)
{
	struct image_view *v = state;
	if (a == ACT_TAB_NEXT || a == ACT_TAB_PREV || (a == ACT_RIGHT && !v->list.filtering) ||
	    (a == ACT_LEFT && !v->list.filtering)) {
		int d = a == ACT_TAB_NEXT || a == ACT_RIGHT ? 1 : TAB_COUNT - 1;
		v->tab = (v->tab + d) % TAB_COUNT;
		return VIEW_REDRAW;
	}
	if (v->tab == TAB_INSPECT)
		return view_tree_key(&v->tree, a);
	return list_ui_key(&v->list, a, k);
}

static int image_mouse(void *state, const struct tui_mouse *m)
{
	struct image_view *v = state;
	struct view *self = v->self;
	if (m->button == 1 && m->y == self->rect.y + 1) {
		int t = tabs_hit(v->tab_starts, TAB_COUNT, m->x);
		if (t >= 0)
			v->tab = t;
		return VIEW_REDRAW;
	}
	if (v->tab == TAB_HISTORY)
		return list_ui_mouse(&v->list, m);
	if (m->button == 4 || m->button == 5)
		jsontree_move(&v->tree, m->button == 4 ? -3 : 3);
	return VIEW_REDRAW;
}

static void image_on_event(void *state, const struct sv_engine_event *ev)
{
	struct image_view *v = state;
	if (strcmp(ev->type, "image") == 0 && strstr(v->id, ev->actor))
		load_start(v);
}

static const char *image_selected_id(void *state)
{
	return ((struct image_view *)state)->id;
}

static const char *const image_scopes[] = { "tabs", "tree", "list", "global", NULL };
static const enum tui_action image_hints[] = { ACT_TAB_NEXT, ACT_FOLD, ACT_BACK, ACT_NONE };

const struct view_ops view_image = {
	.name = "image",
	.title = "Image",
	.scopes = image_scopes,
	.hints = image_hints,
	.init = image_init,
	.free = image_free,
	.draw = image_draw,
	.key = image_key,
	.mouse = image_mouse,
	.on_event = image_on_event,
	.selected_id = image_selected_id,
};
