/*
 * app/tui/config — settings from ~/.config/servin/desktop.json.
 *
 *   { "theme": "dark", "refresh": 1.0, "mouse": true,
 *     "view": "containers",
 *     "columns": { "containers": ["name", "image", "state", "cpu"],
 *                  "images": ["repository", "tag", "id", "size"] },
 *     "keys": { "containers.stop": ["x", "C-s"] } }
 *
 * A missing file means the defaults. A malformed file gives a clear error
 * and the defaults; a bad member gives an error naming it and that
 * member's default, while the good members apply. No curses here.
 */
#ifndef SV_APP_TUI_CONFIG_H
#define SV_APP_TUI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "app/tui/keymap.h"
#include "util/util.h"

#define TUI_CONFIG_MAX_BYTES (256 * 1024)

struct tui_config {
	char *path;	      /* the file read (or that would be read); owned */
	char *theme;	      /* owned; "dark" by default */
	double refresh;	      /* seconds between stats samples, 0.25..60 */
	bool mouse;
	char *view;	      /* first screen: "containers", "images", "events" */
	char **containers_columns; /* NULL: the view's default */
	char **images_columns;
	struct keymap keys;
};

/* Defaults (no file read). */
void tui_config_init(struct tui_config *c);
void tui_config_release(struct tui_config *c);
/* $XDG_CONFIG_HOME/servin/desktop.json or ~/.config/servin/desktop.json;
 * owned, NULL when neither HOME nor XDG_CONFIG_HOME is set. */
char *tui_config_default_path(void);
/* Loads path (NULL: the default path) over the defaults in c. */
int tui_config_load(struct tui_config *c, const char *path, sv_err **err);
/* Parses text as a config; `what` names it in errors. */
int tui_config_parse(struct tui_config *c, const char *text, size_t len, const char *what,
		     sv_err **err);

#endif
