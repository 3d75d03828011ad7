/*
 * Following the event journal. uv_fs_event watches the directory holding
 * the database; a change to its write-ahead log (any process committing)
 * makes us read the journal after the last seq we saw, on a worker, and
 * hand the new rows to every open view. Reads coalesce: while one is
 * running, further changes only ask for one more. Reading does not write
 * the log, so this never feeds itself; when nothing happens, nothing runs.
 * The same read refreshes the object names the ':' line completes, for
 * each kind of object the new events touched: image names from the start,
 * containers and volumes once the first screen is up (listing them must
 * not delay it), networks when the Networks screen first opens or a
 * network event comes (listing them makes the built-in ones, with their
 * events: not before the user meets networks).
 */
#include "app/tui/app-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app/cli/complete.h"

#define EVENTS_BATCH 1000

struct events_job {
	struct tui_job job;
	struct tui *app;
	bool first; /* only learn the newest seq */
	int64_t after;
	struct sv_engine_event *ev;
	size_t n;
	int64_t last;
	char **names[TUI_NAME_KINDS]; /* for completion, of the kinds that changed */
	bool changed[TUI_NAME_KINDS];
	unsigned want; /* kinds to list now, besides those that changed */
	sv_err *err;
};

static char **image_names(struct tui_backend *b)
{
	struct sv_image_summary *v = NULL;
	size_t n = 0;
	SV_AUTOERR sv_err *err = NULL;
	if (b->ops->images(b, &v, &n, &err) < 0)
		return NULL;
	char **names = sv_xcalloc(1, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; v[i].repo_tags[k]; k++)
			sv_strv_push(&names, v[i].repo_tags[k]);
		char sid[13];
		snprintf(sid, sizeof sid, "%s", v[i].id + 7);
		sv_strv_push(&names, sid);
	}
	sv_image_summaries_free(v, n);
	return names;
}

static char **container_names(struct tui_backend *b)
{
	struct tui_container *v = NULL;
	size_t n = 0;
	SV_AUTOERR sv_err *err = NULL;
	if (b->ops->containers(b, &v, &n, &err) < 0)
		return NULL;
	char **names = sv_xcalloc(1, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		sv_strv_push(&names, v[i].name);
		char sid[13];
		snprintf(sid, sizeof sid, "%.12s", v[i].id);
		sv_strv_push(&names, sid);
	}
	tui_containers_free(v, n);
	return names;
}

static char **volume_names(struct tui_backend *b)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *list = b->ops->volumes(b, &err);
	char **names = cli_complete_json_names(list);
	return names ? names : sv_xcalloc(1, sizeof *names);
}

static char **network_names(struct tui_backend *b)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *list = b->ops->networks(b, &err);
	char **names = cli_complete_json_names(list);
	return names ? names : sv_xcalloc(1, sizeof *names);
}

const char *const tui_name_kinds[TUI_NAME_KINDS] = { "image", "container", "volume", "network" };
static char **(*const name_lists[TUI_NAME_KINDS])(struct tui_backend *b) = {
	image_names, container_names, volume_names, network_names,
};

static void events_work(struct tui_job *j)
{
	struct events_job *e = (struct events_job *)j;
	struct tui_backend *b = &e->app->backend;
	if (e->first) {
		e->last = b->ops->events_last(b, &e->err);
	} else if (b->ops->events(b, e->after, EVENTS_BATCH, &e->ev, &e->n, &e->err) == 0) {
		for (size_t i = 0; i < e->n; i++)
			for (int k = 0; k < TUI_NAME_KINDS; k++)
				e->changed[k] |= strcmp(e->ev[i].type, tui_name_kinds[k]) == 0;
	}
	for (int k = 0; k < TUI_NAME_KINDS; k++) {
		if ((e->want & 1u << k) || e->changed[k])
			e->names[k] = name_lists[k](b);
	}
}

