/*
 * Container records: reading rows, resolving names, reconciling a row with
 * reality, listing (`ps`) with Docker's filters, rename, remove and prune.
 *
 * Reconciliation is the crash rule for containers: a row that says a shim
 * owns the container (shim_pid set) while that shim is gone means the
 * container stopped without anyone recording it (the shim was killed, the
 * host lost power...). Whoever reads such a row kills what is left of the
 * container, unmounts its rootfs and records the stop before reporting it,
 * so no container stays in a state `ps`, `rm -f` and `start` can't handle.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers-internal.h"
#include "volume/volume.h"
#include "image/image.h"

static const char *const state_names[] = {
	[SV_CTR_CREATED] = "created",	  [SV_CTR_RUNNING] = "running", [SV_CTR_PAUSED] = "paused",
	[SV_CTR_RESTARTING] = "restarting", [SV_CTR_REMOVING] = "removing", [SV_CTR_EXITED] = "exited",
	[SV_CTR_DEAD] = "dead",
};

const char *sv_container_state_name(enum sv_container_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "unknown";
}

enum sv_container_state sv_container_state_parse(const char *s)
{
	for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
		if (s && strcmp(s, state_names[i]) == 0)
			return (enum sv_container_state)i;
	return SV_CTR_DEAD;
}

bool ctr_is_live(enum sv_container_state s)
{
	return s == SV_CTR_RUNNING || s == SV_CTR_PAUSED || s == SV_CTR_RESTARTING;
}

/* ---------------------------------------------------------------- paths */

char *ctr_dir(const sv_engine *e, const char *id)
{
	return sv_xasprintf("%s/containers/%s", e->root, id);
}

char *ctr_run_dir(const sv_engine *e, const char *id)
{
	return sv_xasprintf("%s/containers/%s", e->runroot, id);
}

char *ctr_sock_path(const sv_engine *e, const char *id)
{
	return sv_xasprintf("%s/containers/%s/attach", e->runroot, id);
}

char *ctr_log_path(const sv_engine *e, const char *id)
{
	return sv_xasprintf("%s/containers/%s/%s-json.log", e->root, id, id);
}

cJSON *ctr_cfg(const struct ctr_row *r)
{
	return sv_json_obj(r->config, "Config");
}

cJSON *ctr_host(const struct ctr_row *r)
{
	return sv_json_obj(r->config, "HostConfig");
}

/* ---------------------------------------------------------------- signals */

int ctr_signal_parse(const char *s)
{
	int64_t n;
	if (!s || !*s)
		return -1;
	if (sv_str_to_i64(s, 1, SIGRTMAX, &n))
		return (int)n;
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbr = sigabbrev_np(sig);
		if (abbr && strcasecmp(abbr, name) == 0)
			return sig;
	}
	if (strncasecmp(name, "RTMIN+", 6) == 0 && sv_str_to_i64(name + 6, 0, SIGRTMAX - SIGRTMIN, &n))
		return SIGRTMIN + (int)n;
	if (strncasecmp(name, "RTMAX-", 6) == 0 && sv_str_to_i64(name + 6, 0, SIGRTMAX - SIGRTMIN, &n))
		return SIGRTMAX - (int)n;
	return -1;
}

/* ---------------------------------------------------------------- rows */

void ctr_row_release(struct ctr_row *r)
{
	free(r->name);
	free(r->image_ref);
	free(r->error);
	cJSON_Delete(r->config);
	memset(r, 0, sizeof *r);
}

#define ROW_COLUMNS                                                                                        \
	"id, name, image_id, image_ref, created, config, state, pid, shim_pid, shim_start, exit_code,"      \
	" oom_killed, started, finished, restart_count, error, manual_stop"

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? t : "";
}

static void row_from_stmt(sqlite3_stmt *st, struct ctr_row *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", col_text(st, 0));
	r->name = sv_xstrdup(col_text(st, 1));
	snprintf(r->image_id, sizeof r->image_id, "%s", col_text(st, 2));
	r->image_ref = sv_xstrdup(col_text(st, 3));
	r->created_ns = sqlite3_column_int64(st, 4);
	const char *cfg = col_text(st, 5);
	r->config = cJSON_Parse(cfg);
	if (!r->config)
		r->config = cJSON_CreateObject();
	r->state = sv_container_state_parse(col_text(st, 6));
	r->pid = sqlite3_column_int(st, 7);
	r->shim_pid = sqlite3_column_int(st, 8);
	r->shim_start = sqlite3_column_int64(st, 9);
	r->exit_code = sqlite3_column_int(st, 10);
	r->oom_killed = sqlite3_column_int(st, 11) != 0;
	r->started_ns = sqlite3_column_int64(st, 12);
	r->finished_ns = sqlite3_column_int64(st, 13);
	r->restart_count = sqlite3_column_int(st, 14);
	r->error = sv_xstrdup(col_text(st, 15));
	r->manual_stop = sqlite3_column_int(st, 16) != 0;
}

