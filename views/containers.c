/*
 * The containers dashboard: a live table of every container with CPU (and
 * a sparkline of its recent history), memory against its limit, network,
 * PIDs, status and ports. Sort by any column, filter (text, state:running,
 * label:k=v, image:x, name:x), mark rows and act on the marked set (a
 * preview first, then per-container results). Enter opens the container.
 *
 * While containers are running the view reloads at the refresh interval
 * (stats change); with none running it only reloads when the journal says
 * a container changed, so an idle dashboard never wakes.
 */
#include "views/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/spark.h"

#define HIST 32 /* CPU samples kept per container for the sparkline */

enum { CC_NAME, CC_IMAGE, CC_STATE, CC_CPU, CC_SPARK, CC_MEM, CC_NET, CC_PIDS, CC_STATUS, CC_PORTS,
       CC_ID, CC_COUNT };

static const struct table_col container_cols[CC_COUNT] = {
	[CC_NAME] = { "name", "NAME", 10, 0, false },
	[CC_IMAGE] = { "image", "IMAGE", 10, 24, false },
	[CC_STATE] = { "state", "STATE", 8, 10, false },
	[CC_CPU] = { "cpu", "CPU %", 6, 6, true },
	[CC_SPARK] = { "cpu-history", "CPU HISTORY", 11, 16, false },
	[CC_MEM] = { "mem", "MEMORY", 10, 16, false },
	[CC_NET] = { "net", "NET RX/TX", 11, 15, true },
	[CC_PIDS] = { "pids", "PIDS", 4, 5, true },
	[CC_STATUS] = { "status", "STATUS", 12, 22, false },
	[CC_PORTS] = { "ports", "PORTS", 5, 24, false },
	[CC_ID] = { "id", "ID", 12, 12, false },
};

struct hist {
	char id[65];
	double v[HIST];
	size_t n;
};

struct containers_view {
	struct tui *app;
	struct view *self;
	struct tui_container *cts;
	size_t n;
	struct hist *hist; /* parallel to cts */
	struct list_ui list;
	bool loading, again, again_list, loaded;
	char *error;
	int64_t load_ms; /* how long the last load took */
};

/* ------------------------------------------------------------------ model */

static size_t m_count(void *m)
{
	return ((struct containers_view *)m)->n;
}

static const char *fmt_net(const struct tui_container *c, char *buf, size_t len)
{
	if (c->net_rx < 0)
		return "-";
	char a[16], b[16];
	snprintf(buf, len, "%s/%s", sv_str_human_size(c->net_rx, a, sizeof a),
		 sv_str_human_size(c->net_tx, b, sizeof b));
	return buf;
}

/* "Up 3 seconds (Paused)": a running container's uptime as of now (the
 * engine's text is as of the last list, which only events renew). */
static const char *status_text(const struct tui_container *c, char *buf, size_t len)
{
	if (!c->status || !c->started || strncmp(c->status, "Up ", 3) != 0)
		return c->status;
	const char *rest = strstr(c->status, " (");
	char d[32];
	int64_t up = sv_time_now_ns() / 1000000000 - c->started;
	snprintf(buf, len, "Up %s%s", sv_str_human_duration(up > 0 ? up : 0, d, sizeof d), rest ? rest : "");
	return buf;
}

static const char *m_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	const struct tui_container *c = &((struct containers_view *)m)->cts[row];
	switch (col) {
	case CC_NAME: return c->name;
	case CC_IMAGE: return c->image;
	case CC_STATE: return c->state;
	case CC_CPU:
		if (c->cpu < 0)
			return "-";
		snprintf(buf, len, "%.1f", c->cpu);
		return buf;
	case CC_SPARK: return "";
	case CC_MEM: {
		if (c->mem < 0)
			return "-";
		char a[16], b[16];
		snprintf(buf, len, "%s / %s", sv_str_human_size(c->mem, a, sizeof a),
			 c->mem_limit > 0 ? sv_str_human_size(c->mem_limit, b, sizeof b) : "-");
		return buf;
	}
	case CC_NET: return fmt_net(c, buf, len);
	case CC_PIDS:
		if (c->pids < 0)
			return "-";
		snprintf(buf, len, "%lld", (long long)c->pids);
		return buf;
	case CC_STATUS: return status_text(c, buf, len);
	case CC_PORTS: return c->ports;
	case CC_ID: snprintf(buf, len, "%.12s", c->id); return buf;
	default: return "";
	}
}

