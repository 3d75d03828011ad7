/*
 * `exec`: a process run inside a running container, under a shim of its
 * own (servin-shim-ctl exec → servin-shim), recorded in the execs table
 * so that Docker's exec inspect can report Running, Pid and ExitCode.
 *
 * The process is described to the runtime as a full OCI process object
 * derived from the container's bundle (its capabilities, rlimits,
 * no_new_privs and environment), with the exec's args, env, cwd, tty and
 * user — resolved from the container's /etc/passwd and /etc/group, with
 * supplementary groups — laid over it.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers-internal.h"
#include "runtime/runtime.h"

struct exec_row {
	char id[SV_CONTAINER_ID_LEN + 1];
	char container[SV_CONTAINER_ID_LEN + 1];
	cJSON *config;
	bool running;
	int pid;
	int shim_pid;
	int64_t shim_start;
	int exit_code;
	bool has_exit;
};

static void exec_row_release(struct exec_row *x)
{
	cJSON_Delete(x->config);
	memset(x, 0, sizeof *x);
}

static int exec_load(sv_engine *e, const char *id, struct exec_row *x, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"SELECT id, container_id, config, running, pid, shim_pid, shim_start, exit_code FROM execs"
		" WHERE id = ?1 OR (length(?1) >= 12 AND substr(id, 1, length(?1)) = ?1) LIMIT 1",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return sv_err_setx(err, ENOENT, "No such exec instance: %s", id);
	memset(x, 0, sizeof *x);
	snprintf(x->id, sizeof x->id, "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(x->container, sizeof x->container, "%s", (const char *)sqlite3_column_text(st, 1));
	x->config = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
	if (!x->config)
		x->config = cJSON_CreateObject();
	x->running = sqlite3_column_int(st, 3);
	x->pid = sqlite3_column_int(st, 4);
	x->shim_pid = sqlite3_column_int(st, 5);
	x->shim_start = sqlite3_column_int64(st, 6);
	x->has_exit = sqlite3_column_type(st, 7) != SQLITE_NULL;
	x->exit_code = sqlite3_column_int(st, 7);
	/* A shim that died leaves a process nobody watches: report it ended. */
	if (x->running && !ctr_pid_alive(x->shim_pid, x->shim_start))
		x->running = false;
	return 0;
}

static cJSON *strv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static int insert_exec(sv_engine *e, const struct ctr_row *r, const char *id, const cJSON *cfg, sv_err **err)
{
	SV_AUTOFREE char *text = sv_json_print(cfg);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "INSERT INTO execs (id, container_id, config, created) VALUES (?, ?, ?, ?)", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sv_time_now_ns());
	if (sqlite3_step(st) != SQLITE_DONE) {
		sv_store_sql_err(e->store, "record exec", err);
		goto fail;
	}
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "execID", id);
	int rc = ctr_event(e, r, "exec_create", attrs, err);
	cJSON_Delete(attrs);
	if (rc < 0 || sv_store_commit(e->store, err) < 0)
		goto fail;
	return 0;
fail:
	sv_store_rollback(e->store);
	return -1;
}

int sv_engine_exec(sv_engine *e, const char *container, const struct sv_exec_opts *o,
		   char exec_id[SV_CONTAINER_ID_LEN + 1], sv_err **err)
{
	if (!o->cmd || !o->cmd[0])
		return sv_err_setx(err, EINVAL, "No exec command specified");
	struct ctr_row r;
	if (ctr_find(e, container, &r, err) < 0)
		return -1;
	int rc = -1;
	if (r.state == SV_CTR_PAUSED) {
		sv_err_setx(err, EBUSY, "Container %s is paused, unpause the container before exec", r.id);
		goto out;
	}
	if (r.state != SV_CTR_RUNNING) {
		sv_err_setx(err, EBUSY, "Container %s is not running", r.id);
		goto out;
	}
	char id[SV_CONTAINER_ID_LEN + 1];
	sv_random_hex(id, SV_CONTAINER_ID_LEN);
	cJSON *cfg = cJSON_CreateObject();
	cJSON_AddItemToObject(cfg, "Cmd", strv_json(o->cmd));
	cJSON_AddItemToObject(cfg, "Env", strv_json(o->env));
	cJSON_AddStringToObject(cfg, "User", o->user ? o->user : "");
	cJSON_AddStringToObject(cfg, "WorkingDir", o->workdir ? o->workdir : "");
	cJSON_AddBoolToObject(cfg, "Tty", o->tty);
	cJSON_AddBoolToObject(cfg, "Privileged", o->privileged);
	cJSON_AddBoolToObject(cfg, "AttachStdin", (o->attach_streams & SV_ATTACH_STDIN) != 0);
	cJSON_AddBoolToObject(cfg, "AttachStdout", (o->attach_streams & SV_ATTACH_STDOUT) != 0);
	cJSON_AddBoolToObject(cfg, "AttachStderr", (o->attach_streams & SV_ATTACH_STDERR) != 0);
	if (o->tty && o->console_rows && o->console_cols) {
		cJSON *cs = cJSON_AddArrayToObject(cfg, "ConsoleSize");
		cJSON_AddItemToArray(cs, cJSON_CreateNumber(o->console_rows));
		cJSON_AddItemToArray(cs, cJSON_CreateNumber(o->console_cols));
	}
	rc = insert_exec(e, &r, id, cfg, err);
	cJSON_Delete(cfg);
	if (rc < 0)
		goto out;
	char cmd[] = "exec", flag[] = "--exec-id";
	char *args[] = { cmd, flag, id, NULL };
	rc = ctr_run_ctl(e, r.id, r.name, args, o->detach ? -1 : o->attach_fd, o->attach_streams, err);
	if (rc == 0 && exec_id)
		memcpy(exec_id, id, sizeof id);
out:
	ctr_row_release(&r);
	return rc;
}

