/*
 * One container, in tabs: Overview (what it is and, once stopped, why:
 * exit code, OOM kill, restarts, the last lines it printed), Logs (follow,
 * search with n/N, wrap, timestamps, save; a visible counter when lines
 * had to be dropped), Stats (CPU, memory, network and block I/O graphs
 * that start with the shim's history from before the screen opened),
 * Inspect (a folding tree), Processes (top) and Config (env, mounts,
 * ports). Keys act on the container as on the dashboard; e opens a shell.
 *
 * The log follower runs on a thread of its own (tui_pool_spawn) and hands
 * lines over through a mutex-guarded feed: it wakes the loop only when the
 * feed goes from empty to not empty, and the loop drains all of it.
 */
#include "views/views.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/jsontree.h"
#include "widgets/logpane.h"
#include "widgets/spark.h"
#include "widgets/tabs.h"

#define LOG_KEEP 50000	 /* lines the pane keeps */
#define LOG_TAIL 1000	 /* lines read back when the screen opens */
#define FEED_MAX 20000	 /* lines waiting for the loop before the oldest drop */

enum { TAB_OVERVIEW, TAB_LOGS, TAB_STATS, TAB_INSPECT, TAB_TOP, TAB_CONFIG, TAB_COUNT };
static const char *const tab_names[TAB_COUNT] = { "Overview", "Logs",	   "Stats",
						  "Inspect",  "Processes", "Config" };

/* ---------------------------------------------------------------- the feed */

struct feed {
	pthread_mutex_t mu;
	int refs;
	struct logline *lines;
	size_t n, cap;
	uint64_t dropped;
	bool posted, ended;
	bool stop; /* the screen moved on to another follower */
};

