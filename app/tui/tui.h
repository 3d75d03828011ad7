/*
 * app/tui — the shell of servin-desktop: what views may ask of the app.
 *
 * The app owns the loop, the terminal, the worker pool, the theme, the
 * keymap and a stack of views. A view is a vtable (views/<name>.c) and a
 * state pointer; its key handler returns reaction flags and never draws,
 * its draw function only paints a canvas from the state it holds. Views
 * never block: they submit jobs that run on workers against the backend
 * and come back on the loop thread.
 *
 * Everything here is for the loop thread only, except where it says so.
 */
#ifndef SV_APP_TUI_TUI_H
#define SV_APP_TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/tui/backend.h"
#include "app/tui/config.h"
#include "app/tui/keymap.h"
#include "app/tui/term.h"
#include "app/tui/worker.h"
#include "widgets/canvas.h"

struct tui;
struct view;

/* What a key handler did. */
enum view_reaction {
	VIEW_IGNORED = 0,     /* not mine: the app may handle it */
	VIEW_HANDLED = 1 << 0,
	VIEW_REDRAW = 1 << 1, /* implies handled */
	VIEW_POP = 1 << 2,    /* close this view */
};

struct view_ops {
	const char *name;	   /* "images" */
	const char *title;	   /* "Images" */
	const char *const *scopes; /* keymap scopes, own first, NULL-terminated */
	const enum tui_action *hints; /* keys shown in the status bar; ACT_NONE ends */
	/* arg: what to show (an id) or NULL. Returns the state (owned). */
	void *(*init)(struct tui *app, struct view *self, const char *arg);
	void (*free)(void *state);
	void (*draw)(void *state, struct canvas *c, struct rect r);
	int (*key)(void *state, enum tui_action a, tui_key k);
	/* A mouse event inside the view's rectangle (as last drawn). */
	int (*mouse)(void *state, const struct tui_mouse *m);
	/* A row of the event journal (type/action/actor). */
	void (*on_event)(void *state, const struct sv_engine_event *ev);
	/* The view is on top again (a view above it closed). */
	void (*on_show)(void *state);
	/* A ':' command just finished: it may have changed what the view
	 * shows in ways the journal does not record. NULL: nothing to do. */
	void (*refresh)(void *state);
	/* The periodic tick, when the view asked for ticks. */
	void (*on_tick)(void *state);
	/* The id of the selected object (for copy), or NULL. borrowed. */
	const char *(*selected_id)(void *state);
};

struct view {
	const struct view_ops *ops;
	void *state;
	uint64_t id; /* unique per app run: owner of jobs */
	struct tui *app;
	struct rect rect; /* where it was last drawn */
	bool wants_tick;
};

enum tui_level { TUI_INFO, TUI_WARN, TUI_ERROR };

/* The current settings, keymap, backend. borrowed. */
const struct tui_config *tui_config(struct tui *app);
const struct keymap *tui_keymap(struct tui *app);
struct tui_backend *tui_backend(struct tui *app);
/* Asks for a redraw at the end of this loop turn. */
void tui_dirty(struct tui *app);
/* A message in the status bar: info and warnings go after TUI_STATUS_MS,
 * an error stays until the next key or click. */
void tui_status(struct tui *app, enum tui_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs a job for a view: job->done is called on the loop thread only if
 * the view still exists. Takes ownership of the job. */
void tui_submit(struct tui *app, struct view *owner, struct tui_job *job);
/* The pool, to post progress messages from a job's work (any thread). */
tui_pool *tui_pool_of(struct tui *app);
/* Opens a view on top of the stack. */
void tui_push(struct tui *app, const struct view_ops *ops, const char *arg);
/* Switches the bottom of the stack to a top-level view (1-5 keys). */
void tui_switch(struct tui *app, const struct view_ops *ops);
/* Shows the cursor at (x, y) in this frame (text entry). */
void tui_cursor(struct tui *app, int x, int y);
/* Ticks at the configured refresh interval while any view wants them. */
void tui_want_tick(struct tui *app, struct view *v, bool on);
/* Reads the event journal now (after an action, rather than waiting for
 * the file watch). */
void tui_refresh(struct tui *app);
/* tui_refresh, and every open view reloads what it shows (after an
 * action whose effect the journal may not record, or not yet). */
void tui_refresh_views(struct tui *app);
/* Runs one command line of the CLI's table, as ':' does; the output is
 * shown in the output pane. */
void tui_command(struct tui *app, const char *line);

/* Hands the terminal to a CLI command that needs it (exec -it, run -it):
 * curses is suspended, the command runs with the real stdin/stdout/stderr
 * (the window size follows the terminal), and the screen is restored
 * exactly when it ends. Takes argv. */
void tui_handoff(struct tui *app, char **argv);

/* Modal overlays (help, dialogs, menus, output): drawn over the views,
 * they get every key first. */
struct modal_ops {
	void (*draw)(void *m, struct canvas *c, struct rect screen);
	/* VIEW_* flags; VIEW_POP closes the modal. */
	int (*key)(void *m, tui_key k);
	void (*free)(void *m);
	/* Optional: a click or the wheel, as key's VIEW_* flags (NULL: ignored). */
	int (*mouse)(void *m, const struct tui_mouse *ev);
};
void tui_modal(struct tui *app, const struct modal_ops *ops, void *m);

/* A yes/no question; on_yes runs on the loop thread when confirmed. The
 * lines are shown as a preview (owned strv, taken). */
typedef void tui_confirm_fn(struct tui *app, void *arg);
void tui_confirm(struct tui *app, const char *title, char **lines, const char *yes_label,
		 tui_confirm_fn *on_yes, void *arg, void (*free_arg)(void *));
/* Asks, then submits job (no owner) on yes; frees it otherwise. Takes
 * both the lines and the job. */
void tui_confirm_job(struct tui *app, const char *title, char **lines, const char *yes_label,
		     struct tui_job *job);
/* Asks for one line of text; on_ok gets it. */
typedef void tui_prompt_fn(struct tui *app, const char *text, void *arg);
void tui_prompt(struct tui *app, const char *title, const char *label, const char *initial,
		tui_prompt_fn *on_ok, void *arg, void (*free_arg)(void *));
/* A form (takes it); on_ok gets it when submitted. */
struct form;
typedef void tui_form_fn(struct tui *app, const struct form *f, void *arg);
void tui_form(struct tui *app, struct form *f, tui_form_fn *on_ok, void *arg, void (*free_arg)(void *));
/* A menu of actions at (x, y); the one picked is handled as if its key
 * had been pressed on the current screen. actions ends with ACT_NONE. */
void tui_action_menu(struct tui *app, const char *title, const enum tui_action *actions, int x, int y);
/* Handles an action as a key press would on the current screen. */
void tui_dispatch(struct tui *app, enum tui_action a);
/* Shows text (one or more lines) in a scrollable pane. Takes the text. */
void tui_show_text(struct tui *app, const char *title, char *text);

/* Roles for states and event types (themes map roles to colours). */
enum theme_role tui_state_role(const char *state);

#endif
