/*
 * create, start, run: the library's half of bringing a container up (see
 * runtime.h for the picture). Any failure unwinds everything done so far:
 * the helper is killed and reaped, the cgroups and the state directory are
 * removed.
 */
#include "runtime/runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/plan.h"

struct creation {
	const struct sv_runtime_create_opts *o;
	char *bundle, *dir, *fifo;
	struct sv_buf config;
	struct spec spec;
	struct cgroup *cg;
	pid_t helper;
	int helper_pidfd, sock;
	int lockfd; /* the state dir, flock'ed for the whole create */
	bool dir_made;
};

void sv_runtime_proc_release(struct sv_runtime_proc *p)
{
	if (!p)
		return;
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->console_fd >= 0)
		close(p->console_fd);
	p->pidfd = p->console_fd = -1;
}

int sv_runtime_exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

static int read_config(struct creation *c, sv_err **err)
{
	char real[PATH_MAX];
	if (!c->o->bundle || !realpath(c->o->bundle, real))
		return sv_err_set(err, c->o->bundle ? errno : EINVAL, "bundle %s", c->o->bundle ? c->o->bundle : "(none)");
	c->bundle = sv_xstrdup(real);
	SV_AUTOFREE char *path = sv_path_join(c->bundle, "config.json");
	if (sv_read_file(path, 4u << 20, &c->config, err) < 0)
		return -1;
	if (spec_parse(c->config.data, c->config.len, c->bundle, &c->spec, err) < 0)
		return -1;
	if (!c->spec.has_process)
		return sv_err_setx(err, EINVAL, "config.json: no process to run");
	struct stat st;
	if (stat(c->spec.root, &st) < 0 || !S_ISDIR(st.st_mode))
		return sv_err_set(err, errno ? errno : ENOTDIR, "rootfs %s", c->spec.root);
	return 0;
}

/* Makes the state dir, or takes over one that a create killed half-way
 * left behind: no state.json and nobody holding its lock. The root's lock
 * covers the step from mkdir to the dir's own lock. */
static int claim_state_dir(struct creation *c, const char *root, sv_err **err)
{
	SV_AUTOCLOSE int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || flock(rfd, LOCK_EX) < 0)
		return sv_err_set(err, errno, "lock %s", root);
	bool made = mkdir(c->dir, 0700) == 0;
	if (!made && errno != EEXIST)
		return sv_err_set(err, errno, "mkdir %s", c->dir);
	c->lockfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->lockfd < 0)
		return sv_err_set(err, errno, "open %s", c->dir);
	if (flock(c->lockfd, LOCK_EX | LOCK_NB) < 0 || (!made && faccessat(c->lockfd, "state.json", F_OK, 0) == 0))
		return sv_err_setx(err, EEXIST, "container \"%s\" already exists", c->o->id);
	if (!made)
		unlinkat(c->lockfd, "exec.fifo", 0);
	c->dir_made = true;
	return 0;
}

static int make_state_dir(struct creation *c, sv_err **err)
{
	const char *root = c->o->state_root ? c->o->state_root : SV_RUNTIME_DEFAULT_STATE;
	if (sv_mkdir_p(root, 0700, err) < 0 || state_dir(root, c->o->id, &c->dir, err) < 0 ||
	    claim_state_dir(c, root, err) < 0)
		return -1;
	if (c->o->flags & SV_RUNTIME_START)
		return 0;
	c->fifo = sv_path_join(c->dir, "exec.fifo");
	/* 0622: the container's user, whoever it is, can open it to write. */
	if (mkfifo(c->fifo, 0622) < 0 || chmod(c->fifo, 0622) < 0)
		return sv_err_set(err, errno, "mkfifo %s", c->fifo);
	return 0;
}

/* Namespaces the helper is cloned into (the rest are joined or made later). */
static unsigned clone_flags(const struct spec *s, bool fork_later)
{
	static const int types[] = { CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID };
	unsigned f = 0;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		const struct spec_ns *ns = spec_ns_find(s, types[i]);
		if (ns && !ns->path && !(types[i] == CLONE_NEWPID && fork_later))
			f |= (unsigned)types[i];
	}
	return f;
}

