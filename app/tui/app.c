/*
 * The loop. One uv loop on the main thread: stdin through uv_poll,
 * SIGWINCH/SIGTERM/SIGHUP through uv_signal, ticks and message expiry
 * through uv_timer (running only while something needs them), worker
 * results through the pool's uv_async, other processes' changes through
 * uv_fs_event on the database's directory. Handlers only change state and
 * mark the app dirty; a uv_prepare handle draws once per loop turn, just
 * before the loop sleeps, and only when dirty. An idle app has no timer
 * armed and writes nothing.
 */
#include "app/tui/app-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "views/views.h"

/* ------------------------------------------------------------ accessors */

const struct tui_config *tui_config(struct tui *app)
{
	return &app->cfg;
}

const struct keymap *tui_keymap(struct tui *app)
{
	return &app->cfg.keys;
}

struct tui_backend *tui_backend(struct tui *app)
{
	return &app->backend;
}

tui_pool *tui_pool_of(struct tui *app)
{
	return app->pool;
}

void tui_dirty(struct tui *app)
{
	app->dirty = true;
}

void tui_cursor(struct tui *app, int x, int y)
{
	app->cursor_x = x;
	app->cursor_y = y;
}

void tui_request_quit(struct tui *app, int status)
{
	app->quit = true;
	app->exit_status = status;
	app->dirty = true;
}

enum theme_role tui_state_role(const char *state)
{
	static const struct {
		const char *state;
		enum theme_role role;
	} map[] = {
		{ "running", ROLE_STATE_RUNNING }, { "paused", ROLE_STATE_PAUSED },
		{ "exited", ROLE_STATE_EXITED },   { "created", ROLE_STATE_CREATED },
		{ "dead", ROLE_STATE_DEAD },	   { "restarting", ROLE_STATE_RESTARTING },
		{ "removing", ROLE_STATE_DEAD },
	};
	for (size_t i = 0; state && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].state, state) == 0)
			return map[i].role;
	return ROLE_DEFAULT;
}

/* ---------------------------------------------------------------- status */

static void on_status_expire(uv_timer_t *h)
{
	struct tui *app = h->data;
	app->status_on = false;
	app->dirty = true;
}

void tui_status(struct tui *app, enum tui_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->status, sizeof app->status, fmt, ap);
	va_end(ap);
	for (char *p = app->status; *p; p++) /* one line */
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	app->status_level = level;
	app->status_on = true;
	app->dirty = true;
	/* An error stays until the next key or click (status_dismiss). */
	if (level == TUI_ERROR)
		uv_timer_stop(&app->status_timer);
	else
		uv_timer_start(&app->status_timer, on_status_expire, TUI_STATUS_MS, 0);
}

/* A key or click dismisses an error left in the status bar. */
static void status_dismiss(struct tui *app)
{
	if (app->status_on && app->status_level == TUI_ERROR)
		app->status_on = false;
}

/* ----------------------------------------------------------------- views */

struct view *tui_top(struct tui *app)
{
	return app->nviews ? app->views[app->nviews - 1] : NULL;
}

static bool view_alive(struct tui *app, uint64_t id)
{
	for (int i = 0; i < app->nviews; i++)
		if (app->views[i]->id == id)
			return true;
	return false;
}

static void on_tick(uv_timer_t *h)
{
	struct tui *app = h->data;
	for (int i = 0; i < app->nviews; i++)
		if (app->views[i]->wants_tick && app->views[i]->ops->on_tick)
			app->views[i]->ops->on_tick(app->views[i]->state);
}

void tui_want_tick(struct tui *app, struct view *v, bool on)
{
	v->wants_tick = on;
	bool want = false;
	for (int i = 0; i < app->nviews; i++)
		want |= app->views[i]->wants_tick;
	uint64_t ms = (uint64_t)(app->cfg.refresh * 1000);
	if (want && !uv_is_active((uv_handle_t *)&app->tick))
		uv_timer_start(&app->tick, on_tick, ms, ms);
	else if (!want)
		uv_timer_stop(&app->tick);
}

static void view_free(struct tui *app, struct view *v)
{
	tui_pool_cancel_owner(app->pool, v->id);
	v->ops->free(v->state);
	free(v);
}