/* ---------------------------------------------------------------- shim side */

int sv_engine_shim_exec_claim(sv_engine *e, const char *exec_id, struct sv_shim_info *info, sv_err **err)
{
	memset(info, 0, sizeof *info);
	info->pidfd = info->console_fd = info->dns_udp_fd = info->dns_tcp_fd = -1;
	struct exec_row x;
	if (exec_load(e, exec_id, &x, err) < 0)
		return -1;
	info->tty = sv_json_bool(x.config, "Tty", false);
	info->open_stdin = sv_json_bool(x.config, "AttachStdin", false);
	info->stdin_once = true;
	info->stop_signal = 9;
	exec_row_release(&x);
	return 0;
}

/* The container's own process (from its bundle) with the exec's changes. */
static cJSON *exec_process(sv_engine *e, const struct ctr_row *r, const cJSON *xc, sv_err **err)
{
	SV_AUTOFREE char *run = ctr_run_dir(e, r->id);
	SV_AUTOFREE char *path = sv_path_join(run, "config.json");
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_file(path, 16 << 20, &b, err) < 0)
		return NULL;
	SV_AUTOJSON cJSON *spec = sv_json_parse(b.data, b.len, 16 << 20, "container bundle", err);
	cJSON *proc = spec ? cJSON_DetachItemFromObjectCaseSensitive(spec, "process") : NULL;
	if (!proc)
		return spec ? sv_err_setx(err, EINVAL, "container bundle has no process"), NULL : NULL;
	cJSON_ReplaceItemInObjectCaseSensitive(proc, "args", cJSON_Duplicate(sv_json_arr(xc, "Cmd"), true));
	cJSON_ReplaceItemInObjectCaseSensitive(proc, "terminal", cJSON_CreateBool(sv_json_bool(xc, "Tty", false)));
	cJSON_DeleteItemFromObjectCaseSensitive(proc, "consoleSize");
	cJSON *size = ctr_console_size(sv_json_arr(xc, "ConsoleSize"));
	if (size && sv_json_bool(xc, "Tty", false))
		cJSON_AddItemToObject(proc, "consoleSize", size);
	else
		cJSON_Delete(size);
	cJSON *env = sv_json_arr(proc, "env"), *it;
	cJSON_ArrayForEach(it, sv_json_arr(xc, "Env"))
		if (cJSON_IsString(it) && strchr(it->valuestring, '='))
			cJSON_AddItemToArray(env, cJSON_CreateString(it->valuestring));
	if (sv_json_bool(xc, "Privileged", false)) {
		SV_AUTOJSON cJSON *h = cJSON_CreateObject();
		cJSON_AddBoolToObject(h, "Privileged", true);
		SV_AUTOSTRV char **all = ctr_caps(h);
		cJSON *caps = cJSON_CreateObject();
		static const char *const sets[] = { "bounding", "effective", "permitted" };
		for (size_t i = 0; i < 3; i++)
			cJSON_AddItemToObject(caps, sets[i], strv_json(all));
		cJSON_ReplaceItemInObjectCaseSensitive(proc, "capabilities", caps);
	}
	const char *wd = sv_json_str(xc, "WorkingDir");
	if (wd && *wd)
		cJSON_ReplaceItemInObjectCaseSensitive(proc, "cwd", cJSON_CreateString(wd));
	const char *user = sv_json_str(xc, "User");
	if (!user || !*user)
		return proc;
	SV_AUTOFREE char *dir = ctr_dir(e, r->id);
	SV_AUTOFREE char *rootfs = sv_path_join(dir, "rootfs");
	SV_AUTOCLOSE int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct ctr_user u;
	if (rootfd < 0 || ctr_user_resolve(rootfd, user, &u, err) < 0) {
		if (rootfd < 0)
			sv_err_set(err, errno, "open %s", rootfs);
		cJSON_Delete(proc);
		return NULL;
	}
	cJSON *uj = cJSON_CreateObject();
	cJSON_AddNumberToObject(uj, "uid", u.uid);
	cJSON_AddNumberToObject(uj, "gid", u.gid);
	cJSON *g = cJSON_AddArrayToObject(uj, "additionalGids");
	for (size_t i = 0; i < u.ngids; i++)
		cJSON_AddItemToArray(g, cJSON_CreateNumber(u.gids[i]));
	cJSON_ReplaceItemInObjectCaseSensitive(proc, "user", uj);
	ctr_user_release(&u);
	return proc;
}

