/*
 * The modal overlays: yes/no questions with a preview, one-line prompts,
 * a text pane (command output, inspect text) and the help overlay that
 * lists every key of the current screen from the keymap itself.
 */
#include "app/tui/app-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/menu.h"
#include "widgets/logpane.h"

/* ------------------------------------------------------------- questions */

struct ask {
	struct tui *app;
	struct dialog d;
	tui_confirm_fn *on_yes;
	tui_prompt_fn *on_ok;
	void *arg;
	void (*free_arg)(void *);
};

static void ask_draw(void *m, struct canvas *c, struct rect screen)
{
	struct ask *a = m;
	int cx, cy;
	dialog_draw(&a->d, c, screen, &cx, &cy);
	if (cx >= 0)
		tui_cursor(a->app, cx, cy);
}

static int ask_key(void *m, tui_key k)
{
	struct ask *a = m;
	enum dialog_result r = dialog_key(&a->d, k);
	if (r == DIALOG_NONE)
		return VIEW_REDRAW;
	if (r == DIALOG_YES && a->on_yes)
		a->on_yes(a->app, a->arg);
	if (r == DIALOG_YES && a->on_ok)
		a->on_ok(a->app, a->d.edit.buf, a->arg);
	return VIEW_POP;
}

static void ask_free(void *m)
{
	struct ask *a = m;
	if (a->free_arg)
		a->free_arg(a->arg);
	dialog_release(&a->d);
	free(a);
}

static const struct modal_ops ask_ops = { ask_draw, ask_key, ask_free, NULL };

void tui_confirm(struct tui *app, const char *title, char **lines, const char *yes_label,
		 tui_confirm_fn *on_yes, void *arg, void (*free_arg)(void *))
{
	struct ask *a = sv_xcalloc(1, sizeof *a);
	a->app = app;
	dialog_init(&a->d, title, lines, yes_label, "Cancel");
	a->on_yes = on_yes;
	a->arg = arg;
	a->free_arg = free_arg;
	tui_modal(app, &ask_ops, a);
}

struct job_holder {
	struct tui_job *job;
};

static void job_yes(struct tui *app, void *arg)
{
	struct job_holder *h = arg;
	tui_submit(app, NULL, sv_steal_ptr(&h->job));
}

static void job_holder_free(void *arg)
{
	struct job_holder *h = arg;
	tui_job_free(h->job);
	free(h);
}

void tui_confirm_job(struct tui *app, const char *title, char **lines, const char *yes_label,
		     struct tui_job *job)
{
	struct job_holder *h = sv_xcalloc(1, sizeof *h);
	h->job = job;
	tui_confirm(app, title, lines, yes_label, job_yes, h, job_holder_free);
}

void tui_prompt(struct tui *app, const char *title, const char *label, const char *initial,
		tui_prompt_fn *on_ok, void *arg, void (*free_arg)(void *))
{
	struct ask *a = sv_xcalloc(1, sizeof *a);
	a->app = app;
	dialog_init(&a->d, title, NULL, "OK", "Cancel");
	dialog_add_input(&a->d, label, initial);
	a->on_ok = on_ok;
	a->arg = arg;
	a->free_arg = free_arg;
	tui_modal(app, &ask_ops, a);
}

/* ------------------------------------------------------------- text pane */

struct pane {
	struct tui *app;
	char *title;
	struct logpane lp;
	bool searching;
	struct lineedit edit;
};

static void pane_draw(void *m, struct canvas *c, struct rect screen)
{
	struct pane *p = m;
	struct rect r = rect_make(screen.x + 1, screen.y + 1, screen.w - 2, screen.h - 2);
	if (r.w < 4 || r.h < 3)
		return;
	canvas_fill(c, r, ROLE_DEFAULT, ' ');
	canvas_box(c, r, ROLE_BORDER, p->title);
	struct rect in = rect_make(r.x + 1, r.y + 1, r.w - 2, r.h - 2 - (p->searching ? 1 : 0));
	logpane_draw(&p->lp, c, in);
	if (p->searching) {
		int y = r.y + r.h - 2;
		canvas_text(c, r.x + 1, y, 1, ROLE_INPUT_FOCUS, "/");
		int cx = lineedit_draw(&p->edit, c, rect_make(r.x + 2, y, r.w - 3, 1), ROLE_INPUT_FOCUS);
		tui_cursor(p->app, cx, y);
	}
}