void tui_push(struct tui *app, const struct view_ops *ops, const char *arg)
{
	if (app->nviews == TUI_MAX_VIEWS) {
		tui_status(app, TUI_WARN, "too many screens open; press Esc to close some");
		return;
	}
	struct view *v = sv_xcalloc(1, sizeof *v);
	v->ops = ops;
	v->app = app;
	v->id = ++app->next_view_id;
	app->views[app->nviews++] = v;
	v->state = ops->init(app, v, arg);
	app->dirty = true;
}

void tui_pop(struct tui *app)
{
	if (app->nviews <= 1)
		return;
	struct view *v = app->views[--app->nviews];
	view_free(app, v);
	struct view *top = app->views[app->nviews - 1];
	tui_want_tick(app, top, top->wants_tick);
	if (top->ops->on_show)
		top->ops->on_show(top->state);
	app->dirty = true;
}

void tui_switch(struct tui *app, const struct view_ops *ops)
{
	if (app->nviews == 1 && app->views[0]->ops == ops)
		return;
	while (app->nviews > 0)
		view_free(app, app->views[--app->nviews]);
	uv_timer_stop(&app->tick);
	tui_push(app, ops, NULL);
	if (ops == &view_networks && app->watching)
		watch_names_want(app, 1u << TUI_NAME_NETWORK);
}

void tui_submit(struct tui *app, struct view *owner, struct tui_job *job)
{
	job->owner = owner ? owner->id : 0;
	job->ctx = app;
	tui_pool_submit(app->pool, job);
}

/* Loop thread: a finished job or a progress message. */
static void deliver(struct tui_job *j, void *arg)
{
	struct tui *app = arg;
	bool alive = j->owner == 0 || view_alive(app, j->owner);
	if (alive && !atomic_load(&j->cancel) && j->done)
		j->done(j);
	tui_job_free(j);
	app->dirty = true;
}

/* ---------------------------------------------------------------- modals */

void tui_modal(struct tui *app, const struct modal_ops *ops, void *m)
{
	if (app->nmodals == TUI_MAX_MODALS) {
		ops->free(m);
		return;
	}
	app->modals[app->nmodals++] = (struct tui_modal){ ops, m };
	app->dirty = true;
}

/* Closes modal i (a modal's key handler may have opened another above
 * it: that one stays). */
static void modal_close(struct tui *app, int i)
{
	struct tui_modal md = app->modals[i];
	memmove(&app->modals[i], &app->modals[i + 1], (size_t)(app->nmodals - i - 1) * sizeof md);
	app->nmodals--;
	md.ops->free(md.m);
	app->dirty = true;
}

static void modal_pop(struct tui *app)
{
	modal_close(app, app->nmodals - 1);
}

/* ------------------------------------------------------------------ keys */

static const char *const global_scopes[] = { "global", NULL };

static void copy_selected(struct tui *app)
{
	struct view *v = tui_top(app);
	if (!v)
		return;
	const char *id = v->ops->selected_id ? v->ops->selected_id(v->state) : NULL;
	if (!id) {
		tui_status(app, TUI_WARN, "nothing selected to copy");
		return;
	}
	if (app->term)
		term_copy(app->term, id);
	tui_status(app, TUI_INFO, "copied %.*s to the clipboard", 64, id);
}

static void global_action(struct tui *app, enum tui_action a)
{
	switch (a) {
	case ACT_QUIT:
		if (app->nviews > 1)
			tui_pop(app);
		else
			tui_request_quit(app, 0);
		break;
	case ACT_BACK: tui_pop(app); break;
	case ACT_HELP: modal_help_open(app); break;
	case ACT_COMMAND: cmdline_open(app, ""); break;
	case ACT_REDRAW:
		if (app->term)
			term_invalidate(app->term);
		break;
	case ACT_MOUSE:
		app->cfg.mouse = !app->cfg.mouse;
		if (app->term)
			term_set_mouse(app->term, app->cfg.mouse);
		tui_status(app, TUI_INFO, "mouse %s", app->cfg.mouse ? "on" : "off: select text freely");
		break;
	case ACT_COPY: copy_selected(app); break;
	case ACT_VIEW_CONTAINERS: tui_switch(app, &view_containers); break;
	case ACT_VIEW_IMAGES: tui_switch(app, &view_images); break;
	case ACT_VIEW_EVENTS: tui_switch(app, &view_events); break;
	case ACT_VIEW_VOLUMES: tui_switch(app, &view_volumes); break;
	case ACT_VIEW_NETWORKS: tui_switch(app, &view_networks); break;
	default: break;
	}
	app->dirty = true;
}

