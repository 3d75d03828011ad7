/*
 * The images browser: one row per tag (untagged images get one <none>
 * row), with sizes and shared sizes. Enter opens the image's detail; keys
 * remove (with a preview of what is untagged and what is deleted), tag,
 * prune (with the space it frees), run a container, and pull. The list
 * is reloaded on a worker when the journal says an image changed.
 */
#include "views/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"
#include "widgets/form.h"

enum { IC_REPO, IC_TAG, IC_ID, IC_CREATED, IC_SIZE, IC_SHARED, IC_CONTAINERS, IC_COUNT };

static const struct table_col image_cols[IC_COUNT] = {
	[IC_REPO] = { "repository", "REPOSITORY", 12, 0, false },
	[IC_TAG] = { "tag", "TAG", 8, 20, false },
	[IC_ID] = { "id", "IMAGE ID", 12, 12, false },
	[IC_CREATED] = { "created", "CREATED", 16, 16, false },
	[IC_SIZE] = { "size", "SIZE", 8, 9, true },
	[IC_SHARED] = { "shared", "SHARED", 8, 9, true },
	[IC_CONTAINERS] = { "containers", "USED BY", 7, 7, true },
};

struct image_row {
	size_t img;
	char *repo, *tag; /* owned */
};

struct images_view {
	struct tui *app;
	struct view *self;
	struct sv_image_summary *imgs;
	size_t nimgs;
	struct image_row *rows;
	size_t nrows;
	struct list_ui list;
	bool loading, again, loaded;
	char *error;
};

/* ------------------------------------------------------------------ model */

static size_t m_count(void *m)
{
	return ((struct images_view *)m)->nrows;
}

static const char *m_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	struct images_view *v = m;
	const struct image_row *r = &v->rows[row];
	const struct sv_image_summary *s = &v->imgs[r->img];
	switch (col) {
	case IC_REPO: return r->repo;
	case IC_TAG: return r->tag;
	case IC_ID: snprintf(buf, len, "%.12s", s->id + 7); return buf;
	case IC_CREATED: return view_fmt_time(s->created, buf, len);
	case IC_SIZE: return view_fmt_size(s->size, buf, len);
	case IC_SHARED: return view_fmt_size(s->shared_size, buf, len);
	case IC_CONTAINERS: snprintf(buf, len, "%lld", (long long)s->containers); return buf;
	default: return "";
	}
}

static int m_compare(void *m, size_t a, size_t b, int col)
{
	struct images_view *v = m;
	const struct sv_image_summary *x = &v->imgs[v->rows[a].img], *y = &v->imgs[v->rows[b].img];
	switch (col) {
	case IC_CREATED: return view_cmp_i64(x->created, y->created);
	case IC_SIZE: return view_cmp_i64(x->size, y->size);
	case IC_SHARED: return view_cmp_i64(x->shared_size, y->shared_size);
	case IC_CONTAINERS: return view_cmp_i64(x->containers, y->containers);
	case IC_REPO: return strcmp(v->rows[a].repo, v->rows[b].repo);
	case IC_TAG: return strverscmp(v->rows[a].tag, v->rows[b].tag);
	default: return strcmp(x->id, y->id);
	}
}

static int m_match(void *m, size_t row, const char *field, const char *value)
{
	struct images_view *v = m;
	const struct sv_image_summary *s = &v->imgs[v->rows[row].img];
	if (strcmp(field, "dangling") == 0)
		return (strcmp(v->rows[row].repo, "<none>") == 0) == (strcmp(value, "false") != 0);
	if (strcmp(field, "label") == 0) {
		SV_AUTOFREE char *k = sv_xstrdup(value);
		char *eq = strchr(k, '=');
		if (eq)
			*eq = '\0';
		const char *have = sv_json_str(s->labels, k);
		return have && (!eq || strcmp(have, eq + 1) == 0);
	}
	if (strcmp(field, "id") == 0)
		return strstr(s->id, value) != NULL;
	return -1;
}

