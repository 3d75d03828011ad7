/*
 * The engine's side of servin-shim-ctl: claiming a container for a shim,
 * running it through core/runtime, recording what happened, and deciding
 * restarts (Docker's restart manager: no, always, unless-stopped,
 * on-failure[:N], with a delay that starts at 100 ms, doubles up to a
 * minute and falls back to 100 ms after a run of 10 s or more).
 *
 * Every step is one transaction, and the row always names the shim that
 * owns the container (shim_pid + its start time), so a shim killed at any
 * point leaves a row that ctr_reconcile() can settle.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers-internal.h"
#include "runtime/runtime.h"

#define RESTART_DELAY_MIN_MS 100
#define RESTART_DELAY_MAX_MS 60000
#define RESTART_RESET_NS (10LL * 1000000000LL)

char *ctr_state_root(const sv_engine *e)
{
	return sv_xasprintf("%s/runtime", e->runroot);
}

int ctr_runtime_cleanup(sv_engine *e, const char *id, sv_err **err)
{
	SV_AUTOFREE char *sr = ctr_state_root(e);
	if (sv_runtime_delete(sr, id, SV_RUNTIME_DELETE_FORCE, err) < 0) {
		if (sv_err_code(err) != ENOENT)
			return -1;
		sv_err_clear(err);
	}
	return 0;
}

void sv_shim_info_release(struct sv_shim_info *i)
{
	free(i->log_path);
	free(i->ring_path);
	sv_strv_free(i->cgroup_paths);
	if (i->pidfd >= 0)
		close(i->pidfd);
	if (i->console_fd >= 0)
		close(i->console_fd);
	if (i->dns_udp_fd >= 0)
		close(i->dns_udp_fd);
	if (i->dns_tcp_fd >= 0)
		close(i->dns_tcp_fd);
	free(i->dns_conf);
	memset(i, 0, sizeof *i);
	i->pidfd = i->console_fd = i->dns_udp_fd = i->dns_tcp_fd = -1;
}

static int step(sv_engine *e, sqlite3_stmt *st, const char *what, sv_err **err)
{
	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_DONE)
		return sv_store_sql_err(e->store, what, err);
	return 0;
}

void ctr_shim_info_fill(sv_engine *e, const struct ctr_row *r, struct sv_shim_info *info)
{
	memset(info, 0, sizeof *info);
	info->pidfd = info->console_fd = info->dns_udp_fd = info->dns_tcp_fd = -1;
	const cJSON *cfg = ctr_cfg(r), *host = ctr_host(r);
	info->tty = sv_json_bool(cfg, "Tty", false);
	info->open_stdin = sv_json_bool(cfg, "OpenStdin", false);
	info->stdin_once = sv_json_bool(cfg, "StdinOnce", false);
	const cJSON *lc = sv_json_obj(host, "LogConfig");
	const char *type = lc ? sv_json_str(lc, "Type") : NULL;
	if (!type || strcmp(type, "none") != 0) {
		info->log_path = ctr_log_path(e, r->id);
		const cJSON *o = sv_json_obj(lc, "Config");
		int64_t v;
		const char *ms = sv_json_str(o, "max-size"), *mf = sv_json_str(o, "max-file");
		info->log_max_size = ms && sv_str_to_size(ms, &v) ? v : 0;
		info->log_max_file = mf && sv_str_to_i64(mf, 1, 1000, &v) ? (int)v : 1;
	}
	const char *sig = sv_json_str(cfg, "StopSignal");
	info->stop_signal = sig && *sig ? ctr_signal_parse(sig) : SIGTERM;
	if (info->stop_signal <= 0)
		info->stop_signal = SIGTERM;
	info->ring_path = sv_xasprintf("%s/stats", ctr_run_dir(e, r->id));
}

/* shim_pid := shim's (started at shim_start, ctr_pid_start's ticks),
 * unless a live shim already owns the container. */