static void handle_mouse(struct tui *app, const struct tui_mouse *m)
{
	if (m->y == 0 && m->button == 1) { /* the title bar's tabs */
		static const struct view_ops *const tabs[] = { &view_containers, &view_images,
							       &view_volumes, &view_networks,
							       &view_events };
		int idx = chrome_title_hit(app, m->x);
		if (idx >= 0 && idx < 5)
			tui_switch(app, tabs[idx]);
		return;
	}
	struct view *v = tui_top(app);
	if (v && v->ops->mouse && v->ops->mouse(v->state, m) != VIEW_IGNORED)
		app->dirty = true;
}

static void trace(struct tui *app, const char *fmt, ...) SV_PRINTF(2, 3);
static void trace(struct tui *app, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof line)
		(void)sv_write_all(app->trace_fd, line, (size_t)n);
}

void tui_dispatch(struct tui *app, enum tui_action a)
{
	struct view *v = tui_top(app);
	if (!v)
		return;
	int r = v->ops->key(v->state, a, 0);
	if (r & VIEW_POP)
		tui_pop(app);
	if (r == VIEW_IGNORED)
		global_action(app, a);
	app->dirty = true;
}

static void handle_key(struct tui *app, tui_key k, const struct tui_mouse *m)
{
	app->dirty = true;
	if (app->trace_fd >= 0 && !app->key_ns)
		app->key_ns = sv_time_mono_ns();
	status_dismiss(app);
	if (app->nmodals) {
		int i = app->nmodals - 1;
		struct tui_modal md = app->modals[i];
		int r = k != KEYC_MOUSE ? md.ops->key(md.m, k) : md.ops->mouse ? md.ops->mouse(md.m, m) : VIEW_IGNORED;
		if ((r & VIEW_POP) || (r == VIEW_IGNORED && (k == KEYC_ESC || k == 'q')))
			modal_close(app, i);
		return;
	}
	if (app->cmd_active) {
		cmdline_key(app, k);
		return;
	}
	if (k == KEYC_MOUSE) {
		handle_mouse(app, m);
		return;
	}
	struct view *v = tui_top(app);
	if (!v)
		return;
	enum tui_action a = keymap_lookup(&app->cfg.keys, v->ops->scopes, k);
	if (a == ACT_NONE)
		a = keymap_lookup(&app->cfg.keys, global_scopes, k);
	int r = v->ops->key(v->state, a, k);
	if (r & VIEW_POP)
		tui_pop(app);
	if (r != VIEW_IGNORED)
		return;
	global_action(app, a);
}

static void on_input(uv_poll_t *h, int status, int events)
{
	struct tui *app = h->data;
	(void)events;
	if (status < 0) {
		tui_request_quit(app, 1);
		return;
	}
	struct tui_mouse m = { 0 };
	tui_key k;
	while (!app->quit && (k = term_read_key(app->term, &m)) != KEYC_NONE)
		handle_key(app, k, &m);
}

/* ------------------------------------------------------------------ draw */

static void draw_too_small(struct tui *app, struct canvas *c)
{
	char msg[96];
	snprintf(msg, sizeof msg, "terminal too small (%dx%d, need %dx%d)", c->w, c->h, TUI_MIN_W,
		 TUI_MIN_H);
	canvas_text(c, 0, 0, c->w, ROLE_STATUS_WARN, msg);
	(void)app;
}

static void render(struct tui *app)
{
	struct canvas *c = &app->canvas;
	canvas_clear(c, ROLE_DEFAULT);
	app->cursor_x = app->cursor_y = -1;
	if (c->w < TUI_MIN_W || c->h < TUI_MIN_H) {
		draw_too_small(app, c);
		return;
	}
	chrome_draw_title(app, c);
	struct view *v = tui_top(app);
	if (v) {
		v->rect = rect_make(0, 1, c->w, c->h - 2);
		v->ops->draw(v->state, c, v->rect);
	}
	if (app->cmd_active)
		cmdline_draw(app, c);
	else
		chrome_draw_status(app, c);
	struct rect screen = rect_make(0, 0, c->w, c->h);
	for (int i = 0; i < app->nmodals; i++)
		app->modals[i].ops->draw(app->modals[i].m, c, screen);
}

