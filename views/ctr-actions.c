/*
 * What can be done to containers, shared by the dashboard (on the marked
 * set) and the detail screen (on its container): the operation runs on a
 * worker, one container after another, and reports per container; the
 * destructive ones ask first with the list of what they will touch.
 * Exec picks a shell on a worker (bash when the container has it) and
 * then hands the terminal over.
 */
#include "views/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"

static const struct {
	enum tui_container_op op;
	const char *verb, *done;
} op_words[] = {
	[TUI_CT_START] = { TUI_CT_START, "Start", "started" },
	[TUI_CT_STOP] = { TUI_CT_STOP, "Stop", "stopped" },
	[TUI_CT_RESTART] = { TUI_CT_RESTART, "Restart", "restarted" },
	[TUI_CT_PAUSE] = { TUI_CT_PAUSE, "Pause", "paused" },
	[TUI_CT_UNPAUSE] = { TUI_CT_UNPAUSE, "Unpause", "unpaused" },
	[TUI_CT_KILL] = { TUI_CT_KILL, "Kill", "killed" },
	[TUI_CT_REMOVE] = { TUI_CT_REMOVE, "Remove", "removed" },
};

struct op_job {
	struct tui_job job;
	struct tui *app;
	char **ids, **names;
	enum tui_container_op op;
	struct sv_buf report;
	int failures;
};

static void op_work(struct tui_job *j)
{
	struct op_job *o = (struct op_job *)j;
	struct tui_backend *b = tui_backend(o->app);
	for (size_t i = 0; o->ids[i] && !atomic_load(&j->cancel); i++) {
		SV_AUTOERR sv_err *err = NULL;
		if (b->ops->container_op(b, o->ids[i], o->op, &err) < 0) {
			o->failures++;
			sv_buf_addf(&o->report, "%s: %s\n", o->names[i], err->msg);
		} else {
			sv_buf_addf(&o->report, "%s: %s\n", o->names[i], op_words[o->op].done);
		}
	}
}

static void op_done(struct tui_job *j)
{
	struct op_job *o = (struct op_job *)j;
	size_t n = sv_strv_len(o->ids);
	const char *done = op_words[o->op].done;
	if (n == 1 && o->failures)
		tui_status(o->app, TUI_ERROR, "%s", o->report.data);
	else if (n == 1)
		tui_status(o->app, TUI_INFO, "%s %s", o->names[0], done);
	else if (!o->failures)
		tui_status(o->app, TUI_INFO, "%zu containers %s", n, done);
	else
		tui_status(o->app, TUI_ERROR, "%d of %zu failed", o->failures, n);
	if (n > 1)
		tui_show_text(o->app, "Results", sv_buf_detach(&o->report, NULL));
	tui_refresh_views(o->app);
}

static void op_free(struct tui_job *j)
{
	struct op_job *o = (struct op_job *)j;
	sv_strv_free(o->ids);
	sv_strv_free(o->names);
	sv_buf_release(&o->report);
	free(o);
}

void container_op_submit(struct tui *app, enum tui_container_op op, char **ids, char **names,
			 const char *title, char **preview)
{
	struct op_job *o = tui_job_new(sizeof *o, op_work, op_done, op_free);
	o->app = app;
	o->op = op;
	o->ids = ids;
	o->names = names;
	sv_buf_init(&o->report);
	size_t n = sv_strv_len(ids);
	if (!title && n == 1 && op != TUI_CT_KILL && op != TUI_CT_REMOVE) {
		sv_strv_free(preview);
		tui_submit(app, NULL, &o->job);
		return;
	}
	char **lines = preview ? preview : sv_strv_dup(names);
	SV_AUTOFREE char *t = title ? sv_xstrdup(title)
				    : sv_xasprintf("%s %zu container%s?", op_words[op].verb, n, n == 1 ? "" : "s");
	tui_confirm_job(app, t, lines, op_words[op].verb, &o->job);
}

/* ------------------------------------------------------------------- exec */

struct exec_job {
	struct tui_job job;
	struct tui *app;
	char *id, *name;
	bool bash;
};

static void exec_work(struct tui_job *j)
{
	struct exec_job *x = (struct exec_job *)j;
	struct tui_backend *b = tui_backend(x->app);
	x->bash = b->ops->has_path && b->ops->has_path(b, x->id, "/bin/bash");
}

static void exec_done(struct tui_job *j)
{
	struct exec_job *x = (struct exec_job *)j;
	char **argv = NULL;
	sv_strv_push(&argv, "exec");
	sv_strv_push(&argv, "-it");
	sv_strv_push(&argv, x->name); /* what the user knows it by, in the messages */
	sv_strv_push(&argv, x->bash ? "/bin/bash" : "/bin/sh");
	tui_handoff(x->app, argv);
}

static void exec_free(struct tui_job *j)
{
	struct exec_job *x = (struct exec_job *)j;
	free(x->id);
	free(x->name);
	free(x);
}

static void rename_ok(struct tui *app, const char *text, void *arg)
{
	const char *id = arg;
	if (!*text)
		return;
	/* The line is parsed like a batch line: the name goes in quoted, so
	 * blanks, quotes and '#' reach the engine's name check as typed. */
	SV_AUTOFREE char *qid = cli_batch_quote(id);
	SV_AUTOFREE char *qname = cli_batch_quote(text);
	SV_AUTOFREE char *line = sv_xasprintf("rename %s %s", qid, qname);
	tui_command(app, line);
}

static char **one(const char *s)
{
	char **v = NULL;
	sv_strv_push(&v, s);
	return v;
}

int container_actions_key(struct tui *app, enum tui_action a, const char *id, const char *name,
			  const char *state)
{
	if (name && name[0] == '/')
		name++;
	enum tui_container_op op;
	switch (a) {
	case ACT_START: op = TUI_CT_START; break;
	case ACT_STOP: op = TUI_CT_STOP; break;
	case ACT_RESTART: op = TUI_CT_RESTART; break;
	case ACT_KILL: op = TUI_CT_KILL; break;
	case ACT_REMOVE: op = TUI_CT_REMOVE; break;
	case ACT_PAUSE: op = strcmp(state, "paused") == 0 ? TUI_CT_UNPAUSE : TUI_CT_PAUSE; break;
	case ACT_EXEC: {
		if (strcmp(state, "running") != 0) {
			tui_status(app, TUI_WARN, "%s is not running", name);
			return VIEW_REDRAW;
		}
		struct exec_job *x = tui_job_new(sizeof *x, exec_work, exec_done, exec_free);
		x->app = app;
		x->id = sv_xstrdup(id);
		x->name = sv_xstrdup(name && *name ? name : id);
		tui_submit(app, NULL, &x->job);
		return VIEW_REDRAW;
	}
	case ACT_RENAME: {
		SV_AUTOFREE char *title = sv_xasprintf("Rename %s", name);
		tui_prompt(app, title, "new name:", name, rename_ok, sv_xstrdup(id), free);
		return VIEW_REDRAW;
	}
	default: return VIEW_IGNORED;
	}
	container_op_submit(app, op, one(id), one(name), NULL, NULL);
	return VIEW_REDRAW;
}
