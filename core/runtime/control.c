/*
 * Operations on an existing container: kill, delete, pause/resume, pids,
 * stats and OOM watching. Each loads state.json, checks the recorded
 * process is still the same one (pid + start time), and acts through a
 * pidfd or the container's cgroups.
 */
#include "runtime/runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"

struct loaded {
	char *dir;
	struct state_rec rec;
	struct cgroup *cg;
	enum sv_runtime_status status;
};

static int load(const char *state_root, const char *id, struct loaded *l, sv_err **err)
{
	memset(l, 0, sizeof *l);
	if (state_load(state_root, id, &l->dir, &l->rec, err) < 0)
		return -1;
	l->cg = cgroup_from_state(l->rec.cgroups);
	l->status = state_status(l->dir, &l->rec);
	return 0;
}

static void unload(struct loaded *l)
{
	free(l->dir);
	state_rec_release(&l->rec);
	cgroup_free(l->cg);
	memset(l, 0, sizeof *l);
}

int sv_runtime_kill(const char *state_root, const char *id, int sig, unsigned flags, sv_err **err)
{
	struct loaded l;
	if (load(state_root, id, &l, err) < 0)
		return -1;
	int rc = -1;
	if (l.status == SV_RUNTIME_STOPPED) {
		sv_err_setx(err, EBUSY, "container %s is not running", id);
	} else if ((flags & SV_RUNTIME_KILL_ALL) && l.cg) {
		rc = cgroup_kill_all(l.cg, sig, err);
	} else {
		SV_AUTOCLOSE int pidfd = state_pidfd(&l.rec);
		if (pidfd < 0)
			sv_err_setx(err, EBUSY, "container %s is not running", id);
		else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
			sv_err_set(err, errno, "kill container %s", id);
		else
			rc = 0;
	}
	unload(&l);
	return rc;
}

/* Waits up to timeout_ms for the process behind pidfd to exit, reaping it
 * when it is our child. */
static bool wait_gone(int pidfd, pid_t pid, int timeout_ms)
{
	struct pollfd p = { pidfd, POLLIN, 0 };
	if (poll(&p, 1, timeout_ms) != 1)
		return false;
	waitpid(pid, NULL, WNOHANG);
	return true;
}

static int force_stop(struct loaded *l, sv_err **err)
{
	SV_AUTOCLOSE int pidfd = state_pidfd(&l->rec);
	if (l->cg && l->cg->n)
		cgroup_kill_all(l->cg, SIGKILL, NULL);
	if (pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		if (!wait_gone(pidfd, l->rec.pid, 10000))
			return sv_err_setx(err, EBUSY, "container %s did not die after SIGKILL", l->rec.id);
	}
	return 0;
}

/* Processes that outlived the init (no pid namespace of its own) would
 * keep the cgroups busy: they go too, as with runc. */
static void kill_leftovers(struct loaded *l)
{
	pid_t *pids = NULL;
	size_t n = 0;
	if (l->cg && cgroup_pids(l->cg, &pids, &n, NULL) == 0 && n > 0)
		cgroup_kill_all(l->cg, SIGKILL, NULL);
	free(pids);
}

/* A state dir with no state.json whose lock is free was left by a create
 * that died half-way: delete removes it. 1 when it did, 0 when not such. */
static int remove_stale(const char *state_root, const char *id)
{
	SV_AUTOFREE char *dir = NULL;
	if (state_dir(state_root, id, &dir, NULL) < 0)
		return 0;
	SV_AUTOCLOSE int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || faccessat(fd, "state.json", F_OK, 0) == 0)
		return 0;
	return sv_rm_rf(dir, NULL) == 0;
}

int sv_runtime_delete(const char *state_root, const char *id, unsigned flags, sv_err **err)
{
	struct loaded l;
	SV_AUTOERR sv_err *e = NULL;
	if (load(state_root, id, &l, &e) < 0) {
		if (sv_err_code(&e) == ENOENT && remove_stale(state_root, id))
			return 0;
		*err = sv_steal_ptr(&e);
		return -1;
	}
	int rc = -1;
	bool live = l.status != SV_RUNTIME_STOPPED;
	if (live && l.status != SV_RUNTIME_CREATED && !(flags & SV_RUNTIME_DELETE_FORCE))
		sv_err_setx(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			    sv_runtime_status_name(l.status));
	else if (live && force_stop(&l, err) < 0)
		;
	else if (kill_leftovers(&l), cgroup_destroy(l.cg, err) < 0)
		;
	else
		rc = sv_rm_rf(l.dir, err);
	sv_err_clear(&e);
	if (rc == 0 && state_hooks(&l.rec, HOOK_POSTSTOP, SV_RUNTIME_STOPPED, &e) < 0)
		sv_warn("container %s: poststop: %s", id, e->msg);
	unload(&l);
	return rc;
}

static int set_frozen(const char *state_root, const char *id, bool frozen, sv_err **err)
{
	struct loaded l;
	if (load(state_root, id, &l, err) < 0)
		return -1;
	int rc = -1;
	enum sv_runtime_status want = frozen ? SV_RUNTIME_RUNNING : SV_RUNTIME_PAUSED;
	if (l.status != want)
		sv_err_setx(err, EBUSY, "container %s is %s, not %s", id, sv_runtime_status_name(l.status),
			    sv_runtime_status_name(want));
	else if (!l.cg)
		sv_err_setx(err, ENOTSUP, "container %s has no cgroup", id);
	else
		rc = cgroup_freeze(l.cg, frozen, err);
	unload(&l);
	return rc;
}

int sv_runtime_pause(const char *state_root, const char *id, sv_err **err)
{
	return set_frozen(state_root, id, true, err);
}

int sv_runtime_resume(const char *state_root, const char *id, sv_err **err)
{
	return set_frozen(state_root, id, false, err);
}

int sv_runtime_pids(const char *state_root, const char *id, pid_t **pids, size_t *n, sv_err **err)
{
	*pids = NULL;
	*n = 0;
	struct loaded l;
	if (load(state_root, id, &l, err) < 0)
		return -1;
	int rc = cgroup_pids(l.cg, pids, n, err);
	unload(&l);
	return rc;
}

int sv_runtime_stats(const char *state_root, const char *id, struct sv_runtime_stats *out, sv_err **err)
{
	struct loaded l;
	if (load(state_root, id, &l, err) < 0)
		return -1;
	int rc = cgroup_stats(l.cg, out, err);
	unload(&l);
	return rc;
}

int sv_runtime_oom_count(const char *state_root, const char *id, uint64_t *count, sv_err **err)
{
	/* (its one counter, not every statistic: read at each exit) */
	struct loaded l;
	if (load(state_root, id, &l, err) < 0)
		return -1;
	*count = cgroup_oom_kills(l.cg);
	unload(&l);
	return 0;
}

int sv_runtime_oom_fd(const char *state_root, const char *id, sv_err **err)
{
	struct loaded l;
	if (load(state_root, id, &l, err) < 0)
		return -1;
	int fd = cgroup_oom_fd(l.cg, err);
	unload(&l);
	return fd;
}