/* After a frame: how long since the key that caused it, and (once) how
 * long from start to the first frame with every load done. */
static void trace_frame(struct tui *app)
{
	int64_t now = sv_time_mono_ns();
	if (app->key_ns) {
		trace(app, "key %lld\n", (long long)((now - app->key_ns) / 1000));
		app->key_ns = 0;
	}
	if (!app->settled_once && !tui_pool_pending(app->pool) && !app->events_busy) {
		app->settled_once = true;
		trace(app, "first %lld\n", (long long)((now - app->start_ns) / 1000));
	}
}

static void feed_next(uv_timer_t *h);

/* Headless: one more frame, whether or not anything changed. */
static void next_frame(uv_timer_t *h)
{
	((struct tui *)h->data)->dirty = true;
}

static void after_frame_headless(struct tui *app)
{
	if (tui_pool_pending(app->pool) || app->events_busy)
		return; /* not settled: a result will wake us */
	if (app->feed_pos && *app->feed_pos) {
		uv_timer_start(&app->feed, feed_next, 0, 0);
		return;
	}
	if (app->opts.iterations > 0 && ++app->frames >= app->opts.iterations)
		tui_request_quit(app, app->exit_status);
	else
		uv_timer_start(&app->feed, next_frame, 0, 0);
}

static void on_prepare(uv_prepare_t *h)
{
	struct tui *app = h->data;
	if (app->quit) {
		uv_stop(&app->loop);
		return;
	}
	if (!app->dirty)
		return;
	app->dirty = false;
	render(app);
	if (app->term)
		term_flush(app->term, &app->canvas, app->cursor_x, app->cursor_y);
	if (app->trace_fd >= 0)
		trace_frame(app);
	if (!app->names_asked && app->watching && !tui_pool_pending(app->pool) && !app->events_busy) {
		app->names_asked = true; /* after the first screen, not before it */
		unsigned kinds = 1u << TUI_NAME_CONTAINER | 1u << TUI_NAME_VOLUME;
		if (app->nviews && app->views[0]->ops == &view_networks) /* "view": "networks" */
			kinds |= 1u << TUI_NAME_NETWORK;
		watch_names_want(app, kinds);
	}
	if (app->opts.iterations > 0 || app->opts.headless_w > 0)
		after_frame_headless(app);
	if (app->quit)
		uv_stop(&app->loop);
}

/* Headless: the next whitespace-separated key name from --keys; a word
 * that is not a key name is typed character by character. */
static void feed_next(uv_timer_t *h)
{
	struct tui *app = h->data;
	const char *p = app->feed_pos;
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, " ");
	char word[64];
	snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), p);
	app->feed_pos = p + n;
	struct tui_mouse m = { 0 };
	tui_key k = keymap_key_from_name(word);
	if (k != KEYC_NONE) {
		handle_key(app, k, &m);
	} else {
		for (const char *s = word; *s;) {
			uint32_t cp;
			s += utf8_decode(s, &cp);
			handle_key(app, cp, &m);
		}
	}
	app->dirty = true;
}

/* --------------------------------------------------------------- signals */

static void resized(struct tui *app)
{
	int w, hh;
	term_size(app->term, &w, &hh);
	canvas_resize(&app->canvas, w, hh);
	app->dirty = true;
}

static void on_winch(uv_signal_t *h, int sig)
{
	struct tui *app = h->data;
	(void)sig;
	if (!app->term)
		return;
	term_resize(app->term);
	resized(app);
}

void tui_handoff(struct tui *app, char **argv)
{
	SV_AUTOFREE char *line = sv_strv_join(argv, " ");
	if (!app->term) {
		tui_status(app, TUI_ERROR, "%s: needs a terminal", line);
	} else if (app->cmd_running) {
		/* The command table parses with getopt, one command at a time. */
		tui_status(app, TUI_WARN, "a ':' command is still running; try again when it ends");
	} else {
		term_suspend(app->term);
		printf("servin-desktop: %s\n(the screen comes back when it ends)\n", line);
		fflush(stdout);
		struct cli_ctx ctx = app->cli;
		ctx.out = stdout;
		ctx.err = stderr;
		ctx.interactive = true;
		ctx.in_batch = false;
		int rc = cli_dispatch(&ctx, (int)sv_strv_len(argv), argv);
		fflush(stdout);
		fflush(stderr);
		term_resume(app->term);
		uv_update_time(&app->loop); /* the loop slept through it: timers count from now */
		resized(app);
		tui_status(app, rc ? TUI_WARN : TUI_INFO, "%s ended (exit %d)", line, rc);
	}
	sv_strv_free(argv);
}

