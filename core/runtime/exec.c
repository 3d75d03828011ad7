/*
 * exec: a new process in a running container. servin-init joins the
 * container's cgroups (v1 "tasks", v2 by CLONE_INTO_CGROUP), enters every
 * namespace of the container's init through its pidfd in one setns(2),
 * forks into the pid namespace (CLONE_PARENT: the process is the caller's
 * child), and applies the process's user, capabilities, rlimits,
 * no_new_privs and the container's seccomp filter, like the init got them.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"
#include "runtime/plan.h"

/* Adds or replaces KEY=VALUE in *env. */
static void env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = 0; *env && (*env)[i]; i++)
		if (strncmp((*env)[i], kv, n) == 0 && (*env)[i][n] == '=') {
			free((*env)[i]);
			(*env)[i] = sv_xstrdup(kv);
			return;
		}
	sv_strv_push(env, kv);
}

static int parse_user(const char *user, struct spec_process *p, sv_err **err)
{
	int64_t uid, gid;
	const char *colon = strchr(user, ':');
	SV_AUTOFREE char *u = sv_xstrndup(user, colon ? (size_t)(colon - user) : strlen(user));
	if (!sv_str_to_i64(u, 0, UINT32_MAX - 1, &uid) ||
	    (colon && !sv_str_to_i64(colon + 1, 0, UINT32_MAX - 1, &gid)))
		return sv_err_setx(err, EINVAL, "user \"%s\": want numeric uid[:gid]", user);
	p->uid = (uint32_t)uid;
	p->gid = colon ? (uint32_t)gid : p->gid;
	return 0;
}

/* The process to run: process_json, or the container's with overrides. */
static int exec_process(const struct sv_runtime_exec_opts *o, const struct spec *s, struct spec_process *p,
			sv_err **err)
{
	if (o->process_json) {
		SV_AUTOJSON cJSON *j = sv_json_parse(o->process_json, strlen(o->process_json), 1u << 20, "process", err);
		return j ? spec_parse_process(j, p, err) : -1;
	}
	*p = s->proc;
	p->groups = p->n_groups ? sv_xmalloc(p->n_groups * sizeof *p->groups) : NULL;
	if (p->groups)
		memcpy(p->groups, s->proc.groups, p->n_groups * sizeof *p->groups);
	p->rlimits = p->n_rlimits ? sv_xmalloc(p->n_rlimits * sizeof *p->rlimits) : NULL;
	if (p->rlimits)
		memcpy(p->rlimits, s->proc.rlimits, p->n_rlimits * sizeof *p->rlimits);
	p->env = sv_strv_dup(s->proc.env ? s->proc.env : (char *[]){ NULL });
	p->cwd = sv_xstrdup(o->cwd ? o->cwd : s->proc.cwd);
	p->args = sv_strv_dup(o->args ? o->args : s->proc.args);
	for (size_t i = 0; o->env && o->env[i]; i++)
		env_set(&p->env, o->env[i]);
	if (o->tty)
		p->terminal = true;
	if (o->user && parse_user(o->user, p, err) < 0)
		return -1;
	if (!p->args || !p->args[0])
		return sv_err_setx(err, EINVAL, "exec: no command given");
	if (p->cwd[0] != '/')
		return sv_err_setx(err, EINVAL, "exec: cwd %s is not absolute", p->cwd);
	return 0;
}

static int exec_plan(const struct spec *s, const struct spec_process *p, const struct state_rec *r,
		     struct cgroup *cg, const char *cache, unsigned flags, struct sv_buf *b, sv_err **err)
{
	const unsigned joinable = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP;
	plan_put_u32(b, PT_MODE, PLAN_MODE_EXEC);
	plan_put_u32(b, PT_FLAGS, PLAN_F_FORK | ((flags & SV_RUNTIME_DETACH) ? PLAN_F_DETACH : 0));
	if (r->ns_flags & joinable)
		plan_put_u32(b, PT_NS_JOIN, r->ns_flags & joinable);
	SV_AUTOSTRV char **join = cg ? cgroup_join_files(cg) : NULL;
	for (size_t i = 0; join && join[i]; i++)
		plan_put_str(b, PT_CGROUP_JOIN, join[i]);
	return build_process(p, s, cache, b, err);
}