static int start_helper(struct creation *c, struct sv_runtime_proc *out, sv_err **err)
{
	SV_AUTOFREE char *cache = sv_path_join(c->o->state_root ? c->o->state_root : SV_RUNTIME_DEFAULT_STATE, ".seccomp");
	struct build_opts bo = {
		.seccomp_cache = cache,
		.mode = (c->o->flags & SV_RUNTIME_START) ? PLAN_MODE_RUN : PLAN_MODE_CREATE,
		.fifo = c->fifo,
		.cg = c->cg,
		.detach = c->o->flags & SV_RUNTIME_DETACH,
		.new_keyring = !(c->o->flags & SV_RUNTIME_NO_NEW_KEYRING),
	};
	SV_AUTOBUF struct sv_buf plan;
	sv_buf_init(&plan);
	if (build_plan(&c->spec, &bo, &plan, err) < 0)
		return -1;
	const struct spec_ns *pid_ns = spec_ns_find(&c->spec, CLONE_NEWPID);
	bool fork_later = bo.detach || (pid_ns && pid_ns->path);
	struct spawn_opts so = {
		.stdio = c->spec.proc.terminal ? NULL : c->o->stdio,
		.extra_fds = c->o->extra_fds,
		.n_extra_fds = c->o->n_extra_fds,
		.clone_flags = clone_flags(&c->spec, fork_later),
		.cgroup_fd = cgroup_v2_fd(c->cg),
	};
	c->helper = spawn_init(&so, &c->sock, &c->helper_pidfd, err);
	if (c->helper < 0)
		return -1;
	out->pid = c->helper;
	if (spawn_talk(c->sock, &plan, NULL, 0, out, err) < 0)
		return -1;
	if (out->pid != c->helper) {
		/* The helper forked the container and is done. */
		spawn_reap(c->helper, c->helper_pidfd);
		close(c->helper_pidfd);
		c->helper_pidfd = -1;
		c->helper = 0;
	}
	return 0;
}

static int write_state(struct creation *c, const struct sv_runtime_proc *p, sv_err **err)
{
	unsigned ns_flags = 0;
	for (size_t i = 0; i < c->spec.n_ns; i++)
		ns_flags |= (unsigned)c->spec.ns[i].type;
	struct state_rec r = {
		.id = (char *)(uintptr_t)c->o->id,
		.bundle = c->bundle,
		.rootfs = c->spec.root,
		.pid = p->pid,
		.start_time = state_proc_start_time(p->pid),
		.created_ns = sv_time_now_ns(),
		.annotations = c->spec.annotations,
		.ns_flags = ns_flags,
		.config = c->config.data,
	};
	SV_AUTOSTRV char **cgs = cgroup_paths(c->cg);
	r.cgroups = cgs;
	if (!r.start_time)
		return sv_err_setx(err, ESRCH, "the container's process exited during setup");
	if (state_write(c->dir, &r, err) < 0)
		return -1;
	if (c->spec.n_hooks[HOOK_PRESTART] || c->spec.n_hooks[HOOK_CREATE_RUNTIME]) {
		SV_AUTOFREE char *json = state_rec_json(&r, SV_RUNTIME_CREATED);
		if (hooks_run(&c->spec, HOOK_PRESTART, json, err) < 0 ||
		    hooks_run(&c->spec, HOOK_CREATE_RUNTIME, json, err) < 0)
			return -1;
	}
	if (c->o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d", (int)p->pid);
		SV_AUTOFREE char *abs = NULL;
		char cwd[PATH_MAX];
		if (c->o->pid_file[0] != '/' && getcwd(cwd, sizeof cwd))
			abs = sv_path_join(cwd, c->o->pid_file);
		const char *pf = abs ? abs : c->o->pid_file;
		SV_AUTOFREE char *d = sv_xstrdup(pf);
		char *slash = strrchr(d, '/');
		*slash = '\0';
		SV_AUTOCLOSE int dfd = open(*d ? d : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || state_put_file(dfd, slash + 1, buf, (size_t)n, 0644, err) < 0)
			return dfd < 0 ? sv_err_set(err, errno, "pid file %s", pf) : sv_err_prefix(err, "pid file");
	}
	return 0;
}

static void creation_unwind(struct creation *c, struct sv_runtime_proc *out)
{
	if (out->pid > 0 && out->pid != c->helper) {
		kill(out->pid, SIGKILL);
		waitpid(out->pid, NULL, 0);
	}
	if (c->helper > 0) {
		kill(c->helper, SIGKILL);
		spawn_reap(c->helper, c->helper_pidfd);
	}
	if (c->cg)
		cgroup_destroy(c->cg, NULL);
	if (c->dir_made)
		sv_rm_rf(c->dir, NULL);
	sv_runtime_proc_release(out);
	out->pid = 0;
}

static void creation_release(struct creation *c)
{
	free(c->bundle);
	free(c->dir);
	free(c->fifo);
	sv_buf_release(&c->config);
	spec_release(&c->spec);
	cgroup_free(c->cg);
	if (c->sock >= 0)
		close(c->sock);
	if (c->helper_pidfd >= 0)
		close(c->helper_pidfd);
	if (c->lockfd >= 0)
		close(c->lockfd);
}