int ctr_load(sv_engine *e, const char *id, struct ctr_row *r, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(e->store, "SELECT " ROW_COLUMNS " FROM containers WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_from_stmt(st, r);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return sv_store_sql_err(e->store, "read container", err);
	return sv_err_setx(err, ENOENT, "No such container: %s", id);
}

/* Name, then full id, then unique id prefix (Docker's order). */
int sv_engine_container_resolve(sv_engine *e, const char *name, char id[SV_CONTAINER_ID_LEN + 1], sv_err **err)
{
	if (!name || !*name)
		return sv_err_setx(err, ENOENT, "No such container: %s", name ? name : "");
	const char *n = name[0] == '/' ? name + 1 : name;
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(e->store, "SELECT id FROM containers WHERE name = ?1 OR id = ?1 LIMIT 1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, SV_CONTAINER_ID_LEN + 1, "%s", col_text(st, 0));
		return 0;
	}
	SV_AUTOSTMT sqlite3_stmt *pf = sv_store_prepare(
		e->store, "SELECT id FROM containers WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2", err);
	if (!pf)
		return -1;
	sqlite3_bind_text(pf, 1, n, -1, SQLITE_STATIC);
	if (sqlite3_step(pf) != SQLITE_ROW)
		return sv_err_setx(err, ENOENT, "No such container: %s", name);
	snprintf(id, SV_CONTAINER_ID_LEN + 1, "%s", col_text(pf, 0));
	if (sqlite3_step(pf) == SQLITE_ROW)
		return sv_err_setx(err, EINVAL, "multiple IDs found with provided prefix: %s", n);
	return 0;
}

/* Field 22 (starttime) of /proc/<pid>/stat, or -1 when the process is
 * gone — a zombie counts as gone: it runs nothing any more. */
int64_t ctr_pid_start(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return -1;
	/* After ") " come field 3 (state) ... field 22 (starttime). */
	int field = 2;
	for (p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	return field == 22 ? strtoll(p, NULL, 10) : -1;
}

bool ctr_pid_alive(int pid, int64_t start_ticks)
{
	if (pid <= 0)
		return false;
	int64_t st = ctr_pid_start(pid);
	if (st < 0)
		return false;
	return start_ticks <= 0 || st == start_ticks;
}

int ctr_find(sv_engine *e, const char *name, struct ctr_row *r, sv_err **err)
{
	char id[SV_CONTAINER_ID_LEN + 1];
	if (sv_engine_container_resolve(e, name, id, err) < 0 || ctr_load(e, id, r, err) < 0)
		return -1;
	return ctr_reconcile(e, r, err);
}

/* ---------------------------------------------------------------- events */

int ctr_event(sv_engine *e, const struct ctr_row *r, const char *action, const cJSON *extra, sv_err **err)
{
	cJSON *attrs = extra ? cJSON_Duplicate(extra, true) : cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", r->name);
	cJSON_AddStringToObject(attrs, "image", r->image_ref);
	cJSON *it;
	cJSON_ArrayForEach(it, sv_json_obj(ctr_cfg(r), "Labels"))
		if (cJSON_IsString(it) && !cJSON_GetObjectItemCaseSensitive(attrs, it->string))
			cJSON_AddStringToObject(attrs, it->string, it->valuestring);
	int rc = sv_store_event_add(e->store, "container", action, r->id, attrs, err);
	cJSON_Delete(attrs);
	return rc;
}

/* ---------------------------------------------------------------- reconcile */

int ctr_reconcile(sv_engine *e, struct ctr_row *r, sv_err **err)
{
	if (r->shim_pid <= 0)
		return 0;
	if (ctr_pid_alive(r->shim_pid, r->shim_start)) {
		int s = ctr_settle_started(e, r, err);
		if (s <= 0)
			return s;
		char id[SV_CONTAINER_ID_LEN + 1];
		memcpy(id, r->id, sizeof id);
		ctr_row_release(r);
		return ctr_load(e, id, r, err);
	}
	/* The shim is gone: nothing can be left running under this row. */
	SV_AUTOERR sv_err *e2 = NULL;
	if (ctr_runtime_cleanup(e, r->id, &e2) < 0)
		sv_warn("container %.12s: %s", r->id, e2->msg);
	ctr_net_stop(e, r);
	sv_err_clear(&e2);
	if (ctr_rootfs_unmount(e, r->id, &e2) < 0)
		sv_warn("container %.12s: %s", r->id, e2->msg);
	bool was_live = ctr_is_live(r->state);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"UPDATE containers SET shim_pid = 0, shim_start = 0, pid = 0,"
		" state = CASE WHEN state IN ('running','paused','restarting') THEN 'exited' ELSE state END,"
		" exit_code = CASE WHEN state IN ('running','paused','restarting') THEN 137 ELSE exit_code END,"
		" finished = CASE WHEN state IN ('running','paused','restarting') THEN ?2 ELSE finished END,"
		" error = CASE WHEN state IN ('running','paused','restarting')"
		"   THEN 'servin-shim exited unexpectedly' ELSE error END"
		" WHERE id = ?1 AND shim_pid = ?3",
		err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sv_time_now_ns());
	sqlite3_bind_int(st, 3, r->shim_pid);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sv_store_sql_err(e->store, "record stop", err);
		goto fail;
	}
	if (was_live && sqlite3_changes(sqlite3_db_handle(st)) > 0 && ctr_event(e, r, "die", NULL, err) < 0)
		goto fail;
	if (sv_store_commit(e->store, err) < 0)
		goto fail;
	char id[SV_CONTAINER_ID_LEN + 1];
	memcpy(id, r->id, sizeof id);
	ctr_row_release(r);
	return ctr_load(e, id, r, err);
fail:
	sv_store_rollback(e->store);
	return -1;
}