static void on_terminate(uv_signal_t *h, int sig)
{
	struct tui *app = h->data;
	tui_request_quit(app, 128 + sig);
}

/* ------------------------------------------------------------- lifecycle */

static void log_to_file(enum sv_log_level level, const char *msg, void *arg)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	int fd = (int)(intptr_t)arg;
	char line[1024];
	int n = snprintf(line, sizeof line, "servin-desktop[%d]: %s: %s\n", (int)getpid(),
			 names[level], msg);
	if (n > 0)
		(void)sv_write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int open_log(void)
{
	SV_AUTOFREE char *path = cli_user_file("state", "desktop.log", true);
	return path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
}

static int handles_init(struct tui *app, sv_err **err)
{
	uv_loop_t *l = &app->loop;
	int rc = uv_loop_init(l);
	if (rc < 0)
		return sv_err_setx(err, -rc, "uv_loop_init: %s", uv_strerror(rc));
	uv_prepare_init(l, &app->draw);
	uv_timer_init(l, &app->tick);
	uv_timer_init(l, &app->status_timer);
	uv_timer_init(l, &app->feed);
	uv_signal_init(l, &app->winch);
	uv_signal_init(l, &app->term_sig);
	uv_signal_init(l, &app->hup_sig);
	uv_handle_t *hs[] = { (uv_handle_t *)&app->draw,     (uv_handle_t *)&app->tick,
			      (uv_handle_t *)&app->status_timer, (uv_handle_t *)&app->feed,
			      (uv_handle_t *)&app->winch,    (uv_handle_t *)&app->term_sig,
			      (uv_handle_t *)&app->hup_sig };
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		hs[i]->data = app;
	/* Our SIGWINCH handler exists before curses starts, so ncurses
	 * leaves resizing to us (resizeterm in on_winch). */
	uv_signal_start(&app->winch, on_winch, SIGWINCH);
	uv_signal_start(&app->term_sig, on_terminate, SIGTERM);
	uv_signal_start(&app->hup_sig, on_terminate, SIGHUP);
	uv_prepare_start(&app->draw, on_prepare);
	return tui_pool_new(l, 3, deliver, app, &app->pool, err);
}

static int open_engine(struct tui *app, sv_err **err)
{
	struct sv_engine_opts o = { .root = app->opts.root,
				    .runroot = app->opts.runroot,
				    .self_exe = app->opts.argv0 };
	if (sv_engine_open(&o, &app->engine, err) < 0)
		return -1;
	if (app->opts.fake_containers)
		tui_backend_fake_init(&app->backend, app->engine, app->opts.fake_containers);
	else
		tui_backend_engine_init(&app->backend, app->engine);
	app->cli = (struct cli_ctx){
		.root = app->opts.root,
		.runroot = app->opts.runroot,
		.argv0 = app->opts.argv0,
		.engine = app->engine,
		.in_batch = true,
		.log_level = SV_LOG_WARN,
	};
	return 0;
}

static const struct view_ops *first_view(struct tui *app)
{
	const char *v = app->cfg.view;
	if (strcmp(v, "images") == 0)
		return &view_images;
	if (strcmp(v, "events") == 0)
		return &view_events;
	if (strcmp(v, "volumes") == 0)
		return &view_volumes;
	if (strcmp(v, "networks") == 0)
		return &view_networks;
	if (strcmp(v, "containers") != 0)
		tui_status(app, TUI_WARN, "settings: unknown view \"%s\"", v);
	return &view_containers;
}

