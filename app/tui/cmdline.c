/*
 * The ':' line. A few words belong to the app itself (q, help, theme,
 * mouse, and the screen names); everything else is a command line of the
 * CLI's own table, run on a worker with its output captured and shown in
 * a pane — never on stdout or stderr, which curses owns. Commands run one
 * at a time (serial jobs: getopt state is global). History persists in
 * $XDG_STATE_HOME/servin/desktop_history.
 */
#include "app/tui/app-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli/batch.h"
#include "app/cli/complete.h"
#include "views/views.h"

/* ---------------------------------------------------------------- history */

void cmdline_history_load(struct tui *app)
{
	app->history_path = cli_user_file("state", "desktop_history", false);
	lineedit_init(&app->cmd);
	app->cmd.complete = cmdline_complete;
	app->cmd.complete_arg = app;
	if (!app->history_path)
		return;
	struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_read_file(app->history_path, 1 << 20, &b, &err) == 0) {
		SV_AUTOSTRV char **lines = sv_strv_split(b.data, '\n', true);
		for (size_t i = 0; lines[i]; i++)
			lineedit_history_add(&app->history, lines[i], TUI_HISTORY_MAX);
	}
	sv_buf_release(&b);
}

static void history_save(struct tui *app)
{
	if (!app->history_path)
		return;
	SV_AUTOFREE char *dir = sv_xstrdup(app->history_path);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	SV_AUTOERR sv_err *err = NULL;
	if (sv_mkdir_p(dir, 0700, &err) < 0)
		return;
	SV_AUTOFREE char *text = sv_strv_join(app->history, "\n");
	SV_AUTOCLOSE int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)sv_write_file_atomic(dfd, slash + 1, text, strlen(text), 0600, &err);
}

void cmdline_release(struct tui *app)
{
	free(app->complete_line);
	app->complete_line = NULL;
	lineedit_release(&app->cmd);
	sv_strv_free(app->history);
	app->history = NULL;
	free(app->history_path);
	app->history_path = NULL;
}

/* ------------------------------------------------------------- completion */

static const char *const builtins[] = { "q", "quit", "help", "theme", "mouse", "containers",
					"images", "volumes", "networks", "events", NULL };

/* Names not listed yet are asked for now (networks are not listed before:
 * listing makes the built-in ones, with their events); when they come, the
 * Tab that found none is pressed again (cmdline_names_arrived), unless the
 * line changed in between. */
static char **names_for(const char *kind, void *arg)
{
	struct tui *app = arg;
	for (int k = 0; k < TUI_NAME_KINDS; k++) {
		if (strcmp(kind, tui_name_kinds[k]) != 0)
			continue;
		if (!app->names[k] && app->watching) {
			watch_names_want(app, 1u << k);
			app->complete_wait |= 1u << k;
			free(app->complete_line);
			app->complete_line = sv_xstrndup(app->cmd.buf, app->cmd.len);
			app->complete_cur = app->cmd.cur;
		}
		return sv_strv_dup(app->names[k]);
	}
	return NULL;
}

void cmdline_names_arrived(struct tui *app, unsigned kinds)
{
	if (!(app->complete_wait & kinds))
		return;
	app->complete_wait = 0;
	SV_AUTOFREE char *line = sv_steal_ptr(&app->complete_line);
	if (app->cmd_active && line && app->cmd.cur == app->complete_cur &&
	    strlen(line) == app->cmd.len && memcmp(line, app->cmd.buf, app->cmd.len) == 0) {
		lineedit_key(&app->cmd, KEYC_TAB);
		app->dirty = true;
	}
}

char **cmdline_complete(const char *text, size_t cursor, size_t *word_start, void *arg)
{
	struct tui *app = arg;
	char **v = cli_complete(text, cursor, word_start, names_for, app);
	if (*word_start == 0) { /* the app's own words too */
		SV_AUTOFREE char *prefix = sv_xstrndup(text, cursor);
		for (size_t i = 0; builtins[i]; i++)
			if (sv_str_has_prefix(builtins[i], prefix) && !sv_strv_contains(v, builtins[i]))
				sv_strv_push(&v, builtins[i]);
	} else if (strncmp(text, "theme ", 6) == 0) {
		sv_strv_free(v);
		v = NULL;
		SV_AUTOFREE char *prefix = sv_xstrndup(text + *word_start, cursor - *word_start);
		for (size_t i = 0; theme_builtin_names[i]; i++)
			if (sv_str_has_prefix(theme_builtin_names[i], prefix))
				sv_strv_push(&v, theme_builtin_names[i]);
		if (!v)
			v = sv_xcalloc(1, sizeof *v);
	}
	return v;
}

