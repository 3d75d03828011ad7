/*
 * The process's identity and limits, applied inside the container after
 * pivot_root, in runc's order: stdio/session, personality, oom score,
 * rlimits, keyring, cwd (checked to be inside the root: CVE-2024-21626),
 * umask, seccomp (here when it needs CAP_SYS_ADMIN, i.e. without
 * no_new_privs), the bounding set, user and groups (keeping capabilities
 * across setuid), the other capability sets (libcap), no_new_privs,
 * seccomp (here with no_new_privs), and finally every fd but stdio and the
 * extra ones marked close-on-exec.
 */
#include "runtime/init/init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int setup_stdio(struct init_ctx *c, sv_err **err)
{
	if (c->console < 0) {
		if (c->p.mode != PLAN_MODE_EXEC)
			setsid();
		return 0;
	}
	if (setsid() < 0)
		return sv_err_set(err, errno, "setsid");
	if (ioctl(c->console, TIOCSCTTY, 0) < 0)
		return sv_err_set(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(c->console, i) < 0)
			return sv_err_set(err, errno, "dup2 the pty");
	close(c->console);
	c->console = -1;
	return 0;
}

static const char *rlimit_name(unsigned r)
{
	static const char *const names[] = { "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
					     "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
					     "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
					     "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME" };
	return r < sizeof names / sizeof *names ? names[r] : "RLIMIT_?";
}

static int set_rlimits(const struct plan *p, sv_err **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct plan_rlimit *l = &p->rlimits[i];
		struct rlimit r = { .rlim_cur = l->soft, .rlim_max = l->hard }, old;
		if (prlimit(0, l->resource, &r, &old) == 0)
			continue;
		if (errno == EPERM && getrlimit(l->resource, &old) == 0 && l->hard > old.rlim_max)
			return sv_err_setx(err, EPERM,
					   "%s: cannot raise the hard limit from %llu to %llu without CAP_SYS_RESOURCE",
					   rlimit_name(l->resource), (unsigned long long)old.rlim_max,
					   (unsigned long long)l->hard);
		return sv_err_set(err, errno, "set %s", rlimit_name(l->resource));
	}
	return 0;
}

static int set_oom_score(const struct plan *p, sv_err **err)
{
	if (!(p->flags & PLAN_F_HAS_OOM_SCORE))
		return 0;
	char v[16];
	int n = snprintf(v, sizeof v, "%d", (int)p->oom_score);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open /proc/self/oom_score_adj");
	ssize_t w = write(fd, v, (size_t)n);
	int e = errno;
	close(fd);
	if (w < 0)
		return sv_err_set(err, e, "set oom_score_adj %d", (int)p->oom_score);
	return 0;
}

/* chdir, then make sure the result is inside our root: getcwd() says
 * "(unreachable)" (or fails) for a directory outside it. */
static int enter_cwd(const struct plan *p, sv_err **err)
{
	const char *cwd = p->cwd ? p->cwd : "/";
	if (chdir(cwd) < 0)
		return sv_err_set(err, errno, "chdir to %s", cwd);
	char buf[4096];
	if (!getcwd(buf, sizeof buf) || buf[0] != '/')
		return sv_err_setx(err, EPERM, "current working directory %s is outside the container", cwd);
	return 0;
}

static int load_seccomp(const struct plan *p, sv_err **err)
{
	if (!p->seccomp)
		return 0;
	struct sock_filter *f = sv_xmalloc(p->seccomp_len); /* aligned copy */
	memcpy(f, p->seccomp, p->seccomp_len);
	struct sock_fprog prog = { .len = (unsigned short)(p->seccomp_len / sizeof *f), .filter = f };
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog);
	int e = errno;
	free(f);
	if (rc < 0)
		return sv_err_set(err, e, "load the seccomp filter");
	return 0;
}

static int drop_bounding(const struct plan *p, sv_err **err)
{
	int last = (int)cap_max_bits() - 1;
	for (int cap = 0; cap <= last && cap < 64; cap++)
		if (!(p->caps[0] & (UINT64_C(1) << cap)) && cap_drop_bound((cap_value_t)cap) < 0 && errno != EINVAL)
			return sv_err_set(err, errno, "drop capability %d from the bounding set", cap);
	return 0;
}