int ctr_set_state(sv_engine *e, const char *id, enum sv_container_state s, const char *event, sv_err **err)
{
	struct ctr_row r;
	if (ctr_load(e, id, &r, err) < 0)
		return -1;
	int rc = -1;
	SV_AUTOSTMT sqlite3_stmt *st = NULL;
	if (sv_store_begin(e->store, err) < 0)
		goto out;
	st = sv_store_prepare(e->store, "UPDATE containers SET state = ? WHERE id = ?", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, sv_container_state_name(s), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sv_store_sql_err(e->store, "update container", err);
		goto fail;
	}
	if ((event && ctr_event(e, &r, event, NULL, err) < 0) || sv_store_commit(e->store, err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	sv_store_rollback(e->store);
out:
	ctr_row_release(&r);
	return rc;
}

/* A listing reads four values of each stored document (brief_pieces).
 * The summary column holds them, written with the row; a row without one
 * (made before the column existed, or by an older servin) has them cut out
 * of the document by SQLite's -> operator (as JSON text, strings still
 * escaped as stored). Either way only those few bytes go through cJSON, not
 * the whole document. A document SQLite cannot read gives none of them, as
 * cJSON gave an empty one. */
#define BRIEF_PIECE(path) ", CASE WHEN summary IS NULL AND json_valid(config) THEN config -> '" path "' END"
#define BRIEF_COLUMNS                                                                                      \
	"id, name, image_id, image_ref, created, NULL, state, pid, shim_pid, shim_start, exit_code,"       \
	" oom_killed, started, finished, restart_count, error, manual_stop, summary"                       \
	BRIEF_PIECE("$.Config.Labels") BRIEF_PIECE("$.HostConfig.NetworkMode") BRIEF_PIECE("$.Path")      \
	BRIEF_PIECE("$.Args")

static const struct {
	const char *parent, *key; /* parent NULL: at the top */
} brief_pieces[] = { { "Config", "Labels" }, { "HostConfig", "NetworkMode" }, { NULL, "Path" }, { NULL, "Args" } };

/* Puts v (taken) at its place for brief_pieces[i] in doc. */
static void brief_put(cJSON *doc, size_t i, cJSON *v)
{
	cJSON *parent = doc;
	if (brief_pieces[i].parent) {
		parent = cJSON_GetObjectItemCaseSensitive(doc, brief_pieces[i].parent);
		if (!parent)
			parent = cJSON_AddObjectToObject(doc, brief_pieces[i].parent);
	}
	cJSON_AddItemToObject(parent, brief_pieces[i].key, v);
}

char *ctr_summary_text(const cJSON *doc)
{
	SV_AUTOJSON cJSON *s = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof brief_pieces / sizeof brief_pieces[0]; i++) {
		const cJSON *parent = brief_pieces[i].parent ? sv_json_obj(doc, brief_pieces[i].parent) : doc;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, brief_pieces[i].key);
		if (v)
			brief_put(s, i, cJSON_Duplicate(v, true));
	}
	return sv_json_print(s);
}

