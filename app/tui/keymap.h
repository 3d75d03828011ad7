/*
 * app/tui/keymap — keys, actions, and the bindings between them.
 *
 * A key is a code point (text, C-a..C-z as 1..26, Enter 13, Tab 9, Esc 27,
 * Backspace 127) or one of the KEYC_* codes above Unicode for keys that
 * are not characters. term.c turns curses' codes into these, so this
 * module needs no terminal and is tested and fuzzed alone.
 *
 * Actions are named "<scope>.<verb>" ("containers.stop", "list.down",
 * "global.quit"); a view looks a key up through its own scopes first, then
 * the shared ones. ~/.config/servin/desktop.json rebinds any action:
 * "keys": { "containers.stop": ["x", "C-s"], "global.quit": "q" }.
 */
#ifndef SV_APP_TUI_KEYMAP_H
#define SV_APP_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "widgets/keys.h"

struct cJSON;

/* Adds "; <message>" to a list of problems found in a settings file. */
void keymap_problem(struct sv_buf *b, const char *fmt, ...) SV_PRINTF(2, 3);

/* "C-a", "Enter", "PgDn", "F5", "x", "é" → key; KEYC_NONE when not a key. */
tui_key keymap_key_from_name(const char *name);
/* The key's name as a user would write it ("C-a", "Enter"); buf >= 16. */
const char *keymap_key_name(tui_key k, char *buf, size_t len);

#define TUI_ACTIONS(X)                                                                  \
	X(ACT_QUIT, "global.quit", "q", "quit")                                           \
	X(ACT_HELP, "global.help", "? F1", "help for this screen")                        \
	X(ACT_COMMAND, "global.command", ":", "command line (the CLI's commands)")        \
	X(ACT_BACK, "global.back", "Esc", "back / close")                                 \
	X(ACT_REDRAW, "global.redraw", "C-l", "redraw the screen")                        \
	X(ACT_MOUSE, "global.mouse", "M", "mouse: on/off (off: select text)")              \
	X(ACT_COPY, "global.copy", "y", "copy: the selected ID (OSC 52)")                  \
	X(ACT_VIEW_CONTAINERS, "global.containers", "1", "containers")                    \
	X(ACT_VIEW_IMAGES, "global.images", "2", "images")                                \
	X(ACT_VIEW_VOLUMES, "global.volumes", "3", "volumes")                             \
	X(ACT_VIEW_NETWORKS, "global.networks", "4", "networks")                          \
	X(ACT_VIEW_EVENTS, "global.events", "5", "events")                                \
	X(ACT_UP, "list.up", "k Up", "up")                                                \
	X(ACT_DOWN, "list.down", "j Down", "down")                                        \
	X(ACT_PAGE_UP, "list.page-up", "PgUp C-b", "page up")                             \
	X(ACT_PAGE_DOWN, "list.page-down", "PgDn C-f", "page down")                       \
	X(ACT_TOP, "list.top", "g Home", "first row")                                     \
	X(ACT_BOTTOM, "list.bottom", "G End", "last row")                                 \
	X(ACT_OPEN, "list.open", "Enter", "open")                                         \
	X(ACT_FILTER, "list.filter", "/", "filter (text, state:running, label:k=v)")      \
	X(ACT_MARK, "list.mark", "Space", "mark / unmark")                                \
	X(ACT_MARK_ALL, "list.mark-all", "C-a", "mark all shown / none")                  \
	X(ACT_SORT_NEXT, "list.sort-next", ">", "sort by the next column")                \
	X(ACT_SORT_PREV, "list.sort-prev", "<", "sort by the previous column")            \
	X(ACT_SORT_REVERSE, "list.sort-reverse", "o", "reverse the sort order")           \
	X(ACT_LEFT, "list.left", "h Left", "scroll left / previous")                      \
	X(ACT_MENU, "list.menu", "a", "actions: a menu of what can be done here")         \
	X(ACT_RIGHT, "list.right", "l Right", "scroll right / next")                      \
	X(ACT_START, "containers.start", "s", "start")                                    \
	X(ACT_STOP, "containers.stop", "x", "stop")                                       \
	X(ACT_RESTART, "containers.restart", "r", "restart")                              \
	X(ACT_PAUSE, "containers.pause", "p", "pause / unpause")                          \
	X(ACT_KILL, "containers.kill", "K", "kill")                                       \
	X(ACT_REMOVE, "containers.remove", "D Delete", "remove (asks first)")             \
	X(ACT_LOGS, "containers.logs", "L", "logs")                                       \
	X(ACT_EXEC, "containers.exec", "e", "exec: open a shell inside")                        \
	X(ACT_INSPECT, "containers.inspect", "i", "inspect")                              \
	X(ACT_RENAME, "containers.rename", "R", "rename")                                 \
	X(ACT_IMG_REMOVE, "images.remove", "D Delete", "remove (asks first)")             \
	X(ACT_IMG_TAG, "images.tag", "t", "tag")                                          \
	X(ACT_IMG_PRUNE, "images.prune", "P", "prune: unused images (preview first)")      \
	X(ACT_IMG_RUN, "images.run", "r", "run: a container from this image")              \
	X(ACT_IMG_PULL, "images.pull", "p", "pull an image")                              \
	X(ACT_TAB_NEXT, "tabs.next", "Tab ]", "next tab")                                 \
	X(ACT_TAB_PREV, "tabs.prev", "S-Tab [", "previous tab")                           \
	X(ACT_LOG_FOLLOW, "logs.follow", "f", "follow: on/off")                            \
	X(ACT_LOG_WRAP, "logs.wrap", "w", "wrap: long lines on/off")                       \
	X(ACT_LOG_TIMES, "logs.timestamps", "t", "timestamps: on/off")                     \
	X(ACT_LOG_SEARCH, "logs.search", "/", "search")                                   \
	X(ACT_LOG_NEXT, "logs.next", "n", "next match")                                   \
	X(ACT_LOG_PREV, "logs.prev", "N", "previous match")                               \
	X(ACT_LOG_SAVE, "logs.save", "S", "save to a file")                               \
	X(ACT_LOG_RANGE, "logs.range", "T", "since / tail: which part of the log to load")  \
	X(ACT_FOLD, "tree.fold", "Enter Space", "fold / unfold")                          \
	X(ACT_FOLD_ALL, "tree.fold-all", "z", "fold / unfold everything")