static int m_compare(void *m, size_t a, size_t b, int col)
{
	const struct containers_view *v = m;
	const struct tui_container *x = &v->cts[a], *y = &v->cts[b];
	switch (col) {
	case CC_CPU:
	case CC_SPARK: return x->cpu < y->cpu ? -1 : x->cpu > y->cpu ? 1 : 0;
	case CC_MEM: return view_cmp_i64(x->mem, y->mem);
	case CC_NET: return view_cmp_i64(x->net_rx + x->net_tx, y->net_rx + y->net_tx);
	case CC_PIDS: return view_cmp_i64(x->pids, y->pids);
	case CC_STATUS: return view_cmp_i64(x->started, y->started);
	case CC_NAME: return strverscmp(x->name, y->name);
	case CC_IMAGE: return strcmp(x->image, y->image);
	case CC_STATE: return strcmp(x->state, y->state);
	case CC_PORTS: return strcmp(x->ports, y->ports);
	default: return strcmp(x->id, y->id);
	}
}

static int m_match(void *m, size_t row, const char *field, const char *value)
{
	const struct tui_container *c = &((struct containers_view *)m)->cts[row];
	if (strcmp(field, "state") == 0 || strcmp(field, "status") == 0)
		return strcmp(c->state, value) == 0;
	if (strcmp(field, "image") == 0)
		return strstr(c->image, value) != NULL;
	if (strcmp(field, "name") == 0)
		return strstr(c->name, value) != NULL;
	if (strcmp(field, "id") == 0)
		return strncmp(c->id, value, strlen(value)) == 0;
	if (strcmp(field, "label") == 0) {
		size_t n = strcspn(value, "=");
		for (size_t i = 0; c->labels && c->labels[i]; i++) {
			if (value[n] == '=' ? strcmp(c->labels[i], value) == 0
					    : strncmp(c->labels[i], value, n) == 0 && c->labels[i][n] == '=')
				return 1;
		}
		return 0;
	}
	return -1;
}

static const char *m_key(void *m, size_t row)
{
	return ((struct containers_view *)m)->cts[row].id;
}

static enum theme_role m_role(void *m, size_t row, int col)
{
	const struct tui_container *c = &((struct containers_view *)m)->cts[row];
	return col == CC_STATE || col == CC_NAME ? tui_state_role(c->state) : ROLE_DEFAULT;
}

static bool m_draw(void *m, size_t row, int col, struct canvas *c, struct rect r, enum theme_role base)
{
	struct containers_view *v = m;
	const struct tui_container *ct = &v->cts[row];
	if (col == CC_SPARK && base == ROLE_DEFAULT) {
		sparkline_draw(c, r, v->hist[row].v, v->hist[row].n, 100.0, ROLE_SPARK_CPU);
		return true;
	}
	if (col == CC_MEM && base == ROLE_DEFAULT && ct->mem >= 0 && ct->mem_limit > 0) {
		char buf[16];
		gauge_draw(c, r, (double)ct->mem / (double)ct->mem_limit, sv_str_human_size(ct->mem, buf, sizeof buf));
		return true;
	}
	return false;
}

static const struct table_ops containers_table = {
	.count = m_count,
	.cell = m_cell,
	.compare = m_compare,
	.match = m_match,
	.key = m_key,
	.role = m_role,
	.draw = m_draw,
};

/* ----------------------------------------------------------------- loading */

static int cmp_hist(const void *a, const void *b)
{
	return strcmp(((const struct hist *)a)->id, ((const struct hist *)b)->id);
}