static void load_settings(struct tui *app, struct sv_buf *problems)
{
	SV_AUTOERR sv_err *err = NULL;
	tui_config_init(&app->cfg);
	if (tui_config_load(&app->cfg, app->opts.config_path, &err) < 0)
		sv_buf_addf(problems, "%s", err->msg);
	sv_err_clear(&err);
	const char *th = app->opts.theme ? app->opts.theme : app->cfg.theme;
	if (getenv("NO_COLOR") && *getenv("NO_COLOR") && !app->opts.theme)
		th = "monochrome";
	if (theme_load(th, &app->theme, &err) < 0)
		sv_buf_addf(problems, "%s%s", problems->len ? " | " : "", err->msg);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void teardown(struct tui *app)
{
	while (app->nmodals)
		modal_pop(app);
	while (app->nviews)
		view_free(app, app->views[--app->nviews]);
	watch_stop(app);
	/* A log follower blocked in the engine keeps the engine: leave both to
	 * the process exit rather than free them under it. */
	bool clean = tui_pool_free(app->pool);
	uv_walk(&app->loop, close_walk, NULL);
	uv_run(&app->loop, UV_RUN_DEFAULT);
	uv_loop_close(&app->loop);
	term_close(app->term);
	app->term = NULL;
	cmdline_release(app);
	if (clean) {
		tui_backend_release(&app->backend);
		sv_engine_free(app->engine);
	}
	tui_config_release(&app->cfg);
	canvas_release(&app->canvas);
	for (int k = 0; k < TUI_NAME_KINDS; k++)
		sv_strv_free(app->names[k]);
}

static int start_screen(struct tui *app, sv_err **err)
{
	if (app->opts.headless_w > 0) {
		canvas_init(&app->canvas, app->opts.headless_w, app->opts.headless_h, app->opts.ascii);
		app->feed_pos = app->opts.keys;
		return 0;
	}
	struct term_opts to = { .ascii = app->opts.ascii,
				.no_color = app->opts.no_color,
				.mouse = app->cfg.mouse && !app->opts.no_mouse };
	app->cfg.mouse = to.mouse;
	if (term_open(&to, &app->term, err) < 0)
		return -1;
	term_set_theme(app->term, &app->theme);
	int w, h;
	term_size(app->term, &w, &h);
	canvas_init(&app->canvas, w, h, term_ascii(app->term));
	uv_poll_init(&app->loop, &app->input, term_input_fd(app->term));
	app->input.data = app;
	uv_poll_start(&app->input, UV_READABLE, on_input);
	return 0;
}

int tui_main(const struct tui_opts *o);
int tui_main(const struct tui_opts *o)
{
	struct tui *app = sv_xcalloc(1, sizeof *app);
	app->opts = *o;
	app->start_ns = sv_time_mono_ns();
	const char *tr = getenv("SERVIN_DESKTOP_TRACE");
	app->trace_fd = tr && *tr ? open(tr, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
	struct sv_buf problems;
	sv_buf_init(&problems);
	load_settings(app, &problems);
	int logfd = open_log();
	sv_log_set_sink(logfd >= 0 ? log_to_file : NULL, (void *)(intptr_t)logfd, SV_LOG_INFO);
	SV_AUTOERR sv_err *err = NULL;
	int rc = 0;
	if (open_engine(app, &err) < 0 || handles_init(app, &err) < 0 || start_screen(app, &err) < 0) {
		/* Curses is not running (or already ended): stderr is fine. */
		teardown(app);
		fprintf(stderr, "servin-desktop: %s\n", err->msg);
		rc = 1;
		goto out;
	}
	cmdline_history_load(app);
	tui_push(app, first_view(app), NULL);
	if (problems.len)
		tui_status(app, TUI_ERROR, "%s", problems.data);
	if (watch_start(app, &err) < 0)
		tui_status(app, TUI_WARN, "changes made elsewhere will not show: %s", err->msg);
	app->dirty = true;
	uv_run(&app->loop, UV_RUN_DEFAULT);
	rc = app->exit_status;
	char *dump = app->opts.dump ? canvas_dump(&app->canvas) : NULL;
	teardown(app);
	if (dump) {
		fputs(dump, stdout);
		free(dump);
	}
out:
	sv_log_set_sink(NULL, NULL, SV_LOG_ERROR);
	if (logfd >= 0)
		close(logfd);
	sv_buf_release(&problems);
	if (app->trace_fd >= 0)
		close(app->trace_fd);
	free(app);
	return rc;
}
