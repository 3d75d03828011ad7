/*
 * themes — colours by role, loaded from data files.
 *
 * Views and widgets name a role (`ROLE_SELECTION`, `ROLE_STATE_RUNNING`);
 * a theme says what each role looks like: a foreground and background
 * colour (a name, a 256-colour index or "#rrggbb"), attributes, and the
 * attributes to use on a terminal without colour. The four built-in themes
 * (dark, light, high-contrast, monochrome) are the JSON files in themes/,
 * compiled in; a user theme is a file of the same shape, which may start
 * from another with "inherit". Colours degrade to 16 and 8 colours and to
 * none here, not in the views.
 *
 * No curses in this module: app/tui/term.c turns a role into attributes.
 */
#ifndef SV_THEMES_THEME_H
#define SV_THEMES_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* The roles, with their names in theme files. */
#define THEME_ROLES(X)                                  \
	X(ROLE_DEFAULT, "default")                      \
	X(ROLE_TITLE, "title")                          \
	X(ROLE_HEADER, "header")                        \
	X(ROLE_HEADER_SORTED, "header.sorted")          \
	X(ROLE_SELECTION, "selection")                  \
	X(ROLE_MARKED, "marked")                        \
	X(ROLE_MARKED_SELECTION, "marked.selection")    \
	X(ROLE_BORDER, "border")                        \
	X(ROLE_DIM, "dim")                              \
	X(ROLE_STATUS, "status")                        \
	X(ROLE_STATUS_INFO, "status.info")              \
	X(ROLE_STATUS_WARN, "status.warn")              \
	X(ROLE_STATUS_ERROR, "status.error")            \
	X(ROLE_KEY, "key")                              \
	X(ROLE_KEY_DESC, "key.desc")                    \
	X(ROLE_TAB, "tab")                              \
	X(ROLE_TAB_ACTIVE, "tab.active")                \
	X(ROLE_DIALOG, "dialog")                        \
	X(ROLE_DIALOG_TITLE, "dialog.title")            \
	X(ROLE_BUTTON, "button")                        \
	X(ROLE_BUTTON_FOCUS, "button.focus")            \
	X(ROLE_INPUT, "input")                          \
	X(ROLE_INPUT_FOCUS, "input.focus")              \
	X(ROLE_MATCH, "match")                          \
	X(ROLE_MATCH_CURRENT, "match.current")          \
	X(ROLE_MENU, "menu")                            \
	X(ROLE_MENU_SELECTED, "menu.selected")          \
	X(ROLE_STATE_RUNNING, "state.running")          \
	X(ROLE_STATE_PAUSED, "state.paused")            \
	X(ROLE_STATE_EXITED, "state.exited")            \
	X(ROLE_STATE_CREATED, "state.created")          \
	X(ROLE_STATE_DEAD, "state.dead")                \
	X(ROLE_STATE_RESTARTING, "state.restarting")    \
	X(ROLE_SPARK_CPU, "spark.cpu")                  \
	X(ROLE_SPARK_MEM, "spark.mem")                  \
	X(ROLE_SPARK_NET, "spark.net")                  \
	X(ROLE_GAUGE_FILL, "gauge.fill")                \
	X(ROLE_GAUGE_EMPTY, "gauge.empty")              \
	X(ROLE_GAUGE_WARN, "gauge.warn")                \
	X(ROLE_GAUGE_CRIT, "gauge.crit")                \
	X(ROLE_EVENT_IMAGE, "event.image")              \
	X(ROLE_EVENT_CONTAINER, "event.container")      \
	X(ROLE_EVENT_OTHER, "event.other")              \
	X(ROLE_JSON_KEY, "json.key")                    \
	X(ROLE_JSON_STRING, "json.string")              \
	X(ROLE_JSON_NUMBER, "json.number")              \
	X(ROLE_JSON_LITERAL, "json.literal")            \
	X(ROLE_LOG_STDERR, "log.stderr")                \
	X(ROLE_LOG_TIME, "log.time")                    \
	X(ROLE_HELP_SECTION, "help.section")

enum theme_role {
#define THEME_ROLE_ENUM(sym, name) sym,
	THEME_ROLES(THEME_ROLE_ENUM)
#undef THEME_ROLE_ENUM
	ROLE_COUNT
};

/* Attributes, as bits (term.c maps them to curses). */
enum theme_attr {
	THEME_BOLD = 1 << 0,
	THEME_DIM = 1 << 1,
	THEME_UNDERLINE = 1 << 2,
	THEME_REVERSE = 1 << 3,
	THEME_ITALIC = 1 << 4,
};

/* A colour: THEME_COLOR_DEFAULT (the terminal's own) or 0..255 (xterm's
 * palette: 0-7 normal, 8-15 bright, 16-231 cube, 232-255 greys). */
#define THEME_COLOR_DEFAULT (-1)

struct theme_style {
	int16_t fg, bg;
	uint8_t attrs;	    /* with colour */
	uint8_t mono_attrs; /* without colour */
};

struct theme {
	char name[64];
	bool mono; /* "colors": false — attributes only, even on a colour terminal */
	struct theme_style style[ROLE_COUNT];
};

/* The role named `name` ("state.running"), or -1. */
int theme_role_from_name(const char *name);
const char *theme_role_name(enum theme_role r);

/* Names of the built-in themes, NULL-terminated. */
extern const char *const theme_builtin_names[];

/* Loads a theme: a built-in name, or a path to a JSON file (containing a
 * '/' or ending in ".json"), or NAME from $XDG_CONFIG_HOME/servin/themes/.
 * On any error *t holds the default (dark) theme and *err says why: the
 * caller shows the message and goes on. */
int theme_load(const char *name_or_path, struct theme *t, sv_err **err);
/* Parses theme JSON text (at most 64 KiB); `what` names it in errors. On
 * error *t is the default theme. `depth` bounds "inherit" chains (pass 0). */
int theme_parse(const char *text, size_t len, const char *what, struct theme *t, int depth,
		sv_err **err);
/* The built-in default theme (dark). */
void theme_default(struct theme *t);

/* Parses a colour: "default", "red", "bright-blue", "7", "#336699".
 * Returns false for anything else. */
bool theme_parse_color(const char *s, int16_t *out);
/* Degrades a 0..255 colour to a palette of `colors` (8 or 16): the nearest
 * base colour; *bold is set when an 8-colour terminal needs bold to show a
 * bright foreground. */
int16_t theme_color_degrade(int16_t c, int colors, bool *bold);

#endif
