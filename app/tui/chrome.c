/*
 * The frame around the views: the title bar (tabs for the top-level
 * screens, where the state lives) and the status bar (a transient message,
 * else the keys of the current screen).
 */
#include "app/tui/app-internal.h"

#include <stdio.h>
#include <string.h>

#include "views/views.h"

static const struct {
	const struct view_ops *ops;
	enum tui_action act;
} tabs[] = {
	{ &view_containers, ACT_VIEW_CONTAINERS },
	{ &view_images, ACT_VIEW_IMAGES },
	{ &view_events, ACT_VIEW_EVENTS },
};
#define NTABS ((int)(sizeof tabs / sizeof tabs[0]))

void chrome_draw_title(struct tui *app, struct canvas *c)
{
	canvas_fill(c, rect_make(0, 0, c->w, 1), ROLE_TITLE, ' ');
	int x = canvas_text(c, 0, 0, c->w, ROLE_TITLE, " servin ");
	const struct view_ops *base = app->nviews ? app->views[0]->ops : NULL;
	for (int i = 0; i < NTABS; i++) {
		char keys[32], label[64];
		keymap_keys_text(&app->cfg.keys, tabs[i].act, keys, sizeof keys);
		snprintf(label, sizeof label, " %s %s ", keys, tabs[i].ops->title);
		app->tab_x[i] = x;
		x += canvas_text(c, x, 0, c->w - x, tabs[i].ops == base ? ROLE_TAB_ACTIVE : ROLE_TAB, label);
	}
	app->tab_x[NTABS] = x;
	for (int i = 1; i < app->nviews && x < c->w - 4; i++) {
		x += canvas_text(c, x, 0, c->w - x, ROLE_TITLE, " > ");
		x += canvas_text(c, x, 0, c->w - x, ROLE_TITLE, app->views[i]->ops->title);
	}
	const char *root = sv_engine_root(app->engine);
	int rw = text_width(root) + 2;
	if (x + rw + 2 <= c->w)
		canvas_text(c, c->w - rw, 0, rw, ROLE_TITLE, root);
}

int chrome_title_hit(struct tui *app, int x)
{
	for (int i = 0; i < NTABS; i++)
		if (x >= app->tab_x[i] && x < app->tab_x[i + 1])
			return i;
	return -1;
}

static int hint(struct canvas *c, int x, int y, const char *key, const char *desc)
{
	if (x >= c->w)
		return x;
	int need = text_width(key) + text_width(desc) + 3;
	if (x + need > c->w)
		return c->w;
	x += canvas_text(c, x, y, c->w - x, ROLE_KEY, key);
	x += canvas_text(c, x, y, c->w - x, ROLE_KEY_DESC, " ");
	x += canvas_text(c, x, y, c->w - x, ROLE_KEY_DESC, desc);
	x += canvas_text(c, x, y, c->w - x, ROLE_KEY_DESC, "  ");
	return x;
}

/* The short word of an action's help ("start" from "start"; "remove" from
 * "remove (asks first)"). */
static void short_help(const char *help, char *buf, size_t len)
{
	size_t n = strcspn(help, "(/,:");
	while (n > 0 && help[n - 1] == ' ')
		n--;
	snprintf(buf, len, "%.*s", (int)n, help);
}

void chrome_draw_status(struct tui *app, struct canvas *c)
{
	int y = c->h - 1;
	static const enum theme_role level_role[] = { ROLE_STATUS_INFO, ROLE_STATUS_WARN,
						      ROLE_STATUS_ERROR };
	if (app->status_on) {
		enum theme_role r = level_role[app->status_level];
		canvas_fill(c, rect_make(0, y, c->w, 1), r, ' ');
		canvas_field(c, 1, y, c->w - 1, r, app->status);
		return;
	}
	canvas_fill(c, rect_make(0, y, c->w, 1), ROLE_KEY_DESC, ' ');
	int x = 1;
	char keys[32], word[48];
	struct view *v = tui_top(app);
	static const enum tui_action tail[] = { ACT_COMMAND, ACT_HELP, ACT_QUIT, ACT_NONE };
	const enum tui_action *lists[] = { v && v->ops->hints ? v->ops->hints : tail + 3, tail };
	for (int l = 0; l < 2; l++)
		for (const enum tui_action *a = lists[l]; *a != ACT_NONE; a++) {
			tui_key first = tui_keymap(app)->keys[*a][0];
			if (!first)
				continue; /* unbound */
			keymap_key_name(first, keys, sizeof keys); /* the first key is enough here */
			short_help(*a == ACT_COMMAND ? "command" : keymap_action_help(*a), word,
				   sizeof word);
			x = hint(c, x, y, keys, word);
		}
}
