/*
 * The frame around the views: the title bar (tabs for the top-level
 * screens, where the state lives) and the status bar (a transient message,
 * else the keys of the current screen).
 */
#include "app/tui/app-internal.h"

#include <stdio.h>
#include <string.h>

#include "views/views.h"
#include "widgets/statusbar.h"

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
	if (app->status_on) {
		statusbar_message(c, y, (enum statusbar_level)app->status_level, app->status);
		return;
	}
	char keys[24][16], words[24][48];
	struct statusbar_hint hints[24];
	int n = 0;
	struct view *v = tui_top(app);
	static const enum tui_action tail[] = { ACT_COMMAND, ACT_HELP, ACT_QUIT, ACT_NONE };
	const enum tui_action *lists[] = { v && v->ops->hints ? v->ops->hints : tail + 3, tail };
	for (int l = 0; l < 2; l++)
		for (const enum tui_action *a = lists[l]; *a != ACT_NONE && n < 24; a++) {
			tui_key first = tui_keymap(app)->keys[*a][0];
			if (!first)
				continue; /* unbound */
			keymap_key_name(first, keys[n], sizeof keys[n]); /* the first key is enough here */
			short_help(*a == ACT_COMMAND ? "command" : keymap_action_help(*a), words[n],
				   sizeof words[n]);
			hints[n] = (struct statusbar_hint){ keys[n], words[n] };
			n++;
		}
	statusbar_hints(c, y, hints, n);
}