static int set_user(const struct plan *p, sv_err **err)
{
	if (setgroups(p->n_groups, p->groups) < 0 && !(errno == EPERM && p->n_groups == 0))
		return sv_err_set(err, errno, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return sv_err_set(err, errno, "setgid %u", p->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sv_err_set(err, errno, "keep capabilities");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return sv_err_set(err, errno, "setuid %u", p->uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

static int set_caps(const struct plan *p, sv_err **err)
{
	static const cap_flag_t flags[] = { CAP_EFFECTIVE, CAP_INHERITABLE, CAP_PERMITTED };
	cap_t caps = cap_init();
	if (!caps)
		return sv_err_set(err, errno, "cap_init");
	int last = (int)cap_max_bits() - 1;
	for (int set = 0; set < 3; set++)
		for (cap_value_t v = 0; v <= last && v < 64; v++)
			if (p->caps[set + 1] & (UINT64_C(1) << v))
				cap_set_flag(caps, flags[set], 1, &v, CAP_SET);
	int rc = cap_set_proc(caps);
	int e = errno;
	cap_free(caps);
	if (rc < 0)
		return sv_err_set(err, e, "set capabilities");
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return sv_err_set(err, errno, "reset ambient capabilities");
	for (cap_value_t v = 0; v <= last && v < 64; v++)
		if ((p->caps[4] & (UINT64_C(1) << v)) && cap_set_ambient(v, CAP_SET) < 0)
			return sv_err_set(err, errno, "raise ambient capability %d", v);
	return 0;
}

/* The extra fds move down to 3, 4, … (the sync socket goes out of the way
 * until exec), and no other fd survives exec (attacks.md item 2). */
static int close_fds(struct init_ctx *c, sv_err **err)
{
	if (c->n_extra) {
		int high = fcntl(c->sock, F_DUPFD_CLOEXEC, PLAN_EXTRA_FD0 + c->n_extra + 64);
		if (high < 0)
			return sv_err_set(err, errno, "move the sync socket");
		close(c->sock);
		c->sock = high;
		for (int i = 0; i < c->n_extra; i++)
			if (dup2(PLAN_EXTRA_FD0 + i, PLAN_SYNC_FD + i) < 0)
				return sv_err_set(err, errno, "pass fd %d", PLAN_SYNC_FD + i);
	}
	if (syscall(SYS_close_range, PLAN_SYNC_FD + c->n_extra, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return sv_err_set(err, errno, "close_range");
	return 0;
}

int process_setup(struct init_ctx *c, sv_err **err)
{
	const struct plan *p = &c->p;
	bool nnp = p->flags & PLAN_F_NO_NEW_PRIVS;
	if (setup_stdio(c, err) < 0)
		return -1;
	if (p->personality != UINT32_MAX && personality(p->personality) < 0)
		return sv_err_set(err, errno, "personality");
	if (set_oom_score(p, err) < 0 || set_rlimits(p, err) < 0)
		return -1;
	if ((p->flags & PLAN_F_NEW_KEYRING) && p->mode != PLAN_MODE_EXEC)
		syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL); /* best effort, as runc */
	if (enter_cwd(p, err) < 0)
		return -1;
	umask((p->flags & PLAN_F_HAS_UMASK) ? p->umask : 022);
	if (!nnp && load_seccomp(p, err) < 0)
		return -1;
	if (drop_bounding(p, err) < 0 || set_user(p, err) < 0 || set_caps(p, err) < 0)
		return -1;
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sv_err_set(err, errno, "set no_new_privs");
	if (nnp && load_seccomp(p, err) < 0)
		return -1;
	return close_fds(c, err);
}

static const char *env_get(const struct plan *p, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], key, n) == 0 && p->env[i][n] == '=')
			return p->env[i] + n + 1;
	return NULL;
}

/* 0 executable, else the errno that explains why not. */
static int check_exec(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return EACCES;
	return 0;
}

char *process_lookup(const struct plan *p, sv_err **err)
{
	const char *arg0 = p->args[0];
	if (strchr(arg0, '/')) {
		int e = check_exec(arg0);
		if (e == ENOENT || e == ENOTDIR)
			return sv_err_setx(err, ENOENT, "exec: \"%s\": stat %s: no such file or directory", arg0, arg0), NULL;
		if (e)
			return sv_err_setx(err, EACCES, "exec: \"%s\": %s", arg0, e == EISDIR ? "is a directory" : "permission denied"), NULL;
		return sv_xstrdup(arg0);
	}
	const char *path = env_get(p, "PATH");
	SV_AUTOSTRV char **dirs = sv_strv_split(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ':', false);
	bool denied = false;
	for (size_t i = 0; dirs[i]; i++) {
		char *cand = sv_path_join(*dirs[i] ? dirs[i] : ".", arg0);
		int e = check_exec(cand);
		if (e == 0)
			return cand;
		denied |= e == EACCES;
		free(cand);
	}
	if (denied)
		return sv_err_setx(err, EACCES, "exec: \"%s\": permission denied", arg0), NULL;
	return sv_err_setx(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0), NULL;
}

void process_exec(struct init_ctx *c, const char *path)
{
	execve(path, (char *const *)(uintptr_t)c->p.args, (char *const *)(uintptr_t)c->p.env);
	int e = errno;
	dprintf(STDERR_FILENO, "servin: exec %s: %s\n", path, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}
