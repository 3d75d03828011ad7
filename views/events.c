/*
 * The events journal: what happened to images and containers, including
 * while servin-desktop was closed (the store keeps the journal). Newest
 * first; new rows arrive from the journal watcher as they are committed.
 * The view keeps at most EVENTS_KEEP rows.
 */
#include "views/views.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_KEEP 10000
#define EVENTS_BACKLOG 2000

enum { EC_TIME, EC_TYPE, EC_ACTION, EC_ACTOR, EC_ATTRS, EC_COUNT };

static const struct table_col event_cols[EC_COUNT] = {
	[EC_TIME] = { "time", "TIME", 19, 19, false },
	[EC_TYPE] = { "type", "TYPE", 9, 9, false },
	[EC_ACTION] = { "action", "ACTION", 8, 12, false },
	[EC_ACTOR] = { "actor", "ACTOR", 14, 30, false },
	[EC_ATTRS] = { "attributes", "ATTRIBUTES", 10, 0, false },
};

struct ev_row {
	struct sv_engine_event ev;
	char *attrs; /* "k=v, k=v" */
	char key[24];
};

struct events_view {
	struct tui *app;
	struct view *self;
	struct ev_row *rows;
	size_t n;
	struct list_ui list;
	bool loaded;
	char *error;
};

static size_t m_count(void *m)
{
	return ((struct events_view *)m)->n;
}

static const char *m_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	struct events_view *v = m;
	const struct ev_row *r = &v->rows[row];
	switch (col) {
	case EC_TIME: {
		time_t t = (time_t)(r->ev.time_ns / 1000000000);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
		return buf;
	}
	case EC_TYPE: return r->ev.type;
	case EC_ACTION: return r->ev.action;
	case EC_ACTOR: { /* the name the user knows, else a short id */
		const char *name = sv_json_str(r->ev.attrs, "name");
		if (name)
			return name;
		const char *a = r->ev.actor;
		if (sv_str_has_prefix(a, "sha256:"))
			a += 7;
		snprintf(buf, len, "%.12s", a);
		return buf;
	}
	case EC_ATTRS: return r->attrs;
	default: return "";
	}
}

static int m_compare(void *m, size_t a, size_t b, int col)
{
	struct events_view *v = m;
	if (col == EC_TIME)
		return view_cmp_i64(v->rows[a].ev.seq, v->rows[b].ev.seq);
	char ba[128], bb[128];
	return strcmp(m_cell(m, a, col, ba, sizeof ba), m_cell(m, b, col, bb, sizeof bb));
}

static int m_match(void *m, size_t row, const char *field, const char *value)
{
	struct events_view *v = m;
	const struct ev_row *r = &v->rows[row];
	if (strcmp(field, "type") == 0)
		return strcmp(r->ev.type, value) == 0;
	if (strcmp(field, "action") == 0)
		return strcmp(r->ev.action, value) == 0;
	return -1;
}

static const char *m_key(void *m, size_t row)
{
	return ((struct events_view *)m)->rows[row].key;
}

static enum theme_role m_role(void *m, size_t row, int col)
{
	struct events_view *v = m;
	if (col != EC_TYPE)
		return ROLE_DEFAULT;
	const char *t = v->rows[row].ev.type;
	return strcmp(t, "image") == 0 ? ROLE_EVENT_IMAGE
	       : strcmp(t, "container") == 0 ? ROLE_EVENT_CONTAINER
					     : ROLE_EVENT_OTHER;
}

static const struct table_ops events_table = {
	.count = m_count,
	.cell = m_cell,
	.compare = m_compare,
	.match = m_match,
	.key = m_key,
	.role = m_role,
};

static void row_release(struct ev_row *r)
{
	free(r->ev.type);
	free(r->ev.action);
	free(r->ev.actor);
	cJSON_Delete(r->ev.attrs);
	free(r->attrs);
}

/* Takes the event's fields. */
static void add_event(struct events_view *v, struct sv_engine_event *ev)
{
	if (v->n == EVENTS_KEEP) { /* drop the oldest */
		row_release(&v->rows[0]);
		memmove(v->rows, v->rows + 1, (v->n - 1) * sizeof *v->rows);
		v->n--;
	}
	v->rows = sv_xrealloc(v->rows, (v->n + 1) * sizeof *v->rows);
	struct ev_row *r = &v->rows[v->n++];
	r->ev = *ev;
	memset(ev, 0, sizeof *ev);
	snprintf(r->key, sizeof r->key, "%lld", (long long)r->ev.seq);
	struct sv_buf b;
	sv_buf_init(&b);
	const cJSON *a;
	cJSON_ArrayForEach(a, r->ev.attrs)
	{
		if (cJSON_IsString(a))
			sv_buf_addf(&b, "%s%s=%s", b.len ? ", " : "", a->string, a->valuestring);
	}
	r->attrs = sv_buf_detach(&b, NULL);
}