static struct feed *feed_new(void)
{
	struct feed *f = sv_xcalloc(1, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	f->refs = 1;
	return f;
}

static void feed_unref(struct feed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	bool last = --f->refs == 0;
	pthread_mutex_unlock(&f->mu);
	if (!last)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->lines[i].text);
	free(f->lines);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

struct container_view;

struct follow_job {
	struct tui_job job;
	struct tui *app;
	struct container_view *v; /* touched only in done/messages (loop thread) */
	struct feed *feed;
	struct tui_backend *b;
	char id[65];
	bool follow;
	int64_t since_ns, tail;
	sv_err *err;
};

struct feed_msg {
	struct tui_job job;
	struct container_view *v;
};

static void feed_msg_done(struct tui_job *j);

static int on_log(int stream, int64_t time_ns, const char *data, size_t len, void *arg)
{
	struct follow_job *fj = arg;
	if (atomic_load(&fj->job.cancel))
		return -1;
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	struct feed *f = fj->feed;
	pthread_mutex_lock(&f->mu);
	if (f->stop) {
		pthread_mutex_unlock(&f->mu);
		return -1;
	}
	if (f->n == FEED_MAX) { /* the loop is far behind: count, never hide */
		free(f->lines[0].text);
		memmove(f->lines, f->lines + 1, (f->n - 1) * sizeof *f->lines);
		f->n--;
		f->dropped++;
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->lines = sv_xrealloc(f->lines, f->cap * sizeof *f->lines);
	}
	f->lines[f->n++] = (struct logline){ sv_xstrndup(data, len), time_ns, stream == 2 };
	bool wake = !f->posted;
	f->posted = true;
	pthread_mutex_unlock(&f->mu);
	if (wake) {
		struct feed_msg *m = tui_job_new(sizeof *m, NULL, feed_msg_done, NULL);
		m->job.owner = fj->job.owner;
		m->v = fj->v;
		tui_pool_post(tui_pool_of(fj->app), &m->job);
	}
	return 0;
}

static void follow_work(struct tui_job *j)
{
	struct follow_job *fj = (struct follow_job *)j;
	fj->b->ops->logs(fj->b, fj->id, fj->since_ns, fj->tail, fj->follow, on_log, fj, &fj->err);
}

static void follow_free(struct tui_job *j)
{
	struct follow_job *fj = (struct follow_job *)j;
	feed_unref(fj->feed);
	sv_err_free(fj->err);
	free(fj);
}

/* ------------------------------------------------------------------- view */

struct container_view {
	struct tui *app;
	struct view *self;
	char *id;
	int tab;
	int tab_starts[TAB_COUNT + 1];
	cJSON *inspect, *top;
	struct sv_stats_sample *hist;
	size_t nhist;
	char *error;
	bool loading, again;
	struct logpane logs;
	struct feed *feed;
	bool following, log_ended;
	char *log_error;
	bool searching;
	struct lineedit search;
	int64_t since_ns, tail; /* which part of the log is loaded */
	char *range;		/* as the user typed it, for the info line */
	struct jsontree tree;
	int top_scroll, cfg_scroll;
};

static void feed_drain(struct container_view *v)
{
	struct feed *f = v->feed;
	pthread_mutex_lock(&f->mu);
	struct logline *lines = f->lines;
	size_t n = f->n;
	uint64_t dropped = f->dropped;
	f->lines = NULL;
	f->n = f->cap = 0;
	f->dropped = 0;
	f->posted = false;
	pthread_mutex_unlock(&f->mu);
	v->logs.dropped += dropped;
	for (size_t i = 0; i < n; i++) {
		logpane_append(&v->logs, lines[i].text, strlen(lines[i].text), lines[i].time_ns, lines[i].err);
		free(lines[i].text);
	}
	free(lines);
}

static void feed_msg_done(struct tui_job *j)
{
	feed_drain(((struct feed_msg *)j)->v);
}

static void follow_done(struct tui_job *j)
{
	struct follow_job *fj = (struct follow_job *)j;
	struct container_view *v = fj->v;
	if (fj->feed == v->feed) {
		feed_drain(v);
		v->following = false;
		v->log_ended = true;
		free(v->log_error);
		v->log_error = fj->err ? sv_xstrdup(fj->err->msg) : NULL;
	}
}

static bool is_running(const struct container_view *v)
{
	const cJSON *st = v->inspect ? sv_json_obj(v->inspect, "State") : NULL;
	return st && sv_json_bool(st, "Running", false);
}

static void follow_start(struct container_view *v)
{
	if (v->following)
		return;
	v->logs.dropped = 0;
	if (v->feed)
		feed_unref(v->feed);
	v->feed = feed_new();
	logpane_clear(&v->logs);
	struct follow_job *fj = tui_job_new(sizeof *fj, follow_work, follow_done, follow_free);
	fj->app = v->app;
	fj->v = v;
	fj->b = tui_backend(v->app);
	fj->feed = v->feed;
	v->feed->refs++;
	snprintf(fj->id, sizeof fj->id, "%s", v->id);
	fj->follow = is_running(v);
	fj->since_ns = v->since_ns;
	fj->tail = v->tail;
	fj->job.owner = v->self->id;
	fj->job.ctx = v->app;
	v->following = true;
	v->log_ended = false;
	tui_pool_spawn(tui_pool_of(v->app), &fj->job);
}

/* ----------------------------------------------------------------- loading */

struct load_job {
	struct tui_job job;
	struct container_view *v;
	struct tui_backend *b;
	char *id;
	bool top;
	cJSON *inspect, *topj;
	struct sv_stats_sample *hist;
	size_t nhist;
	sv_err *err;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	l->inspect = l->b->ops->container_inspect(l->b, l->id, &l->err);
	if (!l->inspect)
		return;
	const cJSON *st = sv_json_obj(l->inspect, "State");
	if (!st || !sv_json_bool(st, "Running", false))
		return;
	SV_AUTOERR sv_err *e2 = NULL;
	l->b->ops->stats_history(l->b, l->id, &l->hist, &l->nhist, &e2);
	if (l->top)
		l->topj = l->b->ops->container_top(l->b, l->id, &e2);
}

static void load_start(struct container_view *v);

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct container_view *v = l->v;
	v->loading = false;
	free(v->error);
	v->error = l->err ? sv_xstrdup(l->err->msg) : NULL;
	if (l->inspect) {
		bool was_running = is_running(v), first = !v->inspect;
		cJSON_Delete(v->inspect);
		v->inspect = sv_steal_ptr(&l->inspect);
		jsontree_set(&v->tree, v->inspect);
		free(v->hist);
		v->hist = sv_steal_ptr(&l->hist);
		v->nhist = l->nhist;
		if (l->topj || !is_running(v)) {
			cJSON_Delete(v->top);
			v->top = sv_steal_ptr(&l->topj);
		}
		if (first || (!was_running && is_running(v)))
			follow_start(v); /* (re)started: follow its new output */
		tui_want_tick(v->app, v->self, is_running(v));
	}
	if (v->again) {
		v->again = false;
		load_start(v);
	}
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	cJSON_Delete(l->inspect);
	cJSON_Delete(l->topj);
	free(l->hist);
	sv_err_free(l->err);
	free(l->id);
	free(l);
}