enum tui_action {
	ACT_NONE = 0,
#define TUI_ACTION_ENUM(sym, name, keys, help) sym,
	TUI_ACTIONS(TUI_ACTION_ENUM)
#undef TUI_ACTION_ENUM
	ACT_COUNT
};

/* "containers.stop" → ACT_STOP; ACT_NONE when unknown. */
enum tui_action keymap_action_from_name(const char *name);
const char *keymap_action_name(enum tui_action a);
const char *keymap_action_help(enum tui_action a);

#define KEYMAP_MAX_KEYS 4 /* keys per action */

struct keymap {
	tui_key keys[ACT_COUNT][KEYMAP_MAX_KEYS];
};

/* The built-in bindings. */
void keymap_defaults(struct keymap *km);
/* Applies a "keys" object from desktop.json over km. Entries that are bad
 * (unknown action, unknown key, not a string or array) are skipped and
 * described in *err (all of them, one per line); the good ones apply. */
int keymap_apply_json(struct keymap *km, const struct cJSON *keys, sv_err **err);
/* The action `k` means in a view whose scopes are `scopes` (e.g.
 * {"containers", "list", "global", NULL}), first scope first. */
enum tui_action keymap_lookup(const struct keymap *km, const char *const *scopes, tui_key k);
/* "s", "x/C-s" — the keys of an action, for hints and help; buf >= 32. */
const char *keymap_keys_text(const struct keymap *km, enum tui_action a, char *buf, size_t len);

#endif