/* ----------------------------------------------------------------- running */

struct cmd_job {
	struct tui_job job;
	struct tui *app;
	char **argv;
	char *line;
	char *out, *err;
	int status;
};

static void cmd_work(struct tui_job *j)
{
	struct cmd_job *c = (struct cmd_job *)j;
	size_t olen = 0, elen = 0;
	FILE *fo = open_memstream(&c->out, &olen);
	FILE *fe = open_memstream(&c->err, &elen);
	if (!fo || !fe) {
		if (fo)
			fclose(fo);
		if (fe)
			fclose(fe);
		c->status = 125;
		return;
	}
	struct cli_ctx ctx = c->app->cli;
	ctx.out = fo;
	ctx.err = fe;
	c->status = cli_dispatch(&ctx, (int)sv_strv_len(c->argv), c->argv);
	fclose(fo);
	fclose(fe);
}

static void cmd_done(struct tui_job *j)
{
	struct cmd_job *c = (struct cmd_job *)j;
	struct tui *app = c->app;
	app->cmd_running = false;
	const char *out = c->out ? c->out : "", *err = c->err ? c->err : "";
	size_t lines = 0;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	if (*err || lines > 1 || (lines == 1 && strlen(out) > 100)) {
		char *text = sv_xasprintf("%s%s%s", out, *out && *err ? "\n" : "", err);
		SV_AUTOFREE char *title = sv_xasprintf(":%s  (exit %d)", c->line, c->status);
		tui_show_text(app, title, text);
	}
	if (c->status)
		tui_status(app, TUI_ERROR, ":%s failed (exit %d)", c->line, c->status);
	else if (*out && lines <= 1 && strlen(out) <= 100)
		tui_status(app, TUI_INFO, "%s", out);
	else if (!*out)
		tui_status(app, TUI_INFO, ":%s done", c->line);
	tui_refresh_views(app);
}

static void cmd_free(struct tui_job *j)
{
	struct cmd_job *c = (struct cmd_job *)j;
	if (c->app)
		c->app->cmd_running = false;
	sv_strv_free(c->argv);
	free(c->line);
	free(c->out);
	free(c->err);
	free(c);
}

/* Commands that would read the terminal curses owns. */
static const char *refuse_reason(char *const *argv)
{
	for (size_t i = 1; argv[i]; i++)
		if (strcmp(argv[i], "-") == 0)
			return "reading standard input is not possible here; give a file";
	if (strcmp(argv[0], "batch") == 0 || strcmp(argv[0], "shell") == 0)
		return "not from inside servin-desktop";
	return NULL;
}

/* run/exec/attach/start with a terminal or stdin: they get the terminal. */
static bool wants_terminal(char *const *argv)
{
	static const char *const cmds[] = { "run", "exec", "attach", "start", "container run",
					    "container exec", "container attach", NULL };
	bool known = false;
	for (size_t i = 0; cmds[i]; i++)
		known |= strcmp(argv[0], cmds[i]) == 0;
	if (strcmp(argv[0], "attach") == 0)
		return true;
	for (size_t i = 1; known && argv[i] && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--interactive") == 0 || strcmp(a, "--tty") == 0 || strcmp(a, "--attach") == 0)
			return true;
		if (strcmp(a, "--detach") == 0 || (a[1] != '-' && strchr(a + 1, 'd')))
			return false; /* detached: nothing to show */
		if (a[1] != '-' && strpbrk(a + 1, "ita") && strspn(a + 1, "itaw") == strlen(a + 1))
			return true; /* -it, -ti, -i, -a... bundled short flags */
	}
	return false;
}

void tui_command(struct tui *app, const char *line)
{
	char **argv = NULL;
	SV_AUTOERR sv_err *err = NULL;
	int rc = cli_batch_split(line, &argv, &err);
	if (rc != 0) {
		tui_status(app, TUI_ERROR, "%s", rc > 0 ? "unterminated quote" : err->msg);
		return;
	}
	if (!argv[0]) {
		sv_strv_free(argv);
		return;
	}
	const char *why = refuse_reason(argv);
	if (why) {
		tui_status(app, TUI_ERROR, ":%s: %s", argv[0], why);
		sv_strv_free(argv);
		return;
	}
	if (wants_terminal(argv)) {
		tui_handoff(app, argv);
		return;
	}
	struct cmd_job *c = tui_job_new(sizeof *c, cmd_work, cmd_done, cmd_free);
	c->app = app;
	c->argv = argv;
	c->line = sv_xstrdup(line);
	c->job.serial = true;
	app->cmd_running = true;
	tui_status(app, TUI_INFO, "running :%s", line);
	tui_submit(app, NULL, &c->job);
}