static void load_start(struct container_view *v)
{
	if (v->loading) {
		v->again = true;
		return;
	}
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->v = v;
	l->b = tui_backend(v->app);
	l->id = sv_xstrdup(v->id);
	l->top = v->tab == TAB_TOP;
	v->loading = true;
	tui_submit(v->app, v->self, &l->job);
}

static void *container_init(struct tui *app, struct view *self, const char *arg)
{
	struct container_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	v->id = sv_xstrdup(arg ? arg : "");
	char *nl = strchr(v->id, '\n'); /* "<id>\n<tab>" */
	if (nl) {
		*nl = '\0';
		v->tab = strcmp(nl + 1, "logs") == 0 ? TAB_LOGS : strcmp(nl + 1, "inspect") == 0 ? TAB_INSPECT : 0;
	}
	logpane_init(&v->logs, LOG_KEEP);
	v->tail = LOG_TAIL;
	lineedit_init(&v->search);
	jsontree_init(&v->tree);
	load_start(v);
	return v;
}

static void container_free(void *state)
{
	struct container_view *v = state;
	feed_unref(v->feed);
	logpane_release(&v->logs);
	lineedit_release(&v->search);
	jsontree_release(&v->tree);
	cJSON_Delete(v->inspect);
	cJSON_Delete(v->top);
	free(v->hist);
	free(v->error);
	free(v->log_error);
	free(v->range);
	free(v->id);
	free(v);
}

/* ------------------------------------------------------------------ drawing */

static int field(struct canvas *c, struct rect r, int y, const char *name, const char *value,
		 enum theme_role role)
{
	if (y >= r.y + r.h)
		return y;
	canvas_field(c, r.x + 1, y, 16, ROLE_HEADER, name);
	canvas_field(c, r.x + 18, y, r.w - 19, role, value ? value : "");
	return y + 1;
}

static const char *str_or(const cJSON *o, const char *k, const char *def)
{
	const char *s = o ? sv_json_str(o, k) : NULL;
	return s && *s ? s : def;
}