static char keybuf[128];
static const char *m_key_full(void *m, size_t row)
{
	struct images_view *v = m;
	snprintf(keybuf, sizeof keybuf, "%.71s %s:%s", v->imgs[v->rows[row].img].id, v->rows[row].repo,
		 v->rows[row].tag);
	return keybuf;
}

static const struct table_ops images_table_ops = {
	.count = m_count,
	.cell = m_cell,
	.compare = m_compare,
	.match = m_match,
	.key = m_key_full,
};

static void rows_free(struct images_view *v)
{
	for (size_t i = 0; i < v->nrows; i++) {
		free(v->rows[i].repo);
		free(v->rows[i].tag);
	}
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
}

static void add_row(struct images_view *v, size_t img, const char *repotag)
{
	v->rows = sv_xrealloc(v->rows, (v->nrows + 1) * sizeof *v->rows);
	struct image_row *r = &v->rows[v->nrows++];
	r->img = img;
	char *colon = repotag ? strrchr(repotag, ':') : NULL;
	if (colon && !strchr(colon, '/')) {
		r->repo = sv_xstrndup(repotag, (size_t)(colon - repotag));
		r->tag = sv_xstrdup(colon + 1);
	} else {
		r->repo = sv_xstrdup(repotag ? repotag : "<none>");
		r->tag = sv_xstrdup("<none>");
	}
}

static void rebuild_rows(struct images_view *v)
{
	rows_free(v);
	for (size_t i = 0; i < v->nimgs; i++) {
		if (!v->imgs[i].repo_tags[0])
			add_row(v, i, NULL);
		for (size_t k = 0; v->imgs[i].repo_tags[k]; k++)
			add_row(v, i, v->imgs[i].repo_tags[k]);
	}
	table_reload(&v->list.table);
}

/* ----------------------------------------------------------------- loading */

struct load_job {
	struct tui_job job;
	struct images_view *v;
	struct tui_backend *b;
	struct sv_image_summary *imgs;
	size_t n;
	sv_err *err;
};

static void load_work(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	l->b->ops->images(l->b, &l->imgs, &l->n, &l->err);
}

static void load_start(struct images_view *v);

static void load_done(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	struct images_view *v = l->v;
	v->loading = false;
	free(v->error);
	v->error = l->err ? sv_xstrdup(l->err->msg) : NULL;
	if (!l->err) {
		sv_image_summaries_free(v->imgs, v->nimgs);
		v->imgs = sv_steal_ptr(&l->imgs);
		v->nimgs = l->n;
		v->loaded = true;
		rebuild_rows(v);
	}
	if (v->again) {
		v->again = false;
		load_start(v);
	}
}

static void load_free(struct tui_job *j)
{
	struct load_job *l = (struct load_job *)j;
	sv_image_summaries_free(l->imgs, l->n);
	sv_err_free(l->err);
	free(l);
}

static void load_start(struct images_view *v)
{
	if (v->loading) {
		v->again = true;
		return;
	}
	struct load_job *l = tui_job_new(sizeof *l, load_work, load_done, load_free);
	l->v = v;
	l->b = tui_backend(v->app);
	v->loading = true;
	tui_submit(v->app, v->self, &l->job);
}

/* ----------------------------------------------------------------- actions */

static const struct sv_image_summary *selected(struct images_view *v, const struct image_row **row)
{
	size_t r;
	if (!table_selected(&v->list.table, &r))
		return NULL;
	if (row)
		*row = &v->rows[r];
	return &v->imgs[v->rows[r].img];
}

/* The name to act on: repo:tag, or the id for an untagged row. */
static char *row_ref(const struct image_row *r, const struct sv_image_summary *s)
{
	if (strcmp(r->repo, "<none>") == 0)
		return sv_xasprintf("%.19s", s->id + 7);
	return sv_xasprintf("%s:%s", r->repo, r->tag);
}

struct op_job {
	struct tui_job job;
	struct tui *app;
	char **refs;	/* what to act on */
	char *target;	/* tag: the new name */
	int kind;	/* 0 remove, 1 tag, 2 prune */
	struct sv_buf report;
	int failures;
};