/* The container's v2 directory, opened for CLONE_INTO_CGROUP. */
static int open_v2(const struct cgroup *cg)
{
	for (size_t i = 0; cg && i < cg->n; i++)
		if (cg->dirs[i].ops->version == 2)
			return open(cg->dirs[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return -1;
}

struct exec_run {
	const struct sv_runtime_exec_opts *o;
	char *dir;
	struct state_rec rec;
	struct spec spec;
	struct spec_process proc;
	struct cgroup *cg;
	int target, sock, helper_pidfd, v2fd;
	pid_t helper;
};

static int exec_load(struct exec_run *x, sv_err **err)
{
	if (state_load(x->o->state_root, x->o->id, &x->dir, &x->rec, err) < 0)
		return -1;
	enum sv_runtime_status st = state_status(x->dir, &x->rec);
	if (st != SV_RUNTIME_RUNNING && st != SV_RUNTIME_CREATED)
		return sv_err_setx(err, EBUSY, "cannot exec in container %s: it is %s", x->o->id, sv_runtime_status_name(st));
	if (!x->rec.config)
		return sv_err_setx(err, EBADMSG, "container %s: no config in its state", x->o->id);
	if (spec_parse(x->rec.config, strlen(x->rec.config), x->rec.bundle, &x->spec, err) < 0 ||
	    exec_process(x->o, &x->spec, &x->proc, err) < 0)
		return -1;
	x->cg = cgroup_from_state(x->rec.cgroups);
	x->target = state_pidfd(&x->rec);
	if (x->target < 0)
		return sv_err_setx(err, EBUSY, "cannot exec in container %s: its process is gone", x->o->id);
	return 0;
}

static int exec_steps(struct exec_run *x, struct sv_runtime_proc *out, sv_err **err)
{
	SV_AUTOBUF struct sv_buf plan;
	sv_buf_init(&plan);
	SV_AUTOFREE char *cache = sv_path_join(x->o->state_root ? x->o->state_root : SV_RUNTIME_DEFAULT_STATE, ".seccomp");
	if (exec_load(x, err) < 0 || exec_plan(&x->spec, &x->proc, &x->rec, x->cg, cache, x->o->flags, &plan, err) < 0)
		return -1;
	x->v2fd = open_v2(x->cg);
	struct spawn_opts so = {
		.stdio = x->proc.terminal ? NULL : x->o->stdio,
		.extra_fds = x->o->extra_fds,
		.n_extra_fds = x->o->n_extra_fds,
		.cgroup_fd = x->v2fd,
	};
	x->helper = spawn_init(&so, &x->sock, &x->helper_pidfd, err);
	if (x->helper < 0)
		return -1;
	int rc = spawn_talk(x->sock, &plan, &x->target, 1, out, err);
	spawn_reap(x->helper, x->helper_pidfd);
	x->helper = 0;
	if (rc < 0)
		return -1;
	if (out->pid <= 0)
		return sv_err_setx(err, EIO, "servin-init did not report the process");
	if (x->o->pid_file && state_pid_file(x->o->pid_file, out->pid, err) < 0)
		return -1;
	if (plan_msg_send(x->sock, PLAN_MSG_GO, NULL, 0, NULL, 0) < 0)
		return sv_err_set(err, errno, "start the process");
	if (out->console_fd >= 0 && x->o->console_socket) {
		if (spawn_send_console(x->o->console_socket, out->console_fd, err) < 0)
			return -1;
		close(out->console_fd);
		out->console_fd = -1;
	}
	return 0;
}

int sv_runtime_exec(const struct sv_runtime_exec_opts *o, struct sv_runtime_proc *out, sv_err **err)
{
	*out = (struct sv_runtime_proc){ .pid = 0, .pidfd = -1, .console_fd = -1 };
	struct exec_run x = { .o = o, .target = -1, .sock = -1, .helper_pidfd = -1, .v2fd = -1 };
	int rc = exec_steps(&x, out, err);
	if (rc < 0) {
		sv_err_prefix(err, "exec in %s", o->id ? o->id : "");
		if (x.helper > 0) {
			kill(x.helper, SIGKILL);
			spawn_reap(x.helper, x.helper_pidfd);
		}
		if (out->pid > 0 && !(o->flags & SV_RUNTIME_DETACH)) {
			kill(out->pid, SIGKILL);
			waitpid(out->pid, NULL, 0);
		}
		sv_runtime_proc_release(out);
		out->pid = 0;
	} else if (!(o->flags & SV_RUNTIME_DETACH)) {
		out->pidfd = (int)syscall(SYS_pidfd_open, out->pid, 0);
	}
	free(x.dir);
	state_rec_release(&x.rec);
	spec_release(&x.spec);
	spec_process_release(&x.proc);
	cgroup_free(x.cg);
	int fds[] = { x.target, x.sock, x.helper_pidfd, x.v2fd };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}