static void draw_overview(struct container_view *v, struct canvas *c, struct rect r)
{
	const cJSON *in = v->inspect, *st = sv_json_obj(in, "State"), *cfg = sv_json_obj(in, "Config");
	char buf[256];
	int y = r.y;
	const char *state = str_or(st, "Status", "?");
	y = field(c, r, y, "Name", str_or(in, "Name", "") + (str_or(in, "Name", "")[0] == '/'), ROLE_DEFAULT);
	y = field(c, r, y, "ID", str_or(in, "Id", ""), ROLE_DEFAULT);
	y = field(c, r, y, "Image", str_or(cfg, "Image", ""), ROLE_DEFAULT);
	SV_AUTOFREE char *cmd = NULL;
	const cJSON *argv = sv_json_arr(cfg, "Cmd");
	if (argv) {
		char **v2 = NULL;
		SV_AUTOERR sv_err *e = NULL;
		if (sv_json_strv(argv, &v2, &e) == 0)
			cmd = sv_strv_join(v2, " ");
		sv_strv_free(v2);
	}
	y = field(c, r, y, "Command", cmd, ROLE_DEFAULT);
	y = field(c, r, y, "State", state, tui_state_role(state));
	y = field(c, r, y, "Started", str_or(st, "StartedAt", "-"), ROLE_DEFAULT);
	y = field(c, r, y, "Finished", str_or(st, "FinishedAt", "-"), ROLE_DEFAULT);
	snprintf(buf, sizeof buf, "%lld", (long long)sv_json_i64(in, "RestartCount", 0));
	y = field(c, r, y, "Restarts", buf, ROLE_DEFAULT);
	if (is_running(v) || strcmp(state, "created") == 0)
		return;
	/* Why did it stop? */
	int64_t code = sv_json_i64(st, "ExitCode", 0);
	bool oom = sv_json_bool(st, "OOMKilled", false);
	snprintf(buf, sizeof buf, "exit code %lld%s%s", (long long)code,
		 oom ? ": killed for using too much memory (OOM)"
		 : code == 137 ? ": killed (SIGKILL)"
		 : code == 143 ? ": terminated (SIGTERM)"
		 : code == 126 ? ": command cannot run"
		 : code == 127 ? ": command not found"
			       : "",
		 "");
	y++;
	y = field(c, r, y, "Why it stopped", buf, code ? ROLE_STATE_DEAD : ROLE_STATE_EXITED);
	y = field(c, r, y, "OOM killed", oom ? "yes" : "no", oom ? ROLE_STATE_DEAD : ROLE_DEFAULT);
	const char *emsg = str_or(st, "Error", NULL);
	if (emsg)
		y = field(c, r, y, "Error", emsg, ROLE_STATUS_ERROR);
	if (y + 2 >= r.y + r.h || !v->logs.n)
		return;
	canvas_text(c, r.x + 1, ++y, r.w - 2, ROLE_HEADER, "Last lines");
	y++;
	size_t show = (size_t)(r.y + r.h - y);
	size_t from = v->logs.n > show ? v->logs.n - show : 0;
	for (size_t i = from; i < v->logs.n && y < r.y + r.h; i++, y++) {
		const struct logline *l = logpane_line(&v->logs, i);
		canvas_field(c, r.x + 1, y, r.w - 2, l->err ? ROLE_LOG_STDERR : ROLE_DIM, l->text);
	}
}

static void draw_logs(struct container_view *v, struct canvas *c, struct rect r)
{
	struct rect pane = rect_make(r.x, r.y, r.w, r.h - 1);
	logpane_draw(&v->logs, c, pane);
	int y = r.y + r.h - 1;
	canvas_fill(c, rect_make(r.x, y, r.w, 1), ROLE_DIM, ' ');
	if (v->searching) {
		int x = r.x + canvas_text(c, r.x, y, r.w, ROLE_INPUT_FOCUS, "search: ");
		int cx = lineedit_draw(&v->search, c, rect_make(x, y, r.x + r.w - x, 1), ROLE_INPUT_FOCUS);
		tui_cursor(v->app, cx, y);
		return;
	}
	char info[256];
	char range[96];
	snprintf(range, sizeof range, " (%s)", v->range ? v->range : "last 1000; T: since/tail");
	snprintf(info, sizeof info, " %zu lines%s%s%s%s%s%s%s", v->logs.n, range,
		 v->following ? (v->logs.follow ? ", following" : ", paused (G to follow)") : "",
		 v->log_ended ? ", end of log" : "", v->logs.wrap ? ", wrap" : "",
		 v->logs.times ? ", timestamps" : "", v->logs.search ? ", search: " : "",
		 v->logs.search ? v->logs.search : "");
	canvas_text(c, r.x, y, r.w, v->log_error ? ROLE_STATUS_ERROR : ROLE_DIM,
		    v->log_error ? v->log_error : info);
}

/* One graph: a label with the current value, and a sparkline of the
 * series over the rest of the row. */
static int graph(struct canvas *c, struct rect r, int y, const char *label, const char *now,
		 const double *series, size_t n, double max, enum theme_role role)
{
	if (y >= r.y + r.h)
		return y;
	canvas_field(c, r.x + 1, y, 12, ROLE_HEADER, label);
	canvas_field_right(c, r.x + 13, y, 14, ROLE_DEFAULT, now);
	sparkline_draw(c, rect_make(r.x + 29, y, r.w - 30, 1), series, n, max, role);
	return y + 2;
}

