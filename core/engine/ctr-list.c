/*
 * Listing containers (`ps`) with Docker's filters and status texts, and
 * prune. Apart from the records (containers.c) so that servin-shim-ctl,
 * which needs the records only, does not link the image module.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers-internal.h"
#include "image/image.h"

/* ---------------------------------------------------------------- listing */

/* Path + args as Docker's ps shows them: args with spaces in single quotes. */
static char *command_line(const struct ctr_row *r)
{
	struct sv_buf b;
	sv_buf_init(&b);
	const char *path = sv_json_str(r->config, "Path");
	sv_buf_adds(&b, path ? path : "");
	cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(r->config, "Args"))
	{
		if (!cJSON_IsString(it))
			continue;
		bool quote = strchr(it->valuestring, ' ') != NULL;
		sv_buf_adds(&b, quote ? " '" : " ");
		sv_buf_adds(&b, it->valuestring);
		if (quote)
			sv_buf_addc(&b, '\'');
	}
	return sv_buf_detach(&b, NULL);
}

static char *status_text(const struct ctr_row *r)
{
	char d[64];
	int64_t now = sv_time_now_ns();
	switch (r->state) {
	case SV_CTR_RUNNING:
	case SV_CTR_PAUSED:
		sv_str_human_duration((now - r->started_ns) / 1000000000, d, sizeof d);
		return sv_xasprintf("Up %s%s", d, r->state == SV_CTR_PAUSED ? " (Paused)" : "");
	case SV_CTR_RESTARTING:
		sv_str_human_duration((now - r->finished_ns) / 1000000000, d, sizeof d);
		return sv_xasprintf("Restarting (%d) %s ago", r->exit_code, d);
	case SV_CTR_EXITED:
		if (!r->finished_ns)
			return sv_xstrdup("Created");
		sv_str_human_duration((now - r->finished_ns) / 1000000000, d, sizeof d);
		return sv_xasprintf("Exited (%d) %s ago", r->exit_code, d);
	case SV_CTR_REMOVING: return sv_xstrdup("Removal In Progress");
	case SV_CTR_DEAD: return sv_xstrdup("Dead");
	case SV_CTR_CREATED: break;
	}
	return sv_xstrdup("Created");
}

struct ctr_filter {
	char **ids, **names, **labels, **states, **ancestors;
	int64_t before_ns, since_ns;
	int exited; /* -1: any */
	bool has_exited;
};

static void filter_release(struct ctr_filter *f)
{
	sv_strv_free(f->ids);
	sv_strv_free(f->names);
	sv_strv_free(f->labels);
	sv_strv_free(f->states);
	sv_strv_free(f->ancestors);
}

static int64_t created_of(sv_engine *e, const char *name, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int64_t c = r.created_ns;
	ctr_row_release(&r);
	return c;
}

static int filter_parse(sv_engine *e, char *const *filters, struct ctr_filter *f, sv_err **err)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		if (!eq)
			return sv_err_setx(err, EINVAL, "bad format of filter (expected name=value)");
		SV_AUTOFREE char *key = sv_xstrndup(filters[i], (size_t)(eq - filters[i]));
		const char *v = eq + 1;
		int64_t n;
		if (strcmp(key, "id") == 0)
			sv_strv_push(&f->ids, v);
		else if (strcmp(key, "name") == 0)
			sv_strv_push(&f->names, v[0] == '/' ? v + 1 : v);
		else if (strcmp(key, "label") == 0)
			sv_strv_push(&f->labels, v);
		else if (strcmp(key, "ancestor") == 0)
			sv_strv_push(&f->ancestors, v);
		else if (strcmp(key, "status") == 0) {
			if (sv_container_state_parse(v) == SV_CTR_DEAD && strcmp(v, "dead") != 0)
				return sv_err_setx(err, EINVAL, "Invalid filter 'status=%s'", v);
			sv_strv_push(&f->states, v);
		} else if (strcmp(key, "exited") == 0) {
			if (!sv_str_to_i64(v, -1000, 1000, &n))
				return sv_err_setx(err, EINVAL, "invalid filter 'exited=%s'", v);
			f->exited = (int)n;
			f->has_exited = true;
		} else if (strcmp(key, "before") == 0) {
			if ((f->before_ns = created_of(e, v, err)) < 0)
				return -1;
		} else if (strcmp(key, "since") == 0) {
			if ((f->since_ns = created_of(e, v, err)) < 0)
				return -1;
		} else if (strcmp(key, "is-task") == 0 || strcmp(key, "network") == 0 ||
			   strcmp(key, "volume") == 0 || strcmp(key, "health") == 0) {
			continue;
		} else {
			return sv_err_setx(err, EINVAL, "invalid filter '%s'", key);
		}
	}
	return 0;
}

static bool any_prefix(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (sv_str_has_prefix(s, v[i]))
			return true;
	return !v;
}

static bool any_substr(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strstr(s, v[i]) || fnmatch(v[i], s, 0) == 0)
			return true;
	return !v;
}

static bool ancestor_match(sv_engine *e, char *const *v, const struct ctr_row *r)
{
	for (size_t i = 0; v && v[i]; i++) {
		char id[SV_DIGEST_STR_LEN];
		SV_AUTOERR sv_err *e2 = NULL;
		if (sv_image_resolve(e->store, v[i], id, &e2) == 0 && strcmp(id, r->image_id) == 0)
			return true;
	}
	return !v;
}

