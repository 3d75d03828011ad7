/*
 * Containers in `servin system check`: every row against reality, and
 * what a crash left of containers on disk and in the kernel.
 *
 *   stale     a row says a shim owns the container, and that shim is gone.
 *             Any command that reads the row settles it (ctr_reconcile);
 *             --repair does it now.
 *   corrupt   a row says running (or paused, restarting) while no shim owns
 *             it: nothing would ever settle it. --repair records the stop.
 *   leftover  of a container that does not run: its rootfs still mounted,
 *             its runtime state, its cgroup directories; of a container
 *             with no row: its directories (root/containers/<id>,
 *             runroot/containers/<id>, runroot/runtime/<id>) and cgroups.
 *             --repair kills what is left, unmounts, removes.
 *
 * A check runs beside other servin processes. A row is judged under the
 * container's mount lock (start claims the row, then takes it to mount;
 * cp takes it too) and re-read inside it; a row a live shim owns is that
 * shim's to keep in order. A directory is an orphan only when it still
 * exists after its row was seen missing: creation inserts the row before
 * any file, removal deletes the files before the row.
 *
 * Cgroups: the runtime makes <parent>/servin/<id> below its creator's own
 * cgroup of each hierarchy (core/runtime/cgroup.c); the check looks below
 * its own, the same place when servin runs from the same service. Cgroups
 * hold no store, and several stores may share a host: a cgroup named by
 * an id this store never knew (no row, no event) is never touched.
 */
#include "engine/engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "containers-internal.h"

struct ccheck {
	sv_engine *e;
	bool repair;
	sv_check_fn *fn;
	void *arg;
	int corrupt;
	char **cg_bases; /* <hierarchy>/<own cgroup>/servin, existing ones */
};

static void finding(struct ccheck *c, const char *kind, const char *id, bool repaired, const char *fmt, ...)
	SV_PRINTF(5, 6);

