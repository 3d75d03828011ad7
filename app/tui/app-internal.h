/*
 * The app's state, shared by the files of app/tui (app.c: loop and
 * dispatch; chrome.c: title and status bars; cmdline.c: the ':' line;
 * watch.c: following the event journal; modals.c: dialogs and panes).
 */
#ifndef SV_APP_TUI_APP_INTERNAL_H
#define SV_APP_TUI_APP_INTERNAL_H

#include <uv.h>

#include "app/cli/cli.h"
#include "app/tui/tui.h"
#include "themes/theme.h"
#include "widgets/lineedit.h"

#define TUI_MAX_VIEWS 16
#define TUI_MAX_MODALS 8
#define TUI_MIN_W 40
/* How long an info or warning message stays in the status bar. */
#define TUI_STATUS_MS 4000
#define TUI_MIN_H 8
#define TUI_HISTORY_MAX 500
/* The kinds of names kept for completion (bits of tui.names_*). */
enum tui_name_kind { TUI_NAME_IMAGE, TUI_NAME_CONTAINER, TUI_NAME_VOLUME, TUI_NAME_NETWORK, TUI_NAME_KINDS };

struct tui_modal {
	const struct modal_ops *ops;
	void *m;
};

struct tui_opts {
	const char *root, *runroot, *config_path, *theme, *argv0;
	bool ascii, no_color, no_mouse;
	long iterations;     /* headless/test: stop after N drawn frames (0: run) */
	int headless_w, headless_h; /* >0: no terminal, draw into a canvas */
	const char *keys;    /* headless: keys to feed, one per frame */
	bool dump;	     /* headless: print the last frame on exit */
	size_t fake_containers;
};

struct tui {
	struct tui_opts opts;
	uv_loop_t loop;
	uv_poll_t input;
	uv_signal_t winch, term_sig, hup_sig;
	uv_prepare_t draw;
	uv_timer_t tick, status_timer, feed;
	uv_fs_event_t watch;
	uv_timer_t watch_again; /* one more read shortly after the last change */
	bool watching;
	term *term;		/* NULL when headless */
	struct canvas canvas;
	struct theme theme;
	struct tui_config cfg;
	sv_engine *engine;
	struct tui_backend backend;
	tui_pool *pool;
	struct cli_ctx cli;	/* the ':' line's command context */

	struct view *views[TUI_MAX_VIEWS];
	int nviews;
	uint64_t next_view_id;
	struct tui_modal modals[TUI_MAX_MODALS];
	int nmodals;

	bool dirty, quit;
	int cursor_x, cursor_y;
	long frames;
	int exit_status;

	/* status bar */
	char status[512];
	enum tui_level status_level;
	bool status_on;

	/* ':' line */
	bool cmd_active;
	struct lineedit cmd;
	char **history;
	char *history_path;
	bool cmd_running;

	/* event journal */
	int64_t last_seq;
	bool events_busy, events_again;
	char *watch_dir, *watch_name;

	/* names for completion, refreshed with the journal: one strv per
	 * kind of tui_name_kinds (watch.c) */
	char **names[TUI_NAME_KINDS];
	bool names_asked;	/* after the first screen */
	unsigned names_want;	/* kinds to list on the next read */
	unsigned names_listed;	/* kinds asked for once (then their events refresh them) */
	unsigned complete_wait;	/* kinds a Tab found unlisted: Tab again when they come */
	char *complete_line;	/* the ':' line at that Tab; owned */
	size_t complete_cur;

	int tab_x[6]; /* title-bar tab starts, for mouse hits */

	/* SERVIN_DESKTOP_TRACE: key-to-screen and first-screen times */
	int trace_fd;
	int64_t start_ns, key_ns;
	bool settled_once;

	/* headless key feed */
	const char *feed_pos;
};

/* app.c */
void tui_request_quit(struct tui *app, int status);
struct view *tui_top(struct tui *app);
void tui_pop(struct tui *app);
/* chrome.c */
void chrome_draw_title(struct tui *app, struct canvas *c);
void chrome_draw_status(struct tui *app, struct canvas *c);
/* Which title-bar tab column x falls on (in the order of the number keys), or -1. */
int chrome_title_hit(struct tui *app, int x);
/* cmdline.c */
void cmdline_open(struct tui *app, const char *initial);
int cmdline_key(struct tui *app, tui_key k);
void cmdline_draw(struct tui *app, struct canvas *c);
void cmdline_history_load(struct tui *app);
void cmdline_release(struct tui *app);
char **cmdline_complete(const char *text, size_t cursor, size_t *word_start, void *arg);
/* Names of these kinds (1 << enum tui_name_kind) were just listed: a Tab
 * that waited for them completes now. */
void cmdline_names_arrived(struct tui *app, unsigned kinds);
/* watch.c */
/* The kinds of object names kept for completion, as cli_names_fn names
 * them; indexes of tui.names. */
extern const char *const tui_name_kinds[TUI_NAME_KINDS];
int watch_start(struct tui *app, sv_err **err);
void watch_stop(struct tui *app);
/* Reads the journal after last_seq now (also after a change we made). */
void watch_poke(struct tui *app);
/* Lists these kinds of names (1 << enum tui_name_kind) for completion on
 * the next read, unless they were asked for before. */
void watch_names_want(struct tui *app, unsigned kinds);
/* modals.c */
void modal_help_open(struct tui *app);

#endif
