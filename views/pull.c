/*
 * Pull progress: one bar per layer (waiting, downloading with bytes and a
 * gauge, extracting, complete, already there), and the overall state.
 * The pull runs on a thread of its own; its progress lands in a shared
 * table under a mutex and wakes the loop at most ten times a second. Esc
 * leaves the screen with the pull going on in the background (the status
 * bar reports its end); c cancels it.
 */
#include "views/views.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/spark.h"

#define PULL_MAX_LAYERS 128
#define PULL_WAKE_NS 100000000 /* 10 Hz */

struct layer {
	char id[32];
	char status[32];
	int64_t current, total;
};

struct pull_state {
	pthread_mutex_t mu;
	int refs;
	char *ref;
	struct layer layers[PULL_MAX_LAYERS];
	int nlayers;
	char overall[64];
	int64_t last_wake;
	bool woken;
	volatile bool cancel;
	bool finished;
	int rc;
	char *error, *familiar;
	bool up_to_date;
};

static void state_unref(struct pull_state *s)
{
	pthread_mutex_lock(&s->mu);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&s->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s->ref);
	free(s->error);
	free(s->familiar);
	free(s);
}

struct pull_job {
	struct tui_job job;
	struct tui *app;
	struct pull_state *s;
	uint64_t view; /* the screen showing it, for progress messages */
};

struct wake_msg {
	struct tui_job job;
	struct pull_state *s;
};

static void wake_done(struct tui_job *j)
{
	struct wake_msg *m = (struct wake_msg *)j;
	pthread_mutex_lock(&m->s->mu);
	m->s->woken = false;
	pthread_mutex_unlock(&m->s->mu);
}

static void wake_free(struct tui_job *j)
{
	struct wake_msg *m = (struct wake_msg *)j;
	state_unref(m->s);
	free(m);
}

static void on_progress(const struct sv_progress *p, void *arg)
{
	struct pull_job *pj = arg;
	struct pull_state *s = pj->s;
	pthread_mutex_lock(&s->mu);
	if (!p->id || !*p->id) {
		snprintf(s->overall, sizeof s->overall, "%s", p->status ? p->status : "");
	} else {
		int i = 0;
		while (i < s->nlayers && strcmp(s->layers[i].id, p->id) != 0)
			i++;
		if (i == s->nlayers && s->nlayers < PULL_MAX_LAYERS)
			snprintf(s->layers[s->nlayers++].id, sizeof s->layers[0].id, "%s", p->id);
		if (i < s->nlayers) {
			struct layer *l = &s->layers[i];
			snprintf(l->status, sizeof l->status, "%s", p->status ? p->status : "");
			l->current = p->current;
			l->total = p->total;
		}
	}
	int64_t now = sv_time_mono_ns();
	bool wake = !s->woken && now - s->last_wake >= PULL_WAKE_NS;
	if (wake) {
		s->woken = true;
		s->last_wake = now;
		s->refs++;
	}
	pthread_mutex_unlock(&s->mu);
	if (wake) {
		struct wake_msg *m = tui_job_new(sizeof *m, NULL, wake_done, wake_free);
		m->s = s;
		tui_pool_post(tui_pool_of(pj->app), &m->job);
	}
}

static void pull_work(struct tui_job *j)
{
	struct pull_job *pj = (struct pull_job *)j;
	struct tui_backend *b = tui_backend(pj->app);
	SV_AUTOERR sv_err *err = NULL;
	char *fam = NULL;
	bool up = false;
	int rc = b->ops->image_pull(b, pj->s->ref, on_progress, pj, &pj->s->cancel, &fam, &up, &err);
	pthread_mutex_lock(&pj->s->mu);
	pj->s->rc = rc;
	pj->s->error = err ? sv_xstrdup(err->msg) : NULL;
	pj->s->familiar = fam;
	pj->s->up_to_date = up;
	pj->s->finished = true;
	pthread_mutex_unlock(&pj->s->mu);
}

static void pull_done(struct tui_job *j)
{
	struct pull_job *pj = (struct pull_job *)j;
	struct pull_state *s = pj->s;
	if (s->rc < 0 && s->cancel)
		tui_status(pj->app, TUI_WARN, "pull of %s cancelled", s->ref);
	else if (s->rc < 0)
		tui_status(pj->app, TUI_ERROR, "pull %s: %s", s->ref, s->error ? s->error : "failed");
	else
		tui_status(pj->app, TUI_INFO, "%s: %s", s->familiar ? s->familiar : s->ref,
			   s->up_to_date ? "image is up to date" : "pulled");
	tui_refresh(pj->app);
}