static int cmp_stats(const void *a, const void *b)
{
	return strcmp(((const struct tui_stats *)a)->id, ((const struct tui_stats *)b)->id);
}

/* Carries each container's CPU history over to a new list. */
static struct hist *carry_history(struct containers_view *v, struct tui_container *cts, size_t n)
{
	struct hist *old = v->hist;
	if (old)
		qsort(old, v->n, sizeof *old, cmp_hist);
	struct hist *h = sv_xcalloc(n ? n : 1, sizeof *h);
	for (size_t i = 0; i < n; i++) {
		memcpy(h[i].id, cts[i].id, sizeof h[i].id);
		struct hist *prev = old ? bsearch(&h[i], old, v->n, sizeof *old, cmp_hist) : NULL;
		if (prev)
			h[i] = *prev;
	}
	free(old);
	return h;
}

/* Puts a stats sample into the rows (and the CPU histories). */
static void merge_stats(struct containers_view *v, struct tui_stats *st, size_t n, bool all)
{
	qsort(st, n, sizeof *st, cmp_stats);
	for (size_t i = 0; i < v->n; i++) {
		struct tui_container *c = &v->cts[i];
		struct tui_stats key;
		memcpy(key.id, c->id, sizeof key.id);
		const struct tui_stats *s = n ? bsearch(&key, st, n, sizeof *st, cmp_stats) : NULL;
		if (!s && !all && c->cpu >= 0 && strcmp(c->state, "running") == 0)
			continue; /* off screen: keeps its last numbers */
		c->cpu = s ? s->cpu : -1;
		c->mem = s ? s->mem : -1;
		c->mem_limit = s ? s->mem_limit : -1;
		c->net_rx = s ? s->net_rx : -1;
		c->net_tx = s ? s->net_tx : -1;
		c->pids = s ? s->pids : -1;
		if (!s || s->cpu < 0)
			continue;
		struct hist *h = &v->hist[i];
		if (h->n == HIST) {
			memmove(h->v, h->v + 1, (HIST - 1) * sizeof(double));
			h->n--;
		}
		h->v[h->n++] = s->cpu;
	}
}

struct load_job {
	struct tui_job job;
	struct containers_view *v;
	struct tui_backend *b;
	bool list; /* the list too, not only stats */
	char **ids; /* whose stats (NULL: all running) */
	struct tui_container *cts;
	size_t n;
	struct tui_stats *st;
	size_t nst;
	sv_err *err;
	int64_t ms;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	int64_t t0 = sv_time_mono_ns();
	if (l->list && l->b->ops->containers(l->b, &l->cts, &l->n, &l->err) < 0)
		return;
	SV_AUTOERR sv_err *serr = NULL; /* no stats is not an error for the list */
	l->b->ops->stats(l->b, l->ids, &l->st, &l->nst, &serr);
	l->ms = (sv_time_mono_ns() - t0) / 1000000;
}

static void load_start(struct containers_view *v, bool list);

static bool any_running(const struct containers_view *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->cts[i].state, "running") == 0)
			return true;
	return false;
}

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct containers_view *v = l->v;
	v->loading = false;
	v->load_ms = l->ms;
	if (l->list) {
		v->loaded = true;
		free(v->error);
		v->error = l->err ? sv_xstrdup(l->err->msg) : NULL;
		if (!l->err) {
			v->hist = carry_history(v, l->cts, l->n);
			tui_containers_free(v->cts, v->n);
			v->cts = sv_steal_ptr(&l->cts);
			v->n = l->n;
		}
	}
	if (!l->err)
		merge_stats(v, l->st, l->nst, l->ids == NULL);
	table_reload(&v->list.table);
	tui_want_tick(v->app, v->self, !v->error && any_running(v));
	if (v->again || v->again_list) {
		bool list = v->again_list;
		v->again = v->again_list = false;
		load_start(v, list);
	}
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	tui_containers_free(l->cts, l->n);
	free(l->st);
	sv_strv_free(l->ids);
	sv_err_free(l->err);
	free(l);
}