static int record_exec(sv_engine *e, const char *id, bool running, int pid, int code, sv_err **err)
{
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		running ? "UPDATE execs SET running = 1, pid = ?2, shim_pid = ?3, shim_start = ?4 WHERE id = ?1"
			: "UPDATE execs SET running = 0, exit_code = ?2, finished = ?4 WHERE id = ?1",
		err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, running ? pid : code);
	sqlite3_bind_int(st, 3, getpid());
	sqlite3_bind_int64(st, 4, running ? ctr_pid_start(getpid()) : sv_time_now_ns());
	if (sqlite3_step(st) != SQLITE_DONE) {
		sv_store_sql_err(e->store, "record exec", err);
		goto fail;
	}
	return sv_store_commit(e->store, err) < 0 ? (sv_store_rollback(e->store), -1) : 0;
fail:
	sv_store_rollback(e->store);
	return -1;
}

int sv_engine_shim_exec_run(sv_engine *e, const char *exec_id, const int stdio[3], struct sv_shim_info *info,
			    sv_err **err)
{
	struct exec_row x;
	if (exec_load(e, exec_id, &x, err) < 0)
		return -1;
	struct ctr_row r;
	int rc = -1;
	SV_AUTOJSON cJSON *proc = NULL;
	SV_AUTOFREE char *pj = NULL;
	SV_AUTOFREE char *sr = ctr_state_root(e);
	if (ctr_load(e, x.container, &r, err) < 0)
		goto out_x;
	proc = exec_process(e, &r, x.config, err);
	if (!proc)
		goto out;
	pj = sv_json_print(proc);
	struct sv_runtime_proc p = { .pidfd = -1, .console_fd = -1 };
	struct sv_runtime_exec_opts o = { .state_root = sr, .id = r.id, .process_json = pj, .stdio = stdio };
	if (sv_runtime_exec(&o, &p, err) < 0) {
		SV_AUTOERR sv_err *e2 = NULL;
		(void)record_exec(e, x.id, false, 0, sv_err_code(err) == ENOENT ? 127 : 126, &e2);
		goto out;
	}
	info->pid = p.pid;
	info->pidfd = p.pidfd;
	info->console_fd = p.console_fd;
	rc = record_exec(e, x.id, true, p.pid, 0, err);
out:
	ctr_row_release(&r);
out_x:
	exec_row_release(&x);
	return rc;
}

int sv_engine_shim_exec_exited(sv_engine *e, const char *exec_id, int wait_status, int *exit_code, sv_err **err)
{
	*exit_code = sv_runtime_exit_code(wait_status);
	return record_exec(e, exec_id, false, 0, *exit_code, err);
}

cJSON *sv_engine_exec_inspect(sv_engine *e, const char *exec_id, sv_err **err)
{
	struct exec_row x;
	if (exec_load(e, exec_id, &x, err) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ID", x.id);
	cJSON_AddBoolToObject(o, "Running", x.running);
	if (x.has_exit)
		cJSON_AddNumberToObject(o, "ExitCode", x.exit_code);
	else
		cJSON_AddNullToObject(o, "ExitCode");
	cJSON *pc = cJSON_AddObjectToObject(o, "ProcessConfig");
	const cJSON *cmd = sv_json_arr(x.config, "Cmd");
	const cJSON *first = cJSON_GetArrayItem(cmd, 0);
	cJSON_AddBoolToObject(pc, "tty", sv_json_bool(x.config, "Tty", false));
	cJSON_AddStringToObject(pc, "entrypoint", cJSON_IsString(first) ? first->valuestring : "");
	cJSON *args = cJSON_AddArrayToObject(pc, "arguments");
	for (const cJSON *it = first ? first->next : NULL; it; it = it->next)
		cJSON_AddItemToArray(args, cJSON_Duplicate(it, false));
	cJSON_AddBoolToObject(pc, "privileged", sv_json_bool(x.config, "Privileged", false));
	const char *user = sv_json_str(x.config, "User");
	cJSON_AddStringToObject(pc, "user", user ? user : "");
	cJSON_AddBoolToObject(o, "OpenStdin", sv_json_bool(x.config, "AttachStdin", false));
	cJSON_AddBoolToObject(o, "OpenStderr", sv_json_bool(x.config, "AttachStderr", false));
	cJSON_AddBoolToObject(o, "OpenStdout", sv_json_bool(x.config, "AttachStdout", false));
	cJSON_AddBoolToObject(o, "CanRemove", false);
	cJSON_AddStringToObject(o, "ContainerID", x.container);
	cJSON_AddStringToObject(o, "DetachKeys", "");
	cJSON_AddNumberToObject(o, "Pid", x.running ? x.pid : 0);
	exec_row_release(&x);
	return o;
}