static void pull_free(struct tui_job *j)
{
	struct pull_job *pj = (struct pull_job *)j;
	state_unref(pj->s);
	free(pj);
}

/* ------------------------------------------------------------------- view */

struct pull_view {
	struct tui *app;
	struct view *self;
	struct pull_state *s;
};

static void *pull_init(struct tui *app, struct view *self, const char *arg)
{
	struct pull_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	struct pull_state *s = sv_xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	s->refs = 2; /* the view and the job */
	s->ref = sv_xstrdup(arg ? arg : "");
	snprintf(s->overall, sizeof s->overall, "Resolving %s", s->ref);
	v->s = s;
	struct pull_job *pj = tui_job_new(sizeof *pj, pull_work, pull_done, pull_free);
	pj->app = app;
	pj->s = s;
	pj->job.owner = 0; /* its end is reported even after the screen closed */
	pj->job.ctx = app;
	tui_pool_spawn(tui_pool_of(app), &pj->job);
	return v;
}

static void pull_view_free(void *state)
{
	struct pull_view *v = state;
	state_unref(v->s);
	free(v);
}

static void draw_layer(struct canvas *c, struct rect r, int y, const struct layer *l)
{
	char sz[64], a[16], b[16];
	canvas_field(c, r.x + 1, y, 14, ROLE_DEFAULT, l->id);
	canvas_field(c, r.x + 16, y, 18, ROLE_DIM, l->status);
	bool bar = l->total > 0 && (strcmp(l->status, "Downloading") == 0 || strcmp(l->status, "Extracting") == 0);
	int bx = r.x + 35, bw = r.w - 36 - 22;
	if (bar && bw > 4) {
		gauge_draw(c, rect_make(bx, y, bw, 1), (double)l->current / (double)l->total, NULL);
		snprintf(sz, sizeof sz, "%s / %s", sv_str_human_size(l->current, a, sizeof a),
			 sv_str_human_size(l->total, b, sizeof b));
		canvas_field_right(c, bx + bw + 1, y, 20, ROLE_DEFAULT, sz);
	} else if (strcmp(l->status, "Pull complete") == 0 || strcmp(l->status, "Already exists") == 0) {
		canvas_text(c, bx, y, r.x + r.w - bx, ROLE_STATE_RUNNING, "done");
	}
}

static void pull_draw(void *state, struct canvas *c, struct rect r)
{
	struct pull_view *v = state;
	struct pull_state *s = v->s;
	pthread_mutex_lock(&s->mu);
	char head[256];
	snprintf(head, sizeof head, " Pulling %s", s->ref);
	canvas_field(c, r.x, r.y, r.w, ROLE_HEADER, head);
	int y = r.y + 2;
	for (int i = 0; i < s->nlayers && y < r.y + r.h - 2; i++, y++)
		draw_layer(c, r, y, &s->layers[i]);
	y++;
	if (s->finished && s->rc < 0 && s->cancel)
		canvas_field(c, r.x + 1, y, r.w - 2, ROLE_STATUS_WARN, "Cancelled: nothing of it was kept.");
	else if (s->finished && s->rc < 0)
		canvas_field(c, r.x + 1, y, r.w - 2, ROLE_STATUS_ERROR, s->error ? s->error : "failed");
	else if (s->finished)
		canvas_printf(c, r.x + 1, y, r.w - 2, ROLE_STATE_RUNNING, "%s: %s",
			      s->familiar ? s->familiar : s->ref,
			      s->up_to_date ? "image is up to date" : "downloaded");
	else
		canvas_field(c, r.x + 1, y, r.w - 2, ROLE_DIM,
			     s->cancel ? "cancelling..." : s->overall);
	pthread_mutex_unlock(&s->mu);
}

static int pull_key(void *state, enum tui_action a, tui_key k)
{
	struct pull_view *v = state;
	if (k == 'c' && !v->s->finished) {
		v->s->cancel = true;
		return VIEW_REDRAW;
	}
	return a == ACT_BACK ? VIEW_POP : VIEW_IGNORED;
}

static const char *const pull_scopes[] = { "global", NULL };
static const enum tui_action pull_hints[] = { ACT_BACK, ACT_NONE };

const struct view_ops view_pull = {
	.name = "pull",
	.title = "Pull",
	.scopes = pull_scopes,
	.hints = pull_hints,
	.init = pull_init,
	.free = pull_view_free,
	.draw = pull_draw,
	.key = pull_key,
};