static int pane_search_key(struct pane *p, tui_key k)
{
	enum lineedit_result r = lineedit_key(&p->edit, k);
	if (r == LINEEDIT_SUBMIT) {
		p->searching = false;
		if (!logpane_set_search(&p->lp, p->edit.buf) && p->edit.buf[0])
			tui_status(p->app, TUI_WARN, "not found: %s", p->edit.buf);
	} else if (r == LINEEDIT_CANCEL) {
		p->searching = false;
	}
	return VIEW_REDRAW;
}

static int pane_key(void *m, tui_key k)
{
	struct pane *p = m;
	if (p->searching)
		return pane_search_key(p, k);
	switch (k) {
	case 'j': case KEYC_DOWN: logpane_scroll(&p->lp, 1); break;
	case 'k': case KEYC_UP: logpane_scroll(&p->lp, -1); break;
	case KEYC_PGDN: case ' ': case KEYC_CTRL('f'): logpane_scroll(&p->lp, p->lp.page); break;
	case KEYC_PGUP: case KEYC_CTRL('b'): logpane_scroll(&p->lp, -p->lp.page); break;
	case 'g': case KEYC_HOME: logpane_home(&p->lp); break;
	case 'G': case KEYC_END: logpane_end(&p->lp); break;
	case 'w': p->lp.wrap = !p->lp.wrap; break;
	case 'n': logpane_search_next(&p->lp, 1); break;
	case 'N': logpane_search_next(&p->lp, -1); break;
	case '/':
		p->searching = true;
		lineedit_set(&p->edit, "");
		break;
	case 'q': case KEYC_ESC: case KEYC_ENTER: return VIEW_POP;
	default: return VIEW_HANDLED;
	}
	return VIEW_REDRAW;
}

static void pane_free(void *m)
{
	struct pane *p = m;
	logpane_release(&p->lp);
	lineedit_release(&p->edit);
	free(p->title);
	free(p);
}

static const struct modal_ops pane_ops = { pane_draw, pane_key, pane_free, NULL };

void tui_show_text(struct tui *app, const char *title, char *text)
{
	struct pane *p = sv_xcalloc(1, sizeof *p);
	p->app = app;
	p->title = sv_xstrdup(title);
	logpane_init(&p->lp, 20000);
	logpane_append_text(&p->lp, text, false);
	logpane_home(&p->lp);
	lineedit_init(&p->edit);
	free(text);
	tui_modal(app, &pane_ops, p);
}

/* ------------------------------------------------------------------ help */

static void help_section(struct sv_buf *b, const struct keymap *km, const char *scope,
			 const char *heading)
{
	bool any = false;
	for (int a = 1; a < ACT_COUNT; a++) {
		const char *name = keymap_action_name((enum tui_action)a);
		size_t n = strlen(scope);
		if (strncmp(name, scope, n) != 0 || name[n] != '.')
			continue;
		char keys[64];
		keymap_keys_text(km, (enum tui_action)a, keys, sizeof keys);
		if (!any)
			sv_buf_addf(b, "%s%s\n", b->len ? "\n" : "", heading);
		any = true;
		sv_buf_addf(b, "  %-14s %s\n", keys[0] ? keys : "(unbound)",
			    keymap_action_help((enum tui_action)a));
	}
}

void modal_help_open(struct tui *app)
{
	struct view *v = tui_top(app);
	struct sv_buf b;
	sv_buf_init(&b);
	for (const char *const *s = v ? v->ops->scopes : NULL; s && *s; s++)
		if (strcmp(*s, "global") != 0)
			help_section(&b, &app->cfg.keys, *s, *s);
	help_section(&b, &app->cfg.keys, "global", "everywhere");
	sv_buf_addf(&b, "\n':' runs any servin command: :images, :tag busybox mine:1, :rmi ID ...\n"
			"Tab completes commands, options and names; Up/Down walk the history.\n"
			"Keys are set in %s (\"keys\": {\"containers.stop\": [\"x\"]}).\n",
		    app->cfg.path ? app->cfg.path : "~/.config/servin/desktop.json");
	SV_AUTOFREE char *title = sv_xasprintf("Help: %s", v ? v->ops->title : "servin");
	tui_show_text(app, title, sv_buf_detach(&b, NULL));
}