static void draw_stats(struct container_view *v, struct canvas *c, struct rect r)
{
	if (!is_running(v)) {
		canvas_text(c, r.x + 1, r.y, r.w - 2, ROLE_DIM, "not running: no live numbers");
		return;
	}
	size_t n = v->nhist > 1 ? v->nhist - 1 : 0;
	double *cpu = sv_xcalloc(n + 1, sizeof *cpu), *mem = sv_xcalloc(n + 1, sizeof *mem);
	double *net = sv_xcalloc(n + 1, sizeof *net), *blk = sv_xcalloc(n + 1, sizeof *blk);
	for (size_t i = 0; i < n; i++) {
		const struct sv_stats_sample *a = &v->hist[i], *b = &v->hist[i + 1];
		int64_t ds = b->system_ns - a->system_ns, dt = b->time_ns - a->time_ns;
		cpu[i] = ds > 0 ? (double)(b->cpu_ns - a->cpu_ns) / (double)ds * (b->online_cpus ? b->online_cpus : 1) * 100 : 0;
		mem[i] = (double)(b->mem_usage - b->mem_cache);
		net[i] = dt > 0 ? (double)(b->net_rx + b->net_tx - a->net_rx - a->net_tx) * 1e9 / (double)dt : 0;
		blk[i] = dt > 0 ? (double)(b->blk_read + b->blk_write - a->blk_read - a->blk_write) * 1e9 / (double)dt : 0;
	}
	char now[64], s1[16], s2[16];
	const struct sv_stats_sample *last = v->nhist ? &v->hist[v->nhist - 1] : NULL;
	int y = r.y;
	snprintf(now, sizeof now, "%.1f%%", n ? cpu[n - 1] : 0.0);
	y = graph(c, r, y, "CPU", now, cpu, n, 0, ROLE_SPARK_CPU);
	snprintf(now, sizeof now, "%s", last ? sv_str_human_size(last->mem_usage - last->mem_cache, s1, sizeof s1) : "-");
	y = graph(c, r, y, "Memory", now, mem, n, last ? (double)last->mem_limit : 0, ROLE_SPARK_MEM);
	if (last && last->mem_limit > 0 && y < r.y + r.h) {
		char lbl[64];
		snprintf(lbl, sizeof lbl, "%s of %s", s1, sv_str_human_size(last->mem_limit, s2, sizeof s2));
		gauge_draw(c, rect_make(r.x + 29, y - 1, r.w - 30, 1),
			   (double)(last->mem_usage - last->mem_cache) / (double)last->mem_limit, lbl);
		y++;
	}
	snprintf(now, sizeof now, "%s/s", sv_str_human_size(n ? (int64_t)net[n - 1] : 0, s1, sizeof s1));
	y = graph(c, r, y, "Network", now, net, n, 0, ROLE_SPARK_NET);
	snprintf(now, sizeof now, "%s/s", sv_str_human_size(n ? (int64_t)blk[n - 1] : 0, s1, sizeof s1));
	y = graph(c, r, y, "Block I/O", now, blk, n, 0, ROLE_SPARK_NET);
	if (last && y < r.y + r.h) {
		snprintf(now, sizeof now, "%lld PIDs, %zu samples (the shim keeps them while no screen is open)",
			 (long long)last->pids, v->nhist);
		canvas_text(c, r.x + 1, y, r.w - 2, ROLE_DIM, now);
	}
	free(cpu);
	free(mem);
	free(net);
	free(blk);
}

