/*
 * One container. The overview says what it is and, for a stopped one, why
 * it stopped (exit code, status). It reloads when the journal mentions the
 * container.
 */
#include "views/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct container_view {
	struct tui *app;
	struct view *self;
	char *id;
	struct tui_container ct;
	bool have, loading;
	char *error;
};

struct load_job {
	struct tui_job job;
	struct container_view *v;
	struct tui_backend *b;
	char *id;
	struct tui_container *cts;
	size_t n;
	sv_err *err;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	l->b->ops->containers(l->b, &l->cts, &l->n, &l->err);
}

static void ct_release(struct tui_container *c)
{
	free(c->name);
	free(c->image);
	free(c->command);
	free(c->state);
	free(c->status);
	free(c->ports);
	sv_strv_free(c->labels);
	memset(c, 0, sizeof *c);
}

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct container_view *v = l->v;
	v->loading = false;
	free(v->error);
	v->error = l->err ? sv_xstrdup(l->err->msg) : NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->cts[i].id, v->id) != 0)
			continue;
		ct_release(&v->ct);
		v->ct = l->cts[i];
		memset(&l->cts[i], 0, sizeof l->cts[i]);
		v->have = true;
		return;
	}
	if (!l->err) {
		v->have = false;
		v->error = sv_xasprintf("No such container: %s", v->id);
	}
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	tui_containers_free(l->cts, l->n);
	sv_err_free(l->err);
	free(l->id);
	free(l);
}

static void load_start(struct container_view *v)
{
	if (v->loading)
		return;
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->v = v;
	l->b = tui_backend(v->app);
	v->loading = true;
	tui_submit(v->app, v->self, &l->job);
}

static void *container_init(struct tui *app, struct view *self, const char *arg)
{
	struct container_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	v->id = sv_xstrdup(arg ? arg : "");
	load_start(v);
	return v;
}

static void container_free(void *state)
{
	struct container_view *v = state;
	ct_release(&v->ct);
	free(v->error);
	free(v->id);
	free(v);
}

static int field(struct canvas *c, struct rect r, int y, const char *name, const char *value,
		 enum theme_role role)
{
	if (y >= r.y + r.h)
		return y;
	canvas_field(c, r.x + 1, y, 14, ROLE_HEADER, name);
	canvas_field(c, r.x + 16, y, r.w - 17, role, value ? value : "");
	return y + 1;
}

static void container_draw(void *state, struct canvas *c, struct rect r)
{
	struct container_view *v = state;
	if (!v->have) {
		canvas_text(c, r.x + 1, r.y + 1, r.w - 2, v->error ? ROLE_STATUS_ERROR : ROLE_DIM,
			    v->error ? v->error : "loading...");
		return;
	}
	const struct tui_container *ct = &v->ct;
	char buf[128];
	int y = r.y + 1;
	y = field(c, r, y, "Name", ct->name, ROLE_DEFAULT);
	y = field(c, r, y, "ID", ct->id, ROLE_DEFAULT);
	y = field(c, r, y, "Image", ct->image, ROLE_DEFAULT);
	y = field(c, r, y, "Command", ct->command, ROLE_DEFAULT);
	y = field(c, r, y, "State", ct->state, tui_state_role(ct->state));
	y = field(c, r, y, "Status", ct->status, ROLE_DEFAULT);
	y = field(c, r, y, "Created", view_fmt_time(ct->created, buf, sizeof buf), ROLE_DEFAULT);
	y = field(c, r, y, "Ports", ct->ports, ROLE_DEFAULT);
	SV_AUTOFREE char *labels = sv_strv_join(ct->labels, ", ");
	y = field(c, r, y, "Labels", labels, ROLE_DEFAULT);
	if (strcmp(ct->state, "exited") == 0 || strcmp(ct->state, "dead") == 0) {
		y++;
		snprintf(buf, sizeof buf, "exited with code %d%s", ct->exit_code,
			 ct->exit_code == 137 ? " (killed: SIGKILL or out of memory)" : "");
		field(c, r, y, "Why it stopped", buf, ROLE_STATE_EXITED);
	}
}

static int container_key(void *state, enum tui_action a, tui_key k)
{
	(void)state;
	(void)k;
	return a == ACT_BACK ? VIEW_POP : VIEW_IGNORED;
}

static void container_on_event(void *state, const struct sv_engine_event *ev)
{
	struct container_view *v = state;
	if (strcmp(ev->type, "container") == 0 && strcmp(ev->actor, v->id) == 0)
		load_start(v);
}

static const char *container_selected_id(void *state)
{
	return ((struct container_view *)state)->id;
}

static const char *const container_scopes[] = { "global", NULL };
static const enum tui_action container_hints[] = { ACT_BACK, ACT_COPY, ACT_NONE };

const struct view_ops view_container = {
	.name = "container",
	.title = "Container",
	.scopes = container_scopes,
	.hints = container_hints,
	.init = container_init,
	.free = container_free,
	.draw = container_draw,
	.key = container_key,
	.on_event = container_on_event,
	.selected_id = container_selected_id,
};