/* r->config made of the summary column, else of the pieces after it. */
static void brief_config(sqlite3_stmt *st, struct ctr_row *r)
{
	const char *summary = (const char *)sqlite3_column_text(st, 17);
	if (summary) {
		cJSON *doc = cJSON_Parse(summary);
		if (cJSON_IsObject(doc)) {
			cJSON_Delete(r->config);
			r->config = doc;
			return;
		}
		cJSON_Delete(doc);
	}
	for (size_t i = 0; i < sizeof brief_pieces / sizeof brief_pieces[0]; i++) {
		const char *t = (const char *)sqlite3_column_text(st, 18 + (int)i);
		cJSON *v = t ? cJSON_Parse(t) : NULL;
		if (v)
			brief_put(r->config, i, v);
	}
}

/* A brief row whose shim died is reloaded whole before it is reconciled:
 * recording the stop needs all of the document. */
static int reconcile_row(sv_engine *e, struct ctr_row *r, bool brief, sv_err **err)
{
	if (brief && r->shim_pid > 0 && !ctr_pid_alive(r->shim_pid, r->shim_start)) {
		char id[SV_CONTAINER_ID_LEN + 1];
		memcpy(id, r->id, sizeof id);
		ctr_row_release(r);
		if (ctr_load(e, id, r, err) < 0)
			return -1;
	}
	return ctr_reconcile(e, r, err);
}

static int load_rows(sv_engine *e, bool brief, struct ctr_row **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	SV_AUTOSTMT_CACHED sqlite3_stmt *st = sv_store_cached(
		e->store,
		brief ? "SELECT " BRIEF_COLUMNS " FROM containers ORDER BY created DESC"
		      : "SELECT " ROW_COLUMNS " FROM containers ORDER BY created DESC",
		err);
	if (!st)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = sv_xrealloc(*out, cap * sizeof **out);
		}
		struct ctr_row *r = &(*out)[(*n)++];
		row_from_stmt(st, r);
		if (brief)
			brief_config(st, r);
	}
	if (rc != SQLITE_DONE) {
		ctr_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sv_store_sql_err(e->store, "list containers", err);
	}
	sqlite3_reset(st);
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++) {
		struct ctr_row *r = &(*out)[i];
		char id[SV_CONTAINER_ID_LEN + 1];
		memcpy(id, r->id, sizeof id);
		SV_AUTOERR sv_err *e2 = NULL;
		if (reconcile_row(e, r, brief, &e2) < 0) {
			/* Removed by another process meanwhile: the row is gone
			 * (and released by the reconcile); leave it out. */
			if (e2->code == ENOENT || !r->name) {
				ctr_row_release(r);
				continue;
			}
			sv_warn("container %.12s: %s", id, e2->msg);
		}
		if (kept != i)
			(*out)[kept] = *r;
		kept++;
	}
	*n = kept;
	return 0;
}

/* Every row, newest first, reconciled. */
int ctr_load_all(sv_engine *e, struct ctr_row **out, size_t *n, sv_err **err)
{
	return load_rows(e, false, out, n, err);
}

int ctr_load_brief(sv_engine *e, struct ctr_row **out, size_t *n, sv_err **err)
{
	return load_rows(e, true, out, n, err);
}

void ctr_rows_free(struct ctr_row *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		ctr_row_release(&v[i]);
	free(v);
}

/* ---------------------------------------------------------------- rename */

bool ctr_name_valid(const char *n)
{
	if (!isalnum((unsigned char)n[0]) || strlen(n) < 2 || strlen(n) > 255)
		return false;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}



