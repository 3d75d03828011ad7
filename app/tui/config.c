/*
 * desktop.json. Parsing is member by member so that one bad entry costs
 * only itself: the error lists every problem, the rest of the file applies.
 */
#include "app/tui/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/cli.h"

void tui_config_init(struct tui_config *c)
{
	memset(c, 0, sizeof *c);
	c->theme = sv_xstrdup("dark");
	c->refresh = 1.0;
	c->mouse = true;
	c->view = sv_xstrdup("containers");
	keymap_defaults(&c->keys);
}

void tui_config_release(struct tui_config *c)
{
	free(c->path);
	free(c->theme);
	free(c->view);
	sv_strv_free(c->containers_columns);
	sv_strv_free(c->images_columns);
	memset(c, 0, sizeof *c);
}

char *tui_config_default_path(void)
{
	return cli_user_file("config", "desktop.json", false);
}

static void take_string(char **dst, const cJSON *v, const char *key, struct sv_buf *pb)
{
	if (!v)
		return;
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 4096) {
		keymap_problem(pb, "\"%s\" must be a non-empty string", key);
		return;
	}
	free(*dst);
	*dst = sv_xstrdup(v->valuestring);
}

static void take_columns(char ***dst, const cJSON *cols, const char *view, struct sv_buf *pb)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cols, view);
	if (!v)
		return;
	SV_AUTOERR sv_err *e = NULL;
	char **names = NULL;
	if (!cJSON_IsArray(v) || sv_json_strv(v, &names, &e) < 0 || !names || !names[0]) {
		sv_strv_free(names);
		keymap_problem(pb, "\"columns.%s\" must be a non-empty array of column names", view);
		return;
	}
	sv_strv_free(*dst);
	*dst = names;
}

static void parse_members(struct tui_config *c, const cJSON *j, struct sv_buf *pb)
{
	static const char *const known[] = { "theme", "refresh", "mouse", "view", "columns", "keys" };
	for (const cJSON *m = j->child; m; m = m->next) {
		size_t i = 0;
		while (i < sizeof known / sizeof known[0] && strcmp(known[i], m->string))
			i++;
		if (i == sizeof known / sizeof known[0])
			keymap_problem(pb, "unknown setting \"%s\"", m->string);
	}
	take_string(&c->theme, cJSON_GetObjectItemCaseSensitive(j, "theme"), "theme", pb);
	take_string(&c->view, cJSON_GetObjectItemCaseSensitive(j, "view"), "view", pb);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "refresh");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0.25 || v->valuedouble > 60))
		keymap_problem(pb, "\"refresh\" must be a number of seconds from 0.25 to 60");
	else if (v)
		c->refresh = v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(j, "mouse");
	if (v && !cJSON_IsBool(v))
		keymap_problem(pb, "\"mouse\" must be true or false");
	else if (v)
		c->mouse = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(j, "columns");
	if (v && !cJSON_IsObject(v))
		keymap_problem(pb, "\"columns\" must be an object");
	else if (v) {
		take_columns(&c->containers_columns, v, "containers", pb);
		take_columns(&c->images_columns, v, "images", pb);
	}
	SV_AUTOERR sv_err *ke = NULL;
	if (keymap_apply_json(&c->keys, cJSON_GetObjectItemCaseSensitive(j, "keys"), &ke) < 0)
		keymap_problem(pb, "%s", ke->msg);
}

int tui_config_parse(struct tui_config *c, const char *text, size_t len, const char *what,
		     sv_err **err)
{
	SV_AUTOERR sv_err *perr = NULL;
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, TUI_CONFIG_MAX_BYTES, what, &perr);
	if (!j)
		return sv_err_setx(err, perr->code, "%s; using the default settings", perr->msg);
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "%s: the settings must be a JSON object; using the defaults",
				   what);
	struct sv_buf pb;
	sv_buf_init(&pb);
	parse_members(c, j, &pb);
	int rc = 0;
	if (pb.len)
		rc = sv_err_setx(err, EINVAL, "%s: %s (defaults used for those)", what, pb.data);
	sv_buf_release(&pb);
	return rc;
}

int tui_config_load(struct tui_config *c, const char *path, sv_err **err)
{
	free(c->path);
	c->path = path ? sv_xstrdup(path) : tui_config_default_path();
	if (!c->path)
		return 0;
	struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOERR sv_err *rerr = NULL;
	if (sv_read_file(c->path, TUI_CONFIG_MAX_BYTES, &b, &rerr) < 0) {
		sv_buf_release(&b);
		if (sv_err_code(&rerr) == ENOENT && !path)
			return 0; /* no file: the defaults, silently */
		return sv_err_setx(err, rerr->code, "%s; using the default settings", rerr->msg);
	}
	int rc = tui_config_parse(c, b.data, b.len, c->path, err);
	sv_buf_release(&b);
	return rc;
}