static void events_done(struct tui_job *j)
{
	struct events_job *e = (struct events_job *)j;
	struct tui *app = e->app;
	app->events_busy = false;
	unsigned arrived = 0;
	for (int k = 0; k < TUI_NAME_KINDS; k++) {
		if (e->names[k]) {
			sv_strv_free(app->names[k]);
			app->names[k] = sv_steal_ptr(&e->names[k]);
			arrived |= 1u << k;
		}
	}
	cmdline_names_arrived(app, arrived);
	if (e->err) {
		tui_status(app, TUI_WARN, "reading events: %s", e->err->msg);
		return;
	}
	if (e->first) {
		app->last_seq = e->last > 0 ? e->last : 0;
	} else {
		for (size_t i = 0; i < e->n; i++) {
			app->last_seq = e->ev[i].seq;
			for (int v = 0; v < app->nviews; v++)
				if (app->views[v]->ops->on_event)
					app->views[v]->ops->on_event(app->views[v]->state, &e->ev[i]);
		}
		if (e->n == EVENTS_BATCH)
			app->events_again = true;
	}
	if (app->events_again) {
		app->events_again = false;
		watch_poke(app);
	}
}

static void events_free(struct tui_job *j)
{
	struct events_job *e = (struct events_job *)j;
	if (e->app)
		e->app->events_busy = false;
	sv_engine_events_free(e->ev, e->n);
	for (int k = 0; k < TUI_NAME_KINDS; k++)
		sv_strv_free(e->names[k]);
	sv_err_free(e->err);
	free(e);
}

static void submit_read(struct tui *app, bool first)
{
	struct events_job *e = tui_job_new(sizeof *e, events_work, events_done, events_free);
	e->app = app;
	e->first = first;
	e->after = app->last_seq;
	e->want = first ? 1u << TUI_NAME_IMAGE : app->names_want;
	app->names_want = 0;
	app->events_busy = true;
	tui_submit(app, NULL, &e->job);
}

void tui_refresh(struct tui *app)
{
	watch_poke(app);
}

void watch_names_want(struct tui *app, unsigned kinds)
{
	kinds &= ~app->names_listed;
	if (!kinds)
		return;
	app->names_listed |= kinds;
	app->names_want |= kinds;
	watch_poke(app);
}

void tui_refresh_views(struct tui *app)
{
	watch_poke(app);
	for (int i = 0; i < app->nviews; i++)
		if (app->views[i]->ops->refresh)
			app->views[i]->ops->refresh(app->views[i]->state);
}

void watch_poke(struct tui *app)
{
	if (app->events_busy) {
		app->events_again = true;
		return;
	}
	submit_read(app, false);
}

/* A writer's last write to the log can land before it publishes the
 * commit in the shared index (memory-mapped: no inotify), so a read right
 * after the last change may miss it. One more read a moment after the
 * changes stop catches it; then nothing runs until the next change. */
#define WATCH_SETTLE_MS 60

static void on_settle(uv_timer_t *t)
{
	watch_poke(t->data);
}

static void on_change(uv_fs_event_t *h, const char *filename, int events, int status)
{
	struct tui *app = h->data;
	(void)events;
	if (status < 0)
		return;
	if (filename && strcmp(filename, app->watch_name) != 0 &&
	    !(sv_str_has_prefix(app->watch_name, filename) && strlen(filename) + 4 == strlen(app->watch_name)))
		return; /* another file in the root: not a commit */
	watch_poke(app);
	uv_timer_start(&app->watch_again, on_settle, WATCH_SETTLE_MS, 0);
}

int watch_start(struct tui *app, sv_err **err)
{
	const char *path = app->backend.ops->watch_path(&app->backend);
	const char *slash = strrchr(path, '/');
	if (!slash)
		return sv_err_setx(err, EINVAL, "no directory in %s", path);
	app->watch_dir = sv_xstrndup(path, (size_t)(slash - path));
	app->watch_name = sv_xstrdup(slash + 1);
	submit_read(app, true);
	uv_timer_init(&app->loop, &app->watch_again);
	app->watch_again.data = app;
	int rc = uv_fs_event_init(&app->loop, &app->watch);
	if (rc == 0) {
		app->watch.data = app;
		rc = uv_fs_event_start(&app->watch, on_change, app->watch_dir, 0);
	}
	if (rc < 0)
		return sv_err_setx(err, -rc, "watch %s: %s", app->watch_dir, uv_strerror(rc));
	app->watching = true;
	return 0;
}

void watch_stop(struct tui *app)
{
	if (app->watching) {
		uv_fs_event_stop(&app->watch);
		uv_timer_stop(&app->watch_again);
	}
	app->watching = false;
	free(app->watch_dir);
	free(app->watch_name);
	app->watch_dir = app->watch_name = NULL;
}