static int claim_row(sv_engine *e, struct ctr_row *r, pid_t shim, int64_t shim_start, sv_err **err)
{
	if (ctr_reconcile(e, r, err) < 0)
		return -1;
	if (r->shim_pid > 0 && r->shim_pid != shim)
		return sv_err_setx(err, EALREADY, "container %s is already running", r->name);
	if (r->state == SV_CTR_REMOVING)
		return sv_err_setx(err, EBUSY, "container %s is marked for removal and cannot be started", r->name);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "UPDATE containers SET shim_pid = ?, shim_start = ? WHERE id = ? AND shim_pid IN (0, ?1)",
		err);
	if (!st || (sqlite3_bind_int(st, 1, shim), sqlite3_bind_int64(st, 2, shim_start),
		    sqlite3_bind_text(st, 3, r->id, -1, SQLITE_STATIC), step(e, st, "claim container", err)) < 0)
		goto fail;
	if (sqlite3_changes(sqlite3_db_handle(st)) == 0) {
		sv_store_rollback(e->store);
		return sv_err_setx(err, EALREADY, "container %s is already running", r->name);
	}
	return sv_store_commit(e->store, err) < 0 ? (sv_store_rollback(e->store), -1) : 0;
fail:
	sv_store_rollback(e->store);
	return -1;
}

int ctr_shim_claim(sv_engine *e, struct ctr_row *r, pid_t shim, int64_t shim_start, sv_err **err)
{
	SV_AUTOFREE char *run = ctr_run_dir(e, r->id);
	SV_AUTOFREE char *lname = sv_xasprintf("mount-%s", r->id);
	if (claim_row(e, r, shim, shim_start, err) < 0)
		return -1;
	/* The lock keeps a concurrent `cp` from unmounting under us. */
	SV_AUTOCLOSE int lock = sv_store_lock(e->store, lname, true, err);
	if (lock < 0 || sv_mkdir_p(run, 0700, err) < 0 || ctr_rootfs_mount(e, r, err) < 0 ||
	    ctr_bundle_write(e, r, err) < 0) {
		SV_AUTOERR sv_err *e2 = NULL;
		(void)ctr_start_failed(e, r, *err, &e2);
		return -1;
	}
	return 0;
}

/* Records a failed start: state as before (created or exited) with the
 * error and Docker's exit code for it; the claim released, the rootfs
 * unmounted; AutoRemove applies. */
int ctr_start_failed(sv_engine *e, const struct ctr_row *r, const sv_err *why, sv_err **err)
{
	int code = why && why->code == ENOENT ? 127 : why && why->code == EACCES ? 126 : 125;
	SV_AUTOERR sv_err *e2 = NULL;
	ctr_net_stop(e, r);
	(void)ctr_rootfs_unmount(e, r->id, &e2);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"UPDATE containers SET shim_pid = 0, shim_start = 0, pid = 0, exit_code = ?, error = ?,"
		" state = CASE WHEN state = 'restarting' THEN 'exited' ELSE state END WHERE id = ?",
		err);
	if (!st || (sqlite3_bind_int(st, 1, code),
		    sqlite3_bind_text(st, 2, why ? why->msg : "start failed", -1, SQLITE_STATIC),
		    sqlite3_bind_text(st, 3, r->id, -1, SQLITE_STATIC), step(e, st, "record start failure", err)) < 0 ||
	    sv_store_commit(e->store, err) < 0) {
		sv_store_rollback(e->store);
		return -1;
	}
	if (sv_json_bool(ctr_host(r), "AutoRemove", false))
		return ctr_destroy(e, r, err);
	return 0;
}

/* shim_pid > 0: only while that shim owns the row and has not recorded
 * an exit (its `exited` clears the claim, or leaves state 'restarting'). */
static int record_running(sv_engine *e, const struct ctr_row *r, int pid, int64_t started, int shim_pid, sv_err **err)
{
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"UPDATE containers SET state = 'running', pid = ?, started = ?, error = '', oom_killed = 0,"
		" manual_stop = 0 WHERE id = ? AND (?4 = 0 OR (shim_pid = ?4 AND state NOT IN ('restarting', 'running')))",
		err);
	if (!st || (sqlite3_bind_int(st, 1, pid), sqlite3_bind_int64(st, 2, started),
		    sqlite3_bind_text(st, 3, r->id, -1, SQLITE_STATIC), sqlite3_bind_int(st, 4, shim_pid),
		    step(e, st, "record start", err)) < 0 ||
	    (sqlite3_changes(sqlite3_db_handle(st)) > 0 && ctr_event(e, r, "start", NULL, err) < 0) ||
	    sv_store_commit(e->store, err) < 0) {
		sv_store_rollback(e->store);
		return -1;
	}
	return 0;
}