static void draw_top(struct container_view *v, struct canvas *c, struct rect r)
{
	const cJSON *titles = sv_json_arr(v->top, "Titles"), *procs = sv_json_arr(v->top, "Processes");
	if (!titles) {
		canvas_text(c, r.x + 1, r.y, r.w - 2, ROLE_DIM,
			    is_running(v) ? "loading..." : "not running: no processes");
		return;
	}
	int ncol = cJSON_GetArraySize(titles), x = r.x + 1;
	int w = ncol ? (r.w - 2) / ncol : r.w;
	canvas_fill(c, rect_make(r.x, r.y, r.w, 1), ROLE_HEADER, ' ');
	for (int i = 0; i < ncol; i++, x += w) {
		const cJSON *t = cJSON_GetArrayItem(titles, i);
		bool last = i == ncol - 1;
		canvas_field(c, x, r.y, last ? r.x + r.w - x : w - 1, ROLE_HEADER,
			     cJSON_IsString(t) ? t->valuestring : "");
	}
	int y = r.y + 1, row = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, procs)
	{
		if (row++ < v->top_scroll)
			continue;
		if (y >= r.y + r.h)
			break;
		x = r.x + 1;
		for (int i = 0; i < ncol; i++, x += w) {
			const cJSON *f = cJSON_GetArrayItem(p, i);
			bool last = i == ncol - 1;
			canvas_field(c, x, y, last ? r.x + r.w - x : w - 1, ROLE_DEFAULT,
				     cJSON_IsString(f) ? f->valuestring : "");
		}
		y++;
	}
}

static void config_lines(struct container_view *v, char ***lines)
{
	const cJSON *cfg = sv_json_obj(v->inspect, "Config"), *it;
	sv_strv_push(lines, "Environment");
	cJSON_ArrayForEach(it, sv_json_arr(cfg, "Env"))
	{
		if (cJSON_IsString(it))
			sv_strv_push_take(lines, sv_xasprintf("  %s", it->valuestring));
	}
	sv_strv_push(lines, "");
	sv_strv_push(lines, "Mounts");
	cJSON_ArrayForEach(it, sv_json_arr(v->inspect, "Mounts"))
	{
		sv_strv_push_take(lines, sv_xasprintf("  %s %s -> %s%s", str_or(it, "Type", "?"),
						      str_or(it, "Source", str_or(it, "Name", "?")),
						      str_or(it, "Destination", "?"),
						      sv_json_bool(it, "RW", true) ? "" : " (read-only)"));
	}
	sv_strv_push(lines, "");
	sv_strv_push(lines, "Ports");
	const cJSON *ports = sv_json_obj(sv_json_obj(v->inspect, "NetworkSettings"), "Ports");
	cJSON_ArrayForEach(it, ports)
	{
		const cJSON *b = cJSON_IsArray(it) ? cJSON_GetArrayItem(it, 0) : NULL;
		sv_strv_push_take(lines, sv_xasprintf("  %s -> %s:%s", it->string, str_or(b, "HostIp", "-"),
						      str_or(b, "HostPort", "-")));
	}
	sv_strv_push(lines, "");
	sv_strv_push(lines, "Labels");
	cJSON_ArrayForEach(it, sv_json_obj(cfg, "Labels"))
	{
		if (cJSON_IsString(it))
			sv_strv_push_take(lines, sv_xasprintf("  %s=%s", it->string, it->valuestring));
	}
}

static void draw_config(struct container_view *v, struct canvas *c, struct rect r)
{
	SV_AUTOSTRV char **lines = NULL;
	config_lines(v, &lines);
	size_t n = sv_strv_len(lines);
	for (int y = 0; y < r.h && (size_t)(y + v->cfg_scroll) < n; y++) {
		const char *l = lines[y + v->cfg_scroll];
		canvas_field(c, r.x + 1, r.y + y, r.w - 2, l[0] == ' ' ? ROLE_DEFAULT : ROLE_HELP_SECTION, l);
	}
}

static void container_draw(void *state, struct canvas *c, struct rect r)
{
	struct container_view *v = state;
	if (r.h < 4)
		return;
	if (!v->inspect) {
		canvas_text(c, r.x + 1, r.y + 1, r.w - 2, v->error ? ROLE_STATUS_ERROR : ROLE_DIM,
			    v->error ? v->error : "loading...");
		return;
	}
	const cJSON *st = sv_json_obj(v->inspect, "State");
	const char *name = str_or(v->inspect, "Name", "");
	char head[256];
	snprintf(head, sizeof head, " %s  %.12s  %s", name + (name[0] == '/'), v->id, str_or(st, "Status", ""));
	canvas_field(c, r.x, r.y, r.w, ROLE_HEADER, head);
	tabs_draw(c, r.x, r.y + 1, r.w, tab_names, TAB_COUNT, v->tab, v->tab_starts);
	struct rect body = rect_make(r.x, r.y + 2, r.w, r.h - 2);
	switch (v->tab) {
	case TAB_OVERVIEW: draw_overview(v, c, body); break;
	case TAB_LOGS: draw_logs(v, c, body); break;
	case TAB_STATS: draw_stats(v, c, body); break;
	case TAB_INSPECT: jsontree_draw(&v->tree, c, body); break;
	case TAB_TOP: draw_top(v, c, body); break;
	default: draw_config(v, c, body); break;
	}
}