/* The app's own words; true when the line was one. */
static bool builtin(struct tui *app, char *const *argv)
{
	const char *w = argv[0];
	if (strcmp(w, "q") == 0 || strcmp(w, "quit") == 0) {
		tui_request_quit(app, 0);
	} else if (strcmp(w, "help") == 0 && !argv[1]) {
		modal_help_open(app);
	} else if (strcmp(w, "containers") == 0 && !argv[1]) {
		tui_switch(app, &view_containers);
	} else if (strcmp(w, "images") == 0 && !argv[1]) {
		tui_switch(app, &view_images);
	} else if (strcmp(w, "events") == 0 && !argv[1]) {
		tui_switch(app, &view_events);
	} else if (strcmp(w, "volumes") == 0 && !argv[1]) {
		tui_switch(app, &view_volumes);
	} else if (strcmp(w, "networks") == 0 && !argv[1]) {
		tui_switch(app, &view_networks);
	} else if (strcmp(w, "mouse") == 0 && !argv[1]) {
		app->cfg.mouse = !app->cfg.mouse;
		if (app->term)
			term_set_mouse(app->term, app->cfg.mouse);
		tui_status(app, TUI_INFO, "mouse %s", app->cfg.mouse ? "on" : "off");
	} else if (strcmp(w, "theme") == 0 && argv[1] && !argv[2]) {
		SV_AUTOERR sv_err *err = NULL;
		struct theme t;
		if (theme_load(argv[1], &t, &err) < 0) {
			tui_status(app, TUI_ERROR, "%s", err->msg);
			return true;
		}
		app->theme = t;
		if (app->term)
			term_set_theme(app->term, &app->theme);
		tui_status(app, TUI_INFO, "theme %s", t.name);
	} else {
		return false;
	}
	return true;
}

void cmdline_open(struct tui *app, const char *initial)
{
	app->cmd_active = true;
	app->cmd.history = app->history;
	app->cmd.hist_pos = -1;
	lineedit_set(&app->cmd, initial);
	app->dirty = true;
}

static void submit(struct tui *app)
{
	SV_AUTOFREE char *line = sv_xstrdup(app->cmd.buf);
	app->cmd_active = false;
	lineedit_history_add(&app->history, line, TUI_HISTORY_MAX);
	app->cmd.history = app->history;
	history_save(app);
	char **argv = NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (cli_batch_split(line, &argv, &err) == 0 && argv[0] && builtin(app, argv)) {
		sv_strv_free(argv);
		return;
	}
	sv_strv_free(argv);
	tui_command(app, line);
}

int cmdline_key(struct tui *app, tui_key k)
{
	switch (lineedit_key(&app->cmd, k)) {
	case LINEEDIT_SUBMIT: submit(app); break;
	case LINEEDIT_CANCEL: app->cmd_active = false; break;
	default: break;
	}
	app->dirty = true;
	return VIEW_HANDLED;
}

void cmdline_draw(struct tui *app, struct canvas *c)
{
	int y = c->h - 1;
	canvas_fill(c, rect_make(0, y, c->w, 1), ROLE_INPUT_FOCUS, ' ');
	canvas_text(c, 0, y, 1, ROLE_INPUT_FOCUS, ":");
	int cx = lineedit_draw(&app->cmd, c, rect_make(1, y, c->w - 1, 1), ROLE_INPUT_FOCUS);
	tui_cursor(app, cx, y);
	/* Candidates of an ambiguous Tab, on the row above. */
	char **ch = app->cmd.choices;
	if (ch && ch[0] && y > 0) {
		canvas_fill(c, rect_make(0, y - 1, c->w, 1), ROLE_MENU, ' ');
		int x = 1;
		for (size_t i = 0; ch[i] && x < c->w; i++)
			x += canvas_text(c, x, y - 1, c->w - x, i ? ROLE_MENU : ROLE_MENU_SELECTED, ch[i]) + 2;
	}
}