int ctr_settle_started(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	if (r->state != SV_CTR_CREATED || r->shim_pid <= 0)
		return 0;
	SV_AUTOFREE char *sr = ctr_state_root(e);
	struct sv_runtime_state st;
	SV_AUTOERR sv_err *e2 = NULL;
	if (sv_runtime_state(sr, r->id, &st, &e2) < 0)
		return 0; /* not created yet, or gone: nothing to settle */
	int rc = 0;
	if (st.status == SV_RUNTIME_RUNNING && st.pid > 0)
		rc = record_running(e, r, st.pid, st.created_ns, r->shim_pid, err) < 0 ? -1 : 1;
	sv_runtime_state_release(&st);
	return rc;
}

int sv_engine_shim_record_running(sv_engine *e, const char *id, int shim_pid, int pid, int64_t started_ns,
				  sv_err **err)
{
	struct ctr_row r;
	if (ctr_load(e, id, &r, err) < 0)
		return -1;
	int rc = record_running(e, &r, pid, started_ns, shim_pid, err);
	ctr_row_release(&r);
	return rc;
}

static char **cgroup_paths(sv_engine *e, const char *id)
{
	SV_AUTOFREE char *sr = ctr_state_root(e);
	struct sv_runtime_state st;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_runtime_state(sr, id, &st, &err) < 0)
		return sv_xcalloc(1, sizeof(char *));
	char **v = sv_strv_dup(st.cgroup_paths);
	sv_runtime_state_release(&st);
	return v;
}

int ctr_shim_run(sv_engine *e, const struct ctr_row *r, const int stdio[3], struct sv_shim_info *info, bool store,
		 sv_err **err)
{
	const char *id = r->id;
	/* Wiring and recording use the store: never asked of a caller
	 * without it (a fork of the process that holds it). */
	if (!store && (ctr_net_wired(r) || !info->defer_running))
		return sv_err_setx(err, EINVAL, "container %.12s: its start needs the store", id);
	SV_AUTOFREE char *sr = ctr_state_root(e);
	SV_AUTOFREE char *bundle = ctr_run_dir(e, id);
	/* Leftover runtime state of an earlier run (a killed shim) goes first. */
	SV_AUTOERR sv_err *e2 = NULL;
	(void)sv_runtime_delete(sr, id, SV_RUNTIME_DELETE_FORCE, &e2);
	struct sv_runtime_proc proc = { .pidfd = -1, .console_fd = -1 };
	/* A container on a bridge network is created, wired (its netns
	 * exists from now on) and only then started; the others in one go. */
	bool wire = ctr_net_wired(r);
	struct sv_runtime_create_opts o = {
		.state_root = sr,
		.id = id,
		.bundle = bundle,
		.stdio = stdio,
		.flags = wire ? 0 : SV_RUNTIME_START,
	};
	if (sv_runtime_create(&o, &proc, err) < 0) {
		sv_err_clear(&e2);
		if (store)
			(void)ctr_start_failed(e, r, *err, &e2);
		return -1;
	}
	if (wire && (ctr_net_start(e, r, proc.pid, info, err) < 0 || sv_runtime_start(sr, id, err) < 0)) {
		sv_err_clear(&e2);
		(void)sv_runtime_delete(sr, id, SV_RUNTIME_DELETE_FORCE, &e2);
		sv_runtime_proc_release(&proc);
		sv_err_clear(&e2);
		(void)ctr_start_failed(e, r, *err, &e2);
		return -1;
	}
	info->pid = proc.pid;
	info->pidfd = proc.pidfd;
	info->console_fd = proc.console_fd;
	info->cgroup_paths = cgroup_paths(e, id);
	info->started_ns = sv_time_now_ns();
	if (!info->defer_running && record_running(e, r, proc.pid, info->started_ns, 0, err) < 0) {
		kill(proc.pid, SIGKILL);
		return -1;
	}
	if (wire)
		ctr_net_running(e, id);
	return 0;
}