/* ------------------------------------------------------------------ forms */

struct form_modal {
	struct tui *app;
	struct form *f;
	tui_form_fn *on_ok;
	void *arg;
	void (*free_arg)(void *);
};

static void form_modal_draw(void *m, struct canvas *c, struct rect screen)
{
	struct form_modal *fm = m;
	int cx, cy;
	form_draw(fm->f, c, screen, &cx, &cy);
	if (cx >= 0)
		tui_cursor(fm->app, cx, cy);
}

static int form_modal_key(void *m, tui_key k)
{
	struct form_modal *fm = m;
	enum dialog_result r = form_key(fm->f, k);
	if (r == DIALOG_NONE)
		return VIEW_REDRAW;
	if (r == DIALOG_YES)
		fm->on_ok(fm->app, fm->f, fm->arg);
	return VIEW_POP;
}

static void form_modal_free(void *m)
{
	struct form_modal *fm = m;
	if (fm->free_arg)
		fm->free_arg(fm->arg);
	form_release(fm->f);
	free(fm->f);
	free(fm);
}

static const struct modal_ops form_modal_ops = { form_modal_draw, form_modal_key, form_modal_free, NULL };

void tui_form(struct tui *app, struct form *f, tui_form_fn *on_ok, void *arg, void (*free_arg)(void *))
{
	struct form_modal *fm = sv_xcalloc(1, sizeof *fm);
	fm->app = app;
	fm->f = f;
	fm->on_ok = on_ok;
	fm->arg = arg;
	fm->free_arg = free_arg;
	tui_modal(app, &form_modal_ops, fm);
}

/* ------------------------------------------------------------------ menus */

struct menu_modal {
	struct tui *app;
	struct menu m;
	int x, y;
	struct rect screen; /* where it was last drawn, for clicks */
};

static void menu_modal_draw(void *m, struct canvas *c, struct rect screen)
{
	struct menu_modal *mm = m;
	mm->screen = screen;
	menu_draw(&mm->m, c, screen, mm->x, mm->y);
}

/* A click on an item picks it, one outside the menu closes it; the wheel
 * moves the highlight. */
static int menu_modal_mouse(void *m, const struct tui_mouse *ev)
{
	struct menu_modal *mm = m;
	if (ev->button == 4 || ev->button == 5) {
		menu_key(&mm->m, ev->button == 4 ? KEYC_UP : KEYC_DOWN);
		return VIEW_REDRAW;
	}
	int v = menu_click(&mm->m, mm->screen, mm->x, mm->y, ev->x, ev->y);
	if (v == -2)
		return VIEW_REDRAW;
	if (v >= 0)
		tui_dispatch(mm->app, (enum tui_action)v); /* the menu closes after */
	return VIEW_POP;
}

static int menu_modal_key(void *m, tui_key k)
{
	struct menu_modal *mm = m;
	int v = menu_key(&mm->m, k);
	if (v == -2)
		return VIEW_REDRAW;
	if (v >= 0)
		tui_dispatch(mm->app, (enum tui_action)v); /* the menu closes after */
	return VIEW_POP;
}

static const struct modal_ops menu_modal_ops = { menu_modal_draw, menu_modal_key, free, menu_modal_mouse };

void tui_action_menu(struct tui *app, const char *title, const enum tui_action *actions, int x, int y)
{
	struct menu_modal *mm = sv_xcalloc(1, sizeof *mm);
	mm->app = app;
	mm->x = x;
	mm->y = y;
	menu_init(&mm->m, title);
	for (const enum tui_action *a = actions; *a != ACT_NONE; a++) {
		char keys[32], label[48];
		tui_key first = app->cfg.keys.keys[*a][0];
		keymap_key_name(first, keys, sizeof keys);
		const char *help = keymap_action_help(*a);
		size_t n = strcspn(help, "(:");
		while (n && help[n - 1] == ' ')
			n--;
		snprintf(label, sizeof label, "%.*s", (int)n, help);
		menu_add(&mm->m, label, first ? keys : "", (int)*a);
	}
	tui_modal(app, &menu_modal_ops, mm);
}