static void finding(struct ccheck *c, const char *kind, const char *id, bool repaired, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	SV_AUTOFREE char *detail = sv_xvasprintf(fmt, ap);
	va_end(ap);
	if (strcmp(kind, "corrupt") == 0 && !repaired)
		c->corrupt++;
	char object[13];
	snprintf(object, sizeof object, "%.12s", id);
	struct sv_check_finding f = { .area = "container", .kind = kind, .object = object, .detail = detail,
				      .repaired = repaired };
	c->fn(&f, c->arg);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_ctr_id(const char *s)
{
	return strlen(s) == SV_CONTAINER_ID_LEN && strspn(s, "0123456789abcdef") == SV_CONTAINER_ID_LEN;
}

/* ---------------------------------------------------------------- cgroups */

/* Does the comma list `have` hold every item of the comma list `want`? */
static bool has_all(const char *have, const char *want)
{
	SV_AUTOSTRV char **h = sv_strv_split(have, ',', true);
	SV_AUTOSTRV char **w = sv_strv_split(want, ',', true);
	for (size_t i = 0; w[i]; i++)
		if (!sv_strv_contains(h, w[i]))
			return false;
	return true;
}

/* The mount point of hierarchy `ctl` ("" for v2) and its root, from
 * mountinfo lines ("id parent dev root mountpoint opts ... - type src super"). */
static bool hier_mount(char **mounts, const char *ctl, char **mnt, char **root)
{
	for (size_t i = 0; mounts[i]; i++) {
		const char *dash = strstr(mounts[i], " - ");
		if (!dash)
			continue;
		SV_AUTOSTRV char **f = sv_strv_split(mounts[i], ' ', true);
		SV_AUTOSTRV char **t = sv_strv_split(dash + 3, ' ', true);
		if (sv_strv_len(f) < 5 || sv_strv_len(t) < 3)
			continue;
		bool v2 = strcmp(t[0], "cgroup2") == 0;
		if (*ctl ? strcmp(t[0], "cgroup") != 0 || !has_all(t[2], ctl) : !v2)
			continue;
		*root = sv_xstrdup(f[3]);
		*mnt = sv_xstrdup(f[4]);
		return true;
	}
	return false;
}

/* <mount>/<own path>/servin of every hierarchy we are in, where it exists. */
static char **cgroup_bases(void)
{
	char **v = sv_xcalloc(1, sizeof *v);
	SV_AUTOBUF struct sv_buf cg, mi;
	sv_buf_init(&cg);
	sv_buf_init(&mi);
	if (sv_read_file("/proc/self/cgroup", 1 << 16, &cg, NULL) < 0 ||
	    sv_read_file("/proc/self/mountinfo", 1 << 22, &mi, NULL) < 0)
		return v;
	SV_AUTOSTRV char **lines = sv_strv_split(cg.data, '\n', true);
	SV_AUTOSTRV char **mounts = sv_strv_split(mi.data, '\n', true);
	for (size_t i = 0; lines[i]; i++) {
		char *c1 = strchr(lines[i], ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctl = c1 + 1, *own = c2 + 1;
		SV_AUTOFREE char *mnt = NULL;
		SV_AUTOFREE char *root = NULL;
		if (!hier_mount(mounts, ctl, &mnt, &root))
			continue;
		size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
		if (rl && (strncmp(own, root, rl) != 0 || (own[rl] && own[rl] != '/')))
			continue;
		SV_AUTOFREE char *base = sv_xasprintf("%s%s/servin", mnt, own[rl] == '/' && !own[rl + 1] ? "" : own + rl);
		if (is_dir(base) && !sv_strv_contains(v, base))
			sv_strv_push(&v, base);
	}
	return v;
}

/* Kills what still runs in a cgroup directory, thaws it, removes it. */
static int cgroup_remove(const char *dir)
{
	SV_AUTOFREE char *freezer = sv_xasprintf("%s/freezer.state", dir);
	int fd = open(freezer, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "THAWED", 6);
		close(fd);
	}
	for (int tries = 0; tries < 100; tries++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		SV_AUTOBUF struct sv_buf procs;
		sv_buf_init(&procs);
		SV_AUTOFREE char *pf = sv_xasprintf("%s/cgroup.procs", dir);
		if (sv_read_file(pf, 1 << 20, &procs, NULL) == 0) {
			SV_AUTOSTRV char **pids = sv_strv_split(procs.data, '\n', true);
			for (size_t i = 0; pids[i]; i++)
				kill(atoi(pids[i]), SIGKILL);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return -1;
}

/* "memory" of /sys/fs/cgroup/memory/a/servin: where a base is, in short. */
static const char *hier_name(const char *base)
{
	const char *p = sv_str_has_prefix(base, "/sys/fs/cgroup/") ? base + 15 : base;
	return p;
}

/* The cgroup directories of container id, one finding for them all. */
static void check_cgroups(struct ccheck *c, const char *id, const char *why)
{
	SV_AUTOBUF struct sv_buf where;
	sv_buf_init(&where);
	int n = 0, left = 0;
	for (size_t i = 0; c->cg_bases[i]; i++) {
		SV_AUTOFREE char *dir = sv_xasprintf("%s/%s", c->cg_bases[i], id);
		if (!is_dir(dir))
			continue;
		const char *h = hier_name(c->cg_bases[i]);
		sv_buf_addf(&where, "%s%.*s", n++ ? ", " : "", (int)strcspn(h, "/"), h);
		if (!c->repair || cgroup_remove(dir) < 0)
			left++;
	}
	if (n)
		finding(c, "leftover", id, c->repair && !left, "%d cgroup director%s (%s) of a container that %s%s", n,
			n == 1 ? "y" : "ies", where.data, why, c->repair && !left ? ": removed" : "");
}

/* ---------------------------------------------------------------- rows */

/* A row says live, no shim owns it: record the stop. */
static int mark_exited(sv_engine *e, struct ctr_row *r, sv_err **err)
{
	SV_AUTOERR sv_err *e2 = NULL;
	(void)ctr_runtime_cleanup(e, r->id, &e2);
	ctr_net_stop(e, r);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"UPDATE containers SET state = 'exited', pid = 0, exit_code = 137, finished = ?2,"
		" error = 'no servin-shim owned the running container' WHERE id = ?1 AND shim_pid = 0",
		err);
	if (!st || (sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC), sqlite3_bind_int64(st, 2, sv_time_now_ns()),
		    sqlite3_step(st)) != SQLITE_DONE) {
		if (st)
			sv_store_sql_err(e->store, "record stop", err);
		sv_store_rollback(e->store);
		return -1;
	}
	if (ctr_event(e, r, "die", NULL, err) < 0 || sv_store_commit(e->store, err) < 0) {
		sv_store_rollback(e->store);
		return -1;
	}
	r->state = SV_CTR_EXITED;
	return 0;
}

/* The row against its shim. False when a live shim owns the container. */
static bool check_owner(struct ccheck *c, struct ctr_row *r)
{
	if (r->shim_pid > 0 && ctr_pid_alive(r->shim_pid, r->shim_start))
		return false;
	SV_AUTOERR sv_err *err = NULL;
	if (r->shim_pid > 0) {
		const char *was = sv_container_state_name(r->state);
		int pid = r->shim_pid;
		bool fixed = c->repair && ctr_reconcile(c->e, r, &err) == 0;
		finding(c, "stale", r->id, fixed, "recorded %s, but its servin-shim (pid %d) is gone%s%s", was, pid,
			fixed ? ": stop recorded" : "", err ? err->msg : "");
	} else if (ctr_is_live(r->state)) {
		const char *was = sv_container_state_name(r->state);
		bool fixed = c->repair && mark_exited(c->e, r, &err) == 0;
		finding(c, "corrupt", r->id, fixed, "recorded %s, but no servin-shim owns it%s%s", was,
			fixed ? ": stop recorded" : "", err ? err->msg : "");
	}
	return true;
}

/* Rootfs, runtime state and cgroups of a container that does not run. */
static void check_remains(struct ccheck *c, const char *id, const char *why)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOFREE char *sr = ctr_state_root(c->e);
	SV_AUTOFREE char *state = sv_xasprintf("%s/%s", sr, id);
	if (is_dir(state)) {
		/* Deleting the runtime state kills what is left and removes
		 * the cgroups it recorded. */
		bool fixed = c->repair && ctr_runtime_cleanup(c->e, id, &err) == 0 &&
			     (!is_dir(state) || sv_rm_rf(state, &err) == 0);
		finding(c, "leftover", id, fixed, "runtime state %s of a container that %s%s%s", state, why,
			fixed ? ": processes killed, cgroups and state removed" : "", err ? err->msg : "");
		sv_err_clear(&err);
	}
	if (ctr_rootfs_mounted(c->e, id)) {
		bool fixed = c->repair && ctr_rootfs_unmount(c->e, id, &err) == 0 && !ctr_rootfs_mounted(c->e, id);
		finding(c, "leftover", id, fixed, "rootfs mounted for a container that %s%s%s", why,
			fixed ? ": unmounted" : "", err ? err->msg : "");
	}
	check_cgroups(c, id, why);
}

