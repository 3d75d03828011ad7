/*
 * What the volumes and networks screens share: a table over an array of
 * Docker's JSON objects, loaded on a worker and again when the journal
 * names their type, Enter to read one object in full, and the names of
 * the marked rows (or the one under the cursor) for actions, which run as
 * command lines of the CLI's table so their results read as the CLI's.
 */
#include "views/jsonlist.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"

struct load_job {
	struct tui_job job;
	struct jsonlist *jl;
	struct tui_backend *b;
	cJSON *arr;
	sv_err *err;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	l->arr = l->jl->fetch(l->b, &l->err);
}

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct jsonlist *jl = l->jl;
	jl->loading = false;
	jl->loaded = true;
	free(jl->error);
	jl->error = l->err ? sv_xstrdup(l->err->msg) : NULL;
	if (cJSON_IsArray(l->arr)) {
		cJSON_Delete(jl->arr);
		jl->arr = sv_steal_ptr(&l->arr);
		free(jl->items);
		jl->n = (size_t)cJSON_GetArraySize(jl->arr);
		jl->items = sv_xcalloc(jl->n + 1, sizeof *jl->items);
		size_t i = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, jl->arr)
		{
			jl->items[i++] = it;
		}
		table_reload(&jl->list.table);
	}
	if (jl->again) {
		jl->again = false;
		jsonlist_load(jl);
	}
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	cJSON_Delete(l->arr);
	sv_err_free(l->err);
	free(l);
}

void jsonlist_load(struct jsonlist *jl)
{
	if (jl->loading) {
		jl->again = true;
		return;
	}
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->jl = jl;
	l->b = tui_backend(jl->app);
	jl->loading = true;
	tui_submit(jl->app, jl->self, &l->job);
}

void jsonlist_init(struct jsonlist *jl, struct tui *app, struct view *self, const struct table_col *cols,
		   int ncols, const struct table_ops *ops, jsonlist_fetch_fn *fetch, const char *what)
{
	memset(jl, 0, sizeof *jl);
	jl->app = app;
	jl->self = self;
	jl->fetch = fetch;
	jl->what = what;
	list_ui_init(&jl->list, app, cols, ncols, ops, jl, NULL);
	jsonlist_load(jl);
}

void jsonlist_release(struct jsonlist *jl)
{
	list_ui_release(&jl->list);
	cJSON_Delete(jl->arr);
	free(jl->items);
	free(jl->error);
}

void jsonlist_draw(struct jsonlist *jl, struct canvas *c, struct rect r)
{
	list_ui_draw(&jl->list, c, r, jl->what, jl->error ? jl->error : jl->loaded ? NULL : "loading...");
}

const cJSON *jsonlist_selected(const struct jsonlist *jl)
{
	size_t row;
	return table_selected(&jl->list.table, &row) ? jl->items[row] : NULL;
}

size_t jsonlist_count(void *m)
{
	return ((struct jsonlist *)m)->n;
}

const char *jsonlist_str(void *m, size_t row, const char *key)
{
	const char *s = sv_json_str(((struct jsonlist *)m)->items[row], key);
	return s ? s : "";
}

const char *jsonlist_key_name(void *m, size_t row)
{
	return jsonlist_str(m, row, "Name");
}

char *jsonlist_command(const struct jsonlist *jl, const char *verb)
{
	size_t n;
	SV_AUTOFREE size_t *rows = table_targets(&jl->list.table, &n);
	if (!n)
		return NULL;
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_adds(&b, verb);
	for (size_t i = 0; i < n; i++) {
		SV_AUTOFREE char *q = cli_batch_quote(sv_json_str(jl->items[rows[i]], "Name")
							      ? sv_json_str(jl->items[rows[i]], "Name")
							      : "");
		sv_buf_addf(&b, " %s", q);
	}
	return sv_buf_detach(&b, NULL);
}

int jsonlist_key(struct jsonlist *jl, enum tui_action a, tui_key k)
{
	int r = list_ui_key(&jl->list, a, k);
	if (r != VIEW_IGNORED)
		return r;
	const cJSON *it = a == ACT_OPEN ? jsonlist_selected(jl) : NULL;
	if (!it)
		return VIEW_IGNORED;
	SV_AUTOFREE char *title = sv_xasprintf("%s", sv_json_str(it, "Name") ? sv_json_str(it, "Name") : "");
	tui_show_text(jl->app, title, sv_json_print_pretty(it));
	return VIEW_REDRAW;
}

static void run_line(struct tui *app, void *arg)
{
	tui_command(app, arg);
}

void jsonlist_ask_remove(struct jsonlist *jl, const char *verb, const char *noun, const char *what)
{
	SV_AUTOFREE char *cmd = jsonlist_command(jl, verb);
	if (!cmd)
		return;
	char **lines = sv_strv_split(cmd + strlen(verb) + 1, ' ', true);
	size_t n = sv_strv_len(lines);
	SV_AUTOFREE char *title = sv_xasprintf("Remove %zu %s%s%s?", n, noun, n == 1 ? "" : "s", what);
	tui_confirm(jl->app, title, lines, "Remove", run_line, sv_steal_ptr(&cmd), free);
}
