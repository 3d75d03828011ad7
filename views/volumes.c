/*
 * Volumes: the list (name, driver, mountpoint, created, labels), Enter to
 * inspect, c for the create form (driver, options, labels), D to remove the
 * marked ones (asking first), P to prune unused volumes. Actions are lines
 * of the CLI's table, so their reports read as `servin volume ...` does.
 */
#include "views/jsonlist.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"
#include "widgets/form.h"

enum { VC_NAME, VC_DRIVER, VC_MOUNT, VC_CREATED, VC_LABELS, VC_COUNT };

static const struct table_col volume_cols[VC_COUNT] = {
	[VC_NAME] = { "name", "VOLUME NAME", 12, 0, false },
	[VC_DRIVER] = { "driver", "DRIVER", 6, 8, false },
	[VC_MOUNT] = { "mountpoint", "MOUNTPOINT", 10, 0, false },
	[VC_CREATED] = { "created", "CREATED", 16, 20, false },
	[VC_LABELS] = { "labels", "LABELS", 6, 30, false },
};

static const char *labels_text(const cJSON *o, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	const cJSON *l;
	cJSON_ArrayForEach(l, sv_json_obj(o, "Labels"))
	{
		if (!cJSON_IsString(l))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", l->string, l->valuestring);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

static const char *v_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	const cJSON *o = ((struct jsonlist *)m)->items[row];
	switch (col) {
	case VC_NAME: return jsonlist_str(m, row, "Name");
	case VC_DRIVER: return jsonlist_str(m, row, "Driver");
	case VC_MOUNT: return jsonlist_str(m, row, "Mountpoint");
	case VC_CREATED: {
		const char *t = jsonlist_str(m, row, "CreatedAt");
		snprintf(buf, len, "%.16s", t);
		char *tt = strchr(buf, 'T');
		if (tt)
			*tt = ' ';
		return buf;
	}
	case VC_LABELS: return labels_text(o, buf, len);
	default: return "";
	}
}

static int v_match(void *m, size_t row, const char *field, const char *value)
{
	if (strcmp(field, "driver") == 0)
		return strcmp(jsonlist_str(m, row, "Driver"), value) == 0;
	if (strcmp(field, "label") == 0) {
		char buf[512];
		return strstr(labels_text(((struct jsonlist *)m)->items[row], buf, sizeof buf), value) != NULL;
	}
	return -1;
}

static const struct table_ops volumes_table = {
	.count = jsonlist_count, .cell = v_cell, .match = v_match, .key = jsonlist_key_name,
};

static cJSON *fetch(struct tui_backend *b, sv_err **err)
{
	return b->ops->volumes(b, err);
}

enum { VF_NAME, VF_DRIVER, VF_OPTS, VF_LABELS };

static void add_each(struct sv_buf *line, const char *flag, const char *text)
{
	char **words = NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (cli_batch_split(text, &words, &err) != 0)
		return;
	for (size_t i = 0; words[i]; i++) {
		SV_AUTOFREE char *q = cli_batch_quote(words[i]);
		sv_buf_addf(line, " %s %s", flag, q);
	}
	sv_strv_free(words);
}

static void create_ok(struct tui *app, const struct form *f, void *arg)
{
	(void)arg;
	struct sv_buf line;
	sv_buf_init(&line);
	sv_buf_adds(&line, "volume create");
	if (*form_text(f, VF_DRIVER)) {
		SV_AUTOFREE char *q = cli_batch_quote(form_text(f, VF_DRIVER));
		sv_buf_addf(&line, " --driver %s", q);
	}
	add_each(&line, "--opt", form_text(f, VF_OPTS));
	add_each(&line, "--label", form_text(f, VF_LABELS));
	if (*form_text(f, VF_NAME)) {
		SV_AUTOFREE char *q = cli_batch_quote(form_text(f, VF_NAME));
		sv_buf_addf(&line, " %s", q);
	}
	tui_command(app, line.data);
	sv_buf_release(&line);
}

static void prune_yes(struct tui *app, void *arg)
{
	(void)arg;
	tui_command(app, "volume prune --force");
}

/* servin names an anonymous volume with 64 random hex digits; the JSON of
 * a volume says no more (Docker's has no such field either). */
static bool anonymous_name(const char *name)
{
	return name && strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
}

/* The preview: what `volume prune` removes, the anonymous volumes no
 * container refers to; unused named ones stay, and are counted. */
static void ask_prune(struct jsonlist *jl)
{
	char **lines = NULL;
	size_t named = 0;
	for (size_t i = 0; i < jl->n; i++) {
		const cJSON *u = sv_json_obj(jl->items[i], "UsageData");
		const char *name = sv_json_str(jl->items[i], "Name");
		if (!u || sv_json_i64(u, "RefCount", 0) != 0)
			continue;
		if (anonymous_name(name))
			sv_strv_push(&lines, name);
		else
			named++;
	}
	if (!lines) {
		tui_status(jl->app, TUI_INFO, "nothing to prune: no unused anonymous volume%s",
			   named ? " (unused named ones stay)" : "");
		return;
	}
	if (named)
		sv_strv_push_take(&lines, sv_xasprintf("(%zu unused named volume%s stay%s)", named,
						       named == 1 ? "" : "s", named == 1 ? "s" : ""));
	tui_confirm(jl->app, "Prune unused anonymous volumes?", lines, "Prune", prune_yes, NULL, NULL);
}

static void *volumes_init(struct tui *app, struct view *self, const char *arg)
{
	(void)arg;
	struct jsonlist *jl = sv_xcalloc(1, sizeof *jl);
	jsonlist_init(jl, app, self, volume_cols, VC_COUNT, &volumes_table, fetch, "volumes");
	return jl;
}

static void volumes_free(void *state)
{
	jsonlist_release(state);
	free(state);
}

static void volumes_draw(void *state, struct canvas *c, struct rect r)
{
	jsonlist_draw(state, c, r);
}

static int volumes_key(void *state, enum tui_action a, tui_key k)
{
	struct jsonlist *jl = state;
	int r = jsonlist_key(jl, a, k);
	if (r != VIEW_IGNORED)
		return r;
	switch (a) {
	case ACT_VOL_CREATE: {
		struct form *f = sv_xcalloc(1, sizeof *f);
		form_init(f, "Create a volume");
		form_add_text(f, "Name", "", "optional: a random name otherwise");
		form_add_text(f, "Driver", "local", "the volume driver");
		form_add_text(f, "Options", "", "optional: driver options, k=v (type=tmpfs device=tmpfs o=size=64m)");
		form_add_text(f, "Labels", "", "optional: k=v pairs, blanks between");
		tui_form(jl->app, f, create_ok, NULL, NULL);
		break;
	}
	case ACT_VOL_REMOVE: jsonlist_ask_remove(jl, "volume rm", "volume", " and their data"); break;
	case ACT_VOL_PRUNE: ask_prune(jl); break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}

static int volumes_mouse(void *state, const struct tui_mouse *m)
{
	return list_ui_mouse(&((struct jsonlist *)state)->list, m);
}

static void volumes_on_event(void *state, const struct sv_engine_event *ev)
{
	if (strcmp(ev->type, "volume") == 0 || strcmp(ev->type, "container") == 0)
		jsonlist_load(state);
}

static void volumes_refresh(void *state)
{
	jsonlist_load(state);
}

static const char *volumes_selected_id(void *state)
{
	const cJSON *o = jsonlist_selected(state);
	return o ? sv_json_str(o, "Name") : NULL;
}

static const char *const volumes_scopes[] = { "volumes", "list", "global", NULL };
static const enum tui_action volumes_hints[] = { ACT_OPEN, ACT_FILTER, ACT_VOL_CREATE, ACT_VOL_REMOVE,
						 ACT_VOL_PRUNE, ACT_NONE };

const struct view_ops view_volumes = {
	.name = "volumes",
	.title = "Volumes",
	.scopes = volumes_scopes,
	.hints = volumes_hints,
	.init = volumes_init,
	.free = volumes_free,
	.draw = volumes_draw,
	.key = volumes_key,
	.mouse = volumes_mouse,
	.on_event = volumes_on_event,
	.refresh = volumes_refresh,
	.selected_id = volumes_selected_id,
};