static void op_work(struct tui_job *j)
{
	struct op_job *o = (struct op_job *)j;
	struct tui_backend *b = tui_backend(o->app);
	sv_buf_init(&o->report);
	for (size_t i = 0; o->kind != 2 && o->refs[i] && !atomic_load(&j->cancel); i++) {
		SV_AUTOERR sv_err *err = NULL;
		struct sv_image_rm_result res = { 0 };
		int rc = o->kind == 0 ? b->ops->image_remove(b, o->refs[i], false, &res, &err)
				      : b->ops->image_tag(b, o->refs[i], o->target, &err);
		if (rc < 0) {
			o->failures++;
			sv_buf_addf(&o->report, "%s: %s\n", o->refs[i], err->msg);
		} else if (o->kind == 0) {
			for (size_t k = 0; res.untagged && res.untagged[k]; k++)
				sv_buf_addf(&o->report, "Untagged: %s\n", res.untagged[k]);
			for (size_t k = 0; res.deleted && res.deleted[k]; k++)
				sv_buf_addf(&o->report, "Deleted: %s\n", res.deleted[k]);
		} else {
			sv_buf_addf(&o->report, "Tagged %s as %s\n", o->refs[i], o->target);
		}
		sv_image_rm_result_release(&res);
	}
	if (o->kind == 2) {
		SV_AUTOERR sv_err *err = NULL;
		struct sv_image_rm_result res = { 0 };
		if (b->ops->image_prune(b, false, &res, &err) < 0) {
			o->failures++;
			sv_buf_addf(&o->report, "prune: %s\n", err->msg);
		} else {
			char sz[16];
			for (size_t k = 0; res.deleted && res.deleted[k]; k++)
				sv_buf_addf(&o->report, "Deleted: %s\n", res.deleted[k]);
			sv_buf_addf(&o->report, "Total reclaimed space: %s\n",
				    sv_str_human_size(res.reclaimed, sz, sizeof sz));
		}
		sv_image_rm_result_release(&res);
	}
}

static void op_done(struct tui_job *j)
{
	struct op_job *o = (struct op_job *)j;
	size_t n = sv_strv_len(o->refs);
	if (o->failures)
		tui_status(o->app, TUI_ERROR, "%d of %zu failed", o->failures, o->kind == 2 ? 1 : n);
	else
		tui_status(o->app, TUI_INFO, "%s", o->report.len < 200 ? o->report.data : "done");
	if (o->failures || (n > 1 && o->kind == 0) || o->kind == 2)
		tui_show_text(o->app, o->kind == 2 ? "Prune" : "Results", sv_buf_detach(&o->report, NULL));
}

static void op_free(struct tui_job *j)
{
	struct op_job *o = (struct op_job *)j;
	sv_strv_free(o->refs);
	free(o->target);
	sv_buf_release(&o->report);
	free(o);
}

static void op_submit(struct tui *app, int kind, char **refs, const char *target)
{
	struct op_job *o = tui_job_new(sizeof *o, op_work, op_done, op_free);
	o->app = app;
	o->kind = kind;
	o->refs = refs;
	o->target = target ? sv_xstrdup(target) : NULL;
	sv_buf_init(&o->report);
	tui_submit(app, NULL, &o->job);
}

static void remove_yes(struct tui *app, void *arg)
{
	op_submit(app, 0, sv_steal_ptr((char ***)arg), NULL);
}

static void free_refs(void *arg)
{
	char ***p = arg;
	sv_strv_free(*p);
	free(p);
}

static void ask_remove(struct images_view *v)
{
	size_t n;
	SV_AUTOFREE size_t *rows = table_targets(&v->list.table, &n);
	if (!n)
		return;
	char ***refs = sv_xcalloc(1, sizeof *refs);
	char **lines = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct image_row *r = &v->rows[rows[i]];
		const struct sv_image_summary *s = &v->imgs[r->img];
		SV_AUTOFREE char *ref = row_ref(r, s);
		size_t ntags = sv_strv_len(s->repo_tags);
		char sz[16];
		sv_strv_push_take(&lines, sv_xasprintf("%s  %s", ref,
					ntags > 1 ? "(untag only: the image has other tags)"
						  : view_fmt_size(s->size, sz, sizeof sz)));
		sv_strv_push(refs, ref);
	}
	SV_AUTOFREE char *title = sv_xasprintf("Remove %zu image%s?", n, n == 1 ? "" : "s");
	tui_confirm(v->app, title, lines, "Remove", remove_yes, refs, free_refs);
}