static void check_row(struct ccheck *c, const char *id)
{
	/* Start claims the row and then mounts under this lock; cp mounts
	 * under it: inside it, what we see of a stopped container is settled. */
	SV_AUTOFREE char *lname = sv_xasprintf("mount-%s", id);
	SV_AUTOCLOSE int lock = sv_store_lock(c->e->store, lname, true, NULL);
	(void)lock; /* held until we return; without it, judge anyway */
	struct ctr_row r;
	if (ctr_load(c->e, id, &r, NULL) < 0) {
		/* Removed meanwhile: its lock file goes with it. */
		SV_AUTOFREE char *lp = sv_xasprintf("%s/locks/%s", c->e->root, lname);
		unlink(lp);
		return;
	}
	if (check_owner(c, &r) && !ctr_is_live(r.state))
		check_remains(c, r.id, "does not run");
	ctr_row_release(&r);
}

/* ---------------------------------------------------------------- orphans */

static bool row_exists(sv_engine *e, const char *id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "SELECT 1 FROM containers WHERE id = ?", NULL);
	if (!st)
		return true; /* in doubt, keep */
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* Did this store ever record container id (its events name it)? */
static bool store_knew(sv_engine *e, const char *id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "SELECT 1 FROM events WHERE type = 'container' AND actor = ? LIMIT 1", NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* Container ids named by the entries of dir, added to *ids once. */
static void collect_ids(const char *dir, char ***ids)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (is_ctr_id(de->d_name) && !sv_strv_contains(*ids, de->d_name))
			sv_strv_push(ids, de->d_name);
	closedir(d);
}