/* Stats are sampled for the rows on screen only, unless the table is
 * sorted or filtered by a number that needs them all. */
static char **visible_running(struct containers_view *v)
{
	const struct table *t = &v->list.table;
	int sc = t->sort_col;
	if (sc == CC_CPU || sc == CC_SPARK || sc == CC_MEM || sc == CC_NET || sc == CC_PIDS)
		return NULL;
	char **ids = sv_xcalloc(1, sizeof *ids);
	size_t page = t->page > 0 ? (size_t)t->page : 50;
	for (size_t i = t->top; i < t->norder && i < t->top + page; i++) {
		const struct tui_container *c = &v->cts[t->order[i]];
		if (strcmp(c->state, "running") == 0)
			sv_strv_push(&ids, c->id);
	}
	return ids;
}

static void load_start(struct containers_view *v, bool list)
{
	if (v->loading) {
		if (list)
			v->again_list = true;
		else
			v->again = true;
		return;
	}
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->v = v;
	l->b = tui_backend(v->app);
	l->list = list || !v->loaded;
	l->ids = l->list ? NULL : visible_running(v);
	v->loading = true;
	tui_submit(v->app, v->self, &l->job);
}

/* ----------------------------------------------------------------- actions */

/* An operation on the marked containers (or the one under the cursor);
 * with several, a preview first, then per-container results. */
static void run_on_targets(struct containers_view *v, enum tui_action a)
{
	size_t n;
	SV_AUTOFREE size_t *rows = table_targets(&v->list.table, &n);
	if (n == 1) {
		const struct tui_container *c = &v->cts[rows[0]];
		container_actions_key(v->app, a, c->id, c->name, c->state);
		return;
	}
	static const struct {
		enum tui_action a;
		enum tui_container_op op;
		const char *verb;
	} bulk[] = {
		{ ACT_START, TUI_CT_START, "Start" },	  { ACT_STOP, TUI_CT_STOP, "Stop" },
		{ ACT_RESTART, TUI_CT_RESTART, "Restart" }, { ACT_KILL, TUI_CT_KILL, "Kill" },
		{ ACT_REMOVE, TUI_CT_REMOVE, "Remove" },	  { ACT_PAUSE, TUI_CT_PAUSE, "Pause" },
	};
	for (size_t k = 0; k < sizeof bulk / sizeof bulk[0]; k++) {
		if (bulk[k].a != a)
			continue;
		char **ids = NULL, **names = NULL, **preview = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct tui_container *c = &v->cts[rows[i]];
			sv_strv_push(&ids, c->id);
			sv_strv_push(&names, c->name);
			sv_strv_push_take(&preview, sv_xasprintf("%-24s %-10s %s", c->name, c->state, c->image));
		}
		SV_AUTOFREE char *title = sv_xasprintf("%s %zu marked containers?", bulk[k].verb, n);
		container_op_submit(v->app, bulk[k].op, ids, names, title, preview);
		return;
	}
	tui_status(v->app, TUI_WARN, "that key works on one container: unmark (Esc) first");
}

/* ------------------------------------------------------------------- view */

static void *containers_init(struct tui *app, struct view *self, const char *arg)
{
	(void)arg;
	struct containers_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	list_ui_init(&v->list, app, container_cols, CC_COUNT, &containers_table, v,
		     tui_config(app)->containers_columns);
	if (!tui_config(app)->containers_columns) { /* the default: no id, no separate spark */
		SV_AUTOSTRV char **def =
			sv_strv_split("name image state status cpu cpu-history mem net pids ports", ' ', true);
		table_set_columns(&v->list.table, def, NULL);
	}
	load_start(v, true);
	return v;
}

static void containers_free(void *state)
{
	struct containers_view *v = state;
	list_ui_release(&v->list);
	tui_containers_free(v->cts, v->n);
	free(v->hist);
	free(v->error);
	free(v);
}