static void tag_ok(struct tui *app, const char *text, void *arg)
{
	char ***refs = arg;
	if (!*text) {
		tui_status(app, TUI_WARN, "no name given: nothing tagged");
		return;
	}
	op_submit(app, 1, sv_steal_ptr(refs), text);
}

static void ask_tag(struct images_view *v)
{
	const struct image_row *r;
	const struct sv_image_summary *s = selected(v, &r);
	if (!s)
		return;
	char ***refs = sv_xcalloc(1, sizeof *refs);
	sv_strv_push_take(refs, row_ref(r, s));
	SV_AUTOFREE char *title = sv_xasprintf("Tag %s", (*refs)[0]);
	tui_prompt(v->app, title, "new name:", "", tag_ok, refs, free_refs);
}

static void prune_yes(struct tui *app, void *arg)
{
	(void)arg;
	op_submit(app, 2, sv_xcalloc(1, sizeof(char *)), NULL);
}

/* The preview: the dangling, unused images and the space they hold. */
static void ask_prune(struct images_view *v)
{
	char **lines = NULL;
	int64_t total = 0;
	for (size_t i = 0; i < v->nimgs; i++) {
		const struct sv_image_summary *s = &v->imgs[i];
		if (s->repo_tags[0] || s->containers > 0)
			continue;
		char sz[16];
		int64_t own = s->size - s->shared_size;
		total += own > 0 ? own : 0;
		sv_strv_push_take(&lines, sv_xasprintf("%.12s  %s", s->id + 7,
						       view_fmt_size(s->size, sz, sizeof sz)));
	}
	if (!lines) {
		tui_status(v->app, TUI_INFO, "nothing to prune: no dangling images");
		return;
	}
	char sz[16];
	sv_strv_push_take(&lines, sv_xasprintf("about %s freed", view_fmt_size(total, sz, sizeof sz)));
	tui_confirm(v->app, "Prune dangling images?", lines, "Prune", prune_yes, NULL, NULL);
}

enum { RF_NAME, RF_CMD, RF_PORTS, RF_ENV, RF_MEM, RF_RM };

/* Appends "FLAG WORD" for every blank-separated word of text. */
static void add_each(char ***argv, const char *flag, const char *text)
{
	char **words = NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (cli_batch_split(text, &words, &err) != 0)
		return;
	for (size_t i = 0; words[i]; i++) {
		sv_strv_push(argv, flag);
		sv_strv_push(argv, words[i]);
	}
	sv_strv_free(words);
}

/* The form's fields as a `run -d` command line for the CLI's table. */
static void run_ok(struct tui *app, const struct form *f, void *arg)
{
	const char *image = arg;
	char **argv = NULL;
	sv_strv_push(&argv, "run");
	sv_strv_push(&argv, "-d");
	if (*form_text(f, RF_NAME)) {
		sv_strv_push(&argv, "--name");
		sv_strv_push(&argv, form_text(f, RF_NAME));
	}
	add_each(&argv, "-p", form_text(f, RF_PORTS));
	add_each(&argv, "-e", form_text(f, RF_ENV));
	if (*form_text(f, RF_MEM)) {
		sv_strv_push(&argv, "-m");
		sv_strv_push(&argv, form_text(f, RF_MEM));
	}
	if (form_checked(f, RF_RM))
		sv_strv_push(&argv, "--rm");
	sv_strv_push(&argv, image);
	struct sv_buf line;
	sv_buf_init(&line);
	for (size_t i = 0; argv[i]; i++) {
		SV_AUTOFREE char *q = cli_batch_quote(argv[i]);
		sv_buf_addf(&line, "%s%s", i ? " " : "", q);
	}
	if (*form_text(f, RF_CMD)) /* the command is typed as on a command line */
		sv_buf_addf(&line, " %s", form_text(f, RF_CMD));
	tui_command(app, line.data);
	sv_buf_release(&line);
	sv_strv_free(argv);
}