struct load_job {
	struct tui_job job;
	struct events_view *v;
	struct tui_backend *b;
	struct sv_engine_event *ev;
	size_t n;
	sv_err *err;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	int64_t last = l->b->ops->events_last(l->b, &l->err);
	if (last < 0)
		return;
	int64_t after = last > EVENTS_BACKLOG ? last - EVENTS_BACKLOG : 0;
	l->b->ops->events(l->b, after, EVENTS_BACKLOG, &l->ev, &l->n, &l->err);
}

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct events_view *v = l->v;
	v->loaded = true;
	if (l->err) {
		v->error = sv_xstrdup(l->err->msg);
		return;
	}
	/* Rows the watcher delivered meanwhile are newer: keep them after. */
	int64_t first_live = v->n ? v->rows[0].ev.seq : INT64_MAX;
	struct ev_row *live = v->rows;
	size_t nlive = v->n;
	v->rows = NULL;
	v->n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->ev[i].seq < first_live)
			add_event(v, &l->ev[i]);
	for (size_t i = 0; i < nlive; i++) {
		add_event(v, &live[i].ev);
		free(live[i].attrs);
	}
	free(live);
	table_reload(&v->list.table);
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	sv_engine_events_free(l->ev, l->n);
	sv_err_free(l->err);
	free(l);
}

static void *events_init(struct tui *app, struct view *self, const char *arg)
{
	(void)arg;
	struct events_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	list_ui_init(&v->list, app, event_cols, EC_COUNT, &events_table, v, NULL);
	v->list.table.sort_col = EC_TIME;
	v->list.table.sort_desc = true;
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->v = v;
	l->b = tui_backend(app);
	tui_submit(app, self, &l->job);
	return v;
}

static void events_free(void *state)
{
	struct events_view *v = state;
	list_ui_release(&v->list);
	for (size_t i = 0; i < v->n; i++)
		row_release(&v->rows[i]);
	free(v->rows);
	free(v->error);
	free(v);
}

static void events_draw(void *state, struct canvas *c, struct rect r)
{
	struct events_view *v = state;
	list_ui_draw(&v->list, c, r, "events", v->error ? v->error : v->loaded ? NULL : "loading...");
}

static int events_key(void *state, enum tui_action a, tui_key k)
{
	struct events_view *v = state;
	int r = list_ui_key(&v->list, a, k);
	if (r != VIEW_IGNORED)
		return r;
	size_t row;
	if (a == ACT_OPEN && table_selected(&v->list.table, &row)) {
		char *text = sv_json_print_pretty(v->rows[row].ev.attrs);
		SV_AUTOFREE char *title = sv_xasprintf("%s %s %s", v->rows[row].ev.type,
						       v->rows[row].ev.action, v->rows[row].ev.actor);
		tui_show_text(v->app, title, text);
		return VIEW_REDRAW;
	}
	return VIEW_IGNORED;
}

static int events_mouse(void *state, const struct tui_mouse *m)
{
	return list_ui_mouse(&((struct events_view *)state)->list, m);
}

static void events_on_event(void *state, const struct sv_engine_event *ev)
{
	struct events_view *v = state;
	struct sv_engine_event copy = {
		.seq = ev->seq,
		.time_ns = ev->time_ns,
		.type = sv_xstrdup(ev->type),
		.action = sv_xstrdup(ev->action),
		.actor = sv_xstrdup(ev->actor),
		.attrs = cJSON_Duplicate(ev->attrs, true),
	};
	add_event(v, &copy);
	table_reload(&v->list.table);
}

static const char *events_selected_id(void *state)
{
	struct events_view *v = state;
	size_t row;
	return table_selected(&v->list.table, &row) ? v->rows[row].ev.actor : NULL;
}

static const char *const events_scopes[] = { "list", "global", NULL };
static const enum tui_action events_hints[] = { ACT_OPEN, ACT_FILTER, ACT_SORT_NEXT, ACT_NONE };

const struct view_ops view_events = {
	.name = "events",
	.title = "Events",
	.scopes = events_scopes,
	.hints = events_hints,
	.init = events_init,
	.free = events_free,
	.draw = events_draw,
	.key = events_key,
	.mouse = events_mouse,
	.on_event = events_on_event,
	.selected_id = events_selected_id,
};