/* -------------------------------------------------------------------- keys */

static void save_ok(struct tui *app, const char *text, void *arg)
{
	struct container_view *v = arg;
	SV_AUTOERR sv_err *err = NULL;
	if (!*text)
		return;
	if (logpane_save(&v->logs, text, &err) < 0)
		tui_status(app, TUI_ERROR, "%s", err->msg);
	else
		tui_status(app, TUI_INFO, "saved %zu lines to %s", v->logs.n, text);
}

/* "all", "500" (last lines) or a time: "10m", "2h", RFC 3339, Unix time. */
static void range_ok(struct tui *app, const char *text, void *arg)
{
	struct container_view *v = arg;
	int64_t n = 0, since = 0;
	SV_AUTOERR sv_err *err = NULL;
	if (strcmp(text, "all") == 0 || !*text) {
		n = -1;
	} else if (sv_str_to_i64(text, 0, INT64_MAX, &n)) {
		/* a line count */
	} else if (sv_time_parse(text, sv_time_now_ns(), &since, &err) == 0) {
		n = -1;
	} else {
		tui_status(app, TUI_ERROR, "not a line count, \"all\" or a time: %s", text);
		return;
	}
	v->tail = n;
	v->since_ns = since;
	free(v->range);
	v->range = *text ? (since ? sv_xasprintf("since %s", text) : n < 0 ? sv_xstrdup("all")
									: sv_xasprintf("last %s", text))
			 : sv_xstrdup("all");
	if (v->following) { /* the running follower ends at its next line; a new one starts */
		pthread_mutex_lock(&v->feed->mu);
		v->feed->stop = true;
		pthread_mutex_unlock(&v->feed->mu);
		v->following = false;
	}
	follow_start(v);
}

static int search_key(struct container_view *v, tui_key k)
{
	enum lineedit_result r = lineedit_key(&v->search, k);
	if (r == LINEEDIT_SUBMIT) {
		v->searching = false;
		if (!logpane_set_search(&v->logs, v->search.buf) && v->search.buf[0])
			tui_status(v->app, TUI_WARN, "not found: %s", v->search.buf);
	} else if (r == LINEEDIT_CANCEL) {
		v->searching = false;
		logpane_set_search(&v->logs, NULL);
	}
	return VIEW_REDRAW;
}