/* Everything of a container that has no row. */
static void check_orphan(struct ccheck *c, const char *id)
{
	const char *why = "has no record";
	check_remains(c, id, why);
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOFREE char *dir = ctr_dir(c->e, id);
	if (is_dir(dir)) {
		SV_AUTOFREE char *rel = sv_xasprintf("containers/%s", id);
		bool fixed = c->repair && !ctr_rootfs_mounted(c->e, id) && sv_store_trash(c->e->store, rel, &err) == 0;
		finding(c, "leftover", id, fixed, "directory %s of a container that %s%s%s", dir, why,
			fixed ? ": removed" : "", err ? err->msg : "");
		sv_err_clear(&err);
	}
	SV_AUTOFREE char *run = ctr_run_dir(c->e, id);
	if (is_dir(run)) {
		bool fixed = c->repair && sv_rm_rf(run, &err) == 0;
		finding(c, "leftover", id, fixed, "directory %s of a container that %s%s%s", run, why,
			fixed ? ": removed" : "", err ? err->msg : "");
	}
}

static void check_orphans(struct ccheck *c)
{
	SV_AUTOSTRV char **ids = sv_xcalloc(1, sizeof(char *));
	SV_AUTOFREE char *a = sv_xasprintf("%s/containers", c->e->root);
	SV_AUTOFREE char *b = sv_xasprintf("%s/containers", c->e->runroot);
	SV_AUTOFREE char *sr = ctr_state_root(c->e);
	collect_ids(a, &ids);
	collect_ids(b, &ids);
	collect_ids(sr, &ids);
	for (size_t i = 0; ids[i]; i++)
		if (!row_exists(c->e, ids[i]))
			check_orphan(c, ids[i]);
	/* Cgroups of containers this store removed (and only those). */
	SV_AUTOSTRV char **cg = sv_xcalloc(1, sizeof(char *));
	for (size_t i = 0; c->cg_bases[i]; i++)
		collect_ids(c->cg_bases[i], &cg);
	for (size_t i = 0; cg[i]; i++)
		if (!sv_strv_contains(ids, cg[i]) && !row_exists(c->e, cg[i]) && store_knew(c->e, cg[i]))
			check_cgroups(c, cg[i], "was removed");
}

static char **row_ids(sv_engine *e, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "SELECT id FROM containers ORDER BY created", err);
	if (!st)
		return NULL;
	char **v = sv_xcalloc(1, sizeof *v);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		sv_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
	if (rc != SQLITE_DONE) {
		sv_strv_free(v);
		sv_store_sql_err(e->store, "list containers", err);
		return NULL;
	}
	return v;
}

int ctr_check(sv_engine *e, bool repair, sv_check_fn *fn, void *arg, int *corrupt, sv_err **err)
{
	SV_AUTOSTRV char **ids = row_ids(e, err);
	if (!ids)
		return -1;
	struct ccheck c = { .e = e, .repair = repair, .fn = fn, .arg = arg, .cg_bases = cgroup_bases() };
	for (size_t i = 0; ids[i]; i++)
		check_row(&c, ids[i]);
	check_orphans(&c);
	sv_strv_free(c.cg_bases);
	*corrupt = c.corrupt;
	return 0;
}