/* poststart hooks: failures are logged, the container runs on. */
static void poststart(struct creation *c, const struct sv_runtime_proc *p)
{
	if (!c->spec.n_hooks[HOOK_POSTSTART])
		return;
	struct state_rec r = { .id = (char *)(uintptr_t)c->o->id, .bundle = c->bundle, .rootfs = c->spec.root,
			       .pid = p->pid, .annotations = c->spec.annotations };
	SV_AUTOFREE char *json = state_rec_json(&r, SV_RUNTIME_RUNNING);
	SV_AUTOERR sv_err *e = NULL;
	if (hooks_run(&c->spec, HOOK_POSTSTART, json, &e) < 0)
		sv_warn("container %s: poststart: %s", c->o->id, e->msg);
}

static int create_steps(struct creation *c, struct sv_runtime_proc *out, sv_err **err)
{
	if (read_config(c, err) < 0 || make_state_dir(c, err) < 0 ||
	    cgroup_create(&c->spec, c->o->id, c->o->cgroup_parent, &c->cg, err) < 0 ||
	    start_helper(c, out, err) < 0 || cgroup_apply_late(c->cg, &c->spec, err) < 0 ||
	    write_state(c, out, err) < 0)
		return -1;
	if (c->o->flags & SV_RUNTIME_START) {
		if (plan_msg_send(c->sock, PLAN_MSG_GO, NULL, 0, NULL, 0) < 0)
			return sv_err_set(err, errno, "start the container");
		poststart(c, out);
	}
	if (out->console_fd >= 0 && c->o->console_socket) {
		if (spawn_send_console(c->o->console_socket, out->console_fd, err) < 0)
			return -1;
		close(out->console_fd);
		out->console_fd = -1;
	}
	return 0;
}

int sv_runtime_create(const struct sv_runtime_create_opts *o, struct sv_runtime_proc *out,
		      sv_err **err)
{
	*out = (struct sv_runtime_proc){ .pid = 0, .pidfd = -1, .console_fd = -1 };
	if (state_check_id(o->id, err) < 0)
		return -1;
	struct creation c = { .o = o, .helper_pidfd = -1, .sock = -1, .lockfd = -1 };
	sv_buf_init(&c.config);
	int rc = create_steps(&c, out, err);
	if (rc < 0) {
		sv_err_prefix(err, "create %s", o->id);
		creation_unwind(&c, out);
	} else if (out->pid == c.helper) {
		out->pidfd = sv_steal_fd(&c.helper_pidfd);
	} else if (!(o->flags & SV_RUNTIME_DETACH)) {
		out->pidfd = (int)syscall(SYS_pidfd_open, out->pid, 0);
	}
	creation_release(&c);
	return rc;
}

/* ------------------------------------------------------------ start */

/* Opens the fifo for reading (which lets the container's blocked open for
 * writing complete) and waits for its byte, or for the container to die. */
static int release_fifo(const char *fifo, int pidfd, sv_err **err)
{
	SV_AUTOCLOSE int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno == ENOENT ? EBUSY : errno, "open %s", fifo);
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sv_err_set(err, errno, "poll");
		char b;
		if ((p[0].revents & POLLIN) && read(fd, &b, 1) == 1)
			return 0;
		if (p[1].revents & POLLIN)
			return sv_err_setx(err, ESRCH, "the container exited before it was started");
		if (p[0].revents & POLLHUP)
			p[0].events = 0; /* writer not there yet, or gone: wait on pidfd */
	}
}

int sv_runtime_start(const char *state_root, const char *id, sv_err **err)
{
	SV_AUTOFREE char *dir = NULL;
	struct state_rec r;
	if (state_load(state_root, id, &dir, &r, err) < 0)
		return -1;
	enum sv_runtime_status st = state_status(dir, &r);
	int rc = -1;
	SV_AUTOCLOSE int pidfd = st == SV_RUNTIME_CREATED ? state_pidfd(&r) : -1;
	if (st != SV_RUNTIME_CREATED) {
		sv_err_setx(err, EBUSY, "cannot start container %s: it is %s, not created", id, sv_runtime_status_name(st));
	} else if (pidfd < 0) {
		sv_err_setx(err, ESRCH, "cannot start container %s: its process is gone", id);
	} else {
		SV_AUTOFREE char *fifo = sv_path_join(dir, "exec.fifo");
		rc = release_fifo(fifo, pidfd, err);
		unlink(fifo);
		SV_AUTOERR sv_err *e = NULL;
		if (rc == 0 && state_hooks(&r, HOOK_POSTSTART, SV_RUNTIME_RUNNING, &e) < 0)
			sv_warn("container %s: poststart: %s", id, e->msg);
	}
	state_rec_release(&r);
	return rc;
}