static bool filter_keep(sv_engine *e, const struct ctr_filter *f, const struct ctr_row *r)
{
	if (!any_prefix(f->ids, r->id) || !any_substr(f->names, r->name) ||
	    !engine_labels_match(sv_json_obj(ctr_cfg(r), "Labels"), f->labels) || !ancestor_match(e, f->ancestors, r))
		return false;
	if (f->states && !sv_strv_contains(f->states, sv_container_state_name(r->state)))
		return false;
	if (f->has_exited && (r->state != SV_CTR_EXITED || r->exit_code != f->exited))
		return false;
	if (f->before_ns && r->created_ns >= f->before_ns)
		return false;
	if (f->since_ns && r->created_ns <= f->since_ns)
		return false;
	return true;
}

static int64_t image_size(sv_engine *e, const char *image_id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "SELECT size FROM images WHERE id = ?", NULL);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

int64_t ctr_upper_size(sv_engine *e, const char *id)
{
	SV_AUTOFREE char *dir = sv_xasprintf("%s/upper", ctr_dir(e, id));
	int64_t bytes = 0, inodes = 0;
	SV_AUTOCLOSE int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SV_AUTOERR sv_err *e2 = NULL;
	if (fd < 0 || sv_du_at(fd, &bytes, &inodes, &e2) < 0)
		return 0;
	return bytes;
}

/* Fills s from r, taking r's strings and labels (r is released next). */
static void summary_fill(sv_engine *e, struct ctr_row *r, const struct ctr_ports *ports, bool size,
			 struct sv_container_summary *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->id, r->id, sizeof s->id);
	s->name = sv_steal_ptr(&r->name);
	s->image = sv_steal_ptr(&r->image_ref);
	memcpy(s->image_id, r->image_id, sizeof s->image_id);
	s->command = command_line(r);
	s->created = r->created_ns / 1000000000;
	s->state = r->state;
	s->status = status_text(r);
	s->exit_code = r->exit_code;
	s->pid = ctr_is_live(r->state) ? r->pid : 0;
	s->started_ns = r->started_ns;
	s->finished_ns = r->finished_ns;
	s->size_rw = s->size_root_fs = -1;
	if (size) {
		s->size_rw = ctr_upper_size(e, r->id);
		s->size_root_fs = s->size_rw + image_size(e, r->image_id);
	}
	cJSON *labels = sv_json_obj(ctr_cfg(r), "Labels");
	s->labels = labels ? cJSON_DetachItemViaPointer(ctr_cfg(r), labels) : cJSON_CreateObject();
	s->ports = ctr_ports_json(ports, r->id);
	const char *nm = sv_json_str(ctr_host(r), "NetworkMode");
	s->network_mode = sv_xstrdup(nm ? nm : "bridge");
}

void sv_container_summaries_free(struct sv_container_summary *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].image);
		free(v[i].command);
		free(v[i].status);
		free(v[i].network_mode);
		cJSON_Delete(v[i].labels);
		cJSON_Delete(v[i].ports);
	}
	free(v);
}

int sv_engine_containers(sv_engine *e, const struct sv_container_list_opts *opts, struct sv_container_summary **out,
			 size_t *n, sv_err **err)
{
	static const struct sv_container_list_opts none = { 0 };
	if (!opts)
		opts = &none;
	struct ctr_filter f;
	if (filter_parse(e, opts->filters, &f, err) < 0) {
		filter_release(&f);
		return -1;
	}
	struct ctr_row *rows;
	size_t nrows;
	if (ctr_load_brief(e, &rows, &nrows, err) < 0) {
		filter_release(&f);
		return -1;
	}
	/* After the rows: reconciling a row whose shim died releases its ports. */
	struct ctr_ports ports;
	ctr_ports_load(e, &ports);
	*out = sv_xcalloc(nrows + 1, sizeof **out);
	*n = 0;
	bool all = opts->all || opts->last > 0 || f.states || f.has_exited;
	for (size_t i = 0; i < nrows; i++) {
		if (opts->last > 0 && (int)i >= opts->last)
			break;
		if (!all && !ctr_is_live(rows[i].state))
			continue;
		if (!filter_keep(e, &f, &rows[i]))
			continue;
		summary_fill(e, &rows[i], &ports, opts->size, &(*out)[(*n)++]);
	}
	ctr_ports_release(&ports);
	ctr_rows_free(rows, nrows);
	filter_release(&f);
	return 0;
}

int sv_engine_container_prune(sv_engine *e, char *const *filters, char ***deleted, int64_t *reclaimed,
			      sv_err **err)
{
	*deleted = NULL;
	*reclaimed = 0;
	int64_t until = 0;
	SV_AUTOSTRV char **labels = NULL;
	for (size_t i = 0; filters && filters[i]; i++) {
		if (sv_str_has_prefix(filters[i], "until=")) {
			if (sv_time_parse(filters[i] + 6, sv_time_now_ns(), &until, err) < 0)
				return -1;
		} else if (sv_str_has_prefix(filters[i], "label=")) {
			sv_strv_push(&labels, filters[i] + 6);
		} else {
			return sv_err_setx(err, EINVAL, "invalid filter '%s'", filters[i]);
		}
	}
	struct ctr_row *rows;
	size_t n;
	if (ctr_load_all(e, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ctr_row *r = &rows[i];
		if (ctr_is_live(r->state) || (until && r->created_ns >= until) ||
		    !engine_labels_match(sv_json_obj(ctr_cfg(r), "Labels"), labels))
			continue;
		int64_t sz = ctr_upper_size(e, r->id);
		SV_AUTOERR sv_err *e2 = NULL;
		if (ctr_destroy(e, r, &e2) < 0) {
			sv_warn("prune: %s", e2->msg);
			continue;
		}
		*reclaimed += sz;
		sv_strv_push(deleted, r->id);
	}
	ctr_rows_free(rows, n);
	if (!*deleted)
		*deleted = sv_xcalloc(1, sizeof **deleted);
	return 0;
}