static int logs_key(struct container_view *v, enum tui_action a)
{
	struct logpane *lp = &v->logs;
	switch (a) {
	case ACT_UP: logpane_scroll(lp, -1); break;
	case ACT_DOWN: logpane_scroll(lp, 1); break;
	case ACT_PAGE_UP: logpane_scroll(lp, -lp->page); break;
	case ACT_PAGE_DOWN: logpane_scroll(lp, lp->page); break;
	case ACT_TOP: logpane_home(lp); break;
	case ACT_BOTTOM: logpane_end(lp); break;
	case ACT_LOG_FOLLOW:
		if (lp->follow)
			lp->follow = false;
		else
			logpane_end(lp);
		break;
	case ACT_LOG_WRAP: lp->wrap = !lp->wrap; break;
	case ACT_LOG_TIMES: lp->times = !lp->times; break;
	case ACT_LOG_SEARCH:
	case ACT_FILTER:
		v->searching = true;
		lineedit_set(&v->search, lp->search ? lp->search : "");
		break;
	case ACT_LOG_NEXT: logpane_search_next(lp, 1); break;
	case ACT_LOG_PREV: logpane_search_next(lp, -1); break;
	case ACT_LOG_RANGE:
		tui_prompt(v->app, "Which part of the log", "all, last N lines, or since (10m, 2h, a date):",
			   "", range_ok, v, NULL);
		break;
	case ACT_LOG_SAVE: {
		SV_AUTOFREE char *def = sv_xasprintf("%.12s.log", v->id);
		tui_prompt(v->app, "Save the log", "file:", def, save_ok, v, NULL);
		break;
	}
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}


static int scroll_key(int *scroll, enum tui_action a)
{
	switch (a) {
	case ACT_UP: *scroll = *scroll > 0 ? *scroll - 1 : 0; break;
	case ACT_DOWN: (*scroll)++; break;
	case ACT_TOP: *scroll = 0; break;
	case ACT_PAGE_DOWN: *scroll += 10; break;
	case ACT_PAGE_UP: *scroll = *scroll > 10 ? *scroll - 10 : 0; break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}

static void set_tab(struct container_view *v, int tab)
{
	v->tab = (tab + TAB_COUNT) % TAB_COUNT;
	if (v->tab == TAB_TOP)
		load_start(v);
}

static int container_key(void *state, enum tui_action a, tui_key k)
{
	struct container_view *v = state;
	if (v->searching)
		return search_key(v, k);
	if (a == ACT_TAB_NEXT || a == ACT_TAB_PREV || a == ACT_RIGHT || a == ACT_LEFT) {
		set_tab(v, v->tab + (a == ACT_TAB_NEXT || a == ACT_RIGHT ? 1 : -1));
		return VIEW_REDRAW;
	}
	int r = VIEW_IGNORED;
	switch (v->tab) {
	case TAB_LOGS: r = logs_key(v, a); break;
	case TAB_INSPECT: r = view_tree_key(&v->tree, a); break;
	case TAB_TOP: r = scroll_key(&v->top_scroll, a); break;
	case TAB_CONFIG: r = scroll_key(&v->cfg_scroll, a); break;
	default: break;
	}
	if (r != VIEW_IGNORED)
		return r;
	if (a == ACT_LOGS) {
		set_tab(v, TAB_LOGS);
		return VIEW_REDRAW;
	}
	if (a == ACT_INSPECT) {
		set_tab(v, TAB_INSPECT);
		return VIEW_REDRAW;
	}
	return container_actions_key(v->app, a, v->id, str_or(v->inspect, "Name", v->id),
				     str_or(sv_json_obj(v->inspect, "State"), "Status", ""));
}

static int container_mouse(void *state, const struct tui_mouse *m)
{
	struct container_view *v = state;
	if (m->button == 1 && m->y == v->self->rect.y + 1) {
		int t = tabs_hit(v->tab_starts, TAB_COUNT, m->x);
		if (t >= 0)
			set_tab(v, t);
		return VIEW_REDRAW;
	}
	if (m->button == 4 || m->button == 5) {
		enum tui_action a = m->button == 4 ? ACT_UP : ACT_DOWN;
		for (int i = 0; i < 3; i++)
			container_key(v, a, 0);
		return VIEW_REDRAW;
	}
	return VIEW_IGNORED;
}

static void container_on_event(void *state, const struct sv_engine_event *ev)
{
	struct container_view *v = state;
	if (strcmp(ev->type, "container") == 0 && strcmp(ev->actor, v->id) == 0)
		load_start(v);
}

static void container_on_tick(void *state)
{
	load_start(state); /* stats history and processes while it runs */
}

static const char *container_selected_id(void *state)
{
	return ((struct container_view *)state)->id;
}

static const char *const container_scopes[] = { "logs", "tabs", "tree", "containers", "list", "global", NULL };
static const enum tui_action container_hints[] = { ACT_TAB_NEXT, ACT_LOG_FOLLOW, ACT_LOG_SEARCH,
						   ACT_EXEC, ACT_STOP, ACT_BACK, ACT_NONE };

const struct view_ops view_container = {
	.name = "container",
	.title = "Container",
	.scopes = container_scopes,
	.hints = container_hints,
	.init = container_init,
	.free = container_free,
	.draw = container_draw,
	.key = container_key,
	.mouse = container_mouse,
	.on_event = container_on_event,
	.on_tick = container_on_tick,
	.selected_id = container_selected_id,
};