int sv_engine_container_rename(sv_engine *e, const char *name, const char *new_name, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	const char *nn = new_name && new_name[0] == '/' ? new_name + 1 : new_name;
	int rc = -1;
	SV_AUTOSTMT sqlite3_stmt *st = NULL;
	if (!nn || !ctr_name_valid(nn)) {
		sv_err_setx(err, EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			    nn ? nn : "");
		goto out;
	}
	if (strcmp(nn, r.name) == 0) {
		sv_err_setx(err, EINVAL, "Renaming a container with the same name as its current name");
		goto out;
	}
	if (sv_store_begin(e->store, err) < 0)
		goto out;
	st = sv_store_prepare(e->store, "UPDATE containers SET name = ? WHERE id = ?", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, nn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r.id, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_CONSTRAINT) {
		sv_store_rollback(e->store);
		sv_err_setx(err, EEXIST,
			    "Error when allocating new name: Conflict. The container name \"/%s\" is already in use", nn);
		goto out;
	}
	if (step != SQLITE_DONE) {
		sv_store_sql_err(e->store, "rename", err);
		goto fail;
	}
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "oldName", r.name);
	free(r.name);
	r.name = sv_xstrdup(nn);
	int erc = ctr_event(e, &r, "rename", attrs, err);
	cJSON_Delete(attrs);
	if (erc < 0 || sv_store_commit(e->store, err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	sv_store_rollback(e->store);
out:
	ctr_row_release(&r);
	return rc;
}

/* ---------------------------------------------------------------- remove */

/* Moves the files of a stopped container aside (*trash, for
 * sv_store_purge) then deletes its row. */
int ctr_destroy_deferred(sv_engine *e, const struct ctr_row *r, bool keep_mount, char **trash, sv_err **err)
{
	*trash = NULL;
	if (!keep_mount && ctr_rootfs_unmount(e, r->id, err) < 0)
		return sv_err_prefix(err, "remove container %.12s", r->id);
	/* --rm takes the anonymous volumes along, as Docker does (rm -v
	 * removed them before calling here). */
	ctr_netvol_forget(e, r, sv_json_bool(ctr_host(r), "AutoRemove", false));
	SV_AUTOFREE char *rel = sv_xasprintf("containers/%s", r->id);
	/* A trash the shim purges is named after it: the next command's
	 * sweep leaves it alone while the shim is at it. */
	pid_t purger = keep_mount && r->shim_pid > 0 ? r->shim_pid : getpid();
	if (sv_store_trash_move_for(e->store, rel, purger, trash, err) < 0)
		return sv_err_prefix(err, "remove container %.12s", r->id);
	SV_AUTOFREE char *run = ctr_run_dir(e, r->id);
	SV_AUTOERR sv_err *e2 = NULL;
	if (sv_rm_rf(run, &e2) < 0)
		sv_warn("container %.12s: %s", r->id, e2->msg);
	SV_AUTOFREE char *lock = sv_xasprintf("%s/locks/mount-%s", e->root, r->id);
	unlink(lock);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "DELETE FROM containers WHERE id = ?", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sv_store_sql_err(e->store, "delete container", err);
		goto fail;
	}
	if (sqlite3_changes(sqlite3_db_handle(st)) > 0 && ctr_event(e, r, "destroy", NULL, err) < 0)
		goto fail;
	return sv_store_commit(e->store, err) < 0 ? (sv_store_rollback(e->store), -1) : 0;
fail:
	sv_store_rollback(e->store);
	return -1;
}

int ctr_destroy(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	SV_AUTOFREE char *trash = NULL;
	int rc = ctr_destroy_deferred(e, r, false, &trash, err);
	SV_AUTOERR sv_err *e2 = NULL;
	if (sv_store_purge(e->store, trash, &e2) < 0)
		sv_warn("container %.12s: %s", r->id, e2->msg);
	return rc;
}

int sv_engine_container_remove(sv_engine *e, const char *name, unsigned flags, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = -1;
	if (ctr_is_live(r.state)) {
		if (!(flags & SV_CTR_RM_FORCE)) {
			if (r.state == SV_CTR_PAUSED)
				sv_err_setx(err, EBUSY,
					    "cannot remove container \"/%s\": container is paused and must be unpaused first",
					    r.name);
			else
				sv_err_setx(err, EBUSY,
					    "cannot remove container \"/%s\": container is %s: stop the container before "
					    "removing or force remove",
					    r.name, sv_container_state_name(r.state));
			goto out;
		}
		if (ctr_force_stop(e, &r, err) < 0)
			goto out;
		/* The shim may have removed it already (--rm). */
		char id[SV_CONTAINER_ID_LEN + 1];
		memcpy(id, r.id, sizeof id);
		ctr_row_release(&r);
		if (ctr_load(e, id, &r, err) < 0) {
			if (sv_err_code(err) != ENOENT)
				return -1;
			sv_err_clear(err);
			return 0;
		}
		if (ctr_reconcile(e, &r, err) < 0)
			goto out;
	}
	if (flags & SV_CTR_RM_VOLUMES) {
		SV_AUTOERR sv_err *e2 = NULL;
		if (sv_volume_remove_anonymous(e->store, r.id, &e2) < 0)
			sv_warn("container %.12s: %s", r.id, e2->msg);
	}
	rc = ctr_destroy(e, &r, err);
out:
	ctr_row_release(&r);
	return rc;
}

