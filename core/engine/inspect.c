/*
 * Docker's container inspect object, built from the row and the stored
 * config: Id, Created, Path, Args, State, Image, Name, RestartCount,
 * Driver, the paths (LogPath, HostnamePath...), HostConfig, GraphDriver,
 * Mounts, Config and NetworkSettings — the fields clients read
 * (docker-api.md: Config.Tty, Config.OpenStdin, State.Running/Paused/
 * Restarting, HostConfig.LogConfig.Type) always present.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers-internal.h"

static void add_time(cJSON *o, const char *key, int64_t ns)
{
	char buf[64];
	cJSON_AddStringToObject(o, key, ns ? sv_time_rfc3339(ns, buf, sizeof buf) : "0001-01-01T00:00:00Z");
}

static cJSON *state_json(const struct ctr_row *r)
{
	cJSON *s = cJSON_CreateObject();
	bool live = ctr_is_live(r->state);
	cJSON_AddStringToObject(s, "Status", sv_container_state_name(r->state));
	cJSON_AddBoolToObject(s, "Running", live);
	cJSON_AddBoolToObject(s, "Paused", r->state == SV_CTR_PAUSED);
	cJSON_AddBoolToObject(s, "Restarting", r->state == SV_CTR_RESTARTING);
	cJSON_AddBoolToObject(s, "OOMKilled", r->oom_killed);
	cJSON_AddBoolToObject(s, "Dead", r->state == SV_CTR_DEAD);
	cJSON_AddNumberToObject(s, "Pid", live && r->state != SV_CTR_RESTARTING ? r->pid : 0);
	cJSON_AddNumberToObject(s, "ExitCode", r->exit_code);
	cJSON_AddStringToObject(s, "Error", r->error ? r->error : "");
	add_time(s, "StartedAt", r->started_ns);
	add_time(s, "FinishedAt", r->finished_ns);
	return s;
}

static cJSON *exec_ids(sv_engine *e, const char *id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "SELECT id FROM execs WHERE container_id = ? AND running = 1 ORDER BY created", NULL);
	if (!st)
		return cJSON_CreateNull();
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	cJSON *a = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!a)
			a = cJSON_CreateArray();
		cJSON_AddItemToArray(a, cJSON_CreateString((const char *)sqlite3_column_text(st, 0)));
	}
	return a ? a : cJSON_CreateNull();
}

static cJSON *graph_driver(sv_engine *e, const struct ctr_row *r)
{
	SV_AUTOFREE char *dir = ctr_dir(e, r->id);
	cJSON *g = cJSON_CreateObject();
	cJSON *d = cJSON_AddObjectToObject(g, "Data");
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY idx DESC", NULL);
	struct sv_buf lower;
	sv_buf_init(&lower);
	if (st) {
		sqlite3_bind_text(st, 1, r->image_id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			sv_buf_addf(&lower, "%s%s/layers/%s", lower.len ? ":" : "", e->root,
				    sv_digest_hex((const char *)sqlite3_column_text(st, 0)));
	}
	cJSON_AddStringToObject(d, "LowerDir", lower.data);
	sv_buf_release(&lower);
	SV_AUTOFREE char *merged = sv_xasprintf("%s/rootfs", dir);
	SV_AUTOFREE char *upper = sv_xasprintf("%s/upper", dir);
	SV_AUTOFREE char *work = sv_xasprintf("%s/work", dir);
	cJSON_AddStringToObject(d, "MergedDir", merged);
	cJSON_AddStringToObject(d, "UpperDir", upper);
	cJSON_AddStringToObject(d, "WorkDir", work);
	cJSON_AddStringToObject(g, "Name", "overlay2");
	return g;
}

cJSON *sv_engine_container_inspect(sv_engine *e, const char *name, bool size, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return NULL;
	SV_AUTOFREE char *dir = ctr_run_dir(e, r.id);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", r.id);
	add_time(o, "Created", r.created_ns);
	const char *path = sv_json_str(r.config, "Path");
	cJSON_AddStringToObject(o, "Path", path ? path : "");
	cJSON *args = sv_json_arr(r.config, "Args");
	cJSON_AddItemToObject(o, "Args", args ? cJSON_Duplicate(args, true) : cJSON_CreateArray());
	cJSON_AddItemToObject(o, "State", state_json(&r));
	cJSON_AddStringToObject(o, "Image", r.image_id);
	static const char *const files[] = { "ResolvConfPath", "resolv.conf", "HostnamePath", "hostname",
					     "HostsPath", "hosts" };
	for (size_t i = 0; i < 6; i += 2) {
		SV_AUTOFREE char *p = sv_xasprintf("%s/%s", dir, files[i + 1]);
		cJSON_AddStringToObject(o, files[i], p);
	}
	const cJSON *lc = sv_json_obj(ctr_host(&r), "LogConfig");
	const char *lt = lc ? sv_json_str(lc, "Type") : NULL;
	SV_AUTOFREE char *logp = ctr_log_path(e, r.id);
	cJSON_AddStringToObject(o, "LogPath", lt && strcmp(lt, "none") == 0 ? "" : logp);
	SV_AUTOFREE char *nm = sv_xasprintf("/%s", r.name);
	cJSON_AddStringToObject(o, "Name", nm);
	cJSON_AddNumberToObject(o, "RestartCount", r.restart_count);
	cJSON_AddStringToObject(o, "Driver", "overlay2");
	cJSON_AddStringToObject(o, "Platform", "linux");
	cJSON_AddStringToObject(o, "MountLabel", "");
	cJSON_AddStringToObject(o, "ProcessLabel", "");
	cJSON_AddStringToObject(o, "AppArmorProfile", "");
	cJSON_AddItemToObject(o, "ExecIDs", exec_ids(e, r.id));
	cJSON *host = ctr_host(&r);
	cJSON_AddItemToObject(o, "HostConfig", host ? cJSON_Duplicate(host, true) : cJSON_CreateObject());
	cJSON_AddItemToObject(o, "GraphDriver", graph_driver(e, &r));
	if (size) {
		int64_t rw = ctr_upper_size(e, r.id);
		cJSON_AddNumberToObject(o, "SizeRw", (double)rw);
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "SELECT size FROM images WHERE id = ?", NULL);
		int64_t img = 0;
		if (st && (sqlite3_bind_text(st, 1, r.image_id, -1, SQLITE_STATIC), sqlite3_step(st) == SQLITE_ROW))
			img = sqlite3_column_int64(st, 0);
		cJSON_AddNumberToObject(o, "SizeRootFs", (double)(rw + img));
	}
	cJSON_AddItemToObject(o, "Mounts", ctr_mounts_inspect(&r));
	cJSON *cfg = ctr_cfg(&r);
	cJSON *c = cfg ? cJSON_Duplicate(cfg, true) : cJSON_CreateObject();
	if (!sv_json_str(c, "Image"))
		cJSON_AddStringToObject(c, "Image", r.image_ref);
	cJSON_AddItemToObject(o, "Config", c);
	cJSON_AddItemToObject(o, "NetworkSettings", ctr_net_settings(e, &r));
	ctr_row_release(&r);
	return o;
}