static void ask_run(struct images_view *v)
{
	const struct image_row *r;
	const struct sv_image_summary *s = selected(v, &r);
	if (!s)
		return;
	char *ref = row_ref(r, s);
	SV_AUTOFREE char *title = sv_xasprintf("Run a container from %s", ref);
	struct form *f = sv_xcalloc(1, sizeof *f);
	form_init(f, title);
	form_add_text(f, "Name", "", "optional: a name for the container");
	form_add_text(f, "Command", "", "optional: what to run instead of the image's command");
	form_add_text(f, "Publish", "", "optional: host:container ports, e.g. 8080:80 (several: blanks between)");
	form_add_text(f, "Environment", "", "optional: K=V pairs, blanks between");
	form_add_text(f, "Memory", "", "optional: a memory limit, e.g. 256m");
	form_add_check(f, "Remove on exit", false);
	tui_form(v->app, f, run_ok, ref, free);
}

static void pull_ok(struct tui *app, const char *text, void *arg)
{
	(void)arg;
	if (*text)
		tui_push(app, &view_pull, text);
}

/* ------------------------------------------------------------------- view */

static void *images_init(struct tui *app, struct view *self, const char *arg)
{
	(void)arg;
	struct images_view *v = sv_xcalloc(1, sizeof *v);
	v->app = app;
	v->self = self;
	list_ui_init(&v->list, app, image_cols, IC_COUNT, &images_table_ops, v,
		     tui_config(app)->images_columns);
	load_start(v);
	return v;
}

static void images_free(void *state)
{
	struct images_view *v = state;
	list_ui_release(&v->list);
	rows_free(v);
	sv_image_summaries_free(v->imgs, v->nimgs);
	free(v->error);
	free(v);
}

static void images_draw(void *state, struct canvas *c, struct rect r)
{
	struct images_view *v = state;
	const char *note = v->error ? v->error : !v->loaded ? "loading..." : NULL;
	list_ui_draw(&v->list, c, r, "images", note);
}

static int images_key(void *state, enum tui_action a, tui_key k)
{
	struct images_view *v = state;
	int r = list_ui_key(&v->list, a, k);
	if (r != VIEW_IGNORED)
		return r;
	const struct image_row *row;
	const struct sv_image_summary *s;
	switch (a) {
	case ACT_OPEN:
		if ((s = selected(v, &row)) != NULL)
			tui_push(v->app, &view_image, s->id);
		break;
	case ACT_IMG_REMOVE: ask_remove(v); break;
	case ACT_IMG_TAG: ask_tag(v); break;
	case ACT_IMG_PRUNE: ask_prune(v); break;
	case ACT_IMG_RUN: ask_run(v); break;
	case ACT_IMG_PULL:
		tui_prompt(v->app, "Pull an image", "reference:", "", pull_ok, NULL, NULL);
		break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}

static int images_mouse(void *state, const struct tui_mouse *m)
{
	struct images_view *v = state;
	return list_ui_mouse(&v->list, m);
}

static void images_on_event(void *state, const struct sv_engine_event *ev)
{
	struct images_view *v = state;
	if (strcmp(ev->type, "image") == 0 || strcmp(ev->type, "container") == 0)
		load_start(v);
}

static const char *images_selected_id(void *state)
{
	const struct sv_image_summary *s = selected(state, NULL);
	return s ? s->id : NULL;
}

static const char *const images_scopes[] = { "images", "list", "global", NULL };
static const enum tui_action images_hints[] = { ACT_OPEN, ACT_FILTER, ACT_IMG_RUN, ACT_IMG_TAG,
						ACT_IMG_REMOVE, ACT_IMG_PRUNE, ACT_NONE };

const struct view_ops view_images = {
	.name = "images",
	.title = "Images",
	.scopes = images_scopes,
	.hints = images_hints,
	.init = images_init,
	.free = images_free,
	.draw = images_draw,
	.key = images_key,
	.mouse = images_mouse,
	.on_event = images_on_event,
	.selected_id = images_selected_id,
};