/* ---------------------------------------------------------------- exit */

void ctr_restart_policy(const cJSON *host, const char **name, int *max_retries)
{
	const cJSON *rp = sv_json_obj(host, "RestartPolicy");
	const char *n = rp ? sv_json_str(rp, "Name") : NULL;
	*name = n && *n ? n : "no";
	*max_retries = rp ? (int)sv_json_i64(rp, "MaximumRetryCount", 0) : 0;
}


static bool should_restart(const struct ctr_row *r, int code, bool manual, bool canceled)
{
	const char *policy;
	int max;
	ctr_restart_policy(ctr_host(r), &policy, &max);
	if (canceled || strcmp(policy, "no") == 0)
		return false;
	if (strcmp(policy, "always") == 0)
		return true;
	if (strcmp(policy, "unless-stopped") == 0)
		return !manual;
	return code != 0 && (max == 0 || r->restart_count < max);
}

static int record_exit(sv_engine *e, const struct ctr_row *r, const struct sv_shim_exit *x, bool manual,
		       sv_err **err)
{
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"UPDATE containers SET state = ?, exit_code = ?, oom_killed = ?, finished = ?, pid = 0,"
		" manual_stop = ?, restart_count = restart_count + ?,"
		" shim_pid = CASE WHEN ?6 THEN shim_pid ELSE 0 END,"
		" shim_start = CASE WHEN ?6 THEN shim_start ELSE 0 END WHERE id = ?",
		err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, x->restart ? "restarting" : "exited", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, x->exit_code);
	sqlite3_bind_int(st, 3, x->oom_killed);
	sqlite3_bind_int64(st, 4, sv_time_now_ns());
	sqlite3_bind_int(st, 5, manual);
	sqlite3_bind_int(st, 6, x->restart);
	sqlite3_bind_text(st, 7, r->id, -1, SQLITE_STATIC);
	if (step(e, st, "record exit", err) < 0)
		goto fail;
	if (x->oom_killed && ctr_event(e, r, "oom", NULL, err) < 0)
		goto fail;
	cJSON *attrs = cJSON_CreateObject();
	char code[16];
	snprintf(code, sizeof code, "%d", x->exit_code);
	cJSON_AddStringToObject(attrs, "exitCode", code);
	int erc = ctr_event(e, r, "die", attrs, err);
	cJSON_Delete(attrs);
	if (erc < 0 || sv_store_commit(e->store, err) < 0)
		goto fail;
	return 0;
fail:
	sv_store_rollback(e->store);
	return -1;
}

/* sv_engine_shim_exited on a row already loaded (released here). With
 * shim_unmounts, a container removed at exit keeps its rootfs mounted in
 * the trash: the shim that purges the trash unmounts it first, after the
 * code went to the CLI (an unmount waits for RCU grace periods). */