static void containers_draw(void *state, struct canvas *c, struct rect r)
{
	struct containers_view *v = state;
	const char *note = !v->loaded ? "loading..." : v->error ? v->error : NULL;
	list_ui_draw(&v->list, c, r, "containers", note);
}

static const struct tui_container *selected(struct containers_view *v)
{
	size_t row;
	return table_selected(&v->list.table, &row) ? &v->cts[row] : NULL;
}

static void open_menu(struct containers_view *v, int x, int y)
{
	static const enum tui_action acts[] = { ACT_OPEN, ACT_LOGS, ACT_EXEC, ACT_START, ACT_STOP,
						ACT_RESTART, ACT_PAUSE, ACT_KILL, ACT_RENAME, ACT_REMOVE,
						ACT_COPY, ACT_NONE };
	const struct tui_container *c = selected(v);
	if (c)
		tui_action_menu(v->app, c->name, acts, x, y);
}

static int containers_key(void *state, enum tui_action a, tui_key k)
{
	struct containers_view *v = state;
	int r = list_ui_key(&v->list, a, k);
	if (r != VIEW_IGNORED)
		return r;
	const struct tui_container *c = selected(v);
	switch (a) {
	case ACT_OPEN:
	case ACT_LOGS:
	case ACT_INSPECT:
		if (c) { /* "<id>\n<tab>": the detail opens on that tab */
			SV_AUTOFREE char *arg = sv_xasprintf("%s\n%s", c->id,
							     a == ACT_LOGS ? "logs" : a == ACT_INSPECT ? "inspect" : "");
			tui_push(v->app, &view_container, arg);
		}
		break;
	case ACT_MENU:
		if (c)
			open_menu(v, v->self->rect.x + 4, v->self->rect.y + 2 + (int)(v->list.table.cursor - v->list.table.top));
		break;
	case ACT_START:
	case ACT_STOP:
	case ACT_RESTART:
	case ACT_PAUSE:
	case ACT_KILL:
	case ACT_REMOVE:
	case ACT_EXEC:
	case ACT_RENAME:
		if (c)
			run_on_targets(v, a);
		break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}

static int containers_mouse(void *state, const struct tui_mouse *m)
{
	struct containers_view *v = state;
	if (m->button == 3) { /* right click: select the row, then its menu */
		struct tui_mouse left = *m;
		left.button = 1;
		if (list_ui_mouse(&v->list, &left) != VIEW_IGNORED && m->y > v->list.rect.y && selected(v))
			open_menu(v, m->x, m->y);
		return VIEW_REDRAW;
	}
	return list_ui_mouse(&v->list, m);
}

static void containers_on_event(void *state, const struct sv_engine_event *ev)
{
	struct containers_view *v = state;
	if (strcmp(ev->type, "container") == 0)
		load_start(v, true);
}

/* After an action of ours: the new states at once, from any backend. */
static void containers_refresh(void *state)
{
	load_start(state, true);
}

static void containers_on_tick(void *state)
{
	load_start(state, false); /* stats only: the list changes through events */
}

static const char *containers_selected_id(void *state)
{
	const struct tui_container *c = selected(state);
	return c ? c->id : NULL;
}

static const char *const containers_scopes[] = { "containers", "list", "global", NULL };
static const enum tui_action containers_hints[] = { ACT_OPEN, ACT_FILTER, ACT_START, ACT_STOP,
						    ACT_EXEC, ACT_MARK, ACT_REMOVE, ACT_NONE };

const struct view_ops view_containers = {
	.name = "containers",
	.title = "Containers",
	.scopes = containers_scopes,
	.hints = containers_hints,
	.init = containers_init,
	.free = containers_free,
	.draw = containers_draw,
	.key = containers_key,
	.mouse = containers_mouse,
	.on_event = containers_on_event,
	.refresh = containers_refresh,
	.on_tick = containers_on_tick,
	.selected_id = containers_selected_id,
};