static int exited_row(sv_engine *e, struct ctr_row *row, int wait_status, bool manual, bool canceled,
		      int64_t delay_ms, int64_t known_ooms, bool shim_unmounts, struct sv_shim_exit *out,
		      sv_err **err)
{
	struct ctr_row r = *row;
	const char *id = r.id;
	SV_AUTOFREE char *sr = ctr_state_root(e);
	SV_AUTOERR sv_err *e2 = NULL;
	uint64_t ooms = known_ooms > 0 ? (uint64_t)known_ooms : 0;
	if (known_ooms < 0)
		(void)sv_runtime_oom_count(sr, id, &ooms, &e2);
	sv_err_clear(&e2);
	ctr_net_stop(e, &r);
	if (sv_runtime_delete(sr, id, SV_RUNTIME_DELETE_FORCE, &e2) < 0)
		sv_warn("container %.12s: %s", id, e2->msg);
	out->exit_code = sv_runtime_exit_code(wait_status);
	out->oom_killed = ooms > 0;
	out->restart = should_restart(&r, out->exit_code, manual, canceled);
	if (out->restart) {
		bool long_run = sv_time_now_ns() - r.started_ns >= RESTART_RESET_NS;
		out->delay_ms = !delay_ms || long_run ? RESTART_DELAY_MIN_MS : delay_ms * 2;
		if (out->delay_ms > RESTART_DELAY_MAX_MS)
			out->delay_ms = RESTART_DELAY_MAX_MS;
	}
	bool remove = !out->restart && sv_json_bool(ctr_host(&r), "AutoRemove", false);
	bool keep_mount = remove && shim_unmounts;
	if (!out->restart && !keep_mount) {
		sv_err_clear(&e2);
		if (ctr_rootfs_unmount(e, id, &e2) < 0)
			sv_warn("container %.12s: %s", id, e2->msg);
	}
	int rc = record_exit(e, &r, out, manual, err);
	if (rc == 0 && remove) {
		rc = ctr_destroy_deferred(e, &r, keep_mount, &out->trash, err);
		out->removed = rc == 0;
	}
	ctr_row_release(&r);
	return rc;
}

int sv_engine_shim_exited(sv_engine *e, const char *id, int wait_status, bool manual, bool canceled,
			  int64_t delay_ms, int64_t ooms, struct sv_shim_exit *out, sv_err **err)
{
	memset(out, 0, sizeof *out);
	struct ctr_row r;
	if (ctr_load(e, id, &r, err) < 0)
		return -1;
	return exited_row(e, &r, wait_status, manual, canceled, delay_ms, ooms, false, out, err);
}

int sv_engine_shim_finish(sv_engine *e, const char *id, const char *exited, int *code, char **trash,
			  sv_err **err)
{
	*trash = NULL;
	int status, manual, canceled;
	long long ooms = -1;
	if (sscanf(exited, "%d %d %d %lld", &status, &manual, &canceled, &ooms) < 3)
		return sv_err_setx(err, EBADMSG, "container %.12s: bad exit report from its shim", id);
	struct ctr_row r;
	if (ctr_load(e, id, &r, err) < 0)
		return -1;
	/* A restart needs the shim: it is the container's parent. */
	if (should_restart(&r, sv_runtime_exit_code(status), manual, canceled)) {
		ctr_row_release(&r);
		return 1;
	}
	struct sv_shim_exit x;
	memset(&x, 0, sizeof x);
	if (exited_row(e, &r, status, manual, canceled, 0, ooms, true, &x, err) < 0)
		return -1;
	*code = x.exit_code;
	if (x.trash)
		*trash = sv_path_join(e->root, x.trash);
	free(x.trash);
	return 0;
}

void sv_engine_shim_exit_done(sv_engine *e, struct sv_shim_exit *x)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_store_purge(e->store, x->trash, &err) < 0)
		sv_warn("%s", err->msg);
	free(x->trash);
	x->trash = NULL;
}

int sv_engine_shim_abandon(sv_engine *e, const char *id, sv_err **err)
{
	struct ctr_row r;
	if (ctr_load(e, id, &r, err) < 0)
		return -1;
	SV_AUTOERR sv_err *e2 = NULL;
	(void)ctr_rootfs_unmount(e, id, &e2);
	int rc = -1;
	SV_AUTOSTMT sqlite3_stmt *st = NULL;
	if (sv_store_begin(e->store, err) < 0)
		goto out;
	st = sv_store_prepare(
		e->store,
		"UPDATE containers SET state = 'exited', shim_pid = 0, shim_start = 0, manual_stop = 1"
		" WHERE id = ?",
		err);
	if (!st || (sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC), step(e, st, "record stop", err)) < 0 ||
	    sv_store_commit(e->store, err) < 0) {
		sv_store_rollback(e->store);
		goto out;
	}
	rc = 0;
	if (sv_json_bool(ctr_host(&r), "AutoRemove", false))
		rc = ctr_destroy(e, &r, err);
out:
	ctr_row_release(&r);
	return rc;
}
